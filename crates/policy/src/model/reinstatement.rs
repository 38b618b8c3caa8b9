//! Reinstatement requests (REINST-1..5).

use crate::ids::{ActionId, PersonId, ReinstatementId};
use crate::model::Capacity;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReinstatementRequest {
    pub id: ReinstatementId,
    pub action: ActionId,
    pub person: PersonId,
    pub requested_at: Timestamp,
    pub statement: String,
    /// Who decides: the entity that made the decision, or its successor (REINST-2).
    pub decided_by: Decider,
    pub decision: Option<ReinstatementDecision>,
}

/// The entity that decides a reinstatement request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decider", rename_all = "snake_case")]
pub enum Decider {
    /// Today's administrators of the fora the suspension covers.
    ForumAdministrators,
    ModeratorTeam,
    /// A legacy action (REINST-5), reconsidered under the process it was imposed by.
    Legacy {
        process: String,
    },
}

impl Decider {
    pub fn for_capacity(taken_as: Capacity) -> Decider {
        if taken_as == Capacity::Administrator {
            Decider::ForumAdministrators
        } else {
            Decider::ModeratorTeam
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReinstatementDecision {
    pub by: PersonId,
    pub at: Timestamp,
    pub reinstate: bool,
    /// Conditions of a conditional reinstatement (REINST-3).
    pub conditions: Option<String>,
    pub rationale: String,
}
