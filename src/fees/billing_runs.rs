//! A billing run's rows: the month's bills by household and item (what a run must not bill
//! again), the runs themselves, the bills a run inserts, and what a reversal (冲销) of a run
//! reads back and writes. Written once for both engines by `impl_billing_runs_tx!`; the rest
//! of the fee wing's rows are in `fees::store`.

use sqlx::QueryBuilder;

use crate::domain::ids::{BillingRunId, BookKey, FeeItemId, HouseholdId, ReversalId, VoucherId};
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::rows::{BillKeyRow, BillPaymentRow, BillingRunRow, NewBill, NewBillingReversal, NewBillingRun, RunBillRow};
use crate::fees::sql::CANCELLATION_OF_B;
use crate::store::{PgTx, SqliteTx, ROWS_PER_INSERT};

crate::wing_tx! {
    /// The statements of billing runs and their reversals, one method each.
    pub trait BillingRunsTx: Send {
        /// The month's bills by household and fee item.
        fn bill_keys(&mut self, book: BookKey, period: Period) -> impl Future<Output = Result<Vec<BillKeyRow>>> + Send;
        fn insert_billing_run(&mut self, run: &NewBillingRun<'_>) -> impl Future<Output = Result<BillingRunId>> + Send;
        fn set_billing_run_voucher(
            &mut self,
            book: BookKey,
            run_id: BillingRunId,
            voucher_id: VoucherId,
        ) -> impl Future<Output = Result<()>> + Send;
        /// The book's billing runs (one when `run_id` is given), oldest first.
        fn billing_runs(&mut self, book: BookKey, run_id: Option<BillingRunId>) -> impl Future<Output = Result<Vec<BillingRunRow>>> + Send;
        /// The bills of a run of `period` (one household's, when given).
        fn run_bills(
            &mut self,
            book: BookKey,
            period: Period,
            run_id: BillingRunId,
            household_id: Option<HouseholdId>,
        ) -> impl Future<Output = Result<Vec<RunBillRow>>> + Send;
        /// What payments have settled, net, of each of those bills.
        fn run_bill_payments(
            &mut self,
            book: BookKey,
            period: Period,
            run_id: BillingRunId,
            household_id: Option<HouseholdId>,
        ) -> impl Future<Output = Result<Vec<BillPaymentRow>>> + Send;
        fn insert_billing_reversal(&mut self, r: &NewBillingReversal<'_>) -> impl Future<Output = Result<ReversalId>> + Send;
        /// Inserts bills (a run's hundreds of thousands: their ids are not sent back).
        fn insert_bills(&mut self, book: BookKey, run_id: BillingRunId, bills: &[NewBill]) -> impl Future<Output = Result<()>> + Send;
    }
}

macro_rules! impl_billing_runs_tx {
    ($tx_type:ty, $insert_bills:ident) => {
        impl BillingRunsTx for $tx_type {
            async fn bill_keys(&mut self, book: BookKey, period: Period) -> Result<Vec<BillKeyRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT b.household_id, b.unit_id, b.fee_item_id, COUNT(*) AS issues,
                            CAST(SUM(CASE WHEN EXISTS ({CANCELLATION_OF_B}) THEN 0 ELSE 1 END) AS BIGINT) AS live
                     FROM bills b WHERE b.community_id = $1 AND b.book_id = $2 AND b.period = $3
                     GROUP BY b.household_id, b.unit_id, b.fee_item_id"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(period)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn set_billing_run_voucher(&mut self, book: BookKey, run_id: BillingRunId, voucher_id: VoucherId) -> Result<()> {
                sqlx::query("UPDATE billing_runs SET voucher_id = $3 WHERE community_id = $1 AND id = $2 AND book_id = $4")
                    .bind(book.community_id)
                    .bind(run_id)
                    .bind(voucher_id)
                    .bind(book.book_id)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn billing_runs(&mut self, book: BookKey, run_id: Option<BillingRunId>) -> Result<Vec<BillingRunRow>> {
                let which = if run_id.is_some() { "r.id = $3" } else { "$3 IS NULL" };
                Ok(sqlx::query_as(&format!(
                    "SELECT r.id, r.period, r.voucher_id, r.bills, r.total_fen, r.created_by,
                            CAST(COALESCE(SUM(x.bills), 0) AS BIGINT) AS reversed_bills,
                            CAST(COALESCE(SUM(x.total_fen), 0) AS BIGINT) AS reversed_fen
                     FROM billing_runs r
                     LEFT JOIN billing_reversals x ON x.community_id = r.community_id AND x.billing_run_id = r.id
                     WHERE r.community_id = $1 AND r.book_id = $2 AND {which}
                     GROUP BY r.id, r.period, r.voucher_id, r.bills, r.total_fen, r.created_by
                     ORDER BY r.id"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(run_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn run_bills(&mut self, book: BookKey, period: Period, run_id: BillingRunId, household_id: Option<HouseholdId>) -> Result<Vec<RunBillRow>> {
                let which = if household_id.is_some() { "b.household_id = $5" } else { "$5 IS NULL" };
                Ok(sqlx::query_as(&format!(
                    "SELECT b.id, b.household_id, b.fee_item_id, b.amount_fen, b.tax_fen,
                            CAST(COALESCE(SUM(CASE WHEN a.waiver_id IS NOT NULL THEN a.amount_fen ELSE 0 END), 0) AS BIGINT) AS waived_fen,
                            CAST(COALESCE(SUM(CASE WHEN a.reversal_id IS NOT NULL AND a.payment_id IS NULL THEN a.amount_fen ELSE 0 END), 0) AS BIGINT) AS cancelled_fen
                     FROM bills b LEFT JOIN allocations a ON a.community_id = b.community_id AND a.bill_id = b.id
                     WHERE b.community_id = $1 AND b.book_id = $2 AND b.period = $3 AND b.billing_run_id = $4 AND {which}
                     GROUP BY b.id, b.household_id, b.fee_item_id, b.amount_fen, b.tax_fen
                     ORDER BY b.household_id, b.fee_item_id, b.id"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(period)
                .bind(run_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn run_bill_payments(&mut self, book: BookKey, period: Period, run_id: BillingRunId, household_id: Option<HouseholdId>) -> Result<Vec<BillPaymentRow>> {
                let which = if household_id.is_some() { "b.household_id = $5" } else { "$5 IS NULL" };
                Ok(sqlx::query_as(&format!(
                    "SELECT a.bill_id, a.payment_id, p.receipt_number, CAST(SUM(a.amount_fen) AS BIGINT) AS amount_fen, p.paid_on
                     FROM bills b JOIN allocations a ON a.community_id = b.community_id AND a.bill_id = b.id
                     JOIN payments p ON p.community_id = a.community_id AND p.id = a.payment_id
                     WHERE b.community_id = $1 AND b.book_id = $2 AND b.period = $3 AND b.billing_run_id = $4 AND {which}
                     GROUP BY a.bill_id, a.payment_id, p.receipt_number, p.paid_on HAVING SUM(a.amount_fen) <> 0
                     ORDER BY a.bill_id, a.payment_id"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(period)
                .bind(run_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_billing_reversal(&mut self, r: &NewBillingReversal<'_>) -> Result<ReversalId> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO billing_reversals (community_id, book_id, billing_run_id, household_id, bills, total_fen, reason, approver, period, voucher_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(r.book.community_id)
                .bind(r.book.book_id)
                .bind(r.billing_run_id)
                .bind(r.household_id)
                .bind(r.bills)
                .bind(r.total_fen)
                .bind(r.reason)
                .bind(r.approver)
                .bind(r.period)
                .bind(r.voucher_id)
                .bind(r.created_at)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn insert_billing_run(&mut self, r: &NewBillingRun<'_>) -> Result<BillingRunId> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO billing_runs (community_id, book_id, period, voucher_id, bills, total_fen, created_by, created_at, master_seq, master_head, by_building)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(r.book.community_id)
                .bind(r.book.book_id)
                .bind(r.period)
                .bind(r.voucher_id)
                .bind(r.bills)
                .bind(r.total_fen)
                .bind(r.created_by)
                .bind(r.created_at)
                .bind(r.master_seq)
                .bind(r.master_head)
                .bind(r.by_building)
                .fetch_one(&mut *self.tx)
                .await?)
            }

            async fn insert_bills(&mut self, book: BookKey, run_id: BillingRunId, bills: &[NewBill]) -> Result<()> {
                // The run's row for each fee item and month it bills first: a bill's foreign key
                // names one (migration 0041), in place of its run, book and fee item apart.
                // One statement for all of them (a run bills a handful of items and months).
                let items: std::collections::BTreeSet<(FeeItemId, Period)> = bills.iter().map(|b| (b.fee_item_id, b.period)).collect();
                if !items.is_empty() {
                    // The community, run and book once; each row's fee item and month after them.
                    let rows: Vec<String> = (0..items.len()).map(|i| format!("($1, $2, ${}, $3, ${})", 4 + 2 * i, 5 + 2 * i)).collect();
                    let sql = format!(
                        "INSERT INTO billing_run_items (community_id, billing_run_id, fee_item_id, book_id, period) VALUES {}",
                        rows.join(", ")
                    );
                    let mut insert = sqlx::query(&sql).bind(book.community_id).bind(run_id).bind(book.book_id);
                    for (item, period) in items {
                        insert = insert.bind(item).bind(period);
                    }
                    insert.execute(&mut *self.tx).await?;
                }
                $insert_bills(self, book, run_id, bills).await
            }
        }
    };
}

/// The bills' columns, as both ways of inserting them list them.
const BILL_COLUMNS: &str = "community_id, book_id, household_id, fee_item_id, period, amount_fen, billing_run_id, issue, tax_fen, unit_id";

/// SQLite: multi-row INSERTs.
async fn insert_bills_sqlite(tx: &mut SqliteTx, book: BookKey, run_id: BillingRunId, bills: &[NewBill]) -> Result<()> {
    for chunk in bills.chunks(ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<sqlx::Sqlite>::new(format!("INSERT INTO bills ({BILL_COLUMNS}) "));
        // The ids every row shares are written as integer literals (ids the database gave,
        // never typed text), so each row binds only what differs: a run of 300,000 bills
        // spends most of its time binding.
        q.push_values(chunk, |mut row, b| {
            row.push(book.community_id)
                .push(book.book_id)
                .push_bind(b.household_id)
                .push_bind(b.fee_item_id)
                .push(b.period.key())
                .push_bind(b.amount_fen)
                .push(run_id)
                .push_bind(b.issue)
                .push_bind(b.tax_fen);
            // A unit's id is the database's too; a household's own bill has none.
            match b.unit_id {
                Some(id) => row.push(id),
                None => row.push("NULL"),
            };
        });
        q.build().execute(&mut *tx.tx).await?;
    }
    Ok(())
}

/// PostgreSQL: one COPY, in the order of the run (the order the seal hashes them in). The
/// server parses integers instead of planning statements of thousands of bound values, and
/// on Citus the coordinator streams the rows to the community's shard instead of rewriting a
/// statement for it.
async fn insert_bills_pg(tx: &mut PgTx, book: BookKey, run_id: BillingRunId, bills: &[NewBill]) -> Result<()> {
    use std::fmt::Write;
    if bills.is_empty() {
        return Ok(());
    }
    let mut copy = tx.tx.copy_in_raw(&format!("COPY bills ({BILL_COLUMNS}) FROM STDIN")).await?;
    let mut text = String::with_capacity(64 * ROWS_PER_INSERT);
    for chunk in bills.chunks(ROWS_PER_INSERT) {
        text.clear();
        for b in chunk {
            // Every field is an integer: nothing to escape. `\N` is COPY's NULL.
            write!(
                text,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t",
                book.community_id.0,
                book.book_id.0,
                b.household_id.0,
                b.fee_item_id.0,
                b.period.key(),
                b.amount_fen,
                run_id.0,
                b.issue,
                b.tax_fen
            )
            .and_then(|()| match b.unit_id {
                Some(id) => writeln!(text, "{}", id.0),
                None => writeln!(text, "\\N"),
            })
            .expect("writing to a String");
        }
        copy.send(text.as_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

impl_billing_runs_tx!(SqliteTx, insert_bills_sqlite);
impl_billing_runs_tx!(PgTx, insert_bills_pg);
