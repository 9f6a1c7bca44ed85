//! A plain table that every report renders to: aligned text for the terminal (CJK characters
//! count double width) or CSV. JSON comes from each report's own typed rows.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use crate::domain::money::Fen;

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

    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        // Writing to a Vec cannot fail.
        let _ = w.write_record(self.headers.iter().map(|(h, _)| h.as_str()));
        for row in &self.rows {
            let _ = w.write_record(row);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
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
