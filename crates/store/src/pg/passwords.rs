//! Passwords and their one-time reset links on PostgreSQL (see `EventStore`).

use postgres::{Client, GenericClient, Row};

use crate::error::StoreError;
use crate::event::{Account, Hash, PasswordReset};

const ACCOUNTS_OF: &str =
    "SELECT name, person, password_hash FROM accounts WHERE person = $1 ORDER BY name";
const SET_PASSWORD: &str = "UPDATE accounts SET password_hash = $2 WHERE name = $1";
/// `$2` is NULL to end them all.
const END_SESSIONS: &str = "DELETE FROM sessions WHERE account = $1 \
     AND id_hash IS DISTINCT FROM $2::bytea RETURNING id_hash";
const FORGET_UNUSED: &str =
    "DELETE FROM password_resets WHERE account = $1 AND used_micros IS NULL";
const CREATE_RESET: &str = "INSERT INTO password_resets \
     (token_hash, account, created_micros, expires_micros, used_micros) \
     VALUES ($1, $2, $3, $4, NULL)";
const READ_RESET: &str = "SELECT token_hash, account, created_micros, expires_micros, used_micros \
     FROM password_resets WHERE token_hash = $1";
/// Two requests racing with one token are serialised on its row: the second
/// finds it used.
const USE_RESET: &str = "UPDATE password_resets SET used_micros = $2 \
     WHERE token_hash = $1 AND used_micros IS NULL AND expires_micros > $2 RETURNING account";

fn hash(row: &Row, column: usize, what: &str) -> Result<Hash, StoreError> {
    let bytes: &[u8] = row.try_get(column)?;
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("a {what} hash is not 32 bytes")))
}

pub(super) fn accounts_of(client: &mut Client, person: &str) -> Result<Vec<Account>, StoreError> {
    client
        .query(ACCOUNTS_OF, &[&person])?
        .iter()
        .map(|r| {
            Ok(Account {
                name: r.try_get(0)?,
                person: r.try_get(1)?,
                password_hash: r.try_get(2)?,
            })
        })
        .collect()
}

fn end(
    client: &mut impl GenericClient,
    account: &str,
    keep: Option<&Hash>,
) -> Result<Vec<Hash>, StoreError> {
    let keep: Option<&[u8]> = keep.map(|k| &k[..]);
    client
        .query(END_SESSIONS, &[&account, &keep])?
        .iter()
        .map(|r| hash(r, 0, "session id"))
        .collect()
}

pub(super) fn set_password(
    client: &mut Client,
    account: &str,
    password_hash: &str,
    keep: Option<&Hash>,
) -> Result<Option<Vec<Hash>>, StoreError> {
    let mut tx = client.transaction()?;
    if tx.execute(SET_PASSWORD, &[&account, &password_hash])? == 0 {
        return Ok(None);
    }
    let ended = end(&mut tx, account, keep)?;
    tx.commit()?;
    Ok(Some(ended))
}

pub(super) fn end_sessions(
    client: &mut Client,
    account: &str,
    keep: Option<&Hash>,
) -> Result<Vec<Hash>, StoreError> {
    end(client, account, keep)
}

pub(super) fn create_reset(
    client: &mut Client,
    reset: &PasswordReset,
) -> Result<usize, StoreError> {
    let mut tx = client.transaction()?;
    let forgotten = tx.execute(FORGET_UNUSED, &[&reset.account])?;
    tx.execute(
        CREATE_RESET,
        &[
            &&reset.token_hash[..],
            &reset.account,
            &reset.created_micros,
            &reset.expires_micros,
        ],
    )?;
    tx.commit()?;
    Ok(usize::try_from(forgotten).unwrap_or(usize::MAX))
}

pub(super) fn reset(
    client: &mut Client,
    token_hash: &Hash,
) -> Result<Option<PasswordReset>, StoreError> {
    client
        .query_opt(READ_RESET, &[&&token_hash[..]])?
        .map(|r| {
            Ok(PasswordReset {
                token_hash: hash(&r, 0, "password reset token")?,
                account: r.try_get(1)?,
                created_micros: r.try_get(2)?,
                expires_micros: r.try_get(3)?,
                used_micros: r.try_get(4)?,
            })
        })
        .transpose()
}

pub(super) fn use_reset(
    client: &mut Client,
    token_hash: &Hash,
    now_micros: i64,
    password_hash: &str,
) -> Result<Option<(String, Vec<Hash>)>, StoreError> {
    let mut tx = client.transaction()?;
    let Some(row) = tx.query_opt(USE_RESET, &[&&token_hash[..], &now_micros])? else {
        return Ok(None);
    };
    let account: String = row.try_get(0)?;
    if tx.execute(SET_PASSWORD, &[&account, &password_hash])? == 0 {
        // No such account any more: the transaction rolls back when dropped,
        // and the reset stays unused.
        return Ok(None);
    }
    let ended = end(&mut tx, &account, None)?;
    tx.commit()?;
    Ok(Some((account, ended)))
}
