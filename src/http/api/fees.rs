//! The API of the fee wing: communities, households, payments with idempotency keys,
//! receipts and voids, the day's takings, collection rates, household codes.

use axum::extract::State;

// JSON refusals with a code in place of axum's plain-text 400 (see `ApiPath`, `ApiQuery`).
use super::{ApiPath as Path, ApiQuery as Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::openapi::XLSX_TYPE;
use super::ApiJson;
use crate::access::Act;
use crate::app::AppStore;
use crate::domain::ids::{BillId, CommunityId, HouseholdId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::fees::reports::{collection, Takings};
use crate::fees::rows::HouseholdRow;
use crate::fees::search::matches;
use crate::fees::{household_label, receipt_label, Method, PaymentRequest, Receipt};
use crate::http::approval::approve;
use crate::http::books::{household_import, IMPORT_LIMIT_BYTES};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Signed;
use crate::http::input::{date_or_today, month_given, today};
use crate::http::{App, Scope};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/api/v1/communities", get(communities::<S>))
        .route("/api/v1/communities/{community}/households", get(households::<S>))
        .route("/api/v1/communities/{community}/households/{household}", get(household::<S>))
        .route(
            "/api/v1/communities/{community}/households/import",
            post(import_households::<S>).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT_BYTES)),
        )
        .route("/api/v1/communities/{community}/households/{household}/code", post(issue_code::<S>))
        .route("/api/v1/communities/{community}/payments", post(pay::<S>))
        .route("/api/v1/communities/{community}/receipts/{number}", get(receipt::<S>))
        .route("/api/v1/communities/{community}/receipts/{number}/void", post(void::<S>))
        .route("/api/v1/communities/{community}/takings", get(takings::<S>))
        .route("/api/v1/communities/{community}/collection", get(collection_rates::<S>))
}

#[derive(serde::Serialize)]
struct CommunityOut {
    id: i64,
    name: String,
    street: String,
}

async fn communities<S: AppStore>(State(app): State<App<S>>, Signed(caller): Signed) -> HttpResult<Json<Vec<CommunityOut>>> {
    caller.must(Act::Read)?;
    let list = app.reachable(&caller).await?;
    Ok(Json(list.into_iter().map(|(c, street)| CommunityOut { id: c.id.0, name: c.name, street }).collect()))
}

#[derive(serde::Serialize)]
pub struct HouseholdOut {
    pub id: HouseholdId,
    pub label: String,
    pub owner_name: String,
    pub area_m2: String,
    pub kind: &'static str,
}

fn household_out(h: &HouseholdRow) -> HouseholdOut {
    HouseholdOut {
        id: h.id,
        label: household_label(h),
        owner_name: h.owner_name.clone(),
        area_m2: h.area_m2_hundredths.to_string(),
        kind: h.kind.label(),
    }
}

#[derive(serde::Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

async fn households<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(s): Query<Search>,
    Signed(caller): Signed,
) -> HttpResult<Json<Vec<HouseholdOut>>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await?;
    let all = app.fees.households(scope.community.id).await?;
    Ok(Json(all.iter().filter(|h| s.q.is_empty() || matches(h, &s.q)).take(200).map(household_out).collect()))
}

async fn household_of<S: AppStore>(app: &App<S>, scope: &Scope, id: HouseholdId) -> HttpResult<HouseholdRow> {
    app.fees.household(scope.community.id, id).await?.ok_or_else(HttpError::not_found)
}

#[derive(serde::Serialize)]
struct BillOut {
    id: BillId,
    period: String,
    item: String,
    amount: Fen,
    open: Fen,
}

#[derive(serde::Serialize)]
struct PaymentOut {
    receipt: i64,
    label: String,
    paid_on: String,
    method: Method,
    amount: Fen,
    cashier: String,
    voided: bool,
}

#[derive(serde::Serialize)]
struct HouseholdDetail {
    household: HouseholdOut,
    open: Fen,
    prepaid: Fen,
    bills: Vec<BillOut>,
    payments: Vec<PaymentOut>,
}

async fn household<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, hid)): Path<(CommunityId, HouseholdId)>,
    Signed(caller): Signed,
) -> HttpResult<Json<HouseholdDetail>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await?;
    let h = household_of(&app, &scope, hid).await?;
    let bills = app.fees.open_bills(&scope.book, Some(h.id)).await?;
    let payments = app.fees.household_payments(&scope.book, h.id).await?;
    Ok(Json(HouseholdDetail {
        household: household_out(&h),
        open: Fen(bills.iter().map(|b| b.open_fen).sum()),
        prepaid: app.fees.prepaid(&scope.book, h.id).await?,
        bills: bills
            .iter()
            .map(|b| BillOut { id: b.id, period: b.period.to_string(), item: b.label(), amount: Fen(b.amount_fen), open: Fen(b.open_fen) })
            .collect(),
        payments: payments
            .iter()
            .map(|p| PaymentOut {
                receipt: p.receipt_number,
                label: receipt_label(p.receipt_number),
                paid_on: p.paid_on.to_string(),
                method: p.method,
                amount: Fen(p.amount_fen),
                cashier: p.cashier.clone(),
                voided: p.voided,
            })
            .collect(),
    }))
}

/// A payment as the API takes it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentIn {
    pub household_id: HouseholdId,
    /// "1234.56"
    pub amount: String,
    pub method: Method,
    /// "2025-03-31"; today (Beijing) when omitted.
    pub date: Option<String>,
    /// Settle these bills, in this order, instead of the oldest first.
    pub bills: Option<Vec<BillId>>,
}

/// The idempotency key of a write: required, from the `Idempotency-Key` header.
fn idempotency_key(headers: &HeaderMap) -> HttpResult<String> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().trim().to_string();
    if key.is_empty() || key.len() > 100 {
        return Err(HttpError::invalid("Idempotency-Key", "收款须带 Idempotency-Key 请求头（1至100个字符），重试时用同一个键"));
    }
    Ok(key)
}

async fn pay<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    Signed(caller): Signed,
    ApiJson(body): ApiJson<PaymentIn>,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Collect).await?;
    caller.check_api_write(&headers)?;
    let key = idempotency_key(&headers)?;
    let amount = Fen::parse(&body.amount).map_err(|e| HttpError::invalid("amount", format!("收款金额“{}”{e}", body.amount)))?;
    let paid_on = date_or_today("date", body.date.as_deref())?;
    // A household of another community is as missing as one that does not exist: the
    // payment looks it up in the scope's community.
    let req = PaymentRequest {
        household_id: body.household_id,
        amount,
        method: body.method,
        paid_on,
        idempotency_key: &key,
        cashier: caller.username(),
        bill_ids: body.bills.filter(|b| !b.is_empty()),
        note: Default::default(),
    };
    let receipt = app.payments.pay(&scope.book, &req, &caller).await?;
    let status = if receipt.replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(receipt)).into_response())
}

async fn receipt<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, number)): Path<(CommunityId, i64)>,
    Signed(caller): Signed,
) -> HttpResult<Json<Receipt>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await?;
    Ok(Json(app.fees.receipt(&scope.book, number).await?))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidIn {
    pub reason: String,
    pub approver: String,
    pub approver_password: String,
    pub date: Option<String>,
}

async fn void<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, number)): Path<(CommunityId, i64)>,
    headers: HeaderMap,
    Signed(caller): Signed,
    ApiJson(body): ApiJson<VoidIn>,
) -> HttpResult<Json<Receipt>> {
    let scope = app.scope(&caller, id, Act::Collect).await?;
    caller.check_api_write(&headers)?;
    let date = date_or_today("date", body.date.as_deref())?;
    let approver = approve(&app, &caller, &scope, &body.approver, &body.approver_password).await?;
    let voided = app.fees.void_receipt(&scope.book, number, &body.reason, &approver, date).await?;
    app.audit(&caller, Some(scope.community.id), "receipt.void", &format!("收据 {}，批准人 {approver}", voided.label)).await;
    Ok(Json(voided))
}

#[derive(serde::Deserialize)]
struct Day {
    date: Option<String>,
}

#[derive(serde::Serialize)]
struct DayTakings {
    date: String,
    #[serde(flatten)]
    takings: Takings,
}

async fn takings<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<Day>,
    Signed(caller): Signed,
) -> HttpResult<Json<DayTakings>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await?;
    let date = date_or_today("date", q.date.as_deref())?;
    let payments = app.fees.payments_on(&scope.book, date).await?;
    Ok(Json(DayTakings { date: date.to_string(), takings: crate::fees::reports::takings(&payments) }))
}

#[derive(serde::Deserialize)]
struct Months {
    from: Option<String>,
    to: Option<String>,
}

async fn collection_rates<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<Months>,
    Signed(caller): Signed,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Read).await?;
    let to = month_given("to", q.to.as_deref())?.unwrap_or_else(|| Period::of_date(today()));
    let from = month_given("from", q.from.as_deref())?.unwrap_or(to);
    if from > to {
        return Err(HttpError::invalid("from", "起始月份不能晚于截止月份"));
    }
    Ok(Json(collection(&app.ledger.store, &scope.book, from, to).await?).into_response())
}

#[derive(serde::Serialize)]
struct CodeOut {
    household: String,
    code: String,
}

/// A household file as the body (CSV or XLSX): imported whole, or 422 with every bad row.
async fn import_households<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    Signed(caller): Signed,
    body: axum::body::Bytes,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Keep).await?;
    caller.check_api_write(&headers)?;
    let kind = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let kind = kind.split(';').next().unwrap_or_default().trim();
    if !["text/csv", XLSX_TYPE, "application/octet-stream"].contains(&kind) {
        return Err(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("请求体须为 text/csv 或 {XLSX_TYPE}"),
        ));
    }
    Ok(match household_import(&app, &caller, &scope, &body).await? {
        Ok(result) => Json(result).into_response(),
        Err((message, rows)) => {
            let refused = serde_json::json!({ "code": "invalid_rows", "message": message, "field": "file", "rows": rows });
            (StatusCode::UNPROCESSABLE_ENTITY, Json(refused)).into_response()
        }
    })
}

async fn issue_code<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, hid)): Path<(CommunityId, HouseholdId)>,
    headers: HeaderMap,
    Signed(caller): Signed,
) -> HttpResult<Json<CodeOut>> {
    let scope = app.scope(&caller, id, Act::Collect).await?;
    caller.check_api_write(&headers)?;
    let h = household_of(&app, &scope, hid).await?;
    let code = app.access.issue_household_code(scope.community.id, h.id).await?;
    app.audit(&caller, Some(scope.community.id), "household.code", &household_label(&h)).await;
    Ok(Json(CodeOut { household: household_label(&h), code }))
}
