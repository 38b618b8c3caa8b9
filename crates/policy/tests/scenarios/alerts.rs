//! What modpod records by itself (CIRCUMVENT-1, REPORT-6): alerts to the
//! moderator team when a restricted person gets a new identity or posts
//! where they are not restricted, which act on nothing; and the one
//! automatic action, a rate limit from the volume rule of the team's
//! approved procedures, applied as `system` and notified like any other.

use crate::world::*;
use Capacity::{Administrator, Moderator, Operator, System};
use modpod_policy::views;

/// carol (email carol@example.org) suspended on tls@ by its chair, until
/// the end of the month.
fn carol_suspended_on_tls(w: &mut World) -> ActionId {
    w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2024-01-31T00:00:00Z"),
    )
}

fn link(person: &str, address: &str) -> Command {
    Command::LinkIdentity {
        person: p(person),
        identity: email(address),
    }
}

fn sighting(address: &str, forum: &str, seen_at: Timestamp) -> Command {
    Command::RecordCircumventionSighting {
        identity: email(address),
        forum: f(forum),
        seen_at,
    }
}

fn alert(events: &[Event]) -> &NewAlert {
    events
        .iter()
        .find_map(|e| match e {
            Event::CircumventionAlertRaised { alert } => Some(alert),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no alert in {:?}", kinds(events)))
}

/// The moderator team is owed the alert's notification, under CIRCUMVENT-1,
/// and nobody else is owed anything.
fn only_the_team_is_told(events: &[Event]) {
    let owed = notifications(events);
    assert_eq!(owed.len(), 1, "{owed:?}");
    assert_eq!(owed[0].to, Recipient::ModeratorTeam);
    assert_eq!(owed[0].about, Subject::Alert(alert(events).id));
    assert_eq!(owed[0].requirement, "CIRCUMVENT-1");
    assert_eq!(owed[0].template, "circumvention/moderators");
}

#[test]
fn circumvent_1_an_identity_linked_to_a_restricted_person_alerts_the_team_and_does_nothing_else() {
    let mut w = World::ietf();
    let a = carol_suspended_on_tls(&mut w);
    let actions_before = w.state.actions.clone();

    let events = w.ok("op", Operator, link("carol", "carol@elsewhere.example"));
    assert_eq!(
        kinds(&events),
        [
            "identity_linked",
            "circumvention_alert_raised",
            "notification_owed"
        ]
    );
    let raised = alert(&events);
    assert_eq!(raised.kind, AlertKind::IdentityLinked);
    assert_eq!(raised.person, p("carol"));
    assert_eq!(raised.identity, email("carol@elsewhere.example"));
    assert_eq!(raised.actions, [a]);
    assert_eq!(raised.forum, None);
    only_the_team_is_told(&events);
    // Nothing is acted on: the actions are as they were.
    assert_eq!(w.state.actions, actions_before);

    // Someone with nothing in force, an admonishment, a spam action, or an
    // action that has ended: no alert.
    w.take("alice", Administrator, admonish("erin", &["tls@"]));
    w.take("alice", Administrator, as_spam(suspend("bob", &["tls@"])));
    let ended = w.take(
        "alice",
        Administrator,
        suspend_until("dave", &["tls@"], "2024-01-02T00:00:00Z"),
    );
    w.later_hours(48);
    w.ok("system", System, Command::ExpireAction { action: ended });
    for (person, address) in [
        ("m3", "m3@example.org"),
        ("erin", "erin@example.org"),
        ("bob", "bob@example.org"),
        ("dave", "dave@example.org"),
    ] {
        let events = w.ok("op", Operator, link(person, address));
        assert_eq!(kinds(&events), ["identity_linked"], "{person}");
    }
}

#[test]
fn circumvent_1_a_post_where_the_person_is_not_restricted_alerts_the_team_once_a_period() {
    let mut w = World::ietf();
    let a = carol_suspended_on_tls(&mut w);
    let actions_before = w.state.actions.clone();
    let from = w.log.len();
    w.later_hours(1);
    let seen = w.now;

    let events = w.ok(
        "system",
        System,
        sighting("Carol@Example.org", "quic@", seen),
    );
    assert_eq!(
        kinds(&events),
        ["circumvention_alert_raised", "notification_owed"]
    );
    let raised = alert(&events);
    assert_eq!(raised.kind, AlertKind::PostedElsewhere);
    assert_eq!(raised.person, p("carol"));
    assert_eq!(raised.forum, Some(f("quic@")));
    assert_eq!(raised.actions, [a]);
    assert_eq!(raised.seen_at, Some(seen));
    only_the_team_is_told(&events);

    // Rate-limited: once a day per person and forum, refused so that the
    // policy server can tell.
    w.later_hours(23);
    let r = w.refused(
        "system",
        System,
        sighting("carol@example.org", "quic@", w.now),
    );
    assert_eq!(r.requirement(), "CIRCUMVENT-1");
    assert_says(&r, "at most once in 24 hours");
    // Another forum is another alert; the same one again after the day.
    w.ok(
        "system",
        System,
        sighting("carol@example.org", "ietf@", w.now),
    );
    w.later_hours(1);
    w.ok(
        "system",
        System,
        sighting("carol@example.org", "quic@", w.now),
    );
    assert_eq!(w.state.alerts.len(), 3);

    // Nothing was acted on: alerts and their notices, nothing else.
    assert_eq!(w.state.actions, actions_before);
    assert!(
        w.log[from..].iter().all(|e| matches!(
            e,
            Event::CircumventionAlertRaised { .. } | Event::NotificationOwed { .. }
        )),
        "{:?}",
        kinds(&w.log[from..])
    );
}

#[test]
fn circumvent_1_only_modpod_records_a_sighting_of_a_restricted_person_where_the_team_watches() {
    let mut w = World::ietf();
    carol_suspended_on_tls(&mut w);
    let now = w.now;

    let r = w.refused("m1", Moderator, sighting("carol@example.org", "quic@", now));
    assert_eq!(r.requirement(), "CIRCUMVENT-1");
    // Where she is restricted, a post is enforced, not posted elsewhere.
    let r = w.refused("system", System, sighting("carol@example.org", "tls@", now));
    assert_eq!(r.requirement(), "CIRCUMVENT-1");
    assert_says(&r, "restricted on tls@");
    // Someone restricted nowhere, an identity nobody has, a time to come.
    w.ok("op", Operator, link("erin", "erin@example.org"));
    let r = w.refused("system", System, sighting("erin@example.org", "quic@", now));
    assert_eq!(r.requirement(), "CIRCUMVENT-1");
    assert_says(&r, "no action in force");
    let r = w.refused(
        "system",
        System,
        sighting("nobody@example.org", "quic@", now),
    );
    assert_eq!(r.requirement(), "INPUT");
    let later = w
        .now
        .checked_add(jiff::SignedDuration::from_hours(1))
        .unwrap();
    let r = w.refused(
        "system",
        System,
        sighting("carol@example.org", "quic@", later),
    );
    assert_eq!(r.requirement(), "INPUT");
    // Not on fora the team's procedures do not cover.
    let r = w.refused(
        "system",
        System,
        sighting("carol@example.org", "cfrg@", now),
    );
    assert_eq!(r.requirement(), "FORUM-2");
    let r = w.refused(
        "system",
        System,
        sighting("carol@example.org", "tls-chairs@", now),
    );
    assert_eq!(r.requirement(), "FORUM-3");

    // The period is one of the team's numbers (PROC-1).
    w.approve_numbers(TeamNumbersChange {
        circumvention_alert_hours: Some(2),
        ..TeamNumbersChange::default()
    });
    w.ok(
        "system",
        System,
        sighting("carol@example.org", "quic@", w.now),
    );
    w.later_hours(1);
    let r = w.refused(
        "system",
        System,
        sighting("carol@example.org", "quic@", w.now),
    );
    assert_says(&r, "at most once in 2 hours");
    w.later_hours(1);
    w.ok(
        "system",
        System,
        sighting("carol@example.org", "quic@", w.now),
    );
}

#[test]
fn circumvent_1_the_moderators_read_the_alerts_never_the_person_nor_anyone_else() {
    let mut w = World::ietf();
    carol_suspended_on_tls(&mut w);
    w.ok("op", Operator, link("carol", "carol@elsewhere.example"));
    let alert = w.state.alerts.values().next().unwrap().clone();
    for m in ["m1", "m5"] {
        assert_eq!(views::alerts_for(&w.state, &p(m)), [&alert], "{m}");
    }
    for other in ["carol", "alice", "ad_sec", "op", "bob"] {
        assert!(views::alerts_for(&w.state, &p(other)).is_empty(), "{other}");
    }
    // A moderator never reads an alert about themselves.
    w.take("alice", Administrator, suspend("m2", &["tls@"]));
    w.ok("op", Operator, link("m2", "m2@elsewhere.example"));
    assert_eq!(views::alerts_for(&w.state, &p("m1")).len(), 2);
    assert_eq!(views::alerts_for(&w.state, &p("m2")), [&alert]);
}

fn volume(subject: SubjectRef, forum: &str, posts: u32, minutes: u32) -> Command {
    Command::ApplyVolumeLimit {
        subject,
        forum: f(forum),
        posts,
        minutes,
    }
}

/// The volume rule "more than 30 posts in 60 minutes", in the procedures
/// the IESG approved; its version.
fn rule_of_30_an_hour(w: &mut World) -> u32 {
    w.approve_numbers(TeamNumbersChange {
        volume_posts: Some(30),
        ..TeamNumbersChange::default()
    })
}

#[test]
fn report_6_the_volume_rule_is_off_until_approved_procedures_set_it() {
    let mut w = World::ietf();
    assert_eq!(w.state.numbers().volume_rule(), None);
    let r = w.refused("system", System, volume(who("carol"), "tls@", 30, 60));
    assert_eq!(r.requirement(), "REPORT-6");
    assert_says(&r, "no volume rule");

    // A draft, even put to the community, changes nothing.
    w.ok(
        "m1",
        Moderator,
        Command::DraftProcedures {
            version: 1,
            title: "Procedures".into(),
            text: "More than 30 posts an hour is a flood.".into(),
            numbers: TeamNumbersChange {
                volume_posts: Some(30),
                ..TeamNumbersChange::default()
            },
            ladder: None,
        },
    );
    w.ok(
        "m2",
        Moderator,
        Command::OpenProceduresReview { version: 1 },
    );
    let r = w.refused("system", System, volume(who("carol"), "tls@", 30, 60));
    assert_says(&r, "no volume rule");
    w.ok(
        "ad_sec",
        Capacity::Iesg,
        Command::ApproveProcedures { version: 1 },
    );
    w.ok("system", System, volume(who("carol"), "tls@", 30, 60));

    // A later version may turn it off again.
    w.later_hours(48);
    w.approve_numbers(TeamNumbersChange {
        volume_posts: Some(0),
        ..TeamNumbersChange::default()
    });
    let r = w.refused("system", System, volume(who("carol"), "quic@", 30, 60));
    assert_says(&r, "no volume rule");
}

#[test]
fn report_6_the_volume_rule_rate_limits_as_system_for_a_day_notified_like_any_action() {
    let mut w = World::ietf();
    let version = rule_of_30_an_hour(&mut w);
    let events = w.ok("system", System, volume(who("carol"), "tls@", 30, 60));
    let a = taken_action(&events);
    assert_eq!(a.subject, p("carol"));
    assert_eq!(
        a.terms.measure,
        Measure::RateLimit {
            posts: 30,
            per_seconds: 3600
        }
    );
    assert_eq!(a.terms.fora, fora(&["tls@"]));
    assert_eq!(a.terms.starts_at, w.now);
    assert_eq!(
        a.terms.ends_at,
        Some(
            w.now
                .checked_add(jiff::SignedDuration::from_hours(24))
                .unwrap()
        )
    );
    assert_eq!((&a.taken_by, a.taken_as), (&PersonId::system(), System));
    assert_eq!(a.procedures_version, Some(version));
    assert!(!a.spam);
    for words in [
        "more than 30 posts in 60 minutes on tls@",
        &format!("version {version}"),
        "never from what they say",
    ] {
        assert!(a.reason.contains(words), "{:?} lacks {words:?}", a.reason);
    }
    // NOTIFY-1: the person, the team and the forum's administrators, at once.
    let mut told = owed(&events, "NOTIFY-1");
    told.sort();
    let mut expected = vec![
        to_person("carol"),
        Recipient::ModeratorTeam,
        to_admins("tls@"),
    ];
    expected.sort();
    assert_eq!(told, expected);

    // It is no finding about her: a new identity or a post elsewhere
    // alerts nobody.
    let id = a.id;
    let events = w.ok("op", Operator, link("carol", "carol@elsewhere.example"));
    assert_eq!(kinds(&events), ["identity_linked"]);
    let r = w.refused(
        "system",
        System,
        sighting("carol@example.org", "quic@", w.now),
    );
    assert_says(&r, "no action in force");

    // Temporary: it ends at its end, by the scheduler, like any other.
    w.later_hours(24);
    assert!(
        modpod_policy::schedule::due(&w.state, w.now)
            .contains(&Command::ExpireAction { action: id })
    );
    w.ok("system", System, Command::ExpireAction { action: id });
    // Then the rule may limit the person again.
    w.ok("system", System, volume(who("carol"), "tls@", 30, 60));

    // A sender nobody knows is limited all the same, as a new person.
    let events = w.ok(
        "system",
        System,
        volume(
            SubjectRef::Identity {
                identity: email("flood@example.net"),
            },
            "quic@",
            30,
            60,
        ),
    );
    assert_eq!(taken_action(&events).subject, p("email:flood@example.net"));
}

#[test]
fn report_6_the_volume_rule_is_refused_with_other_numbers_twice_elsewhere_or_to_anyone_else() {
    let mut w = World::ietf();
    rule_of_30_an_hour(&mut w);
    // Only the rule in force: nobody imposes another limit as `system`.
    for (posts, minutes) in [(1, 60), (30, 1), (31, 60)] {
        let r = w.refused(
            "system",
            System,
            volume(who("carol"), "tls@", posts, minutes),
        );
        assert_eq!(r.requirement(), "REPORT-6");
        assert_says(&r, "more than 30 posts in 60 minutes");
    }
    // Only modpod applies it.
    for (person, capacity) in [
        ("m1", Moderator),
        ("alice", Administrator),
        ("op", Operator),
    ] {
        let r = w.refused(person, capacity, volume(who("carol"), "tls@", 30, 60));
        assert_eq!(r.requirement(), "REPORT-6", "{person}");
    }
    // Only where the team's procedures apply: not an IRTF list (FORUM-2),
    // not a non-public list (FORUM-3), not a closed forum (FORUM-5).
    let r = w.refused("system", System, volume(who("carol"), "cfrg@", 30, 60));
    assert_eq!(r.requirement(), "FORUM-2");
    let r = w.refused(
        "system",
        System,
        volume(who("carol"), "tls-chairs@", 30, 60),
    );
    assert_eq!(r.requirement(), "FORUM-3");
    w.ok(
        "op",
        Operator,
        Command::CloseForum {
            forum: f("quic@"),
            reason: "the working group concluded".into(),
        },
    );
    let r = w.refused("system", System, volume(who("carol"), "quic@", 30, 60));
    assert_eq!(r.requirement(), "FORUM-5");

    // Once, while it is in force; nor on someone restricted there already.
    w.ok("system", System, volume(who("carol"), "tls@", 30, 60));
    let r = w.refused("system", System, volume(who("carol"), "tls@", 30, 60));
    assert_eq!(r.requirement(), "REPORT-6");
    assert_says(&r, "already restricted on tls@");
    w.take("alice", Administrator, suspend("bob", &["tls@"]));
    let r = w.refused("system", System, volume(who("bob"), "tls@", 30, 60));
    assert_says(&r, "already restricted on tls@");
    // Elsewhere it is another forum's count.
    w.ok("system", System, volume(who("carol"), "ietf@", 30, 60));

    // The rule's numbers are bounded: the server counts posts in memory,
    // and an automatic limit is short.
    for (change, field) in [
        (
            TeamNumbersChange {
                volume_posts: Some(1_001),
                ..TeamNumbersChange::default()
            },
            "numbers.volume_posts",
        ),
        (
            TeamNumbersChange {
                volume_limit_hours: Some(24 * 7 + 1),
                ..TeamNumbersChange::default()
            },
            "numbers.volume_limit_hours",
        ),
        (
            TeamNumbersChange {
                volume_minutes: Some(0),
                ..TeamNumbersChange::default()
            },
            "numbers.volume_minutes",
        ),
    ] {
        let r = w.refused(
            "m1",
            Moderator,
            Command::DraftProcedures {
                version: 9,
                title: "Procedures".into(),
                text: "Numbers.".into(),
                numbers: change,
                ladder: None,
            },
        );
        assert_says(&r, field);
    }
}
