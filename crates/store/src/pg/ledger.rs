//! The delivery ledger and leases on PostgreSQL (see `crate::ledger`).

use postgres::{Client, Row};

use crate::error::StoreError;
use crate::ledger::{
    AttemptOutcome, Delivery, DeliveryAttempt, DeliveryCounts, DeliveryStatus, count_from_db,
    id_from_db, id_to_db,
};

const DELIVERY_COLUMNS: &str = "notification, address, recipient, message_id, subject, body, \
     status, attempts, last_error, created_micros, updated_micros, next_micros";

const ADD_DELIVERY: &str = "INSERT INTO deliveries (notification, address, recipient, message_id, \
     subject, body, status, attempts, last_error, created_micros, updated_micros, next_micros) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (notification, address) DO NOTHING";

const COUNT_ATTEMPT: &str = "UPDATE deliveries SET attempts = attempts + 1, updated_micros = $3, \
     status = CASE WHEN status = 'pending' THEN $4 ELSE status END, \
     last_error = COALESCE($5::text, last_error), \
     next_micros = CASE WHEN status = 'pending' THEN $6 ELSE next_micros END \
     WHERE notification = $1 AND address = $2 RETURNING attempts";

const ADD_ATTEMPT: &str = "INSERT INTO delivery_attempts \
     (notification, address, number, at_micros, outcome, detail, node) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Takes a free or run-out lease, or renews one's own, in one statement:
/// two nodes racing for it are serialised on the row.
const TAKE_LEASE: &str = "INSERT INTO leases (name, holder, until_micros) VALUES ($1, $2, $4) \
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until_micros = EXCLUDED.until_micros \
     WHERE leases.holder = EXCLUDED.holder OR leases.until_micros <= $3";

pub(super) fn add_deliveries(
    client: &mut Client,
    deliveries: &[Delivery],
) -> Result<usize, StoreError> {
    let mut tx = client.transaction()?;
    let insert = tx.prepare(ADD_DELIVERY)?;
    let mut added = 0;
    for d in deliveries {
        added += tx.execute(
            &insert,
            &[
                &id_to_db(d.notification)?,
                &d.address,
                &d.recipient,
                &d.message_id,
                &d.subject,
                &d.body,
                &d.status.as_str(),
                &i64::from(d.attempts),
                &d.last_error,
                &d.created_micros,
                &d.updated_micros,
                &d.next_micros,
            ],
        )?;
    }
    tx.commit()?;
    Ok(usize::try_from(added).unwrap_or(usize::MAX))
}

pub(super) fn last_notification_delivered(client: &mut Client) -> Result<Option<u64>, StoreError> {
    let row = client.query_one("SELECT max(notification) FROM deliveries", &[])?;
    let last: Option<i64> = row.try_get(0)?;
    last.map(id_from_db).transpose()
}

pub(super) fn pending_deliveries(
    client: &mut Client,
    limit: usize,
) -> Result<Vec<Delivery>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    client
        .query(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE status = 'pending' \
                 ORDER BY next_micros, notification, address LIMIT $1"
            ),
            &[&limit],
        )?
        .iter()
        .map(delivery)
        .collect()
}

pub(super) fn delivery_counts(client: &mut Client) -> Result<DeliveryCounts, StoreError> {
    let mut counts = DeliveryCounts::default();
    for row in client.query(
        "SELECT status, count(*) FROM deliveries GROUP BY status",
        &[],
    )? {
        counts.add(row.try_get::<_, &str>(0)?, row.try_get(1)?)?;
    }
    let failed: i64 = client
        .query_one(
            "SELECT count(*) FROM delivery_attempts WHERE outcome <> 'sent'",
            &[],
        )?
        .try_get(0)?;
    counts.failed_attempts = u64::try_from(failed).unwrap_or_default();
    Ok(counts)
}

pub(super) fn deliveries(
    client: &mut Client,
    notification: u64,
) -> Result<Vec<Delivery>, StoreError> {
    client
        .query(
            &format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE notification = $1 ORDER BY address"
            ),
            &[&id_to_db(notification)?],
        )?
        .iter()
        .map(delivery)
        .collect()
}

pub(super) fn record_attempt(
    client: &mut Client,
    attempt: &DeliveryAttempt,
    retry_at_micros: i64,
) -> Result<bool, StoreError> {
    let mut tx = client.transaction()?;
    let notification = id_to_db(attempt.notification)?;
    let error = (attempt.outcome != AttemptOutcome::Sent).then_some(&attempt.detail);
    let counted = tx.query_opt(
        COUNT_ATTEMPT,
        &[
            &notification,
            &attempt.address,
            &attempt.at_micros,
            &attempt.outcome.status().as_str(),
            &error,
            &retry_at_micros,
        ],
    )?;
    let Some(counted) = counted else {
        return Ok(false);
    };
    let number: i64 = counted.try_get(0)?;
    tx.execute(
        ADD_ATTEMPT,
        &[
            &notification,
            &attempt.address,
            &number,
            &attempt.at_micros,
            &attempt.outcome.as_str(),
            &attempt.detail,
            &attempt.node,
        ],
    )?;
    tx.commit()?;
    Ok(true)
}

pub(super) fn delivery_attempts(
    client: &mut Client,
    notification: u64,
) -> Result<Vec<DeliveryAttempt>, StoreError> {
    client
        .query(
            "SELECT notification, address, at_micros, outcome, detail, node FROM delivery_attempts \
             WHERE notification = $1 ORDER BY at_micros, address, number",
            &[&id_to_db(notification)?],
        )?
        .iter()
        .map(|row| {
            Ok(DeliveryAttempt {
                notification: id_from_db(row.try_get(0)?)?,
                address: row.try_get(1)?,
                at_micros: row.try_get(2)?,
                outcome: AttemptOutcome::parse(row.try_get(3)?)?,
                detail: row.try_get(4)?,
                node: row.try_get(5)?,
            })
        })
        .collect()
}

pub(super) fn take_lease(
    client: &mut Client,
    name: &str,
    holder: &str,
    now_micros: i64,
    until_micros: i64,
) -> Result<bool, StoreError> {
    let changed = client.execute(TAKE_LEASE, &[&name, &holder, &now_micros, &until_micros])?;
    Ok(changed == 1)
}

pub(super) fn release_lease(
    client: &mut Client,
    name: &str,
    holder: &str,
) -> Result<bool, StoreError> {
    let changed = client.execute(
        "DELETE FROM leases WHERE name = $1 AND holder = $2",
        &[&name, &holder],
    )?;
    Ok(changed == 1)
}

fn delivery(row: &Row) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        notification: id_from_db(row.try_get(0)?)?,
        address: row.try_get(1)?,
        recipient: row.try_get(2)?,
        message_id: row.try_get(3)?,
        subject: row.try_get(4)?,
        body: row.try_get(5)?,
        status: DeliveryStatus::parse(row.try_get(6)?)?,
        attempts: count_from_db(row.try_get(7)?)?,
        last_error: row.try_get(8)?,
        created_micros: row.try_get(9)?,
        updated_micros: row.try_get(10)?,
        next_micros: row.try_get(11)?,
    })
}
