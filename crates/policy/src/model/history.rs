//! The moderator team's past actions, from before modpod (MIGRATE-1): history
//! for the team's yearly statistics (STATS-1) and for nothing else. A past
//! action restricts no one, is never enforced and never notified; it names a
//! person only where the team's records do, and is otherwise a count of
//! people, as the team's published statistics are.

use crate::ids::{ForumId, PersonId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Where a past action was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PastForum {
    /// A forum modpod knows.
    Known(ForumId),
    /// A forum from before modpod that modpod does not know (a list closed
    /// before it was deployed, say), by the name the team's records give it.
    Named(String),
}

impl std::fmt::Display for PastForum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PastForum::Known(id) => write!(f, "{id}"),
            PastForum::Named(name) => write!(f, "{name} (not in modpod)"),
        }
    }
}

/// Whom a past action contacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contacted {
    /// A person modpod knows: counted once a year and once over all the
    /// years, with their actions in modpod.
    Person(PersonId),
    /// That many people, not named: as many actions, each on a different
    /// person. Counts cannot be deduplicated, so they are added as they are,
    /// to their year and to all the years.
    Count(u32),
}

impl Contacted {
    /// How many actions (and people) it stands for.
    pub fn actions(&self) -> u64 {
        match self {
            Contacted::Person(_) => 1,
            Contacted::Count(n) => u64::from(*n),
        }
    }
}

/// One of the team's actions from before modpod, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastTeamAction {
    /// What makes the import idempotent: a key is recorded once.
    pub key: String,
    /// The day it was taken (its year is the row of the table it counts in).
    pub date: Date,
    /// The level of the ladder it was taken at; none for an action without one.
    pub level: Option<u8>,
    pub forum: PastForum,
    pub contacted: Contacted,
    /// An action against spam (ACT-5): counted apart, contacting no one.
    pub spam: bool,
    /// Rescinded since: counted apart; its people were contacted.
    pub rescinded: bool,
    /// Where the team's record of it is: a URL or a text.
    pub reference: String,
    pub recorded_by: PersonId,
    pub recorded_at: Timestamp,
}
