//! The log's format (LOG-1): every version of it stays readable, and a change
//! to it cannot go unnoticed.
//!
//! `fixtures/log-vN.jsonl` (N the current version, 4) is a log of every kind
//! of event, one payload a line, as version N writes it (written by
//! [`a_log_of_every_kind`]), and `fixtures/log-vN.state.json` the state it
//! replays to. Each later version
//! keeps these and adds its own; `docs/log-format.md` says what each changed.
//! To write the current version's fixtures after such a change:
//! `MODPOD_WRITE_FIXTURES=1 cargo test -p modpod-policy --test log_format`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "scenarios/world.rs"]
mod world;

use modpod_policy::event::format::VERSION;
use modpod_policy::settings::SettingsChange;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use world::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn replay(log: &str) -> State {
    let mut state = State::default();
    for (n, line) in log.lines().enumerate() {
        let event = Event::from_payload(line)
            .unwrap_or_else(|e| panic!("event {} no longer reads: {e}\n{line}", n + 1));
        state.apply(&event);
    }
    state
}

/// A log in which every kind of event today's code writes occurs, with its
/// optional members set where it has them.
fn a_log_of_every_kind() -> Vec<Event> {
    use Capacity::*;
    let mut w = World::ietf();
    w.at("2026-03-02T10:00:00Z");
    let start = w.now;

    // Setting up.
    w.ok(
        "op",
        Operator,
        Command::LinkIdentity {
            person: p("bob"),
            identity: email("bob@example.org"),
        },
    );
    w.ok(
        "m1",
        Moderator,
        Command::SetAvailability {
            person: p("m1"),
            time_zone: "Europe/Paris".into(),
            windows: vec![Window {
                day: Day::Monday,
                from_hour: 9,
                to_hour: 17,
            }],
        },
    );
    for delegate in [true, false] {
        let (forum, to) = (f("tls@"), p("erin"));
        let command = if delegate {
            Command::DelegateAdministration { forum, to }
        } else {
            Command::RevokeDelegation { forum, to }
        };
        w.ok("alice", Administrator, command);
    }
    // The registry of groups (FORUM-5): a group changed, a forum closed and
    // opened again, and a sync recorded as `system` for the operator.
    w.ok(
        "op",
        Operator,
        Command::ChangeWorkingGroup {
            wg: wg("quic"),
            name: "QUIC transport".into(),
            area: Some("wit".into()),
            responsible_ad: Some(p("ad_tsv")),
        },
    );
    w.ok(
        "op",
        Operator,
        Command::CloseForum {
            forum: f("quic@"),
            reason: "the working group concluded".into(),
        },
    );
    w.ok(
        "op",
        Operator,
        Command::ReopenForum {
            forum: f("quic@"),
            reason: "the working group was chartered again".into(),
        },
    );
    w.ok(
        "system",
        System,
        Command::RecordRegistrySync {
            source: "https://datatracker.ietf.org".into(),
            on_behalf_of: p("op"),
            changes: 3,
        },
    );
    w.ok(
        "op",
        Operator,
        Command::OptIn {
            organisation: Organisation::Irtf,
            reference: "the IRTF chair's message of 2026-02-01".into(),
        },
    );
    w.ok(
        "op",
        Operator,
        Command::AddCategory {
            category: Category {
                id: "doxxing".into(),
                title: "Publishing private information".into(),
                explanation: "Someone's private details posted".into(),
                harassment: true,
            },
        },
    );
    w.ok(
        "op",
        Operator,
        Command::ChangeSettings {
            settings: SettingsChange {
                warn_team_below: Some(6),
                ..SettingsChange::default()
            },
        },
    );

    // The team: a moderator joins the IAB, is reminded, and recalled.
    w.ok(
        "op",
        Operator,
        Command::GrantRole {
            person: p("m5"),
            role: Role::IabMember,
        },
    );
    w.later_hours(24 * 7);
    w.ok(
        "system",
        System,
        Command::RemindToStepDown { person: p("m5") },
    );
    w.ok(
        "ad_sec",
        Iesg,
        Command::RecallModerator {
            person: p("m5"),
            reason: "joined the IAB".into(),
        },
    );
    w.ok(
        "op",
        Operator,
        Command::RevokeRole {
            person: p("m5"),
            role: Role::IabMember,
        },
    );

    // Procedures and the Note Well.
    w.ok(
        "m1",
        Moderator,
        Command::DraftProcedures {
            ladder: Some(Ladder::default()),
            version: 1,
            title: "Moderator team procedures".into(),
            text: "How the team works".into(),
            numbers: TeamNumbersChange {
                escalation_hours: Some(72),
                circumvention_alert_hours: Some(12),
                volume_posts: Some(30),
                volume_minutes: Some(60),
                volume_limit_hours: Some(24),
                ..TeamNumbersChange::default()
            },
        },
    );
    w.ok(
        "m2",
        Moderator,
        Command::OpenProceduresReview { version: 1 },
    );
    w.ok("ad_sec", Iesg, Command::ApproveProcedures { version: 1 });
    w.ok(
        "op",
        Operator,
        Command::PublishNoteWell {
            version: 1,
            text: "Note Well".into(),
            links: vec!["https://www.ietf.org/about/note-well/".into()],
        },
    );
    w.ok(
        "bob",
        Participant,
        Command::RecordNoteWellSeen { version: 1 },
    );

    // A report through every step, closed without action, disagreed with
    // and opened again.
    let report = w.file_report("bob", "tls@", "carol", "uncivil");
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report },
    );
    w.ok(
        "alice",
        Administrator,
        Command::AssignReport {
            report,
            to: Some(p("alice")),
        },
    );
    w.ok("alice", Administrator, Command::StartReview { report });
    w.ok(
        "alice",
        Administrator,
        Command::ReferToOmbudsteam {
            report,
            note: "this may be harassment".into(),
        },
    );
    w.ok(
        "alice",
        Administrator,
        Command::ResolveReport {
            report,
            outcome: ReportOutcome::NotDisruptive,
        },
    );
    let events = w.ok(
        "bob",
        Participant,
        Command::FileDisagreement {
            target: AppealTarget::Report(report),
            grounds: "the insults were plain".into(),
            note_well_seen: Some(1),
        },
    );
    let appeal = filed_appeal(&events).id;
    w.ok("ad_sec", AreaDirector, decide_appeal(appeal, true, None));
    let ignored = w.file_report("erin", "quic@", "bob", "uncivil");
    w.escalate_when_due(ignored);

    // Actions: taken on the report, consulted on, amended, announced,
    // disagreed with up to the IESG; rescinded; expired; a legacy one.
    let action = w.take(
        "alice",
        Administrator,
        citing(
            suspend_until("carol", &["tls@"], "2026-04-01T00:00:00Z"),
            &[report],
        ),
    );
    w.ok(
        "alice",
        Administrator,
        Command::ConsultModerators {
            action,
            note: "may we shorten it?".into(),
        },
    );
    w.ok(
        "m1",
        Moderator,
        Command::AnswerConsultation {
            action,
            consultation: 0,
            answer: "a week is enough".into(),
        },
    );
    w.ok(
        "alice",
        Administrator,
        amend_to(
            action,
            Measure::TemporarySuspension,
            &["tls@", "tls-chat"],
            Some("2026-04-15T00:00:00Z"),
        ),
    );
    // The thread cools down for a week, then no longer.
    for until in [Some("2026-04-10T00:00:00Z"), None] {
        w.ok(
            "alice",
            Administrator,
            Command::SetCoolDown {
                action,
                until: until.map(|t| t.parse().unwrap()),
                reason: "the thread is heated".into(),
            },
        );
    }
    w.ok(
        "carol",
        Participant,
        Command::RequestAnnouncement { action },
    );

    let events = w.ok("carol", Participant, disagree(action));
    let appeal = filed_appeal(&events).id;
    w.ok("ad_sec", AreaDirector, decide_appeal(appeal, false, None));
    w.ok("carol", Participant, Command::EscalateAppeal { appeal });
    let admonished = w.take("alice", Administrator, admonish("erin", &["tls@"]));
    w.ok("alice", Administrator, rescind(admonished));
    let short = w.take(
        "alice",
        Administrator,
        ending(
            Command::TakeAction {
                level: None,
                texts: None,
                subject: who("erin"),
                measure: Measure::RateLimit {
                    posts: 2,
                    per_seconds: 86_400,
                },
                fora: fora(&["tls-chat"]),
                reason: "flooding the room".into(),
                reports: vec![],
                evidence: vec![Evidence {
                    url: "https://example.org/archive/1".into(),
                    sha256: Some(
                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                    ),
                }],
                starts_at: None,
                ends_at: None,
                spam: false,
            },
            "2026-03-20T00:00:00Z",
        ),
    );
    // modpod fetches its evidence once, then checks it: changed, gone, and
    // unreachable (EVIDENCE-1).
    let url = "https://example.org/archive/1".to_owned();
    w.ok(
        "system",
        System,
        Command::RecordEvidenceRetrieval {
            action: short,
            url: url.clone(),
            outcome: FetchOutcome::Found {
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                size: 4,
            },
        },
    );
    for outcome in [
        FetchOutcome::Found {
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            size: 0,
        },
        FetchOutcome::Gone { status: 404 },
        FetchOutcome::Unavailable {
            reason: "no answer within 10 s".into(),
        },
    ] {
        w.later_hours(1);
        w.ok(
            "system",
            System,
            Command::RecordEvidenceCheck {
                action: short,
                url: url.clone(),
                outcome,
            },
        );
    }
    w.at("2026-03-20T00:00:00Z");
    w.ok("system", System, Command::ExpireAction { action: short });
    w.ok(
        "op",
        Operator,
        Command::RecordLegacyAction {
            subject: who("dave"),
            fora: fora(&["ietf@"]),
            imposed_at: ts("2010-05-01T00:00:00Z"),
            process: "RFC 3683".into(),
            reference: "https://example.org/prs/1".into(),
        },
    );
    // A ban found on a Mailman list, imported (MIGRATE-1).
    w.ok(
        "op",
        Operator,
        Command::ImportRestriction {
            subject: SubjectRef::Identity {
                identity: email("spammer@example.net"),
            },
            forum: f("tls@"),
            measure: Measure::IndefiniteSuspension,
            seen_at: ts("2026-01-05T00:00:00Z"),
            from: "Mailman at http://127.0.0.1:8001, list tls.ietf.org: a ban".into(),
        },
    );
    // The team's past actions (MIGRATE-1, STATS-1): a count of people on a
    // forum modpod knows, and a person on a list from before modpod.
    w.ok(
        "op",
        Operator,
        Command::RecordPastTeamAction {
            date: "2023-05-04".parse().unwrap(),
            level: Some(1),
            forum: Some(f("ietf@")),
            forum_name: None,
            person: None,
            count: Some(3),
            spam: false,
            rescinded: true,
            reference: "https://github.com/ietf/Moderators/blob/main/stats.md".into(),
            key: "stats-2023-level-1".into(),
        },
    );
    w.ok(
        "op",
        Operator,
        Command::RecordPastTeamAction {
            date: "2022-11-30".parse().unwrap(),
            level: None,
            forum: None,
            forum_name: Some("old-discuss@ietf.org".into()),
            person: Some(p("carol")),
            count: None,
            spam: true,
            rescinded: false,
            reference: "the team's notes, November 2022".into(),
            key: "notes-2022-11-30".into(),
        },
    );

    // The team's own text for level 2's note to the person (TEMPLATE-1),
    // drafted by one moderator and vetted by another: the notification
    // below names its version.
    w.ok(
        "m1",
        Moderator,
        Command::DraftTemplate {
            name: "level-2/person".into(),
            text: "Subject: A break from {{ action.fora[0].name }}\n\n{{ action.note }}\n".into(),
        },
    );
    w.ok(
        "m2",
        Moderator,
        Command::ApproveTemplate {
            name: "level-2/person".into(),
            version: 1,
        },
    );

    // The team's ladder (LADDER-1) and quorum (TEAM-5): a level-2 posting
    // restriction with its note to the list, agreed by a second moderator
    // and approved by the IETF chair; an amendment and a rescission of the
    // team; a proposal withdrawn.
    let events = w
        .propose(
            "m1",
            Moderator,
            Command::TakeAction {
                subject: who("bob"),
                measure: Measure::TemporarySuspension,
                fora: fora(&["ietf@"]),
                reason: "a third disruption after two notes".into(),
                reports: vec![],
                evidence: vec![],
                starts_at: None,
                ends_at: None,
                spam: false,
                level: Some(LevelStep {
                    level: 2,
                    skip_reason: Some("personal attacks".into()),
                }),
                texts: Some(Texts {
                    to_person: Some("You may not post to ietf@ for 14 days.".into()),
                    to_list: Some("A participant may not post here for 14 days.".into()),
                }),
            },
        )
        .events;
    let proposal = proposal_made(&events).id;
    w.ok("m2", Moderator, Command::AgreeToProposal { proposal });
    let events = w.ok(
        "ietf_chair",
        IetfChair,
        Command::ApproveProposal { proposal },
    );
    let restricted = taken_action(&events).id;
    w.ok(
        "m3",
        Moderator,
        amend_to(
            restricted,
            Measure::TemporarySuspension,
            &["ietf@"],
            Some("2026-03-25T00:00:00Z"),
        ),
    );
    w.ok("m3", Moderator, rescind(restricted));
    let events = w
        .propose("m1", Moderator, admonish("bob", &["ietf@"]))
        .events;
    w.ok(
        "m1",
        Moderator,
        Command::WithdrawProposal {
            proposal: proposal_made(&events).id,
            reason: "bob apologised on the list".into(),
        },
    );

    // Reinstatement, a year after an indefinite suspension.
    let indefinite = w.take("m1", Moderator, suspend("erin", &["ietf@"]));
    w.at("2027-03-21T00:00:00Z");
    let events = w.ok(
        "erin",
        Participant,
        Command::RequestReinstatement {
            action: indefinite,
            statement: "I have read the code of conduct".into(),
        },
    );
    let request = requested_reinstatement(&events).id;
    w.ok(
        "m2",
        Moderator,
        Command::DecideReinstatement {
            request,
            reinstate: true,
            conditions: Some("a rate limit for a month".into()),
            rationale: "discussed by the team".into(),
        },
    );

    // The LLC: one action reviewed by the board, one lifted.
    let llc = |w: &mut World, subject: &str| {
        let events = w.ok(
            "llc_staff",
            Llc,
            Command::TakeLlcAction {
                subject: who(subject),
                fora: fora(&["ietf@"]),
                grounds: LlcGrounds::Other,
                grounds_description: Some("a court order".into()),
                nature: "posting suspended".into(),
                reason: "required by the order".into(),
                expected_duration: "until the order lapses".into(),
                withhold_on_legal_advice: Some("counsel: not the community".into()),
                withhold_from: vec![LlcAudience::Community],
            },
        );
        taken_llc_action(&events).id
    };
    let reviewed = llc(&mut w, "bob");
    w.ok(
        "bob",
        Participant,
        Command::RequestBoardReview { action: reviewed },
    );
    w.ok(
        "llc_board",
        LlcBoard,
        Command::DecideBoardReview {
            action: reviewed,
            lift: false,
            rationale: "the order stands".into(),
        },
    );
    let lifted = llc(&mut w, "carol");
    w.ok(
        "llc_staff",
        Llc,
        Command::LiftLlcAction {
            action: lifted,
            reason: "the order lapsed".into(),
        },
    );

    // What the scheduler records.
    w.ok(
        "system",
        System,
        Command::IssueDigest {
            from: start,
            to: w.now,
        },
    );
    w.ok(
        "system",
        System,
        Command::PublishCommunityReport {
            from: start,
            to: w.now,
        },
    );

    // The first report's threads (MSG-1): the administrator writes to the
    // person, who answers.
    for (person, capacity, text) in [
        ("alice", Administrator, "please keep to the topic"),
        ("carol", Participant, "I will"),
    ] {
        w.ok(
            person,
            capacity,
            Command::PostCaseMessage {
                report,
                thread: Thread::Person,
                text: text.into(),
            },
        );
    }

    // The moderators are alerted to a new identity of dave's, suspended
    // under RFC 3683, and to a post of his where he is not (CIRCUMVENT-1);
    // the volume rule of the procedures rate-limits carol (REPORT-6).
    w.ok(
        "op",
        Operator,
        Command::LinkIdentity {
            person: p("dave"),
            identity: email("dave@elsewhere.example"),
        },
    );
    w.ok(
        "system",
        System,
        Command::RecordCircumventionSighting {
            identity: email("dave@elsewhere.example"),
            forum: f("quic@"),
            seen_at: w.now,
        },
    );
    w.ok(
        "system",
        System,
        Command::ApplyVolumeLimit {
            subject: who("carol"),
            forum: f("tls@"),
            posts: 30,
            minutes: 60,
        },
    );

    // One moderator's settings, which only older logs hold: today's code
    // still reads and writes the kind.
    let mut log = w.log;
    let old = include_str!("fixtures/log-before-the-december-2026-revision.jsonl");
    let settings = old
        .lines()
        .map(|l| Event::from_payload(l).unwrap())
        .find(|e| e.kind() == "settings_changed")
        .unwrap();
    log.push(settings);
    log
}

/// The members each kind of event has in `payloads`: `kind` and each path
/// from the top (`action.terms.measure.type`), variants of internally tagged
/// enums told apart by their tag.
fn shape<'a>(payloads: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    fn walk(prefix: &str, value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(members) => {
                let tag = ["type", "status", "command", "kind"]
                    .iter()
                    .find_map(|t| members.get(*t).and_then(Value::as_str));
                let here = match tag {
                    Some(tag) => format!("{prefix}<{tag}>"),
                    None => prefix.to_owned(),
                };
                for (name, member) in members {
                    let path = format!("{here}.{name}");
                    out.insert(path.clone());
                    walk(&path, member, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(&format!("{prefix}[]"), item, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for payload in payloads {
        let value: Value = serde_json::from_str(payload).unwrap();
        walk("", &value, &mut out);
    }
    out
}

fn current_fixture() -> String {
    format!("log-v{VERSION}.jsonl")
}

#[test]
fn log_1_the_fixture_of_this_version_is_written_and_holds_every_kind() {
    let log = a_log_of_every_kind();
    let payloads: Vec<String> = log.iter().map(Event::to_payload).collect();
    if std::env::var_os("MODPOD_WRITE_FIXTURES").is_some() {
        std::fs::write(fixture(&current_fixture()), payloads.join("\n") + "\n").unwrap();
        let state = replay(&payloads.join("\n"));
        let json = serde_json::to_string_pretty(&state).unwrap();
        std::fs::write(fixture(&format!("log-v{VERSION}.state.json")), json + "\n").unwrap();
    }
    let kinds: BTreeSet<&str> = log.iter().map(Event::kind).collect();
    let missing: Vec<&&str> = Event::KINDS
        .iter()
        .filter(|k| !kinds.contains(**k))
        .collect();
    assert!(
        missing.is_empty(),
        "a_log_of_every_kind writes no {missing:?}: add them, then write the fixtures"
    );
    let written = read(&current_fixture());
    let in_fixture: BTreeSet<&str> = written
        .lines()
        .map(|l| Event::from_payload(l).unwrap().kind())
        .collect();
    assert_eq!(
        in_fixture,
        Event::KINDS.iter().copied().collect(),
        "fixtures/{} must hold every kind of event",
        current_fixture()
    );
}

#[test]
fn log_1_a_new_kind_or_member_of_an_event_is_a_new_version_with_its_fixture() {
    let today = a_log_of_every_kind();
    let payloads: Vec<String> = today.iter().map(Event::to_payload).collect();
    let written = shape(payloads.iter().map(String::as_str));
    let fixture = read(&current_fixture());
    let recorded = shape(fixture.lines());
    let new: Vec<&String> = written.difference(&recorded).collect();
    assert!(
        new.is_empty(),
        "today's events have members that version {VERSION}'s fixture has not: {new:#?}\n\
         A change to the log's format is a new version: raise event::format::VERSION, \
         upgrade the version before in event/format.rs, describe it in docs/log-format.md \
         and write its fixtures (MODPOD_WRITE_FIXTURES=1 cargo test -p modpod-policy --test log_format)."
    );
    let notes = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/log-format.md"),
    )
    .unwrap();
    assert!(
        notes.contains(&format!("## Version {VERSION}")),
        "docs/log-format.md describes no version {VERSION}"
    );
}

#[test]
fn log_1_every_fixture_replays_to_the_state_it_was_written_from() {
    for version in 2..=VERSION {
        let log = read(&format!("log-v{version}.jsonl"));
        let state = replay(&log);
        let expected: State = serde_json::from_str(&read(&format!("log-v{version}.state.json")))
            .unwrap_or_else(|e| {
                panic!(
                    "fixtures/log-v{version}.state.json no longer reads as a state ({e}): the \
                     state's representation changed. Check that the log still means what it \
                     did, then write the state file again from the replay."
                )
            });
        assert_eq!(state, expected, "fixtures/log-v{version}.jsonl");
        // Written again by today's code, it reads back to the same state.
        let again: Vec<String> = log
            .lines()
            .map(|l| Event::from_payload(l).unwrap().to_payload())
            .collect();
        assert_eq!(replay(&again.join("\n")), expected);
    }
}

#[test]
fn log_1_a_version_1_event_is_upgraded_to_what_it_recorded() {
    let old = read("log-before-the-december-2026-revision.jsonl");
    let line = old
        .lines()
        .find(|l| l.contains(r#""type":"action_taken""#))
        .unwrap();
    assert!(line.contains(r#""status":"#) && line.contains(r#""amendments":"#));
    let event = Event::from_payload(line).unwrap();
    let Event::ActionTaken { action } = &event else {
        panic!("{event:?}")
    };
    let upgraded = event.to_payload();
    assert!(
        upgraded.starts_with(&format!("{{\"v\":{VERSION},")),
        "{upgraded}"
    );
    for derived in ["\"status\"", "\"amendments\"", "\"consultations\""] {
        assert!(!upgraded.contains(derived), "{upgraded}");
    }
    assert_eq!(Event::from_payload(&upgraded).unwrap(), event);
    assert!(!action.reason.is_empty());
}

#[test]
fn log_1_a_newer_version_or_a_broken_one_is_refused_with_the_reason_another_spacing_is_read() {
    let newer = format!(r#"{{"v":{},"type":"category_added"}}"#, VERSION + 1);
    let err = Event::from_payload(&newer).unwrap_err();
    assert!(err.contains("newer"), "{err}");
    // Version 1 had no `v`.
    for bad in [
        r#"{"v":"two","type":"x"}"#,
        r#"{"v":0,"type":"x"}"#,
        r#"{"v":1,"type":"x"}"#,
    ] {
        let err = Event::from_payload(bad).unwrap_err();
        assert!(err.contains("no version of the log"), "{err}");
    }
    // What cannot be read says which version it was read as.
    let err = Event::from_payload(r#"{"type":"unheard_of"}"#).unwrap_err();
    assert!(err.contains("version 1, upgraded"), "{err}");
    let err =
        Event::from_payload(&format!(r#"{{ "v": {VERSION}, "type": "unheard_of" }}"#)).unwrap_err();
    assert!(
        err.contains("unheard_of") && !err.contains("upgraded"),
        "{err}"
    );
    // Written otherwise than modpod writes it, a payload reads all the same.
    let event = Event::CategoryAdded {
        category: Category {
            id: "doxxing".into(),
            title: "Doxxing".into(),
            explanation: "private details".into(),
            harassment: true,
        },
    };
    let spaced =
        serde_json::to_string_pretty(&serde_json::from_str::<Value>(&event.to_payload()).unwrap())
            .unwrap();
    assert!(spaced.starts_with("{\n"), "{spaced}");
    assert_eq!(Event::from_payload(&spaced), Ok(event));
    let err = Event::from_payload(r#"{"v":2,"type":"unheard_of"}"#).unwrap_err();
    assert!(err.contains("unheard_of"), "{err}");
}

/// The event as version 1 wrote it: what it makes, the model's record
/// whole, its later members at their first values.
fn as_version_1(event: &Event) -> Option<String> {
    fn json<T: serde::Serialize>(t: T) -> Value {
        serde_json::to_value(t).unwrap()
    }
    let (member, record) = match event {
        Event::ActionTaken { action } => ("action", json(Action::from(action))),
        Event::ReportFiled { report } => ("report", json(Report::from(report))),
        Event::AppealFiled { appeal } => ("appeal", json(Appeal::from(appeal))),
        Event::AppealEscalated { step, .. } => ("step", json(AppealStep::from(step))),
        Event::ReinstatementRequested { request } => {
            ("request", json(ReinstatementRequest::from(request)))
        }
        Event::LlcActionTaken { action } => ("action", json(LlcAction::from(action))),
        Event::ProceduresDrafted { procedures } => {
            ("procedures", json(Procedures::from(procedures)))
        }
        Event::ForumCreated { forum } => ("forum", json(Forum::from(forum))),
        _ => return None,
    };
    let mut written = json(event);
    written[member] = record;
    Some(written.to_string())
}

#[test]
fn log_1_every_record_version_1_wrote_reads_as_the_event_it_recorded() {
    let log = a_log_of_every_kind();
    let mut upgraded = BTreeSet::new();
    for event in &log {
        let Some(old) = as_version_1(event) else {
            continue;
        };
        assert!(!old.starts_with("{\"v\""), "{old}");
        assert_eq!(
            Event::from_payload(&old).as_ref(),
            Ok(event),
            "version 1 of a {} event reads otherwise: {old}",
            event.kind()
        );
        upgraded.insert(event.kind());
    }
    assert_eq!(
        upgraded.len(),
        8,
        "every kind whose record changed in version 2: {upgraded:?}"
    );
}

/// The kinds a long log is mostly made of are read without `Event`'s derived
/// reading (`format::READ_DIRECTLY`): every payload of them reads as the
/// derived reading reads it, and one that is not quite as modpod writes it
/// (an unknown member, the type twice, no members) is read, or refused with
/// the reason, as the derived reading does.
#[test]
fn log_1_the_kinds_read_directly_read_as_the_derived_reading_reads_them() {
    use modpod_policy::event::format::{READ_DIRECTLY, read_as_derived};
    let mut seen = BTreeSet::new();
    for payload in a_log_of_every_kind().iter().map(Event::to_payload) {
        let event = Event::from_payload(&payload).unwrap();
        assert_eq!(Ok(&event), read_as_derived(&payload).as_ref(), "{payload}");
        let kind = event.kind();
        if !READ_DIRECTLY.contains(&kind) {
            continue;
        }
        seen.insert(kind);
        let head = format!("{{\"v\":{VERSION},\"type\":\"{kind}\"");
        assert!(payload.starts_with(&head), "{payload}");
        let members = &payload[head.len()..];
        for variant in [
            format!("{}{}", &payload[..payload.len() - 1], ",\"unheard_of\":1}"),
            format!("{head},\"type\":\"{kind}\"{members}"),
            format!("{head},\"type\":\"report_reopened\"{members}"),
            format!("{head}}}"),
            format!("{head}, {}", &members[1..]),
        ] {
            assert_eq!(
                Event::from_payload(&variant),
                read_as_derived(&variant),
                "{variant}"
            );
        }
    }
    assert_eq!(
        seen,
        READ_DIRECTLY.iter().copied().collect(),
        "every kind read directly is a kind of event, in a_log_of_every_kind"
    );
}
