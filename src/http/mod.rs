//! The web application (issue 11): `mingzhang serve`. Server-rendered pages in Chinese for the
//! public, residents, cashiers, accountants, the finance office and admins, and a JSON API
//! under /api/v1 described at /api/openapi.json. Handlers are thin: each asks the access wing
//! who may act, then calls one operation of a wing, and renders what it returns.
//!
//! SQLite's writes all go through the store's one writer connection (its own thread, see
//! `store::engine`), reads through a pool beside it; PostgreSQL uses its pool.

pub mod api;
pub mod approval;
pub mod batch;
pub mod books;
pub mod error;
pub mod extract;
pub mod input;
pub mod kept;
pub mod metrics;
pub mod overview;
pub mod pages;
pub mod subsidy_input;
pub mod views;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tracing::Instrument;

use crate::access::limiter::Limiter;
use crate::access::{Access, Act, AuditEntry};
use crate::domain::ids::CommunityId;
use crate::error::{Error, Result};
use crate::fees::Fees;
use crate::ledger::rows::CommunityRow;
use crate::ledger::{Book, Ledger};
use error::{HttpError, HttpResult};
use extract::Caller;
use kept::Kept;

use crate::app::AppStore;

/// Requests' bodies are small forms and JSON; a household file is the largest upload.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

/// The id of a request: the client's X-Request-Id when it sent a sane one, else a new one.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Attempts allowed before a pause (15 minutes): per account, per address, per household.
pub struct Limits {
    pub login_account: Limiter,
    pub login_address: Limiter,
    pub code_household: Limiter,
    pub code_address: Limiter,
    /// Failed receipt verifications, per receipt and per address.
    pub verify_receipt: Limiter,
    pub verify_address: Limiter,
}

impl Limits {
    fn new() -> Limits {
        let window = Duration::from_secs(15 * 60);
        Limits {
            login_account: Limiter::new(5, window),
            login_address: Limiter::new(20, window),
            code_household: Limiter::new(5, window),
            code_address: Limiter::new(20, window),
            verify_receipt: Limiter::new(5, window),
            verify_address: Limiter::new(20, window),
        }
    }
}

/// The server's state: the wings over one store, the limits and a cache of public pages.
pub struct App<S: AppStore> {
    pub ledger: Ledger<S>,
    pub fees: Fees<S>,
    pub access: Access<S>,
    pub limits: Arc<Limits>,
    /// Rendered public pages, kept for PUBLIC_PAGE_TTL: the page everybody reads is the one
    /// that must stand thousands of requests a second.
    pub public_pages: Arc<Mutex<PublicPages>>,
    /// Payments go through one queue, recorded by group commit.
    pub payments: batch::Payments,
    /// Communities as last loaded (row, street, fee book), kept for SCOPE_TTL: every request
    /// of a community needs them, and loading a book reads its whole chart.
    scopes: Kept<CommunityId, Scope>,
    /// Who a session or an API token belongs to (by its SHA-256), kept for SCOPE_TTL: every
    /// signed request needs its user, roles and communities.
    pub callers: Kept<String, extract::Known>,
    /// Access codes issued with a receipt taken on the cashier's page, by (community, receipt
    /// number), kept for NEW_CODE_TTL so that the receipt page and its PDF can print them.
    /// Codes are stored only hashed; after this the receipt says the code was given.
    pub new_codes: Kept<(CommunityId, i64), String>,
    /// A resident's visit after their code opened their household's page (by the SHA-256 of
    /// the visit's cookie): (community, household), kept for RESIDENT_TTL, so that the page
    /// reloads and its receipts download without the code typed again, until 退出.
    pub residents: Kept<String, (CommunityId, crate::domain::ids::HouseholdId)>,
    /// The site's address as residents reach it (`serve --public-url`), printed on receipts
    /// and disclosures; the listening address when not given.
    pub public_url: Arc<str>,
    /// For the receipt verification page, which must stand a thousand requests a second: each
    /// community's book secret (never changes), each month's payment tree (a closed month's
    /// never changes; a tree lacking a receipt is built again), and the published root of
    /// each month (dropped when this server publishes; another process's publication is seen
    /// within VERIFY_TTL).
    pub book_secrets: Kept<i64, crate::disclosure::codes::BookSecret>,
    pub month_trees: Kept<(i64, crate::domain::period::Period), Arc<crate::disclosure::MonthTree>>,
    pub published_trees: Kept<(i64, crate::domain::period::Period), PublishedTree>,
}

/// A month's tree as published: the version that holds it and its root.
pub type PublishedTree = (crate::disclosure::store::PublicationRow, crate::disclosure::pack::TreeRoot);

pub const VERIFY_TTL: Duration = Duration::from_secs(10);

pub const RESIDENT_TTL: Duration = Duration::from_secs(30 * 60);
pub const NEW_CODE_TTL: Duration = Duration::from_secs(15 * 60);

/// How long a loaded community (its street, its fee book's settings and chart) is reused. A
/// change made by this server drops it at once (`forget_scopes`); one made by another process
/// (the command line) is seen within this time. Sessions and tokens are kept as long: a user
/// disabled or a password changed on the command line takes effect within it; through the
/// server, at once.
pub const SCOPE_TTL: Duration = Duration::from_secs(2);

impl<S: AppStore> Clone for App<S> {
    fn clone(&self) -> Self {
        App {
            ledger: self.ledger.clone(),
            fees: self.fees.clone(),
            access: self.access.clone(),
            limits: self.limits.clone(),
            public_pages: self.public_pages.clone(),
            payments: self.payments.clone(),
            scopes: self.scopes.clone(),
            callers: self.callers.clone(),
            new_codes: self.new_codes.clone(),
            residents: self.residents.clone(),
            public_url: self.public_url.clone(),
            book_secrets: self.book_secrets.clone(),
            month_trees: self.month_trees.clone(),
            published_trees: self.published_trees.clone(),
        }
    }
}

/// Each community's public page as last rendered, and when.
pub type PublicPages = HashMap<CommunityId, (Instant, Arc<String>)>;

pub const PUBLIC_PAGE_TTL: Duration = Duration::from_secs(10);

/// A community a caller reaches, with its street and the book its fees are kept in.
#[derive(Clone)]
pub struct Scope {
    pub community: CommunityRow,
    pub street: String,
    /// Shared: every request of the community reads it from `App::scopes`, and a book carries
    /// its whole chart.
    pub book: Arc<Book>,
}

impl<S: AppStore> App<S> {
    pub fn new(store: S) -> App<S> {
        let ledger = Ledger::new(store.clone());
        App {
            payments: batch::Payments::start(Fees::new(&ledger)),
            fees: Fees::new(&ledger),
            ledger,
            access: Access::new(store),
            limits: Arc::new(Limits::new()),
            public_pages: Arc::new(Mutex::new(HashMap::new())),
            scopes: Kept::new(SCOPE_TTL),
            callers: Kept::new(SCOPE_TTL),
            new_codes: Kept::new(NEW_CODE_TTL),
            residents: Kept::new(RESIDENT_TTL),
            public_url: Arc::from("http://127.0.0.1:8080"),
            book_secrets: Kept::new(Duration::from_secs(3600)),
            month_trees: Kept::new(Duration::from_secs(60)),
            published_trees: Kept::new(VERIFY_TTL),
        }
    }

    /// The app with the address printed on receipts and disclosures.
    pub fn with_public_url(self, url: &str) -> App<S> {
        App { public_url: Arc::from(url.trim_end_matches('/')), ..self }
    }

    /// Drops the loaded communities, after a write that may change one (a street, a book).
    pub fn forget_scopes(&self) {
        self.scopes.forget();
    }

    /// Drops who each session and token belongs to, after a change of a user, a session or a
    /// token: the next request reads them again.
    pub fn forget_callers(&self) {
        self.callers.forget();
        self.scopes.forget();
    }

    /// Community `id` with its fee book, whatever the caller (the public pages).
    pub async fn community(&self, id: CommunityId) -> HttpResult<Scope> {
        if let Some(scope) = self.scopes.get(&id) {
            return Ok(scope);
        }
        let community = self.communities().await?.into_iter().find(|c| c.id == id).ok_or_else(HttpError::not_found)?;
        let street = self.access.street_of(community.id).await?;
        let book = self.fee_book(community.id).await?;
        let scope = Scope { community, street, book: Arc::new(book) };
        self.scopes.put(id, scope.clone());
        Ok(scope)
    }

    /// Community `id` as `caller` may reach it for `act`: 403 when the role does not allow the
    /// act at all, 404 when the community is not the caller's (as for one that does not exist).
    pub async fn scope(&self, caller: &Caller, id: CommunityId, act: Act) -> HttpResult<Scope> {
        let user = caller.must(act)?;
        let scope = self.community(id).await?;
        if !user.reaches(&scope.community, &scope.street) {
            return Err(HttpError::not_found());
        }
        Ok(scope)
    }

    pub async fn communities(&self) -> HttpResult<Vec<CommunityRow>> {
        use crate::ledger::store::LedgerTx;
        Ok(self.ledger.store.read().await?.communities().await?)
    }

    /// The communities `caller` reaches, with their streets.
    pub async fn reachable(&self, caller: &Caller) -> HttpResult<Vec<(CommunityRow, String)>> {
        let user = caller.user()?;
        let mut all = self.access.community_streets().await?;
        all.retain(|(c, street)| user.reaches(c, street));
        Ok(all)
    }

    /// The book of a community whose chart keeps property fees (the company's).
    async fn fee_book(&self, community_id: CommunityId) -> Result<Book> {
        for row in self.ledger.books(community_id).await? {
            let book = self.ledger.book(community_id, &row.code).await?;
            if crate::fees::fee_accounts(&book).is_ok() {
                return Ok(book);
            }
        }
        Err(Error::not_found("收取物业费的账套"))
    }

    /// Records a write in the audit log. A write whose audit entry fails is still done: the
    /// failure is logged loudly rather than hiding the write's answer.
    pub async fn audit(&self, caller: &Caller, community_id: Option<CommunityId>, action: &str, target: &str) {
        let entry = AuditEntry {
            user_id: caller.user.as_ref().map(|u| u.id),
            username: caller.username(),
            community_id,
            action,
            target,
            address: &caller.address,
            request_id: &caller.request_id,
        };
        if let Err(e) = self.access.audit(&entry).await {
            tracing::error!(error = %e, action, target, "audit entry not written");
        }
    }
}

/// Every route of the application over `store`.
pub fn router<S: AppStore>(app: App<S>) -> Router {
    let layers = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn(observe))
        // A bug that panics answers 500 (and is logged) instead of dropping the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "内部错误").into_response()
        }))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(60)));
    Router::new()
        .merge(pages::routes::<S>())
        .merge(api::routes::<S>())
        .route_layer(axum::middleware::from_fn_with_state(app.clone(), api::documented_roles::<S>))
        .fallback(|| async { HttpError::not_found().as_page() })
        .layer(axum::middleware::from_fn_with_state(app.clone(), dress_error::<S>))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(layers)
        .with_state(app)
}

/// An error page shown to a signed-in user keeps the site's header (their navigation and
/// sign-out), as every other page does; the error itself is made without knowing the caller.
async fn dress_error<S: AppStore>(State(app): State<App<S>>, request: Request, next: Next) -> Response {
    // Only the session's cookie is kept aside (every request passes here; few end in an
    // error page, and those are the pages' own, which a session signs).
    let cookies: Vec<HeaderValue> = request.headers().get_all(axum::http::header::COOKIE).iter().cloned().collect();
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<error::ErrorPage>().cloned() else { return response };
    let mut kept = Request::new(()).into_parts().0;
    for cookie in cookies {
        kept.headers.append(axum::http::header::COOKIE, cookie);
    }
    match <extract::Caller as axum::extract::FromRequestParts<App<S>>>::from_request_parts(&mut kept, &app).await {
        Ok(caller) if caller.user.is_some() => {
            let layout = pages::layout(&caller, "出错了");
            let page = views::error_page(response.status(), &error.message, error.field.as_deref(), Some(layout));
            let (mut head, _) = response.into_parts();
            head.headers.remove(axum::http::header::CONTENT_LENGTH);
            Response::from_parts(head, axum::body::Body::from(page))
        }
        _ => response,
    }
}

/// Gives each request its id and a tracing span that every log line of it carries, times it
/// for /metrics by route, and sets the headers every answer has.
async fn observe(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let given = request.headers().get("x-request-id").and_then(|v| v.to_str().ok());
    let id = match given {
        Some(id) if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => id.to_string(),
        _ => crate::access::secret::random_token()[..16].to_string(),
    };
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_string();
    let method = request.method().to_string();
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, %method, %route);
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let took = started.elapsed();
    span.in_scope(|| tracing::info!(status, took_ms = took.as_secs_f64() * 1000.0, "answered"));
    metrics::request(&route, &method, status, took);
    let headers = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    set(headers, "x-request-id", &id);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "same-origin");
    set(
        headers,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    response
}

/// Serves the books at `listen` until interrupted; prints the address it listens on (the port
/// chosen, for `:0`) before the first request is taken.
/// Serves the books on `listen`, and runs `verify` at start and every `verify_every` (none when
/// zero), its results on /metrics.
pub async fn serve<S: AppStore>(store: S, listen: &str, banner: &str, verify_every: Duration, public_url: Option<&str>) -> Result<()> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| Error::invalid("--listen", format!("无法在 {listen} 上监听：{e}")))?;
    let address = listener.local_addr()?;
    // A closed stdout (the server started with `| head`) is no reason to stop serving.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), format!("{banner}明账网页服务：http://{address}/\n").as_bytes());
    if !verify_every.is_zero() {
        tokio::spawn(verify_now_and_then(store.clone(), verify_every));
    }
    let public_url = public_url.map_or_else(|| format!("http://{address}"), str::to_string);
    let app = router(App::new(store.clone()).with_public_url(&public_url));
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    store.close().await;
    Ok(())
}

/// `verify` over every book, now and then every `every`: a failed run is logged and counted.
async fn verify_now_and_then<S: AppStore>(store: S, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let started = Instant::now();
        match crate::verify::verify_all(&store).await {
            Ok(report) => {
                if !report.is_clean() {
                    tracing::error!(findings = report.findings.len(), "verify found broken invariants");
                }
                metrics::verified(&report, started.elapsed());
            }
            Err(e) => {
                tracing::error!(error = %e, "verify could not run");
                metrics::count("verify_failed");
            }
        }
    }
}

/// An answer of the pages: a redirect after a form (303, so a reload does not repeat it).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, to.to_string())]).into_response()
}

/// Starts the structured log (stderr): RUST_LOG picks the level, per target if wished
/// (`info,mingzhang=debug`), MINGZHANG_LOG=json the format. A RUST_LOG that does not parse
/// leaves the default. Targets, not an `EnvFilter`: its span and field filters would bring a
/// regular-expression engine into the build, and a level per target is what operators set.
pub fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|wanted| wanted.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO).with_target("sqlx", tracing::Level::WARN));
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if std::env::var("MINGZHANG_LOG").as_deref() == Ok("json") {
        registry.with(layer.json()).try_init()
    } else {
        registry.with(layer).try_init()
    };
}
