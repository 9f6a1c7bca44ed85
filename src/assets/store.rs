//! The fixed-asset wing's rows and their SQL: cards, each month's depreciation run and rows,
//! disposals, and the release of the grants that paid for assets. Written once and expanded
//! for both engines by `impl_assets_tx!`.

use chrono::{DateTime, NaiveDate, Utc};

use super::Method;
use crate::domain::ids::{AssetId, BookId, BookKey, CommunityId, ProgramId, VoucherId};
use crate::error::Result;
use crate::fees::seal::store::SealTx;
use crate::ledger::store::LedgerTx;
use crate::ledger::verify::{tie_sql, Tie};
use crate::store::{text_enum, PgTx, SqliteTx};

text_enum!(Method);

/// Rows per multi-row INSERT: 7 parameters each stays far below either engine's limit.
const ROWS_PER_INSERT: usize = 1_000;

/// A card with what its rows say of it: accumulated depreciation, grant released, disposal.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AssetRow {
    pub id: AssetId,
    pub book_id: BookId,
    pub code: String,
    pub name: String,
    pub category: String,
    pub in_service_on: NaiveDate,
    pub original_fen: i64,
    pub life_months: i64,
    pub residual_rate_bp: i64,
    pub residual_fen: i64,
    pub opening_accumulated_fen: i64,
    pub method: Method,
    pub expense_account: String,
    pub program_id: Option<ProgramId>,
    pub funded_fen: i64,
    /// Opening accumulated depreciation and every month's since.
    pub accumulated_fen: i64,
    pub released_fen: i64,
    pub disposed_on: Option<NaiveDate>,
}

impl AssetRow {
    pub fn terms(&self) -> super::Terms {
        super::Terms {
            original_fen: self.original_fen,
            life_months: self.life_months,
            residual_rate_bp: self.residual_rate_bp,
            residual_fen: self.residual_fen,
        }
    }
}

pub struct NewAsset<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub category: &'a str,
    pub in_service_on: NaiveDate,
    pub terms: super::Terms,
    pub opening_accumulated_fen: i64,
    pub method: Method,
    pub expense_account: &'a str,
    pub program_id: Option<ProgramId>,
    pub funded_fen: i64,
    pub created_by: &'a str,
}

/// A book's month of depreciation, done.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct RunRow {
    pub period: i64,
    pub amount_fen: i64,
    pub voucher_id: VoucherId,
    pub created_by: String,
}

/// A card's depreciation (or grant release, with `program_id`) of a month, with its voucher.
#[derive(Clone, Debug)]
pub struct MonthRow {
    pub asset_id: AssetId,
    pub period: i64,
    pub amount_fen: i64,
    pub voucher_id: VoucherId,
    pub program_id: ProgramId,
    /// 'depreciation' or 'disposal' for a release.
    pub kind: &'static str,
}

pub struct NewDisposal<'a> {
    pub asset_id: AssetId,
    pub disposed_on: NaiveDate,
    pub accumulated_fen: i64,
    pub proceeds_fen: i64,
    pub reason: &'a str,
    pub voucher_id: VoucherId,
    pub disposed_by: &'a str,
}

const ASSET_COLUMNS: &str = "a.id, a.book_id, a.code, a.name, a.category, a.in_service_on, a.original_fen, a.life_months, \
     a.residual_rate_bp, a.residual_fen, a.opening_accumulated_fen, a.method, a.expense_account, a.program_id, a.funded_fen, \
     a.opening_accumulated_fen + COALESCE(d.total, 0) AS accumulated_fen, COALESCE(r.total, 0) AS released_fen, x.disposed_on";

/// The cards of book ($1, $2), with their sums read in one pass each (10,000 cards a month).
const ASSETS_FROM: &str = "FROM fixed_assets a \
     LEFT JOIN (SELECT asset_id, CAST(SUM(amount_fen) AS BIGINT) AS total FROM asset_depreciations \
                WHERE community_id = $1 AND book_id = $2 GROUP BY asset_id) d ON d.asset_id = a.id \
     LEFT JOIN (SELECT asset_id, CAST(SUM(amount_fen) AS BIGINT) AS total FROM asset_subsidy_releases \
                WHERE community_id = $1 GROUP BY asset_id) r ON r.asset_id = a.id \
     LEFT JOIN asset_disposals x ON x.community_id = $1 AND x.asset_id = a.id \
     WHERE a.community_id = $1 AND a.book_id = $2";

crate::wing_tx! {
    pub trait AssetsTx: LedgerTx + SealTx + Send {
        fn insert_asset(&mut self, book: BookKey, a: &NewAsset<'_>, at: DateTime<Utc>) -> impl Future<Output = Result<AssetId>> + Send;
        /// A book's cards by code.
        fn assets(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<AssetRow>>> + Send;
        /// One card of a book.
        fn asset(&mut self, book: BookKey, id: AssetId) -> impl Future<Output = Result<Option<AssetRow>>> + Send;
        /// A book's month of depreciation, if it was done.
        fn run_of(&mut self, book: BookKey, period: i64) -> impl Future<Output = Result<Option<RunRow>>> + Send;
        /// The last month a book was depreciated.
        fn last_run(&mut self, book: BookKey) -> impl Future<Output = Result<Option<i64>>> + Send;
        fn insert_run(&mut self, book: BookKey, run: &RunRow, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        fn insert_depreciations(&mut self, book: BookKey, rows: &[MonthRow]) -> impl Future<Output = Result<()>> + Send;
        fn insert_releases(&mut self, community_id: CommunityId, rows: &[MonthRow]) -> impl Future<Output = Result<()>> + Send;
        /// What a program's asset grants have released in all.
        fn program_released(&mut self, community_id: CommunityId, program_id: ProgramId) -> impl Future<Output = Result<i64>> + Send;
        fn insert_disposal(
            &mut self,
            community_id: CommunityId,
            d: &NewDisposal<'_>,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        /// Depreciation, release and disposal rows beside their vouchers (`ledger::verify::check_ties`).
        fn asset_ties(&mut self, community_id: CommunityId) -> impl Future<Output = Result<Vec<Tie>>> + Send;
    }
}

/// The ties of the wing: the rows of each depreciation or release voucher summed (they alone
/// make its debits), and each disposal, whose voucher debits its original value, its proceeds
/// and its gain or loss.
fn tie_statements() -> [String; 3] {
    let grouped = |table: &str| {
        format!(
            "(SELECT community_id, voucher_id, CAST(SUM(amount_fen) AS BIGINT) AS amount_fen FROM {table} \
             WHERE community_id = $1 GROUP BY community_id, voucher_id)"
        )
    };
    let disposals = "(SELECT x.community_id, x.asset_id, x.voucher_id, \
         a.original_fen + x.proceeds_fen + ABS(a.original_fen - x.accumulated_fen - x.proceeds_fen) AS amount_fen \
         FROM asset_disposals x JOIN fixed_assets a ON a.community_id = $1 AND a.id = x.asset_id WHERE x.community_id = $1)";
    [
        tie_sql(&grouped("asset_depreciations"), "'固定资产折旧凭证 #' || x.voucher_id", "amount_fen", "voucher_id"),
        tie_sql(&grouped("asset_subsidy_releases"), "'资产补助结转凭证 #' || x.voucher_id", "amount_fen", "voucher_id"),
        tie_sql(disposals, "'固定资产处置 #' || x.asset_id", "amount_fen", "voucher_id"),
    ]
}

macro_rules! impl_assets_tx {
    ($tx_type:ty, $db:ty) => {
        impl AssetsTx for $tx_type {
            async fn insert_asset(&mut self, book: BookKey, a: &NewAsset<'_>, at: DateTime<Utc>) -> Result<AssetId> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO fixed_assets (community_id, book_id, code, name, category, in_service_on, original_fen, life_months, \
                     residual_rate_bp, residual_fen, opening_accumulated_fen, method, expense_account, program_id, funded_fen, created_by, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(a.code)
                .bind(a.name)
                .bind(a.category)
                .bind(a.in_service_on)
                .bind(a.terms.original_fen)
                .bind(a.terms.life_months)
                .bind(a.terms.residual_rate_bp)
                .bind(a.terms.residual_fen)
                .bind(a.opening_accumulated_fen)
                .bind(a.method)
                .bind(a.expense_account)
                .bind(a.program_id)
                .bind(a.funded_fen)
                .bind(a.created_by)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn assets(&mut self, book: BookKey) -> Result<Vec<AssetRow>> {
                Ok(sqlx::query_as(&format!("SELECT {ASSET_COLUMNS} {ASSETS_FROM} ORDER BY a.code"))
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }

            async fn asset(&mut self, book: BookKey, id: AssetId) -> Result<Option<AssetRow>> {
                Ok(sqlx::query_as(&format!("SELECT {ASSET_COLUMNS} {ASSETS_FROM} AND a.id = $3"))
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn run_of(&mut self, book: BookKey, period: i64) -> Result<Option<RunRow>> {
                Ok(sqlx::query_as(
                    "SELECT period, amount_fen, voucher_id, created_by FROM asset_depreciation_runs \
                     WHERE community_id = $1 AND book_id = $2 AND period = $3",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(period)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn last_run(&mut self, book: BookKey) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar("SELECT MAX(period) FROM asset_depreciation_runs WHERE community_id = $1 AND book_id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .fetch_one(&mut *self.tx)
                    .await?)
            }

            async fn insert_run(&mut self, book: BookKey, run: &RunRow, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO asset_depreciation_runs (community_id, book_id, period, amount_fen, voucher_id, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(run.period)
                .bind(run.amount_fen)
                .bind(run.voucher_id)
                .bind(&run.created_by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn insert_depreciations(&mut self, book: BookKey, rows: &[MonthRow]) -> Result<()> {
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO asset_depreciations (community_id, book_id, asset_id, period, amount_fen, voucher_id) ",
                    );
                    q.push_values(chunk, |mut b, r| {
                        b.push_bind(book.community_id)
                            .push_bind(book.book_id)
                            .push_bind(r.asset_id)
                            .push_bind(r.period)
                            .push_bind(r.amount_fen)
                            .push_bind(r.voucher_id);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn insert_releases(&mut self, community_id: CommunityId, rows: &[MonthRow]) -> Result<()> {
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO asset_subsidy_releases (community_id, asset_id, program_id, period, kind, amount_fen, voucher_id) ",
                    );
                    q.push_values(chunk, |mut b, r| {
                        b.push_bind(community_id)
                            .push_bind(r.asset_id)
                            .push_bind(r.program_id)
                            .push_bind(r.period)
                            .push_bind(r.kind)
                            .push_bind(r.amount_fen)
                            .push_bind(r.voucher_id);
                    });
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn program_released(&mut self, community_id: CommunityId, program_id: ProgramId) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM asset_subsidy_releases WHERE community_id = $1 AND program_id = $2",
                )
                .bind(community_id)
                .bind(program_id)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn insert_disposal(&mut self, community_id: CommunityId, d: &NewDisposal<'_>, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO asset_disposals (community_id, asset_id, disposed_on, accumulated_fen, proceeds_fen, reason, voucher_id, \
                     disposed_by, disposed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(community_id)
                .bind(d.asset_id)
                .bind(d.disposed_on)
                .bind(d.accumulated_fen)
                .bind(d.proceeds_fen)
                .bind(d.reason)
                .bind(d.voucher_id)
                .bind(d.disposed_by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn asset_ties(&mut self, community_id: CommunityId) -> Result<Vec<Tie>> {
                let mut all = Vec::new();
                for sql in tie_statements() {
                    all.extend(sqlx::query_as::<_, Tie>(&sql).bind(community_id).fetch_all(&mut *self.tx).await?);
                }
                Ok(all)
            }
        }
    };
}

impl_assets_tx!(SqliteTx, sqlx::Sqlite);
impl_assets_tx!(PgTx, sqlx::Postgres);

/// A store whose transactions have the fixed-asset wing's statements.
pub trait AssetsStore: crate::subsidies::store::SubsidiesStore + crate::store::Store<Tx: AssetsTx> {}

impl<S> AssetsStore for S
where
    S: crate::subsidies::store::SubsidiesStore,
    S: crate::store::Store<Tx: AssetsTx>,
{
}
