//! The books through the server: a voucher entered and posted, households uploaded, a first receipt with its access code.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The form's fields of a voucher with two lines: 库存现金 against 其他业务收入—经营性收入.
fn voucher_form<'a>(csrf: &'a str, amount: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("date", "2025-01-15"),
        ("attachments", "1"),
        ("summary0", "收取场地租金"),
        ("account0", "kcxj"),
        ("debit0", amount),
        ("summary1", "收取场地租金"),
        ("account1", "505101 其他业务收入—经营性收入"),
        ("credit1", amount),
    ]
}

#[tokio::test]
async fn an_accountant_enters_a_voucher_and_a_reviewer_posts_it() {
    let db = fresh_db().await;
    let (a, b, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let accountant = login(&server, "accountant_a").await;
    let form = accountant.get(server.url(&format!("/app/c/{a}/vouchers/new"))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("<datalist id=\"accounts\">") && form.contains("1001 库存现金"), "the lookup list has the leaf accounts");
    let csrf = csrf_of(&form);

    // An unbalanced voucher is shown again with the rule, and nothing is written.
    let before = books_snapshot(&db.url).await;
    let mut unbalanced = voucher_form(&csrf, "300.00");
    unbalanced[8] = ("credit1", "299.00");
    let r = accountant.post(server.url(&format!("/app/c/{a}/vouchers"))).form(&unbalanced).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let again = r.text().await.unwrap();
    assert!(again.contains("借贷不平") && again.contains("value=\"299.00\""), "the form keeps what was typed: {again}");
    assert_unchanged(&before, &books_snapshot(&db.url).await, "an unbalanced voucher");

    // 现金流量指定 on the page: the rent is assigned to line 2, 收到其他与经营活动有关的现金.
    assert!(form.contains("name=\"cash_flow\"") && form.contains("收到其他与经营活动有关的现金"), "the form offers the items");
    let mut assigned = voucher_form(&csrf, "300.00");
    assigned.push(("cash_flow", "2"));
    let r = accountant.post(server.url(&format!("/app/c/{a}/vouchers"))).form(&assigned).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let voucher = r.headers()["location"].to_str().unwrap().to_string();
    let page = accountant.get(server.url(&voucher)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"status\">制单") && page.contains("1001 库存现金") && page.contains("300.00"), "{page}");
    assert!(!page.contains("id=\"review\""), "a maker is not offered the review of their own voucher");
    let id = voucher.split("/vouchers/").nth(1).unwrap().split('?').next().unwrap().to_string();
    let r = accountant.post(server.url(&format!("/app/c/{a}/vouchers/{id}/review"))).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "an accountant's role does not review");

    // The reviewer of 乙 cannot see it; the reviewer of 甲 reviews and posts it.
    let other = login(&server, "reviewer_b").await;
    assert_eq!(other.get(server.url(&format!("/app/c/{a}/vouchers/{id}"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let reviewer = login(&server, "reviewer_a").await;
    let page = reviewer.get(server.url(&voucher)).send().await.unwrap().text().await.unwrap();
    let rcsrf = csrf_of(&page);
    for action in ["review", "post"] {
        let r = reviewer
            .post(server.url(&format!("/app/c/{a}/vouchers/{id}/{action}")))
            .form(&[("csrf", rcsrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{action}");
    }
    let page = reviewer.get(server.url(&voucher)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已记账") && page.contains("记-0002") && page.contains("审核 reviewer_a"), "{page}");

    // The trial balance shows it, and downloads as CSV and XLSX.
    let tb =
        accountant.get(server.url(&format!("/app/c/{a}/reports/trial-balance?to=2025-01"))).send().await.unwrap().text().await.unwrap();
    assert!(tb.contains("库存现金") && tb.contains("300.00"), "{tb}");
    let csv = accountant.get(server.url(&format!("/app/c/{a}/reports/trial-balance?to=2025-01&format=csv"))).send().await.unwrap();
    assert!(csv.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(csv.text().await.unwrap().contains("库存现金"));
    let xlsx = accountant.get(server.url(&format!("/app/c/{a}/reports/trial-balance?to=2025-01&format=xlsx"))).send().await.unwrap();
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "an XLSX file is a ZIP");
    // The 现金流量表 shows the rent where it was assigned, and prints as an A4 PDF.
    let cf = accountant.get(server.url(&format!("/app/c/{a}/reports/cash-flow?to=2025-01"))).send().await.unwrap().text().await.unwrap();
    let line2 = cf.split("收到其他与经营活动有关的现金").nth(1).unwrap_or_default();
    assert!(line2.split("</tr>").next().unwrap_or_default().contains("300.00"), "line 2 holds the assigned 300.00: {cf}");
    let pdf = accountant.get(server.url(&format!("/app/c/{a}/reports/balance-sheet?to=2025-01&format=pdf"))).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(text.is_none_or(|t| t.contains("负债和所有者权益") && t.contains("单位负责人")), "the balance sheet side by side, signed");

    // A billing run: the preview writes nothing; the run bills and posts.
    let billing = accountant.get(server.url(&format!("/app/c/{a}/billing"))).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&billing);
    let before = books_snapshot(&db.url).await;
    let preview = accountant
        .post(server.url(&format!("/app/c/{a}/billing")))
        .form(&[("csrf", csrf.as_str()), ("period", "2025-02"), ("action", "preview")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(preview.contains("预览") && preview.contains("2 张") && preview.contains("380.00"), "{preview}");
    assert_unchanged(&before, &books_snapshot(&db.url).await, "a billing preview");
    let run = accountant
        .post(server.url(&format!("/app/c/{a}/billing")))
        .form(&[("csrf", csrf.as_str()), ("period", "2025-02"), ("action", "run")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(run.contains("已计费") && run.contains("记-0001"), "numbers start again each month: {run}");
    // 乙 is untouched by 甲's accountant, and cannot be reached.
    assert_eq!(accountant.get(server.url(&format!("/app/c/{b}/billing"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // The same work through the API: a draft, refused when unbalanced; reviewed and posted by
    // the reviewer; the trial balance as a JSON table; a billing preview that writes nothing.
    let (kj, sh) = (token(&db.url, "accountant_a").await, token(&db.url, "reviewer_a").await);
    let api = client();
    let call = |method: &str, path: String, t: &str, body: Value| {
        let r = if method == "get" { api.get(server.url(&path)) } else { api.post(server.url(&path)).json(&body) };
        r.bearer_auth(t).send()
    };
    let lines = |credit: &str| {
        json!({ "date": "2025-02-10", "lines": [
            { "summary": "收取车位费", "account": "kcxj", "debit": "50.00" },
            { "summary": "收取车位费", "account": "500102", "credit": credit } ] })
    };
    let before = books_snapshot(&db.url).await;
    let r = call("post", format!("/api/v1/communities/{a}/vouchers"), &kj, lines("49.00")).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("借贷不平"));
    let r = call("post", format!("/api/v1/communities/{a}/billing"), &kj, json!({ "period": "2025-03", "preview": true })).await.unwrap();
    let preview: Value = r.json().await.unwrap();
    assert_eq!(preview["bills"], 2, "{preview}");
    assert_unchanged(&before, &books_snapshot(&db.url).await, "an unbalanced draft and a billing preview through the API");
    let r = call("post", format!("/api/v1/communities/{a}/vouchers"), &sh, lines("50.00")).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a reviewer does not make vouchers");
    let r = call("post", format!("/api/v1/communities/{a}/vouchers"), &kj, lines("50.00")).await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let drafted: Value = r.json().await.unwrap();
    let vid = drafted["id"].as_i64().unwrap();
    for action in ["review", "post"] {
        let r = call("post", format!("/api/v1/communities/{a}/vouchers/{vid}/{action}"), &sh, json!({})).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{action}");
    }
    let shown: Value = call("get", format!("/api/v1/communities/{a}/vouchers/{vid}"), &kj, json!({})).await.unwrap().json().await.unwrap();
    assert_eq!((shown["status"].as_str(), shown["reviewer"].as_str()), (Some("已记账"), Some("reviewer_a")), "{shown}");
    let tb: Value = call("get", format!("/api/v1/communities/{a}/reports/trial-balance?to=2025-02"), &kj, json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(tb["rows"].to_string().contains("库存现金") && tb["rows"].to_string().contains("350.00"), "{tb}");
    let r = call("get", format!("/api/v1/communities/{b}/reports/trial-balance"), &kj, json!({})).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "another community's report");
}

/// The accountant uploads a household file: a file with bad rows is refused whole, every bad
/// row named by row and column, nothing written; a good file is imported and audited; the API
/// takes the same file as its body.
#[tokio::test]
async fn households_are_imported_by_upload_with_every_bad_row_shown() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let accountant = login(&server, "accountant_a").await;
    let form = accountant.get(server.url(&format!("/app/c/{a}/households/import"))).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&form);
    let upload = |csrf: &str, csv: &'static str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .part("file", reqwest::multipart::Part::bytes(csv.as_bytes()).file_name("住户.csv").mime_str("text/csv").unwrap())
    };
    const BAD: &str = "楼栋,单元,房号,建筑面积,类型,业主,电话\n1,1,103,90.00,住宅,周八,13900000003\n1,1,104,九十,住宅,吴九,13900000004\n1,1,105,90.00,别墅,郑十,13900000005\n";
    const GOOD: &str = "楼栋,单元,房号,建筑面积,类型,业主,电话\n1,1,103,90.00,住宅,周八,13900000003\n";
    let before = books_snapshot(&db.url).await;
    let r = accountant.post(server.url(&format!("/app/c/{a}/households/import"))).multipart(upload(&csrf, BAD)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("2 行错误") && page.contains("第 3 行“建筑面积”列") && page.contains("第 4 行“类型”列"), "{page}");
    let r = accountant.post(server.url(&format!("/app/c/{a}/households/import"))).multipart(upload("wrong", GOOD)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a wrong CSRF token");
    assert_unchanged(&before, &books_snapshot(&db.url).await, "a refused import");

    let r = accountant.post(server.url(&format!("/app/c/{a}/households/import"))).multipart(upload(&csrf, GOOD)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"import-result\"") && page.contains("<tr><th>新增</th><td>1 户</td></tr>"), "{page}");

    // The API: the file as the body.
    let t = token(&db.url, "accountant_a").await;
    let api = client();
    let post = |body: &'static str, kind: &str, t: &str| {
        api.post(server.url(&format!("/api/v1/communities/{a}/households/import")))
            .bearer_auth(t)
            .header("content-type", kind)
            .body(body)
            .send()
    };
    let r = post(BAD, "text/csv", &t).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: serde_json::Value = r.json().await.unwrap();
    assert_eq!((refused["code"].as_str(), refused["rows"].as_array().map(Vec::len)), (Some("invalid_rows"), Some(2)), "{refused}");
    assert_eq!(post(GOOD, "application/json", &t).await.unwrap().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let cashier = token(&db.url, "cashier_a").await;
    assert_eq!(post(GOOD, "text/csv", &cashier).await.unwrap().status(), StatusCode::FORBIDDEN);
    let r = post(GOOD, "text/csv", &t).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let done: serde_json::Value = r.json().await.unwrap();
    assert_eq!((done["added"].as_u64(), done["unchanged"].as_u64()), (Some(0), Some(1)), "{done}");
    let log =
        api.get(server.url("/api/v1/audit?action=households.import")).bearer_auth(token(&db.url, "admin").await).send().await.unwrap();
    let log: serde_json::Value = log.json().await.unwrap();
    assert_eq!(log.as_array().map(Vec::len), Some(2), "{log}");
}

/// A household without an access code gets one with its first receipt taken on the cashier's
/// page: shown on the receipt page, printed on the receipt's PDF, and it opens the household's
/// own page.
#[tokio::test]
async fn a_households_first_receipt_carries_its_access_code() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let cashier = login(&server, "cashier_a").await;
    let page = cashier.get(server.url(&format!("/app/c/{a}/households/2"))).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let key_at = page.find("name=\"key\" value=\"").unwrap() + "name=\"key\" value=\"".len();
    let key = page[key_at..].split('"').next().unwrap().to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("amount", "100.00"),
        ("method", "wechat"),
        ("date", "2025-01-21"),
        ("late_reason", "测试：补录"),
    ];
    let r = cashier.post(server.url(&format!("/app/c/{a}/households/2/pay"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let receipt_path = r.headers()["location"].to_str().unwrap().to_string();
    let receipt = cashier.get(server.url(&receipt_path)).send().await.unwrap().text().await.unwrap();
    let shown = &receipt[receipt.find("id=\"new-code\"").expect("the new code is shown")..];
    let at = shown.find("<strong class=\"mono\">").unwrap() + "<strong class=\"mono\">".len();
    let code: String = shown[at..].chars().take_while(|c| *c != '<').collect();
    assert_eq!(code.len(), 15, "{receipt}");
    // Before the day is closed the receipt has no chain link yet: no empty 指纹 row (issue 29
    // point 9), and its verification code and check page are shown (issue 28).
    assert!(!receipt.contains("<th>指纹</th>"), "no empty fingerprint row before the day's close");
    assert!(receipt.contains("id=\"check-code\"") && receipt.contains("verify?r=1&amp;code="), "{receipt}");
    let pdf = cashier.get(server.url(&format!("{receipt_path}/pdf"))).send().await.unwrap().bytes().await.unwrap();
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains(&format!("本户查询码：{code}")), "{text}");
        assert!(text.contains("核验码："), "the receipt prints its verification code: {text}");
    }
    let resident = client();
    let form = resident.get(server.url(&format!("/c/{a}/household"))).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&form);
    let r = resident
        .post(server.url(&format!("/c/{a}/household")))
        .form(&[("csrf", csrf.as_str()), ("household", "1-1-102"), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the printed code opens the household's page");
    assert!(r.text().await.unwrap().contains("No.000001"));
}
