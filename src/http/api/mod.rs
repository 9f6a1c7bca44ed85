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
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::error::{HttpError, HttpResult};
use super::{metrics, App, AppStore};

pub use commons::collective_book;
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

/// A JSON body: refused with 415 unless sent as application/json, 400 when it is not JSON,
/// 422 when it is JSON of the wrong shape (naming what is wrong).
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
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => {
                HttpError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", format!("请求内容不符合要求：{e}"))
            }
            _ => HttpError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("请求体不是有效的 JSON：{e}")),
        })
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
