//! Dimensioned facts (pure): the wings' figures below the accounts, each a measure with a month,
//! optionally the month it belongs to (a bill's own month, for `of=`), named dimensions and a
//! value, so a statement can ask for "property fees of building 3 paid this month for earlier
//! months" with no code of its own. `disclosure::facts` reads them from a book; this module
//! names the measures and sums them.

use std::collections::{BTreeSet, HashMap};

use crate::domain::period::Period;
use crate::report::formula::{Filter, OfRange};

/// The pseudo-dimension of a fact's own month (`of=before|in|after|through`).
pub const OF_DIM: &str = "of";

/// Every measure a formula may name, with its dimensions (`of` when the fact has a month of
/// its own) and what its value counts. The unit is for the reader of reports/README.md.
pub const MEASURES: &[(&str, &[&str], &str)] = &[
    ("fee.billed", &["of", "building", "fee_item", "household_kind", "unit_kind"], "分：开出的账单"),
    ("fee.paid", &["of", "building", "fee_item", "household_kind", "unit_kind"], "分：冲抵账单的收款（作废为负）"),
    ("fee.waived", &["of", "building", "fee_item", "household_kind", "unit_kind"], "分：减免"),
    ("fee.cancelled", &["of", "building", "fee_item", "household_kind", "unit_kind"], "分：冲销计费取消的账单"),
    ("fee.owed", &["of", "building", "fee_item", "household_kind", "unit_kind"], "分：开单 − 收款 − 减免 − 取消"),
    ("fee.standard", &["fee_item", "target", "rate", "valid_from"], "项：期末执行的收费标准"),
    ("pay.received", &["building", "method"], "分：当月开出的收据金额（含其后作废的）"),
    ("pay.voided", &["building", "method"], "分：当月作废的收据金额"),
    ("pay.receipts", &["building", "method"], "张：当月开出的收据"),
    ("expense.spent", &["category"], "分：各服务类别成本费用科目的当月发生额（不含结转凭证）"),
    ("budget", &["category"], "分：年度预算（记在当年一月）"),
    ("pr.revenue", &["source"], "分：公共收益"),
    ("pr.share", &[], "分：物业公司分成"),
    ("pr.use", &["decision"], "分：公共收益的使用"),
    ("sub.approved", &["program", "purpose", "reconciliation"], "分：批复金额（记在项目开始的月份）"),
    ("sub.disbursed", &["program"], "分：财政拨付"),
    ("sub.received", &["program"], "分：本单位收到"),
    ("sub.spent", &["program", "category"], "分：列入项目的支出"),
    ("sub.released", &["program"], "分：递延收益转入"),
    ("sub.refunded", &["program"], "分：退回财政"),
    ("col.transferred", &[], "分：物业公司转来的利润"),
    ("col.distributable", &["year"], "分：可分配收益"),
    ("col.reserve", &["year"], "分：提取公积公益金"),
    ("col.welfare", &["year"], "分：提取福利费"),
    ("col.members", &["year"], "分：分配给成员"),
    ("col.shares", &["year"], "股：参与分配的股数"),
    ("col.member_count", &["year"], "人：参与分配的成员"),
    ("col.paid", &["year"], "分：已发放给成员"),
];

/// The fee measures: by building they are maintained month by month (`receivable_flows`); with
/// their other dimensions they are read from the bills and allocations.
pub fn is_fee_measure(measure: &str) -> bool {
    matches!(measure, "fee.billed" | "fee.paid" | "fee.waived" | "fee.cancelled" | "fee.owed")
}

pub fn measure_dims(measure: &str) -> Option<&'static [&'static str]> {
    MEASURES.iter().find(|(m, _, _)| *m == measure).map(|(_, d, _)| *d)
}

/// Which months of a fact a term sums, given the column's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactSpan {
    /// `F`: inside the range.
    Movement,
    /// `FC`: before the range (the balance at its start).
    Opening,
    /// `FM`: up to the range's end (the balance at its end).
    Closing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub period: Period,
    /// The month the fact is about (a bill's month), for `of=`.
    pub of: Option<Period>,
    /// Values of the measure's dimensions, by name.
    pub dims: Vec<(&'static str, String)>,
    pub value: i64,
}

impl Fact {
    pub fn dim(&self, name: &str) -> Option<&str> {
        self.dims.iter().find(|(d, _)| *d == name).map(|(_, v)| v.as_str())
    }
}

/// Facts by measure.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    by_measure: HashMap<&'static str, Vec<Fact>>,
}

impl Facts {
    /// Adds a fact; `measure` must be one of [`MEASURES`] and its dimensions among the
    /// measure's (a programming error otherwise, caught by the sources' tests).
    pub fn push(&mut self, measure: &'static str, fact: Fact) {
        debug_assert!(measure_dims(measure).is_some_and(|d| fact.dims.iter().all(|(n, _)| d.contains(n))), "{measure} {:?}", fact.dims);
        self.by_measure.entry(measure).or_default().push(fact);
    }

    pub fn is_empty(&self) -> bool {
        self.by_measure.values().all(Vec::is_empty)
    }

    pub fn of(&self, measure: &str) -> &[Fact] {
        self.by_measure.get(measure).map_or(&[], Vec::as_slice)
    }

    /// The sum of a measure's facts in `span` of the range `from..=to`, under the filters and a
    /// sub-table row's dimension values.
    pub fn sum(&self, measure: &str, span: FactSpan, (from, to): (Period, Period), filters: &[Filter], group: &[(String, String)]) -> i64 {
        self.of(measure)
            .iter()
            .filter(|f| match span {
                FactSpan::Movement => (from..=to).contains(&f.period),
                FactSpan::Opening => f.period < from,
                FactSpan::Closing => f.period <= to,
            })
            .filter(|f| filters.iter().all(|c| holds(c, f, (from, to))))
            .filter(|f| group.iter().all(|(d, v)| f.dim(d) == Some(v.as_str())))
            .map(|f| f.value)
            .sum()
    }

    /// The distinct values of `dims` among the facts of `measures` up to `to`: a sub-table's
    /// rows. A fact lacking one of the dimensions is in no row.
    pub fn groups(&self, measures: &BTreeSet<String>, dims: &[String], to: Period) -> BTreeSet<Vec<String>> {
        measures
            .iter()
            .flat_map(|m| self.of(m))
            .filter(|f| f.period <= to)
            .filter_map(|f| dims.iter().map(|d| f.dim(d).map(str::to_string)).collect::<Option<Vec<_>>>())
            .collect()
    }

    /// The value of dimension `dim` on a fact of the group (a program's purpose): what a text
    /// column shows.
    pub fn text(&self, measures: &BTreeSet<String>, group: &[(String, String)], dim: &str, to: Period) -> Option<String> {
        measures
            .iter()
            .flat_map(|m| self.of(m))
            .filter(|f| f.period <= to)
            .filter(|f| group.iter().all(|(d, v)| f.dim(d) == Some(v.as_str())))
            .find_map(|f| f.dim(dim).map(str::to_string))
    }
}

fn holds(filter: &Filter, fact: &Fact, (from, to): (Period, Period)) -> bool {
    match filter {
        Filter::Is(d, v) => fact.dim(d) == Some(v.as_str()),
        Filter::IsNot(d, v) => fact.dim(d) != Some(v.as_str()),
        Filter::Of(range) => fact.of.is_some_and(|of| match range {
            OfRange::Before => of < from,
            OfRange::In => (from..=to).contains(&of),
            OfRange::After => of > to,
            OfRange::Through => of <= to,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Period {
        Period::parse(text).unwrap()
    }

    #[test]
    fn reports_readme_documents_every_measure() {
        let readme = include_str!("../../reports/README.md");
        for (measure, _, _) in MEASURES {
            assert!(readme.contains(&format!("`{measure}`")), "reports/README.md does not document {measure}");
        }
    }

    #[test]
    fn sums_follow_span_filters_and_group() {
        let mut facts = Facts::default();
        let bill = |period: &str, of: &str, building: &str, value| Fact {
            period: p(period),
            of: Some(p(of)),
            dims: vec![("building", building.to_string()), ("fee_item", "物业服务费".to_string())],
            value,
        };
        facts.push("fee.paid", bill("2025-03", "2025-03", "1号楼", 100));
        facts.push("fee.paid", bill("2025-03", "2025-01", "1号楼", 40));
        facts.push("fee.paid", bill("2025-03", "2025-03", "2号楼", 7));
        facts.push("fee.paid", bill("2025-02", "2025-02", "1号楼", 1000));
        let march = (p("2025-03"), p("2025-03"));
        assert_eq!(facts.sum("fee.paid", FactSpan::Movement, march, &[], &[]), 147);
        assert_eq!(facts.sum("fee.paid", FactSpan::Movement, march, &[Filter::Of(OfRange::In)], &[]), 107);
        assert_eq!(facts.sum("fee.paid", FactSpan::Movement, march, &[Filter::Of(OfRange::Before)], &[]), 40);
        assert_eq!(facts.sum("fee.paid", FactSpan::Opening, march, &[], &[]), 1000);
        assert_eq!(facts.sum("fee.paid", FactSpan::Closing, march, &[], &[]), 1147);
        let one = [("building".to_string(), "1号楼".to_string())];
        assert_eq!(facts.sum("fee.paid", FactSpan::Movement, march, &[], &one), 140);
        assert_eq!(facts.sum("fee.paid", FactSpan::Movement, march, &[Filter::IsNot("building".into(), "1号楼".into())], &[]), 7);
        let groups = facts.groups(&["fee.paid".to_string()].into(), &["building".to_string()], p("2025-03"));
        assert_eq!(groups.len(), 2);
        assert_eq!(facts.text(&["fee.paid".to_string()].into(), &one, "fee_item", p("2025-03")).as_deref(), Some("物业服务费"));
    }
}
