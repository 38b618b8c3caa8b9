//! The enforcement hot path at scale: `Index::decide` over an index of
//! 1,000,000 known identities (250,000 people with four addresses each) and
//! 100,000 restrictions in force, built from a synthetic state made by
//! applying events, as a replay of the log would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use modpod_enforce::{Index, Verdict};
use std::hint::black_box;
use synthetic::{ADDRESSES_PER_PERSON, PEOPLE, RESTRICTED, synthetic_state};

fn bench(c: &mut Criterion) {
    let start: Timestamp = "2024-01-01T00:00:00Z"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let now: Timestamp = "2024-06-01T00:00:00Z"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let index = Index::build(&synthetic_state(start, RESTRICTED));
    assert_eq!(
        index.identity_count(),
        (PEOPLE * ADDRESSES_PER_PERSON) as usize
    );
    assert_eq!(index.restriction_count(), RESTRICTED as usize);

    // Person 4 is suspended on list4@ and list5@; person 200000 has no action.
    let restricted = "Person4.Alias2@Example4.org";
    let clean = "person200000.alias3@example79.org";
    let unknown = "nobody@example.org";
    assert_eq!(
        index.decide("list4@", restricted, now),
        Verdict::Reject { until: None }
    );
    assert_eq!(index.decide("list4@", clean, now), Verdict::Allow);
    assert_eq!(index.decide("list4@", unknown, now), Verdict::Allow);

    let mut group = c.benchmark_group("decide");
    group.bench_function("restricted sender", |b| {
        b.iter(|| index.decide(black_box("list4@"), black_box(restricted), black_box(now)))
    });
    group.bench_function("clean known sender", |b| {
        b.iter(|| index.decide(black_box("list4@"), black_box(clean), black_box(now)))
    });
    group.bench_function("unknown sender", |b| {
        b.iter(|| index.decide(black_box("list4@"), black_box(unknown), black_box(now)))
    });
    group.bench_function("restricted sender with +tag", |b| {
        let tagged = "person4.alias2+ietf@example4.org";
        b.iter(|| index.decide(black_box("list4@"), black_box(tagged), black_box(now)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
