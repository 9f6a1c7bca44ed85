//! The real binary, end to end: what an accountant types, what she reads back, and the exit
//! codes scripts rely on.

use crate::common;

use common::*;

/// Everyone recorded is a user: `--user`, `--cashier` and `--approver` must name one who is not
/// disabled, whose role allows the act and who works in the community; a refusal writes nothing.
#[tokio::test]
async fn the_person_a_command_records_must_be_a_user_allowed_to_act_here() {
    let db = empty_db().await;
    let url = db.url.as_str();
    ok(url, &["init", "经办人社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    ok(url, &["init", "另一社区"]);
    let here = ["--community", "经办人社区"];
    ok(url, &[&here[..], &["user", "add", "小张", "--name", "张会计", "--role", "accountant"]].concat());
    ok(url, &[&here[..], &["user", "add", "小李", "--name", "李出纳", "--role", "cashier"]].concat());
    ok(url, &["user", "add", "老王", "--name", "王会计", "--role", "accountant", "--in", "另一社区"]);
    let add = |user: &'static str| {
        [
            &here[..],
            &["voucher", "add", "--book", "company", "--date", "2025-01-08", "--user", user],
            &["--debit", "1001,10.00,收费", "--credit", "500102,10.00,收费"],
        ]
        .concat()
    };
    for (user, reason) in [
        ("路人甲", "“路人甲”不是本系统的用户"),
        ("小李", "用户 小李 的角色不能制单、计费或结账"),
        ("老王", "用户 老王 不在社区 经办人社区 工作"),
        ("系统", "用户 系统 的角色不能制单"),
    ] {
        let (code, _, err) = run(url, &add(user));
        assert_eq!(code, 1, "{user}: {err}");
        assert!(err.contains("--user") && err.contains(reason), "{user}: {err}");
    }
    let (code, _, err) = run(
        url,
        &[
            &here[..],
            &[
                "pay",
                "--book",
                "company",
                "--household",
                "1-1-101",
                "--amount",
                "1",
                "--method",
                "cash",
                "--date",
                "2025-01-08",
                "--key",
                "k",
                "--cashier",
                "小张",
            ],
        ]
        .concat(),
    );
    assert_eq!(code, 1);
    assert!(err.contains("--cashier") && err.contains("角色不能收款"), "{err}");
    let listed = ok(url, &[&here[..], &["voucher", "list", "--book", "company", "--period", "2025-01"]].concat());
    assert!(!listed.contains("收费"), "a refused person wrote nothing: {listed}");

    // The admin lets 老王 work here too; 小张, once disabled, may no longer act.
    ok(url, &["user", "grant", "老王", "--role", "accountant", "--in", "经办人社区", "--in", "另一社区"]);
    assert!(ok(url, &add("老王")).contains("#1"));
    ok(url, &["user", "disable", "小张"]);
    let (code, _, err) = run(url, &add("小张"));
    assert_eq!(code, 1);
    assert!(err.contains("用户 小张 已停用"), "{err}");
    let users = ok(url, &["user", "list"]);
    assert!(users.contains("老王\t王会计\t会计\t经办人社区、另一社区"), "{users}");
}

#[tokio::test]
async fn an_accountant_keeps_books_from_the_command_line() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    ok(url, &["init", "命令行社区"]);
    let out = ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    assert!(out.contains("小企业会计准则"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let opening = dir.path().join("opening.csv");
    std::fs::write(&opening, "科目编码,借方余额,贷方余额\n1001,500.00,\n3001,,500.00\n").unwrap();
    ok(url, &["import", "opening", "--book", "company", "--file", opening.to_str().unwrap()]);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "科目编码,借方余额,贷方余额\n1001,500.00,\n3001,,400.00\n").unwrap();
    let (code, _, err) = run(url, &["import", "opening", "--book", "company", "--file", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("期初余额不平"), "{err}");

    let add = ["voucher", "add", "--book", "company", "--date", "2025-01-08", "--user", "张会计", "--attachments", "2"];
    let out = ok(url, &[&add[..], &["--debit", "1001,88.80,收取车位费", "--credit", "500102,88.80,收取车位费"]].concat());
    assert!(out.contains("#1"), "{out}");
    let (code, _, err) = run(url, &[&add[..], &["--debit", "1001,88.888,收费", "--credit", "500102,88.888,收费"]].concat());
    assert_eq!(code, 1);
    assert!(err.contains("--debit") && err.contains("最多两位小数"), "{err}");
    let (code, _, err) = run(url, &[&add[..], &["--debit", "1001,10.00,收费", "--credit", "500102,9.00,收费"]].concat());
    assert_eq!(code, 1);
    assert!(err.contains("借贷不平"), "{err}");
    let (code, _, err) = run(url, &["voucher", "review", "--book", "company", "--id", "1", "--user", "张会计"]);
    assert_eq!(code, 1);
    assert!(err.contains("审核人不能是制单人本人"), "{err}");
    ok(url, &["voucher", "review", "--book", "company", "--id", "1", "--user", "刘主管"]);
    let out = ok(url, &["voucher", "post", "--book", "company", "--id", "1", "--user", "刘主管"]);
    assert!(out.contains("2025-01 记-0001"), "{out}");
    let shown = ok(url, &["voucher", "show", "--book", "company", "--id", "1"]);
    assert!(shown.contains("收取车位费") && shown.contains("88.80") && shown.contains("停车服务费"), "{shown}");

    let csv_text = ok(url, &["report", "trial-balance", "--book", "company", "--from", "2025-01", "--to", "2025-01", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cash = rows.iter().find(|r| &r[0] == "1001").expect("cash row");
    assert_eq!((&cash[3], &cash[5], &cash[7], &cash[9], &cash[11]), ("500.00", "88.80", "88.80", "588.80", "借"));
    let json_text = ok(url, &["report", "trial-balance", "--book", "company", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(json["total"]["debit_fen"], 8880);
    let text = ok(url, &["report", "trial-balance", "--book", "company", "--from", "2025-01", "--to", "2025-01"]);
    assert!(text.contains("科目余额表") && text.contains("试算平衡") && text.contains("588.80"), "{text}");
    let ledger = ok(url, &["report", "ledger", "--book", "company", "--account", "1001", "--from", "2025-01", "--to", "2025-01"]);
    assert!(ledger.contains("明细账") && ledger.contains("本月合计") && ledger.contains("记-0001"), "{ledger}");
    let bs = ok(url, &["report", "balance-sheet", "--book", "company", "--to", "2025-01", "--format", "json"]);
    let bs: serde_json::Value = serde_json::from_str(&bs).unwrap();
    assert!(bs["checks"].as_array().unwrap().iter().all(|c| c["holds"] == true));
    let is = ok(url, &["report", "income-statement", "--book", "company", "--to", "2025-01"]);
    assert!(is.contains("利润表") && is.contains("88.80"), "{is}");
    let journal = ok(url, &["export", "hledger", "--book", "company"]);
    assert!(
        journal.contains("(2025-01 记-0001) 收取车位费") && journal.contains("5001 主营业务收入:500102 停车服务费  -88.80"),
        "{journal}"
    );

    let verified = ok(url, &["verify"]);
    assert!(verified.contains("全部通过"), "{verified}");
    // Tamper behind the application's back: verify exits 2 and says where.
    let guard_off =
        if is_pg(url) { "ALTER TABLE voucher_lines DISABLE TRIGGER USER" } else { "DROP TRIGGER voucher_lines_posted_no_update" };
    raw_sql(url, guard_off).await.unwrap();
    raw_sql(url, "UPDATE voucher_lines SET credit_fen = 9999 WHERE credit_fen = 8880").await.unwrap();
    let (code, out, _) = run(url, &["verify"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("2025-01 记-0001") && out.contains("哈希不符"), "{out}");
}

#[tokio::test]
async fn the_demo_builds_a_community_on_a_fresh_file_and_prints_its_reports() {
    if pg_admin_url().is_some() {
        // The demo's own engine is the embedded SQLite file; the PostgreSQL suite covers the
        // same code paths through the other tests.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db = db.to_str().unwrap();
    let out = ok(db, &["demo", "--no-serve", "--seed", "42", "--households", "200"]);
    for expected in ["幸福里物业服务有限公司", "幸福里股份经济合作社", "科目余额表", "试算平衡", "资产负债表", "利润表", "全部通过"]
    {
        assert!(out.contains(expected), "demo output lacks {expected}:\n{out}");
    }
    assert!(!out.contains("试算不平") && !out.contains("✗"), "{out}");
    // The same users as `demo` that serves, with passwords: the web can be tried later.
    for user in ["admin", "王会计", "李主管", "赵出纳", "auditor", "街道财政所", "密码", "查询码"] {
        assert!(out.contains(user), "demo --no-serve lacks {user}:\n{out}");
    }
    let password = |user: &str| {
        let line = out.lines().find(|l| l.split_whitespace().nth(1) == Some(user)).expect("the user's line");
        line.rsplit(' ').next().unwrap().to_string()
    };
    {
        let s = mingzhang::store::AnyStore::connect(db).await.unwrap();
        let access = mingzhang::access::Access::new(s.clone());
        for user in ["admin", "王会计", "office"] {
            access.authenticate(user, &password(user)).await.unwrap_or_else(|e| panic!("{user} logs in: {e}"));
        }
        mingzhang::store::Store::close(&s).await;
    };
    let (code, _, err) = run(db, &["demo", "--no-serve"]);
    assert_eq!(code, 1);
    assert!(err.contains("已存在"), "{err}");
    // The same seed builds the same books.
    let again = dir.path().join("again.db");
    let out_again = ok(again.to_str().unwrap(), &["demo", "--no-serve", "--seed", "42", "--households", "200"]);
    // Its first line names the file; the users' passwords are new on every run.
    let strip = |s: &str| s.lines().skip(1).take_while(|l| !l.starts_with("演示用户")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&out), strip(&out_again));
}

#[tokio::test]
async fn a_cashier_bills_and_takes_payments_from_the_command_line() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    ok(url, &["init", "收费社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    let dir = tempfile::tempdir().unwrap();
    let households = dir.path().join("households.csv");
    std::fs::write(
        &households,
        "楼栋,单元,房号,建筑面积,类型,业主,电话\n3,1,101,100.00,住宅,孙八,13900000001\n3,1,102,80.00,住宅,周九,13900000002\n",
    )
    .unwrap();
    let out = ok(url, &["household", "import", "--file", households.to_str().unwrap()]);
    assert!(out.contains("新增 2"), "{out}");
    ok(url, &["fee", "item", "--book", "company", "--code", "WYF", "--name", "物业费", "--basis", "per_m2_month", "--account", "500101"]);
    ok(url, &["fee", "standard", "--book", "company", "--item", "WYF", "--kind", "住宅", "--rate", "1.20", "--from", "2025-01-01"]);
    let out = ok(url, &["bill", "--book", "company", "--period", "2025-02", "--user", "会计甲"]);
    assert!(out.contains("新账单 2 张") && out.contains("216.00"), "{out}");
    let out = ok(url, &["bill", "--book", "company", "--period", "2025-02", "--user", "会计甲"]);
    assert!(out.contains("没有需要新开的账单"), "{out}");
    let pay = [
        "pay",
        "--book",
        "company",
        "--household",
        "3-1-101",
        "--amount",
        "1234.56",
        "--method",
        "微信",
        "--date",
        "2025-02-10",
        "--key",
        "k1",
        "--cashier",
        "出纳丙",
    ];
    let receipt = ok(url, &pay);
    assert!(receipt.contains("No.000001") && receipt.contains("壹仟贰佰叁拾肆元伍角陆分") && receipt.contains("预收"), "{receipt}");
    // The household's first receipt carries its new access code, which opens its own page.
    let code_at = receipt.find("本户查询码：").expect("a new access code") + "本户查询码：".len();
    let access_code: String = receipt[code_at..].chars().take_while(|c| *c != '（').collect();
    assert_eq!(access_code.len(), 15, "{receipt}");
    let again = ok(url, &pay);
    assert!(again.contains("No.000001") && again.contains("重复提交"), "{again}");
    assert!(again.contains("本户查询码已随此前的收据或通知发放") && !again.contains(&access_code), "{again}");
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("receipt.pdf");
    let shown = ok(url, &["receipt", "show", "--book", "company", "--number", "1", "--out", pdf.to_str().unwrap(), "--paper", "A4"]);
    assert!(shown.contains("No.000001") && shown.contains("3-1-101"), "{shown}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"), "the receipt was written as a PDF");
    let (code, _, err) =
        run(url, &["receipt", "show", "--book", "company", "--number", "1", "--out", pdf.to_str().unwrap(), "--paper", "B5"]);
    assert_eq!(code, 1);
    assert!(err.contains("--paper"), "{err}");
    // One spelling for every file a command writes: the old --pdf is refused with the new one.
    let (code, _, err) = run(url, &["receipt", "show", "--book", "company", "--number", "1", "--pdf", pdf.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("已改为 --out"), "{err}");
    let notices = dir.path().join("notices.pdf");
    let out =
        ok(url, &["dunning", "--book", "company", "--date", "2025-03-31", "--pay-by", "2025-04-15", "--out", notices.to_str().unwrap()]);
    assert!(out.contains("催缴通知单 1 份"), "3-1-102 owes February, 3-1-101 has paid: {out}");
    if let Some(text) = pdf_text(&std::fs::read(&notices).unwrap()) {
        assert!(text.contains("本户查询码：") && !text.contains(&access_code), "3-1-102 gets a code of its own: {text}");
    }
    let (code, _, err) = run(
        url,
        &[
            "pay",
            "--book",
            "company",
            "--household",
            "9-9-999",
            "--amount",
            "1",
            "--method",
            "现金",
            "--date",
            "2025-02-10",
            "--key",
            "k2",
            "--cashier",
            "出纳丙",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("住户 9-9-999"), "{err}");
    let (code, _, err) = run(
        url,
        &[
            "pay",
            "--book",
            "company",
            "--household",
            "3-1-102",
            "--amount",
            "0",
            "--method",
            "现金",
            "--date",
            "2025-02-10",
            "--key",
            "k3",
            "--cashier",
            "出纳丙",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("须大于零"), "{err}");

    let aging = ok(url, &["report", "aging", "--book", "company", "--to", "2025-02"]);
    assert!(aging.contains("欠费账龄分析表") && aging.contains("96.00"), "{aging}");
    let collection = ok(url, &["report", "collection", "--book", "company", "--from", "2025-02", "--to", "2025-02", "--format", "json"]);
    let c: serde_json::Value = serde_json::from_str(&collection).unwrap();
    let all = c["lines"].as_array().unwrap().iter().find(|l| l["building"] == "全部").unwrap().clone();
    assert_eq!((all["current_billed"].as_str(), all["current_rate"].as_str()), (Some("216.00"), Some("55.56%")));
    // The district report reads the same month from every community's book: here one, and its total.
    let district = ok(url, &["report", "district", "--book", "company", "--to", "2025-02"]);
    assert!(district.contains("街道物业费汇总表") && district.contains("216.00") && district.contains("55.56%"), "{district}");
    assert_eq!(district.matches("216.00").count(), 2, "the community's line and the total: {district}");
    let (code, _, err) = run(url, &["report", "district", "--book", "collective", "--street", "无此街道"]);
    assert_eq!(code, 1);
    assert!(err.contains("无此街道") && err.contains("collective"), "{err}");
    let statement = ok(url, &["report", "statement", "--book", "company", "--household", "3-1-101"]);
    assert!(statement.contains("住户对账单") && statement.contains("预收余额 1114.56"), "{statement}");
    assert!(ok(url, &["verify"]).contains("全部通过"));
}

#[tokio::test]
async fn an_amount_with_a_thousands_separator_is_refused_and_a_draft_is_fixed_or_deleted() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    ok(url, &["init", "命令行社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    let add = ["voucher", "add", "--book", "company", "--date", "2025-03-31", "--user", "张会计"];
    let (code, _, err) =
        run(url, &[&add[..], &["--debit", "540101,8,600.00,支付3月保洁员工资", "--credit", "100201,8600.00,支付3月保洁员工资"]].concat());
    assert_eq!(code, 1, "8,600.00 must not be saved as 8.00");
    assert!(err.contains("--debit") && err.contains("千位分隔符"), "{err}");
    // A summary that merely starts with a number is kept.
    let out = ok(url, &[&add[..], &["--debit", "540101,8600.00,3月保洁员工资", "--credit", "100201,8600.00,3月保洁员工资"]].concat());
    assert!(out.contains("#1"), "{out}");
    let shown = ok(url, &["voucher", "show", "--book", "company", "--id", "1"]);
    assert!(shown.contains("借 8600.00") && shown.contains("3月保洁员工资"), "{shown}");

    let edit = ["voucher", "edit", "--book", "company", "--id", "1", "--user", "张会计", "--date", "2025-03-31"];
    ok(url, &[&edit[..], &["--debit", "540101,8800.00,支付3月保洁员工资", "--credit", "100201,8800.00,支付3月保洁员工资"]].concat());
    let shown = ok(url, &["voucher", "show", "--book", "company", "--id", "1"]);
    assert!(shown.contains("借 8800.00") && !shown.contains("8600.00"), "{shown}");
    ok(url, &["voucher", "review", "--book", "company", "--id", "1", "--user", "刘主管"]);
    let (code, _, err) = run(url, &["voucher", "delete", "--book", "company", "--id", "1", "--user", "张会计"]);
    assert_eq!(code, 1);
    assert!(err.contains("取消审核"), "{err}");
    ok(url, &["voucher", "unreview", "--book", "company", "--id", "1", "--user", "刘主管"]);
    let out = ok(url, &["voucher", "delete", "--book", "company", "--id", "1", "--user", "张会计"]);
    assert!(out.contains("已删除"), "{out}");
    let listed = ok(url, &["voucher", "list", "--book", "company", "--period", "2025-03"]);
    assert!(listed.trim().is_empty(), "{listed}");
}

#[tokio::test]
async fn sub_accounts_are_added_accounts_are_typed_by_name_or_initials_and_a_month_is_reviewed_and_posted_at_once() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    ok(url, &["init", "命令行社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    // A second bank account under 1002; its class and side are the parent's.
    let out = ok(url, &["accounts", "add", "--book", "company", "--code", "100202", "--name", "农商银行"]);
    assert!(out.contains("100202 农商银行") && out.contains("资产") && out.contains("借"), "{out}");
    let (code, _, err) = run(url, &["accounts", "add", "--book", "company", "--code", "100202", "--name", "又一个"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("已存在"), "{err}");
    let (code, _, err) = run(url, &["accounts", "add", "--book", "company", "--code", "1002021", "--name", "错位"]);
    assert_eq!(code, 1);
    assert!(err.contains("上级科目编码加 2 位"), "{err}");
    let (code, _, err) = run(url, &["accounts", "add", "--book", "company", "--code", "112201", "--name", "业主"]);
    assert_eq!(code, 1);
    assert!(err.contains("统驭科目"), "{err}");
    ok(url, &["accounts", "add", "--book", "company", "--code", "100203", "--name", "工商银行"]);
    let found = ok(url, &["accounts", "--book", "company", "--find", "nsyh"]);
    assert!(found.starts_with("100202\t银行存款—农商银行"), "{found}");
    assert!(ok(url, &["accounts", "--book", "company"]).contains("100202\t农商银行"));

    // Lines name accounts by code, name or pinyin initials.
    let add = ["voucher", "add", "--book", "company", "--date", "2025-03-31", "--user", "张会计"];
    ok(url, &[&add[..], &["--debit", "bj,300.00,保洁费", "--credit", "农商银行,300.00,保洁费"]].concat());
    ok(url, &[&add[..], &["--debit", "1001,50.00,备用金", "--credit", "银行存款—农商银行,50.00,备用金"]].concat());
    let (code, _, err) = run(url, &[&add[..], &["--debit", "银行,1.00,x", "--credit", "1001,1.00,x"]].concat());
    assert_eq!(code, 1);
    assert!(err.contains("对应多个科目") && err.contains("100202") && err.contains("100203"), "{err}");
    let shown = ok(url, &["voucher", "show", "--book", "company", "--id", "1"]);
    assert!(shown.contains("540101") && shown.contains("100202"), "{shown}");
    // An account that vouchers name (drafts too) gets no sub-accounts.
    let (code, _, err) = run(url, &["accounts", "add", "--book", "company", "--code", "10020201", "--name", "专户"]);
    assert_eq!(code, 1);
    assert!(err.contains("已有凭证或期初余额"), "{err}");

    // 批量审核 leaves the reviewer's own drafts; 批量记账 numbers in the order entered.
    let out = ok(url, &["voucher", "review", "--book", "company", "--period", "2025-03", "--user", "张会计"]);
    assert!(out.contains("审核 0 张") && out.contains("#1 由 张会计 制单"), "{out}");
    let out = ok(url, &["voucher", "review", "--book", "company", "--period", "2025-03", "--user", "刘主管"]);
    assert!(out.contains("审核 2 张"), "{out}");
    let out = ok(url, &["voucher", "post", "--book", "company", "--period", "2025-03", "--user", "刘主管"]);
    assert!(out.contains("记账 2 张") && out.contains("#1 → 记-0001") && out.contains("#2 → 记-0002"), "{out}");
    let (code, _, err) = run(url, &["voucher", "post", "--book", "company", "--user", "刘主管"]);
    assert_eq!(code, 2, "clap refuses a missing --id/--period: {err}");
    assert!(err.contains("缺少必填参数"), "the parser speaks Chinese: {err}");

    // 计提附加税费 from March's VAT: 100.00 × (7 % + 3 % + 2 %) halved = 6.00.
    ok(
        url,
        &[
            &add[..],
            &["--debit", "1001,3400.00,收取物业费", "--credit", "500101,3300.00,收取物业费", "--credit", "222101,100.00,收取物业费"],
        ]
        .concat(),
    );
    ok(url, &["voucher", "review", "--book", "company", "--period", "2025-03", "--user", "刘主管"]);
    ok(url, &["voucher", "post", "--book", "company", "--period", "2025-03", "--user", "刘主管"]);
    let out = ok(url, &["surtax", "--book", "company", "--period", "2025-03", "--halve", "--user", "张会计"]);
    assert!(out.contains("计提附加税费凭证（草稿 #"), "{out}");
    let shown = ok(url, &["voucher", "show", "--book", "company", "--id", "4"]);
    // 城建税 3.50, 教育费附加 1.50, 地方教育附加 1.00.
    assert!(shown.contains("540301") && shown.contains("3.50") && shown.contains("1.50") && shown.contains("222106"), "{shown}");
}

/// Reads an XLSX file's first sheet back as (row, column) → cell, with calamine.
fn xlsx_cells(path: &std::path::Path) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).expect("open the xlsx");
    let sheet = book.worksheet_range_at(0).expect("one sheet").expect("readable");
    sheet.rows().map(|r| r.to_vec()).collect()
}

#[tokio::test]
async fn reports_open_in_excel_as_csv_with_a_bom_and_as_xlsx_with_number_cells() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    ok(url, &["init", "表格社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    let add = ["voucher", "add", "--book", "company", "--date", "2025-01-08", "--user", "张会计"];
    ok(url, &[&add[..], &["--debit", "1001,12345.60,收取场地租金", "--credit", "505101,12345.60,收取场地租金"]].concat());
    ok(url, &["voucher", "review", "--book", "company", "--id", "1", "--user", "刘主管"]);
    ok(url, &["voucher", "post", "--book", "company", "--id", "1", "--user", "刘主管"]);

    // CSV: a byte-order mark, Chinese headers, amounts plain and unquoted (golden text).
    let tb = ["report", "trial-balance", "--book", "company", "--from", "2025-01", "--to", "2025-01"];
    let csv_text = ok(url, &[&tb[..], &["--format", "csv"]].concat());
    let golden = "\u{feff}科目编码,科目名称,级次,期初借方,期初贷方,本期借方,本期贷方,本年累计借方,本年累计贷方,期末借方,期末贷方,方向\n\
                  1001,库存现金,1,0.00,0.00,12345.60,0.00,12345.60,0.00,12345.60,0.00,借\n\
                  5051,其他业务收入,1,0.00,0.00,0.00,12345.60,0.00,12345.60,0.00,12345.60,贷\n";
    assert_eq!(csv_text, golden);
    let ledger =
        ok(url, &["report", "ledger", "--book", "company", "--account", "1001", "--from", "2025-01", "--to", "2025-01", "--format", "csv"]);
    assert!(ledger.starts_with('\u{feff}') && ledger.contains(",12345.60,") && !ledger.contains("12,345.60"), "{ledger}");

    // XLSX: needs a file; figures are number cells.
    let (code, _, err) = run(url, &[&tb[..], &["--format", "xlsx"]].concat());
    assert_eq!(code, 1);
    assert!(err.contains("--out"), "{err}");
    // PDF too: on a terminal it would be bytes mangled into text.
    let (code, out, err) = run(url, &["report", "balance-sheet", "--book", "company", "--to", "2025-01", "--format", "pdf"]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("--out") && err.contains("PDF"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("科目余额表.xlsx");
    ok(url, &[&tb[..], &["--format", "xlsx", "--out", path.to_str().unwrap()]].concat());
    let cells = xlsx_cells(&path);
    assert_eq!(cells[0][0], calamine::Data::String("科目余额表".into()));
    let header = cells.iter().position(|r| r[0] == calamine::Data::String("科目编码".into())).expect("header row");
    let cash = &cells[header + 1];
    assert_eq!((&cash[0], &cash[1]), (&calamine::Data::String("1001".into()), &calamine::Data::String("库存现金".into())));
    assert_eq!(cash[5], calamine::Data::Float(12345.6));
    let bs = dir.path().join("资产负债表.xlsx");
    ok(url, &["report", "balance-sheet", "--book", "company", "--to", "2025-01", "--format", "xlsx", "--out", bs.to_str().unwrap()]);
    let cells = xlsx_cells(&bs);
    assert!(cells.iter().flatten().any(|c| *c == calamine::Data::Float(12345.6)), "the balance sheet's cash as a number");

    // A receipt has no table: CSV is refused, not ignored.
    let (code, _, err) = run(url, &["receipt", "show", "--book", "company", "--number", "1", "--format", "csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("csv"), "{err}");
}

#[tokio::test]
async fn a_parking_space_and_a_storage_room_are_registered_priced_and_billed_from_the_command_line() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    ok(url, &["init", "车位社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    let dir = tempfile::tempdir().unwrap();
    let households = dir.path().join("households.csv");
    std::fs::write(&households, "楼栋,单元,房号,建筑面积,类型,业主,电话\n3,1,101,100.00,住宅,孙八,13900000001\n").unwrap();
    ok(url, &["household", "import", "--file", households.to_str().unwrap()]);
    ok(
        url,
        &["fee", "item", "--book", "company", "--code", "TCF", "--name", "车位停车费", "--basis", "fixed_month", "--account", "500102"],
    );
    ok(
        url,
        &["fee", "item", "--book", "company", "--code", "CCF", "--name", "储藏室管理费", "--basis", "per_m2_month", "--account", "500101"],
    );
    ok(url, &["fee", "standard", "--book", "company", "--item", "TCF", "--kind", "车位", "--rate", "150", "--from", "2025-01-01"]);
    ok(url, &["fee", "standard", "--book", "company", "--item", "CCF", "--kind", "储藏室", "--rate", "0.80", "--from", "2025-01-01"]);
    let out = ok(url, &["unit", "add", "--household", "3-1-101", "--code", "B1-018", "--kind", "车位", "--from", "2025-01-01"]);
    assert!(out.contains("已登记车位 B1-018") && out.contains("3-1-101"), "{out}");
    ok(url, &["unit", "add", "--household", "3-1-101", "--code", "B1-019", "--kind", "车位", "--from", "2025-01-01"]);
    ok(url, &["unit", "add", "--household", "3-1-101", "--code", "C-07", "--kind", "储藏室", "--area", "10.00", "--from", "2025-01-01"]);
    // B1-019 is let at its own price.
    let out =
        ok(url, &["fee", "standard", "--book", "company", "--item", "TCF", "--unit", "B1-019", "--rate", "300", "--from", "2025-01-01"]);
    assert!(out.contains("单元 B1-019"), "{out}");
    let (code, _, err) = run(url, &["fee", "standard", "--book", "company", "--item", "TCF", "--rate", "300", "--from", "2025-01-01"]);
    assert_eq!(code, 2, "neither --kind nor --unit: {err}");
    let standards = ok(url, &["fee", "standards", "--book", "company"]);
    assert!(standards.contains("单元 B1-019\t300") && standards.contains("储藏室\t0.8"), "{standards}");
    let list = ok(url, &["unit", "list"]);
    assert!(list.contains("B1-018\t车位\t\t3-1-101\t2025-01-01\t持有中") && list.contains("C-07\t储藏室\t10.00"), "{list}");

    let out = ok(url, &["bill", "--book", "company", "--period", "2025-01", "--user", "会计甲"]);
    assert!(out.contains("新账单 3 张") && out.contains("458.00"), "150 + 300 + 8.00: {out}");
    let statement = ok(url, &["report", "statement", "--book", "company", "--household", "3-1-101", "--date", "2025-01-31"]);
    assert!(
        statement.contains("车位停车费（B1-018）")
            && statement.contains("车位停车费（B1-019）")
            && statement.contains("储藏室管理费（C-07）"),
        "{statement}"
    );
    let out = ok(url, &["unit", "end", "--code", "B1-018", "--until", "2025-02-15"]);
    assert!(out.contains("车位 B1-018"), "{out}");
    let out = ok(url, &["bill", "--book", "company", "--period", "2025-02", "--user", "会计甲"]);
    assert!(out.contains("383.00"), "B1-018 for 14 of 28 days (75.00) + 300 + 8.00: {out}");
    assert!(ok(url, &["verify"]).contains("全部通过"));
}

#[tokio::test]
async fn heads_are_written_as_anchors_printed_at_the_close_and_checked_by_verify() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    ok(url, &["init", "锚点社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    let add = ["voucher", "add", "--book", "company", "--date", "2025-01-08", "--user", "张会计"];
    ok(url, &[&add[..], &["--debit", "1001,100.00,收取场地租金", "--credit", "505101,100.00,收取场地租金"]].concat());
    ok(url, &["voucher", "review", "--book", "company", "--period", "2025-01", "--user", "刘主管"]);
    ok(url, &["voucher", "post", "--book", "company", "--period", "2025-01", "--user", "刘主管"]);
    let closed = ok(url, &["close", "--book", "company", "--period", "2025-01", "--user", "刘主管"]);
    assert!(closed.contains("链头") && closed.contains("第 1 张凭证"), "{closed}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("heads.json");
    let out = ok(url, &["anchor", "--out", file.to_str().unwrap()]);
    assert!(out.contains("1 个账套"), "{out}");
    let anchors: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let head = anchors["anchors"][0]["hash"].as_str().unwrap().to_string();
    assert!(closed.contains(&head), "the close printed the same head");
    let verified = ok(url, &["verify", "--anchor", file.to_str().unwrap(), "--link", &head]);
    assert!(verified.contains("全部通过"), "{verified}");
    let (code, out, _) = run(url, &["verify", "--link", &"0".repeat(64)]);
    assert_eq!(code, 2, "a link that is in no chain fails verify");
    assert!(out.contains("不在任何账簿的链上"), "{out}");
    let (code, _, err) = run(url, &["verify", "--link", "abc"]);
    assert_eq!(code, 1);
    assert!(err.contains("64 位十六进制"), "{err}");
}

/// `doctor` reads a database without changing it and says in Chinese what to do: a fresh book
/// with no anchor and no backup is usable with two warnings; a kept anchor and a fresh backup
/// make it clean (but for PostgreSQL's fsync, which the test server turns off); an anchor that
/// no longer stands and a "backup" that is no backup are problems, exit code 2.
#[tokio::test]
async fn doctor_checks_a_database_and_says_what_to_do() {
    let db = fresh_db().await;
    let url = db.url.as_str();
    let pg = is_pg(url);
    ok(url, &["init", "体检社区"]);
    ok(url, &["book", "create", "--code", "company", "--name", "物业公司", "--chart", "small_enterprise", "--start", "2025-01"]);
    let add = ["voucher", "add", "--book", "company", "--date", "2025-01-08", "--user", "张会计"];
    ok(url, &[&add[..], &["--debit", "1001,100.00,收取场地租金", "--credit", "505101,100.00,收取场地租金"]].concat());
    ok(url, &["voucher", "review", "--book", "company", "--period", "2025-01", "--user", "刘主管"]);
    ok(url, &["voucher", "post", "--book", "company", "--period", "2025-01", "--user", "刘主管"]);

    // The disk line depends on the machine the test runs on (CI's had 1.6 GB free: a warning);
    // `doctor::disk` has its own unit test. With that line warning, "all fine" reads "usable".
    let (code, out, err) = run(url, &["doctor"]);
    assert!(out.contains("✓ 数据库") && out.contains("✓ 结构  已应用本程序的全部"), "{out}{err}");
    assert!(!out.contains("✗ 磁盘"), "the test machine's disk is full: {out}");
    let disk_fine = out.contains("✓ 磁盘");
    assert!(out.contains("! 链头") && out.contains("链上凭证 1 张") && out.contains("mingzhang anchor --out"), "{out}");
    assert!(out.contains("! 备份  未指定备份文件夹"), "{out}");
    if pg {
        assert_eq!(code, 2, "the test server runs without fsync: {out}");
        assert!(out.contains("✗ 日志  服务器关闭了 fsync") && out.contains("fsync = on"), "{out}");
    } else {
        assert_eq!(code, 0, "warnings alone keep the exit code 0: {out}");
        assert!(out.contains("✓ 日志  WAL 模式") && out.contains("结论：可以使用，但请按上面“应当”处理"), "{out}");
    }

    let dir = tempfile::tempdir().unwrap();
    let anchor = dir.path().join("heads.json");
    ok(url, &["anchor", "--out", anchor.to_str().unwrap()]);
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    ok(url, &["backup", "--out", backups.join("明账-2025-01-31.bak").to_str().unwrap()]);
    let (code, out, _) = run(url, &["doctor", "--anchor", anchor.to_str().unwrap(), "--backups", backups.to_str().unwrap()]);
    assert!(out.contains("✓ 链头") && out.contains("均仍在链上"), "{out}");
    assert!(out.contains("✓ 备份  最近的备份") && out.contains("明账-2025-01-31.bak"), "{out}");
    if !pg {
        assert_eq!(code, 0, "{out}");
        let fine = if disk_fine { "结论：一切正常" } else { "结论：可以使用，但请按上面“应当”处理" };
        assert!(out.contains(fine), "{out}");
    }

    // An anchor whose hash the chain no longer has, and a newer file that is no backup.
    let text = std::fs::read_to_string(&anchor).unwrap();
    let heads: serde_json::Value = serde_json::from_str(&text).unwrap();
    let head = heads["anchors"][0]["hash"].as_str().unwrap().to_string();
    let forged = dir.path().join("forged.json");
    std::fs::write(&forged, text.replace(&head, &"ab".repeat(32))).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(backups.join("笔记.txt"), "不是备份").unwrap();
    let (code, out, _) = run(url, &["doctor", "--anchor", forged.to_str().unwrap(), "--backups", backups.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("✗ 链头") && out.contains("链被改写") && out.contains("verify --anchor"), "{out}");
    assert!(out.contains("✗ 备份") && out.contains("笔记.txt") && out.contains("不是本库的备份"), "{out}");
    assert!(out.contains("结论：有问题，须先处理标 ✗ 的各项"), "{out}");
    assert!(ok(url, &["verify"]).contains("全部通过"), "doctor changed nothing");
}
