//! Arrears on the pages: 催缴通知单 for a chosen set of households as one PDF, and 减免 of a
//! bill with an approver's password, as the command line's `dunning` and `waive` do.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;

use super::{community_form, page, AsPage};
use crate::access::Act;
use crate::app::AppStore;
use crate::domain::ids::{BillId, CommunityId, HouseholdId};
use crate::domain::money::Fen;
use crate::fees::household_label;
use crate::fees::paper::dunning::{dunning_pdf, Notice};
use crate::fees::paper::CodeLine;
use crate::fees::reports::{household_statement, in_arrears, DunningSelection};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::{see_other, App};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/app/c/{community}/dunning", get(list::<S>))
        .route("/app/c/{community}/dunning.pdf", post(notices::<S>))
        .route("/app/c/{community}/households/{household}/waive", post(waive::<S>))
}

/// The notices' selection as the page's form gives it (GET for the list, POST for the PDF).
#[derive(serde::Deserialize, Default)]
struct Filter {
    building: Option<String>,
    min_months: Option<String>,
    min_amount: Option<String>,
    date: Option<String>,
    pay_by: Option<String>,
    contact: Option<String>,
}

/// The selection, as-of date, pay-by date and contact a filter names; a bad field is refused.
fn selection(f: &Filter) -> HttpResult<(DunningSelection, chrono::NaiveDate, chrono::NaiveDate, String)> {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_string();
    let min_months = match text(&f.min_months).as_str() {
        "" => 1,
        t => t.parse::<usize>().map_err(|_| HttpError::invalid("至少欠费月数", format!("“{t}”不是整数")).as_page())?,
    };
    let min_overdue = match text(&f.min_amount).as_str() {
        "" => Fen(1),
        t => Fen::parse(t).map_err(|e| HttpError::invalid("欠费不少于", format!("“{t}”{e}")).as_page())?,
    };
    let as_of = crate::http::input::date_or_today("截至日期", f.date.as_deref()).page()?;
    let pay_by = match text(&f.pay_by).as_str() {
        "" => as_of + chrono::Duration::days(15),
        t => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| HttpError::invalid("缴费期限", format!("“{t}”不是日期，应写作 2025-01-31")).as_page())?,
    };
    let buildings: Vec<String> = text(&f.building).split([',', '，', ' ']).filter(|b| !b.is_empty()).map(str::to_string).collect();
    let contact = Some(text(&f.contact)).filter(|c| !c.is_empty()).unwrap_or_else(|| "物业服务中心".to_string());
    Ok((DunningSelection { buildings, min_months, min_overdue, households: Vec::new() }, as_of, pay_by, contact))
}

/// The households in arrears the filter names, each to be ticked for a notice.
async fn list<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(f): Query<Filter>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::ReadHouseholds).await.page()?;
    let (select, as_of, pay_by, contact) = selection(&f)?;
    let found = in_arrears(&app.ledger.store, &scope.book, as_of, &select).await.page()?;
    let total = Fen(found.iter().map(|h| h.overdue.0).sum());
    let rows: Vec<Value> = found
        .iter()
        .map(|h| {
            minijinja::context! {
                id => h.household.id.0, label => household_label(&h.household), owner_name => h.household.owner_name,
                months => h.overdue_months, overdue => h.overdue.to_string(),
            }
        })
        .collect();
    let data = minijinja::context! {
        community => minijinja::context! { id => scope.community.id.0, name => scope.community.name },
        rows, total => total.to_string(), date => as_of.to_string(), pay_by => pay_by.to_string(), contact,
        building => select.buildings.join(","), min_months => select.min_months, min_amount => f.min_amount.unwrap_or_default(),
        may_collect => caller.user().page()?.may(Act::Collect),
    };
    page(&caller, "dunning.html", "催缴通知单", data)
}

/// The notices of the ticked households, one page each, as one PDF. A household without an
/// access code gets one printed on its notice, so this is a form that writes (POST).
async fn notices<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope) = community_form(&app, &caller, id, Act::Collect, &headers, &body).await?;
    let field = |name: &str| Some(form.get(name).to_string());
    let filter = Filter {
        building: field("building"),
        min_months: field("min_months"),
        min_amount: field("min_amount"),
        date: field("date"),
        pay_by: field("pay_by"),
        contact: field("contact"),
    };
    let (mut select, as_of, pay_by, contact) = selection(&filter)?;
    select.households = form.all("household").map(str::to_string).collect();
    if select.households.is_empty() {
        return Err(HttpError::invalid("住户", "请至少勾选一户").as_page());
    }
    let chosen = in_arrears(&app.ledger.store, &scope.book, as_of, &select).await.page()?;
    let mut statements = Vec::with_capacity(chosen.len());
    for h in &chosen {
        statements.push(household_statement(&app.ledger.store, &scope.book, &h.household, as_of).await.page()?);
    }
    let ids: Vec<HouseholdId> = chosen.iter().map(|h| h.household.id).collect();
    let codes = app.access.codes_for_paper(scope.community.id, &ids).await.page()?;
    let code_by_label: std::collections::HashMap<String, &String> =
        chosen.iter().filter_map(|h| Some((household_label(&h.household), codes.get(&h.household.id)?))).collect();
    for label in code_by_label.keys() {
        app.audit(&caller, Some(scope.community.id), "household.code", label).await;
    }
    let notice = Notice { company: &scope.book.row.name, as_of, pay_by, contact: &contact };
    let line =
        |s: &crate::fees::reports::HouseholdStatement| code_by_label.get(&s.household).map_or(CodeLine::Issued, |c| CodeLine::New(c));
    let (pdf, count) = dunning_pdf(&notice, &statements, line).page()?;
    app.audit(&caller, Some(scope.community.id), "dunning.print", &format!("{as_of} {count} 份")).await;
    let disposition = format!("inline; filename=\"dunning-{as_of}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)], pdf).into_response())
}

/// 减免 of one of the household's bills: another user who may approve confirms with their
/// password, as a void does.
async fn waive<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, hid)): Path<(CommunityId, HouseholdId)>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope) = community_form(&app, &caller, id, Act::Collect, &headers, &body).await?;
    let h = app.fees.household(scope.community.id, hid).await.page()?.ok_or_else(|| HttpError::not_found().as_page())?;
    let bill_id =
        form.get("bill").parse::<i64>().map(BillId).map_err(|_| HttpError::invalid("减免账单", "请选择要减免的账单").as_page())?;
    if !app.fees.open_bills(&scope.book, Some(h.id)).await.page()?.iter().any(|b| b.id == bill_id) {
        return Err(HttpError::invalid("减免账单", format!("账单 #{bill_id} 不是住户 {} 的未结清账单", household_label(&h))).as_page());
    }
    let amount =
        Fen::parse(form.get("amount")).map_err(|e| HttpError::invalid("减免金额", format!("“{}”{e}", form.get("amount"))).as_page())?;
    let date = crate::http::input::date_or_today("减免日期", Some(form.get("date"))).page()?;
    let approver =
        crate::http::approval::approve(&app, &caller, &scope, form.get("approver"), form.get("approver_password")).await.page()?;
    let waived = app.fees.waive(&scope.book, bill_id, amount, form.get("reason"), &approver, date).await.page()?;
    app.audit(&caller, Some(scope.community.id), "bill.waive", &format!("{} {amount}，批准人 {approver}", waived.bill)).await;
    Ok(see_other(&format!("/app/c/{id}/households/{hid}")))
}
