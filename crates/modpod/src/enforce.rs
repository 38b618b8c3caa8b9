//! `modpod enforce reconcile` and the forum software workers of `modpod
//! serve`: actions enforced on every kind of forum software modpod drives,
//! each through the one adapter contract (`modpod_adapter`). Adding a kind
//! is its adapter crate and one line in `forum_software!` below.

use anyhow::Context;
use jiff::Timestamp;
use modpod_adapter::{Adapter, Reconciler, Report, Wanted, Worker};
use modpod_enforce::{Index, Source};
use modpod_server::Engine;
use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{mpsc, watch};

/// Every kind of forum software modpod drives: one line each, naming the
/// field of [`EnforceArgs`] its flags are kept in and its crate's settings
/// (`modpod_adapter::Settings`).
macro_rules! forum_software {
    ($($field:ident: $settings:ty,)*) => {
        /// The forum software modpod drives, for `serve` and `enforce`.
        #[derive(clap::Args, Clone)]
        pub struct EnforceArgs {
            $(
                #[command(flatten)]
                pub $field: $settings,
            )*
        }

        impl EnforceArgs {
            fn settings(&self) -> Vec<&dyn modpod_adapter::Settings> {
                vec![$(&self.$field),*]
            }
        }
    };
}

forum_software! {
    mailman: modpod_mailman::Settings,
    matrix: modpod_matrix::Settings,
    zulip: modpod_zulip::Settings,
    github: modpod_github::Settings,
    webhooks: modpod_webhook::Settings,
}

/// One kind of forum software, configured: its reconciler, how to check
/// that it can be used, and the setting that leaves its drift as it is.
pub struct Configured {
    pub reconciler: Reconciler,
    /// How its worker finds it, shared with the pages and `/metrics`.
    pub status: Arc<modpod_adapter::Status>,
    /// Where it is, for people (`Mailman at http://...`).
    pub at: String,
    pub check: Box<dyn Fn() -> Result<(), String> + Send + Sync>,
    pub drift_setting: &'static str,
}

impl EnforceArgs {
    /// Every kind of forum software these flags configure.
    pub fn adapters(&self) -> anyhow::Result<Vec<Configured>> {
        let mut adapters = Vec::new();
        for settings in self.settings() {
            for setup in settings.setups().map_err(anyhow::Error::msg)? {
                adapters.push(Configured {
                    reconciler: Reconciler::new(setup.adapter, setup.on_drift),
                    status: Arc::default(),
                    at: setup.at,
                    check: setup.check,
                    drift_setting: setup.drift_setting,
                });
            }
        }
        Ok(adapters)
    }
}

/// `modpod enforce reconcile`: every place of every configured kind once
/// (or those of `--forum`), printing each change and any drift. Exits 1 if
/// forum software cannot be reached or refused a change, 2 if drift is left
/// in place (`record`).
pub fn reconcile(
    db: &str,
    args: &EnforceArgs,
    forum: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let adapters = args.adapters()?;
    anyhow::ensure!(
        !adapters.is_empty(),
        "say which forum software to reconcile, e.g. with --mailman-url (or MODPOD_MAILMAN_URL)"
    );
    let mut engine = crate::open_engine(db)?;
    let now = Timestamp::now();
    let index = Index::build(engine.state());
    let only_forum = match forum {
        Some(forum) => Some(
            engine
                .state()
                .fora
                .values()
                .find(|f| f.id.as_str() == forum)
                .cloned()
                .with_context(|| format!("--forum: no forum {forum:?} in the log"))?,
        ),
        None => None,
    };
    let (mut failed, mut drift_left) = (0, 0);
    for configured in &adapters {
        let adapter = configured.reconciler.adapter.as_ref();
        let only: Option<BTreeSet<String>> = match &only_forum {
            Some(forum) => match adapter.place(forum) {
                Some(place) => Some(BTreeSet::from([place])),
                None => continue,
            },
            None => None,
        };
        let wanted = Wanted::at(adapter, engine.state(), &index, now);
        (configured.check)().map_err(|e| {
            anyhow::anyhow!("{} cannot be used; nothing was changed: {e}", configured.at)
        })?;
        let summary = configured
            .reconciler
            .reconcile(
                engine.store(),
                &wanted,
                only.as_ref(),
                dry_run,
                &mut |report| {
                    if let Report::Drift { drift, .. } = report
                        && !drift.reapplied
                    {
                        drift_left += 1;
                    }
                    println!("{}", report.line(adapter, dry_run));
                },
            )
            .with_context(|| {
                format!(
                    "reconciling stopped; run it again once {} answers",
                    adapter.name()
                )
            })?;
        let verb = if dry_run { "to make" } else { "made" };
        let noun = adapter.place_noun();
        println!(
            "{}: {} {noun}s checked: {} changes {verb}, {} drift found, {} {noun}s missing from {}, {} failed",
            adapter.name(),
            summary.places,
            summary.changes,
            summary.drift,
            summary.missing,
            adapter.name(),
            summary.failed
        );
        failed += summary.failed;
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else if drift_left > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Starts the worker of one kind of forum software in `modpod serve`;
/// `changed` brings the places that applied events affect. `ledger` is a
/// store connection of its own.
pub fn spawn_worker(
    configured: &Configured,
    ledger: Box<dyn modpod_store::EventStore>,
    engine: Arc<Mutex<Engine>>,
    index: Arc<RwLock<Index>>,
    changed: mpsc::UnboundedReceiver<BTreeSet<String>>,
    stop: watch::Receiver<bool>,
) {
    println!("enforcing actions on {}", configured.at);
    let adapter = configured.reconciler.adapter.clone();
    let wanted_at = Arc::new(move |now| {
        // The same lock order as the catch-up: the engine, then the index.
        let engine = engine.lock().unwrap_or_else(|p| p.into_inner());
        let index = index.read().unwrap_or_else(|p| p.into_inner());
        Wanted::at(adapter.as_ref(), engine.state(), &index, now)
    });
    let worker = Worker::new(configured.reconciler.clone()).with_status(configured.status.clone());
    tokio::spawn(worker.run(ledger, wanted_at, changed, stop));
}

/// Forum software as the action page asks about it
/// (`modpod_server::enforcement`): where a forum is enforced, and what should
/// hold there now, from the same index as the worker's.
pub struct Driven {
    pub adapter: Arc<dyn Adapter>,
    pub index: Arc<RwLock<Index>>,
    pub drift_setting: &'static str,
    /// What its worker last found.
    pub status: Arc<modpod_adapter::Status>,
}

impl modpod_server::enforcement::ForumSoftware for Driven {
    fn name(&self) -> &'static str {
        self.adapter.name()
    }

    fn target(&self) -> &'static str {
        self.adapter.target()
    }

    fn place(&self, forum: &modpod_policy::model::Forum) -> Option<String> {
        self.adapter.place(forum)
    }

    fn place_noun(&self, place: &str) -> &'static str {
        self.adapter.noun_of(place)
    }

    fn enforces(&self, place: &str, action: &modpod_policy::model::Action) -> bool {
        modpod_enforce::Restrains::all_of(action)
            .iter()
            .any(|r| self.adapter.wants(place, r).is_some() || self.adapter.at_send(r).is_some())
    }

    fn wanted(
        &self,
        state: &modpod_policy::State,
        place: &str,
        now: Timestamp,
    ) -> std::collections::BTreeMap<modpod_server::enforcement::Change, modpod_policy::ids::ActionId>
    {
        use modpod_server::enforcement::Change;
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let mut wanted = Wanted::at(self.adapter.as_ref(), state, &index, now);
        let Some(here) = wanted.places.remove(place) else {
            return Default::default();
        };
        // The action page asks about moderation actions; what an LLC action
        // asks for is left out (an action asking for the same change wins
        // it, as actions come first in `Source`'s order).
        here.items
            .into_iter()
            .filter_map(|((kind, account), want)| match want.source {
                Source::Action(id) => Some((Change { kind, account }, id)),
                Source::Llc(_) => None,
            })
            .collect()
    }

    fn at_send(
        &self,
        forum: &modpod_policy::ids::ForumId,
        action: modpod_policy::ids::ActionId,
        now: Timestamp,
    ) -> Option<&'static str> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index
            .applying_in(forum.as_str(), now)
            .filter(|a| a.source == Source::Action(action))
            .find_map(|a| self.adapter.at_send(&a.restrains))
    }

    /// The newest record of the change: the reconciler keeps drift left as
    /// it is only while it lasts, and forgets a change's drift once modpod
    /// lifts what it applied.
    fn drifted(
        &self,
        records: &[modpod_store::Drifted],
        change: &modpod_server::enforcement::Change,
    ) -> Option<modpod_server::enforcement::Drifted> {
        let newest = records
            .iter()
            .filter(|d| d.account == change.account && d.kind == change.kind)
            .max_by_key(|d| d.seen_micros)?;
        Some(modpod_server::enforcement::Drifted {
            seen: Timestamp::from_microsecond(newest.seen_micros).ok()?,
            reapplied: newest.reapplied,
        })
    }

    fn drift_setting(&self) -> &'static str {
        self.drift_setting
    }

    fn trouble(&self, place: &str) -> Option<String> {
        self.status.trouble(place)
    }

    fn health(&self) -> modpod_server::enforcement::Health {
        let h = self.status.health();
        modpod_server::enforcement::Health {
            failing_passes: h.failing_passes,
            failing_places: h.failing_places,
            steps_applied: h.steps_applied,
            steps_failed: h.steps_failed,
        }
    }
}
