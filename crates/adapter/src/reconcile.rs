//! Reconciling: read what the software has at each place, plan, make the
//! changes, and record each one in the ledger once the software confirmed
//! it, and the drift found beside it (`EventStore::record_drift`).
//!
//! A place missing from the software and a change it refuses are reported
//! and the other places go on; when the software is down or failing (no
//! answer, 5xx, 429) the pass stops and the caller tries again later.
//! Nothing is lost by stopping at any point: what is wanted is recomputed
//! from the log and the clock, and the ledger only ever says what the
//! software confirmed.

use crate::plan::{Actual, Drift, OnDrift, PENDING, Step, pending, plan};
use crate::wanted::{PlaceWanted, Wanted};
use crate::{Adapter, AdapterError};
use modpod_store::{Drifted, Enforced, EventStore, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One thing a reconcile found or did.
#[derive(Debug, Clone)]
pub enum Report {
    /// A change made (in a dry run: planned).
    Change { place: String, step: Step },
    /// Something modpod applied was removed by hand.
    Drift { place: String, drift: Drift },
    /// Something is wanted at a place the software does not have.
    Missing { place: String },
    /// The software refused a change or a read at this place.
    Failed { place: String, error: AdapterError },
}

impl Report {
    /// The place it is about.
    pub fn place(&self) -> &str {
        match self {
            Report::Change { place, .. }
            | Report::Drift { place, .. }
            | Report::Missing { place }
            | Report::Failed { place, .. } => place,
        }
    }

    /// One line for people; it names accounts, so it is for the operator's
    /// terminal, not for logs at info level.
    pub fn line(&self, adapter: &dyn Adapter, dry_run: bool) -> String {
        match self {
            Report::Change { place, step } if dry_run => {
                format!("{place}: would {}", adapter.describe(step, false))
            }
            Report::Change { place, step } => format!("{place}: {}", adapter.describe(step, true)),
            Report::Drift { place, drift } => format!("drift: {place}: {}", drift.line(adapter)),
            Report::Missing { place } => format!(
                "{place}: no such {} in {}; its actions are not enforced there",
                adapter.noun_of(place),
                adapter.name()
            ),
            Report::Failed { place, error } => format!("{place}: failed: {error}"),
        }
    }
}

/// Why a reconcile pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The software is down or failing; try again later.
    #[error(transparent)]
    Software(AdapterError),
    #[error("cannot read or write what modpod applied: {0}")]
    Ledger(#[from] StoreError),
}

impl From<AdapterError> for ReconcileError {
    fn from(error: AdapterError) -> Self {
        ReconcileError::Software(error)
    }
}

/// What a pass did, in numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub places: usize,
    pub changes: usize,
    pub drift: usize,
    pub missing: usize,
    pub failed: usize,
}

/// Brings one kind of forum software in line with what modpod wants.
#[derive(Clone)]
pub struct Reconciler {
    pub adapter: Arc<dyn Adapter>,
    pub on_drift: OnDrift,
}

impl std::fmt::Debug for Reconciler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reconciler")
            .field("adapter", &self.adapter.name())
            .field("on_drift", &self.on_drift)
            .finish()
    }
}

impl Reconciler {
    pub fn new(adapter: Arc<dyn Adapter>, on_drift: OnDrift) -> Reconciler {
        Reconciler { adapter, on_drift }
    }

    /// Reconciles the places where something is wanted or was applied, or
    /// only those of them in `only`. With `dry_run`, reports the plan and
    /// changes nothing.
    pub fn reconcile(
        &self,
        ledger: &mut dyn EventStore,
        wanted: &Wanted,
        only: Option<&BTreeSet<String>>,
        dry_run: bool,
        report: &mut dyn FnMut(&Report),
    ) -> Result<Summary, ReconcileError> {
        let target = self.adapter.target();
        let mut applied: BTreeMap<String, Vec<Enforced>> = BTreeMap::new();
        for entry in ledger.enforced(target)? {
            applied.entry(entry.place.clone()).or_default().push(entry);
        }
        let places: BTreeSet<&String> = wanted
            .places
            .keys()
            .chain(applied.keys())
            .filter(|place| only.is_none_or(|only| only.contains(*place)))
            .collect();
        let nothing = PlaceWanted::default();
        let mut summary = Summary::default();
        let mut counted = |r: &Report| {
            match r {
                Report::Change { .. } => summary.changes += 1,
                Report::Drift { .. } => summary.drift += 1,
                Report::Missing { .. } => summary.missing += 1,
                Report::Failed { .. } => summary.failed += 1,
            }
            report(r);
        };
        let checked = places.len();
        for place in places {
            let want = wanted.places.get(place).unwrap_or(&nothing);
            let here = applied.get(place).map(Vec::as_slice).unwrap_or_default();
            match self.place(ledger, place, want, here, dry_run, &mut counted) {
                Ok(()) => {}
                Err(ReconcileError::Software(error)) if !error.transient => {
                    counted(&Report::Failed {
                        place: place.clone(),
                        error,
                    });
                }
                Err(error) => return Err(error),
            }
        }
        summary.places = checked;
        Ok(summary)
    }

    fn place(
        &self,
        ledger: &mut dyn EventStore,
        place: &str,
        wanted: &PlaceWanted,
        applied: &[Enforced],
        dry_run: bool,
        report: &mut dyn FnMut(&Report),
    ) -> Result<(), ReconcileError> {
        let kind_of = |e: &Enforced| e.kind.strip_prefix(PENDING).unwrap_or(&e.kind).to_owned();
        let about: BTreeSet<(String, String)> = wanted
            .items
            .keys()
            .cloned()
            .chain(applied.iter().map(|e| (kind_of(e), e.account.clone())))
            .collect();
        // The ledger, marks of changes asked for just before a crash
        // included: software that cannot be asked (webhooks) reads them.
        let Some(actual): Option<Actual> = self.adapter.read(place, &about, applied)? else {
            report(&Report::Missing {
                place: place.to_owned(),
            });
            return Ok(());
        };
        let plan = plan(
            self.adapter.as_ref(),
            wanted,
            &actual,
            applied,
            self.on_drift,
        );
        for drift in &plan.drift {
            report(&Report::Drift {
                place: place.to_owned(),
                drift: drift.clone(),
            });
        }
        for step in plan.steps {
            if !dry_run {
                self.apply(ledger, place, &step)?;
            }
            report(&Report::Change {
                place: place.to_owned(),
                step,
            });
        }
        if !dry_run {
            // Drift is kept for what the software confirmed only.
            let confirmed: Vec<Enforced> = applied
                .iter()
                .filter(|e| !e.kind.starts_with(PENDING))
                .cloned()
                .collect();
            record_drift(
                ledger,
                self.adapter.target(),
                place,
                wanted,
                &confirmed,
                &plan.drift,
            )?;
        }
        Ok(())
    }

    /// Makes one change and records it: a mark first ([`PENDING`]), then
    /// the change once the software confirmed it, so that a crash anywhere
    /// leaves the ledger knowing what modpod may have done.
    fn apply(
        &self,
        ledger: &mut dyn EventStore,
        place: &str,
        step: &Step,
    ) -> Result<(), ReconcileError> {
        let target = self.adapter.target();
        let entry = |kind: String, account: &str, previous: Option<String>| Enforced {
            place: place.to_owned(),
            account: account.to_owned(),
            kind,
            previous,
        };
        match step {
            Step::Apply { kind, account, .. } => {
                let remembered = self.adapter.remembered(step);
                ledger.set_enforced(target, &entry(pending(kind), account, remembered.clone()))?;
                if let Err(error) = self.adapter.apply(place, step) {
                    ledger.clear_enforced(target, place, account, &pending(kind))?;
                    return Err(error.into());
                }
                ledger.set_enforced(target, &entry(kind.clone(), account, remembered))?;
                ledger.clear_enforced(target, place, account, &pending(kind))?;
            }
            Step::Remove { kind, account, .. } => {
                self.adapter.apply(place, step)?;
                ledger.clear_enforced(target, place, account, kind)?;
                ledger.clear_enforced(target, place, account, &pending(kind))?;
                ledger.clear_drift(target, place, account, kind)?;
            }
            Step::Forget { kind, account } => {
                ledger.clear_enforced(target, place, account, kind)?;
                ledger.clear_drift(target, place, account, kind)?;
            }
            Step::Record {
                kind,
                account,
                previous,
            } => {
                ledger.set_enforced(target, &entry(kind.clone(), account, previous.clone()))?;
                ledger.clear_enforced(target, place, account, &pending(kind))?;
            }
        }
        Ok(())
    }
}

/// Keeps the drift a pass found at `place` beside the ledger, once its steps
/// were made (a re-application is recorded only after the software confirmed
/// it): each re-application, and drift left as it is once, when first seen
/// (later passes that find it again add nothing). When drift left as it is
/// is gone (restored by hand), the drift of that change is forgotten, as is
/// the drift of what modpod no longer applies (see [`Reconciler::apply`]).
fn record_drift(
    ledger: &mut dyn EventStore,
    target: &str,
    place: &str,
    wanted: &PlaceWanted,
    applied: &[Enforced],
    found: &[Drift],
) -> Result<(), StoreError> {
    let recorded = ledger.drifts(target, place)?;
    // The newest record of each change (records come oldest first).
    let latest: BTreeMap<(&str, &str), bool> = recorded
        .iter()
        .map(|d| ((d.account.as_str(), d.kind.as_str()), d.reapplied))
        .collect();
    let seen_micros = jiff::Timestamp::now().as_microsecond();
    for drift in found {
        let key = (drift.account.as_str(), drift.kind.as_str());
        if !drift.reapplied && latest.get(&key) == Some(&false) {
            continue;
        }
        ledger.record_drift(
            target,
            &Drifted {
                place: place.to_owned(),
                account: drift.account.clone(),
                kind: drift.kind.clone(),
                seen_micros,
                reapplied: drift.reapplied,
            },
        )?;
    }
    for ((account, kind), reapplied) in latest {
        let still_wanted = wanted
            .items
            .contains_key(&(kind.to_owned(), account.to_owned()));
        let still_applied = applied
            .iter()
            .any(|e| e.account == account && e.kind == kind);
        let still_drifted = found.iter().any(|d| d.account == account && d.kind == kind);
        if !reapplied && still_wanted && still_applied && !still_drifted {
            ledger.clear_drift(target, place, account, kind)?;
        }
    }
    Ok(())
}
