//! `modpod enforce reconcile` and the forum software workers of `modpod
//! serve`: actions enforced on every kind of forum software modpod drives,
//! each through the one adapter contract (`modpod_adapter`). Adding a kind
//! is its adapter crate and one entry in [`EnforceArgs::adapters`].

use anyhow::Context;
use jiff::Timestamp;
use modpod_adapter::{Adapter, OnDrift, Reconciler, Report, Wanted, Worker};
use modpod_enforce::{Index, Source};
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

/// How to reach a Matrix homeserver, for `serve` and `enforce`.
#[derive(clap::Args, Clone)]
pub struct MatrixArgs {
    /// A Matrix homeserver's client API, e.g. https://matrix.example.org:
    /// in the rooms of chat fora named `matrix:!room:server`, suspensions
    /// become room bans and review and approval a mute (power level).
    #[arg(long, env = "MODPOD_MATRIX_URL")]
    pub matrix_url: Option<String>,
    /// The access token of the account modpod acts as, a moderator of those
    /// rooms (better given in the environment).
    #[arg(long, env = "MODPOD_MATRIX_TOKEN", hide_env_values = true)]
    pub matrix_token: Option<String>,
    /// When a ban or mute modpod applied was removed by hand while its action
    /// still applies: `reapply` it, or only `record` it.
    #[arg(long, env = "MODPOD_MATRIX_DRIFT", default_value = "reapply")]
    pub matrix_drift: OnDrift,
}

/// How to reach Zulip, for `serve` and `enforce`.
#[derive(clap::Args, Clone)]
pub struct ZulipArgs {
    /// A Zulip organisation (6.0 or later), e.g. https://zulip.example.org:
    /// a suspension from a chat forum named `zulip:CHANNEL` stops the person
    /// posting there (from Zulip 10.0 through the channel's `modpod: may post
    /// in #CHANNEL` group, prepared once per channel; before it by removal
    /// from a private channel, and a public channel is refused).
    #[arg(long, env = "MODPOD_ZULIP_URL")]
    pub zulip_url: Option<String>,
    /// The email of the administrator account modpod acts as (from Zulip
    /// 10.0 not a bot: bots cannot read user groups).
    #[arg(long, env = "MODPOD_ZULIP_EMAIL")]
    pub zulip_email: Option<String>,
    /// That account's API key (better given in the environment).
    #[arg(long, env = "MODPOD_ZULIP_API_KEY", hide_env_values = true)]
    pub zulip_api_key: Option<String>,
}

/// How to reach GitHub, for `serve` and `enforce`.
#[derive(clap::Args, Clone)]
pub struct GitHubArgs {
    /// GitHub's REST API (https://api.github.com, or https://HOST/api/v3):
    /// a suspension from a forum of kind `github-organisation` named
    /// `github:ORG` blocks the person's GitHub accounts in ORG.
    #[arg(long, env = "MODPOD_GITHUB_URL")]
    pub github_url: Option<String>,
    /// A token allowed to block users in those organisations and to set
    /// the interaction limits of the repositories (better given in the
    /// environment).
    #[arg(long, env = "MODPOD_GITHUB_TOKEN", hide_env_values = true)]
    pub github_token: Option<String>,
    /// Who may still interact with a repository (a forum of kind
    /// `github-repository` named `github:OWNER/REPO`) while an action's
    /// cool-down lasts: existing_users, contributors_only or
    /// collaborators_only.
    #[arg(long, env = "MODPOD_GITHUB_COOL_DOWN", default_value = "contributors_only",
          value_parser = interaction_group)]
    pub github_cool_down: modpod_github::InteractionGroup,
}

fn interaction_group(text: &str) -> Result<modpod_github::InteractionGroup, String> {
    modpod_github::InteractionGroup::ALL
        .into_iter()
        .find(|g| g.as_str() == text)
        .ok_or_else(|| {
            format!("{text:?}: give existing_users, contributors_only or collaborators_only")
        })
}

/// Software told by signed webhooks, for `serve` and `enforce`.
#[derive(clap::Args, Clone)]
pub struct WebhookArgs {
    /// Send what starts and ends on the fora of a kind as signed webhooks
    /// (Standard Webhooks) to a URL, as KIND=URL (e.g.
    /// wiki=https://wiki.example/modpod); repeat the flag, or separate them
    /// by commas in the variable.
    #[arg(
        long = "webhook",
        env = "MODPOD_WEBHOOKS",
        value_delimiter = ',',
        value_name = "KIND=URL"
    )]
    pub webhooks: Vec<String>,
    /// The signing secret the receivers share, `whsec_` then base64.
    #[arg(long, env = "MODPOD_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
}

/// The forum software modpod drives, for `serve` and `enforce`.
#[derive(clap::Args, Clone)]
pub struct EnforceArgs {
    #[command(flatten)]
    pub mailman: MailmanArgs,
    #[command(flatten)]
    pub matrix: MatrixArgs,
    #[command(flatten)]
    pub zulip: ZulipArgs,
    #[command(flatten)]
    pub github: GitHubArgs,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
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
        if let Some(url) = &self.mailman.mailman_url {
            let password = self.mailman.mailman_password.as_deref().context(
                "--mailman-url needs --mailman-password (or MODPOD_MAILMAN_PASSWORD): Mailman's REST API password",
            )?;
            let client = modpod_mailman::Client::new(url, &self.mailman.mailman_user, password);
            let checked = client.clone();
            adapters.push(Configured {
                status: Arc::default(),
                at: format!("Mailman at {}", client.base()),
                reconciler: Reconciler::new(
                    Arc::new(modpod_mailman::Mailman { client }),
                    self.mailman.mailman_drift,
                ),
                check: Box::new(move || checked.check().map_err(|e| e.to_string())),
                drift_setting: "--mailman-drift record",
            });
        }
        if let Some(url) = &self.matrix.matrix_url {
            let token = self.matrix.matrix_token.as_deref().context(
                "--matrix-url needs --matrix-token (or MODPOD_MATRIX_TOKEN): the access token modpod acts with",
            )?;
            let client = modpod_matrix::Client::new(url, token);
            let checked = client.clone();
            adapters.push(Configured {
                status: Arc::default(),
                at: format!("Matrix at {}", client.base()),
                reconciler: Reconciler::new(
                    Arc::new(modpod_matrix::Matrix { client }),
                    self.matrix.matrix_drift,
                ),
                check: Box::new(move || checked.whoami().map(|_| ()).map_err(|e| e.to_string())),
                drift_setting: "--matrix-drift record",
            });
        }
        if let Some(url) = &self.zulip.zulip_url {
            let (Some(email), Some(key)) = (&self.zulip.zulip_email, &self.zulip.zulip_api_key)
            else {
                anyhow::bail!(
                    "--zulip-url needs --zulip-email and --zulip-api-key (or MODPOD_ZULIP_EMAIL and MODPOD_ZULIP_API_KEY)"
                );
            };
            let zulip = || modpod_zulip::Zulip {
                client: modpod_zulip::Client::new(url, email, key),
            };
            let (checked, zulip) = (zulip(), zulip());
            adapters.push(Configured {
                status: Arc::default(),
                at: format!("Zulip at {url}"),
                reconciler: Reconciler::new(Arc::new(zulip), OnDrift::Reapply),
                check: Box::new(move || checked.check().map(|_| ()).map_err(|e| e.to_string())),
                drift_setting: "",
            });
        }
        if let Some(url) = &self.github.github_url {
            let token = self
                .github
                .github_token
                .as_deref()
                .context("--github-url needs --github-token (or MODPOD_GITHUB_TOKEN)")?;
            let client = modpod_github::Client::new(url, token);
            let checked = client.clone();
            adapters.push(Configured {
                status: Arc::default(),
                at: format!("GitHub at {}", client.base()),
                reconciler: Reconciler::new(
                    Arc::new(modpod_github::GitHub {
                        client,
                        cool_down: self.github.github_cool_down,
                    }),
                    OnDrift::Reapply,
                ),
                check: Box::new(move || checked.check().map(|_| ()).map_err(|e| e.to_string())),
                drift_setting: "",
            });
        }
        for webhook in &self.webhooks.webhooks {
            let (kind, url) = webhook
                .split_once('=')
                .filter(|(kind, url)| !kind.is_empty() && url.starts_with("http"))
                .with_context(|| {
                    format!("--webhook {webhook:?}: give KIND=URL, e.g. wiki=https://wiki.example/modpod")
                })?;
            let secret = self.webhooks.webhook_secret.as_deref().context(
                "--webhook needs --webhook-secret (or MODPOD_WEBHOOK_SECRET): whsec_ followed by base64",
            )?;
            let hooks = modpod_webhook::Webhooks::new(kind, url, secret)
                .map_err(|e| anyhow::anyhow!("--webhook-secret: {e}"))?;
            adapters.push(Configured {
                status: Arc::default(),
                at: format!("webhooks at {url} for the fora of kind {kind}"),
                reconciler: Reconciler::new(Arc::new(hooks), OnDrift::Reapply),
                check: Box::new(|| Ok(())),
                drift_setting: "",
            });
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

    fn place_noun(&self) -> &'static str {
        self.adapter.place_noun()
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
