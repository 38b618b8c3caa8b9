//! The log as JSON lines, one event a line, with its sequence number,
//! envelope, payload and hashes: what `modpod export` writes ([`write_line`])
//! and `modpod import` reads ([`read_line`], which checks each line against
//! the chain so far).

use anyhow::{Context, bail};
use modpod_policy::Event;
use modpod_store::{Hash, NewEvent, StoredEvent, event_hash, hash_hex};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::io::Write;

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

/// One stored event as a line of the file, with its line break.
pub fn write_line(out: &mut impl Write, e: &StoredEvent) -> anyhow::Result<()> {
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

/// Reads one line of an exported log: the event it holds, to be stored as
/// event `seq` after the event whose hash is `prev`, and its hash, checked
/// against the line's. The entry point of the parser, which `modpod import`
/// and the fuzz target `import_lines` (crates/enforce/fuzz) call.
pub fn read_line(line: &str, seq: u64, prev: &Hash) -> anyhow::Result<(NewEvent, Hash)> {
    let l: Line = serde_json::from_str(line)?;
    if l.seq != seq {
        bail!("expected event {seq}, found event {}", l.seq);
    }
    Event::from_payload(l.payload.get())
        .map_err(|e| anyhow::anyhow!("event {} is not a modpod event: {e}", l.seq))?;
    let event = NewEvent {
        at_micros: l.at_micros,
        actor: l.actor,
        role: l.role,
        kind: l.kind,
        payload: l.payload.get().to_owned(),
    };
    if hash_hex(prev) != l.prev_hash {
        bail!("event {} does not link to the event before it", l.seq);
    }
    let hash = event_hash(l.seq, &event, prev);
    if hash_hex(&hash) != l.hash {
        bail!(
            "event {} does not match its hash: the file was altered",
            l.seq
        );
    }
    Ok((event, hash))
}
