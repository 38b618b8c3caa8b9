//! `modpod backup` and `modpod restore`, run as an operator runs them: a
//! SQLite log copied while commands are being recorded, the copy verified,
//! and put back only where no log is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{installed, ok, run};
use modpod_testkit::TestDb;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A chair's admonishment of bob, one more event each time.
const ADMONISH: &str = r#"{"command":"take_action","subject":{"person":"bob"},"measure":{"type":"private_admonishment"},"fora":["tls@ietf.org"],"reason":"a personal attack in the thread"}"#;

fn head(printed: &str) -> String {
    printed
        .split("head ")
        .nth(1)
        .and_then(|rest| rest.split([',', ' ', '\n']).next())
        .unwrap_or_else(|| panic!("no head in {printed:?}"))
        .to_owned()
}

fn failed(db: &str, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(!out.status.success(), "modpod {args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_backup_taken_while_commands_are_recorded_verifies_and_restores_where_no_log_is() {
    let db = TestDb::sqlite();
    installed(&db.url);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("modpod-backup.db");
    let chair = [
        "run",
        "--as",
        "tls-chair-1",
        "--capacity",
        "administrator",
        ADMONISH,
    ];

    // Actions keep being recorded while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.url.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) || n < 3 {
                ok(&db, &chair);
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let printed = ok(&db.url, &["backup", copy.to_str().unwrap()]);
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written >= 3);
    assert!(printed.contains("verified"), "{printed}");
    let backed_up = head(&printed);

    // The copy is a log of its own: it verifies, with the head it was taken at.
    let copy_url = format!("sqlite:{}", copy.display());
    let verified = ok(&copy_url, &["verify"]);
    assert!(verified.starts_with("ok: "), "{verified}");
    assert_eq!(head(&verified), backed_up);
    // The live log went on.
    assert_ne!(head(&ok(&db.url, &["verify"])), backed_up);

    // Never over a file, nor over a log.
    let again = failed(&db.url, &["backup", copy.to_str().unwrap()]);
    assert!(again.contains("exists already"), "{again}");
    let over = failed(&db.url, &["restore", copy.to_str().unwrap()]);
    assert!(over.contains("exists already"), "{over}");

    // Restored where no log is, it is the log the backup holds.
    let restored = dir.path().join("restored.db");
    let restored_url = format!("sqlite:{}", restored.display());
    let printed = ok(&restored_url, &["restore", copy.to_str().unwrap()]);
    assert_eq!(head(&printed), backed_up, "{printed}");
    assert_eq!(head(&ok(&restored_url, &["verify"])), backed_up);
    // And modpod works on it: another action is recorded.
    ok(&restored_url, &chair);
}

#[test]
fn a_broken_or_missing_backup_is_never_restored_and_postgres_is_told_its_tools() {
    let dir = tempfile::tempdir().unwrap();
    let target = format!("sqlite:{}", dir.path().join("new.db").display());
    let missing = failed(&target, &["restore", "/nonexistent/backup.db"]);
    assert!(missing.contains("no backup at"), "{missing}");
    // A file that is not a modpod log.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database at all, just some text").unwrap();
    let refused = failed(&target, &["restore", junk.to_str().unwrap()]);
    assert!(refused.contains("cannot be restored"), "{refused}");
    assert!(!dir.path().join("new.db").exists());
    // Nothing to back up.
    let nothing = failed(
        &target,
        &["backup", dir.path().join("b.db").to_str().unwrap()],
    );
    assert!(nothing.contains("no log at"), "{nothing}");
    // PostgreSQL: its own tools, named with the log's address.
    let pg = "postgres://postgres@127.0.0.1:1/modpod";
    for args in [["backup", "/tmp/x.dump"], ["restore", "/tmp/x.dump"]] {
        let said = failed(pg, &args);
        assert!(said.contains("pg_dump") && said.contains(pg), "{said}");
    }
}
