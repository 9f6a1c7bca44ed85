//! The ledger's commands: communities, books, accounts, vouchers, periods, opening balances,
//! the reports, verify and the hledger export.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{
    book_of, community_of, json, parse_date, parse_period, print_out, render, BookArg, Cli, Command, Format, ReportArgs, ReportKind,
};
use crate::domain::ids::VoucherId;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::export;
use crate::ledger::store::LedgerStore;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{voucher_label, Dimensions, LineInput, VoucherInput};
use crate::ledger::{describe, Book, Ledger};
use crate::report::{self, statement};
use crate::verify;

#[derive(Subcommand, Debug)]
pub enum BookCommand {
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// 科目表模板：small_enterprise（小企业会计准则）或 rural_collective（农村集体经济组织会计制度）
        #[arg(long)]
        chart: String,
        /// 启用期间，例如 2025-01
        #[arg(long)]
        start: String,
    },
    List,
}

#[derive(Subcommand, Debug)]
pub enum VoucherCommand {
    /// 制单（录入凭证草稿）：分录用 --debit 科目编码,金额,摘要 和 --credit 科目编码,金额,摘要，或用 --file voucher.json
    Add {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        user: String,
        #[command(flatten)]
        content: VoucherContent,
    },
    /// 修改草稿：由制单人在审核前重新填写日期、附单据数和全部分录
    Edit {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        id: VoucherId,
        #[arg(long)]
        user: String,
        #[command(flatten)]
        content: VoucherContent,
    },
    /// 删除草稿：由制单人在审核前操作
    Delete {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        id: VoucherId,
        #[arg(long)]
        user: String,
    },
    /// 取消审核：由审核人在记账前将已审核凭证退回草稿
    Unreview {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        id: VoucherId,
        #[arg(long)]
        user: String,
    },
    /// 审核：用 --id 审核一张草稿，或用 --period 审核某月全部草稿（批量审核）；审核人不得为制单人
    Review {
        #[command(flatten)]
        book: BookArg,
        #[command(flatten)]
        which: OneOrMonth,
        #[arg(long)]
        user: String,
    },
    /// 记账：用 --id 记一张已审核凭证，或用 --period 记某月全部已审核凭证（批量记账）
    Post {
        #[command(flatten)]
        book: BookArg,
        #[command(flatten)]
        which: OneOrMonth,
        #[arg(long)]
        user: String,
    },
    /// 红字冲销：为已记账凭证生成红字冲销凭证草稿
    Reverse {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        id: VoucherId,
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
        id: VoucherId,
        /// 同时打印记账凭证 PDF（A5 横版，每页 8 行分录）到此文件
        #[arg(long)]
        out: Option<PathBuf>,
        /// 旧写法，已改为 --out
        #[arg(long, hide = true)]
        pdf: Option<PathBuf>,
    },
}

/// 凭证内容：日期、附单据数和分录，在命令行填写或取自 JSON 文件
#[derive(clap::Args, Debug)]
pub struct VoucherContent {
    #[arg(long)]
    date: Option<String>,
    #[arg(long, default_value_t = 0)]
    attachments: u32,
    #[arg(long)]
    debit: Vec<String>,
    #[arg(long)]
    credit: Vec<String>,
    /// 现金流量项目（现金流量指定）：本凭证货币资金分录所属的现金流量表行次，如 8 收回投资收到的现金
    #[arg(long)]
    cash_flow: Option<i64>,
    #[arg(long)]
    file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// 期初余额：CSV 文件，列为 科目编码,借方余额,贷方余额
    Opening {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// 账套的 hledger 日记账
    Hledger {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A month's voucher list on the terminal; more is for the reports and exports.
const MAX_LISTED_VOUCHERS: i64 = 10_000;

/// Runs a ledger command; returns the exit code.
/// `anchor`: every head now, into `--out` or on the terminal, to be kept off the server.
async fn write_anchors<S: crate::app::AppStore>(ledger: &Ledger<S>, out: Option<&std::path::Path>) -> Result<()> {
    let file = verify::HeadsFile::now(&ledger.store).await?;
    let text = serde_json::to_string_pretty(&file).expect("anchors serialize") + "\n";
    match out {
        Some(path) => {
            super::write_file("--out", path, text.as_bytes())?;
            print_out(&format!("已写出 {} 个账套的链头到 {}\n", file.anchors.len(), path.display()));
        }
        None => print_out(&text),
    }
    Ok(())
}

/// `verify`: every invariant, then the anchors and links given; exit code 2 on a finding.
async fn verify_command<S: crate::app::AppStore>(
    ledger: &Ledger<S>,
    format: Format,
    anchor: &[std::path::PathBuf],
    link: &[String],
) -> Result<i32> {
    let heads = anchor.iter().map(|p| verify::HeadsFile::read(p)).collect::<Result<Vec<_>>>()?;
    let anchors: usize = heads.iter().map(|h| h.anchors.len() + h.master_data.len()).sum();
    let spinner = super::working("校验账簿…");
    let report = verify::verify_all(&ledger.store).await;
    spinner.finish_and_clear();
    let mut report = report?;
    report.findings.extend(verify::verify_anchors(&ledger.store, &heads, link).await?);
    if anchors > 0 || !link.is_empty() {
        eprintln!("已核对锚点 {anchors} 个、链哈希 {} 个", link.len());
    }
    print_out(&if format == Format::Json { json(&report) } else { verify_text(&report) });
    Ok(if report.is_clean() { 0 } else { 2 })
}

pub async fn run<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli) -> Result<i32> {
    match &cli.command {
        Command::Init { name } => {
            let c = ledger.create_community(name).await?;
            print_out(&format!("已创建社区“{}”（编号 {}）\n", c.name, c.id));
        }
        Command::Book(cmd) => book_command(ledger, cli, cmd).await?,
        Command::Accounts(args) => accounts(ledger, cli, args).await?,
        Command::Voucher(cmd) => voucher_command(ledger, cmd, &book_of(ledger, cli, voucher_book(cmd)).await?).await?,
        Command::Close { book, period, user } => {
            let book = book_of(ledger, cli, book).await?;
            let p = parse_period("--period", period)?;
            ledger.close_period(&book, p, user).await?;
            let book = ledger.book(book.row.community_id, &book.row.code).await?;
            print_out(&format!(
                "{} {} 已结账\n链头（请另行保存，verify --anchor 据以核对）：第 {} 张凭证 {}\n",
                book.row.name, p, book.row.chain_len, book.row.chain_head
            ));
        }
        Command::Anchor { out } => write_anchors(ledger, out.as_deref()).await?,
        Command::YearEnd { book, year, user } => {
            let book = book_of(ledger, cli, book).await?;
            match ledger.draft_year_end(&book, *year, user).await? {
                Some(id) => print_out(&format!("已生成年末损益结转凭证（草稿 #{id}），请审核、记账后再结账 {year}-12\n")),
                None => print_out("损益类科目均无余额，无需结转\n"),
            }
        }
        Command::Surtax { book, period, city_rate, halve, user } => {
            let book = book_of(ledger, cli, book).await?;
            let rates = crate::ledger::surtax::SurtaxRates { city_percent: *city_rate, halved: *halve };
            let p = parse_period("--period", period)?;
            match ledger.draft_surtax_accrual(&book, p, rates, user).await? {
                Some(id) => print_out(&format!("已生成 {p} 计提附加税费凭证（草稿 #{id}），待审核\n")),
                None => print_out(&format!("{p} 没有应交增值税，无需计提附加税费\n")),
            }
        }
        Command::Import(ImportCommand::Opening { book, file }) => {
            let book = book_of(ledger, cli, book).await?;
            let n = ledger.import_opening(&book, &super::read_text("--file", file)?).await.map_err(super::naming_file(file))?;
            print_out(&format!("已导入期初余额 {n} 个科目\n"));
        }
        Command::Verify { format, anchor, link } => return verify_command(ledger, *format, anchor, link).await,
        Command::Export(ExportCommand::Hledger { book, out }) => {
            export_hledger(ledger, &book_of(ledger, cli, book).await?, out.as_ref()).await?
        }
        _ => unreachable!("the fee wing's and the demo's commands are dispatched before"),
    }
    Ok(0)
}

async fn book_command<S: LedgerStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &BookCommand) -> Result<()> {
    let c = community_of(ledger, cli).await?;
    match cmd {
        BookCommand::Create { code, name, chart, start } => {
            let book = ledger.create_book(c.id, code, name, chart, parse_period("--start", start)?).await?;
            print_out(&format!(
                "已创建账套 {}（{}），科目 {} 个，执行《{}》\n",
                book.row.code,
                book.row.name,
                book.chart.len(),
                book.row.standard
            ));
        }
        BookCommand::List => {
            for b in ledger.books(c.id).await? {
                print_out(&format!("{}\t{}\t{}\t已记账凭证 {} 张\n", b.code, b.name, b.standard, b.chain_len));
            }
        }
    }
    Ok(())
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AccountsArgs {
    #[command(flatten)]
    pub book: Option<BookArg>,
    /// 只显示此编码、名称或拼音首字母（如 yhck）对应的科目
    #[arg(long)]
    pub find: Option<String>,
    #[command(subcommand)]
    pub action: Option<AccountCommand>,
}

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// 增设明细科目：编码为上级科目编码加两位数字，例如 1002 下的 100202
    Add {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
}

async fn accounts<S: LedgerStore>(ledger: &Ledger<S>, cli: &Cli, args: &AccountsArgs) -> Result<()> {
    match (&args.action, &args.book) {
        (Some(AccountCommand::Add { book, code, name }), _) => {
            let book = book_of(ledger, cli, book).await?;
            let a = ledger.add_account(&book, code, name).await?;
            print_out(&format!("已增设科目 {} {}（{}，{}）\n", a.code, a.name, a.class.label(), a.normal_side.label()));
        }
        (None, Some(book)) => {
            let book = book_of(ledger, cli, book).await?;
            match &args.find {
                Some(text) => {
                    let a = crate::ledger::lookup::find_account(&book.chart, "--find", text)?;
                    print_out(&format!(
                        "{}\t{}\t{}\t{}\n",
                        a.code,
                        crate::ledger::lookup::full_name(&book.chart, a),
                        a.class.label(),
                        a.normal_side.label()
                    ));
                }
                None => print_out(&accounts_text(&book)),
            }
        }
        (None, None) => return Err(Error::invalid("--book", "请指明账套，例如 --book company")),
    }
    Ok(())
}

/// The chart of accounts, indented by level.
fn accounts_text(book: &Book) -> String {
    book.chart
        .values()
        .map(|a| {
            format!(
                "{}{}\t{}\t{}\t{}{}\n",
                "  ".repeat(a.level as usize - 1),
                a.code,
                a.name,
                a.class.label(),
                a.normal_side.label(),
                if a.is_leaf { "" } else { "\t（有下级）" }
            )
        })
        .collect()
}

async fn export_hledger<S: LedgerStore>(ledger: &Ledger<S>, book: &Book, out: Option<&PathBuf>) -> Result<()> {
    match out {
        Some(path) => {
            let created = std::fs::File::create(path)
                .map_err(|e| Error::invalid("--out", format!("无法写入 {}：{}", path.display(), crate::error::io_reason(&e))))?;
            let mut file = std::io::BufWriter::new(created);
            let spinner = super::working("导出中…");
            let n = export::write_hledger(&ledger.store, book, &mut file).await;
            spinner.finish_and_clear();
            eprintln!("已导出 {} 张凭证", n?);
        }
        None => {
            export::write_hledger(&ledger.store, book, &mut std::io::BufWriter::new(std::io::stdout().lock())).await?;
        }
    }
    Ok(())
}

/// A report of the ledger, or (statement, aging, collection) of the fee wing.
/// The months a report covers: --from and --to, or the year up to the last month with postings.
pub(crate) async fn report_range<S: LedgerStore>(ledger: &Ledger<S>, book: &Book, args: &ReportArgs) -> Result<(Period, Period)> {
    let to = match &args.to {
        Some(t) => parse_period("--to", t)?,
        None => last_period_with_data(&ledger.store, book).await?,
    };
    let from = match &args.from {
        Some(f) => parse_period("--from", f)?,
        None => to.first_of_year(),
    };
    Ok((from, to))
}

/// A report of the ledger: 科目余额表, 明细账, 资产负债表, 利润表.
pub(crate) async fn report_bytes<S: LedgerStore>(
    ledger: &Ledger<S>,
    book: &Book,
    args: &ReportArgs,
    from: Period,
    to: Period,
) -> Result<Vec<u8>> {
    let store = &ledger.store;
    Ok(match args.kind {
        ReportKind::TrialBalance => {
            let tb = report::trial_balance(store, book, from, to, args.level).await?;
            match args.format {
                // For Excel the trial balance keeps its debit and credit sides in columns apart.
                Format::Csv | Format::Xlsx => render(args.format, || tb.to_sheet(), &tb)?,
                format => render(format, || tb.to_table(), &tb)?,
            }
        }
        ReportKind::Ledger | ReportKind::Journal => {
            let typed = args.account.as_deref().ok_or_else(|| Error::invalid("--account", "须指明科目（编码、名称或拼音首字母）"))?;
            let code = crate::ledger::lookup::find_account(&book.chart, "--account", typed)?.code.to_string();
            let l = match args.kind {
                ReportKind::Journal => report::journal(store, book, &code, from, to).await?,
                _ => report::account_ledger(store, book, &code, from, to).await?,
            };
            render(args.format, || l.to_table(), &l)?
        }
        ReportKind::BalanceSheet | ReportKind::IncomeStatement | ReportKind::CashFlow => {
            let id = match args.kind {
                ReportKind::CashFlow => "cash_flow",
                kind => statement::for_book(book, matches!(kind, ReportKind::BalanceSheet)),
            };
            let s = statement::statement(store, book, id, to).await?;
            // On paper a statement takes its printed form's layout (a balance sheet side by
            // side, the signature line), dated its month's last day.
            match args.format {
                Format::Pdf => crate::report::paper::table_pdf(&s.to_paper_table(), to.last_day())?,
                Format::Xlsx => s.to_paper_table().to_xlsx()?,
                format => render(format, || s.to_table(), &s)?,
            }
        }
        ReportKind::Statement
        | ReportKind::Aging
        | ReportKind::Collection
        | ReportKind::Budget
        | ReportKind::BudgetByMonth
        | ReportKind::PublicRevenue
        | ReportKind::District => {
            unreachable!("the fee and spending wings' reports are made by cli::report")
        }
    })
}

fn voucher_book(cmd: &VoucherCommand) -> &BookArg {
    match cmd {
        VoucherCommand::Add { book, .. }
        | VoucherCommand::Edit { book, .. }
        | VoucherCommand::Delete { book, .. }
        | VoucherCommand::Unreview { book, .. }
        | VoucherCommand::Review { book, .. }
        | VoucherCommand::Post { book, .. }
        | VoucherCommand::Reverse { book, .. }
        | VoucherCommand::List { book, .. }
        | VoucherCommand::Show { book, .. } => book,
    }
}

/// 按编号指定一张凭证，或指定某月全部凭证（批量）
#[derive(Args, Debug, Clone)]
#[group(required = true, multiple = false)]
pub struct OneOrMonth {
    #[arg(long)]
    pub id: Option<VoucherId>,
    /// 该月（YYYY-MM）内本命令适用的全部凭证
    #[arg(long)]
    pub period: Option<String>,
}

fn batch_text(what: &str, batch: &crate::ledger::Batch) -> String {
    let mut out = format!("{what} {} 张凭证{}\n", batch.done.len(), if batch.done.is_empty() { "" } else { "：" });
    for d in &batch.done {
        out += &format!("  {d}\n");
    }
    for s in &batch.skipped {
        out += &format!("未{what}：{s}\n");
    }
    out
}

/// "CODE,AMOUNT,摘要" → a line on the given side. An amount written with a thousands
/// separator ("8,600.00") would split into 8 and a summary starting "600.00,": that is refused
/// rather than saved as 8.00.
fn parse_line_arg(flag: &str, text: &str, debit_side: bool) -> Result<LineInput> {
    let mut parts = text.splitn(3, [',', '，']);
    let (code, amount, summary) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let fen = Fen::parse(amount).map_err(|e| Error::invalid(flag, format!("“{text}”的金额{e}（格式：科目编码,金额,摘要）")))?;
    if let Some(grouped) = continues_a_number(amount, summary) {
        // The rule every amount follows (domain::number), said of the amount as typed.
        let plain = match crate::domain::number::parse_decimal(&grouped) {
            Err(crate::domain::number::NumberError::Grouping(plain)) => plain,
            _ => grouped.replace(',', ""),
        };
        return Err(Error::invalid(
            flag,
            format!("“{text}”中的金额“{grouped}”不能含千位分隔符，请写作 {plain}（格式：科目编码,金额,摘要）"),
        ));
    }
    let (debit, credit) = if debit_side { (fen, Fen::ZERO) } else { (Fen::ZERO, fen) };
    Ok(LineInput::new(summary.trim(), code.trim(), debit, credit, Dimensions::default()))
}

/// The amount as typed when `summary` looks like its rest, split at a thousands separator: the
/// amount is 1–3 digits and the summary starts with groups of three digits, then a decimal
/// part, a separator or nothing.
fn continues_a_number(amount: &str, summary: &str) -> Option<String> {
    let amount = amount.trim();
    if !(1..=3).contains(&amount.len()) || !amount.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut grouped = amount.to_string();
    let mut rest = summary.trim_start();
    loop {
        let head: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if head.len() != 3 {
            return None;
        }
        grouped += &format!(",{head}");
        rest = &rest[3..];
        match rest.chars().next() {
            Some(',') if rest[1..].starts_with(|c: char| c.is_ascii_digit()) => rest = &rest[1..],
            Some('.') => {
                let decimals: String = rest[1..].chars().take_while(|c| c.is_ascii_digit()).collect();
                return Some(format!("{grouped}.{decimals}"));
            }
            None | Some(',' | '，') => return Some(grouped),
            _ => return None,
        }
    }
}

impl VoucherContent {
    fn input(&self) -> Result<VoucherInput> {
        if let Some(path) = &self.file {
            if !self.debit.is_empty() || !self.credit.is_empty() {
                return Err(Error::invalid("--file", "凭证分录写在文件里时不能再用 --debit/--credit"));
            }
            let text = super::read_text("--file", path)?;
            return serde_json::from_str::<VoucherInput>(&text)
                .map_err(|e| Error::invalid(path.display().to_string(), format!("凭证 JSON 无法解析：{e}")));
        }
        let date = parse_date("--date", self.date.as_deref().ok_or_else(|| Error::invalid("--date", "须填写凭证日期"))?)?;
        let mut lines = Vec::new();
        for d in &self.debit {
            lines.push(parse_line_arg("--debit", d, true)?);
        }
        for c in &self.credit {
            lines.push(parse_line_arg("--credit", c, false)?);
        }
        if let Some(item) = self.cash_flow {
            crate::ledger::cash_flow::CashFlowRules::shipped()?.assign(&mut lines, item);
        }
        Ok(VoucherInput { date, attachments: self.attachments, lines })
    }
}

async fn voucher_command<S: LedgerStore>(ledger: &Ledger<S>, cmd: &VoucherCommand, book: &Book) -> Result<()> {
    match cmd {
        VoucherCommand::Add { user, content, .. } => {
            let id = ledger.draft(book, user, &content.input()?).await?;
            print_out(&format!("已制单：凭证草稿 #{id}，待审核\n"));
        }
        VoucherCommand::Edit { id, user, content, .. } => {
            ledger.edit_draft(book, *id, user, &content.input()?).await?;
            print_out(&format!("凭证草稿 #{id} 已修改，待审核\n"));
        }
        VoucherCommand::Delete { id, user, .. } => {
            ledger.delete_draft(book, *id, user).await?;
            print_out(&format!("凭证草稿 #{id} 已删除\n"));
        }
        VoucherCommand::Unreview { id, user, .. } => {
            ledger.unreview(book, *id, user).await?;
            print_out(&format!("凭证 #{id} 已取消审核，回到草稿，制单人可修改或删除\n"));
        }
        VoucherCommand::Review { which: OneOrMonth { id: Some(id), .. }, user, .. } => {
            ledger.review(book, *id, user).await?;
            print_out(&format!("凭证 #{id} 已审核\n"));
        }
        VoucherCommand::Review { which: OneOrMonth { period: Some(p), .. }, user, .. } => {
            let batch = ledger.review_month(book, parse_period("--period", p)?, user).await?;
            print_out(&batch_text("审核", &batch));
        }
        VoucherCommand::Post { which: OneOrMonth { id: Some(id), .. }, user, .. } => {
            let p = ledger.post(book, *id, user).await?;
            print_out(&format!("凭证 #{id} 已记账：{} {}\n", p.period, p.label));
        }
        VoucherCommand::Post { which: OneOrMonth { period: Some(p), .. }, user, .. } => {
            let batch = ledger.post_month(book, parse_period("--period", p)?, user).await?;
            print_out(&batch_text("记账", &batch));
        }
        VoucherCommand::Review { .. } | VoucherCommand::Post { .. } => {
            return Err(Error::invalid("--id/--period", "请用 --id 指明一张凭证，或用 --period 指明月份"));
        }
        VoucherCommand::Reverse { id, user, date, .. } => {
            let new_id = ledger.reverse(book, *id, user, parse_date("--date", date)?).await?;
            print_out(&format!("已生成红字冲销凭证草稿 #{new_id}，待审核\n"));
        }
        VoucherCommand::List { period, .. } => print_out(&voucher_list(ledger, book, parse_period("--period", period)?).await?),
        VoucherCommand::Show { id, out, pdf, .. } => {
            super::renamed("--pdf", "--out", pdf.is_some())?;
            print_out(&voucher_text(ledger, book, *id).await?);
            if let Some(path) = out {
                let (v, lines) = ledger.voucher(book, *id).await?;
                super::write_file("--out", path, &crate::ledger::paper::voucher_pdf(book, &v, &lines)?)?;
                eprintln!("记账凭证 PDF 已写入 {}", path.display());
            }
        }
    }
    Ok(())
}

/// A month's vouchers, one line each; a listing that hits its limit says so rather than
/// ending silently.
async fn voucher_list<S: LedgerStore>(ledger: &Ledger<S>, book: &Book, p: Period) -> Result<String> {
    let mut tx = ledger.store.read().await?;
    let vouchers = tx.vouchers(book.key(), p, p, MAX_LISTED_VOUCHERS + 1).await?;
    if vouchers.len() as i64 > MAX_LISTED_VOUCHERS {
        eprintln!("本月凭证超过 {MAX_LISTED_VOUCHERS} 张，只列出前 {MAX_LISTED_VOUCHERS} 张；请用 report ledger 或 export 查看全部");
    }
    let mut out = String::new();
    for v in vouchers.into_iter().take(MAX_LISTED_VOUCHERS as usize) {
        let number = v.number.map(voucher_label).unwrap_or_else(|| "—".into());
        out += &format!(
            "#{}\t{}\t{}\t{}\t制单 {}\t审核 {}\n",
            v.id,
            v.voucher_date,
            number,
            v.status.label(),
            v.maker,
            v.reviewer.unwrap_or_default()
        );
    }
    Ok(out)
}

/// One voucher as the form shows it.
async fn voucher_text<S: LedgerStore>(ledger: &Ledger<S>, book: &Book, id: VoucherId) -> Result<String> {
    let (v, lines) = ledger.voucher(book, id).await?;
    let mut out =
        format!("记账凭证 {}    日期 {}    附单据 {} 张    状态 {}\n", describe(&v), v.voucher_date, v.attachments, v.status.as_str());
    for l in &lines {
        let a = book.account_by_id(l.account_id);
        out += &format!(
            "  {}\t{} {}\t借 {}\t贷 {}\n",
            l.summary,
            book.code_or_id(l.account_id),
            a.map_or("", |a| a.name.as_str()),
            Fen(l.debit_fen),
            Fen(l.credit_fen)
        );
    }
    out += &format!("制单 {}  审核 {}  记账 {}\n", v.maker, v.reviewer.unwrap_or_default(), v.poster.unwrap_or_default());
    Ok(out)
}

/// The latest period that has postings, or the start period of an empty book.
async fn last_period_with_data<S: LedgerStore>(store: &S, book: &Book) -> Result<Period> {
    let mut tx = store.read().await?;
    use crate::ledger::store::LedgerTx;
    let last = tx.balances(book.key()).await?.iter().map(|b| b.period).max();
    Ok(last.unwrap_or_else(|| book.start_period()))
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
