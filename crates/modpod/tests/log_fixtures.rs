//! The log of every kind of event (LOG-1, `crates/policy/tests/fixtures/
//! log-vN.jsonl`, N the current version) as both backends export it: `fixtures/log-vN-export.jsonl`
//! is imported into SQLite and into PostgreSQL, checks, exports back byte for
//! byte from either, and replays to the state it was written from.
//!
//! The export's envelope is the fixture's own (each event by the operator,
//! one second apart): replay reads the payloads only. To write it again with
//! the policy's fixtures: `MODPOD_WRITE_FIXTURES=1 cargo test -p modpod
//! --test log_fixtures`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::ok;
use modpod_policy::State;
use modpod_policy::event::format::VERSION;
use modpod_store::{GENESIS, NewEvent, event_hash, hash_hex};
use modpod_testkit::TestDb;
use std::path::PathBuf;

fn policy_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../policy/tests/fixtures")
        .join(name)
}

fn export_fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/log-v{VERSION}-export.jsonl"))
}

/// The export of the policy's fixture, written as `modpod export` writes.
fn write_export() {
    let payloads =
        std::fs::read_to_string(policy_fixture(&format!("log-v{VERSION}.jsonl"))).unwrap();
    let start: jiff::Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
    let mut prev = GENESIS;
    let mut out = String::new();
    for (n, payload) in payloads.lines().enumerate() {
        let seq = n as u64 + 1;
        let at = start + jiff::SignedDuration::from_secs(n as i64);
        let kind = modpod_policy::Event::from_payload(payload).unwrap().kind();
        let event = NewEvent {
            at_micros: at.as_microsecond(),
            actor: "op".into(),
            role: "operator".into(),
            kind: kind.into(),
            payload: payload.into(),
        };
        let hash = event_hash(seq, &event, &prev);
        out.push_str(&format!(
            "{{\"seq\":{seq},\"at\":\"{at}\",\"at_micros\":{},\"actor\":\"op\",\"role\":\"operator\",\"kind\":\"{kind}\",\"payload\":{payload},\"prev_hash\":\"{}\",\"hash\":\"{}\"}}\n",
            event.at_micros,
            hash_hex(&prev),
            hash_hex(&hash)
        ));
        prev = hash;
    }
    std::fs::create_dir_all(export_fixture().parent().unwrap()).unwrap();
    std::fs::write(export_fixture(), out).unwrap();
}

/// The state the log's last snapshot holds.
fn snapshot_state(db: &TestDb) -> State {
    let snap = db
        .open()
        .latest_snapshot()
        .unwrap()
        .expect("import leaves a snapshot");
    modpod_server::engine::read_snapshot(&snap.state)
        .expect("a snapshot of this version")
        .state
}

fn imports_exports_and_replays(db: &TestDb) {
    let fixture = export_fixture();
    let path = fixture.to_str().unwrap();
    ok(&db.url, &["import", path]);
    ok(&db.url, &["verify"]);
    let dir = tempfile::tempdir().unwrap();
    let again = dir.path().join("again.jsonl");
    ok(&db.url, &["export", "--output", again.to_str().unwrap()]);
    assert!(
        std::fs::read(&again).unwrap() == std::fs::read(&fixture).unwrap(),
        "{} exports the fixture otherwise",
        db.url
    );
    let expected: State = serde_json::from_str(
        &std::fs::read_to_string(policy_fixture(&format!("log-v{VERSION}.state.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(snapshot_state(db), expected, "{}", db.url);
}

#[test]
fn log_1_the_log_of_every_kind_of_event_is_exported_alike_by_sqlite_and_postgres_and_replays() {
    if std::env::var_os("MODPOD_WRITE_FIXTURES").is_some() {
        write_export();
    }
    imports_exports_and_replays(&TestDb::sqlite());
    imports_exports_and_replays(&TestDb::postgres());
}
