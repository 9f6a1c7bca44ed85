//! Units that are not homes (issue 9): parking spaces and storage rooms are units of their own,
//! held by a household; their bills are the holder's, named by the unit, billed by the kind's
//! standard or the unit's own rate, by days for a month held in part; statements, receipts and
//! notices list them under the household; a unit passes to another household without touching
//! what was billed before.

use crate::common;

use common::*;
use mingzhang::domain::area::AreaM2Hundredths;
use mingzhang::domain::money::Fen;
use mingzhang::fees::reports::{aging, household_statement};
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::units::NewUnit;
use mingzhang::fees::{FeeItemSpec, Method, PaymentRequest};
use mingzhang::ledger::{Book, Ledger};
use mingzhang::report;
use mingzhang::verify::verify_all;

fn unit<'a>(code: &'a str, kind: HouseholdKind, area: Option<&str>, household: &'a str, from: chrono::NaiveDate) -> NewUnit<'a> {
    NewUnit { code, kind, area_m2_hundredths: area.map(|a| AreaM2Hundredths::parse(a).unwrap()), household, from }
}

/// 张三 (1-1-101) holds parking spaces B1-018 (the kind's 120.00) and B1-019 (its own 200.00)
/// and storage room C-12 (8.50 m² at 1.00 元/m²); 李四 (1-1-102) rents B1-020 from 11 January.
async fn community<S: mingzhang::app::AppStore>(ledger: &Ledger<S>) -> Book {
    let book = two_households(ledger, "测试社区", "1.50").await;
    let fees = ledger.fees();
    let c = ledger.community(None).await.unwrap();
    let spec = FeeItemSpec {
        code: "TCF",
        name: "车位停车费",
        basis: FeeBasis::FixedMonth,
        revenue_account: "500102",
        late_fee_ppm_per_day: 0,
        late_fee_cap_percent: 0,
    };
    fees.add_fee_item(&book, &spec).await.unwrap();
    fees.add_fee_standard(&book, "TCF", HouseholdKind::Parking, "120", date(2025, 1, 1), None).await.unwrap();
    fees.add_fee_standard(&book, "WYF", HouseholdKind::Storage, "1.00", date(2025, 1, 1), None).await.unwrap();
    let jan = date(2025, 1, 1);
    for u in [
        unit("B1-018", HouseholdKind::Parking, None, "1-1-101", jan),
        unit("B1-019", HouseholdKind::Parking, None, "1-1-101", jan),
        unit("C-12", HouseholdKind::Storage, Some("8.50"), "1-1-101", jan),
        unit("B1-020", HouseholdKind::Parking, None, "1-1-102", date(2025, 1, 11)),
    ] {
        fees.add_unit(c.id, &u).await.unwrap();
    }
    fees.add_unit_standard(&book, "TCF", "B1-019", "200", jan, None).await.unwrap();
    book
}

async fn assert_ties<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, book: &Book, month: (i32, u32)) {
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
    let tb = report::trial_balance(&ledger.store, book, period(month.0, month.1), period(month.0, month.1), 9).await.unwrap();
    let receivable = tb.rows.iter().find(|r| r.code == "1122").map_or(0, |r| r.closing_fen);
    let by_household = aging(&ledger.store, book, period(month.0, month.1), true).await.unwrap();
    assert_eq!(by_household.total.total, Fen(receivable), "aging by household (units included) ties to 1122");
}

async fn units_are_billed_to_their_holders<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = community(&ledger).await;
    let fees = ledger.fees();
    let c = ledger.community(None).await.unwrap();
    let hs = fees.households(c.id).await.unwrap();
    let (zhang, li) = (&hs[0], &hs[1]);

    // January: 150.00 + 135.00 for the homes; 120.00 (B1-018), 200.00 (B1-019, its own rate),
    // 8.50 (C-12 by area) and 81.29 (B1-020 from the 11th: 21/31 × 120.00 = 81.290…).
    let run = fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    assert_eq!((run.bills, run.total), (6, Fen(15_000 + 13_500 + 12_000 + 20_000 + 850 + 8_129)));
    assert!(run.held.is_empty(), "{:?}", run.held);
    let again = fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    assert_eq!(again.bills, 0, "a month is billed once per unit too");

    // 张三's statement lists his units under him, each by name.
    let s = household_statement(&ledger.store, &book, zhang, date(2025, 1, 31)).await.unwrap();
    let mut lines: Vec<(String, Fen)> = s.bills.iter().map(|b| (b.label(), b.amount)).collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            ("物业服务费".to_string(), Fen(15_000)),
            ("物业服务费（C-12）".to_string(), Fen(850)),
            ("车位停车费（B1-018）".to_string(), Fen(12_000)),
            ("车位停车费（B1-019）".to_string(), Fen(20_000)),
        ]
    );
    assert_eq!(s.open, Fen(47_850));

    // One payment settles the home and its units; the receipt names each.
    let req = PaymentRequest {
        household_id: zhang.id,
        amount: Fen(47_850),
        method: Method::Wechat,
        paid_on: date(2025, 1, 20),
        idempotency_key: "zhang-1",
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    };
    let receipt = fees.pay(&book, &req).await.unwrap();
    let mut settled: Vec<String> = receipt.settled.iter().map(|b| b.fee_item.clone()).collect();
    settled.sort();
    assert_eq!(settled, vec!["物业服务费", "物业服务费（C-12）", "车位停车费（B1-018）", "车位停车费（B1-019）"]);
    assert_eq!(receipt.prepaid, Fen::ZERO);
    fees.close_days(&book, date(2025, 1, 31), "主管").await.unwrap();
    assert_ties(&ledger, &book, (2025, 1)).await;

    // B1-018 passes to 李四 on 15 February: each is billed for his days of the month (14 of 28).
    fees.add_unit(c.id, &unit("B1-018", HouseholdKind::Parking, None, "1-1-102", date(2025, 2, 15))).await.unwrap();
    let feb = fees.run_billing(&book, period(2025, 2), &[], "会计").await.unwrap();
    assert_eq!((feb.bills, feb.total), (7, Fen(15_000 + 13_500 + 6_000 + 6_000 + 20_000 + 850 + 12_000)));
    let li_feb = household_statement(&ledger.store, &book, li, date(2025, 2, 28)).await.unwrap();
    let b1_018: Vec<Fen> = li_feb.bills.iter().filter(|b| b.unit.as_deref() == Some("B1-018")).map(|b| b.amount).collect();
    assert_eq!(b1_018, vec![Fen(6_000)]);
    let zhang_feb = household_statement(&ledger.store, &book, zhang, date(2025, 2, 28)).await.unwrap();
    let b1_018: Vec<(String, Fen)> =
        zhang_feb.bills.iter().filter(|b| b.unit.as_deref() == Some("B1-018")).map(|b| (b.period.clone(), b.amount)).collect();
    assert_eq!(b1_018, vec![("2025-01".to_string(), Fen(12_000)), ("2025-02".to_string(), Fen(6_000))], "January stays 张三's");

    // A unit cannot pass, or end, inside a month already billed to its holder.
    let err = fees.add_unit(c.id, &unit("B1-019", HouseholdKind::Parking, None, "1-1-102", date(2025, 2, 20))).await.unwrap_err();
    assert!(err.to_string().contains("已向原持有人计费至 2025-02"), "{err}");
    let err = fees.end_unit(c.id, "B1-020", date(2025, 2, 20)).await.unwrap_err();
    assert!(err.to_string().contains("已计费至 2025-02"), "{err}");
    // 李四 gives B1-020 up at the end of February: March bills it no more.
    fees.end_unit(c.id, "B1-020", date(2025, 3, 1)).await.unwrap();
    let mar = fees.run_billing(&book, period(2025, 3), &[], "会计").await.unwrap();
    assert_eq!((mar.bills, mar.total), (5, Fen(15_000 + 13_500 + 12_000 + 20_000 + 850)));
    assert_ties(&ledger, &book, (2025, 3)).await;

    // The dunning notice groups 李四's arrears by item and unit.
    let notices = mingzhang::fees::reports::dunning_statements(
        &ledger.store,
        &book,
        date(2025, 3, 31),
        &mingzhang::fees::reports::DunningSelection::default(),
    )
    .await
    .unwrap();
    let li_notice = notices.iter().find(|n| n.household == "1-1-102").expect("李四 owes");
    assert!(li_notice.bills.iter().any(|b| b.label() == "车位停车费（B1-020）"));
    assert!(li_notice.bills.iter().any(|b| b.label() == "车位停车费（B1-018）"));
}

#[tokio::test]
async fn units_are_billed_to_their_holders_by_kind_own_rate_area_and_days() {
    on_fresh_store!(units_are_billed_to_their_holders)
}

async fn units_refused<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = community(&ledger).await;
    let fees = ledger.fees();
    let c = ledger.community(None).await.unwrap();
    let before = snapshot(url).await;
    // A home is not a unit; a unit held twice; an unknown household; an own rate for a unit
    // never registered; a storage room imported as a household.
    let err = fees.add_unit(c.id, &unit("X-1", HouseholdKind::Residential, None, "1-1-101", date(2025, 1, 1))).await.unwrap_err();
    assert!(err.to_string().contains("附属单元为车位、车库或储藏室"), "{err}");
    let err = fees.add_unit(c.id, &unit("B1-018", HouseholdKind::Parking, None, "1-1-101", date(2025, 2, 1))).await.unwrap_err();
    assert!(err.to_string().contains("已由 1-1-101 持有"), "{err}");
    let err = fees.add_unit(c.id, &unit("B1-099", HouseholdKind::Parking, None, "9-9-999", date(2025, 2, 1))).await.unwrap_err();
    assert!(err.to_string().contains("9-9-999"), "{err}");
    let err = fees.add_unit_standard(&book, "TCF", "B9-999", "100", date(2025, 1, 1), None).await.unwrap_err();
    assert!(err.to_string().contains("B9-999"), "{err}");
    let err = fees.add_unit_standard(&book, "TCF", "B1-019", "250", date(2025, 1, 1), None).await.unwrap_err();
    assert!(err.to_string().contains("重叠"), "an own rate overlapping the unit's own: {err}");
    let storage = "楼栋,单元,房号,建筑面积,类型,业主,电话\n1,1,B01,8.00,储藏室,王五,13900000003\n";
    let err = fees.import_households(c.id, storage.as_bytes()).await.unwrap_err();
    assert!(err.to_string().contains("unit add"), "{err}");
    assert_eq!(snapshot(url).await, before, "nothing refused was written");

    // A storage room billed by area without an area is held back and named.
    fees.add_unit(c.id, &unit("C-13", HouseholdKind::Storage, None, "1-1-102", date(2025, 1, 1))).await.unwrap();
    let run = fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    assert_eq!(run.held, vec!["1-1-102 储藏室 C-13 物业服务费：该单元按面积计费，但未登记面积".to_string()]);

    fees.end_unit(c.id, "B1-020", date(2025, 3, 1)).await.unwrap();

    // The database keeps the rules too: a second live bill of a unit for the month (and of a
    // household's own bill: the key counts a missing unit as one value); a holding moved to
    // another household, or deleted; a standard for both a kind and a unit.
    let before = snapshot(url).await;
    let refused = [
        "INSERT INTO bills (community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue, unit_id)
         SELECT community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue, unit_id FROM bills WHERE unit_id IS NOT NULL LIMIT 1",
        "INSERT INTO bills (community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue, unit_id)
         SELECT community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue, unit_id FROM bills WHERE unit_id IS NULL LIMIT 1",
        "UPDATE units SET household_id = (SELECT MAX(id) FROM households) WHERE code = 'B1-018'",
        "UPDATE units SET held_until = NULL WHERE held_until IS NOT NULL",
        "DELETE FROM units",
        "INSERT INTO fee_standards (community_id, fee_item_id, household_kind, unit_code, rate_yuan, valid_from)
         SELECT community_id, fee_item_id, 'parking', 'B1-018', '1', valid_from FROM fee_standards LIMIT 1",
    ];
    for sql in refused {
        assert!(raw_sql(url, sql).await.is_err(), "accepted: {sql}");
    }
    assert_eq!(snapshot(url).await, before);
}

#[tokio::test]
async fn units_refuse_what_is_not_a_unit_and_the_schema_keeps_their_rules() {
    on_fresh_store!(units_refused)
}
