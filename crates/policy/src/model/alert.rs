//! Alerts to the moderator team (CIRCUMVENT-1): a new identity linked to a
//! person with an action in force, or a post the policy server allowed from
//! a person restricted on other fora. An alert tells; it never acts: what
//! to make of it is the moderators' decision ("nothing is acted on
//! automatically from a guess").

use crate::ids::{ActionId, AlertId, ForumId, PersonId};
use crate::model::Identity;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// An identity was linked to a person with an action in force.
    IdentityLinked,
    /// One of the person's identities posted on a forum where they are not
    /// restricted, while restricted elsewhere.
    PostedElsewhere,
}

impl AlertKind {
    /// Its name, as commands, pages and templates give it.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::IdentityLinked => "identity_linked",
            AlertKind::PostedElsewhere => "posted_elsewhere",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub id: AlertId,
    pub kind: AlertKind,
    pub person: PersonId,
    /// The identity linked, or the one that posted.
    pub identity: Identity,
    /// Where it posted, for [`AlertKind::PostedElsewhere`].
    pub forum: Option<ForumId>,
    /// The person's actions in force then, that restrict their posting.
    pub actions: Vec<ActionId>,
    /// When it was recorded.
    pub at: Timestamp,
    /// When the policy server saw the post, for [`AlertKind::PostedElsewhere`].
    pub seen_at: Option<Timestamp>,
}
