//! 公示: what a resident or a third party checks with tools of their own.

use crate::common;

use common::*;
use mingzhang::disclosure::codes::BookSecret;
use mingzhang::disclosure::merkle::{Leaf, Proof, SumTree};
use mingzhang::disclosure::{month_tree, receipt_code, receipt_proof};
use mingzhang::domain::money::Fen;
use mingzhang::fees::{Method, PaymentRequest};
use mingzhang::ledger::Ledger;

/// The checker printed in reports/README.md, as a third party would copy it.
fn readme_checker() -> String {
    let readme = include_str!("../../reports/README.md");
    let start = readme.find("```python\n").expect("reports/README.md shows the Python checker") + "```python\n".len();
    let end = start + readme[start..].find("```").expect("the code block ends");
    readme[start..end].to_string()
}

/// Runs the README's checker on a proof: (passed, what it printed).
fn python_check(proof: &Proof) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let (script, file) = (dir.path().join("check.py"), dir.path().join("proof.json"));
    std::fs::write(&script, readme_checker()).unwrap();
    std::fs::write(&file, serde_json::to_vec(proof).unwrap()).unwrap();
    let out = std::process::Command::new("python3").arg(&script).arg(&file).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// The format documented for third parties is the one the program uses: every receipt of a
/// month proves with the README's own script, and an altered amount, a shrunk total and a
/// proof against the month with a payment dropped fail it.
#[test]
fn the_documented_checker_accepts_our_proofs_and_refuses_tampered_ones() {
    if !oracle_available("python3") {
        return;
    }
    let secret = BookSecret::generate();
    let amounts = [86_000, 12_345, 300_000, 5_000, 77_777, 100];
    let leaves: Vec<Leaf> = amounts
        .iter()
        .enumerate()
        .map(|(i, &amount_fen)| Leaf { receipt_number: 32_120 + i as i64, amount_fen, salt: secret.salt(32_120 + i as i64) })
        .collect();
    let tree = SumTree::build(&leaves).unwrap();
    for leaf in &leaves {
        let (ok, said) = python_check(&Proof::of(&tree, leaf).unwrap());
        assert!(ok, "receipt {}: {said}", leaf.receipt_number);
        assert!(said.contains("计入了公示的实收合计"), "{said}");
    }
    let proof = Proof::of(&tree, &leaves[2]).unwrap();
    assert!(!python_check(&Proof { amount_fen: proof.amount_fen + 100, ..proof.clone() }).0, "an altered amount");
    assert!(!python_check(&Proof { total_fen: proof.total_fen - 100, ..proof.clone() }).0, "a shrunk total");
    let dropped = SumTree::build(&[&leaves[..4], &leaves[5..]].concat()).unwrap();
    let against = Proof { root: dropped.root().hash_hex(), total_fen: dropped.root().sum_fen, ..proof };
    assert!(!python_check(&against).0, "a month published with a payment dropped");
}

/// A month of real payments: the tree holds every receipt issued in it (one voided later
/// included), its sum is what they add to, each receipt's proof with the code printed for it
/// checks, and a wrong code or an unknown receipt gets the same nothing. The book's secret is
/// made once and cannot be changed in the table.
async fn month_of_receipts<S: mingzhang::http::AppStore>(ledger: Ledger<S>, url: &str) {
    let fees = ledger.fees();
    let book = two_households(&ledger, "公示小区", "1.50").await;
    fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    let hs = fees.households(book.row.community_id).await.unwrap();
    let mut receipts = Vec::new();
    for (i, (who, fen, month)) in [(0, 15_000, 1), (1, 30_000, 1), (0, 10_000, 1), (1, 5_000, 2)].into_iter().enumerate() {
        let key = format!("k{i}");
        let req = PaymentRequest {
            household_id: hs[who].id,
            amount: Fen(fen),
            method: Method::Cash,
            paid_on: date(2025, month, 10),
            idempotency_key: &key,
            cashier: "出纳",
            bill_ids: None,
        };
        receipts.push(fees.pay(&book, &req).await.unwrap());
    }
    fees.void_receipt(&book, receipts[2].number, "收错住户", "主管", date(2025, 1, 11)).await.unwrap();

    let january = month_tree(&ledger.store, &book, period(2025, 1)).await.unwrap();
    assert_eq!(january.tree.len(), 3, "January's three receipts, the voided one among them");
    assert_eq!(january.tree.root().sum_fen, 55_000);
    let again = month_tree(&ledger.store, &book, period(2025, 1)).await.unwrap();
    assert_eq!(again.tree.root(), january.tree.root(), "the secret is made once: the root does not move");
    for r in &receipts[..3] {
        let code = receipt_code(&ledger.store, &book, r.number).await.unwrap();
        let answer = receipt_proof(&ledger.store, &book, r.number, &code).await.unwrap().expect("the receipt and its code");
        assert_eq!(answer.period, period(2025, 1));
        assert_eq!(answer.voided, r.number == receipts[2].number);
        assert_eq!(answer.proof.check(), Ok(()));
        assert_eq!((answer.proof.root.clone(), answer.proof.total_fen), (january.tree.root().hash_hex(), 55_000));
        assert!(receipt_proof(&ledger.store, &book, r.number, "AAAA-AAAA").await.unwrap().is_none(), "a wrong code");
    }
    let february = receipts[3].number;
    let code = receipt_code(&ledger.store, &book, february).await.unwrap();
    let answer = receipt_proof(&ledger.store, &book, february, &code).await.unwrap().unwrap();
    assert_eq!((answer.period, answer.proof.total_fen), (period(2025, 2), 5_000));
    let unknown = february + 100;
    let unknown_code = receipt_code(&ledger.store, &book, unknown).await.unwrap();
    assert!(receipt_proof(&ledger.store, &book, unknown, &unknown_code).await.unwrap().is_none(), "an unknown receipt");

    let another = if is_pg(url) { "md5('a') || md5('b')" } else { "lower(hex(randomblob(32)))" };
    let changed = raw_sql(url, &format!("UPDATE disclosure_secrets SET secret = {another}")).await;
    assert!(
        changed.is_err_and(|e| e.to_string().contains("append-only") || e.to_string().contains("never changes")),
        "the table refuses to change a book's secret"
    );
    assert!(raw_sql(url, "DELETE FROM disclosure_secrets").await.is_err(), "nor to drop it");
}

#[tokio::test]
async fn a_month_of_receipts_proves_each_payment_with_its_code() {
    on_fresh_store!(month_of_receipts)
}
