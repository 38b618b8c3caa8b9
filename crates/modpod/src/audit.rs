//! The public transparency log (AUDIT-2) in the `modpod` command:
//!
//! - `modpod serve` keeps a Merkle tree over commitments to the log's events
//!   and publishes tiles and signed checkpoints into a public directory
//!   (served at `/audit/`), every `--audit-every` seconds when the log grew
//!   and whenever a notice needs a receipt; witnesses named by
//!   `--audit-witness` cosign each checkpoint.
//! - `modpod audit check` and `modpod audit receipt` check, from that
//!   directory or its URL alone, that a checkpoint is signed, that it extends
//!   one kept from before, and that a receipt's event is on the record.
//! - `modpod witness` is a witness: it cosigns a log's checkpoints only when
//!   each extends the last one it saw.
//!
//! See `modpod_audit` for what is public and what a verifier learns.

use anyhow::{Context, bail};
use modpod_audit::cosign::{CosignatureVerifier, Cosigner};
use modpod_audit::witness::{MAX_REQUEST, Remote, SIZE_MEDIA_TYPE, Witness};
use modpod_audit::{LogKeys, PublishError, Publisher, Receipt, Source};
use modpod_store::EventStore;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// Where the transparency log's files are, for `serve` and `verify`.
#[derive(clap::Args, Clone, Default)]
pub struct AuditArgs {
    /// The transparency log's public directory (tiles and signed
    /// checkpoints, served at /audit/). Default: beside a SQLite log
    /// (modpod.db.audit); with PostgreSQL, none unless given, and then no
    /// checkpoints are published.
    #[arg(long, env = "MODPOD_AUDIT_DIR")]
    pub audit_dir: Option<PathBuf>,
    /// The transparency log's private keys (created at first start; keep them
    /// out of the public directory, and back them up). Default: beside a
    /// SQLite log (modpod.db.audit-keys).
    #[arg(long, env = "MODPOD_AUDIT_KEYS")]
    pub audit_keys: Option<PathBuf>,
}

impl AuditArgs {
    /// The public and private directories, or `None` when there are none.
    pub fn locations(&self, db: &str) -> anyhow::Result<Option<(PathBuf, PathBuf)>> {
        let sqlite = !(db.starts_with("postgres://") || db.starts_with("postgresql://"));
        let beside = |suffix: &str| {
            let path = db.strip_prefix("sqlite:").unwrap_or(db);
            PathBuf::from(format!("{path}.{suffix}"))
        };
        match (&self.audit_dir, &self.audit_keys, sqlite) {
            (Some(dir), Some(keys), _) => Ok(Some((dir.clone(), keys.clone()))),
            (dir, keys, true) => Ok(Some((
                dir.clone().unwrap_or_else(|| beside("audit")),
                keys.clone().unwrap_or_else(|| beside("audit-keys")),
            ))),
            (None, None, false) => Ok(None),
            (_, _, false) => {
                bail!(
                    "with PostgreSQL, the transparency log needs both --audit-dir and --audit-keys"
                )
            }
        }
    }
}

/// The transparency log of a running `modpod serve`: the publisher and the
/// store connection it follows the log on.
pub struct AuditLog {
    publisher: Publisher,
    store: Box<dyn EventStore>,
    /// Where the public files are reachable, for the notices' receipts.
    public_url: String,
}

impl AuditLog {
    /// Opens the keys (creating them at first start) and the public
    /// directory. The tree is built by the first [`AuditLog::publish`].
    pub fn open(
        db: &str,
        (dir, keys_dir): (PathBuf, PathBuf),
        origin: &str,
        witnesses: &[String],
        public_url: String,
    ) -> anyhow::Result<(AuditLog, bool)> {
        if dir.starts_with(&keys_dir) || keys_dir.starts_with(&dir) {
            bail!(
                "the audit keys ({}) must not be inside the public directory ({}) or hold it",
                keys_dir.display(),
                dir.display()
            );
        }
        let (keys, created) = LogKeys::open_or_create(&keys_dir, origin).with_context(|| {
            format!(
                "opening the transparency log's keys in {}",
                keys_dir.display()
            )
        })?;
        let publisher = Publisher::open(keys, &dir)?
            .with_witnesses(witnesses.iter().map(|w| Remote::new(w)).collect());
        let store = modpod_store::open(db).context("opening the log for the transparency log")?;
        Ok((
            AuditLog {
                publisher,
                store,
                public_url,
            },
            created,
        ))
    }

    pub fn verifier_key(&self) -> &str {
        self.publisher.verifier_key()
    }

    /// Where the public files are reachable, once the HTTP address is known.
    pub fn set_public_url(&mut self, url: String) {
        self.public_url = url;
    }

    pub fn dir(&self) -> &Path {
        self.publisher.dir()
    }

    /// Follows the log and publishes a checkpoint if it grew; returns the
    /// checkpoint's size when one was written.
    pub fn publish(&mut self) -> Result<Option<u64>, PublishError> {
        self.publisher.follow(self.store.as_mut())?;
        Ok(self.publisher.publish()?.map(|p| p.size))
    }

    /// The footer of a notice recorded by event `seq`: its receipt, and how
    /// to check it.
    pub fn receipt_footer(&mut self, seq: u64) -> Option<String> {
        if let Err(error) = self.publisher.follow(self.store.as_mut()) {
            tracing::warn!(%error, "the transparency log cannot follow the log; no receipt");
            return None;
        }
        let receipt = match self.publisher.receipt(seq) {
            Ok(receipt) => receipt?,
            Err(error) => {
                tracing::warn!(%error, "no receipt for event {seq}");
                return None;
            }
        };
        Some(format!(
            "-- \nThis notice is on modpod's public record, as event {seq}. To check that it is,\n\
             and that it stays there, keep the receipt below (from its first line to the\n\
             end) in a file, and run:\n\n    \
             modpod audit receipt FILE --log {url} --key {key}\n\n{text}",
            url = self.public_url,
            key = self.verifier_key(),
            text = receipt.to_text()
        ))
    }
}

/// Runs a serve node's transparency log until `stopping`: publishes at start
/// (building the tree from the log), every `every`, and at the end.
pub fn run_publisher(
    audit: &Mutex<AuditLog>,
    every: std::time::Duration,
    stopping: &std::sync::atomic::AtomicBool,
) {
    use std::sync::atomic::Ordering;
    let mut broken = false;
    loop {
        let stop = stopping.load(Ordering::Relaxed);
        let published = audit.lock().unwrap_or_else(|p| p.into_inner()).publish();
        match published {
            Ok(Some(size)) => tracing::debug!(size, "published a checkpoint"),
            Ok(None) => {}
            Err(error @ PublishError::Rewritten { .. }) => {
                if !broken {
                    tracing::error!(%error, "the transparency log refuses to publish");
                    eprintln!("modpod: {error}");
                }
                broken = true;
            }
            Err(error) => tracing::warn!(%error, "cannot publish a checkpoint; trying again"),
        }
        if stop {
            return;
        }
        let next = std::time::Instant::now() + every;
        while std::time::Instant::now() < next && !stopping.load(Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// The log's name on its checkpoints, for a new key: the host of the public
/// URL or this host's name, then `/modpod`.
pub fn default_origin(public_url: Option<&str>) -> String {
    let host = public_url
        .and_then(|u| u.split_once("://").map(|(_, rest)| rest))
        .map(|rest| rest.split(['/', ':']).next().unwrap_or(rest).to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| {
            hostname::get()
                .map_or_else(|_| "localhost".into(), |h| h.to_string_lossy().into_owned())
        });
    format!("{host}/modpod")
}

/// Flags naming the log to check, for `modpod audit`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// The log's public files: a directory, or the URL serving them (e.g.
    /// https://modpod.example/audit).
    #[arg(long, value_name = "DIR|URL")]
    log: String,
    /// The log's verifier key (origin+id+key), as published by its operator.
    #[arg(long, value_name = "VKEY")]
    key: String,
    /// A witness's cosignature verifier key (repeat the flag).
    #[arg(long = "witness-key", value_name = "VKEY")]
    witness_keys: Vec<String>,
    /// How many of those witnesses must have cosigned each checkpoint.
    #[arg(long, default_value_t = 0)]
    cosignatures: usize,
}

impl CheckArgs {
    fn witnesses(&self) -> anyhow::Result<Vec<CosignatureVerifier>> {
        if self.cosignatures > self.witness_keys.len() {
            bail!(
                "--cosignatures {} needs at least that many --witness-key",
                self.cosignatures
            );
        }
        self.witness_keys
            .iter()
            .map(|k| {
                CosignatureVerifier::new(k)
                    .with_context(|| format!("--witness-key {k:?} is not a cosignature key"))
            })
            .collect()
    }

    fn open(&self, note: &[u8], what: &str) -> anyhow::Result<modpod_audit::Checked> {
        modpod_audit::open_checkpoint(note, &self.key, &self.witnesses()?, self.cosignatures)
            .with_context(|| what.to_owned())
    }
}

#[derive(clap::Subcommand)]
pub enum AuditCmd {
    /// Check the log's latest checkpoint: signed by the log's key (and
    /// cosigned by enough witnesses), and, with --since, an extension of a
    /// checkpoint kept from before (nothing removed, rewritten or reordered).
    /// Exits 1 on a proof of misbehaviour or a bad signature.
    Check {
        #[command(flatten)]
        log: CheckArgs,
        /// A checkpoint kept from an earlier check (a file).
        #[arg(long, value_name = "FILE")]
        since: Option<PathBuf>,
        /// Keep the latest checkpoint in this file once checked (it may be
        /// the --since file: the next check starts from it).
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
    },
    /// Check a receipt from a notice: its event is in the checkpoint it
    /// carries and in the log's latest, which extends it.
    Receipt {
        /// The receipt (from its line modpod-receipt/v1 to the end).
        file: PathBuf,
        #[command(flatten)]
        log: CheckArgs,
    },
    /// Replace the signing key of the transparency log with a new one (the
    /// old one is kept beside it); prints the new verifier key to publish.
    RotateKey {
        /// The private key directory (as --audit-keys of modpod serve).
        #[arg(long, value_name = "DIR")]
        audit_keys: PathBuf,
    },
}

pub fn audit(command: AuditCmd) -> anyhow::Result<ExitCode> {
    match command {
        AuditCmd::Check { log, since, save } => {
            log.witnesses()?;
            let source = Source::parse(&log.log);
            let latest = log.open(
                &source.checkpoint().map_err(anyhow::Error::msg)?,
                "the latest checkpoint",
            )?;
            let size = latest.checkpoint.size();
            let mut said = format!(
                "ok: the checkpoint of {size} events is signed by {}",
                latest.checkpoint.origin()
            );
            if !latest.cosigned_by.is_empty() {
                said.push_str(&format!(
                    " and cosigned by {}",
                    latest.cosigned_by.join(", ")
                ));
            }
            if let Some(since) = since {
                let note = std::fs::read(&since)
                    .with_context(|| format!("cannot read {}", since.display()))?;
                let old = log.open(&note, "the checkpoint kept in --since")?;
                if let Err(error) =
                    modpod_audit::check_consistent(&source, &old.checkpoint, &latest.checkpoint)
                {
                    println!("FAILED: {error}");
                    return Ok(ExitCode::FAILURE);
                }
                said.push_str(&format!(
                    "; it extends the checkpoint of {} events",
                    old.checkpoint.size()
                ));
            }
            if let Some(save) = save {
                std::fs::write(&save, &latest.note)
                    .with_context(|| format!("cannot write {}", save.display()))?;
            }
            println!("{said}");
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::Receipt { file, log } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            // A receipt may be pasted with the notice around it.
            let start = text.find("modpod-receipt/v1").unwrap_or(0);
            let receipt = Receipt::parse(&text[start..])
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let source = Source::parse(&log.log);
            let theirs = log.open(&receipt.checkpoint, "the receipt's checkpoint")?;
            let latest = log.open(
                &source.checkpoint().map_err(anyhow::Error::msg)?,
                "the latest checkpoint",
            )?;
            match modpod_audit::check_receipt(
                &source,
                &receipt,
                &theirs.checkpoint,
                &latest.checkpoint,
            ) {
                Ok(()) => {
                    println!(
                        "ok: event {} is on the record, in the checkpoint of {} events and in the latest, of {}",
                        receipt.opening.seq,
                        theirs.checkpoint.size(),
                        latest.checkpoint.size()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    println!("FAILED: {error}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCmd::RotateKey { audit_keys } => {
            let vkey = LogKeys::rotate_signing(&audit_keys)?;
            println!("new verifier key: {vkey}");
            println!("  restart modpod serve; give verifiers this key for checkpoints from now on");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `modpod verify`'s second half: the log still has the root of the
/// checkpoint published last. `None` when there is no transparency log.
pub fn verify(db: &str, args: &AuditArgs) -> anyhow::Result<Option<Result<String, String>>> {
    let Some((dir, keys_dir)) = args.locations(db)? else {
        return Ok(None);
    };
    if !dir.join("checkpoint").exists() {
        return Ok(None);
    }
    let keys = LogKeys::open(&keys_dir).with_context(|| {
        format!(
            "reading the transparency log's keys in {}",
            keys_dir.display()
        )
    })?;
    let mut publisher = Publisher::open(keys, &dir)?;
    let published = publisher.published().map_or(0, |p| p.size);
    let mut store = modpod_store::open(db)?;
    Ok(Some(match publisher.follow(store.as_mut()) {
        Ok(_) if publisher.tree().size() < published => Err(format!(
            "the log holds {} events, fewer than the {published} of the checkpoint published in {}",
            publisher.tree().size(),
            dir.display()
        )),
        Ok(_) => Ok(format!(
            "the checkpoint of {published} events published in {} is the log's",
            dir.display()
        )),
        Err(error) => Err(error.to_string()),
    }))
}

/// `modpod witness`.
#[derive(clap::Args)]
pub struct WitnessArgs {
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// The witness's private key (created, for --name, when missing).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The witness's name, for a new key.
    #[arg(long, default_value = "witness.example")]
    name: String,
    /// The latest checkpoint cosigned of each log (created when missing).
    #[arg(long, value_name = "FILE")]
    state: PathBuf,
    /// The verifier key of a log to witness (repeat the flag).
    #[arg(long = "log-key", value_name = "VKEY", required = true)]
    log_keys: Vec<String>,
}

pub fn witness(args: WitnessArgs) -> anyhow::Result<ExitCode> {
    if !args.key.exists() {
        let skey = modpod_audit::cosign::generate(&args.name)
            .with_context(|| format!("{:?} cannot name a key", args.name))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        std::io::Write::write_all(
            &mut options.open(&args.key)?,
            format!("{skey}\n").as_bytes(),
        )
        .with_context(|| format!("cannot write {}", args.key.display()))?;
    }
    let skey = std::fs::read_to_string(&args.key)
        .with_context(|| format!("cannot read {}", args.key.display()))?;
    let cosigner = Cosigner::from_private_key(&skey)
        .with_context(|| format!("{} is not a witness key", args.key.display()))?;
    let witness =
        Witness::open(cosigner, &args.log_keys, &args.state).map_err(anyhow::Error::msg)?;
    println!("witness key: {}", witness.verifier_key());
    let witness = Arc::new(Mutex::new(witness));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = axum::Router::new()
            .route("/add-checkpoint", axum::routing::post(add_checkpoint))
            .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST))
            .with_state(witness);
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        println!("witness listening on http://{}", listener.local_addr()?);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving the witness")
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn add_checkpoint(
    axum::extract::State(witness): axum::extract::State<Arc<Mutex<Witness>>>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let now = jiff::Timestamp::now().as_second().max(0).unsigned_abs();
    let answer = tokio::task::spawn_blocking(move || {
        witness
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .add_checkpoint(&body, now)
    })
    .await;
    match answer {
        Ok(Ok(line)) => (StatusCode::OK, line).into_response(),
        Ok(Err(refused)) => {
            let status =
                StatusCode::from_u16(refused.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let media = if refused.known_size.is_some() {
                SIZE_MEDIA_TYPE
            } else {
                "text/plain; charset=utf-8"
            };
            (status, [(header::CONTENT_TYPE, media)], refused.body).into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
