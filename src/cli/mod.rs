//! The command line: arguments in, text/CSV/JSON out. Each command is a thin call into the
//! ledger, reports, verify or export; nothing here decides an accounting rule.

pub mod demo;
mod fees;

use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::Fees;
use crate::ledger::export;
use crate::ledger::voucher::{voucher_label, Dimensions, LineInput, VoucherInput, VoucherStatus};
use crate::ledger::{describe, Book, Ledger};
use crate::report::{self, statement};
use crate::store::{AnyStore, Store};
use crate::verify;
use crate::with_store;

#[derive(Parser, Debug)]
#[command(name = "mingzhang", version, about = "明账：社区物业公司与村集体的公开账本")]
pub struct Cli {
    /// Database: a SQLite file path (created if missing) or a postgres:// URL. Default
    /// mingzhang.db, and mingzhang-demo.db for the demo.
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
    /// List a book's chart of accounts (会计科目).
    Accounts(BookArg),
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
    /// Reports: trial-balance (科目余额表), ledger (明细账), balance-sheet, income-statement.
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

#[derive(Subcommand, Debug)]
pub enum BookCommand {
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// Chart template: small_enterprise (小企业会计准则) or rural_collective (农村集体经济组织会计制度).
        #[arg(long)]
        chart: String,
        /// First period, e.g. 2025-01.
        #[arg(long)]
        start: String,
    },
    List,
}

#[derive(Subcommand, Debug)]
pub enum VoucherCommand {
    /// Enter a draft (制单). Lines: --debit CODE,AMOUNT,摘要 and --credit CODE,AMOUNT,摘要, or --file voucher.json.
    Add {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        user: String,
        #[arg(long, default_value_t = 0)]
        attachments: u32,
        #[arg(long)]
        debit: Vec<String>,
        #[arg(long)]
        credit: Vec<String>,
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Review a draft (审核); the reviewer must not be its maker.
    Review {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        id: i64,
        #[arg(long)]
        user: String,
    },
    /// Post a reviewed voucher (记账).
    Post {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        id: i64,
        #[arg(long)]
        user: String,
    },
    /// Draft a red-ink reversal (红字冲销) of a posted voucher.
    Reverse {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        id: i64,
        #[arg(long)]
        user: String,
        #[arg(long)]
        date: String,
    },
    List {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        period: String,
    },
    Show {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Opening balances (期初余额): CSV with 科目编码,借方余额,贷方余额.
    Opening {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// An hledger journal of the book.
    Hledger {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReportKind {
    TrialBalance,
    Ledger,
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
    /// Account code (ledger).
    #[arg(long)]
    pub account: Option<String>,
    /// Deepest account level shown (trial-balance).
    #[arg(long, default_value_t = 1)]
    pub level: u32,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
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

const DEFAULT_DB: &str = "mingzhang.db";
/// A month's voucher list on the terminal; more is for the reports and exports.
const MAX_LISTED_VOUCHERS: i64 = 10_000;
/// The demo's own file: rebuilt on every run, so the README command can be run again.
const DEFAULT_DEMO_DB: &str = "mingzhang-demo.db";

/// Runs the command line; returns the process exit code.
pub async fn run(cli: Cli) -> Result<i32> {
    if let Command::Demo { seed, year, households, no_serve } = &cli.command {
        return run_demo(cli.db.as_deref(), *seed, *year, *households, *no_serve).await;
    }
    let store = AnyStore::connect(cli.db.as_deref().unwrap_or(DEFAULT_DB)).await?;
    store.pin_writer_here();
    with_store!(store, s => run_on(s, cli).await)
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

async fn run_on<S: Store>(store: S, cli: Cli) -> Result<i32> {
    let ledger = Ledger::new(store.clone());
    let fee_wing = Fees::new(&ledger);
    let community = || ledger.community(cli.community.as_deref());
    let book_of = |arg: &BookArg| {
        let arg = arg.clone();
        let ledger = &ledger;
        let name = cli.community.clone();
        async move {
            let c = ledger.community(name.as_deref()).await?;
            ledger.book(c.id, &arg.book).await
        }
    };
    match &cli.command {
        Command::Init { name } => {
            let c = ledger.create_community(name).await?;
            print_out(&format!("已创建社区“{}”（编号 {}）\n", c.name, c.id));
        }
        Command::Book(BookCommand::Create { code, name, chart, start }) => {
            let c = community().await?;
            let book = ledger.create_book(c.id, code, name, chart, parse_period("--start", start)?).await?;
            print_out(&format!(
                "已创建账套 {}（{}），科目 {} 个，执行《{}》\n",
                book.row.code,
                book.row.name,
                book.chart.len(),
                book.row.standard
            ));
        }
        Command::Book(BookCommand::List) => {
            let c = community().await?;
            for b in ledger.books(c.id).await? {
                print_out(&format!("{}\t{}\t{}\t已记账凭证 {} 张\n", b.code, b.name, b.standard, b.chain_len));
            }
        }
        Command::Accounts(arg) => {
            let book = book_of(arg).await?;
            for a in book.chart.values() {
                let indent = "  ".repeat(a.level as usize - 1);
                print_out(&format!(
                    "{}{}\t{}\t{}\t{}{}\n",
                    indent,
                    a.code,
                    a.name,
                    a.class.label(),
                    a.normal_side.label(),
                    if a.is_leaf { "" } else { "\t（有下级）" }
                ));
            }
        }
        Command::Voucher(cmd) => voucher_command(&ledger, cmd, &book_of(voucher_book(cmd)).await?).await?,
        Command::Close { book, period, user } => {
            let book = book_of(book).await?;
            let p = parse_period("--period", period)?;
            ledger.close_period(&book, p, user).await?;
            print_out(&format!("{} {} 已结账\n", book.row.name, p));
        }
        Command::YearEnd { book, year, user } => {
            let book = book_of(book).await?;
            match ledger.draft_year_end(&book, *year, user).await? {
                Some(id) => print_out(&format!("已生成年末损益结转凭证（草稿 #{id}），请审核、记账后再结账 {year}-12\n")),
                None => print_out("损益类科目均无余额，无需结转\n"),
            }
        }
        Command::Import(ImportCommand::Opening { book, file }) => {
            let book = book_of(book).await?;
            let text = std::fs::read_to_string(file)?;
            let n = ledger.import_opening(&book, &text).await?;
            print_out(&format!("已导入期初余额 {n} 个科目\n"));
        }
        Command::Report(args) => {
            let book = book_of(&args.book).await?;
            print_out(&report_text(&store, &book, args).await?);
        }
        Command::Verify { format } => {
            let report = verify::verify_all(&store).await?;
            if *format == Format::Json {
                print_out(&json(&report));
            } else {
                print_out(&verify_text(&report));
            }
            if !report.is_clean() {
                return Ok(2);
            }
        }
        Command::Export(ExportCommand::Hledger { book, out }) => {
            let book = book_of(book).await?;
            let n = match out {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
                    export::write_hledger(&store, &book, &mut file).await?
                }
                None => export::write_hledger(&store, &book, &mut std::io::BufWriter::new(std::io::stdout().lock())).await?,
            };
            if out.is_some() {
                eprintln!("已导出 {n} 张凭证");
            }
        }
        Command::Household(cmd) => fees::households(&fee_wing, community().await?.id, cmd).await?,
        Command::Fee(cmd) => {
            let book = book_of(match cmd {
                fees::FeeCommand::Item { book, .. } | fees::FeeCommand::Standard { book, .. } | fees::FeeCommand::Meter { book, .. } => {
                    book
                }
            })
            .await?;
            fees::fees(&fee_wing, &book, cmd).await?
        }
        Command::Bill(args) => fees::bill(&fee_wing, &book_of(&args.book).await?, args).await?,
        Command::Pay(args) => fees::pay(&fee_wing, &book_of(&args.book).await?, args).await?,
        Command::Waive(args) => fees::waive(&fee_wing, &book_of(&args.book).await?, args).await?,
        Command::Receipt(cmd) => {
            let (fees::ReceiptCommand::Show { book, .. } | fees::ReceiptCommand::Void { book, .. }) = cmd;
            fees::receipts(&fee_wing, &book_of(book).await?, cmd).await?
        }
        Command::Dunning(args) => fees::dunning(&store, &book_of(&args.book).await?, args).await?,
        Command::Demo { .. } => unreachable!("handled before connecting"),
    }
    store.close().await;
    Ok(0)
}

fn voucher_book(cmd: &VoucherCommand) -> &BookArg {
    match cmd {
        VoucherCommand::Add { book, .. }
        | VoucherCommand::Review { book, .. }
        | VoucherCommand::Post { book, .. }
        | VoucherCommand::Reverse { book, .. }
        | VoucherCommand::List { book, .. }
        | VoucherCommand::Show { book, .. } => book,
    }
}

/// "CODE,AMOUNT,摘要" → a line on the given side.
fn parse_line_arg(flag: &str, text: &str, debit_side: bool) -> Result<LineInput> {
    let mut parts = text.splitn(3, [',', '，']);
    let (code, amount, summary) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let fen = Fen::parse(amount).map_err(|e| Error::invalid(flag, format!("“{text}”的金额{e}（格式：科目编码,金额,摘要）")))?;
    let (debit, credit) = if debit_side { (fen, Fen::ZERO) } else { (Fen::ZERO, fen) };
    Ok(LineInput {
        summary: summary.trim().to_string(),
        account: code.trim().to_string(),
        debit,
        credit,
        dimensions: Dimensions::default(),
    })
}

async fn voucher_command<S: Store>(ledger: &Ledger<S>, cmd: &VoucherCommand, book: &Book) -> Result<()> {
    match cmd {
        VoucherCommand::Add { date, user, attachments, debit, credit, file, .. } => {
            let input = match file {
                Some(path) => {
                    let text = std::fs::read_to_string(path)?;
                    serde_json::from_str::<VoucherInput>(&text)
                        .map_err(|e| Error::invalid(path.display().to_string(), format!("凭证 JSON 无法解析：{e}")))?
                }
                None => {
                    let date = parse_date("--date", date.as_deref().ok_or_else(|| Error::invalid("--date", "须填写凭证日期"))?)?;
                    let mut lines = Vec::new();
                    for d in debit {
                        lines.push(parse_line_arg("--debit", d, true)?);
                    }
                    for c in credit {
                        lines.push(parse_line_arg("--credit", c, false)?);
                    }
                    VoucherInput { date, attachments: *attachments, lines }
                }
            };
            let id = ledger.draft(book, user, &input).await?;
            print_out(&format!("已制单：凭证草稿 #{id}，待审核\n"));
        }
        VoucherCommand::Review { id, user, .. } => {
            ledger.review(book, *id, user).await?;
            print_out(&format!("凭证 #{id} 已审核\n"));
        }
        VoucherCommand::Post { id, user, .. } => {
            let p = ledger.post(book, *id, user).await?;
            print_out(&format!("凭证 #{id} 已记账：{} {}\n", p.period, p.label));
        }
        VoucherCommand::Reverse { id, user, date, .. } => {
            let new_id = ledger.reverse(book, *id, user, parse_date("--date", date)?).await?;
            print_out(&format!("已生成红字冲销凭证草稿 #{new_id}，待审核\n"));
        }
        VoucherCommand::List { period, .. } => {
            let p = parse_period("--period", period)?;
            let mut tx = ledger.store.read().await?;
            use crate::ledger::store::LedgerTx;
            // A listing that hits its limit says so rather than ending silently.
            let vouchers = tx.vouchers(book.id(), p.key(), p.key(), MAX_LISTED_VOUCHERS + 1).await?;
            if vouchers.len() as i64 > MAX_LISTED_VOUCHERS {
                eprintln!(
                    "本月凭证超过 {MAX_LISTED_VOUCHERS} 张，只列出前 {MAX_LISTED_VOUCHERS} 张；请用 report ledger 或 export 查看全部"
                );
            }
            for v in vouchers.into_iter().take(MAX_LISTED_VOUCHERS as usize) {
                let number = v.number.map(voucher_label).unwrap_or_else(|| "—".into());
                print_out(&format!(
                    "#{}\t{}\t{}\t{}\t制单 {}\t审核 {}\n",
                    v.id,
                    v.voucher_date,
                    number,
                    VoucherStatus::parse(&v.status).map_or_else(|| v.status.clone(), |s| s.label().to_string()),
                    v.maker,
                    v.reviewer.unwrap_or_default()
                ));
            }
        }
        VoucherCommand::Show { id, .. } => {
            let (v, lines) = ledger.voucher(book, *id).await?;
            print_out(&format!(
                "记账凭证 {}    日期 {}    附单据 {} 张    状态 {}\n",
                describe(&v),
                v.voucher_date,
                v.attachments,
                v.status
            ));
            for l in &lines {
                let a = book.account_by_id(l.account_id);
                print_out(&format!(
                    "  {}\t{} {}\t借 {}\t贷 {}\n",
                    l.summary,
                    book.code_of(l.account_id),
                    a.map_or("", |a| a.name.as_str()),
                    Fen(l.debit_fen),
                    Fen(l.credit_fen)
                ));
            }
            print_out(&format!("制单 {}  审核 {}  记账 {}\n", v.maker, v.reviewer.unwrap_or_default(), v.poster.unwrap_or_default()));
        }
    }
    Ok(())
}

async fn report_text<S: Store>(store: &S, book: &Book, args: &ReportArgs) -> Result<String> {
    let to = match &args.to {
        Some(t) => parse_period("--to", t)?,
        None => last_period_with_data(store, book).await?,
    };
    let from = match &args.from {
        Some(f) => parse_period("--from", f)?,
        None => to.first_of_year(),
    };
    Ok(match args.kind {
        ReportKind::TrialBalance => {
            let tb = report::trial_balance(store, book, from, to, args.level).await?;
            match args.format {
                Format::Text => tb.to_table().to_text(),
                Format::Csv => tb.to_csv(),
                Format::Json => json(&tb),
            }
        }
        ReportKind::Ledger => {
            let code = args.account.as_deref().ok_or_else(|| Error::invalid("--account", "明细账须指明科目编码"))?;
            let l = report::account_ledger(store, book, code, from, to).await?;
            match args.format {
                Format::Text => l.to_table().to_text(),
                Format::Csv => l.to_table().to_csv(),
                Format::Json => json(&l),
            }
        }
        ReportKind::Statement => {
            let label = args.household.as_deref().ok_or_else(|| Error::invalid("--household", "对账单须指明住户（楼栋-单元-房号）"))?;
            let household = Fees::new(&Ledger::new(store.clone())).household_by_label(book.row.community_id, label).await?;
            let as_of = match &args.date {
                Some(d) => parse_date("--date", d)?,
                None => chrono::Local::now().date_naive(),
            };
            let st = crate::fees::reports::household_statement(store, book, &household, as_of).await?;
            match args.format {
                Format::Text => st.to_table().to_text(),
                Format::Csv => st.to_table().to_csv(),
                Format::Json => json(&st),
            }
        }
        ReportKind::Aging => {
            let a = crate::fees::reports::aging(store, book, to, args.by_household).await?;
            match args.format {
                Format::Text => a.to_table().to_text(),
                Format::Csv => a.to_table().to_csv(),
                Format::Json => json(&a),
            }
        }
        ReportKind::Collection => {
            let c = crate::fees::reports::collection(store, book, from, to).await?;
            match args.format {
                Format::Text => c.to_table().to_text(),
                Format::Csv => c.to_table().to_csv(),
                Format::Json => json(&c),
            }
        }
        ReportKind::BalanceSheet | ReportKind::IncomeStatement => {
            let id = if matches!(args.kind, ReportKind::BalanceSheet) { "balance_sheet" } else { "income_statement" };
            let s = statement::statement(store, book, id, to).await?;
            match args.format {
                Format::Text => s.to_table().to_text(),
                Format::Csv => s.to_table().to_csv(),
                Format::Json => json(&s),
            }
        }
    })
}

/// The latest period that has postings, or the start period of an empty book.
async fn last_period_with_data<S: Store>(store: &S, book: &Book) -> Result<Period> {
    let mut tx = store.read().await?;
    use crate::ledger::store::LedgerTx;
    let last = tx.balances(book.id()).await?.iter().map(|b| b.period).max();
    Ok(last.and_then(Period::from_key).unwrap_or_else(|| book.start_period()))
}

pub fn verify_text(report: &verify::VerifyReport) -> String {
    let mut out = format!("校验 {} 个账套、{} 张已记账凭证、{} 条分录：", report.books, report.vouchers, report.lines);
    if report.is_clean() {
        out.push_str("全部通过（借贷平衡、试算平衡、凭证号连续、余额表与分录一致、哈希链完整）\n");
    } else {
        out.push_str(&format!("发现 {} 处问题\n", report.findings.len()));
        for f in &report.findings {
            out.push_str(&format!("  [不变式{}] {} / {}：{}\n", f.invariant, f.community, f.book, f.message));
        }
    }
    out
}

async fn run_demo(db: Option<&str>, seed: u64, year: i32, households: usize, no_serve: bool) -> Result<i32> {
    let db = match db {
        Some(db) => {
            let is_file = !(db.starts_with("postgres://") || db.starts_with("postgresql://"));
            if is_file && std::path::Path::new(db).exists() {
                return Err(Error::invalid("--db", format!("演示数据须建在新数据库上，文件 {db} 已存在（请删除或换一个 --db）")));
            }
            db
        }
        None => {
            for suffix in ["", "-wal", "-shm"] {
                let path = format!("{DEFAULT_DEMO_DB}{suffix}");
                if std::path::Path::new(&path).exists() {
                    std::fs::remove_file(&path)?;
                }
            }
            DEFAULT_DEMO_DB
        }
    };
    let store = AnyStore::connect(db).await?;
    store.pin_writer_here();
    with_store!(store, s => {
        let ledger = Ledger::new(s.clone());
        let books = demo::build(&ledger, seed, year, households).await?;
        let december = Period::new(year, 12).ok_or_else(|| Error::invalid("--year", year.to_string()))?;
        let january = december.first_of_year();
        let mut out = format!("演示社区“{}”已建于 {db}（种子 {seed}）\n\n", demo::COMMUNITY);
        for book in [&books.company, &books.collective] {
            out += &report::trial_balance(&s, book, january, december, 1).await?.to_table().to_text();
            out.push('\n');
        }
        for id in ["balance_sheet", "income_statement"] {
            out += &statement::statement(&s, &books.company, id, december).await?.to_table().to_text();
            out.push('\n');
        }
        let mut rates = crate::fees::reports::collection(&s, &books.company, january, december).await?;
        rates.lines.retain(|l| l.building == "全部");
        out += &rates.to_table().to_text();
        out.push('\n');
        out += &crate::fees::reports::aging(&s, &books.company, december, false).await?.to_table().to_text();
        out.push('\n');
        let report = verify::verify_all(&s).await?;
        out += &verify_text(&report);
        if !no_serve {
            out += "\n（网页服务将在后续版本提供；本版本构建演示数据后退出。）\n";
        }
        print_out(&out);
        s.close().await;
        Ok(if report.is_clean() { 0 } else { 2 })
    })
}
