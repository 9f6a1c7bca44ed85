//! The property-fee commands: households, fee items and standards, meter readings, billing,
//! payments, receipts, voids, dunning notices and waivers. Thin: parse, call the ledger, print.

use std::collections::HashMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{
    book_of, community_of, json, parse_date, parse_period, print_out, render, BookArg, Cli, Command, ReportArgs, ReportKind, ShowFormat,
};
use crate::access::store::AccessStore;
use crate::access::Access;
use crate::disclosure::store::DisclosureStore;
use crate::domain::area::AreaM2Hundredths;
use crate::domain::ids::{BillId, BillingRunId, CommunityId, HouseholdId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::fees::paper::dunning::{dunning_pdf, owing, Notice};
use crate::fees::paper::receipt::receipt_pdf;
use crate::fees::paper::CodeLine;
use crate::fees::reports::{aging, collection, dunning_statements, household_statement, DunningSelection, HouseholdStatement};
use crate::fees::store::FeesStore;
use crate::fees::units::NewUnit;
use crate::fees::{household_label, Fees, Method, PaymentRequest, Receipt};
use crate::ledger::{Book, Ledger};
use crate::render::pdf::Paper;

use super::fee_items::{fee_command, parse_kind, FeeCommand, SettingsArgs};

#[derive(Subcommand, Debug)]
pub enum HouseholdCommand {
    /// 从 CSV 或 XLSX 导入住户（楼栋,单元,房号,建筑面积,类型,业主,电话,入住日期）
    Import {
        #[arg(long)]
        file: PathBuf,
    },
    List,
}

#[derive(Subcommand, Debug)]
pub enum UnitCommand {
    /// 登记附属单元及其持有住户；单元已由另一户持有时，原持有于起始日结束（转让、换租）
    Add {
        /// 持有（购买或租用）该单元的住户，如 1-2-301
        #[arg(long)]
        household: String,
        /// 单元编号，如车位号 B1-018
        #[arg(long)]
        code: String,
        /// 车位、车库或储藏室
        #[arg(long)]
        kind: String,
        /// 面积（m²），按面积计费的单元须填写
        #[arg(long)]
        area: Option<String>,
        /// 持有起始日期；月中起始的当月按天计费
        #[arg(long)]
        from: String,
    },
    /// 结束单元的持有（退租）：自该日起不再计费
    End {
        #[arg(long)]
        code: String,
        /// 结束日期（不含当天）
        #[arg(long)]
        until: String,
    },
    /// 列出附属单元及其持有住户
    List,
}

#[derive(Args, Debug)]
pub struct BillArgs {
    #[command(flatten)]
    pub book: BookArg,
    #[arg(long)]
    pub period: String,
    /// 收费项目编码；省略时为全部项目
    #[arg(long)]
    pub item: Vec<String>,
    #[arg(long)]
    pub user: String,
}

#[derive(Args, Debug)]
pub struct UnbillArgs {
    #[command(flatten)]
    pub book: BookArg,
    /// 计费批次号（计费完成时显示，或见 fee runs）
    #[arg(long)]
    pub run: BillingRunId,
    /// 只冲销这一户的账单（楼栋-单元-房号）；省略时冲销整个批次
    #[arg(long)]
    pub household: Option<String>,
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub approver: String,
    /// 冲销日期（即红字凭证的日期）
    #[arg(long)]
    pub date: String,
}

#[derive(Args, Debug)]
pub struct DayCloseArgs {
    #[command(flatten)]
    pub book: BookArg,
    /// 日结到此日（含）：此前尚未日结的各天一并日结
    #[arg(long)]
    pub date: String,
    /// 审核并记账的人（不能是系统）
    #[arg(long)]
    pub user: String,
}

#[derive(Args, Debug)]
pub struct PayArgs {
    #[command(flatten)]
    pub book: BookArg,
    /// 楼栋-单元-房号，例如 1-2-301
    #[arg(long)]
    pub household: String,
    #[arg(long, allow_negative_numbers = true)]
    pub amount: String,
    /// 现金、银行、微信、支付宝（或 cash、bank、wechat、alipay）
    #[arg(long)]
    pub method: String,
    #[arg(long)]
    pub date: String,
    /// 防重复提交的键：同一个键提交两次只记一笔收款
    #[arg(long)]
    pub key: String,
    #[arg(long)]
    pub cashier: String,
    /// 结清指定账单号的账单，而非默认的从最早账单起依次结清
    #[arg(long)]
    pub bill: Vec<BillId>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ShowFormat,
    #[command(flatten)]
    pub pdf: PdfArgs,
}

#[derive(Args, Debug)]
pub struct PdfArgs {
    /// 同时将收据以 PDF 写入此文件
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 旧写法，已改为 --out
    #[arg(long, hide = true)]
    pub pdf: Option<PathBuf>,
    /// A5（交款人联，横向）或 A4（存根联和交款人联）
    #[arg(long, default_value = "A5")]
    pub paper: String,
    /// 网上核验的地址（收据的核验二维码指向 地址/c/社区/verify）
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub public_url: String,
}

#[derive(Subcommand, Debug)]
pub enum ReceiptCommand {
    /// 按编号查看（并补打）收据
    Show {
        #[command(flatten)]
        book: BookArg,
        /// 收据编号，例如 12 即 No.000012
        #[arg(long)]
        number: i64,
        #[arg(long, value_enum, default_value = "text")]
        format: ShowFormat,
        #[command(flatten)]
        pdf: PdfArgs,
    },
    /// 作废收据：红字冲销其收款，所结清的账单恢复为未缴
    Void {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        number: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        approver: String,
        /// 作废日期（即冲销凭证的日期）
        #[arg(long)]
        date: String,
    },
}

#[derive(Args, Debug)]
pub struct DunningArgs {
    #[command(flatten)]
    pub book: BookArg,
    /// 欠费计算截止日期；在此日期之前已结束的月份，其账单即为逾期
    #[arg(long)]
    pub date: String,
    /// 缴费期限，印在通知单上
    #[arg(long)]
    pub pay_by: String,
    /// 只含这些楼栋（可重复指定）；省略时为全部楼栋
    #[arg(long)]
    pub building: Vec<String>,
    /// 只含逾期欠费至少达此月数的住户
    #[arg(long, default_value_t = 1)]
    pub min_months: usize,
    /// 只含逾期账单欠费至少达此金额的住户
    #[arg(long, default_value = "0.01")]
    pub min_amount: String,
    /// 缴费或咨询地点，印在通知单上
    #[arg(long, default_value = "物业服务中心")]
    pub contact: String,
    /// 要写入的 PDF 文件
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 旧写法，已改为 --out
    #[arg(long, hide = true)]
    pub pdf: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct WaiveArgs {
    #[command(flatten)]
    pub book: BookArg,
    #[arg(long)]
    pub bill: BillId,
    #[arg(long, allow_negative_numbers = true)]
    pub amount: String,
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub approver: String,
    #[arg(long)]
    pub date: String,
}

/// Runs a fee command; None when the command is not one of the fee wing's.
pub async fn run<S: DisclosureStore + AccessStore>(ledger: &Ledger<S>, cli: &Cli) -> Result<Option<i32>> {
    let fees = Fees::new(ledger);
    let access = Access::new(ledger.store.clone());
    match &cli.command {
        Command::Household(cmd) => households(&fees, community_of(ledger, cli).await?.id, cmd).await?,
        Command::Unit(cmd) => units(&fees, community_of(ledger, cli).await?.id, cmd).await?,
        Command::Fee(cmd) => {
            let (FeeCommand::Item { book, .. }
            | FeeCommand::Standard { book, .. }
            | FeeCommand::Standards { book }
            | FeeCommand::Runs { book }
            | FeeCommand::Settings(SettingsArgs { book, .. })
            | FeeCommand::Meter { book, .. }) = cmd;
            fee_command(&fees, &book_of(ledger, cli, book).await?, cmd).await?
        }
        Command::Bill(args) => bill(&fees, &book_of(ledger, cli, &args.book).await?, args).await?,
        Command::Unbill(args) => unbill(&fees, &book_of(ledger, cli, &args.book).await?, args).await?,
        Command::Pay(args) => pay(&fees, &access, &book_of(ledger, cli, &args.book).await?, args).await?,
        Command::DayClose(args) => day_close(&fees, &book_of(ledger, cli, &args.book).await?, args).await?,
        Command::Waive(args) => waive(&fees, &book_of(ledger, cli, &args.book).await?, args).await?,
        Command::Receipt(cmd) => {
            let (ReceiptCommand::Show { book, .. } | ReceiptCommand::Void { book, .. }) = cmd;
            receipts(&fees, &access, &book_of(ledger, cli, book).await?, cmd).await?
        }
        Command::Dunning(args) => dunning(&ledger.store, &access, &book_of(ledger, cli, &args.book).await?, args).await?,
        _ => return Ok(None),
    }
    Ok(Some(0))
}

/// The fee wing's reports: a household's statement, arrears aging, collection rates.
pub async fn report_bytes<S: FeesStore>(ledger: &Ledger<S>, book: &Book, args: &ReportArgs, from: Period, to: Period) -> Result<Vec<u8>> {
    let store = &ledger.store;
    Ok(match args.kind {
        ReportKind::Statement => {
            let label = args.household.as_deref().ok_or_else(|| Error::invalid("--household", "对账单须指明住户（楼栋-单元-房号）"))?;
            let household = Fees::new(ledger).household_by_label(book.row.community_id, label).await?;
            let as_of = match &args.date {
                Some(d) => parse_date("--date", d)?,
                None => chrono::Local::now().date_naive(),
            };
            let st = household_statement(store, book, &household, as_of).await?;
            render(args.format, || st.to_table(), &st)?
        }
        ReportKind::Aging => {
            let a = aging(store, book, to, args.by_household).await?;
            render(args.format, || a.to_table(), &a)?
        }
        ReportKind::Collection => {
            let c = collection(store, book, from, to).await?;
            render(args.format, || c.to_table(), &c)?
        }
        _ => unreachable!("the ledger's reports are made by cli::ledger"),
    })
}

async fn units<S: FeesStore>(fees: &Fees<S>, community_id: CommunityId, cmd: &UnitCommand) -> Result<()> {
    match cmd {
        UnitCommand::Add { household, code, kind, area, from } => {
            let area_m2_hundredths =
                area.as_deref().map(AreaM2Hundredths::parse).transpose().map_err(|reason| Error::invalid("--area", reason))?;
            let unit =
                NewUnit { code, kind: parse_kind("--kind", kind)?, area_m2_hundredths, household, from: parse_date("--from", from)? };
            fees.add_unit(community_id, &unit).await?;
            print_out(&format!("已登记{} {code}，持有住户 {household}，{} 起\n", unit.kind.label(), unit.from));
        }
        UnitCommand::End { code, until } => {
            let ended = fees.end_unit(community_id, code, parse_date("--until", until)?).await?;
            print_out(&format!("{} 的持有至 {until}（不含）结束\n", ended.label()));
        }
        UnitCommand::List => {
            let labels: HashMap<HouseholdId, String> =
                fees.households(community_id).await?.iter().map(|h| (h.id, household_label(h))).collect();
            let mut out = String::from("单元\t类型\t面积（m²）\t持有住户\t起始日期\t结束日期（不含）\n");
            for u in fees.units(community_id).await? {
                let area = u.area_m2_hundredths.map_or(String::new(), |a| a.to_string());
                let until = u.held_until.map_or("持有中".to_string(), |d| d.to_string());
                let holder = labels.get(&u.household_id).map_or("?", String::as_str);
                out += &format!("{}\t{}\t{area}\t{holder}\t{}\t{until}\n", u.code, u.kind.label(), u.held_from);
            }
            print_out(&out);
        }
    }
    Ok(())
}

async fn households<S: FeesStore>(fees: &Fees<S>, community_id: CommunityId, cmd: &HouseholdCommand) -> Result<()> {
    match cmd {
        HouseholdCommand::Import { file } => {
            let spinner = super::working("导入住户…");
            let r = fees.import_households(community_id, &super::read_file("--file", file)?).await.map_err(super::naming_file(file));
            spinner.finish_and_clear();
            let r = r?;
            print_out(&format!("住户导入完成：新增 {}，更新 {}，未变 {}\n", r.added, r.changed, r.unchanged));
        }
        HouseholdCommand::List => {
            for h in fees.households(community_id).await? {
                print_out(&format!(
                    "#{}\t{}\t{}\t{} m²\t{}\n",
                    h.id,
                    household_label(&h),
                    h.kind.label(),
                    h.area_m2_hundredths,
                    h.owner_name
                ));
            }
        }
    }
    Ok(())
}

/// Bills held back that a billing run lists on the terminal; all are in `run.held`.
const MAX_HELD_LISTED: usize = 50;

async fn bill<S: FeesStore>(fees: &Fees<S>, book: &Book, args: &BillArgs) -> Result<()> {
    let period = parse_period("--period", &args.period)?;
    let spinner = super::working(&format!("{period} 计费中…"));
    let run = fees.run_billing(book, period, &args.item, &args.user).await;
    spinner.finish_and_clear();
    let run = run?;
    match (run.voucher, run.run) {
        (Some(v), Some(n)) => print_out(&format!(
            "{} 计费完成（计费批次 #{n}）：新账单 {} 张，金额 {}，预收款抵扣 {}，凭证 {v}\n",
            run.period, run.bills, run.total, run.prepayment_applied
        )),
        _ if run.held.is_empty() => print_out(&format!("{} 没有需要新开的账单（本月已计费）\n", run.period)),
        _ => print_out(&format!("{} 没有开出新账单\n", run.period)),
    }
    if !run.held.is_empty() {
        eprintln!("以下 {} 笔按用量计费的账单未开出，补齐读数后再次计费即可：", run.held.len());
        for line in run.held.iter().take(MAX_HELD_LISTED) {
            eprintln!("  {line}");
        }
        if run.held.len() > MAX_HELD_LISTED {
            eprintln!("  ……另有 {} 笔", run.held.len() - MAX_HELD_LISTED);
        }
    }
    Ok(())
}

async fn unbill<S: FeesStore>(fees: &Fees<S>, book: &Book, args: &UnbillArgs) -> Result<()> {
    let household = match &args.household {
        Some(label) => Some(fees.household_by_label(book.row.community_id, label).await?.id),
        None => None,
    };
    let r = fees.reverse_billing(book, args.run, household, &args.reason, &args.approver, parse_date("--date", &args.date)?).await?;
    print_out(&format!(
        "已冲销计费批次 #{} 的 {} 张账单，金额 {}；其中已收款 {} 转回预收；冲销凭证 {}。更正后可重新计费（bill --period {}）\n",
        r.run, r.bills, r.total, r.back_to_prepayment, r.voucher, r.period
    ));
    Ok(())
}

async fn day_close<S: FeesStore>(fees: &Fees<S>, book: &Book, args: &DayCloseArgs) -> Result<()> {
    let done = fees.close_days(book, parse_date("--date", &args.date)?, &args.user).await?;
    if done.is_empty() {
        print_out(&format!("截至 {} 没有待日结的收款\n", args.date));
    }
    for d in done {
        print_out(&format!("{} 日结 {}：{} 笔，金额 {}，凭证 {}\n", d.date, d.method, d.payments, d.amount, d.voucher));
    }
    Ok(())
}

async fn pay<S: DisclosureStore + AccessStore>(fees: &Fees<S>, access: &Access<S>, book: &Book, args: &PayArgs) -> Result<()> {
    receipt_paper(&args.pdf)?;
    let household = fees.household_by_label(book.row.community_id, &args.household).await?;
    let amount = Fen::parse(&args.amount).map_err(|e| Error::invalid("--amount", format!("“{}”{e}", args.amount)))?;
    let method =
        Method::parse(&args.method).ok_or_else(|| Error::invalid("--method", format!("“{}”须为现金、银行、微信或支付宝", args.method)))?;
    let req = PaymentRequest {
        household_id: household.id,
        amount,
        method,
        paid_on: parse_date("--date", &args.date)?,
        idempotency_key: &args.key,
        cashier: &args.cashier,
        bill_ids: (!args.bill.is_empty()).then(|| args.bill.clone()),
        note: Default::default(),
    };
    let receipt = crate::disclosure::with_check(fees.store(), book, fees.pay(book, &req).await?, &args.pdf.public_url).await?;
    // A household's first receipt carries its new access code (查询码).
    let code = if receipt.replayed { None } else { access.code_for_paper(book.row.community_id, household.id).await? };
    let line = code.as_deref().map_or(CodeLine::Issued, CodeLine::New);
    if args.format == ShowFormat::Json {
        print_out(&json(&receipt));
    } else {
        print_out(&(receipt_text(&receipt) + &line.text().map(|l| l + "\n").unwrap_or_default()));
    }
    write_receipt_pdf(&receipt, &args.pdf, line)
}

/// The receipt's paper and file, checked before anything is recorded.
fn receipt_paper(args: &PdfArgs) -> Result<Paper> {
    super::renamed("--pdf", "--out", args.pdf.is_some())?;
    Paper::parse(&args.paper).ok_or_else(|| Error::invalid("--paper", format!("“{}”须为 A5 或 A4", args.paper)))
}

/// Writes the receipt's PDF (its verification code and check page already on it).
fn write_receipt_pdf(receipt: &Receipt, args: &PdfArgs, code: CodeLine<'_>) -> Result<()> {
    let Some(path) = &args.out else { return Ok(()) };
    super::write_file("--out", path, &receipt_pdf(receipt, receipt_paper(args)?, code)?)?;
    eprintln!("收据 PDF 已写入 {}", path.display());
    Ok(())
}

async fn receipts<S: DisclosureStore + AccessStore>(fees: &Fees<S>, access: &Access<S>, book: &Book, cmd: &ReceiptCommand) -> Result<()> {
    match cmd {
        ReceiptCommand::Show { number, format, pdf, .. } => {
            receipt_paper(pdf)?;
            // Shown again is printed again: the copy says 补打 and when.
            let receipt = Receipt { reprinted_on: Some(chrono::Local::now().date_naive()), ..fees.receipt(book, *number).await? };
            let receipt = crate::disclosure::with_check(fees.store(), book, receipt, &pdf.public_url).await?;
            print_out(&if *format == ShowFormat::Json { json(&receipt) } else { receipt_text(&receipt) });
            // A printed copy for a household that has no access code yet carries a new one.
            let code = match pdf.out {
                Some(_) => {
                    let h = fees.household_by_label(book.row.community_id, &receipt.household).await?;
                    access.code_for_paper(book.row.community_id, h.id).await?
                }
                None => None,
            };
            write_receipt_pdf(&receipt, pdf, code.as_deref().map_or(CodeLine::Issued, CodeLine::New))
        }
        ReceiptCommand::Void { number, reason, approver, date, .. } => {
            let receipt = fees.void_receipt(book, *number, reason, approver, parse_date("--date", date)?).await?;
            print_out(&receipt_text(&receipt));
            Ok(())
        }
    }
}

async fn dunning<S: FeesStore + AccessStore>(store: &S, access: &Access<S>, book: &Book, args: &DunningArgs) -> Result<()> {
    let fees = Fees::new(&Ledger::new(store.clone()));
    super::renamed("--pdf", "--out", args.pdf.is_some())?;
    let out = args.out.as_ref().ok_or_else(|| Error::invalid("--out", "须指定要写入的 PDF 文件"))?;
    let as_of = parse_date("--date", &args.date)?;
    let pay_by = parse_date("--pay-by", &args.pay_by)?;
    let min_overdue = Fen::parse(&args.min_amount).map_err(|e| Error::invalid("--min-amount", format!("“{}”{e}", args.min_amount)))?;
    let select = DunningSelection { buildings: args.building.clone(), min_months: args.min_months, min_overdue, households: Vec::new() };
    let statements = dunning_statements(store, book, as_of, &select).await?;
    let notice = Notice { company: &book.row.name, as_of, pay_by, contact: &args.contact };
    // A household without an access code gets one on its notice.
    let mut ids = Vec::new();
    for s in owing(&statements) {
        ids.push((s.household.clone(), fees.household_by_label(book.row.community_id, &s.household).await?.id));
    }
    let codes = access.codes_for_paper(book.row.community_id, &ids.iter().map(|(_, id)| *id).collect::<Vec<_>>()).await?;
    let codes: HashMap<String, String> = ids.into_iter().filter_map(|(label, id)| Some((label, codes.get(&id)?.clone()))).collect();
    let line = |s: &HouseholdStatement| codes.get(&s.household).map_or(CodeLine::Issued, |c| CodeLine::New(c));
    let (pdf, count) = dunning_pdf(&notice, &statements, line)?;
    super::write_file("--out", out, &pdf)?;
    print_out(&format!("催缴通知单 {count} 份已写入 {}\n", out.display()));
    Ok(())
}

/// The receipt as the terminal shows it.
pub fn receipt_text(r: &Receipt) -> String {
    let mut out = format!("收  据    {}{}\n", r.label, if r.replayed { "（重复提交，返回原收据）" } else { "" });
    out += &format!("{}\n交款住户：{}（{}）    日期：{}    方式：{}\n", r.book, r.household, r.owner_name, r.paid_on, r.method);
    out += &format!("金额：¥{}    大写：{}\n", r.amount, r.amount_in_words);
    for s in &r.settled {
        out += &format!("  收 {}{} {} {}\n", s.period, if s.part { " 部分" } else { "" }, s.fee_item, s.amount);
    }
    if r.prepaid.0 > 0 {
        out += &format!("  预收（抵以后月份）{}\n", r.prepaid);
    }
    out += &format!("收款人：{}    凭证：{}\n", r.cashier, r.voucher);
    if r.voided {
        out += "此收据已作废（红字冲销）\n";
    }
    if let Some(day) = r.reprinted_on {
        out += &format!("补打（{day} 重印，原收据日期 {}）\n", r.paid_on);
    }
    if let Some(check) = &r.check {
        out += &format!("核验码：{}    网上核验：{}\n", check.code, check.url);
    }
    out
}

async fn waive<S: FeesStore>(fees: &Fees<S>, book: &Book, args: &WaiveArgs) -> Result<()> {
    let amount = Fen::parse(&args.amount).map_err(|e| Error::invalid("--amount", format!("“{}”{e}", args.amount)))?;
    let waived = fees.waive(book, args.bill, amount, &args.reason, &args.approver, parse_date("--date", &args.date)?).await?;
    print_out(&format!("已减免 {} {amount}（减免记录 #{}）\n", waived.bill, waived.id));
    Ok(())
}
