//! Writes a large, realistic log for benchmarks: working groups with chairs and
//! fora, a moderator team, thousands of participants, and then reports that are
//! acknowledged, acted on and resolved, until the log holds the events asked for.
//! Every event comes from the policy's own `decide`, so the log replays.
//!
//!     cargo run --release -p modpod --example generate_log -- sqlite:big.db 1000000

use jiff::{Timestamp, ToSpan};
use modpod_policy::ids::{ForumId, PersonId, ReportId, WgId};
use modpod_policy::model::{
    Capacity, Identity, IdentityKind, Measure, Organisation, ReportOutcome, Role,
};
use modpod_policy::{Actor, Command, State, SubjectRef, decide};
use modpod_store::NewEvent;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::time::Instant;

const WGS: usize = 50;
const PEOPLE: usize = 20_000;
const BATCH: usize = 10_000;

struct Gen {
    state: State,
    store: Box<dyn modpod_store::EventStore>,
    pending: Vec<NewEvent>,
    written: u64,
    now: Timestamp,
}

impl Gen {
    fn run(&mut self, actor: &Actor, command: Command) -> anyhow::Result<()> {
        let decision = decide(&self.state, actor, &command, self.now)
            .map_err(|r| anyhow::anyhow!("{} refused: {r}", command.name()))?;
        for event in decision.events {
            self.state.apply(&event);
            self.pending
                .push(modpod_server::engine::envelope(actor, &event, self.now));
        }
        self.now = self.now.checked_add(1.minute())?;
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        self.store.append(self.written, &self.pending)?;
        self.written += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    fn total(&self) -> u64 {
        self.written + self.pending.len() as u64
    }
}

fn id<T: TryFrom<String>>(s: String) -> anyhow::Result<T> {
    T::try_from(s).map_err(|_| anyhow::anyhow!("bad id"))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(db), Some(target)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: generate_log DB EVENTS");
    };
    let target: u64 = target.parse()?;
    let store = modpod_store::open(&db)?;
    if store_is_not_empty(&db)? {
        anyhow::bail!("{db} is not empty");
    }
    let started = Instant::now();
    let mut g = Gen {
        state: State::default(),
        store,
        pending: Vec::new(),
        written: 0,
        now: "2026-01-01T00:00:00Z".parse()?,
    };
    let op = Actor::new(id("operator".into())?, Capacity::Operator);
    g.run(
        &op,
        Command::Bootstrap {
            operator: op.person.clone(),
            name: "Operator".into(),
        },
    )?;

    let iesg: PersonId = id("iesg-1".into())?;
    g.run(
        &op,
        Command::RegisterPerson {
            person: iesg.clone(),
            name: "IESG member".into(),
            time_zone: None,
        },
    )?;
    g.run(
        &op,
        Command::GrantRole {
            person: iesg.clone(),
            role: Role::IesgMember,
        },
    )?;
    let mut moderators = Vec::new();
    for m in 0..5 {
        let person: PersonId = id(format!("mod-{m}"))?;
        g.run(
            &op,
            Command::RegisterPerson {
                person: person.clone(),
                name: format!("Moderator {m}"),
                time_zone: None,
            },
        )?;
        g.run(
            &Actor::new(iesg.clone(), Capacity::Iesg),
            Command::AppointModerator {
                person: person.clone(),
            },
        )?;
        moderators.push(person);
    }
    let mut fora: Vec<(ForumId, PersonId)> = Vec::new();
    for w in 0..WGS {
        let wg: WgId = id(format!("wg{w}"))?;
        let chair: PersonId = id(format!("chair-{w}"))?;
        g.run(
            &op,
            Command::RegisterPerson {
                person: chair.clone(),
                name: format!("Chair {w}"),
                time_zone: None,
            },
        )?;
        g.run(
            &op,
            Command::CreateWorkingGroup {
                wg: wg.clone(),
                name: format!("Working group {w}"),
                area: None,
                responsible_ad: None,
            },
        )?;
        g.run(
            &op,
            Command::GrantRole {
                person: chair.clone(),
                role: Role::WgChair { wg: wg.clone() },
            },
        )?;
        for (suffix, kind) in [("list", "mailing-list"), ("chat", "chat")] {
            let forum: ForumId = id(format!("wg{w}-{suffix}"))?;
            g.run(
                &op,
                Command::CreateForum {
                    forum: forum.clone(),
                    name: format!("WG {w} {suffix}"),
                    kind: kind.into(),
                    organisation: Organisation::Ietf,
                    public: true,
                    plenary: false,
                    wg: Some(wg.clone()),
                    responsible_ad: None,
                },
            )?;
            fora.push((forum, chair.clone()));
        }
    }
    let mut people = Vec::new();
    for p in 0..PEOPLE {
        let person: PersonId = id(format!("p{p}"))?;
        g.run(
            &op,
            Command::RegisterPerson {
                person: person.clone(),
                name: format!("Participant {p}"),
                time_zone: None,
            },
        )?;
        let identity = Identity::new(IdentityKind::Email, &format!("p{p}@example.org"))
            .map_err(anyhow::Error::msg)?;
        g.run(
            &op,
            Command::LinkIdentity {
                person: person.clone(),
                identity,
            },
        )?;
        people.push(person);
    }

    let mut rng = StdRng::seed_from_u64(9945);
    let categories = [
        "off-topic",
        "uncivil",
        "sealioning",
        "unsanctioned-announcement",
        "other",
    ];
    while g.total() < target {
        let (forum, chair) = fora[rng.random_range(0..fora.len())].clone();
        let reporter = people[rng.random_range(0..people.len())].clone();
        let subject = people[rng.random_range(0..people.len())].clone();
        let report = ReportId(g.state.next.report);
        g.run(
            &Actor::new(reporter, Capacity::Participant),
            Command::FileReport {
                forum: forum.clone(),
                subject: SubjectRef::Person {
                    person: subject.clone(),
                },
                category: categories[rng.random_range(0..categories.len())].into(),
                description: "Repeated personal remarks in the thread on the charter.".into(),
                links: vec!["https://mailarchive.example/msg/123".into()],
                note_well_seen: None,
            },
        )?;
        let admin = Actor::new(chair, Capacity::Administrator);
        g.run(&admin, Command::AcknowledgeReport { report })?;
        let outcome = if rng.random_bool(0.4) {
            let action = modpod_policy::ids::ActionId(g.state.next.action);
            let (measure, ends_at) = match rng.random_range(0..4) {
                0 => (Measure::PrivateAdmonishment, None),
                1 => (
                    Measure::RateLimit {
                        posts: 5,
                        per_seconds: 3600,
                    },
                    Some(g.now.checked_add(72.hours())?),
                ),
                2 => (
                    Measure::TemporarySuspension,
                    Some(g.now.checked_add((24 * 21).hours())?),
                ),
                _ => (
                    Measure::ReviewAndApproval,
                    Some(g.now.checked_add((24 * 7).hours())?),
                ),
            };
            g.run(
                &admin,
                Command::TakeAction {
                    level: None,
                    texts: None,
                    subject: SubjectRef::Person { person: subject },
                    measure,
                    fora: vec![forum],
                    reason: "Disruptive after a private warning.".into(),
                    reports: vec![report],
                    evidence: Vec::new(),
                    starts_at: None,
                    ends_at,
                    spam: false,
                },
            )?;
            ReportOutcome::ActionTaken { action }
        } else {
            ReportOutcome::NoActionNeeded
        };
        g.run(&admin, Command::ResolveReport { report, outcome })?;
        if g.written % 100_000 < BATCH as u64 && !g.pending.is_empty() && g.pending.len() < 20 {
            eprintln!(
                "{} events ({:.1} s)",
                g.written,
                started.elapsed().as_secs_f64()
            );
        }
    }
    g.flush()?;
    println!(
        "wrote {} events ({} reports, {} actions) to {db} in {:.1} s",
        g.written,
        g.state.reports.len(),
        g.state.actions.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn store_is_not_empty(db: &str) -> anyhow::Result<bool> {
    Ok(modpod_store::open(db)?.head()?.seq != 0)
}
