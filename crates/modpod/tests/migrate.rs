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

/// The events in the log, as `modpod export` writes them.
fn exported(db: &str) -> Vec<serde_json::Value> {
    common::ok(db, &["export"])
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn migrate_1_the_team_s_past_actions_come_from_a_file_all_or_nothing_once_and_fill_its_table() {
    let db = TestDb::sqlite();
    common::installed(&db.url);
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let header = "date,level,forum,forum_name,person,count,spam,rescinded,reference\n";
    let stats_md = "https://github.com/ietf/Moderators/blob/main/stats.md";
    // The team's records from before modpod: counts of people as its
    // published statistics give them, bob by name on a list modpod never
    // had, spam, and an action rescinded since.
    let good = format!(
        "2020-03-01,0,ietf@ietf.org,,,5,,,{stats_md}\n\
         2020-06-01,1,ietf@ietf.org,,,1,no,no,{stats_md}\n\
         2021-02-01,0,,old-discuss@ietf.org,bob,,,,the team's notes of 2021-02-01\n\
         2021-02-01,,last-call@ietf.org,,,2,yes,,the team's notes of 2021-02-01\n\
         2021-07-01,2,ietf@ietf.org,,,1,,yes,{stats_md}\n"
    );
    // The same with rows that cannot be imported: each is reported with
    // its line and field, and nothing at all is recorded.
    let bad = format!(
        "{good}\
         2021-08-01,7,ietf@ietf.org,,,1,,,{stats_md}\n\
         2021-08-02,0,nowhere@ietf.org,,,1,,,{stats_md}\n\
         2021-08-03,0,ietf@ietf.org,,nobody,,,,{stats_md}\n\
         2021-08-04,0,ietf@ietf.org,,,0,,,{stats_md}\n\
         2021-08-05,0,ietf@ietf.org,,bob,3,,,{stats_md}\n\
         2099-01-01,0,ietf@ietf.org,,,1,,,{stats_md}\n\
         last spring,0,ietf@ietf.org,,,1,maybe,,{stats_md}\n"
    );
    std::fs::write(path("bad.csv"), format!("{header}{bad}")).unwrap();
    let before = exported(&db.url).len();
    let out = common::run(&db.url, &["migrate", "team-actions", &path("bad.csv")]);
    let printed = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{printed}");
    for (line, says) in [
        (
            7,
            "level: the ladder in force has levels 0 to 2; there is no level 7",
        ),
        (8, "there is no forum nowhere@ietf.org"),
        (9, "there is no person nobody"),
        (10, "count: must be at least 1"),
        (11, "count: give person"),
        (12, "date: 2099-01-01 is in the future"),
        (13, "date: \"last spring\" is not a date"),
        (13, "spam: \"maybe\": say yes or no"),
    ] {
        let needle = format!("bad.csv line {line}: ");
        assert!(
            printed
                .lines()
                .any(|l| l.contains(&needle) && l.contains(says)),
            "line {line} should say {says:?}:\n{printed}"
        );
    }
    assert!(
        printed.contains("7 of the 12 rows of") && printed.contains("nothing was imported"),
        "{printed}"
    );
    assert_eq!(
        exported(&db.url).len(),
        before,
        "a bad file records nothing"
    );

    // The good rows alone: imported, history only.
    std::fs::write(path("past.csv"), format!("{header}{good}")).unwrap();
    let printed = common::ok(&db.url, &["migrate", "team-actions", &path("past.csv")]);
    assert!(
        printed.contains("5 imported, 0 imported before, 0 not importable"),
        "{printed}"
    );
    assert!(
        printed.contains("past.csv line 4: 2021-02-01 level 0 on old-discuss@ietf.org, bob"),
        "{printed}"
    );
    let recorded = exported(&db.url);
    let kinds: Vec<&str> = recorded[before..]
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["past_team_action_recorded"; 5], "{recorded:#?}");
    let first = &recorded[before]["payload"]["action"];
    assert_eq!(first["date"], "2020-03-01");
    assert_eq!(first["contacted"]["count"], 5);
    assert_eq!(first["recorded_by"], "admin");

    // Again, and the same rows from TOML: nothing new, and it says so.
    let printed = common::ok(&db.url, &["migrate", "team-actions", &path("past.csv")]);
    assert!(
        printed.contains("0 imported, 5 imported before") && printed.contains("nothing new"),
        "{printed}"
    );
    std::fs::write(
        path("past.toml"),
        format!(
            r#"
[[action]]
date = 2020-06-01
level = 1
forum = "ietf@ietf.org"
count = 1
reference = "{stats_md}"

[[action]]
date = "2021-02-01"
forum_name = "old-discuss@ietf.org"
level = 0
person = "bob"
reference = "the team's notes of 2021-02-01"
"#
        ),
    )
    .unwrap();
    let printed = common::ok(&db.url, &["migrate", "team-actions", &path("past.toml")]);
    assert!(
        printed.contains("0 imported, 2 imported before"),
        "{printed}"
    );
    assert_eq!(exported(&db.url).len(), recorded.len());

    // The team's first action in modpod: a level-0 note to bob, agreed by a
    // second moderator (TEAM-5).
    let note = r#"{"command":"take_action","subject":{"person":"bob"},
        "measure":{"type":"private_admonishment"},"fora":["ietf@ietf.org"],
        "reason":"remarks about an author","level":{"level":0}}"#;
    common::ok(
        &db.url,
        &["run", "--as", "mod-1", "--capacity", "moderator", note],
    );
    common::ok(
        &db.url,
        &[
            "run",
            "--as",
            "mod-2",
            "--capacity",
            "moderator",
            r#"{"command":"agree_to_proposal","proposal": 1}"#,
        ],
    );

    // The team's table covers the imported years: bob once over all the
    // years, the counts added as they are, and it says so.
    let server = common::Serve::new(&db.url, &["--listen", "127.0.0.1:0"]).start();
    let get = |path: &str| {
        ureq::get(format!("{}{path}", server.url))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    };
    let stats: serde_json::Value = serde_json::from_str(&get("/v1/statistics")).unwrap();
    let this_year = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .year();
    let years: Vec<(i64, serde_json::Value, i64, i64, i64, i64)> = stats["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            let n = |k: &str| y[k].as_i64().unwrap();
            (
                n("year"),
                y["by_level"].clone(),
                n("people_contacted"),
                n("anonymous_people"),
                n("spam"),
                n("rescinded"),
            )
        })
        .collect();
    assert_eq!(
        years,
        [
            (2020, serde_json::json!([5, 1, 0]), 6, 6, 0, 0),
            (2021, serde_json::json!([1, 0, 0]), 2, 1, 2, 1),
            (
                i64::from(this_year),
                serde_json::json!([1, 0, 0]),
                1,
                0,
                0,
                0
            ),
        ],
        "{stats}"
    );
    assert_eq!(stats["people_contacted"], 8, "bob once, and 7 in counts");
    assert_eq!(stats["anonymous_people"], 7);
    assert!(!stats.to_string().contains("bob"), "{stats}");
    let csv = get("/v1/statistics.csv");
    assert!(csv.ends_with("all,7,1,0,0,8,2,1,7\n"), "{csv}");
    let page = get("/statistics");
    assert!(page.contains("cannot be deduplicated"), "{page}");
}
