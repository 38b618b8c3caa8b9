//! People and their identities: one person, many accounts, so that an action
//! follows the person and not one address.

use crate::ids::PersonId;
use crate::model::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    /// IANA time zone name, for display only; the policy computes in UTC.
    pub time_zone: Option<String>,
    pub roles: BTreeSet<Role>,
    pub identities: BTreeSet<Identity>,
    /// When a moderator is usually available, in their own time zone (TEAM-4).
    #[serde(default)]
    pub availability: Vec<Window>,
}

/// A weekly window of availability, in the person's time zone: `day`, from
/// `from_hour`:00 to `to_hour`:00 (24 is midnight at the day's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub day: Day,
    pub from_hour: u8,
    pub to_hour: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Day {
    pub const ALL: [Day; 7] = [
        Day::Monday,
        Day::Tuesday,
        Day::Wednesday,
        Day::Thursday,
        Day::Friday,
        Day::Saturday,
        Day::Sunday,
    ];

    pub fn from_jiff(day: jiff::civil::Weekday) -> Day {
        Day::ALL[usize::from(day.to_monday_zero_offset().unsigned_abs())]
    }
}

/// The longest identity value accepted, in bytes (the longest email address
/// RFC 5321 allows).
pub const MAX_IDENTITY: usize = 320;

/// An account on some forum software. Reading one (from JSON, a setup file,
/// the log) always normalises it, so equal accounts compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawIdentity")]
pub struct Identity {
    pub kind: IdentityKind,
    /// Normalised: email addresses and GitHub logins are lower-cased.
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Email,
    Chat,
    Github,
    Datatracker,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    kind: IdentityKind,
    value: String,
}

impl TryFrom<RawIdentity> for Identity {
    type Error = String;
    fn try_from(raw: RawIdentity) -> Result<Self, String> {
        Identity::new(raw.kind, &raw.value)
    }
}

impl Identity {
    /// Builds an identity, normalising its value. Email addresses are compared
    /// case-insensitively as a whole (RFC 5321 allows case-sensitive local parts,
    /// but no mail system in practice relies on it).
    pub fn new(kind: IdentityKind, value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() || value.len() > MAX_IDENTITY || value.chars().any(char::is_control) {
            return Err(format!("{value:?} is not a valid {kind} identity"));
        }
        let value = match kind {
            IdentityKind::Email => {
                let (local, domain) = value
                    .rsplit_once('@')
                    .ok_or_else(|| format!("{value:?} is not an email address"))?;
                if local.is_empty() || domain.is_empty() || value.contains(char::is_whitespace) {
                    return Err(format!("{value:?} is not an email address"));
                }
                value.to_lowercase()
            }
            IdentityKind::Github => value.trim_start_matches('@').to_lowercase(),
            IdentityKind::Chat | IdentityKind::Datatracker => value.to_owned(),
        };
        Ok(Identity { kind, value })
    }

    /// The key under which the state indexes this identity, e.g. `email:a@b.org`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind, self.value)
    }
}

impl fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentityKind::Email => "email",
            IdentityKind::Chat => "chat",
            IdentityKind::Github => "github",
            IdentityKind::Datatracker => "datatracker",
        })
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}
