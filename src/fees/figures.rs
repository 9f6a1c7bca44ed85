//! The fee wing's figures read back: arrears by household and by age, the maintained flows
//! and their recomputation, what is open, billed and received by building and month, a
//! household's bills, payments and settlements, and the subledger by month. Reads for the
//! reports and `verify`; the writes are in `fees::store`.

use chrono::NaiveDate;

use crate::domain::ids::{BookKey, FeeItemId, HouseholdId, PaymentId};
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::rows::{AgingRow, BillSettlementRow, FlowRow, HouseholdBillRow, OverSettled, PaymentRow, SubledgerPeriodRow};
use crate::fees::sql::{ALLOCATION_KIND, PAYMENT_COLUMNS, UNIT_CODE_OF_B};
use crate::store::{PgTx, SqliteTx};

crate::wing_tx! {
    pub trait FiguresTx: Send {
        /// Open bill amounts as at the end of `as_of`, by household (by building, the maintained
        /// receivable_flows serve).
        fn aging_by_household(&mut self, book: BookKey, as_of: Period) -> impl Future<Output = Result<Vec<AgingRow>>> + Send;
        /// The maintained fee figures with event month up to `to`.
        fn flows(&mut self, book: BookKey, to: Option<Period>) -> impl Future<Output = Result<Vec<FlowRow>>> + Send;
        /// The figures of the allocations (paid, waived, cancelled) recomputed from them, for
        /// `verify`; the billed ones come from its one pass over the bills (`fees::seal::verify`).
        fn flows_recomputed(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<FlowRow>>> + Send;
        /// What all allocations on the book's bills sum to, and the bills they settle past their
        /// amount or below zero: (bill, amount, allocated).
        fn allocated_on_bills(&mut self, book: BookKey) -> impl Future<Output = Result<(i64, Vec<OverSettled>)>> + Send;
        fn household_bills(&mut self, book: BookKey, household_id: HouseholdId) -> impl Future<Output = Result<Vec<HouseholdBillRow>>> + Send;
        fn household_payments(&mut self, book: BookKey, household_id: HouseholdId) -> impl Future<Output = Result<Vec<PaymentRow>>> + Send;
        /// Every bill of months before `before` with something still owed: (household, month,
        /// open fen). One pass over the book's bills and allocations, for a list of households in
        /// arrears (催缴) rather than one household's bills.
        fn overdue_bills(&mut self, book: BookKey, before: Period) -> impl Future<Output = Result<Vec<(HouseholdId, Period, i64)>>> + Send;
        /// What the book billed for `period` per building and fee item (building, item id, fen).
        fn billed_by_building_item(
            &mut self,
            book: BookKey,
            period: Period,
        ) -> impl Future<Output = Result<Vec<(String, FeeItemId, i64)>>> + Send;
        /// What the household was billed for its latest billed month (all items), if any.
        fn last_month_billed(&mut self, book: BookKey, household_id: HouseholdId) -> impl Future<Output = Result<Option<i64>>> + Send;
        /// Money received by building and month, payments less voids (each in its void's month),
        /// for the prepayments (预收) the collection report shows.
        fn received_by_building(&mut self, book: BookKey, to: Period) -> impl Future<Output = Result<Vec<(String, Period, i64)>>> + Send;
        fn household_settlements(
            &mut self,
            book: BookKey,
            household_id: HouseholdId,
        ) -> impl Future<Output = Result<Vec<BillSettlementRow>>> + Send;
        /// (payment id, the void voucher's date) of the household's voided payments.
        fn household_voids(
            &mut self,
            book: BookKey,
            household_id: HouseholdId,
        ) -> impl Future<Output = Result<Vec<(PaymentId, NaiveDate)>>> + Send;
        /// What payments, voids, waivers and billing reversals moved in the subledger, by month
        /// (billed_fen holds only the cancellations; the bills are summed by `verify`'s pass).
        fn subledger_by_period(&mut self, book: BookKey) -> impl Future<Output = Result<Vec<SubledgerPeriodRow>>> + Send;
    }
}

macro_rules! impl_figures_tx {
    ($tx_type:ty) => {
        impl FiguresTx for $tx_type {
            async fn aging_by_household(&mut self, book: BookKey, as_of: Period) -> Result<Vec<AgingRow>> {
                // Months between bill and as-of, from yyyymm integers: the same arithmetic in both engines.
                Ok(sqlx::query_as(
                    "SELECT key, bucket, CAST(SUM(open_fen) AS BIGINT) AS open_fen FROM (
                         SELECT h.building || '-' || h.unit || '-' || h.room AS key,
                                CAST(CASE WHEN age < 3 THEN 0 WHEN age < 6 THEN 1 WHEN age < 12 THEN 2 WHEN age < 24 THEN 3 ELSE 4 END AS BIGINT) AS bucket,
                                open_fen
                         FROM (SELECT b.household_id,
                                      ($3 / 100 * 12 + $3 % 100) - (b.period / 100 * 12 + b.period % 100) AS age,
                                      b.amount_fen - COALESCE((SELECT SUM(a.amount_fen) FROM allocations a
                                                               WHERE a.community_id = $1 AND a.bill_id = b.id AND a.period <= $3), 0) AS open_fen
                               FROM bills b WHERE b.community_id = $1 AND b.book_id = $2 AND b.period <= $3) o
                         JOIN households h ON h.community_id = $1 AND h.id = o.household_id
                         WHERE open_fen > 0) t
                     GROUP BY key, bucket ORDER BY key, bucket",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(as_of)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn flows(&mut self, book: BookKey, to: Option<Period>) -> Result<Vec<FlowRow>> {
                let which = if to.is_some() { "event_period <= $3" } else { "$3 IS NULL" };
                Ok(sqlx::query_as(&format!(
                    "SELECT building, bill_period, event_period, kind, amount_fen FROM receivable_flows
                     WHERE community_id = $1 AND book_id = $2 AND {which} ORDER BY building, bill_period, event_period, kind"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(to)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn flows_recomputed(&mut self, book: BookKey) -> Result<Vec<FlowRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT h.building, b.period AS bill_period, a.period AS event_period, {ALLOCATION_KIND} AS kind,
                            CAST(SUM(a.amount_fen) AS BIGINT) AS amount_fen
                     FROM allocations a JOIN bills b ON b.community_id = a.community_id AND b.id = a.bill_id
                     JOIN households h ON h.community_id = b.community_id AND h.id = b.household_id
                     WHERE b.community_id = $1 AND b.book_id = $2
                     GROUP BY h.building, b.period, a.period, {ALLOCATION_KIND}"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn allocated_on_bills(&mut self, book: BookKey) -> Result<(i64, Vec<OverSettled>)> {
                let total: Option<i64> = sqlx::query_scalar(
                    "SELECT CAST(SUM(a.amount_fen) AS BIGINT) FROM allocations a
                     JOIN bills b ON b.community_id = a.community_id AND b.id = a.bill_id WHERE a.community_id = $1 AND b.book_id = $2",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_one(&mut *self.tx)
                .await?;
                let beyond = sqlx::query_as(
                    "SELECT a.bill_id, b.amount_fen, CAST(SUM(a.amount_fen) AS BIGINT)
                     FROM allocations a JOIN bills b ON b.community_id = a.community_id AND b.id = a.bill_id
                     WHERE a.community_id = $1 AND b.book_id = $2
                     GROUP BY a.bill_id, b.amount_fen HAVING SUM(a.amount_fen) > b.amount_fen OR SUM(a.amount_fen) < 0
                     ORDER BY a.bill_id",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok((total.unwrap_or(0), beyond))
            }
            async fn household_bills(&mut self, book: BookKey, household_id: HouseholdId) -> Result<Vec<HouseholdBillRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT b.id AS bill_id, b.period, f.name AS fee_item, {UNIT_CODE_OF_B}, b.amount_fen, f.late_fee_ppm_per_day, f.late_fee_cap_percent
                     FROM bills b JOIN fee_items f ON f.community_id = b.community_id AND f.id = b.fee_item_id
                     WHERE b.community_id = $1 AND b.book_id = $2 AND b.household_id = $3 ORDER BY b.period, b.id",
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn household_payments(&mut self, book: BookKey, household_id: HouseholdId) -> Result<Vec<PaymentRow>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT {PAYMENT_COLUMNS} FROM payments WHERE community_id = $1 AND book_id = $2 AND household_id = $3 ORDER BY paid_on, id"
                ))
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn overdue_bills(&mut self, book: BookKey, before: Period) -> Result<Vec<(HouseholdId, Period, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT b.household_id, b.period, b.amount_fen - COALESCE(s.settled_fen, 0)
                     FROM bills b
                     LEFT JOIN (SELECT a.bill_id, CAST(SUM(a.amount_fen) AS BIGINT) AS settled_fen FROM allocations a
                                WHERE a.community_id = $1 GROUP BY a.bill_id) s ON s.bill_id = b.id
                     WHERE b.community_id = $1 AND b.book_id = $2 AND b.period < $3 AND b.amount_fen > COALESCE(s.settled_fen, 0)",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(before)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn billed_by_building_item(&mut self, book: BookKey, period: Period) -> Result<Vec<(String, FeeItemId, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT h.building, b.fee_item_id, CAST(SUM(b.amount_fen) AS BIGINT) FROM bills b
                     JOIN households h ON h.community_id = b.community_id AND h.id = b.household_id
                     WHERE b.community_id = $1 AND b.book_id = $2 AND b.period = $3 AND h.community_id = $1
                     GROUP BY h.building, b.fee_item_id",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(period)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn last_month_billed(&mut self, book: BookKey, household_id: HouseholdId) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "SELECT CAST(SUM(amount_fen) AS BIGINT) FROM bills WHERE community_id = $1 AND book_id = $2 AND household_id = $3
                       AND period = (SELECT MAX(period) FROM bills WHERE community_id = $1 AND book_id = $2 AND household_id = $3)"
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(household_id)
                .fetch_one(&mut *self.tx)
                .await?)
            }
            async fn received_by_building(&mut self, book: BookKey, to: Period) -> Result<Vec<(String, Period, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT building, period, CAST(SUM(amount_fen) AS BIGINT) FROM (
                         SELECT h.building, p.period, p.amount_fen FROM payments p
                         JOIN households h ON h.community_id = p.community_id AND h.id = p.household_id
                         WHERE p.community_id = $1 AND p.book_id = $2 AND p.period <= $3
                         UNION ALL
                         SELECT h.building, v.period, -p.amount_fen FROM payment_voids v
                         JOIN payments p ON p.community_id = v.community_id AND p.id = v.payment_id
                         JOIN households h ON h.community_id = p.community_id AND h.id = p.household_id
                         WHERE v.community_id = $1 AND p.book_id = $2 AND v.period <= $3) r
                     GROUP BY building, period",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(to)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn household_settlements(&mut self, book: BookKey, household_id: HouseholdId) -> Result<Vec<BillSettlementRow>> {
                Ok(sqlx::query_as(
                    "SELECT a.bill_id, a.payment_id, a.waiver_id IS NOT NULL AS is_waiver,
                            a.reversal_id IS NOT NULL AND a.payment_id IS NULL AS is_cancellation, a.amount_fen, a.period,
                            p.paid_on, p.period AS payment_period, COALESCE(vv.voucher_date, wv.voucher_date, rv.voucher_date) AS voucher_date
                     FROM allocations a
                     JOIN bills b ON b.community_id = a.community_id AND b.id = a.bill_id
                     LEFT JOIN payments p ON p.community_id = a.community_id AND p.id = a.payment_id
                     LEFT JOIN payment_voids pv ON pv.community_id = a.community_id AND pv.id = a.void_id
                     LEFT JOIN vouchers vv ON vv.community_id = pv.community_id AND vv.id = pv.voucher_id
                     LEFT JOIN waivers w ON w.community_id = a.community_id AND w.id = a.waiver_id
                     LEFT JOIN vouchers wv ON wv.community_id = w.community_id AND wv.id = w.voucher_id
                     LEFT JOIN billing_reversals r ON r.community_id = a.community_id AND r.id = a.reversal_id
                     LEFT JOIN vouchers rv ON rv.community_id = r.community_id AND rv.id = r.voucher_id
                     WHERE a.community_id = $1 AND b.book_id = $2 AND b.household_id = $3",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn household_voids(&mut self, book: BookKey, household_id: HouseholdId) -> Result<Vec<(PaymentId, NaiveDate)>> {
                Ok(sqlx::query_as(
                    "SELECT pv.payment_id, v.voucher_date FROM payment_voids pv
                     JOIN payments p ON p.community_id = pv.community_id AND p.id = pv.payment_id
                     JOIN vouchers v ON v.community_id = pv.community_id AND v.id = pv.voucher_id
                     WHERE pv.community_id = $1 AND p.book_id = $2 AND p.household_id = $3",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .bind(household_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }
            async fn subledger_by_period(&mut self, book: BookKey) -> Result<Vec<SubledgerPeriodRow>> {
                Ok(sqlx::query_as(
                    "SELECT period, CAST(SUM(billed) AS BIGINT) AS billed_fen, CAST(SUM(paid) AS BIGINT) AS paid_fen,
                            CAST(SUM(waived) AS BIGINT) AS waived_fen, CAST(SUM(pending) AS BIGINT) AS pending_fen
                     FROM (SELECT p.period, 0 AS billed, p.amount_fen AS paid, 0 AS waived, CASE WHEN v.status = 'posted' THEN 0 ELSE p.amount_fen END AS pending
                                     FROM payments p JOIN vouchers v ON v.community_id = p.community_id AND v.id = p.voucher_id
                                     WHERE p.community_id = $1 AND p.book_id = $2
                           UNION ALL SELECT v.period, 0, -p.amount_fen, 0, CASE WHEN w.status = 'posted' THEN 0 ELSE -p.amount_fen END
                                     FROM payment_voids v
                                     JOIN payments p ON p.community_id = v.community_id AND p.id = v.payment_id
                                     JOIN vouchers w ON w.community_id = v.community_id AND w.id = v.voucher_id
                                     WHERE v.community_id = $1 AND p.book_id = $2
                           UNION ALL SELECT w.period, 0, 0, w.amount_fen, 0 FROM waivers w
                                     JOIN bills b ON b.community_id = w.community_id AND b.id = w.bill_id
                                     WHERE w.community_id = $1 AND b.book_id = $2
                           UNION ALL SELECT a.period, -a.amount_fen, 0, 0, 0 FROM billing_reversals r
                                     JOIN allocations a ON a.community_id = r.community_id AND a.reversal_id = r.id
                                     WHERE r.community_id = $1 AND r.book_id = $2 AND a.payment_id IS NULL) t
                     GROUP BY period ORDER BY period",
                )
                .bind(book.community_id)
                .bind(book.book_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }
        }
    };
}

impl_figures_tx!(SqliteTx);
impl_figures_tx!(PgTx);
