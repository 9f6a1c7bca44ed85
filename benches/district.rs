//! A district on one database: C communities of N households each, every one with its book,
//! three fee items, its households and a cashier with an API token, all in one street overseen
//! by a finance office user:
//! 1. billing a month for every community, eight runs at a time (each its own transaction, as
//!    the accountants would start them), and one community's next month alone;
//! 2. payments through the API, the C communities' cashiers at once, for --seconds;
//! 3. `verify` of the whole district;
//! 4. the finance office's overview of the C communities (GET /api/v1/office/overview);
//! 5. `verify` of one community alone.
//!
//! With `--citus URL` (a database on a Citus coordinator, `../shared/citus/cluster.sh db NAME`)
//! the same runs on Citus with the multi-shard guard on (`citus.multi_task_query_log_level =
//! 'error'`: a statement not kept to one community fails, the overview's read across them
//! excepted) and Citus's statistic counters on, from which the payments' shards are counted.
//!
//! On a PostgreSQL server with fsync on:
//!
//!     PG_FSYNC=on PG_NAPTIME=1s PGPORT=54330 PGDATA_DIR=/tmp/pg-district .ci/start-postgres
//!     createdb -h 127.0.0.1 -p 54330 -U postgres district
//!     cargo bench --bench district -- --pg postgres://postgres@127.0.0.1:54330/district [--communities 50] [--households 3000]

use std::time::{Duration, Instant};

use clap::Parser;
use mingzhang::access::{Access, NewUser, Role};
use mingzhang::domain::ids::{CommunityId, HouseholdId};
use mingzhang::domain::period::Period;
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::{FeeItemSpec, Fees};
use mingzhang::ledger::{Book, Ledger};
use mingzhang::store::{AnyStore, Store};

#[path = "support/mod.rs"]
mod support;
use support::{load, machine_busy, report, serve};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 50)]
    communities: usize,
    #[arg(long, default_value_t = 3000)]
    households: usize,
    /// Seconds the payment load runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Stop the payment load after this many payments (within --seconds): the same data on
    /// two engines, for comparing their verify.
    #[arg(long)]
    payments: Option<usize>,
    #[arg(long)]
    pg: Option<String>,
    /// A database on a Citus coordinator, instead of --pg.
    #[arg(long)]
    citus: Option<String>,
    /// Billing runs going at once (each on a connection of its own, as accountants would
    /// start them); a process has `store::PG_CONNECTIONS`.
    #[arg(long, default_value_t = 8)]
    side_by_side: usize,
    #[arg(long, hide = true)]
    bench: bool,
}

const STREET: &str = "基准街道";

/// One community of the district, as its cashier reaches it.
struct Member {
    id: CommunityId,
    book: Book,
    households: Vec<HouseholdId>,
    token: String,
}

/// A community of `households` households with its book, three fee items and a cashier.
async fn community(ledger: &Ledger<AnyStore>, k: usize, households: usize) -> mingzhang::Result<Member> {
    let fees = Fees::new(ledger);
    let access = Access::new(ledger.store.clone());
    let c = ledger.create_community(&format!("基准社区{k:02}")).await?;
    access.set_street(c.id, STREET).await?;
    let start = Period::new(2025, 1).expect("January");
    let book = ledger.create_book(c.id, "company", "基准物业公司", "small_enterprise", start).await?;
    let mut csv = String::from("楼栋,单元,房号,建筑面积,类型,业主,电话\n");
    for i in 0..households {
        csv += &format!("{},1,{},{}.{:02},住宅,业主{i},1390000{:04}\n", i / 100 + 1, i % 100 + 101, 60 + i % 80, i % 100, i % 10_000);
    }
    fees.import_households(c.id, csv.as_bytes()).await?;
    for (code, name, basis, account, rate) in [
        ("WYF", "物业服务费", FeeBasis::PerM2Month, "500101", "1.35"),
        ("GTF", "公摊能耗费", FeeBasis::PerM2Month, "505199", "0.20"),
        ("LJF", "生活垃圾处置费", FeeBasis::FixedMonth, "505101", "8"),
    ] {
        let spec = FeeItemSpec { code, name, basis, revenue_account: account, late_fee_ppm_per_day: 0, late_fee_cap_percent: 0 };
        fees.add_fee_item(&book, &spec).await?;
        fees.add_fee_standard(&book, code, HouseholdKind::Residential, rate, start.first_day(), None).await?;
    }
    let cashier = format!("出纳{k:02}");
    let new =
        NewUser { username: &cashier, display_name: &cashier, roles: &[Role::Cashier], communities: &[c.id], street: "", password: None };
    access.add_user(&new).await?;
    let token = access.add_token(&cashier, "基准").await?;
    let households = fees.households(c.id).await?.iter().map(|h| h.id).collect();
    Ok(Member { id: c.id, book, households, token })
}

/// Bills `period` for every member, `side_by_side` runs at a time, each its own transaction;
/// the wall time and each run's own.
async fn bill_all(
    ledger: &Ledger<AnyStore>,
    members: &[Member],
    period: Period,
    side_by_side: usize,
) -> mingzhang::Result<(Duration, Vec<Duration>)> {
    let started = Instant::now();
    let turns = std::sync::Arc::new(tokio::sync::Semaphore::new(side_by_side.max(1)));
    let mut runs = tokio::task::JoinSet::new();
    for m in members {
        let (ledger, book, turns) = (ledger.clone(), m.book.clone(), turns.clone());
        runs.spawn(async move {
            let _turn = turns.acquire_owned().await.expect("the semaphore is never closed");
            let t = Instant::now();
            Fees::new(&ledger).run_billing(&book, period, &[], "会计").await.map(|_| t.elapsed())
        });
    }
    let mut each = Vec::new();
    while let Some(run) = runs.join_next().await {
        each.push(run.expect("a billing task")?);
    }
    each.sort();
    Ok((started.elapsed(), each))
}

#[tokio::main]
async fn main() -> mingzhang::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let url = match args.pg.as_ref().or(args.citus.as_ref()) {
        Some(url) => url.clone(),
        None => dir.path().join("district.db").to_string_lossy().into_owned(),
    };
    if args.citus.is_some() {
        citus_settings(&url).await?;
    }
    let store = AnyStore::create(&url).await?;
    store.pin_writer_here();
    let ledger = Ledger::new(store.clone());
    let access = Access::new(store.clone());
    let engine = if args.citus.is_some() { "Citus" } else { store.engine() };
    println!("district benchmark on {engine}: {} communities × {} households", args.communities, args.households);

    let t = Instant::now();
    let mut members = Vec::new();
    for k in 0..args.communities {
        members.push(community(&ledger, k, args.households).await?);
    }
    let ids: Vec<CommunityId> = members.iter().map(|m| m.id).collect();
    for (name, role, communities, street) in
        [("会计", Role::Accountant, ids.as_slice(), ""), ("财政所", Role::FinanceOffice, &[][..], STREET)]
    {
        access.add_user(&NewUser { username: name, display_name: name, roles: &[role], communities, street, password: None }).await?;
    }
    let office_token = access.add_token("财政所", "基准").await?;
    println!("setup: {:.1} s", t.elapsed().as_secs_f64());

    // 1. Billing.
    let (took, each) = bill_all(&ledger, &members, Period::new(2025, 1).expect("January"), args.side_by_side).await?;
    println!(
        "billing 2025-01 for {} households ({} communities, {} runs at a time): {:.2} s (goal < 5 s on PostgreSQL); \
         one community's run {:.2} s median, {:.2} s slowest",
        args.communities * args.households,
        args.communities,
        args.side_by_side,
        took.as_secs_f64(),
        each[each.len() / 2].as_secs_f64(),
        each[each.len() - 1].as_secs_f64()
    );
    let (alone, _) = bill_all(&ledger, &members[..1], Period::new(2025, 2).expect("February"), 1).await?;
    println!("billing 2025-02 for one community of {} households, alone: {:.2} s", args.households, alone.as_secs_f64());
    store.close().await;

    // 2. Payments through the API, every community's cashier at once.
    // Its periodic verify off, as in the other benches: the district is verified below, timed.
    let server = serve(&url, &["--verify-every-minutes", "0"]);
    let base = server.1.clone();
    let targets: Vec<(String, String, Vec<HouseholdId>)> = members
        .iter()
        .map(|m| (format!("{base}/api/v1/communities/{}/payments", m.id), format!("Bearer {}", m.token), m.households.clone()))
        .collect();
    let n = targets.len();
    let counted = if args.citus.is_some() { Some(shard_counters(&url, true).await?) } else { None };
    let busy_before = machine_busy();
    let (latencies, took) = load(n, args.seconds, args.payments, 201, move |c, i| {
        let (url, auth, households) = &targets[i % n];
        let household = households[(i / n) % households.len()];
        let body = serde_json::json!({ "household_id": household, "amount": "1.00", "method": "cash", "date": format!("2025-02-{:02}", i % 28 + 1) });
        c.post(url).header("authorization", auth).header("idempotency-key", format!("district-{i}")).json(&body).send()
    })
    .await;
    let paid = latencies.len();
    let busy = busy_before.zip(machine_busy()).map(|(before, after)| after.saturating_sub(before));
    report(&format!("payments API ({n} communities' cashiers at once; goal ≥ 1,000/s on PostgreSQL)"), latencies, took);
    if let Some(busy) = busy {
        // What the rate's goal leaves each payment: the machine's cores for a second, over 1,000.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "CPU of the whole machine (server, database and the load's clients) a payment: {:.2} ms ({cores} cores at 1,000/s leave {:.2} ms)",
            busy.as_secs_f64() * 1000.0 / paid.max(1) as f64,
            cores as f64
        );
    }
    if counted.is_some() {
        let (single, multi) = shard_counters(&url, false).await?;
        println!(
            "Citus statistics over the {paid} payments: {single} single-shard and {multi} multi-shard statements \
             ({:.1} single-shard statements a payment; goal: a payment touches one shard, no multi-shard statement)",
            single as f64 / paid.max(1) as f64
        );
    }

    // 4. The finance office's overview (while the server runs).
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let r =
            client.get(format!("{base}/api/v1/office/overview?period=2025-01")).bearer_auth(&office_token).send().await.expect("overview");
        assert_eq!(r.status().as_u16(), 200);
        let body: serde_json::Value = r.json().await.expect("JSON");
        times.push(t.elapsed());
        assert_eq!(body["communities"].as_array().map(Vec::len), Some(args.communities), "{body}");
    }
    times.sort();
    println!(
        "finance office overview of {} communities: {:.1} ms median, {:.1} ms best of 7 (goal < 100 ms on PostgreSQL)",
        args.communities,
        times[3].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0
    );
    drop(server);

    // 3. verify of the whole district.
    let store = AnyStore::connect(&url).await?;
    let t = Instant::now();
    let verified = mingzhang::verify::verify_all(&store).await?;
    println!(
        "verify of the district ({} vouchers): {:.1} s (goal < 60 s on PostgreSQL); clean: {}",
        verified.vouchers,
        t.elapsed().as_secs_f64(),
        verified.is_clean()
    );
    assert!(verified.is_clean(), "{}", mingzhang::cli::verify_text(&verified));
    // 5. verify of one community alone.
    let first = mingzhang::ledger::rows::CommunityRow { id: members[0].id, name: format!("基准社区{:02}", 0) };
    // Seven times: a tenth of a second moves by a third between runs on this machine.
    let mut times = Vec::new();
    for _ in 0..7 {
        let mut one = mingzhang::verify::VerifyReport::default();
        let t = Instant::now();
        mingzhang::verify::verify_community(&store, &first, &mut one).await?;
        times.push(t.elapsed());
        assert!(one.is_clean(), "{}", mingzhang::cli::verify_text(&one));
    }
    times.sort();
    println!("verify of one community: {:.3} s median, {:.3} s best of 7; clean", times[3].as_secs_f64(), times[0].as_secs_f64());
    store.close().await;
    Ok(())
}

/// The database of `url` set up for the Citus run: the multi-shard guard and Citus's statistic
/// counters on for every connection the program opens.
async fn citus_settings(url: &str) -> mingzhang::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let name: String = sqlx::query_scalar("SELECT current_database()").fetch_one(&mut conn).await?;
    for setting in ["citus.multi_task_query_log_level = 'error'", "citus.enable_stat_counters = on"] {
        sqlx::query(&format!("ALTER DATABASE \"{name}\" SET {setting}")).execute(&mut conn).await?;
    }
    Ok(())
}

/// Citus's counts of the statements its coordinator ran on one shard and on more than one, for
/// this database (`citus_stat_counters`); reset to zero first when `reset`.
async fn shard_counters(url: &str, reset: bool) -> mingzhang::Result<(i64, i64)> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let oid = "(SELECT oid FROM pg_database WHERE datname = current_database())";
    if reset {
        sqlx::query(&format!("SELECT citus_stat_counters_reset({oid})")).execute(&mut conn).await?;
    }
    let counts = sqlx::query_as(&format!(
        "SELECT query_execution_single_shard, query_execution_multi_shard FROM citus_stat_counters WHERE oid = {oid}"
    ))
    .fetch_one(&mut conn)
    .await?;
    Ok(counts)
}
