//! The HTTP service: liveness (`/healthz`), the OpenAPI document
//! (`/openapi.json`, generated from the handlers themselves so it cannot
//! drift), the decision API for forum software (`/v1/decide`) and commands
//! recorded by machines (`/v1/commands`), both authenticated by API token.
//!
//! Every error is JSON, `{"code", "requirement"?, "message"}`, with a 4xx
//! status for anything the client can fix: malformed JSON, unknown fields,
//! wrong types, oversized bodies and policy refusals never answer 500.

use crate::engine::{Engine, EngineError};
use crate::tokens::{self, Bearer, Scope};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State as Extract};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use modpod_enforce::{Outcome, Policy};
use modpod_policy::ids::PersonId;
use modpod_policy::model::{Capacity, MAX_IDENTITY};
use modpod_policy::{Actor, Command};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::{OpenApi, ToSchema};

/// The largest request body accepted.
pub const MAX_BODY: usize = 256 * 1024;

/// The most questions one `/v1/decide/batch` request may ask.
pub const MAX_BATCH: usize = 1000;

/// How long a checked token is trusted without asking the store again: a
/// revoked token stops working within this time.
pub const TOKEN_RECHECK: Duration = Duration::from_secs(10);

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    pub engine: Arc<Mutex<Engine>>,
    /// Answers "may this post go through?", with the counters of rate limits
    /// that the Postfix policy server shares.
    pub policy: Arc<Policy>,
    pub tokens: Arc<TokenCache>,
}

impl App {
    pub fn new(engine: Arc<Mutex<Engine>>, policy: Arc<Policy>) -> App {
        App {
            engine,
            policy,
            tokens: Arc::new(TokenCache::default()),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "modpod",
        description = "Community moderation for a standards body's public fora, as RFC 9945 (BCP 245) describes it."
    ),
    paths(healthz, openapi, decide, decide_batch, commands),
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
        .route("/v1/decide", post(decide))
        .route("/v1/decide/batch", post(decide_batch))
        .route("/v1/commands", post(commands))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
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
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            requirement: None,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    fn internal(error: impl std::fmt::Display) -> ApiError {
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

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> ApiError {
        match error {
            EngineError::Refused(refusal) => ApiError {
                status: if refusal.code() == "not_permitted" {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                code: refusal.code(),
                requirement: Some(refusal.requirement()),
                message: refusal.to_string(),
            },
            EngineError::Contended => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "contended",
                error.to_string(),
            ),
            other => ApiError::internal(other),
        }
    }
}

/// JSON in, with every way it can be wrong answered as a clear 4xx.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!("the request body is larger than {MAX_BODY} bytes"),
                ),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "not_json",
                    "send JSON with Content-Type: application/json",
                ),
                _ => ApiError::bad_request(rejection.body_text()),
            }),
        }
    }
}

/// Tokens checked lately, by the BLAKE3 hash of the whole token, so that a
/// busy forum's every request does not wait on the database.
#[derive(Default)]
pub struct TokenCache {
    checked: Mutex<HashMap<[u8; 32], (Bearer, Instant)>>,
}

/// The bearer of a valid API token; rejects the request otherwise.
pub struct Authenticated(pub Bearer);

impl FromRequestParts<App> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let unauthenticated =
            |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message);
        let presented = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| unauthenticated("send an API token: Authorization: Bearer mpt_…"))?
            .trim()
            .to_owned();
        let key = *blake3::hash(presented.as_bytes()).as_bytes();
        if let Ok(cache) = app.tokens.checked.lock()
            && let Some((bearer, at)) = cache.get(&key)
            && at.elapsed() < TOKEN_RECHECK
        {
            return Ok(Authenticated(bearer.clone()));
        }
        let engine = app.engine.clone();
        let checked = tokio::task::spawn_blocking(move || {
            let mut engine = engine.lock().unwrap_or_else(|p| p.into_inner());
            tokens::check(engine.store(), &presented)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        let Some(bearer) = checked else {
            return Err(unauthenticated("this API token is unknown or revoked"));
        };
        if let Ok(mut cache) = app.tokens.checked.lock() {
            cache.retain(|_, (_, at)| at.elapsed() < TOKEN_RECHECK);
            cache.insert(key, (bearer.clone(), Instant::now()));
        }
        Ok(Authenticated(bearer))
    }
}

impl Authenticated {
    fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.0.scope.allows(scope) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "wrong_scope",
                format!("this token's scope is {}; this needs {scope}", self.0.scope),
            ))
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
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
    let engine = app
        .engine
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let head = engine.head();
    Json(Health {
        status: "ok",
        backend: engine.backend(),
        events: head.seq,
        head: modpod_store::hash_hex(&head.hash),
    })
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "The OpenAPI 3 document of this service")))]
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// May this sender post in this forum now?
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    /// The forum's id, e.g. the list address `tls@ietf.org` (compared
    /// lower-cased).
    pub forum: String,
    /// The sender's identity as the forum knows it, e.g. an email address.
    pub sender: String,
    /// Whether this question is a post to count against a rate limit
    /// (default `true`: ask once per post). `false` asks without counting.
    #[serde(default = "yes")]
    pub count: bool,
}

fn yes() -> bool {
    true
}

/// The answer. An unknown forum or sender is allowed: modpod restricts only
/// what an action names.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecideResponse {
    /// `allow`, `hold` (for review by a moderator), `reject` (suspended) or
    /// `defer` (over a rate limit; try again later).
    pub verdict: &'static str,
    /// For `reject`: when the suspension ends; absent when indefinite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// For `defer`: seconds until a post will be accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// A sentence to show the sender.
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideBatchRequest {
    /// At most 1000 questions, answered in order.
    pub requests: Vec<DecideRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecideBatchResponse {
    /// One answer per question, in the order asked.
    pub results: Vec<DecideResponse>,
}

fn decide_one(
    policy: &Policy,
    q: &DecideRequest,
    now: Timestamp,
) -> Result<DecideResponse, ApiError> {
    for (name, value) in [("forum", &q.forum), ("sender", &q.sender)] {
        if value.trim().is_empty() || value.len() > MAX_IDENTITY {
            return Err(ApiError::bad_request(format!(
                "{name} must be 1 to {MAX_IDENTITY} bytes long"
            )));
        }
    }
    let forum = q.forum.to_ascii_lowercase();
    let outcome = policy
        .decide_post(&forum, &q.sender, now, q.count)
        .map_err(|unavailable| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                unavailable.to_string(),
            )
        })?;
    let message = outcome.explain(&forum);
    Ok(match outcome {
        Outcome::Allow => DecideResponse {
            verdict: "allow",
            until: None,
            retry_after_seconds: None,
            message,
        },
        Outcome::Hold => DecideResponse {
            verdict: "hold",
            until: None,
            retry_after_seconds: None,
            message,
        },
        Outcome::Reject { until } => DecideResponse {
            verdict: "reject",
            until: until.map(|t| t.to_string()),
            retry_after_seconds: None,
            message,
        },
        Outcome::Defer {
            retry_after_seconds,
            ..
        } => DecideResponse {
            verdict: "defer",
            until: None,
            retry_after_seconds: Some(retry_after_seconds),
            message,
        },
    })
}

/// Asks, for one post, whether it may go through (ACT-8). For forum software
/// other than Postfix: chat bots, repository webhooks, wiki hooks.
#[utoipa::path(post, path = "/v1/decide", request_body = DecideRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The answer", body = DecideResponse),
        (status = 400, description = "Malformed question", body = ApiError),
        (status = 401, description = "No valid API token", body = ApiError),
    ))]
async fn decide(
    Extract(app): Extract<App>,
    auth: Authenticated,
    ApiJson(question): ApiJson<DecideRequest>,
) -> Result<Json<DecideResponse>, ApiError> {
    auth.require(Scope::Decide)?;
    decide_one(&app.policy, &question, Timestamp::now()).map(Json)
}

/// Asks for several posts at once (at most 1000), answered in order as if
/// asked one by one. One malformed question fails the whole batch.
#[utoipa::path(post, path = "/v1/decide/batch", request_body = DecideBatchRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The answers, in order", body = DecideBatchResponse),
        (status = 400, description = "Malformed question, or too many", body = ApiError),
        (status = 401, description = "No valid API token", body = ApiError),
    ))]
async fn decide_batch(
    Extract(app): Extract<App>,
    auth: Authenticated,
    ApiJson(batch): ApiJson<DecideBatchRequest>,
) -> Result<Json<DecideBatchResponse>, ApiError> {
    auth.require(Scope::Decide)?;
    if batch.requests.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_BATCH} questions per batch; this one has {}",
            batch.requests.len()
        )));
    }
    let now = Timestamp::now();
    let results = batch
        .requests
        .iter()
        .enumerate()
        .map(|(i, q)| {
            decide_one(&app.policy, q, now).map_err(|mut e| {
                e.message = format!("question {}: {}", i + 1, e.message);
                e
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Json(DecideBatchResponse { results }))
}

/// One command, recorded as the token's person in the capacity claimed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    /// The capacity claimed, e.g. `administrator`, `moderator`,
    /// `participant`; the policy checks the person holds it where it matters.
    #[serde(rename = "as")]
    #[schema(value_type = String)]
    pub capacity: Capacity,
    /// The command, e.g. `{"command": "take_action", ...}`.
    #[schema(value_type = Object)]
    pub command: Command,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedEvent {
    pub seq: u64,
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyWarning {
    pub requirement: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommandResponse {
    /// The events recorded, in order.
    pub events: Vec<RecordedEvent>,
    /// What the policy asks people to know (e.g. a team below its size).
    pub warnings: Vec<PolicyWarning>,
}

/// Records one policy command, decided by the policy core: a refusal comes
/// back as 403 (not permitted) or 422 (not possible now) with the
/// requirement it rests on, and records nothing.
#[utoipa::path(post, path = "/v1/commands", request_body = CommandRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "Recorded", body = CommandResponse),
        (status = 400, description = "Malformed command", body = ApiError),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 403, description = "Not permitted", body = ApiError),
        (status = 422, description = "Refused by the policy", body = ApiError),
    ))]
async fn commands(
    Extract(app): Extract<App>,
    auth: Authenticated,
    ApiJson(request): ApiJson<CommandRequest>,
) -> Result<(StatusCode, Json<CommandResponse>), ApiError> {
    auth.require(Scope::Act)?;
    if request.capacity == Capacity::System {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_permitted",
            "only modpod's own scheduler acts as system",
        ));
    }
    let person = PersonId::parse(&auth.0.person).map_err(ApiError::internal)?;
    let actor = Actor::new(person, request.capacity);
    let engine = app.engine.clone();
    let recorded = tokio::task::spawn_blocking(move || {
        let mut engine = engine.lock().unwrap_or_else(|p| p.into_inner());
        engine.execute(&actor, &request.command, Timestamp::now())
    })
    .await
    .map_err(ApiError::internal)??;
    Ok((
        StatusCode::CREATED,
        Json(CommandResponse {
            events: recorded
                .events
                .into_iter()
                .map(|e| RecordedEvent {
                    seq: e.seq,
                    kind: e.kind,
                })
                .collect(),
            warnings: recorded
                .warnings
                .into_iter()
                .map(|w| PolicyWarning {
                    requirement: w.requirement,
                    message: w.message,
                })
                .collect(),
        }),
    ))
}
