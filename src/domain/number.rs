//! Numbers as people type them, read one way only. An amount, an area, a rate or a meter
//! reading is plain decimal text: an optional minus, digits (thousands may be grouped with a
//! comma, in threes), an optional point and decimals. Anything else is refused with the reason,
//! never read another way: `1e3` (scientific notation), full-width digits (`１２３`, from a Chinese
//! input method), a leading plus, spaces or control characters inside, a comma out of place.

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
    #[error("千位分隔符须每三位一个（如 1,234.56）")]
    Grouping,
    #[error("不是数字（只能含数字、小数点和负号）")]
    NotANumber,
    #[error("位数过多")]
    TooLong,
}

/// The longest number text read: 28 digits is what a `Decimal` holds.
const MAX_NUMBER_CHARS: usize = 40;

/// Reads plain decimal text (see the module's comment); `allow_grouping` accepts thousands
/// separators, which a CSV field or a command's single value may carry and a voucher line
/// (itself comma-separated) may not.
pub fn parse_decimal(text: &str, allow_grouping: bool) -> Result<Decimal, NumberError> {
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
    if whole.is_empty() || decimals.is_some_and(|d| d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit())) {
        return Err(NumberError::NotANumber);
    }
    let digits: String = if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let grouped = groups[0].len() <= 3
            && !groups[0].is_empty()
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
        if !allow_grouping || !grouped {
            return Err(if grouped || groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
                NumberError::Grouping
            } else {
                NumberError::NotANumber
            });
        }
        groups.concat()
    } else if whole.bytes().all(|b| b.is_ascii_digit()) {
        whole.to_string()
    } else {
        return Err(NumberError::NotANumber);
    };
    let sign = if t.starts_with('-') { "-" } else { "" };
    let plain = match decimals {
        Some(d) => format!("{sign}{digits}.{d}"),
        None => format!("{sign}{digits}"),
    };
    Decimal::from_str(&plain).map_err(|_| NumberError::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn plain_decimals_are_read_and_everything_else_is_refused_with_its_reason() {
        assert_eq!(parse_decimal("1234.56", false), Ok(d("1234.56")));
        assert_eq!(parse_decimal(" -0.05 ", false), Ok(d("-0.05")));
        assert_eq!(parse_decimal("1,234,567.8", true), Ok(d("1234567.8")));
        assert_eq!(parse_decimal("007", false), Ok(d("7")));
        assert_eq!(parse_decimal("1,234.56", false), Err(NumberError::Grouping), "no grouping where commas separate fields");
        assert_eq!(parse_decimal("12,34.5", true), Err(NumberError::Grouping));
        assert_eq!(parse_decimal("1e3", true), Err(NumberError::Exponent));
        assert_eq!(parse_decimal("2.5E-2", true), Err(NumberError::Exponent));
        assert_eq!(parse_decimal("１２３", true), Err(NumberError::FullWidth));
        assert_eq!(parse_decimal("12３.4", true), Err(NumberError::FullWidth));
        assert_eq!(parse_decimal("12。5", true), Err(NumberError::FullWidth));
        for bad in ["+5", "1 000", "1.2.3", ".5", "5.", "--5", "0x10", "1_000", "1\u{0}2", "NaN", "inf", "¥100", "100元"] {
            assert_eq!(parse_decimal(bad, true), Err(NumberError::NotANumber), "{bad:?}");
        }
        assert_eq!(parse_decimal("", true), Err(NumberError::Empty));
        assert_eq!(parse_decimal(&"9".repeat(41), true), Err(NumberError::TooLong));
        assert_eq!(parse_decimal(&"9".repeat(35), true), Err(NumberError::TooLong), "more digits than a Decimal holds");
    }
}
