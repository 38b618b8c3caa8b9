//! Who last set each fact the sync keeps: modpod's sync, which records as
//! `system`, or somebody by hand (an operator, a chair delegating). Read
//! from the log's events with their actors; a fact nobody ever set has no
//! provenance. The sync changes what it set itself, and what nobody set;
//! what was set by hand and disagrees with the Datatracker is a conflict.

use modpod_policy::Event;
use modpod_policy::ids::{ForumId, PersonId, WgId};
use modpod_policy::model::Role;
use std::collections::BTreeMap;

/// The actor modpod's sync (and scheduler) record as.
pub const SYNC_ACTOR: &str = "system";

/// A fact the sync keeps.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fact {
    /// A working group's name, area and responsible AD.
    Group(WgId),
    /// A forum, as created.
    Forum(ForumId),
    /// Whether a forum is closed.
    Closed(ForumId),
    /// Whether a person holds a role.
    Role(PersonId, Role),
    /// Whether a forum's administration is delegated to a person.
    Delegation(ForumId, PersonId),
}

/// Who set what, as of event [`Provenance::seen`] of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The fact → whether its last change was the sync's.
    last: BTreeMap<Fact, bool>,
    /// The last event read.
    pub seen: u64,
}

impl Provenance {
    /// The kinds of event that set a fact: only these need be read.
    pub const KINDS: &'static [&'static str] = &[
        "working_group_created",
        "working_group_changed",
        "forum_created",
        "forum_closed",
        "forum_reopened",
        "role_granted",
        "role_revoked",
        "administration_delegated",
        "delegation_revoked",
    ];

    /// Reads one event of the log, number `seq`, recorded by `actor`.
    pub fn observe(&mut self, seq: u64, actor: &str, event: &Event) {
        self.seen = self.seen.max(seq);
        let fact = match event {
            Event::WorkingGroupCreated { wg } => Fact::Group(wg.id.clone()),
            Event::WorkingGroupChanged { wg, .. } => Fact::Group(wg.clone()),
            Event::ForumCreated { forum } => Fact::Forum(forum.id.clone()),
            Event::ForumClosed { forum, .. } | Event::ForumReopened { forum, .. } => {
                Fact::Closed(forum.clone())
            }
            Event::RoleGranted { person, role } | Event::RoleRevoked { person, role } => {
                Fact::Role(person.clone(), role.clone())
            }
            Event::AdministrationDelegated { forum, to, .. }
            | Event::DelegationRevoked { forum, to } => Fact::Delegation(forum.clone(), to.clone()),
            _ => return,
        };
        self.last.insert(fact, actor == SYNC_ACTOR);
    }

    /// Whether the fact was last set by hand (not by the sync).
    pub fn by_hand(&self, fact: &Fact) -> bool {
        self.last.get(fact) == Some(&false)
    }

    /// Whether the fact was last set by the sync.
    pub fn by_sync(&self, fact: &Fact) -> bool {
        self.last.get(fact) == Some(&true)
    }
}
