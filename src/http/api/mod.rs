//! The JSON API under /api/v1: everything the pages do, for scripts and other programs.
//! Amounts are decimal strings ("1234.56"); errors are JSON with a stable `code`, a Chinese
//! `message` and the `field`. A caller authenticates with `Authorization: Bearer <token>` (an
//! API token) or with the session cookie plus its CSRF token in `X-CSRF-Token` for writes.
//! The routes are listed once, in `ROUTES`, which /api/openapi.json is made from.

mod books;
mod commons;
mod fees;
mod openapi;
mod people;
mod subsidies;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{HttpError, HttpResult};
use super::{metrics, App};
use crate::app::AppStore;

pub use openapi::{ApiRoute, ROUTES, XLSX_TYPE};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/healthz", get(healthz::<S>))
        .route("/metrics", get(metrics_text))
        .route("/api/openapi.json", get(openapi::document))
        .merge(books::routes::<S>())
        .merge(fees::routes::<S>())
        .merge(people::routes::<S>())
        .merge(subsidies::routes::<S>())
        .merge(commons::routes::<S>())
}

/// The API's first check, before any body is read: the caller holds one of the roles its
/// route is documented for (`openapi::ROUTES`, the `x-roles` of /api/openapi.json), so that a
/// role the route is not for is refused with 403 whatever it sends. The handler then checks
/// the community and the act.
pub async fn documented_roles<S: AppStore>(State(app): State<App<S>>, request: Request, next: axum::middleware::Next) -> Response {
    let path = request.extensions().get::<axum::extract::MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    let method = request.method().as_str().to_ascii_lowercase();
    let Some(route) = ROUTES.iter().find(|r| r.path == path && r.method == method).filter(|r| !r.roles.is_empty()) else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let caller = match super::extract::Caller::from_request_parts(&mut parts, &app).await {
        Ok(caller) => caller,
        Err(e) => return e.into_response(),
    };
    match &caller.user {
        None => HttpError::unauthorized().into_response(),
        Some(user) if !user.roles.iter().any(|r| route.roles.contains(&r.as_str())) => HttpError::forbidden().into_response(),
        Some(_) => next.run(Request::from_parts(parts, body)).await,
    }
}

/// A JSON body: refused with 415 unless sent as application/json, 400 when it is not JSON,
/// 422 when it is JSON of the wrong shape, naming the field and what it should be in Chinese
/// (serde's "invalid type: integer `10`, expected a string" is neither).
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, St: Send + Sync> FromRequest<St> for ApiJson<T> {
    type Rejection = HttpError;

    async fn from_request(request: Request, state: &St) -> HttpResult<ApiJson<T>> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !content_type.starts_with("application/json") {
            return Err(HttpError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体须为 JSON（Content-Type: application/json）",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            let status = e.status();
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE { "body_too_large" } else { "body_unreadable" };
            HttpError::new(status, code, format!("请求体无法读取（上限 {} 字节）", super::MAX_BODY_BYTES))
        })?;
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut json).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let at = format!("（第 {} 行第 {} 列）", inner.line(), inner.column());
            match inner.classify() {
                serde_json::error::Category::Data => json_shape_error(&path, &inner.to_string()),
                _ => {
                    HttpError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("请求体不是有效的 JSON{at}；请检查引号、逗号和括号"))
                }
            }
        })?;
        json.end().map_err(|_| HttpError::new(StatusCode::BAD_REQUEST, "malformed_json", "请求体在 JSON 之后还有多余的内容"))?;
        Ok(ApiJson(value))
    }
}

/// A JSON body of the wrong shape: the field (`lines[1].debit`) and what is wrong, in Chinese,
/// from serde's message, whose forms are fixed ("unknown field `tip`, expected one of …").
fn json_shape_error(path: &str, message: &str) -> HttpError {
    let message = message.split(" at line ").next().unwrap_or(message);
    let quoted = |text: &str| text.split('`').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>();
    let (field, problem) = if let Some(rest) = message.strip_prefix("unknown field ") {
        let names = quoted(rest);
        let unknown = names.first().cloned().unwrap_or_default();
        let known = if names.len() > 1 { format!("；可用的字段：{}", names[1..].join("、")) } else { String::new() };
        let field = if path == "." || path.is_empty() { unknown.clone() } else { path.to_string() };
        (field, format!("不认识的字段“{unknown}”{known}"))
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        let names = quoted(rest);
        let given = names.first().cloned().unwrap_or_default();
        (path.to_string(), format!("“{given}”不是可选的值；可选：{}", names.get(1..).unwrap_or_default().join("、")))
    } else if let Some(rest) = message.strip_prefix("missing field ") {
        let name = quoted(rest).first().cloned().unwrap_or_default();
        let field = if path == "." || path.is_empty() { name.clone() } else { format!("{path}.{name}") };
        (field, "缺少此字段，须填写".to_string())
    } else if let Some(rest) = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: ")) {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        (path.to_string(), format!("应为{}，收到的是{}", json_kind(expected), json_value(got)))
    } else if message.starts_with("duplicate field ") {
        (path.to_string(), "字段重复".to_string())
    } else if message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        // Our own types' refusals (an amount, a date) are Chinese already.
        (path.to_string(), message.to_string())
    } else {
        (path.to_string(), "取值不符合要求".to_string())
    };
    let shown = if field.is_empty() || field == "." { "请求内容".to_string() } else { format!("字段“{field}”") };
    HttpError {
        field: (!field.is_empty() && field != ".").then_some(field),
        ..HttpError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", format!("{shown}：{problem}"))
    }
}

/// What serde expected, in words.
fn json_kind(expected: &str) -> &'static str {
    match expected {
        "a string" => "字符串（金额也写作字符串，如 \"10.00\"）",
        "a boolean" => "true 或 false",
        "a sequence" => "数组",
        e if e.starts_with("struct") || e.starts_with("a map") || e.starts_with("map") => "对象",
        e if ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize"].contains(&e) => "整数",
        e if e.starts_with("a ") && e.contains("integer") => "整数",
        e if e.starts_with("f32") || e.starts_with("f64") => "数字",
        e if e.starts_with("variant") || e.starts_with("unit variant") || e.starts_with("enum") => "可选值之一（字符串）",
        _ => "另一种类型的值",
    }
}

/// What serde was given, in words: "integer `10`" is 数字 10.
fn json_value(got: &str) -> String {
    let shown = got.split('`').nth(1).unwrap_or_default();
    match got.split([' ', '`']).next().unwrap_or_default() {
        "integer" | "floating" => format!("数字 {shown}"),
        "string" => format!("字符串 {}", got.strip_prefix("string ").unwrap_or_default()),
        "boolean" => format!("布尔值 {shown}"),
        "null" => "null".to_string(),
        "map" => "对象".to_string(),
        "sequence" => "数组".to_string(),
        _ => "其他值".to_string(),
    }
}

/// A path's parameters (`{community}`, `{id}`): as axum's `Path`, but a value that is not one
/// (an id past i64, a word) is refused as JSON with a code and the parameter named, not with
/// axum's plain-text 400. The API's handlers import it as `Path`.
pub struct ApiPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, St: Send + Sync> FromRequestParts<St> for ApiPath<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> HttpResult<ApiPath<T>> {
        use axum::extract::path::ErrorKind;
        let e = match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => return Ok(ApiPath(value)),
            Err(axum::extract::rejection::PathRejection::FailedToDeserializePathParams(e)) => e,
            Err(_) => return Err(HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "内部错误：路由参数缺失")),
        };
        let (field, value) = match e.kind() {
            ErrorKind::ParseErrorAtKey { key, value, .. } => (key.clone(), value.clone()),
            ErrorKind::ParseErrorAtIndex { index, value, .. } => (format!("第 {} 段", index + 1), value.clone()),
            ErrorKind::ParseError { value, .. } => (String::new(), value.clone()),
            _ => (String::new(), String::new()),
        };
        // A single parameter (`Path<CommunityId>`) is refused without its name: found by its value.
        let field = match field.is_empty() {
            true => match axum::extract::RawPathParams::from_request_parts(parts, state).await {
                Ok(raw) => raw.iter().find(|(_, v)| *v == value).map(|(k, _)| k.to_string()).unwrap_or_default(),
                Err(_) => field,
            },
            false => field,
        };
        let message = format!("网址中的{}“{value}”不是有效的编号：须为 1 至 {} 的整数；请检查网址", field_label(&field), i64::MAX);
        Err(HttpError { field: (!field.is_empty()).then_some(field), ..HttpError::new(StatusCode::BAD_REQUEST, "invalid_path", message) })
    }
}

fn field_label(field: &str) -> String {
    if field.is_empty() {
        "参数".to_string()
    } else {
        format!(" {field} ")
    }
}

/// A query string (`?period=2025-01`): as axum's `Query`, but refused as JSON with a code, in
/// Chinese, not with axum's plain-text 400. The API's handlers import it as `Query`.
pub struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, St: Send + Sync> FromRequestParts<St> for ApiQuery<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> HttpResult<ApiQuery<T>> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(e) => {
                tracing::debug!(error = %e.body_text(), "query refused");
                let query = parts.uri.query().unwrap_or_default().to_string();
                Err(HttpError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("网址的查询参数“{query}”无法识别（参数名或取值不对）；请对照 /api/openapi.json 检查"),
                ))
            }
        }
    }
}

async fn healthz<S: AppStore>(State(app): State<App<S>>) -> Response {
    match app.communities().await {
        Ok(c) => Json(serde_json::json!({ "status": "ok", "communities": c.len() })).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "database unavailable" }))).into_response(),
    }
}

async fn metrics_text() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], metrics::render()).into_response()
}
