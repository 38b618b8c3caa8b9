#![allow(clippy::unwrap_used)]
mod common;
use std::time::Instant;
fn run(db: common::db::TestDb) {
    let mut store = db.open();
    let t = Instant::now();
    for (i, chunk) in common::events::sample(1_000_000, "m").chunks(1000).enumerate() {
        store.append((i * 1000) as u64, chunk).unwrap();
    }
    println!("{}: append 1M in batches of 1000: {:?}", store.backend(), t.elapsed());
    let t = Instant::now();
    let v = modpod_store::verify(store.as_mut(), &mut |_| {}).unwrap();
    println!("{}: verify 1M: {:?} {:?}", store.backend(), t.elapsed(), matches!(v, modpod_store::Verdict::Intact{..}));
}
#[test]
fn million() {
    run(common::db::TestDb::sqlite());
    run(common::db::TestDb::postgres());
}
