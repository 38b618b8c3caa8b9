//! The planner: what to change at one place, given what modpod wants there,
//! what the software has, and what modpod applied earlier (its ledger). Pure:
//! no I/O, no clock.
//!
//! For each (kind, account):
//!
//! | wanted | on the software | applied by modpod | plan |
//! |---|---|---|---|
//! | yes | yes | either | nothing (an administrator's own change is left as it is) |
//! | yes | no | no | apply it |
//! | yes | no | yes | **drift**: removed by hand; re-apply it, or only report it |
//! | no | yes, as modpod set it | yes | remove it, putting back what it replaced |
//! | no | no, or changed since | yes | forget it (gone, or now an administrator's) |
//! | no | either | no | nothing: never touch what modpod did not apply |
//!
//! A wanted value (a rate) that differs from the software's counts as
//! missing. A kind implied by another one present (and not being removed
//! by this plan) needs nothing.

use crate::Adapter;
use crate::wanted::{PlaceWanted, Want};
use modpod_enforce::Source;
use modpod_store::Enforced;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What to do when something modpod applied is gone from the software while
/// its action still applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnDrift {
    /// Apply it again (and report it).
    #[default]
    Reapply,
    /// Only report it, at every reconcile, until the action ends.
    Record,
}

impl std::str::FromStr for OnDrift {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "reapply" => Ok(OnDrift::Reapply),
            "record" => Ok(OnDrift::Record),
            _ => Err(format!(
                "{s:?} is not a drift setting: use reapply or record"
            )),
        }
    }
}

/// How one (kind, account) stands on the software.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Present {
    /// It is in effect there (strictly enough: a stricter moderation
    /// setting counts).
    pub enforces: bool,
    /// It is exactly as modpod sets it, so modpod may undo it.
    pub as_applied: bool,
    /// The software's current value, remembered to put back later (a
    /// member's moderation setting, a user's power level), or the value in
    /// effect (a rate).
    pub value: Option<String>,
    /// What the software calls the record (a member id), if it has one.
    pub handle: Option<String>,
}

/// What the software has at one place, for the pairs the plan is about;
/// a pair left out is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actual {
    pub items: BTreeMap<(String, String), Present>,
}

impl Actual {
    fn get(&self, kind: &str, account: &str) -> Option<&Present> {
        self.items.get(&(kind.to_owned(), account.to_owned()))
    }
}

/// One change to make at a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Set `kind` for `account` (to `value`), on the record `handle` if
    /// there is one; `previous` is what it replaces, kept to put back.
    Apply {
        kind: String,
        account: String,
        value: Option<String>,
        source: Source,
        handle: Option<String>,
        previous: Option<String>,
    },
    /// Undo `kind` for `account`, putting back `restore`.
    Remove {
        kind: String,
        account: String,
        handle: Option<String>,
        restore: Option<String>,
    },
    /// Only the ledger changes: what modpod applied is gone already.
    Forget { kind: String, account: String },
    /// Only the ledger changes: a change modpod asked for just before a
    /// crash is there, so it is modpod's (its mark, [`PENDING`], becomes
    /// the change).
    Record {
        kind: String,
        account: String,
        previous: Option<String>,
    },
}

/// The prefix of a ledger entry written just before the software is asked
/// for a change, and replaced by the change once the software confirmed it
/// (a write-ahead mark): after a crash in between, the next plan knows the
/// change may be modpod's.
pub const PENDING: &str = "pending:";

/// The ledger's mark of `kind` about to be applied.
pub fn pending(kind: &str) -> String {
    format!("{PENDING}{kind}")
}

impl Step {
    pub fn kind(&self) -> &str {
        match self {
            Step::Apply { kind, .. }
            | Step::Remove { kind, .. }
            | Step::Forget { kind, .. }
            | Step::Record { kind, .. } => kind,
        }
    }

    pub fn account(&self) -> &str {
        match self {
            Step::Apply { account, .. }
            | Step::Remove { account, .. }
            | Step::Forget { account, .. }
            | Step::Record { account, .. } => account,
        }
    }
}

/// Something modpod applied that is gone from the software although its
/// action (or LLC action) still applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub kind: String,
    pub account: String,
    pub action: Source,
    /// Whether the plan applies it again.
    pub reapplied: bool,
}

impl Drift {
    /// One line, in the adapter's words.
    pub fn line(&self, adapter: &dyn Adapter) -> String {
        let then = if self.reapplied {
            "re-applied"
        } else {
            "left as it is (drift is only recorded)"
        };
        format!(
            "{} ({}) was removed by hand; {then}",
            adapter.what(&self.kind, &self.account),
            self.action
        )
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} ({})", self.kind, self.account, self.action)
    }
}

/// The changes at one place, in the order to make them: removals first, so
/// that what a removal frees can then be set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub drift: Vec<Drift>,
}

/// Plans one place. `applied` is what the ledger says modpod applied there.
pub fn plan(
    adapter: &dyn Adapter,
    wanted: &PlaceWanted,
    actual: &Actual,
    applied: &[Enforced],
    on_drift: OnDrift,
) -> Plan {
    let ours = |kind: &str| adapter.kinds().contains(&kind);
    let marked: BTreeMap<(&str, &str), Option<&str>> = applied
        .iter()
        .filter_map(|e| Some((e.kind.strip_prefix(PENDING)?, e)))
        .filter(|(kind, _)| ours(kind))
        .map(|(kind, e)| ((kind, e.account.as_str()), e.previous.as_deref()))
        .collect();
    let applied: BTreeMap<(&str, &str), Option<&str>> = applied
        .iter()
        .filter(|e| ours(&e.kind))
        .map(|e| ((e.kind.as_str(), e.account.as_str()), e.previous.as_deref()))
        .collect();
    let mut plan = Plan::default();
    let mut additions = Vec::new();
    let mut removed: BTreeSet<(&str, &str)> = BTreeSet::new();

    // Marks left by a crash between asking the software and the ledger.
    for (&(kind, account), &previous) in &marked {
        let forget_mark = Step::Forget {
            kind: pending(kind),
            account: account.to_owned(),
        };
        if applied.contains_key(&(kind, account)) {
            // The change was recorded too: only the mark is left over.
            plan.steps.push(forget_mark);
            continue;
        }
        let wanted_here = wanted
            .items
            .contains_key(&(kind.to_owned(), account.to_owned()));
        let present = actual.get(kind, account);
        match present {
            // It was made: it is modpod's, still wanted or to be undone.
            Some(p) if wanted_here && p.enforces => plan.steps.push(Step::Record {
                kind: kind.to_owned(),
                account: account.to_owned(),
                previous: previous.map(str::to_owned),
            }),
            Some(p) if !wanted_here && p.as_applied => {
                removed.insert((kind, account));
                plan.steps.push(Step::Remove {
                    kind: kind.to_owned(),
                    account: account.to_owned(),
                    handle: p.handle.clone(),
                    restore: previous.map(str::to_owned),
                });
            }
            // Not made (or not as modpod makes it): asked for again below
            // if still wanted, never drift.
            _ if wanted_here => {}
            _ => plan.steps.push(forget_mark),
        }
    }

    for (&(kind, account), &previous) in &applied {
        if wanted
            .items
            .contains_key(&(kind.to_owned(), account.to_owned()))
        {
            continue;
        }
        let present = actual.get(kind, account);
        plan.steps.push(match present {
            Some(p) if p.as_applied => {
                removed.insert((kind, account));
                Step::Remove {
                    kind: kind.to_owned(),
                    account: account.to_owned(),
                    handle: p.handle.clone(),
                    restore: previous.map(str::to_owned),
                }
            }
            _ => Step::Forget {
                kind: kind.to_owned(),
                account: account.to_owned(),
            },
        });
    }

    for ((kind, account), want) in &wanted.items {
        let Want { source, value } = want;
        let present = actual.get(kind, account);
        let in_effect = present.is_some_and(|p| {
            p.enforces && (value.is_none() || p.value.as_deref() == value.as_deref())
        });
        let implied = adapter.implied_by(kind).is_some_and(|by| {
            actual.get(by, account).is_some_and(|p| p.enforces)
                && !removed.contains(&(by, account.as_str()))
        });
        if in_effect || implied {
            continue;
        }
        let was_applied = applied.get(&(kind.as_str(), account.as_str()));
        let was_marked = marked.get(&(kind.as_str(), account.as_str()));
        // Re-applied after drift (or a crash), it still remembers what it
        // first replaced.
        let previous = match was_applied.or(was_marked) {
            Some(previous) => previous.map(str::to_owned),
            None => present.and_then(|p| p.value.clone()),
        };
        if was_applied.is_some() && present.is_none_or(|p| !p.enforces) {
            let reapplied = on_drift == OnDrift::Reapply;
            plan.drift.push(Drift {
                kind: kind.clone(),
                account: account.clone(),
                action: *source,
                reapplied,
            });
            if !reapplied {
                continue;
            }
        }
        additions.push(Step::Apply {
            kind: kind.clone(),
            account: account.clone(),
            value: value.clone(),
            source: *source,
            handle: present.and_then(|p| p.handle.clone()),
            previous,
        });
    }
    plan.steps.extend(additions);
    plan
}
