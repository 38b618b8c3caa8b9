//! Notifications that the policy says are owed (NOTIFY-*). The policy decides
//! *who must be told what, and why*; delivery belongs to the server.

use super::Thread;
use crate::ids::{
    ActionId, AlertId, AppealId, ForumId, LlcActionId, NotificationId, PersonId, ProposalId,
    ReinstatementId, ReportId,
};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub to: Recipient,
    pub about: Subject,
    /// The requirement that makes it owed, e.g. "NOTIFY-3" (several, space-separated, when rules share it).
    /// Held inline, as the template's name is: a notification is otherwise
    /// ids, and a long log holds hundreds of thousands of them.
    pub requirement: SmolStr,
    /// The template it is rendered from, e.g. "action-taken/person".
    pub template: SmolStr,
    /// The version of that template (TEMPLATE-1): 0 is modpod's own text,
    /// from 1 the team's.
    #[serde(default)]
    pub template_version: u32,
}

impl Notification {
    /// The action this notification announces to a forum it covers
    /// (NOTIFY-3), if it is such an announcement.
    pub fn announces(&self) -> Option<ActionId> {
        let notify3 = self
            .requirement
            .split(' ')
            .any(|r| r == crate::requirement::Requirement::Notify3);
        match (&self.to, &self.about) {
            (Recipient::Forum { .. }, Subject::Action(id)) if notify3 => Some(*id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Recipient {
    Person {
        person: PersonId,
    },
    ModeratorTeam,
    /// The administrators of a forum (chairs and delegates, or the moderators).
    ForumAdministrators {
        forum: ForumId,
    },
    /// The forum itself: a post to the list or room.
    Forum {
        forum: ForumId,
    },
    /// The channel the IESG chose for actions on several fora (NOTIFY-4).
    CommunityChannel,
    Iesg,
    Iab,
    IetfChair,
    LlcBoard,
    Ombudsteam,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Report(ReportId),
    Action(ActionId),
    Appeal(AppealId),
    Reinstatement(ReinstatementId),
    LlcAction(LlcActionId),
    /// A period that a digest or the community report covers.
    Period(Period),
    /// A moderator, e.g. one reminded to step down (TEAM-2).
    Moderator(PersonId),
    /// A proposal of the moderator team (TEAM-5).
    Proposal(ProposalId),
    /// A message in a case's thread (MSG-1), by its number in the thread.
    CaseMessage {
        report: ReportId,
        thread: Thread,
        number: u32,
    },
    /// An alert to the moderator team (CIRCUMVENT-1).
    Alert(AlertId),
}

/// `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub from: jiff::Timestamp,
    pub to: jiff::Timestamp,
}
