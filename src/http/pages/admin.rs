//! Admin pages: users and their roles and communities, and the audit log (which an auditor
//! also reads, for the communities they reach).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Value;

use super::{page, page_with, AsPage, Fields};
use crate::access::{Act, AuditFilter, AuditRow, NewUser, Role, User, ROLES};
use crate::domain::ids::CommunityId;
use crate::http::error::HttpResult;
use crate::http::extract::Caller;
use crate::http::{see_other, App, AppStore};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/app/admin/users", get(users::<S>).post(add_user::<S>))
        .route("/app/admin/users/{username}/disable", post(disable::<S>))
        .route("/app/admin/audit", get(audit::<S>))
}

async fn users_data<S: AppStore>(app: &App<S>) -> HttpResult<Value> {
    let communities = app.communities().await?;
    let name_of = |id: &CommunityId| communities.iter().find(|c| c.id == *id).map_or(id.to_string(), |c| c.name.clone());
    let users: Vec<Value> = app
        .access
        .users()
        .await?
        .iter()
        .map(|u: &User| {
            let mut scope: Vec<String> = u.communities.iter().map(name_of).collect();
            if !u.street.is_empty() {
                scope.push(format!("{}（街道）", u.street));
            }
            minijinja::context! {
                username => u.username, display_name => u.display_name, disabled => u.disabled, can_log_in => u.can_log_in,
                roles => u.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"), scope => scope.join("、"),
            }
        })
        .collect();
    let communities: Vec<Value> = communities.iter().map(|c| minijinja::context! { id => c.id.0, name => c.name }).collect();
    let roles: Vec<(&str, &str)> = ROLES.iter().map(|r| (r.as_str(), r.label())).collect();
    Ok(minijinja::context! { users, communities, roles })
}

async fn users<S: AppStore>(State(app): State<App<S>>, caller: Caller) -> HttpResult<Html<String>> {
    caller.must(Act::Administer).page()?;
    page(&caller, "users.html", "用户", users_data(&app).await.page()?)
}

async fn add_user<S: AppStore>(State(app): State<App<S>>, headers: HeaderMap, caller: Caller, body: Bytes) -> HttpResult<Response> {
    let form = Fields::parse(&headers, &body)?;
    caller.must(Act::Administer).page()?;
    caller.check_form(form.get("csrf"))?;
    let role = Role::parse(form.get("role"));
    let community: Vec<CommunityId> = form.get("community").parse::<i64>().ok().map(CommunityId).into_iter().collect();
    let roles: Vec<Role> = role.into_iter().collect();
    let new = NewUser {
        username: form.get("username"),
        display_name: form.get("display_name"),
        roles: &roles,
        communities: &community,
        street: form.get("street"),
        password: Some(form.get("password")),
    };
    match app.access.add_user(&new).await {
        Ok(user) => {
            app.audit(&caller, community.first().copied(), "user.add", &user.username).await;
            Ok(see_other("/app/admin/users"))
        }
        Err(e) => {
            let data = minijinja::context! { message => e.to_string(), ..users_data(&app).await.page()? };
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &caller, "users.html", "用户", data)
        }
    }
}

async fn disable<S: AppStore>(
    State(app): State<App<S>>,
    Path(username): Path<String>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let form = Fields::parse(&headers, &body)?;
    caller.must(Act::Administer).page()?;
    caller.check_form(form.get("csrf"))?;
    let user = app.access.disable(&username).await.page()?;
    app.forget_callers();
    app.audit(&caller, None, "user.disable", &user.username).await;
    Ok(see_other("/app/admin/users"))
}

/// The audit rows `caller` may read: all for an admin, else those of the communities they reach.
pub async fn audit_rows<S: AppStore>(app: &App<S>, caller: &Caller, filter: &AuditFilter) -> HttpResult<Vec<AuditRow>> {
    let user = caller.must(Act::ReadAudit)?;
    let rows = app.access.audit_log(filter).await?;
    if user.has(Role::Admin) {
        return Ok(rows);
    }
    let reach: Vec<CommunityId> = app.reachable(caller).await?.into_iter().map(|(c, _)| c.id).collect();
    Ok(rows.into_iter().filter(|r| r.community_id.is_some_and(|c| reach.contains(&c))).collect())
}

async fn audit<S: AppStore>(State(app): State<App<S>>, Query(filter): Query<AuditFilter>, caller: Caller) -> HttpResult<Response> {
    let rows = audit_rows(&app, &caller, &filter).await.page()?;
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            minijinja::context! {
                at => r.at.format("%Y-%m-%d %H:%M:%S").to_string(), username => r.username, community_id => r.community_id.map(|c| c.0),
                action => r.action, target => r.target, address => r.address, request_id => r.request_id,
            }
        })
        .collect();
    Ok(page(
        &caller,
        "audit.html",
        "审计日志",
        minijinja::context! { rows, filter => minijinja::context! { username => filter.username, action => filter.action } },
    )?
    .into_response())
}
