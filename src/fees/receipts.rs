//! A household's payments and receipts read back: a receipt rebuilt for reprinting, what is
//! open and owed, the 预收 held, a day's and a household's payments; and the accounts each way
//! of paying is booked to.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::capital::capital_amount;
use crate::domain::ids::HouseholdId;
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::fees::rows::{HouseholdRow, OpenBillRow, PaymentRow};
use crate::fees::store::FeesStore;
use crate::fees::store::FeesTx;
use crate::fees::{fee_accounts, household_label, receipt_label, Fees, Method, PaymentRequest, Receipt, SettledBill, SYSTEM_MAKER};
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::VoucherStatus;
use crate::ledger::{describe, Book};
use crate::store::Tx;

/// What a receipt names as its voucher until the day's close posts it.
pub const PENDING_DAY_CLOSE: &str = "待日结";
use crate::fees::figures::FiguresTx;

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

/// The receipt of a payment just recorded.
pub(super) fn new_receipt(
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
