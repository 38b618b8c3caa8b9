//! Why a call to GitHub failed, and whether trying again later may help.
//!
//! GitHub's REST API says no in a few shapes, all handled here without
//! trusting the body to be anything in particular:
//! - `{"message": "...", "documentation_url": "..."}` (the `basic-error`
//!   schema of GitHub's description), for most refusals;
//! - `{"message": "Validation Failed", "errors": [...]}` (`validation-error`),
//!   whose `errors` are objects (`resource`, `field`, `code`, `message`) or,
//!   on some endpoints, plain strings;
//! - rate limits: 403 or 429, with `x-ratelimit-remaining: 0` and
//!   `x-ratelimit-reset` (Unix seconds) for the primary limit, or
//!   `retry-after` (seconds) and a message naming a "secondary rate limit";
//! - an empty body (e.g. the 409 of the interaction-limit endpoints).

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use ureq::http::HeaderMap;

/// How much of an explanation is kept, in characters.
const MESSAGE_CHARS: usize = 500;

/// Why a call to GitHub failed. Every variant names the operation (`what`),
/// such as "block a user in organisation acme"; usernames are kept out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    /// No answer: GitHub is unreachable, the address is wrong, or the call
    /// timed out.
    #[error("cannot reach GitHub at {base} to {what}: {reason}")]
    Unreachable {
        base: String,
        what: String,
        reason: String,
    },
    /// GitHub failed (5xx).
    #[error("GitHub failed to {what} (HTTP {status}): {message}")]
    Server {
        what: String,
        status: u16,
        message: String,
    },
    /// GitHub's primary or secondary rate limit stopped the call (429, or
    /// 403 saying so). `retry_after` is GitHub's `retry-after`; `reset` its
    /// `x-ratelimit-reset`, in Unix seconds.
    #[error(
        "GitHub's rate limit stopped the call to {what} (HTTP {status}): {message}{}",
        wait_text(*.retry_after, *.reset)
    )]
    RateLimited {
        what: String,
        status: u16,
        message: String,
        retry_after: Option<Duration>,
        reset: Option<u64>,
    },
    /// GitHub refused the request (4xx other than rate limits): a wrong
    /// token, missing permission, no such organisation or repository, a
    /// user that cannot be blocked, an owner-wide interaction limit, ...
    /// `message` is GitHub's own `message` (and validation `errors`).
    #[error("GitHub refused to {what} (HTTP {status}): {message}")]
    Refused {
        what: String,
        status: u16,
        message: String,
    },
    /// GitHub answered something this client does not understand.
    #[error("GitHub's answer to {what} cannot be read: {reason}")]
    BadAnswer { what: String, reason: String },
    /// The request could not even be made: a name GitHub cannot have, a
    /// malformed base URL or token.
    #[error("cannot {what}: {reason}")]
    Invalid { what: String, reason: String },
}

impl GitHubError {
    /// Whether trying again later may succeed without anybody changing
    /// anything: GitHub unreachable, failing, or rate-limiting; not a refusal.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GitHubError::Unreachable { .. }
                | GitHubError::Server { .. }
                | GitHubError::RateLimited { .. }
        )
    }

    /// The HTTP status GitHub answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Server { status, .. }
            | GitHubError::RateLimited { status, .. }
            | GitHubError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// GitHub's `retry-after`, when it rate-limited the call and said how
    /// long to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            GitHubError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// GitHub's `x-ratelimit-reset` (Unix seconds), when it rate-limited
    /// the call: when the primary rate limit's window starts again.
    pub fn rate_limit_reset(&self) -> Option<u64> {
        match self {
            GitHubError::RateLimited { reset, .. } => *reset,
            _ => None,
        }
    }

    /// How long to wait before trying again after a rate limit, following
    /// GitHub's guidance: `retry-after` if given, else until
    /// `x-ratelimit-reset`, else one minute. `None` for any other error
    /// (the caller's own back-off applies).
    pub fn rate_limit_wait(&self, now: SystemTime) -> Option<Duration> {
        let GitHubError::RateLimited {
            retry_after, reset, ..
        } = self
        else {
            return None;
        };
        if let Some(wait) = retry_after {
            return Some(*wait);
        }
        if let Some(reset) = reset {
            let now = now
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            return Some(Duration::from_secs(reset.saturating_sub(now).max(1)));
        }
        Some(Duration::from_secs(60))
    }
}

fn wait_text(retry_after: Option<Duration>, reset: Option<u64>) -> String {
    match (retry_after, reset) {
        (Some(wait), _) => format!(" (retry after {} s)", wait.as_secs()),
        (None, Some(reset)) => format!(" (the limit resets at Unix time {reset})"),
        (None, None) => String::new(),
    }
}

/// The error that GitHub's answer `status` (not a success), with `headers`
/// and `body`, stands for.
pub(crate) fn classify(what: &str, status: u16, headers: &HeaderMap, body: &[u8]) -> GitHubError {
    let message = error_message(body);
    let what = what.to_owned();
    let retry_after = header(headers, "retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    let remaining = header(headers, "x-ratelimit-remaining").and_then(|v| v.parse::<u64>().ok());
    let reset = header(headers, "x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok());
    let rate_limited = status == 429
        || (status == 403
            && (retry_after.is_some()
                || remaining == Some(0)
                || message.to_ascii_lowercase().contains("rate limit")));
    if rate_limited {
        GitHubError::RateLimited {
            what,
            status,
            message,
            retry_after,
            reset,
        }
    } else if status >= 500 {
        GitHubError::Server {
            what,
            status,
            message,
        }
    } else {
        GitHubError::Refused {
            what,
            status,
            message,
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// GitHub's words for an error: `message`, with the validation `errors`
/// when there are any; a problem document's `detail` or `title` (what
/// mocks answer); else the start of the body. Never fails.
pub(crate) fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no explanation given".to_owned();
    }
    let message = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(object)) => from_object(&object),
        _ => None,
    };
    clip(&message.unwrap_or_else(|| text.to_owned()))
}

fn from_object(object: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let string = |key: &str| {
        object
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let main = string("message")
        .or_else(|| string("detail"))
        .or_else(|| string("title"));
    let details: Vec<String> = ["errors", "validation"]
        .iter()
        .filter_map(|key| object.get(*key).and_then(|v| v.as_array()))
        .flatten()
        .filter_map(detail)
        .take(5)
        .collect();
    match (main, details.is_empty()) {
        (None, true) => None,
        (Some(main), true) => Some(main.to_owned()),
        (main, false) => Some(format!(
            "{} ({})",
            main.unwrap_or("error"),
            details.join("; ")
        )),
    }
}

/// One entry of `errors`: a string, or an object with a `message`, or with
/// `resource`, `field` and `code` (`Issue.title: missing_field`).
fn detail(entry: &serde_json::Value) -> Option<String> {
    match entry {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Object(o) => {
            let get = |key: &str| {
                o.get(key)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
            };
            if let Some(message) = get("message") {
                return Some(message.to_owned());
            }
            let place = match (get("resource"), get("field")) {
                (Some(r), Some(f)) => format!("{r}.{f}: "),
                (Some(x), None) | (None, Some(x)) => format!("{x}: "),
                (None, None) => String::new(),
            };
            get("code").map(|code| format!("{place}{code}"))
        }
        _ => None,
    }
}

/// At most [`MESSAGE_CHARS`] characters, control characters as spaces.
fn clip(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MESSAGE_CHARS)
        .collect();
    if text.chars().count() > MESSAGE_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use ureq::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    /// GitHub's answer when the primary rate limit is used up.
    #[test]
    fn a_primary_rate_limit_403_is_transient_with_its_reset() {
        let body = br#"{"message":"API rate limit exceeded for user ID 1234. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"403"}"#;
        let h = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-used", "5000"),
            ("x-ratelimit-reset", "1767225600"),
            ("x-ratelimit-resource", "core"),
        ]);
        let error = classify("block a user in organisation acme", 403, &h, body);
        assert!(error.is_transient(), "{error}");
        assert_eq!(error.status(), Some(403));
        assert_eq!(error.rate_limit_reset(), Some(1_767_225_600));
        assert_eq!(error.retry_after(), None);
        let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600 - 90);
        assert_eq!(error.rate_limit_wait(now), Some(Duration::from_secs(90)));
        let text = error.to_string();
        assert!(text.contains("API rate limit exceeded"), "{text}");
        assert!(text.contains("block a user in organisation acme"), "{text}");
        assert!(text.contains("1767225600"), "{text}");
    }

    #[test]
    fn a_secondary_rate_limit_says_how_long_to_wait() {
        let body = br#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}"#;
        for status in [403, 429] {
            let error = classify("x", status, &headers(&[("retry-after", "60")]), body);
            assert!(error.is_transient());
            assert_eq!(error.retry_after(), Some(Duration::from_secs(60)));
            assert_eq!(
                error.rate_limit_wait(SystemTime::now()),
                Some(Duration::from_secs(60))
            );
        }
        // No header at all: the message alone tells; wait a minute.
        let error = classify("x", 403, &HeaderMap::new(), body);
        assert!(
            matches!(error, GitHubError::RateLimited { .. }),
            "{error:?}"
        );
        assert_eq!(
            error.rate_limit_wait(SystemTime::now()),
            Some(Duration::from_secs(60))
        );
        // A 429 is a rate limit whatever it says.
        let error = classify("x", 429, &HeaderMap::new(), b"");
        assert!(error.is_transient());
    }

    #[test]
    fn a_plain_403_is_a_refusal_with_githubs_message() {
        let body = br#"{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/orgs/blocking#block-a-user-from-an-organization","status":"403"}"#;
        let h = headers(&[("x-ratelimit-remaining", "4999")]);
        let error = classify("block a user in organisation acme", 403, &h, body);
        assert!(!error.is_transient());
        assert_eq!(
            error,
            GitHubError::Refused {
                what: "block a user in organisation acme".into(),
                status: 403,
                message: "Resource not accessible by integration".into(),
            }
        );
        assert_eq!(error.rate_limit_wait(SystemTime::now()), None);
    }

    #[test]
    fn a_validation_error_lists_its_errors() {
        let body = br#"{"message":"Validation Failed","errors":[{"resource":"InteractionLimit","field":"limit","code":"invalid"},{"resource":"Block","code":"custom","message":"Blocked user has already been blocked"}],"documentation_url":"https://docs.github.com/rest/orgs/blocking#block-a-user-from-an-organization","status":"422"}"#;
        let error = classify("x", 422, &HeaderMap::new(), body);
        assert!(!error.is_transient());
        assert_eq!(error.status(), Some(422));
        let GitHubError::Refused { message, .. } = error else {
            panic!("not a refusal")
        };
        assert_eq!(
            message,
            "Validation Failed (InteractionLimit.limit: invalid; Blocked user has already been blocked)"
        );
        // Some endpoints give plain strings.
        let body = br#"{"message":"Validation Failed","errors":["Name is too long"]}"#;
        assert_eq!(error_message(body), "Validation Failed (Name is too long)");
    }

    #[test]
    fn server_errors_are_transient() {
        for status in [500, 502, 503, 504] {
            let error = classify("x", status, &HeaderMap::new(), b"<html>Unicorn!</html>");
            assert!(error.is_transient());
            assert!(error.to_string().contains("Unicorn"), "{error}");
        }
        assert!(!classify("x", 404, &HeaderMap::new(), b"").is_transient());
        assert!(!classify("x", 401, &HeaderMap::new(), b"").is_transient());
    }

    #[test]
    fn any_body_gives_some_message() {
        for body in [
            &b""[..],
            b"   ",
            b"null",
            b"[]",
            b"42",
            b"{}",
            b"{\"message\": 5, \"errors\": {\"a\": 1}}",
            b"{\"errors\": [null, 3, {}, {\"code\": 7}]}",
            b"\xff\xfe not utf-8 \x00\x01",
            b"{\"message\": \"unterminated",
        ] {
            let message = error_message(body);
            assert!(!message.is_empty(), "{body:?}");
            assert!(!message.chars().any(char::is_control), "{message:?}");
        }
        assert_eq!(error_message(b""), "no explanation given");
        let long = "x".repeat(10_000);
        assert_eq!(
            error_message(long.as_bytes()).chars().count(),
            MESSAGE_CHARS + 1
        );
    }

    #[test]
    fn prisms_problem_documents_are_readable() {
        let body = br#"{"type":"https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY","title":"Invalid request","status":422,"detail":"Your request is not valid","validation":[{"location":["body","limit"],"severity":"Error","code":"enum","message":"Request body property limit must be equal to one of the allowed values"}]}"#;
        assert_eq!(
            error_message(body),
            "Your request is not valid (Request body property limit must be equal to one of the allowed values)"
        );
    }

    #[test]
    fn odd_rate_limit_headers_are_ignored() {
        let h = headers(&[("retry-after", "soon"), ("x-ratelimit-reset", "-1")]);
        let error = classify("x", 429, &h, b"");
        assert_eq!(error.retry_after(), None);
        assert_eq!(error.rate_limit_reset(), None);
        // A reset in the past still waits a little.
        let h = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "10")]);
        let error = classify("x", 403, &h, b"");
        assert_eq!(
            error.rate_limit_wait(SystemTime::now()),
            Some(Duration::from_secs(1))
        );
    }
}
