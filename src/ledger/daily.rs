//! Vouchers the system drafts as the day goes and posts when the day is closed (日结): the fee
//! wing's payments (a day of one method, or one payment each), the later months' bills they
//! settle, and the voids of receipts. Such a draft is always balanced, but no one reviews or
//! posts it on its own: the day's close reviews and posts them, by someone other than the
//! cashier who took the money (出纳不得兼任稽核), so that a half-day is never posted as the day.

use chrono::Utc;

use crate::domain::ids::VoucherId;
use crate::error::{Error, Result};
use crate::ledger::posting::line_rows;
use crate::ledger::rows::VoucherRow;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{VoucherInput, VoucherKind, VoucherStatus};
use crate::ledger::{check_person, insert_draft, insert_drafts, post_reviewed, Book, Posted};

/// Who makes the vouchers that the system generates (billing runs, payments, 日结): the
/// posting rule, reviewed by the person who ran the operation (制单与审核分离).
pub const SYSTEM_MAKER: &str = "系统";

/// A draft the system made for the fee wing: only the day's close reviews and posts it.
pub fn waits_for_day_close(v: &VoucherRow) -> bool {
    v.status == VoucherStatus::Draft && v.maker == SYSTEM_MAKER
}

/// Starts a system draft with `input`'s lines, in an open period.
pub(crate) async fn start_system_draft<T: LedgerTx>(
    tx: &mut T,
    book: &Book,
    input: &VoucherInput,
    kind: VoucherKind,
    reverses_id: Option<VoucherId>,
) -> Result<VoucherId> {
    input.check(kind, &book.chart)?;
    insert_draft(tx, book, SYSTEM_MAKER, input, kind, reverses_id).await
}

/// Starts a system draft for each of each book's `inputs` (kind Normal), in open periods, by
/// one statement of each kind for all the books; returns each book's ids in order.
pub(crate) async fn start_system_drafts<T: LedgerTx>(tx: &mut T, drafts: &[(&Book, &[VoucherInput])]) -> Result<Vec<Vec<VoucherId>>> {
    for (book, inputs) in drafts {
        for input in *inputs {
            input.check(VoucherKind::Normal, &book.chart)?;
        }
    }
    insert_drafts(tx, drafts, SYSTEM_MAKER, VoucherKind::Normal).await
}

/// Adds `input`'s lines (balanced on their own) and attachments to system draft `voucher_id`;
/// false, with nothing written, when it is no longer a draft. The draft's row is updated first,
/// which holds it against another writer until the transaction ends.
pub(crate) async fn extend_system_draft<T: LedgerTx>(tx: &mut T, book: &Book, voucher_id: VoucherId, input: &VoucherInput) -> Result<bool> {
    input.check(VoucherKind::Normal, &book.chart)?;
    if tx.add_draft_attachments(book.key(), voucher_id, SYSTEM_MAKER, i64::from(input.attachments)).await? != 1 {
        return Ok(false);
    }
    let after = tx.last_line_no(book.key(), voucher_id).await?;
    let mut rows = line_rows(book, voucher_id, input);
    for row in &mut rows {
        row.line_no += after;
    }
    tx.insert_lines(book.key(), &rows).await?;
    Ok(true)
}

/// Replaces system draft `voucher_id`'s lines with `input`'s (its day's sums, or its own lines
/// again), has it reviewed by `reviewer` and posts it.
pub(crate) async fn post_system_draft<T: LedgerTx>(
    tx: &mut T,
    book: &Book,
    voucher_id: VoucherId,
    input: &VoucherInput,
    reviewer: &str,
    subledger: &str,
) -> Result<Posted> {
    let reviewer = check_person("审核人", reviewer)?;
    let v = tx.voucher(book.key(), voucher_id).await?.ok_or_else(|| Error::not_found(format!("凭证 #{voucher_id}")))?;
    input.check(v.kind, &book.chart)?;
    if v.status != VoucherStatus::Draft || v.maker != SYSTEM_MAKER || v.voucher_date != input.date {
        return Err(Error::Conflict(format!("凭证 #{voucher_id} 不是待日结的凭证")));
    }
    // The day's voucher carries its 现金流量项目, as every generated voucher does.
    let stamped = crate::ledger::cash_flow::stamp(book, input)?;
    let input = stamped.as_ref().unwrap_or(input);
    tx.delete_draft_lines(book.key(), voucher_id).await?;
    tx.insert_lines(book.key(), &line_rows(book, voucher_id, input)).await?;
    tx.set_reviewed(book.key(), voucher_id, reviewer, Utc::now()).await?;
    let v = tx.voucher(book.key(), voucher_id).await?.ok_or_else(|| Error::not_found(format!("凭证 #{voucher_id}")))?;
    post_reviewed(tx, book, &v, reviewer, subledger).await
}
