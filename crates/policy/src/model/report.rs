//! Reports of disruptive behaviour (REPORT-1..5) and their lifecycle.
//!
//! ```text
//!  received ──acknowledge──▶ acknowledged ──start review──▶ in review
//!     │                           │                            │
//!     │ (deadline passes:         └──────────resolve───────────┴──▶ resolved(outcome)
//!     │  escalated, REPORT-4;
//!     │  state unchanged)
//! ```
//!
//! While it is open, a report may be assigned to one of those who handle it,
//! and unassigned, in any state (`ReportAssigned`).

use crate::ids::{ActionId, ForumId, PersonId, ReportId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub id: ReportId,
    pub forum: ForumId,
    pub subject: PersonId,
    /// Never shown to the subject nor in public output (REPORT-5).
    pub reporter: PersonId,
    pub category: String,
    pub description: String,
    pub links: Vec<String>,
    pub filed_at: Timestamp,
    pub state: ReportState,
    pub acknowledged_at: Option<Timestamp>,
    pub escalated_at: Option<Timestamp>,
    /// Who has taken the report on: one of its forum's administrators or a
    /// moderator (REPORT-3). Absent from the filing event and older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<PersonId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReportState {
    Received,
    Acknowledged,
    InReview,
    Resolved { outcome: ReportOutcome },
}

impl ReportState {
    pub fn name(&self) -> &'static str {
        match self {
            ReportState::Received => "received",
            ReportState::Acknowledged => "acknowledged",
            ReportState::InReview => "in review",
            ReportState::Resolved { .. } => "resolved",
        }
    }
}

/// How a report ended, as the reporter is told (FEEDBACK-1): a category, not details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReportOutcome {
    ActionTaken { action: ActionId },
    NoActionNeeded,
    NotDisruptive,
    Duplicate { of: ReportId },
    ReferredElsewhere,
}

/// A report category (REPORT-2). Categories are data: the defaults carry the
/// policy's non-normative examples, and an operator may add more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: String,
    pub title: String,
    pub explanation: String,
    /// Suspected harassment: always referred to the ombudsteam as well (OMBUDS-1).
    #[serde(default)]
    pub harassment: bool,
}

/// The category of unsolicited bulk messages, the only kind of report an
/// action marked as spam may cite (ACT-5).
pub const BULK_CATEGORY: &str = "bulk";

impl Category {
    /// The categories every installation starts with (REPORT-2).
    pub fn defaults() -> Vec<Category> {
        let c = |id: &str, title: &str, explanation: &str| Category {
            id: id.to_owned(),
            title: title.to_owned(),
            explanation: explanation.to_owned(),
            harassment: false,
        };
        vec![
            c(
                "off-topic",
                "Off-topic",
                "Posts outside the forum's charter or scope.",
            ),
            c(
                "uncivil",
                "Uncivil commentary",
                "Personal attacks, insults or other uncivil remarks.",
            ),
            c(
                "unsanctioned-announcement",
                "Unsanctioned announcement",
                "Announcements of events or products that the forum has not sanctioned.",
            ),
            c(
                "arguing-against-charter",
                "Arguing against an approved charter",
                "Repeatedly relitigating a charter or decision that has been approved.",
            ),
            c(
                "sealioning",
                "Sealioning",
                "Persistent requests for evidence or debate, made in bad faith, that wear others down.",
            ),
            c(
                BULK_CATEGORY,
                "Unsolicited bulk messages",
                "Spam and other unsolicited bulk messages.",
            ),
            Category {
                harassment: true,
                ..c(
                    "harassment",
                    "Suspected harassment",
                    "Behaviour that may be harassment; the ombudsteam is told as well.",
                )
            },
            c("other", "Other", "Anything else that disrupts the forum."),
        ]
    }
}
