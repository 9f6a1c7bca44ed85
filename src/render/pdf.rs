//! PDF documents in Chinese: a thin layer over printpdf that places text, rules and QR codes
//! on A4/A5 pages in millimetres from the top-left corner, the way a form is drawn.
//!
//! The font ships with the program (`fonts/`, Noto Sans CJK SC under the SIL Open Font
//! License, cut to the 8,105 characters of 通用规范汉字表 plus GB2312's symbols by
//! `fonts/make_subset.py`) and each PDF embeds only the glyphs it uses, so a one-page receipt
//! is tens of kilobytes. The same input always gives the same bytes.

use std::sync::OnceLock;

use chrono::NaiveDate;
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, OffsetDateTime, Op, PaintMode, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, TextItem,
};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const FONT_BYTES: &[u8] = include_bytes!("fonts/NotoSansCJKsc-Regular-subset.ttf");
/// The font's name inside every document: fixed, because printpdf would otherwise take a
/// process-wide counter and the same input would give different bytes.
const FONT_ID: &str = "NOTOSC";

/// Paper, in millimetres (width, height).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    /// A4 portrait, 210 × 297.
    A4,
    /// A5 landscape, 210 × 148: the receipt-book size.
    A5,
}

impl Paper {
    pub fn parse(text: &str) -> Option<Paper> {
        match text.trim().to_ascii_uppercase().as_str() {
            "A4" => Some(Paper::A4),
            "A5" => Some(Paper::A5),
            _ => None,
        }
    }

    pub fn size_mm(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::A5 => (210.0, 148.0),
        }
    }
}

fn font() -> Result<&'static ParsedFont> {
    static PARSED: OnceLock<Option<ParsedFont>> = OnceLock::new();
    PARSED
        .get_or_init(|| ParsedFont::from_bytes(FONT_BYTES, 0, &mut Vec::new()))
        .as_ref()
        .ok_or_else(|| Error::invalid("字体", "内置字体无法读取"))
}

/// Width of `text` in millimetres at `size_pt`, from the font's advances (printpdf neither
/// kerns nor shapes, so this is exactly what is drawn).
fn width_mm(font: &ParsedFont, text: &str, size_pt: f32) -> f32 {
    let units: u32 = text.chars().map(|c| u32::from(font.get_horizontal_advance(font.lookup_glyph_index(c as u32).unwrap_or(0)))).sum();
    let upem = f32::from(font.pdf_font_metrics.units_per_em.max(1));
    units as f32 / upem * size_pt * 25.4 / 72.0
}

/// One page being drawn; coordinates are millimetres from the top-left corner, and a text
/// position is its baseline.
pub struct Page {
    paper: Paper,
    font: &'static ParsedFont,
    ops: Vec<Op>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

impl Page {
    pub fn new(paper: Paper) -> Result<Page> {
        let ops = vec![
            Op::SetFillColor { col: Color::Greyscale(Greyscale::new(0.0, None)) },
            Op::SetOutlineColor { col: Color::Greyscale(Greyscale::new(0.0, None)) },
        ];
        Ok(Page { paper, font: font()?, ops })
    }

    pub fn width_mm(&self) -> f32 {
        self.paper.size_mm().0
    }

    pub fn height_mm(&self) -> f32 {
        self.paper.size_mm().1
    }

    fn point(&self, x_mm: f32, y_mm: f32) -> Point {
        Point::new(Mm(x_mm), Mm(self.height_mm() - y_mm))
    }

    pub fn text_width_mm(&self, text: &str, size_pt: f32) -> f32 {
        width_mm(self.font, text, size_pt)
    }

    /// Text with its baseline at `y_mm`; `x_mm` is its left edge, centre or right edge.
    pub fn text(&mut self, x_mm: f32, y_mm: f32, size_pt: f32, align: Align, text: &str) {
        let x = match align {
            Align::Left => x_mm,
            Align::Center => x_mm - self.text_width_mm(text, size_pt) / 2.0,
            Align::Right => x_mm - self.text_width_mm(text, size_pt),
        };
        let pos = self.point(x, y_mm);
        // One text section per string: the cursor move (Td) is absolute only at its start.
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(FontId(FONT_ID.into())), size: Pt(size_pt) },
            Op::SetTextCursor { pos },
            Op::ShowText { items: vec![TextItem::Text(text.to_string())] },
            Op::EndTextSection,
        ]);
    }

    /// Text that starts at `x_mm` and wraps at `width_mm`, one line every `leading_mm`;
    /// returns the baseline of the last line.
    pub fn paragraph(&mut self, x_mm: f32, y_mm: f32, width_mm: f32, size_pt: f32, leading_mm: f32, text: &str) -> f32 {
        let mut y = y_mm;
        let mut line = String::new();
        for c in text.chars() {
            line.push(c);
            if self.text_width_mm(&line, size_pt) > width_mm {
                line.pop();
                self.text(x_mm, y, size_pt, Align::Left, &line);
                y += leading_mm;
                line = c.to_string();
            }
        }
        if !line.is_empty() {
            self.text(x_mm, y, size_pt, Align::Left, &line);
        }
        y
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width_pt: f32) {
        let points =
            vec![LinePoint { p: self.point(from.0, from.1), bezier: false }, LinePoint { p: self.point(to.0, to.1), bezier: false }];
        self.ops.extend([Op::SetOutlineThickness { pt: Pt(width_pt) }, Op::DrawLine { line: Line { points, is_closed: false } }]);
    }

    /// A dashed rule, for the cut between the counterfoil and the receipt.
    pub fn dashed_line(&mut self, y_mm: f32, x_from: f32, x_to: f32) {
        let mut x = x_from;
        while x < x_to {
            self.line((x, y_mm), ((x + 2.0).min(x_to), y_mm), 0.4);
            x += 4.0;
        }
    }

    /// A rectangle by its top-left corner, outlined or filled with a grey (0 black, 1 white).
    pub fn rect(&mut self, x_mm: f32, y_mm: f32, w_mm: f32, h_mm: f32, fill_grey: Option<f32>) {
        let lower_left = self.point(x_mm, y_mm + h_mm);
        let mode = match fill_grey {
            Some(grey) => {
                self.ops.push(Op::SetFillColor { col: Color::Greyscale(Greyscale::new(grey, None)) });
                PaintMode::Fill
            }
            None => PaintMode::Stroke,
        };
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: lower_left.x,
                y: lower_left.y,
                width: Mm(w_mm).into(),
                height: Mm(h_mm).into(),
                mode: Some(mode),
                winding_order: None,
            },
        });
        if fill_grey.is_some() {
            // The fill colour is also the text colour.
            self.ops.push(Op::SetFillColor { col: Color::Greyscale(Greyscale::new(0.0, None)) });
        }
    }

    /// A QR code of `data`, `size_mm` square with its top-left corner at (x, y); the page
    /// around it must leave the quiet zone white.
    pub fn qr(&mut self, x_mm: f32, y_mm: f32, size_mm: f32, data: &str) -> Result<()> {
        let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| Error::invalid("二维码", e.to_string()))?;
        let n = code.width();
        let dark = code.to_colors();
        let module_mm = size_mm / n as f32;
        // One filled rectangle per run of dark modules in a row.
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if dark[row * n + col] != qrcode::Color::Dark {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && dark[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                let (x, y) = (x_mm + start as f32 * module_mm, y_mm + row as f32 * module_mm);
                self.rect(x, y, (col - start) as f32 * module_mm, module_mm, Some(0.0));
            }
        }
        Ok(())
    }

    fn finish(self) -> PdfPage {
        let (w, h) = self.paper.size_mm();
        PdfPage::new(Mm(w), Mm(h), self.ops)
    }
}

/// What a document says about itself (its properties in a PDF reader).
pub struct Meta<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub subject: &'a str,
    /// The business date of the document (a receipt's payment date, a notice's cut-off): the
    /// PDF's dates are set from it, not from the clock, so the same input gives the same bytes.
    pub date: NaiveDate,
}

/// Writes the pages as one PDF with the font's used glyphs embedded.
pub fn render(meta: &Meta<'_>, pages: Vec<Page>) -> Result<Vec<u8>> {
    let mut doc = PdfDocument::new(meta.title);
    doc.resources.fonts.map.insert(FontId(FONT_ID.into()), PdfFont::new(font()?.clone()));
    let at = meta.date.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp());
    let at = OffsetDateTime::from_unix_timestamp(at).map_err(|e| Error::invalid("日期", e.to_string()))?;
    let info = &mut doc.metadata.info;
    info.creation_date = at;
    info.modification_date = at;
    info.metadata_date = at;
    info.author = meta.author.into();
    info.subject = meta.subject.into();
    info.creator = "明账 mingzhang".into();
    info.producer = "明账 mingzhang".into();
    doc.with_pages(pages.into_iter().map(Page::finish).collect());
    let options = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
    let mut bytes = doc.save(&options, &mut Vec::new());
    fix_document_id(&mut bytes);
    Ok(bytes)
}

/// printpdf writes the trailer's /ID from a process-wide counter. Overwriting both strings in
/// place (same length, so the cross-reference offsets stay right) with a digest of the rest of
/// the file makes the bytes depend on the content alone.
fn fix_document_id(pdf: &mut [u8]) {
    const KEY: &[u8] = b"/ID[(";
    let Some(at) = pdf.windows(KEY.len()).rposition(|w| w == KEY) else { return };
    let first = at + KEY.len();
    let second = first + 34;
    if pdf.len() < second + 32 || &pdf[first + 32..second] != b")(" {
        return;
    }
    let mut digest = Sha256::new();
    digest.update(&pdf[..first]);
    digest.update(&pdf[second + 32..]);
    let id = hex::encode(&digest.finalize()[..16]);
    pdf[first..first + 32].copy_from_slice(id.as_bytes());
    pdf[second..second + 32].copy_from_slice(id.as_bytes());
}

pub use crate::report::table::money_grouped as money_text;

/// The months a row covers: "2025-03", or "2025-01 至 2025-06（6个月）".
pub fn months_text(months: &mut Vec<String>) -> String {
    months.sort_unstable();
    months.dedup();
    match months.as_slice() {
        [one] => one.clone(),
        [first, .., last] => format!("{first} 至 {last}（{}个月）", months.len()),
        [] => String::new(),
    }
}

/// 2025年5月10日, as Chinese documents write a date (no leading zeros).
pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_by_thousands() {
        assert_eq!(money_text(0), "0.00");
        assert_eq!(money_text(5), "0.05");
        assert_eq!(money_text(123_456), "1,234.56");
        assert_eq!(money_text(100_000_010), "1,000,000.10");
        assert_eq!(money_text(-99_900), "-999.00");
    }

    #[test]
    fn the_same_page_gives_the_same_bytes() {
        let draw = || {
            let mut page = Page::new(Paper::A5).unwrap();
            page.text(20.0, 20.0, 12.0, Align::Left, "收据 壹仟贰佰叁拾肆元伍角陆分");
            page.qr(150.0, 30.0, 25.0, "mingzhang").unwrap();
            let date = NaiveDate::from_ymd_opt(2025, 5, 10).unwrap();
            render(&Meta { title: "收据", author: "物业", subject: "收据", date }, vec![page]).unwrap()
        };
        let (a, b) = (draw(), draw());
        assert_eq!(a, b);
        assert!(a.len() < 100_000, "the font is subsetted: {} bytes", a.len());
    }
}
