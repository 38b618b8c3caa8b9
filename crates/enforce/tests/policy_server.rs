//! The Postfix policy server over real sockets, against an index built from a
//! state made only through the policy's `decide`: `alice` administers
//! `tls@ietf.org`; `bob`, `carol`, `erin` and `frank` post.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use modpod_enforce::postfix::Limits;
use modpod_enforce::{Index, Policy, PolicyConfig, serve_policy};
use modpod_policy::ids::{ForumId, PersonId};
use modpod_policy::model::{Capacity, Identity, IdentityKind, Measure, Organisation, Role};
use modpod_policy::{Actor, Command, State, SubjectRef, decide};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const FORUM: &str = "tls@ietf.org";
const END: &str = "2099-03-01T00:00:00Z";

fn p(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}

/// Decides and applies one command, as `person` in `capacity`.
fn run(state: &mut State, person: &str, capacity: Capacity, command: Command) {
    let actor = Actor::new(p(person), capacity);
    let now: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
    let decision = decide(state, &actor, &command, now)
        .unwrap_or_else(|r| panic!("{person} was refused {}: {r}", command.name()));
    for event in &decision.events {
        state.apply(event);
    }
}

/// The installation: bob suspended until `END`, carol unrestricted, erin
/// under review, frank limited to 2 posts per 60 seconds.
fn state() -> State {
    let mut s = State::default();
    let op = Capacity::Operator;
    run(
        &mut s,
        "op",
        op,
        Command::Bootstrap {
            operator: p("op"),
            name: "Olly Operator".into(),
        },
    );
    for person in ["alice", "bob", "carol", "erin", "frank"] {
        run(
            &mut s,
            "op",
            op,
            Command::RegisterPerson {
                person: p(person),
                name: person.into(),
                time_zone: None,
            },
        );
        run(
            &mut s,
            "op",
            op,
            Command::LinkIdentity {
                person: p(person),
                identity: Identity::new(IdentityKind::Email, &format!("{person}@example.org"))
                    .unwrap(),
            },
        );
    }
    run(
        &mut s,
        "op",
        op,
        Command::CreateForum {
            forum: ForumId::parse(FORUM).unwrap(),
            name: "The TLS list".into(),
            kind: "mailing-list".into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: None,
            responsible_ad: None,
        },
    );
    run(
        &mut s,
        "op",
        op,
        Command::GrantRole {
            person: p("alice"),
            role: Role::ForumAdministrator {
                forum: ForumId::parse(FORUM).unwrap(),
            },
        },
    );
    let limit = Measure::RateLimit {
        posts: 2,
        per_seconds: 60,
    };
    for (subject, measure, end) in [
        ("bob", Measure::TemporarySuspension, Some(END)),
        ("erin", Measure::ReviewAndApproval, None),
        ("frank", limit, None),
    ] {
        run(
            &mut s,
            "alice",
            Capacity::Administrator,
            Command::TakeAction {
                level: None,
                texts: None,
                subject: SubjectRef::Person { person: p(subject) },
                measure,
                fora: vec![ForumId::parse(FORUM).unwrap()],
                reason: "repeated personal attacks after a private warning".into(),
                reports: vec![],
                evidence: vec![],
                starts_at: None,
                ends_at: end.map(|e| e.parse().unwrap()),
                spam: false,
            },
        );
    }
    s
}

/// Starts a server with `config` on a free port; it stops when the test ends.
async fn start(config: PolicyConfig) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let index = Arc::new(RwLock::new(Index::build(&state())));
    let policy = Arc::new(Policy::new(index, config));
    tokio::spawn(serve_policy(listener, policy, std::future::pending()));
    addr
}

fn request(sender: &str, state: &str) -> String {
    format!(
        "request=smtpd_access_policy\nprotocol_state={state}\nprotocol_name=ESMTP\n\
         client_address=192.0.2.1\nsender={sender}\nrecipient={FORUM}\ninstance=1.2.3\n\n"
    )
}

/// Sends `bytes` and reads until `replies` replies have come or the server
/// closed the connection; returns what was read.
async fn exchange(stream: &mut TcpStream, bytes: &str, replies: usize) -> String {
    stream.write_all(bytes.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    while String::from_utf8_lossy(&got).matches("\n\n").count() < replies {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
            .await
            .expect("no reply within 5 s")
            .unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8(got).unwrap()
}

async fn ask(addr: SocketAddr, sender: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    exchange(&mut stream, &request(sender, "RCPT"), 1).await
}

/// Whether the server closes the connection (end of stream) within `within`,
/// and returns what it sent before.
async fn closed(stream: &mut TcpStream, within: Duration) -> String {
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buffer))
            .await
            .expect("the connection was not closed")
        {
            Ok(0) | Err(_) => return String::from_utf8(got).unwrap(),
            Ok(n) => got.extend_from_slice(&buffer[..n]),
        }
    }
}

#[tokio::test]
async fn allowed_suspended_held_and_bounces_get_their_actions() {
    let addr = start(PolicyConfig::default()).await;
    assert_eq!(ask(addr, "carol@example.org").await, "action=DUNNO\n\n");
    assert_eq!(ask(addr, "nobody@example.net").await, "action=DUNNO\n\n");
    assert_eq!(ask(addr, "").await, "action=DUNNO\n\n", "a bounce");
    let reject = ask(addr, "Bob@Example.org").await;
    assert!(reject.starts_with("action=REJECT 5.7.1 "), "{reject}");
    assert!(reject.contains("until 2099-03-01"), "{reject}");
    assert!(
        reject.contains(FORUM) && reject.contains("To appeal"),
        "{reject}"
    );
    assert!(reject.ends_with(".\n\n"), "{reject}");
    let hold = ask(addr, "erin@example.org").await;
    assert!(hold.starts_with("action=HOLD "), "{hold}");
}

#[tokio::test]
async fn mailman_holds_turns_hold_into_dunno() {
    let addr = start(PolicyConfig {
        mailman_holds: true,
        ..PolicyConfig::default()
    })
    .await;
    assert_eq!(ask(addr, "erin@example.org").await, "action=DUNNO\n\n");
}

#[tokio::test]
async fn a_rate_limit_counts_only_at_rcpt_and_defers_when_over() {
    let addr = start(PolicyConfig::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for state in ["RCPT", "DATA", "DATA", "RCPT"] {
        let reply = exchange(&mut stream, &request("frank@example.org", state), 1).await;
        assert_eq!(reply, "action=DUNNO\n\n", "at {state}");
    }
    let over = exchange(&mut stream, &request("frank@example.org", "RCPT"), 1).await;
    assert!(over.starts_with("action=DEFER_IF_PERMIT 4.7.1 "), "{over}");
    assert!(over.contains("2 posts per 60 seconds"), "{over}");
    assert!(over.contains("try again in 30 seconds"), "{over}");
}

#[tokio::test]
async fn several_requests_in_one_write_get_all_replies_in_order() {
    let addr = start(PolicyConfig::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let bytes = [
        request("carol@example.org", "RCPT"),
        request("bob@example.org", "RCPT"),
        request("erin@example.org", "RCPT"),
        request("carol@example.org", "RCPT"),
    ]
    .concat();
    let replies = exchange(&mut stream, &bytes, 4).await;
    let verbs: Vec<&str> = replies
        .split("\n\n")
        .filter(|r| !r.is_empty())
        .map(|r| r.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        verbs,
        [
            "action=DUNNO",
            "action=REJECT",
            "action=HOLD",
            "action=DUNNO"
        ]
    );
    // The connection is still usable.
    let again = exchange(&mut stream, &request("carol@example.org", "RCPT"), 1).await;
    assert_eq!(again, "action=DUNNO\n\n");
}

#[tokio::test]
async fn a_malformed_request_closes_the_connection_without_a_reply() {
    let addr = start(PolicyConfig::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"request=smtpd_access_policy\nthis line has no equals sign\n\n")
        .await
        .unwrap();
    assert_eq!(closed(&mut stream, Duration::from_secs(5)).await, "");
}

#[tokio::test]
async fn an_over_long_line_closes_the_connection() {
    let addr = start(PolicyConfig {
        limits: Limits {
            max_line: 100,
            ..Limits::default()
        },
        ..PolicyConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let long = format!("sender={}", "x".repeat(200));
    stream.write_all(long.as_bytes()).await.unwrap();
    assert_eq!(closed(&mut stream, Duration::from_secs(5)).await, "");
}

// The test measures how long the server waited before closing.
#[allow(clippy::disallowed_methods)]
#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let addr = start(PolicyConfig {
        idle_timeout: Duration::from_millis(200),
        ..PolicyConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let reply = exchange(&mut stream, &request("carol@example.org", "RCPT"), 1).await;
    assert_eq!(reply, "action=DUNNO\n\n");
    let started = std::time::Instant::now();
    assert_eq!(closed(&mut stream, Duration::from_secs(5)).await, "");
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn at_the_cap_a_new_connection_takes_the_place_of_the_one_idle_longest() {
    let addr = start(PolicyConfig {
        max_connections: 2,
        ..PolicyConfig::default()
    })
    .await;
    // Postfix keeps a connection open between requests; another client
    // holds one without a word, then starts a request and stops.
    let mut first = TcpStream::connect(addr).await.unwrap();
    let reply = exchange(&mut first, &request("carol@example.org", "RCPT"), 1).await;
    assert_eq!(reply, "action=DUNNO\n\n");
    let mut second = TcpStream::connect(addr).await.unwrap();
    second
        .write_all(b"request=smtpd_access_policy\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A client with a request to make is answered; the connection idle the
    // longest makes room for it.
    let reply = ask(addr, "bob@example.org").await;
    assert!(reply.starts_with("action=REJECT"), "{reply}");
    assert_eq!(closed(&mut first, Duration::from_secs(5)).await, "");
    // The other one finishes its request and is answered.
    let rest = request("carol@example.org", "RCPT");
    let rest = rest.trim_start_matches("request=smtpd_access_policy\n");
    assert_eq!(exchange(&mut second, rest, 1).await, "action=DUNNO\n\n");
    // Idle clients, however many, never lock out one with a request.
    let mut idle = Vec::new();
    for _ in 0..5 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(ask(addr, "carol@example.org").await, "action=DUNNO\n\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_connections_all_get_answers() {
    let addr = start(PolicyConfig::default()).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        tasks.spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let mut replies = String::new();
            for _ in 0..10 {
                let sender = if i % 2 == 0 {
                    "carol@example.org"
                } else {
                    "bob@example.org"
                };
                replies.push_str(&exchange(&mut stream, &request(sender, "RCPT"), 1).await);
            }
            (i, replies)
        });
    }
    let mut done = 0;
    while let Some(result) = tasks.join_next().await {
        let (i, replies) = result.unwrap();
        let want = if i % 2 == 0 {
            "action=DUNNO"
        } else {
            "action=REJECT"
        };
        assert_eq!(replies.matches(want).count(), 10, "{replies}");
        done += 1;
    }
    assert_eq!(done, 50);
}

/// CIRCUMVENT-1 through Postfix: a post bob may make (on a list where he is
/// not suspended) is passed on once to be recorded, as a sighting of the
/// address he is known by, and only when counted (at RCPT); no answer
/// changes.
#[tokio::test]
async fn circumvent_1_a_suspended_sender_posting_elsewhere_is_passed_on_once_unanswered_otherwise()
{
    const QUIC: &str = "quic@ietf.org";
    let mut s = state();
    run(
        &mut s,
        "op",
        Capacity::Operator,
        Command::CreateForum {
            forum: ForumId::parse(QUIC).unwrap(),
            name: "The QUIC list".into(),
            kind: "mailing-list".into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: None,
            responsible_ad: None,
        },
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (to, noticed) = std::sync::mpsc::sync_channel(16);
    let index = Arc::new(RwLock::new(Index::build(&s)));
    let policy = Arc::new(Policy::new(index, PolicyConfig::default()).reporting_to(to));
    tokio::spawn(serve_policy(listener, policy, std::future::pending()));

    let to_quic = |sender: &str, state: &str| {
        request(sender, state).replace(&format!("recipient={FORUM}"), "recipient=QUIC@IETF.org")
    };
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let reply = exchange(&mut stream, &to_quic("bob+lists@example.org", "DATA"), 1).await;
    assert_eq!(reply, "action=DUNNO\n\n");
    assert!(noticed.try_recv().is_err(), "not counted at DATA");
    for _ in 0..3 {
        let reply = exchange(&mut stream, &to_quic("bob+lists@example.org", "RCPT"), 1).await;
        assert_eq!(reply, "action=DUNNO\n\n");
    }
    match noticed.try_recv().unwrap() {
        Command::RecordCircumventionSighting {
            identity, forum, ..
        } => {
            assert_eq!(identity.to_string(), "email:bob@example.org");
            assert_eq!(forum.as_str(), QUIC);
        }
        other => panic!("{other:?}"),
    }
    assert!(noticed.try_recv().is_err(), "once");
    // On the list he is suspended from, he is refused as before, and there
    // is nothing to pass on; nor for carol, restricted nowhere.
    let reject = exchange(&mut stream, &request("bob@example.org", "RCPT"), 1).await;
    assert!(reject.starts_with("action=REJECT"), "{reject}");
    let carol = exchange(&mut stream, &to_quic("carol@example.org", "RCPT"), 1).await;
    assert_eq!(carol, "action=DUNNO\n\n");
    assert!(noticed.try_recv().is_err());
}
