//! Exports for independent tools. `hledger` writes a book as an hledger journal so that
//! hledger, an accounting program we did not write, can recompute our balances (the oracle
//! the tests use). The journal is written page by page; memory stays flat.

use std::io::Write;

use crate::domain::ids::AccountId;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::store::LedgerStore;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::voucher_label;
use crate::ledger::Book;

const VOUCHERS_PER_PAGE: i64 = 10_000;

/// The hledger account name of a leaf: its ancestors' "code name" joined by colons, e.g.
/// "1002 银行存款:100201 基本存款户". Single spaces are safe inside hledger account names.
pub fn hledger_account(book: &Book, account_id: AccountId) -> String {
    let mut parts = Vec::new();
    let mut code = book.account_codes.get(&account_id).cloned();
    while let Some(c) = code {
        let a = &book.chart[&c];
        parts.push(format!("{} {}", c, clean(&a.name)));
        code = a.parent.clone();
    }
    parts.reverse();
    parts.join(":")
}

/// Keeps a text on one journal line and away from hledger's separators.
fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() || c == ';' { ' ' } else { c }).collect::<String>().replace("  ", " ")
}

/// Writes the book: opening balances dated the day before the start period, then every posted
/// voucher in chain order, its number as the transaction code.
pub async fn write_hledger<S: LedgerStore, W: Write>(store: &S, book: &Book, out: &mut W) -> Result<u64> {
    let mut tx = store.read().await?;
    writeln!(out, "; 明账 mingzhang export of book {} ({}), chart {}", book.row.code, clean(&book.row.name), book.row.chart)?;
    writeln!(out, "; amounts in yuan (CNY); debit positive\n")?;
    let opening = tx.opening_balances(book.key()).await?;
    if !opening.is_empty() {
        let date = book.row.start_period.first_day().pred_opt().expect("periods start after 1900, so their first day has a predecessor");
        writeln!(out, "{date} 期初余额")?;
        for o in &opening {
            writeln!(out, "    {}  {}", hledger_account(book, o.account_id), Fen(o.balance_fen))?;
        }
        writeln!(out)?;
    }
    let names: std::collections::HashMap<AccountId, String> =
        book.account_codes.keys().map(|id| (*id, hledger_account(book, *id))).collect();
    // A line on an account the book does not have (a tampered row) stops the export: a journal
    // with a made-up account would give the oracle wrong balances.
    let name = |id: AccountId, label: &str| {
        names.get(&id).map(String::as_str).ok_or_else(|| Error::invalid("导出", format!("凭证 {label} 的分录记在账套中不存在的科目 #{id}")))
    };
    let mut transactions = 0u64;
    let mut after_seq = 0;
    loop {
        let page = tx.journal_page(book.key(), after_seq, after_seq + VOUCHERS_PER_PAGE).await?;
        let Some(last) = page.last() else { break };
        after_seq = last.chain_seq;
        for v in &page {
            transactions += 1;
            let period = Period::from_key(v.period)
                .ok_or_else(|| Error::invalid("导出", format!("凭证 #{} 的会计期间 {} 无效", v.voucher_id, v.period)))?;
            let label = format!("{period} {}", voucher_label(v.number));
            let title = v.lines.first().map_or(String::new(), |l| clean(&l.summary));
            writeln!(out, "{} ({label}) {}", v.voucher_date, title)?;
            for l in &v.lines {
                writeln!(out, "    {}  {}  ; {}", name(l.account_id, &label)?, Fen(l.debit_fen - l.credit_fen), clean(&l.summary))?;
            }
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(transactions)
}
