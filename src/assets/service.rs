//! Adding a card and listing a book's cards.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::store::{AssetRow, AssetsStore, AssetsTx, NewAsset};
use super::{accounts, months_through, Assets, Method, Terms};
use crate::domain::ids::ProgramId;
use crate::domain::limits::required_text;
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::ledger::Book;
use crate::render::table::{money_cell, Align, Table};
use crate::store::Tx;
use crate::subsidies::store::SubsidiesTx;
use crate::subsidies::Treatment;

/// A card as the accountant enters it.
#[derive(Clone, Debug)]
pub struct CardInput<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub category: &'a str,
    pub in_service_on: NaiveDate,
    pub original: Fen,
    pub life_months: i64,
    pub residual_rate_percent: Decimal,
    pub method: Method,
    /// The cost account of its depreciation; None: the chart's 管理费用.
    pub expense_account: Option<&'a str>,
    /// The subsidy program (文号 or number, treatment `asset`) that paid for it, and how much.
    pub program: Option<&'a str>,
    pub funded: Option<Fen>,
    /// 期初累计折旧 of a card in service before the book opened (required for one, refused
    /// for any other).
    pub opening_accumulated: Option<Fen>,
}

/// A card as the register lists it.
#[derive(Clone, Debug, Serialize)]
pub struct CardLine {
    pub card: AssetRow,
    pub net: Fen,
    /// Its straight-line monthly amount (the last month of its life takes the remainder).
    pub monthly: Fen,
}

impl<S: AssetsStore> Assets<S> {
    /// 新增固定资产卡片.
    pub async fn add(&self, book: &Book, input: &CardInput<'_>, user: &str) -> Result<AssetRow> {
        let code = required_text("卡片编号", input.code, 40)?;
        let name = required_text("资产名称", input.name, 100)?;
        let category = required_text("资产类别", input.category, 40)?;
        let terms = Terms::parse(input.original, input.life_months, input.residual_rate_percent)?;
        let expense_account = input.expense_account.map(str::trim).unwrap_or(accounts(book).default_expense);
        check_expense_account(book, expense_account)?;
        let opening_accumulated_fen = opening(book, input, &terms)?;
        let mut tx = self.ledger.store.begin().await?;
        let (program_id, funded_fen) = funding(&mut tx, book, input, terms.original_fen).await?;
        if program_id.is_some() && opening_accumulated_fen > 0 {
            // What the grant released in the books before is not known here, so its release
            // in step could not be told from what was already income.
            return Err(Error::invalid("补贴项目", "有期初累计折旧的资产不能关联补贴项目：其以前年度已结转的补助无从核对"));
        }
        let row = NewAsset {
            code,
            name,
            category,
            in_service_on: input.in_service_on,
            terms,
            opening_accumulated_fen,
            method: input.method,
            expense_account,
            program_id,
            funded_fen,
            created_by: user,
        };
        let id = tx.insert_asset(book.key(), &row, Utc::now()).await?;
        crate::fees::seal::master::record(&mut tx, book.row.community_id, &[crate::fees::seal::master::MasterKind::FixedAsset]).await?;
        let card = tx.asset(book.key(), id).await?.ok_or_else(|| Error::not_found(format!("卡片 #{id}")))?;
        tx.commit().await?;
        Ok(card)
    }

    /// A book's register: each card with its accumulated depreciation, net value and monthly
    /// amount.
    pub async fn list(&self, book: &Book) -> Result<Vec<CardLine>> {
        let mut tx = self.ledger.store.read().await?;
        let cards = tx.assets(book.key()).await?;
        Ok(cards
            .into_iter()
            .map(|card| {
                let terms = card.terms();
                CardLine { net: Fen(card.original_fen - card.accumulated_fen), monthly: Fen(terms.monthly_fen()), card }
            })
            .collect())
    }
}

/// A card in service before the book's first month depreciated in the books before: what it was
/// depreciated by is in the opening balance of 累计折旧, and the card must say so, or its first
/// month here would catch up its whole past. A card of the book's own time has none.
fn opening(book: &Book, input: &CardInput<'_>, terms: &Terms) -> Result<i64> {
    let start = book.start_period();
    let months_before = months_through(input.in_service_on, start.prev());
    match input.opening_accumulated {
        None if months_before > 0 => Err(Error::invalid(
            "期初累计折旧",
            format!(
                "启用日期 {} 早于账套启用期间 {start}：请填写截至 {} 的累计折旧（按年限平均法为 {}）",
                input.in_service_on,
                start.prev(),
                Fen(terms.planned_through(months_before))
            ),
        )),
        None => Ok(0),
        Some(fen) if months_before == 0 && fen.0 != 0 => {
            Err(Error::invalid("期初累计折旧", format!("启用日期 {} 不早于账套启用期间 {start}，不应有期初累计折旧", input.in_service_on)))
        }
        Some(fen) if fen.0 < 0 || fen.0 > terms.depreciable_fen() => {
            Err(Error::invalid("期初累计折旧", format!("须不小于零且不超过应计折旧额 {}，现为 {fen}", Fen(terms.depreciable_fen()))))
        }
        Some(fen) => Ok(fen.0),
    }
}

/// The expense account must be a leaf of the book's chart and a cost or expense (depreciation
/// is the cost of using the asset: 小企业会计准则 第三十条).
fn check_expense_account(book: &Book, code: &str) -> Result<()> {
    let account = book.chart.iter().find(|(c, _)| c.as_str() == code).map(|(_, a)| a);
    match account {
        None => Err(Error::invalid("费用科目", format!("账套 {} 没有科目 {code}", book.row.code))),
        Some(a) if !a.is_leaf => Err(Error::invalid("费用科目", format!("{code} {} 有明细科目，请选末级科目", a.name))),
        Some(a) if !matches!(a.class.as_str(), "cost" | "profit_and_loss") || a.normal_side.as_str() != "debit" => {
            Err(Error::invalid("费用科目", format!("{code} {} 不是成本或费用科目", a.name)))
        }
        Some(_) => Ok(()),
    }
}

/// The program that paid for the card, of this book and treated as a grant for an asset, and
/// the amount it funded (more than nothing, at most the original value).
async fn funding<T: SubsidiesTx>(tx: &mut T, book: &Book, input: &CardInput<'_>, original_fen: i64) -> Result<(Option<ProgramId>, i64)> {
    let (key, funded) = match (input.program, input.funded) {
        (None, None) => return Ok((None, 0)),
        (Some(key), Some(funded)) => (key, funded),
        (Some(_), None) => return Err(Error::invalid("补助金额", "指定了补贴项目，须同时填写项目出资的金额")),
        (None, Some(_)) => return Err(Error::invalid("补贴项目", "填写了补助金额，须同时指定补贴项目")),
    };
    let program = crate::subsidies::program_by_key(tx, book.row.community_id, key).await?;
    if program.book_id != book.id() {
        return Err(Error::invalid("补贴项目", format!("项目 {} 不属于账套 {}", program.title(), book.row.code)));
    }
    if program.treatment != Treatment::Asset {
        return Err(Error::invalid(
            "补贴项目",
            format!("项目 {} 的核算方式是“{}”，不是“{}”", program.document_no, program.treatment.label(), Treatment::Asset.label()),
        ));
    }
    if funded.0 <= 0 || funded.0 > original_fen {
        return Err(Error::invalid("补助金额", format!("须大于零且不超过原值 {}，现为 {funded}", Fen(original_fen))));
    }
    Ok((Some(program.id), funded.0))
}

impl CardLine {
    /// 固定资产卡片一览: code, name, category, in service, original, accumulated, net, monthly.
    pub fn table(book: &Book, lines: &[CardLine]) -> Table {
        let mut t = Table::new(
            format!("固定资产卡片一览（{}）", book.row.name),
            &[
                ("编号", Align::Left),
                ("名称", Align::Left),
                ("类别", Align::Left),
                ("启用日期", Align::Left),
                ("原值", Align::Right),
                ("累计折旧", Align::Right),
                ("净值", Align::Right),
                ("月折旧额", Align::Right),
                ("状态", Align::Left),
            ],
        );
        for l in lines {
            let c = &l.card;
            let state = c.disposed_on.map(|d| format!("{d} 已处置")).unwrap_or_else(|| "在用".into());
            t.rows.push(vec![
                c.code.clone(),
                c.name.clone(),
                c.category.clone(),
                c.in_service_on.to_string(),
                money_cell(c.original_fen),
                money_cell(c.accumulated_fen),
                money_cell(l.net.0),
                money_cell(l.monthly.0),
                state,
            ]);
        }
        t
    }
}
