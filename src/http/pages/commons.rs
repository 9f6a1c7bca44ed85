//! The accountant's pages of public revenue (公共收益: its report, rule, receipts, uses and the
//! month's split) and of the collective (集体经济组织: the profit transferred, the member roster
//! uploaded, the year's distribution, its list per member and its payment). A refused form shows
//! its page again with the reason (422), nothing written.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;

use super::{page, AsPage, Fields};
use crate::access::Act;
use crate::app::AppStore;
use crate::collective::plan::{parse_percent, Provisions};
use crate::collective::Collective;
use crate::domain::ids::{CommunityId, DistributionId};
use crate::domain::money::Fen;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::input::{amount, date};
use crate::http::{see_other, App, Scope};
use crate::public_revenue::{PublicRevenue, RevenueInput, Source, UseInput};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/app/c/{community}/public-revenue", get(revenue_page::<S>))
        .route("/app/c/{community}/public-revenue/{action}", post(revenue_act::<S>))
        .route("/app/c/{community}/collective", get(collective_page::<S>))
        .route(
            "/app/c/{community}/collective/roster",
            post(roster::<S>).layer(axum::extract::DefaultBodyLimit::max(crate::http::books::IMPORT_LIMIT_BYTES)),
        )
        .route("/app/c/{community}/collective/distributions/{id}", get(distribution_page::<S>))
        .route("/app/c/{community}/collective/distributions/{id}/{format}", get(distribution_file::<S>))
        .route("/app/c/{community}/collective/{action}", post(collective_act::<S>))
}

fn community(scope: &Scope) -> Value {
    minijinja::context! { id => scope.community.id.0, name => scope.community.name }
}

fn month(field: &str, text: &str) -> Result<Period> {
    Period::parse(text).ok_or_else(|| Error::invalid(field, format!("“{text}”不是月份，应写作 2025-03")))
}

async fn revenue_page<S: AppStore>(State(app): State<App<S>>, Path(id): Path<CommunityId>, caller: Caller) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    revenue_view(&app, &caller, &scope, None).await
}

async fn revenue_view<S: AppStore>(app: &App<S>, caller: &Caller, scope: &Scope, problem: Option<String>) -> HttpResult<Html<String>> {
    let through = Period::of_date(super::today());
    let table = PublicRevenue::new(&app.ledger).report(&scope.book, through).await.page()?.to_table();
    let sources: Vec<Value> = Source::ALL.iter().map(|s| minijinja::context! { code => s.as_str(), label => s.label() }).collect();
    let data = minijinja::context! {
        community => community(scope), heading => table.title, subtitle => table.subtitle,
        headers => table.headers.iter().map(|(h, _)| h.clone()).collect::<Vec<_>>(), rows => table.rows, footer => table.footer,
        sources, problem, may_keep => caller.user().page()?.may(Act::Keep), today => super::today().to_string(),
    };
    page(caller, "public_revenue.html", "公共收益", data)
}

/// The forms: `rule`, `receive`, `use`, `split`.
async fn revenue_act<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, action)): Path<(CommunityId, String)>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResult<Response> {
    let fields = Fields::parse(&headers, &body)?;
    caller.check_form(fields.get("csrf")).page()?;
    let scope = app.scope(&caller, id, Act::Keep).await.page()?;
    let user = caller.username().to_string();
    let revenue = PublicRevenue::new(&app.ledger);
    let f = |name: &str| fields.get(name).to_string();
    let done: Result<String> = async {
        match action.as_str() {
            "rule" => {
                let bp = parse_percent("share", &f("share"))?;
                if bp % 10 != 0 {
                    return Err(Error::invalid("share", "分成比例最多一位小数"));
                }
                revenue.set_rule(&scope.book, date("from", &f("from"))?, bp / 10, &f("decision"), &user).await?;
                Ok(format!("分成规则 {}%", f("share")))
            }
            "receive" => {
                let source =
                    Source::parse(&f("source")).ok_or_else(|| Error::invalid("source", "应为 广告、公共场地停车、场地租赁 或 其他"))?;
                let payer = f("payer");
                let input =
                    RevenueInput { date: date("date", &f("date"))?, source, payer: &payer, amount: amount("amount", &f("amount"))? };
                Ok(format!("公共收益 凭证 {}", revenue.receive(&scope.book, &input, &user).await?))
            }
            "use" => {
                let (purpose, decision) = (f("purpose"), f("decision"));
                let input = UseInput {
                    date: date("date", &f("date"))?,
                    purpose: &purpose,
                    decision: &decision,
                    amount: amount("amount", &f("amount"))?,
                };
                Ok(format!("公共收益支出 凭证 {}", revenue.spend(&scope.book, &input, &user).await?))
            }
            "split" => {
                let period = month("period", &f("period"))?;
                Ok(format!(
                    "公共收益分成 {period}：{:?}",
                    revenue.split(&scope.book, period, &user).await?.map(|(f, v)| format!("{f} {v}"))
                ))
            }
            _ => Err(Error::not_found(format!("操作 {action}"))),
        }
    }
    .await;
    match done {
        Ok(target) => {
            app.audit(&caller, Some(scope.community.id), &format!("public_revenue_{action}"), &target).await;
            Ok(see_other(&format!("/app/c/{id}/public-revenue")))
        }
        Err(e @ (Error::NotFound { .. } | Error::Database(_))) => Err(HttpError::from(e).as_page()),
        Err(e) => Ok((StatusCode::UNPROCESSABLE_ENTITY, revenue_view(&app, &caller, &scope, Some(e.to_string())).await?).into_response()),
    }
}

async fn collective_page<S: AppStore>(State(app): State<App<S>>, Path(id): Path<CommunityId>, caller: Caller) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    collective_view(&app, &caller, &scope, None).await
}

async fn collective_view<S: AppStore>(app: &App<S>, caller: &Caller, scope: &Scope, problem: Option<String>) -> HttpResult<Html<String>> {
    let book = crate::collective::collective_book(&app.ledger, scope.community.id).await.page()?;
    let distributions: Vec<Value> = Collective::new(&app.ledger)
        .distributions(&book)
        .await
        .page()?
        .into_iter()
        .map(|d| {
            minijinja::context! {
                id => d.id, year => d.year, distributable => Fen(d.distributable_fen), reserve => Fen(d.reserve_fen),
                welfare => Fen(d.welfare_fen), members => Fen(d.members_fen), paid_on => d.paid_on.map(|p| p.to_string()),
            }
        })
        .collect();
    let data = minijinja::context! {
        community => community(scope), book => book.row.name, distributions, problem,
        may_keep => caller.user().page()?.may(Act::Keep), today => super::today().to_string(),
    };
    page(caller, "collective.html", "集体经济组织", data)
}

/// The forms: `transfer`, `distribute`, `pay`.
async fn collective_act<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, action)): Path<(CommunityId, String)>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> HttpResult<Response> {
    let fields = Fields::parse(&headers, &body)?;
    caller.check_form(fields.get("csrf")).page()?;
    let scope = app.scope(&caller, id, Act::Keep).await.page()?;
    let user = caller.username().to_string();
    let co = Collective::new(&app.ledger);
    let f = |name: &str| fields.get(name).to_string();
    let done: Result<String> = async {
        let book = crate::collective::collective_book(&app.ledger, scope.community.id).await?;
        let year = || f("year").trim().parse::<i32>().map_err(|_| Error::invalid("year", format!("“{}”不是年度", f("year"))));
        match action.as_str() {
            "transfer" => {
                let t = co.transfer_profit(&scope.book, &book, year()?, date("date", &f("date"))?, &user).await?;
                Ok(format!("{} 年度利润 {}", t.year, Fen(t.amount_fen)))
            }
            "distribute" => {
                let provisions = Provisions {
                    reserve_bp: parse_percent("reserve", &f("reserve"))?,
                    welfare_bp: parse_percent("welfare", &f("welfare"))?,
                };
                let given = f("amount");
                let distributable = if given.trim().is_empty() { None } else { Some(amount("amount", &given)?) };
                let d = co.distribute(&book, year()?, distributable, provisions, date("date", &f("date"))?, &user).await?;
                Ok(format!("收益分配 #{}", d.row.id))
            }
            "pay" => {
                let distribution: DistributionId = f("id").trim().parse().map_err(|_| Error::invalid("id", "须为收益分配编号"))?;
                Ok(format!("发放收益分配 #{distribution} 凭证 {}", co.pay(&book, distribution, date("date", &f("date"))?, &user).await?))
            }
            _ => Err(Error::not_found(format!("操作 {action}"))),
        }
    }
    .await;
    match done {
        Ok(target) => {
            app.audit(&caller, Some(scope.community.id), &format!("collective_{action}"), &target).await;
            Ok(see_other(&format!("/app/c/{id}/collective")))
        }
        Err(e @ (Error::NotFound { .. } | Error::Database(_))) => Err(HttpError::from(e).as_page()),
        Err(e) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, collective_view(&app, &caller, &scope, Some(e.to_string())).await?).into_response())
        }
    }
}

/// The roster uploaded (multipart: csrf, file).
async fn roster<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    caller: Caller,
    mut form: Multipart,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Keep).await.page()?;
    let file = super::upload(&caller, &mut form).await?;
    let done = async {
        let book = crate::collective::collective_book(&app.ledger, scope.community.id).await?;
        Collective::new(&app.ledger).import_roster(&book, &file, caller.username()).await
    }
    .await;
    match done {
        Ok(n) => {
            app.audit(&caller, Some(scope.community.id), "member_roster", &format!("成员名册 {n} 人")).await;
            Ok(see_other(&format!("/app/c/{id}/collective")))
        }
        Err(e) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, collective_view(&app, &caller, &scope, Some(e.to_string())).await?).into_response())
        }
    }
}

async fn distribution_page<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, distribution)): Path<(CommunityId, DistributionId)>,
    caller: Caller,
) -> HttpResult<Html<String>> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    let book = crate::collective::collective_book(&app.ledger, scope.community.id).await.page()?;
    let table = Collective::new(&app.ledger).distribution(&book, distribution).await.page()?.to_table();
    let data = minijinja::context! {
        community => community(&scope), id => distribution, heading => table.title, subtitle => table.subtitle,
        headers => table.headers.iter().map(|(h, _)| h.clone()).collect::<Vec<_>>(), rows => table.rows, footer => table.footer,
    };
    page(&caller, "distribution.html", "成员收益分配清单", data)
}

async fn distribution_file<S: AppStore>(
    State(app): State<App<S>>,
    Path((id, distribution, format)): Path<(CommunityId, DistributionId, String)>,
    caller: Caller,
) -> HttpResult<Response> {
    let scope = app.scope(&caller, id, Act::Read).await.page()?;
    let book = crate::collective::collective_book(&app.ledger, scope.community.id).await.page()?;
    let table = Collective::new(&app.ledger).distribution(&book, distribution).await.page()?.to_table();
    super::table_file(&table, &format!("distribution-{distribution}"), &format)
}
