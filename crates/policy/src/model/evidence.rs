//! What modpod found at an action's evidence links (EVIDENCE-1): each link
//! is fetched once, after the action is recorded, and may be checked again
//! later. Only the SHA-256 and size of what was found are kept, never the
//! content, so that what the action rests on can be checked without modpod
//! holding a copy of anybody's words.
//!
//! ```text
//!  not yet fetched ──retrieved──▶ fetched (sha256, size) ──checked──▶ unchanged | changed | gone | unreachable
//!        │
//!        └──retrieved──▶ unavailable (why: a status, a timeout, too large, not http(s))
//! ```

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What one fetch of an evidence link found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FetchOutcome {
    /// A body: its SHA-256 (64 lower-case hexadecimal digits) and its size in
    /// bytes.
    Found { sha256: String, size: u64 },
    /// The archive says the message is not there: HTTP 404 or 410.
    Gone { status: u16 },
    /// Nothing could be read, and why: another status, a timeout, a body too
    /// large, a link that is not http(s).
    Unavailable { reason: String },
}

/// A fetch and when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fetch {
    pub at: Timestamp,
    pub outcome: FetchOutcome,
}

/// How one evidence link of an action stands: its first retrieval, and the
/// last check made since, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRecord {
    pub retrieved: Fetch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_check: Option<Fetch>,
}

/// What a later check says of what was first found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CheckResult {
    /// The same bytes.
    Unchanged,
    /// Other bytes: their hash and size.
    Changed { sha256: String, size: u64 },
    /// The archive says it is no longer there (HTTP 404 or 410).
    Gone { status: u16 },
    /// It could not be read this time, for a reason that says nothing of
    /// whether it changed (a timeout, a server error).
    Unreachable { reason: String },
}

impl EvidenceRecord {
    /// What the last check found compared with the first retrieval, if the
    /// link was fetched and checked since.
    pub fn check_result(&self) -> Option<CheckResult> {
        let FetchOutcome::Found { sha256: first, .. } = &self.retrieved.outcome else {
            return None;
        };
        Some(match &self.last_check.as_ref()?.outcome {
            FetchOutcome::Found { sha256, .. } if sha256 == first => CheckResult::Unchanged,
            FetchOutcome::Found { sha256, size } => CheckResult::Changed {
                sha256: sha256.clone(),
                size: *size,
            },
            FetchOutcome::Gone { status } => CheckResult::Gone { status: *status },
            FetchOutcome::Unavailable { reason } => CheckResult::Unreachable {
                reason: reason.clone(),
            },
        })
    }
}
