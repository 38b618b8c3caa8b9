//! Reconciling: read what Mailman has on each list, plan, make the changes,
//! and record each one in the ledger once Mailman confirmed it, and the drift
//! found beside it (`EventStore::record_drift`).
//!
//! A list missing from Mailman and a change Mailman refuses are reported and
//! the other lists go on; when Mailman is down or failing (no answer, 5xx)
//! the pass stops and the caller tries again later. Nothing is lost by
//! stopping at any point: what is wanted is recomputed from the log and the
//! clock, and the ledger only ever says what Mailman confirmed.

use crate::client::{Client, MailmanError};
use crate::plan::{Actual, Drift, Kind, OnDrift, Step, plan};
use crate::wanted::{ListWanted, Wanted};
use modpod_store::{Drifted, Enforced, EventStore, StoreError};
use std::collections::{BTreeMap, BTreeSet};

/// The name under which the ledger keeps what this adapter applied.
pub const TARGET: &str = "mailman";

/// One thing a reconcile found or did.
#[derive(Debug, Clone)]
pub enum Report {
    /// A change made (in a dry run: planned).
    Change { list: String, step: Step },
    /// Something modpod applied was removed by hand.
    Drift { list: String, drift: Drift },
    /// Something is wanted on a list that Mailman does not have.
    Missing { list: String },
    /// Mailman refused a change or a read on this list.
    Failed { list: String, error: MailmanError },
}

impl Report {
    /// The list it is about.
    pub fn list(&self) -> &str {
        match self {
            Report::Change { list, .. }
            | Report::Drift { list, .. }
            | Report::Missing { list }
            | Report::Failed { list, .. } => list,
        }
    }

    /// One line for people; it names addresses, so it is for the operator's
    /// terminal, not for logs at info level.
    pub fn line(&self, dry_run: bool) -> String {
        match self {
            Report::Change { list, step } if dry_run => {
                format!("{list}: would {}", step.describe(false))
            }
            Report::Change { list, step } => format!("{list}: {}", step.describe(true)),
            Report::Drift { list, drift } => format!("drift: {list}: {drift}"),
            Report::Missing { list } => {
                format!("{list}: no such list in Mailman; its actions are not enforced there")
            }
            Report::Failed { list, error } => format!("{list}: failed: {error}"),
        }
    }
}

/// Why a reconcile pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// Mailman is down or failing; try again later.
    #[error(transparent)]
    Mailman(MailmanError),
    #[error("cannot read or write what modpod applied on Mailman: {0}")]
    Ledger(#[from] StoreError),
}

impl From<MailmanError> for ReconcileError {
    fn from(error: MailmanError) -> Self {
        ReconcileError::Mailman(error)
    }
}

/// What a pass did, in numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub lists: usize,
    pub changes: usize,
    pub drift: usize,
    pub missing: usize,
    pub failed: usize,
}

/// Brings Mailman lists in line with what modpod wants.
#[derive(Debug, Clone)]
pub struct Reconciler {
    pub client: Client,
    pub on_drift: OnDrift,
}

impl Reconciler {
    /// Reconciles the lists where something is wanted or was applied, or
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
        let mut applied: BTreeMap<String, Vec<Enforced>> = BTreeMap::new();
        for entry in ledger.enforced(TARGET)? {
            applied.entry(entry.place.clone()).or_default().push(entry);
        }
        let lists: BTreeSet<&String> = wanted
            .lists
            .keys()
            .chain(applied.keys())
            .filter(|list| only.is_none_or(|only| only.contains(*list)))
            .collect();
        let nothing = ListWanted::default();
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
        let checked = lists.len();
        for list in lists {
            let want = wanted.lists.get(list).unwrap_or(&nothing);
            let here = applied.get(list).map(Vec::as_slice).unwrap_or_default();
            match self.list(ledger, list, want, here, dry_run, &mut counted) {
                Ok(()) => {}
                Err(ReconcileError::Mailman(error)) if !error.is_transient() => {
                    counted(&Report::Failed {
                        list: list.clone(),
                        error,
                    });
                }
                Err(error) => return Err(error),
            }
        }
        summary.lists = checked;
        Ok(summary)
    }

    fn list(
        &self,
        ledger: &mut dyn EventStore,
        list: &str,
        wanted: &ListWanted,
        applied: &[Enforced],
        dry_run: bool,
        report: &mut dyn FnMut(&Report),
    ) -> Result<(), ReconcileError> {
        let Some(bans) = self.client.bans(list)? else {
            report(&Report::Missing {
                list: list.to_owned(),
            });
            return Ok(());
        };
        let mut actual = Actual {
            bans,
            records: BTreeMap::new(),
        };
        let held = applied.iter().filter(|e| e.kind == Kind::Hold.as_str());
        for email in wanted.holds.keys().chain(held.map(|e| &e.account)) {
            if !actual.records.contains_key(email)
                && let Some(record) = self.client.record(list, email)?
            {
                actual.records.insert(email.clone(), record);
            }
        }
        let plan = plan(wanted, &actual, applied, self.on_drift);
        for drift in &plan.drift {
            report(&Report::Drift {
                list: list.to_owned(),
                drift: drift.clone(),
            });
        }
        for step in plan.steps {
            if !dry_run {
                self.apply(ledger, list, &step)?;
            }
            report(&Report::Change {
                list: list.to_owned(),
                step,
            });
        }
        if !dry_run {
            record_drift(ledger, list, wanted, applied, &plan.drift)?;
        }
        Ok(())
    }

    /// Makes one change, then records it: the ledger is written only after
    /// Mailman confirmed.
    fn apply(
        &self,
        ledger: &mut dyn EventStore,
        list: &str,
        step: &Step,
    ) -> Result<(), ReconcileError> {
        let entry = |kind: Kind, email: &str, previous: Option<String>| Enforced {
            place: list.to_owned(),
            account: email.to_owned(),
            kind: kind.as_str().to_owned(),
            previous,
        };
        match step {
            Step::Ban { email, .. } => {
                self.client.ban(list, email)?;
                ledger.set_enforced(TARGET, &entry(Kind::Ban, email, None))?;
            }
            Step::Unban { email } => {
                self.client.unban(list, email)?;
                ledger.clear_enforced(TARGET, list, email, Kind::Ban.as_str())?;
                ledger.clear_drift(TARGET, list, email, Kind::Ban.as_str())?;
            }
            Step::Hold {
                email,
                member_id,
                previous,
                ..
            } => {
                let member_id = match member_id {
                    Some(id) => id.clone(),
                    None => self.client.add_nonmember(list, email)?,
                };
                self.client.set_moderation(list, &member_id, Some("hold"))?;
                ledger.set_enforced(TARGET, &entry(Kind::Hold, email, previous.clone()))?;
            }
            Step::Release {
                email,
                member_id,
                restore,
            } => {
                self.client
                    .set_moderation(list, member_id, restore.as_deref())?;
                ledger.clear_enforced(TARGET, list, email, Kind::Hold.as_str())?;
                ledger.clear_drift(TARGET, list, email, Kind::Hold.as_str())?;
            }
            Step::Forget { email, kind } => {
                ledger.clear_enforced(TARGET, list, email, kind.as_str())?;
                ledger.clear_drift(TARGET, list, email, kind.as_str())?;
            }
        }
        Ok(())
    }
}

/// Keeps the drift a pass found on `list` beside the ledger, once its steps
/// were made (a re-application is recorded only after Mailman confirmed it):
/// each re-application, and drift left as it is once, when first seen (later
/// passes that find it again add nothing). When drift left as it is is gone
/// (restored by hand), the drift of that change is forgotten, as is the drift
/// of what modpod no longer applies (see [`Reconciler::apply`]).
fn record_drift(
    ledger: &mut dyn EventStore,
    list: &str,
    wanted: &ListWanted,
    applied: &[Enforced],
    found: &[Drift],
) -> Result<(), StoreError> {
    let recorded = ledger.drifts(TARGET, list)?;
    // The newest record of each change (records come oldest first).
    let latest: BTreeMap<(&str, &str), bool> = recorded
        .iter()
        .map(|d| ((d.account.as_str(), d.kind.as_str()), d.reapplied))
        .collect();
    let seen_micros = jiff::Timestamp::now().as_microsecond();
    for drift in found {
        let key = (drift.email.as_str(), drift.kind.as_str());
        if !drift.reapplied && latest.get(&key) == Some(&false) {
            continue;
        }
        ledger.record_drift(
            TARGET,
            &Drifted {
                place: list.to_owned(),
                account: drift.email.clone(),
                kind: drift.kind.as_str().to_owned(),
                seen_micros,
                reapplied: drift.reapplied,
            },
        )?;
    }
    for ((account, kind), reapplied) in latest {
        let still_wanted = match kind {
            "ban" => wanted.bans.contains_key(account),
            "hold" => wanted.holds.contains_key(account),
            _ => false,
        };
        let still_applied = applied
            .iter()
            .any(|e| e.account == account && e.kind == kind);
        let still_drifted = found
            .iter()
            .any(|d| d.email == account && d.kind.as_str() == kind);
        if !reapplied && still_wanted && still_applied && !still_drifted {
            ledger.clear_drift(TARGET, list, account, kind)?;
        }
    }
    Ok(())
}
