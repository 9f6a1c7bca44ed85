//! Backups (issue 10): `mingzhang backup` copies the books while they are open (a payment
//! arrives between the backup and the check), and `mingzhang restore` brings the copy back into
//! a new database, which passes `verify` with the chain heads the original had at the backup.

use crate::common;

use common::*;
use mingzhang::domain::money::Fen;
use mingzhang::fees::{Method, PaymentRequest};
use mingzhang::ledger::anchor::current_anchors;
use mingzhang::ledger::Ledger;
use mingzhang::verify::verify_all;

fn cli(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = mingzhang().arg("--db").arg(db).args(args).output().expect("run mingzhang");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

async fn backup_and_restore<S: mingzhang::app::AppStore>(ledger: Ledger<S>, url: &str) {
    let book = two_households(&ledger, "备份社区", "1.50").await;
    let fees = ledger.fees();
    fees.run_billing(&book, period(2025, 1), &[], "会计").await.unwrap();
    let c = ledger.community(None).await.unwrap();
    let zhang = fees.households(c.id).await.unwrap()[0].clone();
    let pay = |key: &'static str, day| PaymentRequest {
        household_id: zhang.id,
        amount: Fen(10_000),
        method: Method::Cash,
        paid_on: date(2025, 1, day),
        idempotency_key: key,
        cashier: "出纳",
        bill_ids: None,
        note: Default::default(),
    };
    fees.pay(&book, &pay("k1", 10)).await.unwrap();
    fees.close_days(&book, date(2025, 1, 10), "主管").await.unwrap();
    let heads = current_anchors(&ledger.store).await.unwrap();

    // Backed up while the store is open; a payment after it is not in the copy.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("books.backup");
    let (code, out, err) = cli(url, &["backup", "--out", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    fees.pay(&book, &pay("k2", 11)).await.unwrap();
    fees.close_days(&book, date(2025, 1, 11), "主管").await.unwrap();
    let (code, _, err) = cli(url, &["backup", "--out", file.to_str().unwrap()]);
    assert_eq!(code, 1, "a backup never overwrites a file");
    assert!(err.contains("已存在"), "{err}");

    // The original after the backup, as `mingzhang anchor` keeps it.
    let anchor_file = dir.path().join("heads.json");
    let (code, out, err) = cli(url, &["anchor", "--out", anchor_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");

    // Receipt No.000002 went out on paper after the backup: a restore must be told, or it
    // would issue the number again.
    let target = empty_db().await;
    let (code, _, err) = cli(&target.url, &["restore", "--from", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--receipts-from"), "{err}");
    let (code, out, err) = cli(&target.url, &["restore", "--from", file.to_str().unwrap(), "--receipts-from", "2"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("收据号自 No.000003 起续"), "{out}");
    {
        let s = mingzhang::store::AnyStore::connect(&target.url).await.unwrap();
        let report = verify_all(&s).await.unwrap();
        assert!(report.is_clean(), "{:?}", report.findings);
        let chains = |a: Vec<mingzhang::ledger::anchor::Anchor>| a.into_iter().map(|a| (a.book, a.seq, a.hash)).collect::<Vec<_>>();
        assert_eq!(chains(current_anchors(&s).await.unwrap()), chains(heads.clone()), "the copy has the chains of the backup's moment");
        // The next receipt is No.000003, never No.000002 again, and the gap is the restore's.
        let ledger = Ledger::new(s.clone());
        let book = ledger.book(ledger.community(None).await.unwrap().id, "company").await.unwrap();
        let receipt = ledger.fees().pay(&book, &pay("k3", 12)).await.unwrap();
        assert_eq!(receipt.number, 3);
        let report = verify_all(&s).await.unwrap();
        assert!(report.is_clean(), "the skipped number is the restore's: {:?}", report.findings);
        mingzhang::store::Store::close(&s).await;
    };
    // verify --anchor says how far the restore took the books back.
    let (code, out, err) = cli(&target.url, &["verify", "--anchor", anchor_file.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(format!("{out}{err}").contains("从备份") && format!("{out}{err}").contains("须据原始凭证补录"), "{out}{err}");
    // A restore goes into a new database only.
    let (code, _, err) = cli(&target.url, &["restore", "--from", file.to_str().unwrap(), "--receipts-from", "2"]);
    assert_eq!(code, 1);
    assert!(err.contains("已存在") || err.contains("不是空的"), "{err}");
}

#[tokio::test]
async fn a_backup_made_while_the_books_are_open_restores_to_the_same_books() {
    on_fresh_store!(backup_and_restore)
}
