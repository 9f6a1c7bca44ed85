//! 日结: a cashier's payments wait in drafts until the day's close, where a reviewer who took
//! none of them reviews and posts them (会计法 第三十七条: 出纳不得兼任稽核). In a book that
//! gathers the day's payments (the book setting `payment_vouchers = daily`), each payment adds
//! its lines to the day's draft for its method as it is taken, and the close sums them, per
//! money account, fee item and prepayment, into one voucher per day and method; otherwise each
//! payment has a draft of its own, posted as it is. The drafts of later months' bills a payment
//! settles, and of voided receipts, wait for the close too. Receipts and the subledger are the
//! same either way; only the ledger's lines are fewer.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::domain::ids::{AccountId, FeeItemId, VoucherId};
use crate::domain::limits::MAX_SUMMARY_CHARS;
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::fees::rows::PaymentRow;
use crate::fees::seal::store::stored_rows;
use crate::fees::store::FeesStore;
use crate::fees::store::FeesTx;
use crate::fees::{receipt_label, Fees};
use crate::ledger::daily::post_system_draft;
use crate::ledger::rows::LineRow;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput};
use crate::ledger::{input_from_rows, Book, PaymentVouchers};
use crate::store::Tx;

/// A voucher the day's close just posted: a day's payments of one method, one payment, a
/// later month's bills a payment settles, or a void.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DayVoucher {
    pub date: NaiveDate,
    pub method: String,
    pub payments: usize,
    pub amount: Fen,
    /// The first line's summary: what the voucher is (a day's payments, a receipt, a void).
    pub summary: String,
    /// "2025-03 记-0042"
    pub voucher: String,
}

/// A date after every stored one, for "waiting on any day". Dates are stored as ISO text, so
/// not `NaiveDate::MAX` (written "+262142-12-31", which sorts first): the last day of year 9999.
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

impl<S: FeesStore> Fees<S> {
    /// Sets how the book posts its payments, once every day is closed, so that no day is left
    /// half in a draft of the other kind.
    pub async fn set_payment_vouchers(&self, book: &Book, mode: PaymentVouchers) -> Result<()> {
        let mut tx = self.store().begin().await?;
        if let Some((_, day)) = tx.daily_drafts(book.key(), LAST_DAY).await?.first() {
            let mode = mode.label();
            return Err(Error::Conflict(format!("{day} 起还有未日结的收款凭证，请先日结（day-close）再改为{mode}生成凭证")));
        }
        tx.set_payment_vouchers(book.key(), mode).await?;
        tx.commit().await
    }

    /// 日结: reviews and posts, as `user`, every voucher of the fee wing waiting for a day up to
    /// `through`: the day's voucher of each method (its lines summed from its payments'), or
    /// each payment's own, and those of later months' bills and voided receipts.
    pub async fn close_days(&self, book: &Book, through: NaiveDate, user: &str) -> Result<Vec<DayVoucher>> {
        let mut tx = self.store().begin().await?;
        // The book's row first, as a payment takes it before it adds to a day's draft: no
        // payment's lines arrive between reading a draft and replacing its lines by their sums.
        tx.claim_chain(book.key(), 0, 0).await?;
        let items = fee_item_names(&mut tx, book).await?;
        let mut done = Vec::new();
        for (voucher_id, date) in tx.daily_drafts(book.key(), through).await? {
            done.push(close_day_draft(&mut tx, book, &items, voucher_id, date, user).await?);
        }
        tx.commit().await?;
        Ok(done)
    }
}

/// The book's fee items by id, named in a day's summaries.
pub(crate) async fn fee_item_names<T: FeesTx>(tx: &mut T, book: &Book) -> Result<HashMap<FeeItemId, String>> {
    Ok(tx.fee_items(book.key()).await?.into_iter().map(|f| (f.id, f.name)).collect())
}

/// Reviews and posts one waiting draft (the caller holds the book's row) as `user`: a day's
/// draft of one method with its lines summed from its payments', any other as it is.
pub(crate) async fn close_day_draft<T: FeesTx + LedgerTx>(
    tx: &mut T,
    book: &Book,
    items: &HashMap<FeeItemId, String>,
    voucher_id: VoucherId,
    date: NaiveDate,
    user: &str,
) -> Result<DayVoucher> {
    let behind = tx.payments_behind(book.key(), voucher_id).await?;
    // 出纳不得兼任稽核 (会计法 第三十七条): whoever took a payment does not review and post a
    // voucher of it.
    if let Some(p) = behind.iter().find(|p| p.cashier == user) {
        return Err(Error::invalid(
            "审核人",
            format!(
                "{user} 收取了 {} 的收款（收据{}），出纳不得审核、记账自己收款的凭证；请由审核人日结",
                p.paid_on,
                receipt_label(p.receipt_number)
            ),
        ));
    }
    let v = tx.voucher(book.key(), voucher_id).await?.ok_or_else(|| Error::not_found(format!("凭证 #{voucher_id}")))?;
    let lines = tx.lines(book.key(), voucher_id).await?;
    let payments: Vec<&PaymentRow> = behind.iter().filter(|p| p.voucher_id == voucher_id).collect();
    let input = if book.row.payment_vouchers == PaymentVouchers::Daily && !payments.is_empty() {
        VoucherInput { date, attachments: payments.len() as u32, lines: day_lines(book, date, &payments, &lines, items)? }
    } else {
        input_from_rows(book, &v, &lines)?
    };
    // The voucher seals what it records of the subledger, as it was written.
    let sealed = stored_rows(tx, book.key(), voucher_id.0, voucher_id.0 + 1, true).await?.remove(&voucher_id).unwrap_or_default();
    let posted = post_system_draft(tx, book, voucher_id, &input, user, &sealed.digest()).await?;
    Ok(DayVoucher {
        date,
        method: behind.first().map_or_else(String::new, |p| p.method.label().to_string()),
        payments: payments.len(),
        amount: Fen(payments.iter().map(|p| p.amount_fen).sum()),
        summary: input.lines.first().map_or_else(String::new, |l| l.summary.clone()),
        voucher: format!("{} {}", posted.period, posted.label),
    })
}

/// The receipts of a day's voucher as the summary names them (pure): consecutive numbers as a
/// range, others listed, so that a range never spans a receipt of another method
/// ("No.000007、No.000009–No.000011"). Past `max_chars`, the first and the count.
pub fn receipt_runs(numbers: &[i64], max_chars: usize) -> String {
    let mut sorted = numbers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for n in sorted.iter().copied() {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == n => *last = n,
            _ => runs.push((n, n)),
        }
    }
    let text = runs
        .iter()
        .map(|&(a, b)| if a == b { receipt_label(a) } else { format!("{}–{}", receipt_label(a), receipt_label(b)) })
        .collect::<Vec<_>>()
        .join("、");
    match sorted.first() {
        Some(first) if text.chars().count() > max_chars => format!("{} 等 {} 张（见日结清单）", receipt_label(*first), sorted.len()),
        _ => text,
    }
}

/// The day's voucher lines (pure): the payments' lines summed per account, side and fee item,
/// debits first; summaries name the day, the method, the item and the receipts.
fn day_lines(
    book: &Book,
    date: NaiveDate,
    payments: &[&PaymentRow],
    lines: &[LineRow],
    items: &HashMap<FeeItemId, String>,
) -> Result<Vec<LineInput>> {
    let method = payments.first().map_or("", |p| p.method.label());
    // The summary keeps room for the date, the method and the count.
    let numbers: Vec<i64> = payments.iter().map(|p| p.receipt_number).collect();
    let receipts = format!("收据{}", receipt_runs(&numbers, MAX_SUMMARY_CHARS - 40));
    // (credit side?, account, fee item) → amount; debits sort first.
    let mut sums: BTreeMap<(bool, AccountId, Option<FeeItemId>), i64> = BTreeMap::new();
    for l in lines {
        *sums.entry((l.credit_fen != 0, l.account_id, l.fee_item_id)).or_default() += l.debit_fen + l.credit_fen;
    }
    let mut out = Vec::with_capacity(sums.len());
    for ((credit, account_id, fee_item_id), fen) in sums {
        let (debit_fen, credit_fen) = if credit { (0, fen) } else { (fen, 0) };
        let what = match (credit, fee_item_id) {
            (false, _) => format!("共 {} 笔 {receipts}", payments.len()),
            (true, Some(item)) => format!("收 {}", items.get(&item).map_or("?", String::as_str)),
            (true, None) => "预收款".to_string(),
        };
        let summary = format!("{date} 日结 {method} {what}");
        let dims = Dimensions { fee_item_id, ..Dimensions::default() };
        out.push(LineInput::new(summary, book.code_of(account_id)?, Fen(debit_fen), Fen(credit_fen), dims));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::receipt_runs;

    #[test]
    fn a_day_names_its_own_receipts_never_a_range_across_another_method() {
        assert_eq!(receipt_runs(&[7, 9], 200), "No.000007、No.000009");
        assert_eq!(receipt_runs(&[12, 9, 10, 11, 7], 200), "No.000007、No.000009–No.000012");
        assert_eq!(receipt_runs(&[5], 200), "No.000005");
        let many: Vec<i64> = (0..100).map(|n| n * 2).collect();
        assert_eq!(receipt_runs(&many, 160), "No.000000 等 100 张（见日结清单）");
    }
}
