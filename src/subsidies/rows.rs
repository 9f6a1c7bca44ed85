//! The subsidy wing's rows: programs, disbursements, receipts, withdrawals, releases of
//! 递延收益, reconciliations with their differences, notes and sign-offs, and the overview's
//! figures, as the store returns them and the wing's rules take them. The SQL that reads and
//! writes them is in `subsidies::store`.

use chrono::{DateTime, NaiveDate, Utc};

use super::reconcile::{Kind, Side};
use super::{SignSide, Treatment};
use crate::domain::category::Category;
use crate::domain::ids::{BookId, CommunityId, DisbursementId, ProgramId, ReconciliationId, SubsidyReceiptId, VoucherId};
use crate::domain::period::Period;
use crate::error::{Error, Result};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ProgramRow {
    pub id: ProgramId,
    pub community_id: CommunityId,
    pub book_id: BookId,
    pub document_no: String,
    pub purpose: String,
    pub approved_fen: i64,
    pub starts_on: NaiveDate,
    /// The first day after the program.
    pub ends_on: NaiveDate,
    pub treatment: Treatment,
    /// Category codes, comma-separated.
    pub eligible: String,
    pub created_by: String,
}

impl ProgramRow {
    /// The categories it pays for; a code the schema let through but this build does not know
    /// is an error, never silently dropped.
    pub fn eligible_categories(&self) -> Result<Vec<Category>> {
        self.eligible
            .split(',')
            .map(|code| Category::parse(code).ok_or_else(|| Error::invalid("可列支类别", format!("存储的类别“{code}”无法识别"))))
            .collect()
    }

    /// "区财〔2025〕12号 物业管理补贴"
    pub fn title(&self) -> String {
        format!("{} {}", self.document_no, self.purpose)
    }
}

pub struct NewProgram<'a> {
    pub book_id: BookId,
    pub document_no: &'a str,
    pub purpose: &'a str,
    pub approved_fen: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub treatment: Treatment,
    pub eligible: String,
    pub created_by: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct DisbursementRow {
    pub id: DisbursementId,
    pub program_id: ProgramId,
    pub disbursed_on: NaiveDate,
    pub amount_fen: i64,
    pub payee: String,
    pub reference: String,
    pub recorded_by: String,
    pub withdrawn: bool,
}

#[derive(Clone, Debug)]
pub struct NewDisbursement {
    pub program_id: ProgramId,
    pub disbursed_on: NaiveDate,
    pub amount_fen: i64,
    pub payee: String,
    pub reference: String,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ReceiptRow {
    pub id: SubsidyReceiptId,
    pub program_id: ProgramId,
    pub received_on: NaiveDate,
    pub amount_fen: i64,
    pub reference: String,
    pub bank_account: String,
    pub voucher_id: VoucherId,
    pub recorded_by: String,
    pub withdrawn: bool,
}

pub struct NewReceipt<'a> {
    pub program_id: ProgramId,
    pub received_on: NaiveDate,
    pub amount_fen: i64,
    pub reference: &'a str,
    pub bank_account: &'a str,
    pub voucher_id: VoucherId,
    pub recorded_by: &'a str,
}

/// A row withdrawn, with the voucher that reversed it (a receipt's, an expense's).
pub struct Withdrawal<'a> {
    pub side: Side,
    pub row_id: i64,
    pub reason: &'a str,
    pub voucher_id: Option<VoucherId>,
    pub by: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ReconciliationRow {
    pub id: ReconciliationId,
    pub program_id: ProgramId,
    pub from_on: NaiveDate,
    pub until_on: NaiveDate,
    pub disbursed_fen: i64,
    pub received_fen: i64,
    pub spent_fen: i64,
    pub spent_eligible_fen: i64,
    pub differences: i64,
    pub fingerprint: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct DifferenceRow {
    pub seq: i64,
    pub kind: Kind,
    pub disbursement_id: i64,
    pub receipt_id: i64,
    pub spending_id: i64,
    pub amount_fen: i64,
    pub detail: String,
}

/// A signer's explanation of one difference.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct NoteRow {
    pub side: SignSide,
    pub seq: i64,
    pub note: String,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct SignoffRow {
    pub side: SignSide,
    pub username: String,
    /// The signer's name as the paper shows it (陈, not the username); not part of what is sealed.
    pub display_name: String,
    pub signed_at: DateTime<Utc>,
    /// What it signed (`signoff::sealed_digest`); None for a sign-off made before they did.
    pub digest: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ReleaseRow {
    pub program_id: ProgramId,
    pub period: Period,
    pub amount_fen: i64,
    pub voucher_id: VoucherId,
}

/// A program's money to date, for the finance office's overview.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ProgramFigures {
    pub community_id: CommunityId,
    pub id: ProgramId,
    pub document_no: String,
    pub purpose: String,
    pub approved_fen: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub disbursed_fen: i64,
    pub received_fen: i64,
    /// Tagged spending in the program's eligible categories.
    pub spent_fen: i64,
}

/// A reconciliation and who has signed it, for the overview.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct ReconciliationState {
    pub community_id: CommunityId,
    pub program_id: ProgramId,
    pub id: ReconciliationId,
    pub from_on: NaiveDate,
    pub until_on: NaiveDate,
    pub differences: i64,
    pub company_signed: bool,
    pub office_signed: bool,
}
