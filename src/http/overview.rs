//! What the finance office and the auditor read, for their pages and the API alike: the
//! overview of the communities a caller oversees, and the audit log as far as they may see it.

use crate::access::{Act, AuditFilter, AuditRow, Role};
use crate::app::AppStore;
use crate::domain::ids::CommunityId;
use crate::domain::period::Period;
use crate::fees::office::OfficeCommunity;
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::App;

pub use crate::fees::office::{District, OfficeLine};

#[derive(serde::Deserialize)]
pub struct OfficeQuery {
    pub period: Option<String>,
}

/// The overview of the communities `caller` oversees for the month `period` (the latest month
/// billed in any of them, if None): each community's line and their total, read in a few
/// statements across them (`fees::office`), however many communities there are.
pub async fn office_lines<S: AppStore>(app: &App<S>, caller: &Caller, period: Option<Period>) -> HttpResult<District> {
    let user = caller.user()?;
    if !(user.has(Role::FinanceOffice) || user.has(Role::Admin) || user.has(Role::Auditor)) {
        return Err(HttpError::forbidden());
    }
    let mut communities = Vec::new();
    for (c, street) in app.reachable(caller).await? {
        let scope = app.community(c.id).await?;
        communities.push(OfficeCommunity { id: c.id, name: c.name, street, book: scope.book.key() });
    }
    Ok(app.fees.district(&communities, period).await?)
}

/// The audit rows `caller` may read: all for an admin, else those of the communities they reach.
pub async fn audit_rows<S: AppStore>(app: &App<S>, caller: &Caller, filter: &AuditFilter) -> HttpResult<Vec<AuditRow>> {
    let user = caller.must(Act::ReadAudit)?;
    let rows = app.access.audit_log(filter).await?;
    if user.has(Role::Admin) {
        return Ok(rows);
    }
    let reach: Vec<CommunityId> = app.reachable(caller).await?.into_iter().map(|(c, _)| c.id).collect();
    Ok(rows.into_iter().filter(|r| r.community_id.is_some_and(|c| reach.contains(&c))).collect())
}
