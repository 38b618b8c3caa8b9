//! The enforcement hot path at scale: `Index::decide` over an index of
//! 1,000,000 known identities (250,000 people with four addresses each) and
//! 100,000 restrictions in force, built from a synthetic state made by
//! applying events, as a replay of the log would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use modpod_enforce::{Index, Verdict};
use modpod_policy::ids::{ActionId, ForumId, PersonId};
use modpod_policy::model::{
    Action, ActionStatus, Capacity, Forum, Identity, IdentityKind, Measure, Organisation, Terms,
};
use modpod_policy::{Event, State};
use std::collections::BTreeSet;
use std::hint::black_box;

const PEOPLE: u32 = 250_000;
const ADDRESSES_PER_PERSON: u32 = 4;
const RESTRICTED: u32 = 100_000;
const FORA: u32 = 20;

fn forum(n: u32) -> ForumId {
    ForumId::parse(&format!("list{n}@")).unwrap_or_else(|e| panic!("{e}"))
}

fn person(n: u32) -> PersonId {
    PersonId::parse(&format!("p{n}")).unwrap_or_else(|e| panic!("{e}"))
}

fn address(n: u32, k: u32) -> String {
    format!("person{n}.alias{k}@example{}.org", n % 97)
}

fn synthetic_state(start: Timestamp) -> State {
    let mut state = State::default();
    let operator = PersonId::parse("op").unwrap_or_else(|e| panic!("{e}"));
    state.apply(&Event::Bootstrapped {
        operator: operator.clone(),
        name: "Operator".into(),
    });
    for n in 0..FORA {
        state.apply(&Event::ForumCreated {
            forum: Forum {
                id: forum(n),
                name: format!("List {n}"),
                kind: "mailing-list".into(),
                organisation: Organisation::Ietf,
                public: true,
                plenary: false,
                wg: None,
                responsible_ad: None,
                delegates: BTreeSet::new(),
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
    for n in 0..RESTRICTED {
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
            action: Action {
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
                status: ActionStatus::InForce,
                amendments: vec![],
                consultations: vec![],
            },
        });
    }
    state
}

fn bench(c: &mut Criterion) {
    let start: Timestamp = "2024-01-01T00:00:00Z"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let now: Timestamp = "2024-06-01T00:00:00Z"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let index = Index::build(&synthetic_state(start));
    assert_eq!(
        index.identity_count(),
        (PEOPLE * ADDRESSES_PER_PERSON) as usize
    );
    assert_eq!(index.restriction_count(), RESTRICTED as usize);

    // Person 4 is suspended on list4@ and list5@; person 200000 has no action.
    let restricted = "Person4.Alias2@Example4.org";
    let clean = "person200000.alias3@example79.org";
    let unknown = "nobody@example.org";
    assert_eq!(
        index.decide("list4@", restricted, now),
        Verdict::Reject { until: None }
    );
    assert_eq!(index.decide("list4@", clean, now), Verdict::Allow);
    assert_eq!(index.decide("list4@", unknown, now), Verdict::Allow);

    let mut group = c.benchmark_group("decide");
    group.bench_function("restricted sender", |b| {
        b.iter(|| index.decide(black_box("list4@"), black_box(restricted), black_box(now)))
    });
    group.bench_function("clean known sender", |b| {
        b.iter(|| index.decide(black_box("list4@"), black_box(clean), black_box(now)))
    });
    group.bench_function("unknown sender", |b| {
        b.iter(|| index.decide(black_box("list4@"), black_box(unknown), black_box(now)))
    });
    group.bench_function("restricted sender with +tag", |b| {
        let tagged = "person4.alias2+ietf@example4.org";
        b.iter(|| index.decide(black_box("list4@"), black_box(tagged), black_box(now)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
