//! The fee wing's rows: households, fee items and standards, meter readings, bills, payments,
//! allocations and the figures read back, as the store returns them and the pure rules
//! (`fees::rules`) take them. Plain data with their own small readings; the SQL that reads and
//! writes them is in `fees::store`.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::domain::area::AreaM2Hundredths;
use crate::domain::ids::{
    AccountId, BillId, BillingRunId, BookKey, FeeItemId, FeeStandardId, HouseholdId, PaymentId, ReversalId, UnitId, VoidId, VoucherId,
    WaiverId,
};
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::kinds::{FeeBasis, FlowKind, HouseholdKind};
use crate::fees::Method;

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct HouseholdRow {
    pub id: HouseholdId,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub area_m2_hundredths: AreaM2Hundredths,
    pub kind: HouseholdKind,
    pub owner_name: String,
    pub phone: String,
    pub move_in_date: Option<NaiveDate>,
}

impl HouseholdRow {
    /// Whether an imported row says the same as the stored one (nothing to update).
    pub fn same_as(&self, h: &NewHousehold) -> bool {
        self.area_m2_hundredths == h.area_m2_hundredths
            && self.kind == h.kind
            && self.owner_name == h.owner_name
            && self.phone == h.phone
            && self.move_in_date == h.move_in_date
    }
}

/// A household as imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHousehold {
    pub building: String,
    pub unit: String,
    pub room: String,
    pub area_m2_hundredths: AreaM2Hundredths,
    pub kind: HouseholdKind,
    pub owner_name: String,
    pub phone: String,
    pub move_in_date: Option<NaiveDate>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct FeeItemRow {
    pub id: FeeItemId,
    pub code: String,
    pub name: String,
    pub basis: FeeBasis,
    pub revenue_account_id: AccountId,
    pub late_fee_ppm_per_day: i64,
    pub late_fee_cap_percent: i64,
    /// Its own VAT rate in percent where it differs from the book's (`fee item --vat-rate`).
    #[sqlx(default)]
    pub vat_rate: Option<String>,
}

/// A rate in force over a range of days, for a kind of household or unit, or for one unit (its
/// own rate, which comes before its kind's): exactly one of the two is set (the schema checks).
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct FeeStandardRow {
    pub id: FeeStandardId,
    pub fee_item_id: FeeItemId,
    pub household_kind: Option<HouseholdKind>,
    pub unit_code: Option<String>,
    pub rate_yuan: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

/// Whom a standard is for: a kind of household or unit, or one unit by its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StandardFor {
    Kind(HouseholdKind),
    Unit(String),
}

impl StandardFor {
    /// As the 明码标价 list and `fee standard` name it: "住宅", "单元 B1-018".
    pub fn label(&self) -> String {
        match self {
            StandardFor::Kind(kind) => kind.label().to_string(),
            StandardFor::Unit(code) => format!("单元 {code}"),
        }
    }
}

impl FeeStandardRow {
    /// Whom the standard is for: its unit, else its kind (the schema keeps exactly one set).
    pub fn target(&self) -> Option<StandardFor> {
        match (&self.unit_code, self.household_kind) {
            (Some(code), _) => Some(StandardFor::Unit(code.clone())),
            (None, Some(kind)) => Some(StandardFor::Kind(kind)),
            (None, None) => None,
        }
    }

    pub fn is_for(&self, target: &StandardFor) -> bool {
        self.target().as_ref() == Some(target)
    }

    pub fn rate(&self) -> Result<Decimal> {
        Decimal::from_str(&self.rate_yuan).map_err(|_| Error::invalid("收费标准", format!("数据库中的单价“{}”无法解读", self.rate_yuan)))
    }

    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|u| day < u)
    }

    /// Whom the standard is for, as the 明码标价 list names it (`StandardFor::label`).
    pub fn target_label(&self) -> String {
        self.target().map_or_else(|| "?".to_string(), |t| t.label())
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MeterReadingRow {
    pub household_id: HouseholdId,
    pub fee_item_id: FeeItemId,
    pub period: Period,
    pub reading: String,
    pub is_replacement: bool,
    /// 旧表止数 and 新表起数 of a replacement (migration 0009); a replacement without them
    /// counts the new meter from zero.
    pub old_meter_final: Option<String>,
    pub new_meter_start: Option<String>,
}

impl MeterReadingRow {
    pub fn value(&self) -> Result<Decimal> {
        stored_reading(&self.reading)
    }

    pub fn change(&self) -> Result<Option<MeterChange>> {
        if !self.is_replacement {
            return Ok(None);
        }
        let old_final = self.old_meter_final.as_deref().map(stored_reading).transpose()?;
        let new_start = self.new_meter_start.as_deref().map(stored_reading).transpose()?.unwrap_or(Decimal::ZERO);
        Ok(Some(MeterChange { old_final, new_start }))
    }
}

/// Readings are written only after Decimal::from_str accepted them; one that no longer reads
/// was changed behind the program's back.
fn stored_reading(text: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|_| Error::invalid("抄表读数", format!("数据库中的读数“{text}”无法解读")))
}

#[derive(Clone, Debug)]
pub struct NewBill {
    pub household_id: HouseholdId,
    /// The unit the bill is for (a parking space the household holds); None for its own.
    pub unit_id: Option<UnitId>,
    pub fee_item_id: FeeItemId,
    pub period: Period,
    pub amount_fen: i64,
    /// 1, or one more than the month's cancelled issues of this household's item.
    pub issue: i64,
    /// The output VAT the amount includes (0 without VAT).
    pub tax_fen: i64,
}

/// What a month's bills of one household and fee item are so far: how many issues, and
/// whether one of them is live (not cancelled).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BillKeyRow {
    pub household_id: HouseholdId,
    pub unit_id: Option<UnitId>,
    pub fee_item_id: FeeItemId,
    pub issues: i64,
    pub live: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct BillingRunRow {
    pub id: BillingRunId,
    pub period: Period,
    pub voucher_id: Option<VoucherId>,
    pub bills: i64,
    pub total_fen: i64,
    pub created_by: String,
    /// What reversals of the run have cancelled so far.
    pub reversed_bills: i64,
    pub reversed_fen: i64,
}

/// A bill of a billing run, with what waivers and a cancellation did to it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RunBillRow {
    pub id: BillId,
    pub household_id: HouseholdId,
    pub fee_item_id: FeeItemId,
    pub amount_fen: i64,
    pub tax_fen: i64,
    pub waived_fen: i64,
    pub cancelled_fen: i64,
}

/// What one payment has settled of one bill, net of voids and earlier hand-backs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BillPaymentRow {
    pub bill_id: BillId,
    pub payment_id: PaymentId,
    pub receipt_number: i64,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
}

pub struct NewBillingReversal<'a> {
    pub book: BookKey,
    pub billing_run_id: BillingRunId,
    pub household_id: Option<HouseholdId>,
    pub bills: i64,
    pub total_fen: i64,
    pub reason: &'a str,
    pub approver: &'a str,
    pub period: Period,
    pub voucher_id: VoucherId,
    pub created_at: DateTime<Utc>,
}

/// A bill with what is still owed on it.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct OpenBillRow {
    pub id: BillId,
    pub household_id: HouseholdId,
    pub fee_item_id: FeeItemId,
    pub fee_item_name: String,
    /// The unit the bill is for ("B1-018"), None for the household's own.
    pub unit_code: Option<String>,
    pub period: Period,
    pub amount_fen: i64,
    pub open_fen: i64,
}

impl OpenBillRow {
    /// What the bill is for on a receipt or notice: "停车费", "停车费（B1-018）".
    pub fn label(&self) -> String {
        bill_label(&self.fee_item_name, self.unit_code.as_deref())
    }
}

/// A bill's name: its fee item's, with the unit it is for.
pub fn bill_label(fee_item: &str, unit_code: Option<&str>) -> String {
    match unit_code {
        Some(code) => format!("{fee_item}（{code}）"),
        None => fee_item.to_string(),
    }
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct PaymentRow {
    pub id: PaymentId,
    pub household_id: HouseholdId,
    pub idempotency_key: String,
    pub method: Method,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub receipt_number: i64,
    pub voucher_id: VoucherId,
    pub cashier: String,
    /// What it settled when it was made; None for payments recorded before this was kept.
    pub settled_fen: Option<i64>,
    pub reference: Option<String>,
    pub remark: Option<String>,
    pub late_reason: Option<String>,
    /// When it was entered: a payment dated before that day was entered late (补录).
    pub created_at: DateTime<Utc>,
    /// Voided by a reversing entry (收据作废).
    pub voided: bool,
}

impl PaymentRow {
    /// Entered after the day it is dated (补录), by Beijing's calendar.
    pub fn entered_late(&self) -> bool {
        crate::domain::time::beijing_date(self.created_at) > self.paid_on
    }
}

pub struct NewPayment<'a> {
    pub book: BookKey,
    pub household_id: HouseholdId,
    pub idempotency_key: &'a str,
    pub method: Method,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub receipt_number: i64,
    pub voucher_id: VoucherId,
    pub cashier: &'a str,
    pub settled_fen: i64,
    pub note: crate::fees::PaymentNote<'a>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AllocationRow {
    pub bill_id: BillId,
    pub payment_id: Option<PaymentId>,
    pub waiver_id: Option<WaiverId>,
    /// Set on the negative rows by which a void reopens what its payment settled.
    pub void_id: Option<VoidId>,
    pub amount_fen: i64,
    pub period: Period,
    /// Set by a billing reversal: alone on the row that cancels the bill; with the payment on
    /// the negative row that hands back to it what it had settled.
    pub reversal_id: Option<ReversalId>,
}

impl AllocationRow {
    pub fn kind(&self) -> FlowKind {
        match (self.payment_id, self.waiver_id) {
            (Some(_), _) => FlowKind::Paid,
            (None, Some(_)) => FlowKind::Waived,
            (None, None) => FlowKind::Cancelled,
        }
    }
}

/// What is left of a payment after the bills it settled: a prepayment (预收).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PrepaymentRow {
    pub household_id: HouseholdId,
    pub payment_id: PaymentId,
    pub receipt_number: i64,
    pub paid_on: NaiveDate,
    pub left_fen: i64,
}

pub struct NewBillingRun<'a> {
    pub book: BookKey,
    pub period: Period,
    pub voucher_id: Option<VoucherId>,
    pub bills: i64,
    pub total_fen: i64,
    pub created_by: &'a str,
    pub created_at: DateTime<Utc>,
    /// The master-data chain it billed from (`fees::seal::master`), sealed with its bills.
    pub master_seq: i64,
    pub master_head: &'a str,
    /// What it billed per building (JSON), sealed with it.
    pub by_building: &'a str,
}

pub struct NewPaymentVoid<'a> {
    pub payment_id: PaymentId,
    pub reason: &'a str,
    pub approver: &'a str,
    pub period: Period,
    pub voucher_id: VoucherId,
    pub created_at: DateTime<Utc>,
}

pub struct NewWaiver<'a> {
    pub bill_id: BillId,
    pub amount_fen: i64,
    /// The output VAT it takes back.
    pub tax_fen: i64,
    pub reason: &'a str,
    pub approver: &'a str,
    pub period: Period,
    pub voucher_id: VoucherId,
    pub created_at: DateTime<Utc>,
}

/// Open amount at a month end, by household label and age bucket
/// (0: under 3 months, 1: 3–6, 2: 6–12, 3: 12–24, 4: 24 and over).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AgingRow {
    pub key: String,
    pub bucket: i64,
    pub open_fen: i64,
}

/// A change to the maintained fee figures of one building, bill month, event month and kind.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FlowRow {
    pub building: String,
    pub bill_period: Period,
    pub event_period: Period,
    pub kind: FlowKind,
    pub amount_fen: i64,
}

/// One bill of a household; what settled it, and when, comes from
/// [`FeesTx::household_settlements`], so a statement can be as at any date.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct HouseholdBillRow {
    pub bill_id: BillId,
    pub period: Period,
    pub fee_item: String,
    pub unit_code: Option<String>,
    pub amount_fen: i64,
    pub late_fee_ppm_per_day: i64,
    pub late_fee_cap_percent: i64,
}

/// One settlement of a household's bill with what dates it: the payment (its date and month),
/// the waiver's or void's voucher date. Read by the statement as at a date.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BillSettlementRow {
    pub bill_id: BillId,
    pub payment_id: Option<PaymentId>,
    pub is_waiver: bool,
    pub is_cancellation: bool,
    pub amount_fen: i64,
    pub period: Period,
    pub paid_on: Option<NaiveDate>,
    pub payment_period: Option<Period>,
    pub voucher_date: Option<NaiveDate>,
}

impl BillSettlementRow {
    /// The day the settlement took effect: a waiver's, void's or reversal's voucher date; a payment's date
    /// when it settled at payment, else the first day of the month whose billing it settled.
    pub fn on(&self) -> NaiveDate {
        match (self.voucher_date, self.paid_on, self.payment_period) {
            (Some(date), _, _) => date,
            (None, Some(paid_on), Some(month)) if month == self.period => paid_on,
            _ => self.period.first_day(),
        }
    }
}

/// A bill settled past its amount or below zero: (bill, amount, allocated).
pub type OverSettled = (BillId, i64, i64);

/// Per-period totals of the receivable subledger, for invariant 5.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SubledgerPeriodRow {
    pub period: Period,
    pub billed_fen: i64,
    pub paid_fen: i64,
    pub waived_fen: i64,
    /// Of what was paid or voided, what waits in a draft for the day's close (日结): not yet in the ledger.
    pub pending_fen: i64,
}

/// A meter replaced in the month (换表), as the reading sheet records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeterChange {
    /// 旧表止数: the old meter's last reading; its use since the previous reading is billed too.
    /// Without it the old meter's last stretch is not billed.
    pub old_final: Option<Decimal>,
    /// 新表起数: the new meter's first reading (zero when not given).
    pub new_start: Decimal,
}
