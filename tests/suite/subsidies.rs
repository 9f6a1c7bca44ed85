//! Subsidies on both engines: every difference kind from a crafted case, sign-off by the right
//! people only, a signed reconciliation frozen (in the program and in the schema), later
//! changes shown in the next one, the monthly release of 递延收益, and bad input refused with
//! nothing written.

use crate::common;

use common::*;
use mingzhang::access::store::AccessStore;
use mingzhang::access::{Access, NewUser, Role};
use mingzhang::domain::category::Category;
use mingzhang::domain::money::Fen;
use mingzhang::fees::store::FeesStore;
use mingzhang::ledger::rows::CommunityRow;
use mingzhang::ledger::{Book, Ledger};
use mingzhang::spending::{ExpenseInput, Spending};
use mingzhang::subsidies::reconcile::{Kind, Side};
use mingzhang::subsidies::settlement::Settle;
use mingzhang::subsidies::store::SubsidiesStore;
use mingzhang::subsidies::{DisbursementInput, ProgramInput, ReceiptInput, SignSide, Subsidies, Treatment};
use mingzhang::verify::verify_all;

const STREET: &str = "城东街道";
const OFFICER: &str = "财政所钱";
const OTHER_STREET_OFFICER: &str = "财政所孙";

fn yuan(y: i64) -> Fen {
    Fen(y * 100)
}

/// The company book of `company_book`, its community on 城东街道, and two finance-office users:
/// one of this street, one of another.
async fn setup<S: FeesStore + AccessStore>(ledger: &Ledger<S>) -> (Book, CommunityRow) {
    let book = company_book(ledger).await;
    let community = ledger.community(None).await.unwrap();
    let access = Access::new(ledger.store.clone());
    access.set_street(community.id, STREET).await.unwrap();
    for (name, street) in [(OFFICER, STREET), (OTHER_STREET_OFFICER, "城西街道")] {
        let new = NewUser { username: name, display_name: name, roles: &[Role::FinanceOffice], communities: &[], street, password: None };
        access.add_user(&new).await.unwrap();
    }
    (book, community)
}

fn program<'a>(document_no: &'a str, treatment: Treatment, approved: i64, ends_on: chrono::NaiveDate) -> ProgramInput<'a> {
    ProgramInput {
        document_no,
        purpose: "物业管理补贴",
        approved: yuan(approved),
        starts_on: date(2025, 1, 1),
        ends_on,
        treatment,
        eligible: vec![Category::Cleaning, Category::Greening],
    }
}

fn disbursement(program: &str, d: chrono::NaiveDate, amount: i64, reference: &str) -> DisbursementInput {
    DisbursementInput {
        row: 0,
        program: program.into(),
        date: d,
        amount: yuan(amount),
        payee: "测试物业公司".into(),
        reference: reference.into(),
    }
}

fn expense<'a>(d: chrono::NaiveDate, category: Category, amount: i64, program: Option<&'a str>) -> ExpenseInput<'a> {
    ExpenseInput { date: d, category, supplier: "保洁公司", summary: "外包服务费", amount: yuan(amount), payable: false, program }
}

async fn receive<S: SubsidiesStore + AccessStore>(
    s: &Subsidies<S>,
    book: &Book,
    program: &str,
    d: chrono::NaiveDate,
    amount: i64,
    reference: &str,
) -> i64 {
    let input = ReceiptInput { date: d, amount: yuan(amount), reference, bank_account: None };
    s.receive(book, program, &input, "王会计").await.unwrap().0.id.0
}

async fn differences_and_freezing<S: FeesStore + AccessStore + SubsidiesStore>(ledger: Ledger<S>, url: &str) {
    let (book, community) = setup(&ledger).await;
    let subsidies = Subsidies::new(&ledger);
    let spending = Spending::new(&ledger);
    let doc = "区财〔2025〕12号";
    subsidies.add_program(&book, &program(doc, Treatment::Deferred, 100_000, date(2026, 1, 1)), "王会计").await.unwrap();
    // The finance office's list, as crafted in reconcile.rs's own test.
    let rows = [
        disbursement(doc, date(2025, 1, 10), 1000, "A1"), // received for less
        disbursement(doc, date(2025, 2, 10), 500, "A2"),  // received 20 days later
        disbursement(doc, date(2025, 3, 10), 700, ""),    // never received
        disbursement(doc, date(2025, 4, 10), 300, ""),    // received 40 days later, no reference
    ];
    assert_eq!(subsidies.disburse(&community, &rows, OFFICER).await.unwrap(), 4);
    let r_short = receive(&subsidies, &book, doc, date(2025, 1, 11), 990, "A1").await;
    receive(&subsidies, &book, doc, date(2025, 3, 2), 500, "A2").await;
    receive(&subsidies, &book, doc, date(2025, 5, 20), 300, "").await;
    let r_stray = receive(&subsidies, &book, doc, date(2025, 6, 1), 80, "X9").await;
    let payroll = spending.record(&book, &expense(date(2025, 5, 1), Category::Payroll, 600, Some(doc)), "王会计").await.unwrap();
    assert!(payroll.warning.as_deref().is_some_and(|w| w.contains("人员薪酬")), "an ineligible tag is recorded and flagged");
    spending.record(&book, &expense(date(2025, 5, 2), Category::Cleaning, 2500, Some(doc)), "王会计").await.unwrap();

    let first = subsidies.reconcile(&community, doc, date(2025, 1, 1), date(2025, 7, 1), "王会计").await.unwrap();
    let found: Vec<(Kind, i64)> = first.differences.iter().map(|d| (d.kind, d.amount_fen / 100)).collect();
    assert_eq!(
        found,
        vec![
            (Kind::DisbursedNotReceived, 700),
            (Kind::ReceivedNotDisbursed, 80),
            (Kind::AmountDiffers, -10),
            (Kind::DateOutsideTolerance, 500),
            (Kind::DateOutsideTolerance, 300),
            (Kind::IneligibleCategory, 600),
            (Kind::BeyondReceived, 630),
        ]
    );
    assert_eq!(first.differences[1].receipt_id, r_stray);
    assert_eq!(first.differences[2].receipt_id, r_short);
    assert_eq!((first.reconciliation.disbursed_fen, first.reconciliation.received_fen), (250_000, 187_000));

    // The unspent balance at a program's end: a second program, over by April.
    let doc_b = "区财〔2025〕30号";
    subsidies.add_program(&book, &program(doc_b, Treatment::Immediate, 10_000, date(2025, 4, 1)), "王会计").await.unwrap();
    subsidies.disburse(&community, &[disbursement(doc_b, date(2025, 1, 20), 5000, "B1")], OFFICER).await.unwrap();
    receive(&subsidies, &book, doc_b, date(2025, 1, 22), 5000, "B1").await;
    spending.record(&book, &expense(date(2025, 2, 1), Category::Greening, 3000, Some(doc_b)), "王会计").await.unwrap();
    let ended = subsidies.reconcile(&community, doc_b, date(2025, 1, 1), date(2025, 4, 1), "王会计").await.unwrap();
    let found: Vec<(Kind, i64)> = ended.differences.iter().map(|d| (d.kind, d.amount_fen / 100)).collect();
    assert_eq!(found, vec![(Kind::UnspentAtEnd, 2000)]);
    // Spending after the program's end is refused.
    let late = spending.record(&book, &expense(date(2025, 4, 2), Category::Greening, 10, Some(doc_b)), "王会计").await.unwrap_err();
    assert!(late.to_string().contains("已于 2025-03-31 结束"), "{late}");

    // Sign-off: the right role, the right street, each side once.
    let id = first.reconciliation.id;
    let wrong_role = subsidies.sign(&community, id, SignSide::FinanceOffice, "王会计").await.unwrap_err();
    assert!(wrong_role.to_string().contains("不是社区") || wrong_role.to_string().contains("角色"), "{wrong_role}");
    let other_street = subsidies.sign(&community, id, SignSide::FinanceOffice, OTHER_STREET_OFFICER).await.unwrap_err();
    assert!(other_street.to_string().contains(STREET), "{other_street}");
    let office_for_company = subsidies.sign(&community, id, SignSide::Company, OFFICER).await.unwrap_err();
    assert!(office_for_company.to_string().contains("角色"), "{office_for_company}");
    let signed = subsidies.sign(&community, id, SignSide::Company, "王会计").await.unwrap();
    assert_eq!(signed.state_label(), "物业公司已签字，待街道财政所签字");
    let before = snapshot(url).await;
    let twice = subsidies.sign(&community, id, SignSide::Company, "李主管").await.unwrap_err();
    assert!(twice.to_string().contains("只签一次"), "{twice}");
    assert_eq!(snapshot(url).await, before, "a refused sign-off writes nothing");
    // The office explains a difference as it signs; a note on no difference is refused.
    let notes = |seq: i64, note: &str| vec![(seq, note.to_string()), (7, "  ".to_string())];
    let stray = subsidies.sign_with_notes(&community, id, SignSide::FinanceOffice, OFFICER, &notes(42, "无此项")).await.unwrap_err();
    assert!(stray.to_string().contains("第 42 项"), "{stray}");
    let both =
        subsidies.sign_with_notes(&community, id, SignSide::FinanceOffice, OFFICER, &notes(1, "区财政二期资金下月拨付")).await.unwrap();
    assert!(both.is_signed());
    assert_eq!(both.notes.len(), 1, "a blank note is left out");
    let table = mingzhang::subsidies::paper::statement_table(&both);
    assert!(table.footer.iter().any(|f| f == "第 1 项差异，街道财政所说明：区财政二期资金下月拨付"), "{:?}", table.footer);
    assert!(
        raw_sql(url, &format!("UPDATE reconciliation_notes SET note = 'x' WHERE reconciliation_id = {id}")).await.is_err(),
        "notes are append-only"
    );

    // Frozen: a row it saw cannot be withdrawn, by the program or past it.
    let before = snapshot(url).await;
    let d_id = first.differences[0].disbursement_id;
    let refused = subsidies.withdraw(&community, Side::Disbursement, d_id, "录错", date(2025, 7, 1), OFFICER).await.unwrap_err();
    assert!(refused.to_string().contains("已签字的对账单"), "{refused}");
    let receipt_refused = subsidies.withdraw(&community, Side::Receipt, r_short, "录错", date(2025, 7, 1), "王会计").await.unwrap_err();
    assert!(receipt_refused.to_string().contains("已签字的对账单"), "{receipt_refused}");
    let c = community.id.0;
    for sql in [
        format!("INSERT INTO subsidy_withdrawals (community_id, side, row_id, reason, withdrawn_by, withdrawn_at) VALUES ({c}, 'disbursement', {d_id}, 'x', '王会计', '2025-07-01T00:00:00Z')"),
        format!("UPDATE subsidy_disbursements SET amount_fen = 1 WHERE id = {d_id}"),
        format!("DELETE FROM reconciliation_rows WHERE reconciliation_id = {id}"),
        format!("UPDATE reconciliations SET differences = 0 WHERE id = {id}"),
        format!("INSERT INTO reconciliation_differences (community_id, reconciliation_id, seq, kind, disbursement_id, receipt_id, spending_id, amount_fen, detail) VALUES ({c}, {id}, 99, 'amount_differs', 0, 0, 0, 1, 'x')"),
        format!("DELETE FROM reconciliation_signoffs WHERE reconciliation_id = {id}"),
    ] {
        assert!(raw_sql(url, &sql).await.is_err(), "the schema refuses: {sql}");
    }
    assert_eq!(snapshot(url).await, before, "nothing a signed reconciliation froze has changed");

    // A row recorded later into the signed range shows up in the next reconciliation and never
    // in the signed one.
    subsidies.disburse(&community, &[disbursement(doc, date(2025, 3, 1), 200, "A5")], OFFICER).await.unwrap();
    let next = subsidies.reconcile(&community, doc, date(2025, 7, 1), date(2026, 1, 1), "王会计").await.unwrap();
    let late: Vec<_> = next.differences.iter().filter(|d| d.kind == Kind::ChangedAfterSignOff).collect();
    assert_eq!(late.len(), 1, "{:?}", next.differences);
    assert!(late[0].detail.contains(&format!("#{id}")), "{}", late[0].detail);
    let again = subsidies.statement(&community, id).await.unwrap();
    assert_eq!(serde_json::to_string(&again).unwrap(), serde_json::to_string(&both).unwrap(), "the signed statement never changes");

    // A reconciliation made before a change is not signed after it.
    let stale = subsidies.reconcile(&community, doc_b, date(2025, 1, 1), date(2025, 4, 1), "王会计").await.unwrap();
    subsidies.disburse(&community, &[disbursement(doc_b, date(2025, 2, 1), 100, "")], OFFICER).await.unwrap();
    let refused = subsidies.sign(&community, stale.reconciliation.id, SignSide::Company, "王会计").await.unwrap_err();
    assert!(refused.to_string().contains("重新生成"), "{refused}");

    // The finance office's overview.
    let lines = subsidies.overview(std::slice::from_ref(&community)).await.unwrap();
    let a = lines.iter().find(|l| l.document_no == doc).unwrap();
    assert_eq!((a.disbursed, a.received, a.spent, a.unspent), (yuan(2700), yuan(1870), yuan(2500), yuan(-630)));
    assert_eq!(a.latest.as_ref().map(|l| (l.id, l.state)), Some((next.reconciliation.id, "待双方签字")));

    // A note rewritten behind the program's back breaks the office's signature, and verify
    // says so.
    drop_guards(url).await;
    raw_sql(url, &format!("UPDATE reconciliation_notes SET note = '资金已全部拨付' WHERE reconciliation_id = {id}")).await.unwrap();
    assert!(subsidies.statement(&community, id).await.unwrap().broken);
    let mut findings = Vec::new();
    mingzhang::subsidies::verify_signoffs(&ledger.store, &community, &mut |_, m| findings.push(m)).await.unwrap();
    assert!(findings.iter().any(|f| f.contains(&format!("对账单 #{id} 的签字"))), "{findings:#?}");
}

#[tokio::test]
async fn each_difference_kind_is_found_and_a_signed_reconciliation_is_frozen() {
    on_fresh_store!(differences_and_freezing)
}

async fn release_by_month<S: FeesStore + AccessStore + SubsidiesStore>(ledger: Ledger<S>, _url: &str) {
    let (book, community) = setup(&ledger).await;
    let subsidies = Subsidies::new(&ledger);
    let spending = Spending::new(&ledger);
    let doc = "区财〔2025〕8号";
    subsidies.add_program(&book, &program(doc, Treatment::Deferred, 50_000, date(2026, 1, 1)), "王会计").await.unwrap();
    subsidies.disburse(&community, &[disbursement(doc, date(2025, 1, 5), 30_000, "R1")], OFFICER).await.unwrap();
    receive(&subsidies, &book, doc, date(2025, 1, 6), 30_000, "R1").await;
    // Eligible spending by month (in fen), and an ineligible expense in February.
    let eligible = [(1, 1_000_000), (2, 1_234_567), (3, 500_000)];
    for (month, fen) in eligible {
        let input = ExpenseInput { amount: Fen(fen), ..expense(date(2025, month, 15), Category::Cleaning, 0, Some(doc)) };
        spending.record(&book, &input, "王会计").await.unwrap();
    }
    spending.record(&book, &expense(date(2025, 2, 20), Category::Office, 3000, Some(doc)), "王会计").await.unwrap();
    for (month, fen) in eligible {
        let released = subsidies.release(&book, period(2025, month), "王会计").await.unwrap();
        assert_eq!(released.len(), 1);
        assert_eq!(released[0].amount, Fen(fen), "the release of 2025-{month:02} is that month's eligible spending");
        let movement = our_balances(&ledger, &book, (2025, month), (2025, month), true).await;
        assert_eq!(movement.get("240101").copied(), Some(fen - if month == 1 { 3_000_000 } else { 0 }), "递延收益 in 2025-{month:02}");
        assert_eq!(movement.get("530101").copied(), Some(-fen), "营业外收入 in 2025-{month:02}");
    }
    let twice = subsidies.release(&book, period(2025, 3), "王会计").await.unwrap();
    assert_eq!((twice[0].amount, twice[0].outcome.as_str()), (Fen(0), "本月已结转"));
    let closing = our_balances(&ledger, &book, (2025, 1), (2025, 3), false).await;
    assert_eq!(closing.get("240101").copied(), Some(-(3_000_000 - 2_734_567)), "what is left deferred");
    // 利润表 行23 其中：政府补助 reads 营业外收入—政府补助: the year's releases, March's alone.
    let income = mingzhang::report::statement::statement(&ledger.store, &book, "income_statement", period(2025, 3)).await.unwrap();
    assert!(income.checks_hold(), "{:?}", income.checks);
    assert_eq!((income.value(23, 0).unwrap(), income.value(23, 1).unwrap()), (Fen(2_734_567), Fen(500_000)), "其中：政府补助");
    assert_eq!(income.value(22, 0), income.value(23, 0), "all of 营业外收入 is released subsidy");
}

#[tokio::test]
async fn the_release_of_deferred_income_equals_eligible_spending_month_by_month() {
    on_fresh_store!(release_by_month)
}

async fn bad_input<S: FeesStore + AccessStore + SubsidiesStore>(ledger: Ledger<S>, url: &str) {
    let (book, community) = setup(&ledger).await;
    let subsidies = Subsidies::new(&ledger);
    let doc = "区财〔2025〕9号";
    let collective =
        subsidies.add_program(&book, &program(doc, Treatment::Collective, 1000, date(2026, 1, 1)), "王会计").await.unwrap_err();
    assert!(collective.to_string().contains("核算方式"), "{collective}");
    let backwards = subsidies.add_program(&book, &program(doc, Treatment::Deferred, 1000, date(2024, 1, 1)), "王会计").await.unwrap_err();
    assert!(backwards.to_string().contains("截止日期"), "{backwards}");
    subsidies.add_program(&book, &program(doc, Treatment::Deferred, 1000, date(2026, 1, 1)), "王会计").await.unwrap();
    let duplicate = subsidies.add_program(&book, &program(doc, Treatment::Deferred, 1000, date(2026, 1, 1)), "王会计").await.unwrap_err();
    assert!(duplicate.to_string().contains("文号"), "{duplicate}");

    let before = snapshot(url).await;
    let list = [
        disbursement("区财〔2099〕1号", date(2025, 2, 1), 100, ""),
        DisbursementInput { amount: Fen(-100), ..disbursement(doc, date(2025, 2, 1), 0, "") },
        disbursement(doc, date(2025, 3, 1), 600, ""),
        disbursement(doc, date(2025, 4, 1), 600, ""), // beyond the approved 1,000.00 with the one above
        disbursement(doc, date(2024, 12, 31), 10, ""),
    ];
    let listed = subsidies.disburse(&community, &list, OFFICER).await.unwrap_err().to_string();
    for expected in ["没有文号或编号为“区财〔2099〕1号”", "须大于零", "超过批复金额", "不在项目期间"] {
        assert!(listed.contains(expected), "{expected} in {listed}");
    }
    let by_accountant = subsidies.disburse(&community, &[disbursement(doc, date(2025, 2, 1), 1, "")], "王会计").await.unwrap_err();
    assert!(by_accountant.to_string().contains("角色"), "{by_accountant}");
    let file = "日期,文号,金额,收款单位,凭证号\n2025-02-01,区财〔2025〕9号,100.00,测试物业公司,F1\n2025-02-30,区财〔2025〕9号,1.00,测试物业公司,\n2025-03-01,区财〔2025〕9号,abc,测试物业公司,\n";
    let parsed = mingzhang::subsidies::import::parse_disbursements(file.as_bytes()).unwrap_err().to_string();
    assert!(parsed.contains("第 3 行“日期”列") && parsed.contains("第 4 行“金额”列"), "{parsed}");
    assert_eq!(snapshot(url).await, before, "refused input writes nothing");

    let rows =
        mingzhang::subsidies::import::parse_disbursements(&file.lines().take(2).collect::<Vec<_>>().join("\n").into_bytes()).unwrap();
    assert_eq!(subsidies.disburse(&community, &rows, OFFICER).await.unwrap(), 1);
}

#[tokio::test]
async fn bad_subsidy_input_is_refused_with_its_reason_and_nothing_written() {
    on_fresh_store!(bad_input)
}

async fn tampered_rows<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, _) = setup(&ledger).await;
    let subsidies = Subsidies::new(&ledger);
    let doc = "区财〔2025〕5号";
    subsidies.add_program(&book, &program(doc, Treatment::Immediate, 50_000, date(2026, 1, 1)), "王会计").await.unwrap();
    let receipt = receive(&subsidies, &book, doc, date(2025, 1, 6), 20_000, "T1").await;
    let spent =
        Spending::new(&ledger).record(&book, &expense(date(2025, 1, 9), Category::Cleaning, 800, Some(doc)), "王会计").await.unwrap();
    assert!(mingzhang::verify::verify_all(&ledger.store).await.unwrap().is_clean());
    // Someone with the database password, past the triggers that keep the rows append-only.
    for (table, id) in [("subsidy_receipts", receipt), ("expenses", spent.expense.id.0)] {
        if is_pg(url) {
            raw_sql(url, &format!("ALTER TABLE {table} DISABLE TRIGGER USER")).await.unwrap();
        } else {
            raw_sql(url, &format!("DROP TRIGGER {table}_append_only_update")).await.unwrap();
        }
        raw_sql(url, &format!("UPDATE {table} SET amount_fen = amount_fen - 1 WHERE id = {id}")).await.unwrap();
    }
    let report = mingzhang::verify::verify_all(&ledger.store).await.unwrap();
    let found: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(found.iter().any(|m| m.contains(&format!("补贴到账 #{receipt}")) && m.contains("不符")), "{found:?}");
    assert!(found.iter().any(|m| m.contains(&format!("支出 #{}", spent.expense.id))), "{found:?}");
    assert!(report.findings.iter().all(|f| f.invariant == 4));
}

#[tokio::test]
async fn verify_finds_a_receipt_or_an_expense_changed_behind_the_programs_back() {
    on_fresh_store!(tampered_rows)
}

/// 递延收益 never ahead of the program: a withdrawal after a release takes the excess back in
/// its own transaction, and an ended program's balance is returned (then paid) or carried over.
async fn never_ahead_and_settled<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let (book, community) = setup(&ledger).await;
    let subsidies = Subsidies::new(&ledger);
    let spending = Spending::new(&ledger);
    let doc = "区财〔2025〕21号";
    subsidies.add_program(&book, &program(doc, Treatment::Deferred, 100_000, date(2025, 7, 1)), "王会计").await.unwrap();
    let receipt = receive(&subsidies, &book, doc, date(2025, 1, 6), 30_000, "R1").await;
    let cleaning = spending.record(&book, &expense(date(2025, 1, 15), Category::Cleaning, 20_000, Some(doc)), "王会计").await.unwrap();
    assert_eq!(subsidies.release(&book, period(2025, 1), "王会计").await.unwrap()[0].amount, yuan(20_000));
    let deferred = |b: std::collections::BTreeMap<String, i64>| b.get("240101").copied().unwrap_or(0);

    // The receipt withdrawn after January's release: the 20,000 released goes back first.
    subsidies.withdraw(&community, Side::Receipt, receipt, "到账录重", date(2025, 2, 3), "王会计").await.unwrap();
    let feb = our_balances(&ledger, &book, (2025, 1), (2025, 2), false).await;
    assert_eq!(deferred(feb.clone()), 0, "递延收益 empty, never debit");
    assert_eq!(feb.get("530101").copied().unwrap_or(0), 0, "营业外收入—政府补助 taken back");
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());
    // The money arrives again: the spending is released again, from the truth.
    receive(&subsidies, &book, doc, date(2025, 2, 10), 30_000, "R2").await;
    assert_eq!(subsidies.release(&book, period(2025, 2), "王会计").await.unwrap()[0].amount, yuan(20_000));
    // The cleaning expense withdrawn: its release goes back, 递延收益 holds all 30,000 again.
    subsidies.withdraw(&community, Side::Spending, cleaning.expense.id.0, "录错项目", date(2025, 3, 3), "王会计").await.unwrap();
    assert_eq!(deferred(our_balances(&ledger, &book, (2025, 1), (2025, 3), false).await), -3_000_000);
    spending.record(&book, &expense(date(2025, 4, 15), Category::Greening, 12_000, Some(doc)), "王会计").await.unwrap();
    assert_eq!(subsidies.release(&book, period(2025, 4), "王会计").await.unwrap()[0].amount, yuan(12_000));

    // Ended with 18,000 unspent: not before its end, then returned once and paid.
    let before = snapshot(url).await;
    let early = subsidies.settle(&book, doc, Settle::Return { document: "区财〔2025〕40号" }, date(2025, 6, 30), "王会计").await;
    assert!(early.unwrap_err().to_string().contains("尚未结束"));
    assert_eq!(snapshot(url).await, before, "nothing written by a refused settlement");
    let settled = subsidies.settle(&book, doc, Settle::Return { document: "区财〔2025〕40号" }, date(2025, 7, 10), "王会计").await.unwrap();
    assert_eq!(settled.amount_fen, 1_800_000);
    let twice = subsidies.settle(&book, doc, Settle::CarryOver { decision: "董事会决议" }, date(2025, 7, 11), "王会计").await;
    assert!(twice.unwrap_err().to_string().contains("已处理"));
    let jul = our_balances(&ledger, &book, (2025, 1), (2025, 7), false).await;
    assert_eq!((deferred(jul.clone()), jul.get("224104").copied()), (0, Some(-1_800_000)), "moved to 应退财政资金");
    assert_eq!(subsidies.refund(&book, doc, date(2025, 7, 20), "王会计").await.unwrap(), yuan(18_000));
    let paid = our_balances(&ledger, &book, (2025, 1), (2025, 7), false).await;
    assert_eq!(paid.get("224104").copied().unwrap_or(0), 0, "paid to the treasury");
    let status = subsidies.deferred_status(&book, date(2025, 8, 1)).await.unwrap();
    assert_eq!(status.len(), 1);
    assert_eq!((status[0].1.balance_fen(), status[0].2.as_ref().map(|s| s.kind.as_str())), (0, Some("return")));
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());
}

#[tokio::test]
async fn deferred_income_never_outruns_the_program_and_an_ended_program_is_settled() {
    on_fresh_store!(never_ahead_and_settled)
}
