//! How one kind of forum software stands, as its worker last found it: for
//! the pages (which places failed, and why; whether the software is
//! unreachable) and for `/metrics` (steps applied and failed, consecutive
//! failed passes). Nothing here is a record: the ledger is.

use crate::reconcile::{ReconcileError, Report};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

#[derive(Debug, Default)]
struct Inner {
    /// Why the last pass stopped, and how many in a row did, while failing.
    failing: Option<(String, u32)>,
    /// The places whose last attempt failed, with why.
    places: BTreeMap<String, String>,
    applied: u64,
    failed: u64,
}

/// Shared between a worker (which writes it) and the pages and metrics.
#[derive(Debug, Default)]
pub struct Status(Mutex<Inner>);

/// The numbers `/metrics` shows for one kind of software.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Health {
    /// Passes that stopped in a row (the software down or failing); 0 when
    /// the last pass finished.
    pub failing_passes: u32,
    /// Places whose last attempt was refused.
    pub failing_places: u64,
    /// Changes made since start.
    pub steps_applied: u64,
    /// Changes refused since start.
    pub steps_failed: u64,
}

impl Status {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A pass over `places` (all of them when `None`) finished with these
    /// reports.
    pub fn passed(&self, places: Option<&BTreeSet<String>>, reports: &[Report]) {
        let mut inner = self.inner();
        inner.failing = None;
        let refused: BTreeMap<&str, String> = reports
            .iter()
            .filter_map(|r| match r {
                Report::Failed { place, error } => Some((place.as_str(), error.message.clone())),
                _ => None,
            })
            .collect();
        inner
            .places
            .retain(|place, _| places.is_some_and(|only| !only.contains(place)));
        for (place, why) in &refused {
            inner.places.insert((*place).to_owned(), why.clone());
        }
        inner.failed += refused.len() as u64;
        inner.applied += reports
            .iter()
            .filter(|r| matches!(r, Report::Change { .. }))
            .count() as u64;
    }

    /// A pass stopped: the software is down or failing.
    pub fn stopped(&self, error: &ReconcileError) {
        let mut inner = self.inner();
        let times = inner.failing.as_ref().map_or(0, |(_, n)| *n);
        inner.failing = Some((error.to_string(), times.saturating_add(1)));
    }

    /// Why what is wanted at `place` may not be in place: its last attempt
    /// was refused, or the software cannot be reached.
    pub fn trouble(&self, place: &str) -> Option<String> {
        let inner = self.inner();
        if let Some(why) = inner.places.get(place) {
            return Some(format!("refused: {why}"));
        }
        inner
            .failing
            .as_ref()
            .map(|(why, _)| format!("cannot be reached, retrying: {why}"))
    }

    pub fn health(&self) -> Health {
        let inner = self.inner();
        Health {
            failing_passes: inner.failing.as_ref().map_or(0, |(_, n)| *n),
            failing_places: inner.places.len() as u64,
            steps_applied: inner.applied,
            steps_failed: inner.failed,
        }
    }
}
