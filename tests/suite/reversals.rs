//! 冲销计费 (issue 9): a wrong billing run, or one household's bills of it, is reversed by red
//! ink and billed again, with every report and `verify` agreeing before and after; nothing
//! written before is changed.

use crate::common;

use common::*;
use mingzhang::domain::money::Fen;
use mingzhang::fees::reports::{aging, collection, household_statement};
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::{FeeItemSpec, MeterReadingInput, Method, PaymentRequest};
use mingzhang::ledger::Ledger;
use mingzhang::report;
use mingzhang::verify::verify_all;

fn balance(tb: &report::TrialBalance, code: &str) -> i64 {
    tb.rows.iter().find(|r| r.code == code).map_or(0, |r| r.closing_fen)
}

async fn assert_clean<S: mingzhang::app::AppStore>(ledger: &Ledger<S>) {
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
}

async fn wrong_reading<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    let fees = ledger.fees();
    let c = ledger.community(None).await.unwrap();
    fees.import_households(c.id, TWO_HOUSEHOLDS.as_bytes()).await.unwrap();
    let spec = FeeItemSpec {
        code: "SF",
        name: "水费",
        basis: FeeBasis::Metered,
        revenue_account: "505101",
        late_fee_ppm_per_day: 0,
        late_fee_cap_percent: 0,
    };
    fees.add_fee_item(&book, &spec).await.unwrap();
    fees.add_fee_standard(&book, "SF", HouseholdKind::Residential, "3.20", date(2025, 1, 1), None).await.unwrap();
    let hs = fees.households(c.id).await.unwrap();
    let (zhang, li) = (&hs[0], &hs[1]);
    let read = |p, a: &str, b: &str| {
        let rows = vec![MeterReadingInput::new(2, zhang.id, a), MeterReadingInput::new(3, li.id, b)];
        let fees = fees.clone();
        let book = book.clone();
        async move { fees.record_meter_readings(&book, "SF", p, &rows).await.unwrap() }
    };
    read(period(2025, 1), "100.00", "200.00").await;
    // 李四 paid 100.00 ahead in January.
    let req = PaymentRequest {
        household_id: li.id,
        amount: Fen(10_000),
        method: Method::Cash,
        paid_on: date(2025, 1, 20),
        idempotency_key: "li-1",
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    };
    fees.pay(&book, &req).await.unwrap();
    fees.close_days(&book, date(2025, 1, 31), "主管").await.unwrap();
    // February: 张三's reading typed as 8883.40 instead of 112.50.
    read(period(2025, 2), "8883.40", "210.00").await;
    let items = vec!["SF".to_string()];
    let first = fees.run_billing(&book, period(2025, 2), &items, "会计").await.unwrap();
    assert_eq!((first.bills, first.total, first.prepayment_applied), (2, Fen(2_810_688 + 3_200), Fen(3_200)));
    let run = first.run.unwrap();
    let err = fees.record_meter_readings(&book, "SF", period(2025, 2), &[MeterReadingInput::new(2, zhang.id, "112.50")]).await.unwrap_err();
    assert!(err.to_string().contains("先冲销"), "a billed reading says how to correct it: {err}");

    // Refused: a date before the month was billed; an unknown run. Nothing is written.
    let before = snapshot(url).await;
    let err = fees.reverse_billing(&book, run, Some(zhang.id), "读数录错", "主管", date(2025, 1, 31)).await.unwrap_err();
    assert!(err.to_string().contains("冲销日期"), "{err}");
    let err = fees
        .reverse_billing(&book, mingzhang::domain::ids::BillingRunId(run.0 + 9), None, "读数录错", "主管", date(2025, 2, 10))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("计费批次"), "{err}");
    assert_eq!(snapshot(url).await, before);

    // 张三's bill alone is reversed; the reading is corrected and the month billed again.
    let r = fees.reverse_billing(&book, run, Some(zhang.id), "读数录错", "主管", date(2025, 2, 10)).await.unwrap();
    assert_eq!((r.bills, r.total, r.back_to_prepayment), (1, Fen(2_810_688), Fen::ZERO));
    fees.record_meter_readings(&book, "SF", period(2025, 2), &[MeterReadingInput::new(2, zhang.id, "112.50")]).await.unwrap();
    let again = fees.run_billing(&book, period(2025, 2), &items, "会计").await.unwrap();
    assert_eq!((again.bills, again.total), (1, Fen(4_000)), "12.50 m³ × 3.20; 李四's bill stands");
    assert_clean(&ledger).await;

    // Every figure is as if the wrong bill had never been: 张三 owes 40.00, 李四 has 68.00 ahead.
    let tb = report::trial_balance(&ledger.store, &book, period(2025, 2), period(2025, 2), 9).await.unwrap();
    assert_eq!((balance(&tb, "1122"), balance(&tb, "2203").abs(), balance(&tb, "505101").abs()), (4_000, 6_800, 7_200));
    let by_household = aging(&ledger.store, &book, period(2025, 2), true).await.unwrap();
    let by_building = aging(&ledger.store, &book, period(2025, 2), false).await.unwrap();
    assert_eq!((by_household.total.total.0, by_building.total.total.0), (4_000, 4_000));
    let statement = household_statement(&ledger.store, &book, zhang, date(2025, 2, 28)).await.unwrap();
    let bills: Vec<(String, i64)> = statement.bills.iter().map(|b| (b.period.clone(), b.amount.0)).collect();
    assert_eq!(bills, vec![("2025-02".into(), 4_000)], "the cancelled bill is not on the statement");
    let feb5 = household_statement(&ledger.store, &book, zhang, date(2025, 2, 5)).await.unwrap();
    // A month's bills, the one billed again too, are dated on its first day, as their voucher
    // is: as at 5 February both were owed, in the statement as in the ledger.
    assert_eq!(feb5.open, Fen(2_810_688 + 4_000), "as at 5 February the wrong bill was still owed");
    let c = collection(&ledger.store, &book, period(2025, 2), period(2025, 2)).await.unwrap();
    let all = c.lines.iter().find(|l| l.building == "全部").unwrap();
    assert_eq!((all.current_billed.0, all.current_collected.0), (7_200, 3_200), "the cancelled bill is not owed");

    // The rest of the first run: 李四's bill was settled from his prepayment, which gets it
    // back, and settles the bill billed again.
    let r = fees.reverse_billing(&book, run, None, "重新计费", "主管", date(2025, 2, 11)).await.unwrap();
    assert_eq!((r.bills, r.total, r.back_to_prepayment), (1, Fen(3_200), Fen(3_200)));
    assert_eq!(fees.prepaid(&book, li.id).await.unwrap(), Fen(10_000));
    let err = fees.reverse_billing(&book, run, None, "重新计费", "主管", date(2025, 2, 11)).await.unwrap_err();
    assert!(err.to_string().contains("已全部冲销"), "{err}");
    let third = fees.run_billing(&book, period(2025, 2), &items, "会计").await.unwrap();
    assert_eq!((third.bills, third.total, third.prepayment_applied), (1, Fen(3_200), Fen(3_200)));
    assert_eq!(fees.prepaid(&book, li.id).await.unwrap(), Fen(6_800));
    assert_clean(&ledger).await;

    // A waived bill is not cancelled (the waiver would be lost): the reversal names it.
    let zhang_bill = fees.open_bills(&book, Some(zhang.id)).await.unwrap().remove(0);
    fees.waive(&book, zhang_bill.id, Fen(1_000), "漏水减免", "主管", date(2025, 2, 12)).await.unwrap();
    let before = snapshot(url).await;
    let err = fees.reverse_billing(&book, again.run.unwrap(), None, "重新计费", "主管", date(2025, 2, 12)).await.unwrap_err();
    assert!(err.to_string().contains(&format!("账单 #{}", zhang_bill.id)) && err.to_string().contains("已减免"), "{err}");
    assert_eq!(snapshot(url).await, before);

    let runs: Vec<(i64, i64, i64)> =
        fees.billing_runs(&book).await.unwrap().iter().map(|(r, _)| (r.bills, r.reversed_bills, r.reversed_fen)).collect();
    assert_eq!(runs, vec![(2, 2, 2_813_888), (1, 0, 0), (1, 0, 0)]);
    assert_clean(&ledger).await;
}

#[tokio::test]
async fn a_wrong_run_is_reversed_for_one_household_or_all_and_billed_again() {
    on_fresh_store!(wrong_reading)
}

async fn whole_run<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = two_households(&ledger, "测试社区", "1.50").await;
    let fees = ledger.fees();
    let run = fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    let (_, voucher) = fees.billing_runs(&book).await.unwrap().remove(0);
    assert!(voucher.contains("记-"), "a run names its voucher: {voucher}");
    // The whole run at once reverses its voucher as a whole: a manual reversal of it is refused.
    let r = fees.reverse_billing(&book, run.run.unwrap(), None, "标准录错", "主管", date(2025, 1, 5)).await.unwrap();
    assert_eq!((r.bills, r.total), (2, Fen(15_000 + 13_500)));
    let tb = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 9).await.unwrap();
    assert_eq!((balance(&tb, "1122"), balance(&tb, "500101")), (0, 0));
    let run_voucher = fees.billing_runs(&book).await.unwrap()[0].0.voucher_id.unwrap();
    let err = ledger.reverse(&book, run_voucher, "会计甲", date(2025, 1, 6)).await.unwrap_err();
    assert!(err.to_string().contains("冲销"), "{err}");
    let again = fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    assert_eq!((again.bills, again.total), (2, Fen(28_500)));
    assert_clean(&ledger).await;
}

#[tokio::test]
async fn a_whole_run_is_reversed_in_one_red_voucher_and_billed_again() {
    on_fresh_store!(whole_run)
}

async fn schema_rules<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = two_households(&ledger, "测试社区", "1.50").await;
    let fees = ledger.fees();
    let run = fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap().run.unwrap();
    fees.reverse_billing(&book, run, None, "标准录错", "主管", date(2025, 1, 5)).await.unwrap();
    let before = snapshot(url).await;
    // The database keeps the rules too: a second bill of the same issue; an allocation from
    // nothing (no payment, waiver or reversal), or a negative one that undoes nothing; a bill
    // cancelled twice; a reversal changed or deleted.
    let refused = [
        "INSERT INTO bills (community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue)
         SELECT community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue FROM bills LIMIT 1",
        "INSERT INTO allocations (community_id, bill_id, amount_fen, period) SELECT community_id, bill_id, 1, period FROM allocations LIMIT 1",
        "INSERT INTO allocations (community_id, bill_id, amount_fen, period, reversal_id)
         SELECT community_id, bill_id, -1, period, reversal_id FROM allocations WHERE reversal_id IS NOT NULL LIMIT 1",
        "INSERT INTO allocations (community_id, bill_id, amount_fen, period, reversal_id)
         SELECT community_id, bill_id, amount_fen, period, reversal_id FROM allocations WHERE reversal_id IS NOT NULL AND payment_id IS NULL LIMIT 1",
        "UPDATE billing_reversals SET total_fen = 1",
        "DELETE FROM billing_reversals",
    ];
    for sql in refused {
        assert!(raw_sql(url, sql).await.is_err(), "accepted: {sql}");
    }
    assert_eq!(snapshot(url).await, before);
}

#[tokio::test]
async fn the_schema_refuses_a_second_live_issue_a_mixed_allocation_and_a_changed_reversal() {
    on_fresh_store!(schema_rules)
}
