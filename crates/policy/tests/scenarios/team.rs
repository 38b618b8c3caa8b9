//! The moderator team (TEAM-1..4).

use crate::world::*;
use Capacity::{Iesg, Moderator, Operator, Participant};
use modpod_policy::views;

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
fn team_2_an_iesg_member_cannot_be_appointed_and_a_moderator_joining_the_iesg_is_flagged() {
    let mut w = World::ietf();
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("erin"),
            role: Role::IesgMember,
        },
    );
    let r = w.refused(
        "ad_sec",
        Iesg,
        Command::AppointModerator { person: p("erin") },
    );
    assert_eq!(r.requirement(), "TEAM-2");
    assert_says(&r, "IESG member");
    // A sitting moderator who joins the IESG is flagged to step down.
    let d = w.allowed(
        "op",
        Operator,
        Command::GrantRole {
            person: p("m4"),
            role: Role::IesgMember,
        },
    );
    assert_eq!(
        kinds(&d.events),
        ["role_granted", "moderator_flagged_to_step_down"]
    );
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert_eq!(d.warnings[0].requirement, "TEAM-2");
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
                role: Role::IabMember,
                at: Some(w.now),
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
fn team_3_five_is_the_policys_minimum_a_deployment_may_warn_at_more() {
    let mut w = World::ietf();
    for below in [4, 1, 0] {
        let r = w.refused(
            "op",
            Operator,
            Command::ChangeSettings {
                settings: SettingsChange {
                    warn_team_below: Some(below),
                    ..SettingsChange::default()
                },
            },
        );
        assert_eq!(r.requirement(), "TEAM-3", "{below}: {r:?}");
    }
    // Five itself is the policy's number, so a deployment may name it.
    w.ok(
        "op",
        Operator,
        Command::ChangeSettings {
            settings: SettingsChange {
                warn_team_below: Some(5),
                ..SettingsChange::default()
            },
        },
    );
    // Not a moderator's to set at all.
    let r = w.refused(
        "m1",
        Moderator,
        Command::ChangeSettings {
            settings: SettingsChange {
                warn_team_below: Some(7),
                ..SettingsChange::default()
            },
        },
    );
    assert_eq!(r.requirement(), "ROLE-1");
    w.ok(
        "op",
        Operator,
        Command::ChangeSettings {
            settings: SettingsChange {
                warn_team_below: Some(7),
                ..SettingsChange::default()
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

fn weekday_nine_to_five(day: Day) -> Window {
    Window {
        day,
        from_hour: 9,
        to_hour: 17,
    }
}

fn set_availability(person: &str, time_zone: &str, windows: Vec<Window>) -> Command {
    Command::SetAvailability {
        person: p(person),
        time_zone: time_zone.into(),
        windows,
    }
}

#[test]
fn team_4_a_moderator_records_their_own_time_zone_and_availability() {
    let mut w = World::ietf();
    let monday = vec![weekday_nine_to_five(Day::Monday)];
    w.ok(
        "m1",
        Capacity::Moderator,
        set_availability("m1", "Europe/Paris", monday.clone()),
    );
    assert_eq!(w.state.people[&p("m1")].availability, monday);
    assert_eq!(
        w.state.people[&p("m1")].time_zone.as_deref(),
        Some("Europe/Paris")
    );
    // Not another moderator's, unless the operator records it.
    let r = w.refused(
        "m1",
        Capacity::Moderator,
        set_availability("m2", "Asia/Tokyo", vec![]),
    );
    assert_eq!(r.requirement(), "TEAM-4");
    w.ok(
        "op",
        Capacity::Operator,
        set_availability("m2", "Asia/Tokyo", vec![]),
    );
    // Only moderators are on the roster.
    let r = w.refused(
        "op",
        Capacity::Operator,
        set_availability("bob", "Asia/Tokyo", vec![]),
    );
    assert_says(&r, "moderator");
    // Bad input is refused and changes nothing.
    let r = w.refused(
        "m1",
        Capacity::Moderator,
        set_availability("m1", "Mars/Olympus", monday.clone()),
    );
    assert_says(&r, "IANA");
    let backwards = Window {
        day: Day::Friday,
        from_hour: 17,
        to_hour: 9,
    };
    let r = w.refused(
        "m1",
        Capacity::Moderator,
        set_availability("m1", "Europe/Paris", vec![backwards]),
    );
    assert_says(&r, "not a window");
    let past_midnight = Window {
        day: Day::Friday,
        from_hour: 20,
        to_hour: 25,
    };
    w.refused(
        "m1",
        Capacity::Moderator,
        set_availability("m1", "Europe/Paris", vec![past_midnight]),
    );
    assert_eq!(w.state.people[&p("m1")].availability, monday);
}

#[test]
fn team_4_coverage_counts_moderators_per_utc_hour_in_their_own_time_zones() {
    let mut w = World::ietf();
    let monday = vec![weekday_nine_to_five(Day::Monday)];
    w.ok(
        "m1",
        Capacity::Moderator,
        set_availability("m1", "Europe/Paris", monday.clone()),
    );
    w.ok(
        "m2",
        Capacity::Moderator,
        set_availability("m2", "America/New_York", monday),
    );
    // The week of Monday 1 January 2024: Paris is UTC+1, New York UTC-5.
    let week = views::week_start(ts("2024-01-03T15:30:00Z"));
    assert_eq!(week, ts("2024-01-01T00:00:00Z"));
    let hours = views::coverage(&w.state, week);
    assert_eq!(hours.len(), 168);
    let expect =
        |hour: usize| u32::from((8..16).contains(&hour)) + u32::from((14..22).contains(&hour));
    for (hour, &count) in hours.iter().enumerate() {
        assert_eq!(count, expect(hour), "UTC hour {hour} of the week");
    }
    assert_eq!(
        hours.iter().filter(|&&c| c == 0).count(),
        168 - 14,
        "Monday 08-22 UTC is covered"
    );
    // In July, summer time moves both an hour earlier in UTC.
    let july = views::coverage(&w.state, views::week_start(ts("2024-07-01T12:00:00Z")));
    assert_eq!(july[7], 1, "Paris 09:00 is 07:00 UTC in summer");
    assert_eq!(july[15], 1);
    assert_eq!(july[16], 1, "New York until 21:00 UTC");
    assert_eq!(july[21], 0);
}

#[test]
fn team_4_the_roster_lists_the_moderators_with_their_time_zones() {
    let mut w = World::ietf();
    w.ok(
        "m3",
        Capacity::Moderator,
        set_availability("m3", "Asia/Tokyo", vec![]),
    );
    let roster = views::roster(&w.state);
    let ids: Vec<&str> = roster.iter().map(|e| e.person.as_str()).collect();
    assert_eq!(ids, MODERATORS);
    assert_eq!(roster[2].time_zone.as_deref(), Some("Asia/Tokyo"));
    let json = serde_json::to_string(&roster).unwrap();
    assert!(
        !json.contains('@'),
        "no email addresses on the public roster: {json}"
    );
}

#[test]
fn team_2_past_the_grace_period_a_flagged_moderator_can_no_longer_act() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("m3"),
            role: Role::IabMember,
        },
    );
    // Within the 30 days ("soon after"), m3 still acts.
    w.at("2026-03-31T09:59:00Z");
    w.ok("m3", Moderator, admonish("bob", &["ietf@"]));
    w.at("2026-03-31T10:00:00Z");
    let r = w.refused("m3", Moderator, admonish("bob", &["ietf@"]));
    assert_eq!(r.requirement(), "TEAM-2");
    assert_says(&r, "can no longer act as a moderator");
    // The team's procedures may give another grace period.
    w.approve_numbers(TeamNumbersChange {
        step_down_grace_days: Some(60),
        ..TeamNumbersChange::default()
    });
    w.ok("m3", Moderator, admonish("bob", &["ietf@"]));
    // When the role ends, the flag goes and m3 acts again, whatever the time.
    w.at("2026-09-01T00:00:00Z");
    w.refused("m3", Moderator, admonish("bob", &["ietf@"]));
    w.ok(
        "op",
        Operator,
        Command::RevokeRole {
            person: p("m3"),
            role: Role::IabMember,
        },
    );
    w.ok("m3", Moderator, admonish("bob", &["ietf@"]));
}

#[test]
fn proc_1_settings_change_one_value_and_keep_the_others() {
    let mut w = World::ietf();
    let change = |s: SettingsChange| Command::ChangeSettings { settings: s };
    w.ok(
        "op",
        Operator,
        change(SettingsChange {
            warn_team_below: Some(7),
            ..SettingsChange::default()
        }),
    );
    w.ok(
        "op",
        Operator,
        change(SettingsChange {
            policy_effective_at: Some(ts("2026-03-01T00:00:00Z")),
            ..SettingsChange::default()
        }),
    );
    assert_eq!(w.state.settings.warn_team_below, 7, "kept");
    assert_eq!(
        w.state.settings.policy_effective_at,
        ts("2026-03-01T00:00:00Z")
    );
    // Naming nothing is not a change.
    let r = w.refused("op", Operator, change(SettingsChange::default()));
    assert_eq!(r.requirement(), "INPUT");
    // The team's numbers are not settings.
    let r = w.refused(
        "op",
        Operator,
        change(SettingsChange {
            iesg_digest_days: Some(1),
            ..SettingsChange::default()
        }),
    );
    assert_eq!(r.requirement(), "PROC-1");
}

#[test]
fn proc_1_a_draft_changes_the_numbers_it_names_and_keeps_the_rest() {
    let mut w = World::ietf();
    w.approve_numbers(TeamNumbersChange {
        escalation_hours: Some(24),
        ..TeamNumbersChange::default()
    });
    w.approve_numbers(TeamNumbersChange {
        several_fora_window_days: Some(10),
        ..TeamNumbersChange::default()
    });
    let n = w.state.numbers();
    assert_eq!((n.escalation_hours, n.several_fora_window_days), (24, 10));
    assert_eq!(n.iesg_digest_days, TeamNumbers::default().iesg_digest_days);
    let r = w.refused(
        "m1",
        Moderator,
        Command::DraftProcedures {
            ladder: None,
            version: 9,
            title: "zero".into(),
            text: "t".into(),
            numbers: TeamNumbersChange {
                resolution_days: Some(0),
                ..TeamNumbersChange::default()
            },
        },
    );
    assert_eq!(
        r,
        Refusal::Invalid {
            field: "numbers.resolution_days",
            reason: "must be at least 1".into()
        }
    );
}

#[test]
fn setup_names_are_one_line() {
    let mut w = World::ietf();
    for name in [
        "Mallory\r\nBcc: everyone@example.org",
        "Tab\there",
        "bell\u{7}",
    ] {
        let r = w.refused(
            "op",
            Operator,
            Command::RegisterPerson {
                person: p("mallory"),
                name: name.into(),
                time_zone: None,
            },
        );
        assert_eq!(
            r,
            Refusal::Invalid {
                field: "name",
                reason: "must be one line, without control characters".into()
            },
            "{name:?}"
        );
    }
}

#[test]
fn team_4_a_week_holds_at_most_168_windows_each_within_the_day() {
    let mut w = World::ietf();
    let window = |from_hour, to_hour| Window {
        day: Day::Monday,
        from_hour,
        to_hour,
    };
    w.ok(
        "m1",
        Moderator,
        set_availability("m1", "Europe/Paris", vec![window(0, 1); 168]),
    );
    let r = w.refused(
        "m1",
        Moderator,
        set_availability("m1", "Europe/Paris", vec![window(0, 1); 169]),
    );
    assert_says(&r, "at most 168 windows");
    w.ok(
        "m1",
        Moderator,
        set_availability("m1", "Europe/Paris", vec![window(20, 24)]),
    );
    let r = w.refused(
        "m1",
        Moderator,
        set_availability("m1", "Europe/Paris", vec![window(20, 25)]),
    );
    assert_eq!(r.requirement(), "INPUT");
}

#[test]
fn team_1_only_a_sitting_moderator_is_recalled_and_only_while_there_is_one() {
    let mut w = World::ietf();
    let r = w.refused(
        "ad_sec",
        Iesg,
        Command::RecallModerator {
            person: p("erin"),
            reason: "r".into(),
        },
    );
    assert_eq!(
        r,
        Refusal::Unknown {
            what: "moderator",
            id: "erin".into()
        }
    );
    let iesg = Actor::new(p("ad_sec"), Iesg);
    let recall = |w: &World| {
        modpod_policy::permits(
            &w.state,
            &iesg,
            modpod_policy::Kind::RecallModerator,
            modpod_policy::Target::Nothing,
            w.now,
        )
    };
    assert_eq!(recall(&w), Ok(()));
    for m in MODERATORS {
        w.ok(
            "ad_sec",
            Iesg,
            Command::RecallModerator {
                person: p(m),
                reason: "r".into(),
            },
        );
    }
    assert_eq!(recall(&w).unwrap_err().requirement(), "TEAM-1");
}
