//! Why a call to Zulip failed: [`ZulipError`].

use std::time::Duration;

/// Why a call to Zulip failed. Every variant names the operation (such as
/// `deactivate user 10`), so that the message says what was attempted.
///
/// [`is_transient`](ZulipError::is_transient) separates failures worth
/// retrying unchanged (Zulip unreachable, slow, failing or rate limiting)
/// from refusals (Zulip answered 4xx: wrong credentials, missing permission,
/// no such user...) and from states that need a person (an unsupported server,
/// a channel not prepared for per-user posting restrictions).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ZulipError {
    /// No answer: DNS, connection refused or reset, TLS failure...
    #[error("cannot reach Zulip to {operation}: {detail}")]
    Unreachable { operation: String, detail: String },
    /// No complete answer within the time limit.
    #[error("Zulip did not answer in time to {operation}: {detail}")]
    Timeout { operation: String, detail: String },
    /// Zulip (or a proxy in front of it) failed: HTTP 5xx.
    #[error("Zulip failed to {operation} (HTTP {status}): {msg}")]
    Server {
        operation: String,
        status: u16,
        msg: String,
    },
    /// HTTP 429: too many requests. `retry_after` is Zulip's `Retry-After`
    /// (header, else the `retry-after` field of the body), when given.
    #[error("Zulip rate-limited the request to {operation}{}", retry_after_text(*.retry_after))]
    RateLimited {
        operation: String,
        retry_after: Option<Duration>,
        msg: String,
    },
    /// Zulip refused: HTTP 4xx (or a `"result": "error"` body), with Zulip's
    /// machine-readable `code` (such as `BAD_REQUEST`, `INVALID_API_KEY`,
    /// `STREAM_DOES_NOT_EXIST`) when the body had one, and its `msg`.
    #[error("Zulip refused to {operation} (HTTP {status}{}): {msg}", code_text(.code.as_deref()))]
    Refused {
        operation: String,
        status: u16,
        code: Option<String>,
        msg: String,
    },
    /// Zulip answered success with a body this client cannot read.
    #[error("cannot read Zulip's answer to {operation} (HTTP {status}): {detail}")]
    BadResponse {
        operation: String,
        status: u16,
        detail: String,
    },
    /// The server is too old for the operation.
    #[error("cannot {operation}: {detail}")]
    Unsupported { operation: String, detail: String },
    /// The channel is not set up for per-user posting restrictions: its
    /// posting permission is not a modpod group (see the crate's
    /// documentation and `Client::prepare_posting_group`).
    #[error("cannot {operation}: {detail}")]
    NotPrepared { operation: String, detail: String },
}

fn retry_after_text(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (retry after {:.1} s)", d.as_secs_f64()),
        None => String::new(),
    }
}

fn code_text(code: Option<&str>) -> String {
    match code {
        Some(code) => format!(", {code}"),
        None => String::new(),
    }
}

impl ZulipError {
    /// Whether trying the same call again later may succeed without anybody
    /// changing anything: unreachable, timed out, 5xx, or rate limited (wait
    /// [`retry_after`](ZulipError::retry_after) first).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ZulipError::Unreachable { .. }
                | ZulipError::Timeout { .. }
                | ZulipError::Server { .. }
                | ZulipError::RateLimited { .. }
        )
    }

    /// How long Zulip asked to wait, for a rate-limited call.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ZulipError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Zulip's error `code`, for a refusal that had one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ZulipError::Refused { code, .. } => code.as_deref(),
            ZulipError::RateLimited { .. } => Some("RATE_LIMIT_HIT"),
            _ => None,
        }
    }

    /// The HTTP status of Zulip's answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ZulipError::Server { status, .. }
            | ZulipError::Refused { status, .. }
            | ZulipError::BadResponse { status, .. } => Some(*status),
            ZulipError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// What was being attempted, such as `deactivate user 10`.
    pub fn operation(&self) -> &str {
        match self {
            ZulipError::Unreachable { operation, .. }
            | ZulipError::Timeout { operation, .. }
            | ZulipError::Server { operation, .. }
            | ZulipError::RateLimited { operation, .. }
            | ZulipError::Refused { operation, .. }
            | ZulipError::BadResponse { operation, .. }
            | ZulipError::Unsupported { operation, .. }
            | ZulipError::NotPrepared { operation, .. } => operation,
        }
    }
}
