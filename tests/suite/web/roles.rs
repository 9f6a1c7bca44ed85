//! Who may do what through the server: each role's pages and API, refusals that write nothing, the admin's forms, the office's figures, error pages.

use crate::common::*;
use mingzhang::access::{Access, Role};
use mingzhang::domain::ids::CommunityId;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn the_web_application_serves_each_user_and_refuses_the_rest() {
    let db = fresh_db().await;
    let (a, b, code) = seed(&db.url).await;
    let cashier_token = token(&db.url, "cashier_a").await;
    let auditor_token = token(&db.url, "auditor_a").await;
    let admin_token = token(&db.url, "admin").await;
    let server = spawn_app(&db.url);
    let anon = client();

    // Health, metrics, the API's description.
    let health: Value = anon.get(server.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let spec: Value = anon.get(server.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");

    // The public page: standards and rates by building, no names, no rooms.
    let public = anon.get(server.url(&format!("/c/{a}"))).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::OK);
    let public = public.text().await.unwrap();
    assert!(public.contains("物业服务费") && public.contains("2 元") && public.contains("id=\"collection\""), "{public}");
    assert!(!public.contains("张三") && !public.contains("101"), "the public page names nobody");

    // Every API route refuses a caller who is not signed in.
    for (path, methods) in spec["paths"].as_object().unwrap() {
        let path = path
            .replace("{community}", &a.to_string())
            .replace("{household}", "1")
            .replace("{number}", "1")
            .replace("{id}", "1")
            .replace("{action}", "review")
            .replace("{kind}", "trial-balance");
        for method in methods.as_object().unwrap().keys() {
            let r = match method.as_str() {
                "get" => anon.get(server.url(&path)).send().await.unwrap(),
                _ => anon.post(server.url(&path)).json(&json!({})).send().await.unwrap(),
            };
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }

    let before = books_snapshot(&db.url).await;
    // A wrong password, then the limit per account.
    let c = client();
    let form = c.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&form);
    for _ in 0..5 {
        let r = c
            .post(server.url("/login"))
            .form(&[("csrf", csrf.as_str()), ("username", "reviewer_b"), ("password", "wrong password")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = c
        .post(server.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", "reviewer_b"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the sixth attempt is refused even with the right password");
    // A login without the form's token.
    let r = client()
        .post(server.url("/login"))
        .form(&[("csrf", "forged"), ("username", "cashier_a"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The cashier of 甲: finds a household, sees its bills, pays with the page's form.
    let cashier = login(&server, "cashier_a").await;
    let found = cashier.get(server.url(&format!("/app/c/{a}/cashier?q=张"))).send().await.unwrap().text().await.unwrap();
    assert!(found.contains("1-1-101") && !found.contains("1-1-102"), "{found}");
    let by_phone = cashier.get(server.url(&format!("/app/c/{a}/cashier?q=0002"))).send().await.unwrap().text().await.unwrap();
    assert!(by_phone.contains("1-1-102") && !by_phone.contains("1-1-101"));
    let page = cashier.get(server.url(&format!("/app/c/{a}/households/1"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("200.00"), "100 m² × 2.00 is open: {page}");
    let csrf = csrf_of(&page);
    let key_at = page.find("name=\"key\" value=\"").unwrap() + "name=\"key\" value=\"".len();
    let key = page[key_at..].split('"').next().unwrap().to_string();
    let pay_form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("amount", "200.00"),
        ("method", "cash"),
        ("date", "2025-01-20"),
        ("late_reason", "测试：补录"),
    ];
    // Without the CSRF token: refused, nothing written.
    let r = cashier.post(server.url(&format!("/app/c/{a}/households/1/pay"))).form(&pay_form[1..]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_unchanged(&before, &books_snapshot(&db.url).await, "a refused form");
    let r = cashier.post(server.url(&format!("/app/c/{a}/households/1/pay"))).form(&pay_form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let receipt_path = r.headers()["location"].to_str().unwrap().to_string();
    // The same form sent twice (a double click) records one payment.
    let again = cashier.post(server.url(&format!("/app/c/{a}/households/1/pay"))).form(&pay_form).send().await.unwrap();
    assert_eq!(again.headers()["location"].to_str().unwrap(), receipt_path);
    let receipt = cashier.get(server.url(&receipt_path)).send().await.unwrap().text().await.unwrap();
    assert!(receipt.contains("No.000001") && receipt.contains("200.00") && receipt.contains("贰佰元整"), "{receipt}");
    let pdf = cashier.get(server.url(&format!("{receipt_path}/pdf"))).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("No.000001") && text.contains("200.00"), "{text}");
        assert!(text.contains("本户查询码已随此前的收据或通知发放"), "1-1-101 had its code already: {text}");
    }
    let takings = cashier.get(server.url(&format!("/app/c/{a}/takings?date=2025-01-20"))).send().await.unwrap().text().await.unwrap();
    assert!(takings.contains("现金") && takings.contains("200.00"), "{takings}");

    // Another community's data is not found, as a missing row is.
    for path in [format!("/app/c/{b}/cashier?q=1"), format!("/app/c/{b}/households/3"), format!("/app/c/{b}/receipts/1")] {
        assert_eq!(cashier.get(server.url(&path)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
    let api = client();
    let bearer = |t: &str| format!("Bearer {t}");
    let r = api
        .get(server.url(&format!("/api/v1/communities/{b}/households")))
        .header("authorization", bearer(&cashier_token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["code"], "not_found");

    // Payments through the API, with idempotency keys.
    let pay = |body: Value, key: Option<&str>, t: &str| {
        let mut req = api.post(server.url(&format!("/api/v1/communities/{a}/payments"))).header("authorization", bearer(t)).json(&body);
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        req.send()
    };
    let body = json!({ "household_id": 2, "amount": "90.00", "method": "wechat", "date": "2025-01-21" });
    let first = pay(body.clone(), Some("k-1"), &cashier_token).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["amount"], "90.00");
    let replay = pay(body.clone(), Some("k-1"), &cashier_token).await.unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    let replay: Value = replay.json().await.unwrap();
    assert_eq!((replay["number"].clone(), replay["replayed"].clone()), (first["number"].clone(), json!(true)));
    let after_payments = books_snapshot(&db.url).await;
    let refusals: Vec<(Value, Option<&str>, &str, StatusCode, &str)> = vec![
        (
            json!({ "household_id": 2, "amount": "91.00", "method": "wechat", "date": "2025-01-21" }),
            Some("k-1"),
            cashier_token.as_str(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (body.clone(), None, cashier_token.as_str(), StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        (
            json!({ "household_id": 2, "amount": "99999999999.99", "method": "cash" }),
            Some("k-2"),
            cashier_token.as_str(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            json!({ "household_id": 2, "amount": "-5", "method": "cash" }),
            Some("k-3"),
            cashier_token.as_str(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            json!({ "household_id": 2, "amount": "1.00", "method": "gold" }),
            Some("k-4"),
            cashier_token.as_str(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            json!({ "household_id": 3, "amount": "1.00", "method": "cash" }),
            Some("k-5"),
            cashier_token.as_str(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (body.clone(), Some("k-6"), auditor_token.as_str(), StatusCode::FORBIDDEN, "forbidden"),
        (body.clone(), Some("k-7"), admin_token.as_str(), StatusCode::FORBIDDEN, "forbidden"),
    ];
    for (body, key, t, status, code) in refusals {
        let r = pay(body.clone(), key, t).await.unwrap();
        assert_eq!(r.status(), status, "{body} {key:?}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["code"], code, "{err}");
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    let raw = |body: &'static str, content_type: &'static str| {
        api.post(server.url(&format!("/api/v1/communities/{a}/payments")))
            .header("authorization", bearer(&cashier_token))
            .header("idempotency-key", "k-raw")
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_eq!(raw("{\"household_id\": 2,", "application/json").await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(raw("household_id=2", "application/x-www-form-urlencoded").await.unwrap().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = api
        .post(server.url(&format!("/api/v1/communities/{a}/payments")))
        .header("authorization", bearer(&cashier_token))
        .header("content-type", "application/json")
        .body(format!("{{\"pad\": \"{}\"}}", "x".repeat(200_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_unchanged(&after_payments, &books_snapshot(&db.url).await, "the refused payments");

    // A session's API write needs its CSRF token in a header.
    let csrf = session_csrf(&server, &cashier).await;
    let body = json!({ "household_id": 1, "amount": "1.00", "method": "cash", "date": "2025-01-22" });
    let url = server.url(&format!("/api/v1/communities/{a}/payments"));
    let r = cashier.post(&url).header("idempotency-key", "s-1").json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = cashier.post(&url).header("idempotency-key", "s-1").header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    // The cashier's vouchers wait for 日结, which only a reviewer may do (出纳不得兼任稽核).
    let day_close = server.url(&format!("/api/v1/communities/{a}/day-close"));
    let r =
        api.post(&day_close).header("authorization", bearer(&cashier_token)).json(&json!({ "date": "2025-01-31" })).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let reviewer_token = token(&db.url, "reviewer_a").await;
    let r =
        api.post(&day_close).header("authorization", bearer(&reviewer_token)).json(&json!({ "date": "2025-02-30" })).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a date that is not one names the field");
    let r =
        api.post(&day_close).header("authorization", bearer(&reviewer_token)).json(&json!({ "date": "2025-01-31" })).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let closed: Value = r.json().await.unwrap();
    let closed = closed.as_array().unwrap();
    assert_eq!(closed.len(), 3, "one voucher per payment: {closed:?}");
    assert!(closed.iter().all(|d| d["voucher"].as_str().unwrap().starts_with("2025-01 记-")), "{closed:?}");

    // Roles: the cashier may not administer, the auditor reads the audit log.
    let r = api.get(server.url("/api/v1/users")).header("authorization", bearer(&cashier_token)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let new_user = json!({ "username": "intruder", "display_name": "x", "password": "long enough password", "roles": ["admin"] });
    let r = api.post(server.url("/api/v1/users")).header("authorization", bearer(&cashier_token)).json(&new_user).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(cashier.get(server.url("/app/admin/users")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let audit: Value = api
        .get(server.url("/api/v1/audit?action=payment"))
        .header("authorization", bearer(&auditor_token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let audit = audit.as_array().unwrap();
    assert_eq!(audit.len(), 3, "three payments, one entry each: {audit:?}");
    assert!(audit
        .iter()
        .all(|e| e["username"] == "cashier_a" && !e["request_id"].as_str().unwrap().is_empty() && e["address"] == "127.0.0.1"));
    assert!(raw_sql(&db.url, "UPDATE audit_log SET username = 'nobody'").await.is_err(), "the audit log is append-only");
    assert!(raw_sql(&db.url, "DELETE FROM audit_log").await.is_err(), "the audit log is append-only");

    // The finance office of 东街 sees 甲, not 乙.
    let office = login(&server, "office_east").await;
    let overview = office.get(server.url("/app/office")).send().await.unwrap().text().await.unwrap();
    assert!(overview.contains("甲社区") && !overview.contains("乙社区"), "{overview}");
    assert_eq!(office.get(server.url(&format!("/app/c/{b}/reports/collection"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // Households are no office's, on its street or not.
    assert_eq!(office.get(server.url(&format!("/app/c/{b}/cashier"))).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let csrf = session_csrf(&server, &office).await;
    let r = office
        .post(server.url(&format!("/app/c/{a}/households/1/pay")))
        .form(&[("csrf", csrf.as_str()), ("key", "o"), ("amount", "1"), ("method", "cash"), ("date", "2025-01-20")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "the finance office reads, it does not collect");

    // A resident: their own bills with their code; another household's code is refused.
    let resident = client();
    let form = resident.get(server.url(&format!("/c/{a}/household"))).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&form);
    let r = resident
        .post(server.url(&format!("/c/{a}/household")))
        .form(&[("csrf", csrf.as_str()), ("household", "1-1-101"), ("code", &code.to_lowercase())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mine = r.text().await.unwrap();
    assert!(mine.contains("张三") && mine.contains("No.000001"), "{mine}");
    for _ in 0..5 {
        let r = resident
            .post(server.url(&format!("/c/{a}/household")))
            .form(&[("csrf", csrf.as_str()), ("household", "1-1-102"), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "101's code does not open 102");
    }
    let r = resident
        .post(server.url(&format!("/c/{a}/household")))
        .form(&[("csrf", csrf.as_str()), ("household", "1-1-102"), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // Logout ends the session on the server: the old cookie opens nothing.
    let csrf = session_csrf(&server, &cashier).await;
    let cookie_jar_client = cashier;
    let r = cookie_jar_client.post(server.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = cookie_jar_client.get(server.url("/app")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/login");

    // Metrics count what happened.
    let metrics = anon.get(server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("mingzhang_payments_total 3") && metrics.contains("mingzhang_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    // The server ran verify when it started; its result is on /metrics.
    assert!(
        metrics.contains("mingzhang_verify_clean_total 1")
            && metrics.contains("mingzhang_verify_findings{invariant=\"1\"} 0")
            && metrics.contains("mingzhang_verify_last_run_timestamp_seconds"),
        "{metrics}"
    );
}

#[tokio::test]
async fn html_in_a_name_is_shown_escaped() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    {
        let s = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        let rows = "楼栋,单元,房号,建筑面积,类型,业主,电话\n1,1,103,80.00,住宅,<script>alert(1)</script>,13900000003\n";
        mingzhang::fees::Fees::new(&ledger).import_households(CommunityId(a), rows.as_bytes()).await.unwrap();
        mingzhang::store::Store::close(&s).await;
    };
    let server = spawn_app(&db.url);
    let cashier = login(&server, "cashier_a").await;
    let page = cashier.get(server.url(&format!("/app/c/{a}/cashier?q=103"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;") && !page.contains("<script>alert"), "{page}");
}

/// The admin's pages change a user's roles and communities (and password), and a community's
/// street; a role-less grant is refused with nothing changed; nobody else may.
#[tokio::test]
async fn an_admin_changes_roles_communities_and_streets() {
    let db = fresh_db().await;
    let (a, b, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let cashier_b = login(&server, "cashier_b").await;
    assert_eq!(cashier_b.get(server.url(&format!("/app/c/{a}/cashier"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let admin = login(&server, "admin").await;
    let form = admin.get(server.url("/app/admin/users/cashier_b")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("value=\"cashier\" checked"), "{form}");
    let csrf = csrf_of(&form);
    let grant = |fields: Vec<(&'static str, String)>| admin.post(server.url("/app/admin/users/cashier_b")).form(&fields).send();
    let before = books_snapshot(&db.url).await;
    let r = grant(vec![("csrf", csrf.clone()), ("community", a.to_string())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("至少须有一个角色"));
    assert_unchanged(&before, &books_snapshot(&db.url).await, "a refused grant");
    let r = grant(vec![("csrf", csrf.clone()), ("role", "cashier".into()), ("community", a.to_string())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // At once: the server forgets who its sessions belong to when a user changes.
    assert_eq!(cashier_b.get(server.url(&format!("/app/c/{a}/cashier"))).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(cashier_b.get(server.url(&format!("/app/c/{b}/cashier"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let cashier_a = login(&server, "cashier_a").await;
    let r = cashier_a
        .post(server.url("/app/admin/users/cashier_b"))
        .form(&[("csrf", session_csrf(&server, &cashier_a).await.as_str()), ("role", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "only an admin grants");

    // 乙 joins 东街: its finance office now reads it.
    let office = login(&server, "office_east").await;
    let t = token(&db.url, "office_east").await;
    let overview = |t: String| client().get(server.url("/api/v1/office/overview")).bearer_auth(t).send();
    let seen: serde_json::Value = overview(t.clone()).await.unwrap().json().await.unwrap();
    assert!(!seen.to_string().contains("乙社区"), "{seen}");
    let r = admin
        .post(server.url(&format!("/app/admin/communities/{b}/street")))
        .form(&[("csrf", csrf.as_str()), ("street", "东街")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let seen: serde_json::Value = overview(t).await.unwrap().json().await.unwrap();
    assert!(seen.to_string().contains("乙社区"), "{seen}");
    // Two communities: the total line sums them (the rate of the sums), and the district report
    // downloads with the same lines.
    let lines = seen["communities"].as_array().unwrap();
    let fen = |v: &serde_json::Value| v.as_str().unwrap().replace('.', "").parse::<i64>().unwrap();
    for key in ["billed", "collected", "arrears"] {
        assert_eq!(fen(&seen["total"][key]), lines.iter().map(|l| fen(&l[key])).sum::<i64>(), "{key}: {seen}");
    }
    assert_eq!(seen["total"]["households"], 4, "{seen}");
    assert_eq!((seen["total"]["name"].as_str(), seen["total"]["rate"].as_str()), (Some("合计"), Some("0.00%")), "{seen}");
    let csv = office.get(server.url("/app/office/district/csv?period=2025-01")).send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("甲社区,东街,2,380.00") && csv.contains("甲社区") && csv.contains("乙社区") && csv.contains("合计"), "{csv}");
    let page = office.get(server.url("/app/office")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("合计（2 个社区）"), "{page}");
    assert_eq!(office.get(server.url(&format!("/app/c/{b}/reports/trial-balance"))).send().await.unwrap().status(), StatusCode::OK);

    // The API does the same.
    let r = client()
        .post(server.url("/api/v1/users/cashier_b/access"))
        .bearer_auth(token(&db.url, "admin").await)
        .json(&serde_json::json!({ "roles": ["reviewer"], "communities": [b] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let user: serde_json::Value = r.json().await.unwrap();
    assert_eq!((user["roles"].clone(), user["communities"].clone()), (serde_json::json!(["reviewer"]), serde_json::json!([b])), "{user}");
}

/// The admin's user forms act on the user they name: opening another user's page shows that
/// user, and saving it changes that user and not the admin. A new user has no role unless one
/// is chosen; 停用 is refused on one's own account and on the last admin.
#[tokio::test]
async fn the_admins_forms_change_the_user_they_name() {
    let db = fresh_db().await;
    seed(&db.url).await;
    let server = spawn_app(&db.url);
    let admin = login(&server, "admin").await;
    let page = admin.get(server.url("/app/admin/users/accountant_a")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("用户 accountant_a（accountant_a）"), "the page is headed with the user it names");
    assert!(page.contains("action=\"/app/admin/users/accountant_a\""), "and its form posts to that user");
    let csrf = csrf_of(&page);
    let r = admin
        .post(server.url("/app/admin/users/accountant_a"))
        .form(&[("csrf", csrf.as_str()), ("role", "accountant"), ("role", "reviewer"), ("street", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (changed, admin_user) = {
        let s = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
        let access = Access::new(s.clone());
        (access.user("accountant_a").await.unwrap(), access.user("admin").await.unwrap())
    };
    assert!(changed.has(Role::Accountant) && changed.has(Role::Reviewer), "the named user got the roles");
    assert!(admin_user.has(Role::Admin) && !admin_user.has(Role::Reviewer), "the admin is unchanged");
    let audit = admin.get(server.url("/app/admin/audit")).send().await.unwrap().text().await.unwrap();
    assert!(
        audit.contains("时间（北京时间）") && audit.contains("修改用户权限") && audit.contains("accountant_a"),
        "the audit log reads in Chinese"
    );

    let users = admin.get(server.url("/app/admin/users")).send().await.unwrap().text().await.unwrap();
    assert!(users.contains("<option value=\"\" selected disabled>请选择角色</option>"), "no role is chosen by default");
    assert!(users.contains("data-confirm=\"确认停用用户"), "停用 asks first (by the site's own script, as the CSP allows)");
    let csrf = csrf_of(&users);
    let no_role = [
        ("csrf", csrf.as_str()),
        ("username", "newbie"),
        ("display_name", "新人"),
        ("password", "a long password 1"),
        ("community", ""),
        ("street", ""),
    ];
    let r = admin.post(server.url("/app/admin/users")).form(&no_role).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请选择新用户的角色"));
    let r = admin.post(server.url("/app/admin/users/admin/disable")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "not one's own account");
    assert!(r.text().await.unwrap().contains("不能停用自己"));
    let store = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
    let still = Access::new(store.clone()).user("admin").await.unwrap();
    assert!(!still.disabled);
}

/// The street finance office oversees its communities' figures, subsidies and
/// reconciliations, not their households: every household-level page and API is refused to
/// it, while the figures stay open.
#[tokio::test]
async fn the_finance_office_reads_figures_not_households() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let office_token = token(&db.url, "office_east").await;
    let server = spawn_app(&db.url);
    let office = login(&server, "office_east").await;
    let household = {
        {
            let s = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
            let ledger = mingzhang::ledger::Ledger::new(s.clone());
            mingzhang::fees::Fees::new(&ledger).household_by_label(CommunityId(a), "1-1-101").await.unwrap().id.0
        }
    };
    for path in [
        format!("/app/c/{a}/cashier"),
        format!("/app/c/{a}/cashier?q=1-1"),
        format!("/app/c/{a}/households/{household}"),
        format!("/app/c/{a}/takings"),
        format!("/app/c/{a}/reports/statement?household=1-1-101"),
    ] {
        let r = office.get(server.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(!r.text().await.unwrap().contains("张三"), "{path} shows no household");
    }
    for path in [
        format!("/api/v1/communities/{a}/households"),
        format!("/api/v1/communities/{a}/households/{household}"),
        format!("/api/v1/communities/{a}/takings"),
    ] {
        let r = client().get(server.url(&path)).bearer_auth(&office_token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    for path in ["/app/office".to_string(), format!("/app/c/{a}/reports/collection"), format!("/app/c/{a}/subsidies")] {
        let r = office.get(server.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let home = office.get(server.url("/app")).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains(&format!("/app/c/{a}/cashier")), "no link to the households");
}

/// An error page's 返回 works under the site's own Content-Security-Policy: no javascript: link
/// (which the policy blocks), but a script of the site's own that it allows.
#[tokio::test]
async fn an_error_pages_back_link_works_under_the_sites_csp() {
    let db = fresh_db().await;
    seed(&db.url).await;
    let server = spawn_app(&db.url);
    let admin = login(&server, "admin").await;
    let r = admin.get(server.url("/app/c/9999/cashier")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let page = r.text().await.unwrap();
    assert!(!page.contains("javascript:"), "a javascript: link is blocked by the policy");
    assert!(page.contains("data-back") && page.contains("href=\"/app\""), "{page}");
    let at = page.find("<script src=\"").expect("the back script") + "<script src=\"".len();
    let src = page[at..].split('"').next().unwrap().replace("&#x2f;", "/");
    assert!(src.starts_with("/static/") && src.ends_with("/back.js"), "{src}");
    let js = admin.get(server.url(&src)).send().await.unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(js.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(js.text().await.unwrap().contains("history.back()"));
    // The header is the signed-in user's, as on every page: navigation and sign-out.
    assert!(page.contains(">用户</a>") && page.contains("action=\"/logout\""), "{page}");
    // Signed out, the error page keeps the bare header.
    let r = client().get(server.url("/nowhere")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.text().await.unwrap().contains("action=\"/logout\""));
}

/// A resident who types a wrong code is told where a code comes from.
#[tokio::test]
async fn a_wrong_code_says_where_to_get_one() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let resident = client();
    for path in [format!("/c/{a}/household"), format!("/c/{a}/members")] {
        let form = resident.get(server.url(&path)).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&form);
        let r = resident
            .post(server.url(&path))
            .form(&[("csrf", csrf.as_str()), ("household", "1-1-101"), ("code", "AAA-AAA-AAA-AAA")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("门牌号或查询码不正确") && page.contains("收据和催缴通知单上") && page.contains("收费处领取"),
            "{path}: {page}"
        );
    }
}
