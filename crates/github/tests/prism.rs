//! The client against GitHub's own OpenAPI description (npm
//! `@octokit/openapi`, `generated/api.github.com.json`), served by Prism,
//! which checks every request against it (path, method, parameters, body)
//! and answers 4xx to one the description does not allow.
//!
//! Each test's client talks to Prism through a small recording proxy
//! (`tests/common`),
//! and every request it sent is then checked: none was rejected by Prism
//! (no `sl-violations`, no Prism-made 422, 404 "no path matched", 405 or
//! 406), and each carried the token, GitHub's media type, API version and a
//! User-Agent. The proxy matters: [`Client::block`] takes a 422 for "already
//! blocked" and asks, so a rejected PUT would otherwise pass unnoticed.
//! `the_mock_rejects_requests_github_would_not_accept` shows the check is on.
//!
//! Prism answers with the description's examples (or values made up from the
//! schema); the request header `Prefer: code=NNN` picks another documented
//! response (Prism validates the request first all the same).
//!
//! Needs MODPOD_TEST_GITHUB_URL (scripts/test sets it):
//!
//! ```sh
//! source scripts/lib/services.sh; source scripts/lib/prism.sh; source scripts/lib/github.sh
//! ensure_prism; ensure_github_openapi; start_github_mock
//! cargo test -p modpod-github; stop_prisms
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Recorder, call};
use modpod_github::{Expiry, GitHubError, InteractionGroup};

const BLOCK: &str = "/orgs/acme/blocks/mona-lisa";
const LIMITS: &str = "/repos/octo-org/hello-world/interaction-limits";

#[test]
fn check_reads_the_core_rate_limit() {
    let mock = Recorder::start();
    let rate = mock.client().check().unwrap();
    // GitHub's example.
    assert_eq!(rate.limit, 5000);
    assert_eq!(rate.remaining, 4999);
    assert_eq!(mock.calls(), [call("GET", "/rate_limit", 200)]);
}

#[test]
fn a_refused_check_is_a_clear_start_up_error() {
    let mock = Recorder::start();
    mock.prefer("GET", 404);
    let error = mock.client().check().unwrap_err();
    assert!(
        matches!(error, GitHubError::Refused { status: 404, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("rate limit"), "{error}");
    assert_eq!(mock.calls(), [call("GET", "/rate_limit", 404)]);
}

#[test]
fn blocked_is_204_and_not_blocked_is_404() {
    let mock = Recorder::start();
    assert!(mock.client().blocked("acme", "mona-lisa").unwrap());
    mock.prefer("GET", 404);
    assert!(!mock.client().blocked("acme", "mona-lisa").unwrap());
    assert_eq!(
        mock.calls(),
        [call("GET", BLOCK, 204), call("GET", BLOCK, 404)]
    );
}

#[test]
fn block_and_unblock_are_requests_github_accepts() {
    let mock = Recorder::start();
    mock.client().block("acme", "mona-lisa").unwrap();
    mock.client().unblock("acme", "mona-lisa").unwrap();
    assert_eq!(
        mock.calls(),
        [call("PUT", BLOCK, 204), call("DELETE", BLOCK, 204)]
    );
    // GitHub asks for an empty PUT to say Content-Length: 0.
    assert_eq!(mock.checked()[0].header("content-length"), Some("0"));
}

#[test]
fn blocking_a_user_already_blocked_is_fine() {
    let mock = Recorder::start();
    // GitHub's 422 to the PUT; the check then says blocked.
    mock.prefer("PUT", 422);
    mock.client().block("acme", "mona-lisa").unwrap();
    assert_eq!(
        mock.calls(),
        [call("PUT", BLOCK, 422), call("GET", BLOCK, 204)]
    );
}

#[test]
fn a_user_that_cannot_be_blocked_is_a_refusal() {
    let mock = Recorder::start();
    // GitHub's 422 to the PUT, and the check says not blocked.
    mock.prefer("PUT", 422);
    mock.prefer("GET", 404);
    let error = mock.client().block("acme", "mona-lisa").unwrap_err();
    assert!(
        matches!(error, GitHubError::Refused { status: 422, .. }),
        "{error:?}"
    );
    assert!(!error.is_transient());
    assert!(error.to_string().contains("organisation acme"), "{error}");
    assert!(!error.to_string().contains("mona-lisa"), "{error}");
    assert_eq!(
        mock.calls(),
        [call("PUT", BLOCK, 422), call("GET", BLOCK, 404)]
    );
}

#[test]
fn unblocking_a_user_who_is_not_blocked_is_fine() {
    let mock = Recorder::start();
    // GitHub's description documents only 204 for the DELETE: Prism answers
    // the 404 asked for as "not defined"; the check says not blocked.
    mock.prefer("DELETE", 404);
    mock.prefer("GET", 404);
    mock.client().unblock("acme", "mona-lisa").unwrap();
    assert_eq!(
        mock.calls(),
        [call("DELETE", BLOCK, 404), call("GET", BLOCK, 404)]
    );
}

#[test]
fn an_unblock_answered_404_while_still_blocked_is_a_refusal() {
    let mock = Recorder::start();
    mock.prefer("DELETE", 404);
    let error = mock.client().unblock("acme", "mona-lisa").unwrap_err();
    assert_eq!(error.status(), Some(404), "{error:?}");
    assert_eq!(
        mock.calls(),
        [call("DELETE", BLOCK, 404), call("GET", BLOCK, 204)]
    );
}

#[test]
fn the_interaction_limit_reads_githubs_example() {
    let mock = Recorder::start();
    let limit = mock
        .client()
        .interaction_limit("octo-org", "hello-world")
        .unwrap()
        .expect("the example is a limit");
    assert_eq!(limit.group, InteractionGroup::CollaboratorsOnly);
    assert_eq!(limit.origin, "repository");
    assert!(limit.set_on_repository());
    assert_eq!(
        limit.expires_at,
        "2018-08-17T04:18:39Z".parse::<jiff::Timestamp>().unwrap()
    );
    assert_eq!(mock.calls(), [call("GET", LIMITS, 200)]);
}

#[test]
fn every_interaction_limit_and_expiry_is_a_request_github_accepts() {
    let mock = Recorder::start();
    let client = mock.client();
    let mut wanted = Vec::new();
    for group in InteractionGroup::ALL {
        for expiry in Expiry::ALL {
            let limit = client
                .set_interaction_limit("octo-org", "hello-world", group, expiry)
                .unwrap_or_else(|e| panic!("{group} for {expiry}: {e}"));
            // Prism answers the example, whatever was asked.
            assert_eq!(limit.group, InteractionGroup::CollaboratorsOnly);
            wanted.push(serde_json::json!({ "limit": group.as_str(), "expiry": expiry.as_str() }));
        }
    }
    let exchanges = mock.checked();
    assert_eq!(exchanges.len(), 15);
    for (e, wanted) in exchanges.iter().zip(wanted) {
        assert_eq!(
            (e.method.as_str(), e.path.as_str(), e.status),
            ("PUT", LIMITS, 200)
        );
        assert_eq!(e.header("content-type"), Some("application/json"));
        let sent: serde_json::Value = serde_json::from_str(&e.body).unwrap();
        assert_eq!(sent, wanted);
    }
}

#[test]
fn removing_the_interaction_limit_is_a_request_github_accepts() {
    let mock = Recorder::start();
    mock.client()
        .remove_interaction_limit("octo-org", "hello-world")
        .unwrap();
    assert_eq!(mock.calls(), [call("DELETE", LIMITS, 204)]);
}

#[test]
fn an_owner_wide_interaction_limit_is_a_refusal_that_says_so() {
    let mock = Recorder::start();
    mock.prefer("DELETE", 409);
    mock.prefer("PUT", 409);
    let client = mock.client();
    let error = client
        .remove_interaction_limit("octo-org", "hello-world")
        .unwrap_err();
    assert!(
        matches!(error, GitHubError::Refused { status: 409, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("set on the owner"), "{error}");
    let error = client
        .set_interaction_limit(
            "octo-org",
            "hello-world",
            InteractionGroup::ExistingUsers,
            Expiry::OneWeek,
        )
        .unwrap_err();
    assert_eq!(error.status(), Some(409), "{error:?}");
    assert!(!error.is_transient());
    assert_eq!(
        mock.calls(),
        [call("DELETE", LIMITS, 409), call("PUT", LIMITS, 409)]
    );
}

/// Without this, a mock accepting anything would let every test above pass
/// whatever the client sends.
#[test]
fn the_mock_rejects_requests_github_would_not_accept() {
    let mock = Recorder::start();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let put = |path: &str, body: Option<&str>| {
        let request = agent
            .put(format!("{}{path}", mock.url))
            .header("Accept", "application/json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        let response = match body {
            Some(body) => request
                .header("Content-Type", "application/json")
                .send(body.as_bytes()),
            None => request.send_empty(),
        };
        let mut response = response.unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_to_string().unwrap_or_default(),
        )
    };
    // The same request, valid: accepted.
    let (status, body) = put(
        LIMITS,
        Some(r#"{"limit":"existing_users","expiry":"one_day"}"#),
    );
    assert_eq!(status, 200, "{body}");
    // A limit GitHub does not have.
    let (status, body) = put(LIMITS, Some(r#"{"limit":"nobody","expiry":"one_day"}"#));
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("limit"), "{body}");
    // An expiry GitHub does not have.
    let (status, body) = put(
        LIMITS,
        Some(r#"{"limit":"existing_users","expiry":"forever"}"#),
    );
    assert_eq!(status, 422, "{body}");
    // No limit at all (it is required).
    let (status, body) = put(LIMITS, Some(r#"{"expiry":"one_day"}"#));
    assert_eq!(status, 422, "{body}");
    // No body at all.
    let (status, body) = put(LIMITS, None);
    assert_eq!(status, 422, "{body}");
    // A body where GitHub takes none: the 422 GitHub documents, flagged.
    let (status, body) = put(BLOCK, Some(r#"{"reason":"spam"}"#));
    assert_eq!(status, 422, "{body}");
    // A path GitHub does not have (a near miss such as /orgs/acme/block/x
    // answers 405: it matches the template of another operation).
    let response = agent
        .delete(format!("{}{BLOCK}/all", mock.url))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    // The recorder sees each rejection (and the one valid request).
    let log = mock.log.lock().unwrap().clone();
    let rejected: Vec<bool> = log.iter().map(|e| e.rejection().is_some()).collect();
    assert_eq!(
        rejected,
        [false, true, true, true, true, true, true],
        "{log:#?}"
    );
}
