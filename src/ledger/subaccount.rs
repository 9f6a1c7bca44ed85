//! 增设明细科目: a sub-account under any account of a book's chart (a second bank account
//! 100202 under 1002, 微信 and 支付宝 under 1012), on the rules 用友 applies.

use crate::error::{Error, Result};
use crate::ledger::account::{Account, AccountCode};
use crate::ledger::lookup::full_name;
use crate::ledger::store::{LedgerStore, LedgerTx};
use crate::ledger::{Book, Ledger};
use crate::store::Tx;

/// Digits a sub-account's code adds to its parent's (编码规则 4-2-2…).
pub const SUB_ACCOUNT_DIGITS: usize = 2;

/// Longest account name, as the chart templates' names are short.
const MAX_ACCOUNT_NAME_CHARS: usize = 40;

impl<S: LedgerStore> Ledger<S> {
    /// Adds a sub-account: its code is the parent's plus two digits, its class and side are the
    /// parent's. Refused while the parent has postings, drafts or an opening balance (用友 asks
    /// for them to be moved first: the parent would hold amounts no sub-account shows), and
    /// under the accounts the fee wing posts to, which it finds by their codes.
    pub async fn add_account(&self, book: &Book, code: &str, name: &str) -> Result<Account> {
        let code = AccountCode::parse(code).ok_or_else(|| Error::invalid("科目编码", format!("“{code}”须为3至20位数字")))?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_ACCOUNT_NAME_CHARS {
            return Err(Error::invalid("科目名称", format!("须填写，最多 {MAX_ACCOUNT_NAME_CHARS} 个字")));
        }
        if let Some(existing) = book.chart.get(&code) {
            return Err(Error::Conflict(format!("科目 {code} 已存在：{}", full_name(&book.chart, existing))));
        }
        let parent_code = AccountCode::parse(&code.as_str()[..code.as_str().len().saturating_sub(SUB_ACCOUNT_DIGITS)]);
        let parent = parent_code.as_ref().and_then(|p| book.chart.get(p)).ok_or_else(|| {
            Error::invalid("科目编码", format!("{code} 须为上级科目编码加 {SUB_ACCOUNT_DIGITS} 位（如 1002 下的 100202），上级科目不存在"))
        })?;
        if let Some(reason) = fee_wing_account(book, &parent.code)? {
            return Err(Error::invalid(
                "上级科目",
                format!("{} {} 是{reason}，由收费模块直接记账，不能增设下级科目", parent.code, parent.name),
            ));
        }
        let parent_id = book.account_id(parent.code.as_str()).ok_or_else(|| Error::not_found(format!("科目 {}", parent.code)))?;
        let account = Account {
            code: code.clone(),
            name: name.to_string(),
            class: parent.class,
            normal_side: parent.normal_side,
            parent: Some(parent.code.clone()),
            level: parent.level + 1,
            is_leaf: true,
        };
        let mut tx = self.store.begin().await?;
        if parent.is_leaf {
            if tx.account_in_use(book.key(), parent_id).await? {
                return Err(Error::invalid(
                    "上级科目",
                    format!("{} {} 已有凭证或期初余额，不能再增设下级科目；请新设同级科目，或在年初建账前增设", parent.code, parent.name),
                ));
            }
            tx.set_account_parent(book.key(), parent_id).await?;
        }
        tx.insert_accounts(book.key(), std::slice::from_ref(&account)).await?;
        tx.commit().await?;
        Ok(account)
    }
}

/// What the fee wing uses `code` for, if it posts to it by code (the chart's fee accounts).
fn fee_wing_account(book: &Book, code: &AccountCode) -> Result<Option<&'static str>> {
    let Some(fee) = &crate::ledger::chart::load(&book.row.chart)?.fee_accounts else { return Ok(None) };
    let found = [(&fee.receivable, "住户应收的统驭科目"), (&fee.advance, "住户预收的统驭科目")]
        .into_iter()
        .find(|(c, _)| *c == code)
        .map(|(_, what)| what);
    Ok(found)
}
