//! The accountant's month on the pages (issue 29, points 10–12): every page opens on the
//! book's working month, not today's; a report keeps the month when moving to another;
//! 明细账 and 住户对账单 open on their pickers; reports print as PDF; closing and billing ask
//! before they post.

use reqwest::StatusCode;

use crate::common::*;
use crate::web::{login, seed, Server};

#[tokio::test]
async fn the_pages_open_on_the_books_working_month_and_reports_keep_it() {
    let db = fresh_db().await;
    let (a, _, _) = seed(&db.url).await;
    let server = Server::start(&db.url);
    let accountant = login(&server, "accountant_a").await;
    let get = |path: String| {
        let c = accountant.clone();
        let url = server.url(&path);
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // January is billed and open: the vouchers and reports open on it; billing on February.
    let (_, vouchers) = get(format!("/app/c/{a}/vouchers")).await;
    assert!(vouchers.contains("name=\"period\" value=\"2025-01\""), "{vouchers}");
    assert!(vouchers.contains("data-confirm=\"确认结账"), "closing asks first");
    let (_, billing) = get(format!("/app/c/{a}/billing")).await;
    assert!(billing.contains("value=\"2025-02\""), "the next month to bill: {billing}");
    let (status, trial) = get(format!("/app/c/{a}/reports/trial-balance")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(trial.contains("name=\"to\" value=\"2025-01\""), "{trial}");
    assert!(trial.contains("name=\"level\"") && trial.contains("value=\"pdf\""), "level choice and PDF: {trial}");
    // A month chosen stays when moving to another report.
    let (_, chosen) = get(format!("/app/c/{a}/reports/trial-balance?to=2025-03&from=2025-02")).await;
    assert!(chosen.contains("/reports/income-statement?book=") && chosen.contains("&amp;to=2025-03&amp;from=2025-02"), "{chosen}");
    // 明细账 and 住户对账单 open on what they ask for.
    let (status, ledger) = get(format!("/app/c/{a}/reports/ledger")).await;
    assert_eq!(status, StatusCode::OK, "{ledger}");
    assert!(ledger.contains("id=\"ask\"") && ledger.contains("<datalist id=\"accounts\">") && ledger.contains("1001"), "{ledger}");
    let (status, ledger) = get(format!("/app/c/{a}/reports/ledger?account=1122")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ledger.contains("id=\"report\""), "{ledger}");
    let (status, statement) = get(format!("/app/c/{a}/reports/statement")).await;
    assert_eq!(status, StatusCode::OK, "{statement}");
    assert!(statement.contains("id=\"ask\"") && statement.contains("name=\"household\""));
    let (status, statement) = get(format!("/app/c/{a}/reports/statement?household=1-1-101&to=2025-01")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(statement.contains("1-1-101") && statement.contains("id=\"report\""), "{statement}");
    // A report prints.
    let r = accountant.get(server.url(&format!("/app/c/{a}/reports/trial-balance?to=2025-01&format=pdf"))).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    if let Some(text) = pdf_text(&r.bytes().await.unwrap()) {
        assert!(text.contains("科目余额表"), "{text}");
    }
}
