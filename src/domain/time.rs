//! Beijing time (UTC+8, no summer time): accounting dates are Beijing days, and every page
//! and paper shows times in it. Times are stored in UTC.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The Beijing calendar day of `at`.
pub fn beijing_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(8)).date_naive()
}

/// Beijing's calendar day now.
pub fn beijing_today() -> NaiveDate {
    beijing_date(Utc::now())
}

/// "2026-12-06 14:05" in Beijing time.
pub fn beijing_minute(at: DateTime<Utc>) -> String {
    (at + Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string()
}

/// "2026-12-06 14:05:09" in Beijing time.
pub fn beijing_second(at: DateTime<Utc>) -> String {
    (at + Duration::hours(8)).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A date as a form, a request body or an option types it (yyyy-mm-dd), the field named when
/// it is not one. The pages, the API and the command line all read dates through it.
pub fn typed_date(field: &str, text: &str) -> crate::domain::error::Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| crate::domain::error::Error::invalid(field, format!("“{text}”不是日期，应写作 2025-01-31")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utc_evening_is_the_next_beijing_morning() {
        let at = DateTime::parse_from_rfc3339("2026-12-06T17:30:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(beijing_date(at), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(beijing_minute(at), "2026-12-07 01:30");
        assert_eq!(beijing_second(at), "2026-12-07 01:30:05");
    }
}
