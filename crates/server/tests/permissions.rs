//! Every endpoint, asked by every kind of caller: nobody, a forum's decision
//! token, a reporter, the subject of an action, an unrelated participant, the
//! forum's chair, another group's chair (a foreign administrator), a
//! moderator, the responsible AD, an IAB member, LLC staff and the operator.
//! Each answer is checked against the policy's rules of who may see and do
//! what (ROLE-*, ACT-2, ACT-7, REPORT-5, LLC-1, PRIV-1).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::{Api, As, IETF, QUIC, TLS, TLS_CHAIRS};
use modpod_server::tokens::Scope;
use serde_json::{Value, json};

/// The callers, by name; sessions are made through `POST /v1/login`.
const CALLERS: [&str; 12] = [
    "nobody", "listbot", "bob", "carol", "erin", "alice", "dave", "m1", "ad_sec", "iab", "llc",
    "op",
];

struct World {
    api: Api,
    callers: Vec<(&'static str, As)>,
}

impl World {
    fn who(&self, name: &str) -> &As {
        &self.callers.iter().find(|(n, _)| *n == name).unwrap().1
    }
}

/// The small IETF, with one record of each kind: bob reported carol on the
/// tls list (report 1); alice suspended carol there (action 1, announced:
/// it is longer than 14 days); carol disagreed (appeal 1); the LLC acted on
/// erin (LLC action 1); an identity linked to carol alerted the moderators
/// (alert 1); procedures version 1 is approved, 2 is in community
/// review and 3 a draft; the Note Well has one version.
async fn world() -> World {
    let mut engine = common::engine();
    modpod_server::accounts::create(engine.store(), "listbot", "listbot", "pw").unwrap();
    let api = Api::new(engine);
    let mut callers = vec![
        ("nobody", As::Nobody),
        ("listbot", api.token("listbot", Scope::Decide)),
    ];
    for name in &CALLERS[2..] {
        callers.push((name, api.login(name).await));
    }
    let world = World { api, callers };
    let (api, who) = (&world.api, |n| world.who(n));
    api.run(
        who("bob"),
        "participant",
        json!({"command": "file_report", "forum": TLS,
        "subject": {"person": "carol"}, "category": "uncivil",
        "description": "called someone an idiot"}),
    )
    .await;
    api.run(
        who("alice"),
        "administrator",
        json!({"command": "take_action",
        "subject": {"person": "carol"}, "measure": {"type": "temporary_suspension"},
        "fora": [TLS], "ends_at": "2099-01-01T00:00:00Z", "reason": "sealioning", "reports": [1]}),
    )
    .await;
    // A new identity of carol's while she is suspended: the moderators are
    // alerted (CIRCUMVENT-1).
    api.run(
        who("op"),
        "operator",
        json!({"command": "link_identity", "person": "carol",
        "identity": {"kind": "email", "value": "carol@elsewhere.example"}}),
    )
    .await;
    api.run(
        who("carol"),
        "participant",
        json!({"command": "file_disagreement",
        "target": {"kind": "action", "id": 1}, "grounds": "I was on topic"}),
    )
    .await;
    api.run(
        who("llc"),
        "llc",
        json!({"command": "take_llc_action",
        "subject": {"person": "erin"}, "fora": [IETF], "grounds": "credible_threat_of_harm",
        "nature": "suspension", "reason": "threats", "expected_duration": "until reviewed"}),
    )
    .await;
    for version in [1, 2, 3] {
        api.run(
            who("m1"),
            "moderator",
            json!({"command": "draft_procedures", "version": version,
            "title": format!("Procedures v{version}"), "text": "Talk to the person first."}),
        )
        .await;
    }
    for version in [1, 2] {
        api.run(
            who("m1"),
            "moderator",
            json!({"command": "open_procedures_review", "version": version}),
        )
        .await;
    }
    api.run(
        who("ad_sec"),
        "iesg",
        json!({"command": "approve_procedures", "version": 1}),
    )
    .await;
    api.run(
        who("op"),
        "operator",
        json!({"command": "publish_note_well", "version": 1,
        "text": "Be nice.", "links": ["https://www.ietf.org/about/note-well/"]}),
    )
    .await;
    world
}

/// What a caller should get: a status, and for lists the number of items.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Expect {
    Status(u16),
    Items(usize),
}
use Expect::{Items, Status};

/// `expected[i]` is the answer for `CALLERS[i]`.
async fn check(world: &World, path: &str, expected: [Expect; 12]) {
    let mut wrong = Vec::new();
    for ((name, who), want) in world.callers.iter().zip(expected) {
        let (status, body) = world.api.get(path, who).await;
        let got = match want {
            Items(_) if status == StatusCode::OK => {
                // These lists fit a page: it lists as many as it counts.
                let total = body["total"].as_u64().unwrap() as usize;
                let listed = body["items"].as_array().map_or(0, Vec::len);
                if listed == total {
                    Items(total)
                } else {
                    Status(0)
                }
            }
            _ => Status(status.as_u16()),
        };
        if got != want {
            wrong.push(format!("{name}: expected {want:?}, got {got:?} {body}"));
        }
    }
    assert!(wrong.is_empty(), "GET {path}:\n{}", wrong.join("\n"));
}

const OK: Expect = Status(200);
const UNAUTHENTICATED: Expect = Status(401);
const FORBIDDEN: Expect = Status(403);
const HIDDEN: Expect = Status(404);

#[tokio::test]
async fn every_read_endpoint_answers_each_caller_as_the_policy_says() {
    let w = world().await;
    //        nobody, listbot, bob, carol, erin, alice, dave, m1, ad_sec, iab, llc, op
    check(&w, "/healthz", [OK; 12]).await;
    check(&w, "/openapi.json", [OK; 12]).await;
    // Public fora for all; the private chairs' list for its administrator,
    // the moderators and the operator.
    let (public, all) = (Items(3), Items(4));
    check(
        &w,
        "/v1/fora",
        [
            public, public, public, public, public, all, public, all, public, public, public, all,
        ],
    )
    .await;
    let (anon, token) = (UNAUTHENTICATED, FORBIDDEN);
    check(
        &w,
        "/v1/me",
        [anon, token, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK],
    )
    .await;
    // Reports: the reporter, the subject and those who handle reports on the
    // forum (its chair, the moderators), and the AD hearing a disagreement
    // with the action citing it; not another chair.
    let (none, one) = (Items(0), Items(1));
    check(
        &w,
        "/v1/reports",
        [
            anon, token, one, one, none, one, none, one, one, none, none, none,
        ],
    )
    .await;
    // One report: also the AD hearing the disagreement with the action
    // that cites it (what it says, not who filed it: APPEAL-1, REPORT-5).
    check(
        &w,
        "/v1/reports/1",
        [
            anon, token, OK, OK, HIDDEN, OK, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN,
        ],
    )
    .await;
    // Actions (ACT-7): the subject, the forum's administrators, the
    // moderators, and those who hear appeals (the AD, the IAB).
    check(
        &w,
        "/v1/actions",
        [
            anon, token, none, one, none, one, none, one, one, one, none, none,
        ],
    )
    .await;
    check(
        &w,
        "/v1/actions/1",
        [
            anon, token, HIDDEN, OK, HIDDEN, OK, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN,
        ],
    )
    .await;
    // A person's history: the person, and anyone who may act (every
    // administrator and moderator), so that actions are consistent.
    check(
        &w,
        "/v1/people/carol/history",
        [
            anon, token, FORBIDDEN, OK, FORBIDDEN, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN,
            FORBIDDEN,
        ],
    )
    .await;
    // A person and their linked accounts: the person, and those who may act
    // (ACT-7), and the operators; 404 for everyone else, as for nobody at all.
    check(
        &w,
        "/v1/people/carol",
        [
            anon, token, HIDDEN, OK, HIDDEN, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN, OK,
        ],
    )
    .await;
    check(
        &w,
        "/v1/people/nobody-at-all",
        [
            anon, token, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN,
            HIDDEN,
        ],
    )
    .await;
    // Procedures (PROC-1): approved for all, in review for the community
    // (a logged-in person), drafts for the moderators and the IESG.
    let (two, three) = (Items(2), Items(3));
    check(
        &w,
        "/v1/procedures",
        [
            one, one, two, two, two, two, two, three, three, two, two, two,
        ],
    )
    .await;
    check(&w, "/v1/note-well", [one; 12]).await;
    // The suspension over 14 days is announced (NOTIFY-3), to everybody.
    check(&w, "/v1/announcements", [one; 12]).await;
    check(
        &w,
        "/v1/appeals",
        [
            anon, token, none, one, none, one, none, one, one, one, none, none,
        ],
    )
    .await;
    check(
        &w,
        "/v1/reinstatements",
        [
            anon, token, none, none, none, none, none, none, none, none, none, none,
        ],
    )
    .await;
    // LLC actions: the subject, the LLC, the IESG (the AD), and the
    // moderators (no legal advice withheld it).
    check(
        &w,
        "/v1/llc-actions",
        [
            anon, token, none, none, one, none, none, one, one, none, one, none,
        ],
    )
    .await;
    // Alerts to the moderator team (CIRCUMVENT-1): the moderators only,
    // never the person, nor the public.
    check(
        &w,
        "/v1/alerts",
        [
            anon, token, none, none, none, none, none, one, none, none, none, none,
        ],
    )
    .await;
    // Public outputs, for everybody (PRIV-1 keeps names out of them).
    check(&w, "/v1/transparency", [OK; 12]).await;
    check(&w, "/v1/moderators", [OK; 12]).await;
    check(&w, "/v1/coverage", [OK; 12]).await;
    check(&w, "/v1/statistics", [OK; 12]).await;
    // `/v1/statistics.csv`, the same table as CSV for everyone, is read in
    // tests/api.rs (stats_1_...).
    check(&w, "/v1/nowhere", [HIDDEN; 12]).await;
    // Every path the OpenAPI document lists is walked above.
    let (_, doc) = w.api.get("/openapi.json", &As::Nobody).await;
    let walked = [
        "/healthz",
        "/openapi.json",
        "/v1/fora",
        "/v1/me",
        "/v1/reports",
        "/v1/reports/{id}",
        "/v1/actions",
        "/v1/actions/{id}",
        "/v1/people/{id}",
        "/v1/people/{id}/history",
        "/v1/procedures",
        "/v1/note-well",
        "/v1/announcements",
        "/v1/appeals",
        "/v1/reinstatements",
        "/v1/llc-actions",
        "/v1/alerts",
        "/v1/transparency",
        "/v1/moderators",
        "/v1/coverage",
        "/v1/statistics",
        "/v1/statistics.csv",
    ];
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_some() && path != "/metrics" {
            assert!(walked.contains(&path.as_str()), "GET {path} is not walked");
        }
    }
}

/// The transparency report counts what happened since it was last asked
/// for (its counts are kept and moved on by each change of the log), on
/// the page and in JSON alike; a period that ends now ends at the next
/// whole minute.
#[tokio::test]
async fn the_transparency_report_counts_what_happened_since_it_was_last_asked_for() {
    let w = world().await;
    let received = |report: &Value| report["reports"]["received"].as_u64();
    let (_, before) = w.api.get("/v1/transparency", &As::Nobody).await;
    let (_, page) = w.api.page("/transparency").await;
    assert!(page.contains("temporary suspension"), "{page}");
    assert!(!page.contains("private admonishment"), "{page}");
    let to: jiff::Timestamp = before["to"].as_str().unwrap().parse().unwrap();
    assert_eq!(to.as_second() % 60, 0, "{to}");
    assert_eq!(to.subsec_nanosecond(), 0, "{to}");
    assert!(jiff::Timestamp::now() <= to, "{to}");
    w.api
        .run(
            w.who("bob"),
            "participant",
            json!({"command": "file_report", "forum": TLS,
            "subject": {"person": "erin"}, "category": "uncivil",
            "description": "mocked a newcomer"}),
        )
        .await;
    w.api
        .run(
            w.who("alice"),
            "administrator",
            json!({"command": "take_action",
            "subject": {"person": "erin"}, "measure": {"type": "private_admonishment"},
            "fora": [TLS], "reason": "mockery"}),
        )
        .await;
    let (_, after) = w.api.get("/v1/transparency", &As::Nobody).await;
    assert_eq!(
        received(&after),
        received(&before).map(|n| n + 1),
        "{after}"
    );
    assert_eq!(
        after["people_acted_on"].as_u64(),
        before["people_acted_on"].as_u64().map(|n| n + 1),
        "{after}"
    );
    let (_, page) = w.api.page("/transparency").await;
    assert!(page.contains("private admonishment"), "{page}");
}

#[tokio::test]
async fn public_outputs_count_without_naming_anyone() {
    let w = world().await;
    let (status, report) = w.api.get("/v1/transparency", &As::Nobody).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        report["actions"][0]["action"], "temporary_suspension",
        "{report}"
    );
    assert_eq!(report["actions"][0]["forum_kind"], "mailing-list");
    assert_eq!(report["actions"][0]["count"], 1);
    assert_eq!(report["reports"]["received"], 1);
    assert_eq!(report["appeals"]["filed"], 1);
    let (status, page) = w.api.page("/transparency").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("temporary suspension"),
        "{page}"
    );
    for text in [report.to_string(), page] {
        for name in [
            "bob",
            "carol",
            "erin",
            "alice",
            "sealioning",
            "idiot",
            "example.org",
        ] {
            assert!(!text.contains(name), "{name} in a public output:\n{text}");
        }
    }
    // The roster names the moderators and their time zones, and nobody else.
    let (_, roster) = w.api.get("/v1/moderators", &As::Nobody).await;
    let names: Vec<&str> = roster
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["person"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["m1", "m2", "m3", "m4", "m5"]);
    assert_eq!(roster[0]["time_zone"], "Europe/Paris");
    assert!(!roster.to_string().contains('@'), "{roster}");
    let (status, body) = w
        .api
        .get(
            "/v1/transparency?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z",
            &As::Nobody,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = w
        .api
        .get("/v1/transparency?from=yesterday", &As::Nobody)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn announcements_name_the_suspended_person_the_fora_and_the_dates_only() {
    let w = world().await;
    let (status, page) = w.api.get("/v1/announcements", &As::Nobody).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let item = &page["items"][0];
    assert_eq!(item["name"], "carol");
    assert_eq!(item["measure"], "temporary_suspension");
    assert_eq!(item["fora"], json!([TLS]));
    assert_eq!(item["ends_at"], "2099-01-01T00:00:00Z");
    let text = page.to_string();
    for private in [
        "bob",
        "alice",
        "sealioning",
        "idiot",
        "example.org",
        "reason",
    ] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    let (_, other) = w
        .api
        .get(&format!("/v1/announcements?forum={QUIC}"), &As::Nobody)
        .await;
    assert_eq!(other["total"], 0, "{other}");
    let (status, _) = w.api.get("/v1/announcements?who=carol", &As::Nobody).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Rescinded, it is no longer announced.
    w.api
        .run(
            w.who("alice"),
            "administrator",
            json!({"command": "rescind_action", "action": 1, "reason": "on reflection"}),
        )
        .await;
    let (_, page) = w.api.get("/v1/announcements", &As::Nobody).await;
    assert_eq!(page["total"], 0, "{page}");
}

#[tokio::test]
async fn a_person_is_shown_with_their_accounts_and_the_procedures_with_their_status() {
    let w = world().await;
    let (status, carol) = w.api.get("/v1/people/carol", w.who("m1")).await;
    assert_eq!(status, StatusCode::OK, "{carol}");
    assert_eq!(carol["name"], "carol");
    assert_eq!(
        carol["identities"],
        json!([{"kind": "email", "value": "carol@elsewhere.example"},
               {"kind": "email", "value": "carol@example.org"}])
    );
    let (status, _) = w.api.get("/v1/people/no%20one", w.who("m1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, versions) = w.api.get("/v1/procedures", w.who("m1")).await;
    let seen: Vec<(u64, &str, bool)> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["status"].as_str().unwrap(),
                v["in_force"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (3, "draft", false),
            (2, "in_community_review", false),
            (1, "approved", true)
        ]
    );
    let (_, approved) = w
        .api
        .get("/v1/procedures?status=approved&limit=1", w.who("m1"))
        .await;
    assert_eq!(
        (
            approved["total"].as_u64(),
            approved["items"][0]["version"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let (status, _) = w.api.get("/v1/procedures?status=secret", &As::Nobody).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The fora list who administers them and to whom it was delegated.
    w.api
        .run(
            w.who("alice"),
            "administrator",
            json!({"command": "delegate_administration", "forum": TLS, "to": "erin"}),
        )
        .await;
    let (_, fora) = w.api.get("/v1/fora?wg=tls", &As::Nobody).await;
    let tls = &fora["items"][0];
    assert_eq!(tls["administrators"], json!(["alice", "erin"]), "{tls}");
    assert_eq!(tls["delegations"], json!([{"to": "erin", "by": "alice"}]));
    assert_eq!(tls["responsible_ad"], "ad_sec");
    assert_eq!(tls["moderators_administer"], false);
}

#[tokio::test]
async fn coverage_shows_the_hours_nobody_covers() {
    let w = world().await;
    // m1 (Paris) covers Monday 09-17 local: 08-16 UTC in January.
    w.api
        .run(
            w.who("m1"),
            "moderator",
            json!({"command": "set_availability", "person": "m1",
            "time_zone": "Europe/Paris",
            "windows": [{"day": "monday", "from_hour": 9, "to_hour": 17}]}),
        )
        .await;
    let (status, coverage) = w
        .api
        .get("/v1/coverage?at=2025-01-08T12:00:00Z", &As::Nobody)
        .await;
    assert_eq!(status, StatusCode::OK, "{coverage}");
    assert_eq!(coverage["week_start"], "2025-01-06T00:00:00Z");
    let by_hour = coverage["moderators_by_hour"].as_array().unwrap();
    assert_eq!(by_hour.len(), 168);
    assert_eq!(
        (
            by_hour[7].as_u64(),
            by_hour[8].as_u64(),
            by_hour[15].as_u64(),
            by_hour[16].as_u64()
        ),
        (Some(0), Some(1), Some(1), Some(0))
    );
    let uncovered = coverage["uncovered"].as_array().unwrap();
    assert_eq!(uncovered.len(), 160);
    assert_eq!(uncovered[0], "monday 00:00 UTC");
    assert!(!uncovered.contains(&json!("monday 08:00 UTC")));
}

#[tokio::test]
async fn the_subject_of_a_report_never_learns_who_filed_it() {
    let w = world().await;
    for (name, reporter) in [
        ("bob", json!("bob")),
        ("alice", json!("bob")),
        ("m1", json!("bob")),
        ("carol", Value::Null),
    ] {
        let (status, report) = w.api.get("/v1/reports/1", w.who(name)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(report["reporter"], reporter, "as seen by {name}");
        let (_, list) = w.api.get("/v1/reports", w.who(name)).await;
        assert_eq!(
            list["items"][0]["reporter"], reporter,
            "as listed for {name}"
        );
    }
    let (_, seen) = w.api.get("/v1/reports", w.who("carol")).await;
    assert!(!seen.to_string().contains("bob"), "{seen}");
}

/// `expected[i]` is the status `CALLERS[i]` gets for the command.
async fn check_command(
    world: &World,
    what: &str,
    capacity: &str,
    command: Value,
    expected: [u16; 12],
) {
    let mut wrong = Vec::new();
    for ((name, who), want) in world.callers.iter().zip(expected) {
        let before = world.api.events();
        let (status, body) = world
            .api
            .post(
                "/v1/commands",
                who,
                json!({"as": capacity, "command": command}),
            )
            .await;
        if status.as_u16() != want {
            wrong.push(format!("{name}: expected {want}, got {status} {body}"));
        }
        if !status.is_success() && world.api.events() != before {
            wrong.push(format!("{name}: refused, yet events were recorded"));
        }
    }
    assert!(wrong.is_empty(), "{what}:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn every_caller_may_do_what_its_role_allows_where_it_allows_it() {
    let w = world().await;
    //                                     nobody listbot bob carol erin alice dave m1 ad_sec iab llc op
    let admonish = |forum: &str| {
        json!({"command": "take_action", "subject": {"person": "bob"},
            "measure": {"type": "private_admonishment"}, "fora": [forum], "reason": "tone"})
    };
    // Only the tls chair administers the tls list (ROLE-2, ACT-2).
    check_command(
        &w,
        "admonish on tls as administrator",
        "administrator",
        admonish(TLS),
        [401, 403, 403, 403, 403, 201, 403, 403, 403, 403, 403, 403],
    )
    .await;
    // And only the quic chair the quic list: alice is a foreign administrator there.
    check_command(
        &w,
        "admonish on quic as administrator",
        "administrator",
        admonish(QUIC),
        [401, 403, 403, 403, 403, 403, 201, 403, 403, 403, 403, 403],
    )
    .await;
    // The moderators administer the plenary lists (ROLE-3).
    check_command(
        &w,
        "admonish on the IETF list as moderator",
        "moderator",
        admonish(IETF),
        [401, 403, 403, 403, 403, 403, 403, 201, 403, 403, 403, 403],
    )
    .await;
    // The private chairs' list is alice's to administer, not the moderators'
    // (FORUM-3).
    check_command(
        &w,
        "admonish on the chairs' list as moderator",
        "moderator",
        admonish(TLS_CHAIRS),
        [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    )
    .await;
}

#[tokio::test]
async fn sessions_need_their_csrf_token_to_change_anything_and_end_at_logout() {
    let w = world().await;
    let As::Session { cookie, csrf } = w.who("alice").clone() else {
        unreachable!()
    };
    let forged = As::Session {
        cookie: cookie.clone(),
        csrf: "not-the-token".into(),
    };
    let before = w.api.events();
    let (status, body) = w
        .api
        .post(
            "/v1/commands",
            &forged,
            json!({"as": "administrator", "command":
            {"command": "take_action", "subject": {"person": "bob"},
             "measure": {"type": "private_admonishment"}, "fora": [TLS], "reason": "tone"}}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf"))
    );
    assert_eq!(w.api.events(), before);
    // Reading needs no CSRF token.
    assert_eq!(w.api.get("/v1/me", &forged).await.0, StatusCode::OK);

    let session = As::Session { cookie, csrf };
    let (status, _) = w.api.post("/v1/logout", &session, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        w.api.get("/v1/me", &session).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logins_are_checked_and_rate_limited() {
    let w = world().await;
    let (status, body) = w
        .api
        .post(
            "/v1/login",
            &As::Nobody,
            json!({"account": "bob", "password": "wrong"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (status, _) = w
        .api
        .post(
            "/v1/login",
            &As::Nobody,
            json!({"account": "nobody-at-all", "password": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // bob logged in once while the world was made and failed once: three more
    // attempts are allowed this minute, then even the right password waits.
    for _ in 0..3 {
        let (status, _) = w
            .api
            .post(
                "/v1/login",
                &As::Nobody,
                json!({"account": "bob", "password": "wrong"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = w
        .api
        .post(
            "/v1/login",
            &As::Nobody,
            json!({"account": "bob", "password": "pw-bob"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_logins"))
    );
    // Other accounts are not held up by bob's.
    let (status, _) = w
        .api
        .post(
            "/v1/login",
            &As::Nobody,
            json!({"account": "carol", "password": "pw-carol"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}
