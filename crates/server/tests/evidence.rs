//! Evidence fetched once, hashed and checked later (EVIDENCE-1), against a
//! real HTTP server on 127.0.0.1: an archive message that is there, then
//! edited, then gone; a body too large, one that never ends, one too slow,
//! a redirect loop and a link that is not http(s).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use common::{As, TLS};
use modpod_policy::ids::ActionId;
use modpod_policy::model::FetchOutcome;
use modpod_server::evidence::{self, Fetcher, Limits};
use modpod_server::http::router;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;
use tower::ServiceExt;

/// SHA-256 of `hello`, and of `hello, edited`.
const HELLO: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
const EDITED: &str = "909270e0f4060035f28dd4eb89c8a78aefa7fa617bb4791df88910ee80885fbb";

/// The archive: `/msg` (what `message` holds, or 404), `/big` (6 MiB),
/// `/slow` (answers after 5 s), `/loop` (redirects to itself).
#[derive(Clone, Default)]
struct Archive {
    message: Arc<Mutex<Option<&'static str>>>,
    hits: Arc<AtomicUsize>,
}

async fn message(State(archive): State<Archive>) -> Response {
    archive.hits.fetch_add(1, Ordering::SeqCst);
    match *archive.message.lock().unwrap() {
        Some(text) => text.into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serves the archive on 127.0.0.1, and a raw server whose body never ends
/// and says no length; their base URLs.
async fn serve(archive: Archive) -> (String, String) {
    let app = Router::new()
        .route("/msg", get(message))
        .route("/big", get(|| async { vec![b'x'; 6 * 1024 * 1024] }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .with_state(archive);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let endless = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endless_base = format!("http://{}", endless.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = endless.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 1024];
                let _ = socket.read(&mut request).await;
                let head =
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = [b'y'; 64 * 1024];
                while socket.write_all(&chunk).await.is_ok() {}
            });
        }
    });
    (base, endless_base)
}

/// A fetcher with the default bounds, but a second to answer in.
fn fetcher() -> Fetcher {
    Fetcher::new(Limits {
        timeout: Duration::from_secs(1),
        ..Limits::default()
    })
    .unwrap()
}

/// What the state holds for `url` of action 0, once the worker recorded it.
fn retrieved(api: &common::Api, url: &str) -> Option<FetchOutcome> {
    let engine = api.engine.lock().unwrap();
    let record = engine.state().evidence_record(ActionId(1), url)?;
    Some(record.retrieved.outcome.clone())
}

fn unavailable(outcome: Option<FetchOutcome>) -> String {
    match outcome {
        Some(FetchOutcome::Unavailable { reason }) => reason,
        other => panic!("unavailable, not {other:?}"),
    }
}

async fn action_page(api: &common::Api, who: &As) -> String {
    let As::Session { cookie, .. } = who else {
        panic!("a session")
    };
    let response = router(api.app.clone())
        .oneshot(
            Request::get("/actions/1")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn evidence_1_each_link_is_fetched_once_and_what_cannot_be_read_never_stops_the_action() {
    let archive = Archive::default();
    *archive.message.lock().unwrap() = Some("hello");
    let (base, endless) = serve(archive.clone()).await;
    let api = common::Api::new(common::engine());
    // The worker of `modpod serve`, woken by each action with evidence.
    let wake = Arc::new(Notify::new());
    api.engine
        .lock()
        .unwrap()
        .observe(evidence::observer(wake.clone()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(evidence::run(
        api.engine.clone(),
        fetcher(),
        wake.clone(),
        stopped,
    ));

    let msg = format!("{base}/msg");
    let links = [
        msg.clone(),
        format!("{base}/big"),
        format!("{endless}/endless"),
        format!("{base}/slow"),
        format!("{base}/loop"),
        "ftp://archive.example/msg".to_owned(),
    ];
    let mut evidence: Vec<Value> = links.iter().map(|url| json!({"url": url})).collect();
    evidence[0]["sha256"] = json!(HELLO);
    let alice = api.login("alice").await;
    api.run(
        &alice,
        "administrator",
        json!({"command": "take_action", "subject": {"person": "carol"},
        "measure": {"type": "temporary_suspension"}, "fora": [TLS],
        "ends_at": "2099-01-01T00:00:00Z", "evidence": evidence,
        "reason": "insults after a warning"}),
    )
    .await;

    // Each link fetched in the background, the action recorded before.
    for _ in 0..200 {
        if links.iter().all(|url| retrieved(&api, url).is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        retrieved(&api, &msg),
        Some(FetchOutcome::Found {
            sha256: HELLO.into(),
            size: 5
        })
    );
    let too_large = "larger than 5242880 bytes: not read further";
    assert_eq!(unavailable(retrieved(&api, &links[1])), too_large);
    assert_eq!(unavailable(retrieved(&api, &links[2])), too_large);
    assert_eq!(
        unavailable(retrieved(&api, &links[3])),
        "no answer within 1 s"
    );
    assert_eq!(
        unavailable(retrieved(&api, &links[4])),
        "more than 5 redirects"
    );
    assert_eq!(
        unavailable(retrieved(&api, &links[5])),
        "not an http(s) link (ftp:)"
    );
    // The action stands.
    let (status, action) = api.get("/v1/actions/1", &alice).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(action["status"]["status"], "in_force");

    // Once: woken again, the worker fetches nothing more.
    let events = api.events();
    wake.notify_one();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(archive.hits.load(Ordering::SeqCst), 1);
    assert_eq!(api.events(), events);
    stop.send(true).unwrap();
    worker.await.unwrap();

    // The action as those who read its evidence see it: each link with
    // what was found, compared with the hash alice gave.
    let status = &action["evidence_status"];
    assert_eq!(
        status[0],
        json!({"url": msg, "sha256_given": HELLO, "status": "fetched", "sha256": HELLO,
            "size": 5, "retrieved_at": status[0]["retrieved_at"], "matches_given": true,
            "last_check": null})
    );
    assert_eq!(status[3]["status"], "unavailable");
    assert_eq!(status[3]["reason"], "no answer within 1 s");
    // Its subject reads no evidence, nor what was found there.
    let carol = api.login("carol").await;
    let (_, seen) = api.get("/v1/actions/1", &carol).await;
    assert_eq!(seen["evidence_status"], json!([]));
    assert!(!seen.to_string().contains("/msg"), "{seen}");
    let page = action_page(&api, &alice).await;
    assert!(
        page.contains("5 bytes, SHA-256 <code>2cf24dba5fb0…</code>, as given"),
        "{page}"
    );
    assert!(
        page.contains("could not be fetched") && page.contains("no answer within 1 s"),
        "{page}"
    );
}

#[tokio::test]
async fn evidence_1_a_check_says_unchanged_changed_then_gone() {
    let archive = Archive::default();
    *archive.message.lock().unwrap() = Some("hello");
    let (base, _) = serve(archive.clone()).await;
    let api = common::Api::new(common::engine());
    let alice = api.login("alice").await;
    let msg = format!("{base}/msg");
    let slow = format!("{base}/slow");
    api.run(
        &alice,
        "administrator",
        json!({"command": "take_action", "subject": {"person": "carol"},
        "measure": {"type": "private_admonishment"}, "fora": [TLS],
        "evidence": [{"url": msg}, {"url": slow}], "reason": "insults"}),
    )
    .await;
    let fetcher = fetcher();
    // Nothing to check before the first retrieval.
    assert!(
        evidence::check(&api.engine, &fetcher, None)
            .await
            .unwrap()
            .is_empty()
    );
    let first = evidence::retrieve(&api.engine, &fetcher, Some(ActionId(1)))
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|f| f.recorded));

    let last_check = |api: &common::Api| {
        let engine = api.engine.lock().unwrap();
        let record = engine.state().evidence_record(ActionId(1), &msg).unwrap();
        record.check_result()
    };
    use modpod_policy::model::CheckResult;
    // Only the link that was found is checked (the slow one never was).
    let checks = [
        (Some("hello"), CheckResult::Unchanged),
        (
            Some("hello, edited"),
            CheckResult::Changed {
                sha256: EDITED.into(),
                size: 13,
            },
        ),
        (None, CheckResult::Gone { status: 404 }),
    ];
    for (now, result) in checks {
        *archive.message.lock().unwrap() = now;
        let done = evidence::check(&api.engine, &fetcher, None).await.unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].url, msg);
        assert!(done[0].recorded);
        assert_eq!(last_check(&api), Some(result));
    }
    let (_, action) = api.get("/v1/actions/1", &alice).await;
    let check = &action["evidence_status"][0]["last_check"];
    assert_eq!(check["result"], "gone");
    assert_eq!(check["status"], 404);
    let page = action_page(&api, &alice).await;
    assert!(page.contains("<strong>gone</strong> (HTTP 404)"), "{page}");
    // The first retrieval stays what it was.
    assert_eq!(action["evidence_status"][0]["sha256"], HELLO);
    assert_eq!(archive.hits.load(Ordering::SeqCst), 4);
}
