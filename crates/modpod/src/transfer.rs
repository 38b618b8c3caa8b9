//! `modpod export` and `modpod import`: the log as JSON lines, one event a line,
//! with its sequence number, envelope, payload and hashes. Import checks the
//! whole chain of the file as it reads it and writes into an empty log only, so
//! an imported log is the exported one, hash for hash; then it rebuilds the
//! state once and saves it as a snapshot.

use anyhow::{Context, bail};
use modpod::log_lines::{read_line, write_line};
use modpod_store::{GENESIS, Hash, NewEvent, StoredEvent, hash_hex};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

/// Events are appended in batches of this size during import.
const BATCH: usize = 1_000;

pub fn export(db: &str, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut store = modpod_store::open(db)?;
    let total = store.event_count()?;
    let out: Box<dyn Write> = match output {
        Some(p) => {
            Box::new(File::create(p).with_context(|| format!("cannot create {}", p.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    let bar = crate::progress::bar("exporting", total);
    let mut failure = None;
    store
        .scan(0, &mut |e: StoredEvent| {
            if let Err(err) = write_line(&mut out, &e) {
                failure = Some(err);
                return Err(modpod_store::StoreError::CorruptEvent {
                    seq: e.seq,
                    reason: "could not be written out".into(),
                });
            }
            if e.seq.is_multiple_of(10_000) {
                bar.set_position(e.seq);
            }
            Ok(())
        })
        .or_else(|e| if failure.is_some() { Ok(()) } else { Err(e) })?;
    if let Some(err) = failure {
        return Err(err);
    }
    out.flush()?;
    bar.finish_and_clear();
    eprintln!("exported {total} events");
    Ok(ExitCode::SUCCESS)
}

pub fn import(db: &str, path: &Path) -> anyhow::Result<ExitCode> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut store = modpod_store::open(db)?;
    let head = store.head()?;
    if head.seq != 0 {
        bail!(
            "the target log already holds {} events; import writes into an empty log only",
            head.seq
        );
    }
    let bar = crate::progress::bar("importing (bytes)", size);
    let (mut prev, mut next_seq, mut read) = (GENESIS, 1u64, 0u64);
    let mut batch: Vec<(NewEvent, Hash)> = Vec::with_capacity(BATCH);
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line =
            line.with_context(|| format!("{}: cannot read line {}", path.display(), n + 1))?;
        read += line.len() as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let (event, hash) = read_line(&line, next_seq, &prev)
            .with_context(|| format!("{} line {}", path.display(), n + 1))?;
        batch.push((event, hash));
        (prev, next_seq) = (hash, next_seq + 1);
        if batch.len() == BATCH {
            flush(store.as_mut(), &mut batch)?;
            bar.set_position(read);
        }
    }
    flush(store.as_mut(), &mut batch)?;
    bar.finish_and_clear();
    drop(store);
    // Rebuild the state once now and keep it as a snapshot, so that the first
    // start after an import does not replay the whole log.
    let mut engine = crate::open_engine(db)?;
    engine.snapshot()?;
    println!("imported {} events; head {}", next_seq - 1, hash_hex(&prev));
    Ok(ExitCode::SUCCESS)
}

/// Appends a batch and checks the store computed the same hashes as the file.
fn flush(
    store: &mut dyn modpod_store::EventStore,
    batch: &mut Vec<(NewEvent, Hash)>,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let head = store.head()?;
    let events: Vec<NewEvent> = batch.iter().map(|(e, _)| e.clone()).collect();
    let stored = store.append(head.seq, &events)?;
    for (s, (_, h)) in stored.iter().zip(batch.iter()) {
        if s.hash != *h {
            bail!(
                "event {} was stored with a different hash than the file's",
                s.seq
            );
        }
    }
    batch.clear();
    Ok(())
}
