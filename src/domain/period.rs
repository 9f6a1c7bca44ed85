//! Accounting periods: one calendar month of one book (会计期间). A period is a year and a
//! month, never a free-form string; stored as the integer yyyymm so that ranges sort and compare.

use std::fmt;

use chrono::{Datelike, NaiveDate};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Period {
    year: i32,
    month: u32,
}

impl Period {
    pub fn new(year: i32, month: u32) -> Option<Period> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year)).then_some(Period { year, month })
    }

    pub fn of_date(date: NaiveDate) -> Period {
        Period { year: date.year(), month: date.month() }
    }

    /// Accepts "2025-01", "2025-1", "202501" and "2025年1月".
    pub fn parse(text: &str) -> Option<Period> {
        let t = text.trim().trim_end_matches('月');
        let (y, m) = if let Some((y, m)) = t.split_once(['-', '/', '年']) {
            (y.parse().ok()?, m.parse().ok()?)
        } else if t.len() == 6 && t.chars().all(|c| c.is_ascii_digit()) {
            (t[..4].parse().ok()?, t[4..].parse().ok()?)
        } else {
            return None;
        };
        Period::new(y, m)
    }

    pub fn from_key(key: i64) -> Option<Period> {
        Period::new(i32::try_from(key / 100).ok()?, u32::try_from(key % 100).ok()?)
    }

    /// The storage form: yyyymm.
    pub fn key(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a Period always holds a valid month")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("dates after 1900 have a predecessor")
    }

    pub fn next(self) -> Period {
        if self.month == 12 {
            Period { year: self.year + 1, month: 1 }
        } else {
            Period { year: self.year, month: self.month + 1 }
        }
    }

    pub fn prev(self) -> Period {
        if self.month == 1 {
            Period { year: self.year - 1, month: 12 }
        } else {
            Period { year: self.year, month: self.month - 1 }
        }
    }

    pub fn first_of_year(self) -> Period {
        Period { year: self.year, month: 1 }
    }

    /// Every period from `self` through `last`, inclusive (empty when `last` is earlier).
    pub fn through(self, last: Period) -> impl Iterator<Item = Period> {
        std::iter::successors(Some(self), move |p| Some(p.next()).filter(|n| *n <= last)).take_while(move |p| *p <= last)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_periods_and_walks_months() {
        assert_eq!(Period::parse("2025-01"), Period::new(2025, 1));
        assert_eq!(Period::parse("202512"), Period::new(2025, 12));
        assert_eq!(Period::parse("2025年3月"), Period::new(2025, 3));
        assert_eq!(Period::parse("2025-13"), None);
        let dec = Period::new(2025, 12).unwrap();
        assert_eq!(dec.next(), Period::new(2026, 1).unwrap());
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(dec.last_day(), NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
        assert_eq!(Period::new(2024, 2).unwrap().last_day().day(), 29);
        assert_eq!(Period::new(2025, 11).unwrap().through(Period::new(2026, 2).unwrap()).count(), 4);
        assert_eq!(Period::from_key(202507), Period::new(2025, 7));
    }
}
