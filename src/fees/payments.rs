//! 收款: payments with numbered receipts, once per idempotency key; receipts rebuilt for
//! reprinting.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};

use crate::domain::ids::{BookKey, HouseholdId, PaymentId, VoucherId};
use crate::domain::limits::MAX_AMOUNT_FEN;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::rows::{AllocationRow, HouseholdRow, NewPayment, OpenBillRow, PaymentRow, PrepaymentRow};
use crate::fees::settle::{write_settlements_of, Settlement};
use crate::fees::store::FeesStore;
use crate::fees::store::FeesTx;
use crate::fees::{fee_accounts, household_label, receipt_label, Fees, Method, PaymentRequest, Receipt};
use crate::ledger::account::FeeAccounts;
use crate::ledger::daily::{extend_system_draft, start_system_draft, start_system_drafts};
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{PeriodStatus, VoucherInput, VoucherKind};
use crate::ledger::{Book, PaymentVouchers};
use crate::store::Tx;

use super::payment_plan::*;
use super::receipts::{new_receipt, receipt_of, PENDING_DAY_CLOSE};

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
        self.pay_groups(&[PaymentGroup { book, reqs }], alongside).await.pop().unwrap_or_default()
    }

    /// Records the payments of several groups (each one book's and one cashier's) in one
    /// transaction, one commit and one `alongside` for all of them, when every payment of
    /// every group is new and sound; otherwise each group as `pay_many` records it, in a
    /// transaction of its own with its part of `alongside`. The groups take their books' rows
    /// in the order of the books' keys, so that two such transactions never wait for each
    /// other. `alongside` is given the new receipts of all the groups' requests, in order.
    /// Answers as `pay` would, group by group, in order.
    pub async fn pay_groups(&self, groups: &[PaymentGroup<'_, '_>], alongside: &impl Alongside<S::Tx>) -> Vec<Vec<Result<Receipt>>> {
        let keys: Vec<Vec<Result<&str>>> = groups.iter().map(|g| g.reqs.iter().map(checked_key).collect()).collect();
        let recorded = match self.record_all_or_none(groups, &keys, alongside).await {
            Some(all) => all,
            None => {
                let (mut each, mut before) = (Vec::with_capacity(groups.len()), 0);
                let all: usize = groups.iter().map(|g| g.reqs.len()).sum();
                for (g, keys) in groups.iter().zip(&keys) {
                    let place = Place { before, after: all - before - g.reqs.len() };
                    each.push(self.record_payments(g.book, g.reqs, keys, alongside, place).await);
                    before += g.reqs.len();
                }
                each
            }
        };
        let mut answers = Vec::with_capacity(groups.len());
        for ((g, keys), recorded) in groups.iter().zip(keys).zip(recorded) {
            let mut group = Vec::with_capacity(g.reqs.len());
            for ((req, key), recorded) in g.reqs.iter().zip(keys).zip(recorded) {
                group.push(match key {
                    Ok(key) => self.answer(g.book, req, key, recorded).await,
                    Err(e) => Err(e),
                });
            }
            answers.push(group);
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

    /// The payments of a group whose keys are sane, each in a savepoint of one transaction,
    /// with their part (`place`) of what goes alongside.
    async fn record_payments(
        &self,
        book: &Book,
        reqs: &[PaymentRequest<'_>],
        keys: &[Result<&str>],
        alongside: &impl Alongside<S::Tx>,
        place: Place,
    ) -> Vec<Result<Option<Receipt>>> {
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
        let ours = recorded.iter().map(|r| r.as_ref().ok().and_then(Option::as_ref));
        let new: Vec<Option<&Receipt>> =
            std::iter::repeat_n(None, place.before).chain(ours).chain(std::iter::repeat_n(None, place.after)).collect();
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
    /// The payments of every group in one transaction without a savepoint each, as nearly
    /// every batch is all new and sound; None, with nothing written, at the first that is not
    /// (a refusal, a key already taken), when the caller records them one savepoint each.
    async fn record_all_or_none(
        &self,
        groups: &[PaymentGroup<'_, '_>],
        keys: &[Vec<Result<&str>>],
        alongside: &impl Alongside<S::Tx>,
    ) -> Option<Vec<Vec<Result<Option<Receipt>>>>> {
        let mut batches = Vec::with_capacity(groups.len());
        for (g, keys) in groups.iter().zip(keys) {
            let mut batch = Vec::with_capacity(g.reqs.len());
            for (req, key) in g.reqs.iter().zip(keys) {
                batch.push((req, *key.as_ref().ok()?));
            }
            batches.push(batch);
        }
        // The books' rows in the order of their keys (see `pay_groups`).
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by_key(|&i| groups[i].book.key());
        let sorted: Vec<(&Book, &[(&PaymentRequest, &str)])> = order.iter().map(|&i| (groups[i].book, batches[i].as_slice())).collect();
        let mut tx = self.store().begin().await.ok()?;
        // Dropped unfinished, the transaction rolls back.
        let in_order = record_groups_in(&mut tx, &sorted).await.ok()??;
        let mut receipts: Vec<Vec<Receipt>> = groups.iter().map(|_| Vec::new()).collect();
        for (i, group) in order.into_iter().zip(in_order) {
            receipts[i] = group;
        }
        alongside.write(&mut tx, &receipts.iter().flatten().map(Some).collect::<Vec<_>>()).await.ok()?;
        tx.commit().await.ok()?;
        Some(receipts.into_iter().map(|g| g.into_iter().map(|r| Ok(Some(r))).collect()).collect())
    }
}

/// One book's and one cashier's payments (`Fees::pay_groups`).
pub struct PaymentGroup<'g, 'a> {
    pub book: &'g Book,
    pub reqs: &'g [PaymentRequest<'a>],
}

/// Where a group's requests stand among all of a `pay_groups`: how many come before and after.
#[derive(Clone, Copy)]
struct Place {
    before: usize,
    after: usize,
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

/// Records payments in `tx`, in order, with one statement of each kind for all of them: None,
/// with nothing left to keep, when a key is taken or they are not all one cashier's, who
/// posts their vouchers (the caller then records them one by one). A refusal of any refuses
/// all; one by one, each gets its own.
///
/// A payment settles only bills billed by its date (a month is billed on its first day). What
/// is left is a prepayment; if later months are already billed (the payment was entered
/// late), the prepayment settles them as their billing run would have, by a voucher dated on
/// each one's billing day, so every report as at any date agrees.
async fn record_payments_in<T: FeesTx + LedgerTx + crate::store::Tx>(
    tx: &mut T,
    book: &Book,
    reqs: &[(&PaymentRequest<'_>, &str)],
) -> Result<Option<Vec<Receipt>>> {
    Ok(record_groups_in(tx, &[(book, reqs)]).await?.and_then(|mut groups| groups.pop()))
}

/// `record_payments_in` for several groups (each one book's and one cashier's, in the order
/// of their books' keys): each group takes its book's row and plans on what it reads (`stage`),
/// then all the groups' rows are written by one statement of each kind (`write_staged`):
/// payments' own vouchers (a draft each), their lines, payments, allocations and figures, five
/// statements a transaction where each group took five (a 日结 day's draft, a later month's or
/// a prepayment's stays a statement or two of its own). A book met again (another cashier's
/// group) starts a new round, so that it plans on what the group before it settled.
async fn record_groups_in<'r, 'a, T: FeesTx + LedgerTx + crate::store::Tx>(
    tx: &mut T,
    groups: &[(&Book, &'r [(&'r PaymentRequest<'a>, &'r str)])],
) -> Result<Option<Vec<Vec<Receipt>>>> {
    let mut receipts = Vec::with_capacity(groups.len());
    let mut rest = groups;
    while !rest.is_empty() {
        // This round: the groups before the first whose book the round already has.
        let round = (1..rest.len()).find(|&n| rest[..n].iter().any(|(b, _)| b.key() == rest[n].0.key())).unwrap_or(rest.len());
        let (now, later) = rest.split_at(round);
        let mut staged = Vec::with_capacity(now.len());
        for (book, reqs) in now {
            let Some(one) = stage(tx, book, reqs).await? else { return Ok(None) };
            staged.push(one);
        }
        let Some(written) = write_staged(tx, &staged).await? else { return Ok(None) };
        receipts.extend(written);
        rest = later;
    }
    Ok(Some(receipts))
}

/// One group's payments planned in the transaction, with their receipt numbers: what
/// `write_staged` writes.
struct Staged<'g, 'r, 'a> {
    book: &'g Book,
    accounts: FeeAccounts,
    planned: Vec<Planned<'r, 'a>>,
    numbers: Vec<i64>,
}

/// Takes the group's book row and receipt numbers and plans its payments; None when they are
/// not all one cashier's.
async fn stage<'g, 'r, 'a, T: FeesTx + LedgerTx + crate::store::Tx>(
    tx: &mut T,
    book: &'g Book,
    reqs: &'r [(&'r PaymentRequest<'a>, &'r str)],
) -> Result<Option<Staged<'g, 'r, 'a>>> {
    let Some(((first, _), rest)) = reqs.split_first() else {
        return Ok(Some(Staged { book, accounts: fee_accounts(book)?, planned: Vec::new(), numbers: Vec::new() }));
    };
    if rest.iter().any(|(r, _)| r.cashier != first.cashier) {
        return Ok(None);
    }
    let accounts = fee_accounts(book)?;
    // The book's row first, before anything is read: on PostgreSQL two payments of one
    // household (or a payment and a billing run, a waiver, a void) would otherwise both plan on
    // the same open bills and settle them twice. Taking it claims the receipt numbers too (one
    // per request: planning plans each or fails the whole transaction). SQLite's BEGIN
    // IMMEDIATE queues writers already: there the numbers are claimed after planning.
    let early = if tx.writers_take_turns() { None } else { Some(tx.claim_chain(book.key(), 0, reqs.len() as i64).await?) };
    let planned = planned_payments(tx, book, reqs).await?;
    debug_assert_eq!(planned.len(), reqs.len(), "one plan per request");
    let claim = match early {
        Some(claim) => claim,
        None => tx.claim_chain(book.key(), 0, planned.len() as i64).await?,
    };
    let first_number = claim.receipts_issued - planned.len() as i64 + 1;
    let numbers: Vec<i64> = (0..planned.len() as i64).map(|i| first_number + i).collect();
    Ok(Some(Staged { book, accounts, planned, numbers }))
}

/// Writes the staged groups' vouchers, payments and settlements, one statement of each kind for
/// all of them; None, with nothing left to keep, when a payment's key is taken. Returns each
/// group's receipts.
async fn write_staged<T: FeesTx + LedgerTx>(tx: &mut T, staged: &[Staged<'_, '_, '_>]) -> Result<Option<Vec<Vec<Receipt>>>> {
    let drafts = drafts_of(tx, staged).await?;
    let now = Utc::now();
    let all: Vec<NewPayment> =
        staged.iter().zip(&drafts).flat_map(|(s, d)| new_payments(s.book, &s.planned, &s.numbers, &d.own, now)).collect();
    let inserted: HashMap<(BookKey, String), PaymentId> =
        tx.insert_payments(&all).await?.into_iter().map(|(book, key, id)| ((book, key), id)).collect();
    if inserted.len() < all.len() {
        return Ok(None);
    }
    let mut rest = all.as_slice();
    let mut settlements: Vec<Vec<Settlement>> = Vec::with_capacity(staged.len());
    for (s, d) in staged.iter().zip(&drafts) {
        let (new, after) = rest.split_at(s.planned.len());
        settlements.push(settlements_of(s.book, &s.planned, new, &inserted, d));
        rest = after;
    }
    let of_books: Vec<(&Book, &[Settlement])> = staged.iter().zip(&settlements).map(|(s, each)| (s.book, each.as_slice())).collect();
    write_settlements_of(tx, &of_books).await?;
    let receipts = staged
        .iter()
        .map(|s| {
            s.planned
                .iter()
                .zip(&s.numbers)
                .map(|(p, number)| {
                    new_receipt(s.book, p.req, p.household.clone(), *number, &p.settle, PENDING_DAY_CLOSE.to_string(), String::new())
                })
                .collect()
        })
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
    own: Vec<VoucherId>,
    forward: Vec<BTreeMap<Period, VoucherId>>,
    applied: Vec<Option<VoucherId>>,
}

/// 出纳不得兼任稽核 (会计法 第三十七条): a payment's vouchers are drafts that wait for the
/// day's close (日结), where a reviewer who took none of them reviews and posts them. In a book
/// that gathers the day (日结) its lines join the day's draft for its method; otherwise it has a
/// draft of its own. A later month's bills it settles get a draft each, dated there.
async fn drafts_of<T: FeesTx + LedgerTx>(tx: &mut T, staged: &[Staged<'_, '_, '_>]) -> Result<Vec<Drafts>> {
    let daily = |s: &Staged| s.book.row.payment_vouchers == PaymentVouchers::Daily;
    let mut inputs = Vec::with_capacity(staged.len());
    for s in staged {
        let mut own = Vec::with_capacity(s.planned.len());
        for (p, number) in s.planned.iter().zip(&s.numbers) {
            let money = money_account(s.book, &s.accounts, p.req.method)?;
            let lines = payment_lines(&s.accounts, p.req, &p.household, *number, &p.settle, (&money, daily(s)));
            own.push(VoucherInput { date: p.req.paid_on, attachments: 1, lines });
        }
        inputs.push(own);
    }
    // The books that give each payment a draft of its own, all by one statement of each kind.
    let of_their_own: Vec<(&Book, &[VoucherInput])> =
        staged.iter().zip(&inputs).filter(|(s, _)| !daily(s)).map(|(s, own)| (s.book, own.as_slice())).collect();
    let mut own_drafts = start_system_drafts(tx, &of_their_own).await?.into_iter();
    let mut drafts = Vec::with_capacity(staged.len());
    for (s, own) in staged.iter().zip(&inputs) {
        let own = match daily(s) {
            true => day_drafts(tx, s.book, &s.planned, own).await?,
            false => own_drafts.next().expect("one list of drafts for each book not gathering the day"),
        };
        assert_eq!(own.len(), s.planned.len(), "a voucher for each payment");
        let mut forward = Vec::with_capacity(s.planned.len());
        for (p, number) in s.planned.iter().zip(&s.numbers) {
            let mut by_month = BTreeMap::new();
            for (month, input) in forward_inputs(&s.accounts, &p.household, *number, &p.forward) {
                by_month.insert(month, start_system_draft(tx, s.book, &input, VoucherKind::Normal, None).await?);
            }
            forward.push(by_month);
        }
        let mut applied = Vec::with_capacity(s.planned.len());
        for p in &s.planned {
            applied.push(match applied_input(&s.accounts, p) {
                Some(input) => Some(start_system_draft(tx, s.book, &input, VoucherKind::Normal, None).await?),
                None => None,
            });
        }
        drafts.push(Drafts { own, forward, applied });
    }
    Ok(drafts)
}

/// The payments' rows (pure), each with its receipt number and its own voucher.
fn new_payments<'p>(
    book: &Book,
    planned: &'p [Planned<'p, 'p>],
    numbers: &[i64],
    own_drafts: &[VoucherId],
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
    book: &Book,
    planned: &[Planned<'_, '_>],
    new: &[NewPayment<'_>],
    inserted: &HashMap<(BookKey, String), PaymentId>,
    drafts: &Drafts,
) -> Vec<Settlement> {
    let settlement =
        |bill: &OpenBillRow, payment_id: PaymentId, fen: Fen, period: Period, building: &str, voucher_id: VoucherId| Settlement {
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
        let payment_id = inserted[&(book.key(), p.key.to_string())];
        for (bill, fen) in &p.settle {
            settlements.push(settlement(bill, payment_id, *fen, Period::of_date(p.req.paid_on), &p.household.building, row.voucher_id));
        }
        for (bill, fen) in p.forward.values().flatten() {
            settlements.push(settlement(bill, payment_id, *fen, bill.period, &p.household.building, forward_voucher[&bill.period]));
        }
    }
    settlements
}

/// The day's draft of each payment (日结): one per day and method, extended by the lines of all
/// the batch's payments of that day and method at once, or started with them.
async fn day_drafts<T: FeesTx + LedgerTx>(
    tx: &mut T,
    book: &Book,
    planned: &[Planned<'_, '_>],
    inputs: &[VoucherInput],
) -> Result<Vec<VoucherId>> {
    let mut groups: Vec<((NaiveDate, Method), Vec<usize>)> = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        let day = (p.req.paid_on, p.req.method);
        match groups.iter_mut().find(|(d, _)| *d == day) {
            Some((_, members)) => members.push(i),
            None => groups.push((day, vec![i])),
        }
    }
    let mut ids = vec![VoucherId(0); planned.len()];
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
