//! The client against Zulip's API as described in `openapi/zulip.yaml`,
//! served by Prism: Prism answers 4xx, with the violation in its
//! `sl-violations` header, to any request the description does not allow
//! (wrong path, method, parameter, type, missing credentials), so every call
//! that succeeds here is one Zulip documents. The answers are the
//! description's examples.
//!
//! Needs MODPOD_TEST_ZULIP_URL, Prism's URL:
//!
//! ```sh
//! source scripts/lib/services.sh; source scripts/lib/prism.sh
//! ensure_prism
//! start_prism zulip crates/zulip/openapi/zulip.yaml MODPOD_TEST_ZULIP_URL
//! cargo test -p modpod-zulip
//! stop_prisms
//! ```

#![allow(clippy::panic)]

use modpod_zulip::{Client, GroupSetting, PostingChange, PostingPermission, ZulipError};
use std::time::Duration;

/// Prism's URL, or a failure saying how to start it.
fn url() -> String {
    match std::env::var("MODPOD_TEST_ZULIP_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "MODPOD_TEST_ZULIP_URL is not set: these tests need Prism serving \
             crates/zulip/openapi/zulip.yaml. Run: source scripts/lib/services.sh; \
             source scripts/lib/prism.sh; ensure_prism; start_prism zulip \
             crates/zulip/openapi/zulip.yaml MODPOD_TEST_ZULIP_URL; cargo test -p modpod-zulip; \
             stop_prisms"
        ),
    }
}

fn client() -> Client {
    Client::new(
        &url(),
        "modpod-bot@chat.example.org",
        "gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv",
    )
}

/// Fails with the error in full, not a bare `unwrap`.
fn ok<T>(result: Result<T, ZulipError>) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{e} ({e:?})"),
    }
}

#[test]
fn reads_the_feature_level() {
    assert_eq!(ok(client().feature_level()), 400);
}

#[test]
fn reads_whether_a_user_is_active() {
    assert!(ok(client().user_active(10)));
}

#[test]
fn finds_a_user_by_email_and_a_channel_by_name() {
    let client = client();
    assert_eq!(ok(client.user_id_by_email("hamlet@zulip.com")), Some(10));
    assert_eq!(ok(client.stream_id("Denmark")), Some(7));
    // Names that need encoding in a path and in a query.
    assert_eq!(ok(client.user_id_by_email("o'brien+x@zulip.com")), Some(10));
    assert_eq!(ok(client.stream_id("Café \"north\" & co/+*?#")), Some(7));
}

#[test]
fn reads_who_may_post_in_a_channel() {
    let group = ok(client().posting_group(7));
    assert_eq!((group.id, group.members), (31, vec![10, 12]));
}

#[test]
fn deactivates_and_reactivates() {
    let client = client();
    ok(client.deactivate(10));
    ok(client.reactivate(10));
}

#[test]
fn reads_a_subscription_and_unsubscribes() {
    let client = client();
    assert!(ok(client.subscribed(10, 7)));
    assert!(ok(client.unsubscribe("Denmark", 10)));
    // Names that need encoding inside the JSON inside the form.
    assert!(ok(client.unsubscribe("Café \"north\" & co/+*", 10)));
}

#[test]
fn reads_the_own_account() {
    assert_eq!(ok(client().own_user_id()), 5);
}

#[test]
fn reads_the_subscribers_and_subscribes_again() {
    let client = client();
    assert_eq!(ok(client.subscribers(7)), [10, 12]);
    assert!(ok(client.subscribe("Denmark", 10)));
    // Names that need encoding inside the JSON inside the form.
    assert!(ok(client.subscribe("Café \"north\" & co/+*\\", 10)));
}

#[test]
fn reads_a_channel_and_the_user_groups() {
    let client = client();
    let channel = ok(client.channel(7));
    assert_eq!(channel.name, "Denmark");
    // A public channel: removal from it stops nobody posting.
    assert!(!channel.invite_only && !channel.is_web_public);
    assert!(!channel.removal_stops_posting());
    assert_eq!(
        channel.posting,
        PostingPermission::Group(GroupSetting::Group(31))
    );
    let groups = ok(client.user_groups());
    assert!(
        groups.iter().any(|g| g.id == 12 && g.is_system_group),
        "{groups:?}"
    );
    assert!(
        groups.iter().any(|g| g.id == 31 && g.members == [10, 12]),
        "{groups:?}"
    );
}

#[test]
fn manages_groups_and_the_posting_permission() {
    let client = client();
    assert_eq!(
        ok(client.create_user_group("modpod: may post in #Denmark", "May post.", &[10, 12])),
        31
    );
    ok(client.update_user_group_members(31, &[11], &[]));
    ok(client.update_user_group_members(31, &[], &[10]));
    ok(client.update_user_group_members(31, &[13, 14], &[10, 12]));
    ok(client.set_posting_group(7, &GroupSetting::Group(31), Some(&GroupSetting::Group(12))));
    ok(client.set_posting_group(7, &GroupSetting::Group(31), None));
    let anonymous = GroupSetting::Anonymous {
        direct_members: vec![10, 12],
        direct_subgroups: vec![13],
    };
    ok(client.set_posting_group(7, &anonymous, Some(&GroupSetting::Group(31))));
    ok(client.set_posting_group(7, &GroupSetting::Group(31), Some(&anonymous)));
}

#[test]
fn restricts_and_allows_one_user() {
    let client = client();
    // The example channel's posting group is modpod's group 31, members 10 and 12.
    assert_eq!(ok(client.prepare_posting_group(7, &[10, 12])), 31);
    assert!(!ok(client.posting_restricted(7, 10)));
    assert!(ok(client.posting_restricted(7, 11)));
    assert_eq!(ok(client.restrict_posting(7, 10)), PostingChange::Changed);
    assert_eq!(ok(client.restrict_posting(7, 11)), PostingChange::Unchanged);
    assert_eq!(ok(client.allow_posting(7, 11)), PostingChange::Changed);
    assert_eq!(ok(client.allow_posting(7, 12)), PostingChange::Unchanged);
}

/// A request straight to Prism: its status, its `sl-violations` header (the
/// validation failures) and its body.
fn raw(method: &str, path: &str, body: Option<&str>, auth: bool) -> (u16, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let url = format!("{}{path}", url().trim_end_matches('/'));
    // "modpod-bot@chat.example.org:key"
    let authorization = "Basic bW9kcG9kLWJvdEBjaGF0LmV4YW1wbGUub3JnOmtleQ==";
    let form = "application/x-www-form-urlencoded";
    let result = match (method, body) {
        ("GET", _) => {
            let request = agent.get(&url);
            if auth {
                request.header("Authorization", authorization)
            } else {
                request
            }
            .call()
        }
        ("DELETE", Some(body)) => agent
            .delete(&url)
            .header("Authorization", authorization)
            .force_send_body()
            .content_type(form)
            .send(body.as_bytes()),
        ("POST", Some(body)) => agent
            .post(&url)
            .header("Authorization", authorization)
            .content_type(form)
            .send(body.as_bytes()),
        ("PATCH", Some(body)) => agent
            .patch(&url)
            .header("Authorization", authorization)
            .content_type(form)
            .send(body.as_bytes()),
        (method, body) => panic!("raw: {method} with {body:?} not handled"),
    };
    let mut response = match result {
        Ok(response) => response,
        Err(e) => panic!("Prism at {url} did not answer: {e}"),
    };
    let violations = response
        .headers()
        .get("sl-violations")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    (status, violations, body)
}

/// Without this, a mock that accepted anything would let every test above
/// pass whatever the client sent.
#[test]
fn prism_refuses_requests_the_description_does_not_allow() {
    let cases: [(&str, &str, Option<&str>, bool, &str); 16] = [
        // Wrong type of a path parameter (neither a user ID nor an email).
        ("GET", "/api/v1/users/hamlet", None, true, "user_id"),
        ("GET", "/api/v1/streams/Denmark", None, true, "stream_id"),
        (
            "GET",
            "/api/v1/streams/Denmark/members",
            None,
            true,
            "stream_id",
        ),
        // A required query parameter missing or empty.
        ("GET", "/api/v1/get_stream_id", None, true, "stream"),
        ("GET", "/api/v1/get_stream_id?stream=", None, true, "stream"),
        // Required parameter missing.
        (
            "DELETE",
            "/api/v1/users/me/subscriptions",
            Some("principals=%5B10%5D"),
            true,
            "subscriptions",
        ),
        (
            "POST",
            "/api/v1/user_groups/create",
            Some("name=x&description=y"),
            true,
            "members",
        ),
        (
            "POST",
            "/api/v1/users/me/subscriptions",
            Some("principals=%5B10%5D"),
            true,
            "subscriptions",
        ),
        // A JSON-encoded parameter that is not the JSON the description says.
        (
            "POST",
            "/api/v1/user_groups/31/members",
            Some("delete=10"),
            true,
            "delete",
        ),
        (
            "POST",
            "/api/v1/user_groups/31/members",
            Some("add=%5B%22hamlet%22%5D"),
            true,
            "add",
        ),
        // Channel names where Zulip wants objects with a name, and none.
        (
            "POST",
            "/api/v1/users/me/subscriptions",
            Some("subscriptions=%5B%22Denmark%22%5D&principals=%5B10%5D"),
            true,
            "subscriptions",
        ),
        (
            "POST",
            "/api/v1/users/me/subscriptions",
            Some("subscriptions=%5B%5D&principals=%5B10%5D"),
            true,
            "subscriptions",
        ),
        (
            "POST",
            "/api/v1/users/me/subscriptions",
            Some("subscriptions=%5B%7B%22name%22%3A%22Denmark%22%7D%5D&principals=10"),
            true,
            "principals",
        ),
        (
            "PATCH",
            "/api/v1/streams/7",
            Some("can_send_message_group=31"),
            true,
            "can_send_message_group",
        ),
        (
            "PATCH",
            "/api/v1/streams/7",
            Some("can_send_message_group=%7B%22new%22%3A%22role%3Amembers%22%7D"),
            true,
            "can_send_message_group",
        ),
        // A parameter out of its enumeration.
        (
            "PATCH",
            "/api/v1/streams/7",
            Some("stream_post_policy=9"),
            true,
            "stream_post_policy",
        ),
    ];
    for (method, path, body, auth, parameter) in cases {
        let (status, violations, answer) = raw(method, path, body, auth);
        assert!(
            (400..500).contains(&status) && violations.contains(parameter),
            "{method} {path} {body:?}: expected a 4xx naming {parameter}, got {status}, \
             violations {violations:?}, body {answer}"
        );
    }

    // No credentials: 401.
    let (status, violations, answer) = raw("GET", "/api/v1/users/10", None, false);
    assert_eq!(status, 401, "{violations} {answer}");
    // No such path.
    let (status, _, answer) = raw("GET", "/api/v1/users/10/nothing", None, true);
    assert_eq!(status, 404, "{answer}");

    // And the same requests, done right, pass.
    for (method, path, body) in [
        ("GET", "/api/v1/users/10", None),
        ("GET", "/api/v1/users/me", None),
        ("GET", "/api/v1/streams/7/members", None),
        (
            "POST",
            "/api/v1/users/me/subscriptions",
            Some("subscriptions=%5B%7B%22name%22%3A%22Denmark%22%7D%5D&principals=%5B10%5D"),
        ),
        ("GET", "/api/v1/users/hamlet%40zulip.com", None),
        ("GET", "/api/v1/get_stream_id?stream=Denmark", None),
        (
            "DELETE",
            "/api/v1/users/me/subscriptions",
            Some("subscriptions=%5B%22Denmark%22%5D&principals=%5B10%5D"),
        ),
        (
            "POST",
            "/api/v1/user_groups/31/members",
            Some("delete=%5B10%5D"),
        ),
        (
            "PATCH",
            "/api/v1/streams/7",
            Some("can_send_message_group=%7B%22new%22%3A31%7D"),
        ),
        ("PATCH", "/api/v1/streams/7", Some("stream_post_policy=2")),
    ] {
        let (status, violations, answer) = raw(method, path, body, true);
        assert!(
            status == 200 && violations.is_empty(),
            "{method} {path}: {status} {violations} {answer}"
        );
    }
}

/// Prism's refusals reach the caller as refusals, with Zulip's shape.
#[test]
fn refusals_are_errors_naming_the_operation() {
    // Prism answers an invalid request with the operation's documented 400
    // example; a user ID Zulip would never accept cannot be sent through the
    // client's types, so the refusal is provoked with a wrong path instead.
    let client = Client::new(&format!("{}/nowhere", url()), "bot@example.org", "key");
    let error = client.user_active(10).err();
    assert!(
        matches!(&error, Some(e @ ZulipError::Refused { status: 404, .. }) if !e.is_transient() && e.operation() == "read user 10"),
        "{error:?}"
    );
}
