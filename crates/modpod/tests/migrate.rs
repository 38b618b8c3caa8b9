//! `modpod migrate` (MIGRATE-1), run as an operator runs it: a real GNU
//! Mailman's bans and held members imported, then enforced as they were by
//! the Postfix policy server and the Mailman adapter; suspensions imposed
//! under an earlier process from a TOML and a CSV file. All or nothing, and
//! each run can be repeated.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::mailman::{example_with_list as installed, ok, run as modpod};
use common::{policy_request, serve_policy};
use modpod_testkit::TestDb;
use modpod_testkit::mailman::Mailman;

/// The events in the log, as `modpod export` writes them.
fn events(db: &str, mailman: &Mailman) -> Vec<serde_json::Value> {
    ok(db, mailman, &["export"])
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn migrate_1_a_mailman_s_bans_and_held_members_are_imported_once_and_enforced_as_they_were() {
    let mailman = Mailman::from_env();
    let db = TestDb::sqlite();
    let list = installed(&db, &mailman);
    // What the list's administrators did by hand before modpod.
    let (banned, held, rejected) = (
        "spammer@example.net",
        "heated@example.org",
        "noisy@example.org",
    );
    list.ban_by_hand(banned);
    list.ban_by_hand(r"^spammer\+.*@example\.net$");
    list.ban_by_hand(r"^.*@junk\.example$");
    for member in [held, rejected, "carol@example.org"] {
        list.subscribe(member);
    }
    list.moderate_by_hand(held, "hold");
    list.moderate_by_hand(rejected, "reject");
    let before = events(&db.url, &mailman).len();

    // A dry run says what it would import and records nothing.
    let printed = ok(&db.url, &mailman, &["migrate", "mailman", "--dry-run"]);
    assert!(
        printed.contains(&format!("would import the ban of {banned} on {}", list.id)),
        "{printed}"
    );
    assert!(
        printed.contains("2 to import, 0 imported before, 2 not importable"),
        "{printed}"
    );
    assert_eq!(events(&db.url, &mailman).len(), before);

    let printed = ok(&db.url, &mailman, &["migrate", "mailman"]);
    assert!(
        printed.contains("2 imported, 0 imported before"),
        "{printed}"
    );
    // What names no one, or is not a ban nor a hold, is reported and left.
    assert!(
        printed.contains(r"the ban pattern ^.*@junk\.example$"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("{rejected} on {}: Mailman rejects", list.id)),
        "{printed}"
    );
    let recorded = events(&db.url, &mailman);
    let imported: Vec<&serde_json::Value> = recorded[before..]
        .iter()
        .filter(|e| e["kind"] == "action_taken")
        .map(|e| &e["payload"]["action"])
        .collect();
    assert_eq!(imported.len(), 2, "{recorded:#?}");
    let measures: Vec<&str> = imported
        .iter()
        .map(|a| a["terms"]["measure"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(measures, ["indefinite_suspension", "review_and_approval"]);
    for action in &imported {
        assert_eq!(action["terms"]["fora"][0], list.address.as_str());
        assert_eq!(action["taken_by"], "admin");
        let from = action["imported"]["from"].as_str().unwrap();
        assert!(
            from.starts_with("Mailman at ") && from.contains(&list.id),
            "{from}"
        );
    }
    // Never told: the people did not learn of modpod from an import.
    assert!(
        !recorded[before..]
            .iter()
            .any(|e| e["kind"] == "notification_owed"),
        "{recorded:#?}"
    );

    // Again: nothing new.
    let printed = ok(&db.url, &mailman, &["migrate", "mailman"]);
    assert!(
        printed.contains("0 imported, 2 imported before"),
        "{printed}"
    );
    assert_eq!(events(&db.url, &mailman).len(), recorded.len());

    // The Postfix policy server agrees with what Mailman had, at once.
    let (mut server, _, addr) = serve_policy(&db.url);
    assert!(
        policy_request(&addr, banned, &list.address).starts_with("action=REJECT "),
        "a banned address"
    );
    assert!(
        policy_request(&addr, held, &list.address).starts_with("action=HOLD"),
        "a held member"
    );
    assert_eq!(
        policy_request(&addr, "carol@example.org", &list.address),
        "action=DUNNO\n\n"
    );
    server.kill();
    // So does the Mailman adapter: nothing to change, and what it now
    // holds as applied is lifted with the action.
    let printed = ok(
        &db.url,
        &mailman,
        &["enforce", "reconcile", "--forum", &list.address],
    );
    assert!(printed.contains(" 0 changes made"), "{printed}");
    assert!(list.banned(banned) && list.banned(r"^spammer\+.*@example\.net$"));
    let ban = imported[0]["id"].as_u64().unwrap().to_string();
    let rescind = format!(
        r#"{{"command":"rescind_action","action":{ban},"reason":"an old ban, no longer needed"}}"#
    );
    ok(
        &db.url,
        &mailman,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            &rescind,
        ],
    );
    let printed = ok(
        &db.url,
        &mailman,
        &["enforce", "reconcile", "--forum", &list.address],
    );
    assert!(!list.banned(banned), "{printed}");
    assert!(!list.banned(r"^spammer\+.*@example\.net$"), "{printed}");
    // What modpod did not import stays as the administrators left it.
    assert!(list.banned(r"^.*@junk\.example$"));
    assert_eq!(list.moderation(rejected), Some(Some("reject".into())));
    assert_eq!(list.moderation(held), Some(Some("hold".into())));
}

#[test]
fn migrate_1_legacy_suspensions_come_from_a_file_all_or_nothing_and_once() {
    let mailman = Mailman::from_env();
    let db = TestDb::sqlite();
    installed(&db, &mailman);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("legacy.toml");
    let good = r#"
[[action]]
person = "jdoe"
name = "J. Doe"
addresses = ["jdoe@example.org", "j.doe@example.com"]
fora = ["ietf@ietf.org"]
imposed_at = "2012-05-01T00:00:00Z"
process = "RFC 3683"
reference = "https://datatracker.ietf.org/doc/example-pr-action/"
"#;
    // A row the policy refuses (after the policy took effect) stops the
    // whole file.
    let late = r#"
[[action]]
person = "late"
addresses = ["late@example.org"]
fora = ["ietf@ietf.org"]
imposed_at = "2030-01-01T00:00:00Z"
process = "RFC 3683"
reference = "https://example.org/late"
"#;
    std::fs::write(&file, format!("{good}{late}")).unwrap();
    let before = events(&db.url, &mailman).len();
    let (code, printed) = modpod(
        &db.url,
        &mailman,
        &["migrate", "legacy", file.to_str().unwrap()],
    );
    assert_ne!(code, 0, "{printed}");
    assert!(printed.contains("action 2"), "{printed}");
    assert!(
        printed.contains("only a suspension imposed before this policy took effect"),
        "{printed}"
    );
    assert!(printed.contains("nothing was imported"), "{printed}");
    assert_eq!(events(&db.url, &mailman).len(), before);

    std::fs::write(&file, good).unwrap();
    let printed = ok(
        &db.url,
        &mailman,
        &["migrate", "legacy", file.to_str().unwrap()],
    );
    assert!(
        printed.contains("1 imported, 0 imported before"),
        "{printed}"
    );
    let recorded = events(&db.url, &mailman);
    let legacy = recorded
        .iter()
        .rev()
        .find(|e| e["kind"] == "action_taken")
        .map(|e| &e["payload"]["action"])
        .unwrap();
    assert_eq!(legacy["subject"], "jdoe");
    assert_eq!(legacy["legacy"]["process"], "RFC 3683");
    assert_eq!(legacy["terms"]["starts_at"], "2012-05-01T00:00:00Z");
    let linked = recorded[before..]
        .iter()
        .filter(|e| e["kind"] == "identity_linked")
        .count();
    assert_eq!(linked, 2, "{recorded:#?}");

    // Again, and the same from CSV: nothing new.
    let printed = ok(
        &db.url,
        &mailman,
        &["migrate", "legacy", file.to_str().unwrap()],
    );
    assert!(
        printed.contains("0 imported, 1 imported before"),
        "{printed}"
    );
    let csv = dir.path().join("legacy.csv");
    std::fs::write(
        &csv,
        "person,name,addresses,fora,imposed_at,process,reference\n\
         jdoe,J. Doe,jdoe@example.org j.doe@example.com,ietf@ietf.org,2012-05-01T00:00:00Z,RFC 3683,https://datatracker.ietf.org/doc/example-pr-action/\n\
         asmith,A. Smith,asmith@example.org,ietf@ietf.org,2009-02-01T00:00:00Z,RFC 3683,https://example.org/pr-2\n",
    )
    .unwrap();
    let printed = ok(
        &db.url,
        &mailman,
        &["migrate", "legacy", csv.to_str().unwrap()],
    );
    assert!(
        printed.contains("1 imported, 1 imported before"),
        "{printed}"
    );
    // A malformed row names its line and field.
    std::fs::write(
        &csv,
        "person,name,addresses,fora,imposed_at,process,reference\n\
         bjones,,bj@example.org,ietf@ietf.org,last spring,RFC 3683,https://example.org/pr-3\n",
    )
    .unwrap();
    let (code, printed) = modpod(
        &db.url,
        &mailman,
        &["migrate", "legacy", csv.to_str().unwrap()],
    );
    assert_ne!(code, 0);
    assert!(
        printed.contains("line 2: imposed_at must be an RFC 3339 time"),
        "{printed}"
    );
}
