//! 公示 (DESIGN.md sections 2 and 6): what a community publishes for its residents and the
//! street finance office, and how anyone checks it. This wing grows in steps; today it holds
//! the core of checking one payment against a month: the Merkle sum tree over the month's
//! receipts (`merkle`, pure), the per-book secret that salts its leaves and gives each receipt
//! its verification code (`codes`, pure), and the tree and a receipt's proof read from a book.

pub mod check;
pub mod codes;
pub mod definition;
pub mod formats;
pub mod members;
pub mod merkle;
pub mod pack;
pub mod publish;
pub mod sources;
pub mod store;

use chrono::Utc;

use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::Book;
use crate::store::Tx;
use codes::BookSecret;
use merkle::{Leaf, Proof, SumTree};
use store::{DisclosureStore, DisclosureTx};

/// The book's secret, made and kept on first use (by whichever request comes first).
pub async fn book_secret<S: DisclosureStore>(store: &S, book: &Book) -> Result<BookSecret> {
    let kept = store.read().await?.book_secret(book.key()).await?;
    let hex = match kept {
        Some(hex) => hex,
        None => {
            let mut tx = store.begin().await?;
            tx.keep_book_secret(book.key(), &BookSecret::generate().to_hex(), Utc::now()).await?;
            let hex = tx.book_secret(book.key()).await?.ok_or_else(|| Error::Conflict("公示密钥未能保存".to_string()))?;
            tx.commit().await?;
            hex
        }
    };
    BookSecret::from_hex(&hex)
        .ok_or_else(|| Error::invalid("公示密钥", format!("账套 {} 的公示密钥不是 64 位十六进制数：被改动", book.row.code)))
}

/// A month's tree over every receipt issued in it (a receipt voided later stays: the month's
/// disclosure shows its voids as a line of their own), with its leaves.
pub struct MonthTree {
    pub period: Period,
    pub leaves: Vec<Leaf>,
    pub tree: SumTree,
}

pub async fn month_tree<S: DisclosureStore>(store: &S, book: &Book, period: Period) -> Result<MonthTree> {
    month_tree_salted(store, book, &book_secret(store, book).await?, period).await
}

/// The month's tree with the book's secret already read.
pub async fn month_tree_salted<S: DisclosureStore>(store: &S, book: &Book, secret: &BookSecret, period: Period) -> Result<MonthTree> {
    let receipts = store.read().await?.month_receipts(book.key(), period).await?;
    let leaves: Vec<Leaf> = receipts
        .into_iter()
        .map(|(receipt_number, amount_fen)| Leaf { receipt_number, amount_fen, salt: secret.salt(receipt_number) })
        .collect();
    let tree = SumTree::build(&leaves)?;
    Ok(MonthTree { period, leaves, tree })
}

/// The verification code printed on a receipt.
pub async fn receipt_code<S: DisclosureStore>(store: &S, book: &Book, receipt_number: i64) -> Result<String> {
    Ok(book_secret(store, book).await?.code(receipt_number))
}

/// The receipt with its verification code and the address of the page that checks it
/// (`public_url` is what `serve --public-url` was given).
pub async fn with_check<S: DisclosureStore>(
    store: &S,
    book: &Book,
    receipt: crate::fees::Receipt,
    public_url: &str,
) -> Result<crate::fees::Receipt> {
    let code = receipt_code(store, book, receipt.number).await?;
    let url = verify_url(public_url, book.row.community_id.0, receipt.number, &code);
    Ok(crate::fees::Receipt { check: Some(crate::fees::ReceiptCheck { code, url }), ..receipt })
}

/// The verification page of a receipt, with its number and code filled in.
pub fn verify_url(public_url: &str, community: i64, receipt_number: i64, code: &str) -> String {
    format!("{}/c/{community}/verify?r={receipt_number}&code={code}", public_url.trim_end_matches('/'))
}

/// What the verification page answers for a receipt and its code.
pub struct ReceiptProof {
    pub period: Period,
    /// Voided after it was issued: still in its month's tree, and named on the page.
    pub voided: bool,
    pub proof: Proof,
}

/// The proof of a receipt whose code matches. An unknown receipt and a wrong code give the
/// same None, so the answer tells a guesser nothing about which receipts exist.
pub async fn receipt_proof<S: DisclosureStore>(store: &S, book: &Book, receipt_number: i64, code: &str) -> Result<Option<ReceiptProof>> {
    let secret = book_secret(store, book).await?;
    let Some(row) = matching_receipt(store, book, &secret, receipt_number, code).await? else { return Ok(None) };
    let month = month_tree_salted(store, book, &secret, receipt_period(&row)?).await?;
    proof_in(&month, &secret, &row)
}

/// The receipt, when `code` is its code; None alike for a wrong code and an unknown receipt.
pub async fn matching_receipt<S: DisclosureStore>(
    store: &S,
    book: &Book,
    secret: &BookSecret,
    receipt_number: i64,
    code: &str,
) -> Result<Option<store::ReceiptRow>> {
    if !secret.code_matches(receipt_number, code) {
        return Ok(None);
    }
    store.read().await?.receipt(book.key(), receipt_number).await
}

pub fn receipt_period(row: &store::ReceiptRow) -> Result<Period> {
    Period::from_key(row.period).ok_or_else(|| Error::invalid("收据", format!("收据 {} 的期间无法解读", row.receipt_number)))
}

/// The receipt's proof in its month's tree (one a server keeps, or one just built); None when
/// the tree does not hold it (a tree kept from before the receipt was issued).
pub fn proof_in(month: &MonthTree, secret: &BookSecret, row: &store::ReceiptRow) -> Result<Option<ReceiptProof>> {
    let leaf = Leaf { receipt_number: row.receipt_number, amount_fen: row.amount_fen, salt: secret.salt(row.receipt_number) };
    Ok(Proof::of(&month.tree, &leaf).map(|proof| ReceiptProof { period: month.period, voided: row.voided, proof }))
}
