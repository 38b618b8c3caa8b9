//! A case's threads (MSG-1): those who handle a report, the person it is
//! about and the person who filed it exchange messages inside the case, each
//! party only in their own thread, so that the reporter stays hidden from
//! the person reported (REPORT-5).

use crate::world::*;
use Capacity::{Administrator, Moderator, Participant};
use modpod_policy::views;

fn post(report: ReportId, thread: Thread, text: &str) -> Command {
    Command::PostCaseMessage {
        report,
        thread,
        text: text.into(),
    }
}

/// The texts of the messages `person` reads on the report, thread by thread.
fn read(w: &World, person: &str, report: ReportId) -> Vec<(Thread, Vec<String>)> {
    views::threads(&w.state, &p(person), report)
        .into_iter()
        .map(|t| {
            let texts = t.messages.iter().map(|m| m.text.clone()).collect();
            (t.thread, texts)
        })
        .collect()
}

#[test]
fn msg_1_each_party_posts_only_in_their_own_thread_and_handlers_in_all() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    // The person reported and the reporter, each in their own thread.
    w.ok(
        "carol",
        Participant,
        post(rep, Thread::Person, "what did I do?"),
    );
    w.ok(
        "bob",
        Participant,
        post(rep, Thread::Reporter, "it goes on"),
    );
    for (person, thread) in [
        ("carol", Thread::Reporter),
        ("carol", Thread::Team),
        ("bob", Thread::Person),
        ("bob", Thread::Team),
    ] {
        let r = w.refused(person, Participant, post(rep, thread, "let me in"));
        assert_eq!(r.requirement(), "MSG-1", "{person} in {thread}: {r}");
        assert_says(&r, thread.as_str());
    }
    // Those who handle it (the forum's administrator, the moderators) write
    // in all three.
    for (person, capacity) in [("alice", Administrator), ("m1", Moderator)] {
        for thread in Thread::ALL {
            w.ok(person, capacity, post(rep, thread, "noted"));
        }
    }
    // Anybody else in none, whatever capacity they hold.
    for (person, capacity) in [
        ("erin", Participant),
        ("dave", Administrator),
        ("alice", Participant),
        ("ad_sec", Capacity::AreaDirector),
    ] {
        for thread in Thread::ALL {
            let r = w.refused(person, capacity, post(rep, thread, "hello"));
            assert_eq!(r.requirement(), "MSG-1", "{person} as {capacity}: {r}");
        }
    }
    // A capacity one does not hold is refused as such.
    let r = w.refused("erin", Moderator, post(rep, Thread::Team, "hello"));
    assert_eq!(r.requirement(), "ROLE-1");
    // The text is required and bounded.
    for text in [" \n".to_owned(), "x".repeat(20_001)] {
        let r = w.refused("alice", Administrator, post(rep, Thread::Team, &text));
        assert_eq!(r.requirement(), "INPUT", "{r}");
    }
    let r = w.refused(
        "alice",
        Administrator,
        post(ReportId(99), Thread::Team, "hi"),
    );
    assert_eq!(r.requirement(), "INPUT");
    // Every message is on the record, numbered within its thread, so that
    // no party learns from the numbers how much the others wrote.
    let numbers: Vec<(Thread, u32)> = w.state.case_messages[&rep]
        .iter()
        .map(|m| (m.thread, m.number))
        .collect();
    use Thread::{Person, Reporter, Team};
    assert_eq!(
        numbers,
        [
            (Person, 1),
            (Reporter, 1),
            (Person, 2),
            (Reporter, 2),
            (Team, 1),
            (Person, 3),
            (Reporter, 3),
            (Team, 2)
        ]
    );
}

#[test]
fn msg_1_a_subject_who_handles_reports_writes_only_in_their_own_thread() {
    // bob reports alice on the list she chairs, and m1 on a plenary list.
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "alice", "uncivil");
    w.ok("alice", Administrator, post(rep, Thread::Person, "I see"));
    for thread in [Thread::Reporter, Thread::Team] {
        let r = w.refused("alice", Administrator, post(rep, thread, "and?"));
        assert_eq!(r.requirement(), "MSG-1");
    }
    let rep = w.file_report("bob", "ietf@", "m1", "uncivil");
    let r = w.refused("m1", Moderator, post(rep, Thread::Team, "mine"));
    assert_eq!(r.requirement(), "MSG-1");
    w.ok("m2", Moderator, post(rep, Thread::Team, "m1 is recused"));
    assert_eq!(read(&w, "m1", rep), vec![(Thread::Person, vec![])]);
}

#[test]
fn msg_1_each_party_reads_only_their_own_thread() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    w.ok("m1", Moderator, post(rep, Thread::Person, "to carol"));
    w.ok("m1", Moderator, post(rep, Thread::Reporter, "to bob"));
    w.ok(
        "alice",
        Administrator,
        post(rep, Thread::Team, "between us"),
    );
    w.ok(
        "carol",
        Participant,
        post(rep, Thread::Person, "from carol"),
    );
    w.ok("bob", Participant, post(rep, Thread::Reporter, "from bob"));
    let person = (Thread::Person, vec!["to carol".into(), "from carol".into()]);
    let reporter = (Thread::Reporter, vec!["to bob".into(), "from bob".into()]);
    let team = (Thread::Team, vec!["between us".into()]);
    assert_eq!(read(&w, "carol", rep), vec![person.clone()]);
    assert_eq!(read(&w, "bob", rep), vec![reporter.clone()]);
    for handler in ["alice", "m1", "m5"] {
        assert_eq!(
            read(&w, handler, rep),
            vec![person.clone(), reporter.clone(), team.clone()],
            "{handler}"
        );
    }
    // Nobody else reads any: not a participant, not another forum's chair,
    // not the AD, not the operator.
    for other in ["erin", "dave", "ad_sec", "op"] {
        assert_eq!(read(&w, other, rep), vec![], "{other}");
    }
    // The report as each reads it carries no message at all.
    for reader in ["carol", "bob", "alice"] {
        let view = views::report_for(&w.state, &p(reader), rep).unwrap();
        let json = serde_json::to_string(&view).unwrap();
        assert!(
            !json.contains("from bob") && !json.contains("to carol"),
            "{json}"
        );
    }
}

#[test]
fn msg_1_the_subject_never_sees_the_reporters_thread_nor_who_reported() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let mut events = w.ok(
        "bob",
        Participant,
        post(rep, Thread::Reporter, "Bob here: she did it again"),
    );
    events.extend(w.ok(
        "m1",
        Moderator,
        post(rep, Thread::Reporter, "thank you, Bob"),
    ));
    events.extend(w.ok(
        "m1",
        Moderator,
        post(rep, Thread::Person, "please mind your tone"),
    ));
    events.extend(w.ok("carol", Participant, post(rep, Thread::Person, "sorry")));
    // What carol reads of the threads names neither bob nor his words.
    let seen = serde_json::to_string(&views::threads(&w.state, &p("carol"), rep)).unwrap();
    assert!(seen.contains("please mind your tone"), "{seen}");
    assert!(!seen.contains("bob") && !seen.contains("Bob"), "{seen}");
    // Nothing is owed to carol about a message of the reporter's thread, and
    // none of bob's messages may be quoted to her.
    for n in notifications(&events) {
        if n.to == to_person("carol") {
            let Subject::CaseMessage { thread, number, .. } = n.about else {
                panic!("{n:?}")
            };
            assert_eq!(thread, Thread::Person);
            let m = views::case_message_for_recipient(&w.state, &n.to, rep, thread, number);
            assert_eq!(m.unwrap().by, p("m1"));
        }
    }
    for number in [1, 2] {
        let quoted = views::case_message_for_recipient(
            &w.state,
            &to_person("carol"),
            rep,
            Thread::Reporter,
            number,
        );
        assert_eq!(quoted, None);
    }
}

#[test]
fn msg_1_a_group_the_subject_is_in_is_never_quoted_the_reporters_thread() {
    // bob reports alice on the list she chairs: a message from bob is owed
    // to tls@'s administrators (alice among them) and to the moderators.
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "alice", "uncivil");
    let events = w.ok("bob", Participant, post(rep, Thread::Reporter, "from bob"));
    assert_eq!(
        recipients(&events),
        vec![to_admins("tls@"), Recipient::ModeratorTeam]
    );
    let quoted = |w: &World, to: Recipient, thread: Thread| {
        views::case_message_for_recipient(&w.state, &to, rep, thread, 1).map(|m| m.text.clone())
    };
    assert_eq!(quoted(&w, to_admins("tls@"), Thread::Reporter), None);
    assert_eq!(
        quoted(&w, Recipient::ModeratorTeam, Thread::Reporter).as_deref(),
        Some("from bob")
    );
    assert_eq!(
        quoted(&w, to_person("bob"), Thread::Reporter).as_deref(),
        Some("from bob")
    );
    // The person's thread is read by every handler and by alice.
    w.ok(
        "alice",
        Administrator,
        post(rep, Thread::Person, "from alice"),
    );
    assert_eq!(
        quoted(&w, to_admins("tls@"), Thread::Person).as_deref(),
        Some("from alice")
    );
    // Public recipients are quoted nothing.
    assert_eq!(quoted(&w, to_forum("tls@"), Thread::Person), None);
}

#[test]
fn msg_1_a_new_message_is_owed_to_the_other_side_of_its_thread() {
    let mut w = World::ietf();
    let rep = w.file_report("bob", "tls@", "carol", "uncivil");
    let owed_for = |events: &[Event]| -> Vec<(Recipient, String, String)> {
        notifications(events)
            .into_iter()
            .map(|n| {
                (
                    n.to.clone(),
                    n.template.to_string(),
                    n.requirement.to_string(),
                )
            })
            .collect()
    };
    let msg1 = |to: Recipient, template: &str| (to, template.to_owned(), "MSG-1".to_owned());
    // From those who handle it to the party of the thread.
    let events = w.ok("alice", Administrator, post(rep, Thread::Person, "hello"));
    assert_eq!(
        owed_for(&events),
        vec![msg1(to_person("carol"), "case-message/person")]
    );
    assert_eq!(
        notifications(&events)[0].about,
        Subject::CaseMessage {
            report: rep,
            thread: Thread::Person,
            number: 1
        }
    );
    let events = w.ok("m1", Moderator, post(rep, Thread::Reporter, "thanks"));
    assert_eq!(
        owed_for(&events),
        vec![msg1(to_person("bob"), "case-message/reporter")]
    );
    // The team's notes are owed to nobody.
    let events = w.ok("m1", Moderator, post(rep, Thread::Team, "a note"));
    assert_eq!(owed_for(&events), vec![]);
    // From a party to those who handle the report.
    for (person, thread) in [("carol", Thread::Person), ("bob", Thread::Reporter)] {
        let events = w.ok(person, Participant, post(rep, thread, "a reply"));
        assert_eq!(
            owed_for(&events),
            vec![
                msg1(to_admins("tls@"), "case-message/administrators"),
                msg1(Recipient::ModeratorTeam, "case-message/moderators"),
            ],
            "{person}"
        );
    }
    // The moderator team does not handle reports on a non-public forum
    // (FORUM-3): only its administrators are told.
    let private = w.file_report("bob", "tls-chairs@", "carol", "uncivil");
    let events = w.ok("bob", Participant, post(private, Thread::Reporter, "hi"));
    assert_eq!(
        owed_for(&events),
        vec![msg1(
            to_admins("tls-chairs@"),
            "case-message/administrators"
        )]
    );
}
