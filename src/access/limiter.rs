//! Limits on guessing: login attempts per account and per address, household-code attempts per
//! household and per address. Kept in memory by the server: a restart forgets the counts, which
//! only gives an attacker one more window, not a bypass, and costs no write per attempt.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per key in one window before further attempts are refused until it ends.
#[derive(Debug)]
pub struct Limiter {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    pub fn new(max_failures: u32, window: Duration) -> Limiter {
        Limiter { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    /// Whether `key` may try now; when not, how long until it may.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match failures.get(key) {
            Some((since, count)) if now.duration_since(*since) < self.window && *count >= self.max_failures => {
                Err(self.window - now.duration_since(*since))
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, key: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Keep the map small: a flood of distinct keys must not grow it without end.
        if failures.len() > 100_000 {
            failures.retain(|_, (since, _)| now.duration_since(*since) < self.window);
        }
        let entry = failures.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    pub fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_limit_until_success_or_window() {
        let l = Limiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.check("a").is_ok());
            l.failed("a");
        }
        assert!(l.check("a").is_err());
        assert!(l.check("b").is_ok(), "keys are counted apart");
        l.succeeded("a");
        assert!(l.check("a").is_ok());
        let short = Limiter::new(1, Duration::from_millis(1));
        short.failed("x");
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.check("x").is_ok());
    }
}
