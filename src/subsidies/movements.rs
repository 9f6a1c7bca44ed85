//! Money moving: the finance office's disbursements (拨付), the company's receipts (到账) with
//! their vouchers, and the withdrawal of a row entered by mistake (refused once a signed
//! reconciliation saw it).

use chrono::{NaiveDate, Utc};

use super::reconcile::Side;
use super::rows::{NewDisbursement, NewReceipt, ProgramRow, ReceiptRow, Withdrawal};
use super::store::{SubsidiesStore, SubsidiesTx};
use super::{check_amount, find_program, program_by_key, Subsidies};
use crate::access::store::AccessStore;
use crate::access::Act;
use crate::domain::ids::VoucherId;
use crate::domain::limits::required_text;
use crate::domain::money::Fen;
use crate::error::{Error, Result};

use crate::domain::ids::{DisbursementId, ProgramId, SpendingId};
use crate::fees::seal::wings::{seal_and_post, stage};
use crate::ledger::rows::CommunityRow;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{Dimensions, VoucherKind};
use crate::ledger::{describe, input_from_rows, two_lines, ApprovedVoucher, Book, SYSTEM_MAKER};
use crate::store::Tx;

/// One disbursement as the finance office lists it; `row` is its row in an imported file (0
/// for one entered on its own), for the error.
#[derive(Clone, Debug)]
pub struct DisbursementInput {
    pub row: usize,
    /// The program's 文号 or number.
    pub program: String,
    pub date: NaiveDate,
    pub amount: Fen,
    pub payee: String,
    pub reference: String,
}

/// A receipt as the company's bank statement shows it.
#[derive(Clone, Debug)]
pub struct ReceiptInput<'a> {
    pub date: NaiveDate,
    pub amount: Fen,
    pub reference: &'a str,
    /// The bank account debited; None for the book's basic account.
    pub bank_account: Option<&'a str>,
}

/// "第 3 行" for a row of a file, "" for one entered on its own.
fn at_row(row: usize) -> String {
    if row == 0 {
        String::new()
    } else {
        format!("第 {row} 行")
    }
}

impl<S: SubsidiesStore + AccessStore> Subsidies<S> {
    /// 登记拨付: the finance office's disbursements, all or none. Every row is checked (a known
    /// program, an amount above zero that keeps the program's disbursements within what was
    /// approved, a date inside the program) and every bad row named; nothing is written unless
    /// all are good. Returns how many were recorded.
    pub async fn disburse(&self, community: &CommunityRow, rows: &[DisbursementInput], user: &str) -> Result<usize> {
        let user = self.actor("登记人", user, community, Act::Disburse).await?;
        let mut tx = self.store().begin().await?;
        let programs = tx.programs(community.id).await?;
        let mut problems = Vec::new();
        let mut new = Vec::with_capacity(rows.len());
        // What each program has been disbursed so far, this list included.
        let mut disbursed: std::collections::HashMap<ProgramId, i64> = std::collections::HashMap::new();
        for r in rows {
            match check_disbursement(&mut tx, community, &programs, &mut disbursed, r).await {
                Ok(d) => new.push(d),
                Err(e) => problems.push(format!("{}{e}", at_row(r.row))),
            }
        }
        if !problems.is_empty() {
            let head = if rows.len() == 1 {
                "拨付未登记".to_string()
            } else {
                format!("拨付清单有 {} 行错误，未登记任何一行", problems.len())
            };
            return Err(Error::invalid(head, problems.join("\n")));
        }
        tx.insert_disbursements(community.id, &new, &user, Utc::now()).await?;
        crate::fees::seal::master::record(&mut tx, community.id, &[crate::fees::seal::master::MasterKind::Disbursement]).await?;
        tx.commit().await?;
        Ok(new.len())
    }

    /// 登记到账: a receipt of a program's money, posted in the same transaction (借 银行存款，
    /// 贷 the account of the program's treatment).
    pub async fn receive(&self, book: &Book, program: &str, input: &ReceiptInput<'_>, user: &str) -> Result<(ReceiptRow, String)> {
        let amount = check_amount("到账金额", input.amount)?;
        let reference = input.reference.trim();
        crate::domain::limits::check_text(reference, 60).map_err(|reason| Error::invalid("凭证号", reason))?;
        let mut tx = self.store().begin().await?;
        let program = program_by_key(&mut tx, book.row.community_id, program).await?;
        if program.book_id != book.id() {
            return Err(Error::invalid("补贴项目", format!("项目 {} 不记入账套 {}", program.title(), book.row.code)));
        }
        if input.date < program.starts_on {
            return Err(Error::invalid("到账日期", format!("{} 早于项目开始日期 {}", input.date, program.starts_on)));
        }
        let bank = bank_account(book, input.bank_account)?;
        let (credit, _) = program.treatment.credit_account(book);
        let summary = format!("收到{}（{}）", program.purpose, program.document_no);
        let dims = Dimensions { subsidy_program_id: Some(program.id), ..Dimensions::default() };
        let voucher = ApprovedVoucher::generated(input.date, two_lines(&summary, &bank, credit, amount, &dims), user);
        let voucher_id = stage(&mut tx, book, &voucher).await?;
        let row = NewReceipt {
            program_id: program.id,
            received_on: input.date,
            amount_fen: amount.0,
            reference,
            bank_account: &bank,
            voucher_id,
            recorded_by: user,
        };
        let id = tx.insert_receipt(book.row.community_id, &row, Utc::now()).await?;
        let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
        let receipt = tx.receipt(book.row.community_id, id).await?;
        tx.commit().await?;
        Ok((receipt.ok_or_else(|| Error::not_found(format!("到账 #{id}")))?, format!("{} {}", posted.period, posted.label)))
    }

    /// 撤回: a disbursement, receipt or expense entered by mistake. A receipt's or an expense's
    /// voucher is reversed in red on `date`. Refused once a signed reconciliation saw the row:
    /// what was signed stays as signed (the schema refuses it too).
    pub async fn withdraw(
        &self,
        community: &CommunityRow,
        side: Side,
        row_id: i64,
        reason: &str,
        date: NaiveDate,
        user: &str,
    ) -> Result<()> {
        let reason = required_text("撤回原因", reason, 200)?;
        let act = if side == Side::Disbursement { Act::Disburse } else { Act::Keep };
        let user = self.actor("撤回人", user, community, act).await?;
        let mut tx = self.store().begin().await?;
        let (program_id, voucher) = withdrawable(&mut tx, community, side, row_id).await?;
        if let Some(program_id) = program_id {
            if let Some(signed) = super::signoff::signed_covering(&mut tx, community.id, program_id, side, row_id).await? {
                return Err(Error::Conflict(format!(
                    "该{}已列入已签字的对账单 #{signed}，不能撤回；如有差错，请在下一期对账中说明",
                    side.label()
                )));
            }
        }
        // What was released on the strength of this row goes back first, in this transaction.
        if let (Some(program_id), Some((book_code, _)), false) = (program_id, &voucher, side == Side::Disbursement) {
            let program = super::program_by_id(&mut tx, community.id, program_id).await?;
            let book = crate::ledger::load_book(&mut tx, community.id, book_code).await?;
            super::settlement::take_back_before_withdrawal(&mut tx, &book, &program, (side, row_id), date, &user).await?;
        }
        let reversal = match voucher {
            Some((book_code, voucher_id)) => Some(reverse_in(&mut tx, community, &book_code, voucher_id, date, &user).await?),
            None => None,
        };
        let withdrawal = Withdrawal { side, row_id, reason, voucher_id: reversal.as_ref().map(|(_, id)| *id), by: &user };
        tx.insert_withdrawal(community.id, &withdrawal, Utc::now()).await?;
        // The red voucher seals the withdrawal.
        if let Some((book, id)) = reversal {
            seal_and_post(&mut tx, &book, id, &user).await?;
        }
        tx.commit().await
    }
}

/// A row that may be withdrawn: its program (None for an untagged expense) and its voucher's
/// book and id (None for a disbursement).
async fn withdrawable<T: SubsidiesTx>(
    tx: &mut T,
    community: &CommunityRow,
    side: Side,
    row_id: i64,
) -> Result<(Option<ProgramId>, Option<(String, VoucherId)>)> {
    let missing = || Error::not_found(format!("{} #{row_id}", side.label()));
    let taken = || Error::Conflict(format!("{} #{row_id} 已撤回", side.label()));
    let (withdrawn, program_id, voucher) = match side {
        Side::Disbursement => {
            let d = tx.disbursement(community.id, DisbursementId(row_id)).await?.ok_or_else(missing)?;
            (d.withdrawn, Some(d.program_id), None)
        }
        Side::Receipt => {
            let r = tx.receipt(community.id, row_id).await?.ok_or_else(missing)?;
            let book_id = super::program_by_id(tx, community.id, r.program_id).await?.book_id;
            (r.withdrawn, Some(r.program_id), Some((book_id, r.voucher_id)))
        }
        Side::Spending => {
            let e = tx.expense(community.id, SpendingId(row_id)).await?.ok_or_else(missing)?;
            (e.withdrawn, e.program_id, Some((e.book_id, e.voucher_id)))
        }
    };
    if withdrawn {
        return Err(taken());
    }
    let voucher = match voucher {
        Some((book_id, voucher_id)) => {
            let code = tx.books(community.id).await?.into_iter().find(|b| b.id == book_id).map(|b| b.code).ok_or_else(missing)?;
            Some((code, voucher_id))
        }
        None => None,
    };
    Ok((program_id, voucher))
}

/// Stages the red reversal of a posted voucher inside the caller's transaction, for the
/// withdrawal's row to name and seal (`seal_and_post`); returns its book and id.
async fn reverse_in<T: LedgerTx>(
    tx: &mut T,
    community: &CommunityRow,
    book_code: &str,
    voucher_id: VoucherId,
    date: NaiveDate,
    user: &str,
) -> Result<(Book, VoucherId)> {
    let book = crate::ledger::load_book(tx, community.id, book_code).await?;
    let v = tx.voucher(book.key(), voucher_id).await?.ok_or_else(|| Error::not_found(format!("凭证 #{voucher_id}")))?;
    let lines = tx.lines(book.key(), voucher_id).await?;
    let input = input_from_rows(&book, &v, &lines)?.reversed(date, &describe(&v));
    let voucher = ApprovedVoucher {
        input,
        kind: VoucherKind::Reversal,
        maker: SYSTEM_MAKER.into(),
        reviewer: user.into(),
        reverses_id: Some(voucher_id),
        subledger: String::new(),
    };
    let id = stage(tx, &book, &voucher).await?;
    Ok((book, id))
}

/// The bank account a receipt is debited to: a leaf of 银行存款 (1002 in the company's chart,
/// 102 in the collective's); by default the first one.
pub(crate) fn bank_account(book: &Book, given: Option<&str>) -> Result<String> {
    let root = if book.row.chart == "rural_collective" { "102" } else { "1002" };
    let leaves: Vec<&str> =
        book.chart.iter().filter(|(code, a)| code.as_str().starts_with(root) && a.is_leaf).map(|(code, _)| code.as_str()).collect();
    match given.map(str::trim).filter(|g| !g.is_empty()) {
        Some(code) if leaves.contains(&code) => Ok(code.to_string()),
        Some(code) => Err(Error::invalid("银行账户", format!("“{code}”不是银行存款（{root}）下的末级科目；可选：{}", leaves.join("、")))),
        None => leaves
            .first()
            .map(|c| c.to_string())
            .ok_or_else(|| Error::invalid("银行账户", format!("账套 {} 没有银行存款科目", book.row.code))),
    }
}

/// One disbursement checked against its program (pure but for the program lookup).
async fn check_disbursement<T: SubsidiesTx>(
    tx: &mut T,
    community: &CommunityRow,
    programs: &[ProgramRow],
    disbursed: &mut std::collections::HashMap<ProgramId, i64>,
    r: &DisbursementInput,
) -> Result<NewDisbursement> {
    let program = find_program(programs, &r.program)?;
    let amount = check_amount("金额", r.amount)?;
    if r.date < program.starts_on || r.date >= program.ends_on {
        return Err(Error::invalid(
            "日期",
            format!("{} 不在项目期间 {} 至 {} 内", r.date, program.starts_on, program.ends_on.pred_opt().unwrap_or(program.ends_on)),
        ));
    }
    let payee = required_text("收款单位", &r.payee, 100)?;
    let reference = r.reference.trim();
    crate::domain::limits::check_text(reference, 60).map_err(|reason| Error::invalid("凭证号", reason))?;
    if let std::collections::hash_map::Entry::Vacant(entry) = disbursed.entry(program.id) {
        let so_far: i64 = tx
            .disbursements(community.id, program.id, super::store::NO_END)
            .await?
            .iter()
            .filter(|d| !d.withdrawn)
            .map(|d| d.amount_fen)
            .sum();
        entry.insert(so_far);
    }
    let total = disbursed[&program.id] + amount.0;
    if total > program.approved_fen {
        return Err(Error::invalid(
            "金额",
            format!("项目 {} 累计拨付将达 {}，超过批复金额 {}", program.document_no, Fen(total), Fen(program.approved_fen)),
        ));
    }
    disbursed.insert(program.id, total);
    Ok(NewDisbursement {
        program_id: program.id,
        disbursed_on: r.date,
        amount_fen: amount.0,
        payee: payee.to_string(),
        reference: reference.to_string(),
    })
}
