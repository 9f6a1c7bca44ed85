//! The cashier's pages (出纳): find a household, see its open bills, prepayment and history,
//! take a payment and print its receipt, void a receipt with an approver's password, issue the
//! household's access code, and the day's takings by method for the shift handover (交班日报).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;

use super::public::today;
use super::{page, AsPage, Fields};
use crate::access::{secret, Act};
use crate::domain::ids::HouseholdId;
use crate::domain::money::Fen;
use crate::fees::paper::receipt::receipt_pdf;
use crate::fees::paper::CodeLine;
use crate::fees::store::HouseholdRow;
use crate::fees::{household_label, receipt_label, Method, PaymentRequest};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::{see_other, App, AppStore, Scope};
use crate::render::pdf::Paper;

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/app/c/{community}/cashier", get(search::<S>))
        .route("/app/c/{community}/households/{household}", get(household::<S>))
        .route("/app/c/{community}/households/{household}/pay", post(pay::<S>))
        .route("/app/c/{community}/households/{household}/code", post(issue_code::<S>))
        .route("/app/c/{community}/receipts/{number}", get(receipt::<S>))
        .route("/app/c/{community}/receipts/{number}/pdf", get(receipt_file::<S>))
        .route("/app/c/{community}/receipts/{number}/void", post(void::<S>))
        .route("/app/c/{community}/takings", get(takings::<S>))
}

/// Households a search shows at most.
const MAX_FOUND: usize = 50;

pub const METHODS: [Method; 4] = [Method::Cash, Method::Wechat, Method::Alipay, Method::Bank];

fn community_value(scope: &Scope) -> Value {
    minijinja::context! { id => scope.community.id.0, name => scope.community.name }
}

/// The last four digits of a phone: enough to confirm a caller, not enough to call them.
fn phone_tail(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    if tail.is_empty() {
        String::new()
    } else {
        format!("尾号 {tail}")
    }
}

/// Whether household `h` answers the cashier's query: its house number (whole or its
/// beginning), its owner's name (any part), or its phone's last digits.
pub fn matches(h: &HouseholdRow, query: &str) -> bool {
    let q = query.trim();
    if q.is_empty() {
        return false;
    }
    let label = household_label(h);
    let digits: String = h.phone.chars().filter(char::is_ascii_digit).collect();
    label == q
        || label.starts_with(&format!("{q}-"))
        || h.owner_name.contains(q)
        || (q.len() >= 3 && q.chars().all(|c| c.is_ascii_digit()) && digits.ends_with(q))
}

#[derive(serde::Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn search<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<i64>,
    Query(query): Query<SearchQuery>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let found: Vec<HouseholdRow> =
        app.fees.households(scope.community.id).await.page()?.into_iter().filter(|h| matches(h, &query.q)).collect();
    let more = found.len() > MAX_FOUND;
    let households: Vec<Value> = found
        .iter()
        .take(MAX_FOUND)
        .map(|h| minijinja::context! { id => h.id.0, label => household_label(h), owner_name => h.owner_name, phone_tail => phone_tail(&h.phone) })
        .collect();
    let data = minijinja::context! { community => community_value(&scope), q => query.q, households, more };
    page(&caller, "cashier.html", "收费", data)
}

async fn household_row<S: AppStore>(app: &App<S>, scope: &Scope, id: i64) -> HttpResult<HouseholdRow> {
    app.fees.household(scope.community.id, HouseholdId(id)).await.page()?.ok_or_else(|| HttpError::not_found().as_page())
}

/// The household page; `message` is a refused payment's reason, `code` a code just issued.
async fn household_view<S: AppStore>(
    app: &App<S>,
    caller: &Caller,
    scope: &Scope,
    h: &HouseholdRow,
    message: Option<String>,
    code: Option<String>,
) -> HttpResult<Html<String>> {
    let user = caller.user().page()?;
    let bills = app.fees.open_bills(&scope.book, Some(h.id)).await.page()?;
    let open = Fen(bills.iter().map(|b| b.open_fen).sum());
    let prepaid = app.fees.prepaid(&scope.book, h.id).await.page()?;
    let payments: Vec<Value> = app
        .fees
        .household_payments(&scope.book, h.id)
        .await
        .page()?
        .iter()
        .rev()
        .map(|p| {
            minijinja::context! {
                paid_on => p.paid_on.to_string(), number => p.receipt_number, label => receipt_label(p.receipt_number),
                method => p.method.label(), amount => Fen(p.amount_fen).to_string(), cashier => p.cashier, voided => p.voided,
            }
        })
        .collect();
    let bills: Vec<Value> = bills
        .iter()
        .map(|b| minijinja::context! { id => b.id, period => b.period.to_string(), label => b.label(), amount => Fen(b.amount_fen).to_string(), open => Fen(b.open_fen).to_string() })
        .collect();
    let has_code = code.is_some() || app.access.has_household_code(scope.community.id, h.id).await.page()?;
    let data = minijinja::context! {
        community => community_value(scope),
        household => minijinja::context! { id => h.id.0, label => household_label(h), owner_name => h.owner_name, area => h.area_m2_hundredths.to_string(), phone_tail => phone_tail(&h.phone) },
        bills, open => open.to_string(), prepaid => prepaid.to_string(), payments, message, code, has_code,
        key => secret::random_token(), today => today().to_string(),
        methods => METHODS.iter().map(|m| (m.as_str(), m.label())).collect::<Vec<_>>(),
        may_collect => user.may(Act::Collect),
    };
    page(caller, "household.html", &household_label(h), data)
}

async fn household<S: AppStore>(State(app): State<App<S>>, Path((id, hid)): Path<(i64, i64)>, caller: Caller) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let h = household_row(&app, &scope, hid).await?;
    household_view(&app, &caller, &scope, &h, None, None).await
}

async fn pay<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, hid)): Path<(i64, i64)>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let form = Fields::parse(&headers, &body)?;
    let scope = app.scope(&caller, id, Act::Collect).await.page()?;
    caller.check_form(form.get("csrf"))?;
    let h = household_row(&app, &scope, hid).await?;
    let refused = |message: String| async { Ok(household_view(&app, &caller, &scope, &h, Some(message), None).await?.into_response()) };
    let amount = match Fen::parse(form.get("amount")) {
        Ok(a) => a,
        Err(e) => return refused(format!("收款金额：“{}”{e}", form.get("amount"))).await,
    };
    let Some(method) = Method::parse(form.get("method")) else {
        return refused("收款方式：须为现金、银行、微信或支付宝".into()).await;
    };
    let Ok(paid_on) = chrono::NaiveDate::parse_from_str(form.get("date"), "%Y-%m-%d") else {
        return refused(format!("收款日期：“{}”不是日期", form.get("date"))).await;
    };
    let mut bill_ids = Vec::new();
    for b in form.all("bill") {
        match b.parse::<i64>() {
            Ok(b) => bill_ids.push(b),
            Err(_) => return refused(format!("账单：“{b}”不是账单号")).await,
        }
    }
    let req = PaymentRequest {
        household_id: HouseholdId(hid),
        amount,
        method,
        paid_on,
        idempotency_key: form.get("key"),
        cashier: caller.username(),
        bill_ids: (!bill_ids.is_empty()).then_some(bill_ids),
    };
    match app.payments.pay(&scope.book, &req, &caller).await {
        Ok(receipt) => {
            // A household's first receipt carries its new access code.
            if !receipt.replayed {
                if let Some(code) = app.access.code_for_paper(scope.community.id, h.id).await.page()? {
                    app.audit(&caller, Some(scope.community.id), "household.code", &household_label(&h)).await;
                    app.new_codes.put((id, receipt.number), code);
                }
            }
            Ok(see_other(&format!("/app/c/{id}/receipts/{}", receipt.number)))
        }
        Err(e) if e.code() != "internal" => refused(e.to_string()).await,
        Err(e) => Err(HttpError::from(e).as_page()),
    }
}

async fn issue_code<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, hid)): Path<(i64, i64)>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Html<String>> {
    let form = Fields::parse(&headers, &body)?;
    let scope = app.scope(&caller, id, Act::Collect).await.page()?;
    caller.check_form(form.get("csrf"))?;
    let h = household_row(&app, &scope, hid).await?;
    let code = app.access.issue_household_code(scope.community.id, h.id).await.page()?;
    app.audit(&caller, Some(scope.community.id), "household.code", &household_label(&h)).await;
    household_view(&app, &caller, &scope, &h, None, Some(code)).await
}

async fn receipt<S: AppStore>(State(app): State<App<S>>, Path((id, number)): Path<(i64, i64)>, caller: Caller) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let r = app.fees.receipt(&scope.book, number).await.page()?;
    let r = crate::disclosure::with_check(&app.ledger.store, &scope.book, r, &app.public_url).await.page()?;
    let household_id = app.fees.household_by_label(scope.community.id, &r.household).await.page()?.id.0;
    let may_collect = caller.user().page()?.may(Act::Collect);
    let new_code = app.new_codes.get(&(id, number));
    let data = minijinja::context! { community => community_value(&scope), r, household_id, may_collect, new_code };
    page(&caller, "receipt.html", &r.label, data)
}

async fn receipt_file<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, number)): Path<(i64, i64)>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let r = app.fees.receipt(&scope.book, number).await.page()?;
    let new_code = app.new_codes.get(&(id, number));
    let line = match &new_code {
        Some(code) => CodeLine::New(code),
        None => {
            let h = app.fees.household_by_label(scope.community.id, &r.household).await.page()?;
            if app.access.has_household_code(scope.community.id, h.id).await.page()? {
                CodeLine::Issued
            } else {
                CodeLine::Absent
            }
        }
    };
    let r = crate::disclosure::with_check(&app.ledger.store, &scope.book, r, &app.public_url).await.page()?;
    let pdf = receipt_pdf(&r, Paper::A5, line).page()?;
    let disposition = format!("inline; filename=\"receipt-{number:06}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)], pdf).into_response())
}

/// A void needs an approver: another user, of the community, who may review or keep the
/// books, confirming with their own password.
async fn void<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, number)): Path<(i64, i64)>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let form = Fields::parse(&headers, &body)?;
    let scope = app.scope(&caller, id, Act::Collect).await.page()?;
    caller.check_form(form.get("csrf"))?;
    let approver = approve(&app, &caller, &scope, form.get("approver"), form.get("approver_password")).await.page()?;
    let voided = app.fees.void_receipt(&scope.book, number, form.get("reason"), &approver, today()).await.page()?;
    app.audit(&caller, Some(scope.community.id), "receipt.void", &format!("收据 {}，批准人 {approver}", voided.label)).await;
    Ok(see_other(&format!("/app/c/{id}/receipts/{number}")))
}

/// The approver's username, when their password is right and their role and scope allow it.
pub async fn approve<S: AppStore>(app: &App<S>, caller: &Caller, scope: &Scope, username: &str, password: &str) -> HttpResult<String> {
    let key = format!("login:{}", username.trim());
    if let Err(wait) = app.limits.login_account.check(&key) {
        return Err(HttpError::too_many(wait.as_secs()));
    }
    let approver = match app.access.authenticate(username, password).await {
        Ok(u) => u,
        Err(e) => {
            app.limits.login_account.failed(&key);
            app.audit(caller, Some(scope.community.id), "approve.failed", username).await;
            return Err(HttpError::invalid("批准人", e.to_string()));
        }
    };
    if approver.username == caller.username() {
        return Err(HttpError::invalid("批准人", "批准人不能是收款人本人"));
    }
    if !approver.may(Act::Approve) || !approver.reaches(&scope.community, &scope.street) {
        return Err(HttpError::invalid("批准人", format!("{} 无权批准本社区的作废", approver.username)));
    }
    Ok(approver.username)
}

#[derive(serde::Deserialize)]
struct DayQuery {
    date: Option<String>,
}

async fn takings<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<i64>,
    Query(q): Query<DayQuery>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let date = super::public::date_or_today("date", q.date.as_deref()).page()?;
    let payments = app.fees.payments_on(&scope.book, date).await.page()?;
    let labels: HashMap<HouseholdId, String> =
        app.fees.households(scope.community.id).await.page()?.iter().map(|h| (h.id, household_label(h))).collect();
    let day = crate::fees::reports::takings(&payments);
    let by_method: Vec<Value> = day
        .by_method
        .iter()
        .map(|(method, n, fen)| minijinja::context! { method => method.label(), count => n, amount => fen.to_string() })
        .collect();
    let payments: Vec<Value> = payments
        .iter()
        .map(|p| {
            minijinja::context! {
                number => p.receipt_number, label => receipt_label(p.receipt_number), household => labels.get(&p.household_id).cloned().unwrap_or_default(),
                method => p.method.label(), amount => Fen(p.amount_fen).to_string(), cashier => p.cashier, voided => p.voided,
            }
        })
        .collect();
    let data = minijinja::context! {
        community => community_value(&scope), date => date.to_string(), by_method, count => day.count, total => day.total.to_string(),
        voided => day.voided, payments,
    };
    page(&caller, "takings.html", "交班日报", data)
}
