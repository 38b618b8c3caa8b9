//! `modpod serve` killed (SIGKILL) again and again while its workers apply
//! steps to two kinds of forum software, a list on the real GNU Mailman and
//! a wiki told by signed webhooks, while an administrator suspends people and
//! rescinds earlier suspensions. After the last restart every step is applied
//! exactly once: Mailman bans exactly the people whose suspension is in
//! force, the wiki was told each change once (a copy sent again after a kill
//! carries the same `webhook-id`, and the receiver drops it, as a Standard
//! Webhooks receiver does), the ledger says exactly what is in place, the log
//! is intact, and a final reconcile has nothing left to do.
//!
//! Some rescissions are recorded while serve is down, between a kill and the
//! restart. The commands and the delays before each kill come from a seeded
//! generator; the seed is printed, and `MODPOD_CRASH_SEED=N` runs the same
//! schedule again (what each kill cuts short still depends on timing).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Serve, Server, installed, ok, run};
use modpod_testkit::TestDb;
use modpod_testkit::mailman::{Mailman, TestList};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WIKI: &str = "crash-wiki";
const PEOPLE: usize = 14;
/// How many of them stay suspended at least.
const IN_FORCE: usize = 5;
const ROUNDS: usize = 15;
/// The longest wait before a kill, after a batch of commands was recorded.
const KILL_WITHIN_MS: u64 = 400;
/// How long the wiki takes to answer once it has taken a change in: a kill
/// meanwhile leaves a change the wiki applied but modpod never heard
/// confirmed, which it must send again (a retry, with the same id).
const WIKI_ANSWERS_AFTER: Duration = Duration::from_millis(30);
const CHAIR: [&str; 5] = ["run", "--as", "tls-chair-1", "--capacity", "administrator"];

/// One request that reached the wiki, its signature checked.
#[derive(Clone, Debug)]
struct Delivery {
    id: String,
    body: Value,
}

/// What the wiki got: every delivery, and the changes it took in (a change
/// is taken once per `webhook-id`; later copies are answered 2xx and
/// dropped).
#[derive(Default)]
struct Got {
    deliveries: Vec<Delivery>,
    changes: Vec<Delivery>,
    seen: BTreeSet<String>,
    bad_signatures: usize,
}

/// A Standard Webhooks receiver: checks each signature, deduplicates by
/// `webhook-id`, and answers 204 after [`WIKI_ANSWERS_AFTER`].
struct Receiver {
    url: String,
    got: Arc<Mutex<Got>>,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    fn start() -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let got = Arc::new(Mutex::new(Got::default()));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let keep = got.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
                    if verifier.verify(&body, &headers).is_err() {
                        keep.lock().unwrap().bad_signatures += 1;
                        return axum::http::StatusCode::UNAUTHORIZED;
                    }
                    let id = headers[standardwebhooks::HEADER_WEBHOOK_ID]
                        .to_str()
                        .unwrap()
                        .to_owned();
                    let delivery = Delivery {
                        id: id.clone(),
                        body: serde_json::from_slice(&body).unwrap(),
                    };
                    {
                        let mut got = keep.lock().unwrap();
                        got.deliveries.push(delivery.clone());
                        if got.seen.insert(id) {
                            got.changes.push(delivery);
                        }
                    }
                    tokio::time::sleep(WIKI_ANSWERS_AFTER).await;
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        );
        runtime.spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            got,
            _runtime: runtime,
        }
    }

    /// The changes taken in, as (type, data), in the order they came.
    fn changes(&self) -> Vec<(String, Value)> {
        self.got
            .lock()
            .unwrap()
            .changes
            .iter()
            .map(change)
            .collect()
    }
}

/// Every entry of a list's ban list: addresses, and `^...` patterns.
fn bans(list: &TestList) -> BTreeSet<String> {
    let path = format!("lists/{}/bans", list.id);
    let (_, body) = list.mailman.call("GET", &path, &[], &[200]);
    body["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| e["email"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// What modpod bans on Mailman for a suspended address: the address, and a
/// pattern for its `+tag` variants (`Adapter::also`).
fn banned_for(email: &str) -> [String; 2] {
    let (local, domain) = email.split_once('@').unwrap();
    assert!(local.chars().all(|c| c.is_ascii_alphanumeric()));
    let pattern = format!("^{local}\\+.*@{}$", domain.replace('.', "\\."));
    [email.to_owned(), pattern]
}

fn applied(email: &str, action: usize) -> (String, Value) {
    (
        "restriction.applied".to_owned(),
        json!({"forum": WIKI, "account": format!("email:{email}"),
               "restriction": "suspend", "by": format!("action #{action}")}),
    )
}

fn lifted(email: &str) -> (String, Value) {
    (
        "restriction.lifted".to_owned(),
        json!({"forum": WIKI, "account": format!("email:{email}"), "restriction": "suspend"}),
    )
}

/// A change as (type, data).
fn change(d: &Delivery) -> (String, Value) {
    (
        d.body["type"].as_str().unwrap_or_default().to_owned(),
        d.body["data"].clone(),
    )
}

/// A change on one line (`data`'s keys come sorted), to compare sets.
fn line((kind, data): &(String, Value)) -> String {
    format!("{kind} {data}")
}

/// The elements of `a` missing from `b`.
fn missing<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<T> {
    a.difference(b).cloned().collect()
}

/// Rescinds up to two suspensions (so that at least [`IN_FORCE`] people stay
/// suspended), among those the software shows applied, so that each must be
/// lifted: the wiki took the change in and the list bans the address.
fn rescind_some(
    people: &mut [Person],
    rng: &mut StdRng,
    list: &TestList,
    receiver: &Receiver,
    chair: &dyn Fn(Value),
) -> Vec<String> {
    let taken = receiver.changes();
    let banned = bans(list);
    let mut shown: Vec<usize> = (0..people.len())
        .filter(|&n| {
            let p = &people[n];
            p.action.is_some_and(|a| {
                !p.rescinded && taken.contains(&applied(&p.email, a)) && banned.contains(&p.email)
            })
        })
        .collect();
    shown.shuffle(rng);
    let rescinded = people.iter().filter(|p| p.rescinded).count();
    let room = (people.len() - IN_FORCE).saturating_sub(rescinded);
    let how_many = rng.random_range(0..=2).min(shown.len()).min(room);
    shown[..how_many]
        .iter()
        .map(|&n| {
            let action = people[n].action.unwrap();
            chair(json!({"command": "rescind_action", "action": action,
                "reason": "on reflection, no warning had been given"}));
            people[n].rescinded = true;
            format!("rescind #{action}")
        })
        .collect()
}

/// A person of the test, and the action suspending them, if any.
struct Person {
    id: String,
    email: String,
    action: Option<usize>,
    rescinded: bool,
}

#[test]
fn sigkill_of_serve_while_applying_steps_on_mailman_and_a_wiki_applies_each_step_exactly_once() {
    let started = Instant::now();
    let seed = std::env::var("MODPOD_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!("seed {seed} (run again with MODPOD_CRASH_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);

    let mailman = Mailman::from_env();
    let receiver = Receiver::start();
    let list = mailman.new_list();
    let db = TestDb::sqlite();
    installed(&db.url);

    // People of the test's own, each with one address, all on the list.
    let domain = format!("c{:x}.example", rand::random::<u32>());
    let mut people: Vec<Person> = (0..PEOPLE)
        .map(|n| Person {
            id: format!("crash-{n:02}"),
            email: format!("p{n:02}@{domain}"),
            action: None,
            rescinded: false,
        })
        .collect();
    let mut setup = String::new();
    for p in &people {
        setup.push_str(&format!(
            "[[people]]\nid = \"{}\"\nname = \"Person {}\"\nemails = [\"{}\"]\n\n",
            p.id, p.id, p.email
        ));
        list.subscribe(&p.email);
    }
    for (id, kind) in [(list.address.as_str(), "mailing-list"), (WIKI, "wiki")] {
        setup.push_str(&format!(
            "[[fora]]\nid = \"{id}\"\nname = \"A TLS {kind}\"\nkind = \"{kind}\"\n\
             organisation = \"ietf\"\npublic = true\nwg = \"tls\"\n\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crash.toml");
    std::fs::write(&file, setup).unwrap();
    ok(&db.url, &["setup", file.to_str().unwrap()]);

    let webhook = format!("wiki={}", receiver.url);
    let serve = || {
        Serve::new(
            &db.url,
            &[
                "--listen",
                "127.0.0.1:0",
                "--mailman-url",
                &mailman.url,
                "--webhook",
                &webhook,
            ],
        )
        .env("MODPOD_MAILMAN_USER", &mailman.user)
        .env("MODPOD_MAILMAN_PASSWORD", &mailman.password)
        .env("MODPOD_WEBHOOK_SECRET", SECRET)
        .start()
    };
    let software = [
        "--mailman-url",
        &mailman.url,
        "--mailman-user",
        &mailman.user,
        "--mailman-password",
        &mailman.password,
        "--webhook",
        &webhook,
        "--webhook-secret",
        SECRET,
    ];
    let chair = |command: Value| {
        let command = command.to_string();
        ok(&db.url, &[&CHAIR[..], &[command.as_str()]].concat());
    };

    let mut server: Server = serve();
    let (mut actions, mut kills) = (0, 0);
    for round in 0..ROUNDS {
        // While serve runs: rescind some earlier suspensions, and suspend
        // one or two people not suspended yet, from both fora.
        let mut batch = rescind_some(&mut people, &mut rng, &list, &receiver, &chair);
        let suspend = if rng.random_bool(0.3) { 2 } else { 1 };
        for _ in 0..suspend {
            let Some(n) = people.iter().position(|p| p.action.is_none()) else {
                break;
            };
            chair(
                json!({"command": "take_action", "subject": {"person": people[n].id},
                "measure": {"type": "indefinite_suspension"}, "fora": [list.address, WIKI],
                "reason": "personal attacks after two warnings"}),
            );
            actions += 1; // numbered from 1, the number of this one
            people[n].action = Some(actions);
            batch.push(format!("suspend {} (#{actions})", people[n].id));
        }
        let delay = rng.random_range(0..=KILL_WITHIN_MS);
        std::thread::sleep(Duration::from_millis(delay));
        server.kill();
        kills += 1;
        batch.push(format!("killed after {delay} ms"));
        // Sometimes suspensions are rescinded while serve is down, before
        // it could finish what it was doing.
        if rng.random_bool(0.3) {
            let down = rescind_some(&mut people, &mut rng, &list, &receiver, &chair);
            batch.extend(down.into_iter().map(|r| format!("{r} while down")));
        }
        println!("round {round}: {}", batch.join(", "));
        server = serve();
    }

    // What should hold now.
    let in_force: Vec<&Person> = people
        .iter()
        .filter(|p| p.action.is_some() && !p.rescinded)
        .collect();
    let rescinded: Vec<&Person> = people.iter().filter(|p| p.rescinded).collect();
    let want_bans: BTreeSet<String> = in_force.iter().flat_map(|p| banned_for(&p.email)).collect();
    let want_told: BTreeSet<String> = in_force
        .iter()
        .map(|p| format!("email:{}", p.email))
        .collect();
    let mut asked = BTreeSet::new();
    for p in people.iter().filter(|p| p.action.is_some()) {
        asked.insert(line(&applied(&p.email, p.action.unwrap())));
        if p.rescinded {
            asked.insert(line(&lifted(&p.email)));
        }
    }
    let ledger = |target: &str, place: &str, kind: &str| -> BTreeSet<String> {
        db.open()
            .enforced(target)
            .unwrap()
            .into_iter()
            .filter(|e| e.place == place && e.kind == kind)
            .map(|e| e.account)
            .collect()
    };
    let told = || -> BTreeSet<String> { receiver.changes().iter().map(line).collect() };
    let reconcile = |dry_run: bool| -> (bool, String) {
        let mut args = vec!["enforce", "reconcile"];
        if dry_run {
            args.push("--dry-run");
        }
        args.extend(software);
        let out = run(&db.url, &args);
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let verb = if dry_run { "to make" } else { "made" };
        let none = format!(" checked: 0 changes {verb}, 0 drift found");
        let nothing = ["Mailman: ", "webhooks: "].iter().all(|a| {
            printed
                .lines()
                .any(|l| l.starts_with(a) && l.contains(&none))
        });
        (out.status.success() && nothing, printed)
    };

    // The last serve brings everything in line: wait until a dry run finds
    // nothing to do, or until what should hold holds.
    let deadline = Instant::now() + Duration::from_secs(15);
    let (converged, dry_run) = loop {
        let (nothing_to_do, printed) = reconcile(true);
        let holds = bans(&list) == want_bans
            && told() == asked
            && ledger("mailman", &list.id, "ban") == want_bans
            && ledger("webhook", WIKI, "suspend") == want_told;
        if nothing_to_do || holds {
            break (true, printed);
        }
        if Instant::now() >= deadline {
            break (false, printed);
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    server.kill();
    let mut problems = Vec::new();
    if !converged {
        problems.push(format!(
            "the last modpod serve did not bring everything in line within 15 s; \
             a dry run says:\n{dry_run}"
        ));
    }

    // (1) Mailman bans exactly the people whose suspension is in force.
    let has = bans(&list);
    if has != want_bans {
        problems.push(format!(
            "Mailman's bans are not those of the suspensions in force:\n  \
             left banned: {:?}\n  missing: {:?}",
            missing(&has, &want_bans),
            missing(&want_bans, &has)
        ));
    }

    // (2) The wiki: each copy of a change is the same change; it was told
    // each change asked for once, and nothing else.
    let got = receiver.got.lock().unwrap();
    if got.bad_signatures > 0 {
        problems.push(format!("{} badly signed webhooks", got.bad_signatures));
    }
    let mut by_id: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for d in &got.deliveries {
        by_id.entry(d.id.as_str()).or_default().push(&d.body);
    }
    let mut retimed = 0;
    for (id, bodies) in &by_id {
        for body in &bodies[1..] {
            if body["type"] != bodies[0]["type"] || body["data"] != bodies[0]["data"] {
                problems.push(format!(
                    "webhook {id} came with different changes: {} and {body}",
                    bodies[0]
                ));
            } else if *body != bodies[0] {
                retimed += 1;
            }
        }
    }
    let taken: Vec<(String, Value)> = got.changes.iter().map(change).collect();
    let distinct: BTreeSet<String> = taken.iter().map(line).collect();
    if distinct.len() != taken.len() {
        problems.push(format!(
            "a change was sent under two webhook ids, so the wiki took it in twice: {taken:?}"
        ));
    }
    if distinct != asked {
        problems.push(format!(
            "the wiki was not told exactly the changes asked for:\n  \
             sent but not asked: {:?}\n  asked but not sent: {:?}",
            missing(&distinct, &asked),
            missing(&asked, &distinct)
        ));
    }
    for p in &rescinded {
        let at = |c: &(String, Value)| taken.iter().position(|t| t == c);
        let (on, off) = (
            at(&applied(&p.email, p.action.unwrap())),
            at(&lifted(&p.email)),
        );
        if on.is_some() && off.is_some() && on > off {
            problems.push(format!(
                "{} was lifted on the wiki before it was applied",
                p.id
            ));
        }
    }
    let (deliveries, changes) = (got.deliveries.len(), got.changes.len());
    drop(got);

    // The ledger says exactly what is in place, on both.
    for (software, has, want) in [
        ("Mailman", ledger("mailman", &list.id, "ban"), &want_bans),
        ("the wiki", ledger("webhook", WIKI, "suspend"), &want_told),
    ] {
        if has != *want {
            problems.push(format!(
                "the ledger of {software} is not what is in place:\n  extra: {:?}\n  missing: {:?}",
                missing(&has, want),
                missing(want, &has)
            ));
        }
    }

    // (3) The log is intact.
    let verified = run(&db.url, &["verify"]);
    let said = String::from_utf8_lossy(&verified.stdout).into_owned();
    if !verified.status.success() || !said.starts_with("ok: ") {
        problems.push(format!("modpod verify: {said}"));
    }

    // (4) A reconcile finds nothing left to do.
    let (nothing_to_do, printed) = reconcile(false);
    if !nothing_to_do {
        problems.push(format!("a final reconcile still made changes:\n{printed}"));
    }

    println!(
        "{actions} suspensions, {} of them rescinded, {} in force; {kills} kills of modpod serve",
        rescinded.len(),
        in_force.len()
    );
    println!(
        "webhooks: {deliveries} deliveries of {changes} distinct changes: {} retries (a webhook-id \
         sent again) after kills, {retimed} of them with another body timestamp",
        deliveries - changes
    );
    println!("took {:?}", started.elapsed());
    assert!(
        problems.is_empty(),
        "seed {seed} (MODPOD_CRASH_SEED={seed} runs it again):\n- {}",
        problems.join("\n- ")
    );
}
