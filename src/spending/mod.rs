//! The spending wing (支出): expenses by service category, paid at once from the bank or owed
//! to the supplier (应付账款), each posted as its voucher in the same transaction, and tagged to
//! the subsidy program that pays for it, if any.
//!
//! A tag is checked when the expense is recorded: to a program of the same book, dated inside
//! the program (an expense after its end is refused: the program no longer pays for anything).
//! An expense in a category the program does not fund is recorded and flagged: the
//! reconciliation lists it as 支出类别不符, so that the finance office sees it, where refusing
//! it would only have it booked untagged and out of sight.

pub mod budget;
pub mod store;

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use crate::domain::category::Category;
use crate::domain::ids::{ProgramId, SpendingId};
use crate::domain::limits::{required_text, MAX_AMOUNT_FEN};
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::fees::seal::wings::{seal_and_post, stage};
use crate::ledger::store::LedgerStore;
use crate::ledger::voucher::{Dimensions, LineInput};
use crate::ledger::{two_lines, ApprovedVoucher, Book, Ledger};
use crate::store::{Store, Tx};
use store::{ExpenseRow, NewExpense, SpendingTx, TagTx};

/// An expense as the accountant enters it.
#[derive(Clone, Debug)]
pub struct ExpenseInput<'a> {
    pub date: NaiveDate,
    pub category: Category,
    pub supplier: &'a str,
    pub summary: &'a str,
    pub amount: Fen,
    /// Owed (贷 应付账款) rather than paid at once (贷 银行存款).
    pub payable: bool,
    /// The subsidy program (文号 or number) that pays for it.
    pub program: Option<&'a str>,
}

/// A recorded expense: its row, its voucher, and a flag for an ineligible tag.
#[derive(Clone, Debug, Serialize)]
pub struct Recorded {
    pub expense: ExpenseRow,
    pub voucher: String,
    pub warning: Option<String>,
}

#[derive(Clone)]
pub struct Spending<S: LedgerStore> {
    ledger: Ledger<S>,
}

/// The account a category's cost goes to in the company's chart (小企业会计准则: 主营业务成本
/// by service, 管理费用 for the office and taxes) or in the collective's (公益支出 for services
/// to residents, 管理费用 for the rest).
pub fn expense_account(book: &Book, category: Category) -> &'static str {
    use Category::*;
    if book.row.chart == "rural_collective" {
        return match category {
            Cleaning | Greening | Security | Repairs | Energy => "514",
            Payroll | Office => "513",
            Taxes => "512",
        };
    }
    match category {
        Cleaning => "540101",
        Greening => "540102",
        Security => "540103",
        Repairs => "540104",
        Energy => "540105",
        Payroll => "540106",
        Office => "560201",
        Taxes => "560203",
    }
}

/// The book's basic bank account and its payables account.
fn credit_accounts(book: &Book) -> (&'static str, &'static str) {
    if book.row.chart == "rural_collective" {
        ("10201", "21199")
    } else {
        ("100201", "2202")
    }
}

impl<S: LedgerStore + Store<Tx: SpendingTx + TagTx>> Spending<S> {
    pub fn new(ledger: &Ledger<S>) -> Spending<S> {
        Spending { ledger: ledger.clone() }
    }

    /// 登记支出: the expense and its voucher (借 the category's cost, 贷 bank or 应付账款).
    pub async fn record(&self, book: &Book, input: &ExpenseInput<'_>, user: &str) -> Result<Recorded> {
        let supplier = required_text("供应商", input.supplier, 100)?;
        let summary = required_text("摘要", input.summary, 100)?;
        if input.amount.0 <= 0 || input.amount.0 > MAX_AMOUNT_FEN {
            return Err(Error::invalid("金额", format!("须大于零且不超过 {}，现为 {}", Fen(MAX_AMOUNT_FEN), input.amount)));
        }
        let mut tx = self.ledger.store.begin().await?;
        let (program_id, warning) = match input.program {
            Some(key) => {
                let (id, warning) = check_tag(&mut tx, book, key, input.date, input.category).await?;
                (Some(id), warning)
            }
            None => (None, None),
        };
        let (bank, payables) = credit_accounts(book);
        let text = format!("{summary}（{supplier}）");
        let dims =
            Dimensions { subsidy_program_id: program_id, service_category: Some(input.category.as_str().into()), ..Dimensions::default() };
        let credit = if input.payable { payables } else { bank };
        let lines = vec![
            LineInput::new(text.clone(), expense_account(book, input.category), input.amount, Fen(0), dims),
            LineInput::new(text, credit, Fen(0), input.amount, Dimensions { subsidy_program_id: program_id, ..Dimensions::default() }),
        ];
        let voucher = ApprovedVoucher::generated(input.date, lines, user);
        let voucher_id = stage(&mut tx, book, &voucher).await?;
        let row = NewExpense {
            spent_on: input.date,
            category: input.category,
            supplier,
            summary,
            amount_fen: input.amount.0,
            payable: input.payable,
            program_id,
            voucher_id,
            recorded_by: user,
        };
        let id = tx.insert_expense(book.key(), &row, Utc::now()).await?;
        let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
        let expense = tx.expense(book.row.community_id, id).await?.ok_or_else(|| Error::not_found(format!("支出 #{id}")))?;
        tx.commit().await?;
        Ok(Recorded { expense, voucher: format!("{} {}", posted.period, posted.label), warning })
    }

    /// 支付应付款: an owed expense paid from the bank (借 应付账款 贷 银行存款), once.
    pub async fn pay(&self, book: &Book, expense_id: SpendingId, date: NaiveDate, user: &str) -> Result<String> {
        let mut tx = self.ledger.store.begin().await?;
        let e = tx.expense(book.row.community_id, expense_id).await?.filter(|e| e.book_id == book.id());
        let e = e.ok_or_else(|| Error::not_found(format!("账套 {} 的支出 #{expense_id}", book.row.code)))?;
        if !e.payable {
            return Err(Error::Conflict(format!("支出 #{expense_id} 登记时已付讫，不是应付款")));
        }
        if e.withdrawn {
            return Err(Error::Conflict(format!("支出 #{expense_id} 已撤回")));
        }
        if let Some(paid) = e.paid_on {
            return Err(Error::Conflict(format!("支出 #{expense_id} 已于 {paid} 付款")));
        }
        if date < e.spent_on {
            return Err(Error::invalid("付款日期", format!("{date} 早于支出日期 {}", e.spent_on)));
        }
        let (bank, payables) = credit_accounts(book);
        let text = format!("支付{}（{}）", e.summary, e.supplier);
        let voucher = ApprovedVoucher::generated(date, two_lines(&text, payables, bank, Fen(e.amount_fen), &Dimensions::default()), user);
        let voucher_id = stage(&mut tx, book, &voucher).await?;
        tx.insert_expense_payment(book.row.community_id, expense_id, date, voucher_id, user, Utc::now()).await?;
        let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
        tx.commit().await?;
        Ok(format!("{} {}", posted.period, posted.label))
    }

    /// A book's expenses dated in [from, until).
    pub async fn expenses(&self, book: &Book, from: NaiveDate, until: NaiveDate) -> Result<Vec<ExpenseRow>> {
        let mut tx = self.ledger.store.read().await?;
        tx.expenses(book.key(), from, until).await
    }
}

/// A tag to a program: of this book, and dated inside the program; an ineligible category is
/// let through with a warning (see the module's note).
async fn check_tag<T: TagTx>(
    tx: &mut T,
    book: &Book,
    key: &str,
    date: NaiveDate,
    category: Category,
) -> Result<(ProgramId, Option<String>)> {
    let program = tx.tagged_program(book.row.community_id, key).await?;
    if program.book_id != book.id() {
        return Err(Error::invalid("补贴项目", format!("项目 {} 不属于账套 {}", program.title, book.row.code)));
    }
    if date >= program.ends_on {
        let last = program.ends_on.pred_opt().unwrap_or(program.ends_on);
        return Err(Error::invalid(
            "补贴项目",
            format!("项目 {} 已于 {last} 结束，{date} 的支出不能列入（请不选项目，或选当期有效的项目）", program.document_no),
        ));
    }
    if date < program.starts_on {
        return Err(Error::invalid(
            "补贴项目",
            format!("项目 {} 自 {} 开始，{date} 的支出不能列入", program.document_no, program.starts_on),
        ));
    }
    let eligible = &program.eligible;
    let warning = (!eligible.contains(&category)).then(|| {
        format!(
            "类别“{category}”不在项目 {} 的可列支范围（{}）内：已登记，对账时将列为“支出类别不符”",
            program.document_no,
            eligible.iter().map(|c| c.label()).collect::<Vec<_>>().join("、")
        )
    });
    Ok((program.id, warning))
}

/// `verify`'s check of this wing: each expense and each payment of a payable against its voucher (`ledger::verify::check_ties`).
pub async fn verify<S: crate::store::Store<Tx: SpendingTx>>(
    store: &S,
    community: crate::domain::ids::CommunityId,
    fail: &mut impl FnMut(u8, String),
) -> Result<()> {
    let ties = store.read().await?.expense_ties(community).await?;
    crate::ledger::verify::check_ties(&ties, fail);
    Ok(())
}
