//! A small blocking client for GitHub's REST API (version 2022-11-28): the
//! organisation blocks and the repository interaction limits, nothing more.
//!
//! Every call has a time limit, sends `Authorization: Bearer TOKEN`, GitHub's
//! media type, `X-GitHub-Api-Version` and a User-Agent, and fails with a
//! [`GitHubError`] naming the operation. Usernames are kept out of error
//! messages, which end up in logs.
//!
//! The contract is GitHub's own OpenAPI description (npm `@octokit/openapi`,
//! `api.github.com.json`); crates/github/tests/prism.rs sends every request
//! of this client to a mock validating them against it. What the description
//! says and this client relies on:
//! - `GET /orgs/{org}/blocks/{username}`: 204 blocked, 404 not blocked (also
//!   for an organisation the token cannot see: GitHub does not tell apart);
//! - `PUT` the same: 204, or 422 when the organisation cannot block the user
//!   (which includes "already blocked": then [`Client::block`] checks);
//! - `DELETE` the same: 204 (a 404 is taken as "was not blocked" once a
//!   check agrees);
//! - `GET /repos/{owner}/{repo}/interaction-limits`: 200 with `{}` (none) or
//!   `{limit, origin, expires_at}`; `PUT` with `{limit, expiry}`: 200 with
//!   the limit; `DELETE`: 204; both 409 when a limit set on the owner (user
//!   or organisation) applies, which cannot be changed per repository;
//! - `GET /rate_limit`: 200, does not count against the rate limit, and
//!   answers 401 to a bad token: [`Client::check`].

use crate::error::{GitHubError, classify, error_message};
use serde::{Deserialize, Serialize};
use std::io::Read as _;
use std::time::Duration;
use ureq::http::Response;

/// How long one call to GitHub may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(20);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The REST API version this client is written against.
pub const API_VERSION: &str = "2022-11-28";
/// GitHub's recommended media type, and plain JSON, which is what GitHub
/// answers with and the only one its OpenAPI description lists (a mock
/// serving it answers 406 to `application/vnd.github+json` alone).
const ACCEPT: &str = "application/vnd.github+json, application/json";
/// GitHub refuses requests without a User-Agent.
const USER_AGENT: &str = concat!("modpod-github/", env!("CARGO_PKG_VERSION"));
/// The largest successful answer read (the rate-limit overview is ~1 KiB).
const BODY_LIMIT: u64 = 1 << 20;
/// The part of an error answer read.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// Who may interact with a repository while an interaction limit is in
/// effect (GitHub's `interaction-group`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionGroup {
    /// Only users whose account is older than 24 hours.
    ExistingUsers,
    /// Only users who have contributed to the repository before.
    ContributorsOnly,
    /// Only collaborators of the repository.
    CollaboratorsOnly,
}

impl InteractionGroup {
    pub const ALL: [InteractionGroup; 3] = [
        InteractionGroup::ExistingUsers,
        InteractionGroup::ContributorsOnly,
        InteractionGroup::CollaboratorsOnly,
    ];

    /// GitHub's name for it, e.g. `collaborators_only`.
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionGroup::ExistingUsers => "existing_users",
            InteractionGroup::ContributorsOnly => "contributors_only",
            InteractionGroup::CollaboratorsOnly => "collaborators_only",
        }
    }
}

impl std::fmt::Display for InteractionGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long an interaction limit lasts (GitHub's `interaction-expiry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    OneDay,
    ThreeDays,
    OneWeek,
    OneMonth,
    SixMonths,
}

impl Expiry {
    pub const ALL: [Expiry; 5] = [
        Expiry::OneDay,
        Expiry::ThreeDays,
        Expiry::OneWeek,
        Expiry::OneMonth,
        Expiry::SixMonths,
    ];

    /// GitHub's name for it, e.g. `one_week`.
    pub fn as_str(self) -> &'static str {
        match self {
            Expiry::OneDay => "one_day",
            Expiry::ThreeDays => "three_days",
            Expiry::OneWeek => "one_week",
            Expiry::OneMonth => "one_month",
            Expiry::SixMonths => "six_months",
        }
    }
}

impl std::fmt::Display for Expiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An interaction limit in effect on a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// Who may still interact.
    pub group: InteractionGroup,
    /// Where it was set: `repository`, or the owner's account
    /// (`organization`, `user`), which applies to all its repositories and
    /// cannot be changed per repository.
    pub origin: String,
    /// When GitHub lifts it by itself.
    pub expires_at: jiff::Timestamp,
}

impl Limit {
    /// Whether it was set on the repository itself (not on its owner).
    pub fn set_on_repository(&self) -> bool {
        self.origin == "repository"
    }
}

/// The core REST rate limit of the token, as [`Client::check`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct RateLimit {
    /// Requests per hour.
    pub limit: u64,
    pub remaining: u64,
    pub used: u64,
    /// When the window starts again, in Unix seconds.
    pub reset: u64,
}

#[derive(Deserialize)]
struct RateLimitOverview {
    resources: Resources,
}

#[derive(Deserialize)]
struct Resources {
    core: RateLimit,
}

#[derive(Debug, Deserialize)]
struct LimitBody {
    limit: InteractionGroup,
    origin: String,
    expires_at: jiff::Timestamp,
}

impl From<LimitBody> for Limit {
    fn from(body: LimitBody) -> Limit {
        Limit {
            group: body.limit,
            origin: body.origin,
            expires_at: body.expires_at,
        }
    }
}

/// Connection settings for GitHub (or GitHub Enterprise Server).
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    /// The API root, e.g. `https://api.github.com`.
    base: String,
    /// `Bearer TOKEN`, or `None` without a token.
    authorization: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.authorization.as_ref().map(|_| "…"))
            .finish()
    }
}

/// What a request carries.
enum Body {
    None,
    Empty,
    Json(String),
}

impl Client {
    /// A client for the REST API at `base_url`: `https://api.github.com`,
    /// or `https://HOST/api/v3` for GitHub Enterprise Server. `token` is a
    /// personal access token or an installation token, sent as
    /// `Authorization: Bearer TOKEN` (nothing is sent if it is empty).
    pub fn new(base_url: &str, token: &str) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .http_status_as_error(false)
            // A renamed repository answers a redirect; following it would
            // drop the token (or re-send a PUT elsewhere): it is an error
            // naming the new place instead.
            .max_redirects(0)
            .user_agent(USER_AGENT)
            .accept(ACCEPT)
            .build();
        let token = token.trim();
        Client {
            agent: config.into(),
            base: base_url.trim().trim_end_matches('/').to_owned(),
            authorization: (!token.is_empty()).then(|| format!("Bearer {token}")),
        }
    }

    /// The API root this client talks to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Checks that GitHub answers and accepts the token, and gives the
    /// token's core rate limit. `GET /rate_limit` does not count against
    /// it; a bad token answers 401.
    pub fn check(&self) -> Result<RateLimit, GitHubError> {
        let what = "read the rate limit status (checking the token)";
        let response = match self.send(what, "GET", "/rate_limit", Body::None, &[200]) {
            Err(GitHubError::Refused {
                what,
                status: 401,
                message,
            }) => {
                return Err(GitHubError::Refused {
                    what,
                    status: 401,
                    message: format!("{message} (the token is missing, wrong or expired)"),
                });
            }
            other => other?,
        };
        let overview: RateLimitOverview = read_json(what, response)?;
        Ok(overview.resources.core)
    }

    /// Whether organisation `org` blocks `user`.
    pub fn blocked(&self, org: &str, user: &str) -> Result<bool, GitHubError> {
        let what = format!("check whether organisation {org} blocks a user");
        let path = format!("/orgs/{}/blocks/{}", name(&what, org)?, name(&what, user)?);
        let response = self.send(&what, "GET", &path, Body::None, &[204, 404])?;
        Ok(response.status().as_u16() == 204)
    }

    /// Blocks `user` in organisation `org`. Already blocked is fine.
    pub fn block(&self, org: &str, user: &str) -> Result<(), GitHubError> {
        let what = format!("block a user in organisation {org}");
        let path = format!("/orgs/{}/blocks/{}", name(&what, org)?, name(&what, user)?);
        match self.send(&what, "PUT", &path, Body::Empty, &[204]) {
            Ok(_) => Ok(()),
            // GitHub answers 422 both when the user cannot be blocked and
            // when they already are: ask.
            Err(refused) if refused.status() == Some(422) => self.confirm(org, user, true, refused),
            Err(other) => Err(other),
        }
    }

    /// Lifts the block of `user` in organisation `org`. Not blocked is fine.
    pub fn unblock(&self, org: &str, user: &str) -> Result<(), GitHubError> {
        let what = format!("unblock a user in organisation {org}");
        let path = format!("/orgs/{}/blocks/{}", name(&what, org)?, name(&what, user)?);
        match self.send(&what, "DELETE", &path, Body::None, &[204]) {
            Ok(_) => Ok(()),
            Err(refused) if refused.status() == Some(404) => {
                self.confirm(org, user, false, refused)
            }
            Err(other) => Err(other),
        }
    }

    /// After a refusal to block (`wanted`) or unblock: fine if the user is
    /// already as wanted, else the refusal (or a transient failure to
    /// check).
    fn confirm(
        &self,
        org: &str,
        user: &str,
        wanted: bool,
        refused: GitHubError,
    ) -> Result<(), GitHubError> {
        match self.blocked(org, user) {
            Ok(blocked) if blocked == wanted => Ok(()),
            Err(error) if error.is_transient() => Err(error),
            _ => Err(refused),
        }
    }

    /// The interaction limit in effect on `owner/repo`, if any (set on the
    /// repository or on its owner).
    pub fn interaction_limit(&self, owner: &str, repo: &str) -> Result<Option<Limit>, GitHubError> {
        let what = format!("read the interaction limit of {owner}/{repo}");
        let path = self.limit_path(&what, owner, repo)?;
        let response = self.send(&what, "GET", &path, Body::None, &[200])?;
        let body = read_body(&what, response)?;
        if body.trim().is_empty() {
            return Ok(None);
        }
        let value: serde_json::Value = parse(&what, &body)?;
        if value.as_object().is_some_and(|o| o.is_empty()) {
            return Ok(None);
        }
        let limit: LimitBody = serde_json::from_value(value).map_err(|e| bad(&what, e))?;
        Ok(Some(limit.into()))
    }

    /// Limits who may interact with `owner/repo` to `group`, for `expiry`
    /// from now; replaces any limit set on the repository. Returns the limit
    /// now in effect. Refused (409) when a limit set on the owner applies.
    pub fn set_interaction_limit(
        &self,
        owner: &str,
        repo: &str,
        group: InteractionGroup,
        expiry: Expiry,
    ) -> Result<Limit, GitHubError> {
        let what = format!("set an interaction limit on {owner}/{repo}");
        let path = self.limit_path(&what, owner, repo)?;
        let body = serde_json::json!({ "limit": group, "expiry": expiry }).to_string();
        let response = self
            .send(&what, "PUT", &path, Body::Json(body), &[200])
            .map_err(owner_wide)?;
        let limit: LimitBody = read_json(&what, response)?;
        Ok(limit.into())
    }

    /// Removes the interaction limit set on `owner/repo`. None is fine.
    /// Refused (409) when a limit set on the owner applies.
    pub fn remove_interaction_limit(&self, owner: &str, repo: &str) -> Result<(), GitHubError> {
        let what = format!("remove the interaction limit of {owner}/{repo}");
        let path = self.limit_path(&what, owner, repo)?;
        self.send(&what, "DELETE", &path, Body::None, &[204])
            .map_err(owner_wide)?;
        Ok(())
    }

    fn limit_path(&self, what: &str, owner: &str, repo: &str) -> Result<String, GitHubError> {
        Ok(format!(
            "/repos/{}/{}/interaction-limits",
            name(what, owner)?,
            name(what, repo)?
        ))
    }

    /// Sends one request; the response if its status is one of `ok`, else
    /// the error it stands for.
    fn send(
        &self,
        what: &str,
        method: &str,
        path: &str,
        body: Body,
        ok: &[u16],
    ) -> Result<Response<ureq::Body>, GitHubError> {
        let url = format!("{}{path}", self.base);
        let result = match method {
            "GET" => self.headers(self.agent.get(&url)).call(),
            "DELETE" => self.headers(self.agent.delete(&url)).call(),
            _ => {
                let request = self.headers(self.agent.put(&url));
                match body {
                    Body::Json(json) => request
                        .header("Content-Type", "application/json")
                        .send(json.as_bytes()),
                    Body::Empty | Body::None => request.send_empty(),
                }
            }
        };
        let mut response = result.map_err(|error| self.transport(what, error))?;
        let status = response.status().as_u16();
        if ok.contains(&status) {
            return Ok(response);
        }
        if (300..400).contains(&status) {
            let location = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("an address it did not give");
            return Err(GitHubError::Refused {
                what: what.to_owned(),
                status,
                message: format!("moved to {location} (was it renamed or transferred?)"),
            });
        }
        let mut bytes = Vec::new();
        // A body cut short still explains something.
        let _ = response
            .body_mut()
            .as_reader()
            .take(ERROR_BODY_LIMIT)
            .read_to_end(&mut bytes);
        Err(classify(what, status, response.headers(), &bytes))
    }

    fn headers<B>(&self, mut request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        request = request.header("X-GitHub-Api-Version", API_VERSION);
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        request
    }

    /// A failure to get any answer.
    fn transport(&self, what: &str, error: ureq::Error) -> GitHubError {
        match error {
            // Nothing was sent: the URL, the token or a header is malformed.
            ureq::Error::Http(_) | ureq::Error::BadUri(_) | ureq::Error::InvalidProxyUrl => {
                GitHubError::Invalid {
                    what: what.to_owned(),
                    reason: format!("the request to {} cannot be made: {error}", self.base),
                }
            }
            _ => GitHubError::Unreachable {
                base: self.base.clone(),
                what: what.to_owned(),
                reason: error.to_string(),
            },
        }
    }
}

/// A 409 from the interaction-limit endpoints, explained: GitHub gives no
/// body.
fn owner_wide(error: GitHubError) -> GitHubError {
    match error {
        GitHubError::Refused {
            what,
            status: 409,
            message,
        } => GitHubError::Refused {
            what,
            status: 409,
            message: format!(
                "an interaction limit set on the owner (user or organisation) applies to all \
                 its repositories and cannot be changed per repository ({message})"
            ),
        },
        other => other,
    }
}

/// Whether this client takes `text` as a user, organisation or repository
/// name (see [`name`]); any other is refused as [`GitHubError::Invalid`]
/// before anything is sent.
pub(crate) fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 100
        && text != "."
        && text != ".."
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `text` as a path segment, if GitHub can have such a user, organisation
/// or repository name: letters, digits, `-`, `_` and `.`, at most 100, not
/// `.` or `..`. Nothing needs encoding then.
fn name<'a>(what: &str, text: &'a str) -> Result<&'a str, GitHubError> {
    if is_name(text) {
        Ok(text)
    } else {
        Err(GitHubError::Invalid {
            what: what.to_owned(),
            // Not shown: it may be a username (kept out of logs).
            reason: "a name is not one GitHub accounts or repositories can have (1 to 100 \
                     letters, digits, '-', '_' or '.')"
                .to_owned(),
        })
    }
}

fn read_body(what: &str, mut response: Response<ureq::Body>) -> Result<String, GitHubError> {
    let bytes = response
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_vec()
        .map_err(|e| bad(what, e))?;
    String::from_utf8(bytes).map_err(|e| bad(what, e))
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> Result<T, GitHubError> {
    serde_json::from_str(body).map_err(|e| GitHubError::BadAnswer {
        what: what.to_owned(),
        reason: format!("{e}: {}", error_message(body.as_bytes())),
    })
}

fn read_json<T: serde::de::DeserializeOwned>(
    what: &str,
    response: Response<ureq::Body>,
) -> Result<T, GitHubError> {
    parse(what, &read_body(what, response)?)
}

fn bad(what: &str, error: impl std::fmt::Display) -> GitHubError {
    GitHubError::BadAnswer {
        what: what.to_owned(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn the_base_loses_its_trailing_slash() {
        for url in [
            "https://api.github.com",
            "https://api.github.com/",
            " https://api.github.com// ",
        ] {
            assert_eq!(Client::new(url, "t").base(), "https://api.github.com");
        }
    }

    #[test]
    fn the_token_is_not_shown() {
        let client = Client::new("http://127.0.0.1:1", "ghp_s3cret");
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[test]
    fn names_github_cannot_have_are_refused_before_sending() {
        let client = Client::new("http://127.0.0.1:1", "t");
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a b",
            "x?y=1",
            "é",
            "a%2Fb",
            &"a".repeat(101),
        ] {
            let error = client.blocked("acme", bad).unwrap_err();
            assert!(
                matches!(error, GitHubError::Invalid { .. }),
                "{bad:?}: {error:?}"
            );
            assert!(!error.is_transient());
            let error = client.interaction_limit(bad, "repo").unwrap_err();
            assert!(
                matches!(error, GitHubError::Invalid { .. }),
                "{bad:?}: {error:?}"
            );
        }
        assert!(name("x", "octo-cat_2.github.io").is_ok());
    }

    #[test]
    fn a_closed_port_is_unreachable_and_transient() {
        let error = Client::new("http://127.0.0.1:1", "t")
            .blocked("acme", "bob")
            .unwrap_err();
        assert!(
            matches!(&error, GitHubError::Unreachable { .. }) && error.is_transient(),
            "{error:?}"
        );
        assert!(!error.to_string().contains("bob"), "{error}");
    }

    #[test]
    fn a_malformed_base_is_invalid_not_transient() {
        let error = Client::new("not a url", "t").check().unwrap_err();
        assert!(!error.is_transient(), "{error:?}");
    }

    #[test]
    fn the_names_are_githubs() {
        let json = serde_json::json!({ "limit": InteractionGroup::ContributorsOnly, "expiry": Expiry::SixMonths });
        assert_eq!(
            json.to_string(),
            r#"{"expiry":"six_months","limit":"contributors_only"}"#
        );
        for group in InteractionGroup::ALL {
            assert_eq!(serde_json::to_value(group).unwrap(), group.as_str());
        }
        for expiry in Expiry::ALL {
            assert_eq!(serde_json::to_value(expiry).unwrap(), expiry.as_str());
        }
    }

    #[test]
    fn a_limit_parses_from_githubs_example() {
        let body: LimitBody = parse(
            "x",
            r#"{"limit":"collaborators_only","origin":"repository","expires_at":"2018-08-17T04:18:39Z"}"#,
        )
        .unwrap();
        let limit = Limit::from(body);
        assert_eq!(limit.group, InteractionGroup::CollaboratorsOnly);
        assert!(limit.set_on_repository());
        assert_eq!(limit.expires_at.as_second(), 1_534_479_519);
        // A group GitHub may add one day is a bad answer, not a panic.
        let error = parse::<LimitBody>(
            "x",
            r#"{"limit":"nobody","origin":"repository","expires_at":"2018-08-17T04:18:39Z"}"#,
        )
        .unwrap_err();
        assert!(matches!(error, GitHubError::BadAnswer { .. }));
    }
}
