//! The finance office's overview (街道财政所): its communities side by side — households,
//! billed and collected in the month, collection rate, arrears — each linking to its own
//! pages — and each subsidy program's money and the state of its latest reconciliation.
//! Admins and auditors see the communities they reach the same way.

use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;

use super::{page, AsPage};
use crate::access::Role;
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::fees::reports::{aging, collection};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::{App, AppStore};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new().route("/app/office", get(overview::<S>))
}

/// One community's line of the overview.
#[derive(serde::Serialize)]
pub struct OfficeLine {
    pub id: i64,
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
        scopes.push(app.community(c.id.0).await?);
    }
    let mut month = period;
    if month.is_none() {
        for s in &scopes {
            let latest = app.fees.billing_runs(&s.book).await?.iter().map(|(r, _)| r.period).max();
            month = month.max(latest);
        }
    }
    let mut lines = Vec::new();
    for s in scopes {
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
        lines.push(OfficeLine {
            id: s.community.id.0,
            name: s.community.name,
            street: s.street,
            households,
            billed,
            collected,
            rate,
            arrears,
        });
    }
    Ok((month, lines))
}

/// The office's own record of what its communities published (`disclosure::publish`), newest
/// first, each with whether its place in the chain still holds.
async fn witnessed<S: AppStore>(app: &App<S>, communities: &[crate::ledger::store::CommunityRow]) -> crate::Result<Vec<minijinja::Value>> {
    use crate::disclosure::store::DisclosureTx;
    let mut out = Vec::new();
    for c in communities {
        let records = app.ledger.store.read().await?.witness_records(c.id).await?;
        for (w, linked) in records.iter().zip(crate::disclosure::publish::links_hold(&records)) {
            let heads: Vec<crate::disclosure::pack::Head> = serde_json::from_str(&w.heads).unwrap_or_default();
            let heads: Vec<String> = heads
                .iter()
                .map(|h| format!("{} 第 {} 张 {}…", h.book, h.chain_len, &h.chain_head[..h.chain_head.len().min(16)]))
                .collect();
            out.push(minijinja::context! {
                community_id => c.id.0, community => c.name, seq => w.seq, period => w.period, version => w.version,
                fingerprint => w.fingerprint, heads, linked, recorded_at => crate::domain::time::beijing_minute(w.recorded_at),
            });
        }
    }
    out.reverse();
    Ok(out)
}

async fn overview<S: AppStore>(State(app): State<App<S>>, Query(q): Query<OfficeQuery>, caller: Caller) -> HttpResult<Html<String>> {
    let period = super::month_given("period", q.period.as_deref().filter(|p| !p.is_empty())).page()?;
    let (month, rows) = office_lines(&app, &caller, period).await.page()?;
    let street = caller.user.as_ref().map(|u| u.street.clone()).unwrap_or_default();
    let communities: Vec<_> = app.reachable(&caller).await.page()?.into_iter().map(|(c, _)| c).collect();
    let subsidies = crate::subsidies::Subsidies::new(&app.ledger).overview(&communities).await.page()?;
    let witnessed = witnessed(&app, &communities).await.page()?;
    // What waits for the office: the reconciliations it has not signed yet.
    let todo: Vec<&crate::subsidies::overview::ProgramLine> =
        subsidies.iter().filter(|p| p.latest.as_ref().is_some_and(|l| l.awaits_office)).collect();
    let data = minijinja::context! {
        rows, street, subsidies, todo, witnessed, period => month.map(|p| p.to_string()).unwrap_or_else(|| "—".into()),
    };
    page(&caller, "office.html", "街道总览", data)
}
