//! Opening balances (期初余额): imported once, before anything is posted; they make the
//! genesis link of the book's chain.

use std::collections::BTreeMap;

use crate::domain::ids::AccountId;
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::import::TextTable;
use crate::ledger::account::AccountCode;
use crate::ledger::rows::OpeningRow;
use crate::ledger::store::LedgerStore;
use crate::ledger::store::LedgerTx;
use crate::ledger::{genesis_of, Book, Ledger};
use crate::store::Tx;

impl<S: LedgerStore> Ledger<S> {
    /// 期初余额: replaces the book's opening balances from CSV; refused unless they balance, and
    /// once anything has been posted.
    pub async fn import_opening(&self, book: &Book, csv_text: &str) -> Result<usize> {
        let rows = parse_opening_csv(book, csv_text)?;
        let mut tx = self.store.begin().await?;
        let current =
            tx.books(book.row.community_id).await?.into_iter().find(|b| b.id == book.id()).ok_or_else(|| Error::not_found("账套"))?;
        if current.chain_len > 0 {
            return Err(Error::invalid("期初余额", "账套已有记账凭证，期初余额不能再修改"));
        }
        tx.replace_opening_balances(book.key(), &rows).await?;
        let genesis = genesis_of(book, &rows)?;
        tx.set_chain_head(book.key(), &genesis).await?;
        tx.commit().await?;
        Ok(rows.len())
    }
}

/// Opening balances CSV: header `科目编码,借方余额,贷方余额` (or `code,debit,credit`); an
/// optional 科目名称/name column is ignored. A book that starts after January may add
/// `本年累计借方,本年累计贷方` (the year's movements before the start). Amounts in yuan with at
/// most two decimals.
fn parse_opening_csv(book: &Book, text: &str) -> Result<Vec<OpeningRow>> {
    // The import's own reader: a row's number as the spreadsheet shows it, and a cell under no
    // column name refused rather than dropped.
    let table = TextTable::read(text.as_bytes())?;
    let column = |names: &[&str]| table.column(names);
    let code_col = column(&["科目编码", "code"]).ok_or_else(|| Error::csv(1, "科目编码", "缺少此列（或 code）"))?;
    let debit_col = column(&["借方余额", "借方", "debit"]).ok_or_else(|| Error::csv(1, "借方余额", "缺少此列（或 debit）"))?;
    let credit_col = column(&["贷方余额", "贷方", "credit"]).ok_or_else(|| Error::csv(1, "贷方余额", "缺少此列（或 credit）"))?;
    let year_cols = (column(&["本年累计借方", "year_debit"]), column(&["本年累计贷方", "year_credit"]));
    let mut per_account: BTreeMap<AccountId, OpeningRow> = BTreeMap::new();
    let (mut debit_total, mut credit_total) = (Fen::ZERO, Fen::ZERO);
    let (mut year_debit_total, mut year_credit_total) = (Fen::ZERO, Fen::ZERO);
    for record in &table.rows {
        let row = record.number;
        let code = record.cell(Some(code_col));
        let account = AccountCode::parse(code)
            .and_then(|c| book.chart.get(&c))
            .ok_or_else(|| Error::csv(row, "科目编码", format!("科目“{code}”不存在")))?;
        if !account.is_leaf {
            return Err(Error::csv(row, "科目编码", format!("科目 {code}（{}）不是末级科目，请填到其下级科目", account.name)));
        }
        let amount = |col: Option<usize>, name: &str| -> Result<Fen> {
            let text = record.cell(col);
            if text.is_empty() {
                return Ok(Fen::ZERO);
            }
            let fen = Fen::parse(text).map_err(|e| Error::csv(row, name, format!("“{text}”{e}")))?;
            if fen.0 < 0 {
                return Err(Error::csv(row, name, "余额不能为负数，请填在另一方向"));
            }
            Ok(fen)
        };
        let debit = amount(Some(debit_col), "借方余额")?;
        let credit = amount(Some(credit_col), "贷方余额")?;
        if !debit.is_zero() && !credit.is_zero() {
            // Netted, the two would vanish (or keep only their difference) without a word.
            return Err(Error::csv(
                row,
                "贷方余额",
                format!(
                    "科目 {code} 同时填了借方余额 {debit} 和贷方余额 {credit}；一个科目的期初余额只有一个方向，请只填一方。未导入任何一行"
                ),
            ));
        }
        let (year_debit, year_credit) = (amount(year_cols.0, "本年累计借方")?, amount(year_cols.1, "本年累计贷方")?);
        if book.start_period().month() == 1 && !(year_debit.is_zero() && year_credit.is_zero()) {
            return Err(Error::csv(row, "本年累计借方", format!("账套从 {} 启用，年初建账没有本年累计发生额", book.start_period())));
        }
        debit_total += debit;
        credit_total += credit;
        year_debit_total += year_debit;
        year_credit_total += year_credit;
        let id = book.account_id(code).ok_or_else(|| Error::csv(row, "科目编码", format!("科目“{code}”不存在")))?;
        let o = per_account.entry(id).or_insert(OpeningRow { account_id: id, balance_fen: 0, year_debit_fen: 0, year_credit_fen: 0 });
        o.balance_fen += debit.0 - credit.0;
        o.year_debit_fen += year_debit.0;
        o.year_credit_fen += year_credit.0;
    }
    if debit_total != credit_total {
        return Err(Error::OpeningUnbalanced { debit: debit_total, credit: credit_total });
    }
    if year_debit_total != year_credit_total {
        return Err(Error::invalid("本年累计", format!("本年累计借方合计 {year_debit_total} 与贷方合计 {year_credit_total} 不等")));
    }
    Ok(per_account.into_values().filter(|o| o.balance_fen != 0 || o.year_debit_fen != 0 || o.year_credit_fen != 0).collect())
}
