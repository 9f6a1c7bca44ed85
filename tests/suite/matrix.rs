//! The role × route matrix (issue 29): every route of the pages and of the API, called by
//! each role and by no one, answers as the roles it is meant for say. The API's roles are read
//! from its own OpenAPI document (`x-roles`), so a route that refuses a role the document
//! promises, or serves one it does not, fails here; the pages' are listed below.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::*;

/// Every signed-in role of the seed, by username (all of community 甲, or of its street); the
/// admin last, as its forms change the others (停用).
const USERS: [(&str, &str); 6] = [
    ("cashier_a", "cashier"),
    ("accountant_a", "accountant"),
    ("reviewer_a", "reviewer"),
    ("auditor_a", "auditor"),
    ("office_east", "finance_office"),
    ("admin", "admin"),
];

const ALL: &[&str] = &["admin", "cashier", "accountant", "reviewer", "auditor", "finance_office"];
/// The community's own staff: everyone but the finance office reads its households.
const STAFF: &[&str] = &["admin", "cashier", "accountant", "reviewer", "auditor"];
const CASHIER: &[&str] = &["cashier"];
const ACCOUNTANT: &[&str] = &["accountant"];
const REVIEWER: &[&str] = &["reviewer"];
const ADMIN: &[&str] = &["admin"];
const AUDIT: &[&str] = &["admin", "auditor"];
const OFFICE: &[&str] = &["finance_office"];
const RECONCILE: &[&str] = &["accountant", "reviewer", "finance_office"];

/// The pages: method, path (`{c}` is community 甲) and the roles that may use it.
const PAGES: &[(&str, &str, &[&str])] = &[
    ("GET", "/app", ALL),
    ("GET", "/app/c/{c}/cashier?q=1-1-", STAFF),
    ("GET", "/app/c/{c}/households/1", STAFF),
    ("POST", "/app/c/{c}/households/1/pay", CASHIER),
    ("POST", "/app/c/{c}/households/1/code", CASHIER),
    ("POST", "/app/c/{c}/households/1/waive", CASHIER),
    ("GET", "/app/c/{c}/receipts/1", STAFF),
    ("GET", "/app/c/{c}/receipts/1/pdf", STAFF),
    ("POST", "/app/c/{c}/receipts/1/void", CASHIER),
    ("GET", "/app/c/{c}/takings", STAFF),
    ("GET", "/app/c/{c}/takings.pdf", STAFF),
    ("GET", "/app/c/{c}/dunning", STAFF),
    ("POST", "/app/c/{c}/dunning.pdf", CASHIER),
    ("GET", "/app/c/{c}/vouchers", ALL),
    ("POST", "/app/c/{c}/vouchers", ACCOUNTANT),
    ("GET", "/app/c/{c}/vouchers/new", ACCOUNTANT),
    ("GET", "/app/c/{c}/vouchers/1", ALL),
    ("POST", "/app/c/{c}/vouchers/1/review", REVIEWER),
    ("POST", "/app/c/{c}/vouchers/1/post", REVIEWER),
    ("POST", "/app/c/{c}/vouchers/1/reverse", ACCOUNTANT),
    ("GET", "/app/c/{c}/billing", ACCOUNTANT),
    ("POST", "/app/c/{c}/billing", ACCOUNTANT),
    ("POST", "/app/c/{c}/close", ACCOUNTANT),
    ("POST", "/app/c/{c}/day-close", REVIEWER),
    ("GET", "/app/c/{c}/reports/trial-balance", ALL),
    ("GET", "/app/c/{c}/reports/collection", ALL),
    ("GET", "/app/c/{c}/reports/statement?household=1-1-101", STAFF),
    ("GET", "/app/c/{c}/subsidies", ALL),
    ("POST", "/app/c/{c}/subsidies/program", ACCOUNTANT),
    ("POST", "/app/c/{c}/subsidies/disburse", OFFICE),
    ("POST", "/app/c/{c}/subsidies/reconcile", RECONCILE),
    ("GET", "/app/c/{c}/public-revenue", ALL),
    ("POST", "/app/c/{c}/public-revenue/rule", ACCOUNTANT),
    ("GET", "/app/c/{c}/collective", ALL),
    ("POST", "/app/c/{c}/collective/transfer", ACCOUNTANT),
    ("GET", "/app/c/{c}/disclosures", ALL),
    ("POST", "/app/c/{c}/disclosures", ACCOUNTANT),
    ("GET", "/app/admin/users", ADMIN),
    ("POST", "/app/admin/users", ADMIN),
    ("GET", "/app/admin/users/cashier_a", ADMIN),
    ("POST", "/app/admin/users/cashier_a/disable", ADMIN),
    ("GET", "/app/admin/audit", AUDIT),
    ("GET", "/app/office", &["finance_office", "admin", "auditor"]),
    ("GET", "/app/office/district/csv", &["finance_office", "admin", "auditor"]),
];

/// Whether `status` is what a role the route is `meant` for (or not) should get.
fn answers(meant: bool, status: StatusCode) -> bool {
    if meant {
        status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED && !status.is_server_error()
    } else {
        status == StatusCode::FORBIDDEN
    }
}

#[tokio::test]
async fn every_page_answers_each_role_as_the_matrix_says() {
    let db = fresh_db().await;
    let (a, b, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let mut wrong = Vec::new();
    for (username, role) in USERS {
        let c = login(&server, username).await;
        let csrf = session_csrf(&server, &c).await;
        for (method, path, roles) in PAGES {
            let url = server.url(&path.replace("{c}", &a.to_string()));
            let r = match *method {
                "GET" => c.get(&url).send().await.unwrap(),
                _ => c.post(&url).form(&[("csrf", csrf.as_str())]).send().await.unwrap(),
            };
            if !answers(roles.contains(&role), r.status()) {
                wrong.push(format!("{role:>15} {method} {path} → {}", r.status()));
            }
        }
        // Another street's community is no one's here but the admin's.
        let other = c.get(server.url(&format!("/app/c/{b}/vouchers"))).send().await.unwrap().status();
        let meant = role == "admin";
        if meant == (other == StatusCode::FORBIDDEN || other == StatusCode::NOT_FOUND) {
            wrong.push(format!("{role:>15} GET /app/c/乙/vouchers → {other}"));
        }
    }
    // No one signed in: sent to the login page, never served.
    for (method, path, _) in PAGES {
        let url = server.url(&path.replace("{c}", &a.to_string()));
        let r = match *method {
            "GET" => client().get(&url).send().await.unwrap(),
            _ => client().post(&url).form(&[("csrf", "x")]).send().await.unwrap(),
        };
        let refused = r.status() == StatusCode::SEE_OTHER && r.headers()["location"] == "/login" || r.status() == StatusCode::FORBIDDEN;
        if !refused {
            wrong.push(format!("      anonymous {method} {path} → {}", r.status()));
        }
    }
    assert!(wrong.is_empty(), "answers against the matrix:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn every_api_route_answers_each_role_as_its_document_says() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = spawn_app(&db.url);
    let document: Value = client().get(server.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut routes = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, op) in operations.as_object().unwrap() {
            let roles: Vec<String> = op["x-roles"].as_array().expect("x-roles").iter().map(|r| r.as_str().unwrap().to_string()).collect();
            // A route of several actions lists every action's roles: each role outside them is
            // refused; which of them may take this action is its handler's check.
            let by_action = path.contains("{action}");
            let path = path
                .replace("{community}", &a.to_string())
                .replace("{household}", "1")
                .replace("{number}", "1")
                .replace("{id}", "1")
                .replace("{username}", "cashier_a")
                .replace("{action}", "review")
                .replace("{kind}", "trial-balance");
            routes.push((method.to_uppercase(), path, roles, by_action));
        }
    }
    assert!(routes.len() > 40, "{} routes documented", routes.len());
    let mut wrong = Vec::new();
    for (username, role) in USERS {
        let bearer = token(&db.url, username).await;
        for (method, path, roles, by_action) in &routes {
            let req = client().request(Method::from_bytes(method.as_bytes()).unwrap(), server.url(path)).bearer_auth(&bearer);
            let req = if method == "POST" {
                req.header("idempotency-key", format!("matrix-{username}-{path}")).json(&serde_json::json!({}))
            } else {
                req
            };
            let status = req.send().await.unwrap().status();
            // No roles listed: any signed-in user within their reach.
            let meant = roles.is_empty() || roles.iter().any(|r| r == role);
            let action_refused = meant && *by_action && status == StatusCode::FORBIDDEN;
            if !(answers(meant, status) || action_refused) {
                wrong.push(format!("{role:>15} {method} {path} → {status} (document: {roles:?})"));
            }
        }
    }
    for (method, path, _, _) in &routes {
        let status = client().request(Method::from_bytes(method.as_bytes()).unwrap(), server.url(path)).send().await.unwrap().status();
        if status != StatusCode::UNAUTHORIZED {
            wrong.push(format!("      anonymous {method} {path} → {status}"));
        }
    }
    assert!(wrong.is_empty(), "answers against the document:\n{}", wrong.join("\n"));
}
