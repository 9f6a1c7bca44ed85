//! The staff's side of 公示: the accountant drafts a period's pack, previews it, and the
//! reviewer (not the drafter) publishes it; a correction is a new draft with its reason.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;

use super::{community_form, page, AsPage};
use crate::access::Act;
use crate::app::AppStore;
use crate::disclosure::definition::DisclosurePeriod;
use crate::disclosure::{formats, publish};
use crate::domain::ids::{CommunityId, DisclosureId};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::{see_other, App};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/app/c/{community}/disclosures", get(desk::<S>).post(draft::<S>))
        .route("/app/c/{community}/disclosures/drafts/{draft}", get(preview::<S>))
        .route("/app/c/{community}/disclosures/drafts/{draft}/publish", post(publish_draft::<S>))
}

/// Drafts waiting for review, the published versions, and the form for a new draft (the
/// company book's latest closed month by default).
async fn desk<S: AppStore>(State(app): State<App<S>>, Path(id): Path<CommunityId>, caller: Caller) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    use crate::disclosure::store::DisclosureTx;
    use crate::ledger::store::LedgerTx;
    let mut tx = app.ledger.store.read().await.page()?;
    let drafts = tx.open_drafts(scope.community.id).await.page()?;
    let periods = tx.periods(scope.book.key()).await.page()?;
    drop(tx);
    let closed = periods.iter().filter(|p| p.status == crate::ledger::voucher::PeriodStatus::Closed).map(|p| p.period).max();
    let user = caller.user().page()?;
    let drafts: Vec<Value> = drafts
        .iter()
        .map(|d| {
            let label = DisclosurePeriod::parse(&d.period).map_or(d.period.clone(), |p| p.label());
            minijinja::context! {
                id => d.id, period => d.period, label, drafted_by => d.drafted_by, reason => d.reason,
                drafted_at => crate::domain::time::beijing_minute(d.drafted_at),
                may_publish => user.may(Act::Review) && d.drafted_by != user.username,
            }
        })
        .collect();
    let history = publish::history(&app.ledger.store, scope.community.id).await.page()?;
    let published: Vec<Value> = history
        .iter()
        .map(|(p, superseded)| {
            minijinja::context! { period => p.period, version => p.version, superseded => *superseded, approved_by => p.approved_by,
            href => format!("/c/{id}/disclosures/{}/v{}", p.period, p.version) }
        })
        .collect();
    let data = minijinja::context! {
        community => minijinja::context! { id => scope.community.id.0, name => scope.community.name },
        drafts, published, may_draft => user.may(Act::Keep), default_period => closed.map(|p| p.to_string()).unwrap_or_default(),
        csrf => caller.csrf.clone().unwrap_or_default(),
    };
    Ok(page(&caller, "publishing.html", "公示", data)?.into_response())
}

async fn draft<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope) = community_form(&app, &caller, id, Act::Keep, &headers, &body).await?;
    let text = form.get("period").trim().to_string();
    let period = DisclosurePeriod::parse(&text)
        .ok_or_else(|| HttpError::invalid("period", format!("“{text}”不是公示期间，应写作 2025-03、2025-Q1 或 2025")).as_page())?;
    let (draft_id, content) =
        publish::draft(&app.ledger.store, &scope.community, &period, form.get("reason"), caller.username()).await.page()?;
    app.audit(&caller, Some(scope.community.id), "disclosure.draft", &format!("{} #{draft_id}", content.period)).await;
    Ok(see_other(&format!("/app/c/{id}/disclosures/drafts/{draft_id}")))
}

/// A draft as residents would read it, with the publish button for a reviewer.
async fn preview<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, draft_id)): Path<(CommunityId, DisclosureId)>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    let (draft, pack) = publish::draft_pack(&app.ledger.store, scope.community.id, draft_id).await.page()?;
    let user = caller.user().page()?;
    let disclosures = super::disclosures::disclosure_values(&pack);
    let data = minijinja::context! {
        community => minijinja::context! { id => scope.community.id.0, name => scope.community.name },
        label => pack.content.label, title_lines => formats::title_lines(&pack.content, None), disclosures,
        draft => minijinja::context! { id => draft.id, drafted_by => draft.drafted_by, reason => draft.reason,
            open => pack.content.heads.iter().any(|h| !h.closed) },
        may_publish => user.may(Act::Review) && draft.drafted_by != user.username,
        csrf => caller.csrf.clone().unwrap_or_default(), fingerprint => pack.fingerprint,
    };
    Ok(page(&caller, "disclosure.html", &format!("{} 公示草稿", pack.content.label), data)?.into_response())
}

async fn publish_draft<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, draft_id)): Path<(CommunityId, DisclosureId)>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (_, scope) = community_form(&app, &caller, id, Act::Review, &headers, &body).await?;
    let p = publish::publish(&app.ledger.store, &scope.community, draft_id, caller.username()).await.page()?;
    app.audit(&caller, Some(scope.community.id), "disclosure.publish", &format!("{} v{} #{draft_id}", p.period, p.version)).await;
    if let Ok(mut pages) = app.public_pages.lock() {
        pages.remove(&scope.community.id);
    }
    app.published_trees.forget();
    Ok(see_other(&format!("/c/{id}/disclosures/{}/v{}", p.period, p.version)))
}
