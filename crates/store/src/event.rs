//! The plain data that travels through the store: events before and after
//! they are appended, the head of the log, and snapshots. Nothing here knows
//! what a payload means; it is JSON text that the store hashes and keeps
//! byte for byte.

/// A BLAKE3 hash, 32 bytes.
pub type Hash = [u8; 32];

/// The `prev_hash` of event 1, and the head hash of an empty log.
pub const GENESIS: Hash = [0; 32];

/// An event as the caller hands it to [`crate::EventStore::append`].
///
/// The store assigns the sequence number and the hashes. No text field may
/// contain a NUL character, because PostgreSQL cannot store one in `TEXT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// When the event happened, in microseconds since the Unix epoch (UTC).
    pub at_micros: i64,
    /// Who caused the event.
    pub actor: String,
    /// The role the actor acted in.
    pub role: String,
    /// What kind of event this is, for the layer above the store.
    pub kind: String,
    /// The event's body as JSON text, hashed and returned byte for byte.
    pub payload: String,
}

/// An event as it is stored: the caller's fields plus its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// Position in the log, starting at 1 with no gaps.
    pub seq: u64,
    /// When the event happened, in microseconds since the Unix epoch (UTC).
    pub at_micros: i64,
    /// Who caused the event.
    pub actor: String,
    /// The role the actor acted in.
    pub role: String,
    /// What kind of event this is.
    pub kind: String,
    /// The event's body as JSON text.
    pub payload: String,
    /// The hash of the previous event, or [`GENESIS`] for event 1.
    pub prev_hash: Hash,
    /// The hash of this event, see [`crate::event_hash`].
    pub hash: Hash,
}

impl StoredEvent {
    /// Recomputes this event's hash from its stored fields.
    ///
    /// It equals [`StoredEvent::hash`] unless the event was altered.
    pub fn computed_hash(&self) -> Hash {
        crate::hash::hash_fields(
            self.seq,
            self.at_micros,
            &self.actor,
            &self.role,
            &self.kind,
            &self.payload,
            &self.prev_hash,
        )
    }

    /// The head of the log if this event is its last one.
    pub fn as_head(&self) -> Head {
        Head {
            seq: self.seq,
            hash: self.hash,
        }
    }
}

/// The last event of the log: its sequence number and hash.
///
/// An empty log has the head `seq: 0, hash: GENESIS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Head {
    /// The sequence number of the last event, which is also the event count.
    pub seq: u64,
    /// The hash of the last event.
    pub hash: Hash,
}

impl Head {
    /// The head of an empty log.
    pub const EMPTY: Head = Head {
        seq: 0,
        hash: GENESIS,
    };
}

/// Opaque state that the layer above saved after applying events up to
/// `seq`, so that it can resume from there instead of replaying everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The last event folded into `state`.
    pub seq: u64,
    /// The hash of that event; the store refuses a snapshot that does not
    /// match the log.
    pub hash: Hash,
    /// The serialized state, meaningful only to the caller.
    pub state: Vec<u8>,
}

/// Formats a hash as 64 lowercase hex digits, the way `verify` prints it.
pub fn hash_hex(hash: &Hash) -> String {
    blake3::Hash::from_bytes(*hash).to_hex().to_string()
}

/// A login account. Credentials live beside the log, never in it: the log is
/// meant to be handed to anyone who wants to verify it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The name people log in with.
    pub name: String,
    /// The person the account acts for.
    pub person: String,
    /// A PHC-format password hash (argon2id).
    pub password_hash: String,
}

/// A token for machines (forum software, scripts) that acts for an account.
/// Only a hash of its secret is kept: the secret is shown once, when made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    /// The public part of the token, which names it in lists and logs.
    pub id: String,
    /// The account it acts for.
    pub account: String,
    /// BLAKE3 of the secret part.
    pub secret_hash: Hash,
    /// What it may do, e.g. `decide` or `act`.
    pub scope: String,
    pub created_micros: i64,
    pub revoked_micros: Option<i64>,
}

/// A login session. The cookie holds a random id; only its hash is kept, so
/// reading the table does not let anyone log in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// BLAKE3 of the id the browser holds.
    pub id_hash: Hash,
    pub account: String,
    /// The token that state-changing requests must echo (CSRF protection).
    pub csrf: String,
    pub created_micros: i64,
    pub expires_micros: i64,
}

/// A one-time link to set an account's password, made by an operator. Only a
/// hash of its token is kept; the token is shown once, in the link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordReset {
    /// BLAKE3 of the token the link carries.
    pub token_hash: Hash,
    /// The account whose password it sets.
    pub account: String,
    pub created_micros: i64,
    /// It works until then (exclusive).
    pub expires_micros: i64,
    /// When it was used; it works once.
    pub used_micros: Option<i64>,
}

/// A change that an enforcement adapter made on forum software for modpod,
/// such as a ban on a mailing list. Kept beside the log (not in it) so that the
/// adapter can tell its own changes from an administrator's, and undo only its
/// own when an action ends. The store gives the fields no meaning.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Enforced {
    /// Where, e.g. a mailing list's id.
    pub place: String,
    /// Whom, e.g. an email address.
    pub account: String,
    /// What, e.g. `ban` or `hold`.
    pub kind: String,
    /// The setting it replaced, to put back when it is lifted (`None`: the
    /// forum software's default).
    pub previous: Option<String>,
}

/// Something an enforcement adapter applied on forum software that was found
/// removed by hand while its action still applied (drift), as the adapter
/// recorded it beside its ledger ([`Enforced`]). The store gives the fields
/// no meaning.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Drifted {
    /// Where, e.g. a mailing list's id.
    pub place: String,
    /// Whom, e.g. an email address.
    pub account: String,
    /// What, e.g. `ban` or `hold`.
    pub kind: String,
    /// When the adapter found it removed.
    pub seen_micros: i64,
    /// Whether the adapter applied it again.
    pub reapplied: bool,
}
