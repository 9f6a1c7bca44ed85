//! The API of the accountant's and reviewer's pages: vouchers entered, reviewed, posted and
//! reversed; a billing run or its preview; a month closed or the year-end drafted; the reports
//! as JSON tables. Each shares its work with the page (`pages::accountant`).

use axum::extract::State;

// JSON refusals with a code in place of axum's plain-text 400 (see `ApiPath`, `ApiQuery`).
use super::{ApiPath as Path, ApiQuery as Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::ApiJson;
use crate::access::Act;
use crate::domain::ids::{CommunityId, VoucherId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::Error;
use crate::fees::daily::DayVoucher;
use crate::fees::BillingRun;
use crate::http::books::{
    act_needed, bill, book_of, close_or_year_end, line_input, report_table, voucher_act, BookQuery, ReportQuery, REPORTS,
};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Signed;

use crate::app::AppStore;
use crate::http::input::{date_or_today, month_given, today};
use crate::http::App;
use crate::ledger::describe;
use crate::ledger::lookup::full_name;
use crate::ledger::rows::VoucherRow;
use crate::ledger::voucher::VoucherInput;

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/api/v1/communities/{community}/vouchers", get(vouchers::<S>).post(draft::<S>))
        .route("/api/v1/communities/{community}/vouchers/{id}", get(voucher::<S>))
        .route("/api/v1/communities/{community}/vouchers/{id}/{action}", post(act::<S>))
        .route("/api/v1/communities/{community}/billing", post(billing::<S>))
        .route("/api/v1/communities/{community}/close", post(close::<S>))
        .route("/api/v1/communities/{community}/day-close", post(day_close::<S>))
        .route("/api/v1/communities/{community}/reports/{kind}", get(report::<S>))
}

#[derive(serde::Serialize)]
struct VoucherOut {
    id: VoucherId,
    label: String,
    date: String,
    status: String,
    maker: String,
    reviewer: Option<String>,
    poster: Option<String>,
    lines: Vec<LineOut>,
}

#[derive(serde::Serialize)]
struct LineOut {
    summary: String,
    account: String,
    debit: Fen,
    credit: Fen,
}

/// The month's vouchers of a book (`?book=`, `?period=`), without their lines.
async fn vouchers<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    Signed(caller): Signed,
) -> HttpResult<Json<Vec<VoucherOut>>> {
    let scope = app.scope(&caller, id, Act::Read).await?;
    let book = book_of(&app, &scope, q.book.as_deref()).await?;
    let period = month_given("period", q.period.as_deref())?.unwrap_or_else(|| Period::of_date(today()));
    let rows = crate::ledger::store::LedgerTx::vouchers(&mut app.ledger.store.read().await?, book.key(), period, period, 500).await?;
    Ok(Json(rows.iter().map(|v| voucher_out(v, Vec::new())).collect()))
}

async fn voucher<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, voucher)): Path<(CommunityId, VoucherId)>,
    Query(q): Query<BookQuery>,
    Signed(caller): Signed,
) -> HttpResult<Json<VoucherOut>> {
    let scope = app.scope(&caller, id, Act::Read).await?;
    let book = book_of(&app, &scope, q.book.as_deref()).await?;
    let (v, lines) = app.ledger.voucher(&book, voucher).await?;
    let lines = lines
        .iter()
        .map(|l| LineOut {
            summary: l.summary.clone(),
            account: book.account_by_id(l.account_id).map(|a| format!("{} {}", a.code, full_name(&book.chart, a))).unwrap_or_default(),
            debit: Fen(l.debit_fen),
            credit: Fen(l.credit_fen),
        })
        .collect();
    Ok(Json(voucher_out(&v, lines)))
}

fn voucher_out(v: &VoucherRow, lines: Vec<LineOut>) -> VoucherOut {
    VoucherOut {
        id: v.id,
        label: describe(v),
        date: v.voucher_date.to_string(),
        status: v.status.label().to_string(),
        maker: v.maker.clone(),
        reviewer: v.reviewer.clone(),
        poster: v.poster.clone(),
        lines,
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoucherIn {
    pub date: String,
    #[serde(default)]
    pub attachments: u32,
    pub lines: Vec<LineIn>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineIn {
    #[serde(default)]
    pub summary: String,
    /// Code, name or pinyin initials.
    pub account: String,
    #[serde(default)]
    pub debit: String,
    #[serde(default)]
    pub credit: String,
    /// A house number, for the household dimension.
    #[serde(default)]
    pub household: String,
}

#[derive(serde::Serialize)]
struct Drafted {
    id: VoucherId,
}

/// A draft voucher (制单) by the caller.
async fn draft<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    Signed(caller): Signed,
    ApiJson(body): ApiJson<VoucherIn>,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Keep).await?;
    caller.check_api_write(&headers)?;
    let book = book_of(&app, &scope, q.book.as_deref()).await?;
    let date = chrono::NaiveDate::parse_from_str(&body.date, "%Y-%m-%d")
        .map_err(|_| HttpError::invalid("date", format!("“{}”不是日期，应写作 2025-01-31", body.date)))?;
    let mut lines = Vec::with_capacity(body.lines.len());
    for (i, l) in body.lines.iter().enumerate() {
        lines.push(line_input(&app, &scope, &book, i + 1, [&l.summary, &l.account, &l.debit, &l.credit, &l.household]).await?);
    }
    let voucher = app.ledger.draft(&book, caller.username(), &VoucherInput { date, attachments: body.attachments, lines }).await?;
    app.audit(&caller, Some(scope.community.id), "voucher.draft", &format!("{} 草稿 #{voucher}", book.row.code)).await;
    Ok((StatusCode::CREATED, Json(Drafted { id: voucher })).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ActIn {
    /// The red-ink reversal's date (reverse only); today when none.
    pub date: Option<String>,
}

/// review, unreview, post or reverse: the voucher to show next (the reversal's draft).
async fn act<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, voucher, action)): Path<(CommunityId, VoucherId, String)>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    Signed(caller): Signed,
    ApiJson(body): ApiJson<ActIn>,
) -> HttpResult<Json<Drafted>> {
    let needs = act_needed(&action).ok_or_else(HttpError::not_found)?;
    let scope = app.scope(&caller, id, needs).await?;
    caller.check_api_write(&headers)?;
    let book = book_of(&app, &scope, q.book.as_deref()).await?;
    let date = date_or_today("date", body.date.as_deref())?;
    let shown = voucher_act(&app, &caller, &scope, &book, voucher, &action, date).await?;
    Ok(Json(Drafted { id: shown }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingIn {
    pub period: String,
    /// true: what the run would bill, made and rolled back; nothing is written.
    #[serde(default)]
    pub preview: bool,
}

async fn billing<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    Signed(caller): Signed,
    ApiJson(body): ApiJson<BillingIn>,
) -> HttpResult<Json<BillingRun>> {
    let scope = app.scope(&caller, id, Act::Keep).await?;
    caller.check_api_write(&headers)?;
    let period = month_given("period", Some(&body.period))?.ok_or_else(|| HttpError::invalid("period", "须填写计费月份"))?;
    Ok(Json(bill(&app, &caller, &scope, period, !body.preview).await?))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseIn {
    pub period: String,
    /// true: draft the year-end voucher of the period's year instead of closing it.
    #[serde(default)]
    pub year_end: bool,
}

#[derive(serde::Serialize)]
struct Closed {
    period: String,
    year_end_voucher: Option<VoucherId>,
}

async fn close<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    Signed(caller): Signed,
    ApiJson(body): ApiJson<CloseIn>,
) -> HttpResult<Json<Closed>> {
    let scope = app.scope(&caller, id, Act::Keep).await?;
    caller.check_api_write(&headers)?;
    let book = book_of(&app, &scope, q.book.as_deref()).await?;
    let period = month_given("period", Some(&body.period))?.ok_or_else(|| HttpError::invalid("period", "须填写月份"))?;
    let drafted = close_or_year_end(&app, &caller, &scope, &book, period, body.year_end).await?;
    Ok(Json(Closed { period: period.to_string(), year_end_voucher: drafted }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayCloseIn {
    pub date: String,
}

/// 日结 by the reviewer: the fee vouchers waiting up to `date`, reviewed and posted.
async fn day_close<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    Signed(caller): Signed,
    ApiJson(body): ApiJson<DayCloseIn>,
) -> HttpResult<Json<Vec<DayVoucher>>> {
    let scope = app.scope(&caller, id, Act::Review).await?;
    caller.check_api_write(&headers)?;
    let book = book_of(&app, &scope, q.book.as_deref()).await?;
    let through = crate::http::input::date("date", &body.date)?;
    Ok(Json(crate::http::books::day_close(&app, &caller, &scope, &book, through).await?))
}

#[derive(serde::Serialize)]
struct TableOut {
    title: String,
    subtitle: Vec<String>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    footer: Vec<String>,
}

/// A report as the page shows it, as a JSON table (amounts as decimal strings).
async fn report<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, kind)): Path<(CommunityId, String)>,
    Query(q): Query<ReportQuery>,
    Signed(caller): Signed,
) -> HttpResult<Json<TableOut>> {
    let scope = app.scope(&caller, id, crate::http::books::report_act(&kind)).await?;
    if !REPORTS.iter().any(|(k, _)| *k == kind) {
        return Err(Error::not_found(format!("报表 {kind}")).into());
    }
    let book = book_of(&app, &scope, q.book.as_deref()).await?;
    let t = report_table(&app, &scope, &book, &kind, &q).await?;
    Ok(Json(TableOut {
        title: t.title,
        subtitle: t.subtitle,
        headers: t.headers.into_iter().map(|(h, _)| h).collect(),
        rows: t.rows,
        footer: t.footer,
    }))
}
