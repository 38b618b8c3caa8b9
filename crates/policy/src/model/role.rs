//! Roles (ROLE-1): what a person holds, for which forum or body, and the capacity
//! in which they act. Permissions follow the role held *for that forum or case*.

use crate::ids::{ForumId, WgId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A role a person holds. Moderators are not here: the IESG appoints and recalls
/// them (TEAM-1), so the moderator team is its own record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Runs this modpod installation: sets up fora, people and roles.
    Operator,
    /// Administers one forum (besides the chairs of its working group).
    ForumAdministrator {
        forum: ForumId,
    },
    /// Chairs a working group, and so administers its public fora (ROLE-2).
    WgChair {
        wg: WgId,
    },
    /// Area Director for an area; a member of the IESG.
    AreaDirector {
        area: String,
    },
    /// The IETF chair; a member of the IESG.
    IetfChair,
    IesgMember,
    IabMember,
    IetfTrustMember,
    LlcBoardMember,
    LlcStaff,
    LlcContractor,
    Ombudsperson,
}

impl Role {
    /// Whether holding this role makes a person ineligible to serve as a moderator
    /// (TEAM-2): the IESG (ADs and the IETF chair included), the IAB, other bodies
    /// whose members the NomCom appoints, and LLC staff or contractors.
    pub fn excludes_moderation(&self) -> bool {
        matches!(
            self,
            Role::AreaDirector { .. }
                | Role::IetfChair
                | Role::IesgMember
                | Role::IabMember
                | Role::IetfTrustMember
                | Role::LlcBoardMember
                | Role::LlcStaff
                | Role::LlcContractor
        )
    }

    /// A short key naming the role and its forum or body, e.g. `wg_chair:tls`.
    pub fn key(&self) -> String {
        match self {
            Role::ForumAdministrator { forum } => format!("forum_administrator:{forum}"),
            Role::WgChair { wg } => format!("wg_chair:{wg}"),
            Role::AreaDirector { area } => format!("area_director:{area}"),
            other => other.to_string(),
        }
    }

    /// Whether this role seats its holder on the IESG.
    pub fn is_iesg(&self) -> bool {
        matches!(
            self,
            Role::AreaDirector { .. } | Role::IetfChair | Role::IesgMember
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Operator => f.write_str("operator"),
            Role::ForumAdministrator { forum } => write!(f, "administrator of {forum}"),
            Role::WgChair { wg } => write!(f, "chair of {wg}"),
            Role::AreaDirector { area } => write!(f, "Area Director ({area})"),
            Role::IetfChair => f.write_str("IETF chair"),
            Role::IesgMember => f.write_str("IESG member"),
            Role::IabMember => f.write_str("IAB member"),
            Role::IetfTrustMember => f.write_str("IETF Trust member"),
            Role::LlcBoardMember => f.write_str("IETF LLC board member"),
            Role::LlcStaff => f.write_str("IETF LLC staff"),
            Role::LlcContractor => f.write_str("IETF LLC contractor"),
            Role::Ombudsperson => f.write_str("ombudsteam member"),
        }
    }
}

/// The capacity in which someone acts. Each command is decided for the capacity
/// claimed, and each event records it, so the log says *as what* someone acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    Participant,
    Administrator,
    Moderator,
    AreaDirector,
    IetfChair,
    Iesg,
    Iab,
    Llc,
    LlcBoard,
    Ombudsteam,
    Operator,
    /// modpod's own scheduler, acting on a deadline.
    System,
}

impl Capacity {
    pub fn as_str(self) -> &'static str {
        match self {
            Capacity::Participant => "participant",
            Capacity::Administrator => "administrator",
            Capacity::Moderator => "moderator",
            Capacity::AreaDirector => "area_director",
            Capacity::IetfChair => "ietf_chair",
            Capacity::Iesg => "iesg",
            Capacity::Iab => "iab",
            Capacity::Llc => "llc",
            Capacity::LlcBoard => "llc_board",
            Capacity::Ombudsteam => "ombudsteam",
            Capacity::Operator => "operator",
            Capacity::System => "system",
        }
    }

    pub const ALL: [Capacity; 12] = [
        Capacity::Participant,
        Capacity::Administrator,
        Capacity::Moderator,
        Capacity::AreaDirector,
        Capacity::IetfChair,
        Capacity::Iesg,
        Capacity::Iab,
        Capacity::Llc,
        Capacity::LlcBoard,
        Capacity::Ombudsteam,
        Capacity::Operator,
        Capacity::System,
    ];
}

impl std::str::FromStr for Capacity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Capacity::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a capacity; one of: participant, administrator, moderator, area_director, ietf_chair, iesg, iab, llc, llc_board, ombudsteam, operator"))
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
