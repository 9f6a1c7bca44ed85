//! A book's month of depreciation: one voucher (借 each card's cost account, summed per account,
//! 贷 累计折旧), a row per card, and, for the cards a grant paid for, the grant's release in
//! step (借 递延收益—政府补助 贷 营业外收入—政府补助) as a second voucher. Once per month; never into
//! a closed month, nor before a month already done.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use super::store::{AssetRow, AssetsStore, AssetsTx, MonthRow, RunRow};
use super::{accounts, depreciation_lines, due_fen, release_target_fen, Assets};
use crate::domain::ids::{AssetId, ProgramId, VoucherId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::seal::wings::{seal_and_post, stage};
use crate::ledger::voucher::{Dimensions, LineInput};
use crate::ledger::{check_period_open, two_lines, ApprovedVoucher, Book};
use crate::store::Tx;
use crate::subsidies::store::SubsidiesTx;

/// What a month's run did.
#[derive(Clone, Debug, Serialize)]
pub struct MonthRun {
    pub period: String,
    pub cards: usize,
    pub depreciation: Fen,
    /// "2025-02 记-0003", or None when nothing was due.
    pub voucher: Option<String>,
    pub released: Fen,
    pub release_voucher: Option<String>,
}

impl<S: AssetsStore> Assets<S> {
    /// 计提折旧: the month's depreciation of every card of the book in use, in one transaction.
    pub async fn depreciate(&self, book: &Book, period: Period, user: &str) -> Result<MonthRun> {
        let month_end = period.last_day();
        let mut tx = self.ledger.store.begin().await?;
        check_period_open(&mut tx, book, month_end).await?;
        if let Some(done) = tx.run_of(book.key(), period.key()).await? {
            return Err(Error::Conflict(format!(
                "账套 {} 的 {period} 固定资产折旧已计提（合计 {}，{} 经办），不再重复计提",
                book.row.code,
                Fen(done.amount_fen),
                done.created_by
            )));
        }
        if let Some(last) = tx.last_run(book.key()).await?.filter(|last| *last > period.key()) {
            return Err(Error::invalid(
                "期间",
                format!("账套 {} 已计提至 {}，不能再计提更早的 {period}", book.row.code, crate::ledger::period_text(last)),
            ));
        }
        let cards = tx.assets(book.key()).await?;
        let due = month_plan(&cards, period);
        let mut run = MonthRun {
            period: period.to_string(),
            cards: due.len(),
            depreciation: Fen(0),
            voucher: None,
            released: Fen(0),
            release_voucher: None,
        };
        let plan: Vec<(String, i64)> = due.iter().map(|(c, fen)| (c.expense_account.clone(), *fen)).collect();
        let Some(lines) = depreciation_lines(&accounts(book), period, &plan) else {
            return Ok(run);
        };
        let voucher_id = stage_one(&mut tx, book, month_end, lines, user).await?;
        let total: i64 = plan.iter().map(|(_, fen)| fen).sum();
        let row = RunRow { period: period.key(), amount_fen: total, voucher_id, created_by: user.to_string() };
        tx.insert_run(book.key(), &row, Utc::now()).await?;
        let rows: Vec<MonthRow> = due.iter().map(|(c, fen)| month_row(c.id, period, *fen, voucher_id)).collect();
        tx.insert_depreciations(book.key(), &rows).await?;
        // The voucher seals the run and every card's month.
        let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
        (run.depreciation, run.voucher) = (Fen(total), Some(format!("{} {}", posted.period, posted.label)));
        let after = funded_after(&cards, &due);
        if let Some((released, label)) = release(&mut tx, book, month_end, &after, "depreciation", user).await? {
            (run.released, run.release_voucher) = (released, Some(label));
        }
        tx.commit().await?;
        Ok(run)
    }
}

/// The cards that depreciate in `period` and by how much (pure): in use during the month (a card
/// disposed of in it is still depreciated: 小企业会计准则 第三十一条), with something due.
pub fn month_plan(cards: &[AssetRow], period: Period) -> Vec<(&AssetRow, i64)> {
    cards
        .iter()
        .filter(|c| c.disposed_on.is_none_or(|d| d >= period.first_day()))
        .map(|c| (c, due_fen(&c.terms(), c.in_service_on, period, c.accumulated_fen)))
        .filter(|(_, fen)| *fen > 0)
        .collect()
}

/// Every card in use that a grant paid for, with its accumulated depreciation once the month's
/// run is booked: a card fully depreciated still catches up a release the program's money held
/// back.
fn funded_after<'c>(cards: &'c [AssetRow], due: &[(&AssetRow, i64)]) -> Vec<(&'c AssetRow, i64)> {
    let due: BTreeMap<AssetId, i64> = due.iter().map(|(c, fen)| (c.id, *fen)).collect();
    cards
        .iter()
        .filter(|c| c.program_id.is_some() && c.disposed_on.is_none())
        .map(|c| (c, c.accumulated_fen + due.get(&c.id).copied().unwrap_or(0)))
        .collect()
}

pub(super) fn month_row(asset_id: AssetId, period: Period, amount_fen: i64, voucher_id: VoucherId) -> MonthRow {
    MonthRow { asset_id, period: period.key(), amount_fen, voucher_id, program_id: ProgramId(0), kind: "depreciation" }
}

/// A generated voucher staged for the rows that name it (`seal_and_post` posts it).
pub(super) async fn stage_one<T: AssetsTx>(
    tx: &mut T,
    book: &Book,
    date: NaiveDate,
    lines: Vec<LineInput>,
    user: &str,
) -> Result<VoucherId> {
    stage(tx, book, &ApprovedVoucher::generated(date, lines, user)).await
}

/// The release of the grants that paid for `cards` (each with its accumulated depreciation once
/// this voucher is booked): up to what the depreciation calls for (or, `kind` 'disposal', all
/// that is left), never beyond what the program has received to date, so 递延收益 is never
/// released before it is there. One voucher, a line pair per program; None when nothing is due.
pub(super) async fn release<T: AssetsTx + SubsidiesTx>(
    tx: &mut T,
    book: &Book,
    on: NaiveDate,
    cards: &[(&AssetRow, i64)],
    kind: &'static str,
    user: &str,
) -> Result<Option<(Fen, String)>> {
    let community = book.row.community_id;
    let period = Period::of_date(on);
    let until = on.succ_opt().unwrap_or(on);
    let mut available: BTreeMap<ProgramId, i64> = BTreeMap::new();
    let mut rows = Vec::new();
    for (card, accumulated) in cards {
        let Some(program_id) = card.program_id else { continue };
        if let Entry::Vacant(slot) = available.entry(program_id) {
            let receipts = tx.receipts(community, program_id, until).await?;
            let received: i64 = receipts.iter().filter(|r| !r.withdrawn).map(|r| r.amount_fen).sum();
            slot.insert(received - tx.program_released(community, program_id).await?);
        }
        let target = if kind == "disposal" {
            card.funded_fen
        } else {
            release_target_fen(card.funded_fen, card.terms().depreciable_fen(), *accumulated)
        };
        let Some(left) = available.get_mut(&program_id) else { continue };
        let fen = (target - card.released_fen).min(*left).max(0);
        if fen > 0 {
            *left -= fen;
            rows.push(MonthRow { asset_id: card.id, period: period.key(), amount_fen: fen, voucher_id: VoucherId(0), program_id, kind });
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let mut by_program: BTreeMap<ProgramId, i64> = BTreeMap::new();
    for r in &rows {
        *by_program.entry(r.program_id).or_default() += r.amount_fen;
    }
    let income = crate::subsidies::subsidy_income_account(book);
    let summary = if kind == "disposal" {
        format!("固定资产处置，结转其余与资产相关的政府补助（{period}）")
    } else {
        format!("按{period}固定资产折旧结转与资产相关的政府补助")
    };
    let lines: Vec<LineInput> = by_program
        .iter()
        .flat_map(|(id, fen)| {
            two_lines(&summary, "240101", income, Fen(*fen), &Dimensions { subsidy_program_id: Some(*id), ..Dimensions::default() })
        })
        .collect();
    let voucher_id = stage_one(tx, book, on, lines, user).await?;
    let total: i64 = by_program.values().sum();
    rows.iter_mut().for_each(|r| r.voucher_id = voucher_id);
    tx.insert_releases(community, &rows).await?;
    let posted = seal_and_post(tx, book, voucher_id, user).await?;
    Ok(Some((Fen(total), format!("{} {}", posted.period, posted.label))))
}
