//! 冲销计费: a wrong billing run, or one household's bills of it, is undone by a red-ink
//! reversal and the month billed again. Bills stay as they were: each is cancelled by an
//! allocation that names the reversal, and what payments had settled of it goes back to their
//! prepayment (预收), from which the month's new bills are settled when they are billed.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};

use crate::domain::ids::{AccountId, BillId, BillingRunId, FeeItemId, HouseholdId, PaymentId, ReversalId, VoucherId};
use crate::domain::money::Fen;
use crate::domain::natural::Natural;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::rows::{AllocationRow, BillPaymentRow, BillingRunRow, HouseholdRow, NewBillingReversal, RunBillRow};
use crate::fees::seal::{AllocationSeal, ReversalSeal, Source, SubledgerRows};
use crate::fees::settle::{write_settlements, Settlement};
use crate::fees::store::FeesStore;
use crate::fees::store::{BillingRunsTx, FeesTx};
use crate::fees::vat::output_tax_account;
use crate::fees::{check_reason, fee_accounts, household_label, undo_entry, Fees, SYSTEM_MAKER};
use crate::ledger::account::FeeAccounts;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput, VoucherKind};
use crate::ledger::{check_person, describe, post_approved, ApprovedVoucher, Book};
use crate::store::Tx;

/// A reversal just recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BillingReversal {
    pub id: ReversalId,
    pub run: BillingRunId,
    pub period: String,
    pub bills: usize,
    pub total: Fen,
    /// What payments had settled of the cancelled bills, back in their prepayment.
    pub back_to_prepayment: Fen,
    /// "2025-03 记-0042"
    pub voucher: String,
}

/// What one reversal does, worked out before anything is written (pure).
struct Plan<'a> {
    cancelled: Vec<&'a RunBillRow>,
    hand_backs: Vec<&'a BillPaymentRow>,
    total_fen: i64,
    back_fen: i64,
}

impl<S: FeesStore> Fees<S> {
    /// The book's billing runs, oldest first, with what reversals cancelled of each and the
    /// run's voucher ("2025-03 记-0012"; "—" for a run made before runs kept theirs).
    pub async fn billing_runs(&self, book: &Book) -> Result<Vec<(BillingRunRow, String)>> {
        let mut tx = self.store().read().await?;
        let mut out = Vec::new();
        for run in tx.billing_runs(book.key(), None).await? {
            let voucher = match run.voucher_id {
                Some(id) => tx.voucher(book.key(), id).await?.map_or_else(|| format!("#{id}"), |v| describe(&v)),
                None => "—".into(),
            };
            out.push((run, voucher));
        }
        Ok(out)
    }

    /// 冲销计费: cancels the live bills of billing run `run_id` (only `household`'s, when
    /// given) by one voucher dated `date`: the run's voucher reversed in red when every bill
    /// of the run goes, otherwise the opposite entry in blue (借 the revenue / 贷 应收账款) per
    /// building and fee item; the payments' settlements of those bills are handed back to
    /// 预收账款. A bill with a waiver is refused (the waiver would be lost): it stays as it is.
    /// The month can then be billed again; the new bills are the next issue.
    pub async fn reverse_billing(
        &self,
        book: &Book,
        run_id: BillingRunId,
        household: Option<HouseholdId>,
        reason: &str,
        approver: &str,
        date: NaiveDate,
    ) -> Result<BillingReversal> {
        let accounts = fee_accounts(book)?;
        let reason = check_reason("冲销原因", reason)?;
        let approver = check_person("审批人", approver)?;
        let mut tx = self.store().begin().await?;
        // The book's row first (as payments and billing take it), so that two reversals, or a
        // reversal and a payment, do not plan on the same bills at once.
        tx.claim_chain(book.key(), 0, 0).await?;
        let RunRead { run, households, bills, payments, items } = read_run(&mut tx, book, run_id, household, date).await?;
        let scope = match household {
            Some(h) => format!("计费批次 #{run_id} 中 {} 的账单", name_of(&households, h)),
            None => format!("计费批次 #{run_id} 的账单"),
        };
        let plan = plan(&bills, &payments).map_err(|waived| refuse_waived(&scope, &waived, run.period, &households, &items))?;
        refuse_unreversible(&plan, &bills, &scope, date)?;
        // A reversal of every bill of the run reverses its voucher as a whole, in red (the
        // ledger reverses a voucher once); a part of it (one household, or the rest after one)
        // is the opposite entry in blue (借 revenue / 贷 应收), as a waiver is.
        let whole = household.is_none() && plan.cancelled.len() == bills.len() && run.voucher_id.is_some();
        let lines = undo_lines(book, &accounts, &run, &plan, &households, &items, household, reason, whole)?;
        let period = Period::of_date(date);
        let sealed = reversal_rows(run_id, household, &plan, reason, approver, period);
        let voucher = reversal_voucher(date, lines, approver, &sealed, run.voucher_id.filter(|_| whole));
        let posted = post_approved(&mut tx, book, approver, std::slice::from_ref(&voucher)).await?;
        let reversal = NewBillingReversal {
            book: book.key(),
            billing_run_id: run_id,
            household_id: household,
            bills: plan.cancelled.len() as i64,
            total_fen: plan.total_fen,
            reason,
            approver,
            period,
            voucher_id: posted[0].voucher_id,
            created_at: Utc::now(),
        };
        let reversal_id = tx.insert_billing_reversal(&reversal).await?;
        let written = Written { reversal_id, voucher_id: posted[0].voucher_id, period };
        write_settlements(&mut tx, book, &settlements(&plan, &bills, &households, &run, &written)).await?;
        tx.commit().await?;
        Ok(BillingReversal {
            id: reversal_id,
            run: run_id,
            period: run.period.to_string(),
            bills: plan.cancelled.len(),
            total: Fen(plan.total_fen),
            back_to_prepayment: Fen(plan.back_fen),
            voucher: posted[0].label.clone(),
        })
    }
}

/// What a reversal reads before it plans: the run, the community's households, the run's
/// bills (one household's, when given) and what payments settled of them, and the fee items
/// as (name, revenue account) by id.
struct RunRead {
    run: BillingRunRow,
    households: HashMap<HouseholdId, HouseholdRow>,
    bills: Vec<RunBillRow>,
    payments: Vec<BillPaymentRow>,
    items: HashMap<FeeItemId, (String, AccountId)>,
}

/// Reads the run to reverse, refusing a reversal dated before the run's billing day.
async fn read_run<T: FeesTx>(
    tx: &mut T,
    book: &Book,
    run_id: BillingRunId,
    household: Option<HouseholdId>,
    date: NaiveDate,
) -> Result<RunRead> {
    let run = tx.billing_runs(book.key(), Some(run_id)).await?.pop().ok_or_else(|| Error::not_found(format!("计费批次 #{run_id}")))?;
    if date < run.period.first_day() {
        return Err(Error::invalid("冲销日期", format!("{date} 早于计费批次 #{run_id} 的计费日 {}", run.period.first_day())));
    }
    let households: HashMap<HouseholdId, HouseholdRow> =
        tx.households(book.row.community_id).await?.into_iter().map(|h| (h.id, h)).collect();
    let bills = tx.run_bills(book.key(), run.period, run_id, household).await?;
    let payments = tx.run_bill_payments(book.key(), run.period, run_id, household).await?;
    let items: HashMap<FeeItemId, (String, AccountId)> =
        tx.fee_items(book.key()).await?.into_iter().map(|f| (f.id, (f.name, f.revenue_account_id))).collect();
    Ok(RunRead { run, households, bills, payments, items })
}

/// "1-1-101", or "住户 #7" for a household not among them.
fn name_of(households: &HashMap<HouseholdId, HouseholdRow>, id: HouseholdId) -> String {
    households.get(&id).map_or_else(|| format!("住户 #{id}"), household_label)
}

/// The refusal of a reversal of waived bills, each named (pure).
fn refuse_waived(
    scope: &str,
    waived: &[&RunBillRow],
    run_period: Period,
    households: &HashMap<HouseholdId, HouseholdRow>,
    items: &HashMap<FeeItemId, (String, AccountId)>,
) -> Error {
    let item_name = |id: FeeItemId| items.get(&id).map_or("?", |(name, _)| name.as_str());
    let list: Vec<String> = waived
        .iter()
        .map(|b| {
            format!(
                "账单 #{}（{} {} {}）已减免 {}",
                b.id,
                name_of(households, b.household_id),
                run_period,
                item_name(b.fee_item_id),
                Fen(b.waived_fen)
            )
        })
        .collect();
    Error::Conflict(format!("{scope}中有已减免的，不能冲销：{}", list.join("；")))
}

/// Refuses a reversal with nothing left to cancel, or dated before a payment it hands back
/// (pure).
fn refuse_unreversible(plan: &Plan<'_>, bills: &[RunBillRow], scope: &str, date: NaiveDate) -> Result<()> {
    // The hand-back is dated on the reversal: not before the payments it hands back.
    if let Some(last) = plan.hand_backs.iter().map(|p| p.paid_on).max().filter(|d| *d > date) {
        return Err(Error::invalid("冲销日期", format!("{date} 早于所冲销账单的收款日期 {last}")));
    }
    if plan.cancelled.is_empty() {
        let why = if bills.is_empty() { "不存在" } else { "已全部冲销" };
        return Err(Error::Conflict(format!("{scope}{why}")));
    }
    Ok(())
}

/// The reversal's voucher: a red reversal of the run's voucher when it `reverses` it whole,
/// else a normal entry.
fn reversal_voucher(
    date: NaiveDate,
    lines: Vec<LineInput>,
    approver: &str,
    sealed: &SubledgerRows,
    reverses: Option<VoucherId>,
) -> ApprovedVoucher {
    ApprovedVoucher {
        input: VoucherInput { date, attachments: 1, lines },
        kind: if reverses.is_some() { VoucherKind::Reversal } else { VoucherKind::Normal },
        maker: SYSTEM_MAKER.into(),
        reviewer: approver.into(),
        reverses_id: reverses,
        subledger: sealed.digest(),
    }
}

/// What the reversal wrote before its settlements: the reversal, its voucher and its month.
struct Written {
    reversal_id: ReversalId,
    voucher_id: VoucherId,
    period: Period,
}

/// The reversal's allocations (pure), each with its bill's building and month, on the
/// reversal's voucher.
fn settlements(
    plan: &Plan<'_>,
    bills: &[RunBillRow],
    households: &HashMap<HouseholdId, HouseholdRow>,
    run: &BillingRunRow,
    written: &Written,
) -> Vec<Settlement> {
    let household_of: HashMap<BillId, HouseholdId> = bills.iter().map(|b| (b.id, b.household_id)).collect();
    let building = |bill_id: BillId| households.get(&household_of[&bill_id]).map(|h| h.building.clone()).unwrap_or_default();
    let settlement = |bill_id: BillId, payment_id: Option<PaymentId>, amount_fen: i64| Settlement {
        allocation: AllocationRow {
            bill_id,
            payment_id,
            waiver_id: None,
            void_id: None,
            amount_fen,
            period: written.period,
            reversal_id: Some(written.reversal_id),
        },
        building: building(bill_id),
        bill_period: run.period,
        voucher_id: written.voucher_id,
    };
    // Hand-backs first, so each bill is whole again when its cancellation closes it.
    let mut settlements: Vec<Settlement> =
        plan.hand_backs.iter().map(|p| settlement(p.bill_id, Some(p.payment_id), -p.amount_fen)).collect();
    settlements.extend(plan.cancelled.iter().map(|b| settlement(b.id, None, b.amount_fen)));
    settlements
}

/// The live bills to cancel and the settlements to hand back (pure); the waived live bills
/// when there are any, which stop the reversal.
fn plan<'a>(bills: &'a [RunBillRow], payments: &'a [BillPaymentRow]) -> std::result::Result<Plan<'a>, Vec<&'a RunBillRow>> {
    let live: Vec<&RunBillRow> = bills.iter().filter(|b| b.cancelled_fen == 0).collect();
    let waived: Vec<&RunBillRow> = live.iter().copied().filter(|b| b.waived_fen > 0).collect();
    if !waived.is_empty() {
        return Err(waived);
    }
    let hand_backs: Vec<&BillPaymentRow> = payments.iter().filter(|p| live.iter().any(|b| b.id == p.bill_id)).collect();
    Ok(Plan {
        total_fen: live.iter().map(|b| b.amount_fen).sum(),
        back_fen: hand_backs.iter().map(|p| p.amount_fen).sum(),
        cancelled: live,
        hand_backs,
    })
}

/// What the reversal's voucher seals (pure): the reversal, then its allocations in the order
/// written (hand-backs first, then the cancellations).
fn reversal_rows(
    run_id: BillingRunId,
    household: Option<HouseholdId>,
    plan: &Plan<'_>,
    reason: &str,
    approver: &str,
    period: Period,
) -> SubledgerRows {
    let backs =
        plan.hand_backs.iter().map(|p| AllocationSeal::new(p.bill_id, Source::Undo, Some(p.receipt_number), -p.amount_fen, period.key()));
    let cancels = plan.cancelled.iter().map(|b| AllocationSeal::new(b.id, Source::Cancel, None, b.amount_fen, period.key()));
    SubledgerRows {
        allocations: backs.chain(cancels).collect(),
        reversals: vec![ReversalSeal {
            voucher_id: VoucherId(0),
            billing_run_id: run_id,
            household_id: household,
            bills: plan.cancelled.len() as i64,
            total_fen: plan.total_fen,
            reason: reason.to_string(),
            approver: approver.to_string(),
            period: period.key(),
        }],
        ..SubledgerRows::default()
    }
}

/// The lines that undo the run's lines for the cancelled bills (借 应收 / 贷 revenue per
/// building and item) and hand back what was settled of them (the opposite of a prepayment
/// applied, 借 预收 / 贷 应收): in red on the same sides, or in blue on the opposite ones.
#[allow(clippy::too_many_arguments)]
fn undo_lines(
    book: &Book,
    accounts: &FeeAccounts,
    run: &BillingRunRow,
    plan: &Plan<'_>,
    households: &HashMap<HouseholdId, HouseholdRow>,
    items: &HashMap<FeeItemId, (String, AccountId)>,
    household: Option<HouseholdId>,
    reason: &str,
    red: bool,
) -> Result<Vec<LineInput>> {
    // (building, item) → (amount, output tax)
    let mut per_building_item: BTreeMap<(Natural, FeeItemId), (i64, i64)> = BTreeMap::new();
    for b in &plan.cancelled {
        let building = households.get(&b.household_id).map(|h| h.building.clone()).unwrap_or_default();
        let sum = per_building_item.entry((Natural(building), b.fee_item_id)).or_default();
        sum.0 += b.amount_fen;
        sum.1 += b.tax_fen;
    }
    let whose = household.and_then(|h| households.get(&h)).map(|h| format!(" {}", household_label(h))).unwrap_or_default();
    let dims = |fee_item_id: Option<FeeItemId>| Dimensions { fee_item_id, household_id: household, ..Dimensions::default() };
    let mut lines = Vec::with_capacity(3 * per_building_item.len() + 2);
    // Each entry as the run wrote it.
    for ((Natural(building), item_id), (fen, tax_fen)) in &per_building_item {
        let (name, revenue_id) = items.get(item_id).ok_or_else(|| Error::not_found(format!("收费项目 #{item_id}")))?;
        let summary = format!("冲销计费#{} {} {name} {building}栋{whose}：{reason}", run.id, run.period);
        let mut entry = vec![(accounts.receivable.as_str(), *fen, 0), (book.code_of(*revenue_id)?, 0, fen - tax_fen)];
        if *tax_fen > 0 {
            entry.push((output_tax_account(book), 0, *tax_fen));
        }
        lines.extend(undo_entry(&summary, &dims(Some(*item_id)), &entry, red));
    }
    if plan.back_fen > 0 {
        let summary = format!("冲销计费#{} {}{whose} 已收款退回预收", run.id, run.period);
        let entry = [(accounts.advance.as_str(), plan.back_fen, 0), (accounts.receivable.as_str(), 0, plan.back_fen)];
        lines.extend(undo_entry(&summary, &dims(None), &entry, red));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bill(id: i64, amount_fen: i64, waived_fen: i64, cancelled_fen: i64) -> RunBillRow {
        RunBillRow {
            id: BillId(id),
            household_id: HouseholdId(1),
            fee_item_id: FeeItemId(1),
            amount_fen,
            tax_fen: 0,
            waived_fen,
            cancelled_fen,
        }
    }

    #[test]
    fn a_reversal_cancels_the_live_bills_hands_back_their_payments_and_stops_at_a_waiver() {
        let bills = [bill(1, 1000, 0, 0), bill(2, 500, 0, 500), bill(3, 700, 0, 0)];
        let payments = [(1, 400), (2, 100)].map(|(bill_id, amount_fen)| BillPaymentRow {
            bill_id: BillId(bill_id),
            payment_id: PaymentId(9),
            receipt_number: 9,
            amount_fen,
            paid_on: NaiveDate::MIN,
        });
        let p = plan(&bills, &payments).unwrap();
        assert_eq!(p.cancelled.iter().map(|b| b.id).collect::<Vec<_>>(), vec![BillId(1), BillId(3)], "bill 2 was cancelled before");
        assert_eq!((p.total_fen, p.back_fen), (1700, 400));
        let waived = [bill(1, 1000, 0, 0), bill(4, 800, 50, 0)];
        assert_eq!(plan(&waived, &[]).err().unwrap().iter().map(|b| b.id).collect::<Vec<_>>(), vec![BillId(4)]);
    }
}
