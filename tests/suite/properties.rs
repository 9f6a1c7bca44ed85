//! Property tests of the invariants: any sequence of valid operations keeps every trial balance
//! at zero and `verify` clean; any invalid voucher is refused and leaves the database exactly
//! as it was.

use crate::common;

use common::*;
use mingzhang::domain::ids::VoucherId;
use mingzhang::domain::money::Fen;
use mingzhang::ledger::voucher::{LineInput, VoucherInput, VoucherKind};
use mingzhang::ledger::{ApprovedVoucher, Ledger};
use mingzhang::report;
use mingzhang::store::AnyStore;
use mingzhang::verify::verify_all;
use proptest::prelude::*;

const LEAVES: &[&str] =
    &["1001", "100201", "1012", "1221", "2202", "224102", "224101", "3001", "500101", "500102", "540101", "540103", "5603", "530199"];

fn cases() -> u32 {
    // Each case makes a fresh database; PostgreSQL's CREATE DATABASE is the slow part.
    if pg_admin_url().is_some() {
        12
    } else {
        32
    }
}

/// A balanced voucher: random lines, then one line that makes debits equal credits.
fn balanced_voucher() -> impl Strategy<Value = VoucherInput> {
    (1u32..=3, 1u32..=28, prop::collection::vec((0..LEAVES.len(), any::<bool>(), 1i64..5_000_000), 1..6)).prop_map(|(month, day, raw)| {
        let mut lines: Vec<LineInput> =
            raw.iter().map(|(a, debit, fen)| if *debit { line(LEAVES[*a], *fen, 0) } else { line(LEAVES[*a], 0, *fen) }).collect();
        let debit: i64 = lines.iter().map(|l| l.debit.0).sum();
        let credit: i64 = lines.iter().map(|l| l.credit.0).sum();
        let balancing = LEAVES[(debit % LEAVES.len() as i64) as usize];
        match debit.cmp(&credit) {
            std::cmp::Ordering::Greater => lines.push(line(balancing, 0, debit - credit)),
            std::cmp::Ordering::Less => lines.push(line(balancing, credit - debit, 0)),
            std::cmp::Ordering::Equal => {
                lines.push(line(balancing, 100, 0));
                lines.push(line("1001", 0, 100));
            }
        }
        voucher(date(2025, month, day), lines)
    })
}

#[derive(Debug, Clone)]
enum Op {
    Post(VoucherInput),
    Batch(Vec<VoucherInput>),
    /// Reverse the n-th posted voucher (modulo), if the rules allow.
    Reverse(usize),
    /// Close the earliest open month, if the rules allow.
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => balanced_voucher().prop_map(Op::Post),
        2 => prop::collection::vec(balanced_voucher(), 1..8).prop_map(Op::Batch),
        1 => any::<usize>().prop_map(Op::Reverse),
        1 => Just(Op::Close),
    ]
}

/// Cash on hand enough for any generated voucher's credit to 库存现金, which never turns credit
/// (a voucher that would is refused: tests/suite/daily.rs and ledger::verify::side_breaches).
const OPENING: &str = "科目编码,借方余额,贷方余额\n1001,100000000.00,\n3001,,100000000.00\n";

async fn apply<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, ops: &[Op]) {
    let book = company_book(ledger).await;
    ledger.import_opening(&book, OPENING).await.unwrap();
    let mut posted: Vec<VoucherId> = Vec::new();
    let mut next_close = 1;
    for op in ops {
        match op {
            // A voucher dated in a month closed by an earlier step is refused; that is the rule
            // working, and the property below still has to hold.
            Op::Post(v) => {
                if let Ok(id) = ledger.draft(&book, "会计甲", v).await {
                    ledger.review(&book, id, "主管乙").await.unwrap();
                    ledger.post(&book, id, "主管乙").await.unwrap();
                    posted.push(id);
                }
            }
            Op::Batch(vs) => {
                let batch: Vec<ApprovedVoucher> = vs
                    .iter()
                    .map(|v| ApprovedVoucher {
                        input: v.clone(),
                        kind: VoucherKind::Normal,
                        maker: "系统".into(),
                        reviewer: "主管乙".into(),
                        reverses_id: None,
                        subledger: String::new(),
                    })
                    .collect();
                if let Ok(done) = ledger.post_batch(&book, "主管乙", &batch).await {
                    posted.extend(done.iter().map(|p| p.voucher_id));
                }
            }
            Op::Reverse(n) if !posted.is_empty() => {
                let target = posted[n % posted.len()];
                if let Ok(id) = ledger.reverse(&book, target, "会计甲", date(2025, 3, 28)).await {
                    ledger.review(&book, id, "主管乙").await.unwrap();
                    ledger.post(&book, id, "主管乙").await.unwrap();
                    posted.push(id);
                }
            }
            Op::Reverse(_) => {}
            Op::Close => {
                if next_close <= 2 && ledger.close_period(&book, period(2025, next_close), "主管乙").await.is_ok() {
                    next_close += 1;
                }
            }
        }
    }
    for m in 1..=3 {
        let tb = report::trial_balance(&ledger.store, &book, period(2025, m), period(2025, m), 9).await.unwrap();
        assert_eq!(tb.total.opening_fen, 0, "opening of 2025-{m:02}");
        assert_eq!(tb.total.debit_fen, tb.total.credit_fen, "movements of 2025-{m:02}");
        assert_eq!(tb.total.closing_fen(), 0);
        // Every statement ties on any book: the 现金流量表's net increase is the change in
        // 货币资金, whatever mix of counterparts, batches (stamped) and red-ink reversals made it.
        for id in ["balance_sheet", "income_statement", "cash_flow"] {
            let s = report::statement::statement(&ledger.store, &book, id, period(2025, m)).await.unwrap();
            assert!(s.checks_hold(), "{id} of 2025-{m:02}: {:?}", s.checks);
        }
    }
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:#?}", report.findings);
    assert_eq!(report.vouchers as usize, posted.len());
}

#[derive(Debug, Clone)]
enum Breakage {
    Unbalance,
    OneLine,
    UnknownAccount,
    ParentAccount,
    ZeroAmount,
    NegativeAmount,
    BothSides,
    NoPeriod,
    ClosedPeriod,
    EmptySummary,
}

fn breakage() -> impl Strategy<Value = Breakage> {
    prop_oneof![
        Just(Breakage::Unbalance),
        Just(Breakage::OneLine),
        Just(Breakage::UnknownAccount),
        Just(Breakage::ParentAccount),
        Just(Breakage::ZeroAmount),
        Just(Breakage::NegativeAmount),
        Just(Breakage::BothSides),
        Just(Breakage::NoPeriod),
        Just(Breakage::ClosedPeriod),
        Just(Breakage::EmptySummary),
    ]
}

fn break_voucher(mut v: VoucherInput, how: &Breakage) -> VoucherInput {
    let first = &mut v.lines[0];
    match how {
        Breakage::Unbalance if first.debit.0 > 0 => first.debit.0 += 1,
        Breakage::Unbalance => first.credit.0 += 1,
        Breakage::OneLine => v.lines.truncate(1),
        Breakage::UnknownAccount => first.account = "9876".into(),
        Breakage::ParentAccount => first.account = "1002".into(),
        Breakage::ZeroAmount => {
            first.debit = Fen::ZERO;
            first.credit = Fen::ZERO;
        }
        Breakage::NegativeAmount => {
            for l in &mut v.lines {
                l.debit = -l.debit;
                l.credit = -l.credit;
            }
        }
        Breakage::BothSides => first.credit = first.debit + Fen(first.credit.0 + 1),
        Breakage::NoPeriod => v.date = date(2024, 12, 31),
        Breakage::ClosedPeriod => v.date = date(2025, 1, 15),
        Breakage::EmptySummary => first.summary = String::new(),
    }
    v
}

async fn refuse<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, url: &str, good: &[VoucherInput], bad: &VoucherInput, batch: bool) {
    let book = company_book(ledger).await;
    ledger.import_opening(&book, OPENING).await.unwrap();
    for v in good.iter().filter(|v| v.date >= date(2025, 2, 1)) {
        post(ledger, &book, v).await;
    }
    ledger.close_period(&book, period(2025, 1), "主管乙").await.unwrap();
    let before = snapshot(url).await;
    let result = if batch {
        let mut vs: Vec<ApprovedVoucher> = good
            .iter()
            .filter(|v| v.date >= date(2025, 2, 1))
            .map(|v| ApprovedVoucher {
                input: v.clone(),
                kind: VoucherKind::Normal,
                maker: "系统".into(),
                reviewer: "主管乙".into(),
                reverses_id: None,
                subledger: String::new(),
            })
            .collect();
        vs.push(ApprovedVoucher {
            input: bad.clone(),
            kind: VoucherKind::Normal,
            maker: "系统".into(),
            reviewer: "主管乙".into(),
            reverses_id: None,
            subledger: String::new(),
        });
        ledger.post_batch(&book, "主管乙", &vs).await.map(|_| VoucherId(0))
    } else {
        ledger.draft(&book, "会计甲", bad).await
    };
    let err = result.expect_err("a broken voucher must be refused");
    assert!(!err.to_string().is_empty());
    assert_eq!(snapshot(url).await, before, "refused ({err}) but the database changed");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn valid_operations_keep_every_trial_balance_at_zero_and_verify_clean(ops in prop::collection::vec(op(), 1..25)) {
        runtime().block_on(async {
            let db = fresh_db().await;
            let store = AnyStore::connect(&db.url).await.unwrap();
            { let s = store; apply(&Ledger::new(s), &ops).await };
        });
    }

    #[test]
    fn an_invalid_voucher_is_refused_and_leaves_the_database_as_it_was(
        good in prop::collection::vec(balanced_voucher(), 0..6),
        base in balanced_voucher(),
        how in breakage(),
        batch in any::<bool>(),
    ) {
        let mut base = base;
        if base.date < date(2025, 2, 1) {
            base.date = date(2025, 2, 14);
        }
        let bad = break_voucher(base, &how);
        runtime().block_on(async {
            let db = fresh_db().await;
            let store = AnyStore::connect(&db.url).await.unwrap();
            { let s = store; refuse(&Ledger::new(s), &db.url, &good, &bad, batch).await };
        });
    }
}
