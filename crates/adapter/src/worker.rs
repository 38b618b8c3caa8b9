//! The worker that keeps one kind of forum software in line while `modpod
//! serve` runs.
//!
//! The event log is its queue: whoever applies new events sends the places
//! they affect ([`crate::Adapter::affected`]) and the worker reconciles
//! those. It also wakes up when a restriction starts or ends (no event says
//! so), reconciles every place at start and periodically, and while the
//! software is down or failing tries again with exponential backoff, capped. Each
//! pass recomputes what is wanted from the state and the clock, so a pass
//! cut short by a crash or a failure is simply done again.

use crate::reconcile::{Reconciler, Report, Summary};
use crate::status::Status;
use crate::wanted::Wanted;
use jiff::Timestamp;
use modpod_store::{EventStore, StoreError};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// What is wanted at a moment. Called in a blocking task, so it may lock
/// the engine (and the index) to read the state.
pub type WantedAt = Arc<dyn Fn(Timestamp) -> Wanted + Send + Sync>;

/// The worker's settings.
#[derive(Debug, Clone)]
pub struct Worker {
    pub reconciler: Reconciler,
    /// How often every place is reconciled, besides those events touch.
    pub full_every: Duration,
    /// The wait before the first retry; it doubles after each failure...
    pub retry_first: Duration,
    /// ...up to this.
    pub retry_max: Duration,
    /// How it stands, for the pages and `/metrics`.
    pub status: Arc<Status>,
}

/// The places one pass covers: all, or those named.
enum Scope {
    All,
    Places(BTreeSet<String>),
}

impl Worker {
    /// A worker with the usual timings: every place every 5 minutes, retries
    /// after 1 s, 2 s, 4 s, ... at most every 5 minutes.
    pub fn new(reconciler: Reconciler) -> Worker {
        Worker {
            reconciler,
            full_every: Duration::from_secs(300),
            retry_first: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            status: Arc::new(Status::default()),
        }
    }

    /// Reports how it stands into `status`.
    #[must_use]
    pub fn with_status(mut self, status: Arc<Status>) -> Worker {
        self.status = status;
        self
    }

    /// Runs until `stop` turns true. `ledger` is a store connection of its
    /// own; `changed` brings the places that new events affect.
    pub async fn run(
        self,
        ledger: Box<dyn EventStore>,
        wanted_at: WantedAt,
        mut changed: mpsc::UnboundedReceiver<BTreeSet<String>>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut full = true;
        let mut pending = BTreeSet::new();
        let mut next_full = Instant::now() + self.full_every;
        let mut next_change: Option<(Instant, BTreeSet<String>)> = None;
        let mut failures = 0u32;
        let mut retry_at: Option<Instant> = None;
        let mut reported_missing = BTreeSet::new();
        let mut ledger = Ledger(Some(ledger));
        let name = self.reconciler.adapter.name();
        loop {
            let due = retry_at.is_none_or(|at| Instant::now() >= at);
            if due && (full || !pending.is_empty()) {
                let scope = if full {
                    Scope::All
                } else {
                    Scope::Places(std::mem::take(&mut pending))
                };
                let (reconciler, wanted_at) = (self.reconciler.clone(), wanted_at.clone());
                let pass = tokio::task::spawn_blocking(move || {
                    let result = match ledger.0.as_deref_mut() {
                        Some(store) => pass(&reconciler, store, &wanted_at, &scope),
                        None => Err(crate::ReconcileError::Ledger(StoreError::Unsupported(
                            "the worker's ledger is gone".into(),
                        ))),
                    };
                    (ledger, scope, result)
                })
                .await;
                let Ok((returned, scope, result)) = pass else {
                    tracing::error!(
                        adapter = name,
                        "a forum software worker's pass panicked; that software is no longer kept in line"
                    );
                    return;
                };
                ledger = returned;
                match result {
                    Ok((summary, reports, change)) => {
                        failures = 0;
                        retry_at = None;
                        let only = match &scope {
                            Scope::All => None,
                            Scope::Places(places) => Some(places),
                        };
                        self.status.passed(only, &reports);
                        if let Scope::All = scope {
                            full = false;
                        }
                        next_change = change;
                        log_pass(&self.reconciler, &summary, &reports, &mut reported_missing);
                    }
                    Err(error) => {
                        failures = failures.saturating_add(1);
                        self.status.stopped(&error);
                        // At least as long as the software asked (Retry-After).
                        let asked = match &error {
                            crate::ReconcileError::Software(e) => e.retry_after,
                            crate::ReconcileError::Ledger(_) => None,
                        };
                        let wait = retry_wait(self.retry_first, self.retry_max, failures, asked);
                        tracing::warn!(adapter = name, attempt = failures, retry_in = ?wait, %error, "cannot reconcile the forum software");
                        retry_at = Some(Instant::now() + wait);
                        if let Scope::Places(places) = scope {
                            pending.extend(places);
                        }
                    }
                }
            }
            let mut wake = next_full;
            if let Some((at, _)) = &next_change {
                wake = wake.min(*at);
            }
            if let Some(at) = retry_at {
                wake = wake.min(at);
            }
            tokio::select! {
                _ = stop.wait_for(|&s| s) => return,
                Some(places) = changed.recv() => pending.extend(places),
                _ = tokio::time::sleep_until(wake) => {
                    let now = Instant::now();
                    if now >= next_full {
                        full = true;
                        next_full = now + self.full_every;
                    }
                    if let Some((at, places)) = next_change.take_if(|(at, _)| now >= *at) {
                        tracing::debug!(?at, "a restriction on a place starts or ends");
                        pending.extend(places);
                    }
                }
            }
        }
    }
}

/// The worker's store connection. It is closed off the async runtime: the
/// PostgreSQL client blocks on a runtime of its own when it closes, which
/// must not happen on a runtime thread (the worker may be dropped on one).
struct Ledger(Option<Box<dyn EventStore>>);

impl Drop for Ledger {
    fn drop(&mut self) {
        if let Some(store) = self.0.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            // If no thread can be started, the store is closed here after all.
            let _ = std::thread::Builder::new().spawn(move || drop(store));
        }
    }
}

/// One pass, in a blocking task: what is wanted now, reconciled.
#[allow(clippy::type_complexity)]
fn pass(
    reconciler: &Reconciler,
    ledger: &mut dyn EventStore,
    wanted_at: &WantedAt,
    scope: &Scope,
) -> Result<(Summary, Vec<Report>, Option<(Instant, BTreeSet<String>)>), crate::ReconcileError> {
    let now = Timestamp::now();
    let wanted = wanted_at(now);
    let only = match scope {
        Scope::All => None,
        Scope::Places(places) => Some(places),
    };
    let mut reports = Vec::new();
    let summary = reconciler.reconcile(ledger, &wanted, only, false, &mut |r| {
        reports.push(r.clone());
    })?;
    let change = wanted.next_change.map(|(at, places)| {
        // A little late rather than early: at `at` itself the change applies.
        let wait = Duration::try_from(at.duration_since(now)).unwrap_or_default();
        (Instant::now() + wait + Duration::from_millis(20), places)
    });
    Ok((summary, reports, change))
}

/// The longest a forum software's own word on when to try again
/// (`Retry-After`, a rate limit's reset) is obeyed for: it asks for longer
/// (years, or more than a clock counts) and the worker tries again after
/// this, rather than never or not at all.
pub const MAX_ASKED_WAIT: Duration = Duration::from_secs(3600);

/// The wait before retry number `failures` after a failed pass: the
/// backoff from `first`, doubling, at most `max`; or what the software
/// asked (`asked`), if longer, at most [`MAX_ASKED_WAIT`].
pub fn retry_wait(
    first: Duration,
    max: Duration,
    failures: u32,
    asked: Option<Duration>,
) -> Duration {
    backoff(first, max, failures).max(asked.unwrap_or_default().min(MAX_ASKED_WAIT))
}

/// The wait before retry number `failures`: `first`, doubling, at most `max`.
fn backoff(first: Duration, max: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1));
    first.saturating_mul(factor).min(max)
}

/// Logs a pass: numbers at info, places with a problem at warn, addresses
/// only at debug. A place missing from the software is reported once.
fn log_pass(
    reconciler: &Reconciler,
    summary: &Summary,
    reports: &[Report],
    reported_missing: &mut BTreeSet<String>,
) {
    let adapter = reconciler.adapter.as_ref();
    let name = adapter.name();
    for report in reports {
        tracing::debug!("{}", report.line(adapter, false));
        match report {
            Report::Missing { place } if reported_missing.insert(place.clone()) => {
                tracing::warn!(
                    place,
                    adapter = name,
                    "a place with actions to enforce is missing from the forum software"
                )
            }
            Report::Drift { place, drift } => tracing::warn!(
                place,
                action = %drift.action,
                kind = drift.kind.as_str(),
                adapter = name,
                reapplied = drift.reapplied,
                "something modpod applied on forum software was removed by hand"
            ),
            Report::Failed { place, error } => {
                tracing::warn!(place, adapter = name, %error, "the forum software refused a change")
            }
            _ => {}
        }
    }
    if summary.changes > 0 {
        tracing::info!(
            adapter = name,
            places = summary.places,
            changes = summary.changes,
            "forum software brought in line with the actions in force"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_ASKED_WAIT, backoff, retry_wait};
    use std::time::{Duration, Instant};

    /// A software that asks to be left alone for longer than a clock
    /// counts (`Retry-After: 18446744073709551615`) once panicked the
    /// worker (`Instant + Duration` overflowed), ending enforcement there;
    /// one that asks for years kept it waiting for years.
    #[test]
    fn what_the_software_asks_is_obeyed_up_to_an_hour() {
        let s = Duration::from_secs;
        assert_eq!(retry_wait(s(1), s(300), 1, None), s(1));
        assert_eq!(retry_wait(s(1), s(300), 1, Some(s(90))), s(90));
        assert_eq!(retry_wait(s(1), s(300), 10, Some(s(90))), s(300));
        for asked in [s(86_400 * 365), s(u64::MAX), Duration::MAX] {
            let wait = retry_wait(s(1), s(300), 1, Some(asked));
            assert_eq!(wait, MAX_ASKED_WAIT);
            assert!(Instant::now().checked_add(wait).is_some());
        }
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let s = Duration::from_secs;
        let waits: Vec<_> = (1..=12).map(|n| backoff(s(1), s(300), n)).collect();
        assert_eq!(waits[..5], [s(1), s(2), s(4), s(8), s(16)]);
        assert_eq!(waits[11], s(300));
        assert_eq!(backoff(s(1), s(300), u32::MAX), s(300));
    }
}
