//! The webhook adapter against a receiver of the test's own that checks
//! every request the way a Standard Webhooks receiver does (the
//! `standardwebhooks` crate's `verify`: id, timestamp within five minutes,
//! HMAC signature): a suspension on a wiki is sent once, signed; its end is
//! sent once; a receiver that is down or failing gets the change later,
//! with the same id; one that refuses is reported; nothing is sent twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use modpod_adapter::testing::World;
use modpod_adapter::{Adapter, ReconcileError};
use modpod_policy::model::{IdentityKind, Measure};
use modpod_store::Enforced;
use modpod_webhook::Webhooks;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// What the receiver got: each verified request's id and body.
#[derive(Default)]
struct Received {
    verified: Vec<(String, serde_json::Value)>,
    unverified: usize,
}

/// A receiver on a port of its own, answering `status` (200 unless set).
struct Receiver {
    url: String,
    received: Arc<Mutex<Received>>,
    status: Arc<AtomicU16>,
    /// How long it takes to answer, in milliseconds.
    delay: Arc<std::sync::atomic::AtomicU64>,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    fn start() -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let received = Arc::new(Mutex::new(Received::default()));
        let status = Arc::new(AtomicU16::new(200));
        let delay = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}/hooks/modpod", listener.local_addr().unwrap());
        let (got, answer, slow) = (received.clone(), status.clone(), delay.clone());
        let app = axum::Router::new().route(
            "/hooks/modpod",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                    let wait = slow.load(Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
                    let mut got = got.lock().unwrap();
                    match verifier.verify(&body, &headers) {
                        Ok(()) => {
                            let id = headers["webhook-id"].to_str().unwrap().to_owned();
                            got.verified
                                .push((id, serde_json::from_slice(&body).unwrap()));
                        }
                        Err(_) => got.unverified += 1,
                    }
                    axum::http::StatusCode::from_u16(answer.load(Ordering::SeqCst)).unwrap()
                },
            ),
        );
        runtime.spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            received,
            status,
            delay,
            _runtime: runtime,
        }
    }

    fn bodies(&self) -> Vec<serde_json::Value> {
        let got = self.received.lock().unwrap();
        assert_eq!(got.unverified, 0, "every request carries a valid signature");
        got.verified.iter().map(|(_, body)| body.clone()).collect()
    }

    fn ids(&self) -> Vec<String> {
        let got = self.received.lock().unwrap();
        got.verified.iter().map(|(id, _)| id.clone()).collect()
    }
}

/// A log with a wiki (kind `wiki`) and a mailing list that `alice`
/// administers, and `bob` with an email address and a GitHub account.
fn world() -> World {
    World::new(
        &[("wiki", "wiki"), ("wg@ietf.example", "mailing-list")],
        &[(
            "bob",
            &[
                (IdentityKind::Email, "bob@example.org"),
                (IdentityKind::Github, "bob-gh"),
            ],
        )],
    )
}

fn hooks(receiver: &Receiver) -> Arc<dyn Adapter> {
    Arc::new(Webhooks::new("wiki", &receiver.url, SECRET).unwrap())
}

#[test]
fn a_suspension_on_a_wiki_is_sent_signed_once_and_its_end_once() {
    let receiver = Receiver::start();
    let webhooks = hooks(&receiver);
    let mut w = world();
    let action = w.act(
        "bob",
        Measure::IndefiniteSuspension,
        &["wiki", "wg@ietf.example"],
    );
    let lines = w.reconcile(&webhooks).unwrap();
    assert_eq!(
        lines,
        [
            format!(
                "wiki: sent suspend of email:bob@example.org (action #{})",
                action.0
            ),
            format!("wiki: sent suspend of github:bob-gh (action #{})", action.0),
        ]
    );
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 2, "the mailing list is not the webhook's");
    assert_eq!(bodies[0]["type"], "restriction.applied");
    assert_eq!(bodies[0]["data"]["forum"], "wiki");
    assert_eq!(bodies[0]["data"]["restriction"], "suspend");
    assert_eq!(bodies[0]["data"]["account"], "email:bob@example.org");
    // Reconciling again sends nothing.
    assert_eq!(w.reconcile(&webhooks).unwrap(), Vec::<String>::new());
    assert_eq!(receiver.bodies().len(), 2);

    w.rescind(action);
    let lines = w.reconcile(&webhooks).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 4);
    assert!(
        bodies[2..]
            .iter()
            .all(|b| b["type"] == "restriction.lifted")
    );
    assert_eq!(w.reconcile(&webhooks).unwrap(), Vec::<String>::new());
    assert_eq!(w.engine.store().enforced("webhook").unwrap(), []);
}

#[test]
fn a_rate_limit_carries_its_rate_and_is_sent_once() {
    let receiver = Receiver::start();
    let webhooks = hooks(&receiver);
    let mut w = world();
    w.act(
        "bob",
        Measure::RateLimit {
            posts: 2,
            per_seconds: 3600,
        },
        &["wiki"],
    );
    w.reconcile(&webhooks).unwrap();
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["data"]["restriction"], "rate_limit");
    assert_eq!(bodies[0]["data"]["rate"], "2/3600s");
    assert_eq!(w.reconcile(&webhooks).unwrap(), Vec::<String>::new());
}

#[test]
fn a_receiver_down_or_failing_gets_the_change_later_with_the_same_id() {
    let receiver = Receiver::start();
    let webhooks = hooks(&receiver);
    let mut w = world();
    w.act("bob", Measure::IndefiniteSuspension, &["wiki"]);
    receiver.status.store(503, Ordering::SeqCst);
    let error = w.reconcile(&webhooks).unwrap_err();
    assert!(
        matches!(&error, ReconcileError::Software(e) if e.transient && e.message.contains("HTTP 503")),
        "{error:?}"
    );
    assert_eq!(w.engine.store().enforced("webhook").unwrap(), []);
    let first_try = receiver.ids();
    receiver.status.store(200, Ordering::SeqCst);
    w.reconcile(&webhooks).unwrap();
    let ids = receiver.ids();
    assert_eq!(ids[0], first_try[0], "a retry keeps its webhook-id");
    assert_eq!(w.engine.store().enforced("webhook").unwrap().len(), 2);

    // Nobody listening at all: a transient error naming the endpoint.
    let gone: Arc<dyn Adapter> =
        Arc::new(Webhooks::new("wiki", "http://127.0.0.1:9/hooks", SECRET).unwrap());
    let mut w = world();
    w.act("bob", Measure::IndefiniteSuspension, &["wiki"]);
    let error = w.reconcile(&gone).unwrap_err().to_string();
    assert!(error.contains("http://127.0.0.1:9/hooks"), "{error}");
}

#[test]
fn a_receiver_that_refuses_is_reported_and_nothing_is_recorded() {
    let receiver = Receiver::start();
    receiver.status.store(400, Ordering::SeqCst);
    let webhooks = hooks(&receiver);
    let mut w = world();
    w.act("bob", Measure::IndefiniteSuspension, &["wiki"]);
    let lines = w.reconcile(&webhooks).unwrap();
    assert!(
        lines[0].starts_with("wiki: failed: sending the restriction.applied webhook")
            && lines[0].contains("refused with HTTP 400"),
        "{lines:?}"
    );
    assert_eq!(w.engine.store().enforced("webhook").unwrap(), []);
}

#[test]
fn a_secret_that_is_not_whsec_base64_is_refused() {
    let error = Webhooks::new("wiki", "http://127.0.0.1:9/", "whsec_???")
        .err()
        .unwrap();
    assert!(error.contains("whsec_"), "{error}");
    let ok = Webhooks::new("wiki", "http://127.0.0.1:9/", SECRET).unwrap();
    assert_eq!(ok.name(), "webhooks");
}

#[test]
fn a_receiver_slower_than_the_time_limit_is_tried_again_later() {
    let receiver = Receiver::start();
    receiver.delay.store(2_000, Ordering::SeqCst);
    let slow: Arc<dyn Adapter> = Arc::new(
        Webhooks::with_timeout(
            "wiki",
            &receiver.url,
            SECRET,
            std::time::Duration::from_millis(300),
        )
        .unwrap(),
    );
    let mut w = world();
    w.act("bob", Measure::IndefiniteSuspension, &["wiki"]);
    let error = w.reconcile(&slow).unwrap_err();
    assert!(
        matches!(&error, ReconcileError::Software(e) if e.transient),
        "{error:?}"
    );
    assert_eq!(w.engine.store().enforced("webhook").unwrap(), []);
    receiver.delay.store(0, Ordering::SeqCst);
    assert_eq!(w.reconcile(&slow).unwrap().len(), 2);
    assert_eq!(w.engine.store().enforced("webhook").unwrap().len(), 2);
}

/// A crash between sending a change and writing it down leaves only its
/// mark in the ledger: the receiver may have it or not. Still wanted, it is
/// sent again with the same id; no longer wanted (rescinded meanwhile), its
/// end is sent, so that a receiver that had it is never left with it.
#[test]
fn a_change_cut_short_by_a_crash_is_sent_again_or_its_end_sent() {
    let receiver = Receiver::start();
    let webhooks = hooks(&receiver);
    let mut w = world();
    let action = w.act("bob", Measure::IndefiniteSuspension, &["wiki"]);
    w.reconcile(&webhooks).unwrap();
    let first = receiver.ids();
    assert_eq!(first.len(), 2);
    // As a crash after the send leaves it: each change back to its mark.
    let sent = w.engine.store().enforced("webhook").unwrap();
    for entry in &sent {
        let store = w.engine.store();
        store
            .clear_enforced("webhook", &entry.place, &entry.account, &entry.kind)
            .unwrap();
        let mark = Enforced {
            kind: modpod_adapter::pending(&entry.kind),
            ..entry.clone()
        };
        store.set_enforced("webhook", &mark).unwrap();
    }
    // Still wanted: sent again, the same ids, and written down.
    assert_eq!(w.reconcile(&webhooks).unwrap().len(), 2);
    assert_eq!(receiver.ids()[2..], first[..]);
    assert_eq!(w.engine.store().enforced("webhook").unwrap(), sent);

    // Back to marks, then rescinded before the next pass: the ends are sent.
    for entry in &sent {
        let store = w.engine.store();
        store
            .clear_enforced("webhook", &entry.place, &entry.account, &entry.kind)
            .unwrap();
        let mark = Enforced {
            kind: modpod_adapter::pending(&entry.kind),
            ..entry.clone()
        };
        store.set_enforced("webhook", &mark).unwrap();
    }
    w.rescind(action);
    assert_eq!(w.reconcile(&webhooks).unwrap().len(), 2);
    // Two changes, sent twice, then their two ends.
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 6, "{bodies:#?}");
    assert!(
        bodies[4..]
            .iter()
            .all(|b| b["type"] == "restriction.lifted"),
        "{bodies:#?}"
    );
    assert_eq!(w.engine.store().enforced("webhook").unwrap(), []);
}
