//! Login and logout. A login starts a new session (a new id, whatever cookie came with it) and
//! is refused after repeated failures per account and per address; logout ends the session on
//! the server, so its cookie opens nothing even if kept.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::{page, page_with, AsPage, Fields};
use crate::access::{secret, SESSION_HOURS};
use crate::app::AppStore;
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::{cookie, same_secret, Caller, FORM_CSRF_COOKIE, SESSION_COOKIE};
use crate::http::{see_other, App};

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new().route("/login", get(login_form).post(login::<S>)).route("/logout", axum::routing::post(logout::<S>))
}

/// Cookies are marked Secure when the request came over TLS through a proxy that says so.
pub(super) fn secure(headers: &HeaderMap) -> &'static str {
    match headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "; Secure",
        _ => "",
    }
}

pub(super) fn with_cookie(mut response: Response, cookie: String) -> Response {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// A form shown before there is a session, with a fresh token in it and in its cookie.
pub(super) fn form_with_token(
    headers: &HeaderMap,
    render: impl FnOnce(&str) -> HttpResult<axum::response::Html<String>>,
) -> HttpResult<Response> {
    let token = secret::random_token();
    let body = render(&token)?;
    let cookie = format!("{FORM_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600{}", secure(headers));
    Ok(with_cookie(body.into_response(), cookie))
}

/// A form posted without a session must carry the token its cookie holds.
pub(super) fn check_form_token(headers: &HeaderMap, form: &Fields) -> HttpResult<String> {
    let expected = cookie(headers, FORM_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_secret(&expected, form.get("csrf")) {
        return Err(HttpError::csrf().as_page());
    }
    Ok(expected)
}

async fn login_form(headers: HeaderMap, caller: Caller) -> HttpResult<Response> {
    form_with_token(&headers, |token| page(&caller, "login.html", "登录", minijinja::context! { login_csrf => token, username => "" }))
}

async fn login<S: AppStore>(State(app): State<App<S>>, headers: HeaderMap, caller: Caller, body: Bytes) -> HttpResult<Response> {
    let form = Fields::parse(&headers, &body)?;
    let expected = check_form_token(&headers, &form)?;
    let username = form.get("username").trim().to_string();
    let limits = &app.limits;
    let account_key = format!("login:{username}");
    let address_key = format!("login@{}", caller.address);
    if let Err(wait) = limits.login_account.check(&account_key).and(limits.login_address.check(&address_key)) {
        app.audit(&caller, None, "login.refused", &username).await;
        return Err(HttpError::too_many(wait.as_secs()).as_page());
    }
    let user = match app.access.authenticate(&username, form.get("password")).await {
        Ok(user) => user,
        Err(e) => {
            limits.login_account.failed(&account_key);
            limits.login_address.failed(&address_key);
            app.audit(&caller, None, "login.failed", &username).await;
            let again = minijinja::context! { login_csrf => expected, username, message => e.to_string() };
            return page_with(StatusCode::UNAUTHORIZED, &caller, "login.html", "登录", again);
        }
    };
    limits.login_account.succeeded(&account_key);
    if let Some(old) = &caller.session_id {
        app.access.end_session(old).await.page()?;
        app.forget_callers();
    }
    let (id, _) = app.access.start_session(&user, &caller.address).await.page()?;
    let signed_in = Caller { user: Some(user.clone()), ..caller };
    app.audit(&signed_in, None, "login", &user.username).await;
    let secure = secure(&headers);
    let response = with_cookie(
        see_other("/app"),
        format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", SESSION_HOURS * 3600),
    );
    Ok(with_cookie(response, format!("{FORM_CSRF_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")))
}

async fn logout<S: AppStore>(State(app): State<App<S>>, headers: HeaderMap, caller: Caller, body: Bytes) -> HttpResult<Response> {
    let form = Fields::parse(&headers, &body)?;
    caller.check_form(form.get("csrf"))?;
    if let Some(id) = &caller.session_id {
        app.access.end_session(id).await.page()?;
        app.forget_callers();
        app.audit(&caller, None, "logout", caller.username()).await;
    }
    Ok(with_cookie(see_other("/"), format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", secure(&headers))))
}
