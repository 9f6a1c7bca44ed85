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
use crate::access::{Act, AuditFilter, NewUser, Role, User, ROLES};
use crate::app::AppStore;
use crate::domain::ids::CommunityId;
use crate::http::error::HttpResult;
use crate::http::extract::Caller;
use crate::http::overview::audit_rows;
use crate::http::{see_other, App};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/app/admin/users", get(users::<S>).post(add_user::<S>))
        .route("/app/admin/users/{username}/disable", post(disable::<S>))
        .route("/app/admin/users/{username}", get(user_form::<S>).post(grant::<S>))
        .route("/app/admin/communities/{community}/street", post(street::<S>))
        .route("/app/admin/audit", get(audit::<S>))
}

/// An admin's form: its fields, once the caller may administer and its CSRF token is right.
fn admin_form(caller: &Caller, headers: &HeaderMap, body: &Bytes) -> HttpResult<Fields> {
    let form = Fields::parse(headers, body)?;
    caller.must(Act::Administer).page()?;
    caller.check_form(form.get("csrf"))?;
    Ok(form)
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
    let mut listed = Vec::new();
    for c in &communities {
        listed.push(minijinja::context! { id => c.id.0, name => c.name, street => app.access.street_of(c.id).await? });
    }
    let roles: Vec<(&str, &str)> = ROLES.iter().map(|r| (r.as_str(), r.label())).collect();
    Ok(minijinja::context! { users, communities => listed, roles })
}

/// One user's roles, communities and street, with a form to change them (and the password).
async fn user_form<S: AppStore>(State(app): State<App<S>>, Path(username): Path<String>, caller: Caller) -> HttpResult<Html<String>> {
    caller.must(Act::Administer).page()?;
    let user = app.access.user(&username).await.page()?;
    page(&caller, "user.html", &user.username, user_data(&app, &user, None).await?)
}

async fn user_data<S: AppStore>(app: &App<S>, user: &User, message: Option<String>) -> HttpResult<Value> {
    let communities: Vec<Value> = app
        .communities()
        .await
        .page()?
        .iter()
        .map(|c| minijinja::context! { id => c.id.0, name => c.name, given => user.communities.contains(&c.id) })
        .collect();
    let roles: Vec<Value> =
        ROLES.iter().map(|r| minijinja::context! { value => r.as_str(), label => r.label(), given => user.roles.contains(r) }).collect();
    // Not `user`: the layout's `user` is the one signed in, and it would win.
    let shown = minijinja::context! { username => user.username, display_name => user.display_name, street => user.street, disabled => user.disabled };
    Ok(minijinja::context! { subject => shown, roles, communities, message })
}

/// Replaces a user's roles, communities and street; sets a new password when one is given.
async fn grant<S: AppStore>(
    State(app): State<App<S>>,
    Path(username): Path<String>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let form = admin_form(&caller, &headers, &body)?;
    let roles: Vec<Role> = form.all("role").filter_map(Role::parse).collect();
    let communities: Vec<CommunityId> = form.all("community").filter_map(|c| c.parse::<i64>().ok()).map(CommunityId).collect();
    let changed = match app.access.set_access(&username, &roles, &communities, form.get("street")).await {
        Ok(user) => match form.get("password") {
            "" => Ok(user),
            password => app.access.set_password(&username, password).await.map(|()| user),
        },
        Err(e) => Err(e),
    };
    app.forget_callers();
    match changed {
        Ok(user) => {
            let target = format!("{}：{}", user.username, user.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"));
            app.audit(&caller, communities.first().copied(), "user.grant", &target).await;
            if !form.get("password").is_empty() {
                app.audit(&caller, None, "user.password", &user.username).await;
            }
            Ok(see_other(&format!("/app/admin/users/{}", user.username)))
        }
        Err(e) => {
            let user = app.access.user(&username).await.page()?;
            let data = user_data(&app, &user, Some(e.to_string())).await?;
            page_with(StatusCode::UNPROCESSABLE_ENTITY, &caller, "user.html", &user.username, data)
        }
    }
}

/// Sets the street a community belongs to (its finance office reads it).
async fn street<S: AppStore>(
    State(app): State<App<S>>,
    Path(id): Path<CommunityId>,
    headers: HeaderMap,
    caller: Caller,
    body: Bytes,
) -> HttpResult<Response> {
    let form = admin_form(&caller, &headers, &body)?;
    let community = app.community(id).await?.community;
    app.access.set_street(community.id, form.get("street")).await.page()?;
    app.forget_scopes();
    app.audit(&caller, Some(community.id), "community.street", &format!("{}：{}", community.name, form.get("street").trim())).await;
    Ok(see_other("/app/admin/users"))
}

async fn users<S: AppStore>(State(app): State<App<S>>, caller: Caller) -> HttpResult<Html<String>> {
    caller.must(Act::Administer).page()?;
    page(&caller, "users.html", "用户", users_data(&app).await.page()?)
}

async fn add_user<S: AppStore>(State(app): State<App<S>>, headers: HeaderMap, caller: Caller, body: Bytes) -> HttpResult<Response> {
    let form = admin_form(&caller, &headers, &body)?;
    // No role is given by default: the form asks for one, and a form without it is refused.
    let Some(role) = Role::parse(form.get("role")) else {
        let data = minijinja::context! { message => "角色：请选择新用户的角色", ..users_data(&app).await.page()? };
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, &caller, "users.html", "用户", data);
    };
    let community: Vec<CommunityId> = form.get("community").parse::<i64>().ok().map(CommunityId).into_iter().collect();
    let roles = vec![role];
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
    admin_form(&caller, &headers, &body)?;
    // Never one's own account (it would lock the admin out mid-session), never the last admin.
    if username == caller.username() {
        let data = minijinja::context! { message => "停用：不能停用自己正在使用的账号", ..users_data(&app).await.page()? };
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, &caller, "users.html", "用户", data);
    }
    let target = app.access.user(&username).await.page()?;
    let admins = app.access.users().await.page()?.iter().filter(|u| !u.disabled && u.has(Role::Admin)).count();
    if target.has(Role::Admin) && !target.disabled && admins <= 1 {
        let data = minijinja::context! { message => "停用：这是最后一位系统管理员，不能停用", ..users_data(&app).await.page()? };
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, &caller, "users.html", "用户", data);
    }
    let user = app.access.disable(&username).await.page()?;
    app.forget_callers();
    app.audit(&caller, None, "user.disable", &user.username).await;
    Ok(see_other("/app/admin/users"))
}

async fn audit<S: AppStore>(State(app): State<App<S>>, Query(filter): Query<AuditFilter>, caller: Caller) -> HttpResult<Response> {
    let rows = audit_rows(&app, &caller, &filter).await.page()?;
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            minijinja::context! {
                at => crate::domain::time::beijing_second(r.at), username => r.username,
                community_id => r.community_id.map(|c| c.0), action => r.action,
                action_label => crate::access::audit::action_label(&r.action), target => r.target, address => r.address, request_id => r.request_id,
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
