//! The HTTP service: liveness (`/healthz`), the OpenAPI document
//! (`/openapi.json`, generated from the handlers themselves so it cannot
//! drift), logins, the decision API for forum software (`/v1/decide`), policy
//! commands (`/v1/commands`) and the views of records each caller may see.
//!
//! Every error is JSON, `{"code", "requirement"?, "message"}`, with a 4xx
//! status for anything the client can fix: malformed JSON, unknown fields,
//! wrong types, oversized bodies and policy refusals never answer 500.
//!
//! ## Layout
//! - [`auth`]: who is calling (API token, login session with CSRF, nobody),
//!   login and logout; `password`: changing one's password.
//! - `decide`: `/v1/decide` and its batch form.
//! - `commands`: `/v1/commands`.
//! - `views`: the records a caller may see, through `modpod_policy::views`.
//! - [`metrics`]: `/metrics` for Prometheus, and the request counter.
//! - `public`: what anybody may see: the transparency report, the moderator
//!   roster and coverage.
//!
//! The web pages for people (`crate::web`) are served by the same router.

mod audit;
pub mod auth;
pub(crate) mod commands;
mod decide;
pub mod metrics;
mod password;
pub(crate) mod public;
mod views;

use crate::engine::{Engine, EngineError, View, Views};
use crate::readers::Readers;
use auth::{Credentials, LoginLimits};
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State as Extract};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use modpod_enforce::Policy;
use modpod_store::{EventStore, StoreError};
use serde::Serialize;
use std::sync::{Arc, Mutex, RwLock};
use utoipa::{OpenApi, ToSchema};

pub use decide::MAX_BATCH;

/// The largest request body accepted.
pub const MAX_BODY: usize = 256 * 1024;

/// What every handler shares: its [`AppParts`], behind one reference count.
/// axum clones it for every request, for each extractor and middleware that
/// takes it, so a clone is one count, not one for each of the parts (it was
/// a sixth of the server's time under "take action" at full load).
#[derive(Clone)]
pub struct App(Arc<AppParts>);

impl std::ops::Deref for App {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

impl From<AppParts> for App {
    fn from(parts: AppParts) -> App {
        App(Arc::new(parts))
    }
}

impl App {
    pub fn new(engine: Arc<Mutex<Engine>>, policy: Arc<Policy>) -> App {
        AppParts::new(engine, policy).into()
    }

    /// The parts, to change before serving: this handle's own copy of them
    /// if another handle shares them.
    pub fn parts_mut(&mut self) -> &mut AppParts {
        Arc::make_mut(&mut self.0)
    }

    /// Offers login through this OpenID Connect provider.
    #[must_use]
    pub fn with_oidc(mut self, oidc: crate::oidc::Oidc) -> App {
        self.parts_mut().oidc = Some(Arc::new(oidc));
        self
    }
}

/// What an [`App`] holds.
///
/// Only commands lock the engine, through the group commit
/// ([`crate::commit::Committer`]); everything that reads
/// reads the view the engine published last ([`AppParts::view`]) and, beside it,
/// the store on a connection of its own ([`AppParts::read_store`]).
#[derive(Clone)]
pub struct AppParts {
    pub engine: Arc<Mutex<Engine>>,
    /// What the engine published last: what requests read.
    pub views: Views,
    /// Connections of the readers' own to the log's store.
    pub readers: Arc<Readers>,
    /// Answers "may this post go through?", with the counters of rate limits
    /// that the Postfix policy server shares.
    pub policy: Arc<Policy>,
    pub credentials: Arc<Credentials>,
    pub login_limits: Arc<LoginLimits>,
    pub metrics: Arc<metrics::Metrics>,
    /// Login through an OpenID Connect provider, when configured.
    pub oidc: Option<Arc<crate::oidc::Oidc>>,
    /// Whether this service sends the notifications the log owes (it was
    /// given a mail server); the pages say so when it does not.
    pub sends_notifications: bool,
    /// The forum software modpod drives, if any: the action page says how
    /// each action stands there.
    pub forum_software: Vec<Arc<dyn crate::enforcement::ForumSoftware>>,
    /// The reverse proxies whose `X-Forwarded-For` names the client (for the
    /// login limits); from any other peer the header is ignored.
    pub trusted_proxies: Arc<[auth::TrustedProxy]>,
    /// The transparency log's public directory, served at `/audit/`.
    pub audit_dir: Option<std::path::PathBuf>,
    /// The last sync with the registry of groups this process ran (FORUM-5),
    /// for the operators' page.
    pub registry_report: Arc<RwLock<Option<crate::registry::Report>>>,
    /// The public pages, rendered once per change of the log.
    pub public_pages: Arc<crate::kept::Kept<Arc<crate::web::PublicPage>>>,
    /// The public JSON answers, made once per change of the log.
    pub public_answers: Arc<crate::kept::Kept<axum::body::Bytes>>,
    /// The transparency report's counts by period, moved from one change of
    /// the log to the next (page and JSON alike).
    pub tallies: Arc<crate::kept::Tallies>,
    /// The people as the search of `/people` reads them.
    pub people: Arc<crate::web::People>,
    /// The notifications' texts the engine checks the team's drafts
    /// against (TEMPLATE-1), for the pages' previews.
    pub templates: Option<Arc<modpod_notify::Templates>>,
    /// modpod's address as browsers reach it, for links shown on pages
    /// (a password reset link).
    pub public_url: Option<Arc<str>>,
    /// Where every command is decided and recorded, with the commands that
    /// arrive with it (group commit).
    pub committer: crate::commit::Committer,
    /// Turns at reading (see [`AppParts::reading`]).
    pub turns: crate::turns::Turns,
}

impl AppParts {
    pub fn new(engine: Arc<Mutex<Engine>>, policy: Arc<Policy>) -> AppParts {
        let committer = crate::commit::Committer::new(engine.clone());
        let (templates, views) = {
            let engine = engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (engine.templates(), engine.views())
        };
        AppParts {
            readers: Arc::new(Readers::new(engine.clone())),
            views,
            engine,
            policy,
            credentials: Arc::new(Credentials::default()),
            login_limits: Arc::new(LoginLimits::default()),
            metrics: Arc::new(metrics::Metrics::default()),
            oidc: None,
            sends_notifications: false,
            forum_software: Vec::new(),
            trusted_proxies: Arc::new([]),
            audit_dir: None,
            registry_report: Arc::new(RwLock::new(None)),
            public_pages: Arc::default(),
            public_answers: Arc::default(),
            tallies: Arc::default(),
            people: Arc::default(),
            templates,
            public_url: None,
            committer,
            turns: crate::turns::Turns::for_this_machine(),
        }
    }

    /// Runs `f` (a read: a page built and rendered, an answer made) on a
    /// blocking thread once it is its turn ([`crate::turns`]).
    pub(crate) async fn reading<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        self.turns.run(f).await
    }

    /// The view the engine published last: the state as of its last change,
    /// read without waiting for anything.
    pub fn view(&self) -> Arc<View> {
        self.views.load()
    }

    /// Runs `f` on the view published last, on a blocking thread (reading
    /// a large state takes a while, and must not hold up an async one).
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&View) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let view = self.view();
        self.reading(move || f(&view))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs `f` on a connection of the readers' own to the log's store (for
    /// sessions, tokens, accounts, the ledgers beside the log), on a blocking
    /// thread. It never locks the engine.
    pub(crate) async fn read_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn EventStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let readers = self.readers.clone();
        store_answer(self.reading(move || readers.with(f)).await)
    }

    /// [`AppParts::read_store`] for checking a password, which takes tens of
    /// milliseconds of hashing: not in turn with the reads, so that logins
    /// never hold up pages (the login limits bound how many there are).
    pub(crate) async fn check_password<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn EventStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let readers = self.readers.clone();
        store_answer(tokio::task::spawn_blocking(move || readers.with(f)).await)
    }
}

/// What a read on a readers' connection came to, as an answer's error.
fn store_answer<T>(
    done: Result<Result<T, StoreError>, tokio::task::JoinError>,
) -> Result<T, ApiError> {
    done.map_err(ApiError::internal)?
        .map_err(|e| ApiError::from(EngineError::Store(e)))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "modpod",
        description = "Community moderation for a standards body's public fora, as RFC 9945 (BCP 245) describes it."
    ),
    paths(
        healthz,
        openapi,
        auth::login,
        auth::logout,
        password::change,
        decide::decide,
        decide::decide_batch,
        commands::commands,
        views::me,
        views::fora,
        views::reports,
        views::report,
        views::actions,
        views::action,
        views::history,
        views::appeals,
        views::reinstatements,
        views::llc_actions,
        views::alerts,
        views::person,
        views::procedures,
        views::note_well,
        views::announcements,
        public::transparency_json,
        public::moderators,
        public::coverage,
        public::statistics,
        public::statistics_csv,
        metrics::metrics,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token, made with `modpod token create`"))
                    .build(),
            ),
        );
    }
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .route("/v1/login", post(auth::login))
        .route("/v1/logout", post(auth::logout))
        .route("/v1/decide", post(decide::decide))
        .route("/v1/decide/batch", post(decide::decide_batch))
        .route("/v1/commands", post(commands::commands))
        .route("/v1/me", get(views::me))
        .route("/v1/me/password", post(password::change))
        .route("/v1/fora", get(views::fora))
        .route("/v1/reports", get(views::reports))
        .route("/v1/reports/{id}", get(views::report))
        .route("/v1/actions", get(views::actions))
        .route("/v1/actions/{id}", get(views::action))
        .route("/v1/people/{id}", get(views::person))
        .route("/v1/people/{id}/history", get(views::history))
        .route("/v1/procedures", get(views::procedures))
        .route("/v1/note-well", get(views::note_well))
        .route("/v1/announcements", get(views::announcements))
        .route("/v1/appeals", get(views::appeals))
        .route("/v1/reinstatements", get(views::reinstatements))
        .route("/v1/llc-actions", get(views::llc_actions))
        .route("/v1/alerts", get(views::alerts))
        .route("/v1/transparency", get(public::transparency_json))
        .route("/v1/moderators", get(public::moderators))
        .route("/v1/coverage", get(public::coverage))
        .route("/v1/statistics", get(public::statistics))
        .route("/v1/statistics.csv", get(public::statistics_csv))
        .route("/metrics", get(metrics::metrics))
        .route("/audit/{*path}", get(audit::file))
        .merge(crate::web::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            metrics::track,
        ))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(no_store))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::find_client,
        ))
        .with_state(app)
}

/// Marks `Cache-Control: no-store` every answer that may be one person's: to
/// a request made with a credential (an API token, a session cookie), and
/// any answer that sets a cookie. So no browser or shared cache keeps one
/// person's page or record for the next. An answer that says how it may be
/// cached (the stylesheet, the same for everyone) keeps what it says.
async fn no_store(request: Request, next: axum::middleware::Next) -> Response {
    use axum::http::header;
    let headers = request.headers();
    let credential = headers.contains_key(header::AUTHORIZATION)
        || auth::cookie(headers, auth::SESSION_COOKIE).is_some();
    let mut response = next.run(request).await;
    let personal = credential || response.headers().contains_key(header::SET_COOKIE);
    if personal && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// An error as every endpoint reports it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// A stable, machine-readable code, e.g. `bad_request`, `not_permitted`.
    pub code: &'static str,
    /// The requirement (e.g. `ACT-2`) a policy refusal rests on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<&'static str>,
    /// What went wrong, for people.
    pub message: String,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            requirement: None,
            message: message.into(),
        }
    }

    /// The HTTP status the error answers with.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub(crate) fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "modpod could not complete the request; it is logged",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

impl ApiError {
    /// A policy refusal, with the requirement it rests on: 403 when the
    /// caller may not do it (not their role, not their forum, a forum the
    /// policy or the team does not cover), 409 when it exists already, 422
    /// when it cannot be done (out of scope, too early, out of order, invalid).
    pub(crate) fn from_refusal(refusal: modpod_policy::Refusal) -> ApiError {
        ApiError {
            status: match refusal.code() {
                "not_permitted" | "excluded_forum" | "non_public_forum" | "ineligible" => {
                    StatusCode::FORBIDDEN
                }
                "exists" => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            code: refusal.code(),
            requirement: Some(refusal.requirement().id()),
            message: refusal.to_string(),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> ApiError {
        ApiError::from(&error)
    }
}

impl From<&EngineError> for ApiError {
    fn from(error: &EngineError) -> ApiError {
        match error {
            EngineError::Refused(refusal) => ApiError::from_refusal(refusal.clone()),
            // The group the command was decided with failed as a whole: the
            // answer is the group's.
            EngineError::InGroup(group) => ApiError::from(&**group),
            EngineError::Contended => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "contended",
                error.to_string(),
            ),
            // This node's clock is behind the node that recorded the last
            // event; asking again once it has caught up succeeds.
            EngineError::BeforeHead { .. } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "clock_behind",
                error.to_string(),
            ),
            // The database is restarting, gone or full: say so, and that
            // asking again later may succeed, rather than report a failure
            // of modpod's own.
            EngineError::Store(store) if store.is_unavailable() => {
                tracing::warn!(error = %store, "the log's database is unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "modpod cannot reach or write its database just now; \
                     what it acknowledged before is kept; try again shortly",
                )
            }
            other => ApiError::internal(other),
        }
    }
}

/// JSON in, with every way it can be wrong answered as a clear 4xx; an error
/// in the JSON names the field at fault (see [`crate::json`]).
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not_json",
                "send JSON with Content-Type: application/json",
            ));
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!("the request body is larger than {MAX_BODY} bytes"),
                ),
                _ => ApiError::bad_request(rejection.body_text()),
            })?;
        crate::json::decode(&body)
            .map(ApiJson)
            .map_err(|error| ApiError::bad_request(error.to_string()))
    }
}

/// Whether the request says its body is JSON (`application/json`, or a
/// `+json` type), as axum's own `Json` asks.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// An unknown path: a page for browsers, JSON for everyone else.
async fn not_found(headers: axum::http::HeaderMap) -> Response {
    let browser = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if browser {
        crate::web::with_page_headers(crate::web::WebError::NotFound.into_response())
    } else {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint").into_response()
    }
}

/// The service is up, and this is the log it serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always "ok" when the service answers.
    pub status: &'static str,
    /// "sqlite" or "postgres".
    pub backend: &'static str,
    /// How many events the log holds.
    pub events: u64,
    /// The hash of the newest event, in hex: the anchor to compare with `modpod verify`.
    pub head: String,
}

/// Liveness and the log's head.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The service is up", body = Health)))]
async fn healthz(Extract(app): Extract<App>) -> Json<Health> {
    let view = app.view();
    let head = view.head;
    Json(Health {
        status: "ok",
        backend: view.backend,
        events: head.seq,
        head: modpod_store::hash_hex(&head.hash),
    })
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "The OpenAPI 3 document of this service")))]
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
