//! Changing one's own password, and the one-time links an operator makes to
//! set one (`modpod account reset-link`).
//!
//! Like accounts, these live beside the log and never in it: a password is
//! not a moderation record, and the log is meant to be handed to anyone who
//! wants to verify it. What happened is said in the service's own log
//! (`tracing`), with the account's name and never a password or a token.
//!
//! A reset link is `/reset/<token>`: 32 random bytes, base64url. Only the
//! BLAKE3 hash of the token is kept (as for API tokens and session ids: the
//! token is random, so a fast hash is enough), with the account, when it ends
//! and when it was used. It works once, until it ends; a newer link for the
//! same account replaces it. Either way, every session of the person the
//! account acts for ends (after a change, all but the one it was made from),
//! and nobody is logged in by it.

use crate::http::{ApiError, App};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use modpod_policy::State;
use modpod_policy::ids::PersonId;
use modpod_policy::model::IdentityKind;
use modpod_store::{Account, EventStore, Hash, PasswordReset, StoreError};
use rand::Rng;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The fewest characters a password chosen by its owner may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The most characters a password may have: longer is no safer, and only
/// makes the hash slower.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// How long a reset link works unless the operator says otherwise.
pub const RESET_HOURS: i64 = 24;

/// The longest an operator may let a reset link work: thirty days.
pub const MAX_RESET_HOURS: i64 = 30 * 24;

/// The random bytes of a reset token.
const TOKEN_BYTES: usize = 32;

/// The fields of the change and reset forms, as the errors name them.
pub const CURRENT: &str = "current_password";
pub const NEW: &str = "new_password";
pub const CONFIRM: &str = "confirm_password";

/// What is wrong with `password` as a new password, if anything: fewer
/// characters than [`MIN_PASSWORD_CHARS`], more than
/// [`MAX_PASSWORD_CHARS`], or one of `names` (the account's name, its
/// person's id and email addresses), whatever the case.
pub fn weakness(password: &str, names: &[String]) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!(
            "A password needs at least {MIN_PASSWORD_CHARS} characters; this one has {chars}."
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!(
            "A password may have at most {MAX_PASSWORD_CHARS} characters."
        ));
    }
    let typed = password.trim().to_lowercase();
    if names.iter().any(|n| n.to_lowercase() == typed) {
        return Some(
            "A password may not be your account's name, your id or your email address.".into(),
        );
    }
    None
}

/// The names a new password for `account` may not be: the account's name,
/// its person's id, and the person's email addresses.
fn names_of(state: &State, account: &Account) -> Vec<String> {
    let mut names = vec![account.name.clone(), account.person.clone()];
    if let Ok(person) = PersonId::parse(&account.person)
        && let Some(p) = state.people.get(&person)
    {
        names.extend(
            p.identities
                .iter()
                .filter(|i| i.kind == IdentityKind::Email)
                .map(|i| i.value.clone()),
        );
    }
    names
}

/// Hashes a password with argon2id, as accounts keep them.
fn hash_password(password: &str) -> Result<String, ApiError> {
    crate::accounts::hash(password).map_err(ApiError::internal)
}

/// Ends every session of the person `person`, under any of their accounts
/// and through OpenID Connect, but `keep`; returns those ended.
pub fn end_person_sessions(
    store: &mut dyn EventStore,
    person: &str,
    keep: Option<&Hash>,
) -> Result<Vec<Hash>, StoreError> {
    let mut ended = Vec::new();
    for account in store.accounts_of(person)? {
        ended.extend(store.end_sessions(&account.name, keep)?);
    }
    let oidc = format!("{}{person}", crate::oidc::SESSION_ACCOUNT_PREFIX);
    ended.extend(store.end_sessions(&oidc, keep)?);
    Ok(ended)
}

/// Forgets ended sessions on this node at once (other nodes stop accepting
/// them within [`crate::http::auth::RECHECK`]).
fn forget(app: &App, ended: &[Hash]) {
    for key in ended {
        app.credentials.forget(key);
    }
}

/// What is wrong with a form, by the field it names.
pub type FieldProblems = BTreeMap<&'static str, String>;

/// A new password as typed: the current one (for a change), the new one,
/// and its confirmation (the API has none).
pub struct Typed {
    pub current: String,
    pub new: String,
    pub confirm: Option<String>,
}

/// Why a password was not changed. Nothing was changed.
pub enum ChangeFailed {
    /// The session is not an account's with a password (it was opened
    /// through OpenID Connect), or there is no session.
    NoPassword,
    /// Over the login limits; try again after this many seconds.
    TooMany {
        retry_after: u64,
    },
    /// What was wrong, by field.
    Problems(FieldProblems),
    Error(ApiError),
}

impl From<ApiError> for ChangeFailed {
    fn from(error: ApiError) -> ChangeFailed {
        ChangeFailed::Error(error)
    }
}

/// The problems with a new password and its confirmation.
fn check_new(typed: &Typed, names: &[String], problems: &mut FieldProblems) {
    if typed.new.is_empty() {
        problems.insert(NEW, "This is required.".into());
    } else if let Some(weak) = weakness(&typed.new, names) {
        problems.insert(NEW, weak);
    }
    match &typed.confirm {
        Some(confirm) if confirm.is_empty() => {
            problems.insert(CONFIRM, "This is required.".into());
        }
        Some(confirm) if *confirm != typed.new => {
            problems.insert(
                CONFIRM,
                "This is not the same as the new password; type it again.".into(),
            );
        }
        _ => {}
    }
}

/// Changes the password of the account whose session is `session_id`, if
/// `typed.current` is its password: within the login limits (an attempt
/// counts as a login), a new password strong enough, confirmed. Then every
/// other session of the person ends; this one stays.
pub async fn change(
    app: &App,
    session_id: &str,
    address: IpAddr,
    typed: Typed,
) -> Result<(), ChangeFailed> {
    let key = *blake3::hash(session_id.as_bytes()).as_bytes();
    let now = Timestamp::now().as_microsecond();
    let view = app.view();
    let found = app
        .read_store(move |store| {
            let Some(session) = store.session(&key)? else {
                return Ok(None);
            };
            if session.expires_micros <= now {
                return Ok(None);
            }
            let Some(account) = store.account(&session.account)? else {
                return Ok(None);
            };
            let names = names_of(&view.state, &account);
            Ok(Some((account.name, names)))
        })
        .await?;
    let Some((account, names)) = found else {
        return Err(ChangeFailed::NoPassword);
    };
    if let Err(retry_after) = app.login_limits.attempt(&account, address) {
        return Err(ChangeFailed::TooMany { retry_after });
    }
    let mut problems = FieldProblems::new();
    if typed.current.is_empty() {
        problems.insert(CURRENT, "This is required.".into());
    } else {
        let (name, current) = (account.clone(), typed.current.clone());
        let right = app
            .check_password(move |store| crate::accounts::check(store, &name, &current))
            .await?
            .is_some();
        if !right {
            problems.insert(CURRENT, "This is not your current password.".into());
        }
    }
    check_new(&typed, &names, &mut problems);
    if !problems.is_empty() {
        return Err(ChangeFailed::Problems(problems));
    }
    let new = typed.new;
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(ApiError::internal)??;
    let name = account.clone();
    let ended = app
        .read_store(move |store| {
            let Some(mut ended) = store.set_password(&name, &hash, Some(&key))? else {
                return Ok(None);
            };
            if let Some(account) = store.account(&name)? {
                ended.extend(end_person_sessions(store, &account.person, Some(&key))?);
            }
            Ok(Some(ended))
        })
        .await?;
    let Some(ended) = ended else {
        return Err(ChangeFailed::NoPassword);
    };
    forget(app, &ended);
    tracing::info!(
        account = %account,
        sessions_ended = ended.len(),
        "a password was changed by its owner"
    );
    Ok(())
}

// ------------------------------------------------------------ reset links

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("there is no account named {0:?}")]
    NoAccount(String),
    #[error("{0:?} is not an email address: {1}")]
    BadEmail(String, String),
    #[error("nobody has the email address {0:?}: name the account instead")]
    NobodyHasEmail(String),
    #[error("{person} (who has the address {email:?}) has no login account")]
    NoAccountOfPerson { person: String, email: String },
    #[error(
        "{person} (who has the address {email:?}) has the accounts {}: name one of them",
        accounts.join(", ")
    )]
    SeveralAccounts {
        person: String,
        email: String,
        accounts: Vec<String>,
    },
    #[error(
        "a reset link works for 1 to {MAX_RESET_HOURS} hours (30 days); {0} is not between them"
    )]
    Hours(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A reset link just made.
#[derive(Debug, Clone)]
pub struct ResetLink {
    /// The token, to put in the link and show once.
    pub token: String,
    /// The account whose password it sets.
    pub account: String,
    /// It works until then.
    pub expires: Timestamp,
    /// How many older links of the account, not used yet, stopped working.
    pub replaced: usize,
}

impl ResetLink {
    /// The link's path on this service.
    pub fn path(&self) -> String {
        format!("/reset/{}", self.token)
    }

    /// The whole link under `public_url` (modpod's address as browsers reach
    /// it), or the path alone without one.
    pub fn url(&self, public_url: Option<&str>) -> String {
        match public_url.map(|u| u.trim().trim_end_matches('/')) {
            Some(base) if !base.is_empty() => format!("{base}{}", self.path()),
            _ => self.path(),
        }
    }
}

impl ResetError {
    /// The field of the reset form the problem is in: `account`, `email`
    /// or `hours`; none for the store's.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ResetError::NoAccount(_) => Some("account"),
            ResetError::BadEmail(..)
            | ResetError::NobodyHasEmail(_)
            | ResetError::NoAccountOfPerson { .. }
            | ResetError::SeveralAccounts { .. } => Some("email"),
            ResetError::Hours(_) => Some("hours"),
            ResetError::Store(_) => None,
        }
    }
}

/// The one login account of the person whose email identity is `email`
/// (linked with `link_identity`).
pub fn account_of_email(
    state: &State,
    store: &mut dyn EventStore,
    email: &str,
) -> Result<String, ResetError> {
    let identity = modpod_policy::model::Identity::new(IdentityKind::Email, email.trim())
        .map_err(|e| ResetError::BadEmail(email.to_owned(), e.to_string()))?;
    let Some(person) = state.person_with(&identity) else {
        return Err(ResetError::NobodyHasEmail(email.to_owned()));
    };
    let accounts = store.accounts_of(person.as_str())?;
    match accounts.as_slice() {
        [one] => Ok(one.name.clone()),
        [] => Err(ResetError::NoAccountOfPerson {
            person: person.to_string(),
            email: email.to_owned(),
        }),
        several => Err(ResetError::SeveralAccounts {
            person: person.to_string(),
            email: email.to_owned(),
            accounts: several.iter().map(|a| a.name.clone()).collect(),
        }),
    }
}

/// Makes a one-time link that sets `account`'s password, working for
/// `hours` from `now`; older links of the account not used yet stop working.
pub fn create_reset(
    store: &mut dyn EventStore,
    account: &str,
    hours: i64,
    now: Timestamp,
) -> Result<ResetLink, ResetError> {
    if !(1..=MAX_RESET_HOURS).contains(&hours) {
        return Err(ResetError::Hours(hours));
    }
    if store.account(account)?.is_none() {
        return Err(ResetError::NoAccount(account.to_owned()));
    }
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill(&mut bytes);
    let expires = now
        .checked_add(SignedDuration::from_hours(hours))
        .map_err(|_| ResetError::Hours(hours))?;
    let replaced = store.create_password_reset(&PasswordReset {
        token_hash: *blake3::hash(&bytes).as_bytes(),
        account: account.to_owned(),
        created_micros: now.as_microsecond(),
        expires_micros: expires.as_microsecond(),
        used_micros: None,
    })?;
    tracing::info!(
        account = %account,
        expires = %expires,
        replaced,
        "a password reset link was made"
    );
    Ok(ResetLink {
        token: URL_SAFE_NO_PAD.encode(bytes),
        account: account.to_owned(),
        expires,
        replaced,
    })
}

/// The hash a token is kept under, if `token` has a token's shape.
fn token_hash(token: &str) -> Option<Hash> {
    if token.len() != 43 {
        return None;
    }
    let bytes: [u8; TOKEN_BYTES] = URL_SAFE_NO_PAD.decode(token).ok()?.try_into().ok()?;
    Some(*blake3::hash(&bytes).as_bytes())
}

/// The account a token sets the password of, with the names its new
/// password may not be, if the token works at `now`: known (found by its
/// hash, so no comparison of secrets), unused, not ended, its account there.
pub fn valid_reset(
    state: &State,
    store: &mut dyn EventStore,
    token: &str,
    now: Timestamp,
) -> Result<Option<(Account, Vec<String>)>, StoreError> {
    let Some(hash) = token_hash(token) else {
        return Ok(None);
    };
    let Some(reset) = store.password_reset(&hash)? else {
        return Ok(None);
    };
    if reset.used_micros.is_some() || reset.expires_micros <= now.as_microsecond() {
        return Ok(None);
    }
    let Some(account) = store.account(&reset.account)? else {
        return Ok(None);
    };
    let names = names_of(state, &account);
    Ok(Some((account, names)))
}

/// Why a reset link set no password. Nothing was changed.
pub enum ResetFailed {
    /// Unknown, used, ended, or its account is gone: all look the same.
    Invalid,
    Problems(FieldProblems),
    Error(ApiError),
}

impl From<ApiError> for ResetFailed {
    fn from(error: ApiError) -> ResetFailed {
        ResetFailed::Error(error)
    }
}

/// Sets a password through a reset link, once: marks the link used and ends
/// every session of the person. Logs nobody in. Returns the account's name.
pub async fn use_reset(app: &App, token: &str, typed: Typed) -> Result<String, ResetFailed> {
    let now = Timestamp::now();
    let presented = token.to_owned();
    let view = app.view();
    let found = app
        .read_store(move |store| valid_reset(&view.state, store, &presented, now))
        .await?;
    let Some((_, names)) = found else {
        return Err(ResetFailed::Invalid);
    };
    let mut problems = FieldProblems::new();
    check_new(&typed, &names, &mut problems);
    if !problems.is_empty() {
        return Err(ResetFailed::Problems(problems));
    }
    let new = typed.new;
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(ApiError::internal)??;
    let Some(key) = token_hash(token) else {
        return Err(ResetFailed::Invalid);
    };
    let now = Timestamp::now().as_microsecond();
    let done = app
        .read_store(move |store| {
            let Some((account, mut ended)) = store.use_password_reset(&key, now, &hash)? else {
                return Ok(None);
            };
            if let Some(found) = store.account(&account)? {
                ended.extend(end_person_sessions(store, &found.person, None)?);
            }
            Ok(Some((account, ended)))
        })
        .await?;
    let Some((account, ended)) = done else {
        return Err(ResetFailed::Invalid);
    };
    forget(app, &ended);
    tracing::info!(
        account = %account,
        sessions_ended = ended.len(),
        "a password was set through a reset link"
    );
    Ok(account)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_named() {
        let names = vec!["bob".to_owned(), "bob@example.org".to_owned()];
        assert!(weakness("short", &names).unwrap().contains("at least 12"));
        assert!(weakness("ééééééééééé", &names).is_some(), "11 characters");
        assert_eq!(weakness("éééééééééééé", &names), None, "12 characters");
        assert!(weakness("BOB@example.org", &names).is_some());
        assert!(weakness(&"x".repeat(MAX_PASSWORD_CHARS + 1), &names).is_some());
        assert_eq!(weakness("correct horse battery", &names), None);
    }

    #[test]
    fn tokens_of_the_wrong_shape_are_not_looked_up() {
        let token = URL_SAFE_NO_PAD.encode([7u8; 32]);
        assert!(token_hash(&token).is_some());
        for bad in ["", "x", &token[1..], &format!("{token}A"), &"!".repeat(43)] {
            assert_eq!(token_hash(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_link_names_the_public_url_or_is_a_path() {
        let link = ResetLink {
            token: "abc".into(),
            account: "bob".into(),
            expires: Timestamp::UNIX_EPOCH,
            replaced: 0,
        };
        assert_eq!(link.url(None), "/reset/abc");
        assert_eq!(link.url(Some("")), "/reset/abc");
        assert_eq!(
            link.url(Some("https://modpod.example/")),
            "https://modpod.example/reset/abc"
        );
    }

    #[test]
    fn links_last_between_an_hour_and_thirty_days() {
        let mut store = modpod_store::SqliteStore::open_in_memory().unwrap();
        crate::accounts::create(&mut store, "bob", "bob", "pw").unwrap();
        for hours in [0, -1, MAX_RESET_HOURS + 1] {
            assert!(matches!(
                create_reset(&mut store, "bob", hours, Timestamp::UNIX_EPOCH),
                Err(ResetError::Hours(_))
            ));
        }
        assert!(matches!(
            create_reset(&mut store, "nobody", 24, Timestamp::UNIX_EPOCH),
            Err(ResetError::NoAccount(_))
        ));
        let link = create_reset(&mut store, "bob", 24, Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(link.token.len(), 43);
        assert_eq!(link.expires.as_second(), 24 * 3600);
    }
}
