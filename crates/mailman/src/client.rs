//! A small client for Mailman 3's REST API (version 3.1): the list bans and
//! the moderation action of members and nonmembers, nothing more.
//!
//! Every call is blocking (ureq), has a time limit, uses basic
//! authentication and form-encoded bodies, and fails with a [`MailmanError`]
//! naming the list and the operation. Addresses are kept out of error
//! messages, which end up in logs.
//!
//! Behaviour of Mailman 3.3.10 this relies on, checked against a real one:
//! - `GET /lists/{id}/bans` is 404 when the list does not exist;
//! - banning an address twice is a 400 ("Address is already banned");
//!   unbanning one that is not banned is a 404;
//! - a blank `moderation_action` puts a member back on the list's default;
//! - `POST /members role=nonmember` creates the nonmember record that holds
//!   apply to when the person is not subscribed (400 if it already exists,
//!   and 400 "Membership is banned" for a banned address).

use base64::Engine as _;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::time::Duration;
use ureq::http::Response;
use ureq::typestate::{WithBody, WithoutBody};

/// How long one call to Mailman may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(15);

/// What an address may keep unencoded in a URL path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'@')
    .remove(b'.')
    .remove(b'-')
    .remove(b'_');

/// Why a call to Mailman failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MailmanError {
    /// No answer: Mailman is down, the address is wrong, or it timed out.
    #[error("cannot reach Mailman at {base} to {what}: {reason}")]
    Unreachable {
        base: String,
        what: String,
        reason: String,
    },
    /// Mailman answered with a server error (5xx).
    #[error("Mailman failed to {what} (HTTP {status}): {reason}")]
    Server {
        what: String,
        status: u16,
        reason: String,
    },
    /// Mailman refused the request (4xx), e.g. wrong credentials.
    #[error("Mailman refused to {what} (HTTP {status}): {reason}")]
    Refused {
        what: String,
        status: u16,
        reason: String,
    },
    /// Mailman answered something this client does not understand.
    #[error("Mailman's answer to {what} cannot be read: {reason}")]
    BadAnswer { what: String, reason: String },
}

impl MailmanError {
    /// Whether trying again later may succeed without anybody changing
    /// anything: Mailman is down or failing, not refusing.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            MailmanError::Unreachable { .. } | MailmanError::Server { .. }
        )
    }
}

/// A member or nonmember of a list, as far as moderation goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub member_id: String,
    /// `hold`, `accept`, `discard`, `reject` or `defer`; `None`: the list's
    /// default for members or nonmembers.
    pub moderation: Option<String>,
}

/// Connection settings for one Mailman.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    /// The API root, e.g. `http://127.0.0.1:8001/3.1`.
    base: String,
    authorization: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

#[derive(Deserialize)]
struct Collection<T> {
    #[serde(default = "Vec::new")]
    entries: Vec<T>,
}

#[derive(Deserialize)]
struct Ban {
    email: String,
}

#[derive(Deserialize)]
struct Member {
    member_id: String,
    #[serde(default)]
    moderation_action: Option<String>,
    #[serde(default)]
    email: String,
}

/// How many records one page of a roster asks for.
const PAGE: usize = 500;

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: Option<String>,
}

impl Client {
    /// A client for the Mailman REST API at `url` (its root, such as
    /// `http://127.0.0.1:8001`, or the versioned root ending in `/3.1`).
    pub fn new(url: &str, user: &str, password: &str) -> Client {
        let url = url.trim_end_matches('/');
        let base = if url.ends_with("/3.1") || url.ends_with("/3.0") {
            url.to_owned()
        } else {
            format!("{url}/3.1")
        };
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build();
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Client {
            agent: config.into(),
            base,
            authorization: format!("Basic {credentials}"),
        }
    }

    /// The API root this client talks to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Checks that Mailman answers and accepts the credentials.
    pub fn check(&self) -> Result<(), MailmanError> {
        let what = "read its version";
        let response = self.send(what, self.get(self.url("system/versions")).call())?;
        expect(what, response, &[200]).map(drop)
    }

    /// The bans of `list`, lower-cased (addresses, and `^` patterns as
    /// [`Client::ban_entries`] gives them), or `None` if Mailman has no such
    /// list.
    pub fn bans(&self, list: &str) -> Result<Option<BTreeSet<String>>, MailmanError> {
        Ok(self
            .ban_entries(list)?
            .map(|bans| bans.into_iter().map(|b| b.to_lowercase()).collect()))
    }

    /// Every ban of `list` as Mailman keeps it (an address, or a `^` pattern
    /// that Mailman matches as a regular expression), or `None` if Mailman
    /// has no such list.
    pub fn ban_entries(&self, list: &str) -> Result<Option<Vec<String>>, MailmanError> {
        let what = format!("read the bans of {list}");
        let url = self.url(&format!("lists/{}/bans", segment(list)));
        let response = self.send(&what, self.get(url).call())?;
        if response.status().as_u16() == 404 {
            return Ok(None);
        }
        let mut response = expect(&what, response, &[200])?;
        let bans: Collection<Ban> = read_json(&what, &mut response)?;
        Ok(Some(bans.entries.into_iter().map(|b| b.email).collect()))
    }

    /// The members and nonmembers of `list` with a moderation action of
    /// their own (`hold`, `reject`, `discard`, `accept`, `defer`), as
    /// (address, action), read a page at a time.
    pub fn moderated(&self, list: &str) -> Result<Vec<(String, String)>, MailmanError> {
        let mut found = Vec::new();
        for role in ["member", "nonmember"] {
            let what = format!("read the {role}s of {list}");
            for page in 1.. {
                let url = self.url(&format!(
                    "lists/{}/roster/{role}?count={PAGE}&page={page}",
                    segment(list)
                ));
                let response = self.send(&what, self.get(url).call())?;
                let mut response = expect(&what, response, &[200])?;
                let members: Collection<Member> = read_json(&what, &mut response)?;
                let n = members.entries.len();
                found.extend(members.entries.into_iter().filter_map(|m| {
                    let action = m.moderation_action.filter(|a| !a.is_empty())?;
                    Some((m.email.to_lowercase(), action))
                }));
                if n < PAGE {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// Bans `email` from `list`. Already banned is fine.
    pub fn ban(&self, list: &str, email: &str) -> Result<(), MailmanError> {
        let what = format!("ban an address on {list}");
        let url = self.url(&format!("lists/{}/bans", segment(list)));
        let response = self.send(&what, self.post(url).send_form([("email", email)]))?;
        match expect(&what, response, &[201]) {
            Err(MailmanError::Refused {
                status: 400,
                reason,
                ..
            }) if reason.contains("already banned") => Ok(()),
            other => other.map(drop),
        }
    }

    /// Lifts the ban of `email` on `list`. Not banned is fine.
    pub fn unban(&self, list: &str, email: &str) -> Result<(), MailmanError> {
        let what = format!("unban an address on {list}");
        let url = self.url(&format!("lists/{}/bans/{}", segment(list), segment(email)));
        let response = self.send(&what, self.delete(url).call())?;
        expect(&what, response, &[204, 404]).map(drop)
    }

    /// The member record of `email` on `list`, or else its nonmember
    /// record, or `None` if it has neither.
    pub fn record(&self, list: &str, email: &str) -> Result<Option<Record>, MailmanError> {
        for role in ["member", "nonmember"] {
            let what = format!("read a {role} of {list}");
            let url = self.url(&format!(
                "lists/{}/{role}/{}",
                segment(list),
                segment(email)
            ));
            let response = self.send(&what, self.get(url).call())?;
            if response.status().as_u16() == 404 {
                continue;
            }
            let mut response = expect(&what, response, &[200])?;
            let member: Member = read_json(&what, &mut response)?;
            return Ok(Some(Record {
                member_id: member.member_id,
                moderation: member.moderation_action.filter(|a| !a.is_empty()),
            }));
        }
        Ok(None)
    }

    /// Makes `email` a nonmember of `list`, so that a moderation action can be
    /// set on it; returns its member id. An existing record is returned as is.
    pub fn add_nonmember(&self, list: &str, email: &str) -> Result<String, MailmanError> {
        let what = format!("add a nonmember to {list}");
        let form = [
            ("list_id", list),
            ("subscriber", email),
            ("role", "nonmember"),
        ];
        let response = self.send(&what, self.post(self.url("members")).send_form(form))?;
        if response.status().as_u16() == 400
            && let Some(existing) = self.record(list, email)?
        {
            return Ok(existing.member_id);
        }
        let response = expect(&what, response, &[201])?;
        response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| MailmanError::BadAnswer {
                what,
                reason: "it gave no location for the new nonmember".into(),
            })
    }

    /// Sets the moderation action of a member or nonmember; `None` puts it
    /// back on the list's default.
    pub fn set_moderation(
        &self,
        list: &str,
        member_id: &str,
        action: Option<&str>,
    ) -> Result<(), MailmanError> {
        let what = format!("set the moderation action of a member of {list}");
        let url = self.url(&format!("members/{}", segment(member_id)));
        let form = [("moderation_action", action.unwrap_or(""))];
        let response = self.send(&what, self.patch(url).send_form(form))?;
        expect(&what, response, &[204]).map(drop)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    fn get(&self, url: String) -> ureq::RequestBuilder<WithoutBody> {
        self.with_auth(self.agent.get(url))
    }

    fn delete(&self, url: String) -> ureq::RequestBuilder<WithoutBody> {
        self.with_auth(self.agent.delete(url))
    }

    fn post(&self, url: String) -> ureq::RequestBuilder<WithBody> {
        self.with_auth(self.agent.post(url))
    }

    fn patch(&self, url: String) -> ureq::RequestBuilder<WithBody> {
        self.with_auth(self.agent.patch(url))
    }

    fn with_auth<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        request.header("Authorization", &self.authorization)
    }

    /// Turns a transport failure into [`MailmanError::Unreachable`].
    fn send(
        &self,
        what: &str,
        result: Result<Response<ureq::Body>, ureq::Error>,
    ) -> Result<Response<ureq::Body>, MailmanError> {
        result.map_err(|error| MailmanError::Unreachable {
            base: self.base.clone(),
            what: what.to_owned(),
            reason: error.to_string(),
        })
    }
}

/// The response if its status is one of `ok`, or the error it stands for.
fn expect(
    what: &str,
    response: Response<ureq::Body>,
    ok: &[u16],
) -> Result<Response<ureq::Body>, MailmanError> {
    let status = response.status().as_u16();
    if ok.contains(&status) {
        return Ok(response);
    }
    let reason = error_text(response);
    let what = what.to_owned();
    Err(if status >= 500 {
        MailmanError::Server {
            what,
            status,
            reason,
        }
    } else {
        MailmanError::Refused {
            what,
            status,
            reason,
        }
    })
}

/// Mailman's words for an error: the description, else the title, else the body.
fn error_text(mut response: Response<ureq::Body>) -> String {
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&body) {
        Ok(e) => e.description.unwrap_or(e.title),
        Err(_) => body.chars().take(200).collect(),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(
    what: &str,
    response: &mut Response<ureq::Body>,
) -> Result<T, MailmanError> {
    let bad = |reason: String| MailmanError::BadAnswer {
        what: what.to_owned(),
        reason,
    };
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| bad(e.to_string()))?;
    serde_json::from_str(&body).map_err(|e| bad(e.to_string()))
}

fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_root_gets_its_version_once() {
        for url in [
            "http://127.0.0.1:8001",
            "http://127.0.0.1:8001/",
            "http://127.0.0.1:8001/3.1",
            "http://127.0.0.1:8001/3.1/",
        ] {
            assert_eq!(
                Client::new(url, "u", "p").base(),
                "http://127.0.0.1:8001/3.1"
            );
        }
    }

    #[test]
    fn addresses_are_encoded_as_one_path_segment() {
        assert_eq!(segment("bob+lists@example.org"), "bob%2Blists@example.org");
        assert_eq!(segment("a/b@x.org"), "a%2Fb@x.org");
        assert_eq!(segment("wg.ietf.example"), "wg.ietf.example");
    }

    #[test]
    fn the_password_is_not_shown() {
        let client = Client::new("http://127.0.0.1:1", "restadmin", "s3cret");
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[test]
    fn a_closed_port_is_unreachable_and_transient() {
        let error = Client::new("http://127.0.0.1:1", "u", "p")
            .bans("wg.ietf.example")
            .err();
        assert!(
            matches!(&error, Some(e @ MailmanError::Unreachable { .. }) if e.is_transient()),
            "{error:?}"
        );
    }
}
