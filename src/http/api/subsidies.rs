//! The API of the subsidy and spending wings: programs, disbursements (one by one or as the
//! finance office's list), receipts, expenses, withdrawals, the month's release of 递延收益,
//! reconciliations and their sign-offs, and the finance office's overview. Bodies are read as
//! the pages read their forms (`pages::subsidies`).

use axum::body::Bytes;
use axum::extract::State;

// JSON refusals with a code in place of axum's plain-text 400 (see `ApiPath`, `ApiQuery`).
use super::{ApiPath as Path, ApiQuery as Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::ApiJson;
use crate::access::{Act, Role};
use crate::app::AppStore;
use crate::domain::ids::{CommunityId, ReconciliationId};
use crate::http::books::book_of;
use crate::http::books::IMPORT_LIMIT_BYTES;
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Signed;
use crate::http::input::{date_or_today, month_given};
use crate::http::subsidy_input::{statement_file, DisbursementIn, ExpenseIn, ProgramIn, ReceiptIn, ReconcileIn, WithdrawIn};
use crate::http::App;
use crate::spending::Spending;
use crate::subsidies::overview::ProgramLine;
use crate::subsidies::rows::{ProgramRow, ReconciliationRow};
use crate::subsidies::{Release, SignSide, Statement, Subsidies};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/api/v1/communities/{community}/subsidies", get(programs::<S>).post(add_program::<S>))
        .route("/api/v1/communities/{community}/subsidies/disbursements", post(disburse::<S>))
        .route(
            "/api/v1/communities/{community}/subsidies/disbursements/import",
            post(import::<S>).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT_BYTES)),
        )
        .route("/api/v1/communities/{community}/subsidies/receipts", post(receive::<S>))
        .route("/api/v1/communities/{community}/subsidies/withdrawals", post(withdraw::<S>))
        .route("/api/v1/communities/{community}/subsidies/release", post(release::<S>))
        .route("/api/v1/communities/{community}/expenses", post(expense::<S>))
        .route("/api/v1/communities/{community}/reconciliations", get(reconciliations::<S>).post(reconcile::<S>))
        .route("/api/v1/communities/{community}/reconciliations/{id}", get(statement::<S>))
        .route("/api/v1/communities/{community}/reconciliations/{id}/sign", post(sign::<S>))
        .route("/api/v1/office/subsidies", get(overview::<S>))
}

async fn programs<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
) -> HttpResult<Json<Vec<ProgramRow>>> {
    let scope = app.scope(&caller, id, Act::Read).await?;
    Ok(Json(Subsidies::new(&app.ledger).programs(scope.community.id).await?))
}

async fn add_program<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ProgramIn>,
) -> HttpResult<Response> {
    caller.check_api_write(&headers)?;
    let scope = app.scope(&caller, id, Act::Keep).await?;
    let book = book_of(&app, &scope, body.book.as_deref()).await?;
    let program = Subsidies::new(&app.ledger).add_program(&book, &body.input()?, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "subsidy_program", &program.title()).await;
    Ok((StatusCode::CREATED, Json(program)).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DisbursementsIn {
    disbursements: Vec<DisbursementIn>,
}

#[derive(serde::Serialize)]
struct Recorded {
    recorded: usize,
}

async fn disburse<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DisbursementsIn>,
) -> HttpResult<Response> {
    caller.check_api_write(&headers)?;
    let scope = app.scope(&caller, id, Act::Disburse).await?;
    let rows = body.disbursements.iter().enumerate().map(|(i, d)| d.input(i + 1)).collect::<crate::Result<Vec<_>>>()?;
    let recorded = Subsidies::new(&app.ledger).disburse(&scope.community, &rows, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "subsidy_disburse", &format!("拨付 {recorded} 笔")).await;
    Ok((StatusCode::CREATED, Json(Recorded { recorded })).into_response())
}

/// The finance office's list as the body: CSV or XLSX.
async fn import<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResult<Response> {
    caller.check_api_write(&headers)?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !(content_type.starts_with("text/csv") || content_type.starts_with(super::XLSX_TYPE)) {
        return Err(HttpError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "拨付清单须为 text/csv 或 XLSX"));
    }
    let scope = app.scope(&caller, id, Act::Disburse).await?;
    let rows = crate::subsidies::import::parse_disbursements(&body)?;
    let recorded = Subsidies::new(&app.ledger).disburse(&scope.community, &rows, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "subsidy_import", &format!("拨付清单 {recorded} 笔")).await;
    Ok((StatusCode::CREATED, Json(Recorded { recorded })).into_response())
}

#[derive(serde::Serialize)]
struct ReceiptOut {
    receipt: crate::subsidies::rows::ReceiptRow,
    voucher: String,
}

async fn receive<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReceiptIn>,
) -> HttpResult<Response> {
    caller.check_api_write(&headers)?;
    let scope = app.scope(&caller, id, Act::Keep).await?;
    let subsidies = Subsidies::new(&app.ledger);
    let program = subsidies.program(scope.community.id, &body.program).await?;
    let book = app.ledger.books(scope.community.id).await?.into_iter().find(|b| b.id == program.book_id).map(|b| b.code);
    let book = app.ledger.book(scope.community.id, &book.unwrap_or_default()).await?;
    let (receipt, voucher) = subsidies.receive(&book, &body.program, &body.input()?, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "subsidy_receive", &format!("到账 #{} 凭证 {voucher}", receipt.id)).await;
    Ok((StatusCode::CREATED, Json(ReceiptOut { receipt, voucher })).into_response())
}

async fn withdraw<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WithdrawIn>,
) -> HttpResult<Response> {
    caller.check_api_write(&headers)?;
    let side = body.side()?;
    let needed = if side == crate::subsidies::reconcile::Side::Disbursement { Act::Disburse } else { Act::Keep };
    let scope = app.scope(&caller, id, needed).await?;
    let date = date_or_today("date", body.date.as_deref())?;
    Subsidies::new(&app.ledger).withdraw(&scope.community, side, body.id, &body.reason, date, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "subsidy_withdraw", &format!("撤回{} #{}", side.label(), body.id)).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseIn {
    period: String,
    #[serde(default)]
    book: Option<String>,
}

async fn release<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReleaseIn>,
) -> HttpResult<Json<Vec<Release>>> {
    caller.check_api_write(&headers)?;
    let scope = app.scope(&caller, id, Act::Keep).await?;
    let book = book_of(&app, &scope, body.book.as_deref()).await?;
    let period = month_given("period", Some(&body.period))?.ok_or_else(|| HttpError::invalid("period", "须填写月份"))?;
    let done = Subsidies::new(&app.ledger).release(&book, period, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "subsidy_release", &format!("结转递延收益 {period}")).await;
    Ok(Json(done))
}

async fn expense<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ExpenseIn>,
) -> HttpResult<Response> {
    caller.check_api_write(&headers)?;
    let scope = app.scope(&caller, id, Act::Keep).await?;
    let book = book_of(&app, &scope, body.book.as_deref()).await?;
    let recorded = Spending::new(&app.ledger).record(&book, &body.input()?, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "expense", &format!("支出 #{} 凭证 {}", recorded.expense.id, recorded.voucher)).await;
    Ok((StatusCode::CREATED, Json(recorded)).into_response())
}

async fn reconciliations<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
) -> HttpResult<Json<Vec<ReconciliationRow>>> {
    let scope = app.scope(&caller, id, Act::Read).await?;
    Ok(Json(Subsidies::new(&app.ledger).reconciliations(scope.community.id, None).await?))
}

async fn reconcile<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReconcileIn>,
) -> HttpResult<Response> {
    caller.check_api_write(&headers)?;
    let scope = app.scope(&caller, id, Act::Reconcile).await?;
    let (from, until) = body.range()?;
    let s = Subsidies::new(&app.ledger).reconcile(&scope.community, &body.program, from, until, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "reconcile", &format!("对账单 #{}", s.reconciliation.id)).await;
    Ok((StatusCode::CREATED, Json(s)).into_response())
}

#[derive(serde::Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// The statement as JSON, or as `?format=pdf|xlsx|csv`.
async fn statement<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, reconciliation)): Path<(CommunityId, ReconciliationId)>,
    Query(q): Query<FormatQuery>,
    Signed(caller): Signed,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Read).await?;
    let s: Statement = Subsidies::new(&app.ledger).statement(&scope.community, reconciliation).await?;
    match q.format.as_deref().filter(|f| !f.is_empty() && *f != "json") {
        None => Ok(Json(s).into_response()),
        Some(format) => {
            let (content_type, bytes) = statement_file(&s, format).await?;
            Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    side: String,
}

async fn sign<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, reconciliation)): Path<(CommunityId, ReconciliationId)>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> HttpResult<Json<Statement>> {
    caller.check_api_write(&headers)?;
    let side = SignSide::parse(&body.side).ok_or_else(|| HttpError::invalid("side", "应为 company 或 finance_office"))?;
    let act = if side == SignSide::Company { Act::SignForCompany } else { Act::SignForOffice };
    let scope = app.scope(&caller, id, act).await?;
    let s = Subsidies::new(&app.ledger).sign(&scope.community, reconciliation, side, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "reconciliation_sign", &format!("对账单 #{reconciliation} {}", side.label())).await;
    Ok(Json(s))
}

/// Across the caller's communities: each program's money and its latest reconciliation.
async fn overview<S: AppStore>(State(app): State<App<S>>, Signed(caller): Signed) -> HttpResult<Json<Vec<ProgramLine>>> {
    let user = caller.user()?;
    if !(user.has(Role::FinanceOffice) || user.has(Role::Admin) || user.has(Role::Auditor)) {
        return Err(HttpError::forbidden());
    }
    let communities: Vec<_> = app.reachable(&caller).await?.into_iter().map(|(c, _)| c).collect();
    Ok(Json(Subsidies::new(&app.ledger).overview(&communities).await?))
}
