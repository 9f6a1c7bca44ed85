//! The six disclosures as data (`reports/disclosures/*.toml`, DESIGN.md section 6): each names
//! the book it reads, the periods it is published for, its notes and its tables in the
//! statement language of `report::engine`. Loading checks every formula, so a definition that
//! names an unknown account, measure, dimension, row or column, or loops, never reaches a
//! resident.

use serde::Deserialize;

use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::report::engine::{Span, Table, TableDef};

const DEFINITIONS: &[(&str, &str)] = &[
    ("fee_standards", include_str!("../../reports/disclosures/fee_standards.toml")),
    ("service_funds", include_str!("../../reports/disclosures/service_funds.toml")),
    ("fee_collection", include_str!("../../reports/disclosures/fee_collection.toml")),
    ("public_revenue", include_str!("../../reports/disclosures/public_revenue.toml")),
    ("subsidies", include_str!("../../reports/disclosures/subsidies.toml")),
    ("collective", include_str!("../../reports/disclosures/collective.toml")),
];

/// The book a disclosure reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookKind {
    /// The property company's book (small_enterprise chart).
    Company,
    /// The collective's book (rural_collective chart).
    Collective,
}

impl BookKind {
    pub fn chart(self) -> &'static str {
        match self {
            BookKind::Company => "small_enterprise",
            BookKind::Collective => "rural_collective",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureDef {
    pub id: String,
    pub title: String,
    pub basis: String,
    pub book: BookKind,
    pub periods: Vec<PeriodKind>,
    #[serde(default)]
    pub notes: Vec<String>,
    pub tables: Vec<TableDef>,
}

/// A period a pack is published for: "2025-03", "2025-Q1" or "2025".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisclosurePeriod {
    pub kind: PeriodKind,
    pub span: Span,
}

impl DisclosurePeriod {
    pub fn parse(text: &str) -> Option<DisclosurePeriod> {
        let t = text.trim();
        if let Some((year, q)) = t.split_once(['Q', 'q']) {
            let year: i32 = year.trim_end_matches('-').parse().ok()?;
            let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            let from = Period::new(year, q * 3 - 2)?;
            return Some(DisclosurePeriod { kind: PeriodKind::Quarter, span: Span { from, to: Period::new(year, q * 3)? } });
        }
        if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) {
            let year: i32 = t.parse().ok()?;
            return Some(DisclosurePeriod {
                kind: PeriodKind::Year,
                span: Span { from: Period::new(year, 1)?, to: Period::new(year, 12)? },
            });
        }
        Period::parse(t).map(|p| DisclosurePeriod { kind: PeriodKind::Month, span: Span::month(p) })
    }

    /// The key it is stored and addressed by: "2025-03", "2025-Q1", "2025".
    pub fn key(&self) -> String {
        match self.kind {
            PeriodKind::Month => self.span.to.to_string(),
            PeriodKind::Quarter => format!("{}-Q{}", self.span.to.year(), self.span.to.month() / 3),
            PeriodKind::Year => self.span.to.year().to_string(),
        }
    }

    /// As residents read it: "2025年3月", "2025年第1季度", "2025年度".
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{}年{}月", self.span.to.year(), self.span.to.month()),
            PeriodKind::Quarter => format!("{}年第{}季度", self.span.to.year(), self.span.to.month() / 3),
            PeriodKind::Year => format!("{}年度", self.span.to.year()),
        }
    }
}

/// A disclosure whose tables have been loaded and checked.
pub struct Disclosure {
    pub def: DisclosureDef,
    pub tables: Vec<Table>,
}

/// Loads and checks one definition. `has` says which accounts the book keeps (for a row's
/// `requires`).
pub fn load(id: &str, has: &dyn Fn(&str) -> bool) -> Result<Disclosure> {
    definition(id)?.checked(has)
}

/// One definition as written, its tables not yet checked: which book it reads and for which
/// periods, before the book's accounts are known.
pub fn definition(id: &str) -> Result<DisclosureDef> {
    let (_, text) = DEFINITIONS.iter().find(|(d, _)| *d == id).ok_or_else(|| Error::not_found(format!("公示定义“{id}”")))?;
    toml::from_str(text).map_err(|e| Error::invalid(format!("公示定义 {id}"), e.to_string()))
}

/// Parses and checks a definition's text (a file of `reports/disclosures/`).
pub fn parse(text: &str, has: &dyn Fn(&str) -> bool) -> Result<Disclosure> {
    let def: DisclosureDef = toml::from_str(text).map_err(|e| Error::invalid("公示定义", e.to_string()))?;
    def.checked(has)
}

impl DisclosureDef {
    /// The definition with its tables parsed and checked against its chart template.
    pub fn checked(self, has: &dyn Fn(&str) -> bool) -> Result<Disclosure> {
        let chart = crate::ledger::chart::load(self.book.chart())?;
        let tables = self
            .tables
            .iter()
            .map(|t| Table::load(t.clone(), Some(chart), has).map_err(|e| Error::invalid(format!("公示定义 {}", self.id), e.to_string())))
            .collect::<Result<Vec<_>>>()?;
        Ok(Disclosure { def: self, tables })
    }
}

pub fn ids() -> impl Iterator<Item = &'static str> {
    DEFINITIONS.iter().map(|(id, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_disclosures_load() {
        for id in ids() {
            let d = load(id, &|_| true).unwrap();
            assert_eq!(d.def.id, id);
            assert!(!d.tables.is_empty(), "{id}");
        }
    }

    #[test]
    fn a_definition_naming_something_unknown_is_refused() {
        let text = include_str!("../../reports/disclosures/public_revenue.toml");
        for (from, to, says) in [
            ("QC(224101)", "QC(9999)", "9999"),
            ("F(pr.revenue)", "F(pr.income)", "pr.income"),
            ("F(pr.use)", "F(pr.use; colour=red)", "colour"),
            ("R(1) + R(2) - R(3) - R(4)", "R(1) + R(9)", "第 9 行"),
        ] {
            let err = parse(&text.replacen(from, to, 1), &|_| true).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(says), "{to}: {err}");
        }
        let cycle = text.replacen("formula = \"QC(224101)\"", "formula = \"R(5)\"", 1).replacen(
            "formula = \"QM(224101)\"",
            "formula = \"R(1)\"",
            1,
        );
        assert!(parse(&cycle, &|_| true).err().map(|e| e.to_string()).unwrap_or_default().contains("循环"));
    }

    #[test]
    fn periods_parse_as_months_quarters_and_years() {
        let q = DisclosurePeriod::parse("2025-Q2").unwrap();
        assert_eq!((q.key(), q.label()), ("2025-Q2".to_string(), "2025年第2季度".to_string()));
        assert_eq!(q.span.from.to_string(), "2025-04");
        let y = DisclosurePeriod::parse("2025").unwrap();
        assert_eq!((y.key(), y.span.to.to_string()), ("2025".to_string(), "2025-12".to_string()));
        assert_eq!(DisclosurePeriod::parse("2025-03").unwrap().label(), "2025年3月");
        assert!(DisclosurePeriod::parse("2025-Q5").is_none() && DisclosurePeriod::parse("soon").is_none());
    }
}
