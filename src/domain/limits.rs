//! Limits on everything (TigerBeetle style): a limit that is reached is an error with a
//! message, never a silent truncation. They are chosen so that no total the program keeps can
//! overflow its i64 fen (the largest is 9,223,372,036,854,775,807):
//!
//! * one amount (a payment, a bill, a waiver, a voucher line) ≤ MAX_AMOUNT_FEN = 10^11 fen
//!   (1,000,000,000.00 元, ten thousand times a large estate's yearly fees);
//! * one voucher ≤ MAX_LINES_PER_VOUCHER × MAX_AMOUNT_FEN = 10^15 fen;
//! * one bill by area ≤ MAX_AREA_M2 × MAX_RATE_YUAN = 10^9 元 = MAX_AMOUNT_FEN, so a standard
//!   in force never makes a bill too large; a metered bill (reading × rate) can be, and the run
//!   holds it back and names it;
//! * an account's balance or a report's total adds up amounts of at most MAX_AMOUNT_FEN: it
//!   would take 92 million amounts of the largest size to overflow, and every such sum is a
//!   checked one (an error, never a wrapped or REAL number); SQLite's triggers (migration 0017)
//!   refuse a stored amount that is not an integer.

/// A billing run's summary voucher has a receivable and a revenue line per building and fee
/// item: 10,000 lines cover a city-scale community of 1,600 buildings with three fee items.
/// A hand-made voucher never comes near it.
pub const MAX_LINES_PER_VOUCHER: usize = 10_000;
/// 摘要 is printed in a fixed-width column of the voucher form.
pub const MAX_SUMMARY_CHARS: usize = 200;
pub const MAX_ATTACHMENTS: u32 = 9_999;
/// Rows in one imported file (opening balances, households, disbursement lists).
pub const MAX_IMPORT_ROWS: usize = 200_000;
/// Vouchers written in one storage batch; keeps each multi-row INSERT under SQLite's limit of
/// bound parameters and the transaction's memory small.
pub const MAX_VOUCHERS_PER_BATCH: usize = 5_000;
/// The largest single amount of money: a payment, a bill, a waiver, a voucher line.
pub const MAX_AMOUNT_FEN: i64 = 100_000_000_000;
/// The largest rate of a fee standard: 元/m²/月, 元/月 or 元 per unit used.
pub const MAX_RATE_YUAN: i64 = 10_000;
/// The largest meter reading (an eight-digit meter).
pub const MAX_METER_READING: i64 = 100_000_000;
/// Names (an owner, a fee item, a book, a community) as printed on receipts and notices.
pub const MAX_NAME_CHARS: usize = 50;
/// A code someone types: a fee item's, a book's.
pub const MAX_CODE_CHARS: usize = 20;
/// A building, unit or room as the schema keeps it (a CHECK of 40 characters).
pub const MAX_PLACE_CHARS: usize = 40;
/// A phone number with its area code and extension.
pub const MAX_PHONE_CHARS: usize = 30;
/// The largest floor area of one household or unit: a whole shopping street held by one
/// owner stays below it, and area × rate × months stays far inside i64 fen.
pub const MAX_AREA_M2: i64 = 100_000;

/// Refuses a name or summary with a control character (a tab, a line break, a NUL pasted from
/// another program would break the printed receipt, the CSV and the hash chain's JSON alike)
/// or longer than `max_chars`; returns the reason, for the caller to name the field and row.
pub fn check_text(text: &str, max_chars: usize) -> Result<(), String> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!("含控制字符（U+{:04X}），请删去换行、制表符等", c as u32));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(format!("最多 {max_chars} 个字，现有 {chars} 个"));
    }
    Ok(())
}

/// A required field's text, trimmed: refused when empty or when `check_text` refuses it, the
/// field named in the error.
pub fn required_text<'a>(field: &str, text: &'a str, max_chars: usize) -> crate::domain::error::Result<&'a str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(crate::domain::error::Error::invalid(field, "须填写"));
    }
    check_text(text, max_chars).map_err(|reason| crate::domain::error::Error::invalid(field, reason))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_with_control_characters_or_too_long_are_refused() {
        assert_eq!(check_text("张三", MAX_NAME_CHARS), Ok(()));
        assert!(check_text("张\n三", MAX_NAME_CHARS).unwrap_err().contains("U+000A"));
        assert!(check_text("张\u{0}三", MAX_NAME_CHARS).unwrap_err().contains("U+0000"));
        assert!(check_text(&"名".repeat(51), MAX_NAME_CHARS).unwrap_err().contains("最多 50 个字"));
    }
}
