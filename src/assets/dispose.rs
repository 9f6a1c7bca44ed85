//! Disposing of a card (出售, 报废, 毁损), once: its depreciation of the month it leaves (当月减少
//! 的固定资产当月照提, 小企业会计准则 第三十一条), the disposal through 固定资产清理 with its
//! proceeds and gain or loss, and the rest of the grant that paid for it, if any, released at
//! once (the asset it was for is gone). From the next month on, runs leave the card out.

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use super::depreciate::{month_row, release, stage_one};
use super::store::{AssetsStore, AssetsTx, NewDisposal};
use super::{accounts, disposal_lines, due_fen, Assets};
use crate::domain::limits::{required_text, MAX_AMOUNT_FEN};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::seal::wings::seal_and_post;
use crate::ledger::voucher::{Dimensions, LineInput};
use crate::ledger::{check_period_open, period_text, Book};
use crate::store::Tx;

#[derive(Clone, Debug)]
pub struct DisposalInput<'a> {
    pub code: &'a str,
    pub date: NaiveDate,
    pub proceeds: Fen,
    pub reason: &'a str,
}

/// What a disposal did.
#[derive(Clone, Debug, Serialize)]
pub struct Disposed {
    pub code: String,
    pub accumulated: Fen,
    pub net: Fen,
    /// Proceeds − net value: a gain when above zero, a loss below.
    pub gain: Fen,
    /// The vouchers posted: the month's depreciation (if due), the disposal, the grant's rest.
    pub vouchers: Vec<String>,
}

impl<S: AssetsStore> Assets<S> {
    /// 固定资产处置.
    pub async fn dispose(&self, book: &Book, input: &DisposalInput<'_>, user: &str) -> Result<Disposed> {
        let reason = required_text("处置原因", input.reason, 200)?;
        if input.proceeds.0 < 0 || input.proceeds.0 > MAX_AMOUNT_FEN {
            return Err(Error::invalid("处置收入", format!("须不小于零且不超过 {}，现为 {}", Fen(MAX_AMOUNT_FEN), input.proceeds)));
        }
        let date = input.date;
        let mut tx = self.ledger.store.begin().await?;
        check_period_open(&mut tx, book, date).await?;
        let cards = tx.assets(book.key()).await?;
        let code = input.code.trim();
        let card = cards.iter().find(|c| c.code == code);
        let card = card.ok_or_else(|| Error::invalid("卡片编号", format!("账套 {} 没有编号为“{code}”的固定资产", book.row.code)))?;
        if let Some(on) = card.disposed_on {
            return Err(Error::Conflict(format!("固定资产 {} {} 已于 {on} 处置，不能再次处置", card.code, card.name)));
        }
        if date < card.in_service_on {
            return Err(Error::invalid("处置日期", format!("{date} 早于启用日期 {}", card.in_service_on)));
        }
        let period = Period::of_date(date);
        if let Some(last) = tx.last_run(book.key()).await?.filter(|last| *last > period.key()) {
            return Err(Error::invalid("处置日期", format!("账套已计提至 {} 的折旧，{date} 处置将使其后各月多提折旧", period_text(last))));
        }
        let mut vouchers = Vec::new();
        let due = due_fen(&card.terms(), card.in_service_on, period, card.accumulated_fen);
        if due > 0 {
            let text = format!("计提{period}固定资产折旧（{} 本月处置）", card.name);
            let a = accounts(book);
            let lines = vec![
                LineInput::new(text.clone(), &card.expense_account, Fen(due), Fen(0), Dimensions::default()),
                LineInput::new(text, a.accumulated, Fen(0), Fen(due), Dimensions::default()),
            ];
            let voucher_id = stage_one(&mut tx, book, date, lines, user).await?;
            tx.insert_depreciations(book.key(), &[month_row(card.id, period, due, voucher_id)]).await?;
            let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
            vouchers.push(format!("{} {}", posted.period, posted.label));
        }
        let accumulated = card.accumulated_fen + due;
        let lines = disposal_lines(&accounts(book), &card.name, card.original_fen, accumulated, input.proceeds.0);
        let voucher_id = stage_one(&mut tx, book, date, lines, user).await?;
        let row = NewDisposal {
            asset_id: card.id,
            disposed_on: date,
            accumulated_fen: accumulated,
            proceeds_fen: input.proceeds.0,
            reason,
            voucher_id,
            disposed_by: user,
        };
        tx.insert_disposal(book.row.community_id, &row, Utc::now()).await?;
        let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
        vouchers.push(format!("{} {}", posted.period, posted.label));
        if let Some((_, label)) = release(&mut tx, book, date, &[(card, accumulated)], "disposal", user).await? {
            vouchers.push(label);
        }
        tx.commit().await?;
        let net = card.original_fen - accumulated;
        Ok(Disposed { code: card.code.clone(), accumulated: Fen(accumulated), net: Fen(net), gain: Fen(input.proceeds.0 - net), vouchers })
    }
}
