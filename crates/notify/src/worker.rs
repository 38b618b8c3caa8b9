//! The worker that delivers notifications and never loses one.
//!
//! The queue is the log itself: every `NotificationOwed` event was appended
//! in the transaction that recorded what owes it. The worker turns each new
//! one into deliveries in the ledger (one transaction per batch, in the
//! order of their numbers, so the highest number in the ledger says how far
//! it got), then sends every pending delivery that is due, one SMTP
//! transaction each, and records each attempt:
//!
//! ```text
//!  owed (log) ──compose──▶ pending ──accepted──▶ sent
//!                             │ ▲
//!          4xx, unreachable ──┘ └── due again after 1 s, 2 s, 4 s, ... 10 min
//!                             │
//!                 5xx ────────┴──▶ failed (kept, never retried)
//! ```
//!
//! A delivery is marked sent right after the server accepts it. A crash
//! anywhere else loses nothing and sends nothing twice: an owed notification
//! without deliveries is composed at the next start, and a pending delivery
//! is sent then. Only a crash between the server's acceptance and that mark
//! can send a message twice; its fixed `Message-ID` lets receivers drop the
//! copy.
//!
//! Several nodes may share one database: only the holder of the
//! `notifications` lease composes and sends. It renews the lease well before
//! it runs out and before each send, so another node takes over only after
//! the holder stopped or died, and never while one of its sends may still be
//! under way.
//!
//! The store is synchronous (the PostgreSQL client must never run on an
//! async thread): every store call runs in `spawn_blocking`, on the worker's
//! own connection.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use modpod_policy::ids::NotificationId;
use modpod_policy::{Event, State};
use modpod_store::{
    AttemptOutcome, Delivery, DeliveryAttempt, DeliveryStatus, EventStore, StoreError,
};
use tokio::sync::{Notify, watch};

use crate::NotifyError;
use crate::address::Directory;
use crate::compose::Composer;
use crate::mailer::{Mailer, Outcome, SEND_TIMEOUT};
use crate::templates::Templates;

/// The name of the lease the sending node holds.
pub const LEASE: &str = "notifications";

/// How long a lease is taken for.
const LEASE_FOR: Duration = Duration::from_secs(60);

/// A lease with less than this left is renewed before the next send. It is
/// twice the longest a send may take, so a send begun under the lease ends
/// well before another node could take it.
const RENEW_WHEN_LEFT: Duration = Duration::from_secs(2 * SEND_TIMEOUT.as_secs());

/// How often a node that does not hold the lease asks for it.
const POLL_WHEN_NOT_HOLDER: Duration = Duration::from_secs(5);

/// The longest the holder sleeps, so that it renews the lease in time.
const IDLE: Duration = Duration::from_secs(15);

/// How long to wait after the store failed before trying again.
const PAUSE_ON_ERROR: Duration = Duration::from_secs(5);

/// How many notifications are composed per transaction, and how many
/// pending deliveries are read at a time.
const BATCH: usize = 100;

/// Reads the state the engine keeps: called with a function that reads it.
pub type StateSource = Arc<dyn Fn(&mut dyn FnMut(&State)) + Send + Sync>;

/// The receipt a notification's message ends with (AUDIT-2): given the
/// notification's id, the text to append, or `None` when there is none to
/// give. Called once per notification as it is composed, never while the
/// state is being read.
pub type Receipts = Arc<dyn Fn(u64) -> Option<String> + Send + Sync>;

/// Retry delays after temporary failures: `first`, doubling, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(600),
        }
    }
}

impl Backoff {
    /// The wait after the `attempts`-th failed attempt.
    pub fn after(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        self.first.saturating_mul(1u32 << doublings).min(self.max)
    }
}

/// How to send notifications.
#[derive(Debug, Clone)]
pub struct Config {
    /// See [`Mailer::new`].
    pub smtp_url: String,
    pub from: String,
    /// A directory of templates replacing the built-in ones.
    pub templates: Option<PathBuf>,
    /// `GROUP=ADDRESS` entries (see [`Directory::parse`]).
    pub addresses: Vec<String>,
    pub backoff: Backoff,
    /// See [`Composer::public_url`].
    pub public_url: Option<String>,
}

/// Wakes the worker when a notification is owed.
#[derive(Clone, Default)]
pub struct Waker(Arc<Notify>);

impl Waker {
    pub fn new() -> Waker {
        Waker::default()
    }

    /// An engine observer (`Engine::observe`) that wakes the worker for every
    /// `NotificationOwed` event, recorded here or caught up from another
    /// node. It only sets a flag: it never blocks the engine.
    pub fn observer(&self) -> impl FnMut(&State, &Event) + Send + 'static {
        let notify = self.0.clone();
        move |_, event| {
            if matches!(event, Event::NotificationOwed { .. }) {
                notify.notify_one();
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum WorkError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a store call did not finish: {0}")]
    Task(String),
}

/// Everything a worker needs that can be checked before it starts: the SMTP
/// server, the From address, the groups' addresses and the templates.
pub struct Mail {
    composer: Composer,
    mailer: Mailer,
    backoff: Backoff,
}

impl Mail {
    /// Fails on a bad address, SMTP URL or template.
    pub fn new(config: &Config) -> Result<Mail, NotifyError> {
        let mailer = Mailer::new(&config.smtp_url, &config.from)?;
        let composer = Composer {
            templates: Templates::load(config.templates.as_deref())?,
            directory: Directory::parse(&config.addresses)?,
            domain: mailer.domain(),
            public_url: config.public_url.clone(),
        };
        Ok(Mail {
            composer,
            mailer,
            backoff: config.backoff,
        })
    }
}

/// Sends the notifications the log owes; see the module documentation.
pub struct Worker {
    store: Arc<Mutex<Box<dyn EventStore>>>,
    state: StateSource,
    receipts: Option<Receipts>,
    waker: Waker,
    composer: Arc<Composer>,
    mailer: Mailer,
    backoff: Backoff,
    /// Who this node is, in the lease and in each attempt (set by `run`).
    node: String,
    /// The last notification with deliveries in the ledger, once known.
    cursor: Option<Option<u64>>,
    /// Until when this node holds the lease, as far as it knows.
    lease_until: Option<i64>,
    failing: bool,
}

impl Worker {
    /// A worker on its own store connection, reading the state through
    /// `state` and woken by `waker`.
    pub fn new(mail: Mail, store: Box<dyn EventStore>, state: StateSource, waker: Waker) -> Worker {
        Worker {
            store: Arc::new(Mutex::new(store)),
            state,
            receipts: None,
            waker,
            composer: Arc::new(mail.composer),
            mailer: mail.mailer,
            backoff: mail.backoff,
            node: String::new(),
            cursor: None,
            lease_until: None,
            failing: false,
        }
    }

    /// Ends each message with the receipt `receipts` gives for its notification.
    #[must_use]
    pub fn with_receipts(mut self, receipts: Receipts) -> Worker {
        self.receipts = Some(receipts);
        self
    }

    /// Works as `node` until `stop` turns true (or its sender is gone), then
    /// gives the lease up so that another node takes over at once; a send
    /// under way is finished and recorded first.
    ///
    /// `node` names this node in the lease and the ledger. It must differ
    /// between nodes running at the same time; a node that keeps its name
    /// across a restart takes its lease back at once after a crash, while a
    /// new name waits for the old lease to run out (a minute at most).
    pub async fn run(mut self, node: String, mut stop: watch::Receiver<bool>) {
        self.node = node;
        tracing::info!(node = %self.node, "notifications go out by email");
        while !*stop.borrow() {
            let pause = self.step(&stop).await;
            tokio::select! {
                _ = stop.wait_for(|&stopped| stopped) => break,
                () = self.waker.0.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
        self.release().await;
    }

    /// One round of work; returns how long to rest after it.
    async fn step(&mut self, stop: &watch::Receiver<bool>) -> Duration {
        match self.work(stop).await {
            Ok(pause) => {
                if self.failing {
                    tracing::info!("notifications: the store answers again");
                    self.failing = false;
                }
                pause
            }
            Err(error) => {
                if !self.failing {
                    tracing::warn!(%error, "notifications: cannot reach the store; trying again");
                    self.failing = true;
                }
                PAUSE_ON_ERROR
            }
        }
    }

    async fn work(&mut self, stop: &watch::Receiver<bool>) -> Result<Duration, WorkError> {
        if !self.hold_lease().await? {
            return Ok(POLL_WHEN_NOT_HOLDER);
        }
        self.compose().await?;
        let pending = self.with_store(|s| s.pending_deliveries(BATCH)).await?;
        // After sending, look again at once: for the rest of a full batch,
        // and for when the failures just recorded are due.
        let idle = if pending.is_empty() {
            IDLE
        } else {
            Duration::ZERO
        };
        for delivery in pending {
            let wait = delivery.next_micros.saturating_sub(now_micros());
            if wait > 0 {
                return Ok(micros(wait).min(IDLE));
            }
            if *stop.borrow() {
                return Ok(Duration::ZERO);
            }
            if !self.hold_lease().await? {
                return Ok(POLL_WHEN_NOT_HOLDER);
            }
            self.deliver(delivery).await?;
        }
        Ok(idle)
    }

    /// Takes or renews the lease when it is not held with time to spare.
    async fn hold_lease(&mut self) -> Result<bool, WorkError> {
        let now = now_micros();
        if self
            .lease_until
            .is_some_and(|until| until.saturating_sub(now) > as_micros(RENEW_WHEN_LEFT))
        {
            return Ok(true);
        }
        let until = now.saturating_add(as_micros(LEASE_FOR));
        let node = self.node.clone();
        let held = self
            .with_store(move |s| s.take_lease(LEASE, &node, now, until))
            .await?;
        match (held, self.lease_until.is_some()) {
            (true, false) => {
                tracing::info!(node = %self.node, "this node sends the notifications");
                // Another node may have composed more meanwhile.
                self.cursor = None;
            }
            (false, true) => {
                tracing::info!(node = %self.node, "another node sends the notifications now");
            }
            _ => {}
        }
        self.lease_until = held.then_some(until);
        Ok(held)
    }

    /// Composes the deliveries of every notification owed since the last one
    /// in the ledger, in order, a batch per transaction.
    async fn compose(&mut self) -> Result<(), WorkError> {
        loop {
            let cursor = match self.cursor {
                Some(cursor) => cursor,
                None => {
                    let cursor = self.with_store(|s| s.last_notification_delivered()).await?;
                    self.cursor = Some(cursor);
                    cursor
                }
            };
            let (state, composer) = (self.state.clone(), self.composer.clone());
            let receipts = self.receipts.clone();
            let (last, undeliverable) = self
                .with_store(move |store| {
                    let now = now_micros();
                    let (mut rows, mut last) = (Vec::new(), None);
                    state(&mut |s| {
                        let owed = s.notifications.after(cursor.map(NotificationId));
                        for n in owed.take(BATCH) {
                            rows.extend(composer.deliveries(s, n, now));
                            last = Some(n.id.0);
                        }
                    });
                    if let Some(receipts) = &receipts {
                        add_receipts(&mut rows, receipts);
                    }
                    if last.is_some() {
                        store.add_deliveries(&rows)?;
                    }
                    let failed: Vec<u64> = rows
                        .iter()
                        .filter(|d| d.status == DeliveryStatus::Failed)
                        .map(|d| d.notification)
                        .collect();
                    Ok((last, failed))
                })
                .await?;
            for notification in undeliverable {
                tracing::warn!(
                    notification,
                    "a notification cannot be sent by email; the ledger says why"
                );
            }
            match last {
                Some(last) => self.cursor = Some(Some(last)),
                None => return Ok(()),
            }
        }
    }

    /// Sends one delivery and records the attempt.
    async fn deliver(&mut self, d: Delivery) -> Result<(), WorkError> {
        let outcome = self
            .mailer
            .send(&d.address, &d.message_id, &d.subject, &d.body)
            .await;
        let at = now_micros();
        let attempts = d.attempts.saturating_add(1);
        let wait = self.backoff.after(attempts);
        let (outcome, detail) = match outcome {
            Outcome::Sent(reply) => (AttemptOutcome::Sent, reply),
            Outcome::Failed {
                permanent: false,
                detail,
                summary,
            } => {
                tracing::info!(
                    notification = d.notification,
                    attempts,
                    "a notification could not be sent ({summary}); trying again in {wait:?}"
                );
                (AttemptOutcome::Temporary, detail)
            }
            Outcome::Failed {
                permanent: true,
                detail,
                summary,
            } => {
                tracing::warn!(
                    notification = d.notification,
                    "a notification was refused for good ({summary}); the ledger keeps it as failed"
                );
                (AttemptOutcome::Permanent, detail)
            }
        };
        let attempt = DeliveryAttempt {
            notification: d.notification,
            address: d.address,
            at_micros: at,
            outcome,
            detail,
            node: self.node.clone(),
        };
        let retry_at = at.saturating_add(as_micros(wait));
        // A message the server accepted must be marked sent, or it would be
        // sent again: keep trying the store for a while.
        let mut tries = 0;
        loop {
            let attempt = attempt.clone();
            match self
                .with_store(move |s| s.record_attempt(&attempt, retry_at))
                .await
            {
                Ok(_) => return Ok(()),
                Err(error) if outcome == AttemptOutcome::Sent && tries < 10 => {
                    tracing::warn!(%error, "cannot record a sent notification yet");
                    tries += 1;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn release(&mut self) {
        if self.lease_until.take().is_none() {
            return;
        }
        let node = self.node.clone();
        if let Err(error) = self
            .with_store(move |s| s.release_lease(LEASE, &node))
            .await
        {
            tracing::warn!(%error, "cannot give the notifications lease up; it runs out by itself");
        }
    }

    /// Runs a store call on a blocking thread, on the worker's connection.
    async fn with_store<T: Send + 'static>(
        &self,
        call: impl FnOnce(&mut dyn EventStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, WorkError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
            call(store.as_mut())
        })
        .await
        .map_err(|e| WorkError::Task(e.to_string()))?
        .map_err(WorkError::Store)
    }
}

fn now_micros() -> i64 {
    Timestamp::now().as_microsecond()
}

fn as_micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn micros(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

/// Ends every message to be sent with its notification's receipt, asked once
/// per notification.
fn add_receipts(rows: &mut [Delivery], receipts: &Receipts) {
    let mut asked: Option<(u64, Option<String>)> = None;
    for row in rows.iter_mut() {
        if row.status != DeliveryStatus::Pending {
            continue;
        }
        if asked.as_ref().is_none_or(|(id, _)| *id != row.notification) {
            asked = Some((row.notification, receipts(row.notification)));
        }
        if let Some((_, Some(receipt))) = &asked {
            row.body.push_str("\n\n");
            row.body.push_str(receipt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_a_second_to_ten_minutes() {
        let b = Backoff::default();
        let secs: Vec<u64> = (1..=12).map(|n| b.after(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        assert_eq!(b.after(u32::MAX).as_secs(), 600);
    }
}
