//! The collective wing (集体收益与收益分配): the company's profit for a year transferred to the
//! collective's book (one voucher in each book, linked by one row), the member roster (成员名册)
//! imported whole as a new version, and the year's distribution plan (收益分配方案): the
//! provisions (公积公益金, 福利费) at configured percentages and the rest to the members by their
//! shares, exact to the fen (`plan`), posted as one voucher, listed per member, and paid once.

pub mod plan;
pub mod store;

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use crate::domain::ids::DistributionId;
use crate::domain::limits::check_text;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::seal::wings::{seal_and_post, stage};
use crate::import::TextTable;
use crate::ledger::account::AccountCode;
use crate::ledger::store::LedgerStore;
use crate::ledger::voucher::{Dimensions, LineInput};
use crate::ledger::{post_approved, two_lines, ApprovedVoucher, Book, Ledger};
use crate::render::table::{money_cell, Align, Table};
use crate::report::Balances;
use crate::store::{Store, Tx};
use plan::{percent_text, Provisions};
use store::{CollectiveTx, DistributionRow, LineRow, MemberRow, TransferRow};

/// The accounts of the collective's chart (农村集体经济组织会计制度, 2023) the wing posts to.
mod accounts {
    pub const BANK: &str = "10201";
    /// 投资收益: what the collective's own company pays it out of its profit.
    pub const INVESTMENT_INCOME: &str = "502";
    pub const RESERVE: &str = "311";
    pub const UNDISTRIBUTED: &str = "32202";
    pub const TO_RESERVE: &str = "3220101";
    pub const TO_MEMBERS: &str = "3220102";
    pub const TO_WELFARE: &str = "3220103";
    pub const OTHER_DISTRIBUTION: &str = "3220199";
    pub const MEMBERS_PAYABLE: &str = "21101";
    pub const OTHER_PAYABLE: &str = "21199";
    /// The company's (小企业会计准则): 利润分配—提取法定盈余公积 and 盈余公积, 利润分配—应付利润
    /// and 应付利润, 实收资本, 所得税费用, and its bank.
    pub const COMPANY_TO_RESERVE: &str = "310401";
    pub const COMPANY_RESERVE: &str = "3101";
    pub const COMPANY_PROFIT_PAID: &str = "310403";
    pub const COMPANY_PROFIT_PAYABLE: &str = "2232";
    pub const COMPANY_CAPITAL: &str = "3001";
    pub const COMPANY_INCOME_TAX: &str = "5801";
    pub const COMPANY_BANK: &str = "100201";
}

#[derive(Clone)]
pub struct Collective<S: LedgerStore> {
    ledger: Ledger<S>,
}

/// A distribution and its list per member.
#[derive(Clone, Debug, Serialize)]
pub struct Distribution {
    pub row: DistributionRow,
    pub lines: Vec<LineRow>,
}

fn two_line(date: NaiveDate, summary: &str, debit: &str, credit: &str, amount: Fen, user: &str) -> ApprovedVoucher {
    ApprovedVoucher::generated(date, two_lines(summary, debit, credit, amount, &Dimensions::default()), user)
}

fn check_chart(book: &Book, chart: &str, what: &str) -> Result<()> {
    if book.row.chart != chart {
        return Err(Error::invalid("账套", format!("{what}须为使用 {chart} 科目表的账套，账套 {} 使用 {}", book.row.code, book.row.chart)));
    }
    Ok(())
}

/// How a year's net profit is appropriated (pure): 法定盈余公积 10 % of it, half up, no more
/// than what brings 盈余公积 to half of 实收资本 (公司法 第210条); the rest to the shareholder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appropriation {
    pub reserve_fen: i64,
    pub to_shareholder_fen: i64,
}

/// The community's collective book: the one kept under 《农村集体经济组织会计制度》.
pub async fn collective_book<S: LedgerStore>(ledger: &Ledger<S>, community: crate::domain::ids::CommunityId) -> Result<Book> {
    for row in ledger.books(community).await? {
        if row.chart == "rural_collective" {
            return ledger.book(community, &row.code).await;
        }
    }
    Err(Error::not_found("集体经济组织的账套"))
}

pub fn appropriate(net_profit_fen: i64, capital_fen: i64, reserve_balance_fen: i64) -> Appropriation {
    let tenth = (net_profit_fen + 5) / 10;
    let room = (capital_fen / 2 - reserve_balance_fen).max(0);
    let reserve_fen = tenth.min(room).max(0);
    Appropriation { reserve_fen, to_shareholder_fen: net_profit_fen - reserve_fen }
}

/// The company's appropriation of `year`, refused for a loss and before its income tax is
/// accrued (a profit before tax with no 所得税费用 in the year).
async fn appropriation<S: LedgerStore>(store: &S, company: &Book, year: i32) -> Result<Appropriation> {
    let net = year_profit(store, company, year).await?;
    if net <= 0 {
        return Err(Error::invalid("年度", format!("物业公司 {year} 年度利润为 {}，没有可上交的利润", Fen(net))));
    }
    let (Some(first), Some(last)) = (Period::new(year, 1), Period::new(year, 12)) else {
        return Err(Error::invalid("年度", year.to_string()));
    };
    let totals = Balances::load(store, company).await?.totals(company, first, last);
    let get = |code: &str| AccountCode::parse(code).and_then(|c| totals.get(&c).copied()).unwrap_or_default();
    if get(accounts::COMPANY_INCOME_TAX).net_without_carry_fen() == 0 {
        return Err(Error::invalid(
            "所得税费用",
            format!("物业公司 {year} 年度尚未计提企业所得税：请先计提所得税费用，再提取盈余公积、分配利润"),
        ));
    }
    let capital = -get(accounts::COMPANY_CAPITAL).closing_fen();
    let reserve = -get(accounts::COMPANY_RESERVE).closing_fen();
    Ok(appropriate(net, capital, reserve))
}

/// The year's profit of a book: the net credit of its profit-and-loss accounts over the year,
/// year-end carry-forward left out.
async fn year_profit<S: LedgerStore>(store: &S, book: &Book, year: i32) -> Result<i64> {
    let (first, last) = (Period::new(year, 1), Period::new(year, 12));
    let (Some(first), Some(last)) = (first, last) else { return Err(Error::invalid("年度", year.to_string())) };
    let totals = Balances::load(store, book).await?.totals(book, first, last);
    Ok(-book
        .chart
        .values()
        .filter(|a| a.is_leaf && a.class == crate::ledger::account::AccountClass::ProfitAndLoss)
        .map(|a| totals.get(&a.code).map_or(0, |t| t.net_without_carry_fen()))
        .sum::<i64>())
}

impl<S: LedgerStore + Store<Tx: CollectiveTx>> Collective<S> {
    pub fn new(ledger: &Ledger<S>) -> Collective<S> {
        Collective { ledger: ledger.clone() }
    }

    /// A book's profit for `year` (negative for a loss), year-end carry-forward left out.
    pub async fn year_profit(&self, book: &Book, year: i32) -> Result<i64> {
        year_profit(&self.ledger.store, book, year).await
    }

    /// 利润上交, in the order 小企业会计准则 and 公司法 第210条 set: the year's 所得税费用 must be
    /// accrued first; then 提取法定盈余公积 (10 % of the net profit until 盈余公积 reaches half of
    /// 实收资本); then the rest declared to the shareholder, the collective (借 利润分配—应付利润
    /// 贷 应付利润), and paid (借 应付利润 贷 银行存款), which the collective books as 投资收益
    /// (借 银行存款 贷 投资收益). One transaction, on `date`, linked by the transfer's row; once a
    /// year. A loss is not transferred.
    pub async fn transfer_profit(&self, company: &Book, collective: &Book, year: i32, date: NaiveDate, user: &str) -> Result<TransferRow> {
        check_chart(company, "small_enterprise", "物业公司")?;
        check_chart(collective, "rural_collective", "集体经济组织")?;
        let split = appropriation(&self.ledger.store, company, year).await?;
        let mut tx = self.ledger.store.begin().await?;
        if tx.transfers(company.row.community_id).await?.iter().any(|t| t.year == i64::from(year) && t.company_book_id == company.id()) {
            return Err(Error::Conflict(format!("物业公司 {year} 年度利润已上交")));
        }
        let profit = split.to_shareholder_fen;
        let declared = format!("{year}年度利润分配：提取法定盈余公积，应付{}利润", collective.row.name);
        let mut lines = Vec::new();
        if split.reserve_fen > 0 {
            lines.extend(two_lines(
                &declared,
                accounts::COMPANY_TO_RESERVE,
                accounts::COMPANY_RESERVE,
                Fen(split.reserve_fen),
                &Dimensions::default(),
            ));
        }
        lines.extend(two_lines(
            &declared,
            accounts::COMPANY_PROFIT_PAID,
            accounts::COMPANY_PROFIT_PAYABLE,
            Fen(profit),
            &Dimensions::default(),
        ));
        post_approved(&mut tx, company, user, &[ApprovedVoucher::generated(date, lines, user)]).await?;
        let summary = format!("{year}年度利润上交{}", collective.row.name);
        // Both books' vouchers seal the transfer's row (fees::seal::wings).
        let out =
            stage(&mut tx, company, &two_line(date, &summary, accounts::COMPANY_PROFIT_PAYABLE, accounts::COMPANY_BANK, Fen(profit), user))
                .await?;
        let summary = format!("收到{}{year}年度上交利润", company.row.name);
        let into =
            stage(&mut tx, collective, &two_line(date, &summary, accounts::BANK, accounts::INVESTMENT_INCOME, Fen(profit), user)).await?;
        let row = TransferRow {
            year: year.into(),
            company_book_id: company.id(),
            collective_book_id: collective.id(),
            amount_fen: profit,
            company_voucher_id: out,
            collective_voucher_id: into,
            transferred_by: user.into(),
        };
        tx.insert_transfer(company.row.community_id, &row, Utc::now()).await?;
        seal_and_post(&mut tx, company, out, user).await?;
        seal_and_post(&mut tx, collective, into, user).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// 导入成员名册: a CSV/XLSX file (成员编号, 姓名, 户, 股数), kept whole as a new version;
    /// duplicate members and non-positive shares are refused, every bad row named.
    pub async fn import_roster(&self, collective: &Book, bytes: &[u8], user: &str) -> Result<usize> {
        check_chart(collective, "rural_collective", "集体经济组织")?;
        let members = parse_roster(bytes)?;
        let mut tx = self.ledger.store.begin().await?;
        tx.insert_roster(collective.key(), &members, user, Utc::now()).await?;
        crate::fees::seal::master::record(
            &mut tx,
            collective.row.community_id,
            &[crate::fees::seal::master::MasterKind::Roster, crate::fees::seal::master::MasterKind::RosterMember],
        )
        .await?;
        tx.commit().await?;
        Ok(members.len())
    }

    /// 收益分配: the year's plan over the latest roster, posted on `date` (借 各项分配 贷 公积公益金,
    /// 其他应付款项 (福利费) and 应付成员收益分配). `distributable` defaults to what 未分配收益
    /// holds; once a year.
    pub async fn distribute(
        &self,
        collective: &Book,
        year: i32,
        distributable: Option<Fen>,
        provisions: Provisions,
        date: NaiveDate,
        user: &str,
    ) -> Result<Distribution> {
        check_chart(collective, "rural_collective", "集体经济组织")?;
        let distributable = match distributable {
            Some(f) => f,
            None => Fen(-self.balance(collective, accounts::UNDISTRIBUTED).await?),
        };
        let mut tx = self.ledger.store.begin().await?;
        let (roster_id, members) =
            tx.latest_roster(collective.key()).await?.ok_or_else(|| Error::invalid("成员名册", "尚未导入成员名册"))?;
        let shares: Vec<i64> = members.iter().map(|m| m.shares).collect();
        let p = plan::plan(distributable, provisions, &shares)?;
        let lines = distribution_voucher_lines(collective, year, &p)?;
        let voucher_id = stage(&mut tx, collective, &ApprovedVoucher::generated(date, lines, user)).await?;
        let row = DistributionRow {
            id: DistributionId(0),
            book_id: collective.id(),
            year: year.into(),
            roster_id,
            distributable_fen: p.distributable.0,
            reserve_bp: provisions.reserve_bp,
            welfare_bp: provisions.welfare_bp,
            reserve_fen: p.reserve.0,
            welfare_fen: p.welfare.0,
            members_fen: p.to_members.0,
            voucher_id,
            created_by: user.into(),
            paid_on: None,
        };
        let lines = member_lines(&members, &p);
        let id = tx.insert_distribution(collective.key(), &row, &lines, Utc::now()).await?;
        // The voucher seals the plan and every member's line.
        seal_and_post(&mut tx, collective, voucher_id, user).await?;
        tx.commit().await?;
        Ok(Distribution { row: DistributionRow { id, ..row }, lines })
    }

    /// 发放: the members' amounts paid from the bank (借 应付成员收益分配 贷 银行存款), once.
    pub async fn pay(&self, collective: &Book, id: DistributionId, date: NaiveDate, user: &str) -> Result<String> {
        let d = self.distribution(collective, id).await?;
        if let Some(paid) = d.row.paid_on {
            return Err(Error::Conflict(format!("收益分配 #{id} 已于 {paid} 发放")));
        }
        let mut tx = self.ledger.store.begin().await?;
        let summary = format!("发放{}年度成员收益分配（{} 人）", d.row.year, d.lines.len());
        let voucher_id =
            stage(&mut tx, collective, &two_line(date, &summary, accounts::MEMBERS_PAYABLE, accounts::BANK, Fen(d.row.members_fen), user))
                .await?;
        tx.insert_distribution_payment(collective.row.community_id, id, date, voucher_id, user, Utc::now()).await?;
        let posted = seal_and_post(&mut tx, collective, voucher_id, user).await?;
        tx.commit().await?;
        Ok(format!("{} {}", posted.period, posted.label))
    }

    pub async fn distribution(&self, collective: &Book, id: DistributionId) -> Result<Distribution> {
        let mut tx = self.ledger.store.read().await?;
        let row = tx
            .distributions(collective.key())
            .await?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(|| Error::not_found(format!("收益分配 #{id}")))?;
        let lines = tx.distribution_lines(collective.row.community_id, id).await?;
        Ok(Distribution { row, lines })
    }

    pub async fn distributions(&self, collective: &Book) -> Result<Vec<DistributionRow>> {
        let mut tx = self.ledger.store.read().await?;
        tx.distributions(collective.key()).await
    }

    /// Debits minus credits of `code` over the book's whole life.
    async fn balance(&self, book: &Book, code: &str) -> Result<i64> {
        let balances = Balances::load(&self.ledger.store, book).await?;
        let last = self.ledger.periods(book).await?.iter().map(|p| p.period).max().unwrap_or(book.start_period());
        let code = AccountCode::parse(code).ok_or_else(|| Error::invalid("科目", code))?;
        Ok(balances.totals(book, book.start_period(), last).get(&code).map_or(0, |t| t.closing_fen()))
    }
}

/// The distribution's voucher: the provisions and the members' share out of 未分配收益, each
/// line only when it is not zero; an error when nothing is distributed.
fn distribution_voucher_lines(collective: &Book, year: i32, p: &plan::Plan) -> Result<Vec<LineInput>> {
    let summary = format!("{year}年度收益分配");
    // 提取福利费 on a line of its own in 会农集02表; a book made before the chart had the
    // sub-account books it under 其他分配.
    let welfare = if collective.account_id(accounts::TO_WELFARE).is_some() { accounts::TO_WELFARE } else { accounts::OTHER_DISTRIBUTION };
    let mut lines = Vec::new();
    let mut line = |account: &str, what: &str, debit: i64, credit: i64| {
        if debit != 0 || credit != 0 {
            lines.push(LineInput::new(format!("{summary}：{what}"), account, Fen(debit), Fen(credit), Dimensions::default()));
        }
    };
    line(accounts::TO_RESERVE, "提取公积公益金", p.reserve.0, 0);
    line(welfare, "提取福利费", p.welfare.0, 0);
    line(accounts::TO_MEMBERS, "向成员分配", p.to_members.0, 0);
    line(accounts::RESERVE, "提取公积公益金", 0, p.reserve.0);
    line(accounts::OTHER_PAYABLE, "提取福利费", 0, p.welfare.0);
    line(accounts::MEMBERS_PAYABLE, "向成员分配", 0, p.to_members.0);
    if lines.len() < 2 {
        return Err(Error::invalid("可分配收益", "为零，没有可分配的收益"));
    }
    Ok(lines)
}

/// Each member's line of the distribution, in the roster's order, numbered from 1.
fn member_lines(members: &[MemberRow], p: &plan::Plan) -> Vec<LineRow> {
    members
        .iter()
        .zip(&p.members)
        .enumerate()
        .map(|(i, (m, fen))| LineRow {
            seq: i as i64 + 1,
            member_no: m.member_no.clone(),
            name: m.name.clone(),
            household: m.household.clone(),
            shares: m.shares,
            amount_fen: fen.0,
        })
        .collect()
}

impl Distribution {
    /// 收益分配清单: each member's shares and amount, with the plan above them.
    pub fn to_table(&self) -> Table {
        let r = &self.row;
        let mut t = Table::new(
            "成员收益分配清单",
            &[
                ("序号", Align::Right),
                ("成员编号", Align::Left),
                ("姓名", Align::Left),
                ("户", Align::Left),
                ("股数", Align::Right),
                ("分配金额", Align::Right),
                ("领取人签字", Align::Left),
            ],
        );
        t.subtitle = vec![
            format!("{} 年度收益分配方案 #{}", r.year, r.id),
            format!(
                "可分配收益 {}；提取公积公益金 {}（{}）；提取福利费 {}（{}）；向成员分配 {}，共 {} 股",
                money_cell(r.distributable_fen),
                money_cell(r.reserve_fen),
                percent_text(r.reserve_bp),
                money_cell(r.welfare_fen),
                percent_text(r.welfare_bp),
                money_cell(r.members_fen),
                self.lines.iter().map(|l| l.shares).sum::<i64>()
            ),
        ];
        for l in &self.lines {
            t.rows.push(vec![
                l.seq.to_string(),
                l.member_no.clone(),
                l.name.clone(),
                l.household.clone(),
                l.shares.to_string(),
                money_cell(l.amount_fen),
                String::new(),
            ]);
        }
        t.footer.push(format!(
            "合计 {}，与向成员分配额相符。{}",
            money_cell(self.lines.iter().map(|l| l.amount_fen).sum()),
            match r.paid_on {
                Some(d) => format!("已于 {d} 发放。"),
                None => "尚未发放。".into(),
            }
        ));
        t
    }
}

/// A roster file: 成员编号, 姓名, 户 (optional), 股数.
pub fn parse_roster(bytes: &[u8]) -> Result<Vec<MemberRow>> {
    let table = TextTable::read(bytes)?;
    let need = |names: &[&str]| {
        table.column(names).ok_or_else(|| {
            Error::csv(1, names[0], format!("缺少此列（表头须有：成员编号、姓名、股数，可选 户；现有：{}）", table.headers.join("、")))
        })
    };
    let (no, name, shares) =
        (need(&["成员编号", "编号", "member_no"])?, need(&["姓名", "成员", "name"])?, need(&["股数", "股份", "shares"])?);
    let household = table.column(&["户", "户号", "住户", "household"]);
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for r in &table.rows {
        let row = r.number;
        let member_no = r.cell(Some(no)).to_string();
        let checked = (|| -> std::result::Result<MemberRow, (&str, String)> {
            if member_no.is_empty() {
                return Err(("成员编号", "不能为空".into()));
            }
            check_text(&member_no, 40).map_err(|e| ("成员编号", e))?;
            if let Some(first) = seen.insert(member_no.clone(), row) {
                return Err(("成员编号", format!("{member_no} 与第 {first} 行重复")));
            }
            let name = r.cell(Some(name)).to_string();
            if name.is_empty() {
                return Err(("姓名", "不能为空".into()));
            }
            check_text(&name, 50).map_err(|e| ("姓名", e))?;
            let household = r.cell(household).to_string();
            check_text(&household, 40).map_err(|e| ("户", e))?;
            let text = r.cell(Some(shares));
            let shares: i64 = text.parse().map_err(|_| ("股数", format!("“{text}”不是整数")))?;
            if !(1..=1_000_000).contains(&shares) {
                return Err(("股数", format!("须为 1 至 1000000 的整数，现为 {shares}")));
            }
            Ok(MemberRow { member_no: member_no.clone(), name, household, shares })
        })();
        match checked {
            Ok(m) => out.push(m),
            Err((column, reason)) => problems.push(format!("第 {row} 行“{column}”列：{reason}")),
        }
    }
    if !problems.is_empty() {
        return Err(Error::invalid(format!("成员名册有 {} 行错误，未导入任何一行", problems.len()), format!("\n{}", problems.join("\n"))));
    }
    if out.is_empty() {
        return Err(Error::invalid("成员名册", "没有成员"));
    }
    Ok(out)
}

/// `verify`'s check of this wing: each transfer and distribution against its voucher
/// (`ledger::verify::check_ties`), and each distribution's list against its members' total.
pub async fn verify<S: Store<Tx: CollectiveTx>>(
    store: &S,
    community: crate::domain::ids::CommunityId,
    fail: &mut impl FnMut(u8, String),
) -> Result<()> {
    let (ties, unequal) = store.read().await?.collective_ties(community).await?;
    crate::ledger::verify::check_ties(&ties, fail);
    for (id, members_fen, listed_fen) in unequal {
        fail(4, format!("收益分配 #{id} 向成员分配 {}，分配清单合计 {}：清单被改动", Fen(members_fen), Fen(listed_fen)));
    }
    Ok(())
}

#[cfg(test)]
mod appropriation_tests {
    use super::{appropriate, Appropriation};

    #[test]
    fn the_statutory_reserve_is_a_tenth_until_half_the_capital() {
        assert_eq!(appropriate(950_000, 2_000_000, 0), Appropriation { reserve_fen: 95_000, to_shareholder_fen: 855_000 });
        // 15 fen short of half the capital: only those 15 fen.
        assert_eq!(appropriate(950_000, 2_000_000, 999_985), Appropriation { reserve_fen: 15, to_shareholder_fen: 949_985 });
        assert_eq!(appropriate(950_000, 2_000_000, 1_000_000).reserve_fen, 0, "half reached");
        assert_eq!(appropriate(5, 100_000, 0).reserve_fen, 1, "0.5 fen rounds half up");
    }
}
