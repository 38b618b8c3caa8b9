//! One temporary suspension of one person across four kinds of forum
//! software, through the one adapter contract, as an operator runs `modpod
//! serve` with all four: a mailing list on the real GNU Mailman, a room on
//! the real Synapse, a Zulip channel and a GitHub organisation. It is
//! enforced on all four, shown on the action page, and lifted on all four at
//! its end, with no command.
//!
//! Zulip and GitHub cannot run here: Prism serves their API descriptions
//! (`crates/zulip/openapi/zulip.yaml`, GitHub's own), refusing any request
//! they do not allow. Prism keeps no state, so in front of each stands
//! [`Proxy`], which forwards every request to Prism and keeps the state the
//! real service would (who is blocked in the organisation, who is in the
//! channel's posting group), asking Prism for the documented answer that
//! state calls for (`Prefer: code=...`, `Prefer: example=...`).
//!
//! Needs what `scripts/test` starts: Mailman, Synapse, and Prism serving
//! both descriptions (MODPOD_TEST_ZULIP_URL, MODPOD_TEST_GITHUB_URL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::forum::{Synapse, eventually};
use common::{Serve, account, installed, ok};
use modpod_testkit::TestDb;
use modpod_testkit::mailman::Mailman;
use serde_json::json;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The address Zulip's description knows as user 10, the person's on the
/// list too.
const HAMLET: &str = "hamlet@zulip.com";
/// User 10 in Zulip's description; the channel `Denmark` (7), whose posting
/// permission is modpod's group 31 (direct members 10 and 12).
const HAMLET_ID: u64 = 10;
const CHANNEL: &str = "Denmark";
const GROUP_MEMBERS: &str = "/api/v1/user_groups/31/members";
const ORG: &str = "tlswg";
const GITHUB_USER: &str = "dana-gh";
const ZULIP_KEY: &str = "gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv";
const GITHUB_TOKEN: &str = "ghp_modpodTestToken0000000000000000000000";

fn var(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => value.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "{name} is not set: this test needs Mailman, Synapse and Prism serving the Zulip and \
             GitHub descriptions. Run scripts/test, or first: source scripts/lib/services.sh; \
             source scripts/lib/synapse.sh; source scripts/lib/prism.sh; source \
             scripts/lib/github.sh; start_mailman; start_synapse; ensure_prism; start_prism zulip \
             crates/zulip/openapi/zulip.yaml MODPOD_TEST_ZULIP_URL; ensure_github_openapi; \
             start_github_mock (then stop_prisms; stop_synapse; stop_services)"
        ),
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// One request through a proxy and Prism's answer.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    /// Path and query.
    path: String,
    headers: Vec<(String, String)>,
    body: String,
    /// The `Prefer` header the proxy added for the state.
    prefer: Option<String>,
    status: u16,
    /// Prism's `sl-violations` answer header: why the request breaks the
    /// description.
    violations: Option<String>,
    answer: String,
}

impl Exchange {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Why this exchange is not one the description allows, answered as
    /// the state asked: Prism's rejection of the request, or another status.
    fn wrong(&self) -> Option<String> {
        if let Some(violations) = &self.violations {
            return Some(format!("sl-violations: {violations}"));
        }
        if self.answer.contains("stoplight.io/prism/errors#") {
            return Some(format!("Prism's error: {}", self.answer));
        }
        let asked = self
            .prefer
            .as_deref()
            .and_then(|p| p.strip_prefix("code="))
            .and_then(|c| c.parse::<u16>().ok());
        match asked {
            Some(code) if self.status != code => {
                Some(format!("HTTP {} where {code} was asked for", self.status))
            }
            None if !(200..300).contains(&self.status) => {
                Some(format!("HTTP {}: {}", self.status, self.answer))
            }
            _ => None,
        }
    }
}

/// The state a real service keeps, played in front of a stateless Prism.
trait Service: Send + 'static {
    /// The `Prefer` header for the answer the service would give now.
    fn prefer(&mut self, method: &str, path: &str, body: &str) -> Option<String>;
    /// What changes once Prism answered `status` to the request.
    fn answered(&mut self, method: &str, path: &str, body: &str, status: u16);
    /// Requests the real service would have refused, in words.
    fn refused(&self) -> &[String];
}

/// A stateful proxy on a loopback port in front of Prism: forwards every
/// request, with the `Prefer` header its [`Service`] asks for, and records
/// the exchange.
struct Proxy<S: Service> {
    url: String,
    /// How every request's `Authorization` starts.
    auth: String,
    state: Arc<Mutex<S>>,
    log: Arc<Mutex<Vec<Exchange>>>,
}

impl<S: Service> Proxy<S> {
    fn start(upstream: String, auth: &str, service: S) -> Proxy<S> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(service));
        let log: Arc<Mutex<Vec<Exchange>>> = Arc::default();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .max_redirects(0)
            .build()
            .into();
        let (s, l) = (state.clone(), log.clone());
        std::thread::spawn(move || {
            for connection in listener.incoming() {
                let Ok(connection) = connection else { continue };
                let (upstream, agent, s, l) =
                    (upstream.clone(), agent.clone(), s.clone(), l.clone());
                std::thread::spawn(move || serve(connection, &upstream, &agent, &s, &l));
            }
        });
        Proxy {
            url,
            auth: auth.to_owned(),
            state,
            log,
        }
    }

    fn with<T>(&self, read: impl FnOnce(&S) -> T) -> T {
        read(&self.state.lock().unwrap())
    }

    /// Every exchange so far, after checking that the description allows
    /// each (answered as the state asked), that each carried the
    /// credentials, and that the service would have refused none.
    fn accepted(&self) -> Vec<Exchange> {
        let log = self.log.lock().unwrap().clone();
        for e in &log {
            if let Some(why) = e.wrong() {
                panic!(
                    "Prism (the description) did not accept {} {} {:?} (Prefer: {:?}): {why}",
                    e.method, e.path, e.body, e.prefer
                );
            }
            assert!(
                e.header("authorization")
                    .is_some_and(|a| a.starts_with(&self.auth)),
                "{e:?}"
            );
        }
        let refused = self.with(|s| s.refused().to_vec());
        assert!(refused.is_empty(), "the service would refuse: {refused:?}");
        log
    }

    /// The changing requests so far: (method, path, body).
    fn writes(&self) -> Vec<(String, String, String)> {
        let log = self.accepted();
        assert!(!log.is_empty(), "no request reached Prism");
        log.into_iter()
            .filter(|e| e.method != "GET")
            .map(|e| (e.method, e.path, e.body))
            .collect()
    }
}

/// Serves one connection (HTTP/1.1, kept alive, `Content-Length` bodies).
fn serve<S: Service>(
    connection: TcpStream,
    upstream: &str,
    agent: &ureq::Agent,
    state: &Mutex<S>,
    log: &Mutex<Vec<Exchange>>,
) {
    let Ok(mut out) = connection.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(connection);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
            return;
        };
        let (method, path) = (method.to_owned(), path.to_owned());
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
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        assert!(
            !headers.iter().any(|(n, _)| n == "transfer-encoding"),
            "the proxy handles Content-Length bodies only: {headers:?}"
        );
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let text = String::from_utf8_lossy(&body).into_owned();

        // The state is held from the choice of the answer to its change, so
        // that requests are played one at a time, as the service would.
        let mut service = state.lock().unwrap();
        let prefer = service.prefer(&method, &path, &text);
        let skip = ["host", "content-length", "connection", "accept-encoding"];
        let mut builder = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(format!("{upstream}{path}"));
        for (name, value) in headers.iter().filter(|(n, _)| !skip.contains(&n.as_str())) {
            builder = builder.header(name, value);
        }
        if let Some(prefer) = &prefer {
            builder = builder.header("Prefer", prefer);
        }
        let request = builder.body(body).unwrap();
        let result = if request.body().is_empty() && ["GET", "DELETE", "HEAD"].contains(&&*method) {
            agent.run(ureq::http::Request::from_parts(request.into_parts().0, ()))
        } else {
            agent.run(request)
        };
        let mut response = match result {
            Ok(response) => response,
            Err(e) => panic!("Prism at {upstream} did not answer {method} {path}: {e}"),
        };
        let status = response.status().as_u16();
        let violations = response
            .headers()
            .get("sl-violations")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut head = format!(
            "HTTP/1.1 {status} {}\r\n",
            response.status().canonical_reason().unwrap_or("Answer")
        );
        for (name, value) in response.headers() {
            if ["content-length", "transfer-encoding", "connection"].contains(&name.as_str()) {
                continue;
            }
            head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or("")));
        }
        let answer = response.body_mut().read_to_vec().unwrap_or_default();
        head.push_str(&format!("content-length: {}\r\n\r\n", answer.len()));
        service.answered(&method, &path, &text, status);
        drop(service);
        // Recorded before the client has its answer, so that the test sees it.
        log.lock().unwrap().push(Exchange {
            method,
            path,
            headers,
            body: text,
            prefer,
            status,
            violations,
            answer: String::from_utf8_lossy(&answer).into_owned(),
        });
        if out.write_all(head.as_bytes()).is_err() || out.write_all(&answer).is_err() {
            return;
        }
    }
}

/// A GitHub organisation's blocks: `GET /orgs/{org}/blocks/{user}` answers
/// 204 (Prism's first documented answer) when blocked and 404 when not;
/// `PUT` blocks (422 when already blocked), `DELETE` unblocks.
#[derive(Default)]
struct GitHub {
    /// (organisation, user), in lower case: GitHub's names are.
    blocked: BTreeSet<(String, String)>,
    refused: Vec<String>,
}

impl GitHub {
    fn block_of(path: &str) -> Option<(String, String)> {
        let rest = path.strip_prefix("/orgs/")?;
        let (org, user) = rest.split_once("/blocks/")?;
        Some((org.to_lowercase(), user.to_lowercase()))
    }
}

impl Service for GitHub {
    fn prefer(&mut self, method: &str, path: &str, _body: &str) -> Option<String> {
        let block = GitHub::block_of(path)?;
        let blocked = self.blocked.contains(&block);
        match method {
            "GET" if !blocked => Some("code=404".into()),
            "PUT" if blocked => {
                self.refused.push(format!("PUT {path}: already blocked"));
                Some("code=422".into())
            }
            // GitHub's description has no answer but 204 to an unblock.
            "DELETE" if !blocked => {
                self.refused.push(format!("DELETE {path}: not blocked"));
                None
            }
            _ => None,
        }
    }

    fn answered(&mut self, method: &str, path: &str, _body: &str, status: u16) {
        let Some(block) = GitHub::block_of(path) else {
            return;
        };
        match (method, status) {
            ("PUT", 204) => {
                self.blocked.insert(block);
            }
            ("DELETE", 204) => {
                self.blocked.remove(&block);
            }
            _ => {}
        }
    }

    fn refused(&self) -> &[String] {
        &self.refused
    }
}

/// The Zulip organisation of the description's examples: one user
/// ([`HAMLET`], 10), one channel ([`CHANNEL`], 7) whose posting permission
/// is modpod's group 31, and that group's direct members, which the
/// description has two examples for: 10 and 12 (`groups`), or 12 only
/// (`user-10-removed`).
struct Zulip {
    members: BTreeSet<u64>,
    /// Whether user 10 is deactivated (a suspension from every channel).
    deactivated: bool,
    refused: Vec<String>,
}

impl Zulip {
    fn new() -> Zulip {
        Zulip {
            members: BTreeSet::from([10, 12]),
            deactivated: false,
            refused: Vec::new(),
        }
    }

    /// The `add` and `delete` user IDs of a members change.
    fn change(body: &str) -> (Vec<u64>, Vec<u64>) {
        let (mut add, mut delete) = (Vec::new(), Vec::new());
        for pair in body.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let ids: Vec<u64> = serde_json::from_str(&decode(value)).unwrap_or_default();
            match name {
                "add" => add = ids,
                "delete" => delete = ids,
                _ => {}
            }
        }
        (add, delete)
    }
}

impl Service for Zulip {
    fn prefer(&mut self, method: &str, path: &str, body: &str) -> Option<String> {
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        match (method, route) {
            ("GET", "/api/v1/get_stream_id") => {
                let name = query.strip_prefix("stream=").map(decode);
                (name.as_deref() != Some(CHANNEL)).then(|| "code=400".into())
            }
            ("GET", "/api/v1/user_groups") => {
                if self.members == BTreeSet::from([10, 12]) {
                    Some("example=groups".into())
                } else if self.members == BTreeSet::from([12]) {
                    Some("example=user-10-removed".into())
                } else {
                    self.refused.push(format!(
                        "the description has no example of group 31 with {:?}",
                        self.members
                    ));
                    None
                }
            }
            ("POST", GROUP_MEMBERS) => {
                let (add, delete) = Zulip::change(body);
                // Zulip refuses to add a member or to remove a non-member.
                let wrong = add.iter().any(|id| self.members.contains(id))
                    || delete.iter().any(|id| !self.members.contains(id));
                wrong.then(|| {
                    self.refused.push(format!(
                        "POST {path} {body}: members are {:?}",
                        self.members
                    ));
                    "code=400".into()
                })
            }
            ("GET", user) if user.starts_with("/api/v1/users/") => {
                let who = decode(&user["/api/v1/users/".len()..]);
                let known = who.parse::<u64>().is_ok() || who.eq_ignore_ascii_case(HAMLET);
                if !known {
                    Some("code=400".into())
                } else if self.deactivated {
                    Some("example=deactivated".into())
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn answered(&mut self, method: &str, path: &str, body: &str, status: u16) {
        if status == 200 && path == format!("/api/v1/users/{HAMLET_ID}") && method == "DELETE" {
            self.deactivated = true;
        }
        if status == 200 && path == format!("/api/v1/users/{HAMLET_ID}/reactivate") {
            self.deactivated = false;
        }
        if method == "POST" && path == GROUP_MEMBERS && status == 200 {
            let (add, delete) = Zulip::change(body);
            self.members.extend(add);
            for id in delete {
                self.members.remove(&id);
            }
        }
    }

    fn refused(&self) -> &[String] {
        &self.refused
    }
}

fn write(method: &str, path: &str, body: &str) -> (String, String, String) {
    (method.to_owned(), path.to_owned(), body.to_owned())
}

#[test]
fn one_suspension_is_enforced_on_a_list_a_room_a_zulip_channel_and_a_github_organisation_and_lifted_on_all_four_at_its_end()
 {
    let mailman = Mailman::from_env();
    let synapse = Synapse::from_env();
    let matrix = modpod_matrix::Client::new(&synapse.url, &synapse.token);
    let zulip = Proxy::start(var("MODPOD_TEST_ZULIP_URL"), "Basic ", Zulip::new());
    let github = Proxy::start(
        var("MODPOD_TEST_GITHUB_URL"),
        &format!("Bearer {GITHUB_TOKEN}"),
        GitHub::default(),
    );
    let list = mailman.new_list();
    list.subscribe(HAMLET);
    let room = synapse.room();
    let (dana_matrix, dana_token) = synapse.user();
    assert_eq!(synapse.join(&dana_token, &room), 200);
    assert_eq!(synapse.send(&dana_token, &room), 200);

    // Dana, with one account in each, and a forum in each.
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
    let channel = format!("zulip:{CHANNEL}");
    let organisation = format!("github:{ORG}");
    let dana = format!(
        "[[people]]\nid = \"dana\"\nname = \"Dana Participant\"\nemails = [\"{HAMLET}\"]\n\
         github = [\"{GITHUB_USER}\"]\nchat = [\"{dana_matrix}\"]\n\n"
    );
    std::fs::write(
        &setup,
        [
            dana,
            forum(&list.address, "mailing-list"),
            forum(&chat, "chat"),
            forum(&channel, "chat"),
            forum(&organisation, "github-organisation"),
        ]
        .concat(),
    )
    .unwrap();
    ok(&db.url, &["setup", setup.to_str().unwrap()]);
    let password = account(&db.url, "tls-chair-1");

    let server = Serve::new(
        &db.url,
        &[
            "--listen",
            "127.0.0.1:0",
            "--mailman-url",
            &mailman.url,
            "--matrix-url",
            &synapse.url,
            "--zulip-url",
            &zulip.url,
            "--zulip-email",
            "modpod@chat.example.org",
            "--github-url",
            &github.url,
        ],
    )
    .env("MODPOD_MAILMAN_USER", &mailman.user)
    .env("MODPOD_MAILMAN_PASSWORD", &mailman.password)
    .env("MODPOD_MATRIX_TOKEN", &synapse.token)
    .env("MODPOD_ZULIP_API_KEY", ZULIP_KEY)
    .env("MODPOD_GITHUB_TOKEN", GITHUB_TOKEN)
    .start();
    for software in ["Mailman at", "Matrix at", "Zulip at", "GitHub at"] {
        assert!(
            server
                .printed
                .contains(&format!("enforcing actions on {software}")),
            "{}",
            server.printed
        );
    }

    // A suspension from all four, ending in 20 seconds.
    let ends_at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(20);
    let suspend = json!({"command": "take_action", "subject": {"person": "dana"},
        "measure": {"type": "temporary_suspension"},
        "fora": [list.address, chat, channel, organisation], "ends_at": ends_at.to_string(),
        "reason": "personal attacks in four places after a warning"});
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
    // Each look at a proxy's state first checks every request so far.
    let blocked = || {
        github.accepted();
        github.with(|g| {
            g.blocked
                .contains(&(ORG.to_owned(), GITHUB_USER.to_owned()))
        })
    };
    let may_post = || {
        zulip.accepted();
        zulip.with(|z| z.members.contains(&HAMLET_ID))
    };
    eventually("the list bans dana", 15, || list.banned(HAMLET));
    eventually("the room bans dana", 15, || {
        matrix.banned(&room).unwrap().contains(&dana_matrix)
    });
    eventually("the Zulip channel stops dana posting", 15, || !may_post());
    eventually("the GitHub organisation blocks dana", 15, blocked);
    assert_eq!(
        synapse.send(&dana_token, &room),
        403,
        "dana cannot post in the room"
    );

    // The action page says how it stands on each.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let login = agent
        .post(format!("{}/v1/login", server.url))
        .header("Content-Type", "application/json")
        .send(json!({"account": "tls-chair-1", "password": password}).to_string())
        .unwrap();
    let cookie = login
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = || {
        agent
            .get(format!("{}/actions/1", server.url))
            .header("Cookie", &cookie)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    };
    eventually("the action page shows it applied on all four", 10, || {
        page().matches("<strong>applied</strong>").count() == 4
    });
    let html = page();
    for shown in [
        format!("Mailman list {}", list.id),
        format!("Matrix room {room}"),
        format!("Zulip channel {CHANNEL}"),
        format!("GitHub organisation {ORG}"),
    ] {
        assert!(html.contains(&shown), "{shown} is not on the page:\n{html}");
    }

    // At its end, every one is lifted with no command.
    eventually("the list lifts the ban", 30, || !list.banned(HAMLET));
    eventually("the room lifts the ban", 30, || {
        !matrix.banned(&room).unwrap().contains(&dana_matrix)
    });
    eventually("the Zulip channel lets dana post again", 30, may_post);
    eventually("the GitHub organisation unblocks dana", 30, || !blocked());
    // Synapse may refuse a join, and a message, sent at once after the
    // unban while it catches up with the room's state; dana joins and posts
    // within seconds.
    eventually("dana joins the room again", 10, || {
        synapse.join(&dana_token, &room) == 200
    });
    eventually("dana posts in the room again", 10, || {
        synapse.send(&dana_token, &room) == 200
    });
    eventually("the action page shows nothing left to apply", 10, || {
        page()
            .matches("<strong>nothing to apply there now</strong>")
            .count()
            == 4
    });

    // Each change was made once, in requests the descriptions allow.
    let delete = format!("delete=%5B{HAMLET_ID}%5D");
    let add = format!("add=%5B{HAMLET_ID}%5D");
    // Not from every channel the deployment names (the example's plenary
    // and TLS chats are Zulip's too): the account stays active.
    assert_eq!(
        zulip.writes(),
        [
            write("POST", GROUP_MEMBERS, &delete),
            write("POST", GROUP_MEMBERS, &add)
        ]
    );
    assert!(!zulip.with(|z| z.deactivated));
    let block = format!("/orgs/{ORG}/blocks/{GITHUB_USER}");
    assert_eq!(
        github.writes(),
        [write("PUT", &block, ""), write("DELETE", &block, "")]
    );
}
