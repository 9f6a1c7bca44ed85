//! Subsidies, public revenue and the collective through the API and the pages.

use crate::common::*;
use mingzhang::access::{Access, NewUser, Role};
use mingzhang::domain::ids::CommunityId;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The subsidy API end to end: the accountant's program and receipt, the finance office's list
/// (a bad one refused whole), the reconciliation signed by both sides (and refused to the wrong
/// people), its PDF read back by pdftotext and its XLSX by calamine, and the overview.
#[tokio::test]
async fn a_subsidy_is_disbursed_received_reconciled_and_signed_through_the_api() {
    let db = fresh_db().await;
    let (a, _b, _) = seed(&db.url).await;
    {
        let s = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
        let access = Access::new(s.clone());
        let new = NewUser {
            username: "office_west",
            display_name: "西街财政所",
            roles: &[Role::FinanceOffice],
            communities: &[],
            street: "西街",
            password: Some(PASSWORD),
        };
        access.add_user(&new).await.unwrap();
        mingzhang::store::Store::close(&s).await;
    };
    let (accountant, office, west, cashier) = (
        token(&db.url, "accountant_a").await,
        token(&db.url, "office_east").await,
        token(&db.url, "office_west").await,
        token(&db.url, "cashier_a").await,
    );
    let server = spawn_app(&db.url);
    let c = client();
    let post = |token: &str, path: &str, body: Value| c.post(server.url(path)).bearer_auth(token).json(&body).send();
    let base = format!("/api/v1/communities/{a}");
    let program = json!({ "document_no": "区财〔2025〕7号", "purpose": "物业管理补贴", "approved": "100000.00", "starts_on": "2025-01-01",
        "ends_on": "2026-01-01", "treatment": "deferred", "eligible": ["cleaning", "greening"] });
    let r = post(&cashier, &format!("{base}/subsidies"), program.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a cashier makes no program");
    let r = post(&accountant, &format!("{base}/subsidies"), program).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());

    let before = books_snapshot(&db.url).await;
    let bad = json!({ "disbursements": [
        { "program": "区财〔2025〕7号", "date": "2025-01-05", "amount": "25000.00", "payee": "测试物业公司", "reference": "GK1" },
        { "program": "区财〔2099〕1号", "date": "2025-01-05", "amount": "1.00", "payee": "测试物业公司" },
        { "program": "区财〔2025〕7号", "date": "2025-01-06", "amount": "-5.00", "payee": "测试物业公司" } ] });
    let r = post(&office, &format!("{base}/subsidies/disbursements"), bad).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = r.text().await.unwrap();
    assert!(message.contains("第 2 行") && message.contains("第 3 行"), "{message}");
    let r = post(&accountant, &format!("{base}/subsidies/disbursements"), json!({ "disbursements": [] })).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "an accountant records no disbursement");
    assert_unchanged(&before, &books_snapshot(&db.url).await, "refused disbursements");
    let list = "日期,文号,金额,收款单位,凭证号\n2025-01-05,区财〔2025〕7号,25000.00,测试物业公司,GK1\n2025-04-05,区财〔2025〕7号,25000.00,测试物业公司,GK2\n";
    let r = c
        .post(server.url(&format!("{base}/subsidies/disbursements/import")))
        .bearer_auth(&office)
        .header("content-type", "text/csv")
        .body(list)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    // The same list uploaded on the finance office's page: a bad one is shown back with its rows.
    let page = login(&server, "office_east").await;
    let csrf = csrf_of(&page.get(server.url(&format!("/app/c/{a}/subsidies"))).send().await.unwrap().text().await.unwrap());
    let bad_list = "日期,文号,金额,收款单位\n2025-02-01,区财〔2099〕1号,1.00,测试物业公司\n";
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", reqwest::multipart::Part::bytes(bad_list.as_bytes()).file_name("拨付清单.csv").mime_str("text/csv").unwrap());
    let r = page.post(server.url(&format!("/app/c/{a}/subsidies/import"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("区财〔2099〕1号"), "the refused row is shown");

    let receipt = json!({ "program": "区财〔2025〕7号", "date": "2025-01-08", "amount": "24800.00", "reference": "GK1" });
    let r = post(&accountant, &format!("{base}/subsidies/receipts"), receipt).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let expense = json!({ "date": "2025-02-10", "category": "cleaning", "supplier": "保洁公司", "summary": "外包保洁费", "amount": "6000.00", "program": "区财〔2025〕7号" });
    let r = post(&accountant, &format!("{base}/expenses"), expense).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());

    let r = post(
        &accountant,
        &format!("{base}/reconciliations"),
        json!({ "program": "区财〔2025〕7号", "from": "2025-01-01", "until": "2025-07-01" }),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let statement: Value = r.json().await.unwrap();
    let id = statement["reconciliation"]["id"].as_i64().unwrap();
    let kinds: Vec<&str> = statement["differences"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["disbursed_not_received", "amount_differs"]);
    let sign = format!("{base}/reconciliations/{id}/sign");
    let r = post(&west, &sign, json!({ "side": "finance_office" })).await.unwrap();
    assert!(matches!(r.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "another street's office cannot even see it");
    let r = post(&office, &sign, json!({ "side": "company" })).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "the office does not sign for the company");
    assert_eq!(post(&accountant, &sign, json!({ "side": "company" })).await.unwrap().status(), StatusCode::OK);
    let again = post(&accountant, &sign, json!({ "side": "company" })).await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT, "each side signs once");
    let signed: Value = post(&office, &sign, json!({ "side": "finance_office" })).await.unwrap().json().await.unwrap();
    assert_eq!(signed["signoffs"].as_array().unwrap().len(), 2);

    let pdf = c.get(server.url(&format!("{base}/reconciliations/{id}?format=pdf"))).bearer_auth(&office).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    if let Some(text) = pdf_text(&pdf.bytes().await.unwrap()) {
        for expected in [
            "补贴资金对账单",
            "区财〔2025〕7号",
            "金额不符",
            "已拨付未到账",
            "物业公司签字：accountant_a",
            "街道财政所签字：office_east",
            "双方已签字",
            "对账明细",
            "街道财政所（盖章）",
            "经办人签字",
        ] {
            assert!(text.contains(expected), "{expected} in the PDF:\n{text}");
        }
    }
    let xlsx = c
        .get(server.url(&format!("{base}/reconciliations/{id}?format=xlsx")))
        .bearer_auth(&accountant)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0).unwrap().unwrap();
    let cells: Vec<String> = sheet.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(cells.iter().any(|c| c.contains("金额不符")) && cells.iter().any(|c| c.contains("街道财政所签字：office_east")), "{cells:?}");

    // Frozen: the receipt it saw cannot be withdrawn.
    let before = books_snapshot(&db.url).await;
    let receipt_id = statement["differences"][1]["receipt_id"].as_i64().unwrap();
    let r = post(&accountant, &format!("{base}/subsidies/withdrawals"), json!({ "side": "receipt", "id": receipt_id, "reason": "录错" }))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_unchanged(&before, &books_snapshot(&db.url).await, "a withdrawal of a signed row");

    let overview: Value = c.get(server.url("/api/v1/office/subsidies")).bearer_auth(&office).send().await.unwrap().json().await.unwrap();
    let line = &overview.as_array().unwrap()[0];
    assert_eq!(
        (line["disbursed"].as_str(), line["received"].as_str(), line["spent"].as_str()),
        (Some("50000.00"), Some("24800.00"), Some("6000.00"))
    );
    assert_eq!(line["latest"]["state"], "双方已签字");
    let none: Value = c.get(server.url("/api/v1/office/subsidies")).bearer_auth(&west).send().await.unwrap().json().await.unwrap();
    assert_eq!(none, json!([]), "another street's office sees none of it");
}

/// Budgets, owed expenses, public revenue and the collective through the API, and their pages.
#[tokio::test]
async fn public_revenue_and_the_collective_through_the_api_and_the_pages() {
    let db = fresh_db().await;
    let (a, _b, _) = seed(&db.url).await;
    {
        let s = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        ledger.create_book(CommunityId(a), "collective", "甲股份经济合作社", "rural_collective", period(2025, 1)).await.unwrap();
        // The year's income tax comes first (5 % of the 380.00): the transfer waits for it.
        let company = ledger.book(CommunityId(a), "company").await.unwrap();
        post(&ledger, &company, &voucher(date(2025, 1, 31), vec![line("5801", 1_900, 0), line("222104", 0, 1_900)])).await;
        mingzhang::store::Store::close(&s).await;
    };
    let (accountant, cashier) = (token(&db.url, "accountant_a").await, token(&db.url, "cashier_a").await);
    let server = spawn_app(&db.url);
    let c = client();
    let base = format!("/api/v1/communities/{a}");
    let post = |token: &str, path: String, body: Value| c.post(server.url(&path)).bearer_auth(token).json(&body).send();

    // The year's profit (the January bills, 380.00) goes to the collective first.
    let r = post(&cashier, format!("{base}/collective/transfer"), json!({ "year": 2025, "date": "2025-01-31" })).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(&accountant, format!("{base}/collective/transfer"), json!({ "year": 2025, "date": "2025-01-31" })).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    // The roster by upload on the page: a bad one refused with its rows, a good one kept.
    let page = login(&server, "accountant_a").await;
    let csrf = csrf_of(&page.get(server.url(&format!("/app/c/{a}/collective"))).send().await.unwrap().text().await.unwrap());
    let upload = |text: &'static str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(text.as_bytes()).file_name("名册.csv").mime_str("text/csv").unwrap())
    };
    let r = page
        .post(server.url(&format!("/app/c/{a}/collective/roster")))
        .multipart(upload("成员编号,姓名,股数\nM1,张一,1\nM1,张二,0\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("第 3 行"), "the bad rows are shown");
    let roster = "成员编号,姓名,户,股数\nM1,张一,1-1-101,1\nM2,张二,1-1-102,1\nM3,张三,,1\n";
    let r = c
        .post(server.url(&format!("{base}/collective/roster")))
        .bearer_auth(&accountant)
        .header("content-type", "text/csv")
        .body(roster)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let bad = json!({ "year": 2025, "reserve": "60", "welfare": "41", "amount": "100.00", "date": "2025-01-31" });
    assert_eq!(
        post(&accountant, format!("{base}/collective/distributions"), bad).await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let plan = json!({ "year": 2025, "reserve": "0", "welfare": "0", "amount": "100.00", "date": "2025-01-31" });
    let d: Value = post(&accountant, format!("{base}/collective/distributions"), plan).await.unwrap().json().await.unwrap();
    let amounts: Vec<i64> = d["lines"].as_array().unwrap().iter().map(|l| l["amount_fen"].as_i64().unwrap()).collect();
    assert_eq!(amounts, vec![3_334, 3_333, 3_333]);
    let id = d["row"]["id"].as_i64().unwrap();
    let r = post(&accountant, format!("{base}/collective/distributions/{id}/pay"), json!({ "date": "2025-01-31" })).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let csv = c
        .get(server.url(&format!("{base}/collective/distributions/{id}?format=csv")))
        .bearer_auth(&accountant)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("张一") && csv.contains("33.34"), "{csv}");

    // Budgets and an owed expense paid once.
    let r =
        post(&accountant, format!("{base}/budgets"), json!({ "year": 2025, "category": "cleaning", "amount": "1200.00" })).await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let e: Value = post(&accountant, format!("{base}/expenses"), json!({ "date": "2025-01-20", "category": "cleaning", "supplier": "保洁公司", "summary": "保洁费", "amount": "300.00", "payable": true })).await.unwrap().json().await.unwrap();
    let expense = e["expense"]["id"].as_i64().unwrap();
    assert_eq!(
        post(&accountant, format!("{base}/expenses/{expense}/pay"), json!({ "date": "2025-01-25" })).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        post(&accountant, format!("{base}/expenses/{expense}/pay"), json!({ "date": "2025-01-26" })).await.unwrap().status(),
        StatusCode::CONFLICT
    );
    let budget: Value = c
        .get(server.url(&format!("{base}/reports/budget?to=2025-01")))
        .bearer_auth(&accountant)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(budget.to_string().contains("25.0%"), "300.00 of 1,200.00: {budget}");

    // Public revenue: the rule, a receipt, a use beyond what is held refused, the split.
    assert_eq!(
        post(
            &accountant,
            format!("{base}/public-revenue/rules"),
            json!({ "from": "2025-01-01", "share_permille": 300, "decision": "业主大会决议" })
        )
        .await
        .unwrap()
        .status(),
        StatusCode::NO_CONTENT
    );
    let r = post(
        &accountant,
        format!("{base}/public-revenue"),
        json!({ "date": "2025-01-06", "source": "advertising", "payer": "广告公司", "amount": "1000.00" }),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = post(
        &accountant,
        format!("{base}/public-revenue/uses"),
        json!({ "date": "2025-01-08", "purpose": "维修", "decision": "决议", "amount": "1000.01" }),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let split: Value =
        post(&accountant, format!("{base}/public-revenue/split"), json!({ "period": "2025-01" })).await.unwrap().json().await.unwrap();
    assert_eq!(split["share"], "300.00");

    // Their pages.
    for (path, expected) in [
        (format!("/app/c/{a}/public-revenue"), "公共收益收支情况表"),
        (format!("/app/c/{a}/collective"), "收益分配"),
        (format!("/app/c/{a}/collective/distributions/{id}"), "成员收益分配清单"),
        (format!("/app/c/{a}/reports/budget?to=2025-01"), "预算执行情况表"),
        (format!("/app/c/{a}/reports/balance-sheet?book=collective&to=2025-01"), "资产负债表"),
    ] {
        let r = page.get(server.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains(expected), "{expected} on {path}: {}", &body[body.len().saturating_sub(1500)..]);
    }
    // The budget set on the page; an expense paid twice is refused there with its reason.
    let csrf = csrf_of(&page.get(server.url(&format!("/app/c/{a}/subsidies"))).send().await.unwrap().text().await.unwrap());
    let form = |fields: &[(&str, &str)]| {
        let mut all = vec![("csrf".to_string(), csrf.clone())];
        all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    };
    let r = page
        .post(server.url(&format!("/app/c/{a}/subsidies/budget")))
        .form(&form(&[("year", "2025"), ("category", "greening"), ("amount", "500.00")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let expense_id = expense.to_string();
    let r = page
        .post(server.url(&format!("/app/c/{a}/subsidies/pay")))
        .form(&form(&[("id", expense_id.as_str()), ("date", "2025-01-27")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("已于 2025-01-25 付款"));
}

/// A withdrawal whose record number does not parse is refused naming the field, not taken as
/// record #0.
#[tokio::test]
async fn a_withdrawal_with_a_bad_record_number_names_the_field() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let accountant = login(&server, "accountant_a").await;
    let csrf = session_csrf(&server, &accountant).await;
    let form = [("csrf", csrf.as_str()), ("side", "receipt"), ("id", "abc"), ("reason", "录错"), ("date", "2025-01-20")];
    let r = accountant.post(server.url(&format!("/app/c/{a}/subsidies/withdraw"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("“abc”不是要撤回的记录编号"));
}
