//! The finance office's overview (街道财政所): its communities side by side — households,
//! billed and collected in the month, collection rate, arrears — each linking to its own
//! pages — and each subsidy program's money and the state of its latest reconciliation.
//! Admins and auditors see the communities they reach the same way.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use axum::routing::get;
use axum::Router;

use super::{page, AsPage};
use crate::app::AppStore;
use crate::http::error::HttpResult;
use crate::http::extract::Caller;
use crate::http::overview::{office_lines, OfficeQuery};
use crate::http::App;

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new().route("/app/office", get(overview::<S>)).route("/app/office/district/{format}", get(district::<S>))
}

/// The office's own record of what its communities published (`disclosure::publish`), newest
/// first, each with whether its place in the chain still holds.
async fn witnessed<S: AppStore>(app: &App<S>, communities: &[crate::ledger::rows::CommunityRow]) -> crate::Result<Vec<minijinja::Value>> {
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
    let district = office_lines(&app, &caller, period).await.page()?;
    let street = caller.user.as_ref().map(|u| u.street.clone()).unwrap_or_default();
    // The communities the overview's lines are of: those the caller reaches.
    let communities: Vec<_> = district.lines.iter().map(|l| crate::ledger::rows::CommunityRow { id: l.id, name: l.name.clone() }).collect();
    let subsidies = crate::subsidies::Subsidies::new(&app.ledger).overview(&communities).await.page()?;
    let witnessed = witnessed(&app, &communities).await.page()?;
    // What waits for the office: the reconciliations it has not signed yet.
    let todo: Vec<&crate::subsidies::overview::ProgramLine> =
        subsidies.iter().filter(|p| p.latest.as_ref().is_some_and(|l| l.awaits_office)).collect();
    let data = minijinja::context! {
        rows => district.lines, total => district.total, street, subsidies, todo, witnessed,
        period => district.period.map(|p| p.to_string()).unwrap_or_else(|| "—".into()),
    };
    page(&caller, "office.html", "街道总览", data)
}

/// The district report (街道物业费汇总表) of the overview's month, as CSV or XLSX.
async fn district<S: AppStore>(
    State(app): State<App<S>>,
    Path(format): Path<String>,
    Query(q): Query<OfficeQuery>,
    caller: Caller,
) -> HttpResult<Response> {
    let period = super::month_given("period", q.period.as_deref().filter(|p| !p.is_empty())).page()?;
    let district = office_lines(&app, &caller, period).await.page()?;
    let month = district.period.map(|p| p.to_string()).unwrap_or_default();
    super::table_file(&district.to_table(), &format!("街道物业费汇总表{month}"), &format)
}
