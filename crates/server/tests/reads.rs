//! Reads never wait for writes: requests read the view the engine published
//! after its last change, and the store on connections of their own, so
//! that while the engine is held (a long append, say) pages, API reads,
//! `/healthz` and password logins are answered; a command is recorded while
//! readers hold older views; and the caller who recorded a command reads it
//! at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use common::{Api, As, TLS};
use modpod_server::http::router;
use modpod_server::tokens::Scope;
use serde_json::json;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::Duration;
use tower::ServiceExt;

/// Long enough for any read on a loaded machine, far shorter than the
/// engine is held.
const QUICK: Duration = Duration::from_secs(5);

/// A page, as text, for a browser with `cookie`.
async fn page(api: &Api, cookie: &str, path: &str) -> (StatusCode, String) {
    let response = router(api.app.clone())
        .oneshot(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

fn cookie_of(session: &As) -> String {
    match session {
        As::Session { cookie, .. } => cookie.clone(),
        other => panic!("not a session: {other:?}"),
    }
}

/// The small IETF with one report (carol's, about bob, on tls) and one action
/// (alice's rate limit on bob there). Returns the report's id.
async fn with_a_case(api: &Api) -> u64 {
    let carol = api.token("carol", Scope::Act);
    api.run(
        &carol,
        "participant",
        json!({"command": "file_report", "forum": TLS,
            "subject": {"person": "bob"}, "category": "uncivil", "description": "insults"}),
    )
    .await;
    let alice = api.token("alice", Scope::Act);
    api.run(
        &alice,
        "administrator",
        json!({"command": "take_action", "subject": {"person": "bob"},
            "measure": {"type": "rate_limit", "posts": 1, "per_seconds": 3600},
            "fora": [TLS], "reason": "flooding"}),
    )
    .await;
    let view = api.app.view();
    view.state.reports.keys().next().expect("the report").0
}

/// Holds the engine's lock on a thread of its own until told to let go (or
/// 30 seconds pass).
fn hold_the_engine(api: &Api) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let engine = api.engine.clone();
    let held = Arc::new(Barrier::new(2));
    let (release, released) = mpsc::channel::<()>();
    let holder = {
        let held = held.clone();
        std::thread::spawn(move || {
            let _guard = engine.lock().unwrap();
            held.wait();
            let _ = released.recv_timeout(Duration::from_secs(30));
        })
    };
    held.wait();
    (release, holder)
}

async fn quickly<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(QUICK, future)
        .await
        .unwrap_or_else(|_| panic!("{what} waited for the engine"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_api_reads_healthz_and_logins_are_answered_while_the_engine_is_held() {
    let api = Api::new(common::engine());
    let report = with_a_case(&api).await;
    let m1 = api.login("m1").await;
    let cookie = cookie_of(&m1);
    let token = api.token("m1", Scope::Act);
    let events = api.app.view().head.seq;

    let (release, holder) = hold_the_engine(&api);

    let (status, queue) = quickly("the queue", page(&api, &cookie, "/queue")).await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert!(
        queue.contains("insults") || queue.contains("bob"),
        "{queue}"
    );
    let path = format!("/cases/{report}");
    let (status, case) = quickly("a case page", page(&api, &cookie, &path)).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert!(case.contains("insults"), "{case}");
    // The case's timeline is read from the log, on a connection of the
    // readers' own.
    assert!(case.contains("rate"), "{case}");

    let (status, actions) = quickly("GET /v1/actions", api.get("/v1/actions", &token)).await;
    assert_eq!(status, StatusCode::OK, "{actions}");
    assert_eq!(
        actions["items"].as_array().map(Vec::len),
        Some(1),
        "{actions}"
    );
    let (status, reports) = quickly("GET /v1/reports", api.get("/v1/reports", &token)).await;
    assert_eq!(status, StatusCode::OK, "{reports}");
    assert_eq!(
        reports["items"].as_array().map(Vec::len),
        Some(1),
        "{reports}"
    );
    let (status, health) = quickly("/healthz", api.get("/healthz", &As::Nobody)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["events"], json!(events));
    let (status, _) = quickly("/metrics", api.page("/metrics")).await;
    assert_eq!(status, StatusCode::OK);

    // A password login: the password is checked, and the session opened,
    // without the engine.
    let bob = quickly("a password login", api.login("bob")).await;
    let (status, me) = quickly("GET /v1/me", api.get("/v1/me", &bob)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["person"], "bob");
    let (status, wrong) = quickly(
        "a wrong password",
        api.post(
            "/v1/login",
            &As::Nobody,
            json!({"account": "carol", "password": "not hers"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}");

    // A command waits for the engine, and is recorded once it is free.
    let alice = api.login("alice").await;
    let command = {
        let api_app = api.app.clone();
        let alice = alice.clone();
        tokio::spawn(async move {
            let api = Api {
                engine: api_app.engine.clone(),
                app: api_app,
            };
            api.post(
                "/v1/commands",
                &alice,
                json!({"as": "administrator", "command": {"command": "take_action",
                    "subject": {"person": "erin"}, "measure": {"type": "rate_limit",
                    "posts": 1, "per_seconds": 3600}, "fora": [TLS], "reason": "flooding"}}),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!command.is_finished(), "a command waits for the engine");
    release.send(()).unwrap();
    holder.join().unwrap();
    let (status, body) = quickly("the command", command).await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_is_recorded_while_readers_hold_views_and_its_caller_reads_it_at_once() {
    let api = Api::new(common::engine());
    let alice = api.token("alice", Scope::Act);
    let before = api.app.view();
    let in_force_before = before.state.actions.len();

    let (status, body) = quickly(
        "a command while a reader holds a view",
        api.post(
            "/v1/commands",
            &alice,
            json!({"as": "administrator", "command": {"command": "take_action",
                "subject": {"person": "bob"}, "measure": {"type": "rate_limit",
                "posts": 1, "per_seconds": 3600}, "fora": [TLS], "reason": "flooding"}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["action"].as_u64().expect("the action's id");

    // The view the reader held is as it was: nothing changes under it.
    assert_eq!(before.state.actions.len(), in_force_before);
    // The view published by the command shows it, and the caller's next
    // read, answered from it, too: read-your-writes, with no waiting.
    let after = api.app.view();
    let last = body["events"]
        .as_array()
        .and_then(|e| e.last())
        .and_then(|e| e["seq"].as_u64())
        .expect("the events recorded");
    assert_eq!(after.head.seq, last, "published before the answer");
    assert!(after.head.seq > before.head.seq);
    assert_eq!(after.state.actions.len(), in_force_before + 1);
    let (status, action) = api.get(&format!("/v1/actions/{id}"), &alice).await;
    assert_eq!(status, StatusCode::OK, "{action}");
    assert_eq!(action["subject"], "bob", "{action}");
    let (status, health) = api.get("/healthz", &As::Nobody).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["events"], json!(last));
}
