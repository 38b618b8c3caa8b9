//! Logs written before the December 2026 revision of the rules replay, and
//! mean under the revised rules what the text says (LOG-1's first fixture).
//!
//! `fixtures/log-before-the-december-2026-revision.jsonl` was written, one event
//! a line, by the policy core as it was before that revision (commit
//! d84e51b): a legacy suspension, one moderator changing the settings, a
//! moderator flagged to step down, an action by the team, an administrator's
//! one-sided record of consulting the team, a disagreement decided by an AD,
//! an LLC emergency action withheld on legal advice, and a draft of the
//! procedures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "scenarios/world.rs"]
mod world;

use world::*;

const LOG: &str = include_str!("fixtures/log-before-the-december-2026-revision.jsonl");

fn replayed() -> State {
    let mut state = State::default();
    for (n, line) in LOG.lines().enumerate() {
        let event = Event::from_payload(line)
            .unwrap_or_else(|e| panic!("event {n} of the old log no longer reads: {e}\n{line}"));
        state.apply(&event);
    }
    state
}

#[test]
fn log_1_a_log_from_before_the_revision_replays_event_by_event() {
    let state = replayed();
    assert_eq!(LOG.lines().count(), 71);
    assert_eq!(state.actions.len(), 2);
    assert_eq!(state.appeals.len(), 1);
    // Replayed, the state is a state like any other: written and read back.
    let json = serde_json::to_string(&state).unwrap();
    assert_eq!(serde_json::from_str::<State>(&json).unwrap(), state);
}

#[test]
fn proc_1_one_moderator_s_old_settings_are_on_the_record_and_obeyed_no_longer() {
    let state = replayed();
    // The old log set escalation to one hour; the team's numbers are the
    // defaults until an approved version of its procedures says otherwise.
    assert!(LOG.contains(r#""escalation_hours":1"#));
    assert_eq!(state.numbers().escalation_hours, 48);
    assert_eq!(state.settings, Settings::default());
    assert_eq!(state.procedures[&1].numbers, None);
}

#[test]
fn act_3_an_old_one_sided_consultation_reads_as_asked_and_unanswered() {
    let state = replayed();
    let team_action = state
        .actions
        .values()
        .find(|a| a.taken_as == Capacity::Moderator)
        .unwrap();
    let c = &team_action.consultations[0];
    assert_eq!(
        (c.moderator.clone(), c.answer.clone()),
        (Some(p("m2")), None)
    );
    // So it allows no change by the administrator under the revised ACT-3.
    let alice = Actor::new(p("alice"), Capacity::Administrator);
    let rescind = Command::RescindAction {
        action: team_action.id,
        reason: "consulted, once".into(),
    };
    let r = decide(&state, &alice, &rescind, ts("2026-01-11T00:00:00Z")).unwrap_err();
    assert_eq!(r.requirement(), "ACT-3");
}

#[test]
fn old_appeals_flags_and_llc_actions_keep_their_meaning() {
    let state = replayed();
    let appeal = state.appeals.values().next().unwrap();
    assert!(appeal.action.is_some() && appeal.report.is_none());
    // A flag to step down whose time the old log did not record is past its
    // grace period (TEAM-2).
    assert_eq!(state.flagged_at.get(&p("m3")), Some(&None));
    assert!(state.past_step_down_grace(&p("m3"), ts("2026-01-11T00:00:00Z")));
    // Legal advice then withheld the action from the team and the community,
    // never from the IESG (LLC-1).
    let llc = state.llc_actions.values().next().unwrap();
    assert!(llc.withheld(LlcAudience::Moderators) && llc.withheld(LlcAudience::Community));
    assert!(!llc.withheld(LlcAudience::Iesg));
    let legacy = state.actions.values().find(|a| a.legacy.is_some()).unwrap();
    assert_eq!(legacy.legacy.as_ref().unwrap().process, "RFC 3683");
}
