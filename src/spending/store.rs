//! The spending wing's rows and their SQL: expenses by service category, each with its
//! voucher. Written once and expanded for both engines by `impl_spending_tx!`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::category::Category;
use crate::domain::ids::{BookId, BookKey, CommunityId, ProgramId, SpendingId, VoucherId};
use crate::error::Result;
use crate::fees::seal::store::SealTx;
use crate::ledger::store::LedgerTx;
use crate::ledger::verify::{tie_sql, Tie};
use crate::store::{text_enum, PgTx, SqliteTx};

text_enum!(Category);

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ExpenseRow {
    pub id: SpendingId,
    pub book_id: BookId,
    pub spent_on: NaiveDate,
    pub category: Category,
    pub supplier: String,
    pub summary: String,
    pub amount_fen: i64,
    pub payable: bool,
    pub program_id: Option<ProgramId>,
    pub voucher_id: VoucherId,
    pub recorded_by: String,
    /// Withdrawn (entered by mistake, its voucher reversed).
    pub withdrawn: bool,
    /// When an owed expense was paid.
    pub paid_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct BudgetRow {
    pub year: i64,
    pub category: Category,
    pub amount_fen: i64,
    pub set_by: String,
}

pub struct NewExpense<'a> {
    pub spent_on: NaiveDate,
    pub category: Category,
    pub supplier: &'a str,
    pub summary: &'a str,
    pub amount_fen: i64,
    pub payable: bool,
    pub program_id: Option<ProgramId>,
    pub voucher_id: VoucherId,
    pub recorded_by: &'a str,
}

/// An expense `e` of community $1 (the statement's); the subqueries name the community
/// themselves so that Citus keeps the statement on one shard.
const EXPENSE_COLUMNS: &str = "e.id, e.book_id, e.spent_on, e.category, e.supplier, e.summary, e.amount_fen, e.payable, e.program_id, \
     e.voucher_id, e.recorded_by, EXISTS (SELECT 1 FROM subsidy_withdrawals w WHERE w.community_id = $1 \
     AND w.side = 'spending' AND w.row_id = e.id) AS withdrawn, \
     (SELECT p.paid_on FROM expense_payments p WHERE p.community_id = $1 AND p.expense_id = e.id) AS paid_on";

crate::wing_tx! {
    pub trait SpendingTx: LedgerTx + SealTx + Send {
        fn insert_expense(&mut self, book: BookKey, e: &NewExpense<'_>, at: DateTime<Utc>) -> impl Future<Output = Result<SpendingId>> + Send;
        fn expense(&mut self, community_id: CommunityId, id: SpendingId) -> impl Future<Output = Result<Option<ExpenseRow>>> + Send;
        /// A book's expenses dated in [from, until), by date.
        fn expenses(&mut self, book: BookKey, from: NaiveDate, until: NaiveDate) -> impl Future<Output = Result<Vec<ExpenseRow>>> + Send;
        fn set_budget(&mut self, book: BookKey, row: &BudgetRow, at: DateTime<Utc>) -> impl Future<Output = Result<()>> + Send;
        fn budgets(&mut self, book: BookKey, year: i64) -> impl Future<Output = Result<Vec<BudgetRow>>> + Send;
        fn insert_expense_payment(
            &mut self,
            community_id: CommunityId,
            expense_id: SpendingId,
            paid_on: NaiveDate,
            voucher_id: VoucherId,
            by: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        /// The community's expenses beside their vouchers (`ledger::verify::check_ties`).
        fn expense_ties(&mut self, community_id: CommunityId) -> impl Future<Output = Result<Vec<Tie>>> + Send;
        /// The expenses tagged to a program dated before `until`, by date.
        fn expenses_of_program(
            &mut self,
            community_id: CommunityId,
            program_id: ProgramId,
            until: NaiveDate,
        ) -> impl Future<Output = Result<Vec<ExpenseRow>>> + Send;
    }
}

/// What spending needs to know of the subsidy program an expense is tagged to. The subsidy wing
/// keeps the programs and answers this (`subsidies::store`), so spending reads no table of
/// that wing and imports none of its code; the subsidy wing reads spending's expenses.
#[derive(Clone, Debug)]
pub struct TaggedProgram {
    pub id: ProgramId,
    pub book_id: BookId,
    pub document_no: String,
    /// "区财〔2025〕12号 物业管理补贴"
    pub title: String,
    pub starts_on: NaiveDate,
    /// The first day after the program.
    pub ends_on: NaiveDate,
    pub eligible: Vec<Category>,
}

pub trait TagTx: Send {
    /// The community's program with 文号 or number `key`, refused naming 补贴项目 when none.
    fn tagged_program(&mut self, community_id: CommunityId, key: &str) -> impl std::future::Future<Output = Result<TaggedProgram>> + Send;
}

macro_rules! impl_spending_tx {
    ($tx_type:ty) => {
        impl SpendingTx for $tx_type {
            async fn insert_expense(&mut self, book: BookKey, e: &NewExpense<'_>, at: DateTime<Utc>) -> Result<SpendingId> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO expenses (community_id, book_id, spent_on, category, supplier, summary, amount_fen, payable, program_id, \
                     voucher_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(e.spent_on)
                .bind(e.category)
                .bind(e.supplier)
                .bind(e.summary)
                .bind(e.amount_fen)
                .bind(e.payable)
                .bind(e.program_id)
                .bind(e.voucher_id)
                .bind(e.recorded_by)
                .bind(at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn expense(&mut self, community_id: CommunityId, id: SpendingId) -> Result<Option<ExpenseRow>> {
                Ok(sqlx::query_as(&format!("SELECT {EXPENSE_COLUMNS} FROM expenses e WHERE e.community_id = $1 AND e.id = $2"))
                    .bind(community_id)
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn expenses(&mut self, book: BookKey, from: NaiveDate, until: NaiveDate) -> Result<Vec<ExpenseRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {EXPENSE_COLUMNS} FROM expenses e WHERE e.community_id = $1 AND e.book_id = $2 \
                     AND e.spent_on >= $3 AND e.spent_on < $4 ORDER BY e.spent_on, e.id"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(from)
                .bind(until)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn set_budget(&mut self, book: BookKey, row: &BudgetRow, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO budgets (community_id, book_id, year, category, amount_fen, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (community_id, book_id, year, category) DO UPDATE SET amount_fen = excluded.amount_fen, \
                     set_by = excluded.set_by, set_at = excluded.set_at",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(row.year)
                .bind(row.category)
                .bind(row.amount_fen)
                .bind(&row.set_by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn budgets(&mut self, book: BookKey, year: i64) -> Result<Vec<BudgetRow>> {
                Ok(sqlx::query_as(
                    "SELECT year, category, amount_fen, set_by FROM budgets WHERE community_id = $1 AND book_id = $2 AND year = $3 ORDER BY category",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(year)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_expense_payment(
                &mut self,
                community_id: CommunityId,
                expense_id: SpendingId,
                paid_on: NaiveDate,
                voucher_id: VoucherId,
                by: &str,
                at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO expense_payments (community_id, expense_id, paid_on, voucher_id, paid_by, paid_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(community_id)
                .bind(expense_id)
                .bind(paid_on)
                .bind(voucher_id)
                .bind(by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn expense_ties(&mut self, community_id: CommunityId) -> Result<Vec<Tie>> {
                let sql = tie_sql("expenses", "'支出 #' || x.id", "amount_fen", "voucher_id");
                Ok(sqlx::query_as(&sql).bind(community_id).fetch_all(&mut *self.tx).await?)
            }

            async fn expenses_of_program(
                &mut self,
                community_id: CommunityId,
                program_id: ProgramId,
                until: NaiveDate,
            ) -> Result<Vec<ExpenseRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {EXPENSE_COLUMNS} FROM expenses e WHERE e.community_id = $1 AND e.program_id = $2 AND e.spent_on < $3 \
                     ORDER BY e.spent_on, e.id"
                ))
                .bind(community_id)
                .bind(program_id)
                .bind(until)
                .fetch_all(&mut *self.tx)
                .await?)
            }
        }
    };
}

impl_spending_tx!(SqliteTx);
impl_spending_tx!(PgTx);
