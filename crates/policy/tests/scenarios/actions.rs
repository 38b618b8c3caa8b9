//! Actions: types (ACT-1), who may act where (ACT-2), changing them (ACT-3),
//! what is never done (ACT-4), spam (ACT-5) and what each records (ACT-6).

use crate::world::*;
use Capacity::{Administrator, Iesg, Moderator, Operator};

const NOW: &str = "2026-03-01T10:00:00Z";

/// A moderator action on tls@, possible because a report there escalated.
fn team_action_on_tls(w: &mut World) -> ActionId {
    w.at(NOW);
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.escalate_when_due(rep);
    w.take(
        "m1",
        Moderator,
        citing(
            suspend_until("carol", &["tls@"], "2026-04-01T10:00:00Z"),
            &[rep],
        ),
    )
}

#[test]
fn act_1_every_action_type_of_the_policy_is_accepted() {
    let mut w = World::ietf();
    w.at(NOW);
    let measures = [
        Measure::RateLimit {
            posts: 2,
            per_seconds: 86_400,
        },
        Measure::ReviewAndApproval,
        Measure::PrivateAdmonishment,
        Measure::PublicAdmonishment,
        Measure::IndefiniteSuspension,
        Measure::Other {
            description: "may post only in the design team thread".into(),
        },
    ];
    for m in measures {
        let a = w.take("alice", Administrator, act("carol", m.clone(), &["tls@"]));
        assert_eq!(w.action(a).terms.measure, m);
    }
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(w.action(a).terms.measure, Measure::TemporarySuspension);
    assert_eq!(w.action(a).terms.ends_at, Some(ts("2026-03-08T10:00:00Z")));
}

#[test]
fn act_1_a_temporary_suspension_needs_an_end_and_an_indefinite_one_has_none() {
    let mut w = World::ietf();
    w.at(NOW);
    let r = w.refused(
        "alice",
        Administrator,
        act("carol", Measure::TemporarySuspension, &["tls@"]),
    );
    assert_eq!(r.requirement(), "INPUT");
    assert_says(&r, "a temporary suspension needs an end time");
    let r = w.refused(
        "alice",
        Administrator,
        ending(suspend("carol", &["tls@"]), "2026-04-01T00:00:00Z"),
    );
    assert_says(&r, "an indefinite suspension has no end time");
    let r = w.refused(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-01T09:00:00Z"),
    );
    assert_says(&r, "ends_at: must be after the start");
    let r = w.refused(
        "alice",
        Administrator,
        act(
            "carol",
            Measure::RateLimit {
                posts: 0,
                per_seconds: 60,
            },
            &["tls@"],
        ),
    );
    assert_eq!(r.requirement(), "INPUT");
    let r = w.refused(
        "alice",
        Administrator,
        act(
            "carol",
            Measure::Other {
                description: " ".into(),
            },
            &["tls@"],
        ),
    );
    assert_says(&r, "measure.description: must not be empty");
}

#[test]
fn act_1_a_suspension_may_cover_several_fora() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@", "tls-chat"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(w.action(a).terms.fora, fora(&["tls@", "tls-chat"]));
    let r = w.refused("alice", Administrator, suspend("carol", &["tls@", "tls@"]));
    assert_says(&r, "a forum is named twice");
    let r = w.refused("alice", Administrator, suspend("carol", &[]));
    assert_says(&r, "name at least one forum");
}

#[test]
fn act_1_a_temporary_action_expires_at_its_end() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(
        w.state
            .restrictions_at(&p("carol"), ts("2026-03-05T00:00:00Z"))
            .len(),
        1
    );
    w.at("2026-03-08T09:59:59Z");
    let r = w.refused(
        "system",
        Capacity::System,
        Command::ExpireAction { action: a },
    );
    assert_eq!(r.requirement(), "ACT-1");
    assert_says(&r, "action #1 has not reached its end");
    w.at("2026-03-08T11:00:00Z");
    let ev = w.ok(
        "system",
        Capacity::System,
        Command::ExpireAction { action: a },
    );
    assert_eq!(
        ev[0],
        Event::ActionExpired {
            action: a,
            at: ts("2026-03-08T10:00:00Z")
        }
    );
    assert_eq!(owed(&ev, "NOTIFY-1"), vec![to_person("carol")]);
    assert!(!w.action(a).in_force());
    // Indefinite actions never expire on their own.
    let b = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    w.at("2036-03-08T11:00:00Z");
    let r = w.refused(
        "system",
        Capacity::System,
        Command::ExpireAction { action: b },
    );
    assert_eq!(r.requirement(), "ACT-1");
}

#[test]
fn act_2_a_wg_chair_can_suspend_on_their_wg_list_only() {
    let mut w = World::ietf();
    w.at(NOW);
    w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-03-08T10:00:00Z"),
    );
    let r = w.refused(
        "alice",
        Administrator,
        suspend_until("carol", &["quic@"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(r.requirement(), "ACT-2");
    assert_says(&r, "alice does not administer quic@");
    let r = w.refused(
        "alice",
        Administrator,
        suspend_until("carol", &["ietf@"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(r.requirement(), "ACT-2");
    assert_says(&r, "ietf@");
    // Not even by naming it alongside her own list.
    let r = w.refused(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@", "quic@"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(r.requirement(), "ACT-2");
    // Participants do not act at all.
    let r = w.refused("bob", Capacity::Participant, admonish("carol", &["tls@"]));
    assert_eq!(r.requirement(), "ACT-2");
    assert_says(&r, "taking an action is for: administrator, moderator");
}

#[test]
fn act_2_a_moderator_acts_on_ietf_but_not_on_a_wg_list() {
    let mut w = World::ietf();
    w.at(NOW);
    w.take(
        "m1",
        Moderator,
        suspend_until("carol", &["ietf@"], "2026-03-08T10:00:00Z"),
    );
    let r = w.refused(
        "m1",
        Moderator,
        suspend_until("carol", &["tls@"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(r.requirement(), "ACT-2");
    assert_says(
        &r,
        "tls@ has administrators; moderators act there only on an escalated report",
    );
}

#[test]
fn act_2_a_moderator_acts_on_a_wg_list_once_a_report_there_escalated() {
    let mut w = World::ietf();
    w.at(NOW);
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    // Citing the report before it escalates does not help.
    let r = w.refused(
        "m1",
        Moderator,
        citing(
            suspend_until("carol", &["tls@"], "2026-03-08T10:00:00Z"),
            &[rep],
        ),
    );
    assert_eq!(r.requirement(), "ACT-2");
    let ev = w.escalate_when_due(rep);
    assert_eq!(kinds(&ev)[0], "report_escalated");
    let a = w.take(
        "m1",
        Moderator,
        citing(
            suspend_until("carol", &["tls@"], "2026-03-08T10:00:00Z"),
            &[rep],
        ),
    );
    assert_eq!(w.action(a).taken_as, Moderator);
    // The escalation covers that forum, not others.
    let r = w.refused(
        "m1",
        Moderator,
        citing(admonish("carol", &["quic@"]), &[rep]),
    );
    assert_eq!(r.requirement(), "ACT-2");
}

#[test]
fn act_2_a_moderator_acts_when_the_person_disrupts_two_fora() {
    let mut w = World::ietf();
    w.at(NOW);
    w.file_report("bob", "tls@", "carol", "uncivil");
    let r = w.refused("m1", Moderator, admonish("carol", &["tls@"]));
    assert_eq!(r.requirement(), "ACT-2");
    w.file_report("erin", "quic@", "carol", "uncivil");
    w.take("m1", Moderator, admonish("carol", &["tls@"]));
    // Someone else disrupting one forum is still the chairs' business.
    w.file_report("erin", "quic@", "bob", "uncivil");
    let r = w.refused("m1", Moderator, admonish("bob", &["quic@"]));
    assert_eq!(r.requirement(), "ACT-2");
}

#[test]
fn act_2_disruption_of_two_fora_opens_those_fora_to_moderators_and_no_other() {
    let mut w = World::ietf();
    w.at(NOW);
    w.file_report("bob", "tls@", "carol", "uncivil");
    w.file_report("erin", "quic@", "carol", "uncivil");
    // Reported on tls@ and quic@: the team acts there.
    w.take("m1", Moderator, admonish("carol", &["quic@"]));
    // Not on tls-chat, where nobody reported her: that is still its chairs'.
    let r = w.refused("m1", Moderator, admonish("carol", &["tls-chat"]));
    assert_eq!(r.requirement(), "ACT-2");
    assert_says(&r, "tls-chat has administrators");
    // Nor on it beside the two fora she disrupted.
    let r = w.refused(
        "m1",
        Moderator,
        suspend_until("carol", &["tls@", "tls-chat"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(r.requirement(), "ACT-2");
}

#[test]
fn act_2_at_the_same_time_means_within_the_window_and_not_found_not_disruptive() {
    let mut w = World::ietf();
    w.at("2026-01-01T10:00:00Z");
    let old = w.file_report("bob", "tls@", "carol", "uncivil");
    // Two months later, a report on another forum: not "at the same time".
    w.at(NOW);
    w.file_report("erin", "quic@", "carol", "uncivil");
    let r = w.refused("m1", Moderator, admonish("carol", &["quic@"]));
    assert_eq!(r.requirement(), "ACT-2");
    // Citing the old report does not bring it into the window either.
    let r = w.refused(
        "m1",
        Moderator,
        citing(admonish("carol", &["quic@"]), &[old]),
    );
    assert_eq!(r.requirement(), "ACT-2");
    // A second report within 30 days, on tls@, is.
    w.at("2026-03-20T10:00:00Z");
    let recent = w.file_report("bob", "tls@", "carol", "uncivil");
    w.take("m1", Moderator, admonish("carol", &["quic@"]));
    // Unless tls@'s administrators found it not disruptive.
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: recent },
    );
    w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report: recent,
            outcome: ReportOutcome::NotDisruptive,
        },
    );
    let r = w.refused("m1", Moderator, admonish("carol", &["quic@"]));
    assert_eq!(r.requirement(), "ACT-2");
    // The window is the team's number: an approved version of 90 days brings
    // the January report back in.
    w.approve_numbers(TeamNumbersChange {
        several_fora_window_days: Some(90),
        ..TeamNumbersChange::default()
    });
    w.take("m1", Moderator, admonish("carol", &["quic@"]));
}

#[test]
fn act_2_a_moderator_acts_on_several_fora_at_once() {
    let mut w = World::ietf();
    w.at(NOW);
    // Naming two fora is not a record of disruption in both.
    let r = w.refused(
        "m1",
        Moderator,
        suspend_until("carol", &["tls@", "quic@"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(r.requirement(), "ACT-2");
    w.file_report("bob", "tls@", "carol", "uncivil");
    w.file_report("erin", "quic@", "carol", "uncivil");
    let a = w.take(
        "m1",
        Moderator,
        suspend_until("carol", &["tls@", "quic@"], "2026-03-08T10:00:00Z"),
    );
    assert_eq!(w.action(a).terms.fora, fora(&["tls@", "quic@"]));
}

#[test]
fn act_3_an_administrator_amending_a_moderator_action_is_refused_until_the_team_is_consulted() {
    let mut w = World::ietf();
    let a = team_action_on_tls(&mut w);
    let shorter = amend_to(
        a,
        Measure::TemporarySuspension,
        &["tls@"],
        Some("2026-03-10T10:00:00Z"),
    );
    let r = w.refused("alice", Administrator, shorter.clone());
    assert_eq!(r.requirement(), "ACT-3");
    assert_says(
        &r,
        "action #1 is the moderator team's: consult the team, and have a moderator answer, before changing it",
    );
    let r = w.refused("alice", Administrator, rescind(a));
    assert_eq!(r.requirement(), "ACT-3");

    let ev = w.ok(
        "alice",
        Administrator,
        Command::ConsultModerators {
            action: a,
            note: "may we shorten it to a week?".into(),
        },
    );
    let at = w.now;
    assert_eq!(
        ev[0],
        Event::ModeratorsConsulted {
            action: a,
            consultation: Consultation {
                at,
                administrator: p("alice"),
                moderator: None,
                note: "may we shorten it to a week?".into(),
                answer: None,
                before_amendment: 0,
            }
        }
    );
    assert_eq!(owed(&ev, "ACT-3"), vec![Recipient::ModeratorTeam]);
    // Asking is not consulting: the change waits for the team's answer.
    let r = w.refused("alice", Administrator, shorter.clone());
    assert_eq!(r.requirement(), "ACT-3");
    w.later_hours(1);
    let ev = w.ok("m2", Moderator, answer(a, 0, "yes, a week is enough"));
    assert_eq!(owed(&ev, "ACT-3"), vec![to_person("alice")]);
    w.later_hours(1);
    let ev = w.ok("alice", Administrator, shorter);
    let Event::ActionAmended {
        terms, amendment, ..
    } = &ev[0]
    else {
        panic!("{:?}", kinds(&ev))
    };
    assert_eq!(terms.ends_at, Some(ts("2026-03-10T10:00:00Z")));
    assert_eq!(
        (amendment.by.clone(), amendment.as_capacity),
        (p("alice"), Administrator)
    );
    assert_eq!(amendment.previous.ends_at, Some(ts("2026-04-01T10:00:00Z")));

    // A consultation covers one change: the next needs another.
    w.later_hours(1);
    let r = w.refused("alice", Administrator, rescind(a));
    assert_eq!(r.requirement(), "ACT-3");
    consulted(&mut w, a, "m3");
    w.later_hours(1);
    let ev = w.ok("alice", Administrator, rescind(a));
    assert_eq!(kinds(&ev)[0], "action_rescinded");
    assert!(!w.action(a).in_force());
}

fn answer(action: ActionId, consultation: usize, text: &str) -> Command {
    Command::AnswerConsultation {
        action,
        consultation,
        answer: text.into(),
    }
}

/// alice consults the team on `action` and `moderator` answers.
fn consulted(w: &mut World, action: ActionId, moderator: &str) {
    w.ok(
        "alice",
        Administrator,
        Command::ConsultModerators {
            action,
            note: "may I change it?".into(),
        },
    );
    let n = w.action(action).consultations.len() - 1;
    w.ok(moderator, Moderator, answer(action, n, "agreed"));
}

#[test]
fn act_3_a_consultation_is_answered_by_a_sitting_moderator_and_asked_by_an_administrator_of_the_action()
 {
    let mut w = World::ietf();
    let a = team_action_on_tls(&mut w);
    w.ok(
        "alice",
        Administrator,
        Command::ConsultModerators {
            action: a,
            note: "n".into(),
        },
    );
    let r = w.refused("bob", Moderator, answer(a, 0, "fine"));
    assert_eq!(r.requirement(), "ROLE-1");
    let r = w.refused("alice", Administrator, answer(a, 0, "fine"));
    assert_eq!(r.requirement(), "ACT-3");
    let r = w.refused("m2", Moderator, answer(a, 7, "fine"));
    assert_eq!(r.requirement(), "INPUT");
    w.ok("m2", Moderator, answer(a, 0, "fine"));
    let r = w.refused("m3", Moderator, answer(a, 0, "fine too"));
    assert_eq!(r.requirement(), "ACT-3");
    assert_says(&r, "already answered");
    let r = w.refused(
        "dave",
        Administrator,
        Command::ConsultModerators {
            action: a,
            note: "n".into(),
        },
    );
    assert_eq!(r.requirement(), "ACT-3");
    assert_says(&r, "dave administers none of the fora of action #1");
}

#[test]
fn act_3_neither_the_administrator_who_asked_nor_the_person_the_action_is_on_answers_for_the_team()
{
    let mut w = World::ietf();
    let a = team_action_on_tls(&mut w);
    // Both alice, who asks, and carol, whom the action is on, sit on the team.
    for m in ["alice", "carol"] {
        w.ok("ad_sec", Iesg, Command::AppointModerator { person: p(m) });
    }
    w.ok(
        "alice",
        Administrator,
        Command::ConsultModerators {
            action: a,
            note: "n".into(),
        },
    );
    for m in ["alice", "carol"] {
        let r = w.refused(m, Moderator, answer(a, 0, "fine"));
        assert_eq!(r.requirement(), "ACT-3", "{m}");
        assert_says(&r, "another moderator answers");
    }
    w.ok("m2", Moderator, answer(a, 0, "fine"));
}

#[test]
fn act_3_an_action_the_team_amended_counts_as_the_teams() {
    let mut w = World::ietf();
    w.at(NOW);
    w.file_report("bob", "tls@", "carol", "uncivil");
    w.file_report("erin", "quic@", "carol", "uncivil");
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-04-01T10:00:00Z"),
    );
    // The team amends alice's action (carol disrupts two fora, ACT-2).
    w.ok(
        "m1",
        Moderator,
        amend_to(
            a,
            Measure::TemporarySuspension,
            &["tls@"],
            Some("2026-05-01T10:00:00Z"),
        ),
    );
    // Now alice consults before changing it back.
    let back = amend_to(
        a,
        Measure::TemporarySuspension,
        &["tls@"],
        Some("2026-04-01T10:00:00Z"),
    );
    let r = w.refused("alice", Administrator, back.clone());
    assert_eq!(r.requirement(), "ACT-3");
    consulted(&mut w, a, "m2");
    w.ok("alice", Administrator, back);
}

#[test]
fn act_3_a_consultation_recorded_without_an_answer_in_an_older_log_allows_nothing() {
    let mut w = World::ietf();
    let a = team_action_on_tls(&mut w);
    // What an earlier version recorded: the administrator's word alone.
    let old = Event::ModeratorsConsulted {
        action: a,
        consultation: Consultation {
            at: w.now,
            administrator: p("alice"),
            moderator: Some(p("m2")),
            note: "call on Tuesday".into(),
            answer: None,
            before_amendment: 0,
        },
    };
    w.state.apply(&old);
    let r = w.refused("alice", Administrator, rescind(a));
    assert_eq!(r.requirement(), "ACT-3");
    // Nor can another moderator now write an answer into what is recorded as m2's.
    let r = w.refused("m3", Moderator, answer(a, 0, "fine"));
    assert_eq!(r.requirement(), "ACT-3");
    assert_says(&r, "already answered");
}

#[test]
fn act_3_an_administrator_changes_their_own_action_without_consulting() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-04-01T10:00:00Z"),
    );
    let ev = w.ok(
        "alice",
        Administrator,
        amend_to(a, Measure::ReviewAndApproval, &["tls@"], None),
    );
    assert_eq!(kinds(&ev)[0], "action_amended");
    assert_eq!(w.action(a).terms.measure, Measure::ReviewAndApproval);
    assert_eq!(w.action(a).amendments.len(), 1);
    // ...but cannot stretch it to a forum she does not administer.
    let r = w.refused(
        "alice",
        Administrator,
        amend_to(a, Measure::ReviewAndApproval, &["tls@", "quic@"], None),
    );
    assert_eq!(r.requirement(), "ACT-2");
    w.ok("alice", Administrator, rescind(a));
    let r = w.refused("alice", Administrator, rescind(a));
    assert_eq!(r.requirement(), "ACT-3");
    assert_says(&r, "action #1 is no longer in force");
}

#[test]
fn act_3_a_moderator_changes_an_administrator_s_action_only_where_the_team_may_act() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-04-01T10:00:00Z"),
    );
    // tls@ is its chairs' (ACT-2): the team does not undo their action.
    let r = w.refused("m1", Moderator, rescind(a));
    assert_eq!(r.requirement(), "ACT-2");
    // Once carol disrupts tls@ and quic@ at the same time, it may.
    w.file_report("bob", "tls@", "carol", "uncivil");
    w.file_report("erin", "quic@", "carol", "uncivil");
    w.ok("m1", Moderator, rescind(a));
}

#[test]
fn act_3_another_administrator_cannot_change_the_action() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    let r = w.refused("dave", Administrator, rescind(a));
    assert_eq!(r.requirement(), "ACT-3");
    assert_says(&r, "dave does not administer tls@");
}

#[test]
fn act_3_the_iesg_does_not_change_an_action_directly() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take("m1", Moderator, suspend("carol", &["ietf@"]));
    let r = w.refused("ad_sec", Iesg, rescind(a));
    assert_eq!(r.requirement(), "APPEAL-3");
    assert_says(&r, "by deciding an appeal");
    // Another moderator may: it is the team's action.
    w.ok("m2", Moderator, rescind(a));
}

#[test]
fn act_4_content_removal_is_refused() {
    let mut w = World::ietf();
    w.at(NOW);
    let r = w.refused(
        "alice",
        Administrator,
        act("carol", Measure::ContentRemoval, &["tls@"]),
    );
    assert_eq!(r.requirement(), "ACT-4");
    assert_eq!(r.code(), "out_of_scope");
    assert_says(&r, "content removal or redaction is out of scope");
}

#[test]
fn act_4_every_out_of_scope_measure_is_refused_whoever_asks() {
    let mut w = World::ietf();
    w.at(NOW);
    let cases = [
        (Measure::AccountRemoval, "Datatracker"),
        (
            Measure::MeetingRestriction,
            "in-person, virtual or hybrid meetings",
        ),
        (Measure::ContentRemoval, "removing or redacting content"),
        (
            Measure::PrivateCommunications,
            "private or non-IETF communications",
        ),
    ];
    for (m, why) in cases {
        for (person, cap, forum) in [("alice", Administrator, "tls@"), ("m1", Moderator, "ietf@")] {
            let r = w.refused(person, cap, act("carol", m.clone(), &[forum]));
            assert_eq!(r.requirement(), "ACT-4", "{m:?} by {person}");
            assert_says(&r, why);
        }
    }
}

#[test]
fn act_4_an_action_cannot_be_amended_into_scope_creep() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    let r = w.refused(
        "alice",
        Administrator,
        amend_to(a, Measure::AccountRemoval, &["tls@"], None),
    );
    assert_eq!(r.requirement(), "ACT-4");
}

#[test]
fn act_5_spam_is_handled_with_the_same_actions_but_nobody_is_notified() {
    let mut w = World::ietf();
    w.ok(
        "op",
        Operator,
        Command::RegisterPerson {
            person: p("spambot"),
            name: "Bulk sender".into(),
            time_zone: None,
        },
    );
    w.at(NOW);
    // The same action, not spam, owes notifications...
    let ev = w.ok(
        "m1",
        Moderator,
        suspend("spambot", &["ietf@", "last-call@"]),
    );
    assert!(!owed(&ev, "NOTIFY-1").is_empty());
    // ...as spam, none at all.
    let ev = w.ok(
        "m1",
        Moderator,
        as_spam(suspend("spambot", &["ietf@", "last-call@"])),
    );
    let a = taken_action(&ev).clone();
    assert!(a.spam);
    // The team agrees to it as to any other (TEAM-5), and nobody is told.
    assert_eq!(
        kinds(&ev),
        ["proposal_made", "proposal_agreed", "action_taken"],
        "{:?}",
        recipients(&ev)
    );
    // Nor when it is lifted or ends.
    let ev = w.ok("m2", Moderator, rescind(a.id));
    assert_eq!(
        kinds(&ev),
        ["proposal_made", "proposal_agreed", "action_rescinded"]
    );
    let b = w.take(
        "m1",
        Moderator,
        as_spam(suspend_until("spambot", &["ietf@"], "2026-03-02T10:00:00Z")),
    );
    w.at("2026-03-03T00:00:00Z");
    let ev = w.ok(
        "system",
        Capacity::System,
        Command::ExpireAction { action: b },
    );
    assert_eq!(kinds(&ev), ["action_expired"]);
}

#[test]
fn act_5_the_spam_mark_needs_evidence_and_silences_no_admonishment_and_no_other_report() {
    let mut w = World::ietf();
    w.at(NOW);
    // Without evidence of bulk messages.
    let r = w.refused(
        "alice",
        Administrator,
        marked_spam(suspend("bob", &["tls@"])),
    );
    assert_eq!(r.requirement(), "ACT-5");
    assert_says(&r, "evidence");
    // An admonishment speaks to a person.
    for measure in [Measure::PrivateAdmonishment, Measure::PublicAdmonishment] {
        let r = w.refused(
            "alice",
            Administrator,
            as_spam(act("bob", measure, &["tls@"])),
        );
        assert_eq!(r.requirement(), "ACT-5");
    }
    // A participant suspended for arguing is not a bulk sender.
    let arguing = w.file_report("carol", "tls@", "bob", "arguing-against-charter");
    let r = w.refused(
        "alice",
        Administrator,
        as_spam(citing(suspend("bob", &["tls@"]), &[arguing])),
    );
    assert_eq!(r.requirement(), "ACT-5");
    assert_says(&r, "arguing-against-charter");
    // A report of bulk messages may be cited.
    let bulk = w.file_report("carol", "tls@", "bob", "bulk");
    let ev = w.ok(
        "alice",
        Administrator,
        as_spam(citing(suspend("bob", &["tls@"]), &[bulk])),
    );
    assert!(taken_action(&ev).spam);
}

#[test]
fn act_5_spam_actions_stay_in_the_iesg_digest() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take("m1", Moderator, as_spam(suspend("bob", &["ietf@"])));
    let period = Period {
        from: ts("2026-03-01T00:00:00Z"),
        to: ts("2026-04-01T00:00:00Z"),
    };
    let digest = modpod_policy::views::digest(&w.state, &p("ad_sec"), period, false)
        .expect("the IESG reads the digest");
    assert!(
        digest.actions.iter().any(|d| d.id == a && d.spam),
        "{digest:?}"
    );
}

#[test]
fn act_2_nobody_acts_on_their_own_case() {
    let mut w = World::ietf();
    w.at(NOW);
    // alice chairs tls: a report about her on tls@ is not hers to act on.
    let rep = w.file_report("bob", "tls@", "alice", "uncivil");
    let r = w.refused(
        "alice",
        Administrator,
        citing(
            suspend_until("alice", &["tls@"], "2026-03-02T10:00:00Z"),
            &[rep],
        ),
    );
    assert_eq!(r.requirement(), "ACT-2");
    assert_says(&r, "own case");
    // Nor may a moderator act on themselves, nor change an action on them.
    let r = w.refused("m1", Moderator, admonish("m1", &["ietf@"]));
    assert_eq!(r.requirement(), "ACT-2");
    let a = w.take("m2", Moderator, admonish("m1", &["ietf@"]));
    let r = w.refused("m1", Moderator, rescind(a));
    assert_eq!(r.requirement(), "ACT-2");
    w.ok("m3", Moderator, rescind(a));
}

#[test]
fn act_6_an_action_records_who_what_where_why_and_when() {
    let mut w = World::ietf();
    w.at(NOW);
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let evidence = vec![Evidence {
        url: "https://mailarchive.ietf.org/arch/msg/tls/xyz".into(),
        sha256: Some("a".repeat(64)),
    }];
    let cmd = Command::TakeAction {
        level: None,
        texts: None,
        subject: who("carol"),
        measure: Measure::TemporarySuspension,
        fora: fora(&["tls@", "tls-chat"]),
        reason: "personal attacks after a warning".into(),
        reports: vec![rep],
        evidence: evidence.clone(),
        starts_at: Some(ts("2026-03-02T00:00:00Z")),
        ends_at: Some(ts("2026-03-09T00:00:00Z")),
        spam: false,
    };
    let ev = w.ok("alice", Administrator, cmd);
    let a = taken_action(&ev);
    assert_eq!(a.subject, p("carol"));
    assert_eq!(
        (a.taken_by.clone(), a.taken_as, a.taken_at),
        (p("alice"), Administrator, ts(NOW))
    );
    assert_eq!(a.terms.fora, fora(&["tls@", "tls-chat"]));
    assert_eq!(a.reason, "personal attacks after a warning");
    assert_eq!(a.reports, vec![rep]);
    assert_eq!(a.evidence, evidence);
    assert_eq!(
        (a.terms.starts_at, a.terms.ends_at),
        (ts("2026-03-02T00:00:00Z"), Some(ts("2026-03-09T00:00:00Z")))
    );
    assert_eq!(a.procedures_version, None, "no procedures approved yet");
    assert_eq!(w.action(a.id).status, ActionStatus::InForce);
    assert!(a.legacy.is_none());
    // The start defaults to now; indefinite has no end.
    let b = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    assert_eq!(
        (w.action(b).terms.starts_at, w.action(b).terms.ends_at),
        (ts(NOW), None)
    );
}

#[test]
fn act_6_links_must_be_sound() {
    let mut w = World::ietf();
    w.at(NOW);
    let other = w.file_report("bob", "tls@", "erin", "uncivil");
    let r = w.refused(
        "alice",
        Administrator,
        citing(suspend("carol", &["tls@"]), &[other]),
    );
    assert_eq!(r.requirement(), "INPUT");
    assert_says(&r, "report #1 is about someone else");
    let r = w.refused(
        "alice",
        Administrator,
        citing(suspend("carol", &["tls@"]), &[ReportId(42)]),
    );
    assert_says(&r, "there is no report #42");
    let mut cmd = suspend("carol", &["tls@"]);
    if let Command::TakeAction { evidence, .. } = &mut cmd {
        evidence.push(Evidence {
            url: "https://example.org/m".into(),
            sha256: Some("not-a-hash".into()),
        });
    }
    let r = w.refused("alice", Administrator, cmd);
    assert_says(&r, "evidence.sha256: must be 64 hexadecimal digits");
    // Sixty-four digits that are not all hexadecimal, or hexadecimal but short.
    for hash in ["g".repeat(64), "ab".repeat(16)] {
        let mut cmd = suspend("carol", &["tls@"]);
        if let Command::TakeAction { evidence, .. } = &mut cmd {
            evidence.push(Evidence {
                url: "https://example.org/m".into(),
                sha256: Some(hash.clone()),
            });
        }
        let r = w.refused("alice", Administrator, cmd);
        assert_says(&r, "evidence.sha256: must be 64 hexadecimal digits");
    }
    // At most a hundred items of evidence.
    let with_evidence = |n: usize| {
        let mut cmd = suspend("carol", &["tls@"]);
        if let Command::TakeAction { evidence, .. } = &mut cmd {
            *evidence = (0..n)
                .map(|i| Evidence {
                    url: format!("https://mailarchive.ietf.org/arch/msg/tls/{i}"),
                    sha256: None,
                })
                .collect();
        }
        cmd
    };
    let r = w.refused("alice", Administrator, with_evidence(101));
    assert_says(&r, "evidence: at most 100 items");
    w.ok("alice", Administrator, with_evidence(100));
    let mut cmd = suspend("carol", &["tls@"]);
    if let Command::TakeAction { reason, .. } = &mut cmd {
        *reason = "   ".into();
    }
    let r = w.refused("alice", Administrator, cmd);
    assert_says(&r, "reason: must not be empty");
}

#[test]
fn act_6_an_action_follows_the_person_across_their_accounts() {
    let mut w = World::ietf();
    w.at(NOW);
    let mut cmd = suspend("carol", &["ietf@"]);
    if let Command::TakeAction { subject, .. } = &mut cmd {
        *subject = SubjectRef::Identity {
            identity: email("Carol@Example.org"),
        };
    }
    let a = w.take("m1", Moderator, cmd);
    assert_eq!(w.action(a).subject, p("carol"));
}

#[test]
fn act_3_a_consultation_covers_one_change_even_within_the_same_second() {
    let mut w = World::ietf();
    let a = team_action_on_tls(&mut w);
    consulted(&mut w, a, "m2");
    let shorter = |end| amend_to(a, Measure::TemporarySuspension, &["tls@"], Some(end));
    w.ok("alice", Administrator, shorter("2026-03-20T10:00:00Z"));
    // Same instant, second change: the consultation was used up.
    let r = w.refused("alice", Administrator, shorter("2026-03-15T10:00:00Z"));
    assert_eq!(r.requirement(), "ACT-3");
}

#[test]
fn input_a_reason_may_have_ten_thousand_characters_not_one_more() {
    let mut w = World::ietf();
    // Characters, not bytes: each of these is two bytes in UTF-8.
    let with_reason = |reason: String| {
        let mut c = suspend("carol", &["tls@"]);
        if let Command::TakeAction { reason: r, .. } = &mut c {
            *r = reason;
        }
        c
    };
    let r = w.refused("alice", Administrator, with_reason("é".repeat(10_001)));
    assert_eq!(
        r,
        Refusal::Invalid {
            field: "reason",
            reason: "must be at most 10000 characters".into()
        }
    );
    w.ok("alice", Administrator, with_reason("é".repeat(10_000)));
}

#[test]
fn act_1_an_action_restricts_from_its_start_until_its_end_while_in_force() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    let id = w.take(
        "alice",
        Administrator,
        starting(
            suspend_until("carol", &["tls@"], "2026-03-10T00:00:00Z"),
            "2026-03-02T00:00:00Z",
        ),
    );
    let applying = |w: &World, at: &str| -> Vec<ActionId> {
        w.state
            .restrictions_at(&p("carol"), ts(at))
            .iter()
            .map(|a| a.id)
            .collect()
    };
    assert_eq!(applying(&w, "2026-03-01T23:59:59Z"), []);
    assert_eq!(applying(&w, "2026-03-02T00:00:00Z"), [id]);
    assert_eq!(applying(&w, "2026-03-09T23:59:59Z"), [id]);
    assert_eq!(applying(&w, "2026-03-10T00:00:00Z"), []);
    w.ok("alice", Administrator, rescind(id));
    assert_eq!(applying(&w, "2026-03-05T00:00:00Z"), []);
}

#[test]
fn act_1_an_action_cools_its_fora_down_for_no_longer_than_it_lasts_decided_like_an_amendment() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take(
        "alice",
        Administrator,
        suspend_until("carol", &["tls@"], "2026-04-01T00:00:00Z"),
    );
    let cool = |until: Option<&str>| Command::SetCoolDown {
        action: a,
        until: until.map(ts),
        reason: "the thread is heated".into(),
    };
    // Not in the past, nor beyond the action.
    let r = w.refused("alice", Administrator, cool(Some("2026-03-01T09:00:00Z")));
    assert_eq!(r.requirement(), "INPUT");
    assert_says(&r, "until: must be in the future");
    let r = w.refused("alice", Administrator, cool(Some("2026-04-02T00:00:00Z")));
    assert_says(&r, "until: must not be after the action's end");
    // Nothing to end yet.
    let r = w.refused("alice", Administrator, cool(None));
    assert_eq!(r.requirement(), "ACT-1");
    // Only whoever may amend the action (ACT-3): not another forum's
    // administrator, nor its subject.
    let r = w.refused("dave", Administrator, cool(Some("2026-03-08T00:00:00Z")));
    assert_eq!(r.requirement(), "ACT-3");
    w.refused(
        "carol",
        Capacity::Participant,
        cool(Some("2026-03-08T00:00:00Z")),
    );

    let events = w.ok("alice", Administrator, cool(Some("2026-03-08T00:00:00Z")));
    assert_eq!(
        events,
        [Event::CoolDownSet {
            action: a,
            until: Some(ts("2026-03-08T00:00:00Z")),
            at: ts(NOW),
            by: p("alice"),
            as_capacity: Administrator,
            reason: "the thread is heated".into(),
        }]
    );
    let action = w.action(a);
    assert_eq!(
        action.cooling_until(ts(NOW)),
        Some(ts("2026-03-08T00:00:00Z"))
    );
    assert_eq!(action.cooling_until(ts("2026-03-08T00:00:00Z")), None);
    // Ended early, it no longer applies; the action still does.
    w.later_hours(1);
    w.ok("alice", Administrator, cool(None));
    assert_eq!(w.action(a).cooling_until(w.now), None);
    assert!(w.action(a).in_force());
    // Set again, up to the action's very end, it goes with the action.
    w.ok("alice", Administrator, cool(Some("2026-04-01T00:00:00Z")));
    w.ok("alice", Administrator, rescind(a));
    assert_eq!(w.action(a).cooling_until(w.now), None);
    let r = w.refused("alice", Administrator, cool(Some("2026-03-08T00:00:00Z")));
    assert_eq!(r.requirement(), "ACT-3");
}

#[test]
fn migrate_1_an_operator_imports_a_ban_or_a_hold_found_on_a_list_once_unannounced() {
    let mut w = World::ietf();
    w.at(NOW);
    let from = "Mailman at http://127.0.0.1:8001, list tls.ietf.org: a ban";
    let import = |measure: Measure, seen: &str, forum: &str| Command::ImportRestriction {
        subject: SubjectRef::Identity {
            identity: email("spammer@example.net"),
        },
        forum: f(forum),
        measure,
        seen_at: ts(seen),
        from: from.into(),
    };
    let ban = || {
        import(
            Measure::IndefiniteSuspension,
            "2026-01-05T00:00:00Z",
            "tls@",
        )
    };
    // Only an operator imports.
    for (who, capacity) in [("alice", Administrator), ("m1", Moderator)] {
        let r = w.refused(who, capacity, ban());
        assert_eq!(r.requirement(), "MIGRATE-1", "{who}");
    }
    // Only a ban or held posts, seen already, on a forum of the policy.
    let r = w.refused(
        "op",
        Operator,
        import(Measure::PublicAdmonishment, "2026-01-05T00:00:00Z", "tls@"),
    );
    assert_says(
        &r,
        "measure: an imported restriction is an indefinite suspension",
    );
    let r = w.refused(
        "op",
        Operator,
        import(
            Measure::IndefiniteSuspension,
            "2026-03-02T00:00:00Z",
            "tls@",
        ),
    );
    assert_says(&r, "seen_at: must not be in the future");
    let r = w.refused(
        "op",
        Operator,
        import(
            Measure::IndefiniteSuspension,
            "2026-01-05T00:00:00Z",
            "cfrg@",
        ),
    );
    assert_eq!(r.requirement(), "FORUM-2");

    let events = w.ok("op", Operator, ban());
    assert!(notifications(&events).is_empty(), "{events:?}");
    let action = taken_action(&events);
    assert_eq!(action.terms.measure, Measure::IndefiniteSuspension);
    assert_eq!(action.terms.fora, fora(&["tls@"]));
    assert_eq!(action.terms.starts_at, ts("2026-01-05T00:00:00Z"));
    assert_eq!(
        (action.taken_by.clone(), action.taken_at),
        (p("op"), ts(NOW))
    );
    assert_eq!(
        action.imported.as_ref().map(|i| i.from.as_str()),
        Some(from)
    );
    assert_eq!(action.legacy, None);
    let id = action.id;
    // Once: the same again is refused; a hold of the same person is not.
    let r = w.refused("op", Operator, ban());
    assert_eq!(r.requirement(), "MIGRATE-1");
    assert_says(&r, "was imported already");
    // Seen only now, it is imported as of now.
    w.ok(
        "op",
        Operator,
        import(Measure::ReviewAndApproval, NOW, "tls@"),
    );
    // An action like any other from then on: the list's administrator lifts it.
    assert!(w.action(id).in_force());
    w.ok("alice", Administrator, rescind(id));
    assert!(!w.action(id).in_force());
    // A ban found again later is imported again.
    w.ok("op", Operator, ban());
}
