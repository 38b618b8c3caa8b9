//! Writes a large, realistic log for benchmarks: working groups with chairs and
//! fora, a moderator team, thousands of participants, and then reports that are
//! acknowledged, acted on and resolved, until the log holds the events asked for.
//! Every event comes from the policy's own `decide`, so the log replays.
//!
//!     cargo run --release -p modpod --example generate_log -- sqlite:big.db 1000000
//!
//! With `--ietf` instead of a number of events it writes a deployment of the
//! IETF's size, from November 2016 to October 2026:
//!
//!     cargo run --release -p modpod --example generate_log -- sqlite:ietf.db --ietf
//!
//! - 1,250 working groups, each with a chair and two fora (a list named by its
//!   address, `wg7@ietf.org`, and a chat room, `wg7-chat`): 2,500 fora;
//! - 300,000 people with 500,000 identities (each has an email address; the
//!   first 200,000 also a Datatracker login);
//! - 10 years of reports and actions at ten times the real rate. The IETF's
//!   moderators see perhaps 300 reports a year and take a few dozen actions
//!   (30 taken here as the real rate), so: 3,000 reports a year and 300
//!   actions a year (one report in ten acted on), 30,000 reports and 3,000
//!   actions in all, spread evenly over the ten years. Half of the reports are
//!   about 2,000 repeat subjects, the other half about anyone. An action is a
//!   private admonishment, a rate limit for 30 days, review and approval for
//!   90 days, or a temporary suspension of 30 days to 2 years (a quarter each),
//!   so some are still in force at the end. Each report is acknowledged a
//!   minute after it is filed and resolved a minute after that, except the
//!   last 20, which stay open in the queue.
//!
//! Progress goes to standard error every 100,000 events.

use jiff::{Timestamp, ToSpan};
use modpod_policy::ids::{ForumId, PersonId, ReportId, WgId};
use modpod_policy::model::{
    Capacity, Identity, IdentityKind, Measure, Organisation, ReportOutcome, Role,
};
use modpod_policy::{Actor, Command, State, SubjectRef, decide};
use modpod_store::NewEvent;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::time::Instant;

const BATCH: usize = 10_000;

/// The shape of the deployment to write.
struct Preset {
    wgs: usize,
    people: usize,
    /// People who also have a Datatracker login (a second identity).
    second_identity: usize,
    /// When the first event happens.
    start: &'static str,
    /// Time between the commands of the set-up.
    setup_step: jiff::Span,
    /// How the reports go on.
    reports: Reports,
    /// Lists named by their address (`wg7@ietf.org`) rather than `wg7-list`.
    ietf_names: bool,
}

enum Reports {
    /// The benchmark log: one report a minute, 40% acted on, until the log
    /// holds this many events.
    UntilEvents(u64),
    /// The IETF's size: this many reports evenly over this many years, one
    /// in ten acted on, the last `open` left open.
    Ietf {
        reports: usize,
        years: i64,
        open: usize,
    },
}

impl Preset {
    fn benchmark(events: u64) -> Preset {
        Preset {
            wgs: 50,
            people: 20_000,
            second_identity: 0,
            start: "2026-01-01T00:00:00Z",
            setup_step: 1.minute(),
            reports: Reports::UntilEvents(events),
            ietf_names: false,
        }
    }

    fn ietf() -> Preset {
        Preset {
            wgs: 1_250,
            people: 300_000,
            second_identity: 200_000,
            start: "2016-11-01T00:00:00Z",
            setup_step: 1.second(),
            reports: Reports::Ietf {
                reports: 30_000,
                years: 10,
                open: 20,
            },
            ietf_names: true,
        }
    }
}

struct Gen {
    state: State,
    store: Box<dyn modpod_store::EventStore>,
    pending: Vec<NewEvent>,
    written: u64,
    now: Timestamp,
    step: jiff::Span,
    started: Instant,
    reported: u64,
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
        self.now = self.now.checked_add(self.step)?;
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        self.store.append(self.written, &self.pending)?;
        self.written += self.pending.len() as u64;
        self.pending.clear();
        if self.written >= self.reported + 100_000 {
            self.reported = self.written - self.written % 100_000;
            eprintln!(
                "{} events ({:.1} s)",
                self.written,
                self.started.elapsed().as_secs_f64()
            );
        }
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
    let (Some(db), Some(size)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: generate_log DB EVENTS, or generate_log DB --ietf");
    };
    let preset = match size.as_str() {
        "--ietf" => Preset::ietf(),
        events => Preset::benchmark(events.parse()?),
    };
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
        now: preset.start.parse()?,
        step: preset.setup_step,
        started,
        reported: 0,
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
    for w in 0..preset.wgs {
        if w % 250 == 0 {
            eprintln!("working group {w} of {}", preset.wgs);
        }
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
            // The IETF's lists are named by their address, as Postfix
            // asks about them.
            let forum: ForumId = if preset.ietf_names && suffix == "list" {
                id(format!("wg{w}@ietf.org"))?
            } else {
                id(format!("wg{w}-{suffix}"))?
            };
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
    for p in 0..preset.people {
        if p % 50_000 == 0 {
            eprintln!(
                "person {p} of {} ({} events, {:.1} s)",
                preset.people,
                g.total(),
                started.elapsed().as_secs_f64()
            );
        }
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
        if p < preset.second_identity {
            let identity = Identity::new(IdentityKind::Datatracker, &format!("p{p}"))
                .map_err(anyhow::Error::msg)?;
            g.run(
                &op,
                Command::LinkIdentity {
                    person: person.clone(),
                    identity,
                },
            )?;
        }
        people.push(person);
    }

    let mut rng = StdRng::seed_from_u64(9945);
    g.step = 1.minute();
    match preset.reports {
        Reports::UntilEvents(target) => {
            benchmark_reports(&mut g, &mut rng, &fora, &people, target)?
        }
        Reports::Ietf {
            reports,
            years,
            open,
        } => ietf_reports(&mut g, &mut rng, &fora, &people, reports, years, open)?,
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

const CATEGORIES: [&str; 5] = [
    "off-topic",
    "uncivil",
    "sealioning",
    "unsanctioned-announcement",
    "other",
];

/// Files a report about `subject` on `forum`, acknowledged by the forum's
/// chair as its administrator.
fn file_and_acknowledge(
    g: &mut Gen,
    rng: &mut StdRng,
    forum: &ForumId,
    admin: &Actor,
    reporter: PersonId,
    subject: &PersonId,
    acknowledge: bool,
) -> anyhow::Result<ReportId> {
    let report = ReportId(g.state.next.report);
    g.run(
        &Actor::new(reporter, Capacity::Participant),
        Command::FileReport {
            forum: forum.clone(),
            subject: SubjectRef::Person {
                person: subject.clone(),
            },
            category: CATEGORIES[rng.random_range(0..CATEGORIES.len())].into(),
            description: "Repeated personal remarks in the thread on the charter.".into(),
            links: vec!["https://mailarchive.example/msg/123".into()],
            note_well_seen: None,
        },
    )?;
    if acknowledge {
        g.run(admin, Command::AcknowledgeReport { report })?;
    }
    Ok(report)
}

/// Takes an action on `subject` for `report` and resolves the report with it.
fn act_and_resolve(
    g: &mut Gen,
    admin: &Actor,
    report: ReportId,
    subject: PersonId,
    forum: ForumId,
    measure: Measure,
    ends_at: Option<Timestamp>,
) -> anyhow::Result<()> {
    let action = modpod_policy::ids::ActionId(g.state.next.action);
    g.run(
        admin,
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
    g.run(
        admin,
        Command::ResolveReport {
            report,
            outcome: ReportOutcome::ActionTaken { action },
        },
    )
}

/// The IETF-sized run: `reports` reports evenly over `years` years.
fn ietf_reports(
    g: &mut Gen,
    rng: &mut StdRng,
    fora: &[(ForumId, PersonId)],
    people: &[PersonId],
    reports: usize,
    years: i64,
    open: usize,
) -> anyhow::Result<()> {
    let span = jiff::SignedDuration::from_hours(24 * 365 * years);
    // Each report's commands take a minute each (up to four of them).
    let gap = span / i32::try_from(reports)? - jiff::SignedDuration::from_mins(4);
    let repeaters = &people[..2_000.min(people.len())];
    for n in 0..reports {
        if n % 5_000 == 0 {
            eprintln!(
                "report {n} of {reports}, {} ({} events, {:.1} s)",
                g.now.strftime("%Y-%m-%d"),
                g.total(),
                g.started.elapsed().as_secs_f64()
            );
        }
        let (forum, chair) = fora[rng.random_range(0..fora.len())].clone();
        let reporter = people[rng.random_range(0..people.len())].clone();
        let subject = if rng.random_bool(0.5) {
            repeaters[rng.random_range(0..repeaters.len())].clone()
        } else {
            people[rng.random_range(0..people.len())].clone()
        };
        let admin = Actor::new(chair, Capacity::Administrator);
        let still_open = n + open >= reports;
        let report = file_and_acknowledge(g, rng, &forum, &admin, reporter, &subject, !still_open)?;
        if !still_open {
            if rng.random_bool(0.1) {
                let days = |d: i64| g.now.checked_add((24 * d).hours());
                let (measure, ends_at) = match rng.random_range(0..4) {
                    0 => (Measure::PrivateAdmonishment, None),
                    1 => (
                        Measure::RateLimit {
                            posts: 5,
                            per_seconds: 86_400,
                        },
                        Some(days(30)?),
                    ),
                    2 => (Measure::ReviewAndApproval, Some(days(90)?)),
                    _ => (
                        Measure::TemporarySuspension,
                        Some(days(rng.random_range(30..=730))?),
                    ),
                };
                act_and_resolve(g, &admin, report, subject, forum, measure, ends_at)?;
            } else {
                g.run(
                    &admin,
                    Command::ResolveReport {
                        report,
                        outcome: ReportOutcome::NoActionNeeded,
                    },
                )?;
            }
        }
        // The next report comes a gap (give or take half of it) after this one's.
        let jitter = gap.mul_f64(rng.random_range(0.5..1.5));
        g.now = g.now.checked_add(jitter)?;
    }
    Ok(())
}

/// The benchmark log's reports: one a minute, until the log holds `target`
/// events.
fn benchmark_reports(
    g: &mut Gen,
    rng: &mut StdRng,
    fora: &[(ForumId, PersonId)],
    people: &[PersonId],
    target: u64,
) -> anyhow::Result<()> {
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
                category: CATEGORIES[rng.random_range(0..CATEGORIES.len())].into(),
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
    }
    Ok(())
}

fn store_is_not_empty(db: &str) -> anyhow::Result<bool> {
    Ok(modpod_store::open(db)?.head()?.seq != 0)
}
