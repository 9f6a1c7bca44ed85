//! The statements of the maintained cash-flow sums (`cash_flow_balances`), for both engines by
//! `impl_cash_flow_tx!`: the posting transaction adds to them, the 现金流量表 reads them, and
//! `verify` compares them with the sums recomputed from the journal.

use sqlx::{Postgres, QueryBuilder, Sqlite};

use crate::domain::ids::BookKey;
use crate::error::Result;
use crate::store::{PgTx, SqliteTx, ROWS_PER_INSERT};

/// The net cash (positive in, negative out) one 现金流量项目 moved in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct CashFlowRow {
    pub period: i64,
    pub item: i64,
    pub fen: i64,
}

crate::wing_tx! {
    pub trait CashFlowTx: Send {
        /// Adds `rows` to the book's sums.
        fn add_cash_flows(&mut self, book: BookKey, rows: &[CashFlowRow]) -> impl Future<Output = Result<()>> + Send;
        /// Every month's sums of the book (a few rows a month).
        fn cash_flows(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<CashFlowRow>>> + Send;
        /// Whether the book's sums cover its journal (false only for a book posted to before the
        /// sums were kept, migration 0027).
        fn cash_flows_built(&mut self, book: BookKey) -> impl Future<Output = Result<bool>> + Send;
        /// Marks the book's sums built and empties them, to be built anew from the journal in the
        /// same transaction; false if another transaction built them meanwhile. The UPDATE of the
        /// book's row is the lock postings to the book take too.
        fn begin_cash_flow_build(&mut self, book: BookKey) -> impl Future<Output = Result<bool>> + Send;
    }
}

macro_rules! impl_cash_flow_tx {
    ($tx_type:ty, $db:ty) => {
        impl CashFlowTx for $tx_type {
            async fn add_cash_flows(&mut self, book: BookKey, rows: &[CashFlowRow]) -> Result<()> {
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    let mut q = QueryBuilder::<$db>::new("INSERT INTO cash_flow_balances (community_id, book_id, period, item, fen) ");
                    q.push_values(chunk, |mut row, r| {
                        row.push_bind(book.community_id).push_bind(book.book_id).push_bind(r.period).push_bind(r.item).push_bind(r.fen);
                    });
                    q.push(
                        " ON CONFLICT (community_id, book_id, period, item) DO UPDATE SET
                          fen = cash_flow_balances.fen + excluded.fen",
                    );
                    q.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn cash_flows(&mut self, book: BookKey) -> Result<Vec<CashFlowRow>> {
                Ok(sqlx::query_as(
                    "SELECT period, item, fen FROM cash_flow_balances
                     WHERE community_id = $1 AND book_id = $2 ORDER BY period, item",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn cash_flows_built(&mut self, book: BookKey) -> Result<bool> {
                Ok(sqlx::query_scalar("SELECT cash_flows_built FROM books WHERE community_id = $1 AND id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .fetch_optional(&mut *self.tx)
                    .await?
                    .unwrap_or(true))
            }

            async fn begin_cash_flow_build(&mut self, book: BookKey) -> Result<bool> {
                let marked =
                    sqlx::query("UPDATE books SET cash_flows_built = TRUE WHERE community_id = $1 AND id = $2 AND NOT cash_flows_built")
                        .bind(book.community_id)
                        .bind(book.book_id)
                        .execute(&mut *self.tx)
                        .await?;
                if marked.rows_affected() == 0 {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM cash_flow_balances WHERE community_id = $1 AND book_id = $2")
                    .bind(book.community_id)
                    .bind(book.book_id)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(true)
            }
        }
    };
}

impl_cash_flow_tx!(SqliteTx, Sqlite);
impl_cash_flow_tx!(PgTx, Postgres);
