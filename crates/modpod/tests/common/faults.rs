//! What the crash and fault tests share: people sending commands through
//! the HTTP API with their own tokens, the commands the API acknowledged and
//! the check that each is in the log, `modpod verify`, and the check that
//! every notification the log owes reached the SMTP sink once per address.

use super::{ok, run};
use modpod_policy::State;
use modpod_testkit::TestDb;
use modpod_testkit::smtp::SmtpSink;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The seed of a test's random schedule: `MODPOD_CRASH_SEED` if set, else a
/// new one. Printed, so that a failure can be run again with it.
pub fn seed() -> u64 {
    let seed = std::env::var("MODPOD_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!("seed {seed} (run again with MODPOD_CRASH_SEED={seed})");
    seed
}

/// Makes a login account named `account` for `person` and an API token of
/// scope `act` for it; returns the token.
pub fn token(db: &str, person: &str, account: &str) -> String {
    ok(db, &["account", "create", "--person", person, account]);
    ok(
        db,
        &["token", "create", "--account", account, "--scope", "act"],
    )
    .trim()
    .to_owned()
}

/// What became of a command sent to `POST /v1/commands`.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 201: the API acknowledged it; the events it recorded, as (seq, kind).
    Recorded {
        events: Vec<(u64, String)>,
        action: Option<u64>,
    },
    /// Another status, with the error's `code` and `message`.
    Status {
        status: u16,
        code: String,
        message: String,
    },
    /// No answer: the connection was refused or cut (serve was killed).
    NoAnswer(String),
}

/// One person's client of the HTTP API.
#[derive(Clone)]
pub struct Api {
    pub url: String,
    pub person: String,
    token: String,
    agent: ureq::Agent,
}

impl Api {
    /// `person`'s client of the service at `url`, with their `token`; a
    /// request gives up after `timeout`.
    pub fn new(url: &str, person: &str, token: &str, timeout: Duration) -> Api {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build()
            .into();
        Api {
            url: url.to_owned(),
            person: person.to_owned(),
            token: token.to_owned(),
            agent,
        }
    }

    /// The same person's client of another node (or a restarted one).
    pub fn at(&self, url: &str) -> Api {
        Api {
            url: url.to_owned(),
            ..self.clone()
        }
    }

    /// Sends `command` in `capacity`.
    pub fn command(&self, capacity: &str, command: &Value) -> Reply {
        let body = json!({"as": capacity, "command": command}).to_string();
        let sent = self
            .agent
            .post(format!("{}/v1/commands", self.url))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .send(body.as_str());
        let mut response = match sent {
            Ok(response) => response,
            Err(error) => return Reply::NoAnswer(error.to_string()),
        };
        let status = response.status().as_u16();
        let text = match response.body_mut().read_to_string() {
            Ok(text) => text,
            Err(error) => return Reply::NoAnswer(format!("{status}, then {error}")),
        };
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status == 201 {
            let events = body["events"]
                .as_array()
                .unwrap_or_else(|| panic!("201 without events: {text}"))
                .iter()
                .map(|e| {
                    (
                        e["seq"].as_u64().unwrap(),
                        e["kind"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            return Reply::Recorded {
                events,
                action: body["action"].as_u64(),
            };
        }
        Reply::Status {
            status,
            code: body["code"].as_str().unwrap_or_default().to_owned(),
            message: body["message"].as_str().unwrap_or(&text).to_owned(),
        }
    }
}

/// An event the API said it recorded: who sent the command, and what.
#[derive(Debug, Clone)]
pub struct Acked {
    pub seq: u64,
    pub kind: String,
    pub actor: String,
}

/// Every event the API acknowledged, to find in the log after a crash.
#[derive(Debug, Default)]
pub struct Acknowledged {
    pub events: Vec<Acked>,
    /// How many commands were acknowledged.
    pub commands: usize,
}

impl Acknowledged {
    /// Keeps what a reply acknowledged, if it did.
    pub fn keep(&mut self, api: &Api, reply: &Reply) {
        if let Reply::Recorded { events, .. } = reply {
            self.commands += 1;
            self.events.extend(events.iter().map(|(seq, kind)| Acked {
                seq: *seq,
                kind: kind.clone(),
                actor: api.person.clone(),
            }));
        }
    }

    /// The acknowledged events the log does not hold as acknowledged (at
    /// their number, of their kind, recorded for their sender).
    pub fn missing_from(&self, db: &TestDb) -> Vec<String> {
        let seqs: Vec<u64> = self.events.iter().map(|a| a.seq).collect();
        let stored: BTreeMap<u64, (String, String)> = db
            .open()
            .events(&seqs)
            .expect("cannot read the log")
            .into_iter()
            .map(|e| (e.seq, (e.kind, e.actor)))
            .collect();
        self.events
            .iter()
            .filter(|a| stored.get(&a.seq) != Some(&(a.kind.clone(), a.actor.clone())))
            .map(|a| {
                format!(
                    "event {} ({} by {}) was acknowledged but the log has {:?}",
                    a.seq,
                    a.kind,
                    a.actor,
                    stored.get(&a.seq)
                )
            })
            .collect()
    }
}

/// `modpod verify` on the log: `Err` with what it said unless it passes.
pub fn verify(db: &str) -> Result<(), String> {
    let out = run(db, &["verify"]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() && said.starts_with("ok: ") {
        Ok(())
    } else {
        Err(format!(
            "modpod verify: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The state the whole log builds, replayed here from its first event.
pub fn replay(db: &TestDb) -> State {
    let mut state = State::default();
    db.open()
        .scan(0, &mut |e| {
            let event = modpod_policy::Event::from_payload(&e.payload)
                .unwrap_or_else(|error| panic!("event {} cannot be read: {error}", e.seq));
            state.apply(&event);
            Ok(())
        })
        .expect("cannot scan the log");
    state
}

/// How many events of `kind` the log holds.
pub fn count_kind(db: &TestDb, kind: &str) -> i64 {
    db.query_i64(&format!(
        "SELECT count(*) FROM events WHERE kind = '{kind}'"
    ))
}

/// One row of the notification ledger.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Delivery {
    notification: u64,
    address: String,
    message_id: String,
    status: String,
    error: String,
}

/// At most the first ten of a list, and how many there are.
fn some<T: std::fmt::Debug>(all: &[T]) -> String {
    if all.len() <= 10 {
        format!("{all:?}")
    } else {
        format!("{:?} and {} more", &all[..10], all.len() - 10)
    }
}

fn deliveries(db: &TestDb) -> Vec<Delivery> {
    db.query_strings(
        "SELECT CAST(notification AS TEXT), address, message_id, status, \
         COALESCE(last_error, '') FROM deliveries \
         ORDER BY notification, address",
    )
    .into_iter()
    .map(|row| Delivery {
        notification: row[0].parse().unwrap(),
        address: row[1].clone(),
        message_id: row[2].clone(),
        status: row[3].clone(),
        error: row[4].clone(),
    })
    .collect()
}

/// Waits until every notification the log owes has its deliveries in the
/// ledger, none of them pending, and the sink has at least as many
/// messages as the ledger says were sent; after `timeout`, says how far it
/// got.
pub fn wait_until_delivered(db: &TestDb, sink: &SmtpSink, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        let owed = replay(db).notifications.len();
        let ledger = deliveries(db);
        let composed: BTreeSet<u64> = ledger.iter().map(|d| d.notification).collect();
        let sent = ledger.iter().filter(|d| d.status == "sent").count();
        let pending = ledger.iter().filter(|d| d.status == "pending").count();
        let received = sink.messages().len();
        if composed.len() == owed && pending == 0 && received >= sent {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "after {timeout:?}: {owed} notifications owed, {} composed; {sent} messages \
                 sent, {pending} pending, {received} received",
                composed.len()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What the notification check found.
#[derive(Debug, Default)]
pub struct Delivered {
    /// Notifications the log owes.
    pub owed: usize,
    /// Messages the ledger says were sent: one per notification and address.
    pub sent: usize,
    /// Messages the sink received.
    pub received: usize,
    /// Second copies: a message received again with the same `Message-ID`
    /// by the same address (see [`check_notifications`]).
    pub copies: usize,
    pub problems: Vec<String>,
}

/// Checks that every notification the log owes was delivered once to each
/// of its addresses: each is in the ledger, every one of its deliveries was
/// sent, and the SMTP sink received each (address, `Message-ID`) the
/// ledger sent, and nothing else.
///
/// A second copy of one message is allowed, at most `copies_allowed` in
/// all, and only with the same `Message-ID`, subject and body: a node
/// killed after the SMTP server accepted a message and before the ledger
/// marked it sent sends it again at the next start (no SMTP client can
/// avoid that window; `modpod_notify::worker` says so), and a receiver
/// drops the copy by its `Message-ID`, as mail clients and list software
/// do. So the test asserts exactly once per recipient as a receiver sees
/// it, and at most one copy per kill on the wire.
pub fn check_notifications(db: &TestDb, sink: &SmtpSink, copies_allowed: usize) -> Delivered {
    let state = replay(db);
    let ledger = deliveries(db);
    let messages = sink.messages();
    let mut found = Delivered {
        owed: state.notifications.len(),
        received: messages.len(),
        ..Delivered::default()
    };
    let composed: BTreeSet<u64> = ledger.iter().map(|d| d.notification).collect();
    let lost: Vec<u64> = state
        .notifications
        .keys()
        .map(|id| id.0)
        .filter(|id| !composed.contains(id))
        .collect();
    if !lost.is_empty() {
        found.problems.push(format!(
            "{} notifications owed in the log have no delivery in the ledger: {}",
            lost.len(),
            some(&lost)
        ));
    }
    let unsent: Vec<&Delivery> = ledger.iter().filter(|d| d.status != "sent").collect();
    if !unsent.is_empty() {
        found.problems.push(format!(
            "{} deliveries not sent: {}",
            unsent.len(),
            some(&unsent)
        ));
    }
    let mut by_id: BTreeMap<(String, String), Vec<&modpod_testkit::smtp::Received>> =
        BTreeMap::new();
    for m in &messages {
        by_id
            .entry((m.to.to_lowercase(), m.message_id.clone()))
            .or_default()
            .push(m);
    }
    let expected: BTreeSet<(String, String)> = ledger
        .iter()
        .filter(|d| d.status == "sent")
        .map(|d| {
            (
                d.address.to_lowercase(),
                d.message_id.trim_matches(['<', '>']).to_owned(),
            )
        })
        .collect();
    found.sent = expected.len();
    let got: BTreeSet<(String, String)> = by_id
        .keys()
        .map(|(to, id)| (to.clone(), id.trim_matches(['<', '>']).to_owned()))
        .collect();
    let never: Vec<_> = expected.difference(&got).collect();
    if !never.is_empty() {
        found.problems.push(format!(
            "{} messages the ledger marks sent never reached the SMTP server: {}",
            never.len(),
            some(&never)
        ));
    }
    let unknown: Vec<_> = got.difference(&expected).collect();
    if !unknown.is_empty() {
        found.problems.push(format!(
            "{} messages reached the SMTP server that the ledger does not send: {}",
            unknown.len(),
            some(&unknown)
        ));
    }
    for ((to, id), copies) in &by_id {
        found.copies += copies.len() - 1;
        for copy in &copies[1..] {
            if copy.subject != copies[0].subject || copy.body != copies[0].body {
                found.problems.push(format!(
                    "two different messages went to {to} with the Message-ID {id}"
                ));
            }
        }
    }
    if found.copies > copies_allowed {
        found.problems.push(format!(
            "{} second copies of messages, more than the {copies_allowed} allowed",
            found.copies
        ));
    }
    found
}

/// A PostgreSQL server of one test's own, to stop and start under load
/// without disturbing the other tests (which share the one `scripts/test`
/// starts): a throwaway cluster made with `initdb` as `start_postgres` in
/// scripts/lib/services.sh makes it, run as the `postgres` user when the
/// tests run as root, since PostgreSQL refuses to run as root.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    user: Option<&'static str>,
    pub port: u16,
}

impl PgCluster {
    /// Makes a cluster and starts it on a free loopback port.
    pub fn start() -> PgCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is not installed in /usr/lib/postgresql; run scripts/test")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|bin| bin.join("initdb").exists())
            .expect("no initdb under /usr/lib/postgresql");
        let dir = tempfile::Builder::new()
            .prefix("modpod-pg-fault.")
            .tempdir_in("/tmp")
            .expect("cannot make a directory for PostgreSQL");
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let user = root.then_some("postgres");
        let path = dir.path().display().to_string();
        let cluster = PgCluster {
            port: super::free_port(),
            dir,
            bin,
            user,
        };
        cluster.shell(&format!("chmod 755 {path}"), false);
        if let Some(user) = user {
            cluster.shell(&format!("chown {user} {path}"), false);
        }
        cluster.shell(
            &format!(
                "{}/initdb -D {path}/data -A trust -U postgres --no-sync >{path}/initdb.log 2>&1",
                cluster.bin.display()
            ),
            true,
        );
        cluster.resume();
        cluster
    }

    /// A shell command, run as the cluster's user if `as_user`.
    fn sh(&self, command: &str, as_user: bool) -> std::process::Command {
        match (as_user, self.user) {
            (true, Some(user)) => {
                let mut su = std::process::Command::new("su");
                su.args([user, "-s", "/bin/sh", "-c", command]);
                su
            }
            _ => {
                let mut sh = std::process::Command::new("sh");
                sh.args(["-c", command]);
                sh
            }
        }
    }

    /// Runs a shell command, as the cluster's user if `as_user`.
    fn shell(&self, command: &str, as_user: bool) {
        let status = self
            .sh(command, as_user)
            .status()
            .expect("cannot run a shell");
        assert!(status.success(), "failed: {command}");
    }

    /// The address of its `postgres` database, as the operator.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops it at once (`pg_ctl stop -m fast`: open connections are cut),
    /// as a database restarted by its operator or its host is.
    pub fn stop(&self) {
        self.shell(
            &format!(
                "{}/pg_ctl -D {}/data -m fast -w stop >/dev/null",
                self.bin.display(),
                self.dir.path().display()
            ),
            true,
        );
    }

    /// Starts it again, and returns once it accepts connections.
    pub fn resume(&self) {
        let path = self.dir.path().display();
        self.shell(
            &format!(
                "{}/pg_ctl -D {path}/data -l {path}/server.log -w -t 60 -o \
                 '-c listen_addresses=127.0.0.1 -p {} -k {path} -c fsync=off' start >/dev/null",
                self.bin.display(),
                self.port
            ),
            true,
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let stop = format!(
            "{}/pg_ctl -D {}/data -m immediate -w stop >/dev/null 2>&1",
            self.bin.display(),
            self.dir.path().display()
        );
        let _ = self.sh(&stop, true).status();
    }
}
