//! What the tests against Prism serving GitHub's OpenAPI description share
//! (`tests/prism.rs`, `tests/adapter.rs`): the mock's address, and a
//! recording proxy in front of it that checks every request the client sent
//! was accepted and carried what GitHub asks for, and can ask Prism for
//! another documented response (`Prefer: code=NNN`) per method.

// Each test binary uses its own part of this module.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use modpod_github::Client;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "ghp_modpodTestToken0000000000000000000000";

pub fn mock() -> String {
    match std::env::var("MODPOD_TEST_GITHUB_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "MODPOD_TEST_GITHUB_URL is not set: these tests need Prism serving GitHub's OpenAPI \
             description. Run scripts/test, or first: source scripts/lib/services.sh; source \
             scripts/lib/prism.sh; source scripts/lib/github.sh; ensure_prism; \
             ensure_github_openapi; start_github_mock (and stop_prisms afterwards)"
        ),
    }
}

/// One request the client sent, and Prism's answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    /// Request headers, names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The `Prefer: code=` the proxy added.
    pub prefer: Option<u16>,
    pub status: u16,
    /// Prism's `sl-violations` answer header, if any.
    pub violations: Option<String>,
    pub answer: String,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Why Prism rejected the request, if it did. Its "requested status
    /// code is not defined" (`#NOT_FOUND`, after `Prefer: code=`) is not a
    /// rejection of the request.
    pub fn rejection(&self) -> Option<String> {
        if let Some(violations) = &self.violations {
            return Some(format!("sl-violations: {violations}"));
        }
        for kind in [
            "UNPROCESSABLE_ENTITY",
            "NO_PATH_MATCHED_ERROR",
            "NO_METHOD_MATCHED_ERROR",
            "NOT_ACCEPTABLE",
            "UNSUPPORTED_MEDIA_TYPE",
            "UNAUTHORIZED",
        ] {
            if self
                .answer
                .contains(&format!("stoplight.io/prism/errors#{kind}"))
            {
                return Some(self.answer.clone());
            }
        }
        None
    }
}

/// A proxy on a loopback port in front of Prism, recording every exchange.
pub struct Recorder {
    pub url: String,
    pub log: Arc<Mutex<Vec<Exchange>>>,
    /// `Prefer: code=NNN` to add to the requests of a method.
    pub prefer: Arc<Mutex<Vec<(String, u16)>>>,
    /// A body to answer a method's successful requests with instead of
    /// Prism's example (another the description allows).
    pub instead: Arc<Mutex<Vec<(String, String)>>>,
}

/// What the proxy thread shares with the test.
struct Shared {
    upstream: String,
    agent: ureq::Agent,
    log: Arc<Mutex<Vec<Exchange>>>,
    prefer: Arc<Mutex<Vec<(String, u16)>>>,
    instead: Arc<Mutex<Vec<(String, String)>>>,
}

impl Recorder {
    pub fn start() -> Recorder {
        let upstream = mock();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Shared {
            upstream,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
                .into(),
            log: Arc::new(Mutex::new(Vec::new())),
            prefer: Arc::new(Mutex::new(Vec::new())),
            instead: Arc::new(Mutex::new(Vec::new())),
        };
        let recorder = Recorder {
            url,
            log: Arc::clone(&shared.log),
            prefer: Arc::clone(&shared.prefer),
            instead: Arc::clone(&shared.instead),
        };
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                forward(&shared, stream);
            }
        });
        recorder
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url, TOKEN)
    }

    /// From now on, asks Prism for the documented response `code` to every
    /// `method` request.
    pub fn prefer(&self, method: &str, code: u16) {
        let mut prefer = self.prefer.lock().unwrap();
        prefer.retain(|(m, _)| m != method);
        prefer.push((method.to_owned(), code));
    }

    /// From now on, answers `method` requests that Prism accepted (2xx)
    /// with `body` instead of its example: the test gives one that GitHub's
    /// description allows too (the proxy does not check it).
    pub fn answer_instead(&self, method: &str, body: &str) {
        let mut instead = self.instead.lock().unwrap();
        instead.retain(|(m, _)| m != method);
        instead.push((method.to_owned(), body.to_owned()));
    }

    /// From now on, lets Prism answer `method` requests with its first
    /// documented response again.
    pub fn prefer_first(&self, method: &str) {
        self.prefer.lock().unwrap().retain(|(m, _)| m != method);
        self.instead.lock().unwrap().retain(|(m, _)| m != method);
    }

    /// Every exchange so far, after checking that Prism accepted each
    /// request and that each carried what GitHub asks for.
    pub fn checked(&self) -> Vec<Exchange> {
        let log = self.log.lock().unwrap().clone();
        assert!(!log.is_empty(), "no request reached the mock");
        for e in &log {
            if let Some(why) = e.rejection() {
                panic!(
                    "the mock (GitHub's description) rejected {} {} {} (Prefer: code={:?}): \
                     HTTP {}: {why}",
                    e.method, e.path, e.body, e.prefer, e.status
                );
            }
            let bearer = format!("Bearer {TOKEN}");
            assert_eq!(e.header("authorization"), Some(bearer.as_str()), "{e:?}");
            assert_eq!(
                e.header("x-github-api-version"),
                Some("2022-11-28"),
                "{e:?}"
            );
            assert!(
                e.header("accept")
                    .is_some_and(|a| a.starts_with("application/vnd.github+json")),
                "{e:?}"
            );
            assert!(
                e.header("user-agent")
                    .is_some_and(|a| a.starts_with("modpod")),
                "{e:?}"
            );
        }
        log
    }

    /// The method, path and status of every exchange so far, checked.
    pub fn calls(&self) -> Vec<(String, String, u16)> {
        self.checked()
            .into_iter()
            .map(|e| (e.method, e.path, e.status))
            .collect()
    }
}

/// Reads one HTTP/1.1 request from `stream`, sends it on to Prism, records
/// the exchange, writes the answer back and closes the connection.
fn forward(shared: &Shared, stream: TcpStream) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    assert!(
        !headers.iter().any(|(n, _)| n == "transfer-encoding"),
        "the recorder handles Content-Length bodies only: {headers:?}"
    );
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;

    let url = format!("{}{path}", shared.upstream);
    let skip = ["host", "content-length", "connection", "accept-encoding"];
    let mut builder = ureq::http::Request::builder()
        .method(method.as_str())
        .uri(&url);
    for (name, value) in headers.iter().filter(|(n, _)| !skip.contains(&n.as_str())) {
        builder = builder.header(name, value);
    }
    let prefer = shared
        .prefer
        .lock()
        .unwrap()
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, code)| *code);
    if let Some(code) = prefer {
        builder = builder.header("Prefer", format!("code={code}"));
    }
    let agent = &shared.agent;
    let request = builder.body(body.clone()).ok()?;
    let mut response = match method.as_str() {
        // ureq sends no body with these unless forced; the client sends none.
        "GET" | "DELETE" | "HEAD" => {
            agent.run(ureq::http::Request::from_parts(request.into_parts().0, ()))
        }
        _ => agent.run(request),
    }
    .ok()?;
    let status = response.status().as_u16();
    let violations = response
        .headers()
        .get("sl-violations")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\n",
        response.status().canonical_reason().unwrap_or("")
    );
    for (name, value) in response.headers() {
        let name = name.as_str();
        if ["content-length", "transfer-encoding", "connection"].contains(&name) {
            continue;
        }
        out.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or("")));
    }
    let mut answer = response.body_mut().read_to_vec().unwrap_or_default();
    if (200..300).contains(&status)
        && let Some((_, body)) = shared
            .instead
            .lock()
            .unwrap()
            .iter()
            .find(|(m, _)| *m == method)
    {
        answer = body.clone().into_bytes();
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        answer.len()
    ));
    // Recorded before the client has its answer, so that the test sees it.
    shared.log.lock().unwrap().push(Exchange {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        prefer,
        status,
        violations,
        answer: String::from_utf8_lossy(&answer).into_owned(),
    });
    let mut stream = stream;
    stream.write_all(out.as_bytes()).ok()?;
    stream.write_all(&answer).ok()?;
    stream.flush().ok()
}

pub fn call(method: &str, path: &str, status: u16) -> (String, String, u16) {
    (method.to_owned(), path.to_owned(), status)
}
