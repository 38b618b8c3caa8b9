//! `modpod serve`: opens the log, rebuilds the state, makes the first operator on
//! first start, and serves HTTP until SIGINT or SIGTERM, then writes a snapshot.
//! With `--policy-listen` it also answers Postfix policy requests from a
//! decision index that follows the log; with `--mailman-url` it keeps Mailman
//! lists in line with the actions in force (see `enforce.rs`); with
//! `--smtp-url` it sends the notifications the log owes by email
//! (`modpod_notify::Worker`); with `--oidc-issuer` it offers login through
//! an OpenID Connect provider (`modpod_server::oidc`). It fetches the
//! evidence links of each action once (`modpod_server::evidence`).

use anyhow::Context;
use jiff::Timestamp;
use modpod_enforce::{Index, Policy, PolicyConfig, serve_policy};
use modpod_notify::{Mail, StateSource, Waker, Worker};
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command};
use modpod_server::http::{App, AppParts, router};
use modpod_server::oidc::{Oidc, OidcConfig};
use modpod_server::{Engine, accounts};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// Prints a line for whoever started modpod. They may be gone by now (a
/// closed stdout): that is no reason to fail a start or a clean shutdown, so
/// unlike `println!` this never panics.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// The person id of the operator created on first start.
const FIRST_OPERATOR: &str = "admin";

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, env = "MODPOD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// A reverse proxy in front of modpod, by address or network (e.g.
    /// 127.0.0.1, 10.0.0.0/8); repeat the flag, or separate them by commas
    /// in the variable or the file. From these peers the client's address
    /// (for the login limits) is the right-most in X-Forwarded-For that is not
    /// itself a trusted proxy; from any other peer the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "MODPOD_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "ADDRESS"
    )]
    trusted_proxies: Vec<modpod_server::http::auth::TrustedProxy>,
    /// Record at most this many commands that arrive together in one
    /// transaction (group commit); 1 records each in its own.
    #[arg(long, env = "MODPOD_COMMIT_GROUP", default_value_t = modpod_server::commit::MAX_GROUP as u64,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    commit_group: u64,
    /// Also answer Postfix policy requests (`check_policy_service`) here.
    #[arg(long, env = "MODPOD_POLICY_LISTEN")]
    policy_listen: Option<SocketAddr>,
    /// Close a policy connection idle for this many seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    policy_idle_seconds: u64,
    /// Keep at most this many policy connections open: a new one beyond
    /// takes the place of the one idle longest.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    policy_max_connections: u64,
    /// The SMTP stage at which posts are counted against rate limits (the
    /// `protocol_state` of the restriction list that asks: RCPT or DATA).
    #[arg(long, default_value = "RCPT")]
    policy_count_state: String,
    /// Answer DUNNO rather than HOLD for posts under review and approval,
    /// because the list manager (Mailman) holds them itself.
    #[arg(long)]
    policy_mailman_holds: bool,
    /// On an internal failure answer DEFER_IF_PERMIT (try later) rather than
    /// DUNNO (let the post through).
    #[arg(long)]
    policy_fail_closed: bool,
    #[command(flatten)]
    software: crate::enforce::EnforceArgs,
    /// Send the notifications the policy owes by email through this SMTP
    /// server: smtp://HOST:PORT (plain, for a relay on this machine),
    /// smtp://HOST:PORT?tls=required (STARTTLS) or smtps://HOST:PORT (TLS);
    /// USER:PASSWORD@ before the host to log in. Without it, owed
    /// notifications wait in the log until a node sends them.
    #[arg(long, env = "MODPOD_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The From address of notifications, e.g. "IETF moderators <moderators@ietf.org>".
    #[arg(long, env = "MODPOD_MAIL_FROM")]
    mail_from: Option<String>,
    /// A directory of mail templates replacing the built-in ones, with the
    /// same file names (e.g. action-taken/person.txt).
    #[arg(long, env = "MODPOD_MAIL_TEMPLATES")]
    mail_templates: Option<PathBuf>,
    /// The address of a group, as GROUP=ADDRESS (repeat the flag; separate
    /// them by commas in the variable). Groups: moderators, community, iesg,
    /// iab, ietf-chair, llc-board, ombudsteam, and fora (for fora whose id is
    /// not an email address). A group without one is mailed at its members'
    /// own addresses; the community channel needs one.
    #[arg(
        long = "mail-address",
        env = "MODPOD_MAIL_ADDRESSES",
        value_delimiter = ',',
        value_name = "GROUP=ADDRESS"
    )]
    mail_addresses: Vec<String>,
    /// Offer login through this OpenID Connect provider, by its issuer URL
    /// (for the IETF Datatracker: https://datatracker.ietf.org/api/openid).
    /// Needs --oidc-client-id, --oidc-client-secret and --public-url.
    #[arg(long, env = "MODPOD_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// The client id modpod is registered with at the provider.
    #[arg(long, env = "MODPOD_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// The client secret that goes with it (better in the environment or the
    /// configuration file than on the command line).
    #[arg(long, env = "MODPOD_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// The provider's name on the login page ("Log in with ...").
    #[arg(
        long,
        env = "MODPOD_OIDC_PROVIDER_NAME",
        default_value = "IETF Datatracker"
    )]
    oidc_provider_name: String,
    /// modpod's public base URL, as browsers reach it (e.g.
    /// https://modpod.ietf.org); the redirect URI to register at the provider
    /// is this followed by /login/oidc/callback.
    #[arg(long, env = "MODPOD_PUBLIC_URL")]
    public_url: Option<String>,
    #[command(flatten)]
    audit: crate::audit::AuditArgs,
    /// The transparency log's name on its checkpoints, for its first signing
    /// key (default: the host of --public-url, else this host's name,
    /// followed by /modpod).
    #[arg(long, env = "MODPOD_AUDIT_ORIGIN")]
    audit_origin: Option<String>,
    /// A witness asked to cosign each checkpoint, by its base URL (repeat the
    /// flag; separate them by commas in the variable).
    #[arg(
        long = "audit-witness",
        env = "MODPOD_AUDIT_WITNESSES",
        value_delimiter = ',',
        value_name = "URL"
    )]
    audit_witnesses: Vec<String>,
    /// Publish a checkpoint this often, in seconds, when the log has grown
    /// (and at once whenever a notice needs a receipt).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    audit_every: u64,
    /// Keep working groups, their lists, chairs, delegates and ADs in step
    /// with the Datatracker at this base URL (e.g.
    /// https://datatracker.ietf.org), as `modpod sync datatracker` does, at
    /// start and every --datatracker-every seconds. Off without it.
    #[arg(long, env = "MODPOD_DATATRACKER_SYNC_URL")]
    datatracker_url: Option<String>,
    /// How often the Datatracker is read, in seconds.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(60..=604_800))]
    datatracker_every: u64,
    /// Do not fetch the evidence links of actions as they are recorded
    /// (EVIDENCE-1); `modpod evidence check` fetches them then.
    #[arg(long, env = "MODPOD_NO_EVIDENCE_FETCH")]
    no_evidence_fetch: bool,
}

impl Args {
    /// Login through OpenID Connect, if it is configured: all of issuer,
    /// client id, client secret and public URL, or none of them.
    fn oidc(&self) -> anyhow::Result<Option<Oidc>> {
        let given = [
            ("--oidc-issuer", self.oidc_issuer.as_ref()),
            ("--oidc-client-id", self.oidc_client_id.as_ref()),
            ("--oidc-client-secret", self.oidc_client_secret.as_ref()),
            ("--public-url", self.public_url.as_ref()),
        ];
        let missing: Vec<&str> = given
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        if self.oidc_issuer.is_none() {
            if self.oidc_client_id.is_some() || self.oidc_client_secret.is_some() {
                anyhow::bail!(
                    "--oidc-client-id and --oidc-client-secret need --oidc-issuer (or MODPOD_OIDC_ISSUER)"
                );
            }
            return Ok(None);
        }
        let (Some(issuer), Some(client_id), Some(client_secret), Some(base_url)) =
            (given[0].1, given[1].1, given[2].1, given[3].1)
        else {
            anyhow::bail!(
                "login through OpenID Connect (--oidc-issuer) also needs {}",
                missing.join(", ")
            );
        };
        let oidc = Oidc::new(OidcConfig {
            issuer: issuer.clone(),
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            base_url: base_url.clone(),
            provider_name: self.oidc_provider_name.clone(),
        })
        .context("setting up login through OpenID Connect")?;
        Ok(Some(oidc))
    }

    fn policy_config(&self) -> PolicyConfig {
        PolicyConfig {
            idle_timeout: Duration::from_secs(self.policy_idle_seconds),
            max_connections: usize::try_from(self.policy_max_connections).unwrap_or(usize::MAX),
            count_state: self.policy_count_state.to_ascii_uppercase(),
            mailman_holds: self.policy_mailman_holds,
            fail_closed: self.policy_fail_closed,
            ..PolicyConfig::default()
        }
    }

    /// How to send notifications, if they are to be sent by email.
    fn mail_config(&self) -> anyhow::Result<Option<modpod_notify::Config>> {
        let Some(smtp_url) = &self.smtp_url else {
            return Ok(None);
        };
        let from = self.mail_from.clone().context(
            "--smtp-url needs --mail-from (or MODPOD_MAIL_FROM): the From address of notifications",
        )?;
        Ok(Some(modpod_notify::Config {
            smtp_url: smtp_url.clone(),
            from,
            templates: self.mail_templates.clone(),
            addresses: self.mail_addresses.clone(),
            backoff: modpod_notify::Backoff::default(),
            // Links in notifications lead to modpod's pages, as browsers
            // reach them.
            public_url: Some(
                self.public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{}", self.listen)),
            ),
        }))
    }
}

pub fn serve(db: &str, args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // OpenID Connect and mail settings are checked before anything is opened
    // or recorded.
    let oidc = args.oidc()?;
    let registry_client = args
        .datatracker_url
        .as_deref()
        .map(modpod_datatracker::Client::new)
        .transpose()
        .context("--datatracker-url")?;
    let mail = match args.mail_config()? {
        Some(config) => Some((
            Mail::new(&config).context("setting up notifications by email")?,
            config.from,
        )),
        None => None,
    };
    // The store is opened before the async runtime exists: its PostgreSQL client
    // is synchronous and must never block a runtime thread.
    let mut engine = crate::open_engine_without_snapshot(db)?;
    // The snapshot a long replay calls for is written once modpod listens,
    // from the view just published, on a thread of its own.
    let snapshot = engine
        .snapshot_due()
        .then(|| engine.snapshot_writer())
        .flatten();
    if engine.head().seq == 0 {
        first_start(&mut engine)?;
    }
    // The team's drafts are checked against the texts this deployment
    // sends (TEMPLATE-1).
    let templates = modpod_notify::Templates::load(args.mail_templates.as_deref())
        .context("reading the mail templates")?;
    engine.use_templates(Arc::new(templates));
    let events = engine.head().seq;
    let audit = match args.audit.locations(db)? {
        Some(locations) => {
            let origin = args
                .audit_origin
                .clone()
                .unwrap_or_else(|| crate::audit::default_origin(args.public_url.as_deref()));
            let public_url = format!(
                "{}/audit",
                args.public_url.as_deref().map_or_else(
                    || format!("http://{}", args.listen),
                    |u| u.trim_end_matches('/').to_owned()
                )
            );
            let (audit, created) = crate::audit::AuditLog::open(
                db,
                locations,
                &origin,
                &args.audit_witnesses,
                public_url,
            )?;
            if created {
                say!(
                    "transparency log: created its keys; its verifier key is {}",
                    audit.verifier_key()
                );
            }
            say!(
                "transparency log: checkpoints in {}, served at /audit/, verifier key {}",
                audit.dir().display(),
                audit.verifier_key()
            );
            Some(Arc::new(Mutex::new(audit)))
        }
        None => {
            say!("transparency log: off (with PostgreSQL, give --audit-dir and --audit-keys)");
            None
        }
    };
    let adapters = args.software.adapters()?;
    let trusted_proxies = args.trusted_proxies.clone();
    // The decision index follows every event the engine applies: those this
    // process records and those other processes append (see `follow_the_log`).
    let index = Arc::new(RwLock::new(Index::build(engine.state())));
    engine.observe(Box::new({
        let index = index.clone();
        move |state, event| {
            index
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .apply(state, event)
        }
    }));
    // Each kind of forum software's worker is told which of its places each
    // applied event affects, and keeps its ledger on a connection of its own.
    let forum_software: Vec<Arc<dyn modpod_server::enforcement::ForumSoftware>> = adapters
        .iter()
        .map(|configured| {
            Arc::new(crate::enforce::Driven {
                adapter: configured.reconciler.adapter.clone(),
                index: index.clone(),
                drift_setting: configured.drift_setting,
                status: configured.status.clone(),
            }) as Arc<dyn modpod_server::enforcement::ForumSoftware>
        })
        .collect();
    let mut workers = Vec::new();
    for configured in adapters {
        let (places, changed) = tokio::sync::mpsc::unbounded_channel();
        let adapter = configured.reconciler.adapter.clone();
        engine.observe(Box::new(move |state, event| {
            let affected = adapter.affected(state, event);
            if !affected.is_empty() {
                let _ = places.send(affected);
            }
        }));
        let ledger = modpod_store::open(db).context("opening the log for forum software")?;
        workers.push((configured, ledger, changed));
    }
    // The notification worker is woken by every notification the engine
    // applies, and sends from a store connection of its own.
    let waker = Waker::new();
    let mail = match mail {
        Some((mail, from)) => {
            engine.observe(Box::new(waker.observer()));
            let store = modpod_store::open(db).context("opening the log for notifications")?;
            Some((mail, from, store))
        }
        None => None,
    };
    // The evidence worker is woken by every action recorded with evidence,
    // fetches its links once and records what it found (EVIDENCE-1).
    let evidence = if args.no_evidence_fetch {
        None
    } else {
        let fetcher = modpod_server::evidence::Fetcher::new(Default::default())
            .context("setting up the evidence fetcher")?;
        let wake = Arc::new(tokio::sync::Notify::new());
        engine.observe(modpod_server::evidence::observer(wake.clone()));
        Some((fetcher, wake))
    };
    let watch = engine.store().watch().context("watching the log")?;
    let engine = Arc::new(Mutex::new(engine));
    let notifier = mail.map(|(mail, from, store)| {
        let state: StateSource = Arc::new({
            let engine = engine.clone();
            move |read| {
                read(
                    engine
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .state(),
                )
            }
        });
        say!("notifications are sent by email, from {from}");
        let worker = Worker::new(mail, store, state, waker);
        match &audit {
            Some(audit) => {
                let (engine, audit) = (engine.clone(), audit.clone());
                worker.with_receipts(Arc::new(move |notification| {
                    let seq = engine
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .notification_seq(notification)?;
                    audit
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .receipt_footer(seq)
                }))
            }
            None => worker,
        }
    });
    let stopping = Arc::new(AtomicBool::new(false));
    // What the posts it lets through show (CIRCUMVENT-1, REPORT-6) is
    // recorded on a thread of its own, never while a post waits.
    let (noticed, to_record) = modpod_server::noticed::queue();
    let policy = Arc::new(Policy::new(index.clone(), args.policy_config()).reporting_to(noticed));
    let recorder = std::thread::Builder::new()
        .name("record-what-posts-show".into())
        .spawn({
            let (engine, stopping) = (engine.clone(), stopping.clone());
            move || modpod_server::noticed::run(&engine, &to_record, &stopping)
        })?;
    let registry_report = Arc::new(RwLock::new(None));
    let registry_sync = match registry_client {
        Some(client) => {
            say!(
                "the registry of groups follows the Datatracker at {}, every {} s",
                client.base(),
                args.datatracker_every
            );
            Some(
                std::thread::Builder::new()
                    .name("registry-sync".into())
                    .spawn({
                        let (engine, stopping) = (engine.clone(), stopping.clone());
                        let report = registry_report.clone();
                        let every = Duration::from_secs(args.datatracker_every);
                        move || sync_registry(&client, &engine, &report, every, &stopping)
                    })?,
            )
        }
        None => None,
    };
    // Made before the scheduler starts: it takes the engine's lock once, and
    // the scheduler's first round may hold it for a long time (everything
    // that fell due while modpod was stopped), which start-up need not wait for.
    let app = AppParts::new(engine.clone(), policy.clone());
    let scheduler = std::thread::Builder::new()
        .name("scheduler".into())
        .spawn({
            let (engine, stopping) = (engine.clone(), stopping.clone());
            move || schedule(&engine, &stopping)
        })?;
    // The transparency log's publisher starts once modpod listens (below):
    // its first round follows the log (all of it after a restart, a second
    // or more on a long one) holding the transparency log, which start-up
    // would otherwise wait for to set its address.
    let mut publisher = None;
    let publish_every = Duration::from_secs(args.audit_every);
    let audit_dir = audit.as_ref().map(|a| {
        a.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .dir()
            .to_owned()
    });
    let follower = std::thread::Builder::new()
        .name("follow-the-log".into())
        .spawn({
            let (engine, stopping) = (engine.clone(), stopping.clone());
            move || follow_the_log(&engine, watch, &stopping)
        })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut snapshotting = None;
    runtime.block_on(async {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|&s| s).await;
        };
        let policy_server = match args.policy_listen {
            Some(addr) => {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen for policy requests on {addr}"))?;
                say!("policy server listening on {}", listener.local_addr()?);
                Some(tokio::spawn(serve_policy(
                    listener,
                    policy.clone(),
                    until_stopped(stopped.clone()),
                )))
            }
            None => None,
        };
        for (configured, ledger, changed) in workers {
            crate::enforce::spawn_worker(
                &configured,
                ledger,
                engine.clone(),
                index.clone(),
                changed,
                stopped.clone(),
            );
        }
        if let Some((fetcher, wake)) = evidence {
            tokio::spawn(modpod_server::evidence::run(
                engine.clone(),
                fetcher,
                wake,
                stopped.clone(),
            ));
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        if let (Some(audit), None) = (&audit, &args.public_url) {
            audit
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .set_public_url(format!("http://{addr}/audit"));
        }
        if let Some(audit) = &audit {
            publisher = Some(
                std::thread::Builder::new()
                    .name("transparency-log".into())
                    .spawn({
                        let (audit, stopping) = (audit.clone(), stopping.clone());
                        move || crate::audit::run_publisher(&audit, publish_every, &stopping)
                    })?,
            );
        }
        // A node is its host and HTTP address: no two running nodes share
        // both, and a node restarted after a crash takes its lease back.
        let notifier = notifier.map(|worker| {
            let host = hostname::get()
                .map_or_else(|_| "localhost".into(), |h| h.to_string_lossy().into_owned());
            tokio::spawn(worker.run(format!("{host}/{addr}"), stopped.clone()))
        });
        if !trusted_proxies.is_empty() {
            let list: Vec<String> = trusted_proxies.iter().map(ToString::to_string).collect();
            say!("believing X-Forwarded-For from {}", list.join(", "));
        }
        let mut app = App::from(AppParts {
            sends_notifications: notifier.is_some(),
            forum_software,
            audit_dir,
            trusted_proxies: trusted_proxies.into(),
            registry_report,
            public_url: args.public_url.as_deref().map(Arc::from),
            committer: app
                .committer
                .clone()
                .with_max_group(usize::try_from(args.commit_group).unwrap_or(1)),
            ..app
        });
        if let Some(oidc) = oidc {
            say!(
                "login with {} through OpenID Connect; its redirect URI is {}",
                oidc.name(),
                oidc.redirect_uri()
            );
            app = app.with_oidc(oidc);
            // Discover the provider now, without waiting for it: a provider
            // that is down only makes this way of logging in unavailable.
            if let Some(oidc) = app.oidc.clone() {
                tokio::spawn(async move { oidc.available().await });
            }
        }
        let app = router(app);
        say!(
            "modpod listening on http://{addr} ({db}, {events} events, ready in {} ms)",
            started.elapsed().as_millis()
        );
        snapshotting = snapshot
            .map(|writer| {
                let db = db.to_owned();
                std::thread::Builder::new()
                    .name("snapshot".into())
                    .spawn(move || write_snapshot(&db, writer))
            })
            .transpose()?;
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(until_stopped(stopped))
        .await
        .context("serving HTTP");
        if let Some(policy_server) = policy_server {
            let _ = policy_server.await;
        }
        if let Some(notifier) = notifier {
            let _ = notifier.await;
        }
        served
    })?;
    drop(runtime);
    stopping.store(true, Ordering::Relaxed);
    let _ = follower.join();
    let _ = scheduler.join();
    let _ = recorder.join();
    if let Some(registry_sync) = registry_sync {
        let _ = registry_sync.join();
    }
    if let Some(publisher) = publisher {
        let _ = publisher.join();
    }
    // The snapshot after a long replay is finished first: the one at
    // shutdown is then written only if the log has moved since.
    if let Some(snapshotting) = snapshotting {
        let _ = snapshotting.join();
    }
    let mut engine = engine.lock().unwrap_or_else(|p| p.into_inner());
    engine
        .snapshot()
        .context("writing a snapshot at shutdown")?;
    say!(
        "modpod stopped; snapshot written at event {}",
        engine.head().seq
    );
    Ok(ExitCode::SUCCESS)
}

/// How often the scheduler looks for what falls due.
const SCHEDULE_EVERY: Duration = Duration::from_secs(30);

/// Records, as `system`, what falls due with time (escalations, ends of
/// temporary actions, digests, reminders): at start and every
/// [`SCHEDULE_EVERY`]. Several nodes may run it at once (see
/// `modpod_server::scheduler`).
fn schedule(engine: &Mutex<Engine>, stopping: &AtomicBool) {
    while !stopping.load(Ordering::Relaxed) {
        let passed = modpod_server::scheduler::tick(engine, Timestamp::now());
        if let Err(error) = passed {
            tracing::warn!(%error, "the scheduler could not record what fell due; trying again later");
        }
        let next = Instant::now() + SCHEDULE_EVERY;
        while Instant::now() < next && !stopping.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// Keeps the registry of groups in step with the Datatracker (FORUM-5): reads
/// it without holding the engine, then records what changed, on behalf of
/// the first operator; keeps the report for the operators' page. A
/// Datatracker that cannot be read is tried again at the next interval.
fn sync_registry(
    client: &modpod_datatracker::Client,
    engine: &Mutex<Engine>,
    report: &RwLock<Option<modpod_server::registry::Report>>,
    every: Duration,
    stopping: &AtomicBool,
) {
    let mut sync = modpod_server::registry::Sync::new();
    while !stopping.load(Ordering::Relaxed) {
        match client.registry(&mut |_| {}) {
            Err(error) => {
                tracing::warn!(%error, "cannot read the Datatracker; trying again later");
            }
            Ok(registry) => {
                let mut engine = engine.lock().unwrap_or_else(PoisonError::into_inner);
                let operator = crate::setup::first_operator(engine.state());
                let synced = operator.map(|operator| {
                    sync.run(&mut engine, &registry, &operator, false, Timestamp::now())
                });
                match synced {
                    None => tracing::warn!("no operator to sync the registry of groups for"),
                    Some(Ok(done)) => {
                        tracing::info!(
                            changes = done.changes.len(),
                            conflicts = done.conflicts.len(),
                            skipped = done.skipped.len(),
                            refused = done.refused.len(),
                            "synchronised the registry of groups with the Datatracker"
                        );
                        *report.write().unwrap_or_else(PoisonError::into_inner) = Some(done);
                    }
                    Some(Err(error)) => {
                        tracing::warn!(%error, "cannot record the registry of groups; trying again later");
                    }
                }
            }
        }
        let next = Instant::now() + every;
        while Instant::now() < next && !stopping.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// How long the follower waits for a wake-up before catching up anyway.
const FOLLOW_AT_LEAST_EVERY: Duration = Duration::from_secs(1);

/// Keeps this process's state (and so its decision index) current with
/// events other processes append: woken by the store's watch (PostgreSQL
/// `NOTIFY`, SQLite's `data_version`), it catches up at once, and at least
/// every second in case a wake-up was lost. A plain thread, because the
/// stores are synchronous.
fn follow_the_log(
    engine: &Mutex<Engine>,
    mut watch: Box<dyn modpod_store::LogWatch>,
    stopping: &AtomicBool,
) {
    let mut failing = false;
    while !stopping.load(Ordering::Relaxed) {
        if let Err(error) = watch.wait(FOLLOW_AT_LEAST_EVERY) {
            tracing::warn!(%error, "lost the watch on the log; watching anew");
            std::thread::sleep(FOLLOW_AT_LEAST_EVERY);
            let mut engine = engine.lock().unwrap_or_else(|p| p.into_inner());
            match engine.store().watch() {
                Ok(renewed) => watch = renewed,
                Err(error) => tracing::warn!(%error, "cannot watch the log yet"),
            }
        }
        let mut engine = engine.lock().unwrap_or_else(|p| p.into_inner());
        match engine.catch_up(&mut |_| {}) {
            Ok(_) if failing => {
                tracing::info!("caught up with the log again");
                failing = false;
            }
            Ok(_) => {}
            Err(error) => {
                if !failing {
                    tracing::warn!(%error, "cannot catch up with the log");
                }
                failing = true;
            }
        }
    }
}

/// Makes the first operator and their login account, and prints the password,
/// once: only its argon2 hash is kept.
fn first_start(engine: &mut Engine) -> anyhow::Result<()> {
    let operator = PersonId::parse(FIRST_OPERATOR)?;
    let actor = Actor::new(operator.clone(), Capacity::Operator);
    let command = Command::Bootstrap {
        operator,
        name: "modpod operator".into(),
    };
    match engine.execute(&actor, &command, Timestamp::now()) {
        // Another node started first on the same log, and made the operator.
        Err(modpod_server::EngineError::Refused(_)) if engine.head().seq > 0 => return Ok(()),
        other => other?,
    };
    let password = accounts::random_password();
    accounts::create(engine.store(), FIRST_OPERATOR, FIRST_OPERATOR, &password)?;
    say!("first start: created the operator {FIRST_OPERATOR:?} and its account.");
    say!("  log in as {FIRST_OPERATOR:?} with the password {password}");
    say!("  (shown only now: modpod keeps only its argon2 hash)");
    say!("  set up fora, people and roles with:  modpod setup examples/ietf.toml");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Writes the snapshot a long replay called for, on a store connection of
/// its own, while modpod serves. A failure is only logged: the next start-up
/// replays more.
fn write_snapshot(db: &str, writer: modpod_server::engine::SnapshotWriter) {
    let started = Instant::now();
    let seq = writer.seq();
    let written = modpod_store::open(db)
        .map_err(anyhow::Error::from)
        .and_then(|mut store| Ok(writer.write(store.as_mut())?));
    match written {
        Ok(()) => tracing::info!(seq, ms = started.elapsed().as_millis(), "snapshot written"),
        Err(e) => tracing::warn!(seq, "no snapshot written after the replay: {e:#}"),
    }
}

/// `modpod snapshot`.
pub fn snapshot(db: &str) -> anyhow::Result<ExitCode> {
    let mut engine = crate::open_engine(db)?;
    engine.snapshot()?;
    say!("snapshot written at event {}", engine.head().seq);
    Ok(ExitCode::SUCCESS)
}
