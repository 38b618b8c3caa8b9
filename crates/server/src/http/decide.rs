//! `POST /v1/decide` and `/v1/decide/batch`: may this post go through? For
//! forum software other than Postfix (chat bots, repository webhooks, wiki
//! hooks), asking the same `Policy` as the Postfix policy server.

use super::auth::Decider;
use super::{ApiError, ApiJson, App};
use axum::Json;
use axum::extract::State as Extract;
use axum::http::StatusCode;
use jiff::Timestamp;
use modpod_enforce::{Outcome, Policy};
use modpod_policy::model::{IdentityKind, MAX_IDENTITY};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The most questions one `/v1/decide/batch` request may ask.
pub const MAX_BATCH: usize = 1000;

/// May this sender post in this forum now?
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    /// The forum's id, e.g. the list address `tls@ietf.org` or the Matrix
    /// room `matrix:!AbCdEf:example.org`. Compared exactly, but list
    /// addresses (an `@` and no `:`) whatever their case.
    pub forum: String,
    /// The sender's identity as the forum knows it, e.g. an email address
    /// or a Matrix user id.
    pub sender: String,
    /// What kind of identity `sender` is (default `email`): a Matrix user
    /// id is a `chat` identity. Email addresses match case-insensitively
    /// (and without a `+tag`), chat identities exactly, GitHub logins
    /// case-insensitively.
    #[serde(default)]
    pub sender_kind: SenderKind,
    /// Whether this question is a post to count against a rate limit
    /// (default `true`: ask once per post). `false` asks without counting.
    #[serde(default = "yes")]
    pub count: bool,
}

fn yes() -> bool {
    true
}

/// The kinds of identity a sender may be, as people's identities are
/// recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    #[default]
    Email,
    Chat,
    Github,
    Datatracker,
}

impl From<SenderKind> for IdentityKind {
    fn from(kind: SenderKind) -> IdentityKind {
        match kind {
            SenderKind::Email => IdentityKind::Email,
            SenderKind::Chat => IdentityKind::Chat,
            SenderKind::Github => IdentityKind::Github,
            SenderKind::Datatracker => IdentityKind::Datatracker,
        }
    }
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
    let forum = modpod_enforce::index::forum::asked(&q.forum);
    let outcome = policy
        .decide_post_as(&forum, q.sender_kind.into(), &q.sender, now, q.count)
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
        (status = 403, description = "Not an API token: a login session may not ask", body = ApiError),
    ))]
pub(super) async fn decide(
    Extract(app): Extract<App>,
    _caller: Decider,
    ApiJson(question): ApiJson<DecideRequest>,
) -> Result<Json<DecideResponse>, ApiError> {
    let answer = decide_one(&app.policy, &question, Timestamp::now())?;
    app.metrics.decided(answer.verdict);
    Ok(Json(answer))
}

/// Asks for several posts at once (at most 1000), answered in order as if
/// asked one by one. One malformed question fails the whole batch.
#[utoipa::path(post, path = "/v1/decide/batch", request_body = DecideBatchRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The answers, in order", body = DecideBatchResponse),
        (status = 400, description = "Malformed question, or too many", body = ApiError),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 403, description = "Not an API token: a login session may not ask", body = ApiError),
    ))]
pub(super) async fn decide_batch(
    Extract(app): Extract<App>,
    _caller: Decider,
    ApiJson(batch): ApiJson<DecideBatchRequest>,
) -> Result<Json<DecideBatchResponse>, ApiError> {
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
        .collect::<Result<Vec<_>, _>>()?;
    for answer in &results {
        app.metrics.decided(answer.verdict);
    }
    Ok(Json(DecideBatchResponse { results }))
}
