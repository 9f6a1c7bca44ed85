//! The web application, black box: the real binary serves a fresh database (on the engine under
//! test) on a random port, and a real HTTP client (with cookies, without following redirects)
//! reads its pages and calls its API as each kind of user would, and as users who must be
//! refused. Every refusal is checked to have written nothing.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use common::*;
use mingzhang::access::{Access, NewUser, Role};
use mingzhang::domain::ids::CommunityId;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// The server under test; killed when dropped.
pub(crate) struct Server {
    base: String,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub(crate) fn start(url: &str) -> Server {
        let mut child = mingzhang()
            .args(["--db", url, "serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mingzhang serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line.split("http://").nth(1).expect("the server prints its address").trim().trim_end_matches('/').to_string();
        Server { base: format!("http://{base}"), child }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The value of the first hidden `csrf` field of a page.
pub(crate) fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

/// Communities 甲 (东街) and 乙 (西街), each with two households billed for January 2025, and
/// one user per role; returns (甲, 乙, the code of 甲's 1-1-101).
pub(crate) async fn seed(url: &str) -> (i64, i64, String) {
    let store = mingzhang::store::AnyStore::connect(url).await.unwrap();
    mingzhang::with_store!(store, s => {
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        let fees = mingzhang::fees::Fees::new(&ledger);
        let access = Access::new(s.clone());
        let a = two_households(&ledger, "甲社区", "2.00").await;
        let b = two_households(&ledger, "乙社区", "2.00").await;
        for book in [&a, &b] {
            fees.run_billing(book, period(2025, 1), &[], "会计").await.unwrap();
        }
        let (ca, cb) = (a.row.community_id, b.row.community_id);
        access.set_street(ca, "东街").await.unwrap();
        access.set_street(cb, "西街").await.unwrap();
        let users: [(&str, Role, Vec<CommunityId>, &str); 8] = [
            ("admin", Role::Admin, vec![], ""),
            ("cashier_a", Role::Cashier, vec![ca], ""),
            ("cashier_b", Role::Cashier, vec![cb], ""),
            ("accountant_a", Role::Accountant, vec![ca], ""),
            ("reviewer_a", Role::Reviewer, vec![ca], ""),
            ("reviewer_b", Role::Reviewer, vec![cb], ""),
            ("auditor_a", Role::Auditor, vec![ca], ""),
            ("office_east", Role::FinanceOffice, vec![], "东街"),
        ];
        for (username, role, communities, street) in users {
            let new = NewUser { username, display_name: username, roles: &[role], communities: &communities, street, password: Some(PASSWORD) };
            access.add_user(&new).await.unwrap();
        }
        let h101 = fees.household_by_label(ca, "1-1-101").await.unwrap();
        let code = access.issue_household_code(ca, h101.id).await.unwrap();
        mingzhang::store::Store::close(&s).await;
        (ca.0, cb.0, code)
    })
}

/// Logs `username` in through the login form; returns the client holding the session.
pub(crate) async fn login(server: &Server, username: &str) -> reqwest::Client {
    let c = client();
    let form = c.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&form);
    let r =
        c.post(server.url("/login")).form(&[("csrf", csrf.as_str()), ("username", username), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {username}");
    c
}

pub(crate) async fn token(url: &str, username: &str) -> String {
    let store = mingzhang::store::AnyStore::connect(url).await.unwrap();
    mingzhang::with_store!(store, s => {
        let t = Access::new(s.clone()).add_token(username, "测试").await.unwrap();
        mingzhang::store::Store::close(&s).await;
        t
    })
}

/// The session's CSRF token, read from a page it can open.
pub(crate) async fn session_csrf(server: &Server, c: &reqwest::Client) -> String {
    csrf_of(&c.get(server.url("/app")).send().await.unwrap().text().await.unwrap())
}

/// Everything but the audit log and the sessions, which reads and refusals may add to.
pub(crate) async fn books_snapshot(url: &str) -> String {
    let mut all = snapshot(url).await;
    for table in ["audit_log", "audit_heads", "sessions"] {
        // (user_versions changes only with a user, which no refused form makes.)
        let head = format!("== {table}\n");
        if let Some(start) = all.find(&head) {
            let end = all[start + head.len()..].find("== ").map_or(all.len(), |e| start + head.len() + e);
            all.replace_range(start..end, "");
        }
    }
    all
}

/// Fails without printing two whole databases.
fn assert_unchanged(before: &str, after: &str, what: &str) {
    assert!(before == after, "{what}: the database changed");
}

#[tokio::test]
async fn the_web_application_serves_each_user_and_refuses_the_rest() {
    let db = fresh_db().await;
    let (a, b, code) = seed(&db.url).await;
    let cashier_token = token(&db.url, "cashier_a").await;
    let auditor_token = token(&db.url, "auditor_a").await;
    let admin_token = token(&db.url, "admin").await;
    let server = Server::start(&db.url);
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
    let store = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
    mingzhang::with_store!(store, s => {
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        let rows = "楼栋,单元,房号,建筑面积,类型,业主,电话\n1,1,103,80.00,住宅,<script>alert(1)</script>,13900000003\n";
        mingzhang::fees::Fees::new(&ledger).import_households(CommunityId(a), rows.as_bytes()).await.unwrap();
        mingzhang::store::Store::close(&s).await;
    });
    let server = Server::start(&db.url);
    let cashier = login(&server, "cashier_a").await;
    let page = cashier.get(server.url(&format!("/app/c/{a}/cashier?q=103"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;") && !page.contains("<script>alert"), "{page}");
}

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
    let server = Server::start(&db.url);
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

/// A body for the fuzzer: random bytes, or JSON near the payment's shape with a field broken.
fn fuzz_body(rng: &mut rand::rngs::SmallRng) -> Vec<u8> {
    use rand::Rng;
    let odd: [Value; 12] = [
        json!(null),
        json!(-1),
        json!(1e308),
        json!("１２３．４５"),
        json!("1e3"),
        json!("99999999999999999999.99"),
        json!("<script>x</script>"),
        json!([1, 2]),
        json!({ "a": { "b": [] } }),
        json!(i64::MAX),
        json!("0.001"),
        json!("\u{0000}\u{202e}"),
    ];
    match rng.gen_range(0..4) {
        0 => (0..rng.gen_range(0..200)).map(|_| rng.gen()).collect(),
        _ => {
            let mut body = json!({ "household_id": 1, "amount": "1.00", "method": "cash", "date": "2025-01-20" });
            let fields = ["household_id", "amount", "method", "date", "bills", "extra", "reason", "approver", "username", "roles"];
            for _ in 0..rng.gen_range(1..4) {
                let field = fields[rng.gen_range(0..fields.len())];
                if rng.gen_bool(0.2) {
                    body.as_object_mut().unwrap().remove(field);
                } else {
                    body[field] = odd[rng.gen_range(0..odd.len())].clone();
                }
            }
            serde_json::to_vec(&body).unwrap()
        }
    }
}

#[tokio::test]
async fn the_json_api_survives_garbage_without_a_5xx_or_a_partial_write() {
    use rand::SeedableRng;
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let cashier = token(&db.url, "cashier_a").await;
    let admin = token(&db.url, "admin").await;
    let server = Server::start(&db.url);
    let api = client();
    let routes = [
        (format!("/api/v1/communities/{a}/payments"), cashier.as_str()),
        (format!("/api/v1/communities/{a}/receipts/1/void"), cashier.as_str()),
        ("/api/v1/users".to_string(), admin.as_str()),
    ];
    let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
    let mut accepted = 0;
    for i in 0..300 {
        let (path, token) = &routes[i % routes.len()];
        let body = fuzz_body(&mut rng);
        let before = books_snapshot(&db.url).await;
        let r = api
            .post(server.url(path))
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", format!("fuzz-{i}"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let answer = r.text().await.unwrap();
        assert!(status.as_u16() < 500, "{path} answered {status} to {}: {answer}", String::from_utf8_lossy(&body));
        if status.is_success() {
            accepted += 1;
        } else {
            let err: Value = serde_json::from_str(&answer).unwrap_or_else(|_| panic!("an error is JSON: {answer}"));
            assert!(err["code"].is_string() && err["message"].is_string(), "{err}");
            assert_unchanged(&before, &books_snapshot(&db.url).await, "a refused request");
        }
    }
    eprintln!("fuzzed 300 requests: {accepted} accepted, every refusal a 4xx that wrote nothing");
}

/// The accountant uploads a household file: a file with bad rows is refused whole, every bad
/// row named by row and column, nothing written; a good file is imported and audited; the API
/// takes the same file as its body.
#[tokio::test]
async fn households_are_imported_by_upload_with_every_bad_row_shown() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = Server::start(&db.url);
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
    let server = Server::start(&db.url);
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

/// The admin's pages change a user's roles and communities (and password), and a community's
/// street; a role-less grant is refused with nothing changed; nobody else may.
#[tokio::test]
async fn an_admin_changes_roles_communities_and_streets() {
    let db = fresh_db().await;
    let (a, b, _) = seed(&db.url).await;
    let server = Server::start(&db.url);
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

/// The subsidy API end to end: the accountant's program and receipt, the finance office's list
/// (a bad one refused whole), the reconciliation signed by both sides (and refused to the wrong
/// people), its PDF read back by pdftotext and its XLSX by calamine, and the overview.
#[tokio::test]
async fn a_subsidy_is_disbursed_received_reconciled_and_signed_through_the_api() {
    let db = fresh_db().await;
    let (a, _b, _) = seed(&db.url).await;
    let store = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
    mingzhang::with_store!(store, s => {
        let access = Access::new(s.clone());
        let new = NewUser { username: "office_west", display_name: "西街财政所", roles: &[Role::FinanceOffice], communities: &[], street: "西街", password: Some(PASSWORD) };
        access.add_user(&new).await.unwrap();
        mingzhang::store::Store::close(&s).await;
    });
    let (accountant, office, west, cashier) = (
        token(&db.url, "accountant_a").await,
        token(&db.url, "office_east").await,
        token(&db.url, "office_west").await,
        token(&db.url, "cashier_a").await,
    );
    let server = Server::start(&db.url);
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
    let store = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
    mingzhang::with_store!(store, s => {
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        ledger.create_book(CommunityId(a), "collective", "甲股份经济合作社", "rural_collective", period(2025, 1)).await.unwrap();
        // The year's income tax comes first (5 % of the 380.00): the transfer waits for it.
        let company = ledger.book(CommunityId(a), "company").await.unwrap();
        post(&ledger, &company, &voucher(date(2025, 1, 31), vec![line("5801", 1_900, 0), line("222104", 0, 1_900)])).await;
        mingzhang::store::Store::close(&s).await;
    });
    let (accountant, cashier) = (token(&db.url, "accountant_a").await, token(&db.url, "cashier_a").await);
    let server = Server::start(&db.url);
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

/// The admin's user forms act on the user they name: opening another user's page shows that
/// user, and saving it changes that user and not the admin. A new user has no role unless one
/// is chosen; 停用 is refused on one's own account and on the last admin.
#[tokio::test]
async fn the_admins_forms_change_the_user_they_name() {
    let db = fresh_db().await;
    seed(&db.url).await;
    let server = Server::start(&db.url);
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
    let store = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
    let (changed, admin_user) = mingzhang::with_store!(store, s => {
        let access = Access::new(s.clone());
        (access.user("accountant_a").await.unwrap(), access.user("admin").await.unwrap())
    });
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
    let still = mingzhang::with_store!(store, s => Access::new(s.clone()).user("admin").await.unwrap());
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
    let server = Server::start(&db.url);
    let office = login(&server, "office_east").await;
    let household = {
        let store = mingzhang::store::AnyStore::connect(&db.url).await.unwrap();
        mingzhang::with_store!(store, s => {
            let ledger = mingzhang::ledger::Ledger::new(s.clone());
            mingzhang::fees::Fees::new(&ledger).household_by_label(CommunityId(a), "1-1-101").await.unwrap().id.0
        })
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
    let server = Server::start(&db.url);
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
    let server = Server::start(&db.url);
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

/// A withdrawal whose record number does not parse is refused naming the field, not taken as
/// record #0.
#[tokio::test]
async fn a_withdrawal_with_a_bad_record_number_names_the_field() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = Server::start(&db.url);
    let accountant = login(&server, "accountant_a").await;
    let csrf = session_csrf(&server, &accountant).await;
    let form = [("csrf", csrf.as_str()), ("side", "receipt"), ("id", "abc"), ("reason", "录错"), ("date", "2025-01-20")];
    let r = accountant.post(server.url(&format!("/app/c/{a}/subsidies/withdraw"))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("“abc”不是要撤回的记录编号"));
}
