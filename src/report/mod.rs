//! Reports for accountants: 科目余额表, 明细账 and the statements defined in `reports/`. They
//! read the maintained per-account, per-period balances (DESIGN.md section 5), never the whole
//! journal; only 明细账 reads the lines of the one account it shows.

pub mod engine;
pub mod facts;
pub mod formula;
pub mod paper;
pub mod statement;

use std::collections::{BTreeMap, HashMap};

use crate::domain::ids::AccountId;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::{Account, AccountCode, Side};
use crate::ledger::rows::{AccountLineRow, BalanceRow, OpeningRow};
use crate::ledger::store::LedgerStore;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::voucher_label;
use crate::ledger::Book;
use crate::render::table::{money_cell, Align, Table};

/// An account's figures over a range of periods, debit-positive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub opening_fen: i64,
    pub debit_fen: i64,
    pub credit_fen: i64,
    /// 本年累计: movements from January of the range's last year (or the book's first month)
    /// through its last month, carry-forward vouchers included as 用友 counts them.
    pub year_debit_fen: i64,
    pub year_credit_fen: i64,
    /// The part of `debit_fen` / `credit_fen` from year-end carry-forward vouchers, for the
    /// 利润表's net movement; not a column of the 科目余额表.
    #[serde(skip)]
    pub carry_debit_fen: i64,
    #[serde(skip)]
    pub carry_credit_fen: i64,
}

impl Totals {
    pub fn closing_fen(&self) -> i64 {
        self.opening_fen + self.debit_fen - self.credit_fen
    }

    /// Debits minus credits over the range, carry-forward vouchers left out.
    pub fn net_without_carry_fen(&self) -> i64 {
        (self.debit_fen - self.carry_debit_fen) - (self.credit_fen - self.carry_credit_fen)
    }

    /// Adds a sub-account's totals to its parent's. The limits keep every stored balance far
    /// inside i64 (`domain::limits`); should a book hold more than that, the sum stops at the
    /// end of the range rather than wrap, and the trial balance's footer says it cannot be
    /// checked.
    fn add(&mut self, other: &Totals) {
        let add = |a: &mut i64, b: i64| *a = a.saturating_add(b);
        add(&mut self.opening_fen, other.opening_fen);
        add(&mut self.debit_fen, other.debit_fen);
        add(&mut self.credit_fen, other.credit_fen);
        add(&mut self.year_debit_fen, other.year_debit_fen);
        add(&mut self.year_credit_fen, other.year_credit_fen);
        add(&mut self.carry_debit_fen, other.carry_debit_fen);
        add(&mut self.carry_credit_fen, other.carry_credit_fen);
    }
}

/// The balances a report needs, read once: opening balances, per-period movements and the
/// share of those movements that carry-forward vouchers make up.
pub struct Balances {
    opening: Vec<OpeningRow>,
    movements: Vec<BalanceRow>,
    carry_forward: Vec<BalanceRow>,
}

impl Balances {
    pub async fn load<S: LedgerStore>(store: &S, book: &Book) -> Result<Balances> {
        let mut tx = store.read().await?;
        let (opening, mut movements) = (tx.opening_balances(book.key()).await?, tx.balances(book.key()).await?);
        let carry_forward = tx.carry_forward_balances(book.key()).await?;
        // A mid-year start's 本年累计 stands as one movement in the month before the start, on an
        // opening balance taken back to 1 January: every report of that year then covers the
        // whole year (本年累计, 本年累计金额, 年初余额) with no rule of its own.
        let before_start = book.start_period().prev();
        let mut opening_at_year_start = Vec::with_capacity(opening.len());
        for o in opening {
            if o.year_debit_fen != 0 || o.year_credit_fen != 0 {
                movements.push(BalanceRow {
                    account_id: o.account_id,
                    period: before_start,
                    debit_fen: o.year_debit_fen,
                    credit_fen: o.year_credit_fen,
                });
            }
            let balance_fen = o.balance_fen - (o.year_debit_fen - o.year_credit_fen);
            opening_at_year_start.push(OpeningRow { balance_fen, ..o });
        }
        Ok(Balances { opening: opening_at_year_start, movements, carry_forward })
    }

    /// Totals of every account (leaves and their ancestors) over `from..=to`; when `to` is
    /// before `from` the range is empty and only opening balances at `from` are filled.
    pub fn totals(&self, book: &Book, from: Period, to: Period) -> BTreeMap<AccountCode, Totals> {
        let mut leaf: HashMap<AccountId, Totals> = HashMap::new();
        for o in &self.opening {
            leaf.entry(o.account_id).or_default().opening_fen += o.balance_fen;
        }
        let year_start = Period::new(to.year(), 1).expect("January of a valid year");
        for m in &self.movements {
            let t = leaf.entry(m.account_id).or_default();
            if m.period < from {
                t.opening_fen += m.debit_fen - m.credit_fen;
            } else if m.period <= to {
                t.debit_fen += m.debit_fen;
                t.credit_fen += m.credit_fen;
            }
            if (year_start..=to).contains(&m.period) {
                t.year_debit_fen += m.debit_fen;
                t.year_credit_fen += m.credit_fen;
            }
        }
        for m in self.carry_forward.iter().filter(|m| (from..=to).contains(&m.period)) {
            let t = leaf.entry(m.account_id).or_default();
            t.carry_debit_fen += m.debit_fen;
            t.carry_credit_fen += m.credit_fen;
        }
        let mut all: BTreeMap<AccountCode, Totals> = BTreeMap::new();
        for (account_id, t) in leaf {
            let mut code = book.account_codes.get(&account_id).cloned();
            while let Some(c) = code {
                all.entry(c.clone()).or_default().add(&t);
                code = book.chart.get(&c).and_then(|a| a.parent.clone());
            }
        }
        all
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TrialBalanceRow {
    pub code: String,
    pub name: String,
    pub level: u32,
    pub normal_side: Side,
    #[serde(flatten)]
    pub totals: Totals,
    pub closing_fen: i64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TrialBalance {
    pub book: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<TrialBalanceRow>,
    /// Sum over first-level accounts: zero opening and closing, debits = credits.
    pub total: Totals,
}

/// 科目余额表 for `from..=to`, accounts down to `max_level` that have any figure.
pub async fn trial_balance<S: LedgerStore>(store: &S, book: &Book, from: Period, to: Period, max_level: u32) -> Result<TrialBalance> {
    if to < from {
        return Err(Error::invalid("期间", format!("结束期间 {to} 早于开始期间 {from}")));
    }
    let totals = Balances::load(store, book).await?.totals(book, from, to);
    let mut rows = Vec::new();
    let mut total = Totals::default();
    for (code, t) in &totals {
        let Some(a) = book.chart.get(code) else { continue };
        if a.level > max_level || *t == Totals::default() {
            continue;
        }
        if a.level == 1 {
            total.add(t);
        }
        rows.push(TrialBalanceRow {
            code: code.to_string(),
            name: a.name.clone(),
            level: a.level,
            normal_side: a.normal_side,
            totals: *t,
            closing_fen: t.closing_fen(),
        });
    }
    Ok(TrialBalance { book: book.row.name.clone(), from: from.to_string(), to: to.to_string(), rows, total })
}

/// (debit column, credit column) of a debit-positive balance.
fn split(balance_fen: i64) -> (i64, i64) {
    if balance_fen >= 0 {
        (balance_fen, 0)
    } else {
        (0, -balance_fen)
    }
}

/// The 科目余额表's amount columns, each side apart, and the closing balance's direction.
const TB_AMOUNT_COLUMNS: [&str; 8] =
    ["期初借方", "期初贷方", "本期借方", "本期贷方", "本年累计借方", "本年累计贷方", "期末借方", "期末贷方"];

/// 余额方向 of a debit-positive balance: 借, 贷 or 平.
fn direction(balance_fen: i64) -> &'static str {
    match balance_fen.signum() {
        1 => "借",
        -1 => "贷",
        _ => "平",
    }
}

impl Totals {
    /// The eight amount columns of [`TB_AMOUNT_COLUMNS`].
    fn columns(&self) -> [i64; 8] {
        let (od, oc) = split(self.opening_fen);
        let (cd, cc) = split(self.closing_fen());
        [od, oc, self.debit_fen, self.credit_fen, self.year_debit_fen, self.year_credit_fen, cd, cc]
    }
}

impl TrialBalance {
    pub fn to_table(&self) -> Table {
        let mut headers = vec![("科目编码", Align::Left), ("科目名称", Align::Left)];
        headers.extend(TB_AMOUNT_COLUMNS.map(|h| (h, Align::Right)));
        headers.push(("方向", Align::Left));
        let mut t = Table::new("科目余额表", &headers);
        t.subtitle.push(format!("账套：{}    期间：{} 至 {}    单位：元", self.book, self.from, self.to));
        // Summed in i128: the total of the first-level accounts can never wrap, and a total
        // beyond what a fen amount holds is said to be, not printed wrong.
        let mut sums = [0i128; 8];
        for row in &self.rows {
            let indent = "  ".repeat(row.level.saturating_sub(1) as usize);
            let columns = row.totals.columns();
            let mut cells = vec![row.code.clone(), format!("{indent}{}", row.name)];
            cells.extend(columns.iter().map(|v| money_cell(*v)));
            cells.push(direction(row.closing_fen).to_string());
            t.rows.push(cells);
            if row.level == 1 {
                for (s, v) in sums.iter_mut().zip(columns) {
                    *s += i128::from(v);
                }
            }
        }
        let mut total = vec![String::new(), "合计".to_string()];
        // A total at either end of i64 is one that stopped there (`Totals::add`).
        let in_range = sums.iter().all(|v| (i128::from(i64::MIN)..i128::from(i64::MAX)).contains(v) && *v != i128::from(i64::MIN));
        total.extend(sums.iter().map(|v| i64::try_from(*v).map_or_else(|_| "超出范围".to_string(), money_cell)));
        total.push(String::new());
        t.rows.push(total);
        let balanced = sums[0] == sums[1] && sums[2] == sums[3] && sums[4] == sums[5] && sums[6] == sums[7];
        t.footer.push(match (in_range, balanced) {
            (false, _) => "合计超出金额范围，无法试算！".to_string(),
            (true, true) => "试算平衡".to_string(),
            (true, false) => "试算不平！".to_string(),
        });
        t
    }

    /// The sheet for CSV and XLSX: debit and credit sides in columns of their own (开始/本期/期末
    /// 借方、贷方), every account row with its level, amounts unformatted.
    pub fn to_sheet(&self) -> Table {
        let mut headers = vec![("科目编码", Align::Left), ("科目名称", Align::Left), ("级次", Align::Right)];
        headers.extend(TB_AMOUNT_COLUMNS.map(|h| (h, Align::Right)));
        headers.push(("方向", Align::Left));
        let mut t = Table::new("科目余额表", &headers);
        t.subtitle.push(format!("{}  {} 至 {}  单位：元", self.book, self.from, self.to));
        for row in &self.rows {
            let mut cells = vec![row.code.clone(), row.name.clone(), row.level.to_string()];
            cells.extend(row.totals.columns().iter().map(|v| crate::domain::money::Fen(*v).to_string()));
            cells.push(direction(row.closing_fen).to_string());
            t.rows.push(cells);
        }
        t
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct LedgerEntry {
    /// "line", "opening", "month_total" or "year_total".
    pub kind: &'static str,
    pub date: String,
    pub voucher: String,
    pub summary: String,
    pub debit_fen: i64,
    pub credit_fen: i64,
    /// Debit-positive running balance.
    pub balance_fen: i64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct AccountLedger {
    /// 明细账, 现金日记账, 银行存款日记账 or 日记账.
    pub title: &'static str,
    pub book: String,
    pub code: String,
    pub name: String,
    pub from: String,
    pub to: String,
    pub entries: Vec<LedgerEntry>,
}

impl LedgerEntry {
    /// A line of the ledger that is not a posting: the opening balance, a month's or the
    /// year's totals.
    fn total(kind: &'static str, date: &str, summary: &str, (debit_fen, credit_fen): (i64, i64), balance_fen: i64) -> LedgerEntry {
        LedgerEntry {
            kind,
            date: date.to_string(),
            voucher: String::new(),
            summary: summary.to_string(),
            debit_fen,
            credit_fen,
            balance_fen,
        }
    }
}

/// 明细账 of one account (with its sub-accounts) over `from..=to`: opening balance, each posted
/// line with its running balance, and 本月合计 / 本年累计 after each month.
pub async fn account_ledger<S: LedgerStore>(store: &S, book: &Book, code: &str, from: Period, to: Period) -> Result<AccountLedger> {
    ledger_of(store, book, code, from, to, false).await
}

/// 日记账 (现金日记账 for cash, 银行存款日记账 for a bank account): the 明细账 with a
/// 本日合计 after each day that has postings, as the cashier reconciles the till and the bank
/// each day.
pub async fn journal<S: LedgerStore>(store: &S, book: &Book, code: &str, from: Period, to: Period) -> Result<AccountLedger> {
    ledger_of(store, book, code, from, to, true).await
}

async fn ledger_of<S: LedgerStore>(store: &S, book: &Book, code: &str, from: Period, to: Period, daily: bool) -> Result<AccountLedger> {
    // Nothing is posted before the book starts; its ledger opens with the start's balance (期初
    // 余额), not a 上年结转 at a 1 January the book never saw.
    let from = from.max(book.start_period());
    if to < from {
        return Err(Error::invalid("期间", format!("账套从 {} 启用，{to} 之前没有账", book.start_period())));
    }
    let account_code =
        AccountCode::parse(code).filter(|c| book.chart.contains_key(c)).ok_or_else(|| Error::not_found(format!("科目 {code}")))?;
    let account = &book.chart[&account_code];
    let balances = Balances::load(store, book).await?;
    let opening = balances.totals(book, from, from.prev()).get(&account_code).map_or(0, |t| t.opening_fen);
    let year_before = balances.totals(book, from.first_of_year(), from.prev()).get(&account_code).copied().unwrap_or_default();
    let lines = {
        let mut tx = store.read().await?;
        tx.account_lines(book.key(), account_code.as_str(), from, to).await?
    };
    let entries = ledger_entries(&lines, &account_code, (from, to), opening, year_before, daily);
    Ok(AccountLedger {
        title: ledger_title(book, account, daily),
        book: book.row.name.clone(),
        code: account_code.to_string(),
        name: account.name.clone(),
        from: from.to_string(),
        to: to.to_string(),
        entries,
    })
}

/// The ledger's entries from its opening balance: each line with the balance after it, and the
/// day's (when `daily`), month's and year's totals. `year_before` is the year's movements
/// before `from`; `lines` are in period and date order.
fn ledger_entries(
    lines: &[AccountLineRow],
    account_code: &AccountCode,
    (from, to): (Period, Period),
    opening: i64,
    year_before: Totals,
    daily: bool,
) -> Vec<LedgerEntry> {
    let opening_label = if from.month() == 1 { "上年结转" } else { "期初余额" };
    let mut entries = vec![LedgerEntry::total("opening", &from.first_day().to_string(), opening_label, (0, 0), opening)];
    let mut balance = opening;
    let (mut year_debit, mut year_credit) = (year_before.debit_fen, year_before.credit_fen);
    let mut index = 0;
    for period in from.through(to) {
        if period.month() == 1 {
            year_debit = 0;
            year_credit = 0;
        }
        let (mut month_debit, mut month_credit) = (0, 0);
        let (mut day_debit, mut day_credit) = (0, 0);
        while index < lines.len() && lines[index].period == period {
            let l = &lines[index];
            day_debit += l.debit_fen;
            day_credit += l.credit_fen;
            balance += l.debit_fen - l.credit_fen;
            month_debit += l.debit_fen;
            month_credit += l.credit_fen;
            let summary =
                if l.account_code == account_code.as_str() { l.summary.clone() } else { format!("{}（{}）", l.summary, l.account_code) };
            entries.push(LedgerEntry {
                kind: "line",
                date: l.voucher_date.to_string(),
                voucher: voucher_label(l.number),
                summary,
                debit_fen: l.debit_fen,
                credit_fen: l.credit_fen,
                balance_fen: balance,
            });
            index += 1;
            let day_ends = lines.get(index).is_none_or(|next| next.period != period || next.voucher_date != l.voucher_date);
            if daily && day_ends {
                entries.push(LedgerEntry::total("day_total", &l.voucher_date.to_string(), "本日合计", (day_debit, day_credit), balance));
                (day_debit, day_credit) = (0, 0);
            }
        }
        year_debit += month_debit;
        year_credit += month_credit;
        let end = period.last_day().to_string();
        entries.push(LedgerEntry::total("month_total", &end, "本月合计", (month_debit, month_credit), balance));
        entries.push(LedgerEntry::total("year_total", &end, "本年累计", (year_debit, year_credit), balance));
    }
    entries
}

fn ledger_title(book: &Book, account: &Account, daily: bool) -> &'static str {
    // Named by the first-level account, whatever code the book's chart gives it.
    let first_level = crate::ledger::lookup::full_name(&book.chart, account);
    match first_level.split('—').next() {
        _ if !daily => "明细账",
        Some("库存现金" | "现金") => "现金日记账",
        Some("银行存款") => "银行存款日记账",
        _ => "日记账",
    }
}

impl AccountLedger {
    pub fn to_table(&self) -> Table {
        let r = Align::Right;
        let mut t = Table::new(
            self.title,
            &[
                ("日期", Align::Left),
                ("凭证号", Align::Left),
                ("摘要", Align::Left),
                ("借方", r),
                ("贷方", r),
                ("方向", Align::Left),
                ("余额", r),
            ],
        );
        t.subtitle.push(format!("账套：{}    科目：{} {}    期间：{} 至 {}", self.book, self.code, self.name, self.from, self.to));
        for e in &self.entries {
            let direction = match e.balance_fen.signum() {
                1 => "借",
                -1 => "贷",
                _ => "平",
            };
            t.rows.push(vec![
                e.date.clone(),
                e.voucher.clone(),
                e.summary.clone(),
                money_cell(e.debit_fen),
                money_cell(e.credit_fen),
                direction.into(),
                money_cell(e.balance_fen.abs()),
            ]);
        }
        t
    }
}
