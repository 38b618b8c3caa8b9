//! The moderator team (TEAM-1..3).

use crate::world::*;
use Capacity::{Iesg, Moderator, Operator, Participant};

#[test]
fn team_1_the_iesg_appoints_a_moderator_on_the_record() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let ev = w.ok(
        "ietf_chair",
        Iesg,
        Command::AppointModerator { person: p("erin") },
    );
    assert_eq!(
        ev,
        vec![Event::ModeratorAppointed {
            person: p("erin"),
            at: ts("2026-03-01T10:00:00Z")
        }]
    );
    assert!(w.state.is_moderator(&p("erin")));
    w.take("erin", Moderator, admonish("carol", &["ietf@"]));
}

#[test]
fn team_1_nobody_but_the_iesg_appoints_or_recalls() {
    let mut w = World::ietf();
    for (who_, cap) in [("m1", Moderator), ("op", Operator), ("bob", Participant)] {
        let r = w.refused(who_, cap, Command::AppointModerator { person: p("erin") });
        assert_eq!(r.requirement(), "TEAM-1", "{who_} as {cap}");
        assert_says(&r, "appointing moderators is for: iesg");
        let r = w.refused(
            who_,
            cap,
            Command::RecallModerator {
                person: p("m2"),
                reason: "absent".into(),
            },
        );
        assert_eq!(r.requirement(), "TEAM-1");
    }
}

#[test]
fn team_1_a_recall_is_recorded_and_ends_the_moderator_s_powers() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    w.ok(
        "ad_sec",
        Iesg,
        Command::AppointModerator { person: p("erin") },
    );
    let ev = w.ok(
        "ad_sec",
        Iesg,
        Command::RecallModerator {
            person: p("m5"),
            reason: "has not responded in six months".into(),
        },
    );
    assert_eq!(
        ev,
        vec![Event::ModeratorRecalled {
            person: p("m5"),
            at: ts("2026-03-01T10:00:00Z"),
            reason: "has not responded in six months".into()
        }]
    );
    let r = w.refused("m5", Moderator, admonish("carol", &["ietf@"]));
    assert_eq!(r.requirement(), "ROLE-1");
}

#[test]
fn team_2_an_ad_cannot_be_appointed_a_moderator() {
    let mut w = World::ietf();
    let r = w.refused(
        "ietf_chair",
        Iesg,
        Command::AppointModerator {
            person: p("ad_sec"),
        },
    );
    assert_eq!(r.requirement(), "TEAM-2");
    assert_says(
        &r,
        "ad_sec cannot be appointed a moderator while serving as Area Director (sec)",
    );
}

#[test]
fn team_2_iesg_iab_trust_llc_board_and_llc_staff_are_all_ineligible() {
    let mut w = World::ietf();
    for (person, role) in [
        ("ietf_chair", "IETF chair"),
        ("iab_member", "IAB member"),
        ("trustee", "IETF Trust member"),
        ("llc_board", "IETF LLC board member"),
        ("llc_staff", "IETF LLC staff"),
    ] {
        let r = w.refused(
            "ad_sec",
            Iesg,
            Command::AppointModerator { person: p(person) },
        );
        assert_eq!(r.requirement(), "TEAM-2", "{person}");
        assert_says(&r, role);
    }
    // A contractor too.
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("erin"),
            role: Role::LlcContractor,
        },
    );
    let r = w.refused(
        "ad_sec",
        Iesg,
        Command::AppointModerator { person: p("erin") },
    );
    assert_eq!(r.requirement(), "TEAM-2");
    // An ombudsperson or a WG chair may serve.
    w.ok(
        "ad_sec",
        Iesg,
        Command::AppointModerator { person: p("ombud") },
    );
    w.ok(
        "ad_sec",
        Iesg,
        Command::AppointModerator { person: p("alice") },
    );
}

#[test]
fn team_2_a_sitting_moderator_granted_iab_membership_is_flagged_to_step_down() {
    let mut w = World::ietf();
    let d = w.allowed(
        "op",
        Operator,
        Command::GrantRole {
            person: p("m3"),
            role: Role::IabMember,
        },
    );
    assert_eq!(
        d.events,
        vec![
            Event::RoleGranted {
                person: p("m3"),
                role: Role::IabMember
            },
            Event::ModeratorFlaggedToStepDown {
                person: p("m3"),
                role: Role::IabMember
            },
        ]
    );
    assert_eq!(d.warnings.len(), 1);
    assert_eq!(d.warnings[0].requirement, "TEAM-2");
    assert!(d.warnings[0].message.contains("m3"), "{:?}", d.warnings);
    assert!(
        w.state
            .team_warnings()
            .iter()
            .any(|x| x.requirement == "TEAM-2" && x.message.contains("m3"))
    );
    // Stepping down clears the flag.
    w.ok(
        "ad_sec",
        Iesg,
        Command::RecallModerator {
            person: p("m3"),
            reason: "stepped down on joining the IAB".into(),
        },
    );
    assert!(
        w.state
            .team_warnings()
            .iter()
            .all(|x| x.requirement != "TEAM-2")
    );
}

#[test]
fn team_2_a_role_that_does_not_exclude_moderation_flags_nobody() {
    let mut w = World::ietf();
    let d = w.allowed(
        "op",
        Operator,
        Command::GrantRole {
            person: p("m3"),
            role: Role::WgChair { wg: wg("quic") },
        },
    );
    assert_eq!(kinds(&d.events), ["role_granted"]);
    assert!(d.warnings.is_empty());
}

#[test]
fn team_3_recalling_to_four_moderators_warns() {
    let mut w = World::ietf();
    let d = w.allowed(
        "ad_sec",
        Iesg,
        Command::RecallModerator {
            person: p("m5"),
            reason: "resigned".into(),
        },
    );
    assert_eq!(
        kinds(&d.events),
        ["moderator_recalled"],
        "the recall is not refused"
    );
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert_eq!(d.warnings[0].requirement, "TEAM-3");
    assert!(
        d.warnings[0].message.contains("4 members") && d.warnings[0].message.contains("at least 5"),
        "{:?}",
        d.warnings
    );
    assert!(
        w.state
            .team_warnings()
            .iter()
            .any(|x| x.requirement == "TEAM-3")
    );
}

#[test]
fn team_3_a_starting_team_below_five_is_shown_as_a_warning() {
    let mut w = World::empty("2026-01-01T00:00:00Z");
    w.ok(
        "op",
        Operator,
        Command::Bootstrap {
            operator: p("op"),
            name: "Op".into(),
        },
    );
    for id in ["ad", "x1", "x2", "x3", "x4", "x5", "x6"] {
        w.ok(
            "op",
            Operator,
            Command::RegisterPerson {
                person: p(id),
                name: id.into(),
                time_zone: None,
            },
        );
    }
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("ad"),
            role: Role::IesgMember,
        },
    );
    for (i, m) in ["x1", "x2", "x3", "x4"].into_iter().enumerate() {
        let d = w.allowed("ad", Iesg, Command::AppointModerator { person: p(m) });
        assert_eq!(d.warnings.len(), 1, "{m}");
        assert!(
            d.warnings[0]
                .message
                .contains(&format!("{} members", i + 1)),
            "{:?}",
            d.warnings
        );
    }
    let d = w.allowed("ad", Iesg, Command::AppointModerator { person: p("x5") });
    assert!(d.warnings.is_empty(), "five is enough: {:?}", d.warnings);
    assert!(w.state.team_warnings().is_empty());
    let d = w.allowed("ad", Iesg, Command::AppointModerator { person: p("x6") });
    assert!(d.warnings.is_empty());
    let d = w.allowed(
        "ad",
        Iesg,
        Command::RecallModerator {
            person: p("x6"),
            reason: "r".into(),
        },
    );
    assert!(d.warnings.is_empty(), "back to five: {:?}", d.warnings);
}

#[test]
fn team_3_the_minimum_is_a_setting() {
    let mut w = World::ietf();
    w.ok(
        "m1",
        Moderator,
        Command::ChangeSettings {
            settings: Settings {
                minimum_team_size: 7,
                ..Settings::default()
            },
        },
    );
    let d = w.allowed(
        "ad_sec",
        Iesg,
        Command::AppointModerator { person: p("erin") },
    );
    assert_eq!(d.warnings.len(), 1);
    assert!(
        d.warnings[0].message.contains("6 members") && d.warnings[0].message.contains("at least 7"),
        "{:?}",
        d.warnings
    );
}
