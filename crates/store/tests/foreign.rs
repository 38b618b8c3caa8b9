//! Databases that are not (or no longer) sound modpod logs: they must be
//! refused with a clear error and left untouched, never cause a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use modpod_store::{BrokenReason, SqliteStore, StoreError, Verdict, open, verify};

use common::db::TestDb;
use common::events::sample;

/// Opens with the SQLite backend and returns the error it must give.
fn refuse_sqlite(path: &std::path::Path) -> StoreError {
    match SqliteStore::open(path) {
        Ok(_) => panic!("{} was accepted as a modpod log", path.display()),
        Err(error) => error,
    }
}

#[test]
fn text_file_is_not_modpod() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("short.db", "hello".to_string()),
        (
            "long.db",
            "This is a plain text file, not a database.\n".repeat(100),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let error = refuse_sqlite(&path);
        assert!(matches!(error, StoreError::NotModpod(_)), "{error:?}");
        assert!(
            error.to_string().contains("not a SQLite database"),
            "{error}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "the file was changed"
        );
    }
}

#[test]
fn other_programs_sqlite_is_not_modpod() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'x');")
        .unwrap();
    let error = refuse_sqlite(&path);
    assert!(matches!(error, StoreError::NotModpod(_)), "{error:?}");
    assert!(error.to_string().contains("another program"), "{error}");
    assert!(error.to_string().contains("users"), "{error}");
    let mode: String = other
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete", "the foreign file was switched to WAL");
}

#[test]
fn other_application_id_is_not_modpod() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tagged.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA application_id = 42;")
        .unwrap();
    let error = refuse_sqlite(&path);
    assert!(matches!(error, StoreError::NotModpod(_)), "{error:?}");
    assert!(error.to_string().contains("application_id"), "{error}");
}

#[test]
fn newer_sqlite_schema_is_refused() {
    let db = TestDb::sqlite();
    drop(db.open());
    db.sql("PRAGMA user_version = 3;");
    let error = modpod_store::open(&db.url).err().unwrap();
    assert!(
        matches!(
            error,
            StoreError::SchemaTooNew {
                found: 3,
                supported: 2
            }
        ),
        "{error:?}"
    );
}

#[test]
fn new_sqlite_file_is_marked_and_in_wal_mode() {
    let db = TestDb::sqlite();
    drop(db.open());
    assert_eq!(db.query_i64("PRAGMA application_id"), 0x6D6F_6470);
    assert_eq!(db.query_i64("PRAGMA user_version"), 2);
    let path = db.url.strip_prefix("sqlite:").unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn empty_file_becomes_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        modpod_store::EventStore::event_count(&mut store).unwrap(),
        0
    );
}

#[test]
fn dropped_table_is_damage() {
    let db = TestDb::sqlite();
    drop(db.open());
    db.sql("DROP TABLE events;");
    let error = modpod_store::open(&db.url).err().unwrap();
    assert!(matches!(error, StoreError::Corrupt(_)), "{error:?}");
    assert!(error.to_string().contains("events table"), "{error}");
}

#[test]
fn invalid_utf8_is_an_unreadable_event() {
    let db = TestDb::sqlite();
    let mut store = db.open();
    store.append(0, &sample(3, "utf8")).unwrap();
    db.sql("UPDATE events SET payload = CAST(X'7BFF7D' AS TEXT) WHERE seq = 2;");
    let Verdict::Broken(broken) = verify(store.as_mut(), &mut |_| {}).unwrap() else {
        panic!("verify accepted invalid UTF-8");
    };
    assert_eq!(broken.seq, 2);
    assert!(
        matches!(broken.reason, BrokenReason::Unreadable(ref why) if why.contains("UTF-8")),
        "{broken}"
    );
}

#[test]
fn missing_directory_cannot_be_opened() {
    let error = open("sqlite:/nonexistent-dir/for/sure/log.db")
        .err()
        .unwrap();
    assert!(matches!(error, StoreError::CannotOpen { .. }), "{error:?}");
}

#[test]
fn unknown_scheme_is_refused() {
    let error = open("mysql://db/modpod").err().unwrap();
    assert!(matches!(error, StoreError::BadUrl { .. }), "{error:?}");
}

#[test]
fn postgres_tables_of_another_program_are_refused() {
    let db = TestDb::postgres();
    db.sql("CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT);");
    let error = open(&db.url).err().unwrap();
    assert!(matches!(error, StoreError::NotModpod(_)), "{error:?}");
    assert!(error.to_string().contains("events"), "{error}");
    assert_eq!(
        db.query_i64("SELECT count(*) FROM pg_tables WHERE tablename = 'head'"),
        0
    );
}

#[test]
fn postgres_foreign_marker_is_refused() {
    let db = TestDb::postgres();
    db.sql("CREATE TABLE modpod_schema (id INTEGER, something TEXT);");
    let error = open(&db.url).err().unwrap();
    assert!(matches!(error, StoreError::NotModpod(_)), "{error:?}");
}

#[test]
fn newer_postgres_schema_is_refused() {
    let db = TestDb::postgres();
    drop(db.open());
    db.sql("UPDATE modpod_schema SET version = 3;");
    let error = open(&db.url).err().unwrap();
    assert!(
        matches!(
            error,
            StoreError::SchemaTooNew {
                found: 3,
                supported: 2
            }
        ),
        "{error:?}"
    );
}

/// A log of schema version 1 (before the `enforced` table, and the `drift`
/// side table) keeps its events and gains the tables when opened.
fn version_1_is_upgraded(db: &TestDb, downgrade: &str, version: &str) {
    let mut store = db.open();
    let head = store
        .append(0, &sample(3, "old"))
        .unwrap()
        .last()
        .unwrap()
        .as_head();
    drop(store);
    db.sql(downgrade);
    let mut store = db.open();
    assert_eq!(db.query_i64(version), 2);
    assert_eq!(store.head().unwrap(), head);
    assert_eq!(store.enforced("mailman").unwrap(), []);
    assert_eq!(store.drifts("mailman", "wg.ietf.example").unwrap(), []);
    assert!(matches!(
        verify(store.as_mut(), &mut |_| {}).unwrap(),
        Verdict::Intact { .. }
    ));
}

#[test]
fn sqlite_version_1_is_upgraded() {
    version_1_is_upgraded(
        &TestDb::sqlite(),
        "DROP TABLE enforced; DROP TABLE drift; PRAGMA user_version = 1;",
        "PRAGMA user_version",
    );
}

#[test]
fn postgres_version_1_is_upgraded() {
    version_1_is_upgraded(
        &TestDb::postgres(),
        "DROP TABLE enforced; DROP TABLE drift; UPDATE modpod_schema SET version = 1;",
        "SELECT version::int8 FROM modpod_schema",
    );
}

/// Snapshots come compressed: PostgreSQL stores them as they are, in a new
/// database and in one made before (which stored them compressed again).
#[test]
fn postgres_stores_snapshots_as_they_are() {
    let db = TestDb::postgres();
    let storage = "SELECT ascii(attstorage::text)::int8 FROM pg_attribute \
                   WHERE attrelid = 'snapshots'::regclass AND attname = 'state'";
    drop(db.open());
    assert_eq!(db.query_i64(storage), i64::from(b'e'));
    db.sql("ALTER TABLE snapshots ALTER COLUMN state SET STORAGE EXTENDED;");
    assert_eq!(db.query_i64(storage), i64::from(b'x'));
    drop(db.open());
    assert_eq!(db.query_i64(storage), i64::from(b'e'));
}

#[test]
fn unreachable_postgres_is_reported_without_the_password() {
    let error = open("postgres://someone:hunter2@127.0.0.1:1/modpod")
        .err()
        .unwrap();
    assert!(matches!(error, StoreError::CannotOpen { .. }), "{error:?}");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}
