//! Storage: one interface (`Store` and its transaction `Tx`) with a SQLite and a PostgreSQL
//! implementation, chosen by the database URL's scheme (DESIGN.md section 5). Both
//! implementations are expanded from the same SQL in `sql.rs`, so the two engines cannot drift
//! apart; each engine's own rules (triggers, types) live in `migrations/<engine>/`.
//!
//! Every method is one statement or one batch; the ledger composes them inside one `Tx`, so an
//! operation either commits whole or leaves nothing behind (invariant 8).

mod affinity;
mod sql;

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::account::Account;
use crate::error::Result;

pub use sql::{PgStore, PgTx, SqliteStore, SqliteTx};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct CommunityRow {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct BookRow {
    pub id: i64,
    pub community_id: i64,
    pub code: String,
    pub name: String,
    pub chart: String,
    pub standard: String,
    pub edition: String,
    pub profit_account: String,
    pub retained_account: String,
    pub start_period: i64,
    pub chain_len: i64,
    pub chain_head: String,
}

pub struct NewBook<'a> {
    pub community_id: i64,
    pub code: &'a str,
    pub name: &'a str,
    pub chart: &'a str,
    pub standard: &'a str,
    pub edition: &'a str,
    pub profit_account: &'a str,
    pub retained_account: &'a str,
    pub start_period: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub class: String,
    pub normal_side: String,
    pub parent_code: Option<String>,
    pub level: i64,
    pub is_leaf: bool,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct PeriodRow {
    pub period: i64,
    pub status: String,
    pub vouchers_posted: i64,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub chain_len_at_close: Option<i64>,
    pub chain_head_at_close: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct VoucherRow {
    pub id: i64,
    pub book_id: i64,
    pub period: i64,
    pub voucher_date: NaiveDate,
    pub kind: String,
    pub status: String,
    pub number: Option<i64>,
    pub attachments: i64,
    pub maker: String,
    pub reviewer: Option<String>,
    pub poster: Option<String>,
    pub reverses_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub posted_at: Option<DateTime<Utc>>,
    pub chain_seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// A voucher row to insert: a draft (no number, no chain fields) or, on the batch path, a
/// voucher already reviewed and now posted.
#[derive(Clone, Debug)]
pub struct NewVoucher {
    pub community_id: i64,
    pub book_id: i64,
    pub period: i64,
    pub voucher_date: NaiveDate,
    pub kind: &'static str,
    pub status: &'static str,
    pub number: Option<i64>,
    pub attachments: i64,
    pub maker: String,
    pub reviewer: Option<String>,
    pub poster: Option<String>,
    pub reverses_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub posted_at: Option<DateTime<Utc>>,
    pub chain_seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct LineRow {
    pub voucher_id: i64,
    pub line_no: i64,
    pub summary: String,
    pub account_id: i64,
    pub debit_fen: i64,
    pub credit_fen: i64,
    pub household_id: Option<i64>,
    pub fee_item_id: Option<i64>,
    pub subsidy_program_id: Option<i64>,
    pub service_category: Option<String>,
    pub supplier_id: Option<i64>,
}

/// A posted voucher with its lines, in chain order: what `verify` and the exports read.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct JournalVoucher {
    pub voucher_id: i64,
    pub chain_seq: i64,
    pub period: i64,
    pub number: i64,
    pub voucher_date: NaiveDate,
    pub kind: String,
    pub attachments: i64,
    pub maker: String,
    pub reviewer: Option<String>,
    pub poster: Option<String>,
    pub reverses_id: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    #[serde(skip)]
    pub lines: Vec<LineRow>,
}

/// A line of one account's ledger (明细账).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountLineRow {
    pub voucher_date: NaiveDate,
    pub period: i64,
    pub number: i64,
    pub summary: String,
    pub account_code: String,
    pub debit_fen: i64,
    pub credit_fen: i64,
}

/// Movements of one account in one period (maintained, or a delta to add).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BalanceRow {
    pub account_id: i64,
    pub period: i64,
    pub debit_fen: i64,
    pub credit_fen: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpeningRow {
    pub account_id: i64,
    pub balance_fen: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct HouseholdRow {
    pub id: i64,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub area_m2_hundredths: i64,
    pub kind: String,
    pub owner_name: String,
    pub phone: String,
    pub move_in_date: Option<NaiveDate>,
}

/// A household as imported; `kind` is a HouseholdKind code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHousehold {
    pub building: String,
    pub unit: String,
    pub room: String,
    pub area_m2_hundredths: i64,
    pub kind: &'static str,
    pub owner_name: String,
    pub phone: String,
    pub move_in_date: Option<NaiveDate>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct FeeItemRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub basis: String,
    pub revenue_account_id: i64,
    pub late_fee_ppm_per_day: i64,
    pub late_fee_cap_percent: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct FeeStandardRow {
    pub id: i64,
    pub fee_item_id: i64,
    pub household_kind: String,
    pub rate_yuan: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MeterReadingRow {
    pub household_id: i64,
    pub fee_item_id: i64,
    pub period: i64,
    pub reading: String,
    pub is_replacement: bool,
}

#[derive(Clone, Debug)]
pub struct NewBill {
    pub household_id: i64,
    pub fee_item_id: i64,
    pub period: i64,
    pub amount_fen: i64,
}

/// A bill with what is still owed on it.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct OpenBillRow {
    pub id: i64,
    pub household_id: i64,
    pub fee_item_id: i64,
    pub fee_item_name: String,
    pub period: i64,
    pub amount_fen: i64,
    pub open_fen: i64,
}

/// What a claim on the book's row returns: the chain's length after the claim, its head
/// before it, and the last receipt number taken (gap-free, in the claiming transaction).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChainClaim {
    pub chain_len: i64,
    pub chain_head: String,
    pub receipts_issued: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct PaymentRow {
    pub id: i64,
    pub household_id: i64,
    pub idempotency_key: String,
    pub method: String,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub receipt_number: i64,
    pub voucher_id: i64,
    pub cashier: String,
    /// Voided by a reversing entry (收据作废).
    pub voided: bool,
}

pub struct NewPayment<'a> {
    pub community_id: i64,
    pub book_id: i64,
    pub household_id: i64,
    pub idempotency_key: &'a str,
    pub method: &'a str,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub receipt_number: i64,
    pub voucher_id: i64,
    pub cashier: &'a str,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AllocationRow {
    pub bill_id: i64,
    pub payment_id: Option<i64>,
    pub waiver_id: Option<i64>,
    /// Set on the negative rows by which a void reopens what its payment settled.
    pub void_id: Option<i64>,
    pub amount_fen: i64,
    pub period: i64,
}

/// What is left of a payment after the bills it settled: a prepayment (预收).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PrepaymentRow {
    pub household_id: i64,
    pub payment_id: i64,
    pub left_fen: i64,
}

pub struct NewBillingRun<'a> {
    pub community_id: i64,
    pub book_id: i64,
    pub period: i64,
    pub voucher_id: Option<i64>,
    pub bills: i64,
    pub total_fen: i64,
    pub created_by: &'a str,
    pub created_at: DateTime<Utc>,
}

pub struct NewPaymentVoid<'a> {
    pub community_id: i64,
    pub payment_id: i64,
    pub reason: &'a str,
    pub approver: &'a str,
    pub period: i64,
    pub voucher_id: i64,
    pub created_at: DateTime<Utc>,
}

pub struct NewWaiver<'a> {
    pub community_id: i64,
    pub bill_id: i64,
    pub amount_fen: i64,
    pub reason: &'a str,
    pub approver: &'a str,
    pub period: i64,
    pub voucher_id: i64,
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
    pub bill_period: i64,
    pub event_period: i64,
    pub kind: String,
    pub amount_fen: i64,
}

/// One bill of a household with what settled it.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct HouseholdBillRow {
    pub bill_id: i64,
    pub period: i64,
    pub fee_item: String,
    pub amount_fen: i64,
    pub paid_fen: i64,
    pub waived_fen: i64,
    pub late_fee_ppm_per_day: i64,
    pub late_fee_cap_percent: i64,
}

/// Per-period totals of the receivable subledger, for invariant 5.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct SubledgerPeriodRow {
    pub period: i64,
    pub billed_fen: i64,
    pub paid_fen: i64,
    pub waived_fen: i64,
}

/// A database engine: hands out transactions.
pub trait Store: Clone + Send + Sync + 'static {
    type Tx: Tx;
    /// Which engine, for messages and benchmarks.
    fn engine(&self) -> &'static str;
    /// Starts a transaction that will write: on SQLite it takes the write lock at once
    /// (BEGIN IMMEDIATE) so two writers never deadlock upgrading a read lock.
    fn begin(&self) -> impl Future<Output = Result<Self::Tx>> + Send;
    /// Starts a transaction that only reads; on SQLite several run at once beside a writer.
    fn read(&self) -> impl Future<Output = Result<Self::Tx>> + Send;
    fn close(&self) -> impl Future<Output = ()> + Send;
}

/// One transaction. Dropping it without `commit` rolls everything back.
pub trait Tx: Send {
    fn commit(self) -> impl Future<Output = Result<()>> + Send;

    fn insert_community(&mut self, name: &str, at: DateTime<Utc>) -> impl Future<Output = Result<i64>> + Send;
    fn communities(&mut self) -> impl Future<Output = Result<Vec<CommunityRow>>> + Send;

    fn insert_book(&mut self, book: &NewBook<'_>, chain_head: &str) -> impl Future<Output = Result<i64>> + Send;
    fn insert_accounts(&mut self, community_id: i64, book_id: i64, accounts: &[Account]) -> impl Future<Output = Result<()>> + Send;
    fn insert_periods(&mut self, community_id: i64, book_id: i64, periods: &[i64]) -> impl Future<Output = Result<()>> + Send;
    fn books(&mut self, community_id: i64) -> impl Future<Output = Result<Vec<BookRow>>> + Send;
    fn accounts(&mut self, book_id: i64) -> impl Future<Output = Result<Vec<AccountRow>>> + Send;
    fn periods(&mut self, book_id: i64) -> impl Future<Output = Result<Vec<PeriodRow>>> + Send;

    fn insert_voucher(&mut self, voucher: &NewVoucher) -> impl Future<Output = Result<i64>> + Send;
    /// Inserts posted vouchers in one multi-row statement; returns their ids in chain order.
    fn insert_posted_vouchers(&mut self, vouchers: &[NewVoucher]) -> impl Future<Output = Result<Vec<i64>>> + Send;
    fn insert_lines(&mut self, community_id: i64, book_id: i64, lines: &[LineRow]) -> impl Future<Output = Result<()>> + Send;
    fn voucher(&mut self, book_id: i64, id: i64) -> impl Future<Output = Result<Option<VoucherRow>>> + Send;
    fn voucher_by_number(&mut self, book_id: i64, period: i64, number: i64) -> impl Future<Output = Result<Option<VoucherRow>>> + Send;
    fn reversal_of(&mut self, voucher_id: i64) -> impl Future<Output = Result<Option<VoucherRow>>> + Send;
    fn vouchers(
        &mut self,
        book_id: i64,
        from_period: i64,
        to_period: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<VoucherRow>>> + Send;
    fn lines(&mut self, voucher_id: i64) -> impl Future<Output = Result<Vec<LineRow>>> + Send;
    fn set_reviewed(&mut self, voucher_id: i64, reviewer: &str, at: DateTime<Utc>) -> impl Future<Output = Result<u64>> + Send;
    fn set_posted(&mut self, voucher_id: i64, posting: &Posting<'_>) -> impl Future<Output = Result<u64>> + Send;

    /// Takes `count` numbers from the period's own counter; None if the period is closed or
    /// does not exist. Returns the last number taken.
    fn claim_numbers(&mut self, book_id: i64, period: i64, count: i64) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// Extends the book's chain by `vouchers` links and takes `receipts` receipt numbers, in one
    /// UPDATE of the book's row, which is also the lock that orders postings to a book.
    fn claim_chain(&mut self, book_id: i64, vouchers: i64, receipts: i64) -> impl Future<Output = Result<ChainClaim>> + Send;
    fn set_chain_head(&mut self, book_id: i64, head: &str) -> impl Future<Output = Result<()>> + Send;
    fn add_balances(&mut self, community_id: i64, book_id: i64, deltas: &[BalanceRow]) -> impl Future<Output = Result<()>> + Send;
    fn balances(&mut self, book_id: i64) -> impl Future<Output = Result<Vec<BalanceRow>>> + Send;
    /// The part of `balances` that posted year-end carry-forward vouchers (and reversals of them)
    /// make up, per account and period: what a 利润表's net movement (SY) leaves out.
    fn carry_forward_balances(&mut self, book_id: i64) -> impl Future<Output = Result<Vec<BalanceRow>>> + Send;

    fn count_unposted(&mut self, book_id: i64, period: i64) -> impl Future<Output = Result<i64>> + Send;
    fn close_period(
        &mut self,
        book_id: i64,
        period: i64,
        user: &str,
        at: DateTime<Utc>,
        chain_len: i64,
        chain_head: &str,
    ) -> impl Future<Output = Result<u64>> + Send;

    fn opening_balances(&mut self, book_id: i64) -> impl Future<Output = Result<Vec<OpeningRow>>> + Send;
    fn replace_opening_balances(&mut self, community_id: i64, book_id: i64, rows: &[OpeningRow])
        -> impl Future<Output = Result<()>> + Send;

    fn households(&mut self, community_id: i64) -> impl Future<Output = Result<Vec<HouseholdRow>>> + Send;
    fn household(&mut self, community_id: i64, id: i64) -> impl Future<Output = Result<Option<HouseholdRow>>> + Send;
    fn insert_household(&mut self, community_id: i64, h: &NewHousehold, at: DateTime<Utc>) -> impl Future<Output = Result<i64>> + Send;
    /// Keeps the current row in household_history, then overwrites it.
    fn update_household(
        &mut self,
        community_id: i64,
        old: &HouseholdRow,
        new: &NewHousehold,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    fn insert_fee_item(&mut self, community_id: i64, book_id: i64, item: &FeeItemRow) -> impl Future<Output = Result<i64>> + Send;
    fn fee_items(&mut self, book_id: i64) -> impl Future<Output = Result<Vec<FeeItemRow>>> + Send;
    fn insert_fee_standard(&mut self, community_id: i64, s: &FeeStandardRow) -> impl Future<Output = Result<i64>> + Send;
    fn fee_standards(&mut self, book_id: i64) -> impl Future<Output = Result<Vec<FeeStandardRow>>> + Send;
    fn insert_meter_readings(&mut self, community_id: i64, readings: &[MeterReadingRow]) -> impl Future<Output = Result<()>> + Send;
    /// Readings of `period`, and the latest earlier reading of every meter.
    fn meter_readings(&mut self, book_id: i64, period: i64) -> impl Future<Output = Result<Vec<MeterReadingRow>>> + Send;
    /// (household, fee item) pairs already billed for the period.
    fn billed(&mut self, book_id: i64, period: i64) -> impl Future<Output = Result<Vec<(i64, i64)>>> + Send;
    fn insert_billing_run(&mut self, run: &NewBillingRun<'_>) -> impl Future<Output = Result<i64>> + Send;
    /// Inserts bills (a run's hundreds of thousands: their ids are not sent back).
    fn insert_bills(&mut self, community_id: i64, book_id: i64, run_id: i64, bills: &[NewBill]) -> impl Future<Output = Result<()>> + Send;
    /// Bills with something still owed, of one household or (None) the whole book.
    fn open_bills(&mut self, book_id: i64, household_id: Option<i64>) -> impl Future<Output = Result<Vec<OpenBillRow>>> + Send;
    fn bill(&mut self, book_id: i64, bill_id: i64) -> impl Future<Output = Result<Option<OpenBillRow>>> + Send;
    fn prepayments(&mut self, book_id: i64, household_id: Option<i64>) -> impl Future<Output = Result<Vec<PrepaymentRow>>> + Send;
    fn payment_by_key(&mut self, book_id: i64, key: &str) -> impl Future<Output = Result<Option<PaymentRow>>> + Send;
    fn payment_by_receipt(&mut self, book_id: i64, number: i64) -> impl Future<Output = Result<Option<PaymentRow>>> + Send;
    fn allocations_of_payment(&mut self, payment_id: i64) -> impl Future<Output = Result<Vec<AllocationRow>>> + Send;
    /// Inserts a payment; None if its idempotency key is already taken (nothing inserted).
    fn insert_payment(&mut self, p: &NewPayment<'_>) -> impl Future<Output = Result<Option<i64>>> + Send;
    fn insert_allocations(&mut self, community_id: i64, allocations: &[AllocationRow]) -> impl Future<Output = Result<()>> + Send;
    fn insert_payment_void(&mut self, void: &NewPaymentVoid<'_>) -> impl Future<Output = Result<i64>> + Send;
    fn insert_waiver(&mut self, waiver: &NewWaiver<'_>) -> impl Future<Output = Result<i64>> + Send;
    /// Open bill amounts as at the end of `as_of`, by household (by building, the maintained
    /// receivable_flows serve).
    fn aging_by_household(&mut self, book_id: i64, as_of: i64) -> impl Future<Output = Result<Vec<AgingRow>>> + Send;
    /// Adds to the maintained fee figures (in the caller's transaction).
    fn add_flows(&mut self, community_id: i64, book_id: i64, flows: &[FlowRow]) -> impl Future<Output = Result<()>> + Send;
    /// The maintained fee figures with event month up to `to`.
    fn flows(&mut self, book_id: i64, to: i64) -> impl Future<Output = Result<Vec<FlowRow>>> + Send;
    /// The same figures recomputed from bills and allocations, for `verify`.
    fn flows_recomputed(&mut self, book_id: i64) -> impl Future<Output = Result<Vec<FlowRow>>> + Send;
    fn household_bills(&mut self, book_id: i64, household_id: i64) -> impl Future<Output = Result<Vec<HouseholdBillRow>>> + Send;
    fn household_payments(&mut self, book_id: i64, household_id: i64) -> impl Future<Output = Result<Vec<PaymentRow>>> + Send;
    fn subledger_by_period(&mut self, book_id: i64) -> impl Future<Output = Result<Vec<SubledgerPeriodRow>>> + Send;

    /// Lines of the accounts whose code starts with `code_prefix`, posted in the range, in
    /// date and number order.
    fn account_lines(
        &mut self,
        book_id: i64,
        code_prefix: &str,
        from_period: i64,
        to_period: i64,
    ) -> impl Future<Output = Result<Vec<AccountLineRow>>> + Send;
    /// The highest chain position of a posted voucher of the book (0 for none).
    fn max_chain_seq(&mut self, book_id: i64) -> impl Future<Output = Result<i64>> + Send;
    /// The posted vouchers with `after_seq < chain_seq <= until_seq`, in chain order, with lines.
    fn journal_page(&mut self, book_id: i64, after_seq: i64, until_seq: i64) -> impl Future<Output = Result<Vec<JournalVoucher>>> + Send;
}

/// The fields a voucher gains when it is posted.
pub struct Posting<'a> {
    pub number: i64,
    pub chain_seq: i64,
    pub prev_hash: &'a str,
    pub hash: &'a str,
    pub poster: &'a str,
    pub at: DateTime<Utc>,
}

/// A store of either engine, chosen by the URL.
#[derive(Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl AnyStore {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite:…` or a plain file path
    /// selects an SQLite file (created if missing). Migrations are applied at connect.
    pub async fn connect(url: &str) -> Result<AnyStore> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(AnyStore::Postgres(PgStore::connect(url).await?))
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            Ok(AnyStore::Sqlite(SqliteStore::open(path).await?))
        }
    }

    /// For a process that writes from one thread (the command line, the benchmarks): keeps
    /// SQLite's writer on the caller's core (see `affinity`). PostgreSQL needs nothing.
    pub fn pin_writer_here(&self) {
        if let AnyStore::Sqlite(_) = self {
            affinity::pin_writer_beside_caller();
        }
    }
}

/// Runs `$body` with `$store` bound to the concrete store of either engine, so that generic
/// code is written once and monomorphised for both.
#[macro_export]
macro_rules! with_store {
    ($any:expr, $store:ident => $body:expr) => {
        match $any {
            $crate::store::AnyStore::Sqlite($store) => $body,
            $crate::store::AnyStore::Postgres($store) => $body,
        }
    };
}
