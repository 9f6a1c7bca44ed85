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

use std::collections::HashMap;

use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::AccountCode;
use crate::ledger::cash_flow;
use crate::ledger::store::LedgerStore;
use crate::ledger::Book;
use crate::render::table::{money_cell, Align, Table as TextTable};
pub use crate::report::engine::{CheckDef, ColumnDef, RangeKind, RowDef};
use crate::report::engine::{Inputs, RangeData, Span, Table, TableDef};
use crate::report::facts::Facts;
use crate::report::Balances;

/// The definitions that ship with the program.
const DEFINITIONS: &[(&str, &str)] = &[
    ("balance_sheet", include_str!("../../reports/balance_sheet.toml")),
    ("income_statement", include_str!("../../reports/income_statement.toml")),
    ("collective_balance_sheet", include_str!("../../reports/collective_balance_sheet.toml")),
    ("collective_income_distribution", include_str!("../../reports/collective_income_distribution.toml")),
    ("cash_flow", include_str!("../../reports/cash_flow.toml")),
];

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
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

impl Definition {
    /// The statement as the engine's table: rows with 行次 read across columns of ranges.
    fn table(&self, has: &dyn Fn(&str) -> bool) -> Result<Table> {
        let def = TableDef {
            title: self.title.clone(),
            by: Vec::new(),
            by_label: None,
            total: None,
            keep_empty: true,
            measures: Vec::new(),
            columns: self.columns.clone(),
            rows: self.rows.clone(),
            checks: self.checks.clone(),
            notes: Vec::new(),
        };
        let template = crate::ledger::chart::load(&self.chart)?;
        Table::load(def, Some(template), has).map_err(|e| Error::invalid(format!("报表定义 {}", self.id), e.to_string()))
    }
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
    // Every formula must parse and name what exists: a definition that cannot be evaluated is
    // a defect found at load, not at month end.
    def.table(&|_| true)?;
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

    pub fn to_table(&self) -> TextTable {
        let mut headers = vec![("项目", Align::Left), ("行次", Align::Right)];
        headers.extend(self.columns.iter().map(|c| (c.as_str(), Align::Right)));
        let mut t = TextTable::new(self.title.clone(), &headers);
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
    pub fn to_paper_table(&self) -> TextTable {
        let plain = self.to_table();
        let split = self.rows.iter().position(|r| r.line.is_none() && r.label.starts_with("流动负债"));
        let mut t = match split {
            Some(at) if self.id.contains("balance_sheet") => {
                let mut headers = vec![("资产", Align::Left), ("行次", Align::Right)];
                headers.extend(self.columns.iter().map(|c| (c.as_str(), Align::Right)));
                headers.extend([("负债和所有者权益", Align::Left), ("行次", Align::Right)]);
                headers.extend(self.columns.iter().map(|c| (c.as_str(), Align::Right)));
                let mut t = TextTable::new(plain.title.clone(), &headers);
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

/// The account totals (and cash flows, when asked) of each range a table reads, from the
/// book's balances read once by the caller.
pub async fn range_data<S: LedgerStore>(
    store: &S,
    book: &Book,
    balances: &Balances,
    table: &Table,
    span: Span,
) -> Result<HashMap<(Period, Period), RangeData>> {
    let mut out = HashMap::new();
    for (from, to) in table.ranges(span) {
        let cash_flows = if table.uses_cash_flows() { Some(cash_flow::flows(store, book, from, to).await?) } else { None };
        out.insert((from, to), RangeData { totals: balances.totals(book, from, to), cash_flows });
    }
    Ok(out)
}

/// Evaluates a statement definition for the book at `report` month.
pub async fn statement<S: LedgerStore>(store: &S, book: &Book, id: &str, report: Period) -> Result<Statement> {
    let def = load_definition(id)?;
    if def.chart != book.row.chart {
        return Err(Error::invalid("报表", format!("{} 适用于科目模板 {}，本账套使用 {}", def.title, def.chart, book.row.chart)));
    }
    let has = |code: &str| AccountCode::parse(code).is_some_and(|c| book.chart.contains_key(&c));
    let table = def.table(&has)?;
    let span = Span::month(report);
    let ranges = range_data(store, book, &Balances::load(store, book).await?, &table, span).await?;
    let facts = Facts::default();
    let out = table.evaluate(&Inputs { span, chart: Some(&book.chart), ranges: &ranges, facts: &facts })?;
    let rows = out
        .rows
        .into_iter()
        .map(|r| StatementRow { line: r.line, label: r.label, values: r.values.iter().map(|v| v.amount().map(Fen)).collect() })
        .collect();
    let checks = out
        .checks
        .into_iter()
        .map(|c| CheckResult { label: c.label, column: c.at, left: Fen(c.left), right: Fen(c.right), holds: c.holds })
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
    fn shipped_definitions_load() {
        for id in definition_ids() {
            let def = load_definition(id).unwrap();
            assert!(!def.rows.is_empty() && !def.checks.is_empty(), "{id}");
        }
    }
}
