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
