//! The pages, in Simplified Chinese: one file per kind of reader. Every form posts its
//! session's CSRF token; every answer to a form that wrote is a redirect (303) to what it
//! wrote, so a reload never repeats it.

pub mod accountant;
mod admin;
mod arrears;
mod cashier;
mod commons;
mod disclosures;
mod login;
mod office;
mod public;
mod publishing;
pub mod subsidies;

pub use crate::http::input::{date_or_today, month_given, today};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use minijinja::Value;

use super::error::{HttpError, HttpResult};
use super::extract::Caller;
use super::{views, App};
use crate::access::{Act, Role, User};
use crate::app::AppStore;
use crate::domain::ids::CommunityId;

pub fn routes<S: AppStore>() -> Router<App<S>> {
    Router::new()
        .route("/", get(index::<S>))
        .route("/static/{version}/{name}", get(views::asset))
        .route("/app", get(home::<S>))
        .merge(login::routes::<S>())
        .merge(accountant::routes::<S>())
        .merge(public::routes::<S>())
        .merge(disclosures::routes::<S>())
        .merge(publishing::routes::<S>())
        .merge(cashier::routes::<S>())
        .merge(arrears::routes::<S>())
        .merge(office::routes::<S>())
        .merge(admin::routes::<S>())
        .merge(subsidies::routes::<S>())
        .merge(commons::routes::<S>())
}

/// A page's failure shown as a page, not as JSON.
pub trait AsPage<T> {
    fn page(self) -> HttpResult<T>;
}

impl<T, E: Into<HttpError>> AsPage<T> for std::result::Result<T, E> {
    fn page(self) -> HttpResult<T> {
        self.map_err(|e| e.into().as_page())
    }
}

#[derive(serde::Serialize)]
struct Link {
    href: &'static str,
    label: &'static str,
}

/// What every page's layout needs: its title, the user, the CSRF token for the logout form,
/// and the links the user's roles open.
pub fn layout(caller: &Caller, title: &str) -> Value {
    let nav = caller.user.as_ref().map(nav_of).unwrap_or_default();
    minijinja::context! {
        title,
        user => caller.user.as_ref().map(|u| minijinja::context! { display_name => u.display_name, username => u.username }),
        csrf => caller.csrf.clone().unwrap_or_default(),
        nav,
    }
}

fn nav_of(user: &User) -> Vec<Link> {
    let mut links = vec![Link { href: "/app", label: "工作台" }];
    if user.has(Role::FinanceOffice) || user.has(Role::Admin) || user.has(Role::Auditor) {
        links.push(Link { href: "/app/office", label: "街道总览" });
    }
    if user.has(Role::Admin) {
        links.push(Link { href: "/app/admin/users", label: "用户" });
    }
    if user.may(Act::ReadAudit) {
        links.push(Link { href: "/app/admin/audit", label: "审计日志" });
    }
    links
}

/// Renders `template` inside the layout with `data`.
pub fn page(caller: &Caller, template: &str, title: &str, data: Value) -> HttpResult<Html<String>> {
    views::render(template, minijinja::context! { ..layout(caller, title), ..data }).page()
}

/// Renders a page with a status other than 200 (a refused form shown again with its message).
pub fn page_with(status: StatusCode, caller: &Caller, template: &str, title: &str, data: Value) -> HttpResult<Response> {
    Ok((status, page(caller, template, title, data)?).into_response())
}

/// A table as a file to save (`csv` or `xlsx`) named `name` (any text: the header escapes it);
/// any other format is a 404 page.
pub fn table_file(table: &crate::render::table::Table, name: &str, format: &str) -> HttpResult<Response> {
    let disposition = |ext: &str| attachment(name, ext);
    match format {
        "csv" => Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition("csv"))],
            table.to_csv(),
        )
            .into_response()),
        "xlsx" => {
            let bytes = table.to_xlsx().page()?;
            Ok((
                [(header::CONTENT_TYPE, crate::render::table::XLSX_TYPE.to_string()), (header::CONTENT_DISPOSITION, disposition("xlsx"))],
                bytes,
            )
                .into_response())
        }
        _ => Err(HttpError::not_found().as_page()),
    }
}

/// Content-Disposition of a file to save named `name`.`ext` (RFC 5987: every byte of the name
/// outside A–Z a–z 0–9 escaped).
pub fn attachment(name: &str, ext: &str) -> String {
    format!("attachment; filename*=UTF-8''{}.{ext}", utf8_percent(name))
}

fn utf8_percent(text: &str) -> String {
    text.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The file of an upload form (multipart: `csrf`, `file`), once its CSRF token is checked.
pub async fn upload(caller: &Caller, form: &mut axum::extract::Multipart) -> HttpResult<Vec<u8>> {
    let (mut csrf, mut file) = (String::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(|e| HttpError::invalid("file", format!("上传内容无法读取：{e}")).as_page())?
    {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                file = field.bytes().await.map_err(|e| HttpError::invalid("file", format!("文件无法读取：{e}")).as_page())?.to_vec()
            }
            _ => {}
        }
    }
    caller.check_form(&csrf)?;
    Ok(file)
}

/// A submitted form's fields; a field may repeat (the bills ticked).
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// Reads a form body: it must be `application/x-www-form-urlencoded`.
    pub fn parse(headers: &HeaderMap, body: &Bytes) -> HttpResult<Fields> {
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !content_type.starts_with("application/x-www-form-urlencoded") {
            return Err(HttpError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "表单须以 application/x-www-form-urlencoded 提交",
            )
            .as_page());
        }
        Ok(Fields(form_urlencoded::parse(body).into_owned().collect()))
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A form posted to a community's page: its fields, once the caller's role may `act` in the
/// community and the form carries the session's CSRF token, checked in that order.
pub async fn community_form<S: AppStore>(
    app: &App<S>,
    caller: &Caller,
    id: CommunityId,
    act: Act,
    headers: &HeaderMap,
    body: &Bytes,
) -> HttpResult<(Fields, super::Scope)> {
    let form = Fields::parse(headers, body)?;
    let scope = app.scope(caller, id, act).await.page()?;
    caller.check_form(form.get("csrf"))?;
    Ok((form, scope))
}

async fn index<S: AppStore>(State(app): State<App<S>>, caller: Caller) -> HttpResult<Html<String>> {
    let mut communities = Vec::new();
    for c in app.communities().await.page()? {
        let street = app.access.street_of(c.id).await.page()?;
        communities.push(minijinja::context! { id => c.id.0, name => c.name, street });
    }
    page(&caller, "index.html", "明账", minijinja::context! { communities })
}

async fn home<S: AppStore>(State(app): State<App<S>>, caller: Caller) -> HttpResult<Html<String>> {
    let user = caller.user().page()?;
    let communities: Vec<Value> =
        app.reachable(&caller).await.page()?.into_iter().map(|(c, _)| minijinja::context! { id => c.id.0, name => c.name }).collect();
    let roles = user.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、");
    let data = minijinja::context! { communities, roles, may_collect => user.may(Act::Collect), may_keep => user.may(Act::Keep),
    may_read_households => user.may(Act::ReadHouseholds) };
    page(&caller, "home.html", "工作台", data)
}
