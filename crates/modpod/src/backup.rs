//! `modpod backup` and `modpod restore`: a consistent online copy of a
//! SQLite log (the log, the delivery and enforcement ledgers, accounts,
//! tokens and snapshots, all in the one database), checked before it is
//! called a backup, and put back only where no log is.
//!
//! A PostgreSQL log is backed up with PostgreSQL's own tools, which do the
//! same for a live database (`pg_dump` takes one snapshot); both commands
//! say how, with the log's URL, rather than do half of it.

use anyhow::{Context, bail};
use modpod_store::{SqliteStore, Verdict, hash_hex};
use std::path::Path;
use std::process::ExitCode;

/// The commands that back up and restore a PostgreSQL log.
fn postgres_way(url: &str) -> String {
    format!(
        "a PostgreSQL log is backed up with PostgreSQL's tools, online and consistent:\n  \
         pg_dump --format=custom --file=modpod.dump '{url}'\n\
         and restored into an empty database, then checked:\n  \
         pg_restore --dbname=URL modpod.dump && modpod verify --db URL"
    )
}

/// The SQLite file a log address names, if it is one.
fn sqlite_path(db: &str) -> Option<&Path> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return None;
    }
    Some(Path::new(db.strip_prefix("sqlite:").unwrap_or(db)))
}

/// Checks the chain of the SQLite log at `path`; how many events it holds
/// and its head, or why it is broken.
fn verified(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut store = SqliteStore::open(path)?;
    match modpod_store::verify(&mut store, &mut |_| {})? {
        Verdict::Intact { head } => Ok((head.seq, hash_hex(&head.hash))),
        Verdict::Broken(broken) => bail!("{}: the log is broken: {broken}", path.display()),
    }
}

/// `modpod backup FILE`.
pub fn backup(db: &str, to: &Path) -> anyhow::Result<ExitCode> {
    let Some(from) = sqlite_path(db) else {
        bail!("{}", postgres_way(db));
    };
    if !from.is_file() {
        bail!("no log at {}: nothing to back up", from.display());
    }
    if to.exists() {
        bail!(
            "{} exists already: a backup never overwrites a file",
            to.display()
        );
    }
    let store = SqliteStore::open(from)?;
    store
        .back_up(to)
        .with_context(|| format!("cannot back up {} to {}", from.display(), to.display()))?;
    drop(store);
    let (events, head) = verified(to).with_context(|| {
        format!(
            "the copy in {} does not verify; it is no backup",
            to.display()
        )
    })?;
    println!(
        "backed up {} to {}: {events} events, head {head}, verified",
        from.display(),
        to.display()
    );
    let keys = format!("{}.audit-keys", from.display());
    if Path::new(&keys).exists() {
        println!(
            "the transparency log's keys are kept apart, in {keys}: back them up too, as secrets"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `modpod restore FILE`.
pub fn restore(from: &Path, db: &str) -> anyhow::Result<ExitCode> {
    let Some(to) = sqlite_path(db) else {
        bail!("{}", postgres_way(db));
    };
    if !from.is_file() {
        bail!("no backup at {}", from.display());
    }
    if to.exists() {
        bail!(
            "{} exists already: restore puts a log back only where there is none (move it aside first)",
            to.display()
        );
    }
    let (events, head) = verified(from)
        .with_context(|| format!("{} cannot be restored; nothing was written", from.display()))?;
    let store = SqliteStore::open(from)?;
    store
        .back_up(to)
        .with_context(|| format!("cannot write {}", to.display()))?;
    drop(store);
    let again = verified(to)?;
    anyhow::ensure!(
        again == (events, head.clone()),
        "{} does not hold what {} held",
        to.display(),
        from.display()
    );
    println!(
        "restored {} from {}: {events} events, head {head}, verified",
        to.display(),
        from.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_address_names_its_sqlite_file_and_postgres_has_its_own_way() {
        assert_eq!(
            sqlite_path("sqlite:a/modpod.db"),
            Some(Path::new("a/modpod.db"))
        );
        assert_eq!(sqlite_path("modpod.db"), Some(Path::new("modpod.db")));
        assert_eq!(sqlite_path("postgres://h/modpod"), None);
        assert!(postgres_way("postgres://h/modpod").contains("pg_dump"));
    }
}
