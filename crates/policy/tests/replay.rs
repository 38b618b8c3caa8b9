//! Property tests over random histories: random commands from a small
//! vocabulary over the `World::ietf()` fixture, by random people in random
//! capacities, at increasing times. Whatever happens:
//!
//! - `decide` never panics, and decides the same way twice;
//! - a refusal leaves the state as it was;
//! - replaying the log (each event through a JSON round trip) onto an empty
//!   state gives the live state (AUDIT-1: the state is nothing but the log);
//! - a state written to JSON and read back is the same state (snapshots).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "scenarios/world.rs"]
mod world;

use proptest::prelude::*;
use world::*;

/// People of the fixture, plus the scheduler and a stranger.
const PEOPLE: [&str; 16] = [
    "alice",
    "dave",
    "bob",
    "carol",
    "erin",
    "m1",
    "m2",
    "m3",
    "ad_sec",
    "ad_tsv",
    "ietf_chair",
    "iab_member",
    "llc_staff",
    "llc_board",
    "op",
    "system",
];

const FORA: [&str; 9] = [
    "tls@",
    "tls-chat",
    "tls-chairs@",
    "quic@",
    "ietf@",
    "last-call@",
    "ietf-chat",
    "cfrg@",
    "github:ietf/notes",
];

const SUBJECTS: [&str; 5] = ["carol", "bob", "erin", "alice", "m1"];

const CATEGORIES: [&str; 4] = ["uncivil", "harassment", "off-topic", "no-such-category"];

#[derive(Debug, Clone)]
enum Op {
    FileReport {
        forum: usize,
        subject: usize,
        category: usize,
    },
    Acknowledge(usize),
    StartReview(usize),
    Escalate(usize),
    Resolve(usize, u8),
    Refer(usize),
    Take {
        subject: usize,
        measure: u8,
        fora: Vec<usize>,
        end_days: Option<u16>,
        cite: Option<usize>,
        spam: bool,
    },
    Consult(usize),
    Answer {
        action: usize,
        consultation: usize,
    },
    Amend {
        action: usize,
        measure: u8,
        fora: Vec<usize>,
        end_days: Option<u16>,
    },
    Rescind(usize),
    Expire(usize),
    Announce(usize),
    Legacy {
        subject: usize,
        forum: usize,
    },
    Disagree(usize),
    DecideAppeal {
        appeal: usize,
        upheld: bool,
        remedy: u8,
    },
    EscalateAppeal(usize),
    AskReinstatement(usize),
    DecideReinstatement {
        request: usize,
        reinstate: bool,
        conditions: bool,
    },
    TakeLlc {
        subject: usize,
        withhold: bool,
    },
    LiftLlc(usize),
    AskBoard(usize),
    DecideBoard(usize, bool),
    Draft(u32),
    OpenReview(u32),
    Approve(u32),
    Settings {
        escalation_hours: u32,
        announce_days: u32,
        team: u32,
    },
    Appoint(usize),
    Recall(usize),
    Delegate {
        forum: usize,
        to: usize,
    },
}

fn small_or_any() -> impl Strategy<Value = u32> {
    prop_oneof![4 => 0..100u32, 1 => any::<u32>()]
}

fn op() -> impl Strategy<Value = Op> {
    let idx = || 0..8usize;
    let fora = || prop_oneof![6 => prop::collection::vec(0..FORA.len(), 1..3), 1 => Just(vec![])];
    let end = || prop::option::of(0..40u16);
    prop_oneof![
        4 => (0..FORA.len(), 0..SUBJECTS.len(), 0..CATEGORIES.len())
            .prop_map(|(forum, subject, category)| Op::FileReport { forum, subject, category }),
        2 => idx().prop_map(Op::Acknowledge),
        2 => idx().prop_map(Op::StartReview),
        1 => idx().prop_map(Op::Escalate),
        1 => (idx(), any::<u8>()).prop_map(|(r, o)| Op::Resolve(r, o)),
        1 => idx().prop_map(Op::Refer),
        5 => (0..SUBJECTS.len(), any::<u8>(), fora(), end(), prop::option::of(idx()), prop::bool::weighted(0.15))
            .prop_map(|(subject, measure, fora, end_days, cite, spam)| Op::Take { subject, measure, fora, end_days, cite, spam }),
        2 => idx().prop_map(Op::Consult),
        2 => (idx(), 0..3usize).prop_map(|(action, consultation)| Op::Answer { action, consultation }),
        2 => (idx(), any::<u8>(), fora(), end()).prop_map(|(action, measure, fora, end_days)| Op::Amend { action, measure, fora, end_days }),
        2 => idx().prop_map(Op::Rescind),
        2 => idx().prop_map(Op::Expire),
        1 => idx().prop_map(Op::Announce),
        1 => (0..SUBJECTS.len(), 0..FORA.len()).prop_map(|(subject, forum)| Op::Legacy { subject, forum }),
        3 => idx().prop_map(Op::Disagree),
        3 => (idx(), any::<bool>(), any::<u8>()).prop_map(|(appeal, upheld, remedy)| Op::DecideAppeal { appeal, upheld, remedy }),
        2 => idx().prop_map(Op::EscalateAppeal),
        3 => idx().prop_map(Op::AskReinstatement),
        3 => (idx(), any::<bool>(), any::<bool>())
            .prop_map(|(request, reinstate, conditions)| Op::DecideReinstatement { request, reinstate, conditions }),
        1 => (0..SUBJECTS.len(), any::<bool>()).prop_map(|(subject, withhold)| Op::TakeLlc { subject, withhold }),
        1 => idx().prop_map(Op::LiftLlc),
        1 => idx().prop_map(Op::AskBoard),
        1 => (idx(), any::<bool>()).prop_map(|(a, lift)| Op::DecideBoard(a, lift)),
        1 => (0..4u32).prop_map(Op::Draft),
        1 => (0..4u32).prop_map(Op::OpenReview),
        1 => (0..4u32).prop_map(Op::Approve),
        1 => (small_or_any(), small_or_any(), 0..8u32)
            .prop_map(|(escalation_hours, announce_days, team)| Op::Settings { escalation_hours, announce_days, team }),
        1 => (0..PEOPLE.len()).prop_map(Op::Appoint),
        1 => (0..PEOPLE.len()).prop_map(Op::Recall),
        1 => (0..FORA.len(), 0..PEOPLE.len()).prop_map(|(forum, to)| Op::Delegate { forum, to }),

    ]
}

/// Who acts: usually someone who might well give this command (in a capacity
/// they hold), sometimes anyone in any capacity.
#[derive(Debug, Clone)]
enum Who {
    Natural(usize),
    Anyone(usize, usize),
}

fn actor() -> impl Strategy<Value = Who> {
    prop_oneof![
        4 => any::<usize>().prop_map(Who::Natural),
        1 => (0..PEOPLE.len(), 0..Capacity::ALL.len()).prop_map(|(p, c)| Who::Anyone(p, c)),
    ]
}

/// The people who would give the command in the normal course of things.
fn natural(op: &Op) -> &'static [(&'static str, Capacity)] {
    use Capacity::*;
    const PARTICIPANTS: &[(&str, Capacity)] = &[
        ("carol", Participant),
        ("bob", Participant),
        ("erin", Participant),
    ];
    const HANDLERS: &[(&str, Capacity)] = &[
        ("alice", Administrator),
        ("dave", Administrator),
        ("m1", Moderator),
        ("m2", Moderator),
    ];
    match op {
        Op::FileReport { .. }
        | Op::Disagree(_)
        | Op::EscalateAppeal(_)
        | Op::Announce(_)
        | Op::AskReinstatement(_)
        | Op::AskBoard(_) => PARTICIPANTS,
        Op::Acknowledge(_)
        | Op::StartReview(_)
        | Op::Resolve(..)
        | Op::Refer(_)
        | Op::Take { .. }
        | Op::Amend { .. }
        | Op::Rescind(_) => HANDLERS,
        Op::Escalate(_) | Op::Expire(_) => &[("system", System), ("alice", Administrator)],
        Op::Answer { .. } => &[("m1", Moderator), ("m2", Moderator)],
        Op::Consult(_) | Op::Delegate { .. } => {
            &[("alice", Administrator), ("dave", Administrator)]
        }
        Op::Legacy { .. } => &[("op", Operator), ("ad_sec", Iesg)],
        Op::DecideAppeal { .. } => &[
            ("ad_sec", AreaDirector),
            ("ad_tsv", AreaDirector),
            ("ietf_chair", IetfChair),
            ("ad_sec", Iesg),
            ("iab_member", Iab),
        ],
        Op::DecideReinstatement { .. } => &[
            ("alice", Administrator),
            ("m1", Moderator),
            ("ad_sec", Iesg),
        ],
        Op::TakeLlc { .. } | Op::LiftLlc(_) => &[("llc_staff", Llc)],
        Op::DecideBoard(..) => &[("llc_board", LlcBoard)],
        Op::Draft(_) | Op::OpenReview(_) => &[("m1", Moderator)],
        Op::Approve(_) | Op::Appoint(_) | Op::Recall(_) => {
            &[("ad_sec", Iesg), ("ietf_chair", Iesg)]
        }
        Op::Settings { .. } => &[("m1", Moderator), ("op", Operator)],
    }
}

/// The person the record says should give this command, if any: the body an
/// appeal is before, the decider of a reinstatement request, the subject of an
/// action, the appellant.
fn expected(s: &State, cmd: &Command) -> Option<(String, Capacity)> {
    use Capacity::*;
    let subject_of = |a: &ActionId| {
        s.actions
            .get(a)
            .map(|a| (a.subject.to_string(), Participant))
    };
    match cmd {
        Command::DecideAppeal { appeal, .. } => {
            let step = s.appeals.get(appeal)?.current()?;
            Some(match step.level {
                AppealLevel::AreaDirector => (step.assigned_to.as_ref()?.to_string(), AreaDirector),
                AppealLevel::IetfChair => ("ietf_chair".into(), IetfChair),
                AppealLevel::Iesg => ("ad_tsv".into(), Iesg),
                AppealLevel::Iab => ("iab_member".into(), Iab),
            })
        }
        Command::EscalateAppeal { appeal } => {
            Some((s.appeals.get(appeal)?.appellant.to_string(), Participant))
        }
        Command::DecideReinstatement { request, .. } => {
            let r = s.reinstatements.get(request)?;
            Some(match r.decided_by {
                Decider::ForumAdministrators => ("alice".into(), Administrator),
                Decider::ModeratorTeam => ("m2".into(), Moderator),
                Decider::Legacy { .. } => ("ad_sec".into(), Iesg),
            })
        }
        Command::RequestAnnouncement { action } | Command::RequestReinstatement { action, .. } => {
            subject_of(action)
        }
        Command::RequestBoardReview { action } => {
            Some((s.llc_actions.get(action)?.subject.to_string(), Participant))
        }
        Command::TakeAction { fora, .. } => Some(handler_of(s, fora)),
        Command::AmendAction { action, .. } | Command::RescindAction { action, .. } => {
            let a = s.actions.get(action)?;
            Some(match (a.legacy.is_some(), a.taken_as) {
                (true, _) => ("ad_sec".into(), Iesg),
                (false, Moderator) => ("m2".into(), Moderator),
                _ => handler_of(s, &a.terms.fora),
            })
        }
        _ => None,
    }
}

/// A chair who administers all these fora, or else a moderator.
fn handler_of(s: &State, fora: &[ForumId]) -> (String, Capacity) {
    for chair in ["alice", "dave"] {
        let all = !fora.is_empty()
            && fora.iter().all(|f| {
                s.fora
                    .get(f)
                    .is_some_and(|f| s.is_administrator(&p(chair), f))
            });
        if all {
            return (chair.into(), Capacity::Administrator);
        }
    }
    ("m1".into(), Capacity::Moderator)
}

fn resolve(who_: &Who, op: &Op, s: &State, cmd: &Command) -> (String, Capacity) {
    match who_ {
        Who::Natural(i) => {
            if i % 4 != 0
                && let Some(e) = expected(s, cmd)
            {
                return e;
            }
            let n = natural(op);
            let (person, capacity) = n[i % n.len()];
            (person.to_owned(), capacity)
        }
        Who::Anyone(p, c) => (PEOPLE[*p].to_owned(), Capacity::ALL[*c]),
    }
}

/// How far the clock moves before the step: minutes, or up to 400 days.
fn advance() -> impl Strategy<Value = i64> {
    prop_oneof![3 => 0..180i64, 2 => 0..(60 * 24 * 400i64)]
}

/// The `i`th existing key, or an id that does not exist yet.
fn nth<K: Copy>(mut keys: impl ExactSizeIterator<Item = K>, i: usize, fresh: K) -> K {
    let n = keys.len();
    if n == 0 {
        fresh
    } else {
        keys.nth(i % n).unwrap_or(fresh)
    }
}

fn measure(m: u8) -> Measure {
    match m % 10 {
        0 => Measure::RateLimit {
            posts: 3,
            per_seconds: 3600,
        },
        1 => Measure::ReviewAndApproval,
        2 => Measure::PrivateAdmonishment,
        3 => Measure::PublicAdmonishment,
        4 | 5 => Measure::TemporarySuspension,
        6 | 7 => Measure::IndefiniteSuspension,
        8 => Measure::Other {
            description: "one post a day".into(),
        },
        _ => Measure::ContentRemoval,
    }
}

fn days_after(t: Timestamp, days: u16) -> Timestamp {
    t.checked_add(jiff::SignedDuration::from_hours(i64::from(days) * 24))
        .unwrap()
}

fn names(idx: &[usize]) -> Vec<ForumId> {
    idx.iter().map(|i| f(FORA[*i])).collect()
}

/// Turns an abstract step into a command against the current state.
fn command(s: &State, now: Timestamp, op: &Op) -> Command {
    let report = |i| nth(s.reports.keys().copied(), i, ReportId(s.next.report));
    let action = |i| nth(s.actions.keys().copied(), i, ActionId(s.next.action));
    let appeal = |i| nth(s.appeals.keys().copied(), i, AppealId(s.next.appeal));
    let reinst = |i| {
        nth(
            s.reinstatements.keys().copied(),
            i,
            ReinstatementId(s.next.reinstatement),
        )
    };
    let llc = |i| {
        nth(
            s.llc_actions.keys().copied(),
            i,
            LlcActionId(s.next.llc_action),
        )
    };
    match op.clone() {
        Op::FileReport {
            forum,
            subject,
            category,
        } => Command::FileReport {
            forum: f(FORA[forum]),
            subject: who(SUBJECTS[subject]),
            category: CATEGORIES[category].into(),
            description: "disruptive".into(),
            links: vec![],
            note_well_seen: None,
        },
        Op::Acknowledge(i) => Command::AcknowledgeReport { report: report(i) },
        Op::StartReview(i) => Command::StartReview { report: report(i) },
        Op::Escalate(i) => Command::EscalateReport { report: report(i) },
        Op::Resolve(i, o) => {
            let outcome = match o % 4 {
                0 => ReportOutcome::NoActionNeeded,
                1 => ReportOutcome::NotDisruptive,
                2 => ReportOutcome::ActionTaken {
                    action: action(usize::from(o)),
                },
                _ => ReportOutcome::Duplicate {
                    of: report(usize::from(o)),
                },
            };
            Command::ResolveReport {
                report: report(i),
                outcome,
            }
        }
        Op::Refer(i) => Command::ReferToOmbudsteam {
            report: report(i),
            note: "pattern".into(),
        },
        Op::Take {
            subject,
            measure: m,
            fora,
            end_days,
            cite,
            spam,
        } => Command::TakeAction {
            level: None,
            texts: None,
            subject: who(SUBJECTS[subject]),
            measure: measure(m),
            fora: names(&fora),
            reason: "disruption".into(),
            reports: cite.map(report).into_iter().collect(),
            evidence: spam
                .then(|| Evidence {
                    url: "https://mailarchive.ietf.org/arch/msg/ietf/bulk".into(),
                    sha256: None,
                })
                .into_iter()
                .collect(),
            starts_at: None,
            ends_at: end_days.map(|d| days_after(now, d)),
            spam,
        },
        Op::Consult(a) => Command::ConsultModerators {
            action: action(a),
            note: "may I change it?".into(),
        },
        Op::Answer {
            action: a,
            consultation,
        } => Command::AnswerConsultation {
            action: action(a),
            consultation,
            answer: "agreed".into(),
        },
        Op::Amend {
            action: a,
            measure: m,
            fora,
            end_days,
        } => Command::AmendAction {
            action: action(a),
            terms: TermsChange {
                measure: measure(m),
                fora: names(&fora),
                ends_at: end_days.map(|d| days_after(now, d)),
            },
            reason: "amended".into(),
        },
        Op::Rescind(a) => Command::RescindAction {
            action: action(a),
            reason: "rescinded".into(),
        },
        Op::Expire(a) => Command::ExpireAction { action: action(a) },
        Op::Announce(a) => Command::RequestAnnouncement { action: action(a) },
        Op::Legacy { subject, forum } => Command::RecordLegacyAction {
            subject: who(SUBJECTS[subject]),
            fora: vec![f(FORA[forum])],
            imposed_at: ts("2015-06-01T00:00:00Z"),
            process: "RFC 3683".into(),
            reference: "PR-action".into(),
        },
        Op::Disagree(a) => Command::FileDisagreement {
            target: AppealTarget::Action(action(a)),
            grounds: "unfair".into(),
            note_well_seen: None,
        },
        Op::DecideAppeal {
            appeal: i,
            upheld,
            remedy,
        } => {
            let remedy = match remedy % 3 {
                0 => None,
                1 => Some(Remedy::Rescind),
                _ => Some(Remedy::Amend {
                    terms: TermsChange {
                        measure: Measure::PrivateAdmonishment,
                        fora: vec![f("ietf@")],
                        ends_at: None,
                    },
                }),
            };
            Command::DecideAppeal {
                appeal: appeal(i),
                upheld,
                remedy,
                rationale: "because".into(),
            }
        }
        Op::EscalateAppeal(i) => Command::EscalateAppeal { appeal: appeal(i) },
        Op::AskReinstatement(a) => Command::RequestReinstatement {
            action: action(a),
            statement: "please".into(),
        },
        Op::DecideReinstatement {
            request,
            reinstate,
            conditions,
        } => Command::DecideReinstatement {
            request: reinst(request),
            reinstate,
            conditions: conditions.then(|| "held posts".into()),
            rationale: "because".into(),
        },
        Op::TakeLlc { subject, withhold } => Command::TakeLlcAction {
            subject: who(SUBJECTS[subject]),
            fora: vec![f("ietf@")],
            grounds: LlcGrounds::SeriousLegalRisk,
            nature: "suspension".into(),
            reason: "legal risk".into(),
            expected_duration: "a month".into(),
            grounds_description: None,
            withhold_on_legal_advice: withhold.then(|| "counsel".into()),
            withhold_from: vec![],
        },
        Op::LiftLlc(i) => Command::LiftLlcAction {
            action: llc(i),
            reason: "over".into(),
        },
        Op::AskBoard(i) => Command::RequestBoardReview { action: llc(i) },
        Op::DecideBoard(i, lift) => Command::DecideBoardReview {
            action: llc(i),
            lift,
            rationale: "reviewed".into(),
        },
        Op::Draft(version) => Command::DraftProcedures {
            ladder: None,
            version,
            title: "procedures".into(),
            text: "text".into(),
            numbers: TeamNumbersChange {
                escalation_hours: (version % 2 == 1).then_some(version * 12),
                ..TeamNumbersChange::default()
            },
        },
        Op::OpenReview(version) => Command::OpenProceduresReview { version },
        Op::Approve(version) => Command::ApproveProcedures { version },
        Op::Settings {
            escalation_hours,
            announce_days,
            team,
        } => Command::ChangeSettings {
            settings: SettingsChange {
                escalation_hours: (escalation_hours % 4 == 0).then_some(escalation_hours),
                announce_suspensions_over_days: (announce_days % 4 == 0).then_some(announce_days),
                warn_team_below: Some(team),
                ..SettingsChange::default()
            },
        },
        Op::Appoint(i) => Command::AppointModerator {
            person: p(PEOPLE[i]),
        },
        Op::Recall(i) => Command::RecallModerator {
            person: p(PEOPLE[i]),
            reason: "recalled".into(),
        },
        Op::Delegate { forum, to } => Command::DelegateAdministration {
            forum: f(FORA[forum]),
            to: p(PEOPLE[to]),
        },
    }
}

type Step = (Who, Op, i64);

/// Runs the steps; returns the world and how many were accepted.
fn run(steps: &[Step]) -> (World, usize) {
    let mut w = World::ietf();
    w.at("2026-01-01T00:00:00Z");
    let mut accepted = 0;
    for (who_, op, minutes) in steps {
        w.now = w
            .now
            .checked_add(jiff::SignedDuration::from_mins(*minutes))
            .unwrap();
        let cmd = command(&w.state, w.now, op);
        let (person, capacity) = resolve(who_, op, &w.state, &cmd);
        let before = w.state.clone();
        let first = w.decide(&person, capacity, &cmd);
        let second = w.decide(&person, capacity, &cmd);
        assert_eq!(first, second, "decide is not deterministic for {cmd:?}");
        assert_eq!(w.state, before, "deciding changed the state");
        match first {
            Ok(d) => {
                accepted += 1;
                for e in &d.events {
                    w.state.apply(e);
                }
                w.log.extend(d.events);
            }
            Err(r) => {
                assert!(!r.requirement().words().is_empty());
                assert!(
                    !r.to_string().trim().is_empty(),
                    "a refusal without a message: {r:?}"
                );
            }
        }
    }
    (w, accepted)
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec((actor(), op(), advance()), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn replaying_the_log_through_json_gives_the_live_state(steps in steps()) {
        let (w, _) = run(&steps);
        let mut replayed = State::default();
        for e in &w.log {
            let back = Event::from_payload(&e.to_payload()).unwrap();
            prop_assert_eq!(&back, e);
            replayed.apply(&back);
        }
        prop_assert_eq!(replayed, w.state);
    }

    #[test]
    fn a_state_snapshot_reads_back_equal(steps in steps()) {
        let (w, _) = run(&steps);
        let json = serde_json::to_string(&w.state).unwrap();
        let back: State = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, w.state);
    }

    /// Refusals leave the state unchanged and decide never panics: both are
    /// asserted at every step inside `run`; this runs longer histories of them.
    #[test]
    fn refusals_change_nothing_and_decide_never_panics(steps in prop::collection::vec((actor(), op(), advance()), 40..120)) {
        let (w, _) = run(&steps);
        // The counters always point past every record, so new ids never collide.
        prop_assert!(w.state.reports.keys().all(|k| k.0 < w.state.next.report));
        prop_assert!(w.state.actions.keys().all(|k| k.0 < w.state.next.action));
        prop_assert!(w.state.notifications.keys().all(|k| k.0 < w.state.next.notification));
        // The index of actions in force is what walking every action finds.
        for forum in w.state.fora.keys() {
            let walked: Vec<ActionId> = w.state.actions.values()
                .filter(|a| a.in_force() && a.terms.fora.contains(forum))
                .map(|a| a.id)
                .collect();
            let indexed: Vec<ActionId> = w.state.actions_in_force(Some(forum)).iter().map(|a| a.id).collect();
            prop_assert_eq!(indexed, walked, "{}", forum);
        }
        let walked: Vec<ActionId> = w.state.actions.values().filter(|a| a.in_force()).map(|a| a.id).collect();
        let indexed: Vec<ActionId> = w.state.actions_in_force(None).iter().map(|a| a.id).collect();
        prop_assert_eq!(indexed, walked);
        // So is the index of reports by the person they are about.
        for person in w.state.people.keys() {
            let walked: Vec<ReportId> = w.state.reports.values().filter(|r| &r.subject == person).map(|r| r.id).collect();
            let indexed: Vec<ReportId> = w.state.reports_about(person).map(|r| r.id).collect();
            prop_assert_eq!(indexed, walked, "{}", person);
            let walked: Vec<ReportId> = w.state.reports.values().filter(|r| &r.reporter == person).map(|r| r.id).collect();
            let indexed: Vec<ReportId> = w.state.reports_by(person).map(|r| r.id).collect();
            prop_assert_eq!(indexed, walked, "{}", person);
        }
        let indexed: usize = w.state.reports_by_subject.len();
        prop_assert_eq!(indexed, w.state.reports.len());
        // Whether the moderators administer a forum, asked of many at once,
        // is what asking of each says (ROLE-3).
        let administer = w.state.moderators_administer_many();
        for forum in w.state.fora.values() {
            prop_assert_eq!(administer.forum(forum), w.state.moderators_administer(forum), "{}", forum.id);
        }
        let moderated: Vec<&ForumId> = w.state.moderated_fora().iter().collect();
        let asked: Vec<&ForumId> = w.state.fora.values().filter(|f| w.state.moderators_administer(f)).map(|f| &f.id).collect();
        prop_assert_eq!(moderated, asked);
        // The actions that cite each report, as a walk of them finds them.
        for report in w.state.reports.keys() {
            let walked: Vec<ActionId> = w.state.actions.values().filter(|a| a.reports.contains(report)).map(|a| a.id).collect();
            let found: Vec<ActionId> = w.state.actions_citing(*report).map(|a| a.id).collect();
            prop_assert_eq!(found, walked, "{}", report);
        }
        // And by the forum they were filed on.
        for forum in w.state.fora.keys() {
            let walked: Vec<ReportId> = w.state.reports.values().filter(|r| &r.forum == forum).map(|r| r.id).collect();
            let indexed: Vec<ReportId> = w.state.reports_on(forum).map(|r| r.id).collect();
            prop_assert_eq!(indexed, walked, "{}", forum);
        }
        let indexed: usize = w.state.reports_by_forum.values().map(|ids| ids.len()).sum();
        prop_assert_eq!(indexed, w.state.reports.len());
        // The reports a person sees, and how many, read from the indexes,
        // are those asking about each report finds (REPORT-3, APPEAL-2).
        for person in w.state.people.keys() {
            let seen = modpod_policy::views::ReportsSeen::by(&w.state, person);
            let walked: Vec<ReportId> = w.state.reports.values()
                .filter(|r| modpod_policy::views::may_see_report(&w.state, person, r))
                .map(|r| r.id)
                .collect();
            let listed: Vec<ReportId> = seen.reports(&w.state).map(|r| r.id).collect();
            prop_assert_eq!(&listed, &walked, "{}", person);
            prop_assert_eq!(seen.count(&w.state), walked.len(), "{}", person);
        }
        // Who handles reports where, asked forum by forum, is what asking in
        // each capacity says; listed, it is every forum so asked about.
        for person in w.state.people.keys() {
            let handler = modpod_policy::views::Handler::of(&w.state, person);
            let mut handled = Vec::new();
            for forum in w.state.fora.values() {
                let asked = [Capacity::Administrator, Capacity::Moderator].into_iter().any(|c| {
                    modpod_policy::views::handles_reports_on(&w.state, &Actor::new(person.clone(), c), forum)
                });
                prop_assert_eq!(handler.handles(forum), asked, "{} on {}", person, forum.id);
                if asked {
                    handled.push(&forum.id);
                }
            }
            let listed: Vec<&ForumId> = modpod_policy::views::fora_handled_by(&w.state, person).into_iter().map(|f| &f.id).collect();
            prop_assert_eq!(&listed, &handled, "{}", person);
            prop_assert_eq!(handler.anywhere(), !handled.is_empty(), "{}", person);
            for n in [0, 1, handled.len(), handled.len() + 1] {
                let at_most: Option<Vec<&ForumId>> = handler.at_most(n).map(|fora| fora.into_iter().map(|f| &f.id).collect());
                prop_assert_eq!(at_most, (handled.len() <= n).then(|| handled.clone()), "{} at most {}", person, n);
            }
        }
        // When a report escalates, its forum and the team's numbers given, is
        // what asking about the report alone says (REPORT-4).
        let numbers = w.state.numbers();
        for r in w.state.reports.values() {
            let given = w.state.fora.get(&r.forum).and_then(|f| State::escalates_at_with(r, f, numbers));
            prop_assert_eq!(given, w.state.escalates_at(r), "{}", r.id);
        }
        // And the index of the reports not resolved.
        let walked: Vec<ReportId> = w.state.reports.values()
            .filter(|r| !matches!(r.state, ReportState::Resolved { .. }))
            .map(|r| r.id)
            .collect();
        let indexed: Vec<ReportId> = w.state.open_reports().map(|r| r.id).collect();
        prop_assert_eq!(indexed, walked);
        // And the index of the open reports by forum and deadline: what
        // needs a handler now and the order the queue shows the reports in
        // are what asking about each report finds (REPORT-4), for the fora
        // each person handles and for every forum.
        let indexed: usize = w.state.open_by_forum.values().map(|open| open.len()).sum();
        prop_assert_eq!(indexed, w.state.open_reports.len());
        let fora_open: std::collections::BTreeSet<&ForumId> = w.state.open_reports().map(|r| &r.forum).collect();
        prop_assert_eq!(w.state.open_by_forum.keys().collect::<std::collections::BTreeSet<_>>(), fora_open);
        prop_assert!(w.state.open_by_forum.values().all(|open| !open.is_empty()));
        let handlers: Vec<Option<modpod_policy::views::Handler>> = w.state.people.keys()
            .map(|p| Some(modpod_policy::views::Handler::of(&w.state, p)))
            .chain([None])
            .collect();
        for handler in &handlers {
            let handles = |f: &Forum| handler.as_ref().is_none_or(|h| h.handles(f));
            let mut walked: Vec<(Timestamp, ReportId, Option<Timestamp>, bool)> = w.state.open_reports()
                .filter_map(|r| {
                    let forum = w.state.fora.get(&r.forum).filter(|f| handles(f))?;
                    let due = State::escalates_at_with(r, forum, numbers);
                    Some((due.unwrap_or(Timestamp::MAX), r.id, due, r.escalated_at.is_some()))
                })
                .collect();
            walked.sort();
            let order = w.state.open_in_due_order(handles);
            prop_assert_eq!(order.total, walked.len());
            let listed: Vec<(ReportId, Option<Timestamp>)> = order.collect();
            let expected: Vec<(ReportId, Option<Timestamp>)> = walked.iter()
                .map(|(_, id, due, _)| (*id, due.filter(|d| *d < Timestamp::MAX)))
                .collect();
            prop_assert_eq!(listed, expected);
            // Now, later, and at the first deadline itself (overdue from then).
            let first_due = walked.first().and_then(|(_, _, due, _)| *due).unwrap_or(w.now);
            for now in [w.now, days_after(w.now, 3), days_after(w.now, 400), first_due] {
                let counts = w.state.open_counts(handles, now);
                prop_assert_eq!(counts.open, walked.len());
                prop_assert_eq!(counts.escalated, walked.iter().filter(|(.., escalated)| *escalated).count());
                prop_assert_eq!(counts.overdue, walked.iter().filter(|(_, _, due, _)| due.is_some_and(|d| d <= now)).count(), "at {}", now);
            }
        }
        // And the index of the actions announced to their fora (NOTIFY-3).
        let walked: std::collections::BTreeSet<ActionId> = w.state.notifications.values()
            .filter(|n| n.requirement.split(' ').any(|r| r == "NOTIFY-3"))
            .filter(|n| matches!(n.to, Recipient::Forum { .. }))
            .filter_map(|n| match n.about { Subject::Action(id) => Some(id), _ => None })
            .collect();
        let indexed: std::collections::BTreeSet<ActionId> = w.state.announced.iter().copied().collect();
        prop_assert_eq!(indexed, walked);
        // And the index of the notifications about each action.
        for action in w.state.actions.values() {
            let walked: Vec<u64> = w.state.notifications.values()
                .filter(|n| match n.about {
                    Subject::Action(a) => a == action.id,
                    Subject::Appeal(a) => w.state.appeals[&a].action == Some(action.id),
                    Subject::Reinstatement(r) => w.state.reinstatements[&r].action == action.id,
                    _ => false,
                })
                .map(|n| n.id.0)
                .collect();
            let indexed: Vec<u64> = w.state.notifications_about_action(action.id).map(|n| n.id.0).collect();
            prop_assert_eq!(indexed, walked, "{}", action.id);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The transparency report kept up to date as the log grows (a tally
    /// moved from state to state by what differs between them, NOTIFY-5) is
    /// the report made afresh of each state: moved one event at a time,
    /// several at a time, and back to the empty state.
    #[test]
    fn a_transparency_tally_moved_from_state_to_state_is_the_report_made_afresh(
        steps in steps(),
        from_days in 0..400u16,
        days in 1..800u16,
    ) {
        use modpod_policy::transparency::{self, Tally};
        let (w, _) = run(&steps);
        let start = ts("2026-01-01T00:00:00Z");
        // A period that cuts the history somewhere, and one that holds all
        // of it.
        let periods = [
            (days_after(start, from_days), days_after(start, from_days.saturating_add(days))),
            (ts("2000-01-01T00:00:00Z"), ts("2100-01-01T00:00:00Z")),
        ];
        for (from, to) in periods {
            let mut state = State::default();
            let mut each = Tally::new(&state, from, to);
            let mut seventh = (each.clone(), state.clone());
            for (i, e) in w.log.iter().enumerate() {
                let before = state.clone();
                state.apply(e);
                each.advance(&before, &state);
                let afresh = transparency::report(&state, from, to);
                prop_assert_eq!(&each.report(&state), &afresh, "after event {} ({})", i, e.kind());
                if i % 7 == 6 {
                    seventh.0.advance(&seventh.1, &state);
                    seventh.1 = state.clone();
                    prop_assert_eq!(&seventh.0.report(&state), &afresh, "after event {}", i);
                }
            }
            prop_assert_eq!(each.period(), (from, to));
            each.advance(&state, &State::default());
            prop_assert_eq!(each.report(&State::default()), transparency::report(&State::default(), from, to));
        }
    }
}

/// The generator is not vacuous: a typical history has accepted steps of
/// several kinds, so the properties above are about real histories.
#[test]
fn random_histories_do_get_accepted_steps() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut total = 0;
    let mut kinds_seen = std::collections::BTreeSet::new();
    for _ in 0..16 {
        let steps = prop::collection::vec((actor(), op(), advance()), 60..61)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let fixture_len = World::ietf().log.len();
        let (w, accepted) = run(&steps);
        total += accepted;
        kinds_seen.extend(w.log[fixture_len..].iter().map(Event::kind));
    }
    assert!(
        total >= 16 * 8,
        "only {total} accepted steps in 16 histories of 60"
    );
    for k in [
        "report_filed",
        "action_taken",
        "action_amended",
        "appeal_filed",
        "appeal_decided",
        "reinstatement_requested",
        "notification_owed",
    ] {
        assert!(kinds_seen.contains(k), "no {k} in {kinds_seen:?}");
    }
}
