//! The modpod Synapse module (`crates/matrix/synapse/modpod_synapse.py`) in
//! a real Synapse, asking a real `modpod serve` about real messages of real
//! users: a rate limit of two posts an hour in one room lets two messages
//! through and refuses the third with `M_LIMIT_EXCEEDED`, in another room
//! the same person posts freely, a suspended person's message is refused
//! with modpod's sentence (and that of a person under review and approval,
//! told that a room cannot hold a message), and once the rate limit is
//! rescinded the person posts again. With modpod down, messages go through (the default,
//! `on_failure: allow`); set to `refuse`, a modpod that does not answer
//! within the time limit has messages refused, within that limit.
//!
//! The Synapse `scripts/test` starts has no module: this test starts one of
//! its own from a copy of that Synapse's homeserver.yaml
//! (MODPOD_TEST_SYNAPSE_CONFIG), with the venv's python
//! (MODPOD_TEST_SYNAPSE_PYTHON), a fresh SQLite database, a free port and
//! the module configured to ask the test's modpod, and stops it at the end.
//! modpod's own Matrix account moderates none of the rooms here, so its
//! Matrix adapter bans and mutes nobody: every refusal is the module's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::forum::{Browser, encode, eventually};
use common::{Serve, account, installed, ok};
use hmac::{Hmac, Mac};
use modpod_testkit::TestDb;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the module is: what goes on Synapse's Python path.
const MODULE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../matrix/synapse");

/// A Synapse of this test's own, with the modpod module; killed when
/// dropped.
struct ModuleSynapse {
    python: String,
    /// The shared Synapse's configuration, copied for each start.
    base: Value,
    dir: tempfile::TempDir,
    port: u16,
    url: String,
    secret: String,
    child: Option<Child>,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: this test starts a Synapse of its own from the one \
             scripts/lib/synapse.sh starts. Run scripts/test, or in one shell:\n  \
             source scripts/lib/services.sh; source scripts/lib/synapse.sh; start_synapse\n  \
             cargo test -p modpod --test synapse_module\n  stop_synapse"
        )
    })
}

impl ModuleSynapse {
    /// Starts it with `module` as the module's configuration.
    fn start(module: Value) -> ModuleSynapse {
        let text = std::fs::read_to_string(var("MODPOD_TEST_SYNAPSE_CONFIG")).unwrap();
        let base: Value = serde_norway::from_str(&text).unwrap();
        let secret = base["registration_shared_secret"]
            .as_str()
            .expect("the shared Synapse has a registration_shared_secret")
            .to_owned();
        let port = common::free_port();
        let mut synapse = ModuleSynapse {
            python: var("MODPOD_TEST_SYNAPSE_PYTHON"),
            base,
            dir: tempfile::tempdir().unwrap(),
            port,
            url: format!("http://127.0.0.1:{port}"),
            secret,
            child: None,
        };
        synapse.run(module);
        synapse
    }

    /// Stops it and starts it again, same database and port, with `module`
    /// as the module's configuration.
    fn restart(&mut self, module: Value) {
        self.stop();
        self.run(module);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("synapse.log")
    }

    fn run(&mut self, module: Value) {
        let dir = self.dir.path();
        let mut config = self.base.clone();
        config["listeners"][0]["port"] = json!(self.port);
        config["database"]["args"]["database"] = json!(dir.join("homeserver.db"));
        config["media_store_path"] = json!(dir.join("media_store"));
        config["pid_file"] = json!(dir.join("homeserver.pid"));
        // No log configuration: Synapse logs to stderr, kept in synapse.log.
        config.as_object_mut().unwrap().remove("log_config");
        // Synapse's own message rate limit is not what is tested.
        config["rc_message"] = json!({"per_second": 100, "burst_count": 1000});
        config["modules"] = json!([{"module": "modpod_synapse.ModpodDecisions", "config": module}]);
        let path = dir.join("homeserver.yaml");
        std::fs::write(&path, serde_norway::to_string(&config).unwrap()).unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .unwrap();
        let child = Command::new(&self.python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&path)
            .current_dir(dir)
            .env("PYTHONPATH", MODULE_DIR)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("cannot start Synapse");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let (status, _) = self.call("GET", "/_matrix/client/versions", "", Value::Null);
            if status == 200 {
                return;
            }
            let exited = self.child.as_mut().unwrap().try_wait().unwrap();
            if exited.is_some() || Instant::now() > deadline {
                let log = std::fs::read_to_string(self.log()).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                panic!(
                    "Synapse with the module did not start ({exited:?}):\n{}",
                    tail.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A raw call: its status (0 if nothing answered) and JSON body.
    fn call(&self, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if !token.is_empty() {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let body = if method == "GET" {
            String::new()
        } else {
            body.to_string()
        };
        let answer = agent.run(request.body(body).unwrap());
        let Ok(mut answer) = answer else {
            return (0, Value::Null);
        };
        let status = answer.status().as_u16();
        let text = answer.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A new user, registered with the shared secret and logged in: (user
    /// id, access token).
    fn user(&self, name: &str) -> (String, String) {
        let password = format!("pw-{:016x}", rand::random::<u64>());
        let (status, nonce) = self.call("GET", "/_synapse/admin/v1/register", "", Value::Null);
        assert_eq!(status, 200, "{nonce}");
        let nonce = nonce["nonce"].as_str().unwrap().to_owned();
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(self.secret.as_bytes()).unwrap();
        mac.update(format!("{nonce}\0{name}\0{password}\0notadmin").as_bytes());
        let mac: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (status, registered) = self.call(
            "POST",
            "/_synapse/admin/v1/register",
            "",
            json!({"nonce": nonce, "username": name, "password": password,
                "admin": false, "mac": mac}),
        );
        assert_eq!(status, 200, "{registered}");
        let (status, login) = self.call(
            "POST",
            "/_matrix/client/v3/login",
            "",
            json!({"type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": name}, "password": password}),
        );
        assert_eq!(status, 200, "{login}");
        (
            login["user_id"].as_str().unwrap().to_owned(),
            login["access_token"].as_str().unwrap().to_owned(),
        )
    }

    /// A public room made by `token`'s user, whose id has capitals and
    /// small letters (so that a lower-cased id would name another room).
    fn room(&self, token: &str) -> String {
        loop {
            let (status, made) = self.call(
                "POST",
                "/_matrix/client/v3/createRoom",
                token,
                json!({"preset": "public_chat"}),
            );
            assert_eq!(status, 200, "{made}");
            let room = made["room_id"].as_str().unwrap().to_owned();
            if room.chars().any(|c| c.is_ascii_uppercase())
                && room.chars().any(|c| c.is_ascii_lowercase())
            {
                return room;
            }
        }
    }

    fn join(&self, token: &str, room: &str) {
        let path = format!("/_matrix/client/v3/rooms/{}/join", encode(room));
        let (status, body) = self.call("POST", &path, token, json!({}));
        assert_eq!(status, 200, "{body}");
    }

    /// Sends a text message: the status and the body of the answer.
    fn send(&self, token: &str, room: &str, text: &str) -> (u16, Value) {
        let txn = rand::random::<u64>();
        let path = format!(
            "/_matrix/client/v3/rooms/{}/send/m.room.message/{txn}",
            encode(room)
        );
        self.call(
            "PUT",
            &path,
            token,
            json!({"msgtype": "m.text", "body": text}),
        )
    }
}

impl Drop for ModuleSynapse {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Records a command as `tls-chair-1`, administrator of the TLS fora.
fn as_chair(db: &str, command: Value) {
    ok(
        db,
        &[
            "run",
            "--as",
            "tls-chair-1",
            "--capacity",
            "administrator",
            &command.to_string(),
        ],
    );
}

#[test]
fn a_rate_limit_in_a_room_is_enforced_by_the_module_at_each_message_and_lifted_when_rescinded() {
    // modpod, with a `decide` token for the module.
    let db = TestDb::sqlite();
    installed(&db.url);
    ok(
        &db.url,
        &["account", "create", "--person", "admin", "synapse"],
    );
    let token = ok(
        &db.url,
        &[
            "token",
            "create",
            "--account",
            "synapse",
            "--scope",
            "decide",
        ],
    )
    .trim()
    .to_owned();
    let password = account(&db.url, "tls-chair-1");
    let files = tempfile::tempdir().unwrap();
    let token_file = files.path().join("modpod-token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();

    // Synapse asks modpod at the port modpod is about to listen on; modpod's
    // Matrix adapter runs too (for the action page), as an account that
    // moderates none of the rooms below.
    let port = common::free_port();
    let modpod_url = format!("http://127.0.0.1:{port}");
    let mut synapse = ModuleSynapse::start(json!({"url": modpod_url, "token_file": token_file}));
    let (_, modpod_token) = synapse.user("modpod");
    let mut server = Serve::new(&db.url, &["--listen", &format!("127.0.0.1:{port}")])
        .env("MODPOD_MATRIX_URL", &synapse.url)
        .env("MODPOD_MATRIX_TOKEN", &modpod_token)
        .start();
    assert_eq!(server.url, modpod_url);
    assert!(
        server.printed.contains("enforcing actions on Matrix at"),
        "{}",
        server.printed
    );

    let (_, owner) = synapse.user("owner");
    let (bob_id, bob) = synapse.user("bob");
    let (carol_id, carol) = synapse.user("carol");
    let (erin_id, erin) = synapse.user("erin");
    let (limited, free) = (synapse.room(&owner), synapse.room(&owner));
    for room in [&limited, &free] {
        for user in [&bob, &carol, &erin] {
            synapse.join(user, room);
        }
    }
    let setup = files.path().join("rooms.toml");
    let forum = |room: &str| {
        format!(
            "[[fora]]\nid = \"matrix:{room}\"\nname = \"A TLS room\"\nkind = \"chat\"\n\
             organisation = \"ietf\"\npublic = true\nwg = \"tls\"\n\n"
        )
    };
    std::fs::write(&setup, forum(&limited) + &forum(&free)).unwrap();
    ok(&db.url, &["setup", setup.to_str().unwrap()]);
    let as_operator = |command: Value| {
        ok(
            &db.url,
            &[
                "run",
                "--as",
                "admin",
                "--capacity",
                "operator",
                &command.to_string(),
            ],
        )
    };
    as_operator(json!({"command": "register_person", "person": "erin", "name": "Erin"}));
    for (person, id) in [("bob", &bob_id), ("carol", &carol_id), ("erin", &erin_id)] {
        as_operator(json!({"command": "link_identity", "person": person,
            "identity": {"kind": "chat", "value": id}}));
    }
    // Before any action, the module lets everything through.
    assert_eq!(synapse.send(&bob, &limited, "hello").0, 200);

    // Two posts an hour for bob in one room.
    let limited_forum = format!("matrix:{limited}");
    as_chair(
        &db.url,
        json!({"command": "take_action", "subject": {"person": "bob"},
            "measure": {"type": "rate_limit", "posts": 2, "per_seconds": 3600},
            "fora": [limited_forum], "reason": "flooding the room after a warning"}),
    );
    let chair = Browser::log_in(&server.url, "tls-chair-1", &password);
    let enforced = format!(
        "{limited_forum}: Matrix room {limited}, <strong>enforced at each post</strong> by the modpod \
         Synapse module (modpod_synapse), which asks the decision API for each post"
    );
    eventually("modpod knows the rate limit", 15, || {
        chair.get("/actions/1").contains(&enforced)
    });
    for n in 1..=2 {
        let (status, body) = synapse.send(&bob, &limited, &format!("post {n}"));
        assert_eq!(status, 200, "post {n} of 2 is accepted: {body}");
    }
    let (status, over) = synapse.send(&bob, &limited, "post 3");
    assert_eq!(status, 403, "{over}");
    assert_eq!(over["errcode"], "M_LIMIT_EXCEEDED", "{over}");
    let error = over["error"].as_str().unwrap();
    assert!(
        error.contains(&format!(
            "Rate limit of 2 posts per 3600 seconds to {limited_forum}"
        )),
        "modpod's sentence, naming the room as it is: {over}"
    );
    let retry = over["retry_after_ms"].as_u64().unwrap();
    assert!((1_000..=3_600_000).contains(&retry), "{over}");
    // Another room, no limit: bob posts as much as he likes.
    for n in 1..=3 {
        let (status, body) = synapse.send(&bob, &free, &format!("elsewhere {n}"));
        assert_eq!(status, 200, "{body}");
    }
    // Others post freely in the limited room.
    assert_eq!(synapse.send(&carol, &limited, "me too").0, 200);

    // A suspension of carol from the room: her messages are refused with
    // modpod's sentence.
    as_chair(
        &db.url,
        json!({"command": "take_action", "subject": {"person": "carol"},
            "measure": {"type": "indefinite_suspension"}, "fora": [limited_forum],
            "reason": "personal attacks after a warning"}),
    );
    eventually("carol's messages are refused", 15, || {
        synapse.send(&carol, &limited, "still here?").0 == 403
    });
    let (_, refused) = synapse.send(&carol, &limited, "still here?");
    assert_eq!(refused["errcode"], "M_FORBIDDEN", "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains(&format!(
            "You are suspended from posting to {limited_forum}"
        )),
        "{refused}"
    );
    assert_eq!(synapse.send(&carol, &free, "elsewhere").0, 200);

    // Review and approval for erin: a room cannot hold a message, so it is
    // refused, saying so.
    as_chair(
        &db.url,
        json!({"command": "take_action", "subject": {"person": "erin"},
            "measure": {"type": "review_and_approval"}, "fora": [limited_forum],
            "reason": "off-topic posts after a warning"}),
    );
    eventually("erin's messages are refused", 15, || {
        synapse.send(&erin, &limited, "hello?").0 == 403
    });
    let (_, held) = synapse.send(&erin, &limited, "hello?");
    assert_eq!(held["errcode"], "M_FORBIDDEN", "{held}");
    let error = held["error"].as_str().unwrap();
    assert!(
        error.contains("held for review") && error.contains("this one was not sent"),
        "{held}"
    );

    // Rescinded: bob posts again.
    as_chair(
        &db.url,
        json!({"command": "rescind_action", "action": 1,
            "reason": "on reflection, the warning was never given"}),
    );
    eventually(
        "bob posts again once the rate limit is rescinded",
        15,
        || synapse.send(&bob, &limited, "back").0 == 200,
    );
    for n in 1..=3 {
        let (status, body) = synapse.send(&bob, &limited, &format!("free again {n}"));
        assert_eq!(status, 200, "{body}");
    }

    // modpod down: the module lets messages through (on_failure: allow),
    // carol's included.
    server.kill();
    let (status, body) = synapse.send(&carol, &limited, "modpod is down");
    assert_eq!(status, 200, "{body}");
    let log = std::fs::read_to_string(synapse.log()).unwrap();
    assert!(
        log.contains("cannot ask modpod at") && log.contains("letting through"),
        "the failure is logged"
    );

    // `refuse`, and a modpod that takes the connection and never answers:
    // refused once the time limit is over, not Synapse's own minute later.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    synapse.restart(json!({"url": silent_url, "token_file": token_file,
        "timeout_seconds": 1, "on_failure": "refuse"}));
    let started = Instant::now();
    let (status, body) = synapse.send(&bob, &free, "anyone?");
    let took = started.elapsed();
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_UNKNOWN")),
        "{body}"
    );
    assert!(
        body["error"].as_str().unwrap().contains("try again later"),
        "{body}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(10),
        "refused after {took:?}, with a time limit of 1 s"
    );
    drop(silent);
}
