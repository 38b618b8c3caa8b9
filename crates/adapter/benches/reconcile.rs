//! modpod's side of enforcing on forum software at scale: 1,000 fora with
//! 100 restrictions in force on each (100,000 actions on 100,000 people, a
//! mix of suspensions, review and approval and rate limits), reconciled
//! through an in-memory fake [`Adapter`] (its `read` returns what it holds,
//! its `apply` records), so that no forum software is measured, on a
//! durable SQLite ledger (WAL, `synchronous=FULL`, as `modpod serve` keeps
//! it) in the system's temporary directory.
//!
//! Measured, each on the same state and decision index:
//!
//! - `Wanted::at`: what is wanted at every place now;
//! - the first pass: `Wanted::at` and a full `Reconciler::reconcile` on an
//!   empty ledger and an empty fake, which applies 100,000 steps and writes
//!   each to the ledger (a fresh ledger and fake for each run);
//! - the second pass: the same again, which changes nothing;
//! - one place, as an event wakes the worker of `modpod serve`: `Wanted::at`
//!   and a reconcile limited to one place, on the full ledger, changing
//!   nothing.
//!
//! A plain timed main (each pass takes seconds, too long for criterion's
//! ten samples at least): `FIRST_PASSES` (2) first passes, `RUNS` (3) runs
//! of the others; the median and every run are printed, with the time of
//! `Wanted::at` and of the reconcile apart. About 2.5 minutes on 2 cores.
//!
//! ```sh
//! cargo bench -p modpod-adapter --bench reconcile
//! FIRST_PASSES=1 RUNS=1 cargo bench -p modpod-adapter --bench reconcile
//! FORA=100 PER_FORUM=100 cargo bench -p modpod-adapter --bench reconcile
//! ```
//!
//! `FORA` and `PER_FORUM` change the scale (the assertions follow it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::{SignedDuration, Timestamp};
use modpod_adapter::{
    Actual, Adapter, AdapterError, OnDrift, Present, Reconciler, Step, Summary, Wanted,
};
use modpod_enforce::{Index, Restrains};
use modpod_policy::event::{NewAction, NewForum};
use modpod_policy::ids::{ActionId, ForumId, PersonId};
use modpod_policy::model::{
    Capacity, Forum, Identity, IdentityKind, Measure, Organisation, Person, Terms,
};
use modpod_policy::{Event, State};
use modpod_store::{Enforced, EventStore};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many fora, and restrictions on each: `FORA` (1,000) and `PER_FORUM`
/// (100).
#[derive(Clone, Copy)]
struct Scale {
    fora: u32,
    per_forum: u32,
}

impl Scale {
    fn from_env() -> Scale {
        let get = |name: &str, default: u32| {
            std::env::var(name)
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(default)
                .max(1)
        };
        Scale {
            fora: get("FORA", 1_000),
            per_forum: get("PER_FORUM", 100),
        }
    }

    fn restrictions(self) -> u32 {
        self.fora * self.per_forum
    }
}
const KIND: &str = "bench-forum";

fn forum(n: u32) -> ForumId {
    ForumId::parse(&format!("forum-{n:04}")).unwrap()
}

fn person(n: u32) -> PersonId {
    PersonId::parse(&format!("p{n}")).unwrap()
}

/// The state after the log of such a deployment is replayed: person `n`
/// has one address and one action in force, on forum `n % fora`.
fn state(scale: Scale, start: Timestamp) -> State {
    let mut state = State::default();
    let operator = PersonId::parse("op").unwrap();
    state.apply(&Event::Bootstrapped {
        operator: operator.clone(),
        name: "Operator".into(),
        at: None,
    });
    for n in 0..scale.fora {
        state.apply(&Event::ForumCreated {
            forum: NewForum {
                id: forum(n),
                name: format!("Forum {n}"),
                kind: KIND.into(),
                organisation: Organisation::Ietf,
                public: true,
                plenary: false,
                wg: None,
                responsible_ad: None,
            },
        });
    }
    for n in 0..scale.restrictions() {
        state.apply(&Event::PersonRegistered {
            person: person(n),
            name: format!("Person {n}"),
            time_zone: None,
        });
        let address = format!("person{n}@example{}.org", n % 97);
        state.apply(&Event::IdentityLinked {
            person: person(n),
            identity: Identity::new(IdentityKind::Email, &address).unwrap(),
        });
        let (measure, ends_at) = match n % 4 {
            0 => (Measure::IndefiniteSuspension, None),
            1 => (Measure::ReviewAndApproval, None),
            2 => (
                Measure::RateLimit {
                    posts: 5,
                    per_seconds: 3600,
                },
                None,
            ),
            _ => (
                Measure::TemporarySuspension,
                Some(start + SignedDuration::from_hours(24 * 365)),
            ),
        };
        state.apply(&Event::ActionTaken {
            action: NewAction {
                id: ActionId(u64::from(n)),
                subject: person(n),
                terms: Terms {
                    measure,
                    fora: vec![forum(n % scale.fora)],
                    starts_at: start,
                    ends_at,
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

/// What the fake holds at one place: (kind, account) → value.
type Held = HashMap<(String, String), Option<String>>;

/// Forum software held in memory, by place.
#[derive(Default)]
struct Fake {
    places: Mutex<HashMap<String, Held>>,
}

impl Fake {
    fn held(&self) -> usize {
        self.places.lock().unwrap().values().map(Held::len).sum()
    }
}

impl Adapter for Fake {
    fn name(&self) -> &'static str {
        "Fake"
    }

    fn target(&self) -> &'static str {
        "fake"
    }

    fn place_noun(&self) -> &'static str {
        "forum"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["suspend", "hold", "rate_limit"]
    }

    fn place(&self, forum: &Forum) -> Option<String> {
        (forum.kind == KIND).then(|| forum.id.to_string())
    }

    fn accounts(&self, person: &Person) -> Vec<String> {
        person.identities.iter().map(|i| i.value.clone()).collect()
    }

    fn wants(&self, _place: &str, restrains: &Restrains) -> Option<(&'static str, Option<String>)> {
        Some(match restrains {
            Restrains::Suspension => ("suspend", None),
            Restrains::Hold => ("hold", None),
            Restrains::RateLimit { posts, per_seconds } => {
                ("rate_limit", Some(format!("{posts}/{per_seconds}s")))
            }
            Restrains::CoolDown { .. } => return None,
        })
    }

    fn implied_by(&self, kind: &str) -> Option<&'static str> {
        (kind != "suspend").then_some("suspend")
    }

    fn read(
        &self,
        place: &str,
        about: &BTreeSet<(String, String)>,
        _applied: &[Enforced],
    ) -> Result<Option<Actual>, AdapterError> {
        let places = self.places.lock().unwrap();
        let mut actual = Actual::default();
        if let Some(here) = places.get(place) {
            for key in about {
                if let Some(value) = here.get(key) {
                    let present = Present {
                        enforces: true,
                        as_applied: true,
                        value: value.clone(),
                        handle: None,
                    };
                    actual.items.insert(key.clone(), present);
                }
            }
        }
        Ok(Some(actual))
    }

    fn remembered(&self, step: &Step) -> Option<String> {
        match step {
            Step::Apply { value, .. } => value.clone(),
            _ => None,
        }
    }

    fn apply(&self, place: &str, step: &Step) -> Result<(), AdapterError> {
        let mut places = self.places.lock().unwrap();
        let here = places.entry(place.to_owned()).or_default();
        match step {
            Step::Apply {
                kind,
                account,
                value,
                ..
            } => {
                here.insert((kind.clone(), account.clone()), value.clone());
            }
            Step::Remove { kind, account, .. } => {
                here.remove(&(kind.clone(), account.clone()));
            }
            // Ledger-only steps never reach the software.
            _ => {}
        }
        Ok(())
    }

    fn describe(&self, step: &Step, _done: bool) -> String {
        format!("{} {}", step.kind(), step.account())
    }

    fn what(&self, kind: &str, account: &str) -> String {
        format!("the {kind} of {account}")
    }

    fn as_dyn(&self) -> &dyn Adapter {
        self
    }
}

/// Temporary ledgers, removed at the end.
struct Ledgers {
    dir: PathBuf,
    made: u32,
}

impl Ledgers {
    fn new() -> Ledgers {
        let dir =
            std::env::temp_dir().join(format!("modpod-reconcile-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Ledgers { dir, made: 0 }
    }

    fn fresh(&mut self) -> Box<dyn EventStore> {
        self.made += 1;
        let path = self.dir.join(format!("ledger-{}.db", self.made));
        modpod_store::open(&format!("sqlite:{}", path.display())).unwrap()
    }
}

impl Drop for Ledgers {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One pass as the worker makes it: what is wanted now, then reconciled
/// (every place, or only `only`); the time of each half.
fn pass(
    reconciler: &Reconciler,
    ledger: &mut dyn EventStore,
    state: &State,
    index: &Index,
    now: Timestamp,
    only: Option<&BTreeSet<String>>,
) -> (Summary, Duration, Duration) {
    let t = Instant::now();
    let wanted = Wanted::at(reconciler.adapter.as_ref(), state, index, now);
    let wanted_took = t.elapsed();
    let t = Instant::now();
    let summary = reconciler
        .reconcile(ledger, &wanted, only, false, &mut |_| {})
        .unwrap();
    (summary, wanted_took, t.elapsed())
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The median and the range of some runs, in seconds.
fn spread(runs: &[Duration]) -> String {
    let mut sorted = runs.to_vec();
    sorted.sort();
    let all: Vec<String> = runs
        .iter()
        .map(|d| format!("{:.2}", d.as_secs_f64()))
        .collect();
    format!(
        "median {} (runs: {} s)",
        seconds(sorted[sorted.len() / 2]),
        all.join(", ")
    )
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
        .max(1)
}

fn main() {
    // `cargo test --all-targets` builds and runs benches without `--bench`:
    // only `cargo bench` measures.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let start: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
    let now: Timestamp = "2024-06-01T00:00:00Z".parse().unwrap();
    let first_passes = setting("FIRST_PASSES", 2);
    let runs = setting("RUNS", 3);
    let scale = Scale::from_env();
    let (fora, restrictions) = (scale.fora as usize, scale.restrictions() as usize);

    let t = Instant::now();
    let state = state(scale, start);
    println!(
        "state: {fora} fora, {restrictions} people with one address and one action in force each, made in {}",
        seconds(t.elapsed())
    );
    let t = Instant::now();
    let index = Index::build(&state);
    assert_eq!(index.restriction_count(), restrictions);
    println!("decision index built in {}", seconds(t.elapsed()));
    let mut ledgers = Ledgers::new();
    println!(
        "ledgers in {} (SQLite, WAL, synchronous=FULL)\n",
        ledgers.dir.display()
    );

    // What is wanted, alone.
    let mut wanted_runs = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let wanted = Wanted::at(&Fake::default(), &state, &index, now);
        wanted_runs.push(t.elapsed());
        assert_eq!(wanted.places.len(), fora);
        let items: usize = wanted.places.values().map(|p| p.items.len()).sum();
        assert_eq!(items, restrictions);
    }
    println!(
        "Wanted::at, every place:           {}",
        spread(&wanted_runs)
    );

    // The first pass, on an empty ledger and empty software, each time anew.
    let (mut firsts, mut first_reconciles) = (Vec::new(), Vec::new());
    let mut kept = None;
    for _ in 0..first_passes {
        let fake = Arc::new(Fake::default());
        let reconciler = Reconciler::new(fake.clone(), OnDrift::Reapply);
        let mut ledger = ledgers.fresh();
        let (summary, wanted, reconciled) =
            pass(&reconciler, ledger.as_mut(), &state, &index, now, None);
        assert_eq!(summary.places, fora, "{summary:?}");
        assert_eq!(summary.changes, restrictions, "{summary:?}");
        assert_eq!(fake.held(), restrictions);
        assert_eq!(ledger.enforced("fake").unwrap().len(), restrictions);
        firsts.push(wanted + reconciled);
        first_reconciles.push(reconciled);
        kept = Some((reconciler, ledger));
    }
    let (reconciler, mut ledger) = kept.unwrap();
    println!("first pass, every step applied:    {}", spread(&firsts));
    println!(
        "  of which reconcile:              {} ({:.0} steps/s)",
        spread(&first_reconciles),
        restrictions as f64 / first_reconciles.iter().min().unwrap().as_secs_f64()
    );

    // The second pass, which changes nothing.
    let (mut seconds_runs, mut second_reconciles) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (summary, wanted, reconciled) =
            pass(&reconciler, ledger.as_mut(), &state, &index, now, None);
        assert_eq!((summary.places, summary.changes), (fora, 0));
        seconds_runs.push(wanted + reconciled);
        second_reconciles.push(reconciled);
    }
    println!(
        "second pass, no change:            {}",
        spread(&seconds_runs)
    );
    println!(
        "  of which reconcile:              {}",
        spread(&second_reconciles)
    );

    // One place, as an event wakes the worker.
    let one: BTreeSet<String> = BTreeSet::from([forum(scale.fora / 2).to_string()]);
    let (mut ones, mut one_reconciles) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (summary, wanted, reconciled) = pass(
            &reconciler,
            ledger.as_mut(),
            &state,
            &index,
            now,
            Some(&one),
        );
        assert_eq!((summary.places, summary.changes), (1, 0));
        ones.push(wanted + reconciled);
        one_reconciles.push(reconciled);
    }
    println!("one place (an event's pass):       {}", spread(&ones));
    println!(
        "  of which reconcile:              {}",
        spread(&one_reconciles)
    );
    let mut reads = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let entries = ledger.enforced("fake").unwrap();
        reads.push(t.elapsed());
        assert_eq!(entries.len(), restrictions);
    }
    println!("  reading the whole ledger:        {}", spread(&reads));
}
