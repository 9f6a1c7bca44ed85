//! The newer wings' rows sealed in their vouchers' hashes (fees::seal::wings): the demo's
//! books (subsidies, expenses, public revenue, the collective's transfer and distribution, fixed
//! assets) tampered with one change at a time by someone with the database password and no
//! triggers in the way; `verify` names each, on both engines.

use crate::common;

use common::*;
use mingzhang::ledger::Ledger;
use mingzhang::verify::verify_all;
use sqlx::Connection;

/// The demo's books, built once; each tamper gets a copy.
async fn demo_books() -> TestDb {
    let db = fresh_db().await;
    {
        let s = mingzhang::store::AnyStore::connect(&db.url).await.expect("connect");
        let ledger = Ledger::new(s.clone());
        let books = mingzhang::cli::demo::build(&ledger, 5, 2025, 60).await.unwrap();
        // What the demo does not do: an expense owed and paid later, and one withdrawn.
        let spending = mingzhang::spending::Spending::new(&ledger);
        let owed = mingzhang::spending::ExpenseInput {
            date: date(2026, 1, 10),
            category: mingzhang::domain::category::Category::Repairs,
            supplier: "某维修公司",
            summary: "单元门维修",
            amount: mingzhang::domain::money::Fen(120_000),
            payable: true,
            program: None,
        };
        let owed = spending.record(&books.company, &owed, "会计").await.unwrap();
        spending.pay(&books.company, owed.expense.id, date(2026, 1, 20), "会计").await.unwrap();
        let wrong = mingzhang::spending::ExpenseInput { summary: "录错的支出", payable: false, ..owed_input() };
        let wrong = spending.record(&books.company, &wrong, "会计").await.unwrap();
        let community = ledger.community(None).await.unwrap();
        let subsidies = mingzhang::subsidies::Subsidies::new(&ledger);
        subsidies
            .withdraw(&community, mingzhang::subsidies::reconcile::Side::Spending, wrong.expense.id.0, "录错", date(2026, 1, 21), "会计")
            .await
            .unwrap();
        let report = verify_all(&s).await.unwrap();
        assert!(report.is_clean(), "the demo verifies before any tamper: {:#?}", report.findings);
        mingzhang::store::Store::close(&s).await;
    };
    db
}

fn owed_input() -> mingzhang::spending::ExpenseInput<'static> {
    mingzhang::spending::ExpenseInput {
        date: date(2026, 1, 11),
        category: mingzhang::domain::category::Category::Repairs,
        supplier: "某维修公司",
        summary: "维修",
        amount: mingzhang::domain::money::Fen(50_000),
        payable: true,
        program: None,
    }
}

/// One change to a wing's rows and what the finding that names it must say.
const TAMPERS: &[(&str, &str, &[&str])] = &[
    ("补贴到账金额被改", "UPDATE subsidy_receipts SET amount_fen = amount_fen + 100 WHERE id = (SELECT MIN(id) FROM subsidy_receipts)", &["补贴到账", "不符"]),
    ("补贴到账被删", "DELETE FROM subsidy_receipts WHERE id = (SELECT MAX(id) FROM subsidy_receipts)", &["已不见"]),
    ("支出类别被改", "UPDATE expenses SET category = 'repairs' WHERE id = (SELECT MIN(id) FROM expenses WHERE category <> 'repairs')", &["支出", "不符"]),
    ("支出改挂补贴项目", "UPDATE expenses SET program_id = NULL WHERE id = (SELECT MIN(id) FROM expenses WHERE program_id IS NOT NULL)", &["支出", "不符"]),
    (
        "支出移到另一张凭证",
        "UPDATE expenses SET voucher_id = (SELECT MAX(voucher_id) FROM expenses) WHERE id = (SELECT MIN(id) FROM expenses)",
        &["支出", "不符"],
    ),
    (
        "支出改挂到计费批次的凭证",
        "UPDATE expenses SET voucher_id = (SELECT MIN(r.voucher_id) FROM billing_runs r JOIN expenses e ON e.book_id = r.book_id) \
         WHERE id = (SELECT MAX(id) FROM expenses)",
        &["计费批次的凭证", "支出", "子账在记账后被加入"],
    ),
    ("补贴结转金额被改", "UPDATE subsidy_releases SET amount_fen = amount_fen - 1 WHERE period = (SELECT MIN(period) FROM subsidy_releases)", &["补贴结转", "不符"]),
    ("公共收益来源被改", "UPDATE public_revenue_entries SET detail = '某某' WHERE id = (SELECT MIN(id) FROM public_revenue_entries)", &["公共收益", "不符"]),
    ("公共收益被删", "DELETE FROM public_revenue_entries WHERE id = (SELECT MAX(id) FROM public_revenue_entries)", &["已不见"]),
    ("应付支出付款日期被改", "UPDATE expense_payments SET paid_on = '2026-01-29'", &["支出付款", "不符"]),
    ("撤回原因被改", "UPDATE subsidy_withdrawals SET reason = '随便'", &["撤回", "不符"]),
    ("收益分配被改", "UPDATE distributions SET welfare_bp = welfare_bp + 1", &["收益分配", "不符"]),
    (
        "成员分配额被改",
        "UPDATE distribution_lines SET amount_fen = amount_fen + 100 WHERE seq = 1",
        &["分配明细", "不符"],
    ),
    ("成员被换", "UPDATE distribution_lines SET name = '王某' WHERE seq = 2", &["分配明细", "不符"]),
    ("分配发放日期被改", "UPDATE distribution_payments SET paid_on = '2025-12-30'", &["分配发放", "不符"]),
    ("资产折旧被改", "UPDATE asset_depreciations SET amount_fen = amount_fen + 1 WHERE period = (SELECT MIN(period) FROM asset_depreciations)", &["资产折旧", "不符"]),
    ("折旧批次被改", "UPDATE asset_depreciation_runs SET created_by = '主管乙'", &["计提折旧", "不符"]),
    ("资产补助结转被改", "UPDATE asset_subsidy_releases SET amount_fen = amount_fen + 1 WHERE period = (SELECT MIN(period) FROM asset_subsidy_releases)", &["资产补助结转", "不符"]),
    ("补贴项目金额被改", "UPDATE subsidy_programs SET approved_fen = approved_fen * 2", &["补贴项目 #", "被绕过程序改动"]),
    ("补贴拨付金额被改", "UPDATE subsidy_disbursements SET amount_fen = amount_fen + 100 WHERE id = (SELECT MIN(id) FROM subsidy_disbursements)", &["补贴拨付 #", "被绕过程序改动"]),
    ("预算被改", "UPDATE budgets SET amount_fen = amount_fen + 100 WHERE category = (SELECT MIN(category) FROM budgets)", &["预算 #", "被绕过程序改动"]),
    ("预算被删", "DELETE FROM budgets WHERE category = (SELECT MAX(category) FROM budgets)", &["预算 #", "被删除"]),
    ("分成规则被改", "UPDATE public_revenue_rules SET share_permille = share_permille + 1", &["公共收益分成规则 #", "被绕过程序改动"]),
    ("名册成员股数被改", "UPDATE roster_members SET shares = shares + 1 WHERE seq = 3", &["名册成员 #", "被绕过程序改动"]),
    ("资产原值被改", "UPDATE fixed_assets SET original_fen = original_fen + 100", &["固定资产卡片 #", "被绕过程序改动"]),
    ("签字后对账行被改", "UPDATE reconciliation_rows SET amount_fen = amount_fen + 1 WHERE reconciliation_id = 1", &["对账单 #1 的签字", "签字后被改动"]),
    ("签字被删", "DELETE FROM reconciliation_signoffs WHERE reconciliation_id = 2 AND side = 'finance_office'", &["对账单签字 #", "被删除"]),
    (
        "伪造的签字",
        "INSERT INTO reconciliation_signoffs (community_id, reconciliation_id, side, username, signed_at)
         SELECT community_id, reconciliation_id, 'finance_office', username, signed_at FROM reconciliation_signoffs
         WHERE reconciliation_id = 3 AND side = 'company'",
        &["对账单签字 #", "被绕过程序写入"],
    ),
    (
        "伪造的支出挂到手工凭证",
        "INSERT INTO expenses (community_id, book_id, spent_on, category, supplier, summary, amount_fen, payable, program_id, voucher_id, recorded_by, recorded_at)
         SELECT community_id, book_id, spent_on, category, supplier, summary, amount_fen, payable, program_id,
                (SELECT MAX(v.id) FROM vouchers v WHERE v.book_id = e.book_id AND v.status = 'posted' AND v.maker <> '系统'), recorded_by, recorded_at
         FROM expenses e WHERE id = (SELECT MIN(id) FROM expenses)",
        &["没有封存", "被加入"],
    ),
];

#[tokio::test]
async fn every_tamper_of_a_newer_wings_row_is_named_by_verify() {
    let demo = demo_books().await;
    let mut missed = Vec::new();
    for (name, sql, expect) in TAMPERS {
        let copy = copy_of(&demo).await;
        drop_guards(&copy.url).await;
        let changed = raw_sql(&copy.url, sql).await.unwrap_or_else(|e| panic!("{name}: {sql}: {e}"));
        assert!(changed > 0, "{name}: the statement changed nothing: {sql}");
        let findings: Vec<String> = {
            let s = mingzhang::store::AnyStore::connect(&copy.url).await.unwrap();
            let report = verify_all(&s).await.unwrap();
            mingzhang::store::Store::close(&s).await;
            report.findings.into_iter().map(|f| f.message).collect()
        };
        match findings.iter().find(|m| expect.iter().all(|e| m.contains(e))) {
            Some(named) => println!("{name}: {named}"),
            None => missed.push(format!("{name}: {findings:#?}")),
        }
    }
    assert!(missed.is_empty(), "not named:\n{}", missed.join("\n"));

    // A statement whose signed rows were changed never shows as signed by both sides.
    let copy = copy_of(&demo).await;
    drop_guards(&copy.url).await;
    raw_sql(&copy.url, TAMPERS.iter().find(|t| t.0 == "签字后对账行被改").unwrap().1).await.unwrap();
    {
        let s = mingzhang::store::AnyStore::connect(&copy.url).await.unwrap();
        let ledger = Ledger::new(s.clone());
        let community = ledger.community(None).await.unwrap();
        let statement =
            mingzhang::subsidies::Subsidies::new(&ledger).statement(&community, mingzhang::domain::ids::ReconciliationId(1)).await.unwrap();
        assert!(!statement.is_signed() && statement.state_label().contains("签字不再成立"), "{}", statement.state_label());
        mingzhang::store::Store::close(&s).await;
    };
}

/// A command at the terminal is audited like a request to the server, and the audit log is a
/// hash chain: an entry changed or removed behind the program's back is named.
#[tokio::test]
async fn the_command_line_is_audited_and_the_audit_log_is_chained() {
    let demo = demo_books().await;
    let run = |db: &str, args: &[&str]| {
        let out = mingzhang().arg("--db").arg(db).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    run(&demo.url, &["day-close", "--book", "company", "--date", "2026-01-31", "--user", "主管乙"]);
    run(&demo.url, &["report", "trial-balance", "--book", "company", "--from", "2025-01", "--to", "2025-01"]);
    let audited: Vec<(String, String)> = if is_pg(&demo.url) {
        let mut conn = sqlx::PgConnection::connect(&demo.url).await.unwrap();
        let rows = sqlx::query_as("SELECT username, action FROM audit_log ORDER BY id").fetch_all(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        rows
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", demo.url)).await.unwrap();
        sqlx::query_as("SELECT username, action FROM audit_log ORDER BY id").fetch_all(&mut conn).await.unwrap()
    };
    assert_eq!(audited, vec![("主管乙".to_string(), "cli.day-close".to_string())], "a report writes no entry");
    let heads = {
        let s = mingzhang::store::AnyStore::connect(&demo.url).await.unwrap();
        let heads = mingzhang::verify::HeadsFile::now(&s).await.unwrap();
        mingzhang::store::Store::close(&s).await;
        heads
    };
    assert!(heads.audit.iter().any(|a| a.seq == 1 && !a.community.is_empty()), "{:?}", heads.audit);
    for (sql, expect) in [
        ("UPDATE audit_log SET target = '改过' WHERE action = 'cli.day-close'", "被改动"),
        ("DELETE FROM audit_log WHERE action = 'cli.day-close'", "链尾被删除或改写"),
    ] {
        let copy = copy_of(&demo).await;
        drop_guards(&copy.url).await;
        assert_eq!(raw_sql(&copy.url, sql).await.unwrap(), 1);
        let findings: Vec<String> = {
            let s = mingzhang::store::AnyStore::connect(&copy.url).await.unwrap();
            let report = verify_all(&s).await.unwrap();
            mingzhang::store::Store::close(&s).await;
            report.findings.into_iter().map(|f| f.message).collect()
        };
        assert!(findings.iter().any(|m| m.contains("审计日志") && m.contains(expect)), "{sql}: {findings:#?}");
    }
    // The entry removed and the chain's head rewound to match: only the head kept outside knows.
    let copy = copy_of(&demo).await;
    drop_guards(&copy.url).await;
    raw_sql(&copy.url, "DELETE FROM audit_log WHERE action = 'cli.day-close'").await.unwrap();
    raw_sql(&copy.url, "UPDATE audit_heads SET seq = 0, head = '' WHERE chain_id > 0").await.unwrap();
    {
        let s = mingzhang::store::AnyStore::connect(&copy.url).await.unwrap();
        assert!(verify_all(&s).await.unwrap().is_clean(), "the rewound log verifies on its own");
        let found = mingzhang::verify::verify_anchors(&s, std::slice::from_ref(&heads), &[]).await.unwrap();
        assert!(found.iter().any(|f| f.message.contains("审计日志没有锚点记录的第 1 条")), "{found:#?}");
        mingzhang::store::Store::close(&s).await;
    };
}

/// A role granted in the table behind the program's back is named by `verify` and opens
/// nothing: the program refuses to act for that user until an admin looks.
#[tokio::test]
async fn a_role_escalated_behind_the_programs_back_is_named_and_refused() {
    let db = fresh_db().await;
    {
        let s = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
        let ledger = Ledger::new(s.clone());
        let book = company_book(&ledger).await;
        let community = ledger.community(None).await.unwrap();
        let access = mingzhang::access::Access::new(s.clone());
        let cashier = mingzhang::access::NewUser {
            username: "小出纳",
            display_name: "小出纳",
            roles: &[mingzhang::access::Role::Cashier],
            communities: &[book.row.community_id],
            street: "",
            password: Some("a long enough password"),
        };
        access.add_user(&cashier).await.unwrap();
        assert!(verify_all(&s).await.unwrap().is_clean());
        let review = mingzhang::access::Act::Review;
        assert!(access.actor("--user", "小出纳", &community, review).await.is_err(), "a cashier does not review");
        drop_guards(&db.url).await;
        raw_sql(&db.url, "INSERT INTO user_roles (user_id, role) SELECT id, 'reviewer' FROM users WHERE username = '小出纳'")
            .await
            .unwrap();
        let err = access.actor("--user", "小出纳", &community, review).await.unwrap_err().to_string();
        assert!(err.contains("在程序之外被改动"), "{err}");
        let findings: Vec<String> = verify_all(&s).await.unwrap().findings.into_iter().map(|f| f.message).collect();
        assert!(findings.iter().any(|m| m.contains("用户 小出纳") && m.contains("被绕过程序改动")), "{findings:#?}");
        let (session, _) = access.start_session(&access.user("小出纳").await.unwrap(), "127.0.0.1").await.unwrap();
        assert!(access.session(&session).await.unwrap().is_none(), "its session opens nothing");
        mingzhang::store::Store::close(&s).await;
    };
}
