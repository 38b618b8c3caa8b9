//! One suspension of one person across three kinds of forum software, through
//! the one adapter contract, as an operator runs `modpod serve`: a mailing
//! list on the real GNU Mailman, a room on the real Synapse, and a wiki told
//! by signed webhooks. It is enforced on all three, shown on the action page,
//! and lifted on all three at its end, with no command: the workers wake when
//! the suspension ends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::forum::{Browser, Synapse, eventually};
use common::{Serve, account, installed, ok};
use modpod_testkit::TestDb;
use modpod_testkit::mailman::Mailman;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A webhook receiver that checks each signature; keeps the bodies' types
/// and when each request came, and answers `status` (204 unless set), with
/// `Retry-After: 2` when it is 429 or 503.
struct Receiver {
    url: String,
    types: Arc<Mutex<Vec<String>>>,
    hits: Arc<Mutex<Vec<Instant>>>,
    status: Arc<std::sync::atomic::AtomicU16>,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    fn start() -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let types = Arc::new(Mutex::new(Vec::new()));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(std::sync::atomic::AtomicU16::new(204));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let (got, hit, answer) = (types.clone(), hits.clone(), status.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                    use axum::response::IntoResponse;
                    hit.lock().unwrap().push(Instant::now());
                    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
                    if verifier.verify(&body, &headers).is_err() {
                        return axum::http::StatusCode::UNAUTHORIZED.into_response();
                    }
                    let status = answer.load(std::sync::atomic::Ordering::SeqCst);
                    let status = axum::http::StatusCode::from_u16(status).unwrap();
                    if status.is_success() {
                        let body: Value = serde_json::from_slice(&body).unwrap();
                        got.lock()
                            .unwrap()
                            .push(body["type"].as_str().unwrap().to_owned());
                    }
                    if status.as_u16() == 429 || status.as_u16() == 503 {
                        return (status, [("retry-after", "2")]).into_response();
                    }
                    status.into_response()
                },
            ),
        );
        runtime.spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            types,
            hits,
            status,
            _runtime: runtime,
        }
    }

    fn got(&self, kind: &str) -> bool {
        self.types.lock().unwrap().iter().any(|t| t == kind)
    }

    fn answer(&self, status: u16) {
        self.status
            .store(status, std::sync::atomic::Ordering::SeqCst);
    }

    fn hits(&self) -> Vec<Instant> {
        self.hits.lock().unwrap().clone()
    }
}

#[test]
fn one_suspension_is_enforced_on_a_list_a_room_and_a_wiki_and_lifted_on_all_three_at_its_end() {
    let mailman = Mailman::from_env();
    let synapse = Synapse::from_env();
    let matrix = modpod_matrix::Client::new(&synapse.url, &synapse.token);
    let receiver = Receiver::start();
    let list = mailman.new_list();
    list.subscribe("bob@example.org");
    let room = synapse.room();
    let (bob_matrix, bob_token) = synapse.user();
    assert_eq!(synapse.join(&bob_token, &room), 200);
    assert_eq!(synapse.send(&bob_token, &room), 200);

    let db = TestDb::sqlite();
    installed(&db.url);
    let dir = tempfile::tempdir().unwrap();
    let setup = dir.path().join("fora.toml");
    let forum = |id: &str, kind: &str| {
        format!(
            "[[fora]]\nid = \"{id}\"\nname = \"A TLS forum\"\nkind = \"{kind}\"\n\
             organisation = \"ietf\"\npublic = true\nwg = \"tls\"\n\n"
        )
    };
    let chat = format!("matrix:{room}");
    std::fs::write(
        &setup,
        [
            forum(&list.address, "mailing-list"),
            forum(&chat, "chat"),
            forum("tls-wiki", "wiki"),
        ]
        .concat(),
    )
    .unwrap();
    ok(&db.url, &["setup", setup.to_str().unwrap()]);
    let link = json!({"command": "link_identity", "person": "bob",
        "identity": {"kind": "chat", "value": bob_matrix}});
    ok(
        &db.url,
        &[
            "run",
            "--as",
            "admin",
            "--capacity",
            "operator",
            &link.to_string(),
        ],
    );
    let password = account(&db.url, "tls-chair-1");

    let webhook = format!("wiki={}", receiver.url);
    let server = Serve::new(
        &db.url,
        &[
            "--listen",
            "127.0.0.1:0",
            "--mailman-url",
            &mailman.url,
            "--matrix-url",
            &synapse.url,
            "--webhook",
            &webhook,
        ],
    )
    .env("MODPOD_MAILMAN_USER", &mailman.user)
    .env("MODPOD_MAILMAN_PASSWORD", &mailman.password)
    .env("MODPOD_MATRIX_TOKEN", &synapse.token)
    .env("MODPOD_WEBHOOK_SECRET", SECRET)
    .start();
    for software in ["Mailman at", "Matrix at", "webhooks at"] {
        assert!(
            server
                .printed
                .contains(&format!("enforcing actions on {software}")),
            "{}",
            server.printed
        );
    }

    // A suspension from all three, ending in 20 seconds.
    let ends_at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(20);
    let suspend = json!({"command": "take_action", "subject": {"person": "bob"},
        "measure": {"type": "temporary_suspension"},
        "fora": [list.address, chat, "tls-wiki"], "ends_at": ends_at.to_string(),
        "reason": "personal attacks in three places after a warning"});
    ok(
        &db.url,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            &suspend.to_string(),
        ],
    );
    eventually("the list bans bob", 15, || list.banned("bob@example.org"));
    eventually("the room bans bob", 15, || {
        matrix.banned(&room).unwrap().contains(&bob_matrix)
    });
    eventually("the wiki is told", 15, || {
        receiver.got("restriction.applied")
    });
    assert_eq!(
        synapse.send(&bob_token, &room),
        403,
        "bob cannot post in the room"
    );

    // The action page says how it stands on each.
    let chair = Browser::log_in(&server.url, "tls-chair-1", &password);
    let page = || chair.get("/actions/1");
    eventually("the action page shows it applied on all three", 10, || {
        let html = page();
        html.matches("<strong>applied</strong>").count() == 3
    });
    let html = page();
    for shown in [
        format!("Mailman list {}", list.id),
        format!("Matrix room {room}"),
        "webhooks forum tls-wiki".to_owned(),
    ] {
        assert!(html.contains(&shown), "{shown} is not on the page:\n{html}");
    }

    // At its end, every one is lifted with no command.
    eventually("the list lifts the ban", 40, || {
        !list.banned("bob@example.org")
    });
    eventually("the room lifts the ban", 40, || {
        !matrix.banned(&room).unwrap().contains(&bob_matrix)
    });
    eventually("the wiki is told it ended", 40, || {
        receiver.got("restriction.lifted")
    });
    // Synapse may refuse a join, and a message, sent at once after the
    // unban while it catches up with the room's state; bob joins and posts
    // within seconds.
    eventually("bob joins the room again", 10, || {
        synapse.join(&bob_token, &room) == 200
    });
    eventually("bob posts in the room again", 10, || {
        synapse.send(&bob_token, &room) == 200
    });
}

/// The value of one forum software measure on `/metrics`.
fn measure(browser: &Browser, software: &str, measure: &str) -> u64 {
    let text = browser.get("/metrics");
    let wanted = format!("modpod_forum_software{{software=\"{software}\",measure=\"{measure}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&wanted))
        .unwrap_or_else(|| panic!("no {wanted} in:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

/// Forum software down, failing or refusing: nothing is lost, the worker
/// waits as long as the software asks (`Retry-After`), the action page says
/// what is pending or failed and why, and `/metrics` counts it.
#[test]
fn software_down_failing_or_refusing_loses_nothing_and_the_page_and_metrics_say_so() {
    let receiver = Receiver::start();
    receiver.answer(503);
    let db = TestDb::sqlite();
    installed(&db.url);
    let dir = tempfile::tempdir().unwrap();
    let setup = dir.path().join("wiki.toml");
    std::fs::write(
        &setup,
        "[[fora]]\nid = \"tls-wiki\"\nname = \"TLS wiki\"\nkind = \"wiki\"\n\
         organisation = \"ietf\"\npublic = true\nwg = \"tls\"\n",
    )
    .unwrap();
    ok(&db.url, &["setup", setup.to_str().unwrap()]);
    let password = account(&db.url, "tls-chair-1");
    let webhook = format!("wiki={}", receiver.url);
    let server = Serve::new(&db.url, &["--listen", "127.0.0.1:0", "--webhook", &webhook])
        .env("MODPOD_WEBHOOK_SECRET", SECRET)
        .start();
    let chair = Browser::log_in(&server.url, "tls-chair-1", &password);
    let suspend = |who: &str| {
        let command = json!({"command": "take_action", "subject": {"person": who},
            "measure": {"type": "indefinite_suspension"}, "fora": ["tls-wiki"],
            "reason": "vandalism after a warning"});
        ok(
            &db.url,
            &[
                "run",
                "--as",
                "tls-chair-1",
                "--capacity",
                "administrator",
                &command.to_string(),
            ],
        );
    };

    // Failing (503, Retry-After: 2): pending, said so, counted, and tried
    // again no sooner than asked.
    suspend("bob");
    eventually("two attempts while failing", 20, || {
        receiver.hits().len() >= 2
    });
    let hits = receiver.hits();
    assert!(
        hits[1] - hits[0] >= Duration::from_millis(1900),
        "tried again after {:?}, though asked to wait 2 s",
        hits[1] - hits[0]
    );
    let html = chair.get("/actions/1");
    assert!(
        html.contains("tls-wiki: webhooks forum tls-wiki, <strong>pending</strong>: webhooks cannot be reached, retrying:")
            && html.contains("HTTP 503"),
        "{html}"
    );
    assert!(measure(&chair, "webhooks", "failing_passes") >= 1);
    assert!(!receiver.got("restriction.applied"));

    // Back: nothing was lost.
    receiver.answer(204);
    eventually("applied once the software answers", 20, || {
        chair.get("/actions/1").contains("<strong>applied</strong>")
    });
    assert!(receiver.got("restriction.applied"));
    assert_eq!(measure(&chair, "webhooks", "failing_passes"), 0);
    assert!(measure(&chair, "webhooks", "steps_applied") >= 1);

    // Refusing (400): failed, with the software's answer, and counted.
    receiver.answer(400);
    suspend("carol");
    eventually("the refusal shows on the action page", 20, || {
        chair
            .get("/actions/2")
            .contains("<strong>failed</strong>: webhooks refused:")
    });
    assert!(measure(&chair, "webhooks", "steps_failed") >= 1);
    assert!(measure(&chair, "webhooks", "failing_places") >= 1);
    // Accepted later: the failure is gone and the change applied.
    receiver.answer(204);
    ok(
        &db.url,
        &[
            "enforce",
            "reconcile",
            "--webhook",
            &webhook,
            "--webhook-secret",
            SECRET,
        ],
    );
    let lines = receiver.types.lock().unwrap().clone();
    assert!(
        lines.iter().filter(|t| *t == "restriction.applied").count() >= 2,
        "{lines:?}"
    );
    // A forum no configured software places (the TLS chat, with no Zulip
    // configured) is recorded, not enforced, and the page says so.
    let chat = json!({"command": "take_action", "subject": {"person": "bob"},
        "measure": {"type": "indefinite_suspension"}, "fora": ["zulip:tls"],
        "reason": "insults in the chat"});
    ok(
        &db.url,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            &chat.to_string(),
        ],
    );
    eventually("the chat action on its page", 10, || {
        chair.get("/actions/3").contains(
            "zulip:tls: recorded, not enforced: no forum software modpod drives enforces it here (a forum of kind chat)",
        )
    });
}
