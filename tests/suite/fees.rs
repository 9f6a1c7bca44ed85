//! Property fees: households in from CSV and XLSX, fee standards, billing runs, payments with
//! receipts, prepayments, waivers, and invariant 5 (the household subledger ties to 应收账款 +
//! 预收账款), on both engines.

use crate::common;

use common::*;
use mingzhang::domain::ids::HouseholdId;
use mingzhang::domain::ids::VoucherId;
use mingzhang::domain::money::Fen;
use mingzhang::fees::paper::CodeLine;
use mingzhang::fees::rows::HouseholdRow;
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::store::FeesTx;
use mingzhang::fees::{Alongside, FeeItemSpec, Method, PaymentGroup, PaymentRequest, Receipt};
use mingzhang::ledger::{Book, Ledger};
use mingzhang::verify::verify_all;

const HOUSEHOLDS: &str = "楼栋,单元,房号,建筑面积,类型,业主,电话,入住日期
1,1,101,89.37,住宅,张三,13800000001,2020-05-01
1,1,102,120.50,住宅,李四,13800000002,
2,1,201,100.00,住宅,王五,13800000003,2025-03-21
S,,S01,45.00,商铺,赵六商行,13800000004,
P,,P-001,12.50,车位,钱七,13800000005,
";

/// The company book with households, 物业费 by area (1.50 住宅, 3.00 商铺) and 停车费 (150.00
/// per parking space per month).
async fn community_with_fees<S: mingzhang::app::AppStore>(ledger: &Ledger<S>) -> (Book, Vec<HouseholdRow>) {
    let book = company_book(ledger).await;
    fees_of(ledger, book).await
}

/// `community_with_fees` for another community, named `name`.
async fn another_community_with_fees<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, name: &str) -> (Book, Vec<HouseholdRow>) {
    let c = ledger.create_community(name).await.unwrap();
    let book = ledger.create_book(c.id, "company", "测试物业公司", "small_enterprise", period(2025, 1)).await.unwrap();
    fees_of(ledger, book).await
}

/// The households and fee items of `community_with_fees` in `book`'s community.
async fn fees_of<S: mingzhang::app::AppStore>(ledger: &Ledger<S>, book: Book) -> (Book, Vec<HouseholdRow>) {
    let c = book.row.community_id;
    ledger.fees().import_households(c, HOUSEHOLDS.as_bytes()).await.unwrap();
    let spec = |code, name, basis, account| FeeItemSpec {
        code,
        name,
        basis,
        revenue_account: account,
        late_fee_ppm_per_day: 0,
        late_fee_cap_percent: 0,
    };
    ledger.fees().add_fee_item(&book, &spec("WYF", "物业费", FeeBasis::PerM2Month, "500101")).await.unwrap();
    ledger.fees().add_fee_item(&book, &spec("TCF", "停车费", FeeBasis::FixedMonth, "500102")).await.unwrap();
    let from = date(2024, 1, 1);
    ledger.fees().add_fee_standard(&book, "WYF", HouseholdKind::Residential, "1.50", from, None).await.unwrap();
    ledger.fees().add_fee_standard(&book, "WYF", HouseholdKind::Commercial, "3.00", from, None).await.unwrap();
    ledger.fees().add_fee_standard(&book, "TCF", HouseholdKind::Parking, "150", from, None).await.unwrap();
    let households = ledger.fees().households(c).await.unwrap();
    (book, households)
}

fn find<'a>(hs: &'a [HouseholdRow], label: &str) -> &'a HouseholdRow {
    hs.iter().find(|h| mingzhang::fees::household_label(h) == label).unwrap()
}

async fn households<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let c = ledger.create_community("住户导入").await.unwrap();
    let first = ledger.fees().import_households(c.id, HOUSEHOLDS.as_bytes()).await.unwrap();
    assert_eq!((first.added, first.changed, first.unchanged), (5, 0, 0));
    let again = ledger.fees().import_households(c.id, HOUSEHOLDS.as_bytes()).await.unwrap();
    assert_eq!((again.added, again.changed, again.unchanged), (0, 0, 5), "re-importing the same file changes nothing");
    let changed = HOUSEHOLDS.replace("1,1,102,120.50,住宅,李四", "1,1,102,120.50,住宅,李四（已过户给李小四）");
    let r = ledger.fees().import_households(c.id, changed.as_bytes()).await.unwrap();
    assert_eq!((r.added, r.changed, r.unchanged), (0, 1, 4));
    let snap = snapshot(url).await;
    let history = snap.split("== household_history").nth(1).and_then(|s| s.split("== ").next()).unwrap_or("");
    assert!(history.contains("李四") && !history.contains("已过户"), "the earlier owner is kept in household_history: {history}");

    let before = snapshot(url).await;
    let bad = "楼栋,单元,房号,建筑面积,类型,业主
1,1,301,-5,住宅,甲
1,1,302,88.123,住宅,乙
1,1,303,90,别墅,丙
1,1,304,90,住宅,丁
1,1,304,91,住宅,戊
1,1,305,abc,住宅,己
";
    let err = ledger.fees().import_households(c.id, bad.as_bytes()).await.unwrap_err().to_string();
    for expected in [
        "有 5 行错误",
        "第 2 行“建筑面积”列：“-5”须大于零",
        "第 3 行“建筑面积”列：“88.123”最多两位小数",
        "第 4 行“类型”列：“别墅”不是住宅、商铺、车库或车位",
        "第 6 行“房号”列：1-1-304 与第 5 行重复",
        "第 7 行“建筑面积”列：“abc”不是数字",
    ] {
        assert!(err.contains(expected), "«{err}» lacks «{expected}»");
    }
    assert_eq!(snapshot(url).await, before, "a file with bad rows writes nothing");

    let xlsx = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/households.xlsx")).unwrap();
    let c2 = ledger.create_community("Excel 导入").await.unwrap();
    let r = ledger.fees().import_households(c2.id, &xlsx).await.unwrap();
    assert_eq!(r.added, 4);
    let hs = ledger.fees().households(c2.id).await.unwrap();
    let shop = find(&hs, "2-S01");
    assert_eq!((shop.area_m2_hundredths.0, shop.kind.as_str(), shop.move_in_date), (4500, "commercial", Some(date(2025, 3, 21))));
    assert_eq!(find(&hs, "1-1-101").area_m2_hundredths.0, 8937);
}

#[tokio::test]
async fn households_import_from_csv_and_xlsx_idempotently_and_bad_files_write_nothing() {
    on_fresh_store!(households)
}

async fn billing<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, hs) = community_with_fees(&ledger).await;
    // A second rate from the same day overlaps; a later one is a rate change (tests/corrections.rs).
    let err = ledger.fees().add_fee_standard(&book, "WYF", HouseholdKind::Residential, "1.80", date(2024, 1, 1), None).await.unwrap_err();
    assert!(err.to_string().contains("重叠"), "{err}");

    let run = ledger.fees().run_billing(&book, period(2025, 3), &[], "会计甲").await.unwrap();
    // 89.37×1.5 = 134.055 → 134.06; 120.50×1.5 = 180.75; 201 moved in on 21 March: 100×1.5×11/31
    // = 53.2258… → 53.23; the shop 45×3 = 135.00; the parking space 150.00.
    assert_eq!(run.bills, 5);
    assert_eq!(run.total, Fen(13406 + 18075 + 5323 + 13500 + 15000));
    let again = ledger.fees().run_billing(&book, period(2025, 3), &[], "会计甲").await.unwrap();
    assert_eq!((again.bills, again.voucher), (0, None), "running a month twice bills nothing new");
    let open = ledger.fees().open_bills(&book, Some(find(&hs, "2-1-201").id)).await.unwrap();
    assert_eq!(open[0].amount_fen, 5323);

    let (v, lines) = ledger.voucher(&book, VoucherId(1)).await.unwrap();
    assert_eq!((v.status.as_str(), v.maker.as_str(), v.reviewer.as_deref()), ("posted", "系统", Some("会计甲")));
    let receivable: i64 = lines.iter().filter(|l| book.code_of(l.account_id).unwrap() == "1122").map(|l| l.debit_fen).sum();
    assert_eq!(receivable, run.total.0);
    assert!(lines.iter().any(|l| l.summary == "2025-03 物业费 1栋" && l.debit_fen == 13406 + 18075), "summed per building and item");

    // A new rate never rewrites past bills.
    ledger.fees().add_fee_standard(&book, "TCF", HouseholdKind::Garage, "80", date(2025, 4, 1), None).await.unwrap();
    assert_eq!(ledger.fees().open_bills(&book, Some(find(&hs, "P-P-001").id)).await.unwrap()[0].amount_fen, 15000);

    ledger.close_period(&book, period(2025, 1), "主管乙").await.unwrap();
    let before = snapshot(url).await;
    let err = ledger.fees().run_billing(&book, period(2025, 1), &[], "会计甲").await.unwrap_err();
    assert_eq!(err.code(), "period_closed");
    // A payment dated in the closed month is refused naming the date as typed, not the 1st.
    let late = PaymentRequest {
        household_id: hs[0].id,
        amount: Fen(10_000),
        method: Method::Cash,
        paid_on: date(2025, 1, 30),
        idempotency_key: "closed-month",
        cashier: "出纳丙",
        bill_ids: None,
        note: Default::default(),
    };
    let err = ledger.fees().pay(&book, &late).await.unwrap_err();
    assert_eq!(err.code(), "period_closed");
    assert!(err.to_string().contains("2025-01-30"), "{err}");
    assert_eq!(snapshot(url).await, before);
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:#?}", report.findings);
}

#[tokio::test]
async fn billing_runs_bill_by_area_fixed_and_days_once_per_month_with_one_summary_voucher() {
    on_fresh_store!(billing)
}

/// A bill's run, book, month and fee item agree in the schema too (migration 0041: a bill
/// names its run's row for its fee item): the database refuses a bill put in another month
/// than its run's, on a fee item of the book that the run did not bill, on a fee item of
/// another book, or in another book, and a run's row cannot be taken away from its bills.
async fn bills_name_their_runs_item<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = two_households(&ledger, "计费批次约束", "1.50").await;
    let c = book.row.community_id;
    ledger.fees().run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    // A fee item the January run did not bill, and a second book of the community with one.
    let spec = |code| FeeItemSpec {
        code,
        name: "停车费",
        basis: FeeBasis::FixedMonth,
        revenue_account: "500102",
        late_fee_ppm_per_day: 0,
        late_fee_cap_percent: 0,
    };
    ledger.fees().add_fee_item(&book, &spec("TCF")).await.unwrap();
    let second = ledger.create_book(c, "shops", "测试商业管理公司", "small_enterprise", period(2025, 1)).await.unwrap();
    ledger.fees().add_fee_item(&second, &spec("TCF")).await.unwrap();
    let copy = |period: &str, fee_item: &str, book: &str| {
        format!(
            "INSERT INTO bills (community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue, unit_id)
             SELECT community_id, {book}, household_id, {fee_item}, {period}, amount_fen, billing_run_id, issue + 1, unit_id
             FROM bills WHERE community_id = {c} LIMIT 1"
        )
    };
    let other_item = format!("(SELECT MAX(id) FROM fee_items WHERE community_id = {c} AND book_id = {})", book.row.id.0);
    let other_books_item = format!("(SELECT MAX(id) FROM fee_items WHERE community_id = {c} AND book_id = {})", second.row.id.0);
    let refused = [
        copy(&period(2025, 2).key().to_string(), "fee_item_id", "book_id"),
        copy("period", &other_item, "book_id"),
        copy("period", &other_books_item, "book_id"),
        copy("period", &other_books_item, &second.row.id.0.to_string()),
        copy("period", "fee_item_id", &second.row.id.0.to_string()),
        format!("DELETE FROM billing_run_items WHERE community_id = {c}"),
        format!("UPDATE billing_run_items SET period = period + 1 WHERE community_id = {c}"),
    ];
    let before = snapshot(url).await;
    for sql in &refused {
        assert!(raw_sql(url, sql).await.is_err(), "accepted: {sql}");
    }
    assert_eq!(snapshot(url).await, before);
    // The same bill as its run's (a second issue of the month) is taken: only the rule refused.
    assert_eq!(raw_sql(url, &copy("period", "fee_item_id", "book_id")).await.unwrap(), 1);
}

#[tokio::test]
async fn a_bills_month_book_and_fee_item_are_its_runs_in_the_schema() {
    on_fresh_store!(bills_name_their_runs_item)
}

async fn payments<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, hs) = community_with_fees(&ledger).await;
    for m in 3..=5 {
        ledger.fees().run_billing(&book, period(2025, m), &[], "会计甲").await.unwrap();
    }
    let zhang = find(&hs, "1-1-101");
    let pay = |amount: i64, key: &'static str| PaymentRequest {
        household_id: zhang.id,
        amount: Fen(amount),
        method: Method::Wechat,
        paid_on: date(2025, 5, 10),
        idempotency_key: key,
        cashier: "出纳丙",
        bill_ids: None,
        note: Default::default(),
    };
    // Three months of 134.06 are open; 300.00 settles March and April and 31.88 of May.
    let receipt = ledger.fees().pay(&book, &pay(30_000, "wx-0001")).await.unwrap();
    assert_eq!(receipt.number, 1);
    assert_eq!(receipt.label, "No.000001");
    assert_eq!(receipt.amount_in_words, "叁佰元整");
    let settled: Vec<(String, i64)> = receipt.settled.iter().map(|s| (s.period.clone(), s.amount.0)).collect();
    assert_eq!(settled, vec![("2025-03".into(), 13406), ("2025-04".into(), 13406), ("2025-05".into(), 3188)]);
    assert_eq!(receipt.prepaid, Fen::ZERO);
    let replay = ledger.fees().pay(&book, &pay(30_000, "wx-0001")).await.unwrap();
    assert!(replay.replayed);
    assert_eq!((replay.number, replay.settled.len()), (1, 3), "the same key records one payment and returns the first receipt");

    // Paying ahead: 1,000.00 settles May's 102.18 and leaves 897.82 prepaid…
    let ahead = ledger.fees().pay(&book, &pay(100_000, "wx-0002")).await.unwrap();
    assert_eq!((ahead.number, ahead.prepaid), (2, Fen(100_000 - 10_218)));
    assert_eq!(ledger.fees().prepaid(&book, zhang.id).await.unwrap(), Fen(89_782));
    // …which the next billing run applies by itself.
    let june = ledger.fees().run_billing(&book, period(2025, 6), &[], "会计甲").await.unwrap();
    assert_eq!(june.prepayment_applied, Fen(13406));
    assert!(ledger.fees().open_bills(&book, Some(zhang.id)).await.unwrap().is_empty());
    assert_eq!(ledger.fees().prepaid(&book, zhang.id).await.unwrap(), Fen(89_782 - 13406));

    // Naming bills: Li pays June first, then a bill of another household is refused.
    let li = find(&hs, "1-1-102");
    let li_bills = ledger.fees().open_bills(&book, Some(li.id)).await.unwrap();
    let june_bill = li_bills.iter().find(|b| b.period.key() == 202506).unwrap().id;
    let named = PaymentRequest {
        household_id: li.id,
        bill_ids: Some(vec![june_bill]),
        note: Default::default(),
        idempotency_key: "bank-1",
        method: Method::Bank,
        amount: Fen(18075),
        paid_on: date(2025, 6, 10),
        ..pay(0, "")
    };
    // A bill not yet billed on the payment's date cannot be named.
    let early = PaymentRequest { paid_on: date(2025, 5, 31), idempotency_key: "bank-0", ..named.clone() };
    let err = ledger.fees().pay(&book, &early).await.unwrap_err();
    assert!(err.to_string().contains("尚未计费"), "{err}");
    let r = ledger.fees().pay(&book, &named).await.unwrap();
    assert_eq!(r.settled.iter().map(|s| s.period.as_str()).collect::<Vec<_>>(), vec!["2025-06"]);
    // A retry names a bill its first run settled: still the first receipt, not an error.
    let retry = ledger.fees().pay(&book, &named).await.unwrap();
    assert!(retry.replayed);
    assert_eq!((retry.number, retry.settled.len(), retry.amount), (r.number, 1, Fen(18075)));
    let before = snapshot(url).await;
    let other = PaymentRequest {
        household_id: li.id,
        bill_ids: Some(vec![ledger.fees().open_bills(&book, Some(find(&hs, "S-S01").id)).await.unwrap()[0].id]),
        note: Default::default(),
        idempotency_key: "bank-2",
        ..pay(100, "")
    };
    let err = ledger.fees().pay(&book, &other).await.unwrap_err();
    assert!(err.to_string().contains("不是住户 1-1-102 的未结清账单"), "{err}");
    for (amount, key, household, words) in [
        (0, "z", zhang.id, "须大于零"),
        (-100, "n", zhang.id, "须大于零"),
        (100, "u", mingzhang::domain::ids::HouseholdId(999_999), "住户 #999999"),
    ] {
        let err = ledger
            .fees()
            .pay(&book, &PaymentRequest { household_id: household, idempotency_key: key, ..pay(amount, "") })
            .await
            .unwrap_err();
        assert!(err.to_string().contains(words), "{err}");
    }
    assert_eq!(snapshot(url).await, before, "refused payments write nothing");

    // A waiver settles what is left of a bill, with its reason and approver.
    let shop_bill = ledger.fees().open_bills(&book, Some(find(&hs, "S-S01").id)).await.unwrap()[0].clone();
    let err =
        ledger.fees().waive(&book, shop_bill.id, Fen(shop_bill.open_fen + 1), "疫情减免", "主任丁", date(2025, 6, 20)).await.unwrap_err();
    assert!(err.to_string().contains("超过账单未结清金额"), "{err}");
    ledger.fees().waive(&book, shop_bill.id, Fen(shop_bill.open_fen), "疫情期间商铺减免", "主任丁", date(2025, 6, 20)).await.unwrap();
    assert!(ledger.fees().open_bills(&book, Some(find(&hs, "S-S01").id)).await.unwrap().iter().all(|b| b.id != shop_bill.id));

    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:#?}", report.findings);
}

#[tokio::test]
async fn payments_settle_oldest_bills_first_keep_prepayments_and_are_recorded_once_per_key() {
    on_fresh_store!(payments)
}

/// What a group commit's `alongside` was given, call by call: each request's new receipt
/// number, or None for one not recorded in that transaction.
#[derive(Default)]
struct Given(std::sync::Mutex<Vec<Vec<Option<i64>>>>);

impl<T: Send> Alongside<T> for Given {
    async fn write(&self, _: &mut T, new: &[Option<&Receipt>]) -> mingzhang::error::Result<()> {
        self.0.lock().unwrap().push(new.iter().map(|r| r.map(|r| r.number)).collect());
        Ok(())
    }
}

impl Given {
    fn calls(&self) -> Vec<Vec<Option<i64>>> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Two communities' payments recorded together, as the server's group commit records a batch
/// (`pay_groups`): all new, in one transaction with one `alongside` for all; with one refused,
/// each community's group in a transaction of its own, the refused one answered with its
/// reason and the rest standing; a key already taken answered with its first receipt. Each
/// community's receipts run without a gap, and the books verify. Two batches naming the same
/// two books in opposite orders, at once, take the books' rows in one order and never
/// deadlock (a deadlock would fail one batch's shared transaction, and its groups would then
/// be recorded one by one, each with an `alongside` of its own).
async fn groups_of_communities<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let (a, hs_a) = community_with_fees(&ledger).await;
    let (b, hs_b) = another_community_with_fees(&ledger, "第二社区").await;
    for book in [&a, &b] {
        ledger.fees().run_billing(book, period(2025, 3), &[], "会计甲").await.unwrap();
    }
    fn pay(household: HouseholdId, key: &str) -> PaymentRequest<'_> {
        PaymentRequest {
            household_id: household,
            amount: Fen(10_000),
            method: Method::Cash,
            paid_on: date(2025, 3, 10),
            idempotency_key: key,
            cashier: "出纳丙",
            bill_ids: None,
            note: Default::default(),
        }
    }
    let numbers = |answers: &[Vec<mingzhang::error::Result<Receipt>>]| -> Vec<Vec<Result<(i64, bool), String>>> {
        answers.iter().map(|g| g.iter().map(|r| r.as_ref().map(|r| (r.number, r.replayed)).map_err(|e| e.to_string())).collect()).collect()
    };
    let (zhang_a, li_a, zhang_b) = (find(&hs_a, "1-1-101").id, find(&hs_a, "1-1-102").id, find(&hs_b, "1-1-101").id);
    let given = Given::default();

    // All new: one transaction, one alongside given every receipt in the requests' order.
    let first_a = [pay(zhang_a, "a1"), pay(li_a, "a2")];
    let first_b = [pay(zhang_b, "b1")];
    let answers =
        ledger.fees().pay_groups(&[PaymentGroup { book: &a, reqs: &first_a }, PaymentGroup { book: &b, reqs: &first_b }], &given).await;
    assert_eq!(numbers(&answers), vec![vec![Ok((1, false)), Ok((2, false))], vec![Ok((1, false))]]);
    assert_eq!(given.calls(), vec![vec![Some(1), Some(2), Some(1)]]);

    // One refused (no such household): each group on its own, the others recorded.
    let second_a = [pay(zhang_a, "a3")];
    let second_b = [pay(HouseholdId(987_654), "b2"), pay(zhang_b, "b3")];
    let answers =
        ledger.fees().pay_groups(&[PaymentGroup { book: &a, reqs: &second_a }, PaymentGroup { book: &b, reqs: &second_b }], &given).await;
    let got = numbers(&answers);
    assert_eq!(got[0], vec![Ok((3, false))]);
    assert!(matches!(&got[1][0], Err(e) if e.contains("987654")), "the refusal names the household: {:?}", got[1][0]);
    assert_eq!(got[1][1], Ok((2, false)), "the refused payment left no gap in the receipt numbers");
    assert_eq!(given.calls(), vec![vec![Some(3), None, None], vec![None, None, Some(2)]], "each group its own part of alongside");

    // A key already taken: its first receipt again; the other group's payment recorded.
    let third_a = [pay(zhang_a, "a1")];
    let third_b = [pay(zhang_b, "b4")];
    let answers =
        ledger.fees().pay_groups(&[PaymentGroup { book: &a, reqs: &third_a }, PaymentGroup { book: &b, reqs: &third_b }], &given).await;
    assert_eq!(numbers(&answers), vec![vec![Ok((1, true))], vec![Ok((3, false))]]);
    assert_eq!(given.calls(), vec![vec![None, None], vec![None, Some(3)]]);

    // One key in both books: each book's payment is its own, in one transaction.
    let (same_a, same_b) = ([pay(zhang_a, "same")], [pay(zhang_b, "same")]);
    let answers =
        ledger.fees().pay_groups(&[PaymentGroup { book: &a, reqs: &same_a }, PaymentGroup { book: &b, reqs: &same_b }], &given).await;
    assert_eq!(numbers(&answers), vec![vec![Ok((4, false))], vec![Ok((4, false))]]);
    assert_eq!(given.calls(), vec![vec![Some(4), Some(4)]]);

    // Two cashiers' groups of one book, paying for one household in one transaction: the
    // second plans on what the first settled (verify below finds no bill settled twice).
    let open_before: i64 = ledger.fees().open_bills(&a, Some(li_a)).await.unwrap().iter().map(|b| b.open_fen).sum();
    let (first, second) = ([pay(li_a, "c1")], [PaymentRequest { cashier: "赵出纳", ..pay(li_a, "d1") }]);
    let answers =
        ledger.fees().pay_groups(&[PaymentGroup { book: &a, reqs: &first }, PaymentGroup { book: &a, reqs: &second }], &given).await;
    assert_eq!(numbers(&answers), vec![vec![Ok((5, false))], vec![Ok((6, false))]]);
    assert_eq!(given.calls().len(), 1, "one transaction");
    let settled: i64 = answers.iter().flatten().map(|r| r.as_ref().unwrap().settled.iter().map(|s| s.amount.0).sum::<i64>()).sum();
    let open_after: i64 = ledger.fees().open_bills(&a, Some(li_a)).await.unwrap().iter().map(|b| b.open_fen).sum();
    assert_eq!(settled, open_before - open_after, "what the two receipts settled is what left the household's open bills");
    assert!(settled <= open_before, "{settled} settled of {open_before} open");

    // Two batches at once naming the books in opposite orders, ten times over.
    let keys: Vec<(String, String, String, String)> =
        (0..10).map(|i| (format!("x{i}-a"), format!("x{i}-b"), format!("y{i}-b"), format!("y{i}-a"))).collect();
    let (x, y) = (Given::default(), Given::default());
    for (xa, xb, yb, ya) in &keys {
        let (x_a, x_b, y_b, y_a) = ([pay(li_a, xa)], [pay(zhang_b, xb)], [pay(zhang_b, yb)], [pay(li_a, ya)]);
        let one = [PaymentGroup { book: &a, reqs: &x_a }, PaymentGroup { book: &b, reqs: &x_b }];
        let other = [PaymentGroup { book: &b, reqs: &y_b }, PaymentGroup { book: &a, reqs: &y_a }];
        let fees = ledger.fees();
        let (one, other) = tokio::join!(fees.pay_groups(&one, &x), fees.pay_groups(&other, &y));
        assert!(one.iter().chain(&other).flatten().all(|r| r.as_ref().is_ok_and(|r| !r.replayed)), "{one:?} {other:?}");
    }
    assert_eq!((x.calls().len(), y.calls().len()), (10, 10), "every batch in one transaction: none failed on a deadlock");

    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:#?}", report.findings);
}

#[tokio::test]
async fn payments_of_several_communities_are_recorded_together_or_group_by_group() {
    on_fresh_store!(groups_of_communities)
}

/// The till's rules: money past the ticked bills settles the other billed months before any is
/// kept as 预收; a household's 预收 settles what is open before new money does; a receipt
/// says which month it paid only in part.
async fn prepayment_first<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    let (book, hs) = community_with_fees(&ledger).await;
    for m in 3..=5 {
        ledger.fees().run_billing(&book, period(2025, m), &[], "会计甲").await.unwrap();
    }
    let zhang = find(&hs, "1-1-101");
    let bills = ledger.fees().open_bills(&book, Some(zhang.id)).await.unwrap();
    let april = bills.iter().find(|b| b.period.key() == 202504).unwrap().id;
    let pay = |amount: i64, key: &'static str, day: u32, bill_ids: Option<Vec<mingzhang::domain::ids::BillId>>| PaymentRequest {
        household_id: zhang.id,
        amount: Fen(amount),
        method: Method::Cash,
        paid_on: date(2025, 5, day),
        idempotency_key: key,
        cashier: "出纳丙",
        bill_ids,
        note: Default::default(),
    };
    // April ticked, 200.00 paid: April in full, the 65.94 past it to March, none to 预收.
    let a = ledger.fees().pay(&book, &pay(20_000, "a", 10, Some(vec![april]))).await.unwrap();
    let settled: Vec<(&str, i64, bool)> = a.settled.iter().map(|s| (s.period.as_str(), s.amount.0, s.part)).collect();
    assert_eq!(settled, vec![("2025-04", 13406, false), ("2025-03", 6594, true)]);
    assert_eq!(a.prepaid, Fen::ZERO);
    let pdf = mingzhang::fees::paper::receipt::receipt_pdf(&a, mingzhang::render::pdf::Paper::A5, CodeLine::Absent).unwrap();
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("2025-03 部分"), "{text}");
        assert!(!text.contains("2025-03 至 2025-04"), "a month paid in part is not in a range paid in full: {text}");
    }
    // 1,000.00 more settles the rest and keeps 797.82 as 预收.
    let b = ledger.fees().pay(&book, &pay(100_000, "b", 10, None)).await.unwrap();
    assert_eq!(b.prepaid, Fen(79_782));
    // Voiding the first reopens 200.00 while 797.82 is held: the next payment's household
    // 预收 settles it first, and its own 10.00 is kept.
    ledger.fees().void_receipt(&book, a.number, "收款金额有误", "主管", date(2025, 5, 11)).await.unwrap();
    assert_eq!(Fen(ledger.fees().open_bills(&book, Some(zhang.id)).await.unwrap().iter().map(|b| b.open_fen).sum()), Fen(20_000));
    let c = ledger.fees().pay(&book, &pay(1_000, "c", 12, None)).await.unwrap();
    assert!(c.settled.is_empty(), "{:?}", c.settled);
    assert_eq!(c.prepaid, Fen(1_000));
    assert!(ledger.fees().open_bills(&book, Some(zhang.id)).await.unwrap().is_empty());
    assert_eq!(ledger.fees().prepaid(&book, zhang.id).await.unwrap(), Fen(79_782 - 20_000 + 1_000));
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:#?}", report.findings);
    let closed = ledger.fees().close_days(&book, date(2025, 5, 12), "主管").await.unwrap();
    assert!(closed.iter().any(|v| v.summary.starts_with("预收抵扣 1-1-101 物业费 收据No.000002")), "{closed:#?}");
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:#?}", report.findings);
}

#[tokio::test]
async fn a_payment_applies_the_households_prepayment_first_and_spills_past_ticked_bills() {
    on_fresh_store!(prepayment_first)
}

async fn invariant_five<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, hs) = community_with_fees(&ledger).await;
    ledger.fees().run_billing(&book, period(2025, 3), &[], "会计甲").await.unwrap();
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());
    // A bill slipped into the subledger with no voucher behind it (as a second issue of the
    // run's month: the schema takes a bill only in its run's month, of a fee item it billed).
    raw_sql(
        url,
        &format!(
            "INSERT INTO bills (community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue)
             SELECT community_id, book_id, {}, fee_item_id, period, 777, billing_run_id, 2 FROM bills LIMIT 1",
            find(&hs, "1-1-101").id
        ),
    )
    .await
    .unwrap();
    let report = verify_all(&ledger.store).await.unwrap();
    let all = format!("{:#?}", report.findings);
    assert!(all.contains("2025-03 月末住户子账") && all.contains("相差 7.77"), "{all}");
    // The bill joined a run sealed without it: that run's voucher no longer matches (invariant 4).
    assert!(report.findings.iter().all(|f| f.invariant == 5 || f.invariant == 4));
    assert!(report.findings.iter().any(|f| f.invariant == 4 && f.message.contains("2025-03 计费批次")), "{all}");
}

#[tokio::test]
async fn verify_finds_a_subledger_that_no_longer_ties_to_the_ledger() {
    on_fresh_store!(invariant_five)
}

async fn control_accounts<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, _) = community_with_fees(&ledger).await;
    let before = snapshot(url).await;
    let err =
        ledger.draft(&book, "会计甲", &voucher(date(2025, 3, 1), vec![line("1122", 100, 0), line("500101", 0, 100)])).await.unwrap_err();
    assert!(err.to_string().contains("1122 应收账款 是住户明细账的统驭科目"), "{err}");
    let err =
        ledger.draft(&book, "会计甲", &voucher(date(2025, 3, 1), vec![line("1001", 100, 0), line("2203", 0, 100)])).await.unwrap_err();
    assert!(err.to_string().contains("2203 预收账款"), "{err}");
    assert_eq!(snapshot(url).await, before);
}

#[tokio::test]
async fn hand_made_vouchers_may_not_touch_the_receivable_control_accounts() {
    on_fresh_store!(control_accounts)
}

async fn rates<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    use mingzhang::fees::reports::{aging, collection, household_statement};
    let (book, hs) = community_with_fees(&ledger).await;
    let pay = |h: &HouseholdRow, fen: i64, day: chrono::NaiveDate, key: &'static str| PaymentRequest {
        household_id: h.id,
        amount: Fen(fen),
        method: Method::Cash,
        paid_on: day,
        idempotency_key: key,
        cashier: "出纳丙",
        bill_ids: None,
        note: Default::default(),
    };
    ledger.fees().run_billing(&book, period(2025, 3), &[], "会计甲").await.unwrap();
    ledger.fees().pay(&book, &pay(find(&hs, "1-1-101"), 13406, date(2025, 3, 15), "a")).await.unwrap();
    ledger.fees().run_billing(&book, period(2025, 4), &[], "会计甲").await.unwrap();
    ledger.fees().pay(&book, &pay(find(&hs, "1-1-102"), 36150, date(2025, 4, 10), "b")).await.unwrap();
    let shop_march =
        ledger.fees().open_bills(&book, Some(find(&hs, "S-S01").id)).await.unwrap().into_iter().find(|b| b.period.key() == 202503).unwrap();
    ledger.fees().waive(&book, shop_march.id, Fen(13500), "装修期免收", "主任丁", date(2025, 4, 20)).await.unwrap();

    let c = collection(&ledger.store, &book, period(2025, 3), period(2025, 4)).await.unwrap();
    let line = |p: &str, b: &str| c.lines.iter().find(|l| l.period == p && l.building == b).cloned().unwrap();
    let march1 = line("2025-03", "1");
    assert_eq!((march1.current_billed, march1.current_collected, march1.current_rate.as_deref()), (Fen(31481), Fen(13406), Some("42.58%")));
    assert_eq!((march1.arrears_rate, march1.overall_rate.as_deref()), (None, Some("42.58%")));
    let april1 = line("2025-04", "1");
    assert_eq!((april1.current_billed, april1.current_collected, april1.current_rate.as_deref()), (Fen(31481), Fen(18075), Some("57.42%")));
    assert_eq!(
        (april1.arrears_at_start, april1.arrears_collected, april1.arrears_rate.as_deref()),
        (Fen(18075), Fen(18075), Some("100.00%"))
    );
    assert_eq!(april1.overall_rate.as_deref(), Some("72.95%"));
    let april_s = line("2025-04", "S");
    assert_eq!(
        (april_s.arrears_at_start, april_s.current_rate.as_deref(), april_s.arrears_rate.as_deref()),
        (Fen(13500), Some("0.00%"), Some("0.00%"))
    );
    let april_all = line("2025-04", "全部");
    assert_eq!((april_all.current_billed, april_all.current_collected), (Fen(31481 + 15000 + 13500 + 15000), Fen(18075)));
    assert_eq!((april_all.arrears_at_start, april_all.arrears_collected), (Fen(18075 + 5323 + 13500 + 15000), Fen(18075)));

    let a = aging(&ledger.store, &book, period(2025, 4), false).await.unwrap();
    let b = |key: &str| a.lines.iter().find(|l| l.key == key).unwrap().buckets.map(|f| f.0);
    assert_eq!(b("1"), [13406, 0, 0, 0, 0]);
    assert_eq!(b("2"), [5323 + 15000, 0, 0, 0, 0]);
    assert_eq!(b("S"), [13500, 0, 0, 0, 0], "the waived March bill is no longer owed");
    let later = aging(&ledger.store, &book, period(2025, 9), true).await.unwrap();
    let h201 = later.lines.iter().find(|l| l.key == "2-1-201").unwrap();
    assert_eq!(h201.buckets.map(|f| f.0), [0, 15000, 5323, 0, 0], "April is 5 months old in September, March 6");
    assert_eq!(later.total.total, a.total.total);

    let st = household_statement(&ledger.store, &book, find(&hs, "1-1-102"), date(2025, 5, 31)).await.unwrap();
    assert_eq!(
        st.bills.iter().map(|b| (b.period.as_str(), b.paid.0, b.open.0)).collect::<Vec<_>>(),
        vec![("2025-03", 18075, 0), ("2025-04", 18075, 0)]
    );
    assert_eq!((st.payments.len(), st.open, st.prepaid), (1, Fen::ZERO, Fen::ZERO));
}

#[tokio::test]
async fn collection_rates_and_aging_match_figures_computed_by_hand() {
    on_fresh_store!(rates)
}

async fn late_fees<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    use mingzhang::fees::reports::household_statement;
    let (book, hs) = community_with_fees(&ledger).await;
    let spec = FeeItemSpec {
        code: "LJF",
        name: "垃圾清运费",
        basis: FeeBasis::FixedMonth,
        revenue_account: "505101",
        late_fee_ppm_per_day: 500,
        late_fee_cap_percent: 10,
    };
    ledger.fees().add_fee_item(&book, &spec).await.unwrap();
    ledger.fees().add_fee_standard(&book, "LJF", HouseholdKind::Residential, "10", date(2024, 1, 1), None).await.unwrap();
    let bad = FeeItemSpec {
        code: "X",
        name: "错",
        basis: FeeBasis::FixedMonth,
        revenue_account: "505101",
        late_fee_ppm_per_day: 20_000,
        late_fee_cap_percent: 10,
    };
    assert!(ledger.fees().add_fee_item(&book, &bad).await.unwrap_err().to_string().contains("滞纳金"));
    ledger.fees().run_billing(&book, period(2025, 3), &["LJF".to_string()], "会计甲").await.unwrap();
    let h = find(&hs, "1-1-101");
    // 30 days after the end of March: 0.05 % × 10.00 × 30 = 0.15; a year later the 10 % cap, 1.00.
    let april = household_statement(&ledger.store, &book, h, date(2025, 4, 30)).await.unwrap();
    assert_eq!((april.open, april.late_fees), (Fen(1000), Fen(15)));
    let later = household_statement(&ledger.store, &book, h, date(2026, 3, 31)).await.unwrap();
    assert_eq!(later.late_fees, Fen(100));
    // Items without a rate never charge one.
    ledger.fees().run_billing(&book, period(2025, 3), &["WYF".to_string()], "会计甲").await.unwrap();
    let st = household_statement(&ledger.store, &book, h, date(2026, 3, 31)).await.unwrap();
    assert_eq!(st.late_fees, Fen(100));
    // The notice states the late fee beside the arrears (10.00 + 134.06), not inside them.
    let notice = mingzhang::fees::paper::dunning::Notice {
        company: "幸福物业",
        as_of: date(2026, 3, 31),
        pay_by: date(2026, 4, 15),
        contact: "物业服务中心",
    };
    let (pdf, _) = mingzhang::fees::paper::dunning::dunning_pdf(&notice, std::slice::from_ref(&st), |_| CodeLine::Absent).unwrap();
    if let Some(text) = pdf_text(&pdf) {
        let unwrapped: String = text.split_whitespace().collect();
        assert!(unwrapped.contains("合计人民币壹佰肆拾肆元零陆分（￥144.06）"), "{text}");
        assert!(unwrapped.contains("另计滞纳金￥1.00"), "{text}");
    }
}

#[tokio::test]
async fn statements_reckon_late_fees_only_for_items_that_set_them_and_cap_them() {
    on_fresh_store!(late_fees)
}

async fn receipts_on_paper<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    use mingzhang::fees::paper::dunning::{dunning_pdf, Notice};
    use mingzhang::fees::paper::receipt::receipt_pdf;
    use mingzhang::fees::reports::{dunning_statements, DunningSelection};
    use mingzhang::render::pdf::Paper;

    let (book, hs) = community_with_fees(&ledger).await;
    for m in 1..=6 {
        ledger.fees().run_billing(&book, period(2025, m), &[], "会计甲").await.unwrap();
    }
    // Zhang pays 1,234.56: six months of 134.06 (804.36) settled, 430.20 kept as a prepayment.
    let zhang = find(&hs, "1-1-101");
    let req = PaymentRequest {
        household_id: zhang.id,
        amount: Fen(123_456),
        method: Method::Cash,
        paid_on: date(2025, 6, 18),
        idempotency_key: "cash-2025-06-18-1",
        cashier: "出纳丙",
        bill_ids: None,
        note: Default::default(),
    };
    let receipt = ledger.fees().pay(&book, &req).await.unwrap();
    assert_eq!(receipt.amount_in_words, "壹仟贰佰叁拾肆元伍角陆分");
    let reprint = ledger.fees().receipt(&book, receipt.number).await.unwrap();
    assert_eq!(
        (reprint.label.as_str(), reprint.settled.len(), reprint.prepaid, reprint.fingerprint.as_str()),
        (receipt.label.as_str(), 6, Fen(123_456 - 6 * 13406), receipt.fingerprint.as_str()),
        "a reprint shows what the payment settled"
    );

    let a5 = receipt_pdf(&receipt, Paper::A5, CodeLine::Absent).unwrap();
    assert_eq!(a5, receipt_pdf(&reprint, Paper::A5, CodeLine::Absent).unwrap(), "the same receipt prints the same bytes");
    // Printed again (补打), the copy says so and when; a void carries a stamp.
    let again = mingzhang::fees::Receipt { reprinted_on: Some(date(2025, 7, 2)), ..reprint.clone() };
    let again_pdf = receipt_pdf(&again, Paper::A5, CodeLine::Absent).unwrap();
    assert_ne!(again_pdf, a5, "a reprint is not a second original");
    let voided = mingzhang::fees::Receipt { voided: true, ..reprint.clone() };
    if let (Some(again_text), Some(void_text)) =
        (pdf_text(&again_pdf), pdf_text(&receipt_pdf(&voided, Paper::A5, CodeLine::Absent).unwrap()))
    {
        assert!(again_text.contains("补打") && again_text.contains("补打日期：2025年7月2日"), "{again_text}");
        assert!(void_text.contains("已作废"), "{void_text}");
        assert!(again_text.contains("开票人") && again_text.contains("复核") && again_text.contains("收款单位（盖章）"), "{again_text}");
    }
    assert!(a5.len() < 200_000, "the embedded font is subsetted: {} bytes", a5.len());
    let a4 = receipt_pdf(&receipt, Paper::A4, CodeLine::Absent).unwrap();
    if let (Some(a5_text), Some(a4_text)) = (pdf_text(&a5), pdf_text(&a4)) {
        for expected in
            ["收款收据", "No.000001", "1-1-101", "张三", "壹仟贰佰叁拾肆元伍角陆分", "1,234.56", "现金", "出纳丙", "2025年6月18日"]
        {
            assert!(a5_text.contains(expected), "{expected} is not on the receipt:\n{a5_text}");
        }
        assert!(a5_text.contains("物业费") && a5_text.contains("2025-01 至 2025-06（6个月）"), "{a5_text}");
        assert!(a5_text.contains("预收款") && !a5_text.contains("预收物业费") && a5_text.contains("430.20"), "{a5_text}");
        assert!(a4_text.contains("存根联") && a4_text.contains("收据联"), "A4 carries the counterfoil and the payer's copy");
        assert_eq!(a4_text.matches("壹仟贰佰叁拾肆元伍角陆分").count(), 2);
    }

    // Dunning notices for everyone owing three months or more at the end of June: Li (1-1-102)
    // and the shop owe January to June; Wang moved in on 2025-03-21 and owes from March; the
    // parking space owes six months too. Zhang has paid.
    let as_of = date(2025, 6, 30);
    let select = DunningSelection { min_months: 3, ..DunningSelection::default() };
    let statements = dunning_statements(&ledger.store, &book, as_of, &select).await.unwrap();
    let owing: Vec<&str> = statements.iter().map(|s| s.household.as_str()).collect();
    assert_eq!(owing, vec!["1-1-102", "2-1-201", "P-P-001", "S-S01"]);
    let notice = Notice { company: "幸福物业", as_of, pay_by: date(2025, 7, 15), contact: "物业服务中心" };
    // Li's notice carries her new access code; the others say theirs was given before.
    let (pdf, count) =
        dunning_pdf(&notice, &statements, |s| if s.household == "1-1-102" { CodeLine::New("ABC-DEF-GHJ-KMN") } else { CodeLine::Issued })
            .unwrap();
    assert_eq!(count, 4);
    let only_shops = DunningSelection { buildings: vec!["S".into()], ..select.clone() };
    assert_eq!(dunning_statements(&ledger.store, &book, as_of, &only_shops).await.unwrap().len(), 1);
    if let Some(text) = pdf_text(&pdf) {
        // One page per household, titled with what it owes, in the fee items' words.
        assert_eq!(text.matches("物业费催缴通知单").count(), 3, "{text}");
        assert_eq!(text.matches("停车费催缴通知单").count(), 1, "the parking space's notice is about parking");
        let li = &statements[0];
        assert!(text.contains("李四（1-1-102）"), "{text}");
        assert_eq!(text.matches("本户查询码：ABC-DEF-GHJ-KMN").count(), 1, "{text}");
        assert_eq!(text.matches("本户查询码已随此前的收据或通知发放").count(), 3, "{text}");
        assert!(text.contains(&mingzhang::render::pdf::money_text(li.open.0)), "Li's arrears {} are on the notice", li.open);
        // The paragraph wraps, so the words are looked for with the line breaks taken out.
        let unwrapped: String = text.split_whitespace().collect();
        assert!(unwrapped.contains(&mingzhang::domain::capital::capital_amount(li.open)), "in words too");
        assert!(text.contains("2025年7月15日"));
        assert!(!text.contains("张三"), "households that paid get no notice");
        // Each copy has the office's reference, not a count; no late-fee column of 0.00s when
        // no item charges one; no line starts with a closing mark.
        assert!(!text.contains("共 4 份") && text.contains("通知编号：20250630-0001"), "{text}");
        assert!(!text.contains("滞纳金"), "{text}");
        for line in text.lines().map(str::trim_start) {
            assert!(!line.starts_with(['，', '。', '）', '、']), "a line starts with a closing mark: {line}\n{text}");
        }
    }
}

#[tokio::test]
async fn receipts_and_dunning_notices_print_as_pdf_that_reads_back() {
    on_fresh_store!(receipts_on_paper)
}

async fn voids<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, hs) = community_with_fees(&ledger).await;
    for m in 1..=3 {
        ledger.fees().run_billing(&book, period(2025, m), &[], "会计甲").await.unwrap();
    }
    let zhang = find(&hs, "1-1-101");
    let req = PaymentRequest {
        household_id: zhang.id,
        amount: Fen(50_000),
        method: Method::Wechat,
        paid_on: date(2025, 3, 10),
        idempotency_key: "wx-void-1",
        cashier: "出纳丙",
        bill_ids: None,
        note: Default::default(),
    };
    // 500.00 settles three months of 134.06 and leaves 97.82, which April's run applies.
    let receipt = ledger.fees().pay(&book, &req).await.unwrap();
    assert_eq!(receipt.prepaid, Fen(50_000 - 3 * 13406));
    let april = ledger.fees().run_billing(&book, period(2025, 4), &[], "会计甲").await.unwrap();
    assert_eq!(april.prepayment_applied, Fen(9782));
    let reprint = ledger.fees().receipt(&book, receipt.number).await.unwrap();
    assert_eq!((reprint.settled.len(), reprint.prepaid), (3, Fen(9782)), "a reprint shows the receipt as issued, not what came later");

    // Refused voids write nothing.
    let before = snapshot(url).await;
    for (number, reason, day, words) in [
        (receipt.number, "录错住户", date(2025, 3, 9), "早于收款日期"),
        (receipt.number, " ", date(2025, 4, 20), "作废原因"),
        (99, "录错住户", date(2025, 4, 20), "收据 No.000099"),
    ] {
        let err = ledger.fees().void_receipt(&book, number, reason, "主任丁", day).await.unwrap_err();
        assert!(err.to_string().contains(words), "{err}");
    }
    assert_eq!(snapshot(url).await, before);

    let voided = ledger.fees().void_receipt(&book, receipt.number, "录错住户", "主任丁", date(2025, 4, 20)).await.unwrap();
    assert!(voided.voided);
    assert_eq!((voided.label.as_str(), voided.amount), (receipt.label.as_str(), Fen(50_000)), "the receipt keeps its number");
    // Every bill the payment settled, and April's that its prepayment settled, is open again.
    let open: Vec<(i64, i64)> =
        ledger.fees().open_bills(&book, Some(zhang.id)).await.unwrap().iter().map(|b| (b.period.key(), b.open_fen)).collect();
    assert_eq!(open, vec![(202501, 13406), (202502, 13406), (202503, 13406), (202504, 13406)]);
    assert_eq!(ledger.fees().prepaid(&book, zhang.id).await.unwrap(), Fen::ZERO);
    let err = ledger.fees().void_receipt(&book, receipt.number, "再次作废", "主任丁", date(2025, 4, 21)).await.unwrap_err();
    assert!(err.to_string().contains("已作废"), "{err}");
    // The payment's voucher is reversed once, by the void: the generic path cannot do it again.
    let payment_voucher =
        ledger.store.read().await.unwrap().payment_by_receipt(book.key(), receipt.number).await.unwrap().unwrap().voucher_id;
    assert!(ledger.reverse(&book, payment_voucher, "会计甲", date(2025, 4, 22)).await.is_err());
    // The statement lists the voided payment as voided; invariant 5 holds at every month end.
    let st = mingzhang::fees::reports::household_statement(&ledger.store, &book, zhang, date(2025, 4, 30)).await.unwrap();
    assert!(st.payments.iter().all(|p| p.voided) && st.open == Fen(4 * 13406));
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "{:#?}", report.findings);
    if let Some(text) =
        pdf_text(&mingzhang::fees::paper::receipt::receipt_pdf(&voided, mingzhang::render::pdf::Paper::A5, CodeLine::Absent).unwrap())
    {
        assert!(text.contains("已作废") && text.contains(&voided.label), "{text}");
    }
    // Paying again after the void settles the reopened bills oldest first.
    let again =
        ledger.fees().pay(&book, &PaymentRequest { idempotency_key: "wx-void-2", paid_on: date(2025, 4, 25), ..req }).await.unwrap();
    assert_eq!(again.settled.first().map(|s| s.period.as_str()), Some("2025-01"));
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());
}

#[tokio::test]
async fn a_receipt_is_voided_by_a_reversing_entry_that_reopens_its_bills() {
    on_fresh_store!(voids)
}
