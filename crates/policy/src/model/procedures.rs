//! The moderator team's procedures (PROC-1) and the Note Well (NOTEWELL-1):
//! versioned documents.
//!
//! ```text
//!  draft ──open review──▶ in community review ──IESG approves──▶ approved
//! ```

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedures {
    pub version: u32,
    pub title: String,
    pub text: String,
    pub status: ProceduresStatus,
    pub approved_at: Option<Timestamp>,
    /// The team's numbers under this version (PROC-1); `None` in versions
    /// that set none, which keep those of the version before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbers: Option<crate::settings::TeamNumbers>,
    /// The team's ladder under this version (LADDER-1); `None` keeps the
    /// one before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ladder: Option<crate::model::Ladder>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProceduresStatus {
    Draft,
    InCommunityReview,
    Approved,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteWell {
    pub version: u32,
    pub text: String,
    /// Code of conduct, anti-harassment procedures, ombudsteam contact, privacy
    /// statement, ...
    pub links: Vec<String>,
    pub published_at: Timestamp,
}
