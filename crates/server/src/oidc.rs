//! Optional login with OpenID Connect (the IETF Datatracker is a provider):
//! the authorization code flow with PKCE, `state` and `nonce`, through the
//! `openidconnect` crate, which validates the ID token's signature (with the
//! provider's published keys), issuer, audience, expiry and nonce.
//!
//! The provider is discovered lazily, when the login page or a login needs it,
//! and remembered for an hour; a failed discovery is remembered for
//! [`RETRY_AFTER_FAILURE`], so a provider that is down neither stops modpod
//! from starting nor slows every login page: the page says that this way of
//! logging in is unavailable, and password logins go on working.
//!
//! A login in progress (its `state`, `nonce`, PKCE verifier and where to go
//! afterwards) is kept in the browser, in a short-lived cookie ([`FLOW_COOKIE`],
//! `HttpOnly`, ten minutes, for `/login/oidc` only) sealed with a key derived
//! from the client secret: every node with the same configuration accepts it,
//! nobody without the secret can make one, and it is cleared when the login
//! ends, whichever way.
//!
//! **Who logs in** ([`Oidc::person_for`]): the person to whom the ID token's
//! `email` claim is linked as an email identity in the policy state, compared
//! as every email identity is (whole address, case-insensitively), and only
//! when the provider vouches for the address (`email_verified` is `true`).
//! No match logs nobody in; people are never created by logging in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use modpod_policy::State;
use modpod_policy::ids::PersonId;
use modpod_policy::model::{Identity, IdentityKind};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The cookie that carries a login in progress.
pub const FLOW_COOKIE: &str = "modpod_oidc";

/// The path of the callback, under the public base URL.
pub const CALLBACK_PATH: &str = "/login/oidc/callback";

/// How long a started login may take at the provider.
pub const FLOW_SECONDS: i64 = 600;

/// How long discovered provider metadata (and its keys) is used.
const METADATA_LIFETIME: Duration = Duration::from_secs(3600);

/// How long a failed discovery is believed before the provider is asked again.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// How long one request to the provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long discovery (the metadata, then the keys) may take: a provider that
/// hangs delays a login page at most this long, once per
/// [`RETRY_AFTER_FAILURE`].
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest `next` path kept in the flow cookie.
const MAX_NEXT: usize = 512;

/// The prefix of the account name a session opened through the provider
/// records; account names cannot start with it (`accounts::create`).
pub const SESSION_ACCOUNT_PREFIX: &str = "oidc:";

/// What `modpod serve` is configured with.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// modpod's public base URL, e.g. `https://modpod.ietf.org`; the redirect
    /// URI registered at the provider is this followed by [`CALLBACK_PATH`].
    pub base_url: String,
    /// The provider's name on the login page, e.g. "IETF Datatracker".
    pub provider_name: String,
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the OpenID Connect issuer {0:?} is not a URL")]
    Issuer(String),
    #[error("the public base URL {0:?} is not an http(s) URL")]
    BaseUrl(String),
    #[error("the OpenID Connect {0} must not be empty")]
    Empty(&'static str),
    #[error("cannot make an HTTP client: {0}")]
    Http(String),
}

/// Why a login through the provider did not log anybody in.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The provider could not be reached or answered nonsense (503).
    #[error("{0}")]
    Unavailable(String),
    /// Something about this login attempt is wrong (400).
    #[error("{0}")]
    Refused(String),
}

/// A discovered provider, or when discovery last failed.
enum Discovered {
    Nothing,
    Metadata(Box<CoreProviderMetadata>, Instant),
    Failed(String, Instant),
}

/// OpenID Connect login, configured.
pub struct Oidc {
    name: String,
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    /// Seals the flow cookie: derived from the client secret.
    flow_key: [u8; 32],
    http: openidconnect::reqwest::Client,
    discovered: tokio::sync::Mutex<Discovered>,
}

/// A login in progress, as the flow cookie carries it.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    /// Seconds since the epoch after which the flow is refused.
    until: i64,
}

/// A started login: where to send the browser, and the flow cookie to set.
pub struct Started {
    pub url: String,
    pub cookie: String,
}

/// What the provider said about the person who logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub email: Option<String>,
    pub email_verified: bool,
    /// Where to go afterwards, as the login was started with.
    pub next: String,
}

/// Whose login it is, by [`Oidc::person_for`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    Person(PersonId),
    NoEmail,
    Unverified(String),
    Unknown(String),
}

impl Oidc {
    pub fn new(config: OidcConfig) -> Result<Oidc, ConfigError> {
        for (value, what) in [
            (&config.client_id, "client id"),
            (&config.client_secret, "client secret"),
            (&config.provider_name, "provider name"),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError::Empty(what));
            }
        }
        let issuer = IssuerUrl::new(config.issuer.trim_end_matches('/').to_owned())
            .map_err(|_| ConfigError::Issuer(config.issuer.clone()))?;
        let base = config.base_url.trim_end_matches('/');
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(ConfigError::BaseUrl(config.base_url.clone()));
        }
        let redirect = RedirectUrl::new(format!("{base}{CALLBACK_PATH}"))
            .map_err(|_| ConfigError::BaseUrl(config.base_url.clone()))?;
        let http = openidconnect::reqwest::Client::builder()
            // The provider's answers are read as they come: a redirect there
            // could lead the client anywhere (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .map_err(|e| ConfigError::Http(e.to_string()))?;
        Ok(Oidc {
            name: config.provider_name,
            issuer,
            client_id: ClientId::new(config.client_id),
            flow_key: blake3::derive_key(
                "modpod OpenID Connect login flow cookie v1",
                config.client_secret.as_bytes(),
            ),
            client_secret: ClientSecret::new(config.client_secret),
            redirect,
            http,
            discovered: tokio::sync::Mutex::new(Discovered::Nothing),
        })
    }

    /// The provider's name, for the login page.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The redirect URI to register at the provider.
    pub fn redirect_uri(&self) -> &str {
        self.redirect.as_str()
    }

    /// The provider's metadata and keys: remembered, or discovered now.
    async fn metadata(&self) -> Result<CoreProviderMetadata, LoginError> {
        let mut discovered = self.discovered.lock().await;
        match &*discovered {
            Discovered::Metadata(metadata, at) if at.elapsed() < METADATA_LIFETIME => {
                return Ok((**metadata).clone());
            }
            Discovered::Failed(error, at) if at.elapsed() < RETRY_AFTER_FAILURE => {
                return Err(LoginError::Unavailable(error.clone()));
            }
            _ => {}
        }
        let discovery = tokio::time::timeout(
            DISCOVERY_TIMEOUT,
            CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http),
        )
        .await;
        match discovery {
            Ok(Ok(metadata)) => {
                *discovered = Discovered::Metadata(Box::new(metadata.clone()), Instant::now());
                Ok(metadata)
            }
            failed => {
                let why = match failed {
                    Ok(Err(error)) => chain(&error),
                    _ => format!("no answer within {DISCOVERY_TIMEOUT:?}"),
                };
                let error = format!(
                    "cannot discover the OpenID Connect provider {}: {why}",
                    self.issuer.as_str()
                );
                tracing::warn!(%error, "OpenID Connect login is unavailable");
                *discovered = Discovered::Failed(error.clone(), Instant::now());
                Err(LoginError::Unavailable(error))
            }
        }
    }

    /// Forgets the metadata, so that the next login discovers the provider
    /// (and its keys, which may have been rotated) again.
    async fn forget_metadata(&self) {
        *self.discovered.lock().await = Discovered::Nothing;
    }

    /// Whether logging in through the provider can be offered now.
    pub async fn available(&self) -> bool {
        self.metadata().await.is_ok()
    }

    /// Starts a login: the provider's authorization URL with a fresh
    /// `state`, `nonce` and PKCE challenge, and the cookie that remembers them.
    pub async fn start(&self, next: &str, now: Timestamp) -> Result<Started, LoginError> {
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(self.redirect.clone());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge)
            .url();
        let next = if next.len() > MAX_NEXT { "/me" } else { next };
        let flow = Flow {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            next: next.to_owned(),
            until: now.as_second().saturating_add(FLOW_SECONDS),
        };
        let value = self.seal(&flow)?;
        Ok(Started {
            url: url.to_string(),
            cookie: format!(
                "{FLOW_COOKIE}={value}; Path=/login/oidc; HttpOnly; Secure; SameSite=Lax; Max-Age={FLOW_SECONDS}"
            ),
        })
    }

    /// Finishes a login: checks `state` against the flow cookie, trades the
    /// code for tokens (with the PKCE verifier), and validates the ID token.
    pub async fn finish(
        &self,
        cookie: Option<&str>,
        state: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<Verified, LoginError> {
        let flow = self.checked(cookie, state, code, now)?;
        let metadata = self.metadata().await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(self.redirect.clone());
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| {
                LoginError::Unavailable(format!("the provider has no token endpoint: {e}"))
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()));
        let tokens = request.request_async(&self.http).await.map_err(|error| {
            use openidconnect::RequestTokenError;
            match error {
                RequestTokenError::ServerResponse(answer) => LoginError::Refused(format!(
                    "The provider refused to complete the login: {}.",
                    answer.error()
                )),
                other => LoginError::Unavailable(format!(
                    "cannot complete the login at the provider: {}",
                    chain(&other)
                )),
            }
        })?;
        let id_token = tokens.id_token().ok_or_else(|| {
            LoginError::Refused("The provider sent no ID token, so nobody was logged in.".into())
        })?;
        let verifier = client.id_token_verifier();
        let claims = match id_token.claims(&verifier, &Nonce::new(flow.nonce.clone())) {
            Ok(claims) => claims,
            Err(error) => {
                tracing::warn!(error = %chain(&error), "an OpenID Connect ID token was refused");
                // The keys may have been rotated: discover them again next time.
                self.forget_metadata().await;
                return Err(LoginError::Refused(
                    "The provider's ID token is not valid for this login, so nobody was logged in."
                        .into(),
                ));
            }
        };
        Ok(Verified {
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified() == Some(true),
            next: flow.next,
        })
    }

    /// The checks of a callback before the provider is asked anything: the
    /// flow cookie opens with this modpod's key, the login is not too old,
    /// `state` is the flow's, and a code came. With [`error_code`], the entry
    /// point of the callback's parsing, which the fuzz target
    /// `oidc_callback` (crates/enforce/fuzz) calls.
    pub fn check_callback(
        &self,
        cookie: Option<&str>,
        state: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<(), LoginError> {
        self.checked(cookie, state, code, now).map(drop)
    }

    /// The login in progress a callback finishes, checked as
    /// [`Oidc::check_callback`] says.
    fn checked(
        &self,
        cookie: Option<&str>,
        state: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<Flow, LoginError> {
        let flow = cookie.and_then(|c| self.open(c)).ok_or_else(|| {
            LoginError::Refused(
                "This login did not start here, or it was already used. Start again from the login page."
                    .into(),
            )
        })?;
        if flow.until < now.as_second() {
            return Err(LoginError::Refused(
                "This login took too long. Start again from the login page.".into(),
            ));
        }
        if !crate::web::same_secret(state, &flow.state) {
            return Err(LoginError::Refused(
                "The answer from the provider does not belong to the login started in this browser \
                 (its state differs), so nobody was logged in. Start again from the login page."
                    .into(),
            ));
        }
        if code.is_empty() {
            return Err(LoginError::Refused(
                "The provider's answer carried no authorization code.".into(),
            ));
        }
        Ok(flow)
    }

    /// The flow cookie's value for a login in progress whose `state` is
    /// this, going on to `next`, until `until`: what [`Oidc::start`] sets
    /// (with a random nonce and PKCE verifier of its own), for the tests and
    /// the fuzz target to make cookies that open.
    pub fn flow_cookie(
        &self,
        state: &str,
        next: &str,
        until: Timestamp,
    ) -> Result<String, LoginError> {
        self.seal(&Flow {
            state: state.to_owned(),
            nonce: String::new(),
            verifier: String::new(),
            next: next.to_owned(),
            until: until.as_second(),
        })
    }

    /// The person a verified login is, by the rule in the module's doc.
    pub fn person_for(state: &State, verified: &Verified) -> Match {
        let Some(email) = &verified.email else {
            return Match::NoEmail;
        };
        if !verified.email_verified {
            return Match::Unverified(email.clone());
        }
        let Ok(identity) = Identity::new(IdentityKind::Email, email) else {
            return Match::Unknown(email.clone());
        };
        match state.person_with(&identity) {
            Some(person) if state.people.contains_key(person) => Match::Person(person.clone()),
            _ => Match::Unknown(email.clone()),
        }
    }

    /// The flow as a cookie value: its JSON, then a keyed BLAKE3 MAC of it.
    fn seal(&self, flow: &Flow) -> Result<String, LoginError> {
        let json = serde_json::to_vec(flow)
            .map_err(|e| LoginError::Unavailable(format!("cannot encode the login flow: {e}")))?;
        let mac = blake3::keyed_hash(&self.flow_key, &json);
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(mac.as_bytes())
        ))
    }

    /// The flow a cookie value carries, if this modpod sealed it.
    fn open(&self, value: &str) -> Option<Flow> {
        if value.len() > 4096 {
            return None;
        }
        let (json, mac) = value.split_once('.')?;
        let json = URL_SAFE_NO_PAD.decode(json).ok()?;
        let mac: [u8; 32] = URL_SAFE_NO_PAD.decode(mac).ok()?.try_into().ok()?;
        // `blake3::Hash` compares in constant time.
        if blake3::keyed_hash(&self.flow_key, &json) != blake3::Hash::from(mac) {
            return None;
        }
        serde_json::from_slice(&json).ok()
    }
}

/// The provider's error (`?error=` of the callback) as the callback page
/// repeats it: only a code, as RFC 6749 gives it (at most 64 letters, digits
/// and `_`), never its free text.
pub fn error_code(error: &str) -> Option<&str> {
    (!error.is_empty()
        && error.len() <= 64
        && error
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then_some(error)
}

/// The `Set-Cookie` value that clears the flow cookie.
pub const CLEARED_FLOW: &str =
    "modpod_oidc=; Path=/login/oidc; HttpOnly; Secure; SameSite=Lax; Max-Age=0";

/// An error with its causes, on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn oidc(secret: &str) -> Oidc {
        Oidc::new(OidcConfig {
            issuer: "http://127.0.0.1:9/".into(),
            client_id: "modpod".into(),
            client_secret: secret.into(),
            base_url: "https://modpod.example/".into(),
            provider_name: "Provider".into(),
        })
        .unwrap()
    }

    fn flow() -> Flow {
        Flow {
            state: "s".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            next: "/me".into(),
            until: 1,
        }
    }

    #[test]
    fn a_flow_cookie_opens_only_with_the_key_that_sealed_it_and_unchanged() {
        let (a, b) = (oidc("secret-a"), oidc("secret-b"));
        assert_eq!(
            a.redirect_uri(),
            "https://modpod.example/login/oidc/callback"
        );
        let sealed = a.seal(&flow()).unwrap();
        assert_eq!(a.open(&sealed).unwrap().verifier, "v");
        assert!(b.open(&sealed).is_none(), "another secret's cookie");
        let (json, mac) = sealed.split_once('.').unwrap();
        let mut other = flow();
        other.next = "https://evil.example/".into();
        let forged = format!(
            "{}.{mac}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap())
        );
        assert!(a.open(&forged).is_none(), "a changed flow");
        assert!(a.open(json).is_none());
        assert!(a.open("").is_none());
        assert!(a.open(&"x".repeat(5000)).is_none());
    }

    #[tokio::test]
    async fn a_login_is_refused_without_its_cookie_late_or_with_another_state() {
        let oidc = oidc("secret");
        let now = Timestamp::from_second(1_000_000).unwrap();
        let mut live = flow();
        live.until = now.as_second() + FLOW_SECONDS;
        let cookie = oidc.seal(&live).unwrap();
        let refused = |r: Result<Verified, LoginError>| match r {
            Err(LoginError::Refused(message)) => message,
            other => panic!("{other:?}"),
        };
        assert!(refused(oidc.finish(None, "s", "code", now).await).contains("did not start here"));
        assert!(
            refused(oidc.finish(Some("junk"), "s", "code", now).await)
                .contains("did not start here")
        );
        let late = now
            .checked_add(jiff::SignedDuration::from_secs(FLOW_SECONDS + 1))
            .unwrap();
        assert!(refused(oidc.finish(Some(&cookie), "s", "code", late).await).contains("too long"));
        assert!(
            refused(oidc.finish(Some(&cookie), "t", "code", now).await).contains("state differs")
        );
        assert!(
            refused(oidc.finish(Some(&cookie), "", "code", now).await).contains("state differs")
        );
        assert!(
            refused(oidc.finish(Some(&cookie), "s", "", now).await)
                .contains("no authorization code")
        );
    }

    #[test]
    fn bad_configurations_are_refused() {
        let good = OidcConfig {
            issuer: "https://auth.example".into(),
            client_id: "c".into(),
            client_secret: "s".into(),
            base_url: "https://modpod.example".into(),
            provider_name: "P".into(),
        };
        assert!(Oidc::new(good.clone()).is_ok());
        let mut bad = good.clone();
        bad.issuer = "not a url".into();
        assert!(matches!(Oidc::new(bad), Err(ConfigError::Issuer(_))));
        let mut bad = good.clone();
        bad.base_url = "modpod.example".into();
        assert!(matches!(Oidc::new(bad), Err(ConfigError::BaseUrl(_))));
        let mut bad = good;
        bad.client_secret = " ".into();
        assert!(matches!(Oidc::new(bad), Err(ConfigError::Empty(_))));
    }
}
