//! 记账凭证 on paper: one A5 landscape page per eight lines, as the voucher is printed, signed
//! and bound with its attachments (装订成册). A draft prints with a 未记账 stamp; a red-ink
//! reversal's amounts print with their minus sign and the page is marked 红字.

use crate::domain::capital::capital_amount;
use crate::domain::money::Fen;
use crate::error::Result;
use crate::ledger::lookup::full_name;
use crate::ledger::rows::{LineRow, VoucherRow};
use crate::ledger::voucher::{voucher_label, VoucherKind, VoucherStatus};
use crate::ledger::Book;
use crate::render::pdf::{date_text, money_text, render, Align, Meta, Page, Paper};

/// Lines on one page of the form; a longer voucher continues on the next page (第 2/3 页).
const LINES_PER_PAGE: usize = 8;
const LEFT_MM: f32 = 12.0;
const RIGHT_MM: f32 = 198.0;
const ROW_MM: f32 = 8.5;

/// The voucher as a PDF.
pub fn voucher_pdf(book: &Book, v: &VoucherRow, lines: &[LineRow]) -> Result<Vec<u8>> {
    let chunks: Vec<&[LineRow]> = lines.chunks(LINES_PER_PAGE).collect();
    let mut pages = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.iter().enumerate() {
        let mut page = Page::new(Paper::A5)?;
        draw(&mut page, book, v, chunk, (i + 1, chunks.len()), lines)?;
        pages.push(page);
    }
    let label = v.number.map_or_else(|| format!("草稿 #{}", v.id), voucher_label);
    let title = format!("记账凭证 {} {label}", v.period);
    render(&Meta { title: &title, author: &book.row.name, subject: "记账凭证", date: v.voucher_date }, pages)
}

fn draw(page: &mut Page, book: &Book, v: &VoucherRow, chunk: &[LineRow], (n, of): (usize, usize), all: &[LineRow]) -> Result<()> {
    let mid = (LEFT_MM + RIGHT_MM) / 2.0;
    page.text(mid, 16.0, 18.0, Align::Center, "记 账 凭 证");
    if v.kind == VoucherKind::Reversal {
        page.stamp(mid + 42.0, 13.0, 11.0, "红字");
    }
    if v.status != VoucherStatus::Posted {
        page.stamp(RIGHT_MM - 16.0, 13.0, 11.0, "未记账");
    }
    page.text(LEFT_MM, 26.0, 10.0, Align::Left, &format!("核算单位：{}", book.row.name));
    page.text(mid, 26.0, 10.0, Align::Center, &date_text(v.voucher_date));
    let number = v.number.map_or_else(|| format!("草稿 #{}", v.id), voucher_label);
    let pages = if of > 1 { format!("（{n}/{of}）") } else { String::new() };
    page.text(RIGHT_MM, 26.0, 10.0, Align::Right, &format!("凭证号：{number}{pages}"));

    let top = 30.0;
    let (account_x, debit_x, credit_x) = (LEFT_MM + 56.0, RIGHT_MM - 60.0, RIGHT_MM - 30.0);
    page.rect(LEFT_MM, top, RIGHT_MM - LEFT_MM, ROW_MM, Some(0.9));
    let base = |row: usize| top + ROW_MM * row as f32 + 6.0;
    page.text(LEFT_MM + 2.0, base(0), 10.0, Align::Left, "摘要");
    page.text(account_x + 2.0, base(0), 10.0, Align::Left, "会计科目");
    page.text(credit_x - 2.0, base(0), 10.0, Align::Right, "借方金额");
    page.text(RIGHT_MM - 2.0, base(0), 10.0, Align::Right, "贷方金额");
    for (i, l) in chunk.iter().enumerate() {
        let row = i + 1;
        let account = book.account_by_id(l.account_id);
        let code = book.code_or_id(l.account_id);
        let name = account.map_or_else(String::new, |a| full_name(&book.chart, a));
        page.text(LEFT_MM + 2.0, base(row), 9.0, Align::Left, &fit(page, &l.summary, account_x - LEFT_MM - 4.0, 9.0));
        page.text(account_x + 2.0, base(row), 9.0, Align::Left, &fit(page, &format!("{code} {name}"), debit_x - account_x - 4.0, 9.0));
        if l.debit_fen != 0 {
            page.text(credit_x - 2.0, base(row), 10.0, Align::Right, &money_text(l.debit_fen));
        }
        if l.credit_fen != 0 {
            page.text(RIGHT_MM - 2.0, base(row), 10.0, Align::Right, &money_text(l.credit_fen));
        }
    }
    let total_row = LINES_PER_PAGE + 1;
    if n == of {
        let (debit, credit): (i64, i64) = all.iter().fold((0, 0), |(d, c), l| (d + l.debit_fen, c + l.credit_fen));
        let words = if debit < 0 { format!("（红字）{}", capital_amount(Fen(-debit))) } else { capital_amount(Fen(debit)) };
        page.text(LEFT_MM + 2.0, base(total_row), 10.0, Align::Left, &format!("合计：{words}"));
        page.text(credit_x - 2.0, base(total_row), 10.0, Align::Right, &money_text(debit));
        page.text(RIGHT_MM - 2.0, base(total_row), 10.0, Align::Right, &money_text(credit));
    } else {
        page.text(LEFT_MM + 2.0, base(total_row), 10.0, Align::Left, "（转下页）");
    }
    let bottom = top + ROW_MM * (total_row + 1) as f32;
    page.rect(LEFT_MM, top, RIGHT_MM - LEFT_MM, bottom - top, None);
    for row in 1..=total_row {
        page.line((LEFT_MM, top + ROW_MM * row as f32), (RIGHT_MM, top + ROW_MM * row as f32), 0.3);
    }
    for x in [account_x, debit_x, credit_x] {
        page.line((x, top), (x, top + ROW_MM * total_row as f32), 0.3);
    }
    let foot = bottom + 8.0;
    let who = |name: &Option<String>| name.clone().unwrap_or_default();
    page.text(LEFT_MM, foot, 10.0, Align::Left, &format!("记账：{}", who(&v.poster)));
    page.text(LEFT_MM + 48.0, foot, 10.0, Align::Left, &format!("审核：{}", who(&v.reviewer)));
    page.text(LEFT_MM + 96.0, foot, 10.0, Align::Left, &format!("制单：{}", v.maker));
    page.text(RIGHT_MM, foot, 10.0, Align::Right, &format!("附单据 {} 张", v.attachments));
    if let Some(hash) = &v.hash {
        page.text(LEFT_MM, foot + 7.0, 7.0, Align::Left, &format!("凭证指纹：{}", &hash[..hash.len().min(16)]));
    }
    Ok(())
}

/// `text` cut to fit `width_mm`, with an ellipsis when cut.
fn fit(page: &Page, text: &str, width_mm: f32, size_pt: f32) -> String {
    if page.text_width_mm(text, size_pt) <= width_mm {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if page.text_width_mm(&format!("{out}{c}…"), size_pt) > width_mm {
            break;
        }
        out.push(c);
    }
    out + "…"
}
