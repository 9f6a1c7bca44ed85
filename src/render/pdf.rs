//! PDF documents in Chinese: a thin layer over printpdf that places text, rules and QR codes
//! on A4/A5 pages in millimetres from the top-left corner, the way a form is drawn.
//!
//! The font ships with the program (`fonts/`, Noto Sans CJK SC under the SIL Open Font
//! License, cut to the 8,105 characters of 通用规范汉字表 plus GB2312's symbols by
//! `fonts/make_subset.py`) and each PDF embeds only the glyphs it uses, so a one-page receipt
//! is tens of kilobytes. The same input always gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, OffsetDateTime, Op, PaintMode, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const FONT_BYTES: &[u8] = include_bytes!("fonts/NotoSansCJKsc-Regular-subset.ttf");
/// The font's name inside every document: fixed, because printpdf would otherwise take a
/// process-wide counter and the same input would give different bytes.
const FONT_ID: &str = "NOTOSC";

/// Starts and ends a span of a paragraph that stays on one line (an amount in words, a date).
pub const KEEP: char = '\u{E000}';
pub const END_KEEP: char = '\u{E001}';

/// Marks a line may not start with, and marks it may not end with (避头尾).
const NO_LINE_START: &str = "，。、；：？！）】」』》〉”’%…·";
const NO_LINE_END: &str = "（【「『《〈“‘￥";

/// The pieces a paragraph breaks between: a Chinese character with the marks that cling to it,
/// a run of digits and Latin letters (with their decimal point), or a kept span.
pub fn line_pieces(text: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut keep = false;
    let mut glue_next = false;
    for c in text.chars() {
        match c {
            KEEP => {
                keep = true;
                if !glue_next || pieces.is_empty() {
                    pieces.push(String::new());
                }
                continue;
            }
            END_KEEP => {
                keep = false;
                glue_next = false;
                continue;
            }
            _ => {}
        }
        let word = |p: &String| p.chars().last().is_some_and(|l| l.is_ascii_alphanumeric() || l == '.' || l == ',');
        let joins =
            keep || glue_next || NO_LINE_START.contains(c) || (c.is_ascii_alphanumeric() || c == '.') && pieces.last().is_some_and(word);
        match pieces.last_mut() {
            Some(last) if joins => last.push(c),
            _ => pieces.push(c.to_string()),
        }
        glue_next = NO_LINE_END.contains(c);
    }
    pieces
}

/// Paper, in millimetres (width, height).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    /// A4 portrait, 210 × 297.
    A4,
    /// A5 landscape, 210 × 148: the receipt-book size.
    A5,
    /// A4 landscape, 297 × 210: a statement printed side by side (资产 | 负债和所有者权益).
    A4Landscape,
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
            Paper::A4Landscape => (297.0, 210.0),
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
    let advance = |c: char| font.get_glyph_width(font.lookup_glyph_index(c as u32).unwrap_or(0)).unwrap_or(0);
    let units: u32 = text.chars().map(|c| u32::from(advance(c))).sum();
    let upem = f32::from(font.units_per_em.max(1));
    units as f32 / upem * size_pt * 25.4 / 72.0
}

/// The font cut to the characters `pages` draw. allsorts numbers the kept glyphs by their
/// place in the list it is given (.notdef first), so each character's glyph in the cut font
/// is its place in that list; printpdf then embeds these bytes as they are.
fn font_for(pages: &[Page]) -> Result<ParsedFont> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{subset, CmapTarget, SubsetProfile};

    let full = font()?;
    let drawn: BTreeSet<char> = pages
        .iter()
        .flat_map(|page| &page.ops)
        .filter_map(|op| match op {
            Op::ShowText { items } => Some(items),
            _ => None,
        })
        .flatten()
        .filter_map(|item| match item {
            TextItem::Text(text) => Some(text.chars()),
            _ => None,
        })
        .flatten()
        .collect();
    let glyph_of: BTreeMap<char, u16> =
        drawn.iter().filter_map(|&c| full.lookup_glyph_index(c as u32).filter(|&g| g != 0).map(|g| (c, g))).collect();
    let kept: Vec<u16> = std::iter::once(0).chain(glyph_of.values().copied().collect::<BTreeSet<u16>>()).collect();
    let broken = |e: String| Error::invalid("字体", format!("内置字体无法裁剪：{e}"));
    let file = ReadScope::new(FONT_BYTES).read::<FontData<'_>>().map_err(|e| broken(e.to_string()))?;
    let provider = file.table_provider(0).map_err(|e| broken(e.to_string()))?;
    let bytes = subset(&provider, &kept, &SubsetProfile::Pdf, CmapTarget::Unicode).map_err(|e| broken(e.to_string()))?;
    let mut cut = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).ok_or_else(|| broken("裁剪后无法读取".into()))?;
    for (c, glyph) in glyph_of {
        let place = kept.binary_search(&glyph).map_err(|_| broken(format!("缺少字形 {c}")))?;
        cut.set_codepoint_mapping(c as u32, place as u16);
    }
    Ok(cut)
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
    /// returns the baseline of the last line. Lines break between the pieces of
    /// [`line_pieces`]: never before a closing mark nor after an opening one (避头尾), never
    /// inside a number, and never inside a span written between [`KEEP`] and [`END_KEEP`].
    pub fn paragraph(&mut self, x_mm: f32, y_mm: f32, width_mm: f32, size_pt: f32, leading_mm: f32, text: &str) -> f32 {
        let mut y = y_mm;
        let mut line = String::new();
        for piece in line_pieces(text) {
            let longer = format!("{line}{piece}");
            if !line.is_empty() && self.text_width_mm(&longer, size_pt) > width_mm {
                self.text(x_mm, y, size_pt, Align::Left, &line);
                y += leading_mm;
                line = piece;
            } else {
                line = longer;
            }
        }
        if !line.is_empty() {
            self.text(x_mm, y, size_pt, Align::Left, &line);
        }
        y
    }

    /// A red stamp (印章样式): `text` large in a red frame, centred on (x, y), for 已作废 and
    /// 补打 marks that must not be missed.
    pub fn stamp(&mut self, x_mm: f32, y_mm: f32, size_pt: f32, text: &str) {
        let red = Color::Rgb(Rgb::new(0.8, 0.05, 0.05, None));
        let w = self.text_width_mm(text, size_pt) + 6.0;
        let h = size_pt * 25.4 / 72.0 + 4.0;
        self.ops.push(Op::SetOutlineColor { col: red.clone() });
        self.ops.push(Op::SetFillColor { col: red });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(1.8) });
        self.rect(x_mm - w / 2.0, y_mm - h / 2.0, w, h, None);
        self.text(x_mm, y_mm + size_pt * 25.4 / 72.0 * 0.35, size_pt, Align::Center, text);
        let black = Color::Greyscale(Greyscale::new(0.0, None));
        self.ops.push(Op::SetOutlineColor { col: black.clone() });
        self.ops.push(Op::SetFillColor { col: black });
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
    doc.resources.fonts.map.insert(FontId(FONT_ID.into()), PdfFont::new(font_for(&pages)?));
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
    // The font is already cut to the document (font_for); printpdf embeds it as it is.
    let options = PdfSaveOptions::default();
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

pub use super::table::money_grouped as money_text;

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

    #[test]
    fn lines_break_between_characters_but_not_before_closing_marks_inside_numbers_or_kept_spans() {
        let kept = format!("合计人民币{KEEP}壹仟贰佰元整{END_KEEP}（￥1200.00）。");
        let pieces = line_pieces(&kept);
        assert_eq!(pieces, vec!["合", "计", "人", "民", "币", "壹仟贰佰元整", "（￥1200.00）。"]);
        assert_eq!(line_pieces("截至2025年，"), vec!["截", "至", "2025", "年，"]);
        assert!(line_pieces("a（b").contains(&"（b".to_string()), "an opening mark stays with what follows");
    }

    #[test]
    fn a_paragraph_never_starts_a_line_with_a_comma() {
        let mut page = Page::new(Paper::A4).unwrap();
        let text = "一二三四五六七八九十，一二三四五六七八九十";
        // Wide enough for ten characters but not for the comma after them.
        let width = page.text_width_mm("一二三四五六七八九十", 12.0) + 0.1;
        page.paragraph(20.0, 20.0, width, 12.0, 7.0, text);
        let lines: Vec<String> = page
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::ShowText { items } => items
                    .iter()
                    .map(|i| match i {
                        TextItem::Text(t) => Some(t.clone()),
                        _ => None,
                    })
                    .next()
                    .flatten(),
                _ => None,
            })
            .collect();
        assert!(lines.iter().all(|l| !l.starts_with('，')), "{lines:?}");
        assert_eq!(lines.concat(), text);
    }
}
