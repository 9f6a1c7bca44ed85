//! Tampering: someone with the database password bypasses the application (and its triggers)
//! and changes history. `verify` must notice and say precisely what and where (invariants 1, 3, 4).

use crate::common;

use common::*;
use mingzhang::ledger::Ledger;
use mingzhang::verify::verify_all;

/// Switches off the immutability triggers, as a tamperer with the database password could.
fn disable_guards(url: &str) -> Vec<String> {
    if is_pg(url) {
        vec![
            "ALTER TABLE voucher_lines DISABLE TRIGGER USER".into(),
            "ALTER TABLE vouchers DISABLE TRIGGER USER".into(),
            "ALTER TABLE opening_balances DISABLE TRIGGER USER".into(),
        ]
    } else {
        [
            "voucher_lines_posted_no_update",
            "voucher_lines_posted_no_delete",
            "vouchers_posted_no_update",
            "vouchers_posted_no_delete",
            "opening_fixed_update",
        ]
        .iter()
        .map(|t| format!("DROP TRIGGER {t}"))
        .collect()
    }
}

async fn books_with_history<S: mingzhang::app::AppStore>(ledger: &Ledger<S>) -> mingzhang::ledger::Book {
    let book = company_book(ledger).await;
    for (d, fen) in [(5, 10_000), (6, 25_050), (7, 3_333)] {
        post(ledger, &book, &voucher(date(2025, 1, d), vec![line("1001", fen, 0), line("500101", 0, fen)])).await;
    }
    post(ledger, &book, &voucher(date(2025, 2, 1), vec![line("540101", 8_000, 0), line("100201", 0, 8_000)])).await;
    ledger.close_period(&book, period(2025, 1), "主管乙").await.unwrap();
    book
}

async fn changed_amount<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    books_with_history(&ledger).await;
    assert!(verify_all(&ledger.store).await.unwrap().is_clean());
    for sql in disable_guards(url) {
        raw_sql(url, &sql).await.unwrap();
    }
    // One amount of the second January voucher, changed by one fen.
    let changed = raw_sql(
        url,
        "UPDATE voucher_lines SET debit_fen = debit_fen + 1 WHERE line_no = 1 AND voucher_id = (SELECT id FROM vouchers WHERE period = 202501 AND number = 2)",
    )
    .await
    .unwrap();
    assert_eq!(changed, 1);
    let report = verify_all(&ledger.store).await.unwrap();
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("2025-01 记-0002") && m.contains("哈希不符")), "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("2025-01 记-0002") && m.contains("借贷不平")), "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("1001") && m.contains("余额表")), "{messages:#?}");
    assert!(report.findings.iter().any(|f| f.invariant == 4) && report.findings.iter().any(|f| f.invariant == 1));
}

#[tokio::test]
async fn verify_detects_one_amount_changed_directly_in_the_database() {
    on_fresh_store!(changed_amount)
}

async fn deleted_voucher<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    books_with_history(&ledger).await;
    for sql in disable_guards(url) {
        raw_sql(url, &sql).await.unwrap();
    }
    raw_sql(url, "DELETE FROM voucher_lines WHERE voucher_id = (SELECT id FROM vouchers WHERE period = 202501 AND number = 3)")
        .await
        .unwrap();
    raw_sql(url, "DELETE FROM vouchers WHERE period = 202501 AND number = 3").await.unwrap();
    let report = verify_all(&ledger.store).await.unwrap();
    let all = format!("{:#?}", report.findings);
    assert!(all.contains("哈希链在第 3 环断开"), "{all}");
    assert!(all.contains("凭证计数器为 3，但已记账凭证号到 2"), "{all}");
}

#[tokio::test]
async fn verify_detects_a_deleted_voucher_as_a_break_in_the_chain_and_the_numbers() {
    on_fresh_store!(deleted_voucher)
}

async fn rewritten_chain<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    books_with_history(&ledger).await;
    for sql in disable_guards(url) {
        raw_sql(url, &sql).await.unwrap();
    }
    // A careful tamperer also fixes the maintained balances, so only the chain can tell.
    raw_sql(
        url,
        "UPDATE voucher_lines SET summary = '改过的摘要' WHERE voucher_id = (SELECT id FROM vouchers WHERE period = 202502 AND number = 1)",
    )
    .await
    .unwrap();
    raw_sql(url, "UPDATE opening_balances SET balance_fen = balance_fen + 100 WHERE balance_fen > 0 AND balance_fen < 200000")
        .await
        .unwrap();
    raw_sql(url, "UPDATE opening_balances SET balance_fen = balance_fen - 100 WHERE balance_fen > 200000").await.unwrap();
    let report = verify_all(&ledger.store).await.unwrap();
    let all = format!("{:#?}", report.findings);
    assert!(all.contains("2025-02 记-0001") && all.contains("哈希不符"), "{all}");
    assert!(all.contains("2025-01 记-0001") && all.contains("前链哈希"), "changed opening balances break the first link: {all}");
}

#[tokio::test]
async fn verify_detects_a_changed_summary_and_changed_opening_balances_through_the_chain() {
    on_fresh_store!(rewritten_chain)
}

async fn balances_table<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    books_with_history(&ledger).await;
    raw_sql(url, "UPDATE account_balances SET credit_fen = credit_fen + 500 WHERE period = 202502 AND credit_fen > 0").await.unwrap();
    let report = verify_all(&ledger.store).await.unwrap();
    let all = format!("{:#?}", report.findings);
    assert!(all.contains("100201 在 2025-02 的余额表记录为借 0.00 贷 85.00，由分录重算为借 0.00 贷 80.00"), "{all}");
    assert!(all.contains("2025-02 试算不平"), "{all}");
}

#[tokio::test]
async fn verify_detects_maintained_balances_that_differ_from_the_lines() {
    on_fresh_store!(balances_table)
}

/// The last voucher deleted and the book's head, counters and balances rewound to match: the
/// chain that is left verifies, so only an anchor kept outside the database catches it.
async fn rewound_tail<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    books_with_history(&ledger).await;
    let heads = [mingzhang::verify::HeadsFile::now(&ledger.store).await.unwrap()];
    let receipt_link = heads[0].anchors[0].hash.clone();
    assert!(mingzhang::verify::verify_anchors(&ledger.store, &heads, std::slice::from_ref(&receipt_link)).await.unwrap().is_empty());
    for sql in disable_guards(url) {
        raw_sql(url, &sql).await.unwrap();
    }
    let last = "(SELECT id FROM vouchers WHERE period = 202502 AND number = 1)";
    for sql in [
        "UPDATE books SET chain_len = chain_len - 1, chain_head = (SELECT prev_hash FROM vouchers WHERE period = 202502 AND number = 1)"
            .to_string(),
        "UPDATE periods SET vouchers_posted = vouchers_posted - 1 WHERE period = 202502".to_string(),
        "DELETE FROM account_balances WHERE period = 202502".to_string(),
        "DELETE FROM cash_flow_balances WHERE period = 202502".to_string(),
        format!("DELETE FROM voucher_lines WHERE voucher_id = {last}"),
        format!("DELETE FROM vouchers WHERE id = {last}"),
    ] {
        raw_sql(url, &sql).await.unwrap();
    }
    let report = verify_all(&ledger.store).await.unwrap();
    assert!(report.is_clean(), "the rewound chain verifies on its own: {:?}", report.findings);
    let findings = mingzhang::verify::verify_anchors(&ledger.store, &heads, &[receipt_link]).await.unwrap();
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("第 4 张凭证") && m.contains("链尾被删去或回退")), "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("不在任何账簿的链上")), "the receipt's link is gone too: {messages:#?}");
    assert!(findings.iter().all(|f| f.invariant == 4));
}

#[tokio::test]
async fn a_rewound_tail_is_caught_by_an_anchor_kept_outside() {
    on_fresh_store!(rewound_tail)
}
