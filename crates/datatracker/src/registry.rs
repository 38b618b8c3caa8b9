//! The Datatracker's records, parsed: groups (`/api/v1/group/group/`), their
//! roles (`/api/v1/group/role/`) and the people those roles name
//! (`/api/v1/person/person/`), as Tastypie serialises them: every relation is
//! the URI of the record it points at (`"type": "/api/v1/name/grouptypename/wg/"`),
//! and a role's email is the URI of an email record, whose key is the address
//! itself (`/api/v1/person/email/jane@example.org/`).
//!
//! A row that cannot be used is reported with its record's URI and the
//! reason, and skipped; it never stops the rest. The roles of a group that was
//! skipped are dropped with it (the group was reported), so a bad row never
//! looks like a group without chairs.

use modpod_policy::ids::WgId;
use modpod_policy::model::{Identity, IdentityKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A row that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Skipped {
    /// The record's `resource_uri` (or, when it has none, where it was read).
    pub uri: String,
    pub reason: String,
}

/// The kinds of group the registry keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupKind {
    /// An IETF working group: its list is an IETF forum.
    Wg,
    /// An IRTF research group: its list is owned by the IRTF (FORUM-2).
    Rg,
    /// An IETF area: its ADs are the Area Directors.
    Area,
}

impl GroupKind {
    /// The group types asked of the Datatracker (`type__in`).
    pub const SLUGS: &'static str = "wg,rg,area";

    fn parse(slug: &str) -> Option<GroupKind> {
        match slug {
            "wg" => Some(GroupKind::Wg),
            "rg" => Some(GroupKind::Rg),
            "area" => Some(GroupKind::Area),
            _ => None,
        }
    }
}

/// Where a group stands, as far as its fora are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    /// `active`: its fora are open, its chairs administer them.
    Active,
    /// `conclude`, `abandon`, `replaced`, `bof-conc`: its fora close.
    Concluded,
    /// Anything else (`bof`, `proposed`, `dormant`, `unknown`): not (yet) a
    /// group whose fora modpod keeps; left as it is.
    Other,
}

impl GroupState {
    fn parse(slug: &str) -> GroupState {
        match slug {
            "active" => GroupState::Active,
            "conclude" | "concluded" | "abandon" | "replaced" | "bof-conc" => GroupState::Concluded,
            _ => GroupState::Other,
        }
    }
}

/// A group of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: u64,
    pub uri: String,
    pub acronym: WgId,
    pub name: String,
    pub kind: GroupKind,
    pub state: GroupState,
    /// The parent group's id (a working group's area).
    pub parent: Option<u64>,
    /// The list's posting address, lower-cased; checked for active groups.
    pub list: Option<String>,
}

/// The role names the registry keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoleName {
    Chair,
    Delegate,
    /// On an area: its Area Directors; on a working group: its responsible AD.
    Ad,
}

impl RoleName {
    /// The role names asked of the Datatracker (`name__in`).
    pub const SLUGS: &'static str = "chair,delegate,ad";

    fn parse(slug: &str) -> Option<RoleName> {
        match slug {
            "chair" => Some(RoleName::Chair),
            "delegate" => Some(RoleName::Delegate),
            "ad" => Some(RoleName::Ad),
            _ => None,
        }
    }
}

/// A role of a person on a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub uri: String,
    pub name: RoleName,
    pub group: u64,
    /// The Datatracker person id.
    pub person: u64,
    /// The address the role uses, lower-cased, when it is one.
    pub email: Option<String>,
}

/// A person of the Datatracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: u64,
    pub uri: String,
    pub name: String,
}

/// The registry as read: the groups, roles and people that can be used, and
/// the rows that could not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    /// Where it was read, e.g. `https://datatracker.ietf.org`.
    pub source: String,
    pub groups: BTreeMap<u64, Group>,
    /// Roles on groups of [`Registry::groups`] whose person is known.
    pub roles: Vec<Role>,
    /// `(group, role, person)` of every role row on a known group, its person
    /// known or not: a role whose person record is missing is skipped, but
    /// is not taken for one that ended.
    pub listed: BTreeSet<(u64, RoleName, u64)>,
    pub people: BTreeMap<u64, Person>,
    pub skipped: Vec<Skipped>,
}

#[derive(Deserialize)]
struct GroupRow {
    id: u64,
    acronym: String,
    name: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    state: Option<String>,
    parent: Option<String>,
    list_email: Option<String>,
    resource_uri: String,
}

#[derive(Deserialize)]
struct RoleRow {
    name: String,
    group: String,
    person: String,
    email: Option<String>,
    resource_uri: String,
}

#[derive(Deserialize)]
struct PersonRow {
    id: u64,
    name: Option<String>,
    ascii: Option<String>,
    resource_uri: String,
}

/// The last segment of a record's URI: its key (`.../grouptypename/wg/` is
/// `wg`, `.../group/group/1234/` is `1234`), percent-decoded.
pub fn key_of(uri: &str) -> Option<String> {
    let last = uri.trim_end_matches('/').rsplit('/').next()?;
    if last.is_empty() {
        return None;
    }
    percent_encoding::percent_decode_str(last)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn id_of(uri: &str) -> Option<u64> {
    key_of(uri)?.parse().ok()
}

/// The URI a row names itself by, or where it was read.
fn uri_of(row: &Value, fallback: &str) -> String {
    row.get("resource_uri")
        .and_then(Value::as_str)
        .map_or_else(|| fallback.to_owned(), str::to_owned)
}

/// The person ids the relevant roles among `roles` name: those whose person
/// records are to be read.
pub fn people_named(roles: &[Value]) -> BTreeSet<u64> {
    roles
        .iter()
        .filter(|r| {
            r.get("name")
                .and_then(Value::as_str)
                .and_then(key_of)
                .is_some_and(|n| RoleName::parse(&n).is_some())
        })
        .filter_map(|r| r.get("person").and_then(Value::as_str).and_then(id_of))
        .collect()
}

/// Why a list address cannot be used as a forum, if it cannot.
pub fn check_list(address: &str) -> Result<String, String> {
    if address.trim().is_empty() {
        return Err("no list address (list_email is empty)".to_owned());
    }
    if address.trim() != address {
        return Err(format!("the list address {address:?} has spaces around it"));
    }
    if address.contains(',') || address.contains(char::is_whitespace) {
        return Err(format!(
            "list_email {address:?} holds several addresses; a forum is one list"
        ));
    }
    let lower = address.to_lowercase();
    let Some((local, domain)) = lower.rsplit_once('@') else {
        return Err(format!("list_email {address:?} is not an email address"));
    };
    if local.is_empty() || domain.is_empty() || local.contains('@') {
        return Err(format!("list_email {address:?} is not an email address"));
    }
    if local.ends_with("-request") {
        return Err(format!(
            "list_email {address:?} is the list's -request address, not its posting address"
        ));
    }
    if modpod_policy::ids::ForumId::parse(&lower).is_err() {
        return Err(format!("list_email {address:?} cannot name a forum"));
    }
    Ok(lower)
}

/// A name the policy accepts: one line of 1 to 200 characters.
fn check_name(name: &str) -> Option<String> {
    let name = name.trim();
    let ok = !name.is_empty() && name.chars().count() <= 180 && !name.chars().any(char::is_control);
    ok.then(|| name.to_owned())
}

impl Registry {
    /// Parses the rows read from the Datatracker: `groups`, then `roles` on
    /// them, then `people`. `source` names where they came from.
    pub fn parse(source: &str, groups: &[Value], roles: &[Value], people: &[Value]) -> Registry {
        let mut registry = Registry {
            source: source.to_owned(),
            ..Registry::default()
        };
        let mut skipped_groups = BTreeSet::new();
        let mut acronyms = BTreeSet::new();
        for (n, row) in groups.iter().enumerate() {
            let uri = uri_of(row, &format!("{source} group row {n}"));
            match registry.group(row, &mut acronyms) {
                Ok(group) => {
                    registry.groups.insert(group.id, group);
                }
                Err(reason) => {
                    if let Some(id) = row.get("id").and_then(Value::as_u64) {
                        skipped_groups.insert(id);
                    }
                    registry.skipped.push(Skipped { uri, reason });
                }
            }
        }
        for (n, row) in people.iter().enumerate() {
            let uri = uri_of(row, &format!("{source} person row {n}"));
            match serde_json::from_value::<PersonRow>(row.clone()) {
                Ok(p) => {
                    let name = [p.name, p.ascii]
                        .into_iter()
                        .flatten()
                        .find_map(|n| check_name(&n))
                        .unwrap_or_else(|| format!("Datatracker person {}", p.id));
                    registry.people.insert(
                        p.id,
                        Person {
                            id: p.id,
                            uri: p.resource_uri,
                            name,
                        },
                    );
                }
                Err(e) => registry.skipped.push(Skipped {
                    uri,
                    reason: format!("not a person record: {e}"),
                }),
            }
        }
        for (n, row) in roles.iter().enumerate() {
            let uri = uri_of(row, &format!("{source} role row {n}"));
            let parsed = match serde_json::from_value::<RoleRow>(row.clone()) {
                Ok(r) => r,
                Err(e) => {
                    registry.skipped.push(Skipped {
                        uri,
                        reason: format!("not a role record: {e}"),
                    });
                    continue;
                }
            };
            let Some(name) = key_of(&parsed.name).and_then(|n| RoleName::parse(&n)) else {
                // Secretaries, editors, liaisons, ...: not the registry's.
                continue;
            };
            let Some(group) = id_of(&parsed.group) else {
                registry.skipped.push(Skipped {
                    uri,
                    reason: format!("the role's group {:?} is no group URI", parsed.group),
                });
                continue;
            };
            if skipped_groups.contains(&group) {
                continue;
            }
            if !registry.groups.contains_key(&group) {
                registry.skipped.push(Skipped {
                    uri,
                    reason: format!("a role on a group that does not exist ({})", parsed.group),
                });
                continue;
            }
            let Some(person) = id_of(&parsed.person) else {
                registry.skipped.push(Skipped {
                    uri,
                    reason: format!("the role's person {:?} is no person URI", parsed.person),
                });
                continue;
            };
            registry.listed.insert((group, name, person));
            if !registry.people.contains_key(&person) {
                registry.skipped.push(Skipped {
                    uri,
                    reason: format!("the role's person {} does not exist", parsed.person),
                });
                continue;
            }
            let email = match parsed.email.as_deref().map(key_of) {
                None | Some(None) => None,
                Some(Some(address)) => match Identity::new(IdentityKind::Email, &address) {
                    Ok(identity) if identity.value == address.to_lowercase() => {
                        Some(identity.value)
                    }
                    _ => {
                        registry.skipped.push(Skipped {
                            uri: uri.clone(),
                            reason: format!(
                                "the role's email {address:?} is not an address; the role is kept without it"
                            ),
                        });
                        None
                    }
                },
            };
            registry.roles.push(Role {
                uri: parsed.resource_uri,
                name,
                group,
                person,
                email,
            });
        }
        registry
    }

    fn group(&self, row: &Value, acronyms: &mut BTreeSet<String>) -> Result<Group, String> {
        let g: GroupRow =
            serde_json::from_value(row.clone()).map_err(|e| format!("not a group record: {e}"))?;
        let slug = g.kind.as_deref().and_then(key_of);
        let kind = slug
            .as_deref()
            .and_then(GroupKind::parse)
            .ok_or_else(|| match &slug {
                Some(s) => format!(
                    "unknown group type {s:?} (expected one of {})",
                    GroupKind::SLUGS
                ),
                None => "no group type".to_owned(),
            })?;
        let state = g
            .state
            .as_deref()
            .and_then(key_of)
            .map(|s| GroupState::parse(&s))
            .ok_or("no group state")?;
        let acronym =
            WgId::parse(g.acronym.trim()).map_err(|e| format!("acronym {:?}: {e}", g.acronym))?;
        let name = check_name(&g.name)
            .ok_or_else(|| format!("name {:?} must be one line of 1 to 180 characters", g.name))?;
        let parent = match g.parent.as_deref() {
            None => None,
            Some(p) => Some(id_of(p).ok_or_else(|| format!("parent {p:?} is no group URI"))?),
        };
        // The list of an active group is its forum: it must be one usable
        // address. A concluded group's list matters only if modpod has it.
        let list = match (kind, state) {
            (GroupKind::Area, _) => None,
            (_, GroupState::Active) => {
                Some(check_list(g.list_email.as_deref().unwrap_or_default())?)
            }
            _ => g.list_email.as_deref().and_then(|l| check_list(l).ok()),
        };
        if !acronyms.insert(acronym.to_string()) {
            return Err(format!("a second group with the acronym {acronym}"));
        }
        Ok(Group {
            id: g.id,
            uri: g.resource_uri,
            acronym,
            name,
            kind,
            state,
            parent,
            list,
        })
    }

    /// A group by its acronym.
    pub fn by_acronym(&self, acronym: &WgId) -> Option<&Group> {
        self.groups.values().find(|g| &g.acronym == acronym)
    }

    /// The people holding `name` on group `group`, by Datatracker id.
    pub fn holders(&self, group: u64, name: RoleName) -> BTreeSet<u64> {
        self.roles
            .iter()
            .filter(|r| r.group == group && r.name == name)
            .map(|r| r.person)
            .collect()
    }

    /// Whether the Datatracker lists `person` with `name` on `group`, even
    /// when the role's row could not be used.
    pub fn lists(&self, group: u64, name: RoleName, person: u64) -> bool {
        self.listed.contains(&(group, name, person))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn group(id: u64, acronym: &str, kind: &str, state: &str, list: Value) -> Value {
        json!({
            "id": id, "acronym": acronym, "name": format!("The {acronym} group"),
            "type": format!("/api/v1/name/grouptypename/{kind}/"),
            "state": format!("/api/v1/name/groupstatename/{state}/"),
            "parent": null, "list_email": list, "list_archive": "",
            "resource_uri": format!("/api/v1/group/group/{id}/"),
        })
    }

    #[test]
    fn forum_5_bad_list_addresses_are_reported_with_their_uri_and_skipped() {
        let groups = [
            group(1, "good", "wg", "active", json!("Good@IETF.org")),
            group(2, "none", "wg", "active", json!(null)),
            group(3, "empty", "wg", "active", json!("")),
            group(
                4,
                "several",
                "wg",
                "active",
                json!("a@ietf.org, b@ietf.org"),
            ),
            group(5, "spaced", "wg", "active", json!("spaced@ietf.org ")),
            group(
                6,
                "request",
                "wg",
                "active",
                json!("request-request@ietf.org"),
            ),
            group(7, "odd", "ag", "active", json!("odd@ietf.org")),
            group(8, "old", "wg", "conclude", json!(null)),
            group(9, "good", "wg", "active", json!("again@ietf.org")),
        ];
        let r = Registry::parse("stub", &groups, &[], &[]);
        assert_eq!(
            r.groups
                .values()
                .map(|g| g.acronym.as_str())
                .collect::<Vec<_>>(),
            ["good", "old"]
        );
        assert_eq!(r.groups[&1].list.as_deref(), Some("good@ietf.org"));
        let why = |id: u64| {
            r.skipped
                .iter()
                .find(|s| s.uri == format!("/api/v1/group/group/{id}/"))
                .map(|s| s.reason.clone())
                .unwrap_or_default()
        };
        assert!(why(2).contains("no list address"), "{}", why(2));
        assert!(why(3).contains("no list address"), "{}", why(3));
        assert!(why(4).contains("several addresses"), "{}", why(4));
        assert!(why(5).contains("spaces"), "{}", why(5));
        assert!(why(6).contains("-request"), "{}", why(6));
        assert!(why(7).contains("unknown group type \"ag\""), "{}", why(7));
        assert!(why(9).contains("second group"), "{}", why(9));
        assert_eq!(r.skipped.len(), 7);
    }

    #[test]
    fn forum_5_roles_on_missing_groups_or_people_are_reported_and_skipped() {
        let groups = [
            group(1, "good", "wg", "active", json!("good@ietf.org")),
            group(2, "bad", "wg", "active", json!(null)),
        ];
        let role = |id: u64, name: &str, group: u64, person: u64| {
            json!({
                "id": id, "name": format!("/api/v1/name/rolename/{name}/"),
                "group": format!("/api/v1/group/group/{group}/"),
                "person": format!("/api/v1/person/person/{person}/"),
                "email": format!("/api/v1/person/email/p{person}%2Btag@Example.org/"),
                "resource_uri": format!("/api/v1/group/role/{id}/"),
            })
        };
        let roles = [
            role(10, "chair", 1, 100),
            role(11, "chair", 1, 101),
            role(12, "chair", 3, 100),
            role(13, "chair", 2, 100),
            role(14, "secr", 1, 100),
            json!({"id": 15, "resource_uri": "/api/v1/group/role/15/"}),
        ];
        assert_eq!(people_named(&roles), [100, 101].into());
        let people = [json!({
            "id": 100, "name": "Pat Chair", "ascii": "Pat Chair",
            "resource_uri": "/api/v1/person/person/100/"
        })];
        let r = Registry::parse("stub", &groups, &roles, &people);
        assert_eq!(r.roles.len(), 1);
        assert_eq!(r.roles[0].email.as_deref(), Some("p100+tag@example.org"));
        assert!(
            r.lists(1, RoleName::Chair, 101),
            "a missing person is still listed"
        );
        let reasons: Vec<(&str, &str)> = r
            .skipped
            .iter()
            .map(|s| (s.uri.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 4, "{reasons:#?}");
        assert!(reasons[0].0.ends_with("/group/2/"));
        assert!(reasons[1].0.ends_with("/role/11/") && reasons[1].1.contains("does not exist"));
        assert!(
            reasons[2].0.ends_with("/role/12/")
                && reasons[2].1.contains("group that does not exist")
        );
        assert!(reasons[3].0.ends_with("/role/15/") && reasons[3].1.contains("not a role record"));
    }
}
