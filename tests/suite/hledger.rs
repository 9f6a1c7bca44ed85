//! hledger as an independent oracle: our export, read by the real hledger, must give the same
//! balances as our own 科目余额表, to the fen, for the year and for single months.

use crate::common;

use common::*;
use mingzhang::cli::demo;
use mingzhang::ledger::export;
use mingzhang::ledger::Ledger;

async fn oracle<S: mingzhang::app::AppStore>(ledger: Ledger<S>, _url: &str) {
    if !oracle_available("hledger") {
        return;
    }
    let books = demo::build(&ledger, 7, 2025, 150).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for book in [&books.company, &books.collective] {
        let path = dir.path().join(format!("{}.journal", book.row.code));
        let mut file = std::fs::File::create(&path).unwrap();
        let written = export::write_hledger(&ledger.store, book, &mut file).await.unwrap();
        assert!(written > 20, "a year of vouchers");
        let ours = our_balances(&ledger, book, (2025, 1), (2025, 12), false).await;
        assert!(ours.len() > 5);
        assert_eq!(hledger_balances(&path, None), ours, "closing balances of {}", book.row.code);
        for month in [1, 3, 12] {
            let p = format!("2025-{month:02}");
            let ours = our_balances(&ledger, book, (2025, month), (2025, month), true).await;
            assert_eq!(hledger_balances(&path, Some(&p)), ours, "movements of {} in {p}", book.row.code);
        }
    }
}

#[tokio::test]
async fn hledger_reads_our_export_to_the_same_balances_as_our_trial_balance() {
    on_fresh_store!(oracle)
}
