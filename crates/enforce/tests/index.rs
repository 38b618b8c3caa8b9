//! The decision index against a state built only through the policy's
//! `decide`: a small installation where `alice` administers `tls@` and `dave`
//! administers `quic@`, `bob` and `carol` post, `llc` is IETF LLC staff and
//! `board` sits on the LLC board.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use modpod_enforce::{Index, Restrains, Source, Verdict};
use modpod_policy::ids::{ActionId, ForumId, LlcActionId, PersonId};
use modpod_policy::model::{
    Capacity, Identity, IdentityKind, LlcGrounds, Measure, Organisation, Role, TermsChange,
};
use modpod_policy::{Actor, Command, Event, State, SubjectRef, decide};

const START: &str = "2024-01-01T00:00:00Z";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn p(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}

fn f(s: &str) -> ForumId {
    ForumId::parse(s).unwrap()
}

fn email(address: &str) -> Identity {
    Identity::new(IdentityKind::Email, address).unwrap()
}

/// An installation, its index kept current event by event, and a clock.
struct World {
    state: State,
    index: Index,
    now: Timestamp,
}

impl World {
    fn new() -> World {
        let mut w = World {
            state: State::default(),
            index: Index::build(&State::default()),
            now: ts(START),
        };
        let op = Capacity::Operator;
        w.run(
            "op",
            op,
            Command::Bootstrap {
                operator: p("op"),
                name: "Olly Operator".into(),
            },
        );
        for person in ["alice", "dave", "bob", "carol", "llc", "board"] {
            w.run(
                "op",
                op,
                Command::RegisterPerson {
                    person: p(person),
                    name: person.into(),
                    time_zone: None,
                },
            );
        }
        w.link("bob", "bob@example.org");
        w.link("carol", "Carol@Example.org");
        for (person, role) in [("llc", Role::LlcStaff), ("board", Role::LlcBoardMember)] {
            w.run(
                "op",
                op,
                Command::GrantRole {
                    person: p(person),
                    role,
                },
            );
        }
        for (forum, admin) in [("tls@", "alice"), ("quic@", "dave")] {
            w.run(
                "op",
                op,
                Command::CreateForum {
                    forum: f(forum),
                    name: format!("The {forum} list"),
                    kind: "mailing-list".into(),
                    organisation: Organisation::Ietf,
                    public: true,
                    plenary: false,
                    wg: None,
                    responsible_ad: None,
                },
            );
            w.run(
                "op",
                op,
                Command::GrantRole {
                    person: p(admin),
                    role: Role::ForumAdministrator { forum: f(forum) },
                },
            );
        }
        w
    }

    /// Decides as `person` in `capacity`, records the events, and applies them
    /// to the state and then to the index.
    fn run(&mut self, person: &str, capacity: Capacity, command: Command) -> Vec<Event> {
        let actor = Actor::new(p(person), capacity);
        let decision = decide(&self.state, &actor, &command, self.now)
            .unwrap_or_else(|r| panic!("{person} was refused {}: {r}", command.name()));
        for event in &decision.events {
            self.state.apply(event);
            self.index.apply(&self.state, event);
        }
        decision.events
    }

    fn link(&mut self, person: &str, address: &str) {
        self.run(
            "op",
            Capacity::Operator,
            Command::LinkIdentity {
                person: p(person),
                identity: email(address),
            },
        );
    }

    /// `alice` (or `dave` for `quic@`) acts on `subject`; returns the action.
    fn act(&mut self, subject: &str, measure: Measure, forum: &str, end: Option<&str>) -> ActionId {
        let admin = if forum == "quic@" { "dave" } else { "alice" };
        let events = self.run(
            admin,
            Capacity::Administrator,
            Command::TakeAction {
                level: None,
                texts: None,
                subject: SubjectRef::Person { person: p(subject) },
                measure,
                fora: vec![f(forum)],
                reason: "repeated personal attacks after a private warning".into(),
                reports: vec![],
                evidence: vec![],
                starts_at: None,
                ends_at: end.map(ts),
                spam: false,
            },
        );
        events
            .iter()
            .find_map(|e| match e {
                Event::ActionTaken { action } => Some(action.id),
                _ => None,
            })
            .unwrap()
    }

    /// The IETF LLC takes an emergency action on `subject` in `fora`;
    /// returns its id.
    fn llc_act(&mut self, subject: &str, fora: &[&str]) -> LlcActionId {
        let events = self.run(
            "llc",
            Capacity::Llc,
            Command::TakeLlcAction {
                subject: SubjectRef::Person { person: p(subject) },
                fora: fora.iter().map(|x| f(x)).collect(),
                grounds: LlcGrounds::CredibleThreatOfHarm,
                grounds_description: None,
                nature: "posting suspended".into(),
                reason: "a credible threat against a named participant".into(),
                expected_duration: "until the police have reviewed it".into(),
                withhold_on_legal_advice: None,
                withhold_from: vec![],
            },
        );
        events
            .iter()
            .find_map(|e| match e {
                Event::LlcActionTaken { action } => Some(action.id),
                _ => None,
            })
            .unwrap()
    }

    /// The subject asks for a board review, which the board decides.
    fn board_review(&mut self, subject: &str, action: LlcActionId, lift: bool) -> Vec<Event> {
        self.run(
            subject,
            Capacity::Participant,
            Command::RequestBoardReview { action },
        );
        self.run(
            "board",
            Capacity::LlcBoard,
            Command::DecideBoardReview {
                action,
                lift,
                rationale: "the board reviewed the evidence".into(),
            },
        )
    }

    /// The verdict at `at`; the index kept by `apply` and one built afresh
    /// from the state must agree.
    fn verdict(&self, forum: &str, sender: &str, at: &str) -> Verdict {
        let kept = self.index.decide(forum, sender, ts(at));
        let rebuilt = Index::build(&self.state).decide(forum, sender, ts(at));
        assert_eq!(kept, rebuilt, "kept and rebuilt indexes disagree");
        kept
    }
}

const LATER: &str = "2024-01-02T00:00:00Z";
const END: &str = "2024-03-01T00:00:00Z";

#[test]
fn a_suspended_sender_is_rejected_on_that_forum_only_until_the_end() {
    let mut w = World::new();
    w.act("bob", Measure::TemporarySuspension, "tls@", Some(END));
    let until = Some(ts(END));
    assert_eq!(
        w.verdict("tls@", "bob@example.org", LATER),
        Verdict::Reject { until }
    );
    assert_eq!(w.verdict("quic@", "bob@example.org", LATER), Verdict::Allow);
    assert_eq!(
        w.verdict("tls@", "carol@example.org", LATER),
        Verdict::Allow
    );
    assert_eq!(
        w.verdict("tls@", "bob@example.org", "2024-02-29T23:59:59Z"),
        Verdict::Reject { until }
    );
    assert_eq!(w.verdict("tls@", "bob@example.org", END), Verdict::Allow);
}

#[test]
fn an_indefinite_suspension_has_no_end() {
    let mut w = World::new();
    w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    assert_eq!(
        w.verdict("tls@", "bob@example.org", "2030-01-01T00:00:00Z"),
        Verdict::Reject { until: None }
    );
}

#[test]
fn review_and_approval_holds_posts() {
    let mut w = World::new();
    w.act("bob", Measure::ReviewAndApproval, "tls@", Some(END));
    assert_eq!(w.verdict("tls@", "bob@example.org", LATER), Verdict::Hold);
}

#[test]
fn a_rate_limit_is_returned_with_its_limits() {
    let mut w = World::new();
    let limit = Measure::RateLimit {
        posts: 2,
        per_seconds: 86_400,
    };
    w.act("bob", limit, "tls@", Some(END));
    assert_eq!(
        w.verdict("tls@", "bob@example.org", LATER),
        Verdict::RateLimited {
            posts: 2,
            per_seconds: 86_400
        }
    );
}

#[test]
fn suspension_beats_hold_beats_rate_limit() {
    let mut w = World::new();
    let limit = Measure::RateLimit {
        posts: 5,
        per_seconds: 60,
    };
    w.act("bob", limit, "tls@", None);
    w.act(
        "bob",
        Measure::RateLimit {
            posts: 1,
            per_seconds: 60,
        },
        "tls@",
        None,
    );
    assert_eq!(
        w.verdict("tls@", "bob@example.org", LATER),
        Verdict::RateLimited {
            posts: 1,
            per_seconds: 60
        }
    );
    w.act("bob", Measure::ReviewAndApproval, "tls@", None);
    assert_eq!(w.verdict("tls@", "bob@example.org", LATER), Verdict::Hold);
    w.act("bob", Measure::TemporarySuspension, "tls@", Some(END));
    assert_eq!(
        w.verdict("tls@", "bob@example.org", LATER),
        Verdict::Reject {
            until: Some(ts(END))
        }
    );
}

#[test]
fn admonishments_restrict_nothing() {
    let mut w = World::new();
    w.act("bob", Measure::PublicAdmonishment, "tls@", None);
    assert_eq!(w.verdict("tls@", "bob@example.org", LATER), Verdict::Allow);
    assert_eq!(w.index.restriction_count(), 0);
}

#[test]
fn a_rescinded_action_allows_again() {
    let mut w = World::new();
    let action = w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    w.run(
        "alice",
        Capacity::Administrator,
        Command::RescindAction {
            action,
            reason: "taken in error".into(),
        },
    );
    assert_eq!(w.verdict("tls@", "bob@example.org", LATER), Verdict::Allow);
    assert_eq!(w.index.restriction_count(), 0);
}

#[test]
fn an_expired_action_is_dropped() {
    let mut w = World::new();
    let action = w.act("bob", Measure::TemporarySuspension, "tls@", Some(END));
    w.now = ts(END);
    w.run("system", Capacity::System, Command::ExpireAction { action });
    assert_eq!(w.index.restriction_count(), 0);
    assert_eq!(w.verdict("tls@", "bob@example.org", LATER), Verdict::Allow);
}

#[test]
fn an_amendment_takes_effect_with_its_new_terms() {
    let mut w = World::new();
    let action = w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    w.run(
        "alice",
        Capacity::Administrator,
        Command::AmendAction {
            action,
            terms: TermsChange {
                measure: Measure::ReviewAndApproval,
                fora: vec![f("tls@")],
                ends_at: Some(ts(END)),
            },
            reason: "the person apologised".into(),
        },
    );
    assert_eq!(w.verdict("tls@", "bob@example.org", LATER), Verdict::Hold);
    assert_eq!(w.verdict("tls@", "bob@example.org", END), Verdict::Allow);
    assert_eq!(w.index.restriction_count(), 1);
}

#[test]
fn addresses_match_case_insensitively() {
    let mut w = World::new();
    w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    w.act("carol", Measure::IndefiniteSuspension, "tls@", None);
    let rejected = Verdict::Reject { until: None };
    assert_eq!(w.verdict("tls@", "BOB@Example.ORG", LATER), rejected);
    assert_eq!(w.verdict("tls@", " bob@example.org ", LATER), rejected);
    assert_eq!(w.verdict("tls@", "carol@example.org", LATER), rejected);
    assert_eq!(w.verdict("tls@", "CAROL@EXAMPLE.ORG", LATER), rejected);
}

#[test]
fn a_plus_tag_matches_the_untagged_address_and_nothing_else() {
    let mut w = World::new();
    w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    let rejected = Verdict::Reject { until: None };
    assert_eq!(w.verdict("tls@", "bob+lists@example.org", LATER), rejected);
    assert_eq!(w.verdict("tls@", "Bob+A+B@Example.org", LATER), rejected);
    for near_miss in [
        "bob@example.org.evil",
        "bob@examp1e.org",
        "bobby@example.org",
        "+bob@example.org",
        "bo+b@example.org",
        "bob-lists@example.org",
        "bob",
        "example.org",
        "",
        "@",
    ] {
        assert_eq!(
            w.verdict("tls@", near_miss, LATER),
            Verdict::Allow,
            "{near_miss:?}"
        );
    }
}

#[test]
fn a_linked_tagged_address_matches_exactly() {
    let mut w = World::new();
    w.link("carol", "carol+ietf@example.net");
    w.act("carol", Measure::IndefiniteSuspension, "tls@", None);
    let rejected = Verdict::Reject { until: None };
    assert_eq!(w.verdict("tls@", "carol+ietf@example.net", LATER), rejected);
    assert_eq!(
        w.verdict("tls@", "carol@example.net", LATER),
        Verdict::Allow
    );
}

#[test]
fn unknown_senders_and_fora_are_allowed() {
    let mut w = World::new();
    w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    assert_eq!(
        w.verdict("tls@", "mallory@example.org", LATER),
        Verdict::Allow
    );
    assert_eq!(
        w.verdict("no-such-list@", "bob@example.org", LATER),
        Verdict::Allow
    );
    assert_eq!(
        w.verdict("tls@", &"x".repeat(10_000), LATER),
        Verdict::Allow
    );
    assert_eq!(w.verdict("tls@", "bö+x@exämple.org", LATER), Verdict::Allow);
}

#[test]
fn an_identity_linked_later_is_matched() {
    let mut w = World::new();
    w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    assert_eq!(
        w.verdict("tls@", "robert@example.com", LATER),
        Verdict::Allow
    );
    w.link("bob", "Robert@Example.com");
    assert_eq!(
        w.verdict("tls@", "robert@example.com", LATER),
        Verdict::Reject { until: None }
    );
}

#[test]
fn non_ascii_addresses_are_lower_cased_as_the_policy_does() {
    let mut w = World::new();
    w.link("bob", "Émile@Exämple.org");
    w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    let rejected = Verdict::Reject { until: None };
    assert_eq!(w.verdict("tls@", "ÉMILE@EXÄMPLE.ORG", LATER), rejected);
    assert_eq!(w.verdict("tls@", "émile+x@exämple.org", LATER), rejected);
}

#[test]
fn an_action_not_yet_started_does_not_apply() {
    let mut w = World::new();
    let events = w.run(
        "alice",
        Capacity::Administrator,
        Command::TakeAction {
            level: None,
            texts: None,
            subject: SubjectRef::Person { person: p("bob") },
            measure: Measure::IndefiniteSuspension,
            fora: vec![f("tls@")],
            reason: "repeated personal attacks after a private warning".into(),
            reports: vec![],
            evidence: vec![],
            starts_at: Some(ts("2024-02-01T00:00:00Z")),
            ends_at: None,
            spam: false,
        },
    );
    assert!(!events.is_empty());
    assert_eq!(w.verdict("tls@", "bob@example.org", LATER), Verdict::Allow);
    assert_eq!(
        w.verdict("tls@", "bob@example.org", "2024-02-01T00:00:00Z"),
        Verdict::Reject { until: None }
    );
}

/// What applies in `forum` at `at`, sorted: (person, source, restrains).
/// The index kept by `apply` and one built afresh must agree.
fn applying(w: &World, forum: &str, at: &str) -> Vec<(String, Source, Restrains)> {
    let list = |index: &Index| {
        let mut found: Vec<_> = index
            .applying_in(forum, ts(at))
            .map(|a| (a.person.to_string(), a.source, a.restrains))
            .collect();
        found.sort_by_key(|(person, source, _)| (person.clone(), *source));
        found
    };
    let kept = list(&w.index);
    assert_eq!(
        kept,
        list(&Index::build(&w.state)),
        "kept and rebuilt disagree"
    );
    kept
}

#[test]
fn the_restrictions_applying_in_a_forum_are_listed_with_their_actions() {
    let mut w = World::new();
    let suspension = w.act("bob", Measure::TemporarySuspension, "tls@", Some(END));
    let hold = w.act("carol", Measure::ReviewAndApproval, "tls@", None);
    w.act("carol", Measure::IndefiniteSuspension, "quic@", None);
    w.act("bob", Measure::PrivateAdmonishment, "tls@", None);
    assert_eq!(
        applying(&w, "tls@", LATER),
        [
            ("bob".into(), suspension.into(), Restrains::Suspension),
            ("carol".into(), hold.into(), Restrains::Hold),
        ]
    );
    // At its end the suspension no longer applies; the hold has no end.
    assert_eq!(
        applying(&w, "tls@", END),
        [("carol".into(), hold.into(), Restrains::Hold)]
    );
    assert_eq!(applying(&w, "nowhere@", LATER), []);
}

#[test]
fn the_next_change_is_the_nearest_start_or_end_with_its_fora() {
    let mut w = World::new();
    assert_eq!(w.index.next_change_after(ts(LATER)), None);
    w.act("bob", Measure::TemporarySuspension, "tls@", Some(END));
    w.act("carol", Measure::IndefiniteSuspension, "quic@", None);
    let start = "2024-02-01T00:00:00Z";
    w.run(
        "dave",
        Capacity::Administrator,
        Command::TakeAction {
            level: None,
            texts: None,
            subject: SubjectRef::Person { person: p("bob") },
            measure: Measure::ReviewAndApproval,
            fora: vec![f("quic@")],
            reason: "repeated personal attacks after a private warning".into(),
            reports: vec![],
            evidence: vec![],
            starts_at: Some(ts(start)),
            ends_at: Some(ts(END)),
            spam: false,
        },
    );
    assert_eq!(
        w.index.next_change_after(ts(LATER)),
        Some((ts(start), vec![f("quic@")]))
    );
    // Both end at END: both fora change then. A change at `now` is not "after".
    let both = Some((ts(END), vec![f("quic@"), f("tls@")]));
    assert_eq!(w.index.next_change_after(ts(start)), both);
    assert_eq!(w.index.next_change_after(ts(END)), None);
}

// --- IETF LLC emergency actions: enforced like any suspension (LLC-1, ACT-8) ---

#[test]
fn llc_1_an_llc_action_rejects_the_subject_by_every_address_on_its_fora_only() {
    let mut w = World::new();
    w.link("bob", "Robert@Example.com");
    w.llc_act("bob", &["tls@"]);
    let rejected = Verdict::Reject { until: None };
    for sender in [
        "bob@example.org",
        "BOB@Example.ORG",
        "bob+lists@example.org",
        "robert@example.com",
    ] {
        assert_eq!(w.verdict("tls@", sender, LATER), rejected, "{sender}");
        assert_eq!(
            w.verdict("tls@", sender, "2030-01-01T00:00:00Z"),
            rejected,
            "{sender}: an LLC action has no end"
        );
    }
    assert_eq!(w.verdict("quic@", "bob@example.org", LATER), Verdict::Allow);
    assert_eq!(
        w.verdict("tls@", "carol@example.org", LATER),
        Verdict::Allow
    );
    assert_eq!(
        w.verdict("tls@", "bobby@example.org", LATER),
        Verdict::Allow
    );
    // In force from the moment it was taken, not before.
    assert_eq!(
        w.verdict("tls@", "bob@example.org", "2023-12-31T23:59:59Z"),
        Verdict::Allow
    );
    assert_eq!(w.index.restriction_count(), 1);
}

#[test]
fn llc_1_an_address_linked_after_the_llc_action_is_rejected_too() {
    let mut w = World::new();
    w.llc_act("bob", &["tls@", "quic@"]);
    assert_eq!(
        w.verdict("quic@", "robert@example.com", LATER),
        Verdict::Allow
    );
    w.link("bob", "robert@example.com");
    assert_eq!(
        w.verdict("quic@", "robert@example.com", LATER),
        Verdict::Reject { until: None }
    );
}

#[test]
fn llc_1_an_llc_action_lifted_by_the_llc_allows_again() {
    let mut w = World::new();
    let action = w.llc_act("bob", &["tls@"]);
    w.act("carol", Measure::IndefiniteSuspension, "tls@", None);
    assert_eq!(
        w.verdict("tls@", "bob@example.org", LATER),
        Verdict::Reject { until: None }
    );
    assert_eq!(w.index.restriction_count(), 2);
    w.run(
        "llc",
        Capacity::Llc,
        Command::LiftLlcAction {
            action,
            reason: "the threat was withdrawn".into(),
        },
    );
    assert_eq!(w.verdict("tls@", "bob@example.org", LATER), Verdict::Allow);
    // Carol's own suspension is untouched.
    assert_eq!(
        w.verdict("tls@", "carol@example.org", LATER),
        Verdict::Reject { until: None }
    );
    assert_eq!(w.index.restriction_count(), 1);
}

#[test]
fn llc_2_an_llc_action_lifted_on_board_review_allows_again_and_one_upheld_stays() {
    let mut w = World::new();
    let upheld = w.llc_act("bob", &["tls@"]);
    let lifted = w.llc_act("carol", &["tls@"]);
    w.board_review("bob", upheld, false);
    let events = w.board_review("carol", lifted, true);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::BoardReviewDecided { .. }))
    );
    assert_eq!(
        w.verdict("tls@", "bob@example.org", LATER),
        Verdict::Reject { until: None }
    );
    assert_eq!(
        w.verdict("tls@", "carol@example.org", LATER),
        Verdict::Allow
    );
    assert_eq!(w.index.restriction_count(), 1);
}

#[test]
fn llc_1_an_llc_action_has_no_end_beside_a_temporary_suspension() {
    let mut w = World::new();
    w.act("bob", Measure::TemporarySuspension, "tls@", Some(END));
    w.act("bob", Measure::ReviewAndApproval, "quic@", None);
    w.llc_act("bob", &["tls@", "quic@"]);
    let rejected = Verdict::Reject { until: None };
    assert_eq!(w.verdict("tls@", "bob@example.org", LATER), rejected);
    assert_eq!(w.verdict("tls@", "bob@example.org", END), rejected);
    // It beats a hold, as a suspension does.
    assert_eq!(w.verdict("quic@", "bob@example.org", LATER), rejected);
}

#[test]
fn llc_1_the_restrictions_applying_name_the_llc_action() {
    let mut w = World::new();
    let suspension = w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    let llc = w.llc_act("bob", &["tls@"]);
    assert_eq!(
        applying(&w, "tls@", LATER),
        [
            (
                "bob".into(),
                Source::Action(suspension),
                Restrains::Suspension
            ),
            ("bob".into(), Source::Llc(llc), Restrains::Suspension),
        ]
    );
    assert_eq!(
        Source::Llc(llc).to_string(),
        format!("LLC action #{}", llc.0)
    );
    w.run(
        "llc",
        Capacity::Llc,
        Command::LiftLlcAction {
            action: llc,
            reason: "the threat was withdrawn".into(),
        },
    );
    assert_eq!(
        applying(&w, "tls@", LATER),
        [(
            "bob".into(),
            Source::Action(suspension),
            Restrains::Suspension
        )]
    );
}

#[test]
fn of_two_rate_limits_the_one_allowing_fewer_posts_per_second_applies_whichever_came_first() {
    // (posts, per seconds) of two rate limits, and the one that applies.
    let cases = [
        // 5 per 10 minutes against 30 per half hour (10 per 10 minutes).
        ((5, 600), (30, 1_800), (5, 600)),
        // 3 per 10 minutes against 2 per 10 minutes.
        ((3, 600), (2, 600), (2, 600)),
        // 1 an hour against 10 per 10 minutes.
        ((1, 3_600), (10, 600), (1, 3_600)),
    ];
    for (a, b, stricter) in cases {
        for (first, second) in [(a, b), (b, a)] {
            let mut w = World::new();
            for (posts, per_seconds) in [first, second] {
                let limit = Measure::RateLimit { posts, per_seconds };
                w.act("bob", limit, "tls@", None);
            }
            assert_eq!(
                w.verdict("tls@", "bob@example.org", LATER),
                Verdict::RateLimited {
                    posts: stricter.0,
                    per_seconds: stricter.1
                },
                "{first:?} then {second:?}"
            );
        }
    }
}

#[test]
fn every_linked_identity_is_indexed() {
    let mut w = World::new();
    assert_eq!(w.index.identity_count(), 2, "bob's and carol's addresses");
    w.link("bob", "bob@work.example");
    assert_eq!(w.index.identity_count(), 3);
    assert_eq!(Index::build(&w.state).identity_count(), 3);
}

#[test]
fn the_longest_address_the_policy_accepts_is_matched() {
    let mut w = World::new();
    let domain = "@example.org";
    let longest = format!(
        "{}{domain}",
        "b".repeat(modpod_policy::model::MAX_IDENTITY - domain.len())
    );
    assert_eq!(longest.len(), modpod_policy::model::MAX_IDENTITY);
    w.link("bob", &longest);
    w.act("bob", Measure::IndefiniteSuspension, "tls@", None);
    let rejected = Verdict::Reject { until: None };
    assert_eq!(w.verdict("tls@", &longest, LATER), rejected);
    assert_eq!(w.verdict("tls@", &longest.to_uppercase(), LATER), rejected);
    // One byte longer is no address the policy knows.
    assert_eq!(
        w.verdict("tls@", &format!("b{longest}"), LATER),
        Verdict::Allow
    );
}

#[test]
fn a_cool_down_restrains_the_forum_until_it_ends_and_never_refuses_a_post() {
    let mut w = World::new();
    let action = w.act("bob", Measure::PublicAdmonishment, "tls@", None);
    let cool_down = |w: &World, at: &str| -> Vec<(Restrains, Source)> {
        let kept: Vec<_> = w
            .index
            .applying_in("tls@", ts(at))
            .map(|a| (a.restrains, a.source))
            .collect();
        let rebuilt: Vec<_> = Index::build(&w.state)
            .applying_in("tls@", ts(at))
            .map(|a| (a.restrains, a.source))
            .collect();
        assert_eq!(kept, rebuilt, "kept and rebuilt indexes disagree");
        kept
    };
    assert_eq!(cool_down(&w, LATER), []);
    let until = ts("2024-01-05T00:00:00Z");
    w.run(
        "alice",
        Capacity::Administrator,
        Command::SetCoolDown {
            action,
            until: Some(until),
            reason: "the thread is heated".into(),
        },
    );
    let cooling = vec![(Restrains::CoolDown { until }, Source::Action(action))];
    assert_eq!(cool_down(&w, LATER), cooling);
    // What the action asks the forum software for: its cool-down only (an
    // admonishment restrains no one).
    assert_eq!(
        Restrains::all_of(&w.state.actions[&action]),
        [Restrains::CoolDown { until }]
    );
    // It restrains the forum, not its subject's posts, nor anyone else's.
    for sender in ["bob@example.org", "carol@example.org", "x@example.org"] {
        assert_eq!(w.verdict("tls@", sender, LATER), Verdict::Allow);
    }
    // Only on the action's fora, and over at its end.
    assert_eq!(w.index.applying_in("quic@", ts(LATER)).count(), 0);
    assert_eq!(cool_down(&w, "2024-01-05T00:00:00Z"), []);
    assert_eq!(
        w.index.next_change_after(ts(LATER)),
        Some((until, vec![f("tls@")]))
    );
    // Ended early, it stops at once.
    w.run(
        "alice",
        Capacity::Administrator,
        Command::SetCoolDown {
            action,
            until: None,
            reason: "calmer now".into(),
        },
    );
    assert_eq!(cool_down(&w, LATER), []);
    // Set again, then the action rescinded: it goes with the action.
    w.run(
        "alice",
        Capacity::Administrator,
        Command::SetCoolDown {
            action,
            until: Some(until),
            reason: "heated again".into(),
        },
    );
    assert_eq!(cool_down(&w, LATER), cooling);
    w.run(
        "alice",
        Capacity::Administrator,
        Command::RescindAction {
            action,
            reason: "taken in error".into(),
        },
    );
    assert_eq!(cool_down(&w, LATER), []);
    assert_eq!(w.index.restriction_count(), 0);
}

#[test]
fn a_matrix_room_and_a_chat_identity_match_exactly_and_a_list_address_whatever_its_case() {
    const ROOM: &str = "matrix:!AbCdEf:example.org";
    let mut w = World::new();
    w.run(
        "op",
        Capacity::Operator,
        Command::CreateForum {
            forum: f(ROOM),
            name: "A Matrix room".into(),
            kind: "chat".into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: None,
            responsible_ad: None,
        },
    );
    w.run(
        "op",
        Capacity::Operator,
        Command::GrantRole {
            person: p("alice"),
            role: Role::ForumAdministrator { forum: f(ROOM) },
        },
    );
    w.run(
        "op",
        Capacity::Operator,
        Command::LinkIdentity {
            person: p("bob"),
            identity: Identity::new(IdentityKind::Chat, "@Bob:example.org").unwrap(),
        },
    );
    w.act("bob", Measure::IndefiniteSuspension, ROOM, None);
    w.act("carol", Measure::IndefiniteSuspension, "tls@", None);
    let (at, rejected) = (ts(LATER), Verdict::Reject { until: None });
    let verdict = |kind: IdentityKind, sender: &str, forum: &str| {
        let person = w.index.person_for(kind, sender);
        person.map_or(Verdict::Allow, |p| w.index.decide_person(forum, p, at))
    };
    assert_eq!(
        verdict(IdentityKind::Chat, "@Bob:example.org", ROOM),
        rejected
    );
    assert_eq!(
        verdict(IdentityKind::Chat, " @Bob:example.org ", ROOM),
        rejected,
        "trimmed as the policy trims an identity"
    );
    for (kind, sender, forum) in [
        (
            IdentityKind::Chat,
            "@Bob:example.org",
            "matrix:!abcdef:example.org",
        ),
        (
            IdentityKind::Chat,
            "@Bob:example.org",
            "matrix:!ABCDEF:example.org",
        ),
        (IdentityKind::Chat, "@bob:example.org", ROOM),
        (IdentityKind::Email, "@Bob:example.org", ROOM),
        (IdentityKind::Github, "@Bob:example.org", ROOM),
        (IdentityKind::Chat, "", ROOM),
    ] {
        assert_eq!(
            verdict(kind, sender, forum),
            Verdict::Allow,
            "{kind} {sender:?} in {forum}"
        );
    }
    // A list address is one list whatever its case; the email rules still
    // apply through `person_for`.
    assert_eq!(
        verdict(IdentityKind::Email, "CAROL+x@example.org", "TLS@"),
        rejected
    );
    assert_eq!(w.verdict("TLS@", "carol@example.org", LATER), rejected);
}

/// CIRCUMVENT-1: the index tells who is restricted on fora other than the
/// one asked, by a moderation action only (an LLC emergency action may be
/// withheld from the moderators), and by which identity, as linked, a
/// sender is known; it watches the open, public fora the policy covers.
#[test]
fn circumvent_1_restricted_elsewhere_by_an_action_only_and_the_identity_as_linked() {
    let mut w = World::new();
    let now = w.now;
    assert_eq!(w.index.watched("TLS@"), None, "as asked: lower-cased");
    assert_eq!(w.index.watched("tls@"), Some(&f("tls@")));
    // A list recorded in capitals is watched as asked, and named as recorded.
    w.run(
        "op",
        Capacity::Operator,
        Command::CreateForum {
            forum: f("Last-Call@"),
            name: "Last calls".into(),
            kind: "mailing-list".into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: true,
            wg: None,
            responsible_ad: None,
        },
    );
    assert_eq!(w.index.watched("last-call@"), Some(&f("Last-Call@")));
    w.act(
        "bob",
        Measure::TemporarySuspension,
        "tls@",
        Some("2024-02-01T00:00:00Z"),
    );
    assert!(w.index.restricted_elsewhere(&p("bob"), "quic@", now));
    assert!(!w.index.restricted_elsewhere(&p("bob"), "tls@", now));
    assert!(
        !w.index
            .restricted_elsewhere(&p("bob"), "quic@", ts("2024-02-01T00:00:00Z"))
    );
    w.llc_act("carol", &["tls@"]);
    assert!(!w.index.restricted_elsewhere(&p("carol"), "quic@", now));
    assert_eq!(
        w.index
            .identity_of(IdentityKind::Email, "Bob+lists@example.org"),
        Some(email("bob@example.org"))
    );
    assert_eq!(
        w.index
            .identity_of(IdentityKind::Email, "nobody@example.org"),
        None
    );

    w.run(
        "op",
        Capacity::Operator,
        Command::CloseForum {
            forum: f("quic@"),
            reason: "the working group concluded".into(),
        },
    );
    assert_eq!(w.index.watched("quic@"), None);
    assert_eq!(w.index.watched("tls@"), Some(&f("tls@")));
}
