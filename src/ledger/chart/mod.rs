//! Chart-of-accounts templates. They ship as data files (`templates/*.csv`) compiled into the
//! binary, so a fresh machine needs nothing else; each file says which edition of the
//! standard it follows and where its codes were checked.

use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::ledger::account::Chart;

/// (id, file contents) of every template.
const TEMPLATES: &[(&str, &str)] = &[
    ("small_enterprise", include_str!("templates/small_enterprise.csv")),
    ("rural_collective", include_str!("templates/rural_collective.csv")),
];

pub fn template_ids() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|(id, _)| *id)
}

/// The template by id, parsed once per process: billing and payments ask for it on every call.
pub fn load(id: &str) -> Result<&'static Chart> {
    static PARSED: OnceLock<Vec<(&'static str, std::result::Result<Chart, String>)>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| TEMPLATES.iter().map(|(t, text)| (*t, Chart::parse(t, text).map_err(|e| e.to_string()))).collect());
    match parsed.iter().find(|(t, _)| *t == id) {
        Some((_, Ok(chart))) => Ok(chart),
        Some((_, Err(e))) => Err(Error::invalid(format!("科目模板 {id}"), e.clone())),
        None => {
            let known: Vec<_> = template_ids().collect();
            Err(Error::invalid("科目模板", format!("未知模板“{id}”，可选：{}", known.join("、"))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_with_its_year_end_accounts() {
        for id in template_ids() {
            let chart = load(id).unwrap();
            assert!(chart.accounts.len() > 30, "{id}");
            assert!(chart.accounts.values().all(|a| a.parent.as_ref().is_none_or(|p| a.code.is_under(p))));
            assert!(!chart.edition.is_empty() && !chart.source.is_empty());
        }
        let company = load("small_enterprise").unwrap();
        let code = |c: &str| crate::ledger::account::AccountCode::parse(c).unwrap();
        assert_eq!(company.accounts[&code("1122")].name, "应收账款");
        assert!(company.accounts[&code("1122")].is_leaf, "receivables are detailed by household, not by account");
        assert!(!company.accounts[&code("1002")].is_leaf);
        assert_eq!(company.accounts[&code("1602")].normal_side, crate::ledger::account::Side::Credit);
    }
}
