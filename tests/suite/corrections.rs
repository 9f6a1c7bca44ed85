//! Correcting mistakes without breaking immutability (issue 9): a draft is changed or deleted
//! by its maker before review, a reviewed voucher goes back to draft only by its reviewer, and
//! nothing posted ever changes.

use crate::common;

use common::*;
use mingzhang::domain::money::Fen;
use mingzhang::fees::reports::{aging, collection, household_statement};
use mingzhang::fees::rows::HouseholdRow;
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::{FeeItemSpec, MeterChangeInput, MeterReadingInput, Method, PaymentRequest};
use mingzhang::ledger::voucher::VoucherStatus;
use mingzhang::ledger::Ledger;
use mingzhang::report;
use mingzhang::verify::verify_all;

async fn drafts<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    let junk = voucher(date(2025, 1, 8), vec![line("540101", 800, 0), line("1001", 0, 800)]);
    let id = ledger.draft(&book, "会计甲", &junk).await.unwrap();

    // Only its maker changes a draft; the new lines replace the old ones whole.
    let fixed = voucher(date(2025, 1, 9), vec![line("540101", 860_000, 0), line("100201", 0, 860_000)]);
    let err = ledger.edit_draft(&book, id, "会计乙", &fixed).await.unwrap_err();
    assert!(err.to_string().contains("只有制单人 会计甲"), "{err}");
    let unbalanced = voucher(date(2025, 1, 9), vec![line("540101", 860_000, 0), line("100201", 0, 86_000)]);
    assert_eq!(ledger.edit_draft(&book, id, "会计甲", &unbalanced).await.unwrap_err().code(), "voucher_unbalanced");
    ledger.edit_draft(&book, id, "会计甲", &fixed).await.unwrap();
    let (v, lines) = ledger.voucher(&book, id).await.unwrap();
    assert_eq!(v.voucher_date, date(2025, 1, 9));
    assert_eq!(lines.iter().map(|l| (l.line_no, l.debit_fen, l.credit_fen)).collect::<Vec<_>>(), vec![(1, 860_000, 0), (2, 0, 860_000)]);

    // Reviewed: the maker must wait for the reviewer to send it back.
    ledger.review(&book, id, "主管").await.unwrap();
    let err = ledger.edit_draft(&book, id, "会计甲", &junk).await.unwrap_err();
    assert!(err.to_string().contains("取消审核"), "{err}");
    assert!(ledger.unreview(&book, id, "会计甲").await.unwrap_err().to_string().contains("只有审核人 主管"));
    ledger.unreview(&book, id, "主管").await.unwrap();
    let (v, _) = ledger.voucher(&book, id).await.unwrap();
    assert_eq!((v.status, v.reviewer), (VoucherStatus::Draft, None));

    // A deleted draft leaves no gap: numbers are given at posting.
    ledger.delete_draft(&book, id, "会计甲").await.unwrap();
    assert_eq!(ledger.voucher(&book, id).await.unwrap_err().code(), "not_found");
    let kept = post(&ledger, &book, &fixed).await;
    let (v, _) = ledger.voucher(&book, kept).await.unwrap();
    assert_eq!(v.number, Some(1));

    // Posted: neither changed nor deleted, and the message says what to do instead.
    let err = ledger.edit_draft(&book, kept, "会计", &junk).await.unwrap_err();
    assert!(err.to_string().contains("红字冲销"), "{err}");
    let err = ledger.delete_draft(&book, kept, "会计").await.unwrap_err();
    assert!(err.to_string().contains("红字冲销"), "{err}");
    let err = ledger.post(&book, kept, "主管").await.unwrap_err();
    assert!(err.to_string().contains("不能重复记账"), "posting twice names the real reason: {err}");

    // A reversal draft copies its original: it can be deleted, not edited.
    let reversal = ledger.reverse(&book, kept, "会计甲", date(2025, 1, 20)).await.unwrap();
    assert!(ledger.edit_draft(&book, reversal, "会计甲", &junk).await.unwrap_err().to_string().contains("不能修改"));
    ledger.delete_draft(&book, reversal, "会计甲").await.unwrap();
    ledger.reverse(&book, kept, "会计甲", date(2025, 1, 20)).await.unwrap();

    let tb = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 9).await.unwrap();
    assert_eq!(tb.total.debit_fen, 860_000, "only the posted voucher counts");
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
}

#[tokio::test]
async fn a_draft_is_changed_or_deleted_by_its_maker_before_review_and_never_after_posting() {
    on_fresh_store!(drafts)
}

/// A fee item without late fees.
fn fee_item<'a>(code: &'a str, name: &'a str, basis: FeeBasis, revenue_account: &'a str) -> FeeItemSpec<'a> {
    FeeItemSpec { code, name, basis, revenue_account, late_fee_ppm_per_day: 0, late_fee_cap_percent: 0 }
}

const ONE_HOUSEHOLD: &str = "楼栋,单元,房号,建筑面积,类型,业主,电话\n1,1,101,100.00,住宅,张三,13900000001\n";

/// A book with one household billed 150.00 a month (物业费 1.50/m² on 100 m²) from January.
async fn billed_household<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, months: u32) -> (mingzhang::ledger::Book, HouseholdRow) {
    let book = company_book(ledger).await;
    let c = ledger.community(None).await.unwrap();
    ledger.fees().import_households(c.id, ONE_HOUSEHOLD.as_bytes()).await.unwrap();
    let spec = fee_item("WYF", "物业服务费", FeeBasis::PerM2Month, "500101");
    ledger.fees().add_fee_item(&book, &spec).await.unwrap();
    ledger.fees().add_fee_standard(&book, "WYF", HouseholdKind::Residential, "1.50", date(2025, 1, 1), None).await.unwrap();
    for m in 1..=months {
        ledger.fees().run_billing(&book, period(2025, m), &[], "会计").await.unwrap();
    }
    let h = ledger.fees().households(c.id).await.unwrap().remove(0);
    (book, h)
}

fn balance(tb: &report::TrialBalance, code: &str) -> i64 {
    tb.rows.iter().find(|r| r.code == code).map_or(0, |r| r.closing_fen)
}

async fn late_payment<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let (book, h) = billed_household(&ledger, 2).await;
    // Paid on 20 January, entered after February's billing run.
    let req = PaymentRequest {
        household_id: h.id,
        amount: Fen(30_000),
        method: Method::Cash,
        paid_on: date(2025, 1, 20),
        idempotency_key: "late-1",
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    };
    let receipt = ledger.fees().pay(&book, &req).await.unwrap();
    let settled: Vec<(String, i64)> = receipt.settled.iter().map(|s| (s.period.clone(), s.amount.0)).collect();
    assert_eq!(settled, vec![("2025-01".to_string(), 15_000)], "on 20 January only January was billed");
    assert_eq!(receipt.prepaid, Fen(15_000));
    assert!(ledger.fees().open_bills(&book, Some(h.id)).await.unwrap().is_empty(), "February is settled from the prepayment");
    // The payment's voucher and February's 预收抵扣 wait for the close, which posts both.
    let closed = ledger.fees().close_days(&book, date(2025, 2, 28), "主管").await.unwrap();
    assert_eq!(closed.iter().map(|d| d.date).collect::<Vec<_>>(), vec![date(2025, 1, 20), date(2025, 2, 1)]);

    // At 31 January the subledger and the ledger agree: nothing owed, 150.00 received ahead.
    let jan = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 9).await.unwrap();
    let aging_jan = aging(&ledger.store, &book, period(2025, 1), true).await.unwrap();
    assert_eq!((aging_jan.total.total.0, balance(&jan, "1122")), (0, 0));
    assert_eq!(balance(&jan, "2203").abs(), 15_000);
    let feb = report::trial_balance(&ledger.store, &book, period(2025, 2), period(2025, 2), 9).await.unwrap();
    assert_eq!((balance(&feb, "1122"), balance(&feb, "2203")), (0, 0));

    // Every February bill was paid by February: 当期收缴率 100 %.
    let c = collection(&ledger.store, &book, period(2025, 2), period(2025, 2)).await.unwrap();
    let all = c.lines.iter().find(|l| l.building == "全部").unwrap();
    assert_eq!((all.current_billed.0, all.current_collected.0), (15_000, 15_000));
    assert_eq!(all.current_rate.as_deref(), Some("100.00%"));
    // 当年收缴率 and 预收: January ends 150.00 ahead; by February's end both months are paid.
    let c = collection(&ledger.store, &book, period(2025, 1), period(2025, 2)).await.unwrap();
    let year: Vec<(String, i64, i64, Option<String>, i64)> = c
        .lines
        .iter()
        .filter(|l| l.building == "全部")
        .map(|l| (l.period.clone(), l.year_billed.0, l.year_collected.0, l.year_rate.clone(), l.prepaid.0))
        .collect();
    assert_eq!(
        year,
        vec![
            ("2025-01".into(), 15_000, 15_000, Some("100.00%".into()), 15_000),
            ("2025-02".into(), 30_000, 30_000, Some("100.00%".into()), 0),
        ]
    );
    let text = c.to_table().to_text();
    assert!(text.contains("当年收缴率") && text.contains("预收"), "{text}");

    // Voided, both months reopen and the prepayment is withdrawn.
    ledger.fees().void_receipt(&book, receipt.number, "收款金额有误", "主管", date(2025, 2, 10)).await.unwrap();

    // The statement is as at the date asked, whenever it is printed.
    let at = |d| household_statement(&ledger.store, &book, &h, d);
    let figures = |s: &mingzhang::fees::reports::HouseholdStatement| {
        let bills: Vec<(String, i64, i64)> = s.bills.iter().map(|b| (b.period.clone(), b.paid.0, b.open.0)).collect();
        (bills, s.payments.iter().map(|p| p.voided).collect::<Vec<_>>(), s.prepaid.0, s.open.0)
    };
    let jan19 = at(date(2025, 1, 19)).await.unwrap();
    assert_eq!(figures(&jan19), (vec![("2025-01".into(), 0, 15_000)], vec![], 0, 15_000), "before the payment, February not billed");
    let jan31 = at(date(2025, 1, 31)).await.unwrap();
    assert_eq!(figures(&jan31), (vec![("2025-01".into(), 15_000, 0)], vec![false], 15_000, 0), "paid, 150.00 ahead");
    let feb5 = at(date(2025, 2, 5)).await.unwrap();
    assert_eq!(
        figures(&feb5),
        (vec![("2025-01".into(), 15_000, 0), ("2025-02".into(), 15_000, 0)], vec![false], 0, 0),
        "February settled from the prepayment on its billing day"
    );
    let feb10 = at(date(2025, 2, 10)).await.unwrap();
    assert_eq!(
        figures(&feb10),
        (vec![("2025-01".into(), 0, 15_000), ("2025-02".into(), 0, 15_000)], vec![true], 0, 30_000),
        "voided on 10 February: both open again"
    );
    let open: Vec<i64> = ledger.fees().open_bills(&book, Some(h.id)).await.unwrap().iter().map(|b| b.open_fen).collect();
    assert_eq!(open, vec![15_000, 15_000]);
    assert_eq!(ledger.fees().prepaid(&book, h.id).await.unwrap(), Fen::ZERO);
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
}

#[tokio::test]
async fn a_payment_settles_only_what_was_billed_by_its_date_and_its_prepayment_settles_the_rest_on_their_billing_day() {
    on_fresh_store!(late_payment)
}

async fn building_order<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let book = company_book(&ledger).await;
    let c = ledger.community(None).await.unwrap();
    let csv = "楼栋,单元,房号,建筑面积,类型,业主,电话\n10,1,101,100.00,住宅,甲,1\n2,1,101,100.00,住宅,乙,2\n1,1,1001,100.00,住宅,丙,3\n1,1,201,100.00,住宅,丁,4\n11,1,101,100.00,住宅,戊,5\n";
    ledger.fees().import_households(c.id, csv.as_bytes()).await.unwrap();
    let spec = fee_item("WYF", "物业服务费", FeeBasis::PerM2Month, "500101");
    ledger.fees().add_fee_item(&book, &spec).await.unwrap();
    ledger.fees().add_fee_standard(&book, "WYF", HouseholdKind::Residential, "1.50", date(2025, 1, 1), None).await.unwrap();
    let run = ledger.fees().run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    // The billing voucher lists its buildings in the same order.
    let label = run.voucher.expect("a voucher");
    let number: i64 = label.trim_start_matches("记-").parse().unwrap();
    let v = ledger.voucher_by_label(&book, period(2025, 1), number).await.unwrap();
    let (_, lines) = ledger.voucher(&book, v.id).await.unwrap();
    let order: Vec<String> = lines.iter().filter(|l| l.debit_fen > 0).map(|l| l.summary.clone()).collect();
    assert_eq!(order, vec!["2025-01 物业服务费 1栋", "2025-01 物业服务费 2栋", "2025-01 物业服务费 10栋", "2025-01 物业服务费 11栋"]);
    let labels: Vec<String> =
        ledger.fees().households(c.id).await.unwrap().iter().map(|h| format!("{}-{}-{}", h.building, h.unit, h.room)).collect();
    assert_eq!(labels, vec!["1-1-201", "1-1-1001", "2-1-101", "10-1-101", "11-1-101"]);
    let by_building: Vec<String> =
        aging(&ledger.store, &book, period(2025, 1), false).await.unwrap().lines.into_iter().map(|l| l.key).collect();
    assert_eq!(by_building, vec!["1", "2", "10", "11"]);
    let c = collection(&ledger.store, &book, period(2025, 1), period(2025, 1)).await.unwrap();
    let order: Vec<&str> = c.lines.iter().map(|l| l.building.as_str()).collect();
    assert_eq!(order, vec!["1", "2", "10", "11", "全部"]);
}

#[tokio::test]
async fn buildings_and_rooms_sort_by_their_numbers() {
    on_fresh_store!(building_order)
}

async fn water<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let (book, h) = billed_household(&ledger, 0).await;
    let spec = fee_item("SF", "水费", FeeBasis::Metered, "505101");
    ledger.fees().add_fee_item(&book, &spec).await.unwrap();
    ledger.fees().add_fee_standard(&book, "SF", HouseholdKind::Residential, "3.20", date(2025, 1, 1), None).await.unwrap();
    let items = vec!["SF".to_string()];

    // Never read: the household has no meter, and nothing is billed or listed as held.
    let run = ledger.fees().run_billing(&book, period(2025, 2), &items, "会计").await.unwrap();
    assert_eq!((run.bills, run.held.clone()), (0, Vec::<String>::new()));
    // A first reading with no earlier one: the bill is held and named, never guessed.
    ledger.fees().record_meter_readings(&book, "SF", period(2025, 2), &[MeterReadingInput::new(2, h.id, "8883.40")]).await.unwrap();
    let run = ledger.fees().run_billing(&book, period(2025, 2), &items, "会计").await.unwrap();
    assert_eq!(run.bills, 0, "the whole reading (8,883.40 m³) is not billed as one month's use");
    assert!(run.held[0].contains("缺少上期读数"), "{:?}", run.held);

    // A wrong reading is corrected until it is billed; the start reading is January's.
    ledger.fees().record_meter_readings(&book, "SF", period(2025, 1), &[MeterReadingInput::new(2, h.id, "8100.00")]).await.unwrap();
    ledger.fees().record_meter_readings(&book, "SF", period(2025, 2), &[MeterReadingInput::new(2, h.id, "8112.50")]).await.unwrap();
    let run = ledger.fees().run_billing(&book, period(2025, 2), &items, "会计").await.unwrap();
    assert_eq!((run.bills, run.total, run.held.len()), (1, Fen(4_000), 0), "12.5 m³ × 3.20 = 40.00");
    let err =
        ledger.fees().record_meter_readings(&book, "SF", period(2025, 2), &[MeterReadingInput::new(2, h.id, "8113.00")]).await.unwrap_err();
    assert!(err.to_string().contains("已按此读数计费"), "{err}");
}

#[tokio::test]
async fn a_metered_bill_needs_an_earlier_reading_and_a_reading_is_corrected_until_billed() {
    on_fresh_store!(water)
}

async fn new_meter<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let (book, h) = billed_household(&ledger, 0).await;
    let fees = ledger.fees();
    fees.add_fee_item(&book, &fee_item("SF", "水费", FeeBasis::Metered, "505101")).await.unwrap();
    fees.add_fee_standard(&book, "SF", HouseholdKind::Residential, "3.20", date(2025, 1, 1), None).await.unwrap();
    let items = vec!["SF".to_string()];
    // 新装 in February with its start reading 3.00: the first month bills from it, held for nothing.
    let installed = MeterReadingInput {
        change: Some(MeterChangeInput { old_final: None, new_start: Some("3.00".to_string()) }),
        ..MeterReadingInput::new(2, h.id, "10.00")
    };
    fees.record_meter_readings(&book, "SF", period(2025, 2), &[installed]).await.unwrap();
    let run = fees.run_billing(&book, period(2025, 2), &items, "会计").await.unwrap();
    assert_eq!((run.bills, run.total, run.held.len()), (1, Fen(2_240), 0), "7.00 m³ × 3.20 from the start reading");
    // Now that it has a meter, a month without its reading is held and named.
    let run = fees.run_billing(&book, period(2025, 3), &items, "会计").await.unwrap();
    assert_eq!((run.bills, run.held.clone()), (0, vec!["1-1-101 水费：缺少本月读数".to_string()]));
}

#[tokio::test]
async fn a_new_meter_bills_from_its_start_reading_and_only_households_with_a_meter_are_held() {
    on_fresh_store!(new_meter)
}

async fn meter_change<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, h) = billed_household(&ledger, 0).await;
    let fees = ledger.fees();
    fees.add_fee_item(&book, &fee_item("SF", "水费", FeeBasis::Metered, "505101")).await.unwrap();
    fees.add_fee_standard(&book, "SF", HouseholdKind::Residential, "3.20", date(2025, 1, 1), None).await.unwrap();
    let items = vec!["SF".to_string()];
    fees.record_meter_readings(&book, "SF", period(2025, 1), &[MeterReadingInput::new(2, h.id, "100.00")]).await.unwrap();

    // 换表 in February: the old meter went from 100.00 to 107.00, the new one from 2.00 to 7.50.
    let change = |old: Option<&str>, start: &str| MeterReadingInput {
        change: Some(MeterChangeInput { old_final: old.map(str::to_string), new_start: Some(start.to_string()) }),
        ..MeterReadingInput::new(4, h.id, "7.50")
    };
    let before = snapshot(url).await;
    let err = fees.record_meter_readings(&book, "SF", period(2025, 2), &[change(Some("99"), "2")]).await.unwrap_err();
    assert!(err.to_string().contains("第 4 行") && err.to_string().contains("旧表止数"), "{err}");
    let err = fees.record_meter_readings(&book, "SF", period(2025, 2), &[change(Some("107"), "8")]).await.unwrap_err();
    assert!(err.to_string().contains("新表起数"), "{err}");
    assert_eq!(snapshot(url).await, before, "refused readings leave nothing behind");
    fees.record_meter_readings(&book, "SF", period(2025, 2), &[change(Some("107.00"), "2.00")]).await.unwrap();
    let run = fees.run_billing(&book, period(2025, 2), &items, "会计").await.unwrap();
    assert_eq!(run.total, Fen(4_000), "(7.00 + 5.50) m³ × 3.20 = 40.00, not 7.50 m³ from zero");

    // March is measured on the new meter from its February reading.
    fees.record_meter_readings(&book, "SF", period(2025, 3), &[MeterReadingInput::new(2, h.id, "10.00")]).await.unwrap();
    let run = fees.run_billing(&book, period(2025, 3), &items, "会计").await.unwrap();
    assert_eq!(run.total, Fen(800), "2.50 m³ × 3.20");
}

async fn rate_change<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, _) = billed_household(&ledger, 2).await;
    let fees = ledger.fees();
    // February was billed on 1 February at 1.50: a new rate cannot start on that day.
    let before = snapshot(url).await;
    let err = fees.add_fee_standard(&book, "WYF", HouseholdKind::Residential, "1.80", date(2025, 2, 1), None).await.unwrap_err();
    assert!(err.to_string().contains("已按现行标准 1.5 元计费"), "{err}");
    assert_eq!(snapshot(url).await, before);
    // From 15 February (March is the first month billed after it) the old rate ends, with no
    // other step.
    fees.add_fee_standard(&book, "WYF", HouseholdKind::Residential, "1.80", date(2025, 2, 15), None).await.unwrap();
    let standards: Vec<(String, Option<chrono::NaiveDate>)> =
        fees.fee_standards(&book).await.unwrap().into_iter().map(|(_, s)| (s.rate_yuan, s.valid_until)).collect();
    assert_eq!(standards, vec![("1.5".to_string(), Some(date(2025, 2, 15))), ("1.8".to_string(), None)]);
    let run = fees.run_billing(&book, period(2025, 3), &[], "会计").await.unwrap();
    assert_eq!(run.total, Fen(18_000), "100 m² × 1.80");
}

#[tokio::test]
async fn a_new_rate_ends_the_old_one_unless_months_from_its_date_are_already_billed() {
    on_fresh_store!(rate_change)
}

#[test]
fn import_errors_name_the_row_the_spreadsheet_shows_counting_blank_rows() {
    let header = ["楼栋", "单元", "房号", "建筑面积", "类型", "业主", "电话"];
    let good = ["1", "1", "101", "88.50", "住宅", "张三", "13900000001"];
    let bad = ["1", "1", "102", "八十", "住宅", "李四", "13900000002"];
    // The households read back from a sheet with these rows (0-based) filled.
    let import_sheet = |rows: [(u32, [&str; 7]); 3]| {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (row, cells) in rows {
            for (col, text) in cells.iter().enumerate() {
                sheet.write_string(row, col as u16, *text).unwrap();
            }
        }
        mingzhang::fees::parse_households(&workbook.save_to_buffer().unwrap()).unwrap_err().to_string()
    };
    // Rows 1 and 2 are blank above the header (row 3); rows 5–6 are blank too.
    let err = import_sheet([(2, header), (3, good), (6, bad)]);
    assert!(err.contains("第 7 行“建筑面积”列"), "Excel row 7: {err}");
    let err = import_sheet([(0, header), (1, good), (4, bad)]);
    assert!(err.contains("第 5 行“建筑面积”列"), "Excel row 5, not the 3rd row read: {err}");
    let csv = format!("{}\n{}\n\n\n{}\n", header.join(","), good.join(","), bad.join(","));
    let err = mingzhang::fees::parse_households(csv.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("第 5 行“建筑面积”列"), "line 5 of the CSV file: {err}");
}

#[tokio::test]
async fn a_replaced_meter_counts_the_old_meters_last_use_and_the_new_meters_first_reading() {
    on_fresh_store!(meter_change)
}

async fn named_bills<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let (book, h) = billed_household(&ledger, 1).await;
    let bill = ledger.fees().open_bills(&book, Some(h.id)).await.unwrap().remove(0);
    // The statement shows the bill number that `waive --bill` asks for.
    let st = mingzhang::fees::reports::household_statement(&ledger.store, &book, &h, date(2025, 1, 31)).await.unwrap();
    let text = st.to_table().to_text();
    assert!(text.contains("账单号") && text.contains(&format!("\n{} ", bill.id)), "{text}");
    // The waiver's voucher names the household, the month, the item and the bill.
    let waived = ledger.fees().waive(&book, bill.id, Fen(5_000), "困难户减免", "主任", date(2025, 1, 20)).await.unwrap();
    assert_eq!(waived.bill, format!("1-1-101 2025-01 物业服务费（账单 #{}）", bill.id), "what the confirmation prints");
    let tb = report::account_ledger(&ledger.store, &book, "1122", period(2025, 1), period(2025, 1)).await.unwrap();
    let text = tb.to_table().to_text();
    assert!(text.contains(&format!("减免 1-1-101 2025-01 物业服务费（账单 #{}）", bill.id)), "{text}");
}

#[tokio::test]
async fn bills_show_their_numbers_and_a_waiver_names_the_household() {
    on_fresh_store!(named_bills)
}

async fn method_accounts<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, h) = billed_household(&ledger, 1).await;
    let fees = ledger.fees();
    // 微信 and 支付宝 apart under 其他货币资金, as the accountant keeps them.
    ledger.add_account(&book, "101201", "微信").await.unwrap();
    ledger.add_account(&book, "101202", "支付宝").await.unwrap();
    let book = fees.book(&book).await.unwrap();
    let req = |key: &'static str, method| PaymentRequest {
        household_id: h.id,
        amount: Fen(5_000),
        method,
        paid_on: date(2025, 1, 10),
        idempotency_key: key,
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    };
    let before = snapshot(url).await;
    let err = fees.pay(&book, &req("w0", Method::Wechat)).await.unwrap_err();
    assert!(err.to_string().contains("fee settings --account 微信="), "{err}");
    assert_eq!(snapshot(url).await, before, "nothing is written");
    let err = fees.set_method_account(&book, Method::Cash, "500101").await.unwrap_err();
    assert!(err.to_string().contains("末级科目"), "{err}");
    fees.set_method_account(&book, Method::Wechat, "101201").await.unwrap();
    fees.set_method_account(&book, Method::Alipay, "支付宝").await.unwrap();
    let book = fees.book(&book).await.unwrap();
    fees.pay(&book, &req("w1", Method::Wechat)).await.unwrap();
    fees.pay(&book, &req("a1", Method::Alipay)).await.unwrap();
    fees.close_days(&book, date(2025, 1, 10), "主管").await.unwrap();
    let tb = report::trial_balance(&ledger.store, &book, period(2025, 1), period(2025, 1), 9).await.unwrap();
    assert_eq!((balance(&tb, "101201"), balance(&tb, "101202"), balance(&tb, "1122")), (5_000, 5_000, 5_000));
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
}

#[tokio::test]
async fn each_payment_method_is_booked_to_the_account_the_book_sets() {
    on_fresh_store!(method_accounts)
}
