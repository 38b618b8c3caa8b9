//! A small blocking client for the parts of the Matrix client-server API and
//! of Synapse's admin API that enforcement needs.

use crate::error::{Excerpt, MatrixError, from_answer};
use crate::power::{PowerLevel, with_user_level};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// How long one call may take in all, connecting included.
const TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read (a big room's banned members).
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// A user's membership of a room that [`Client::ban`] and [`Client::unban`]
/// look at.
const BAN: &str = "ban";

/// A connection to one homeserver, acting with one access token (for
/// enforcement: a Synapse admin with enough power in the rooms it moderates).
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
    authorization: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

/// An answer, whatever its status.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: String,
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Put,
    Post,
    Delete,
}

impl Client {
    /// A client for the homeserver at `base_url` (such as
    /// `https://matrix.example.org`), acting with `access_token`.
    pub fn new(base_url: &str, access_token: &str) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .http_status_as_error(false)
            .build();
        Client {
            agent: config.into(),
            base: base_url.trim_end_matches('/').to_owned(),
            authorization: format!("Bearer {access_token}"),
        }
    }

    /// The homeserver's address.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The user the access token belongs to: checks that the homeserver
    /// answers and takes the token.
    pub fn whoami(&self) -> Result<String, MatrixError> {
        let what = "check the access token";
        let body = self.ok(what, Method::Get, "/_matrix/client/v3/account/whoami", None)?;
        body.get("user_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| bad(what, "it names no user_id"))
    }

    /// The users banned from `room`.
    pub fn banned(&self, room: &str) -> Result<BTreeSet<String>, MatrixError> {
        let what = format!("read who is banned from {room}");
        let path = format!(
            "/_matrix/client/v3/rooms/{}/members?membership=ban",
            encode(room)
        );
        let body = self.ok(&what, Method::Get, &path, None)?;
        let chunk = body
            .get("chunk")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(&what, "it has no `chunk` list"))?;
        // The filter is the server's; check it anyway.
        Ok(chunk
            .iter()
            .filter(|event| {
                event.get("type").and_then(Value::as_str) == Some("m.room.member")
                    && event
                        .get("content")
                        .and_then(|c| c.get("membership"))
                        .and_then(Value::as_str)
                        == Some(BAN)
            })
            .filter_map(|event| event.get("state_key").and_then(Value::as_str))
            .map(str::to_owned)
            .collect())
    }

    /// The membership of `user` in `room` (`join`, `leave`, `ban`, `invite`,
    /// `knock`), or `None` if they never had one.
    pub fn membership(&self, room: &str, user: &str) -> Result<Option<String>, MatrixError> {
        let what = format!("read the membership of {user} in {room}");
        let path = format!(
            "/_matrix/client/v3/rooms/{}/state/m.room.member/{}",
            encode(room),
            encode(user)
        );
        let answer = self.call(&what, Method::Get, &path, None)?;
        if answer.status == 404 && errcode_of(&answer.body).as_deref() == Some("M_NOT_FOUND") {
            return Ok(None);
        }
        let content = expect_json(&what, answer)?;
        content
            .get("membership")
            .and_then(Value::as_str)
            .map(|m| Some(m.to_owned()))
            .ok_or_else(|| bad(&what, "it has no `membership`"))
    }

    /// Bans `user` from `room` (whether or not they are in it), with `reason`
    /// (none if empty). Already banned is fine: nothing is done then, so that
    /// the room sees no second ban.
    pub fn ban(&self, room: &str, user: &str, reason: &str) -> Result<(), MatrixError> {
        if self.membership(room, user)?.as_deref() == Some(BAN) {
            return Ok(());
        }
        let what = format!("ban {user} from {room}");
        let mut body = json!({ "user_id": user });
        if !reason.is_empty() {
            body["reason"] = Value::from(reason);
        }
        let path = format!("/_matrix/client/v3/rooms/{}/ban", encode(room));
        self.ok(&what, Method::Post, &path, Some(&body)).map(drop)
    }

    /// Lifts the ban of `user` from `room`. Not banned is fine.
    ///
    /// Synapse refuses to unban a user who is not banned (403 `M_BAD_STATE`),
    /// and "unbans" a user who never was in the room by writing a `leave`
    /// membership for them: the membership is read first, and only a ban is
    /// lifted.
    pub fn unban(&self, room: &str, user: &str) -> Result<(), MatrixError> {
        if self.membership(room, user)?.as_deref() != Some(BAN) {
            return Ok(());
        }
        let what = format!("unban {user} from {room}");
        let path = format!("/_matrix/client/v3/rooms/{}/unban", encode(room));
        match self.ok(
            &what,
            Method::Post,
            &path,
            Some(&json!({ "user_id": user })),
        ) {
            // Unbanned meanwhile.
            Err(MatrixError::Refused {
                status: 403,
                errcode: Some(code),
                ..
            }) if code == "M_BAD_STATE" => Ok(()),
            other => other.map(drop),
        }
    }

    /// What the power levels of `room` say about `user` and messages.
    pub fn power_level(&self, room: &str, user: &str) -> Result<PowerLevel, MatrixError> {
        let (content, _) = self.power_levels(room)?;
        Ok(PowerLevel::of(&content, user))
    }

    /// Takes away the power of `user` to send messages in `room`: sets their
    /// level one below the level `m.room.message` needs (read, modified and
    /// written back whole, as Matrix wants). Returns the explicit level to give
    /// back to [`Client::unmute`] to leave the user as they were: the level
    /// replaced, `None` if they had none.
    ///
    /// If the user cannot send messages already (muted before, by anybody),
    /// nothing is written, and their explicit level as it is is returned, so
    /// that unmuting does not lift a mute somebody else put.
    ///
    /// The acting user must outrank `user`, and be allowed to change the power
    /// levels.
    pub fn mute(&self, room: &str, user: &str) -> Result<Option<i64>, MatrixError> {
        let (content, what) = self.power_levels(room)?;
        let now = PowerLevel::of(&content, user);
        if !now.can_send_messages() {
            return Ok(now.explicit);
        }
        let muted = now.send_message.saturating_sub(1);
        let content = with_user_level(&content, user, Some(muted)).map_err(|r| bad(&what, r))?;
        self.set_power_levels(room, user, &content)?;
        Ok(now.explicit)
    }

    /// Gives `user` back the power to send messages in `room`: puts back the
    /// explicit level `restore` (what [`Client::mute`] returned), or removes
    /// their entry (`None`).
    ///
    /// If the user can send messages already (unmuted before, or somebody
    /// raised their level meanwhile), nothing is written.
    pub fn unmute(&self, room: &str, user: &str, restore: Option<i64>) -> Result<(), MatrixError> {
        let (content, what) = self.power_levels(room)?;
        let now = PowerLevel::of(&content, user);
        if now.can_send_messages() || now.explicit == restore {
            return Ok(());
        }
        let content = with_user_level(&content, user, restore).map_err(|r| bad(&what, r))?;
        self.set_power_levels(room, user, &content)
    }

    /// The content of `m.room.power_levels` in `room`, and the words for
    /// reading it.
    fn power_levels(&self, room: &str) -> Result<(Value, String), MatrixError> {
        let what = format!("read the power levels of {room}");
        let path = format!(
            "/_matrix/client/v3/rooms/{}/state/m.room.power_levels/",
            encode(room)
        );
        let content = self.ok(&what, Method::Get, &path, None)?;
        if !content.is_object() {
            return Err(bad(&what, "they are not a JSON object"));
        }
        Ok((content, what))
    }

    fn set_power_levels(&self, room: &str, user: &str, content: &Value) -> Result<(), MatrixError> {
        let what = format!("change the power level of {user} in {room}");
        let path = format!(
            "/_matrix/client/v3/rooms/{}/state/m.room.power_levels/",
            encode(room)
        );
        self.ok(&what, Method::Put, &path, Some(content)).map(drop)
    }

    /// Whether `user` (of this homeserver) is suspended (Synapse's admin API).
    pub fn suspended(&self, user: &str) -> Result<bool, MatrixError> {
        let what = format!("read whether {user} is suspended");
        let path = format!("/_synapse/admin/v2/users/{}", encode(user));
        let body = self.ok(&what, Method::Get, &path, None)?;
        body.get("suspended")
            .and_then(Value::as_bool)
            .ok_or_else(|| bad(&what, "it has no `suspended` (older Synapses do not say)"))
    }

    /// Suspends `user` (of this homeserver), or lifts it (Synapse's admin
    /// API). A suspended user cannot send messages or join rooms, and gets 403
    /// `M_USER_SUSPENDED` when trying. Setting it as it is already is fine.
    pub fn set_suspended(&self, user: &str, suspended: bool) -> Result<(), MatrixError> {
        let what = if suspended {
            format!("suspend {user}")
        } else {
            format!("lift the suspension of {user}")
        };
        let path = format!("/_synapse/admin/v1/suspend/{}", encode(user));
        self.ok(
            &what,
            Method::Put,
            &path,
            Some(&json!({ "suspend": suspended })),
        )
        .map(drop)
    }

    /// The message rate limit override of `user` (of this homeserver):
    /// `(messages_per_second, burst_count)`, or `None` if they have none
    /// (Synapse's admin API).
    pub fn rate_limit(&self, user: &str) -> Result<Option<(u64, u64)>, MatrixError> {
        let what = format!("read the rate limit override of {user}");
        let body = self.ok(&what, Method::Get, &rate_limit_path(user), None)?;
        let fields = body
            .as_object()
            .ok_or_else(|| bad(&what, "it is not a JSON object"))?;
        if fields.is_empty() {
            return Ok(None);
        }
        let number = |name: &str| {
            fields.get(name).and_then(Value::as_u64).ok_or_else(|| {
                bad(
                    &what,
                    &format!("it has no `{name}` that is a whole number ≥ 0"),
                )
            })
        };
        Ok(Some((
            number("messages_per_second")?,
            number("burst_count")?,
        )))
    }

    /// Overrides the message rate limit of `user` (of this homeserver):
    /// `messages_per_second` sustained, bursts of `burst_count` (Synapse's
    /// admin API).
    ///
    /// Beware: to Synapse, 0 messages per second means *no limit at all*, for
    /// every one of its rate limiters (meant for bots); and a burst count of 0
    /// with a rate above 0 refuses every message (and every other event).
    pub fn set_rate_limit(
        &self,
        user: &str,
        messages_per_second: u64,
        burst_count: u64,
    ) -> Result<(), MatrixError> {
        let what = format!("override the rate limit of {user}");
        let body = json!({
            "messages_per_second": messages_per_second,
            "burst_count": burst_count,
        });
        self.ok(&what, Method::Post, &rate_limit_path(user), Some(&body))
            .map(drop)
    }

    /// Removes the rate limit override of `user` (of this homeserver): the
    /// homeserver's own limit applies again. None there is fine.
    pub fn clear_rate_limit(&self, user: &str) -> Result<(), MatrixError> {
        let what = format!("remove the rate limit override of {user}");
        self.ok(&what, Method::Delete, &rate_limit_path(user), None)
            .map(drop)
    }

    /// Calls, and expects a 200 with a JSON body.
    fn ok(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, MatrixError> {
        let answer = self.call(what, method, path, body)?;
        expect_json(what, answer)
    }

    /// Calls; every answer is an `Answer`, only a failure to get one is an
    /// error.
    fn call(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, MatrixError> {
        let url = format!("{}{path}", self.base);
        let unreachable = |reason: String| MatrixError::Unreachable {
            base: self.base.clone(),
            what: what.to_owned(),
            reason,
        };
        let json = body
            .map(Value::to_string)
            .unwrap_or_else(|| "{}".to_owned());
        let auth = self.authorization.as_str();
        let result = match method {
            Method::Get => self.agent.get(&url).header("Authorization", auth).call(),
            Method::Delete => self.agent.delete(&url).header("Authorization", auth).call(),
            Method::Put => self
                .agent
                .put(&url)
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .send(&json),
            Method::Post => self
                .agent
                .post(&url)
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .send(&json),
        };
        let mut response = result.map_err(|e| unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|e| unreachable(format!("reading the answer: {e}")))?;
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

/// The JSON of a 200 answer, or the error another answer stands for.
fn expect_json(what: &str, answer: Answer) -> Result<Value, MatrixError> {
    if answer.status != 200 {
        return Err(from_answer(
            what,
            answer.status,
            answer.retry_after.as_deref(),
            &answer.body,
        ));
    }
    serde_json::from_str(&answer.body)
        .map_err(|e| bad(what, &format!("{e}: {}", Excerpt(&answer.body))))
}

fn errcode_of(body: &str) -> Option<String> {
    serde_json::from_str::<Value>(body)
        .ok()?
        .get("errcode")?
        .as_str()
        .map(str::to_owned)
}

fn bad(what: &str, reason: &str) -> MatrixError {
    MatrixError::BadAnswer {
        what: what.to_owned(),
        reason: reason.to_owned(),
    }
}

fn rate_limit_path(user: &str) -> String {
    format!(
        "/_synapse/admin/v1/users/{}/override_ratelimit",
        encode(user)
    )
}

/// `text` as one URL path segment: everything but unreserved characters
/// percent-encoded (room ids hold `!` and `:`, user ids `@`, event ids `$`).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn ids_are_encoded_as_one_path_segment() {
        assert_eq!(encode("!abc:example.org"), "%21abc%3Aexample.org");
        assert_eq!(encode("@bob/x:example.org"), "%40bob%2Fx%3Aexample.org");
        assert_eq!(encode("@é:x"), "%40%C3%A9%3Ax");
        assert_eq!(encode("a?b#c%d"), "a%3Fb%23c%25d");
    }

    #[test]
    fn the_token_is_not_shown() {
        let client = Client::new("http://127.0.0.1:1/", "syt_secret");
        assert_eq!(client.base(), "http://127.0.0.1:1");
        assert!(!format!("{client:?}").contains("syt_secret"));
    }

    #[test]
    fn an_answer_that_is_not_json_is_a_bad_answer() {
        let answer = Answer {
            status: 200,
            retry_after: None,
            body: "<html>proxy</html>".into(),
        };
        let e = expect_json("read", answer).unwrap_err();
        assert!(matches!(e, MatrixError::BadAnswer { .. }), "{e:?}");
        assert!(!e.is_transient());
        assert!(e.to_string().contains("<html>proxy</html>"), "{e}");
    }
}
