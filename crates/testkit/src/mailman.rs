//! A real GNU Mailman 3 for tests, started by `scripts/test` (see
//! `start_mailman` in `scripts/lib/services.sh`) and named by the
//! `MODPOD_TEST_MAILMAN_*` variables. Each test makes its own domain and list
//! with unique names, so tests run in parallel on one Mailman.
//!
//! Posts go in over LMTP, as Postfix delivers them. What Mailman did with a
//! post is read from its log (`ACCEPT:`, `HOLD:` or `DISCARD:` with the
//! Message-ID), and checked where it shows: an accepted post reaches the
//! SMTP sink (a Maildir of everything Mailman sent), a held one is in the
//! list's held queue, a discarded one in neither.

use base64::Engine as _;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long to wait for Mailman to process a post.
const PATIENCE: Duration = Duration::from_secs(60);

/// The Mailman that `scripts/test` started.
#[derive(Clone, Debug)]
pub struct Mailman {
    pub url: String,
    pub user: String,
    pub password: String,
    /// `host:port` of its LMTP server.
    pub lmtp: String,
    /// The Maildir where the SMTP sink keeps what Mailman sent.
    pub sink: PathBuf,
    /// Mailman's main log, where the outcome of each post is written.
    pub log: PathBuf,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set, so the tests against a real GNU Mailman 3 cannot run.\n\
             Run the whole suite with scripts/test, which installs Mailman (once, with pip) \
             and starts a throwaway one; or, to run only these tests:\n  \
             source scripts/lib/services.sh && start_mailman && cargo test -p modpod-mailman; stop_services"
        )
    })
}

/// What Mailman did with a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Sent to the list's members.
    Accepted,
    /// Waiting in the held queue for a moderator.
    Held,
    /// Dropped silently (a banned sender's post).
    Discarded,
}

impl Mailman {
    /// The Mailman `scripts/test` started; fails, saying how to start one,
    /// when there is none.
    pub fn from_env() -> Mailman {
        Mailman {
            url: var("MODPOD_TEST_MAILMAN_URL"),
            user: var("MODPOD_TEST_MAILMAN_USER"),
            password: var("MODPOD_TEST_MAILMAN_PASSWORD"),
            lmtp: var("MODPOD_TEST_MAILMAN_LMTP"),
            sink: PathBuf::from(var("MODPOD_TEST_MAILMAN_SINK")),
            log: PathBuf::from(var("MODPOD_TEST_MAILMAN_LOG")),
        }
    }

    /// A new list, `wg@` a domain of its own, whose nonmembers' posts are
    /// accepted (so that a hold on a nonmember shows).
    pub fn new_list(&self) -> TestList {
        let domain = format!("{}.example", unique("t"));
        self.call("POST", "domains", &[("mail_host", &domain)], &[201]);
        let address = format!("wg@{domain}");
        self.call("POST", "lists", &[("fqdn_listname", &address)], &[201]);
        let list = TestList {
            id: format!("wg.{domain}"),
            address,
            mailman: self.clone(),
        };
        list.mailman.call(
            "PATCH",
            &format!("lists/{}/config", list.id),
            &[("default_nonmember_action", "accept")],
            &[204],
        );
        list
    }

    /// One REST call (form-encoded); returns the status and the JSON body.
    /// Fails the test unless the status is one of `expect`.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
        expect: &[u16],
    ) -> (u16, Value) {
        let url = format!("{}/3.1/{path}", self.url);
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.user, self.password));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let auth = format!("Basic {auth}");
        // Mailman answers 500 when a request fails inside it, and aborts
        // the request's transaction: nothing changed. On the test command's
        // Mailman (SQLite, shared by its REST server and its runners) that
        // was seen once in a loaded run, on a subscription; such a call is
        // tried again, a few times, with the end of Mailman's log shown.
        let mut attempt = 1;
        loop {
            let response = match method {
                "GET" => agent.get(&url).header("Authorization", &auth).call(),
                "DELETE" => agent.delete(&url).header("Authorization", &auth).call(),
                "POST" => agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .send_form(form.iter().copied()),
                "PATCH" => agent
                    .patch(&url)
                    .header("Authorization", &auth)
                    .send_form(form.iter().copied()),
                other => panic!("no such method {other}"),
            };
            let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
            let status = response.status().as_u16();
            let body = response.body_mut().read_to_string().unwrap_or_default();
            if status == 500 && !expect.contains(&status) && attempt < 4 {
                eprintln!(
                    "{method} {url}: HTTP 500 ({body}), trying again; the end of Mailman's log:\n{}",
                    self.log_tail(20)
                );
                std::thread::sleep(Duration::from_millis(250 * attempt));
                attempt += 1;
                continue;
            }
            assert!(
                expect.contains(&status),
                "{method} {url} {form:?}: HTTP {status}: {body}"
            );
            return (status, serde_json::from_str(&body).unwrap_or(Value::Null));
        }
    }

    /// The last `lines` lines of Mailman's log.
    fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// A list made for one test.
pub struct TestList {
    /// The posting address, which is the forum id in modpod.
    pub address: String,
    /// Mailman's list id.
    pub id: String,
    pub mailman: Mailman,
}

impl TestList {
    /// Subscribes `email` as a member, without any confirmation or welcome.
    pub fn subscribe(&self, email: &str) {
        let form = [
            ("list_id", self.id.as_str()),
            ("subscriber", email),
            ("pre_verified", "true"),
            ("pre_confirmed", "true"),
            ("pre_approved", "true"),
            ("send_welcome_message", "false"),
        ];
        // Addresses are global in Mailman: two tests subscribing the same new
        // address at once race to create it, and the loser gets a 400.
        for _ in 0..10 {
            if self.mailman.call("POST", "members", &form, &[201, 400]).0 == 201 {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("cannot subscribe {email} to {}", self.id);
    }

    /// Whether `email` is banned from the list.
    pub fn banned(&self, email: &str) -> bool {
        let path = format!("lists/{}/bans/{email}", self.id);
        self.mailman.call("GET", &path, &[], &[200, 404]).0 == 200
    }

    /// The moderation action of `email`'s member or nonmember record:
    /// `None` when it has no record, `Some(None)` for the list's default.
    pub fn moderation(&self, email: &str) -> Option<Option<String>> {
        ["member", "nonmember"].iter().find_map(|role| {
            let path = format!("lists/{}/{role}/{email}", self.id);
            let (status, body) = self.mailman.call("GET", &path, &[], &[200, 404]);
            (status == 200).then(|| body["moderation_action"].as_str().map(str::to_owned))
        })
    }

    /// An administrator lifts a ban by hand.
    pub fn unban_by_hand(&self, email: &str) {
        let path = format!("lists/{}/bans/{email}", self.id);
        self.mailman.call("DELETE", &path, &[], &[204]);
    }

    /// An administrator bans an address by hand.
    pub fn ban_by_hand(&self, email: &str) {
        let path = format!("lists/{}/bans", self.id);
        self.mailman
            .call("POST", &path, &[("email", email)], &[201]);
    }

    /// An administrator sets a member's moderation action by hand (`""`:
    /// back to the list's default).
    pub fn moderate_by_hand(&self, email: &str, action: &str) {
        let path = format!("lists/{}/member/{email}", self.id);
        let (_, member) = self.mailman.call("GET", &path, &[], &[200]);
        let id = member["member_id"].as_str().unwrap_or_default();
        let path = format!("members/{id}");
        let form = [("moderation_action", action)];
        self.mailman.call("PATCH", &path, &form, &[204]);
    }

    /// Posts a message from `from` over LMTP; returns its Message-ID.
    pub fn post(&self, from: &str) -> String {
        let message_id = format!("<{}@modpod.test>", unique("post"));
        let mut lmtp = Lmtp::connect(&self.mailman.lmtp);
        lmtp.command("LHLO modpod.test", 250);
        lmtp.command(&format!("MAIL FROM:<{from}>"), 250);
        lmtp.command(&format!("RCPT TO:<{}>", self.address), 250);
        lmtp.command("DATA", 354);
        let message = format!(
            "From: {from}\r\nTo: {}\r\nSubject: a post from {from}\r\nMessage-ID: {message_id}\r\n\r\nHello.\r\n.",
            self.address
        );
        lmtp.command(&message, 250);
        lmtp.command("QUIT", 221);
        message_id
    }

    /// Posts from `from` and waits to see what Mailman did with it.
    pub fn post_and_see(&self, from: &str) -> Outcome {
        let message_id = self.post(from);
        self.outcome(&message_id)
    }

    /// What Mailman did with the post of that Message-ID: waits for its
    /// verdict in the log, then checks it where it shows.
    pub fn outcome(&self, message_id: &str) -> Outcome {
        let deadline = Instant::now() + PATIENCE;
        let verdict = loop {
            if let Some(v) = self.verdict_in_log(message_id) {
                break v;
            }
            assert!(
                Instant::now() < deadline,
                "Mailman gave no verdict on {message_id} within {PATIENCE:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let held = self.held().contains(&message_id.to_owned());
        match verdict {
            Outcome::Accepted => {
                while !self.delivered(message_id) {
                    assert!(
                        Instant::now() < deadline,
                        "{message_id} was accepted but never reached the SMTP sink"
                    );
                    std::thread::sleep(Duration::from_millis(100));
                }
                assert!(!held, "{message_id} accepted and held");
            }
            Outcome::Held => assert!(held, "{message_id} held but not in the held queue"),
            Outcome::Discarded => {
                assert!(!held, "{message_id} discarded but in the held queue");
                assert!(
                    !self.delivered(message_id),
                    "{message_id} discarded but delivered"
                );
            }
        }
        verdict
    }

    /// The Message-IDs in the list's held queue.
    pub fn held(&self) -> Vec<String> {
        let (_, body) = self
            .mailman
            .call("GET", &format!("lists/{}/held", self.id), &[], &[200]);
        body["entries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["message_id"].as_str().map(str::to_owned))
            .collect()
    }

    /// Mailman's verdict on the post of that Message-ID, if its log has one
    /// yet (`None` also for a post Mailman never received).
    pub fn verdict_in_log(&self, message_id: &str) -> Option<Outcome> {
        let log = std::fs::read_to_string(&self.mailman.log).unwrap_or_default();
        log.lines()
            .filter(|l| l.contains(message_id))
            .find_map(|line| {
                if line.contains("ACCEPT: ") {
                    Some(Outcome::Accepted)
                } else if line.contains("HOLD: ") {
                    Some(Outcome::Held)
                } else if line.contains("DISCARD: ") {
                    Some(Outcome::Discarded)
                } else {
                    None
                }
            })
    }

    /// Whether a message with that Message-ID reached the SMTP sink.
    pub fn delivered(&self, message_id: &str) -> bool {
        let header = format!("Message-ID: {message_id}");
        std::fs::read_dir(self.mailman.sink.join("new"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| {
                std::fs::read_to_string(entry.path())
                    .is_ok_and(|m| m.lines().any(|l| l.eq_ignore_ascii_case(&header)))
            })
    }
}

/// A minimal LMTP client (RFC 2033): enough to deliver one message.
struct Lmtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Lmtp {
    fn connect(addr: &str) -> Lmtp {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("LMTP {addr}: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap_or_default();
        let mut lmtp = Lmtp {
            reader: BufReader::new(stream.try_clone().unwrap_or_else(|e| panic!("{e}"))),
            writer: stream,
        };
        lmtp.reply(220);
        lmtp
    }

    fn command(&mut self, line: &str, expect: u16) {
        write!(self.writer, "{line}\r\n").unwrap_or_else(|e| panic!("LMTP write: {e}"));
        self.reply(expect);
    }

    /// Reads a (possibly multi-line) reply and checks its code.
    fn reply(&mut self, expect: u16) {
        loop {
            let mut line = String::new();
            self.reader
                .read_line(&mut line)
                .unwrap_or_else(|e| panic!("LMTP read: {e}"));
            assert!(
                line.starts_with(&expect.to_string()),
                "LMTP: expected {expect}, got {line:?}"
            );
            if line.as_bytes().get(3) != Some(&b'-') {
                return;
            }
        }
    }
}

/// A name no other test (in this or another process) uses.
fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}{}x{}x{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
