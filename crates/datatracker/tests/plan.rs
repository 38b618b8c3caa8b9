//! The mapping from the Datatracker's records to the policy's commands
//! (FORUM-5), decided by the policy itself: what a sync asks for is recorded
//! through `decide`, as modpod's sync records it (`system`), and what was set
//! by hand (an operator) is never changed, only reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use modpod_datatracker::{Provenance, Registry, plan};
use modpod_policy::ids::{ForumId, PersonId, WgId};
use modpod_policy::model::{Capacity, Identity, IdentityKind, Organisation, Role};
use modpod_policy::{Actor, Command, State, decide};
use serde_json::{Value, json};

fn p(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}
fn f(s: &str) -> ForumId {
    ForumId::parse(s).unwrap()
}
fn wg(s: &str) -> WgId {
    WgId::parse(s).unwrap()
}

/// A modpod log in memory: the state, who set what, and a clock.
struct Modpod {
    state: State,
    provenance: Provenance,
    seq: u64,
    now: Timestamp,
}

impl Modpod {
    fn new() -> Modpod {
        let mut m = Modpod {
            state: State::default(),
            provenance: Provenance::default(),
            seq: 0,
            now: "2026-12-01T00:00:00Z".parse().unwrap(),
        };
        m.by_hand(Command::Bootstrap {
            operator: p("op"),
            name: "Operator".into(),
        });
        m
    }

    fn record(&mut self, actor: &Actor, command: &Command) {
        let decision = decide(&self.state, actor, command, self.now)
            .unwrap_or_else(|r| panic!("{} refused: {r}", command.name()));
        for event in &decision.events {
            self.seq += 1;
            self.state.apply(event);
            self.provenance
                .observe(self.seq, actor.person.as_str(), event);
        }
    }

    fn by_hand(&mut self, command: Command) {
        self.record(&Actor::new(p("op"), Capacity::Operator), &command);
    }

    /// Plans a sync and records it as modpod's sync does; returns the plan.
    fn sync(&mut self, registry: &Registry) -> modpod_datatracker::Plan {
        let plan = plan(registry, &self.state, &self.provenance);
        let system = Actor::new(PersonId::system(), Capacity::System);
        for command in &plan.commands {
            self.record(&system, command);
        }
        plan
    }
}

fn group(id: u64, acronym: &str, kind: &str, state: &str, parent: Option<u64>) -> Value {
    json!({
        "id": id, "acronym": acronym, "name": format!("{} group", acronym.to_uppercase()),
        "type": format!("/api/v1/name/grouptypename/{kind}/"),
        "state": format!("/api/v1/name/groupstatename/{state}/"),
        "parent": parent.map(|p| format!("/api/v1/group/group/{p}/")),
        "list_email": if kind == "area" { json!("") } else {
            json!(format!("{acronym}@{}.org", if kind == "rg" { "irtf" } else { "ietf" }))
        },
        "list_archive": "",
        "resource_uri": format!("/api/v1/group/group/{id}/"),
    })
}

fn role(id: u64, name: &str, group: u64, person: u64) -> Value {
    json!({
        "id": id, "name": format!("/api/v1/name/rolename/{name}/"),
        "group": format!("/api/v1/group/group/{group}/"),
        "person": format!("/api/v1/person/person/{person}/"),
        "email": format!("/api/v1/person/email/person{person}@example.org/"),
        "resource_uri": format!("/api/v1/group/role/{id}/"),
    })
}

fn person(id: u64) -> Value {
    json!({
        "id": id, "name": format!("Person {id}"), "ascii": format!("Person {id}"),
        "resource_uri": format!("/api/v1/person/person/{id}/"),
    })
}

/// A small registry: the sec area (one AD, 1), the ops area (two ADs, 2
/// and 3), the tls and quic working groups in sec, opsawg in ops, and a
/// research group.
fn registry(extra_groups: &[Value], roles: &[Value]) -> Registry {
    let mut groups = vec![
        group(1, "sec", "area", "active", None),
        group(2, "ops", "area", "active", None),
        group(10, "tls", "wg", "active", Some(1)),
        group(11, "quic", "wg", "active", Some(1)),
        group(12, "opsawg", "wg", "active", Some(2)),
        group(13, "cfrg", "rg", "active", None),
    ];
    groups.extend_from_slice(extra_groups);
    let mut all_roles = vec![
        role(100, "ad", 1, 1),
        role(101, "ad", 2, 2),
        role(102, "ad", 2, 3),
        role(103, "chair", 10, 10),
        role(104, "chair", 10, 11),
        role(105, "delegate", 10, 12),
        role(106, "chair", 11, 13),
        role(107, "ad", 11, 2),
        role(108, "chair", 12, 14),
        role(109, "chair", 13, 15),
    ];
    all_roles.extend_from_slice(roles);
    let people: Vec<Value> = (1..=20).map(person).collect();
    Registry::parse("https://datatracker.example", &groups, &all_roles, &people)
}

fn holders(m: &Modpod, role: Role) -> Vec<String> {
    m.state.holders(&role).map(ToString::to_string).collect()
}

#[test]
fn forum_5_an_empty_modpod_gets_the_groups_lists_chairs_delegates_and_ads_and_a_second_sync_asks_nothing()
 {
    let mut m = Modpod::new();
    let reg = registry(&[], &[]);
    let first = m.sync(&reg);
    assert!(first.conflicts.is_empty(), "{:#?}", first.conflicts);
    assert!(first.skipped.is_empty(), "{:#?}", first.skipped);

    // People, with their Datatracker id and role address.
    let ten = p("dt-10");
    let identity = |kind, v: &str| Identity::new(kind, v).unwrap();
    assert_eq!(
        m.state
            .person_with(&identity(IdentityKind::Email, "person10@example.org")),
        Some(&ten)
    );
    assert_eq!(
        m.state
            .person_with(&identity(IdentityKind::Datatracker, "10")),
        Some(&ten)
    );
    assert_eq!(m.state.people[&ten].name, "Person 10");

    // Working groups, their lists, chairs and delegates (ROLE-2).
    let tls = m.state.fora[&f("tls@ietf.org")].clone();
    assert_eq!(tls.kind, "mailing-list");
    assert!(tls.public && !tls.plenary);
    assert_eq!(tls.organisation, Organisation::Ietf);
    assert_eq!(
        m.state.administrators(&tls),
        [p("dt-10"), p("dt-11"), p("dt-12")].into()
    );
    assert_eq!(m.state.working_groups[&wg("tls")].name, "TLS group");
    assert_eq!(
        m.state.working_groups[&wg("tls")].area.as_deref(),
        Some("sec")
    );
    // The IRTF's group is the IRTF's (FORUM-2).
    let cfrg = &m.state.fora[&f("cfrg@irtf.org")];
    assert_eq!(cfrg.organisation, Organisation::Irtf);
    assert!(!m.state.policy_applies(cfrg));

    // ADs (FORUM-4, APPEAL-1): the area's only AD; the group's own AD; with
    // two area ADs and none of its own, none, so the IETF chair hears
    // disagreements.
    assert_eq!(
        holders(&m, Role::AreaDirector { area: "ops".into() }),
        ["dt-2", "dt-3"]
    );
    assert_eq!(m.state.responsible_ad(&tls), Some(p("dt-1")));
    let quic = m.state.fora[&f("quic@ietf.org")].clone();
    assert_eq!(m.state.responsible_ad(&quic), Some(p("dt-2")));
    let opsawg = m.state.fora[&f("opsawg@ietf.org")].clone();
    assert_eq!(m.state.responsible_ad(&opsawg), None);
    assert_eq!(
        m.state.first_appeal_on(&[f("opsawg@ietf.org")]).0,
        modpod_policy::model::AppealLevel::IetfChair
    );

    // A second sync with nothing changed asks for nothing.
    let second = m.sync(&reg);
    assert!(second.commands.is_empty(), "{:#?}", second.changes);
    assert!(second.conflicts.is_empty());
}

#[test]
fn forum_5_a_chair_who_steps_down_stops_administering_a_new_group_appears_a_concluded_group_closes()
{
    let mut m = Modpod::new();
    m.sync(&registry(
        &[group(14, "old", "wg", "active", Some(1))],
        &[role(110, "chair", 14, 16)],
    ));
    assert!(m.state.fora.contains_key(&f("old@ietf.org")));

    // dt-11 steps down as tls chair and dt-17 takes over; the delegate goes;
    // "new" is chartered; "old" concludes.
    let mut next = registry(
        &[
            group(14, "old", "wg", "conclude", Some(1)),
            group(15, "new", "wg", "active", Some(1)),
        ],
        &[role(111, "chair", 15, 18)],
    );
    next.roles
        .retain(|r| r.uri != "/api/v1/group/role/104/" && r.uri != "/api/v1/group/role/105/");
    next.listed
        .retain(|&(g, _, person)| !(g == 10 && (person == 11 || person == 12)));
    let chair17 = Registry::parse(
        "x",
        &[group(10, "tls", "wg", "active", Some(1))],
        &[role(112, "chair", 10, 17)],
        &[person(17)],
    );
    next.roles.extend(chair17.roles);
    next.listed.extend(chair17.listed);
    let plan = m.sync(&next);
    assert!(plan.conflicts.is_empty(), "{:#?}", plan.conflicts);
    let tls = m.state.fora[&f("tls@ietf.org")].clone();
    assert_eq!(
        m.state.administrators(&tls),
        [p("dt-10"), p("dt-17")].into()
    );
    assert!(m.state.fora.contains_key(&f("new@ietf.org")));
    assert_eq!(holders(&m, Role::WgChair { wg: wg("new") }), ["dt-18"]);
    assert!(m.state.closed_since(&f("old@ietf.org")).is_some());
    assert!(m.state.closed_since(&f("tls@ietf.org")).is_none());
    // The concluded group's chair is no longer listed: no longer its chair.
    assert!(holders(&m, Role::WgChair { wg: wg("old") }).is_empty());
    assert!(m.sync(&next).commands.is_empty());
}

#[test]
fn forum_5_what_was_set_by_hand_and_disagrees_is_a_conflict_and_is_left_as_it_is() {
    let mut m = Modpod::new();
    // Set up by hand before any sync: tls with another AD, a chair the
    // Datatracker does not list, and its list as a non-public forum.
    m.by_hand(Command::RegisterPerson {
        person: p("hand-ad"),
        name: "Hand AD".into(),
        time_zone: None,
    });
    m.by_hand(Command::RegisterPerson {
        person: p("hand-chair"),
        name: "Hand Chair".into(),
        time_zone: None,
    });
    // Known to modpod by the address the Datatracker gives person 10.
    m.by_hand(Command::RegisterPerson {
        person: p("ten"),
        name: "Ten by hand".into(),
        time_zone: None,
    });
    m.by_hand(Command::LinkIdentity {
        person: p("ten"),
        identity: Identity::new(IdentityKind::Email, "Person10@Example.org").unwrap(),
    });
    m.by_hand(Command::CreateWorkingGroup {
        wg: wg("tls"),
        name: "TLS group".into(),
        area: Some("sec".into()),
        responsible_ad: Some(p("hand-ad")),
    });
    m.by_hand(Command::CreateForum {
        forum: f("quic@ietf.org"),
        name: "QUIC".into(),
        kind: "mailing-list".into(),
        organisation: Organisation::Ietf,
        public: false,
        plenary: false,
        wg: None,
        responsible_ad: None,
    });
    m.by_hand(Command::GrantRole {
        person: p("hand-chair"),
        role: Role::WgChair { wg: wg("tls") },
    });
    let reg = registry(&[], &[]);
    let plan = m.sync(&reg);
    let about: Vec<&str> = plan.conflicts.iter().map(|c| c.about.as_str()).collect();
    assert_eq!(
        about,
        [
            "working group tls",
            "chair of tls: hand-chair",
            "forum quic@ietf.org"
        ],
        "{:#?}",
        plan.conflicts
    );
    assert!(plan.conflicts[0].modpod.contains("responsible AD hand-ad"));
    assert!(
        plan.conflicts[0]
            .datatracker
            .contains("responsible AD dt-1")
    );
    assert_eq!(plan.conflicts[0].uri, "/api/v1/group/group/10/");
    // Nothing set by hand changed.
    assert_eq!(
        m.state.working_groups[&wg("tls")].responsible_ad,
        Some(p("hand-ad"))
    );
    assert!(
        m.state
            .holds(&p("hand-chair"), &Role::WgChair { wg: wg("tls") })
    );
    assert!(!m.state.fora[&f("quic@ietf.org")].public);
    // The person known by address is the Datatracker's person 10, now linked.
    assert!(m.state.holds(&p("ten"), &Role::WgChair { wg: wg("tls") }));
    assert!(!m.state.people.contains_key(&p("dt-10")));

    // A chair revoked by hand is not granted again; a forum closed by hand
    // is not opened again: both are conflicts.
    m.by_hand(Command::RevokeRole {
        person: p("dt-11"),
        role: Role::WgChair { wg: wg("tls") },
    });
    m.by_hand(Command::CloseForum {
        forum: f("opsawg@ietf.org"),
        reason: "closed while the group moves".into(),
    });
    let plan = m.sync(&reg);
    assert!(plan.commands.is_empty(), "{:#?}", plan.changes);
    let about: Vec<&str> = plan.conflicts.iter().map(|c| c.about.as_str()).collect();
    assert!(about.contains(&"chair of tls: dt-11"), "{about:?}");
    assert!(about.contains(&"forum opsawg@ietf.org"), "{about:?}");
    assert!(!m.state.holds(&p("dt-11"), &Role::WgChair { wg: wg("tls") }));
}
