//! Login accounts: argon2id password hashes kept beside the log (never in it),
//! and the first operator's account, made on first start.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use modpod_store::{Account, EventStore, StoreError};
use rand::Rng;
use rand::distr::Alphanumeric;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account named {0:?} already exists")]
    Exists(String),
    #[error(
        "account names may not start with {0:?}: modpod keeps them for logins through OpenID Connect"
    )]
    Reserved(&'static str),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new random password: 24 letters and digits (about 143 bits).
pub fn random_password() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// Creates an account for `person` with `password`.
pub fn create(
    store: &mut dyn EventStore,
    name: &str,
    person: &str,
    password: &str,
) -> Result<(), AccountError> {
    if name.starts_with(crate::oidc::SESSION_ACCOUNT_PREFIX) {
        return Err(AccountError::Reserved(crate::oidc::SESSION_ACCOUNT_PREFIX));
    }
    let password_hash = hash(password)?;
    let account = Account {
        name: name.to_owned(),
        person: person.to_owned(),
        password_hash,
    };
    if store.create_account(&account)? {
        Ok(())
    } else {
        Err(AccountError::Exists(name.to_owned()))
    }
}

/// A password's argon2id hash, in the PHC format accounts keep.
pub fn hash(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AccountError::Hash(e.to_string()))?
        .to_string())
}

/// The person an account acts for, if the password is right.
pub fn check(
    store: &mut dyn EventStore,
    name: &str,
    password: &str,
) -> Result<Option<String>, StoreError> {
    let Some(account) = store.account(name)? else {
        return Ok(None);
    };
    let Ok(hash) = PasswordHash::new(&account.password_hash) else {
        return Ok(None);
    };
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
        .then_some(account.person))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_created_account_accepts_its_password_only() {
        let mut store = modpod_store::SqliteStore::open_in_memory().unwrap();
        let password = random_password();
        assert_eq!(password.len(), 24);
        create(&mut store, "admin", "admin", &password).unwrap();
        assert_eq!(
            check(&mut store, "admin", &password)
                .ok()
                .flatten()
                .as_deref(),
            Some("admin")
        );
        assert_eq!(check(&mut store, "admin", "wrong").ok().flatten(), None);
        assert_eq!(check(&mut store, "nobody", &password).ok().flatten(), None);
        assert!(matches!(
            create(&mut store, "admin", "x", "y"),
            Err(AccountError::Exists(_))
        ));
        assert!(matches!(
            create(&mut store, "oidc:admin", "admin", "y"),
            Err(AccountError::Reserved(_))
        ));
        assert!(store.account("oidc:admin").unwrap().is_none());
    }
}
