//! `modpod` run with the real GNU Mailman that `scripts/test` starts in its
//! environment, and the example installation with a list of the test's own.

use modpod_testkit::TestDb;
use modpod_testkit::mailman::{Mailman, TestList};
use std::process::{Command, Output, Stdio};

/// Runs modpod with the log and Mailman in its environment.
pub fn modpod(db: &str, mailman: &Mailman, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modpod"))
        .args(args)
        .env("MODPOD_DB", db)
        .env("MODPOD_LOG", "warn")
        .env("MODPOD_MAILMAN_URL", &mailman.url)
        .env("MODPOD_MAILMAN_USER", &mailman.user)
        .env("MODPOD_MAILMAN_PASSWORD", &mailman.password)
        .stdin(Stdio::null())
        .output()
        .expect("cannot run modpod")
}

/// Runs modpod and returns its exit code and what it printed.
pub fn run(db: &str, mailman: &Mailman, args: &[&str]) -> (i32, String) {
    let out = modpod(db, mailman, args);
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !printed.contains("panicked"),
        "{args:?} panicked:\n{printed}"
    );
    (out.status.code().unwrap_or(-1), printed)
}

pub fn ok(db: &str, mailman: &Mailman, args: &[&str]) -> String {
    let (code, printed) = run(db, mailman, args);
    assert_eq!(code, 0, "modpod {args:?} failed:\n{printed}");
    printed
}

/// The example installation plus a list of the test's own as a forum,
/// administered by the tls chairs.
pub fn example_with_list(db: &TestDb, mailman: &Mailman) -> TestList {
    let list = mailman.new_list();
    let boot = [
        "run",
        "--as",
        "admin",
        "--capacity",
        "operator",
        super::BOOTSTRAP,
    ];
    ok(&db.url, mailman, &boot);
    ok(&db.url, mailman, &["setup", super::EXAMPLE]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("list.toml");
    std::fs::write(
        &file,
        format!(
            "[[fora]]\nid = \"{}\"\nname = \"A TLS list\"\nkind = \"mailing-list\"\n\
             organisation = \"ietf\"\npublic = true\nwg = \"tls\"\n",
            list.address
        ),
    )
    .unwrap();
    ok(&db.url, mailman, &["setup", file.to_str().unwrap()]);
    list
}
