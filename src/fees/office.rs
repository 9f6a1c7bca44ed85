//! The fee figures of many communities at once, for the street finance office's overview and the
//! district report (街道物业费汇总表): per community, its households, the month's billed and
//! collected (the collection report's 当期 figures of its "全部" line) and what is open at the
//! month's end (the aging report's total). Each figure is read from the maintained
//! `receivable_flows` in one grouped statement across the communities, which is what these
//! reads exist for (on Citus the one statement meant to span shards); a community's own reports
//! (`fees::reports`) stay the definition, and a test holds the two equal.

use std::collections::HashMap;

use crate::domain::ids::{BookKey, CommunityId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::Result;
use crate::fees::store::FeesStore;
use crate::fees::Fees;
use crate::render::table::{money_cell, Align, Table};
use crate::store::{id_literals, PgTx, SqliteTx};

/// One book's fee figures for a month, as the office reads them.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct OfficeFiguresRow {
    pub community_id: i64,
    pub book_id: i64,
    /// Bills of the month, less what was waived or cancelled of them within the month (当期应收).
    pub billed_fen: i64,
    /// Paid on the month's bills within the month (当期实收).
    pub collected_fen: i64,
    /// Open at the month's end, bills of every month (欠费合计, as the aging report's total).
    pub arrears_fen: i64,
}

crate::wing_tx! {
    pub trait OfficeTx: Send {
        /// The month's figures of each book in `books`, one grouped statement across them; a
        /// book with no figures up to the month has no row.
        fn office_figures(&mut self, books: &[BookKey], period: Period) -> impl Future<Output = Result<Vec<OfficeFiguresRow>>> + Send;
        /// How many households each of the communities has (a community with none: no row).
        fn household_counts(&mut self, communities: &[CommunityId]) -> impl Future<Output = Result<Vec<(i64, i64)>>> + Send;
        /// The latest month any of the books has billed (a reversed run counts: it was billed).
        fn latest_billed(&mut self, books: &[BookKey]) -> impl Future<Output = Result<Option<Period>>> + Send;
    }
}

/// `community_id IN (…) AND book_id IN (…)` for the books: integers written into the statement
/// (ids, never text from outside), so that one statement serves any number of books. It may also
/// pick another book of one of the communities; the callers keep only the books asked.
fn books_filter(books: &[BookKey]) -> String {
    format!(
        "community_id IN ({}) AND book_id IN ({})",
        id_literals(books.iter().map(|b| b.community_id.0)),
        id_literals(books.iter().map(|b| b.book_id.0))
    )
}

macro_rules! impl_office_tx {
    ($tx_type:ty) => {
        impl OfficeTx for $tx_type {
            async fn office_figures(&mut self, books: &[BookKey], period: Period) -> Result<Vec<OfficeFiguresRow>> {
                // The sums `fees::reports::collection` and `aging` make of the same rows, for one
                // month: billed of the month (any event up to it) less waived or cancelled in it;
                // paid on the month's bills in it; and every row signed (bills less what settled them).
                let sql = format!(
                    "SELECT community_id, book_id,
                            CAST(SUM(CASE WHEN bill_period = $1 AND (kind = 'billed' OR event_period = $1 AND kind IN ('waived', 'cancelled'))
                                          THEN CASE WHEN kind = 'billed' THEN amount_fen ELSE -amount_fen END ELSE 0 END) AS BIGINT) AS billed_fen,
                            CAST(SUM(CASE WHEN bill_period = $1 AND event_period = $1 AND kind = 'paid' THEN amount_fen ELSE 0 END) AS BIGINT) AS collected_fen,
                            CAST(SUM(CASE WHEN kind = 'billed' THEN amount_fen ELSE -amount_fen END) AS BIGINT) AS arrears_fen
                     FROM receivable_flows WHERE {} AND event_period <= $1
                     GROUP BY community_id, book_id",
                    books_filter(books)
                );
                Ok(sqlx::query_as(&sql).bind(period).fetch_all(&mut *self.tx).await?)
            }
            async fn household_counts(&mut self, communities: &[CommunityId]) -> Result<Vec<(i64, i64)>> {
                let list = id_literals(communities.iter().map(|c| c.0));
                let sql = format!("SELECT community_id, COUNT(*) FROM households WHERE community_id IN ({list}) GROUP BY community_id");
                Ok(sqlx::query_as(&sql).fetch_all(&mut *self.tx).await?)
            }
            async fn latest_billed(&mut self, books: &[BookKey]) -> Result<Option<Period>> {
                let sql = format!("SELECT community_id, book_id, MAX(period) FROM billing_runs WHERE {} GROUP BY community_id, book_id", books_filter(books));
                let rows: Vec<(i64, i64, Period)> = sqlx::query_as(&sql).fetch_all(&mut *self.tx).await?;
                Ok(rows.into_iter().filter(|(c, b, _)| books.iter().any(|k| k.community_id.0 == *c && k.book_id.0 == *b)).map(|r| r.2).max())
            }
        }
    };
}

impl_office_tx!(SqliteTx);
impl_office_tx!(PgTx);

/// One community's line of the overview and the district report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OfficeLine {
    pub id: CommunityId,
    pub name: String,
    pub street: String,
    pub households: usize,
    pub billed: Fen,
    pub collected: Fen,
    /// 当期收缴率, as the collection report rounds it; None when nothing was billed.
    pub rate: Option<String>,
    pub arrears: Fen,
}

/// A community as the office's figures name it: id, name, street, and its fee book.
pub struct OfficeCommunity {
    pub id: CommunityId,
    pub name: String,
    pub street: String,
    pub book: BookKey,
}

/// The district report (街道物业费汇总表): the lines of the month and their total.
#[derive(Clone, Debug, serde::Serialize)]
pub struct District {
    pub period: Option<Period>,
    pub lines: Vec<OfficeLine>,
    pub total: OfficeLine,
}

impl<S: FeesStore> Fees<S> {
    /// The overview's lines of `communities` for `period` (the latest month any of them billed,
    /// if None), in the order given, with their total: three statements however many communities.
    pub async fn district(&self, communities: &[OfficeCommunity], period: Option<Period>) -> Result<District> {
        let books: Vec<BookKey> = communities.iter().map(|c| c.book).collect();
        let ids: Vec<CommunityId> = communities.iter().map(|c| c.id).collect();
        let mut tx = self.store().read_across().await?;
        let month = match period {
            Some(p) => Some(p),
            None => tx.latest_billed(&books).await?,
        };
        let households: HashMap<i64, i64> = tx.household_counts(&ids).await?.into_iter().collect();
        let figures: HashMap<(i64, i64), OfficeFiguresRow> = match month {
            Some(p) => tx.office_figures(&books, p).await?.into_iter().map(|f| ((f.community_id, f.book_id), f)).collect(),
            None => HashMap::new(),
        };
        let lines: Vec<OfficeLine> = communities
            .iter()
            .map(|c| {
                let f = figures.get(&(c.book.community_id.0, c.book.book_id.0)).cloned().unwrap_or_default();
                OfficeLine {
                    id: c.id,
                    name: c.name.clone(),
                    street: c.street.clone(),
                    households: usize::try_from(households.get(&c.id.0).copied().unwrap_or(0)).unwrap_or(0),
                    billed: Fen(f.billed_fen),
                    collected: Fen(f.collected_fen),
                    rate: crate::fees::reports::rate(f.collected_fen, f.billed_fen),
                    arrears: Fen(f.arrears_fen),
                }
            })
            .collect();
        let total = total_line(&lines);
        Ok(District { period: month, lines, total })
    }
}

/// The lines summed, with the rate of the sums (not the mean of the rates).
fn total_line(lines: &[OfficeLine]) -> OfficeLine {
    let sum = |f: fn(&OfficeLine) -> i64| lines.iter().map(f).sum::<i64>();
    let (billed, collected) = (sum(|l| l.billed.0), sum(|l| l.collected.0));
    OfficeLine {
        id: CommunityId(0),
        name: "合计".into(),
        street: String::new(),
        households: lines.iter().map(|l| l.households).sum(),
        billed: Fen(billed),
        collected: Fen(collected),
        rate: crate::fees::reports::rate(collected, billed),
        arrears: Fen(sum(|l| l.arrears.0)),
    }
}

impl District {
    pub fn to_table(&self) -> Table {
        let r = Align::Right;
        let month = self.period.map(|p| p.to_string()).unwrap_or_else(|| "—".into());
        let mut t = Table::new(
            "街道物业费汇总表",
            &[
                ("社区", Align::Left),
                ("街道", Align::Left),
                ("户数", r),
                ("当期应收", r),
                ("当期实收", r),
                ("当期收缴率", r),
                ("欠费合计", r),
            ],
        );
        t.subtitle.push(format!("月份：{month}    单位：元"));
        for l in self.lines.iter().chain(std::iter::once(&self.total)) {
            t.rows.push(vec![
                l.name.clone(),
                l.street.clone(),
                l.households.to_string(),
                money_cell(l.billed.0),
                money_cell(l.collected.0),
                l.rate.clone().unwrap_or_else(|| "—".into()),
                money_cell(l.arrears.0),
            ]);
        }
        t
    }
}
