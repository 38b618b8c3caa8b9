//! `modpod serve` killed (SIGKILL) 200 times at random moments while people
//! send it commands through the HTTP API (reports by several participants,
//! actions and their rescissions by a chair), while it sends the
//! notifications they owe to a real SMTP server (aiosmtpd), and while
//! snapshots are written (`modpod snapshot` beside it, itself killed when it
//! has not finished; and some stops begin with SIGTERM, which writes one at
//! shutdown, and end with the SIGKILL before or while it is written).
//!
//! After each restart: `modpod verify` passes and every command the API
//! acknowledged (a 201 received) is in the log, at the number the API gave,
//! of the kind and by the person it said. At the end every notification the
//! log owes has reached each of its addresses once as a receiver sees it
//! (see `common::faults::check_notifications`), and no request was answered
//! with a server error. Forum software driven through crashes is the
//! subject of crash_enforcement.rs.
//!
//! The commands, the delays before each kill and what else happens in each
//! round come from a seeded generator; the seed is printed, and
//! `MODPOD_CRASH_SEED=N` runs the same schedule again (what each kill cuts
//! short still depends on timing). The test is marked ignored, as it takes
//! more than a minute: `scripts/test` runs it, beside the others, and
//! `cargo test -p modpod --test crash -- --ignored` runs it alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::faults::{
    Acknowledged, Api, Reply, check_notifications, seed, token, verify, wait_until_delivered,
};
use common::{Serve, Server, free_port, installed, ok};
use modpod_testkit::TestDb;
use modpod_testkit::smtp::SmtpSink;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const KILLS: usize = 200;
/// The longest a round lasts before its kill, once serve listens.
const KILL_WITHIN_MS: u64 = 250;
/// People of the test's own: subjects of reports and actions.
const PEOPLE: usize = 24;
/// How many of them file reports, each with a client of their own.
const REPORTERS: usize = 2;
/// How long each client waits before each command, at most: enough
/// commands that many kills land while one is under way, and not so many
/// that the notifications they owe (up to ten messages each) take minutes to
/// send.
const PAUSE_WITHIN_MS: u64 = 600;

/// What the chair's client knows: the actions it was told it took, and
/// which of them are in force.
#[derive(Default)]
struct Plan {
    /// Action number to the person it suspends, while in force.
    in_force: BTreeMap<u64, String>,
    acknowledged: Acknowledged,
    /// Answers by status, and commands that got none.
    statuses: BTreeMap<u16, usize>,
    no_answer: usize,
    server_errors: Vec<String>,
}

impl Plan {
    fn note(&mut self, api: &Api, reply: &Reply) {
        self.acknowledged.keep(api, reply);
        match reply {
            Reply::Recorded { .. } => *self.statuses.entry(201).or_default() += 1,
            Reply::Status {
                status,
                code,
                message,
            } => {
                *self.statuses.entry(*status).or_default() += 1;
                if *status >= 500 {
                    self.server_errors
                        .push(format!("{status} {code}: {message}"));
                }
            }
            Reply::NoAnswer(_) => self.no_answer += 1,
        }
    }
}

/// The chair: suspends people not suspended (as far as it knows), from one
/// or both fora, and rescinds some of the suspensions it took.
fn chair(api: &Api, fora: &[String], people: &[String], plan: &Mutex<Plan>, rng: &mut StdRng) {
    let pick = {
        let plan = plan.lock().unwrap();
        if !plan.in_force.is_empty() && rng.random_bool(0.3) {
            let actions: Vec<u64> = plan.in_force.keys().copied().collect();
            Err(*actions.choose(rng).unwrap())
        } else {
            let free: Vec<&String> = people
                .iter()
                .filter(|p| !plan.in_force.values().any(|q| q == *p))
                .collect();
            Ok(free.choose(rng).map(|p| (*p).clone()))
        }
    };
    match pick {
        Ok(Some(person)) => {
            let on: Vec<&String> = if rng.random_bool(0.3) {
                fora.iter().collect()
            } else {
                vec![fora.choose(rng).unwrap()]
            };
            let command = json!({"command": "take_action", "subject": {"person": person},
                "measure": {"type": "indefinite_suspension"}, "fora": on,
                "reason": "personal attacks after two warnings"});
            let reply = api.command("administrator", &command);
            let mut plan = plan.lock().unwrap();
            if let Reply::Recorded {
                action: Some(action),
                ..
            } = &reply
            {
                plan.in_force.insert(*action, person);
            }
            plan.note(api, &reply);
        }
        Ok(None) => std::thread::sleep(Duration::from_millis(5)),
        Err(action) => {
            let command = json!({"command": "rescind_action", "action": action,
                "reason": "on reflection, no warning had been given"});
            let reply = api.command("administrator", &command);
            let mut plan = plan.lock().unwrap();
            if matches!(reply, Reply::Recorded { .. }) {
                plan.in_force.remove(&action);
            }
            plan.note(api, &reply);
        }
    }
}

/// A participant reports someone's post on one of the fora.
fn reporter(api: &Api, fora: &[String], people: &[String], plan: &Mutex<Plan>, rng: &mut StdRng) {
    let subject = people
        .iter()
        .filter(|p| **p != api.person)
        .collect::<Vec<_>>()
        .choose(rng)
        .map(|p| (*p).clone())
        .unwrap();
    let command = json!({"command": "file_report", "forum": fora.choose(rng).unwrap(),
        "subject": {"person": subject}, "category": "other",
        "description": format!("a rude reply, seen at {:?}", Instant::now())});
    let reply = api.command("participant", &command);
    plan.lock().unwrap().note(api, &reply);
}

/// Waits up to [`PAUSE_WITHIN_MS`] before a client's next command; `false`
/// once the round is over.
fn pause(stop: &AtomicBool, rng: &mut StdRng) -> bool {
    let until = Instant::now() + Duration::from_millis(rng.random_range(0..PAUSE_WITHIN_MS));
    while Instant::now() < until {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    !stop.load(Ordering::Relaxed)
}

/// `modpod snapshot` on the log, started beside serve.
fn snapshot(db: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_modpod"))
        .arg("snapshot")
        .env("MODPOD_DB", db)
        .env("MODPOD_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot run modpod snapshot")
}

#[test]
#[ignore = "run by scripts/test beside the other tests: cargo test -p modpod --test crash -- --ignored"]
fn serve_killed_200_times_under_commands_notifications_and_snapshots_loses_nothing_acknowledged() {
    let started = Instant::now();
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);

    let db = TestDb::sqlite();
    installed(&db.url);
    let domain = format!("k{:x}.example", rand::random::<u32>());
    let people: Vec<String> = (0..PEOPLE).map(|n| format!("crash-{n:02}")).collect();
    let fora: Vec<String> = ["a", "b"]
        .iter()
        .map(|f| format!("crash-{f}@{domain}"))
        .collect();
    let mut setup = String::new();
    for p in &people {
        setup.push_str(&format!(
            "[[people]]\nid = \"{p}\"\nname = \"Person {p}\"\nemails = [\"{p}@{domain}\"]\n\n"
        ));
    }
    for f in &fora {
        setup.push_str(&format!(
            "[[fora]]\nid = \"{f}\"\nname = \"A TLS list\"\nkind = \"mailing-list\"\n\
             organisation = \"ietf\"\npublic = true\nwg = \"tls\"\n\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crash.toml");
    std::fs::write(&file, setup).unwrap();
    ok(&db.url, &["setup", file.to_str().unwrap()]);

    let sink = SmtpSink::start();
    // The same address at every start: the node is the same node, and takes
    // the notifications lease back at once after a kill.
    let listen = format!("127.0.0.1:{}", free_port());
    let serve = || -> Server {
        Serve::new(&db.url, &["--listen", &listen, "--smtp-url", &sink.url()])
            .env("MODPOD_MAIL_FROM", "moderators@ietf.example")
            .env("MODPOD_MAIL_ADDRESSES", "community=community@ietf.example")
            .start()
    };
    let url = format!("http://{listen}");
    let timeout = Duration::from_secs(10);
    let chair_api = Api::new(
        &url,
        "tls-chair-1",
        &token(&db.url, "tls-chair-1", "chair"),
        timeout,
    );
    let reporters: Vec<Api> = people[..REPORTERS]
        .iter()
        .map(|p| Api::new(&url, p, &token(&db.url, p, p), timeout))
        .collect();

    let plan = Mutex::new(Plan::default());
    let mut problems = Vec::new();
    let (mut terms, mut snapshots, mut snapshots_killed) = (0, 0, 0);
    let mut server = serve();
    let mut starts = Duration::ZERO;
    for round in 0..KILLS {
        // After each (re)start: the log verifies, and holds every command
        // acknowledged so far.
        if let Err(said) = verify(&db.url) {
            problems.push(format!("round {round}: {said}"));
        }
        let missing = plan.lock().unwrap().acknowledged.missing_from(&db);
        if !missing.is_empty() {
            problems.push(format!("round {round}: {}", missing.join("; ")));
        }
        if !problems.is_empty() {
            break;
        }

        let delay = rng.random_range(0..=KILL_WITHIN_MS);
        let snapshot_after = rng.random_bool(0.15).then(|| rng.random_range(0..=delay));
        let terminate_first = rng.random_bool(0.1).then(|| rng.random_range(0..30u64));
        let seeds: Vec<u64> = (0..=REPORTERS).map(|_| rng.random()).collect();
        let stop = AtomicBool::new(false);
        let snapshotting: Mutex<Option<Child>> = Mutex::new(None);
        std::thread::scope(|s| {
            let (plan, stop, fora, people) = (&plan, &stop, &fora, &people);
            let mut seeds = seeds.into_iter();
            let chair_seed = seeds.next().unwrap();
            let chair_api = &chair_api;
            s.spawn(move || {
                let mut rng = StdRng::seed_from_u64(chair_seed);
                while pause(stop, &mut rng) {
                    chair(chair_api, fora, people, plan, &mut rng);
                }
            });
            for (api, seed) in reporters.iter().zip(seeds) {
                s.spawn(move || {
                    let mut rng = StdRng::seed_from_u64(seed);
                    while pause(stop, &mut rng) {
                        reporter(api, fora, people, plan, &mut rng);
                    }
                });
            }
            if let Some(after) = snapshot_after {
                let (snapshotting, db) = (&snapshotting, &db.url);
                s.spawn(move || {
                    std::thread::sleep(Duration::from_millis(after));
                    *snapshotting.lock().unwrap() = Some(snapshot(db));
                });
            }
            std::thread::sleep(Duration::from_millis(delay));
            if let Some(grace) = terminate_first {
                // A clean stop, cut short: the snapshot at shutdown may be
                // under way when the SIGKILL lands.
                server.terminate();
                std::thread::sleep(Duration::from_millis(grace));
                terms += 1;
            }
            server.kill();
            stop.store(true, Ordering::Relaxed);
        });
        if let Some(mut child) = snapshotting.into_inner().unwrap() {
            snapshots += 1;
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
                snapshots_killed += 1;
            }
            child.wait().unwrap();
        }
        let restarted = Instant::now();
        server = serve();
        starts += restarted.elapsed();
    }

    // The last serve sends what is still owed.
    let (backlog, draining) = (sink.messages().len(), Instant::now());
    let drained = wait_until_delivered(&db, &sink, Duration::from_secs(90));
    let drained_in = draining.elapsed();
    server.kill();
    if let Err(how_far) = drained {
        problems.push(format!(
            "the last modpod serve did not send every notification: {how_far}"
        ));
    }
    if let Err(said) = verify(&db.url) {
        problems.push(said);
    }
    let plan = plan.into_inner().unwrap();
    problems.extend(plan.acknowledged.missing_from(&db));
    // At most one copy per kill: the worker sends one message at a time.
    let delivered = check_notifications(&db, &sink, KILLS);
    problems.extend(delivered.problems.iter().cloned());
    if !plan.server_errors.is_empty() {
        problems.push(format!(
            "requests answered with a server error: {:?}",
            plan.server_errors
        ));
    }
    let saved = db.query_i64("SELECT count(*) FROM snapshots");
    if saved == 0 {
        problems.push("no snapshot was ever written".into());
    }

    println!(
        "{KILLS} kills of modpod serve ({terms} of them during a clean stop begun with SIGTERM), \
         restarts in {:?} on average; {snapshots} runs of modpod snapshot beside it, \
         {snapshots_killed} of them killed too; {saved} snapshots kept",
        starts / u32::try_from(KILLS).unwrap()
    );
    println!(
        "{} commands acknowledged ({} events), answers by status {:?}, {} without an answer; \
         {} events in the log",
        plan.acknowledged.commands,
        plan.acknowledged.events.len(),
        plan.statuses,
        plan.no_answer,
        db.query_i64("SELECT count(*) FROM events"),
    );
    println!(
        "notifications: {} owed, {} messages sent, {} received, {} second copies (same \
         Message-ID) after kills",
        delivered.owed, delivered.sent, delivered.received, delivered.copies
    );
    println!(
        "the last serve sent what was still owed in {drained_in:?} ({} messages)",
        delivered.received - backlog
    );
    println!("took {:?}", started.elapsed());
    assert!(
        plan.acknowledged.commands >= 80,
        "too few commands were acknowledged to mean anything: {}",
        plan.acknowledged.commands
    );
    assert!(
        problems.is_empty(),
        "seed {seed} (MODPOD_CRASH_SEED={seed} runs it again):\n- {}",
        problems.join("\n- ")
    );
}
