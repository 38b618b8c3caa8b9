//! The delivery ledger and leases on SQLite (see `crate::ledger`).

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::error::StoreError;
use crate::ledger::{
    AttemptOutcome, Delivery, DeliveryAttempt, DeliveryCounts, DeliveryStatus, count_from_db,
    id_from_db, id_to_db,
};

const DELIVERY_COLUMNS: &str = "notification, address, recipient, message_id, subject, body, \
     status, attempts, last_error, created_micros, updated_micros, next_micros";

const ADD_DELIVERY: &str = "INSERT INTO deliveries (notification, address, recipient, message_id, \
     subject, body, status, attempts, last_error, created_micros, updated_micros, next_micros) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
     ON CONFLICT (notification, address) DO NOTHING";

const COUNT_ATTEMPT: &str = "UPDATE deliveries SET attempts = attempts + 1, updated_micros = ?3, \
     status = CASE WHEN status = 'pending' THEN ?4 ELSE status END, \
     last_error = COALESCE(?5, last_error), \
     next_micros = CASE WHEN status = 'pending' THEN ?6 ELSE next_micros END \
     WHERE notification = ?1 AND address = ?2 RETURNING attempts";

const ADD_ATTEMPT: &str = "INSERT INTO delivery_attempts \
     (notification, address, number, at_micros, outcome, detail, node) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Takes a free or run-out lease, or renews one's own, in one statement.
const TAKE_LEASE: &str = "INSERT INTO leases (name, holder, until_micros) VALUES (?1, ?2, ?4) \
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_micros = excluded.until_micros \
     WHERE leases.holder = excluded.holder OR leases.until_micros <= ?3";

pub(super) fn add_deliveries(
    conn: &mut Connection,
    deliveries: &[Delivery],
) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut added = 0;
    {
        let mut insert = tx.prepare_cached(ADD_DELIVERY)?;
        for d in deliveries {
            added += insert.execute(params![
                id_to_db(d.notification)?,
                d.address,
                d.recipient,
                d.message_id,
                d.subject,
                d.body,
                d.status.as_str(),
                i64::from(d.attempts),
                d.last_error,
                d.created_micros,
                d.updated_micros,
                d.next_micros,
            ])?;
        }
    }
    tx.commit()?;
    Ok(added)
}

pub(super) fn last_notification_delivered(conn: &Connection) -> Result<Option<u64>, StoreError> {
    let last: Option<i64> = conn
        .prepare_cached("SELECT max(notification) FROM deliveries")?
        .query_row([], |row| row.get(0))?;
    last.map(id_from_db).transpose()
}

pub(super) fn pending_deliveries(
    conn: &Connection,
    limit: usize,
) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE status = 'pending' \
         ORDER BY next_micros, notification, address LIMIT ?1"
    ))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    collect(stmt.query([limit])?, delivery)
}

pub(super) fn delivery_counts(conn: &Connection) -> Result<DeliveryCounts, StoreError> {
    let mut counts = DeliveryCounts::default();
    let mut stmt =
        conn.prepare_cached("SELECT status, count(*) FROM deliveries GROUP BY status")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        counts.add(&row.get::<_, String>(0)?, row.get(1)?)?;
    }
    let failed: i64 = conn.query_row(
        "SELECT count(*) FROM delivery_attempts WHERE outcome <> 'sent'",
        [],
        |row| row.get(0),
    )?;
    counts.failed_attempts = u64::try_from(failed).unwrap_or_default();
    Ok(counts)
}

pub(super) fn deliveries(
    conn: &Connection,
    notification: u64,
) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE notification = ?1 ORDER BY address"
    ))?;
    collect(stmt.query([id_to_db(notification)?])?, delivery)
}

pub(super) fn record_attempt(
    conn: &mut Connection,
    attempt: &DeliveryAttempt,
    retry_at_micros: i64,
) -> Result<bool, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let notification = id_to_db(attempt.notification)?;
    let error = (attempt.outcome != AttemptOutcome::Sent).then_some(&attempt.detail);
    let number: Option<i64> = tx
        .prepare_cached(COUNT_ATTEMPT)?
        .query_row(
            params![
                notification,
                attempt.address,
                attempt.at_micros,
                attempt.outcome.status().as_str(),
                error,
                retry_at_micros,
            ],
            |row| row.get(0),
        )
        .optional()?;
    let Some(number) = number else {
        return Ok(false);
    };
    tx.prepare_cached(ADD_ATTEMPT)?.execute(params![
        notification,
        attempt.address,
        number,
        attempt.at_micros,
        attempt.outcome.as_str(),
        attempt.detail,
        attempt.node,
    ])?;
    tx.commit()?;
    Ok(true)
}

pub(super) fn delivery_attempts(
    conn: &Connection,
    notification: u64,
) -> Result<Vec<DeliveryAttempt>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT notification, address, at_micros, outcome, detail, node FROM delivery_attempts \
         WHERE notification = ?1 ORDER BY at_micros, address, number",
    )?;
    collect(stmt.query([id_to_db(notification)?])?, |row| {
        Ok(DeliveryAttempt {
            notification: id_from_db(row.get(0)?)?,
            address: row.get(1)?,
            at_micros: row.get(2)?,
            outcome: AttemptOutcome::parse(&row.get::<_, String>(3)?)?,
            detail: row.get(4)?,
            node: row.get(5)?,
        })
    })
}

pub(super) fn take_lease(
    conn: &Connection,
    name: &str,
    holder: &str,
    now_micros: i64,
    until_micros: i64,
) -> Result<bool, StoreError> {
    let changed = conn.prepare_cached(TAKE_LEASE)?.execute(params![
        name,
        holder,
        now_micros,
        until_micros
    ])?;
    Ok(changed == 1)
}

pub(super) fn release_lease(
    conn: &Connection,
    name: &str,
    holder: &str,
) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached("DELETE FROM leases WHERE name = ?1 AND holder = ?2")?
        .execute(params![name, holder])?;
    Ok(changed == 1)
}

fn delivery(row: &Row<'_>) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        notification: id_from_db(row.get(0)?)?,
        address: row.get(1)?,
        recipient: row.get(2)?,
        message_id: row.get(3)?,
        subject: row.get(4)?,
        body: row.get(5)?,
        status: DeliveryStatus::parse(&row.get::<_, String>(6)?)?,
        attempts: count_from_db(row.get(7)?)?,
        last_error: row.get(8)?,
        created_micros: row.get(9)?,
        updated_micros: row.get(10)?,
        next_micros: row.get(11)?,
    })
}

fn collect<T>(
    mut rows: rusqlite::Rows<'_>,
    read: impl Fn(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(read(row)?);
    }
    Ok(out)
}
