//! The public transparency log (AUDIT-2), as an operator runs it and as
//! anybody checks it: `modpod serve` publishes signed checkpoints and tiles,
//! `modpod audit` checks them from the public URL or a copy of the files,
//! a notice's receipt proves its event is on the record, and a log rewritten
//! with every hash recomputed (or with an action deleted) is caught against
//! what was published before, on SQLite and on PostgreSQL. A witness
//! (`modpod witness`) cosigns only checkpoints that extend what it saw.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{EXAMPLE, Serve, Server, installed, ok, run};
use modpod_store::{NewEvent, StoredEvent};
use modpod_testkit::TestDb;
use modpod_testkit::smtp::SmtpSink;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SUSPEND: &str = r#"{"command":"take_action","subject":{"person":"bob"},"measure":{"type":"temporary_suspension"},"fora":["tls@ietf.org"],"ends_at":"2099-03-22T10:00:00Z","reason":"sealioning after two warnings"}"#;

fn suspend_bob(db: &str) {
    ok(
        db,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            SUSPEND,
        ],
    );
}

/// The public and private directories of one deployment's transparency log.
struct Audit {
    _dir: tempfile::TempDir,
    public: PathBuf,
    keys: PathBuf,
}

impl Audit {
    fn new() -> Audit {
        let dir = tempfile::tempdir().unwrap();
        let (public, keys) = (dir.path().join("public"), dir.path().join("keys"));
        Audit {
            _dir: dir,
            public,
            keys,
        }
    }

    /// Another public directory, with the same keys.
    fn fresh_public(&self, name: &str) -> Audit {
        let dir = tempfile::tempdir().unwrap();
        Audit {
            public: dir.path().join(name),
            _dir: dir,
            keys: self.keys.clone(),
        }
    }

    fn flags(&self) -> Vec<String> {
        vec![
            "--audit-dir".into(),
            self.public.display().to_string(),
            "--audit-keys".into(),
            self.keys.display().to_string(),
            "--audit-every".into(),
            "1".into(),
            "--audit-origin".into(),
            "modpod.test/log".into(),
        ]
    }

    fn key(&self) -> String {
        std::fs::read_to_string(self.keys.join("signing.pub"))
            .unwrap()
            .trim()
            .to_owned()
    }

    fn published_size(&self) -> u64 {
        std::fs::read_to_string(self.public.join("checkpoint"))
            .ok()
            .and_then(|c| c.lines().nth(1).and_then(|n| n.parse().ok()))
            .unwrap_or(0)
    }
}

fn serve(db: &str, audit: &Audit, more: &[&str]) -> Server {
    let flags = audit.flags();
    let mut args: Vec<&str> = vec!["--listen", "127.0.0.1:0"];
    args.extend(flags.iter().map(String::as_str));
    args.extend(more);
    Serve::new(db, &args).start()
}

/// Waits until the published checkpoint covers the whole log.
fn published(db: &TestDb, audit: &Audit) -> u64 {
    let events = db.open().head().unwrap().seq;
    let deadline = Instant::now() + Duration::from_secs(20);
    while audit.published_size() < events {
        assert!(
            Instant::now() < deadline,
            "no checkpoint of {events} events"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    events
}

/// `modpod audit ARGS`: whether it succeeded, and what it printed.
fn audit(args: &[&str]) -> (bool, String) {
    let out = run("sqlite:unused.db", &[&["audit"], args].concat());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Copies the log of `from` into the empty `to`, event by event, through
/// `edit` (which may change or drop an event): the store numbers and hashes
/// them anew, so `to` is a whole, internally consistent chain — the rewrite
/// only a published checkpoint can catch.
fn rewrite(from: &TestDb, to: &TestDb, edit: &dyn Fn(&StoredEvent) -> Option<NewEvent>) {
    let mut events = Vec::new();
    from.open()
        .scan(0, &mut |e| {
            events.push(e);
            Ok(())
        })
        .unwrap();
    let mut store = to.open();
    for event in &events {
        if let Some(new) = edit(event) {
            let head = store.head().unwrap().seq;
            store.append(head, &[new]).unwrap();
        }
    }
}

fn same(e: &StoredEvent) -> NewEvent {
    NewEvent {
        at_micros: e.at_micros,
        actor: e.actor.clone(),
        role: e.role.clone(),
        kind: e.kind.clone(),
        payload: e.payload.clone(),
    }
}

fn reworded(e: &StoredEvent) -> Option<NewEvent> {
    let mut new = same(e);
    new.payload = new.payload.replace("sealioning after two warnings", "spam");
    Some(new)
}

fn a_rewritten_log_is_caught_against_the_checkpoint_published_before(
    db: &TestDb,
    rewritten: &TestDb,
) {
    installed(&db.url);
    suspend_bob(&db.url);
    let audit_dir = Audit::new();
    let key = audit_dir.key_after_start(db);
    let kept = audit_dir.public.parent().unwrap().join("kept-checkpoint");
    let public = audit_dir.public.display().to_string();
    let (good, said) = audit(&[
        "check",
        "--log",
        &public,
        "--key",
        &key,
        "--save",
        kept.to_str().unwrap(),
    ]);
    assert!(good, "{said}");
    let size = audit_dir.published_size();
    assert!(
        said.contains(&format!(
            "checkpoint of {size} events is signed by modpod.test/log"
        )),
        "{said}"
    );
    assert!(
        ok(
            &db.url,
            &[
                "verify",
                "--audit-dir",
                &public,
                "--audit-keys",
                audit_dir.keys.to_str().unwrap()
            ]
        )
        .contains(&format!("the checkpoint of {size} events published in")),
    );

    // The whole log rewritten from the action on, every hash recomputed:
    // `modpod verify` alone finds nothing wrong with it.
    rewrite(db, rewritten, &reworded);
    let plain = ok(
        &rewritten.url,
        &[
            "verify",
            "--audit-dir",
            "/nonexistent",
            "--audit-keys",
            "/nonexistent-keys",
        ],
    );
    assert!(plain.starts_with("ok: "), "{plain}");
    // Against the published checkpoint, verify proves it rewritten...
    let out = run(
        &rewritten.url,
        &[
            "verify",
            "--audit-dir",
            &public,
            "--audit-keys",
            audit_dir.keys.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success() && text.contains("BROKEN: the log no longer matches the checkpoint"),
        "{text}"
    );
    // ...serve refuses to publish over it...
    {
        let _server = serve(&rewritten.url, &audit_dir, &[]);
        std::thread::sleep(Duration::from_secs(2));
        let (still, said) = audit(&[
            "check",
            "--log",
            &public,
            "--key",
            &key,
            "--since",
            kept.to_str().unwrap(),
        ]);
        assert!(still, "{said}");
    }
    // ...and published afresh elsewhere (the old files deleted), the
    // rewritten log's checkpoint is a proof of misbehaviour against the one
    // kept: a fork at the same size, then an inconsistent extension.
    let elsewhere = audit_dir.fresh_public("elsewhere");
    {
        let _server = serve(&rewritten.url, &elsewhere, &[]);
        published(rewritten, &elsewhere);
    }
    let other = elsewhere.public.display().to_string();
    let (good, said) = audit(&[
        "check",
        "--log",
        &other,
        "--key",
        &key,
        "--since",
        kept.to_str().unwrap(),
    ]);
    assert!(
        !good
            && said.contains(&format!(
                "proof of misbehaviour: two checkpoints of {size} events with different roots"
            )),
        "{said}"
    );
    suspend_bob_again(rewritten);
    {
        let _server = serve(&rewritten.url, &elsewhere, &[]);
        published(rewritten, &elsewhere);
    }
    let (good, said) = audit(&[
        "check",
        "--log",
        &other,
        "--key",
        &key,
        "--since",
        kept.to_str().unwrap(),
    ]);
    assert!(
        !good && said.contains(&format!("does not extend the one of {size} events")),
        "{said}"
    );

    // The honest log, grown, extends what was kept.
    suspend_bob_again(db);
    {
        let _server = serve(&db.url, &audit_dir, &[]);
        published(db, &audit_dir);
    }
    let (good, said) = audit(&[
        "check",
        "--log",
        &public,
        "--key",
        &key,
        "--since",
        kept.to_str().unwrap(),
    ]);
    assert!(
        good && said.contains(&format!("it extends the checkpoint of {size} events")),
        "{said}"
    );
}

/// Another action, so the log grows.
fn suspend_bob_again(db: &TestDb) {
    ok(
        &db.url,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            &SUSPEND.replace(r#""person":"bob""#, r#""person":"carol""#),
        ],
    );
}

impl Audit {
    /// Starts serve once so the keys and a first checkpoint exist; returns
    /// the verifier key.
    fn key_after_start(&self, db: &TestDb) -> String {
        let server = serve(&db.url, self, &[]);
        assert!(
            server
                .printed
                .contains("transparency log: created its keys"),
            "{}",
            server.printed
        );
        published(db, self);
        let key = self.key();
        assert!(server.printed.contains(&key), "{}", server.printed);
        // The key and checkpoint are served at the public URL too.
        let served = ureq::get(&format!("{}/audit/key", server.url))
            .call()
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap();
        assert_eq!(served.trim(), key);
        let (good, said) = audit(&[
            "check",
            "--log",
            &format!("{}/audit", server.url),
            "--key",
            &key,
        ]);
        assert!(good, "{said}");
        key
    }
}

#[test]
fn sqlite_a_rewritten_log_is_caught_against_the_checkpoint_published_before() {
    a_rewritten_log_is_caught_against_the_checkpoint_published_before(
        &TestDb::sqlite(),
        &TestDb::sqlite(),
    );
}

#[test]
fn postgres_a_rewritten_log_is_caught_against_the_checkpoint_published_before() {
    a_rewritten_log_is_caught_against_the_checkpoint_published_before(
        &TestDb::postgres(),
        &TestDb::postgres(),
    );
}

/// Every name and address of the example installation, and the words of
/// the action.
/// A public file as text to look for names in, lowercased: a text file
/// without its base64 (hashes, keys and signatures, whose random letters
/// may spell anything), a binary one (tiles of hashes) as it is.
fn readable(bytes: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return String::from_utf8_lossy(bytes).to_lowercase();
    };
    text.split_whitespace()
        .filter(|token| {
            let base64 = token.len() >= 16
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+/=-_".contains(c));
            !base64
        })
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn personal_data() -> Vec<String> {
    let example = std::fs::read_to_string(EXAMPLE).unwrap();
    let mut found: Vec<String> = example
        .lines()
        .filter_map(|l| {
            let (key, value) = l.split_once('=')?;
            let key = key.trim();
            (key == "name" || key == "email" || key == "id" || key == "person")
                .then(|| value.trim().trim_matches('"').to_owned())
        })
        .filter(|v| v.len() >= 3)
        .collect();
    found.push("sealioning".into());
    found.push("bob".into());
    found
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn a_notice_s_receipt_proves_its_event_is_on_the_record_until_the_action_is_deleted(
    db: &TestDb,
    rewritten: &TestDb,
) {
    installed(&db.url);
    let audit_dir = Audit::new();
    let sink = SmtpSink::start();
    let server = serve(
        &db.url,
        &audit_dir,
        &[
            "--smtp-url",
            &sink.url(),
            "--mail-from",
            "moderators@ietf.example",
        ],
    );
    suspend_bob(&db.url);
    let mails = sink.wait_for(10, Duration::from_secs(30));
    let to_bob = mails
        .iter()
        .find(|m| m.to == "bob@example.org")
        .expect("bob is told");
    assert!(to_bob.body.contains("modpod-receipt/v1"), "{}", to_bob.body);
    assert!(
        to_bob.body.contains("modpod audit receipt FILE --log "),
        "{}",
        to_bob.body
    );
    let dir = tempfile::tempdir().unwrap();
    let receipt = dir.path().join("receipt.txt");
    // The whole message, as a person would save it.
    std::fs::write(&receipt, to_bob.body.replace("\r\n", "\n")).unwrap();
    let key = audit_dir.key();
    let url = format!("{}/audit", server.url);
    let (good, said) = audit(&[
        "receipt",
        receipt.to_str().unwrap(),
        "--log",
        &url,
        "--key",
        &key,
    ]);
    assert!(good && said.contains("is on the record"), "{said}");
    // Each public announcement carries one too (NOTIFY-3: to the list).
    let to_list = mails
        .iter()
        .find(|m| m.to == "tls@ietf.org")
        .expect("the list is told");
    assert!(
        to_list.body.contains("modpod-receipt/v1"),
        "{}",
        to_list.body
    );

    // Nothing public names anyone or says what happened.
    let words = personal_data();
    for file in files_under(&audit_dir.public) {
        let bytes = std::fs::read(&file).unwrap();
        let text = readable(&bytes);
        for word in &words {
            assert!(
                !text.contains(&word.to_lowercase()),
                "{} holds {word:?}",
                file.display()
            );
        }
    }
    drop(server);

    // The action deleted (and what it owed), the rest rehashed and
    // published afresh: the receipt no longer checks out.
    rewrite(db, rewritten, &|e| {
        (!(e.kind == "action_taken" || e.kind == "notification_owed") || e.seq < 3).then(|| same(e))
    });
    let elsewhere = audit_dir.fresh_public("elsewhere");
    {
        let _server = serve(&rewritten.url, &elsewhere, &[]);
        published(rewritten, &elsewhere);
    }
    let (good, said) = audit(&[
        "receipt",
        receipt.to_str().unwrap(),
        "--log",
        elsewhere.public.to_str().unwrap(),
        "--key",
        &key,
    ]);
    assert!(!good && said.contains("FAILED"), "{said}");
}

#[test]
fn sqlite_a_notice_s_receipt_proves_its_event_is_on_the_record_until_the_action_is_deleted() {
    a_notice_s_receipt_proves_its_event_is_on_the_record_until_the_action_is_deleted(
        &TestDb::sqlite(),
        &TestDb::sqlite(),
    );
}

#[test]
fn postgres_a_notice_s_receipt_proves_its_event_is_on_the_record_until_the_action_is_deleted() {
    a_notice_s_receipt_proves_its_event_is_on_the_record_until_the_action_is_deleted(
        &TestDb::postgres(),
        &TestDb::postgres(),
    );
}

/// `modpod witness` on a free port, killed when dropped.
struct WitnessProcess {
    child: Child,
    url: String,
    key: String,
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_witness(dir: &Path, log_key: &str) -> WitnessProcess {
    use std::io::{BufRead, BufReader};
    let port = common::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_modpod"))
        .args([
            "witness",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--name",
            "witness.test",
        ])
        .arg("--key")
        .arg(dir.join("witness.key"))
        .arg("--state")
        .arg(dir.join("witness.state"))
        .args(["--log-key", log_key])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let key = lines
        .next()
        .unwrap()
        .unwrap()
        .strip_prefix("witness key: ")
        .unwrap()
        .to_owned();
    let listening = lines.next().unwrap().unwrap();
    assert!(listening.starts_with("witness listening on"), "{listening}");
    WitnessProcess {
        child,
        url: format!("http://127.0.0.1:{port}"),
        key,
    }
}

#[test]
fn a_witness_cosigns_only_checkpoints_that_extend_what_it_saw() {
    let db = TestDb::sqlite();
    installed(&db.url);
    let audit_dir = Audit::new();
    // The keys first, so the witness can be told the log's key.
    audit_dir.key_after_start(&db);
    let key = audit_dir.key();
    let witness_dir = tempfile::tempdir().unwrap();
    let witness = start_witness(witness_dir.path(), &key);
    suspend_bob(&db.url);
    {
        let _server = serve(&db.url, &audit_dir, &["--audit-witness", &witness.url]);
        published(&db, &audit_dir);
    }
    let public = audit_dir.public.to_str().unwrap();
    let (good, said) = audit(&[
        "check",
        "--log",
        public,
        "--key",
        &key,
        "--witness-key",
        &witness.key,
        "--cosignatures",
        "1",
    ]);
    assert!(good && said.contains("cosigned by witness.test"), "{said}");

    // A rewritten history of the same log: the witness refuses to cosign
    // it, so a verifier requiring its cosignature rejects it.
    let rewritten = TestDb::sqlite();
    rewrite(&db, &rewritten, &reworded);
    suspend_bob_again(&rewritten);
    let elsewhere = audit_dir.fresh_public("elsewhere");
    {
        let _server = serve(
            &rewritten.url,
            &elsewhere,
            &["--audit-witness", &witness.url],
        );
        published(&rewritten, &elsewhere);
    }
    let other = elsewhere.public.to_str().unwrap();
    let (good, said) = audit(&["check", "--log", other, "--key", &key]);
    assert!(good, "signed by the log itself: {said}");
    let (good, said) = audit(&[
        "check",
        "--log",
        other,
        "--key",
        &key,
        "--witness-key",
        &witness.key,
        "--cosignatures",
        "1",
    ]);
    assert!(
        !good && said.contains("0 valid witness cosignatures of the 1 required"),
        "{said}"
    );
}

#[test]
fn audit_names_what_is_wrong_with_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().display().to_string();
    let (good, said) = audit(&["check", "--log", &empty, "--key", "not-a-key"]);
    assert!(!good && said.contains("has no checkpoint"), "{said}");
    let receipt = dir.path().join("r.txt");
    std::fs::write(&receipt, "modpod-receipt/v1\nevent x\n\nnote").unwrap();
    let (good, said) = audit(&[
        "receipt",
        receipt.to_str().unwrap(),
        "--log",
        &empty,
        "--key",
        "k",
    ]);
    assert!(
        !good && said.contains("the receipt's event is not a number from 1"),
        "{said}"
    );
    let (good, said) = audit(&[
        "check",
        "--log",
        &empty,
        "--key",
        "k",
        "--cosignatures",
        "1",
    ]);
    assert!(
        !good && said.contains("--cosignatures 1 needs at least that many --witness-key"),
        "{said}"
    );
}
