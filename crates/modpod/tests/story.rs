//! The whole story of a moderation case, told only through HTTP to a real
//! `modpod serve`, with its emails read from a real SMTP server (aiosmtpd):
//! a participant reports sealioning on a working group list; the chair does
//! not answer in time, so the report escalates to the moderators; the chair
//! suspends the person for 21 days from two of the group's fora; the person,
//! the moderators and both fora are told by email; the person disagrees to
//! the AD, then appeals to the IESG, which upholds the appeal; the public
//! report counts it all without a name.
//!
//! Installation (fora, people, accounts) is done with the `modpod` command,
//! as an operator would. Time passing is real time shifted with libfaketime
//! (Debian's `faketime` package, installed by `scripts/test`): the second `serve`
//! runs 49 hours ahead, past the 48-hour escalation deadline (REPORT-4).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Serve, Server, account, free_port, installed};
use modpod_testkit::TestDb;
use modpod_testkit::smtp::SmtpSink;
use serde_json::{Value, json};
use std::time::Duration;

const TLS: &str = "tls@ietf.org";
const TLS_CHAT: &str = "zulip:tls";
const CHAT_GATEWAY: &str = "chat-gateway@ietf.example";

/// Starts `modpod serve` on `port`, sending mail through `sink`, with its
/// clock `ahead` (a libfaketime offset such as `+49h`) if given.
fn serve(db: &str, sink: &SmtpSink, port: u16, ahead: Option<&str>) -> Server {
    serve_with(db, sink, port, ahead, &[])
}

/// As [`serve`], with more arguments.
fn serve_with(db: &str, sink: &SmtpSink, port: u16, ahead: Option<&str>, more: &[&str]) -> Server {
    let listen = format!("127.0.0.1:{port}");
    let smtp = sink.url();
    let fora = format!("fora={CHAT_GATEWAY}");
    let mut args = vec![
        "--listen",
        &listen,
        "--smtp-url",
        &smtp,
        "--mail-from",
        "IETF moderators <moderators@ietf.example>",
        "--mail-address",
        "community=ietf-announce@ietf.example",
        "--mail-address",
        &fora,
    ];
    args.extend_from_slice(more);
    let serve = Serve::new(db, &args);
    match ahead {
        Some(offset) => serve.clock_ahead(offset),
        None => serve,
    }
    .start()
}

fn json_of(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A logged-in person: the session cookie and its CSRF token.
struct Session {
    base: String,
    cookie: String,
    csrf: String,
}

fn login(base: &str, person: &str, password: &str) -> Session {
    let mut response = ureq::post(format!("{base}/v1/login"))
        .header("Content-Type", "application/json")
        .send(json!({"account": person, "password": password}).to_string())
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body = json_of(response.body_mut().read_to_string().unwrap());
    Session {
        base: base.to_owned(),
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
    }
}

impl Session {
    fn run(&self, capacity: &str, command: Value) -> Value {
        let mut response = ureq::post(format!("{}/v1/commands", self.base))
            .header("Cookie", &self.cookie)
            .header("X-CSRF-Token", &self.csrf)
            .config()
            .http_status_as_error(false)
            .build()
            .header("Content-Type", "application/json")
            .send(json!({"as": capacity, "command": command}).to_string())
            .unwrap();
        let status = response.status().as_u16();
        let body = json_of(response.body_mut().read_to_string().unwrap());
        assert_eq!(status, 201, "{command}: {body}");
        body
    }

    fn get(&self, path: &str) -> Value {
        let body = ureq::get(format!("{}{path}", self.base))
            .header("Cookie", &self.cookie)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        json_of(body)
    }
}

#[test]
fn a_report_escalates_the_chair_suspends_the_person_appeals_and_the_public_report_counts_it() {
    let db = TestDb::sqlite();
    let url = db.url.clone();
    installed(&url);
    let people = [
        "carol",
        "bob",
        "tls-chair-1",
        "mod-1",
        "ad-sec",
        "ietf-chair",
    ];
    let passwords: Vec<(&str, String)> = people.iter().map(|p| (*p, account(&url, p))).collect();
    let password = |p: &str| passwords.iter().find(|(n, _)| *n == p).unwrap().1.clone();
    let sink = SmtpSink::start();
    let port = free_port();

    // Day 0: carol reports bob's sealioning on the TLS list.
    let server = serve(&url, &sink, port, None);
    let carol = login(&server.url, "carol", &password("carol"));
    carol.run(
        "participant",
        json!({"command": "file_report", "forum": TLS, "subject": {"person": "bob"},
            "category": "sealioning",
            "description": "asks for the same evidence in every reply after it was given",
            "links": ["https://mailarchive.ietf.org/arch/msg/tls/abc"]}),
    );
    drop(server);

    // 49 hours later nobody has answered: the report escalates on start.
    let server = serve(&url, &sink, port, Some("+49h"));
    let moderator = login(&server.url, "mod-1", &password("mod-1"));
    let report = moderator.get("/v1/reports/1");
    assert!(report["escalated_at"].is_string(), "{report}");
    // The moderator takes it up, and the chair acts on both of the group's fora.
    moderator.run(
        "moderator",
        json!({"command": "acknowledge_report", "report": 1}),
    );
    let chair = login(&server.url, "tls-chair-1", &password("tls-chair-1"));
    // The server's clock is 49 hours ahead of this one.
    let ends = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(49 + 21 * 24);
    chair.run(
        "administrator",
        json!({"command": "take_action", "subject": {"person": "bob"},
            "measure": {"type": "temporary_suspension"}, "fora": [TLS, TLS_CHAT],
            "ends_at": ends, "reports": [1],
            "reason": "sealioning after two warnings"}),
    );

    // The person, the moderators, and both fora are told by email.
    let told = |to: &str, subject: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let mails = sink.messages();
            if mails
                .iter()
                .any(|m| m.to == to && m.subject.contains(subject))
            {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail to {to} about {subject:?}; got {:?}",
                mails
                    .iter()
                    .map(|m| (&m.to, &m.subject))
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    told("bob@example.org", "Temporary suspension");
    for moderator in ["maya@mod.example", "oscar@mod.example", "rosa@mod.example"] {
        told(moderator, "Action taken");
    }
    told(TLS, "suspended from tls@ietf.org");
    told(CHAT_GATEWAY, "suspended from zulip:tls");
    let mails = sink.messages();
    let to_bob: Vec<_> = mails.iter().filter(|m| m.to == "bob@example.org").collect();
    assert!(
        to_bob
            .iter()
            .all(|m| !m.body.contains("Carol") && !m.body.contains("carol")),
        "bob is never told who reported him"
    );

    // Bob disagrees: the responsible AD decides first, then the IESG.
    let bob = login(&server.url, "bob", &password("bob"));
    bob.run(
        "participant",
        json!({"command": "file_disagreement", "target": {"kind": "action", "id": 1},
            "grounds": "I asked for evidence once, politely"}),
    );
    let ad = login(&server.url, "ad-sec", &password("ad-sec"));
    ad.run(
        "area_director",
        json!({"command": "decide_appeal", "appeal": 1, "upheld": false,
            "rationale": "the thread shows the pattern"}),
    );
    bob.run(
        "participant",
        json!({"command": "escalate_appeal", "appeal": 1}),
    );
    let iesg = login(&server.url, "ietf-chair", &password("ietf-chair"));
    iesg.run(
        "iesg",
        json!({"command": "decide_appeal", "appeal": 1, "upheld": true,
            "remedy": {"remedy": "rescind"}, "rationale": "one warning was not given"}),
    );
    let action = bob.get("/v1/actions/1");
    assert_ne!(action["status"]["status"], json!("in_force"), "{action}");

    // The public report counts the action and the appeals, and names nobody.
    let report = json_of(
        ureq::get(format!("{}/v1/transparency", server.url))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    );
    assert_eq!(
        report["actions"][0]["action"], "temporary_suspension",
        "{report}"
    );
    assert_eq!(report["reports"]["escalated"], 1, "{report}");
    assert_eq!(
        report["appeals"]["decided"]["iesg"]["upheld"], 1,
        "{report}"
    );
    let text = report.to_string();
    for name in ["bob", "carol", "alice", "sealioning after", "example.org"] {
        assert!(!text.contains(name), "{name} in the public report: {text}");
    }
}

/// Waits up to 30 s for a message to `to` whose subject starts with `subject`.
fn mail_to(sink: &SmtpSink, to: &str, subject: &str) -> modpod_testkit::smtp::Received {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(mail) = sink
            .messages()
            .into_iter()
            .find(|m| m.to == to && m.subject.starts_with(subject))
        {
            return mail;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail to {to} about {subject:?}; got {:?}",
            sink.messages()
                .iter()
                .map(|m| (m.to.clone(), m.subject.clone()))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// NOTIFY-2 and NOTIFY-5 end to end: the scheduler inside `modpod serve`
/// issues the IESG digest when its period (30 days here) is over and the
/// community report when its own (90 days) is, and both are emailed: the
/// digest to each IESG member with the period's action, the report to the
/// community channel with counts and no name.
#[test]
fn the_scheduler_emails_the_iesg_digest_and_the_community_report_when_their_periods_end() {
    let db = TestDb::sqlite();
    let url = db.url.clone();
    installed(&url);
    let ends = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(21 * 24);
    let action = json!({"command": "take_action", "subject": {"person": "bob"},
        "measure": {"type": "temporary_suspension"}, "fora": [TLS],
        "ends_at": ends, "reason": "sealioning after two warnings"});
    common::ok(
        &url,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            &action.to_string(),
        ],
    );
    let sink = SmtpSink::start();
    let port = free_port();

    // 29 days on, neither period is over: the action's own emails go out,
    // but no digest and no report.
    let server = serve(&url, &sink, port, Some("+29d"));
    mail_to(&sink, "bob@example.org", "");
    std::thread::sleep(Duration::from_secs(1));
    drop(server);
    assert!(
        !sink
            .messages()
            .iter()
            .any(|m| m.subject.starts_with("Moderation digest")
                || m.subject.starts_with("Moderation report")),
        "{:?}",
        sink.messages()
            .iter()
            .map(|m| m.subject.clone())
            .collect::<Vec<_>>()
    );

    // 91 days on, both are due, and the scheduler sends them at start.
    let _server = serve(&url, &sink, port, Some("+91d"));
    let digest = mail_to(&sink, "deb@sec.example", "Moderation digest");
    assert!(digest.subject.ends_with(": 1 action"), "{}", digest.subject);
    assert!(digest.body.contains(TLS), "{}", digest.body);
    let report = mail_to(&sink, "ietf-announce@ietf.example", "Moderation report");
    for name in ["bob", "Bob", "tls-chair-1", "carol"] {
        assert!(!report.body.contains(name), "{name} in {}", report.body);
    }
    assert!(
        report.body.contains("temporary suspension")
            || report.body.contains("temporary_suspension"),
        "{}",
        report.body
    );
}

/// The moderator team's ladder, end to end (TEAM-5, LADDER-1, STATS-1),
/// through HTTP, a real SMTP server and the Postfix policy server: a level-0
/// note proposed by one moderator is vetted and agreed by a second, and only
/// then sent; a month later, level 1 and its note to the list; then level 2,
/// agreed by the team, waits for the IETF chair's approval, and once
/// approved, bob's posts to the list are refused; the team's yearly table
/// counts each step.
#[test]
fn the_team_s_ladder_from_a_vetted_note_to_a_restriction_the_ietf_chair_approves() {
    const IETF: &str = "ietf@ietf.org";
    let db = TestDb::sqlite();
    let url = db.url.clone();
    installed(&url);
    let people = ["mod-1", "mod-2", "ietf-chair"];
    let passwords: Vec<(&str, String)> = people.iter().map(|p| (*p, account(&url, p))).collect();
    let password = |p: &str| passwords.iter().find(|(n, _)| *n == p).unwrap().1.clone();
    let sink = SmtpSink::start();
    let port = free_port();
    let year = |days: i64| {
        jiff::tz::TimeZone::UTC
            .to_datetime(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * days))
            .year()
    };
    let proposal = |body: &Value| {
        body["proposal"]
            .as_u64()
            .unwrap_or_else(|| panic!("{body}"))
    };

    // Level 0: mod-1 drafts an off-list note; nothing reaches bob until
    // mod-2 has read it and agreed.
    let server = serve(&url, &sink, port, None);
    let mod1 = login(&server.url, "mod-1", &password("mod-1"));
    let mod2 = login(&server.url, "mod-2", &password("mod-2"));
    let proposed = mod1.run(
        "moderator",
        json!({"command": "take_action", "subject": {"person": "bob"},
            "measure": {"type": "private_admonishment"}, "fora": [IETF],
            "reason": "remarks about an author rather than the draft",
            "level": {"level": 0},
            "texts": {"to_person": "Please discuss the draft, not its authors."}}),
    );
    let for_agreement = mail_to(&sink, "oscar@mod.example", "For your agreement: ");
    assert!(
        for_agreement
            .body
            .contains("Please discuss the draft, not its authors."),
        "{}",
        for_agreement.body
    );
    assert!(
        !sink.messages().iter().any(|m| m.to == "bob@example.org"),
        "nothing is sent before it is vetted"
    );
    mod2.run(
        "moderator",
        json!({"command": "agree_to_proposal", "proposal": proposal(&proposed)}),
    );
    // Each level is told in its own text (TEMPLATE-1).
    let note = mail_to(
        &sink,
        "bob@example.org",
        "A note from the IETF moderator team",
    );
    assert!(
        note.body
            .contains("Please discuss the draft, not its authors.")
            && note.body.contains("level 0")
            && note.body.contains("the next step is level 1"),
        "{}",
        note.body
    );
    drop(server);

    // A month later, level 1: a voluntary break and a note to the list.
    let server = serve(&url, &sink, port, Some("+31d"));
    let mod1 = login(&server.url, "mod-1", &password("mod-1"));
    let mod2 = login(&server.url, "mod-2", &password("mod-2"));
    let proposed = mod1.run(
        "moderator",
        json!({"command": "take_action", "subject": {"person": "bob"},
            "measure": {"type": "public_admonishment"}, "fora": [IETF],
            "reason": "the remarks went on after the note",
            "level": {"level": 1},
            "texts": {"to_person": "Please take a five-day break from the list.",
                      "to_list": "Please keep this list to the drafts, not the people."}}),
    );
    mod2.run(
        "moderator",
        json!({"command": "agree_to_proposal", "proposal": proposal(&proposed)}),
    );
    let to_list = mail_to(&sink, IETF, "A note from the IETF moderator team");
    assert!(
        to_list
            .body
            .contains("Please keep this list to the drafts, not the people."),
        "{}",
        to_list.body
    );
    drop(server);

    // Later still, level 2: agreed by the team, then approved by the IETF
    // chair, and only then enforced by the policy server.
    let server = serve_with(
        &url,
        &sink,
        port,
        Some("+62d"),
        &["--policy-listen", "127.0.0.1:0"],
    );
    let policy = common::policy_address(&server);
    let mod1 = login(&server.url, "mod-1", &password("mod-1"));
    let mod2 = login(&server.url, "mod-2", &password("mod-2"));
    let chair = login(&server.url, "ietf-chair", &password("ietf-chair"));
    let proposed = mod1.run(
        "moderator",
        json!({"command": "take_action", "subject": {"person": "bob"},
            "measure": {"type": "temporary_suspension"}, "fora": [IETF],
            "reason": "the remarks resumed after the break",
            "level": {"level": 2},
            "texts": {"to_person": "You may not post to the IETF list for 14 days.",
                      "to_list": "A participant may not post here for 14 days."}}),
    );
    let id = proposal(&proposed);
    mod2.run(
        "moderator",
        json!({"command": "agree_to_proposal", "proposal": id}),
    );
    mail_to(&sink, "chair@ietf.example", "For your approval: ");
    let allowed = common::policy_request(&policy, "bob@example.org", IETF);
    assert!(allowed.starts_with("action=DUNNO"), "{allowed}");
    chair.run(
        "ietf_chair",
        json!({"command": "approve_proposal", "proposal": id}),
    );
    let restricted = mail_to(
        &sink,
        "bob@example.org",
        "Your posts to ietf@ietf.org are restricted",
    );
    assert!(
        restricted.body.contains("with the approval of"),
        "{}",
        restricted.body
    );
    let refused = common::policy_request(&policy, "bob@example.org", IETF);
    assert!(refused.starts_with("action=REJECT"), "{refused}");

    // The team's table counts each step, in the year it was taken, and bob
    // once over all the years; it names nobody.
    let stats = json_of(
        ureq::get(format!("{}/v1/statistics", server.url))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    );
    let mut expected = std::collections::BTreeMap::<i16, [u64; 3]>::new();
    for (days, level) in [(0, 0), (31, 1), (62, 2)] {
        expected.entry(year(days)).or_default()[level] += 1;
    }
    let got: std::collections::BTreeMap<i16, Vec<u64>> = stats["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                i16::try_from(y["year"].as_i64().unwrap()).unwrap(),
                serde_json::from_value(y["by_level"].clone()).unwrap(),
            )
        })
        .collect();
    let expected: std::collections::BTreeMap<i16, Vec<u64>> =
        expected.into_iter().map(|(y, l)| (y, l.to_vec())).collect();
    assert_eq!(got, expected, "{stats}");
    assert_eq!(stats["people_contacted"], 1, "{stats}");
    assert!(!stats.to_string().contains("bob"), "{stats}");
}
