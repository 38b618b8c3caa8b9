//! Transparency: who is owed a notification of an action (NOTIFY-1, -3, -4, -7).
//! The policy decides who must be told; delivery is the server's.

use crate::world::*;
use Capacity::{Administrator, Moderator, Operator, Participant};

const NOW: &str = "2026-03-01T10:00:00Z";

fn has(events: &[Event], r: &Recipient) -> bool {
    recipients(events).contains(r)
}

#[test]
fn notify_1_a_restriction_is_reported_to_the_person_the_team_and_the_administrators() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-04T10:00:00Z"),
    );
    assert_eq!(
        owed(&ev, "NOTIFY-1"),
        vec![
            to_person("carol"),
            Recipient::ModeratorTeam,
            to_admins("tls@")
        ]
    );
    let a = taken_action(&ev).id;
    assert!(
        notifications(&ev)
            .iter()
            .all(|n| n.about == Subject::Action(a))
    );
    // Every kind of restriction, not only suspensions.
    for m in [
        Measure::RateLimit {
            posts: 1,
            per_seconds: 3600,
        },
        Measure::ReviewAndApproval,
        Measure::Other {
            description: "one post per thread".into(),
        },
    ] {
        let ev = w.ok("alice", Administrator, act("carol", m, &["tls@"]));
        assert_eq!(
            owed(&ev, "NOTIFY-1"),
            vec![
                to_person("carol"),
                Recipient::ModeratorTeam,
                to_admins("tls@")
            ]
        );
    }
}

#[test]
fn notify_1_the_administrators_of_each_forum_are_told() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "m1",
        Moderator,
        suspend_until("carol", &["ietf@", "last-call@"], "2026-03-04T10:00:00Z"),
    );
    let got = owed(&ev, "NOTIFY-1");
    assert!(
        got.contains(&to_admins("ietf@")) && got.contains(&to_admins("last-call@")),
        "{got:?}"
    );
    assert!(
        got.contains(&to_person("carol")) && got.contains(&Recipient::ModeratorTeam),
        "{got:?}"
    );
}

#[test]
fn notify_1_an_admonishment_does_not_restrict_and_goes_to_the_person_only() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok("alice", Administrator, admonish("carol", &["tls@"]));
    assert!(owed(&ev, "NOTIFY-1").is_empty(), "{:?}", recipients(&ev));
    assert_eq!(recipients(&ev), vec![to_person("carol")]);
}

#[test]
fn notify_1_changes_are_reported_too() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    let ev = w.ok(
        "alice",
        Administrator,
        amend_to(a, Measure::ReviewAndApproval, &["tls@"], None),
    );
    assert_eq!(
        owed(&ev, "NOTIFY-1"),
        vec![
            to_person("carol"),
            Recipient::ModeratorTeam,
            to_admins("tls@")
        ]
    );
    let ev = w.ok("alice", Administrator, rescind(a));
    assert_eq!(
        owed(&ev, "NOTIFY-1"),
        vec![
            to_person("carol"),
            Recipient::ModeratorTeam,
            to_admins("tls@")
        ]
    );
}

#[test]
fn act_1_a_public_admonishment_is_posted_to_the_forum() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "alice",
        Administrator,
        act("carol", Measure::PublicAdmonishment, &["tls@"]),
    );
    assert_eq!(recipients(&ev), vec![to_person("carol"), to_forum("tls@")]);
}

#[test]
fn notify_3_exactly_14_days_is_not_announced() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-15T10:00:00Z"),
    );
    assert!(owed(&ev, "NOTIFY-3").is_empty(), "{:?}", recipients(&ev));
    assert!(!has(&ev, &to_forum("tls@")));
}

#[test]
fn notify_3_fifteen_days_is_announced_to_each_forum() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@", "tls-chat"], "2026-03-16T10:00:00Z"),
    );
    assert_eq!(
        owed(&ev, "NOTIFY-3"),
        vec![to_forum("tls@"), to_forum("tls-chat")]
    );
}

#[test]
fn notify_3_one_second_over_14_days_is_announced() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-15T10:00:01Z"),
    );
    assert_eq!(owed(&ev, "NOTIFY-3"), vec![to_forum("tls@")]);
}

#[test]
fn notify_3_an_indefinite_suspension_is_announced() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok("m1", Moderator, suspend("carol", &["ietf@"]));
    assert_eq!(owed(&ev, "NOTIFY-3"), vec![to_forum("ietf@")]);
}

#[test]
fn notify_3_the_length_counts_from_the_start_not_from_now() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "alice",
        Administrator,
        starting(
            suspend_until("carol", &["tls@"], "2026-03-19T10:00:00Z"),
            "2026-03-05T10:00:00Z",
        ),
    );
    assert!(owed(&ev, "NOTIFY-3").is_empty(), "14 days from its start");
}

#[test]
fn notify_3_a_suspension_extended_past_14_days_is_announced() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-11T10:00:00Z"),
    );
    let ev = w.ok(
        "alice",
        Administrator,
        amend_to(
            a,
            Measure::TemporarySuspension,
            &["tls@"],
            Some("2026-03-21T10:00:00Z"),
        ),
    );
    assert_eq!(owed(&ev, "NOTIFY-3"), vec![to_forum("tls@")]);
}

#[test]
fn notify_3_fourteen_days_is_the_policys_number_not_a_setting() {
    let mut w = World::ietf();
    for (who, capacity, requirement) in [("m1", Moderator, "ROLE-1"), ("op", Operator, "NOTIFY-3")]
    {
        let r = w.refused(
            who,
            capacity,
            Command::ChangeSettings {
                settings: SettingsChange {
                    announce_suspensions_over_days: Some(7),
                    ..SettingsChange::default()
                },
            },
        );
        assert_eq!(r.requirement(), requirement, "{who}: {r:?}");
    }
    w.at(NOW);
    // Eight days is not announced, whoever asked for seven.
    let ev = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-09T10:00:00Z"),
    );
    assert!(owed(&ev, "NOTIFY-3").is_empty());
}

#[test]
fn notify_3_back_to_back_suspensions_on_one_forum_count_as_one() {
    let mut w = World::ietf();
    w.at(NOW);
    // Ten days, then ten more from the moment the first ends: twenty in all.
    let first = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-11T10:00:00Z"),
    );
    assert!(owed(&first, "NOTIFY-3").is_empty());
    let second = w.ok(
        "alice",
        Administrator,
        starting(
            suspend_until("carol", &["tls@"], "2026-03-21T10:00:00Z"),
            "2026-03-11T10:00:00Z",
        ),
    );
    assert_eq!(owed(&second, "NOTIFY-3"), vec![to_forum("tls@")]);
    // Ten days on another forum, or after a gap, stands alone.
    let elsewhere = w.ok(
        "dave",
        Administrator,
        starting(
            suspend_until("carol", &["quic@"], "2026-03-31T10:00:00Z"),
            "2026-03-21T10:00:00Z",
        ),
    );
    assert!(owed(&elsewhere, "NOTIFY-3").is_empty());
    let after_a_gap = w.ok(
        "alice",
        Administrator,
        starting(
            suspend_until("carol", &["tls@"], "2026-04-12T10:00:00Z"),
            "2026-04-02T10:00:00Z",
        ),
    );
    assert!(owed(&after_a_gap, "NOTIFY-3").is_empty());
}

#[test]
fn notify_3_any_suspension_is_announced_when_the_suspended_person_asks() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@", "tls-chat"], "2026-03-04T10:00:00Z"),
    );
    let ev = w.ok(
        "carol",
        Participant,
        Command::RequestAnnouncement { action: a },
    );
    assert_eq!(ev[0], Event::AnnouncementRequested { action: a });
    assert_eq!(
        owed(&ev, "NOTIFY-3"),
        vec![to_forum("tls@"), to_forum("tls-chat")]
    );
    assert!(w.state.announcement_requests.contains(&a));
}

#[test]
fn notify_3_only_the_suspended_person_asks_and_only_for_a_suspension() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-04T10:00:00Z"),
    );
    let r = w.refused(
        "bob",
        Participant,
        Command::RequestAnnouncement { action: a },
    );
    assert_eq!(r.requirement(), "NOTIFY-3");
    assert_says(&r, "only the suspended person");
    let r = w.refused(
        "alice",
        Administrator,
        Command::RequestAnnouncement { action: a },
    );
    assert_eq!(r.requirement(), "NOTIFY-3");
    let b = w.take("alice", Administrator, admonish("carol", &["tls@"]));
    let r = w.refused(
        "carol",
        Participant,
        Command::RequestAnnouncement { action: b },
    );
    assert_eq!(r.requirement(), "NOTIFY-3");
    assert_says(&r, "action #2 is not a suspension in force");
}

#[test]
fn notify_4_an_action_on_two_fora_goes_to_the_community_channel() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@", "tls-chat"], "2026-03-04T10:00:00Z"),
    );
    assert!(
        owed(&ev, "NOTIFY-4").is_empty(),
        "three days is not announced"
    );
    // A suspension announced under NOTIFY-3, on two fora, is.
    let ev = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@", "tls-chat"], "2026-03-21T10:00:00Z"),
    );
    assert_eq!(owed(&ev, "NOTIFY-4"), vec![Recipient::CommunityChannel]);
    let ev = w.ok(
        "alice",
        Administrator,
        suspend("erin", &["tls@", "tls-chat"]),
    );
    assert_eq!(owed(&ev, "NOTIFY-4"), vec![Recipient::CommunityChannel]);
    // Not an admonishment, private or public, nor a hold.
    for measure in [
        Measure::PrivateAdmonishment,
        Measure::PublicAdmonishment,
        Measure::ReviewAndApproval,
    ] {
        let ev = w.ok(
            "alice",
            Administrator,
            act("carol", measure, &["tls@", "tls-chat"]),
        );
        assert!(owed(&ev, "NOTIFY-4").is_empty());
    }
}

#[test]
fn notify_4_an_action_on_one_forum_does_not() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-04T10:00:00Z"),
    );
    assert!(owed(&ev, "NOTIFY-4").is_empty());
    assert!(!has(&ev, &Recipient::CommunityChannel));
    // Not even a suspension announced on its one forum (NOTIFY-3).
    let ev = w.ok("alice", Administrator, suspend("erin", &["tls@"]));
    assert_eq!(owed(&ev, "NOTIFY-3"), vec![to_forum("tls@")]);
    assert!(!has(&ev, &Recipient::CommunityChannel));
}

#[test]
fn notify_7_moderators_tell_the_administrators_even_of_an_admonishment() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok("m1", Moderator, admonish("carol", &["ietf@"]));
    assert_eq!(owed(&ev, "NOTIFY-7"), vec![to_admins("ietf@")]);
    // On a WG list, after an escalation: the chairs hear of it.
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.escalate_when_due(rep);
    let ev = w.ok(
        "m1",
        Moderator,
        citing(admonish("carol", &["tls@"]), &[rep]),
    );
    assert_eq!(owed(&ev, "NOTIFY-7"), vec![to_admins("tls@")]);
}

#[test]
fn notify_7_does_not_apply_to_administrators_own_actions() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok("alice", Administrator, admonish("carol", &["tls@"]));
    assert!(owed(&ev, "NOTIFY-7").is_empty());
    assert!(!has(&ev, &to_admins("tls@")));
}

#[test]
fn notify_1_7_each_recipient_is_owed_one_notification_naming_every_rule_that_owes_it() {
    let mut w = World::ietf();
    w.at(NOW);
    // A moderator's suspension on ietf@ is owed to its administrators twice
    // over (NOTIFY-1 and NOTIFY-7): they are told once, under both rules.
    let ev = w.ok(
        "m1",
        Moderator,
        suspend_until("carol", &["ietf@"], "2026-03-04T10:00:00Z"),
    );
    // (The team was told of the proposal first, TEAM-5.)
    let told: Vec<(Recipient, &str)> = notifications(&ev)
        .into_iter()
        .map(|n| (n.to.clone(), n.requirement.as_str()))
        .filter(|(_, r)| *r != "TEAM-5")
        .collect();
    assert_eq!(
        told,
        vec![
            (to_person("carol"), "NOTIFY-1"),
            (Recipient::ModeratorTeam, "NOTIFY-1"),
            (to_admins("ietf@"), "NOTIFY-1 NOTIFY-7"),
        ]
    );
}

#[test]
fn notify_3_a_suspension_to_2090_is_announced() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2090-03-09T10:00:00Z"),
    );
    assert_eq!(owed(&ev, "NOTIFY-3"), vec![to_forum("tls@")]);
}

#[test]
fn notify_6_every_notification_owed_has_its_own_id_and_each_is_kept() {
    let mut w = World::ietf();
    let mut seen = std::collections::BTreeSet::new();
    for subject in ["carol", "erin"] {
        let events = w.ok(
            "alice",
            Capacity::Administrator,
            suspend(subject, &["tls@", "tls-chat"]),
        );
        let owed = notifications(&events);
        assert!(owed.len() >= 2, "{owed:?}");
        for n in owed {
            assert!(seen.insert(n.id), "{:?} owed twice", n.id);
            assert_eq!(w.state.notifications.get(&n.id), Some(n));
        }
    }
}
