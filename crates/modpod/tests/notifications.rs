//! `modpod serve --smtp-url`, run as an operator runs it: the real binary
//! sends what the log owes to a real SMTP server (aiosmtpd), survives being
//! killed without losing or repeating a message, and two nodes on one
//! PostgreSQL send each message once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Serve, Server, free_port, installed, ok};
use modpod_testkit::TestDb;
use modpod_testkit::smtp::{Received, SmtpSink};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SUSPEND: &str = r#"{"command":"take_action","subject":{"person":"bob"},"measure":{"type":"temporary_suspension"},"fora":["tls@ietf.org"],"ends_at":"2099-03-22T10:00:00Z","reason":"sealioning after two warnings"}"#;

/// Who is told of bob's suspension from the TLS list by its chair.
const TOLD: [&str; 10] = [
    "alice.chair@work.example", // the list's administrators (NOTIFY-1)
    "alice@example.org",
    "bob@example.org",  // bob (NOTIFY-1)
    "maya@mod.example", // the moderator team (NOTIFY-1)
    "oscar@mod.example",
    "priya@mod.example",
    "quinn@mod.example",
    "rosa@mod.example",
    "sean@example.net",
    "tls@ietf.org", // the list itself: longer than 14 days (NOTIFY-3)
];

/// A log with the operator and the example installation.
fn example_log(db: &TestDb) {
    installed(&db.url);
}

fn suspend_bob(db: &TestDb) {
    ok(
        &db.url,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            SUSPEND,
        ],
    );
}

/// Starts `modpod serve` on `port`, sending mail through `sink`; returns
/// once it listens.
fn serve(db: &TestDb, sink: &SmtpSink, port: u16) -> Server {
    let listen = format!("127.0.0.1:{port}");
    let server = Serve::new(&db.url, &["--listen", &listen, "--smtp-url", &sink.url()])
        .env(
            "MODPOD_MAIL_FROM",
            "IETF moderators <moderators@ietf.example>",
        )
        .start();
    assert!(
        server.printed.contains("notifications are sent by email"),
        "{}",
        server.printed
    );
    server
}

/// The messages by envelope recipient.
fn by_recipient(mails: &[Received]) -> BTreeMap<&str, usize> {
    let mut out = BTreeMap::new();
    for m in mails {
        *out.entry(m.to.as_str()).or_insert(0) += 1;
    }
    out
}

/// Every expected message arrives, and no second copy follows.
fn each_arrives_once(sink: &SmtpSink) {
    sink.wait_for(TOLD.len(), Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(3));
    let mails = sink.messages();
    let expected: BTreeMap<&str, usize> = TOLD.iter().map(|to| (*to, 1)).collect();
    assert_eq!(by_recipient(&mails), expected);
}

fn count(db: &TestDb, sql: &str) -> i64 {
    db.query_i64(sql)
}

#[test]
fn notify_6_nothing_is_lost_or_sent_twice_when_the_server_is_killed() {
    let db = TestDb::sqlite();
    example_log(&db);
    let mut sink = SmtpSink::down();
    // Restarted on the same address, the node is the same node, and takes
    // its lease back at once.
    let port = free_port();
    let mut server = serve(&db, &sink, port);
    suspend_bob(&db);

    // The SMTP server is down: wait for the first failed attempt, then kill.
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(&db, "SELECT count(*) FROM delivery_attempts") == 0 {
        assert!(Instant::now() < deadline, "no attempt was recorded");
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill(); // SIGKILL
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM deliveries WHERE status = 'pending'"
        ),
        TOLD.len() as i64
    );
    assert!(sink.messages().is_empty());

    sink.up();
    let _server = serve(&db, &sink, port);
    each_arrives_once(&sink);
    assert_eq!(
        count(&db, "SELECT count(*) FROM deliveries WHERE status = 'sent'"),
        TOLD.len() as i64
    );
}

#[test]
fn two_nodes_on_postgres_send_each_notification_once() {
    let db = TestDb::postgres();
    example_log(&db);
    let sink = SmtpSink::start();
    let _a = serve(&db, &sink, free_port());
    let _b = serve(&db, &sink, free_port());
    suspend_bob(&db);
    each_arrives_once(&sink);
    // One node held the lease and sent them all.
    assert_eq!(
        count(&db, "SELECT count(DISTINCT node) FROM delivery_attempts"),
        1
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM delivery_attempts"),
        TOLD.len() as i64
    );
}

#[test]
fn bad_mail_settings_stop_serve_before_anything_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("log.db").display());
    let serve = |extra: &[&str]| {
        let args = [
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--smtp-url",
                "smtp://127.0.0.1:25",
            ][..],
            extra,
        ]
        .concat();
        let out = common::run(&db, &args);
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(serve(&[]).contains("--smtp-url needs --mail-from"));
    let from = ["--mail-from", "moderators@ietf.example"];
    let said = serve(&[&from[..], &["--mail-address", "everyone=all@ietf.example"]].concat());
    assert!(said.contains("\"everyone\" is not a group"), "{said}");
    let said = serve(&[&from[..], &["--mail-templates", "/no/such/dir"]].concat());
    assert!(
        said.contains("cannot read the mail templates in /no/such/dir"),
        "{said}"
    );
    assert!(!dir.path().join("log.db").exists());
}
