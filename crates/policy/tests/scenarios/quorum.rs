//! The moderator team decides together (TEAM-5) and by its ladder
//! (LADDER-1): proposals, agreements, vetted texts, levels, approvals.

use super::world::*;
use Capacity::{Administrator, AreaDirector, IetfChair, Moderator};
use modpod_policy::decide::{Kind, Target, permits};

const NOW: &str = "2026-03-02T10:00:00Z";

fn proposal_of(w: &mut World, person: &str, command: Command) -> ProposalId {
    let ev = w.propose(person, Moderator, command).events;
    proposal_made(&ev).id
}

fn agree(proposal: ProposalId) -> Command {
    Command::AgreeToProposal { proposal }
}

fn private_note(subject: &str, on: &[&str]) -> Command {
    let mut c = act(subject, Measure::PrivateAdmonishment, on);
    if let Command::TakeAction { level, .. } = &mut c {
        *level = Some(LevelStep {
            level: 0,
            skip_reason: None,
        });
    }
    c
}

#[test]
fn team_5_a_moderator_s_action_is_a_proposal_until_a_second_moderator_agrees() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w
        .propose("m1", Moderator, suspend("carol", &["ietf@"]))
        .events;
    assert_eq!(
        kinds(&ev),
        ["proposal_made", "notification_owed"],
        "nothing takes effect yet"
    );
    assert_eq!(recipients(&ev), [Recipient::ModeratorTeam]);
    assert!(w.state.actions.is_empty());
    let id = proposal_made(&ev).id;
    assert_eq!(
        w.state.proposals[&id].waiting_for(w.now).as_deref(),
        Some("waiting for another moderator's agreement")
    );
    assert_eq!(
        w.state.proposals[&id].change.summary(),
        "indefinite suspension for carol on ietf@"
    );
    // The proposer agrees by proposing; nobody else speaks for the team.
    let r = w.refused("m1", Moderator, agree(id));
    assert_eq!(r.requirement(), "TEAM-5");
    let r = w.refused("alice", Administrator, agree(id));
    assert_eq!(r.requirement(), "TEAM-5");
    // A second moderator's agreement enacts it, as the team's.
    w.later_hours(3);
    let ev = w.ok("m2", Moderator, agree(id));
    assert_eq!(kinds(&ev)[..2], ["proposal_agreed", "action_taken"]);
    let a = taken_action(&ev);
    assert_eq!(a.taken_by, p("m1"));
    assert_eq!(a.taken_at, w.now, "it takes effect when agreed");
    assert_eq!(
        a.team,
        Some(TeamDecision {
            proposal: id,
            agreed_by: vec![p("m1"), p("m2")],
            approved_by: None,
        })
    );
    assert_eq!(owed(&ev, "NOTIFY-1")[0], to_person("carol"));
    assert!(matches!(
        w.state.proposals[&id].status,
        ProposalStatus::Enacted { action, .. } if action == a.id
    ));
    let r = w.refused("m3", Moderator, agree(id));
    assert_says(&r, "no longer open");
}

#[test]
fn team_5_administrators_own_actions_need_no_quorum() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w.propose("alice", Administrator, admonish("carol", &["tls@"]));
    assert_eq!(kinds(&ev.events)[0], "action_taken");
    assert_eq!(taken_action(&ev.events).team, None);
}

#[test]
fn team_5_the_quorum_is_a_number_of_the_procedures() {
    let mut w = World::ietf();
    w.at(NOW);
    w.approve_numbers(TeamNumbersChange {
        quorum: Some(3),
        ..TeamNumbersChange::default()
    });
    let id = proposal_of(&mut w, "m1", suspend("carol", &["ietf@"]));
    let ev = w.ok("m2", Moderator, agree(id));
    assert_eq!(kinds(&ev), ["proposal_agreed"], "two of three");
    let ev = w.ok("m3", Moderator, agree(id));
    assert_eq!(
        taken_action(&ev).team.as_ref().unwrap().agreed_by,
        [p("m1"), p("m2"), p("m3")]
    );
    // A quorum of one: a moderator acts alone again, unless they write to
    // someone, which another moderator vets.
    w.approve_numbers(TeamNumbersChange {
        quorum: Some(1),
        ..TeamNumbersChange::default()
    });
    let ev = w
        .propose("m1", Moderator, suspend("bob", &["ietf@"]))
        .events;
    assert_eq!(kinds(&ev)[0], "action_taken");
    // Notes given but empty are no text to vet, and none is kept.
    let mut empty = admonish("bob", &["ietf@"]);
    if let Command::TakeAction { texts, .. } = &mut empty {
        *texts = Some(Texts::default());
    }
    let ev = w.propose("m1", Moderator, empty).events;
    assert_eq!(kinds(&ev)[0], "action_taken");
    assert_eq!(taken_action(&ev).texts, None);
    let mut noted = admonish("erin", &["ietf@"]);
    if let Command::TakeAction { texts, .. } = &mut noted {
        *texts = Some(Texts {
            to_person: Some("Please keep to the topic.".into()),
            to_list: None,
        });
    }
    let id = proposal_of(&mut w, "m1", noted);
    assert_eq!(w.state.proposals[&id].quorum, 2);
    // Nor is a quorum of none a number.
    let r = w.refused(
        "m1",
        Moderator,
        Command::DraftProcedures {
            version: 9,
            title: "No quorum".into(),
            text: "Anyone acts.".into(),
            numbers: TeamNumbersChange {
                quorum: Some(0),
                ..TeamNumbersChange::default()
            },
            ladder: None,
        },
    );
    assert_says(&r, "numbers.quorum");
}

#[test]
fn team_5_text_to_the_person_and_the_list_is_sent_only_once_another_moderator_vetted_it() {
    let mut w = World::ietf();
    w.at(NOW);
    let ev = w
        .propose(
            "m1",
            Moderator,
            at_level(
                act("carol", Measure::PublicAdmonishment, &["ietf@"]),
                1,
                Some("repeated insults"),
                Some("Please keep ietf@ civil."),
            ),
        )
        .events;
    assert!(
        !recipients(&ev).contains(&to_person("carol"))
            && !recipients(&ev).contains(&to_forum("ietf@")),
        "nothing written is sent before it is vetted"
    );
    let id = proposal_made(&ev).id;
    let ev = w.ok("m2", Moderator, agree(id));
    let a = taken_action(&ev);
    let texts = a.texts.as_ref().unwrap();
    assert_eq!(texts.to_list.as_deref(), Some("Please keep ietf@ civil."));
    assert_eq!(
        a.team.as_ref().unwrap().agreed_by,
        [p("m1"), p("m2")],
        "the writer first, then who vetted it"
    );
    assert!(recipients(&ev).contains(&to_person("carol")));
    assert!(recipients(&ev).contains(&to_forum("ietf@")));
}

#[test]
fn team_5_amendments_and_rescissions_by_the_team_wait_for_the_quorum_too() {
    let mut w = World::ietf();
    w.at(NOW);
    let a = w.take("m1", Moderator, suspend("carol", &["ietf@"]));
    let id = proposal_of(&mut w, "m3", rescind(a));
    assert!(
        w.action(a).in_force(),
        "a proposed rescission changes nothing"
    );
    let ev = w.ok("m4", Moderator, agree(id));
    assert_eq!(kinds(&ev)[..2], ["proposal_agreed", "action_rescinded"]);
    assert!(!w.action(a).in_force());
    let b = w.take("m1", Moderator, suspend("bob", &["ietf@"]));
    let id = proposal_of(
        &mut w,
        "m2",
        amend_to(
            b,
            Measure::TemporarySuspension,
            &["ietf@"],
            Some("2026-03-30T00:00:00Z"),
        ),
    );
    assert_eq!(w.action(b).terms.ends_at, None);
    w.ok("m1", Moderator, agree(id));
    assert_eq!(
        w.action(b).amendments[0].team.as_ref().unwrap().agreed_by,
        [p("m2"), p("m1")]
    );
    assert_eq!(w.action(b).terms.ends_at, Some(ts("2026-03-30T00:00:00Z")));
}

#[test]
fn team_5_a_proposal_is_withdrawn_by_its_proposer_or_expires() {
    let mut w = World::ietf();
    w.at(NOW);
    let id = proposal_of(&mut w, "m1", suspend("carol", &["ietf@"]));
    let withdraw = |reason: &str| Command::WithdrawProposal {
        proposal: id,
        reason: reason.into(),
    };
    let r = w.refused("m2", Moderator, withdraw("not mine"));
    assert_eq!(r.requirement(), "TEAM-5");
    let r = w.refused("m1", Moderator, withdraw(" "));
    assert_says(&r, "reason");
    w.ok("m1", Moderator, withdraw("carol apologised"));
    let r = w.refused("m2", Moderator, agree(id));
    assert_says(&r, "withdrawn");
    assert!(w.state.actions.is_empty());
    // Open for the procedures' number of days, then no more.
    let id = proposal_of(&mut w, "m1", suspend("bob", &["ietf@"]));
    let days = w.state.numbers().proposal_days;
    w.later_hours(i64::from(days) * 24);
    let r = w.refused("m2", Moderator, agree(id));
    assert_says(&r, "expired");
    assert!(w.state.actions.is_empty());
}

#[test]
fn team_5_nobody_agrees_to_a_change_about_themselves() {
    let mut w = World::ietf();
    w.at(NOW);
    let id = proposal_of(&mut w, "m1", admonish("m5", &["ietf@"]));
    let r = w.refused("m5", Moderator, agree(id));
    assert_eq!(r.requirement(), "ACT-2");
    w.ok("m2", Moderator, agree(id));
}

#[test]
fn team_5_permits_answers_who_may_agree_approve_and_withdraw() {
    let mut w = World::ietf();
    w.at(NOW);
    let id = proposal_of(
        &mut w,
        "m1",
        at_level(
            act("carol", Measure::TemporarySuspension, &["ietf@"]),
            2,
            Some("threats"),
            Some("A participant may not post here for 14 days."),
        ),
    );
    let may = |w: &World, who: &str, cap: Capacity, kind: Kind| {
        permits(
            &w.state,
            &Actor::new(p(who), cap),
            kind,
            Target::Proposal(id),
            w.now,
        )
        .is_ok()
    };
    assert!(may(&w, "m2", Moderator, Kind::AgreeToProposal));
    assert!(!may(&w, "m1", Moderator, Kind::AgreeToProposal));
    assert!(may(&w, "m1", Moderator, Kind::WithdrawProposal));
    assert!(!may(&w, "m2", Moderator, Kind::WithdrawProposal));
    assert!(may(&w, "ietf_chair", IetfChair, Kind::ApproveProposal));
    assert!(!may(&w, "ad_sec", AreaDirector, Kind::ApproveProposal));
}

#[test]
fn ladder_1_a_level_takes_its_measure_and_the_team_s_ladder_is_the_default() {
    let mut w = World::ietf();
    w.at(NOW);
    let ladder = w.state.ladder();
    assert_eq!(ladder.0.len(), 3);
    assert_eq!(ladder.0[2].days, Some(14));
    assert_eq!(ladder.0[2].approval, Some(Approver::IetfChair));
    let r = w.refused(
        "m1",
        Moderator,
        at_level(suspend("carol", &["ietf@"]), 0, None, None),
    );
    assert_says(
        &r,
        "level 0 (Off-list note) takes the measure private admonishment, not indefinite suspension",
    );
    let r = w.refused(
        "m1",
        Moderator,
        at_level(admonish("carol", &["ietf@"]), 7, None, None),
    );
    assert_says(&r, "level.level");
    // Level 1 tells the list: its note is written, or the action refused.
    let r = w.refused(
        "m1",
        Moderator,
        at_level(
            act("carol", Measure::PublicAdmonishment, &["ietf@"]),
            1,
            Some("insults"),
            None,
        ),
    );
    assert_says(&r, "texts.to_list");
    // An administrator's action names no level: the ladder is the team's.
    let r = w.refused(
        "alice",
        Administrator,
        at_level(admonish("carol", &["tls@"]), 0, None, None),
    );
    assert_eq!(r.requirement(), "LADDER-1");
}

#[test]
fn ladder_1_the_next_level_comes_from_the_person_s_history_across_fora_and_a_skip_says_why() {
    let mut w = World::ietf();
    w.at(NOW);
    assert_eq!(
        modpod_policy::views::suggested_level(&w.state, &p("carol")),
        0
    );
    // Level 1 first is a skip, which must say why.
    let level_1 = |skip: Option<&str>| {
        at_level(
            act("carol", Measure::PublicAdmonishment, &["ietf@"]),
            1,
            skip,
            Some("Please keep ietf@ civil."),
        )
    };
    let r = w.refused("m1", Moderator, level_1(None));
    assert_eq!(r.requirement(), "LADDER-1");
    assert_says(&r, "suggests level 0");
    // A level-0 note on one forum...
    let note = w.take("m1", Moderator, private_note("carol", &["last-call@"]));
    assert_eq!(w.action(note).level.as_ref().unwrap().level, 0);
    // ...makes level 1 the next, on any forum.
    assert_eq!(
        modpod_policy::views::suggested_level(&w.state, &p("carol")),
        1
    );
    let one = w.take("m1", Moderator, level_1(None));
    assert_eq!(
        w.action(one).terms.ends_at,
        None,
        "the break of level 1 is asked for, not imposed: the admonishment has no end"
    );
    assert_eq!(
        modpod_policy::views::suggested_level(&w.state, &p("carol")),
        2
    );
    // A rescinded action is no history; the top of the ladder is the last.
    w.ok("m2", Moderator, rescind(one));
    assert_eq!(
        modpod_policy::views::suggested_level(&w.state, &p("carol")),
        1
    );
    assert_eq!(
        modpod_policy::views::suggested_level(&w.state, &p("bob")),
        0
    );
}

#[test]
fn ladder_1_level_2_waits_for_the_ietf_chair_s_approval_a_recorded_step() {
    let mut w = World::ietf();
    w.at(NOW);
    let id = proposal_of(
        &mut w,
        "m1",
        at_level(
            act("carol", Measure::TemporarySuspension, &["ietf@"]),
            2,
            Some("threats against a participant"),
            Some("A participant may not post here for 14 days."),
        ),
    );
    assert_eq!(
        w.state.proposals[&id].change.summary(),
        "temporary suspension for carol on ietf@ (level 2)"
    );
    let ev = w.ok("m2", Moderator, agree(id));
    assert_eq!(kinds(&ev), ["proposal_agreed", "notification_owed"]);
    assert_eq!(recipients(&ev), [Recipient::IetfChair]);
    assert!(w.state.actions.is_empty(), "not before the chair approves");
    assert_eq!(
        w.state.proposals[&id].waiting_for(w.now).as_deref(),
        Some("waiting for the IETF chair's approval")
    );
    let r = w.refused("m3", Moderator, agree(id));
    assert_says(&r, "waits for an approval");
    let r = w.refused("m3", Moderator, Command::ApproveProposal { proposal: id });
    assert_eq!(r.requirement(), "LADDER-1");
    w.later_hours(24);
    let ev = w.ok(
        "ietf_chair",
        IetfChair,
        Command::ApproveProposal { proposal: id },
    );
    assert_eq!(kinds(&ev)[..2], ["proposal_approved", "action_taken"]);
    let a = taken_action(&ev);
    assert_eq!(
        a.terms.ends_at,
        Some(ts("2026-03-17T10:00:00Z")),
        "14 days from the approval"
    );
    assert_eq!(a.team.as_ref().unwrap().approved_by, Some(p("ietf_chair")));
    // A level's suspension may be shorter than its days, never longer.
    let r = w.refused(
        "m1",
        Moderator,
        at_level(
            suspend_until("bob", &["ietf@"], "2026-04-30T00:00:00Z"),
            2,
            Some("threats"),
            Some("A note."),
        ),
    );
    assert_says(&r, "at most 14 days");
}

#[test]
fn ladder_1_the_ladder_is_part_of_the_procedures_and_changes_with_an_approved_version() {
    let mut w = World::ietf();
    w.at(NOW);
    let mut ladder = Ladder::default();
    ladder.0[2].days = Some(30);
    let draft = |version: u32, ladder: Ladder| Command::DraftProcedures {
        version,
        title: "A longer restriction".into(),
        text: "Level 2 is 30 days.".into(),
        numbers: TeamNumbersChange::default(),
        ladder: Some(ladder),
    };
    let mut gap = Ladder::default();
    gap.0.remove(1);
    let r = w.refused("m1", Moderator, draft(1, gap));
    assert_says(&r, "ladder.level");
    let mut out_of_scope = Ladder::default();
    out_of_scope.0[0].measure = "account_removal".into();
    let r = w.refused("m1", Moderator, draft(1, out_of_scope));
    assert_says(&r, "ladder.measure");
    let mut no_days = Ladder::default();
    no_days.0[2].days = None;
    let r = w.refused("m1", Moderator, draft(1, no_days));
    assert_says(&r, "ladder.days");
    let mut zero = Ladder::default();
    zero.0[1].days = Some(0);
    let r = w.refused("m1", Moderator, draft(1, zero));
    assert_says(&r, "ladder.days");
    let r = w.refused("m1", Moderator, draft(1, Ladder(Vec::new())));
    assert_says(&r, "1 to 10 levels");
    let rungs = |n: u8| {
        Ladder(
            (0..n)
                .map(|level| Level {
                    level,
                    name: format!("Note {level}"),
                    measure: "private_admonishment".into(),
                    days: None,
                    approval: None,
                    note_to_list: false,
                })
                .collect(),
        )
    };
    let r = w.refused("m1", Moderator, draft(1, rungs(11)));
    assert_says(&r, "1 to 10 levels");
    w.ok("m1", Moderator, draft(1, rungs(10)));
    w.ok("m1", Moderator, draft(2, ladder.clone()));
    assert_eq!(
        w.state.ladder(),
        Ladder::default(),
        "a draft changes nothing"
    );
    w.ok(
        "m2",
        Moderator,
        Command::OpenProceduresReview { version: 2 },
    );
    w.ok(
        "ad_sec",
        Capacity::Iesg,
        Command::ApproveProcedures { version: 2 },
    );
    assert_eq!(w.state.ladder(), ladder);
}

#[test]
fn team_5_the_moderators_and_whoever_approves_read_proposals_never_the_person_they_are_about() {
    use modpod_policy::views::{may_see_proposal, proposals_for};
    let mut w = World::ietf();
    w.at(NOW);
    let on_m5 = proposal_of(&mut w, "m1", admonish("m5", &["ietf@"]));
    let level_2 = proposal_of(
        &mut w,
        "m1",
        at_level(
            act("carol", Measure::TemporarySuspension, &["ietf@"]),
            2,
            Some("threats"),
            Some("A note."),
        ),
    );
    w.ok(
        "m1",
        Moderator,
        Command::WithdrawProposal {
            proposal: on_m5,
            reason: "settled".into(),
        },
    );
    let open = proposal_of(&mut w, "m1", admonish("bob", &["ietf@"]));
    let seen = |who: &str| -> Vec<ProposalId> {
        proposals_for(&w.state, &p(who), w.now)
            .iter()
            .map(|p| p.id)
            .collect()
    };
    // The open ones first, the newest first; then the closed ones.
    assert_eq!(seen("m2"), [open, level_2, on_m5]);
    assert_eq!(seen("m5"), [open, level_2], "never the one about m5");
    assert_eq!(seen("ietf_chair"), [level_2], "only what they approve");
    assert!(seen("bob").is_empty());
    assert!(seen("carol").is_empty());
    let p2 = &w.state.proposals[&level_2];
    assert!(may_see_proposal(&w.state, &p("m3"), p2));
    assert!(!may_see_proposal(&w.state, &p("carol"), p2));
    assert!(!may_see_proposal(&w.state, &p("ad_sec"), p2));
}
