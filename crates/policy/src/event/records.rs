//! What the log records when something is made: an action taken, a report
//! filed, a disagreement filed, a reinstatement request, an LLC emergency
//! action, a draft of the procedures, a forum. Each holds what happened at
//! that moment and nothing that later events change (an action's status,
//! amendments and consultations; a report's progress; an appeal's later steps
//! and decisions; ...): that is the state's, which [`crate::State::apply`]
//! builds from the events that change it.
//!
//! These types are the log's format, not the model's: a change to one is a
//! new version of the log (see [`super::format`]).

use crate::ids::*;
use crate::model::*;
use crate::settings::TeamNumbers;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// An action as taken (ACT-1), or a legacy action as recorded (REINST-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    pub id: ActionId,
    pub subject: PersonId,
    pub terms: Terms,
    pub taken_by: PersonId,
    pub taken_as: Capacity,
    pub taken_at: Timestamp,
    pub reason: String,
    pub reports: Vec<ReportId>,
    pub evidence: Vec<Evidence>,
    pub spam: bool,
    pub procedures_version: Option<u32>,
    pub legacy: Option<Legacy>,
    /// Absent in version 2, where nothing was imported.
    #[serde(default)]
    pub imported: Option<Imported>,
    /// The level of the team's ladder it was taken at (LADDER-1); absent
    /// before version 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<LevelStep>,
    /// The notes written for it, to the person and to the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texts: Option<Texts>,
    /// How the team agreed to it, for an action of the team (TEAM-5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamDecision>,
}

impl From<&NewAction> for Action {
    fn from(a: &NewAction) -> Action {
        Action {
            id: a.id,
            subject: a.subject.clone(),
            terms: a.terms.clone(),
            taken_by: a.taken_by.clone(),
            taken_as: a.taken_as,
            taken_at: a.taken_at,
            reason: a.reason.clone(),
            reports: a.reports.clone(),
            evidence: a.evidence.clone(),
            spam: a.spam,
            procedures_version: a.procedures_version,
            legacy: a.legacy.clone(),
            imported: a.imported.clone(),
            level: a.level.clone(),
            texts: a.texts.clone(),
            team: a.team.clone(),
            status: ActionStatus::InForce,
            amendments: Vec::new(),
            consultations: Vec::new(),
            cool_down: None,
        }
    }
}

/// A report as filed (REPORT-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub id: ReportId,
    pub forum: ForumId,
    pub subject: PersonId,
    pub reporter: PersonId,
    pub category: String,
    pub description: String,
    pub links: Vec<String>,
    pub filed_at: Timestamp,
}

impl From<&NewReport> for Report {
    fn from(r: &NewReport) -> Report {
        Report {
            id: r.id,
            forum: r.forum.clone(),
            subject: r.subject.clone(),
            reporter: r.reporter.clone(),
            category: r.category.clone(),
            description: r.description.clone(),
            links: r.links.clone(),
            filed_at: r.filed_at,
            state: ReportState::Received,
            acknowledged_at: None,
            escalated_at: None,
            assignee: None,
        }
    }
}

/// A message posted in one of a case's threads (MSG-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCaseMessage {
    /// Its number in its thread of the report, from 1: what one thread's
    /// reader sees of it says nothing of the others.
    pub number: u32,
    pub thread: Thread,
    pub by: PersonId,
    pub at: Timestamp,
    pub text: String,
}

impl From<&NewCaseMessage> for CaseMessage {
    fn from(m: &NewCaseMessage) -> CaseMessage {
        CaseMessage {
            number: m.number,
            thread: m.thread,
            by: m.by.clone(),
            at: m.at,
            text: m.text.clone(),
        }
    }
}

/// A disagreement as filed (APPEAL-1): what it is about, and where its first
/// step went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAppeal {
    pub id: AppealId,
    pub action: Option<ActionId>,
    pub report: Option<ReportId>,
    pub appellant: PersonId,
    pub grounds: String,
    pub level: AppealLevel,
    pub assigned_to: Option<PersonId>,
    pub filed_at: Timestamp,
}

impl From<&NewAppeal> for Appeal {
    fn from(a: &NewAppeal) -> Appeal {
        Appeal {
            id: a.id,
            action: a.action,
            report: a.report,
            appellant: a.appellant.clone(),
            grounds: a.grounds.clone(),
            steps: vec![AppealStep {
                level: a.level,
                assigned_to: a.assigned_to.clone(),
                filed_at: a.filed_at,
                decision: None,
            }],
        }
    }
}

/// A step of a disagreement taken further (APPEAL-2): its level and who
/// decides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAppealStep {
    pub level: AppealLevel,
    pub assigned_to: Option<PersonId>,
    pub filed_at: Timestamp,
}

impl From<&NewAppealStep> for AppealStep {
    fn from(s: &NewAppealStep) -> AppealStep {
        AppealStep {
            level: s.level,
            assigned_to: s.assigned_to.clone(),
            filed_at: s.filed_at,
            decision: None,
        }
    }
}

/// A request for reinstatement as made (REINST-1, REINST-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReinstatementRequest {
    pub id: ReinstatementId,
    pub action: ActionId,
    pub person: PersonId,
    pub requested_at: Timestamp,
    pub statement: String,
    pub decided_by: Decider,
}

impl From<&NewReinstatementRequest> for ReinstatementRequest {
    fn from(r: &NewReinstatementRequest) -> ReinstatementRequest {
        ReinstatementRequest {
            id: r.id,
            action: r.action,
            person: r.person.clone(),
            requested_at: r.requested_at,
            statement: r.statement.clone(),
            decided_by: r.decided_by.clone(),
            decision: None,
        }
    }
}

/// An LLC emergency action as taken (LLC-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLlcAction {
    pub id: LlcActionId,
    pub subject: PersonId,
    pub fora: Vec<ForumId>,
    pub grounds: LlcGrounds,
    pub grounds_description: Option<String>,
    pub nature: String,
    pub reason: String,
    pub expected_duration: String,
    pub taken_by: PersonId,
    pub taken_at: Timestamp,
    pub withheld_on_legal_advice: Option<String>,
    pub withheld_from: Vec<LlcAudience>,
}

impl From<&NewLlcAction> for LlcAction {
    fn from(a: &NewLlcAction) -> LlcAction {
        LlcAction {
            id: a.id,
            subject: a.subject.clone(),
            fora: a.fora.clone(),
            grounds: a.grounds,
            grounds_description: a.grounds_description.clone(),
            nature: a.nature.clone(),
            reason: a.reason.clone(),
            expected_duration: a.expected_duration.clone(),
            taken_by: a.taken_by.clone(),
            taken_at: a.taken_at,
            withheld_on_legal_advice: a.withheld_on_legal_advice.clone(),
            withheld_from: a.withheld_from.clone(),
            board_review: None,
            lifted_at: None,
        }
    }
}

/// A version of the team's procedures as drafted (PROC-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProcedures {
    pub version: u32,
    pub title: String,
    pub text: String,
    /// The team's numbers under this version; `None` keeps those in force.
    pub numbers: Option<TeamNumbers>,
    /// The team's ladder under this version (LADDER-1); `None` keeps the
    /// one in force. Absent before version 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ladder: Option<Ladder>,
}

impl From<&NewProcedures> for Procedures {
    fn from(p: &NewProcedures) -> Procedures {
        Procedures {
            version: p.version,
            title: p.title.clone(),
            text: p.text.clone(),
            status: ProceduresStatus::Draft,
            approved_at: None,
            numbers: p.numbers,
            ladder: p.ladder.clone(),
        }
    }
}

/// A forum as created (FORUM-1..4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewForum {
    pub id: ForumId,
    pub name: String,
    pub kind: String,
    pub organisation: Organisation,
    pub public: bool,
    pub plenary: bool,
    pub wg: Option<WgId>,
    pub responsible_ad: Option<PersonId>,
}

impl From<&NewForum> for Forum {
    fn from(f: &NewForum) -> Forum {
        Forum {
            id: f.id.clone(),
            name: f.name.clone(),
            kind: f.kind.clone(),
            organisation: f.organisation.clone(),
            public: f.public,
            plenary: f.plenary,
            wg: f.wg.clone(),
            responsible_ad: f.responsible_ad.clone(),
            delegates: BTreeSet::new(),
        }
    }
}

/// A proposal of the moderator team as made (TEAM-5): what it would do,
/// who proposed it, until when it is open, how many must agree and whose
/// approval it needs besides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    pub id: ProposalId,
    pub change: ProposedChange,
    pub proposed_by: PersonId,
    pub proposed_at: Timestamp,
    pub expires_at: Timestamp,
    pub quorum: u32,
    pub approval: Option<Approver>,
}

impl From<&NewProposal> for Proposal {
    fn from(p: &NewProposal) -> Proposal {
        Proposal {
            id: p.id,
            change: p.change.clone(),
            proposed_by: p.proposed_by.clone(),
            proposed_at: p.proposed_at,
            expires_at: p.expires_at,
            quorum: p.quorum,
            approval: p.approval,
            agreed: Vec::new(),
            approved: None,
            status: ProposalStatus::Open,
        }
    }
}

/// An alert to the moderator team as raised (CIRCUMVENT-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAlert {
    pub id: AlertId,
    pub kind: AlertKind,
    pub person: PersonId,
    pub identity: Identity,
    pub forum: Option<ForumId>,
    pub actions: Vec<ActionId>,
    pub at: Timestamp,
    pub seen_at: Option<Timestamp>,
}

impl From<&NewAlert> for Alert {
    fn from(a: &NewAlert) -> Alert {
        Alert {
            id: a.id,
            kind: a.kind,
            person: a.person.clone(),
            identity: a.identity.clone(),
            forum: a.forum.clone(),
            actions: a.actions.clone(),
            at: a.at,
            seen_at: a.seen_at,
        }
    }
}

/// One of the moderator team's actions from before modpod, as an operator
/// imported it (MIGRATE-1): history for STATS-1, never a restriction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPastTeamAction {
    pub key: String,
    pub date: jiff::civil::Date,
    pub level: Option<u8>,
    pub forum: PastForum,
    pub contacted: Contacted,
    pub spam: bool,
    pub rescinded: bool,
    pub reference: String,
    pub recorded_by: PersonId,
    pub recorded_at: Timestamp,
}

impl From<&NewPastTeamAction> for PastTeamAction {
    fn from(a: &NewPastTeamAction) -> PastTeamAction {
        PastTeamAction {
            key: a.key.clone(),
            date: a.date,
            level: a.level,
            forum: a.forum.clone(),
            contacted: a.contacted.clone(),
            spam: a.spam,
            rescinded: a.rescinded,
            reference: a.reference.clone(),
            recorded_by: a.recorded_by.clone(),
            recorded_at: a.recorded_at,
        }
    }
}
