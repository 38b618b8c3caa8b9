//! The moderator team's way of working: its ladder of levels (LADDER-1) and
//! its proposals, which take effect once enough moderators agree (TEAM-5).
//!
//! ```text
//!  proposed ──agreed by the quorum (and approved, if its level asks)──▶ enacted
//!     │
//!     ├──withdrawn by whoever proposed it──▶ withdrawn
//!     └──its time passes──▶ expired (nothing is recorded: no one may agree)
//! ```

use crate::ids::{ActionId, ForumId, PersonId, ProposalId, ReportId};
use crate::model::{Evidence, Measure, TermsChange};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One level of the ladder: what the team does at it, for how long, whose
/// approval it needs and whether the list is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub level: u8,
    pub name: String,
    /// The measure taken at this level, as [`Measure::kind`] names it.
    pub measure: String,
    /// How long it lasts: a suspension's term, or the break the person is
    /// asked to take.
    #[serde(default)]
    pub days: Option<u32>,
    /// Whose approval it needs besides the team's quorum.
    #[serde(default)]
    pub approval: Option<Approver>,
    /// Whether a note goes to the list (the forum) too.
    #[serde(default)]
    pub note_to_list: bool,
}

/// Who approves a level besides the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approver {
    IetfChair,
}

impl Approver {
    pub fn name(self) -> &'static str {
        match self {
            Approver::IetfChair => "the IETF chair",
        }
    }
}

/// The levels of the ladder, from 0 up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ladder(pub Vec<Level>);

impl Default for Ladder {
    /// The team's published ladder: an off-list note; a voluntary five-day
    /// break and a note to the list; a fourteen-day posting restriction that
    /// the IETF chair approves, and a note to the list.
    fn default() -> Self {
        let level = |level, name: &str, measure: &str, days, approval, note_to_list| Level {
            level,
            name: name.to_owned(),
            measure: measure.to_owned(),
            days,
            approval,
            note_to_list,
        };
        Ladder(vec![
            level(
                0,
                "Off-list note",
                "private_admonishment",
                None,
                None,
                false,
            ),
            level(
                1,
                "Voluntary break and a note to the list",
                "public_admonishment",
                Some(5),
                None,
                true,
            ),
            level(
                2,
                "Posting restriction",
                "temporary_suspension",
                Some(14),
                Some(Approver::IetfChair),
                true,
            ),
        ])
    }
}

impl Ladder {
    /// The measures a level may take (LADDER-1): those of the policy (ACT-1)
    /// that need no other terms, as [`Measure::kind`](crate::model::Measure::kind)
    /// names them.
    pub const MEASURES: [&'static str; 5] = [
        "review_and_approval",
        "private_admonishment",
        "public_admonishment",
        "temporary_suspension",
        "indefinite_suspension",
    ];

    /// Levels a ladder has at most.
    pub const MOST: usize = 10;

    pub fn get(&self, level: u8) -> Option<&Level> {
        self.0.iter().find(|l| l.level == level)
    }

    pub fn top(&self) -> u8 {
        self.0.iter().map(|l| l.level).max().unwrap_or(0)
    }
}

/// The level an action was taken at, and why a level was skipped if one was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelStep {
    pub level: u8,
    /// Required when the level is above the one the person's history
    /// suggests (an egregious case).
    #[serde(default)]
    pub skip_reason: Option<String>,
}

/// Text written for an action: a note to the person, a note to the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    #[serde(default)]
    pub to_person: Option<String>,
    #[serde(default)]
    pub to_list: Option<String>,
}

impl Texts {
    pub fn is_empty(&self) -> bool {
        self.to_person.is_none() && self.to_list.is_none()
    }
}

/// How the team decided a change: the proposal, who agreed (the proposer
/// first) and who approved it where its level asks (TEAM-5, LADDER-1). The
/// agreeing moderators other than the writer vetted its texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamDecision {
    pub proposal: ProposalId,
    pub agreed_by: Vec<PersonId>,
    #[serde(default)]
    pub approved_by: Option<PersonId>,
}

/// What a proposal would do once agreed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProposedChange {
    TakeAction {
        subject: PersonId,
        measure: Measure,
        fora: Vec<ForumId>,
        reason: String,
        reports: Vec<ReportId>,
        evidence: Vec<Evidence>,
        /// `None`: when it is enacted.
        starts_at: Option<Timestamp>,
        ends_at: Option<Timestamp>,
        spam: bool,
        level: Option<LevelStep>,
        texts: Option<Texts>,
    },
    AmendAction {
        action: ActionId,
        terms: TermsChange,
        reason: String,
    },
    RescindAction {
        action: ActionId,
        reason: String,
    },
}

impl ProposedChange {
    /// What it does, in a few words.
    pub fn summary(&self) -> String {
        match self {
            ProposedChange::TakeAction {
                subject,
                measure,
                fora,
                level,
                ..
            } => {
                let fora: Vec<&str> = fora.iter().map(ForumId::as_str).collect();
                let level = level
                    .as_ref()
                    .map(|l| format!(" (level {})", l.level))
                    .unwrap_or_default();
                format!(
                    "{} for {subject} on {}{level}",
                    measure.name(),
                    fora.join(", ")
                )
            }
            ProposedChange::AmendAction { action, .. } => format!("amend {action}"),
            ProposedChange::RescindAction { action, .. } => format!("rescind {action}"),
        }
    }

    pub fn texts(&self) -> Option<&Texts> {
        match self {
            ProposedChange::TakeAction { texts, .. } => texts.as_ref(),
            _ => None,
        }
    }
}

/// A proposal of the moderator team (TEAM-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: ProposalId,
    pub change: ProposedChange,
    pub proposed_by: PersonId,
    pub proposed_at: Timestamp,
    pub expires_at: Timestamp,
    /// How many moderators must agree, the proposer counting.
    pub quorum: u32,
    /// Whose approval it needs besides (from its level).
    pub approval: Option<Approver>,
    /// The moderators who agreed after the proposer, and when.
    pub agreed: Vec<(PersonId, Timestamp)>,
    pub approved: Option<(PersonId, Timestamp)>,
    pub status: ProposalStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProposalStatus {
    Open,
    Enacted {
        at: Timestamp,
        action: ActionId,
    },
    Withdrawn {
        at: Timestamp,
        by: PersonId,
        reason: String,
    },
}

impl Proposal {
    /// Everyone who agreed, the proposer first.
    pub fn agreed_by(&self) -> Vec<PersonId> {
        std::iter::once(self.proposed_by.clone())
            .chain(self.agreed.iter().map(|(p, _)| p.clone()))
            .collect()
    }

    pub fn has_agreed(&self, person: &PersonId) -> bool {
        self.proposed_by == *person || self.agreed.iter().any(|(p, _)| p == person)
    }

    /// Open and not past its time.
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.status == ProposalStatus::Open && now < self.expires_at
    }

    /// How many more moderators must agree.
    pub fn agreements_missing(&self) -> u32 {
        let have = u32::try_from(self.agreed.len()).unwrap_or(u32::MAX);
        self.quorum.saturating_sub(have.saturating_add(1))
    }

    /// What it waits for, in words, or `None` when nothing.
    pub fn waiting_for(&self, now: Timestamp) -> Option<String> {
        match &self.status {
            ProposalStatus::Enacted { action, .. } => return Some(format!("enacted as {action}")),
            ProposalStatus::Withdrawn { .. } => return Some("withdrawn".to_owned()),
            ProposalStatus::Open if now >= self.expires_at => {
                return Some("expired without agreement".to_owned());
            }
            ProposalStatus::Open => {}
        }
        let mut wants = Vec::new();
        match self.agreements_missing() {
            0 => {}
            1 => wants.push("another moderator's agreement".to_owned()),
            n => wants.push(format!("{n} more moderators' agreement")),
        }
        if let (Some(who), None) = (self.approval, &self.approved) {
            wants.push(format!("{}'s approval", who.name()));
        }
        (!wants.is_empty()).then(|| format!("waiting for {}", wants.join(" and ")))
    }
}
