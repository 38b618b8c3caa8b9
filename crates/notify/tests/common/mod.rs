//! A small IETF for the notification tests, recorded through the engine:
//! two working groups with their chairs and one AD, a plenary list, a chat
//! room, two moderators, the other bodies, and bob, who disrupts, with the
//! carol and dave who report him.
#![allow(dead_code)]

use jiff::{SignedDuration, Timestamp};
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command};
use modpod_server::{Engine, Recorded};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};

pub const TLS: &str = "tls@ietf.org";
pub const QUIC: &str = "quic@ietf.org";

/// The people, their names and email addresses.
pub const PEOPLE: &[(&str, &str, &[&str])] = &[
    ("chair", "Robin Chair", &["chair@ietf.example"]),
    ("ad", "Deb Security", &["deb@sec.example"]),
    ("m1", "Maya Moderator", &["maya@mod.example"]),
    ("m2", "Oscar Moderator", &["oscar@mod.example"]),
    (
        "alice",
        "Alice Chair",
        &["alice@example.org", "alice.chair@work.example"],
    ),
    ("lucas", "Lucas Chair", &["lucas@example.com"]),
    (
        "bob",
        "Bob Participant",
        &["bob@example.org", "Bob+lists@Example.ORG"],
    ),
    ("carol", "Carol Reporter", &["carol@example.org"]),
    ("dave", "Dave Reporter", &["dave@example.org"]),
    ("ines", "Ines Architecture", &["ines@iab.example"]),
    ("jay", "Jay Executive", &["jay@llc.example"]),
    ("kim", "Kim Board", &["kim@board.example"]),
    ("lee", "Lee Ombudsperson", &["lee@ombuds.example"]),
];

pub struct World {
    /// Shared, as `modpod serve` shares it with the notification worker.
    pub engine: Arc<Mutex<Engine>>,
    pub now: Timestamp,
}

fn capacity(name: &str) -> Capacity {
    name.parse().unwrap()
}

impl World {
    /// Sets the small IETF up in `engine`'s log.
    pub fn new(engine: Engine) -> World {
        let w = World {
            engine: Arc::new(Mutex::new(engine)),
            now: Timestamp::now(),
        };
        let mut setup = vec![(
            "op",
            "operator",
            json!({"command": "bootstrap", "operator": "op", "name": "Operator"}),
        )];
        for (id, name, emails) in PEOPLE {
            setup.push((
                "op",
                "operator",
                json!({"command": "register_person", "person": id, "name": name}),
            ));
            for email in *emails {
                setup.push((
                    "op",
                    "operator",
                    json!({"command": "link_identity", "person": id,
                    "identity": {"kind": "email", "value": email}}),
                ));
            }
        }
        for wg in ["tls", "quic"] {
            setup.push((
                "op",
                "operator",
                json!({"command": "create_working_group", "wg": wg,
                "name": wg.to_uppercase(), "area": "sec", "responsible_ad": "ad"}),
            ));
        }
        for (person, role) in [
            ("chair", json!({"role": "ietf_chair"})),
            ("ad", json!({"role": "area_director", "area": "sec"})),
            ("alice", json!({"role": "wg_chair", "wg": "tls"})),
            ("lucas", json!({"role": "wg_chair", "wg": "quic"})),
            ("ines", json!({"role": "iab_member"})),
            ("jay", json!({"role": "llc_staff"})),
            ("kim", json!({"role": "llc_board_member"})),
            ("lee", json!({"role": "ombudsperson"})),
        ] {
            setup.push((
                "op",
                "operator",
                json!({"command": "grant_role", "person": person, "role": role}),
            ));
        }
        for (id, name, kind, wg, plenary) in [
            (
                TLS,
                "TLS working group list",
                "mailing-list",
                Some("tls"),
                false,
            ),
            (
                QUIC,
                "QUIC working group list",
                "mailing-list",
                Some("quic"),
                false,
            ),
            ("zulip:tls", "TLS chat room", "chat", Some("tls"), false),
            (
                "ietf@ietf.org",
                "IETF discussion list",
                "mailing-list",
                None,
                true,
            ),
        ] {
            setup.push(("op", "operator", json!({"command": "create_forum", "forum": id, "name": name,
                "kind": kind, "organisation": "ietf", "public": true, "plenary": plenary, "wg": wg})));
        }
        for m in ["m1", "m2"] {
            setup.push((
                "chair",
                "iesg",
                json!({"command": "appoint_moderator", "person": m}),
            ));
        }
        let setup: Vec<(Actor, Command)> = setup
            .into_iter()
            .map(|(who, cap, c)| {
                (
                    Actor::new(PersonId::parse(who).unwrap(), capacity(cap)),
                    serde_json::from_value(c).unwrap(),
                )
            })
            .collect();
        w.engine().execute_all(&setup, w.now).unwrap();
        w
    }

    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        self.engine.lock().unwrap()
    }

    /// Records one command, as `who` acting as `capacity`.
    ///
    /// A moderator's action is the team's proposal until a second moderator
    /// agrees (TEAM-5): as the team does, the other moderator agrees, and
    /// the events of both are returned.
    pub fn run(&mut self, who: &str, capacity_name: &str, command: Value) -> Recorded {
        let mut recorded = self.record(who, capacity_name, command);
        if let Some(proposal) = proposal_id(&recorded) {
            let other = if who == "m1" { "m2" } else { "m1" };
            let agreed = self.record(
                other,
                "moderator",
                json!({"command": "agree_to_proposal", "proposal": proposal}),
            );
            recorded.events.extend(agreed.events);
        }
        recorded
    }

    /// Decides and records a command as it is.
    pub fn record(&mut self, who: &str, capacity_name: &str, command: Value) -> Recorded {
        let actor = Actor::new(PersonId::parse(who).unwrap(), capacity(capacity_name));
        let command: Command = serde_json::from_value(command).unwrap();
        self.engine()
            .execute(&actor, &command, self.now)
            .unwrap_or_else(|e| panic!("{who} as {capacity_name}: {e}"))
    }

    /// Moves the clock on.
    pub fn later(&mut self, hours: i64) {
        self.now += SignedDuration::from_hours(hours);
    }

    /// Carol reports bob on the TLS list and dave on the QUIC list: reports
    /// in two fora, on which the moderators may act on both (ACT-2).
    pub fn bob_is_reported_on_two_lists(&mut self) {
        self.run(
            "carol",
            "participant",
            json!({"command": "file_report", "forum": TLS,
            "subject": {"person": "bob"}, "category": "uncivil",
            "description": "Carol's account of bob's insults"}),
        );
        self.run(
            "dave",
            "participant",
            json!({"command": "file_report", "forum": QUIC,
            "subject": {"person": "bob"}, "category": "uncivil",
            "description": "Dave's account of bob's insults"}),
        );
    }

    /// A moderator suspends bob on both lists for 21 days, citing the reports.
    pub fn bob_is_suspended_for_21_days(&mut self) -> u64 {
        let ends = self.now + SignedDuration::from_hours(21 * 24);
        let recorded = self.run(
            "m1",
            "moderator",
            json!({"command": "take_action",
            "subject": {"person": "bob"}, "measure": {"type": "temporary_suspension"},
            "fora": [TLS, QUIC], "ends_at": ends.to_string(), "reports": [1, 2],
            "reason": "insults on two lists after two warnings"}),
        );
        action_id(&recorded)
    }
}

/// The id of the action a command took.
pub fn action_id(recorded: &Recorded) -> u64 {
    recorded
        .events
        .iter()
        .find(|e| e.kind == "action_taken")
        .map(|e| {
            let v: Value = serde_json::from_str(&e.payload).unwrap();
            v["action"]["id"].as_u64().unwrap()
        })
        .expect("an action was taken")
}

/// The proposal a command made, if it made one (TEAM-5).
pub fn proposal_id(recorded: &Recorded) -> Option<u64> {
    recorded
        .events
        .iter()
        .find(|e| e.kind == "proposal_made")
        .map(|e| {
            let v: Value = serde_json::from_str(&e.payload).unwrap();
            v["proposal"]["id"].as_u64().unwrap()
        })
}

/// The ids of the notifications a command owed.
pub fn owed(recorded: &Recorded) -> Vec<u64> {
    recorded
        .events
        .iter()
        .filter(|e| e.kind == "notification_owed")
        .map(|e| {
            let v: Value = serde_json::from_str(&e.payload).unwrap();
            v["notification"]["id"].as_u64().unwrap()
        })
        .collect()
}
