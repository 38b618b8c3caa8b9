//! The `modpod` command, run as a user runs it: a real binary, a real SQLite
//! file or PostgreSQL database, exit codes and printed words.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{
    BOOTSTRAP, EXAMPLE, Serve, Server, account, installed, ok, policy_request, run as modpod,
    serve_policy,
};
use modpod_testkit::TestDb;

use std::process::Command;

/// Runs a command that must fail; returns what it printed (stdout + stderr).
fn fails(db: &str, args: &[&str]) -> String {
    let out = modpod(db, args);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        !out.status.success(),
        "modpod {args:?} should have failed:\n{all}"
    );
    assert!(
        !all.contains("panicked"),
        "modpod {args:?} panicked:\n{all}"
    );
    all
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn events(db: &TestDb) -> i64 {
    db.query_i64("SELECT count(*) FROM events")
}

/// A log with the operator and the example installation.
fn example_log(db: &TestDb) {
    installed(&db.url);
}

/// Starts `modpod serve` on a free port; returns it, what it printed, and its address.
fn serve(db: &str) -> (Server, String, String) {
    let server = Serve::new(db, &["--listen", "127.0.0.1:0"]).start();
    let printed = server.printed.clone();
    let addr = server.url.trim_start_matches("http://").to_owned();
    (server, printed, addr)
}

fn get(url: &str) -> (u16, String) {
    let mut resp = ureq::get(url).call().unwrap();
    (
        resp.status().as_u16(),
        resp.body_mut().read_to_string().unwrap(),
    )
}

#[test]
fn serve_creates_the_first_operator_and_answers_healthz_and_openapi() {
    let db = TestDb::sqlite();
    let (server, printed, addr) = serve(&db.url);
    assert!(
        printed.contains("first start: created the operator \"admin\""),
        "{printed}"
    );
    let password = printed
        .split("with the password ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let mut store = modpod_store::open(&db.url).unwrap();
    let person = modpod_server::accounts::check(store.as_mut(), "admin", password).unwrap();
    assert_eq!(
        person.as_deref(),
        Some("admin"),
        "the printed password logs in"
    );
    assert_eq!(
        modpod_server::accounts::check(store.as_mut(), "admin", "guess").unwrap(),
        None
    );
    drop(store);
    let (status, body) = get(&format!("http://{addr}/healthz"));
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["backend"], "sqlite");
    assert_eq!(health["events"], 1);
    let (status, body) = get(&format!("http://{addr}/openapi.json"));
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/healthz"]["get"].is_object());
    drop(server);

    // A second start finds the log and makes no second operator.
    let (_server, printed, _) = serve(&db.url);
    assert!(!printed.contains("first start"), "{printed}");
    assert_eq!(events(&db), 1);
}

#[test]
fn serve_and_verify_refuse_a_file_that_is_not_a_modpod_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(100)).unwrap();
    let url = format!("sqlite:{}", path.display());
    let printed = fails(&url, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(printed.contains("not a modpod database"), "{printed}");
    let printed = fails(&url, &["verify"]);
    assert!(printed.contains("not a modpod database"), "{printed}");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("these are my notes")
    );
}

#[test]
fn setup_records_the_example_once_and_a_refused_rerun_writes_nothing() {
    let db = TestDb::sqlite();
    ok(
        &db.url,
        &["run", "--as", "admin", "--capacity", "operator", BOOTSTRAP],
    );
    let printed = ok(&db.url, &["setup", EXAMPLE]);
    assert!(printed.contains("events recorded"), "{printed}");
    assert!(
        !printed.contains("TEAM-3"),
        "five moderators are enough: {printed}"
    );
    let after = events(&db);
    assert!(after > 50);
    let printed = fails(&db.url, &["setup", EXAMPLE]);
    assert!(printed.contains("already exists"), "{printed}");
    assert_eq!(events(&db), after, "a refused setup must write nothing");
}

#[test]
fn setup_reads_yaml_and_names_the_refused_entry() {
    let db = TestDb::sqlite();
    ok(
        &db.url,
        &["run", "--as", "admin", "--capacity", "operator", BOOTSTRAP],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("setup.yaml");
    let path = file.to_str().unwrap();
    std::fs::write(
        &file,
        "people:\n  - id: dana\n    name: Dana\n    emails: [Dana@Example.org]\n\
         fora:\n  - id: x@ietf.org\n    name: X\n    kind: mailing-list\n    organisation: ietf\n    public: true\n\
         roles:\n  - person: dana\n    role: forum_administrator\n    forum: x@ietf.org\n",
    )
    .unwrap();
    ok(&db.url, &["setup", path]);
    assert_eq!(events(&db), 5);
    assert_eq!(
        db.query_i64("SELECT count(*) FROM events WHERE payload LIKE '%dana@example.org%'"),
        1
    );

    // A role on a forum that does not exist: the whole file is refused, and
    // the message says which entry.
    std::fs::write(
        &file,
        "people:\n  - id: erin\n    name: Erin\nroles:\n  - person: erin\n    role: forum_administrator\n    forum: nowhere@ietf.org\n",
    )
    .unwrap();
    let printed = fails(&db.url, &["setup", path]);
    assert!(
        printed.contains("command 2 of 2 (grant_role)") && printed.contains("nowhere@ietf.org"),
        "{printed}"
    );
    assert_eq!(events(&db), 5);

    std::fs::write(&file, "people:\n  - id: erin\n    nmae: Erin\n").unwrap();
    let printed = fails(&db.url, &["setup", path]);
    assert!(printed.contains("not a valid setup file"), "{printed}");
    assert_eq!(events(&db), 5);
}

#[test]
fn run_refusal_names_the_requirement_and_writes_nothing() {
    let db = TestDb::sqlite();
    example_log(&db);
    let before = events(&db);
    let chair = ["run", "--as", "tls-chair-1", "--capacity", "administrator"];
    let removal = r#"{"command":"take_action","subject":{"person":"bob"},"measure":{"type":"content_removal"},"fora":["tls@ietf.org"],"reason":"rude post"}"#;
    let printed = fails(&db.url, &[&chair[..], &[removal]].concat());
    assert!(
        printed.contains("refused (ACT-4)") && printed.contains("out of scope"),
        "{printed}"
    );
    assert_eq!(events(&db), before);

    let printed = fails(
        &db.url,
        &[&chair[..], &[r#"{"command":"take_action","bogus":1}"#]].concat(),
    );
    assert!(printed.contains("the command is not valid"), "{printed}");
    assert_eq!(events(&db), before);

    // The same chair may suspend on their own WG's list; the identity is
    // matched whatever its case, so the action follows the person.
    // Recorded at a later moment (`--at`), never before the log's last event.
    let suspend = r#"{"command":"take_action","subject":{"identity":{"kind":"email","value":"BOB@EXAMPLE.ORG"}},"measure":{"type":"temporary_suspension"},"fora":["tls@ietf.org"],"ends_at":"2099-03-22T10:00:00Z","reason":"sealioning after two warnings"}"#;
    let printed = ok(
        &db.url,
        &[&chair[..], &["--at", "2099-03-01T10:00:00Z", suspend]].concat(),
    );
    assert!(printed.contains("action_taken"), "{printed}");
    let people = db.query_i64(
        "SELECT count(*) FROM events WHERE kind IN ('person_registered', 'bootstrapped')",
    );
    assert_eq!(people, 20, "no new person was made for Bob's address");
}

/// Time in the log never runs backwards: `--at` before the last event is
/// refused, naming that event's time, and records nothing.
#[test]
fn run_refuses_a_time_before_the_log_s_last_event() {
    let db = TestDb::sqlite();
    example_log(&db);
    let chair = ["run", "--as", "tls-chair-1", "--capacity", "administrator"];
    let admonish = r#"{"command":"take_action","subject":{"person":"bob"},"measure":{"type":"private_admonishment"},"fora":["tls@ietf.org"],"reason":"tone"}"#;
    ok(
        &db.url,
        &[&chair[..], &["--at", "2099-01-01T00:00:00Z", admonish]].concat(),
    );
    let before = events(&db);
    let printed = fails(
        &db.url,
        &[&chair[..], &["--at", "2098-12-31T23:59:59Z", admonish]].concat(),
    );
    assert!(
        printed.contains("before the log's last event")
            && printed.contains(&format!("event {before}"))
            && printed.contains("2099-01-01T00:00:00Z"),
        "{printed}"
    );
    assert_eq!(events(&db), before, "nothing recorded");
    // Without --at, now is before 2099 too.
    let printed = fails(&db.url, &[&chair[..], &[admonish]].concat());
    assert!(printed.contains("2099-01-01T00:00:00Z"), "{printed}");
    assert_eq!(events(&db), before);
}

/// `modpod run --help` says who acts, in which role, what the command is and
/// where the commands are listed, and what `--at` is for.
#[test]
fn run_help_says_what_each_argument_is() {
    let out = modpod("sqlite::memory:", &["run", "--help"]);
    // Compared word by word: clap wraps lines to the terminal's width.
    let help = text(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(out.status.success(), "{help}");
    for words in [
        "The person acting",
        "The role the person acts in",
        "participant, administrator,",
        "The command as JSON",
        "crates/policy/src/command.rs",
        "POST /v1/commands",
        "instead of now",
        "cannot be before the log's last event",
    ] {
        assert!(help.contains(words), "{words:?} missing from:\n{help}");
    }
}

/// A bad time inside a command names its field and the format expected.
#[test]
fn run_names_the_field_and_format_of_a_bad_time() {
    let db = TestDb::sqlite();
    example_log(&db);
    let before = events(&db);
    let chair = ["run", "--as", "tls-chair-1", "--capacity", "administrator"];
    let suspend = r#"{"command":"take_action","subject":{"person":"bob"},"measure":{"type":"temporary_suspension"},"fora":["tls@ietf.org"],"ends_at":"2099-3-22","reason":"sealioning"}"#;
    let printed = fails(&db.url, &[&chair[..], &[suspend]].concat());
    assert!(
        printed.contains("ends_at:") && printed.contains("RFC 3339"),
        "{printed}"
    );
    assert_eq!(events(&db), before);
}

fn tamper_and_verify(db: &TestDb) {
    example_log(db);
    let intact = ok(&db.url, &["verify"]);
    assert!(intact.starts_with("ok: "), "{intact}");

    // Edited: one letter of one payload.
    let seq = db.query_i64("SELECT min(seq) FROM events WHERE payload LIKE '%Alice Chair%'");
    db.sql(&format!(
        "UPDATE events SET payload = replace(payload, 'Alice', 'Alicf') WHERE seq = {seq}"
    ));
    let printed = fails(&db.url, &["verify"]);
    assert!(printed.contains(&format!("event {seq} ")), "{printed}");
    db.sql(&format!(
        "UPDATE events SET payload = replace(payload, 'Alicf', 'Alice') WHERE seq = {seq}"
    ));
    ok(&db.url, &["verify"]);

    // Swapped: two events exchange places.
    let swap = "UPDATE events SET seq = -1 WHERE seq = 20; UPDATE events SET seq = 20 WHERE seq = 21; \
                UPDATE events SET seq = 21 WHERE seq = -1;";
    db.sql(swap);
    let printed = fails(&db.url, &["verify"]);
    assert!(printed.contains("event 20 "), "{printed}");
    db.sql(swap);
    ok(&db.url, &["verify"]);

    // Deleted: an event in the middle.
    db.sql("DELETE FROM events WHERE seq = 30");
    let printed = fails(&db.url, &["verify"]);
    assert!(printed.contains("event 30 "), "{printed}");
}

#[test]
fn verify_names_the_first_bad_event_on_sqlite() {
    tamper_and_verify(&TestDb::sqlite());
}

#[test]
fn verify_names_the_first_bad_event_on_postgres() {
    tamper_and_verify(&TestDb::postgres());
}

#[test]
fn verify_catches_a_removed_last_event_on_both_backends() {
    for db in [TestDb::sqlite(), TestDb::postgres()] {
        example_log(&db);
        let last = events(&db);
        db.sql(&format!("DELETE FROM events WHERE seq = {last}"));
        let printed = fails(&db.url, &["verify"]);
        assert!(printed.contains(&format!("event {last} ")), "{printed}");
    }
}

fn roundtrip(from: &TestDb, to: &TestDb) {
    example_log(from);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.jsonl");
    let path = file.to_str().unwrap();
    ok(&from.url, &["export", "--output", path]);
    let lines = std::fs::read_to_string(&file).unwrap().lines().count() as i64;
    assert_eq!(lines, events(from));
    ok(&to.url, &["import", path]);
    assert_eq!(
        to.query_i64("SELECT count(*) FROM snapshots"),
        1,
        "import leaves a snapshot"
    );
    let (a, b) = (ok(&from.url, &["verify"]), ok(&to.url, &["verify"]));
    let head = |s: &str| s.rsplit("head ").next().unwrap().trim().to_owned();
    assert_eq!(
        head(&a),
        head(&b),
        "the imported log must end in the same hash"
    );

    let printed = fails(&to.url, &["import", path]);
    assert!(printed.contains("empty log"), "{printed}");
}

#[test]
fn export_and_import_keep_every_hash_sqlite_to_postgres() {
    roundtrip(&TestDb::sqlite(), &TestDb::postgres());
}

#[test]
fn export_and_import_keep_every_hash_postgres_to_sqlite() {
    roundtrip(&TestDb::postgres(), &TestDb::sqlite());
}

#[test]
fn import_refuses_an_altered_file() {
    let (from, to) = (TestDb::sqlite(), TestDb::sqlite());
    example_log(&from);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.jsonl");
    let path = file.to_str().unwrap();
    ok(&from.url, &["export", "--output", path]);
    let altered =
        std::fs::read_to_string(&file)
            .unwrap()
            .replacen("Bob Participant", "Rob Participant", 1);
    std::fs::write(&file, altered).unwrap();
    let printed = fails(&to.url, &["import", path]);
    assert!(printed.contains("does not match its hash"), "{printed}");
    assert_eq!(
        to.query_i64("SELECT count(*) FROM events WHERE payload LIKE '%Rob Participant%'"),
        0
    );
    ok(&to.url, &["verify"]);
}

/// A start-up that replays a long log (here, with `MODPOD_SNAPSHOT_AFTER=1`,
/// any) writes its snapshot once it listens, while it serves, not before;
/// the next start-up reads it and replays nothing before it.
fn the_snapshot_after_a_long_replay_is_written_while_serving_and_used(db: &TestDb) {
    example_log(db);
    let head = db.query_i64("SELECT max(seq) FROM events");
    db.sql("DELETE FROM snapshots");
    let server = Serve::new(&db.url, &["--listen", "127.0.0.1:0"])
        .env("MODPOD_SNAPSHOT_AFTER", "1")
        .start();
    let mut written = 0;
    for _ in 0..200 {
        written = db.query_i64("SELECT count(*) FROM snapshots");
        if written > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(written, 1, "a snapshot is written while modpod serves");
    assert_eq!(db.query_i64("SELECT max(seq) FROM snapshots"), head);
    drop(server);
    // The next start-up reads it: an early event that no longer reads does
    // not matter.
    db.sql("UPDATE events SET payload = '{\"type\":\"unheard_of\"}' WHERE seq = 2");
    // (A replay of the whole log would stop at event 2.)
    let server = Serve::new(&db.url, &["--listen", "127.0.0.1:0"]).start();
    assert!(server.printed.contains("modpod listening"));
}

#[test]
fn sqlite_the_snapshot_after_a_long_replay_is_written_while_serving_and_used() {
    the_snapshot_after_a_long_replay_is_written_while_serving_and_used(&TestDb::sqlite());
}

#[test]
fn postgres_the_snapshot_after_a_long_replay_is_written_while_serving_and_used() {
    the_snapshot_after_a_long_replay_is_written_while_serving_and_used(&TestDb::postgres());
}

#[test]
fn start_up_after_a_snapshot_replays_only_the_events_after_it() {
    let db = TestDb::sqlite();
    example_log(&db);
    ok(&db.url, &["snapshot"]);
    assert_eq!(db.query_i64("SELECT count(*) FROM snapshots"), 1);
    // An early event that cannot be read no longer matters: the snapshot
    // stands for it.
    db.sql("UPDATE events SET payload = '{\"type\":\"unheard_of\"}' WHERE seq = 2");
    let admonish = r#"{"command":"take_action","subject":{"person":"bob"},"measure":{"type":"private_admonishment"},"fora":["tls@ietf.org"],"reason":"tone"}"#;
    ok(
        &db.url,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            admonish,
        ],
    );
    // Without the snapshot the whole log is replayed, and the bad event is named.
    db.sql("DELETE FROM snapshots");
    let printed = fails(
        &db.url,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            admonish,
        ],
    );
    assert!(printed.contains("event 2 cannot be read"), "{printed}");
}

#[test]
fn serve_answers_postfix_policy_requests_from_the_log() {
    policy_requests_follow_the_log(&TestDb::sqlite());
}

#[test]
fn serve_on_postgres_enforces_an_action_recorded_by_another_process() {
    policy_requests_follow_the_log(&TestDb::postgres());
}

fn policy_requests_follow_the_log(db: &TestDb) {
    example_log(db);
    let chair = ["run", "--as", "tls-chair-1", "--capacity", "administrator"];
    let suspend = r#"{"command":"take_action","subject":{"person":"bob"},"measure":{"type":"temporary_suspension"},"fora":["tls@ietf.org"],"ends_at":"2099-03-22T10:00:00Z","reason":"sealioning after two warnings"}"#;
    ok(&db.url, &[&chair[..], &[suspend]].concat());
    let (_server, _, policy) = serve_policy(&db.url);
    let reply = policy_request(&policy, "bob@example.org", "tls@ietf.org");
    assert!(reply.starts_with("action=REJECT "), "{reply}");
    assert!(reply.contains("2099-03-22"), "{reply}");
    assert_eq!(
        policy_request(&policy, "carol@example.org", "tls@ietf.org"),
        "action=DUNNO\n\n"
    );

    // An action recorded by another process while serving is enforced within
    // about a second, without a restart.
    let carol = suspend.replace(r#""person":"bob""#, r#""person":"carol""#);
    ok(&db.url, &[&chair[..], &[carol.as_str()]].concat());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let reply = policy_request(&policy, "carol@example.org", "tls@ietf.org");
        if reply.starts_with("action=REJECT ") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{reply}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Two `modpod serve` on one log, as two nodes behind a load balancer: an
/// action recorded through one node's HTTP API is enforced by the other's
/// policy server within a second (ACT-8), told by the store's watch rather
/// than found by polling.
fn two_nodes_enforce_each_others_actions(db: &TestDb) {
    example_log(db);
    ok(
        &db.url,
        &["account", "create", "--person", "tls-chair-1", "chair1"],
    );
    let token = ok(
        &db.url,
        &["token", "create", "--account", "chair1", "--scope", "act"],
    );
    let token = token.trim();
    let (_a, a_http, _) = serve_policy(&db.url);
    let (_b, _, b_policy) = serve_policy(&db.url);
    assert_eq!(
        policy_request(&b_policy, "carol@example.org", "tls@ietf.org"),
        "action=DUNNO\n\n"
    );

    let suspend = r#"{"as":"administrator","command":{"command":"take_action","subject":{"person":"carol"},"measure":{"type":"indefinite_suspension"},"fora":["tls@ietf.org"],"reason":"threats"}}"#;
    let mut response = ureq::post(format!("http://{a_http}/v1/commands"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(suspend)
        .unwrap();
    let recorded = std::time::Instant::now();
    assert_eq!(
        response.status().as_u16(),
        201,
        "{}",
        response.body_mut().read_to_string().unwrap()
    );
    loop {
        let reply = policy_request(&b_policy, "carol@example.org", "tls@ietf.org");
        if reply.starts_with("action=REJECT ") {
            break;
        }
        assert!(
            recorded.elapsed() < std::time::Duration::from_secs(1),
            "node b still answers {reply:?} a second after node a recorded the suspension"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    println!("enforced by the other node after {:?}", recorded.elapsed());
}

#[test]
fn two_serve_processes_on_postgres_enforce_each_others_actions_within_a_second() {
    two_nodes_enforce_each_others_actions(&TestDb::postgres());
}

#[test]
fn two_serve_processes_on_sqlite_enforce_each_others_actions_within_a_second() {
    two_nodes_enforce_each_others_actions(&TestDb::sqlite());
}

#[test]
fn a_configuration_file_sets_what_the_command_line_and_environment_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("modpod.toml");
    let db = dir.path().join("configured.db");
    std::fs::write(
        &config,
        format!(
            "db = \"sqlite:{}\"\nlisten = \"127.0.0.1:1\"\npolicy_listen = \"127.0.0.1:0\"\npolicy_fail_closed = true\n",
            db.display()
        ),
    )
    .unwrap();
    // The file names the database and the policy listener; the command line's
    // --listen wins over the file's.
    let server = Serve::after(
        &["--config", config.to_str().unwrap()],
        &["--listen", "127.0.0.1:0"],
    )
    .start();
    let printed = server.printed.clone();
    assert!(
        printed.contains("policy server listening on 127.0.0.1:"),
        "{printed}"
    );
    assert!(printed.contains("configured.db"), "{printed}");
    assert!(!printed.contains("127.0.0.1:1 "), "{printed}");
    drop(server);

    // A setting the command does not have is refused, naming the ones it has.
    std::fs::write(&config, "listn = \"127.0.0.1:0\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_modpod"))
        .args(["--config", config.to_str().unwrap(), "verify"])
        .output()
        .unwrap();
    let said = text(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("\"listn\"") && said.contains("db"), "{said}");
    std::fs::write(&config, "listen = [1, 2]\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_modpod"))
        .args(["--config", config.to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("must be a string"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn oidc_login_is_configured_from_file_environment_and_command_line_and_a_provider_down_stops_nothing()
 {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("modpod.toml");
    let db = TestDb::sqlite();
    // A loopback port with no provider on it.
    let down = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        &config,
        format!(
            "oidc_issuer = \"http://127.0.0.1:{down}\"\noidc_client_id = \"modpod\"\n\
             oidc_provider_name = \"From The File\"\npublic_url = \"https://file.example\"\n"
        ),
    )
    .unwrap();
    // The secret and the name from the environment, the public URL from the
    // command line: each wins over the file.
    let server = Serve::after(
        &["--config", config.to_str().unwrap()],
        &[
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "https://modpod.example",
        ],
    )
    .env("MODPOD_DB", &db.url)
    .env("MODPOD_OIDC_CLIENT_SECRET", "s3cret")
    .env("MODPOD_OIDC_PROVIDER_NAME", "Test Datatracker")
    .env("MODPOD_LOG", "error")
    .start();
    let printed = server.printed.clone();
    let addr = server.url.trim_start_matches("http://").to_owned();
    assert!(
        printed.contains(
            "login with Test Datatracker through OpenID Connect; its redirect URI is \
             https://modpod.example/login/oidc/callback"
        ),
        "{printed}"
    );
    assert!(!printed.contains("s3cret"), "{printed}");
    let (status, page) = get(&format!("http://{addr}/login"));
    assert_eq!(status, 200);
    assert!(
        page.contains("Logging in with Test Datatracker is unavailable just now"),
        "{page}"
    );
    let answer = ureq::get(&format!("http://{addr}/login/oidc"))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 503);
    drop(server);

    // Half a configuration is refused before anything is recorded.
    let empty = TestDb::sqlite();
    let said = fails(
        &empty.url,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--oidc-issuer",
            "https://auth.example",
        ],
    );
    assert!(
        said.contains("--oidc-client-id, --oidc-client-secret, --public-url"),
        "{said}"
    );
    let said = fails(
        &empty.url,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--oidc-issuer",
            "https://auth.example",
            "--oidc-client-id",
            "c",
            "--oidc-client-secret",
            "s",
            "--public-url",
            "modpod.example",
        ],
    );
    assert!(
        said.contains("\"modpod.example\" is not an http(s) URL"),
        "{said}"
    );
    let file = empty.url.strip_prefix("sqlite:").unwrap();
    assert!(
        !std::path::Path::new(file).exists(),
        "no database was even opened"
    );
}

/// The status of a login at `base` with `X-Forwarded-For: forwarded`.
fn log_in_forwarded(base: &str, forwarded: &str, account: &str, password: &str) -> u16 {
    ureq::post(format!("{base}/v1/login"))
        .config()
        .http_status_as_error(false)
        .build()
        .header("Content-Type", "application/json")
        .header("X-Forwarded-For", forwarded)
        .send(serde_json::json!({"account": account, "password": password}).to_string())
        .unwrap()
        .status()
        .as_u16()
}

/// `trusted_proxy` in the configuration file (or `--trusted-proxy`, or
/// `MODPOD_TRUSTED_PROXIES`): behind that proxy, each client's failed logins
/// hold up that client only.
#[test]
fn serve_believes_x_forwarded_for_from_its_trusted_proxies_only() {
    let db = TestDb::sqlite();
    example_log(&db);
    let password = account(&db.url, "bob");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("modpod.toml");
    std::fs::write(&config, "trusted_proxy = \"127.0.0.1, 10.0.0.0/8\"\n").unwrap();
    let server = Serve::after(
        &["--config", config.to_str().unwrap()],
        &["--listen", "127.0.0.1:0"],
    )
    .env("MODPOD_DB", &db.url)
    .start();
    assert!(
        server
            .printed
            .contains("believing X-Forwarded-For from 127.0.0.1/32, 10.0.0.0/8"),
        "{}",
        server.printed
    );
    for _ in 0..5 {
        assert_eq!(
            log_in_forwarded(&server.url, "192.0.2.1", "bob", "guess"),
            401
        );
    }
    assert_eq!(
        log_in_forwarded(&server.url, "192.0.2.1", "bob", &password),
        429
    );
    assert_eq!(
        log_in_forwarded(&server.url, "198.51.100.7", "bob", &password),
        200
    );
    drop(server);

    // Without it the header is not believed: one client, whatever it writes.
    let server = Serve::new(&db.url, &["--listen", "127.0.0.1:0"]).start();
    for i in 0..5 {
        let forged = format!("203.0.113.{i}");
        assert_eq!(log_in_forwarded(&server.url, &forged, "bob", "guess"), 401);
    }
    assert_eq!(
        log_in_forwarded(&server.url, "198.51.100.7", "bob", &password),
        429
    );
    drop(server);

    let said = fails(
        &db.url,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--trusted-proxy",
            "proxy.example",
        ],
    );
    assert!(
        said.contains("\"proxy.example\" is not an IP address or network"),
        "{said}"
    );
}

/// `modpod evidence check` against an archive on 127.0.0.1 (EVIDENCE-1):
/// a link never fetched is fetched for the first time, then each check
/// says unchanged, changed or gone, and exits 2 for the last two.
#[test]
fn evidence_1_modpod_evidence_check_says_unchanged_changed_then_gone() {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use std::sync::{Arc, Mutex};
    let message: Arc<Mutex<Option<&'static str>>> = Arc::new(Mutex::new(Some("hello")));
    let archive = {
        let message = message.clone();
        axum::Router::new().route(
            "/msg",
            axum::routing::get(move || {
                let now = *message.lock().unwrap();
                async move {
                    match now {
                        Some(text) => text.into_response(),
                        None => StatusCode::NOT_FOUND.into_response(),
                    }
                }
            }),
        )
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/msg", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, archive).await
        })
    });

    let db = TestDb::sqlite();
    example_log(&db);
    let chair = ["run", "--as", "tls-chair-1", "--capacity", "administrator"];
    let take = format!(
        r#"{{"command":"take_action","subject":{{"person":"bob"}},"measure":{{"type":"private_admonishment"}},"fora":["tls@ietf.org"],"reason":"tone","evidence":[{{"url":"{url}"}}]}}"#
    );
    ok(&db.url, &[&chair[..], &[take.as_str()]].concat());

    let check = |expected: i32| {
        let out = modpod(&db.url, &["evidence", "check", "--action", "1"]);
        assert_eq!(out.status.code(), Some(expected), "{out:?}");
        text(&out.stdout)
    };
    let said = check(0);
    assert!(
        said.contains(&format!(
            "action #1 {url}: fetched for the first time: 5 bytes, SHA-256 \
             2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        )),
        "{said}"
    );
    let said = check(0);
    assert!(
        said.contains(&format!("action #1 {url}: unchanged")),
        "{said}"
    );
    *message.lock().unwrap() = Some("hello, edited");
    let said = check(2);
    assert!(said.contains("CHANGED: now 13 bytes"), "{said}");
    *message.lock().unwrap() = None;
    let said = check(2);
    assert!(said.contains("GONE (HTTP 404)"), "{said}");
    let count = |kind: &str| {
        db.query_i64(&format!(
            "SELECT count(*) FROM events WHERE kind = '{kind}'"
        ))
    };
    assert_eq!(count("evidence_retrieved"), 1);
    assert_eq!(count("evidence_checked"), 3);

    let said = fails(&db.url, &["evidence", "check", "--action", "9"]);
    assert!(said.contains("there is no action #9"), "{said}");
}

#[test]
fn account_reset_link_prints_a_one_time_link_and_only_the_newest_works() {
    let db = TestDb::sqlite();
    example_log(&db);
    ok(
        &db.url,
        &["account", "create", "--person", "tls-chair-1", "chair1"],
    );
    let before = events(&db);
    let printed = ok(
        &db.url,
        &[
            "account",
            "reset-link",
            "--email",
            "Alice@Example.org",
            "--public-url",
            "https://modpod.example/",
        ],
    );
    let first = printed
        .trim()
        .strip_prefix("https://modpod.example/reset/")
        .unwrap_or_else(|| panic!("not a link: {printed:?}"))
        .to_owned();
    assert_eq!(first.len(), 43, "32 random bytes, base64url");
    let printed = ok(
        &db.url,
        &[
            "account",
            "reset-link",
            "--account",
            "chair1",
            "--hours",
            "2",
        ],
    );
    let second = printed.trim().strip_prefix("/reset/").unwrap().to_owned();

    let now = jiff::Timestamp::now();
    let mut engine = modpod_server::Engine::open(db.open(), &mut |_| {}).unwrap();
    let valid = |engine: &mut modpod_server::Engine, token: &str, at: jiff::Timestamp| {
        let state = engine.state().clone();
        modpod_server::passwords::valid_reset(&state, engine.store(), token, at)
            .unwrap()
            .map(|(account, _)| account.name)
    };
    assert_eq!(
        valid(&mut engine, &first, now),
        None,
        "replaced by the newer"
    );
    assert_eq!(valid(&mut engine, &second, now).as_deref(), Some("chair1"));
    let later = now + jiff::SignedDuration::from_hours(3);
    assert_eq!(valid(&mut engine, &second, later), None, "--hours 2");
    drop(engine);
    assert_eq!(
        db.query_i64("SELECT count(*) FROM password_resets"),
        1,
        "only the newest is kept"
    );

    for (args, says) in [
        (&["--account", "nobody"][..], "no account named \"nobody\""),
        (
            &["--email", "nobody@example.org"][..],
            "nobody has the email address",
        ),
        (&["--email", "not an address"][..], "not an email address"),
        (
            &["--account", "chair1", "--hours", "0"][..],
            "1 to 720 hours",
        ),
        (&["--account", "chair1", "--hours", "many"][..], "--hours"),
        (&[][..], "--account"),
    ] {
        let all = [&["account", "reset-link"][..], args].concat();
        let said = fails(&db.url, &all);
        assert!(said.contains(says), "{args:?}: {said}");
    }
    assert_eq!(events(&db), before, "nothing in the log");
}
