//! 交班日报 on paper: one cashier's day (or the whole counter's), by method, each receipt with
//! its 交易单号 and what became of it (作废, 补录), the cash to hand over against what is
//! counted, and the lines the outgoing and incoming cashiers sign.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::capital::capital_amount;
use crate::domain::ids::HouseholdId;
use crate::domain::money::Fen;
use crate::error::Result;
use crate::fees::reports::takings;
use crate::fees::rows::PaymentRow;
use crate::fees::{receipt_label, Method};
use crate::render::table::{money_grouped, Align, Table};
use crate::report::paper::{document_pdf, PaperDoc};

/// Whose day the paper is: the book, the community, the day and the cashier (None: everyone's).
pub struct Shift<'a> {
    pub book: &'a str,
    pub community: &'a str,
    pub date: NaiveDate,
    pub cashier: Option<&'a str>,
}

/// The status a receipt has on the day's paper: 作废, 补录 (entered after the day it is dated), or none.
pub fn status(p: &PaymentRow) -> &'static str {
    match (p.voided, p.entered_late()) {
        (true, _) => "已作废",
        (false, true) => "补录",
        (false, false) => "",
    }
}

/// The cash a cashier hands over: the day's cash receipts not voided.
pub fn cash_due(payments: &[PaymentRow]) -> Fen {
    Fen(payments.iter().filter(|p| !p.voided && p.method == Method::Cash).map(|p| p.amount_fen).sum())
}

pub fn handover_pdf(shift: &Shift<'_>, payments: &[PaymentRow], households: &HashMap<HouseholdId, String>) -> Result<Vec<u8>> {
    let by_method = by_method_table(payments);
    let detail = detail_table(payments, households);
    let cash = cash_due(payments);
    let who = shift.cashier.unwrap_or("全部收款人");
    let head = vec![
        format!("编制单位：{}    账套：{}", shift.community, shift.book),
        format!("日期：{}    收款人：{who}    单位：元", shift.date),
    ];
    let foot = vec![
        format!("应交现金：¥{}（大写：{}）", money_grouped(cash.0), capital_amount(cash)),
        "实点现金：＿＿＿＿＿＿＿＿    长款／短款：＿＿＿＿＿＿＿＿".to_string(),
        "微信、支付宝、银行收款以当日到账流水核对。".to_string(),
        format!(
            "交班人（出纳）：{}  签字＿＿＿＿＿＿    接班人／复核人签字：＿＿＿＿＿＿    交接时间：＿＿＿＿＿＿",
            shift.cashier.unwrap_or("")
        ),
    ];
    let title = format!("交班日报（{}）", shift.date);
    let doc = PaperDoc {
        title: &title,
        author: shift.community,
        head: &head,
        tables: &[by_method, detail],
        foot: &foot,
        qr: None,
        date: shift.date,
    };
    document_pdf(&doc)
}

/// The day's takings by method with their total; voided receipts are counted beside it.
fn by_method_table(payments: &[PaymentRow]) -> Table {
    let day = takings(payments);
    let mut by_method = Table::new("按收款方式", &[("方式", Align::Left), ("笔数", Align::Right), ("金额（元）", Align::Right)]);
    for (method, count, fen) in &day.by_method {
        by_method.rows.push(vec![method.label().to_string(), count.to_string(), money_grouped(fen.0)]);
    }
    by_method.rows.push(vec!["合计".into(), day.count.to_string(), money_grouped(day.total.0)]);
    if day.voided > 0 {
        by_method.footer.push(format!("另有已作废收据 {} 张，不计入合计，见明细。", day.voided));
    }
    by_method
}

/// Every receipt of the day, voided ones too, with what became of it.
fn detail_table(payments: &[PaymentRow], households: &HashMap<HouseholdId, String>) -> Table {
    let mut detail = Table::new(
        "收款明细",
        &[
            ("收据", Align::Left),
            ("住户", Align::Left),
            ("方式", Align::Left),
            ("金额（元）", Align::Right),
            ("交易单号", Align::Left),
            ("收款人", Align::Left),
            ("状态", Align::Left),
        ],
    );
    for p in payments {
        detail.rows.push(vec![
            receipt_label(p.receipt_number),
            households.get(&p.household_id).cloned().unwrap_or_default(),
            p.method.label().to_string(),
            money_grouped(p.amount_fen),
            p.reference.clone().unwrap_or_default(),
            p.cashier.clone(),
            status(p).to_string(),
        ]);
    }
    if detail.rows.is_empty() {
        detail.rows.push(vec![
            "当日无收款".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    detail
}
