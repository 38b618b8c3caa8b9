//! Who is who (ROLE-1..3) and fora (FORUM-1..4).

use crate::world::*;
use Capacity::{Administrator, Iesg, Moderator, Operator, Participant};

#[test]
fn fixture_is_the_ietf_it_claims_to_be() {
    let w = World::ietf();
    assert_eq!(w.state.moderators.len(), 5);
    assert!(
        w.state.team_warnings().is_empty(),
        "{:?}",
        w.state.team_warnings()
    );
    assert_eq!(
        w.state.administrators(w.forum_record("tls@")),
        [p("alice")].into()
    );
    assert!(w.state.moderators_administer(w.forum_record("ietf@")));
    assert!(!w.state.moderators_administer(w.forum_record("tls@")));
    // The log replays to the same state.
    let mut replayed = State::default();
    for e in &w.log {
        replayed.apply(e);
    }
    assert_eq!(replayed, w.state);
}

#[test]
fn role_1_acting_in_a_capacity_not_held_is_refused() {
    let mut w = World::ietf();
    let r = w.refused("bob", Moderator, admonish("carol", &["ietf@"]));
    assert_eq!(r.requirement(), "ROLE-1");
    assert_says(&r, "bob does not hold the role of moderator");
    let r = w.refused(
        "bob",
        Iesg,
        Command::AppointModerator { person: p("carol") },
    );
    assert_eq!(r.requirement(), "ROLE-1");
    // Holding another body's role is not sitting on the IESG.
    for person in ["iab_member", "alice", "llc_board"] {
        let r = w.refused(
            person,
            Iesg,
            Command::AppointModerator { person: p("carol") },
        );
        assert_eq!(r.requirement(), "ROLE-1", "{person}");
    }
    let r = w.refused(
        "bob",
        Capacity::System,
        Command::EscalateReport {
            report: ReportId(0),
        },
    );
    assert_eq!(r.requirement(), "ROLE-1");
}

#[test]
fn role_1_each_capacity_is_read_back_from_its_name() {
    for c in Capacity::ALL {
        assert_eq!(c.as_str().parse::<Capacity>(), Ok(c));
    }
    let e = "chair".parse::<Capacity>().expect_err("not a capacity");
    assert!(e.contains("\"chair\" is not a capacity"), "{e}");
}

#[test]
fn role_1_the_scheduler_s_name_carries_no_capacity_but_the_scheduler_s() {
    let mut w = World::ietf();
    // Nobody may register as `system` now, but an older log might hold such a
    // record: even then the name is the scheduler's, not a participant's.
    w.state.apply(&Event::PersonRegistered {
        person: PersonId::system(),
        name: "A person named system".into(),
        time_zone: None,
    });
    let r = w.refused("system", Participant, report("tls@", "carol", "uncivil"));
    assert_eq!(r.requirement(), "ROLE-1");
    assert_says(&r, "system does not hold the role of participant");
}

#[test]
fn role_1_a_person_forum_or_group_is_named_by_a_sound_identifier() {
    for bad in [
        "",
        "bob smith",
        "tab\there",
        "line\nbreak",
        &"x".repeat(129),
    ] {
        assert!(PersonId::parse(bad).is_err(), "{bad:?}");
        assert!(ForumId::parse(bad).is_err(), "{bad:?}");
        assert!(WgId::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        PersonId::parse(&"x".repeat(128)).map(|id| id.as_str().len()),
        Ok(128)
    );
    // A command read from a file with a malformed name is not a command.
    let read: Result<Command, _> = serde_json::from_str(
        r#"{"command": "register_person", "person": "bob smith", "name": "Bob", "time_zone": null}"#,
    );
    let e = read.expect_err("a name with a space is not a person id");
    assert!(e.to_string().contains("not a valid identifier"), "{e}");
    let read: Result<Command, _> = serde_json::from_str(
        r#"{"command": "register_person", "person": "bob", "name": "Bob", "time_zone": null}"#,
    );
    assert!(read.is_ok(), "{read:?}");
}

#[test]
fn role_1_permissions_follow_the_role_held_for_that_forum() {
    // alice is tls chair and, here, also a moderator: each capacity has its own reach.
    let mut w = World::ietf();
    w.ok(
        "ad_sec",
        Iesg,
        Command::AppointModerator { person: p("alice") },
    );
    w.at("2026-03-01T10:00:00Z");
    w.take("alice", Administrator, admonish("carol", &["tls@"]));
    w.take("alice", Moderator, admonish("carol", &["ietf@"]));
    let r = w.refused("alice", Administrator, admonish("carol", &["ietf@"]));
    assert_eq!(r.requirement(), "ACT-2");
    assert_says(&r, "alice does not administer ietf@");
    let r = w.refused("alice", Moderator, admonish("carol", &["tls@"]));
    assert_eq!(r.requirement(), "ACT-2");
    // Someone acting as an operator is not thereby an administrator.
    let r = w.refused("op", Operator, admonish("carol", &["tls@"]));
    assert_eq!(r.requirement(), "ACT-2");
}

#[test]
fn role_1_only_the_operator_sets_up_people_and_roles() {
    let mut w = World::ietf();
    let r = w.refused(
        "m1",
        Moderator,
        Command::GrantRole {
            person: p("bob"),
            role: Role::WgChair { wg: wg("tls") },
        },
    );
    assert_eq!(r.requirement(), "ROLE-1");
    assert_says(&r, "granting roles");
    let ev = w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("bob"),
            role: Role::WgChair { wg: wg("tls") },
        },
    );
    assert_eq!(
        ev,
        vec![Event::RoleGranted {
            person: p("bob"),
            role: Role::WgChair { wg: wg("tls") }
        }]
    );
}

#[test]
fn role_2_a_wg_chair_administers_every_public_forum_of_their_wg() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    for forum in ["tls@", "tls-chat"] {
        let a = w.take(
            "alice",
            Administrator,
            suspend_until("carol", &[forum], "2026-03-04T10:00:00Z"),
        );
        assert_eq!(w.action(a).taken_as, Administrator);
    }
    // ...but not another WG's fora, nor the plenary list.
    for forum in ["quic@", "ietf@"] {
        let r = w.refused(
            "alice",
            Administrator,
            suspend_until("carol", &[forum], "2026-03-04T10:00:00Z"),
        );
        assert_eq!(r.requirement(), "ACT-2");
        assert_says(&r, forum);
    }
    // The chairs of a WG administer only its *public* fora.
    let chairs_list = w.forum_record("tls-chairs@").clone();
    w.ok(
        "op",
        Operator,
        Command::RevokeRole {
            person: p("alice"),
            role: Role::ForumAdministrator {
                forum: f("tls-chairs@"),
            },
        },
    );
    assert!(!w.state.is_administrator(&p("alice"), &chairs_list));
}

#[test]
fn role_2_delegation_is_recorded_and_gives_the_delegate_administration() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let r = w.refused("carol", Administrator, admonish("bob", &["tls@"]));
    assert_eq!(r.requirement(), "ACT-2");
    let ev = w.ok(
        "alice",
        Administrator,
        Command::DelegateAdministration {
            forum: f("tls@"),
            to: p("carol"),
        },
    );
    assert_eq!(
        ev,
        vec![Event::AdministrationDelegated {
            forum: f("tls@"),
            to: p("carol"),
            by: p("alice")
        }]
    );
    assert!(w.forum_record("tls@").delegates.contains(&Delegation {
        to: p("carol"),
        by: p("alice")
    }));
    w.take("carol", Administrator, admonish("bob", &["tls@"]));
    // The chair stays responsible: still an administrator, still handles reports.
    let rep = w.file_report("erin", "tls@", "bob", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    // Revoking ends it, again on the record.
    let ev = w.ok(
        "alice",
        Administrator,
        Command::RevokeDelegation {
            forum: f("tls@"),
            to: p("carol"),
        },
    );
    assert_eq!(
        ev,
        vec![Event::DelegationRevoked {
            forum: f("tls@"),
            to: p("carol")
        }]
    );
    let r = w.refused("carol", Administrator, admonish("bob", &["tls@"]));
    assert_eq!(r.requirement(), "ACT-2");
}

#[test]
fn role_2_only_the_wgs_chairs_may_delegate() {
    let mut w = World::ietf();
    let r = w.refused(
        "dave",
        Administrator,
        Command::DelegateAdministration {
            forum: f("tls@"),
            to: p("carol"),
        },
    );
    assert_eq!(r.requirement(), "ROLE-2");
    assert_says(&r, "tls@");
    // A delegate cannot pass administration on.
    w.ok(
        "alice",
        Administrator,
        Command::DelegateAdministration {
            forum: f("tls@"),
            to: p("carol"),
        },
    );
    let r = w.refused(
        "carol",
        Administrator,
        Command::DelegateAdministration {
            forum: f("tls@"),
            to: p("bob"),
        },
    );
    assert_eq!(r.requirement(), "ROLE-2");
    let r = w.refused(
        "bob",
        Participant,
        Command::DelegateAdministration {
            forum: f("tls@"),
            to: p("bob"),
        },
    );
    assert_eq!(r.requirement(), "ROLE-2");
}

#[test]
fn role_3_moderators_administer_plenary_fora() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    for forum in ["ietf@", "last-call@", "ietf-chat"] {
        let a = w.take(
            "m1",
            Moderator,
            suspend_until("carol", &[forum], "2026-03-04T10:00:00Z"),
        );
        assert_eq!(w.action(a).terms.fora, fora(&[forum]));
    }
    // They handle its reports without any escalation.
    let rep = w.file_report("bob", "ietf@", "carol", "off-topic");
    w.ok("m2", Moderator, Command::AcknowledgeReport { report: rep });
}

#[test]
fn role_3_moderators_administer_a_plenary_forum_even_beside_named_administrators() {
    // The secretariat (erin, here) runs ietf@'s list software: the moderators
    // are still its administrators under the policy.
    let mut w = World::ietf();
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("erin"),
            role: Role::ForumAdministrator { forum: f("ietf@") },
        },
    );
    w.at("2026-03-01T10:00:00Z");
    w.take("m1", Moderator, admonish("carol", &["ietf@"]));
    let rep = w.file_report("bob", "ietf@", "carol", "off-topic");
    w.ok("m2", Moderator, Command::AcknowledgeReport { report: rep });
}

#[test]
fn role_3_moderators_administer_a_forum_without_administrators() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let notes = f("github:ietf/notes");
    let a = w.take("m1", Moderator, admonish("carol", &["github:ietf/notes"]));
    assert!(w.state.moderated_fora().contains(&notes));
    // Once the repository has an administrator, it is theirs: the state
    // asked before forgets its answer when the grant is applied.
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("dave"),
            role: Role::ForumAdministrator {
                forum: f("github:ietf/notes"),
            },
        },
    );
    assert!(!w.state.moderated_fora().contains(&notes));
    assert!(w.state.moderated_fora().contains(&f("ietf@")));
    let r = w.refused("m1", Moderator, admonish("carol", &["github:ietf/notes"]));
    assert_eq!(r.requirement(), "ACT-2");
    assert_says(&r, "github:ietf/notes has administrators");
    let rep = w.file_report("bob", "github:ietf/notes", "carol", "off-topic");
    assert_eq!(w.state.actions_citing(rep).count(), 0);
    let citing = w.take(
        "dave",
        Administrator,
        citing(admonish("carol", &["github:ietf/notes"]), &[rep]),
    );
    let cited: Vec<ActionId> = w.state.actions_citing(rep).map(|a| a.id).collect();
    assert_eq!(cited, [citing]);
    assert_ne!(a, citing);
}

#[test]
fn forum_1_new_kinds_of_forum_need_no_code() {
    let mut w = World::ietf();
    w.ok(
        "op",
        Operator,
        Command::CreateForum {
            forum: f("ietf-wiki"),
            name: "IETF wiki".into(),
            kind: "wiki".into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: None,
            responsible_ad: None,
        },
    );
    w.ok(
        "op",
        Operator,
        Command::CreateForum {
            forum: f("tls-forge"),
            name: "A forge nobody has heard of yet".into(),
            kind: "some-new-forge".into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: Some(wg("tls")),
            responsible_ad: None,
        },
    );
    w.at("2026-03-01T10:00:00Z");
    w.take("m1", Moderator, admonish("carol", &["ietf-wiki"]));
    w.take("alice", Administrator, admonish("carol", &["tls-forge"]));
}

#[test]
fn forum_2_actions_on_an_irtf_forum_are_refused() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let r = w.refused("m1", Moderator, suspend("carol", &["cfrg@"]));
    assert_eq!(r.requirement(), "FORUM-2");
    assert_says(&r, "cfrg@ belongs to the IRTF");
    // Also hidden among IETF fora.
    let r = w.refused("m1", Moderator, suspend("carol", &["ietf@", "cfrg@"]));
    assert_eq!(r.requirement(), "FORUM-2");
    // And reports under this policy.
    let r = w.refused("bob", Participant, report("cfrg@", "carol", "uncivil"));
    assert_eq!(r.requirement(), "FORUM-2");
    assert_says(&r, "has not opted in");
}

#[test]
fn forum_2_an_opted_in_body_s_fora_are_covered() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let r = w.refused(
        "bob",
        Participant,
        Command::OptIn {
            organisation: Organisation::Irtf,
            reference: "IRTF chair email".into(),
        },
    );
    assert_eq!(r.requirement(), "FORUM-2");
    let ev = w.ok(
        "op",
        Operator,
        Command::OptIn {
            organisation: Organisation::Irtf,
            reference: "IRTF chair email of 2026-02-01".into(),
        },
    );
    assert_eq!(kinds(&ev), ["opted_in"]);
    // A body opts in once; the IETF's own fora need none.
    for organisation in [Organisation::Irtf, Organisation::Ietf] {
        let r = w.refused(
            "op",
            Operator,
            Command::OptIn {
                organisation: organisation.clone(),
                reference: "again".into(),
            },
        );
        assert_eq!(r.code(), "exists", "{organisation}");
    }
    w.take("m1", Moderator, suspend("carol", &["cfrg@"]));
    w.file_report("bob", "cfrg@", "carol", "uncivil");
    // Other bodies stay excluded.
    w.forum_for_iab();
    let r = w.refused("m1", Moderator, suspend("carol", &["iab-discuss@"]));
    assert_eq!(r.requirement(), "FORUM-2");
    assert_says(&r, "IAB");
}

impl World {
    fn forum_for_iab(&mut self) {
        self.ok(
            "op",
            Capacity::Operator,
            Command::CreateForum {
                forum: f("iab-discuss@"),
                name: "IAB discussion".into(),
                kind: "mailing-list".into(),
                organisation: Organisation::Iab,
                public: true,
                plenary: false,
                wg: None,
                responsible_ad: None,
            },
        );
    }
}

#[test]
fn forum_3_moderators_do_not_moderate_a_non_public_forum() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let r = w.refused("m1", Moderator, admonish("carol", &["tls-chairs@"]));
    assert_eq!(r.requirement(), "FORUM-3");
    assert_says(&r, "tls-chairs@ is not a public forum");
    // Its own administrators may still use the tool.
    w.take("alice", Administrator, admonish("carol", &["tls-chairs@"]));
    // A report there goes to its administrators, not to the moderator team.
    let ev = w.ok(
        "bob",
        Participant,
        report("tls-chairs@", "carol", "uncivil"),
    );
    assert_eq!(recipients(&ev), vec![to_admins("tls-chairs@")]);
    let rep = filed_report(&ev);
    let r = w.refused("m1", Moderator, Command::AcknowledgeReport { report: rep });
    assert_eq!(r.requirement(), "FORUM-3");
}

#[test]
fn forum_4_each_forum_knows_its_responsible_ad() {
    let w = World::ietf();
    let ad = |id: &str| w.state.responsible_ad(w.forum_record(id));
    assert_eq!(ad("tls@"), Some(p("ad_sec")), "inherited from the tls WG");
    assert_eq!(ad("tls-chat"), Some(p("ad_sec")));
    assert_eq!(ad("quic@"), Some(p("ad_tsv")), "set on the forum itself");
    assert_eq!(ad("ietf@"), None);
    assert_eq!(ad("github:ietf/notes"), None);
}

#[test]
fn forum_4_an_unknown_ad_is_refused_when_creating_a_forum() {
    let mut w = World::ietf();
    let r = w.refused(
        "op",
        Operator,
        Command::CreateForum {
            forum: f("x@"),
            name: "x".into(),
            kind: "mailing-list".into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: None,
            responsible_ad: Some(p("nobody")),
        },
    );
    assert_eq!(r.requirement(), "INPUT");
    assert_says(&r, "there is no person nobody");
}

#[test]
fn role_1_an_unknown_person_is_refused_as_unknown_the_system_as_not_holding_the_role() {
    let mut w = World::ietf();
    let r = w.refused(
        "stranger",
        Capacity::Participant,
        report("tls@", "carol", "uncivil"),
    );
    assert_eq!(
        r,
        Refusal::Unknown {
            what: "person",
            id: "stranger".into()
        }
    );
    // The scheduler is known, and holds no capacity but its own.
    let r = w.refused("system", Capacity::Moderator, suspend("carol", &["ietf@"]));
    assert_eq!(r.requirement(), "ROLE-1");
    assert_eq!(r.code(), "not_permitted");
}

#[test]
fn role_1_the_first_event_makes_its_own_actor_the_first_operator_and_nobody_else() {
    let mut w = World::empty(FIXTURE_TIME);
    let bootstrap = |operator: &str| Command::Bootstrap {
        operator: p(operator),
        name: "Olly Operator".into(),
    };
    for (actor, capacity, operator) in [
        ("system", Capacity::Operator, "system"),
        ("op", Capacity::Operator, "someone_else"),
        ("op", Capacity::Participant, "op"),
    ] {
        let r = w.refused(actor, capacity, bootstrap(operator));
        assert_eq!(
            r.requirement(),
            "ROLE-1",
            "{actor} as {capacity} naming {operator}"
        );
    }
    w.ok("op", Capacity::Operator, bootstrap("op"));
    assert!(w.state.holds(&p("op"), &Role::Operator));
    let r = w.refused("op", Capacity::Operator, bootstrap("op"));
    assert_eq!(r.requirement(), "AUDIT-1");
}

#[test]
fn role_1_nobody_is_registered_twice_nor_as_the_scheduler() {
    let mut w = World::ietf();
    for person in ["bob", "system"] {
        let r = w.refused(
            "op",
            Capacity::Operator,
            Command::RegisterPerson {
                person: p(person),
                name: "A second one".into(),
                time_zone: None,
            },
        );
        assert_eq!(
            r,
            Refusal::Exists {
                what: "person",
                id: person.into()
            }
        );
    }
}

#[test]
fn role_1_a_role_for_a_forum_group_or_area_names_one_that_exists() {
    let mut w = World::ietf();
    let grant = |role| Command::GrantRole {
        person: p("bob"),
        role,
    };
    let r = w.refused(
        "op",
        Capacity::Operator,
        grant(Role::ForumAdministrator {
            forum: f("nowhere@"),
        }),
    );
    assert_eq!(
        r,
        Refusal::Unknown {
            what: "forum",
            id: "nowhere@".into()
        }
    );
    let r = w.refused(
        "op",
        Capacity::Operator,
        grant(Role::WgChair { wg: wg("nowg") }),
    );
    assert_eq!(
        r,
        Refusal::Unknown {
            what: "working group",
            id: "nowg".into()
        }
    );
    let r = w.refused(
        "op",
        Capacity::Operator,
        grant(Role::AreaDirector {
            area: "sec\nand more".into(),
        }),
    );
    assert_eq!(r.requirement(), "INPUT");
    assert_eq!(r.code(), "invalid");
    // Named rightly, each is granted.
    for role in [
        Role::ForumAdministrator { forum: f("quic@") },
        Role::WgChair { wg: wg("quic") },
        Role::AreaDirector { area: "art".into() },
    ] {
        w.ok("op", Capacity::Operator, grant(role));
    }
}

#[test]
fn role_1_an_identity_is_known_by_its_kind_and_its_normalised_value() {
    let w = World::ietf();
    let carol = email("Carol@Example.org");
    assert_eq!(carol.to_string(), "email:carol@example.org");
    assert_eq!(carol.key(), carol.to_string());
    assert_eq!(
        w.state.identities.get("email:carol@example.org"),
        Some(&p("carol"))
    );
    for (kind, name) in [
        (IdentityKind::Chat, "chat"),
        (IdentityKind::Github, "github"),
        (IdentityKind::Datatracker, "datatracker"),
    ] {
        let identity = Identity::new(kind, "carol").unwrap();
        assert_eq!(identity.to_string(), format!("{name}:carol"));
    }
}

#[test]
fn a_requirement_reads_and_compares_as_its_id_and_as_nothing_else() {
    use modpod_policy::Requirement;
    for r in Requirement::ALL {
        assert_eq!(r.to_string(), r.id());
        assert_eq!(r.id().parse::<Requirement>(), Ok(*r));
        assert!(*r == r.id() && r.id() == *r);
    }
    // Every test that compares a refusal's requirement with an id relies on
    // these being false.
    assert!(Requirement::Act2 != "ACT-3");
    assert!("ACT-3" != Requirement::Act2);
    assert!("ROLE-1".parse::<Requirement>().unwrap() != "ROLE-2");
}

#[test]
fn role_2_who_administers_any_forum_is_who_administers_one_of_them() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let one_of_them = |w: &World, who: &str| {
        w.state
            .fora
            .values()
            .any(|forum| w.state.is_administrator(&p(who), forum))
    };
    // alice chairs tls, dave chairs quic; the moderators, the AD and the
    // participants administer nothing; carol does once alice delegates tls@
    // to her, and no longer once it is revoked.
    let check = |w: &World| {
        for who in ["alice", "dave", "carol", "bob", "m1", "ad_sec", "op"] {
            assert_eq!(
                w.state.administers_any(&p(who)),
                one_of_them(w, who),
                "{who}"
            );
        }
    };
    check(&w);
    assert!(w.state.administers_any(&p("alice")));
    assert!(!w.state.administers_any(&p("carol")));
    assert!(!w.state.administers_any(&p("m1")));
    let delegation = |to: &str| Command::DelegateAdministration {
        forum: f("tls@"),
        to: p(to),
    };
    w.ok("alice", Administrator, delegation("carol"));
    check(&w);
    assert!(w.state.administers_any(&p("carol")));
    w.ok(
        "alice",
        Administrator,
        Command::RevokeDelegation {
            forum: f("tls@"),
            to: p("carol"),
        },
    );
    check(&w);
    assert!(!w.state.administers_any(&p("carol")));
}
