//! The transparency log on a log of 1,000,000 events (AUDIT-2's targets):
//!
//! - `publish/*`: building the tree from the (seq, hash) pairs, and the first
//!   publication into an empty directory (every tile and the signed
//!   checkpoint); then both from a real SQLite log, as `modpod serve` does at
//!   start-up, the first time and at a restart;
//! - `verify/*`: checking one inclusion proof and one consistency proof;
//! - `audit/*`: what `modpod audit check` does with two checkpoints (of
//!   500,000 and 1,000,000 events) and the tiles in a directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use modpod_audit::{LogKeys, Publisher, Source, check_consistent, check_receipt, open_checkpoint};
use modpod_store::{EventStore, Hash, NewEvent};
use modpod_testkit::TestDb;
use tempfile::TempDir;
use tlog_tiles::{check_record, check_tree};

/// The log's events: 1,000,000 when benchmarking (`cargo bench` passes
/// `--bench`); 10,000 when `cargo test` runs each benchmark once to see that
/// it works, which on a million events in a debug build takes a minute and a
/// half of the test command's time.
static EVENTS: LazyLock<u64> = LazyLock::new(|| {
    if std::env::args().any(|arg| arg == "--bench") {
        1_000_000
    } else {
        10_000
    }
});
const ORIGIN: &str = "bench.example/modpod";

/// The log's events as the store gives them: sequence number and hash.
fn hashes(n: u64) -> Vec<(u64, Hash)> {
    (1..=n)
        .map(|seq| (seq, *blake3::hash(&seq.to_be_bytes()).as_bytes()))
        .collect()
}

/// A key directory with a fixed commitment key (the same tree from run to
/// run) and a signing key made for this run.
fn key_dir() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("commitment.key"),
        format!("{}\n", "2a".repeat(32)),
    )
    .unwrap();
    LogKeys::open_or_create(dir.path(), ORIGIN).unwrap();
    dir
}

fn publisher(keys: &Path, dir: &Path, events: &[(u64, Hash)]) -> Publisher {
    let mut publisher = Publisher::open(LogKeys::open(keys).unwrap(), dir).unwrap();
    publisher.extend(events).unwrap();
    publisher
}

/// Appends `n` events to `store`, after `head`.
fn append(store: &mut dyn EventStore, mut head: u64, n: u64) -> u64 {
    let end = head + n;
    while head < end {
        let batch: Vec<NewEvent> = (head..end.min(head + 10_000))
            .map(|i| NewEvent {
                at_micros: 1_700_000_000_000_000 + i64::try_from(i).unwrap(),
                actor: format!("actor-{}", i % 20_000),
                role: "moderator".into(),
                kind: "report_acknowledged".into(),
                payload: format!(r#"{{"report":{i}}}"#),
            })
            .collect();
        head += u64::try_from(store.append(head, &batch).unwrap().len()).unwrap();
    }
    head
}

fn publish(c: &mut Criterion) {
    let keys = key_dir();
    let keys = keys.path();
    let events = hashes(*EVENTS);
    let mut group = c.benchmark_group("publish");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10));

    // The tree alone, from the (seq, hash) pairs.
    group.bench_function("build_tree_1m", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let publisher = Publisher::open(LogKeys::open(keys).unwrap(), dir.path()).unwrap();
                (dir, publisher)
            },
            |(dir, mut publisher)| {
                publisher.extend(&events).unwrap();
                (dir, publisher)
            },
            BatchSize::PerIteration,
        );
    });

    // The first publication of a log of 1,000,000 events: its 3,906 full
    // tiles and the partial ones, then the checkpoint.
    group.bench_function("first_publish_1m", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let publisher = publisher(keys, dir.path(), &events);
                (dir, publisher)
            },
            |(dir, mut publisher)| {
                let published = publisher.publish().unwrap().unwrap();
                assert_eq!(published.size, *EVENTS);
                (dir, publisher)
            },
            BatchSize::PerIteration,
        );
    });

    // `modpod serve` starting on a SQLite log of 1,000,000 events: the
    // hashes read from the store (10,000 at a time), the tree built, and a
    // checkpoint published. First with no transparency log yet (every tile
    // written), then as at every later start: the checkpoint published
    // before covers 999,000 events, so only the new tiles are written.
    let db = TestDb::sqlite();
    let mut store = db.open();
    let head = append(store.as_mut(), 0, *EVENTS - 1000);
    let public = tempfile::tempdir().unwrap();
    let mut first = Publisher::open(LogKeys::open(keys).unwrap(), public.path()).unwrap();
    first.follow(store.as_mut()).unwrap();
    let before = first.publish().unwrap().unwrap().note.clone();
    drop(first);
    append(store.as_mut(), head, 1000);

    group.bench_function("first_start_sqlite_1m", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let publisher = Publisher::open(LogKeys::open(keys).unwrap(), dir.path()).unwrap();
                (dir, publisher)
            },
            |(dir, mut publisher)| {
                assert_eq!(publisher.follow(store.as_mut()).unwrap(), *EVENTS);
                publisher.publish().unwrap().unwrap();
                (dir, publisher)
            },
            BatchSize::PerIteration,
        );
    });

    group.bench_function("restart_sqlite_1m", |b| {
        b.iter_batched(
            || std::fs::write(public.path().join("checkpoint"), &before).unwrap(),
            |()| {
                let mut publisher =
                    Publisher::open(LogKeys::open(keys).unwrap(), public.path()).unwrap();
                assert_eq!(publisher.published().unwrap().size, *EVENTS - 1000);
                assert_eq!(publisher.follow(store.as_mut()).unwrap(), *EVENTS);
                assert_eq!(publisher.publish().unwrap().unwrap().size, *EVENTS);
                publisher
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

fn verify(c: &mut Criterion) {
    let keys = key_dir();
    let events = hashes(*EVENTS);
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher(keys.path(), dir.path(), &events);
    let tree = publisher.tree();
    let root = tree.root(*EVENTS).unwrap();
    let index = *EVENTS * 123_456 / 1_000_000;
    let leaf = LogKeys::open(keys.path())
        .unwrap()
        .commitment
        .open(index + 1, events[usize::try_from(index).unwrap()].1)
        .leaf_hash();
    let inclusion = tree.inclusion(index, *EVENTS).unwrap();
    let old = *EVENTS / 2;
    let old_root = tree.root(old).unwrap();
    let consistency = tree.consistency(old, *EVENTS).unwrap();
    check_record(&inclusion, *EVENTS, root, index, leaf).unwrap();
    check_tree(&consistency, *EVENTS, root, old, old_root).unwrap();

    let mut group = c.benchmark_group("verify");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("inclusion_proof_1m", |b| {
        b.iter(|| {
            check_record(
                black_box(&inclusion),
                *EVENTS,
                black_box(root),
                index,
                black_box(leaf),
            )
            .unwrap();
        });
    });
    group.bench_function("consistency_proof_500k_1m", |b| {
        b.iter(|| {
            check_tree(
                black_box(&consistency),
                *EVENTS,
                black_box(root),
                old,
                black_box(old_root),
            )
            .unwrap();
        });
    });
    group.finish();
}

/// A public directory with checkpoints of 500,000 and 1,000,000 events,
/// the first one's note, and a receipt made at the first.
fn published_log() -> (TempDir, Vec<u8>, modpod_audit::Receipt) {
    let keys = key_dir();
    let events = hashes(*EVENTS);
    let dir = tempfile::tempdir().unwrap();
    let mut publisher = Publisher::open(LogKeys::open(keys.path()).unwrap(), dir.path()).unwrap();
    let half = events.len() / 2;
    publisher.extend(&events[..half]).unwrap();
    let receipt = publisher
        .receipt(*EVENTS * 123_457 / 1_000_000)
        .unwrap()
        .unwrap();
    let old = receipt.checkpoint.clone();
    publisher.extend(&events[half..]).unwrap();
    publisher.publish().unwrap().unwrap();
    (dir, old, receipt)
}

fn audit(c: &mut Criterion) {
    let (dir, old_note, receipt) = published_log();
    let vkey = std::fs::read_to_string(dir.path().join("key")).unwrap();
    let source = Source::Dir(dir.path().to_owned());

    let mut group = c.benchmark_group("audit");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("check_two_checkpoints_500k_1m_from_tiles", |b| {
        b.iter(|| {
            let old = open_checkpoint(&old_note, &vkey, &[], 0).unwrap();
            let new = open_checkpoint(&source.checkpoint().unwrap(), &vkey, &[], 0).unwrap();
            assert_eq!(new.checkpoint.size(), *EVENTS);
            check_consistent(&source, &old.checkpoint, &new.checkpoint).unwrap();
        });
    });
    group.bench_function("check_receipt_500k_1m_from_tiles", |b| {
        b.iter(|| {
            let old = open_checkpoint(&receipt.checkpoint, &vkey, &[], 0).unwrap();
            let new = open_checkpoint(&source.checkpoint().unwrap(), &vkey, &[], 0).unwrap();
            check_receipt(&source, &receipt, &old.checkpoint, &new.checkpoint).unwrap();
        });
    });
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
    targets = publish, verify, audit
}
criterion_main!(benches);
