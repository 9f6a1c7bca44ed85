//! 递延收益 kept honest (小企业会计准则 第62条): what a deferred program has released never
//! outruns what it has received and spent on eligible costs, and what an ended program still
//! holds is settled, never left in 递延收益 silently.
//!
//! A withdrawal of a receipt or of an eligible expense after its month was released takes the
//! excess back in its own transaction (借 营业外收入—政府补助 贷 递延收益—政府补助), so the next
//! month's release starts from the truth. An ended program's balance is either returned to the
//! treasury (借 递延收益 贷 其他应付款—应退财政资金, then paid from the bank) or carried over by a
//! recorded decision.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::reconcile::Side;
use super::rows::ProgramRow;
use super::store::{SubsidiesStore, SubsidiesTx};
use super::{program_by_key, Subsidies, Treatment};
use crate::access::store::AccessStore;
use crate::domain::ids::{CommunityId, ProgramId, VoucherId};
use crate::domain::limits::required_text;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::seal::wings::{seal_and_post, stage};
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::Dimensions;
use crate::ledger::{check_period_open, two_lines, ApprovedVoucher, Book};
use crate::store::{PgTx, SqliteTx, Tx};

/// 其他应付款—应退财政资金: what an ended program returns to the treasury, until it is paid.
pub const REFUND_PAYABLE: &str = "224104";
const DEFERRED: &str = "240101";

/// How an ended program's balance was settled: 退回财政 or 结转使用.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SettlementKind {
    Return,
    CarryOver,
}

impl SettlementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SettlementKind::Return => "return",
            SettlementKind::CarryOver => "carry_over",
        }
    }

    pub fn parse(code: &str) -> Option<SettlementKind> {
        [SettlementKind::Return, SettlementKind::CarryOver].into_iter().find(|k| k.as_str() == code)
    }
}

crate::store::text_enum!(SettlementKind);

/// How an ended program's balance was settled.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct SettlementRow {
    pub program_id: ProgramId,
    pub kind: SettlementKind,
    pub amount_fen: i64,
    pub decision: String,
    pub settled_on: NaiveDate,
    pub voucher_id: Option<VoucherId>,
}

/// A program's deferred money as things stand: received and eligible spending (withdrawn rows
/// left out), released net of take-backs, and what a settlement moved out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Deferred {
    pub received_fen: i64,
    pub eligible_spent_fen: i64,
    pub released_fen: i64,
    pub returned_fen: i64,
}

impl Deferred {
    /// What the program may have released: its eligible spending, within what it received.
    pub fn releasable_fen(&self) -> i64 {
        self.eligible_spent_fen.min(self.received_fen)
    }

    /// What was released beyond that (pure): the take-back a withdrawal owes.
    pub fn excess_fen(&self) -> i64 {
        (self.released_fen - self.releasable_fen()).max(0)
    }

    /// What the program still holds in 递延收益.
    pub fn balance_fen(&self) -> i64 {
        self.received_fen - self.released_fen - self.returned_fen
    }
}

crate::wing_tx! {
    pub trait SettlementTx: Send {
        /// (period, amount) of each take-back of the program.
        fn takebacks(&mut self, community_id: CommunityId, program_id: ProgramId) -> impl Future<Output = Result<Vec<(Period, i64)>>> + Send;
        #[allow(clippy::too_many_arguments)]
        fn insert_takeback(
            &mut self,
            community_id: CommunityId,
            program_id: ProgramId,
            side: Side,
            row_id: i64,
            period: Period,
            amount_fen: i64,
            voucher_id: VoucherId,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        fn settlement(
            &mut self,
            community_id: CommunityId,
            program_id: ProgramId,
        ) -> impl Future<Output = Result<Option<SettlementRow>>> + Send;
        fn insert_settlement(
            &mut self,
            community_id: CommunityId,
            s: &SettlementRow,
            by: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
        /// The refund's date and voucher, once paid.
        fn refund(&mut self, community_id: CommunityId, program_id: ProgramId)
            -> impl Future<Output = Result<Option<(NaiveDate, i64)>>> + Send;
        #[allow(clippy::too_many_arguments)]
        fn insert_refund(
            &mut self,
            community_id: CommunityId,
            program_id: ProgramId,
            amount_fen: i64,
            paid_on: NaiveDate,
            voucher_id: VoucherId,
            by: &str,
            at: DateTime<Utc>,
        ) -> impl Future<Output = Result<()>> + Send;
    }
}

macro_rules! impl_settlement_tx {
    ($tx_type:ty) => {
        impl SettlementTx for $tx_type {
            async fn takebacks(&mut self, community_id: CommunityId, program_id: ProgramId) -> Result<Vec<(Period, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT period, amount_fen FROM subsidy_release_takebacks WHERE community_id = $1 AND program_id = $2 ORDER BY period",
                )
                .bind(community_id)
                .bind(program_id)
                .fetch_all(&mut *self.tx)
                .await?)
            }

            async fn insert_takeback(
                &mut self,
                community_id: CommunityId,
                program_id: ProgramId,
                side: Side,
                row_id: i64,
                period: Period,
                amount_fen: i64,
                voucher_id: VoucherId,
                at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO subsidy_release_takebacks (community_id, program_id, side, row_id, period, amount_fen, voucher_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(community_id)
                .bind(program_id)
                .bind(side)
                .bind(row_id)
                .bind(period)
                .bind(amount_fen)
                .bind(voucher_id)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn settlement(&mut self, community_id: CommunityId, program_id: ProgramId) -> Result<Option<SettlementRow>> {
                Ok(sqlx::query_as(
                    "SELECT program_id, kind, amount_fen, decision, settled_on, voucher_id FROM subsidy_settlements
                     WHERE community_id = $1 AND program_id = $2",
                )
                .bind(community_id)
                .bind(program_id)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn insert_settlement(&mut self, community_id: CommunityId, s: &SettlementRow, by: &str, at: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "INSERT INTO subsidy_settlements (community_id, program_id, kind, amount_fen, decision, settled_on, voucher_id, settled_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(community_id)
                .bind(s.program_id)
                .bind(s.kind)
                .bind(s.amount_fen)
                .bind(&s.decision)
                .bind(s.settled_on)
                .bind(s.voucher_id)
                .bind(by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn refund(&mut self, community_id: CommunityId, program_id: ProgramId) -> Result<Option<(NaiveDate, i64)>> {
                Ok(sqlx::query_as("SELECT paid_on, voucher_id FROM subsidy_refunds WHERE community_id = $1 AND program_id = $2")
                    .bind(community_id)
                    .bind(program_id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn insert_refund(
                &mut self,
                community_id: CommunityId,
                program_id: ProgramId,
                amount_fen: i64,
                paid_on: NaiveDate,
                voucher_id: VoucherId,
                by: &str,
                at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO subsidy_refunds (community_id, program_id, amount_fen, paid_on, voucher_id, paid_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(community_id)
                .bind(program_id)
                .bind(amount_fen)
                .bind(paid_on)
                .bind(voucher_id)
                .bind(by)
                .bind(at)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }
        }
    };
}

impl_settlement_tx!(SqliteTx);
impl_settlement_tx!(PgTx);

/// A program's deferred money to date, `leaving` out one row about to be withdrawn.
pub(crate) async fn deferred_of<T: SubsidiesTx>(
    tx: &mut T,
    community_id: CommunityId,
    p: &ProgramRow,
    leaving: Option<(Side, i64)>,
) -> Result<Deferred> {
    let end_of_time = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");
    let eligible = p.eligible_categories()?;
    let kept = |side: Side, id: i64| leaving != Some((side, id));
    let received_fen = tx
        .receipts(community_id, p.id, end_of_time)
        .await?
        .iter()
        .filter(|r| !r.withdrawn && kept(Side::Receipt, r.id.0))
        .map(|r| r.amount_fen)
        .sum();
    let eligible_spent_fen = tx
        .expenses_of_program(community_id, p.id, end_of_time)
        .await?
        .iter()
        .filter(|e| !e.withdrawn && eligible.contains(&e.category) && kept(Side::Spending, e.id.0))
        .map(|e| e.amount_fen)
        .sum();
    let released: i64 = tx.releases(community_id, p.id).await?.iter().map(|r| r.amount_fen).sum();
    let taken_back: i64 = tx.takebacks(community_id, p.id).await?.iter().map(|(_, fen)| fen).sum();
    let returned_fen = tx.settlement(community_id, p.id).await?.filter(|s| s.kind == SettlementKind::Return).map_or(0, |s| s.amount_fen);
    Ok(Deferred { received_fen, eligible_spent_fen, released_fen: released - taken_back, returned_fen })
}

/// Before a deferred program's receipt or expense is withdrawn: takes back what was released
/// beyond what the program keeps (posted first, so that 递延收益 never passes through debit).
pub(crate) async fn take_back_before_withdrawal<T: SubsidiesTx + LedgerTx>(
    tx: &mut T,
    book: &Book,
    p: &ProgramRow,
    withdrawn: (Side, i64),
    date: NaiveDate,
    user: &str,
) -> Result<Option<Fen>> {
    if p.treatment != Treatment::Deferred {
        return Ok(None);
    }
    let excess = deferred_of(tx, book.row.community_id, p, Some(withdrawn)).await?.excess_fen();
    if excess == 0 {
        return Ok(None);
    }
    let summary = format!("冲回{}（{}）多结转的补贴收入：{}撤回", p.purpose, p.document_no, withdrawn.0.label());
    let dims = Dimensions { subsidy_program_id: Some(p.id), ..Dimensions::default() };
    let lines = two_lines(&summary, super::subsidy_income_account(book), DEFERRED, Fen(excess), &dims);
    let voucher_id = stage(tx, book, &ApprovedVoucher::generated(date, lines, user)).await?;
    let (side, row_id) = withdrawn;
    tx.insert_takeback(book.row.community_id, p.id, side, row_id, Period::of_date(date), excess, voucher_id, Utc::now()).await?;
    seal_and_post(tx, book, voucher_id, user).await?;
    Ok(Some(Fen(excess)))
}

/// How an ended program's balance is settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settle<'a> {
    /// 退回财政: 借 递延收益 贷 其他应付款—应退财政资金, paid later by `refund`.
    Return { document: &'a str },
    /// 结转使用: kept by a decision of the company (and the finance office), recorded.
    CarryOver { decision: &'a str },
}

impl<S: SubsidiesStore + AccessStore> Subsidies<S> {
    /// 结余处理: settles what an ended deferred program still holds, on `date` (on or after its
    /// end), once.
    pub async fn settle(&self, book: &Book, program: &str, how: Settle<'_>, date: NaiveDate, user: &str) -> Result<SettlementRow> {
        let mut tx = self.store().begin().await?;
        let p = program_by_key(&mut tx, book.row.community_id, program).await?;
        if p.book_id != book.id() || p.treatment != Treatment::Deferred {
            return Err(Error::invalid("补贴项目", format!("{} 不是本账套按递延收益核算的项目，无须结余处理", p.title())));
        }
        if date < p.ends_on {
            return Err(Error::invalid("处理日期", format!("{date} 项目尚未结束（截止 {}），结余须在项目结束后处理", p.ends_on)));
        }
        if tx.settlement(book.row.community_id, p.id).await?.is_some() {
            return Err(Error::Conflict(format!("项目 {} 的结余已处理", p.title())));
        }
        check_period_open(&mut tx, book, date).await?;
        let balance = deferred_of(&mut tx, book.row.community_id, &p, None).await?.balance_fen();
        if balance <= 0 {
            return Err(Error::invalid("补贴项目", format!("项目 {} 在递延收益中没有结余", p.title())));
        }
        let (kind, decision, voucher_id) = match how {
            Settle::Return { document } => {
                let document = required_text("退回文件", document, 200)?;
                if book.account_id(REFUND_PAYABLE).is_none() {
                    return Err(Error::invalid("退回财政", format!("账套没有科目 {REFUND_PAYABLE} 其他应付款—应退财政资金，请先增设")));
                }
                let summary = format!("{}（{}）结余退回财政：{document}", p.purpose, p.document_no);
                let dims = Dimensions { subsidy_program_id: Some(p.id), ..Dimensions::default() };
                let lines = two_lines(&summary, DEFERRED, REFUND_PAYABLE, Fen(balance), &dims);
                (SettlementKind::Return, document, Some(stage(&mut tx, book, &ApprovedVoucher::generated(date, lines, user)).await?))
            }
            Settle::CarryOver { decision } => (SettlementKind::CarryOver, required_text("结转决议", decision, 200)?, None),
        };
        let row =
            SettlementRow { program_id: p.id, kind, amount_fen: balance, decision: decision.to_string(), settled_on: date, voucher_id };
        tx.insert_settlement(book.row.community_id, &row, user, Utc::now()).await?;
        crate::fees::seal::master::record(&mut tx, book.row.community_id, &[crate::fees::seal::master::MasterKind::Settlement]).await?;
        if let Some(voucher_id) = voucher_id {
            seal_and_post(&mut tx, book, voucher_id, user).await?;
        }
        tx.commit().await?;
        Ok(row)
    }

    /// 退款: pays the treasury what a settlement returned, from the book's bank account.
    pub async fn refund(&self, book: &Book, program: &str, date: NaiveDate, user: &str) -> Result<Fen> {
        let mut tx = self.store().begin().await?;
        let p = program_by_key(&mut tx, book.row.community_id, program).await?;
        let settled = tx.settlement(book.row.community_id, p.id).await?.filter(|s| s.kind == SettlementKind::Return);
        let Some(settled) = settled else {
            return Err(Error::invalid("补贴项目", format!("项目 {} 没有退回财政的结余处理", p.title())));
        };
        if let Some((paid_on, _)) = tx.refund(book.row.community_id, p.id).await? {
            return Err(Error::Conflict(format!("项目 {} 的结余已于 {paid_on} 退回", p.title())));
        }
        if date < settled.settled_on {
            return Err(Error::invalid("退款日期", format!("{date} 早于结余处理日期 {}", settled.settled_on)));
        }
        let bank = super::movements::bank_account(book, None)?;
        let summary = format!("退回{}（{}）结余至财政：{}", p.purpose, p.document_no, settled.decision);
        let dims = Dimensions { subsidy_program_id: Some(p.id), ..Dimensions::default() };
        let lines = two_lines(&summary, REFUND_PAYABLE, &bank, Fen(settled.amount_fen), &dims);
        let voucher_id = stage(&mut tx, book, &ApprovedVoucher::generated(date, lines, user)).await?;
        tx.insert_refund(book.row.community_id, p.id, settled.amount_fen, date, voucher_id, user, Utc::now()).await?;
        seal_and_post(&mut tx, book, voucher_id, user).await?;
        tx.commit().await?;
        Ok(Fen(settled.amount_fen))
    }

    /// What each ended deferred program of the book still holds and how it was settled: a
    /// program with a balance and no settlement is one the accountant must settle.
    pub async fn deferred_status(&self, book: &Book, today: NaiveDate) -> Result<Vec<(ProgramRow, Deferred, Option<SettlementRow>)>> {
        let mut tx = self.store().read().await?;
        let mut out = Vec::new();
        for p in tx.programs(book.row.community_id).await? {
            if p.book_id != book.id() || p.treatment != Treatment::Deferred || today < p.ends_on {
                continue;
            }
            let figures = deferred_of(&mut tx, book.row.community_id, &p, None).await?;
            let settled = tx.settlement(book.row.community_id, p.id).await?;
            out.push((p, figures, settled));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Deferred;

    #[test]
    fn the_excess_is_what_was_released_beyond_eligible_spending_within_receipts() {
        let d = Deferred { received_fen: 100_000, eligible_spent_fen: 60_000, released_fen: 60_000, returned_fen: 0 };
        assert_eq!((d.excess_fen(), d.balance_fen()), (0, 40_000));
        // The receipt withdrawn after 60,000 was released: 60,000 goes back.
        let gone = Deferred { received_fen: 0, ..d };
        assert_eq!(gone.excess_fen(), 60_000);
        // An eligible expense of 20,000 withdrawn: 20,000 goes back.
        let less = Deferred { eligible_spent_fen: 40_000, ..d };
        assert_eq!(less.excess_fen(), 20_000);
    }
}
