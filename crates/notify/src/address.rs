//! Who a [`Recipient`] is by email: people's email identities from the state,
//! and the addresses an installation configures for groups (the moderator
//! team's list, the community channel, the IESG, ...). A group without a
//! configured address falls back to the people who hold its role.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use lettre::Address;
use modpod_policy::ids::PersonId;
use modpod_policy::model::{IdentityKind, Recipient};
use modpod_policy::{State, views};

use crate::NotifyError;

/// A group that an installation may give one address of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// The moderator team (instead of every moderator's own address).
    Moderators,
    /// The channel the IESG chose for actions on several fora (NOTIFY-4).
    Community,
    Iesg,
    Iab,
    IetfChair,
    LlcBoard,
    Ombudsteam,
    /// Where announcements go for fora whose id is not an email address
    /// (chat rooms, repositories): a gateway or a list that reaches them.
    Fora,
}

impl Group {
    const ALL: [Group; 8] = [
        Group::Moderators,
        Group::Community,
        Group::Iesg,
        Group::Iab,
        Group::IetfChair,
        Group::LlcBoard,
        Group::Ombudsteam,
        Group::Fora,
    ];

    /// The name used on the command line, e.g. `ietf-chair`.
    pub fn name(self) -> &'static str {
        match self {
            Group::Moderators => "moderators",
            Group::Community => "community",
            Group::Iesg => "iesg",
            Group::Iab => "iab",
            Group::IetfChair => "ietf-chair",
            Group::LlcBoard => "llc-board",
            Group::Ombudsteam => "ombudsteam",
            Group::Fora => "fora",
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Group {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Group::ALL
            .into_iter()
            .find(|g| g.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Group::ALL.iter().map(|g| g.name()).collect();
                format!("{s:?} is not a group; one of: {}", names.join(", "))
            })
    }
}

/// The addresses an installation configured for groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    addresses: BTreeMap<Group, String>,
}

impl Directory {
    /// Reads `GROUP=ADDRESS` entries, e.g. `community=ietf-announce@ietf.org`.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Directory, NotifyError> {
        let mut addresses = BTreeMap::new();
        for entry in entries
            .iter()
            .map(|e| e.as_ref().trim())
            .filter(|e| !e.is_empty())
        {
            let bad = |reason: String| NotifyError::BadAddress {
                entry: entry.to_owned(),
                reason,
            };
            let (group, address) = entry
                .split_once('=')
                .ok_or_else(|| bad("write it as GROUP=ADDRESS".into()))?;
            let group: Group = group.trim().parse().map_err(bad)?;
            let address = address.trim();
            Address::from_str(address)
                .map_err(|e| bad(format!("{address:?} is not an email address ({e})")))?;
            if addresses.insert(group, address.to_owned()).is_some() {
                return Err(bad(format!("{group} is given more than once")));
            }
        }
        Ok(Directory { addresses })
    }

    pub fn get(&self, group: Group) -> Option<&str> {
        self.addresses.get(&group).map(String::as_str)
    }
}

/// The recipient in words, as the ledger shows it.
pub fn describe(state: &State, to: &Recipient) -> String {
    match to {
        Recipient::Person { person } => match state.people.get(person) {
            Some(p) => format!("{} ({person})", p.name),
            None => format!("the person {person}"),
        },
        Recipient::ModeratorTeam => "the moderator team".into(),
        Recipient::ForumAdministrators { forum } => format!("the administrators of {forum}"),
        Recipient::Forum { forum } => format!("the forum {forum}"),
        Recipient::CommunityChannel => "the community channel".into(),
        Recipient::Iesg => "the IESG".into(),
        Recipient::Iab => "the IAB".into(),
        Recipient::IetfChair => "the IETF chair".into(),
        Recipient::LlcBoard => "the IETF LLC board".into(),
        Recipient::Ombudsteam => "the ombudsteam".into(),
    }
}

/// The email addresses a recipient is reached at, or why there is none.
pub fn resolve(state: &State, to: &Recipient, dir: &Directory) -> Result<Vec<String>, String> {
    let found = match to {
        Recipient::Person { person } => people(state, [person]),
        Recipient::ModeratorTeam => team(state, dir),
        Recipient::ForumAdministrators { forum } => {
            let f = state
                .fora
                .get(forum)
                .ok_or_else(|| format!("the forum {forum} is not known"))?;
            let mut found = people(state, &state.administrators(f));
            // Plenary fora and fora without administrators are the team's (ROLE-3).
            if state.moderators_administer(f) {
                found.extend(team(state, dir));
            }
            found
        }
        Recipient::Forum { forum } => {
            match Address::from_str(forum.as_str()) {
                // A list's id is its posting address.
                Ok(_) => BTreeSet::from([forum.as_str().to_lowercase()]),
                Err(_) => configured(dir, Group::Fora).ok_or_else(|| {
                    format!(
                        "{forum} is not an email address and no address is configured for fora \
                         (--mail-address fora=ADDRESS)"
                    )
                })?,
            }
        }
        Recipient::CommunityChannel => configured(dir, Group::Community).ok_or_else(|| {
            "no address is configured for the community channel \
             (--mail-address community=ADDRESS)"
                .to_owned()
        })?,
        Recipient::Iesg => or_holders(state, dir, Group::Iesg, to),
        Recipient::Iab => or_holders(state, dir, Group::Iab, to),
        Recipient::IetfChair => or_holders(state, dir, Group::IetfChair, to),
        Recipient::LlcBoard => or_holders(state, dir, Group::LlcBoard, to),
        Recipient::Ombudsteam => or_holders(state, dir, Group::Ombudsteam, to),
    };
    if found.is_empty() {
        return Err(format!(
            "no email address is known for {}",
            describe(state, to)
        ));
    }
    Ok(found.into_iter().collect())
}

fn configured(dir: &Directory, group: Group) -> Option<BTreeSet<String>> {
    dir.get(group).map(|a| BTreeSet::from([a.to_lowercase()]))
}

/// The team's own address, or every sitting moderator's.
fn team(state: &State, dir: &Directory) -> BTreeSet<String> {
    configured(dir, Group::Moderators).unwrap_or_else(|| people(state, state.moderators.keys()))
}

/// The group's own address, or the addresses of everyone holding its role:
/// the people `views::reached` says a message to the group reaches.
fn or_holders(state: &State, dir: &Directory, group: Group, to: &Recipient) -> BTreeSet<String> {
    configured(dir, group).unwrap_or_else(|| people(state, &views::reached(state, to)))
}

/// Every email address of these people. A `+tag` variant of another of the
/// same person's addresses reaches the same mailbox, so it is left out.
fn people<'a>(state: &State, who: impl IntoIterator<Item = &'a PersonId>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for person in who {
        let Some(p) = state.people.get(person) else {
            continue;
        };
        let emails: BTreeSet<&str> = p
            .identities
            .iter()
            .filter(|i| i.kind == IdentityKind::Email)
            .map(|i| i.value.as_str())
            .collect();
        out.extend(
            emails
                .iter()
                .filter(|e| !untagged(e).is_some_and(|base| emails.contains(base.as_str())))
                .map(|e| (*e).to_owned()),
        );
    }
    out
}

/// `local@domain` for `local+tag@domain`; `None` for an address without a tag.
fn untagged(address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    let (base, _) = local.split_once('+')?;
    Some(format!("{base}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_name_a_group_and_an_address() {
        let dir = Directory::parse(&["community=announce@ietf.org", " iesg = iesg@ietf.org "]);
        let dir = dir.map_err(|e| e.to_string());
        assert_eq!(
            dir.as_ref()
                .map(|d| (d.get(Group::Community), d.get(Group::Iesg))),
            Ok((Some("announce@ietf.org"), Some("iesg@ietf.org")))
        );
        for bad in [
            "community",
            "everyone=x@y.org",
            "iab=not an address",
            "iab=",
        ] {
            assert!(Directory::parse(&[bad]).is_err(), "{bad}");
        }
        assert!(Directory::parse(&["iab=a@b.org", "iab=c@d.org"]).is_err());
    }

    #[test]
    fn a_tagged_address_is_the_same_mailbox() {
        assert_eq!(
            untagged("bob+lists@example.org").as_deref(),
            Some("bob@example.org")
        );
        assert_eq!(untagged("bob@example.org"), None);
    }
}
