//! The disclosure wing's rows and their SQL: each book's secret, and the payments a month's
//! tree is built over. Written once and expanded for both engines by `impl_disclosure_tx!`.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::domain::ids::BookKey;
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::store::FeesTx;
use crate::store::{PgTx, SqliteTx};

/// A receipt as the verification page answers for it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptRow {
    pub receipt_number: i64,
    pub amount_fen: i64,
    pub period: i64,
    pub voided: bool,
}

pub trait DisclosureTx: FeesTx + Send {
    fn book_secret(&mut self, book: BookKey) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Keeps a secret for the book unless one was kept first (by a concurrent request).
    fn keep_book_secret(&mut self, book: BookKey, secret: &str, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
    /// Every receipt issued in the month, voided later or not: (receipt number, amount), by
    /// receipt number.
    fn month_receipts(&mut self, book: BookKey, period: Period) -> impl Future<Output = Result<Vec<(i64, i64)>>> + Send;
    fn receipt(&mut self, book: BookKey, receipt_number: i64) -> impl Future<Output = Result<Option<ReceiptRow>>> + Send;
}

macro_rules! impl_disclosure_tx {
    ($tx_type:ty) => {
        impl DisclosureTx for $tx_type {
            async fn book_secret(&mut self, book: BookKey) -> Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT secret FROM disclosure_secrets WHERE community_id = $1 AND book_id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn keep_book_secret(&mut self, book: BookKey, secret: &str, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO disclosure_secrets (community_id, book_id, secret, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (community_id, book_id) DO NOTHING",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(secret)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn month_receipts(&mut self, book: BookKey, period: Period) -> Result<Vec<(i64, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT receipt_number, amount_fen FROM payments WHERE community_id = $1 AND book_id = $2 AND period = $3
                     ORDER BY receipt_number",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(period)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn receipt(&mut self, book: BookKey, receipt_number: i64) -> Result<Option<ReceiptRow>> {
                Ok(sqlx::query_as(
                    "SELECT p.receipt_number, p.amount_fen, p.period,
                            EXISTS (SELECT 1 FROM payment_voids d WHERE d.community_id = $1 AND d.payment_id = p.id) AS voided
                     FROM payments p WHERE p.community_id = $1 AND p.book_id = $2 AND p.receipt_number = $3",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(receipt_number)
                .fetch_optional(&mut *self.tx)
                .await?)
            }
        }
    };
}

impl_disclosure_tx!(SqliteTx);
impl_disclosure_tx!(PgTx);

/// A store whose transactions have the disclosure wing's statements.
pub trait DisclosureStore: crate::fees::store::FeesStore + crate::store::Store<Tx: DisclosureTx> {}

impl<S> DisclosureStore for S
where
    S: crate::fees::store::FeesStore,
    S: crate::store::Store<Tx: DisclosureTx>,
{
}
