//! Reading what a form or a query typed, shared by the pages and the API: today's date in
//! Beijing, a month, a date, an amount. Each refusal names the field.

use crate::domain::period::Period;
use crate::http::error::{HttpError, HttpResult};

/// Beijing's calendar day now: accounting dates are Beijing days (UTC+8, no summer time).
pub fn today() -> chrono::NaiveDate {
    crate::domain::time::beijing_today()
}

/// A month given as `field` ("2025-01"), if one is given.
pub fn month_given(field: &str, text: Option<&str>) -> HttpResult<Option<Period>> {
    text.map(|t| Period::parse(t).ok_or_else(|| HttpError::invalid(field, format!("“{t}”不是月份，应写作 2025-01")))).transpose()
}

/// A date given as `field` ("2025-01-31"), or today when none (or an empty one) is given.
pub fn date_or_today(field: &str, text: Option<&str>) -> HttpResult<chrono::NaiveDate> {
    match text.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| HttpError::invalid(field, format!("“{d}”不是日期，应写作 2025-01-31"))),
        None => Ok(today()),
    }
}

/// A date of a form or a body, and an amount: read as every door reads them.
pub use crate::domain::money::typed_amount as amount;
pub use crate::domain::time::typed_date as date;
