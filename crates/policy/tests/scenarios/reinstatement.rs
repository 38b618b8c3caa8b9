//! Reinstatement (REINST-1..5).

use crate::world::*;
use Capacity::{Administrator, Iesg, Moderator, Operator, Participant};

fn ask(action: ActionId) -> Command {
    Command::RequestReinstatement {
        action,
        statement: "I have read the code of conduct and will follow it".into(),
    }
}

fn answer(request: ReinstatementId, reinstate: bool, conditions: Option<&str>) -> Command {
    Command::DecideReinstatement {
        request,
        reinstate,
        conditions: conditions.map(Into::into),
        rationale: "discussed by the team".into(),
    }
}

/// m1 suspends carol from ietf@ indefinitely at `when`.
fn team_suspension(w: &mut World, when: &str) -> ActionId {
    w.at(when);
    w.take("m1", Moderator, suspend("carol", &["ietf@"]))
}

#[test]
fn reinst_1_request_before_a_year_is_refused_with_the_date() {
    let mut w = World::ietf();
    let a = team_suspension(&mut w, "2026-03-01T10:00:00Z");
    w.at("2027-03-01T09:59:59Z");
    let r = w.refused("carol", Participant, ask(a));
    assert_eq!(r.requirement(), "REINST-1");
    assert_eq!(
        r,
        Refusal::TooEarly {
            earliest: ts("2027-03-01T10:00:00Z")
        }
    );
    assert_says(
        &r,
        "a reinstatement request is possible from 2027-03-01T10:00:00Z",
    );
    w.at("2027-03-01T10:00:00Z");
    let ev = w.ok("carol", Participant, ask(a));
    let req = requested_reinstatement(&ev);
    assert_eq!(
        (req.action, req.person.clone(), req.requested_at),
        (a, p("carol"), ts("2027-03-01T10:00:00Z"))
    );
    assert_eq!(w.state.reinstatements[&req.id].decision, None);
}

#[test]
fn reinst_1_leap_day_decision() {
    // Decided on 29 February 2024: "one year after" is 1 March 2025 (see time.rs).
    let mut w = World::ietf();
    let a = team_suspension(&mut w, "2024-02-29T12:00:00Z");
    w.at("2025-02-28T12:00:00Z");
    let r = w.refused("carol", Participant, ask(a));
    assert_eq!(
        r,
        Refusal::TooEarly {
            earliest: ts("2025-03-01T12:00:00Z")
        }
    );
    assert_says(&r, "2025-03-01T12:00:00Z");
    w.at("2025-03-01T11:59:59Z");
    assert_eq!(
        w.refused("carol", Participant, ask(a)).requirement(),
        "REINST-1"
    );
    w.at("2025-03-01T12:00:00Z");
    w.ok("carol", Participant, ask(a));
}

#[test]
fn reinst_1_then_no_more_than_once_a_year() {
    let mut w = World::ietf();
    let a = team_suspension(&mut w, "2026-03-01T10:00:00Z");
    w.at("2027-04-15T08:00:00Z");
    let first = requested_reinstatement(&w.ok("carol", Participant, ask(a))).id;
    // One at a time.
    w.at("2027-04-16T08:00:00Z");
    let r = w.refused("carol", Participant, ask(a));
    assert_eq!(r.requirement(), "REINST-1");
    assert_says(&r, "still awaiting its decision");
    w.ok("m2", Moderator, answer(first, false, None));
    // A year from the last request, not from the decision.
    w.at("2028-04-15T07:59:59Z");
    let r = w.refused("carol", Participant, ask(a));
    assert_eq!(
        r,
        Refusal::TooEarly {
            earliest: ts("2028-04-15T08:00:00Z")
        }
    );
    w.at("2028-04-15T08:00:00Z");
    w.ok("carol", Participant, ask(a));
}

#[test]
fn reinst_1_only_the_suspended_person_and_only_from_an_indefinite_suspension() {
    let mut w = World::ietf();
    let a = team_suspension(&mut w, "2026-03-01T10:00:00Z");
    let t = w.take(
        "m1",
        Moderator,
        suspend_until("carol", &["last-call@"], "2027-06-01T00:00:00Z"),
    );
    w.at("2027-04-01T00:00:00Z");
    let r = w.refused("bob", Participant, ask(a));
    assert_eq!(r.requirement(), "REINST-1");
    assert_says(&r, "only the suspended person may ask");
    let r = w.refused("carol", Participant, ask(t));
    assert_eq!(r.requirement(), "REINST-1");
    assert_says(&r, "action #2 is not an indefinite suspension in force");
    let r = w.refused("m1", Moderator, ask(a));
    assert_eq!(r.requirement(), "REINST-1");
}

#[test]
fn reinst_2_a_team_decision_is_reconsidered_by_the_team() {
    let mut w = World::ietf();
    let a = team_suspension(&mut w, "2026-03-01T10:00:00Z");
    w.at("2027-03-02T00:00:00Z");
    let ev = w.ok("carol", Participant, ask(a));
    let req = requested_reinstatement(&ev).clone();
    assert_eq!(req.decided_by, Decider::ModeratorTeam);
    assert_eq!(owed(&ev, "REINST-2"), vec![Recipient::ModeratorTeam]);
    let r = w.refused("ad_sec", Iesg, answer(req.id, true, None));
    assert_eq!(r.requirement(), "REINST-2");
    assert_says(&r, "decided by the moderator team");
    // Its successor: the team as it is now, m1 having left and erin joined.
    w.ok(
        "ad_sec",
        Iesg,
        Command::RecallModerator {
            person: p("m1"),
            reason: "term ended".into(),
        },
    );
    w.ok(
        "ad_sec",
        Iesg,
        Command::AppointModerator { person: p("erin") },
    );
    w.ok("erin", Moderator, answer(req.id, false, None));
}

#[test]
fn reinst_2_an_administrators_decision_is_reconsidered_by_the_administrators_or_their_successors() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let a = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    w.at("2027-03-02T00:00:00Z");
    let ev = w.ok("carol", Participant, ask(a));
    let req = requested_reinstatement(&ev).clone();
    assert_eq!(req.decided_by, Decider::ForumAdministrators);
    assert_eq!(owed(&ev, "REINST-2"), vec![to_admins("tls@")]);
    let r = w.refused("m1", Moderator, answer(req.id, true, None));
    assert_eq!(r.requirement(), "REINST-2");
    assert_says(&r, "decided by the administrators of the fora it covers");
    let r = w.refused("dave", Administrator, answer(req.id, true, None));
    assert_eq!(r.requirement(), "REINST-2");
    // alice has stepped down as chair; erin chairs tls now and decides.
    w.ok(
        "op",
        Operator,
        Command::RevokeRole {
            person: p("alice"),
            role: Role::WgChair { wg: wg("tls") },
        },
    );
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("erin"),
            role: Role::WgChair { wg: wg("tls") },
        },
    );
    let r = w.refused("alice", Administrator, answer(req.id, true, None));
    assert_eq!(r.requirement(), "REINST-2");
    w.ok("erin", Administrator, answer(req.id, true, None));
}

#[test]
fn reinst_3_reinstatement_with_conditions_is_recorded() {
    let mut w = World::ietf();
    let a = team_suspension(&mut w, "2026-03-01T10:00:00Z");
    w.at("2027-03-02T00:00:00Z");
    let req = requested_reinstatement(&w.ok("carol", Participant, ask(a))).id;
    w.at("2027-03-09T00:00:00Z");
    let ev = w.ok(
        "m3",
        Moderator,
        answer(req, true, Some("posts held for review for three months")),
    );
    let Event::ReinstatementDecided { decision, .. } = &ev[0] else {
        panic!("{:?}", kinds(&ev))
    };
    assert_eq!(
        decision.conditions.as_deref(),
        Some("posts held for review for three months")
    );
    assert_eq!((decision.by.clone(), decision.reinstate), (p("m3"), true));
    let Event::ActionRescinded { reason, .. } = &ev[1] else {
        panic!("{:?}", kinds(&ev))
    };
    assert_eq!(
        reason,
        "reinstated on conditions: posts held for review for three months"
    );
    assert!(!w.action(a).in_force());
    assert_eq!(
        owed(&ev, "NOTIFY-1"),
        vec![
            to_person("carol"),
            Recipient::ModeratorTeam,
            to_admins("ietf@")
        ]
    );
    let r = w.refused("m3", Moderator, answer(req, false, None));
    assert_eq!(r.requirement(), "REINST-3");
    assert_says(&r, "has already been decided");
}

#[test]
fn reinst_3_unconditional_reinstatement_and_refusal() {
    let mut w = World::ietf();
    let a = team_suspension(&mut w, "2026-03-01T10:00:00Z");
    w.at("2027-03-02T00:00:00Z");
    let req = requested_reinstatement(&w.ok("carol", Participant, ask(a))).id;
    let r = w.refused("m3", Moderator, answer(req, false, Some("none")));
    assert_says(&r, "conditions go with a reinstatement");
    let ev = w.ok("m3", Moderator, answer(req, false, None));
    assert_eq!(owed(&ev, "REINST-3"), vec![to_person("carol")]);
    assert!(!kinds(&ev).contains(&"action_rescinded"));
    assert!(w.action(a).in_force());
    w.at("2028-03-02T00:00:00Z");
    let req = requested_reinstatement(&w.ok("carol", Participant, ask(a))).id;
    let ev = w.ok("m3", Moderator, answer(req, true, None));
    let Event::ActionRescinded { reason, .. } = &ev[1] else {
        panic!("{:?}", kinds(&ev))
    };
    assert_eq!(reason, "reinstated");
}

#[test]
fn reinst_4_an_appeal_against_a_reinstatement_decision_is_refused() {
    let mut w = World::ietf();
    let a = team_suspension(&mut w, "2026-03-01T10:00:00Z");
    w.at("2027-03-02T00:00:00Z");
    let req = requested_reinstatement(&w.ok("carol", Participant, ask(a))).id;
    w.ok("m3", Moderator, answer(req, false, None));
    let r = w.refused(
        "carol",
        Participant,
        Command::FileDisagreement {
            target: AppealTarget::ReinstatementDecision(req),
            grounds: "unfair".into(),
            note_well_seen: None,
        },
    );
    assert_eq!(r.requirement(), "REINST-4");
    assert_eq!(r.code(), "not_appealable");
    assert_says(&r, "a decision not to reinstate cannot be appealed");
}

fn legacy(w: &mut World, imposed_at: &str) -> ActionId {
    let ev = w.ok(
        "op",
        Operator,
        Command::RecordLegacyAction {
            subject: who("carol"),
            fora: fora(&["ietf@"]),
            imposed_at: ts(imposed_at),
            process: "RFC 3683".into(),
            reference: "IESG statement of 2025-12-01".into(),
        },
    );
    taken_action(&ev).id
}

#[test]
fn reinst_5_legacy_actions_route_to_the_iesg_without_the_one_year_rule() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let a = legacy(&mut w, "2025-12-01T00:00:00Z");
    let rec = w.action(a);
    assert_eq!(
        rec.legacy,
        Some(Legacy {
            process: "RFC 3683".into(),
            reference: "IESG statement of 2025-12-01".into()
        })
    );
    assert_eq!(
        (rec.taken_at, rec.terms.measure.clone()),
        (ts("2025-12-01T00:00:00Z"), Measure::IndefiniteSuspension)
    );
    // Three months after it was imposed: the one-year rule is this policy's, not RFC 3683's.
    let ev = w.ok("carol", Participant, ask(a));
    let req = requested_reinstatement(&ev).clone();
    assert_eq!(
        req.decided_by,
        Decider::Legacy {
            process: "RFC 3683".into()
        }
    );
    assert_eq!(owed(&ev, "REINST-5"), vec![Recipient::Iesg]);
    let r = w.refused("m1", Moderator, answer(req.id, true, None));
    assert_eq!(r.requirement(), "REINST-2");
    assert_says(&r, "the IESG, under RFC 3683");
    let ev = w.ok("ad_sec", Iesg, answer(req.id, true, None));
    assert!(kinds(&ev).contains(&"action_rescinded"));
}

#[test]
fn reinst_5_a_non_legacy_action_of_the_same_age_still_waits_a_year() {
    let mut w = World::ietf();
    let a = team_suspension(&mut w, "2025-12-01T00:00:00Z");
    w.at("2026-03-01T10:00:00Z");
    assert_eq!(
        w.refused("carol", Participant, ask(a)).requirement(),
        "REINST-1"
    );
}

#[test]
fn reinst_5_only_the_operator_or_the_iesg_records_a_legacy_action() {
    let mut w = World::ietf();
    let cmd = Command::RecordLegacyAction {
        subject: who("carol"),
        fora: fora(&["ietf@"]),
        imposed_at: ts("2020-01-01T00:00:00Z"),
        process: "RFC 3683".into(),
        reference: "r".into(),
    };
    let r = w.refused("m1", Moderator, cmd.clone());
    assert_eq!(r.requirement(), "REINST-5");
    w.ok("ad_sec", Iesg, cmd);
}

#[test]
fn reinst_5_a_legacy_action_is_not_changed_by_the_moderators_or_administrators() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let a = legacy(&mut w, "2019-05-01T00:00:00Z");
    let r = w.refused("m1", Moderator, rescind(a));
    assert_eq!(r.requirement(), "REINST-5");
    assert_says(
        &r,
        "action #1 was imposed under RFC 3683; only that process can change it",
    );
    let r = w.refused(
        "m1",
        Moderator,
        amend_to(a, Measure::ReviewAndApproval, &["ietf@"], None),
    );
    assert_eq!(r.requirement(), "REINST-5");
    // The IESG, for that process, may.
    w.ok("ad_sec", Iesg, rescind(a));
}

#[test]
fn reinst_5_the_iesg_amends_a_legacy_action_under_its_process_even_onto_a_wg_list() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let a = legacy(&mut w, "2019-05-01T00:00:00Z");
    // RFC 3683's process is the IESG's: ACT-2's reach of moderators and
    // administrators does not bound it.
    w.ok(
        "ad_sec",
        Iesg,
        amend_to(a, Measure::IndefiniteSuspension, &["ietf@", "tls@"], None),
    );
    assert_eq!(w.action(a).terms.fora, fora(&["ietf@", "tls@"]));
}

#[test]
fn reinst_5_a_legacy_action_is_not_appealed_under_this_policy() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let a = legacy(&mut w, "2019-05-01T00:00:00Z");
    let r = w.refused("carol", Participant, disagree(a));
    assert_eq!(r.requirement(), "REINST-5");
    assert_says(&r, "RFC 3683");
}

#[test]
fn reinst_5_only_a_suspension_from_before_the_policy_took_effect_is_legacy() {
    let mut w = World::ietf();
    let legacy = |at: &str| Command::RecordLegacyAction {
        subject: who("carol"),
        fora: fora(&["ietf@"]),
        imposed_at: ts(at),
        process: "RFC 3683".into(),
        reference: "PR-action of 2019".into(),
    };
    // RFC 9945 took effect in February 2026, by default.
    for at in [
        "2026-02-01T00:00:00Z",
        "2026-06-01T00:00:00Z",
        "2090-01-01T00:00:00Z",
    ] {
        let r = w.refused("op", Operator, legacy(at));
        assert_eq!(r.requirement(), "REINST-5", "{at}");
        assert_says(&r, "before this policy took effect");
    }
    w.ok("op", Operator, legacy("2026-01-31T23:59:59Z"));
    // The effective date is the deployment's, set by an operator.
    w.ok(
        "op",
        Operator,
        Command::ChangeSettings {
            settings: SettingsChange {
                policy_effective_at: Some(ts("2027-01-01T00:00:00Z")),
                ..SettingsChange::default()
            },
        },
    );
    w.ok("op", Operator, legacy("2026-06-01T00:00:00Z"));
    // It names the process it was imposed under.
    let mut unnamed = legacy("2019-01-01T00:00:00Z");
    if let Command::RecordLegacyAction { process, .. } = &mut unnamed {
        *process = " ".into();
    }
    let r = w.refused("op", Operator, unnamed);
    assert_eq!(
        r,
        Refusal::Invalid {
            field: "process",
            reason: "must not be empty".into()
        }
    );
}

#[test]
fn reinst_2_nobody_decides_their_own_reinstatement() {
    let mut w = World::ietf();
    w.at("2025-03-01T10:00:00Z");
    let a = w.take("m1", Moderator, suspend("m5", &["ietf@"]));
    w.at("2026-03-02T10:00:00Z");
    let request = requested_reinstatement(&w.ok("m5", Participant, ask(a))).id;
    let r = w.refused("m5", Moderator, answer(request, true, None));
    assert_eq!(r.requirement(), "REINST-2");
    w.ok("m2", Moderator, answer(request, true, None));
}
