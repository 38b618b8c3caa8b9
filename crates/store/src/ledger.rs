//! The delivery ledger and leases: tables beside the log for the work that
//! follows from it.
//!
//! The log says which notifications are owed; the ledger says what became
//! of each one (NOTIFY-6): one [`Delivery`] per notification and address,
//! with the message as sent, its status and one [`DeliveryAttempt`] per try.
//! A lease lets one node of several do a piece of work (sending, say) at a
//! time; it is taken for a while and renewed, so a node that dies loses it.

use std::fmt;

use crate::error::StoreError;

/// One notification on its way to one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The notification's number in the log.
    pub notification: u64,
    /// The email address, or empty when the recipient has none (the
    /// delivery is then [`DeliveryStatus::Failed`], with the reason).
    pub address: String,
    /// Who the policy said to tell, in words ("the moderator team").
    pub recipient: String,
    /// The `Message-ID` every attempt uses, so receivers can drop copies.
    pub message_id: String,
    /// The message as sent: its subject line and plain-text body.
    pub subject: String,
    pub body: String,
    pub status: DeliveryStatus,
    /// How many times sending was tried.
    pub attempts: u32,
    /// Why the last failed attempt failed, or why there was none.
    pub last_error: Option<String>,
    pub created_micros: i64,
    pub updated_micros: i64,
    /// When a pending delivery is next due.
    pub next_micros: i64,
}

/// How many deliveries stand where, and how many attempts failed: the
/// notification queue's depth and its failures, for monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub pending: u64,
    pub sent: u64,
    pub failed: u64,
    /// Attempts that did not end in `Sent` (temporary and permanent).
    pub failed_attempts: u64,
}

impl DeliveryCounts {
    /// Adds `count` deliveries of the status named `status`.
    pub(crate) fn add(&mut self, status: &str, count: i64) -> Result<(), StoreError> {
        let count = u64::try_from(count)
            .map_err(|_| StoreError::Corrupt(format!("a negative count of deliveries: {count}")))?;
        match DeliveryStatus::parse(status)? {
            DeliveryStatus::Pending => self.pending += count,
            DeliveryStatus::Sent => self.sent += count,
            DeliveryStatus::Failed => self.failed += count,
        }
        Ok(())
    }
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not sent yet: due at `next_micros`.
    Pending,
    /// The server accepted it.
    Sent,
    /// It can never be sent: refused for good, or no address. Kept, never retried.
    Failed,
}

/// One try at sending a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub notification: u64,
    pub address: String,
    pub at_micros: i64,
    pub outcome: AttemptOutcome,
    /// The server's reply, or what went wrong.
    pub detail: String,
    /// The node that tried.
    pub node: String,
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Accepted by the server: the delivery is sent.
    Sent,
    /// Failed for now (server unreachable, a 4xx reply): tried again later.
    Temporary,
    /// Refused for good (a 5xx reply): the delivery has failed.
    Permanent,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "pending" => Ok(DeliveryStatus::Pending),
            "sent" => Ok(DeliveryStatus::Sent),
            "failed" => Ok(DeliveryStatus::Failed),
            other => Err(StoreError::Corrupt(format!(
                "the deliveries table holds the unknown status {other:?}"
            ))),
        }
    }
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Sent => "sent",
            AttemptOutcome::Temporary => "temporary",
            AttemptOutcome::Permanent => "permanent",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "sent" => Ok(AttemptOutcome::Sent),
            "temporary" => Ok(AttemptOutcome::Temporary),
            "permanent" => Ok(AttemptOutcome::Permanent),
            other => Err(StoreError::Corrupt(format!(
                "the delivery_attempts table holds the unknown outcome {other:?}"
            ))),
        }
    }

    /// The status a pending delivery takes after an attempt with this outcome.
    pub(crate) fn status(self) -> DeliveryStatus {
        match self {
            AttemptOutcome::Sent => DeliveryStatus::Sent,
            AttemptOutcome::Temporary => DeliveryStatus::Pending,
            AttemptOutcome::Permanent => DeliveryStatus::Failed,
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A notification number as the databases store it (a signed 64-bit integer).
pub(crate) fn id_to_db(id: u64) -> Result<i64, StoreError> {
    i64::try_from(id).map_err(|_| {
        StoreError::Unsupported(format!(
            "notification {id} is beyond the largest number the database stores"
        ))
    })
}

/// A stored notification number, refusing negative ones.
pub(crate) fn id_from_db(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| {
        StoreError::Corrupt(format!(
            "the deliveries table holds a negative notification number ({value})"
        ))
    })
}

/// A stored attempt count, refusing negative ones.
pub(crate) fn count_from_db(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| {
        StoreError::Corrupt(format!(
            "the deliveries table holds an impossible attempt count ({value})"
        ))
    })
}
