//! # modpod-adapter
//!
//! The one contract through which modpod enforces actions on every kind of
//! forum software (ACT-8, FORUM-1). An adapter is a small crate that says
//! only what is particular to its software: where a forum lives there (a
//! list, a room, an organisation), which accounts a person has there, what
//! it sets for each kind of restriction, how to read what the software has,
//! and how to make one change. Everything else is here and shared:
//!
//! - [`wanted`]: what modpod wants at each place at `now`, a pure function of
//!   the state, the decision index and the clock (so it is recomputed after
//!   a crash and always gives the same answer), and which places an event
//!   may change.
//! - [`plan`]: the pure planner: wanted, actual and ledger in, idempotent
//!   steps and drift out.
//! - [`reconcile`]: reads the software, plans, applies, and writes the ledger
//!   around each change: a mark before the software is asked, the change
//!   once it confirmed; finds drift (changed by hand) and re-applies it or
//!   records it, per the deployment's setting.
//! - [`worker`]: the async loop of `modpod serve`: follows the log, wakes at
//!   the next start or end of a restriction, reconciles everything every few
//!   minutes, and retries with backoff while the software is down.
//!
//! Architecture invariant: **the log is the queue and the ledger follows the
//! software.** A pass may stop anywhere; the next one finishes the job, and a
//! second pass changes nothing. modpod undoes only what its ledger says it
//! applied, so lifting an action reverses everything it applied and never
//! what an administrator set by hand.

pub mod plan;
pub mod reconcile;
pub mod settings;
pub mod status;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wanted;
pub mod words;
pub mod worker;

pub use plan::{Actual, Drift, OnDrift, PENDING, Plan, Present, Step, pending, plan};
pub use reconcile::{ReconcileError, Reconciler, Report, Summary};
pub use settings::{Settings, Setup};
pub use status::{Health, Status};
pub use wanted::{
    EVERYONE, PlaceWanted, Want, Wanted, affected_fora, cool_down_until, everyone_until,
};
pub use worker::{WantedAt, Worker};

use modpod_enforce::Restrains;
use modpod_policy::model::{Forum, Person};
use modpod_policy::{Event, State};
use modpod_store::Enforced;
use std::collections::BTreeSet;

/// What went wrong talking to forum software.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct AdapterError {
    /// Down, slow, overloaded or failing (no answer, a timeout, 5xx, 429):
    /// the pass stops and is tried again later. Otherwise the software
    /// refused this one change or read, which is reported and the other
    /// places go on.
    pub transient: bool,
    /// What failed, naming the operation and the place.
    pub message: String,
    /// How long the software asked to be left alone (`Retry-After`), if it
    /// said: the worker waits at least that long before trying again.
    pub retry_after: Option<std::time::Duration>,
}

/// One kind of forum software, as modpod drives it.
pub trait Adapter: Send + Sync {
    /// Its name in reports and on pages (`Mailman`, `Matrix`).
    fn name(&self) -> &'static str;
    /// The name the ledger keeps what it applied under (`mailman`).
    fn target(&self) -> &'static str;
    /// What a place is called there (`list`, `room`).
    fn place_noun(&self) -> &'static str;
    /// What this place is called there, where places differ (an
    /// organisation, a repository); [`Adapter::place_noun`] by default.
    fn noun_of(&self, _place: &str) -> &'static str {
        self.place_noun()
    }
    /// The kinds of change it makes (`ban`, `hold`); ledger entries of any
    /// other kind are not its own and are left alone.
    fn kinds(&self) -> &'static [&'static str];
    /// Where it enforces a forum, if it does.
    fn place(&self, forum: &Forum) -> Option<String>;
    /// A person's accounts there (email addresses, Matrix user ids, ...).
    fn accounts(&self, person: &Person) -> Vec<String>;
    /// Further accounts the same change must cover for `account` (a ban
    /// pattern for an address's `+tag` variants); none by default.
    fn also(&self, _kind: &str, _account: &str) -> Vec<String> {
        Vec::new()
    }
    /// What it sets at `place` for a restriction, as a kind of its own
    /// (`ban`, `hold`) and the value it must have (a rate, for a rate
    /// limit); `None` when it cannot enforce that restriction there (another
    /// enforcer does). A forum-wide restriction (`Restrains::CoolDown`,
    /// a cool-down) is wanted for the one account [`everyone_until`] its end.
    fn wants(&self, place: &str, restrains: &Restrains) -> Option<(&'static str, Option<String>)>;
    /// Who enforces a restriction it does not set (`wants` is `None`) on
    /// its software anyway, post by post, by asking the decision API
    /// (`POST /v1/decide`) as each post is made: a module of the software
    /// (`modpod's Synapse module`), for pages. `None` (the default) when
    /// nothing there enforces it.
    fn at_send(&self, _restrains: &Restrains) -> Option<&'static str> {
        None
    }
    /// A place standing for the whole software (the homeserver, the
    /// organisation) and the kind it sets there for a person suspended from
    /// every place this adapter has (a homeserver suspension, a
    /// deactivation); none by default.
    fn everywhere(&self) -> Option<(&'static str, &'static str)> {
        None
    }
    /// The kind whose presence already enforces `kind` (a ban holds every
    /// post), if any: `kind` is then neither wanted nor applied beside it.
    fn implied_by(&self, _kind: &str) -> Option<&'static str> {
        None
    }
    /// Reads what the software has at `place` for these (kind, account)
    /// pairs; `None` when the place does not exist there. `applied` is what
    /// the ledger says modpod applied there, for software that cannot be
    /// asked (a webhook receiver): its changes, and the marks ([`PENDING`]
    /// and the kind) of changes asked for just before a crash, which may
    /// have reached the software or not.
    fn read(
        &self,
        place: &str,
        about: &BTreeSet<(String, String)>,
        applied: &[Enforced],
    ) -> Result<Option<Actual>, AdapterError>;
    /// What the ledger keeps beside a change made, to put back or compare
    /// later: by default what the change replaced.
    fn remembered(&self, step: &Step) -> Option<String> {
        match step {
            Step::Apply { previous, .. } => previous.clone(),
            _ => None,
        }
    }
    /// Makes one change at `place` ([`Step::Apply`] or [`Step::Remove`]).
    fn apply(&self, place: &str, step: &Step) -> Result<(), AdapterError>;
    /// Says what a step does (`done`: in the past tense).
    fn describe(&self, step: &Step, done: bool) -> String;
    /// Names one applied change (`the ban of bob@example.org`).
    fn what(&self, kind: &str, account: &str) -> String;
    /// The places whose wanted state `event` may change, given the state
    /// after it.
    fn affected(&self, state_after: &State, event: &Event) -> BTreeSet<String> {
        wanted::places_of(
            self.as_dyn(),
            state_after,
            &affected_fora(state_after, event),
        )
    }
    /// Itself as a trait object (for the provided methods).
    fn as_dyn(&self) -> &dyn Adapter;
}
