//! Reading PostgreSQL rows back into the store's types. A value of the
//! wrong type or shape becomes an error naming the event, never a panic.

use postgres::Row;

use crate::chain::{hash_from_db, seq_from_db};
use crate::error::StoreError;
use crate::event::{Hash, Head, Snapshot, StoredEvent};

/// The columns that [`event`] expects, in order.
pub(crate) const EVENT_COLUMNS: &str =
    "seq, at_micros, actor, role, kind, payload, prev_hash, hash";

/// Decodes a row of [`EVENT_COLUMNS`].
pub(crate) fn event(row: &Row) -> Result<StoredEvent, StoreError> {
    let seq = seq_from_db(row.try_get(0)?, "the events table")?;
    let bad = |reason: String| StoreError::CorruptEvent { seq, reason };
    Ok(StoredEvent {
        seq,
        at_micros: value(row, 1, "time").map_err(bad)?,
        actor: value(row, 2, "actor").map_err(bad)?,
        role: value(row, 3, "role").map_err(bad)?,
        kind: value(row, 4, "kind").map_err(bad)?,
        payload: value(row, 5, "payload").map_err(bad)?,
        prev_hash: hash(row, 6, "prev_hash").map_err(bad)?,
        hash: hash(row, 7, "hash").map_err(bad)?,
    })
}

/// Decodes the `seq, hash` columns of an event.
pub(crate) fn seq_and_hash(row: &Row) -> Result<(u64, Hash), StoreError> {
    let seq = seq_from_db(row.try_get(0)?, "the events table")?;
    let hash = hash(row, 1, "hash").map_err(|reason| StoreError::CorruptEvent { seq, reason })?;
    Ok((seq, hash))
}

/// Decodes the `seq, hash` columns of the head record.
pub(crate) fn head(row: &Row) -> Result<Head, StoreError> {
    let seq = seq_from_db(row.try_get(0)?, "the head record")?;
    let hash = hash(row, 1, "hash").map_err(|reason| {
        StoreError::Corrupt(format!("the head record is unreadable: {reason}"))
    })?;
    Ok(Head { seq, hash })
}

/// Decodes the `seq, hash, state` columns of a snapshot.
pub(crate) fn snapshot(row: &Row) -> Result<Snapshot, StoreError> {
    let seq = seq_from_db(row.try_get(0)?, "the snapshots table")?;
    let unreadable = |reason: String| {
        StoreError::Corrupt(format!(
            "the snapshot at event {seq} is unreadable: {reason}"
        ))
    };
    let hash = hash(row, 1, "hash").map_err(unreadable)?;
    let state = value(row, 2, "state").map_err(unreadable)?;
    Ok(Snapshot { seq, hash, state })
}

/// Reads one column, explaining a failure in words.
fn value<'a, T: postgres::types::FromSql<'a>>(
    row: &'a Row,
    index: usize,
    name: &str,
) -> Result<T, String> {
    row.try_get(index).map_err(|error| {
        format!(
            "its {name} cannot be read ({})",
            crate::error::describe_pg(&error)
        )
    })
}

/// Reads a BYTEA column holding a hash.
fn hash(row: &Row, index: usize, name: &str) -> Result<Hash, String> {
    let bytes: &[u8] = value(row, index, name)?;
    hash_from_db(bytes).map_err(|reason| format!("its {name} is malformed: {reason}"))
}
