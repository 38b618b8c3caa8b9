//! The team's texts (TEMPLATE-1): drafted by one moderator, vetted by
//! another (TEAM-5), then named with their version in every notification
//! rendered from them; a level of the ladder has its own texts for the
//! person, the list and the reporter.

use super::world::*;
use Capacity::{Administrator, Moderator, Participant};
use modpod_policy::decide::{Kind, Target, permits};
use modpod_policy::requirement::Requirement;

const NOW: &str = "2026-03-02T10:00:00Z";

fn draft(name: &str, text: &str) -> Command {
    Command::DraftTemplate {
        name: name.into(),
        text: text.into(),
    }
}

fn approve(name: &str, version: u32) -> Command {
    Command::ApproveTemplate {
        name: name.into(),
        version,
    }
}

/// The template and version of the notification to `to` among `events`.
fn named(events: &[Event], to: &Recipient) -> (String, u32) {
    let n = notifications(events)
        .into_iter()
        .find(|n| n.to == *to)
        .unwrap_or_else(|| panic!("nothing owed to {to:?}"));
    (n.template.to_string(), n.template_version)
}

fn level_1(subject: &str) -> Command {
    at_level(
        act(subject, Measure::PublicAdmonishment, &["ietf@"]),
        1,
        Some("repeated insults"),
        Some("Please keep ietf@ civil."),
    )
}

#[test]
fn template_1_a_draft_is_used_once_another_moderator_approved_it_and_each_notification_names_its_version()
 {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok(
        "m1",
        Moderator,
        draft("level-1/person", "Subject: A note\n\nBe civil.\n"),
    );
    assert_eq!(kinds(&ev), ["template_drafted"]);

    // A draft is not used: the level's texts are still modpod's own.
    let ev = w.ok("m1", Moderator, level_1("carol"));
    assert_eq!(
        named(&ev, &to_person("carol")),
        ("level-1/person".into(), 0)
    );
    assert_eq!(named(&ev, &to_forum("ietf@")), ("level-1/list".into(), 0));

    // Its writer cannot vet it; another moderator does.
    let r = w.refused("m1", Moderator, approve("level-1/person", 1));
    assert_eq!(r.requirement(), Requirement::Team5);
    assert_says(&r, "another moderator");
    let ev = w.ok("m2", Moderator, approve("level-1/person", 1));
    assert_eq!(kinds(&ev), ["template_approved"]);
    assert_eq!(w.state.template_version("level-1/person"), 1);

    w.later_hours(24 * 40);
    let ev = w.ok("m1", Moderator, level_1("erin"));
    assert_eq!(named(&ev, &to_person("erin")), ("level-1/person".into(), 1));
    assert_eq!(
        named(&ev, &to_forum("ietf@")),
        ("level-1/list".into(), 0),
        "the list's text is another template"
    );
    // The administrators keep their own notification.
    assert_eq!(
        named(&ev, &to_admins("ietf@")),
        ("action-taken/administrators".into(), 0)
    );

    // A newer draft, approved, is used from then on; an older draft can no
    // longer be approved over it.
    w.ok(
        "m1",
        Moderator,
        draft("level-1/person", "Subject: Two\n\nA.\n"),
    );
    w.ok(
        "m3",
        Moderator,
        draft("level-1/person", "Subject: Three\n\nB.\n"),
    );
    w.ok("m2", Moderator, approve("level-1/person", 3));
    let r = w.refused("m2", Moderator, approve("level-1/person", 2));
    assert_eq!(r.requirement(), Requirement::Template1);
    assert_eq!(w.state.template_version("level-1/person"), 3);
    let history = &w.state.templates["level-1/person"];
    assert_eq!(history.versions.len(), 3, "every version is kept");
    assert_eq!(
        history.versions[0].approved.as_ref().map(|a| &a.0),
        Some(&p("m2"))
    );
    assert!(history.versions[1].approved.is_none());
}

#[test]
fn template_1_an_action_without_a_level_is_told_in_its_notification_s_own_texts() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.ok("alice", Administrator, admonish("carol", &["tls@"]));
    assert_eq!(
        named(&ev, &to_person("carol")),
        ("action-taken/person".into(), 0)
    );
    w.ok(
        "m1",
        Moderator,
        draft("action-taken/person", "Subject: X\n\nY\n"),
    );
    w.ok("m2", Moderator, approve("action-taken/person", 1));
    let ev = w.ok("alice", Administrator, admonish("erin", &["tls@"]));
    assert_eq!(
        named(&ev, &to_person("erin")),
        ("action-taken/person".into(), 1)
    );
}

#[test]
fn template_1_only_moderators_write_the_texts_and_only_under_a_template_s_name() {
    let mut w = World::ietf();
    w.at(NOW);
    let text = "Subject: A\n\nB\n";
    for (who, capacity) in [("alice", Administrator), ("carol", Participant)] {
        let r = w.refused(who, capacity, draft("level-0/person", text));
        assert_eq!(r.requirement(), Requirement::Template1, "{who}");
    }
    for name in [
        "",
        "level-0",
        "../level-0/person",
        "Level-0/Person",
        "level-0/person/x",
        "_footer/x",
    ] {
        let r = w.refused("m1", Moderator, draft(name, text));
        assert!(
            matches!(r, Refusal::Invalid { field: "name", .. }),
            "{name:?}: {r}"
        );
    }
    // A level's texts: a level on the ladder in force, for the person, the
    // list or the reporter.
    for name in ["level-3/person", "level-1/moderators"] {
        let r = w.refused("m1", Moderator, draft(name, text));
        assert!(
            matches!(r, Refusal::Invalid { field: "name", .. }),
            "{name}"
        );
        assert_says(&r, "ladder");
    }
    let r = w.refused("m1", Moderator, draft("level-0/person", "  \n"));
    assert!(matches!(r, Refusal::Invalid { field: "text", .. }));
    let r = w.refused(
        "m1",
        Moderator,
        draft("level-0/person", &"x".repeat(20_001)),
    );
    assert!(matches!(r, Refusal::Invalid { field: "text", .. }));

    w.ok("m1", Moderator, draft("level-0/person", text));
    let r = w.refused("m2", Moderator, draft("level-0/person", text));
    assert_says(&r, "version 1 of level-0/person already");
    w.ok("m2", Moderator, approve("level-0/person", 1));
    let r = w.refused("m3", Moderator, draft("level-0/person", text));
    assert_says(&r, "version 1 of level-0/person already");

    let r = w.refused("m2", Moderator, approve("level-0/person", 1));
    assert_eq!(r.requirement(), Requirement::Template1, "approved already");
    let r = w.refused("m2", Moderator, approve("level-0/person", 2));
    assert!(matches!(r, Refusal::Unknown { .. }));
    let r = w.refused("alice", Administrator, approve("level-0/person", 1));
    assert_eq!(r.requirement(), Requirement::Team5);
}

#[test]
fn template_1_permits_answers_as_decide_does() {
    let mut w = World::ietf();
    w.at(NOW);
    let as_ = |person: &str, capacity| Actor {
        person: p(person),
        capacity,
    };
    let may = |w: &World, who: &Actor, kind, target| permits(&w.state, who, kind, target, w.now);
    let (m1, m2, alice) = (
        as_("m1", Moderator),
        as_("m2", Moderator),
        as_("alice", Administrator),
    );
    assert!(
        may(
            &w,
            &m1,
            Kind::DraftTemplate,
            Target::Template("level-1/list")
        )
        .is_ok()
    );
    assert!(
        may(
            &w,
            &alice,
            Kind::DraftTemplate,
            Target::Template("level-1/list")
        )
        .is_err()
    );
    assert!(
        may(
            &w,
            &m1,
            Kind::DraftTemplate,
            Target::Template("level-7/list")
        )
        .is_err()
    );
    w.ok("m1", Moderator, draft("level-1/list", "Subject: A\n\nB\n"));
    let v1 = Target::TemplateVersion("level-1/list", 1);
    assert!(
        may(&w, &m1, Kind::ApproveTemplate, v1).is_err(),
        "its writer"
    );
    assert!(may(&w, &m2, Kind::ApproveTemplate, v1).is_ok());
    assert!(may(&w, &alice, Kind::ApproveTemplate, v1).is_err());
}

/// The reporter of a report resolved by an action at a level is told in
/// that level's text for the reporter; by an action without a level, or
/// any other outcome, in the resolution's own.
#[test]
fn template_1_feedback_1_the_reporter_is_told_in_the_text_of_the_action_s_level() {
    let mut w = World::ietf();
    w.at(NOW);
    w.ok(
        "m1",
        Moderator,
        draft(
            "level-1/reporter",
            "Subject: Thanks\n\nWe asked for a break.\n",
        ),
    );
    w.ok("m2", Moderator, approve("level-1/reporter", 1));
    let resolve_by = |w: &mut World, who: &str, capacity, forum: &str, action: Command| {
        let report = filed_report(&w.ok("bob", Participant, report(forum, "carol", "uncivil")));
        w.ok(who, capacity, Command::AcknowledgeReport { report });
        let action = taken_action(&w.ok(who, capacity, action)).id;
        let ev = w.ok(
            who,
            capacity,
            Command::ResolveReport {
                report,
                outcome: ReportOutcome::ActionTaken { action },
            },
        );
        w.later_hours(24 * 40);
        named(&ev, &to_person("bob"))
    };
    assert_eq!(
        resolve_by(&mut w, "m1", Moderator, "ietf@", level_1("carol")),
        ("level-1/reporter".into(), 1)
    );
    assert_eq!(
        resolve_by(
            &mut w,
            "alice",
            Administrator,
            "tls@",
            admonish("carol", &["tls@"])
        ),
        ("report-resolved/reporter".into(), 0)
    );
    let report = filed_report(&w.ok("bob", Participant, report("tls@", "erin", "uncivil")));
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report },
    );
    let ev = w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report,
            outcome: ReportOutcome::NoActionNeeded,
        },
    );
    assert_eq!(
        named(&ev, &to_person("bob")),
        ("report-resolved/reporter".into(), 0)
    );
}
