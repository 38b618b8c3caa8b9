//! `permits`: the question a page asks before it offers a form ("may this
//! person do this kind of thing here, now?") has the answer `decide` gives
//! the command once its fields are filled in, for every kind, every record
//! and every person of a life of the policy.

use crate::world::*;
use Capacity::*;
use modpod_policy::{Kind, Target, permits};

/// A well-formed command of `kind` about `target`, as a form would send it.
fn filled(kind: Kind, target: Target, w: &World) -> Option<Command> {
    let text = || "written in full".to_owned();
    Some(match (kind, target) {
        (Kind::AcknowledgeReport, Target::Report(report)) => Command::AcknowledgeReport { report },
        (Kind::StartReview, Target::Report(report)) => Command::StartReview { report },
        (Kind::AssignReport, Target::Report(report)) => Command::AssignReport {
            report,
            to: w.state.reports[&report].assignee.clone().xor(Some(p("m2"))),
        },
        (Kind::EscalateReport, Target::Report(report)) => Command::EscalateReport { report },
        (Kind::ResolveReport, Target::Report(report)) => Command::ResolveReport {
            report,
            outcome: ReportOutcome::NoActionNeeded,
        },
        (Kind::ReferToOmbudsteam, Target::Report(report)) => Command::ReferToOmbudsteam {
            report,
            note: text(),
        },
        (Kind::PostCaseMessage, Target::Thread(report, thread)) => Command::PostCaseMessage {
            report,
            thread,
            text: text(),
        },
        (Kind::TakeAction, Target::Report(report)) => {
            let r = &w.state.reports[&report];
            citing(
                act(
                    r.subject.as_str(),
                    Measure::PrivateAdmonishment,
                    &[r.forum.as_str()],
                ),
                &[report],
            )
        }
        (Kind::TakeAction, Target::ReportOn(report, forum)) => {
            let r = &w.state.reports[&report];
            citing(
                act(
                    r.subject.as_str(),
                    Measure::PrivateAdmonishment,
                    &[forum.as_str()],
                ),
                &[report],
            )
        }
        (Kind::ConsultModerators, Target::Action(action)) => Command::ConsultModerators {
            action,
            note: text(),
        },
        (Kind::AnswerConsultation, Target::Consultation(action, consultation)) => {
            Command::AnswerConsultation {
                action,
                consultation,
                answer: text(),
            }
        }
        (Kind::RescindAction, Target::Action(action)) => Command::RescindAction {
            action,
            reason: text(),
        },
        (Kind::RequestAnnouncement, Target::Action(action)) => {
            Command::RequestAnnouncement { action }
        }
        (Kind::FileDisagreement, Target::Action(id)) => Command::FileDisagreement {
            target: AppealTarget::Action(id),
            grounds: text(),
            note_well_seen: None,
        },
        (Kind::FileDisagreement, Target::Report(id)) => Command::FileDisagreement {
            target: AppealTarget::Report(id),
            grounds: text(),
            note_well_seen: None,
        },
        (Kind::DecideAppeal, Target::Appeal(appeal)) => Command::DecideAppeal {
            appeal,
            upheld: false,
            remedy: None,
            rationale: text(),
        },
        (Kind::EscalateAppeal, Target::Appeal(appeal)) => Command::EscalateAppeal { appeal },
        (Kind::RequestReinstatement, Target::Action(action)) => Command::RequestReinstatement {
            action,
            statement: text(),
        },
        (Kind::DecideReinstatement, Target::Reinstatement(request)) => {
            Command::DecideReinstatement {
                request,
                reinstate: false,
                conditions: None,
                rationale: text(),
            }
        }
        (Kind::LiftLlcAction, Target::LlcAction(action)) => Command::LiftLlcAction {
            action,
            reason: text(),
        },
        (Kind::RequestBoardReview, Target::LlcAction(action)) => {
            Command::RequestBoardReview { action }
        }
        (Kind::DecideBoardReview, Target::LlcAction(action)) => Command::DecideBoardReview {
            action,
            lift: false,
            rationale: text(),
        },
        _ => return None,
    })
}

#[test]
fn permits_answers_as_decide_does_for_every_kind_record_and_person() {
    let mut w = World::ietf();
    w.at("2025-03-01T10:00:00Z");
    // Reports in every state, an action by each kind of actor, a consultation,
    // appeals, a reinstatement request, an LLC action under review.
    let received = w.file_report("bob", "tls@", "carol", "uncivil");
    let acknowledged = w.file_report("erin", "tls@", "bob", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport {
            report: acknowledged,
        },
    );
    let closed = w.file_report("carol", "quic@", "erin", "sealioning");
    w.ok(
        "dave",
        Administrator,
        Command::AcknowledgeReport { report: closed },
    );
    w.ok(
        "dave",
        Administrator,
        Command::ResolveReport {
            report: closed,
            outcome: ReportOutcome::NotDisruptive,
        },
    );
    let on_plenary = w.file_report("bob", "ietf@", "m1", "uncivil");
    let by_chair = w.take(
        "alice",
        Administrator,
        suspend_until("bob", &["tls@"], "2025-04-01T10:00:00Z"),
    );
    let by_team = w.take("m1", Moderator, suspend("carol", &["ietf@"]));
    w.ok("carol", Participant, disagree(by_team));
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("alice"),
            role: Role::ForumAdministrator { forum: f("ietf@") },
        },
    );
    w.ok(
        "alice",
        Administrator,
        Command::ConsultModerators {
            action: by_team,
            note: "n".into(),
        },
    );
    w.ok("bob", Participant, disagree(by_chair));
    let llc = w.ok(
        "llc_staff",
        Llc,
        Command::TakeLlcAction {
            subject: who("erin"),
            fora: fora(&["ietf@"]),
            grounds: LlcGrounds::SeriousLegalRisk,
            grounds_description: None,
            nature: "suspension".into(),
            reason: "legal".into(),
            expected_duration: "a month".into(),
            withhold_on_legal_advice: None,
            withhold_from: vec![],
        },
    );
    let llc = taken_llc_action(&llc).id;
    w.ok(
        "erin",
        Participant,
        Command::RequestBoardReview { action: llc },
    );
    w.at("2026-03-02T10:00:00Z");
    let request = requested_reinstatement(&w.ok(
        "carol",
        Participant,
        Command::RequestReinstatement {
            action: by_team,
            statement: "I will follow the code of conduct".into(),
        },
    ))
    .id;

    let kinds = [
        Kind::AcknowledgeReport,
        Kind::StartReview,
        Kind::AssignReport,
        Kind::EscalateReport,
        Kind::ResolveReport,
        Kind::ReferToOmbudsteam,
        Kind::PostCaseMessage,
        Kind::TakeAction,
        Kind::ConsultModerators,
        Kind::AnswerConsultation,
        Kind::RescindAction,
        Kind::RequestAnnouncement,
        Kind::FileDisagreement,
        Kind::DecideAppeal,
        Kind::EscalateAppeal,
        Kind::RequestReinstatement,
        Kind::DecideReinstatement,
        Kind::LiftLlcAction,
        Kind::RequestBoardReview,
        Kind::DecideBoardReview,
    ];
    let mut targets = vec![Target::Consultation(by_team, 0), Target::LlcAction(llc)];
    targets.extend([received, acknowledged, closed, on_plenary].map(Target::Report));
    for report in [received, closed, on_plenary] {
        targets.extend(Thread::ALL.map(|thread| Target::Thread(report, thread)));
    }
    // An action citing a report, on one forum or another (ACT-2).
    let other_fora = fora(&["tls@", "tls-chat", "ietf@", "quic@", "cfrg@"]);
    for report in [received, acknowledged, on_plenary] {
        targets.extend(other_fora.iter().map(|f| Target::ReportOn(report, f)));
    }
    targets.extend([by_chair, by_team].map(Target::Action));
    targets.extend(w.state.appeals.keys().map(|a| Target::Appeal(*a)));
    targets.push(Target::Reinstatement(request));
    let actors = [
        ("alice", Administrator),
        ("dave", Administrator),
        ("m1", Moderator),
        ("m2", Moderator),
        ("bob", Participant),
        ("carol", Participant),
        ("erin", Participant),
        ("ad_sec", AreaDirector),
        ("ad_sec", Iesg),
        ("ietf_chair", IetfChair),
        ("iab_member", Iab),
        ("llc_staff", Llc),
        ("llc_board", LlcBoard),
        ("system", System),
    ];
    let (mut checked, mut permitted) = (0, 0);
    for kind in kinds {
        for target in &targets {
            let Some(command) = filled(kind, *target, &w) else {
                continue;
            };
            for (person, capacity) in actors {
                let actor = Actor::new(p(person), capacity);
                let asked = permits(&w.state, &actor, kind, *target, w.now);
                let decided = decide(&w.state, &actor, &command, w.now).map(|_| ());
                assert_eq!(
                    asked.is_ok(),
                    decided.is_ok(),
                    "{person} as {capacity:?}, {kind:?} {target:?}: permits says {asked:?}, decide says {decided:?}"
                );
                if let (Err(a), Err(d)) = (&asked, &decided) {
                    assert_eq!(
                        a.requirement(),
                        d.requirement(),
                        "{person} {kind:?} {target:?}"
                    );
                }
                checked += 1;
                permitted += usize::from(asked.is_ok());
            }
        }
    }
    assert!(
        checked > 300 && permitted > 15,
        "{checked} checked, {permitted} permitted"
    );
}

#[test]
fn permits_refuses_a_kind_about_the_wrong_record() {
    let w = World::ietf();
    let r = permits(
        &w.state,
        &Actor::new(p("alice"), Capacity::Administrator),
        Kind::AcknowledgeReport,
        Target::Action(ActionId(0)),
        w.now,
    )
    .unwrap_err();
    assert_eq!(r.requirement(), "INPUT");
}

#[test]
fn permits_answers_as_decide_does_for_the_setup_of_the_installation() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    w.ok(
        "alice",
        Administrator,
        Command::DelegateAdministration {
            forum: f("tls@"),
            to: p("erin"),
        },
    );
    w.ok(
        "m1",
        Moderator,
        Command::DraftProcedures {
            ladder: None,
            version: 1,
            title: "v1".into(),
            text: "t".into(),
            numbers: TeamNumbersChange::default(),
        },
    );
    w.ok(
        "m1",
        Moderator,
        Command::DraftProcedures {
            ladder: None,
            version: 2,
            title: "v2".into(),
            text: "t".into(),
            numbers: TeamNumbersChange::default(),
        },
    );
    w.ok(
        "m2",
        Moderator,
        Command::OpenProceduresReview { version: 2 },
    );
    let (tls, erin, m5) = (f("tls@"), p("erin"), p("m5"));
    let irtf = Organisation::Irtf;
    let text = || "written in full".to_owned();
    let cases: Vec<(Kind, Target, Command)> = vec![
        (
            Kind::CreateWorkingGroup,
            Target::Nothing,
            Command::CreateWorkingGroup {
                wg: wg("newwg"),
                name: text(),
                area: None,
                responsible_ad: None,
            },
        ),
        (
            Kind::CreateForum,
            Target::Nothing,
            Command::CreateForum {
                forum: f("new@"),
                name: text(),
                kind: "mailing-list".into(),
                organisation: Organisation::Ietf,
                public: true,
                plenary: false,
                wg: None,
                responsible_ad: None,
            },
        ),
        (
            Kind::ChangeSettings,
            Target::Nothing,
            Command::ChangeSettings {
                settings: SettingsChange {
                    warn_team_below: Some(6),
                    ..SettingsChange::default()
                },
            },
        ),
        (
            Kind::OptIn,
            Target::Organisation(&irtf),
            Command::OptIn {
                organisation: irtf.clone(),
                reference: text(),
            },
        ),
        (
            Kind::DelegateAdministration,
            Target::Forum(&tls),
            Command::DelegateAdministration {
                forum: tls.clone(),
                to: p("bob"),
            },
        ),
        (
            Kind::RevokeDelegation,
            Target::Delegation(&tls, &erin),
            Command::RevokeDelegation {
                forum: tls.clone(),
                to: erin.clone(),
            },
        ),
        (
            Kind::AppointModerator,
            Target::Person(&erin),
            Command::AppointModerator {
                person: erin.clone(),
            },
        ),
        (
            Kind::AppointModerator,
            Target::Person(&m5),
            Command::AppointModerator { person: m5.clone() },
        ),
        (
            Kind::RecallModerator,
            Target::Person(&m5),
            Command::RecallModerator {
                person: m5.clone(),
                reason: text(),
            },
        ),
        (
            Kind::RecallModerator,
            Target::Person(&erin),
            Command::RecallModerator {
                person: erin.clone(),
                reason: text(),
            },
        ),
        (
            Kind::DraftProcedures,
            Target::Nothing,
            Command::DraftProcedures {
                ladder: None,
                version: 3,
                title: text(),
                text: text(),
                numbers: TeamNumbersChange::default(),
            },
        ),
        (
            Kind::OpenProceduresReview,
            Target::Procedures(1),
            Command::OpenProceduresReview { version: 1 },
        ),
        (
            Kind::OpenProceduresReview,
            Target::Procedures(2),
            Command::OpenProceduresReview { version: 2 },
        ),
        (
            Kind::ApproveProcedures,
            Target::Procedures(2),
            Command::ApproveProcedures { version: 2 },
        ),
        (
            Kind::ApproveProcedures,
            Target::Procedures(1),
            Command::ApproveProcedures { version: 1 },
        ),
        (
            Kind::PublishNoteWell,
            Target::Nothing,
            Command::PublishNoteWell {
                version: 9,
                text: text(),
                links: vec![],
            },
        ),
    ];
    let actors = [
        ("op", Operator),
        ("alice", Administrator),
        ("dave", Administrator),
        ("m1", Moderator),
        ("bob", Participant),
        ("ad_sec", Iesg),
        ("ad_sec", AreaDirector),
        ("iab_member", Iab),
    ];
    let mut permitted = 0;
    for (kind, target, command) in &cases {
        for (person, capacity) in actors {
            let actor = Actor::new(p(person), capacity);
            let asked = permits(&w.state, &actor, *kind, *target, w.now);
            let decided = decide(&w.state, &actor, command, w.now).map(|_| ());
            assert_eq!(
                asked.is_ok(),
                decided.is_ok(),
                "{person} as {capacity:?}, {kind:?} {target:?}: permits says {asked:?}, decide says {decided:?}"
            );
            permitted += usize::from(asked.is_ok());
        }
    }
    assert!(permitted >= 12, "{permitted}");
}

/// The fora `permits` allows one by one, for `kind` about each forum.
fn one_by_one<'w>(
    w: &'w World,
    actor: &Actor,
    target: impl Fn(&'w ForumId) -> Target<'w>,
) -> Vec<ForumId> {
    let kind = |t: &Target| match t {
        Target::ReportOn(..) => Kind::TakeAction,
        _ => Kind::DelegateAdministration,
    };
    w.state
        .fora
        .keys()
        .filter(|f| {
            let t = target(f);
            permits(&w.state, actor, kind(&t), t, w.now).is_ok()
        })
        .cloned()
        .collect()
}

#[test]
fn the_fora_a_page_offers_are_those_permits_allows_one_by_one() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    // carol disrupts tls@ and quic@ at once (ACT-2's several fora); bob's
    // report on tls@ escalates; quic@ closes; erin administers tls@ by
    // delegation.
    let several = w.file_report("bob", "tls@", "carol", "uncivil");
    w.file_report("erin", "quic@", "carol", "uncivil");
    let escalated = w.file_report("carol", "tls@", "bob", "uncivil");
    let quiet = w.file_report("carol", "tls-chat", "dave", "uncivil");
    let plenary = w.file_report("bob", "ietf@", "erin", "uncivil");
    let unadministered = w.file_report("bob", "github:ietf/notes", "erin", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::DelegateAdministration {
            forum: f("tls@"),
            to: p("erin"),
        },
    );
    w.at("2026-03-04T10:00:00Z");
    w.ok(
        "system",
        System,
        Command::EscalateReport { report: escalated },
    );
    let before_closing = |w: &World| {
        let actor = Actor::new(p("m1"), Moderator);
        modpod_policy::fora_open_to_action(&w.state, &actor, several, w.now)
    };
    let open_before = before_closing(&w);
    w.ok(
        "op",
        Operator,
        Command::CloseForum {
            forum: f("quic@"),
            reason: "the working group concluded".into(),
        },
    );
    let actors = [
        ("alice", Administrator),
        ("dave", Administrator),
        ("erin", Administrator),
        ("m1", Moderator),
        ("carol", Moderator),
        ("bob", Participant),
        ("op", Operator),
        ("ad_sec", Iesg),
    ];
    let mut offered = 0;
    for report in [several, escalated, quiet, plenary, unadministered] {
        for (person, capacity) in actors {
            let actor = Actor::new(p(person), capacity);
            let batched = modpod_policy::fora_open_to_action(&w.state, &actor, report, w.now);
            let single = one_by_one(&w, &actor, |f| Target::ReportOn(report, f));
            assert_eq!(batched, single, "{person} as {capacity:?} on {report}");
            offered += batched.len();
        }
    }
    for (person, capacity) in actors {
        let actor = Actor::new(p(person), capacity);
        let batched = modpod_policy::delegable_fora(&w.state, &actor, w.now);
        assert_eq!(batched, one_by_one(&w, &actor, Target::Forum), "{person}");
        offered += batched.len();
    }
    // Each ground shows: the moderators act on carol's two fora while quic@
    // is open, on the escalated report's forum and on plenary fora; alice
    // delegates both public fora of her working group and its chairs' list.
    assert!(open_before.contains(&f("quic@")) && open_before.contains(&f("tls@")));
    let m1 = Actor::new(p("m1"), Moderator);
    let on = |r| modpod_policy::fora_open_to_action(&w.state, &m1, r, w.now);
    assert!(!on(several).contains(&f("quic@")), "quic@ is closed");
    assert!(on(escalated).contains(&f("tls@")));
    assert!(!on(quiet).contains(&f("tls-chat")));
    assert!(on(plenary).contains(&f("ietf@")));
    assert!(on(unadministered).contains(&f("github:ietf/notes")));
    let alice = Actor::new(p("alice"), Administrator);
    assert_eq!(
        modpod_policy::delegable_fora(&w.state, &alice, w.now),
        fora(&["tls-chairs@", "tls-chat", "tls@"])
    );
    assert!(offered > 20, "{offered} offered");
}
