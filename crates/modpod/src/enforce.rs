//! `modpod enforce reconcile` and the Mailman worker of `modpod serve`:
//! actions enforced on GNU Mailman 3 lists (see `modpod-mailman`).

use anyhow::Context;
use jiff::Timestamp;
use modpod_enforce::{Index, Source};
use modpod_mailman::{Client, OnDrift, Reconciler, Report, Wanted, Worker};
use modpod_server::Engine;
use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{mpsc, watch};

/// How to reach Mailman, for `serve` and `enforce`.
#[derive(clap::Args, Clone)]
pub struct MailmanArgs {
    /// Mailman 3's REST API, e.g. http://127.0.0.1:8001: suspensions become
    /// list bans there and review and approval holds posts.
    #[arg(long, env = "MODPOD_MAILMAN_URL")]
    pub mailman_url: Option<String>,
    /// The REST API's user (`admin_user` in mailman.cfg).
    #[arg(long, env = "MODPOD_MAILMAN_USER", default_value = "restadmin")]
    pub mailman_user: String,
    /// The REST API's password (`admin_pass`); better given in the environment.
    #[arg(long, env = "MODPOD_MAILMAN_PASSWORD", hide_env_values = true)]
    pub mailman_password: Option<String>,
    /// When a ban or hold modpod applied was removed by hand while its action
    /// still applies: `reapply` it, or only `record` (report) it.
    #[arg(long, env = "MODPOD_MAILMAN_DRIFT", default_value = "reapply")]
    pub mailman_drift: OnDrift,
}

impl MailmanArgs {
    /// The reconciler these flags describe, or `None` without `--mailman-url`.
    pub fn reconciler(&self) -> anyhow::Result<Option<Reconciler>> {
        let Some(url) = &self.mailman_url else {
            return Ok(None);
        };
        let password = self.mailman_password.as_deref().context(
            "--mailman-url needs --mailman-password (or MODPOD_MAILMAN_PASSWORD): Mailman's REST API password",
        )?;
        Ok(Some(Reconciler {
            client: Client::new(url, &self.mailman_user, password),
            on_drift: self.mailman_drift,
        }))
    }
}

/// `modpod enforce reconcile`: every list once, printing each change and
/// any drift. Exits 1 if Mailman cannot be reached or refused a change, 2 if
/// drift is left in place (`--mailman-drift record`).
pub fn reconcile(db: &str, mailman: &MailmanArgs, dry_run: bool) -> anyhow::Result<ExitCode> {
    let reconciler = mailman
        .reconciler()?
        .context("say which Mailman to reconcile with --mailman-url (or MODPOD_MAILMAN_URL)")?;
    let mut engine = crate::open_engine(db)?;
    let wanted = Wanted::at(
        engine.state(),
        &Index::build(engine.state()),
        Timestamp::now(),
    );
    reconciler
        .client
        .check()
        .context("Mailman cannot be used; nothing was changed")?;
    let mut drift_left = 0;
    let summary = reconciler
        .reconcile(engine.store(), &wanted, None, dry_run, &mut |report| {
            if let Report::Drift { drift, .. } = report
                && !drift.reapplied
            {
                drift_left += 1;
            }
            println!("{}", report.line(dry_run));
        })
        .context("reconciling stopped; run it again once Mailman answers")?;
    let verb = if dry_run { "to make" } else { "made" };
    println!(
        "{} lists checked: {} changes {verb}, {} drift found, {} lists missing from Mailman, {} failed",
        summary.lists, summary.changes, summary.drift, summary.missing, summary.failed
    );
    Ok(if summary.failed > 0 {
        ExitCode::FAILURE
    } else if drift_left > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Starts the Mailman worker of `modpod serve`; `changed` brings the lists
/// that applied events affect. `ledger` is a store connection of its own.
pub fn spawn_worker(
    reconciler: Reconciler,
    ledger: Box<dyn modpod_store::EventStore>,
    engine: Arc<Mutex<Engine>>,
    index: Arc<RwLock<Index>>,
    changed: mpsc::UnboundedReceiver<BTreeSet<String>>,
    stop: watch::Receiver<bool>,
) {
    println!(
        "enforcing actions on Mailman at {}",
        reconciler.client.base()
    );
    let wanted_at = Arc::new(move |now| {
        // The same lock order as the catch-up: the engine, then the index.
        let engine = engine.lock().unwrap_or_else(|p| p.into_inner());
        let index = index.read().unwrap_or_else(|p| p.into_inner());
        Wanted::at(engine.state(), &index, now)
    });
    tokio::spawn(Worker::new(reconciler).run(ledger, wanted_at, changed, stop));
}

/// Mailman as the action page asks about it (`modpod_server::enforcement`):
/// a mailing list's forum is enforced on its list, and what should hold
/// there is what the worker wants ([`Wanted::at`]), from the same index.
pub struct MailmanLists {
    pub index: Arc<RwLock<Index>>,
}

impl modpod_server::enforcement::ForumSoftware for MailmanLists {
    fn name(&self) -> &'static str {
        "GNU Mailman"
    }

    fn target(&self) -> &'static str {
        modpod_mailman::TARGET
    }

    fn place(&self, forum: &modpod_policy::model::Forum) -> Option<String> {
        (forum.kind == modpod_mailman::MAILING_LIST)
            .then(|| modpod_mailman::list_id(&forum.id))
            .flatten()
    }

    fn wanted(
        &self,
        state: &modpod_policy::State,
        place: &str,
        now: Timestamp,
    ) -> std::collections::BTreeMap<modpod_server::enforcement::Change, modpod_policy::ids::ActionId>
    {
        use modpod_mailman::Kind;
        use modpod_server::enforcement::Change;
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let mut wanted = Wanted::at(state, &index, now);
        let Some(list) = wanted.lists.remove(place) else {
            return Default::default();
        };
        let change = |kind: Kind, account: String| Change {
            kind: kind.as_str().to_owned(),
            account,
        };
        // The action page asks about moderation actions; what an LLC action
        // asks for is left out (an action asking for the same change wins
        // it, as actions come first in `Source`'s order).
        let by_action = |source: Source| match source {
            Source::Action(id) => Some(id),
            Source::Llc(_) => None,
        };
        list.bans
            .into_iter()
            .map(|(email, source)| (change(Kind::Ban, email), source))
            .chain(
                list.holds
                    .into_iter()
                    .map(|(email, source)| (change(Kind::Hold, email), source)),
            )
            .filter_map(|(change, source)| Some((change, by_action(source)?)))
            .collect()
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
        "--mailman-drift record"
    }
}
