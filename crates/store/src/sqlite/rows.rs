//! Reading SQLite rows back into the store's types. A value of the wrong
//! type or shape becomes an error naming the event, never a panic, because
//! anyone with the file can write anything into it.

use rusqlite::Row;
use rusqlite::types::ValueRef;

use crate::chain::{hash_from_db, seq_from_db};
use crate::error::StoreError;
use crate::event::{Hash, Head, Snapshot, StoredEvent};

/// The columns that [`event`] expects, in order.
pub(crate) const EVENT_COLUMNS: &str =
    "seq, at_micros, actor, role, kind, payload, prev_hash, hash";

/// Decodes a row of [`EVENT_COLUMNS`].
pub(crate) fn event(row: &Row<'_>) -> Result<StoredEvent, StoreError> {
    let seq = seq_from_db(row.get(0)?, "the events table")?;
    let field = |index: usize, name: &str| {
        text(row, index, name).map_err(|reason| StoreError::CorruptEvent { seq, reason })
    };
    let at_micros = match row.get_ref(1)? {
        ValueRef::Integer(at) => at,
        _ => {
            return Err(StoreError::CorruptEvent {
                seq,
                reason: "its time is not an integer".into(),
            });
        }
    };
    Ok(StoredEvent {
        seq,
        at_micros,
        actor: field(2, "actor")?,
        role: field(3, "role")?,
        kind: field(4, "kind")?,
        payload: field(5, "payload")?,
        prev_hash: hash(row, 6, "prev_hash")
            .map_err(|reason| StoreError::CorruptEvent { seq, reason })?,
        hash: hash(row, 7, "hash").map_err(|reason| StoreError::CorruptEvent { seq, reason })?,
    })
}

/// Decodes the `seq, hash` columns of the head record.
pub(crate) fn head(row: &Row<'_>) -> Result<Head, StoreError> {
    let seq = seq_from_db(row.get(0)?, "the head record")?;
    let hash = hash(row, 1, "hash").map_err(|reason| {
        StoreError::Corrupt(format!("the head record is unreadable: {reason}"))
    })?;
    Ok(Head { seq, hash })
}

/// Decodes the `seq, hash, state` columns of a snapshot.
pub(crate) fn snapshot(row: &Row<'_>) -> Result<Snapshot, StoreError> {
    let seq = seq_from_db(row.get(0)?, "the snapshots table")?;
    let unreadable = |reason: String| {
        StoreError::Corrupt(format!(
            "the snapshot at event {seq} is unreadable: {reason}"
        ))
    };
    let hash = hash(row, 1, "hash").map_err(unreadable)?;
    let state = match row.get_ref(2)? {
        ValueRef::Blob(bytes) => bytes.to_vec(),
        _ => return Err(unreadable("its state is not a blob".into())),
    };
    Ok(Snapshot { seq, hash, state })
}

/// Reads a text column as UTF-8.
fn text(row: &Row<'_>, index: usize, name: &str) -> Result<String, String> {
    match row.get_ref(index) {
        Ok(ValueRef::Text(bytes)) => {
            String::from_utf8(bytes.to_vec()).map_err(|_| format!("its {name} is not valid UTF-8"))
        }
        Ok(_) => Err(format!("its {name} is not text")),
        Err(error) => Err(format!("its {name} cannot be read ({error})")),
    }
}

/// Reads a blob column holding a hash.
pub(crate) fn hash(row: &Row<'_>, index: usize, name: &str) -> Result<Hash, String> {
    match row.get_ref(index) {
        Ok(ValueRef::Blob(bytes)) => {
            hash_from_db(bytes).map_err(|reason| format!("its {name} is malformed: {reason}"))
        }
        Ok(_) => Err(format!("its {name} is not a blob")),
        Err(error) => Err(format!("its {name} cannot be read ({error})")),
    }
}
