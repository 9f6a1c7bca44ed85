//! Values the server keeps for a short time (`Kept`): what nearly every request reads and
//! seldom changes, such as a community's book or who a session belongs to. A change made
//! through this server forgets them at once; one made by another process (the command line)
//! is seen within the time they are kept.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Kept<K, V> {
    ttl: Duration,
    values: Arc<Mutex<HashMap<K, (Instant, V)>>>,
}

impl<K, V> Clone for Kept<K, V> {
    fn clone(&self) -> Self {
        Kept { ttl: self.ttl, values: self.values.clone() }
    }
}

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    pub fn new(ttl: Duration) -> Kept<K, V> {
        Kept { ttl, values: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// The value kept for `key`, unless it is older than the time values are kept.
    pub fn get(&self, key: &K) -> Option<V> {
        let values = self.values.lock().ok()?;
        values.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        if let Ok(mut values) = self.values.lock() {
            // Expired entries go when the map grows large, so a stream of one-off keys cannot
            // fill memory.
            if values.len() >= 10_000 {
                let ttl = self.ttl;
                values.retain(|_, (at, _)| at.elapsed() < ttl);
            }
            values.insert(key, (Instant::now(), value));
        }
    }

    pub fn remove(&self, key: &K) {
        if let Ok(mut values) = self.values.lock() {
            values.remove(key);
        }
    }

    pub fn forget(&self) {
        if let Ok(mut values) = self.values.lock() {
            values.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_until_its_time_or_until_forgotten() {
        let kept = Kept::new(Duration::from_millis(50));
        kept.put(1, "一");
        assert_eq!(kept.get(&1), Some("一"));
        assert_eq!(kept.get(&2), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(kept.get(&1), None, "expired");
        kept.put(1, "一");
        kept.forget();
        assert_eq!(kept.get(&1), None, "forgotten");
    }
}
