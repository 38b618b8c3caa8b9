//! Recognising and creating the modpod tables in a PostgreSQL database.
//! PostgreSQL has no file header to mark a database as ours, so a
//! `modpod_schema` table does that job; a database that holds tables with
//! modpod's names but no such marker is refused untouched.

use postgres::Client;

use crate::error::StoreError;

/// The schema version kept in `modpod_schema`. Version 2 added the
/// `enforced` table; a version 1 log is upgraded when opened.
pub(crate) const SCHEMA_VERSION: i32 = 2;

/// The advisory lock key that serialises appends and schema creation:
/// "modpod" in ASCII. Advisory locks are per database, so two logs in two
/// databases never wait for each other.
pub(crate) const LOCK_KEY: i64 = 0x6D6F_6470_6F64;

/// The application name kept in `modpod_schema`.
const APPLICATION: &str = "modpod";

/// The tables of schema version 1 (version 2 adds [`CREATE_ENFORCED`]). The payload is TEXT, not JSONB, because
/// it is hashed and must come back byte for byte.
const CREATE_SCHEMA: &str = "
CREATE TABLE modpod_schema (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    application TEXT    NOT NULL,
    version     INTEGER NOT NULL
);
CREATE TABLE events (
    seq       BIGINT PRIMARY KEY,
    at_micros BIGINT NOT NULL,
    actor     TEXT   NOT NULL,
    role      TEXT   NOT NULL,
    kind      TEXT   NOT NULL,
    payload   TEXT   NOT NULL,
    prev_hash BYTEA  NOT NULL,
    hash      BYTEA  NOT NULL
);
CREATE TABLE head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA  NOT NULL
);
INSERT INTO head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE TABLE snapshots (
    seq   BIGINT PRIMARY KEY,
    hash  BYTEA  NOT NULL,
    state BYTEA  NOT NULL
);
CREATE TABLE accounts (
    name          TEXT PRIMARY KEY,
    person        TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
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
);
";

/// The tables modpod creates besides the marker.
const TABLES: [&str; 5] = ["events", "head", "snapshots", "accounts", "enforced"];

/// Tables beside the log that hold no events (credentials). Created when
/// missing at every open, so a database made before them gains them without a
/// migration step.
const CREATE_SIDE_TABLES: &str = "
CREATE TABLE IF NOT EXISTS api_tokens (
    id             TEXT PRIMARY KEY,
    account        TEXT   NOT NULL,
    secret_hash    BYTEA  NOT NULL,
    scope          TEXT   NOT NULL,
    created_micros BIGINT NOT NULL,
    revoked_micros BIGINT
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash        BYTEA  PRIMARY KEY,
    account        TEXT   NOT NULL,
    csrf           TEXT   NOT NULL,
    created_micros BIGINT NOT NULL,
    expires_micros BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_account ON sessions (account);
CREATE TABLE IF NOT EXISTS password_resets (
    token_hash     BYTEA  PRIMARY KEY,
    account        TEXT   NOT NULL,
    created_micros BIGINT NOT NULL,
    expires_micros BIGINT NOT NULL,
    used_micros    BIGINT
);
CREATE INDEX IF NOT EXISTS password_resets_account ON password_resets (account);
CREATE TABLE IF NOT EXISTS deliveries (
    notification   BIGINT NOT NULL,
    address        TEXT   NOT NULL,
    recipient      TEXT   NOT NULL,
    message_id     TEXT   NOT NULL,
    subject        TEXT   NOT NULL,
    body           TEXT   NOT NULL,
    status         TEXT   NOT NULL,
    attempts       BIGINT NOT NULL,
    last_error     TEXT,
    created_micros BIGINT NOT NULL,
    updated_micros BIGINT NOT NULL,
    next_micros    BIGINT NOT NULL,
    PRIMARY KEY (notification, address)
);
CREATE INDEX IF NOT EXISTS deliveries_pending
    ON deliveries (next_micros) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS delivery_attempts (
    notification BIGINT NOT NULL,
    address      TEXT   NOT NULL,
    number       BIGINT NOT NULL,
    at_micros    BIGINT NOT NULL,
    outcome      TEXT   NOT NULL,
    detail       TEXT   NOT NULL,
    node         TEXT   NOT NULL,
    PRIMARY KEY (notification, address, number)
);
CREATE TABLE IF NOT EXISTS drift (
    target      TEXT    NOT NULL,
    place       TEXT    NOT NULL,
    account     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    seen_micros BIGINT NOT NULL,
    reapplied   BOOLEAN NOT NULL,
    PRIMARY KEY (target, place, account, kind, seen_micros)
);
CREATE TABLE IF NOT EXISTS leases (
    name         TEXT PRIMARY KEY,
    holder       TEXT   NOT NULL,
    until_micros BIGINT NOT NULL
);
";

/// One query per table naming every column the store uses.
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

/// Makes sure the database holds a modpod log of the current version,
/// creating the tables if it holds none of them.
pub(crate) fn ensure(client: &mut Client, shown: &str) -> Result<(), StoreError> {
    check_encoding(client, shown)?;
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])?;
    if has_table(&mut tx, "modpod_schema")? {
        check_marker(&mut tx, shown)?;
    } else {
        for table in TABLES {
            if has_table(&mut tx, table)? {
                return Err(StoreError::NotModpod(format!(
                    "the PostgreSQL database {shown} already has a table named {table} that modpod did not create"
                )));
            }
        }
        tx.batch_execute(CREATE_SCHEMA)?;
        tx.batch_execute(CREATE_ENFORCED)?;
        tx.execute(
            "INSERT INTO modpod_schema (id, application, version) VALUES (1, $1, $2)",
            &[&APPLICATION, &SCHEMA_VERSION],
        )?;
    }
    tx.batch_execute(CREATE_SIDE_TABLES)?;
    store_snapshots_as_they_are(&mut tx)?;
    tx.commit()?;
    check_shape(client)
}

/// Snapshots come compressed by modpod: PostgreSQL stores them as they are
/// (`STORAGE EXTERNAL`) rather than trying to compress them again, and
/// reading one is then a copy, not a decompression. Set on a database made
/// before, too; it changes how later snapshots are stored, not the rows.
fn store_snapshots_as_they_are(tx: &mut postgres::Transaction<'_>) -> Result<(), StoreError> {
    let storage: i8 = tx
        .query_one(
            "SELECT attstorage FROM pg_attribute \
             WHERE attrelid = 'snapshots'::regclass AND attname = 'state'",
            &[],
        )?
        .try_get(0)?;
    if storage != b'e' as i8 {
        tx.batch_execute("ALTER TABLE snapshots ALTER COLUMN state SET STORAGE EXTERNAL")?;
    }
    Ok(())
}

/// Refuses server encodings that would alter text on its way in or out.
fn check_encoding(client: &mut Client, shown: &str) -> Result<(), StoreError> {
    let row = client.query_one("SELECT current_setting('server_encoding')", &[])?;
    let encoding: String = row.try_get(0)?;
    if encoding == "UTF8" || encoding == "SQL_ASCII" {
        Ok(())
    } else {
        Err(StoreError::Unsupported(format!(
            "the PostgreSQL database {shown} uses the encoding {encoding}; modpod needs UTF8 so that event text is stored unchanged"
        )))
    }
}

/// Whether a table of that name is visible on the search path.
fn has_table(tx: &mut postgres::Transaction<'_>, name: &str) -> Result<bool, StoreError> {
    let row = tx.query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])?;
    Ok(row.try_get(0)?)
}

/// Checks the marker row (the right application and a known version) and
/// upgrades a version 1 schema.
fn check_marker(tx: &mut postgres::Transaction<'_>, shown: &str) -> Result<(), StoreError> {
    let foreign = || {
        StoreError::NotModpod(format!(
            "the PostgreSQL database {shown} has a modpod_schema table that modpod did not write"
        ))
    };
    let row = tx
        .query_opt(
            "SELECT application, version FROM modpod_schema WHERE id = 1",
            &[],
        )
        .map_err(|_| foreign())?
        .ok_or_else(foreign)?;
    let application: String = row.try_get(0).map_err(|_| foreign())?;
    let version: i32 = row.try_get(1).map_err(|_| foreign())?;
    if application != APPLICATION {
        return Err(foreign());
    }
    match version {
        SCHEMA_VERSION => Ok(()),
        1 => {
            tx.batch_execute(CREATE_ENFORCED)?;
            tx.execute(
                "UPDATE modpod_schema SET version = $1 WHERE id = 1",
                &[&SCHEMA_VERSION],
            )?;
            Ok(())
        }
        newer if newer > SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
            found: newer.into(),
            supported: SCHEMA_VERSION.into(),
        }),
        older => Err(StoreError::Corrupt(format!(
            "the PostgreSQL database {shown} has the unknown modpod schema version {older}"
        ))),
    }
}

/// Checks that every table the store uses has the columns it expects.
fn check_shape(client: &mut Client) -> Result<(), StoreError> {
    for (table, query) in SHAPE_CHECKS {
        client.prepare(query).map_err(|error| {
            StoreError::Corrupt(format!(
                "its {table} table is missing or has the wrong columns ({})",
                crate::error::describe_pg(&error)
            ))
        })?;
    }
    Ok(())
}
