//! The texts of notifications, composed from a real log without sending:
//! every notification the policy owes has a text of its own and an address,
//! and what a recipient may not learn is not in what its text is made from
//! (REPORT-5, PRIV-1).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use jiff::SignedDuration;
use modpod_notify::context::{self, Context};
use modpod_notify::{Composer, Directory, Templates};
use modpod_policy::model::{Notification, Recipient, Subject};
use modpod_server::Engine;
use modpod_store::DeliveryStatus;
use serde_json::json;
use std::collections::BTreeSet;

fn world() -> World {
    let store = Box::new(modpod_store::SqliteStore::open_in_memory().unwrap());
    World::new(Engine::open(store, &mut |_| {}).unwrap())
}

fn composer(templates: Templates) -> Composer {
    Composer {
        templates,
        directory: Directory::parse(&[
            "community=ietf-announce@ietf.example",
            "fora=chat-gateway@ietf.example",
        ])
        .unwrap(),
        domain: "mod.example".into(),
        public_url: Some("https://mod.example/".into()),
    }
}

/// Everything a template for this notification could show, as JSON text.
fn visible(w: &World, n: &Notification) -> String {
    let cx: Context = context::build(w.engine().state(), n);
    serde_json::to_string(&cx).unwrap()
}

/// carol reports dave on the IETF list, and the team acknowledges it: the
/// report's number.
fn carol_reports_dave(w: &mut World) -> u64 {
    w.run(
        "carol",
        "participant",
        json!({"command": "file_report", "forum": "ietf@ietf.org",
        "subject": {"person": "dave"}, "category": "uncivil",
        "description": "sarcasm, then insults, then threats"}),
    );
    let report = w.engine().state().reports.keys().next_back().unwrap().0;
    w.run(
        "m1",
        "moderator",
        json!({"command": "acknowledge_report", "report": report}),
    );
    report
}

/// A life of the policy that owes every kind of notification there is.
fn every_kind_of_notification(w: &mut World) {
    w.bob_is_reported_on_two_lists();
    w.run(
        "alice",
        "administrator",
        json!({"command": "acknowledge_report", "report": 1}),
    );
    let suspension = w.bob_is_suspended_for_21_days();
    // A new identity of bob's while he is suspended alerts the team
    // (CIRCUMVENT-1).
    w.run(
        "op",
        "operator",
        json!({"command": "link_identity", "person": "bob",
        "identity": {"kind": "email", "value": "bob@elsewhere.example"}}),
    );
    // An administrator consults the team about the moderators' action (ACT-3).
    w.run(
        "alice",
        "administrator",
        json!({"command": "consult_moderators", "action": suspension,
        "note": "may I shorten it on tls@?"}),
    );
    w.run(
        "m2",
        "moderator",
        json!({"command": "answer_consultation", "action": suspension,
        "consultation": 0, "answer": "yes, by a week"}),
    );
    w.run(
        "alice",
        "administrator",
        json!({"command": "resolve_report", "report": 1,
        "outcome": {"outcome": "action_taken", "action": suspension}}),
    );
    // The case's threads (MSG-1): the team writes to the person and to the
    // reporter, and each answers.
    for (who, capacity, thread) in [
        ("m1", "moderator", "person"),
        ("m1", "moderator", "reporter"),
        ("bob", "participant", "person"),
        ("carol", "participant", "reporter"),
    ] {
        w.run(
            who,
            capacity,
            json!({"command": "post_case_message", "report": 1, "thread": thread,
            "text": "a message"}),
        );
    }
    w.run(
        "dave",
        "participant",
        json!({"command": "file_report", "forum": QUIC,
        "subject": {"person": "bob"}, "category": "harassment", "description": "threats"}),
    );
    w.later(49);
    w.run(
        "system",
        "system",
        json!({"command": "escalate_report", "report": 3}),
    );

    // Disagreement: the AD, then the IESG.
    w.run(
        "bob",
        "participant",
        json!({"command": "file_disagreement",
        "target": {"kind": "action", "id": suspension}, "grounds": "I was only quoting"}),
    );
    w.run(
        "ad",
        "area_director",
        json!({"command": "decide_appeal", "appeal": 1,
        "upheld": false, "rationale": "the insults are on the record"}),
    );
    w.run(
        "bob",
        "participant",
        json!({"command": "escalate_appeal", "appeal": 1}),
    );

    // A report closed without action, disagreed with and opened again (APPEAL-1).
    w.run(
        "m2",
        "moderator",
        json!({"command": "acknowledge_report", "report": 3}),
    );
    w.run(
        "m2",
        "moderator",
        json!({"command": "resolve_report", "report": 3,
        "outcome": {"outcome": "no_action_needed"}}),
    );
    w.run(
        "dave",
        "participant",
        json!({"command": "file_disagreement",
        "target": {"kind": "report", "id": 3}, "grounds": "the threats were real"}),
    );
    w.run(
        "ad",
        "area_director",
        json!({"command": "decide_appeal", "appeal": 2,
        "upheld": true, "rationale": "the threats deserve a review"}),
    );

    // The team changes its action, then lifts it.
    let ends = (w.now + jiff::SignedDuration::from_hours(30 * 24)).to_string();
    w.run("m1", "moderator", json!({"command": "amend_action", "action": suspension,
        "terms": {"measure": {"type": "temporary_suspension"}, "fora": [TLS, QUIC], "ends_at": ends},
        "reason": "a further insult"}));
    w.run(
        "m1",
        "moderator",
        json!({"command": "rescind_action", "action": suspension,
        "reason": "an apology was made on both lists"}),
    );

    // A public admonishment, an hour's rate limit that ends, an indefinite
    // suspension and a refused reinstatement a year later.
    let admonished = action_id(&w.run(
        "alice",
        "administrator",
        json!({"command": "take_action",
        "subject": {"person": "bob"}, "measure": {"type": "public_admonishment"}, "fora": [TLS],
        "reason": "off-topic again"}),
    ));
    w.run(
        "alice",
        "administrator",
        json!({"command": "amend_action", "action": admonished,
        "terms": {"measure": {"type": "public_admonishment"}, "fora": [TLS, "zulip:tls"]},
        "reason": "it happened in the chat room too"}),
    );
    let hour = (w.now + jiff::SignedDuration::from_hours(1)).to_string();
    let limit = action_id(&w.run("alice", "administrator", json!({"command": "take_action",
        "subject": {"person": "bob"}, "measure": {"type": "rate_limit", "posts": 2, "per_seconds": 86400},
        "fora": [TLS], "ends_at": hour, "reason": "flooding the list"})));
    w.later(2);
    w.run(
        "system",
        "system",
        json!({"command": "expire_action", "action": limit}),
    );
    let banned = action_id(&w.run(
        "alice",
        "administrator",
        json!({"command": "take_action",
        "subject": {"person": "bob"}, "measure": {"type": "indefinite_suspension"},
        "fora": [TLS], "reason": "threats"}),
    ));
    w.later(24 * 366);
    w.run(
        "bob",
        "participant",
        json!({"command": "request_reinstatement", "action": banned,
        "statement": "I have changed"}),
    );
    w.run(
        "alice",
        "administrator",
        json!({"command": "decide_reinstatement", "request": 1,
        "reinstate": false, "rationale": "not yet"}),
    );

    // The team's ladder (LADDER-1): an off-list note, then a break with a
    // note to the list, then a level-2 posting restriction with its notes,
    // agreed by the team (TEAM-5) and approved by the IETF chair; each level
    // is told in its own texts (TEMPLATE-1), and so is carol, whose report
    // each resolves.
    let reports: Vec<u64> = (0..3).map(|_| carol_reports_dave(w)).collect();
    let level_0 = w.run(
        "m1",
        "moderator",
        json!({"command": "take_action", "subject": {"person": "dave"},
        "measure": {"type": "private_admonishment"}, "fora": ["ietf@ietf.org"],
        "reason": "sarcasm aimed at a newcomer", "level": {"level": 0},
        "texts": {"to_person": "Please assume good faith of newcomers."}}),
    );
    let level_1 = w.run(
        "m1",
        "moderator",
        json!({"command": "take_action", "subject": {"person": "dave"},
        "measure": {"type": "public_admonishment"}, "fora": ["ietf@ietf.org"],
        "reason": "insults after a note", "level": {"level": 1},
        "texts": {"to_person": "Please take five days away from the list.",
                  "to_list": "Please keep this list civil."}}),
    );
    let level_2 = w.run(
        "m1",
        "moderator",
        json!({"command": "take_action", "subject": {"person": "dave"},
        "measure": {"type": "temporary_suspension"}, "fora": ["ietf@ietf.org"],
        "reason": "threats after two notes",
        "level": {"level": 2, "skip_reason": "threats"},
        "texts": {"to_person": "You may not post to the IETF list for two weeks.",
                  "to_list": "A participant may not post here for two weeks."}}),
    );
    let proposal = proposal_id(&level_2).unwrap();
    let level_2 = w.run(
        "chair",
        "ietf_chair",
        json!({"command": "approve_proposal", "proposal": proposal}),
    );
    for (report, level) in reports.into_iter().zip([level_0, level_1, level_2]) {
        w.run(
            "m1",
            "moderator",
            json!({"command": "resolve_report", "report": report,
            "outcome": {"outcome": "action_taken", "action": action_id(&level)}}),
        );
    }

    // The IETF LLC.
    w.run(
        "jay",
        "llc",
        json!({"command": "take_llc_action", "subject": {"person": "bob"},
        "fora": [TLS], "grounds": "credible_threat_of_harm", "nature": "posting suspended",
        "reason": "a threat against a participant", "expected_duration": "30 days"}),
    );
    w.run(
        "bob",
        "participant",
        json!({"command": "request_board_review", "action": 1}),
    );
    w.run(
        "kim",
        "llc_board",
        json!({"command": "decide_board_review", "action": 1,
        "lift": false, "rationale": "the threat stands"}),
    );
    w.run(
        "jay",
        "llc",
        json!({"command": "lift_llc_action", "action": 1, "reason": "resolved"}),
    );

    // What the scheduler records with time: the IESG digest, the community
    // report, and a reminder to a moderator who joined the IAB (TEAM-2).
    let (from, to) = (w.now - SignedDuration::from_hours(24 * 30), w.now);
    let period = json!({"from": from, "to": to});
    let mut digest = period.clone();
    digest["command"] = json!("issue_digest");
    w.run("system", "system", digest);
    let mut report = period;
    report["command"] = json!("publish_community_report");
    w.run("system", "system", report);
    w.run(
        "op",
        "operator",
        json!({"command": "grant_role", "person": "m2", "role": {"role": "iab_member"}}),
    );
    w.run(
        "system",
        "system",
        json!({"command": "remind_to_step_down", "person": "m2"}),
    );
}

#[test]
fn every_notification_the_policy_owes_has_a_text_of_its_own_and_an_address() {
    let mut w = world();
    every_kind_of_notification(&mut w);
    let composer = composer(Templates::load(None).unwrap());
    let engine = w.engine();
    let state = engine.state();
    let mut used = BTreeSet::new();
    for n in state.notifications.values() {
        used.insert(n.template.to_string());
        let text = composer
            .templates
            .render(&n.template, &context::build(state, n))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !text.subject.starts_with("IETF moderation: notification"),
            "{} has no text of its own",
            n.template
        );
        assert!(
            text.body.contains(&format!("Notification #{}", n.id.0)),
            "{}: {}",
            n.template,
            text.body
        );
        // Every email links to the page it is about, but for the public's.
        let public = matches!(n.to, Recipient::Forum { .. } | Recipient::CommunityChannel);
        let page = context::build(state, n).page;
        assert_eq!(page.is_some(), !public, "{}: {page:?}", n.template);
        if let Some(page) = page {
            let sent = composer.deliveries(state, n, 0);
            assert!(
                sent.iter()
                    .all(|d| d.body.contains(&format!("https://mod.example{page}"))),
                "{}: {:?}",
                n.template,
                sent.first().map(|d| &d.body)
            );
        }
        assert!(
            !text.body.contains("\n\n\n\n"),
            "{} leaves a gap:\n{}",
            n.template,
            text.body
        );
        for d in composer.deliveries(state, n, 0) {
            assert_eq!(
                d.status,
                DeliveryStatus::Pending,
                "{}: {:?}",
                n.template,
                d.last_error
            );
        }
    }
    // The life above owes every kind there is, so each built-in text was used.
    let built_in: BTreeSet<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates"))
            .unwrap()
            .flat_map(|d| {
                let d = d.unwrap().path();
                std::fs::read_dir(&d).into_iter().flatten().map(move |f| {
                    let f = f.unwrap().path();
                    format!(
                        "{}/{}",
                        d.file_name().unwrap().to_str().unwrap(),
                        f.file_stem().unwrap().to_str().unwrap()
                    )
                })
            })
            .collect();
    assert_eq!(used, built_in);
}

#[test]
fn a_suspension_notice_says_until_when_and_how_to_disagree() {
    let mut w = world();
    w.bob_is_reported_on_two_lists();
    let recorded = w.bob_is_suspended_for_21_days();
    let engine = w.engine();
    let state = engine.state();
    let composer = composer(Templates::load(None).unwrap());
    let n = state
        .notifications
        .values()
        .find(|n| {
            n.about == Subject::Action(modpod_policy::ids::ActionId(recorded))
                && matches!(&n.to, Recipient::Person { .. })
        })
        .unwrap();
    let d = composer.deliveries(state, n, 0);
    let addresses: Vec<&str> = d.iter().map(|d| d.address.as_str()).collect();
    // The tagged address reaches the same mailbox: one message, not two.
    assert_eq!(addresses, ["bob@example.org"]);
    let ends = state
        .actions
        .values()
        .next()
        .unwrap()
        .terms
        .ends_at
        .unwrap();
    let text = &d[0];
    assert!(
        text.subject
            .contains("Temporary suspension on tls@ietf.org, quic@ietf.org"),
        "{}",
        text.subject
    );
    for needle in [
        "On modpod: https://mod.example/me\n",
        "Dear Bob Participant",
        &format!("Until:    {} (21 days)", context::when(ends)),
        "insults on two lists after two warnings",
        "Deb Security, the responsible Area Director",
        "the IESG, and then to the IAB",
        "You may ask\nthat it be announced",
    ] {
        assert!(
            text.body.contains(needle),
            "{needle:?} is not in:\n{}",
            text.body
        );
    }
}

#[test]
fn report_5_priv_1_the_subject_and_the_public_are_never_given_what_they_may_not_see() {
    let mut w = world();
    w.bob_is_reported_on_two_lists();
    // Alice chairs the TLS list and is reported there herself.
    w.run(
        "carol",
        "participant",
        json!({"command": "file_report", "forum": TLS,
        "subject": {"person": "alice"}, "category": "uncivil", "description": "rude to me"}),
    );
    w.bob_is_suspended_for_21_days();
    let notifications: Vec<Notification> =
        w.engine().state().notifications.values().cloned().collect();
    let (mut public, mut to_bob, mut handlers) = (0, 0, 0);
    for n in &notifications {
        let seen = visible(&w, n);
        let reporters = ["Carol", "carol", "Dave", "dave"];
        match (&n.to, &n.about) {
            (Recipient::Forum { .. } | Recipient::CommunityChannel, _) => {
                public += 1;
                for secret in ["insults on two lists", "Maya", "m1", "Carol", "Dave"] {
                    assert!(
                        !seen.contains(secret),
                        "{secret:?} reaches the public: {seen}"
                    );
                }
                assert!(
                    seen.contains("Bob Participant") && seen.contains("21 days"),
                    "{seen}"
                );
            }
            (Recipient::Person { person }, _) if person.as_str() == "bob" => {
                to_bob += 1;
                for r in reporters {
                    assert!(!seen.contains(r), "bob learns of {r}: {seen}");
                }
            }
            (Recipient::ForumAdministrators { forum }, Subject::Report(r))
                if forum.as_str() == TLS && r.0 == 2 =>
            {
                // Alice is one of the administrators told of her own report.
                assert!(
                    !seen.contains("Carol"),
                    "the subject learns who reported: {seen}"
                );
            }
            (Recipient::ModeratorTeam, Subject::Report(_)) => {
                handlers += 1;
                assert!(seen.contains("Carol") || seen.contains("Dave"), "{seen}");
            }
            _ => {}
        }
    }
    assert_eq!((public, to_bob, handlers), (3, 1, 3));
}

#[test]
fn a_directory_of_templates_replaces_the_built_in_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("action-taken")).unwrap();
    std::fs::write(
        dir.path().join("action-taken/person.txt"),
        "Subject: A note from the moderators\n\n{{ recipient.name }}: {{ action.measure }} until {{ action.ends }}.\n{% include \"_sig.txt\" %}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("_sig.txt"), "-- the team").unwrap();
    let composer = composer(Templates::load(Some(dir.path())).unwrap());
    let mut w = world();
    w.bob_is_reported_on_two_lists();
    w.bob_is_suspended_for_21_days();
    let engine = w.engine();
    let state = engine.state();
    for n in state.notifications.values() {
        let d = &composer.deliveries(state, n, 0)[0];
        if n.template == "action-taken/person" {
            assert_eq!(d.subject, "A note from the moderators");
            assert!(
                d.body
                    .starts_with("Bob Participant: temporary suspension until 20"),
                "{}",
                d.body
            );
            assert!(d.body.ends_with("-- the team\n"), "{}", d.body);
        } else {
            assert!(!d.body.contains("-- the team"), "{}", n.template);
        }
    }

    // A template that does not compile stops the start, naming the file.
    std::fs::write(
        dir.path().join("action-taken/person.txt"),
        "Subject: {% if %}\n",
    )
    .unwrap();
    let error = Templates::load(Some(dir.path())).err().unwrap().to_string();
    assert!(error.contains("action-taken/person.txt"), "{error}");
}

/// The IESG's digest lists the period's actions with their reasons
/// (NOTIFY-2); the community's report counts them and names nobody
/// (NOTIFY-5, PRIV-1).
#[test]
fn the_digest_lists_the_periods_actions_and_the_community_report_only_counts() {
    let mut w = world();
    w.bob_is_reported_on_two_lists();
    let start = w.now;
    w.bob_is_suspended_for_21_days();
    w.later(1);
    let period = json!({"from": start, "to": w.now});
    let mut digest = period.clone();
    digest["command"] = json!("issue_digest");
    let mut report = period;
    report["command"] = json!("publish_community_report");
    w.run("system", "system", digest);
    w.run("system", "system", report);
    let composer = composer(Templates::load(None).unwrap());
    let engine = w.engine();
    let state = engine.state();
    let text = |template: &str| {
        let n = state
            .notifications
            .values()
            .find(|n| n.template == template)
            .unwrap_or_else(|| panic!("no {template} owed"));
        composer
            .templates
            .render(&n.template, &context::build(state, n))
            .unwrap()
    };
    let digest = text("digest/iesg");
    assert!(digest.subject.contains("1 action"), "{}", digest.subject);
    for needle in [
        "Bob",
        "temporary suspension",
        "insults on two lists",
        "tls@",
    ] {
        assert!(
            digest.body.contains(needle),
            "{needle} missing:\n{}",
            digest.body
        );
    }
    let report = text("community-report/community");
    assert!(
        report
            .body
            .contains("temporary suspension (mailing-list): 1"),
        "{}",
        report.body
    );
    assert!(
        report.body.contains("Reports received:           2"),
        "{}",
        report.body
    );
    for name in ["Bob", "Carol", "insults", "m1"] {
        assert!(
            !report.body.contains(name),
            "{name} in the community report:\n{}",
            report.body
        );
    }
}

/// Walks every notification a report owes, about a subject who is among its
/// recipients: a moderator reported on the plenary list (the team administers
/// it) and a chair reported on her own list. Whoever a message reaches, if it
/// reaches the subject it carries neither the reporter nor a word or link of
/// theirs (REPORT-5).
#[test]
fn report_5_a_message_that_reaches_the_subject_carries_nothing_of_the_reporter() {
    let mut w = world();
    let secrets = ["DESC-MARK", "LINK-MARK", "Carol", "carol"];
    // m1, a moderator, on the plenary list; alice, its chair, on tls@.
    let on_m1 = w.run(
        "carol",
        "participant",
        json!({"command": "file_report", "forum": "ietf@ietf.org",
        "subject": {"person": "m1"}, "category": "uncivil",
        "description": "DESC-MARK: m1 mocked my draft",
        "links": ["https://mailarchive.example/ietf/LINK-MARK"]}),
    );
    let on_alice = w.run(
        "carol",
        "participant",
        json!({"command": "file_report", "forum": TLS,
        "subject": {"person": "alice"}, "category": "harassment",
        "description": "DESC-MARK: alice wrote to me off-list",
        "links": ["https://mailarchive.example/tls/LINK-MARK"]}),
    );
    assert!(!owed(&on_m1).is_empty() && !owed(&on_alice).is_empty());
    // Each report through its life: acknowledged, escalated, referred, resolved.
    w.run(
        "m2",
        "moderator",
        json!({"command": "acknowledge_report", "report": 1}),
    );
    w.run(
        "m2",
        "moderator",
        json!({"command": "refer_to_ombudsteam", "report": 1, "note": "as a precaution"}),
    );
    w.later(49);
    w.run(
        "system",
        "system",
        json!({"command": "escalate_report", "report": 2}),
    );
    w.run(
        "m2",
        "moderator",
        json!({"command": "resolve_report", "report": 1,
        "outcome": {"outcome": "no_action_needed"}}),
    );
    let state = w.engine().state().clone();
    let (mut reaching_subject, mut to_others) = (0, 0);
    for n in state.notifications.values() {
        let Subject::Report(id) = n.about else {
            continue;
        };
        let subject = &state.reports[&id].subject;
        let seen = visible(&w, n);
        if modpod_policy::views::reached(&state, &n.to).contains(subject) {
            reaching_subject += 1;
            for secret in secrets {
                assert!(
                    !seen.contains(secret),
                    "{secret:?} reaches {subject} through {:?} ({}): {seen}",
                    n.to,
                    n.template
                );
            }
        } else if !matches!(n.to, Recipient::Person { .. }) {
            // Those who handle it, without the subject, read it whole.
            to_others += 1;
            assert!(
                seen.contains("DESC-MARK"),
                "{:?} {}: {seen}",
                n.to,
                n.template
            );
        }
    }
    assert!(
        reaching_subject >= 4,
        "{reaching_subject} notifications reach a subject"
    );
    assert!(to_others >= 2, "{to_others}");
}

/// A message in a case's thread is emailed to the other side of it with a
/// link to the case page (MSG-1): to the person reported, never a word of
/// the reporter's thread nor who filed the report; to a group the subject
/// is in, not what the reporter wrote (REPORT-5).
#[test]
fn msg_1_a_message_is_emailed_with_a_link_and_never_reveals_the_reporter() {
    let mut w = world();
    w.bob_is_reported_on_two_lists();
    let post = |w: &mut World, who: &str, capacity: &str, report: u64, thread: &str, text: &str| {
        w.run(
            who,
            capacity,
            json!({"command": "post_case_message", "report": report, "thread": thread,
            "text": text}),
        )
    };
    post(
        &mut w,
        "m1",
        "moderator",
        1,
        "person",
        "PERSON-MARK: mind your tone",
    );
    post(
        &mut w,
        "m1",
        "moderator",
        1,
        "reporter",
        "REPORTER-MARK: thank you",
    );
    post(
        &mut w,
        "carol",
        "participant",
        1,
        "reporter",
        "CAROL-MARK: he goes on",
    );
    post(
        &mut w,
        "bob",
        "participant",
        1,
        "person",
        "BOB-MARK: I will",
    );
    // Carol reports alice on the list alice chairs, and writes about it.
    w.run(
        "carol",
        "participant",
        json!({"command": "file_report", "forum": TLS,
        "subject": {"person": "alice"}, "category": "uncivil", "description": "rude"}),
    );
    post(
        &mut w,
        "carol",
        "participant",
        3,
        "reporter",
        "SECRET-MARK: she did",
    );
    let composer = composer(Templates::load(None).unwrap());
    let engine = w.engine();
    let state = engine.state();
    let sent = |template: &str, report: u64| {
        let n = state
            .notifications
            .values()
            .find(|n| {
                n.template == template
                    && matches!(n.about, Subject::CaseMessage { report: r, .. } if r.0 == report)
            })
            .unwrap_or_else(|| panic!("no {template} owed"));
        let deliveries = composer.deliveries(state, n, 0);
        assert!(
            deliveries
                .iter()
                .all(|d| d.status == DeliveryStatus::Pending)
        );
        let to: Vec<String> = deliveries.iter().map(|d| d.address.clone()).collect();
        (
            to,
            format!("{}\n{}", deliveries[0].subject, deliveries[0].body),
        )
    };
    let (to, text) = sent("case-message/person", 1);
    assert_eq!(to, ["bob@example.org"]);
    for needle in [
        "PERSON-MARK",
        "Maya Moderator",
        "https://mod.example/cases/1#thread-person",
    ] {
        assert!(text.contains(needle), "{needle:?} is not in:\n{text}");
    }
    for secret in ["Carol", "carol", "REPORTER-MARK", "CAROL-MARK"] {
        assert!(!text.contains(secret), "bob reads {secret:?}:\n{text}");
    }
    let (to, text) = sent("case-message/reporter", 1);
    assert_eq!(to, ["carol@example.org"]);
    for needle in [
        "REPORTER-MARK",
        "https://mod.example/cases/1#thread-reporter",
    ] {
        assert!(text.contains(needle), "{needle:?} is not in:\n{text}");
    }
    assert!(
        !text.contains("PERSON-MARK") && !text.contains("BOB-MARK"),
        "{text}"
    );
    // The parties' answers reach those who handle the report.
    let (_, text) = sent("case-message/moderators", 1);
    assert!(
        text.contains("CAROL-MARK") && text.contains("Carol Reporter"),
        "{text}"
    );
    // Alice administers tls@ and is the subject of report 2: the message to
    // its administrators says a message came, not what or from whom.
    let (to, text) = sent("case-message/administrators", 3);
    assert!(to.contains(&"alice@example.org".to_owned()), "{to:?}");
    for secret in ["SECRET-MARK", "Carol", "carol"] {
        assert!(!text.contains(secret), "alice reads {secret:?}:\n{text}");
    }
    assert!(
        text.contains("https://mod.example/cases/3#thread-reporter"),
        "{text}"
    );
    let (_, text) = sent("case-message/moderators", 3);
    assert!(
        text.contains("SECRET-MARK") && text.contains("Carol Reporter"),
        "{text}"
    );
}

/// CIRCUMVENT-1: an alert tells the moderator team what was seen and that
/// nothing was done about it; one about a moderator, whom the team's
/// message reaches too, says nothing of what was seen.
#[test]
fn circumvent_1_an_alert_says_what_was_seen_and_that_nothing_was_done() {
    let mut w = world();
    w.bob_is_reported_on_two_lists();
    w.bob_is_suspended_for_21_days();
    let ends = (w.now + SignedDuration::from_hours(24 * 30)).to_string();
    w.run(
        "alice",
        "administrator",
        json!({"command": "take_action", "subject": {"person": "m2"},
        "measure": {"type": "temporary_suspension"}, "fora": [TLS], "ends_at": ends,
        "reason": "personal attacks"}),
    );
    for (person, address) in [
        ("bob", "bob@elsewhere.example"),
        ("m2", "oscar@elsewhere.example"),
    ] {
        w.run(
            "op",
            "operator",
            json!({"command": "link_identity", "person": person,
            "identity": {"kind": "email", "value": address}}),
        );
    }
    let seen_at = w.now.to_string();
    w.run(
        "system",
        "system",
        json!({"command": "record_circumvention_sighting",
        "identity": {"kind": "email", "value": "bob@example.org"},
        "forum": "ietf@ietf.org", "seen_at": seen_at}),
    );
    let engine = w.engine();
    let state = engine.state();
    let composer = composer(Templates::load(None).unwrap());
    let texts: Vec<_> = state
        .notifications
        .values()
        .filter(|n| matches!(n.about, Subject::Alert(_)))
        .map(|n| {
            assert_eq!(n.to, Recipient::ModeratorTeam);
            composer
                .templates
                .render(&n.template, &context::build(state, n))
                .unwrap()
        })
        .collect();
    let [bob, m2, seen] = texts.as_slice() else {
        panic!("{texts:?}")
    };
    assert!(
        bob.subject.contains("a new identity of Bob Participant"),
        "{}",
        bob.subject
    );
    for needle in [
        "email:bob@elsewhere.example was linked to Bob Participant",
        "temporary suspension on tls@ietf.org, quic@ietf.org",
        "nothing has been done about it",
    ] {
        assert!(
            bob.body.contains(needle),
            "{needle:?} is not in:\n{}",
            bob.body
        );
    }
    for secret in ["Oscar", "oscar@elsewhere", "m2"] {
        assert!(
            !m2.subject.contains(secret) && !m2.body.contains(secret),
            "{secret:?} is in:\n{}\n{}",
            m2.subject,
            m2.body
        );
    }
    assert!(m2.body.contains("says no more"), "{}", m2.body);
    assert!(
        seen.subject
            .contains("Bob Participant posted on ietf@ietf.org"),
        "{}",
        seen.subject
    );
    for needle in [
        "posted on IETF discussion list (ietf@ietf.org)\nas email:bob@example.org",
        "They are not restricted there,\nbut they are restricted elsewhere",
        "Action #1: temporary suspension",
    ] {
        assert!(
            seen.body.contains(needle),
            "{needle:?} is not in:\n{}",
            seen.body
        );
    }
}

#[test]
fn template_1_a_notification_is_written_from_the_version_of_the_team_s_text_it_names() {
    let mut w = world();
    let note = |w: &mut World, reason: &str| {
        w.run(
            "m1",
            "moderator",
            json!({"command": "take_action", "subject": {"person": "dave"},
            "measure": {"type": "private_admonishment"}, "fora": ["ietf@ietf.org"],
            "reason": reason, "level": {"level": 0},
            "texts": {"to_person": "Please assume good faith of newcomers."}}),
        )
    };
    let to_dave = |w: &World, action: u64| -> Notification {
        w.engine()
            .state()
            .notifications
            .values()
            .find(|n| {
                n.about == Subject::Action(modpod_policy::ids::ActionId(action))
                    && matches!(&n.to, Recipient::Person { person } if person.as_str() == "dave")
            })
            .cloned()
            .unwrap()
    };
    let before = note(&mut w, "sarcasm");
    let first = to_dave(&w, action_id(&before));
    assert_eq!(
        (first.template.as_str(), first.template_version),
        ("level-0/person", 0)
    );

    w.run(
        "m1",
        "moderator",
        json!({"command": "draft_template", "name": "level-0/person",
        "text": "Subject: A word from the team, {{ recipient.name }}\n\n{{ action.note }}\nText version {{ notification.version }}.\n\n{% include \"_footer.txt\" %}\n"}),
    );
    w.run(
        "m2",
        "moderator",
        json!({"command": "approve_template", "name": "level-0/person", "version": 1}),
    );
    w.later(24);
    let after = note(&mut w, "more sarcasm");
    let second = to_dave(&w, action_id(&after));
    assert_eq!(second.template_version, 1);

    // A newer version, approved later, changes nothing of what was owed
    // before it: each is written from the version it names.
    w.run(
        "m2",
        "moderator",
        json!({"command": "draft_template", "name": "level-0/person",
        "text": "Subject: Version two\n\n{{ action.note }}\n"}),
    );
    w.run(
        "m1",
        "moderator",
        json!({"command": "approve_template", "name": "level-0/person", "version": 2}),
    );
    let composer = composer(Templates::load(None).unwrap());
    let engine = w.engine();
    let state = engine.state();
    let sent = composer.deliveries(state, &second, 0);
    let [mail] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert_eq!(
        mail.status,
        DeliveryStatus::Pending,
        "{:?}",
        mail.last_error
    );
    assert!(
        mail.subject.starts_with("A word from the team, Dave"),
        "{}",
        mail.subject
    );
    assert!(mail.body.contains("Please assume good faith of newcomers."));
    assert!(mail.body.contains("Text version 1."), "{}", mail.body);
    assert!(
        mail.body
            .contains(&format!("Notification #{}", second.id.0))
    );
    let old = composer.deliveries(state, &first, 0);
    assert!(
        old.iter()
            .all(|d| d.body.contains("This note is between you and the team")),
        "modpod's own text for the first: {:?}",
        old.first().map(|d| &d.body)
    );
}
