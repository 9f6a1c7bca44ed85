//! 现金流量项目 (小企业会计准则 第80条, 会小企03表): which line of the 现金流量表 each movement of
//! 库存现金, 银行存款 and 其他货币资金 belongs to. The items and the rules that derive an item from
//! the counterpart account are data (reports/cash_flow_rules.toml, which says how they apply);
//! this module reads them, stamps generated vouchers with their item, checks an accountant's
//! assignment, and sums a period's flows by item for the statement (`XJ(n)` in its formulas).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::rows::LineRow;
use crate::ledger::settings::CashFlowItems;
use crate::ledger::store::{LedgerStore, LedgerTx};
use crate::ledger::voucher::{LineInput, VoucherInput};
use crate::ledger::Book;
use crate::store::Tx;
use store::{CashFlowRow, CashFlowTx};

pub mod store;

const RULES_TOML: &str = include_str!("../../../reports/cash_flow_rules.toml");

/// The chart the rules are written for: the collective's system asks for no 现金流量表.
pub const CHART: &str = "small_enterprise";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Item {
    pub line: u32,
    pub label: String,
    pub direction: Direction,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct Rule {
    account: String,
    inflow: u32,
    outflow: u32,
    /// The counterpart does not decide: the accountant assigns the item.
    #[serde(default)]
    choose: bool,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct CashFlowRules {
    cash_accounts: Vec<String>,
    pub items: Vec<Item>,
    rules: Vec<Rule>,
}

/// The item a non-cash line's account gives the cash it moves, and whether the account decides
/// it (false: a fallback, which a book that requires items refuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Derived {
    pub line: u32,
    pub decided: bool,
}

/// Lines 2 and 6, 收到/支付其他与经营活动有关的现金: where an undecided counterpart falls.
const OTHER_OPERATING: (u32, u32) = (2, 6);

impl CashFlowRules {
    /// The rules that ship with the program, checked once: every rule names an item.
    pub fn shipped() -> Result<&'static CashFlowRules> {
        static RULES: OnceLock<std::result::Result<CashFlowRules, String>> = OnceLock::new();
        RULES.get_or_init(|| parse(RULES_TOML)).as_ref().map_err(|e| Error::invalid("现金流量项目定义", e.clone()))
    }

    pub fn is_cash(&self, code: &str) -> bool {
        self.cash_accounts.iter().any(|c| code.starts_with(c.as_str()))
    }

    pub fn item(&self, line: u32) -> Option<&Item> {
        self.items.iter().find(|i| i.line == line)
    }

    /// The item of the cash that a line of `code` on the other side moves: its credits are
    /// inflows, its debits outflows. The longest matching prefix decides.
    pub fn derive(&self, code: &str, inflow: bool) -> Derived {
        let rule = self.rules.iter().filter(|r| code.starts_with(r.account.as_str())).max_by_key(|r| r.account.len());
        match rule {
            Some(r) => Derived { line: if inflow { r.inflow } else { r.outflow }, decided: !r.choose },
            None => Derived { line: if inflow { OTHER_OPERATING.0 } else { OTHER_OPERATING.1 }, decided: false },
        }
    }

    /// The cash each item of one voucher moves, positive in and negative out, derived from its
    /// non-cash lines (pure), with whether every counterpart decided its item. The amounts add up
    /// to the voucher's net cash movement because the voucher balances.
    pub fn derived_flows(&self, input: &VoucherInput) -> BTreeMap<u32, (i64, bool)> {
        let mut flows: BTreeMap<u32, (i64, bool)> = BTreeMap::new();
        self.derive_lines(input.lines.iter().map(|l| (l.account.as_str(), l.debit.0, l.credit.0)), |d, fen| {
            let entry = flows.entry(d.line).or_insert((0, true));
            entry.0 += fen;
            entry.1 &= d.decided;
        });
        flows
    }

    /// Calls `add(derived, inflow_fen)` for each non-cash line of (code, debit, credit): its
    /// credits are inflows of its item, its debits outflows.
    fn derive_lines<'a>(&self, lines: impl Iterator<Item = (&'a str, i64, i64)>, mut add: impl FnMut(Derived, i64)) {
        for (code, debit, credit) in lines.filter(|(code, _, _)| !self.is_cash(code)) {
            add(self.derive(code, credit != 0), credit - debit);
        }
    }

    /// Calls `add(item, inflow_fen)` for the cash a posted voucher moved (pure): what its cash
    /// lines carry where they carry an item, else what its counterparts derive. The posting adds
    /// this to the maintained sums and `verify` recomputes it, so both read the same rule.
    pub fn posted_flows(&self, book: &Book, lines: &[LineRow], mut add: impl FnMut(u32, i64)) {
        // An account the book lacks (only a tampered line has one) is a finding of verify's own.
        let code = |l: &LineRow| book.code_of(l.account_id).unwrap_or_default();
        let cash = |l: &&LineRow| self.is_cash(code(l));
        if !lines.iter().any(|l| cash(&l)) {
            return;
        }
        if lines.iter().filter(cash).any(|l| l.cash_flow_item.is_some()) {
            for l in lines.iter().filter(cash) {
                let inflow_fen = l.debit_fen - l.credit_fen;
                let fallback = if inflow_fen >= 0 { OTHER_OPERATING.0 } else { OTHER_OPERATING.1 };
                add(l.cash_flow_item.and_then(|i| u32::try_from(i).ok()).unwrap_or(fallback), inflow_fen);
            }
        } else {
            self.derive_lines(lines.iter().map(|l| (code(l), l.debit_fen, l.credit_fen)), |d, fen| add(d.line, fen));
        }
    }

    /// Puts `item` on every cash line of `lines` (现金流量指定 of a whole voucher).
    pub fn assign(&self, lines: &mut [LineInput], item: i64) {
        for l in lines.iter_mut().filter(|l| self.is_cash(&l.account)) {
            l.dimensions.cash_flow_item = Some(item);
        }
    }
}

fn parse(text: &str) -> std::result::Result<CashFlowRules, String> {
    let rules: CashFlowRules = toml::from_str(text).map_err(|e| e.to_string())?;
    for r in &rules.rules {
        for line in [r.inflow, r.outflow] {
            if rules.item(line).is_none() {
                return Err(format!("科目 {} 的规则指向第 {line} 行，该行不是现金流量项目", r.account));
            }
        }
    }
    Ok(rules)
}

pub(crate) fn applies(book: &Book) -> bool {
    book.row.chart == CHART
}

/// Checks the items an accountant's voucher carries (a book of another chart carries none):
/// only cash lines carry one, it is an item of the form, a voucher's cash lines carry one all or
/// none, and in a book that requires items a voucher whose counterpart does not decide gets one.
pub fn check_items(book: &Book, input: &VoucherInput) -> Result<()> {
    let assigned = input.lines.iter().filter(|l| l.dimensions.cash_flow_item.is_some()).count();
    if !applies(book) {
        return match input.lines.iter().position(|l| l.dimensions.cash_flow_item.is_some()) {
            Some(i) => {
                Err(Error::BadLine { line: i + 1, reason: "现金流量项目：本账套不编制现金流量表，不能指定".into() })
            }
            None => Ok(()),
        };
    }
    let rules = CashFlowRules::shipped()?;
    let cash: Vec<usize> = (0..input.lines.len()).filter(|&i| rules.is_cash(&input.lines[i].account)).collect();
    for (i, l) in input.lines.iter().enumerate() {
        let Some(item) = l.dimensions.cash_flow_item else { continue };
        if !rules.is_cash(&l.account) {
            return Err(Error::BadLine {
                line: i + 1, reason: format!("现金流量项目：{} 不是货币资金科目，不能指定", l.account)
            });
        }
        if u32::try_from(item).ok().and_then(|n| rules.item(n)).is_none() {
            return Err(Error::BadLine {
                line: i + 1,
                reason: format!("现金流量项目：第 {item} 行不是现金流量表的项目（1–6、8–12、14–18）"),
            });
        }
    }
    if assigned > 0 && assigned < cash.len() {
        let missing = cash.iter().find(|&&i| input.lines[i].dimensions.cash_flow_item.is_none()).copied().unwrap_or(0);
        return Err(Error::BadLine {
            line: missing + 1, reason: "现金流量项目：同一凭证的货币资金分录须全部指定或全部不指定".into()
        });
    }
    if assigned == 0 && !cash.is_empty() && book.row.cash_flow_items == CashFlowItems::Required {
        let undecided = input
            .lines
            .iter()
            .enumerate()
            .find(|(_, l)| !rules.is_cash(&l.account) && !rules.derive(&l.account, !l.credit.is_zero()).decided);
        if let Some((_, l)) = undecided {
            return Err(Error::BadLine {
                line: cash[0] + 1,
                reason: format!("现金流量项目：对方科目 {} 不能确定现金流量项目，请在货币资金分录上指定", l.account),
            });
        }
    }
    Ok(())
}

/// A generated voucher with its item on every cash line, where its counterparts decide one
/// item (a receipt of fees: line 1; a subsidy received: line 2). A voucher whose cash goes to
/// several items keeps none, and the statement derives them line by line.
pub fn stamp(book: &Book, input: &VoucherInput) -> Result<Option<VoucherInput>> {
    if !applies(book) {
        return Ok(None);
    }
    let rules = CashFlowRules::shipped()?;
    let cash = |l: &LineInput| rules.is_cash(&l.account);
    if !input.lines.iter().any(cash) || input.lines.iter().any(|l| l.dimensions.cash_flow_item.is_some()) {
        return Ok(None);
    }
    let flows = rules.derived_flows(input);
    let mut items = flows.iter().filter(|(_, (fen, _))| *fen != 0);
    let (Some((&line, &(_, decided))), None) = (items.next(), items.next()) else { return Ok(None) };
    if !decided {
        return Ok(None);
    }
    let mut stamped = input.clone();
    rules.assign(&mut stamped.lines, i64::from(line));
    Ok(Some(stamped))
}

/// The rows one posted voucher adds to the book's cash-flow sums (none for a book of another
/// chart or a voucher that moves no cash).
pub fn posting_rows(book: &Book, period: Period, lines: &[LineRow]) -> Result<Vec<CashFlowRow>> {
    if !applies(book) {
        return Ok(Vec::new());
    }
    let mut by_item: BTreeMap<u32, i64> = BTreeMap::new();
    CashFlowRules::shipped()?.posted_flows(book, lines, |item, fen| *by_item.entry(item).or_default() += fen);
    Ok(by_item.into_iter().map(|(item, fen)| CashFlowRow { period: period.key(), item: i64::from(item), fen }).collect())
}

/// The cash each item moved over months `from..=to`, positive in and negative out, from the
/// sums the postings keep (a few rows a month, however long the journal).
pub async fn flows<S: LedgerStore>(store: &S, book: &Book, from: Period, to: Period) -> Result<BTreeMap<u32, i64>> {
    let mut out: BTreeMap<u32, i64> = BTreeMap::new();
    if !applies(book) {
        return Ok(out);
    }
    // One read for the common case: the flag and the sums together.
    let kept = {
        let mut tx = store.read().await?;
        if tx.cash_flows_built(book.key()).await? {
            Some(tx.cash_flows(book.key()).await?)
        } else {
            None
        }
    };
    let rows = match kept {
        Some(rows) => rows,
        None => build(store, book).await?,
    };
    for r in rows.iter().filter(|r| (from.key()..=to.key()).contains(&r.period)) {
        *out.entry(u32::try_from(r.item).unwrap_or(0)).or_default() += r.fen;
    }
    Ok(out)
}

/// Builds the sums of a book posted to before they were kept, from its journal, and returns
/// them. A store this process may only read gets the same sums, computed and not kept.
async fn build<S: LedgerStore>(store: &S, book: &Book) -> Result<Vec<CashFlowRow>> {
    let kept = async {
        let mut tx = store.begin().await?;
        if tx.begin_cash_flow_build(book.key()).await? {
            let rows = journal_sums(&mut tx, book).await?;
            tx.add_cash_flows(book.key(), &rows).await?;
        }
        let rows = tx.cash_flows(book.key()).await?;
        tx.commit().await?;
        Ok::<_, Error>(rows)
    };
    match kept.await {
        Ok(rows) => Ok(rows),
        Err(_) => journal_sums(&mut store.read().await?, book).await,
    }
}

/// The sums recomputed from every posted voucher of the book, a page at a time.
async fn journal_sums<T: LedgerTx>(tx: &mut T, book: &Book) -> Result<Vec<CashFlowRow>> {
    const PAGE: i64 = 10_000;
    let rules = CashFlowRules::shipped()?;
    let mut sums: BTreeMap<(i64, u32), i64> = BTreeMap::new();
    let last = tx.max_chain_seq(book.key()).await?;
    let mut after = 0;
    while after < last {
        for v in tx.journal_page(book.key(), after, last.min(after + PAGE)).await? {
            rules.posted_flows(book, &v.lines, |item, fen| *sums.entry((v.period, item)).or_default() += fen);
        }
        after += PAGE;
    }
    Ok(sums.into_iter().map(|((period, item), fen)| CashFlowRow { period, item: i64::from(item), fen }).collect())
}

impl<S: LedgerStore> crate::ledger::Ledger<S> {
    /// Sets whether the book's cash vouchers must carry an item their counterpart does not decide.
    pub async fn set_cash_flow_items(&self, book: &Book, mode: CashFlowItems) -> Result<()> {
        if !applies(book) {
            return Err(Error::invalid("现金流量项目", format!("账套 {} 不编制现金流量表（仅小企业会计准则账套）", book.row.code)));
        }
        let mut tx = self.store.begin().await?;
        tx.set_cash_flow_items(book.key(), mode).await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Fen;
    use crate::ledger::voucher::Dimensions;

    fn line(account: &str, debit: i64, credit: i64) -> LineInput {
        LineInput::new("x", account, Fen(debit), Fen(credit), Dimensions::default())
    }

    #[test]
    fn the_shipped_rules_load_and_name_items() {
        let rules = CashFlowRules::shipped().unwrap();
        assert!(rules.is_cash("1001") && rules.is_cash("100201") && rules.is_cash("101201") && !rules.is_cash("1122"));
        assert_eq!(rules.derive("1122", true), Derived { line: 1, decided: true });
        assert_eq!(rules.derive("222101", false), Derived { line: 5, decided: true });
        assert_eq!(rules.derive("222101", true), Derived { line: 1, decided: true });
        assert_eq!(rules.derive("540106", false).line, 4, "人员薪酬 is wages, not a purchase");
        assert_eq!(rules.derive("540101", false).line, 3);
        assert_eq!(rules.derive("224101", true).line, 2);
        assert_eq!(rules.derive("1221", false), Derived { line: 6, decided: false });
        assert_eq!(rules.derive("1601", false).line, 12);
        assert_eq!(rules.derive("2232", false).line, 18);
    }

    #[test]
    fn derived_flows_add_up_to_the_net_cash_movement() {
        let rules = CashFlowRules::shipped().unwrap();
        // 102.00 received: 100.00 of fees settled, 2.00 of bank charges.
        let input = VoucherInput {
            date: chrono::NaiveDate::MIN,
            attachments: 0,
            lines: vec![line("100201", 10_000, 0), line("5603", 200, 0), line("1122", 0, 10_200)],
        };
        let flows = rules.derived_flows(&input);
        assert_eq!(flows.get(&1).map(|f| f.0), Some(10_200));
        assert_eq!(flows.get(&6).map(|f| f.0), Some(-200));
        assert_eq!(flows.values().map(|f| f.0).sum::<i64>(), 10_000);
        // A transfer between money accounts moves no cash in or out.
        let transfer =
            VoucherInput { date: chrono::NaiveDate::MIN, attachments: 0, lines: vec![line("1001", 500, 0), line("100201", 0, 500)] };
        assert!(rules.derived_flows(&transfer).is_empty());
    }

    #[test]
    fn a_rule_naming_no_item_is_refused_at_load() {
        let bad = "cash_accounts = [\"1001\"]\n[[items]]\nline = 1\nlabel = \"a\"\ndirection = \"in\"\n[[rules]]\naccount = \"1122\"\ninflow = 1\noutflow = 7\n";
        assert!(parse(bad).unwrap_err().contains("第 7 行"));
    }
}
