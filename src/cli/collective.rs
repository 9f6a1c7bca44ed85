//! The collective's commands (集体经济组织): the company's profit transferred, the member
//! roster, a distribution and its payment.

use clap::Subcommand;

use super::{amount, book_of, parse_date, print_out, render, write_or_print, BookArg, Cli, Command, Format};
use crate::domain::ids::DistributionId;
use crate::domain::money::Fen;
use crate::error::Result;
use crate::ledger::Ledger;

#[derive(Subcommand, Debug)]
pub enum CollectiveCommand {
    /// 利润上交：物业公司某年度的利润转入集体经济组织账套（两个账套各一张凭证）
    Transfer {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        date: String,
        /// 物业公司账套
        #[arg(long, default_value = "company")]
        company: String,
        /// 集体经济组织账套
        #[arg(long, default_value = "collective")]
        collective: String,
        #[arg(long)]
        user: String,
    },
    /// 导入成员名册（CSV 或 XLSX：成员编号、姓名、户、股数），作为新的一版
    Roster {
        file: std::path::PathBuf,
        #[arg(long, default_value = "collective")]
        collective: String,
        #[arg(long)]
        user: String,
    },
    /// 收益分配：按比例提取公积公益金、福利费，其余按股分配到每位成员（尾差按最大余数法）
    Distribute {
        #[arg(long)]
        year: i32,
        /// 公积公益金提取比例（%）
        #[arg(long)]
        reserve: String,
        /// 福利费提取比例（%）
        #[arg(long)]
        welfare: String,
        /// 可分配收益（省略时为未分配收益余额）
        #[arg(long)]
        amount: Option<String>,
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "collective")]
        collective: String,
        #[arg(long)]
        user: String,
    },
    /// 发放收益分配（借 应付成员收益分配 贷 银行存款）
    Pay {
        id: DistributionId,
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "collective")]
        collective: String,
        #[arg(long)]
        user: String,
    },
    /// 成员收益分配清单（text、csv、xlsx、json）
    Show {
        id: DistributionId,
        #[arg(long, default_value = "collective")]
        collective: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

async fn collective<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &CollectiveCommand) -> Result<()> {
    use crate::collective::plan::{parse_percent, Provisions};
    use crate::collective::Collective;
    let co = Collective::new(ledger);
    let book = |code: &str| BookArg { book: code.to_string() };
    match cmd {
        CollectiveCommand::Transfer { year, date, company, collective, user } => {
            let (company, collective) = (book_of(ledger, cli, &book(company)).await?, book_of(ledger, cli, &book(collective)).await?);
            let t = co.transfer_profit(&company, &collective, *year, parse_date("--date", date)?, user).await?;
            print_out(&format!("{year} 年度利润 {} 已转入 {}\n", Fen(t.amount_fen), collective.row.name));
        }
        CollectiveCommand::Roster { file, collective, user } => {
            let collective = book_of(ledger, cli, &book(collective)).await?;
            let bytes = super::read_file("--file", file)?;
            let n = co.import_roster(&collective, &bytes, user).await?;
            print_out(&format!("已导入成员名册：{n} 人\n"));
        }
        CollectiveCommand::Distribute { year, reserve, welfare, amount: a, date, collective, user } => {
            let collective = book_of(ledger, cli, &book(collective)).await?;
            let provisions =
                Provisions { reserve_bp: parse_percent("--reserve", reserve)?, welfare_bp: parse_percent("--welfare", welfare)? };
            let distributable = a.as_deref().map(|a| amount("--amount", a)).transpose()?;
            let d = co.distribute(&collective, *year, distributable, provisions, parse_date("--date", date)?, user).await?;
            print_out(&d.to_table().to_text());
        }
        CollectiveCommand::Pay { id, date, collective, user } => {
            let collective = book_of(ledger, cli, &book(collective)).await?;
            let voucher = co.pay(&collective, *id, parse_date("--date", date)?, user).await?;
            print_out(&format!("收益分配 #{id} 已发放，凭证 {voucher}\n"));
        }
        CollectiveCommand::Show { id, collective, format, out } => {
            let collective = book_of(ledger, cli, &book(collective)).await?;
            let d = co.distribution(&collective, *id).await?;
            write_or_print(out.as_deref(), &render(*format, || d.to_table(), &d)?, *format)?;
        }
    }
    Ok(())
}

/// The user the collective's commands name (`cli::actor`).
pub(super) fn keeper(command: &Command) -> Option<&str> {
    match command {
        Command::Collective(
            CollectiveCommand::Transfer { user, .. }
            | CollectiveCommand::Roster { user, .. }
            | CollectiveCommand::Distribute { user, .. }
            | CollectiveCommand::Pay { user, .. },
        ) => Some(user),
        _ => None,
    }
}

pub async fn run<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &CollectiveCommand) -> Result<i32> {
    collective(ledger, cli, cmd).await.map(|()| 0)
}
