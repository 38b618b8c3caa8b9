//! Property tests on the SQLite backend: whatever is appended comes back
//! exactly and verifies, and any single changed byte in any stored column
//! of any event is caught at that event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use modpod_store::{BrokenReason, EventStore, NewEvent, SqliteStore, StoredEvent, Verdict, verify};
use proptest::prelude::*;
use rusqlite::Connection;

/// Any text without NUL (which the store refuses), of 1 to 12 characters.
fn text() -> impl Strategy<Value = String> {
    "[^\\x00]{1,12}"
}

fn new_event() -> impl Strategy<Value = NewEvent> {
    (any::<i64>(), text(), text(), text(), text()).prop_map(
        |(at_micros, actor, role, kind, payload)| NewEvent {
            at_micros,
            actor,
            role,
            kind,
            payload,
        },
    )
}

/// Batches of events, empty batches included.
fn batches() -> impl Strategy<Value = Vec<Vec<NewEvent>>> {
    prop::collection::vec(prop::collection::vec(new_event(), 0..6), 1..5)
}

/// A fresh log on disk with `batches` appended; returns the directory, the
/// database path, the store and what append returned.
fn build(
    batches: &[Vec<NewEvent>],
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    SqliteStore,
    Vec<StoredEvent>,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let mut stored = Vec::new();
    for batch in batches {
        let head = store.head().unwrap();
        stored.extend(store.append(head.seq, batch).unwrap());
    }
    (dir, path, store, stored)
}

/// The stored columns a tamperer could change.
#[derive(Clone, Copy, Debug)]
enum Column {
    At,
    Actor,
    Role,
    Kind,
    Payload,
    PrevHash,
    Hash,
}

fn column() -> impl Strategy<Value = Column> {
    prop_oneof![
        Just(Column::At),
        Just(Column::Actor),
        Just(Column::Role),
        Just(Column::Kind),
        Just(Column::Payload),
        Just(Column::PrevHash),
        Just(Column::Hash),
    ]
}

/// Changes one byte of one column of event `seq` with plain SQL: the byte
/// at `position` (modulo the length) is XORed with the non-zero `mask`.
fn flip(path: &std::path::Path, seq: u64, column: Column, position: usize, mask: u8) {
    let conn = Connection::open(path).unwrap();
    let seq = i64::try_from(seq).unwrap();
    let flip_in = |bytes: &mut Vec<u8>| {
        let at = position % bytes.len();
        bytes[at] ^= mask;
    };
    let (name, as_text) = match column {
        Column::At => {
            let at: i64 = conn
                .query_row("SELECT at_micros FROM events WHERE seq = ?1", [seq], |r| {
                    r.get(0)
                })
                .unwrap();
            let mut bytes = at.to_be_bytes().to_vec();
            flip_in(&mut bytes);
            let changed = i64::from_be_bytes(bytes.try_into().unwrap());
            conn.execute(
                "UPDATE events SET at_micros = ?1 WHERE seq = ?2",
                (changed, seq),
            )
            .unwrap();
            return;
        }
        Column::Actor => ("actor", true),
        Column::Role => ("role", true),
        Column::Kind => ("kind", true),
        Column::Payload => ("payload", true),
        Column::PrevHash => ("prev_hash", false),
        Column::Hash => ("hash", false),
    };
    let mut bytes: Vec<u8> = conn
        .query_row(
            &format!("SELECT CAST({name} AS BLOB) FROM events WHERE seq = ?1"),
            [seq],
            |r| r.get(0),
        )
        .unwrap();
    flip_in(&mut bytes);
    // A flipped text byte may leave invalid UTF-8; SQLite stores it anyway,
    // as a tamperer's tool would.
    let value = if as_text { "CAST(?1 AS TEXT)" } else { "?1" };
    conn.execute(
        &format!("UPDATE events SET {name} = {value} WHERE seq = ?2"),
        (bytes, seq),
    )
    .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn scan_returns_what_was_appended(batches in batches()) {
        let (_dir, _path, mut store, stored) = build(&batches);
        let appended: Vec<&NewEvent> = batches.iter().flatten().collect();
        prop_assert_eq!(stored.len(), appended.len());
        let mut scanned = Vec::new();
        store.scan(0, &mut |event| { scanned.push(event); Ok(()) }).unwrap();
        prop_assert_eq!(&scanned, &stored);
        for (i, (event, new)) in scanned.iter().zip(appended).enumerate() {
            prop_assert_eq!(event.seq, i as u64 + 1);
            prop_assert_eq!(
                (event.at_micros, &event.actor, &event.role, &event.kind, &event.payload),
                (new.at_micros, &new.actor, &new.role, &new.kind, &new.payload)
            );
        }
        let head = stored.last().map_or(modpod_store::Head::EMPTY, StoredEvent::as_head);
        prop_assert_eq!(verify(&mut store, &mut |_| {}).unwrap(), Verdict::Intact { head });
        prop_assert_eq!(store.event_count().unwrap(), stored.len() as u64);
    }

    #[test]
    fn any_changed_byte_is_caught_at_its_event(
        events in prop::collection::vec(new_event(), 1..8),
        split in any::<prop::sample::Index>(),
        target in any::<prop::sample::Index>(),
        column in column(),
        position in any::<usize>(),
        mask in 1u8..=255,
    ) {
        let (first, second) = events.split_at(split.index(events.len() + 1));
        let (_dir, path, mut store, stored) = build(&[first.to_vec(), second.to_vec()]);
        let seq = stored[target.index(stored.len())].seq;
        flip(&path, seq, column, position, mask);

        let Verdict::Broken(broken) = verify(&mut store, &mut |_| {}).unwrap() else {
            return Err(TestCaseError::fail(format!("{column:?} of event {seq} changed unnoticed")));
        };
        // Every check of an event runs before the next event is looked at,
        // so the damage is always reported at the changed event itself.
        prop_assert_eq!(broken.seq, seq, "{}", broken);
        let expected = match column {
            Column::PrevHash => matches!(broken.reason, BrokenReason::PrevMismatch { .. }),
            Column::Hash | Column::At => matches!(broken.reason, BrokenReason::HashMismatch { .. }),
            Column::Actor | Column::Role | Column::Kind | Column::Payload => matches!(
                broken.reason,
                BrokenReason::HashMismatch { .. } | BrokenReason::Unreadable(_)
            ),
        };
        prop_assert!(expected, "{:?}: {}", column, broken);
    }
}
