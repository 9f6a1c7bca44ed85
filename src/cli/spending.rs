//! The spending commands (支出): an expense and its voucher, a payable paid, a budget, and
//! budget execution.

use clap::Subcommand;

use super::{amount, book_of, parse_date, print_out, BookArg, Cli, Command};
use crate::access::store::AccessStore;
use crate::domain::category::Category;
use crate::domain::ids::SpendingId;
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::render::table::{money_cell, Align, Table};
use crate::spending::{ExpenseInput, Spending};
use crate::subsidies::store::SubsidiesStore;

#[derive(Subcommand, Debug)]
pub enum ExpenseCommand {
    /// 登记一笔支出并生成记账凭证
    Add {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        date: String,
        /// 保洁、绿化、秩序维护、维修养护、公共能耗、人员薪酬、办公、税费
        #[arg(long)]
        category: String,
        #[arg(long)]
        supplier: String,
        #[arg(long)]
        summary: String,
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        /// 挂应付账款（省略时为银行付讫）
        #[arg(long)]
        payable: bool,
        /// 列入的补贴项目（文号或编号）
        #[arg(long)]
        program: Option<String>,
        #[arg(long)]
        user: String,
    },
    /// 支付应付款：挂应付账款的支出付讫（借 应付账款 贷 银行存款）
    Pay {
        #[command(flatten)]
        book: BookArg,
        /// 支出编号（expense list 中的编号）
        #[arg(long)]
        id: SpendingId,
        #[arg(long)]
        date: String,
        #[arg(long)]
        user: String,
    },
    /// 设定某年某服务类别的预算（已有的被取代）
    Budget {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        category: String,
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        #[arg(long)]
        user: String,
    },
    /// 列出支出
    List {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        from: String,
        /// 截止日期（当天不含）
        #[arg(long)]
        until: String,
    },
}

/// A service category as typed (a code or its name), the option named when it is none.
fn category_of(text: &str) -> Result<Category> {
    Category::parse(text).ok_or_else(|| Error::invalid("--category", format!("“{text}”不是服务类别：{}", Category::choices())))
}

/// `expense list` as a table (pure): each expense with whether it is paid, owed or withdrawn.
fn expense_table(expenses: Vec<crate::spending::store::ExpenseRow>) -> Table {
    let mut t = Table::new(
        "支出明细",
        &[
            ("编号", Align::Right),
            ("日期", Align::Left),
            ("类别", Align::Left),
            ("供应商", Align::Left),
            ("摘要", Align::Left),
            ("金额", Align::Right),
            ("付款", Align::Left),
        ],
    );
    for e in expenses {
        let paid = match (e.withdrawn, e.payable, e.paid_on) {
            (true, _, _) => "已撤回".to_string(),
            (_, true, None) => "应付".to_string(),
            (_, true, Some(d)) => format!("{d} 付讫"),
            _ => "已付".to_string(),
        };
        t.rows.push(vec![
            e.id.to_string(),
            e.spent_on.to_string(),
            e.category.label().into(),
            e.supplier,
            e.summary,
            money_cell(e.amount_fen),
            paid,
        ]);
    }
    t
}

async fn expense<S: SubsidiesStore + AccessStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &ExpenseCommand) -> Result<()> {
    let spending = Spending::new(ledger);
    match cmd {
        ExpenseCommand::Add { book, date, category, supplier, summary, amount: a, payable, program, user } => {
            let book = book_of(ledger, cli, book).await?;
            let category = category_of(category)?;
            let input = ExpenseInput {
                date: parse_date("--date", date)?,
                category,
                supplier,
                summary,
                amount: amount("--amount", a)?,
                payable: *payable,
                program: program.as_deref(),
            };
            let r = spending.record(&book, &input, user).await?;
            print_out(&format!(
                "已登记支出 #{}：{} {} {}，凭证 {}\n",
                r.expense.id,
                r.expense.spent_on,
                category,
                Fen(r.expense.amount_fen),
                r.voucher
            ));
            if let Some(w) = r.warning {
                print_out(&format!("注意：{w}\n"));
            }
        }
        ExpenseCommand::Pay { book, id, date, user } => {
            let book = book_of(ledger, cli, book).await?;
            let voucher = spending.pay(&book, *id, parse_date("--date", date)?, user).await?;
            print_out(&format!("支出 #{id} 已付款，凭证 {voucher}\n"));
        }
        ExpenseCommand::Budget { book, year, category, amount: a, user } => {
            let book = book_of(ledger, cli, book).await?;
            let category = category_of(category)?;
            let fen = amount("--amount", a)?;
            spending.set_budget(&book, *year, category, fen, user).await?;
            print_out(&format!("{year} 年“{category}”预算：{fen}\n"));
        }
        ExpenseCommand::List { book, from, until } => {
            let book = book_of(ledger, cli, book).await?;
            let expenses = spending.expenses(&book, parse_date("--from", from)?, parse_date("--until", until)?).await?;
            print_out(&expense_table(expenses).to_text());
        }
    }
    Ok(())
}

/// The user the spending commands name (`cli::actor`).
pub(super) fn keeper(command: &Command) -> Option<&str> {
    match command {
        Command::Expense(ExpenseCommand::Add { user, .. } | ExpenseCommand::Pay { user, .. } | ExpenseCommand::Budget { user, .. }) => {
            Some(user)
        }
        _ => None,
    }
}

pub async fn run<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &ExpenseCommand) -> Result<i32> {
    expense(ledger, cli, cmd).await.map(|()| 0)
}
