//! The fee settings of a book from the command line (`fee …`): fee items and their VAT rate,
//! standards by kind or by unit, the book's payment and VAT settings, billing runs, and
//! meter readings.

use super::{parse_date, parse_period, print_out, BookArg};
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::fees::rows::{BillingRunRow, FeeItemRow, FeeStandardRow, HouseholdRow, StandardFor};
use crate::fees::rules::{FeeBasis, HouseholdKind};
use crate::fees::store::FeesStore;
use crate::fees::{household_label, FeeItemSpec, Fees, MeterChangeInput, MeterReadingInput, Method};
use crate::ledger::{Book, PaymentVouchers, VatScheme};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum FeeCommand {
    /// 新增收费项目
    Item {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// 计费方式：per_m2_month（按面积）、fixed_month（固定）、metered（按用量）
        #[arg(long)]
        basis: String,
        /// 收入科目编码，例如 500101
        #[arg(long)]
        account: String,
        /// 滞纳金：每日按未缴金额的百万分之几计收（300 即 0.03%）；0 表示不收
        #[arg(long, default_value_t = 0)]
        late_fee_ppm: i64,
        /// 滞纳金上限，以占账单金额的百分比计
        #[arg(long, default_value_t = 0)]
        late_fee_cap: i64,
        /// 本项目的增值税税率（%），与账套税率不同时填写，如一般纳税人的车位停车费 9
        #[arg(long)]
        vat_rate: Option<String>,
    },
    /// 为一种房屋或单元类型（--kind），或为一个附属单元（--unit，一位一价）新增收费标准
    Standard {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        item: String,
        /// 住宅、商铺、车库、车位或储藏室
        #[arg(long, required_unless_present = "unit", conflicts_with = "unit")]
        kind: Option<String>,
        /// 附属单元编号（如 B1-018）：该单元自己的单价，优先于其类型的标准
        #[arg(long)]
        unit: Option<String>,
        /// 单价：元/m²/月、元/月 或 元/单位用量
        #[arg(long)]
        rate: String,
        #[arg(long)]
        from: String,
        /// 截止日期（不含当天）
        #[arg(long)]
        until: Option<String>,
    },
    /// 列出收费标准（明码标价）：项目、房屋类型、单价、有效期
    Standards {
        #[command(flatten)]
        book: BookArg,
    },
    /// 列出计费批次：批次号、月份、账单数、金额、凭证、已冲销
    Runs {
        #[command(flatten)]
        book: BookArg,
    },
    /// 查看或修改收费设置；省略选项时显示当前设置
    Settings(SettingsArgs),
    /// 从 CSV 或 XLSX 导入某月抄表读数：楼栋,单元,房号,读数[,换表,旧表止数,新表起数]；新装的表在“换表”列填“新装”并给出新表起数
    Meter {
        #[command(flatten)]
        book: BookArg,
        #[arg(long)]
        item: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        file: PathBuf,
    },
}

/// What `fee settings` was asked to change; each absent option is left as it is.
#[derive(Args, Debug)]
pub struct SettingsArgs {
    #[command(flatten)]
    pub book: BookArg,
    /// 收款凭证：逐笔（每笔收款一张凭证）或 日结（每天每种收款方式一张，由 day-close 汇总记账）
    #[arg(long)]
    pub payment_vouchers: Option<String>,
    /// 增值税纳税人类型：小规模、一般 或 不计税（small、general、none），须同时给出 --vat-rate
    #[arg(long, requires = "vat_rate")]
    pub vat: Option<String>,
    /// 增值税税率或征收率（%）：小规模 1、3、5；一般纳税人 6、9、13。收费标准为含税价
    #[arg(long, requires = "vat")]
    pub vat_rate: Option<String>,
    /// 收款方式记入的科目，如 微信=101201、支付宝=101202、银行=100202（可重复指定）
    #[arg(long)]
    pub account: Vec<String>,
    /// 现金流量项目：自动（按对方科目判定，无法判定的列入经营活动“其他”）或 必须指定（derived、required）
    #[arg(long)]
    pub cash_flow_items: Option<String>,
    /// 收款确认线（元）：网页收款超过此金额（或超过该户欠费加一年费用）时须再次确认；“无”取消
    #[arg(long)]
    pub confirm_above: Option<String>,
}

/// `fee settings`: the book's fee settings changed as asked, then all of them printed.
async fn fee_settings<S: FeesStore>(fees: &Fees<S>, book: &Book, asked: &SettingsArgs) -> Result<()> {
    let SettingsArgs { payment_vouchers, vat, vat_rate, account, cash_flow_items, confirm_above, .. } = asked;
    if let Some(text) = confirm_above {
        let line = match text.trim() {
            "无" | "none" => None,
            t => Some(Fen::parse(t).map_err(|e| Error::invalid("--confirm-above", format!("“{t}”{e}")))?),
        };
        fees.set_confirm_above(book, line).await?;
    }
    if let Some(text) = cash_flow_items {
        let mode = crate::ledger::CashFlowItems::parse(text)
            .ok_or_else(|| Error::invalid("--cash-flow-items", format!("“{text}”须为 自动 或 必须指定（derived 或 required）")))?;
        fees.ledger().set_cash_flow_items(book, mode).await?;
    }
    for pair in account.iter() {
        let (method, typed) =
            pair.split_once('=').ok_or_else(|| Error::invalid("--account", format!("“{pair}”须写成 收款方式=科目，如 微信=101201")))?;
        let m = Method::parse(method).ok_or_else(|| Error::invalid("--account", format!("“{method}”须为现金、银行、微信或支付宝")))?;
        fees.set_method_account(book, m, typed).await?;
    }
    if let Some(text) = payment_vouchers {
        let mode = PaymentVouchers::parse(text)
            .ok_or_else(|| Error::invalid("--payment-vouchers", format!("“{text}”须为 逐笔 或 日结（each 或 daily）")))?;
        fees.set_payment_vouchers(book, mode).await?;
    }
    if let (Some(scheme), Some(rate)) = (vat, vat_rate) {
        let s = VatScheme::parse(scheme).ok_or_else(|| Error::invalid("--vat", format!("“{scheme}”须为 小规模、一般 或 不计税")))?;
        fees.set_vat(book, s, rate).await?;
    }
    let now = fees.book(book).await?;
    let vat = crate::fees::vat::vat_of(&now)?;
    let accounts: Vec<String> = [Method::Cash, Method::Bank, Method::Wechat, Method::Alipay]
        .iter()
        .map(|m| format!("{} {}", m.label(), crate::fees::money_account_of(&now, *m).unwrap_or_else(|e| e.to_string())))
        .collect();
    print_out(&format!(
        "账套 {}：收款凭证 {}；现金流量项目 {}；增值税 {}{}；收款科目 {}；收款确认线 {}\n",
        now.row.code,
        now.row.payment_vouchers.label(),
        now.row.cash_flow_items.label(),
        vat.scheme.label(),
        if vat.scheme == VatScheme::None { String::new() } else { format!(" {}%（收费标准含税）", vat.rate_percent) },
        accounts.join("、"),
        now.row.confirm_above_fen.map_or_else(|| "按该户欠费加一年费用".to_string(), |f| format!("{} 元", Fen(f)))
    ));
    Ok(())
}

pub(super) async fn fee_command<S: FeesStore>(fees: &Fees<S>, book: &Book, cmd: &FeeCommand) -> Result<()> {
    match cmd {
        FeeCommand::Item { code, name, basis, account, late_fee_ppm, late_fee_cap, vat_rate, .. } => {
            if let Some(rate) = vat_rate {
                crate::fees::vat::allowed_rate(book.row.vat_scheme, rate)?;
            }
            let basis = FeeBasis::parse(basis)
                .ok_or_else(|| Error::invalid("--basis", format!("“{basis}”须为 per_m2_month、fixed_month 或 metered")))?;
            let account = crate::ledger::lookup::find_account(&book.chart, "--account", account)?.code.to_string();
            let spec = FeeItemSpec {
                code,
                name,
                basis,
                revenue_account: &account,
                late_fee_ppm_per_day: *late_fee_ppm,
                late_fee_cap_percent: *late_fee_cap,
            };
            fees.add_fee_item(book, &spec).await?;
            if let Some(rate) = vat_rate {
                fees.set_item_vat_rate(book, code, rate).await?;
            }
            print_out(&format!("已添加收费项目 {code} {name}\n"));
        }
        FeeCommand::Standard { item, kind, unit, rate, from, until, .. } => {
            let target = match (kind, unit) {
                (_, Some(code)) => StandardFor::Unit(code.trim().to_string()),
                (Some(kind), None) => StandardFor::Kind(parse_kind("--kind", kind)?),
                (None, None) => return Err(Error::invalid("--kind", "须指定 --kind（房屋或单元类型）或 --unit（单元编号）")),
            };
            let until = until.as_deref().map(|u| parse_date("--until", u)).transpose()?;
            let whom = target.label();
            fees.add_standard(book, item, target, rate, parse_date("--from", from)?, until).await?;
            print_out(&format!("已添加收费标准：{item} {whom} {rate} 元\n"));
        }
        FeeCommand::Standards { .. } => print_out(&standards_table(&fees.fee_standards(book).await?)),
        FeeCommand::Settings(asked) => fee_settings(fees, book, asked).await?,
        FeeCommand::Runs { .. } => print_out(&runs_table(&fees.billing_runs(book).await?)),
        FeeCommand::Meter { item, period, file, .. } => {
            let p = parse_period("--period", period)?;
            let table = crate::import::TextTable::read(&super::read_file("--file", file)?).map_err(super::naming_file(file))?;
            let households = fees.households(book.row.community_id).await?;
            let readings = meter_readings(&table, &households)?;
            let n = fees.record_meter_readings(book, item, p, &readings).await?;
            print_out(&format!("已记录 {p} 读数 {n} 条\n"));
        }
    }
    Ok(())
}

/// `fee standards`: one line per standard, item by item.
fn standards_table(standards: &[(FeeItemRow, FeeStandardRow)]) -> String {
    let mut out = String::from("项目\t名称\t房屋类型\t单价（元）\t计费方式\t起始日期\t截止日期（不含）\n");
    for (item, s) in standards {
        let until = s.valid_until.map_or("长期".to_string(), |d| d.to_string());
        let basis = item.basis.label();
        out += &format!("{}\t{}\t{}\t{}\t{basis}\t{}\t{until}\n", item.code, item.name, s.target_label(), s.rate_yuan, s.valid_from);
    }
    out
}

/// `fee runs`: one line per billing run with its voucher and what reversals cancelled of it.
fn runs_table(runs: &[(BillingRunRow, String)]) -> String {
    let mut out = String::from("批次\t月份\t账单数\t金额\t凭证\t计费人\t已冲销账单\t已冲销金额\n");
    for (r, voucher) in runs {
        out += &format!(
            "#{}\t{}\t{}\t{}\t{voucher}\t{}\t{}\t{}\n",
            r.id,
            r.period,
            r.bills,
            Fen(r.total_fen),
            r.created_by,
            r.reversed_bills,
            Fen(r.reversed_fen)
        );
    }
    out
}

/// `fee meter`: the readings of a table with 楼栋, 房号 and 读数 (单元, 换表, 旧表止数 and
/// 新表起数 when given), each row's household found by its house number.
fn meter_readings(table: &crate::import::TextTable, households: &[HouseholdRow]) -> Result<Vec<MeterReadingInput>> {
    let col = |names: &[&str]| table.column(names);
    let (b, u, r, v) = (col(&["楼栋", "building"]), col(&["单元", "unit"]), col(&["房号", "room"]), col(&["读数", "reading"]));
    let replaced = col(&["换表", "replaced"]);
    let (old_final, new_start) = (col(&["旧表止数", "old_meter_final"]), col(&["新表起数", "new_meter_start"]));
    let (Some(b), Some(r), Some(v)) = (b, r, v) else { return Err(Error::csv(1, "楼栋/房号/读数", "缺少此列")) };
    let mut readings = Vec::new();
    for row in &table.rows {
        let label = crate::fees::label_of(row.cell(Some(b)), row.cell(u), row.cell(Some(r)));
        let h = households
            .iter()
            .find(|h| household_label(h) == label)
            .ok_or_else(|| Error::csv(row.number, "房号", format!("住户 {label} 不存在")))?;
        let optional = |c| Some(row.cell(c)).filter(|t| !t.is_empty()).map(str::to_string);
        let change = MeterChangeInput { old_final: optional(old_final), new_start: optional(new_start) };
        let is_replaced = matches!(row.cell(replaced), "是" | "换表" | "新装" | "yes" | "true" | "1")
            || change.old_final.is_some()
            || change.new_start.is_some();
        readings.push(MeterReadingInput {
            row: row.number,
            household_id: h.id,
            reading: row.cell(Some(v)).to_string(),
            change: is_replaced.then_some(change),
        });
    }
    Ok(readings)
}

pub(super) fn parse_kind(field: &str, text: &str) -> Result<HouseholdKind> {
    HouseholdKind::parse(text).ok_or_else(|| Error::invalid(field, format!("“{text}”须为住宅、商铺、车库、车位或储藏室")))
}
