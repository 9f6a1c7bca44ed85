//! 服务类别: the service categories that spending is booked by, that a subsidy program names
//! as eligible, and that a budget is set for (DESIGN.md section 2, 支出).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Cleaning,
    Greening,
    Security,
    Repairs,
    Energy,
    Payroll,
    Office,
    Taxes,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Cleaning,
        Category::Greening,
        Category::Security,
        Category::Repairs,
        Category::Energy,
        Category::Payroll,
        Category::Office,
        Category::Taxes,
    ];

    /// The stable code, as stored and as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Cleaning => "cleaning",
            Category::Greening => "greening",
            Category::Security => "security",
            Category::Repairs => "repairs",
            Category::Energy => "energy",
            Category::Payroll => "payroll",
            Category::Office => "office",
            Category::Taxes => "taxes",
        }
    }

    /// The category as accountants and residents name it.
    pub fn label(self) -> &'static str {
        match self {
            Category::Cleaning => "保洁",
            Category::Greening => "绿化",
            Category::Security => "秩序维护",
            Category::Repairs => "维修养护",
            Category::Energy => "公共能耗",
            Category::Payroll => "人员薪酬",
            Category::Office => "办公",
            Category::Taxes => "税费",
        }
    }

    /// Reads a code or a label, as typed in a form or a file.
    pub fn parse(text: &str) -> Option<Category> {
        let text = text.trim();
        Category::ALL.into_iter().find(|c| c.as_str() == text || c.label() == text)
    }

    /// What `parse` takes, for an error message.
    pub fn choices() -> String {
        Category::ALL.map(Category::label).join("、")
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_and_label_reads_back() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert_eq!(Category::parse(c.label()), Some(c));
        }
        assert_eq!(Category::parse("保安"), None);
    }
}
