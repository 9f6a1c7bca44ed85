//! Reports on paper: any report table as an A4 PDF, drawn as the printed form is (its title, the
//! form number and standard, 编制单位 / period / 单位：元, the table with its header repeated on
//! every page, the checks, and the signature line). A table too wide for A4 portrait, such as a
//! 资产负债表 side by side, is printed on A4 landscape.

use chrono::NaiveDate;

use crate::error::Result;
use crate::render::pdf::{render, Align as At, Meta, Page, Paper};
use crate::render::table::{Align, Table};

const MARGIN_MM: f32 = 12.0;
const ROW_MM: f32 = 5.6;
const BODY_PT: f32 = 8.5;
/// Room left at a page's foot for the footer lines of the last page.
const FOOT_MM: f32 = 14.0;

/// 单位负责人 / 会计机构负责人 / 制表人: the line the statutory forms end with, to be signed.
pub const SIGNATURES: &str = "单位负责人：＿＿＿＿＿＿    会计机构负责人：＿＿＿＿＿＿    制表人：＿＿＿＿＿＿";

/// Each column's width in millimetres at `size_pt`: its widest cell or header plus padding.
fn natural_widths(page: &Page, t: &Table, size_pt: f32) -> Vec<f32> {
    (0..t.headers.len())
        .map(|c| {
            let cells = t.rows.iter().filter_map(|r| r.get(c)).map(|cell| page.text_width_mm(cell, size_pt));
            cells.chain([page.text_width_mm(&t.headers[c].0, size_pt)]).fold(0.0, f32::max) + 3.0
        })
        .collect()
}

/// The table as a PDF, dated `date` (the report's last day, so the same report gives the same
/// bytes).
pub fn table_pdf(t: &Table, date: NaiveDate) -> Result<Vec<u8>> {
    let author = t.subtitle.iter().find_map(|s| s.strip_prefix("编制单位：")).and_then(|s| s.split_whitespace().next()).unwrap_or("");
    let doc = PaperDoc { title: &t.title, author, head: &t.subtitle, tables: std::slice::from_ref(t), foot: &[], qr: None, date };
    document_pdf(&doc)
}

/// A document of one or more tables: a title, lines under it, each table (its title when the
/// document has several, its header repeated on every page, its footer lines), lines at the end
/// and, when given, a QR code of the online copy's address beside them.
pub struct PaperDoc<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub head: &'a [String],
    pub tables: &'a [Table],
    pub foot: &'a [String],
    pub qr: Option<&'a str>,
    pub date: NaiveDate,
}

pub fn document_pdf(doc: &PaperDoc<'_>) -> Result<Vec<u8>> {
    let probe = Page::new(Paper::A4)?;
    let natural: Vec<Vec<f32>> = doc.tables.iter().map(|t| natural_widths(&probe, t, BODY_PT)).collect();
    let widest = natural.iter().map(|w| w.iter().sum::<f32>()).fold(0.0, f32::max);
    let paper = if widest > 210.0 - 2.0 * MARGIN_MM { Paper::A4Landscape } else { Paper::A4 };
    let usable = paper.size_mm().0 - 2.0 * MARGIN_MM;
    let height = paper.size_mm().1;
    let centre = paper.size_mm().0 / 2.0;
    let mut pages = Vec::new();
    let mut page = Page::new(paper)?;
    page.text(centre, 16.0, 15.0, At::Center, doc.title);
    let mut y = 24.0;
    for line in doc.head {
        page.text(MARGIN_MM, y, 9.0, At::Left, line);
        y += 5.0;
    }
    y += 2.0;
    for (t, natural) in doc.tables.iter().zip(&natural) {
        let columns = fit_columns(natural, usable);
        if y > height - MARGIN_MM - FOOT_MM - 2.0 * ROW_MM {
            pages.push(std::mem::replace(&mut page, Page::new(paper)?));
            y = 16.0;
        }
        if doc.tables.len() > 1 {
            page.text(MARGIN_MM, y + 2.0, 10.5, At::Left, &t.title);
            y += 8.0;
        }
        y = draw_table(&mut pages, &mut page, paper, t, &columns, y)?;
        y += 3.0;
    }
    const QR_MM: f32 = 28.0;
    let foot_width = if doc.qr.is_some() { usable - QR_MM - 4.0 } else { usable };
    if (doc.qr.is_some() || !doc.foot.is_empty()) && y > height - MARGIN_MM - QR_MM.max(doc.foot.len() as f32 * 4.2) {
        pages.push(std::mem::replace(&mut page, Page::new(paper)?));
        y = 16.0;
    }
    if let Some(url) = doc.qr {
        page.qr(MARGIN_MM + usable - QR_MM, y, QR_MM, url)?;
    }
    for line in doc.foot {
        y = page.paragraph(MARGIN_MM, y, foot_width, 7.5, 3.8, line) + 0.6;
    }
    pages.push(page);
    render(&Meta { title: doc.title, author: doc.author, subject: doc.title, date: doc.date }, pages)
}

/// A table's columns as printed: their widths filling the usable width, and the type size.
struct Columns {
    widths_mm: Vec<f32>,
    size_pt: f32,
}

fn fit_columns(natural: &[f32], usable: f32) -> Columns {
    let total: f32 = natural.iter().sum();
    // Too wide even so: the type shrinks (never below 6 pt) rather than cells overlapping.
    let scale = (usable / total).min(1.0);
    let size_pt = (BODY_PT * scale).max(6.0);
    let widths: Vec<f32> = natural.iter().map(|w| w * scale).collect();
    let spare = (usable - widths.iter().sum::<f32>()) / widths.len().max(1) as f32;
    Columns { widths_mm: widths.iter().map(|w| w + spare).collect(), size_pt }
}

/// The table from `y` down: its header, its rows (on further pages under a 续 title and the
/// header again), the closing rule and its footer lines. Returns where the pen stopped.
fn draw_table(pages: &mut Vec<Page>, page: &mut Page, paper: Paper, t: &Table, columns: &Columns, mut y: f32) -> Result<f32> {
    let (widths, size_pt) = (&columns.widths_mm, columns.size_pt);
    let usable = paper.size_mm().0 - 2.0 * MARGIN_MM;
    let height = paper.size_mm().1;
    let centre = paper.size_mm().0 / 2.0;
    draw_header(page, t, widths, y, size_pt);
    y += ROW_MM + 1.0;
    for row in &t.rows {
        if y > height - MARGIN_MM - FOOT_MM {
            pages.push(std::mem::replace(page, Page::new(paper)?));
            page.text(centre, 14.0, 10.0, At::Center, &format!("{}（续）", t.title));
            y = 22.0;
            draw_header(page, t, widths, y, size_pt);
            y += ROW_MM + 1.0;
        }
        draw_row(page, t, widths, row, y, size_pt);
        y += ROW_MM;
    }
    page.line((MARGIN_MM, y - ROW_MM + 1.6), (MARGIN_MM + usable, y - ROW_MM + 1.6), 0.6);
    y += 3.0;
    for line in &t.footer {
        if y > height - MARGIN_MM {
            pages.push(std::mem::replace(page, Page::new(paper)?));
            y = 22.0;
        }
        y = page.paragraph(MARGIN_MM, y, usable, 8.0, 4.2, line) + 2.0;
    }
    Ok(y)
}

fn draw_header(page: &mut Page, t: &Table, widths: &[f32], y: f32, size_pt: f32) {
    let total: f32 = widths.iter().sum();
    page.rect(MARGIN_MM, y - 4.2, total, ROW_MM, Some(0.9));
    let mut x = MARGIN_MM;
    for ((h, _), w) in t.headers.iter().zip(widths) {
        page.text(x + w / 2.0, y, size_pt, At::Center, h);
        x += w;
    }
}

fn draw_row(page: &mut Page, t: &Table, widths: &[f32], row: &[String], y: f32, size_pt: f32) {
    let mut x = MARGIN_MM;
    for ((cell, (_, align)), w) in row.iter().zip(&t.headers).zip(widths) {
        match align {
            Align::Right => page.text(x + w - 1.5, y, size_pt, At::Right, cell),
            _ => page.text(x + 1.5, y, size_pt, At::Left, cell),
        }
        x += w;
    }
    let total: f32 = widths.iter().sum();
    page.line((MARGIN_MM, y + 1.6), (MARGIN_MM + total, y + 1.6), 0.2);
}
