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

use super::{community_form, page, AsPage, Fields};
use crate::access::{secret, Act};
use crate::app::AppStore;
use crate::domain::capital::capital_amount;
use crate::domain::ids::{BillId, CommunityId, HouseholdId};
use crate::domain::money::Fen;
use crate::fees::paper::receipt::receipt_pdf;
use crate::fees::paper::{handover, CodeLine};
use crate::fees::rows::HouseholdRow;
use crate::fees::search::{find, Found};
use crate::fees::{household_label, receipt_label, Method, PaymentNote, PaymentRequest};
use crate::http::approval::approve;
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::input::today;
use crate::http::{see_other, App, Scope};
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
        .route("/app/c/{community}/takings.pdf", get(takings_pdf::<S>))
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

#[derive(serde::Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

async fn search<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(query): Query<SearchQuery>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let mut found: Vec<(Found, HouseholdRow)> =
        app.fees.households(scope.community.id).await.page()?.into_iter().filter_map(|h| Some((find(&h, &query.q)?, h))).collect();
    // The stored order (by building, unit and room) within each kind of match.
    found.sort_by_key(|(how, _)| *how);
    // A whole house number opens the household: the till's first step is its only one.
    if let [(Found::Exact, h)] = found.iter().filter(|(how, _)| *how == Found::Exact).collect::<Vec<_>>()[..] {
        return Ok(see_other(&format!("/app/c/{id}/households/{}", h.id.0)));
    }
    let more = found.len() > MAX_FOUND;
    found.truncate(MAX_FOUND);
    let ids: Vec<HouseholdId> = found.iter().map(|(_, h)| h.id).collect();
    let owed = app.fees.owed_by(&scope.book, &ids).await.page()?;
    let households: Vec<Value> = found
        .iter()
        .map(|(_, h)| {
            minijinja::context! {
                id => h.id.0, label => household_label(h), owner_name => h.owner_name, phone_tail => phone_tail(&h.phone),
                owed => owed.get(&h.id).copied().unwrap_or(Fen::ZERO).to_string(),
            }
        })
        .collect();
    let data = minijinja::context! { community => community_value(&scope), q => query.q, households, more };
    Ok(page(&caller, "cashier.html", "收费", data)?.into_response())
}

async fn household_row<S: AppStore>(app: &App<S>, scope: &Scope, id: HouseholdId) -> HttpResult<HouseholdRow> {
    app.fees.household(scope.community.id, id).await.page()?.ok_or_else(|| HttpError::not_found().as_page())
}

/// What the cashier typed into the till, kept when a payment is refused or asks for
/// confirmation, so nothing is typed twice.
#[derive(Default, serde::Serialize)]
struct Till {
    key: String,
    amount: String,
    method: String,
    date: String,
    reference: String,
    remark: String,
    late_reason: String,
    bills: Vec<BillId>,
    /// Set when the amount needs the cashier's confirmation: the amount in figures and 大写
    /// and what it exceeds.
    confirm: Option<Confirm>,
}

#[derive(serde::Serialize)]
struct Confirm {
    amount: String,
    words: String,
    above: String,
    /// The amount in fen the confirmation is for: a changed amount asks again.
    fen: i64,
}

impl Till {
    fn from_form(form: &Fields) -> Till {
        Till {
            key: form.get("key").to_string(),
            amount: form.get("amount").to_string(),
            method: form.get("method").to_string(),
            date: form.get("date").to_string(),
            reference: form.get("reference").to_string(),
            remark: form.get("remark").to_string(),
            late_reason: form.get("late_reason").to_string(),
            bills: form.all("bill").filter_map(|b| b.parse().ok().map(BillId)).collect(),
            confirm: None,
        }
    }
}

/// A text field of the till: trimmed, absent when empty, refused past `max` characters.
fn note_field<'a>(form: &'a Fields, name: &str, label: &str, max: usize) -> Result<Option<&'a str>, String> {
    let text = form.get(name).trim();
    match text.chars().count() {
        0 => Ok(None),
        n if n > max => Err(format!("{label}：最多 {max} 个字，现有 {n} 个")),
        _ => Ok(Some(text)),
    }
}

/// The household page; `message` is a refused payment's reason, `code` a code just issued,
/// `till` what was typed (a fresh till when None).
async fn household_view<S: AppStore>(
    app: &App<S>,
    caller: &Caller,
    scope: &Scope,
    h: &HouseholdRow,
    message: Option<String>,
    code: Option<String>,
    till: Option<Till>,
) -> HttpResult<Html<String>> {
    let user = caller.user().page()?;
    let bills = app.fees.open_bills(&scope.book, Some(h.id)).await.page()?;
    let open = Fen(bills.iter().map(|b| b.open_fen).sum());
    let prepaid = app.fees.prepaid(&scope.book, h.id).await.page()?;
    let due = Fen((open.0 - prepaid.0).max(0));
    // Newest first, as every page lists payments.
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
                late => p.entered_late(), reference => p.reference, remark => p.remark,
            }
        })
        .collect();
    let till = till.unwrap_or_else(|| Till {
        key: secret::random_token(),
        amount: if due.0 > 0 { due.to_string() } else { String::new() },
        method: Method::Cash.as_str().to_string(),
        date: today().to_string(),
        ..Till::default()
    });
    let bills: Vec<Value> = bills
        .iter()
        .map(|b| {
            minijinja::context! {
                id => b.id, period => b.period.to_string(), label => b.label(), amount => Fen(b.amount_fen).to_string(),
                open => Fen(b.open_fen).to_string(), open_fen => b.open_fen, ticked => till.bills.contains(&b.id),
            }
        })
        .collect();
    let has_code = code.is_some() || app.access.has_household_code(scope.community.id, h.id).await.page()?;
    let data = minijinja::context! {
        community => community_value(scope),
        household => minijinja::context! { id => h.id.0, label => household_label(h), owner_name => h.owner_name, area => h.area_m2_hundredths.to_string(), phone_tail => phone_tail(&h.phone) },
        bills, open => open.to_string(), prepaid => prepaid.to_string(), prepaid_fen => prepaid.0, payments, message, code, has_code,
        till, today => today().to_string(),
        methods => METHODS.iter().map(|m| (m.as_str(), m.label())).collect::<Vec<_>>(),
        may_collect => user.may(Act::Collect),
    };
    page(caller, "household.html", &household_label(h), data)
}

async fn household<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, hid)): Path<(CommunityId, HouseholdId)>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let h = household_row(&app, &scope, hid).await?;
    household_view(&app, &caller, &scope, &h, None, None, None).await
}

/// A payment as the till's form types it, read and checked before the fee wing is asked.
struct TillPayment<'a> {
    amount: Fen,
    method: Method,
    paid_on: chrono::NaiveDate,
    note: PaymentNote<'a>,
    bill_ids: Vec<BillId>,
}

impl<'a> TillPayment<'a> {
    /// The form's payment, or the reason it is refused, in the order the form is read.
    fn read(form: &'a Fields) -> Result<TillPayment<'a>, String> {
        let amount = Fen::parse(form.get("amount")).map_err(|e| format!("收款金额：“{}”{e}", form.get("amount")))?;
        let method = Method::parse(form.get("method")).ok_or_else(|| "收款方式：须为现金、银行、微信或支付宝".to_string())?;
        let Ok(paid_on) = chrono::NaiveDate::parse_from_str(form.get("date"), "%Y-%m-%d") else {
            return Err(format!("收款日期：“{}”不是日期", form.get("date")));
        };
        if paid_on > today() {
            return Err(format!("收款日期：{paid_on} 晚于今天，不能预先收款"));
        }
        let note = match (
            note_field(form, "reference", "交易单号", 64),
            note_field(form, "remark", "备注", 200),
            note_field(form, "late_reason", "补录原因", 200),
        ) {
            (Ok(reference), Ok(remark), Ok(late_reason)) => {
                PaymentNote { reference: reference.filter(|_| method != Method::Cash), remark, late_reason }
            }
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Err(e),
        };
        if paid_on < today() && note.late_reason.is_none() {
            return Err(format!("补录原因：收款日期 {paid_on} 早于今天，请写明补录原因（如“银行到账次日入账”）"));
        }
        let mut bill_ids = Vec::new();
        for b in form.all("bill") {
            match b.parse::<i64>() {
                Ok(b) => bill_ids.push(BillId(b)),
                Err(_) => return Err(format!("账单：“{b}”不是账单号")),
            }
        }
        Ok(TillPayment { amount, method, paid_on, note, bill_ids })
    }
}

/// The till's payment: refused with the page as typed and the reason on top; an amount above
/// what the household owes plus a year's fees is asked again, in figures and 大写; a payment
/// dated before today needs its 补录原因.
async fn pay<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, hid)): Path<(CommunityId, HouseholdId)>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope) = community_form(&app, &caller, id, Act::Collect, &headers, &body).await?;
    let h = household_row(&app, &scope, hid).await?;
    let again = |message: Option<String>, confirm: Option<Confirm>| async {
        let till = Till { confirm, ..Till::from_form(&form) };
        Ok(household_view(&app, &caller, &scope, &h, message, None, Some(till)).await?.into_response())
    };
    let refused = |message: String| again(Some(message), None);
    let TillPayment { amount, method, paid_on, note, bill_ids } = match TillPayment::read(&form) {
        Ok(typed) => typed,
        Err(message) => return refused(message).await,
    };
    let above = app.fees.confirm_above(&scope.book, h.id).await.page()?;
    if amount > above && form.get("confirmed") != amount.0.to_string() {
        let confirm = Confirm { amount: amount.to_string(), words: capital_amount(amount), above: above.to_string(), fen: amount.0 };
        return again(None, Some(confirm)).await;
    }
    let req = PaymentRequest {
        household_id: hid,
        amount,
        method,
        paid_on,
        idempotency_key: form.get("key"),
        cashier: caller.username(),
        bill_ids: (!bill_ids.is_empty()).then_some(bill_ids),
        note,
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
    Path((id, hid)): Path<(CommunityId, HouseholdId)>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Html<String>> {
    let (_, scope) = community_form(&app, &caller, id, Act::Collect, &headers, &body).await?;
    let h = household_row(&app, &scope, hid).await?;
    let code = app.access.issue_household_code(scope.community.id, h.id).await.page()?;
    app.audit(&caller, Some(scope.community.id), "household.code", &household_label(&h)).await;
    household_view(&app, &caller, &scope, &h, None, Some(code), None).await
}

async fn receipt<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, number)): Path<(CommunityId, i64)>,
    caller: Caller,
) -> HttpResult<Html<String>> {
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
    Path((id, number)): Path<(CommunityId, i64)>,
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
    Path((id, number)): Path<(CommunityId, i64)>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope) = community_form(&app, &caller, id, Act::Collect, &headers, &body).await?;
    let approver = approve(&app, &caller, &scope, form.get("approver"), form.get("approver_password")).await.page()?;
    let voided = app.fees.void_receipt(&scope.book, number, form.get("reason"), &approver, today()).await.page()?;
    app.audit(&caller, Some(scope.community.id), "receipt.void", &format!("收据 {}，批准人 {approver}", voided.label)).await;
    Ok(see_other(&format!("/app/c/{id}/receipts/{number}")))
}

#[derive(serde::Deserialize)]
struct DayQuery {
    date: Option<String>,
    /// Whose shift: a username, or empty for the whole counter. Unset: the caller's own when
    /// they took payments that day.
    cashier: Option<String>,
}

/// A day's payments of one cashier (or all), with the household labels, as the 交班日报
/// shows them; `cashier` is whose they are (None: everyone's) and `cashiers` who took any.
struct Shift {
    date: chrono::NaiveDate,
    cashier: Option<String>,
    cashiers: Vec<String>,
    payments: Vec<crate::fees::rows::PaymentRow>,
    labels: HashMap<HouseholdId, String>,
}

async fn shift<S: AppStore>(app: &App<S>, caller: &Caller, scope: &Scope, q: &DayQuery) -> HttpResult<Shift> {
    let date = crate::http::input::date_or_today("date", q.date.as_deref()).page()?;
    let all = app.fees.payments_on(&scope.book, date).await.page()?;
    let mut cashiers: Vec<String> = Vec::new();
    for p in &all {
        if !cashiers.contains(&p.cashier) {
            cashiers.push(p.cashier.clone());
        }
    }
    let cashier = match q.cashier.as_deref().map(str::trim) {
        Some("") => None,
        Some(name) => Some(name.to_string()),
        None => cashiers.iter().find(|c| *c == caller.username()).cloned(),
    };
    let payments = all.into_iter().filter(|p| cashier.as_ref().is_none_or(|c| *c == p.cashier)).collect();
    let labels = app.fees.households(scope.community.id).await.page()?.iter().map(|h| (h.id, household_label(h))).collect();
    Ok(Shift { date, cashier, cashiers, payments, labels })
}

async fn takings<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<DayQuery>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let shift = shift(&app, &caller, &scope, &q).await?;
    let day = crate::fees::reports::takings(&shift.payments);
    let by_method: Vec<Value> = day
        .by_method
        .iter()
        .map(|(method, n, fen)| minijinja::context! { method => method.label(), count => n, amount => fen.to_string() })
        .collect();
    // Newest first, as every page lists payments (the printed report keeps receipt order).
    let payments: Vec<Value> = shift
        .payments
        .iter()
        .rev()
        .map(|p| {
            minijinja::context! {
                number => p.receipt_number, label => receipt_label(p.receipt_number), household => shift.labels.get(&p.household_id).cloned().unwrap_or_default(),
                method => p.method.label(), amount => Fen(p.amount_fen).to_string(), cashier => p.cashier, voided => p.voided,
                status => handover::status(p), reference => p.reference, remark => p.remark, late_reason => p.late_reason,
            }
        })
        .collect();
    let cash = handover::cash_due(&shift.payments);
    let data = minijinja::context! {
        community => community_value(&scope), date => shift.date.to_string(), by_method, count => day.count, total => day.total.to_string(),
        voided => day.voided, payments, cashier => shift.cashier, cashiers => shift.cashiers, cash => cash.to_string(),
        cash_words => capital_amount(cash),
    };
    page(&caller, "takings.html", "交班日报", data)
}

/// The 交班日报 to print and sign at the hand-over.
async fn takings_pdf<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<DayQuery>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let shift = shift(&app, &caller, &scope, &q).await?;
    let paper = handover::Shift {
        book: &scope.book.row.name,
        community: &scope.community.name,
        date: shift.date,
        cashier: shift.cashier.as_deref(),
    };
    let pdf = handover::handover_pdf(&paper, &shift.payments, &shift.labels).page()?;
    let disposition = format!("inline; filename=\"handover-{}.pdf\"", shift.date);
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)], pdf).into_response())
}
