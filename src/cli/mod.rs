//! The command line: arguments in, text/CSV/JSON out. One file per wing (`ledger`, `fees`) and
//! the demo; each command is a thin call into a wing's operations, reports or verify; nothing
//! here decides an accounting rule.

mod access;
mod assets;
mod audit;
mod collective;
pub mod demo;
mod disclose;
mod fee_items;
mod fees;
mod ledger;
mod public_revenue;
mod report;
mod spending;
mod subsidies;
pub mod words;

use std::io::Write;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::access::{Access, Act};
use crate::domain::ids::DistributionId;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::store::LedgerStore;
use crate::ledger::{Book, Ledger};
use crate::store::AnyStore;

use audit::audit_command;
pub use ledger::verify_text;
use ledger::{BookCommand, ExportCommand, ImportCommand, VoucherCommand};
use report::report;
pub use report::{ReportArgs, ReportKind};

#[derive(Parser, Debug)]
#[command(name = "mingzhang", version, about = "明账：社区物业公司与村集体的公开账本")]
pub struct Cli {
    /// 数据库：SQLite 文件路径或 postgres:// 地址；只有 `init`（及 demo）会新建文件；未指定 --db 时，使用当前文件夹中的 mingzhang.db（如有）
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub db: Option<String>,
    /// 要操作的社区；数据库中只有一个社区时可省略
    #[arg(long, global = true)]
    pub community: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 新建社区
    Init { name: String },
    /// 账套：新建、列出
    #[command(subcommand)]
    Book(BookCommand),
    /// 账套的会计科目：列出（可加 --find 按科目编码、名称或拼音首字母查找），或用 `add` 增设明细科目
    Accounts(ledger::AccountsArgs),
    /// 记账凭证：add 制单、review 审核、post 记账、reverse 冲销、list 列表、show 查看
    #[command(subcommand)]
    Voucher(VoucherCommand),
    /// 月末结账
    Close {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        period: String,
        #[arg(long)]
        user: String,
    },
    /// 生成年末损益结转凭证草稿
    YearEnd {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        user: String,
    },
    /// 生成月末计提附加税费凭证草稿（城市维护建设税、教育费附加、地方教育附加，按本月应交增值税）
    Surtax {
        #[command(flatten)]
        book: BookArg,
        /// 月份，如 2025-03
        #[arg(long)]
        period: String,
        /// 城市维护建设税税率（%）：市区 7，县城、镇 5，其他 1
        #[arg(long, default_value_t = 7)]
        city_rate: u32,
        /// 小规模纳税人减半征收（财政部 税务总局公告2023年第12号）
        #[arg(long)]
        halve: bool,
        /// 制单人
        #[arg(long)]
        user: String,
    },
    /// 从文件导入数据
    #[command(subcommand)]
    Import(ImportCommand),
    /// 报表：trial-balance 科目余额表、ledger 明细账、journal 日记账、balance-sheet 资产负债表、income-statement 利润表、cash-flow 现金流量表
    Report(ReportArgs),
    /// 逐项复核账簿的全部不变式；任一项不通过则退出码为 2
    Verify {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// 锚点文件（mingzhang anchor 写出）：核对其中各账套的链头仍在链上（可重复指定）
        #[arg(long)]
        anchor: Vec<std::path::PathBuf>,
        /// 收据二维码中的链哈希：核对其仍在某账套的链上（可重复指定）
        #[arg(long)]
        link: Vec<String>,
    },
    /// 备份：在使用中写出数据库的一致副本（SQLite 用 VACUUM INTO，PostgreSQL 用 pg_dump）
    Backup {
        /// 备份文件（不得已存在）
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// 恢复：将备份写入 --db 指定的新数据库（新的 SQLite 文件，或空的 PostgreSQL 数据库）
    Restore {
        /// 备份文件
        #[arg(long)]
        from: std::path::PathBuf,
        /// 备份之后已开出的最后一张纸质收据号（没有则写备份中的最后一张）；收据号从下一张起续，不会重号
        #[arg(long, required_unless_present = "anchor")]
        receipts_from: Option<i64>,
        /// 恢复前保存的锚点文件（mingzhang anchor）：其收据数更大时从其后起续
        #[arg(long)]
        anchor: Option<std::path::PathBuf>,
    },
    /// 体检：数据库引擎与完整性、结构（迁移）、日志、磁盘空间、链头（对照锚点文件）和最近备份，逐项说明应当如何处理；只读，不升级；有问题时退出码为 2
    Doctor {
        /// 锚点文件（mingzhang anchor 写出，保存在服务器以外）：核对各链头仍在链上（可重复指定）
        #[arg(long)]
        anchor: Vec<std::path::PathBuf>,
        /// 存放备份的文件夹：检查其中最近一次备份的时间和格式
        #[arg(long)]
        backups: Option<std::path::PathBuf>,
    },
    /// 在 Citus 集群上分布各表：社区的表按 community_id 分片（同一社区的行在同一分片），全局表为参考表；连接时已自动完成，此命令报告分布情况；可重复执行
    Distribute,
    /// 写出各账套当前的链头（锚点），请另行保存；日后 verify --anchor 据以发现被截断或改写的链尾
    Anchor {
        /// 写入此文件（省略时输出到终端）
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// 导出账套，供其他工具使用
    #[command(subcommand)]
    Export(ExportCommand),
    /// 住户：导入、列出
    #[command(subcommand)]
    Household(fees::HouseholdCommand),
    /// 附属单元（车位、车库、储藏室）：登记到所属住户、结束持有、列出
    #[command(subcommand)]
    Unit(fees::UnitCommand),
    /// 收费项目、收费标准、抄表读数
    #[command(subcommand)]
    Fee(fee_items::FeeCommand),
    /// 计费：为全部住户生成某月账单
    Bill(fees::BillArgs),
    /// 冲销计费：红字冲销一个计费批次（或其中一户）的账单，之后可重新计费
    Unbill(fees::UnbillArgs),
    /// 收款：登记一笔收款并打印收据
    Pay(fees::PayArgs),
    /// 日结：将截至某日尚未日结的收款，按日期和收款方式各汇总为一张凭证并记账
    DayClose(fees::DayCloseArgs),
    /// 减免：减免账单的部分或全部金额
    Waive(fees::WaiveArgs),
    /// 收据：查看或补打，或作废
    #[command(subcommand)]
    Receipt(fees::ReceiptCommand),
    /// 为欠费住户生成催缴通知单，合为一个 PDF
    Dunning(fees::DunningArgs),
    /// 补贴：项目、拨付、到账、撤回、对账、签字、结转递延收益
    #[command(subcommand)]
    Subsidy(subsidies::SubsidyCommand),
    /// 集体经济组织：利润上交、成员名册、收益分配与发放
    #[command(subcommand)]
    Collective(collective::CollectiveCommand),
    /// 公共收益：分成规则、收取、按决议支出、按月分成
    #[command(subcommand)]
    PublicRevenue(public_revenue::PublicRevenueCommand),
    /// 支出：按服务类别登记（可列入补贴项目）、列出
    #[command(subcommand)]
    Expense(spending::ExpenseCommand),
    /// 固定资产：卡片、按月计提折旧、处置
    #[command(subcommand)]
    Asset(assets::AssetCommand),
    /// 用户：新增、列出、停用、重设密码、生成 API 令牌
    #[command(subcommand)]
    User(access::UserCommand),
    /// 设定社区所属的街道（街道财政所的用户可查看本街道的全部社区）
    Street { street: String },
    /// 公示：编制某期（月、季、年）的公示包，写出 JSON、PDF、CSV、HTML；加 --publish 由审核员审核发布
    Disclose(disclose::DiscloseArgs),
    /// 集体收益分配：依成员（代表）大会决议，在成员专页（/c/社区/members）公示全体成员的姓名及分配额（否则成员只看到本户）
    MemberNames {
        /// 收益分配编号
        #[arg(long)]
        distribution: DistributionId,
        /// 决议（如“2026年成员代表大会决议第2号”）
        #[arg(long)]
        decision: String,
        #[arg(long)]
        user: String,
    },
    /// 核对公示包：离线重算其算术、指纹与收款树，并核对同一文件夹中的收据证明；有误则退出码为 2
    CheckPack {
        /// 公示包所在的文件夹（含 pack.json），或 pack.json 本身
        dir: std::path::PathBuf,
    },
    /// 启动网页服务（网页与 /api/v1 JSON 接口）
    Serve {
        /// 监听地址
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// 每隔多少分钟在后台复核一次账簿（verify，启动时先复核一次；结果见 /metrics）；0 为不复核
        #[arg(long, default_value_t = 60)]
        verify_every_minutes: u64,
        /// 居民访问本站的地址（如 https://mingzhang.example.cn），印在收据的核验二维码和公示 PDF 上；省略时用监听地址
        #[arg(long)]
        public_url: Option<String>,
    },
    /// 在新数据库上建立演示社区并打印其报表
    Demo {
        #[arg(long, default_value_t = 20251)]
        seed: u64,
        /// 三个演示年度中的最后一年
        #[arg(long, default_value_t = 2025)]
        year: i32,
        /// 演示社区的住户数
        #[arg(long, default_value_t = 3000)]
        households: usize,
        /// 建立、打印后即退出，不启动网页服务
        #[arg(long)]
        no_serve: bool,
        /// 网页服务的监听地址
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
}

/// Refuses an option spelled the old way, naming the new spelling (one spelling per idea:
/// every file a command writes is `--out`).
pub(crate) fn renamed(old: &str, new: &str, given: bool) -> Result<()> {
    if given {
        return Err(Error::invalid(old, format!("已改为 {new}，请用 {new} 指定要写入的文件")));
    }
    Ok(())
}

#[derive(Args, Debug, Clone)]
pub struct BookArg {
    /// 账套编码，例如 company 或 collective
    #[arg(long)]
    pub book: String,
}

/// 报表输出格式：text 供终端显示，csv（UTF-8 带 BOM）或 xlsx 供 Excel 使用（xlsx 须配合 --out），json 供脚本使用
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Xlsx,
    Json,
    /// A4 PDF with the embedded font: a statement in its printed form's layout
    Pdf,
}

/// 单条记录（收据）的显示格式：没有表格，因此不提供 CSV 或 XLSX
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ShowFormat {
    Text,
    Json,
}

const DEFAULT_DB: &str = "mingzhang.db";

/// A spinner on the terminal while long work runs (a billing run, an import, verify, an
/// export); indicatif draws nothing when stderr is not a terminal, so scripts see no noise.
pub(crate) fn working(message: &str) -> indicatif::ProgressBar {
    let spinner = indicatif::ProgressBar::new_spinner().with_message(message.to_string());
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

/// The database a command works on: `--db` (or DATABASE_URL), else the folder's mingzhang.db.
/// Whether it must exist is the store's to check (`AnyStore::connect`): a SQLite file is
/// created only by `init`, since a mistyped `--db`, or none at all in the wrong folder, would
/// otherwise start an empty book silently.
fn database(db: Option<&str>) -> Result<String> {
    match db {
        Some(url) => Ok(url.to_string()),
        None if std::path::Path::new(DEFAULT_DB).exists() => Ok(DEFAULT_DB.to_string()),
        None => Err(Error::invalid(
            "--db",
            format!("未指定数据库，当前文件夹也没有 {DEFAULT_DB}。请用 --db 指明数据库文件（或 postgres:// 地址），或设置 DATABASE_URL；新建账本：mingzhang --db 账本.db init 社区名称"),
        )),
    }
}

/// The program: reads the command line, runs it on tokio's runtime and returns the exit code.
///
/// It lives in the library rather than in main.rs so that the whole program is compiled once,
/// here: the binary calls one function already compiled. Awaited from main.rs, `run`'s future
/// and every store generic below it were instantiated again in the binary's own crate, which
/// was the longest step of a release build.
pub fn main() -> i32 {
    use clap::FromArgMatches;
    // Parsed with the Chinese headings; a parse error is reworded, help and version print as is.
    let matches = match words::command().try_get_matches() {
        Ok(m) => m,
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            print!("{}", words::help_text(&e));
            return 0;
        }
        Err(e) => {
            eprint!("{}", words::error_text(&e));
            return 2;
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            eprint!("{}", words::error_text(&e));
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return 1;
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            1
        }
    };
    // The process exits next, as it did when main.rs called exit inside the runtime: nothing
    // left running (a server's idle connections, a blocking read) is waited for.
    runtime.shutdown_background();
    code
}

/// Runs the command line; returns the process exit code.
pub async fn run(cli: Cli) -> Result<i32> {
    if let Command::Demo { seed, year, households, no_serve, listen } = &cli.command {
        let serve = (!*no_serve).then_some(listen.as_str());
        return demo::run_demo(cli.db.as_deref(), *seed, *year, *households, serve).await;
    }
    if let Command::CheckPack { dir } = &cli.command {
        return disclose::check_pack_dir(dir);
    }
    let db = database(cli.db.as_deref())?;
    match &cli.command {
        Command::Doctor { anchor, backups } => {
            let findings = crate::doctor::examine(&db, anchor, backups.as_deref()).await?;
            print_out(&crate::doctor::text(&crate::store::redacted(&db), &findings));
            let problem = findings.iter().any(|f| f.level == crate::doctor::Level::Problem);
            return Ok(if problem { 2 } else { 0 });
        }
        Command::Distribute => return distribute(&db).await,
        Command::Backup { out } => {
            crate::store::backup::backup(&db, out).await?;
            print_out(&format!("已备份到 {}\n", out.display()));
            return Ok(0);
        }
        Command::Restore { from, receipts_from, anchor } => {
            let anchors = match anchor {
                Some(path) => crate::verify::HeadsFile::read(path)?.anchors,
                None => Vec::new(),
            };
            crate::store::backup::restore(from, &db).await?;
            // Opening applies any migration newer than the backup; every book then records the
            // restore and where its receipt numbers continue.
            let recorded = {
                let s = AnyStore::connect(&db).await?;
                let recorded = crate::fees::restore::record(&s, &from.display().to_string(), *receipts_from, &anchors).await;
                crate::store::Store::close(&s).await;
                recorded?
            };
            let mut out = format!("已从 {} 恢复到 {}\n", from.display(), crate::store::redacted(&db));
            for (community, book, r) in recorded.iter().filter(|(_, _, r)| r.receipts_after > 0) {
                out += &format!(
                    "{community} {book}：备份止于第 {} 张凭证、收据 {}；收据号自 {} 起续\n",
                    r.backup_chain_len,
                    crate::fees::receipt_label(r.backup_receipts),
                    crate::fees::receipt_label(r.receipts_after + 1)
                );
            }
            print_out(&(out + "请运行 verify 核对；verify --anchor 说明备份之后的凭证是否须补录\n"));
            return Ok(0);
        }
        _ => {}
    }
    // Reading commands also run on books this process may only read (a read-only copy, or a
    // SELECT-only PostgreSQL user); every other command opens them for writing.
    let store = match &cli.command {
        Command::Init { .. } => AnyStore::create(&db).await?,
        command if reads_only(command) => AnyStore::connect_for_reading(&db).await?,
        _ => AnyStore::connect(&db).await?,
    };
    // The server's work is spread over tokio's workers; pinning its main thread (where the
    // listener accepts) beside SQLite's writer would only crowd that core.
    if !matches!(cli.command, Command::Serve { .. }) {
        store.pin_writer_here();
    }
    run_on(store, cli).await
}

/// `distribute`: the tables on Citus, and where they are.
async fn distribute(db: &str) -> Result<i32> {
    let store = AnyStore::connect(db).await?;
    let AnyStore::Postgres(pg) = &store else {
        return Err(Error::invalid("--db", "SQLite 账簿无需分布；分布只用于 Citus 集群上的 PostgreSQL"));
    };
    let done = crate::store::citus::distribute(pg.pool()).await?;
    let layout = crate::store::citus::layout(pg.pool()).await?;
    crate::store::Store::close(&store).await;
    print_out(&crate::store::citus::report(&done, &layout));
    Ok(0)
}

/// The person a command records (on a voucher, a close, a billing run, a payment, a void, a
/// waiver or a reversal), the option that names them, and what they do. Everyone recorded is a
/// user (DESIGN.md §2), so the name must be one whose role and communities allow the act.
fn actor(command: &Command) -> Option<(&'static str, &str, Act)> {
    use fees::ReceiptCommand as R;
    use VoucherCommand as V;
    Some(match command {
        Command::Close { user, .. } | Command::YearEnd { user, .. } | Command::Surtax { user, .. } => ("--user", user, Act::Keep),
        Command::Voucher(V::Add { user, .. } | V::Edit { user, .. } | V::Delete { user, .. } | V::Reverse { user, .. }) => {
            ("--user", user, Act::Keep)
        }
        Command::Voucher(V::Review { user, .. } | V::Unreview { user, .. } | V::Post { user, .. }) => ("--user", user, Act::Review),
        Command::Bill(args) => ("--user", &args.user, Act::Keep),
        Command::Disclose(args) => ("--user", &args.user, Act::Keep),
        Command::MemberNames { user, .. } => ("--user", user, Act::Keep),
        Command::DayClose(args) => ("--user", &args.user, Act::Review),
        Command::Pay(args) => ("--cashier", &args.cashier, Act::Collect),
        Command::Unbill(args) => ("--approver", &args.approver, Act::Approve),
        Command::Waive(args) => ("--approver", &args.approver, Act::Approve),
        Command::Receipt(R::Void { approver, .. }) => ("--approver", approver, Act::Approve),
        // Disbursing, withdrawing, reconciling and signing are checked by the subsidy wing.
        other => (
            "--user",
            [subsidies::keeper, spending::keeper, public_revenue::keeper, collective::keeper, assets::keeper]
                .iter()
                .find_map(|keeper| keeper(other))?,
            Act::Keep,
        ),
    })
}

async fn run_on<S: crate::app::AppStore>(store: S, cli: Cli) -> Result<i32> {
    let ledger = Ledger::new(store.clone());
    if let Some((field, name, act)) = actor(&cli.command) {
        let community = community_of(&ledger, &cli).await?;
        Access::new(store.clone()).actor(field, name, &community, act).await?;
    }
    let code = match &cli.command {
        Command::Report(args) => report(&ledger, &cli, args).await.map(|()| 0)?,
        Command::Disclose(_) | Command::MemberNames { .. } => disclose::run(&ledger, &cli).await?.unwrap_or(0),
        Command::Subsidy(cmd) => subsidies::run(&ledger, &cli, cmd).await?,
        Command::Expense(cmd) => spending::run(&ledger, &cli, cmd).await?,
        Command::PublicRevenue(cmd) => public_revenue::run(&ledger, &cli, cmd).await?,
        Command::Collective(cmd) => collective::run(&ledger, &cli, cmd).await?,
        _ => match fees::run(&ledger, &cli).await? {
            Some(code) => code,
            None => match access::run(&ledger, &cli).await? {
                Some(code) => code,
                None => match assets::run(&ledger, &cli).await? {
                    Some(code) => code,
                    None => ledger::run(&ledger, &cli).await?,
                },
            },
        },
    };
    audit_command(&ledger, &cli).await;
    store.close().await;
    Ok(code)
}

/// The community named by --community, or the only one.
/// The commands that only read the books (they also run on a copy this process may not write).
fn reads_only(command: &Command) -> bool {
    matches!(command, Command::Report(_) | Command::Verify { .. } | Command::Anchor { .. } | Command::Export(_))
}

pub(crate) async fn community_of<S: LedgerStore>(ledger: &Ledger<S>, cli: &Cli) -> Result<crate::ledger::rows::CommunityRow> {
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
    table: impl FnOnce() -> crate::render::table::Table,
    value: &T,
) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Text => table().to_text().into_bytes(),
        Format::Csv => table().to_csv().into_bytes(),
        Format::Xlsx => table().to_xlsx()?,
        Format::Json => json(value).into_bytes(),
        // A report printed today; a statement is printed as of its month (cli::ledger).
        Format::Pdf => crate::report::paper::table_pdf(&table(), chrono::Local::now().date_naive())?,
    })
}

pub(crate) fn parse_period(field: &str, text: &str) -> Result<Period> {
    Period::parse(text).ok_or_else(|| Error::invalid(field, format!("“{text}”不是会计期间，应写作 2025-01")))
}

/// A date and an amount of an option, read as every door reads them.
pub(crate) use crate::domain::money::typed_amount as amount;
pub(crate) use crate::domain::time::typed_date as parse_date;

/// The file a command was given (`field` names its option), read; when it cannot be, the
/// refusal names the file and why.
pub(crate) fn read_file(field: &str, path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::invalid(field, format!("无法读取 {}：{}", path.display(), crate::error::io_reason(&e))))
}

/// As `read_file`, for a text file (UTF-8).
pub(crate) fn read_text(field: &str, path: &std::path::Path) -> Result<String> {
    String::from_utf8(read_file(field, path)?)
        .map_err(|_| Error::invalid(field, format!("无法读取 {}：内容不是 UTF-8 文本（Excel 请另存为“CSV UTF-8”）", path.display())))
}

/// Writes a file a command was asked for (`field` names its option), naming it and why when
/// it cannot.
pub(crate) fn write_file(field: &str, path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::invalid(field, format!("无法写入 {}：{}", path.display(), crate::error::io_reason(&e))))
}

/// An import's refusal of its file as a whole (unreadable, not a spreadsheet) names the file.
pub(crate) fn naming_file(path: &std::path::Path) -> impl Fn(Error) -> Error + '_ {
    move |e| match e {
        Error::Invalid { field, reason } if field == crate::import::FILE_FIELD => {
            Error::Invalid { field: format!("{field} {}", path.display()), reason }
        }
        other => other,
    }
}

pub(crate) fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (e.g. `| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes());
}

/// A report's bytes into `--out`, or on the terminal (XLSX only into a file).
pub(crate) fn write_or_print(out: Option<&std::path::Path>, bytes: &[u8], format: Format) -> Result<()> {
    match out {
        Some(path) => {
            write_file("--out", path, bytes)?;
            print_out(&format!("已写入 {}\n", path.display()));
        }
        None if matches!(format, Format::Xlsx | Format::Pdf) => {
            return Err(Error::invalid("--out", "XLSX 和 PDF 须写入文件，请用 --out 指定"));
        }
        None => print_out(&String::from_utf8_lossy(bytes)),
    }
    Ok(())
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}
