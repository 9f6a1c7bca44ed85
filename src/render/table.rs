//! A plain table that every report renders to: aligned text for the terminal (CJK characters
//! count double width), CSV or XLSX for Excel. JSON comes from each report's own typed rows.
//!
//! Right-aligned columns hold figures. The terminal shows them grouped ("1,234.56"); CSV and
//! XLSX get them as plain numbers (CSV "1234.56", unquoted; XLSX a number cell shown with
//! grouping, a percentage as a percent cell), so Excel can add them up.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use crate::domain::money::Fen;

/// The media type of an XLSX file, as served and as accepted in uploads.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
use crate::error::{Error, Result};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub struct Table {
    pub title: String,
    /// Lines under the title: book, period, unit, standard.
    pub subtitle: Vec<String>,
    pub headers: Vec<(String, Align)>,
    pub rows: Vec<Vec<String>>,
    /// Lines under the table (checks, notes).
    pub footer: Vec<String>,
}

impl Table {
    pub fn new(title: impl Into<String>, headers: &[(&str, Align)]) -> Table {
        Table {
            title: title.into(),
            subtitle: Vec::new(),
            headers: headers.iter().map(|(h, a)| (h.to_string(), *a)).collect(),
            rows: Vec::new(),
            footer: Vec::new(),
        }
    }

    pub fn to_text(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|(h, _)| h.width()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        let total: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        let mut out = String::new();
        let pad = total.saturating_sub(self.title.width()) / 2;
        let _ = writeln!(out, "{}{}", " ".repeat(pad), self.title);
        for s in &self.subtitle {
            let _ = writeln!(out, "{s}");
        }
        let line = |out: &mut String, cells: Vec<(&str, Align)>| {
            let parts: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|((c, a), w)| {
                    let fill = " ".repeat(w.saturating_sub(c.width()));
                    match a {
                        Align::Left => format!("{c}{fill}"),
                        Align::Right => format!("{fill}{c}"),
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", parts.join("  ").trim_end());
        };
        line(&mut out, self.headers.iter().map(|(h, a)| (h.as_str(), *a)).collect());
        let _ = writeln!(out, "{}", "-".repeat(total));
        for row in &self.rows {
            line(&mut out, row.iter().zip(&self.headers).map(|(c, (_, a))| (c.as_str(), *a)).collect());
        }
        for f in &self.footer {
            let _ = writeln!(out, "{f}");
        }
        out
    }

    /// CSV with a UTF-8 byte-order mark, without which Excel reads the Chinese as mojibake; the
    /// header row and the rows, figures as plain numbers.
    pub fn to_csv(&self) -> String {
        // Writing to a Vec cannot fail, and text in gives UTF-8 out: an error here is a bug, not
        // an empty file handed to the accountant.
        const IN_MEMORY: &str = "a CSV writer over a Vec does not fail";
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(self.headers.iter().map(|(h, _)| h.as_str())).expect(IN_MEMORY);
        for row in &self.rows {
            w.write_record(row.iter().zip(&self.headers).map(|(cell, (_, align))| match (align, figure(cell)) {
                (Align::Right, Some(Figure::Number(n))) => n,
                (Align::Right, Some(Figure::Percent(p))) => format!("{p}%"),
                _ => cell.clone(),
            }))
            .expect(IN_MEMORY);
        }
        let body = String::from_utf8(w.into_inner().expect(IN_MEMORY)).expect("CSV written from text is UTF-8");
        format!("\u{feff}{body}")
    }

    /// An XLSX workbook of one sheet: the title and subtitles, the header row, the rows (figures
    /// as number cells) and the footer.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook};
        let xlsx = |e: rust_xlsxwriter::XlsxError| Error::invalid("XLSX", e.to_string());
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&self.title)).map_err(xlsx)?;
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("#,##0.00");
        let percent = Format::new().set_num_format("0.00%");
        let mut r: u32 = 0;
        sheet.write_string_with_format(r, 0, &self.title, &bold).map_err(xlsx)?;
        for s in &self.subtitle {
            r += 1;
            sheet.write_string(r, 0, s).map_err(xlsx)?;
        }
        r += 1;
        for (c, (h, _)) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(r, c as u16, h, &bold).map_err(xlsx)?;
            let widest = self.rows.iter().filter_map(|row| row.get(c)).map(|cell| cell.width()).max().unwrap_or(0);
            sheet.set_column_width(c as u16, (widest.max(h.width()) + 2) as f64).map_err(xlsx)?;
        }
        for row in &self.rows {
            r += 1;
            for (c, (cell, (_, align))) in row.iter().zip(&self.headers).enumerate() {
                let c = c as u16;
                match (align, figure(cell)) {
                    (Align::Right, Some(Figure::Number(n))) => {
                        let value: f64 = n.parse().map_err(|_| Error::invalid("XLSX", format!("“{cell}”不是数")))?;
                        sheet.write_number_with_format(r, c, value, &money).map_err(xlsx)?
                    }
                    (Align::Right, Some(Figure::Percent(p))) => {
                        let value: f64 = p.parse::<f64>().map_err(|_| Error::invalid("XLSX", format!("“{cell}”不是百分数")))? / 100.0;
                        sheet.write_number_with_format(r, c, value, &percent).map_err(xlsx)?
                    }
                    _ if cell.is_empty() => sheet,
                    _ => sheet.write_string(r, c, cell).map_err(xlsx)?,
                };
            }
        }
        for f in &self.footer {
            r += 1;
            sheet.write_string(r, 0, f).map_err(xlsx)?;
        }
        book.save_to_buffer().map_err(xlsx)
    }
}

/// A figure as the table shows it, read back: "1,234.56" or "-8" (a number), "98.50%".
enum Figure {
    Number(String),
    Percent(String),
}

fn figure(cell: &str) -> Option<Figure> {
    let plain: String = cell.trim().chars().filter(|c| *c != ',').collect();
    let (digits, is_percent) = match plain.strip_suffix('%') {
        Some(d) => (d.to_string(), true),
        None => (plain, false),
    };
    let body = digits.strip_prefix('-').unwrap_or(&digits);
    let numeric = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().filter(|c| *c == '.').count() <= 1
        && body.chars().next().is_some_and(|c| c.is_ascii_digit());
    match (numeric, is_percent) {
        (false, _) => None,
        (true, false) => Some(Figure::Number(digits)),
        (true, true) => Some(Figure::Percent(digits)),
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of []:*?/\.
fn sheet_name(title: &str) -> String {
    let name: String = title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    if name.is_empty() {
        "Sheet1".into()
    } else {
        name
    }
}

/// "1,234,567.89" for the terminal; blank for zero, as printed ledgers leave it.
pub fn money_cell(fen: i64) -> String {
    if fen == 0 {
        return String::new();
    }
    money_grouped(fen)
}

/// "1,234.56": yuan with thousands separators, zero as "0.00".
pub fn money_grouped(fen: i64) -> String {
    let plain = Fen(fen).to_string();
    let (sign, digits) = plain.strip_prefix('-').map_or(("", plain.as_str()), |d| ("-", d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_cells_group_thousands() {
        assert_eq!(money_cell(123456789), "1,234,567.89");
        assert_eq!(money_cell(-100), "-1.00");
        assert_eq!(money_cell(0), "");
        assert_eq!(money_cell(99999), "999.99");
    }
}
