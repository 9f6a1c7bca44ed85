//! What the benchmarks that drive the server share: the release binary serving a database on a
//! free loopback port, a load of concurrent clients, and latency percentiles.

// Each benchmark is a crate of its own that includes this file and uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Server(Child, pub String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `mingzhang serve` on `url` at a free loopback port, with `options` besides.
pub fn serve(url: &str, options: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mingzhang"))
        .args(["--db", url, "serve", "--listen", "127.0.0.1:0"])
        .args(options)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.split("http://").nth(1).expect("the server prints its address").trim().trim_end_matches('/').to_string();
    Server(child, format!("http://{address}"))
}

/// The `p` quantile of `sorted`, in milliseconds (0 for none).
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

pub fn report(name: &str, mut latencies: Vec<Duration>, took: Duration) {
    latencies.sort();
    let n = latencies.len();
    println!(
        "{name}: {n} in {:.1} s = {:.0}/s; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
}

/// The CPU time the whole machine has spent busy so far (every core's user, system and
/// interrupt time in /proc/stat; not idle, I/O wait or time stolen by the host), or None where
/// there is no /proc/stat. Taken around a load, it says what the load cost in CPU, a figure
/// that drifts less with the host than a rate does.
pub fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat.lines().next()?.split_whitespace().skip(1).map_while(|t| t.parse().ok()).collect();
    // user, nice, system, idle, iowait, irq, softirq: clock ticks of 1/100 s (USER_HZ).
    let busy: u64 = [0, 1, 2, 5, 6].iter().map(|&i| ticks.get(i).copied().unwrap_or(0)).sum();
    Some(Duration::from_millis(busy * 10))
}

/// `clients` loops, each sending `request(client, i)` until `seconds` pass (or, with a
/// `limit`, until that many requests were sent); every answer must have status `expected`.
pub async fn load<F, Fut>(clients: usize, seconds: u64, limit: Option<usize>, expected: u16, request: F) -> (Vec<Duration>, Duration)
where
    F: Fn(reqwest::Client, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send,
{
    let request = Arc::new(request);
    let counter = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (request, counter) = (request.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                if limit.is_some_and(|limit| i >= limit) {
                    break;
                }
                let t = Instant::now();
                let r = request(client.clone(), i).await.expect("request");
                let status = r.status().as_u16();
                let body = r.bytes().await.expect("body");
                assert_eq!(status, expected, "{}", String::from_utf8_lossy(&body));
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (all, started.elapsed())
}
