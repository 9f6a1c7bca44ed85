//! The formula language of `reports/` (pure): terms over accounts (QM, QC, JF, DF, SY), cash-flow
//! items (XJ), dimensioned facts of the wings (F, FC, FM), other rows (R) and other columns (C),
//! joined by `+` and `-`, with at most one `/` making the cell a ratio. reports/README.md is the
//! reference; this module parses and checks, `report::engine` evaluates.

use crate::ledger::account::AccountCode;
use crate::report::facts::{measure_dims, FactSpan, OF_DIM};

/// Which part of the bill's (or the fact's) own period an `of=` filter takes, relative to the
/// column's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfRange {
    /// Before the range starts (arrears at its start).
    Before,
    /// Inside the range (the range's own bills).
    In,
    /// After the range ends (paid in advance).
    After,
    /// Up to the range's end.
    Through,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// A dimension equal to a value: `building=1号楼`.
    Is(String, String),
    /// A dimension other than a value: `unit_kind!=home`.
    IsNot(String, String),
    Of(OfRange),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Closing(AccountCode),
    Opening(AccountCode),
    Debit(AccountCode),
    Credit(AccountCode),
    Net(AccountCode),
    CashFlow(u32),
    Line(u32),
    Column(u32),
    Fact { span: FactSpan, measure: String, filters: Vec<Filter> },
}

/// Signed terms; empty means the cell is blank.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sum(pub Vec<(i64, Term)>);

/// A parsed formula: a sum, or a ratio of two sums.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Formula {
    pub num: Sum,
    pub den: Option<Sum>,
}

impl Formula {
    pub fn terms(&self) -> impl Iterator<Item = &Term> {
        self.num.0.iter().chain(self.den.iter().flat_map(|d| d.0.iter())).map(|(_, t)| t)
    }
}

pub fn parse(text: &str) -> Result<Formula, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut depth = 0i32;
    let mut slash = None;
    for (i, c) in compact.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '/' if depth == 0 => {
                if slash.is_some() {
                    return Err("一个公式只能有一个“/”".into());
                }
                slash = Some(i);
            }
            _ => {}
        }
    }
    match slash {
        Some(at) => Ok(Formula { num: parse_sum(&compact[..at])?, den: Some(parse_sum(&compact[at + 1..])?) }),
        None => Ok(Formula { num: parse_sum(&compact)?, den: None }),
    }
}

fn parse_sum(compact: &str) -> Result<Sum, String> {
    let mut terms = Vec::new();
    let mut rest = compact;
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
        if close < open {
            return Err(format!("“{rest}”的括号不配对"));
        }
        terms.push((sign, parse_term(&rest[..open], &rest[open + 1..close])?));
        sign = 1;
        rest = &rest[close + 1..];
    }
    Ok(Sum(terms))
}

fn parse_term(name: &str, arg: &str) -> Result<Term, String> {
    let code = || AccountCode::parse(arg).ok_or_else(|| format!("“{arg}”不是科目编码"));
    let number = |what: &str| arg.parse::<u32>().map_err(|_| format!("“{arg}”不是{what}"));
    Ok(match name {
        "QM" => Term::Closing(code()?),
        "QC" => Term::Opening(code()?),
        "JF" => Term::Debit(code()?),
        "DF" => Term::Credit(code()?),
        "SY" => Term::Net(code()?),
        "R" => Term::Line(number("行次")?),
        "C" => Term::Column(number("栏次")?),
        "XJ" => Term::CashFlow(number("现金流量项目的行次")?),
        "F" | "FC" | "FM" => {
            let span = match name {
                "F" => FactSpan::Movement,
                "FC" => FactSpan::Opening,
                _ => FactSpan::Closing,
            };
            let (measure, filters) = arg.split_once(';').unwrap_or((arg, ""));
            let dims = measure_dims(measure).ok_or_else(|| format!("未知的数据项“{measure}”"))?;
            let filters =
                filters.split(',').filter(|f| !f.is_empty()).map(|f| parse_filter(measure, dims, f)).collect::<Result<Vec<_>, String>>()?;
            Term::Fact { span, measure: measure.to_string(), filters }
        }
        other => return Err(format!("未知函数“{other}”")),
    })
}

fn parse_filter(measure: &str, dims: &[&str], text: &str) -> Result<Filter, String> {
    let (dim, value, negated) = match text.split_once("!=") {
        Some((d, v)) => (d, v, true),
        None => {
            let (d, v) = text.split_once('=').ok_or_else(|| format!("筛选条件“{text}”应写作 维度=值"))?;
            (d, v, false)
        }
    };
    if dim == OF_DIM && !negated {
        let of = match value {
            "before" => OfRange::Before,
            "in" => OfRange::In,
            "after" => OfRange::After,
            "through" => OfRange::Through,
            _ => return Err(format!("“of={value}”应为 before、in、after 或 through")),
        };
        if !dims.contains(&OF_DIM) {
            return Err(format!("数据项“{measure}”没有所属期间，不能按 of 筛选"));
        }
        return Ok(Filter::Of(of));
    }
    if !dims.contains(&dim) {
        return Err(format!("数据项“{measure}”没有维度“{dim}”（可用：{}）", dims.join("、")));
    }
    if value.is_empty() {
        return Err(format!("筛选条件“{text}”缺少值"));
    }
    Ok(if negated { Filter::IsNot(dim.into(), value.into()) } else { Filter::Is(dim.into(), value.into()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_parse_and_refuse_nonsense() {
        let f = parse("QM(1001) + QM(1002) - R(3)").unwrap();
        assert_eq!(f.num.0.len(), 3);
        assert_eq!(f.num.0[2], (-1, Term::Line(3)));
        assert!(f.den.is_none());
        let f = parse("SY(5001) - SY(5603)").unwrap();
        assert_eq!(
            f.num.0,
            vec![(1, Term::Net(AccountCode::parse("5001").unwrap())), (-1, Term::Net(AccountCode::parse("5603").unwrap()))]
        );
        for bad in [
            "SY()",
            "XX(1001)",
            "QM(abc)",
            "QM(1001",
            "C(1)/C(2)/C(3)",
            "F(nothing)",
            "F(fee.billed; colour=red)",
            "F(fee.billed; of=soon)",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn facts_filters_and_ratios_parse() {
        let f = parse("F(fee.paid; of=in, building=1号楼) / F(fee.billed; of=in, unit_kind!=home)").unwrap();
        let Term::Fact { span, measure, filters } = &f.num.0[0].1 else { panic!() };
        assert_eq!((*span, measure.as_str()), (FactSpan::Movement, "fee.paid"));
        assert_eq!(filters, &vec![Filter::Of(OfRange::In), Filter::Is("building".into(), "1号楼".into())]);
        let Term::Fact { filters, .. } = &f.den.as_ref().unwrap().0[0].1 else { panic!() };
        assert_eq!(filters[1], Filter::IsNot("unit_kind".into(), "home".into()));
        let f = parse("FC(fee.owed; of=before) - C(2)").unwrap();
        assert!(matches!(f.num.0[0].1, Term::Fact { span: FactSpan::Opening, .. }));
        assert_eq!(f.num.0[1], (-1, Term::Column(2)));
    }
}
