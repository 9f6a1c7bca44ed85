//! A book (账套) loaded with its chart: the accounts by code and by id, read once per
//! operation, and the genesis link of its chain.

use std::collections::{BTreeMap, HashMap};

use crate::domain::ids::{AccountId, BookId, BookKey, CommunityId};
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::{Account, AccountCode};
use crate::ledger::rows::{BookRow, OpeningRow};
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::genesis_hash;

/// A book with its chart, loaded once per operation.
#[derive(Clone, Debug)]
pub struct Book {
    pub row: BookRow,
    pub chart: BTreeMap<AccountCode, Account>,
    pub account_ids: HashMap<AccountCode, AccountId>,
    pub account_codes: HashMap<AccountId, AccountCode>,
}

impl Book {
    pub fn id(&self) -> BookId {
        self.row.id
    }

    /// The book with its community, as every query of its rows names it.
    pub fn key(&self) -> BookKey {
        self.row.key()
    }

    pub fn account_id(&self, code: &str) -> Option<AccountId> {
        AccountCode::parse(code).and_then(|c| self.account_ids.get(&c).copied())
    }

    /// The code of an account of this book; an id that is not one is an error, never a
    /// placeholder (the code goes into the chain's hashes).
    pub fn code_of(&self, account_id: AccountId) -> Result<&str> {
        self.account_codes
            .get(&account_id)
            .map(|c| c.as_str())
            .ok_or_else(|| Error::invalid("科目", format!("账套 {} 中没有编号为 #{account_id} 的科目", self.row.code)))
    }

    /// The code for a message: the account's code, or its id when the book has no such account
    /// (what `verify` says of a tampered row).
    pub fn code_or_id(&self, account_id: AccountId) -> String {
        self.account_codes.get(&account_id).map_or_else(|| format!("#{account_id}（不存在）"), |c| c.to_string())
    }

    pub fn account_by_id(&self, account_id: AccountId) -> Option<&Account> {
        self.account_codes.get(&account_id).and_then(|c| self.chart.get(c))
    }

    pub fn start_period(&self) -> Period {
        self.row.start_period
    }
}

pub async fn load_book<T: LedgerTx>(tx: &mut T, community_id: CommunityId, code: &str) -> Result<Book> {
    let row =
        tx.books(community_id).await?.into_iter().find(|b| b.code == code).ok_or_else(|| Error::not_found(format!("账套“{code}”")))?;
    let rows = tx.accounts(row.key()).await?;
    let mut chart = BTreeMap::new();
    let mut account_ids = HashMap::new();
    let mut account_codes = HashMap::new();
    for r in rows {
        let code = AccountCode::parse(&r.code).ok_or_else(|| Error::invalid("科目编码", r.code.clone()))?;
        let account = Account {
            code: code.clone(),
            name: r.name,
            class: r.class,
            normal_side: r.normal_side,
            parent: r.parent_code.as_deref().and_then(AccountCode::parse),
            level: u32::try_from(r.level).map_err(|_| Error::invalid("科目级次", format!("科目 {code} 的级次 {} 无效", r.level)))?,
            is_leaf: r.is_leaf,
        };
        account_ids.insert(code.clone(), r.id);
        account_codes.insert(r.id, code.clone());
        chart.insert(code, account);
    }
    Ok(Book { row, chart, account_ids, account_codes })
}

/// The genesis link for a book with these opening balances.
pub fn genesis_of(book: &Book, opening: &[OpeningRow]) -> Result<String> {
    let mut rows: Vec<(String, i64)> =
        opening.iter().map(|r| Ok((book.code_of(r.account_id)?.to_string(), r.balance_fen))).collect::<Result<_>>()?;
    // A mid-year start's 本年累计 is sealed too; a January start adds nothing, so the chains of
    // books opened before migration 0010 keep their genesis.
    for r in opening.iter().filter(|r| r.year_debit_fen != 0 || r.year_credit_fen != 0) {
        let code = book.code_of(r.account_id)?;
        rows.push((format!("{code}/本年累计借方"), r.year_debit_fen));
        rows.push((format!("{code}/本年累计贷方"), r.year_credit_fen));
    }
    rows.sort();
    Ok(genesis_hash(book.id(), &rows))
}
