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

impl StoreError {
    /// Whether the database could not be reached or written for a reason
    /// outside the log (a server restarting or gone, a lost connection, a
    /// full disk, a lock held too long): the same call may succeed later,
    /// and a service should say so rather than report an internal failure.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::CannotOpen { .. } => true,
            StoreError::Postgres(error) => {
                // A lost connection, or the server's own word: a connection
                // exception (08), insufficient resources such as a full disk
                // (53), an operator or crash shutdown (57P01-57P03).
                let lost = error.is_closed()
                    || error
                        .source()
                        .is_some_and(|cause| cause.is::<std::io::Error>());
                lost || error.code().is_some_and(|code| {
                    let code = code.code();
                    code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
                })
            }
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(error, _)) => matches!(
                error.code,
                rusqlite::ErrorCode::DiskFull
                    | rusqlite::ErrorCode::SystemIoFailure
                    | rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::CannotOpen
            ),
            _ => false,
        }
    }
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
