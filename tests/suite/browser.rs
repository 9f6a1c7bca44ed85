//! The pages in a real browser: headless Chromium driven through ChromeDriver's WebDriver
//! protocol (plain HTTP and JSON, so no client library is needed) against the real server. A
//! cashier takes a payment and opens its receipt; an accountant enters a voucher that a
//! reviewer reviews and posts; a resident reads the public page and their own bills on a
//! 390×844 phone screen. Screenshots are kept under target/browser-screenshots/.

use crate::common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use common::*;
use mingzhang::access::{Access, NewUser, Role};
use serde_json::{json, Value};

const PASSWORD: &str = "browser password 1";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One browser session of ChromeDriver.
struct Browser {
    http: reqwest::Client,
    session: String,
    _driver: Killed,
}

impl Browser {
    async fn start(width: u32, height: u32) -> Browser {
        let port = free_port();
        let driver = Killed(
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver"),
        );
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A phone's screen is emulated (headless Chromium keeps windows at least 500 wide).
        let caps = json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome", "unhandledPromptBehavior": "accept", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN"],
            "mobileEmulation": { "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 } },
        } } } });
        let r: Value = http.post(format!("{base}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let session = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {r}")).to_string();
        Browser { http, session: format!("{base}/session/{session}"), _driver: driver }
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.session);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let r: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(r["value"].get("error").is_none(), "{method} {path}: {r}");
        r["value"].clone()
    }

    async fn open(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url })).await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self.call("POST", "/element", json!({ "using": "css selector", "value": css })).await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    /// Clicks what leads to another page, and waits until that page has loaded: the old
    /// document carries a mark the new one lacks.
    async fn click(&self, css: &str) {
        self.call("POST", "/execute/sync", json!({ "script": "window.__mzOld = true;", "args": [] })).await;
        let e = self.find(css).await;
        self.call("POST", &format!("/element/{e}/click"), json!({})).await;
        let script = "return !window.__mzOld && document.readyState === 'complete';";
        for _ in 0..200 {
            let r: Value = self
                .http
                .post(format!("{}/execute/sync", self.session))
                .json(&json!({ "script": script, "args": [] }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if r["value"] == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("clicking {css} led to no new page");
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call("POST", &format!("/element/{e}/clear"), json!({})).await;
        self.call("POST", &format!("/element/{e}/value"), json!({ "text": text })).await;
    }

    /// Sets a field the way a date picker would (typing into one depends on the locale).
    async fn set_value(&self, css: &str, value: &str) {
        let script = "document.querySelector(arguments[0]).value = arguments[1];";
        self.call("POST", "/execute/sync", json!({ "script": script, "args": [css, value] })).await;
    }

    async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.call("GET", &format!("/element/{e}/text"), json!({})).await.as_str().unwrap().to_string()
    }

    async fn source(&self) -> String {
        self.call("GET", "/source", json!({})).await.as_str().unwrap().to_string()
    }

    async fn url(&self) -> String {
        self.call("GET", "/url", json!({})).await.as_str().unwrap().to_string()
    }

    /// The page's width as laid out, and the viewport's: a page made for phones has no
    /// horizontal scroll beyond its tables' own.
    async fn widths(&self) -> (i64, i64) {
        let v = self
            .call("POST", "/execute/sync", json!({ "script": "return [document.body.scrollWidth, window.innerWidth];", "args": [] }))
            .await;
        (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())
    }

    /// The right edge, in CSS pixels, of the element `css` selects as laid out (its table
    /// scrolled to the start): what a 1366-pixel screen shows without scrolling.
    async fn right_edge(&self, css: &str) -> i64 {
        let script = "return Math.round(document.querySelector(arguments[0]).getBoundingClientRect().right);";
        self.call("POST", "/execute/sync", json!({ "script": script, "args": [css] })).await.as_i64().unwrap()
    }

    async fn screenshot(&self, name: &str) {
        let png = self.call("GET", "/screenshot", json!({})).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }

    async fn login(&self, base: &str, username: &str) {
        self.open(&format!("{base}/login")).await;
        self.type_into("input[name=username]", username).await;
        self.type_into("input[name=password]", PASSWORD).await;
        self.click("button[type=submit]").await;
        assert!(self.url().await.ends_with("/app"), "{username} is signed in");
    }

    async fn logout(&self) {
        self.click("header form button").await;
        assert!(!self.url().await.contains("/app"), "logged out");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The driver is killed with its browser; ending the session first lets Chromium exit cleanly.
        // A client of its own, on a runtime of its own: the test's runtime is blocked here.
        let url = self.session.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async { reqwest::Client::new().delete(url).timeout(Duration::from_secs(10)).send().await.ok() });
        })
        .join();
    }
}

/// A community with two households billed for January 2025, a cashier, an accountant, a
/// reviewer, and the access code of 1-1-101.
async fn seed(url: &str) -> (i64, String) {
    {
        let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        let fees = mingzhang::fees::Fees::new(&ledger);
        let access = Access::new(s.clone());
        let book = two_households(&ledger, "浏览器社区", "2.00").await;
        fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
        let c = book.row.community_id;
        for (username, name, role) in [
            ("cashier", "张出纳", Role::Cashier),
            ("accountant", "王会计", Role::Accountant),
            ("reviewer", "李审核", Role::Reviewer),
            ("admin", "管理员", Role::Admin),
        ] {
            access
                .add_user(&NewUser {
                    username,
                    display_name: name,
                    roles: &[role],
                    communities: &[c],
                    street: "",
                    password: Some(PASSWORD),
                })
                .await
                .unwrap();
        }
        let h = fees.household_by_label(c, "1-1-101").await.unwrap();
        let code = access.issue_household_code(c, h.id).await.unwrap();
        mingzhang::store::Store::close(&s).await;
        (c.0, code)
    }
}

#[tokio::test]
async fn cashier_accountant_reviewer_and_resident_in_a_browser() {
    if !oracle_available("chromedriver") {
        return;
    }
    let db = fresh_db().await;
    let (c, code) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let base = server.url("");

    // The cashier, at an office PC's screen.
    let b = Browser::start(1280, 900).await;
    b.login(&base, "cashier").await;
    b.open(&format!("{base}/app/c/{c}/cashier")).await;
    b.type_into("input[name=q]", "张三").await;
    b.click("form.row button").await;
    b.click("#results a").await;
    assert!(b.text("#open").await.contains("200.00"));
    b.set_value("input[name=date]", "2025-01-20").await;
    b.set_value("input[name=late_reason]", "测试：补录一月的收款").await;
    b.screenshot("cashier-household").await;
    b.click("#pay button[type=submit]").await;
    assert!(b.url().await.contains("/receipts/1"), "the payment opens its receipt");
    assert_eq!(b.text("#receipt-number").await, "No.000001");
    assert!(b.text("#amount").await.contains("贰佰元整"));
    b.screenshot("cashier-receipt").await;
    b.logout().await;

    // The accountant enters a voucher; the reviewer reviews and posts it.
    b.login(&base, "accountant").await;
    b.open(&format!("{base}/app/c/{c}/vouchers/new")).await;
    b.set_value("input[name=date]", "2025-01-15").await;
    for (field, value) in [
        ("summary0", "收取场地租金"),
        ("account0", "1001"),
        ("debit0", "300.00"),
        ("summary1", "收取场地租金"),
        ("account1", "505101"),
        ("credit1", "300.00"),
    ] {
        b.type_into(&format!("input[name={field}]"), value).await;
    }
    b.screenshot("accountant-voucher-entry").await;
    b.click("#voucher-form button[type=submit]").await;
    assert_eq!(b.text("#status").await, "制单");
    let voucher = b.url().await;
    b.logout().await;
    b.login(&base, "reviewer").await;
    // The cashier's payment waits for the day's close, which the reviewer does on the list.
    b.open(&format!("{base}/app/c/{c}/vouchers?period=2025-01")).await;
    assert!(b.text("#day-close-waiting").await.contains("待日结的收款凭证 1 张"));
    b.click("#day-close button").await;
    assert!(b.text("#day-close-waiting").await.contains("没有待日结"));
    b.open(&voucher).await;
    b.click("#review").await;
    assert_eq!(b.text("#status").await, "已审核");
    b.click("#post").await;
    assert_eq!(b.text("#status").await, "已记账");
    assert!(b.text("#voucher-label").await.contains("记-0003"), "numbered after the billing run and the payment");
    b.screenshot("reviewer-posted").await;
    b.logout().await;

    // The accountant closes January: the list opens on it (the book's working month) and
    // 本月结账 asks first (the browser accepts); February is then the working month.
    b.login(&base, "accountant").await;
    b.open(&format!("{base}/app/c/{c}/vouchers")).await;
    assert_eq!(b.value("form.row input[name=period]").await, "2025-01");
    b.click("button[value=close]").await;
    b.open(&format!("{base}/app/c/{c}/vouchers")).await;
    assert_eq!(b.value("form.row input[name=period]").await, "2025-02", "January is closed");
    b.screenshot("accountant-month-closed").await;
    b.logout().await;

    // The admin gives the cashier a second community's role on the cashier's own page.
    b.login(&base, "admin").await;
    b.open(&format!("{base}/app/admin/users/cashier")).await;
    assert!(b.source().await.contains("张出纳"), "the page is the cashier's");
    b.tick("input[name=role][value=reviewer]").await;
    b.click("form.stack button[type=submit]").await;
    b.open(&format!("{base}/app/admin/users")).await;
    let users = b.text("#users").await;
    assert!(users.lines().any(|l| l.contains("cashier") && l.contains("审核")), "{users}");
    assert!(users.lines().any(|l| l.starts_with("admin") && l.contains("系统管理员")), "the admin keeps its own roles: {users}");
    b.screenshot("admin-edits-another-user").await;
    b.logout().await;
    drop(b);

    // The resident, on a phone.
    let phone = Browser::start(390, 844).await;
    phone.open(&format!("{base}/c/{c}")).await;
    let public = phone.source().await;
    assert!(public.contains("物业服务费") && public.contains("收缴率") && !public.contains("张三"));
    let (page, viewport) = phone.widths().await;
    assert!(page <= viewport, "the public page fits a phone: {page} > {viewport}");
    phone.screenshot("resident-public-390x844").await;
    phone.click("a.button[href$='/household']").await;
    phone.type_into("input[name=household]", "1-1-101").await;
    phone.type_into("input[name=code]", &code).await;
    phone.click("form button[type=submit]").await;
    assert!(phone.text("#open").await.contains("0.00"), "paid in full at the cashier's");
    assert!(phone.source().await.contains("No.000001"));
    // At 390 × 844 nothing is wider than the screen: each bill and payment is a card.
    let (page, viewport) = phone.widths().await;
    assert!(page <= viewport, "the household's page fits a phone: {page} > {viewport}");
    let widest = phone.widest().await;
    assert!(widest <= viewport, "an element {widest} pixels wide on a {viewport}-pixel screen");
    phone.screenshot("resident-bills-390x844").await;
    // The receipt downloads as PDF; the page reloads without the code; 退出 ends the visit.
    assert_eq!(phone.link_type("#payments a[href*='/household/receipts/']").await, "200 application/pdf");
    phone.open(&format!("{base}/c/{c}/household")).await;
    assert!(phone.source().await.contains("No.000001"), "a reload keeps the household's page");
    phone.click("#resident-logout button").await;
    assert!(phone.source().await.contains("name=\"code\""), "after 退出 the code is asked again");
    assert_eq!(
        phone.link_type_of(&format!("{base}/c/{c}/household/receipts/No.000001")).await,
        "200 text/html; charset=utf-8",
        "the receipt is no longer served"
    );
}

/// A community on 城东街道 with a subsidy program whose first quarter was disbursed, received
/// and spent on: an accountant and a reviewer of the community, and a finance-office user of
/// the street.
async fn seed_subsidy(url: &str) -> i64 {
    use mingzhang::domain::category::Category;
    use mingzhang::domain::money::Fen;
    use mingzhang::subsidies::{DisbursementInput, ProgramInput, ReceiptInput, Subsidies, Treatment};
    {
        let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        let access = Access::new(s.clone());
        let book = two_households(&ledger, "补贴社区", "2.00").await;
        let community = ledger.community(Some("补贴社区")).await.unwrap();
        access.set_street(community.id, "城东街道").await.unwrap();
        for (username, name, role, street) in [
            ("accountant", "王会计", Role::Accountant, ""),
            ("reviewer", "李审核", Role::Reviewer, ""),
            ("office", "街道财政所 陈", Role::FinanceOffice, "城东街道"),
        ] {
            let communities = if street.is_empty() { vec![community.id] } else { vec![] };
            let new = NewUser { username, display_name: name, roles: &[role], communities: &communities, street, password: Some(PASSWORD) };
            access.add_user(&new).await.unwrap();
        }
        let subsidies = Subsidies::new(&ledger);
        let program = ProgramInput {
            document_no: "区财〔2025〕12号",
            purpose: "物业管理补贴",
            approved: Fen(40_000_000),
            starts_on: date(2025, 1, 1),
            ends_on: date(2026, 1, 1),
            treatment: Treatment::Deferred,
            eligible: vec![Category::Cleaning],
        };
        subsidies.add_program(&book, &program, "accountant").await.unwrap();
        let d = DisbursementInput {
            row: 0,
            program: "区财〔2025〕12号".into(),
            date: date(2025, 1, 5),
            amount: Fen(10_000_000),
            payee: "测试物业公司".into(),
            reference: "GK01".into(),
        };
        subsidies.disburse(&community, &[d], "office").await.unwrap();
        let r = ReceiptInput { date: date(2025, 1, 8), amount: Fen(9_900_000), reference: "GK01", bank_account: None };
        subsidies.receive(&book, "区财〔2025〕12号", &r, "accountant").await.unwrap();
        mingzhang::store::Store::close(&s).await;
        community.id.0
    }
}

#[tokio::test]
async fn the_company_and_the_finance_office_sign_a_reconciliation_in_a_browser() {
    if !oracle_available("chromedriver") {
        return;
    }
    let db = fresh_db().await;
    let c = seed_subsidy(&db.url).await;
    let server = spawn_app(&db.url);
    let base = server.url("");
    // The office's PC: a 1366 × 768 screen.
    let b = Browser::start(1366, 768).await;

    // The accountant reconciles the first quarter and signs for the company.
    b.login(&base, "accountant").await;
    b.open(&format!("{base}/app/c/{c}/subsidies")).await;
    assert!(b.text("#programs").await.contains("区财〔2025〕12号"));
    b.set_value("#reconcile-form input[name=from]", "2025-01-01").await;
    b.set_value("#reconcile-form input[name=through]", "2025-03-31").await;
    b.click("#reconcile").await;
    assert!(b.url().await.contains("/reconciliations/"), "reconciling opens the statement");
    assert_eq!(b.text("#state").await, "待双方签字");
    assert!(b.source().await.contains("2025-01-01 至 2025-03-31"), "the heading says the days the form was given");
    let differences = b.text("#differences").await;
    assert!(differences.contains("金额不符") && differences.contains("-1,000.00"), "{differences}");
    b.click("#sign-company").await;
    assert_eq!(b.text("#state").await, "物业公司已签字，待街道财政所签字");
    let statement = b.url().await;
    b.logout().await;

    // The finance office finds it in its overview and signs.
    b.login(&base, "office").await;
    b.open(&format!("{base}/app/office")).await;
    let overview = b.text("#subsidies").await;
    assert!(overview.contains("补贴社区") && overview.contains("物业公司已签字"), "{overview}");
    // 结余 and 最近对账 are on screen without scrolling sideways.
    for column in ["#subsidies th:nth-last-child(2)", "#subsidies th:last-child"] {
        assert!(b.right_edge(column).await <= 1366, "{column} is off screen at 1366 pixels");
    }
    b.screenshot("office-subsidies").await;
    // What waits for the office is listed first, and leads to it.
    assert!(b.text("#todo").await.contains("物业公司已签字，待街道财政所签字"));
    b.click("#todo a[href*=reconciliations]").await;
    assert_eq!(b.url().await, statement);
    // 签字 asks first (the browser accepts), then names the signer and the time in Beijing.
    assert!(b.source().await.contains("data-confirm=\"确认代表街道财政所"), "签字 asks for confirmation");
    b.type_into("#sign-office-form input[name=note1]", "到账差额系银行手续费，下期核销").await;
    b.click("#sign-office").await;
    assert_eq!(b.text("#state").await, "双方已签字");
    let signoffs = b.text("#signoffs").await;
    assert!(
        signoffs.contains("物业公司签字：王会计（accountant") && signoffs.contains("街道财政所签字：街道财政所 陈（office"),
        "{signoffs}"
    );
    assert!(signoffs.contains("北京时间") && !signoffs.contains("UTC"), "{signoffs}");
    assert!(signoffs.contains("第 1 项差异，街道财政所说明：到账差额系银行手续费，下期核销"), "the office's note: {signoffs}");
    assert!(b.source().await.contains("/pdf"), "the statement offers its PDF");
    b.screenshot("office-reconciliation-signed").await;
}

/// The demo's books with an accountant and a reviewer who sign in, and the number and code of
/// a receipt of March 2025.
async fn seed_disclosure(url: &str) -> (i64, i64, String) {
    {
        let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        let books = mingzhang::cli::demo::build(&ledger, 9, 2025, 60).await.unwrap();
        let access = Access::new(s.clone());
        let c = books.company.row.community_id;
        for (username, name, role) in [("accountant", "赵会计", Role::Accountant), ("reviewer", "钱审核", Role::Reviewer)] {
            access
                .add_user(&NewUser {
                    username,
                    display_name: name,
                    roles: &[role],
                    communities: &[c],
                    street: "",
                    password: Some(PASSWORD),
                })
                .await
                .unwrap();
        }
        let march = mingzhang::disclosure::month_tree(&s, &books.company, period(2025, 3)).await.unwrap();
        let receipt = march.leaves[0].receipt_number;
        let code = mingzhang::disclosure::receipt_code(&s, &books.company, receipt).await.unwrap();
        mingzhang::store::Store::close(&s).await;
        (c.0, receipt, code)
    }
}

/// 公示 from draft to a resident's phone: the accountant drafts March 2025, the reviewer
/// publishes it, and a resident on a 390×844 screen reads the pack page (every figure of the
/// JSON pack shown, nothing wider than the screen) and checks a receipt by its QR link.
#[tokio::test]
async fn a_disclosure_drafted_published_read_and_checked_on_a_phone() {
    if !oracle_available("chromedriver") {
        return;
    }
    let db = fresh_db().await;
    let (c, receipt, code) = seed_disclosure(&db.url).await;
    let server = spawn_app(&db.url);
    let base = server.url("");

    let b = Browser::start(1280, 900).await;
    b.login(&base, "accountant").await;
    b.open(&format!("{base}/app/c/{c}/disclosures")).await;
    b.set_value("#draft-form input[name=period]", "2025-03").await;
    b.click("#draft-form button[type=submit]").await;
    assert!(b.text("#draft-banner").await.contains("尚未发布"));
    assert!(b.source().await.contains("物业费收缴情况公示"));
    let draft = b.url().await;
    b.screenshot("accountant-disclosure-draft").await;
    b.logout().await;
    b.login(&base, "reviewer").await;
    b.open(&draft).await;
    b.click("#publish-form button").await;
    assert!(b.url().await.ends_with(&format!("/c/{c}/disclosures/2025-03/v1")), "{}", b.url().await);
    b.logout().await;
    drop(b);

    let phone = Browser::start(390, 844).await;
    phone.open(&format!("{base}/c/{c}")).await;
    assert!(phone.source().await.contains("2025年3月"), "the home page shows the latest pack");
    phone.screenshot("resident-home-latest-390x844").await;
    phone.open(&format!("{base}/c/{c}/disclosures/2025-03/v1")).await;
    let (page, viewport) = phone.widths().await;
    assert!(page <= viewport, "the pack page fits a phone: {page} > {viewport}");
    let shown = phone.source().await;
    let pack: mingzhang::disclosure::pack::Pack =
        reqwest::get(format!("{base}/c/{c}/disclosures/2025-03/v1/pack.json")).await.unwrap().json().await.unwrap();
    for d in &pack.content.disclosures {
        for t in &d.tables {
            for r in &t.rows {
                for (v, col) in r.values.iter().zip(&t.columns) {
                    let text = v.display(col.format);
                    assert!(shown.contains(&text), "{} / {} / {} / {}: {text}", d.title, t.title, r.label, col.label);
                }
            }
        }
    }
    phone.screenshot("resident-disclosure-390x844").await;
    phone.open(&format!("{base}/c/{c}/verify?r={receipt}&code={code}")).await;
    assert!(phone.text("#included").await.contains("已计入"), "the receipt is in March's published total");
    let (page, viewport) = phone.widths().await;
    assert!(page <= viewport, "the verification page fits a phone: {page} > {viewport}");
    phone.screenshot("resident-verify-390x844").await;
}

/// A book of this year with two households billed this month, a cashier and a reviewer: the
/// till's day happens today.
async fn seed_today(url: &str) -> i64 {
    {
        let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
        let ledger = mingzhang::ledger::Ledger::new(s.clone());
        let fees = mingzhang::fees::Fees::new(&ledger);
        let access = Access::new(s.clone());
        let today = mingzhang::domain::time::beijing_today();
        let this_month = mingzhang::domain::period::Period::of_date(today);
        let c = ledger.create_community("收费社区").await.unwrap();
        let book = ledger.create_book(c.id, "company", "测试物业公司", "small_enterprise", this_month.first_of_year()).await.unwrap();
        fees.import_households(c.id, "楼栋,单元,房号,建筑面积,类型,业主,电话\n1,1,101,100.00,住宅,张三,13800000001\n1,1,102,90.00,住宅,李四,13800000002\n1,1,103,80.00,住宅,王五,13800000003\n1,2,201,70.00,住宅,赵六,13800000004\n1,2,202,60.00,住宅,钱七,13800000005\n".as_bytes()).await.unwrap();
        let spec = mingzhang::fees::FeeItemSpec {
            code: "WYF",
            name: "物业服务费",
            basis: mingzhang::fees::rules::FeeBasis::PerM2Month,
            revenue_account: "500101",
            late_fee_ppm_per_day: 0,
            late_fee_cap_percent: 0,
        };
        fees.add_fee_item(&book, &spec).await.unwrap();
        let residential = mingzhang::fees::rules::HouseholdKind::Residential;
        fees.add_fee_standard(&book, "WYF", residential, "2.00", this_month.first_of_year().first_day(), None).await.unwrap();
        fees.run_billing(&book, this_month, &[], "会计").await.unwrap();
        for (username, name, role) in [("cashier", "张出纳", Role::Cashier), ("reviewer", "李审核", Role::Reviewer)] {
            access
                .add_user(&NewUser {
                    username,
                    display_name: name,
                    roles: &[role],
                    communities: &[c.id],
                    street: "",
                    password: Some(PASSWORD),
                })
                .await
                .unwrap();
        }
        mingzhang::store::Store::close(&s).await;
        c.id.0
    }
}

impl Browser {
    /// Clicks what stays on the page (a checkbox).
    async fn tick(&self, css: &str) {
        let e = self.find(css).await;
        self.call("POST", &format!("/element/{e}/click"), json!({})).await;
    }

    /// Whether the element `css` selects is shown.
    async fn displayed(&self, css: &str) -> bool {
        let e = self.find(css).await;
        self.call("GET", &format!("/element/{e}/displayed"), json!({})).await.as_bool().unwrap()
    }

    /// Chooses an option of a select as a user would, so its change event fires.
    async fn choose(&self, css: &str, value: &str) {
        let script = "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change'));";
        self.call("POST", "/execute/sync", json!({ "script": script, "args": [css, value] })).await;
    }

    /// A field's current value.
    async fn value(&self, css: &str) -> String {
        let script = "return document.querySelector(arguments[0]).value;";
        self.call("POST", "/execute/sync", json!({ "script": script, "args": [css] })).await.as_str().unwrap().to_string()
    }

    /// The widest element's width as laid out, in CSS pixels.
    async fn widest(&self) -> i64 {
        let script = "let w = 0; document.querySelectorAll('body *').forEach(e => { w = Math.max(w, Math.ceil(e.getBoundingClientRect().right)); }); return w;";
        self.call("POST", "/execute/sync", json!({ "script": script, "args": [] })).await.as_i64().unwrap()
    }

    /// What a GET of `url` answers the page with: status and content type.
    async fn link_type_of(&self, url: &str) -> String {
        let script = "const done = arguments[1]; fetch(arguments[0]).then(r => done(r.status + ' ' + r.headers.get('content-type')));";
        self.call("POST", "/execute/async", json!({ "script": script, "args": [url] })).await.as_str().unwrap().to_string()
    }

    /// The content type the link `css` answers with, fetched by the page itself (its session).
    async fn link_type(&self, css: &str) -> String {
        let script = "const done = arguments[1]; fetch(document.querySelector(arguments[0]).href).then(r => done(r.status + ' ' + r.headers.get('content-type')));";
        self.call("POST", "/execute/async", json!({ "script": script, "args": [css] })).await.as_str().unwrap().to_string()
    }
}

/// The cashier's day at the counter: a cash payment from the search box to the printed receipt
/// in three interactions, a 微信 payment found by room number with its 交易单号, the
/// hand-over's 交班日报 printed; then the reviewer's 日结.
#[tokio::test]
async fn a_cashiers_day_and_the_reviewers_day_close_in_a_browser() {
    if !oracle_available("chromedriver") {
        return;
    }
    let db = fresh_db().await;
    let c = seed_today(&db.url).await;
    let server = spawn_app(&db.url);
    let base = server.url("");
    let b = Browser::start(1366, 768).await;
    b.login(&base, "cashier").await;
    b.open(&format!("{base}/app/c/{c}/cashier")).await;

    // A cash payment: the room number and 查找 open the household (1); 收款并开收据 with the
    // amount, method and date as they stand (2); 打印收据 (3).
    let mut interactions = 0;
    b.type_into("#q", "1-1-101").await;
    b.click("form.row button").await;
    interactions += 1;
    assert!(b.url().await.contains("/households/"), "an exact room number opens the household");
    assert_eq!(b.text("#open").await, "200.00");
    assert!(!b.displayed("#reference-field").await, "cash has no 交易单号");
    b.screenshot("till-household").await;
    b.click("#pay button[type=submit]").await;
    interactions += 1;
    assert!(b.text("#amount").await.contains("贰佰元整"));
    assert_eq!(b.link_type("#pdf").await, "200 application/pdf");
    interactions += 1;
    b.screenshot("till-receipt").await;
    assert!(interactions <= 3, "a cash payment took {interactions} interactions");
    println!("till: a cash payment from the search box to the printed receipt in {interactions} interactions");

    // A 微信 payment found by its room alone, with its 交易单号; the amount follows a ticked bill.
    b.open(&format!("{base}/app/c/{c}/cashier")).await;
    b.type_into("#q", "102").await;
    b.click("form.row button").await;
    assert!(b.text("#results").await.contains("180.00"), "the result shows what is owed");
    b.click("#results a").await;
    b.tick("#bills input[type=checkbox]").await;
    assert_eq!(b.value("#amount").await, "180.00", "the amount follows the ticked bill");
    b.choose("#method", "wechat").await;
    assert!(b.displayed("#reference-field").await, "微信 has its 交易单号");
    b.type_into("input[name=reference]", "4200001234").await;
    b.click("#pay button[type=submit]").await;
    assert!(b.url().await.contains("/receipts/"));

    // Three more at the counter: part of a bill in cash, 支付宝 found by the owner's pinyin, and
    // a bank transfer found by the phone's tail.
    for (query, amount, method, reference) in
        [("1-1-103", Some("50.00"), "cash", ""), ("zhaoliu", None, "alipay", "2088001"), ("0005", None, "bank", "BK-77")]
    {
        b.open(&format!("{base}/app/c/{c}/cashier")).await;
        b.type_into("#q", query).await;
        b.click("form.row button").await;
        if !b.url().await.contains("/households/") {
            b.click("#results a").await;
        }
        if let Some(amount) = amount {
            b.type_into("#amount", amount).await;
        }
        b.choose("#method", method).await;
        if !reference.is_empty() {
            b.type_into("input[name=reference]", reference).await;
        }
        b.click("#pay button[type=submit]").await;
        assert!(b.url().await.contains("/receipts/"), "{query} paid");
    }

    // The hand-over: the day's report of five payments, printed to be counted and signed; the
    // cash to hand over is the two cash receipts'.
    b.open(&format!("{base}/app/c/{c}/takings")).await;
    assert_eq!(b.text("#cashier").await, "cashier");
    let payments = b.text("#payments").await;
    assert!(payments.contains("1-1-101") && payments.contains("4200001234") && payments.contains("BK-77"), "{payments}");
    assert_eq!(payments.lines().filter(|l| l.contains("No.0000")).count(), 5, "{payments}");
    assert!(b.text("#cash").await.contains("250.00"), "200.00 and 50.00 in cash");
    assert_eq!(b.link_type("#print").await, "200 application/pdf");
    b.screenshot("till-handover").await;
    b.logout().await;

    // The reviewer closes the day: the payments' vouchers wait for 日结, which posts them.
    b.login(&base, "reviewer").await;
    b.open(&format!("{base}/app/c/{c}/vouchers")).await;
    assert!(b.text("#day-close-waiting").await.contains("待日结的收款凭证"));
    b.click("#day-close button").await;
    assert!(b.text("#day-close-waiting").await.contains("没有待日结的收款凭证"));
    b.screenshot("reviewer-day-closed").await;
}
