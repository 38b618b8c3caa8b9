//! A small IETF for the HTTP tests, set up through the engine, and a client
//! that calls the router as a browser (login session, CSRF token) or a
//! machine (API token) would.
#![allow(dead_code)]

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use jiff::Timestamp;
use modpod_enforce::{Index, Policy, PolicyConfig};
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command};
use modpod_server::http::{App, router};
use modpod_server::tokens::{self, Scope};
use modpod_server::{Engine, accounts};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, RwLock};
use tower::ServiceExt;

pub const TLS: &str = "tls@ietf.org";
pub const QUIC: &str = "quic@ietf.org";
pub const TLS_CHAIRS: &str = "tls-chairs@ietf.org";
pub const IETF: &str = "ietf@ietf.org";

/// Everybody with an account; the password of each is `pw-<name>`.
pub const PEOPLE: [&str; 14] = [
    "op", "alice", "dave", "m1", "m2", "m3", "m4", "m5", "ad_sec", "iab", "llc", "bob", "carol",
    "erin",
];

pub fn command(value: Value) -> Command {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {value}"))
}

/// The small IETF: alice chairs tls (and administers its private chairs'
/// list), dave chairs quic, ad_sec is the tls AD, m1..m5 moderate, iab sits
/// on the IAB, llc works for the LLC; bob, carol and erin take part. Each has
/// an account and an email address `<name>@example.org`.
pub fn engine() -> Engine {
    engine_on(Box::new(
        modpod_store::SqliteStore::open_in_memory().unwrap(),
    ))
}

/// The small IETF of [`engine`], on `store`.
pub fn engine_on(store: Box<dyn modpod_store::EventStore>) -> Engine {
    engine_set_up_at(store, Timestamp::now())
}

/// The small IETF of [`engine`], on `store`, set up at `at`: a test that
/// records something long ago records it right after, since no event is
/// ever earlier than the one before it.
pub fn engine_set_up_at(store: Box<dyn modpod_store::EventStore>, at: Timestamp) -> Engine {
    let mut engine = Engine::open(store, &mut |_| {}).unwrap();
    let op = Actor::new(PersonId::parse("op").unwrap(), Capacity::Operator);
    let mut setup = vec![command(
        json!({"command": "bootstrap", "operator": "op", "name": "Operator"}),
    )];
    for who in &PEOPLE[1..] {
        setup.push(command(
            json!({"command": "register_person", "person": who, "name": who, "time_zone": "Europe/Paris"}),
        ));
        setup.push(command(json!({"command": "link_identity", "person": who,
            "identity": {"kind": "email", "value": format!("{who}@example.org")}})));
    }
    let roles = [
        ("ad_sec", json!({"role": "area_director", "area": "sec"})),
        ("iab", json!({"role": "iab_member"})),
        ("llc", json!({"role": "llc_staff"})),
    ];
    for (who, role) in roles {
        setup.push(command(
            json!({"command": "grant_role", "person": who, "role": role}),
        ));
    }
    for (wg, ad) in [("tls", Some("ad_sec")), ("quic", None)] {
        setup.push(command(json!({"command": "create_working_group", "wg": wg,
            "name": wg.to_uppercase(), "area": "sec", "responsible_ad": ad})));
    }
    for (forum, wg, public, plenary) in [
        (TLS, Some("tls"), true, false),
        (TLS_CHAIRS, Some("tls"), false, false),
        (QUIC, Some("quic"), true, false),
        (IETF, None, true, true),
    ] {
        setup.push(command(
            json!({"command": "create_forum", "forum": forum, "name": forum,
            "kind": "mailing-list", "organisation": "ietf", "public": public,
            "plenary": plenary, "wg": wg}),
        ));
    }
    setup.push(command(json!({"command": "grant_role", "person": "alice",
        "role": {"role": "wg_chair", "wg": "tls"}})));
    setup.push(command(json!({"command": "grant_role", "person": "alice",
        "role": {"role": "forum_administrator", "forum": TLS_CHAIRS}})));
    setup.push(command(json!({"command": "grant_role", "person": "dave",
        "role": {"role": "wg_chair", "wg": "quic"}})));
    let mut commands: Vec<_> = setup.into_iter().map(|c| (op.clone(), c)).collect();
    let ad = Actor::new(PersonId::parse("ad_sec").unwrap(), Capacity::Iesg);
    for m in ["m1", "m2", "m3", "m4", "m5"] {
        commands.push((
            ad.clone(),
            command(json!({"command": "appoint_moderator", "person": m})),
        ));
    }
    engine.execute_all(&commands, at).unwrap();
    for who in PEOPLE {
        accounts::create(engine.store(), who, who, &format!("pw-{who}")).unwrap();
    }
    engine
}

/// The router over `engine`, with a decision index that follows it.
pub struct Api {
    pub app: App,
    pub engine: Arc<Mutex<Engine>>,
}

/// How a request is authenticated.
#[derive(Debug, Clone)]
pub enum As {
    Nobody,
    Token(String),
    Session { cookie: String, csrf: String },
}

impl Api {
    pub fn new(mut engine: Engine) -> Api {
        let index = Arc::new(RwLock::new(Index::build(engine.state())));
        engine.observe(Box::new({
            let index = index.clone();
            move |state, event| index.write().unwrap().apply(state, event)
        }));
        let engine = Arc::new(Mutex::new(engine));
        let policy = Arc::new(Policy::new(index, PolicyConfig::default()));
        Api {
            app: App::new(engine.clone(), policy),
            engine,
        }
    }

    pub fn token(&self, account: &str, scope: Scope) -> As {
        let mut engine = self.engine.lock().unwrap();
        As::Token(tokens::create(engine.store(), account, scope, Timestamp::now()).unwrap())
    }

    /// Logs in through `POST /v1/login`.
    pub async fn login(&self, account: &str) -> As {
        let body = json!({"account": account, "password": format!("pw-{account}")});
        let response = router(self.app.clone())
            .oneshot(
                Request::post("/v1/login")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "login of {account}");
        let cookie = response.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        As::Session {
            cookie,
            csrf: answer["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        who: &As,
        body: Body,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        match who {
            As::Nobody => {}
            As::Token(token) => {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            As::Session { cookie, csrf } => {
                request = request
                    .header(header::COOKIE, cookie)
                    .header("x-csrf-token", csrf);
            }
        }
        let response = router(self.app.clone())
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!("{method} {path} answered {status} with non-JSON: {bytes:?}")
            })
        };
        (status, value)
    }

    /// A page, as text.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = router(self.app.clone())
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    pub async fn get(&self, path: &str, who: &As) -> (StatusCode, Value) {
        self.call("GET", path, who, Body::empty()).await
    }

    pub async fn post(&self, path: &str, who: &As, body: Value) -> (StatusCode, Value) {
        self.call("POST", path, who, Body::from(body.to_string()))
            .await
    }

    /// Records a command through the API; panics unless it is recorded.
    ///
    /// A moderator's action is the team's proposal until the quorum agrees
    /// (TEAM-5): as the team does, other moderators agree through the API
    /// until it is enacted or waits for an approval. Tests of the quorum
    /// itself use [`Api::propose`].
    pub async fn run(&self, who: &As, capacity: &str, command: Value) -> Value {
        let mut body = self.propose(who, capacity, command).await;
        if let Some(proposal) = body["proposal"].as_u64() {
            for m in ["m1", "m2", "m3", "m4", "m5"] {
                let waits = {
                    let engine = self.engine.lock().unwrap();
                    let p = &engine.state().proposals[&modpod_policy::ids::ProposalId(proposal)];
                    let waits = p.is_open(Timestamp::now()) && p.agreements_missing() > 0;
                    waits.then(|| p.has_agreed(&PersonId::parse(m).unwrap()))
                };
                match waits {
                    None => break,
                    Some(true) => continue,
                    Some(false) => {}
                }
                let (status, agreed) = self
                    .post(
                        "/v1/commands",
                        &self.token(m, Scope::Act),
                        json!({"as": "moderator",
                               "command": {"command": "agree_to_proposal", "proposal": proposal}}),
                    )
                    .await;
                if status == StatusCode::CREATED {
                    let more = agreed["events"].as_array().cloned().unwrap_or_default();
                    body["events"].as_array_mut().unwrap().extend(more);
                    if let Some(action) = agreed["action"].as_u64() {
                        body["action"] = json!(action);
                    }
                }
            }
        }
        body
    }

    /// Records a command through the API as it is; panics unless it is
    /// recorded.
    pub async fn propose(&self, who: &As, capacity: &str, command: Value) -> Value {
        let (status, body) = self
            .post(
                "/v1/commands",
                who,
                json!({"as": capacity, "command": command}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    pub fn events(&self) -> u64 {
        self.engine.lock().unwrap().head().seq
    }
}

/// A page's answer.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A form's fields, URL-encoded as a browser posts them.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}
