//! The figures of the property-fee issue, on a community made by a seeded generator:
//!
//! 1. a billing run for N households × 3 fee items for one month, with its voucher and
//!    maintained balances;
//! 2. P payments posted one by one (each its own transaction, with receipt and allocation),
//!    with a voucher each, then P more with the book set to 日结 (each payment's lines go into
//!    its day's draft) and the close of those days;
//! 3. the aging and collection-rate reports over M months of bills;
//! 4. `verify` of the whole store, every voucher's sealed subledger recomputed (the bills,
//!    payments and allocations, and a month's expenses in each service category).
//!
//!     cargo bench --bench fees -- --households 100000 --months 36 [--pg postgres://…]

use std::time::Instant;

use chrono::NaiveDate;
use clap::Parser;
use mingzhang::access::{NewUser, Role};
use mingzhang::domain::category::Category;
use mingzhang::domain::money::Fen;
use mingzhang::domain::period::Period;
use mingzhang::fees::reports::{aging, collection};
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::{FeeItemSpec, Fees, Method, PaymentRequest};
use mingzhang::ledger::{Ledger, PaymentVouchers};
use mingzhang::spending::{ExpenseInput, Spending};
use mingzhang::store::AnyStore;
use mingzhang::verify;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 100_000)]
    households: usize,
    /// Months billed before the reports are timed (the first is the timed billing run).
    #[arg(long, default_value_t = 36)]
    months: u32,
    #[arg(long, default_value_t = 10_000)]
    payments: usize,
    #[arg(long)]
    pg: Option<String>,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long, hide = true)]
    bench: bool,
}

async fn run<S: mingzhang::app::AppStore>(store: S, args: &Args) -> mingzhang::Result<()> {
    let ledger = Ledger::new(store.clone());
    let fees = Fees::new(&ledger);
    let spending = Spending::new(&ledger);
    let mut rng = SmallRng::seed_from_u64(args.seed);
    let community = ledger.create_community("收费基准社区").await?;
    // Everyone the books record is a user (migrations/*/0020_people_are_users.sql).
    let access = mingzhang::access::Access::new(store.clone());
    for (name, role) in [("会计", Role::Accountant), ("主管", Role::Reviewer), ("出纳", Role::Cashier)] {
        let new = NewUser { username: name, display_name: name, roles: &[role], communities: &[community.id], street: "", password: None };
        access.add_user(&new).await?;
    }
    let start = Period::new(2023, 1).expect("January");
    let book = ledger.create_book(community.id, "company", "基准物业公司", "small_enterprise", start).await?;
    let mut csv = String::from("楼栋,单元,房号,建筑面积,类型,业主,电话\n");
    for i in 0..args.households {
        let area = rng.gen_range(6_000..14_000);
        csv +=
            &format!("{},{},{},{}.{:02},住宅,业主{i},13900000000\n", i / 100 + 1, i % 100 / 50 + 1, i % 50 + 101, area / 100, area % 100);
    }
    let t = Instant::now();
    fees.import_households(community.id, csv.as_bytes()).await?;
    println!("engine: {}; import of {} households: {:.2} s", store.engine(), args.households, t.elapsed().as_secs_f64());
    for (code, name, basis, account, rate) in [
        ("WYF", "物业服务费", FeeBasis::PerM2Month, "500101", "1.35"),
        ("GTF", "公摊能耗费", FeeBasis::PerM2Month, "505199", "0.20"),
        ("LJF", "生活垃圾处置费", FeeBasis::FixedMonth, "505101", "8"),
    ] {
        let spec = FeeItemSpec { code, name, basis, revenue_account: account, late_fee_ppm_per_day: 0, late_fee_cap_percent: 0 };
        fees.add_fee_item(&book, &spec).await?;
        fees.add_fee_standard(&book, code, HouseholdKind::Residential, rate, start.first_day(), None).await?;
    }

    let t = Instant::now();
    let run = fees.run_billing(&book, start, &[], "会计").await?;
    println!(
        "billing run: {} bills ({} households × 3 items), voucher {}: {:.2} s (goal < 2 s on SQLite)",
        run.bills,
        args.households,
        run.voucher.unwrap_or_default(),
        t.elapsed().as_secs_f64()
    );

    let households = fees.households(community.id).await?;
    let mut pay = |book: mingzhang::ledger::Book, first: usize| {
        let (fees, households) = (fees.clone(), households.clone());
        let picks: Vec<(usize, i64, u32)> =
            (0..args.payments).map(|_| (rng.gen_range(0..households.len()), rng.gen_range(5_000..40_000), rng.gen_range(1..=28))).collect();
        async move {
            let t = Instant::now();
            for (i, (h, fen, day)) in picks.into_iter().enumerate() {
                let key = format!("bench-{}", first + i);
                let req = PaymentRequest {
                    household_id: households[h].id,
                    amount: Fen(fen),
                    method: if i % 3 == 0 { Method::Cash } else { Method::Wechat },
                    paid_on: NaiveDate::from_ymd_opt(2023, 1, day).expect("day"),
                    idempotency_key: &key,
                    cashier: "出纳",
                    bill_ids: None,
                    note: Default::default(),
                };
                fees.pay(&book, &req).await?;
            }
            Ok::<f64, mingzhang::Error>(t.elapsed().as_secs_f64())
        }
    };
    let secs = pay(book.clone(), 0).await?;
    println!(
        "payments: {} one by one, a draft voucher each, in {:.2} s = {:.0} per second (goal ≥ 2,000/s on SQLite)",
        args.payments,
        secs,
        args.payments as f64 / secs
    );
    // Each of those payments' vouchers waits for the day's close by someone who took none of
    // them (出纳不得兼任稽核), and the book changes mode only once none waits.
    let t = Instant::now();
    let closed = fees.close_days(&book, NaiveDate::from_ymd_opt(2023, 1, 31).expect("day"), "会计").await?;
    println!("closing those payments' days ({} vouchers posted): {:.2} s", closed.len(), t.elapsed().as_secs_f64());
    fees.set_payment_vouchers(&book, PaymentVouchers::Daily).await?;
    let book = ledger.book(community.id, "company").await?;
    let secs = pay(book.clone(), args.payments).await?;
    let t = Instant::now();
    let days = fees.close_days(&book, NaiveDate::from_ymd_opt(2023, 1, 31).expect("day"), "会计").await?;
    println!(
        "payments: {} one by one, 日结 (into the day's voucher of their method), in {:.2} s = {:.0} per second; \
         closing the {} day-vouchers: {:.2} s",
        args.payments,
        secs,
        args.payments as f64 / secs,
        days.len(),
        t.elapsed().as_secs_f64()
    );

    let mut period = start;
    let mut last_run_s = None;
    for _ in 1..args.months {
        if period.month() == 12 {
            // A new year's periods open when December closes, after the carry-forward.
            if let Some(id) = ledger.draft_year_end(&book, period.year(), "会计").await? {
                ledger.review(&book, id, "主管").await?;
                ledger.post(&book, id, "主管").await?;
            }
            for p in period.first_of_year().through(period) {
                ledger.close_period(&book, p, "主管").await?;
            }
        }
        period = period.next();
        let t = Instant::now();
        fees.run_billing(&book, period, &[], "会计").await?;
        last_run_s = Some(t.elapsed().as_secs_f64());
        // A month's spending, one expense per service category: rows of the expense wing,
        // sealed in their vouchers like the fees' rows, for verify to check below.
        for (k, category) in Category::ALL.into_iter().enumerate() {
            let input = ExpenseInput {
                date: period.first_day(),
                category,
                supplier: "基准服务公司",
                summary: "月度服务",
                amount: Fen(rng.gen_range(100_000..2_000_000)),
                payable: k % 2 == 0,
                program: None,
            };
            spending.record(&book, &input, "会计").await?;
        }
    }
    if let Some(secs) = last_run_s {
        // The last month's run applies the prepayments left and reads the book's open bills,
        // which grow with every month billed.
        println!("billing run of month {} ({period}): {secs:.2} s", args.months);
    }
    let t = Instant::now();
    let a = aging(&store, &book, period, false).await?;
    let aging_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let c = collection(&store, &book, start, period).await?;
    let collection_s = t.elapsed().as_secs_f64();
    println!(
        "reports over {} months × {} households × 3 items: aging by building {:.0} ms ({} rows), collection rates {:.0} ms ({} rows) (goal < 500 ms)",
        args.months,
        args.households,
        aging_s * 1e3,
        a.lines.len(),
        collection_s * 1e3,
        c.lines.len()
    );
    let t = Instant::now();
    let report = verify::verify_all(&store).await?;
    println!(
        "verify with the subledger and the expenses sealed: {:.2} s for {} vouchers, {} findings (goal < 10 s for 100,000 households × 36 months)",
        t.elapsed().as_secs_f64(),
        report.vouchers,
        report.findings.len()
    );
    for f in report.findings.iter().take(5) {
        eprintln!("verify: {}", f.message);
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = args.pg.clone().unwrap_or_else(|| dir.path().join("fees.db").to_string_lossy().into_owned());
    let store = AnyStore::create(&url).await.expect("open the database");
    store.pin_writer_here();
    if let Err(e) = run(store, &args).await {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}
