//! `POST /v1/me/password`: the caller changes their password, as the page
//! `/me/password` does (see `crate::passwords`).

use super::auth::{self, Caller, Via};
use super::{ApiError, ApiJson, App};
use crate::passwords::{self, ChangeFailed};
use axum::extract::State as Extract;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters, and not the account's name, the person's id
    /// or one of their email addresses.
    pub new_password: String,
}

/// Changes the password of the login session's account. Each attempt counts
/// against the login limits. Every other session of the person ends; this
/// one stays.
#[utoipa::path(post, path = "/v1/me/password", request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; the person's other sessions have ended"),
        (status = 401, description = "Not logged in", body = ApiError),
        (status = 403, description = "Not a password login's session, or no CSRF token", body = ApiError),
        (status = 422, description = "Wrong current password, or a weak new one: the message names the field", body = ApiError),
        (status = 429, description = "Too many attempts; see Retry-After", body = ApiError),
    ))]
pub(super) async fn change(
    Extract(app): Extract<App>,
    caller: Caller,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<Response, ApiError> {
    match caller.via {
        Via::Session { .. } => {}
        Via::Anonymous => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "log in to change your password",
            ));
        }
        Via::Token { .. } => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "session_required",
                "a password is changed with a login session, not an API token",
            ));
        }
    }
    let session = auth::cookie(&headers, auth::SESSION_COOKIE).unwrap_or("");
    let typed = passwords::Typed {
        current: change.current_password,
        new: change.new_password,
        confirm: None,
    };
    match passwords::change(&app, session, auth::client_address(&extensions), typed).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(ChangeFailed::NoPassword) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "no_password",
            "this session was opened through OpenID Connect: modpod keeps no password for it",
        )),
        Err(ChangeFailed::TooMany { retry_after }) => Ok(auth::too_many(
            "too many attempts; wait a minute",
            retry_after,
        )),
        Err(ChangeFailed::Problems(problems)) => {
            let code = if problems.contains_key(passwords::CURRENT) {
                "wrong_password"
            } else {
                "weak_password"
            };
            let message = problems
                .iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join("; ");
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                message,
            ))
        }
        Err(ChangeFailed::Error(error)) => Err(error),
    }
}
