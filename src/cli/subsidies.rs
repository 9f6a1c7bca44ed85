//! Subsidies and spending on the command line: `subsidy program|disburse|import|receive|
//! withdraw|reconcile|sign|show|release|overview` and `expense add|list`.

use clap::Subcommand;

use super::{amount, book_of, community_of, parse_date, parse_period, print_out, render, write_or_print, BookArg, Cli, Command, Format};
use crate::access::store::AccessStore;
use crate::domain::category::Category;
use crate::domain::ids::ReconciliationId;
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::render::table::{money_cell, Align, Table};
use crate::subsidies::reconcile::Side;
use crate::subsidies::settlement::{Settle, SettlementKind};
use crate::subsidies::store::SubsidiesStore;
use crate::subsidies::{paper, DisbursementInput, ProgramInput, ReceiptInput, SignSide, Subsidies, Treatment};

#[derive(Subcommand, Debug)]
pub enum SubsidyCommand {
    /// 新建补贴项目
    Program(ProgramArgs),
    /// 列出本社区的补贴项目
    List,
    /// 登记一笔拨付（街道财政所）
    Disburse {
        /// 项目文号或编号
        #[arg(long)]
        program: String,
        #[arg(long)]
        date: String,
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        /// 收款单位
        #[arg(long)]
        payee: String,
        /// 国库支付凭证号
        #[arg(long, default_value = "")]
        reference: String,
        #[arg(long)]
        user: String,
    },
    /// 导入街道财政所的拨付清单（CSV 或 XLSX：日期、文号、金额、收款单位、凭证号）
    Import {
        file: std::path::PathBuf,
        #[arg(long)]
        user: String,
    },
    /// 登记补贴到账并生成记账凭证
    Receive {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        program: String,
        #[arg(long)]
        date: String,
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        #[arg(long, default_value = "")]
        reference: String,
        /// 收款的银行存款科目（省略时为账套的基本存款户）
        #[arg(long)]
        bank: Option<String>,
        #[arg(long)]
        user: String,
    },
    /// 撤回误录的拨付、到账或支出（到账、支出的凭证红字冲销）；已签字对账单所含的不能撤回
    Withdraw {
        /// disbursement 拨付、receipt 到账、spending 支出
        #[arg(long)]
        side: String,
        #[arg(long)]
        id: i64,
        #[arg(long)]
        reason: String,
        /// 冲销凭证的日期（省略时为当天）
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        user: String,
    },
    /// 生成对账单：核对项目在 [--from, --until) 期间的拨付、到账与支出
    Reconcile {
        #[arg(long)]
        program: String,
        #[arg(long)]
        from: String,
        /// 截止日期（当天不含）
        #[arg(long)]
        until: String,
        #[arg(long)]
        user: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// 在对账单上签字：--side company 物业公司，finance_office 街道财政所
    Sign {
        id: ReconciliationId,
        #[arg(long)]
        side: String,
        #[arg(long)]
        user: String,
    },
    /// 查看或导出对账单（text、csv、xlsx、json）
    Show {
        id: ReconciliationId,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// 结转递延收益：为账套的每个递延项目生成某月的结转凭证
    Release {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        period: String,
        #[arg(long)]
        user: String,
    },
    /// 结余处理：已结束的递延项目尚在递延收益中的结余，--return 退回财政（附文件）或 --carry-over 按决议结转
    Settle {
        #[command(flatten)]
        book: BookArg,
        /// 项目文号或编号
        #[arg(long)]
        program: String,
        /// 退回财政的依据（如 收回文件文号）
        #[arg(long = "return", conflicts_with = "carry_over", required_unless_present = "carry_over")]
        return_document: Option<String>,
        /// 结转使用的决议（如 2026年第3次董事会决议）
        #[arg(long)]
        carry_over: Option<String>,
        #[arg(long)]
        date: String,
        #[arg(long)]
        user: String,
    },
    /// 支付退回财政的结余（借 应退财政资金 贷 银行存款）
    Refund {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        program: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        user: String,
    },
    /// 各补贴项目的拨付、到账、列支、结余与最近一次对账
    Overview {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(clap::Args, Debug)]
pub struct ProgramArgs {
    #[command(flatten)]
    pub book: BookArg,
    /// 文号，如 区财〔2025〕12号
    #[arg(long)]
    pub document: String,
    #[arg(long)]
    pub purpose: String,
    /// 批复金额（元）
    #[arg(long)]
    pub approved: String,
    /// 开始日期
    #[arg(long)]
    pub from: String,
    /// 截止日期（当天不含），如 2026-01-01
    #[arg(long)]
    pub until: String,
    /// 核算方式：deferred 递延收益、immediate 营业外收入、service 政府购买服务、collective 集体补助收入、asset 与资产相关（按折旧结转）
    #[arg(long)]
    pub treatment: String,
    /// 可列支类别，逗号分隔：保洁,绿化,秩序维护,维修养护,公共能耗,人员薪酬,办公,税费
    #[arg(long)]
    pub eligible: String,
    #[arg(long)]
    pub user: String,
}

/// The user named by the commands whose wing does not check it itself (`cli::actor`).
pub(super) fn keeper(command: &Command) -> Option<&str> {
    match command {
        Command::Subsidy(SubsidyCommand::Program(a)) => Some(&a.user),
        Command::Subsidy(
            SubsidyCommand::Receive { user, .. }
            | SubsidyCommand::Release { user, .. }
            | SubsidyCommand::Settle { user, .. }
            | SubsidyCommand::Refund { user, .. },
        ) => Some(user),
        _ => None,
    }
}

pub async fn run<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &SubsidyCommand) -> Result<i32> {
    subsidy(ledger, cli, cmd).await.map(|()| 0)
}

/// A program as the command line gives it, read into the wing's input; each refusal names its option.
fn program_input(a: &ProgramArgs) -> Result<ProgramInput<'_>> {
    let treatment = Treatment::parse(&a.treatment).ok_or_else(|| {
        Error::invalid("--treatment", format!("“{}”不是核算方式：deferred、immediate、service、collective、asset", a.treatment))
    })?;
    let eligible = a
        .eligible
        .split([',', '，', '、'])
        .filter(|c| !c.trim().is_empty())
        .map(|c| Category::parse(c).ok_or_else(|| Error::invalid("--eligible", format!("“{c}”不是服务类别：{}", Category::choices()))))
        .collect::<Result<Vec<_>>>()?;
    Ok(ProgramInput {
        document_no: &a.document,
        purpose: &a.purpose,
        approved: amount("--approved", &a.approved)?,
        starts_on: parse_date("--from", &a.from)?,
        ends_on: parse_date("--until", &a.until)?,
        treatment,
        eligible,
    })
}

/// The community's programs as a table, then each ended program with what it still holds.
async fn list_programs<S: SubsidiesStore + AccessStore>(
    ledger: &Ledger<S>,
    subsidies: &Subsidies<S>,
    community: &crate::ledger::rows::CommunityRow,
) -> Result<()> {
    let mut t = Table::new(
        "补贴项目",
        &[
            ("编号", Align::Right),
            ("文号", Align::Left),
            ("用途", Align::Left),
            ("批复金额", Align::Right),
            ("期间", Align::Left),
            ("核算方式", Align::Left),
        ],
    );
    for p in subsidies.programs(community.id).await? {
        let period = format!("{} 至 {}", p.starts_on, p.ends_on.pred_opt().unwrap_or(p.ends_on));
        t.rows.push(vec![p.id.to_string(), p.document_no, p.purpose, money_cell(p.approved_fen), period, p.treatment.as_str().into()]);
    }
    print_out(&t.to_text());
    // An ended program never sits in 递延收益 unnoticed: each is named with what it holds.
    for row in ledger.books(community.id).await? {
        let book = ledger.book(community.id, &row.code).await?;
        for (p, figures, settled) in subsidies.deferred_status(&book, chrono::Local::now().date_naive()).await? {
            let state = match settled {
                Some(s) if s.kind == SettlementKind::Return => format!("已于 {} 退回财政 {}", s.settled_on, Fen(s.amount_fen)),
                Some(s) => format!("已于 {} 按决议结转 {}（{}）", s.settled_on, Fen(s.amount_fen), s.decision),
                None if figures.balance_fen() > 0 => {
                    format!("递延收益结余 {}，尚未处理（subsidy settle）", Fen(figures.balance_fen()))
                }
                None => "已无结余".to_string(),
            };
            print_out(&format!("项目 {} 已结束：{state}\n", p.title()));
        }
    }
    Ok(())
}

/// The deferred money of a program month by month and at its end: the month's release, an
/// ended program's balance returned or carried over, and a return paid.
async fn deferred_command<S: SubsidiesStore + AccessStore>(
    ledger: &Ledger<S>,
    cli: &Cli,
    subsidies: &Subsidies<S>,
    cmd: &SubsidyCommand,
) -> Result<()> {
    match cmd {
        SubsidyCommand::Release { book, period, user } => {
            let book = book_of(ledger, cli, book).await?;
            for r in subsidies.release(&book, parse_period("--period", period)?, user).await? {
                print_out(&format!("{} {}：{} {}\n", r.document_no, r.period, r.amount, r.outcome));
            }
        }
        SubsidyCommand::Settle { book, program, return_document, carry_over, date, user } => {
            let book = book_of(ledger, cli, book).await?;
            let how = match (return_document, carry_over) {
                (Some(document), _) => Settle::Return { document },
                (None, Some(decision)) => Settle::CarryOver { decision },
                (None, None) => return Err(Error::invalid("--return", "须指明 --return 退回财政 或 --carry-over 结转使用")),
            };
            let s = subsidies.settle(&book, program, how, parse_date("--date", date)?, user).await?;
            let what = if s.kind == SettlementKind::Return {
                "退回财政（记入应退财政资金，待支付）"
            } else {
                "按决议结转使用"
            };
            print_out(&format!("项目 {program} 结余 {} {what}：{}\n", Fen(s.amount_fen), s.decision));
        }
        SubsidyCommand::Refund { book, program, date, user } => {
            let book = book_of(ledger, cli, book).await?;
            let fen = subsidies.refund(&book, program, parse_date("--date", date)?, user).await?;
            print_out(&format!("项目 {program} 结余 {fen} 已退回财政\n"));
        }
        _ => unreachable!("the other subsidy commands are run by `subsidy`"),
    }
    Ok(())
}

/// A reconciliation made, signed by one side, or shown (as text, CSV, XLSX or PDF).
async fn reconciliation_command<S: SubsidiesStore + AccessStore>(
    subsidies: &Subsidies<S>,
    community: &crate::ledger::rows::CommunityRow,
    cmd: &SubsidyCommand,
) -> Result<()> {
    match cmd {
        SubsidyCommand::Reconcile { program, from, until, user, format } => {
            // Files are written by `subsidy show --out`; refused before anything is reconciled.
            if matches!(format, Format::Xlsx | Format::Pdf) {
                return Err(Error::invalid(
                    "--format",
                    "对账时只输出文本、CSV 或 JSON；XLSX 或 PDF 请用 subsidy show --id 编号 --format xlsx --out 文件",
                ));
            }
            let s = subsidies.reconcile(community, program, parse_date("--from", from)?, parse_date("--until", until)?, user).await?;
            write_or_print(None, &render(*format, || paper::statement_table(&s), &s)?, *format)?;
        }
        SubsidyCommand::Sign { id, side, user } => {
            let side = SignSide::parse(side).ok_or_else(|| Error::invalid("--side", format!("“{side}”应为 company 或 finance_office")))?;
            let s = subsidies.sign(community, *id, side, user).await?;
            print_out(&format!("{} 已代表{}在对账单 #{id} 上签字；状态：{}\n", user.trim(), side.label(), s.state_label()));
        }
        SubsidyCommand::Show { id, format, out } => {
            let s = subsidies.statement(community, *id).await?;
            let bytes = render(*format, || paper::statement_table(&s), &s)?;
            write_or_print(out.as_deref(), &bytes, *format)?;
        }
        _ => unreachable!("the other subsidy commands are run by `subsidy`"),
    }
    Ok(())
}

async fn subsidy<S: SubsidiesStore + AccessStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &SubsidyCommand) -> Result<()> {
    let subsidies = Subsidies::new(ledger);
    let community = community_of(ledger, cli).await?;
    match cmd {
        SubsidyCommand::Program(a) => {
            let book = book_of(ledger, cli, &a.book).await?;
            let p = subsidies.add_program(&book, &program_input(a)?, &a.user).await?;
            print_out(&format!("已新建补贴项目 #{}：{}，批复 {}\n", p.id, p.title(), Fen(p.approved_fen)));
        }
        SubsidyCommand::List => list_programs(ledger, &subsidies, &community).await?,
        SubsidyCommand::Disburse { program, date, amount: a, payee, reference, user } => {
            let row = DisbursementInput {
                row: 0,
                program: program.clone(),
                date: parse_date("--date", date)?,
                amount: amount("--amount", a)?,
                payee: payee.clone(),
                reference: reference.clone(),
            };
            subsidies.disburse(&community, &[row], user).await?;
            print_out("已登记拨付 1 笔\n");
        }
        SubsidyCommand::Import { file, user } => {
            let bytes = super::read_file("--file", file)?;
            let rows = crate::subsidies::import::parse_disbursements(&bytes)?;
            let n = subsidies.disburse(&community, &rows, user).await?;
            print_out(&format!("已登记拨付 {n} 笔\n"));
        }
        SubsidyCommand::Receive { book, program, date, amount: a, reference, bank, user } => {
            let book = book_of(ledger, cli, book).await?;
            let input = ReceiptInput {
                date: parse_date("--date", date)?,
                amount: amount("--amount", a)?,
                reference,
                bank_account: bank.as_deref(),
            };
            let (r, voucher) = subsidies.receive(&book, program, &input, user).await?;
            print_out(&format!("已登记到账 #{}：{} {}，凭证 {voucher}\n", r.id, r.received_on, Fen(r.amount_fen)));
        }
        SubsidyCommand::Withdraw { side, id, reason, date, user } => {
            let side =
                Side::parse(side).ok_or_else(|| Error::invalid("--side", format!("“{side}”应为 disbursement、receipt 或 spending")))?;
            let date = match date {
                Some(d) => parse_date("--date", d)?,
                None => chrono::Local::now().date_naive(),
            };
            subsidies.withdraw(&community, side, *id, reason, date, user).await?;
            print_out(&format!("已撤回{} #{id}\n", side.label()));
        }
        SubsidyCommand::Reconcile { .. } | SubsidyCommand::Sign { .. } | SubsidyCommand::Show { .. } => {
            reconciliation_command(&subsidies, &community, cmd).await?
        }
        SubsidyCommand::Release { .. } | SubsidyCommand::Settle { .. } | SubsidyCommand::Refund { .. } => {
            deferred_command(ledger, cli, &subsidies, cmd).await?
        }
        SubsidyCommand::Overview { format } => {
            let lines = subsidies.overview(std::slice::from_ref(&community)).await?;
            write_or_print(None, &render(*format, || paper::overview_table(&lines), &lines)?, *format)?;
        }
    }
    Ok(())
}
