//! Passwords and their one-time reset links on SQLite (see `EventStore`).

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::error::StoreError;
use crate::event::{Account, Hash, PasswordReset};

const ACCOUNTS_OF: &str =
    "SELECT name, person, password_hash FROM accounts WHERE person = ?1 ORDER BY name";
const SET_PASSWORD: &str = "UPDATE accounts SET password_hash = ?2 WHERE name = ?1";
/// `?2` is NULL to end them all (`IS NOT NULL` holds for every session).
const END_SESSIONS: &str =
    "DELETE FROM sessions WHERE account = ?1 AND id_hash IS NOT ?2 RETURNING id_hash";
const FORGET_UNUSED: &str =
    "DELETE FROM password_resets WHERE account = ?1 AND used_micros IS NULL";
const CREATE_RESET: &str = "INSERT INTO password_resets \
     (token_hash, account, created_micros, expires_micros, used_micros) \
     VALUES (?1, ?2, ?3, ?4, NULL)";
const READ_RESET: &str = "SELECT token_hash, account, created_micros, expires_micros, used_micros \
     FROM password_resets WHERE token_hash = ?1";
const USE_RESET: &str = "UPDATE password_resets SET used_micros = ?2 \
     WHERE token_hash = ?1 AND used_micros IS NULL AND expires_micros > ?2 RETURNING account";

pub(super) fn accounts_of(conn: &Connection, person: &str) -> Result<Vec<Account>, StoreError> {
    let mut stmt = conn.prepare_cached(ACCOUNTS_OF)?;
    let rows = stmt.query_map([person], |row| {
        Ok(Account {
            name: row.get(0)?,
            person: row.get(1)?,
            password_hash: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn end(conn: &Connection, account: &str, keep: Option<&Hash>) -> Result<Vec<Hash>, StoreError> {
    let mut stmt = conn.prepare_cached(END_SESSIONS)?;
    let rows = stmt.query_map(params![account, keep], |row| row.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn set_password(
    conn: &mut Connection,
    account: &str,
    password_hash: &str,
    keep: Option<&Hash>,
) -> Result<Option<Vec<Hash>>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if tx
        .prepare_cached(SET_PASSWORD)?
        .execute(params![account, password_hash])?
        == 0
    {
        return Ok(None);
    }
    let ended = end(&tx, account, keep)?;
    tx.commit()?;
    Ok(Some(ended))
}

pub(super) fn end_sessions(
    conn: &mut Connection,
    account: &str,
    keep: Option<&Hash>,
) -> Result<Vec<Hash>, StoreError> {
    end(conn, account, keep)
}

pub(super) fn create_reset(
    conn: &mut Connection,
    reset: &PasswordReset,
) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let forgotten = tx
        .prepare_cached(FORGET_UNUSED)?
        .execute([&reset.account])?;
    tx.prepare_cached(CREATE_RESET)?.execute(params![
        reset.token_hash,
        reset.account,
        reset.created_micros,
        reset.expires_micros
    ])?;
    tx.commit()?;
    Ok(forgotten)
}

pub(super) fn reset(
    conn: &Connection,
    token_hash: &Hash,
) -> Result<Option<PasswordReset>, StoreError> {
    Ok(conn
        .prepare_cached(READ_RESET)?
        .query_row([token_hash], |row| {
            Ok(PasswordReset {
                token_hash: row.get(0)?,
                account: row.get(1)?,
                created_micros: row.get(2)?,
                expires_micros: row.get(3)?,
                used_micros: row.get(4)?,
            })
        })
        .optional()?)
}

pub(super) fn use_reset(
    conn: &mut Connection,
    token_hash: &Hash,
    now_micros: i64,
    password_hash: &str,
) -> Result<Option<(String, Vec<Hash>)>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let account: Option<String> = tx
        .prepare_cached(USE_RESET)?
        .query_row(params![token_hash, now_micros], |row| row.get(0))
        .optional()?;
    let Some(account) = account else {
        return Ok(None);
    };
    if tx
        .prepare_cached(SET_PASSWORD)?
        .execute(params![account, password_hash])?
        == 0
    {
        // No such account any more: the transaction rolls back when dropped,
        // and the reset stays unused.
        return Ok(None);
    }
    let ended = end(&tx, &account, None)?;
    tx.commit()?;
    Ok(Some((account, ended)))
}
