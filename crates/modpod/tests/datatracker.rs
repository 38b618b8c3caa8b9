//! FORUM-5 end to end: `modpod sync datatracker` against a stand-in for the
//! Datatracker's API (`common::datatracker`), as an operator runs it. A sync
//! into an empty modpod makes the groups, lists, chairs, delegates and ADs;
//! a second page set with a chair change, a new working group and a
//! concluded one records exactly those changes, and reports what an operator
//! set by hand as conflicts without touching it; a sync with nothing changed
//! records nothing; bad rows are reported with their URIs and skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::datatracker::{Datatracker, Records, at_scale, bad_rows};
use common::{BOOTSTRAP, Serve, account, free_port, ok, run};
use modpod_testkit::TestDb;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The log as `modpod export` writes it: one JSON object per event.
fn events(db: &str) -> Vec<Value> {
    ok(db, &["export"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `kind key` for each event after the first `after`: what it was about.
fn about(events: &[Value], after: usize) -> Vec<String> {
    events[after..]
        .iter()
        .map(|e| {
            let p = &e["payload"];
            let key = match e["kind"].as_str().unwrap() {
                "person_registered" => p["person"].to_string(),
                "identity_linked" => format!("{} {}", p["person"], p["identity"]["value"]),
                "working_group_created" => p["wg"]["id"].to_string(),
                "working_group_changed" => p["wg"].to_string(),
                "forum_created" => p["forum"]["id"].to_string(),
                "forum_closed" | "forum_reopened" => p["forum"].to_string(),
                "role_granted" | "role_revoked" => format!("{} {}", p["person"], p["role"]),
                "administration_delegated" | "delegation_revoked" => {
                    format!("{} {}", p["forum"], p["to"])
                }
                "registry_synced" => p["on_behalf_of"].to_string(),
                other => panic!("the sync recorded {other}"),
            };
            format!("{} {}", e["kind"].as_str().unwrap(), key.replace('"', ""))
        })
        .collect()
}

fn sync(db: &str, dt: &Datatracker, extra: &[&str]) -> String {
    let mut args = vec!["sync", "datatracker", "--url", &dt.url];
    args.extend_from_slice(extra);
    ok(db, &args)
}

/// The first page set: the sec area (one AD) and the ops area (two), tls
/// (two chairs and a delegate) and old in sec, quic in ops, the cfrg
/// research group, and the registry's bad rows.
fn first() -> Records {
    let mut r = Records::default();
    r.area(1, "sec");
    r.role(1, "ad", 1, 1);
    r.area(2, "ops");
    r.role(2, "ad", 2, 2);
    r.role(3, "ad", 2, 3);
    r.group(10, "tls", "wg", "active", Some(1));
    r.role(10, "chair", 10, 10);
    r.role(11, "chair", 10, 11);
    r.role(12, "delegate", 10, 12);
    r.group(11, "quic", "wg", "active", Some(2));
    r.role(13, "chair", 11, 13);
    r.group(12, "old", "wg", "active", Some(1));
    r.role(14, "chair", 12, 14);
    r.group(13, "cfrg", "rg", "active", None);
    r.role(15, "chair", 13, 15);
    bad_rows(&mut r);
    r
}

/// The second: chair 11 of tls steps down and 16 takes over, the new
/// working group "new" is chartered with chair 17, old concludes.
fn second() -> Records {
    let mut r = first();
    r.without_role(11);
    r.role(16, "chair", 10, 16);
    r.group(14, "new", "wg", "active", Some(1));
    r.role(17, "chair", 14, 17);
    r.set_state(12, "conclude");
    r
}

const SKIPPED: [(&str, &str); 7] = [
    ("/api/v1/group/group/90001/", "no list address"),
    ("/api/v1/group/group/90002/", "several addresses"),
    ("/api/v1/group/group/90003/", "spaces around it"),
    ("/api/v1/group/group/90004/", "-request address"),
    ("/api/v1/group/group/90005/", "unknown group type \"ag\""),
    (
        "/api/v1/group/role/90010/",
        "a role on a group that does not exist",
    ),
    ("/api/v1/group/role/90012/", "does not exist"),
];

#[test]
fn forum_5_a_sync_into_an_empty_modpod_then_a_chair_change_a_new_group_and_a_concluded_one() {
    let db = TestDb::sqlite();
    let db = db.url.as_str();
    ok(
        db,
        &["run", "--as", "admin", "--capacity", "operator", BOOTSTRAP],
    );
    let dt = Datatracker::start(first());

    // Into an empty modpod.
    let printed = sync(db, &dt, &[]);
    for line in [
        "register dt-10 (Person 10), Datatracker person 10",
        "link email:person10@example.org to dt-10",
        "grant dt-1 the role of Area Director (sec)",
        "create working group tls (TLS Working Group; area sec, responsible AD dt-1)",
        "create working group quic (QUIC Working Group; area ops, responsible AD none)",
        "create forum tls@ietf.org (the IETF list of tls)",
        "create forum cfrg@irtf.org (the IRTF list of cfrg)",
        "grant dt-11 the role of chair of tls",
        "delegate the administration of tls@ietf.org to dt-12",
    ] {
        assert!(printed.contains(line), "{line:?} not in:\n{printed}");
    }
    for (uri, why) in SKIPPED {
        assert!(
            printed
                .lines()
                .any(|l| l.contains(&format!("{uri}: ")) && l.contains(why)),
            "{uri} ({why}) not reported:\n{printed}"
        );
    }
    assert!(printed.contains("0 conflicts, 7 rows skipped"), "{printed}");
    let log = events(db);
    assert!(
        log[1..]
            .iter()
            .all(|e| e["actor"] == "system" && e["role"] == "system")
    );
    assert_eq!(about(&log, log.len() - 1), ["registry_synced admin"]);
    assert_eq!(log.last().unwrap()["payload"]["source"], dt.url.as_str());
    let made = about(&log, 1);
    for expected in [
        "working_group_created tls",
        "working_group_created cfrg",
        "forum_created old@ietf.org",
        "role_granted dt-10 {role:wg_chair,wg:tls}",
        "role_granted dt-2 {area:ops,role:area_director}",
        "administration_delegated tls@ietf.org dt-12",
    ] {
        assert!(
            made.contains(&expected.to_owned()),
            "{expected:?} not in {made:#?}"
        );
    }
    assert!(
        !made
            .iter()
            .any(|m| m.contains("nolist") || m.contains("areagroup"))
    );

    // By hand, between two syncs: quic renamed with no AD, and the operator
    // made a chair of tls.
    ok(
        db,
        &[
            "run",
            "--as",
            "admin",
            "--capacity",
            "operator",
            r#"{"command":"change_working_group","wg":"quic","name":"QUIC by hand","area":"ops"}"#,
        ],
    );
    ok(
        db,
        &[
            "run",
            "--as",
            "admin",
            "--capacity",
            "operator",
            r#"{"command":"grant_role","person":"admin","role":{"role":"wg_chair","wg":"tls"}}"#,
        ],
    );
    let before = events(db).len();

    // The Datatracker changes.
    dt.serve(second());
    let printed = sync(db, &dt, &[]);
    let recorded = about(&events(db), before);
    let mut expected = vec![
        "person_registered dt-16",
        "identity_linked dt-16 16",
        "identity_linked dt-16 person16@example.org",
        "person_registered dt-17",
        "identity_linked dt-17 17",
        "identity_linked dt-17 person17@example.org",
        "role_granted dt-16 {role:wg_chair,wg:tls}",
        "role_revoked dt-11 {role:wg_chair,wg:tls}",
        "working_group_created new",
        "forum_created new@ietf.org",
        "role_granted dt-17 {role:wg_chair,wg:new}",
        "forum_closed old@ietf.org",
        "registry_synced admin",
    ];
    let mut got: Vec<&str> = recorded.iter().map(String::as_str).collect();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected, "{printed}");
    // What was set by hand is reported, with the record it rests on, and
    // left as it is.
    assert!(printed.contains("2 conflicts"), "{printed}");
    assert!(
        printed.contains(
            "! working group quic: modpod has set by hand: QUIC by hand; area ops, responsible AD none; \
             the Datatracker says QUIC Working Group; area ops, responsible AD none (/api/v1/group/group/11/)"
        ),
        "{printed}"
    );
    assert!(
        printed.contains("! chair of tls: admin: modpod has granted by hand"),
        "{printed}"
    );

    // The concluded group's list takes no new report.
    ok(
        db,
        &[
            "run",
            "--as",
            "admin",
            "--capacity",
            "operator",
            r#"{"command":"register_person","person":"bob","name":"Bob"}"#,
        ],
    );
    let refused = run(
        db,
        &[
            "run",
            "--as",
            "bob",
            "--capacity",
            "participant",
            r#"{"command":"file_report","forum":"old@ietf.org","subject":{"person":"dt-10"},"category":"other","description":"rude"}"#,
        ],
    );
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("FORUM-5") && said.contains("old@ietf.org is closed"),
        "{said}"
    );

    // Nothing changed since: nothing is recorded.
    let before = events(db).len();
    let printed = sync(db, &dt, &[]);
    assert!(
        printed.starts_with(&format!("sync with {}: 0 changed", dt.url)),
        "{printed}"
    );
    assert_eq!(events(db).len(), before);
}

#[test]
fn forum_5_a_dry_run_prints_the_changes_and_records_nothing() {
    let db = TestDb::sqlite();
    let db = db.url.as_str();
    ok(
        db,
        &["run", "--as", "admin", "--capacity", "operator", BOOTSTRAP],
    );
    let dt = Datatracker::start(first());
    let printed = sync(db, &dt, &["--dry-run"]);
    assert!(
        printed.contains("would change (dry run: nothing recorded)"),
        "{printed}"
    );
    assert!(
        printed.contains("  + create working group tls"),
        "{printed}"
    );
    assert_eq!(events(db).len(), 1);
    // A Datatracker that is not there: the error names the URL.
    let out = run(db, &["sync", "datatracker", "--url", "http://127.0.0.1:9"]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("http://127.0.0.1:9/api/v1/group/group/"),
        "{said}"
    );
    assert_eq!(events(db).len(), 1);
}

#[test]
fn forum_5_a_sync_at_the_scale_of_the_ietf_s_registry_and_a_second_one_records_nothing() {
    let db = TestDb::sqlite();
    let db = db.url.as_str();
    ok(
        db,
        &["run", "--as", "admin", "--capacity", "operator", BOOTSTRAP],
    );
    let records = at_scale();
    let (groups, roles) = (records.groups.len(), records.roles.len());
    assert!(
        groups >= 2_500 && roles >= 10_000,
        "{groups} groups, {roles} roles"
    );
    let dt = Datatracker::start(records);
    let started = Instant::now();
    let printed = sync(db, &dt, &[]);
    let full = started.elapsed();
    let after_first = events(db).len();
    assert!(printed.contains("0 conflicts, 7 rows skipped"), "{printed}");
    // 590 active groups, each a group and a list.
    let made = about(&events(db), 1);
    let count = |kind: &str| made.iter().filter(|m| m.starts_with(kind)).count();
    assert_eq!(count("working_group_created"), 590);
    assert_eq!(count("forum_created"), 590);
    let started = Instant::now();
    let again = sync(db, &dt, &[]);
    let unchanged = started.elapsed();
    assert!(again.contains(": 0 changed"), "{again}");
    assert_eq!(events(db).len(), after_first);
    eprintln!(
        "FORUM-5 at scale: {groups} groups, {roles} roles; full sync {full:?} ({after_first} events), \
         sync with no change {unchanged:?}"
    );
}

/// The page of a running `serve`, read with `person`'s login session.
fn page(base: &str, person: &str, password: &str, path: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let login = agent
        .post(format!("{base}/v1/login"))
        .header("Content-Type", "application/json")
        .send(serde_json::json!({"account": person, "password": password}).to_string())
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut answer = agent
        .get(format!("{base}{path}"))
        .header("Cookie", &cookie)
        .call()
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.body_mut().read_to_string().unwrap())
}

#[test]
fn forum_5_serve_keeps_in_step_with_the_datatracker_and_shows_the_operators_its_conflicts() {
    let db = TestDb::sqlite();
    let db = db.url.as_str();
    ok(
        db,
        &["run", "--as", "admin", "--capacity", "operator", BOOTSTRAP],
    );
    ok(
        db,
        &[
            "run",
            "--as",
            "admin",
            "--capacity",
            "operator",
            r#"{"command":"create_working_group","wg":"tls","name":"TLS by hand"}"#,
        ],
    );
    ok(
        db,
        &[
            "run",
            "--as",
            "admin",
            "--capacity",
            "operator",
            r#"{"command":"register_person","person":"bob","name":"Bob"}"#,
        ],
    );
    let admin = account(db, "admin");
    let bob = account(db, "bob");
    let dt = Datatracker::start(first());
    let listen = format!("127.0.0.1:{}", free_port());
    let server = Serve::new(
        db,
        &[
            "--listen",
            &listen,
            "--datatracker-url",
            &dt.url,
            "--datatracker-every",
            "60",
        ],
    )
    .start();
    // It syncs at start: the lists appear.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (status, html) = loop {
        let (status, html) = page(&server.url, "admin", &admin, "/registry");
        if html.contains("Conflicts") || Instant::now() > deadline {
            break (status, html);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("working group tls"), "{html}");
    assert!(html.contains("set by hand: TLS by hand"), "{html}");
    for (uri, _) in SKIPPED {
        assert!(html.contains(uri), "{uri} not on the page:\n{html}");
    }
    assert!(events(db).iter().any(|e| e["kind"] == "registry_synced"));
    // The page is the operators'.
    let (status, _) = page(&server.url, "bob", &bob, "/registry");
    assert_eq!(status, 403);
}
