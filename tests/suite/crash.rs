//! Crash harness (issue 10): the real binary under a stream of payments, billing runs and month
//! closes, killed with SIGKILL at random moments. Afterwards every acknowledged payment is
//! present exactly once, a killed one is either wholly present or absent (retrying it with its
//! key records it once), every month is billed once, and `verify` is clean. The budget is fixed
//! (at least 50 kills that land while the process runs), so CI's time stays bounded.

use crate::common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;
use mingzhang::verify::verify_all;

/// Kills that must land (the process still running when SIGKILL is sent), per engine.
const LANDED_KILLS: usize = 50;

/// A small deterministic generator: the same moments every run.
struct Moments(u64);

impl Moments {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

fn start(db: &str, args: &[String]) -> Child {
    mingzhang().arg("--db").arg(db).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start mingzhang")
}

fn run_to_end(db: &str, args: &[String]) -> (bool, String) {
    let out = start(db, args).wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// Runs the command and kills it after `delay`; true when the kill landed (it was running).
fn run_and_kill(db: &str, args: &[String], delay: Duration) -> bool {
    let mut child = start(db, args);
    std::thread::sleep(delay);
    let landed = matches!(child.try_wait(), Ok(None)) && child.kill().is_ok();
    let _ = child.wait();
    landed
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn payment(household: usize, key: &str, day: u32) -> Vec<String> {
    let room = format!("1-1-{}", 101 + household);
    let date = format!("2025-{:02}-{:02}", 1 + day / 28, 1 + day % 28);
    strings(&["pay", "--book", "company", "--household", &room, "--amount", "37.50", "--method", "现金", "--date", &date])
        .into_iter()
        .chain(strings(&["--key", key, "--cashier", "出纳"]))
        .collect()
}

#[tokio::test]
async fn killed_at_random_moments_nothing_is_lost_doubled_or_half_written() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    let setup: Vec<Vec<&str>> = vec![
        vec!["init", "崩溃社区"],
        vec!["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"],
        vec!["fee", "item", "--book", "company", "--code", "WYF", "--name", "物业服务费", "--basis", "per_m2_month", "--account", "500101"],
        vec!["fee", "standard", "--book", "company", "--item", "WYF", "--kind", "住宅", "--rate", "1.50", "--from", "2025-01-01"],
    ];
    let dir = tempfile::tempdir().unwrap();
    let households = dir.path().join("households.csv");
    let mut csv = String::from("楼栋,单元,房号,建筑面积,类型,业主,电话\n");
    for i in 0..20 {
        csv += &format!("1,1,{},80.00,住宅,住户{i},1390000{i:04}\n", 101 + i);
    }
    std::fs::write(&households, csv).unwrap();
    for (i, args) in setup.iter().enumerate() {
        let (ok, out) = run_to_end(url, &strings(args));
        assert!(ok, "{out}");
        if i == 1 {
            let (ok, out) = run_to_end(url, &strings(&["household", "import", "--file", households.to_str().unwrap()]));
            assert!(ok, "{out}");
        }
    }
    // How long a payment takes from start to exit here: the kills are spread over it.
    let t = Instant::now();
    let (ok, out) = run_to_end(url, &payment(0, "calibrate", 0));
    assert!(ok, "{out}");
    let span_us = (t.elapsed().as_micros() as u64).max(5_000);

    let mut moments = Moments(2026);
    let (mut landed, mut acknowledged, mut killed) = (0, Vec::new(), Vec::new());
    let mut month = 1;
    let mut n = 0;
    while landed < LANDED_KILLS {
        n += 1;
        assert!(n < 2_000, "only {landed} kills landed in {n} commands");
        // One command in eight is the next month's billing run, or the close of the month
        // before it; the rest are payments.
        let args = match moments.below(8) {
            0 if month < 12 => {
                month += 1;
                strings(&["bill", "--book", "company", "--period", &format!("2025-{month:02}"), "--user", "会计"])
            }
            1 if month > 2 => strings(&["close", "--book", "company", "--period", &format!("2025-{:02}", month - 2), "--user", "主管"]),
            _ => {
                payment(moments.below(20) as usize, &format!("k{n}"), (moments.below(28 * (month.min(12) as u64)) as u32).min(28 * 12 - 1))
            }
        };
        if moments.below(2) == 0 {
            let delay = Duration::from_micros(moments.below(span_us));
            if run_and_kill(url, &args, delay) {
                landed += 1;
                killed.push(args);
                continue;
            }
        }
        let (ok, out) = run_to_end(url, &args);
        // A payment may be refused on its merits (a date in a closed month); what is
        // acknowledged is what printed a receipt.
        if ok && args[0] == "pay" {
            acknowledged.push(args[args.iter().position(|a| a == "--key").unwrap() + 1].clone());
        } else if !ok {
            assert!(!out.contains("database is locked") && !out.contains("malformed"), "{out}");
        }
    }
    // Every killed command is retried once; a payment's key makes the retry record it at most once.
    for args in &killed {
        let (ok, out) = run_to_end(url, args);
        if ok && args[0] == "pay" {
            acknowledged.push(args[args.iter().position(|a| a == "--key").unwrap() + 1].clone());
        }
        assert!(!out.contains("database is locked") && !out.contains("malformed"), "{out}");
    }

    {
        let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
        let report = verify_all(&s).await.unwrap();
        assert!(report.is_clean(), "after {landed} kills: {:?}", report.findings);
        mingzhang::store::Store::close(&s).await;
    };
    for key in &acknowledged {
        let count: i64 = count_rows(url, &format!("SELECT COUNT(*) FROM payments WHERE idempotency_key = '{key}'")).await;
        assert_eq!(count, 1, "acknowledged payment {key}");
    }
    let doubled = count_rows(url, "SELECT COUNT(*) FROM (SELECT household_id, fee_item_id, period FROM bills GROUP BY household_id, fee_item_id, period, issue HAVING COUNT(*) > 1) d").await;
    assert_eq!(doubled, 0, "a month billed twice");
    eprintln!("crash harness: {landed} landed kills, {} acknowledged payments, none lost or doubled", acknowledged.len());
}

async fn count_rows(url: &str, sql: &str) -> i64 {
    use sqlx::Connection;
    if is_pg(url) {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}
