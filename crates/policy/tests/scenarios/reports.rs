//! Reports (REPORT-1..4), the ombudsteam (OMBUDS-1), the Note Well (NOTEWELL-1)
//! and what the reporter is told (FEEDBACK-1).

use crate::world::*;
use Capacity::{Administrator, Iesg, Moderator, Operator, Participant};

#[test]
fn report_1_a_report_goes_to_the_administrators_and_the_moderators() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let ev = w.ok("bob", Participant, report("tls@", "carol", "uncivil"));
    let rep = filed_report(&ev);
    let r = w.report_record(rep);
    assert_eq!(
        (r.reporter.clone(), r.subject.clone(), r.forum.clone()),
        (p("bob"), p("carol"), f("tls@"))
    );
    assert_eq!(r.state, ReportState::Received);
    assert_eq!(r.filed_at, ts("2026-03-01T10:00:00Z"));
    assert_eq!(
        owed(&ev, "REPORT-1"),
        vec![to_admins("tls@"), Recipient::ModeratorTeam]
    );
}

#[test]
fn report_1_behaviour_directed_at_someone_else_about_an_unknown_account() {
    // erin reports an address nobody has linked yet: a person record is made for it.
    let mut w = World::ietf();
    let cmd = Command::FileReport {
        forum: f("ietf@"),
        subject: SubjectRef::Identity {
            identity: email("Troll@Example.NET"),
        },
        category: "uncivil".into(),
        description: "insults aimed at a newcomer".into(),
        links: vec![],
        note_well_seen: None,
    };
    let ev = w.ok("erin", Participant, cmd);
    assert_eq!(
        kinds(&ev)[..3],
        ["person_registered", "identity_linked", "report_filed"]
    );
    let subject = w.report_record(filed_report(&ev)).subject.clone();
    assert_eq!(
        w.state.person_with(&email("troll@example.net")),
        Some(&subject)
    );
    // A known account resolves to its person.
    let ev = w.ok(
        "erin",
        Participant,
        Command::FileReport {
            forum: f("ietf@"),
            subject: SubjectRef::Identity {
                identity: email("CAROL@example.org"),
            },
            category: "off-topic".into(),
            description: "again".into(),
            links: vec![],
            note_well_seen: None,
        },
    );
    assert_eq!(kinds(&ev)[0], "report_filed");
    assert_eq!(w.report_record(filed_report(&ev)).subject, p("carol"));
}

#[test]
fn report_1_only_people_in_a_reporting_capacity_file_reports() {
    let mut w = World::ietf();
    let r = w.refused(
        "llc_staff",
        Capacity::Llc,
        report("ietf@", "carol", "uncivil"),
    );
    assert_eq!(r.requirement(), "REPORT-1");
    // An administrator or a moderator may report, as anyone.
    w.ok("alice", Administrator, report("ietf@", "carol", "uncivil"));
    w.ok("m1", Moderator, report("tls@", "carol", "uncivil"));
}

#[test]
fn report_2_categories_include_the_policy_s_examples() {
    let w = World::ietf();
    let ids: Vec<&str> = w.state.categories.iter().map(|c| c.id.as_str()).collect();
    for id in [
        "off-topic",
        "uncivil",
        "unsanctioned-announcement",
        "arguing-against-charter",
        "sealioning",
        "bulk",
        "harassment",
        "other",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let harassment: Vec<&str> = w
        .state
        .categories
        .iter()
        .filter(|c| c.harassment)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(harassment, ["harassment"]);
}

#[test]
fn report_2_categories_are_data_an_operator_adds_one() {
    let mut w = World::ietf();
    let r = w.refused("bob", Participant, report("ietf@", "carol", "doxxing"));
    assert_eq!(r.requirement(), "INPUT");
    assert_says(&r, "\"doxxing\" is not a category; one of: off-topic");
    let doxxing = Category {
        id: "doxxing".into(),
        title: "Publishing private information".into(),
        explanation: "Posting someone's private details.".into(),
        harassment: true,
    };
    let r = w.refused(
        "bob",
        Participant,
        Command::AddCategory {
            category: doxxing.clone(),
        },
    );
    assert_eq!(r.requirement(), "REPORT-2");
    let ev = w.ok(
        "op",
        Operator,
        Command::AddCategory {
            category: doxxing.clone(),
        },
    );
    assert_eq!(ev, vec![Event::CategoryAdded { category: doxxing }]);
    // Usable at once, with its data (harassment: referred) taking effect.
    let ev = w.ok("bob", Participant, report("ietf@", "carol", "doxxing"));
    assert!(kinds(&ev).contains(&"referred_to_ombudsteam"));
}

#[test]
fn report_3_a_report_moves_received_acknowledged_in_review_resolved() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.later_hours(2);
    let ev = w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    assert_eq!(
        ev[0],
        Event::ReportAcknowledged {
            report: rep,
            by: p("alice"),
            at: ts("2026-03-01T12:00:00Z")
        }
    );
    assert_eq!(w.report_record(rep).state, ReportState::Acknowledged);
    // The acknowledgement is visible to the reporter: they are told.
    assert_eq!(owed(&ev, "REPORT-3"), vec![to_person("bob")]);
    w.ok("alice", Administrator, Command::StartReview { report: rep });
    assert_eq!(w.report_record(rep).state, ReportState::InReview);
    let a = w.take(
        "alice",
        Administrator,
        citing(admonish("carol", &["tls@"]), &[rep]),
    );
    w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report: rep,
            outcome: ReportOutcome::ActionTaken { action: a },
        },
    );
    assert_eq!(
        w.report_record(rep).state,
        ReportState::Resolved {
            outcome: ReportOutcome::ActionTaken { action: a }
        }
    );
}

#[test]
fn report_3_steps_out_of_order_are_refused() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let r = w.refused(
        "alice",
        Administrator,
        Command::ResolveReport {
            report: rep,
            outcome: ReportOutcome::NotDisruptive,
        },
    );
    assert_eq!(r.requirement(), "REPORT-3");
    assert_says(&r, "report #1 is received");
    let r = w.refused("alice", Administrator, Command::StartReview { report: rep });
    assert_eq!(r.requirement(), "REPORT-3");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    let r = w.refused(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    assert_eq!(r.requirement(), "REPORT-3");
    assert_says(&r, "already acknowledged");
    w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report: rep,
            outcome: ReportOutcome::NotDisruptive,
        },
    );
    let r = w.refused(
        "alice",
        Administrator,
        Command::ResolveReport {
            report: rep,
            outcome: ReportOutcome::NoActionNeeded,
        },
    );
    assert_eq!(r.requirement(), "REPORT-3");
}

#[test]
fn report_3_only_the_forum_s_administrators_handle_its_reports() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let r = w.refused(
        "dave",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    assert_eq!(r.requirement(), "ROLE-2");
    assert_says(&r, "dave does not administer tls@");
    let r = w.refused(
        "bob",
        Participant,
        Command::AcknowledgeReport { report: rep },
    );
    assert_eq!(r.requirement(), "REPORT-3");
}

#[test]
fn feedback_1_the_reporter_is_told_how_the_report_ended() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    let ev = w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report: rep,
            outcome: ReportOutcome::NotDisruptive,
        },
    );
    assert_eq!(owed(&ev, "FEEDBACK-1"), vec![to_person("bob")]);
}

#[test]
fn report_4_escalation_before_the_deadline_is_refused() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.at("2026-03-03T09:59:59Z");
    let r = w.refused(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
    assert_eq!(r.requirement(), "REPORT-4");
    assert_says(&r, "escalates at 2026-03-03T10:00:00Z");
    // Not even a moderator can hurry it.
    let r = w.refused("m1", Moderator, Command::EscalateReport { report: rep });
    assert_eq!(r.requirement(), "REPORT-4");
}

#[test]
fn report_4_an_unacknowledged_report_escalates_to_the_moderators() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    // Until then the moderators may not take it up.
    let r = w.refused("m1", Moderator, Command::AcknowledgeReport { report: rep });
    assert_eq!(r.requirement(), "REPORT-4");
    assert_says(&r, "for the administrators of tls@ until it escalates");
    w.at("2026-03-03T10:00:00Z");
    let ev = w.ok(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
    assert_eq!(
        ev[0],
        Event::ReportEscalated {
            report: rep,
            at: ts("2026-03-03T10:00:00Z")
        }
    );
    // The team is told, and its first step is to contact the administrators.
    assert_eq!(
        owed(&ev, "REPORT-4"),
        vec![Recipient::ModeratorTeam, to_admins("tls@")]
    );
    w.ok("m1", Moderator, Command::AcknowledgeReport { report: rep });
    // Escalation happens once.
    let r = w.refused(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
    assert_eq!(r.requirement(), "REPORT-4");
}

#[test]
fn report_4_a_report_taken_up_in_time_does_not_escalate() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    w.later_hours(100);
    let r = w.refused(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
    assert_eq!(r.requirement(), "REPORT-4");
    assert_says(&r, "acknowledged but still unresolved");
}

#[test]
fn report_4_an_acknowledged_report_left_unresolved_escalates_too() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.at("2026-03-01T12:00:00Z");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    // Fourteen days after the acknowledgement, by default.
    let escalations = |w: &World| -> Vec<Command> {
        modpod_policy::schedule::due(&w.state, w.now)
            .into_iter()
            .filter(|c| matches!(c, Command::EscalateReport { .. }))
            .collect()
    };
    w.at("2026-03-15T11:59:00Z");
    assert!(escalations(&w).is_empty());
    let r = w.refused(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
    assert_says(&r, "2026-03-15T12:00:00Z");
    w.at("2026-03-15T12:00:00Z");
    assert_eq!(
        escalations(&w),
        vec![Command::EscalateReport { report: rep }]
    );
    let ev = w.ok(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
    assert!(recipients(&ev).contains(&Recipient::ModeratorTeam));
    // Once resolved, nothing escalates.
    let later = w.file_report("erin", "tls@", "carol", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: later },
    );
    w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report: later,
            outcome: ReportOutcome::NoActionNeeded,
        },
    );
    w.at("2026-06-01T00:00:00Z");
    let r = w.refused(
        "system",
        Capacity::System,
        Command::EscalateReport { report: later },
    );
    assert_eq!(r.requirement(), "REPORT-4");
}

#[test]
fn report_4_a_report_on_a_non_public_forum_never_escalates_to_the_team() {
    let mut w = World::ietf();
    let forum = w
        .state
        .fora
        .values()
        .find(|f| !f.public && w.state.policy_applies(f))
        .map(|f| f.id.to_string())
        .expect("the fixture has a non-public IETF forum");
    let rep = w.file_report("bob", &forum, "carol", "uncivil");
    w.later_hours(24 * 365);
    assert!(
        modpod_policy::schedule::due(&w.state, w.now)
            .iter()
            .all(|c| !matches!(c, Command::EscalateReport { .. }))
    );
    let r = w.refused(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
    assert_eq!(r.requirement(), "FORUM-3");
}

#[test]
fn report_4_the_escalation_time_is_one_of_the_teams_numbers() {
    let mut w = World::ietf();
    // One moderator cannot set it, nor an operator.
    for (who, capacity, requirement) in [("m1", Moderator, "ROLE-1"), ("op", Operator, "PROC-1")] {
        let r = w.refused(
            who,
            capacity,
            Command::ChangeSettings {
                settings: SettingsChange {
                    escalation_hours: Some(1),
                    ..SettingsChange::default()
                },
            },
        );
        assert_eq!(r.requirement(), requirement, "{who}: {r:?}");
    }
    // A draft of the procedures does not put it in force either.
    w.ok(
        "m1",
        Moderator,
        Command::DraftProcedures {
            ladder: None,
            version: 1,
            title: "faster".into(),
            text: "escalate after an hour".into(),
            numbers: TeamNumbersChange {
                escalation_hours: Some(1),
                ..TeamNumbersChange::default()
            },
        },
    );
    assert_eq!(w.state.numbers().escalation_hours, 48);
    // An approved version does.
    w.ok(
        "m2",
        Moderator,
        Command::OpenProceduresReview { version: 1 },
    );
    w.ok("ad_sec", Iesg, Command::ApproveProcedures { version: 1 });
    assert_eq!(w.state.numbers().escalation_hours, 1);
    w.approve_numbers(TeamNumbersChange {
        escalation_hours: Some(4),
        ..TeamNumbersChange::default()
    });
    w.at("2026-03-01T10:00:00Z");
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.at("2026-03-01T13:59:00Z");
    let r = w.refused(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
    assert_says(&r, "2026-03-01T14:00:00Z");
    w.at("2026-03-01T14:00:00Z");
    w.ok(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
}

#[test]
fn report_4_an_administrator_may_hand_a_report_over_early() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let r = w.refused(
        "dave",
        Administrator,
        Command::EscalateReport { report: rep },
    );
    assert_eq!(r.requirement(), "REPORT-4");
    let ev = w.ok(
        "alice",
        Administrator,
        Command::EscalateReport { report: rep },
    );
    assert_eq!(kinds(&ev)[0], "report_escalated");
}

#[test]
fn ombuds_1_a_harassment_report_is_referred_to_the_ombudsteam() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let ev = w.ok("bob", Participant, report("tls@", "carol", "harassment"));
    let rep = filed_report(&ev);
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::ReferredToOmbudsteam { report, .. } if *report == rep)),
        "{:?}",
        kinds(&ev)
    );
    assert_eq!(owed(&ev, "OMBUDS-1"), vec![Recipient::Ombudsteam]);
    assert_eq!(
        w.state.referrals.values().copied().collect::<Vec<_>>(),
        vec![rep]
    );
    // The administrators may still act on the disruptive behaviour.
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    let a = w.take(
        "alice",
        Administrator,
        citing(
            suspend_until("carol", &["tls@"], "2026-03-08T10:00:00Z"),
            &[rep],
        ),
    );
    assert_eq!(w.action(a).reports, vec![rep]);
}

#[test]
fn ombuds_1_other_categories_are_not_referred_unless_a_handler_refers_them() {
    let mut w = World::ietf();
    let ev = w.ok("bob", Participant, report("tls@", "carol", "uncivil"));
    let rep = filed_report(&ev);
    assert!(owed(&ev, "OMBUDS-1").is_empty());
    assert!(!kinds(&ev).contains(&"referred_to_ombudsteam"));
    let r = w.refused(
        "bob",
        Participant,
        Command::ReferToOmbudsteam {
            report: rep,
            note: "please".into(),
        },
    );
    assert_eq!(r.requirement(), "REPORT-3");
    let ev = w.ok(
        "alice",
        Administrator,
        Command::ReferToOmbudsteam {
            report: rep,
            note: "looks like a pattern".into(),
        },
    );
    assert_eq!(kinds(&ev), ["referred_to_ombudsteam", "notification_owed"]);
    assert_eq!(owed(&ev, "OMBUDS-1"), vec![Recipient::Ombudsteam]);
}

#[test]
fn notewell_1_the_version_seen_is_recorded_when_reporting() {
    let mut w = World::ietf();
    w.ok(
        "op",
        Operator,
        Command::PublishNoteWell {
            version: 3,
            text: "Note Well ...".into(),
            links: vec!["https://www.ietf.org/about/note-well/".into()],
        },
    );
    let mut cmd = report("tls@", "carol", "uncivil");
    if let Command::FileReport { note_well_seen, .. } = &mut cmd {
        *note_well_seen = Some(3);
    }
    let ev = w.ok("bob", Participant, cmd);
    assert!(
        ev.contains(&Event::NoteWellSeen {
            person: p("bob"),
            version: 3
        }),
        "{:?}",
        kinds(&ev)
    );
    assert_eq!(w.state.note_well_seen.get(&p("bob")), Some(&3));
}

#[test]
fn notewell_1_never_blocks_a_report() {
    let mut w = World::ietf();
    // No Note Well published at all, and one the reporter claims to have seen that does not exist.
    let ev = w.ok("bob", Participant, report("tls@", "carol", "uncivil"));
    assert!(!kinds(&ev).contains(&"note_well_seen"));
    let mut cmd = report("tls@", "carol", "uncivil");
    if let Command::FileReport { note_well_seen, .. } = &mut cmd {
        *note_well_seen = Some(99);
    }
    let ev = w.ok("bob", Participant, cmd);
    assert_eq!(kinds(&ev)[0], "report_filed");
    assert!(!kinds(&ev).contains(&"note_well_seen"));
}

#[test]
fn notewell_1_seeing_it_elsewhere_is_recorded_too() {
    let mut w = World::ietf();
    let r = w.refused(
        "bob",
        Participant,
        Command::RecordNoteWellSeen { version: 1 },
    );
    assert_eq!(r.requirement(), "INPUT");
    w.ok(
        "ad_sec",
        Capacity::Iesg,
        Command::PublishNoteWell {
            version: 1,
            text: "Note Well".into(),
            links: vec![],
        },
    );
    let r = w.refused(
        "bob",
        Participant,
        Command::PublishNoteWell {
            version: 2,
            text: "mine".into(),
            links: vec![],
        },
    );
    assert_eq!(r.requirement(), "NOTEWELL-1");
    let ev = w.ok(
        "bob",
        Participant,
        Command::RecordNoteWellSeen { version: 1 },
    );
    assert_eq!(
        ev,
        vec![Event::NoteWellSeen {
            person: p("bob"),
            version: 1
        }]
    );
}

#[test]
fn report_4_a_huge_escalation_time_is_a_far_deadline_not_a_crash() {
    let mut w = World::ietf();
    w.approve_numbers(TeamNumbersChange {
        escalation_hours: Some(u32::MAX),
        ..TeamNumbersChange::default()
    });
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.at("2090-01-01T00:00:00Z");
    let r = w.refused(
        "system",
        Capacity::System,
        Command::EscalateReport { report: rep },
    );
    assert_eq!(r.requirement(), "REPORT-4");
}

fn assign(report: ReportId, to: Option<&str>) -> Command {
    Command::AssignReport {
        report,
        to: to.map(p),
    }
}

#[test]
fn report_3_an_open_report_is_assigned_to_one_who_handles_its_forum() {
    let mut w = World::ietf();
    let r = w.file_report("bob", "tls@", "carol", "uncivil");
    // The chair takes it on, then gives it to a moderator.
    let ev = w.ok("alice", Administrator, assign(r, Some("alice")));
    assert_eq!(
        ev,
        vec![Event::ReportAssigned {
            report: r,
            to: Some(p("alice")),
            by: p("alice"),
            at: w.now,
        }]
    );
    assert_eq!(w.report_record(r).assignee, Some(p("alice")));
    w.ok("alice", Administrator, assign(r, Some("m1")));
    assert_eq!(w.report_record(r).assignee, Some(p("m1")));
    // Assigning it to whoever has it already changes nothing, so is refused.
    let again = w.refused("alice", Administrator, assign(r, Some("m1")));
    assert_eq!(again.requirement(), "REPORT-3");
    assert_says(&again, "already assigned to m1");
    // Taken back; taking back what nobody has is refused.
    w.ok("alice", Administrator, assign(r, None));
    assert_eq!(w.report_record(r).assignee, None);
    assert_eq!(
        w.refused("alice", Administrator, assign(r, None))
            .requirement(),
        "REPORT-3"
    );
}

#[test]
fn report_3_a_report_is_assigned_only_by_and_to_those_who_handle_it() {
    let mut w = World::ietf();
    let r = w.file_report("bob", "tls@", "carol", "uncivil");
    // The assignee must administer the forum or be a moderator.
    let other_chair = w.refused("alice", Administrator, assign(r, Some("dave")));
    assert_eq!(other_chair.requirement(), "REPORT-1");
    assert_says(&other_chair, "dave is neither an administrator of tls@");
    // Its subject never handles it (and would see who reported them).
    let subject = w.refused("alice", Administrator, assign(r, Some("carol")));
    assert_eq!(subject.requirement(), "REPORT-5");
    assert_eq!(
        w.refused("alice", Administrator, assign(r, Some("nobody")))
            .code(),
        "unknown"
    );
    // Whoever assigns must handle the report: not another forum's chair, not
    // a participant, and not the moderators before it escalates (REPORT-4).
    assert_eq!(
        w.refused("dave", Administrator, assign(r, Some("dave")))
            .requirement(),
        "ROLE-2"
    );
    assert_eq!(
        w.refused("bob", Participant, assign(r, Some("alice")))
            .requirement(),
        "REPORT-3"
    );
    assert_eq!(
        w.refused("m2", Moderator, assign(r, Some("m2")))
            .requirement(),
        "REPORT-4"
    );
    w.escalate_when_due(r);
    w.ok("m2", Moderator, assign(r, Some("m2")));
    assert_eq!(w.report_record(r).assignee, Some(p("m2")));
    // A resolved report is assigned to nobody new.
    w.ok("m2", Moderator, Command::AcknowledgeReport { report: r });
    w.ok(
        "m2",
        Moderator,
        Command::ResolveReport {
            report: r,
            outcome: ReportOutcome::NoActionNeeded,
        },
    );
    let closed = w.refused("m2", Moderator, assign(r, Some("m3")));
    assert_eq!(closed.requirement(), "REPORT-3");
    assert_says(&closed, "resolved");
}

#[test]
fn report_1_a_report_carries_at_most_fifty_links() {
    let mut w = World::ietf();
    let with_links = |n: usize| {
        let mut c = report("tls@", "carol", "uncivil");
        if let Command::FileReport { links, .. } = &mut c {
            *links = (0..n)
                .map(|i| format!("https://mailarchive.ietf.org/arch/msg/tls/{i}"))
                .collect();
        }
        c
    };
    let r = w.refused("bob", Participant, with_links(51));
    assert_says(&r, "links: at most 50 links");
    w.ok("bob", Participant, with_links(50));
}

#[test]
fn report_3_a_report_is_resolved_only_with_an_outcome_about_it() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let report = w.file_report("bob", "tls@", "carol", "uncivil");
    let earlier = w.file_report("erin", "tls@", "carol", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report },
    );
    let resolve = |outcome| Command::ResolveReport { report, outcome };
    // An action on someone else did not resolve it, nor one that does not exist.
    let on_erin = w.take("alice", Administrator, admonish("erin", &["tls@"]));
    let r = w.refused(
        "alice",
        Administrator,
        resolve(ReportOutcome::ActionTaken { action: on_erin }),
    );
    assert_says(&r, "action #1 is not about the person reported");
    let r = w.refused(
        "alice",
        Administrator,
        resolve(ReportOutcome::ActionTaken {
            action: ActionId(42),
        }),
    );
    assert_says(&r, "there is no action #42");
    // A duplicate is of another report that exists.
    let r = w.refused(
        "alice",
        Administrator,
        resolve(ReportOutcome::Duplicate { of: report }),
    );
    assert_says(&r, "a report cannot duplicate itself");
    let r = w.refused(
        "alice",
        Administrator,
        resolve(ReportOutcome::Duplicate { of: ReportId(42) }),
    );
    assert_says(&r, "there is no report #42");
    w.ok(
        "alice",
        Administrator,
        resolve(ReportOutcome::Duplicate { of: earlier }),
    );
}

/// Records are numbered from 1, as people count them. A log written when
/// they were numbered from 0 keeps its numbers, and goes on after the highest.
#[test]
fn records_are_numbered_from_1_and_an_older_log_goes_on_after_its_highest() {
    let mut w = World::ietf();
    let before = w.state.clone();
    let filed = w.ok("bob", Participant, report("tls@", "carol", "uncivil"));
    assert_eq!(filed_report(&filed), ReportId(1));
    assert!(notifications(&filed).iter().all(|n| n.id.0 >= 1));
    let acted = w.ok("alice", Administrator, admonish("carol", &["tls@"]));
    assert_eq!(taken_action(&acted).id, ActionId(1));

    // The same report as a log of before numbered it: #0, then #1 is next.
    let mut old = before;
    let numbered = |id: u64, old: &mut State| {
        let mut event = filed
            .iter()
            .find(|e| matches!(e, Event::ReportFiled { .. }))
            .unwrap()
            .clone();
        if let Event::ReportFiled { report } = &mut event {
            report.id = ReportId(id);
        }
        old.apply(&event);
    };
    numbered(0, &mut old);
    assert!(old.reports.contains_key(&ReportId(0)));
    let next = decide(
        &old,
        &Actor::new(p("bob"), Participant),
        &report("tls@", "carol", "uncivil"),
        w.now,
    )
    .unwrap();
    assert_eq!(filed_report(&next.events), ReportId(1));
    numbered(7, &mut old);
    let next = decide(
        &old,
        &Actor::new(p("bob"), Participant),
        &report("tls@", "carol", "uncivil"),
        w.now,
    )
    .unwrap();
    assert_eq!(filed_report(&next.events), ReportId(8));
}

/// The open reports come in the order they fall due, then those that never
/// will (on a forum that is not public, or whose deadline would be past the
/// end of time), by number; one is overdue from its deadline on.
#[test]
fn report_4_open_reports_come_in_the_order_they_fall_due_and_are_overdue_from_their_deadline() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let acknowledged = w.file_report("bob", "tls@", "carol", "uncivil");
    w.at("2026-03-01T11:00:00Z");
    let received = w.file_report("bob", "tls@", "erin", "uncivil");
    let private = w.file_report("bob", "tls-chairs@", "carol", "uncivil");
    w.at("2026-03-01T12:00:00Z");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport {
            report: acknowledged,
        },
    );
    let everywhere = |_: &Forum| true;
    let order = |w: &World| -> Vec<_> { w.state.open_in_due_order(everywhere).collect() };
    let resolution = (acknowledged, Some(ts("2026-03-15T12:00:00Z")));
    assert_eq!(
        order(&w),
        [
            (received, Some(ts("2026-03-03T11:00:00Z"))),
            resolution,
            (private, None),
        ]
    );
    let counts = |w: &World, now: &str| w.state.open_counts(everywhere, ts(now));
    assert_eq!(counts(&w, "2026-03-03T10:59:59Z").overdue, 0);
    assert_eq!(counts(&w, "2026-03-03T11:00:00Z").overdue, 1);
    assert_eq!(counts(&w, "2026-03-15T12:00:00Z").overdue, 2);
    assert_eq!(counts(&w, "2026-03-15T12:00:00Z").open, 3);
    // Only the fora asked about.
    let tls = |f: &Forum| f.id.as_str() == "tls-chairs@";
    assert_eq!(w.state.open_in_due_order(tls).total, 1);
    assert_eq!(w.state.open_counts(tls, ts("2027-01-01T00:00:00Z")).open, 1);

    // Escalated, it has no deadline any more, and counts as escalated.
    w.at("2026-03-03T11:00:00Z");
    w.ok(
        "system",
        Capacity::System,
        Command::EscalateReport { report: received },
    );
    let c = counts(&w, "2026-03-03T11:00:00Z");
    assert_eq!((c.open, c.escalated, c.overdue), (3, 1, 0));
    assert_eq!(order(&w), [resolution, (received, None), (private, None)]);

    // A deadline past the end of time is none: the report sorts by number
    // among those that have none.
    let late = w.file_report("bob", "tls@", "dave", "uncivil");
    w.approve_numbers(TeamNumbersChange {
        escalation_hours: Some(u32::MAX),
        ..TeamNumbersChange::default()
    });
    let undated = [received, private, late].map(|r| (r, None));
    assert_eq!(order(&w)[..], [&[resolution][..], &undated].concat());
    assert_eq!(counts(&w, "9999-01-01T00:00:00Z").overdue, 1);
    w.approve_numbers(TeamNumbersChange {
        resolution_days: Some(u32::MAX),
        ..TeamNumbersChange::default()
    });
    let none = [acknowledged, received, private, late].map(|r| (r, None));
    assert_eq!(order(&w), none);
    assert_eq!(counts(&w, "9999-01-01T00:00:00Z").overdue, 0);

    // Reopened without ever being acknowledged, a report has no deadline.
    let reopened = w.file_report("bob", "tls@", "erin", "uncivil");
    for e in [
        Event::ReportResolved {
            report: reopened,
            outcome: ReportOutcome::NotDisruptive,
        },
        Event::ReportReopened {
            report: reopened,
            at: w.now,
        },
    ] {
        w.state.apply(&e);
    }
    assert_eq!(w.state.open_in_due_order(everywhere).total, 5);
    assert_eq!(order(&w).last(), Some(&(reopened, None)));
    let c = counts(&w, "9999-01-01T00:00:00Z");
    assert_eq!((c.open, c.escalated, c.overdue), (5, 1, 0));
}
