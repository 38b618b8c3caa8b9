//! The engine on real databases: every event attributed and time-stamped, and
//! two nodes sharing one log never deciding on stale state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use modpod_policy::ids::{ForumId, PersonId};
use modpod_policy::model::{Capacity, Organisation, Role};
use modpod_policy::{Actor, Command};
use modpod_server::{Engine, EngineError};
use modpod_testkit::TestDb;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn person(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}

fn open(db: &TestDb) -> Engine {
    Engine::open(db.open(), &mut |_| {}).unwrap()
}

fn operator() -> Actor {
    Actor::new(person("op"), Capacity::Operator)
}

/// An operator, a forum and its administrator, recorded through `engine`.
fn set_up(engine: &mut Engine) {
    let op = operator();
    let forum = ForumId::parse("tls@ietf.org").unwrap();
    let commands = vec![
        (
            op.clone(),
            Command::Bootstrap {
                operator: op.person.clone(),
                name: "Operator".into(),
            },
        ),
        (
            op.clone(),
            Command::RegisterPerson {
                person: person("alice"),
                name: "Alice".into(),
                time_zone: None,
            },
        ),
        (
            op.clone(),
            Command::RegisterPerson {
                person: person("bob"),
                name: "Bob".into(),
                time_zone: None,
            },
        ),
        (
            op.clone(),
            Command::CreateForum {
                forum: forum.clone(),
                name: "TLS".into(),
                kind: "mailing-list".into(),
                organisation: Organisation::Ietf,
                public: true,
                plenary: false,
                wg: None,
                responsible_ad: None,
            },
        ),
        (
            op,
            Command::GrantRole {
                person: person("alice"),
                role: Role::ForumAdministrator { forum },
            },
        ),
    ];
    engine
        .execute_all(&commands, at("2026-01-01T00:00:00Z"))
        .unwrap();
}

fn admonish(subject: &str) -> Command {
    serde_json::from_value(serde_json::json!({
        "command": "take_action",
        "subject": {"person": subject},
        "measure": {"type": "private_admonishment"},
        "fora": ["tls@ietf.org"],
        "reason": "tone"
    }))
    .unwrap()
}

fn every_event_is_attributed_and_time_stamped(db: TestDb) {
    let mut engine = open(&db);
    set_up(&mut engine);
    let alice = Actor::new(person("alice"), Capacity::Administrator);
    let recorded = engine
        .execute(&alice, &admonish("bob"), at("2026-02-03T04:05:06Z"))
        .unwrap();
    let first = &recorded.events[0];
    assert_eq!(
        (
            first.actor.as_str(),
            first.role.as_str(),
            first.kind.as_str()
        ),
        ("alice", "administrator", "action_taken")
    );
    assert_eq!(first.at_micros, at("2026-02-03T04:05:06Z").as_microsecond());
    assert!(first.payload.contains("\"taken_by\":\"alice\""));
    // A refusal records nothing.
    let before = engine.head();
    let bob = Actor::new(person("bob"), Capacity::Administrator);
    assert!(matches!(
        engine.execute(&bob, &admonish("alice"), at("2026-02-03T05:00:00Z")),
        Err(EngineError::Refused(_))
    ));
    assert_eq!(engine.head(), before);
    assert_eq!(db.open().head().unwrap(), before);
}

fn a_stale_node_catches_up_before_deciding(db: TestDb) {
    let (mut a, mut b) = (open(&db), open(&db));
    set_up(&mut a);
    // Node b has not seen the set-up, yet its command is decided on it.
    let alice = Actor::new(person("alice"), Capacity::Administrator);
    let recorded = b
        .execute(&alice, &admonish("bob"), at("2026-02-01T00:00:00Z"))
        .unwrap();
    assert_eq!(recorded.events[0].seq, a.head().seq + 1);
    assert_eq!(b.state().actions.len(), 1);
    // And node a learns of b's action before its own next decision.
    let second = a
        .execute(&alice, &admonish("bob"), at("2026-02-02T00:00:00Z"))
        .unwrap();
    assert!(
        second.events[0].payload.contains("\"id\":2"),
        "the second action is #2, after b's #1"
    );
    assert_eq!(a.state().actions.len(), 2);
    assert!(matches!(
        modpod_store::verify(db.open().as_mut(), &mut |_| {}).unwrap(),
        modpod_store::Verdict::Intact { .. }
    ));
}

/// Commands that arrive together are decided in order, each on the effects
/// of those before it, and the events of those accepted appended in one
/// transaction; a refused one records nothing and stops none of the others;
/// a node that is behind catches up before it decides the group.
fn a_group_is_decided_in_order_and_committed_once(db: TestDb) {
    let (mut a, mut b) = (open(&db), open(&db));
    set_up(&mut a);
    let alice = Actor::new(person("alice"), Capacity::Administrator);
    let bob = Actor::new(person("bob"), Capacity::Administrator);
    let rescind_first = serde_json::from_value(serde_json::json!({
        "command": "rescind_action", "action": 1, "reason": "on reflection"
    }))
    .unwrap();
    let group = vec![
        (alice.clone(), admonish("bob")),
        // bob administers nothing: refused.
        (bob, admonish("alice")),
        // Decided on the first command's effects: its action exists.
        (alice.clone(), rescind_first),
        (alice, admonish("bob")),
    ];
    // b has not seen the set-up: it catches up, then decides.
    let commits = b.commits();
    let head = a.head();
    let outcomes = b.execute_group(&group, at("2026-02-01T00:00:00Z")).unwrap();
    assert_eq!(b.commits(), commits + 1, "one transaction");
    assert_eq!(outcomes.len(), 4);
    let recorded: Vec<_> = outcomes
        .iter()
        .map(|o| {
            o.as_ref().map(|r| {
                r.events
                    .iter()
                    .map(|e| (e.seq, e.kind.clone()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let first = recorded[0].as_ref().unwrap();
    assert_eq!(first[0], (head.seq + 1, "action_taken".to_owned()));
    assert!(recorded[1].is_err(), "bob's is refused");
    let third = recorded[2].as_ref().unwrap();
    assert_eq!(third[0].1, "action_rescinded");
    assert_eq!(
        third[0].0,
        first.last().unwrap().0 + 1,
        "in the order given"
    );
    let fourth = recorded[3].as_ref().unwrap();
    assert_eq!(fourth[0].0, third.last().unwrap().0 + 1);
    assert_eq!(b.head().seq, fourth.last().unwrap().0);
    assert_eq!(b.state().actions.len(), 2);
    // What a refusal left out is nowhere; the other node reads the rest.
    a.catch_up(&mut |_| {}).unwrap();
    assert_eq!(a.state(), b.state());
    assert!(matches!(
        modpod_store::verify(db.open().as_mut(), &mut |_| {}).unwrap(),
        modpod_store::Verdict::Intact { .. }
    ));
    // A group of refusals only records nothing.
    let commits = b.commits();
    let nobody = Actor::new(person("bob"), Capacity::Administrator);
    let outcomes = b
        .execute_group(&[(nobody, admonish("alice"))], at("2026-02-02T00:00:00Z"))
        .unwrap();
    assert!(outcomes[0].is_err());
    assert_eq!((b.commits(), b.head()), (commits, a.head()));
}

#[test]
fn sqlite_a_group_is_decided_in_order_and_committed_once() {
    a_group_is_decided_in_order_and_committed_once(TestDb::sqlite());
}

#[test]
fn postgres_a_group_is_decided_in_order_and_committed_once() {
    a_group_is_decided_in_order_and_committed_once(TestDb::postgres());
}

/// Observers see every event once, in order: those this engine records (a
/// batch too) and those it catches up with from another node.
fn observers_see_recorded_and_caught_up_events(db: TestDb) {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::<(String, usize)>::new()));
    let (mut a, mut b) = (open(&db), open(&db));
    a.observe(Box::new({
        let seen = seen.clone();
        move |state, event| {
            seen.lock()
                .unwrap()
                .push((event.kind().to_owned(), state.actions.len()))
        }
    }));
    set_up(&mut a);
    let alice = Actor::new(person("alice"), Capacity::Administrator);
    a.execute(&alice, &admonish("bob"), at("2026-02-01T00:00:00Z"))
        .unwrap();
    let taken = |seen: &[(String, usize)]| -> Vec<usize> {
        seen.iter()
            .filter(|(kind, _)| kind == "action_taken")
            .map(|(_, actions)| *actions)
            .collect()
    };
    assert_eq!(
        taken(&seen.lock().unwrap()),
        [1],
        "told with the state after the event"
    );
    // Refused: nothing to tell.
    let told = seen.lock().unwrap().len();
    let bob = Actor::new(person("bob"), Capacity::Administrator);
    assert!(
        b.execute(&bob, &admonish("alice"), at("2026-02-01T00:00:00Z"))
            .is_err()
    );
    assert_eq!(seen.lock().unwrap().len(), told);
    // Recorded by node b, seen by a when it catches up.
    b.execute(&alice, &admonish("bob"), at("2026-02-02T00:00:00Z"))
        .unwrap();
    assert!(a.catch_up(&mut |_| {}).unwrap() > 0);
    assert_eq!(taken(&seen.lock().unwrap()), [1, 2]);
    // Every event of the log, once, in order.
    let mut logged = Vec::new();
    db.open()
        .scan(0, &mut |e| {
            logged.push(e.kind);
            Ok(())
        })
        .unwrap();
    let seen: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(seen, logged);
}

#[test]
fn sqlite_observers_see_recorded_and_caught_up_events() {
    observers_see_recorded_and_caught_up_events(TestDb::sqlite());
}

#[test]
fn postgres_observers_see_recorded_and_caught_up_events() {
    observers_see_recorded_and_caught_up_events(TestDb::postgres());
}

#[test]
fn sqlite_every_event_is_attributed_and_time_stamped() {
    every_event_is_attributed_and_time_stamped(TestDb::sqlite());
}

#[test]
fn postgres_every_event_is_attributed_and_time_stamped() {
    every_event_is_attributed_and_time_stamped(TestDb::postgres());
}

#[test]
fn sqlite_a_stale_node_catches_up_before_deciding() {
    a_stale_node_catches_up_before_deciding(TestDb::sqlite());
}

#[test]
fn postgres_a_stale_node_catches_up_before_deciding() {
    a_stale_node_catches_up_before_deciding(TestDb::postgres());
}

/// The scheduler records what falls due once, even when two nodes on one log
/// both find it due (REPORT-4, ACT-1).
fn the_scheduler_records_what_falls_due_once_across_nodes(db: TestDb) {
    use modpod_server::scheduler::tick;
    use std::sync::Mutex;
    let (mut a, mut b) = (open(&db), open(&db));
    set_up(&mut a);
    let t0 = at("2026-02-01T00:00:00Z");
    let bob = Actor::new(person("bob"), Capacity::Participant);
    let report: Command = serde_json::from_value(serde_json::json!({
        "command": "file_report", "forum": "tls@ietf.org", "subject": {"person": "alice"},
        "category": "uncivil", "description": "insults"
    }))
    .unwrap();
    a.execute(&bob, &report, t0).unwrap();
    b.catch_up(&mut |_| {}).unwrap();
    let (a, b) = (Mutex::new(a), Mutex::new(b));
    // The first IESG digest (30 days from the set-up) is due: node a takes it.
    let first = tick(&a, t0).unwrap();
    assert_eq!(first.recorded, 1, "{first:?}");
    b.lock().unwrap().catch_up(&mut |_| {}).unwrap();
    let late = tick(&b, t0).unwrap();
    assert_eq!(late.recorded, 0, "node b finds them done: {late:?}");

    // 48 hours later the report escalates: both nodes find it due, one records it.
    let due = at("2026-02-03T00:00:00Z");
    let (pa, pb) = (tick(&a, due).unwrap(), tick(&b, due).unwrap());
    assert_eq!((pa.recorded, pb.recorded), (1, 0), "{pa:?} {pb:?}");
    assert_eq!(
        pb.done_elsewhere, 1,
        "b found it due on its stale state and was refused"
    );
    assert_eq!(events_of_kind(&db, "report_escalated"), 1);
}

/// How many events of this kind the log holds.
fn events_of_kind(db: &TestDb, kind: &str) -> usize {
    let mut n = 0;
    db.open()
        .scan(0, &mut |e| {
            n += usize::from(e.kind == kind);
            Ok(())
        })
        .unwrap();
    n
}

/// A backlog of what fell due is recorded a batch at a time, one
/// transaction each, the engine released between batches; every due
/// command once.
fn the_scheduler_records_a_backlog_a_batch_at_a_time(db: TestDb) {
    use modpod_server::scheduler::{BATCH, tick};
    use std::sync::Mutex;
    let mut engine = open(&db);
    set_up(&mut engine);
    let t0 = at("2026-02-01T00:00:00Z");
    let bob = Actor::new(person("bob"), Capacity::Participant);
    let reports = 2 * BATCH + 7;
    for _ in 0..reports {
        let report: Command = serde_json::from_value(serde_json::json!({
            "command": "file_report", "forum": "tls@ietf.org", "subject": {"person": "alice"},
            "category": "uncivil", "description": "insults"
        }))
        .unwrap();
        engine.execute(&bob, &report, t0).unwrap();
    }
    let engine = Mutex::new(engine);
    // Days later, every report is overdue and the first digest is due.
    let due = at("2026-02-05T00:00:00Z");
    let commits = engine.lock().unwrap().commits();
    let pass = tick(&engine, due).unwrap();
    assert_eq!(pass.recorded, reports + 1, "{pass:?}");
    let batches = (reports + 1).div_ceil(BATCH) as u64;
    assert_eq!(engine.lock().unwrap().commits() - commits, batches);
    assert_eq!(tick(&engine, due).unwrap(), Default::default(), "all done");
    assert_eq!(events_of_kind(&db, "report_escalated"), reports);
}

#[test]
fn sqlite_the_scheduler_records_a_backlog_a_batch_at_a_time() {
    the_scheduler_records_a_backlog_a_batch_at_a_time(TestDb::sqlite());
}

#[test]
fn postgres_the_scheduler_records_a_backlog_a_batch_at_a_time() {
    the_scheduler_records_a_backlog_a_batch_at_a_time(TestDb::postgres());
}

#[test]
fn sqlite_the_scheduler_records_what_falls_due_once_across_nodes() {
    the_scheduler_records_what_falls_due_once_across_nodes(TestDb::sqlite());
}

#[test]
fn postgres_the_scheduler_records_what_falls_due_once_across_nodes() {
    the_scheduler_records_what_falls_due_once_across_nodes(TestDb::postgres());
}

/// A case's events, as the engine's case index finds them: only the events
/// of that report and of the actions that cite it, read by sequence number
/// with their envelopes, and still found after a restart from a snapshot.
fn a_case_s_events_are_indexed_and_survive_a_snapshot(db: TestDb) {
    use modpod_policy::ids::ReportId;
    let mut engine = open(&db);
    set_up(&mut engine);
    let file = |subject: &str| -> Command {
        serde_json::from_value(serde_json::json!({
            "command": "file_report", "forum": "tls@ietf.org",
            "subject": {"person": subject}, "category": "uncivil",
            "description": "rude"
        }))
        .unwrap()
    };
    let alice = Actor::new(person("alice"), Capacity::Participant);
    let bob = Actor::new(person("bob"), Capacity::Participant);
    let chair = Actor::new(person("alice"), Capacity::Administrator);
    let t = at("2026-02-01T10:00:00Z");
    engine.execute(&alice, &file("bob"), t).unwrap();
    engine.execute(&bob, &file("alice"), t).unwrap();
    let ack = Command::AcknowledgeReport {
        report: ReportId(1),
    };
    engine
        .execute(&chair, &ack, at("2026-02-01T11:00:00Z"))
        .unwrap();
    let mut cited = admonish("bob");
    if let Command::TakeAction { reports, .. } = &mut cited {
        reports.push(ReportId(1));
    }
    engine
        .execute(&chair, &cited, at("2026-02-01T12:00:00Z"))
        .unwrap();
    // An action citing no report is in no case.
    engine
        .execute(&chair, &admonish("bob"), at("2026-02-01T13:00:00Z"))
        .unwrap();

    let summary = |engine: &mut Engine, report: u64| -> Vec<(String, String, String)> {
        engine
            .case_events(ReportId(report))
            .unwrap()
            .into_iter()
            .map(|(stored, event)| {
                assert_eq!(stored.kind, event.kind());
                (stored.kind, stored.actor, stored.role)
            })
            .collect()
    };
    let own = |kind: &str, actor: &str, role: &str| (kind.into(), actor.into(), role.into());
    let case = summary(&mut engine, 1);
    let kinds: Vec<&str> = case.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k != "notification_owed")
            .collect::<Vec<_>>(),
        [&"report_filed", &"report_acknowledged", &"action_taken"]
    );
    assert_eq!(case[0], own("report_filed", "alice", "participant"));
    assert!(case.contains(&own("report_acknowledged", "alice", "administrator")));
    let other = summary(&mut engine, 2);
    assert_eq!(other[0], own("report_filed", "bob", "participant"));
    assert!(
        other
            .iter()
            .skip(1)
            .all(|(k, _, _)| k == "notification_owed"),
        "{other:?}"
    );
    assert!(summary(&mut engine, 7).is_empty(), "no such report");

    engine.snapshot().unwrap();
    let snapshot = db.open().latest_snapshot().unwrap().unwrap();
    assert!(snapshot.state.starts_with(b"modpod-state-msgpack-v14\n"));
    let mut reopened = open(&db);
    assert_eq!(summary(&mut reopened, 1), case);
    assert_eq!(summary(&mut reopened, 2), other);
}

#[test]
fn sqlite_a_case_s_events_are_indexed_and_survive_a_snapshot() {
    a_case_s_events_are_indexed_and_survive_a_snapshot(TestDb::sqlite());
}

#[test]
fn postgres_a_case_s_events_are_indexed_and_survive_a_snapshot() {
    a_case_s_events_are_indexed_and_survive_a_snapshot(TestDb::postgres());
}

/// A snapshot another version wrote (a JSON one of v9, here of an empty
/// state), or one of this version that does not decode, is ignored: the
/// whole log is replayed, never the snapshot misread.
fn a_snapshot_of_another_version_or_broken_is_ignored_and_the_log_replayed(db: TestDb) {
    use modpod_store::Snapshot;
    let mut engine = open(&db);
    set_up(&mut engine);
    engine
        .execute(
            &Actor::new(person("alice"), Capacity::Administrator),
            &admonish("bob"),
            at("2026-02-01T12:00:00Z"),
        )
        .unwrap();
    let head = engine.head();
    let replayed = engine.state().clone();
    assert!(!replayed.actions.is_empty());
    let empty = modpod_server::engine::encode_snapshot(
        &modpod_policy::State::default(),
        &Default::default(),
    )
    .unwrap();
    let tag = modpod_server::engine::SNAPSHOT_FORMAT;
    let mut cut = empty.clone();
    cut.truncate(empty.len() - 3);
    let mut flipped = empty.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0xff;
    let old = [
        b"modpod-state-json-v9\n".as_slice(),
        br#"{"state":{},"cases":{}}"#,
    ]
    .concat();
    let mut json_with_this_tag = tag.to_vec();
    json_with_this_tag.extend_from_slice(br#"{"state":{},"cases":{}}"#);
    for (what, bytes) in [
        ("an older version's", old),
        ("cut short", cut),
        ("with a byte changed", flipped),
        ("JSON under this version's tag", json_with_this_tag),
    ] {
        db.open()
            .save_snapshot(&Snapshot {
                seq: head.seq,
                hash: head.hash,
                state: bytes,
            })
            .unwrap();
        let reopened = open(&db);
        assert_eq!(reopened.head(), head, "{what}");
        assert_eq!(reopened.state(), &replayed, "a snapshot {what} is ignored");
    }
    // This version's snapshot of the empty state, at the head, is read as it
    // is: what the ignored ones would have been misread as.
    db.open()
        .save_snapshot(&Snapshot {
            seq: head.seq,
            hash: head.hash,
            state: empty,
        })
        .unwrap();
    assert_eq!(open(&db).state(), &modpod_policy::State::default());
}

#[test]
fn sqlite_a_snapshot_of_another_version_or_broken_is_ignored_and_the_log_replayed() {
    a_snapshot_of_another_version_or_broken_is_ignored_and_the_log_replayed(TestDb::sqlite());
}

#[test]
fn postgres_a_snapshot_of_another_version_or_broken_is_ignored_and_the_log_replayed() {
    a_snapshot_of_another_version_or_broken_is_ignored_and_the_log_replayed(TestDb::postgres());
}

/// The snapshot a long replay calls for, written later through another
/// connection from the view the engine published (as `modpod serve` does
/// once it listens), while the engine records more: the engine knows it is
/// written, and a restart starts from it and replays only what came after.
fn a_snapshot_is_written_from_the_published_view_without_the_engine(db: TestDb) {
    let mut engine = Engine::open_without_snapshot(db.open(), &mut |_| {}).unwrap();
    assert!(!engine.snapshot_due(), "an empty log calls for none");
    assert!(engine.snapshot_writer().is_none(), "nothing to write");
    set_up(&mut engine);
    let at_set_up = engine.head();
    let state_at_set_up = engine.state().clone();
    let writer = engine
        .snapshot_writer()
        .expect("the state is past the last snapshot");
    assert_eq!(writer.seq(), at_set_up.seq);
    let chair = Actor::new(person("alice"), Capacity::Administrator);
    engine
        .execute(&chair, &admonish("bob"), at("2026-02-01T12:00:00Z"))
        .unwrap();
    writer.write(db.open().as_mut()).unwrap();
    let snapshot = db.open().latest_snapshot().unwrap().unwrap();
    assert_eq!(
        (snapshot.seq, snapshot.hash),
        (at_set_up.seq, at_set_up.hash)
    );
    let body = modpod_server::engine::read_snapshot(&snapshot.state).unwrap();
    assert_eq!(
        body.state, state_at_set_up,
        "the view's state, not the engine's"
    );
    // The engine's own snapshot is of its head, past the one just written.
    assert!(engine.snapshot_writer().is_some());
    engine.snapshot().unwrap();
    assert!(engine.snapshot_writer().is_none());
    assert_eq!(
        db.open().latest_snapshot().unwrap().unwrap().seq,
        engine.head().seq
    );
    // A restart reads that snapshot: an early event that no longer reads
    // does not matter.
    db.sql("UPDATE events SET payload = '{\"type\":\"unheard_of\"}' WHERE seq = 2");
    let restarted = open(&db);
    assert_eq!(restarted.state(), engine.state());
    assert_eq!(restarted.head(), engine.head());
}

#[test]
fn sqlite_a_snapshot_is_written_from_the_published_view_without_the_engine() {
    a_snapshot_is_written_from_the_published_view_without_the_engine(TestDb::sqlite());
}

#[test]
fn postgres_a_snapshot_is_written_from_the_published_view_without_the_engine() {
    a_snapshot_is_written_from_the_published_view_without_the_engine(TestDb::postgres());
}

/// Time in the log never runs backwards: a command dated before the last
/// event is refused, naming that event's time, and records nothing; on a
/// stale node once it has caught up, and after a restart from a snapshot.
fn an_event_is_never_earlier_than_the_one_before(db: TestDb) {
    let (mut a, mut b) = (open(&db), open(&db));
    set_up(&mut a);
    let alice = Actor::new(person("alice"), Capacity::Administrator);
    a.execute(&alice, &admonish("bob"), at("2026-02-03T04:05:06Z"))
        .unwrap();
    let before = a.head();
    let refused = a
        .execute(&alice, &admonish("bob"), at("2026-02-03T04:05:05Z"))
        .unwrap_err();
    assert!(
        matches!(refused, EngineError::BeforeHead { .. }),
        "{refused}"
    );
    let message = refused.to_string();
    assert!(
        message.contains("2026-02-03T04:05:06Z") && message.contains("2026-02-03T04:05:05Z"),
        "{message}"
    );
    assert_eq!(db.open().head().unwrap(), before, "nothing recorded");
    // Node b has not seen a's events; it learns of them before refusing.
    let refused = b.execute(&alice, &admonish("bob"), at("2026-01-15T00:00:00Z"));
    assert!(
        matches!(refused, Err(EngineError::BeforeHead { .. })),
        "{refused:?}"
    );
    assert_eq!(db.open().head().unwrap(), before);
    // The same moment as the last event is not earlier.
    a.execute(&alice, &admonish("bob"), at("2026-02-03T04:05:06Z"))
        .unwrap();
    // Restarted from a snapshot with nothing to replay, the engine still knows.
    a.snapshot().unwrap();
    let mut restarted = open(&db);
    assert_eq!(restarted.head_at(), Some(at("2026-02-03T04:05:06Z")));
    let refused = restarted.execute(&alice, &admonish("bob"), at("2026-02-01T00:00:00Z"));
    assert!(
        matches!(refused, Err(EngineError::BeforeHead { .. })),
        "{refused:?}"
    );
}

#[test]
fn sqlite_an_event_is_never_earlier_than_the_one_before() {
    an_event_is_never_earlier_than_the_one_before(TestDb::sqlite());
}

#[test]
fn postgres_an_event_is_never_earlier_than_the_one_before() {
    an_event_is_never_earlier_than_the_one_before(TestDb::postgres());
}

/// A long catch-up (a start-up's replay) parses on other threads and applies
/// in log order: the state, the head and what the observers are told are
/// those of the engine that recorded the events, event for event.
fn a_long_replay_is_applied_in_log_order(db: TestDb) {
    use std::sync::{Arc, Mutex};
    type Seen = Arc<Mutex<Vec<(String, usize, usize)>>>;
    // Each event's kind, with the number of people and of actions after it.
    let watch = |engine: &mut Engine| -> Seen {
        let seen = Seen::default();
        engine.observe(Box::new({
            let seen = seen.clone();
            move |state, event| {
                seen.lock().unwrap().push((
                    event.kind().to_owned(),
                    state.people.len(),
                    state.actions.len(),
                ))
            }
        }));
        seen
    };
    let (mut a, mut b) = (open(&db), open(&db));
    let (recorded, replayed) = (watch(&mut a), watch(&mut b));
    set_up(&mut a);
    let op = operator();
    let alice = Actor::new(person("alice"), Capacity::Administrator);
    // Several batches of events for each parser thread, mixed with actions
    // on people registered just before them.
    for round in 0..12 {
        let mut commands: Vec<(Actor, Command)> = (0..1_000)
            .map(|n| {
                let who = format!("p{round}-{n}");
                (
                    op.clone(),
                    Command::RegisterPerson {
                        person: person(&who),
                        name: who,
                        time_zone: None,
                    },
                )
            })
            .collect();
        commands.push((alice.clone(), admonish(&format!("p{round}-7"))));
        a.execute_all(&commands, at("2026-02-01T00:00:00Z"))
            .unwrap();
    }
    let mut told = Vec::new();
    let count = b.catch_up(&mut |n| told.push(n)).unwrap();
    assert!(count > 12_000, "long enough to be pipelined: {count}");
    assert_eq!(told.last(), Some(&count), "progress ends with the count");
    assert_eq!(b.head(), a.head());
    assert_eq!(b.head_at(), a.head_at());
    assert!(
        b.state() == a.state(),
        "the same state as the recording engine"
    );
    let (recorded, replayed) = (recorded.lock().unwrap(), replayed.lock().unwrap());
    assert_eq!(recorded.len() as u64, count);
    let first_difference = recorded
        .iter()
        .zip(replayed.iter())
        .position(|(r, p)| r != p);
    assert_eq!(
        first_difference, None,
        "each event told in order with the state after it"
    );
    assert_eq!(replayed.len(), recorded.len());
    // A fresh start replays the same way.
    assert!(open(&db).state() == a.state());
}

#[test]
fn sqlite_a_long_replay_is_applied_in_log_order() {
    a_long_replay_is_applied_in_log_order(TestDb::sqlite());
}

#[test]
fn postgres_a_long_replay_is_applied_in_log_order() {
    a_long_replay_is_applied_in_log_order(TestDb::postgres());
}

/// An event that does not parse in the middle of a long replay stops it
/// with that event's error, whichever thread parsed it; nothing hangs.
#[test]
fn a_long_replay_stops_at_an_event_that_does_not_parse() {
    let db = TestDb::sqlite();
    let mut a = open(&db);
    set_up(&mut a);
    let op = operator();
    let commands: Vec<(Actor, Command)> = (0..9_000)
        .map(|n| {
            (
                op.clone(),
                Command::RegisterPerson {
                    person: person(&format!("p{n}")),
                    name: format!("P {n}"),
                    time_zone: None,
                },
            )
        })
        .collect();
    a.execute_all(&commands, at("2026-02-01T00:00:00Z"))
        .unwrap();
    db.sql("UPDATE events SET payload = '{\"type\":\"unheard_of\"}' WHERE seq = 6001");
    match Engine::open(db.open(), &mut |_| {}) {
        Err(EngineError::Store(modpod_store::StoreError::CorruptEvent { seq, .. })) => {
            assert_eq!(seq, 6001)
        }
        Err(other) => panic!("another error: {other}"),
        Ok(_) => panic!("replayed an event that does not parse"),
    }
}
