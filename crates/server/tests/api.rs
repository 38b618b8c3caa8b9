//! The HTTP API as a client sees it: API tokens, the decision API for forum
//! software, commands recorded by scripts, and every kind of bad input
//! answered with a clear 4xx and no change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::{As, QUIC, TLS};
use modpod_server::http::auth::TrustedProxy;
use modpod_server::http::{App, AppParts, MAX_BODY, router};
use modpod_server::tokens::{self, Scope};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

const FORUM: &str = TLS;

struct Api {
    api: common::Api,
    /// Alice chairs the forum; her token may act.
    alice: As,
    /// The list server's token may only ask for decisions.
    listbot: As,
}

fn api() -> Api {
    let mut engine = common::engine();
    modpod_server::accounts::create(engine.store(), "listbot", "listbot", "pw").unwrap();
    let api = common::Api::new(engine);
    let alice = api.token("alice", Scope::Act);
    let listbot = api.token("listbot", Scope::Decide);
    Api {
        api,
        alice,
        listbot,
    }
}

fn secret(who: &As) -> &str {
    match who {
        As::Token(token) => token,
        _ => unreachable!(),
    }
}

impl Api {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Body,
    ) -> (StatusCode, Value) {
        let who = token.map_or(As::Nobody, |t| As::Token(t.to_owned()));
        self.api.call(method, path, &who, body).await
    }

    async fn post(&self, path: &str, who: &As, body: Value) -> (StatusCode, Value) {
        self.api.post(path, who, body).await
    }

    async fn decide(&self, sender: &str) -> Value {
        let (status, body) = self
            .post(
                "/v1/decide",
                &self.listbot,
                json!({"forum": FORUM, "sender": sender}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn act(&self, measure: Value, subject: &str) -> (StatusCode, Value) {
        let mut take = json!({"command": "take_action", "subject": {"person": subject},
            "measure": measure, "fora": [FORUM], "reason": "sealioning"});
        if measure["type"] == "temporary_suspension" {
            take["ends_at"] = json!("2099-03-22T10:00:00Z");
        }
        self.post(
            "/v1/commands",
            &self.alice,
            json!({"as": "administrator", "command": take}),
        )
        .await
    }

    fn events(&self) -> u64 {
        self.api.events()
    }
}

#[tokio::test]
async fn actions_recorded_through_the_api_are_enforced_by_the_decision_api_at_once() {
    let api = api();
    assert_eq!(api.decide("bob@example.org").await["verdict"], "allow");

    let (status, body) = api
        .act(json!({"type": "temporary_suspension"}), "bob")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["events"][0]["kind"], "action_taken");
    let (status, _) = api
        .act(json!({"type": "review_and_approval"}), "carol")
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = api
        .act(
            json!({"type": "rate_limit", "posts": 1, "per_seconds": 3600}),
            "dave",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let bob = api.decide("Bob@Example.ORG").await;
    assert_eq!(bob["verdict"], "reject", "{bob}");
    assert_eq!(bob["until"], "2099-03-22T10:00:00Z");
    assert!(bob["message"].as_str().unwrap().contains("appeal"), "{bob}");
    assert_eq!(api.decide("carol@example.org").await["verdict"], "hold");
    assert_eq!(
        api.decide("dave@example.org").await["verdict"],
        "allow",
        "first post counted"
    );
    let dave = api.decide("dave@example.org").await;
    assert_eq!(dave["verdict"], "defer", "{dave}");
    assert!(
        dave["retry_after_seconds"].as_u64().unwrap() > 3000,
        "{dave}"
    );
    // Asking without counting does not use up a post, and says allow.
    let (_, uncounted) = api
        .post(
            "/v1/decide",
            &api.listbot,
            json!({"forum": FORUM, "sender": "dave@example.org", "count": false}),
        )
        .await;
    assert_eq!(uncounted["verdict"], "allow");
    // Unknown sender, unknown forum: allowed, by definition.
    assert_eq!(api.decide("stranger@example.net").await["verdict"], "allow");
    let (_, elsewhere) = api
        .post(
            "/v1/decide",
            &api.listbot,
            json!({"forum": "quic@ietf.org", "sender": "bob@example.org"}),
        )
        .await;
    assert_eq!(elsewhere["verdict"], "allow");
}

/// Forum ids compare exactly, for a Matrix room id is case-sensitive (the
/// same letters in another case are another room), and list addresses
/// whatever their case; a sender the question calls a `chat` identity (a
/// Matrix user id) is matched exactly, and only as one.
#[tokio::test]
async fn a_mixed_case_matrix_room_and_its_users_are_matched_exactly_and_lists_whatever_their_case()
{
    const ROOM: &str = "matrix:!AbCdEfGhIj:example.org";
    const BOB: &str = "@Bob:example.org";
    let api = api();
    {
        let mut engine = api.api.engine.lock().unwrap();
        let op = modpod_policy::Actor::new(
            modpod_policy::ids::PersonId::parse("op").unwrap(),
            modpod_policy::model::Capacity::Operator,
        );
        for setup in [
            json!({"command": "create_forum", "forum": ROOM, "name": "TLS chat",
                "kind": "chat", "organisation": "ietf", "public": true,
                "plenary": false, "wg": "tls"}),
            json!({"command": "link_identity", "person": "bob",
                "identity": {"kind": "chat", "value": BOB}}),
        ] {
            engine
                .execute(&op, &common::command(setup), jiff::Timestamp::now())
                .unwrap();
        }
    }
    let (status, body) = api
        .post(
            "/v1/commands",
            &api.alice,
            json!({"as": "administrator", "command": {"command": "take_action",
                "subject": {"person": "bob"}, "measure": {"type": "rate_limit", "posts": 1,
                "per_seconds": 3600}, "fora": [ROOM, FORUM], "reason": "flooding"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let ask = |forum: &str, sender: &str, kind: Option<&str>| {
        let mut question = json!({"forum": forum, "sender": sender});
        if let Some(kind) = kind {
            question["sender_kind"] = json!(kind);
        }
        let api = &api;
        async move {
            let (status, body) = api.post("/v1/decide", &api.listbot, question).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };

    // The room, as its id is: one post, then over the limit.
    assert_eq!(ask(ROOM, BOB, Some("chat")).await["verdict"], "allow");
    let over = ask(ROOM, BOB, Some("chat")).await;
    assert_eq!(over["verdict"], "defer", "{over}");
    assert!(over["message"].as_str().unwrap().contains(ROOM), "{over}");
    // The same letters lower-cased are another room, where no action is.
    for _ in 0..2 {
        let other = ask(&ROOM.to_lowercase(), BOB, Some("chat")).await;
        assert_eq!(other["verdict"], "allow", "{other}");
    }
    // The user id exactly, as a chat identity: not another case of it, nor
    // the same text taken for an email address.
    assert_eq!(
        ask(ROOM, "@bob:example.org", Some("chat")).await["verdict"],
        "allow"
    );
    assert_eq!(ask(ROOM, BOB, None).await["verdict"], "allow");
    assert_eq!(ask(ROOM, BOB, Some("email")).await["verdict"], "allow");
    // The list, whatever the case of its address, is one list.
    assert_eq!(
        ask("TLS@IETF.ORG", "bob@example.org", None).await["verdict"],
        "allow"
    );
    let list = ask(FORUM, "Bob@Example.org", Some("email")).await;
    assert_eq!(list["verdict"], "defer", "{list}");
    assert!(list["message"].as_str().unwrap().contains(FORUM), "{list}");
    // An unknown kind of identity is a clear 400.
    let (status, body) = api
        .post(
            "/v1/decide",
            &api.listbot,
            json!({"forum": ROOM, "sender": BOB, "sender_kind": "pigeon"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn a_batch_is_answered_in_order_and_bounded() {
    let api = api();
    api.act(json!({"type": "temporary_suspension"}), "bob")
        .await;
    let ask = |sender: &str| json!({"forum": FORUM, "sender": sender});
    let (status, body) = api
        .post(
            "/v1/decide/batch",
            &api.listbot,
            json!({"requests": [ask("carol@example.org"), ask("bob@example.org"), ask("x@y.z")]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verdicts: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["allow", "reject", "allow"]);

    let too_many: Vec<Value> = (0..1001).map(|_| ask("carol@example.org")).collect();
    let (status, body) = api
        .post(
            "/v1/decide/batch",
            &api.listbot,
            json!({"requests": too_many}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("1000"), "{body}");

    let (status, body) = api
        .post(
            "/v1/decide/batch",
            &api.listbot,
            json!({"requests": [ask("a@b.c"), ask("")]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().starts_with("question 2:"),
        "{body}"
    );
}

#[tokio::test]
async fn tokens_are_required_checked_and_scoped() {
    let api = api();
    let ask = json!({"forum": FORUM, "sender": "bob@example.org"}).to_string();
    let (status, body) = api
        .call("POST", "/v1/decide", None, Body::from(ask.clone()))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    // The real secret with its last character changed (to another one).
    let real = secret(&api.listbot);
    let (kept, last) = real.split_at(real.len() - 1);
    let forged = format!("{kept}{}", if last == "x" { "y" } else { "x" });
    for token in [forged.as_str(), "mpt_nonsense", "", "Basic abc"] {
        let (status, _) = api
            .call("POST", "/v1/decide", Some(token), Body::from(ask.clone()))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
    }
    // The list server's token may ask, not act.
    let before = api.events();
    let (status, body) = api
        .post(
            "/v1/commands",
            &api.listbot,
            json!({"as": "administrator", "command":
            {"command": "take_action", "subject": {"person": "bob"},
             "measure": {"type": "indefinite_suspension"}, "fora": [FORUM], "reason": "x"}}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_scope"))
    );
    assert_eq!(api.events(), before);
    // Alice's token may do both.
    let (status, _) = api
        .post(
            "/v1/decide",
            &api.alice,
            json!({"forum": FORUM, "sender": "b@c.d"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // A revoked token stops working (once the cache's short trust ends; a
    // fresh App has no cache).
    let id = tokens::id_of(secret(&api.listbot)).unwrap().to_owned();
    assert!(
        api.api
            .engine
            .lock()
            .unwrap()
            .store()
            .revoke_token(&id, 1)
            .unwrap()
    );
    let fresh = common::Api {
        app: App::new(api.api.engine.clone(), api.api.app.policy.clone()),
        engine: api.api.engine.clone(),
    };
    let (status, _) = fresh
        .call("POST", "/v1/decide", &api.listbot, Body::from(ask))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn policy_refusals_name_the_requirement_and_record_nothing() {
    let api = api();
    let before = api.events();
    // Alice administers tls@, not quic@ (ACT-2).
    let (status, body) = api
        .post("/v1/commands", &api.alice, json!({"as": "administrator", "command":
            {"command": "take_action", "subject": {"person": "bob"},
             "measure": {"type": "indefinite_suspension"}, "fora": ["quic@ietf.org"], "reason": "x"}}))
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    assert!(
        body["requirement"].as_str().is_some_and(|r| !r.is_empty()),
        "{body}"
    );
    assert!(body["code"].as_str().is_some(), "{body}");
    // Nobody may claim to be modpod's scheduler.
    let (status, body) = api
        .post(
            "/v1/commands",
            &api.alice,
            json!({"as": "system", "command":
            {"command": "expire_action", "action": 1}}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Alice is no moderator.
    let (status, body) = api.act(json!({"type": "spam"}), "bob").await;
    assert!(status.is_client_error(), "{body}");
    let (status, body) = api
        .post(
            "/v1/commands",
            &api.alice,
            json!({"as": "moderator", "command":
            {"command": "take_action", "subject": {"person": "bob"},
             "measure": {"type": "indefinite_suspension"}, "fora": [FORUM], "reason": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "not_permitted");
    assert_eq!(api.events(), before, "nothing was recorded");
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_changes_nothing() {
    let api = api();
    let before = api.events();
    let cases: Vec<(&str, Body)> = vec![
        ("not JSON", Body::from("{forum:")),
        (
            "wrong type",
            Body::from(r#"{"forum": 1, "sender": "a@b.c"}"#),
        ),
        (
            "unknown field",
            Body::from(r#"{"forum": "f", "sender": "a@b.c", "admin": true}"#),
        ),
        ("missing field", Body::from(r#"{"forum": "f"}"#)),
        (
            "empty sender",
            Body::from(r#"{"forum": "f", "sender": " "}"#),
        ),
        (
            "over-long sender",
            Body::from(json!({"forum": "f", "sender": "a".repeat(321)}).to_string()),
        ),
        (
            "too large",
            Body::from(format!(
                r#"{{"forum": "{}", "sender": "a"}}"#,
                "f".repeat(MAX_BODY)
            )),
        ),
    ];
    for (what, body) in cases {
        let (status, answer) = api
            .call("POST", "/v1/decide", Some(secret(&api.listbot)), body)
            .await;
        assert!(status.is_client_error(), "{what}: {status} {answer}");
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: {answer}"
        );
    }
    for body in [
        r#"{"as": "administrator"}"#,
        r#"{"as": "king", "command": {"command": "bootstrap", "operator": "x", "name": "y"}}"#,
        r#"{"as": "administrator", "command": {"command": "no_such_command"}}"#,
        r#"{"as": "administrator", "command": {"command": "take_action", "subject": {"person": "bob"}}}"#,
        r#"[]"#,
    ] {
        let (status, answer) = api
            .call(
                "POST",
                "/v1/commands",
                Some(secret(&api.alice)),
                Body::from(body),
            )
            .await;
        assert!(status.is_client_error(), "{body}: {status} {answer}");
    }
    let (status, answer) = api.call("GET", "/v1/nowhere", None, Body::empty()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(api.events(), before);
}

#[tokio::test]
async fn the_openapi_document_describes_the_decision_api() {
    let api = api();
    let (status, doc) = api.call("GET", "/openapi.json", None, Body::empty()).await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/v1/decide", "/v1/decide/batch", "/v1/commands", "/healthz"] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_refusals_by_requirement_and_decisions() {
    let api = api();
    api.decide("bob@example.org").await;
    api.decide("bob@example.org").await;
    let (status, _) = api
        .post("/v1/commands", &api.alice, json!({"as": "administrator", "command":
            {"command": "take_action", "subject": {"person": "bob"},
             "measure": {"type": "indefinite_suspension"}, "fora": ["quic@ietf.org"], "reason": "x"}}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = api.api.get("/v1/reports/8", &api.alice).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, text) = api.api.page("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for line in [
        r#"modpod_http_requests_total{method="POST",route="/v1/decide",status="200"} 2"#,
        r#"modpod_http_requests_total{method="GET",route="/v1/reports/{id}",status="404"} 1"#,
        r#"modpod_decisions_total{verdict="allow"} 2"#,
        r#"modpod_policy_refusals_total{requirement="ACT-2",code="not_permitted"} 1"#,
        "# TYPE modpod_http_request_seconds histogram",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    // Labels carry templates, never the people or addresses asked about.
    assert!(!text.contains("bob"), "{text}");
}

#[tokio::test]
async fn metrics_show_the_notification_queue_and_its_failures() {
    use modpod_store::{AttemptOutcome, Delivery, DeliveryAttempt, DeliveryStatus};
    let api = api();
    let delivery = |notification: u64, address: &str| Delivery {
        notification,
        address: address.to_owned(),
        recipient: "the moderator team".to_owned(),
        message_id: format!("<{notification}.{address}>"),
        subject: "s".to_owned(),
        body: "b".to_owned(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        last_error: None,
        created_micros: 1,
        updated_micros: 1,
        next_micros: 1,
    };
    let attempt = |notification: u64, address: &str, outcome| DeliveryAttempt {
        notification,
        address: address.to_owned(),
        at_micros: 2,
        outcome,
        detail: "451 try later".to_owned(),
        node: "test".to_owned(),
    };
    {
        let mut engine = api.api.engine.lock().unwrap();
        let store = engine.store();
        store
            .add_deliveries(&[
                delivery(1, "a@example.org"),
                delivery(1, "b@example.org"),
                delivery(2, "c@example.org"),
                delivery(2, "d@example.org"),
            ])
            .unwrap();
        // a: failed once, still pending; b: sent; c: refused for good.
        let temporary = attempt(1, "a@example.org", AttemptOutcome::Temporary);
        store.record_attempt(&temporary, 10).unwrap();
        let sent = attempt(1, "b@example.org", AttemptOutcome::Sent);
        store.record_attempt(&sent, 10).unwrap();
        let refused = attempt(2, "c@example.org", AttemptOutcome::Permanent);
        store.record_attempt(&refused, 10).unwrap();
    }
    let (status, text) = api.api.page("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for line in [
        r#"modpod_notification_deliveries{status="pending"} 2"#,
        r#"modpod_notification_deliveries{status="sent"} 1"#,
        r#"modpod_notification_deliveries{status="failed"} 1"#,
        "modpod_notification_failed_attempts 2",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert!(!text.contains("example.org"), "{text}");
}

/// The decision API answers API tokens only (scope `decide`, or `act`): a
/// login session could learn of measures not announced and spend a rate
/// limited person's allowance.
#[tokio::test]
async fn the_decision_api_answers_api_tokens_only() {
    let api = api();
    let bob = api.api.login("bob").await;
    let one = json!({"forum": FORUM, "sender": "carol@example.org"});
    let batch = json!({"requests": [one.clone()]});
    for (path, body) in [("/v1/decide", &one), ("/v1/decide/batch", &batch)] {
        let (status, answer) = api.post(path, &bob, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
        assert_eq!(answer["code"], "token_required", "{path}: {answer}");
        let (status, _) = api.post(path, &As::Nobody, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        for token in [&api.listbot, &api.alice] {
            let (status, answer) = api.post(path, token, body.clone()).await;
            assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        }
    }
}

/// Who is calling is settled before the body is read: without the right
/// credential, a malformed body is answered 401 or 403, not 400.
#[tokio::test]
async fn callers_are_authenticated_before_their_body_is_read() {
    let api = api();
    let bob = api.api.login("bob").await;
    let before = api.events();
    for path in ["/v1/commands", "/v1/decide", "/v1/decide/batch"] {
        let (status, answer) = api.call("POST", path, None, Body::from("{not json")).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthenticated")),
            "{path}: {answer}"
        );
        let (status, _) = api
            .call("POST", path, Some("mpt_nonsense"), Body::from("{not json"))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    // The list server's token may not record commands, whatever it sends.
    let (status, answer) = api
        .call(
            "POST",
            "/v1/commands",
            Some(secret(&api.listbot)),
            Body::from("{not json"),
        )
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_scope")),
        "{answer}"
    );
    // A session may not ask for decisions, whatever it sends.
    let (status, answer) = api
        .api
        .call("POST", "/v1/decide", &bob, Body::from("{not json"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    // With the right credential, the body is read and found wanting.
    let (status, _) = api
        .call(
            "POST",
            "/v1/commands",
            Some(secret(&api.alice)),
            Body::from("{not json"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(api.events(), before);
}

/// A bad time inside a command names the field and the format expected.
#[tokio::test]
async fn a_bad_time_in_a_command_names_its_field_and_the_format() {
    let api = api();
    let before = api.events();
    for ends_at in [json!("2099-3-22"), json!("2099-03-22T10:00:00"), json!(7)] {
        let (status, body) = api
            .post(
                "/v1/commands",
                &api.alice,
                json!({"as": "administrator", "command": {"command": "take_action",
                    "subject": {"person": "bob"}, "measure": {"type": "temporary_suspension"},
                    "fora": [FORUM], "ends_at": ends_at, "reason": "sealioning"}}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with("command.ends_at: ")
                && message.contains("RFC 3339")
                && message.contains("at line 1 column"),
            "{ends_at}: {message}"
        );
    }
    // Another kind of error names its field without speaking of times.
    let (status, body) = api
        .post(
            "/v1/decide",
            &api.listbot,
            json!({"forum": FORUM, "sender": "b@c.d", "count": "yes"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("count: ") && !message.contains("RFC 3339"),
        "{message}"
    );
    assert_eq!(api.events(), before);
}

/// A request and its whole answer, headers included.
async fn exchange(app: &App, request: Request<Body>) -> axum::response::Response {
    router(app.clone()).oneshot(request).await.unwrap()
}

fn with(who: &As, request: axum::http::request::Builder) -> axum::http::request::Builder {
    match who {
        As::Nobody => request,
        As::Token(token) => request.header(header::AUTHORIZATION, format!("Bearer {token}")),
        As::Session { cookie, .. } => request.header(header::COOKIE, cookie),
    }
}

/// Every answer to a caller who presented a credential, and every answer
/// that sets a cookie, is `Cache-Control: no-store`; public pages may be
/// cached, and the stylesheet keeps its own.
#[tokio::test]
async fn answers_to_a_caller_are_never_stored_by_caches() {
    let api = api();
    let bob = api.api.login("bob").await;
    let bad_token = As::Token("mpt_nonsense".to_owned());
    for (who, path) in [
        (&bob, "/v1/me"),
        (&bob, "/me"),
        (&bob, "/"),
        (&bob, "/v1/transparency"),
        (&bob, "/v1/nowhere"),
        (&api.alice, "/v1/me"),
        (&api.alice, "/v1/reports"),
        (&bad_token, "/v1/me"),
    ] {
        let response = exchange(
            &api.api.app,
            with(who, Request::get(path)).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(
            response
                .headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{who:?} {path}: {}",
            response.status()
        );
    }
    let login = Request::post("/v1/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"account": "bob", "password": "pw-bob"}).to_string(),
        ))
        .unwrap();
    let response = exchange(&api.api.app, login).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let response = exchange(
        &api.api.app,
        with(&bob, Request::get("/assets/modpod.css"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    // Anybody's public answers carry no such header.
    for path in ["/v1/transparency", "/healthz"] {
        let response = exchange(
            &api.api.app,
            Request::get(path).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.headers().get(header::CACHE_CONTROL).is_none(),
            "{path}"
        );
    }
}

/// A login attempt from the socket peer `peer`, saying `X-Forwarded-For:
/// forwarded` if given; the status it gets.
async fn log_in_from(
    app: &App,
    peer: &str,
    forwarded: Option<&str>,
    account: &str,
    password: &str,
) -> StatusCode {
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    let mut request = Request::post("/v1/login")
        .header(header::CONTENT_TYPE, "application/json")
        .extension(ConnectInfo(peer));
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    let body = json!({"account": account, "password": password}).to_string();
    exchange(app, request.body(Body::from(body)).unwrap())
        .await
        .status()
}

/// Five wrong passwords from one address hold up that address's attempts at
/// that account; the owner logging in from elsewhere is never held up.
#[tokio::test]
async fn failed_logins_from_one_address_never_lock_the_owner_out_elsewhere() {
    let api = api();
    let app = &api.api.app;
    for _ in 0..5 {
        let status = log_in_from(app, "192.0.2.1", None, "bob", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = log_in_from(app, "192.0.2.1", None, "bob", "pw-bob").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "held up there");
    let status = log_in_from(app, "198.51.100.7", None, "bob", "pw-bob").await;
    assert_eq!(status, StatusCode::OK, "bob logs in from elsewhere");
    let status = log_in_from(app, "192.0.2.1", None, "carol", "pw-carol").await;
    assert_eq!(status, StatusCode::OK, "carol, from the same address");
    // One address is limited whatever the accounts it tries.
    for account in [
        "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11", "a12", "a13",
    ] {
        let status = log_in_from(app, "192.0.2.1", None, account, "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{account}");
    }
    let status = log_in_from(app, "192.0.2.1", None, "dave", "pw-dave").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address's own limit"
    );
    let status = log_in_from(app, "198.51.100.7", None, "dave", "pw-dave").await;
    assert_eq!(status, StatusCode::OK);
}

/// From a peer that is not a trusted proxy, X-Forwarded-For is ignored: a
/// client cannot escape its limit by writing another address in it.
#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let api = api();
    let app = &api.api.app;
    for i in 1..=5 {
        let forged = format!("203.0.113.{i}");
        let status = log_in_from(app, "192.0.2.1", Some(&forged), "bob", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = log_in_from(app, "192.0.2.1", Some("203.0.113.99"), "bob", "pw-bob").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

/// Behind a trusted reverse proxy, each client is limited by the address the
/// proxy forwards for: two clients behind it are limited separately, and
/// what a client wrote left of the proxy's entry is not believed.
#[tokio::test]
async fn x_forwarded_for_from_a_trusted_proxy_names_the_client() {
    let api = api();
    let proxies: Vec<TrustedProxy> = ["127.0.0.1", "10.0.0.0/8"]
        .iter()
        .map(|p| p.parse().unwrap())
        .collect();
    let app = &App::from(AppParts {
        trusted_proxies: Arc::from(proxies),
        ..(*api.api.app).clone()
    });
    for _ in 0..5 {
        let status = log_in_from(app, "127.0.0.1", Some("192.0.2.1"), "bob", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The client at 192.0.2.1 is held up, even writing another address first,
    // and through a second proxy of the trusted network.
    for forwarded in [
        "192.0.2.1",
        "198.51.100.7, 192.0.2.1",
        "192.0.2.1, 10.1.2.3",
    ] {
        let status = log_in_from(app, "127.0.0.1", Some(forwarded), "bob", "pw-bob").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{forwarded}");
    }
    // Another client behind the same proxy is not.
    let status = log_in_from(app, "127.0.0.1", Some("198.51.100.7"), "bob", "pw-bob").await;
    assert_eq!(status, StatusCode::OK);
    // The proxy's own address is not limited by its clients' failures.
    let status = log_in_from(app, "127.0.0.1", None, "bob", "pw-bob").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn stats_1_the_team_s_yearly_table_is_public_as_json_csv_and_a_page_naming_nobody() {
    let w = api();
    let m1 = w.api.token("m1", Scope::Act);
    // The team gives carol a level-0 note on the plenary list: m1 proposes,
    // a second moderator agrees (TEAM-5).
    let body = w
        .api
        .run(
            &m1,
            "moderator",
            json!({"command": "take_action", "subject": {"person": "carol"},
                "measure": {"type": "private_admonishment"}, "fora": [common::IETF],
                "reason": "remarks about a person", "level": {"level": 0}}),
        )
        .await;
    assert!(body["action"].is_u64(), "{body}");
    let year = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .year();

    let (status, stats) = w.api.get("/v1/statistics", &As::Nobody).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["years"][0]["year"], year, "{stats}");
    assert_eq!(stats["years"][0]["by_level"], json!([1, 0, 0]));
    assert_eq!(stats["years"][0]["people_contacted"], 1);
    assert_eq!(stats["people_contacted"], 1);

    let response = router(w.api.app.clone())
        .oneshot(
            Request::get("/v1/statistics.csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"moderator-team-statistics.csv\""
    );
    let csv = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert_eq!(
        csv,
        format!(
            "year,level_0,level_1,level_2,without_level,people_contacted,spam,rescinded,anonymous_people\n\
             {year},1,0,0,0,1,0,0,0\nall,1,0,0,0,1,0,0,0\n"
        )
    );

    let (status, page) = w.api.page("/statistics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("Off-list note"),
        "{page}"
    );
    for text in [stats.to_string(), csv, page] {
        for name in ["carol", "remarks", "m1"] {
            assert!(!text.contains(name), "{name} in a public output:\n{text}");
        }
    }
}

/// The texts of each thread in a report as the API answers it.
fn threads(report: &Value) -> Vec<(String, Vec<String>)> {
    report["threads"]
        .as_array()
        .unwrap_or_else(|| panic!("no threads in {report}"))
        .iter()
        .map(|t| {
            let texts = t["messages"].as_array().unwrap().iter();
            let texts = texts.map(|m| m["text"].as_str().unwrap().to_owned());
            (t["thread"].as_str().unwrap().to_owned(), texts.collect())
        })
        .collect()
}

/// MSG-1, REPORT-5: messages are posted through `POST /v1/commands`, and
/// `GET /v1/reports/{id}` gives each caller the threads they read: the
/// person reported theirs, the reporter theirs, those who handle the report
/// all three; the list of reports carries none.
#[tokio::test]
async fn msg_1_the_report_gives_each_caller_only_the_threads_they_read() {
    let api = api().api;
    let who = |name| api.token(name, Scope::Act);
    let (carol, bob, alice, m1, erin) = (
        who("carol"),
        who("bob"),
        who("alice"),
        who("m1"),
        who("erin"),
    );
    api.run(
        &carol,
        "participant",
        json!({"command": "file_report", "forum": TLS,
        "subject": {"person": "bob"}, "category": "uncivil", "description": "insults"}),
    )
    .await;
    for (author, capacity, thread, text) in [
        (&alice, "administrator", "person", "PERSON-MARK"),
        (&m1, "moderator", "reporter", "REPORTER-MARK"),
        (&m1, "moderator", "team", "TEAM-MARK"),
        (&bob, "participant", "person", "BOB-MARK"),
        (&carol, "participant", "reporter", "CAROL-MARK"),
    ] {
        api.run(
            author,
            capacity,
            json!({"command": "post_case_message", "report": 1,
            "thread": thread, "text": text}),
        )
        .await;
    }
    let owned = |thread: &str, texts: &[&str]| {
        (
            thread.to_owned(),
            texts.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>(),
        )
    };
    let person = owned("person", &["PERSON-MARK", "BOB-MARK"]);
    let reporter = owned("reporter", &["REPORTER-MARK", "CAROL-MARK"]);
    let team = owned("team", &["TEAM-MARK"]);
    let (status, seen) = api.get("/v1/reports/1", &bob).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(threads(&seen), std::slice::from_ref(&person));
    for secret in ["carol", "REPORTER-MARK", "CAROL-MARK", "TEAM-MARK"] {
        assert!(
            !seen.to_string().contains(secret),
            "bob reads {secret}: {seen}"
        );
    }
    let (_, seen) = api.get("/v1/reports/1", &carol).await;
    assert_eq!(threads(&seen), std::slice::from_ref(&reporter));
    for handler in [&alice, &m1] {
        let (_, seen) = api.get("/v1/reports/1", handler).await;
        assert_eq!(
            threads(&seen),
            [person.clone(), reporter.clone(), team.clone()]
        );
    }
    let (status, _) = api.get("/v1/reports/1", &erin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for caller in [&bob, &carol, &alice] {
        let (_, list) = api.get("/v1/reports", caller).await;
        assert!(!list.to_string().contains("-MARK"), "{list}");
    }
    // Writing in another's thread is refused, naming MSG-1, and records nothing.
    let before = api.events();
    for (caller, thread) in [(&bob, "reporter"), (&carol, "person"), (&erin, "team")] {
        let (status, body) = api
            .post(
                "/v1/commands",
                caller,
                json!({"as": "participant", "command":
                {"command": "post_case_message", "report": 1, "thread": thread, "text": "hi"}}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["requirement"], "MSG-1", "{body}");
    }
    assert_eq!(api.events(), before);
}

/// `GET /v1/actions?in_force=…` reads the index of actions in force: an
/// action amended onto another forum moves there, a rescinded one leaves
/// the list; every caller sees only the actions they may.
#[tokio::test]
async fn the_actions_in_force_follow_amendments_and_rescissions_and_each_caller_s_view() {
    let api = common::Api::new(common::engine());
    let alice = api.login("alice").await;
    let dave = api.login("dave").await;
    let m1 = api.login("m1").await;
    let act = |forum: &str, subject: &str| {
        json!({"command": "take_action", "subject": {"person": subject},
        "measure": {"type": "private_admonishment"}, "fora": [forum], "reason": "tone"})
    };
    api.run(&alice, "administrator", act(common::TLS, "bob"))
        .await;
    api.run(&alice, "administrator", act(common::TLS, "carol"))
        .await;
    api.run(&dave, "administrator", act(common::QUIC, "erin"))
        .await;
    api.run(
        &alice,
        "administrator",
        json!({"command": "rescind_action", "action": 2, "reason": "on reflection"}),
    )
    .await;
    api.run(
        &alice,
        "administrator",
        json!({"command": "amend_action", "action": 1, "reason": "moved to the chairs' list",
        "terms": {"measure": {"type": "private_admonishment"}, "fora": [common::TLS_CHAIRS]}}),
    )
    .await;
    async fn ids(api: &common::Api, who: &As, query: &str) -> Vec<u64> {
        let (status, body) = api.get(&format!("/v1/actions?{query}"), who).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let items: Vec<u64> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_u64().unwrap())
            .collect();
        assert_eq!(body["total"].as_u64().unwrap(), items.len() as u64);
        items
    }
    assert_eq!(ids(&api, &m1, "in_force=true").await, [1, 3]);
    assert_eq!(ids(&api, &m1, "in_force=false").await, [2]);
    assert_eq!(
        ids(&api, &m1, "in_force=true&forum=tls@ietf.org").await,
        Vec::<u64>::new()
    );
    assert_eq!(
        ids(&api, &m1, "in_force=true&forum=tls-chairs@ietf.org").await,
        [1]
    );
    assert_eq!(ids(&api, &m1, "in_force=true&subject=erin").await, [3]);
    assert_eq!(ids(&api, &m1, "forum=tls@ietf.org").await, [2]);
    assert_eq!(ids(&api, &alice, "in_force=true").await, [1]);
    assert_eq!(ids(&api, &dave, "in_force=true").await, [3]);
    assert_eq!(
        ids(&api, &dave, "in_force=true&forum=tls-chairs@ietf.org").await,
        Vec::<u64>::new()
    );
}

/// `GET /v1/reports` pages through what each caller may see (REPORT-3): a
/// page at any offset is that part of the whole list, and every page counts
/// the whole list, with or without a forum or a state to match.
#[tokio::test]
async fn the_list_of_reports_pages_through_what_each_caller_sees() {
    let api = api().api;
    let who = |name| api.token(name, Scope::Act);
    let (alice, dave, m1, bob, carol, erin) = (
        who("alice"),
        who("dave"),
        who("m1"),
        who("bob"),
        who("carol"),
        who("erin"),
    );
    // Reports on tls (alice's) and quic (dave's), by and about several.
    for (reporter, forum, subject) in [
        (&carol, TLS, "bob"),
        (&carol, QUIC, "bob"),
        (&bob, QUIC, "erin"),
        (&erin, TLS, "carol"),
        (&carol, QUIC, "erin"),
        (&bob, TLS, "carol"),
    ] {
        api.run(
            reporter,
            "participant",
            json!({"command": "file_report", "forum": forum,
            "subject": {"person": subject}, "category": "uncivil", "description": "insults"}),
        )
        .await;
    }
    let ids = |list: &Value| -> Vec<u64> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_u64().unwrap())
            .collect()
    };
    for (name, caller, query, expected) in [
        ("alice", &alice, "", vec![1, 4, 6]),
        ("dave", &dave, "", vec![2, 3, 5]),
        ("m1", &m1, "", vec![1, 2, 3, 4, 5, 6]),
        // Those they filed and those about them.
        ("bob", &bob, "", vec![1, 2, 3, 6]),
        ("carol", &carol, "", vec![1, 2, 4, 5, 6]),
        ("erin", &erin, "", vec![3, 4, 5]),
        ("m1", &m1, "forum=quic@ietf.org&", vec![2, 3, 5]),
        ("alice", &alice, "forum=quic@ietf.org&", vec![]),
        ("bob", &bob, "forum=tls@ietf.org&", vec![1, 6]),
        ("m1", &m1, "state=received&", vec![1, 2, 3, 4, 5, 6]),
        ("m1", &m1, "subject=erin&", vec![3, 5]),
    ] {
        let (status, whole) = api
            .get(&format!("/v1/reports?{query}limit=100"), caller)
            .await;
        assert_eq!(status, StatusCode::OK, "{name} {query}: {whole}");
        assert_eq!(ids(&whole), expected, "{name} {query}: {whole}");
        assert_eq!(whole["total"], expected.len(), "{name} {query}");
        for offset in 0..=expected.len() {
            let (_, page) = api
                .get(
                    &format!("/v1/reports?{query}offset={offset}&limit=2"),
                    caller,
                )
                .await;
            let want: Vec<u64> = expected.iter().skip(offset).take(2).copied().collect();
            assert_eq!(ids(&page), want, "{name} {query} offset {offset}: {page}");
            assert_eq!(page["total"], expected.len(), "{name} {query}");
            assert_eq!(page["offset"], offset);
        }
    }
}
