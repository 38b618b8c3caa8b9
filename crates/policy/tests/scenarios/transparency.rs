//! The aggregate transparency report (NOTIFY-5, STATS-1) and its privacy (PRIV-1).

use crate::world::*;
use Capacity::{Administrator, AreaDirector, Moderator, Participant};
use modpod_policy::transparency;

/// March 2026: one report acknowledged after two hours and acted on, an
/// admonishment on the plenary list, a spam action, and an appeal that the AD
/// does not uphold.
fn march(w: &mut World) {
    w.at("2026-03-02T10:00:00Z");
    let rep = w.file_report("bob", "tls@", "carol", "sealioning");
    w.later_hours(2);
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    let a = w.take(
        "alice",
        Administrator,
        citing(
            suspend_until("carol", &["tls@"], "2026-03-25T12:00:00Z"),
            &[rep],
        ),
    );
    w.take("m1", Moderator, admonish("erin", &["ietf@"]));
    w.take("alice", Administrator, as_spam(suspend("bob", &["tls@"])));
    let ev = w.ok("carol", Participant, disagree(a));
    let appeal = filed_appeal(&ev).id;
    w.later_hours(24);
    w.ok("ad_sec", AreaDirector, decide_appeal(appeal, false, None));
}

/// The report's counts of actions: month, type, kind of forum, count.
fn rows(r: &transparency::Transparency) -> Vec<(&str, &str, &str, u64)> {
    r.actions
        .iter()
        .map(|c| (c.month.as_str(), c.action, c.forum_kind.as_str(), c.count))
        .collect()
}

#[test]
fn notify_5_the_report_counts_actions_reports_and_appeals_of_the_period() {
    let mut w = World::ietf();
    march(&mut w);
    let r = transparency::report(
        &w.state,
        ts("2026-03-01T00:00:00Z"),
        ts("2026-04-01T00:00:00Z"),
    );
    assert_eq!(
        rows(&r),
        vec![
            ("2026-03", "private_admonishment", "mailing-list", 1),
            ("2026-03", "temporary_suspension", "mailing-list", 1),
        ]
    );
    assert_eq!(r.spam_actions, 1, "spam is counted apart (STATS-1)");
    assert_eq!(r.people_acted_on, 2);
    assert_eq!((r.reports.received, r.reports.acknowledged), (1, 1));
    assert_eq!(r.reports.median_hours_to_acknowledge, Some(2.0));
    assert_eq!(r.appeals.filed, 1);
    let ad = &r.appeals.decided["area_director_or_ietf_chair"];
    assert_eq!((ad.upheld, ad.not_upheld), (0, 1));

    // Another period sees none of it.
    let april = transparency::report(
        &w.state,
        ts("2026-04-01T00:00:00Z"),
        ts("2026-05-01T00:00:00Z"),
    );
    assert!(april.actions.is_empty());
    assert_eq!(
        (
            april.reports.received,
            april.appeals.filed,
            april.spam_actions
        ),
        (0, 0, 0)
    );
}

/// An action counts once under each kind of forum it covers, however many
/// fora of that kind; the rows come month by month.
#[test]
fn notify_5_an_action_counts_once_a_kind_of_forum_and_the_months_come_in_order() {
    let mut w = World::ietf();
    march(&mut w);
    w.at("2026-04-10T10:00:00Z");
    w.take(
        "alice",
        Administrator,
        admonish("dave", &["tls@", "tls-chat"]),
    );
    w.at("2026-05-10T10:00:00Z");
    w.take("m1", Moderator, admonish("dave", &["ietf@", "last-call@"]));
    let r = transparency::report(
        &w.state,
        ts("2026-01-01T00:00:00Z"),
        ts("2027-01-01T00:00:00Z"),
    );
    assert_eq!(
        rows(&r),
        vec![
            ("2026-03", "private_admonishment", "mailing-list", 1),
            ("2026-03", "temporary_suspension", "mailing-list", 1),
            ("2026-04", "private_admonishment", "chat", 1),
            ("2026-04", "private_admonishment", "mailing-list", 1),
            ("2026-05", "private_admonishment", "mailing-list", 1),
        ]
    );
    assert_eq!(r.people_acted_on, 3);
}

#[test]
fn priv_1_the_public_report_names_nobody() {
    let mut w = World::ietf();
    march(&mut w);
    let r = transparency::report(
        &w.state,
        ts("2026-01-01T00:00:00Z"),
        ts("2027-01-01T00:00:00Z"),
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("temporary_suspension"), "{json}");
    for (id, name) in PEOPLE {
        assert!(
            !json.contains(&format!("\"{id}\"")),
            "{id} appears in {json}"
        );
        assert!(!json.contains(name), "{name} appears in {json}");
    }
    // No forum, address, reason or evidence either: only kinds and counts.
    for needle in ["@", "sealioning", "http"] {
        assert!(!json.contains(needle), "{needle:?} appears in {json}");
    }
}

#[test]
fn notify_5_a_period_counts_what_happened_in_it_up_to_but_not_at_its_end() {
    let mut w = World::ietf();
    // The report is filed at 10:00, acted on and disagreed with at 12:00;
    // the AD decides at 12:00 the next day.
    march(&mut w);
    let count =
        |w: &World, to: &str| transparency::report(&w.state, ts("2026-03-01T00:00:00Z"), ts(to));
    let before_the_actions = count(&w, "2026-03-02T12:00:00Z");
    assert_eq!(before_the_actions.reports.received, 1);
    assert!(before_the_actions.actions.is_empty());
    assert_eq!(
        (
            before_the_actions.spam_actions,
            before_the_actions.people_acted_on
        ),
        (0, 0)
    );
    let before_the_decision = count(&w, "2026-03-03T12:00:00Z");
    assert_eq!(before_the_decision.appeals.filed, 1);
    assert!(before_the_decision.appeals.decided.is_empty());
    assert_eq!(count(&w, "2026-03-03T12:00:01Z").appeals.decided.len(), 1);

    // A report nobody took up escalates, and is counted so.
    let ignored = w.file_report("bob", "quic@", "erin", "uncivil");
    w.escalate_when_due(ignored);
    let r = count(&w, "2026-04-01T00:00:00Z");
    assert_eq!(
        (
            r.reports.received,
            r.reports.acknowledged,
            r.reports.escalated
        ),
        (2, 1, 1)
    );

    // A disagreement not yet decided is pending in the period it was filed
    // in, and in no other.
    let a = w.take("alice", Administrator, admonish("erin", &["tls@"]));
    w.ok("erin", Participant, disagree(a));
    assert_eq!(count(&w, "2026-04-01T00:00:00Z").appeals.pending, 1);
    let april = transparency::report(
        &w.state,
        ts("2026-04-01T00:00:00Z"),
        ts("2026-05-01T00:00:00Z"),
    );
    assert_eq!(april.appeals.pending, 0);
}

#[test]
fn notify_5_the_median_time_to_acknowledge_is_the_middle_one_or_the_mean_of_the_middle_two() {
    let mut w = World::ietf();
    w.at("2026-03-02T10:00:00Z");
    let acknowledged_after = |w: &mut World, hours| {
        let report = w.file_report("bob", "tls@", "carol", "uncivil");
        w.later_hours(hours);
        w.ok(
            "alice",
            Administrator,
            Command::AcknowledgeReport { report },
        );
    };
    let median = |w: &World| {
        transparency::report(
            &w.state,
            ts("2026-03-01T00:00:00Z"),
            ts("2026-04-01T00:00:00Z"),
        )
        .reports
        .median_hours_to_acknowledge
    };
    assert_eq!(median(&w), None);
    acknowledged_after(&mut w, 1);
    acknowledged_after(&mut w, 4);
    assert_eq!(median(&w), Some(2.5));
    acknowledged_after(&mut w, 10);
    assert_eq!(median(&w), Some(4.0));
    acknowledged_after(&mut w, 2);
    assert_eq!(median(&w), Some(3.0));
}

#[test]
fn notify_5_the_report_counts_upheld_appeals_and_each_outcome_of_reinstatement() {
    let mut w = World::ietf();
    w.at("2025-03-02T10:00:00Z");
    let suspended: Vec<ActionId> = ["carol", "erin", "bob"]
        .into_iter()
        .map(|who| w.take("m1", Moderator, suspend(who, &["ietf@"])))
        .collect();
    w.at("2026-03-02T10:00:00Z");
    let mut requests = Vec::new();
    for (who, action) in ["carol", "erin", "bob"].into_iter().zip(&suspended) {
        let events = w.ok(
            who,
            Participant,
            Command::RequestReinstatement {
                action: *action,
                statement: "I will follow the code of conduct".into(),
            },
        );
        requests.push(requested_reinstatement(&events).id);
    }
    for (request, reinstate) in [(requests[0], true), (requests[1], false)] {
        w.ok(
            "m2",
            Moderator,
            Command::DecideReinstatement {
                request,
                reinstate,
                conditions: None,
                rationale: "discussed by the team".into(),
            },
        );
    }
    // An appeal the AD upholds, rescinding the action.
    let a = w.take("alice", Administrator, admonish("dave", &["tls@"]));
    let ev = w.ok("dave", Participant, disagree(a));
    let appeal = filed_appeal(&ev).id;
    w.ok(
        "ad_sec",
        AreaDirector,
        decide_appeal(appeal, true, Some(Remedy::Rescind)),
    );
    let r = transparency::report(
        &w.state,
        ts("2026-03-01T00:00:00Z"),
        ts("2026-04-01T00:00:00Z"),
    );
    let ad = &r.appeals.decided["area_director_or_ietf_chair"];
    assert_eq!((r.appeals.filed, ad.upheld, ad.not_upheld), (1, 1, 0));
    let counts = &r.reinstatements;
    assert_eq!(
        (
            counts.requested,
            counts.reinstated,
            counts.declined,
            counts.pending
        ),
        (3, 1, 1, 1)
    );
}

/// A team action at a level of the ladder, with a note to the list where
/// the level asks for one.
fn team_step(subject: &str, measure: Measure, level: u8, skip: Option<&str>) -> Command {
    let mut c = act(subject, measure, &["ietf@"]);
    if let Command::TakeAction {
        level: l, texts, ..
    } = &mut c
    {
        *l = Some(LevelStep {
            level,
            skip_reason: skip.map(Into::into),
        });
        *texts = (level > 0).then(|| Texts {
            to_person: None,
            to_list: Some("Please keep this list civil.".into()),
        });
    }
    c
}

#[test]
fn stats_1_the_team_s_yearly_table_counts_levels_and_people_once_with_spam_and_rescinded_apart() {
    use Capacity::{Administrator, IetfChair, Moderator};
    let mut w = World::ietf();
    w.at("2026-03-02T10:00:00Z");
    w.ok(
        "m1",
        Moderator,
        team_step("carol", Measure::PrivateAdmonishment, 0, None),
    );
    w.ok(
        "m1",
        Moderator,
        team_step("carol", Measure::PublicAdmonishment, 1, None),
    );
    w.ok(
        "m1",
        Moderator,
        team_step("erin", Measure::PrivateAdmonishment, 0, None),
    );
    let rescinded = w.take("m2", Moderator, suspend("bob", &["ietf@"]));
    w.ok("m3", Moderator, rescind(rescinded));
    w.ok(
        "m1",
        Moderator,
        as_spam(suspend("bob", &["ietf@", "last-call@"])),
    );
    // An administrator's action is not the team's.
    w.ok("alice", Administrator, admonish("carol", &["tls@"]));
    // The next year, carol reaches level 2, approved by the IETF chair.
    w.at("2027-01-10T10:00:00Z");
    let events = w
        .propose(
            "m1",
            Moderator,
            team_step("carol", Measure::TemporarySuspension, 2, None),
        )
        .events;
    let proposal = proposal_made(&events).id;
    w.ok("m2", Moderator, Command::AgreeToProposal { proposal });
    w.ok(
        "ietf_chair",
        IetfChair,
        Command::ApproveProposal { proposal },
    );

    let stats = modpod_policy::transparency::team_statistics(&w.state);
    let year = |y: i16| stats.years.iter().find(|r| r.year == y).unwrap();
    assert_eq!(stats.years.len(), 2);
    assert_eq!(year(2026).by_level, [2, 1, 0]);
    assert_eq!(year(2026).without_level, 0, "the rescinded one is apart");
    assert_eq!(year(2026).rescinded, 1);
    assert_eq!(year(2026).spam, 1);
    assert_eq!(year(2026).people_contacted, 3, "carol, erin and bob");
    assert_eq!(year(2027).by_level, [0, 0, 1]);
    assert_eq!(year(2027).people_contacted, 1);
    assert_eq!(
        stats.people_contacted, 3,
        "carol counted once over both years"
    );
    assert_eq!(stats.levels[2].name, "Posting restriction");
    assert_eq!(
        stats.to_csv(),
        "year,level_0,level_1,level_2,without_level,people_contacted,spam,rescinded,anonymous_people\n\
         2026,2,1,0,0,3,1,1,0\n\
         2027,0,0,1,0,1,0,0,0\n\
         all,2,1,1,0,3,1,1,0\n"
    );
}

/// The report kept up to date change by change (a tally moved from each
/// state to the next by what differs between them) is the report made
/// afresh: acknowledgements in any order of their hours, an action amended
/// and one rescinded, a move back to an earlier state (whose actions and
/// reports leave the counts) and forward again, and fora that change kind
/// or go.
#[test]
fn notify_5_the_report_kept_change_by_change_is_the_report_made_afresh() {
    let (from, to) = (ts("2026-01-01T00:00:00Z"), ts("2027-01-01T00:00:00Z"));
    let mut w = World::ietf();
    w.at("2026-03-02T10:00:00Z");
    let start = w.state.clone();
    let mut tally = transparency::Tally::new(&w.state, from, to);
    let mut then = w.state.clone();
    // Moves the tally on to the world's state, and compares.
    let check = |tally: &mut transparency::Tally, then: &mut State, w: &World, what: &str| {
        tally.advance(then, &w.state);
        *then = w.state.clone();
        assert_eq!(
            tally.report(&w.state),
            transparency::report(&w.state, from, to),
            "after {what}"
        );
    };
    // Filed at 10:00, 13:30 and 13:00, acknowledged at 15:00: after 5,
    // 1.5 and 2 hours, the median 2.
    let mut reports = Vec::new();
    for (at, subject) in [("10:00", "carol"), ("13:30", "dave"), ("13:00", "erin")] {
        w.at(&format!("2026-03-02T{at}:00Z"));
        reports.push(w.file_report("bob", "tls@", subject, "sealioning"));
    }
    check(&mut tally, &mut then, &w, "three reports");
    w.at("2026-03-02T15:00:00Z");
    for r in &reports {
        w.ok(
            "alice",
            Administrator,
            Command::AcknowledgeReport { report: *r },
        );
        check(&mut tally, &mut then, &w, "an acknowledgement");
    }
    assert_eq!(
        tally.report(&w.state).reports.median_hours_to_acknowledge,
        Some(2.0)
    );
    assert_eq!(tally.report(&w.state).reports.acknowledged, 3);
    let a = w.take(
        "alice",
        Administrator,
        citing(suspend("carol", &["tls@"]), &[reports[0]]),
    );
    w.take("m1", Moderator, admonish("erin", &["ietf@"]));
    let b = w.take("alice", Administrator, admonish("dave", &["tls@"]));
    w.take("alice", Administrator, as_spam(suspend("bob", &["tls@"])));
    check(&mut tally, &mut then, &w, "four actions");
    w.ok(
        "alice",
        Administrator,
        amend_to(
            a,
            Measure::TemporarySuspension,
            &["tls@", "tls-chat"],
            Some("2026-06-01T00:00:00Z"),
        ),
    );
    check(&mut tally, &mut then, &w, "an amendment");
    w.ok("alice", Administrator, rescind(b));
    check(&mut tally, &mut then, &w, "a rescission");
    assert_eq!(tally.report(&w.state).people_acted_on, 3);

    // Back to the state before any of it: nobody and nothing is counted;
    // and forward again.
    tally.advance(&w.state, &start);
    let back = tally.report(&start);
    assert_eq!(back, transparency::report(&start, from, to));
    assert_eq!((back.people_acted_on, back.reports.received), (0, 0));
    tally.advance(&start, &w.state);
    assert_eq!(
        tally.report(&w.state),
        transparency::report(&w.state, from, to)
    );

    // A forum of another kind, then gone: the actions on it count under
    // the kinds of the fora left.
    let mut changed = w.state.clone();
    if let Some(forum) = changed.fora.get_mut(&f("tls@")) {
        forum.kind = "chat".into();
    }
    tally.advance(&w.state, &changed);
    assert_eq!(
        tally.report(&changed),
        transparency::report(&changed, from, to)
    );
    let mut gone = changed.clone();
    gone.fora.remove(&f("tls@"));
    tally.advance(&changed, &gone);
    assert_eq!(tally.report(&gone), transparency::report(&gone, from, to));

    tally.advance(&gone, &w.state);
    assert_eq!(
        tally.report(&w.state),
        transparency::report(&w.state, from, to)
    );
}
