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
    let appeal = w.appeal(filed_appeal(&events).id).clone();
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
fn notify_2_the_digest_is_the_iesg_s_and_holds_each_period_s_records() {
    use Capacity::{Llc, System};
    let mut w = World::ietf();
    let start = w.now;
    let spam = w.take("alice", Administrator, as_spam(suspend("erin", &["tls@"])));
    let suspension = w.take("alice", Administrator, suspend("bob", &["tls@"]));
    let events = w.ok("bob", Participant, disagree(suspension));
    let appeal = filed_appeal(&events).id;
    let events = w.ok(
        "llc_staff",
        Llc,
        Command::TakeLlcAction {
            subject: who("carol"),
            fora: fora(&["ietf@"]),
            grounds: LlcGrounds::CredibleThreatOfHarm,
            nature: "posting suspended".into(),
            reason: "a credible threat".into(),
            expected_duration: "a month".into(),
            grounds_description: None,
            withhold_on_legal_advice: Some("counsel: do not tell the lists".into()),
            withhold_from: vec![],
        },
    );
    let llc = taken_llc_action(&events).id;

    // Only the IESG reads it; nobody else, whatever else they may see.
    w.later_hours(1);
    let current = views::current_digest_period(&w.state, w.now);
    assert_eq!(current.from, start);
    for person in ["m1", "alice", "bob", "iab_member", "llc_staff", "erin"] {
        assert!(!views::may_see_digest(&w.state, &p(person)), "{person}");
        assert_eq!(views::digest(&w.state, &p(person), current, false), None);
    }
    let digest = views::digest(&w.state, &p("ad_sec"), current, false).unwrap();
    assert_eq!(
        digest
            .actions
            .iter()
            .map(|a| (a.id, a.spam))
            .collect::<Vec<_>>(),
        [(spam, true), (suspension, false)],
        "spam stays in the digest, marked (ACT-5)"
    );
    assert_eq!(
        digest.appeals.iter().map(|a| a.id).collect::<Vec<_>>(),
        [appeal]
    );
    assert_eq!(
        digest.llc_actions.iter().map(|a| a.id).collect::<Vec<_>>(),
        [llc]
    );
    assert!(views::digest(&w.state, &p("ietf_chair"), current, false).is_some());
    assert!(views::issued_digests(&w.state).is_empty());

    // The scheduler issues the first digest; the next period starts empty,
    // but the appeal decided in it is there.
    w.later_hours(30 * 24);
    let period = views::current_digest_period(&w.state, w.now);
    w.ok(
        "system",
        System,
        Command::IssueDigest {
            from: period.from,
            to: period.to,
        },
    );
    assert_eq!(views::issued_digests(&w.state), [period]);
    let issued = views::digest(&w.state, &p("ad_sec"), period, true).unwrap();
    assert_eq!(issued.actions.len(), 2);
    w.later_hours(1);
    w.ok(
        "ad_sec",
        Capacity::AreaDirector,
        decide_appeal(appeal, false, None),
    );
    w.later_hours(1);
    let next = views::current_digest_period(&w.state, w.now);
    assert_eq!(next.from, period.to);
    let digest = views::digest(&w.state, &p("ad_sec"), next, false).unwrap();
    assert!(digest.actions.is_empty() && digest.llc_actions.is_empty());
    assert_eq!(
        digest.appeals.iter().map(|a| a.id).collect::<Vec<_>>(),
        [appeal]
    );
}

#[test]
fn llc_1_legal_advice_is_read_by_the_llc_and_the_iesg_not_by_the_subject() {
    let mut w = World::ietf();
    let events = w.ok(
        "llc_staff",
        Capacity::Llc,
        Command::TakeLlcAction {
            subject: who("carol"),
            fora: vec![],
            grounds: LlcGrounds::SeriousLegalRisk,
            nature: "posting suspended".into(),
            reason: "content bringing legal risk".into(),
            expected_duration: "a week".into(),
            grounds_description: None,
            withhold_on_legal_advice: Some("ADVICE-MARK".into()),
            withhold_from: vec![],
        },
    );
    let id = taken_llc_action(&events).id;
    for person in ["llc_staff", "llc_board", "ad_sec"] {
        let seen = views::llc_action_for(&w.state, &p(person), id).unwrap();
        assert_eq!(
            seen.action.withheld_on_legal_advice.as_deref(),
            Some("ADVICE-MARK"),
            "{person}"
        );
    }
    let seen = views::llc_action_for(&w.state, &p("carol"), id).unwrap();
    assert!(seen.withheld);
    let json = serde_json::to_string(&seen).unwrap();
    assert!(!json.contains("ADVICE-MARK"), "{json}");
    for person in ["m1", "bob", "iab_member"] {
        assert!(
            views::llc_action_for(&w.state, &p(person), id).is_none(),
            "{person}"
        );
    }
}

#[test]
fn act_7_a_person_and_their_accounts_are_seen_by_themself_and_those_who_may_act() {
    let mut w = World::ietf();
    w.ok(
        "op",
        Capacity::Operator,
        Command::LinkIdentity {
            person: p("carol"),
            identity: Identity::new(IdentityKind::Github, "@CarolC").unwrap(),
        },
    );
    for viewer in ["carol", "alice", "dave", "m1", "op"] {
        let seen = views::person(&w.state, &p(viewer), &p("carol"))
            .unwrap_or_else(|| panic!("{viewer} must see carol"));
        assert_eq!(
            seen.identities,
            vec![
                email("carol@example.org"),
                Identity::new(IdentityKind::Github, "carolc").unwrap()
            ],
            "{viewer}"
        );
        assert!(!seen.moderator);
    }
    // Neither other participants, nor those who only hear appeals, nor the LLC.
    for viewer in ["bob", "erin", "ad_sec", "iab_member", "llc_staff"] {
        assert_eq!(
            views::person(&w.state, &p(viewer), &p("carol")),
            None,
            "{viewer} must not see carol"
        );
    }
    assert_eq!(views::person(&w.state, &p("m1"), &p("nobody")), None);
    let m2 = views::person(&w.state, &p("m2"), &p("m2")).unwrap();
    assert!(m2.moderator);
}

#[test]
fn proc_1_the_public_reads_approved_procedures_the_community_those_in_review() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    for version in [1, 2, 3] {
        w.ok(
            "m1",
            Moderator,
            Command::DraftProcedures {
                ladder: None,
                version,
                title: format!("v{version}"),
                text: "Contact the person off-list first.".into(),
                numbers: TeamNumbersChange::default(),
            },
        );
    }
    w.ok(
        "m1",
        Moderator,
        Command::OpenProceduresReview { version: 1 },
    );
    w.ok(
        "m1",
        Moderator,
        Command::OpenProceduresReview { version: 2 },
    );
    w.ok(
        "ad_sec",
        Capacity::Iesg,
        Command::ApproveProcedures { version: 1 },
    );
    let seen = |viewer: Option<&str>| -> Vec<u32> {
        let viewer = viewer.map(p);
        w.state
            .procedures
            .values()
            .filter(|v| views::may_see_procedures(&w.state, viewer.as_ref(), v))
            .map(|v| v.version)
            .collect()
    };
    assert_eq!(seen(None), [1], "the public: approved only");
    assert_eq!(seen(Some("bob")), [1, 2], "the community reviews version 2");
    assert_eq!(seen(Some("m3")), [1, 2, 3], "the team drafts");
    assert_eq!(seen(Some("ad_sec")), [1, 2, 3], "the IESG approves");
    assert_eq!(seen(Some("stranger")), [1]);
}

#[test]
fn notify_3_priv_1_the_public_announcements_are_exactly_the_suspensions_announced() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    // Announced: 15 days; indefinite.
    let long = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-16T10:00:00Z"),
    );
    let indefinite = w.take("m1", Moderator, suspend("erin", &["ietf@"]));
    // Not announced: exactly 14 days; an admonishment.
    let short = w.take(
        "alice",
        Administrator,
        suspend_until("bob", &["tls@"], "2026-03-15T10:00:00Z"),
    );
    w.take("alice", Administrator, admonish("dave", &["tls@"]));
    let listed = |w: &World| -> Vec<ActionId> {
        views::announcements(&w.state, w.now)
            .iter()
            .map(|a| a.action)
            .collect()
    };
    let mut got = listed(&w);
    got.sort();
    assert_eq!(got, [long, indefinite]);
    // bob asks for his short suspension to be announced: now it is.
    w.ok(
        "bob",
        Participant,
        Command::RequestAnnouncement { action: short },
    );
    let mut got = listed(&w);
    got.sort();
    assert_eq!(got, [long, indefinite, short]);
    // What is public: the name, the measure, the fora and the dates, no more.
    let json = serde_json::to_string(&views::announcements(&w.state, w.now)).unwrap();
    assert!(json.contains("Carol (participant)"), "{json}");
    assert!(
        !json.contains("alice") && !json.contains("reason"),
        "{json}"
    );
    // Rescinded or over, it is no longer listed.
    w.ok("alice", Administrator, rescind(long));
    w.at("2026-03-20T10:00:00Z");
    assert_eq!(listed(&w), [indefinite]);
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

#[test]
fn notify_1_each_recipient_reaches_the_people_who_hold_its_role() {
    use std::collections::BTreeSet;
    let w = World::ietf();
    let reached = |to: Recipient| views::reached(&w.state, &to);
    let people = |ids: &[&str]| ids.iter().map(|i| p(i)).collect::<BTreeSet<_>>();
    assert_eq!(reached(to_person("carol")), people(&["carol"]));
    assert_eq!(reached(Recipient::ModeratorTeam), people(&MODERATORS));
    assert_eq!(reached(to_admins("tls@")), people(&["alice"]));
    // The moderators administer a plenary forum (ROLE-3).
    assert_eq!(reached(to_admins("ietf@")), people(&MODERATORS));
    assert_eq!(
        reached(Recipient::Iesg),
        people(&["ad_sec", "ad_tsv", "ietf_chair"])
    );
    assert_eq!(reached(Recipient::Iab), people(&["iab_member"]));
    assert_eq!(reached(Recipient::IetfChair), people(&["ietf_chair"]));
    assert_eq!(reached(Recipient::LlcBoard), people(&["llc_board"]));
    assert_eq!(reached(Recipient::Ombudsteam), people(&["ombud"]));
    // A forum and the community channel reach the public, nobody in particular.
    assert_eq!(reached(to_forum("tls@")), people(&[]));
    assert_eq!(reached(Recipient::CommunityChannel), people(&[]));
}

#[test]
fn report_5_a_group_s_notification_names_the_reporter_only_to_those_who_handle_it_without_the_subject()
 {
    let mut w = World::ietf();
    let on_carol = w.file_report("bob", "tls@", "carol", "uncivil");
    let on_alice = w.file_report("bob", "tls@", "alice", "uncivil");
    let reporter =
        |to: Recipient, id| views::report_for_recipient(&w.state, &to, id).map(|v| v.reporter);
    // Those who handle it read who reported.
    assert_eq!(reporter(to_admins("tls@"), on_carol), Some(Some(p("bob"))));
    assert_eq!(
        reporter(Recipient::ModeratorTeam, on_carol),
        Some(Some(p("bob")))
    );
    // Others do not, and the public is given nothing.
    assert_eq!(reporter(Recipient::Iesg, on_carol), Some(None));
    assert_eq!(reporter(to_forum("tls@"), on_carol), None);
    // Nor does a group the subject is in: alice administers tls@.
    assert_eq!(reporter(to_admins("tls@"), on_alice), Some(None));
}

#[test]
fn report_5_the_subject_reads_their_action_without_its_evidence_others_read_it_whole() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let mut cmd = suspend("carol", &["tls@"]);
    if let Command::TakeAction { evidence, .. } = &mut cmd {
        evidence.push(Evidence {
            url: "https://mailarchive.ietf.org/arch/msg/tls/abc".into(),
            sha256: None,
        });
    }
    let a = w.take("alice", Administrator, cmd);
    let action = w.action(a).clone();
    assert!(
        views::action_as_seen_by(&p("carol"), &action)
            .evidence
            .is_empty()
    );
    assert_eq!(views::action_as_seen_by(&p("alice"), &action), action);
}

/// Everybody the fixture registers.
fn everybody() -> impl Iterator<Item = &'static str> {
    PEOPLE.iter().map(|(id, _)| *id)
}

#[test]
fn report_3_5_may_see_report_answers_as_the_report_view_does_for_everybody() {
    let mut w = World::ietf();
    let reports = [
        w.file_report("bob", "tls@", "carol", "uncivil"),
        w.file_report("bob", "ietf@", "erin", "uncivil"),
        w.file_report("erin", "quic@", "alice", "uncivil"),
        w.file_report("carol", "tls-chairs@", "bob", "uncivil"),
    ];
    for id in reports {
        let report = w.report_record(id).clone();
        for person in everybody() {
            let person = p(person);
            let shown = views::report_for(&w.state, &person, id).is_some();
            assert_eq!(
                views::may_see_report(&w.state, &person, &report),
                shown,
                "{person} on report {id}"
            );
            let listed = views::ReportsSeen::by(&w.state, &person).sees(&report);
            assert_eq!(listed, shown, "listing: {person} on report {id}");
        }
    }
    // Said plainly, for bob's report of carol on tls@: the reporter, the
    // subject, the forum's administrator and the moderators; nobody else.
    let report = w.report_record(reports[0]).clone();
    let sees = |who: &str| views::may_see_report(&w.state, &p(who), &report);
    for person in ["bob", "carol", "alice", "m1"] {
        assert!(sees(person), "{person}");
    }
    for person in ["erin", "dave", "ad_sec", "llc_staff"] {
        assert!(!sees(person), "{person}");
    }
    // On a forum that is not public the moderators do not (FORUM-3), its
    // administrator does.
    let private = w.report_record(reports[3]).clone();
    assert!(!views::may_see_report(&w.state, &p("m1"), &private));
    assert!(views::may_see_report(&w.state, &p("alice"), &private));
    // Once carol disagrees with an action citing it, the AD hearing it
    // sees it too, by both answers.
    let action = w.take(
        "alice",
        Administrator,
        citing(
            suspend_until("carol", &["tls@"], "2026-12-31T00:00:00Z"),
            &[reports[0]],
        ),
    );
    w.ok("carol", Participant, disagree(action));
    for id in reports {
        let report = w.report_record(id).clone();
        for person in everybody() {
            let person = p(person);
            let shown = views::report_for(&w.state, &person, id).is_some();
            assert_eq!(
                views::may_see_report(&w.state, &person, &report),
                shown,
                "{person} on report {id}, under appeal"
            );
            let listed = views::ReportsSeen::by(&w.state, &person).sees(&report);
            assert_eq!(
                listed, shown,
                "listing: {person} on report {id}, under appeal"
            );
        }
    }
    assert!(views::may_see_report(&w.state, &p("ad_sec"), &report));
}

/// bob reports carol on tls@, alice closes the report without action, and
/// bob disagrees: the events of the disagreement.
fn disagreement_with_a_closed_report(w: &mut World) -> Vec<Event> {
    let report = w.file_report("bob", "tls@", "carol", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report },
    );
    w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report,
            outcome: ReportOutcome::NotDisruptive,
        },
    );
    w.ok(
        "bob",
        Participant,
        Command::FileDisagreement {
            target: AppealTarget::Report(report),
            grounds: "the insults were plain".into(),
            note_well_seen: None,
        },
    )
}

#[test]
fn appeal_1_a_disagreement_with_a_closed_report_is_seen_by_its_appellant_its_handlers_and_those_who_hear_it()
 {
    let mut w = World::ietf();
    let events = disagreement_with_a_closed_report(&mut w);
    let appeal = w.appeal(filed_appeal(&events).id).clone();
    assert_eq!(appeal.steps[0].assigned_to, Some(p("ad_sec")));
    let sees = |who: &str| views::may_see_appeal(&w.state, &p(who), &appeal);
    // The appellant; those who handle the report; the AD it went to, any
    // other member of the IESG, and the IAB, who hear its later steps.
    for person in [
        "bob",
        "alice",
        "m1",
        "ad_sec",
        "ad_tsv",
        "ietf_chair",
        "iab_member",
    ] {
        assert!(sees(person), "{person} should see it");
    }
    // Never its subject (REPORT-5), nor anybody else.
    for person in ["carol", "erin", "dave", "llc_staff", "ombud"] {
        assert!(!sees(person), "{person} should not see it");
    }
}

#[test]
fn appeal_1_the_ad_a_disagreement_went_to_still_sees_it_after_leaving_the_iesg() {
    let mut w = World::ietf();
    let events = disagreement_with_a_closed_report(&mut w);
    let appeal = filed_appeal(&events).id;
    w.ok(
        "op",
        Capacity::Operator,
        Command::RevokeRole {
            person: p("ad_sec"),
            role: Role::AreaDirector { area: "sec".into() },
        },
    );
    let appeal = w.appeal(appeal).clone();
    assert!(!views::on_iesg(&w.state, &p("ad_sec")));
    assert!(views::may_see_appeal(&w.state, &p("ad_sec"), &appeal));
    assert!(!views::may_see_appeal(&w.state, &p("erin"), &appeal));
}

#[test]
fn reinst_2_a_request_is_seen_by_its_requester_and_by_those_who_see_the_action() {
    let mut w = World::ietf();
    w.at("2025-01-10T10:00:00Z");
    let action = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    w.at("2026-01-10T10:00:00Z");
    let events = w.ok(
        "carol",
        Participant,
        Command::RequestReinstatement {
            action,
            statement: "I have read the code of conduct".into(),
        },
    );
    let request = w.state.reinstatements[&requested_reinstatement(&events).id].clone();
    let action = w.action(action).clone();
    for person in everybody() {
        let by_one = views::may_see_reinstatement(&w.state, &p(person), &request);
        let by_viewer = views::may_see_reinstatement_as(
            &w.state,
            &views::ActionViewer::new(&w.state, &p(person)),
            &request,
        );
        assert_eq!(by_one, by_viewer, "{person}");
        assert_eq!(
            by_one,
            views::may_see_action(&w.state, &p(person), &action),
            "{person}: the request is seen as its action is"
        );
    }
    for person in ["carol", "alice", "m1", "ad_sec", "iab_member"] {
        assert!(
            views::may_see_reinstatement(&w.state, &p(person), &request),
            "{person}"
        );
    }
    for person in ["bob", "dave", "erin", "llc_staff"] {
        assert!(
            !views::may_see_reinstatement(&w.state, &p(person), &request),
            "{person}"
        );
    }
}

#[test]
fn notify_2_a_digest_period_is_half_open_and_holds_what_was_decided_in_it() {
    use Capacity::{Llc, LlcBoard};
    let mut w = World::ietf();
    w.at("2025-01-10T10:00:00Z");
    let suspension = w.take("m1", Moderator, suspend("carol", &["ietf@"]));
    let events = w.ok(
        "llc_staff",
        Llc,
        Command::TakeLlcAction {
            subject: who("erin"),
            fora: fora(&["ietf@"]),
            grounds: LlcGrounds::CredibleThreatOfHarm,
            nature: "posting suspended".into(),
            reason: "a credible threat".into(),
            expected_duration: "a month".into(),
            grounds_description: None,
            withhold_on_legal_advice: None,
            withhold_from: vec![],
        },
    );
    let reviewed = taken_llc_action(&events).id;
    let events = w.ok(
        "llc_staff",
        Llc,
        Command::TakeLlcAction {
            subject: who("bob"),
            fora: fora(&["ietf@"]),
            grounds: LlcGrounds::CredibleThreatOfHarm,
            nature: "posting suspended".into(),
            reason: "a credible threat".into(),
            expected_duration: "a month".into(),
            grounds_description: None,
            withhold_on_legal_advice: None,
            withhold_from: vec![],
        },
    );
    let lifted = taken_llc_action(&events).id;
    // A year on, carol asks to be reinstated and erin asks for a review.
    w.at("2026-01-10T10:00:00Z");
    let events = w.ok(
        "carol",
        Participant,
        Command::RequestReinstatement {
            action: suspension,
            statement: "I have read the code of conduct".into(),
        },
    );
    let request = requested_reinstatement(&events).id;
    w.ok(
        "erin",
        Participant,
        Command::RequestBoardReview { action: reviewed },
    );
    // A month on, each is decided, and bob's action lifted.
    w.at("2026-02-10T10:00:00Z");
    w.ok(
        "m2",
        Moderator,
        Command::DecideReinstatement {
            request,
            reinstate: false,
            conditions: None,
            rationale: "discussed by the team".into(),
        },
    );
    w.ok(
        "llc_board",
        LlcBoard,
        Command::DecideBoardReview {
            action: reviewed,
            lift: false,
            rationale: "the threat stands".into(),
        },
    );
    w.ok(
        "llc_staff",
        Llc,
        Command::LiftLlcAction {
            action: lifted,
            reason: "threat withdrawn".into(),
        },
    );
    let digest = |from: &str, to: &str| {
        let period = Period {
            from: ts(from),
            to: ts(to),
        };
        let d = views::digest(&w.state, &p("ad_sec"), period, false).unwrap();
        (
            d.actions.iter().map(|a| a.id).collect::<Vec<_>>(),
            d.reinstatements.iter().map(|r| r.id).collect::<Vec<_>>(),
            d.llc_actions.iter().map(|a| a.id).collect::<Vec<_>>(),
        )
    };
    // The period ends before its `to`: what happens at that instant is the
    // next period's.
    assert_eq!(
        digest("2025-01-01T00:00:00Z", "2025-01-10T10:00:00Z"),
        (vec![], vec![], vec![])
    );
    assert_eq!(
        digest("2025-01-10T10:00:00Z", "2025-01-11T00:00:00Z"),
        (vec![suspension], vec![], vec![reviewed, lifted])
    );
    // The request and the review asked for in January.
    assert_eq!(
        digest("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        (vec![], vec![request], vec![reviewed])
    );
    // The decisions and the lifting in February.
    assert_eq!(
        digest("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"),
        (vec![], vec![request], vec![reviewed, lifted])
    );
}

#[test]
fn notify_2_only_the_digests_owed_to_the_iesg_are_issued_digests() {
    let mut w = World::ietf();
    let start = w.now;
    w.later_hours(24 * 30);
    let to = w.now;
    // The community report of a period is not a digest of it.
    w.ok(
        "m1",
        Moderator,
        Command::PublishCommunityReport { from: start, to },
    );
    assert!(views::issued_digests(&w.state).is_empty());
    w.ok(
        "system",
        Capacity::System,
        Command::IssueDigest { from: start, to },
    );
    assert_eq!(
        views::issued_digests(&w.state),
        [Period { from: start, to }]
    );
}

#[test]
fn notify_2_without_a_recorded_start_the_period_under_way_is_one_digest_period_back() {
    let state = State::default();
    let now = ts("2026-03-01T00:00:00Z");
    let days = i64::from(state.numbers().iesg_digest_days);
    assert_eq!(
        views::current_digest_period(&state, now),
        Period {
            from: ts("2026-03-01T00:00:00Z") - jiff::SignedDuration::from_hours(24 * days),
            to: now,
        }
    );
}

#[test]
fn llc_1_an_llc_action_says_who_was_told_of_it() {
    let mut w = World::ietf();
    let take = |w: &mut World, subject: &str, advice: Option<&str>, from: Vec<LlcAudience>| {
        let events = w.ok(
            "llc_staff",
            Capacity::Llc,
            Command::TakeLlcAction {
                subject: who(subject),
                fora: fora(&["ietf@"]),
                grounds: LlcGrounds::CredibleThreatOfHarm,
                nature: "posting suspended".into(),
                reason: "a credible threat".into(),
                expected_duration: "a month".into(),
                grounds_description: None,
                withhold_on_legal_advice: advice.map(Into::into),
                withhold_from: from,
            },
        );
        taken_llc_action(&events).id
    };
    let told = |w: &World, id| views::llc_action_for(&w.state, &p("llc_staff"), id).unwrap();
    let open = take(&mut w, "carol", None, vec![]);
    let seen = told(&w, open);
    assert!(!seen.withheld);
    assert_eq!(
        seen.told,
        [
            LlcAudience::Iesg,
            LlcAudience::Moderators,
            LlcAudience::Community
        ]
    );
    let partly = take(
        &mut w,
        "erin",
        Some("counsel: not the team"),
        vec![LlcAudience::Moderators],
    );
    let seen = told(&w, partly);
    assert!(seen.withheld);
    assert_eq!(seen.told, [LlcAudience::Iesg, LlcAudience::Community]);
}

#[test]
fn notify_3_an_announced_suspension_is_no_longer_listed_from_the_instant_it_ends() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let id = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-16T10:00:00Z"),
    );
    let listed = |at: &str| -> Vec<ActionId> {
        views::announcements(&w.state, ts(at))
            .iter()
            .map(|a| a.action)
            .collect()
    };
    assert_eq!(listed("2026-03-16T09:59:59Z"), [id]);
    assert_eq!(listed("2026-03-16T10:00:00Z"), []);
}

#[test]
fn appeal_1_those_hearing_an_appeal_read_the_report_it_is_about_but_not_who_filed_it() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let action = w.take(
        "alice",
        Administrator,
        citing(
            suspend_until("carol", &["tls@"], "2026-12-31T00:00:00Z"),
            &[rep],
        ),
    );
    let reads = |w: &World, person: &str| {
        views::report_for(&w.state, &p(person), rep).map(|seen| {
            assert_eq!(seen.reporter, None, "{person} reads who filed it");
            assert!(
                seen.description.is_some(),
                "{person} reads only that it exists"
            );
        })
    };
    // Before any disagreement, neither the AD nor the IESG nor the IAB.
    for person in ["ad_sec", "ad_tsv", "iab_member"] {
        assert_eq!(reads(&w, person), None, "{person}");
    }
    let events = w.ok("carol", Participant, disagree(action));
    let appeal = filed_appeal(&events).id;
    // The AD it went to reads it; another AD, the IAB, not yet.
    assert_eq!(reads(&w, "ad_sec"), Some(()));
    assert_eq!(reads(&w, "ad_tsv"), None);
    assert_eq!(reads(&w, "iab_member"), None);
    // At the IESG, the IESG reads it.
    w.ok(
        "ad_sec",
        Capacity::AreaDirector,
        decide_appeal(appeal, false, None),
    );
    w.ok("carol", Participant, Command::EscalateAppeal { appeal });
    assert_eq!(reads(&w, "ad_tsv"), Some(()));
    assert_eq!(reads(&w, "iab_member"), None);
    // Its subject still reads it as its subject; the reporter as theirs.
    let subject = views::report_for(&w.state, &p("carol"), rep).unwrap();
    assert_eq!((subject.reporter, subject.description), (None, None));
    let reporter = views::report_for(&w.state, &p("bob"), rep).unwrap();
    assert_eq!(reporter.reporter, Some(p("bob")));
}

#[test]
fn appeal_2_a_closed_report_is_read_by_each_body_it_reaches_and_no_other_report_is() {
    let mut w = World::ietf();
    // The tls AD gone: a disagreement goes to the IETF chair (APPEAL-1).
    w.ok(
        "op",
        Capacity::Operator,
        Command::RevokeRole {
            person: p("ad_sec"),
            role: Role::AreaDirector { area: "sec".into() },
        },
    );
    let report = w.file_report("bob", "tls@", "carol", "uncivil");
    let other = w.file_report("erin", "tls@", "carol", "off-topic");
    for command in [
        Command::AcknowledgeReport { report },
        Command::ResolveReport {
            report,
            outcome: ReportOutcome::NotDisruptive,
        },
    ] {
        w.ok("alice", Administrator, command);
    }
    let reads = |w: &World, person: &str, id| views::report_for(&w.state, &p(person), id).is_some();
    assert!(!reads(&w, "ietf_chair", report));
    let events = w.ok(
        "bob",
        Participant,
        Command::FileDisagreement {
            target: AppealTarget::Report(report),
            grounds: "the insults were plain".into(),
            note_well_seen: None,
        },
    );
    let appeal = filed_appeal(&events).id;
    // Each body reads it once the disagreement reaches it; never the other
    // report, which nobody disagreed with.
    let readers = |w: &World| {
        ["ietf_chair", "ad_tsv", "iab_member"]
            .map(|person| (reads(w, person, report), reads(w, person, other)))
    };
    assert_eq!(readers(&w), [(true, false), (false, false), (false, false)]);
    w.ok(
        "ietf_chair",
        Capacity::IetfChair,
        decide_appeal(appeal, false, None),
    );
    w.ok("bob", Participant, Command::EscalateAppeal { appeal });
    assert_eq!(readers(&w), [(true, false), (true, false), (false, false)]);
    w.ok("ad_tsv", Capacity::Iesg, decide_appeal(appeal, false, None));
    w.ok("bob", Participant, Command::EscalateAppeal { appeal });
    assert_eq!(readers(&w), [(true, false), (true, false), (true, false)]);
}

/// The operators keep the login accounts and the registry of groups: only
/// they make password reset links and read the registry's page.
#[test]
fn only_an_operator_resets_passwords_and_reads_the_registry() {
    let w = World::ietf();
    assert!(views::may_reset_passwords(&w.state, &p("op")));
    assert!(views::may_see_registry(&w.state, &p("op")));
    for who in ["alice", "m1", "bob", "nobody"] {
        assert!(!views::may_reset_passwords(&w.state, &p(who)), "{who}");
        assert!(!views::may_see_registry(&w.state, &p(who)), "{who}");
    }
}

#[test]
fn report_3_the_fora_a_person_handles_are_those_they_handle_reports_on_one_by_one() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    w.ok(
        "alice",
        Administrator,
        Command::DelegateAdministration {
            forum: f("tls@"),
            to: p("carol"),
        },
    );
    let mut handled = 0;
    for person in everybody() {
        let person = p(person);
        let one_by_one: Vec<ForumId> = w
            .state
            .fora
            .values()
            .filter(|forum| {
                [Administrator, Moderator].into_iter().any(|c| {
                    views::handles_reports_on(&w.state, &Actor::new(person.clone(), c), forum)
                })
            })
            .map(|forum| forum.id.clone())
            .collect();
        let at_once: Vec<ForumId> = views::fora_handled_by(&w.state, &person)
            .into_iter()
            .map(|forum| forum.id.clone())
            .collect();
        assert_eq!(at_once, one_by_one, "{person}");
        handled += at_once.len();
    }
    let of = |who: &str| -> Vec<ForumId> {
        views::fora_handled_by(&w.state, &p(who))
            .into_iter()
            .map(|forum| forum.id.clone())
            .collect()
    };
    assert_eq!(of("alice"), fora(&["tls-chairs@", "tls-chat", "tls@"]));
    assert_eq!(of("carol"), fora(&["tls@"]));
    assert!(of("m1").contains(&f("ietf@")) && !of("m1").contains(&f("tls-chairs@")));
    assert!(of("bob").is_empty());
    assert!(handled > 10);
}
