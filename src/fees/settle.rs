//! The one place that writes bills and what settles them (allocations), each together with the
//! maintained per-building figures (`receivable_flows`) that the aging and collection reports
//! read and `verify` recomputes. Billing, payments, waivers and voids all come through here, so
//! the figures cannot drift from the rows.

use std::collections::BTreeMap;

use crate::domain::ids::{BillingRunId, BookKey, CommunityId, VoucherId};
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::rows::{AllocationRow, FlowRow, NewBill};
use crate::fees::rules::FlowKind;
use crate::fees::store::FeesTx;
use crate::ledger::Book;

/// An allocation, with the building and month of the bill it settles (or reopens), and the
/// voucher it is written with, which seals it (`fees::seal`).
pub(crate) struct Settlement {
    pub allocation: AllocationRow,
    pub building: String,
    pub bill_period: Period,
    pub voucher_id: VoucherId,
}

/// Writes a billing run's bills and adds them to the figures (`billed`, by building).
pub(crate) async fn write_bills<T: FeesTx>(
    tx: &mut T,
    book: &Book,
    run_id: BillingRunId,
    bills: &[NewBill],
    billed_by_building: impl IntoIterator<Item = (String, Period, i64)>,
) -> Result<()> {
    tx.insert_bills(book.key(), run_id, bills).await?;
    let billed = billed_by_building.into_iter().map(|(building, period, fen)| (FlowKind::Billed, building, period, period, fen));
    tx.add_flows(&flows(billed).into_iter().map(|f| (book.key(), f)).collect::<Vec<_>>()).await
}

/// Writes allocations and adds them to the figures: `paid` for a payment's (negative for a
/// void's or a reversal's hand-back), `waived` for a waiver's, `cancelled` for a reversal's
/// cancellation, in the allocation's month.
pub(crate) async fn write_settlements<T: FeesTx>(tx: &mut T, book: &Book, settlements: &[Settlement]) -> Result<()> {
    write_settlements_of(tx, &[(book, settlements)]).await
}

/// `write_settlements` for the settlements of several books (a transaction of several
/// communities' payments): one statement of each kind for all of them.
pub(crate) async fn write_settlements_of<T: FeesTx>(tx: &mut T, settlements: &[(&Book, &[Settlement])]) -> Result<()> {
    let rows: Vec<(CommunityId, VoucherId, &AllocationRow)> =
        settlements.iter().flat_map(|(book, each)| each.iter().map(|s| (book.row.community_id, s.voucher_id, &s.allocation))).collect();
    tx.insert_allocations(&rows).await?;
    let sums: Vec<(BookKey, FlowRow)> = settlements
        .iter()
        .flat_map(|(book, each)| {
            let parts =
                each.iter().map(|s| (s.allocation.kind(), s.building.clone(), s.bill_period, s.allocation.period, s.allocation.amount_fen));
            flows(parts).into_iter().map(|f| (book.key(), f))
        })
        .collect();
    tx.add_flows(&sums).await
}

/// Sums (kind, building, bill month, event month, amount) into one row per key, as a
/// multi-row upsert requires.
fn flows(parts: impl IntoIterator<Item = (FlowKind, String, Period, Period, i64)>) -> Vec<FlowRow> {
    let mut sums: BTreeMap<(FlowKind, String, Period, Period), i64> = BTreeMap::new();
    for (kind, building, bill_period, event_period, fen) in parts {
        *sums.entry((kind, building, bill_period, event_period)).or_default() += fen;
    }
    sums.into_iter()
        .map(|((kind, building, bill_period, event_period), amount_fen)| FlowRow { building, bill_period, event_period, kind, amount_fen })
        .collect()
}
