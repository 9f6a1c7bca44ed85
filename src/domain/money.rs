//! Money. Amounts are integer fen (分) everywhere they are stored or summed (DESIGN.md
//! invariant 6); `Decimal` appears only where a rate or an area needs rounding, and every such
//! result goes through `round_half_up_to_fen`, the one rounding rule of the program (四舍五入).

use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::limits::MAX_AMOUNT_FEN;
use crate::domain::number::{parse_decimal, NumberError};

/// An amount in fen. Signed: a red-ink (红字) line carries a negative amount.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(pub i64);

/// Why a text could not be read as an amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FenParseError {
    #[error("{}", not_an_amount(.0))]
    NotANumber(NumberError),
    #[error("金额最多两位小数（到分）")]
    TooManyDecimals,
    #[error("金额超出上限 {}", Fen(MAX_AMOUNT_FEN))]
    OutOfRange,
}

/// "不是有效的金额：…", except for a number that only needs its separators taken out, which
/// is said as the rule and the number to type.
fn not_an_amount(e: &NumberError) -> String {
    match e {
        NumberError::Grouping(_) => e.to_string(),
        _ => format!("不是有效的金额：{e}"),
    }
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// Parses "1234.56" or "-0.05" as accountants type amounts (`number`'s plain decimals: no
    /// 1e3, no full-width digits, no thousands separators). More than two decimal places is
    /// refused rather than rounded: an amount that was typed is an amount that must be kept
    /// exactly. So is an amount beyond `MAX_AMOUNT_FEN` either way.
    pub fn parse(text: &str) -> Result<Fen, FenParseError> {
        Fen::from_yuan_exact(parse_decimal(text).map_err(FenParseError::NotANumber)?)
    }

    /// Converts a yuan amount that has at most two decimals and lies within the limit.
    pub fn from_yuan_exact(yuan: Decimal) -> Result<Fen, FenParseError> {
        let fen = yuan.checked_mul(Decimal::ONE_HUNDRED).ok_or(FenParseError::OutOfRange)?;
        if fen.fract() != Decimal::ZERO {
            return Err(FenParseError::TooManyDecimals);
        }
        fen.to_i64().filter(|f| f.abs() <= MAX_AMOUNT_FEN).map(Fen).ok_or(FenParseError::OutOfRange)
    }

    /// Whether the amount lies within `MAX_AMOUNT_FEN` either way.
    pub fn within_limit(self) -> bool {
        self.0.checked_abs().is_some_and(|f| f <= MAX_AMOUNT_FEN)
    }

    pub fn to_yuan(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }
}

/// The one rounding rule of mingzhang: half up (away from zero) to the fen, i.e. 四舍五入.
pub fn round_half_up_to_fen(yuan: Decimal) -> Fen {
    let rounded = yuan.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    // A rounded Decimal of realistic size always fits; saturate rather than panic on absurd input.
    Fen(rounded.checked_mul(Decimal::ONE_HUNDRED).and_then(|f| f.to_i64()).unwrap_or(i64::MAX))
}

impl fmt::Display for Fen {
    /// "1234.56", "-0.05": the form used in JSON, CSV and the hledger export.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Fen {
    type Output = Fen;
    fn sub(self, rhs: Fen) -> Fen {
        Fen(self.0 - rhs.0)
    }
}

impl std::ops::AddAssign for Fen {
    fn add_assign(&mut self, rhs: Fen) {
        self.0 += rhs.0;
    }
}

impl std::ops::Neg for Fen {
    type Output = Fen;
    fn neg(self) -> Fen {
        Fen(-self.0)
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

impl serde::Serialize for Fen {
    /// JSON carries amounts as decimal strings so no client reads them as floats.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Fen {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fen, D::Error> {
        let text = String::deserialize(d)?;
        Fen::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An amount as a form, a request body or an option types it ("1234.56"), the field named
/// when it is not one. The pages, the API and the command line all read amounts through it.
pub fn typed_amount(field: &str, text: &str) -> crate::domain::error::Result<Fen> {
    Fen::parse(text).map_err(|e| crate::domain::error::Error::invalid(field, format!("“{text}”：{e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn parses_and_prints_amounts() {
        assert_eq!(Fen::parse("1234.56"), Ok(Fen(123456)));
        assert_eq!(Fen::parse("1,234.5"), Err(FenParseError::NotANumber(NumberError::Grouping("1234.5".into()))));
        assert_eq!(Fen::parse("1,000.00").unwrap_err().to_string(), "不能含千位分隔符，请写作 1000.00");
        assert_eq!(Fen::parse("-0.05"), Ok(Fen(-5)));
        assert_eq!(Fen::parse("10"), Ok(Fen(1000)));
        assert_eq!(Fen::parse("1.230"), Ok(Fen(123)));
        assert_eq!(Fen::parse("1.234"), Err(FenParseError::TooManyDecimals));
        assert_eq!(Fen::parse("abc"), Err(FenParseError::NotANumber(NumberError::NotANumber)));
        assert_eq!(Fen::parse(""), Err(FenParseError::NotANumber(NumberError::Empty)));
        assert_eq!(Fen::parse("1e3"), Err(FenParseError::NotANumber(NumberError::Exponent)));
        assert_eq!(Fen::parse("１００"), Err(FenParseError::NotANumber(NumberError::FullWidth)));
        // The limit, either way, and far below it where i64 fen would overflow.
        assert_eq!(Fen::parse("1000000000.00"), Ok(Fen(MAX_AMOUNT_FEN)));
        assert_eq!(Fen::parse("1000000000.01"), Err(FenParseError::OutOfRange));
        assert_eq!(Fen::parse("-1000000000.01"), Err(FenParseError::OutOfRange));
        assert_eq!(Fen::parse("92233720368547758.07"), Err(FenParseError::OutOfRange));
        assert_eq!(FenParseError::OutOfRange.to_string(), "金额超出上限 1000000000.00");
        assert_eq!(Fen(-5).to_string(), "-0.05");
        assert_eq!(Fen(123456).to_string(), "1234.56");
    }

    #[test]
    fn rounds_half_up_to_the_fen() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(round_half_up_to_fen(d("1.005")), Fen(101));
        assert_eq!(round_half_up_to_fen(d("1.004999")), Fen(100));
        assert_eq!(round_half_up_to_fen(d("-1.005")), Fen(-101));
        assert_eq!(round_half_up_to_fen(d("2.5")), Fen(250));
    }
}
