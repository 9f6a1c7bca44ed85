//! The disclosure wing's rows and their SQL: each book's secret, and the payments a month's
//! tree is built over. Written once and expanded for both engines by `impl_disclosure_tx!`.

use chrono::{DateTime, Utc};

use crate::disclosure::sources::FactsTx;
use crate::domain::ids::{BookKey, CommunityId, DisclosureId, DistributionId};
use crate::domain::period::Period;
use crate::error::Result;
use crate::store::{PgTx, SqliteTx};

/// A receipt as the verification page answers for it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptRow {
    pub receipt_number: i64,
    pub amount_fen: i64,
    pub period: i64,
    pub voided: bool,
}

/// A drafted pack.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DraftRow {
    pub id: DisclosureId,
    pub period: String,
    pub content: String,
    pub fingerprint: String,
    pub reason: String,
    pub drafted_by: String,
    pub drafted_at: DateTime<Utc>,
}

/// A published version with its draft's fingerprint and drafter.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct PublicationRow {
    pub period: String,
    pub version: i64,
    pub draft_id: DisclosureId,
    pub fingerprint: String,
    pub drafted_by: String,
    pub reason: String,
    pub approved_by: String,
    pub published_at: DateTime<Utc>,
    pub corrects: Option<i64>,
    /// What changed against the version corrected, one line each.
    pub changes: String,
}

/// One record of the finance office's witness chain.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct WitnessRow {
    pub community_id: CommunityId,
    pub seq: i64,
    pub period: String,
    pub version: i64,
    pub fingerprint: String,
    /// The books' heads at the cut-off, as the pack's JSON gives them.
    pub heads: String,
    pub prev_hash: String,
    pub hash: String,
    pub recorded_at: DateTime<Utc>,
}

pub struct NewPublication<'a> {
    pub period: &'a str,
    pub version: i64,
    pub draft_id: DisclosureId,
    pub approved_by: &'a str,
    pub published_at: DateTime<Utc>,
    pub corrects: Option<i64>,
    pub changes: &'a str,
}

crate::wing_tx! {
    pub trait DisclosureTx: FactsTx + Send {
        fn insert_draft(&mut self, community: CommunityId, draft: &DraftRow) -> impl Future<Output = Result<DisclosureId>> + Send;
        fn draft(&mut self, community: CommunityId, id: DisclosureId) -> impl Future<Output = Result<Option<DraftRow>>> + Send;
        /// Drafts not yet published, newest first.
        fn open_drafts(&mut self, community: CommunityId) -> impl Future<Output = Result<Vec<DraftRow>>> + Send;
        /// Every published version, newest period first and newest version first within it.
        fn publications(&mut self, community: CommunityId) -> impl Future<Output = Result<Vec<PublicationRow>>> + Send;
        fn insert_publication(&mut self, community: CommunityId, p: &NewPublication<'_>) -> impl Future<Output = Result<()>> + Send;
        fn witness_records(&mut self, community: CommunityId) -> impl Future<Output = Result<Vec<WitnessRow>>> + Send;
        fn insert_witness(&mut self, row: &WitnessRow) -> impl Future<Output = Result<()>> + Send;
        /// The collective's decision to show members' names with a distribution.
        fn insert_name_decision(
            &mut self,
            community: CommunityId,
            distribution_id: DistributionId,
            decision: &str,
            user: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        /// (distribution id, decision) of every distribution whose names are shown.
        fn name_decisions(&mut self, community: CommunityId) -> impl Future<Output = Result<Vec<(DistributionId, String)>>> + Send;
        fn book_secret(&mut self, book: BookKey) -> impl Future<Output = Result<Option<String>>> + Send;
        /// Keeps a secret for the book unless one was kept first (by a concurrent request).
        fn keep_book_secret(&mut self, book: BookKey, secret: &str, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        /// Every receipt issued in the month, voided later or not: (receipt number, amount), by
        /// receipt number.
        fn month_receipts(&mut self, book: BookKey, period: Period) -> impl Future<Output = Result<Vec<(i64, i64)>>> + Send;
        fn receipt(&mut self, book: BookKey, receipt_number: i64) -> impl Future<Output = Result<Option<ReceiptRow>>> + Send;
    }
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

            async fn insert_draft(&mut self, community: CommunityId, d: &DraftRow) -> Result<DisclosureId> {
                let id: DisclosureId = sqlx::query_scalar(
                    "INSERT INTO disclosure_drafts (community_id, id, period, content, fingerprint, reason, drafted_by, drafted_at)
                     SELECT $1, COALESCE(MAX(id), 0) + 1, $2, $3, $4, $5, $6, $7 FROM disclosure_drafts WHERE community_id = $1
                     RETURNING id",
                )
                .bind(community)
                .bind(&d.period)
                .bind(&d.content)
                .bind(&d.fingerprint)
                .bind(&d.reason)
                .bind(&d.drafted_by)
                .bind(d.drafted_at)
                .fetch_one(&mut *self.tx)
                .await?;
                Ok(id)
            }

            async fn draft(&mut self, community: CommunityId, id: DisclosureId) -> Result<Option<DraftRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, period, content, fingerprint, reason, drafted_by, drafted_at FROM disclosure_drafts
                     WHERE community_id = $1 AND id = $2",
                )
                .bind(community)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn open_drafts(&mut self, community: CommunityId) -> Result<Vec<DraftRow>> {
                Ok(sqlx::query_as(
                    "SELECT d.id, d.period, d.content, d.fingerprint, d.reason, d.drafted_by, d.drafted_at FROM disclosure_drafts d
                     WHERE d.community_id = $1 AND NOT EXISTS (SELECT 1 FROM disclosure_publications p
                         WHERE p.community_id = $1 AND p.draft_id = d.id)
                     ORDER BY d.id DESC",
                )
                .bind(community)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn publications(&mut self, community: CommunityId) -> Result<Vec<PublicationRow>> {
                Ok(sqlx::query_as(
                    "SELECT p.period, p.version, p.draft_id, d.fingerprint, d.drafted_by, d.reason, p.approved_by, p.published_at,
                            p.corrects, p.changes
                     FROM disclosure_publications p
                     JOIN disclosure_drafts d ON d.community_id = p.community_id AND d.id = p.draft_id
                     WHERE p.community_id = $1 AND d.community_id = $1
                     ORDER BY p.published_at DESC, p.period DESC, p.version DESC",
                )
                .bind(community)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_publication(&mut self, community: CommunityId, p: &NewPublication<'_>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO disclosure_publications (community_id, period, version, draft_id, approved_by, published_at, corrects, changes)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(community)
                .bind(p.period)
                .bind(p.version)
                .bind(p.draft_id)
                .bind(p.approved_by)
                .bind(p.published_at)
                .bind(p.corrects)
                .bind(p.changes)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn witness_records(&mut self, community: CommunityId) -> Result<Vec<WitnessRow>> {
                Ok(sqlx::query_as(
                    "SELECT community_id, seq, period, version, fingerprint, heads, prev_hash, hash, recorded_at FROM witness_records
                     WHERE community_id = $1 ORDER BY seq",
                )
                .bind(community)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_witness(&mut self, w: &WitnessRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO witness_records (community_id, seq, period, version, fingerprint, heads, prev_hash, hash, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(w.community_id)
                .bind(w.seq)
                .bind(&w.period)
                .bind(w.version)
                .bind(&w.fingerprint)
                .bind(&w.heads)
                .bind(&w.prev_hash)
                .bind(&w.hash)
                .bind(w.recorded_at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn insert_name_decision(
                &mut self,
                community: CommunityId,
                distribution_id: DistributionId,
                decision: &str,
                user: &str,
                at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO member_name_decisions (community_id, distribution_id, decision, decided_by, decided_at)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(community)
                .bind(distribution_id)
                .bind(decision)
                .bind(user)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn name_decisions(&mut self, community: CommunityId) -> Result<Vec<(DistributionId, String)>> {
                Ok(sqlx::query_as("SELECT distribution_id, decision FROM member_name_decisions WHERE community_id = $1")
                    .bind(community)
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
