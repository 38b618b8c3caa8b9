//! Forum software that modpod drives (GNU Mailman, through
//! `modpod-mailman`), as the pages ask about it: which fora it enforces,
//! and what it should hold there now. The server does not depend on any
//! adapter; `modpod serve` gives the [`App`](crate::http::App) one when it
//! runs its worker. What was applied is read from the adapter's ledger
//! (`EventStore::enforced`), which it writes only after the software
//! confirmed a change.

use jiff::Timestamp;
use modpod_policy::State;
use modpod_policy::ids::ActionId;
use modpod_policy::model::Forum;
use std::collections::BTreeMap;

/// One change on forum software: what (`ban`, `hold`), to whom (an address).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub kind: String,
    pub account: String,
}

pub trait ForumSoftware: Send + Sync {
    /// Its name, as pages show it (`GNU Mailman`).
    fn name(&self) -> &'static str;
    /// The target its ledger entries are kept under (`mailman`).
    fn target(&self) -> &'static str;
    /// Where it enforces a forum (a list id), if it does.
    fn place(&self, forum: &Forum) -> Option<String>;
    /// What should hold at `place` at `now`, each change with the action
    /// that asks for it.
    fn wanted(&self, state: &State, place: &str, now: Timestamp) -> BTreeMap<Change, ActionId>;
}
