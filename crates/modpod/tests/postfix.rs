//! The whole mail path: a post sent over SMTP to a real Postfix 3.7, whose
//! `smtpd_recipient_restrictions` ask `modpod serve --policy-listen` at RCPT,
//! and which relays what it accepts over LMTP to the real GNU Mailman 3 list
//! behind it; what reaches the list's members is read from the SMTP sink
//! behind Mailman.
//!
//! `scripts/test` starts that Postfix (`start_postfix` in
//! `scripts/lib/services.sh`) with its policy service at the fixed port
//! `MODPOD_TEST_POSTFIX_POLICY_PORT`, which each test's `modpod serve` binds:
//! the tests of this file therefore run one at a time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Serve, Server, installed, ok};
use modpod_testkit::TestDb;
use modpod_testkit::mailman::{Mailman, Outcome, TestList};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

const CHAIR: [&str; 5] = ["run", "--as", "tls-chair-1", "--capacity", "administrator"];
const OPERATOR: [&str; 5] = ["run", "--as", "admin", "--capacity", "operator"];

/// The Postfix that `scripts/test` started.
struct Postfix {
    /// `host:port` of its SMTP server whose policy service, when it does not
    /// answer, leaves Postfix's default action (`451 4.3.5`: try later).
    smtp: String,
    /// `host:port` of its SMTP server whose policy service, when it does not
    /// answer, lets the post through (`smtpd_policy_service_default_action =
    /// DUNNO`).
    smtp_fail_open: String,
    /// Where Postfix asks for the policy: where `modpod serve` must listen.
    policy: String,
    /// Its configuration directory, for `postqueue -c` and `postsuper -c`.
    config: String,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set, so the tests through a real Postfix cannot run.\n\
             Run the whole suite with scripts/test, which installs Postfix (with apt) and \
             starts a private one in front of Mailman; or, to run only these tests:\n  \
             source scripts/lib/services.sh && start_mailman && start_postfix && \
             cargo test -p modpod --test postfix; stop_services"
        )
    })
}

impl Postfix {
    fn from_env() -> Postfix {
        Postfix {
            smtp: var("MODPOD_TEST_POSTFIX_SMTP"),
            smtp_fail_open: var("MODPOD_TEST_POSTFIX_SMTP_OPEN"),
            policy: format!("127.0.0.1:{}", var("MODPOD_TEST_POSTFIX_POLICY_PORT")),
            config: var("MODPOD_TEST_POSTFIX_CONFIG"),
        }
    }

    /// The queue, as `postqueue -j` lists it: (queue name, queue id) of each
    /// message.
    fn queue(&self) -> Vec<(String, String)> {
        let out = Command::new("/usr/sbin/postqueue")
            .args(["-c", &self.config, "-j"])
            .output()
            .expect("cannot run postqueue");
        assert!(
            out.status.success(),
            "postqueue -j: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| {
                let message: serde_json::Value = serde_json::from_str(line).unwrap();
                let field = |name: &str| message[name].as_str().unwrap_or_default().to_owned();
                (field("queue_name"), field("queue_id"))
            })
            .collect()
    }

    /// The queue Postfix keeps the message `queue_id` in, if it still has it.
    fn queue_of(&self, queue_id: &str) -> Option<String> {
        self.queue()
            .into_iter()
            .find(|(_, id)| id == queue_id)
            .map(|(queue, _)| queue)
    }

    /// Releases a held message (`postsuper -H`), as a moderator approving
    /// it, and has it delivered now (`postqueue -i`) rather than at the next
    /// run of the deferred queue, where a released message goes.
    fn release(&self, queue_id: &str) {
        for (command, flag) in [("postsuper", "-H"), ("postqueue", "-i")] {
            let out = Command::new(format!("/usr/sbin/{command}"))
                .args(["-c", &self.config, flag, queue_id])
                .output()
                .unwrap_or_else(|e| panic!("cannot run {command}: {e}"));
            assert!(
                out.status.success(),
                "{command} {flag} {queue_id}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The policy port is one for the whole file: one test at a time.
fn serially() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One test's world: its own log (SQLite) with the example installation and
/// a list of its own on the real Mailman, administered by the tls chairs, with
/// bob and carol subscribed (so each accepted post reaches the SMTP sink).
struct World {
    postfix: Postfix,
    mailman: Mailman,
    db: TestDb,
    list: TestList,
    // Dropped last: the next test binds the policy port only after this
    // test's `modpod serve` is gone.
    _serial: MutexGuard<'static, ()>,
}

fn world() -> World {
    let serial = serially();
    let (postfix, mailman, db) = (Postfix::from_env(), Mailman::from_env(), TestDb::sqlite());
    let list = mailman.new_list();
    list.subscribe("bob@example.org");
    list.subscribe("carol@example.org");
    installed(&db.url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.toml");
    std::fs::write(
        &file,
        format!(
            "[[fora]]\nid = \"{}\"\nname = \"A TLS list\"\nkind = \"mailing-list\"\n\
             organisation = \"ietf\"\npublic = true\nwg = \"tls\"\n",
            list.address
        ),
    )
    .unwrap();
    ok(&db.url, &["setup", file.to_str().unwrap()]);
    World {
        postfix,
        mailman,
        db,
        list,
        _serial: serial,
    }
}

impl World {
    /// `modpod serve` answering Postfix's policy requests on the port its
    /// configuration names, with `args` besides.
    fn serve(&self, args: &[&str]) -> Server {
        self.serve_with(args, |serve| serve)
    }

    fn serve_with(&self, args: &[&str], more: impl FnOnce(Serve) -> Serve) -> Server {
        let listen = [
            "--listen",
            "127.0.0.1:0",
            "--policy-listen",
            &self.postfix.policy,
        ];
        let server = more(Serve::new(&self.db.url, &[&listen[..], args].concat())).start();
        assert!(
            server.printed.contains(&format!(
                "policy server listening on {}",
                self.postfix.policy
            )),
            "{}",
            server.printed
        );
        server
    }

    /// Records a command of the tls chair's on the log.
    fn chair(&self, command: &str) {
        ok(&self.db.url, &[&CHAIR[..], &[command]].concat());
    }

    /// The tls chair takes an action on bob on the test's list.
    fn act_on_bob(&self, measure: &str, ends_at: Option<&str>) {
        let ends = ends_at.map_or(String::new(), |t| format!(r#","ends_at":"{t}""#));
        self.chair(&format!(
            r#"{{"command":"take_action","subject":{{"person":"bob"}},"measure":{measure},"fora":["{}"]{ends},"reason":"sealioning after two warnings"}}"#,
            self.list.address
        ));
    }

    /// Posts to the list from `from` through Postfix's SMTP server at `smtp`.
    fn post_via(&self, smtp: &str, from: &str) -> Sent {
        post(smtp, from, &self.list.address)
    }

    fn post(&self, from: &str) -> Sent {
        self.post_via(&self.postfix.smtp, from)
    }

    /// Posts from `from` until RCPT gets a reply starting with `code`, for at
    /// most `within`; returns that post and how long it took.
    fn post_until(&self, from: &str, code: &str, within: Duration) -> (Sent, Duration) {
        let start = Instant::now();
        loop {
            let sent = self.post(from);
            if sent.rcpt.starts_with(code) {
                return (sent, start.elapsed());
            }
            assert!(
                start.elapsed() < within,
                "RCPT from {from} still answered {:?} after {within:?}",
                sent.rcpt
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Asserts that Postfix took the post and Mailman sent it to the list's
    /// members (it reached the SMTP sink).
    fn assert_delivered(&self, sent: &Sent) {
        assert!(sent.rcpt.starts_with("250"), "RCPT: {}", sent.rcpt);
        assert!(sent.queue_id.is_some(), "DATA: {}", sent.data);
        assert_eq!(
            self.list.outcome(&sent.message_id),
            Outcome::Accepted,
            "{} from {}",
            sent.message_id,
            sent.from
        );
    }

    /// Asserts that Postfix refused the post at RCPT with `code` and took no
    /// message: DATA finds no valid recipient, and Mailman never saw it.
    fn assert_refused(&self, sent: &Sent, code: &str) {
        assert!(
            sent.rcpt.starts_with(code),
            "RCPT from {}: expected {code}, got {}",
            sent.from,
            sent.rcpt
        );
        assert!(sent.queue_id.is_none(), "queued: {}", sent.data);
        assert!(
            sent.data.starts_with("554 5.5.1"),
            "DATA after a refused RCPT: {}",
            sent.data
        );
        assert_eq!(self.list.verdict_in_log(&sent.message_id), None);
        assert!(!self.list.delivered(&sent.message_id));
    }

    /// Asserts that the refused posts never reached the list: a clean post
    /// sent after them is delivered, and by then none of them is in the sink
    /// or Mailman's log.
    fn assert_none_reached_the_list(&self, refused: &[&Sent]) {
        self.assert_delivered(&self.post("carol@example.org"));
        for sent in refused {
            assert_eq!(self.list.verdict_in_log(&sent.message_id), None);
            assert!(
                !self.list.delivered(&sent.message_id),
                "{}",
                sent.message_id
            );
        }
    }

    /// Waits until Postfix keeps the message in its hold queue.
    fn assert_held_by_postfix(&self, queue_id: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.postfix.queue_of(queue_id) {
                Some(queue) if queue == "hold" => return,
                other => assert!(
                    Instant::now() < deadline,
                    "{queue_id} is not in Postfix's hold queue: {other:?}"
                ),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// What became of one SMTP transaction.
struct Sent {
    from: String,
    /// Postfix's whole reply to RCPT TO (the list's address).
    rcpt: String,
    /// Its reply to DATA: the end of the message when RCPT was accepted, the
    /// command itself otherwise.
    data: String,
    /// The queue id Postfix gave the message, when it took it.
    queue_id: Option<String>,
    message_id: String,
}

/// One SMTP transaction from `from` to `to`, carried on to DATA whatever RCPT
/// answered.
fn post(smtp: &str, from: &str, to: &str) -> Sent {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let message_id = format!("<postfix{}x{n}x{nanos}@modpod.test>", std::process::id());
    let mut session = Smtp::connect(smtp);
    assert!(
        session
            .command("EHLO client.modpod.test")
            .starts_with("250"),
        "EHLO"
    );
    let mail = session.command(&format!("MAIL FROM:<{from}>"));
    assert!(mail.starts_with("250"), "MAIL FROM:<{from}>: {mail}");
    let rcpt = session.command(&format!("RCPT TO:<{to}>"));
    let mut data = session.command("DATA");
    let mut queue_id = None;
    if data.starts_with("354") {
        data = session.command(&format!(
            "From: {from}\r\nTo: {to}\r\nSubject: a post from {from}\r\n\
             Message-ID: {message_id}\r\n\r\nHello.\r\n."
        ));
        queue_id = data
            .strip_prefix("250 2.0.0 Ok: queued as ")
            .map(|id| id.trim().to_owned());
    }
    session.command("QUIT");
    Sent {
        from: from.to_owned(),
        rcpt,
        data,
        queue_id,
        message_id,
    }
}

/// A minimal SMTP client that shows each reply as it is.
struct Smtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Smtp {
    fn connect(addr: &str) -> Smtp {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("SMTP {addr}: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut smtp = Smtp {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        let greeting = smtp.reply();
        assert!(greeting.starts_with("220"), "greeting: {greeting}");
        smtp
    }

    fn command(&mut self, line: &str) -> String {
        write!(self.writer, "{line}\r\n").unwrap();
        self.reply()
    }

    /// A reply, its lines joined by newlines.
    fn reply(&mut self) -> String {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).unwrap();
            assert!(
                n > 0,
                "the SMTP server closed the connection after {reply:?}"
            );
            reply.push_str(line.trim_end());
            if line.as_bytes().get(3) != Some(&b'-') {
                return reply;
            }
            reply.push('\n');
        }
    }
}

/// `ends_at` for an action: `seconds` from now, to the second.
fn in_seconds(seconds: i64) -> (String, Instant) {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(seconds);
    let at = at.round(jiff::Unit::Second).unwrap();
    let wait = at.duration_since(jiff::Timestamp::now());
    let instant = Instant::now() + Duration::try_from(wait).unwrap_or_default();
    (at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(), instant)
}

#[test]
fn a_suspended_sender_is_refused_at_rcpt_by_every_address_and_nothing_reaches_the_list() {
    let w = world();
    let _modpod = w.serve(&[]);
    // Before any action, bob's post goes through to the members.
    w.assert_delivered(&w.post("bob@example.org"));

    w.act_on_bob(r#"{"type":"indefinite_suspension"}"#, None);
    let (suspended, took) = w.post_until("bob@example.org", "554", Duration::from_secs(5));
    println!("suspension enforced by Postfix after {took:?}");
    w.assert_refused(&suspended, "554 5.7.1");
    assert!(
        suspended.rcpt.contains("suspended") && suspended.rcpt.contains("indefinitely"),
        "{}",
        suspended.rcpt
    );
    // bob's other address of the installation (in any case), and one linked
    // only now, after the suspension: refused too.
    let other = w.post("BOB+lists@example.ORG");
    w.assert_refused(&other, "554 5.7.1");
    ok(
        &w.db.url,
        &[
            &OPERATOR[..],
            &[r#"{"command":"link_identity","person":"bob","identity":{"kind":"email","value":"robert@elsewhere.example"}}"#],
        ]
        .concat(),
    );
    let (linked, _) = w.post_until("robert@elsewhere.example", "554", Duration::from_secs(5));
    w.assert_refused(&linked, "554 5.7.1");
    // A clean sender's post is delivered to the members; none of bob's is.
    w.assert_none_reached_the_list(&[&suspended, &other, &linked]);
}

#[test]
fn a_post_under_review_and_approval_waits_in_postfix_s_hold_queue_until_released() {
    let w = world();
    let _modpod = w.serve(&[]);
    w.act_on_bob(r#"{"type":"review_and_approval"}"#, None);
    let (held, _) = w.post_until("bob@example.org", "250", Duration::from_secs(5));
    let queue_id = held.queue_id.clone().expect("Postfix took the held post");
    w.assert_held_by_postfix(&queue_id);
    // It waits: a clean post sent after it is delivered, the held one is not
    // even at Mailman.
    w.assert_delivered(&w.post("carol@example.org"));
    assert_eq!(w.postfix.queue_of(&queue_id).as_deref(), Some("hold"));
    assert_eq!(w.list.verdict_in_log(&held.message_id), None);
    assert!(!w.list.delivered(&held.message_id));
    // Approved (released from the hold queue), it reaches the members.
    w.postfix.release(&queue_id);
    assert_eq!(w.list.outcome(&held.message_id), Outcome::Accepted);
}

#[test]
fn with_policy_mailman_holds_a_post_under_review_waits_in_mailman_s_held_queue() {
    let w = world();
    let mailman = w.mailman.clone();
    let _modpod = w.serve_with(&["--policy-mailman-holds"], |serve| {
        serve
            .env("MODPOD_MAILMAN_URL", &mailman.url)
            .env("MODPOD_MAILMAN_USER", &mailman.user)
            .env("MODPOD_MAILMAN_PASSWORD", &mailman.password)
    });
    w.act_on_bob(r#"{"type":"review_and_approval"}"#, None);
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.list.moderation("bob@example.org") != Some(Some("hold".to_owned())) {
        assert!(Instant::now() < deadline, "serve did not set bob's hold");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Postfix passes it on (modpod answers DUNNO), and Mailman holds it.
    let held = w.post("bob@example.org");
    assert!(held.rcpt.starts_with("250"), "{}", held.rcpt);
    let queue_id = held.queue_id.clone().expect("Postfix took the post");
    assert_eq!(w.list.outcome(&held.message_id), Outcome::Held);
    assert_ne!(w.postfix.queue_of(&queue_id).as_deref(), Some("hold"));
    assert!(w.list.held().contains(&held.message_id));
    w.assert_delivered(&w.post("carol@example.org"));
}

#[test]
fn a_rate_limited_sender_gets_450_after_the_allowance() {
    let w = world();
    // Recorded before modpod starts, so that its index has it from the first
    // post on (a post before it would be neither limited nor counted).
    w.act_on_bob(
        r#"{"type":"rate_limit","posts":2,"per_seconds":3600}"#,
        None,
    );
    let _modpod = w.serve(&[]);
    let first = w.post("bob@example.org");
    let second = w.post("bob+lists@example.org");
    let third = w.post("bob@example.org");
    w.assert_refused(&third, "450 4.7.1");
    assert!(
        third.rcpt.contains(&format!(
            "Rate limit of 2 posts per 3600 seconds to {}",
            w.list.address
        )),
        "{}",
        third.rcpt
    );
    w.assert_delivered(&first);
    w.assert_delivered(&second);
    // Others are not limited.
    w.assert_delivered(&w.post("carol@example.org"));
    assert_eq!(w.list.verdict_in_log(&third.message_id), None);
}

#[test]
fn after_a_rescission_the_senders_next_post_is_delivered_within_two_seconds() {
    let w = world();
    let _modpod = w.serve(&[]);
    w.act_on_bob(r#"{"type":"indefinite_suspension"}"#, None);
    let (refused, _) = w.post_until("bob@example.org", "554", Duration::from_secs(5));
    w.assert_refused(&refused, "554 5.7.1");
    w.chair(r#"{"command":"rescind_action","action": 1,"reason":"on reflection, one warning was not given"}"#);
    let (sent, took) = w.post_until("bob@example.org", "250", Duration::from_secs(2));
    println!("rescission enforced by Postfix after {took:?}");
    w.assert_delivered(&sent);
}

#[test]
fn when_a_temporary_suspension_ends_the_senders_next_post_is_delivered() {
    let w = world();
    let _modpod = w.serve(&[]);
    let (ends_at, ends) = in_seconds(4);
    w.act_on_bob(r#"{"type":"temporary_suspension"}"#, Some(&ends_at));
    let refused = w.post("bob@example.org");
    w.assert_refused(&refused, "554 5.7.1");
    assert!(
        refused.rcpt.contains(&format!("until {ends_at}")),
        "{}",
        refused.rcpt
    );
    assert!(
        Instant::now() < ends,
        "the test was too slow to see the suspension"
    );
    std::thread::sleep(ends.saturating_duration_since(Instant::now()));
    // No event marks the end: the index allows from `ends_at` on.
    let (sent, took) = w.post_until("bob@example.org", "250", Duration::from_secs(2));
    println!("delivered {took:?} after the suspension ended");
    w.assert_delivered(&sent);
}

#[test]
fn with_modpod_stopped_postfix_s_default_action_decides_and_modpod_decides_again_once_started() {
    let w = world();
    w.act_on_bob(r#"{"type":"indefinite_suspension"}"#, None);
    assert!(
        TcpStream::connect(&w.postfix.policy).is_err(),
        "something listens on the policy port"
    );
    // Postfix's default (smtpd_policy_service_default_action = 451 4.3.5):
    // everyone is told to try later, and nothing is taken.
    let closed = w.post("carol@example.org");
    w.assert_refused(&closed, "451 4.3.5");
    // Configured DUNNO (fail-open): everyone's post goes through, the
    // suspended sender's too.
    w.assert_delivered(&w.post_via(&w.postfix.smtp_fail_open, "carol@example.org"));
    w.assert_delivered(&w.post_via(&w.postfix.smtp_fail_open, "bob@example.org"));

    // Once modpod answers, it decides on both, whatever the default action.
    let _modpod = w.serve(&[]);
    let (refused, _) = w.post_until("bob@example.org", "554", Duration::from_secs(5));
    w.assert_refused(&refused, "554 5.7.1");
    w.assert_refused(
        &w.post_via(&w.postfix.smtp_fail_open, "bob@example.org"),
        "554 5.7.1",
    );
    w.assert_delivered(&w.post("carol@example.org"));
}

#[test]
fn circumvent_1_a_post_let_through_from_a_person_suspended_elsewhere_alerts_the_team_once() {
    let w = world();
    let _modpod = w.serve(&[]);
    // bob is suspended on tls@ietf.org, not on the test's list.
    w.chair(
        r#"{"command":"take_action","subject":{"person":"bob"},"measure":{"type":"indefinite_suspension"},"fora":["tls@ietf.org"],"reason":"threats on the tls list"}"#,
    );
    // His posts to the test's list go through, as the policy says they
    // must; the first is passed on to the team as an alert, and only once.
    let first = w.post("bob@example.org");
    w.assert_delivered(&first);
    let alerts = || {
        ok(&w.db.url, &["export"])
            .lines()
            .filter(|l| l.contains(r#""kind":"circumvention_alert_raised""#))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while alerts().is_empty() {
        assert!(Instant::now() < deadline, "no alert recorded");
        std::thread::sleep(Duration::from_millis(100));
    }
    w.assert_delivered(&w.post("bob@example.org"));
    std::thread::sleep(Duration::from_millis(500));
    let recorded = alerts();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    let alert = &recorded[0];
    assert!(
        alert.contains(r#""kind":"posted_elsewhere""#)
            && alert.contains(r#""person":"bob""#)
            && alert.contains(&format!(r#""forum":"{}""#, w.list.address)),
        "{alert}"
    );
}
