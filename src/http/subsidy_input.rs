//! The subsidy wing's bodies as the pages' forms and the API both give them (`ProgramIn`, …),
//! read into the wing's inputs here, once, each refusal naming its field; and a statement as
//! the file either door hands out.

use crate::domain::category::Category;
use crate::error::{Error, Result};
use crate::http::input::{amount, date};
use crate::spending::ExpenseInput;
use crate::subsidies::reconcile::Side;
use crate::subsidies::{paper, DisbursementInput, ProgramInput, ReceiptInput, Statement, Treatment};

/// A program as a form or the API gives it.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ProgramIn {
    #[serde(default)]
    pub book: Option<String>,
    pub document_no: String,
    pub purpose: String,
    pub approved: String,
    pub starts_on: String,
    /// The first day after the program.
    pub ends_on: String,
    pub treatment: String,
    pub eligible: Vec<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DisbursementIn {
    pub program: String,
    pub date: String,
    pub amount: String,
    pub payee: String,
    #[serde(default)]
    pub reference: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReceiptIn {
    pub program: String,
    pub date: String,
    pub amount: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub bank_account: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ExpenseIn {
    #[serde(default)]
    pub book: Option<String>,
    pub date: String,
    pub category: String,
    pub supplier: String,
    pub summary: String,
    pub amount: String,
    #[serde(default)]
    pub payable: bool,
    #[serde(default)]
    pub program: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReconcileIn {
    pub program: String,
    pub from: String,
    /// The first day after the range.
    pub until: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WithdrawIn {
    pub side: String,
    pub id: i64,
    pub reason: String,
    #[serde(default)]
    pub date: Option<String>,
}

impl ProgramIn {
    pub fn input(&self) -> Result<ProgramInput<'_>> {
        let treatment = Treatment::parse(&self.treatment).ok_or_else(|| {
            Error::invalid("treatment", format!("“{}”不是核算方式：deferred、immediate、service、collective、asset", self.treatment))
        })?;
        let eligible = self
            .eligible
            .iter()
            .map(|c| Category::parse(c).ok_or_else(|| Error::invalid("eligible", format!("“{c}”不是服务类别：{}", Category::choices()))))
            .collect::<Result<Vec<_>>>()?;
        Ok(ProgramInput {
            document_no: &self.document_no,
            purpose: &self.purpose,
            approved: amount("approved", &self.approved)?,
            starts_on: date("starts_on", &self.starts_on)?,
            ends_on: date("ends_on", &self.ends_on)?,
            treatment,
            eligible,
        })
    }
}

impl DisbursementIn {
    pub fn input(&self, row: usize) -> Result<DisbursementInput> {
        Ok(DisbursementInput {
            row,
            program: self.program.clone(),
            date: date("date", &self.date)?,
            amount: amount("amount", &self.amount)?,
            payee: self.payee.clone(),
            reference: self.reference.clone(),
        })
    }
}

impl ReceiptIn {
    pub fn input(&self) -> Result<ReceiptInput<'_>> {
        Ok(ReceiptInput {
            date: date("date", &self.date)?,
            amount: amount("amount", &self.amount)?,
            reference: &self.reference,
            bank_account: self.bank_account.as_deref().filter(|b| !b.trim().is_empty()),
        })
    }
}

impl ExpenseIn {
    pub fn input(&self) -> Result<ExpenseInput<'_>> {
        let category = Category::parse(&self.category)
            .ok_or_else(|| Error::invalid("category", format!("“{}”不是服务类别：{}", self.category, Category::choices())))?;
        Ok(ExpenseInput {
            date: date("date", &self.date)?,
            category,
            supplier: &self.supplier,
            summary: &self.summary,
            amount: amount("amount", &self.amount)?,
            payable: self.payable,
            program: self.program.as_deref().filter(|p| !p.trim().is_empty()),
        })
    }
}

impl ReconcileIn {
    pub fn range(&self) -> Result<(chrono::NaiveDate, chrono::NaiveDate)> {
        Ok((date("from", &self.from)?, date("until", &self.until)?))
    }
}

impl WithdrawIn {
    pub fn side(&self) -> Result<Side> {
        Side::parse(&self.side).ok_or_else(|| Error::invalid("side", format!("“{}”应为 disbursement、receipt 或 spending", self.side)))
    }
}

/// The statement as `pdf`, `xlsx` or `csv`.
pub async fn statement_file(s: &Statement, format: &str) -> Result<(&'static str, Vec<u8>)> {
    Ok(match format {
        "pdf" => ("application/pdf", paper::statement_pdf(s)?),
        "xlsx" => (crate::render::table::XLSX_TYPE, paper::statement_table(s).to_xlsx()?),
        "csv" => ("text/csv; charset=utf-8", paper::statement_table(s).to_csv().into_bytes()),
        other => return Err(Error::not_found(format!("格式 {other}"))),
    })
}
