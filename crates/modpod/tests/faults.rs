//! `modpod serve` under faults of what it runs on, as an operator runs it:
//! its PostgreSQL restarted under load, a wall clock that jumps backwards
//! and forwards, a disk that fills up, and one of two nodes on one
//! PostgreSQL killed under load. In each: a clear error while the fault
//! lasts (never a hang or a crash), no acknowledged command lost, the log
//! intact (`modpod verify`), and recovery without an operator wherever the
//! fault goes away by itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::faults::{
    Acknowledged, Api, PgCluster, Reply, check_notifications, count_kind, token, verify,
    wait_until_delivered,
};
use common::{Clock, Serve, Server, installed, ok};
use modpod_testkit::TestDb;
use modpod_testkit::smtp::SmtpSink;
use serde_json::json;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

const FROM: &str = "moderators@ietf.example";
const COMMUNITY: &str = "community=community@ietf.example";

/// carol reports a post of bob's on the TLS list (the `n`th report).
fn report(api: &Api, n: usize) -> Reply {
    api.command(
        "participant",
        &json!({"command": "file_report", "forum": "tls@ietf.org",
            "subject": {"person": "bob"}, "category": "other",
            "description": format!("rude reply number {n}")}),
    )
}

/// `modpod serve` on `db`, sending mail through `sink`.
fn serve(db: &str, sink: &SmtpSink) -> Serve {
    Serve::new(db, &["--listen", "127.0.0.1:0", "--smtp-url", &sink.url()])
        .env("MODPOD_MAIL_FROM", FROM)
        .env("MODPOD_MAIL_ADDRESSES", COMMUNITY)
}

/// A reply as a short line, for failure messages.
fn line(reply: &Reply) -> String {
    match reply {
        Reply::Recorded { events, .. } => format!("201 {events:?}"),
        Reply::Status {
            status,
            code,
            message,
        } => format!("{status} {code}: {message}"),
        Reply::NoAnswer(error) => format!("no answer: {error}"),
    }
}

fn unavailable(reply: &Reply) -> bool {
    matches!(reply, Reply::Status { status: 503, code, .. } if code == "database_unavailable")
}

/// A command of the load: the phase when it was sent and when it was
/// answered, how long that took, and the reply.
type Sent = (u8, u8, Duration, Reply);

/// The phases of the PostgreSQL test: before, while it is down, after.
const UP: u8 = 0;
const DOWN: u8 = 1;
const BACK: u8 = 2;

#[test]
fn postgres_restarted_under_load_answers_503_meanwhile_and_serve_recovers_by_itself() {
    let started = Instant::now();
    let cluster = PgCluster::start();
    let db = TestDb::postgres_on(&cluster.url());
    installed(&db.url);
    let carol = token(&db.url, "carol", "carol");
    let sink = SmtpSink::start();
    let mut server = serve(&db.url, &sink).start();
    let api = Api::new(&server.url, "carol", &carol, Duration::from_secs(10));

    let replies: Mutex<Vec<Sent>> = Mutex::new(Vec::new());
    let acknowledged = Mutex::new(Acknowledged::default());
    let (phase, stop) = (AtomicU8::new(UP), AtomicBool::new(false));
    std::thread::scope(|s| {
        for client in 0..2 {
            let (api, replies, acknowledged, phase, stop) =
                (&api, &replies, &acknowledged, &phase, &stop);
            s.spawn(move || {
                let mut n = client * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    let (sent, at) = (phase.load(Ordering::SeqCst), Instant::now());
                    let reply = report(api, n);
                    let answered = phase.load(Ordering::SeqCst);
                    acknowledged.lock().unwrap().keep(api, &reply);
                    replies
                        .lock()
                        .unwrap()
                        .push((sent, answered, at.elapsed(), reply));
                    n += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
        std::thread::sleep(Duration::from_secs(1));
        phase.store(DOWN, Ordering::SeqCst);
        cluster.stop();
        std::thread::sleep(Duration::from_secs(2));
        cluster.resume();
        phase.store(BACK, Ordering::SeqCst);
        // Load goes on until a few commands were recorded again.
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let recorded_since = replies
                .lock()
                .unwrap()
                .iter()
                .filter(|(sent, _, _, r)| *sent == BACK && matches!(r, Reply::Recorded { .. }))
                .count();
            if recorded_since >= 10 {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, Ordering::Relaxed);
    });

    let replies = replies.into_inner().unwrap();
    let acknowledged = acknowledged.into_inner().unwrap();
    let count = |f: &dyn Fn(&Sent) -> bool| replies.iter().filter(|r| f(r)).count();
    let while_down =
        count(&|(sent, answered, _, r)| *sent == DOWN && *answered == DOWN && unavailable(r));
    let odd: Vec<String> = replies
        .iter()
        .filter(|(_, _, _, r)| !matches!(r, Reply::Recorded { .. }) && !unavailable(r))
        .map(|(_, _, _, r)| line(r))
        .collect();
    let slowest = replies.iter().map(|r| r.2).max().unwrap();
    println!(
        "{} commands: {} acknowledged ({} after PostgreSQL came back), {} answered 503 \
         while it was down, the slowest answer in {slowest:?}",
        replies.len(),
        acknowledged.commands,
        count(&|(sent, _, _, r)| *sent == BACK && matches!(r, Reply::Recorded { .. })),
        while_down
    );
    assert!(odd.is_empty(), "answers other than 201 and 503: {odd:?}");
    assert!(
        while_down > 0,
        "no command was sent while PostgreSQL was down"
    );
    assert!(
        slowest < Duration::from_secs(5),
        "a command waited {slowest:?} for its answer"
    );
    assert!(
        matches!(replies.last().unwrap().3, Reply::Recorded { .. }),
        "serve did not recover"
    );
    assert!(server.exited().is_none(), "serve stopped");
    let missing = acknowledged.missing_from(&db);
    assert!(missing.is_empty(), "{missing:?}");
    verify(&db.url).unwrap();
    // The notifications owed before, during and after are all sent, once:
    // the worker's connection came back too.
    wait_until_delivered(&db, &sink, Duration::from_secs(40)).unwrap();
    let delivered = check_notifications(&db, &sink, 0);
    assert!(delivered.problems.is_empty(), "{:?}", delivered.problems);
    server.kill();
    println!("took {:?}", started.elapsed());
}

#[test]
fn a_clock_that_jumps_back_is_refused_clearly_and_one_that_jumps_ahead_runs_what_fell_due_once() {
    let started = Instant::now();
    let db = TestDb::sqlite();
    installed(&db.url);
    let carol = token(&db.url, "carol", "carol");
    let clock = Clock::new();
    let start = || -> Server {
        Serve::new(&db.url, &["--listen", "127.0.0.1:0"])
            .clock(&clock)
            .start()
    };
    let mut server = start();
    let api = Api::new(&server.url, "carol", &carol, Duration::from_secs(10));
    let mut acknowledged = Acknowledged::default();
    for n in 0..3 {
        let reply = report(&api, n);
        assert!(matches!(reply, Reply::Recorded { .. }), "{}", line(&reply));
        acknowledged.keep(&api, &reply);
    }

    // An hour back: refused, saying why, and nothing is recorded.
    clock.set("-1h");
    std::thread::sleep(Clock::SEEN_WITHIN);
    let events = db.query_i64("SELECT count(*) FROM events");
    let reply = report(&api, 3);
    match &reply {
        Reply::Status {
            status: 503,
            code,
            message,
        } if code == "clock_behind" => assert!(
            message.contains("is before the log's last event"),
            "{message}"
        ),
        other => panic!(
            "a command an hour before the log's last event: {}",
            line(other)
        ),
    }
    assert_eq!(db.query_i64("SELECT count(*) FROM events"), events);

    // The clock is put right: commands are recorded again, without a restart.
    clock.set("+0");
    std::thread::sleep(Clock::SEEN_WITHIN);
    let reply = report(&api, 4);
    assert!(matches!(reply, Reply::Recorded { .. }), "{}", line(&reply));
    acknowledged.keep(&api, &reply);

    // 31 days ahead: the scheduler (every 30 s) records the IESG digest of
    // the 30 days since the log was set up, and escalates each report
    // nobody acknowledged (REPORT-4: 48 hours), once.
    clock.set("+31d");
    let deadline = Instant::now() + Duration::from_secs(45);
    while count_kind(&db, "digest_issued") == 0 || count_kind(&db, "report_escalated") < 4 {
        assert!(
            Instant::now() < deadline,
            "the scheduler did not record what fell due within 45 s: {} digests, {} escalations",
            count_kind(&db, "digest_issued"),
            count_kind(&db, "report_escalated")
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // A restart runs the scheduler again at once, on the same clock: it
    // finds nothing left to do.
    server.kill();
    let server = start();
    let api = api.at(&server.url);
    let reply = report(&api, 5);
    assert!(matches!(reply, Reply::Recorded { .. }), "{}", line(&reply));
    acknowledged.keep(&api, &reply);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(count_kind(&db, "digest_issued"), 1);
    assert_eq!(count_kind(&db, "report_escalated"), 4);
    let missing = acknowledged.missing_from(&db);
    assert!(missing.is_empty(), "{missing:?}");
    verify(&db.url).unwrap();
    println!("took {:?}", started.elapsed());
}

#[test]
fn a_full_disk_fails_commands_clearly_and_loses_nothing_acknowledged() {
    let started = Instant::now();
    let db = TestDb::sqlite();
    installed(&db.url);
    let carol = token(&db.url, "carol", "carol");
    let path = db.url.strip_prefix("sqlite:").unwrap();
    let size = |p: &str| std::fs::metadata(p).map_or(0, |m| m.len());
    let biggest = size(path).max(size(&format!("{path}-wal")));
    // Room for some commands more, not for many.
    let mut server = Serve::new(&db.url, &["--listen", "127.0.0.1:0"])
        .file_size_limit(biggest + 256 * 1024)
        .start();
    let api = Api::new(&server.url, "carol", &carol, Duration::from_secs(10));
    let mut acknowledged = Acknowledged::default();
    let mut full = None;
    for n in 0..5_000 {
        let reply = report(&api, n);
        acknowledged.keep(&api, &reply);
        if !matches!(reply, Reply::Recorded { .. }) {
            full = Some(reply);
            break;
        }
    }
    let full = full.expect("5000 commands fitted under the file size limit");
    assert!(unavailable(&full), "{}", line(&full));
    // It stays up, and says the same to the next command.
    let again = report(&api, 9_999);
    assert!(unavailable(&again), "{}", line(&again));
    assert!(server.exited().is_none(), "serve stopped");
    println!(
        "{} commands recorded before the disk was full; then: {}",
        acknowledged.commands,
        line(&full)
    );
    server.kill();

    // Room again (the limit lifted): everything acknowledged is there.
    let server = Serve::new(&db.url, &["--listen", "127.0.0.1:0"]).start();
    let missing = acknowledged.missing_from(&db);
    assert!(missing.is_empty(), "{missing:?}");
    verify(&db.url).unwrap();
    let reply = report(&api.at(&server.url), 10_000);
    assert!(matches!(reply, Reply::Recorded { .. }), "{}", line(&reply));
    println!("took {:?}", started.elapsed());
}

/// The node holding the notifications lease, as its listening address.
fn lease_holder(db: &TestDb) -> Option<String> {
    db.query_strings("SELECT holder FROM leases WHERE name = 'notifications'")
        .first()
        .map(|row| row[0].rsplit('/').next().unwrap().to_owned())
}

#[test]
fn two_nodes_on_postgres_one_killed_under_load_the_other_takes_the_lease_and_runs_the_schedule_once()
 {
    let started = Instant::now();
    let db = TestDb::postgres();
    installed(&db.url);
    let carol = token(&db.url, "carol", "carol");
    // Reports nobody acknowledges, and their notifications, before the nodes
    // start: 31 days later each is escalated, and the digest is due.
    for n in 0..3 {
        let command = json!({"command": "file_report", "forum": "tls@ietf.org",
            "subject": {"person": "bob"}, "category": "other",
            "description": format!("an old rude reply {n}")})
        .to_string();
        ok(
            &db.url,
            &[
                "run",
                "--as",
                "carol",
                "--capacity",
                "participant",
                &command,
            ],
        );
    }
    let sink = SmtpSink::start();
    // Both nodes start at once with their clocks 31 days ahead: each runs
    // the scheduler as it starts, on the same log, at the same time.
    let (clock_a, clock_b) = (Clock::new(), Clock::new());
    clock_a.set("+31d");
    clock_b.set("+31d");
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| serve(&db.url, &sink).clock(&clock_a).start());
        let b = s.spawn(|| serve(&db.url, &sink).clock(&clock_b).start());
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut nodes = [(a, &clock_a), (b, &clock_b)];
    let urls: Vec<String> = nodes.iter().map(|(n, _)| n.url.clone()).collect();
    let apis: Vec<Api> = urls
        .iter()
        .map(|url| Api::new(url, "carol", &carol, Duration::from_secs(10)))
        .collect();

    // Load on both: each client sends to both nodes in turn.
    let deadline = Instant::now() + Duration::from_secs(10);
    while lease_holder(&db).is_none() {
        assert!(
            Instant::now() < deadline,
            "no node took the notifications lease"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let acknowledged = Mutex::new(Acknowledged::default());
    let stop = AtomicBool::new(false);
    let holder = lease_holder(&db).unwrap();
    let dead = urls.iter().position(|u| u.ends_with(&holder)).unwrap();
    let alive = 1 - dead;
    let mut killed_at = None;
    let mut taken_over = None;
    std::thread::scope(|s| {
        for client in 0..2 {
            let (apis, acknowledged, stop) = (&apis, &acknowledged, &stop);
            s.spawn(move || {
                let mut n = client * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    let api = &apis[n % 2];
                    let reply = report(api, n);
                    acknowledged.lock().unwrap().keep(api, &reply);
                    n += 1;
                    std::thread::sleep(Duration::from_millis(500));
                }
            });
        }
        std::thread::sleep(Duration::from_secs(2));
        // The node sending the notifications dies, mid-run.
        nodes[dead].0.kill();
        killed_at = Some(Instant::now());
        // Its lease runs for a minute after its last renewal: on the other
        // node's clock, two minutes pass at once.
        nodes[alive].1.set(&format!("+{}", 31 * 86_400 + 120));
        let deadline = Instant::now() + Duration::from_secs(20);
        while lease_holder(&db).as_deref() != Some(urls[alive].rsplit('/').next().unwrap()) {
            assert!(
                Instant::now() < deadline,
                "the surviving node did not take the notifications lease over"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        taken_over = killed_at.map(|at| at.elapsed());
        std::thread::sleep(Duration::from_secs(2));
        stop.store(true, Ordering::Relaxed);
    });

    assert!(
        nodes[alive].0.exited().is_none(),
        "the surviving node stopped"
    );
    let acknowledged = acknowledged.into_inner().unwrap();
    let missing = acknowledged.missing_from(&db);
    assert!(missing.is_empty(), "{missing:?}");
    verify(&db.url).unwrap();
    // The survivor sends what is owed, the dead node's unsent messages
    // included, each once (a copy with the same Message-ID only of a
    // message the dead node had sent and not yet marked).
    wait_until_delivered(&db, &sink, Duration::from_secs(60)).unwrap();
    let delivered = check_notifications(&db, &sink, 1);
    assert!(delivered.problems.is_empty(), "{:?}", delivered.problems);
    let by_survivor = db.query_i64(&format!(
        "SELECT count(*) FROM delivery_attempts WHERE node LIKE '%{}'",
        urls[alive].rsplit('/').next().unwrap()
    ));
    assert!(by_survivor > 0, "the surviving node sent nothing");
    // What fell due was recorded once, though both nodes found it due.
    assert_eq!(count_kind(&db, "digest_issued"), 1);
    assert_eq!(count_kind(&db, "report_escalated"), 3);
    println!(
        "{} commands acknowledged across both nodes; the lease was taken over {:?} after \
         the kill; {} messages sent ({} of them by the survivor), {} second copies",
        acknowledged.commands,
        taken_over.unwrap(),
        delivered.sent,
        by_survivor,
        delivered.copies
    );
    println!("took {:?}", started.elapsed());
}
