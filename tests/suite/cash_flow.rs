//! 现金流量表 (会小企03表): every cash line's item derived from its counterpart or assigned on the
//! voucher, generated vouchers stamped with theirs, the net increase tied to 货币资金, and a book
//! that requires items refusing a cash voucher whose counterpart does not decide, on both engines.

use crate::common;

use common::*;
use mingzhang::domain::ids::VoucherId;
use mingzhang::domain::money::Fen;
use mingzhang::domain::period::Period;
use mingzhang::fees::store::FeesStore;
use mingzhang::fees::{Method, PaymentRequest};
use mingzhang::ledger::rows::VoucherRow;
use mingzhang::ledger::store::{LedgerStore, LedgerTx};
use mingzhang::ledger::voucher::VoucherInput;
use mingzhang::ledger::{Book, CashFlowItems, Ledger};
use mingzhang::report::statement::{statement, Statement};

async fn cash_flow<S: FeesStore>(ledger: &Ledger<S>, book: &Book, month: Period) -> Statement {
    let s = statement(&ledger.store, book, "cash_flow", month).await.unwrap();
    assert!(s.checks_hold(), "{:?}", s.checks);
    s
}

/// (本年累计金额, 本月金额) of one line, in fen.
fn year_and_month(s: &Statement, line: u32) -> (i64, i64) {
    (s.value(line, 0).unwrap().0, s.value(line, 1).unwrap().0)
}

fn with_item(mut v: VoucherInput, item: i64) -> VoucherInput {
    for l in v.lines.iter_mut().filter(|l| ["1001", "100201", "1012"].contains(&l.account.as_str())) {
        l.dimensions.cash_flow_item = Some(item);
    }
    v
}

async fn vouchers_of<S: LedgerStore>(ledger: &Ledger<S>, book: &Book, month: Period) -> Vec<VoucherRow> {
    let mut tx = ledger.store.read().await.unwrap();
    tx.vouchers(book.key(), month, month, 1_000).await.unwrap()
}

async fn items_of_lines<S: LedgerStore>(ledger: &Ledger<S>, book: &Book, voucher_id: VoucherId) -> Vec<(String, Option<i64>)> {
    let mut tx = ledger.store.read().await.unwrap();
    let lines = tx.lines(book.key(), voucher_id).await.unwrap();
    lines.iter().map(|l| (book.code_of(l.account_id).unwrap().to_string(), l.cash_flow_item)).collect()
}

async fn a_year_of_cash<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = two_households(&ledger, "现金流量小区", "2.00").await;
    // Opening cash is not a flow of the year: it is the statement's line 21.
    post(&ledger, &book, &voucher(date(2025, 1, 2), vec![line("100201", 1_000_000, 0), line("3001", 0, 1_000_000)])).await;
    ledger.fees().run_billing(&book, period(2025, 1), &[], "王会计").await.unwrap();
    let households = ledger.fees().households(book.row.community_id).await.unwrap();
    let pay = PaymentRequest {
        household_id: households[0].id,
        amount: Fen(30_000),
        method: Method::Cash,
        paid_on: date(2025, 1, 20),
        idempotency_key: "cash-flow-1",
        cashier: "出纳丙",
        bill_ids: None,
        note: Default::default(),
    };
    ledger.fees().pay(&book, &pay).await.unwrap();
    ledger.fees().close_days(&book, date(2025, 1, 20), "主管乙").await.unwrap();
    // A generated voucher carries its item: a receipt of fees is line 1 on its cash line.
    let mut generated = Vec::new();
    for v in vouchers_of(&ledger, &book, period(2025, 1)).await.iter().filter(|v| v.maker == "系统") {
        generated.push(items_of_lines(&ledger, &book, v.id).await);
    }
    let payment = generated.iter().find(|items| items.iter().any(|(code, _)| code == "1001")).expect("the payment's voucher");
    assert!(payment.contains(&("1001".to_string(), Some(1))), "{payment:?}");
    assert!(payment.iter().filter(|(code, _)| code != "1001").all(|(_, item)| item.is_none()), "only cash lines carry an item");

    // A transfer between money accounts is no flow; a bank charge is line 6; 102.00 received
    // against 100.00 of 押金 and 2.00 of interest nets by counterpart.
    post(&ledger, &book, &voucher(date(2025, 1, 21), vec![line("1001", 20_000, 0), line("100201", 0, 20_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 1, 22), vec![line("5603", 1_500, 0), line("100201", 0, 1_500)])).await;
    post(&ledger, &book, &voucher(date(2025, 1, 23), vec![line("100201", 10_200, 0), line("224102", 0, 10_000), line("5603", 0, 200)]))
        .await;
    // Investing and financing: equipment bought, a loan taken and part repaid with interest.
    post(&ledger, &book, &voucher(date(2025, 2, 3), vec![line("1601", 350_000, 0), line("100201", 0, 350_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 2, 4), vec![line("100201", 500_000, 0), line("2001", 0, 500_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 2, 25), vec![line("2001", 100_000, 0), line("2231", 2_000, 0), line("100201", 0, 102_000)]))
        .await;
    // A loan made to another company from 其他应收款, assigned by hand to investing (line 11).
    post(&ledger, &book, &with_item(voucher(date(2025, 2, 26), vec![line("1221", 40_000, 0), line("100201", 0, 40_000)]), 11)).await;

    let jan = cash_flow(&ledger, &book, period(2025, 1)).await;
    assert_eq!(year_and_month(&jan, 1), (30_000, 30_000), "fees received");
    assert_eq!(year_and_month(&jan, 2), (10_200, 10_200), "押金 and interest received");
    assert_eq!(year_and_month(&jan, 6), (1_500, 1_500), "bank charges paid");
    assert_eq!(year_and_month(&jan, 7), (38_700, 38_700));
    assert_eq!(year_and_month(&jan, 15), (1_000_000, 1_000_000), "capital paid in");
    assert_eq!(year_and_month(&jan, 21), (0, 0));

    let feb = cash_flow(&ledger, &book, period(2025, 2)).await;
    assert_eq!(year_and_month(&feb, 12), (350_000, 350_000), "equipment bought");
    assert_eq!(year_and_month(&feb, 11), (40_000, 40_000), "the loan made, as assigned");
    assert_eq!(year_and_month(&feb, 13), (-390_000, -390_000));
    assert_eq!(year_and_month(&feb, 14), (500_000, 500_000));
    assert_eq!(year_and_month(&feb, 16), (100_000, 100_000));
    assert_eq!(year_and_month(&feb, 17), (2_000, 2_000));
    assert_eq!(year_and_month(&feb, 19), (1_398_000, 398_000));
    assert_eq!(year_and_month(&feb, 20), (1_046_700, 8_000));
    assert_eq!(feb.value(21, 1), Some(Fen(1_038_700)), "February opens with January's cash");
    // The checks say it; the balance sheet says it too.
    let bs = statement(&ledger.store, &book, "balance_sheet", period(2025, 2)).await.unwrap();
    assert_eq!(bs.value(1, 0), feb.value(22, 0), "期末现金余额 = 资产负债表 货币资金");

    // A red-ink reversal takes its flows back on the same lines.
    let equipment =
        vouchers_of(&ledger, &book, period(2025, 2)).await.iter().find(|v| v.number == Some(1)).expect("记-0001 of February").id;
    let red = ledger.reverse(&book, equipment, "会计甲", date(2025, 3, 5)).await.unwrap();
    ledger.review(&book, red, "主管乙").await.unwrap();
    ledger.post(&book, red, "主管乙").await.unwrap();
    let mar = cash_flow(&ledger, &book, period(2025, 3)).await;
    assert_eq!(year_and_month(&mar, 12), (0, -350_000));
    kept_sums_are_checked_and_rebuilt(&ledger, &book, url, &mar).await;
}

/// The statement reads sums the postings keep: `verify` recomputes them from the journal and
/// names a changed one; a book posted to before they were kept gets them built from its journal
/// the first time its statement is read, with the same figures.
async fn kept_sums_are_checked_and_rebuilt<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, book: &Book, url: &str, before: &Statement) {
    assert!(mingzhang::verify::verify_all(&ledger.store).await.unwrap().is_clean());
    raw_sql(url, "UPDATE cash_flow_balances SET fen = fen + 100 WHERE item = 1 AND period = 202501").await.unwrap();
    let report = mingzhang::verify::verify_all(&ledger.store).await.unwrap();
    assert!(
        report.findings.iter().any(|f| f.message.contains("现金流量表第 1 行在 2025-01 记录为 301.00，由分录重算为 300.00")),
        "{:#?}",
        report.findings
    );
    raw_sql(url, "DELETE FROM cash_flow_balances").await.unwrap();
    raw_sql(url, "UPDATE books SET cash_flows_built = FALSE").await.unwrap();
    let rebuilt = cash_flow(ledger, book, period(2025, 3)).await;
    for line in 1..=22 {
        assert_eq!(rebuilt.value(line, 0), before.value(line, 0), "line {line} rebuilt from the journal");
    }
    assert!(mingzhang::verify::verify_all(&ledger.store).await.unwrap().is_clean(), "the rebuilt sums are kept");
}

#[tokio::test]
async fn the_cash_flow_statement_ties_to_cash_by_counterpart_and_assignment() {
    on_fresh_store!(a_year_of_cash)
}

async fn required_items<S: FeesStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    ledger.set_cash_flow_items(&book, CashFlowItems::Required).await.unwrap();
    let book = ledger.book(book.row.community_id, &book.row.code).await.unwrap();
    let before = snapshot(url).await;
    // 其他应收款 holds deposits (operating) and loans made (investing): its counterpart does not decide.
    let undecided = voucher(date(2025, 1, 5), vec![line("1221", 40_000, 0), line("100201", 0, 40_000)]);
    let err = ledger.draft(&book, "会计甲", &undecided).await.unwrap_err().to_string();
    assert!(err.contains("第 2 条分录") && err.contains("现金流量项目") && err.contains("1221"), "{err}");
    // Only cash lines take an item, an item is a line of the form, and a voucher's cash lines
    // take one all or none.
    let on_counterpart = {
        let mut v = undecided.clone();
        v.lines[0].dimensions.cash_flow_item = Some(11);
        v
    };
    let err = ledger.draft(&book, "会计甲", &on_counterpart).await.unwrap_err().to_string();
    assert!(err.contains("第 1 条分录") && err.contains("不是货币资金科目"), "{err}");
    let err = ledger.draft(&book, "会计甲", &with_item(undecided.clone(), 7)).await.unwrap_err().to_string();
    assert!(err.contains("第 7 行不是现金流量表的项目"), "{err}");
    let half = {
        let mut v = voucher(date(2025, 1, 5), vec![line("1221", 40_000, 0), line("100201", 0, 30_000), line("1001", 0, 10_000)]);
        v.lines[1].dimensions.cash_flow_item = Some(11);
        v
    };
    let err = ledger.draft(&book, "会计甲", &half).await.unwrap_err().to_string();
    assert!(err.contains("第 3 条分录") && err.contains("全部指定或全部不指定"), "{err}");
    assert_eq!(snapshot(url).await, before, "nothing written by a refused voucher");
    // Assigned, it is taken; a counterpart that decides needs nothing.
    post(&ledger, &book, &with_item(undecided, 11)).await;
    post(&ledger, &book, &voucher(date(2025, 1, 6), vec![line("5603", 500, 0), line("100201", 0, 500)])).await;
    let jan = cash_flow(&ledger, &book, period(2025, 1)).await;
    assert_eq!(year_and_month(&jan, 11), (40_000, 40_000));
    assert_eq!(year_and_month(&jan, 6), (500, 500));
}

#[tokio::test]
async fn a_book_that_requires_items_refuses_an_undecided_cash_line() {
    on_fresh_store!(required_items)
}
