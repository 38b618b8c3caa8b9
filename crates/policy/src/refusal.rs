//! Refusals: why the policy says no, naming the requirement that says so, in
//! words a moderator would understand. Nothing is recorded on a refusal.

use crate::requirement::Requirement;
use jiff::Timestamp;
use std::fmt;

/// A typed refusal. `requirement()` names the rule; `Display` explains it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The actor does not hold the role they claim, or that role may not do this here.
    #[error("{reason}")]
    NotPermitted {
        requirement: Requirement,
        reason: String,
    },
    /// The measure is outside the policy's scope (ACT-4).
    #[error("{measure} is out of scope: {why}")]
    OutOfScope {
        measure: &'static str,
        why: &'static str,
    },
    /// The forum belongs to a body that has not opted in (FORUM-2).
    #[error(
        "{forum} belongs to the {organisation}, which has not opted in to this policy; its own processes apply"
    )]
    ExcludedForum { forum: String, organisation: String },
    /// The moderators do not moderate non-public fora (FORUM-3).
    #[error(
        "{forum} is not a public forum: the moderator team does not moderate it; its administrators may act under their own processes"
    )]
    NonPublicForum { forum: String },
    /// The person may not serve as a moderator (TEAM-2).
    #[error("{person} cannot be appointed a moderator while serving as {role}")]
    Ineligible { person: String, role: String },
    /// Too early to ask (REINST-1).
    #[error(
        "a reinstatement request is possible from {earliest} (one year after the decision, then once a year)"
    )]
    TooEarly { earliest: Timestamp },
    /// This decision is outside the appeal chain (REINST-4, LLC-2).
    #[error("{reason}")]
    NotAppealable {
        requirement: Requirement,
        reason: String,
    },
    /// The step does not follow the chain (APPEAL-2) or the lifecycle.
    #[error("{reason}")]
    OutOfOrder {
        requirement: Requirement,
        reason: String,
    },
    /// A referenced record does not exist.
    #[error("there is no {what} {id}")]
    Unknown { what: &'static str, id: String },
    /// A field is missing or malformed.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The record already exists.
    #[error("{what} {id} already exists")]
    Exists { what: &'static str, id: String },
}

impl Refusal {
    /// The requirement the refusal enforces, or [`Requirement::Input`] for
    /// malformed input.
    pub fn requirement(&self) -> Requirement {
        match self {
            Refusal::NotPermitted { requirement, .. }
            | Refusal::NotAppealable { requirement, .. }
            | Refusal::OutOfOrder { requirement, .. } => *requirement,
            Refusal::OutOfScope { .. } => Requirement::Act4,
            Refusal::ExcludedForum { .. } => Requirement::Forum2,
            Refusal::NonPublicForum { .. } => Requirement::Forum3,
            Refusal::Ineligible { .. } => Requirement::Team2,
            Refusal::TooEarly { .. } => Requirement::Reinst1,
            Refusal::Unknown { .. } | Refusal::Invalid { .. } | Refusal::Exists { .. } => {
                Requirement::Input
            }
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotPermitted { .. } => "not_permitted",
            Refusal::OutOfScope { .. } => "out_of_scope",
            Refusal::ExcludedForum { .. } => "excluded_forum",
            Refusal::NonPublicForum { .. } => "non_public_forum",
            Refusal::Ineligible { .. } => "ineligible",
            Refusal::TooEarly { .. } => "too_early",
            Refusal::NotAppealable { .. } => "not_appealable",
            Refusal::OutOfOrder { .. } => "out_of_order",
            Refusal::Unknown { .. } => "unknown",
            Refusal::Invalid { .. } => "invalid",
            Refusal::Exists { .. } => "exists",
        }
    }

    pub(crate) fn not_permitted(requirement: Requirement, reason: impl fmt::Display) -> Self {
        Refusal::NotPermitted {
            requirement,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn out_of_order(requirement: Requirement, reason: impl fmt::Display) -> Self {
        Refusal::OutOfOrder {
            requirement,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn unknown(what: &'static str, id: impl fmt::Display) -> Self {
        Refusal::Unknown {
            what,
            id: id.to_string(),
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl fmt::Display) -> Self {
        Refusal::Invalid {
            field,
            reason: reason.to_string(),
        }
    }
}

/// Something the decision allowed but people should see (TEAM-3).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    pub requirement: String,
    pub message: String,
}
