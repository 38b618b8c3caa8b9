//! modpod's event log: an append-only, hash-chained list of events kept in
//! SQLite or PostgreSQL.
//!
//! The store knows nothing about moderation. An event is an envelope (time,
//! actor, role, kind) around opaque JSON payload text; the store numbers
//! events from 1 without gaps, chains them by hash and hands them back byte
//! for byte. Both backends implement [`EventStore`] and behave the same;
//! [`open`] picks one from an address.
//!
//! # The chain
//!
//! Every event stores the hash of the event before it (`prev_hash`, which is
//! [`GENESIS`], 32 zero bytes, for event 1) and its own `hash`: BLAKE3 over a
//! canonical encoding of its sequence number, its fields and `prev_hash`.
//! The encoding (see [`event_hash`]) writes integers big-endian at fixed
//! width and prefixes every variable-length field with its length, after the
//! domain tag `modpod-event-v1`:
//!
//! ```text
//! field("modpod-event-v1") seq:u64 at_micros:i64
//! field(actor) field(role) field(kind) field(payload) prev_hash:[u8; 32]
//! where field(x) = len(x) as u64, then the UTF-8 bytes of x
//! ```
//!
//! So no two different events share an encoding, and each hash commits to
//! the whole log before it. Each append also rewrites a one-row head record
//! (the last event's sequence number and hash) in the same transaction.
//!
//! # What `verify` proves
//!
//! [`verify`] recomputes every hash, checks every link and the numbering
//! from 1, and compares the end of the chain with the head record. It
//! reports the first broken event and why, so editing any field of an event
//! with plain SQL, deleting an event (the last one too, thanks to the head
//! record), inserting one or swapping two are all caught.
//!
//! It cannot catch someone who rewrites the log from some event onwards,
//! recomputes every later hash and updates the head record to match: such a
//! log is internally consistent. The defence is the anchor: `verify` returns
//! the head hash, which commits to every event up to it. Publish or record
//! that hash somewhere the database's owner cannot rewrite; a later run
//! whose head at the same sequence number differs proves the rewrite.
//!
//! # Beside the log
//!
//! Login accounts, API tokens, sessions, password resets, the delivery ledger of notifications and
//! leases live in side tables, created when missing at every open. They are
//! not events and are not chained: the log stays the record, and these
//! tables say what has been done about it (see [`Delivery`]).
//!
//! # Backends
//!
//! [`SqliteStore`] uses one file in WAL mode with `synchronous=FULL`, marked
//! with its own `application_id`, so a foreign file is refused with
//! [`StoreError::NotModpod`]. [`PgStore`] serialises appends across
//! processes with a transaction-scoped advisory lock and must never be
//! called from async code, because the sync `postgres` crate runs its own
//! runtime.

mod chain;
mod error;
mod event;
mod hash;
mod ledger;
mod open;
mod pg;
mod sqlite;
mod store;
mod verify;

pub use error::StoreError;
pub use event::{
    Account, ApiToken, Drifted, Enforced, GENESIS, Hash, Head, NewEvent, PasswordReset, Session,
    Snapshot, StoredEvent, hash_hex,
};
pub use hash::{DOMAIN_TAG, event_hash};
pub use ledger::{AttemptOutcome, Delivery, DeliveryAttempt, DeliveryCounts, DeliveryStatus};
pub use open::open;
pub use pg::PgStore;
pub use sqlite::SqliteStore;
pub use store::{EventStore, LogWatch, SNAPSHOTS_KEPT, ScanFn};
pub use verify::{Broken, BrokenReason, Verdict, verify};
