//! API tokens for machines: forum software asking for decisions, scripts
//! recording commands. A token reads `mpt_<id>_<secret>`; the id names it
//! (in lists, logs and revocations) and only a BLAKE3 hash of the secret is
//! kept, beside the log, never in it.
//!
//! The secret is 32 random letters and digits (about 190 bits), so a fast
//! hash is enough: a slow password hash such as argon2 protects guessable
//! secrets, and would only slow down every request here.

use jiff::Timestamp;
use modpod_store::{ApiToken, EventStore, StoreError};
use rand::Rng;
use rand::distr::Alphanumeric;
use std::fmt;

const PREFIX: &str = "mpt_";
const ID_LEN: usize = 12;
const SECRET_LEN: usize = 32;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Ask whether a post may go through (`/v1/decide`), nothing else: what
    /// forum software gets.
    Decide,
    /// Record commands as the token's person, and everything `Decide` may.
    Act,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Decide => "decide",
            Scope::Act => "act",
        }
    }

    /// Whether a token of this scope may do what `needed` allows.
    pub fn allows(self, needed: Scope) -> bool {
        self == Scope::Act || self == needed
    }
}

impl std::str::FromStr for Scope {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<Scope, TokenError> {
        match s {
            "decide" => Ok(Scope::Decide),
            "act" => Ok(Scope::Act),
            other => Err(TokenError::UnknownScope(other.to_owned())),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("there is no account named {0:?}")]
    NoAccount(String),
    #[error("unknown scope {0:?}: use \"decide\" (forum software) or \"act\" (scripts)")]
    UnknownScope(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A token as the bearer presents it, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    pub id: String,
    /// The person the token's account acts for.
    pub person: String,
    pub scope: Scope,
}

/// Makes a token for `account`; returns the whole token, to be shown once.
pub fn create(
    store: &mut dyn EventStore,
    account: &str,
    scope: Scope,
    now: Timestamp,
) -> Result<String, TokenError> {
    if store.account(account)?.is_none() {
        return Err(TokenError::NoAccount(account.to_owned()));
    }
    loop {
        let (id, secret) = (random(ID_LEN), random(SECRET_LEN));
        let token = ApiToken {
            id: id.clone(),
            account: account.to_owned(),
            secret_hash: *blake3::hash(secret.as_bytes()).as_bytes(),
            scope: scope.as_str().to_owned(),
            created_micros: now.as_microsecond(),
            revoked_micros: None,
        };
        // 62^12 ids: a collision is astronomically rare, and harmless.
        if store.create_token(&token)? {
            return Ok(format!("{PREFIX}{id}_{secret}"));
        }
    }
}

/// The bearer of `presented`, if it is a live token whose secret matches.
pub fn check(store: &mut dyn EventStore, presented: &str) -> Result<Option<Bearer>, StoreError> {
    let Some((id, secret)) = split(presented) else {
        return Ok(None);
    };
    let Some(token) = store.token(id)? else {
        return Ok(None);
    };
    // blake3::Hash compares in constant time.
    if token.revoked_micros.is_some()
        || blake3::hash(secret.as_bytes()) != blake3::Hash::from_bytes(token.secret_hash)
    {
        return Ok(None);
    }
    let Ok(scope) = token.scope.parse() else {
        return Ok(None);
    };
    let Some(account) = store.account(&token.account)? else {
        return Ok(None);
    };
    Ok(Some(Bearer {
        id: token.id,
        person: account.person,
        scope,
    }))
}

/// The id of a token, if `presented` has a token's shape.
pub fn id_of(presented: &str) -> Option<&str> {
    split(presented).map(|(id, _)| id)
}

fn split(presented: &str) -> Option<(&str, &str)> {
    let (id, secret) = presented.strip_prefix(PREFIX)?.split_once('_')?;
    (id.len() == ID_LEN && secret.len() == SECRET_LEN).then_some((id, secret))
}

/// `len` random letters and digits.
pub(crate) fn random(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn store() -> modpod_store::SqliteStore {
        let mut store = modpod_store::SqliteStore::open_in_memory().unwrap();
        crate::accounts::create(&mut store, "listbot", "listbot", "pw").unwrap();
        store
    }

    #[test]
    fn a_token_works_until_revoked_and_only_with_its_secret() {
        let mut store = store();
        let token = create(&mut store, "listbot", Scope::Decide, Timestamp::UNIX_EPOCH).unwrap();
        let bearer = check(&mut store, &token).unwrap().unwrap();
        assert_eq!(bearer.person, "listbot");
        assert_eq!(bearer.scope, Scope::Decide);
        assert_eq!(id_of(&token), Some(bearer.id.as_str()));

        let mut forged = token.clone();
        forged.pop();
        forged.push(if token.ends_with('a') { 'b' } else { 'a' });
        assert_eq!(check(&mut store, &forged).unwrap(), None, "wrong secret");
        for garbage in ["", "mpt_", "Bearer x", "mpt_short_secret", &token[1..]] {
            assert_eq!(check(&mut store, garbage).unwrap(), None, "{garbage:?}");
        }

        assert!(store.revoke_token(&bearer.id, 1).unwrap());
        assert_eq!(check(&mut store, &token).unwrap(), None, "revoked");
    }

    #[test]
    fn tokens_need_an_account_and_a_known_scope() {
        let mut store = store();
        assert!(matches!(
            create(&mut store, "nobody", Scope::Act, Timestamp::UNIX_EPOCH),
            Err(TokenError::NoAccount(_))
        ));
        assert!(matches!(
            "admin".parse::<Scope>(),
            Err(TokenError::UnknownScope(_))
        ));
        assert!(Scope::Act.allows(Scope::Decide));
        assert!(!Scope::Decide.allows(Scope::Act));
    }
}
