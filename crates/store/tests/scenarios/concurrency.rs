//! Several writers, each on its own connection (as separate processes
//! would be), appending at once with retry on conflict: the chain must
//! neither fork nor lose an event.

use std::thread;

use modpod_store::{EventStore, StoreError};

use super::{expect_intact, scan_all};
use crate::common::db::TestDb;
use crate::common::events::sample;

const WRITERS: usize = 4;
const APPENDS_EACH: usize = 25;
const BATCH: usize = 3;

pub fn concurrent_writers_never_fork(store: &mut dyn EventStore, db: &TestDb) {
    let conflicts: usize = thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| scope.spawn(move || write_all(db, w)))
            .collect();
        writers
            .into_iter()
            .map(|h| h.join().expect("writer panicked"))
            .sum()
    });
    let total = WRITERS * APPENDS_EACH * BATCH;
    assert_eq!(store.event_count().unwrap(), total as u64);
    assert_eq!(expect_intact(store).seq, total as u64);
    for w in 0..WRITERS {
        let prefix = format!("writer{w}-actor");
        let mine = scan_all(store)
            .into_iter()
            .filter(|e| e.actor.starts_with(&prefix))
            .count();
        assert_eq!(mine, APPENDS_EACH * BATCH, "writer {w} lost events");
    }
    println!("{conflicts} conflicts were retried");
}

/// One writer's work; returns how many conflicts it retried.
fn write_all(db: &TestDb, writer: usize) -> usize {
    let mut store = db.open();
    let mut conflicts = 0;
    for chunk in sample(APPENDS_EACH * BATCH, &format!("writer{writer}")).chunks(BATCH) {
        loop {
            let head = store.head().expect("head");
            match store.append(head.seq, chunk) {
                Ok(_) => break,
                Err(StoreError::Conflict { .. }) => conflicts += 1,
                Err(other) => panic!("writer {writer} failed: {other}"),
            }
        }
    }
    conflicts
}
