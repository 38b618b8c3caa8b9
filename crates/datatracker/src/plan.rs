//! The pure mapping from the registry of groups, modpod's state and who set
//! what ([`Provenance`]) to the commands that bring modpod in step with the
//! Datatracker, and the conflicts it leaves alone (FORUM-5).
//!
//! - Every person named by a role of an active group is a modpod person:
//!   the one their Datatracker id is linked to, else the one one of their
//!   role addresses is linked to (then linked to the id too), else a new
//!   person `dt-<id>`; their role addresses become email identities, which is
//!   what login through the Datatracker (OIDC) matches its email claim with.
//! - Every active area's ADs hold `Role::AreaDirector` for it.
//! - Every active working group (or research group) is a working group, its
//!   list a public `mailing-list` forum (IETF, or IRTF for a research group,
//!   FORUM-2), its chairs `Role::WgChair` (ROLE-2), its delegates delegations
//!   of its list. Its responsible AD (FORUM-4) is the group's own AD when it
//!   has exactly one, else its area's when the area has exactly one; with
//!   several there is none, and disagreements go to the IETF chair
//!   (APPEAL-1, as `State::first_appeal_on` routes them).
//! - A concluded group's fora are closed.
//! - What the registry no longer lists is undone when the sync set it, and a
//!   conflict when it was set by hand; what the registry lists and was undone
//!   by hand is a conflict too. Nothing set by hand is ever changed.
//!
//! Only what differs is asked for, so a second sync with no change in the
//! Datatracker asks for nothing.

use crate::Registry;
use crate::provenance::{Fact, Provenance};
use crate::registry::{Group, GroupKind, GroupState, RoleName, Skipped};
use modpod_policy::ids::{ForumId, PersonId, WgId};
use modpod_policy::model::{Identity, IdentityKind, Organisation, Role};
use modpod_policy::{Command, State};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The kind of forum a group's list is.
pub const MAILING_LIST: &str = "mailing-list";

/// Something set by hand in modpod that the Datatracker disagrees with: shown,
/// never overwritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// What it is about, e.g. `working group tls`, `chair of tls: dt-12`.
    pub about: String,
    /// What modpod has, and who set it.
    pub modpod: String,
    /// What the Datatracker says.
    pub datatracker: String,
    /// The Datatracker record it rests on.
    pub uri: String,
}

/// What a sync would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The commands to record, in order, as `system`.
    #[serde(skip)]
    pub commands: Vec<Command>,
    /// One line per command, saying what it changes.
    pub changes: Vec<String>,
    pub conflicts: Vec<Conflict>,
    /// The registry's rows that were not used.
    pub skipped: Vec<Skipped>,
}

/// The commands that bring `state` in step with `registry`; see the module
/// documentation.
pub fn plan(registry: &Registry, state: &State, provenance: &Provenance) -> Plan {
    let mut p = Planner {
        reg: registry,
        state,
        prov: provenance,
        out: Plan {
            skipped: registry.skipped.clone(),
            ..Plan::default()
        },
        people: BTreeMap::new(),
        unmapped: BTreeSet::new(),
        linked: BTreeMap::new(),
    };
    let active = |id: &u64| {
        registry
            .groups
            .get(id)
            .is_some_and(|g| g.state == GroupState::Active)
    };
    // People first: the commands after them name them.
    let mut emails: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for role in registry.roles.iter().filter(|r| active(&r.group)) {
        emails
            .entry(role.person)
            .or_default()
            .extend(role.email.clone());
    }
    for (dt, addresses) in &emails {
        p.person(*dt, addresses);
    }
    for g in registry.groups.values() {
        if g.kind == GroupKind::Area {
            let role = Role::AreaDirector {
                area: g.acronym.to_string(),
            };
            p.keep_role(g, RoleName::Ad, &role, g.state == GroupState::Active);
        }
    }
    for g in registry.groups.values() {
        match (g.kind, g.state) {
            (GroupKind::Area, _) | (_, GroupState::Other) => {}
            (_, GroupState::Active) => p.active_group(g),
            (_, GroupState::Concluded) => p.concluded_group(g),
        }
    }
    p.out
}

struct Planner<'a> {
    reg: &'a Registry,
    state: &'a State,
    prov: &'a Provenance,
    out: Plan,
    /// Datatracker person id → modpod person, existing or planned.
    people: BTreeMap<u64, PersonId>,
    /// Datatracker people who could not be matched (a conflict says why).
    unmapped: BTreeSet<u64>,
    /// Identities linked by this plan → to whom.
    linked: BTreeMap<String, PersonId>,
}

fn datatracker_identity(dt: u64) -> Option<Identity> {
    Identity::new(IdentityKind::Datatracker, &dt.to_string()).ok()
}

fn email_identity(address: &str) -> Option<Identity> {
    Identity::new(IdentityKind::Email, address).ok()
}

fn show(value: &Option<impl std::fmt::Display>) -> String {
    value
        .as_ref()
        .map_or_else(|| "none".to_owned(), ToString::to_string)
}

impl Planner<'_> {
    fn push(&mut self, command: Command, change: String) {
        self.out.commands.push(command);
        self.out.changes.push(change);
    }

    fn conflict(&mut self, about: String, modpod: String, datatracker: String, uri: &str) {
        self.out.conflicts.push(Conflict {
            about,
            modpod,
            datatracker,
            uri: uri.to_owned(),
        });
    }

    /// Who holds an identity, in the state or by this plan.
    fn holder(&self, identity: &Identity) -> Option<PersonId> {
        self.state
            .person_with(identity)
            .cloned()
            .or_else(|| self.linked.get(&identity.key()).cloned())
    }

    fn link(&mut self, person: &PersonId, identity: Identity) {
        self.linked.insert(identity.key(), person.clone());
        let change = format!("link {identity} to {person}");
        self.push(
            Command::LinkIdentity {
                person: person.clone(),
                identity,
            },
            change,
        );
    }

    /// The modpod person for Datatracker person `dt`, made or linked if
    /// need be, with `emails` linked to them.
    fn person(&mut self, dt: u64, emails: &BTreeSet<String>) -> Option<PersonId> {
        if let Some(p) = self.people.get(&dt) {
            return Some(p.clone());
        }
        let record = self.reg.people.get(&dt)?;
        let (name, uri) = (record.name.clone(), record.uri.clone());
        let id = datatracker_identity(dt)?;
        let person = if let Some(p) = self.holder(&id) {
            p
        } else if let Some((address, p)) = emails.iter().find_map(|e| {
            email_identity(e)
                .and_then(|i| self.holder(&i))
                .map(|p| (e.clone(), p))
        }) {
            let other = self.state.people.get(&p).and_then(|q| {
                q.identities
                    .iter()
                    .find(|i| i.kind == IdentityKind::Datatracker)
            });
            if let Some(other) = other {
                self.conflict(
                    format!("person {p}"),
                    format!(
                        "{p} has the address {address} and is Datatracker person {}",
                        other.value
                    ),
                    format!("{address} is an address of Datatracker person {dt}"),
                    &uri,
                );
                self.unmapped.insert(dt);
                return None;
            }
            self.link(&p, id);
            p
        } else {
            let p = PersonId::parse(&format!("dt-{dt}")).ok()?;
            if self.state.people.contains_key(&p) {
                self.conflict(
                    format!("person {p}"),
                    format!("{p} exists, set up by hand, without Datatracker id {dt}"),
                    format!("Datatracker person {dt} ({name})"),
                    &uri,
                );
                self.unmapped.insert(dt);
                return None;
            }
            self.push(
                Command::RegisterPerson {
                    person: p.clone(),
                    name: name.clone(),
                    time_zone: None,
                },
                format!("register {p} ({name}), Datatracker person {dt}"),
            );
            self.link(&p, id);
            p
        };
        for address in emails {
            let Some(identity) = email_identity(address) else {
                continue;
            };
            match self.holder(&identity) {
                Some(q) if q == person => {}
                Some(q) => self.conflict(
                    format!("address {address}"),
                    format!("{address} belongs to {q}"),
                    format!("{address} is an address of Datatracker person {dt} ({person})"),
                    &uri,
                ),
                None => self.link(&person, identity),
            }
        }
        self.people.insert(dt, person.clone());
        Some(person)
    }

    /// The Datatracker ids of a modpod person.
    fn dt_ids(&self, person: &PersonId) -> BTreeSet<u64> {
        let mut ids: BTreeSet<u64> = self
            .people
            .iter()
            .filter(|(_, p)| *p == person)
            .map(|(dt, _)| *dt)
            .collect();
        if let Some(p) = self.state.people.get(person) {
            ids.extend(
                p.identities
                    .iter()
                    .filter(|i| i.kind == IdentityKind::Datatracker)
                    .filter_map(|i| i.value.parse::<u64>().ok()),
            );
        }
        ids
    }

    /// The modpod people the registry gives `name` on `g`.
    fn wanted(&self, g: &Group, name: RoleName) -> BTreeSet<PersonId> {
        self.reg
            .holders(g.id, name)
            .iter()
            .filter_map(|dt| self.people.get(dt).cloned())
            .collect()
    }

    fn listed(&self, g: &Group, name: RoleName, person: &PersonId) -> bool {
        self.dt_ids(person)
            .into_iter()
            .any(|dt| self.reg.lists(g.id, name, dt))
    }

    /// Brings the holders of `role` in step with who holds `name` on `g`;
    /// `grant: false` only takes away (a concluded group or area).
    fn keep_role(&mut self, g: &Group, name: RoleName, role: &Role, grant: bool) {
        let wanted = if grant {
            self.wanted(g, name)
        } else {
            BTreeSet::new()
        };
        let current: BTreeSet<PersonId> = self.state.holders(role).cloned().collect();
        for p in wanted.difference(&current) {
            let fact = Fact::Role(p.clone(), role.clone());
            if self.prov.by_hand(&fact) {
                self.conflict(
                    format!("{role}: {p}"),
                    format!("revoked by hand: {p} is not {role}"),
                    format!("the Datatracker lists {p} for {}", g.acronym),
                    &g.uri,
                );
            } else {
                self.push(
                    Command::GrantRole {
                        person: p.clone(),
                        role: role.clone(),
                    },
                    format!("grant {p} the role of {role}"),
                );
            }
        }
        for p in current.difference(&wanted) {
            if self.listed(g, name, p) {
                continue;
            }
            let fact = Fact::Role(p.clone(), role.clone());
            if self.prov.by_sync(&fact) {
                self.push(
                    Command::RevokeRole {
                        person: p.clone(),
                        role: role.clone(),
                    },
                    format!("revoke the role of {role} from {p}"),
                );
            } else {
                self.conflict(
                    format!("{role}: {p}"),
                    format!("granted by hand: {p} is {role}"),
                    format!("the Datatracker does not list {p} for {}", g.acronym),
                    &g.uri,
                );
            }
        }
    }

    /// Brings the delegations of `forum` in step with `g`'s delegates.
    fn keep_delegations(&mut self, g: &Group, forum: &ForumId, grant: bool) {
        let wanted = if grant {
            self.wanted(g, RoleName::Delegate)
        } else {
            BTreeSet::new()
        };
        let current: BTreeSet<PersonId> = self
            .state
            .fora
            .get(forum)
            .map(|f| f.delegates.iter().map(|d| d.to.clone()).collect())
            .unwrap_or_default();
        for p in wanted.difference(&current) {
            let fact = Fact::Delegation(forum.clone(), p.clone());
            if self.prov.by_hand(&fact) {
                self.conflict(
                    format!("delegation of {forum} to {p}"),
                    "revoked by hand".to_owned(),
                    format!("{p} is a delegate of {}", g.acronym),
                    &g.uri,
                );
            } else {
                self.push(
                    Command::DelegateAdministration {
                        forum: forum.clone(),
                        to: p.clone(),
                    },
                    format!("delegate the administration of {forum} to {p}"),
                );
            }
        }
        for p in current.difference(&wanted) {
            if self.listed(g, RoleName::Delegate, p) {
                continue;
            }
            let fact = Fact::Delegation(forum.clone(), p.clone());
            if self.prov.by_sync(&fact) {
                self.push(
                    Command::RevokeDelegation {
                        forum: forum.clone(),
                        to: p.clone(),
                    },
                    format!("revoke the delegation of {forum} to {p}"),
                );
            } else {
                self.conflict(
                    format!("delegation of {forum} to {p}"),
                    "delegated by hand".to_owned(),
                    format!(
                        "the Datatracker does not list {p} as a delegate of {}",
                        g.acronym
                    ),
                    &g.uri,
                );
            }
        }
    }

    /// The responsible AD of a working group (FORUM-4): its own AD if it has
    /// exactly one, else its area's if that has exactly one; else none, and
    /// disagreements go to the IETF chair (APPEAL-1).
    fn responsible_ad(&self, g: &Group) -> Option<PersonId> {
        let one = |set: BTreeSet<PersonId>| {
            let mut it = set.into_iter();
            match (it.next(), it.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        };
        let own = self.wanted(g, RoleName::Ad);
        if !own.is_empty() {
            return one(own);
        }
        let area = self.area(g)?;
        one(self.wanted(area, RoleName::Ad))
    }

    /// A working group's area: its parent, when that is an active area.
    fn area(&self, g: &Group) -> Option<&Group> {
        g.parent
            .and_then(|id| self.reg.groups.get(&id))
            .filter(|a| a.kind == GroupKind::Area && a.state == GroupState::Active)
    }

    fn active_group(&mut self, g: &Group) {
        let Some(list) = g.list.as_deref().and_then(|l| ForumId::parse(l).ok()) else {
            return;
        };
        let wg = g.acronym.clone();
        let (area, responsible_ad, organisation) = match g.kind {
            GroupKind::Rg => (None, None, Organisation::Irtf),
            _ => (
                self.area(g).map(|a| a.acronym.to_string()),
                self.responsible_ad(g),
                Organisation::Ietf,
            ),
        };
        match self.state.working_groups.get(&wg) {
            None => self.push(
                Command::CreateWorkingGroup {
                    wg: wg.clone(),
                    name: g.name.clone(),
                    area: area.clone(),
                    responsible_ad: responsible_ad.clone(),
                },
                format!(
                    "create working group {wg} ({}; area {}, responsible AD {})",
                    g.name,
                    show(&area),
                    show(&responsible_ad)
                ),
            ),
            Some(w) => {
                let theirs = (&g.name, &area, &responsible_ad);
                if (&w.name, &w.area, &w.responsible_ad) != theirs {
                    let describe = |name: &String, area: &Option<String>, ad: &Option<PersonId>| {
                        format!("{name}; area {}, responsible AD {}", show(area), show(ad))
                    };
                    let before = describe(&w.name, &w.area, &w.responsible_ad);
                    let after = describe(&g.name, &area, &responsible_ad);
                    if self.prov.by_hand(&Fact::Group(wg.clone())) {
                        self.conflict(
                            format!("working group {wg}"),
                            format!("set by hand: {before}"),
                            after,
                            &g.uri,
                        );
                    } else {
                        self.push(
                            Command::ChangeWorkingGroup {
                                wg: wg.clone(),
                                name: g.name.clone(),
                                area,
                                responsible_ad,
                            },
                            format!("change working group {wg}: {before} → {after}"),
                        );
                    }
                }
            }
        }
        let mut list_ok = true;
        match self.state.fora.get(&list) {
            None => self.push(
                Command::CreateForum {
                    forum: list.clone(),
                    name: format!("{} mailing list", g.name),
                    kind: MAILING_LIST.to_owned(),
                    organisation: organisation.clone(),
                    public: true,
                    plenary: false,
                    wg: Some(wg.clone()),
                    responsible_ad: None,
                },
                format!("create forum {list} (the {organisation} list of {wg})"),
            ),
            Some(f) => {
                if f.wg.as_ref() != Some(&wg)
                    || f.organisation != organisation
                    || !f.public
                    || f.kind != MAILING_LIST
                {
                    list_ok = false;
                    self.conflict(
                        format!("forum {list}"),
                        format!(
                            "a {}{} {} forum of {}",
                            if f.public { "public " } else { "non-public " },
                            f.organisation,
                            f.kind,
                            show(&f.wg)
                        ),
                        format!("the public {organisation} list of {wg}"),
                        &g.uri,
                    );
                }
                if let Some(since) = self.state.closed_since(&list) {
                    if self.prov.by_hand(&Fact::Closed(list.clone())) {
                        self.conflict(
                            format!("forum {list}"),
                            format!("closed by hand since {since}"),
                            format!("{wg} is active"),
                            &g.uri,
                        );
                    } else {
                        self.push(
                            Command::ReopenForum {
                                forum: list.clone(),
                                reason: format!("{wg} is active in the Datatracker"),
                            },
                            format!("reopen forum {list}"),
                        );
                    }
                }
            }
        }
        // A list the sync made for this group that is no longer its list.
        let old: Vec<ForumId> = self
            .state
            .fora
            .values()
            .filter(|f| f.wg.as_ref() == Some(&wg) && f.id != list && f.kind == MAILING_LIST)
            .filter(|f| self.prov.by_sync(&Fact::Forum(f.id.clone())))
            .filter(|f| self.state.closed_since(&f.id).is_none())
            .map(|f| f.id.clone())
            .collect();
        for forum in old {
            self.push(
                Command::CloseForum {
                    forum: forum.clone(),
                    reason: format!("no longer the list of {wg} in the Datatracker"),
                },
                format!("close forum {forum} (no longer the list of {wg})"),
            );
        }
        self.keep_role(g, RoleName::Chair, &Role::WgChair { wg }, true);
        if list_ok {
            self.keep_delegations(g, &list, true);
        }
    }

    fn concluded_group(&mut self, g: &Group) {
        let wg: WgId = g.acronym.clone();
        if !self.state.working_groups.contains_key(&wg) {
            return;
        }
        self.keep_role(g, RoleName::Chair, &Role::WgChair { wg: wg.clone() }, false);
        if let Some(list) = g.list.as_deref().and_then(|l| ForumId::parse(l).ok())
            && self.state.fora.contains_key(&list)
        {
            self.keep_delegations(g, &list, false);
        }
        let fora: Vec<ForumId> = self
            .state
            .fora
            .values()
            .filter(|f| f.wg.as_ref() == Some(&wg))
            .filter(|f| self.state.closed_since(&f.id).is_none())
            .map(|f| f.id.clone())
            .collect();
        for forum in fora {
            if self.prov.by_hand(&Fact::Closed(forum.clone())) {
                self.conflict(
                    format!("forum {forum}"),
                    "opened again by hand".to_owned(),
                    format!("{wg} concluded"),
                    &g.uri,
                );
            } else {
                self.push(
                    Command::CloseForum {
                        forum: forum.clone(),
                        reason: format!("{wg} concluded in the Datatracker"),
                    },
                    format!("close forum {forum} ({wg} concluded)"),
                );
            }
        }
    }
}
