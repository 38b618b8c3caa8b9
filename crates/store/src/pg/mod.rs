//! The PostgreSQL backend, on the synchronous `postgres` crate.
//!
//! Appends take a transaction-scoped advisory lock and then check the head,
//! so writers in different processes queue up instead of forking the chain.
//! Scans read through a portal in batches inside one repeatable-read
//! transaction, so a log of millions of events is never held in memory.
//!
//! The `postgres` crate runs its own small tokio runtime and panics when it
//! is called from inside another one. Never call a [`PgStore`] from async
//! code: use it from a plain thread or inside `tokio::task::spawn_blocking`.

mod ledger;
mod passwords;
mod rows;
mod schema;

use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, IsolationLevel, NoTls, Statement};
use std::time::Duration;

use crate::chain::{link, seq_to_db};
use crate::error::{StoreError, describe_pg};
use crate::event::{
    Account, ApiToken, Drifted, Enforced, Hash, Head, NewEvent, PasswordReset, Session, Snapshot,
    StoredEvent,
};
use crate::ledger::{Delivery, DeliveryAttempt, DeliveryCounts};
use crate::store::{EventStore, LogWatch, SNAPSHOTS_KEPT, ScanFn};

/// How many rows a scan fetches from the server at a time.
const SCAN_BATCH: i32 = 20_000;

/// A modpod log in a PostgreSQL database.
///
/// Connects without TLS; use a local socket, a loopback address or a
/// tunnel for a remote server. Must not be used from async code (see the
/// module documentation).
pub struct PgStore {
    client: Client,
    statements: Statements,
    /// To open the watch's own connection.
    url: String,
}

/// The channel every append notifies, with the new head's sequence number.
const CHANNEL: &str = "modpod_log";

/// Statements prepared once per connection.
struct Statements {
    lock: Statement,
    read_head: Statement,
    write_head: Statement,
    notify: Statement,
    insert: Statement,
    scan: Statement,
    hashes: Statement,
    some: Statement,
    count: Statement,
    event_matches: Statement,
    save_snapshot: Statement,
    prune_snapshots: Statement,
    latest_snapshot: Statement,
}

impl Statements {
    fn prepare(client: &mut Client) -> Result<Self, StoreError> {
        Ok(Statements {
            lock: client.prepare("SELECT pg_advisory_xact_lock($1)")?,
            read_head: client.prepare("SELECT seq, hash FROM head WHERE id = 1")?,
            write_head: client.prepare("UPDATE head SET seq = $1, hash = $2 WHERE id = 1")?,
            notify: client.prepare(&format!("SELECT pg_notify('{CHANNEL}', $1)"))?,
            // One round trip for the whole batch: each parameter is an array
            // holding one column.
            insert: client.prepare(
                "INSERT INTO events (seq, at_micros, actor, role, kind, payload, prev_hash, hash) \
                 SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], \
                                      $5::text[], $6::text[], $7::bytea[], $8::bytea[])",
            )?,
            scan: client.prepare(&format!(
                "SELECT {} FROM events WHERE seq > $1 ORDER BY seq",
                rows::EVENT_COLUMNS
            ))?,
            hashes: client
                .prepare("SELECT seq, hash FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")?,
            some: client.prepare(&format!(
                "SELECT {} FROM events WHERE seq = ANY($1::int8[]) ORDER BY seq",
                rows::EVENT_COLUMNS
            ))?,
            count: client.prepare("SELECT count(*) FROM events")?,
            event_matches: client
                .prepare("SELECT EXISTS (SELECT 1 FROM events WHERE seq = $1 AND hash = $2)")?,
            save_snapshot: client.prepare(
                "INSERT INTO snapshots (seq, hash, state) VALUES ($1, $2, $3) \
                 ON CONFLICT (seq) DO UPDATE SET hash = EXCLUDED.hash, state = EXCLUDED.state",
            )?,
            prune_snapshots: client.prepare(
                "DELETE FROM snapshots WHERE seq NOT IN \
                 (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT $1)",
            )?,
            latest_snapshot: client.prepare(
                "SELECT s.seq, s.hash, s.state FROM snapshots s \
                 JOIN events e ON e.seq = s.seq AND e.hash = s.hash ORDER BY s.seq DESC LIMIT 1",
            )?,
        })
    }
}

impl PgStore {
    /// Connects to the database named by a `postgres://` URL (or a
    /// `key=value` connection string) and creates the schema if the
    /// database holds none.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let shown = redact(url);
        let mut client = Client::connect(url, NoTls).map_err(|error| StoreError::CannotOpen {
            target: shown.clone(),
            reason: describe_pg(&error),
        })?;
        schema::ensure(&mut client, &shown)?;
        let statements = Statements::prepare(&mut client)?;
        Ok(PgStore {
            client,
            statements,
            url: url.to_owned(),
        })
    }

    /// Connects again when the connection was lost (the server restarted,
    /// the network failed): the call that found it lost failed, and this one
    /// goes ahead on a new connection, so a node recovers by itself once the
    /// database is back. While it is not, each call fails at once with
    /// [`StoreError::CannotOpen`] rather than waiting.
    fn reopen_if_closed(&mut self) -> Result<(), StoreError> {
        if !self.client.is_closed() {
            return Ok(());
        }
        let mut client =
            Client::connect(&self.url, NoTls).map_err(|error| StoreError::CannotOpen {
                target: redact(&self.url),
                reason: describe_pg(&error),
            })?;
        let statements = Statements::prepare(&mut client)?;
        (self.client, self.statements) = (client, statements);
        Ok(())
    }
}

impl EventStore for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn head(&mut self) -> Result<Head, StoreError> {
        self.reopen_if_closed()?;
        let row = self
            .client
            .query_opt(&self.statements.read_head, &[])?
            .ok_or_else(missing_head)?;
        rows::head(&row)
    }

    fn append(
        &mut self,
        expected: u64,
        events: &[NewEvent],
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.reopen_if_closed()?;
        let st = &self.statements;
        let mut tx = self.client.transaction()?;
        tx.execute(&st.lock, &[&schema::LOCK_KEY])?;
        let head = rows::head(&tx.query_opt(&st.read_head, &[])?.ok_or_else(missing_head)?)?;
        if head.seq != expected {
            return Err(StoreError::Conflict {
                expected,
                actual: head.seq,
            });
        }
        let stored = link(head, events)?;
        if let Some(last) = stored.last() {
            let seqs: Vec<i64> = stored.iter().map(|e| seq_to_db(e.seq)).collect();
            let ats: Vec<i64> = stored.iter().map(|e| e.at_micros).collect();
            let actors: Vec<&str> = stored.iter().map(|e| e.actor.as_str()).collect();
            let roles: Vec<&str> = stored.iter().map(|e| e.role.as_str()).collect();
            let kinds: Vec<&str> = stored.iter().map(|e| e.kind.as_str()).collect();
            let payloads: Vec<&str> = stored.iter().map(|e| e.payload.as_str()).collect();
            let prevs: Vec<&[u8]> = stored.iter().map(|e| &e.prev_hash[..]).collect();
            let hashes: Vec<&[u8]> = stored.iter().map(|e| &e.hash[..]).collect();
            tx.execute(
                &st.insert,
                &[
                    &seqs, &ats, &actors, &roles, &kinds, &payloads, &prevs, &hashes,
                ],
            )
            .map_err(|error| already_there(error, head))?;
            let updated = tx.execute(&st.write_head, &[&seq_to_db(last.seq), &&last.hash[..]])?;
            if updated != 1 {
                return Err(missing_head());
            }
            // Delivered to the listeners when (and only if) this commits.
            tx.execute(&st.notify, &[&last.seq.to_string()])?;
        }
        tx.commit()?;
        Ok(stored)
    }

    fn scan_with_head(&mut self, after: u64, f: &mut ScanFn<'_>) -> Result<Head, StoreError> {
        self.reopen_if_closed()?;
        let st = &self.statements;
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let head = rows::head(&tx.query_opt(&st.read_head, &[])?.ok_or_else(missing_head)?)?;
        let portal = tx.bind(&st.scan, &[&seq_to_db(after)])?;
        loop {
            // Rows are handled as they arrive, while the server is still
            // sending the rest of the batch.
            let mut batch = tx.query_portal_raw(&portal, SCAN_BATCH)?;
            let mut fetched = 0;
            while let Some(row) = batch.next()? {
                fetched += 1;
                f(rows::event(&row)?)?;
            }
            if fetched < SCAN_BATCH {
                break;
            }
        }
        tx.commit()?;
        Ok(head)
    }

    fn hashes(&mut self, after: u64, limit: usize) -> Result<Vec<(u64, Hash)>, StoreError> {
        self.reopen_if_closed()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.client
            .query(&self.statements.hashes, &[&seq_to_db(after), &limit])?
            .iter()
            .map(rows::seq_and_hash)
            .collect()
    }

    fn events(&mut self, seqs: &[u64]) -> Result<Vec<StoredEvent>, StoreError> {
        self.reopen_if_closed()?;
        let wanted: Vec<i64> = seqs.iter().map(|s| seq_to_db(*s)).collect();
        self.client
            .query(&self.statements.some, &[&wanted])?
            .iter()
            .map(rows::event)
            .collect()
    }

    fn event_count(&mut self) -> Result<u64, StoreError> {
        self.reopen_if_closed()?;
        let row = self.client.query_one(&self.statements.count, &[])?;
        let count: i64 = row.try_get(0)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn save_snapshot(&mut self, snap: &Snapshot) -> Result<(), StoreError> {
        self.reopen_if_closed()?;
        let st = &self.statements;
        let seq = seq_to_db(snap.seq);
        let mut tx = self.client.transaction()?;
        let matches: bool = tx
            .query_one(&st.event_matches, &[&seq, &&snap.hash[..]])?
            .try_get(0)?;
        if !matches {
            return Err(StoreError::SnapshotMismatch { seq: snap.seq });
        }
        tx.execute(&st.save_snapshot, &[&seq, &&snap.hash[..], &snap.state])?;
        tx.execute(&st.prune_snapshots, &[&seq_to_db(SNAPSHOTS_KEPT)])?;
        tx.commit()?;
        Ok(())
    }

    fn latest_snapshot(&mut self) -> Result<Option<Snapshot>, StoreError> {
        self.reopen_if_closed()?;
        self.client
            .query_opt(&self.statements.latest_snapshot, &[])?
            .map(|row| rows::snapshot(&row))
            .transpose()
    }

    fn create_account(&mut self, account: &Account) -> Result<bool, StoreError> {
        self.reopen_if_closed()?;
        let added = self.client.execute(
            "INSERT INTO accounts (name, person, password_hash) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
            &[&account.name, &account.person, &account.password_hash],
        )?;
        Ok(added == 1)
    }

    fn account(&mut self, name: &str) -> Result<Option<Account>, StoreError> {
        self.reopen_if_closed()?;
        let row = self.client.query_opt(
            "SELECT name, person, password_hash FROM accounts WHERE name = $1",
            &[&name],
        )?;
        row.map(|r| -> Result<Account, StoreError> {
            Ok(Account {
                name: r.try_get(0)?,
                person: r.try_get(1)?,
                password_hash: r.try_get(2)?,
            })
        })
        .transpose()
    }

    fn create_token(&mut self, token: &ApiToken) -> Result<bool, StoreError> {
        self.reopen_if_closed()?;
        let added = self.client.execute(
            "INSERT INTO api_tokens (id, account, secret_hash, scope, created_micros) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            &[
                &token.id,
                &token.account,
                &&token.secret_hash[..],
                &token.scope,
                &token.created_micros,
            ],
        )?;
        Ok(added == 1)
    }

    fn token(&mut self, id: &str) -> Result<Option<ApiToken>, StoreError> {
        self.reopen_if_closed()?;
        let row = self.client.query_opt(
            "SELECT id, account, secret_hash, scope, created_micros, revoked_micros \
             FROM api_tokens WHERE id = $1",
            &[&id],
        )?;
        row.map(|r| -> Result<ApiToken, StoreError> {
            let hash: &[u8] = r.try_get(2)?;
            Ok(ApiToken {
                id: r.try_get(0)?,
                account: r.try_get(1)?,
                secret_hash: hash.try_into().map_err(|_| {
                    StoreError::Corrupt(format!(
                        "the secret hash of the API token {id} is not 32 bytes"
                    ))
                })?,
                scope: r.try_get(3)?,
                created_micros: r.try_get(4)?,
                revoked_micros: r.try_get(5)?,
            })
        })
        .transpose()
    }

    fn revoke_token(&mut self, id: &str, at_micros: i64) -> Result<bool, StoreError> {
        self.reopen_if_closed()?;
        let changed = self.client.execute(
            "UPDATE api_tokens SET revoked_micros = $2 WHERE id = $1 AND revoked_micros IS NULL",
            &[&id, &at_micros],
        )?;
        Ok(changed == 1)
    }

    fn create_session(&mut self, session: &Session) -> Result<(), StoreError> {
        self.reopen_if_closed()?;
        let mut tx = self.client.transaction()?;
        tx.execute(
            "DELETE FROM sessions WHERE expires_micros < $1",
            &[&session.created_micros],
        )?;
        tx.execute(
            "INSERT INTO sessions (id_hash, account, csrf, created_micros, expires_micros) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &&session.id_hash[..],
                &session.account,
                &session.csrf,
                &session.created_micros,
                &session.expires_micros,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn session(&mut self, id_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        self.reopen_if_closed()?;
        let row = self.client.query_opt(
            "SELECT account, csrf, created_micros, expires_micros FROM sessions WHERE id_hash = $1",
            &[&&id_hash[..]],
        )?;
        row.map(|r| -> Result<Session, StoreError> {
            Ok(Session {
                id_hash: *id_hash,
                account: r.try_get(0)?,
                csrf: r.try_get(1)?,
                created_micros: r.try_get(2)?,
                expires_micros: r.try_get(3)?,
            })
        })
        .transpose()
    }

    fn delete_session(&mut self, id_hash: &[u8; 32]) -> Result<bool, StoreError> {
        self.reopen_if_closed()?;
        let deleted = self
            .client
            .execute("DELETE FROM sessions WHERE id_hash = $1", &[&&id_hash[..]])?;
        Ok(deleted == 1)
    }

    fn accounts_of(&mut self, person: &str) -> Result<Vec<Account>, StoreError> {
        self.reopen_if_closed()?;
        passwords::accounts_of(&mut self.client, person)
    }

    fn set_password(
        &mut self,
        account: &str,
        password_hash: &str,
        keep: Option<&Hash>,
    ) -> Result<Option<Vec<Hash>>, StoreError> {
        self.reopen_if_closed()?;
        passwords::set_password(&mut self.client, account, password_hash, keep)
    }

    fn end_sessions(
        &mut self,
        account: &str,
        keep: Option<&Hash>,
    ) -> Result<Vec<Hash>, StoreError> {
        self.reopen_if_closed()?;
        passwords::end_sessions(&mut self.client, account, keep)
    }

    fn create_password_reset(&mut self, reset: &PasswordReset) -> Result<usize, StoreError> {
        self.reopen_if_closed()?;
        passwords::create_reset(&mut self.client, reset)
    }

    fn password_reset(&mut self, token_hash: &Hash) -> Result<Option<PasswordReset>, StoreError> {
        self.reopen_if_closed()?;
        passwords::reset(&mut self.client, token_hash)
    }

    fn use_password_reset(
        &mut self,
        token_hash: &Hash,
        now_micros: i64,
        password_hash: &str,
    ) -> Result<Option<(String, Vec<Hash>)>, StoreError> {
        self.reopen_if_closed()?;
        passwords::use_reset(&mut self.client, token_hash, now_micros, password_hash)
    }

    fn enforced(&mut self, target: &str) -> Result<Vec<Enforced>, StoreError> {
        self.reopen_if_closed()?;
        let rows = self.client.query(
            "SELECT place, account, kind, previous FROM enforced WHERE target = $1 \
             ORDER BY place, account, kind",
            &[&target],
        )?;
        rows.iter()
            .map(|r| -> Result<Enforced, StoreError> {
                Ok(Enforced {
                    place: r.try_get(0)?,
                    account: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    previous: r.try_get(3)?,
                })
            })
            .collect()
    }

    fn set_enforced(&mut self, target: &str, entry: &Enforced) -> Result<(), StoreError> {
        self.reopen_if_closed()?;
        self.client.execute(
            "INSERT INTO enforced (target, place, account, kind, previous) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (target, place, account, kind) \
             DO UPDATE SET previous = EXCLUDED.previous",
            &[
                &target,
                &entry.place,
                &entry.account,
                &entry.kind,
                &entry.previous,
            ],
        )?;
        Ok(())
    }

    fn clear_enforced(
        &mut self,
        target: &str,
        place: &str,
        account: &str,
        kind: &str,
    ) -> Result<bool, StoreError> {
        self.reopen_if_closed()?;
        let removed = self.client.execute(
            "DELETE FROM enforced WHERE target = $1 AND place = $2 AND account = $3 AND kind = $4",
            &[&target, &place, &account, &kind],
        )?;
        Ok(removed > 0)
    }

    fn record_drift(&mut self, target: &str, entry: &Drifted) -> Result<(), StoreError> {
        self.reopen_if_closed()?;
        self.client.execute(
            "INSERT INTO drift (target, place, account, kind, seen_micros, reapplied) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (target, place, account, kind, seen_micros) \
             DO UPDATE SET reapplied = EXCLUDED.reapplied",
            &[
                &target,
                &entry.place,
                &entry.account,
                &entry.kind,
                &entry.seen_micros,
                &entry.reapplied,
            ],
        )?;
        Ok(())
    }

    fn drifts(&mut self, target: &str, place: &str) -> Result<Vec<Drifted>, StoreError> {
        self.reopen_if_closed()?;
        let rows = self.client.query(
            "SELECT place, account, kind, seen_micros, reapplied FROM drift \
             WHERE target = $1 AND place = $2 ORDER BY account, kind, seen_micros",
            &[&target, &place],
        )?;
        rows.iter()
            .map(|r| -> Result<Drifted, StoreError> {
                Ok(Drifted {
                    place: r.try_get(0)?,
                    account: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    seen_micros: r.try_get(3)?,
                    reapplied: r.try_get(4)?,
                })
            })
            .collect()
    }

    fn clear_drift(
        &mut self,
        target: &str,
        place: &str,
        account: &str,
        kind: &str,
    ) -> Result<usize, StoreError> {
        self.reopen_if_closed()?;
        let removed = self.client.execute(
            "DELETE FROM drift WHERE target = $1 AND place = $2 AND account = $3 AND kind = $4",
            &[&target, &place, &account, &kind],
        )?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    fn add_deliveries(&mut self, deliveries: &[Delivery]) -> Result<usize, StoreError> {
        self.reopen_if_closed()?;
        ledger::add_deliveries(&mut self.client, deliveries)
    }

    fn last_notification_delivered(&mut self) -> Result<Option<u64>, StoreError> {
        self.reopen_if_closed()?;
        ledger::last_notification_delivered(&mut self.client)
    }

    fn pending_deliveries(&mut self, limit: usize) -> Result<Vec<Delivery>, StoreError> {
        self.reopen_if_closed()?;
        ledger::pending_deliveries(&mut self.client, limit)
    }

    fn delivery_counts(&mut self) -> Result<DeliveryCounts, StoreError> {
        self.reopen_if_closed()?;
        ledger::delivery_counts(&mut self.client)
    }

    fn deliveries(&mut self, notification: u64) -> Result<Vec<Delivery>, StoreError> {
        self.reopen_if_closed()?;
        ledger::deliveries(&mut self.client, notification)
    }

    fn record_attempt(
        &mut self,
        attempt: &DeliveryAttempt,
        retry_at_micros: i64,
    ) -> Result<bool, StoreError> {
        self.reopen_if_closed()?;
        ledger::record_attempt(&mut self.client, attempt, retry_at_micros)
    }

    fn delivery_attempts(&mut self, notification: u64) -> Result<Vec<DeliveryAttempt>, StoreError> {
        self.reopen_if_closed()?;
        ledger::delivery_attempts(&mut self.client, notification)
    }

    fn take_lease(
        &mut self,
        name: &str,
        holder: &str,
        now_micros: i64,
        until_micros: i64,
    ) -> Result<bool, StoreError> {
        self.reopen_if_closed()?;
        ledger::take_lease(&mut self.client, name, holder, now_micros, until_micros)
    }

    fn release_lease(&mut self, name: &str, holder: &str) -> Result<bool, StoreError> {
        self.reopen_if_closed()?;
        ledger::release_lease(&mut self.client, name, holder)
    }

    fn another(&mut self) -> Result<Box<dyn EventStore>, StoreError> {
        // The schema is this connection's already: no need to take the
        // append lock to ensure it again.
        let shown = redact(&self.url);
        let mut client =
            Client::connect(&self.url, NoTls).map_err(|error| StoreError::CannotOpen {
                target: shown,
                reason: describe_pg(&error),
            })?;
        let statements = Statements::prepare(&mut client)?;
        Ok(Box::new(PgStore {
            client,
            statements,
            url: self.url.clone(),
        }))
    }

    fn watch(&mut self) -> Result<Box<dyn LogWatch>, StoreError> {
        self.reopen_if_closed()?;
        let mut client =
            Client::connect(&self.url, NoTls).map_err(|error| StoreError::CannotOpen {
                target: redact(&self.url),
                reason: describe_pg(&error),
            })?;
        client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        Ok(Box::new(PgWatch { client }))
    }
}

/// A [`LogWatch`] on PostgreSQL: a connection of its own that listens on
/// the channel every append notifies.
struct PgWatch {
    client: Client,
}

impl LogWatch for PgWatch {
    fn wait(&mut self, timeout: Duration) -> Result<bool, StoreError> {
        let mut notifications = self.client.notifications();
        if notifications.timeout_iter(timeout).next()?.is_none() {
            return Ok(false);
        }
        // One catch-up reads them all: drop the rest already here.
        while notifications.iter().next()?.is_some() {}
        Ok(true)
    }
}

/// The error for a database whose head record was deleted.
fn missing_head() -> StoreError {
    StoreError::Corrupt("the head record is missing".into())
}

/// Explains an insert that collides with existing events: the head record
/// is behind the events, which only tampering can cause.
fn already_there(error: postgres::Error, head: Head) -> StoreError {
    if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        StoreError::Corrupt(format!(
            "events after event {} already exist although the head record says the log ends there; run verify",
            head.seq
        ))
    } else {
        StoreError::Postgres(error)
    }
}

/// Hides the password of a connection URL (and its query string, which may
/// hold one) so that it never appears in messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(connection string)".into();
    };
    let (rest, query) = match rest.split_once('?') {
        Some((before, _)) => (before, "?…"),
        None => (rest, ""),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let shown = match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{user}:***{}", &rest[at..]),
            None => rest.into(),
        },
        None => rest.into(),
    };
    format!("{scheme}://{shown}{query}")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://me:secret@db:5432/modpod"),
            "postgres://me:***@db:5432/modpod"
        );
        assert_eq!(redact("postgres://me@db/modpod"), "postgres://me@db/modpod");
        assert_eq!(redact("host=db password=secret"), "(connection string)");
        assert_eq!(
            redact("postgresql://db/modpod?password=secret"),
            "postgresql://db/modpod?…"
        );
    }
}
