//! Measures the heap the enforcement hot path holds: bytes per active
//! restriction and per known identity in the decision index, and bytes per
//! rate-limiter entry. It counts every allocation with dhat's allocator, so
//! the figures are exact heap bytes (allocator bookkeeping aside), not RSS.
//!
//!     cargo run --release -p modpod-enforce --example memory
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/synthetic/mod.rs"]
mod synthetic;

use jiff::Timestamp;
use modpod_enforce::Index;
use modpod_enforce::limiter::{Count, Limiter};
use synthetic::{ADDRESSES_PER_PERSON, PEOPLE, RESTRICTED, forum, person, synthetic_state};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn heap() -> u64 {
    dhat::HeapStats::get().curr_bytes as u64
}

/// The heap bytes that `make` leaves allocated, with what it made.
fn measure<T>(make: impl FnOnce() -> T) -> (T, u64) {
    let before = heap();
    let made = make();
    (made, heap() - before)
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let start: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
    let identities = u64::from(PEOPLE * ADDRESSES_PER_PERSON);

    let (index, unrestricted) = measure(|| Index::build(&synthetic_state(start, 0)));
    drop(index);
    let state = synthetic_state(start, RESTRICTED);
    let (index, restricted) = measure(|| Index::build(&state));
    assert_eq!(index.restriction_count(), RESTRICTED as usize);
    drop(state);
    println!("decision index, {identities} identities, {RESTRICTED} restrictions in force:");
    println!(
        "  per known identity:      {:>4} bytes  ({unrestricted} bytes with no restriction)",
        unrestricted / identities
    );
    println!(
        "  per active restriction:  {:>4} bytes  ({restricted} bytes in all)",
        (restricted - unrestricted) / u64::from(RESTRICTED)
    );

    // A limiter entry per (person, forum) that posted lately.
    let entries: u32 = 100_000;
    let now: Timestamp = "2024-06-01T00:00:00Z".parse().unwrap();
    let people: Vec<_> = (0..entries).map(person).collect();
    let fora: Vec<String> = (0..entries).map(|n| forum(n % 20).to_string()).collect();
    let (limiter, bytes) = measure(|| {
        let mut limiter = Limiter::new();
        for (p, f) in people.iter().zip(&fora) {
            assert_eq!(limiter.count(p, f, 5, 3600, now), Count::Counted);
        }
        limiter
    });
    assert_eq!(limiter.len(), entries as usize);
    println!("rate limiter, {entries} entries (person, forum):");
    println!(
        "  per entry:               {:>4} bytes  ({bytes} bytes in all)",
        bytes / u64::from(entries)
    );
}
