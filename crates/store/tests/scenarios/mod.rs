//! The storage scenarios, each written once against `&mut dyn EventStore`
//! and run on every backend by `tests/stories.rs`. The `TestDb` argument
//! gives a scenario what the trait does not: new connections and plain SQL.

pub mod basics;
pub mod concurrency;
pub mod ledger;
pub mod snapshots;
pub mod tamper;

use modpod_store::{Broken, EventStore, StoredEvent, Verdict, verify};

use crate::common::events::sample;

/// Appends `n` sample events in batches of at most `batch`.
pub fn build(store: &mut dyn EventStore, n: usize, batch: usize) -> Vec<StoredEvent> {
    let mut all = Vec::new();
    for chunk in sample(n, "story").chunks(batch) {
        let head = store.head().expect("head");
        all.extend(store.append(head.seq, chunk).expect("append"));
    }
    all
}

/// Every event, as scanned from the start.
pub fn scan_all(store: &mut dyn EventStore) -> Vec<StoredEvent> {
    let mut seen = Vec::new();
    store
        .scan(0, &mut |event| {
            seen.push(event);
            Ok(())
        })
        .expect("scan");
    seen
}

/// Runs verify and returns the damage it must find.
pub fn expect_broken(store: &mut dyn EventStore) -> Broken {
    match verify(store, &mut |_| {}).expect("verify could not read the log") {
        Verdict::Broken(broken) => broken,
        Verdict::Intact { head } => panic!("verify missed the damage and reported {head:?}"),
    }
}

/// Runs verify and returns the intact head.
pub fn expect_intact(store: &mut dyn EventStore) -> modpod_store::Head {
    match verify(store, &mut |_| {}).expect("verify could not read the log") {
        Verdict::Intact { head } => head,
        Verdict::Broken(broken) => panic!("verify reported damage in a sound log: {broken}"),
    }
}
