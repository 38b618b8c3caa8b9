//! Disagreements and appeals (APPEAL-1..3): the responsible AD or the IETF
//! chair, then the IESG, then the IAB; an upheld appeal changes the action only
//! through a recorded amendment or rescission.

use crate::world::*;
use Capacity::{
    Administrator, AreaDirector, Iab, Iesg, IetfChair, Moderator, Operator, Participant,
};

const NOW: &str = "2026-03-01T10:00:00Z";

/// alice suspends carol on tls@; carol disagrees. Returns (action, appeal).
fn disagreement_on_tls(w: &mut World) -> (ActionId, AppealId) {
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-20T10:00:00Z"),
    );
    let ev = w.ok("carol", Participant, disagree(a));
    (a, filed_appeal(&ev).id)
}

fn step_levels(w: &World, id: AppealId) -> Vec<AppealLevel> {
    w.appeal(id).steps.iter().map(|s| s.level).collect()
}

#[test]
fn appeal_1_a_disagreement_goes_to_the_forum_s_ad() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-20T10:00:00Z"),
    );
    let ev = w.ok("carol", Participant, disagree(a));
    let appeal = filed_appeal(&ev);
    assert_eq!(
        (appeal.action, appeal.appellant.clone()),
        (Some(a), p("carol"))
    );
    assert_eq!(
        (appeal.level, appeal.assigned_to.clone()),
        (AppealLevel::AreaDirector, Some(p("ad_sec")))
    );
    assert_eq!(owed(&ev, "APPEAL-1"), vec![to_person("ad_sec")]);
}

#[test]
fn appeal_1_anyone_may_disagree_and_a_forum_s_own_ad_is_used() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take("dave", Administrator, admonish("carol", &["quic@"]));
    let ev = w.ok("bob", Participant, disagree(a));
    assert_eq!(filed_appeal(&ev).assigned_to, Some(p("ad_tsv")));
    assert_eq!(owed(&ev, "APPEAL-1"), vec![to_person("ad_tsv")]);
}

#[test]
fn appeal_1_fora_with_the_same_ad_go_to_that_ad() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@", "tls-chat"], "2026-03-20T10:00:00Z"),
    );
    let ev = w.ok("carol", Participant, disagree(a));
    assert_eq!(owed(&ev, "APPEAL-1"), vec![to_person("ad_sec")]);
}

#[test]
fn appeal_1_fora_with_different_ads_go_to_the_ietf_chair() {
    let mut w = World::ietf();
    w.at(NOW);
    w.file_report("bob", "tls@", "carol", "uncivil");
    w.file_report("erin", "quic@", "carol", "uncivil");
    let a = w.take(
        "m1",
        Moderator,
        suspend_until("carol", &["tls@", "quic@"], "2026-03-20T10:00:00Z"),
    );
    let ev = w.ok("carol", Participant, disagree(a));
    let appeal = filed_appeal(&ev);
    assert_eq!(
        (appeal.level, appeal.assigned_to.clone()),
        (AppealLevel::IetfChair, None)
    );
    assert_eq!(owed(&ev, "APPEAL-1"), vec![Recipient::IetfChair]);
}

#[test]
fn appeal_1_a_forum_without_an_ad_goes_to_the_ietf_chair() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "m1",
        Moderator,
        suspend_until("carol", &["ietf@"], "2026-03-20T10:00:00Z"),
    );
    let ev = w.ok("carol", Participant, disagree(a));
    assert_eq!(owed(&ev, "APPEAL-1"), vec![Recipient::IetfChair]);
    // Mixing a forum with an AD and one without: no single AD.
    w.file_report("bob", "tls@", "carol", "uncivil");
    w.file_report("erin", "ietf@", "carol", "uncivil");
    let b = w.take("m1", Moderator, admonish("carol", &["ietf@", "tls@"]));
    let ev = w.ok("carol", Participant, disagree(b));
    assert_eq!(owed(&ev, "APPEAL-1"), vec![Recipient::IetfChair]);
    let id = filed_appeal(&ev).id;
    w.ok("ietf_chair", IetfChair, decide_appeal(id, false, None));
}

#[test]
fn appeal_1_only_the_assigned_ad_decides() {
    let mut w = World::ietf();
    let (_, id) = disagreement_on_tls(&mut w);
    let r = w.refused("ad_tsv", AreaDirector, decide_appeal(id, false, None));
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "this appeal is before Area Director ad_sec");
    let r = w.refused("ietf_chair", IetfChair, decide_appeal(id, false, None));
    assert_eq!(r.requirement(), "APPEAL-2");
    w.ok("ad_sec", AreaDirector, decide_appeal(id, false, None));
}

#[test]
fn appeal_2_escalation_before_a_decision_is_refused() {
    let mut w = World::ietf();
    let (_, id) = disagreement_on_tls(&mut w);
    let r = w.refused("carol", Participant, Command::EscalateAppeal { appeal: id });
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "the responsible Area Director has not decided yet");
}

#[test]
fn appeal_2_the_chain_is_ad_then_iesg_then_iab() {
    let mut w = World::ietf();
    let (a, id) = disagreement_on_tls(&mut w);
    let ev = w.ok("ad_sec", AreaDirector, decide_appeal(id, false, None));
    let Event::AppealDecided { decision, .. } = &ev[0] else {
        panic!("{:?}", kinds(&ev))
    };
    assert_eq!(
        (
            decision.by.clone(),
            decision.upheld,
            decision.rationale.as_str()
        ),
        (p("ad_sec"), false, "having read the thread")
    );
    assert_eq!(
        owed(&ev, "APPEAL-2"),
        vec![to_person("carol"), Recipient::ModeratorTeam]
    );

    let ev = w.ok("carol", Participant, Command::EscalateAppeal { appeal: id });
    assert_eq!(kinds(&ev)[0], "appeal_escalated");
    assert_eq!(owed(&ev, "APPEAL-2"), vec![Recipient::Iesg]);
    assert_eq!(
        step_levels(&w, id),
        [AppealLevel::AreaDirector, AppealLevel::Iesg]
    );
    w.ok("ietf_chair", Iesg, decide_appeal(id, false, None));

    let ev = w.ok("carol", Participant, Command::EscalateAppeal { appeal: id });
    assert_eq!(owed(&ev, "APPEAL-2"), vec![Recipient::Iab]);
    assert_eq!(
        step_levels(&w, id),
        [
            AppealLevel::AreaDirector,
            AppealLevel::Iesg,
            AppealLevel::Iab
        ]
    );
    w.ok("iab_member", Iab, decide_appeal(id, false, None));

    let r = w.refused("carol", Participant, Command::EscalateAppeal { appeal: id });
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "the IAB's decision is the last step");
    assert!(
        w.action(a).in_force(),
        "three decisions not to uphold leave the action as it was"
    );
    assert!(w.appeal(id).steps.iter().all(|s| s.decision.is_some()));
}

#[test]
fn appeal_2_cannot_skip_to_the_iab() {
    let mut w = World::ietf();
    let (_, id) = disagreement_on_tls(&mut w);
    let r = w.refused("iab_member", Iab, decide_appeal(id, false, None));
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "this appeal is before Area Director ad_sec");
    let r = w.refused("ietf_chair", Iesg, decide_appeal(id, false, None));
    assert_eq!(r.requirement(), "APPEAL-2");
    // Nor skip from the AD's decision past the IESG.
    w.ok("ad_sec", AreaDirector, decide_appeal(id, false, None));
    w.ok("carol", Participant, Command::EscalateAppeal { appeal: id });
    let r = w.refused("iab_member", Iab, decide_appeal(id, false, None));
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "this appeal is before the IESG");
}

#[test]
fn appeal_2_each_step_decides_once_with_a_rationale() {
    let mut w = World::ietf();
    let (_, id) = disagreement_on_tls(&mut w);
    let r = w.refused(
        "ad_sec",
        AreaDirector,
        Command::DecideAppeal {
            appeal: id,
            upheld: false,
            remedy: None,
            rationale: " ".into(),
        },
    );
    assert_eq!(r.requirement(), "INPUT");
    assert_says(&r, "rationale: must not be empty");
    w.ok("ad_sec", AreaDirector, decide_appeal(id, false, None));
    let r = w.refused("ad_sec", AreaDirector, decide_appeal(id, false, None));
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "has already decided appeal #1");
}

#[test]
fn appeal_2_only_the_appellant_takes_it_further_and_not_after_winning() {
    let mut w = World::ietf();
    let (_, id) = disagreement_on_tls(&mut w);
    w.ok("ad_sec", AreaDirector, decide_appeal(id, false, None));
    let r = w.refused("bob", Participant, Command::EscalateAppeal { appeal: id });
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "only carol may take appeal #1 further");

    let (_, won) = disagreement_on_tls(&mut w);
    w.ok(
        "ad_sec",
        AreaDirector,
        decide_appeal(won, true, Some(Remedy::Rescind)),
    );
    let r = w.refused(
        "carol",
        Participant,
        Command::EscalateAppeal { appeal: won },
    );
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "was upheld");
}

#[test]
fn appeal_3_an_upheld_appeal_without_remedy_is_refused() {
    let mut w = World::ietf();
    let (a, id) = disagreement_on_tls(&mut w);
    let r = w.refused("ad_sec", AreaDirector, decide_appeal(id, true, None));
    assert_says(&r, "an upheld appeal must say how the action changes");
    assert_eq!(r.requirement(), "APPEAL-3");
    assert!(w.action(a).in_force());
    // And a remedy without upholding changes nothing, so it is refused too.
    let r = w.refused(
        "ad_sec",
        AreaDirector,
        decide_appeal(id, false, Some(Remedy::Rescind)),
    );
    assert_says(&r, "an appeal that is not upheld changes nothing");
}

#[test]
fn appeal_3_an_upheld_appeal_with_rescind_records_the_rescission() {
    let mut w = World::ietf();
    let (a, id) = disagreement_on_tls(&mut w);
    w.later_hours(24);
    let ev = w.ok(
        "ad_sec",
        AreaDirector,
        decide_appeal(id, true, Some(Remedy::Rescind)),
    );
    assert_eq!(kinds(&ev)[..2], ["appeal_decided", "action_rescinded"]);
    let Event::ActionRescinded {
        action,
        at,
        by,
        reason,
        ..
    } = &ev[1]
    else {
        panic!()
    };
    assert_eq!(
        (*action, *at, by.clone()),
        (a, ts("2026-03-02T10:00:00Z"), p("ad_sec"))
    );
    assert!(
        reason.contains("appeal upheld by the responsible Area Director"),
        "{reason}"
    );
    assert!(matches!(w.action(a).status, ActionStatus::Rescinded { .. }));
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
fn appeal_3_an_upheld_appeal_may_amend_instead() {
    let mut w = World::ietf();
    let (a, id) = disagreement_on_tls(&mut w);
    w.ok("ad_sec", AreaDirector, decide_appeal(id, false, None));
    w.ok("carol", Participant, Command::EscalateAppeal { appeal: id });
    let remedy = Remedy::Amend {
        terms: TermsChange {
            measure: Measure::TemporarySuspension,
            fora: fora(&["tls@"]),
            ends_at: Some(ts("2026-03-05T10:00:00Z")),
        },
    };
    let ev = w.ok("ad_tsv", Iesg, decide_appeal(id, true, Some(remedy)));
    let Event::ActionAmended {
        terms, amendment, ..
    } = &ev[1]
    else {
        panic!("{:?}", kinds(&ev))
    };
    assert_eq!(terms.ends_at, Some(ts("2026-03-05T10:00:00Z")));
    assert_eq!(
        (amendment.by.clone(), amendment.as_capacity),
        (p("ad_tsv"), Iesg)
    );
    assert!(amendment.reason.contains("appeal upheld by the IESG"));
    assert!(w.action(a).in_force());
    assert_eq!(w.action(a).amendments.len(), 1);
    // An amendment through an appeal is still bound by ACT-4.
    let (_, other) = disagreement_on_tls(&mut w);
    let remedy = Remedy::Amend {
        terms: TermsChange {
            measure: Measure::ContentRemoval,
            fora: fora(&["tls@"]),
            ends_at: None,
        },
    };
    let r = w.refused(
        "ad_sec",
        AreaDirector,
        decide_appeal(other, true, Some(remedy)),
    );
    assert_eq!(r.requirement(), "ACT-4");
}

#[test]
fn appeal_3_an_action_already_lifted_needs_no_remedy() {
    let mut w = World::ietf();
    let (a, id) = disagreement_on_tls(&mut w);
    w.ok("alice", Administrator, rescind(a));
    let r = w.refused(
        "ad_sec",
        AreaDirector,
        decide_appeal(id, true, Some(Remedy::Rescind)),
    );
    assert_eq!(r.requirement(), "APPEAL-3");
    assert_says(&r, "action #1 is no longer in force");
    let ev = w.ok("ad_sec", AreaDirector, decide_appeal(id, true, None));
    assert_eq!(kinds(&ev)[0], "appeal_decided");
    assert!(!kinds(&ev).contains(&"action_rescinded"));
}

#[test]
fn notewell_1_the_version_seen_is_recorded_when_disagreeing() {
    let mut w = World::ietf();
    w.ok(
        "op",
        Operator,
        Command::PublishNoteWell {
            version: 2,
            text: "Note Well ...".into(),
            links: vec!["https://www.ietf.org/about/note-well/".into()],
        },
    );
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-20T10:00:00Z"),
    );
    let mut cmd = disagree(a);
    if let Command::FileDisagreement { note_well_seen, .. } = &mut cmd {
        *note_well_seen = Some(2);
    }
    let ev = w.ok("carol", Participant, cmd);
    assert!(
        ev.contains(&Event::NoteWellSeen {
            person: p("carol"),
            version: 2
        }),
        "{:?}",
        kinds(&ev)
    );
    // An unknown version is not recorded, and does not block the disagreement.
    let mut cmd = disagree(a);
    if let Command::FileDisagreement { note_well_seen, .. } = &mut cmd {
        *note_well_seen = Some(99);
    }
    let ev = w.ok("bob", Participant, cmd);
    assert!(!kinds(&ev).contains(&"note_well_seen"));
}

#[test]
fn appeal_2_a_second_disagreement_by_the_same_person_does_not_restart_the_chain() {
    let mut w = World::ietf();
    let (a, id) = disagreement_on_tls(&mut w);
    // Undecided: carol's first disagreement is still with the AD.
    let r = w.refused("carol", Participant, disagree(a));
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "appeal #1");
    // Not upheld: it goes on to the IESG through the same appeal, not anew.
    w.ok("ad_sec", AreaDirector, decide_appeal(id, false, None));
    let r = w.refused("carol", Participant, disagree(a));
    assert_eq!(r.requirement(), "APPEAL-2");
    w.ok("carol", Participant, Command::EscalateAppeal { appeal: id });
    // Anybody else may still disagree (APPEAL-1).
    let ev = w.ok("bob", Participant, disagree(a));
    assert_ne!(filed_appeal(&ev).id, id);
}

#[test]
fn appeal_2_nobody_decides_two_steps_of_one_chain() {
    let mut w = World::ietf();
    let (_, id) = disagreement_on_tls(&mut w);
    w.ok("ad_sec", AreaDirector, decide_appeal(id, false, None));
    w.ok("carol", Participant, Command::EscalateAppeal { appeal: id });
    // ad_sec sits on the IESG, but decided the first step.
    let r = w.refused("ad_sec", Iesg, decide_appeal(id, false, None));
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "decided an earlier step");
    w.ok("ad_tsv", Iesg, decide_appeal(id, false, None));
}

#[test]
fn appeal_2_nobody_decides_a_step_about_their_own_action() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    let appeal = filed_appeal(&w.ok("carol", Participant, disagree(a))).id;
    // alice cannot be the IESG about her own action: give her an IESG seat.
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("alice"),
            role: Role::IesgMember,
        },
    );
    w.ok("ad_sec", AreaDirector, decide_appeal(appeal, false, None));
    w.ok("carol", Participant, Command::EscalateAppeal { appeal });
    let r = w.refused("alice", Iesg, decide_appeal(appeal, false, None));
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "their own action");
    // Nor a disagreement of their own, nor one about an action on them.
    let on_m1 = w.take("m2", Moderator, admonish("m1", &["ietf@"]));
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("m1"),
            role: Role::IetfChair,
        },
    );
    let own = filed_appeal(&w.ok("m1", Participant, disagree(on_m1))).id;
    let r = w.refused("m1", IetfChair, decide_appeal(own, false, None));
    assert_eq!(r.requirement(), "APPEAL-2");
    assert_says(&r, "their own disagreement");
    w.ok("ietf_chair", IetfChair, decide_appeal(own, false, None));
}

#[test]
fn appeal_1_an_ad_who_is_no_longer_an_ad_counts_as_none() {
    let mut w = World::ietf();
    w.ok(
        "op",
        Operator,
        Command::RevokeRole {
            person: p("ad_sec"),
            role: Role::AreaDirector { area: "sec".into() },
        },
    );
    let (_, id) = disagreement_on_tls(&mut w);
    assert_eq!(step_levels(&w, id), [AppealLevel::IetfChair]);
    assert_eq!(w.appeal(id).steps[0].assigned_to, None);
    w.ok("ietf_chair", IetfChair, decide_appeal(id, false, None));
}

#[test]
fn appeal_1_a_report_closed_without_action_is_a_decision_one_may_disagree_with() {
    let mut w = World::ietf();
    w.at(NOW);
    let report = w.file_report("bob", "tls@", "carol", "uncivil");
    let about_report = |id| Command::FileDisagreement {
        target: AppealTarget::Report(id),
        grounds: "the insults were plain".into(),
        note_well_seen: None,
    };
    // Open, it is not yet a decision.
    let r = w.refused("bob", Participant, about_report(report));
    assert_eq!(r.requirement(), "APPEAL-1");
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
    // Someone who may not see the report cannot disagree with it.
    let r = w.refused("erin", Participant, about_report(report));
    assert_eq!(r.requirement(), "INPUT");
    let ev = w.ok("bob", Participant, about_report(report));
    let appeal = w.appeal(filed_appeal(&ev).id).clone();
    assert_eq!((appeal.action, appeal.report), (None, Some(report)));
    // To the forum's AD, as for an action on it.
    assert_eq!(appeal.steps[0].assigned_to, Some(p("ad_sec")));
    assert_eq!(owed(&ev, "APPEAL-1"), vec![to_person("ad_sec")]);
    // The subject of the report does not see the disagreement (REPORT-5).
    assert!(!modpod_policy::views::may_see_appeal(
        &w.state,
        &p("carol"),
        &appeal
    ));
    assert!(modpod_policy::views::may_see_appeal(
        &w.state,
        &p("ad_sec"),
        &appeal
    ));
    // No remedy names an action; upheld, the report is open again.
    let r = w.refused(
        "ad_sec",
        AreaDirector,
        decide_appeal(appeal.id, true, Some(Remedy::Rescind)),
    );
    assert_eq!(r.requirement(), "INPUT");
    let ev = w.ok("ad_sec", AreaDirector, decide_appeal(appeal.id, true, None));
    assert!(kinds(&ev).contains(&"report_reopened"), "{:?}", kinds(&ev));
    assert_eq!(w.state.reports[&report].state, ReportState::InReview);
    assert!(recipients(&ev).contains(&to_admins("tls@")));
    // A report resolved by an action is disagreed with through the action.
    let other = w.file_report("bob", "tls@", "erin", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: other },
    );
    let a = w.take(
        "alice",
        Administrator,
        citing(admonish("erin", &["tls@"]), &[other]),
    );
    w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report: other,
            outcome: ReportOutcome::ActionTaken { action: a },
        },
    );
    let r = w.refused("bob", Participant, about_report(other));
    assert_says(&r, "disagree with the action");
}

#[test]
fn appeal_3_a_disagreement_with_a_closed_report_that_is_not_upheld_leaves_it_closed() {
    let mut w = World::ietf();
    w.at(NOW);
    let report = w.file_report("bob", "tls@", "carol", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report },
    );
    let closed = ReportState::Resolved {
        outcome: ReportOutcome::NotDisruptive,
    };
    w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report,
            outcome: ReportOutcome::NotDisruptive,
        },
    );
    let ev = w.ok(
        "bob",
        Participant,
        Command::FileDisagreement {
            target: AppealTarget::Report(report),
            grounds: "the insults were plain".into(),
            note_well_seen: None,
        },
    );
    let appeal = filed_appeal(&ev).id;
    let ev = w.ok("ad_sec", AreaDirector, decide_appeal(appeal, false, None));
    assert!(!kinds(&ev).contains(&"report_reopened"), "{:?}", kinds(&ev));
    assert_eq!(w.state.reports[&report].state, closed);
}
