//! What travels on the wire: basic-auth credentials, form bodies with
//! JSON-encoded values, and the interpretation of Zulip's answers
//! (`{"result": "success" | "error", "msg": ..., "code": ...}`), which never
//! panics, whatever the body.

use crate::ZulipError;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::Duration;

/// The most of a body read; Zulip's answers to the calls modpod makes are far
/// smaller (the user-group list of a large organization included).
pub(crate) const BODY_LIMIT: u64 = 32 * 1024 * 1024;

/// How much of an unreadable body an error message quotes.
const SNIPPET: usize = 200;

/// `Basic base64(user:password)`.
pub(crate) fn basic_auth(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}");
    let mut out = String::with_capacity("Basic ".len() + input.len().div_ceil(3) * 4);
    out.push_str("Basic ");
    for chunk in input.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes everything but RFC 3986's unreserved characters (so also
/// the space, as `%20`, and every character a form or a JSON text may
/// contain): a valid `application/x-www-form-urlencoded` value, and a valid
/// path segment.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An `application/x-www-form-urlencoded` body.
pub(crate) fn form(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What Zulip answered, as read off the connection.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    pub status: u16,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
    /// The `Location` header.
    pub location: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Deserialize, Default)]
struct Envelope {
    #[serde(default)]
    result: Option<String>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default, rename = "retry-after")]
    retry_after: Option<f64>,
}

/// The fields of a successful answer, or the [`ZulipError`] it stands for.
pub(crate) fn interpret(
    operation: &str,
    answer: &Answer,
) -> Result<Map<String, Value>, ZulipError> {
    let status = answer.status;
    let json: Option<Map<String, Value>> = match serde_json::from_slice::<Value>(&answer.body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    };
    let envelope: Envelope = json
        .as_ref()
        .and_then(|map| serde_json::from_value(Value::Object(map.clone())).ok())
        .unwrap_or_default();
    // Zulip's words if it gave some, else the start of whatever came back.
    let msg = || match envelope.msg.as_deref() {
        Some(msg) if !msg.trim().is_empty() => clean(msg),
        _ => snippet(&answer.body),
    };
    let operation = operation.to_owned();
    match status {
        429 => Err(ZulipError::RateLimited {
            retry_after: answer
                .retry_after
                .as_deref()
                .and_then(|h| h.trim().parse::<f64>().ok())
                .or(envelope.retry_after)
                .and_then(seconds),
            msg: msg(),
            operation,
        }),
        408 => Err(ZulipError::Timeout {
            detail: format!("HTTP 408: {}", msg()),
            operation,
        }),
        500..=599 => Err(ZulipError::Server {
            msg: msg(),
            operation,
            status,
        }),
        300..=399 => Err(ZulipError::Refused {
            msg: format!(
                "redirected to {}: give modpod the organization's final URL",
                answer
                    .location
                    .as_deref()
                    .map(clean)
                    .unwrap_or_else(|| "(nowhere)".to_owned())
            ),
            code: None,
            operation,
            status,
        }),
        200..=299 => match (json, envelope.result.as_deref()) {
            (Some(map), Some("success")) => Ok(map),
            (Some(_), Some("error")) => Err(ZulipError::Refused {
                code: envelope.code.as_deref().map(clean),
                msg: msg(),
                operation,
                status,
            }),
            (Some(_), _) => Err(ZulipError::BadResponse {
                detail: format!("no \"result\": \"success\" in {}", snippet(&answer.body)),
                operation,
                status,
            }),
            (None, _) => Err(ZulipError::BadResponse {
                detail: format!("not a JSON object: {}", snippet(&answer.body)),
                operation,
                status,
            }),
        },
        _ => Err(ZulipError::Refused {
            code: envelope.code.as_deref().map(clean),
            msg: msg(),
            operation,
            status,
        }),
    }
}

/// A typed view of a successful answer's fields.
pub(crate) fn fields<T: serde::de::DeserializeOwned>(
    operation: &str,
    status: u16,
    map: Map<String, Value>,
) -> Result<T, ZulipError> {
    serde_json::from_value(Value::Object(map)).map_err(|e| ZulipError::BadResponse {
        operation: operation.to_owned(),
        status,
        detail: e.to_string(),
    })
}

/// A non-negative, finite number of seconds as a duration.
fn seconds(value: f64) -> Option<Duration> {
    if value.is_finite() && value >= 0.0 {
        Duration::try_from_secs_f64(value).ok()
    } else {
        None
    }
}

/// At most [`SNIPPET`] characters of a text meant for a log line: no control
/// characters, whitespace collapsed.
fn clean(text: &str) -> String {
    let mut out = String::new();
    let mut last_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            if !last_space && !out.is_empty() {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
        if out.chars().count() >= SNIPPET {
            out.push('…');
            break;
        }
    }
    out.trim_end().to_owned()
}

/// The start of a body, whatever its bytes.
fn snippet(body: &[u8]) -> String {
    let text = clean(&String::from_utf8_lossy(
        &body[..body.len().min(4 * SNIPPET)],
    ));
    if text.is_empty() {
        "(empty body)".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
            ..Answer::default()
        }
    }

    #[test]
    fn basic_auth_is_rfc_7617() {
        // RFC 7617's example.
        assert_eq!(
            basic_auth("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(basic_auth("a", ""), "Basic YTo=");
        assert_eq!(basic_auth("ab", "c"), "Basic YWI6Yw==");
        assert_eq!(basic_auth("abc", "de"), "Basic YWJjOmRl");
    }

    #[test]
    fn json_values_are_fully_encoded() {
        assert_eq!(encode("[10,12]"), "%5B10%2C12%5D");
        assert_eq!(
            encode(r#"["Denmark north"]"#),
            "%5B%22Denmark%20north%22%5D"
        );
        assert_eq!(encode("é*+"), "%C3%A9%2A%2B");
        assert_eq!(
            form(&[("add", "[11]".to_owned()), ("delete", "[]".to_owned())]),
            "add=%5B11%5D&delete=%5B%5D"
        );
    }

    #[test]
    fn a_success_gives_its_fields() {
        let map = interpret(
            "read user 10",
            &answer(
                200,
                r#"{"result":"success","msg":"","user":{"user_id":10,"is_active":false}}"#,
            ),
        );
        assert!(
            matches!(map, Ok(ref m) if m.contains_key("user")),
            "{map:?}"
        );
    }

    #[test]
    fn zulip_refusals_keep_code_and_msg() {
        let e = interpret(
            "deactivate user 8",
            &answer(
                400,
                r#"{"code":"BAD_REQUEST","msg":"Cannot deactivate the only organization owner","result":"error"}"#,
            ),
        )
        .err();
        let Some(e) = e else { panic!("no error") };
        assert!(!e.is_transient());
        assert_eq!(e.code(), Some("BAD_REQUEST"));
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.operation(), "deactivate user 8");
        assert_eq!(
            e.to_string(),
            "Zulip refused to deactivate user 8 (HTTP 400, BAD_REQUEST): Cannot deactivate the only organization owner"
        );

        let e = interpret(
            "unsubscribe user 10 from #nonexistent",
            &answer(
                400,
                r#"{"code":"STREAM_DOES_NOT_EXIST","msg":"Channel 'nonexistent' does not exist","result":"error","stream":"nonexistent"}"#,
            ),
        )
        .err();
        assert_eq!(
            e.as_ref().and_then(ZulipError::code),
            Some("STREAM_DOES_NOT_EXIST")
        );

        let e = interpret(
            "read user 10",
            &answer(
                401,
                r#"{"code":"INVALID_API_KEY","msg":"Invalid API key","result":"error"}"#,
            ),
        )
        .err();
        assert!(
            matches!(&e, Some(ZulipError::Refused { status: 401, code: Some(c), .. }) if c == "INVALID_API_KEY"),
            "{e:?}"
        );

        // A deactivated organization, before and after feature level 76.
        let e = interpret(
            "read user 10",
            &answer(403, r#"{"code":"REALM_DEACTIVATED","msg":"This organization is deactivated","result":"error"}"#),
        )
        .err();
        assert!(
            matches!(&e, Some(e) if !e.is_transient() && e.code() == Some("REALM_DEACTIVATED")),
            "{e:?}"
        );
    }

    #[test]
    fn rate_limits_are_transient_with_their_delay() {
        let body = r#"{"code":"RATE_LIMIT_HIT","msg":"API usage exceeded rate limit","result":"error","retry-after":28.706807374954224}"#;
        let mut limited = answer(429, body);
        limited.retry_after = Some("29".to_owned());
        let e = interpret("read user 10", &limited).err();
        let Some(e) = e else { panic!("no error") };
        assert!(e.is_transient());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(29)));
        assert!(e.to_string().contains("retry after 29.0 s"), "{e}");

        // Without the header, the body's field; without either, no delay.
        let e = interpret("read user 10", &answer(429, body)).err();
        let delay = e
            .as_ref()
            .and_then(ZulipError::retry_after)
            .map(|d| d.as_millis());
        assert_eq!(delay, Some(28706));
        let e = interpret("read user 10", &answer(429, "Too Many Requests")).err();
        assert!(
            matches!(&e, Some(e) if e.is_transient() && e.retry_after().is_none()),
            "{e:?}"
        );

        // Nonsense delays are ignored, not a panic.
        for header in ["-1", "NaN", "inf", "1e300", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            let mut limited = answer(429, "{}");
            limited.retry_after = Some(header.to_owned());
            let e = interpret("x", &limited).err();
            assert!(
                matches!(&e, Some(e) if e.retry_after().is_none()),
                "{header}: {e:?}"
            );
        }
    }

    #[test]
    fn server_failures_are_transient() {
        let e = interpret(
            "reactivate user 10",
            &answer(502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>"),
        )
        .err();
        assert!(
            matches!(&e, Some(e @ ZulipError::Server { status: 502, msg, .. }) if e.is_transient() && msg.contains("502 Bad Gateway") && !msg.contains('\n')),
            "{e:?}"
        );
        let e = interpret(
            "x",
            &answer(500, r#"{"result":"error","msg":"Internal server error"}"#),
        )
        .err();
        assert!(
            matches!(&e, Some(ZulipError::Server { msg, .. }) if msg == "Internal server error"),
            "{e:?}"
        );
        let e = interpret("x", &answer(408, "")).err();
        assert!(
            matches!(&e, Some(e @ ZulipError::Timeout { .. }) if e.is_transient()),
            "{e:?}"
        );
    }

    #[test]
    fn any_body_gives_an_error_not_a_panic() {
        let bodies: [&[u8]; 9] = [
            b"",
            b"null",
            b"[1,2]",
            b"\"success\"",
            b"{\"result\":",
            b"\xff\xfe\x00garbage",
            b"{\"result\":\"success\"",
            b"{\"result\":7,\"msg\":[]}",
            b"<!doctype html><title>Log in</title>",
        ];
        for body in bodies {
            for status in [0u16, 100, 200, 204, 301, 400, 404, 422, 429, 500, 599, 700] {
                let answer = Answer {
                    status,
                    body: body.to_vec(),
                    ..Answer::default()
                };
                let e = interpret("x", &answer).err();
                assert!(e.is_some(), "{status} {body:?}");
            }
        }
        // Long bodies are cut.
        let long = "x".repeat(100_000);
        let e = interpret("x", &answer(200, &long)).err();
        assert!(matches!(&e, Some(e) if e.to_string().len() < 400), "{e:?}");
        // `"result": "error"` on a 200 is a refusal.
        let e = interpret(
            "x",
            &answer(200, r#"{"result":"error","msg":"No","code":"BAD_REQUEST"}"#),
        )
        .err();
        assert!(
            matches!(&e, Some(ZulipError::Refused { status: 200, .. })),
            "{e:?}"
        );
    }

    #[test]
    fn prism_validation_errors_are_refusals() {
        // What Prism answers for a request its description does not allow.
        let e = interpret(
            "x",
            &answer(
                422,
                r#"{"type":"https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY","title":"Invalid request","status":422,"detail":"Your request is not valid","validation":[{"location":["body","add"],"severity":"Error","code":"type","message":"Request body property add must be array"}]}"#,
            ),
        )
        .err();
        assert!(
            matches!(&e, Some(e @ ZulipError::Refused { status: 422, code: None, msg, .. }) if !e.is_transient() && msg.contains("Invalid request")),
            "{e:?}"
        );
    }

    #[test]
    fn redirects_are_refused_with_their_target() {
        let mut moved = answer(301, "");
        moved.location = Some("https://chat.example.org/api/v1/users/10".to_owned());
        let e = interpret("read user 10", &moved).err();
        assert!(
            matches!(&e, Some(ZulipError::Refused { status: 301, msg, .. }) if msg.contains("https://chat.example.org/")),
            "{e:?}"
        );
    }
}
