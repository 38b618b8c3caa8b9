//! `modpod enforce reconcile` and `modpod serve --mailman-url`, run as a user
//! runs them, against the real GNU Mailman 3 that `scripts/test` starts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::mailman::{ok, run};
use modpod_testkit::TestDb;
use modpod_testkit::mailman::{Mailman, Outcome, TestList};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHAIR: [&str; 5] = ["run", "--as", "tls-chair-1", "--capacity", "administrator"];

/// The example installation plus a list of the test's own, administered by
/// the tls chairs; bob (bob@example.org, bob+lists@example.org) and carol
/// are subscribed.
fn example_with_list(db: &TestDb, mailman: &Mailman) -> TestList {
    let list = common::mailman::example_with_list(db, mailman);
    list.subscribe("bob@example.org");
    list.subscribe("carol@example.org");
    list
}

fn suspend_bob(db: &TestDb, mailman: &Mailman, list: &TestList) {
    let suspend = format!(
        r#"{{"command":"take_action","subject":{{"person":"bob"}},"measure":{{"type":"indefinite_suspension"}},"fora":["{}"],"reason":"sealioning after two warnings"}}"#,
        list.address
    );
    ok(
        &db.url,
        mailman,
        &[&CHAIR[..], &[suspend.as_str()]].concat(),
    );
}

#[test]
fn enforce_reconcile_bans_prints_each_change_and_is_idempotent() {
    let (db, mailman) = (TestDb::sqlite(), Mailman::from_env());
    let list = example_with_list(&db, &mailman);
    suspend_bob(&db, &mailman, &list);
    let reconcile = ["enforce", "reconcile"];

    let plan = ok(&db.url, &mailman, &["enforce", "reconcile", "--dry-run"]);
    assert!(
        plan.contains(&format!(
            "{}: would ban bob@example.org (action #1)",
            list.id
        )),
        "{plan}"
    );
    assert!(!list.banned("bob@example.org"), "a dry run changed Mailman");

    let printed = ok(&db.url, &mailman, &reconcile);
    for email in ["bob@example.org", "bob+lists@example.org"] {
        assert!(
            printed.contains(&format!("{}: banned {email} (action #1)", list.id)),
            "{printed}"
        );
        assert!(list.banned(email));
    }
    // Two addresses, and a pattern for the +tag variants of each.
    assert!(printed.contains("4 changes made"), "{printed}");
    assert_eq!(list.post_and_see("bob@example.org"), Outcome::Discarded);
    assert_eq!(list.post_and_see("carol@example.org"), Outcome::Accepted);

    let again = ok(&db.url, &mailman, &reconcile);
    assert!(again.contains("0 changes made, 0 drift found"), "{again}");

    // An administrator lifts a ban by hand: reported, and (by default) re-applied.
    list.unban_by_hand("bob@example.org");
    let (code, printed) = run(
        &db.url,
        &mailman,
        &["enforce", "reconcile", "--mailman-drift", "record"],
    );
    assert_eq!(code, 2, "drift left in place: {printed}");
    assert!(
        printed.contains(&format!(
            "drift: {}: the ban of bob@example.org (action #1) was removed by hand; left as it is",
            list.id
        )),
        "{printed}"
    );
    assert!(!list.banned("bob@example.org"));
    let printed = ok(&db.url, &mailman, &reconcile);
    assert!(printed.contains("re-applied"), "{printed}");
    assert!(list.banned("bob@example.org"));
}

#[test]
fn enforce_reconcile_says_so_when_mailman_is_unreachable() {
    let (db, mailman) = (TestDb::sqlite(), Mailman::from_env());
    let list = example_with_list(&db, &mailman);
    suspend_bob(&db, &mailman, &list);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{closed}");
    let (code, printed) = run(
        &db.url,
        &mailman,
        &["enforce", "reconcile", "--mailman-url", &url],
    );
    assert_eq!(code, 1, "{printed}");
    assert!(
        printed.contains(&format!("cannot reach Mailman at {url}/3.1")),
        "{printed}"
    );
    assert!(!list.banned("bob@example.org"));
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_enforces_on_mailman_an_action_recorded_by_another_process() {
    serve_follows_the_log_onto_mailman(&TestDb::sqlite());
}

#[test]
fn serve_on_postgres_enforces_on_mailman_and_stops_cleanly() {
    serve_follows_the_log_onto_mailman(&TestDb::postgres());
}

/// `modpod serve --mailman-url` bans within seconds a person suspended by
/// another process, and stops cleanly on SIGTERM.
fn serve_follows_the_log_onto_mailman(db: &TestDb) {
    let mailman = Mailman::from_env();
    let list = example_with_list(db, &mailman);
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_modpod"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("MODPOD_DB", &db.url)
            .env("MODPOD_LOG", "warn")
            .env("MODPOD_MAILMAN_URL", &mailman.url)
            .env("MODPOD_MAILMAN_USER", &mailman.user)
            .env("MODPOD_MAILMAN_PASSWORD", &mailman.password)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start modpod serve"),
    );
    let mut stdout = BufReader::new(server.0.stdout.take().unwrap());
    let mut printed = String::new();
    while !printed.contains("modpod listening on") {
        assert!(
            stdout.read_line(&mut printed).unwrap() > 0,
            "serve stopped:\n{printed}"
        );
    }
    assert!(
        printed.contains(&format!(
            "enforcing actions on Mailman at {}/3.1",
            mailman.url
        )),
        "{printed}"
    );
    suspend_bob(db, &mailman, &list);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !list.banned("bob@example.org") {
        assert!(Instant::now() < deadline, "serve did not ban bob");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(list.post_and_see("bob@example.org"), Outcome::Discarded);

    let pid = server.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    stdout.read_to_string(&mut printed).unwrap();
    let mut stderr = String::new();
    server
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(server.0.wait().unwrap().success(), "{printed}{stderr}");
    assert!(printed.contains("modpod stopped"), "{printed}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
