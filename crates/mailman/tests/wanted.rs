//! What modpod wants on each list, and which lists an event touches, from a
//! state built only through the policy's `decide`: `alice` administers the
//! list `wg@ietf.example` and the chat room `wg-chat`; `bob` has two email
//! addresses and a chat account, `carol` one address.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::Timestamp;
use modpod_enforce::{Index, Source};
use modpod_mailman::{Wanted, affected_lists};
use modpod_policy::ids::{ActionId, ForumId, PersonId};
use modpod_policy::model::{
    Capacity, Identity, IdentityKind, Measure, Organisation, Role, TermsChange,
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
        for person in ["alice", "bob", "carol"] {
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

    fn wanted(&self, at: &str) -> Wanted {
        Wanted::at(&self.state, &Index::build(&self.state), ts(at))
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
    assert_eq!(wanted.lists.keys().collect::<Vec<_>>(), [LIST]);
    assert_eq!(
        wanted.lists[LIST].bans,
        emails(&[("bob@example.org", action), ("bob@work.example", action)])
    );
    assert!(wanted.lists[LIST].holds.is_empty());
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
    let wanted = &w.wanted(NOW).lists[LIST];
    assert_eq!(wanted.holds, emails(&[("carol@example.org", hold)]));
    assert_eq!(
        wanted.bans,
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
    assert_eq!(wanted.lists[LIST].bans.len(), 2);
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
