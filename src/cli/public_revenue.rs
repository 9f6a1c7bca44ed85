//! The public-revenue commands (公共收益): the split rule, revenue received, its use and its
//! split, and the report.

use clap::Subcommand;

use super::{amount, book_of, parse_date, parse_period, print_out, BookArg, Cli, Command};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::public_revenue::store::PublicRevenueStore;

#[derive(Subcommand, Debug)]
pub enum PublicRevenueCommand {
    /// 设定分成规则：自 --from 起物业公司按 --share（%）取得管理费分成
    Rule {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        from: String,
        /// 物业公司分成比例（%），如 30 或 12.5
        #[arg(long)]
        share: String,
        /// 业主大会或业主委员会的决议
        #[arg(long)]
        decision: String,
        #[arg(long)]
        user: String,
    },
    /// 收取公共收益（记入其他应付款—公共收益）
    Receive {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        date: String,
        /// 广告、公共场地停车、场地租赁、其他
        #[arg(long)]
        source: String,
        #[arg(long)]
        payer: String,
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        #[arg(long)]
        user: String,
    },
    /// 公共收益支出：按决议从业主共有部分列支
    Spend {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        date: String,
        #[arg(long)]
        purpose: String,
        #[arg(long)]
        decision: String,
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        #[arg(long)]
        user: String,
    },
    /// 按分成规则生成某月的管理费分成凭证
    Split {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        period: String,
        #[arg(long)]
        user: String,
    },
}

async fn public_revenue<S: PublicRevenueStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &PublicRevenueCommand) -> Result<()> {
    use crate::public_revenue::{PublicRevenue, RevenueInput, Source, UseInput};
    let revenue = PublicRevenue::new(ledger);
    match cmd {
        PublicRevenueCommand::Rule { book, from, share, decision, user } => {
            let book = book_of(ledger, cli, book).await?;
            let percent = rust_decimal::Decimal::from_str_exact(share.trim().trim_end_matches('%'))
                .map_err(|_| Error::invalid("--share", format!("“{share}”不是百分比，应写作 30 或 12.5")))?;
            let permille = percent * rust_decimal::Decimal::from(10);
            if !permille.fract().is_zero() {
                return Err(Error::invalid("--share", format!("“{share}”：分成比例最多一位小数")));
            }
            let permille = i64::try_from(permille).map_err(|_| Error::invalid("--share", format!("“{share}”超出范围")))?;
            revenue.set_rule(&book, parse_date("--from", from)?, permille, decision, user).await?;
            print_out(&format!("自 {from} 起，物业公司按 {percent}% 取得公共收益管理费分成\n"));
        }
        PublicRevenueCommand::Receive { book, date, source, payer, amount: a, user } => {
            let book = book_of(ledger, cli, book).await?;
            let source = Source::parse(source)
                .ok_or_else(|| Error::invalid("--source", format!("“{source}”应为 广告、公共场地停车、场地租赁 或 其他")))?;
            let input = RevenueInput { date: parse_date("--date", date)?, source, payer, amount: amount("--amount", a)? };
            let voucher = revenue.receive(&book, &input, user).await?;
            print_out(&format!("已登记公共收益 {}，凭证 {voucher}\n", input.amount));
        }
        PublicRevenueCommand::Spend { book, date, purpose, decision, amount: a, user } => {
            let book = book_of(ledger, cli, book).await?;
            let input = UseInput { date: parse_date("--date", date)?, purpose, decision, amount: amount("--amount", a)? };
            let voucher = revenue.spend(&book, &input, user).await?;
            print_out(&format!("已从公共收益列支 {}，凭证 {voucher}\n", input.amount));
        }
        PublicRevenueCommand::Split { book, period, user } => {
            let book = book_of(ledger, cli, book).await?;
            match revenue.split(&book, parse_period("--period", period)?, user).await? {
                Some((share, voucher)) => print_out(&format!("{period} 管理费分成 {share}，凭证 {voucher}\n")),
                None => print_out(&format!("{period} 没有公共收益，无需分成\n")),
            }
        }
    }
    Ok(())
}

/// The user the public-revenue commands name (`cli::actor`).
pub(super) fn keeper(command: &Command) -> Option<&str> {
    match command {
        Command::PublicRevenue(
            PublicRevenueCommand::Rule { user, .. }
            | PublicRevenueCommand::Receive { user, .. }
            | PublicRevenueCommand::Spend { user, .. }
            | PublicRevenueCommand::Split { user, .. },
        ) => Some(user),
        _ => None,
    }
}

pub async fn run<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &PublicRevenueCommand) -> Result<i32> {
    public_revenue(ledger, cli, cmd).await.map(|()| 0)
}
