//! Time from recording a suspension to its enforcement on forum software,
//! through a running `modpod serve` (the bench profile: release with line
//! tables), per kind of software: the chair of the TLS working group takes a
//! temporary suspension of one person from one forum with `POST
//! /v1/commands`, and the clock runs from the moment that request is
//! answered (201) until the suspension is enforced:
//!
//! - Mailman (the real GNU Mailman 3 `scripts/test` starts): until the ban
//!   shows through Mailman's REST API (`GET /3.1/lists/{list}/bans/{email}`,
//!   polled; the moment its answer came back);
//! - Matrix (the real Synapse): until the room ban shows through the client
//!   API (`GET /_matrix/client/v3/rooms/{room}/state/m.room.member/{user}`,
//!   polled likewise);
//! - webhooks: until the signed `restriction.applied` POST reaches a local
//!   receiver (its signature checked);
//! - Zulip and GitHub, which cannot run here: until the adapter's change
//!   (the posting group's `POST .../members`, the organisation's `PUT
//!   .../blocks/{user}`) reaches a timing proxy in front of Prism serving
//!   their API descriptions. The proxy keeps the state the real service
//!   would (who is in the posting group, who is blocked) and asks Prism for
//!   the documented answer that state calls for, as
//!   `crates/modpod/tests/four_kinds.rs` does. This measures modpod's side
//!   only (its reads are answered by Prism, not by Zulip or GitHub).
//!
//! Then the chair rescinds the action, and the lift is timed the same way.
//! One cycle per kind is run first and not counted; then `ACTIONS` (100)
//! cycles per kind, one kind after the other, one at a time, with a pause of
//! `PAUSE_MS` (50) after each observation; Mailman and Synapse are polled
//! every `POLL_MS` (5). The proxies also time Prism's answers, printed at the
//! end with the percentiles and a table for `docs/performance.md`.
//!
//! Needs what `scripts/bench-enforcement` starts (Mailman, Synapse, Prism
//! serving both descriptions); `KINDS=mailman,matrix,webhooks,zulip,github`
//! (the default) picks the kinds, and only those need their service:
//!
//! ```sh
//! scripts/bench-enforcement             # starts the services, then this
//! ACTIONS=20 KINDS=webhooks cargo bench -p modpod --bench enforcement
//! ```
//!
//! `MODPOD_BIN` runs another `modpod` than the one cargo built with it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use modpod_testkit::TestDb;
use modpod_testkit::mailman::{Mailman, TestList};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/ietf.toml");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The address Zulip's description knows as user 10; dana's on the list too.
const HAMLET: &str = "hamlet@zulip.com";
/// The channel `Denmark` of Zulip's description (7), whose posting permission
/// is modpod's group 31 (direct members 10 and 12).
const CHANNEL: &str = "Denmark";
const GROUP_MEMBERS: &str = "/api/v1/user_groups/31/members";
const ORG: &str = "tlswg";
const GITHUB_USER: &str = "dana-gh";
const ZULIP_KEY: &str = "gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv";
const GITHUB_TOKEN: &str = "ghp_modpodTestToken0000000000000000000000";
const TIMEOUT: Duration = Duration::from_secs(30);

fn var(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => value.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "{name} is not set: run scripts/bench-enforcement, which starts Mailman, Synapse and \
             Prism serving the Zulip and GitHub descriptions (or pick KINDS that do not need it)"
        ),
    }
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
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

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .max_redirects(0)
        .build()
        .into()
}

/// The `modpod` to run: the one cargo built with this benchmark, or
/// `MODPOD_BIN`.
fn modpod_bin() -> String {
    std::env::var("MODPOD_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_modpod").to_owned())
}

/// Runs `modpod ARGS` on the log at `db`; returns what it printed.
fn modpod(db: &str, args: &[&str]) -> String {
    let out = Command::new(modpod_bin())
        .args(args)
        .env("MODPOD_DB", db)
        .env("MODPOD_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("cannot run modpod");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        out.status.success(),
        "modpod {args:?} failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

// ------------------------------------------------------------------ Synapse

/// The Synapse `scripts/bench-enforcement` starts.
struct Synapse {
    url: String,
    token: String,
    agent: ureq::Agent,
}

impl Synapse {
    fn from_env() -> Synapse {
        Synapse {
            url: var("MODPOD_TEST_SYNAPSE_URL"),
            token: var("MODPOD_TEST_SYNAPSE_ADMIN_TOKEN"),
            agent: agent(),
        }
    }

    fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        let auth = format!("Bearer {token}");
        let answer = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            ("PUT", body) => self
                .agent
                .put(&url)
                .header("Authorization", &auth)
                .send(body.unwrap_or(json!({})).to_string()),
            (_, body) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .send(body.unwrap_or(json!({})).to_string()),
        };
        let mut answer = answer.unwrap();
        let status = answer.status().as_u16();
        let text = answer.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A new user who joined `room`: their id.
    fn member(&self, room: &str) -> String {
        let name = format!("bench{:012x}", rand::random::<u64>() >> 16);
        let admin = modpod_matrix::Client::new(&self.url, &self.token)
            .whoami()
            .unwrap();
        let domain = admin.split_once(':').unwrap().1;
        let id = format!("@{name}:{domain}");
        let (status, body) = self.call(
            "PUT",
            &format!("/_synapse/admin/v2/users/{}", encode(&id)),
            &self.token,
            Some(json!({"password": "pw-bench-enforcement"})),
        );
        assert!(status == 200 || status == 201, "{body}");
        let (status, login) = self.call(
            "POST",
            "/_matrix/client/v3/login",
            "",
            Some(json!({"type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": name},
                "password": "pw-bench-enforcement"})),
        );
        assert_eq!(status, 200, "{login}");
        let token = login["access_token"].as_str().unwrap().to_owned();
        let path = format!("/_matrix/client/v3/rooms/{}/join", encode(room));
        let (status, joined) = self.call("POST", &path, &token, None);
        assert_eq!(status, 200, "{joined}");
        id
    }

    fn room(&self) -> String {
        let (status, made) = self.call(
            "POST",
            "/_matrix/client/v3/createRoom",
            &self.token,
            Some(json!({"preset": "public_chat", "name": "enforcement benchmark"})),
        );
        assert_eq!(status, 200, "{made}");
        made["room_id"].as_str().unwrap().to_owned()
    }

    /// Whether `user` is banned from `room`, read through the client API.
    fn banned(&self, room: &str, user: &str) -> bool {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/state/m.room.member/{}",
            encode(room),
            encode(user)
        );
        let (status, member) = self.call("GET", &path, &self.token, None);
        assert_eq!(status, 200, "{member}");
        member["membership"] == "ban"
    }
}

// ----------------------------------------------------------------- Mailman

/// Whether `email` is banned from the list, read through Mailman's REST API
/// (one persistent connection).
struct Bans {
    url: String,
    auth: String,
    agent: ureq::Agent,
}

impl Bans {
    fn new(mailman: &Mailman, list: &TestList, email: &str) -> Bans {
        use base64_auth::basic;
        Bans {
            url: format!("{}/3.1/lists/{}/bans/{email}", mailman.url, list.id),
            auth: basic(&mailman.user, &mailman.password),
            agent: agent(),
        }
    }

    fn banned(&self) -> bool {
        let answer = self
            .agent
            .get(&self.url)
            .header("Authorization", &self.auth)
            .call()
            .unwrap();
        match answer.status().as_u16() {
            200 => true,
            404 => false,
            other => panic!("GET {}: HTTP {other}", self.url),
        }
    }
}

/// HTTP Basic credentials, without a base64 crate.
mod base64_auth {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn basic(user: &str, password: &str) -> String {
        let bytes = format!("{user}:{password}").into_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        format!("Basic {out}")
    }
}

// ---------------------------------------------------------------- webhooks

/// A webhook receiver that checks each signature and keeps when each
/// verified body arrived, with its type.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<(Instant, String)>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    fn start() -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let got: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let kept = got.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                    let arrived = Instant::now();
                    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
                    if verifier.verify(&body, &headers).is_err() {
                        return axum::http::StatusCode::UNAUTHORIZED;
                    }
                    let body: Value = serde_json::from_slice(&body).unwrap();
                    let kind = body["type"].as_str().unwrap_or_default().to_owned();
                    kept.lock().unwrap().push((arrived, kind));
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        );
        runtime.spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            got,
            _runtime: runtime,
        }
    }

    fn arrived(&self, kind: &str, after: Instant) -> Option<Instant> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .find(|(at, k)| *at >= after && k == kind)
            .map(|(at, _)| *at)
    }
}

// ------------------------------------------ Zulip and GitHub: Prism behind a proxy

/// The state a real service keeps, played in front of a stateless Prism.
trait Service: Send + 'static {
    /// The `Prefer` header for the answer the service would give now.
    fn prefer(&mut self, method: &str, path: &str, body: &str) -> Option<String>;
    /// What changes once Prism answered `status` to the request.
    fn answered(&mut self, method: &str, path: &str, body: &str, status: u16);
}

/// One request, as it reached the proxy, and how long Prism took to answer.
#[derive(Debug, Clone)]
struct Exchange {
    arrived: Instant,
    method: String,
    path: String,
    body: String,
    status: u16,
    prism: Duration,
}

/// A timing proxy on a loopback port in front of Prism: forwards every
/// request with the `Prefer` header its [`Service`] asks for, and keeps when
/// each request arrived (before it is forwarded).
struct Proxy<S: Service> {
    url: String,
    state: Arc<Mutex<S>>,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    /// Answers that break the description or that the state did not ask for.
    wrong: Arc<Mutex<Vec<String>>>,
}

impl<S: Service> Proxy<S> {
    fn start(upstream: String, service: S) -> Proxy<S> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let proxy = Proxy {
            url,
            state: Arc::new(Mutex::new(service)),
            exchanges: Arc::default(),
            wrong: Arc::default(),
        };
        let (state, exchanges, wrong) = (
            proxy.state.clone(),
            proxy.exchanges.clone(),
            proxy.wrong.clone(),
        );
        let agent = agent();
        std::thread::spawn(move || {
            for connection in listener.incoming() {
                let Ok(connection) = connection else { continue };
                let (upstream, agent) = (upstream.clone(), agent.clone());
                let (state, exchanges, wrong) = (state.clone(), exchanges.clone(), wrong.clone());
                std::thread::spawn(move || {
                    serve(connection, &upstream, &agent, &state, &exchanges, &wrong)
                });
            }
        });
        proxy
    }

    fn with<T>(&self, read: impl FnOnce(&S) -> T) -> T {
        read(&self.state.lock().unwrap())
    }

    /// When the first request matching `is` arrived after `after`.
    fn arrived(&self, after: Instant, is: impl Fn(&Exchange) -> bool) -> Option<Instant> {
        self.exchanges
            .lock()
            .unwrap()
            .iter()
            .find(|w| w.arrived >= after && is(w))
            .map(|w| w.arrived)
    }

    fn report(&self, name: &str) {
        let all = self.exchanges.lock().unwrap();
        let wrong = self.wrong.lock().unwrap();
        let writes: Vec<&Exchange> = all.iter().filter(|w| w.method != "GET").collect();
        let refused = writes.iter().filter(|w| w.status >= 300).count();
        let mut reads: Vec<Duration> = all
            .iter()
            .filter(|w| w.method == "GET")
            .map(|w| w.prism)
            .collect();
        reads.sort();
        let mut changes: Vec<Duration> = writes.iter().map(|w| w.prism).collect();
        changes.sort();
        println!(
            "{name} proxy: {} reads, Prism's answer p50 {}; {} changes, Prism's answer p50 {}",
            reads.len(),
            ms(percentile(&reads, 50.0)),
            changes.len(),
            ms(percentile(&changes, 50.0)),
        );
        println!(
            "{name} proxy: {refused} changes not 2xx, {} answers not as the description and \
             the state call for{}",
            wrong.len(),
            wrong
                .first()
                .map(|w| format!(", e.g. {w}"))
                .unwrap_or_default()
        );
    }
}

/// Serves one connection (HTTP/1.1, kept alive, `Content-Length` bodies).
fn serve<S: Service>(
    connection: TcpStream,
    upstream: &str,
    agent: &ureq::Agent,
    state: &Mutex<S>,
    exchanges: &Mutex<Vec<Exchange>>,
    wrong: &Mutex<Vec<String>>,
) {
    let Ok(mut out) = connection.try_clone() else {
        return;
    };
    let _ = connection.set_nodelay(true);
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
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let arrived = Instant::now();
        let text = String::from_utf8_lossy(&body).into_owned();

        // Requests are played one at a time, as the service would.
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
        let forwarded = Instant::now();
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
        let violations = response.headers().get("sl-violations").is_some();
        let answer = response.body_mut().read_to_vec().unwrap_or_default();
        let prism = forwarded.elapsed();
        head.push_str(&format!("content-length: {}\r\n\r\n", answer.len()));
        service.answered(&method, &path, &text, status);
        drop(service);
        let asked = prefer
            .as_deref()
            .and_then(|p| p.strip_prefix("code="))
            .and_then(|c| c.parse::<u16>().ok());
        let expected = match asked {
            Some(code) => status == code,
            None => (200..300).contains(&status),
        };
        if violations || !expected {
            wrong
                .lock()
                .unwrap()
                .push(format!("{method} {path} {text:?}: HTTP {status}"));
        }
        exchanges.lock().unwrap().push(Exchange {
            arrived,
            method,
            path,
            body: text,
            status,
            prism,
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
    blocked: BTreeSet<(String, String)>,
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
            "PUT" if blocked => Some("code=422".into()),
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
}

/// The Zulip organisation of the description's examples: one user
/// ([`HAMLET`], 10), one channel ([`CHANNEL`], 7) whose posting permission
/// is modpod's group 31, and that group's direct members, which the
/// description has two examples for: 10 and 12 (`groups`), or 12 only
/// (`user-10-removed`).
struct Zulip {
    members: BTreeSet<u64>,
}

impl Zulip {
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
                } else {
                    Some("example=user-10-removed".into())
                }
            }
            ("POST", GROUP_MEMBERS) => {
                let (add, delete) = Zulip::change(body);
                let wrong = add.iter().any(|id| self.members.contains(id))
                    || delete.iter().any(|id| !self.members.contains(id));
                wrong.then(|| "code=400".into())
            }
            ("GET", user) if user.starts_with("/api/v1/users/") => {
                let who = decode(&user["/api/v1/users/".len()..]);
                let known = who.parse::<u64>().is_ok() || who.eq_ignore_ascii_case(HAMLET);
                (!known).then(|| "code=400".into())
            }
            _ => None,
        }
    }

    fn answered(&mut self, method: &str, path: &str, body: &str, status: u16) {
        if method == "POST" && path == GROUP_MEMBERS && status == 200 {
            let (add, delete) = Zulip::change(body);
            self.members.extend(add);
            for id in delete {
                self.members.remove(&id);
            }
        }
    }
}

// ------------------------------------------------------------ modpod serve

/// A running `modpod serve`, stopped (SIGKILL) when dropped.
struct Server {
    child: Child,
    url: String,
    printed: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_serve(db: &str, args: &[String], env: &[(&str, String)]) -> Server {
    let mut command = Command::new(modpod_bin());
    command
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("MODPOD_DB", db)
        .env("MODPOD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("cannot start modpod serve");
    let stdout = child.stdout.take().unwrap();
    let mut server = Server {
        child,
        url: String::new(),
        printed: String::new(),
    };
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        server.printed.push_str(&line);
        server.printed.push('\n');
        if let Some(rest) = line.strip_prefix("modpod listening on ") {
            server.url = rest.split_whitespace().next().unwrap().to_owned();
            // Keep reading what it prints, so that it never blocks on a
            // full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return server;
        }
    }
    panic!("modpod serve stopped before listening:\n{}", server.printed);
}

/// The chair of the TLS working group, through the API.
struct Chair {
    url: String,
    token: String,
    agent: ureq::Agent,
}

impl Chair {
    /// Records one command; returns when the request was sent and when its
    /// answer came back.
    fn command(&self, command: Value) -> (Instant, Instant) {
        let body = json!({"as": "administrator", "command": command}).to_string();
        let sent = Instant::now();
        let mut answer = self
            .agent
            .post(format!("{}/v1/commands", self.url))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap();
        let back = Instant::now();
        let status = answer.status().as_u16();
        let text = answer.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 201, "{text}");
        (sent, back)
    }

    fn actions(&self) -> u64 {
        let mut answer = self
            .agent
            .get(format!("{}/v1/actions?limit=1", self.url))
            .header("Authorization", &format!("Bearer {}", self.token))
            .call()
            .unwrap();
        let body: Value = serde_json::from_str(&answer.body_mut().read_to_string().unwrap())
            .unwrap_or(Value::Null);
        body["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("no total in {body}"))
    }
}

// --------------------------------------------------------------- the kinds

/// How one kind of software shows a change, and the forum it enforces.
enum Watch {
    Mailman(Bans),
    Matrix {
        synapse: Synapse,
        room: String,
        user: String,
    },
    Webhooks(Receiver),
    Zulip(Proxy<Zulip>),
    GitHub(Proxy<GitHub>),
}

struct Kind {
    name: &'static str,
    forum: String,
    watch: Watch,
    /// Polls of the software's API (sent, answered), for the resolution.
    polls: Vec<Duration>,
}

impl Kind {
    /// Waits until the suspension is enforced (`applied`) or lifted; returns
    /// when that showed.
    fn wait(&mut self, applied: bool, after: Instant, poll: Duration) -> Instant {
        let deadline = after + TIMEOUT;
        loop {
            assert!(
                Instant::now() < deadline,
                "{}: not {} within {TIMEOUT:?}",
                self.name,
                if applied { "enforced" } else { "lifted" }
            );
            let seen = match &self.watch {
                Watch::Mailman(bans) => {
                    let sent = Instant::now();
                    let banned = bans.banned();
                    let back = Instant::now();
                    self.polls.push(back - sent);
                    (banned == applied).then_some(back)
                }
                Watch::Matrix {
                    synapse,
                    room,
                    user,
                } => {
                    let sent = Instant::now();
                    let banned = synapse.banned(room, user);
                    let back = Instant::now();
                    self.polls.push(back - sent);
                    (banned == applied).then_some(back)
                }
                Watch::Webhooks(receiver) => {
                    let kind = if applied {
                        "restriction.applied"
                    } else {
                        "restriction.lifted"
                    };
                    receiver.arrived(kind, after)
                }
                Watch::Zulip(proxy) => proxy.arrived(after, |w| {
                    let (add, delete) = Zulip::change(&w.body);
                    w.method == "POST"
                        && w.path == GROUP_MEMBERS
                        && if applied { &delete } else { &add }.contains(&10)
                }),
                Watch::GitHub(proxy) => {
                    let path = format!("/orgs/{ORG}/blocks/{GITHUB_USER}");
                    let method = if applied { "PUT" } else { "DELETE" };
                    proxy.arrived(after, |w| w.method == method && w.path == path)
                }
            };
            if let Some(at) = seen {
                return at;
            }
            let polled = matches!(self.watch, Watch::Mailman(_) | Watch::Matrix { .. });
            std::thread::sleep(if polled {
                poll
            } else {
                Duration::from_micros(200)
            });
        }
    }
}

/// Nearest-rank percentile.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    format!(
        "p50 {:>9}  p99 {:>9}  max {:>9}",
        ms(percentile(times, 50.0)),
        ms(percentile(times, 99.0)),
        ms(*times.last().unwrap())
    )
}

fn main() {
    // `cargo test --all-targets` builds and runs benches without `--bench`:
    // only `cargo bench` measures.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let actions = setting("ACTIONS", 100);
    let pause = Duration::from_millis(setting("PAUSE_MS", 50));
    let poll = Duration::from_millis(setting("POLL_MS", 5));
    let wanted: Vec<String> = std::env::var("KINDS")
        .unwrap_or_else(|_| "mailman,matrix,webhooks,zulip,github".into())
        .split(',')
        .map(|k| k.trim().to_lowercase())
        .filter(|k| !k.is_empty())
        .collect();
    let on = |kind: &str| wanted.iter().any(|k| k == kind);
    for kind in &wanted {
        assert!(
            ["mailman", "matrix", "webhooks", "zulip", "github"].contains(&kind.as_str()),
            "KINDS: no kind {kind:?}"
        );
    }

    // The software, and a forum on each; dana has an account on each.
    let mut kinds = Vec::new();
    let mut flags: Vec<String> = Vec::new();
    let mut env: Vec<(&str, String)> = Vec::new();
    let mut matrix_user = None;
    let mut _list = None;
    if on("mailman") {
        let mailman = Mailman::from_env();
        let list = mailman.new_list();
        list.subscribe(HAMLET);
        flags.extend(["--mailman-url".into(), mailman.url.clone()]);
        env.push(("MODPOD_MAILMAN_USER", mailman.user.clone()));
        env.push(("MODPOD_MAILMAN_PASSWORD", mailman.password.clone()));
        kinds.push(Kind {
            name: "Mailman",
            forum: list.address.clone(),
            watch: Watch::Mailman(Bans::new(&mailman, &list, HAMLET)),
            polls: Vec::new(),
        });
        _list = Some(list);
    }
    if on("matrix") {
        let synapse = Synapse::from_env();
        let room = synapse.room();
        let user = synapse.member(&room);
        flags.extend(["--matrix-url".into(), synapse.url.clone()]);
        env.push(("MODPOD_MATRIX_TOKEN", synapse.token.clone()));
        matrix_user = Some(user.clone());
        kinds.push(Kind {
            name: "Matrix",
            forum: format!("matrix:{room}"),
            watch: Watch::Matrix {
                synapse,
                room,
                user,
            },
            polls: Vec::new(),
        });
    }
    if on("webhooks") {
        let receiver = Receiver::start();
        flags.extend(["--webhook".into(), format!("wiki={}", receiver.url)]);
        env.push(("MODPOD_WEBHOOK_SECRET", SECRET.into()));
        kinds.push(Kind {
            name: "webhooks",
            forum: "tls-wiki".into(),
            watch: Watch::Webhooks(receiver),
            polls: Vec::new(),
        });
    }
    if on("zulip") {
        let members = BTreeSet::from([10, 12]);
        let proxy = Proxy::start(var("MODPOD_TEST_ZULIP_URL"), Zulip { members });
        flags.extend([
            "--zulip-url".into(),
            proxy.url.clone(),
            "--zulip-email".into(),
            "modpod@chat.example.org".into(),
        ]);
        env.push(("MODPOD_ZULIP_API_KEY", ZULIP_KEY.into()));
        kinds.push(Kind {
            name: "Zulip (mock)",
            forum: format!("zulip:{CHANNEL}"),
            watch: Watch::Zulip(proxy),
            polls: Vec::new(),
        });
    }
    if on("github") {
        let proxy = Proxy::start(var("MODPOD_TEST_GITHUB_URL"), GitHub::default());
        flags.extend(["--github-url".into(), proxy.url.clone()]);
        env.push(("MODPOD_GITHUB_TOKEN", GITHUB_TOKEN.into()));
        kinds.push(Kind {
            name: "GitHub (mock)",
            forum: format!("github:{ORG}"),
            watch: Watch::GitHub(proxy),
            polls: Vec::new(),
        });
    }

    // A log with the example installation, dana, and the fora.
    let db = TestDb::sqlite();
    let bootstrap = r#"{"command":"bootstrap","operator":"admin","name":"Operator"}"#;
    modpod(
        &db.url,
        &["run", "--as", "admin", "--capacity", "operator", bootstrap],
    );
    modpod(&db.url, &["setup", EXAMPLE]);
    let dir = tempfile::tempdir().unwrap();
    let setup = dir.path().join("fora.toml");
    let mut toml = format!(
        "[[people]]\nid = \"dana\"\nname = \"Dana Participant\"\nemails = [\"{HAMLET}\"]\n\
         github = [\"{GITHUB_USER}\"]\n{}\n",
        matrix_user
            .as_ref()
            .map(|u| format!("chat = [\"{u}\"]\n"))
            .unwrap_or_default()
    );
    let kind_of = |watch: &Watch| match watch {
        Watch::Mailman(_) => "mailing-list",
        Watch::Matrix { .. } | Watch::Zulip(_) => "chat",
        Watch::Webhooks(_) => "wiki",
        Watch::GitHub(_) => "github-organisation",
    };
    for kind in &kinds {
        toml.push_str(&format!(
            "[[fora]]\nid = \"{}\"\nname = \"A TLS forum\"\nkind = \"{}\"\n\
             organisation = \"ietf\"\npublic = true\nwg = \"tls\"\n\n",
            kind.forum,
            kind_of(&kind.watch)
        ));
    }
    std::fs::write(&setup, toml).unwrap();
    modpod(&db.url, &["setup", setup.to_str().unwrap()]);
    modpod(
        &db.url,
        &["account", "create", "--person", "tls-chair-1", "chair1"],
    );
    let token = modpod(
        &db.url,
        &["token", "create", "--account", "chair1", "--scope", "act"],
    )
    .trim()
    .to_owned();

    let server = start_serve(&db.url, &flags, &env);
    for kind in &kinds {
        let name = kind.name.split(' ').next().unwrap();
        assert!(
            server
                .printed
                .contains(&format!("enforcing actions on {name}")),
            "{}",
            server.printed
        );
    }
    // The workers' first passes, over nothing yet.
    std::thread::sleep(Duration::from_secs(1));
    let chair = Chair {
        url: server.url.clone(),
        token,
        agent: agent(),
    };
    let mut next_action = chair.actions();
    println!(
        "modpod serve ({}) on {}; {actions} suspensions per kind, after one not counted; \
         polls every {} ms; a pause of {} ms after each change seen",
        modpod_bin(),
        db.url,
        poll.as_millis(),
        pause.as_millis()
    );

    let started = Instant::now();
    let mut rows = Vec::new();
    for kind in &mut kinds {
        let (mut applied, mut lifted, mut posts, mut from_sent) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut early = 0;
        for round in 0..=actions {
            let ends_at = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
            let (sent, back) = chair.command(json!({"command": "take_action",
                "subject": {"person": "dana"}, "measure": {"type": "temporary_suspension"},
                "fora": [kind.forum], "ends_at": ends_at.to_string(),
                "reason": "personal attacks after a warning (benchmark)"}));
            let seen = kind.wait(true, sent, poll);
            std::thread::sleep(pause);
            let action = next_action;
            next_action += 1;
            let (rescinded, answered) = chair.command(json!({"command": "rescind_action",
                "action": action, "reason": "taken for a benchmark"}));
            let gone = kind.wait(false, rescinded, poll);
            std::thread::sleep(pause);
            if round == 0 {
                kind.polls.clear();
                continue;
            }
            applied.push(seen.saturating_duration_since(back));
            from_sent.push(seen - sent);
            posts.push(back - sent);
            lifted.push(gone.saturating_duration_since(answered));
            if seen < back || gone < answered {
                early += 1;
            }
        }
        if early > 0 {
            println!(
                "{}: {early} of {actions} changes showed before the POST was answered (counted as 0)",
                kind.name
            );
        }
        let poll_note = if kind.polls.is_empty() {
            String::new()
        } else {
            kind.polls.sort();
            format!(
                "; one poll of its API: p50 {}",
                ms(percentile(&kind.polls, 50.0))
            )
        };
        println!(
            "{:<14} enforced after the POST's answer: {}\n{:<14} from sending the POST:          {}\n\
             {:<14} lifted after the rescind's answer: {}\n{:<14} the POST itself:                {}{poll_note}",
            kind.name,
            summary(&mut applied),
            "",
            summary(&mut from_sent),
            "",
            summary(&mut lifted),
            "",
            summary(&mut posts),
        );
        rows.push((
            kind.name,
            percentile(&applied, 50.0),
            percentile(&applied, 99.0),
            percentile(&lifted, 50.0),
            percentile(&lifted, 99.0),
        ));
    }
    println!(
        "\n{actions} suspensions and rescissions per kind in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    println!("| software | enforced: p50 | p99 | lifted: p50 | p99 |");
    println!("|---|---:|---:|---:|---:|");
    for (name, a50, a99, l50, l99) in rows {
        println!(
            "| {name} | {} | {} | {} | {} |",
            ms(a50),
            ms(a99),
            ms(l50),
            ms(l99)
        );
    }
    for kind in &kinds {
        match &kind.watch {
            Watch::Zulip(proxy) => {
                proxy.report("Zulip");
                let members = proxy.with(|z| z.members.clone());
                assert_eq!(members, BTreeSet::from([10, 12]));
            }
            Watch::GitHub(proxy) => {
                proxy.report("GitHub");
                assert!(proxy.with(|g| g.blocked.is_empty()));
            }
            _ => {}
        }
    }
    drop(server);
}
