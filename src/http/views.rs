//! The web server's side of the pages: a template rendered (`render::html`) into a response,
//! and the static assets served under a path that names their content, kept for a year.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::error::{HttpError, HttpResult};

/// Renders template `name` with `context`.
pub fn render(name: &str, context: impl serde::Serialize) -> HttpResult<Html<String>> {
    crate::render::html::render(name, context).map(Html).map_err(|e| {
        tracing::error!(template = name, error = %e, "template failed");
        HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "内部错误：页面无法生成").as_page()
    })
}

/// The page of an error, in the layout `layout` gives (the signed-in user's header) or the
/// bare one.
pub fn error_page(status: StatusCode, message: &str, field: Option<&str>, layout: Option<minijinja::Value>) -> String {
    crate::render::html::error_page(status.as_u16(), message, field, layout)
}

/// An asset by name; any version is answered with today's content (an old page's path still
/// loads).
pub async fn asset(axum::extract::Path((_, name)): axum::extract::Path<(String, String)>) -> Response {
    match crate::render::html::ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => {
            ([(header::CONTENT_TYPE, *kind), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], *body).into_response()
        }
        None => HttpError::not_found().as_page().into_response(),
    }
}
