//! 公共收益: income from the common parts (advertising, parking on common land, venue rental).
//! By 民法典 第282条 it belongs to the owners after reasonable cost, so the company books it as
//! money held for them (其他应付款—公共收益 224101), never as its revenue; only the share a
//! recorded split rule grants the company as its management fee (管理费) becomes its revenue
//! (主营业务收入—公共收益管理费分成 500104), by one generated voucher per month. Costs of the
//! common parts are charged to the owners' share by a recorded decision, never beyond what is
//! held for them. The report shows the revenue, its split and its use, month by month.

pub mod store;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::limits::{required_text, MAX_AMOUNT_FEN};
use crate::domain::money::{round_half_up_to_fen, Fen};
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::seal::wings::{seal_and_post, stage};
use crate::ledger::account::AccountCode;
use crate::ledger::store::LedgerStore;
use crate::ledger::voucher::Dimensions;
use crate::ledger::{two_lines, ApprovedVoucher, Book, Ledger};
use crate::render::table::{money_cell, Align, Table};
use crate::report::Balances;
use crate::store::{Store, Tx};
use store::{EntryRow, NewEntry, PublicRevenueTx, RuleRow};

/// Money held for the owners, the company's share, and the bank, in the company's chart.
const HELD: &str = "224101";
const COMPANY_SHARE: &str = "500104";
const BANK: &str = "100201";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Revenue,
    Use,
    Split,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Revenue => "revenue",
            EntryKind::Use => "use",
            EntryKind::Split => "split",
        }
    }

    pub fn parse(code: &str) -> Option<EntryKind> {
        [EntryKind::Revenue, EntryKind::Use, EntryKind::Split].into_iter().find(|k| k.as_str() == code)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Advertising,
    Parking,
    Venue,
    Other,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Advertising, Source::Parking, Source::Venue, Source::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Advertising => "advertising",
            Source::Parking => "parking",
            Source::Venue => "venue",
            Source::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::Advertising => "广告",
            Source::Parking => "公共场地停车",
            Source::Venue => "场地租赁",
            Source::Other => "其他",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        let text = text.trim();
        Source::ALL.into_iter().find(|s| s.as_str() == text || s.label() == text)
    }
}

/// Money from the common parts, as received.
pub struct RevenueInput<'a> {
    pub date: NaiveDate,
    pub source: Source,
    pub payer: &'a str,
    pub amount: Fen,
}

/// A cost of the common parts paid from the owners' share, and the decision that allowed it.
pub struct UseInput<'a> {
    pub date: NaiveDate,
    pub purpose: &'a str,
    pub decision: &'a str,
    pub amount: Fen,
}

#[derive(Clone)]
pub struct PublicRevenue<S: LedgerStore> {
    ledger: Ledger<S>,
}

fn positive(field: &str, amount: Fen) -> Result<Fen> {
    if amount.0 <= 0 || amount.0 > MAX_AMOUNT_FEN {
        return Err(Error::invalid(field, format!("须大于零且不超过 {}，现为 {amount}", Fen(MAX_AMOUNT_FEN))));
    }
    Ok(amount)
}

/// The company's share of `revenue_fen` at `share_permille` ‰, half up to the fen (pure).
pub fn company_share_fen(revenue_fen: i64, share_permille: i64) -> i64 {
    round_half_up_to_fen(Decimal::from(revenue_fen) * Decimal::from(share_permille) / Decimal::from(100_000)).0
}

fn voucher(date: NaiveDate, summary: &str, debit: &str, credit: &str, amount: Fen, user: &str) -> ApprovedVoucher {
    ApprovedVoucher::generated(date, two_lines(summary, debit, credit, amount, &Dimensions::default()), user)
}

impl<S: LedgerStore + Store<Tx: PublicRevenueTx>> PublicRevenue<S> {
    pub fn new(ledger: &Ledger<S>) -> PublicRevenue<S> {
        PublicRevenue { ledger: ledger.clone() }
    }

    fn check_book(book: &Book) -> Result<()> {
        for code in [HELD, COMPANY_SHARE] {
            if book.account_id(code).is_none() {
                return Err(Error::invalid("账套", format!("账套 {} 没有科目 {code}，公共收益记入物业公司的账套", book.row.code)));
            }
        }
        Ok(())
    }

    /// 分成规则: from `from_on`, the company keeps `share_permille` ‰ as its management fee.
    pub async fn set_rule(&self, book: &Book, from_on: NaiveDate, share_permille: i64, decision: &str, user: &str) -> Result<()> {
        Self::check_book(book)?;
        if !(0..=1000).contains(&share_permille) {
            return Err(Error::invalid("分成比例", format!("须在 0‰ 至 1000‰（100%）之间，现为 {share_permille}‰")));
        }
        let decision = required_text("决议", decision, 200)?;
        let mut tx = self.ledger.store.begin().await?;
        let rule = RuleRow { from_on, share_permille, decision: decision.into(), set_by: user.into() };
        tx.insert_rule(book.key(), &rule, Utc::now()).await?;
        crate::fees::seal::master::record(&mut tx, book.row.community_id, &[crate::fees::seal::master::MasterKind::RevenueRule]).await?;
        tx.commit().await
    }

    /// 收取公共收益: 借 银行存款 贷 其他应付款—公共收益.
    pub async fn receive(&self, book: &Book, input: &RevenueInput<'_>, user: &str) -> Result<String> {
        Self::check_book(book)?;
        let payer = required_text("付款方", input.payer, 100)?;
        let amount = positive("金额", input.amount)?;
        let summary = format!("收取{}（公共收益）：{payer}", input.source.label());
        let mut tx = self.ledger.store.begin().await?;
        let voucher_id = stage(&mut tx, book, &voucher(input.date, &summary, BANK, HELD, amount, user)).await?;
        let entry = NewEntry {
            kind: EntryKind::Revenue,
            source: Some(input.source),
            on_date: input.date,
            period: 0,
            amount_fen: amount.0,
            detail: payer,
            voucher_id,
            recorded_by: user,
        };
        tx.insert_entry(book.key(), &entry, Utc::now()).await?;
        let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
        tx.commit().await?;
        Ok(format!("{} {}", posted.period, posted.label))
    }

    /// 公共收益支出: a cost of the common parts paid from the owners' share by a recorded
    /// decision, never beyond what is held for them (借 其他应付款—公共收益 贷 银行存款).
    pub async fn spend(&self, book: &Book, input: &UseInput<'_>, user: &str) -> Result<String> {
        Self::check_book(book)?;
        let purpose = required_text("用途", input.purpose, 100)?;
        let decision = required_text("决议", input.decision, 150)?;
        let amount = positive("金额", input.amount)?;
        let held = self.held_fen(book).await?;
        if amount.0 > held {
            return Err(Error::invalid("金额", format!("{amount} 超过业主共有的公共收益结余 {}", Fen(held))));
        }
        let summary = format!("公共收益支出：{purpose}");
        let detail = format!("{purpose}（{decision}）");
        let mut tx = self.ledger.store.begin().await?;
        let voucher_id = stage(&mut tx, book, &voucher(input.date, &summary, HELD, BANK, amount, user)).await?;
        let entry = NewEntry {
            kind: EntryKind::Use,
            source: None,
            on_date: input.date,
            period: 0,
            amount_fen: amount.0,
            detail: &detail,
            voucher_id,
            recorded_by: user,
        };
        tx.insert_entry(book.key(), &entry, Utc::now()).await?;
        let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
        tx.commit().await?;
        Ok(format!("{} {}", posted.period, posted.label))
    }

    /// What is held for the owners now: the credit balance of 其他应付款—公共收益.
    async fn held_fen(&self, book: &Book) -> Result<i64> {
        let balances = Balances::load(&self.ledger.store, book).await?;
        let last = self.ledger.periods(book).await?.iter().map(|p| p.period).max().unwrap_or(book.start_period());
        let code = AccountCode::parse(HELD).ok_or_else(|| Error::invalid("科目", HELD))?;
        Ok(-balances.totals(book, book.start_period(), last).get(&code).map_or(0, |t| t.closing_fen()))
    }

    /// 公共收益分成: the month's revenue split by the rule in force at its end; the company's
    /// share by one voucher (借 其他应付款—公共收益 贷 主营业务收入—公共收益管理费分成), once.
    pub async fn split(&self, book: &Book, period: Period, user: &str) -> Result<Option<(Fen, String)>> {
        Self::check_book(book)?;
        let mut tx = self.ledger.store.begin().await?;
        let rule = tx.rules(book.key()).await?.into_iter().rev().find(|r| r.from_on <= period.last_day());
        let rule =
            rule.ok_or_else(|| Error::invalid("分成规则", format!("{period} 月末没有生效的分成规则，请先设定（public-revenue rule）")))?;
        let next = period.last_day().succ_opt().unwrap_or(period.last_day());
        let entries = tx.entries(book.key(), period.first_day(), next).await?;
        if entries.iter().any(|e| e.kind == EntryKind::Split) {
            return Err(Error::Conflict(format!("{period} 的公共收益已分成")));
        }
        let revenue: i64 = entries.iter().filter(|e| e.kind == EntryKind::Revenue).map(|e| e.amount_fen).sum();
        let share = company_share_fen(revenue, rule.share_permille);
        if share == 0 {
            return Ok(None);
        }
        let permille = Decimal::from(rule.share_permille) / Decimal::from(10);
        let summary = format!("{period} 公共收益 {} 按 {permille}% 计提管理费", Fen(revenue));
        let detail = format!("{permille}%，自 {}（{}）", rule.from_on, rule.decision);
        let date = period.last_day();
        let voucher_id = stage(&mut tx, book, &voucher(date, &summary, HELD, COMPANY_SHARE, Fen(share), user)).await?;
        let entry = NewEntry {
            kind: EntryKind::Split,
            source: None,
            on_date: date,
            period: period.key(),
            amount_fen: share,
            detail: &detail,
            voucher_id,
            recorded_by: user,
        };
        tx.insert_entry(book.key(), &entry, Utc::now()).await?;
        let posted = seal_and_post(&mut tx, book, voucher_id, user).await?;
        tx.commit().await?;
        Ok(Some((Fen(share), format!("{} {}", posted.period, posted.label))))
    }

    /// 公共收益收支情况: the year's months through `through`.
    pub async fn report(&self, book: &Book, through: Period) -> Result<RevenueReport> {
        Self::check_book(book)?;
        let first = through.first_of_year();
        let entries = {
            let mut tx = self.ledger.store.read().await?;
            tx.entries(book.key(), first.first_day(), through.last_day().succ_opt().unwrap_or(through.last_day())).await?
        };
        let balances = Balances::load(&self.ledger.store, book).await?;
        let code = AccountCode::parse(HELD).ok_or_else(|| Error::invalid("科目", HELD))?;
        let months = first
            .through(through)
            .map(|p| {
                let held = -balances.totals(book, book.start_period(), p).get(&code).map_or(0, |t| t.closing_fen());
                month_line(p, &entries, held)
            })
            .collect();
        Ok(RevenueReport { book: book.row.name.clone(), through: through.to_string(), months })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MonthLine {
    pub period: String,
    /// Revenue by source, in `Source::ALL`'s order.
    pub by_source: Vec<Fen>,
    pub revenue: Fen,
    pub company_share: Fen,
    pub owners_share: Fen,
    pub used: Fen,
    /// Held for the owners at the month's end (其他应付款—公共收益).
    pub held: Fen,
}

fn month_line(p: Period, entries: &[EntryRow], held: i64) -> MonthLine {
    let of = |e: &&EntryRow| Period::of_date(e.on_date) == p;
    let sum = |kind: EntryKind| Fen(entries.iter().filter(of).filter(|e| e.kind == kind).map(|e| e.amount_fen).sum());
    let by_source =
        Source::ALL.iter().map(|s| Fen(entries.iter().filter(of).filter(|e| e.source == Some(*s)).map(|e| e.amount_fen).sum())).collect();
    let (revenue, share) = (sum(EntryKind::Revenue), sum(EntryKind::Split));
    MonthLine {
        period: p.to_string(),
        by_source,
        revenue,
        company_share: share,
        owners_share: Fen(revenue.0 - share.0),
        used: sum(EntryKind::Use),
        held: Fen(held),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RevenueReport {
    pub book: String,
    pub through: String,
    pub months: Vec<MonthLine>,
}

impl RevenueReport {
    pub fn to_table(&self) -> Table {
        let mut headers: Vec<(&str, Align)> = vec![("月份", Align::Left)];
        headers.extend(Source::ALL.iter().map(|s| (s.label(), Align::Right)));
        headers.extend([
            ("收入合计", Align::Right),
            ("物业公司分成", Align::Right),
            ("业主共有", Align::Right),
            ("支出", Align::Right),
            ("月末结余", Align::Right),
        ]);
        let mut t = Table::new("公共收益收支情况表", &headers);
        t.subtitle = vec![format!("账套：{}    截至：{} 月末    单位：元", self.book, self.through)];
        for m in &self.months {
            let mut row = vec![m.period.clone()];
            row.extend(m.by_source.iter().map(|f| money_cell(f.0)));
            row.extend([m.revenue, m.company_share, m.owners_share, m.used, m.held].iter().map(|f| money_cell(f.0)));
            t.rows.push(row);
        }
        t.footer.push("公共收益属业主共有（民法典第二百八十二条），记入其他应付款—公共收益；物业公司仅按分成规则取得管理费分成。".into());
        t
    }
}

/// `verify`'s check of this wing: each revenue, split and use against its voucher (`ledger::verify::check_ties`).
pub async fn verify<S: crate::store::Store<Tx: store::PublicRevenueTx>>(
    store: &S,
    community: crate::domain::ids::CommunityId,
    fail: &mut impl FnMut(u8, String),
) -> Result<()> {
    let ties = store.read().await?.entry_ties(community).await?;
    crate::ledger::verify::check_ties(&ties, fail);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::company_share_fen;

    #[test]
    fn the_company_share_rounds_half_up_to_the_fen() {
        assert_eq!(company_share_fen(800_000, 300), 240_000);
        // 123.45 × 30 % = 37.035 → 37.04.
        assert_eq!(company_share_fen(12_345, 300), 3_704);
        assert_eq!(company_share_fen(12_345, 0), 0);
        assert_eq!(company_share_fen(12_345, 1000), 12_345);
    }
}
