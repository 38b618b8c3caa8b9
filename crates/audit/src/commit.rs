//! Leaves that disclose nothing: each leaf's record is a salted commitment to
//! one event's hash.

use modpod_store::Hash;
use std::fmt;

/// The secret that salts every leaf. It never changes for a deployment (the
/// tree is rebuilt from the log with it at every start), and it never leaves
/// the operator's machine: a salt is handed out one event at a time, in an
/// [`Opening`].
#[derive(Clone)]
pub struct CommitmentKey([u8; 32]);

impl fmt::Debug for CommitmentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CommitmentKey(..)")
    }
}

/// Domain separation for the salts.
const SALT_CONTEXT: &[u8] = b"modpod-audit-salt-v1";

impl CommitmentKey {
    pub fn from_bytes(bytes: [u8; 32]) -> CommitmentKey {
        CommitmentKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The salt of event `seq`.
    pub fn salt(&self, seq: u64) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new_keyed(&self.0);
        hasher.update(SALT_CONTEXT);
        hasher.update(&seq.to_be_bytes());
        *hasher.finalize().as_bytes()
    }

    /// The opening of event `seq` with this hash.
    pub fn open(&self, seq: u64, event_hash: Hash) -> Opening {
        Opening {
            seq,
            salt: self.salt(seq),
            event_hash,
        }
    }
}

/// What turns a leaf back into the event it commits to: its sequence number,
/// salt and event hash. Whoever has it can check that the event with that
/// hash is leaf `seq - 1` of a checkpoint's tree; nobody else can tell what a
/// leaf is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opening {
    pub seq: u64,
    pub salt: [u8; 32],
    pub event_hash: Hash,
}

impl Opening {
    /// The leaf's record: `salt ‖ event hash`.
    pub fn record(&self) -> [u8; 64] {
        let mut record = [0; 64];
        record[..32].copy_from_slice(&self.salt);
        record[32..].copy_from_slice(&self.event_hash);
        record
    }

    /// The leaf's hash in the tree (RFC 9162: SHA-256 of `0x00 ‖ record`).
    pub fn leaf_hash(&self) -> tlog_tiles::Hash {
        tlog_tiles::record_hash(&self.record())
    }

    /// The leaf's index in the tree: events are numbered from 1, leaves from 0.
    pub fn index(&self) -> u64 {
        self.seq - 1
    }
}
