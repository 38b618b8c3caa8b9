//! Emergency actions of the IETF LLC (LLC-1, LLC-2).

use crate::world::*;
use Capacity::{AreaDirector, Iesg, IetfChair, Llc, LlcBoard, Moderator, Participant};

fn emergency(withhold: Option<&str>) -> Command {
    Command::TakeLlcAction {
        subject: who("carol"),
        fora: fora(&["ietf@", "tls@"]),
        grounds: LlcGrounds::CredibleThreatOfHarm,
        nature: "posting suspended on all lists".into(),
        reason: "a credible threat against a named participant".into(),
        expected_duration: "until the police have reviewed it".into(),
        grounds_description: None,
        withhold_on_legal_advice: withhold.map(Into::into),
        withhold_from: vec![],
    }
}

fn taken(w: &mut World, withhold: Option<&str>) -> LlcActionId {
    w.at("2026-03-01T10:00:00Z");
    let ev = w.ok("llc_staff", Llc, emergency(withhold));
    taken_llc_action(&ev).id
}

#[test]
fn llc_1_an_emergency_action_is_recorded_and_the_iesg_team_and_community_told() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let ev = w.ok("llc_staff", Llc, emergency(None));
    let a = taken_llc_action(&ev);
    assert_eq!(a.subject, p("carol"));
    assert_eq!(a.grounds, LlcGrounds::CredibleThreatOfHarm);
    assert_eq!(a.nature, "posting suspended on all lists");
    assert_eq!(a.reason, "a credible threat against a named participant");
    assert_eq!(a.expected_duration, "until the police have reviewed it");
    assert_eq!(
        (a.taken_by.clone(), a.taken_at),
        (p("llc_staff"), ts("2026-03-01T10:00:00Z"))
    );
    assert_eq!(
        owed(&ev, "LLC-1"),
        vec![
            Recipient::Iesg,
            Recipient::ModeratorTeam,
            Recipient::CommunityChannel
        ]
    );
    // It is not a moderation action.
    assert!(w.state.actions.is_empty());
}

#[test]
fn llc_1_legal_advice_withholds_it_from_the_team_and_community_but_never_the_iesg() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let ev = w.ok(
        "llc_staff",
        Llc,
        emergency(Some("counsel advises no publication during proceedings")),
    );
    assert_eq!(recipients(&ev), vec![Recipient::Iesg]);
    assert_eq!(
        taken_llc_action(&ev).withheld_on_legal_advice.as_deref(),
        Some("counsel advises no publication during proceedings")
    );
}

#[test]
fn llc_1_only_the_llc_takes_emergency_actions() {
    let mut w = World::ietf();
    for (person, cap) in [
        ("m1", Moderator),
        ("ad_sec", Iesg),
        ("llc_board", LlcBoard),
        ("bob", Participant),
    ] {
        let r = w.refused(person, cap, emergency(None));
        assert_eq!(r.requirement(), "LLC-1", "{person}");
        assert_says(&r, "an emergency action is for: llc");
    }
    let mut cmd = emergency(None);
    if let Command::TakeLlcAction {
        expected_duration, ..
    } = &mut cmd
    {
        *expected_duration = String::new();
    }
    let r = w.refused("llc_staff", Llc, cmd);
    assert_says(&r, "expected_duration: must not be empty");
}

#[test]
fn llc_2_moderators_and_the_iesg_cannot_lift_it() {
    let mut w = World::ietf();
    let a = taken(&mut w, None);
    for (person, cap) in [
        ("m1", Moderator),
        ("ad_sec", Iesg),
        ("ad_sec", AreaDirector),
        ("ietf_chair", IetfChair),
    ] {
        let r = w.refused(
            person,
            cap,
            Command::LiftLlcAction {
                action: a,
                reason: "overreach".into(),
            },
        );
        assert_eq!(r.requirement(), "LLC-2", "{person} as {cap}");
        assert_says(&r, "not by the moderator team or the IESG");
    }
    let ev = w.ok(
        "llc_staff",
        Llc,
        Command::LiftLlcAction {
            action: a,
            reason: "threat withdrawn".into(),
        },
    );
    assert_eq!(
        ev[0],
        Event::LlcActionLifted {
            action: a,
            at: ts("2026-03-01T10:00:00Z"),
            reason: "threat withdrawn".into()
        }
    );
    let r = w.refused(
        "llc_staff",
        Llc,
        Command::LiftLlcAction {
            action: a,
            reason: "again".into(),
        },
    );
    assert_eq!(r.requirement(), "LLC-2");
}

#[test]
fn llc_2_it_cannot_be_appealed() {
    let mut w = World::ietf();
    let a = taken(&mut w, None);
    let r = w.refused(
        "carol",
        Participant,
        Command::FileDisagreement {
            target: AppealTarget::LlcAction(a),
            grounds: "unfair".into(),
            note_well_seen: None,
        },
    );
    assert_eq!(r.requirement(), "LLC-2");
    assert_eq!(r.code(), "not_appealable");
    assert_says(&r, "may ask the LLC board for a review");
}

#[test]
fn llc_2_its_subject_may_ask_the_board_to_review_it() {
    let mut w = World::ietf();
    let a = taken(&mut w, None);
    let r = w.refused(
        "bob",
        Participant,
        Command::RequestBoardReview { action: a },
    );
    assert_eq!(r.requirement(), "LLC-2");
    assert_says(&r, "only the subject of the action");
    let ev = w.ok(
        "carol",
        Participant,
        Command::RequestBoardReview { action: a },
    );
    assert_eq!(
        ev[0],
        Event::BoardReviewRequested {
            action: a,
            at: ts("2026-03-01T10:00:00Z")
        }
    );
    assert_eq!(owed(&ev, "LLC-2"), vec![Recipient::LlcBoard]);
    let r = w.refused(
        "carol",
        Participant,
        Command::RequestBoardReview { action: a },
    );
    assert_eq!(r.requirement(), "LLC-2");
    assert_says(&r, "already requested");

    let decide_review = |lift| Command::DecideBoardReview {
        action: a,
        lift,
        rationale: "reviewed the evidence".into(),
    };
    for (person, cap) in [("llc_staff", Llc), ("ad_sec", Iesg), ("m1", Moderator)] {
        let r = w.refused(person, cap, decide_review(true));
        assert_eq!(r.requirement(), "LLC-2");
    }
    w.later_hours(72);
    let ev = w.ok("llc_board", LlcBoard, decide_review(true));
    assert_eq!(
        kinds(&ev)[..2],
        ["board_review_decided", "llc_action_lifted"]
    );
    assert_eq!(owed(&ev, "LLC-2"), vec![to_person("carol")]);
    let rec = w.state.llc_actions.get(&a).unwrap();
    assert_eq!(rec.lifted_at, Some(ts("2026-03-04T10:00:00Z")));
    assert_eq!(
        rec.board_review
            .as_ref()
            .and_then(|r| r.decision.as_ref())
            .map(|d| d.lift),
        Some(true)
    );
}

#[test]
fn llc_2_the_board_may_keep_it() {
    let mut w = World::ietf();
    let a = taken(&mut w, None);
    let r = w.refused(
        "llc_board",
        LlcBoard,
        Command::DecideBoardReview {
            action: a,
            lift: false,
            rationale: "r".into(),
        },
    );
    assert_eq!(r.requirement(), "LLC-2");
    assert_says(&r, "no board review of LLC action #1 is waiting");
    w.ok(
        "carol",
        Participant,
        Command::RequestBoardReview { action: a },
    );
    let ev = w.ok(
        "llc_board",
        LlcBoard,
        Command::DecideBoardReview {
            action: a,
            lift: false,
            rationale: "stays".into(),
        },
    );
    assert!(!kinds(&ev).contains(&"llc_action_lifted"));
    assert_eq!(w.state.llc_actions.get(&a).unwrap().lifted_at, None);
}

#[test]
fn llc_1_legal_advice_may_keep_even_the_iesg_uninformed() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let mut cmd = emergency(Some("counsel: tell nobody yet"));
    if let Command::TakeLlcAction { withhold_from, .. } = &mut cmd {
        *withhold_from = vec![LlcAudience::Iesg, LlcAudience::Community];
    }
    let ev = w.ok("llc_staff", Llc, cmd);
    let told = recipients(&ev);
    assert!(!told.contains(&Recipient::Iesg), "{told:?}");
    assert!(!told.contains(&Recipient::CommunityChannel), "{told:?}");
    assert!(told.contains(&Recipient::ModeratorTeam), "{told:?}");
    let id = taken_llc_action(&ev).id;
    let a = &w.state.llc_actions[&id];
    assert!(!modpod_policy::views::may_see_llc_action(
        &w.state,
        &p("ad_sec"),
        a
    ));
    assert!(modpod_policy::views::may_see_llc_action(
        &w.state,
        &p("m1"),
        a
    ));
    // Withholding needs the advice on the record.
    let mut unadvised = emergency(None);
    if let Command::TakeLlcAction { withhold_from, .. } = &mut unadvised {
        *withhold_from = vec![LlcAudience::Iesg];
    }
    let r = w.refused("llc_staff", Llc, unadvised);
    assert_eq!(r.requirement(), "INPUT");
    assert_says(&r, "withhold_on_legal_advice");
}

#[test]
fn llc_1_the_grounds_are_examples_not_a_closed_list() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let mut other = emergency(None);
    if let Command::TakeLlcAction { grounds, .. } = &mut other {
        *grounds = LlcGrounds::Other;
    }
    let r = w.refused("llc_staff", Llc, other.clone());
    assert_says(&r, "grounds_description");
    if let Command::TakeLlcAction {
        grounds_description,
        ..
    } = &mut other
    {
        *grounds_description = Some("a court order to stop the distribution of a document".into());
    }
    let ev = w.ok("llc_staff", Llc, other);
    let a = taken_llc_action(&ev);
    assert_eq!(a.grounds, LlcGrounds::Other);
    assert!(recipients(&ev).contains(&Recipient::Iesg));
}

#[test]
fn llc_1_grounds_described_are_described_in_words() {
    let mut w = World::ietf();
    let mut cmd = emergency(None);
    if let Command::TakeLlcAction {
        grounds,
        grounds_description,
        ..
    } = &mut cmd
    {
        *grounds = LlcGrounds::Other;
        *grounds_description = Some("   ".into());
    }
    let r = w.refused("llc_staff", Llc, cmd);
    assert_eq!(
        r,
        Refusal::Invalid {
            field: "grounds_description",
            reason: "must not be empty".into()
        }
    );
}
