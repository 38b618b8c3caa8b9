//! Choosing a backend from a database address, so that callers can keep a
//! single setting such as `sqlite:modpod.db` or `postgres://host/modpod`.

use std::path::Path;

use crate::error::StoreError;
use crate::pg::PgStore;
use crate::sqlite::SqliteStore;
use crate::store::EventStore;

/// Where a log lives, as read from an address.
#[derive(Debug, PartialEq, Eq)]
enum Location<'a> {
    /// A SQLite file (or `:memory:`).
    Sqlite(&'a Path),
    /// A PostgreSQL connection URL.
    Postgres(&'a str),
}

/// Opens the log at `url`, creating its schema if the database is new.
///
/// Accepted forms: `sqlite:PATH`, a bare file path, `sqlite::memory:` for a
/// throwaway in-memory log, and `postgres://…` or `postgresql://…` URLs.
/// A PostgreSQL store must not be used from async code (see [`PgStore`]).
pub fn open(url: &str) -> Result<Box<dyn EventStore>, StoreError> {
    match locate(url)? {
        Location::Sqlite(path) => Ok(Box::new(SqliteStore::open(path)?)),
        Location::Postgres(url) => Ok(Box::new(PgStore::connect(url)?)),
    }
}

/// Reads an address without touching any database.
fn locate(url: &str) -> Result<Location<'_>, StoreError> {
    let refuse = |reason: String| StoreError::BadUrl {
        url: url.into(),
        reason,
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Location::Postgres(url));
    }
    let path = url.strip_prefix("sqlite:").unwrap_or(url);
    if path.is_empty() {
        return Err(refuse("it names no file".into()));
    }
    if let Some((scheme, _)) = url.split_once("://")
        && !url.starts_with("sqlite:")
    {
        return Err(refuse(format!(
            "the scheme {scheme:?} is not supported; use sqlite:PATH, a file path, or postgres://…"
        )));
    }
    Ok(Location::Sqlite(Path::new(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_pick_the_backend() {
        let sqlite = |p: &'static str| Ok(Location::Sqlite(Path::new(p)));
        assert_eq!(
            locate("sqlite:data/log.db").map_err(|e| e.to_string()),
            sqlite("data/log.db")
        );
        assert_eq!(
            locate("log.db").map_err(|e| e.to_string()),
            sqlite("log.db")
        );
        assert_eq!(
            locate("sqlite::memory:").map_err(|e| e.to_string()),
            sqlite(":memory:")
        );
        assert_eq!(
            locate("postgresql://db/modpod").map_err(|e| e.to_string()),
            Ok(Location::Postgres("postgresql://db/modpod"))
        );
    }

    #[test]
    fn unknown_addresses_are_refused() {
        assert!(matches!(
            locate("mysql://db/x"),
            Err(StoreError::BadUrl { .. })
        ));
        assert!(matches!(locate(""), Err(StoreError::BadUrl { .. })));
        assert!(matches!(locate("sqlite:"), Err(StoreError::BadUrl { .. })));
    }
}
