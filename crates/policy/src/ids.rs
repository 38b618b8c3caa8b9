//! Identifiers. Names chosen by people (persons, fora, working groups) are short
//! validated strings, held inline when of 23 bytes or fewer (nearly all are);
//! records that modpod creates (reports, actions, appeals, ...) get sequential
//! numbers assigned by the decision that creates them, so replaying the log
//! always yields the same numbers.

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;
use std::fmt;

/// Why a name was not accepted as an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a valid identifier: use 1 to 128 characters without spaces or control characters"
)]
pub struct BadId(pub String);

fn check_name(s: &str) -> Result<(), BadId> {
    let ok =
        !s.is_empty() && s.len() <= 128 && s.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if ok { Ok(()) } else { Err(BadId(s.to_owned())) }
}

macro_rules! name_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(SmolStr);

        impl $name {
            /// Parses a name typed by a person or read from a file.
            pub fn parse(s: &str) -> Result<Self, BadId> {
                check_name(s)?;
                Ok(Self(SmolStr::new(s)))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = BadId;
            fn try_from(s: String) -> Result<Self, BadId> {
                check_name(&s)?;
                Ok(Self(SmolStr::from(s)))
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.into()
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = SmolStr::deserialize(d)?;
                check_name(&s).map_err(serde::de::Error::custom)?;
                Ok(Self(s))
            }
        }
    };
}

name_id!(
    /// A person: one human, whatever accounts they use.
    PersonId
);
name_id!(
    /// A forum: a list, a chat room, a repository, ...
    ForumId
);
name_id!(
    /// A working group (or research group, or other body that owns fora).
    WgId
);

impl PersonId {
    /// The scheduler inside modpod, which acts on deadlines (escalation, expiry).
    pub fn system() -> Self {
        Self(SmolStr::new_static("system"))
    }
}

macro_rules! number_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl crate::index::Bounded for $name {
            const MIN: Self = Self(0);
            const MAX: Self = Self(u64::MAX);
        }
    };
}

number_id!(
    /// A report of disruptive behaviour.
    ReportId,
    "report #"
);
number_id!(
    /// A moderation action.
    ActionId,
    "action #"
);
number_id!(
    /// A disagreement and the appeals that follow it.
    AppealId,
    "appeal #"
);
number_id!(
    /// A request for reinstatement.
    ReinstatementId,
    "reinstatement request #"
);
number_id!(
    /// An emergency action of the IETF LLC.
    LlcActionId,
    "LLC action #"
);
number_id!(
    /// A notification that modpod owes someone.
    NotificationId,
    "notification #"
);
number_id!(
    /// A referral to the ombudsteam.
    ReferralId,
    "referral #"
);
number_id!(
    /// A proposal of the moderator team, waiting for its quorum (TEAM-5).
    ProposalId,
    "proposal #"
);
number_id!(
    /// An alert to the moderator team about a restricted person's identity
    /// (CIRCUMVENT-1).
    AlertId,
    "alert #"
);
