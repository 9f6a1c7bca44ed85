//! /metrics in Prometheus' text format: request latency by route (a histogram), payments,
//! billing runs, errors by code and `verify` results. Kept in one process-wide registry, since
//! a process serves one set of books.

use std::collections::BTreeMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS_S: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS_S.len()],
    count: u64,
    sum_s: f64,
}

impl Histogram {
    fn observe(&mut self, took: Duration) {
        let s = took.as_secs_f64();
        for (i, bound) in BUCKETS_S.iter().enumerate() {
            if s <= *bound {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum_s += s;
    }

    /// The histogram's lines under `name`, each with `labels` (`a="x",b="y"`, or empty).
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let (before_le, braced) =
            if labels.is_empty() { (String::new(), String::new()) } else { (format!("{labels},"), format!("{{{labels}}}")) };
        for (i, bound) in BUCKETS_S.iter().enumerate() {
            out.push_str(&format!("{name}_bucket{{{before_le}le=\"{bound}\"}} {}\n", self.counts[i]));
        }
        out.push_str(&format!("{name}_bucket{{{before_le}le=\"+Inf\"}} {}\n", self.count));
        out.push_str(&format!("{name}_sum{braced} {}\n{name}_count{braced} {}\n", self.sum_s, self.count));
    }
}

#[derive(Default)]
struct Registry {
    /// (route, method) → latency.
    requests: BTreeMap<(String, String), Histogram>,
    /// (route, status) → count.
    statuses: BTreeMap<(String, u16), u64>,
    errors: BTreeMap<&'static str, u64>,
    counters: BTreeMap<&'static str, u64>,
    /// The time of each group commit of payments (`http::batch`).
    payment_batches: Histogram,
    /// Payments taken into those group commits, refused ones included.
    batched_payments: u64,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| Mutex::new(Registry::default()));

fn with<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    f(&mut REGISTRY.lock().unwrap_or_else(|p| p.into_inner()))
}

pub fn request(route: &str, method: &str, status: u16, took: Duration) {
    with(|r| {
        r.requests.entry((route.to_string(), method.to_string())).or_default().observe(took);
        *r.statuses.entry((route.to_string(), status)).or_default() += 1;
    });
}

/// One group commit of `payments` payments, recorded in `took`.
pub fn payment_batch(payments: usize, took: Duration) {
    with(|r| {
        r.payment_batches.observe(took);
        r.batched_payments += payments as u64;
    });
}

pub fn error(code: &'static str) {
    with(|r| *r.errors.entry(code).or_default() += 1);
}

/// Counts one event: "payments", "billing_runs", "verify_clean", "verify_failed".
pub fn count(name: &'static str) {
    add(name, 1);
}

pub fn add(name: &'static str, n: u64) {
    with(|r| *r.counters.entry(name).or_default() += n);
}

/// The last `verify` the server ran: when, how long it took, and its findings by invariant.
struct Verified {
    at_unix_s: i64,
    took: Duration,
    findings_by_invariant: [u64; 8],
}

static LAST_VERIFY: Mutex<Option<Verified>> = Mutex::new(None);

/// Records a run of `verify`: counted as clean or failed, and kept as the last one.
pub fn verified(report: &crate::verify::VerifyReport, took: Duration) {
    count(if report.is_clean() { "verify_clean" } else { "verify_failed" });
    let mut findings_by_invariant = [0u64; 8];
    for f in &report.findings {
        if let Some(n) = findings_by_invariant.get_mut(usize::from(f.invariant.clamp(1, 8)) - 1) {
            *n += 1;
        }
    }
    let last = Verified { at_unix_s: chrono::Utc::now().timestamp(), took, findings_by_invariant };
    *LAST_VERIFY.lock().unwrap_or_else(|p| p.into_inner()) = Some(last);
}

fn label(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The registry as Prometheus text.
pub fn render() -> String {
    with(|r| {
        let mut out = String::new();
        out.push_str("# HELP mingzhang_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE mingzhang_http_request_duration_seconds histogram\n");
        for ((route, method), h) in &r.requests {
            let labels = format!("route=\"{}\",method=\"{}\"", label(route), method);
            h.render(&mut out, "mingzhang_http_request_duration_seconds", &labels);
        }
        out.push_str("# HELP mingzhang_payment_batch_duration_seconds Time to record one group commit of payments.\n");
        out.push_str("# TYPE mingzhang_payment_batch_duration_seconds histogram\n");
        r.payment_batches.render(&mut out, "mingzhang_payment_batch_duration_seconds", "");
        out.push_str("# HELP mingzhang_payment_batch_payments_total Payments taken into group commits, refused ones included.\n");
        out.push_str(&format!(
            "# TYPE mingzhang_payment_batch_payments_total counter\nmingzhang_payment_batch_payments_total {}\n",
            r.batched_payments
        ));
        out.push_str("# HELP mingzhang_http_responses_total Responses by route and status.\n");
        out.push_str("# TYPE mingzhang_http_responses_total counter\n");
        for ((route, status), n) in &r.statuses {
            out.push_str(&format!("mingzhang_http_responses_total{{route=\"{}\",status=\"{status}\"}} {n}\n", label(route)));
        }
        out.push_str("# HELP mingzhang_errors_total Errors answered, by code.\n# TYPE mingzhang_errors_total counter\n");
        for (code, n) in &r.errors {
            out.push_str(&format!("mingzhang_errors_total{{code=\"{code}\"}} {n}\n"));
        }
        for name in ["payments", "billing_runs", "verify_clean", "verify_failed"] {
            let n = r.counters.get(name).copied().unwrap_or(0);
            out.push_str(&format!("# TYPE mingzhang_{name}_total counter\nmingzhang_{name}_total {n}\n"));
        }
        if let Some(v) = LAST_VERIFY.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            out.push_str("# HELP mingzhang_verify_findings Findings of the last verify, by invariant of DESIGN.md section 3.\n");
            out.push_str("# TYPE mingzhang_verify_findings gauge\n");
            for (i, n) in v.findings_by_invariant.iter().enumerate() {
                out.push_str(&format!("mingzhang_verify_findings{{invariant=\"{}\"}} {n}\n", i + 1));
            }
            out.push_str(&format!(
                "# TYPE mingzhang_verify_last_run_timestamp_seconds gauge\nmingzhang_verify_last_run_timestamp_seconds {}\n",
                v.at_unix_s
            ));
            out.push_str(&format!(
                "# TYPE mingzhang_verify_last_duration_seconds gauge\nmingzhang_verify_last_duration_seconds {}\n",
                v.took.as_secs_f64()
            ));
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{Finding, VerifyReport};

    #[test]
    fn the_last_verify_is_rendered_with_its_findings_by_invariant() {
        let finding = |invariant| Finding { community: "甲".into(), book: "company".into(), invariant, message: "断链".into() };
        let report = VerifyReport { books: 1, vouchers: 9, lines: 20, findings: vec![finding(3), finding(3), finding(8)] };
        verified(&report, Duration::from_millis(1500));
        let text = render();
        assert!(text.contains("mingzhang_verify_failed_total 1"), "{text}");
        assert!(text.contains("mingzhang_verify_findings{invariant=\"3\"} 2"), "{text}");
        assert!(text.contains("mingzhang_verify_findings{invariant=\"8\"} 1"), "{text}");
        assert!(text.contains("mingzhang_verify_findings{invariant=\"1\"} 0"), "{text}");
        assert!(text.contains("mingzhang_verify_last_duration_seconds 1.5"), "{text}");
    }

    #[test]
    fn group_commits_are_rendered_as_a_histogram_with_their_payments() {
        // The only test that records group commits: the registry is the process's.
        payment_batch(3, Duration::from_millis(2));
        payment_batch(5, Duration::from_millis(30));
        let text = render();
        assert!(text.contains("mingzhang_payment_batch_duration_seconds_bucket{le=\"0.001\"} 0\n"), "{text}");
        assert!(text.contains("mingzhang_payment_batch_duration_seconds_bucket{le=\"0.0025\"} 1\n"), "{text}");
        assert!(text.contains("mingzhang_payment_batch_duration_seconds_bucket{le=\"0.05\"} 2\n"), "{text}");
        assert!(text.contains("mingzhang_payment_batch_duration_seconds_bucket{le=\"+Inf\"} 2\n"), "{text}");
        assert!(text.contains("mingzhang_payment_batch_duration_seconds_count 2\n"), "{text}");
        assert!(text.contains("mingzhang_payment_batch_payments_total 8\n"), "{text}");
    }
}
