//! Forum software that modpod drives (GNU Mailman, Matrix, ..., each through
//! the adapter contract of `modpod-adapter`), as the pages ask about it:
//! which fora it enforces, and what it should hold there now. The server
//! does not depend on any adapter; `modpod serve` gives the
//! [`App`](crate::http::App) one for each kind whose worker it runs. What was applied is read from the adapter's ledger
//! (`EventStore::enforced`), which it writes only after the software
//! confirmed a change; what was removed by hand there (drift) from the drift
//! it recorded beside it (`EventStore::drifts`).

use jiff::Timestamp;
use modpod_policy::State;
use modpod_policy::ids::{ActionId, ForumId};
use modpod_policy::model::Forum;
use std::collections::BTreeMap;

/// One change on forum software: what (`ban`, `hold`), to whom (an address).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub kind: String,
    pub account: String,
}

/// A change modpod applied that was found removed by hand (drift), as it
/// stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drifted {
    /// When it was found removed.
    pub seen: Timestamp,
    /// Whether it was applied again. If not, the forum software does not
    /// enforce it now, although the ledger still holds it.
    pub reapplied: bool,
}

pub trait ForumSoftware: Send + Sync {
    /// Its name, as pages show it (`GNU Mailman`).
    fn name(&self) -> &'static str;
    /// The target its ledger entries are kept under (`mailman`).
    fn target(&self) -> &'static str;
    /// Where it enforces a forum (a list id), if it does.
    fn place(&self, forum: &Forum) -> Option<String>;
    /// What a place is called there (`list`, `room`).
    fn place_noun(&self, _place: &str) -> &'static str {
        "list"
    }
    /// Whether it enforces anything of `action` at `place` (an organisation
    /// block, a repository's cool-down): where it does not, the action is
    /// shown as recorded, not enforced there.
    fn enforces(&self, _place: &str, _action: &modpod_policy::model::Action) -> bool {
        true
    }
    /// What should hold at `place` at `now`, each change with the action
    /// that asks for it.
    fn wanted(&self, state: &State, place: &str, now: Timestamp) -> BTreeMap<Change, ActionId>;
    /// Who enforces what action `action` restrains in `forum` at `now`,
    /// post by post, by asking the decision API as each post is made (a
    /// module of the software, for a restriction the software itself cannot
    /// hold), if anyone: a name for the page (`modpod's Synapse module`).
    fn at_send(
        &self,
        _forum: &ForumId,
        _action: ActionId,
        _now: Timestamp,
    ) -> Option<&'static str> {
        None
    }
    /// What drift that `change` at its place shows, given the drift the
    /// adapter recorded there (`EventStore::drifts`, oldest first), if any.
    fn drifted(&self, records: &[modpod_store::Drifted], change: &Change) -> Option<Drifted>;
    /// The setting that leaves drift as it is, as pages name it
    /// (`--mailman-drift record`).
    fn drift_setting(&self) -> &'static str;
    /// Why what is wanted at `place` may not be in place now (its last
    /// attempt was refused, or the software cannot be reached), if so.
    fn trouble(&self, _place: &str) -> Option<String> {
        None
    }
    /// The numbers `/metrics` shows for it.
    fn health(&self) -> Health {
        Health::default()
    }
}

/// How forum software stands, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Health {
    /// Passes that stopped in a row (down or failing); 0 when the last one
    /// finished.
    pub failing_passes: u32,
    /// Places whose last attempt was refused.
    pub failing_places: u64,
    /// Changes made since start.
    pub steps_applied: u64,
    /// Changes refused since start.
    pub steps_failed: u64,
}
