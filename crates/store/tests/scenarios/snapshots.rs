//! Snapshots: saved only for points of the log, pruned to the newest few,
//! and ignored once the log no longer matches them.

use modpod_store::{EventStore, SNAPSHOTS_KEPT, Snapshot, StoreError};

use super::build;
use crate::common::db::TestDb;

fn snapshot_of(event: &modpod_store::StoredEvent) -> Snapshot {
    Snapshot {
        seq: event.seq,
        hash: event.hash,
        state: format!("state after {}", event.seq).into_bytes(),
    }
}

pub fn snapshots_keep_the_newest(store: &mut dyn EventStore, db: &TestDb) {
    let stored = build(store, 10, 10);
    for seq in [2, 4, 8, 6] {
        store.save_snapshot(&snapshot_of(&stored[seq - 1])).unwrap();
    }
    assert_eq!(
        store.latest_snapshot().unwrap(),
        Some(snapshot_of(&stored[7]))
    );
    let kept = db.query_i64("SELECT count(*) FROM snapshots");
    assert_eq!(u64::try_from(kept).unwrap(), SNAPSHOTS_KEPT);
    assert_eq!(db.query_i64("SELECT min(seq) FROM snapshots"), 4);

    // Saving again at the same point replaces the state.
    let mut newer = snapshot_of(&stored[7]);
    newer.state = b"replaced".to_vec();
    store.save_snapshot(&newer).unwrap();
    assert_eq!(store.latest_snapshot().unwrap(), Some(newer));
}

pub fn snapshots_must_match_the_log(store: &mut dyn EventStore, _db: &TestDb) {
    let stored = build(store, 3, 3);
    let mut beyond = snapshot_of(&stored[2]);
    beyond.seq = 4;
    assert!(matches!(
        store.save_snapshot(&beyond),
        Err(StoreError::SnapshotMismatch { seq: 4 })
    ));
    let mut wrong_hash = snapshot_of(&stored[1]);
    wrong_hash.hash = stored[0].hash;
    assert!(matches!(
        store.save_snapshot(&wrong_hash),
        Err(StoreError::SnapshotMismatch { seq: 2 })
    ));
    assert_eq!(store.latest_snapshot().unwrap(), None);
}

pub fn snapshot_of_a_rewritten_log_is_ignored(store: &mut dyn EventStore, db: &TestDb) {
    let stored = build(store, 6, 6);
    store.save_snapshot(&snapshot_of(&stored[2])).unwrap();
    store.save_snapshot(&snapshot_of(&stored[5])).unwrap();
    db.sql("UPDATE events SET hash = prev_hash WHERE seq = 6");
    assert_eq!(
        store.latest_snapshot().unwrap(),
        Some(snapshot_of(&stored[2]))
    );
}
