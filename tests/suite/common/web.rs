//! The web application under test: the real server on a random port (`spawn_app`), an HTTP
//! client with cookies, the seeded communities and users, logins and tokens, and a snapshot of
//! the books to prove a refusal wrote nothing. The HTTP tests (`web::*`, `matrix`, `till`,
//! `month`, …) and the browser tests start the server the same way.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use mingzhang::access::{Access, NewUser, Role};
use mingzhang::domain::ids::CommunityId;
use reqwest::StatusCode;

use super::*;

pub const PASSWORD: &str = "correct horse battery";

/// The real server (`mingzhang serve`) on a random port of loopback, over the database at
/// `url`; killed when dropped. Every HTTP and browser test starts it here.
pub struct Server {
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
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Starts the server on the database at `url` and waits for the address it prints.
pub fn spawn_app(url: &str) -> Server {
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

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

/// Communities 甲 (东街) and 乙 (西街), each with two households billed for January 2025, and
/// one user per role; returns (甲, 乙, the code of 甲's 1-1-101).
pub async fn seed(url: &str) -> (i64, i64, String) {
    {
        let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
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
            let new =
                NewUser { username, display_name: username, roles: &[role], communities: &communities, street, password: Some(PASSWORD) };
            access.add_user(&new).await.unwrap();
        }
        let h101 = fees.household_by_label(ca, "1-1-101").await.unwrap();
        let code = access.issue_household_code(ca, h101.id).await.unwrap();
        mingzhang::store::Store::close(&s).await;
        (ca.0, cb.0, code)
    }
}

/// Logs `username` in through the login form; returns the client holding the session.
pub async fn login(server: &Server, username: &str) -> reqwest::Client {
    let c = client();
    let form = c.get(server.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&form);
    let r =
        c.post(server.url("/login")).form(&[("csrf", csrf.as_str()), ("username", username), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {username}");
    c
}

pub async fn token(url: &str, username: &str) -> String {
    {
        let s = mingzhang::store::AnyStore::connect(url).await.unwrap();
        let t = Access::new(s.clone()).add_token(username, "测试").await.unwrap();
        mingzhang::store::Store::close(&s).await;
        t
    }
}

/// The session's CSRF token, read from a page it can open.
pub async fn session_csrf(server: &Server, c: &reqwest::Client) -> String {
    csrf_of(&c.get(server.url("/app")).send().await.unwrap().text().await.unwrap())
}

/// Everything but the audit log and the sessions, which reads and refusals may add to.
pub async fn books_snapshot(url: &str) -> String {
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
pub fn assert_unchanged(before: &str, after: &str, what: &str) {
    assert!(before == after, "{what}: the database changed");
}
