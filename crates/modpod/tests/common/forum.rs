//! What the tests of forum software through `modpod serve` share: the
//! Synapse `scripts/test` starts, with raw calls for what modpod does not do
//! (users, rooms, messages), a person reading pages, and waiting for
//! something to hold.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The Synapse `scripts/test` starts, and a raw call to it.
pub struct Synapse {
    pub url: String,
    pub token: String,
}

impl Synapse {
    pub fn from_env() -> Synapse {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!("{name} is not set: run scripts/test, which starts a throwaway Synapse")
            })
        };
        Synapse {
            url: var("MODPOD_TEST_SYNAPSE_URL"),
            token: var("MODPOD_TEST_SYNAPSE_ADMIN_TOKEN"),
        }
    }

    pub fn call(&self, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let auth = format!("Bearer {token}");
        let answer = match method {
            "PUT" => agent
                .put(&url)
                .header("Authorization", &auth)
                .send(body.to_string()),
            _ => agent
                .post(&url)
                .header("Authorization", &auth)
                .send(body.to_string()),
        };
        let mut answer = answer.unwrap();
        let status = answer.status().as_u16();
        let text = answer.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A new user, made through the admin API and logged in: (id, token).
    pub fn user(&self) -> (String, String) {
        let name = format!("fs{:012x}", rand::random::<u64>() >> 16);
        let admin = modpod_matrix::Client::new(&self.url, &self.token)
            .whoami()
            .unwrap();
        let domain = admin.split_once(':').unwrap().1;
        let id = format!("@{name}:{domain}");
        let (status, body) = self.call(
            "PUT",
            &format!("/_synapse/admin/v2/users/{}", encode(&id)),
            &self.token,
            json!({"password": "pw-forum-software"}),
        );
        assert!(status == 200 || status == 201, "{body}");
        let (status, login) = self.call(
            "POST",
            "/_matrix/client/v3/login",
            "",
            json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": name}, "password": "pw-forum-software"}),
        );
        assert_eq!(status, 200, "{login}");
        (id, login["access_token"].as_str().unwrap().to_owned())
    }

    pub fn room(&self) -> String {
        let (status, made) = self.call(
            "POST",
            "/_matrix/client/v3/createRoom",
            &self.token,
            json!({"preset": "public_chat", "name": "forum software story"}),
        );
        assert_eq!(status, 200, "{made}");
        made["room_id"].as_str().unwrap().to_owned()
    }

    pub fn join(&self, token: &str, room: &str) -> u16 {
        let path = format!("/_matrix/client/v3/rooms/{}/join", encode(room));
        self.call("POST", &path, token, json!({})).0
    }

    pub fn send(&self, token: &str, room: &str) -> u16 {
        let txn = rand::random::<u64>();
        let path = format!(
            "/_matrix/client/v3/rooms/{}/send/m.room.message/{txn}",
            encode(room)
        );
        self.call(
            "PUT",
            &path,
            token,
            json!({"msgtype": "m.text", "body": "hi"}),
        )
        .0
    }
}

pub fn encode(text: &str) -> String {
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

/// Waits until `check` holds, failing the test after `seconds`.
pub fn eventually(what: &str, seconds: u64, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {seconds} s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A person logged in (`POST /v1/login`), reading pages with their cookie.
pub struct Browser {
    base: String,
    agent: ureq::Agent,
    cookie: String,
}

impl Browser {
    pub fn log_in(base: &str, person: &str, password: &str) -> Browser {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build()
            .into();
        let login = agent
            .post(format!("{base}/v1/login"))
            .header("Content-Type", "application/json")
            .send(json!({"account": person, "password": password}).to_string())
            .unwrap();
        let cookie = login.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        Browser {
            base: base.to_owned(),
            agent,
            cookie,
        }
    }

    pub fn get(&self, path: &str) -> String {
        self.agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", &self.cookie)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    }
}
