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
    /// The three above are the text's examples, not a closed list (LLC-1):
    /// the action then says what its grounds are.
    Other,
}

/// Who the LLC informs of an emergency action (LLC-1), each unless legal
/// advice says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlcAudience {
    Iesg,
    Moderators,
    Community,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlcAction {
    pub id: LlcActionId,
    pub subject: PersonId,
    pub fora: Vec<ForumId>,
    pub grounds: LlcGrounds,
    /// What the grounds are, for [`LlcGrounds::Other`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounds_description: Option<String>,
    pub nature: String,
    pub reason: String,
    pub expected_duration: String,
    pub taken_by: PersonId,
    pub taken_at: Timestamp,
    /// The legal advice that limits who is told (LLC-1).
    pub withheld_on_legal_advice: Option<String>,
    /// Who the advice says is not told. Empty with advice recorded: the
    /// moderators and the community (what older logs meant).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld_from: Vec<LlcAudience>,
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

impl LlcAction {
    /// Whether legal advice says `audience` is not told of it (LLC-1).
    pub fn withheld(&self, audience: LlcAudience) -> bool {
        match (
            &self.withheld_on_legal_advice,
            self.withheld_from.is_empty(),
        ) {
            (None, _) => false,
            (Some(_), true) => audience != LlcAudience::Iesg,
            (Some(_), false) => self.withheld_from.contains(&audience),
        }
    }
}
