//! The figures of the subsidy issue:
//!
//! 1. reconciling N disbursements against N receipts (and N/10 tagged expenses) with 1 % of
//!    the rows given a difference of every kind, through `Subsidies::reconcile` on the store
//!    (read, match, store every row seen and every difference): the time, and whether exactly
//!    the injected differences were found;
//! 2. the finance office's overview of C communities (two programs each, with money moved and
//!    a reconciliation), the one query pair its page runs.
//!
//!     cargo bench --bench subsidies -- [--rows 20000] [--communities 50] [--pg postgres://…]

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use clap::Parser;
use mingzhang::access::store::AccessStore;
use mingzhang::access::{Access, NewUser, Role};
use mingzhang::domain::category::Category;
use mingzhang::domain::money::Fen;
use mingzhang::domain::period::Period;
use mingzhang::ledger::rows::CommunityRow;
use mingzhang::ledger::{Book, Ledger};
use mingzhang::spending::{ExpenseInput, Spending};
use mingzhang::store::AnyStore;
use mingzhang::subsidies::reconcile::Kind;
use mingzhang::subsidies::store::SubsidiesStore;
use mingzhang::subsidies::{DisbursementInput, ProgramInput, ReceiptInput, Subsidies, Treatment};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_t = 20_000)]
    rows: usize,
    #[arg(long, default_value_t = 50)]
    communities: usize,
    #[arg(long)]
    pg: Option<String>,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long, hide = true)]
    bench: bool,
}

const STREET: &str = "基准街道";
const OFFICER: &str = "财政所";
const ACCOUNTANT: &str = "会计";

fn day(d: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).expect("day").checked_add_days(Days::new(d)).expect("day")
}

/// A community on the benchmark's street with its company book.
async fn community<S: SubsidiesStore + AccessStore>(ledger: &Ledger<S>, name: &str) -> mingzhang::Result<(CommunityRow, Book)> {
    let c = ledger.create_community(name).await?;
    let book = ledger.create_book(c.id, "company", "基准物业公司", "small_enterprise", Period::new(2025, 1).expect("month")).await?;
    Access::new(ledger.store.clone()).set_street(c.id, STREET).await?;
    Ok((c, book))
}

fn program(document_no: &str, approved: Fen, ends_on: NaiveDate) -> ProgramInput<'_> {
    ProgramInput {
        document_no,
        purpose: "物业管理补贴",
        approved,
        starts_on: day(0),
        ends_on,
        treatment: Treatment::Immediate,
        eligible: vec![Category::Cleaning, Category::Greening, Category::Security],
    }
}

/// What was injected, by kind: the ids (disbursement or receipt or expense) each difference
/// must name.
#[derive(Default)]
struct Injected {
    found: BTreeSet<(Kind, i64)>,
}

async fn reconcile_figure<S: SubsidiesStore + AccessStore>(ledger: &Ledger<S>, args: &Args) -> mingzhang::Result<()> {
    let (c, book) = community(ledger, "对账基准社区").await?;
    let subsidies = Subsidies::new(ledger);
    let spending = Spending::new(ledger);
    let mut rng = SmallRng::seed_from_u64(args.seed);
    let n = args.rows;
    let doc = "区财〔2025〕1号";
    // The program ends with the range, so that its unspent balance is a difference too.
    let until = day(365);
    subsidies.add_program(&book, &program(doc, Fen(100_000_000_000), until), ACCOUNTANT).await?;
    // Distinct amounts by construction (each row its own band of 2.00), a day each.
    let amount = |i: usize, rng: &mut SmallRng| 1_000_000 + i as i64 * 200 + rng.gen_range(0..200);
    let planned: Vec<(NaiveDate, i64)> = (0..n).map(|i| (day((i * 360 / n) as u64), amount(i, &mut rng))).collect();
    let rows: Vec<DisbursementInput> = planned
        .iter()
        .enumerate()
        .map(|(i, (date, fen))| DisbursementInput {
            row: i + 2,
            program: doc.into(),
            date: *date,
            amount: Fen(*fen),
            payee: "基准物业公司".into(),
            // Two in three with the treasury's reference; the rest match by amount and date.
            reference: if i % 3 == 2 { String::new() } else { format!("GK{i:06}") },
        })
        .collect();
    let t = Instant::now();
    subsidies.disburse(&c, &rows, OFFICER).await?;
    println!("engine: {}; {n} disbursements recorded as one list: {:.2} s", ledger.store.engine(), t.elapsed().as_secs_f64());

    // 1 % of the rows, a quarter of them of each movement kind, every fourth one of a kind.
    let share = (n / 100 / 4).max(1);
    let kind_of = |i: usize| if i.is_multiple_of(25) && i / 25 < 4 * share { Some((i / 25) % 4) } else { None };
    let mut injected = Injected::default();
    let first_disbursement = 1;
    let t = Instant::now();
    let mut receipts = 0;
    for (i, (date, fen)) in planned.iter().enumerate() {
        let reference = &rows[i].reference;
        let (date, fen) = match kind_of(i) {
            Some(0) => {
                injected.found.insert((Kind::DisbursedNotReceived, first_disbursement + i as i64));
                continue;
            }
            Some(1) if !reference.is_empty() => {
                injected.found.insert((Kind::AmountDiffers, first_disbursement + i as i64));
                (*date + Days::new(1), fen - 100)
            }
            Some(2) if !reference.is_empty() => {
                injected.found.insert((Kind::DateOutsideTolerance, first_disbursement + i as i64));
                (*date + Days::new(25), *fen)
            }
            _ => (*date + Days::new(rng.gen_range(0..4)), *fen),
        };
        let input = ReceiptInput { date, amount: Fen(fen), reference, bank_account: None };
        subsidies.receive(&book, doc, &input, ACCOUNTANT).await?;
        receipts += 1;
    }
    // Receipts the finance office never disbursed, below every planned amount.
    for k in 0..share {
        let input = ReceiptInput { date: day(100 + k as u64), amount: Fen(500_000 - k as i64), reference: "", bank_account: None };
        let (r, _) = subsidies.receive(&book, doc, &input, ACCOUNTANT).await?;
        injected.found.insert((Kind::ReceivedNotDisbursed, r.id.0));
        receipts += 1;
    }
    println!("{receipts} receipts, each with its voucher: {:.2} s (setup)", t.elapsed().as_secs_f64());

    // Spending: one expense per ten rows, 1 % of them in a category the program does not fund.
    let t = Instant::now();
    for k in 0..n / 10 {
        let ineligible = k.is_multiple_of(100);
        let category = if ineligible { Category::Payroll } else { Category::Cleaning };
        let input = ExpenseInput {
            date: day((k * 360 / (n / 10)) as u64),
            category,
            supplier: "保洁公司",
            summary: "外包服务费",
            amount: Fen(rng.gen_range(100_000..500_000)),
            payable: false,
            program: Some(doc),
        };
        let r = spending.record(&book, &input, ACCOUNTANT).await?;
        if ineligible {
            injected.found.insert((Kind::IneligibleCategory, r.expense.id.0));
        }
    }
    println!("{} expenses tagged to the program, each with its voucher: {:.2} s (setup)", n / 10, t.elapsed().as_secs_f64());

    let t = Instant::now();
    let statement = subsidies.reconcile(&c, doc, day(0), until, ACCOUNTANT).await?;
    let secs = t.elapsed().as_secs_f64();
    let mut found = BTreeSet::new();
    for d in &statement.differences {
        let id = match d.kind {
            Kind::ReceivedNotDisbursed => d.receipt_id,
            Kind::IneligibleCategory => d.spending_id,
            _ => d.disbursement_id,
        };
        found.insert((d.kind, id));
    }
    let unspent = found.iter().filter(|(k, _)| *k == Kind::UnspentAtEnd).count();
    found.retain(|(k, _)| *k != Kind::UnspentAtEnd);
    let missed = injected.found.difference(&found).count();
    let false_ones = found.difference(&injected.found).count();
    println!(
        "reconcile {n} disbursements against {receipts} receipts and {} expenses ({} injected differences of 5 row kinds, and the unspent end): \
         {secs:.3} s (goal < 1 s on SQLite); {} differences, {missed} injected ones missed, {false_ones} false ones, unspent-at-end {unspent}",
        n / 10,
        injected.found.len(),
        statement.differences.len()
    );
    assert_eq!((missed, false_ones, unspent), (0, 0, 1), "every injected difference found and no false one");
    Ok(())
}

async fn overview_figure<S: SubsidiesStore + AccessStore>(ledger: &Ledger<S>, args: &Args) -> mingzhang::Result<()> {
    let subsidies = Subsidies::new(ledger);
    let mut communities = Vec::new();
    let t = Instant::now();
    for k in 0..args.communities {
        let (c, book) = community(ledger, &format!("基准社区{k:02}")).await?;
        for (p, doc) in ["区财〔2025〕10号", "区财〔2025〕11号"].iter().enumerate() {
            subsidies.add_program(&book, &program(doc, Fen(100_000_000), day(365)), ACCOUNTANT).await?;
            let rows: Vec<DisbursementInput> = (0..4)
                .map(|q| DisbursementInput {
                    row: 0,
                    program: doc.to_string(),
                    date: day(q * 90 + 5),
                    amount: Fen(2_500_000 + p as i64),
                    payee: "基准物业公司".into(),
                    reference: format!("Q{q}"),
                })
                .collect();
            subsidies.disburse(&c, &rows, OFFICER).await?;
            for q in 0..3 {
                let input = ReceiptInput {
                    date: day(q * 90 + 7),
                    amount: Fen(2_500_000 + p as i64),
                    reference: &format!("Q{q}"),
                    bank_account: None,
                };
                subsidies.receive(&book, doc, &input, ACCOUNTANT).await?;
            }
            subsidies.reconcile(&c, doc, day(0), day(180), ACCOUNTANT).await?;
        }
        communities.push(c);
    }
    println!("{} communities with 2 programs each: {:.2} s (setup)", args.communities, t.elapsed().as_secs_f64());
    let mut best = f64::MAX;
    let mut lines = 0;
    for _ in 0..5 {
        let t = Instant::now();
        lines = subsidies.overview(&communities).await?.len();
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "finance office overview of {} communities ({lines} programs): {:.1} ms, best of 5 (goal < 100 ms on PostgreSQL)",
        args.communities,
        best * 1000.0
    );
    Ok(())
}

async fn run<S: SubsidiesStore + AccessStore>(store: S, args: &Args) -> mingzhang::Result<()> {
    let ledger = Ledger::new(store.clone());
    let access = Access::new(store.clone());
    for (name, role, street) in [(ACCOUNTANT, Role::Accountant, ""), (OFFICER, Role::FinanceOffice, STREET)] {
        let new = NewUser { username: name, display_name: name, roles: &[role, Role::Admin], communities: &[], street, password: None };
        access.add_user(&new).await?;
    }
    reconcile_figure(&ledger, args).await?;
    overview_figure(&ledger, args).await?;
    store.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> mingzhang::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let url = match &args.pg {
        Some(url) => url.clone(),
        None => dir.path().join("subsidies.db").to_string_lossy().into_owned(),
    };
    let store = AnyStore::create(&url).await?;
    store.pin_writer_here();
    run(store, &args).await
}
