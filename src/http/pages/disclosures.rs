//! The public 公示栏 (no login): every published version by period, newest first, each
//! readable as a page (phone-first), a PDF, a CSV and the JSON pack; and the receipt
//! verification page a receipt's QR code opens. A wrong code and an unknown receipt get the
//! same answer, and failures are limited per address and per receipt.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use minijinja::Value;

use super::login::{check_form_token, form_with_token};
use super::{page, page_with, AsPage, Fields};
use crate::app::AppStore;
use crate::disclosure::formats;
use crate::disclosure::pack::{Pack, TreeRoot};
use crate::disclosure::publish;
use crate::disclosure::store::PublicationRow;
use crate::domain::ids::CommunityId;
use crate::domain::period::Period;
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::{App, Scope};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/c/{community}/disclosures", get(board::<S>))
        .route("/c/{community}/disclosures/{period}/{version}", get(version_page::<S>))
        .route("/c/{community}/disclosures/{period}/{version}/{file}", get(version_file::<S>))
        .route("/c/{community}/verify", get(verify_page::<S>))
        .route("/c/{community}/verify/proof.json", get(proof_file::<S>))
        .route("/c/{community}/members", get(members_form::<S>).post(members_page::<S>))
}

fn community_value(scope: &Scope) -> Value {
    minijinja::context! { id => scope.community.id.0, name => scope.community.name, street => scope.street }
}

fn published_at(p: &PublicationRow) -> String {
    crate::domain::time::beijing_minute(p.published_at)
}

/// The 公示栏: every published version, newest first, superseded ones marked.
async fn board<S: AppStore>(State(app): State<App<S>>, Path(id): Path<CommunityId>, caller: Caller) -> HttpResult<Response> {
    let scope = app.community(id).await.page()?;
    let history = publish::history(&app.ledger.store, scope.community.id).await.page()?;
    let rows: Vec<Value> = history
        .iter()
        .map(|(p, superseded)| {
            let label = crate::disclosure::definition::DisclosurePeriod::parse(&p.period).map_or(p.period.clone(), |d| d.label());
            minijinja::context! {
                period => p.period, label, version => p.version, superseded => *superseded, approved_by => p.approved_by,
                published_at => published_at(p), corrects => p.corrects, reason => p.reason,
                href => format!("/c/{id}/disclosures/{}/v{}", p.period, p.version),
            }
        })
        .collect();
    let data = minijinja::context! { community => community_value(&scope), rows };
    Ok(page(&caller, "disclosures.html", "公示栏", data)?.into_response())
}

/// A published version by period and "v<number>".
async fn published<S: AppStore>(app: &App<S>, scope: &Scope, period: &str, version: &str) -> HttpResult<(PublicationRow, bool, Pack)> {
    let number: i64 = version.strip_prefix('v').and_then(|v| v.parse().ok()).ok_or_else(|| HttpError::not_found().as_page())?;
    let history = publish::history(&app.ledger.store, scope.community.id).await.page()?;
    let (p, superseded) =
        history.into_iter().find(|(p, _)| p.period == period && p.version == number).ok_or_else(|| HttpError::not_found().as_page())?;
    let pack = publish::published_pack(&app.ledger.store, scope.community.id, &p, &app.public_url).await.page()?;
    Ok((p, superseded, pack))
}

async fn version_page<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, period, version)): Path<(CommunityId, String, String)>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.community(id).await.page()?;
    let (p, superseded, pack) = published(&app, &scope, &period, &version).await?;
    let publication = pack.publication.as_ref();
    let disclosures = disclosure_values(&pack);
    let data = minijinja::context! {
        community => community_value(&scope), label => pack.content.label, period => p.period, version => p.version,
        superseded, title_lines => formats::title_lines(&pack.content, publication), changes => publication.map(|p| p.changes.clone()),
        disclosures, fingerprint => pack.fingerprint, base => format!("/c/{id}/disclosures/{}/v{}", p.period, p.version),
    };
    Ok(page(&caller, "disclosure.html", &format!("{} 公示", pack.content.label), data)?.into_response())
}

/// Each disclosure of a pack as disclosure.html shows it: its tables, notes and proofs.
pub fn disclosure_values(pack: &Pack) -> Vec<Value> {
    pack.content
        .disclosures
        .iter()
        .map(|d| {
            minijinja::context! {
                id => d.id, title => d.title, basis => d.basis, notes => d.notes, fingerprint => d.fingerprint,
                tables => Value::from_safe_string(formats::html_tables(d)),
                proofs => formats::proof_lines(d, &pack.content, &pack.fingerprint),
            }
        })
        .collect()
}

/// pack.json, or one disclosure's PDF or CSV.
async fn version_file<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, period, version, file)): Path<(CommunityId, String, String, String)>,
) -> HttpResult<Response> {
    let scope = app.community(id).await.page()?;
    let (_, _, pack) = published(&app, &scope, &period, &version).await?;
    let named = |ext: &str| file.strip_suffix(ext).and_then(|d| pack.content.disclosures.iter().find(|x| x.id == d));
    let (kind, body): (&str, Vec<u8>) = if file == "pack.json" {
        ("application/json", serde_json::to_vec_pretty(&pack).map_err(|e| HttpError::from(crate::Error::Conflict(e.to_string())))?)
    } else if let Some(d) = named(".pdf") {
        ("application/pdf", formats::pdf(d, &pack.content, &pack.fingerprint, pack.publication.as_ref()).page()?)
    } else if let Some(d) = named(".csv") {
        ("text/csv; charset=utf-8", formats::csv(d, &pack.content).into_bytes())
    } else {
        return Err(HttpError::not_found().as_page());
    };
    let disposition = format!("inline; filename=\"{}-{}-{version}-{file}\"", id, period);
    Ok(([(header::CONTENT_TYPE, kind.to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

#[derive(serde::Deserialize)]
struct VerifyQuery {
    #[serde(default)]
    r: String,
    #[serde(default)]
    code: String,
}

/// What a verification came to.
enum Checked {
    /// The number and code do not name a receipt (or the number is not a number).
    Unknown,
    Found(Box<Found>),
}

/// A receipt's proof, and the published month it should be in (None before it is published).
struct Found {
    proof: crate::disclosure::ReceiptProof,
    published: Option<(PublicationRow, TreeRoot)>,
}

/// Checks a receipt and its code under the limits: failures count against the address and
/// the receipt; a blocked caller gets 429 before anything is read.
async fn check<S: AppStore>(app: &App<S>, scope: &Scope, caller: &Caller, q: &VerifyQuery) -> HttpResult<Checked> {
    let receipt_key = format!("verify:{}:{}", scope.community.id.0, q.r.trim());
    let address_key = format!("verify@{}", caller.address);
    let limits = &app.limits;
    if let Err(wait) = limits.verify_receipt.check(&receipt_key).and(limits.verify_address.check(&address_key)) {
        return Err(HttpError::too_many(wait.as_secs()).as_page());
    }
    let number = q.r.trim().trim_start_matches("No.").trim_start_matches('0').parse::<i64>().ok();
    let proof = match number {
        Some(n) => kept_proof(app, scope, n, &q.code).await.page()?,
        None => None,
    };
    let Some(proof) = proof else {
        limits.verify_receipt.failed(&receipt_key);
        limits.verify_address.failed(&address_key);
        return Ok(Checked::Unknown);
    };
    limits.verify_receipt.succeeded(&receipt_key);
    let key = (scope.community.id.0, proof.period);
    // A month found published is kept; one not yet published is looked up again each time,
    // so its publication (by any process) shows at once.
    let published = match app.published_trees.get(&key) {
        Some(kept) => Some(kept),
        None => {
            let found = published_tree(app, scope, proof.period).await.page()?;
            if let Some(found) = &found {
                app.published_trees.put(key, found.clone());
            }
            found
        }
    };
    Ok(Checked::Found(Box::new(Found { proof, published })))
}

/// `disclosure::receipt_proof` with the server's kept secret and trees.
async fn kept_proof<S: AppStore>(
    app: &App<S>,
    scope: &Scope,
    number: i64,
    code: &str,
) -> crate::Result<Option<crate::disclosure::ReceiptProof>> {
    let store = &app.ledger.store;
    let c = scope.community.id.0;
    let secret = match app.book_secrets.get(&c) {
        Some(s) => s,
        None => {
            let s = crate::disclosure::book_secret(store, &scope.book).await?;
            app.book_secrets.put(c, s.clone());
            s
        }
    };
    let Some(row) = crate::disclosure::matching_receipt(store, &scope.book, &secret, number, code).await? else { return Ok(None) };
    let period = crate::disclosure::receipt_period(&row)?;
    if let Some(month) = app.month_trees.get(&(c, period)) {
        if let Some(proof) = crate::disclosure::proof_in(&month, &secret, &row)? {
            return Ok(Some(proof));
        }
    }
    let month = std::sync::Arc::new(crate::disclosure::month_tree_salted(store, &scope.book, &secret, period).await?);
    app.month_trees.put((c, period), month.clone());
    crate::disclosure::proof_in(&month, &secret, &row)
}

/// The latest published version whose pack holds `month`'s tree: the month's own pack, else
/// its quarter's, else its year's.
async fn published_tree<S: AppStore>(app: &App<S>, scope: &Scope, month: Period) -> crate::Result<Option<(PublicationRow, TreeRoot)>> {
    let keys = [month.to_string(), format!("{}-Q{}", month.year(), month.month().div_ceil(3)), month.year().to_string()];
    let history = publish::history(&app.ledger.store, scope.community.id).await?;
    for key in &keys {
        if let Some((p, _)) = history.iter().filter(|(p, _)| &p.period == key).max_by_key(|(p, _)| p.version) {
            let pack = publish::published_pack(&app.ledger.store, scope.community.id, p, &app.public_url).await?;
            if let Some(tree) = pack.content.trees.into_iter().find(|t| t.period == month.to_string()) {
                return Ok(Some((p.clone(), tree)));
            }
        }
    }
    Ok(None)
}

async fn verify_page<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<VerifyQuery>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.community(id).await.page()?;
    let base = minijinja::context! { community => community_value(&scope), r => q.r, code => q.code };
    if q.r.trim().is_empty() && q.code.trim().is_empty() {
        return Ok(page(&caller, "verify.html", "收据核验", base)?.into_response());
    }
    match check(&app, &scope, &caller, &q).await? {
        Checked::Unknown => {
            let data = minijinja::context! { message => "收据号或核验码不正确", ..base };
            page_with(StatusCode::NOT_FOUND, &caller, "verify.html", "收据核验", data)
        }
        Checked::Found(found) => {
            let Found { proof, published } = *found;
            let p = &proof.proof;
            let checked = proof.proof.check().is_ok();
            let result = minijinja::context! {
                receipt => crate::fees::receipt_label(p.receipt_number), period => proof.period.to_string(),
                amount => crate::render::table::money_grouped(p.amount_fen), voided => proof.voided, root => p.root,
                total => crate::render::table::money_grouped(p.total_fen), checked,
                published => published.as_ref().map(|(row, tree)| minijinja::context! {
                    version => row.version, period => row.period, root => tree.root,
                    total => crate::render::table::money_grouped(tree.total_fen), matches => tree.root == p.root && tree.total_fen == p.total_fen,
                    href => format!("/c/{id}/disclosures/{}/v{}", row.period, row.version),
                }),
                proof_href => format!("/c/{id}/verify/proof.json?r={}&code={}", p.receipt_number, q.code.trim()),
            };
            Ok(page(&caller, "verify.html", "收据核验", minijinja::context! { result, ..base })?.into_response())
        }
    }
}

/// The proof as a file, to keep and to check offline (`check-pack`, or the script of
/// reports/README.md).
async fn proof_file<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<VerifyQuery>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.community(id).await.page()?;
    match check(&app, &scope, &caller, &q).await? {
        Checked::Unknown => Err(HttpError::new(StatusCode::NOT_FOUND, "not_found", "收据号或核验码不正确").as_page()),
        Checked::Found(found) => {
            let proof = found.proof;
            let body = serde_json::to_vec_pretty(&proof.proof).map_err(|e| HttpError::from(crate::Error::Conflict(e.to_string())))?;
            let disposition = format!("attachment; filename=\"proof-{}.json\"", proof.proof.receipt_number);
            Ok(([(header::CONTENT_TYPE, "application/json".to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
        }
    }
}

/// The members' page: a member signs in with their household's access code.
async fn members_form<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.community(id).await.page()?;
    form_with_token(&headers, |token| {
        let data = minijinja::context! { community => community_value(&scope), csrf => token, household => "" };
        page(&Caller { csrf: Some(token.to_string()), ..caller }, "members.html", "集体收益分配", data)
    })
}

/// The collective's distributions for a member: their household's lines, and everyone's only
/// where the collective decided to show names.
async fn members_page<S: AppStore>(
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
    let Some(household) = super::public::household_by_code(&app, &scope, &caller, &label, form.get("code")).await? else {
        let data = minijinja::context! { community => community_value(&scope), csrf => token, household => label, message => super::public::WRONG_CODE };
        return page_with(StatusCode::UNAUTHORIZED, &caller, "members.html", "集体收益分配", data);
    };
    let books = publish::pack_books(&app.ledger.store, scope.community.id).await.page()?;
    let collective = books.collective.ok_or_else(|| HttpError::not_found().as_page())?;
    let label = crate::fees::household_label(&household);
    let shown = crate::disclosure::members::for_member(&app.ledger, &collective, &label).await.page()?;
    let money = crate::render::table::money_grouped;
    let distributions: Vec<Value> = shown
        .iter()
        .map(|d| {
            let lines: Vec<Value> = d
                .lines
                .iter()
                .map(|l| minijinja::context! { member_no => l.member_no, name => l.name, household => l.household, shares => l.shares, amount => money(l.amount_fen) })
                .collect();
            minijinja::context! { year => d.year, members_fen => money(d.members_fen.0), members => d.members, shares => d.shares,
                names_shown => d.names_shown, paid_on => d.paid_on.map(|p| p.to_string()), lines }
        })
        .collect();
    let data = minijinja::context! { community => community_value(&scope), household => label, distributions };
    Ok(page(&caller, "members.html", "集体收益分配", data)?.into_response())
}
