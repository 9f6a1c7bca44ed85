//! How an error leaves the server: JSON with a stable code, a Chinese message and the field for
//! the API; a page in Chinese for a browser. A database failure is logged and shown only as
//! "内部错误", never with its SQL.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::Error;

/// An error of a request, with the status it answers with.
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Answer as a page (a browser's form) rather than JSON.
    pub page: bool,
}

impl HttpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> HttpError {
        HttpError { status, code, message: message.into(), field: None, page: false }
    }

    pub fn forbidden() -> HttpError {
        HttpError::new(StatusCode::FORBIDDEN, "forbidden", "您的角色无权进行此操作")
    }

    pub fn unauthorized() -> HttpError {
        HttpError::new(StatusCode::UNAUTHORIZED, "unauthorized", "请先登录")
    }

    /// What a user outside a community sees of it: the same as for a row that does not exist.
    pub fn not_found() -> HttpError {
        HttpError::new(StatusCode::NOT_FOUND, "not_found", "未找到")
    }

    pub fn csrf() -> HttpError {
        HttpError::new(StatusCode::FORBIDDEN, "csrf", "表单已失效（缺少或错误的 CSRF 令牌），请刷新页面后重试")
    }

    pub fn too_many(seconds: u64) -> HttpError {
        HttpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("尝试次数过多，请 {} 分钟后再试", seconds.div_ceil(60).max(1)),
        )
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> HttpError {
        HttpError { field: Some(field.to_string()), ..HttpError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message) }
    }

    pub fn as_page(mut self) -> HttpError {
        self.page = true;
        self
    }
}

impl From<Error> for HttpError {
    fn from(e: Error) -> HttpError {
        let code = e.code();
        let field = match &e {
            Error::Invalid { field, .. } => Some(field.clone()),
            Error::Csv { column, .. } => Some(column.clone()),
            Error::Constraint { field, .. } => Some(field.to_string()),
            _ => None,
        };
        let status = match code {
            "not_found" => StatusCode::NOT_FOUND,
            "conflict" => StatusCode::CONFLICT,
            "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            "internal" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %e, "internal error");
            "内部错误，请稍后重试；如仍出错请联系管理员".to_string()
        } else {
            e.to_string()
        };
        HttpError { status, code, message, field, page: false }
    }
}

#[derive(serde::Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        crate::http::metrics::error(self.code);
        if self.page && self.status == StatusCode::UNAUTHORIZED {
            return super::see_other("/login");
        }
        if self.page {
            let page = super::views::error_page(self.status, &self.message, self.field.as_deref(), None);
            let mut response = (self.status, Html(page)).into_response();
            // For `dress_error`, which shows it again inside the signed-in user's layout.
            response.extensions_mut().insert(ErrorPage { message: self.message, field: self.field });
            return response;
        }
        let body = Body { code: self.code, message: &self.message, field: self.field.as_deref() };
        (self.status, axum::Json(body)).into_response()
    }
}

pub type HttpResult<T> = std::result::Result<T, HttpError>;

/// What an error page said, kept on its response.
#[derive(Clone)]
pub struct ErrorPage {
    pub message: String,
    pub field: Option<String>,
}
