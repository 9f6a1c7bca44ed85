//! 收据作废: a payment is voided by a red-ink reversal of its voucher, never deleted.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};

use crate::domain::ids::BillId;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::payment_plan::money_account;
use crate::fees::receipts::receipt_of;
use crate::fees::rows::{AllocationRow, HouseholdRow, NewPaymentVoid, PaymentRow};
use crate::fees::settle::{write_settlements, Settlement};
use crate::fees::store::FeesStore;
use crate::fees::store::FeesTx;
use crate::fees::{check_reason, fee_accounts, household_label, receipt_label, undo_entry, Fees, Receipt};
use crate::ledger::account::FeeAccounts;
use crate::ledger::daily::start_system_draft;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput, VoucherKind, VoucherStatus};
use crate::ledger::{check_person, Book, PaymentVouchers};
use crate::store::Tx;

impl<S: FeesStore> Fees<S> {
    /// 收据作废: voids a payment by a red-ink reversal of its voucher, never by deleting it. The
    /// bills it settled, and those its prepayment settled since, reopen from the void's month;
    /// whatever prepayment it left is withdrawn. The receipt keeps its number and prints as
    /// voided.
    pub async fn void_receipt(&self, book: &Book, number: i64, reason: &str, approver: &str, date: NaiveDate) -> Result<Receipt> {
        let accounts = fee_accounts(book)?;
        let reason = check_reason("作废原因", reason)?;
        let approver = check_person("审批人", approver)?;
        let label = receipt_label(number);
        let mut tx = self.store().begin().await?;
        // The book's row first, as a payment takes it (see `record_payment`).
        tx.claim_chain(book.key(), 0, 0).await?;
        let payment = tx.payment_by_receipt(book.key(), number).await?.ok_or_else(|| Error::not_found(format!("收据 {label}")))?;
        if payment.voided {
            return Err(Error::Conflict(format!("收据 {label} 已作废")));
        }
        if date < payment.paid_on {
            return Err(Error::invalid("作废日期", format!("{date} 早于收款日期 {}", payment.paid_on)));
        }
        let household = tx.household(book.row.community_id, payment.household_id).await?.ok_or_else(|| Error::not_found("住户"))?;
        // Everything the payment settled so far: at payment, and from its prepayment since.
        let mut settled_by_bill: BTreeMap<BillId, i64> = BTreeMap::new();
        for a in tx.allocations_of_payment(book.row.community_id, payment.id).await? {
            *settled_by_bill.entry(a.bill_id).or_default() += a.amount_fen;
        }
        // A payment with a voucher of its own is voided by the red ink of that voucher (posted by
        // the close after it, if it waits too); one in a day's voucher (日结) by the opposite
        // entry, since the day's voucher stands for the others, and one still open may gain more.
        let open_day = book.row.payment_vouchers == PaymentVouchers::Daily
            && tx.voucher(book.key(), payment.voucher_id).await?.is_some_and(|v| v.status != VoucherStatus::Posted);
        let own = !open_day && tx.payments_of_voucher(book.key(), payment.voucher_id).await?.len() == 1;
        let settled_fen: i64 = settled_by_bill.values().sum();
        // The account the payment's voucher was debited with (the book's setting may have changed since).
        let money = match tx.lines(book.key(), payment.voucher_id).await?.into_iter().find(|l| l.debit_fen > 0) {
            Some(l) => book.code_of(l.account_id)?.to_string(),
            None if own => return Err(Error::not_found(format!("收据 {label} 的收款凭证"))),
            None => money_account(book, &accounts, payment.method)?,
        };
        let lines = void_lines(&accounts, &money, &payment, &household, settled_fen, reason, own);
        let period = Period::of_date(date);
        let reopening = settled_by_bill.iter().filter(|(_, fen)| **fen != 0);
        // The void's voucher waits for the day's close like the payment's: the approver decided
        // the void, and the close's reviewer, who took none of the money, posts it.
        let input = VoucherInput { date, attachments: 1, lines };
        let kind = if own { VoucherKind::Reversal } else { VoucherKind::Normal };
        let voucher_id = start_system_draft(&mut tx, book, &input, kind, own.then_some(payment.voucher_id)).await?;
        let void = NewPaymentVoid { payment_id: payment.id, reason, approver, period, voucher_id, created_at: Utc::now() };
        let void_id = tx.insert_payment_void(book.row.community_id, &void).await?;
        let mut reopened = Vec::with_capacity(settled_by_bill.len());
        for (&bill_id, &fen) in reopening {
            let bill = tx.bill(book.key(), bill_id).await?.ok_or_else(|| Error::not_found(format!("账单 #{bill_id}")))?;
            reopened.push(Settlement {
                allocation: AllocationRow {
                    bill_id,
                    payment_id: Some(payment.id),
                    waiver_id: None,
                    void_id: Some(void_id),
                    amount_fen: -fen,
                    period,
                    reversal_id: None,
                },
                building: household.building.clone(),
                bill_period: bill.period,
                voucher_id,
            });
        }
        write_settlements(&mut tx, book, &reopened).await?;
        let payment = PaymentRow { voided: true, ..payment };
        let receipt = receipt_of(&mut tx, book, &payment).await?;
        tx.commit().await?;
        Ok(receipt)
    }
}

/// The void's lines (pure): the payment's entry (借 the money account, 贷 应收账款 for what it
/// settled as things stand now, so that a prepayment already applied reopens those bills, and 贷
/// 预收账款 for the rest) undone, in red or as the opposite entry.
fn void_lines(
    accounts: &FeeAccounts,
    money: &str,
    payment: &PaymentRow,
    household: &HouseholdRow,
    settled_fen: i64,
    reason: &str,
    red: bool,
) -> Vec<LineInput> {
    let summary = format!("作废收据{} {}：{reason}", receipt_label(payment.receipt_number), household_label(household));
    let dims = Dimensions { household_id: Some(household.id), ..Dimensions::default() };
    let mut entry = vec![(money, payment.amount_fen, 0)];
    if settled_fen > 0 {
        entry.push((accounts.receivable.as_str(), 0, settled_fen));
    }
    if payment.amount_fen > settled_fen {
        entry.push((accounts.advance.as_str(), 0, payment.amount_fen - settled_fen));
    }
    undo_entry(&summary, &dims, &entry, red)
}
