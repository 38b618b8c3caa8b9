//! The SQLite backend: one file in write-ahead-log mode with full
//! synchronous durability, one transaction per append, and cached prepared
//! statements so that appends and scans stay fast.

mod checkpoint;
mod ledger;
mod passwords;
mod rows;
mod schema;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::chain::{link, seq_from_db, seq_to_db};
use crate::error::StoreError;
use crate::event::{
    Account, ApiToken, Drifted, Enforced, Hash, Head, NewEvent, PasswordReset, Session, Snapshot,
    StoredEvent,
};
use crate::ledger::{Delivery, DeliveryAttempt, DeliveryCounts};
use crate::store::{EventStore, LogWatch, SNAPSHOTS_KEPT, ScanFn};

const CREATE_ACCOUNT: &str = "INSERT INTO accounts (name, person, password_hash) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING";
const READ_ACCOUNT: &str = "SELECT name, person, password_hash FROM accounts WHERE name = ?1";
const CREATE_TOKEN: &str = "INSERT INTO api_tokens (id, account, secret_hash, scope, created_micros) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING";
const READ_TOKEN: &str = "SELECT id, account, secret_hash, scope, created_micros, revoked_micros \
     FROM api_tokens WHERE id = ?1";
const REVOKE_TOKEN: &str =
    "UPDATE api_tokens SET revoked_micros = ?2 WHERE id = ?1 AND revoked_micros IS NULL";
const READ_ENFORCED: &str = "SELECT place, account, kind, previous FROM enforced \
     WHERE target = ?1 ORDER BY place, account, kind";
const SET_ENFORCED: &str = "INSERT INTO enforced (target, place, account, kind, previous) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (target, place, account, kind) \
     DO UPDATE SET previous = excluded.previous";
const CLEAR_ENFORCED: &str =
    "DELETE FROM enforced WHERE target = ?1 AND place = ?2 AND account = ?3 AND kind = ?4";
const RECORD_DRIFT: &str = "INSERT INTO drift (target, place, account, kind, seen_micros, reapplied) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (target, place, account, kind, seen_micros) \
     DO UPDATE SET reapplied = excluded.reapplied";
const READ_DRIFT: &str = "SELECT place, account, kind, seen_micros, reapplied FROM drift \
     WHERE target = ?1 AND place = ?2 ORDER BY account, kind, seen_micros";
const CLEAR_DRIFT: &str =
    "DELETE FROM drift WHERE target = ?1 AND place = ?2 AND account = ?3 AND kind = ?4";
const READ_HEAD: &str = "SELECT seq, hash FROM head WHERE id = 1";
const WRITE_HEAD: &str = "UPDATE head SET seq = ?1, hash = ?2 WHERE id = 1";
const INSERT_EVENT: &str = "INSERT INTO events (seq, at_micros, actor, role, kind, payload, prev_hash, hash) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
const COUNT_EVENTS: &str = "SELECT count(*) FROM events";
const EVENT_MATCHES: &str = "SELECT EXISTS (SELECT 1 FROM events WHERE seq = ?1 AND hash = ?2)";
const SAVE_SNAPSHOT: &str =
    "INSERT OR REPLACE INTO snapshots (seq, hash, state) VALUES (?1, ?2, ?3)";
const PRUNE_SNAPSHOTS: &str = "DELETE FROM snapshots WHERE seq NOT IN \
     (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?1)";
const LATEST_SNAPSHOT: &str = "SELECT s.seq, s.hash, s.state FROM snapshots s \
     JOIN events e ON e.seq = s.seq AND e.hash = s.hash ORDER BY s.seq DESC LIMIT 1";

/// A modpod log in a SQLite file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the log at `path`, creating the file and schema if needed.
    ///
    /// Refuses with [`StoreError::NotModpod`] a file that is not a SQLite
    /// database or belongs to another program, without changing it.
    ///
    /// `:memory:` opens a fresh log that lives in memory only, under a name
    /// of its own, so that [`EventStore::another`] reaches the same log.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = match path.as_ref() {
            p if p == Path::new(":memory:") => memory_name(),
            p => p.to_owned(),
        };
        Ok(SqliteStore {
            conn: connect(&path)?,
            path,
        })
    }

    /// Opens a fresh log that lives in memory only, for tests: gone once its
    /// last connection is dropped.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        SqliteStore::open(":memory:")
    }

    /// Writes a consistent copy of the whole database (the log, the
    /// ledger, accounts, tokens and snapshots) to `to`, a file that must not
    /// exist yet, while others go on writing: SQLite's `VACUUM INTO`, one
    /// read transaction, so the copy is the database at one moment.
    pub fn back_up(&self, to: &Path) -> Result<(), StoreError> {
        let to = to.to_str().ok_or_else(|| {
            StoreError::Corrupt(format!(
                "{} is not a path SQLite can write to",
                to.display()
            ))
        })?;
        self.conn.execute("VACUUM INTO ?1", [to])?;
        Ok(())
    }
}

impl EventStore for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn head(&mut self) -> Result<Head, StoreError> {
        read_head(&self.conn)
    }

    fn append(
        &mut self,
        expected: u64,
        events: &[NewEvent],
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let head = read_head(&tx)?;
        if head.seq != expected {
            return Err(StoreError::Conflict {
                expected,
                actual: head.seq,
            });
        }
        let stored = link(head, events)?;
        if let Some(last) = stored.last() {
            let mut insert = tx.prepare_cached(INSERT_EVENT)?;
            for event in &stored {
                insert
                    .execute(params![
                        seq_to_db(event.seq),
                        event.at_micros,
                        event.actor,
                        event.role,
                        event.kind,
                        event.payload,
                        event.prev_hash,
                        event.hash,
                    ])
                    .map_err(|error| already_there(error, event.seq, head))?;
            }
            let updated = tx
                .prepare_cached(WRITE_HEAD)?
                .execute(params![seq_to_db(last.seq), last.hash])?;
            if updated != 1 {
                return Err(missing_head());
            }
        }
        tx.commit()?;
        Ok(stored)
    }

    fn scan_with_head(&mut self, after: u64, f: &mut ScanFn<'_>) -> Result<Head, StoreError> {
        // In WAL mode a read transaction sees one unchanging snapshot.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)?;
        let head = read_head(&tx)?;
        {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {} FROM events WHERE seq > ?1 ORDER BY seq",
                rows::EVENT_COLUMNS
            ))?;
            let mut found = stmt.query([seq_to_db(after)])?;
            while let Some(row) = found.next()? {
                f(rows::event(row)?)?;
            }
        }
        tx.commit()?;
        Ok(head)
    }

    fn hashes(&mut self, after: u64, limit: usize) -> Result<Vec<(u64, Hash)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, hash FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut found = stmt.query(rusqlite::params![seq_to_db(after), limit])?;
        let mut hashes = Vec::new();
        while let Some(row) = found.next()? {
            let seq = seq_from_db(row.get(0)?, "the events table")?;
            let hash = rows::hash(row, 1, "hash")
                .map_err(|reason| StoreError::CorruptEvent { seq, reason })?;
            hashes.push((seq, hash));
        }
        Ok(hashes)
    }

    fn events(&mut self, seqs: &[u64]) -> Result<Vec<StoredEvent>, StoreError> {
        let mut wanted = seqs.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)?;
        let mut found = Vec::with_capacity(wanted.len());
        {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {} FROM events WHERE seq = ?1",
                rows::EVENT_COLUMNS
            ))?;
            for seq in wanted {
                let mut rows = stmt.query([seq_to_db(seq)])?;
                if let Some(row) = rows.next()? {
                    found.push(rows::event(row)?);
                }
            }
        }
        tx.commit()?;
        Ok(found)
    }

    fn event_count(&mut self) -> Result<u64, StoreError> {
        let count: i64 = self
            .conn
            .prepare_cached(COUNT_EVENTS)?
            .query_row([], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn save_snapshot(&mut self, snap: &Snapshot) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq = seq_to_db(snap.seq);
        let matches: bool = tx
            .prepare_cached(EVENT_MATCHES)?
            .query_row(params![seq, snap.hash], |row| row.get(0))?;
        if !matches {
            return Err(StoreError::SnapshotMismatch { seq: snap.seq });
        }
        tx.prepare_cached(SAVE_SNAPSHOT)?
            .execute(params![seq, snap.hash, snap.state])?;
        tx.prepare_cached(PRUNE_SNAPSHOTS)?
            .execute([seq_to_db(SNAPSHOTS_KEPT)])?;
        tx.commit()?;
        Ok(())
    }

    fn latest_snapshot(&mut self) -> Result<Option<Snapshot>, StoreError> {
        let mut stmt = self.conn.prepare_cached(LATEST_SNAPSHOT)?;
        let mut found = stmt.query([])?;
        let Some(row) = found.next()? else {
            return Ok(None);
        };
        Ok(Some(rows::snapshot(row)?))
    }

    fn create_account(&mut self, account: &Account) -> Result<bool, StoreError> {
        let added = self.conn.prepare_cached(CREATE_ACCOUNT)?.execute(params![
            account.name,
            account.person,
            account.password_hash
        ])?;
        Ok(added == 1)
    }

    fn account(&mut self, name: &str) -> Result<Option<Account>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(READ_ACCOUNT)?
            .query_row([name], |row| {
                Ok(Account {
                    name: row.get(0)?,
                    person: row.get(1)?,
                    password_hash: row.get(2)?,
                })
            })
            .optional()?)
    }

    fn create_token(&mut self, token: &ApiToken) -> Result<bool, StoreError> {
        let added = self.conn.prepare_cached(CREATE_TOKEN)?.execute(params![
            token.id,
            token.account,
            token.secret_hash,
            token.scope,
            token.created_micros
        ])?;
        Ok(added == 1)
    }

    fn token(&mut self, id: &str) -> Result<Option<ApiToken>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(READ_TOKEN)?
            .query_row([id], |row| {
                Ok(ApiToken {
                    id: row.get(0)?,
                    account: row.get(1)?,
                    secret_hash: row.get(2)?,
                    scope: row.get(3)?,
                    created_micros: row.get(4)?,
                    revoked_micros: row.get(5)?,
                })
            })
            .optional()?)
    }

    fn revoke_token(&mut self, id: &str, at_micros: i64) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .prepare_cached(REVOKE_TOKEN)?
            .execute(params![id, at_micros])?;
        Ok(changed == 1)
    }

    fn create_session(&mut self, session: &Session) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.prepare_cached("DELETE FROM sessions WHERE expires_micros < ?1")?
            .execute([session.created_micros])?;
        tx.prepare_cached(
            "INSERT INTO sessions (id_hash, account, csrf, created_micros, expires_micros) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            session.id_hash,
            session.account,
            session.csrf,
            session.created_micros,
            session.expires_micros
        ])?;
        tx.commit()?;
        Ok(())
    }

    fn session(&mut self, id_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id_hash, account, csrf, created_micros, expires_micros \
                 FROM sessions WHERE id_hash = ?1",
            )?
            .query_row([id_hash], |row| {
                Ok(Session {
                    id_hash: row.get(0)?,
                    account: row.get(1)?,
                    csrf: row.get(2)?,
                    created_micros: row.get(3)?,
                    expires_micros: row.get(4)?,
                })
            })
            .optional()?)
    }

    fn delete_session(&mut self, id_hash: &[u8; 32]) -> Result<bool, StoreError> {
        let deleted = self
            .conn
            .prepare_cached("DELETE FROM sessions WHERE id_hash = ?1")?
            .execute([id_hash])?;
        Ok(deleted == 1)
    }

    fn accounts_of(&mut self, person: &str) -> Result<Vec<Account>, StoreError> {
        passwords::accounts_of(&self.conn, person)
    }

    fn set_password(
        &mut self,
        account: &str,
        password_hash: &str,
        keep: Option<&Hash>,
    ) -> Result<Option<Vec<Hash>>, StoreError> {
        passwords::set_password(&mut self.conn, account, password_hash, keep)
    }

    fn end_sessions(
        &mut self,
        account: &str,
        keep: Option<&Hash>,
    ) -> Result<Vec<Hash>, StoreError> {
        passwords::end_sessions(&mut self.conn, account, keep)
    }

    fn create_password_reset(&mut self, reset: &PasswordReset) -> Result<usize, StoreError> {
        passwords::create_reset(&mut self.conn, reset)
    }

    fn password_reset(&mut self, token_hash: &Hash) -> Result<Option<PasswordReset>, StoreError> {
        passwords::reset(&self.conn, token_hash)
    }

    fn use_password_reset(
        &mut self,
        token_hash: &Hash,
        now_micros: i64,
        password_hash: &str,
    ) -> Result<Option<(String, Vec<Hash>)>, StoreError> {
        passwords::use_reset(&mut self.conn, token_hash, now_micros, password_hash)
    }

    fn enforced(&mut self, target: &str) -> Result<Vec<Enforced>, StoreError> {
        let mut stmt = self.conn.prepare_cached(READ_ENFORCED)?;
        let rows = stmt.query_map([target], |row| {
            Ok(Enforced {
                place: row.get(0)?,
                account: row.get(1)?,
                kind: row.get(2)?,
                previous: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn set_enforced(&mut self, target: &str, entry: &Enforced) -> Result<(), StoreError> {
        self.conn.prepare_cached(SET_ENFORCED)?.execute(params![
            target,
            entry.place,
            entry.account,
            entry.kind,
            entry.previous
        ])?;
        Ok(())
    }

    fn clear_enforced(
        &mut self,
        target: &str,
        place: &str,
        account: &str,
        kind: &str,
    ) -> Result<bool, StoreError> {
        let removed = self
            .conn
            .prepare_cached(CLEAR_ENFORCED)?
            .execute(params![target, place, account, kind])?;
        Ok(removed > 0)
    }

    fn record_drift(&mut self, target: &str, entry: &Drifted) -> Result<(), StoreError> {
        self.conn.prepare_cached(RECORD_DRIFT)?.execute(params![
            target,
            entry.place,
            entry.account,
            entry.kind,
            entry.seen_micros,
            entry.reapplied
        ])?;
        Ok(())
    }

    fn drifts(&mut self, target: &str, place: &str) -> Result<Vec<Drifted>, StoreError> {
        let mut stmt = self.conn.prepare_cached(READ_DRIFT)?;
        let rows = stmt.query_map([target, place], |row| {
            Ok(Drifted {
                place: row.get(0)?,
                account: row.get(1)?,
                kind: row.get(2)?,
                seen_micros: row.get(3)?,
                reapplied: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn clear_drift(
        &mut self,
        target: &str,
        place: &str,
        account: &str,
        kind: &str,
    ) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached(CLEAR_DRIFT)?
            .execute(params![target, place, account, kind])?)
    }

    fn add_deliveries(&mut self, deliveries: &[Delivery]) -> Result<usize, StoreError> {
        ledger::add_deliveries(&mut self.conn, deliveries)
    }

    fn last_notification_delivered(&mut self) -> Result<Option<u64>, StoreError> {
        ledger::last_notification_delivered(&self.conn)
    }

    fn pending_deliveries(&mut self, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        ledger::pending_deliveries(&self.conn, limit)
    }

    fn delivery_counts(&mut self) -> Result<DeliveryCounts, StoreError> {
        ledger::delivery_counts(&self.conn)
    }

    fn deliveries(&mut self, notification: u64) -> Result<Vec<Delivery>, StoreError> {
        ledger::deliveries(&self.conn, notification)
    }

    fn record_attempt(
        &mut self,
        attempt: &DeliveryAttempt,
        retry_at_micros: i64,
    ) -> Result<bool, StoreError> {
        ledger::record_attempt(&mut self.conn, attempt, retry_at_micros)
    }

    fn delivery_attempts(&mut self, notification: u64) -> Result<Vec<DeliveryAttempt>, StoreError> {
        ledger::delivery_attempts(&self.conn, notification)
    }

    fn take_lease(
        &mut self,
        name: &str,
        holder: &str,
        now_micros: i64,
        until_micros: i64,
    ) -> Result<bool, StoreError> {
        ledger::take_lease(&self.conn, name, holder, now_micros, until_micros)
    }

    fn release_lease(&mut self, name: &str, holder: &str) -> Result<bool, StoreError> {
        ledger::release_lease(&self.conn, name, holder)
    }

    fn another(&mut self) -> Result<Box<dyn EventStore>, StoreError> {
        Ok(Box::new(SqliteStore {
            conn: connect(&self.path)?,
            path: self.path.clone(),
        }))
    }

    fn watch(&mut self) -> Result<Box<dyn LogWatch>, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        let seen = data_version(&conn)?;
        Ok(Box::new(SqliteWatch { conn, seen }))
    }
}

/// A name for a new log in memory: SQLite's `memdb` file system, under a
/// name no other log of this process has, so that several connections (see
/// [`EventStore::another`]) share it, with SQLite's usual locking.
/// A connection to the log at `path` that leaves checkpoints to a thread of
/// its own (see [`checkpoint`]).
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = schema::open(path)?;
    checkpoint::apart(&mut conn, path)?;
    Ok(conn)
}

fn memory_name() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    PathBuf::from(format!(
        "file:/modpod-memory-{}-{n}?vfs=memdb",
        std::process::id()
    ))
}

/// How often a SQLite watch reads `data_version`: a read of a page already in
/// memory, so frequent polling costs next to nothing.
const WATCH_POLL: Duration = Duration::from_millis(20);

/// A [`LogWatch`] on a SQLite file: its own read-only connection, whose
/// `data_version` changes whenever another connection commits.
struct SqliteWatch {
    conn: Connection,
    seen: i64,
}

impl LogWatch for SqliteWatch {
    fn wait(&mut self, timeout: Duration) -> Result<bool, StoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            let now = data_version(&self.conn)?;
            if now != self.seen {
                self.seen = now;
                return Ok(true);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            std::thread::sleep(left.min(WATCH_POLL));
        }
    }
}

fn data_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.pragma_query_value(None, "data_version", |row| row.get(0))?)
}

/// Reads the head record.
fn read_head(conn: &Connection) -> Result<Head, StoreError> {
    conn.prepare_cached(READ_HEAD)?
        .query_row([], |row| Ok(rows::head(row)))
        .optional()?
        .ok_or_else(missing_head)?
}

/// The error for a database whose head record was deleted.
fn missing_head() -> StoreError {
    StoreError::Corrupt("the head record is missing".into())
}

/// Explains an insert that collides with an existing event: the head record
/// is behind the events, which only tampering can cause.
fn already_there(error: rusqlite::Error, seq: u64, head: Head) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Corrupt(format!(
            "event {seq} already exists although the head record says the log ends at event {}; run verify",
            head.seq
        )),
        _ => StoreError::Sqlite(error),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn logs_in_memory_are_shared_by_their_connections_only() {
        let mut one = SqliteStore::open_in_memory().unwrap();
        let mut two = SqliteStore::open_in_memory().unwrap();
        let mut one_again = one.another().unwrap();
        let event = NewEvent {
            at_micros: 1,
            actor: "op".into(),
            role: "operator".into(),
            kind: "k".into(),
            payload: "{}".into(),
        };
        one.append(0, &[event]).unwrap();
        assert_eq!(one_again.head().unwrap().seq, 1);
        assert_eq!(two.head().unwrap(), Head::EMPTY);
    }
}
