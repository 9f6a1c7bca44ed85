//! The collective wing's rows and their SQL: profit transfers, member rosters, distributions
//! and their lines and payments. Written once and expanded for both engines by
//! `impl_collective_tx!`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::ids::{BookId, BookKey, CommunityId, DistributionId, RosterId, VoucherId};
use crate::error::Result;
use crate::fees::seal::store::SealTx;
use crate::ledger::store::LedgerTx;
use crate::ledger::verify::{tie_sql, Tie};
use crate::store::{PgTx, SqliteTx, ROWS_PER_INSERT};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct TransferRow {
    pub year: i64,
    pub company_book_id: BookId,
    pub collective_book_id: BookId,
    pub amount_fen: i64,
    pub company_voucher_id: VoucherId,
    pub collective_voucher_id: VoucherId,
    pub transferred_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct MemberRow {
    pub member_no: String,
    pub name: String,
    pub household: String,
    pub shares: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct DistributionRow {
    pub id: DistributionId,
    pub book_id: BookId,
    pub year: i64,
    pub roster_id: RosterId,
    pub distributable_fen: i64,
    pub reserve_bp: i64,
    pub welfare_bp: i64,
    pub reserve_fen: i64,
    pub welfare_fen: i64,
    pub members_fen: i64,
    pub voucher_id: VoucherId,
    pub created_by: String,
    pub paid_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct LineRow {
    pub seq: i64,
    pub member_no: String,
    pub name: String,
    pub household: String,
    pub shares: i64,
    pub amount_fen: i64,
}

/// A distribution whose list does not add up: its id, its members' total, the list's sum.
pub type UnequalList = (i64, i64, i64);

/// A distribution `d` of community $1 (the statement's), with when it was paid: the
/// subquery names the community itself so that Citus keeps the statement on one shard.
const DISTRIBUTION_COLUMNS: &str = "d.id, d.book_id, d.year, d.roster_id, d.distributable_fen, d.reserve_bp, d.welfare_bp, d.reserve_fen, \
     d.welfare_fen, d.members_fen, d.voucher_id, d.created_by, \
     (SELECT p.paid_on FROM distribution_payments p WHERE p.community_id = $1 AND p.distribution_id = d.id) AS paid_on";

crate::wing_tx! {
    pub trait CollectiveTx: LedgerTx + SealTx + Send {
        fn insert_transfer(&mut self, community_id: CommunityId, t: &TransferRow, at: DateTime<Utc>)
            -> impl Future<Output = Result<()>> + Send;
        fn transfers(&mut self, community_id: CommunityId) -> impl Future<Output = Result<Vec<TransferRow>>> + Send;
        /// A new roster of the book; returns its id.
        fn insert_roster(
            &mut self,
            book: BookKey,
            members: &[MemberRow],
            by: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<RosterId>> + Send;
        /// The latest roster of the book: its id and members in order.
        fn latest_roster(&mut self, book: BookKey) -> impl Future<Output = Result<Option<(RosterId, Vec<MemberRow>)>>> + Send;
        fn insert_distribution(
            &mut self,
            book: BookKey,
            d: &DistributionRow,
            lines: &[LineRow],
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<DistributionId>> + Send;
        fn distributions(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<DistributionRow>>> + Send;
        fn distribution_lines(&mut self, community_id: CommunityId, id: DistributionId) -> impl Future<Output = Result<Vec<LineRow>>> + Send;
        /// The community's transfers and distributions beside their vouchers, and each
        /// distribution whose list per member does not add up to its members' total.
        fn collective_ties(&mut self, community_id: CommunityId) -> impl Future<Output = Result<(Vec<Tie>, Vec<UnequalList>)>> + Send;
        fn insert_distribution_payment(
            &mut self,
            community_id: CommunityId,
            id: DistributionId,
            paid_on: NaiveDate,
            voucher_id: VoucherId,
            by: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
    }
}

macro_rules! impl_collective_tx {
    ($tx_type:ty, $db:ty) => {
        impl CollectiveTx for $tx_type {
            async fn insert_transfer(&mut self, community_id: CommunityId, t: &TransferRow, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO profit_transfers (community_id, year, company_book_id, collective_book_id, amount_fen, company_voucher_id, \
                     collective_voucher_id, transferred_by, transferred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(community_id)
                .bind(t.year)
                .bind(t.company_book_id)
                .bind(t.collective_book_id)
                .bind(t.amount_fen)
                .bind(t.company_voucher_id)
                .bind(t.collective_voucher_id)
                .bind(&t.transferred_by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn transfers(&mut self, community_id: CommunityId) -> Result<Vec<TransferRow>> {
                Ok(sqlx::query_as(
                    "SELECT year, company_book_id, collective_book_id, amount_fen, company_voucher_id, collective_voucher_id, transferred_by \
                     FROM profit_transfers WHERE community_id = $1 ORDER BY year",
                )
                .bind(community_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_roster(&mut self, book: BookKey, members: &[MemberRow], by: &str, at: DateTime<Utc>) -> Result<RosterId> {
                let total: i64 = members.iter().map(|m| m.shares).sum();
                let id: RosterId = sqlx::query_scalar(
                    "INSERT INTO member_rosters (community_id, book_id, members, total_shares, imported_by, imported_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(members.len() as i64)
                .bind(total)
                .bind(by)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?;
                for (c, chunk) in members.chunks(ROWS_PER_INSERT).enumerate() {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO roster_members (community_id, roster_id, seq, member_no, name, household, shares) ",
                    );
                    q.push_values(chunk.iter().enumerate(), |mut b, (i, m)| {
                        b.push_bind(book.community_id)
                            .push_bind(id)
                            .push_bind((c * ROWS_PER_INSERT + i + 1) as i64)
                            .push_bind(m.member_no.clone())
                            .push_bind(m.name.clone())
                            .push_bind(m.household.clone())
                            .push_bind(m.shares);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(id)
            }

            async fn latest_roster(&mut self, book: BookKey) -> Result<Option<(RosterId, Vec<MemberRow>)>> {
                let id: Option<RosterId> = sqlx::query_scalar("SELECT MAX(id) FROM member_rosters WHERE community_id = $1 AND book_id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .fetch_one(&mut *self.tx)
                    .await?;
                let Some(id) = id else { return Ok(None) };
                let members = sqlx::query_as(
                    "SELECT member_no, name, household, shares FROM roster_members WHERE community_id = $1 AND roster_id = $2 ORDER BY seq",
                )
                .bind(book.community_id)
                .bind(id)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok(Some((id, members)))
            }

            async fn insert_distribution(&mut self, book: BookKey, d: &DistributionRow, lines: &[LineRow], at: DateTime<Utc>) -> Result<DistributionId> {
                let id: DistributionId = sqlx::query_scalar(
                    "INSERT INTO distributions (community_id, book_id, year, roster_id, distributable_fen, reserve_bp, welfare_bp, reserve_fen, \
                     welfare_fen, members_fen, voucher_id, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(d.year)
                .bind(d.roster_id)
                .bind(d.distributable_fen)
                .bind(d.reserve_bp)
                .bind(d.welfare_bp)
                .bind(d.reserve_fen)
                .bind(d.welfare_fen)
                .bind(d.members_fen)
                .bind(d.voucher_id)
                .bind(&d.created_by)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?;
                for chunk in lines.chunks(ROWS_PER_INSERT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO distribution_lines (community_id, distribution_id, seq, member_no, name, household, shares, amount_fen) ",
                    );
                    q.push_values(chunk, |mut b, l| {
                        b.push_bind(book.community_id)
                            .push_bind(id)
                            .push_bind(l.seq)
                            .push_bind(l.member_no.clone())
                            .push_bind(l.name.clone())
                            .push_bind(l.household.clone())
                            .push_bind(l.shares)
                            .push_bind(l.amount_fen);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(id)
            }

            async fn distributions(&mut self, book: BookKey) -> Result<Vec<DistributionRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {DISTRIBUTION_COLUMNS} FROM distributions d WHERE d.community_id = $1 AND d.book_id = $2 ORDER BY d.year"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn distribution_lines(&mut self, community_id: CommunityId, id: DistributionId) -> Result<Vec<LineRow>> {
                Ok(sqlx::query_as(
                    "SELECT seq, member_no, name, household, shares, amount_fen FROM distribution_lines \
                     WHERE community_id = $1 AND distribution_id = $2 ORDER BY seq",
                )
                .bind(community_id)
                .bind(id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn collective_ties(&mut self, community_id: CommunityId) -> Result<(Vec<Tie>, Vec<UnequalList>)> {
                let mut ties = Vec::new();
                for sql in [
                    tie_sql("profit_transfers", "'利润上交 ' || x.year || '（物业公司）'", "amount_fen", "company_voucher_id"),
                    tie_sql("profit_transfers", "'利润上交 ' || x.year || '（集体经济组织）'", "amount_fen", "collective_voucher_id"),
                    tie_sql("distributions", "'收益分配 #' || x.id", "distributable_fen", "voucher_id"),
                ] {
                    ties.extend(sqlx::query_as::<_, Tie>(&sql).bind(community_id).fetch_all(&mut *self.tx).await?);
                }
                let unequal = sqlx::query_as(
                    "SELECT d.id, d.members_fen, CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT) FROM distributions d \
                     LEFT JOIN distribution_lines l ON l.community_id = d.community_id AND l.distribution_id = d.id \
                     WHERE d.community_id = $1 GROUP BY d.id, d.members_fen \
                     HAVING d.members_fen <> CAST(COALESCE(SUM(l.amount_fen), 0) AS BIGINT)",
                )
                .bind(community_id)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok((ties, unequal))
            }

            async fn insert_distribution_payment(
                &mut self,
                community_id: CommunityId,
                id: DistributionId,
                paid_on: NaiveDate,
                voucher_id: VoucherId,
                by: &str,
                at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO distribution_payments (community_id, distribution_id, paid_on, voucher_id, paid_by, paid_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(community_id)
                .bind(id)
                .bind(paid_on)
                .bind(voucher_id)
                .bind(by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }
        }
    };
}

impl_collective_tx!(SqliteTx, sqlx::Sqlite);
impl_collective_tx!(PgTx, sqlx::Postgres);

/// A store whose transactions have the collective wing's statements.
pub trait CollectiveStore: crate::ledger::store::LedgerStore + crate::store::Store<Tx: CollectiveTx> {}

impl<S> CollectiveStore for S
where
    S: crate::ledger::store::LedgerStore,
    S: crate::store::Store<Tx: CollectiveTx>,
{
}
