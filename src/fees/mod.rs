//! The fee wing: households, fee items and standards, billing runs, payments with numbered
//! receipts, voids (by red-ink reversal) and waivers. Bills are the household-level subledger
//! of 应收账款/预收账款 and tie to the ledger (DESIGN.md invariant 5); every operation is one
//! transaction, and its voucher is posted in that same transaction through the ledger's public
//! posting functions.
//!
//! `rules` holds the pure arithmetic (charges, allocation, the billing plan); `store` the rows
//! and SQL; one file per operation beside them; `reports`, `paper` and `verify` read.

mod billing;
pub mod billing_runs;
pub mod daily;
pub mod figures;
mod households;
mod items;
pub mod kinds;
pub mod office;
pub mod paper;
mod payment_plan;
mod payments;
mod receipts;
pub mod reports;
pub mod restore;
pub mod reversal;
pub mod rows;
pub mod rules;
pub mod seal;
pub mod search;
mod settle;
mod sql;
mod statement;
pub mod store;
pub mod units;
pub mod vat;
pub mod verify;
mod voids;
mod waivers;

use chrono::NaiveDate;

use crate::domain::ids::{AccountId, BillId, BillingRunId, HouseholdId};
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::fees::rows::{FeeItemRow, HouseholdRow};
use crate::fees::rules::FeeBasis;
use crate::fees::store::FeesStore;
use crate::fees::store::FeesTx;
use crate::ledger::account::FeeAccounts;
use crate::ledger::voucher::{Dimensions, LineInput};
use crate::ledger::{chart, Book, Ledger};

pub use households::parse_households;
pub use items::{MeterChangeInput, MeterReadingInput};
pub use payments::{Alongside, PaymentGroup};

pub use crate::ledger::SYSTEM_MAKER;

/// The fee wing's operations over one store. It reaches the ledger only through `Ledger`'s
/// public operations and posting functions.
#[derive(Clone)]
pub struct Fees<S: FeesStore> {
    ledger: Ledger<S>,
}

impl<S: FeesStore> Fees<S> {
    pub fn new(ledger: &Ledger<S>) -> Fees<S> {
        Fees { ledger: ledger.clone() }
    }

    pub(crate) fn store(&self) -> &S {
        &self.ledger.store
    }

    /// The ledger the wing posts to, for a book setting of the ledger's own.
    pub fn ledger(&self) -> &Ledger<S> {
        &self.ledger
    }
}

/// How a payment arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Cash,
    Bank,
    Wechat,
    Alipay,
}

impl Method {
    pub fn parse(text: &str) -> Option<Method> {
        Some(match text.trim() {
            "cash" | "现金" => Method::Cash,
            "bank" | "银行" | "转账" => Method::Bank,
            "wechat" | "微信" => Method::Wechat,
            "alipay" | "支付宝" => Method::Alipay,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::Bank => "bank",
            Method::Wechat => "wechat",
            Method::Alipay => "alipay",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::Cash => "现金",
            Method::Bank => "银行转账",
            Method::Wechat => "微信",
            Method::Alipay => "支付宝",
        }
    }
}

/// "1-2-301": building, unit and room, as the office writes a household.
/// "1-2-301", or "商业街-S018" for a unit without 单元: how the office writes a house number,
/// and the key `--household` takes.
pub fn household_label(h: &HouseholdRow) -> String {
    label_of(&h.building, &h.unit, &h.room)
}

pub fn label_of(building: &str, unit: &str, room: &str) -> String {
    if unit.trim().is_empty() {
        format!("{building}-{room}")
    } else {
        format!("{building}-{unit}-{room}")
    }
}

pub(crate) fn fee_accounts(book: &Book) -> Result<FeeAccounts> {
    chart::load(&book.row.chart)?
        .fee_accounts
        .clone()
        .ok_or_else(|| Error::invalid("账套", format!("账套 {} 的科目模板不用于收取物业费", book.row.code)))
}

/// The account payments by `method` are booked to in `book`.
pub fn money_account_of(book: &Book, method: Method) -> Result<String> {
    payment_plan::money_account(book, &fee_accounts(book)?, method)
}

pub(crate) fn account_id(book: &Book, code: &crate::ledger::account::AccountCode) -> Result<AccountId> {
    book.account_id(code.as_str()).ok_or_else(|| Error::not_found(format!("科目 {code}")))
}

#[derive(Debug, Default, serde::Serialize)]
pub struct HouseholdImport {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct BillingRun {
    /// 计费批次号, which `unbill --run` takes; None when nothing new was billed.
    pub run: Option<BillingRunId>,
    pub period: String,
    pub bills: usize,
    pub total: Fen,
    pub prepayment_applied: Fen,
    /// "记-0012", or None when nothing new was billed.
    pub voucher: Option<String>,
    /// Metered bills held back, one line each: "1-1-101 水费：缺少上期读数…".
    pub held: Vec<String>,
    /// What the run bills per building and fee item, beside last month's, in the office's order:
    /// what the accountant checks before confirming.
    pub lines: Vec<BilledLine>,
}

/// One building's bills of one fee item in a run, and the same month before.
#[derive(Debug, serde::Serialize)]
pub struct BilledLine {
    pub building: String,
    pub fee_item: String,
    pub amount: Fen,
    pub last_month: Fen,
    /// amount − last_month.
    pub change: Fen,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SettledBill {
    pub bill_id: BillId,
    pub period: String,
    pub fee_item: String,
    pub amount: Fen,
    /// True when the receipt paid part of the month's bill, not the whole ("2023-04 部分 62.27").
    pub part: bool,
}

/// 收据: what a payment printed, and returns again when the same idempotency key comes back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Receipt {
    pub book: String,
    pub number: i64,
    /// "No.000123"
    pub label: String,
    pub household: String,
    pub owner_name: String,
    pub method: String,
    pub paid_on: NaiveDate,
    pub amount: Fen,
    /// 大写金额
    pub amount_in_words: String,
    pub settled: Vec<SettledBill>,
    /// What this payment left as a prepayment (预收).
    pub prepaid: Fen,
    pub voucher: String,
    /// The payment voucher's link in the book's hash chain: printed on the receipt, so that
    /// anyone can check it against the published ledger fingerprint.
    pub fingerprint: String,
    pub cashier: String,
    /// True when this is the answer to a repeated idempotency key.
    pub replayed: bool,
    /// True once the payment has been voided by a reversing entry.
    pub voided: bool,
    /// Set on a reprint (补打), the day it was printed again: the paper says so, so that a
    /// second original cannot be made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reprinted_on: Option<NaiveDate>,
    /// The verification code and the public page that checks the payment against its month's
    /// published total (`disclosure::receipt_check`), set by whoever prints the receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<ReceiptCheck>,
}

/// What a resident uses to check a payment: the receipt's code and the verification page.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReceiptCheck {
    pub code: String,
    pub url: String,
}

#[derive(Clone, Debug)]
pub struct PaymentRequest<'a> {
    pub household_id: HouseholdId,
    pub amount: Fen,
    pub method: Method,
    pub paid_on: NaiveDate,
    pub idempotency_key: &'a str,
    pub cashier: &'a str,
    /// Settle these bills (in this order) instead of the oldest first.
    pub bill_ids: Option<Vec<BillId>>,
    /// What the till records beside it: 交易单号, remark, why it was entered late.
    pub note: PaymentNote<'a>,
}

/// What the cashier's till records beside a payment, each kept as typed (trimmed) or absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaymentNote<'a> {
    /// 交易单号 of a 微信, 支付宝 or bank payment.
    pub reference: Option<&'a str>,
    pub remark: Option<&'a str>,
    /// 补录原因: why a payment dated before the day it is entered was entered late.
    pub late_reason: Option<&'a str>,
}

/// A fee item as an accountant defines it.
pub struct FeeItemSpec<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub basis: FeeBasis,
    pub revenue_account: &'a str,
    /// 滞纳金: parts per million of the open amount per day overdue (e.g. 300 = 0.03 %/day); 0 = off.
    pub late_fee_ppm_per_day: i64,
    pub late_fee_cap_percent: i64,
}

pub(crate) async fn fee_item_by_code<T: FeesTx>(tx: &mut T, book: &Book, code: &str) -> Result<FeeItemRow> {
    tx.fee_items(book.key()).await?.into_iter().find(|f| f.code == code).ok_or_else(|| Error::not_found(format!("收费项目 {code}")))
}

/// A waiver's or a void's reason: required, at most 200 characters (the tables' CHECK).
pub(crate) fn check_reason<'a>(field: &str, reason: &'a str) -> Result<&'a str> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::invalid(field, "须填写，最多200个字"));
    }
    Ok(reason)
}

/// The lines that undo an entry written as `written` (account, 借, 贷; debits first): in red on
/// the same sides (红字冲销), or, where the ledger cannot reverse the voucher as a whole, in
/// blue on the opposite sides, debits first again.
pub(crate) fn undo_entry(summary: &str, dims: &Dimensions, written: &[(&str, i64, i64)], red: bool) -> Vec<LineInput> {
    let line = |&(account, debit, credit): &(&str, i64, i64)| {
        let (debit, credit) = if red { (-debit, -credit) } else { (credit, debit) };
        LineInput::new(summary, account, Fen(debit), Fen(credit), dims.clone())
    };
    if red {
        written.iter().map(line).collect()
    } else {
        written.iter().rev().map(line).collect()
    }
}

/// "No.000123"
pub fn receipt_label(number: i64) -> String {
    format!("No.{number:06}")
}
