//! A book (账套) loaded with its chart: the accounts by code and by id, read once per
//! operation, and the genesis link of its chain.

use std::collections::{BTreeMap, HashMap};

use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::{Account, AccountClass, AccountCode, Side};
use crate::ledger::store::{BookRow, LedgerTx, OpeningRow};
use crate::ledger::voucher::genesis_hash;

/// A book with its chart, loaded once per operation.
#[derive(Clone, Debug)]
pub struct Book {
    pub row: BookRow,
    pub chart: BTreeMap<AccountCode, Account>,
    pub account_ids: HashMap<AccountCode, i64>,
    pub account_codes: HashMap<i64, AccountCode>,
}

impl Book {
    pub fn id(&self) -> i64 {
        self.row.id
    }

    pub fn account_id(&self, code: &str) -> Option<i64> {
        AccountCode::parse(code).and_then(|c| self.account_ids.get(&c).copied())
    }

    pub fn code_of(&self, account_id: i64) -> &str {
        self.account_codes.get(&account_id).map_or("?", |c| c.as_str())
    }

    pub fn account_by_id(&self, account_id: i64) -> Option<&Account> {
        self.account_codes.get(&account_id).and_then(|c| self.chart.get(c))
    }

    pub fn start_period(&self) -> Period {
        Period::from_key(self.row.start_period).expect("start_period is written from a Period")
    }
}

pub async fn load_book<T: LedgerTx>(tx: &mut T, community_id: i64, code: &str) -> Result<Book> {
    let row =
        tx.books(community_id).await?.into_iter().find(|b| b.code == code).ok_or_else(|| Error::not_found(format!("账套“{code}”")))?;
    let rows = tx.accounts(row.id).await?;
    let mut chart = BTreeMap::new();
    let mut account_ids = HashMap::new();
    let mut account_codes = HashMap::new();
    for r in rows {
        let code = AccountCode::parse(&r.code).ok_or_else(|| Error::invalid("科目编码", r.code.clone()))?;
        let account = Account {
            code: code.clone(),
            name: r.name,
            class: AccountClass::parse(&r.class).ok_or_else(|| Error::invalid("科目类别", r.class.clone()))?,
            normal_side: Side::parse(&r.normal_side).ok_or_else(|| Error::invalid("余额方向", r.normal_side.clone()))?,
            parent: r.parent_code.as_deref().and_then(AccountCode::parse),
            level: u32::try_from(r.level).unwrap_or(1),
            is_leaf: r.is_leaf,
        };
        account_ids.insert(code.clone(), r.id);
        account_codes.insert(r.id, code.clone());
        chart.insert(code, account);
    }
    Ok(Book { row, chart, account_ids, account_codes })
}

/// The genesis link for a book with these opening balances.
pub fn genesis_of(book: &Book, opening: &[OpeningRow]) -> String {
    let mut rows: Vec<(String, i64)> = opening.iter().map(|r| (book.code_of(r.account_id).to_string(), r.balance_fen)).collect();
    rows.sort();
    genesis_hash(book.id(), &rows)
}
