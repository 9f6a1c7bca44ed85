//! `mingzhang asset`: the fixed-asset register (固定资产卡片), the month's depreciation and
//! disposal.

use clap::Subcommand;
use rust_decimal::Decimal;

use super::{amount, book_of, parse_date, parse_period, print_out, BookArg, Cli, Command};
use crate::assets::store::AssetsStore;
use crate::assets::{Assets, CardInput, CardLine, DisposalInput, Method};
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::ledger::Ledger;

#[derive(Subcommand, Debug)]
pub enum AssetCommand {
    /// 新增固定资产卡片（当月启用的资产从下月起计提折旧）
    Add {
        #[command(flatten)]
        book: BookArg,
        /// 卡片编号，账套内唯一
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// 资产类别，例如 房屋及建筑物、机器设备、电子设备
        #[arg(long)]
        category: String,
        /// 启用日期，例如 2025-01-15
        #[arg(long)]
        in_service: String,
        /// 原值（元），例如 120000.00
        #[arg(long)]
        original: String,
        /// 预计使用年限（月），1 至 600
        #[arg(long)]
        life_months: i64,
        /// 预计净残值率（%），例如 5；须小于 100
        #[arg(long)]
        residual_rate: String,
        /// 折旧方法：straight_line（年限平均法）
        #[arg(long, default_value = "straight_line")]
        method: String,
        /// 折旧计入的费用科目（末级），省略时为管理费用
        #[arg(long)]
        expense_account: Option<String>,
        /// 出资的补贴项目（文号或编号，核算方式须为 asset）
        #[arg(long)]
        program: Option<String>,
        /// 补贴项目出资的金额（元），不超过原值
        #[arg(long)]
        funded: Option<String>,
        /// 期初累计折旧（元）：启用早于账套启用期间的资产须填写
        #[arg(long)]
        opening_accumulated: Option<String>,
        #[arg(long)]
        user: String,
    },
    /// 固定资产卡片一览：原值、累计折旧、净值、月折旧额
    List {
        #[command(flatten)]
        book: BookArg,
    },
    /// 计提某月折旧：全部在用资产合为一张凭证（借 费用 贷 累计折旧），每月一次
    Depreciate {
        #[command(flatten)]
        book: BookArg,
        /// 会计期间，例如 2025-02
        #[arg(long)]
        period: String,
        #[arg(long)]
        user: String,
    },
    /// 处置固定资产（出售、报废）：经固定资产清理，净损益计入营业外收支
    Dispose {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        code: String,
        #[arg(long)]
        date: String,
        /// 处置收入（元），省略为 0
        #[arg(long, default_value = "0")]
        proceeds: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        user: String,
    },
}

/// The user an asset command records, checked by `cli::actor`.
pub(super) fn keeper(command: &Command) -> Option<&str> {
    match command {
        Command::Asset(AssetCommand::Add { user, .. } | AssetCommand::Depreciate { user, .. } | AssetCommand::Dispose { user, .. }) => {
            Some(user)
        }
        _ => None,
    }
}

pub async fn run<S: AssetsStore>(ledger: &Ledger<S>, cli: &Cli) -> Result<Option<i32>> {
    let Command::Asset(cmd) = &cli.command else { return Ok(None) };
    let assets = Assets::new(ledger);
    match cmd {
        AssetCommand::Add { .. } => add(ledger, cli, cmd).await?,
        AssetCommand::List { book } => {
            let book = book_of(ledger, cli, book).await?;
            let lines = assets.list(&book).await?;
            print_out(&CardLine::table(&book, &lines).to_text());
        }
        AssetCommand::Depreciate { book, period, user } => {
            let book = book_of(ledger, cli, book).await?;
            let run = assets.depreciate(&book, parse_period("--period", period)?, user).await?;
            match &run.voucher {
                None => print_out(&format!("{} 没有应计提折旧的固定资产，未生成凭证\n", run.period)),
                Some(v) => print_out(&format!("已计提 {} 折旧：{} 项资产，合计 {}，凭证 {v}\n", run.period, run.cards, run.depreciation)),
            }
            if let Some(v) = &run.release_voucher {
                print_out(&format!("按折旧进度结转与资产相关的政府补助 {}，凭证 {v}\n", run.released));
            }
        }
        AssetCommand::Dispose { book, code, date, proceeds, reason, user } => {
            let book = book_of(ledger, cli, book).await?;
            let input = DisposalInput { code, date: parse_date("--date", date)?, proceeds: amount("--proceeds", proceeds)?, reason };
            let d = assets.dispose(&book, &input, user).await?;
            let outcome = if d.gain.0 >= 0 { format!("净收益 {}", d.gain) } else { format!("净损失 {}", Fen(-d.gain.0)) };
            print_out(&format!(
                "已处置 {}：累计折旧 {}，净值 {}，{outcome}；凭证 {}\n",
                d.code,
                d.accumulated,
                d.net,
                d.vouchers.join("、")
            ));
        }
    }
    Ok(Some(0))
}

async fn add<S: AssetsStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &AssetCommand) -> Result<()> {
    let AssetCommand::Add {
        book,
        code,
        name,
        category,
        in_service,
        original,
        life_months,
        residual_rate,
        method,
        expense_account,
        program,
        funded,
        opening_accumulated,
        user,
    } = cmd
    else {
        return Ok(());
    };
    let book = book_of(ledger, cli, book).await?;
    let residual_rate_percent: Decimal = residual_rate
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| Error::invalid("--residual-rate", format!("“{residual_rate}”不是百分数，例如 5 表示 5%")))?;
    let input = CardInput {
        code,
        name,
        category,
        in_service_on: parse_date("--in-service", in_service)?,
        original: amount("--original", original)?,
        life_months: *life_months,
        residual_rate_percent,
        method: Method::parse(method)
            .ok_or_else(|| Error::invalid("--method", format!("“{method}”不是折旧方法：straight_line（年限平均法）")))?,
        expense_account: expense_account.as_deref(),
        program: program.as_deref(),
        funded: funded.as_deref().map(|f| amount("--funded", f)).transpose()?,
        opening_accumulated: opening_accumulated.as_deref().map(|f| amount("--opening-accumulated", f)).transpose()?,
    };
    let card = Assets::new(ledger).add(&book, &input, user).await?;
    let first = crate::assets::first_month(card.in_service_on);
    print_out(&format!(
        "已新增固定资产 {} {}：原值 {}，净残值 {}，{} 个月，自 {first} 起每月计提 {}（{}）\n",
        card.code,
        card.name,
        Fen(card.original_fen),
        Fen(card.residual_fen),
        card.life_months,
        Fen(card.terms().monthly_fen()),
        card.expense_account
    ));
    Ok(())
}
