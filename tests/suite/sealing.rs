//! The tamper suite of the sealed subledger (issue 10, DESIGN.md invariant 4): a community with
//! every kind of fee row (bills of two runs, a unit's, a metered item's with its readings,
//! payments at once and by 日结, a prepayment applied by a run, a waiver, a void, a billing
//! reversal), then, one at a time on a fresh copy, every kind of row changed, moved or deleted
//! directly in the database with every trigger dropped, as someone holding the database password
//! could. `verify` must catch each one and name it.
//!
//!     cargo test --test sealing -- --nocapture     prints "caught N of N tampers"

use crate::common;

use common::*;
use mingzhang::domain::money::Fen;
use mingzhang::fees::rules::{FeeBasis, HouseholdKind};
use mingzhang::fees::units::NewUnit;
use mingzhang::fees::{FeeItemSpec, MeterReadingInput, Method, PaymentRequest};
use mingzhang::ledger::{Ledger, PaymentVouchers};
use mingzhang::verify::verify_all;
use sqlx::Connection;

fn spec<'a>(code: &'a str, name: &'a str, basis: FeeBasis, account: &'a str) -> FeeItemSpec<'a> {
    FeeItemSpec { code, name, basis, revenue_account: account, late_fee_ppm_per_day: 0, late_fee_cap_percent: 0 }
}

fn payment<'a>(household_id: mingzhang::domain::ids::HouseholdId, fen: i64, day: (u32, u32), key: &'a str) -> PaymentRequest<'a> {
    PaymentRequest {
        household_id,
        amount: Fen(fen),
        method: Method::Wechat,
        paid_on: date(2025, day.0, day.1),
        idempotency_key: key,
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    }
}

/// 张三 (1-1-101) and 李四 (1-1-102): two months billed (物业服务费, 张三's parking space B1-018,
/// water by meter); receipt 1 张三's January, receipt 2 李四's with a prepayment that February's
/// run applies; receipt 3 voided; a waiver on 张三's February bill; 李四's February bills
/// reversed; receipt 4 taken by 日结 and its day closed.
async fn community<S: mingzhang::app::AppStore>(ledger: &Ledger<S>) {
    let book = two_households(ledger, "封存社区", "1.50").await;
    let fees = ledger.fees();
    let c = ledger.community(None).await.unwrap();
    let hs = fees.households(c.id).await.unwrap();
    let (zhang, li) = (hs[0].id, hs[1].id);
    fees.add_fee_item(&book, &spec("TCF", "车位停车费", FeeBasis::FixedMonth, "500102")).await.unwrap();
    fees.add_fee_standard(&book, "TCF", HouseholdKind::Parking, "120", date(2025, 1, 1), None).await.unwrap();
    let space =
        NewUnit { code: "B1-018", kind: HouseholdKind::Parking, area_m2_hundredths: None, household: "1-1-101", from: date(2025, 1, 1) };
    fees.add_unit(c.id, &space).await.unwrap();
    fees.add_fee_item(&book, &spec("SF", "水费", FeeBasis::Metered, "505101")).await.unwrap();
    fees.add_fee_standard(&book, "SF", HouseholdKind::Residential, "3.20", date(2025, 1, 1), None).await.unwrap();
    fees.record_meter_readings(&book, "SF", period(2025, 1), &[MeterReadingInput::new(2, zhang, "100.00")]).await.unwrap();
    fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    fees.pay(&book, &payment(zhang, 27_000, (1, 20), "k1")).await.unwrap();
    fees.pay(&book, &payment(li, 50_000, (1, 21), "k2")).await.unwrap();
    fees.record_meter_readings(&book, "SF", period(2025, 2), &[MeterReadingInput::new(2, zhang, "110.00")]).await.unwrap();
    let feb = fees.run_billing(&book, period(2025, 2), &[], "会计").await.unwrap();
    assert!(feb.prepayment_applied.0 > 0, "李四's prepayment settles February");
    fees.pay(&book, &payment(zhang, 10_000, (2, 10), "k3")).await.unwrap();
    fees.void_receipt(&book, 3, "收错户", "主管", date(2025, 2, 11)).await.unwrap();
    let wyf = fees.open_bills(&book, Some(zhang)).await.unwrap().into_iter().find(|b| b.period == period(2025, 2)).unwrap();
    fees.waive(&book, wyf.id, Fen(5_000), "困难户", "主管", date(2025, 2, 12)).await.unwrap();
    fees.reverse_billing(&book, feb.run.unwrap(), Some(li), "面积有误", "主管", date(2025, 2, 13)).await.unwrap();
    fees.close_days(&book, date(2025, 2, 13), "会计").await.unwrap();
    fees.set_payment_vouchers(&book, PaymentVouchers::Daily).await.unwrap();
    let book = ledger.book(c.id, "company").await.unwrap();
    fees.pay(&book, &payment(zhang, 2_000, (2, 15), "k4")).await.unwrap();
    fees.close_days(&book, date(2025, 2, 28), "会计").await.unwrap();
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "the untouched community verifies clean: {:#?}", report.findings);
}

const ZHANG: &str = "(SELECT id FROM households WHERE room = '101')";
const LI: &str = "(SELECT id FROM households WHERE room = '102')";

/// One tamper: what it does, its statements, and what a finding must say to name it.
struct Tamper {
    name: &'static str,
    sql: Vec<String>,
    expect: &'static [&'static str],
}

fn tampers() -> Vec<Tamper> {
    let t = |name, sql: &[&str], expect| Tamper { name, sql: sql.iter().map(|s| s.to_string()).collect(), expect };
    let receipt_one_allocation = "(SELECT MIN(a.id) FROM allocations a JOIN payments p ON p.id = a.payment_id WHERE p.receipt_number = 1)";
    vec![
        t("住户面积被改", &[&format!("UPDATE households SET area_m2_hundredths = 5000 WHERE id = {ZHANG}")], &["住户 #", "被绕过程序改动"]),
        t("住户业主被改", &[&format!("UPDATE households SET owner_name = '王五' WHERE id = {LI}")], &["住户 #", "王五"]),
        t(
            "核销移到邻户的账单",
            &[&format!(
                "UPDATE allocations SET bill_id = (SELECT MIN(id) FROM bills WHERE household_id = {LI}) WHERE id = {receipt_one_allocation}"
            )],
            &["收据 No.000001", "另一住户"],
        ),
        t(
            "收款移到另一住户",
            &[&format!("UPDATE payments SET household_id = {LI} WHERE receipt_number = 1")],
            &["收据 No.000001 的收款", "不符"],
        ),
        t("收据号被改", &["UPDATE payments SET receipt_number = 9 WHERE receipt_number = 2"], &["收据号不连续"]),
        t(
            "收款金额被改",
            &["UPDATE payments SET amount_fen = amount_fen + 100 WHERE receipt_number = 2"],
            &["收据 No.000002 的收款", "不符"],
        ),
        t("日结收款被改", &["UPDATE payments SET cashier = '主任丁' WHERE receipt_number = 4"], &["收据 No.000004 的收款", "不符"]),
        t(
            "收款改记到另一张凭证",
            &["UPDATE payments SET voucher_id = (SELECT voucher_id FROM payments WHERE receipt_number = 2) WHERE receipt_number = 1"],
            &["收据 No.000001", "不符"],
        ),
        t(
            "收款被删",
            &[
                "DELETE FROM allocations WHERE payment_id = (SELECT id FROM payments WHERE receipt_number = 1)",
                "DELETE FROM payments WHERE receipt_number = 1",
            ],
            &["已不见"],
        ),
        t(
            "账单金额被改",
            &["UPDATE bills SET amount_fen = amount_fen + 1 WHERE id = (SELECT MIN(id) FROM bills)"],
            &["2025-01 计费批次", "不符"],
        ),
        t(
            "账单移到邻户",
            &[&format!("UPDATE bills SET household_id = {LI} WHERE id = (SELECT MAX(id) FROM bills WHERE period = 202501)")],
            &["2025-01 计费批次"],
        ),
        t(
            "账单被删",
            &["DELETE FROM bills WHERE fee_item_id = (SELECT id FROM fee_items WHERE code = 'SF') AND period = 202502"],
            &["2025-02 计费批次"],
        ),
        t(
            "预收抵扣被删",
            &["DELETE FROM allocations WHERE voucher_id = (SELECT voucher_id FROM billing_runs WHERE period = 202502)"],
            &["2025-02 计费批次"],
        ),
        t(
            "收款的核销移到计费批次的凭证上",
            &[&format!(
                "UPDATE allocations SET voucher_id = (SELECT voucher_id FROM billing_runs WHERE period = 202501) \
                 WHERE id = {receipt_one_allocation}"
            )],
            &["2025-01 计费批次", "不符"],
        ),
        t(
            "计费批次改记到另一批次的凭证",
            &["UPDATE billing_runs SET voucher_id = (SELECT voucher_id FROM billing_runs WHERE period = 202502) WHERE period = 202501"],
            &["2025-02 计费批次", "不符"],
        ),
        t(
            "核销金额被改",
            &[&format!("UPDATE allocations SET amount_fen = amount_fen - 1 WHERE id = {receipt_one_allocation}")],
            &["收据 No.000001", "不符"],
        ),
        t(
            "核销脱离凭证",
            &["UPDATE allocations SET voucher_id = NULL WHERE id = (SELECT MAX(id) FROM allocations)"],
            &["没有记在任何凭证上"],
        ),
        t("减免金额被改", &["UPDATE waivers SET amount_fen = amount_fen - 100"], &["减免", "不符"]),
        t("作废被删", &["DELETE FROM allocations WHERE void_id IS NOT NULL", "DELETE FROM payment_voids"], &["已不见"]),
        t("冲销原因被改", &["UPDATE billing_reversals SET reason = '随便'"], &["计费批次 #", "的冲销", "不符"]),
        t("抄表读数被改", &["UPDATE meter_readings SET reading = '200.00' WHERE period = 202502"], &["抄表读数 #", "被绕过程序改动"]),
        t(
            "收费标准被改",
            &["UPDATE fee_standards SET rate_yuan = '9.99' WHERE household_kind = 'residential' AND rate_yuan = '1.5'"],
            &["收费标准 #"],
        ),
        t("车位易主", &[&format!("UPDATE units SET household_id = {LI}")], &["车位等单元 #"]),
        t("收费项目被改", &["UPDATE fee_items SET name = '物业费（改）' WHERE code = 'WYF'"], &["收费项目 #"]),
        t("基础资料记录被删", &["DELETE FROM master_versions WHERE seq = (SELECT MAX(seq) FROM master_versions)"], &["基础资料"]),
        t("计费批次所依据的链头被改", &["UPDATE billing_runs SET master_seq = 1"], &["2025-01 计费批次", "不符"]),
        t(
            "计费批次的楼栋金额被改",
            &["UPDATE billing_runs SET by_building = '[[\"1\",1]]' WHERE period = 202501"],
            &["2025-01 计费批次", "不符"],
        ),
        t(
            "账单的单元被改",
            &["UPDATE bills SET unit_id = NULL WHERE unit_id IS NOT NULL AND period = 202502"],
            &["2025-02 计费批次", "不符"],
        ),
        t(
            "封存被抹去",
            &["UPDATE vouchers SET subledger_digest = NULL WHERE id = (SELECT voucher_id FROM payments WHERE receipt_number = 2)"],
            &["哈希不符"],
        ),
    ]
}

/// The community's master-data chain as stored, read directly.
async fn master_chain(url: &str) -> Vec<mingzhang::fees::seal::master::MasterVersion> {
    const SQL: &str = "SELECT seq, kind, row_id, content FROM master_versions ORDER BY seq";
    let rows: Vec<(i64, String, i64, String)> = if is_pg(url) {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(SQL).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}")).await.unwrap();
        sqlx::query_as(SQL).fetch_all(&mut conn).await.unwrap()
    };
    rows.into_iter()
        .map(|(seq, kind, row_id, content)| mingzhang::fees::seal::master::MasterVersion { seq, kind, row_id, content })
        .collect()
}

/// A household's history rewritten whole: its first version, the current row and the
/// community's head all made to agree. Only the billing runs' sealed heads still know.
async fn rewrite_history(url: &str) {
    let mut chain = master_chain(url).await;
    let first = chain.iter_mut().find(|v| v.kind == "household").unwrap();
    assert!(first.content.contains("10000"), "张三's 100.00 m²: {}", first.content);
    first.content = first.content.replace("10000", "5000");
    let (seq, row_id, content) = (first.seq, first.row_id, first.content.clone());
    let head = mingzhang::fees::seal::master::heads(&chain).pop().unwrap();
    raw_sql(url, &format!("UPDATE master_versions SET content = '{content}' WHERE seq = {seq}")).await.unwrap();
    raw_sql(url, &format!("UPDATE households SET area_m2_hundredths = 5000 WHERE id = {row_id}")).await.unwrap();
    raw_sql(url, &format!("UPDATE communities SET master_head = '{head}'")).await.unwrap();
}

async fn fresh_community() -> (TestDb, String) {
    let db = fresh_db().await;
    {
        let s = mingzhang::store::AnyStore::connect(&db.url).await.expect("connect");
        community(&Ledger::new(s.clone())).await;
        // Closed, so that the file alone holds the books (a copy takes the file, not its WAL).
        mingzhang::store::Store::close(&s).await;
    };
    let url = db.url.clone();
    (db, url)
}

async fn findings_of(url: &str) -> Vec<String> {
    let store = mingzhang::store::AnyStore::connect(url).await.expect("connect");
    let report = verify_all(&store).await.unwrap();
    report.findings.into_iter().map(|f| f.message).collect()
}

/// A household changed after the last billing run, then that change undone behind the
/// program's back with the chain's head rewound to match: nothing in the database knows, so
/// only the master-data head kept outside (`mingzhang anchor`) catches it.
#[tokio::test]
async fn a_rewound_master_data_chain_is_caught_by_an_anchor_kept_outside() {
    let (_db, url) = fresh_community().await;
    let changed = TWO_HOUSEHOLDS.replace("13900000001", "13911112222");
    let heads = {
        let s = mingzhang::store::AnyStore::connect(&url).await.unwrap();
        let ledger = Ledger::new(s);
        let c = ledger.community(None).await.unwrap();
        ledger.fees().import_households(c.id, changed.as_bytes()).await.unwrap();
        mingzhang::verify::HeadsFile::now(&ledger.store).await.unwrap()
    };
    assert!(heads.master_data[0].seq > 0);
    drop_guards(&url).await;
    for sql in [
        "UPDATE households SET phone = '13900000001' WHERE room = '101'",
        "DELETE FROM master_versions WHERE seq = (SELECT MAX(seq) FROM master_versions)",
        "UPDATE communities SET master_seq = master_seq - 1",
    ] {
        raw_sql(&url, sql).await.unwrap();
    }
    // The head before the deleted version, as the chain recomputes it.
    let chain = master_chain(&url).await;
    let head = mingzhang::fees::seal::master::heads(&chain).pop().unwrap();
    raw_sql(&url, &format!("UPDATE communities SET master_head = '{head}'")).await.unwrap();
    assert!(findings_of(&url).await.is_empty(), "the rewound chain verifies on its own");
    let store = mingzhang::store::AnyStore::connect(&url).await.unwrap();
    let found = mingzhang::verify::verify_anchors(&store, &[heads], &[]).await.unwrap();
    assert!(found.iter().any(|f| f.message.contains("基础资料链") && f.message.contains("回卷")), "{found:#?}");
}

#[tokio::test]
async fn every_tamper_of_every_row_kind_is_caught_and_named() {
    let mut missed = Vec::new();
    let mut caught = 0;
    let all = tampers();
    let total = all.len() + 1;
    // The community is built once; each tamper gets a copy of it.
    let (fixture, _) = fresh_community().await;
    for tamper in all {
        let copy = copy_of(&fixture).await;
        let url = copy.url.clone();
        drop_guards(&url).await;
        for sql in &tamper.sql {
            let changed = raw_sql(&url, sql).await.unwrap_or_else(|e| panic!("{}: {sql}: {e}", tamper.name));
            assert!(changed > 0, "{}: the statement changed nothing: {sql}", tamper.name);
        }
        let findings = findings_of(&url).await;
        if let Some(named) = findings.iter().find(|m| tamper.expect.iter().all(|e| m.contains(e))) {
            println!("{}: {named}", tamper.name);
            caught += 1;
        } else {
            missed.push(format!("{}: expected a finding with {:?}, got {findings:#?}", tamper.name, tamper.expect));
        }
    }
    let copy = copy_of(&fixture).await;
    let url = copy.url.clone();
    drop_guards(&url).await;
    rewrite_history(&url).await;
    let findings = findings_of(&url).await;
    if findings.iter().any(|m| m.contains("计费批次 #") && m.contains("所依据的基础资料")) {
        caught += 1;
    } else {
        missed.push(format!("历史被整段改写: {findings:#?}"));
    }
    println!("caught {caught} of {total} tampers");
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}
