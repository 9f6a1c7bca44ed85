//! 日结 (issue 9): a book that gathers each day's payments into one voucher per method keeps
//! the same receipts, subledger, statements, balances and invariants as one that posts a
//! voucher per payment; only the ledger's vouchers are fewer.

use crate::common;

use std::collections::BTreeMap;

use common::*;
use mingzhang::domain::ids::VoucherId;
use mingzhang::domain::money::Fen;
use mingzhang::fees::reports::{aging, household_statement};
use mingzhang::fees::{Method, PaymentRequest, Receipt};
use mingzhang::ledger::{Book, Ledger, PaymentVouchers};
use mingzhang::report;
use mingzhang::verify::verify_all;

/// A community of its own with two households billed 物业服务费 1.50/m² from January.
async fn community<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, name: &str, mode: PaymentVouchers) -> Book {
    let fees = ledger.fees();
    let book = two_households(ledger, name, "1.50").await;
    fees.set_payment_vouchers(&book, mode).await.unwrap();
    let book = fees.book(&book).await.unwrap();
    fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    book
}

/// The same January of payments in either book: two days, two methods, a prepayment, and a
/// receipt voided the day it was taken.
async fn january<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, book: &Book) -> Vec<Receipt> {
    let fees = ledger.fees();
    let hs = fees.households(book.row.community_id).await.unwrap();
    let mut receipts = Vec::new();
    let payments =
        [(0, 15_000, Method::Cash, 10), (1, 30_000, Method::Cash, 10), (0, 10_000, Method::Wechat, 11), (1, 5_000, Method::Cash, 11)];
    for (i, (who, fen, method, day)) in payments.into_iter().enumerate() {
        let key = format!("k{i}");
        let req = PaymentRequest {
            household_id: hs[who].id,
            amount: Fen(fen),
            method,
            paid_on: date(2025, 1, day),
            idempotency_key: &key,
            cashier: "出纳",
            bill_ids: None,
            note: Default::default(),
        };
        receipts.push(fees.pay(book, &req).await.unwrap());
    }
    fees.void_receipt(book, receipts[2].number, "收错住户", "主管", date(2025, 1, 11)).await.unwrap();
    receipts
}

/// What must not depend on how payments are posted.
async fn figures<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, book: &Book) -> (BTreeMap<String, i64>, Vec<(String, i64, i64)>, i64) {
    let fees = ledger.fees();
    let tb = report::trial_balance(&ledger.store, book, period(2025, 1), period(2025, 2), 9).await.unwrap();
    let balances = tb.rows.iter().map(|r| (r.code.clone(), r.closing_fen)).filter(|(_, f)| *f != 0).collect();
    let mut statements = Vec::new();
    for h in fees.households(book.row.community_id).await.unwrap() {
        let s = household_statement(&ledger.store, book, &h, date(2025, 2, 28)).await.unwrap();
        statements.push((s.household, s.open.0, s.prepaid.0));
    }
    let aging = aging(&ledger.store, book, period(2025, 2), true).await.unwrap();
    (balances, statements, aging.total.total.0)
}

async fn same_books<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let each = community(&ledger, "逐笔社区", PaymentVouchers::Each).await;
    let daily = community(&ledger, "日结社区", PaymentVouchers::Daily).await;
    let by_each = january(&ledger, &each).await;
    let by_day = january(&ledger, &daily).await;
    let fees = ledger.fees();

    // The receipts are the same; the day's receipt names its voucher once the day is closed.
    let paper = |r: &Receipt| (r.label.clone(), r.amount, r.prepaid, r.settled.iter().map(|s| s.amount).collect::<Vec<_>>());
    assert_eq!(by_each.iter().map(paper).collect::<Vec<_>>(), by_day.iter().map(paper).collect::<Vec<_>>());
    assert_eq!((by_day[0].voucher.as_str(), by_day[0].fingerprint.as_str()), ("待日结", ""));
    assert!(verify_all(&ledger.store).await.unwrap().is_clean(), "a day not closed yet is no finding");

    // The day's draft is the system's, summed and posted by the close, not reviewed on its own;
    // the month cannot close before the days are.
    let draft = fees.receipt(&daily, by_day[0].number).await.unwrap();
    assert_eq!(draft.voucher, "待日结");
    let (row, _) = ledger.voucher(&daily, voucher_of(&ledger, &daily, by_day[0].number).await).await.unwrap();
    let err = ledger.review(&daily, row.id, "主管").await.unwrap_err();
    assert!(err.to_string().contains("日结"), "{err}");
    let err = fees.close_days(&daily, date(2025, 1, 31), "系统").await.unwrap_err();
    assert!(err.to_string().contains("不能作为操作人"), "no one acts as the system: {err}");
    let err = ledger.close_period(&daily, period(2025, 1), "主管").await.unwrap_err();
    assert!(err.to_string().contains("未记账"), "{err}");
    let err = fees.set_payment_vouchers(&daily, PaymentVouchers::Each).await.unwrap_err();
    assert!(err.to_string().contains("未日结"), "{err}");

    let closed = fees.close_days(&daily, date(2025, 1, 31), "会计").await.unwrap();
    let days: Vec<(u32, String, usize, i64)> =
        closed.iter().map(|d| (chrono::Datelike::day(&d.date), d.method.clone(), d.payments, d.amount.0)).collect();
    // The void of the 微信 receipt waited for the close too, and is posted after its day.
    assert_eq!(
        days,
        vec![(10, "现金".into(), 2, 45_000), (11, "微信".into(), 1, 10_000), (11, "现金".into(), 1, 5_000), (11, "微信".into(), 0, 0)]
    );
    assert!(closed[3].summary.starts_with("作废收据"), "{:?}", closed[3]);
    let voided = fees.receipt(&daily, by_day[2].number).await.unwrap();
    assert!(voided.voucher.contains("记-"), "the voided receipt's day is posted: {voided:?}");
    assert!(fees.close_days(&daily, date(2025, 1, 31), "会计").await.unwrap().is_empty(), "a day is closed once");
    let reprinted = fees.receipt(&daily, by_day[0].number).await.unwrap();
    assert!(reprinted.voucher.contains("记-") && reprinted.fingerprint.len() == 64, "{reprinted:?}");

    // One voucher per day and method, its lines summed: 借 现金 450.00, 贷 应收 285.00 and 预收 165.00.
    let (_, lines) = ledger.voucher(&daily, voucher_of(&ledger, &daily, by_day[0].number).await).await.unwrap();
    let amounts: Vec<(i64, i64)> = lines.iter().map(|l| (l.debit_fen, l.credit_fen)).collect();
    assert_eq!(amounts, vec![(45_000, 0), (0, 28_500), (0, 16_500)]);
    assert!(lines[0].summary.contains("2025-01-10 日结 现金"), "{}", lines[0].summary);

    // A voucher each waits for the close as well: the cashier makes it (the system drafts it
    // for them) and a reviewer who took none of its money reviews and posts it.
    assert_eq!(by_each[0].voucher, "待日结");
    let err = fees.close_days(&each, date(2025, 1, 31), "出纳").await.unwrap_err().to_string();
    assert!(err.contains("出纳不得审核"), "{err}");
    let closed = fees.close_days(&each, date(2025, 1, 31), "会计").await.unwrap();
    assert_eq!(closed.iter().map(|d| d.payments).collect::<Vec<_>>(), vec![1, 1, 1, 1, 0], "a voucher per payment, then the void");
    let (row, lines) = ledger.voucher(&each, voucher_of(&ledger, &each, by_each[0].number).await).await.unwrap();
    assert_eq!((row.maker.as_str(), row.reviewer.as_deref(), row.poster.as_deref()), ("系统", Some("会计"), Some("会计")));
    assert!(lines[0].summary.contains(&by_each[0].label), "a payment's own voucher keeps its lines: {}", lines[0].summary);

    // February is billed and settled from the prepayments alike; every figure agrees.
    for book in [&each, &daily] {
        fees.run_billing(book, period(2025, 2), &[], "会计").await.unwrap();
    }
    assert_eq!(figures(&ledger, &each).await, figures(&ledger, &daily).await);
    let posted = |book: &Book| ledger.book(book.row.community_id, "company");
    let (each_vouchers, daily_vouchers) = (posted(&each).await.unwrap().row.chain_len, posted(&daily).await.unwrap().row.chain_len);
    assert_eq!((each_vouchers, daily_vouchers), (7, 6), "a voucher per payment, or per day and method");
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());
    ledger.close_period(&daily, period(2025, 1), "主管").await.unwrap();
}

async fn voucher_of<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, book: &Book, receipt: i64) -> VoucherId {
    let mut tx = ledger.store.read().await.unwrap();
    mingzhang::fees::store::FeesTx::payment_by_receipt(&mut tx, book.key(), receipt).await.unwrap().unwrap().voucher_id
}

#[tokio::test]
async fn a_day_of_payments_in_one_voucher_per_method_keeps_every_receipt_and_figure() {
    on_fresh_store!(same_books)
}

/// A cash payment of 100,000,000.00 voided before its day is closed, and a day whose cash
/// receipts are not consecutive (a 微信 receipt between them).
async fn voids_and_receipt_lists<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let fees = ledger.fees();
    let book = community(&ledger, "日结作废社区", PaymentVouchers::Daily).await;
    let hs = fees.households(book.row.community_id).await.unwrap();
    let pay = |who: usize, fen: i64, method: Method, key: &'static str| PaymentRequest {
        household_id: hs[who].id,
        amount: Fen(fen),
        method,
        paid_on: date(2025, 1, 12),
        idempotency_key: key,
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    };
    let mut receipts = Vec::new();
    for (who, fen, method, key) in [(0, 15_000, Method::Cash, "a"), (1, 8_000, Method::Wechat, "b"), (1, 7_000, Method::Cash, "c")] {
        receipts.push(fees.pay(&book, &pay(who, fen, method, key)).await.unwrap());
    }
    let huge = fees.pay(&book, &pay(0, 10_000_000_000, Method::Cash, "d")).await.unwrap();
    fees.void_receipt(&book, huge.number, "金额录错", "主管", date(2025, 1, 12)).await.unwrap();
    // The void waits for the day's close with the payment: nothing of the day is in the ledger
    // yet, and the subledger still ties (verify counts what waits).
    let cash = |tb: &report::TrialBalance| tb.rows.iter().find(|r| r.code == "1001").map(|r| r.closing_fen).unwrap_or_default();
    let tb = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 9).await.unwrap();
    assert_eq!(cash(&tb), 0, "库存现金 before the close");
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());

    // The cashier who took the day's payments does not close (review and post) the day.
    let late = fees.pay(&book, &PaymentRequest { paid_on: date(2025, 1, 13), ..pay(0, 1_000, Method::Cash, "e") }).await.unwrap();
    let err = fees.close_days(&book, date(2025, 1, 31), "出纳").await.unwrap_err().to_string();
    assert!(err.contains("出纳不得审核"), "{err}");
    assert!(fees.receipt(&book, late.number).await.unwrap().voucher.contains("待日结"), "nothing closed");
    // The close posts the day (its cash came in), then the void takes the payment out: 库存现金
    // holds what the other cash receipts brought, never a credit balance.
    fees.close_days(&book, date(2025, 1, 31), "会计").await.unwrap();
    let tb = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 9).await.unwrap();
    assert_eq!(cash(&tb), 23_000, "库存现金 after the void");
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());
    // The cash day's voucher names its own receipts, not a range across the 微信 one.
    let (_, lines) = ledger.voucher(&book, voucher_of(&ledger, &book, receipts[1].number).await).await.unwrap();
    assert!(lines[0].summary.contains(&format!("收据{}", receipts[1].label)), "{}", lines[0].summary);
    let (_, lines) = ledger.voucher(&book, voucher_of(&ledger, &book, receipts[0].number).await).await.unwrap();
    let summary = &lines[0].summary;
    assert!(summary.contains(&format!("{}、{}", receipts[0].label, receipts[2].label)), "{summary}");
    assert!(!summary.contains(&receipts[1].label), "the 微信 receipt is not in the cash day: {summary}");
}

#[tokio::test]
async fn a_void_before_the_day_close_never_leaves_cash_in_credit_and_a_day_names_its_own_receipts() {
    on_fresh_store!(voids_and_receipt_lists)
}
