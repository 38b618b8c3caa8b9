//! Words adapters share for what their steps do, so that a ban reads the
//! same whether it is a list's or a room's.

use crate::Step;

/// A step as `now` or `past` words chosen by `done`.
fn tense(done: bool, now: String, past: String) -> String {
    if done { past } else { now }
}

/// A ban or its lifting (`ban X (action #1)`, `unbanned X: no action bans
/// them any more`), or a ledger entry forgotten.
pub fn ban(step: &Step, done: bool) -> String {
    match step {
        Step::Apply {
            account, source, ..
        } => tense(
            done,
            format!("ban {account} ({source})"),
            format!("banned {account} ({source})"),
        ),
        Step::Remove { account, .. } => tense(
            done,
            format!("unban {account}: no action bans them any more"),
            format!("unbanned {account}: no action bans them any more"),
        ),
        Step::Forget { kind, account } => forgotten(kind, account),
        Step::Record { kind, account, .. } => recorded(kind, account),
    }
}

/// What the ledger catches up with: a change modpod asked for just before a
/// crash, found made.
pub fn recorded(kind: &str, account: &str) -> String {
    format!("the {kind} of {account} was made before a restart and is recorded now")
}

/// What the ledger forgets: something no longer wanted that was already
/// removed by hand.
pub fn forgotten(kind: &str, account: &str) -> String {
    format!("the {kind} of {account} is no longer wanted and was already removed by hand")
}

/// An adapter's refusal of a step it does not make.
pub fn no_such_change(software: &str, step: &Step) -> crate::AdapterError {
    crate::AdapterError {
        transient: false,
        message: format!(
            "{software} has no change {:?} for {}",
            step.kind(),
            step.account()
        ),
        retry_after: None,
    }
}
