//! What falls due with time, as `schedule::due` tells modpod's scheduler:
//! escalations (REPORT-4), ends of temporary actions (ACT-1), the IESG digest
//! (NOTIFY-2), the community report (NOTIFY-5) and step-down reminders
//! (TEAM-2). Each due command is then recorded as `system`.

use crate::world::*;
use Capacity::{Administrator, Operator, Participant, System};
use modpod_policy::model::{Period, Role, Subject};
use modpod_policy::schedule::due;

/// Records every command due now, as the scheduler would; returns their names.
fn run_due(w: &mut World) -> Vec<&'static str> {
    let commands = due(&w.state, w.now);
    let names = commands.iter().map(|c| c.name()).collect();
    for command in commands {
        w.ok("system", System, command);
    }
    names
}

/// A world whose periodic reports have been issued once, so that only what a
/// test sets up falls due.
fn quiet_world() -> World {
    let mut w = World::ietf();
    run_due(&mut w);
    w
}

#[test]
fn report_4_an_unacknowledged_report_falls_due_for_escalation_after_the_set_hours() {
    let mut w = quiet_world();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let handled = w.file_report("bob", "tls@", "erin", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: handled },
    );
    w.later_hours(47);
    assert_eq!(run_due(&mut w), Vec::<&str>::new());
    w.later_hours(1);
    assert_eq!(run_due(&mut w), ["escalate_report"]);
    assert!(w.state.reports[&rep].escalated_at.is_some());
    assert!(w.state.reports[&handled].escalated_at.is_none());
    assert_eq!(run_due(&mut w), Vec::<&str>::new(), "once");
}

#[test]
fn notify_2_a_log_set_up_before_its_time_was_recorded_gets_a_first_digest_ending_now() {
    let mut w = World::empty("2024-01-01T00:00:00Z");
    // An older log's first event, without the time it was set up.
    w.state.apply(&Event::Bootstrapped {
        operator: p("op"),
        name: "Olly Operator".into(),
        at: None,
    });
    w.at("2026-03-01T10:00:00Z");
    let days = i64::from(w.state.numbers().iesg_digest_days);
    let digest = due(&w.state, w.now)
        .into_iter()
        .find(|c| c.name() == "issue_digest")
        .expect("a digest is due");
    assert_eq!(
        digest,
        Command::IssueDigest {
            from: w
                .now
                .checked_sub(jiff::SignedDuration::from_hours(24 * days))
                .unwrap(),
            to: w.now,
        }
    );
    w.ok("system", System, digest);
}

#[test]
fn act_1_a_temporary_suspension_falls_due_to_end_at_its_end() {
    let mut w = quiet_world();
    let id = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2024-01-15T00:00:00Z"),
    );
    w.at("2024-01-14T23:59:59Z");
    assert!(
        !due(&w.state, w.now)
            .iter()
            .any(|c| c.name() == "expire_action")
    );
    w.at("2024-01-15T00:00:00Z");
    assert!(run_due(&mut w).contains(&"expire_action"));
    assert!(!w.action(id).in_force());
}

#[test]
fn notify_2_the_iesg_digest_covers_each_period_once_without_gaps() {
    let mut w = World::ietf();
    let is_digest = |c: &Command| c.name() == "issue_digest";
    assert!(
        !due(&w.state, w.now).iter().any(is_digest),
        "not before a period is over"
    );
    // The first period runs from the log's set-up, 30 days by default.
    w.later_hours(30 * 24);
    let first = due(&w.state, w.now);
    let Some(Command::IssueDigest { from, to }) = first.iter().find(|c| is_digest(c)).cloned()
    else {
        panic!("{first:?}")
    };
    assert_eq!((from, to), (ts(FIXTURE_TIME), w.now));
    let events = w.ok("system", System, Command::IssueDigest { from, to });
    assert_eq!(owed(&events, "NOTIFY-2"), [Recipient::Iesg]);
    let until = w.state.digest_until.unwrap();
    assert_eq!(until, to);
    // Nothing more until the next period is over.
    w.later_hours(29 * 24);
    assert!(!due(&w.state, w.now).iter().any(is_digest));
    w.later_hours(24);
    let next = due(&w.state, w.now);
    let Some(Command::IssueDigest { from, to }) = next.iter().find(|c| is_digest(c)) else {
        panic!("{next:?}")
    };
    assert_eq!(
        (*from, *to),
        (until, modpod_policy::time::add_days(until, 30))
    );
    // A period that overlaps the last one is refused; so is one not yet over.
    let overlapping = Command::IssueDigest {
        from: modpod_policy::time::add_days(until, -1),
        to: w.now,
    };
    assert_eq!(
        w.refused("system", System, overlapping).requirement(),
        "NOTIFY-2"
    );
    let early = Command::IssueDigest {
        from: until,
        to: modpod_policy::time::add_days(w.now, 1),
    };
    w.refused("system", System, early);
    // Only the scheduler issues it.
    let r = w.refused(
        "op",
        Operator,
        Command::IssueDigest {
            from: *from,
            to: *to,
        },
    );
    assert_says(&r, "issuing the IESG digest");
}

#[test]
fn notify_5_the_community_report_is_published_every_period_and_names_its_period() {
    let mut w = World::ietf();
    let is_report = |c: &Command| c.name() == "publish_community_report";
    w.later_hours(89 * 24);
    assert!(
        !due(&w.state, w.now).iter().any(is_report),
        "90 days by default"
    );
    w.later_hours(24);
    let (from, to) = match due(&w.state, w.now).into_iter().find(is_report) {
        Some(Command::PublishCommunityReport { from, to }) => (from, to),
        other => panic!("{other:?}"),
    };
    let events = w.ok(
        "system",
        System,
        Command::PublishCommunityReport { from, to },
    );
    let owed_to: Vec<_> = notifications(&events)
        .into_iter()
        .map(|n| (n.to.clone(), n.about.clone()))
        .collect();
    assert_eq!(
        owed_to,
        [(
            Recipient::CommunityChannel,
            Subject::Period(Period { from, to })
        )]
    );
    w.later_hours(89 * 24);
    assert!(!due(&w.state, w.now).iter().any(is_report));
    w.later_hours(24);
    assert!(due(&w.state, w.now).iter().any(is_report));
}

#[test]
fn team_2_a_moderator_who_takes_an_excluding_role_is_reminded_weekly_until_recalled() {
    let mut w = quiet_world();
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("m1"),
            role: Role::IabMember,
        },
    );
    let events = {
        let commands = due(&w.state, w.now);
        assert_eq!(
            commands.iter().map(|c| c.name()).collect::<Vec<_>>(),
            ["remind_to_step_down"]
        );
        w.ok("system", System, commands[0].clone())
    };
    assert_eq!(owed(&events, "TEAM-2"), [to_person("m1"), Recipient::Iesg]);
    w.later_hours(6 * 24);
    assert_eq!(run_due(&mut w), Vec::<&str>::new());
    w.later_hours(24);
    assert_eq!(run_due(&mut w), ["remind_to_step_down"]);
    w.ok(
        "ad_sec",
        Capacity::Iesg,
        Command::RecallModerator {
            person: p("m1"),
            reason: "now on the IAB".into(),
        },
    );
    w.later_hours(7 * 24);
    assert!(
        !due(&w.state, w.now)
            .iter()
            .any(|c| c.name() == "remind_to_step_down")
    );
    // Nobody else may send the reminder, and not for a moderator in good standing.
    w.refused(
        "m2",
        Participant,
        Command::RemindToStepDown { person: p("m2") },
    );
    w.refused(
        "system",
        System,
        Command::RemindToStepDown { person: p("m2") },
    );
}
