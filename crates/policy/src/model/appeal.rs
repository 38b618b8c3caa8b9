//! Disagreements and appeals (APPEAL-1..3): AD (or IETF chair), then IESG, then IAB.
//!
//! ```text
//!  filed ─▶ [AD or IETF chair] ─decided─▶ escalate ─▶ [IESG] ─decided─▶ escalate ─▶ [IAB] ─decided─▶ final
//! ```
//! A step can only be escalated once decided, and only to the next body.

use crate::ids::{ActionId, AppealId, PersonId, ReportId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    pub id: AppealId,
    /// The action disagreed with; `None` for a report closed without action.
    pub action: Option<ActionId>,
    /// The report closed without action that is disagreed with (APPEAL-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportId>,
    pub appellant: PersonId,
    pub grounds: String,
    pub steps: Vec<AppealStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealStep {
    pub level: AppealLevel,
    /// The AD the disagreement was routed to, at the first level (FORUM-4).
    pub assigned_to: Option<PersonId>,
    pub filed_at: Timestamp,
    pub decision: Option<AppealDecision>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealLevel {
    /// The responsible AD (FORUM-4).
    AreaDirector,
    /// The IETF chair, where no responsible AD can be determined (APPEAL-1).
    IetfChair,
    Iesg,
    Iab,
}

impl AppealLevel {
    pub fn name(self) -> &'static str {
        match self {
            AppealLevel::AreaDirector => "the responsible Area Director",
            AppealLevel::IetfChair => "the IETF chair",
            AppealLevel::Iesg => "the IESG",
            AppealLevel::Iab => "the IAB",
        }
    }

    /// The next body in the chain (APPEAL-2), or `None` after the IAB.
    pub fn next(self) -> Option<AppealLevel> {
        match self {
            AppealLevel::AreaDirector | AppealLevel::IetfChair => Some(AppealLevel::Iesg),
            AppealLevel::Iesg => Some(AppealLevel::Iab),
            AppealLevel::Iab => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealDecision {
    pub by: PersonId,
    pub at: Timestamp,
    pub upheld: bool,
    pub rationale: String,
}

impl Appeal {
    pub fn current(&self) -> Option<&AppealStep> {
        self.steps.last()
    }
}

/// What an upheld appeal does to the action (APPEAL-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "remedy", rename_all = "snake_case")]
pub enum Remedy {
    Rescind,
    Amend { terms: crate::model::TermsChange },
}
