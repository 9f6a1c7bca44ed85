//! Periods: monthly close (结账) and the year-end carry-forward (年末损益结转).

use std::collections::BTreeMap;

use chrono::Utc;

use crate::domain::ids::{AccountId, VoucherId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::AccountClass;
use crate::ledger::rows::{BalanceRow, ChainClaim};
use crate::ledger::store::LedgerStore;
use crate::ledger::store::{LedgerTx, PeriodClose};
use crate::ledger::voucher::PeriodStatus;
use crate::ledger::voucher::{Dimensions, LineInput, VoucherInput, VoucherKind};
use crate::ledger::{check_user, Book, Ledger};
use crate::store::Tx;

impl<S: LedgerStore> Ledger<S> {
    /// 结账: the month must be open, the months before it closed, and every voucher dated in it
    /// posted. Closing December also needs the year's profit carried forward, and opens the
    /// next year's periods.
    pub async fn close_period(&self, book: &Book, period: Period, user: &str) -> Result<()> {
        let user = check_user("结账人", user)?;
        let mut tx = self.store.begin().await?;
        let periods = tx.periods(book.key()).await?;
        let row = periods.iter().find(|p| p.period == period).ok_or_else(|| Error::not_found(format!("会计期间 {period}")))?;
        if row.status == PeriodStatus::Closed {
            return Err(Error::Conflict(format!("会计期间 {period} 已结账")));
        }
        if let Some(open) = periods.iter().find(|p| p.period < period && p.status != PeriodStatus::Closed) {
            return Err(Error::invalid("结账", format!("须按月顺序结账：{} 尚未结账", open.period)));
        }
        let unposted = tx.count_unposted(book.key(), period).await?;
        if unposted > 0 {
            return Err(Error::invalid("结账", format!("{period} 还有 {unposted} 张凭证未记账（收款日结凭证由 day-close 记账）")));
        }
        if period.month() == 12 {
            let open_pl = open_profit_and_loss(&mut tx, book, period).await?;
            if let Some((code, fen)) = open_pl.first() {
                return Err(Error::invalid(
                    "年末结账",
                    format!("损益类科目 {code} 仍有余额 {}，请先做年末损益结转（mingzhang year-end）", Fen(*fen)),
                ));
            }
        }
        // Taking the book's chain lock (a zero-length claim) waits for any posting still in
        // flight, so the head recorded here is the true head at the close.
        let ChainClaim { chain_len, chain_head, .. } = tx.claim_chain(book.key(), 0, 0).await?;
        tx.close_period(book.key(), period, &PeriodClose { user, at: Utc::now(), chain_len, chain_head: &chain_head }).await?;
        if period.month() == 12 {
            let next: Vec<Period> = period.next().through(Period::new(period.year() + 1, 12).expect("December")).collect();
            tx.insert_periods(book.key(), &next).await?;
        }
        tx.commit().await
    }

    /// 年末损益结转: drafts the voucher dated 31 December that empties every profit-and-loss
    /// account into 本年利润 (本年收益) and carries the year's result on to 利润分配—未分配利润
    /// (收益分配—未分配收益). Returns None when there is nothing to carry.
    pub async fn draft_year_end(&self, book: &Book, year: i32, maker: &str) -> Result<Option<VoucherId>> {
        let december = Period::new(year, 12).ok_or_else(|| Error::invalid("年度", year.to_string()))?;
        let open = {
            let mut tx = self.store.begin().await?;
            if tx.count_unposted(book.key(), december).await? > 0 {
                return Err(Error::invalid("年末结转", format!("{december} 还有未记账凭证，请先审核记账")));
            }
            open_profit_and_loss(&mut tx, book, december).await?
        };
        let lines = year_end_lines(book, &open);
        if lines.is_empty() {
            return Ok(None);
        }
        let input = VoucherInput { date: december.last_day(), attachments: 0, lines };
        self.draft_kind(book, maker, &input, VoucherKind::CarryForward, None).await.map(Some)
    }
}

/// The carry-forward voucher's lines (pure): each profit-and-loss account emptied, income and
/// expense totals into 本年利润, and the year's result on to 未分配利润. `open` holds the
/// debit-minus-credit balance of each account with one.
fn year_end_lines(book: &Book, open: &[(String, i64)]) -> Vec<LineInput> {
    let line = |summary: &str, account: &str, debit: i64, credit: i64| {
        LineInput::new(summary, account, Fen(debit), Fen(credit), Dimensions::default())
    };
    let mut lines: Vec<LineInput> = open
        .iter()
        .map(|(code, balance)| if *balance > 0 { line("结转本年损益", code, 0, *balance) } else { line("结转本年损益", code, -balance, 0) })
        .collect();
    if lines.is_empty() {
        return lines;
    }
    let (profit_code, retained_code) = (book.row.profit_account.as_str(), book.row.retained_account.as_str());
    let (income, expense): (i64, i64) = open.iter().fold((0, 0), |(i, e), (_, b)| if *b < 0 { (i - b, e) } else { (i, e + b) });
    if income > 0 {
        lines.push(line("结转本年收入", profit_code, 0, income));
    }
    if expense > 0 {
        lines.push(line("结转本年费用", profit_code, expense, 0));
    }
    // The year's result, credit-positive: income less expense.
    let profit_fen = income - expense;
    match profit_fen.signum() {
        1 => {
            lines.push(line("结转本年利润", profit_code, profit_fen, 0));
            lines.push(line("结转本年利润", retained_code, 0, profit_fen));
        }
        -1 => {
            lines.push(line("结转本年亏损", retained_code, -profit_fen, 0));
            lines.push(line("结转本年亏损", profit_code, 0, -profit_fen));
        }
        _ => {}
    }
    lines
}

/// Non-zero debit-minus-credit balances of profit-and-loss leaves through `last`, by code.
/// The 损益 accounts' balances at the end of `december`, by code. In the year the book starts, a
/// 损益 account may open with a balance (a mid-year start under 表结法 brings the year's result
/// so far): it counts with the year's movements.
async fn open_profit_and_loss<T: LedgerTx>(tx: &mut T, book: &Book, december: Period) -> Result<Vec<(String, i64)>> {
    let balances = tx.balances(book.key()).await?;
    let opening: Vec<(AccountId, i64)> = if december.year() == book.start_period().year() {
        tx.opening_balances(book.key()).await?.iter().map(|o| (o.account_id, o.balance_fen)).collect()
    } else {
        Vec::new()
    };
    Ok(profit_and_loss_balances(book, &balances, &opening, december))
}

fn profit_and_loss_balances(book: &Book, balances: &[BalanceRow], opening: &[(AccountId, i64)], last: Period) -> Vec<(String, i64)> {
    let mut per_account: BTreeMap<String, i64> = BTreeMap::new();
    let moved = balances.iter().filter(|b| b.period <= last).map(|b| (b.account_id, b.debit_fen - b.credit_fen));
    for (account_id, fen) in opening.iter().copied().chain(moved) {
        if let Some(a) = book.account_by_id(account_id).filter(|a| a.class == AccountClass::ProfitAndLoss) {
            *per_account.entry(a.code.to_string()).or_default() += fen;
        }
    }
    per_account.into_iter().filter(|(_, b)| *b != 0).collect()
}
