//! Why a call to the homeserver failed.

use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// Why a call to the homeserver failed. Every message names the operation,
/// with its room and user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatrixError {
    /// No answer: the homeserver is down, the address is wrong, or the call
    /// timed out.
    #[error("cannot reach the Matrix homeserver at {base} to {what}: {reason}")]
    Unreachable {
        base: String,
        what: String,
        reason: String,
    },
    /// The homeserver asks to slow down (HTTP 429, `M_LIMIT_EXCEEDED`).
    #[error("the Matrix homeserver is rate limiting the calls to {what}{}", after(.retry_after))]
    RateLimited {
        what: String,
        /// How long it asks to wait, when it says so.
        retry_after: Option<Duration>,
    },
    /// The homeserver failed (5xx).
    #[error("the Matrix homeserver failed to {what} (HTTP {status}{}): {message}", code(.errcode))]
    Server {
        what: String,
        status: u16,
        errcode: Option<String>,
        message: String,
        /// How long it asks to wait (`Retry-After`), when it says so.
        retry_after: Option<Duration>,
    },
    /// The homeserver refused (4xx other than 429): no such room or user, no
    /// permission, a bad token... Trying again will not help.
    #[error("the Matrix homeserver refused to {what} (HTTP {status}{}): {message}", code(.errcode))]
    Refused {
        what: String,
        status: u16,
        /// The Matrix error code, such as `M_FORBIDDEN`, when the answer has one.
        errcode: Option<String>,
        message: String,
    },
    /// The homeserver answered something this client cannot use.
    #[error("the Matrix homeserver's answer to {what} cannot be used: {reason}")]
    BadAnswer { what: String, reason: String },
}

fn after(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (retry after {} ms)", d.as_millis()),
        None => String::new(),
    }
}

fn code(errcode: &Option<String>) -> String {
    match errcode {
        Some(c) => format!(", {c}"),
        None => String::new(),
    }
}

impl MatrixError {
    /// Whether trying the same call again later may succeed without anybody
    /// changing anything: the homeserver is unreachable, failing, or asks to
    /// slow down (then see [`MatrixError::retry_after`]).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            MatrixError::Unreachable { .. }
                | MatrixError::RateLimited { .. }
                | MatrixError::Server { .. }
        )
    }

    /// How long the homeserver asked to wait before trying again, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            MatrixError::RateLimited { retry_after, .. }
            | MatrixError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The Matrix error code of the answer (`M_FORBIDDEN`, `M_NOT_FOUND`,
    /// `M_LIMIT_EXCEEDED`...), if there was one.
    pub fn errcode(&self) -> Option<&str> {
        match self {
            MatrixError::Refused { errcode, .. } | MatrixError::Server { errcode, .. } => {
                errcode.as_deref()
            }
            MatrixError::RateLimited { .. } => Some("M_LIMIT_EXCEEDED"),
            _ => None,
        }
    }

    /// The HTTP status of the answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            MatrixError::Refused { status, .. } | MatrixError::Server { status, .. } => {
                Some(*status)
            }
            MatrixError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}

/// A Matrix error body: `{"errcode": "M_...", "error": "..."}`, and for
/// `M_LIMIT_EXCEEDED` maybe `retry_after_ms`.
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    errcode: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    retry_after_ms: Option<serde_json::Value>,
}

/// The error an answer other than success stands for. `retry_after` is the
/// `Retry-After` header, if any; `body` is what came with the answer, which
/// may be anything.
pub(crate) fn from_answer(
    what: &str,
    status: u16,
    retry_after: Option<&str>,
    body: &str,
) -> MatrixError {
    let parsed: ErrorBody = serde_json::from_str(body).unwrap_or_default();
    let errcode = parsed
        .errcode
        .as_ref()
        .and_then(|c| c.as_str())
        .map(|c| shorten(c, 64));
    let message = match parsed.error.as_ref().and_then(|e| e.as_str()) {
        Some(text) => shorten(text, 300),
        None if body.trim().is_empty() => "no explanation given".to_owned(),
        None => shorten(body.trim(), 300),
    };
    // Synapse gives both: `Retry-After` in whole seconds (rounded up) and
    // `retry_after_ms` in the body. The body's is the more precise.
    let retry_after = parsed
        .retry_after_ms
        .as_ref()
        .and_then(|ms| {
            ms.as_u64()
                .or_else(|| ms.as_f64().map(|f| f.max(0.0) as u64))
        })
        .map(Duration::from_millis)
        .or_else(|| {
            retry_after
                .and_then(|s| s.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
        });
    let what = what.to_owned();
    if status == 429 || errcode.as_deref() == Some("M_LIMIT_EXCEEDED") {
        MatrixError::RateLimited { what, retry_after }
    } else if status >= 500 {
        MatrixError::Server {
            what,
            status,
            errcode,
            message,
            retry_after,
        }
    } else {
        MatrixError::Refused {
            what,
            status,
            errcode,
            message,
        }
    }
}

/// At most `max` characters of `text`, printable.
fn shorten(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Shown in messages about an answer that is not what was expected.
pub(crate) struct Excerpt<'a>(pub &'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shorten(self.0.trim(), 200))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_matrix_refusal_keeps_its_code_and_words() {
        let e = from_answer(
            "ban @bob:example.org in !r:example.org",
            403,
            None,
            r#"{"errcode":"M_FORBIDDEN","error":"You don't have permission to ban"}"#,
        );
        assert_eq!(e.errcode(), Some("M_FORBIDDEN"));
        assert_eq!(e.status(), Some(403));
        assert!(!e.is_transient());
        let text = e.to_string();
        assert!(
            text.contains("ban @bob:example.org in !r:example.org"),
            "{text}"
        );
        assert!(text.contains("M_FORBIDDEN"), "{text}");
        assert!(text.contains("You don't have permission to ban"), "{text}");
    }

    #[test]
    fn rate_limits_are_transient_and_say_how_long_to_wait() {
        let e = from_answer(
            "x",
            429,
            Some("2"),
            r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":1260}"#,
        );
        assert!(e.is_transient());
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1260)));
        // Without the body's milliseconds, the header's seconds.
        let e = from_answer("x", 429, Some(" 3 "), "");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let e = from_answer("x", 429, Some("Wed, 21 Oct 2015 07:28:00 GMT"), "<html>");
        assert_eq!(e.retry_after(), None);
        assert!(e.is_transient());
    }

    #[test]
    fn server_errors_are_transient_client_errors_are_not() {
        assert!(from_answer("x", 502, None, "Bad Gateway").is_transient());
        assert!(from_answer("x", 500, None, "").is_transient());
        assert!(!from_answer("x", 404, None, "").is_transient());
        assert!(
            !from_answer(
                "x",
                401,
                None,
                r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed."}"#
            )
            .is_transient()
        );
    }

    #[test]
    fn any_body_makes_an_error_without_panicking() {
        let long = "é".repeat(10_000);
        let bodies = [
            "",
            "null",
            "[]",
            "42",
            "\"text\"",
            "{",
            r#"{"errcode": 5, "error": ["a"], "retry_after_ms": -3}"#,
            r#"{"retry_after_ms": 1e300}"#,
            r#"{"errcode": "M_X", "error": null}"#,
            "\u{0}\u{1}\u{7f}",
            &long,
        ];
        for body in bodies {
            for status in [400, 401, 403, 404, 418, 429, 500, 503] {
                let e = from_answer("read", status, Some("x"), body);
                assert!(e.to_string().len() < 2_000);
            }
        }
    }
}
