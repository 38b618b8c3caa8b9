//! Group commit: commands that arrive while one is being recorded are
//! decided together, in the order they arrived, and appended in one durable
//! transaction; each caller is answered with its own outcome, a refusal
//! stopping none of the others.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use common::{Api, As, TLS};
use modpod_server::http::{App, AppParts, router};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tower::ServiceExt;

async fn command(app: App, who: As, body: Value) -> (StatusCode, Value) {
    let As::Session { cookie, csrf } = who else {
        unreachable!()
    };
    let response = router(app)
        .oneshot(
            Request::post("/v1/commands")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, cookie)
                .header("x-csrf-token", csrf)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn admonish(subject: &str) -> Value {
    json!({"as": "administrator", "command": {"command": "take_action",
        "subject": {"person": subject}, "measure": {"type": "private_admonishment"},
        "fora": [TLS], "reason": "tone"}})
}

// The engine is held across awaits on purpose: as a long append would, it
// keeps the commands waiting while they arrive.
#[allow(clippy::await_holding_lock)]
#[tokio::test]
async fn commands_that_arrive_together_are_decided_in_order_and_committed_together() {
    let api = Api::new(common::engine());
    let alice = api.login("alice").await;
    let bob = api.login("bob").await;
    let before = api.engine.lock().unwrap().commits();

    // While the engine is busy (held here), eight commands arrive; bob's,
    // the fifth, is refused: he administers nothing.
    let held = api.engine.lock().unwrap();
    let mut answers = Vec::new();
    for n in 0..8 {
        let (who, subject) = if n == 4 {
            (bob.clone(), "carol")
        } else {
            (alice.clone(), ["bob", "carol", "erin"][n % 3])
        };
        answers.push(tokio::spawn(command(
            api.app.clone(),
            who,
            admonish(subject),
        )));
        // In this order: each is given before the next is sent.
        let waiting = Instant::now();
        while api.app.committer.received() < n as u64 + 1 {
            assert!(
                waiting.elapsed() < Duration::from_secs(10),
                "command {n} never queued"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    assert!(
        api.app.committer.waiting() >= 7,
        "all but the first, which a group may have taken, wait for the next"
    );
    assert!(
        answers.iter().all(|a| !a.is_finished()),
        "none is answered before it is durable"
    );
    drop(held);

    let mut actions = Vec::new();
    for (n, answer) in answers.into_iter().enumerate() {
        let (status, body) = answer.await.unwrap();
        if n == 4 {
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert!(body["requirement"].is_string(), "{body}");
        } else {
            assert_eq!(status, StatusCode::CREATED, "{n}: {body}");
            actions.push(body["action"].as_u64().unwrap());
        }
    }
    assert_eq!(
        actions,
        [1, 2, 3, 4, 5, 6, 7],
        "numbered in the order they arrived"
    );
    let engine = api.engine.lock().unwrap();
    let commits = engine.commits() - before;
    assert!(
        (1..=2).contains(&commits),
        "{commits} transactions for 7 recorded commands: the first may have been taken alone"
    );
    assert_eq!(engine.state().actions.len(), 7);
    assert_eq!(api.app.committer.waiting(), 0);
}

/// With groups of one (`modpod serve --commit-group 1`), each command is
/// its own transaction, however many wait.
#[allow(clippy::await_holding_lock)]
#[tokio::test]
async fn groups_of_one_commit_each_command_alone() {
    let api = Api::new(common::engine());
    let alice = api.login("alice").await;
    let app = App::from(AppParts {
        committer: modpod_server::commit::Committer::new(api.engine.clone()).with_max_group(1),
        ..(*api.app).clone()
    });
    let before = api.engine.lock().unwrap().commits();
    let held = api.engine.lock().unwrap();
    let mut answers = Vec::new();
    for n in 0..3u64 {
        answers.push(tokio::spawn(command(
            app.clone(),
            alice.clone(),
            admonish("bob"),
        )));
        let waiting = Instant::now();
        while app.committer.received() < n + 1 {
            assert!(
                waiting.elapsed() < Duration::from_secs(10),
                "command {n} never queued"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    drop(held);
    for answer in answers {
        assert_eq!(answer.await.unwrap().0, StatusCode::CREATED);
    }
    assert_eq!(api.engine.lock().unwrap().commits() - before, 3);
}
