//! Who is calling: an API token (`Authorization: Bearer mpt_…`), a login
//! session (the `modpod_session` cookie, made by `POST /v1/login`), or nobody.
//!
//! Sessions are for browsers, so every request that changes something with a
//! session must echo the session's CSRF token in `X-CSRF-Token`; the cookie is
//! also `SameSite=Strict` and `HttpOnly`. Tokens are for machines and need no
//! CSRF token (a browser never sends them by itself). Logins are rate limited
//! per account and client address together, and per client address: one
//! address's failures never lock the account's owner out elsewhere. The
//! client address is the socket's peer, or, when the peer is a trusted
//! reverse proxy, the address it says it forwards for (`X-Forwarded-For`).

use super::{ApiError, ApiJson, App};
use crate::tokens::{self, Scope, random};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State as Extract};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use jiff::{SignedDuration, Timestamp};
use modpod_policy::ids::PersonId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// The cookie that holds a login session's id.
pub const SESSION_COOKIE: &str = "modpod_session";

/// The header that must echo the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How long a login session lasts.
pub const SESSION_HOURS: i64 = 12;

/// How long a checked credential is trusted without asking the store again:
/// a revoked token or ended session stops working within this time on other
/// nodes (at once on the node that ended it).
pub const RECHECK: Duration = Duration::from_secs(10);

/// Logins allowed per account from one client address, per minute; a client
/// address may try four times as many in a burst, whatever the accounts.
const LOGINS_PER_MINUTE: u32 = 5;

/// Login limiters keep a counter per key; past this many keys, those that are
/// full again are dropped, so nobody can fill memory with guessed names.
const LIMITER_KEYS: usize = 100_000;

/// How a caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Token { id: String, scope: Scope },
    Session { csrf: String },
}

/// The caller of a request. Extracting it never fails for anonymous callers;
/// it fails with 401 for a credential that is presented but not valid, and
/// with 403 for a session request that changes something without its CSRF
/// token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub person: Option<PersonId>,
    pub via: Via,
}

impl Caller {
    /// The caller's person, for anything beyond public pages and decisions:
    /// a session, or a token of scope `act`.
    pub fn person(&self) -> Result<&PersonId, ApiError> {
        match (&self.via, &self.person) {
            (Via::Token { scope, .. }, _) if !scope.allows(Scope::Act) => {
                Err(wrong_scope(*scope, Scope::Act))
            }
            (_, Some(person)) => Ok(person),
            _ => Err(unauthenticated("log in, or send an API token")),
        }
    }

    /// Allowed to ask for decisions: an API token (scope `decide`, or `act`,
    /// which allows everything `decide` does). Not a login session: an answer
    /// tells of measures not announced, and each question counts against the
    /// sender's rate limit, so only the forum software asks.
    pub fn may_decide(&self) -> Result<(), ApiError> {
        match &self.via {
            Via::Token { scope, .. } if scope.allows(Scope::Decide) => Ok(()),
            Via::Token { scope, .. } => Err(wrong_scope(*scope, Scope::Decide)),
            Via::Session { .. } => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "token_required",
                "the decision API answers forum software's API tokens (scope decide or act), \
                 not login sessions",
            )),
            Via::Anonymous => Err(unauthenticated(
                "send an API token: Authorization: Bearer mpt_…",
            )),
        }
    }
}

/// A caller allowed to ask for decisions ([`Caller::may_decide`]). As an
/// extractor it is checked before the body is read, so a caller without the
/// right credential is told so (401, 403) whatever they sent.
#[derive(Debug, Clone)]
pub struct Decider(pub Caller);

impl FromRequestParts<App> for Decider {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, app).await?;
        caller.may_decide()?;
        Ok(Decider(caller))
    }
}

/// The person a caller acts as ([`Caller::person`]): a session, or a token of
/// scope `act`. Checked before the body is read, like [`Decider`].
#[derive(Debug, Clone)]
pub struct Acting(pub PersonId);

impl FromRequestParts<App> for Acting {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, app).await?;
        Ok(Acting(caller.person()?.clone()))
    }
}

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
}

fn wrong_scope(has: Scope, needs: Scope) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "wrong_scope",
        format!("this token's scope is {has}; this needs {needs}"),
    )
}

/// Credentials checked lately, by the BLAKE3 hash of what was presented, so
/// that a busy forum's every request does not wait on the database.
#[derive(Default)]
pub struct Credentials {
    checked: Mutex<HashMap<[u8; 32], (Caller, Instant)>>,
}

impl Credentials {
    fn get(&self, key: &[u8; 32]) -> Option<Caller> {
        let cache = self.checked.lock().ok()?;
        let (caller, at) = cache.get(key)?;
        (at.elapsed() < RECHECK).then(|| caller.clone())
    }

    fn put(&self, key: [u8; 32], caller: &Caller) {
        if let Ok(mut cache) = self.checked.lock() {
            if cache.len() > 10_000 {
                cache.retain(|_, (_, at)| at.elapsed() < RECHECK);
            }
            cache.insert(key, (caller.clone(), Instant::now()));
        }
    }

    pub(crate) fn forget(&self, key: &[u8; 32]) {
        if let Ok(mut cache) = self.checked.lock() {
            cache.remove(key);
        }
    }
}

/// Login attempts, limited per (account name, client address) and per
/// client address. Never per account alone: five wrong passwords from one
/// address would then lock the account's owner out everywhere.
pub struct LoginLimits {
    by_account: DefaultKeyedRateLimiter<(String, IpAddr)>,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for LoginLimits {
    fn default() -> Self {
        let quota =
            Quota::per_minute(NonZeroU32::new(LOGINS_PER_MINUTE).unwrap_or(NonZeroU32::MIN));
        LoginLimits {
            by_account: RateLimiter::keyed(quota),
            by_address: RateLimiter::keyed(
                quota
                    .allow_burst(NonZeroU32::new(LOGINS_PER_MINUTE * 4).unwrap_or(NonZeroU32::MIN)),
            ),
        }
    }
}

impl LoginLimits {
    /// Counts one attempt for `account` from `address`; `Err` with the seconds
    /// to wait when either limit is spent.
    pub(crate) fn attempt(&self, account: &str, address: IpAddr) -> Result<(), u64> {
        if self.by_account.len() > LIMITER_KEYS {
            self.by_account.retain_recent();
        }
        if self.by_address.len() > LIMITER_KEYS {
            self.by_address.retain_recent();
        }
        let limited = self
            .by_address
            .check_key(&address)
            .and_then(|()| self.by_account.check_key(&(account.to_owned(), address)));
        limited.map_err(|not_until| {
            let now = governor::clock::Clock::now(&governor::clock::DefaultClock::default());
            not_until.wait_time_from(now).as_secs().max(1)
        })
    }
}

/// One entry of `--trusted-proxy`: an address (`127.0.0.1`, `::1`) or a
/// network (`10.0.0.0/8`) of reverse proxies whose `X-Forwarded-For` is
/// believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(ipnet::IpNet);

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<IpAddr>().map(ipnet::IpNet::from))
            .map(TrustedProxy)
            .map_err(|_| {
                format!("{s:?} is not an IP address or network (e.g. 127.0.0.1, ::1, 10.0.0.0/8)")
            })
    }
}

impl std::fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The client's address as this service determined it, kept in the
/// request's extensions by [`find_client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// Sets each request's [`ClientAddress`]: the socket's peer, unless the peer
/// is a trusted proxy; then the right-most address of `X-Forwarded-For` that
/// is not itself a trusted proxy (the left part of the header is whatever
/// the client wrote, so it is never believed). From any other peer the
/// header is ignored: a client cannot escape its limits by forging it.
pub(crate) async fn find_client(
    Extract(app): Extract<App>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |ConnectInfo(a)| a.ip());
    let client = forwarded_for(&app.trusted_proxies, peer, request.headers());
    request.extensions_mut().insert(ClientAddress(client));
    next.run(request).await
}

/// The client behind `peer`, as the trusted proxies among `X-Forwarded-For`'s
/// hops say; stops at the first hop that is not an address.
fn forwarded_for(trusted: &[TrustedProxy], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let is_trusted = |a: &IpAddr| trusted.iter().any(|t| t.0.contains(a));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(address) = hop_address(hop) else {
            break;
        };
        client = address;
        if !is_trusted(&address) {
            break;
        }
    }
    client
}

/// One hop of `X-Forwarded-For`: `192.0.2.1`, `2001:db8::1`, or with a port
/// (`192.0.2.1:443`, `[2001:db8::1]:443`).
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        if let Some(presented) = bearer(&parts.headers) {
            return token_caller(app, presented.to_owned()).await;
        }
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(Caller {
                person: None,
                via: Via::Anonymous,
            });
        };
        let caller = session_caller(app, id.to_owned()).await?;
        let changes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if let (true, Via::Session { csrf }) = (changes, &caller.via) {
            let echoed = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if echoed != Some(csrf.as_str()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    format!(
                        "a change made with a login session must send its CSRF token in {CSRF_HEADER}"
                    ),
                ));
            }
        }
        Ok(caller)
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    Some(value.strip_prefix("Bearer ").unwrap_or("").trim())
}

/// The value of the cookie `name` in a request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

async fn token_caller(app: &App, presented: String) -> Result<Caller, ApiError> {
    let key = *blake3::hash(presented.as_bytes()).as_bytes();
    if let Some(caller) = app.credentials.get(&key) {
        return Ok(caller);
    }
    let checked = app
        .read_store(move |store| tokens::check(store, &presented))
        .await?;
    let Some(bearer) = checked else {
        return Err(unauthenticated("this API token is unknown or revoked"));
    };
    let caller = Caller {
        person: PersonId::parse(&bearer.person).ok(),
        via: Via::Token {
            id: bearer.id,
            scope: bearer.scope,
        },
    };
    app.credentials.put(key, &caller);
    Ok(caller)
}

pub(crate) async fn session_caller(app: &App, id: String) -> Result<Caller, ApiError> {
    let key = *blake3::hash(id.as_bytes()).as_bytes();
    if let Some(caller) = app.credentials.get(&key) {
        return Ok(caller);
    }
    let now = Timestamp::now().as_microsecond();
    let found = app
        .read_store(move |store| {
            let Some(session) = store.session(&key)? else {
                return Ok(None);
            };
            if session.expires_micros <= now {
                return Ok(None);
            }
            // A password login's session names its account; one opened
            // through OpenID Connect names the person (`oidc:<person>`, a name
            // no account may have).
            let person = match store.account(&session.account)? {
                Some(account) => Some(account.person),
                None => session
                    .account
                    .strip_prefix(crate::oidc::SESSION_ACCOUNT_PREFIX)
                    .map(str::to_owned),
            };
            Ok(person.map(|p| (p, session.csrf)))
        })
        .await?;
    let Some((person, csrf)) = found else {
        return Err(unauthenticated("this session has ended; log in again"));
    };
    let caller = Caller {
        person: PersonId::parse(&person).ok(),
        via: Via::Session { csrf },
    };
    app.credentials.put(key, &caller);
    Ok(caller)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub account: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedIn {
    /// The person the account acts for.
    pub person: String,
    /// Send it back in `X-CSRF-Token` with every request that changes something.
    pub csrf_token: String,
    /// When the session ends.
    pub expires_at: String,
}

/// Logs in with an account's password; sets the session cookie. At most five
/// attempts a minute per account from one client address, and twenty from one
/// client address in a burst.
#[utoipa::path(post, path = "/v1/login", request_body = Login,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = LoggedIn),
        (status = 401, description = "Wrong account or password", body = ApiError),
        (status = 429, description = "Too many attempts; see Retry-After", body = ApiError),
    ))]
pub(super) async fn login(
    Extract(app): Extract<App>,
    extensions: axum::http::Extensions,
    ApiJson(login): ApiJson<Login>,
) -> Result<Response, ApiError> {
    let opened = match open_session(&app, client_address(&extensions), login).await {
        Ok(opened) => opened,
        Err(LoginFailed::TooMany { retry_after }) => {
            return Ok(too_many(
                "too many login attempts; wait a minute",
                retry_after,
            ));
        }
        Err(LoginFailed::Wrong) => return Err(unauthenticated("wrong account or password")),
        Err(LoginFailed::Error(error)) => return Err(error),
    };
    let mut response = Json(opened.logged_in).into_response();
    if let Ok(v) = HeaderValue::from_str(&opened.cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// The client's address, for the login limits: as [`find_client`] found it.
/// Tests call the router without a socket; they count as loopback.
pub(crate) fn client_address(extensions: &axum::http::Extensions) -> IpAddr {
    match extensions.get::<ClientAddress>() {
        Some(ClientAddress(address)) => *address,
        None => extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |ConnectInfo(a)| a.ip()),
    }
}

/// The answer to one attempt too many at logging in or changing a
/// password: 429, with the seconds to wait in `Retry-After`.
pub(crate) fn too_many(message: &str, retry_after: u64) -> Response {
    let mut error =
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_logins", message).into_response();
    set_retry_after(&mut error, Some(retry_after));
    error
}

/// Tells a client held back by the login limits when to try again.
pub(crate) fn set_retry_after(response: &mut Response, seconds: Option<u64>) {
    if let Some(seconds) = seconds
        && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

/// Why a login opened no session.
pub(crate) enum LoginFailed {
    /// Over the limit of attempts; try again after this many seconds.
    TooMany {
        retry_after: u64,
    },
    /// No such account, or the wrong password: the same answer for both.
    Wrong,
    Error(ApiError),
}

/// A new login session: its `Set-Cookie` value and what the caller is told.
pub(crate) struct Opened {
    pub cookie: String,
    pub logged_in: LoggedIn,
}

/// Checks an account's password, within the login limits, and opens a
/// session: the one way to log in, for `POST /v1/login` and the login page.
pub(crate) async fn open_session(
    app: &App,
    address: IpAddr,
    login: Login,
) -> Result<Opened, LoginFailed> {
    if let Err(retry_after) = app.login_limits.attempt(&login.account, address) {
        return Err(LoginFailed::TooMany { retry_after });
    }
    let (session, mut opened) = new_session(login.account.clone(), String::new());
    // The password is checked on a connection of the readers' own, never
    // while the engine is locked: hashing it takes a while.
    let person = app
        .check_password(move |store| {
            let Some(person) = crate::accounts::check(store, &login.account, &login.password)?
            else {
                return Ok(None);
            };
            store.create_session(&session)?;
            Ok(Some(person))
        })
        .await
        .map_err(LoginFailed::Error)?;
    let Some(person) = person else {
        return Err(LoginFailed::Wrong);
    };
    opened.logged_in.person = person;
    Ok(opened)
}

/// A new session for `account` (not stored yet), and what its caller gets.
fn new_session(account: String, person: String) -> (modpod_store::Session, Opened) {
    let now = Timestamp::now();
    let expires = now
        .checked_add(SignedDuration::from_hours(SESSION_HOURS))
        .unwrap_or(now);
    let id = random(32);
    let csrf = random(32);
    let session = modpod_store::Session {
        id_hash: *blake3::hash(id.as_bytes()).as_bytes(),
        account,
        csrf: csrf.clone(),
        created_micros: now.as_microsecond(),
        expires_micros: expires.as_microsecond(),
    };
    let opened = Opened {
        cookie: format!(
            "{SESSION_COOKIE}={id}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
            SESSION_HOURS * 3600
        ),
        logged_in: LoggedIn {
            person,
            csrf_token: csrf,
            expires_at: expires.to_string(),
        },
    };
    (session, opened)
}

/// Opens a session for `person`, who proved who they are to the OpenID
/// Connect provider (`crate::oidc`): the same kind of session as a password
/// login's, recorded under the account name `oidc:<person>`. Refused if an
/// account of that name exists (made before such names were reserved), so
/// that no session can be taken for another person's.
pub(crate) async fn open_person_session(app: &App, person: &PersonId) -> Result<Opened, ApiError> {
    let account = format!("{}{person}", crate::oidc::SESSION_ACCOUNT_PREFIX);
    let (session, opened) = new_session(account.clone(), person.to_string());
    let stored = app
        .read_store(move |store| {
            if store.account(&account)?.is_some() {
                return Ok(false);
            }
            store.create_session(&session)?;
            Ok(true)
        })
        .await?;
    if !stored {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "reserved_account",
            format!(
                "an account named {}{person} exists, so this person cannot log in through \
                 OpenID Connect; ask the operator to rename it",
                crate::oidc::SESSION_ACCOUNT_PREFIX
            ),
        ));
    }
    Ok(opened)
}

/// The `Set-Cookie` value that clears the session cookie.
pub(crate) const CLEARED_SESSION: &str =
    "modpod_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0";

/// Ends the login session and clears its cookie.
#[utoipa::path(post, path = "/v1/logout",
    responses(
        (status = 204, description = "Logged out"),
        (status = 403, description = "Missing CSRF token", body = ApiError),
    ))]
pub(super) async fn logout(
    Extract(app): Extract<App>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Via::Session { .. } = &caller.via {
        close_session(&app, &headers).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(CLEARED_SESSION),
    );
    Ok(response)
}

/// Ends the session whose cookie the request carries, on this node at once.
pub(crate) async fn close_session(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(id) = cookie(headers, SESSION_COOKIE) {
        let key = *blake3::hash(id.as_bytes()).as_bytes();
        app.credentials.forget(&key);
        app.read_store(move |store| store.delete_session(&key))
            .await?;
    }
    Ok(())
}
