//! 收据: the paper receipt of one payment. On A5 (landscape, the receipt-book size) it is the
//! payer's copy; on A4 the counterfoil (存根联) kept by the company sits above the payer's copy
//! (收据联), with a cut line between.

use crate::error::Result;
use crate::fees::paper::CodeLine;
use crate::fees::Receipt;
use crate::render::pdf::{date_text, money_text, months_text, render, Align, Meta, Page, Paper};

/// Rows of the settled-bills table that fit on a copy; more items are summed into the last.
const MAX_ITEM_ROWS: usize = 6;
const LEFT_MM: f32 = 14.0;
const RIGHT_MM: f32 = 196.0;
/// The middle of the form, where the titles are centred and the seal goes.
const MID_MM: f32 = (LEFT_MM + RIGHT_MM) / 2.0;
const ROW_MM: f32 = 7.5;

/// One row of the table: a fee item, the months it settles and their sum.
struct ItemRow {
    item: String,
    months: String,
    amount_fen: i64,
}

/// Groups the settled bills by fee item ("物业服务费 2025-03 至 2025-05（3个月）") so that a year
/// paid ahead is a few rows, not thirty-six.
fn item_rows(r: &Receipt) -> Vec<ItemRow> {
    let mut groups: Vec<(String, Vec<String>, i64)> = Vec::new();
    let mut parts = Vec::new();
    for s in &r.settled {
        if s.part {
            // A month paid in part is a row of its own, so no range reads as paid in full.
            parts.push(ItemRow { item: s.fee_item.clone(), months: format!("{} 部分", s.period), amount_fen: s.amount.0 });
            continue;
        }
        match groups.iter_mut().find(|g| g.0 == s.fee_item) {
            Some(g) => {
                g.1.push(s.period.clone());
                g.2 += s.amount.0;
            }
            None => groups.push((s.fee_item.clone(), vec![s.period.clone()], s.amount.0)),
        }
    }
    let mut rows: Vec<ItemRow> =
        groups.into_iter().map(|(item, mut periods, amount_fen)| ItemRow { item, months: months_text(&mut periods), amount_fen }).collect();
    rows.extend(parts);
    if r.prepaid.0 > 0 {
        // A prepayment settles whatever is billed next, parking or water as well as property fees.
        rows.push(ItemRow { item: "预收款".into(), months: "抵以后月份".into(), amount_fen: r.prepaid.0 });
    }
    if rows.len() > MAX_ITEM_ROWS {
        let rest = rows.split_off(MAX_ITEM_ROWS - 1);
        rows.push(ItemRow {
            item: format!("其余 {} 项", rest.len()),
            months: String::new(),
            amount_fen: rest.iter().map(|r| r.amount_fen).sum(),
        });
    }
    rows
}

/// Draws one copy of the receipt in the 148 mm band that starts at `top_mm`.
fn draw_copy(page: &mut Page, r: &Receipt, top_mm: f32, copy: &str, code: CodeLine<'_>) -> Result<()> {
    draw_head(page, r, top_mm, copy);
    let table_bottom = draw_table(page, r, top_mm);
    draw_foot(page, r, table_bottom, code)
}

/// The title, the copy's name and who paid what, when and how.
fn draw_head(page: &mut Page, r: &Receipt, top_mm: f32, copy: &str) {
    page.text(MID_MM, top_mm + 16.0, 16.0, Align::Center, &format!("{} 收款收据", r.book));
    page.text(MID_MM, top_mm + 22.5, 9.0, Align::Center, copy);
    if let Some(day) = r.reprinted_on {
        page.stamp(RIGHT_MM - 14.0, top_mm + 13.0, 12.0, "补打");
        page.text(RIGHT_MM, top_mm + 22.5, 8.0, Align::Right, &format!("补打日期：{}", date_text(day)));
    }
    page.text(LEFT_MM, top_mm + 30.0, 10.0, Align::Left, &format!("收据编号：{}", r.label));
    page.text(RIGHT_MM, top_mm + 30.0, 10.0, Align::Right, &format!("收款日期：{}", date_text(r.paid_on)));
    page.text(LEFT_MM, top_mm + 37.0, 10.0, Align::Left, &format!("交款人：{}  {}", r.household, r.owner_name));
    page.text(RIGHT_MM, top_mm + 37.0, 10.0, Align::Right, &format!("收款方式：{}", r.method));
}

/// The table: item, months, amount; then the total in words and figures. Returns where the
/// table ends (mm from the top of the page).
fn draw_table(page: &mut Page, r: &Receipt, top_mm: f32) -> f32 {
    let (item_x, months_x) = (LEFT_MM, LEFT_MM + 52.0);
    let table_top = top_mm + 41.0;
    let rows = item_rows(r);
    page.rect(LEFT_MM, table_top, RIGHT_MM - LEFT_MM, ROW_MM, Some(0.9));
    let baseline = |row: usize| table_top + ROW_MM * row as f32 + 5.2;
    page.text(item_x + 2.0, baseline(0), 10.0, Align::Left, "收费项目");
    page.text(months_x + 2.0, baseline(0), 10.0, Align::Left, "所属期间");
    page.text(RIGHT_MM - 2.0, baseline(0), 10.0, Align::Right, "金额（元）");
    for (i, row) in rows.iter().enumerate() {
        page.text(item_x + 2.0, baseline(i + 1), 10.0, Align::Left, &row.item);
        page.text(months_x + 2.0, baseline(i + 1), 10.0, Align::Left, &row.months);
        page.text(RIGHT_MM - 2.0, baseline(i + 1), 10.0, Align::Right, &money_text(row.amount_fen));
    }
    let total_row = rows.len().max(1) + 1;
    page.text(item_x + 2.0, baseline(total_row), 10.0, Align::Left, &format!("合计人民币（大写）：{}", r.amount_in_words));
    page.text(RIGHT_MM - 2.0, baseline(total_row), 10.0, Align::Right, &format!("￥{}", money_text(r.amount.0)));
    let table_bottom = table_top + ROW_MM * (total_row + 1) as f32;
    page.rect(LEFT_MM, table_top, RIGHT_MM - LEFT_MM, table_bottom - table_top, None);
    for row in 1..=total_row {
        let y = table_top + ROW_MM * row as f32;
        page.line((LEFT_MM, y), (RIGHT_MM, y), 0.3);
    }
    page.line((months_x, table_top), (months_x, table_top + ROW_MM * total_row as f32), 0.3);
    let amount_x = RIGHT_MM - 40.0;
    page.line((amount_x, table_top), (amount_x, table_top + ROW_MM * total_row as f32), 0.3);

    // A voided receipt carries a stamp across its table that no one can overlook.
    if r.voided {
        page.stamp(MID_MM, table_top + (table_bottom - table_top) / 2.0, 28.0, "已 作 废");
    }
    table_bottom
}

/// Below the table, from `table_bottom`: the signatures, the seal's place, the chain link,
/// the household's access code and the QR code.
fn draw_foot(page: &mut Page, r: &Receipt, table_bottom: f32, code: CodeLine<'_>) -> Result<()> {
    // Signatures on the left; the middle is left clear for the seal (about 40 mm), which is
    // stamped over the company's name; the QR code and the chain link on the right.
    let qr_mm = 24.0;
    let foot = table_bottom + 8.0;
    page.text(LEFT_MM, foot, 10.0, Align::Left, &format!("开票人（收款人）：{}", r.cashier));
    page.text(LEFT_MM, foot + 7.0, 10.0, Align::Left, "复核：");
    page.line((LEFT_MM + 11.0, foot + 8.0), (LEFT_MM + 45.0, foot + 8.0), 0.3);
    page.text(LEFT_MM, foot + 14.0, 10.0, Align::Left, &format!("记账凭证：{}", r.voucher));
    page.text(MID_MM - 8.0, foot, 10.0, Align::Left, "收款单位（盖章）");
    page.text(MID_MM - 8.0, foot + 7.0, 10.0, Align::Left, &r.book);
    let short = &r.fingerprint[..r.fingerprint.len().min(16)];
    let link = if short.is_empty() {
        "账簿指纹：日结后生成，补打收据即可印出".to_string()
    } else {
        format!("账簿指纹：{short}")
    };
    page.text(LEFT_MM, foot + 20.0, 8.0, Align::Left, &link);
    if let Some(line) = code.text() {
        page.text(LEFT_MM, foot + 25.0, 8.0, Align::Left, &line);
    }
    // The QR code opens the public page that checks this payment against its month's
    // published total; without one (a receipt printed by an older caller) it carries the
    // receipt's own data.
    match &r.check {
        Some(check) => {
            page.text(MID_MM - 8.0, foot + 14.0, 9.0, Align::Left, &format!("核验码：{}", check.code));
            page.text(RIGHT_MM, foot + 20.0, 7.0, Align::Right, "扫码核对本笔缴费已计入公示的收款合计");
            page.qr(RIGHT_MM - qr_mm, foot - 5.0, qr_mm, &check.url)?;
        }
        None => page.qr(RIGHT_MM - qr_mm, foot - 5.0, qr_mm, &verification_text(r))?,
    }
    Ok(())
}

/// What the QR code carries: enough to find and check the receipt in the published ledger.
pub fn verification_text(r: &Receipt) -> String {
    format!("明账收据|{}|{}|{}|{}|{}|{}", r.book, r.label, r.paid_on, money_text(r.amount.0), r.voucher, r.fingerprint)
}

/// The receipt as a PDF on A5 (payer's copy) or A4 (counterfoil above the payer's copy). The
/// household's access code goes on the payer's copy only.
pub fn receipt_pdf(r: &Receipt, paper: Paper, code: CodeLine<'_>) -> Result<Vec<u8>> {
    let mut page = Page::new(paper)?;
    match paper {
        Paper::A5 => draw_copy(&mut page, r, 0.0, "收据联（交款人留存）", code)?,
        Paper::A4 | Paper::A4Landscape => {
            draw_copy(&mut page, r, 0.0, "第一联 存根联（收款单位留存）", CodeLine::Absent)?;
            page.dashed_line(148.5, 6.0, 204.0);
            page.text(105.0, 147.5, 7.0, Align::Center, "沿此线裁开");
            draw_copy(&mut page, r, 148.5, "第二联 收据联（交款人留存）", code)?;
        }
    }
    let title = match r.reprinted_on {
        Some(_) => format!("收据 {} {}（补打）", r.label, r.household),
        None => format!("收据 {} {}", r.label, r.household),
    };
    render(&Meta { title: &title, author: &r.book, subject: "收款收据", date: r.paid_on }, vec![page])
}
