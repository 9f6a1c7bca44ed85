//! `mingzhang report`: which report, over which months, in which format; each wing renders
//! its own (`ledger::report_bytes`, `fees::report_bytes`).

use clap::{Args, ValueEnum};

use super::{book_of, fees, ledger, render, write_or_print, BookArg, Cli, Format};
use crate::error::{Error, Result};
use crate::ledger::Ledger;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReportKind {
    TrialBalance,
    Ledger,
    /// --account 科目的现金日记账 / 银行存款日记账，每日末尾列本日合计
    Journal,
    BalanceSheet,
    IncomeStatement,
    /// 现金流量表（会小企03表，小企业会计准则账套）
    CashFlow,
    /// 住户对账单（须指定 --household）
    Statement,
    /// 截至 --to 月末的欠费账龄，按楼栋（或加 --by-household 按住户）列示
    Aging,
    /// 收缴率，按楼栋和月份列示
    Collection,
    /// 预算执行：各服务类别的年度预算、本月实际、本年累计、差异与执行率（截至 --to 月末）
    Budget,
    /// 预算执行（分月）：各服务类别逐月的实际数
    BudgetByMonth,
    /// 公共收益收支情况：逐月的收入（按来源）、分成、业主共有部分、支出与结余
    PublicRevenue,
    /// 街道物业费汇总表：各社区 --book 账套截至 --to 月的户数、当期应收、当期实收、收缴率与欠费，末行合计（--street 限定街道，省略时为全部社区；不需 --community）
    District,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(value_enum)]
    pub kind: ReportKind,
    #[command(flatten)]
    pub book: BookArg,
    /// 起始会计期间（trial-balance、ledger）
    #[arg(long)]
    pub from: Option<String>,
    /// 截止会计期间；资产负债表、利润表亦以此为报表月份
    #[arg(long)]
    pub to: Option<String>,
    /// 科目（ledger）：科目编码、名称或拼音首字母（如 yhck 即银行存款）
    #[arg(long)]
    pub account: Option<String>,
    /// 显示到第几级科目（trial-balance）
    #[arg(long, default_value_t = 1)]
    pub level: u32,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// 将报表写入此文件而不输出到终端（xlsx 必须指定）
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// 楼栋-单元-房号（statement）
    #[arg(long)]
    pub household: Option<String>,
    /// 账龄按住户列示，而非按楼栋
    #[arg(long)]
    pub by_household: bool,
    /// 对账单计算滞纳金的截止日期（省略时为当天）
    #[arg(long)]
    pub date: Option<String>,
    /// 街道（district）：只汇总该街道的社区
    #[arg(long)]
    pub street: Option<String>,
}

/// A report of either wing, in the months asked for.
pub(super) async fn report<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli, args: &ReportArgs) -> Result<()> {
    if matches!(args.kind, ReportKind::District) {
        return district(ledger, args).await;
    }
    let book = book_of(ledger, cli, &args.book).await?;
    let (from, to) = ledger::report_range(ledger, &book, args).await?;
    // XLSX and PDF are files, not text: asked for first, before the report is read.
    if matches!(args.format, Format::Xlsx | Format::Pdf) && args.out.is_none() {
        return Err(Error::invalid("--out", "XLSX 和 PDF 须写入文件，请用 --out 指定，例如 --out 科目余额表.xlsx"));
    }
    let bytes = match args.kind {
        ReportKind::Statement | ReportKind::Aging | ReportKind::Collection => fees::report_bytes(ledger, &book, args, from, to).await?,
        ReportKind::PublicRevenue => {
            let r = crate::public_revenue::PublicRevenue::new(ledger).report(&book, to).await?;
            render(args.format, || r.to_table(), &r)?
        }
        ReportKind::Budget | ReportKind::BudgetByMonth => {
            let e = crate::spending::Spending::new(ledger).budget_execution(&book, to).await?;
            match args.kind {
                ReportKind::Budget => render(args.format, || e.to_table(), &e)?,
                _ => render(args.format, || e.by_month_table(), &e)?,
            }
        }
        _ => ledger::report_bytes(ledger, &book, args, from, to).await?,
    };
    write_or_print(args.out.as_deref(), &bytes, args.format)
}

/// The district report: the book coded `--book` of every community (of `--street`), one line each
/// and their total, for the month `--to` (the latest billed, if not given). A community without
/// such a book is named under the table, not left out silently.
async fn district<S: crate::app::AppStore>(ledger: &Ledger<S>, args: &ReportArgs) -> Result<()> {
    use crate::fees::office::OfficeCommunity;
    if matches!(args.format, Format::Xlsx | Format::Pdf) && args.out.is_none() {
        return Err(Error::invalid("--out", "XLSX 和 PDF 须写入文件，请用 --out 指定，例如 --out 街道汇总.xlsx"));
    }
    let period = args.to.as_deref().map(|t| super::parse_period("--to", t)).transpose()?;
    let mut communities = Vec::new();
    let mut without = Vec::new();
    for (c, street) in crate::access::Access::new(ledger.store.clone()).community_streets().await? {
        if args.street.as_deref().is_some_and(|s| s != street) {
            continue;
        }
        match ledger.books(c.id).await?.into_iter().find(|b| b.code == args.book.book) {
            Some(b) => communities.push(OfficeCommunity { id: c.id, name: c.name, street, book: b.key() }),
            None => without.push(c.name),
        }
    }
    if communities.is_empty() {
        let street = args.street.as_deref().map(|s| format!("街道“{s}”中")).unwrap_or_default();
        return Err(Error::not_found(format!("{street}有账套 {} 的社区", args.book.book)));
    }
    let d = crate::fees::Fees::new(ledger).district(&communities, period).await?;
    let table = || {
        let mut t = d.to_table();
        if !without.is_empty() {
            t.subtitle.push(format!("未含（无账套 {}）：{}", args.book.book, without.join("、")));
        }
        t
    };
    let bytes = render(args.format, table, &d)?;
    write_or_print(args.out.as_deref(), &bytes, args.format)
}
