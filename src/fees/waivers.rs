//! 减免: an approved reduction of one open bill, with its reason.

use chrono::{NaiveDate, Utc};

use crate::domain::ids::{BillId, VoucherId, WaiverId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::rows::{AllocationRow, FeeItemRow, NewWaiver, OpenBillRow};
use crate::fees::seal::{AllocationSeal, Source, SubledgerRows, WaiverSeal};
use crate::fees::settle::{write_settlements, Settlement};
use crate::fees::store::FeesStore;
use crate::fees::store::FeesTx;
use crate::fees::vat::{output_tax_account, tax_of_part};
use crate::fees::{check_reason, fee_accounts, household_label, Fees, SYSTEM_MAKER};
use crate::ledger::account::FeeAccounts;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput, VoucherKind};
use crate::ledger::{check_person, post_approved, ApprovedVoucher, Book};
use crate::store::Tx;

impl<S: FeesStore> Fees<S> {
    /// 减免: reduces one open bill by an approved amount, with its reason, posting 借 the item's
    /// revenue (冲减收入) 贷 应收账款.
    pub async fn waive(&self, book: &Book, bill_id: BillId, amount: Fen, reason: &str, approver: &str, date: NaiveDate) -> Result<Waived> {
        let accounts = fee_accounts(book)?;
        let reason = check_reason("减免原因", reason)?;
        let approver = check_person("审批人", approver)?;
        if amount.0 <= 0 || !amount.within_limit() {
            return Err(Error::invalid("减免金额", format!("须大于零，不超过 {}", Fen(crate::domain::limits::MAX_AMOUNT_FEN))));
        }
        let mut tx = self.store().begin().await?;
        // The book's row first, as a payment takes it (see `record_payment`).
        tx.claim_chain(book.key(), 0, 0).await?;
        let bill = tx
            .bill(book.key(), bill_id)
            .await?
            .filter(|b| b.open_fen > 0)
            .ok_or_else(|| Error::not_found(format!("未结清的账单 #{bill_id}")))?;
        if amount.0 > bill.open_fen {
            return Err(Error::invalid("减免金额", format!("{amount} 超过账单未结清金额 {}", Fen(bill.open_fen))));
        }
        let item =
            tx.fee_items(book.key()).await?.into_iter().find(|f| f.id == bill.fee_item_id).ok_or_else(|| Error::not_found("收费项目"))?;
        let household = tx.household(book.row.community_id, bill.household_id).await?.ok_or_else(|| Error::not_found("住户"))?;
        let what = format!("{} {} {}（账单 #{bill_id}）", household_label(&household), bill.period, item.name);
        // The part of the bill's output tax the waiver takes back (vat::tax_of_part).
        let (bill_tax, waived, waived_tax) = tx.bill_tax(book.key(), bill_id).await?;
        let tax = tax_of_part(Fen(bill.amount_fen), Fen(bill_tax), Fen(waived), Fen(waived_tax), amount);
        let summary = format!("减免 {what}：{reason}");
        let lines = waiver_lines(book, &accounts, &summary, &bill, &item, amount, tax)?;
        let period = Period::of_date(date);
        let sealed = waiver_rows(bill_id, amount, tax, reason, approver, period);
        let voucher = waiver_voucher(date, lines, approver, &sealed);
        let posted = post_approved(&mut tx, book, approver, std::slice::from_ref(&voucher)).await?;
        let waiver = NewWaiver {
            bill_id,
            amount_fen: amount.0,
            tax_fen: tax.0,
            reason,
            approver,
            period,
            voucher_id: posted[0].voucher_id,
            created_at: Utc::now(),
        };
        let waiver_id = tx.insert_waiver(book.row.community_id, &waiver).await?;
        let allocation = AllocationRow {
            bill_id,
            payment_id: None,
            waiver_id: Some(waiver_id),
            void_id: None,
            amount_fen: amount.0,
            period,
            reversal_id: None,
        };
        let voucher_id = posted[0].voucher_id;
        write_settlements(&mut tx, book, &[Settlement { allocation, building: household.building, bill_period: bill.period, voucher_id }])
            .await?;
        tx.commit().await?;
        Ok(Waived { id: waiver_id, bill: what })
    }
}

/// The waiver's voucher lines (pure): 借 the item's revenue, net of the tax taken back, 贷
/// 应收账款 the whole amount.
fn waiver_lines(
    book: &Book,
    accounts: &FeeAccounts,
    summary: &str,
    bill: &OpenBillRow,
    item: &FeeItemRow,
    amount: Fen,
    tax: Fen,
) -> Result<Vec<LineInput>> {
    let dims = Dimensions { household_id: Some(bill.household_id), fee_item_id: Some(item.id), ..Dimensions::default() };
    let line = |account: &str, debit: Fen, credit: Fen| LineInput::new(summary.to_string(), account, debit, credit, dims.clone());
    let mut lines = vec![line(book.code_of(item.revenue_account_id)?, Fen(amount.0 - tax.0), Fen::ZERO)];
    if tax.0 > 0 {
        // The tax taken back in red ink on the credit side, as the VAT return reads it: the
        // month's net VAT payable, and the surtaxes on it, fall by the waived tax.
        lines.push(line(output_tax_account(book), Fen::ZERO, Fen(-tax.0)));
    }
    lines.push(line(accounts.receivable.as_str(), Fen::ZERO, amount));
    Ok(lines)
}

/// What the waiver's voucher seals (pure): the waiver and its allocation.
fn waiver_rows(bill_id: BillId, amount: Fen, tax: Fen, reason: &str, approver: &str, period: Period) -> SubledgerRows {
    SubledgerRows {
        allocations: vec![AllocationSeal::new(bill_id, Source::Waiver, None, amount.0, period.key())],
        waivers: vec![WaiverSeal {
            voucher_id: VoucherId(0),
            bill_id,
            amount_fen: amount.0,
            tax_fen: tax.0,
            reason: reason.to_string(),
            approver: approver.to_string(),
            period: period.key(),
        }],
        ..SubledgerRows::default()
    }
}

/// The waiver's voucher, approved by its approver and sealing `sealed`.
fn waiver_voucher(date: NaiveDate, lines: Vec<LineInput>, approver: &str, sealed: &SubledgerRows) -> ApprovedVoucher {
    ApprovedVoucher {
        input: VoucherInput { date, attachments: 1, lines },
        kind: VoucherKind::Normal,
        maker: SYSTEM_MAKER.into(),
        reviewer: approver.into(),
        reverses_id: None,
        subledger: sealed.digest(),
    }
}

/// A waiver just recorded: its id, and the bill it reduced as the voucher names it.
#[derive(Debug, Clone)]
pub struct Waived {
    pub id: WaiverId,
    /// "1-1-101 2025-03 物业服务费（账单 #17）".
    pub bill: String,
}
