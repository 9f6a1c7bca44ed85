//! 预算执行: a book's annual budget per service category against what the books say was spent
//! on it: the net debit of the category's cost account in each month, year-end carry-forward
//! left out (so an expense booked by voucher counts as one booked here). Budget, actual,
//! difference (budget − actual) and percent (actual ÷ budget, one decimal, half up), for a
//! month and the year to its end, and by month for the year.

use std::collections::BTreeMap;

use chrono::Utc;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::store::{BudgetRow, SpendingTx};
use super::{expense_account, Spending};
use crate::domain::category::Category;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::store::LedgerStore;
use crate::ledger::Book;
use crate::render::table::{money_cell, Align, Table};
use crate::report::Balances;
use crate::spending::store::TagTx;
use crate::store::{Store, Tx};

#[derive(Clone, Debug, Serialize)]
pub struct ExecutionLine {
    pub category: Category,
    pub label: &'static str,
    pub budget: Fen,
    /// Spent in the month asked for.
    pub month: Fen,
    /// Spent from January to the end of that month.
    pub year_to_date: Fen,
    /// Budget − year to date.
    pub difference: Fen,
    /// Year to date ÷ budget, "63.5%"; None without a budget.
    pub percent: Option<String>,
    /// Spent in each month of the year, January first (12 figures).
    pub by_month: Vec<Fen>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Execution {
    pub book: String,
    pub through: String,
    pub lines: Vec<ExecutionLine>,
    pub total: ExecutionLine,
}

/// "63.5%": `part` of `whole`, one decimal, half up; None when there is no whole.
pub fn percent(part: i64, whole: i64) -> Option<String> {
    if whole <= 0 {
        return None;
    }
    let p =
        (Decimal::from(part) * Decimal::from(100) / Decimal::from(whole)).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    Some(format!("{p:.1}%"))
}

/// The lines (pure): `budgets` by category, `spent[c][m]` the net cost of category c in month m
/// (0 = January), for the year through month `through` (1–12).
pub fn execution_lines(
    budgets: &BTreeMap<Category, i64>,
    spent: &BTreeMap<Category, [i64; 12]>,
    through: u32,
) -> (Vec<ExecutionLine>, ExecutionLine) {
    let m = through.clamp(1, 12) as usize;
    let line = |category: Category, budget: i64, months: [i64; 12]| {
        let ytd: i64 = months[..m].iter().sum();
        ExecutionLine {
            category,
            label: category.label(),
            budget: Fen(budget),
            month: Fen(months[m - 1]),
            year_to_date: Fen(ytd),
            difference: Fen(budget - ytd),
            percent: percent(ytd, budget),
            by_month: months.iter().take(m).map(|f| Fen(*f)).collect(),
        }
    };
    let mut lines = Vec::new();
    let (mut total_budget, mut total_months) = (0i64, [0i64; 12]);
    for c in Category::ALL {
        let months = spent.get(&c).copied().unwrap_or([0; 12]);
        let budget = budgets.get(&c).copied().unwrap_or(0);
        total_budget += budget;
        for (t, f) in total_months.iter_mut().zip(months) {
            *t += f;
        }
        lines.push(line(c, budget, months));
    }
    let mut total = line(Category::Cleaning, total_budget, total_months);
    total.label = "合计";
    (lines, total)
}

impl Execution {
    /// Budget, month, year to date, difference, percent.
    pub fn to_table(&self) -> Table {
        let mut t = Table::new(
            "预算执行情况表",
            &[
                ("类别", Align::Left),
                ("年度预算", Align::Right),
                ("本月实际", Align::Right),
                ("本年累计", Align::Right),
                ("差异", Align::Right),
                ("执行率", Align::Right),
            ],
        );
        t.subtitle = vec![format!("账套：{}    截至：{} 月末    单位：元", self.book, self.through)];
        for l in self.lines.iter().chain([&self.total]) {
            t.rows.push(vec![
                l.label.to_string(),
                money_cell(l.budget.0),
                money_cell(l.month.0),
                money_cell(l.year_to_date.0),
                money_cell(l.difference.0),
                l.percent.clone().unwrap_or_else(|| "—".into()),
            ]);
        }
        t.footer.push("实际数为各类别成本费用科目的本期借方净发生额（不含年末结转）；差异 = 预算 − 本年累计。".into());
        t
    }

    /// The year's actual by month, beside the budget.
    pub fn by_month_table(&self) -> Table {
        let months: Vec<String> = (1..=self.total.by_month.len()).map(|m| format!("{m}月")).collect();
        let mut headers: Vec<(&str, Align)> = vec![("类别", Align::Left), ("年度预算", Align::Right)];
        headers.extend(months.iter().map(|m| (m.as_str(), Align::Right)));
        headers.extend([("本年累计", Align::Right), ("执行率", Align::Right)]);
        let mut t = Table::new("预算执行情况表（分月）", &headers);
        t.subtitle = vec![format!("账套：{}    截至：{} 月末    单位：元", self.book, self.through)];
        for l in self.lines.iter().chain([&self.total]) {
            let mut row = vec![l.label.to_string(), money_cell(l.budget.0)];
            row.extend(l.by_month.iter().map(|f| money_cell(f.0)));
            row.extend([money_cell(l.year_to_date.0), l.percent.clone().unwrap_or_else(|| "—".into())]);
            t.rows.push(row);
        }
        t
    }
}

impl<S: LedgerStore + Store<Tx: SpendingTx + TagTx>> Spending<S> {
    /// 设定预算: the year's budget of one category (replacing an earlier figure).
    pub async fn set_budget(&self, book: &Book, year: i32, category: Category, amount: Fen, user: &str) -> Result<()> {
        if !(2000..=2200).contains(&year) {
            return Err(Error::invalid("年度", format!("{year} 不在 2000–2200 之间")));
        }
        if amount.0 < 0 || amount.0 > crate::domain::limits::MAX_AMOUNT_FEN {
            return Err(Error::invalid("预算金额", format!("{amount} 须不小于零且不超过 {}", Fen(crate::domain::limits::MAX_AMOUNT_FEN))));
        }
        distinct_accounts(book)?;
        let mut tx = self.ledger.store.begin().await?;
        let row = BudgetRow { year: year.into(), category, amount_fen: amount.0, set_by: user.to_string() };
        tx.set_budget(book.key(), &row, Utc::now()).await?;
        crate::fees::seal::master::record(&mut tx, book.row.community_id, &[crate::fees::seal::master::MasterKind::Budget]).await?;
        tx.commit().await
    }

    /// 预算执行 through month `through`.
    pub async fn budget_execution(&self, book: &Book, through: Period) -> Result<Execution> {
        distinct_accounts(book)?;
        let budgets: BTreeMap<Category, i64> = {
            let mut tx = self.ledger.store.read().await?;
            tx.budgets(book.key(), through.year().into()).await?.into_iter().map(|b| (b.category, b.amount_fen)).collect()
        };
        let balances = Balances::load(&self.ledger.store, book).await?;
        let mut spent: BTreeMap<Category, [i64; 12]> = BTreeMap::new();
        for month in through.first_of_year().through(through) {
            let totals = balances.totals(book, month, month);
            for c in Category::ALL {
                let account = expense_account(book, c);
                let net = crate::ledger::account::AccountCode::parse(account)
                    .and_then(|code| totals.get(&code))
                    .map_or(0, |t| t.net_without_carry_fen());
                spent.entry(c).or_insert([0; 12])[month.month() as usize - 1] = net;
            }
        }
        let (lines, total) = execution_lines(&budgets, &spent, through.month());
        Ok(Execution { book: book.row.name.clone(), through: through.to_string(), lines, total })
    }
}

/// Budget execution reads each category from an account of its own; a chart that books two
/// categories to one account (the collective's 公益支出) cannot tell them apart.
fn distinct_accounts(book: &Book) -> Result<()> {
    let accounts: std::collections::BTreeSet<&str> = Category::ALL.iter().map(|c| expense_account(book, *c)).collect();
    if accounts.len() < Category::ALL.len() {
        return Err(Error::invalid("账套", format!("账套 {} 的科目表不按服务类别分设成本费用科目，无法编制预算执行表", book.row.code)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_execution_by_hand() {
        let budgets = BTreeMap::from([(Category::Cleaning, 12_000_000), (Category::Greening, 3_000_000)]);
        let mut cleaning = [0i64; 12];
        cleaning[0] = 980_000;
        cleaning[1] = 1_030_000;
        cleaning[2] = 1_015_050;
        let spent = BTreeMap::from([(Category::Cleaning, cleaning), (Category::Office, [100_000; 12])]);
        let (lines, total) = execution_lines(&budgets, &spent, 3);
        let c = &lines[0];
        assert_eq!((c.budget, c.month, c.year_to_date, c.difference), (Fen(12_000_000), Fen(1_015_050), Fen(3_025_050), Fen(8_974_950)));
        // 30,250.50 ÷ 120,000.00 = 25.20875 % → 25.2 %.
        assert_eq!(c.percent.as_deref(), Some("25.2%"));
        let office = lines.iter().find(|l| l.category == Category::Office).unwrap();
        assert_eq!((office.year_to_date, office.difference, office.percent.as_deref()), (Fen(300_000), Fen(-300_000), None));
        assert_eq!((total.budget, total.year_to_date), (Fen(15_000_000), Fen(3_325_050)));
        assert_eq!(total.percent.as_deref(), Some("22.2%"));
        assert_eq!(percent(1, 8), Some("12.5%".into()));
        assert_eq!(percent(1, 16), Some("6.3%".into()), "6.25 rounds half up");
    }
}
