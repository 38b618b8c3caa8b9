//! Emergency actions of the IETF LLC (LLC-1, LLC-2): outside the moderation
//! process, the appeal chain and the reach of the moderators and the IESG.

use crate::ids::{ForumId, LlcActionId, PersonId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlcGrounds {
    CredibleThreatOfHarm,
    SeriousLegalRisk,
    CredibleThreatOfLegalAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlcAction {
    pub id: LlcActionId,
    pub subject: PersonId,
    pub fora: Vec<ForumId>,
    pub grounds: LlcGrounds,
    pub nature: String,
    pub reason: String,
    pub expected_duration: String,
    pub taken_by: PersonId,
    pub taken_at: Timestamp,
    /// Set when legal advice says the moderators and community are not told (LLC-1).
    pub withheld_on_legal_advice: Option<String>,
    pub board_review: Option<BoardReview>,
    pub lifted_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardReview {
    pub requested_at: Timestamp,
    pub decision: Option<BoardDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardDecision {
    pub by: PersonId,
    pub at: Timestamp,
    pub lift: bool,
    pub rationale: String,
}
