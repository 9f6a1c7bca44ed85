//! Subsidies and spending on the command line: `subsidy program|disburse|import|receive|
//! withdraw|reconcile|sign|show|release|overview` and `expense add|list`.

use clap::Subcommand;

use super::{book_of, community_of, parse_date, parse_period, print_out, render, BookArg, Cli, Command, Format};
use crate::access::store::AccessStore;
use crate::domain::category::Category;
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::public_revenue::store::PublicRevenueStore;
use crate::render::table::{money_cell, Align, Table};
use crate::spending::{ExpenseInput, Spending};
use crate::subsidies::reconcile::Side;
use crate::subsidies::settlement::Settle;
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
        id: i64,
        #[arg(long)]
        side: String,
        #[arg(long)]
        user: String,
    },
    /// 查看或导出对账单（text、csv、xlsx、json）
    Show {
        id: i64,
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
        id: i64,
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
        id: i64,
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "collective")]
        collective: String,
        #[arg(long)]
        user: String,
    },
    /// 成员收益分配清单（text、csv、xlsx、json）
    Show {
        id: i64,
        #[arg(long, default_value = "collective")]
        collective: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
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
        Command::Expense(ExpenseCommand::Add { user, .. } | ExpenseCommand::Pay { user, .. } | ExpenseCommand::Budget { user, .. }) => {
            Some(user)
        }
        Command::PublicRevenue(
            PublicRevenueCommand::Rule { user, .. }
            | PublicRevenueCommand::Receive { user, .. }
            | PublicRevenueCommand::Spend { user, .. }
            | PublicRevenueCommand::Split { user, .. },
        ) => Some(user),
        Command::Collective(
            CollectiveCommand::Transfer { user, .. }
            | CollectiveCommand::Roster { user, .. }
            | CollectiveCommand::Distribute { user, .. }
            | CollectiveCommand::Pay { user, .. },
        ) => Some(user),
        _ => None,
    }
}

fn amount(field: &str, text: &str) -> Result<Fen> {
    Fen::parse(text).map_err(|e| Error::invalid(field, format!("“{text}”：{e}")))
}

pub async fn run<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli) -> Result<Option<i32>> {
    match &cli.command {
        Command::Subsidy(cmd) => subsidy(ledger, cli, cmd).await?,
        Command::Expense(cmd) => expense(ledger, cli, cmd).await?,
        Command::PublicRevenue(cmd) => public_revenue(ledger, cli, cmd).await?,
        Command::Collective(cmd) => collective(ledger, cli, cmd).await?,
        _ => return Ok(None),
    }
    Ok(Some(0))
}

async fn subsidy<S: SubsidiesStore + AccessStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &SubsidyCommand) -> Result<()> {
    let subsidies = Subsidies::new(ledger);
    let community = community_of(ledger, cli).await?;
    match cmd {
        SubsidyCommand::Program(a) => {
            let book = book_of(ledger, cli, &a.book).await?;
            let treatment = Treatment::parse(&a.treatment).ok_or_else(|| {
                Error::invalid("--treatment", format!("“{}”不是核算方式：deferred、immediate、service、collective、asset", a.treatment))
            })?;
            let eligible = a
                .eligible
                .split([',', '，', '、'])
                .filter(|c| !c.trim().is_empty())
                .map(|c| {
                    Category::parse(c).ok_or_else(|| Error::invalid("--eligible", format!("“{c}”不是服务类别：{}", Category::choices())))
                })
                .collect::<Result<Vec<_>>>()?;
            let input = ProgramInput {
                document_no: &a.document,
                purpose: &a.purpose,
                approved: amount("--approved", &a.approved)?,
                starts_on: parse_date("--from", &a.from)?,
                ends_on: parse_date("--until", &a.until)?,
                treatment,
                eligible,
            };
            let p = subsidies.add_program(&book, &input, &a.user).await?;
            print_out(&format!("已新建补贴项目 #{}：{}，批复 {}\n", p.id, p.title(), Fen(p.approved_fen)));
        }
        SubsidyCommand::List => {
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
                t.rows.push(vec![
                    p.id.to_string(),
                    p.document_no,
                    p.purpose,
                    money_cell(p.approved_fen),
                    period,
                    p.treatment.as_str().into(),
                ]);
            }
            print_out(&t.to_text());
            // An ended program never sits in 递延收益 unnoticed: each is named with what it holds.
            for row in ledger.books(community.id).await? {
                let book = ledger.book(community.id, &row.code).await?;
                for (p, figures, settled) in subsidies.deferred_status(&book, chrono::Local::now().date_naive()).await? {
                    let state = match settled {
                        Some(s) if s.kind == "return" => format!("已于 {} 退回财政 {}", s.settled_on, Fen(s.amount_fen)),
                        Some(s) => format!("已于 {} 按决议结转 {}（{}）", s.settled_on, Fen(s.amount_fen), s.decision),
                        None if figures.balance_fen() > 0 => {
                            format!("递延收益结余 {}，尚未处理（subsidy settle）", Fen(figures.balance_fen()))
                        }
                        None => "已无结余".to_string(),
                    };
                    print_out(&format!("项目 {} 已结束：{state}\n", p.title()));
                }
            }
        }
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
        SubsidyCommand::Reconcile { program, from, until, user, format } => {
            let s = subsidies.reconcile(&community, program, parse_date("--from", from)?, parse_date("--until", until)?, user).await?;
            print_out(&String::from_utf8_lossy(&render(*format, || paper::statement_table(&s), &s)?));
        }
        SubsidyCommand::Sign { id, side, user } => {
            let side = SignSide::parse(side).ok_or_else(|| Error::invalid("--side", format!("“{side}”应为 company 或 finance_office")))?;
            let s = subsidies.sign(&community, *id, side, user).await?;
            print_out(&format!("{} 已代表{}在对账单 #{id} 上签字；状态：{}\n", user.trim(), side.label(), s.state_label()));
        }
        SubsidyCommand::Show { id, format, out } => {
            let s = subsidies.statement(&community, *id).await?;
            let bytes = render(*format, || paper::statement_table(&s), &s)?;
            write_or_print(out.as_deref(), &bytes, *format)?;
        }
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
            let what = if s.kind == "return" { "退回财政（记入应退财政资金，待支付）" } else { "按决议结转使用" };
            print_out(&format!("项目 {program} 结余 {} {what}：{}\n", Fen(s.amount_fen), s.decision));
        }
        SubsidyCommand::Refund { book, program, date, user } => {
            let book = book_of(ledger, cli, book).await?;
            let fen = subsidies.refund(&book, program, parse_date("--date", date)?, user).await?;
            print_out(&format!("项目 {program} 结余 {fen} 已退回财政\n"));
        }
        SubsidyCommand::Overview { format } => {
            let lines = subsidies.overview(std::slice::from_ref(&community)).await?;
            print_out(&String::from_utf8_lossy(&render(*format, || paper::overview_table(&lines), &lines)?));
        }
    }
    Ok(())
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

fn write_or_print(out: Option<&std::path::Path>, bytes: &[u8], format: Format) -> Result<()> {
    match out {
        Some(path) => {
            super::write_file("--out", path, bytes)?;
            print_out(&format!("已写入 {}\n", path.display()));
        }
        None if format == Format::Xlsx => return Err(Error::invalid("--out", "XLSX 须写入文件，请用 --out 指定")),
        None => print_out(&String::from_utf8_lossy(bytes)),
    }
    Ok(())
}

async fn expense<S: SubsidiesStore + AccessStore>(ledger: &Ledger<S>, cli: &Cli, cmd: &ExpenseCommand) -> Result<()> {
    let spending = Spending::new(ledger);
    match cmd {
        ExpenseCommand::Add { book, date, category, supplier, summary, amount: a, payable, program, user } => {
            let book = book_of(ledger, cli, book).await?;
            let category = Category::parse(category)
                .ok_or_else(|| Error::invalid("--category", format!("“{category}”不是服务类别：{}", Category::choices())))?;
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
            let category = Category::parse(category)
                .ok_or_else(|| Error::invalid("--category", format!("“{category}”不是服务类别：{}", Category::choices())))?;
            let fen = amount("--amount", a)?;
            spending.set_budget(&book, *year, category, fen, user).await?;
            print_out(&format!("{year} 年“{category}”预算：{fen}\n"));
        }
        ExpenseCommand::List { book, from, until } => {
            let book = book_of(ledger, cli, book).await?;
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
            for e in spending.expenses(&book, parse_date("--from", from)?, parse_date("--until", until)?).await? {
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
            print_out(&t.to_text());
        }
    }
    Ok(())
}
