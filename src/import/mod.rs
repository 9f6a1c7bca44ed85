//! Reads an imported file (CSV or XLSX) into rows of text with a header row, so each importer
//! checks its columns one way whatever the office's spreadsheet program saved.

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, DataType, Reader};

use crate::domain::limits::MAX_IMPORT_ROWS;
use crate::error::{Error, Result};

/// The field an import's refusal of its file as a whole names; a command that knows the
/// file's path adds it (`cli::naming_file`).
pub const FILE_FIELD: &str = "导入文件";

/// A header and the rows of cells below it that are not blank.
pub struct TextTable {
    pub headers: Vec<String>,
    pub rows: Vec<TextRow>,
}

/// One row and its number as the office's spreadsheet program shows it (the header is row 1
/// of a CSV file), counting the blank rows that were left out, so a message names the row the
/// user can find.
pub struct TextRow {
    pub number: usize,
    pub cells: Vec<String>,
}

impl TextRow {
    /// The trimmed text of column `index`, empty when the row is shorter or there is no column.
    pub fn cell(&self, index: Option<usize>) -> &str {
        index.and_then(|c| self.cells.get(c)).map_or("", |s| s.trim())
    }
}

impl TextTable {
    /// XLSX (first sheet) when the bytes are a zip archive, CSV (UTF-8, optional BOM) otherwise.
    pub fn read(bytes: &[u8]) -> Result<TextTable> {
        let mut table = if bytes.starts_with(b"PK\x03\x04") { Self::xlsx(bytes)? } else { Self::csv(bytes)? };
        if table.rows.len() > MAX_IMPORT_ROWS {
            return Err(Error::invalid(FILE_FIELD, format!("最多 {MAX_IMPORT_ROWS} 行，文件有 {} 行", table.rows.len())));
        }
        table.rows.retain(|r| r.cells.iter().any(|c| !c.trim().is_empty()));
        table.refuse_cells_without_header()?;
        Ok(table)
    }

    /// A cell under no column name (beyond the header, or under a blank one) would be dropped
    /// by every importer, which reads columns by name: it is refused, naming its row and column.
    fn refuse_cells_without_header(&self) -> Result<()> {
        let named = |index: usize| self.headers.get(index).is_some_and(|h| !h.trim().is_empty());
        for row in &self.rows {
            if let Some((index, text)) = row.cells.iter().enumerate().find(|(i, c)| !c.trim().is_empty() && !named(*i)) {
                return Err(Error::csv(
                    row.number,
                    "",
                    format!(
                        "第 {} 列（{} 列）有内容“{}”，但表头此列没有列名；请删去这些内容，或在第 1 行为此列填上列名。未导入任何一行",
                        index + 1,
                        column_letters(index),
                        text.trim()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn csv(bytes: &[u8]) -> Result<TextTable> {
        let text = std::str::from_utf8(bytes).map_err(|_| Error::invalid(FILE_FIELD, "CSV 须为 UTF-8 编码（Excel 另存为“CSV UTF-8”）"))?;
        let text = text.trim_start_matches('\u{feff}');
        let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| Error::csv(1, "", e.to_string()))?.iter().map(str::to_string).collect();
        let mut rows = Vec::new();
        // The csv reader skips empty lines and does not count them in its line numbers, so a
        // row's number is counted from the record's byte offset: the newlines since the last
        // record's, so the count is one pass over the file however long it is.
        let (mut counted_to, mut line) = (0usize, 1usize);
        let mut line_at = |byte: u64| {
            let byte = (byte as usize).max(counted_to);
            line += text.as_bytes()[counted_to..byte].iter().filter(|b| **b == b'\n').count();
            counted_to = byte;
            line
        };
        let mut record = csv::StringRecord::new();
        loop {
            // The position is that of the record read; Trim::All drops it from the record.
            let byte = reader.position().byte();
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let start = byte + text.as_bytes()[byte as usize..].iter().take_while(|b| b.is_ascii_whitespace()).count() as u64;
                    rows.push(TextRow { number: line_at(start), cells: record.iter().map(str::to_string).collect() });
                }
                Err(e) => return Err(Error::csv(line_at(byte), "", format!("无法解析：{e}"))),
            }
        }
        Ok(TextTable { headers, rows })
    }

    fn xlsx(bytes: &[u8]) -> Result<TextTable> {
        // calamine's own words ("Cannot detect file format") say nothing an office can act on.
        let unreadable = |e: calamine::Error| {
            tracing::debug!(error = %e, "unreadable XLSX");
            Error::invalid(FILE_FIELD, "无法读取：文件已损坏，或不是 Excel（.xlsx）文件；请用 Excel 打开后另存为 .xlsx 或“CSV UTF-8”再导入")
        };
        let mut book = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(unreadable)?;
        let range = book.worksheet_range_at(0).ok_or_else(|| Error::invalid(FILE_FIELD, "Excel 文件没有工作表"))?.map_err(unreadable)?;
        // The range starts at the sheet's first used cell; Excel numbers rows from 1.
        let first_row = range.start().map_or(1, |(row, _)| row as usize + 1);
        let mut rows = range.rows().map(|r| r.iter().map(cell_text).collect::<Vec<_>>());
        let headers = rows.next().unwrap_or_default();
        let rows = rows.enumerate().map(|(i, cells)| TextRow { number: first_row + 1 + i, cells }).collect();
        Ok(TextTable { headers, rows })
    }

    /// The index of the first header matching any of `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers.iter().position(|h| names.contains(&h.trim()))
    }
}

/// A column's name in a spreadsheet program: A, B, …, Z, AA, AB, … for index 0, 1, ….
fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let digit = (n - 1) % 26;
        letters.push(char::from(b'A' + digit as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A cell as text: numbers by their shortest decimal form (never through a rounding float
/// format), dates as yyyy-mm-dd.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::DateTime(_) | Data::DateTimeIso(_) => cell.as_date().map(|d| d.to_string()).unwrap_or_else(|| cell.to_string()),
        Data::Empty => String::new(),
        other => other.to_string().trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_a_spreadsheet_names_them() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(7), "H");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
