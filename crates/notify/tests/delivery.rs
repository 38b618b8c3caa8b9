//! Notifications delivered by the worker to a real SMTP server (aiosmtpd),
//! read back from the Maildir it writes: who gets what, nothing for spam,
//! retries while the server is down, permanent refusals kept, and a
//! deployment's own texts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use jiff::SignedDuration;
use modpod_notify::compose::message_id;
use modpod_notify::context::when;
use modpod_notify::{Backoff, Config, Mail, StateSource, Waker, Worker};
use modpod_server::Engine;
use modpod_store::{AttemptOutcome, Delivery, DeliveryStatus};
use modpod_testkit::TestDb;
use modpod_testkit::smtp::{Received, SmtpSink};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FROM: &str = "IETF moderators <moderators@mod.example>";
const COMMUNITY: &str = "ietf-announce@ietf.example";

/// A world on a SQLite file, and a worker sending its notifications.
struct Harness {
    world: World,
    db: TestDb,
    runtime: tokio::runtime::Runtime,
    stop: tokio::sync::watch::Sender<bool>,
    worker: Option<tokio::task::JoinHandle<()>>,
}

impl Harness {
    fn start(sink: &SmtpSink, templates: Option<&Path>) -> Harness {
        let db = TestDb::sqlite();
        let world = World::new(Engine::open(db.open(), &mut |_| {}).unwrap());
        let waker = Waker::new();
        world.engine().observe(Box::new(waker.observer()));
        let engine = world.engine.clone();
        let state: StateSource = Arc::new(move |read| read(engine.lock().unwrap().state()));
        let config = Config {
            smtp_url: sink.url(),
            from: FROM.into(),
            templates: templates.map(Path::to_owned),
            addresses: vec![format!("community={COMMUNITY}")],
            backoff: Backoff::default(),
            public_url: Some("https://mod.example".into()),
        };
        let worker = Worker::new(Mail::new(&config).unwrap(), db.open(), state, waker);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let node = format!("test-{:08x}", rand::random::<u32>());
        let worker = Some(runtime.spawn(worker.run(node, stopped)));
        Harness {
            world,
            db,
            runtime,
            stop,
            worker,
        }
    }

    /// The ledger's deliveries of these notifications, once none is pending
    /// any more (a message arrives just before its delivery is marked sent).
    fn settled(&self, notifications: &[u64]) -> Vec<Delivery> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ledger = self.ledger(notifications);
            if ledger.iter().all(|d| d.status != DeliveryStatus::Pending) {
                return ledger;
            }
            assert!(Instant::now() < deadline, "still pending: {ledger:#?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The ledger's deliveries of these notifications.
    fn ledger(&self, notifications: &[u64]) -> Vec<Delivery> {
        let mut store = self.db.open();
        notifications
            .iter()
            .flat_map(|n| store.deliveries(*n).unwrap())
            .collect()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(worker) = self.worker.take() {
            let _ = self.runtime.block_on(worker);
        }
    }
}

/// The messages about these notifications, by envelope recipient.
fn about(mails: &[Received], notifications: &[u64]) -> BTreeMap<String, Vec<Received>> {
    let mut out: BTreeMap<String, Vec<Received>> = BTreeMap::new();
    for m in mails {
        if notifications
            .iter()
            .any(|n| m.message_id.starts_with(&format!("modpod.n{n}.")))
        {
            out.entry(m.to.clone()).or_default().push(m.clone());
        }
    }
    out
}

/// Waits a little more and checks that nothing else arrives.
fn nothing_more_after(sink: &SmtpSink, count: usize) {
    std::thread::sleep(Duration::from_millis(1500));
    let all = sink.messages();
    assert_eq!(
        all.len(),
        count,
        "more messages arrived: {:#?}",
        all.iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
    );
}

/// Who is told of bob's 21-day suspension on two lists, by a moderator.
const TOLD_OF_THE_SUSPENSION: [&str; 9] = [
    "alice.chair@work.example", // the TLS list's administrator (NOTIFY-1, -7)
    "alice@example.org",        // her other address
    "bob@example.org",          // the person (NOTIFY-1), once for both his addresses
    COMMUNITY,                  // several fora (NOTIFY-4)
    "lucas@example.com",        // the QUIC list's administrator
    "maya@mod.example",         // the moderator team (NOTIFY-1)
    "oscar@mod.example",
    QUIC, // the lists themselves: more than 14 days (NOTIFY-3)
    TLS,
];

#[test]
fn notify_1_3_4_a_suspension_on_two_lists_reaches_everyone_it_is_owed_to_once() {
    let sink = SmtpSink::start();
    let mut h = Harness::start(&sink, None);
    h.world.bob_is_reported_on_two_lists();
    let ends = h.world.now + SignedDuration::from_hours(21 * 24);
    let recorded = h.world.bob_is_suspended_for_21_days();
    let action = h.world.engine().state().notifications.clone();
    let owed: Vec<u64> = action
        .values()
        .filter(|n| {
            n.about == modpod_policy::model::Subject::Action(modpod_policy::ids::ActionId(recorded))
        })
        .map(|n| n.id.0)
        .collect();

    // Seven messages about the two reports come first: to the lists'
    // administrators (alice has two addresses) and to both moderators twice;
    // then the proposal, to both moderators (TEAM-5).
    let all = sink.wait_for(7 + 2 + 9, Duration::from_secs(20));
    let got = about(&all, &owed);
    assert_eq!(
        got.keys().map(String::as_str).collect::<Vec<_>>(),
        TOLD_OF_THE_SUSPENSION
    );
    for (to, mails) in &got {
        assert_eq!(mails.len(), 1, "{to} got {} messages", mails.len());
        let m = &mails[0];
        assert_eq!(m.from, "\"IETF moderators\" <moderators@mod.example>");
        let n: u64 = m.message_id["modpod.n".len()..]
            .split('.')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            format!("<{}>", m.message_id),
            message_id(n, to, "mod.example")
        );
        assert!(
            m.raw.contains("Auto-Submitted: auto-generated"),
            "{}",
            m.raw
        );
        assert!(
            m.body.contains(&when(ends)),
            "{to} is not told the end:\n{}",
            m.body
        );
    }

    let bob = &got["bob@example.org"][0];
    assert_eq!(
        bob.subject,
        "Temporary suspension on tls@ietf.org, quic@ietf.org"
    );
    for needle in [
        "Dear Bob Participant",
        "(21 days)",
        "insults on two lists after two warnings",
        "Deb Security, the responsible Area Director.",
        "the IESG, and then to the IAB",
    ] {
        assert!(
            bob.body.contains(needle),
            "{needle:?} is not in:\n{}",
            bob.body
        );
    }
    // REPORT-5: carol and dave reported him; his message names neither.
    for reporter in ["Carol", "carol", "Dave", "dave"] {
        assert!(!bob.raw.contains(reporter), "{reporter} in:\n{}", bob.raw);
    }
    // PRIV-1: the lists and the community learn who, where, what and until
    // when, and neither the reason nor who acted nor who reported.
    for public in [TLS, QUIC, COMMUNITY] {
        let m = &got[public][0];
        assert!(m.body.contains("Bob Participant"), "{}", m.body);
        for secret in ["insults", "Maya", "Carol", "Dave"] {
            assert!(
                !m.raw.contains(secret),
                "{secret} reaches {public}:\n{}",
                m.raw
            );
        }
    }
    assert!(
        got["alice@example.org"][0]
            .body
            .contains("The moderators tell a forum's administrators of every action")
    );

    // NOTIFY-6: each is in the ledger as sent, at the first attempt.
    let ledger = h.settled(&owed);
    assert_eq!(ledger.len(), 9);
    for d in &ledger {
        assert_eq!((d.status, d.attempts), (DeliveryStatus::Sent, 1), "{d:?}");
        assert_eq!(
            d.message_id,
            message_id(d.notification, &d.address, "mod.example")
        );
    }
    nothing_more_after(&sink, 7 + 2 + 9);
}

#[test]
fn act_5_a_spam_action_sends_nothing() {
    let sink = SmtpSink::start();
    let mut h = Harness::start(&sink, None);
    let spam = h.world.run(
        "alice",
        "administrator",
        json!({"command": "take_action",
        "subject": {"identity": {"kind": "email", "value": "offers@bulk.example"}},
        "measure": {"type": "indefinite_suspension"}, "fora": [TLS],
        "reason": "unsolicited bulk messages", "spam": true,
        "evidence": [{"url": "https://mailarchive.ietf.org/arch/msg/tls/bulk"}]}),
    );
    assert_eq!(owed(&spam), Vec::<u64>::new());
    // A later admonishment is sent; anything owed for the spam would have
    // been sent before it.
    let admonished = h.world.run(
        "alice",
        "administrator",
        json!({"command": "take_action",
        "subject": {"person": "bob"}, "measure": {"type": "private_admonishment"},
        "fora": [TLS], "reason": "please stay on topic"}),
    );
    let mails = sink.wait_for(1, Duration::from_secs(20));
    assert_eq!(mails[0].to, "bob@example.org");
    assert_eq!(about(&mails, &owed(&admonished)).len(), 1);
    nothing_more_after(&sink, 1);
    assert!(!sink.messages()[0].raw.contains("bulk"));
}

#[test]
fn notify_7_a_moderator_s_admonishment_reaches_the_forum_s_administrators() {
    let sink = SmtpSink::start();
    let mut h = Harness::start(&sink, None);
    h.world.bob_is_reported_on_two_lists();
    let before = sink.wait_for(7, Duration::from_secs(20)).len();
    let admonished = h.world.run(
        "m1",
        "moderator",
        json!({"command": "take_action",
        "subject": {"person": "bob"}, "measure": {"type": "private_admonishment"},
        "fora": [TLS], "reports": [1], "reason": "please stop the insults"}),
    );
    // (The proposal went to both moderators first, TEAM-5.)
    let mails = sink.wait_for(before + 2 + 3, Duration::from_secs(20));
    let got = about(&mails, &owed(&admonished));
    assert_eq!(
        got.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "alice.chair@work.example",
            "alice@example.org",
            "bob@example.org",
            "maya@mod.example", // of the proposal only
            "oscar@mod.example",
        ]
    );
    assert!(
        got["maya@mod.example"][0]
            .subject
            .starts_with("For your agreement: ")
    );
    let alice = &got["alice@example.org"][0];
    assert_eq!(
        alice.subject,
        "Action taken on tls@ietf.org: private admonishment of Bob Participant"
    );
    assert!(
        alice
            .body
            .contains("Taken by Maya Moderator, as the moderator team."),
        "{}",
        alice.body
    );
    nothing_more_after(&sink, before + 2 + 3);
}

#[test]
fn notify_6_while_the_server_is_down_attempts_are_recorded_and_retried_then_each_is_sent_once() {
    let mut sink = SmtpSink::down();
    let mut h = Harness::start(&sink, None);
    let admonished = h.world.run(
        "alice",
        "administrator",
        json!({"command": "take_action",
        "subject": {"person": "bob"}, "measure": {"type": "review_and_approval"},
        "fora": [TLS], "reason": "posts held for a while"}),
    );
    let owed = owed(&admonished);
    // Person, moderators (two), administrators (alice's two addresses).
    assert_eq!(owed.len(), 3);

    // Two failed attempts each, a second or more apart, with the error.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut store = h.db.open();
    let attempts = loop {
        let attempts: Vec<_> = owed
            .iter()
            .flat_map(|n| store.delivery_attempts(*n).unwrap())
            .collect();
        let bob: Vec<_> = attempts
            .iter()
            .filter(|a| a.address == "bob@example.org")
            .cloned()
            .collect();
        if bob.len() >= 2 {
            break bob;
        }
        assert!(
            Instant::now() < deadline,
            "no second attempt: {attempts:#?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    for a in &attempts {
        assert_eq!(a.outcome, AttemptOutcome::Temporary);
        assert!(a.detail.contains("Connection refused"), "{}", a.detail);
    }
    let gap = attempts[1].at_micros - attempts[0].at_micros;
    assert!(gap >= 900_000, "retried after {gap} µs");
    let ledger = h.ledger(&owed);
    assert_eq!(ledger.len(), 5);
    for d in &ledger {
        assert_eq!(d.status, DeliveryStatus::Pending);
        assert!(
            d.last_error
                .as_deref()
                .unwrap_or("")
                .contains("Connection refused"),
            "{d:?}"
        );
    }
    assert!(sink.messages().is_empty());

    // Once the server is up, each arrives, once.
    // The next attempts are due two and four seconds after the second.
    sink.up();
    let mails = sink.wait_for(5, Duration::from_secs(10));
    let got = about(&mails, &owed);
    assert_eq!(got.len(), 5, "{:?}", got.keys());
    nothing_more_after(&sink, 5);
    for d in h.settled(&owed) {
        assert_eq!(d.status, DeliveryStatus::Sent, "{d:?}");
        assert!(d.attempts >= 3, "{d:?}");
        let tries = store.delivery_attempts(d.notification).unwrap();
        let last = tries.iter().rfind(|a| a.address == d.address).unwrap();
        assert_eq!(last.outcome, AttemptOutcome::Sent);
        assert!(last.detail.starts_with("250"), "{}", last.detail);
    }
}

#[test]
fn notify_6_a_refusal_for_good_and_a_recipient_without_an_address_are_kept_as_failed() {
    let sink = SmtpSink::start();
    let mut h = Harness::start(&sink, None);
    for c in [
        json!({"command": "register_person", "person": "eve", "name": "Eve Gone"}),
        json!({"command": "link_identity", "person": "eve",
            "identity": {"kind": "email", "value": "eve@bounce.example"}}),
    ] {
        h.world.run("op", "operator", c);
    }
    // Eve's server refuses her address for good; the chat room has no
    // address, and none is configured for fora.
    let to_eve = h.world.run(
        "alice",
        "administrator",
        json!({"command": "take_action",
        "subject": {"person": "eve"}, "measure": {"type": "private_admonishment"},
        "fora": [TLS], "reason": "please stop"}),
    );
    let ends = (h.world.now + SignedDuration::from_hours(30 * 24)).to_string();
    let chat = h.world.run(
        "alice",
        "administrator",
        json!({"command": "take_action",
        "subject": {"person": "bob"}, "measure": {"type": "temporary_suspension"},
        "fora": ["zulip:tls"], "ends_at": ends, "reason": "spamming the room"}),
    );

    // Bob and the others are told all the same.
    let mails = sink.wait_for(5, Duration::from_secs(20));
    assert!(mails.iter().all(|m| m.to != "eve@bounce.example"));
    nothing_more_after(&sink, 5);

    let eve = h.settled(&owed(&to_eve));
    assert_eq!(eve.len(), 1);
    assert_eq!(
        (eve[0].status, eve[0].attempts),
        (DeliveryStatus::Failed, 1)
    );
    assert!(
        eve[0].last_error.as_deref().unwrap().contains("550"),
        "{eve:?}"
    );
    assert!(
        eve[0].body.contains("Dear Eve Gone"),
        "what was to be sent is kept"
    );

    let room = h
        .settled(&owed(&chat))
        .into_iter()
        .find(|d| d.recipient == "the forum zulip:tls")
        .unwrap();
    assert_eq!(
        (room.status, room.attempts, room.address.as_str()),
        (DeliveryStatus::Failed, 0, "")
    );
    assert!(
        room.last_error
            .as_deref()
            .unwrap()
            .contains("no address is configured for fora"),
        "{room:?}"
    );
}

#[test]
fn a_directory_of_templates_changes_what_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("action-taken")).unwrap();
    std::fs::write(
        dir.path().join("action-taken/person.txt"),
        "Subject: A word from the moderators\n\nHello {{ recipient.name }}: {{ action.reason }}.\n",
    )
    .unwrap();
    let sink = SmtpSink::start();
    let mut h = Harness::start(&sink, Some(dir.path()));
    h.world.run(
        "alice",
        "administrator",
        json!({"command": "take_action",
        "subject": {"person": "bob"}, "measure": {"type": "private_admonishment"},
        "fora": [TLS], "reason": "please stay on topic"}),
    );
    let mail = &sink.wait_for(1, Duration::from_secs(20))[0];
    assert_eq!(mail.subject, "A word from the moderators");
    assert_eq!(
        mail.body.trim_end(),
        "Hello Bob Participant: please stay on topic."
    );
}
