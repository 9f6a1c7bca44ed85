//! The accountant's and reviewer's pages (会计、审核): vouchers entered with accounts looked up
//! by code, name or pinyin initials, reviewed, posted and reversed in red; a billing run with a
//! preview before it is posted; period close and year-end; and the reports, each as a page and
//! as CSV and XLSX downloads. Every page works on one book of the community (`?book=`, the
//! company's by default).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;

use super::{community_form, page, AsPage, Fields};
use crate::access::Act;
use crate::app::AppStore;
use crate::domain::ids::{CommunityId, HouseholdId, VoucherId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::Error;
use crate::fees::store::FeesTx;
use crate::http::books::{
    act_needed, bill, book_of, close_or_year_end, day_close, household_import, line_input, report_act, report_table, voucher_act,
    BookQuery, ReportQuery, IMPORT_LIMIT_BYTES, REPORTS,
};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::input::today;
use crate::http::{see_other, App, Scope};
use crate::ledger::daily::waits_for_day_close;
use crate::ledger::lookup::full_name;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::{voucher_label, VoucherInput, VoucherStatus};
use crate::ledger::{describe, Book};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/app/c/{community}/vouchers", get(list::<S>).post(create::<S>))
        .route("/app/c/{community}/vouchers/new", get(new_form::<S>))
        .route("/app/c/{community}/vouchers/batch", post(batch::<S>))
        .route("/app/c/{community}/vouchers/{id}/edit", get(edit_form::<S>).post(edit::<S>))
        .route("/app/c/{community}/vouchers/{id}", get(show::<S>))
        .route("/app/c/{community}/vouchers/{id}/{action}", post(act::<S>))
        .route("/app/c/{community}/billing", get(billing_form::<S>).post(billing::<S>))
        .route(
            "/app/c/{community}/households/import",
            get(import_form::<S>).post(import::<S>).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT_BYTES)),
        )
        .route("/app/c/{community}/close", post(close::<S>))
        .route("/app/c/{community}/day-close", post(day_close_form::<S>))
        .route("/app/c/{community}/reports/{kind}", get(report_page::<S>))
}

/// Lines a voucher form offers; a voucher needs at least two.
const FORM_LINES: usize = 6;
/// Lines "添加 4 行" adds to the form.
const MORE_LINES: usize = 4;
/// The most lines the form takes (a day's summary voucher may have hundreds).
const MAX_FORM_LINES: usize = 500;
const MAX_LISTED: i64 = 500;

fn base(scope: &Scope, book: &Book) -> Value {
    minijinja::context! {
        community => minijinja::context! { id => scope.community.id.0, name => scope.community.name },
        book => minijinja::context! { code => book.row.code, name => book.row.name },
    }
}

/// A form posted on a book's page: its fields, once the caller's role may `act` in the
/// community and the form's CSRF token is the session's, and the book it names.
async fn book_form<S: AppStore>(
    app: &App<S>,
    caller: &Caller,
    id: CommunityId,
    act: Act,
    q: &BookQuery,
    headers: &HeaderMap,
    body: &Bytes,
) -> HttpResult<(Fields, Scope, Arc<Book>)> {
    let (form, scope) = community_form(app, caller, id, act, headers, body).await?;
    let book = book_of(app, &scope, q.book.as_deref()).await.page()?;
    Ok((form, scope, book))
}

/// The month given as `field`, or this month when none (or an empty one) is given.
fn month_of(field: &str, text: Option<&str>) -> HttpResult<Period> {
    Ok(super::month_given(field, text.filter(|t| !t.is_empty())).page()?.unwrap_or_else(|| Period::of_date(today())))
}

/// The month given as `field`, or the book's working month (its open one) when none is given.
async fn month_or_working<S: AppStore>(app: &App<S>, book: &Book, field: &str, text: Option<&str>) -> HttpResult<Period> {
    match super::month_given(field, text.filter(|t| !t.is_empty())).page()? {
        Some(p) => Ok(p),
        None => app.ledger.working_period(book, today()).await.page(),
    }
}

async fn list<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    let book = book_of(&app, &scope, q.book.as_deref()).await.page()?;
    let period = month_or_working(&app, &book, "period", q.period.as_deref()).await?;
    let mut tx = app.ledger.store.read().await.page()?;
    let vouchers = tx.vouchers(book.key(), period, period, MAX_LISTED).await.page()?;
    // Every fee voucher waiting for the day's close, of any month (the close takes them all).
    let waiting = tx.daily_drafts(book.key(), crate::fees::daily::LAST_DAY).await.page()?;
    drop(tx);
    // 待审核: the drafts a reviewer can take now (not those waiting for the day's close).
    let waiting_review = q.status.as_deref() == Some("draft");
    let rows: Vec<Value> = vouchers
        .iter()
        .filter(|v| !waiting_review || (v.status == VoucherStatus::Draft && !waits_for_day_close(v)))
        .map(|v| {
            minijinja::context! {
                id => v.id, date => v.voucher_date.to_string(), label => v.number.map(voucher_label).unwrap_or_else(|| format!("草稿 #{}", v.id)),
                status => if waits_for_day_close(v) { "待日结" } else { v.status.label() }, maker => v.maker, reviewer => v.reviewer,
            }
        })
        .collect();
    let user = caller.user().page()?;
    let data = minijinja::context! {
        period => period.to_string(), vouchers => rows, may_keep => user.may(Act::Keep), may_review => user.may(Act::Review),
        waiting => waiting.len(), waiting_from => waiting.first().map(|w| w.1.to_string()),
        waiting_through => waiting.last().map(|w| w.1.to_string()),
        status => q.status, done => q.done, skipped => q.skipped,
        ..base(&scope, &book)
    };
    page(&caller, "vouchers.html", "凭证", data)
}

/// The leaf accounts, for the form's lookup list (code and full name).
fn leaf_accounts(book: &Book) -> Vec<(String, String)> {
    book.chart.values().filter(|a| a.is_leaf).map(|a| (a.code.to_string(), full_name(&book.chart, a))).collect()
}

async fn new_form<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Keep).await.page()?;
    let book = book_of(&app, &scope, q.book.as_deref()).await.page()?;
    // 复制: a voucher's lines again, dated today.
    let typed = match q.copy {
        Some(voucher) => Fields(voucher_fields(&app, &scope, &book, voucher).await?.into_iter().filter(|(k, _)| k != "date").collect()),
        None => Fields(Vec::new()),
    };
    voucher_form(&caller, &scope, &book, None, &typed, None)
}

/// A stored voucher as the form's fields (date, attachments, each line's), to edit or copy.
async fn voucher_fields<S: AppStore>(app: &App<S>, scope: &Scope, book: &Book, voucher: VoucherId) -> HttpResult<Vec<(String, String)>> {
    let (v, lines) = app.ledger.voucher(book, voucher).await.page()?;
    let labels: std::collections::HashMap<HouseholdId, String> = if lines.iter().any(|l| l.household_id.is_some()) {
        app.fees.households(scope.community.id).await.page()?.iter().map(|h| (h.id, crate::fees::household_label(h))).collect()
    } else {
        std::collections::HashMap::new()
    };
    let yuan = |fen: i64| if fen == 0 { String::new() } else { Fen(fen).to_string() };
    let mut fields = vec![("date".to_string(), v.voucher_date.to_string()), ("attachments".to_string(), v.attachments.to_string())];
    for (i, l) in lines.iter().enumerate() {
        let account = book.account_by_id(l.account_id).map(|a| format!("{} {}", a.code, full_name(&book.chart, a))).unwrap_or_default();
        let household = l.household_id.and_then(|h| labels.get(&h).cloned()).unwrap_or_default();
        for (name, value) in [
            ("summary", l.summary.clone()),
            ("account", account),
            ("debit", yuan(l.debit_fen)),
            ("credit", yuan(l.credit_fen)),
            ("household", household),
        ] {
            fields.push((format!("{name}{i}"), value));
        }
    }
    fields.push(("lines".to_string(), lines.len().max(FORM_LINES).to_string()));
    Ok(fields)
}

/// How many lines the form shows: as many as typed (`lines`), at least FORM_LINES, and
/// MORE_LINES more when 添加 was pressed.
fn form_lines(typed: &Fields) -> usize {
    let typed_lines = typed.get("lines").parse::<usize>().unwrap_or(FORM_LINES).clamp(FORM_LINES, MAX_FORM_LINES);
    let more = if typed.get("action") == "more" { MORE_LINES } else { 0 };
    (typed_lines + more).min(MAX_FORM_LINES)
}

/// The voucher form, new (`editing` None) or a draft's (修改), as typed so far.
fn voucher_form(
    caller: &Caller,
    scope: &Scope,
    book: &Book,
    message: Option<String>,
    typed: &Fields,
    editing: Option<VoucherId>,
) -> HttpResult<Html<String>> {
    let lines: Vec<Value> = (0..form_lines(typed))
        .map(|i| {
            let f = |name: &str| typed.get(&format!("{name}{i}")).to_string();
            minijinja::context! { n => i, summary => f("summary"), account => f("account"), debit => f("debit"), credit => f("credit"), household => f("household") }
        })
        .collect();
    let date = match typed.get("date") {
        "" => today().to_string(),
        d => d.to_string(),
    };
    // 现金流量指定: the item of the voucher's cash lines, where the book keeps a 现金流量表.
    let cash_flow_items: Vec<(String, String)> = match crate::ledger::cash_flow::CashFlowRules::shipped() {
        Ok(rules) if book.row.chart == crate::ledger::cash_flow::CHART => {
            rules.items.iter().map(|i| (i.line.to_string(), i.label.clone())).collect()
        }
        _ => Vec::new(),
    };
    let data = minijinja::context! {
        accounts => leaf_accounts(book), line_count => lines.len(), lines, date, attachments => typed.get("attachments"), message,
        cash_flow_items, cash_flow => typed.get("cash_flow"), editing,
        ..base(scope, book)
    };
    page(caller, "voucher_new.html", if editing.is_some() { "修改凭证" } else { "录入凭证" }, data)
}

/// A voucher as typed into the form; a line left blank is skipped.
async fn typed_voucher<S: AppStore>(app: &App<S>, scope: &Scope, book: &Book, form: &Fields) -> crate::Result<VoucherInput> {
    let date = chrono::NaiveDate::parse_from_str(form.get("date"), "%Y-%m-%d")
        .map_err(|_| Error::invalid("日期", format!("“{}”不是日期，应写作 2025-01-31", form.get("date"))))?;
    let attachments = match form.get("attachments").trim() {
        "" => 0,
        n => n.parse::<u32>().map_err(|_| Error::invalid("附单据", format!("“{n}”不是张数")))?,
    };
    let mut lines = Vec::new();
    for i in 0..form_lines(form) {
        let f = |name: &str| form.get(&format!("{name}{i}")).trim().to_string();
        let (summary, account, debit, credit, household) = (f("summary"), f("account"), f("debit"), f("credit"), f("household"));
        if [&summary, &account, &debit, &credit, &household].iter().all(|s| s.is_empty()) {
            continue;
        }
        lines.push(line_input(app, scope, book, i + 1, [&summary, &account, &debit, &credit, &household]).await?);
    }
    if let Some(item) = match form.get("cash_flow").trim() {
        "" => None,
        n => Some(n.parse::<i64>().map_err(|_| Error::invalid("现金流量项目", format!("“{n}”不是现金流量表的行次")))?),
    } {
        crate::ledger::cash_flow::CashFlowRules::shipped()?.assign(&mut lines, item);
    }
    Ok(VoucherInput { date, attachments, lines })
}

async fn create<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope, book) = book_form(&app, &caller, id, Act::Keep, &q, &headers, &body).await?;
    if form.get("action") == "more" {
        return Ok(voucher_form(&caller, &scope, &book, None, &form, None)?.into_response());
    }
    let drafted = match typed_voucher(&app, &scope, &book, &form).await {
        Ok(input) => app.ledger.draft(&book, caller.username(), &input).await,
        Err(e) => Err(e),
    };
    match drafted {
        Ok(voucher) => {
            app.audit(&caller, Some(scope.community.id), "voucher.draft", &format!("{} 草稿 #{voucher}", book.row.code)).await;
            Ok(see_other(&format!("/app/c/{id}/vouchers/{voucher}?book={}", book.row.code)))
        }
        Err(e) if e.code() != "internal" => Ok(voucher_form(&caller, &scope, &book, Some(e.to_string()), &form, None)?.into_response()),
        Err(e) => Err(HttpError::from(e).as_page()),
    }
}

/// 修改: the maker's own draft in the form.
async fn edit_form<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, voucher)): Path<(CommunityId, VoucherId)>,
    Query(q): Query<BookQuery>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Keep).await.page()?;
    let book = book_of(&app, &scope, q.book.as_deref()).await.page()?;
    let typed = Fields(voucher_fields(&app, &scope, &book, voucher).await?);
    voucher_form(&caller, &scope, &book, None, &typed, Some(voucher))
}

/// 修改 saved: the draft's date, attachments and lines replaced (the ledger refuses another's
/// draft and one already reviewed).
async fn edit<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, voucher)): Path<(CommunityId, VoucherId)>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope, book) = book_form(&app, &caller, id, Act::Keep, &q, &headers, &body).await?;
    if form.get("action") == "more" {
        return Ok(voucher_form(&caller, &scope, &book, None, &form, Some(voucher))?.into_response());
    }
    let edited = match typed_voucher(&app, &scope, &book, &form).await {
        Ok(input) => app.ledger.edit_draft(&book, voucher, caller.username(), &input).await,
        Err(e) => Err(e),
    };
    match edited {
        Ok(()) => {
            app.audit(&caller, Some(scope.community.id), "voucher.edit", &format!("{} 草稿 #{voucher}", book.row.code)).await;
            Ok(see_other(&format!("/app/c/{id}/vouchers/{voucher}?book={}", book.row.code)))
        }
        Err(e) if e.code() != "internal" => {
            Ok(voucher_form(&caller, &scope, &book, Some(e.to_string()), &form, Some(voucher))?.into_response())
        }
        Err(e) => Err(HttpError::from(e).as_page()),
    }
}

/// 批量审核 / 批量记账: every voucher of the month the reviewer may take, at once; those left
/// (their own, or refused) are named on the list.
async fn batch<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope, book) = book_form(&app, &caller, id, Act::Review, &q, &headers, &body).await?;
    let period = month_of("period", Some(form.get("period")))?;
    let (action, done) = match form.get("action") {
        "review" => ("review", app.ledger.review_month(&book, period, caller.username()).await.page()?),
        "post" => ("post", app.ledger.post_month(&book, period, caller.username()).await.page()?),
        other => return Err(HttpError::invalid("action", format!("“{other}”应为 review 或 post")).as_page()),
    };
    let target = format!("{} {period} {} 张，未处理 {} 张", book.row.code, done.done.len(), done.skipped.len());
    app.audit(&caller, Some(scope.community.id), &format!("voucher.batch_{action}"), &target).await;
    Ok(see_other(&format!(
        "/app/c/{id}/vouchers?book={}&period={period}&done={}&skipped={}",
        book.row.code,
        done.done.len(),
        done.skipped.len()
    )))
}

async fn show<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, voucher)): Path<(CommunityId, VoucherId)>,
    Query(q): Query<BookQuery>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    let book = book_of(&app, &scope, q.book.as_deref()).await.page()?;
    let (v, lines) = app.ledger.voucher(&book, voucher).await.page()?;
    let user = caller.user().page()?;
    let rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            let account = book.account_by_id(l.account_id).map(|a| format!("{} {}", a.code, full_name(&book.chart, a))).unwrap_or_default();
            minijinja::context! { summary => l.summary, account, debit => Fen(l.debit_fen).to_string(), credit => Fen(l.credit_fen).to_string() }
        })
        .collect();
    let debit = Fen(lines.iter().map(|l| l.debit_fen).sum());
    let own = v.maker == user.username;
    let own_draft = own && v.status == VoucherStatus::Draft && user.may(Act::Keep) && !waits_for_day_close(&v);
    let data = minijinja::context! {
        may_edit => own_draft && v.kind == crate::ledger::voucher::VoucherKind::Normal, may_delete => own_draft,
        may_copy => user.may(Act::Keep),
        v => minijinja::context! {
            id => v.id, label => describe(&v), date => v.voucher_date.to_string(), status => v.status.label(), attachments => v.attachments,
            maker => v.maker, reviewer => v.reviewer, poster => v.poster, hash => v.hash,
        },
        lines => rows, total => debit.to_string(),
        may_review => user.may(Act::Review) && v.status == VoucherStatus::Draft && !own && !waits_for_day_close(&v),
        waits_for_day_close => waits_for_day_close(&v),
        may_unreview => user.may(Act::Review) && v.status == VoucherStatus::Reviewed,
        may_post => user.may(Act::Review) && v.status == VoucherStatus::Reviewed,
        may_reverse => user.may(Act::Keep) && v.status == VoucherStatus::Posted,
        today => today().to_string(),
        ..base(&scope, &book)
    };
    page(&caller, "voucher.html", &describe(&v), data)
}

/// review, unreview, post, reverse: each by the role it needs, each audited.
async fn act<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, voucher, action)): Path<(CommunityId, VoucherId, String)>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let needs = act_needed(&action).ok_or_else(|| HttpError::not_found().as_page())?;
    let (form, scope, book) = book_form(&app, &caller, id, needs, &q, &headers, &body).await?;
    let date = chrono::NaiveDate::parse_from_str(form.get("date"), "%Y-%m-%d").unwrap_or_else(|_| today());
    let shown = voucher_act(&app, &caller, &scope, &book, voucher, &action, date).await.page()?;
    if action == "delete" {
        return Ok(see_other(&format!("/app/c/{id}/vouchers?book={}", book.row.code)));
    }
    Ok(see_other(&format!("/app/c/{id}/vouchers/{shown}?book={}", book.row.code)))
}

async fn import_form<S: AppStore>(State(app): State<App<S>>, Path(id): Path<CommunityId>, caller: Caller) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Keep).await.page()?;
    page(&caller, "households_import.html", "导入住户", base(&scope, &scope.book))
}

/// A household file uploaded (CSV or XLSX): imported whole, or refused whole with every bad
/// row listed by row and column.
async fn import<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    caller: Caller,
    mut form: axum::extract::Multipart,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Keep).await.page()?;
    let file = super::upload(&caller, &mut form).await?;
    let (status, data) = match household_import(&app, &caller, &scope, &file).await.page()? {
        Ok(result) => (StatusCode::OK, minijinja::context! { result, ..base(&scope, &scope.book) }),
        Err((heading, problems)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, minijinja::context! { heading, problems, ..base(&scope, &scope.book) })
        }
    };
    super::page_with(status, &caller, "households_import.html", "导入住户", data)
}

async fn billing_form<S: AppStore>(State(app): State<App<S>>, Path(id): Path<CommunityId>, caller: Caller) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Keep).await.page()?;
    let all = app.fees.billing_runs(&scope.book).await.page()?;
    // The month after the last one billed: the next to bill, not today's month.
    let next = match all.iter().map(|(r, _)| r.period).max() {
        Some(last) => last.next(),
        None => app.ledger.working_period(&scope.book, today()).await.page()?,
    };
    let runs: Vec<Value> = all
        .iter()
        .rev()
        .take(24)
        .map(|(r, voucher)| minijinja::context! { id => r.id, period => r.period.to_string(), bills => r.bills, total => Fen(r.total_fen).to_string(), voucher })
        .collect();
    let data = minijinja::context! { runs, period => next.to_string(), ..base(&scope, &scope.book) };
    page(&caller, "billing.html", "计费", data)
}

/// `preview` shows what the run would bill (made and rolled back); `run` bills and posts.
async fn billing<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Html<String>> {
    let (form, scope) = community_form(&app, &caller, id, Act::Keep, &headers, &body).await?;
    let period = month_of("period", Some(form.get("period")))?;
    let run = form.get("action") == "run";
    let result = bill(&app, &caller, &scope, period, run).await.page()?;
    let data =
        minijinja::context! { result, period => period.to_string(), done => run, runs => Vec::<Value>::new(), ..base(&scope, &scope.book) };
    page(&caller, "billing.html", "计费", data)
}

/// 日结 on the pages: the reviewer reviews and posts the fee vouchers waiting up to a date.
async fn day_close_form<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope, book) = book_form(&app, &caller, id, Act::Review, &q, &headers, &body).await?;
    let through = crate::http::input::date("date", form.get("date")).page()?;
    day_close(&app, &caller, &scope, &book, through).await.page()?;
    Ok(see_other(&format!("/app/c/{id}/vouchers?book={}&period={}", book.row.code, Period::of_date(through))))
}

/// 结账 of a month, or the year-end carry-forward draft (年末损益结转).
async fn close<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    Query(q): Query<BookQuery>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let (form, scope, book) = book_form(&app, &caller, id, Act::Keep, &q, &headers, &body).await?;
    let period = month_of("period", Some(form.get("period")))?;
    let year_end = form.get("action") == "year_end";
    Ok(match close_or_year_end(&app, &caller, &scope, &book, period, year_end).await.page()? {
        Some(v) => see_other(&format!("/app/c/{id}/vouchers/{v}?book={}", book.row.code)),
        None => see_other(&format!("/app/c/{id}/vouchers?book={}&period={period}", book.row.code)),
    })
}

async fn report_page<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, kind)): Path<(CommunityId, String)>,
    Query(q): Query<ReportQuery>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, report_act(&kind)).await.page()?;
    let book = book_of(&app, &scope, q.book.as_deref()).await.page()?;
    let title = REPORTS.iter().find(|(k, _)| *k == kind).map(|(_, t)| *t).ok_or_else(|| HttpError::not_found().as_page())?;
    let given = |v: &Option<String>| v.as_deref().is_some_and(|t| !t.trim().is_empty());
    // 明细账 and 住户对账单 open on their picker: an account or a household is asked for first.
    let asks = match kind.as_str() {
        "ledger" if !given(&q.account) => Some("请选择科目（可输入编码、名称或拼音首字母）"),
        "statement" if !given(&q.household) => Some("请输入住户门牌号，如 1-1-101"),
        _ => None,
    };
    let to = match q.to.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None => app.ledger.working_period(&book, today()).await.page()?.to_string(),
    };
    if let Some(ask) = asks {
        let data = minijinja::context! {
            kind, title, ask, reports => REPORTS, accounts => leaf_accounts(&book),
            q => minijinja::context! { from => q.from, to, account => q.account, household => q.household, level => q.level.unwrap_or(1) },
            ..base(&scope, &book)
        };
        return Ok(page(&caller, "report.html", title, data)?.into_response());
    }
    let table = report_table(&app, &scope, &book, &kind, &q).await.page()?;
    match q.format.as_deref() {
        Some(format @ ("csv" | "xlsx")) => super::table_file(&table, title, format),
        Some("pdf") => {
            let to = q.to.as_deref().and_then(Period::parse).map_or_else(today, |p| p.last_day());
            let bytes = crate::report::paper::table_pdf(&table, to).page()?;
            Ok((
                [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, super::attachment(title, "pdf"))],
                bytes,
            )
                .into_response())
        }
        _ => {
            let headers: Vec<(String, bool)> =
                table.headers.iter().map(|(h, a)| (h.clone(), matches!(a, crate::render::table::Align::Right))).collect();
            let data = minijinja::context! {
                kind, title, table => minijinja::context! { title => table.title, subtitle => table.subtitle, headers, rows => table.rows, footer => table.footer },
                reports => REPORTS, accounts => if kind == "ledger" { leaf_accounts(&book) } else { Vec::new() },
                q => minijinja::context! { from => q.from, to, account => q.account, household => q.household, level => q.level.unwrap_or(1) },
                ..base(&scope, &book)
            };
            Ok(page(&caller, "report.html", title, data)?.into_response())
        }
    }
}
