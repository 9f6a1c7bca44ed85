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

use std::time::Instant;

use clap::Parser;
use mingzhang::access::secret::{ARGON2_LANES, ARGON2_MEMORY_KIB, ARGON2_PASSES};
use mingzhang::access::{Access, NewUser, Role};
use mingzhang::domain::period::Period;
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::{FeeItemSpec, Fees};
use mingzhang::ledger::Ledger;
use mingzhang::store::{AnyStore, Store};

#[path = "support/mod.rs"]
mod support;
use support::{load, report, serve};

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
    {
        let s = AnyStore::create(url).await.expect("open the database");
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
    {
        let s = AnyStore::connect(url).await.unwrap();
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
    let server = serve(&url, &[]);
    let base = server.1.clone();

    // 1. The public page.
    let page = format!("{base}/c/{community}");
    let (latencies, took) = load(args.connections, args.seconds, None, 200, move |c, _| c.get(&page).send()).await;
    report(&format!("public page ({} connections)", args.connections), latencies, took);

    // 2. Payments: household i % N pays 1.00 on a February day, each with its own key.
    let households = args.households;
    let pay_url = format!("{base}/api/v1/communities/{community}/payments");
    let auth = format!("Bearer {token}");
    let (latencies, took) = load(args.payers, args.seconds, None, 201, move |c, i| {
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
