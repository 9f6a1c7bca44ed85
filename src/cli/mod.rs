//! The command line: arguments in, text/CSV/JSON out. One file per wing (`ledger`, `fees`) and
//! the demo; each command is a thin call into a wing's operations, reports or verify; nothing
//! here decides an accounting rule.

pub mod demo;
mod fees;
mod ledger;
pub mod words;

use std::io::Write;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::store::FeesStore;
use crate::ledger::store::LedgerStore;
use crate::ledger::{Book, Ledger};
use crate::store::AnyStore;
use crate::with_store;

pub use ledger::verify_text;
use ledger::{BookCommand, ExportCommand, ImportCommand, VoucherCommand};

#[derive(Parser, Debug)]
#[command(name = "mingzhang", version, about = "明账：社区物业公司与村集体的公开账本")]
pub struct Cli {
    /// Database: a SQLite file path or a postgres:// URL. A new file is made only by `init`
    /// (and the demo); without --db, mingzhang.db in this folder if there is one.
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub db: Option<String>,
    /// The community (社区) to work in; may be left out when the database holds only one.
    #[arg(long, global = true)]
    pub community: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a community (社区).
    Init { name: String },
    /// Books (账套).
    #[command(subcommand)]
    Book(BookCommand),
    /// A book's chart of accounts (会计科目): list (optionally --find a code, name or pinyin
    /// initials), or `add` a sub-account.
    Accounts(ledger::AccountsArgs),
    /// Vouchers (记账凭证): add, review, post, reverse, list, show.
    #[command(subcommand)]
    Voucher(VoucherCommand),
    /// Close a month (结账).
    Close {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        period: String,
        #[arg(long)]
        user: String,
    },
    /// Draft the year-end carry-forward voucher (年末损益结转).
    YearEnd {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        user: String,
    },
    /// Import data from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Reports: trial-balance (科目余额表), ledger (明细账), journal (日记账), balance-sheet, income-statement.
    Report(ReportArgs),
    /// Re-check every invariant of the books; exits 2 if any fails.
    Verify {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Export a book for other tools.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Households (住户).
    #[command(subcommand)]
    Household(fees::HouseholdCommand),
    /// Fee items, standards and meter readings (收费项目、收费标准、抄表).
    #[command(subcommand)]
    Fee(fees::FeeCommand),
    /// Bill every household for a month (计费).
    Bill(fees::BillArgs),
    /// Record a payment and print its receipt (收款).
    Pay(fees::PayArgs),
    /// Waive part or all of a bill (减免).
    Waive(fees::WaiveArgs),
    /// Receipts (收据): show or reprint one, or void it.
    #[command(subcommand)]
    Receipt(fees::ReceiptCommand),
    /// Dunning notices (催缴通知单) for households in arrears, as one PDF.
    Dunning(fees::DunningArgs),
    /// Build the demo community on a fresh database and print its reports.
    Demo {
        #[arg(long, default_value_t = 20251)]
        seed: u64,
        /// The last of the three demo years.
        #[arg(long, default_value_t = 2025)]
        year: i32,
        /// Households in the demo community.
        #[arg(long, default_value_t = 3000)]
        households: usize,
        /// Build, print and exit (the web server arrives with the web pages).
        #[arg(long)]
        no_serve: bool,
    },
}

#[derive(Args, Debug, Clone)]
pub struct BookArg {
    /// Book code, e.g. company or collective.
    #[arg(long)]
    pub book: String,
}

/// How a report is written: text for the terminal, CSV (UTF-8 with BOM) or XLSX for Excel
/// (XLSX needs --out), JSON for scripts.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Xlsx,
    Json,
}

/// How a single record (a receipt) is shown: it has no table to give CSV or XLSX.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ShowFormat {
    Text,
    Json,
}

const DEFAULT_DB: &str = "mingzhang.db";

/// The database a command works on. A SQLite file is created only by `init`: a mistyped
/// `--db`, or none at all in the wrong folder, would otherwise start an empty book silently.
fn database(db: Option<&str>, creating: bool) -> Result<String> {
    let path = match db {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:") => {
            return Ok(url.to_string())
        }
        Some(path) => path.to_string(),
        None if std::path::Path::new(DEFAULT_DB).exists() => DEFAULT_DB.to_string(),
        None => {
            return Err(Error::invalid(
                "--db",
                format!("未指定数据库，当前文件夹也没有 {DEFAULT_DB}。请用 --db 指明数据库文件（或 postgres:// 地址），或设置 DATABASE_URL；新建账本：mingzhang --db 账本.db init 社区名称"),
            ))
        }
    };
    let file = path.split('?').next().unwrap_or(&path);
    if !creating && !file.is_empty() && !std::path::Path::new(file).exists() {
        return Err(Error::invalid(
            "--db",
            format!("数据库文件 {file} 不存在（路径写错了？）；新建账本请先运行：mingzhang --db {file} init 社区名称"),
        ));
    }
    Ok(path)
}

/// Runs the command line; returns the process exit code.
pub async fn run(cli: Cli) -> Result<i32> {
    if let Command::Demo { seed, year, households, no_serve } = &cli.command {
        return demo::run_demo(cli.db.as_deref(), *seed, *year, *households, *no_serve).await;
    }
    let db = database(cli.db.as_deref(), matches!(cli.command, Command::Init { .. }))?;
    let store = AnyStore::connect(&db).await?;
    store.pin_writer_here();
    with_store!(store, s => run_on(s, cli).await)
}

async fn run_on<S: FeesStore>(store: S, cli: Cli) -> Result<i32> {
    let ledger = Ledger::new(store.clone());
    let code = match &cli.command {
        Command::Report(args) => report(&ledger, &cli, args).await.map(|()| 0)?,
        _ => match fees::run(&ledger, &cli).await? {
            Some(code) => code,
            None => ledger::run(&ledger, &cli).await?,
        },
    };
    store.close().await;
    Ok(code)
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReportKind {
    TrialBalance,
    Ledger,
    /// 现金日记账 / 银行存款日记账 of --account, with 本日合计 after each day.
    Journal,
    BalanceSheet,
    IncomeStatement,
    /// 住户对账单 (needs --household).
    Statement,
    /// 欠费账龄 by building (or --by-household) at the end of --to.
    Aging,
    /// 收缴率 by building and month.
    Collection,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(value_enum)]
    pub kind: ReportKind,
    #[command(flatten)]
    pub book: BookArg,
    /// First period of the range (trial-balance, ledger).
    #[arg(long)]
    pub from: Option<String>,
    /// Last period of the range; also the report month of the statements.
    #[arg(long)]
    pub to: Option<String>,
    /// Account (ledger): its code, name or pinyin initials (yhck for 银行存款).
    #[arg(long)]
    pub account: Option<String>,
    /// Deepest account level shown (trial-balance).
    #[arg(long, default_value_t = 1)]
    pub level: u32,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the report to this file instead of the terminal (required for xlsx).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// 楼栋-单元-房号 (statement).
    #[arg(long)]
    pub household: Option<String>,
    /// Aging by household instead of by building.
    #[arg(long)]
    pub by_household: bool,
    /// The date a statement reckons late fees to (today when left out).
    #[arg(long)]
    pub date: Option<String>,
}

/// A report of either wing, in the months asked for.
async fn report<S: FeesStore>(ledger: &Ledger<S>, cli: &Cli, args: &ReportArgs) -> Result<()> {
    let book = book_of(ledger, cli, &args.book).await?;
    let (from, to) = ledger::report_range(ledger, &book, args).await?;
    if args.format == Format::Xlsx && args.out.is_none() {
        return Err(Error::invalid("--out", "XLSX 须写入文件，请用 --out 指定，例如 --out 科目余额表.xlsx"));
    }
    let bytes = match args.kind {
        ReportKind::Statement | ReportKind::Aging | ReportKind::Collection => fees::report_bytes(ledger, &book, args, from, to).await?,
        _ => ledger::report_bytes(ledger, &book, args, from, to).await?,
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| Error::invalid("--out", format!("无法写入 {}：{e}", path.display())))?;
            print_out(&format!("已写入 {}\n", path.display()));
        }
        None => print_out(&String::from_utf8_lossy(&bytes)),
    }
    Ok(())
}

/// The community named by --community, or the only one.
pub(crate) async fn community_of<S: LedgerStore>(ledger: &Ledger<S>, cli: &Cli) -> Result<crate::ledger::store::CommunityRow> {
    ledger.community(cli.community.as_deref()).await
}

/// The book named by --book in the community of the command.
pub(crate) async fn book_of<S: LedgerStore>(ledger: &Ledger<S>, cli: &Cli, arg: &BookArg) -> Result<Book> {
    let c = community_of(ledger, cli).await?;
    ledger.book(c.id, &arg.book).await
}

/// One report in the format asked for: its table as text, CSV or XLSX, or the value as JSON.
pub(crate) fn render<T: serde::Serialize>(
    format: Format,
    table: impl FnOnce() -> crate::report::table::Table,
    value: &T,
) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Text => table().to_text().into_bytes(),
        Format::Csv => table().to_csv().into_bytes(),
        Format::Xlsx => table().to_xlsx()?,
        Format::Json => json(value).into_bytes(),
    })
}

pub(crate) fn parse_period(field: &str, text: &str) -> Result<Period> {
    Period::parse(text).ok_or_else(|| Error::invalid(field, format!("“{text}”不是会计期间，应写作 2025-01")))
}

pub(crate) fn parse_date(field: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| Error::invalid(field, format!("“{text}”不是日期，应写作 2025-01-31")))
}

pub(crate) fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (e.g. `| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}
