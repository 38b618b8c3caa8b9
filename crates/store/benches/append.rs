//! Throughput of durable appends at several batch sizes, and of a full
//! scan-and-verify, on SQLite (a file in a temporary directory) and, when
//! `MODPOD_TEST_PG_URL` names a server, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/events.rs"]
mod events;

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use modpod_store::{Verdict, verify};
use modpod_testkit::{PG_URL_VAR, TestDb};

/// The batch sizes measured.
const BATCHES: [u64; 4] = [1, 10, 100, 1000];

/// The size of the log that scan-and-verify reads.
const VERIFY_EVENTS: usize = 100_000;

/// A backend's name and how to make a throwaway database on it.
type Backend = (&'static str, fn() -> TestDb);

/// The backends to measure: SQLite always, PostgreSQL when configured.
fn backends() -> Vec<Backend> {
    let mut found: Vec<Backend> = vec![("sqlite", TestDb::sqlite)];
    if std::env::var_os(PG_URL_VAR).is_some() {
        found.push(("postgres", TestDb::postgres));
    } else {
        println!("skipping PostgreSQL benchmarks: {PG_URL_VAR} is not set");
    }
    found
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (name, make) in backends() {
        for batch in BATCHES {
            let db = make();
            let mut store = db.open();
            let events = events::sample(usize::try_from(batch).unwrap(), "bench");
            let mut head = 0;
            group.throughput(Throughput::Elements(batch));
            group.bench_with_input(BenchmarkId::new(name, batch), &batch, |b, _| {
                b.iter(|| {
                    let stored = store.append(head, &events).unwrap();
                    head += batch;
                    black_box(stored)
                });
            });
        }
    }
    group.finish();
}

fn scan_and_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for (name, make) in backends() {
        let db = make();
        let mut store = db.open();
        for (i, chunk) in events::sample(VERIFY_EVENTS, "verify")
            .chunks(1000)
            .enumerate()
        {
            store
                .append(u64::try_from(i * 1000).unwrap(), chunk)
                .unwrap();
        }
        group.throughput(Throughput::Elements(VERIFY_EVENTS as u64));
        group.bench_function(BenchmarkId::new(name, VERIFY_EVENTS), |b| {
            b.iter(|| {
                let verdict = verify(store.as_mut(), &mut |_| {}).unwrap();
                assert!(matches!(verdict, Verdict::Intact { .. }));
            });
        });
    }
    group.finish();
}

/// Plots and the default 100,000 bootstrap resamples take longer than the
/// measurements themselves; the figures are what matters here.
fn config() -> Criterion {
    Criterion::default().without_plots().nresamples(10_000)
}

criterion_group! {
    name = benches;
    config = config();
    targets = append, scan_and_verify
}
criterion_main!(benches);
