//! Who is asking: the caller of a request, from its session cookie or its API token, with the
//! address it came from and its request id. Handlers ask `Caller::must` for what an act needs,
//! and forms check their CSRF token against the session's.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use super::error::{HttpError, HttpResult};
use super::{App, RequestId};
use crate::app::AppStore;
use chrono::{DateTime, Utc};

use crate::access::{secret, Act, User};

pub const SESSION_COOKIE: &str = "mz_session";
/// The CSRF token of a form shown before there is a session (login, a household's code):
/// a double-submit cookie.
pub const FORM_CSRF_COOKIE: &str = "mz_form_csrf";
/// The header an API call with a session cookie (not a token) carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

pub struct Caller {
    pub user: Option<User>,
    /// The session's CSRF token; None for a token or no login.
    pub csrf: Option<String>,
    pub session_id: Option<String>,
    pub by_token: bool,
    pub address: String,
    pub request_id: String,
}

/// The value of cookie `name` in the request's Cookie headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl<S: AppStore> FromRequestParts<App<S>> for Caller {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> HttpResult<Caller> {
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
        let request_id = parts.extensions.get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        let mut caller = Caller { user: None, csrf: None, session_id: None, by_token: false, address, request_id };
        let bearer =
            parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if let Some(token) = bearer {
            let key = format!("token {}", secret::sha256_hex(token.trim()));
            // Kept only from the moment it is read: a hit must not extend it, or a user disabled
            // on the command line would keep a busy token alive.
            let known = match app.callers.get(&key) {
                Some(known) => Some(known),
                None => {
                    let read = app.access.token_user(token.trim()).await?.map(|user| Known { user, csrf: None, expires_at: None });
                    if let Some(known) = &read {
                        app.callers.put(key, known.clone());
                    }
                    read
                }
            };
            let Some(known) = known else {
                return Err(HttpError::new(axum::http::StatusCode::UNAUTHORIZED, "token_invalid", "API 令牌无效或已停用"));
            };
            caller.user = Some(known.user);
            caller.by_token = true;
        } else if let Some(id) = cookie(&parts.headers, SESSION_COOKIE) {
            let key = format!("session {}", secret::sha256_hex(&id));
            let known = match app.callers.get(&key).filter(|k| k.expires_at.is_some_and(|at| at > Utc::now())) {
                Some(known) => Some(known),
                None => {
                    let read = app.access.session(&id).await?.map(|s| Known {
                        user: s.user,
                        csrf: Some(s.csrf_token),
                        expires_at: Some(s.expires_at),
                    });
                    if let Some(known) = &read {
                        app.callers.put(key, known.clone());
                    }
                    read
                }
            };
            if let Some(known) = known {
                caller.user = Some(known.user);
                caller.csrf = known.csrf;
                caller.session_id = Some(id);
            }
        }
        Ok(caller)
    }
}

/// Who a live session or a valid API token belongs to, as the server keeps it for a moment
/// (`App::callers`).
#[derive(Clone)]
pub struct Known {
    user: User,
    /// The session's CSRF token; None for an API token.
    csrf: Option<String>,
    /// When the session ends; None for an API token.
    expires_at: Option<DateTime<Utc>>,
}

impl Caller {
    /// The signed-in user, or 401.
    pub fn user(&self) -> HttpResult<&User> {
        self.user.as_ref().ok_or_else(HttpError::unauthorized)
    }

    /// The user, when their roles allow `act`; else 401 (nobody signed in) or 403.
    pub fn must(&self, act: Act) -> HttpResult<&User> {
        let user = self.user()?;
        if !user.may(act) {
            return Err(HttpError::forbidden());
        }
        Ok(user)
    }

    /// A form's CSRF token must be its session's.
    pub fn check_form(&self, token: &str) -> HttpResult<()> {
        match &self.csrf {
            Some(expected) if same_secret(expected, token) => Ok(()),
            _ => Err(HttpError::csrf().as_page()),
        }
    }

    /// An API write with a session cookie must carry the session's CSRF token in a header;
    /// one with an API token needs none (no browser sends it on its own).
    pub fn check_api_write(&self, headers: &HeaderMap) -> HttpResult<()> {
        if self.by_token {
            return Ok(());
        }
        let given = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        match &self.csrf {
            Some(expected) if same_secret(expected, given) => Ok(()),
            _ => Err(HttpError::csrf()),
        }
    }

    pub fn username(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.username.as_str())
    }
}

/// A caller who must be signed in: refused with 401 before the body is read, so an anonymous
/// request learns nothing from how its body would have been judged.
pub struct Signed(pub Caller);

impl<S: AppStore> FromRequestParts<App<S>> for Signed {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, app: &App<S>) -> HttpResult<Signed> {
        let caller = Caller::from_request_parts(parts, app).await?;
        caller.user()?;
        Ok(Signed(caller))
    }
}
