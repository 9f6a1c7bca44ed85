//! The subsidy pages (补贴): a community's programs with their money to date and their
//! reconciliations; the forms each role fills (the accountant: a program, a receipt, an
//! expense, the month's release; the finance office: a disbursement); a reconciliation's
//! statement with its sign-off buttons and its PDF and XLSX. The bodies the forms and the API
//! share (`ProgramIn`, …) are read in `http::subsidy_input`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;

use super::{page, AsPage, Fields};
use crate::access::{Act, User};
use crate::app::AppStore;
use crate::domain::category::Category;
use crate::domain::ids::{CommunityId, ReconciliationId, SpendingId};
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::http::books::book_of;
use crate::http::error::HttpResult;
use crate::http::extract::Caller;
use crate::http::input::{amount, date};
use crate::http::subsidy_input::{statement_file, DisbursementIn, ExpenseIn, ProgramIn, ReceiptIn, ReconcileIn, WithdrawIn};
use crate::http::{see_other, App, Scope};
use crate::ledger::Book;
use crate::spending::Spending;
use crate::subsidies::{paper, SignSide, Statement, Subsidies};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/app/c/{community}/subsidies", get(list::<S>))
        .route(
            "/app/c/{community}/subsidies/import",
            post(import::<S>).layer(axum::extract::DefaultBodyLimit::max(crate::http::books::IMPORT_LIMIT_BYTES)),
        )
        .route("/app/c/{community}/subsidies/{action}", post(act::<S>))
        .route("/app/c/{community}/reconciliations/{id}", get(show::<S>))
        .route("/app/c/{community}/reconciliations/{id}/sign", post(sign::<S>))
        .route("/app/c/{community}/reconciliations/{id}/{format}", get(download::<S>))
}

/// What `user` may do on the subsidy page of a community.
fn powers(user: &User) -> Value {
    minijinja::context! {
        keep => user.may(Act::Keep),
        disburse => user.may(Act::Disburse),
        reconcile => user.may(Act::Reconcile),
        sign_company => user.may(Act::SignForCompany),
        sign_office => user.may(Act::SignForOffice),
    }
}

async fn list<S: AppStore>(State(app): State<App<S>>, Path(id): Path<CommunityId>, caller: Caller) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    subsidy_page(&app, &caller, &scope, None).await
}

/// The community's subsidy page, with a refused form's message when there is one.
async fn subsidy_page<S: AppStore>(app: &App<S>, caller: &Caller, scope: &Scope, problem: Option<String>) -> HttpResult<Html<String>> {
    let user = caller.user().page()?;
    let subsidies = Subsidies::new(&app.ledger);
    let programs = subsidies.overview(std::slice::from_ref(&scope.community)).await.page()?;
    let states = subsidies.states(&[scope.community.id]).await.page()?;
    let reconciliations: Vec<Value> = subsidies
        .reconciliations(scope.community.id, None)
        .await
        .page()?
        .into_iter()
        .rev()
        .map(|r| {
            let program = programs.iter().find(|p| p.program_id == r.program_id).map(|p| p.document_no.clone()).unwrap_or_default();
            let state = states
                .iter()
                .find(|s| s.id == r.id)
                .map_or("待双方签字", |s| crate::subsidies::signoff_state(s.company_signed, s.office_signed));
            minijinja::context! {
                id => r.id, program, from => r.from_on.to_string(), until => r.until_on.pred_opt().unwrap_or(r.until_on).to_string(),
                differences => r.differences, created_by => r.created_by, state,
            }
        })
        .collect();
    let categories: Vec<Value> = Category::ALL.iter().map(|c| minijinja::context! { code => c.as_str(), label => c.label() }).collect();
    let data = minijinja::context! {
        community => minijinja::context! { id => scope.community.id.0, name => scope.community.name },
        programs, reconciliations, categories, problem, may => powers(user),
        today => super::today().to_string(),
    };
    page(caller, "subsidies.html", "补贴资金", data)
}

/// The forms of the subsidy page: `program`, `disburse`, `receive`, `expense`, `reconcile`,
/// `release`. A refused form shows the page again with the reason (422), nothing written.
async fn act<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, action)): Path<(CommunityId, String)>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResult<Response> {
    let fields = Fields::parse(&headers, &body)?;
    caller.check_form(fields.get("csrf")).page()?;
    // The role each form needs; the wing checks the street of the finance office's acts.
    let needed = match action.as_str() {
        "disburse" => Act::Disburse,
        "reconcile" => Act::Reconcile,
        // By side: the wing asks the finance office for a disbursement, the accountant for the rest.
        "withdraw" => Act::Read,
        _ => Act::Keep,
    };
    let scope = app.scope(&caller, id, needed).await.page()?;
    let user = caller.user().page()?.username.clone();
    let done = match action.as_str() {
        "expense" | "budget" | "pay" => spending_act(&app, &scope, &action, &fields, &user).await,
        _ => subsidy_act(&app, &scope, &action, &fields, &user).await,
    };
    match done {
        Ok((to, target)) => {
            app.audit(&caller, Some(scope.community.id), &format!("subsidy_{action}"), &target).await;
            Ok(see_other(&to))
        }
        Err(e @ (Error::NotFound { .. } | Error::Database(_))) => Err(crate::http::error::HttpError::from(e).as_page()),
        Err(e) => {
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, subsidy_page(&app, &caller, &scope, Some(e.to_string())).await?)
                .into_response())
        }
    }
}

/// A subsidy form done (program, disburse, receive, reconcile, release, withdraw): where to go
/// next and what the audit log records.
async fn subsidy_act<S: AppStore>(app: &App<S>, scope: &Scope, action: &str, fields: &Fields, user: &str) -> Result<(String, String)> {
    let f = |name: &str| fields.get(name).to_string();
    let id = scope.community.id.0;
    let back = format!("/app/c/{id}/subsidies");
    let subsidies = Subsidies::new(&app.ledger);
    match action {
        "program" => {
            let given = program_in(fields);
            let book = book_of(app, scope, given.book.as_deref()).await?;
            let p = subsidies.add_program(&book, &given.input()?, user).await?;
            Ok((back, format!("补贴项目 {}", p.title())))
        }
        "disburse" => {
            let given = DisbursementIn {
                program: f("program"),
                date: f("date"),
                amount: f("amount"),
                payee: f("payee"),
                reference: f("reference"),
            };
            subsidies.disburse(&scope.community, &[given.input(0)?], user).await?;
            Ok((back, format!("拨付 {} {}", given.program, given.amount)))
        }
        "receive" => {
            let given =
                ReceiptIn { program: f("program"), date: f("date"), amount: f("amount"), reference: f("reference"), bank_account: None };
            let book = subsidy_book(app, scope, &given.program).await?;
            let (r, voucher) = subsidies.receive(&book, &given.program, &given.input()?, user).await?;
            Ok((back, format!("到账 #{} {} 凭证 {voucher}", r.id, Fen(r.amount_fen))))
        }
        "reconcile" => {
            let given = reconcile_in(fields)?;
            let (from, until) = given.range()?;
            let s = subsidies.reconcile(&scope.community, &given.program, from, until, user).await?;
            Ok((format!("/app/c/{id}/reconciliations/{}", s.reconciliation.id), format!("对账单 #{}", s.reconciliation.id)))
        }
        "release" => {
            let text = f("period");
            let period = crate::domain::period::Period::parse(&text)
                .ok_or_else(|| Error::invalid("period", format!("“{text}”不是月份，应写作 2025-03")))?;
            let done = subsidies.release(&scope.book, period, user).await?;
            Ok((
                back,
                format!(
                    "结转递延收益 {period}：{}",
                    done.iter().map(|r| format!("{} {}", r.document_no, r.amount)).collect::<Vec<_>>().join("；")
                ),
            ))
        }
        "withdraw" => {
            let id = f("id").trim().parse().map_err(|_| Error::invalid("id", format!("“{}”不是要撤回的记录编号", f("id"))))?;
            let given = WithdrawIn { side: f("side"), id, reason: f("reason"), date: Some(f("date")) };
            let when = date("date", &f("date"))?;
            subsidies.withdraw(&scope.community, given.side()?, given.id, &given.reason, when, user).await?;
            Ok((back, format!("撤回 {} #{}", given.side, given.id)))
        }
        _ => Err(Error::not_found(format!("操作 {action}"))),
    }
}

/// The new-program form as the API's body.
fn program_in(fields: &Fields) -> ProgramIn {
    let f = |name: &str| fields.get(name).to_string();
    ProgramIn {
        book: Some(f("book")),
        document_no: f("document_no"),
        purpose: f("purpose"),
        approved: f("approved"),
        starts_on: f("starts_on"),
        ends_on: f("ends_on"),
        treatment: f("treatment"),
        eligible: fields.all("eligible").map(str::to_string).collect(),
    }
}

/// The reconcile form as the API's body.
fn reconcile_in(fields: &Fields) -> Result<ReconcileIn> {
    let f = |name: &str| fields.get(name).to_string();
    // The page asks for the last day covered, as the statement's heading prints the
    // range ("2025-01-01 至 2025-03-31"); the reconciliation keeps the day after.
    let until = match f("through").trim() {
        "" => f("until"),
        through => (date("截止日期", through)? + chrono::Duration::days(1)).to_string(),
    };
    Ok(ReconcileIn { program: f("program"), from: f("from"), until })
}

/// A spending form done (expense, budget, pay): where to go next and what the audit log records.
async fn spending_act<S: AppStore>(app: &App<S>, scope: &Scope, action: &str, fields: &Fields, user: &str) -> Result<(String, String)> {
    let f = |name: &str| fields.get(name).to_string();
    let id = scope.community.id.0;
    let back = format!("/app/c/{id}/subsidies");
    match action {
        "expense" => {
            let given = ExpenseIn {
                book: None,
                date: f("date"),
                category: f("category"),
                supplier: f("supplier"),
                summary: f("summary"),
                amount: f("amount"),
                payable: fields.get("payable") == "on",
                program: Some(f("program")),
            };
            let r = Spending::new(&app.ledger).record(&scope.book, &given.input()?, user).await?;
            Ok((back, format!("支出 #{} {} 凭证 {}", r.expense.id, Fen(r.expense.amount_fen), r.voucher)))
        }
        "budget" => {
            let year: i32 = f("year").trim().parse().map_err(|_| Error::invalid("year", format!("“{}”不是年度", f("year"))))?;
            let category = Category::parse(&f("category")).ok_or_else(|| Error::invalid("category", "不是服务类别"))?;
            let fen = amount("amount", &f("amount"))?;
            Spending::new(&app.ledger).set_budget(&scope.book, year, category, fen, user).await?;
            Ok((back, format!("{year} 年 {category} 预算 {fen}")))
        }
        "pay" => {
            let expense: SpendingId = f("id").trim().parse().map_err(|_| Error::invalid("id", "须为支出编号"))?;
            let voucher = Spending::new(&app.ledger).pay(&scope.book, expense, date("date", &f("date"))?, user).await?;
            Ok((back, format!("支付支出 #{expense} 凭证 {voucher}")))
        }
        _ => Err(Error::not_found(format!("操作 {action}"))),
    }
}

/// The finance office's disbursement list uploaded (multipart: csrf, file), recorded whole or
/// refused whole with every bad row shown.
async fn import<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    caller: Caller,
    mut form: axum::extract::Multipart,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Disburse).await.page()?;
    let file = super::upload(&caller, &mut form).await?;
    let done = async {
        let rows = crate::subsidies::import::parse_disbursements(&file)?;
        Subsidies::new(&app.ledger).disburse(&scope.community, &rows, caller.username()).await
    }
    .await;
    match done {
        Ok(n) => {
            app.audit(&caller, Some(scope.community.id), "subsidy_import", &format!("拨付清单 {n} 笔")).await;
            Ok(see_other(&format!("/app/c/{id}/subsidies")))
        }
        Err(e) => {
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, subsidy_page(&app, &caller, &scope, Some(e.to_string())).await?)
                .into_response())
        }
    }
}

/// The book a program's money is received in.
async fn subsidy_book<S: AppStore>(app: &App<S>, scope: &Scope, program: &str) -> Result<Book> {
    let p = Subsidies::new(&app.ledger).program(scope.community.id, program).await?;
    let code = app.ledger.books(scope.community.id).await?.into_iter().find(|b| b.id == p.book_id).map(|b| b.code);
    app.ledger.book(scope.community.id, &code.ok_or_else(|| Error::not_found("项目所属账套"))?).await
}

async fn show<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, reconciliation)): Path<(CommunityId, ReconciliationId)>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    let s = Subsidies::new(&app.ledger).statement(&scope.community, reconciliation).await.page()?;
    statement_page(&caller, &scope, &s, None)
}

fn statement_page(caller: &Caller, scope: &Scope, s: &Statement, problem: Option<String>) -> HttpResult<Html<String>> {
    let user = caller.user().page()?;
    let table = paper::statement_table(s);
    let data = minijinja::context! {
        community => minijinja::context! { id => scope.community.id.0, name => scope.community.name },
        id => s.reconciliation.id, heading => table.title, subtitle => table.subtitle, rows => table.rows, footer => table.footer,
        covered => paper::covered_table(s).rows,
        state => s.state_label(), problem, may => powers(user),
        company_signed => s.signed_by(SignSide::Company).is_some(), office_signed => s.signed_by(SignSide::FinanceOffice).is_some(),
    };
    page(caller, "reconciliation.html", "补贴资金对账单", data)
}

async fn sign<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, reconciliation)): Path<(CommunityId, ReconciliationId)>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResult<Response> {
    let fields = Fields::parse(&headers, &body)?;
    caller.check_form(fields.get("csrf")).page()?;
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    let subsidies = Subsidies::new(&app.ledger);
    let side = SignSide::parse(fields.get("side")).ok_or_else(|| Error::invalid("side", "应为 company 或 finance_office")).page()?;
    let user = caller.user().page()?.username.clone();
    // 差异说明: "note3" explains difference 3.
    let notes: Vec<(i64, String)> =
        fields.0.iter().filter_map(|(k, v)| Some((k.strip_prefix("note")?.parse::<i64>().ok()?, v.clone()))).collect();
    match subsidies.sign_with_notes(&scope.community, reconciliation, side, &user, &notes).await {
        Ok(_) => {
            app.audit(&caller, Some(scope.community.id), "reconciliation_sign", &format!("对账单 #{reconciliation} {}", side.label()))
                .await;
            Ok(see_other(&format!("/app/c/{id}/reconciliations/{reconciliation}")))
        }
        Err(e @ Error::NotFound { .. }) => Err(crate::http::error::HttpError::from(e).as_page()),
        Err(e) => {
            let s = subsidies.statement(&scope.community, reconciliation).await.page()?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, statement_page(&caller, &scope, &s, Some(e.to_string()))?).into_response())
        }
    }
}

async fn download<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, reconciliation, format)): Path<(CommunityId, ReconciliationId, String)>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    let s = Subsidies::new(&app.ledger).statement(&scope.community, reconciliation).await.page()?;
    let (content_type, bytes) = statement_file(&s, &format).await.page()?;
    let name = format!("attachment; filename=\"reconciliation-{reconciliation}.{format}\"");
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, name)], bytes).into_response())
}
