//! The audit log: one row per write, made by whom, from where, under which request; the schema
//! refuses to change or remove a row (migration 0019).

use chrono::{DateTime, Utc};

use crate::domain::ids::CommunityId;

#[derive(Clone, Debug)]
pub struct AuditEntry<'a> {
    pub user_id: Option<i64>,
    pub username: &'a str,
    pub community_id: Option<CommunityId>,
    /// A stable name: "payment", "voucher.review", "user.add", "login.failed" …
    pub action: &'a str,
    /// What was written, as a person reads it: "收据 No.000123", "记-0012".
    pub target: &'a str,
    pub address: &'a str,
    pub request_id: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub username: String,
    pub community_id: Option<CommunityId>,
    pub action: String,
    pub target: String,
    pub address: String,
    pub request_id: String,
}

/// Which rows to read: all filters are optional and combine; newest first, at most `limit`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct AuditFilter {
    pub community_id: Option<CommunityId>,
    pub username: Option<String>,
    pub action: Option<String>,
    pub limit: Option<i64>,
}

impl AuditFilter {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(200).clamp(1, 1000)
    }
}
