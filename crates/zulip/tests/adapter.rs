//! modpod's Zulip adapter (`modpod_zulip::Zulip`) through the adapter
//! contract, as `modpod serve` runs it (`modpod_adapter::testing::World`:
//! actions taken through the real policy engine, then reconciled), against
//! Zulip's API as described in `openapi/zulip.yaml` and served by Prism,
//! which refuses (4xx, with its `sl-violations` header) any request the
//! description does not allow and answers with the description's examples.
//!
//! Between the adapter and Prism stands [`Mock`], a small recording proxy:
//! it keeps every exchange, so that a test can say which requests were made
//! and check that Prism accepted each one, and it plays Zulip's state
//! changing by asking Prism, for the requests a test names, for another of
//! the description's examples or status codes (`Prefer: example=...`,
//! `Prefer: code=...`).
//!
//! The examples: `hamlet@zulip.com` is user 10; channel `Denmark` is
//! channel 7, whose posting permission is modpod's group 31 with direct
//! members 10 and 12 (example `user-10-removed`: 12 only), and whose
//! subscribers are 10 and 12 (likewise `user-10-removed`: 12 only). The
//! server is at feature level 400 (example `zulip-9`: 278, before posting
//! groups), and the channel public (examples `prepared-private`, and on a
//! Zulip 9 server `zulip-9-private` and `zulip-9-public`).
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

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use modpod_adapter::testing::World;
use modpod_adapter::{Adapter, OnDrift, Present, ReconcileError};
use modpod_policy::model::{IdentityKind, Measure};
use modpod_store::Enforced;
use modpod_zulip::{Client, Zulip, ZulipError};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
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

/// One request through the proxy and Prism's answer.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    /// Path and query.
    target: String,
    body: String,
    status: u16,
    /// Prism's `sl-violations` header: why the request breaks the description.
    violations: String,
}

/// Which `Prefer` header to add to requests of a method whose path (and
/// query) starts with a prefix.
type Rules = Vec<(String, String, String)>;

/// A recording proxy in front of Prism.
struct Mock {
    url: String,
    rules: Arc<Mutex<Rules>>,
    log: Arc<Mutex<Vec<Exchange>>>,
}

impl Mock {
    fn start() -> Mock {
        let upstream = url().trim_end_matches('/').to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let rules: Arc<Mutex<Rules>> = Arc::default();
        let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .max_redirects(0)
            .build()
            .into();
        let (r, l) = (rules.clone(), log.clone());
        std::thread::spawn(move || {
            for connection in listener.incoming() {
                let Ok(connection) = connection else { continue };
                let (upstream, agent, r, l) =
                    (upstream.clone(), agent.clone(), r.clone(), l.clone());
                std::thread::spawn(move || serve(connection, &upstream, &agent, &r, &l));
            }
        });
        Mock { url, rules, log }
    }

    /// From now on, ask Prism for `prefer` (`example=NAME`, `code=400`) on
    /// `method` requests whose path starts with `prefix` (and with no longer
    /// prefix of another rule).
    fn prefer(&self, method: &str, prefix: &str, prefer: &str) {
        let mut rules = self.rules.lock().unwrap();
        rules.retain(|(m, p, _)| !(m == method && p == prefix));
        rules.push((method.to_owned(), prefix.to_owned(), prefer.to_owned()));
    }

    fn client(&self) -> Client {
        Client::new(
            &self.url,
            "modpod@chat.example.org",
            "gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv",
        )
    }

    fn adapter(&self) -> Arc<dyn Adapter> {
        Arc::new(Zulip {
            client: self.client(),
        })
    }

    fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().unwrap().clone()
    }

    /// The changing requests made so far: (method, path, body).
    fn writes(&self) -> Vec<(String, String, String)> {
        self.exchanges()
            .into_iter()
            .filter(|e| e.method != "GET")
            .map(|e| (e.method, e.target, e.body))
            .collect()
    }

    /// Fails unless Prism found every request made so far valid.
    fn all_valid(&self) {
        let exchanges = self.exchanges();
        assert!(!exchanges.is_empty(), "no request reached Prism");
        for e in exchanges {
            assert!(
                e.violations.is_empty(),
                "Prism refused {} {} {:?} ({}): {}",
                e.method,
                e.target,
                e.body,
                e.status,
                e.violations
            );
        }
    }
}

fn write(method: &str, target: &str, body: &str) -> (String, String, String) {
    (method.to_owned(), target.to_owned(), body.to_owned())
}

/// Serves one connection: reads requests (HTTP/1.1, kept alive), forwards
/// each to Prism with the `Prefer` header of the rule that matches it best,
/// records the exchange and answers with Prism's status and body.
fn serve(
    connection: TcpStream,
    upstream: &str,
    agent: &ureq::Agent,
    rules: &Mutex<Rules>,
    log: &Mutex<Vec<Exchange>>,
) {
    let mut out = connection.try_clone().unwrap();
    let mut reader = BufReader::new(connection);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
            return;
        };
        let (method, target) = (method.to_owned(), target.to_owned());
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_lowercase(), value.trim().to_owned()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let length: usize = header("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        // The rule of the longest matching prefix: one for
        // `/api/v1/streams/7/members` is not overridden by one for
        // `/api/v1/streams/7`.
        let prefer = rules
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, p, _)| *m == method && target.starts_with(p.as_str()))
            .max_by_key(|(_, p, _)| p.len())
            .map(|(_, _, prefer)| prefer.clone());

        let url = format!("{upstream}{target}");
        let mut forwarded: Vec<(&str, String)> = Vec::new();
        for name in ["authorization", "content-type", "accept-language"] {
            if let Some(value) = header(name) {
                forwarded.push((name, value));
            }
        }
        if let Some(prefer) = prefer {
            forwarded.push(("prefer", prefer));
        }
        let result = match method.as_str() {
            "GET" => {
                let mut request = agent.get(&url);
                for (name, value) in &forwarded {
                    request = request.header(*name, value.as_str());
                }
                request.call()
            }
            "POST" | "PATCH" | "DELETE" => {
                let mut request = match method.as_str() {
                    "POST" => agent.post(&url),
                    "PATCH" => agent.patch(&url),
                    _ => agent.delete(&url).force_send_body(),
                };
                for (name, value) in &forwarded {
                    request = request.header(*name, value.as_str());
                }
                request.send(&body[..])
            }
            other => panic!("the proxy does not forward {other}"),
        };
        let mut response = match result {
            Ok(response) => response,
            Err(e) => panic!("Prism at {upstream} did not answer {method} {target}: {e}"),
        };
        let answer_header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = response.status().as_u16();
        let violations = answer_header("sl-violations").unwrap_or_default();
        let retry_after = answer_header("retry-after");
        let answer = response.body_mut().read_to_vec().unwrap_or_default();
        log.lock().unwrap().push(Exchange {
            method,
            target,
            body: String::from_utf8_lossy(&body).into_owned(),
            status,
            violations,
        });
        let mut head = format!(
            "HTTP/1.1 {status} Answer\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            answer.len()
        );
        if let Some(retry_after) = retry_after {
            head.push_str(&format!("Retry-After: {retry_after}\r\n"));
        }
        head.push_str("\r\n");
        if out.write_all(head.as_bytes()).is_err() || out.write_all(&answer).is_err() {
            return;
        }
    }
}

const HAMLET: &str = "hamlet@zulip.com";
const DENMARK: &str = "zulip:Denmark";

/// A log with the forum `zulip:Denmark` and bob, with these addresses.
/// Bob with these addresses, and two channels: `zulip:Denmark`, where the
/// tests act, and `zulip:Elsinore`, so that a suspension from Denmark alone
/// is not one from every channel (which deactivates, see below).
fn world(emails: &[&str]) -> World {
    let identities: Vec<(IdentityKind, &str)> =
        emails.iter().map(|e| (IdentityKind::Email, *e)).collect();
    World::new(
        &[(DENMARK, "chat"), ("zulip:Elsinore", "chat")],
        &[("bob", &identities)],
    )
}

/// Suspended from every channel the deployment names (its only one), a
/// person is also deactivated, and reactivated when the suspension is
/// rescinded; each request is one Prism accepts.
#[test]
fn a_suspension_from_every_channel_deactivates_until_it_is_rescinded() {
    let mock = Mock::start();
    let zulip = mock.adapter();
    let mut w = World::new(
        &[(DENMARK, "chat")],
        &[("bob", &[(IdentityKind::Email, HAMLET)])],
    );
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [
            format!(
                "Denmark: stopped {HAMLET} posting (action #{})",
                suspension.0
            ),
            format!(
                "organisation: deactivated {HAMLET} (action #{}): suspended from every channel",
                suspension.0
            ),
        ]
    );
    assert_eq!(
        mock.writes(),
        [
            write("POST", "/api/v1/user_groups/31/members", "delete=%5B10%5D"),
            write("DELETE", "/api/v1/users/10", ""),
        ]
    );
    // Zulip now has user 10 out of the group and deactivated.
    mock.prefer("GET", "/api/v1/user_groups", "example=user-10-removed");
    mock.prefer("GET", "/api/v1/users/", "example=deactivated");
    assert_eq!(w.reconcile(&zulip).unwrap(), Vec::<String>::new());
    w.rescind(suspension);
    let lines = w.reconcile(&zulip).unwrap();
    assert!(
        lines.contains(&format!(
            "organisation: reactivated {HAMLET}: no longer suspended from every channel"
        )),
        "{lines:?}"
    );
    assert!(
        mock.writes()
            .contains(&write("POST", "/api/v1/users/10/reactivate", "")),
        "{:?}",
        mock.writes()
    );
    assert_eq!(w.engine.store().enforced("zulip").unwrap(), []);
    mock.all_valid();
}

fn ledger(w: &mut World) -> Vec<Enforced> {
    w.engine.store().enforced("zulip").unwrap()
}

/// Bob's suspension in `zulip:Denmark` removes user 10 from the channel's
/// posting group, and only that; the ledger records it; once Zulip has him
/// out, a second reconcile changes nothing; rescinding the suspension adds
/// him back and empties the ledger. Every request is one Prism accepts.
#[test]
fn a_suspension_stops_posting_in_the_channel_until_it_is_rescinded() {
    let mock = Mock::start();
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);

    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [format!(
            "Denmark: stopped {HAMLET} posting (action #{})",
            suspension.0
        )]
    );
    assert_eq!(
        mock.writes(),
        [write(
            "POST",
            "/api/v1/user_groups/31/members",
            "delete=%5B10%5D"
        )]
    );
    assert_eq!(
        ledger(&mut w),
        [Enforced {
            place: "Denmark".into(),
            account: HAMLET.into(),
            kind: "no_post".into(),
            previous: None,
        }]
    );

    // Zulip now has user 10 out of the group.
    mock.prefer("GET", "/api/v1/user_groups", "example=user-10-removed");
    assert_eq!(w.reconcile(&zulip).unwrap(), Vec::<String>::new());
    assert_eq!(mock.writes().len(), 1, "{:?}", mock.writes());

    w.rescind(suspension);
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [format!(
            "Denmark: let {HAMLET} post again: no action stops them any more"
        )]
    );
    assert_eq!(
        mock.writes()[1..],
        [write(
            "POST",
            "/api/v1/user_groups/31/members",
            "add=%5B10%5D"
        )]
    );
    assert_eq!(ledger(&mut w), []);
    mock.all_valid();
}

/// A restriction modpod applied that Zulip no longer has (user 10 back in
/// the group, put there by hand) is drift: re-applied by default, only
/// reported when drift is recorded.
#[test]
fn a_restriction_undone_by_hand_is_drift() {
    let mock = Mock::start();
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    assert_eq!(w.reconcile(&zulip).unwrap().len(), 1);

    // Prism's default example still has user 10 in the group.
    let drift = format!(
        "drift: Denmark: the posting restriction on {HAMLET} (action #{}) was removed by hand; ",
        suspension.0
    );
    let lines = w.reconcile_with(&zulip, OnDrift::Record).unwrap();
    assert_eq!(
        lines,
        [format!("{drift}left as it is (drift is only recorded)")]
    );
    assert_eq!(mock.writes().len(), 1);

    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [
            format!("{drift}re-applied"),
            format!(
                "Denmark: stopped {HAMLET} posting (action #{})",
                suspension.0
            ),
        ]
    );
    assert_eq!(mock.writes().len(), 2);
    mock.all_valid();
}

/// A channel Zulip does not have is reported as missing, and nothing more
/// is asked or changed there.
#[test]
fn a_channel_zulip_does_not_have_is_reported_as_missing() {
    let mock = Mock::start();
    mock.prefer("GET", "/api/v1/get_stream_id", "code=400");
    let zulip = mock.adapter();
    // Beside Denmark, so that this is not a suspension from every channel.
    let mut w = World::new(
        &[("zulip:nonexistent", "chat"), (DENMARK, "chat")],
        &[("bob", &[(IdentityKind::Email, HAMLET)])],
    );
    w.act("bob", Measure::IndefiniteSuspension, &["zulip:nonexistent"]);
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        ["nonexistent: no such channel in Zulip; its actions are not enforced there"]
    );
    let asked: Vec<String> = mock.exchanges().into_iter().map(|e| e.target).collect();
    assert_eq!(asked, ["/api/v1/get_stream_id?stream=nonexistent"]);
    assert_eq!(ledger(&mut w), []);
    mock.all_valid();
}

/// A channel whose posting permission is a role, not a modpod group, is a
/// refusal that says what to do, never a restriction taken as done.
#[test]
fn a_channel_not_prepared_is_a_refusal_naming_what_to_do() {
    let mock = Mock::start();
    mock.prefer("GET", "/api/v1/streams/", "example=not-prepared");
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    for words in [
        "Denmark: failed: cannot read who may post in channel 7: ",
        "the system group \"role:members\"",
        "prepare_posting_group",
        "\"modpod: may post in #Denmark\"",
    ] {
        assert!(lines[0].contains(words), "{words:?} not in {}", lines[0]);
    }
    assert_eq!(mock.writes(), []);
    assert_eq!(ledger(&mut w), []);
    mock.all_valid();
}

fn asked(mock: &Mock) -> Vec<String> {
    mock.exchanges().into_iter().map(|e| e.target).collect()
}

/// A Zulip 9 server (feature level 278, before posting groups) with
/// `Denmark` a private channel.
fn zulip_9_private(mock: &Mock) {
    mock.prefer("GET", "/api/v1/server_settings", "example=zulip-9");
    mock.prefer("GET", "/api/v1/streams/7", "example=zulip-9-private");
    mock.prefer("GET", "/api/v1/streams/7/members", "example=subscribed");
    mock.prefer("POST", "/api/v1/users/me/subscriptions", "example=zulip-9");
}

const UNSUBSCRIBE_10: &str = "subscriptions=%5B%22Denmark%22%5D&principals=%5B10%5D";
const SUBSCRIBE_10: &str =
    "subscriptions=%5B%7B%22name%22%3A%22Denmark%22%7D%5D&principals=%5B10%5D";

/// Before Zulip 10.0, a suspension in a private channel removes the user
/// from it (only subscribers may post in a private channel), and only
/// that: no user group is read or changed. The ledger keeps that they were
/// subscribed; once Zulip has them out, a second reconcile changes nothing;
/// rescinding the suspension subscribes them again (a refusal of that says
/// what to do, and nothing is forgotten until it succeeds). Every request is
/// one Prism accepts.
#[test]
fn before_zulip_10_a_suspension_removes_the_user_from_a_private_channel_until_it_is_rescinded() {
    let mock = Mock::start();
    zulip_9_private(&mock);
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);

    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [format!(
            "Denmark: removed {HAMLET} from the private channel, so they cannot post (action #{})",
            suspension.0
        )]
    );
    assert_eq!(
        mock.writes(),
        [write(
            "DELETE",
            "/api/v1/users/me/subscriptions",
            UNSUBSCRIBE_10
        )]
    );
    assert_eq!(
        ledger(&mut w),
        [Enforced {
            place: "Denmark".into(),
            account: HAMLET.into(),
            kind: "no_post".into(),
            previous: Some("subscribed".into()),
        }]
    );
    let asked = asked(&mock);
    assert!(
        asked.contains(&"/api/v1/streams/7/members".to_owned()),
        "{asked:?}"
    );
    assert!(
        !asked.iter().any(|t| t.starts_with("/api/v1/user_groups")),
        "{asked:?}"
    );

    // Zulip now has user 10 out of the channel.
    mock.prefer(
        "GET",
        "/api/v1/streams/7/members",
        "example=user-10-removed",
    );
    assert_eq!(w.reconcile(&zulip).unwrap(), Vec::<String>::new());
    assert_eq!(mock.writes().len(), 1, "{:?}", mock.writes());

    w.rescind(suspension);
    // modpod's account is not subscribed to the private channel: Zulip
    // refuses to add anyone to it.
    mock.prefer("POST", "/api/v1/users/me/subscriptions", "code=400");
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    for words in [
        "Denmark: failed: Zulip refused to subscribe user 10 to #Denmark (HTTP 400, BAD_REQUEST): \
         Unable to access channel (Denmark).",
        "subscribe modpod's account to #Denmark",
    ] {
        assert!(lines[0].contains(words), "{words:?} not in {}", lines[0]);
    }
    assert_eq!(ledger(&mut w).len(), 1);

    mock.prefer("POST", "/api/v1/users/me/subscriptions", "example=zulip-9");
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [format!(
            "Denmark: subscribed {HAMLET} to the channel again: no action stops them any more"
        )]
    );
    assert_eq!(
        mock.writes()[1..],
        [
            write("POST", "/api/v1/users/me/subscriptions", SUBSCRIBE_10),
            write("POST", "/api/v1/users/me/subscriptions", SUBSCRIBE_10),
        ]
    );
    assert_eq!(ledger(&mut w), []);
    let refused: Vec<Exchange> = mock
        .exchanges()
        .into_iter()
        .filter(|e| e.status != 200)
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    mock.all_valid();
}

/// A user modpod removed from a private channel whom someone subscribed
/// again is drift: removed again by default, only reported when drift is
/// recorded.
#[test]
fn before_zulip_10_a_user_subscribed_again_by_hand_is_drift() {
    let mock = Mock::start();
    zulip_9_private(&mock);
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    assert_eq!(w.reconcile(&zulip).unwrap().len(), 1);

    // The example still has user 10 subscribed.
    let drift = format!(
        "drift: Denmark: the posting restriction on {HAMLET} (action #{}) was removed by hand; ",
        suspension.0
    );
    let lines = w.reconcile_with(&zulip, OnDrift::Record).unwrap();
    assert_eq!(
        lines,
        [format!("{drift}left as it is (drift is only recorded)")]
    );
    assert_eq!(mock.writes().len(), 1);

    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [
            format!("{drift}re-applied"),
            format!(
                "Denmark: removed {HAMLET} from the private channel, so they cannot post \
                 (action #{})",
                suspension.0
            ),
        ]
    );
    assert_eq!(
        mock.writes(),
        [
            write("DELETE", "/api/v1/users/me/subscriptions", UNSUBSCRIBE_10),
            write("DELETE", "/api/v1/users/me/subscriptions", UNSUBSCRIBE_10),
        ]
    );
    assert_eq!(ledger(&mut w)[0].previous.as_deref(), Some("subscribed"));
    mock.all_valid();
}

/// Before Zulip 10.0, nobody can be stopped posting in a public channel:
/// anyone may post there unsubscribed and subscribe again, and
/// `stream_post_policy` is a rule by role for everyone. The channel is a
/// refusal that says so and what to do (upgrade), nothing is changed nor
/// recorded; and the start-up check passes, reading the account, not the
/// user groups.
#[test]
fn before_zulip_10_a_public_channel_is_refused_naming_the_upgrade() {
    let mock = Mock::start();
    mock.prefer("GET", "/api/v1/server_settings", "example=zulip-9");
    mock.prefer("GET", "/api/v1/streams/7", "example=zulip-9-public");
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    for words in [
        "Denmark: failed: cannot stop anyone posting in #Denmark: it is a public channel, and \
         Zulip at http://127.0.0.1:",
        "is at feature level 278, before Zulip 10.0 (feature level 333)",
        "anyone in the organisation but a guest may post there unsubscribed, and subscribe \
         again at will, so removing someone from it stops nothing",
        "stream_post_policy 1 (anyone may post), a rule by role for everyone, which modpod \
         never changes",
        "upgrade the server to Zulip 10.0 or later",
    ] {
        assert!(lines[0].contains(words), "{words:?} not in {}", lines[0]);
    }
    assert_eq!(mock.writes(), []);
    assert_eq!(ledger(&mut w), []);
    // Refused on reading, before any change is tried.
    assert_eq!(
        asked(&mock),
        [
            "/api/v1/get_stream_id?stream=Denmark",
            "/api/v1/server_settings",
            "/api/v1/streams/7",
            "/api/v1/users/hamlet%40zulip.com",
        ]
    );
    // A second pass says the same, and still changes nothing.
    assert_eq!(w.reconcile(&zulip).unwrap(), lines);
    assert_eq!(mock.writes(), []);

    let checked = Mock::start();
    checked.prefer("GET", "/api/v1/server_settings", "example=zulip-9");
    let zulip = Zulip {
        client: checked.client(),
    };
    assert_eq!(zulip.check().map_err(|e| e.message), Ok(278));
    assert_eq!(
        asked(&checked),
        ["/api/v1/server_settings", "/api/v1/users/me"]
    );
    mock.all_valid();
    checked.all_valid();
}

/// A private channel that became public while a removal modpod made is in
/// force: the removal stops nothing there any more, so it is drift whose
/// re-application is refused with the reason; the ledger keeps it, and
/// lifting the suspension still subscribes the user again.
#[test]
fn before_zulip_10_a_private_channel_made_public_is_refused_and_still_lifted() {
    let mock = Mock::start();
    zulip_9_private(&mock);
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    assert_eq!(w.reconcile(&zulip).unwrap().len(), 1);

    mock.prefer("GET", "/api/v1/streams/7", "example=zulip-9-public");
    mock.prefer(
        "GET",
        "/api/v1/streams/7/members",
        "example=user-10-removed",
    );
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("drift: Denmark: the posting restriction on hamlet@zulip.com"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with(
            "Denmark: failed: cannot stop anyone posting in #Denmark: it is a public channel"
        ),
        "{lines:?}"
    );
    assert_eq!(mock.writes().len(), 1, "{:?}", mock.writes());
    assert_eq!(ledger(&mut w).len(), 1);

    w.rescind(suspension);
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [format!(
            "Denmark: subscribed {HAMLET} to the channel again: no action stops them any more"
        )]
    );
    assert_eq!(
        mock.writes()[1..],
        [write(
            "POST",
            "/api/v1/users/me/subscriptions",
            SUBSCRIBE_10
        )]
    );
    assert_eq!(ledger(&mut w), []);
    mock.all_valid();
}

/// A removal made before the server reached Zulip 10.0 is lifted as it was
/// made, by subscribing the user again, not through the posting group.
#[test]
fn a_removal_made_before_an_upgrade_is_lifted_by_subscribing_again() {
    let mock = Mock::start();
    zulip_9_private(&mock);
    let mut w = world(&[HAMLET]);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    assert_eq!(w.reconcile(&mock.adapter()).unwrap().len(), 1);

    // The server is upgraded (a new client reads its feature level again).
    mock.prefer("GET", "/api/v1/server_settings", "example=current");
    mock.prefer("GET", "/api/v1/streams/7", "example=prepared-private");
    mock.prefer(
        "GET",
        "/api/v1/streams/7/members",
        "example=user-10-removed",
    );
    mock.prefer(
        "POST",
        "/api/v1/users/me/subscriptions",
        "example=subscribed",
    );
    let zulip = mock.adapter();
    assert_eq!(w.reconcile(&zulip).unwrap(), Vec::<String>::new());
    w.rescind(suspension);
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [format!(
            "Denmark: subscribed {HAMLET} to the channel again: no action stops them any more"
        )]
    );
    assert_eq!(
        mock.writes(),
        [
            write("DELETE", "/api/v1/users/me/subscriptions", UNSUBSCRIBE_10),
            write("POST", "/api/v1/users/me/subscriptions", SUBSCRIBE_10),
        ]
    );
    assert_eq!(ledger(&mut w), []);
    mock.all_valid();
}

/// From Zulip 10.0 a private channel is enforced like a public one, through
/// its posting group: the user keeps reading it, is not removed, and is
/// put back in the group at the end.
#[test]
fn from_zulip_10_a_private_channel_uses_the_posting_group_not_removal() {
    let mock = Mock::start();
    mock.prefer("GET", "/api/v1/streams/7", "example=prepared-private");
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    assert_eq!(
        w.reconcile(&zulip).unwrap(),
        [format!(
            "Denmark: stopped {HAMLET} posting (action #{})",
            suspension.0
        )]
    );
    assert_eq!(
        mock.writes(),
        [write(
            "POST",
            "/api/v1/user_groups/31/members",
            "delete=%5B10%5D"
        )]
    );
    assert_eq!(ledger(&mut w)[0].previous, None);

    mock.prefer("GET", "/api/v1/user_groups", "example=user-10-removed");
    w.rescind(suspension);
    assert_eq!(
        w.reconcile(&zulip).unwrap(),
        [format!(
            "Denmark: let {HAMLET} post again: no action stops them any more"
        )]
    );
    assert_eq!(
        mock.writes()[1..],
        [write(
            "POST",
            "/api/v1/user_groups/31/members",
            "add=%5B10%5D"
        )]
    );
    // The private channel was read, and neither its subscribers nor any
    // subscription.
    let asked = asked(&mock);
    assert!(asked.contains(&"/api/v1/streams/7".to_owned()), "{asked:?}");
    assert!(
        !asked
            .iter()
            .any(|t| t == "/api/v1/streams/7/members" || t.contains("subscriptions")),
        "{asked:?}"
    );
    assert_eq!(ledger(&mut w), []);
    mock.all_valid();
}

/// On a current server with credentials that may read the user groups, the
/// start-up check passes and says the feature level; credentials refused
/// fail it, and so does a server too old to read a channel by its ID.
#[test]
fn the_start_up_check_reads_the_feature_level_and_the_groups() {
    let mock = Mock::start();
    let zulip = Zulip {
        client: mock.client(),
    };
    assert_eq!(zulip.check().map_err(|e| e.message), Ok(400));
    assert_eq!(
        asked(&mock),
        ["/api/v1/server_settings", "/api/v1/user_groups"]
    );

    // Before Zulip 6.0 a channel cannot be read by its ID.
    let old = Mock::start();
    old.prefer("GET", "/api/v1/server_settings", "example=zulip-5");
    let error = Zulip {
        client: old.client(),
    }
    .check()
    .err();
    assert!(
        error.as_ref().is_some_and(|e| !e.transient
            && e.message.contains("feature level 120")
            && e.message.contains("Zulip 6.0 or later")),
        "{error:?}"
    );
    assert_eq!(asked(&old), ["/api/v1/server_settings"]);

    // Before Zulip 10.0, the account is read instead of the user groups.
    let refused = Mock::start();
    refused.prefer("GET", "/api/v1/server_settings", "example=zulip-9");
    refused.prefer("GET", "/api/v1/users/me", "code=401");
    let error = Zulip {
        client: refused.client(),
    }
    .check()
    .err();
    assert!(
        error.as_ref().is_some_and(|e| !e.transient
            && e.message.contains("read modpod's own Zulip account")
            && e.message.contains("Invalid API key")
            && e.message.contains("administrator")),
        "{error:?}"
    );

    let refused = Mock::start();
    refused.prefer("GET", "/api/v1/user_groups", "code=401");
    let error = Zulip {
        client: refused.client(),
    }
    .check()
    .err();
    assert!(
        error.as_ref().is_some_and(|e| !e.transient
            && e.message.contains("Invalid API key")
            && e.message.contains("administrator")),
        "{error:?}"
    );
}

/// An address no Zulip user has is nothing to enforce: a person's other
/// address does not stop their Zulip account's restriction, and is neither
/// changed, nor recorded, nor reported.
#[test]
fn an_address_zulip_does_not_know_has_nothing_to_enforce() {
    let mock = Mock::start();
    mock.prefer("GET", "/api/v1/users/bob%40other.example", "code=400");
    let zulip = mock.adapter();
    let mut w = world(&["bob@other.example", HAMLET]);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [format!(
            "Denmark: stopped {HAMLET} posting (action #{})",
            suspension.0
        )]
    );
    assert_eq!(mock.writes().len(), 1);
    let ledger = ledger(&mut w);
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].account, HAMLET);

    // What the adapter reads for it.
    let about: BTreeSet<(String, String)> = [("no_post".to_owned(), "bob@other.example".into())]
        .into_iter()
        .collect();
    let actual = zulip.read("Denmark", &about, &[]).unwrap().unwrap();
    assert_eq!(
        actual.items.values().collect::<Vec<_>>(),
        [&Present {
            enforces: true,
            as_applied: false,
            value: None,
            handle: None,
        }]
    );
    mock.all_valid();
}

/// Zulip refusing the change is reported for that channel and the ledger
/// is not written: it follows the software.
#[test]
fn a_refused_change_is_reported_and_not_recorded() {
    let mock = Mock::start();
    mock.prefer("POST", "/api/v1/user_groups/31/members", "code=400");
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    let lines = w.reconcile(&zulip).unwrap();
    assert_eq!(
        lines,
        [
            "Denmark: failed: Zulip refused to change the members of user group 31 \
             (HTTP 400, BAD_REQUEST): Invalid user group"
        ]
    );
    assert_eq!(ledger(&mut w), []);
    mock.all_valid();
}

/// Zulip rate limiting stops the pass as transient: it is tried again
/// later, nothing recorded.
#[test]
fn a_rate_limited_read_stops_the_pass_to_try_again_later() {
    let mock = Mock::start();
    mock.prefer("GET", "/api/v1/user_groups", "code=429");
    let zulip = mock.adapter();
    let mut w = world(&[HAMLET]);
    w.act("bob", Measure::IndefiniteSuspension, &[DENMARK]);
    match w.reconcile(&zulip) {
        Err(ReconcileError::Software(e)) => {
            assert!(e.transient && e.message.contains("rate-limited"), "{e:?}")
        }
        other => panic!("expected a transient failure, got {other:?}"),
    }
    assert_eq!(ledger(&mut w), []);
    assert_eq!(mock.writes(), []);
}

/// The look-ups answer `None` only for Zulip's "no such user" and "invalid
/// channel name"; other refusals are errors.
#[test]
fn lookups_tell_unknown_names_from_refusals() {
    let mock = Mock::start();
    let client = mock.client();
    assert_eq!(client.user_id_by_email(HAMLET), Ok(Some(10)));
    assert_eq!(client.stream_id("Denmark"), Ok(Some(7)));
    // Names that need encoding in a path and in a query.
    assert_eq!(client.user_id_by_email("o'brien+x@zulip.com"), Ok(Some(10)));
    assert_eq!(client.stream_id("Café \"north\" & co/+*?#"), Ok(Some(7)));
    let asked: Vec<String> = mock.exchanges().into_iter().map(|e| e.target).collect();
    assert_eq!(
        asked[2..],
        [
            "/api/v1/users/o%27brien%2Bx%40zulip.com",
            "/api/v1/get_stream_id?stream=Caf%C3%A9%20%22north%22%20%26%20co%2F%2B%2A%3F%23",
        ]
    );
    mock.all_valid();

    // The proxy passes Prism's verdict on: an empty name is not a valid
    // request (and Prism answers it with the "no such channel" example).
    assert_eq!(client.stream_id(""), Ok(None));
    let last = mock.exchanges().pop().unwrap();
    assert!(
        last.status == 400 && last.violations.contains("stream"),
        "{last:?}"
    );

    mock.prefer("GET", "/api/v1/users/", "code=400");
    mock.prefer("GET", "/api/v1/get_stream_id", "code=400");
    assert_eq!(client.user_id_by_email("nobody@zulip.com"), Ok(None));
    assert_eq!(client.stream_id("nonexistent"), Ok(None));

    mock.prefer("GET", "/api/v1/users/", "code=401");
    mock.prefer("GET", "/api/v1/get_stream_id", "code=401");
    let error = client.user_id_by_email(HAMLET).err();
    assert!(
        matches!(&error, Some(e @ ZulipError::Refused { status: 401, .. }) if !e.is_transient()),
        "{error:?}"
    );
    let error = client.stream_id("Denmark").err();
    assert!(
        matches!(&error, Some(ZulipError::Refused { status: 401, .. })),
        "{error:?}"
    );
}
