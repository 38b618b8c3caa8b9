//! `POST /v1/commands`: one policy command, recorded as the caller's person
//! in the capacity claimed, decided by the policy core; and [`execute`], the
//! path every command takes, from the API and from the pages' forms alike.

use super::auth::Acting;
use super::{ApiError, ApiJson, App};
use crate::Recorded;
use axum::Json;
use axum::extract::State as Extract;
use axum::http::StatusCode;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command, Refusal};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One command, recorded as the caller's person in the capacity claimed.
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
    /// The action the command took, if it took one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<u64>,
    /// The proposal of the moderator team it made instead, waiting for the
    /// team's agreement (TEAM-5), if it made one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal: Option<u64>,
}

/// Records one policy command, decided by the policy core: a refusal comes
/// back as 403 (not the caller's to do), 409 (exists already) or 422 (not
/// possible) with the requirement it rests on, and records nothing.
#[utoipa::path(post, path = "/v1/commands", request_body = CommandRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "Recorded", body = CommandResponse),
        (status = 400, description = "Malformed command", body = ApiError),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 403, description = "Not permitted", body = ApiError),
        (status = 409, description = "Exists already", body = ApiError),
        (status = 422, description = "Refused by the policy", body = ApiError),
    ))]
pub(super) async fn commands(
    Extract(app): Extract<App>,
    Acting(person): Acting,
    ApiJson(request): ApiJson<CommandRequest>,
) -> Result<(StatusCode, Json<CommandResponse>), ApiError> {
    if request.capacity == Capacity::System {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_permitted",
            "only modpod's own scheduler acts as system",
        ));
    }
    let actor = Actor::new(person, request.capacity);
    let recorded = execute(&app, actor, request.command)
        .await?
        .map_err(ApiError::from_refusal)?;
    Ok((
        StatusCode::CREATED,
        Json(CommandResponse {
            action: recorded.action().map(|a| a.0),
            proposal: recorded.proposal().map(|p| p.0),
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

/// Decides and records one command for `actor`, now: the one path every
/// command takes, whether it came from `POST /v1/commands` or from a page's
/// form. A refusal records nothing; it is logged and counted, and returned
/// as the inner error. The outer error is a failure to record.
pub(crate) async fn execute(
    app: &App,
    actor: Actor,
    command: Command,
) -> Result<Result<Recorded, Refusal>, ApiError> {
    let name = command.name();
    let outcome = app.committer.execute(actor, command).await?;
    if let Err(refusal) = &outcome {
        tracing::info!(
            requirement = refusal.requirement().id(),
            code = refusal.code(),
            command = name,
            "refused"
        );
        app.metrics.refused(refusal.requirement(), refusal.code());
    }
    Ok(outcome)
}
