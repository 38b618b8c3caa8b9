//! `modpod export` and `modpod import`: the log as JSON lines, one event a line,
//! with its sequence number, envelope, payload and hashes. Import checks the
//! whole chain of the file as it reads it and writes into an empty log only, so
//! an imported log is the exported one, hash for hash; then it rebuilds the
//! state once and saves it as a snapshot.

use anyhow::{Context, bail};
use modpod_policy::Event;
use modpod_store::{GENESIS, Hash, NewEvent, StoredEvent, event_hash, hash_hex};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

/// Events are appended in batches of this size during import.
const BATCH: usize = 1_000;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    seq: u64,
    /// For people reading the file; `at_micros` is what is hashed.
    at: String,
    at_micros: i64,
    actor: String,
    role: String,
    kind: String,
    /// The payload exactly as stored (it is hashed byte for byte).
    #[serde(borrow)]
    payload: &'a RawValue,
    prev_hash: String,
    hash: String,
}

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

fn write_line(out: &mut impl Write, e: &StoredEvent) -> anyhow::Result<()> {
    let payload = RawValue::from_string(e.payload.clone())
        .with_context(|| format!("event {} holds a payload that is not JSON", e.seq))?;
    let at = jiff::Timestamp::from_microsecond(e.at_micros)
        .map(|t| t.to_string())
        .unwrap_or_default();
    let line = Line {
        seq: e.seq,
        at,
        at_micros: e.at_micros,
        actor: e.actor.clone(),
        role: e.role.clone(),
        kind: e.kind.clone(),
        payload: &payload,
        prev_hash: hash_hex(&e.prev_hash),
        hash: hash_hex(&e.hash),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")?;
    Ok(())
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
        let at = || format!("{} line {}", path.display(), n + 1);
        let l: Line = serde_json::from_str(&line).with_context(at)?;
        if l.seq != next_seq {
            bail!("{}: expected event {next_seq}, found event {}", at(), l.seq);
        }
        Event::from_payload(l.payload.get())
            .map_err(|e| anyhow::anyhow!("{}: event {} is not a modpod event: {e}", at(), l.seq))?;
        let event = NewEvent {
            at_micros: l.at_micros,
            actor: l.actor,
            role: l.role,
            kind: l.kind,
            payload: l.payload.get().to_owned(),
        };
        if hash_hex(&prev) != l.prev_hash {
            bail!(
                "{}: event {} does not link to the event before it",
                at(),
                l.seq
            );
        }
        let hash = event_hash(l.seq, &event, &prev);
        if hash_hex(&hash) != l.hash {
            bail!(
                "{}: event {} does not match its hash: the file was altered",
                at(),
                l.seq
            );
        }
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
