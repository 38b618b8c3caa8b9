//! Fora (FORUM-1..4) and the working groups that own them.

use crate::ids::{ForumId, PersonId, WgId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A public online participation channel. Its kind is data ("mailing-list",
/// "chat", "github-repository", "wiki", ...), so new kinds need no code (FORUM-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forum {
    pub id: ForumId,
    pub name: String,
    pub kind: String,
    pub organisation: Organisation,
    pub public: bool,
    /// The IETF discussion list, the last-call list, plenary chat: administered by
    /// the moderators (ROLE-3).
    pub plenary: bool,
    pub wg: Option<WgId>,
    /// The AD disagreements are routed to; when unset, the working group's AD
    /// (FORUM-4).
    pub responsible_ad: Option<PersonId>,
    /// People to whom a chair delegated administration (ROLE-2), with the chair
    /// who delegated. Chairs stay responsible.
    pub delegates: BTreeSet<Delegation>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Delegation {
    pub to: PersonId,
    pub by: PersonId,
}

/// The organisation that owns a forum (FORUM-2). The policy applies to IETF fora;
/// the others only when that body has opted in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Organisation {
    Ietf,
    Irtf,
    Iab,
    Rswg,
    Rsab,
    IndependentStream,
}

impl fmt::Display for Organisation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Organisation::Ietf => "IETF",
            Organisation::Irtf => "IRTF",
            Organisation::Iab => "IAB",
            Organisation::Rswg => "RSWG",
            Organisation::Rsab => "RSAB",
            Organisation::IndependentStream => "Independent Stream",
        })
    }
}

/// A working group, research group or other body that owns fora. Its chairs are
/// the people holding `Role::WgChair` for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingGroup {
    pub id: WgId,
    pub name: String,
    pub area: Option<String>,
    pub responsible_ad: Option<PersonId>,
}
