//! The API of what the company keeps beside its fees: budgets and owed expenses paid, public
//! revenue (its rule, receipts, uses and monthly split), and the collective (the profit
//! transferred, the member roster, the distribution, its list and its payment).

use axum::body::Bytes;
use axum::extract::State;

// JSON refusals with a code in place of axum's plain-text 400 (see `ApiPath`, `ApiQuery`).
use super::{ApiPath as Path, ApiQuery as Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::ApiJson;
use crate::access::Act;
use crate::app::AppStore;
use crate::collective::plan::{parse_percent, Provisions};
use crate::collective::Collective;
use crate::domain::category::Category;
use crate::domain::ids::{CommunityId, DistributionId, SpendingId};
use crate::domain::money::Fen;
use crate::http::books::IMPORT_LIMIT_BYTES;
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Signed;
use crate::http::input::amount;
use crate::http::input::{date_or_today, month_given};
use crate::http::{App, Scope};
use crate::ledger::Book;
use crate::public_revenue::{PublicRevenue, RevenueInput, Source, UseInput};
use crate::spending::Spending;

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/api/v1/communities/{community}/budgets", post(budget::<S>))
        .route("/api/v1/communities/{community}/expenses/{id}/pay", post(pay_expense::<S>))
        .route("/api/v1/communities/{community}/public-revenue", post(revenue::<S>))
        .route("/api/v1/communities/{community}/public-revenue/rules", post(rule::<S>))
        .route("/api/v1/communities/{community}/public-revenue/uses", post(spend::<S>))
        .route("/api/v1/communities/{community}/public-revenue/split", post(split::<S>))
        .route("/api/v1/communities/{community}/collective/transfer", post(transfer::<S>))
        .route(
            "/api/v1/communities/{community}/collective/roster",
            post(roster::<S>).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT_BYTES)),
        )
        .route("/api/v1/communities/{community}/collective/distributions", post(distribute::<S>))
        .route("/api/v1/communities/{community}/collective/distributions/{id}", get(distribution::<S>))
        .route("/api/v1/communities/{community}/collective/distributions/{id}/pay", post(pay_distribution::<S>))
}

/// The community's book of the collective (rural_collective chart).
async fn collective_book<S: AppStore>(app: &App<S>, scope: &Scope) -> crate::Result<Book> {
    crate::collective::collective_book(&app.ledger, scope.community.id).await
}

/// A write of the community's company book by an accountant: the scope, the caller's name.
async fn keeping<S: AppStore>(
    app: &App<S>,
    caller: &crate::http::extract::Caller,
    headers: &HeaderMap,
    id: CommunityId,
) -> HttpResult<Scope> {
    caller.check_api_write(headers)?;
    app.scope(caller, id, Act::Keep).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BudgetIn {
    year: i32,
    category: String,
    amount: String,
}

async fn budget<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(b): ApiJson<BudgetIn>,
) -> HttpResult<Response> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let category = Category::parse(&b.category).ok_or_else(|| HttpError::invalid("category", format!("“{}”不是服务类别", b.category)))?;
    Spending::new(&app.ledger).set_budget(&scope.book, b.year, category, amount("amount", &b.amount)?, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "budget", &format!("{} 年 {category} 预算 {}", b.year, b.amount)).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DateIn {
    #[serde(default)]
    date: Option<String>,
}

#[derive(serde::Serialize)]
struct VoucherOut {
    voucher: String,
}

async fn pay_expense<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, expense)): Path<(CommunityId, SpendingId)>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DateIn>,
) -> HttpResult<Json<VoucherOut>> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let date = date_or_today("date", body.date.as_deref())?;
    let voucher = Spending::new(&app.ledger).pay(&scope.book, expense, date, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "expense_pay", &format!("支出 #{expense} 凭证 {voucher}")).await;
    Ok(Json(VoucherOut { voucher }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleIn {
    from: String,
    /// The company's share in ‰ (300 = 30 %).
    share_permille: i64,
    decision: String,
}

async fn rule<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(r): ApiJson<RuleIn>,
) -> HttpResult<Response> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let from = date_or_today("from", Some(&r.from))?;
    PublicRevenue::new(&app.ledger).set_rule(&scope.book, from, r.share_permille, &r.decision, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "public_revenue_rule", &format!("自 {from} 分成 {}‰", r.share_permille)).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RevenueIn {
    date: String,
    source: String,
    payer: String,
    amount: String,
}

async fn revenue<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(r): ApiJson<RevenueIn>,
) -> HttpResult<Response> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let source = Source::parse(&r.source).ok_or_else(|| HttpError::invalid("source", "应为 advertising、parking、venue 或 other"))?;
    let input = RevenueInput { date: date_or_today("date", Some(&r.date))?, source, payer: &r.payer, amount: amount("amount", &r.amount)? };
    let voucher = PublicRevenue::new(&app.ledger).receive(&scope.book, &input, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "public_revenue", &format!("公共收益 {} 凭证 {voucher}", r.amount)).await;
    Ok((StatusCode::CREATED, Json(VoucherOut { voucher })).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct UseIn {
    date: String,
    purpose: String,
    decision: String,
    amount: String,
}

async fn spend<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(u): ApiJson<UseIn>,
) -> HttpResult<Response> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let input = UseInput {
        date: date_or_today("date", Some(&u.date))?,
        purpose: &u.purpose,
        decision: &u.decision,
        amount: amount("amount", &u.amount)?,
    };
    let voucher = PublicRevenue::new(&app.ledger).spend(&scope.book, &input, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "public_revenue_use", &format!("公共收益支出 {} 凭证 {voucher}", u.amount)).await;
    Ok((StatusCode::CREATED, Json(VoucherOut { voucher })).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodIn {
    period: String,
}

#[derive(serde::Serialize)]
struct SplitOut {
    share: Fen,
    voucher: Option<String>,
}

async fn split<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(p): ApiJson<PeriodIn>,
) -> HttpResult<Json<SplitOut>> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let period = month_given("period", Some(&p.period))?.ok_or_else(|| HttpError::invalid("period", "须填写月份"))?;
    let done = PublicRevenue::new(&app.ledger).split(&scope.book, period, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "public_revenue_split", &format!("公共收益分成 {period}")).await;
    Ok(Json(match done {
        Some((share, voucher)) => SplitOut { share, voucher: Some(voucher) },
        None => SplitOut { share: Fen(0), voucher: None },
    }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferIn {
    year: i32,
    date: String,
}

async fn transfer<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(t): ApiJson<TransferIn>,
) -> HttpResult<Response> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let collective = collective_book(&app, &scope).await?;
    let date = date_or_today("date", Some(&t.date))?;
    let row = Collective::new(&app.ledger).transfer_profit(&scope.book, &collective, t.year, date, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "profit_transfer", &format!("{} 年度利润 {}", t.year, Fen(row.amount_fen))).await;
    Ok((StatusCode::CREATED, Json(row)).into_response())
}

#[derive(serde::Serialize)]
struct Imported {
    members: usize,
}

/// The roster file as the body: CSV or XLSX.
async fn roster<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResult<Response> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !(content_type.starts_with("text/csv") || content_type.starts_with(super::XLSX_TYPE)) {
        return Err(HttpError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "成员名册须为 text/csv 或 XLSX"));
    }
    let collective = collective_book(&app, &scope).await?;
    let members = Collective::new(&app.ledger).import_roster(&collective, &body, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "member_roster", &format!("成员名册 {members} 人")).await;
    Ok((StatusCode::CREATED, Json(Imported { members })).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DistributeIn {
    year: i32,
    /// 公积公益金 in percent, "10" or "12.5".
    reserve: String,
    /// 福利费 in percent.
    welfare: String,
    /// What is distributed; 未分配收益's balance when left out.
    #[serde(default)]
    amount: Option<String>,
    date: String,
}

async fn distribute<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(d): ApiJson<DistributeIn>,
) -> HttpResult<Response> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let collective = collective_book(&app, &scope).await?;
    let provisions = Provisions { reserve_bp: parse_percent("reserve", &d.reserve)?, welfare_bp: parse_percent("welfare", &d.welfare)? };
    let distributable = d.amount.as_deref().map(|a| amount("amount", a)).transpose()?;
    let date = date_or_today("date", Some(&d.date))?;
    let done = Collective::new(&app.ledger).distribute(&collective, d.year, distributable, provisions, date, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "distribution", &format!("{} 年度收益分配 #{}", d.year, done.row.id)).await;
    Ok((StatusCode::CREATED, Json(done)).into_response())
}

#[derive(serde::Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// The distribution and its list per member, as JSON or `?format=csv|xlsx`.
async fn distribution<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, distribution)): Path<(CommunityId, DistributionId)>,
    Query(q): Query<FormatQuery>,
    Signed(caller): Signed,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Read).await?;
    let collective = collective_book(&app, &scope).await?;
    let d = Collective::new(&app.ledger).distribution(&collective, distribution).await?;
    Ok(match q.format.as_deref() {
        Some("csv") => ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], d.to_table().to_csv()).into_response(),
        Some("xlsx") => ([(header::CONTENT_TYPE, super::XLSX_TYPE)], d.to_table().to_xlsx()?).into_response(),
        _ => Json(d).into_response(),
    })
}

async fn pay_distribution<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, distribution)): Path<(CommunityId, DistributionId)>,
    Signed(caller): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<DateIn>,
) -> HttpResult<Json<VoucherOut>> {
    let scope = keeping(&app, &caller, &headers, id).await?;
    let collective = collective_book(&app, &scope).await?;
    let date = date_or_today("date", body.date.as_deref())?;
    let voucher = Collective::new(&app.ledger).pay(&collective, distribution, date, caller.username()).await?;
    app.audit(&caller, Some(scope.community.id), "distribution_pay", &format!("收益分配 #{distribution} 凭证 {voucher}")).await;
    Ok(Json(VoucherOut { voucher }))
}
