//! The person reported reads none of the reporter's words (REPORT-5): every
//! endpoint of the API and every page, walked as the subject of a report,
//! once the report has been through its life and an action cites it with the
//! report's links as its evidence (as the action form fills them in).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use common::*;
use modpod_server::http::router;
use serde_json::json;
use tower::ServiceExt;

/// What a report on `subject` says, and its link: marked with the subject's
/// name, so that each subject's walk looks for the words of their own report.
fn description(subject: &str) -> String {
    format!("DESC-{subject}: replied to my review with insults")
}

fn link(subject: &str) -> String {
    format!("https://mailarchive.example/LINK-{subject}")
}

/// `GET path` as the holder of `session`, whatever the answer's type.
async fn fetch(api: &Api, path: &str, who: &As) -> (StatusCode, String) {
    let mut request = Request::get(path).header(header::ACCEPT, "text/html");
    if let As::Session { cookie, .. } = who {
        request = request.header(header::COOKIE, cookie);
    }
    if let As::Token(token) = who {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = router(api.app.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// carol reports bob on tls@ and erin reports m1 (a moderator, on the
/// plenary list the team administers); each report is acknowledged and
/// resolved by an action that cites it, with the report's links as evidence;
/// both disagree, and bob asks for his suspension to be announced.
async fn world() -> (Api, As, As) {
    let api = Api::new(engine());
    let carol = api.login("carol").await;
    let erin = api.login("erin").await;
    let alice = api.login("alice").await;
    let m2 = api.login("m2").await;
    for (who, forum, subject) in [(&carol, TLS, "bob"), (&erin, IETF, "m1")] {
        api.run(
            who,
            "participant",
            json!({"command": "file_report", "forum": forum, "subject": {"person": subject},
            "category": "uncivil", "description": description(subject),
            "links": [link(subject)]}),
        )
        .await;
    }
    for (who, capacity, report, subject, forum) in [
        (&alice, "administrator", 1, "bob", TLS),
        (&m2, "moderator", 2, "m1", IETF),
    ] {
        api.run(
            who,
            capacity,
            json!({"command": "acknowledge_report", "report": report}),
        )
        .await;
        // Actions are numbered as reports are here: 1 on bob, 2 on m1.
        let action = report;
        api.run(
            who,
            capacity,
            json!({"command": "take_action", "subject": {"person": subject},
            "measure": {"type": "temporary_suspension"}, "fora": [forum],
            "ends_at": "2099-01-01T00:00:00Z", "reports": [report],
            "evidence": [{"url": link(subject)}],
            "reason": "Insults after a warning: REASON-MARK"}),
        )
        .await;
        api.run(
            who,
            capacity,
            json!({"command": "resolve_report", "report": report,
            "outcome": {"outcome": "action_taken", "action": action}}),
        )
        .await;
    }
    let bob = api.login("bob").await;
    let m1 = api.login("m1").await;
    api.run(
        &bob,
        "participant",
        json!({"command": "file_disagreement", "target": {"kind": "action", "id": 1},
        "grounds": "I was quoting someone"}),
    )
    .await;
    api.run(
        &bob,
        "participant",
        json!({"command": "request_announcement", "action": 1}),
    )
    .await;
    api.run(
        &m1,
        "participant",
        json!({"command": "file_disagreement", "target": {"kind": "action", "id": 2},
        "grounds": "It was a joke"}),
    )
    .await;
    (api, bob, m1)
}

/// Every GET path of the OpenAPI document, with `{id}` as each of these.
async fn api_paths(api: &Api) -> Vec<String> {
    let (_, doc) = api.get("/openapi.json", &As::Nobody).await;
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        if path.contains("{id}") {
            for id in ["0", "1", "2", "3", "bob", "m1", "carol", "erin"] {
                out.push(path.replace("{id}", id));
            }
        } else {
            out.push(path.clone());
        }
    }
    assert!(out.len() > 30, "{out:?}");
    out
}

/// Every page a logged-in person may ask for, with each record's number.
fn page_paths() -> Vec<String> {
    let mut out: Vec<String> = [
        "/",
        "/roster",
        "/transparency",
        "/procedures",
        "/announcements",
        "/setup",
        "/report",
        "/me",
        "/me/reports",
        "/queue",
        "/appeals",
        "/reinstatements",
        "/digest",
        "/digest/0",
        "/llc",
    ]
    .map(String::from)
    .to_vec();
    for kind in ["cases", "actions", "appeals", "reinstatements", "llc"] {
        for id in 0..4 {
            out.push(format!("/{kind}/{id}"));
        }
    }
    out
}

#[tokio::test]
async fn report_5_the_subject_reads_no_byte_of_the_reporter_s_words_anywhere() {
    let (api, bob, m1) = world().await;
    let bob_token = api.token("bob", modpod_server::tokens::Scope::Act);
    // A fellow moderator's list of actions, evidence and all, is kept for
    // those answered alike: never for m1, the subject of one of them.
    let m2 = api.login("m2").await;
    let (_, listed) = api.get("/v1/actions", &m2).await;
    assert!(listed.to_string().contains("LINK-m1"), "{listed}");
    let paths = api_paths(&api).await;
    let mut read = 0;
    for (who, name, subject) in [
        (&bob, "bob", "bob"),
        (&bob_token, "bob's token", "bob"),
        (&m1, "m1", "m1"),
    ] {
        let secrets = [format!("DESC-{subject}"), format!("LINK-{subject}")];
        for path in paths.iter().chain(page_paths().iter()) {
            let (status, body) = fetch(&api, path, who).await;
            assert!(!status.is_server_error(), "{path} as {name}: {status}");
            if status == StatusCode::OK {
                read += 1;
            }
            for secret in &secrets {
                assert!(
                    !body.contains(secret.as_str()),
                    "{secret} reaches {name} at {path}:\n{body}"
                );
            }
        }
    }
    assert!(read > 40, "only {read} answers were read");
    // Each subject does see that their report exists, its kind, and the
    // action with its reason as it was written for them.
    let (status, report) = api.get("/v1/reports/1", &bob).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["category"], "uncivil");
    assert!(
        report["description"].is_null() && report["links"].is_null(),
        "{report}"
    );
    assert!(report["reporter"].is_null(), "{report}");
    let (_, page) = fetch(&api, "/cases/2", &m1).await;
    assert!(page.contains("The report is about you"), "{page}");
    let (_, action) = api.get("/v1/actions/1", &bob).await;
    assert!(action["reason"].as_str().unwrap().contains("REASON-MARK"));
    // Those who handle the report read it whole.
    let alice = api.login("alice").await;
    let (_, report) = api.get("/v1/reports/1", &alice).await;
    assert_eq!(report["description"], description("bob"), "{report}");
    let (_, page) = fetch(&api, "/cases/1", &alice).await;
    assert!(page.contains("DESC-bob") && page.contains("LINK-bob"));
    // m1's fellow moderators read the report about m1 on its case page.
    let (_, page) = fetch(&api, "/cases/2", &m2).await;
    assert!(
        page.contains("DESC-m1") && page.contains("LINK-m1"),
        "{page}"
    );
}
