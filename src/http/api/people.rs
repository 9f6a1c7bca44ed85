//! The API of the access wing and the finance office: users (admin), the audit log (admin,
//! auditor), the street's overview.

use axum::extract::State;

// JSON refusals with a code in place of axum's plain-text 400 (see `ApiPath`, `ApiQuery`).
use super::{ApiPath as Path, ApiQuery as Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::ApiJson;
use crate::access::{Act, AuditFilter, AuditRow, NewUser, Role, User};
use crate::app::AppStore;
use crate::domain::ids::CommunityId;
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Signed;
use crate::http::input::month_given;
use crate::http::overview::{audit_rows, office_lines, OfficeLine, OfficeQuery};
use crate::http::App;

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/api/v1/users", get(users::<S>).post(add_user::<S>))
        .route("/api/v1/users/{username}/access", post(grant::<S>))
        .route("/api/v1/audit", get(audit::<S>))
        .route("/api/v1/office/overview", get(overview::<S>))
}

async fn users<S: AppStore>(State(app): State<App<S>>, Signed(caller): Signed) -> HttpResult<Json<Vec<User>>> {
    caller.must(Act::Administer)?;
    Ok(Json(app.access.users().await?))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub communities: Vec<i64>,
    #[serde(default)]
    pub street: String,
}

async fn add_user<S: AppStore>(
    State(app): State<App<S>>,
    headers: HeaderMap,
    Signed(caller): Signed,
    ApiJson(body): ApiJson<UserIn>,
) -> HttpResult<Response> {
    caller.must(Act::Administer)?;
    caller.check_api_write(&headers)?;
    let communities = existing(&app, &body.communities).await?;
    let new = NewUser {
        username: &body.username,
        display_name: &body.display_name,
        roles: &body.roles,
        communities: &communities,
        street: &body.street,
        password: Some(&body.password),
    };
    let user = app.access.add_user(&new).await?;
    app.audit(&caller, communities.first().copied(), "user.add", &user.username).await;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessIn {
    pub roles: Vec<Role>,
    #[serde(default)]
    pub communities: Vec<i64>,
    #[serde(default)]
    pub street: String,
}

/// Replaces a user's roles, communities and street.
async fn grant<S: AppStore>(
    State(app): State<App<S>>,
    Path(username): Path<String>,
    headers: HeaderMap,
    Signed(caller): Signed,
    ApiJson(body): ApiJson<AccessIn>,
) -> HttpResult<Json<User>> {
    caller.must(Act::Administer)?;
    caller.check_api_write(&headers)?;
    let communities = existing(&app, &body.communities).await?;
    let user = app.access.set_access(&username, &body.roles, &communities, &body.street).await?;
    app.forget_callers();
    let target = format!("{}：{}", user.username, user.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"));
    app.audit(&caller, communities.first().copied(), "user.grant", &target).await;
    Ok(Json(user))
}

/// The communities named by id, each of which must exist.
async fn existing<S: AppStore>(app: &App<S>, ids: &[i64]) -> HttpResult<Vec<CommunityId>> {
    let known = app.communities().await?;
    let communities: Vec<CommunityId> = ids.iter().map(|c| CommunityId(*c)).collect();
    if let Some(missing) = communities.iter().find(|c| !known.iter().any(|k| k.id == **c)) {
        return Err(HttpError::invalid("communities", format!("社区 #{missing} 不存在")));
    }
    Ok(communities)
}

async fn audit<S: AppStore>(
    State(app): State<App<S>>,
    Query(filter): Query<AuditFilter>,
    Signed(caller): Signed,
) -> HttpResult<Json<Vec<AuditRow>>> {
    Ok(Json(audit_rows(&app, &caller, &filter).await?))
}

#[derive(serde::Serialize)]
struct Overview {
    period: Option<String>,
    communities: Vec<OfficeLine>,
    /// The communities' lines summed (rate of the sums), named 合计.
    total: OfficeLine,
}

async fn overview<S: AppStore>(
    State(app): State<App<S>>,
    Query(q): Query<OfficeQuery>,
    Signed(caller): Signed,
) -> HttpResult<Json<Overview>> {
    let period = month_given("period", q.period.as_deref())?;
    let district = office_lines(&app, &caller, period).await?;
    Ok(Json(Overview { period: district.period.map(|p| p.to_string()), communities: district.lines, total: district.total }))
}
