//! A table's cells evaluated: the formulas of `Table` read against the inputs, one row (or
//! one sub-table row) at a time.

use std::collections::HashMap;

use super::{Inputs, RangeData, RangeKind, Table, Value};
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::cash_flow::{CashFlowRules, Direction};
use crate::report::formula::{Sum, Term};

/// One row's (or one sub-table row's) evaluation, memoising cells so a total read by several
/// rows is computed once.
pub(super) struct Grid<'a> {
    table: &'a Table,
    inputs: &'a Inputs<'a>,
    group: Vec<(String, String)>,
    memo: HashMap<(usize, usize), Value>,
}

impl<'a> Grid<'a> {
    /// A statement's grid (`group` empty) or one sub-table row's, the group's dimension values.
    pub(super) fn new(table: &'a Table, inputs: &'a Inputs<'a>, group: Vec<(String, String)>) -> Grid<'a> {
        Grid { table, inputs, group, memo: HashMap::new() }
    }

    pub(super) fn cell(&mut self, row: usize, column: usize, depth: usize) -> Result<Value> {
        if depth > 64 {
            return Err(Error::invalid("报表公式", "公式循环引用"));
        }
        if let Some(v) = self.memo.get(&(row, column)) {
            return Ok(v.clone());
        }
        let def = &self.table.def.columns[column];
        let value = if let (Some(_), true) = (&def.dim, self.group.is_empty() && !self.table.def.by.is_empty()) {
            // A total row has no single program, purpose or state to show.
            Value::Blank
        } else if let Some(dim) = &def.dim {
            let text = self.inputs.facts.text(&self.table.measures, &self.group, dim, self.inputs.span.to);
            text.map_or(Value::Blank, |text| Value::Text { text })
        } else {
            let formula = self.table.columns[column].as_ref().or_else(|| self.table.rows.get(row).and_then(Option::as_ref));
            match formula.cloned() {
                None => Value::Blank,
                Some(f) => {
                    let num = self.sum_of(&f.num, row, column, depth)?;
                    match &f.den {
                        Some(den) => Value::Ratio { num, den: self.sum_of(den, row, column, depth)? },
                        None => Value::Amount { value: num },
                    }
                }
            }
        };
        self.memo.insert((row, column), value.clone());
        Ok(value)
    }

    pub(super) fn sum_of(&mut self, sum: &Sum, row: usize, column: usize, depth: usize) -> Result<i64> {
        let range = self.table.def.columns.get(column).map_or(RangeKind::Period, |c| c.range).periods(self.inputs.span);
        let mut total = 0i64;
        for (sign, term) in &sum.0 {
            let value = match term {
                Term::Line(n) => {
                    let at = *self.table.lines.get(n).ok_or_else(|| Error::invalid("报表公式", format!("引用了不存在的第 {n} 行")))?;
                    self.referenced(at, column, depth, format!("第 {n} 行"))?
                }
                Term::Column(n) => self.referenced(row, *n as usize - 1, depth, format!("第 {n} 栏"))?,
                Term::Fact { span, measure, filters } => self.inputs.facts.sum(measure, *span, range, filters, &self.group),
                Term::CashFlow(n) => {
                    let rules = CashFlowRules::shipped()?;
                    let item = rules.item(*n).ok_or_else(|| Error::invalid("报表公式", format!("XJ({n}) 不是现金流量项目")))?;
                    let fen = self.data(range).cash_flows.as_ref().and_then(|f| f.get(n)).copied().unwrap_or(0);
                    if item.direction == Direction::In {
                        fen
                    } else {
                        -fen
                    }
                }
                Term::Closing(c) | Term::Opening(c) | Term::Debit(c) | Term::Credit(c) | Term::Net(c) => {
                    let chart = self.inputs.chart.ok_or_else(|| Error::invalid("报表公式", format!("此表不读账户，不能用科目 {c}")))?;
                    let account = chart.get(c).ok_or_else(|| Error::invalid("报表公式", format!("账套中没有科目 {c}")))?;
                    let t = self.data(range).totals.get(c).copied().unwrap_or_default();
                    match term {
                        Term::Closing(_) => account.normal_side.signed(t.closing_fen()),
                        Term::Opening(_) => account.normal_side.signed(t.opening_fen),
                        Term::Debit(_) => t.debit_fen,
                        Term::Credit(_) => t.credit_fen,
                        _ => account.normal_side.signed(t.net_without_carry_fen()),
                    }
                }
            };
            total += sign * value;
        }
        Ok(total)
    }

    fn referenced(&mut self, row: usize, column: usize, depth: usize, what: String) -> Result<i64> {
        match self.cell(row, column, depth + 1)? {
            Value::Amount { value } => Ok(value),
            // A blank row counts as zero in the totals that refer to it.
            Value::Blank => Ok(0),
            _ => Err(Error::invalid("报表公式", format!("{what}不是金额，不能参与加减"))),
        }
    }

    fn data(&self, range: (Period, Period)) -> &RangeData {
        static EMPTY: std::sync::OnceLock<RangeData> = std::sync::OnceLock::new();
        self.inputs.ranges.get(&range).unwrap_or_else(|| EMPTY.get_or_init(RangeData::default))
    }
}
