//! hledger as an independent oracle: our export, read by the real hledger, must give the same
//! balances as our own 科目余额表, to the fen, for the year and for single months.

mod common;

use std::collections::BTreeMap;

use common::*;
use mingzhang::cli::demo;
use mingzhang::domain::money::Fen;
use mingzhang::fees::store::FeesStore;
use mingzhang::ledger::export;
use mingzhang::ledger::{Book, Ledger};
use mingzhang::report;

/// Leaf code → debit-positive amount, from `hledger bal` CSV.
fn hledger_balances(journal: &std::path::Path, period_arg: Option<&str>) -> BTreeMap<String, i64> {
    let mut cmd = std::process::Command::new("hledger");
    cmd.arg("-f").arg(journal).args(["bal", "--flat", "-N", "-O", "csv"]);
    if let Some(p) = period_arg {
        cmd.args(["-p", p]);
    }
    let out = cmd.output().expect("run hledger");
    assert!(out.status.success(), "hledger failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let leaf = r[0].rsplit(':').next().unwrap().split(' ').next().unwrap().to_string();
            (leaf, Fen::parse(&r[1]).unwrap_or_else(|e| panic!("hledger amount {}: {e}", &r[1])).0)
        })
        .filter(|(_, v)| *v != 0)
        .collect()
}

/// Leaf code → our figure for the same range: closing balance, or net movement of a month.
async fn our_balances<S: FeesStore>(
    ledger: &Ledger<S>,
    book: &Book,
    from: (i32, u32),
    to: (i32, u32),
    movement_only: bool,
) -> BTreeMap<String, i64> {
    let tb = report::trial_balance(&ledger.store, book, period(from.0, from.1), period(to.0, to.1), 99).await.unwrap();
    tb.rows
        .iter()
        .filter(|r| book.chart.values().any(|a| a.code.as_str() == r.code && a.is_leaf))
        .map(|r| (r.code.clone(), if movement_only { r.totals.debit_fen - r.totals.credit_fen } else { r.closing_fen }))
        .filter(|(_, v)| *v != 0)
        .collect()
}

async fn oracle<S: FeesStore>(ledger: Ledger<S>, _url: &str) {
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
