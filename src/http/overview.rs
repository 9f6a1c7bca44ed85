//! What the finance office and the auditor read, for their pages and the API alike: the
//! overview of the communities a caller oversees, and the audit log as far as they may see it.

use crate::access::{Act, AuditFilter, AuditRow, Role};
use crate::app::AppStore;
use crate::domain::ids::CommunityId;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::fees::reports::{aging, collection};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::App;

/// One community's line of the overview.
#[derive(serde::Serialize)]
pub struct OfficeLine {
    pub id: CommunityId,
    pub name: String,
    pub street: String,
    pub households: usize,
    pub billed: Fen,
    pub collected: Fen,
    pub rate: Option<String>,
    pub arrears: Fen,
}

#[derive(serde::Deserialize)]
pub struct OfficeQuery {
    pub period: Option<String>,
}

/// One community's line of the overview for `month`.
async fn office_line<S: AppStore>(app: &App<S>, s: crate::http::Scope, month: Option<Period>) -> crate::error::Result<OfficeLine> {
    let households = app.fees.households(s.community.id).await?.len();
    let (billed, collected, rate, arrears) = match month {
        Some(p) => {
            let c = collection(&app.ledger.store, &s.book, p, p).await?;
            let all = c.lines.into_iter().find(|l| l.building == "全部" && l.period == p.to_string());
            let a = aging(&app.ledger.store, &s.book, p, false).await?;
            match all {
                Some(l) => (l.current_billed, l.current_collected, l.current_rate, a.total.total),
                None => (Fen(0), Fen(0), None, a.total.total),
            }
        }
        None => (Fen(0), Fen(0), None, Fen(0)),
    };
    Ok(OfficeLine { id: s.community.id, name: s.community.name, street: s.street, households, billed, collected, rate, arrears })
}

/// The overview's lines for the month `period` (the latest month billed anywhere, if None).
pub async fn office_lines<S: AppStore>(
    app: &App<S>,
    caller: &Caller,
    period: Option<Period>,
) -> HttpResult<(Option<Period>, Vec<OfficeLine>)> {
    let user = caller.user()?;
    if !(user.has(Role::FinanceOffice) || user.has(Role::Admin) || user.has(Role::Auditor)) {
        return Err(HttpError::forbidden());
    }
    let mut scopes = Vec::new();
    for (c, _) in app.reachable(caller).await? {
        scopes.push(app.community(c.id).await?);
    }
    let mut month = period;
    if month.is_none() {
        for s in &scopes {
            let latest = app.fees.billing_runs(&s.book).await?.iter().map(|(r, _)| r.period).max();
            month = month.max(latest);
        }
    }
    // Each community's line is its own reads: they run side by side (on PostgreSQL several
    // connections at once; a district's fifty took a third of a second one after another).
    let mut running = tokio::task::JoinSet::new();
    for (i, s) in scopes.into_iter().enumerate() {
        let app = app.clone();
        running.spawn(async move { office_line(&app, s, month).await.map(|line| (i, line)) });
    }
    let mut lines = Vec::new();
    while let Some(line) = running.join_next().await {
        lines.push(line.map_err(|e| HttpError::from(crate::error::Error::Unavailable(format!("总览未能算完：{e}"))))??);
    }
    lines.sort_by_key(|(i, _)| *i);
    let lines = lines.into_iter().map(|(_, line)| line).collect();
    Ok((month, lines))
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
