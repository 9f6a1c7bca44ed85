//! Financial statements defined as data in `reports/*.toml`: rows with 行次, labels and formulas
//! over accounts, in the spirit of the QM/QC/JF/DF functions Chinese accountants know from their
//! report tools. One definition renders to text, CSV and JSON.
//!
//! Formula language: terms joined by `+` and `-`; a term is `QM(code)` (closing balance),
//! `QC(code)` (opening balance), `JF(code)` (debit movement), `DF(code)` (credit movement),
//! `SY(code)` (net movement, 实际发生额: on the account's normal side, debits and credits netted,
//! year-end carry-forward vouchers left out) over the column's range, `XJ(n)` (现金流量项目 n
//! over the column's range, as ledger::cash_flow derives it: inflows on an inflow line and
//! outflows on an outflow line count positive), or `R(n)` (line n of the same column). Balances are in the named account's normal direction; a parent code sums its
//! leaves.

use std::collections::{BTreeMap, HashMap};

use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::AccountCode;
use crate::ledger::cash_flow::{self, CashFlowRules, Direction};
use crate::ledger::store::LedgerStore;
use crate::ledger::Book;
use crate::report::table::{money_cell, Align, Table};
use crate::report::{Balances, Totals};

/// The definitions that ship with the program.
const DEFINITIONS: &[(&str, &str)] = &[
    ("balance_sheet", include_str!("../../reports/balance_sheet.toml")),
    ("income_statement", include_str!("../../reports/income_statement.toml")),
    ("collective_balance_sheet", include_str!("../../reports/collective_balance_sheet.toml")),
    ("collective_income_distribution", include_str!("../../reports/collective_income_distribution.toml")),
    ("cash_flow", include_str!("../../reports/cash_flow.toml")),
];

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Definition {
    pub id: String,
    pub title: String,
    pub form: String,
    pub standard: String,
    pub chart: String,
    pub unit: String,
    pub columns: Vec<ColumnDef>,
    pub rows: Vec<RowDef>,
    #[serde(default)]
    pub checks: Vec<CheckDef>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ColumnDef {
    pub label: String,
    pub range: RangeKind,
}

#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeKind {
    /// The report month only.
    Month,
    /// January through the report month.
    YearToDate,
    /// The empty range just before January: balances at the start of the year.
    BeforeYear,
    /// January to December of the year before (an annual statement's 上年金额).
    PreviousYear,
}

impl RangeKind {
    fn periods(self, report: Period) -> (Period, Period) {
        match self {
            RangeKind::Month => (report, report),
            RangeKind::YearToDate => (report.first_of_year(), report),
            RangeKind::BeforeYear => (report.first_of_year(), report.first_of_year().prev()),
            RangeKind::PreviousYear => (report.first_of_year().prev().first_of_year(), report.first_of_year().prev()),
        }
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct RowDef {
    pub line: Option<u32>,
    pub label: String,
    #[serde(default)]
    pub formula: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Accounts the formula needs that a book made from an older chart may lack (the 税金及附加
    /// sub-accounts by tax): without them the row is left blank, as the standard allows when
    /// a book keeps no such detail.
    #[serde(default)]
    pub requires: Vec<String>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct CheckDef {
    pub left: String,
    pub right: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Closing(AccountCode),
    Opening(AccountCode),
    Debit(AccountCode),
    Credit(AccountCode),
    Net(AccountCode),
    CashFlow(u32),
    Line(u32),
}

/// A parsed formula: signed terms. Empty means the row is shown blank.
#[derive(Debug, Clone, PartialEq)]
struct Formula(Vec<(i64, Term)>);

fn parse_formula(text: &str) -> std::result::Result<Formula, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut terms = Vec::new();
    let mut rest = compact.as_str();
    let mut sign = 1;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('+') {
            rest = r;
            sign = 1;
            continue;
        }
        if let Some(r) = rest.strip_prefix('-') {
            rest = r;
            sign = -1;
            continue;
        }
        let open = rest.find('(').ok_or_else(|| format!("“{rest}”缺少括号"))?;
        let close = rest.find(')').ok_or_else(|| format!("“{rest}”缺少右括号"))?;
        let (name, arg) = (&rest[..open], &rest[open + 1..close]);
        let code = || AccountCode::parse(arg).ok_or_else(|| format!("“{arg}”不是科目编码"));
        let term = match name {
            "QM" => Term::Closing(code()?),
            "QC" => Term::Opening(code()?),
            "JF" => Term::Debit(code()?),
            "DF" => Term::Credit(code()?),
            "SY" => Term::Net(code()?),
            "R" => Term::Line(arg.parse().map_err(|_| format!("“{arg}”不是行次"))?),
            "XJ" => Term::CashFlow(arg.parse().map_err(|_| format!("“{arg}”不是现金流量项目的行次"))?),
            other => return Err(format!("未知函数“{other}”")),
        };
        terms.push((sign, term));
        sign = 1;
        rest = &rest[close + 1..];
    }
    Ok(Formula(terms))
}

/// The id of a book's balance sheet (or, when false, its income statement): the collective's
/// own statements for a book of the rural_collective chart.
pub fn for_book(book: &Book, balance_sheet: bool) -> &'static str {
    match (book.row.chart == "rural_collective", balance_sheet) {
        (true, true) => "collective_balance_sheet",
        (true, false) => "collective_income_distribution",
        (false, true) => "balance_sheet",
        (false, false) => "income_statement",
    }
}

pub fn definition_ids() -> impl Iterator<Item = &'static str> {
    DEFINITIONS.iter().map(|(id, _)| *id)
}

pub fn load_definition(id: &str) -> Result<Definition> {
    let (_, text) = DEFINITIONS.iter().find(|(d, _)| *d == id).ok_or_else(|| Error::not_found(format!("报表定义“{id}”")))?;
    let def: Definition = toml::from_str(text).map_err(|e| Error::invalid(format!("报表定义 {id}"), e.to_string()))?;
    // Every formula must parse, and every account it names must be a code the standard uses:
    // a definition that cannot be evaluated is a defect found at load, not at month end.
    for row in &def.rows {
        if let Some(f) = row.formula.as_deref() {
            parse_formula(f).map_err(|e| Error::invalid(format!("报表定义 {id} 第 {:?} 行", row.line), e))?;
        }
    }
    Ok(def)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StatementRow {
    pub line: Option<u32>,
    pub label: String,
    /// One value per column; None for a heading or a row left blank by the standard.
    pub values: Vec<Option<Fen>>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckResult {
    pub label: String,
    pub column: String,
    pub left: Fen,
    pub right: Fen,
    pub holds: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Statement {
    pub id: String,
    pub title: String,
    pub form: String,
    pub standard: String,
    pub book: String,
    pub period: String,
    pub unit: String,
    pub columns: Vec<String>,
    pub rows: Vec<StatementRow>,
    pub checks: Vec<CheckResult>,
}

impl Statement {
    pub fn checks_hold(&self) -> bool {
        self.checks.iter().all(|c| c.holds)
    }

    pub fn value(&self, line: u32, column: usize) -> Option<Fen> {
        self.rows.iter().find(|r| r.line == Some(line)).and_then(|r| r.values.get(column).copied().flatten())
    }

    pub fn to_table(&self) -> Table {
        let mut headers = vec![("项目", Align::Left), ("行次", Align::Right)];
        headers.extend(self.columns.iter().map(|c| (c.as_str(), Align::Right)));
        let mut t = Table::new(self.title.clone(), &headers);
        t.subtitle.push(format!("{}    {}", self.form, self.standard));
        t.subtitle.push(format!("编制单位：{}    {}    单位：{}", self.book, self.period, self.unit));
        for row in &self.rows {
            let mut cells = vec![row.label.clone(), row.line.map(|l| l.to_string()).unwrap_or_default()];
            cells.extend(row.values.iter().map(|v| v.map_or(String::new(), |f| if f.is_zero() { "0.00".into() } else { money_cell(f.0) })));
            t.rows.push(cells);
        }
        for c in &self.checks {
            t.footer.push(format!("{}（{}）：{} = {} {}", c.label, c.column, c.left, c.right, if c.holds { "✓" } else { "✗ 不符" }));
        }
        t
    }

    /// The statement as its printed form lays it out, for PDF and XLSX: a balance sheet side by
    /// side (资产 on the left, 负债和所有者权益 on the right, from 流动负债 on), every statement
    /// ending with the line its heads and its maker sign.
    pub fn to_paper_table(&self) -> Table {
        let plain = self.to_table();
        let split = self.rows.iter().position(|r| r.line.is_none() && r.label.starts_with("流动负债"));
        let mut t = match split {
            Some(at) if self.id.contains("balance_sheet") => {
                let mut headers = vec![("资产", Align::Left), ("行次", Align::Right)];
                headers.extend(self.columns.iter().map(|c| (c.as_str(), Align::Right)));
                headers.extend([("负债和所有者权益", Align::Left), ("行次", Align::Right)]);
                headers.extend(self.columns.iter().map(|c| (c.as_str(), Align::Right)));
                let mut t = Table::new(plain.title.clone(), &headers);
                t.subtitle = plain.subtitle.clone();
                t.footer = plain.footer.clone();
                let (left, right) = plain.rows.split_at(at);
                let blank = vec![String::new(); 2 + self.columns.len()];
                for i in 0..left.len().max(right.len()) {
                    let mut row = left.get(i).cloned().unwrap_or_else(|| blank.clone());
                    row.extend(right.get(i).cloned().unwrap_or_else(|| blank.clone()));
                    t.rows.push(row);
                }
                t
            }
            _ => plain,
        };
        t.footer.push(crate::report::paper::SIGNATURES.to_string());
        t
    }
}

struct Evaluator<'a> {
    book: &'a Book,
    totals: BTreeMap<AccountCode, Totals>,
    rows: HashMap<u32, Option<Formula>>,
    memo: HashMap<u32, i64>,
    /// The column's cash flows by item, read only when a formula asks (ledger::cash_flow::flows).
    cash_flows: Option<BTreeMap<u32, i64>>,
}

impl Evaluator<'_> {
    fn eval(&mut self, formula: &Formula, depth: usize) -> Result<i64> {
        let mut sum = 0i64;
        for (sign, term) in &formula.0 {
            let value = match term {
                Term::Line(n) => self.line(*n, depth + 1)?,
                Term::CashFlow(n) => {
                    let rules = CashFlowRules::shipped()?;
                    let item = rules.item(*n).ok_or_else(|| Error::invalid("报表公式", format!("XJ({n}) 不是现金流量项目")))?;
                    let fen = self.cash_flows.as_ref().and_then(|f| f.get(n)).copied().unwrap_or(0);
                    if item.direction == Direction::In {
                        fen
                    } else {
                        -fen
                    }
                }
                Term::Closing(c) | Term::Opening(c) | Term::Debit(c) | Term::Credit(c) | Term::Net(c) => {
                    let account = self.book.chart.get(c).ok_or_else(|| Error::invalid("报表公式", format!("账套中没有科目 {c}")))?;
                    let t = self.totals.get(c).copied().unwrap_or_default();
                    match term {
                        Term::Closing(_) => account.normal_side.signed(t.closing_fen()),
                        Term::Opening(_) => account.normal_side.signed(t.opening_fen),
                        Term::Debit(_) => t.debit_fen,
                        Term::Credit(_) => t.credit_fen,
                        _ => account.normal_side.signed(t.net_without_carry_fen()),
                    }
                }
            };
            sum += sign * value;
        }
        Ok(sum)
    }

    fn line(&mut self, n: u32, depth: usize) -> Result<i64> {
        if depth > 64 {
            return Err(Error::invalid("报表公式", format!("第 {n} 行的公式循环引用")));
        }
        if let Some(v) = self.memo.get(&n) {
            return Ok(*v);
        }
        let formula = self.rows.get(&n).cloned().ok_or_else(|| Error::invalid("报表公式", format!("引用了不存在的第 {n} 行")))?;
        // A blank row counts as zero in the totals that refer to it.
        let value = match formula {
            Some(f) => self.eval(&f, depth)?,
            None => 0,
        };
        self.memo.insert(n, value);
        Ok(value)
    }
}

/// Evaluates a statement definition for the book at `report` month.
pub async fn statement<S: LedgerStore>(store: &S, book: &Book, id: &str, report: Period) -> Result<Statement> {
    let def = load_definition(id)?;
    if def.chart != book.row.chart {
        return Err(Error::invalid("报表", format!("{} 适用于科目模板 {}，本账套使用 {}", def.title, def.chart, book.row.chart)));
    }
    let balances = Balances::load(store, book).await?;
    let has = |code: &String| AccountCode::parse(code).is_some_and(|c| book.chart.contains_key(&c));
    let parsed: Vec<Option<Formula>> = def
        .rows
        .iter()
        .map(|r| r.formula.as_deref().filter(|f| !f.trim().is_empty() && r.requires.iter().all(has)).map(parse_formula).transpose())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::invalid("报表公式", e))?;
    let line_formulas: HashMap<u32, Option<Formula>> =
        def.rows.iter().zip(&parsed).filter_map(|(r, f)| r.line.map(|l| (l, f.clone()))).collect();
    let uses_cash_flows = parsed.iter().flatten().any(|f| f.0.iter().any(|(_, t)| matches!(t, Term::CashFlow(_))));
    let mut values_per_row = vec![Vec::new(); def.rows.len()];
    let mut checks = Vec::new();
    for column in &def.columns {
        let (from, to) = column.range.periods(report);
        let cash_flows = if uses_cash_flows { Some(cash_flow::flows(store, book, from, to).await?) } else { None };
        let mut ev =
            Evaluator { book, totals: balances.totals(book, from, to), rows: line_formulas.clone(), memo: HashMap::new(), cash_flows };
        for (i, f) in parsed.iter().enumerate() {
            let value = match f {
                Some(f) => Some(Fen(ev.eval(f, 0)?)),
                None => None,
            };
            values_per_row[i].push(value);
        }
        for check in &def.checks {
            let left = ev.eval(&parse_formula(&check.left).map_err(|e| Error::invalid("报表校验", e))?, 0)?;
            let right = ev.eval(&parse_formula(&check.right).map_err(|e| Error::invalid("报表校验", e))?, 0)?;
            checks.push(CheckResult {
                label: check.label.clone(),
                column: column.label.clone(),
                left: Fen(left),
                right: Fen(right),
                holds: left == right,
            });
        }
    }
    let rows = def
        .rows
        .iter()
        .zip(values_per_row)
        .map(|(r, values)| StatementRow {
            line: r.line,
            label: r.label.clone(),
            values: if r.line.is_none() { vec![None; def.columns.len()] } else { values },
        })
        .collect();
    Ok(Statement {
        id: def.id,
        title: def.title,
        form: def.form,
        standard: def.standard,
        book: book.row.name.clone(),
        // A balance sheet is as at the month's last day; flow statements cover the month.
        period: if def.columns.iter().any(|c| matches!(c.range, RangeKind::BeforeYear)) {
            report.last_day().format("%Y年%-m月%-d日").to_string()
        } else if def.columns.iter().any(|c| matches!(c.range, RangeKind::PreviousYear)) {
            format!("{}年度（截至{}月）", report.year(), report.month())
        } else {
            format!("{}年{:02}月", report.year(), report.month())
        },
        unit: def.unit,
        columns: def.columns.into_iter().map(|c| c.label).collect(),
        rows,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_parse_and_refuse_nonsense() {
        let f = parse_formula("QM(1001) + QM(1002) - R(3)").unwrap();
        assert_eq!(f.0.len(), 3);
        assert_eq!(f.0[2], (-1, Term::Line(3)));
        let f = parse_formula("SY(5001) - SY(5603)").unwrap();
        assert_eq!(f.0, vec![(1, Term::Net(AccountCode::parse("5001").unwrap())), (-1, Term::Net(AccountCode::parse("5603").unwrap()))]);
        assert!(parse_formula("SY()").is_err());
        assert!(parse_formula("XX(1001)").is_err());
        assert!(parse_formula("QM(abc)").is_err());
        assert!(parse_formula("QM(1001").is_err());
    }

    #[test]
    fn shipped_definitions_load() {
        for id in definition_ids() {
            let def = load_definition(id).unwrap();
            assert!(!def.rows.is_empty() && !def.checks.is_empty(), "{id}");
        }
    }
}
