//! What each person may see: reporter privacy (REPORT-5), the reporter's view
//! of their report (REPORT-3) and a person's history (ACT-7).

use crate::world::*;
use Capacity::{Administrator, Moderator, Participant};
use modpod_policy::Command;
use modpod_policy::views;

fn viewer(person: &str, capacity: Capacity) -> Actor {
    Actor::new(p(person), capacity)
}

#[test]
fn report_5_the_reporter_is_hidden_from_the_subject() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let seen = views::report(&w.state, &viewer("carol", Participant), rep).unwrap();
    assert_eq!(seen.reporter, None);
    assert_eq!(seen.subject, p("carol"));
    let json = serde_json::to_string(&seen).unwrap();
    assert!(!json.contains("bob"), "{json}");
}

#[test]
fn report_5_the_reporter_and_the_handlers_see_who_reported() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    for (person, cap) in [
        ("bob", Participant),
        ("alice", Administrator),
        ("m1", Moderator),
    ] {
        let seen = views::report(&w.state, &viewer(person, cap), rep).unwrap();
        assert_eq!(seen.reporter, Some(p("bob")), "{person}");
    }
    // Anyone else sees nothing at all.
    assert_eq!(
        views::report(&w.state, &viewer("erin", Participant), rep),
        None
    );
    assert_eq!(
        views::report(&w.state, &viewer("dave", Administrator), rep),
        None
    );
    // Claiming a capacity one does not hold does not help.
    assert_eq!(
        views::report(&w.state, &viewer("erin", Moderator), rep),
        None
    );
}

#[test]
fn report_5_a_subject_who_handles_the_report_still_does_not_see_the_reporter() {
    // bob reports alice on her own WG's list, and m1 on the plenary list.
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "alice", "uncivil");
    let seen = views::report(&w.state, &viewer("alice", Administrator), rep).unwrap();
    assert_eq!(seen.reporter, None);
    let rep = w.file_report("bob", "ietf@", "m1", "uncivil");
    let seen = views::report(&w.state, &viewer("m1", Moderator), rep).unwrap();
    assert_eq!(seen.reporter, None);
    // Other handlers still do.
    let seen = views::report(&w.state, &viewer("m2", Moderator), rep).unwrap();
    assert_eq!(seen.reporter, Some(p("bob")));
}

#[test]
fn report_5_notifications_never_name_the_reporter() {
    let mut w = World::ietf();
    let ev = w.ok("bob", Participant, report("tls@", "carol", "harassment"));
    for n in notifications(&ev) {
        let json = serde_json::to_string(n).unwrap();
        assert!(!json.contains("bob"), "{json}");
    }
}

#[test]
fn report_3_the_reporter_sees_the_acknowledgement() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let seen = views::report(&w.state, &viewer("bob", Participant), rep).unwrap();
    assert_eq!(
        (seen.state, seen.acknowledged_at),
        (ReportState::Received, None)
    );
    w.later_hours(3);
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    let seen = views::report(&w.state, &viewer("bob", Participant), rep).unwrap();
    assert_eq!(
        (seen.state, seen.acknowledged_at),
        (ReportState::Acknowledged, Some(ts("2026-03-01T13:00:00Z")))
    );
}

/// carol has been acted on in three fora, by three different people.
fn carol_with_a_history() -> World {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    w.take("alice", Administrator, admonish("carol", &["tls@"]));
    w.take(
        "dave",
        Administrator,
        suspend_until("carol", &["quic@"], "2026-03-08T10:00:00Z"),
    );
    w.take("m1", Moderator, suspend("carol", &["ietf@"]));
    w.take("m1", Moderator, suspend("bob", &["ietf@"]));
    w
}

#[test]
fn act_7_history_across_fora_is_visible_to_an_admin_of_any_forum() {
    let w = carol_with_a_history();
    let seen = views::history(&w.state, &viewer("dave", Administrator), &p("carol")).unwrap();
    let fora_seen: Vec<&str> = seen
        .iter()
        .flat_map(|a| a.terms.fora.iter().map(ForumId::as_str))
        .collect();
    assert_eq!(fora_seen, ["tls@", "quic@", "ietf@"]);
    assert!(seen.iter().all(|a| a.subject == p("carol")));
}

#[test]
fn act_7_history_is_visible_to_moderators_and_to_the_person() {
    let w = carol_with_a_history();
    assert_eq!(
        views::history(&w.state, &viewer("m4", Moderator), &p("carol"))
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        views::history(&w.state, &viewer("carol", Participant), &p("carol"))
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn act_7_history_is_refused_to_an_unrelated_participant() {
    let w = carol_with_a_history();
    for v in [
        viewer("erin", Participant),
        viewer("erin", Administrator),
        viewer("erin", Moderator),
        viewer("bob", Participant),
    ] {
        let r = views::history(&w.state, &v, &p("carol")).unwrap_err();
        assert_eq!(r.requirement(), "ACT-7", "{v:?}");
        assert_says(&r, "visible to them and to administrators and moderators");
    }
    let r = views::history(&w.state, &viewer("m1", Moderator), &p("nobody")).unwrap_err();
    assert_eq!(r.requirement(), "INPUT");
}

#[test]
fn report_5_a_subject_cannot_handle_a_report_about_themselves() {
    // Handling a report shows its reporter, so its subject may not handle it,
    // even as an administrator of the forum; a co-chair may.
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "alice", "uncivil");
    let r = w.refused(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    assert_eq!(r.requirement(), "REPORT-5");
    assert_says(&r, "another administrator or a moderator handles it");
}

#[test]
fn act_7_an_action_is_seen_by_its_subject_those_who_act_and_those_who_hear_appeals() {
    let mut w = World::ietf();
    let id = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    let action = w.action(id).clone();
    for person in ["carol", "alice", "m1", "ad_sec", "ietf_chair", "iab_member"] {
        assert!(
            views::may_see_action(&w.state, &p(person), &action),
            "{person} should see it"
        );
    }
    // The quic chair, another participant, the LLC and the ombudsteam do not.
    for person in ["dave", "bob", "erin", "llc_staff", "ombud", "trustee"] {
        assert!(
            !views::may_see_action(&w.state, &p(person), &action),
            "{person} should not see it"
        );
    }
}

#[test]
fn act_7_an_appeal_is_seen_by_its_appellant_and_by_those_who_see_the_action() {
    let mut w = World::ietf();
    let id = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    let events = w.ok("carol", Participant, disagree(id));
    let appeal = filed_appeal(&events).clone();
    assert!(views::may_see_appeal(&w.state, &p("carol"), &appeal));
    assert!(views::may_see_appeal(&w.state, &p("ad_sec"), &appeal));
    assert!(!views::may_see_appeal(&w.state, &p("bob"), &appeal));
    assert!(!views::may_see_appeal(&w.state, &p("dave"), &appeal));
}

#[test]
fn report_5_the_widest_view_of_a_person_with_several_capacities_still_hides_the_reporter_from_the_subject()
 {
    let mut w = World::ietf();
    // Alice chairs tls, and is reported there: she handles reports on the
    // forum, yet never learns who reported her.
    let rep = w.file_report("bob", "tls@", "alice", "uncivil");
    let seen = views::report_for(&w.state, &p("alice"), rep).unwrap();
    assert_eq!(seen.reporter, None);
    let seen = views::report_for(&w.state, &p("m1"), rep).unwrap();
    assert_eq!(seen.reporter, Some(p("bob")));
    assert!(views::report_for(&w.state, &p("erin"), rep).is_none());
}

#[test]
fn report_3_who_has_a_report_is_shown_to_those_who_handle_it_only() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AssignReport {
            report: rep,
            to: Some(p("m1")),
        },
    );
    for (person, cap) in [("alice", Administrator), ("m2", Moderator)] {
        let seen = views::report(&w.state, &viewer(person, cap), rep).unwrap();
        assert_eq!(seen.assignee, Some(p("m1")), "{person}");
    }
    for person in ["bob", "carol"] {
        let seen = views::report(&w.state, &viewer(person, Participant), rep).unwrap();
        assert_eq!(seen.assignee, None, "{person}");
    }
}
