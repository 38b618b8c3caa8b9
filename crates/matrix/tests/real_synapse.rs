//! The client against a real Synapse, with real users sending real messages:
//! what each enforcement does to them, and that it is undone.
//!
//! Needs the Synapse `scripts/lib/synapse.sh` starts (`start_synapse`), named
//! by MODPOD_TEST_SYNAPSE_URL, MODPOD_TEST_SYNAPSE_ADMIN_TOKEN and
//! MODPOD_TEST_SYNAPSE_SHARED_SECRET. Each test registers its own throwaway
//! users and makes its own rooms, so tests run in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hmac::{Hmac, Mac};
use modpod_matrix::{Client, MatrixError, PowerLevel};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const URL_VAR: &str = "MODPOD_TEST_SYNAPSE_URL";
const TOKEN_VAR: &str = "MODPOD_TEST_SYNAPSE_ADMIN_TOKEN";
const SECRET_VAR: &str = "MODPOD_TEST_SYNAPSE_SHARED_SECRET";

/// The homeserver the tests use, and its admin.
struct Synapse {
    url: String,
    admin_token: String,
    secret: String,
    admin: Client,
}

fn synapse() -> Synapse {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set, so the Matrix tests cannot run against a real Synapse.\n\
                 Run the whole suite with scripts/test, which starts a throwaway Synapse, or start \
                 one yourself and run the tests in the same shell:\n  \
                 source scripts/lib/services.sh; source scripts/lib/synapse.sh; start_synapse\n  \
                 cargo test -p modpod-matrix\n  \
                 stop_synapse\n\
                 ({URL_VAR}, {TOKEN_VAR} and {SECRET_VAR} name the homeserver, an admin's \
                 access token and its registration_shared_secret.)"
            )
        })
    };
    let url = var(URL_VAR);
    let admin_token = var(TOKEN_VAR);
    let secret = var(SECRET_VAR);
    let admin = Client::new(&url, &admin_token);
    Synapse {
        url,
        admin_token,
        secret,
        admin,
    }
}

/// A throwaway user, logged in.
struct User {
    id: String,
    token: String,
}

/// What the homeserver answered to a raw call.
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn errcode(&self) -> &str {
        self.body
            .get("errcode")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

impl Synapse {
    /// A raw call of the client-server or admin API, for what the client
    /// under test does not do (registering, making rooms, sending).
    fn http(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(20)))
            .http_status_as_error(false)
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let auth = format!("Bearer {}", token.unwrap_or(""));
        let body = body.map(|b| b.to_string()).unwrap_or_else(|| "{}".into());
        let result = match method {
            "GET" => agent.get(&url).header("Authorization", &auth).call(),
            "POST" => agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(&body),
            "PUT" => agent
                .put(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(&body),
            other => panic!("no {other} here"),
        };
        let mut response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, body }
    }

    /// Registers a throwaway user with the shared secret (the admin
    /// registration API: nonce, then HMAC-SHA1 of nonce, name, password and
    /// "notadmin"), and logs them in.
    fn user(&self) -> User {
        let name = format!("t{:016x}", rand::random::<u64>());
        let password = format!("pw-{:016x}", rand::random::<u64>());
        let nonce = self.http("GET", "/_synapse/admin/v1/register", None, None);
        assert_eq!(nonce.status, 200, "{}", nonce.body);
        let nonce = nonce.body["nonce"].as_str().unwrap().to_owned();
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(self.secret.as_bytes()).unwrap();
        mac.update(format!("{nonce}\0{name}\0{password}\0notadmin").as_bytes());
        let mac: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let registered = self.http(
            "POST",
            "/_synapse/admin/v1/register",
            None,
            Some(json!({
                "nonce": nonce, "username": name, "password": password,
                "admin": false, "mac": mac,
            })),
        );
        assert_eq!(registered.status, 200, "{}", registered.body);
        let login = self.http(
            "POST",
            "/_matrix/client/v3/login",
            None,
            Some(json!({
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": name},
                "password": password,
            })),
        );
        assert_eq!(login.status, 200, "{}", login.body);
        User {
            id: login.body["user_id"].as_str().unwrap().to_owned(),
            token: login.body["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A new public room the admin made (and so moderates, at level 100).
    fn room(&self) -> String {
        let made = self.http(
            "POST",
            "/_matrix/client/v3/createRoom",
            Some(&self.admin_token),
            Some(json!({"preset": "public_chat", "name": "modpod test"})),
        );
        assert_eq!(made.status, 200, "{}", made.body);
        made.body["room_id"].as_str().unwrap().to_owned()
    }

    fn join(&self, user: &User, room: &str) -> Answer {
        self.http(
            "POST",
            &format!("/_matrix/client/v3/rooms/{}/join", encode(room)),
            Some(&user.token),
            Some(json!({})),
        )
    }

    fn send(&self, user: &User, room: &str, text: &str) -> Answer {
        static TXN: AtomicU64 = AtomicU64::new(0);
        let txn = format!(
            "{}-{}",
            std::process::id(),
            TXN.fetch_add(1, Ordering::Relaxed)
        );
        self.http(
            "PUT",
            &format!(
                "/_matrix/client/v3/rooms/{}/send/m.room.message/{txn}",
                encode(room)
            ),
            Some(&user.token),
            Some(json!({"msgtype": "m.text", "body": text})),
        )
    }

    /// Sends, and asserts it was accepted.
    fn sends(&self, user: &User, room: &str, text: &str) {
        let sent = self.send(user, room, text);
        assert_eq!(sent.status, 200, "{text}: {}", sent.body);
    }

    /// Sends, and asserts it was refused with `errcode`.
    fn is_refused(&self, user: &User, room: &str, text: &str, status: u16, errcode: &str) {
        let sent = self.send(user, room, text);
        assert_eq!(
            (sent.status, sent.errcode()),
            (status, errcode),
            "{text}: {}",
            sent.body
        );
    }

    /// The content of the membership event of `user` in `room`.
    fn member_event(&self, room: &str, user: &str) -> Answer {
        self.http(
            "GET",
            &format!(
                "/_matrix/client/v3/rooms/{}/state/m.room.member/{}",
                encode(room),
                encode(user)
            ),
            Some(&self.admin_token),
            None,
        )
    }

    /// Sets the `users` entry of `user` in the power levels of `room` by hand.
    fn set_level(&self, room: &str, user: &str, level: i64) {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/state/m.room.power_levels/",
            encode(room)
        );
        let mut content = self.http("GET", &path, Some(&self.admin_token), None).body;
        content["users"][user] = json!(level);
        let set = self.http("PUT", &path, Some(&self.admin_token), Some(content));
        assert_eq!(set.status, 200, "{}", set.body);
    }

    /// The server name of the homeserver, from the admin's user id.
    fn server_name(&self) -> String {
        let admin = self.admin.whoami().unwrap();
        admin.split_once(':').unwrap().1.to_owned()
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn a_banned_user_cannot_send_or_join_until_unbanned() {
    let s = synapse();
    let room = s.room();
    let bob = s.user();
    assert_eq!(s.join(&bob, &room).status, 200);
    s.sends(&bob, &room, "hello");
    assert!(s.admin.banned(&room).unwrap().is_empty());

    s.admin.ban(&room, &bob.id, "spam").unwrap();
    assert_eq!(
        s.admin
            .banned(&room)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![bob.id.clone()]
    );
    assert_eq!(
        s.admin.membership(&room, &bob.id).unwrap().as_deref(),
        Some("ban")
    );
    s.is_refused(&bob, &room, "while banned", 403, "M_FORBIDDEN");
    let join = s.join(&bob, &room);
    assert_eq!(
        (join.status, join.errcode()),
        (403, "M_BAD_STATE"),
        "{}",
        join.body
    );

    s.admin.unban(&room, &bob.id).unwrap();
    assert!(s.admin.banned(&room).unwrap().is_empty());
    // Unbanned is not back in: they have to join again.
    assert_eq!(
        s.admin.membership(&room, &bob.id).unwrap().as_deref(),
        Some("leave")
    );
    s.is_refused(&bob, &room, "unbanned, not joined", 403, "M_FORBIDDEN");
    assert_eq!(s.join(&bob, &room).status, 200);
    s.sends(&bob, &room, "back");
}

#[test]
fn bans_and_unbans_are_idempotent() {
    let s = synapse();
    let room = s.room();
    let carol = s.user();
    let never = s.user();
    assert_eq!(s.join(&carol, &room).status, 200);

    s.admin.ban(&room, &carol.id, "first").unwrap();
    s.admin.ban(&room, &carol.id, "second").unwrap();
    // The second ban wrote nothing: the room saw one ban.
    let ban = s.member_event(&room, &carol.id);
    assert_eq!(ban.body["membership"], "ban");
    assert_eq!(ban.body["reason"], "first");
    assert_eq!(s.admin.banned(&room).unwrap().len(), 1);

    s.admin.unban(&room, &carol.id).unwrap();
    // Synapse itself refuses this one (403 M_BAD_STATE); the client does not ask.
    s.admin.unban(&room, &carol.id).unwrap();
    assert!(s.admin.banned(&room).unwrap().is_empty());

    // A user who never was in the room: unbanning writes no membership.
    s.admin.unban(&room, &never.id).unwrap();
    assert_eq!(s.admin.membership(&room, &never.id).unwrap(), None);
    // Banning them keeps them out before they ever came.
    s.admin.ban(&room, &never.id, "").unwrap();
    let join = s.join(&never, &room);
    assert_eq!(join.status, 403, "{}", join.body);
    s.admin.unban(&room, &never.id).unwrap();
    assert_eq!(s.join(&never, &room).status, 200);
    s.sends(&never, &room, "first words");
}

#[test]
fn a_muted_user_cannot_send_until_unmuted_and_gets_their_level_back() {
    let s = synapse();
    let room = s.room();
    let dave = s.user();
    assert_eq!(s.join(&dave, &room).status, 200);
    s.sends(&dave, &room, "before");
    assert_eq!(
        s.admin.power_level(&room, &dave.id).unwrap(),
        PowerLevel {
            explicit: None,
            users_default: 0,
            events_default: 0,
            send_message: 0
        }
    );

    // No explicit level before: unmuting removes the entry.
    assert_eq!(s.admin.mute(&room, &dave.id).unwrap(), None);
    let muted = s.admin.power_level(&room, &dave.id).unwrap();
    assert_eq!(muted.explicit, Some(-1));
    assert!(!muted.can_send_messages());
    s.is_refused(&dave, &room, "while muted", 403, "M_FORBIDDEN");
    // Muting again changes nothing, and says what unmuting would put back to
    // leave the room as it is now.
    assert_eq!(s.admin.mute(&room, &dave.id).unwrap(), Some(-1));
    assert_eq!(s.admin.power_level(&room, &dave.id).unwrap(), muted);

    s.admin.unmute(&room, &dave.id, None).unwrap();
    assert_eq!(s.admin.power_level(&room, &dave.id).unwrap().explicit, None);
    s.sends(&dave, &room, "unmuted");
    s.admin.unmute(&room, &dave.id, None).unwrap();
    s.sends(&dave, &room, "still unmuted");

    // An explicit level before: unmuting puts it back.
    s.set_level(&room, &dave.id, 10);
    assert_eq!(s.admin.mute(&room, &dave.id).unwrap(), Some(10));
    assert_eq!(
        s.admin.power_level(&room, &dave.id).unwrap().explicit,
        Some(-1)
    );
    s.is_refused(&dave, &room, "muted again", 403, "M_FORBIDDEN");
    s.admin.unmute(&room, &dave.id, Some(10)).unwrap();
    assert_eq!(
        s.admin.power_level(&room, &dave.id).unwrap().explicit,
        Some(10)
    );
    s.sends(&dave, &room, "level 10 again");
}

#[test]
fn mutes_follow_the_level_messages_need() {
    let s = synapse();
    let room = s.room();
    let erin = s.user();
    assert_eq!(s.join(&erin, &room).status, 200);
    // A room where messages need 20 and erin has 30.
    let path = format!(
        "/_matrix/client/v3/rooms/{}/state/m.room.power_levels/",
        encode(&room)
    );
    let mut content = s.http("GET", &path, Some(&s.admin_token), None).body;
    content["events"]["m.room.message"] = json!(20);
    content["users"][erin.id.as_str()] = json!(30);
    assert_eq!(
        s.http("PUT", &path, Some(&s.admin_token), Some(content))
            .status,
        200
    );
    s.sends(&erin, &room, "at 30");
    assert_eq!(s.admin.mute(&room, &erin.id).unwrap(), Some(30));
    let muted = s.admin.power_level(&room, &erin.id).unwrap();
    assert_eq!((muted.explicit, muted.send_message), (Some(19), 20));
    s.is_refused(&erin, &room, "at 19", 403, "M_FORBIDDEN");
    s.admin.unmute(&room, &erin.id, Some(30)).unwrap();
    s.sends(&erin, &room, "at 30 again");
}

#[test]
fn a_suspended_user_cannot_send_until_the_suspension_is_lifted() {
    let s = synapse();
    let room = s.room();
    let other_room = s.room();
    let frank = s.user();
    assert_eq!(s.join(&frank, &room).status, 200);
    s.sends(&frank, &room, "before");
    assert!(!s.admin.suspended(&frank.id).unwrap());

    s.admin.set_suspended(&frank.id, true).unwrap();
    s.admin.set_suspended(&frank.id, true).unwrap();
    assert!(s.admin.suspended(&frank.id).unwrap());
    s.is_refused(&frank, &room, "while suspended", 403, "M_USER_SUSPENDED");
    let join = s.join(&frank, &other_room);
    assert_eq!(
        (join.status, join.errcode()),
        (403, "M_USER_SUSPENDED"),
        "{}",
        join.body
    );

    s.admin.set_suspended(&frank.id, false).unwrap();
    s.admin.set_suspended(&frank.id, false).unwrap();
    assert!(!s.admin.suspended(&frank.id).unwrap());
    s.sends(&frank, &room, "after");
    assert_eq!(s.join(&frank, &other_room).status, 200);
}

#[test]
fn a_rate_limit_override_is_set_read_applied_and_cleared() {
    let s = synapse();
    let room = s.room();
    let gina = s.user();
    assert_eq!(s.join(&gina, &room).status, 200);
    assert_eq!(s.admin.rate_limit(&gina.id).unwrap(), None);
    // Synapse's default (rc_message: 0.2/s, bursts of 10) lets two quick
    // messages through.
    s.sends(&gina, &room, "one");
    s.sends(&gina, &room, "two");

    s.admin.set_rate_limit(&gina.id, 1, 1).unwrap();
    assert_eq!(s.admin.rate_limit(&gina.id).unwrap(), Some((1, 1)));
    // One message a second, no burst: of two quick ones, the second is
    // refused with the time to wait. (A pair slower than a second proves
    // nothing: try again.)
    let mut refused = None;
    for _ in 0..5 {
        send_when_allowed(&s, &gina, &room);
        let second = s.send(&gina, &room, "too soon");
        if second.status == 429 {
            refused = Some(second);
            break;
        }
        assert_eq!(second.status, 200, "{}", second.body);
    }
    let refused = refused.expect("no message was refused with 1 message/s and no burst");
    assert_eq!(refused.errcode(), "M_LIMIT_EXCEEDED");
    assert!(refused.body["retry_after_ms"].as_u64().unwrap() <= 1000);

    s.admin.clear_rate_limit(&gina.id).unwrap();
    s.admin.clear_rate_limit(&gina.id).unwrap();
    assert_eq!(s.admin.rate_limit(&gina.id).unwrap(), None);
    s.sends(&gina, &room, "three");
    s.sends(&gina, &room, "four");

    // Zero messages a second means no limit at all, to Synapse.
    s.admin.set_rate_limit(&gina.id, 0, 0).unwrap();
    assert_eq!(s.admin.rate_limit(&gina.id).unwrap(), Some((0, 0)));
    for i in 0..12 {
        s.sends(&gina, &room, &format!("unlimited {i}"));
    }
    s.admin.clear_rate_limit(&gina.id).unwrap();
}

/// Sends, waiting as long as the homeserver asks while it is rate limited.
fn send_when_allowed(s: &Synapse, user: &User, room: &str) {
    for _ in 0..20 {
        let sent = s.send(user, room, "allowed");
        match sent.status {
            200 => return,
            429 => {
                let ms = sent.body["retry_after_ms"].as_u64().unwrap_or(500);
                std::thread::sleep(Duration::from_millis(ms.min(5_000) + 20));
            }
            _ => panic!("{}", sent.body),
        }
    }
    panic!("still rate limited after 20 tries");
}

#[test]
fn refusals_name_the_operation_room_and_user() {
    let s = synapse();
    let server = s.server_name();
    let hank = s.user();

    let room = format!("!nosuchroom:{server}");
    let e = s.admin.ban(&room, &hank.id, "x").unwrap_err();
    assert!(!e.is_transient(), "{e:?}");
    assert_eq!(e.status(), Some(403), "{e:?}");
    assert_eq!(e.errcode(), Some("M_FORBIDDEN"), "{e:?}");
    let text = e.to_string();
    assert!(text.contains(&room) && text.contains(&hank.id), "{text}");

    let nobody = format!("@nobody-{:x}:{server}", rand::random::<u64>());
    for e in [
        s.admin.suspended(&nobody).unwrap_err(),
        s.admin.set_suspended(&nobody, true).unwrap_err(),
        s.admin.rate_limit(&nobody).unwrap_err(),
    ] {
        assert_eq!(
            (e.status(), e.errcode()),
            (Some(404), Some("M_NOT_FOUND")),
            "{e:?}"
        );
        assert!(e.to_string().contains(&nobody), "{e}");
        assert!(!e.is_transient());
    }

    // A user who is not an admin may not use the admin API, nor ban.
    let as_hank = Client::new(&s.url, &hank.token);
    assert_eq!(as_hank.whoami().unwrap(), hank.id);
    let e = as_hank.set_suspended(&hank.id, true).unwrap_err();
    assert_eq!(
        (e.status(), e.errcode()),
        (Some(403), Some("M_FORBIDDEN")),
        "{e:?}"
    );
    let room = s.room();
    assert_eq!(s.join(&hank, &room).status, 200);
    let e = as_hank.mute(&room, &s.admin.whoami().unwrap()).unwrap_err();
    assert_eq!(e.status(), Some(403), "{e:?}");
}

#[test]
fn a_wrong_token_is_refused_and_the_right_one_names_its_user() {
    let s = synapse();
    let admin = s.admin.whoami().unwrap();
    assert!(admin.starts_with('@') && admin.contains(':'), "{admin}");
    let e = Client::new(&s.url, "not-a-token").whoami().unwrap_err();
    assert!(!e.is_transient(), "{e:?}");
    assert_eq!(
        (e.status(), e.errcode()),
        (Some(401), Some("M_UNKNOWN_TOKEN")),
        "{e:?}"
    );
    assert!(e.to_string().contains("check the access token"), "{e}");
}

#[test]
fn an_unreachable_homeserver_is_a_transient_error_naming_its_address() {
    // Nothing listens on port 1.
    let client = Client::new("http://127.0.0.1:1", "token");
    let e = client.ban("!r:x", "@u:x", "").unwrap_err();
    assert!(matches!(e, MatrixError::Unreachable { .. }), "{e:?}");
    assert!(e.is_transient());
    let text = e.to_string();
    assert!(text.contains("http://127.0.0.1:1"), "{text}");
    assert!(text.contains("!r:x"), "{text}");
    let e = client.whoami().unwrap_err();
    assert!(
        e.is_transient() && e.to_string().contains("http://127.0.0.1:1"),
        "{e}"
    );
}

/// The adapter (`modpod_matrix::Matrix`) through the contract, as `modpod
/// serve` runs it: bob's suspension in a room bans him there, carol's review
/// and approval mutes her; real messages are refused; a second reconcile
/// changes nothing; rescinding both lets them post again.
#[test]
fn actions_in_a_room_are_enforced_on_real_users_and_lifted_when_rescinded() {
    use modpod_adapter::Adapter;
    use modpod_adapter::testing::World;
    use modpod_policy::model::{IdentityKind, Measure};
    use std::sync::Arc;

    let s = synapse();
    let room = s.room();
    let (bob, carol) = (s.user(), s.user());
    for user in [&bob, &carol] {
        assert_eq!(s.join(user, &room).status, 200);
        s.sends(user, &room, "hello");
    }
    let forum = format!("matrix:{room}");
    let mut w = World::new(
        &[(&forum, "chat")],
        &[
            ("bob", &[(IdentityKind::Chat, bob.id.as_str())]),
            ("carol", &[(IdentityKind::Chat, carol.id.as_str())]),
        ],
    );
    let matrix: Arc<dyn Adapter> = Arc::new(modpod_matrix::Matrix {
        client: s.admin.clone(),
    });
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[&forum]);
    let hold = w.act("carol", Measure::ReviewAndApproval, &[&forum]);
    let lines = w.reconcile(&matrix).unwrap();
    // Suspended from every room the deployment names (its only one), bob is
    // suspended on the homeserver too.
    assert_eq!(
        lines,
        [
            format!("{room}: banned {} (action #{})", bob.id, suspension.0),
            format!("{room}: muted {} (action #{})", carol.id, hold.0),
            format!(
                "homeserver: suspended {} (action #{}): suspended from every room",
                bob.id, suspension.0
            ),
        ]
    );
    assert!(s.admin.suspended(&bob.id).unwrap());
    assert_eq!(s.send(&bob, &room, "after the ban").status, 403);
    s.is_refused(&carol, &room, "while muted", 403, "M_FORBIDDEN");
    assert_eq!(w.reconcile(&matrix).unwrap(), Vec::<String>::new());

    w.rescind(suspension);
    w.rescind(hold);
    let lines = w.reconcile(&matrix).unwrap();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(!s.admin.suspended(&bob.id).unwrap());
    assert_eq!(s.join(&bob, &room).status, 200, "bob may join again");
    s.sends(&bob, &room, "back");
    s.sends(&carol, &room, "unmuted");
    assert_eq!(w.engine.store().enforced("matrix").unwrap(), []);
    assert_eq!(w.reconcile(&matrix).unwrap(), Vec::<String>::new());
}

/// A room modpod's forum names that the homeserver does not have (or that
/// modpod's account is not in) is reported as missing, never an error that
/// stops the other rooms.
#[test]
fn a_room_the_homeserver_does_not_have_is_reported_as_missing() {
    use modpod_adapter::Adapter;
    use modpod_adapter::testing::World;
    use modpod_policy::model::{IdentityKind, Measure};
    use std::sync::Arc;

    let s = synapse();
    let gone = format!("matrix:!nosuchroom:{}", s.server_name());
    let mut w = World::new(
        &[(&gone, "chat")],
        &[("bob", &[(IdentityKind::Chat, "@bob:nowhere.example")])],
    );
    let matrix: Arc<dyn Adapter> = Arc::new(modpod_matrix::Matrix {
        client: s.admin.clone(),
    });
    w.act("bob", Measure::IndefiniteSuspension, &[&gone]);
    let lines = w.reconcile(&matrix).unwrap();
    assert_eq!(
        lines,
        [format!(
            "{}: no such room in Matrix; its actions are not enforced there",
            gone.trim_start_matches("matrix:")
        )]
    );
}

/// Suspended from one room of two, a person is banned there and nowhere
/// else: the homeserver suspension is only for a suspension from every room.
#[test]
fn a_suspension_from_one_room_of_two_does_not_suspend_on_the_homeserver() {
    use modpod_adapter::Adapter;
    use modpod_adapter::testing::World;
    use modpod_policy::model::{IdentityKind, Measure};
    use std::sync::Arc;

    let s = synapse();
    let (one, two) = (s.room(), s.room());
    let bob = s.user();
    for room in [&one, &two] {
        assert_eq!(s.join(&bob, room).status, 200);
    }
    let (first, second) = (format!("matrix:{one}"), format!("matrix:{two}"));
    let mut w = World::new(
        &[(&first, "chat"), (&second, "chat")],
        &[("bob", &[(IdentityKind::Chat, bob.id.as_str())])],
    );
    let matrix: Arc<dyn Adapter> = Arc::new(modpod_matrix::Matrix {
        client: s.admin.clone(),
    });
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[&first]);
    assert_eq!(
        w.reconcile(&matrix).unwrap(),
        [format!(
            "{one}: banned {} (action #{})",
            bob.id, suspension.0
        )]
    );
    assert!(!s.admin.suspended(&bob.id).unwrap());
    s.sends(&bob, &two, "still here");
    // From the second room too: now from every room.
    let both = w.act("bob", Measure::IndefiniteSuspension, &[&second]);
    let lines = w.reconcile(&matrix).unwrap();
    assert!(
        lines.contains(&format!(
            "homeserver: suspended {} (action #{}): suspended from every room",
            bob.id, suspension.0
        )),
        "{lines:?}"
    );
    assert!(s.admin.suspended(&bob.id).unwrap());
    w.rescind(both);
    w.reconcile(&matrix).unwrap();
    assert!(!s.admin.suspended(&bob.id).unwrap());
    w.rescind(suspension);
}
