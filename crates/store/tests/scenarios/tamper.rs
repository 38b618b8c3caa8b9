//! Damage done with plain SQL behind the store's back, and what verify says
//! about it. Every scenario builds the same ten-event log first.

use modpod_store::{BrokenReason, EventStore, Head, NewEvent, StoreError, event_hash};

use super::{build, expect_broken, expect_intact};
use crate::common::db::TestDb;
use crate::common::events::sample;

/// Builds the ten-event log that the scenarios damage.
fn ten(store: &mut dyn EventStore) -> Vec<modpod_store::StoredEvent> {
    build(store, 10, 4)
}

pub fn edited_payload_is_caught(store: &mut dyn EventStore, db: &TestDb) {
    ten(store);
    db.sql(r#"UPDATE events SET payload = '{"edited":true}' WHERE seq = 5"#);
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 5);
    assert!(
        matches!(broken.reason, BrokenReason::HashMismatch { .. }),
        "{broken}"
    );
}

pub fn edited_time_is_caught(store: &mut dyn EventStore, db: &TestDb) {
    ten(store);
    db.sql("UPDATE events SET at_micros = at_micros + 1 WHERE seq = 2");
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 2);
    assert!(
        matches!(broken.reason, BrokenReason::HashMismatch { .. }),
        "{broken}"
    );
}

pub fn edit_with_rehash_breaks_the_next_link(store: &mut dyn EventStore, db: &TestDb) {
    let stored = ten(store);
    let forged = NewEvent {
        at_micros: stored[4].at_micros,
        actor: stored[4].actor.clone(),
        role: stored[4].role.clone(),
        kind: stored[4].kind.clone(),
        payload: r#"{"forged":true}"#.into(),
    };
    let hash = event_hash(5, &forged, &stored[4].prev_hash);
    db.sql(&format!(
        r#"UPDATE events SET payload = '{{"forged":true}}', hash = {} WHERE seq = 5"#,
        db.bytes_literal(&hash)
    ));
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 6);
    assert!(
        matches!(broken.reason, BrokenReason::PrevMismatch { .. }),
        "{broken}"
    );
}

pub fn deleted_middle_event_is_caught(store: &mut dyn EventStore, db: &TestDb) {
    ten(store);
    db.sql("DELETE FROM events WHERE seq = 5");
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 5);
    assert_eq!(
        broken.reason,
        BrokenReason::Gap {
            expected: 5,
            found: 6
        }
    );
}

pub fn deleted_first_event_is_caught(store: &mut dyn EventStore, db: &TestDb) {
    ten(store);
    db.sql("DELETE FROM events WHERE seq = 1");
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 1);
    assert_eq!(
        broken.reason,
        BrokenReason::Gap {
            expected: 1,
            found: 2
        }
    );
}

pub fn deleted_last_event_is_caught(store: &mut dyn EventStore, db: &TestDb) {
    let stored = ten(store);
    db.sql("DELETE FROM events WHERE seq = 10");
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 10);
    assert_eq!(
        broken.reason,
        BrokenReason::HeadMismatch {
            recorded: stored[9].as_head(),
            actual: stored[8].as_head(),
        }
    );
}

pub fn swapped_sequence_numbers_are_caught(store: &mut dyn EventStore, db: &TestDb) {
    ten(store);
    db.sql(
        "UPDATE events SET seq = -3 WHERE seq = 3;
         UPDATE events SET seq = 3 WHERE seq = 4;
         UPDATE events SET seq = 4 WHERE seq = -3;",
    );
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 3);
    assert!(
        matches!(broken.reason, BrokenReason::PrevMismatch { .. }),
        "{broken}"
    );
}

pub fn swapped_payloads_are_caught(store: &mut dyn EventStore, db: &TestDb) {
    ten(store);
    db.sql(
        "CREATE TEMP TABLE saved AS SELECT seq, payload FROM events WHERE seq IN (3, 4);
         UPDATE events SET payload = (SELECT payload FROM saved WHERE saved.seq = 7 - events.seq)
             WHERE seq IN (3, 4);",
    );
    assert_ne!(
        db.query_i64("SELECT count(*) FROM events WHERE seq = 3 AND payload LIKE '%\"n\":3%'"),
        0
    );
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 3);
    assert!(
        matches!(broken.reason, BrokenReason::HashMismatch { .. }),
        "{broken}"
    );
}

pub fn event_added_behind_the_head_is_caught(store: &mut dyn EventStore, db: &TestDb) {
    let stored = ten(store);
    let extra = NewEvent {
        at_micros: 0,
        actor: "intruder".into(),
        role: "none".into(),
        kind: "k".into(),
        payload: "{}".into(),
    };
    let hash = event_hash(11, &extra, &stored[9].hash);
    db.sql(&format!(
        "INSERT INTO events (seq, at_micros, actor, role, kind, payload, prev_hash, hash)
         VALUES (11, 0, 'intruder', 'none', 'k', '{{}}', {}, {})",
        db.bytes_literal(&stored[9].hash),
        db.bytes_literal(&hash)
    ));
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 11);
    assert_eq!(
        broken.reason,
        BrokenReason::HeadMismatch {
            recorded: stored[9].as_head(),
            actual: Head { seq: 11, hash },
        }
    );
    // Appending onto such a log fails with a clear error, not a panic.
    let refused = store.append(10, &sample(1, "late"));
    assert!(
        matches!(refused, Err(StoreError::Corrupt(_))),
        "{refused:?}"
    );
}

pub fn truncated_hash_is_caught(store: &mut dyn EventStore, db: &TestDb) {
    ten(store);
    db.sql("UPDATE events SET hash = substr(hash, 1, 31) WHERE seq = 4");
    let broken = expect_broken(store);
    assert_eq!(broken.seq, 4);
    assert!(
        matches!(broken.reason, BrokenReason::Unreadable(_)),
        "{broken}"
    );
}

pub fn missing_head_record_is_an_error(store: &mut dyn EventStore, db: &TestDb) {
    ten(store);
    db.sql("DELETE FROM head");
    let head = store.head();
    assert!(
        matches!(head, Err(StoreError::Corrupt(ref why)) if why.contains("head record")),
        "{head:?}"
    );
    let verified = modpod_store::verify(store, &mut |_| {});
    assert!(
        matches!(verified, Err(StoreError::Corrupt(_))),
        "{verified:?}"
    );
}

/// The limit of verify: a consistent rewrite of the tail, head record
/// included, passes, and only the head hash (the anchor) reveals it.
pub fn consistent_rewrite_changes_only_the_anchor(store: &mut dyn EventStore, db: &TestDb) {
    let stored = ten(store);
    let published = expect_intact(store);
    let last = &stored[9];
    let forged = NewEvent {
        at_micros: last.at_micros,
        actor: last.actor.clone(),
        role: last.role.clone(),
        kind: last.kind.clone(),
        payload: "{}".into(),
    };
    let hash = event_hash(10, &forged, &last.prev_hash);
    let hash = db.bytes_literal(&hash);
    db.sql(&format!(
        "UPDATE events SET payload = '{{}}', hash = {hash} WHERE seq = 10;
         UPDATE head SET hash = {hash} WHERE id = 1;"
    ));
    let rewritten = expect_intact(store);
    assert_eq!(rewritten.seq, published.seq);
    assert_ne!(
        rewritten.hash, published.hash,
        "the anchor must expose the rewrite"
    );
}
