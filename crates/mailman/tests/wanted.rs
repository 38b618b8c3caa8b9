//! What modpod wants on each list, and which lists an event touches, from a
//! state built only through the policy's `decide`: `alice` administers the
//! list `wg@ietf.example` and the chat room `wg-chat`; `bob` has two email
//! addresses and a chat account, `carol` one address; `llc` is IETF LLC
//! staff and `board` sits on the LLC board.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use modpod_adapter::Wanted;
use modpod_enforce::{Index, Source};
use modpod_mailman::{Client, Mailman, affected_lists};
use modpod_policy::ids::{ActionId, ForumId, LlcActionId, PersonId};
use modpod_policy::model::{
    Capacity, Identity, IdentityKind, LlcGrounds, Measure, Organisation, Role, TermsChange,
};
use modpod_policy::{Actor, Command, Event, State, SubjectRef, decide};
use std::collections::{BTreeMap, BTreeSet};

const NOW: &str = "2024-01-02T00:00:00Z";
const LIST: &str = "wg.ietf.example";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn p(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}

fn f(s: &str) -> ForumId {
    ForumId::parse(s).unwrap()
}

struct World {
    state: State,
    /// The lists each recorded event touched, in order.
    touched: Vec<BTreeSet<String>>,
}

impl World {
    fn new() -> World {
        let mut w = World {
            state: State::default(),
            touched: Vec::new(),
        };
        w.run(
            "op",
            Capacity::Operator,
            Command::Bootstrap {
                operator: p("op"),
                name: "Operator".into(),
            },
        );
        for person in ["alice", "bob", "carol", "llc", "board"] {
            w.op(Command::RegisterPerson {
                person: p(person),
                name: person.into(),
                time_zone: None,
            });
        }
        for (person, kind, value) in [
            ("bob", IdentityKind::Email, "Bob@Example.org"),
            ("bob", IdentityKind::Email, "bob@work.example"),
            ("bob", IdentityKind::Chat, "@bob:chat.example"),
            ("carol", IdentityKind::Email, "carol@example.org"),
        ] {
            w.op(Command::LinkIdentity {
                person: p(person),
                identity: Identity::new(kind, value).unwrap(),
            });
        }
        for (forum, kind) in [("wg@ietf.example", "mailing-list"), ("wg-chat", "chat")] {
            w.op(Command::CreateForum {
                forum: f(forum),
                name: forum.into(),
                kind: kind.into(),
                organisation: Organisation::Ietf,
                public: true,
                plenary: false,
                wg: None,
                responsible_ad: None,
            });
            w.op(Command::GrantRole {
                person: p("alice"),
                role: Role::ForumAdministrator { forum: f(forum) },
            });
        }
        for (person, role) in [("llc", Role::LlcStaff), ("board", Role::LlcBoardMember)] {
            w.op(Command::GrantRole {
                person: p(person),
                role,
            });
        }
        w.touched.clear();
        w
    }

    fn run(&mut self, person: &str, capacity: Capacity, command: Command) -> Vec<Event> {
        let actor = Actor::new(p(person), capacity);
        let events = decide(&self.state, &actor, &command, ts(NOW))
            .unwrap_or_else(|r| panic!("refused {}: {r}", command.name()))
            .events;
        for event in &events {
            self.state.apply(event);
            self.touched.push(affected_lists(&self.state, event));
        }
        events
    }

    fn op(&mut self, command: Command) {
        self.run("op", Capacity::Operator, command);
    }

    fn act(
        &mut self,
        subject: &str,
        measure: Measure,
        fora: &[&str],
        end: Option<&str>,
    ) -> ActionId {
        let events = self.run(
            "alice",
            Capacity::Administrator,
            Command::TakeAction {
                level: None,
                texts: None,
                subject: SubjectRef::Person { person: p(subject) },
                measure,
                fora: fora.iter().map(|x| f(x)).collect(),
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

    /// The IETF LLC takes an emergency action on `subject` in `fora`.
    fn llc_act(&mut self, subject: &str, fora: &[&str]) -> LlcActionId {
        let events = self.run(
            "llc",
            Capacity::Llc,
            Command::TakeLlcAction {
                subject: SubjectRef::Person { person: p(subject) },
                fora: fora.iter().map(|x| f(x)).collect(),
                grounds: LlcGrounds::SeriousLegalRisk,
                grounds_description: None,
                nature: "posting suspended".into(),
                reason: "content bringing serious legal risk".into(),
                expected_duration: "until counsel has reviewed it".into(),
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

    fn lift_llc(&mut self, action: LlcActionId) {
        self.run(
            "llc",
            Capacity::Llc,
            Command::LiftLlcAction {
                action,
                reason: "counsel advises it is no longer needed".into(),
            },
        );
    }

    /// The subject asks for a board review; the board decides it.
    fn board_review(&mut self, subject: &str, action: LlcActionId, lift: bool) {
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
        );
    }

    fn wanted(&self, at: &str) -> Wanted {
        let mailman = Mailman {
            client: Client::new("http://127.0.0.1:9", "u", "p"),
        };
        Wanted::at(&mailman, &self.state, &Index::build(&self.state), ts(at))
    }

    /// The lists any event since the last call touched.
    fn touched(&mut self) -> BTreeSet<String> {
        self.touched.drain(..).flatten().collect()
    }
}

fn emails<S: Into<Source> + Copy>(pairs: &[(&str, S)]) -> BTreeMap<String, Source> {
    pairs
        .iter()
        .map(|&(e, a)| (e.to_owned(), a.into()))
        .collect()
}

/// The addresses of a list's bans, without the `^` patterns that ban each
/// address's `+tag` variants with it.
trait Addresses {
    fn addresses(self) -> BTreeMap<String, Source>;
}

impl Addresses for BTreeMap<String, Source> {
    fn addresses(mut self) -> BTreeMap<String, Source> {
        self.retain(|account, _| !account.starts_with('^'));
        self
    }
}

fn list() -> BTreeSet<String> {
    BTreeSet::from([LIST.to_owned()])
}

#[test]
fn a_suspended_persons_every_email_is_banned_on_the_lists_it_names() {
    let mut w = World::new();
    let action = w.act(
        "bob",
        Measure::IndefiniteSuspension,
        &["wg@ietf.example", "wg-chat"],
        None,
    );
    let wanted = w.wanted(NOW);
    assert_eq!(wanted.places.keys().collect::<Vec<_>>(), [LIST]);
    assert_eq!(
        wanted.places[LIST].of_kind("ban").addresses(),
        emails(&[("bob@example.org", action), ("bob@work.example", action)])
    );
    assert!(wanted.places[LIST].of_kind("hold").is_empty());
    // Each address's +tag variants are banned with it, by a pattern.
    let patterns: Vec<String> = wanted.places[LIST]
        .of_kind("ban")
        .into_keys()
        .filter(|a| a.starts_with('^'))
        .collect();
    assert_eq!(
        patterns,
        [r"^bob\+.*@example\.org$", r"^bob\+.*@work\.example$"]
    );
    assert_eq!(wanted.next_change, None);
}

#[test]
fn review_and_approval_holds_and_a_suspension_beats_it() {
    let mut w = World::new();
    let hold = w.act(
        "carol",
        Measure::ReviewAndApproval,
        &["wg@ietf.example"],
        None,
    );
    w.act(
        "bob",
        Measure::ReviewAndApproval,
        &["wg@ietf.example"],
        None,
    );
    let suspension = w.act(
        "bob",
        Measure::IndefiniteSuspension,
        &["wg@ietf.example"],
        None,
    );
    let wanted = &w.wanted(NOW).places[LIST];
    assert_eq!(
        wanted.of_kind("hold"),
        emails(&[("carol@example.org", hold)])
    );
    assert_eq!(
        wanted.of_kind("ban").addresses(),
        emails(&[
            ("bob@example.org", suspension),
            ("bob@work.example", suspension)
        ])
    );
}

#[test]
fn rate_limits_and_admonishments_are_not_for_mailman() {
    let mut w = World::new();
    let limit = Measure::RateLimit {
        posts: 1,
        per_seconds: 3600,
    };
    w.act("bob", limit, &["wg@ietf.example"], None);
    w.act(
        "carol",
        Measure::PrivateAdmonishment,
        &["wg@ietf.example"],
        None,
    );
    assert_eq!(w.wanted(NOW), Wanted::default());
}

#[test]
fn a_temporary_suspension_is_wanted_until_its_end_which_is_the_next_change() {
    let mut w = World::new();
    let end = "2024-02-01T00:00:00Z";
    w.act(
        "bob",
        Measure::TemporarySuspension,
        &["wg@ietf.example"],
        Some(end),
    );
    let wanted = w.wanted(NOW);
    assert_eq!(wanted.places[LIST].of_kind("ban").addresses().len(), 2);
    assert_eq!(wanted.next_change, Some((ts(end), list())));
    assert_eq!(w.wanted(end), Wanted::default());
}

#[test]
fn the_lists_an_event_touches() {
    let mut w = World::new();
    let action = w.act(
        "bob",
        Measure::IndefiniteSuspension,
        &["wg@ietf.example"],
        None,
    );
    assert_eq!(w.touched(), list());
    // A chat-only action touches no list.
    let chat = w.act("carol", Measure::IndefiniteSuspension, &["wg-chat"], None);
    assert_eq!(w.touched(), BTreeSet::new());
    // An amendment touches the fora before and after.
    w.run(
        "alice",
        Capacity::Administrator,
        Command::AmendAction {
            action: chat,
            terms: TermsChange {
                measure: Measure::ReviewAndApproval,
                fora: vec![f("wg@ietf.example")],
                ends_at: None,
            },
            reason: "the person apologised".into(),
        },
    );
    assert_eq!(w.touched(), list());
    w.run(
        "alice",
        Capacity::Administrator,
        Command::RescindAction {
            action,
            reason: "taken in error".into(),
        },
    );
    assert_eq!(w.touched(), list());
    // A new address of a person restricted on the list.
    w.op(Command::LinkIdentity {
        person: p("carol"),
        identity: Identity::new(IdentityKind::Email, "carol@work.example").unwrap(),
    });
    assert_eq!(w.touched(), list());
    w.op(Command::RegisterPerson {
        person: p("dan"),
        name: "dan".into(),
        time_zone: None,
    });
    assert_eq!(w.touched(), BTreeSet::new());
}

// --- IETF LLC emergency actions: enforced like any suspension (LLC-1, ACT-8) ---

#[test]
fn llc_1_an_llc_actions_subject_is_banned_on_its_lists_until_the_llc_lifts_it() {
    let mut w = World::new();
    let llc = w.llc_act("bob", &["wg@ietf.example", "wg-chat"]);
    assert_eq!(w.touched(), list());
    let wanted = w.wanted(NOW);
    assert_eq!(wanted.places.keys().collect::<Vec<_>>(), [LIST]);
    assert_eq!(
        wanted.places[LIST].of_kind("ban").addresses(),
        emails(&[("bob@example.org", llc), ("bob@work.example", llc)])
    );
    assert!(wanted.places[LIST].of_kind("hold").is_empty());
    // It has no end: nothing changes with time alone.
    assert_eq!(wanted.next_change, None);
    assert_eq!(w.wanted("2030-01-01T00:00:00Z"), wanted);

    w.lift_llc(llc);
    assert_eq!(w.touched(), list());
    assert_eq!(w.wanted(NOW), Wanted::default());
}

#[test]
fn llc_2_a_board_review_that_lifts_the_llc_action_ends_the_ban_and_one_that_upholds_it_not() {
    let mut w = World::new();
    let llc = w.llc_act("bob", &["wg@ietf.example"]);
    let upheld = w.llc_act("carol", &["wg@ietf.example"]);
    w.touched();
    w.board_review("carol", upheld, false);
    assert_eq!(
        w.wanted(NOW).places[LIST].of_kind("ban").addresses(),
        emails(&[
            ("bob@example.org", llc),
            ("bob@work.example", llc),
            ("carol@example.org", upheld)
        ])
    );
    w.touched();
    w.board_review("bob", llc, true);
    assert_eq!(w.touched(), list());
    assert_eq!(
        w.wanted(NOW).places[LIST].of_kind("ban").addresses(),
        emails(&[("carol@example.org", upheld)])
    );
}

#[test]
fn llc_1_an_llc_action_beats_a_hold_and_an_action_banning_too_is_named_first() {
    let mut w = World::new();
    w.act(
        "carol",
        Measure::ReviewAndApproval,
        &["wg@ietf.example"],
        None,
    );
    let suspension = w.act(
        "bob",
        Measure::TemporarySuspension,
        &["wg@ietf.example"],
        Some("2024-02-01T00:00:00Z"),
    );
    w.llc_act("bob", &["wg@ietf.example"]);
    let carol = w.llc_act("carol", &["wg@ietf.example"]);
    let wanted = &w.wanted(NOW).places[LIST];
    assert!(wanted.of_kind("hold").is_empty(), "{wanted:?}");
    assert_eq!(
        wanted.of_kind("ban").addresses(),
        BTreeMap::from([
            ("bob@example.org".to_owned(), Source::Action(suspension)),
            ("bob@work.example".to_owned(), Source::Action(suspension)),
            ("carol@example.org".to_owned(), Source::Llc(carol)),
        ])
    );
    // When the suspension ends, the LLC action still bans Bob.
    let later = &w.wanted("2024-03-01T00:00:00Z").places[LIST];
    assert_eq!(later.of_kind("ban").addresses().len(), 3);
    assert!(
        later
            .of_kind("ban")
            .addresses()
            .values()
            .all(|s| matches!(s, Source::Llc(_)))
    );
}

#[test]
fn llc_1_a_new_address_of_an_llc_actions_subject_touches_its_lists() {
    let mut w = World::new();
    let llc = w.llc_act("carol", &["wg@ietf.example"]);
    w.touched();
    w.op(Command::LinkIdentity {
        person: p("carol"),
        identity: Identity::new(IdentityKind::Email, "carol@work.example").unwrap(),
    });
    assert_eq!(w.touched(), list());
    assert_eq!(
        w.wanted(NOW).places[LIST].of_kind("ban").addresses(),
        emails(&[("carol@example.org", llc), ("carol@work.example", llc)])
    );
    w.lift_llc(llc);
    w.touched();
    w.op(Command::LinkIdentity {
        person: p("carol"),
        identity: Identity::new(IdentityKind::Email, "carol@home.example").unwrap(),
    });
    assert_eq!(w.touched(), BTreeSet::new());
}
