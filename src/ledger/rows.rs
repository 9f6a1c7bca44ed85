//! The ledger's rows: communities, books, accounts, periods, vouchers and their lines, the
//! journal as `verify` reads it, balances, openings and the chain's claim, as the store
//! returns them and the wing's rules take them. The SQL that reads and writes them is in
//! `ledger::store`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::ids::{AccountId, BookId, BookKey, CommunityId, HouseholdId, VoucherId};
use crate::domain::period::Period;
use crate::ledger::account::{AccountClass, Side};
use crate::ledger::settings::{CashFlowItems, PaymentVouchers, VatScheme};
use crate::ledger::voucher::{PeriodStatus, VoucherKind, VoucherStatus};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct CommunityRow {
    pub id: CommunityId,
    pub name: String,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct BookRow {
    pub id: BookId,
    pub community_id: CommunityId,
    pub code: String,
    pub name: String,
    pub chart: String,
    pub standard: String,
    pub edition: String,
    pub profit_account: String,
    pub retained_account: String,
    pub start_period: Period,
    pub chain_len: i64,
    pub chain_head: String,
    pub payment_vouchers: PaymentVouchers,
    pub vat_scheme: VatScheme,
    /// Percent, as decimal text ("6").
    pub vat_rate: String,
    /// The account codes payments by each method are booked to; None: the chart's default.
    pub cash_account: Option<String>,
    pub bank_account: Option<String>,
    pub wechat_account: Option<String>,
    pub alipay_account: Option<String>,
    pub cash_flow_items: CashFlowItems,
    /// Above this a payment at the till asks again (`fee settings --confirm-above`).
    pub confirm_above_fen: Option<i64>,
    /// Receipt numbers issued so far (the fee wing's counter, kept on the book's row).
    pub receipts_issued: i64,
}

impl BookRow {
    /// The book with its community, as every query of its rows names it.
    pub fn key(&self) -> BookKey {
        BookKey { community_id: self.community_id, book_id: self.id }
    }
}

pub struct NewBook<'a> {
    pub community_id: CommunityId,
    pub code: &'a str,
    pub name: &'a str,
    pub chart: &'a str,
    pub standard: &'a str,
    pub edition: &'a str,
    pub profit_account: &'a str,
    pub retained_account: &'a str,
    pub start_period: Period,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountRow {
    pub id: AccountId,
    pub code: String,
    pub name: String,
    pub class: AccountClass,
    pub normal_side: Side,
    pub parent_code: Option<String>,
    pub level: i64,
    pub is_leaf: bool,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct PeriodRow {
    pub period: Period,
    pub status: PeriodStatus,
    pub vouchers_posted: i64,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub chain_len_at_close: Option<i64>,
    pub chain_head_at_close: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct VoucherRow {
    pub id: VoucherId,
    pub book_id: BookId,
    pub period: Period,
    pub voucher_date: NaiveDate,
    pub kind: VoucherKind,
    pub status: VoucherStatus,
    pub number: Option<i64>,
    pub attachments: i64,
    pub maker: String,
    pub reviewer: Option<String>,
    pub poster: Option<String>,
    pub reverses_id: Option<VoucherId>,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub posted_at: Option<DateTime<Utc>>,
    pub chain_seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    /// The digest of the subledger rows sealed with it (`fees::seal`); "" for none, NULL for a
    /// voucher posted before migration 0018.
    pub subledger_digest: Option<String>,
}

/// A voucher row to insert: a draft (no number, no chain fields) or, on the batch path, a
/// voucher already reviewed and now posted.
#[derive(Clone, Debug)]
pub struct NewVoucher {
    pub community_id: CommunityId,
    pub book_id: BookId,
    pub period: Period,
    pub voucher_date: NaiveDate,
    pub kind: VoucherKind,
    pub status: VoucherStatus,
    pub number: Option<i64>,
    pub attachments: i64,
    pub maker: String,
    pub reviewer: Option<String>,
    pub poster: Option<String>,
    pub reverses_id: Option<VoucherId>,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub posted_at: Option<DateTime<Utc>>,
    pub chain_seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    pub subledger_digest: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct LineRow {
    pub voucher_id: VoucherId,
    pub line_no: i64,
    pub summary: String,
    pub account_id: AccountId,
    pub debit_fen: i64,
    pub credit_fen: i64,
    pub household_id: Option<HouseholdId>,
    pub fee_item_id: Option<crate::domain::ids::FeeItemId>,
    pub subsidy_program_id: Option<crate::domain::ids::ProgramId>,
    pub service_category: Option<String>,
    pub supplier_id: Option<crate::domain::ids::SupplierId>,
    pub cash_flow_item: Option<i64>,
}

/// A posted voucher with its lines, in chain order: what `verify` and the exports read. Its
/// kind and texts stay as stored (codes, not enums), so that `verify` reports a tampered value
/// as a finding instead of failing to read it; its ids are typed, which any integer reads as.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct JournalVoucher {
    pub voucher_id: VoucherId,
    pub chain_seq: i64,
    pub period: i64,
    pub number: i64,
    pub voucher_date: NaiveDate,
    pub kind: String,
    pub attachments: i64,
    pub maker: String,
    pub reviewer: Option<String>,
    pub poster: Option<String>,
    pub reverses_id: Option<VoucherId>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    pub subledger_digest: Option<String>,
    #[serde(skip)]
    pub lines: Vec<LineRow>,
}

/// A line of one account's ledger (明细账).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountLineRow {
    pub voucher_date: NaiveDate,
    pub period: Period,
    pub number: i64,
    pub summary: String,
    pub account_code: String,
    pub debit_fen: i64,
    pub credit_fen: i64,
}

/// Movements of one account in one period (maintained, or a delta to add).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BalanceRow {
    pub account_id: AccountId,
    pub period: Period,
    pub debit_fen: i64,
    pub credit_fen: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpeningRow {
    pub account_id: AccountId,
    pub balance_fen: i64,
    /// 本年累计借方/贷方 of a book that starts mid-year: the account's movements from
    /// 1 January to the start (migration 0010); zero for a January start.
    pub year_debit_fen: i64,
    pub year_credit_fen: i64,
}

/// What a claim on the book's row returns: the chain's length after the claim, its head
/// before it, and the last receipt number taken (gap-free, in the claiming transaction).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChainClaim {
    pub chain_len: i64,
    pub chain_head: String,
    pub receipts_issued: i64,
}

/// The fields a voucher gains when it is posted.
pub struct Posting<'a> {
    pub number: i64,
    pub chain_seq: i64,
    pub prev_hash: &'a str,
    pub hash: &'a str,
    pub poster: &'a str,
    pub at: DateTime<Utc>,
    /// The digest of the subledger rows it seals ("" for none).
    pub subledger: &'a str,
}
