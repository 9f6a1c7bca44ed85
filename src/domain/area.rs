//! Floor areas (建筑面积) in square metres with two decimals, stored as integer hundredths of a
//! square metre, parsed like `Fen`: a typed area is kept exactly, never rounded.

use crate::domain::number::parse_decimal;
use std::fmt;

use rust_decimal::Decimal;

use crate::domain::limits::MAX_AREA_M2;

/// An area in hundredths of a square metre; always positive and at most `MAX_AREA_M2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct AreaM2Hundredths(pub i64);

impl AreaM2Hundredths {
    /// Parses "89.5" or "120.25": positive, at most two decimals, at most `MAX_AREA_M2`.
    pub fn parse(text: &str) -> Result<AreaM2Hundredths, String> {
        let value = parse_decimal(text).map_err(|e| format!("“{text}”{e}"))?;
        if value <= Decimal::ZERO {
            return Err(format!("“{text}”须大于零"));
        }
        if value.normalize().scale() > 2 {
            return Err(format!("“{text}”最多两位小数"));
        }
        if value > Decimal::from(MAX_AREA_M2) {
            return Err(format!("“{text}”超过上限 {MAX_AREA_M2} m²"));
        }
        let hundredths = value * Decimal::ONE_HUNDRED;
        // The checks above bound the value far inside i64.
        Ok(AreaM2Hundredths(i64::try_from(hundredths.trunc()).map_err(|_| format!("“{text}”超出范围"))?))
    }

    /// The area in m², for the billing arithmetic.
    pub fn m2(self) -> Decimal {
        Decimal::new(self.0, 2)
    }
}

impl fmt::Display for AreaM2Hundredths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_exact_positive_and_bounded() {
        assert_eq!(AreaM2Hundredths::parse("89.5"), Ok(AreaM2Hundredths(8950)));
        assert_eq!(AreaM2Hundredths::parse("120.25").map(|a| a.to_string()), Ok("120.25".to_string()));
        assert!(AreaM2Hundredths::parse("0").is_err());
        assert!(AreaM2Hundredths::parse("-3").is_err());
        assert!(AreaM2Hundredths::parse("1.234").is_err());
        assert!(AreaM2Hundredths::parse("abc").is_err());
        assert!(AreaM2Hundredths::parse("99999999999999999999").is_err());
    }
}
