//! A synthetic state for the enforcement benchmarks: 1,000,000 known
//! identities (250,000 people with four addresses each) and up to 100,000
//! actions in force on 20 lists, made by applying events, as a replay of the
//! log would. Shared by `benches/decide.rs` and `examples/memory.rs`.

use jiff::Timestamp;
use modpod_policy::event::{NewAction, NewForum};
use modpod_policy::ids::{ActionId, ForumId, PersonId};
use modpod_policy::model::{Capacity, Identity, IdentityKind, Measure, Organisation, Terms};
use modpod_policy::{Event, State};

pub const PEOPLE: u32 = 250_000;
pub const ADDRESSES_PER_PERSON: u32 = 4;
pub const RESTRICTED: u32 = 100_000;
const FORA: u32 = 20;

pub fn forum(n: u32) -> ForumId {
    ForumId::parse(&format!("list{n}@")).unwrap_or_else(|e| panic!("{e}"))
}

pub fn person(n: u32) -> PersonId {
    PersonId::parse(&format!("p{n}")).unwrap_or_else(|e| panic!("{e}"))
}

pub fn address(n: u32, k: u32) -> String {
    format!("person{n}.alias{k}@example{}.org", n % 97)
}

/// The state with `restricted` actions in force (the first `restricted` people).
pub fn synthetic_state(start: Timestamp, restricted: u32) -> State {
    let mut state = State::default();
    let operator = PersonId::parse("op").unwrap_or_else(|e| panic!("{e}"));
    state.apply(&Event::Bootstrapped {
        operator: operator.clone(),
        name: "Operator".into(),
        at: None,
    });
    for n in 0..FORA {
        state.apply(&Event::ForumCreated {
            forum: NewForum {
                id: forum(n),
                name: format!("List {n}"),
                kind: "mailing-list".into(),
                organisation: Organisation::Ietf,
                public: true,
                plenary: false,
                wg: None,
                responsible_ad: None,
            },
        });
    }
    for n in 0..PEOPLE {
        state.apply(&Event::PersonRegistered {
            person: person(n),
            name: format!("Person {n}"),
            time_zone: None,
        });
        for k in 0..ADDRESSES_PER_PERSON {
            let identity = Identity::new(IdentityKind::Email, &address(n, k))
                .unwrap_or_else(|e| panic!("{e}"));
            state.apply(&Event::IdentityLinked {
                person: person(n),
                identity,
            });
        }
    }
    for n in 0..restricted {
        let measure = match n % 4 {
            0 => Measure::IndefiniteSuspension,
            1 => Measure::ReviewAndApproval,
            2 => Measure::RateLimit {
                posts: 5,
                per_seconds: 3600,
            },
            _ => Measure::TemporarySuspension,
        };
        state.apply(&Event::ActionTaken {
            action: NewAction {
                id: ActionId(u64::from(n)),
                subject: person(n),
                terms: Terms {
                    measure,
                    fora: vec![forum(n % FORA), forum((n + 1) % FORA)],
                    starts_at: start,
                    ends_at: None,
                },
                taken_by: operator.clone(),
                taken_as: Capacity::Moderator,
                taken_at: start,
                reason: "benchmark".into(),
                reports: vec![],
                evidence: vec![],
                spam: false,
                procedures_version: None,
                legacy: None,
                imported: None,
                level: None,
                texts: None,
                team: None,
            },
        });
    }
    state
}
