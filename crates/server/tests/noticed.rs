//! What the decision API lets through, and what modpod records of it by
//! itself (CIRCUMVENT-1, REPORT-6): the policy shared by `/v1/decide` and
//! the Postfix policy server passes what posts show on to a queue, and
//! `modpod_server::noticed` records it as `system`. The answers to posts
//! never change for it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{As, IETF, QUIC, TLS, TLS_CHAIRS, command};
use modpod_enforce::{Index, Policy, PolicyConfig};
use modpod_policy::ids::PersonId;
use modpod_policy::model::{AlertKind, Capacity, Measure, Recipient};
use modpod_policy::{Actor, Command};
use modpod_server::http::App;
use modpod_server::noticed;
use modpod_server::tokens::Scope;
use serde_json::{Value, json};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, RwLock};

struct Watched {
    api: common::Api,
    /// The list server's token, which asks for decisions.
    listbot: As,
    /// Alice chairs the tls list.
    alice: As,
    noticed: Receiver<Command>,
}

/// The small IETF, with a policy that passes on what posts show.
fn watched() -> Watched {
    let mut engine = common::engine();
    modpod_server::accounts::create(engine.store(), "listbot", "listbot", "pw").unwrap();
    let index = Arc::new(RwLock::new(Index::build(engine.state())));
    engine.observe(Box::new({
        let index = index.clone();
        move |state, event| index.write().unwrap().apply(state, event)
    }));
    let engine = Arc::new(Mutex::new(engine));
    let (to, noticed) = noticed::queue();
    let policy = Arc::new(Policy::new(index, PolicyConfig::default()).reporting_to(to));
    let api = common::Api {
        app: App::new(engine.clone(), policy),
        engine,
    };
    let listbot = api.token("listbot", Scope::Decide);
    let alice = api.token("alice", Scope::Act);
    Watched {
        api,
        listbot,
        alice,
        noticed,
    }
}

impl Watched {
    async fn decide(&self, forum: &str, sender: &str) -> String {
        let (status, body) = self
            .api
            .post(
                "/v1/decide",
                &self.listbot,
                json!({"forum": forum, "sender": sender}),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{body}");
        body["verdict"].as_str().unwrap().to_owned()
    }

    /// What was passed on since last asked.
    fn passed_on(&self) -> Vec<Command> {
        self.noticed.try_iter().collect()
    }

    /// Records what was passed on, as `modpod serve` does; how many were.
    fn record(&self, commands: &[Command]) -> usize {
        let mut engine = self.api.engine.lock().unwrap();
        commands
            .iter()
            .filter(|c| noticed::record(&mut engine, c, jiff::Timestamp::now()).unwrap())
            .count()
    }

    /// Runs a command as `person` in `capacity`, on the engine.
    fn execute(&self, person: &str, capacity: Capacity, value: Value) {
        let actor = Actor::new(PersonId::parse(person).unwrap(), capacity);
        let mut engine = self.api.engine.lock().unwrap();
        engine
            .execute(&actor, &command(value), jiff::Timestamp::now())
            .unwrap();
    }
}

#[tokio::test]
async fn circumvent_1_a_suspended_person_posting_elsewhere_is_recorded_once_and_allowed_as_before()
{
    let w = watched();
    let (status, body) = w
        .api
        .post(
            "/v1/commands",
            &w.alice,
            json!({"as": "administrator", "command": {"command": "take_action",
                "subject": {"person": "bob"}, "measure": {"type": "temporary_suspension"},
                "fora": [TLS], "ends_at": "2099-01-01T00:00:00Z", "reason": "sealioning"}}),
        )
        .await;
    assert_eq!(status.as_u16(), 201, "{body}");

    // Elsewhere bob posts as before; modpod hears of it once.
    for _ in 0..5 {
        assert_eq!(w.decide(QUIC, "bob@example.org").await, "allow");
    }
    let passed_on = w.passed_on();
    assert_eq!(passed_on.len(), 1, "{passed_on:?}");
    assert_eq!(w.record(&passed_on), 1);
    // On another list, by another address of his (a +tag): another alert,
    // of the identity he is known by.
    assert_eq!(w.decide(IETF, "Bob+lists@example.org").await, "allow");
    assert_eq!(w.record(&w.passed_on()), 1);
    // Where he is suspended he is refused, as before; on a list the team
    // does not moderate, nothing is watched; nor is carol, restricted
    // nowhere.
    assert_eq!(w.decide(TLS, "bob@example.org").await, "reject");
    assert_eq!(w.decide(TLS_CHAIRS, "bob@example.org").await, "allow");
    assert_eq!(w.decide(QUIC, "carol@example.org").await, "allow");
    assert!(w.passed_on().is_empty());

    {
        let engine = w.api.engine.lock().unwrap();
        let state = engine.state();
        let alerts: Vec<_> = state.alerts.values().collect();
        assert_eq!(alerts.len(), 2);
        for (alert, forum) in alerts.iter().zip([QUIC, IETF]) {
            assert_eq!(alert.kind, AlertKind::PostedElsewhere);
            assert_eq!(alert.person.as_str(), "bob");
            assert_eq!(alert.identity.to_string(), "email:bob@example.org");
            assert_eq!(alert.forum.as_ref().unwrap().as_str(), forum);
        }
        // The moderator team is told; bob's actions are as they were.
        let told = state
            .notifications
            .values()
            .filter(|n| n.template == "circumvention/moderators")
            .count();
        assert_eq!(told, 2);
        assert_eq!(state.actions.len(), 1);
    }
    // The moderators read them; bob does not.
    let m1 = w.api.login("m1").await;
    let (_, alerts) = w.api.get("/v1/alerts", &m1).await;
    assert_eq!(alerts["total"], 2, "{alerts}");
    let bob = w.api.login("bob").await;
    let (_, alerts) = w.api.get("/v1/alerts", &bob).await;
    assert_eq!(alerts["total"], 0, "{alerts}");
}

#[tokio::test]
async fn report_6_the_volume_rule_limits_a_sender_after_one_post_too_many_and_defers_the_excess() {
    let w = watched();
    // Off by default: nothing is passed on, however many posts.
    for _ in 0..10 {
        assert_eq!(w.decide(QUIC, "carol@example.org").await, "allow");
    }
    assert!(w.passed_on().is_empty());

    // The team's procedures, approved by the IESG: more than 3 posts in 60
    // minutes on one forum.
    w.execute(
        "m1",
        Capacity::Moderator,
        json!({"command": "draft_procedures", "version": 1, "title": "Procedures",
            "text": "More than 3 posts an hour on one list is a flood.",
            "numbers": {"volume_posts": 3, "volume_minutes": 60}}),
    );
    w.execute(
        "m2",
        Capacity::Moderator,
        json!({"command": "open_procedures_review", "version": 1}),
    );
    w.execute(
        "ad_sec",
        Capacity::Iesg,
        json!({"command": "approve_procedures", "version": 1}),
    );

    for _ in 0..3 {
        assert_eq!(w.decide(TLS, "erin@example.org").await, "allow");
    }
    assert!(w.passed_on().is_empty(), "three is within the rule");
    // The fourth is let through all the same; modpod limits her from then on.
    assert_eq!(w.decide(TLS, "erin@example.org").await, "allow");
    let passed_on = w.passed_on();
    assert_eq!(
        passed_on,
        [command(
            json!({"command": "apply_volume_limit", "subject": {"person": "erin"},
            "forum": TLS, "posts": 3, "minutes": 60})
        )]
    );
    assert_eq!(w.record(&passed_on), 1);
    {
        let engine = w.api.engine.lock().unwrap();
        let state = engine.state();
        let limit = state.actions.values().next_back().unwrap();
        assert_eq!(limit.subject.as_str(), "erin");
        assert_eq!(limit.taken_as, Capacity::System);
        assert_eq!(
            limit.terms.measure,
            Measure::RateLimit {
                posts: 3,
                per_seconds: 3600
            }
        );
        // Notified like any action (NOTIFY-1).
        let erin = Recipient::Person {
            person: PersonId::parse("erin").unwrap(),
        };
        assert!(
            state
                .notifications
                .values()
                .any(|n| n.to == erin && n.requirement.contains("NOTIFY-1")),
        );
    }
    // From then on, three posts an hour and no more.
    for _ in 0..3 {
        assert_eq!(w.decide(TLS, "erin@example.org").await, "allow");
    }
    assert_eq!(w.decide(TLS, "erin@example.org").await, "defer");
    // Elsewhere it is another count.
    assert_eq!(w.decide(QUIC, "erin@example.org").await, "allow");
    assert!(w.passed_on().is_empty());

    // A sender nobody knows is counted by address, and limited the same way.
    for _ in 0..4 {
        assert_eq!(w.decide(QUIC, "flood@example.net").await, "allow");
    }
    assert_eq!(w.record(&w.passed_on()), 1);
    for _ in 0..3 {
        assert_eq!(w.decide(QUIC, "Flood@Example.net").await, "allow");
    }
    assert_eq!(w.decide(QUIC, "flood@example.net").await, "defer");
}
