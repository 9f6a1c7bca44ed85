//! The one engine every statement runs on (pure): the accountants' 资产负债表 and 利润表 and the
//! residents' 公示 alike. A table is either rows with 行次 and formulas read across columns of
//! ranges (a statement), or a sub-table with a row per value of some dimensions (per building,
//! per category, per program) and a formula per column. Checks between rows or columns fail the
//! table when they do not hold. Loading refuses unknown accounts, measures, dimensions, rows and
//! columns and any cycle between rows or between columns; evaluation reads only the inputs it
//! is given, so a published figure can be recomputed the same way at any time.

mod grid;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::domain::natural::natural_cmp;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::{Account, AccountCode, Chart};
use crate::render::table::money_grouped;
use crate::report::facts::Facts;
use crate::report::formula::{self, Formula, Sum, Term};
use crate::report::Totals;
use grid::Grid;

/// The months a statement covers: one month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub from: Period,
    pub to: Period,
}

impl Span {
    pub fn month(p: Period) -> Span {
        Span { from: p, to: p }
    }

    fn months(self) -> i64 {
        (i64::from(self.to.year()) * 12 + i64::from(self.to.month())) - (i64::from(self.from.year()) * 12 + i64::from(self.from.month()))
            + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeKind {
    /// The statement's own months (one month for the accountants' statements).
    #[default]
    #[serde(alias = "month")]
    Period,
    /// As many months just before them (the previous month, quarter or year).
    PreviousPeriod,
    /// January through the statement's last month.
    YearToDate,
    /// January to December of the statement's year (a year's budget).
    Year,
    /// The empty range at the start of the year: balances at 1 January.
    BeforeYear,
    /// The empty range at the statement's start: balances at its first day.
    Before,
    /// January to December of the year before (an annual statement's 上年金额).
    PreviousYear,
}

impl RangeKind {
    /// The first and last month; the last before the first means an empty range whose
    /// balances are those at the first month's start.
    pub fn periods(self, span: Span) -> (Period, Period) {
        let year_start = span.to.first_of_year();
        match self {
            RangeKind::Period => (span.from, span.to),
            RangeKind::PreviousPeriod => {
                let to = span.from.prev();
                let from = (1..span.months()).fold(to, |p, _| p.prev());
                (from, to)
            }
            RangeKind::YearToDate => (year_start, span.to),
            RangeKind::Year => (year_start, Period::new(span.to.year(), 12).unwrap_or(span.to)),
            RangeKind::BeforeYear => (year_start, year_start.prev()),
            RangeKind::Before => (span.from, span.from.prev()),
            RangeKind::PreviousYear => (year_start.prev().first_of_year(), year_start.prev()),
        }
    }
}

/// How a column's figures read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Yuan with two decimals; a ratio gives yuan per unit.
    #[default]
    Money,
    /// A ratio as a percentage with one decimal.
    Percent,
    /// Whole units (households, receipts, shares).
    Count,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    pub label: String,
    #[serde(default)]
    pub range: RangeKind,
    /// The column's formula; a row's own formula is used where the column has none.
    #[serde(default)]
    pub formula: Option<String>,
    /// A text column: the value of this dimension on the row's facts (a program's purpose).
    #[serde(default)]
    pub dim: Option<String>,
    #[serde(default)]
    pub format: Format,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowDef {
    /// 行次; a row without one is a heading.
    pub line: Option<u32>,
    pub label: String,
    #[serde(default)]
    pub formula: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Accounts the formula needs that a book made from an older chart may lack: without them
    /// the row is left blank, as the standard allows when a book keeps no such detail.
    #[serde(default)]
    pub requires: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    pub left: String,
    pub right: String,
    pub label: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    #[serde(default)]
    pub title: String,
    /// A sub-table: a row for each value of these dimensions among the facts its formulas
    /// name, in natural order (building 2 before 10).
    #[serde(default)]
    pub by: Vec<String>,
    /// The heading of a sub-table's first column ("楼栋").
    #[serde(default)]
    pub by_label: Option<String>,
    /// A sub-table's total row, computed from all facts (so its ratios are of the totals).
    #[serde(default)]
    pub total: Option<String>,
    /// Keep a sub-table's rows whose figures are all zero.
    #[serde(default)]
    pub keep_empty: bool,
    /// Measures whose facts give a sub-table its rows besides those its formulas name (a list
    /// of text columns names none).
    #[serde(default)]
    pub measures: Vec<String>,
    pub columns: Vec<ColumnDef>,
    #[serde(default)]
    pub rows: Vec<RowDef>,
    #[serde(default)]
    pub checks: Vec<CheckDef>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Value {
    Blank,
    Amount { value: i64 },
    Ratio { num: i64, den: i64 },
    Text { text: String },
}

impl Value {
    /// As the reader sees it: "1,234.56", "63.5%", "1,234", or "—" for a ratio of nothing.
    pub fn display(&self, format: Format) -> String {
        match (self, format) {
            (Value::Blank, _) => String::new(),
            (Value::Text { text }, _) => text.clone(),
            (Value::Amount { value }, Format::Count) => group_digits(*value),
            (Value::Amount { value }, _) => money_grouped(*value),
            (Value::Ratio { den: 0, .. }, _) => "—".into(),
            (Value::Ratio { num, den }, Format::Percent) => percent_text(*num, *den),
            (Value::Ratio { num, den }, Format::Money) => money_grouped(div_half_up(*num, *den)),
            (Value::Ratio { num, den }, Format::Count) => group_digits(div_half_up(*num, *den)),
        }
    }

    /// As a CSV or JSON number: "1234.56", "63.5" (percent), "1234", "" for nothing.
    pub fn plain(&self, format: Format) -> String {
        match (self, format) {
            (Value::Blank, _) | (Value::Ratio { den: 0, .. }, _) => String::new(),
            (Value::Text { text }, _) => text.clone(),
            (Value::Amount { value }, Format::Count) => value.to_string(),
            (Value::Amount { value }, _) => crate::domain::money::Fen(*value).to_string(),
            (Value::Ratio { num, den }, Format::Percent) => percent_text(*num, *den).trim_end_matches('%').to_string(),
            (Value::Ratio { num, den }, Format::Money) => crate::domain::money::Fen(div_half_up(*num, *den)).to_string(),
            (Value::Ratio { num, den }, Format::Count) => div_half_up(*num, *den).to_string(),
        }
    }

    pub fn amount(&self) -> Option<i64> {
        match self {
            Value::Amount { value } => Some(*value),
            _ => None,
        }
    }
}

fn div_half_up(num: i64, den: i64) -> i64 {
    let (n, d) = (i128::from(num) * 2, i128::from(den));
    let q = (n.abs() + d.abs()) / (2 * d.abs());
    i64::try_from(if (n < 0) != (d < 0) { -q } else { q }).unwrap_or(i64::MAX)
}

/// "63.5%": one decimal, half away from zero.
pub fn percent_text(num: i64, den: i64) -> String {
    let tenths = div_half_up(num.saturating_mul(1000), den);
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{}.{}%", tenths.abs() / 10, tenths.abs() % 10)
}

fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnOut {
    pub label: String,
    pub format: Format,
    pub text: bool,
    /// The column's formula, so a reader of a published table can redo its arithmetic.
    pub formula: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOut {
    pub line: Option<u32>,
    pub label: String,
    /// The row's formula (a statement's row), for the same reason.
    pub formula: Option<String>,
    pub values: Vec<Value>,
    /// A sub-table's total row.
    pub total: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub label: String,
    /// The column (of a statement) or row (of a sub-table) it was checked in.
    pub at: String,
    pub left: i64,
    pub right: i64,
    pub holds: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableOut {
    pub title: String,
    pub by_label: String,
    pub columns: Vec<ColumnOut>,
    pub rows: Vec<RowOut>,
    pub checks: Vec<CheckResult>,
    pub notes: Vec<String>,
}

/// A column's account totals and cash flows, read before evaluation (see `report::statement`).
#[derive(Debug, Default, Clone)]
pub struct RangeData {
    pub totals: BTreeMap<AccountCode, Totals>,
    pub cash_flows: Option<BTreeMap<u32, i64>>,
}

/// What a table is evaluated over.
pub struct Inputs<'a> {
    pub span: Span,
    /// The book's accounts, for the account terms (None: the table names no account).
    pub chart: Option<&'a BTreeMap<AccountCode, Account>>,
    pub ranges: &'a HashMap<(Period, Period), RangeData>,
    pub facts: &'a Facts,
}

/// A table whose formulas have been parsed and checked.
#[derive(Debug, Clone)]
pub struct Table {
    pub def: TableDef,
    columns: Vec<Option<Formula>>,
    rows: Vec<Option<Formula>>,
    checks: Vec<(Sum, Sum)>,
    lines: HashMap<u32, usize>,
    measures: BTreeSet<String>,
}

impl Table {
    /// Parses and checks a table; `chart` (the chart template the definition is written for)
    /// refuses accounts it does not know. `has` decides which `requires` a book meets.
    pub fn load(def: TableDef, chart: Option<&Chart>, has: &dyn Fn(&str) -> bool) -> Result<Table> {
        let name = if def.title.is_empty() { "报表".to_string() } else { format!("表“{}”", def.title) };
        let parse = |text: &str, at: String| -> Result<Formula> {
            let f = formula::parse(text).map_err(|e| Error::invalid(format!("{name} {at}"), e))?;
            for term in f.terms() {
                check_term(term, &def, chart).map_err(|e| Error::invalid(format!("{name} {at}"), e))?;
            }
            Ok(f)
        };
        let columns = def
            .columns
            .iter()
            .map(|c| c.formula.as_deref().map(|f| parse(f, format!("栏“{}”", c.label))).transpose())
            .collect::<Result<Vec<_>>>()?;
        let rows = def
            .rows
            .iter()
            .map(|r| {
                let at = format!("第 {} 行“{}”", r.line.map_or("-".into(), |l| l.to_string()), r.label);
                let parsed = r.formula.as_deref().filter(|f| !f.trim().is_empty()).map(|f| parse(f, at)).transpose()?;
                // A row whose accounts the book lacks is blank; it was still checked above.
                Ok(parsed.filter(|_| r.requires.iter().all(|c| has(c))))
            })
            .collect::<Result<Vec<_>>>()?;
        let checks = def
            .checks
            .iter()
            .map(|c| {
                let side = |text: &str| -> Result<Sum> {
                    let f = parse(text, format!("校验“{}”", c.label))?;
                    match f.den {
                        None => Ok(f.num),
                        Some(_) => Err(Error::invalid(format!("{name} 校验“{}”", c.label), "校验的两边须为金额，不能是比率")),
                    }
                };
                Ok((side(&c.left)?, side(&c.right)?))
            })
            .collect::<Result<Vec<_>>>()?;
        for d in &def.by {
            if !crate::report::facts::MEASURES.iter().any(|(_, dims, _)| dims.contains(&d.as_str())) {
                return Err(Error::invalid(format!("{name} by"), format!("未知维度“{d}”")));
            }
        }
        let lines = def.rows.iter().enumerate().filter_map(|(i, r)| r.line.map(|l| (l, i))).collect();
        let mut measures = BTreeSet::new();
        for m in &def.measures {
            if crate::report::facts::measure_dims(m).is_none() {
                return Err(Error::invalid(format!("{name} measures"), format!("未知的数据项“{m}”")));
            }
            measures.insert(m.clone());
        }
        for f in columns.iter().chain(rows.iter()).flatten() {
            for t in f.terms() {
                if let Term::Fact { measure, .. } = t {
                    measures.insert(measure.clone());
                }
            }
        }
        let table = Table { def, columns, rows, checks, lines, measures };
        table.refuse_cycles(&name)?;
        Ok(table)
    }

    /// Whether a formula of the table reads cash-flow items (so their flows must be read).
    pub fn uses_cash_flows(&self) -> bool {
        self.columns.iter().chain(self.rows.iter()).flatten().any(|f| f.terms().any(|t| matches!(t, Term::CashFlow(_))))
    }

    /// The first month from which the table needs a fee measure's facts with their full
    /// dimensions (fee item, household kind, unit kind): the start of the range of every
    /// fee term that filters or groups by one of them (the beginning of time for a balance,
    /// FC or FM). Before it, the facts by building alone (the maintained `receivable_flows`)
    /// give the same sums. None when no term needs them.
    pub fn fee_detail_from(&self, span: Span) -> Option<Period> {
        let detailed = |d: &str| d != "building" && d != crate::report::facts::OF_DIM;
        let grouped = self.def.by.iter().any(|d| detailed(d));
        let mut from: Option<Period> = None;
        for (c, column) in self.def.columns.iter().enumerate() {
            let range = column.range.periods(span);
            let formulas: Vec<&Formula> = match &self.columns[c] {
                Some(f) => vec![f],
                None => self.rows.iter().flatten().collect(),
            };
            for term in formulas.iter().flat_map(|f| f.terms()) {
                let Term::Fact { span: fact_span, measure, filters } = term else { continue };
                if !crate::report::facts::is_fee_measure(measure) {
                    continue;
                }
                let filtered = filters.iter().any(|f| matches!(f, formula::Filter::Is(d, _) | formula::Filter::IsNot(d, _) if detailed(d)));
                if !(filtered || grouped) {
                    continue;
                }
                let start = match fact_span {
                    crate::report::facts::FactSpan::Movement => range.0,
                    _ => Period::new(1900, 1).expect("the first month"),
                };
                from = Some(from.map_or(start, |f| f.min(start)));
            }
        }
        from
    }

    /// The ranges whose account data the table's columns read.
    pub fn ranges(&self, span: Span) -> Vec<(Period, Period)> {
        let mut out: Vec<_> = self.def.columns.iter().map(|c| c.range.periods(span)).collect();
        out.push(RangeKind::Period.periods(span));
        out.sort();
        out.dedup();
        out
    }

    fn refuse_cycles(&self, name: &str) -> Result<()> {
        let refs = |f: &Option<Formula>, line: bool| -> Vec<u32> {
            f.iter()
                .flat_map(|f| f.terms())
                .filter_map(|t| match (t, line) {
                    (Term::Line(n), true) | (Term::Column(n), false) => Some(*n),
                    _ => None,
                })
                .collect()
        };
        let row_edges: HashMap<u32, Vec<u32>> =
            self.def.rows.iter().zip(&self.rows).filter_map(|(r, f)| r.line.map(|l| (l, refs(f, true)))).collect();
        let column_edges: HashMap<u32, Vec<u32>> = (1..).zip(&self.columns).map(|(i, f)| (i, refs(f, false))).collect();
        for (edges, what) in [(&row_edges, "行"), (&column_edges, "栏")] {
            if let Some(n) = find_cycle(edges) {
                return Err(Error::invalid(name.to_string(), format!("第 {n} {what}的公式循环引用自身")));
            }
        }
        Ok(())
    }

    /// Evaluates the table.
    pub fn evaluate(&self, inputs: &Inputs<'_>) -> Result<TableOut> {
        let columns: Vec<ColumnOut> = self
            .def
            .columns
            .iter()
            .map(|c| ColumnOut { label: c.label.clone(), format: c.format, text: c.dim.is_some(), formula: c.formula.clone() })
            .collect();
        let mut out = TableOut {
            title: self.def.title.clone(),
            by_label: self.def.by_label.clone().unwrap_or_else(|| "项目".into()),
            columns,
            rows: Vec::new(),
            checks: Vec::new(),
            notes: self.def.notes.clone(),
        };
        if self.def.by.is_empty() {
            self.evaluate_statement(inputs, &mut out)?;
        } else {
            self.evaluate_sub_table(inputs, &mut out)?;
        }
        Ok(out)
    }

    fn evaluate_statement(&self, inputs: &Inputs<'_>, out: &mut TableOut) -> Result<()> {
        let mut grid = Grid::new(self, inputs, Vec::new());
        for (i, row) in self.def.rows.iter().enumerate() {
            let values = (0..self.def.columns.len())
                .map(|c| if row.line.is_none() { Ok(Value::Blank) } else { grid.cell(i, c, 0) })
                .collect::<Result<Vec<_>>>()?;
            out.rows.push(RowOut { line: row.line, label: row.label.clone(), formula: row.formula.clone(), values, total: false });
        }
        // Column by column, each column's checks together (as the printed forms list them).
        for (c, column) in self.def.columns.iter().enumerate() {
            for (check, (left, right)) in self.def.checks.iter().zip(&self.checks) {
                let (l, r) = (grid.sum_of(left, 0, c, 0)?, grid.sum_of(right, 0, c, 0)?);
                out.checks.push(CheckResult { label: check.label.clone(), at: column.label.clone(), left: l, right: r, holds: l == r });
            }
        }
        Ok(())
    }

    fn evaluate_sub_table(&self, inputs: &Inputs<'_>, out: &mut TableOut) -> Result<()> {
        let mut groups: Vec<Vec<String>> = inputs.facts.groups(&self.measures, &self.def.by, inputs.span.to).into_iter().collect();
        groups.sort_by(|a, b| a.iter().zip(b).map(|(x, y)| natural_cmp(x, y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal));
        let mut sums = vec![0i64; self.def.columns.len()];
        let with_total = self.def.total.iter().map(|label| (label.clone(), Vec::new(), true));
        let named = groups.into_iter().map(|g| (g.join(" "), g, false));
        let mut any_row = false;
        for (label, values, total) in named.chain(with_total) {
            let group: Vec<(String, String)> = self.def.by.iter().cloned().zip(values).collect();
            let mut grid = Grid::new(self, inputs, group);
            let cells = (0..self.def.columns.len()).map(|c| grid.cell(0, c, 0)).collect::<Result<Vec<_>>>()?;
            if !total
                && !self.def.keep_empty
                && cells
                    .iter()
                    .all(|v| matches!(v, Value::Amount { value: 0 } | Value::Ratio { den: 0, .. } | Value::Blank | Value::Text { .. }))
            {
                continue;
            }
            for (check, (left, right)) in self.def.checks.iter().zip(&self.checks) {
                let (l, r) = (grid.sum_of(left, 0, usize::MAX, 0)?, grid.sum_of(right, 0, usize::MAX, 0)?);
                out.checks.push(CheckResult { label: check.label.clone(), at: label.clone(), left: l, right: r, holds: l == r });
            }
            if total {
                // The total is computed from all facts; it must equal the rows above it.
                for (c, v) in cells.iter().enumerate() {
                    if let (Some(t), true) = (v.amount(), any_row) {
                        let column = &self.def.columns[c].label;
                        out.checks.push(CheckResult {
                            label: format!("{label} = 各行之和"),
                            at: column.clone(),
                            left: t,
                            right: sums[c],
                            holds: t == sums[c],
                        });
                    }
                }
            } else {
                any_row = true;
                for (c, v) in cells.iter().enumerate() {
                    sums[c] += v.amount().unwrap_or(0);
                }
            }
            out.rows.push(RowOut { line: None, label, formula: None, values: cells, total });
        }
        Ok(())
    }
}

fn find_cycle(edges: &HashMap<u32, Vec<u32>>) -> Option<u32> {
    // 0 unvisited, 1 on the path, 2 done.
    fn visit(n: u32, edges: &HashMap<u32, Vec<u32>>, state: &mut HashMap<u32, u8>) -> Option<u32> {
        match state.get(&n) {
            Some(1) => return Some(n),
            Some(2) => return None,
            _ => {}
        }
        state.insert(n, 1);
        for m in edges.get(&n).into_iter().flatten() {
            if let Some(c) = visit(*m, edges, state) {
                return Some(c);
            }
        }
        state.insert(n, 2);
        None
    }
    let mut state = HashMap::new();
    let mut keys: Vec<_> = edges.keys().copied().collect();
    keys.sort();
    keys.into_iter().find_map(|n| visit(n, edges, &mut state))
}

fn check_term(term: &Term, def: &TableDef, chart: Option<&Chart>) -> std::result::Result<(), String> {
    match term {
        Term::Line(n) if !def.by.is_empty() => Err(format!("分组表不能引用行 R({n})，请用 C(n) 引用栏")),
        Term::Line(n) if !def.rows.iter().any(|r| r.line == Some(*n)) => Err(format!("引用了不存在的第 {n} 行")),
        Term::Column(n) if *n == 0 || *n as usize > def.columns.len() => Err(format!("引用了不存在的第 {n} 栏")),
        Term::Closing(c) | Term::Opening(c) | Term::Debit(c) | Term::Credit(c) | Term::Net(c) => match chart {
            // A book's own sub-account (2241 公共收益's detail) is under one of the template's.
            Some(chart) if !chart.accounts.keys().any(|a| c.is_under(a)) => Err(format!("科目模板 {} 中没有科目 {c}", chart.id)),
            None => Err(format!("此表不读账户，不能用科目 {c}")),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::facts::Fact;

    fn p(text: &str) -> Period {
        Period::parse(text).unwrap()
    }

    fn table(text: &str) -> Result<Table> {
        Table::load(toml::from_str(text).map_err(|e| Error::invalid("toml", e.to_string()))?, None, &|_| true)
    }

    fn facts() -> Facts {
        let mut facts = Facts::default();
        for (building, of, billed, paid) in
            [("1号楼", "2025-03", 1000, 800), ("1号楼", "2025-02", 500, 100), ("10号楼", "2025-03", 300, 300), ("2号楼", "2025-03", 200, 0)]
        {
            let dims = vec![("building", building.to_string())];
            facts.push("fee.billed", Fact { period: p(of), of: Some(p(of)), dims: dims.clone(), value: billed });
            facts.push("fee.paid", Fact { period: p("2025-03"), of: Some(p(of)), dims, value: paid });
        }
        facts
    }

    const BY_BUILDING: &str = r#"
        title = "按楼栋"
        by = ["building"]
        total = "合计"
        [[columns]]
        label = "当期应收"
        formula = "F(fee.billed; of=in)"
        [[columns]]
        label = "当期实收"
        formula = "F(fee.paid; of=in)"
        [[columns]]
        label = "当期收缴率"
        formula = "C(2) / C(1)"
        format = "percent"
        [[columns]]
        label = "清欠"
        formula = "F(fee.paid; of=before)"
        [[checks]]
        left = "C(2) + C(4)"
        right = "F(fee.paid)"
        label = "实收 = 当期 + 清欠"
    "#;

    #[test]
    fn a_sub_table_has_a_row_per_building_in_natural_order_and_a_total() {
        let t = table(BY_BUILDING).unwrap();
        let facts = facts();
        let ranges = HashMap::new();
        let out = t.evaluate(&Inputs { span: Span::month(p("2025-03")), chart: None, ranges: &ranges, facts: &facts }).unwrap();
        let labels: Vec<_> = out.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["1号楼", "2号楼", "10号楼", "合计"]);
        assert_eq!(out.rows[0].values[0], Value::Amount { value: 1000 });
        assert_eq!(out.rows[0].values[2].display(Format::Percent), "80.0%");
        assert_eq!(out.rows[0].values[3], Value::Amount { value: 100 });
        assert_eq!(out.rows[3].values[2], Value::Ratio { num: 1100, den: 1500 });
        assert_eq!(out.rows[3].values[2].display(Format::Percent), "73.3%");
        assert!(out.checks.iter().all(|c| c.holds), "{:?}", out.checks);
        assert!(out.checks.iter().any(|c| c.label == "合计 = 各行之和"));
    }

    #[test]
    fn a_failing_check_is_reported_not_hidden() {
        let t = table(&BY_BUILDING.replace("right = \"F(fee.paid)\"", "right = \"F(fee.billed)\"")).unwrap();
        let facts = facts();
        let ranges = HashMap::new();
        let out = t.evaluate(&Inputs { span: Span::month(p("2025-03")), chart: None, ranges: &ranges, facts: &facts }).unwrap();
        assert!(out.checks.iter().any(|c| !c.holds));
    }

    #[test]
    fn loading_refuses_unknown_rows_columns_dimensions_and_cycles() {
        let rows = |a: &str, b: &str| {
            format!("[[columns]]\nlabel = \"本月\"\n[[rows]]\nline = 1\nlabel = \"甲\"\nformula = \"{a}\"\n[[rows]]\nline = 2\nlabel = \"乙\"\nformula = \"{b}\"\n")
        };
        assert!(table(&rows("R(2)", "F(fee.paid)")).is_ok());
        let cycle = table(&rows("R(2)", "R(1)")).unwrap_err().to_string();
        assert!(cycle.contains("循环"), "{cycle}");
        assert!(table(&rows("R(3)", "F(fee.paid)")).unwrap_err().to_string().contains("第 3 行"));
        assert!(table(&rows("C(2)", "F(fee.paid)")).unwrap_err().to_string().contains("第 2 栏"));
        assert!(table(&rows("F(fee.paid; floor=3)", "F(fee.paid)")).unwrap_err().to_string().contains("floor"));
        assert!(table(&rows("QM(1001)", "F(fee.paid)")).unwrap_err().to_string().contains("1001"));
        assert!(table(&BY_BUILDING.replace("by = [\"building\"]", "by = [\"floor\"]")).is_err());
        let column_cycle = BY_BUILDING
            .replace("formula = \"F(fee.billed; of=in)\"", "formula = \"C(4)\"")
            .replace("formula = \"F(fee.paid; of=before)\"", "formula = \"C(1)\"");
        assert!(table(&column_cycle).unwrap_err().to_string().contains("循环"));
    }

    #[test]
    fn fee_details_are_read_only_as_far_back_as_a_formula_filters_or_groups_by_them() {
        let march = Span::month(p("2025-03"));
        assert_eq!(table(BY_BUILDING).unwrap().fee_detail_from(march), None, "by building the maintained figures serve");
        let by_item = BY_BUILDING.replace("by = [\"building\"]", "by = [\"fee_item\"]");
        assert_eq!(table(&by_item).unwrap().fee_detail_from(march), Some(p("2025-03")));
        let previous = by_item.replace("label = \"清欠\"", "label = \"清欠\"\nrange = \"previous_period\"");
        assert_eq!(table(&previous).unwrap().fee_detail_from(march), Some(p("2025-02")));
        let balance = BY_BUILDING.replace("F(fee.paid; of=before)", "FM(fee.owed; household_kind=住宅)");
        assert_eq!(table(&balance).unwrap().fee_detail_from(march), Some(p("1900-01")), "a balance by kind reads everything");
    }

    #[test]
    fn ranges_cover_months_quarters_and_years() {
        let q1 = Span { from: p("2025-01"), to: p("2025-03") };
        assert_eq!(RangeKind::PreviousPeriod.periods(q1), (p("2024-10"), p("2024-12")));
        assert_eq!(RangeKind::Year.periods(q1), (p("2025-01"), p("2025-12")));
        assert_eq!(RangeKind::Before.periods(q1), (p("2025-01"), p("2024-12")));
        assert_eq!(RangeKind::PreviousPeriod.periods(Span::month(p("2025-01"))), (p("2024-12"), p("2024-12")));
        assert_eq!(percent_text(2, 3), "66.7%");
        assert_eq!(Value::Ratio { num: 1001, den: 2 }.display(Format::Money), "5.01");
        assert_eq!(Value::Amount { value: 1234567 }.display(Format::Count), "1,234,567");
    }
}
