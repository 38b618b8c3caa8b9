//! The `EventStore` trait: the small set of operations that every backend
//! offers, so that the layers above never know which database holds the log.

use crate::error::StoreError;
use std::time::Duration;

use crate::event::{
    Account, ApiToken, Drifted, Enforced, Hash, Head, NewEvent, PasswordReset, Session, Snapshot,
    StoredEvent,
};
use crate::ledger::{Delivery, DeliveryAttempt, DeliveryCounts};

/// The callback that [`EventStore::scan`] feeds, one event at a time.
///
/// Returning an error stops the scan, and `scan` returns that error.
pub type ScanFn<'a> = dyn FnMut(StoredEvent) -> Result<(), StoreError> + 'a;

/// An append-only, hash-chained event log.
///
/// Methods take `&mut self` because each store owns one database connection.
/// Open one store per thread (or process) to work concurrently; appends from
/// different connections are serialised by the database, and a stale writer
/// gets [`StoreError::Conflict`].
pub trait EventStore: Send {
    /// The backend's name: `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// The head record: the sequence number and hash of the last event, or
    /// [`Head::EMPTY`] for an empty log.
    fn head(&mut self) -> Result<Head, StoreError>;

    /// Appends `events` in one durable transaction, but only if the log's
    /// head is still at `expected`; otherwise returns
    /// [`StoreError::Conflict`] and writes nothing.
    ///
    /// The store assigns sequence numbers and hashes and returns the events
    /// as stored. An empty batch writes nothing but still checks `expected`.
    fn append(
        &mut self,
        expected: u64,
        events: &[NewEvent],
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Feeds every event with `seq > after` to `f`, in order, without
    /// holding them all in memory.
    fn scan(&mut self, after: u64, f: &mut ScanFn<'_>) -> Result<(), StoreError> {
        self.scan_with_head(after, f).map(|_| ())
    }

    /// Like [`EventStore::scan`], but reads the events and the head record in
    /// one consistent snapshot of the database and returns that head record,
    /// so that appends made meanwhile by others cannot confuse the caller.
    fn scan_with_head(&mut self, after: u64, f: &mut ScanFn<'_>) -> Result<Head, StoreError>;

    /// The events with these sequence numbers, in order of sequence number;
    /// numbers with no event are left out. For an index kept elsewhere (the
    /// events of one case, say), so that showing them never scans the log.
    fn events(&mut self, seqs: &[u64]) -> Result<Vec<StoredEvent>, StoreError>;

    /// The sequence number and stored hash of up to `limit` events with
    /// `seq > after`, in order: the chain without its payloads, which is what
    /// a Merkle tree over the log needs, read far faster than whole events.
    fn hashes(&mut self, after: u64, limit: usize) -> Result<Vec<(u64, Hash)>, StoreError>;

    /// The number of stored events, for progress bars.
    fn event_count(&mut self) -> Result<u64, StoreError>;

    /// Saves a snapshot of the caller's state after event `snap.seq`, and
    /// forgets all but the newest few.
    ///
    /// Returns [`StoreError::SnapshotMismatch`] unless the log holds an event
    /// with that sequence number and hash.
    fn save_snapshot(&mut self, snap: &Snapshot) -> Result<(), StoreError>;

    /// The newest snapshot that still matches the log, if any.
    fn latest_snapshot(&mut self) -> Result<Option<Snapshot>, StoreError>;

    /// Creates a login account; returns `false`, changing nothing, if an
    /// account of that name exists.
    fn create_account(&mut self, account: &Account) -> Result<bool, StoreError>;

    /// The account of that name, if any.
    fn account(&mut self, name: &str) -> Result<Option<Account>, StoreError>;

    /// Stores a new API token; returns `false`, changing nothing, if a token
    /// with that id exists.
    fn create_token(&mut self, token: &ApiToken) -> Result<bool, StoreError>;

    /// The token with that id, revoked or not.
    fn token(&mut self, id: &str) -> Result<Option<ApiToken>, StoreError>;

    /// Marks a token revoked at `at_micros`; returns `false` if there is no
    /// such token or it was already revoked.
    fn revoke_token(&mut self, id: &str, at_micros: i64) -> Result<bool, StoreError>;

    /// Stores a new login session, and forgets sessions that expired before
    /// it was made.
    fn create_session(&mut self, session: &Session) -> Result<(), StoreError>;

    /// The session whose id hashes to `id_hash`, expired or not.
    fn session(&mut self, id_hash: &[u8; 32]) -> Result<Option<Session>, StoreError>;

    /// Ends a session (logout); returns `false` if there was none.
    fn delete_session(&mut self, id_hash: &[u8; 32]) -> Result<bool, StoreError>;

    /// The accounts that act for `person`, by name.
    fn accounts_of(&mut self, person: &str) -> Result<Vec<Account>, StoreError>;

    /// Sets an account's password hash and, in the same transaction, ends
    /// its sessions but `keep` (the one the change was made from). Returns
    /// the id hashes of the sessions ended, or `None`, changing nothing, when
    /// there is no such account.
    fn set_password(
        &mut self,
        account: &str,
        password_hash: &str,
        keep: Option<&Hash>,
    ) -> Result<Option<Vec<Hash>>, StoreError>;

    /// Ends the sessions recorded under `account` (an account's name, or the
    /// name an OpenID Connect session is kept under) but `keep`; returns the
    /// id hashes of those ended.
    fn end_sessions(&mut self, account: &str, keep: Option<&Hash>)
    -> Result<Vec<Hash>, StoreError>;

    /// Stores a new password reset and, in the same transaction, forgets the
    /// account's older resets not used yet, so that only the newest link
    /// works. Returns how many it forgot.
    fn create_password_reset(&mut self, reset: &PasswordReset) -> Result<usize, StoreError>;

    /// The password reset whose token hashes to `token_hash`, used or not.
    fn password_reset(&mut self, token_hash: &Hash) -> Result<Option<PasswordReset>, StoreError>;

    /// Uses a password reset, in one transaction: when it is unused, expires
    /// after `now_micros` and its account exists, marks it used at
    /// `now_micros`, sets the account's password hash and ends all the
    /// account's sessions. Returns the account's name and the id hashes of
    /// the sessions ended; otherwise `None`, changing nothing. So a token
    /// works once, even when two requests race with it.
    fn use_password_reset(
        &mut self,
        token_hash: &Hash,
        now_micros: i64,
        password_hash: &str,
    ) -> Result<Option<(String, Vec<Hash>)>, StoreError>;

    /// What the enforcement adapter `target` (e.g. `mailman`) has recorded as
    /// applied, ordered by place, account and kind.
    fn enforced(&mut self, target: &str) -> Result<Vec<Enforced>, StoreError>;

    /// Records that `target` applied `entry`, replacing any record of the same
    /// place, account and kind. Call it only after the forum software
    /// confirmed the change.
    fn set_enforced(&mut self, target: &str, entry: &Enforced) -> Result<(), StoreError>;

    /// Forgets that `target` applied `kind` to `account` in `place`; returns
    /// `false` if there was no such record.
    fn clear_enforced(
        &mut self,
        target: &str,
        place: &str,
        account: &str,
        kind: &str,
    ) -> Result<bool, StoreError>;

    /// Records drift that `target` found: something it applied (see
    /// [`EventStore::set_enforced`]) was removed by hand. A record of the same
    /// place, account, kind and time is replaced.
    fn record_drift(&mut self, target: &str, entry: &Drifted) -> Result<(), StoreError>;

    /// The drift `target` recorded at `place`, ordered by account, kind and
    /// time (oldest first).
    fn drifts(&mut self, target: &str, place: &str) -> Result<Vec<Drifted>, StoreError>;

    /// Forgets the drift `target` recorded for `kind` on `account` in `place`
    /// (once what it applied there is over); returns how many records went.
    fn clear_drift(
        &mut self,
        target: &str,
        place: &str,
        account: &str,
        kind: &str,
    ) -> Result<usize, StoreError>;

    /// Adds deliveries to the ledger in one transaction, leaving any that
    /// exists (same notification and address) as it is. Returns how many
    /// were new.
    fn add_deliveries(&mut self, deliveries: &[Delivery]) -> Result<usize, StoreError>;

    /// The highest notification number that has deliveries in the ledger,
    /// or `None` when it has none.
    fn last_notification_delivered(&mut self) -> Result<Option<u64>, StoreError>;

    /// Up to `limit` pending deliveries, the soonest due first.
    fn pending_deliveries(&mut self, limit: usize) -> Result<Vec<Delivery>, StoreError>;

    /// The deliveries by status and the failed attempts, counted.
    fn delivery_counts(&mut self) -> Result<DeliveryCounts, StoreError>;

    /// A notification's deliveries, by address.
    fn deliveries(&mut self, notification: u64) -> Result<Vec<Delivery>, StoreError>;

    /// Records an attempt at a delivery and, in the same transaction, what it
    /// did to a pending delivery: sent, failed for good, or due again at
    /// `retry_at_micros`. A delivery no longer pending only counts the
    /// attempt. Returns `false`, recording nothing, if there is no such
    /// delivery.
    fn record_attempt(
        &mut self,
        attempt: &DeliveryAttempt,
        retry_at_micros: i64,
    ) -> Result<bool, StoreError>;

    /// A notification's delivery attempts, in the order they were made.
    fn delivery_attempts(&mut self, notification: u64) -> Result<Vec<DeliveryAttempt>, StoreError>;

    /// Takes the lease `name` for `holder` until `until_micros`, in one
    /// atomic step: when nobody holds it, when it ran out (at or before
    /// `now_micros`), or when `holder` holds it already (a renewal).
    /// Returns whether `holder` now holds it.
    fn take_lease(
        &mut self,
        name: &str,
        holder: &str,
        now_micros: i64,
        until_micros: i64,
    ) -> Result<bool, StoreError>;

    /// Gives the lease up, if `holder` holds it, so another may take it at
    /// once. Returns whether it was held.
    fn release_lease(&mut self, name: &str, holder: &str) -> Result<bool, StoreError>;

    /// Another connection to the same log and the tables beside it, for
    /// work that must not wait on this one: readers of sessions, tokens,
    /// accounts and events by sequence number while this one appends.
    fn another(&mut self) -> Result<Box<dyn EventStore>, StoreError>;

    /// A watch on this log, on a connection of its own, that wakes up when
    /// another connection (in this process or another) appends.
    fn watch(&mut self) -> Result<Box<dyn LogWatch>, StoreError>;
}

/// Tells a follower that the log may have moved, so it need not poll the
/// log itself. PostgreSQL is told by `NOTIFY` in each append's transaction;
/// SQLite by the file's `data_version`, which is cheap to read.
pub trait LogWatch: Send {
    /// Waits up to `timeout` for an append by another connection. Returns
    /// `true` when there may be new events (a spurious `true` is harmless:
    /// the follower finds nothing new), `false` when the time ran out.
    fn wait(&mut self, timeout: Duration) -> Result<bool, StoreError>;
}

/// How many snapshots a store keeps; older ones are deleted on save.
pub const SNAPSHOTS_KEPT: u64 = 3;
