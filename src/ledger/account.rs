//! Accounts (会计科目) and charts of accounts. Codes are hierarchical: a child's code starts
//! with its parent's code (1002 → 100201). Postings go to leaf accounts only.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountClass {
    Asset,
    Liability,
    Equity,
    Cost,
    ProfitAndLoss,
}

impl AccountClass {
    pub fn parse(text: &str) -> Option<AccountClass> {
        Some(match text.trim() {
            "asset" | "资产" => AccountClass::Asset,
            "liability" | "负债" => AccountClass::Liability,
            "equity" | "所有者权益" | "净资产" => AccountClass::Equity,
            "cost" | "成本" => AccountClass::Cost,
            "profit_and_loss" | "损益" => AccountClass::ProfitAndLoss,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountClass::Asset => "asset",
            AccountClass::Liability => "liability",
            AccountClass::Equity => "equity",
            AccountClass::Cost => "cost",
            AccountClass::ProfitAndLoss => "profit_and_loss",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountClass::Asset => "资产",
            AccountClass::Liability => "负债",
            AccountClass::Equity => "所有者权益",
            AccountClass::Cost => "成本",
            AccountClass::ProfitAndLoss => "损益",
        }
    }
}

/// The normal side (余额方向) of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Debit,
    Credit,
}

impl Side {
    pub fn parse(text: &str) -> Option<Side> {
        match text.trim() {
            "debit" | "借" | "借方" => Some(Side::Debit),
            "credit" | "贷" | "贷方" => Some(Side::Credit),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Debit => "debit",
            Side::Credit => "credit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Side::Debit => "借",
            Side::Credit => "贷",
        }
    }

    /// Expresses a debit-minus-credit balance in this side's direction.
    pub fn signed(self, debit_minus_credit_fen: i64) -> i64 {
        match self {
            Side::Debit => debit_minus_credit_fen,
            Side::Credit => -debit_minus_credit_fen,
        }
    }
}

/// An account code: ASCII digits only, 3 to 20 of them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct AccountCode(String);

impl AccountCode {
    pub fn parse(text: &str) -> Option<AccountCode> {
        let t = text.trim();
        (t.len() >= 3 && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit())).then(|| AccountCode(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_under(&self, ancestor: &AccountCode) -> bool {
        self.0.starts_with(&ancestor.0)
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Account {
    pub code: AccountCode,
    pub name: String,
    pub class: AccountClass,
    pub normal_side: Side,
    /// The nearest ancestor's code; None for a first-level account.
    pub parent: Option<AccountCode>,
    /// 1 for a first-level account (一级科目).
    pub level: u32,
    pub is_leaf: bool,
}

#[derive(Clone, Debug)]
pub struct FeeAccounts {
    pub receivable: AccountCode,
    pub advance: AccountCode,
    pub cash: AccountCode,
    pub bank: AccountCode,
    pub wallet: AccountCode,
}

/// A chart template as shipped in `src/chart/templates/*.csv`.
#[derive(Clone, Debug)]
pub struct Chart {
    pub id: String,
    pub standard: String,
    pub edition: String,
    pub source: String,
    /// 本年利润 / 本年收益: receives the P&L accounts at year-end.
    pub profit_account: AccountCode,
    /// 利润分配—未分配利润 / 收益分配—未分配收益: receives the year's profit.
    pub retained_account: AccountCode,
    /// Where property fees post, for a chart that bills households (应收账款, 预收账款, and the
    /// accounts payments arrive in by cash, bank transfer and WeChat/Alipay).
    pub fee_accounts: Option<FeeAccounts>,
    pub accounts: BTreeMap<AccountCode, Account>,
}

impl Chart {
    /// Reads a template: `# key: value` header lines, then CSV `code,name,class,normal_side`.
    pub fn parse(id: &str, text: &str) -> Result<Chart> {
        let header = |key: &str| -> Result<String> {
            text.lines()
                .filter_map(|l| l.strip_prefix('#'))
                .filter_map(|l| l.trim().split_once(':'))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim().to_string())
                .ok_or_else(|| Error::invalid(format!("科目模板 {id}"), format!("缺少表头 `# {key}:`")))
        };
        let code_header = |key: &str| -> Result<AccountCode> {
            let value = header(key)?;
            AccountCode::parse(&value).ok_or_else(|| Error::invalid(format!("科目模板 {id} 的 {key}"), format!("“{value}”不是科目编码")))
        };
        let body: String = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(|l| format!("{l}\n")).collect();
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(body.as_bytes());
        let mut rows = Vec::new();
        for (index, record) in reader.records().enumerate() {
            let row = index + 2;
            let record = record.map_err(|e| Error::csv(row, "", e.to_string()))?;
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let code = AccountCode::parse(field(0)).ok_or_else(|| Error::csv(row, "code", "科目编码须为3至20位数字"))?;
            let class = AccountClass::parse(field(2)).ok_or_else(|| Error::csv(row, "class", "科目类别未知"))?;
            let side = Side::parse(field(3)).ok_or_else(|| Error::csv(row, "normal_side", "余额方向须为 debit 或 credit"))?;
            rows.push((code, field(1).to_string(), class, side));
        }
        let accounts = build_tree(rows)?;
        let chart = Chart {
            id: id.to_string(),
            standard: header("standard")?,
            edition: header("edition")?,
            source: header("source")?,
            profit_account: code_header("profit_account")?,
            retained_account: code_header("retained_account")?,
            fee_accounts: match header("receivable_account") {
                Ok(_) => Some(FeeAccounts {
                    receivable: code_header("receivable_account")?,
                    advance: code_header("advance_account")?,
                    cash: code_header("cash_account")?,
                    bank: code_header("bank_account")?,
                    wallet: code_header("wallet_account")?,
                }),
                Err(_) => None,
            },
            accounts,
        };
        let fee_codes = chart.fee_accounts.iter().flat_map(|f| [&f.receivable, &f.advance, &f.cash, &f.bank, &f.wallet]);
        for code in [&chart.profit_account, &chart.retained_account].into_iter().chain(fee_codes) {
            if !chart.accounts.get(code).is_some_and(|a| a.is_leaf) {
                return Err(Error::invalid(format!("科目模板 {id}"), format!("结转科目 {code} 须为末级科目")));
            }
        }
        Ok(chart)
    }
}

/// Links each account to its nearest listed ancestor and marks leaves.
pub fn build_tree(mut rows: Vec<(AccountCode, String, AccountClass, Side)>) -> Result<BTreeMap<AccountCode, Account>> {
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut accounts: BTreeMap<AccountCode, Account> = BTreeMap::new();
    for (code, name, class, normal_side) in rows {
        if accounts.contains_key(&code) {
            return Err(Error::invalid("科目编码", format!("{code} 重复")));
        }
        if name.is_empty() {
            return Err(Error::invalid("科目名称", format!("{code} 的名称为空")));
        }
        // BTreeMap order puts every ancestor before its descendants, so the nearest listed
        // ancestor is the longest earlier code that prefixes this one.
        let parent = accounts.keys().rev().find(|c| code.is_under(c)).cloned();
        let level = parent.as_ref().and_then(|p| accounts.get(p)).map_or(1, |p| p.level + 1);
        accounts.insert(code.clone(), Account { code, name, class, normal_side, parent, level, is_leaf: true });
    }
    let parents: Vec<AccountCode> = accounts.values().filter_map(|a| a.parent.clone()).collect();
    for p in parents {
        if let Some(a) = accounts.get_mut(&p) {
            a.is_leaf = false;
        }
    }
    Ok(accounts)
}
