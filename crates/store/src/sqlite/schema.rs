//! Recognising, creating and configuring a SQLite modpod database. A file
//! is ours only if its header carries modpod's `application_id`; anything
//! else (another program's database, or no database at all) is refused
//! before a single byte of it is changed.

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::error::StoreError;

/// The SQLite `application_id` of a modpod database: "modp" in ASCII.
pub(crate) const APPLICATION_ID: i32 = 0x6D6F_6470;

/// The schema version kept in `user_version`. Version 2 added the
/// `enforced` table; a version 1 log is upgraded when opened.
pub(crate) const SCHEMA_VERSION: i32 = 2;

/// How long a connection waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The tables of schema version 1 (version 2 adds [`CREATE_ENFORCED`]).
/// `STRICT` makes SQLite refuse values of the wrong type instead of silently
/// storing them.
const CREATE_SCHEMA: &str = "
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    at_micros INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    role      TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    payload   TEXT    NOT NULL,
    prev_hash BLOB    NOT NULL,
    hash      BLOB    NOT NULL
) STRICT;
CREATE TABLE head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB    NOT NULL
) STRICT;
INSERT INTO head (id, seq, hash) VALUES (1, 0, zeroblob(32));
CREATE TABLE snapshots (
    seq   INTEGER PRIMARY KEY,
    hash  BLOB    NOT NULL,
    state BLOB    NOT NULL
) STRICT;
CREATE TABLE accounts (
    name          TEXT PRIMARY KEY,
    person        TEXT NOT NULL,
    password_hash TEXT NOT NULL
) STRICT;
";

/// What schema version 2 added: what enforcement adapters applied on forum
/// software (see `Enforced`).
const CREATE_ENFORCED: &str = "
CREATE TABLE enforced (
    target   TEXT NOT NULL,
    place    TEXT NOT NULL,
    account  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    previous TEXT,
    PRIMARY KEY (target, place, account, kind)
) STRICT;
";

/// Tables beside the log that hold no events (credentials). Created when
/// missing at every open, so a database made before them gains them without a
/// migration step.
const CREATE_SIDE_TABLES: &str = "
CREATE TABLE IF NOT EXISTS api_tokens (
    id             TEXT PRIMARY KEY,
    account        TEXT   NOT NULL,
    secret_hash    BLOB  NOT NULL,
    scope          TEXT   NOT NULL,
    created_micros INTEGER NOT NULL,
    revoked_micros INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS sessions (
    id_hash        BLOB  PRIMARY KEY,
    account        TEXT   NOT NULL,
    csrf           TEXT   NOT NULL,
    created_micros INTEGER NOT NULL,
    expires_micros INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS sessions_account ON sessions (account);
CREATE TABLE IF NOT EXISTS password_resets (
    token_hash     BLOB    PRIMARY KEY,
    account        TEXT    NOT NULL,
    created_micros INTEGER NOT NULL,
    expires_micros INTEGER NOT NULL,
    used_micros    INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS password_resets_account ON password_resets (account);
CREATE TABLE IF NOT EXISTS deliveries (
    notification   INTEGER NOT NULL,
    address        TEXT    NOT NULL,
    recipient      TEXT    NOT NULL,
    message_id     TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    attempts       INTEGER NOT NULL,
    last_error     TEXT,
    created_micros INTEGER NOT NULL,
    updated_micros INTEGER NOT NULL,
    next_micros    INTEGER NOT NULL,
    PRIMARY KEY (notification, address)
) STRICT;
CREATE INDEX IF NOT EXISTS deliveries_pending
    ON deliveries (next_micros) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS delivery_attempts (
    notification INTEGER NOT NULL,
    address      TEXT    NOT NULL,
    number       INTEGER NOT NULL,
    at_micros    INTEGER NOT NULL,
    outcome      TEXT    NOT NULL,
    detail       TEXT    NOT NULL,
    node         TEXT    NOT NULL,
    PRIMARY KEY (notification, address, number)
) STRICT;
CREATE TABLE IF NOT EXISTS drift (
    target      TEXT    NOT NULL,
    place       TEXT    NOT NULL,
    account     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    seen_micros INTEGER NOT NULL,
    reapplied   INTEGER NOT NULL,
    PRIMARY KEY (target, place, account, kind, seen_micros)
) STRICT;
CREATE TABLE IF NOT EXISTS leases (
    name         TEXT PRIMARY KEY,
    holder       TEXT    NOT NULL,
    until_micros INTEGER NOT NULL
) STRICT;
";

/// One query per table naming every column the store uses, to check at open
/// time that a modpod database still has the shape the store expects.
const SHAPE_CHECKS: [(&str, &str); 12] = [
    (
        "password_resets",
        "SELECT token_hash, account, created_micros, expires_micros, used_micros \
         FROM password_resets LIMIT 0",
    ),
    (
        "drift",
        "SELECT target, place, account, kind, seen_micros, reapplied FROM drift LIMIT 0",
    ),
    (
        "sessions",
        "SELECT id_hash, account, csrf, created_micros, expires_micros FROM sessions LIMIT 0",
    ),
    (
        "accounts",
        "SELECT name, person, password_hash FROM accounts LIMIT 0",
    ),
    (
        "api_tokens",
        "SELECT id, account, secret_hash, scope, created_micros, revoked_micros FROM api_tokens LIMIT 0",
    ),
    (
        "enforced",
        "SELECT target, place, account, kind, previous FROM enforced LIMIT 0",
    ),
    (
        "deliveries",
        "SELECT notification, address, recipient, message_id, subject, body, status, attempts, \
         last_error, created_micros, updated_micros, next_micros FROM deliveries LIMIT 0",
    ),
    (
        "delivery_attempts",
        "SELECT notification, address, number, at_micros, outcome, detail, node \
         FROM delivery_attempts LIMIT 0",
    ),
    (
        "leases",
        "SELECT name, holder, until_micros FROM leases LIMIT 0",
    ),
    (
        "events",
        "SELECT seq, at_micros, actor, role, kind, payload, prev_hash, hash FROM events LIMIT 0",
    ),
    ("head", "SELECT id, seq, hash FROM head LIMIT 0"),
    (
        "snapshots",
        "SELECT seq, hash, state FROM snapshots LIMIT 0",
    ),
];

/// What an existing file turned out to be.
enum Found {
    /// An empty database: the schema still has to be created.
    Empty,
    /// A modpod database of the current schema version.
    Modpod,
    /// A modpod database of schema version 1, to upgrade.
    Version1,
}

/// Opens (or creates) the modpod database at `path`, ready for use.
///
/// `":memory:"` opens a private in-memory database, which is handy in tests
/// but is lost when the store is dropped.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let shown = path.display().to_string();
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let mut conn =
        Connection::open_with_flags(path, flags).map_err(|error| StoreError::CannotOpen {
            target: shown.clone(),
            reason: error.to_string(),
        })?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let found = identify(&conn, &shown)?;
    configure(&conn, &shown)?;
    if !matches!(found, Found::Modpod) {
        create_or_upgrade(&mut conn, &shown)?;
    }
    conn.execute_batch(CREATE_SIDE_TABLES)?;
    check_shape(&conn)?;
    Ok(conn)
}

/// Reads the header and table list to tell a modpod database from an empty
/// one or a foreign one, without writing anything.
fn identify(conn: &Connection, shown: &str) -> Result<Found, StoreError> {
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(|error| not_a_database(error, shown))?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    match application_id {
        APPLICATION_ID if version == SCHEMA_VERSION => Ok(Found::Modpod),
        APPLICATION_ID if version == 1 => Ok(Found::Version1),
        APPLICATION_ID if version > SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
            found: version.into(),
            supported: SCHEMA_VERSION.into(),
        }),
        APPLICATION_ID => Err(StoreError::Corrupt(format!(
            "{shown} is marked as a modpod database but has the unknown schema version {version}"
        ))),
        0 => {
            let tables = user_tables(conn)?;
            if tables.is_empty() {
                Ok(Found::Empty)
            } else {
                Err(StoreError::NotModpod(format!(
                    "{shown} is a SQLite database of another program (it holds the tables {})",
                    tables.join(", ")
                )))
            }
        }
        other => Err(StoreError::NotModpod(format!(
            "{shown} is a SQLite database of another program (its application_id is {other:#010x}, modpod's is {APPLICATION_ID:#010x})"
        ))),
    }
}

/// Turns SQLite's "file is not a database" into a clear refusal.
fn not_a_database(error: rusqlite::Error, shown: &str) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotModpod(format!(
            "{shown} is not a SQLite database at all (it may be some other kind of file, or encrypted)"
        )),
        _ => StoreError::Sqlite(error),
    }
}

/// The names of the tables and views that are not SQLite's own.
fn user_tables(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let names = stmt.query_map([], |row| row.get(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}

/// Switches to write-ahead logging and full durability: an append that
/// returned Ok survives a crash or power loss.
fn configure(conn: &Connection, shown: &str) -> Result<(), StoreError> {
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(StoreError::Unsupported(format!(
            "SQLite could not switch {shown} to write-ahead logging (its journal mode stays {mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Without the planner's stability guarantee, SQLite (built with STAT4)
    // marks a statement to be prepared again whenever a value is bound to a
    // parameter it looked at while planning: every cached statement of a
    // page's reads was parsed and planned again at each use.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// Creates the schema, or upgrades a version 1 schema, in one transaction.
/// Another process may be doing the same at the same moment, so the file is
/// identified again under the lock.
fn create_or_upgrade(conn: &mut Connection, shown: &str) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    match identify(&tx, shown)? {
        Found::Empty => {
            tx.execute_batch(CREATE_SCHEMA)?;
            tx.execute_batch(CREATE_ENFORCED)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        Found::Version1 => tx.execute_batch(CREATE_ENFORCED)?,
        Found::Modpod => return Ok(()),
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Checks that every table the store uses has the columns it expects.
fn check_shape(conn: &Connection) -> Result<(), StoreError> {
    for (table, query) in SHAPE_CHECKS {
        conn.prepare(query).map_err(|error| {
            StoreError::Corrupt(format!(
                "its {table} table is missing or has the wrong columns ({error})"
            ))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn connections_are_durable_and_patient() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("log.db")).unwrap();
        let pragma = |name: &str| -> String {
            conn.pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0))
                .map(|value| match value {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), "wal");
        // 2 is FULL: every commit is synced before append returns.
        assert_eq!(pragma("synchronous"), "2");
        assert_eq!(pragma("busy_timeout"), "10000");
        assert_eq!(pragma("application_id"), APPLICATION_ID.to_string());
        assert_eq!(pragma("user_version"), SCHEMA_VERSION.to_string());
        // Cached statements stay prepared whatever is bound to them.
        assert!(
            conn.db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG)
                .unwrap()
        );
    }
}
