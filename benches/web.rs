//! The figures of the web application, on loopback, with the load tool and the server (the
//! release binary, `mingzhang serve`) side by side on one machine:
//!
//! 1. the public community page: requests per second and latency percentiles, `--connections`
//!    keep-alive clients for `--seconds`;
//! 2. the payment API: 8 concurrent clients, a fresh Idempotency-Key per request, one
//!    household each at a time; then every acknowledged payment is counted in the database
//!    exactly once and `verify` runs on it; the server's /metrics tells how many group commits
//!    recorded them, their mean size and time;
//! 3. login: the time of one login (the argon2id hash of the password dominates), p50 and p90.
//!
//!     cargo bench --bench web -- [--households 3000] [--seconds 10] [--pg postgres://…]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use mingzhang::access::secret::{ARGON2_LANES, ARGON2_MEMORY_KIB, ARGON2_PASSES};
use mingzhang::access::{Access, NewUser, Role};
use mingzhang::domain::period::Period;
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::{FeeItemSpec, Fees};
use mingzhang::ledger::Ledger;
use mingzhang::store::{AnyStore, Store};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 3000)]
    households: usize,
    /// Seconds each load runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Keep-alive clients reading the public page.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Concurrent payment clients.
    #[arg(long, default_value_t = 8)]
    payers: usize,
    #[arg(long)]
    pg: Option<String>,
    #[arg(long, hide = true)]
    bench: bool,
}

const PASSWORD: &str = "bench password 1";

/// A community of `households` households billed for January 2025, a cashier with an API token
/// and a user to log in as; returns the community's id and the token.
async fn build(url: &str, households: usize) -> (i64, String) {
    let store = AnyStore::create(url).await.expect("open the database");
    {
        let s = store;
        let ledger = Ledger::new(s.clone());
        let fees = Fees::new(&ledger);
        let access = Access::new(s.clone());
        let c = ledger.create_community("网页基准社区").await.unwrap();
        let book = ledger.create_book(c.id, "company", "基准物业公司", "small_enterprise", Period::new(2025, 1).unwrap()).await.unwrap();
        let mut csv = String::from("楼栋,单元,房号,建筑面积,类型,业主,电话\n");
        for i in 0..households {
            csv += &format!("{},1,{},{}.00,住宅,业主{i},1390000{:04}\n", i / 100 + 1, i % 100 + 101, 60 + i % 80, i % 10_000);
        }
        fees.import_households(c.id, csv.as_bytes()).await.unwrap();
        let spec = FeeItemSpec {
            code: "WYF",
            name: "物业服务费",
            basis: FeeBasis::PerM2Month,
            revenue_account: "500101",
            late_fee_ppm_per_day: 0,
            late_fee_cap_percent: 0,
        };
        fees.add_fee_item(&book, &spec).await.unwrap();
        let jan = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        fees.add_fee_standard(&book, "WYF", HouseholdKind::Residential, "1.50", jan, None).await.unwrap();
        for (username, role) in [("cashier", Role::Cashier), ("reader", Role::Auditor), ("accountant", Role::Accountant)] {
            let new =
                NewUser { username, display_name: username, roles: &[role], communities: &[c.id], street: "", password: Some(PASSWORD) };
            access.add_user(&new).await.unwrap();
        }
        fees.run_billing(&book, Period::new(2025, 1).unwrap(), &[], "accountant").await.unwrap();
        let token = access.add_token("cashier", "基准").await.unwrap();
        s.close().await;
        (c.id.0, token)
    }
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(url: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mingzhang"))
        .args(["--db", url, "serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.split("http://").nth(1).expect("the server prints its address").trim().trim_end_matches('/').to_string();
    Server(child, format!("http://{address}"))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut latencies: Vec<Duration>, took: Duration) {
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

/// `clients` loops, each sending `request(client, i)` until `seconds` pass; every answer must
/// have status `expected`.
async fn load<F, Fut>(clients: usize, seconds: u64, expected: u16, request: F) -> (Vec<Duration>, Duration)
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

/// The server's group commits so far, from its /metrics: how many, their mean size and time.
async fn group_commits(base: &str) {
    let text = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    let value = |name: &str| -> f64 {
        let line = text.lines().find(|l| l.split(' ').next() == Some(name)).unwrap_or_else(|| panic!("{name} in /metrics"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let commits = value("mingzhang_payment_batch_duration_seconds_count");
    let seconds = value("mingzhang_payment_batch_duration_seconds_sum");
    let payments = value("mingzhang_payment_batch_payments_total");
    println!(
        "  group commits: {commits}, {:.1} payments and {:.2} ms each on average",
        payments / commits.max(1.0),
        seconds * 1000.0 / commits.max(1.0)
    );
}

async fn count_payments(url: &str) -> i64 {
    let store = AnyStore::connect(url).await.unwrap();
    {
        let s = store;
        let ledger = Ledger::new(s.clone());
        let c = ledger.community(None).await.unwrap();
        let book = ledger.book(c.id, "company").await.unwrap();
        let fees = Fees::new(&ledger);
        let mut total = 0i64;
        for d in 1..=28 {
            let day = chrono::NaiveDate::from_ymd_opt(2025, 2, d).unwrap();
            total += fees.payments_on(&book, day).await.unwrap().len() as i64;
        }
        let report = mingzhang::verify::verify_all(&s).await.unwrap();
        assert!(report.is_clean(), "verify after the load: {}", mingzhang::cli::verify_text(&report));
        s.close().await;
        total
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().unwrap();
    let url = match &args.pg {
        Some(url) => url.clone(),
        None => dir.path().join("web.db").to_string_lossy().into_owned(),
    };
    let engine = if args.pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "web benchmark on {engine}: {} households, {} s per load, 2 cores shared by the load and the server",
        args.households, args.seconds
    );
    let (community, token) = build(&url, args.households).await;
    let server = serve(&url);
    let base = server.1.clone();

    // 1. The public page.
    let page = format!("{base}/c/{community}");
    let (latencies, took) = load(args.connections, args.seconds, 200, move |c, _| c.get(&page).send()).await;
    report(&format!("public page ({} connections)", args.connections), latencies, took);

    // 2. Payments: household i % N pays 1.00 on a February day, each with its own key.
    let households = args.households;
    let pay_url = format!("{base}/api/v1/communities/{community}/payments");
    let auth = format!("Bearer {token}");
    let (latencies, took) = load(args.payers, args.seconds, 201, move |c, i| {
        let body = serde_json::json!({ "household_id": (i % households) + 1, "amount": "1.00", "method": "cash", "date": format!("2025-02-{:02}", i % 28 + 1) });
        c.post(&pay_url).header("authorization", &auth).header("idempotency-key", format!("bench-{i}")).json(&body).send()
    })
    .await;
    let acknowledged = latencies.len() as i64;
    report(&format!("payments API ({} clients)", args.payers), latencies, took);
    group_commits(&base).await;

    // 3. Logins, one after another.
    let mut latencies = Vec::new();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let started = Instant::now();
    for _ in 0..30 {
        let form = client.get(format!("{base}/login")).send().await.unwrap();
        let cookie = form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let html = form.text().await.unwrap();
        let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
        let csrf = html[at..].split('"').next().unwrap().to_string();
        let t = Instant::now();
        let r = client
            .post(format!("{base}/login"))
            .header("cookie", cookie)
            .form(&[("csrf", csrf.as_str()), ("username", "reader"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        latencies.push(t.elapsed());
    }
    report(&format!("login (argon2id m={ARGON2_MEMORY_KIB} KiB, t={ARGON2_PASSES}, p={ARGON2_LANES})"), latencies, started.elapsed());
    drop(server);

    let recorded = count_payments(&url).await;
    println!("payments acknowledged {acknowledged}, recorded {recorded}; verify clean");
    assert_eq!(acknowledged, recorded, "every acknowledged payment is recorded exactly once");
}
