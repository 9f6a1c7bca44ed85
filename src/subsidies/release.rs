//! 递延收益 released month by month (小企业会计准则 第七十一条: a grant for costs to come is
//! deferred and recognised as 营业外收入 as those costs are incurred): for each deferred program
//! of the book, one voucher per month, 借 递延收益—政府补助 贷 营业外收入, of the month's eligible
//! spending tagged to it, never beyond what the program has received.

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use super::rows::ReleaseRow;
use super::settlement::SettlementTx;
use super::store::{SubsidiesStore, SubsidiesTx};
use super::{Subsidies, Treatment};
use crate::access::store::AccessStore;
use crate::domain::ids::ProgramId;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::seal::wings::{seal_and_post, stage};
use crate::ledger::voucher::Dimensions;
use crate::ledger::{check_period_open, two_lines, ApprovedVoucher, Book};
use crate::spending::store::SpendingTx;
use crate::store::Tx;

/// What a month's release did for one program.
#[derive(Clone, Debug, Serialize)]
pub struct Release {
    pub program_id: ProgramId,
    pub document_no: String,
    pub period: String,
    pub amount: Fen,
    /// "2025-03 记-0012", or why nothing was released.
    pub outcome: String,
}

/// The release of month `period` (pure): what the program's eligible spending to the month's
/// end calls for, capped by what it has received by then, less what earlier months released.
pub fn release_fen(eligible_spent_to_date: i64, received_to_date: i64, released_before: i64) -> i64 {
    (eligible_spent_to_date.min(received_to_date) - released_before).max(0)
}

impl<S: SubsidiesStore + AccessStore> Subsidies<S> {
    /// 结转递延收益: the month's release voucher of every deferred program of the book, posted
    /// in one transaction; a program already released for the month is left as it is.
    pub async fn release(&self, book: &Book, period: Period, user: &str) -> Result<Vec<Release>> {
        let month_end: NaiveDate = period.last_day();
        let mut tx = self.store().begin().await?;
        check_period_open(&mut tx, book, month_end).await?;
        let programs = tx.programs(book.row.community_id).await?;
        let mut out = Vec::new();
        for p in programs.iter().filter(|p| p.book_id == book.id() && p.treatment == Treatment::Deferred) {
            let released = tx.releases(book.row.community_id, p.id).await?;
            let mut release = Release {
                program_id: p.id,
                document_no: p.document_no.clone(),
                period: period.to_string(),
                amount: Fen(0),
                outcome: String::new(),
            };
            if released.iter().any(|r| r.period == period) {
                release.outcome = "本月已结转".into();
                out.push(release);
                continue;
            }
            let next = month_end.succ_opt().unwrap_or(month_end);
            let eligible = p.eligible_categories()?;
            let spent: i64 = tx
                .expenses_of_program(book.row.community_id, p.id, next)
                .await?
                .iter()
                .filter(|e| !e.withdrawn && eligible.contains(&e.category))
                .map(|e| e.amount_fen)
                .sum();
            let received: i64 =
                tx.receipts(book.row.community_id, p.id, next).await?.iter().filter(|r| !r.withdrawn).map(|r| r.amount_fen).sum();
            // Released before the month, net of what withdrawals took back (settlement.rs).
            let taken_back: i64 =
                tx.takebacks(book.row.community_id, p.id).await?.iter().filter(|(at, _)| *at <= period).map(|(_, fen)| fen).sum();
            let before: i64 = released.iter().filter(|r| r.period < period).map(|r| r.amount_fen).sum::<i64>() - taken_back;
            let fen = release_fen(spent, received, before);
            if fen == 0 {
                release.outcome = "本月无可结转的合规支出".into();
                out.push(release);
                continue;
            }
            let summary = format!("结转{}（{}）{period}补贴收入", p.purpose, p.document_no);
            let dims = Dimensions { subsidy_program_id: Some(p.id), ..Dimensions::default() };
            let voucher = ApprovedVoucher::generated(
                month_end,
                two_lines(&summary, "240101", super::subsidy_income_account(book), Fen(fen), &dims),
                user,
            );
            let voucher_id = stage(&mut tx, book, &voucher).await?;
            let row = ReleaseRow { program_id: p.id, period, amount_fen: fen, voucher_id };
            tx.insert_release(book.row.community_id, &row, Utc::now()).await?;
            let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
            release.amount = Fen(fen);
            release.outcome = format!("{} {}", posted.period, posted.label);
            out.push(release);
        }
        tx.commit().await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::release_fen;

    #[test]
    fn a_month_releases_its_spending_within_what_was_received() {
        assert_eq!(release_fen(30_000, 100_000, 0), 30_000);
        // Spending ahead of the money: released as the money arrives.
        assert_eq!(release_fen(130_000, 100_000, 30_000), 70_000);
        assert_eq!(release_fen(130_000, 200_000, 100_000), 30_000);
        // A withdrawn expense never makes a release negative.
        assert_eq!(release_fen(20_000, 100_000, 30_000), 0);
    }
}
