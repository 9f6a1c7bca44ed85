//! Every staff page's latency on the demo, on loopback: each role signs in to the release
//! server (`mingzhang serve`) and opens each of its pages in turn, `--runs` times after a
//! warm-up; the table lists p50 and p99 per page and marks any page whose p99 is 200 ms or more
//! (issue 29's goal).
//!
//!     cargo bench --bench pages -- [--households 3000] [--runs 50] [--pg postgres://…]

use std::time::Instant;

use clap::Parser;
use mingzhang::access::{Access, NewUser, Role};
use mingzhang::domain::ids::VoucherId;
use mingzhang::ledger::Ledger;
use mingzhang::store::{AnyStore, Store};

#[path = "support/mod.rs"]
mod support;
use support::{percentile, serve};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 3000)]
    households: usize,
    /// Requests per page, after three to warm up.
    #[arg(long, default_value_t = 50)]
    runs: usize,
    #[arg(long)]
    pg: Option<String>,
    #[arg(long, hide = true)]
    bench: bool,
}

const PASSWORD: &str = "bench password 1";
/// The goal for every staff page's p99.
const GOAL_MS: f64 = 200.0;

/// A client signed in as `username` through the login form.
async fn sign_in(base: &str, username: &str) -> reqwest::Client {
    let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = c.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let at = form.find("name=\"csrf\" value=\"").expect("the login form's token") + "name=\"csrf\" value=\"".len();
    let csrf = form[at..].split('"').next().unwrap().to_string();
    let r = c
        .post(format!("{base}/login"))
        .form(&[("csrf", csrf.as_str()), ("username", username), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{username} signs in");
    c
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().unwrap();
    let url = match &args.pg {
        Some(url) => url.clone(),
        None => dir.path().join("pages.db").to_string_lossy().into_owned(),
    };
    let engine = if args.pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("staff pages on {engine}: the demo community with {} households, {} requests per page", args.households, args.runs);
    let (c, receipt, voucher) = {
        let s = AnyStore::create(&url).await.unwrap();
        let ledger = Ledger::new(s.clone());
        let started = Instant::now();
        let books = mingzhang::cli::demo::build(&ledger, 2025, 2025, args.households).await.unwrap();
        println!("demo built in {:.1} s", started.elapsed().as_secs_f64());
        let c = books.company.row.community_id;
        let access = Access::new(s.clone());
        let street = access.street_of(c).await.unwrap();
        for (username, role) in [
            ("b_cashier", Role::Cashier),
            ("b_accountant", Role::Accountant),
            ("b_reviewer", Role::Reviewer),
            ("b_admin", Role::Admin),
            ("b_office", Role::FinanceOffice),
        ] {
            let (communities, street) = if role == Role::FinanceOffice { (vec![], street.as_str()) } else { (vec![c], "") };
            let new =
                NewUser { username, display_name: username, roles: &[role], communities: &communities, street, password: Some(PASSWORD) };
            access.add_user(&new).await.unwrap();
        }
        let payments = mingzhang::fees::Fees::new(&ledger)
            .payments_on(&books.company, chrono::NaiveDate::from_ymd_opt(2025, 12, 10).unwrap())
            .await
            .unwrap();
        let receipt = payments.first().map_or(1, |p| p.receipt_number);
        let voucher = payments.first().map_or(VoucherId(1), |p| p.voucher_id);
        s.close().await;
        (c.0, receipt, voucher)
    };
    let server = serve(&url, &[]);
    let base = server.1.clone();
    let pages: Vec<(&str, String)> = vec![
        ("b_cashier", "/app".into()),
        ("b_cashier", format!("/app/c/{c}/cashier?q=101")),
        ("b_cashier", format!("/app/c/{c}/households/1")),
        ("b_cashier", format!("/app/c/{c}/receipts/{receipt}")),
        ("b_cashier", format!("/app/c/{c}/takings?date=2025-12-10")),
        ("b_cashier", format!("/app/c/{c}/dunning?date=2025-12-31")),
        ("b_accountant", format!("/app/c/{c}/vouchers?period=2025-12")),
        ("b_accountant", format!("/app/c/{c}/vouchers/{voucher}")),
        ("b_accountant", format!("/app/c/{c}/vouchers/new")),
        ("b_accountant", format!("/app/c/{c}/billing")),
        ("b_accountant", format!("/app/c/{c}/reports/trial-balance?to=2025-12")),
        ("b_accountant", format!("/app/c/{c}/reports/ledger?to=2025-12&account=1122")),
        ("b_accountant", format!("/app/c/{c}/reports/balance-sheet?to=2025-12")),
        ("b_accountant", format!("/app/c/{c}/reports/income-statement?to=2025-12")),
        ("b_accountant", format!("/app/c/{c}/reports/cash-flow?to=2025-12")),
        ("b_accountant", format!("/app/c/{c}/reports/statement?to=2025-12&household=1-1-101")),
        ("b_accountant", format!("/app/c/{c}/reports/aging?to=2025-12")),
        ("b_accountant", format!("/app/c/{c}/reports/collection?to=2025-12")),
        ("b_accountant", format!("/app/c/{c}/reports/budget?to=2025-12")),
        ("b_accountant", format!("/app/c/{c}/reports/public-revenue?to=2025-12")),
        ("b_accountant", format!("/app/c/{c}/subsidies")),
        ("b_accountant", format!("/app/c/{c}/public-revenue")),
        ("b_accountant", format!("/app/c/{c}/collective")),
        ("b_accountant", format!("/app/c/{c}/disclosures")),
        ("b_reviewer", format!("/app/c/{c}/vouchers")),
        ("b_office", "/app/office".into()),
        ("b_admin", "/app/admin/users".into()),
        ("b_admin", "/app/admin/audit".into()),
    ];
    let mut clients = std::collections::HashMap::new();
    let mut over = 0;
    println!("{:<14} {:<60} {:>9} {:>9}", "role", "page", "p50 ms", "p99 ms");
    for (username, path) in &pages {
        if !clients.contains_key(username) {
            clients.insert(*username, sign_in(&base, username).await);
        }
        let client = &clients[username];
        let mut times = Vec::with_capacity(args.runs);
        for i in 0..args.runs + 3 {
            let t = Instant::now();
            let r = client.get(format!("{base}{path}")).send().await.unwrap();
            let status = r.status();
            let body = r.bytes().await.unwrap();
            assert!(status.is_success(), "{username} {path}: {status} {}", String::from_utf8_lossy(&body[..body.len().min(300)]));
            if i >= 3 {
                times.push(t.elapsed());
            }
        }
        times.sort();
        let p99 = percentile(&times, 0.99);
        let mark = if p99 >= GOAL_MS {
            over += 1;
            "  ← over 200 ms"
        } else {
            ""
        };
        println!("{username:<14} {path:<60} {:>9.1} {:>9.1}{mark}", percentile(&times, 0.5), p99);
    }
    println!("{} staff pages, {over} with p99 at or over {GOAL_MS} ms", pages.len());
    drop(server);
}
