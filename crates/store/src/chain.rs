//! Turning a batch of new events into chained, stored events, and the
//! conversions between the store's numbers and hashes and the values that
//! databases hold. Both backends use these, so they chain identically.

use crate::error::StoreError;
use crate::event::{Hash, Head, NewEvent, StoredEvent};
use crate::hash::event_hash;

/// Validates a batch and links it onto `head`: assigns sequence numbers and
/// computes each event's `prev_hash` and hash.
pub(crate) fn link(head: Head, events: &[NewEvent]) -> Result<Vec<StoredEvent>, StoreError> {
    let mut prev = head;
    let mut stored = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        check_text(index, event)?;
        let seq = prev
            .seq
            .checked_add(1)
            .filter(|seq| i64::try_from(*seq).is_ok())
            .ok_or_else(|| StoreError::InvalidEvent {
                index,
                reason: "the log has reached the largest possible sequence number".into(),
            })?;
        let hash = event_hash(seq, event, &prev.hash);
        stored.push(StoredEvent {
            seq,
            at_micros: event.at_micros,
            actor: event.actor.clone(),
            role: event.role.clone(),
            kind: event.kind.clone(),
            payload: event.payload.clone(),
            prev_hash: prev.hash,
            hash,
        });
        prev = Head { seq, hash };
    }
    Ok(stored)
}

/// Refuses NUL characters, which PostgreSQL cannot store in `TEXT`; refusing
/// them on every backend keeps the backends interchangeable.
fn check_text(index: usize, event: &NewEvent) -> Result<(), StoreError> {
    let fields = [
        ("actor", &event.actor),
        ("role", &event.role),
        ("kind", &event.kind),
        ("payload", &event.payload),
    ];
    match fields.iter().find(|(_, text)| text.contains('\0')) {
        Some((name, _)) => Err(StoreError::InvalidEvent {
            index,
            reason: format!("its {name} contains a NUL character"),
        }),
        None => Ok(()),
    }
}

/// Converts a sequence number to the signed integer that databases store.
pub(crate) fn seq_to_db(seq: u64) -> i64 {
    // Appends never create a seq above i64::MAX (see `link`), so clamping
    // only affects out-of-range query bounds, where it is the right answer.
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// Converts a stored sequence number back, refusing negative ones.
pub(crate) fn seq_from_db(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| {
        StoreError::Corrupt(format!("{what} holds a negative sequence number ({value})"))
    })
}

/// Converts a stored hash back, refusing one of the wrong length.
pub(crate) fn hash_from_db(bytes: &[u8]) -> Result<Hash, String> {
    Hash::try_from(bytes).map_err(|_| {
        format!(
            "a hash must be 32 bytes, but {} bytes are stored",
            bytes.len()
        )
    })
}
