//! The figures of the ledger-core issue, measured on data from a seeded generator:
//!
//! 1. posting throughput of N two-line vouchers in batches, beside a raw sqlx multi-row insert
//!    of the same rows into the same tables of the same database, interleaved batch by batch so
//!    both see the same database size;
//! 2. 科目余额表 for the year on the resulting book (2·N postings), beside `hledger bal` on our
//!    own export of the same book;
//! 3. `verify` of the book, recomputing every balance and the hash chain from the lines;
//! 4. peak memory (max RSS) of each step.
//!
//!     cargo bench --bench ledger -- --vouchers 1000000 [--pg postgres://…] [--hledger-timeout 900]

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use clap::Parser;
use mingzhang::access::{NewUser, Role};
use mingzhang::domain::ids::AccountId;
use mingzhang::domain::money::Fen;
use mingzhang::domain::period::Period;
use mingzhang::ledger::export;
use mingzhang::ledger::rows::{LineRow, NewVoucher};
use mingzhang::ledger::store::LedgerTx;
use mingzhang::ledger::voucher::{Dimensions, LineInput, VoucherInput, VoucherKind};
use mingzhang::ledger::{ApprovedVoucher, Book, Ledger};
use mingzhang::report;
use mingzhang::store::{AnyStore, Tx};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 1_000_000)]
    vouchers: usize,
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// PostgreSQL URL of an empty database; SQLite in a temp dir when absent.
    #[arg(long)]
    pg: Option<String>,
    /// SQLite file to build (must not exist); a temp file when absent.
    #[arg(long)]
    sqlite: Option<String>,
    #[arg(long, default_value_t = 20251)]
    seed: u64,
    /// Seconds to let `hledger bal` run before reporting that it did not finish (0 skips it).
    #[arg(long, default_value_t = 900)]
    hledger_timeout: u64,
    /// Measure the reads again on a database an earlier run built (its --pg or --sqlite).
    #[arg(long)]
    reuse: bool,
    /// cargo bench passes --bench; accept and ignore it.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Peak resident memory of this process since the last reset, in MiB (Linux /proc).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 =
        status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0.0);
    kib / 1024.0
}

/// Resets the peak so the next reading covers one step only (writing 5 to clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

const DEBITS: &[&str] = &["1001", "100201", "1012", "1221", "540101", "540102", "540103", "540105", "560201", "2202"];
const CREDITS: &[&str] = &["500101", "500102", "100201", "2202", "224102", "224101", "1001", "221101"];

/// Two-line vouchers, made batch by batch so that the benchmark's own data never sits in
/// memory whole: voucher i of n is dated in month 1 + 12·i/n of 2025.
struct Generator {
    rng: SmallRng,
    made: usize,
    total: usize,
}

impl Generator {
    fn new(seed: u64, total: usize) -> Generator {
        Generator { rng: SmallRng::seed_from_u64(seed), made: 0, total }
    }

    fn batch(&mut self, size: usize) -> Vec<VoucherInput> {
        let n = size.min(self.total - self.made);
        let out = (self.made..self.made + n).map(|i| self.voucher(i)).collect();
        self.made += n;
        out
    }

    fn voucher(&mut self, i: usize) -> VoucherInput {
        let rng = &mut self.rng;
        let month = (i * 12 / self.total.max(1)) as u32 + 1;
        let date = NaiveDate::from_ymd_opt(2025, month, rng.gen_range(1..=28)).expect("valid day");
        let fen = rng.gen_range(100..2_000_000);
        let line = |account: &str, debit: i64, credit: i64| LineInput {
            summary: "收取物业费".into(),
            account: account.into(),
            debit: Fen(debit),
            credit: Fen(credit),
            dimensions: Dimensions::default(),
        };
        let debit_account = DEBITS[rng.gen_range(0..DEBITS.len())];
        let credit_account = CREDITS[rng.gen_range(0..CREDITS.len())];
        VoucherInput { date, attachments: rng.gen_range(0..4), lines: vec![line(debit_account, fen, 0), line(credit_account, 0, fen)] }
    }
}

/// The same rows the ledger writes, inserted with plain multi-row INSERTs: no checks, no
/// numbering, no chain, no balances.
async fn raw_insert<S: mingzhang::app::AppStore>(store: &S, book: &Book, batch: &[VoucherInput], first_seq: i64) -> mingzhang::Result<()> {
    let mut tx = store.begin().await?;
    let now = Utc::now();
    let rows: Vec<NewVoucher> = batch
        .iter()
        .enumerate()
        .map(|(i, v)| NewVoucher {
            community_id: book.row.community_id,
            book_id: book.id(),
            period: Period::of_date(v.date),
            voucher_date: v.date,
            kind: mingzhang::ledger::voucher::VoucherKind::Normal,
            status: mingzhang::ledger::voucher::VoucherStatus::Posted,
            number: Some(first_seq + i as i64),
            attachments: i64::from(v.attachments),
            maker: "系统".into(),
            reviewer: Some("主管".into()),
            poster: Some("主管".into()),
            reverses_id: None,
            created_at: now,
            reviewed_at: Some(now),
            posted_at: Some(now),
            chain_seq: Some(first_seq + i as i64),
            prev_hash: Some("0".repeat(64)),
            hash: Some("0".repeat(64)),
            subledger_digest: Some(String::new()),
        })
        .collect();
    let ids = tx.insert_vouchers(&rows).await?;
    let lines: Vec<LineRow> = ids
        .iter()
        .zip(batch)
        .flat_map(|(id, v)| {
            v.lines.iter().enumerate().map(move |(n, l)| LineRow {
                voucher_id: *id,
                line_no: n as i64 + 1,
                summary: l.summary.clone(),
                account_id: book.account_id(&l.account).unwrap_or(AccountId(0)),
                debit_fen: l.debit.0,
                credit_fen: l.credit.0,
                household_id: None,
                fee_item_id: None,
                subsidy_program_id: None,
                service_category: None,
                supplier_id: None,
                cash_flow_item: None,
            })
        })
        .collect();
    tx.insert_lines(book.key(), &lines).await?;
    tx.commit().await
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run<S: mingzhang::app::AppStore>(store: S, args: &Args) -> mingzhang::Result<()> {
    let ledger = Ledger::new(store.clone());
    let engine = store.engine();
    let start = Period::new(2025, 1).expect("January");
    if args.reuse {
        let community = ledger.community(Some(COMMUNITY)).await?;
        return measure_reads(&store, &ledger.book(community.id, "company").await?, args).await;
    }
    let community = ledger.create_community(COMMUNITY).await?;
    // Everyone the books record is a user (migrations/*/0020_people_are_users.sql).
    let access = mingzhang::access::Access::new(store.clone());
    for (name, role) in [("会计", Role::Accountant), ("主管", Role::Reviewer), ("出纳", Role::Cashier)] {
        let new = NewUser { username: name, display_name: name, roles: &[role], communities: &[community.id], street: "", password: None };
        access.add_user(&new).await?;
    }
    let book = ledger.create_book(community.id, "company", "基准物业公司", "small_enterprise", start).await?;
    // The raw insert needs numbers unique per month; a book of its own keeps them apart.
    let raw_book = ledger.create_book(community.id, "raw", "原始插入对照", "small_enterprise", start).await?;
    // Cash on hand enough for a year of random payments out of it: 库存现金 never turns credit
    // (a voucher that would is refused), and the generator credits it a little more than it debits.
    ledger.import_opening(&book, "科目编码,借方余额,贷方余额\n1001,500000000.00,\n100201,900000.00,\n3001,,500900000.00\n").await?;

    println!(
        "engine: {engine}; {} two-line vouchers ({} postings), batches of {}, seed {}",
        args.vouchers,
        2 * args.vouchers,
        args.batch,
        args.seed
    );
    let mut generator = Generator::new(args.seed, args.vouchers);
    let (mut ours, mut raw) = (Duration::ZERO, Duration::ZERO);
    reset_peak_rss();
    let mut first_seq = 1;
    loop {
        let chunk = generator.batch(args.batch);
        if chunk.is_empty() {
            break;
        }
        let t = Instant::now();
        raw_insert(&store, &raw_book, &chunk, first_seq).await?;
        raw += t.elapsed();
        first_seq += chunk.len() as i64;
        let approved: Vec<ApprovedVoucher> = chunk
            .into_iter()
            .map(|input| ApprovedVoucher {
                input,
                kind: VoucherKind::Normal,
                maker: "系统".into(),
                reviewer: "主管".into(),
                reverses_id: None,
                subledger: String::new(),
            })
            .collect();
        let t = Instant::now();
        ledger.post_batch(&book, "主管", &approved).await?;
        ours += t.elapsed();
    }
    let posting_peak = peak_rss_mib();
    let postings = 2.0 * args.vouchers as f64;
    let ours_rate = postings / ours.as_secs_f64();
    let raw_rate = postings / raw.as_secs_f64();
    println!(
        "posting:   {:>10.0} postings/s ({:.0} vouchers/s, {:.1} s) — checked, numbered, chained, balances maintained",
        ours_rate,
        ours_rate / 2.0,
        ours.as_secs_f64()
    );
    println!("raw insert:{:>10.0} postings/s ({:.1} s) — sqlx multi-row INSERT of the same rows", raw_rate, raw.as_secs_f64());
    println!("ratio:     {:>10.1} % of the raw insert rate (goal ≥ 40 %); peak RSS {:.0} MiB", 100.0 * ours_rate / raw_rate, posting_peak);

    measure_reads(&store, &ledger.book(community.id, "company").await?, args).await
}

const COMMUNITY: &str = "基准测试社区";

/// The report, verify and hledger figures, on a book already posted.
async fn measure_reads<S: mingzhang::app::AppStore>(store: &S, book: &Book, args: &Args) -> mingzhang::Result<()> {
    let (store, book) = (store.clone(), book.clone());
    let start = Period::new(2025, 1).expect("January");
    let end = Period::new(2025, 12).expect("December");
    reset_peak_rss();
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..7 {
        let t = Instant::now();
        let tb = report::trial_balance(&store, &book, start, end, 9).await?;
        times.push(t.elapsed());
        rows = tb.rows.len();
        assert_eq!(tb.total.closing_fen(), 0, "the trial balance sums to zero");
    }
    println!(
        "科目余额表 2025-01..2025-12, all levels ({rows} rows) over {} postings: median {:.1} ms of 7 (goal < 50 ms); peak RSS {:.0} MiB",
        2 * args.vouchers,
        median(times).as_secs_f64() * 1e3,
        peak_rss_mib()
    );
    // 现金流量表 of December (本年累计 and 本月): every cash voucher's counterparts read once.
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let cf = report::statement::statement(&store, &book, "cash_flow", end).await?;
        times.push(t.elapsed());
        assert!(cf.checks_hold(), "the 现金流量表 ties to 货币资金: {:?}", cf.checks);
    }
    println!(
        "现金流量表 2025-12 (本年累计 and 本月) over {} postings: median {:.0} ms of 5 (goal < 2 s)",
        2 * args.vouchers,
        median(times).as_secs_f64() * 1e3
    );

    reset_peak_rss();
    let t = Instant::now();
    let mut findings = 0;
    let mut count = |_, m| {
        findings += 1;
        eprintln!("verify: {m}");
    };
    // verify::verify_book's two passes, timed apart: the chain and balances, then the seals.
    let (v, l) = mingzhang::ledger::verify::verify_book(&store, &book, &mut count).await?;
    let chain_s = t.elapsed().as_secs_f64();
    mingzhang::fees::verify::verify_book(&store, &book, &mut count).await?;
    println!(
        "verify:    {:.2} s for {v} vouchers, {l} lines, {findings} findings (goal < 5 s): chain and balances {chain_s:.2} s, seals {:.2} s; peak RSS {:.0} MiB",
        t.elapsed().as_secs_f64(),
        t.elapsed().as_secs_f64() - chain_s,
        peak_rss_mib()
    );

    if args.hledger_timeout > 0 {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("company.journal");
        let t = Instant::now();
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        export::write_hledger(&store, &book, &mut file).await?;
        drop(file);
        println!("export:    {:.1} s, {} MiB journal", t.elapsed().as_secs_f64(), std::fs::metadata(&path)?.len() / (1 << 20));
        hledger_bal(&path, args.hledger_timeout);
    }
    Ok(())
}

/// Runs `hledger bal` on the journal; prints its time and peak memory (from wait4), or that it
/// did not finish within the timeout.
fn hledger_bal(path: &std::path::Path, timeout_s: u64) {
    let child =
        std::process::Command::new("hledger").arg("-f").arg(path).args(["bal", "-N", "--flat"]).stdout(std::process::Stdio::null()).spawn();
    let Ok(child) = child else {
        println!("hledger bal: hledger is not installed");
        return;
    };
    let pid = child.id() as libc::pid_t;
    let t = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: rusage is a plain C struct that wait4 fills in; zeroed is a valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child; WNOHANG returns at once when it is still running.
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            println!("hledger bal: {:.1} s; peak RSS {:.0} MiB", t.elapsed().as_secs_f64(), usage.ru_maxrss as f64 / 1024.0);
            return;
        }
        if t.elapsed().as_secs() >= timeout_s {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: reaping our own child.
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            println!("hledger bal: did not finish in {timeout_s} s (stopped); peak RSS by then {:.0} MiB", usage.ru_maxrss as f64 / 1024.0);
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = args.pg.clone().or(args.sqlite.clone()).unwrap_or_else(|| dir.path().join("bench.db").to_string_lossy().into_owned());
    let store = AnyStore::create(&url).await.expect("open the database");
    store.pin_writer_here();
    let result = run(store, &args).await;
    if let Err(e) = result {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}
