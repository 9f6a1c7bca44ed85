//! Numbers as people type them, read one way only. An amount, an area, a rate or a meter
//! reading is plain decimal text: an optional minus, digits, an optional point and decimals.
//! Anything else is refused with the reason, never read another way: `1e3` (scientific
//! notation), full-width digits (`１２３`, from a Chinese input method), a leading plus, spaces
//! or control characters inside, and any comma. Thousands separators are refused everywhere
//! (issue 27): a voucher line is itself comma-separated, so "1,000.00" cannot be allowed there,
//! and one rule for every door is easier to learn than a rule per field.

use std::str::FromStr;

use rust_decimal::Decimal;

/// Why a text is not a plain decimal number; each says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("不能为空")]
    Empty,
    #[error("含全角数字或符号，请用半角数字（如 123.45）")]
    FullWidth,
    #[error("不接受科学计数法（如 1e3），请写出完整数字")]
    Exponent,
    /// Thousands grouped with commas; holds the number as it must be written.
    #[error("不能含千位分隔符，请写作 {0}")]
    Grouping(String),
    #[error("不能含逗号（小数点请用“.”，不写千位分隔符，如 1234.56）")]
    Comma,
    #[error("不是数字（只能含数字、小数点和负号）")]
    NotANumber,
    #[error("位数过多")]
    TooLong,
}

/// The longest number text read: 28 digits is what a `Decimal` holds.
const MAX_NUMBER_CHARS: usize = 40;

/// Reads plain decimal text (see the module's comment).
pub fn parse_decimal(text: &str) -> Result<Decimal, NumberError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(NumberError::Empty);
    }
    if t.chars().count() > MAX_NUMBER_CHARS {
        return Err(NumberError::TooLong);
    }
    if t.chars().any(|c| ('\u{ff01}'..='\u{ff5e}').contains(&c) || c == '\u{3000}' || c == '。') {
        return Err(NumberError::FullWidth);
    }
    if t.contains(['e', 'E']) && t.chars().all(|c| c.is_ascii_digit() || "eE.-+".contains(c)) {
        return Err(NumberError::Exponent);
    }
    let unsigned = t.strip_prefix('-').unwrap_or(t);
    let (whole, decimals) = match unsigned.split_once('.') {
        Some((w, d)) => (w, Some(d)),
        None => (unsigned, None),
    };
    if whole.contains(',') {
        return Err(comma_error(t, whole, decimals));
    }
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || decimals.is_some_and(|d| !all_digits(d)) {
        return Err(NumberError::NotANumber);
    }
    Decimal::from_str(t).map_err(|_| NumberError::TooLong)
}

/// Why a whole part with a comma is refused: thousands grouped in threes are named with the
/// number as it must be written; any other comma (a decimal comma, a typo) is refused as such.
fn comma_error(text: &str, whole: &str, decimals: Option<&str>) -> NumberError {
    let groups: Vec<&str> = whole.split(',').collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let grouped = groups[0].len() <= 3 && groups.iter().all(|g| digits(g)) && groups[1..].iter().all(|g| g.len() == 3);
    if !grouped || decimals.is_some_and(|d| d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit())) {
        return if text.bytes().all(|b| b.is_ascii_digit() || b",.-".contains(&b)) { NumberError::Comma } else { NumberError::NotANumber };
    }
    let sign = if text.starts_with('-') { "-" } else { "" };
    let plain = match decimals {
        Some(d) => format!("{sign}{}.{d}", groups.concat()),
        None => format!("{sign}{}", groups.concat()),
    };
    NumberError::Grouping(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn plain_decimals_are_read_and_everything_else_is_refused_with_its_reason() {
        assert_eq!(parse_decimal("1234.56"), Ok(d("1234.56")));
        assert_eq!(parse_decimal(" -0.05 "), Ok(d("-0.05")));
        assert_eq!(parse_decimal("007"), Ok(d("7")));
        assert_eq!(parse_decimal("1,234,567.8"), Err(NumberError::Grouping("1234567.8".into())), "no thousands separators anywhere");
        assert_eq!(parse_decimal("-1,000"), Err(NumberError::Grouping("-1000".into())));
        assert_eq!(NumberError::Grouping("1000.00".into()).to_string(), "不能含千位分隔符，请写作 1000.00");
        assert_eq!(parse_decimal("12,34.5"), Err(NumberError::Comma));
        assert_eq!(parse_decimal("1,5"), Err(NumberError::Comma), "a decimal comma");
        assert_eq!(parse_decimal(",5"), Err(NumberError::Comma));
        assert_eq!(parse_decimal("1e3"), Err(NumberError::Exponent));
        assert_eq!(parse_decimal("2.5E-2"), Err(NumberError::Exponent));
        assert_eq!(parse_decimal("１２３"), Err(NumberError::FullWidth));
        assert_eq!(parse_decimal("12３.4"), Err(NumberError::FullWidth));
        assert_eq!(parse_decimal("12。5"), Err(NumberError::FullWidth));
        for bad in ["+5", "1 000", "1.2.3", ".5", "5.", "--5", "0x10", "1_000", "1\u{0}2", "NaN", "inf", "¥100", "100元"] {
            assert_eq!(parse_decimal(bad), Err(NumberError::NotANumber), "{bad:?}");
        }
        assert_eq!(parse_decimal(""), Err(NumberError::Empty));
        assert_eq!(parse_decimal(&"9".repeat(41)), Err(NumberError::TooLong));
        assert_eq!(parse_decimal(&"9".repeat(35)), Err(NumberError::TooLong), "more digits than a Decimal holds");
    }
}
