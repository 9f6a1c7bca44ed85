//! 收款: payments with numbered receipts, once per idempotency key; receipts rebuilt for
//! reprinting.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};

use crate::domain::capital::capital_amount;
use crate::domain::ids::HouseholdId;
use crate::domain::limits::MAX_AMOUNT_FEN;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::rows::{AllocationRow, HouseholdRow, NewPayment, OpenBillRow, PaymentRow, PrepaymentRow};
use crate::fees::rules::{allocate_oldest_first, OpenBill};
use crate::fees::settle::{write_settlements, Settlement};
use crate::fees::store::FeesStore;
use crate::fees::store::FeesTx;
use crate::fees::{fee_accounts, household_label, receipt_label, Fees, Method, PaymentRequest, Receipt, SettledBill, SYSTEM_MAKER};
use crate::ledger::account::{AccountCode, FeeAccounts};
use crate::ledger::daily::{extend_system_draft, start_system_draft};
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::VoucherStatus;
use crate::ledger::voucher::{Dimensions, LineInput, PeriodStatus, VoucherInput, VoucherKind};
use crate::ledger::{describe, Book, PaymentVouchers};
use crate::store::Tx;

/// What a receipt names as its voucher until the day's close posts it.
pub const PENDING_DAY_CLOSE: &str = "待日结";

/// What a group commit writes in its own transaction after its payments and before it
/// commits (the server's audit entries), so that a payment and what goes with it are written
/// together or not at all. Given the new receipts, in the order of the requests (None for one
/// not recorded now).
pub trait Alongside<T>: Sync {
    fn write(&self, tx: &mut T, new: &[Option<&Receipt>]) -> impl std::future::Future<Output = Result<()>> + Send;
}

/// Nothing alongside.
impl<T: Send> Alongside<T> for () {
    async fn write(&self, _: &mut T, _: &[Option<&Receipt>]) -> Result<()> {
        Ok(())
    }
}

impl<S: FeesStore> Fees<S> {
    /// 收款: records a payment once per idempotency key, settles open bills (named ones, or
    /// the oldest first), keeps any excess as a prepayment, numbers its receipt and posts its
    /// voucher, all in one transaction. The same key again returns the first receipt.
    pub async fn pay(&self, book: &Book, req: &PaymentRequest<'_>) -> Result<Receipt> {
        let key = checked_key(req)?;
        let recorded = self.record_payment(book, req, key).await;
        self.answer(book, req, key, recorded).await
    }

    /// Records several payments of one book in one transaction (a group commit), all together
    /// with one statement of each kind, or, when one of them is refused, each inside a savepoint
    /// of its own: each keeps its own receipt number and voucher, and one that is refused leaves
    /// the others standing. `alongside` is written in the same transaction. Answers as `pay`
    /// would for each, in order.
    pub async fn pay_many(&self, book: &Book, reqs: &[PaymentRequest<'_>], alongside: &impl Alongside<S::Tx>) -> Vec<Result<Receipt>> {
        let keys: Vec<Result<&str>> = reqs.iter().map(checked_key).collect();
        let recorded = self.record_payments(book, reqs, &keys, alongside).await;
        let mut answers = Vec::with_capacity(reqs.len());
        for ((req, key), recorded) in reqs.iter().zip(keys).zip(recorded) {
            answers.push(match key {
                Ok(key) => self.answer(book, req, key, recorded).await,
                Err(e) => Err(e),
            });
        }
        answers
    }

    /// `recorded` (a new receipt, a key already taken, or a refusal) as the payment's answer:
    /// a repeated request gets its first receipt; a taken key with another request is refused.
    async fn answer(&self, book: &Book, req: &PaymentRequest<'_>, key: &str, recorded: Result<Option<Receipt>>) -> Result<Receipt> {
        if let Ok(Some(receipt)) = recorded {
            return Ok(receipt);
        }
        // The key is taken, or the request fails now: a retry whose first run went through
        // fails on the bills that run settled. Either way the first receipt is the answer, if
        // the request is the same one; the key sent with another payment is refused.
        let mut tx = self.store().read().await?;
        if let Some(existing) = tx.payment_by_key(book.key(), key).await? {
            let differences = request_differences(&existing, req);
            if !differences.is_empty() {
                let mut named = Vec::with_capacity(differences.len());
                for d in differences {
                    named.push(match d {
                        Difference::Household(first, now) => {
                            let first =
                                tx.household(book.row.community_id, first).await?.map_or(format!("#{}", first.0), |h| household_label(&h));
                            let now =
                                tx.household(book.row.community_id, now).await?.map_or(format!("#{}", now.0), |h| household_label(&h));
                            format!("住户 {first} ≠ {now}")
                        }
                        Difference::Other(text) => text,
                    });
                }
                return Err(Error::invalid(
                    "幂等键",
                    format!("{key} 已用于收据{}，与本次请求不同：{}", receipt_label(existing.receipt_number), named.join("；")),
                ));
            }
            return receipt_of(&mut tx, book, &existing).await.map(|r| Receipt { replayed: true, ..r });
        }
        recorded?.ok_or_else(|| Error::invalid("幂等键", format!("{key} 与另一笔收款冲突")))
    }

    /// Records a new payment, or returns None (and writes nothing) if its key is taken. The
    /// common case, a new key, costs no lookup: the payment's own INSERT checks the key.
    async fn record_payment(&self, book: &Book, req: &PaymentRequest<'_>, key: &str) -> Result<Option<Receipt>> {
        let mut tx = self.store().begin().await?;
        let Some(mut receipts) = record_payments_in(&mut tx, book, &[(req, key)]).await? else { return Ok(None) };
        tx.commit().await?;
        Ok(receipts.pop())
    }

    /// The payments of `pay_many` whose keys are sane, each in a savepoint of one transaction.
    async fn record_payments(
        &self,
        book: &Book,
        reqs: &[PaymentRequest<'_>],
        keys: &[Result<&str>],
        alongside: &impl Alongside<S::Tx>,
    ) -> Vec<Result<Option<Receipt>>> {
        if let Some(all) = self.record_all_or_none(book, reqs, keys, alongside).await {
            return all;
        }
        let mut tx = match self.store().begin().await {
            Ok(tx) => tx,
            Err(e) => return reqs.iter().map(|_| Err(Error::Unavailable(format!("无法开始记账，未记录，请重试：{e}")))).collect(),
        };
        let mut recorded = Vec::with_capacity(reqs.len());
        for (req, key) in reqs.iter().zip(keys) {
            let Ok(key) = key else {
                recorded.push(Ok(None));
                continue;
            };
            let one = match tx.savepoint().await {
                Ok(()) => record_payments_in(&mut tx, book, &[(req, key)]).await.map(|r| r.and_then(|mut r| r.pop())),
                Err(e) => Err(e),
            };
            let kept = matches!(one, Ok(Some(_)));
            let closed = if kept { tx.release_savepoint().await } else { tx.rollback_to_savepoint().await };
            recorded.push(closed.and(one));
        }
        let new: Vec<Option<&Receipt>> = recorded.iter().map(|r| r.as_ref().ok().and_then(Option::as_ref)).collect();
        let written = alongside.write(&mut tx, &new).await;
        drop(new);
        // Not committed when what goes alongside failed: dropped, the transaction rolls back.
        let committed = match written {
            Ok(()) => tx.commit().await,
            Err(e) => Err(e),
        };
        if let Err(e) = committed {
            let failed = e.to_string();
            return recorded
                .into_iter()
                .map(|r| r.and_then(|_| Err(Error::Unavailable(format!("记账未能提交，未记录，请重试：{failed}")))))
                .collect();
        }
        recorded
    }
}

impl<S: FeesStore> Fees<S> {
    /// The payments of `reqs` in one transaction without a savepoint each, as nearly every
    /// batch is all new and sound; None, with nothing written, at the first that is not (a
    /// refusal, a key already taken), when the caller records them one savepoint each.
    async fn record_all_or_none(
        &self,
        book: &Book,
        reqs: &[PaymentRequest<'_>],
        keys: &[Result<&str>],
        alongside: &impl Alongside<S::Tx>,
    ) -> Option<Vec<Result<Option<Receipt>>>> {
        let mut batch = Vec::with_capacity(reqs.len());
        for (req, key) in reqs.iter().zip(keys) {
            batch.push((req, *key.as_ref().ok()?));
        }
        let mut tx = self.store().begin().await.ok()?;
        // Dropped unfinished, the transaction rolls back.
        let receipts = record_payments_in(&mut tx, book, &batch).await.ok()??;
        alongside.write(&mut tx, &receipts.iter().map(Some).collect::<Vec<_>>()).await.ok()?;
        tx.commit().await.ok()?;
        Some(receipts.into_iter().map(|r| Ok(Some(r))).collect())
    }
}

/// The idempotency key of a payment, when it and the amount are sane.
fn checked_key<'a>(req: &PaymentRequest<'a>) -> Result<&'a str> {
    let key = req.idempotency_key.trim();
    if key.is_empty() || key.chars().count() > 100 {
        return Err(Error::invalid("幂等键", "须填写，最多100个字符"));
    }
    if req.amount.0 <= 0 {
        return Err(Error::invalid("收款金额", format!("{} 须大于零", req.amount)));
    }
    if !req.amount.within_limit() {
        return Err(Error::invalid("收款金额", format!("{} 超出单笔上限 {}", req.amount, Fen(MAX_AMOUNT_FEN))));
    }
    Ok(key)
}

/// A payment planned against what its household owes (pure work on the rows read): the bills
/// it settles at once, and, by month, those of later months its prepayment settles.
struct Planned<'r, 'a> {
    req: &'r PaymentRequest<'a>,
    key: &'r str,
    household: HouseholdRow,
    /// What the household's prepayments settle first, before the payment's money.
    applied: Vec<Applied>,
    settle: Vec<(OpenBillRow, Fen)>,
    forward: BTreeMap<Period, Vec<(OpenBillRow, Fen)>>,
}

/// A bill a household's earlier prepayment (预收) settles when it next pays.
struct Applied {
    bill: OpenBillRow,
    fen: Fen,
    payment_id: i64,
    receipt_number: i64,
}

impl Planned<'_, '_> {
    fn settled_fen(&self) -> i64 {
        self.settle.iter().map(|(_, f)| f.0).sum()
    }
}

/// Records payments in `tx`, in order, with one statement of each kind for all of them: None,
/// with nothing left to keep, when a key is taken or they are not all one cashier's, who
/// posts their vouchers (the caller then records them one by one). A refusal of any refuses
/// all; one by one, each gets its own.
///
/// A payment settles only bills billed by its date (a month is billed on its first day). What
/// is left is a prepayment; if later months are already billed (the payment was entered
/// late), the prepayment settles them as their billing run would have, by a voucher dated on
/// each one's billing day, so every report as at any date agrees.
///
/// Read and plan (`planned_payments`), draft the vouchers (`drafts_of`), then write the rows
/// built from both (`new_payments`, `settlements_of`, pure).
async fn record_payments_in<T: FeesTx + LedgerTx + crate::store::Tx>(
    tx: &mut T,
    book: &Book,
    reqs: &[(&PaymentRequest<'_>, &str)],
) -> Result<Option<Vec<Receipt>>> {
    let Some(((first, _), rest)) = reqs.split_first() else { return Ok(Some(Vec::new())) };
    if rest.iter().any(|(r, _)| r.cashier != first.cashier) {
        return Ok(None);
    }
    let accounts = fee_accounts(book)?;
    // The book's row first, before anything is read: on PostgreSQL two payments of one
    // household (or a payment and a billing run, a waiver, a void) would otherwise both plan on
    // the same open bills and settle them twice. SQLite's BEGIN IMMEDIATE queues writers already.
    if !tx.writers_take_turns() {
        tx.claim_chain(book.key(), 0, 0).await?;
    }
    let planned = planned_payments(tx, book, reqs).await?;
    let claim = tx.claim_chain(book.key(), 0, planned.len() as i64).await?;
    let first_number = claim.receipts_issued - planned.len() as i64 + 1;
    let numbers: Vec<i64> = (0..planned.len() as i64).map(|i| first_number + i).collect();
    let drafts = drafts_of(tx, book, &accounts, &planned, &numbers).await?;
    let new = new_payments(book, &planned, &numbers, &drafts.own, Utc::now());
    let inserted: HashMap<String, i64> = tx.insert_payments(&new).await?.into_iter().collect();
    if inserted.len() < new.len() {
        return Ok(None);
    }
    write_settlements(tx, book, &settlements_of(&planned, &new, &inserted, &drafts)).await?;
    let receipts = planned
        .into_iter()
        .zip(&numbers)
        .map(|(p, number)| new_receipt(book, p.req, p.household, *number, &p.settle, PENDING_DAY_CLOSE.to_string(), String::new()))
        .collect();
    Ok(Some(receipts))
}

/// Each payment planned on its household's open bills and prepayments, read once for all of
/// them; a payment sees the bills the payments before it left open.
async fn planned_payments<'r, 'a, T: FeesTx + LedgerTx>(
    tx: &mut T,
    book: &Book,
    reqs: &'r [(&'r PaymentRequest<'a>, &'r str)],
) -> Result<Vec<Planned<'r, 'a>>> {
    let ids: Vec<HouseholdId> = reqs.iter().map(|(r, _)| r.household_id).collect();
    let households: HashMap<HouseholdId, HouseholdRow> =
        tx.households_among(book.row.community_id, &ids).await?.into_iter().map(|h| (h.id, h)).collect();
    let mut open: HashMap<HouseholdId, Vec<OpenBillRow>> = HashMap::new();
    for bill in tx.open_bills_of(book.key(), &ids).await? {
        open.entry(bill.household_id).or_default().push(bill);
    }
    let mut held: HashMap<HouseholdId, Vec<PrepaymentRow>> = HashMap::new();
    for p in tx.prepayments_of(book.key(), &ids).await? {
        held.entry(p.household_id).or_default().push(p);
    }
    // The open months only when some payment may settle a later month's bill.
    let may_forward = reqs
        .iter()
        .any(|(r, _)| open.get(&r.household_id).is_some_and(|bills| bills.iter().any(|b| b.period > Period::of_date(r.paid_on))));
    let open_periods = if may_forward { open_periods(tx, book).await? } else { Vec::new() };
    let mut planned = Vec::with_capacity(reqs.len());
    for (req, key) in reqs {
        let household =
            households.get(&req.household_id).cloned().ok_or_else(|| Error::not_found(format!("住户 #{}", req.household_id)))?;
        let bills = open.entry(household.id).or_default();
        let applied = apply_held(bills, held.entry(household.id).or_default(), req.paid_on);
        take_settled(bills, applied.iter().map(|a| (a.bill.id, a.fen)));
        let p = plan(req, key, household, applied, bills, &open_periods)?;
        take_settled(bills, p.settle.iter().chain(p.forward.values().flatten()).map(|(b, f)| (b.id, *f)));
        planned.push(p);
    }
    Ok(planned)
}

/// The draft vouchers of planned payments, each list in the payments' order: the payment's own
/// (or the day's draft it joins), one per later month its prepayment settles, and the one that
/// applies its household's earlier prepayment.
struct Drafts {
    own: Vec<i64>,
    forward: Vec<BTreeMap<Period, i64>>,
    applied: Vec<Option<i64>>,
}

/// 出纳不得兼任稽核 (会计法 第三十七条): a payment's vouchers are drafts that wait for the
/// day's close (日结), where a reviewer who took none of them reviews and posts them. In a book
/// that gathers the day (日结) its lines join the day's draft for its method; otherwise it has a
/// draft of its own. A later month's bills it settles get a draft each, dated there.
async fn drafts_of<T: FeesTx + LedgerTx>(
    tx: &mut T,
    book: &Book,
    accounts: &FeeAccounts,
    planned: &[Planned<'_, '_>],
    numbers: &[i64],
) -> Result<Drafts> {
    let daily = book.row.payment_vouchers == PaymentVouchers::Daily;
    let mut inputs = Vec::with_capacity(planned.len());
    for (p, number) in planned.iter().zip(numbers) {
        let money = money_account(book, accounts, p.req.method)?;
        let lines = payment_lines(accounts, p.req, &p.household, *number, &p.settle, (&money, daily));
        inputs.push(VoucherInput { date: p.req.paid_on, attachments: 1, lines });
    }
    let own = if daily {
        day_drafts(tx, book, planned, &inputs).await?
    } else {
        let mut ids = Vec::with_capacity(inputs.len());
        for input in &inputs {
            ids.push(start_system_draft(tx, book, input, VoucherKind::Normal, None).await?);
        }
        ids
    };
    let mut forward = Vec::with_capacity(planned.len());
    for (p, number) in planned.iter().zip(numbers) {
        let mut by_month = BTreeMap::new();
        for (month, input) in forward_inputs(accounts, &p.household, *number, &p.forward) {
            by_month.insert(month, start_system_draft(tx, book, &input, VoucherKind::Normal, None).await?);
        }
        forward.push(by_month);
    }
    let mut applied = Vec::with_capacity(planned.len());
    for p in planned {
        applied.push(match applied_input(accounts, p) {
            Some(input) => Some(start_system_draft(tx, book, &input, VoucherKind::Normal, None).await?),
            None => None,
        });
    }
    Ok(Drafts { own, forward, applied })
}

/// The payments' rows (pure), each with its receipt number and its own voucher.
fn new_payments<'p>(
    book: &Book,
    planned: &'p [Planned<'p, 'p>],
    numbers: &[i64],
    own_drafts: &[i64],
    now: chrono::DateTime<Utc>,
) -> Vec<NewPayment<'p>> {
    planned
        .iter()
        .zip(numbers)
        .zip(own_drafts)
        .map(|((p, number), voucher_id)| NewPayment {
            book: book.key(),
            household_id: p.household.id,
            idempotency_key: p.key,
            method: p.req.method,
            amount_fen: p.req.amount.0,
            paid_on: p.req.paid_on,
            receipt_number: *number,
            voucher_id: *voucher_id,
            cashier: p.req.cashier,
            settled_fen: p.settled_fen(),
            note: p.req.note,
            created_at: now,
        })
        .collect()
}

/// The allocations the payments make (pure). Those at payment are dated in its month and
/// written with its voucher; those of later bills on their own month, with that month's
/// voucher; a prepayment applied, with the voucher that applies it.
fn settlements_of(
    planned: &[Planned<'_, '_>],
    new: &[NewPayment<'_>],
    inserted: &HashMap<String, i64>,
    drafts: &Drafts,
) -> Vec<Settlement> {
    let settlement = |bill: &OpenBillRow, payment_id: i64, fen: Fen, period: Period, building: &str, voucher_id: i64| Settlement {
        allocation: AllocationRow {
            bill_id: bill.id,
            payment_id: Some(payment_id),
            waiver_id: None,
            void_id: None,
            amount_fen: fen.0,
            period,
            reversal_id: None,
        },
        building: building.to_string(),
        bill_period: bill.period,
        voucher_id,
    };
    let mut settlements = Vec::new();
    for (p, applied_voucher) in planned.iter().zip(&drafts.applied) {
        let paid_in = Period::of_date(p.req.paid_on);
        for a in &p.applied {
            let voucher = applied_voucher.expect("a payment that applies a prepayment has its voucher");
            settlements.push(settlement(&a.bill, a.payment_id, a.fen, paid_in, &p.household.building, voucher));
        }
    }
    for ((p, row), forward_voucher) in planned.iter().zip(new).zip(&drafts.forward) {
        let payment_id = inserted[p.key];
        for (bill, fen) in &p.settle {
            settlements.push(settlement(bill, payment_id, *fen, Period::of_date(p.req.paid_on), &p.household.building, row.voucher_id));
        }
        for (bill, fen) in p.forward.values().flatten() {
            settlements.push(settlement(bill, payment_id, *fen, bill.period, &p.household.building, forward_voucher[&bill.period]));
        }
    }
    settlements
}

/// Plans one payment (pure) on its household's open bills as the batch has left them.
fn plan<'r, 'a>(
    req: &'r PaymentRequest<'a>,
    key: &'r str,
    household: HouseholdRow,
    applied: Vec<Applied>,
    open: &[OpenBillRow],
    open_periods: &[Period],
) -> Result<Planned<'r, 'a>> {
    let paid_in = Period::of_date(req.paid_on);
    let settle: Vec<(OpenBillRow, Fen)> = settlement(open, req, &household, paid_in)?.into_iter().map(|(b, f)| (b.clone(), f)).collect();
    let left_fen = req.amount.0 - settle.iter().map(|(_, f)| f.0).sum::<i64>();
    let mut forward: BTreeMap<Period, Vec<(OpenBillRow, Fen)>> = BTreeMap::new();
    if left_fen > 0 {
        let later: Vec<OpenBill> = open
            .iter()
            .filter(|b| b.period > paid_in && open_periods.contains(&b.period))
            .map(|b| OpenBill { bill_id: b.id, period: b.period, fee_item_id: b.fee_item_id, open_fen: b.open_fen })
            .collect();
        for (id, fen) in allocate_oldest_first(later, Fen(left_fen)).0 {
            let bill = bill_of(open, id);
            forward.entry(bill.period).or_default().push((bill.clone(), fen));
        }
    }
    Ok(Planned { req, key, household, applied, settle, forward })
}

/// What the household's prepayments (预收) settle of its bills billed by `paid_on`, oldest
/// first, before a payment's money does (pure): only prepayments made by that day, each
/// taken down by what it settles. A household does not pay again for a month its own
/// prepayment covers.
fn apply_held(open: &[OpenBillRow], held: &mut [PrepaymentRow], paid_on: NaiveDate) -> Vec<Applied> {
    let paid_in = Period::of_date(paid_on);
    let mut left: Vec<OpenBill> = open
        .iter()
        .filter(|b| b.period <= paid_in)
        .map(|b| OpenBill { bill_id: b.id, period: b.period, fee_item_id: b.fee_item_id, open_fen: b.open_fen })
        .collect();
    let mut out = Vec::new();
    for p in held.iter_mut().filter(|p| p.paid_on <= paid_on && p.left_fen > 0) {
        if left.is_empty() {
            break;
        }
        for (bill_id, fen) in allocate_oldest_first(left.clone(), Fen(p.left_fen)).0 {
            if let Some(b) = left.iter_mut().find(|b| b.bill_id == bill_id) {
                b.open_fen -= fen.0;
            }
            p.left_fen -= fen.0;
            out.push(Applied { bill: bill_of(open, bill_id).clone(), fen, payment_id: p.payment_id, receipt_number: p.receipt_number });
        }
        left.retain(|b| b.open_fen > 0);
    }
    out
}

/// The voucher of what a payment's household prepayment settles first, dated on the payment:
/// 借 预收账款 / 贷 应收账款, as a billing run books a prepayment it applies. None when
/// nothing is applied.
fn applied_input(accounts: &FeeAccounts, p: &Planned<'_, '_>) -> Option<VoucherInput> {
    let first = p.applied.first()?;
    let fen = Fen(p.applied.iter().map(|a| a.fen.0).sum());
    let receipts = if p.applied.iter().all(|a| a.receipt_number == first.receipt_number) {
        receipt_label(first.receipt_number)
    } else {
        format!("{}等", receipt_label(first.receipt_number))
    };
    let summary = format!("预收抵扣 {} {} 收据{receipts}", household_label(&p.household), item_names(p.applied.iter().map(|a| &a.bill)));
    let dims = Dimensions { household_id: Some(p.household.id.0), ..Dimensions::default() };
    let line = |account: &str, debit: Fen, credit: Fen| LineInput::new(summary.clone(), account, debit, credit, dims.clone());
    let lines = vec![line(accounts.advance.as_str(), fen, Fen::ZERO), line(accounts.receivable.as_str(), Fen::ZERO, fen)];
    Some(VoucherInput { date: p.req.paid_on, attachments: 0, lines })
}

/// Takes what is settled (bill id, amount) off the open bills, so the next step, or the next
/// payment of the same household in the batch, plans on what is left.
fn take_settled(open: &mut Vec<OpenBillRow>, settled: impl IntoIterator<Item = (i64, Fen)>) {
    for (bill_id, fen) in settled {
        if let Some(b) = open.iter_mut().find(|b| b.id == bill_id) {
            b.open_fen -= fen.0;
        }
    }
    open.retain(|b| b.open_fen > 0);
}

/// The day's draft of each payment (日结): one per day and method, extended by the lines of all
/// the batch's payments of that day and method at once, or started with them.
async fn day_drafts<T: FeesTx + LedgerTx>(
    tx: &mut T,
    book: &Book,
    planned: &[Planned<'_, '_>],
    inputs: &[VoucherInput],
) -> Result<Vec<i64>> {
    let mut groups: Vec<((NaiveDate, Method), Vec<usize>)> = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        let day = (p.req.paid_on, p.req.method);
        match groups.iter_mut().find(|(d, _)| *d == day) {
            Some((_, members)) => members.push(i),
            None => groups.push((day, vec![i])),
        }
    }
    let mut ids = vec![0; planned.len()];
    for ((day, method), members) in groups {
        let input = VoucherInput {
            date: day,
            attachments: members.len() as u32,
            lines: members.iter().flat_map(|i| inputs[*i].lines.iter().cloned()).collect(),
        };
        let id = match tx.daily_draft(book.key(), day, method).await? {
            Some(id) if extend_system_draft(tx, book, id, &input).await? => id,
            _ => start_system_draft(tx, book, &input, VoucherKind::Normal, None).await?,
        };
        for i in members {
            ids[i] = id;
        }
    }
    Ok(ids)
}

impl<S: FeesStore> Fees<S> {
    /// A receipt as issued, for reprinting.
    pub async fn receipt(&self, book: &Book, number: i64) -> Result<Receipt> {
        let mut tx = self.store().read().await?;
        let payment =
            tx.payment_by_receipt(book.key(), number).await?.ok_or_else(|| Error::not_found(format!("收据 {}", receipt_label(number))))?;
        receipt_of(&mut tx, book, &payment).await
    }

    pub async fn open_bills(&self, book: &Book, household_id: Option<HouseholdId>) -> Result<Vec<OpenBillRow>> {
        self.store().read().await?.open_bills(book.key(), household_id).await
    }

    /// What each of these households owes (its open bills less its prepayment), for a list of
    /// them: the cashier's search results.
    pub async fn owed_by(&self, book: &Book, households: &[HouseholdId]) -> Result<HashMap<HouseholdId, Fen>> {
        let mut tx = self.store().read().await?;
        let mut owed: HashMap<HouseholdId, Fen> = households.iter().map(|h| (*h, Fen::ZERO)).collect();
        for b in tx.open_bills_of(book.key(), households).await? {
            owed.entry(b.household_id).or_insert(Fen::ZERO).0 += b.open_fen;
        }
        for p in tx.prepayments_of(book.key(), households).await? {
            owed.entry(p.household_id).or_insert(Fen::ZERO).0 -= p.left_fen;
        }
        Ok(owed)
    }

    /// Above what a payment of this household asks the cashier to confirm: what it owes
    /// (open bills less its prepayment) and a year of its latest month's fees, or the book's
    /// own line (`fee settings --confirm-above`) when that is lower. A typo's extra zeros land
    /// far above it; a year paid ahead does not.
    pub async fn confirm_above(&self, book: &Book, household_id: HouseholdId) -> Result<Fen> {
        let owed = self.owed_by(book, &[household_id]).await?.get(&household_id).copied().unwrap_or(Fen::ZERO);
        let month = self.store().read().await?.last_month_billed(book.key(), household_id).await?.unwrap_or(0);
        let household = owed.0.max(0) + 12 * month;
        Ok(Fen(book.row.confirm_above_fen.map_or(household, |line| line.min(household))))
    }

    /// The book's own line above which the till asks again (None: the household's alone).
    pub async fn set_confirm_above(&self, book: &Book, line: Option<Fen>) -> Result<()> {
        if let Some(fen) = line.filter(|f| f.0 <= 0) {
            return Err(Error::invalid("--confirm-above", format!("{fen} 须大于零；不设单笔确认线请写 无")));
        }
        let mut tx = self.store().begin().await?;
        tx.set_confirm_above(book.key(), line.map(|f| f.0)).await?;
        tx.commit().await
    }

    pub async fn prepaid(&self, book: &Book, household_id: HouseholdId) -> Result<Fen> {
        Ok(Fen(self.store().read().await?.prepayments(book.key(), Some(household_id)).await?.iter().map(|p| p.left_fen).sum()))
    }

    /// The payments received on `day`, by receipt number.
    pub async fn payments_on(&self, book: &Book, day: NaiveDate) -> Result<Vec<PaymentRow>> {
        self.store().read().await?.payments_on(book.key(), day).await
    }

    /// A household's payments, by receipt number.
    pub async fn household_payments(&self, book: &Book, household_id: HouseholdId) -> Result<Vec<PaymentRow>> {
        self.store().read().await?.household_payments(book.key(), household_id).await
    }
}

/// What a payment settles at its date (pure): the named bills in the order named, or the
/// oldest first, of the bills billed by then.
fn settlement<'a>(
    open: &'a [OpenBillRow],
    req: &PaymentRequest<'_>,
    household: &HouseholdRow,
    paid_in: Period,
) -> Result<Vec<(&'a OpenBillRow, Fen)>> {
    let Some(ids) = &req.bill_ids else {
        let bills = open
            .iter()
            .filter(|b| b.period <= paid_in)
            .map(|b| OpenBill { bill_id: b.id, period: b.period, fee_item_id: b.fee_item_id, open_fen: b.open_fen })
            .collect();
        let (settled, _) = allocate_oldest_first(bills, req.amount);
        return Ok(settled.into_iter().map(|(bill_id, fen)| (bill_of(open, bill_id), fen)).collect());
    };
    let mut left = req.amount.0;
    let mut out = Vec::new();
    for id in ids {
        let bill = open
            .iter()
            .find(|b| b.id == *id)
            .ok_or_else(|| Error::invalid("指定账单", format!("账单 #{id} 不是住户 {} 的未结清账单", household_label(household))))?;
        if bill.period > paid_in {
            return Err(Error::invalid(
                "指定账单",
                format!(
                    "账单 #{id} 是 {} 的，收款日 {} 时尚未计费；不指定账单时多收的钱记为预收，计费时自动抵扣",
                    bill.period, req.paid_on
                ),
            ));
        }
        let take = left.min(bill.open_fen);
        if take > 0 {
            out.push((bill, Fen(take)));
            left -= take;
        }
    }
    // What is left past the named bills settles the household's other bills billed by then,
    // oldest first, before any is kept as a prepayment: no 预收 while a billed month is owed.
    let others = open
        .iter()
        .filter(|b| b.period <= paid_in && !out.iter().any(|(o, _)| o.id == b.id))
        .map(|b| OpenBill { bill_id: b.id, period: b.period, fee_item_id: b.fee_item_id, open_fen: b.open_fen })
        .collect();
    let (rest, _) = allocate_oldest_first(others, Fen(left));
    out.extend(rest.into_iter().map(|(bill_id, fen)| (bill_of(open, bill_id), fen)));
    Ok(out)
}

fn bill_of(open: &[OpenBillRow], bill_id: i64) -> &OpenBillRow {
    open.iter().find(|b| b.id == bill_id).expect("the allocation settles only bills it was given")
}

/// How a request differs from the payment already recorded under its key.
#[derive(Debug, PartialEq, Eq)]
enum Difference {
    Household(HouseholdId, HouseholdId),
    Other(String),
}

/// What differs between the payment recorded under a key and a request with the same key
/// (pure): the household, the amount, the method, the date, the cashier.
fn request_differences(first: &PaymentRow, req: &PaymentRequest<'_>) -> Vec<Difference> {
    let mut out = Vec::new();
    if first.household_id != req.household_id {
        out.push(Difference::Household(first.household_id, req.household_id));
    }
    if first.amount_fen != req.amount.0 {
        out.push(Difference::Other(format!("金额 {} ≠ {}", Fen(first.amount_fen), req.amount)));
    }
    if first.method != req.method {
        out.push(Difference::Other(format!("收款方式 {} ≠ {}", first.method.label(), req.method.label())));
    }
    if first.paid_on != req.paid_on {
        out.push(Difference::Other(format!("收款日期 {} ≠ {}", first.paid_on, req.paid_on)));
    }
    if first.cashier != req.cashier {
        out.push(Difference::Other(format!("收款人 {} ≠ {}", first.cashier, req.cashier)));
    }
    out
}

/// The book's open months.
async fn open_periods<T: LedgerTx>(tx: &mut T, book: &Book) -> Result<Vec<Period>> {
    Ok(tx.periods(book.key()).await?.into_iter().filter(|p| p.status == PeriodStatus::Open).map(|p| p.period).collect())
}

/// The fee items a voucher summary names: "物业服务费、生活垃圾处置费".
fn item_names<'a>(bills: impl IntoIterator<Item = &'a OpenBillRow>) -> String {
    let mut names: Vec<&str> = Vec::new();
    for b in bills {
        if !names.contains(&b.fee_item_name.as_str()) {
            names.push(&b.fee_item_name);
        }
    }
    names.join("、")
}

/// The payment voucher's lines (pure): 借 the money account, 贷 应收账款 for what it settles
/// and 预收账款 for the rest. Summaries name the fee items settled; `by_item` splits the
/// credit to 应收账款 by fee item (a day's voucher sums them so).
fn payment_lines(
    accounts: &FeeAccounts,
    req: &PaymentRequest<'_>,
    household: &HouseholdRow,
    number: i64,
    settle: &[(OpenBillRow, Fen)],
    (money, by_item): (&str, bool),
) -> Vec<LineInput> {
    let (label, who) = (receipt_label(number), household_label(household));
    let settled_fen: i64 = settle.iter().map(|(_, f)| f.0).sum();
    let dims = Dimensions { household_id: Some(household.id.0), ..Dimensions::default() };
    let line = |summary: String, account: &str, debit: Fen, credit: Fen| LineInput::new(summary, account, debit, credit, dims.clone());
    let settled_summary = format!("收 {who} {} 收据{label}", item_names(settle.iter().map(|(b, _)| b)));
    let prepaid_summary = format!("预收 {who} 预交款 收据{label}");
    let money_summary = if settled_fen > 0 { settled_summary.clone() } else { prepaid_summary.clone() };
    let mut lines = vec![line(money_summary, money, req.amount, Fen::ZERO)];
    if by_item {
        let mut per_item: BTreeMap<i64, (&str, i64)> = BTreeMap::new();
        for (bill, fen) in settle {
            per_item.entry(bill.fee_item_id).or_insert((&bill.fee_item_name, 0)).1 += fen.0;
        }
        for (item_id, (name, fen)) in per_item {
            let dims = Dimensions { household_id: Some(household.id.0), fee_item_id: Some(item_id), ..Dimensions::default() };
            let summary = format!("收 {who} {name} 收据{label}");
            lines.push(LineInput::new(summary, accounts.receivable.as_str(), Fen::ZERO, Fen(fen), dims));
        }
    } else if settled_fen > 0 {
        lines.push(line(settled_summary, accounts.receivable.as_str(), Fen::ZERO, Fen(settled_fen)));
    }
    let prepaid = req.amount.0 - settled_fen;
    if prepaid > 0 {
        lines.push(line(prepaid_summary, accounts.advance.as_str(), Fen::ZERO, Fen(prepaid)));
    }
    lines
}

/// The account a payment by `method` is booked to: the book's setting (`fee settings
/// --account 微信=101201`), else the chart's default; it must be a leaf.
pub(crate) fn money_account(book: &Book, accounts: &FeeAccounts, method: Method) -> Result<String> {
    let (set, default) = match method {
        Method::Cash => (&book.row.cash_account, &accounts.cash),
        Method::Bank => (&book.row.bank_account, &accounts.bank),
        Method::Wechat => (&book.row.wechat_account, &accounts.wallet),
        Method::Alipay => (&book.row.alipay_account, &accounts.wallet),
    };
    let code = set.clone().unwrap_or_else(|| default.to_string());
    match AccountCode::parse(&code).and_then(|c| book.chart.get(&c)) {
        Some(account) if account.is_leaf => Ok(code),
        _ => Err(Error::invalid(
            "收款科目",
            format!(
                "{}收款记入的科目 {code} 不是末级科目；请用 fee settings --account {}=明细科目编码 指定",
                method.label(),
                method.label()
            ),
        )),
    }
}

impl<S: FeesStore> Fees<S> {
    /// Sets the account payments by `method` are booked to: a leaf of 库存现金, 银行存款 or
    /// 其他货币资金 (1001, 1002, 1012), found as any account is typed (code, name, pinyin).
    pub async fn set_method_account(&self, book: &Book, method: Method, typed: &str) -> Result<()> {
        let account = crate::ledger::lookup::find_account(&book.chart, "--account", typed)?;
        let code = account.code.as_str();
        if !account.is_leaf || !["1001", "1002", "1012"].iter().any(|p| code.starts_with(p)) {
            return Err(Error::invalid("--account", format!("{code} {} 须为库存现金、银行存款或其他货币资金下的末级科目", account.name)));
        }
        let column = match method {
            Method::Cash => "cash_account",
            Method::Bank => "bank_account",
            Method::Wechat => "wechat_account",
            Method::Alipay => "alipay_account",
        };
        let mut tx = self.store().begin().await?;
        tx.set_method_account(book.key(), column, code).await?;
        tx.commit().await
    }
}

/// One voucher per later month, dated on its billing day: 借 预收账款 / 贷 应收账款, as the
/// month's billing run books a prepayment it applies.
fn forward_inputs(
    accounts: &FeeAccounts,
    household: &HouseholdRow,
    number: i64,
    by_month: &BTreeMap<Period, Vec<(OpenBillRow, Fen)>>,
) -> Vec<(Period, VoucherInput)> {
    let (label, who) = (receipt_label(number), household_label(household));
    by_month
        .iter()
        .map(|(month, bills)| {
            let fen = Fen(bills.iter().map(|(_, f)| f.0).sum());
            let summary = format!("{month} 预收抵扣 {who} {} 收据{label}", item_names(bills.iter().map(|(b, _)| b)));
            let dims = Dimensions { household_id: Some(household.id.0), ..Dimensions::default() };
            let line = |account: &str, debit: Fen, credit: Fen| LineInput::new(summary.clone(), account, debit, credit, dims.clone());
            let lines = vec![line(accounts.advance.as_str(), fen, Fen::ZERO), line(accounts.receivable.as_str(), Fen::ZERO, fen)];
            (*month, VoucherInput { date: month.first_day(), attachments: 0, lines })
        })
        .collect()
}

/// The receipt of a payment just recorded.
fn new_receipt(
    book: &Book,
    req: &PaymentRequest<'_>,
    household: HouseholdRow,
    number: i64,
    settle: &[(OpenBillRow, Fen)],
    voucher: String,
    fingerprint: String,
) -> Receipt {
    let settled: Vec<SettledBill> = settle
        .iter()
        .map(|(b, fen)| SettledBill {
            bill_id: b.id,
            period: b.period.to_string(),
            fee_item: b.label(),
            amount: *fen,
            part: fen.0 < b.amount_fen,
        })
        .collect();
    let settled_fen: i64 = settled.iter().map(|s| s.amount.0).sum();
    Receipt {
        book: book.row.name.clone(),
        number,
        label: receipt_label(number),
        household: household_label(&household),
        owner_name: household.owner_name,
        method: req.method.label().to_string(),
        paid_on: req.paid_on,
        amount: req.amount,
        amount_in_words: capital_amount(req.amount),
        settled,
        prepaid: Fen(req.amount.0 - settled_fen),
        voucher,
        fingerprint,
        cashier: req.cashier.to_string(),
        replayed: false,
        voided: false,
        reprinted_on: None,
        check: None,
    }
}

/// Rebuilds a payment's receipt from what was stored.
pub(crate) async fn receipt_of<T: FeesTx + LedgerTx>(tx: &mut T, book: &Book, p: &PaymentRow) -> Result<Receipt> {
    let household = tx.household(book.row.community_id, p.household_id).await?.ok_or_else(|| Error::not_found("住户"))?;
    let voucher_row = tx.voucher(book.key(), p.voucher_id).await?.ok_or_else(|| Error::not_found(format!("凭证 #{}", p.voucher_id)))?;
    // What the payment settled when it was made is kept with it (before that was kept, its own
    // voucher's credit to 应收账款 said it); the allocations made then come first, before any
    // from its prepayment later.
    let mut left_at_payment: i64 = match p.settled_fen {
        Some(fen) => fen,
        None => {
            let receivable_id = book.account_id(fee_accounts(book)?.receivable.as_str());
            tx.lines(book.key(), p.voucher_id).await?.iter().filter(|l| Some(l.account_id) == receivable_id).map(|l| l.credit_fen).sum()
        }
    };
    let mut settled = Vec::new();
    for a in tx.allocations_of_payment(book.row.community_id, p.id).await? {
        if left_at_payment <= 0 {
            break;
        }
        let bill = tx.bill(book.key(), a.bill_id).await?.ok_or_else(|| Error::not_found(format!("账单 #{}", a.bill_id)))?;
        let fen = a.amount_fen.min(left_at_payment);
        left_at_payment -= fen;
        settled.push(SettledBill {
            bill_id: a.bill_id,
            period: bill.period.to_string(),
            fee_item: bill.label(),
            amount: Fen(fen),
            part: fen < bill.amount_fen,
        });
    }
    let at_payment: i64 = settled.iter().map(|s| s.amount.0).sum();
    let method = p.method.label().to_string();
    // A 日结 day not closed yet: the receipt names its voucher and chain link once it is.
    let pending = voucher_row.status != VoucherStatus::Posted && voucher_row.maker == SYSTEM_MAKER;
    Ok(Receipt {
        book: book.row.name.clone(),
        number: p.receipt_number,
        label: receipt_label(p.receipt_number),
        household: household_label(&household),
        owner_name: household.owner_name,
        method,
        paid_on: p.paid_on,
        amount: Fen(p.amount_fen),
        amount_in_words: capital_amount(Fen(p.amount_fen)),
        settled,
        prepaid: Fen(p.amount_fen - at_payment),
        voucher: if pending { PENDING_DAY_CLOSE.to_string() } else { describe(&voucher_row) },
        fingerprint: match (&voucher_row.hash, pending) {
            (Some(hash), _) => hash.clone(),
            (None, true) => String::new(),
            (None, false) => {
                return Err(Error::invalid(
                    "收据",
                    format!("收据 {} 的凭证 {} 未记账", receipt_label(p.receipt_number), describe(&voucher_row)),
                ))
            }
        },
        cashier: p.cashier.clone(),
        replayed: false,
        voided: p.voided,
        reprinted_on: None,
        check: None,
    })
}
