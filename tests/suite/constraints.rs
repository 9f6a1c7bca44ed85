//! No silent defaults at the storage boundary: a write that breaks a named constraint is a
//! conflict naming the field (never "internal"); a stored value the program cannot read is an
//! error naming it (never a zero); an account id a book lacks is an error (never "?").

use crate::common;

use common::*;
use mingzhang::domain::ids::{AccountId, HouseholdId};
use mingzhang::fees::rows::FeeItemRow;
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::store::FeesStore;
use mingzhang::fees::store::FeesTx;
use mingzhang::fees::{FeeItemSpec, MeterReadingInput};
use mingzhang::ledger::Ledger;
use mingzhang::Error;

const HOUSEHOLDS: &str = "楼栋,单元,房号,建筑面积,类型,业主,电话\n1,1,101,89.50,住宅,张三,13900000001\n";

async fn water_book<S: FeesStore>(ledger: &Ledger<S>) -> (mingzhang::ledger::Book, HouseholdId) {
    let book = company_book(ledger).await;
    let fees = ledger.fees();
    fees.import_households(book.row.community_id, HOUSEHOLDS.as_bytes()).await.unwrap();
    let spec = FeeItemSpec {
        code: "SF",
        name: "水费",
        basis: FeeBasis::Metered,
        revenue_account: "500101",
        late_fee_ppm_per_day: 0,
        late_fee_cap_percent: 0,
    };
    fees.add_fee_item(&book, &spec).await.unwrap();
    fees.add_fee_standard(&book, "SF", HouseholdKind::Residential, "3.5", date(2025, 1, 1), None).await.unwrap();
    let h = fees.households(book.row.community_id).await.unwrap()[0].id;
    (book, h)
}

async fn duplicates_are_conflicts_naming_the_field<S: FeesStore>(ledger: Ledger<S>, url: &str) {
    let (book, h) = water_book(&ledger).await;
    let fees = ledger.fees();
    fees.record_meter_readings(&book, "SF", period(2025, 1), &[MeterReadingInput::new(2, h, "100")]).await.unwrap();
    // A reading entered again corrects the month's one (the key keeps one per month)…
    fees.record_meter_readings(&book, "SF", period(2025, 1), &[MeterReadingInput::new(2, h, "120")]).await.unwrap();
    assert!(snapshot(url).await.contains("120"), "the corrected reading is stored");
    // …but the same household twice in one batch is refused, naming the row.
    let before = snapshot(url).await;
    let twice = [MeterReadingInput::new(2, h, "130"), MeterReadingInput::new(3, h, "131")];
    let err = fees.record_meter_readings(&book, "SF", period(2025, 1), &twice).await.unwrap_err();
    assert!(err.to_string().contains("第 3 行") && err.to_string().contains("两次"), "{err}");
    assert_eq!(snapshot(url).await, before, "a refused write leaves nothing behind");

    // The same through the storage interface: the database's own key answers, by name.
    let mut tx = ledger.store.begin().await.unwrap();
    let item = FeeItemRow {
        id: mingzhang::domain::ids::FeeItemId(0),
        code: "SF".into(),
        name: "水费".into(),
        basis: FeeBasis::Metered,
        revenue_account_id: book.account_id("500101").unwrap(),
        late_fee_ppm_per_day: 0,
        late_fee_cap_percent: 0,
        vat_rate: None,
    };
    let err = tx.insert_fee_item(book.key(), &item).await.unwrap_err();
    assert!(matches!(err, Error::Constraint { field: "收费项目编码", .. }), "{err:?}");
    drop(tx);
}

async fn unreadable_values_are_errors_not_zeros<S: FeesStore>(ledger: Ledger<S>, url: &str) {
    let (book, h) = water_book(&ledger).await;
    let fees = ledger.fees();
    fees.record_meter_readings(&book, "SF", period(2025, 1), &[MeterReadingInput::new(2, h, "100")]).await.unwrap();
    fees.record_meter_readings(&book, "SF", period(2025, 2), &[MeterReadingInput::new(2, h, "130")]).await.unwrap();
    // Someone with the database password writes a reading the program cannot read: February's
    // bill must not silently treat January's as 0 and bill the whole meter.
    raw_sql(url, "UPDATE meter_readings SET reading = 'abc' WHERE period = 202501").await.unwrap();
    let err = fees.run_billing(&book, period(2025, 2), &[], "会计").await.unwrap_err();
    assert!(err.to_string().contains("抄表读数") && err.to_string().contains("abc"), "{err}");
    assert!(book.code_of(AccountId(987_654)).is_err(), "an account the book lacks is an error, not a placeholder");
    assert_eq!(book.code_of(book.account_id("1001").unwrap()).unwrap(), "1001");
}

#[tokio::test]
async fn duplicates() {
    on_fresh_store!(duplicates_are_conflicts_naming_the_field);
}

#[tokio::test]
async fn unreadable_values() {
    on_fresh_store!(unreadable_values_are_errors_not_zeros);
}

/// Everyone a voucher records is a user (DESIGN.md §2): the ledger refuses a maker who is not
/// one with an error naming the rule, and the schema refuses the same name written past the
/// program (a trigger on SQLite, a foreign key on PostgreSQL).
async fn people_recorded_are_users<S: FeesStore>(ledger: Ledger<S>, url: &str) {
    let book = company_book(&ledger).await;
    let input = voucher(date(2025, 1, 8), vec![line("1001", 1_000, 0), line("500102", 0, 1_000)]);
    let err = ledger.draft(&book, "路人甲", &input).await.unwrap_err();
    assert!(matches!(err, Error::Constraint { field: "经办人", .. }), "{err:?}");
    assert!(err.to_string().contains("不是本系统的用户"), "{err}");
    let id = ledger.draft(&book, "会计甲", &input).await.unwrap();
    for sql in [
        format!("UPDATE vouchers SET maker = '路人甲' WHERE id = {id}"),
        format!("UPDATE vouchers SET status = 'reviewed', reviewer = '路人乙' WHERE id = {id}"),
    ] {
        let by_hand = raw_sql(url, &sql).await;
        assert!(by_hand.is_err(), "{sql}: {by_hand:?}");
    }
    let (draft, _) = ledger.voucher(&book, id).await.unwrap();
    assert_eq!((draft.maker.as_str(), draft.reviewer), ("会计甲", None));
}

#[tokio::test]
async fn people_are_users() {
    on_fresh_store!(people_recorded_are_users);
}
