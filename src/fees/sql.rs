//! SQL the fee wing's statements share (`fees::store` writes, `fees::figures` reads): the
//! columns of a payment, what an allocation is, a bill's unit code, what is still open. Every
//! statement using them binds the community as $1, and each subquery here names it as $1
//! itself: on Citus a statement runs on the community's shard alone only when every table in
//! it, subqueries included, is filtered by the community directly (a correlated
//! `x.community_id = y.community_id` does not carry into a subquery).

use crate::domain::ids::HouseholdId;

/// A payment as `PaymentRow` reads it, with whether a void stands against it.
pub(crate) const PAYMENT_COLUMNS: &str =
    "id, household_id, idempotency_key, method, amount_fen, paid_on, receipt_number, voucher_id, cashier, settled_fen, \
     reference, remark, late_reason, created_at, \
     EXISTS (SELECT 1 FROM payment_voids v WHERE v.community_id = $1 AND v.payment_id = payments.id) AS voided";
/// A cancellation of bill `b` by a billing reversal (the one allocation with a reversal and no payment).
pub(crate) const CANCELLATION_OF_B: &str = "SELECT 1 FROM allocations c WHERE c.community_id = $1 AND c.bill_id = b.id \
     AND c.reversal_id IS NOT NULL AND c.payment_id IS NULL";
/// The figure an allocation `a` moves (`FlowKind`, as stored).
pub(crate) const ALLOCATION_KIND: &str =
    "CASE WHEN a.payment_id IS NOT NULL THEN 'paid' WHEN a.waiver_id IS NOT NULL THEN 'waived' ELSE 'cancelled' END";
/// The code of the unit bill `b` is for (NULL for a household's own bill), read only for the
/// bills of units.
pub(crate) const UNIT_CODE_OF_B: &str = "CASE WHEN b.unit_id IS NULL THEN NULL ELSE \
     (SELECT u.code FROM units u WHERE u.community_id = $1 AND u.id = b.unit_id) END AS unit_code";
/// Bills of the community that `filter` picks, each with what is still open on it, summed by a
/// subquery per bill: for one household, a few, or one bill, SQLite (without statistics) then
/// reads the bills by the households' index; a GROUP BY bill id over a join would have it scan
/// the community's bills in id order instead.
pub(crate) fn bills_with_open_fen(filter: &str) -> String {
    format!(
        "SELECT b.id, b.household_id, b.fee_item_id, f.name AS fee_item_name, {UNIT_CODE_OF_B}, b.period, b.amount_fen,
                b.amount_fen - CAST(COALESCE((SELECT SUM(a.amount_fen) FROM allocations a
                                              WHERE a.community_id = $1 AND a.bill_id = b.id), 0) AS BIGINT) AS open_fen
         FROM bills b JOIN fee_items f ON f.community_id = b.community_id AND f.id = b.fee_item_id
         WHERE b.community_id = $1 AND {filter}"
    )
}

/// The open ones of `bills_with_open_fen(filter)`, by household, month and item.
pub(crate) fn open_bills_where(filter: &str) -> String {
    format!("SELECT * FROM ({}) o WHERE open_fen > 0 ORDER BY household_id, period, fee_item_id", bills_with_open_fen(filter))
}

/// Household ids for `IN (…)`, and those of them to bind in order (none for literals, whose
/// statement is then not kept either). Up to KEPT_ID_LIST ids are
/// placeholders from `$first`: the statement's text then depends only on how many there are,
/// so its prepared statement is kept and used again. Written as literals, every payment batch
/// was a statement never seen before, parsed and planned each time (on PostgreSQL 0.55 ms for
/// the open bills alone), and it pushed the statements kept beside it out of the cache. A
/// longer list (a billing run's thousands, each of its own length) stays literals, the
/// database's own integers, rather than thousands of parameters, prepared for the one use.
pub(crate) fn id_list(first: usize, ids: &[HouseholdId]) -> (String, &[HouseholdId]) {
    if ids.len() <= KEPT_ID_LIST {
        ((first..first + ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(","), ids)
    } else {
        (crate::store::id_literals(ids.iter().map(|h| h.0)), &[])
    }
}

/// The payments with money not yet allocated to a bill (预收), of the households `which`
/// selects ($1 community, $2 book).
pub(crate) fn prepayments_where(which: &str) -> String {
    format!(
        "SELECT p.household_id, p.id AS payment_id, p.receipt_number, p.paid_on, p.amount_fen - CAST(COALESCE(SUM(a.amount_fen), 0) AS BIGINT) AS left_fen
         FROM payments p LEFT JOIN allocations a ON a.community_id = p.community_id AND a.payment_id = p.id
         WHERE p.community_id = $1 AND p.book_id = $2 AND {which}
           AND NOT EXISTS (SELECT 1 FROM payment_voids v WHERE v.community_id = $1 AND v.payment_id = p.id)
         GROUP BY p.id, p.household_id, p.receipt_number, p.paid_on, p.amount_fen
         HAVING p.amount_fen > COALESCE(SUM(a.amount_fen), 0)
         ORDER BY p.household_id, p.id"
    )
}

/// The longest list of ids a kept statement takes: a group commit's payments (64 at most).
pub(crate) const KEPT_ID_LIST: usize = 64;

pub(crate) const HOUSEHOLD_COLUMNS: &str = "id, building, unit, room, area_m2_hundredths, kind, owner_name, phone, move_in_date";
