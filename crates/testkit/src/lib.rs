#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Throwaway databases. A SQLite database is a file in a temporary
//! directory; a PostgreSQL database is created with a unique name on the
//! server named by `MODPOD_TEST_PG_URL` and dropped when the test ends, so
//! tests are isolated and can run in parallel. [`mailman`] drives the real
//! GNU Mailman 3 that `scripts/test` starts; real SMTP servers to send
//! notifications to are in [`smtp`]; a real OpenID Connect provider for the
//! login tests is in [`oidc`].

pub mod mailman;
pub mod oidc;
pub mod smtp;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use modpod_store::EventStore;
use postgres::NoTls;
use tempfile::TempDir;

/// The variable that names the PostgreSQL server used by the tests.
pub const PG_URL_VAR: &str = "MODPOD_TEST_PG_URL";

/// A database made for one test, removed when dropped.
pub struct TestDb {
    /// The address to give to `modpod_store::open`.
    pub url: String,
    backend: Backend,
}

enum Backend {
    Sqlite { _dir: TempDir, path: String },
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A new SQLite file in a fresh temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("cannot create a temporary directory");
        let path = dir.path().join("log.db").display().to_string();
        TestDb {
            url: format!("sqlite:{path}"),
            backend: Backend::Sqlite { _dir: dir, path },
        }
    }

    /// A new, empty PostgreSQL database. Fails the test, with instructions,
    /// if no server is configured: a silently skipped test would hide bugs.
    pub fn postgres() -> TestDb {
        TestDb::postgres_on(&pg_admin_url())
    }

    /// A new, empty PostgreSQL database on the server at `admin_url` (a
    /// server of a test's own, say, that it stops and starts).
    pub fn postgres_on(admin_url: &str) -> TestDb {
        let admin_url = admin_url.to_owned();
        let name = unique_name();
        let mut admin = postgres::Client::connect(&admin_url, NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to {PG_URL_VAR}={admin_url}: {e:?}"));
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ))
            .expect("cannot create a test database");
        TestDb {
            url: with_database(&admin_url, &name),
            backend: Backend::Postgres { admin_url, name },
        }
    }

    /// Opens a new store (a new connection) on this database.
    pub fn open(&self) -> Box<dyn EventStore> {
        modpod_store::open(&self.url).expect("cannot open the test database")
    }

    /// Runs statements with the database's own client, behind the store's back.
    pub fn sql(&self, sql: &str) {
        match &self.backend {
            Backend::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .and_then(|conn| conn.execute_batch(sql))
                .unwrap_or_else(|e| panic!("plain SQL failed: {e}\n{sql}")),
            Backend::Postgres { .. } => postgres::Client::connect(&self.url, NoTls)
                .and_then(|mut client| client.batch_execute(sql))
                .unwrap_or_else(|e| panic!("plain SQL failed: {e:?}\n{sql}")),
        }
    }

    /// Runs a query that returns one integer.
    pub fn query_i64(&self, sql: &str) -> i64 {
        match &self.backend {
            Backend::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .and_then(|conn| conn.query_row(sql, [], |row| row.get(0)))
                .unwrap_or_else(|e| panic!("plain SQL failed: {e}\n{sql}")),
            Backend::Postgres { .. } => postgres::Client::connect(&self.url, NoTls)
                .and_then(|mut client| client.query_one(sql, &[]))
                .and_then(|row| row.try_get(0))
                .unwrap_or_else(|e| panic!("plain SQL failed: {e:?}\n{sql}")),
        }
    }

    /// Runs a query whose columns are all text (cast them: `CAST(x AS
    /// TEXT)` reads the same in both dialects); returns its rows.
    pub fn query_strings(&self, sql: &str) -> Vec<Vec<String>> {
        match &self.backend {
            Backend::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .and_then(|conn| {
                    let mut statement = conn.prepare(sql)?;
                    let columns = statement.column_count();
                    statement
                        .query_map([], |row| {
                            (0..columns).map(|n| row.get::<_, String>(n)).collect()
                        })?
                        .collect()
                })
                .unwrap_or_else(|e| panic!("plain SQL failed: {e}\n{sql}")),
            Backend::Postgres { .. } => postgres::Client::connect(&self.url, NoTls)
                .and_then(|mut client| client.query(sql, &[]))
                .and_then(|rows| {
                    rows.iter()
                        .map(|row| (0..row.len()).map(|n| row.try_get(n)).collect())
                        .collect()
                })
                .unwrap_or_else(|e| panic!("plain SQL failed: {e:?}\n{sql}")),
        }
    }

    /// A literal for a byte string in this database's SQL dialect.
    pub fn bytes_literal(&self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        match self.backend {
            Backend::Sqlite { .. } => format!("X'{hex}'"),
            Backend::Postgres { .. } => format!("decode('{hex}', 'hex')"),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Backend::Postgres { admin_url, name } = &self.backend {
            // Cleanup is best effort: a leftover database only wastes space.
            if let Ok(mut admin) = postgres::Client::connect(admin_url, NoTls) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// The server URL from the environment, or a failure that says what to do.
pub fn pg_admin_url() -> String {
    std::env::var(PG_URL_VAR).unwrap_or_else(|_| {
        panic!(
            "{PG_URL_VAR} is not set, so the PostgreSQL tests cannot run.\n\
             Run the whole suite with scripts/test, which starts a throwaway PostgreSQL, \
             or start one yourself and point the tests at it, for example:\n  \
             {PG_URL_VAR}=postgres://postgres@127.0.0.1:55432/postgres cargo test -p modpod-store"
        )
    })
}

/// A database name no other test (in this or another process) will use.
fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "modpod_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base
        .split_once("://")
        .expect("MODPOD_TEST_PG_URL must be a postgres:// URL");
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{name}{query}")
}
