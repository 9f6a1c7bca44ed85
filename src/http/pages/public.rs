//! Pages without login: a community's page (fee standards and collection rate by building,
//! no names and no rooms), and a household's own bills behind its access code.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::login::{check_form_token, form_with_token};
use super::{page, page_with, AsPage, Fields};
use crate::app::AppStore;
use crate::domain::ids::CommunityId;
use crate::domain::period::Period;
use crate::fees::reports::{collection, household_statement};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::input::today;
use crate::http::{App, Scope, PUBLIC_PAGE_TTL};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/c/{community}", get(community_page::<S>))
        .route("/c/{community}/household", get(code_form::<S>).post(household_page::<S>))
        .route("/c/{community}/household/receipts/{receipt}", get(resident_receipt::<S>))
        .route("/c/{community}/household/logout", axum::routing::post(resident_logout::<S>))
}

async fn community_page<S: AppStore>(State(app): State<App<S>>, Path(id): Path<CommunityId>, caller: Caller) -> HttpResult<Response> {
    // The page is the same for everybody; a signed-in reader's layout differs, so only the
    // anonymous page is kept.
    let cached = caller.user.is_none().then(|| app.public_pages.lock().ok()?.get(&id).cloned()).flatten();
    if let Some((at, html)) = cached {
        if at.elapsed() < PUBLIC_PAGE_TTL {
            return Ok(Html(html.as_str().to_string()).into_response());
        }
    }
    let scope = app.community(id).await.page()?;
    let html = page(&caller, "public.html", &scope.community.name, public_data(&app, &scope).await.page()?)?;
    if caller.user.is_none() {
        if let Ok(mut pages) = app.public_pages.lock() {
            pages.insert(scope.community.id, (Instant::now(), Arc::new(html.0.clone())));
        }
    }
    Ok(html.into_response())
}

/// The community page's figures: the standards in force today, and the collection rate of the
/// latest month billed.
async fn public_data<S: AppStore>(app: &App<S>, scope: &Scope) -> crate::Result<minijinja::Value> {
    let today = today();
    let standards: Vec<minijinja::Value> = app
        .fees
        .fee_standards(&scope.book)
        .await?
        .into_iter()
        .filter(|(_, s)| s.in_force_on(today) || s.valid_from > today)
        .map(|(item, s)| {
            minijinja::context! {
                item => item.name, target => s.target_label(), rate => format!("{} {}", s.rate_yuan, item.basis.label()), from => s.valid_from.to_string(),
            }
        })
        .collect();
    let latest: Option<Period> = app.fees.billing_runs(&scope.book).await?.iter().map(|(run, _)| run.period).max();
    let (period, lines) = match latest {
        Some(p) => (Some(p.to_string()), collection(&app.ledger.store, &scope.book, p, p).await?.lines),
        None => (None, Vec::new()),
    };
    let lines: Vec<_> = lines.into_iter().filter(|l| Some(&l.period) == period.as_ref()).collect();
    let as_of = crate::domain::time::beijing_minute(chrono::Utc::now());
    let latest = latest_disclosures(app, scope).await?;
    Ok(minijinja::context! {
        community => minijinja::context! { id => scope.community.id.0, name => scope.community.name },
        street => scope.street, standards, period, collection => lines, as_of, latest,
    })
}

/// The latest published version of each kind of pack (monthly, quarterly, yearly), with links
/// to each of its disclosures.
async fn latest_disclosures<S: AppStore>(app: &App<S>, scope: &Scope) -> crate::Result<Vec<minijinja::Value>> {
    use crate::disclosure::definition::{DisclosurePeriod, PeriodKind};
    let history = crate::disclosure::publish::history(&app.ledger.store, scope.community.id).await?;
    let mut out = Vec::new();
    for kind in [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year] {
        let newest = history
            .iter()
            .filter(|(_, superseded)| !superseded)
            .filter_map(|(p, _)| DisclosurePeriod::parse(&p.period).filter(|d| d.kind == kind).map(|d| (d.span.to, d, p)))
            .max_by_key(|(to, _, _)| *to);
        let Some((_, period, p)) = newest else { continue };
        let pack = crate::disclosure::publish::published_pack(&app.ledger.store, scope.community.id, p, &app.public_url).await?;
        let href = format!("/c/{}/disclosures/{}/v{}", scope.community.id.0, p.period, p.version);
        let items: Vec<minijinja::Value> =
            pack.content.disclosures.iter().map(|d| minijinja::context! { title => d.title, href => format!("{href}#{}", d.id) }).collect();
        let published = crate::domain::time::beijing_date(p.published_at).to_string();
        out.push(minijinja::context! { label => period.label(), version => p.version, published, href, items });
    }
    Ok(out)
}

fn community_value(scope: &Scope) -> minijinja::Value {
    minijinja::context! { id => scope.community.id.0, name => scope.community.name }
}

/// The cookie of a resident's visit, for their household's page only.
const RESIDENT_COOKIE: &str = "mz_resident";

/// The household whose page this request's visit opened, if its cookie is still kept.
fn resident_of<S: AppStore>(app: &App<S>, headers: &HeaderMap, id: CommunityId) -> Option<crate::domain::ids::HouseholdId> {
    let token = crate::http::extract::cookie(headers, RESIDENT_COOKIE)?;
    let (community, household) = app.residents.get(&crate::access::secret::sha256_hex(&token))?;
    (community == id).then_some(household)
}

async fn code_form<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.community(id).await.page()?;
    // A visit already opened by its code: the household's page again (a reload, a return).
    if let Some(household) = resident_of(&app, &headers, id) {
        if let Some(h) = app.fees.household(scope.community.id, household).await.page()? {
            let data = statement_data(&app, &scope, &h).await?;
            return form_with_token(&headers, |token| {
                page(&Caller { csrf: Some(token.to_string()), ..caller }, "resident.html", "本户账单", data)
            });
        }
    }
    form_with_token(&headers, |token| {
        let data = minijinja::context! { community => community_value(&scope), csrf => token, household => "" };
        page(&Caller { csrf: Some(token.to_string()), ..caller }, "resident.html", "本户账单", data)
    })
}

/// What a resident is told when the room or the code is wrong, and where a code comes from.
pub const WRONG_CODE: &str = "门牌号或查询码不正确。查询码印在本户的收据和催缴通知单上；没有或遗失的，请到物业服务中心收费处领取。";

/// The household of `label` when `code` is its access code, under the limits: a wrong code, a
/// code of another household and an unknown room give the same None and each counts against
/// the household and the address; a blocked caller gets 429 before anything is read.
pub async fn household_by_code<S: AppStore>(
    app: &App<S>,
    scope: &Scope,
    caller: &Caller,
    label: &str,
    code: &str,
) -> HttpResult<Option<crate::fees::rows::HouseholdRow>> {
    let household_key = format!("code:{}:{label}", scope.community.id.0);
    let address_key = format!("code@{}", caller.address);
    let limits = &app.limits;
    if let Err(wait) = limits.code_household.check(&household_key).and(limits.code_address.check(&address_key)) {
        return Err(HttpError::too_many(wait.as_secs()).as_page());
    }
    let household = app.fees.household_by_label(scope.community.id, label).await.ok();
    let matched = match &household {
        Some(h) => app.access.check_household_code(scope.community.id, h.id, code).await.page()?,
        None => {
            crate::access::secret::burn_one_hash(code);
            false
        }
    };
    if !matched {
        limits.code_household.failed(&household_key);
        limits.code_address.failed(&address_key);
        return Ok(None);
    }
    limits.code_household.succeeded(&household_key);
    Ok(household)
}

/// A household's bills, payments and receipts, shown to whoever holds its code. A wrong
/// code, a code of another household and an unknown room get the same answer, and each
/// counts against the household and the address.
async fn household_page<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let form = Fields::parse(&headers, &body)?;
    let token = check_form_token(&headers, &form)?;
    let scope = app.community(id).await.page()?;
    let label = form.get("household").trim().to_string();
    let caller = Caller { csrf: Some(token.clone()), ..caller };
    let Some(household) = household_by_code(&app, &scope, &caller, &label, form.get("code")).await? else {
        let data = minijinja::context! {
            community => community_value(&scope), csrf => token, household => label, message => WRONG_CODE,
        };
        return page_with(StatusCode::UNAUTHORIZED, &caller, "resident.html", "本户账单", data);
    };
    // The visit is kept (30 minutes), so the page reloads and its receipts download; 退出 ends it.
    let visit = crate::access::secret::random_token();
    app.residents.put(crate::access::secret::sha256_hex(&visit), (id, household.id));
    let cookie = format!(
        "{RESIDENT_COOKIE}={visit}; Path=/c/{id}/household; HttpOnly; SameSite=Strict; Max-Age=1800{}",
        super::login::secure(&headers)
    );
    let data = statement_data(&app, &scope, &household).await?;
    let page = page(&caller, "resident.html", "本户账单", data)?;
    Ok(super::login::with_cookie(page.into_response(), cookie))
}

/// A receipt of the visit's household as PDF ("No.000123" or 123); another household's is not
/// found, as an unknown one is.
async fn resident_receipt<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, receipt)): Path<(CommunityId, String)>,
    headers: HeaderMap,
) -> HttpResult<Response> {
    let scope = app.community(id).await.page()?;
    let Some(household) = resident_of(&app, &headers, id) else { return Ok(crate::http::see_other(&format!("/c/{id}/household"))) };
    let number = receipt.trim_start_matches("No.").parse::<i64>().map_err(|_| HttpError::not_found().as_page())?;
    let h = app.fees.household(scope.community.id, household).await.page()?.ok_or_else(|| HttpError::not_found().as_page())?;
    let r = app.fees.receipt(&scope.book, number).await.page()?;
    if r.household != crate::fees::household_label(&h) {
        return Err(HttpError::not_found().as_page());
    }
    let r = crate::disclosure::with_check(&app.ledger.store, &scope.book, r, &app.public_url).await.page()?;
    let pdf = crate::fees::paper::receipt::receipt_pdf(&r, crate::render::pdf::Paper::A5, crate::fees::paper::CodeLine::Issued).page()?;
    let disposition = format!("attachment; filename=\"receipt-{number:06}.pdf\"");
    Ok(([(axum::http::header::CONTENT_TYPE, "application/pdf".to_string()), (axum::http::header::CONTENT_DISPOSITION, disposition)], pdf)
        .into_response())
}

/// 退出: the visit ends here and its cookie is cleared; the code opens the page again.
async fn resident_logout<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResult<Response> {
    let form = Fields::parse(&headers, &body)?;
    check_form_token(&headers, &form)?;
    if let Some(token) = crate::http::extract::cookie(&headers, RESIDENT_COOKIE) {
        app.residents.remove(&crate::access::secret::sha256_hex(&token));
    }
    let cleared = format!("{RESIDENT_COOKIE}=; Path=/c/{id}/household; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok(super::login::with_cookie(crate::http::see_other(&format!("/c/{id}/household")), cleared))
}

/// A household's page: what it owes and has paid, its receipts to download, and 退出.
async fn statement_data<S: AppStore>(
    app: &App<S>,
    scope: &Scope,
    household: &crate::fees::rows::HouseholdRow,
) -> HttpResult<minijinja::Value> {
    let mut statement = household_statement(&app.ledger.store, &scope.book, household, today()).await.page()?;
    // On a resident's phone: what is still owed first (oldest first), then the settled bills,
    // newest first; payments newest first, as every page lists them.
    statement.bills.sort_by(|a, b| {
        (a.open.0 == 0).cmp(&(b.open.0 == 0)).then_with(|| if a.open.0 > 0 { a.period.cmp(&b.period) } else { b.period.cmp(&a.period) })
    });
    statement.payments.sort_by(|a, b| b.paid_on.cmp(&a.paid_on).then_with(|| b.receipt.cmp(&a.receipt)));
    Ok(minijinja::context! { community => community_value(scope), statement })
}
