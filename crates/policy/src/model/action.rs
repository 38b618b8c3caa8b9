//! Moderation actions (ACT-1..7) and their lifecycle.
//!
//! ```text
//!  taken ──amend──▶ taken (new terms, amendment recorded)
//!    │
//!    ├──rescind (or appeal upheld, or reinstatement)──▶ rescinded
//!    └──end time passes──▶ expired
//! ```

use crate::ids::{ActionId, ForumId, PersonId, ReportId};
use crate::model::Capacity;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What an action does. The first seven are the policy's action types (ACT-1);
/// the last four are things people ask for that the policy puts out of scope
/// (ACT-4): modpod parses them so that it can refuse them with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Measure {
    /// Automated rate limiting: at most `posts` posts per `per_seconds`.
    RateLimit {
        posts: u32,
        per_seconds: u32,
    },
    /// Posts are held for review and approval before they reach the forum.
    ReviewAndApproval,
    PrivateAdmonishment,
    PublicAdmonishment,
    /// Needs an end time.
    TemporarySuspension,
    IndefiniteSuspension,
    Other {
        description: String,
    },
    // Out of scope (ACT-4): always refused.
    AccountRemoval,
    MeetingRestriction,
    ContentRemoval,
    PrivateCommunications,
}

impl Measure {
    /// The measure's type as a stable key, e.g. `temporary_suspension`.
    pub fn kind(&self) -> &'static str {
        match self {
            Measure::RateLimit { .. } => "rate_limit",
            Measure::ReviewAndApproval => "review_and_approval",
            Measure::PrivateAdmonishment => "private_admonishment",
            Measure::PublicAdmonishment => "public_admonishment",
            Measure::TemporarySuspension => "temporary_suspension",
            Measure::IndefiniteSuspension => "indefinite_suspension",
            Measure::Other { .. } => "other",
            Measure::AccountRemoval => "account_removal",
            Measure::MeetingRestriction => "meeting_restriction",
            Measure::ContentRemoval => "content_removal",
            Measure::PrivateCommunications => "private_communications",
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Measure::RateLimit { .. } => "rate limiting",
            Measure::ReviewAndApproval => "review and approval of posts",
            Measure::PrivateAdmonishment => "private admonishment",
            Measure::PublicAdmonishment => "public admonishment",
            Measure::TemporarySuspension => "temporary suspension",
            Measure::IndefiniteSuspension => "indefinite suspension",
            Measure::Other { .. } => "other action",
            Measure::AccountRemoval => "account removal",
            Measure::MeetingRestriction => "restricting meeting participation",
            Measure::ContentRemoval => "content removal or redaction",
            Measure::PrivateCommunications => "moderating private or non-IETF communications",
        }
    }

    /// Why the policy puts this measure out of its scope (ACT-4), if it does.
    pub fn out_of_scope(&self) -> Option<&'static str> {
        Some(match self {
            Measure::AccountRemoval => {
                "the policy does not cover removing accounts (for example Datatracker accounts)"
            }
            Measure::MeetingRestriction => {
                "the policy does not cover restricting participation in in-person, virtual or hybrid meetings"
            }
            Measure::ContentRemoval => "the policy does not cover removing or redacting content",
            Measure::PrivateCommunications => {
                "the policy does not cover private or non-IETF communications"
            }
            _ => return None,
        })
    }

    /// Whether the measure restricts participation (NOTIFY-1).
    pub fn restricts(&self) -> bool {
        matches!(
            self,
            Measure::RateLimit { .. }
                | Measure::ReviewAndApproval
                | Measure::TemporarySuspension
                | Measure::IndefiniteSuspension
                | Measure::Other { .. }
        )
    }

    pub fn is_suspension(&self) -> bool {
        matches!(
            self,
            Measure::TemporarySuspension | Measure::IndefiniteSuspension
        )
    }
}

/// A link to a public archive message, with a hash of what was seen (EVIDENCE-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub url: String,
    #[serde(default)]
    pub sha256: Option<String>,
}

/// The terms of an action: what, where, until when. Amendments replace them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub measure: Measure,
    pub fora: Vec<ForumId>,
    pub starts_at: Timestamp,
    /// `None`: indefinite (or an action with no duration, such as an admonishment).
    pub ends_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: ActionId,
    pub subject: PersonId,
    pub terms: Terms,
    pub taken_by: PersonId,
    pub taken_as: Capacity,
    pub taken_at: Timestamp,
    pub reason: String,
    pub reports: Vec<ReportId>,
    pub evidence: Vec<Evidence>,
    /// Unsolicited bulk messages: no reporting owed (ACT-5).
    pub spam: bool,
    /// The procedures version in force when it was taken (PROC-1); `None` when
    /// no version had been approved yet.
    pub procedures_version: Option<u32>,
    /// Imposed before this policy took effect (REINST-5).
    pub legacy: Option<Legacy>,
    /// Found in place on the forum software when modpod started, and
    /// recorded from there (MIGRATE-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<Imported>,
    /// The level of the team's ladder it was taken at (LADDER-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<crate::model::LevelStep>,
    /// The notes written for it, to the person and to the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texts: Option<crate::model::Texts>,
    /// How the team agreed to it (TEAM-5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<crate::model::TeamDecision>,
    pub status: ActionStatus,
    pub amendments: Vec<Amendment>,
    pub consultations: Vec<Consultation>,
    /// The forum-wide cool-down the action asks for, if any (set by
    /// `set_cool_down`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cool_down: Option<CoolDown>,
}

/// A cool-down of an action's fora: until `until`, they take posts only
/// from their established participants, where the forum software can say
/// so (a GitHub repository's interaction limit). It names no one: it is the
/// minimal forum-wide measure an action can ask for beside what it does to
/// its subject ("automated rate limiting mechanisms", ACT-1), and it ends
/// with the action, or at `until`, whichever comes first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoolDown {
    pub until: Timestamp,
    pub set_at: Timestamp,
    pub set_by: PersonId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ActionStatus {
    InForce,
    Rescinded {
        at: Timestamp,
        by: PersonId,
        reason: String,
    },
    Expired {
        at: Timestamp,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub at: Timestamp,
    pub by: PersonId,
    pub as_capacity: Capacity,
    pub previous: Terms,
    pub reason: String,
    /// How the team agreed to it, for an amendment of the team (TEAM-5);
    /// absent before version 4 of the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<crate::model::TeamDecision>,
}

/// An administrator's consultation of the moderator team (ACT-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    /// When the administrator asked.
    pub at: Timestamp,
    pub administrator: PersonId,
    /// The moderator who answered for the team; in logs from before a
    /// consultation needed an answer, the one the administrator named.
    #[serde(default)]
    pub moderator: Option<PersonId>,
    /// What the administrator asked.
    pub note: String,
    /// The team's answer. Only an answered consultation allows the change
    /// (ACT-3); the administrator's word alone does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<ConsultationAnswer>,
    /// How many amendments the action had when the team was consulted: a
    /// consultation covers the next change only (ACT-3).
    pub before_amendment: usize,
}

/// A moderator's answer to an administrator's consultation (ACT-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationAnswer {
    pub at: Timestamp,
    pub text: String,
}

/// A restriction found on the forum software (a Mailman list ban, a member
/// whose posts Mailman holds) and recorded as it stood (MIGRATE-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    /// Where it was found: `Mailman at http://..., list tls.ietf.org: a ban`.
    pub from: String,
}

/// A restriction imposed under an earlier process (REINST-5), such as an
/// RFC 3683 posting-rights action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Legacy {
    /// The process it was imposed under, e.g. "RFC 3683".
    pub process: String,
    pub reference: String,
}

impl Action {
    /// Whether the action applies at `now`: in force, started, and not past its end.
    pub fn applies_at(&self, now: Timestamp) -> bool {
        matches!(self.status, ActionStatus::InForce)
            && self.terms.starts_at <= now
            && self.terms.ends_at.is_none_or(|end| now < end)
    }

    /// The first moment the action no longer restricts anyone, if it is in force.
    pub fn in_force(&self) -> bool {
        matches!(self.status, ActionStatus::InForce)
    }

    /// The end of the cool-down of its fora, if one applies at `now`.
    pub fn cooling_until(&self, now: Timestamp) -> Option<Timestamp> {
        let c = self.cool_down.as_ref()?;
        (self.in_force() && now < c.until).then_some(c.until)
    }
}

/// New terms for an action: measure, fora and end. The start stays as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsChange {
    pub measure: Measure,
    pub fora: Vec<ForumId>,
    #[serde(default)]
    pub ends_at: Option<Timestamp>,
}
