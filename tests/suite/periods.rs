//! Periods: month-end close in order, nothing posted into a closed month, and the year-end
//! carry-forward of profit and loss in both books (invariant 3; DESIGN.md section 2).

use crate::common;

use common::*;
use mingzhang::domain::ids::VoucherId;
use mingzhang::domain::period::Period;
use mingzhang::ledger::Ledger;
use mingzhang::report;
use mingzhang::verify::verify_all;

async fn closing<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    post(&ledger, &book, &voucher(date(2025, 2, 3), vec![line("1001", 100, 0), line("500101", 0, 100)])).await;
    let err = ledger.close_period(&book, period(2025, 2), "主管乙").await.unwrap_err();
    assert!(err.to_string().contains("须按月顺序结账") && err.to_string().contains("2025-01"), "{err}");
    ledger.close_period(&book, period(2025, 1), "主管乙").await.unwrap();
    assert_eq!(ledger.close_period(&book, period(2025, 1), "主管乙").await.unwrap_err().code(), "conflict");

    let pending = ledger.draft(&book, "会计甲", &voucher(date(2025, 2, 20), vec![line("1001", 5, 0), line("500101", 0, 5)])).await.unwrap();
    let err = ledger.close_period(&book, period(2025, 2), "主管乙").await.unwrap_err();
    assert!(err.to_string().contains("1 张凭证未记账"), "{err}");
    ledger.review(&book, pending, "主管乙").await.unwrap();
    ledger.post(&book, pending, "主管乙").await.unwrap();
    ledger.close_period(&book, period(2025, 2), "主管乙").await.unwrap();

    let before = snapshot(url).await;
    let err = ledger.draft(&book, "会计甲", &voucher(date(2025, 2, 28), vec![line("1001", 5, 0), line("500101", 0, 5)])).await.unwrap_err();
    assert_eq!(err.code(), "period_closed");
    let posted = post(&ledger, &book, &voucher(date(2025, 3, 1), vec![line("1001", 5, 0), line("500101", 0, 5)])).await;
    let err = ledger.reverse(&book, VoucherId(posted.0 - 1), "会计甲", date(2025, 2, 27)).await.unwrap_err();
    assert_eq!(err.code(), "period_closed", "a reversal may not be dated in a closed month: {err}");
    assert_ne!(snapshot(url).await, before);

    // The chain head at each close is recorded on the period.
    let periods = ledger.periods(&book).await.unwrap();
    let feb = periods.iter().find(|p| p.period == period(2025, 2)).unwrap();
    assert_eq!(feb.chain_len_at_close, Some(2));
    assert!(feb.chain_head_at_close.as_deref().is_some_and(|h| h.len() == 64));
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());
}

#[tokio::test]
async fn months_close_in_order_only_when_everything_is_posted_and_then_refuse_postings() {
    on_fresh_store!(closing)
}

async fn year_end<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    post(&ledger, &book, &voucher(date(2025, 6, 1), vec![line("100201", 500_000, 0), line("500101", 0, 500_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 7, 1), vec![line("540101", 320_000, 0), line("100201", 0, 320_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 8, 1), vec![line("100201", 20_000, 0), line("530199", 0, 20_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 9, 1), vec![line("5603", 1_000, 0), line("100201", 0, 1_000)])).await;
    for m in 1..=11 {
        ledger.close_period(&book, period(2025, m), "主管乙").await.unwrap();
    }
    let err = ledger.close_period(&book, period(2025, 12), "主管乙").await.unwrap_err();
    assert!(err.to_string().contains("年末损益结转"), "December cannot close before the carry-forward: {err}");

    let id = ledger.draft_year_end(&book, 2025, "会计甲").await.unwrap().expect("a carry-forward voucher");
    let (v, lines) = ledger.voucher(&book, id).await.unwrap();
    assert_eq!((v.kind.as_str(), v.voucher_date), ("carry_forward", date(2025, 12, 31)));
    let net =
        |code: &str| lines.iter().filter(|l| book.code_of(l.account_id).unwrap() == code).map(|l| l.debit_fen - l.credit_fen).sum::<i64>();
    assert_eq!(net("500101"), 500_000);
    assert_eq!(net("540101"), -320_000);
    assert_eq!(net("3103"), 0, "本年利润 is passed through and left empty");
    assert_eq!(net("310404"), -(500_000 - 320_000 + 20_000 - 1_000), "the year's profit lands in 利润分配—未分配利润");
    ledger.review(&book, id, "主管乙").await.unwrap();
    ledger.post(&book, id, "主管乙").await.unwrap();
    ledger.close_period(&book, period(2025, 12), "主管乙").await.unwrap();

    let tb = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 12), 9).await.unwrap();
    let pl_left: Vec<_> = tb.rows.iter().filter(|r| r.code.starts_with('5') && r.closing_fen != 0).collect();
    assert!(pl_left.is_empty(), "{pl_left:?}");
    // The income statement still shows the year, because it reads 发生额 not balances.
    let is = mingzhang::report::statement::statement(&ledger.store, &book, "income_statement", period(2025, 12)).await.unwrap();
    assert_eq!(is.value(1, 0).map(|f| f.0), Some(500_000));
    assert_eq!(is.value(32, 0).map(|f| f.0), Some(199_000));
    assert!(is.checks_hold());
    // Next year's periods are open for business.
    let periods = ledger.periods(&book).await.unwrap();
    assert!(periods
        .iter()
        .any(|p| p.period == Period::new(2026, 12).unwrap() && p.status == mingzhang::ledger::voucher::PeriodStatus::Open));
    post(&ledger, &book, &voucher(date(2026, 1, 5), vec![line("1001", 1, 0), line("500101", 0, 1)])).await;
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());
}

#[tokio::test]
async fn year_end_carries_profit_and_loss_to_retained_earnings_and_opens_the_next_year() {
    on_fresh_store!(year_end)
}

async fn collective_year_end<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let c = ledger.create_community("合作社测试").await.unwrap();
    let book = ledger.create_book(c.id, "collective", "股份经济合作社", "rural_collective", period(2025, 1)).await.unwrap();
    post(&ledger, &book, &voucher(date(2025, 3, 1), vec![line("10201", 100_000, 0), line("50101", 0, 100_000)])).await;
    post(&ledger, &book, &voucher(date(2025, 4, 1), vec![line("513", 130_000, 0), line("10201", 0, 130_000)])).await;
    let id = ledger.draft_year_end(&book, 2025, "会计甲").await.unwrap().unwrap();
    ledger.review(&book, id, "主管乙").await.unwrap();
    ledger.post(&book, id, "主管乙").await.unwrap();
    let tb = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 12), 9).await.unwrap();
    let loss = tb.rows.iter().find(|r| r.code == "32202").unwrap();
    assert_eq!(loss.closing_fen, 30_000, "a loss is a debit balance of 收益分配—未分配收益");
    assert!(tb.rows.iter().all(|r| r.code != "321" || r.closing_fen == 0));
}

#[tokio::test]
async fn the_collective_book_carries_its_result_to_unappropriated_income() {
    on_fresh_store!(collective_year_end)
}
