//! The single error type of the store. Every message is a sentence a person
//! can act on; a foreign or damaged database is reported here, never by a
//! panic.

use std::error::Error as _;

/// Everything that can go wrong while opening, reading or writing a log.
///
/// The database driver errors are kept (not as a `source`, but inside the
/// message), because the PostgreSQL driver's own message alone says only
/// "db error".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Someone else appended first: the head was not where the caller expected.
    #[error(
        "the log changed underneath: expected its last event to be {expected}, but it is {actual}; reload and try again"
    )]
    Conflict {
        /// The head sequence number the caller expected.
        expected: u64,
        /// The head sequence number actually found.
        actual: u64,
    },

    /// The database is not a modpod log (another program's file, or not a
    /// database at all).
    #[error("this is not a modpod database: {0}")]
    NotModpod(String),

    /// The database was written by a newer modpod.
    #[error(
        "the database uses schema version {found}, but this modpod only understands version {supported}; upgrade modpod"
    )]
    SchemaTooNew {
        /// The version found in the database.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },

    /// The database is a modpod log whose structure has been damaged.
    #[error("the modpod database is damaged: {0}")]
    Corrupt(String),

    /// One stored event cannot be read back (wrong type, bad UTF-8, a hash of
    /// the wrong length). `verify` reports this as a broken event.
    #[error("event {seq} cannot be read: {reason}")]
    CorruptEvent {
        /// The sequence number of the unreadable event.
        seq: u64,
        /// What is wrong with it.
        reason: String,
    },

    /// An event handed to `append` cannot be stored; nothing was written.
    #[error("event {index} of the batch (counting from 0) cannot be stored: {reason}")]
    InvalidEvent {
        /// The position of the event in the batch.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// A snapshot does not describe a point of this log.
    #[error(
        "the snapshot at event {seq} does not match the log: there is no such event, or its hash differs"
    )]
    SnapshotMismatch {
        /// The snapshot's sequence number.
        seq: u64,
    },

    /// The database could not be opened or reached.
    #[error("cannot open the database {target}: {reason}")]
    CannotOpen {
        /// The file or server, with any password removed.
        target: String,
        /// Why it failed.
        reason: String,
    },

    /// The database address could not be understood.
    #[error("cannot use the database address {url:?}: {reason}")]
    BadUrl {
        /// The address as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },

    /// The database works but lacks something the store needs.
    #[error("the database cannot hold a modpod log: {0}")]
    Unsupported(String),

    /// SQLite reported an error.
    #[error("SQLite failed: {0}")]
    Sqlite(rusqlite::Error),

    /// PostgreSQL (or the connection to it) reported an error.
    #[error("PostgreSQL failed: {}", describe_pg(.0))]
    Postgres(postgres::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Sqlite(error)
    }
}

impl From<postgres::Error> for StoreError {
    fn from(error: postgres::Error) -> Self {
        StoreError::Postgres(error)
    }
}

/// Joins a PostgreSQL error with its causes, which hold the server's words.
pub(crate) fn describe_pg(error: &postgres::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
