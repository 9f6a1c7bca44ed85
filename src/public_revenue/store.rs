//! The public-revenue wing's rows and their SQL: the split rules and the entries (revenue,
//! use, split). Written once and expanded for both engines by `impl_public_revenue_tx!`.

use chrono::{DateTime, NaiveDate, Utc};

use super::{EntryKind, Source};
use crate::domain::ids::{BookKey, CommunityId, RevenueEntryId, VoucherId};
use crate::error::Result;
use crate::fees::seal::store::SealTx;
use crate::ledger::store::LedgerTx;
use crate::ledger::verify::{tie_sql, Tie};
use crate::store::{text_enum, PgTx, SqliteTx};

text_enum!(EntryKind, Source);

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct RuleRow {
    pub from_on: NaiveDate,
    pub share_permille: i64,
    pub decision: String,
    pub set_by: String,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct EntryRow {
    pub id: RevenueEntryId,
    pub kind: EntryKind,
    pub source: Option<Source>,
    pub on_date: NaiveDate,
    pub period: i64,
    pub amount_fen: i64,
    pub detail: String,
    pub voucher_id: Option<VoucherId>,
    pub recorded_by: String,
}

pub struct NewEntry<'a> {
    pub kind: EntryKind,
    pub source: Option<Source>,
    pub on_date: NaiveDate,
    pub period: i64,
    pub amount_fen: i64,
    pub detail: &'a str,
    pub voucher_id: VoucherId,
    pub recorded_by: &'a str,
}

crate::wing_tx! {
    pub trait PublicRevenueTx: LedgerTx + SealTx + Send {
        fn insert_rule(&mut self, book: BookKey, rule: &RuleRow, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        fn rules(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<RuleRow>>> + Send;
        fn insert_entry(&mut self, book: BookKey, e: &NewEntry<'_>, at: DateTime<Utc>) -> impl Future<Output = Result<i64>> + Send;
        /// The community's entries beside their vouchers (`ledger::verify::check_ties`).
        fn entry_ties(&mut self, community_id: CommunityId) -> impl Future<Output = Result<Vec<Tie>>> + Send;
        /// A book's entries dated in [from, until), by date.
        fn entries(&mut self, book: BookKey, from: NaiveDate, until: NaiveDate) -> impl Future<Output = Result<Vec<EntryRow>>> + Send;
    }
}

macro_rules! impl_public_revenue_tx {
    ($tx_type:ty) => {
        impl PublicRevenueTx for $tx_type {
            async fn insert_rule(&mut self, book: BookKey, rule: &RuleRow, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO public_revenue_rules (community_id, book_id, from_on, share_permille, decision, set_by, set_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(rule.from_on)
                .bind(rule.share_permille)
                .bind(&rule.decision)
                .bind(&rule.set_by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn rules(&mut self, book: BookKey) -> Result<Vec<RuleRow>> {
                Ok(sqlx::query_as(
                    "SELECT from_on, share_permille, decision, set_by FROM public_revenue_rules WHERE community_id = $1 AND book_id = $2 ORDER BY from_on",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_entry(&mut self, book: BookKey, e: &NewEntry<'_>, at: DateTime<Utc>) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO public_revenue_entries (community_id, book_id, kind, source, on_date, period, amount_fen, detail, voucher_id, \
                     recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(e.kind)
                .bind(e.source.map_or("", |s| s.as_str()))
                .bind(e.on_date)
                .bind(e.period)
                .bind(e.amount_fen)
                .bind(e.detail)
                .bind(e.voucher_id)
                .bind(e.recorded_by)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn entry_ties(&mut self, community_id: CommunityId) -> Result<Vec<Tie>> {
                let sql = tie_sql("public_revenue_entries", "'公共收益 #' || x.id", "amount_fen", "voucher_id");
                Ok(sqlx::query_as(&sql).bind(community_id).fetch_all(&mut *self.tx).await?)
            }

            async fn entries(&mut self, book: BookKey, from: NaiveDate, until: NaiveDate) -> Result<Vec<EntryRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, kind, NULLIF(source, '') AS source, on_date, period, amount_fen, detail, voucher_id, recorded_by \
                     FROM public_revenue_entries WHERE community_id = $1 AND book_id = $2 AND on_date >= $3 AND on_date < $4 ORDER BY on_date, id",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(from)
                .bind(until)
                .fetch_all(&mut *self.tx)
                .await?)
            }
        }
    };
}

impl_public_revenue_tx!(SqliteTx);
impl_public_revenue_tx!(PgTx);

/// A store whose transactions have the public-revenue wing's statements.
pub trait PublicRevenueStore: crate::ledger::store::LedgerStore + crate::store::Store<Tx: PublicRevenueTx> {}

impl<S> PublicRevenueStore for S
where
    S: crate::ledger::store::LedgerStore,
    S: crate::store::Store<Tx: PublicRevenueTx>,
{
}
