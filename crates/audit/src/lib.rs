//! modpod's public transparency log (AUDIT-2).
//!
//! The event log is hash-chained, so whoever holds the database can check it
//! (`modpod verify`). This crate lets everyone else check it too, from public
//! files alone, without learning anything about the events:
//!
//! - **Leaves are commitments.** Leaf *i* of the tree commits to event
//!   *i + 1* of the log: its record is `salt ‖ event hash`, where the salt is
//!   a keyed BLAKE3 hash of the event's sequence number under the
//!   deployment's *commitment key* (kept outside the log, never rotated). A
//!   record hash reveals nothing about the event; its [`Opening`] (the salt
//!   and the event hash) is given only in a [`Receipt`], to those the policy
//!   tells about the event.
//! - **The tree is RFC 9162's** (SHA-256, `0x00` leaf and `0x01` node
//!   prefixes), kept as the stored hashes of Go's `tlog` (crate `tlog_tiles`).
//! - **Checkpoints** are C2SP signed notes (`tlog-checkpoint`: origin, size,
//!   root hash) signed with the deployment's Ed25519 *signing key*, and
//!   optionally cosigned by witnesses (`tlog-cosignature`, see [`cosign`]).
//! - **Tiles** (C2SP `tlog-tiles`, height 8) are written beside the
//!   checkpoint, so a directory (or a URL serving it) is all a verifier needs.
//!
//! What a verifier learns: how many events the log holds, and that each
//! checkpoint extends the one before (nothing removed, rewritten or
//! reordered), and, with a receipt, that one event is in the log. What it
//! cannot learn: anything an event says, who acted, or when.

pub mod check;
pub mod commit;
pub mod cosign;
pub mod keys;
pub mod publish;
pub mod receipt;
pub mod source;
pub mod tree;
pub mod witness;

pub use check::{AuditError, Checked, check_consistent, check_receipt, open_checkpoint};
pub use commit::{CommitmentKey, Opening};
pub use keys::{LogKey, LogKeys};
pub use publish::{PublishError, Published, Publisher};
pub use receipt::Receipt;
pub use source::Source;
pub use tlog_tiles::{Checkpoint, Hash as TreeHash};
pub use tree::Tree;

/// The height of the tiles modpod writes: C2SP tlog-tiles fixes it at 8.
pub const TILE_HEIGHT: u8 = 8;
