//! Fetching evidence (EVIDENCE-1). After an action with evidence is
//! recorded, modpod fetches each of its links once, bounded in size and in
//! time, and records through the policy, as `system`, the SHA-256 and size
//! of what it found, or why it found nothing: never the content. A check
//! fetches again the links fetched before, and records what it found, which
//! the policy's views compare with the first retrieval (unchanged, changed,
//! gone). A link that cannot be read is recorded as such; the action was
//! recorded before and stands either way.
//!
//! [`Fetcher::fetch`] is one fetch, and never fails: whatever the answer,
//! or its absence, it is a [`FetchOutcome`]. [`retrieve`] and [`check`] are
//! passes over the state, like the scheduler's; [`run`] is the worker of
//! `modpod serve`, woken by each action recorded with evidence. Several
//! nodes may fetch the same link: the policy records its first retrieval
//! once and refuses the others.

use crate::engine::{Engine, EngineError};
use jiff::Timestamp;
use modpod_policy::ids::{ActionId, PersonId};
use modpod_policy::model::{Capacity, FetchOutcome};
use modpod_policy::{Actor, Command, Event, State};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How much of a link is read, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A body larger than this is not read further: too large.
    pub max_bytes: u64,
    /// The whole fetch, redirects and body included.
    pub timeout: Duration,
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 5 * 1024 * 1024,
            timeout: Duration::from_secs(10),
            max_redirects: 5,
        }
    }
}

/// Fetches evidence links over HTTP(S).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: Limits,
}

impl Fetcher {
    pub fn new(limits: Limits) -> Result<Fetcher, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .redirect(reqwest::redirect::Policy::limited(limits.max_redirects))
            .user_agent(concat!("modpod/", env!("CARGO_PKG_VERSION"), " (evidence)"))
            .build()?;
        Ok(Fetcher { client, limits })
    }

    /// What `url` holds now: the SHA-256 and size of its body, gone (404,
    /// 410), or unavailable and why. Never fails, never panics.
    pub async fn fetch(&self, url: &str) -> FetchOutcome {
        let url = match reqwest::Url::parse(url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => url,
            Ok(url) => return unavailable(format!("not an http(s) link ({}:)", url.scheme())),
            Err(e) => return unavailable(format!("not a link ({e})")),
        };
        // The client's own timeout covers the body too; this one is the
        // bound whatever happens inside it.
        match tokio::time::timeout(self.limits.timeout, self.read(url)).await {
            Ok(outcome) => outcome,
            Err(_) => self.timed_out(),
        }
    }

    async fn read(&self, url: reqwest::Url) -> FetchOutcome {
        let mut response = match self.client.get(url).send().await {
            Ok(response) => response,
            Err(e) => return self.failed(&e),
        };
        let status = response.status();
        if matches!(status.as_u16(), 404 | 410) {
            return FetchOutcome::Gone {
                status: status.as_u16(),
            };
        }
        if !status.is_success() {
            return unavailable(format!("HTTP {status}"));
        }
        let max = self.limits.max_bytes;
        if response.content_length().is_some_and(|n| n > max) {
            return self.too_large();
        }
        let mut hash = Sha256::new();
        let mut size: u64 = 0;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    size = size.saturating_add(chunk.len() as u64);
                    if size > max {
                        return self.too_large();
                    }
                    hash.update(&chunk);
                }
                Ok(None) => break,
                Err(e) => return self.failed(&e),
            }
        }
        let mut sha256 = String::with_capacity(64);
        for byte in hash.finalize() {
            let _ = write!(sha256, "{byte:02x}");
        }
        FetchOutcome::Found { sha256, size }
    }

    fn timed_out(&self) -> FetchOutcome {
        unavailable(format!(
            "no answer within {} s",
            self.limits.timeout.as_secs_f64()
        ))
    }

    fn too_large(&self) -> FetchOutcome {
        unavailable(format!(
            "larger than {} bytes: not read further",
            self.limits.max_bytes
        ))
    }

    fn failed(&self, e: &reqwest::Error) -> FetchOutcome {
        if e.is_timeout() {
            return self.timed_out();
        }
        if e.is_redirect() {
            return unavailable(format!("more than {} redirects", self.limits.max_redirects));
        }
        // The innermost cause says most (connection refused, a bad
        // certificate, a broken body).
        let mut cause: &dyn std::error::Error = e;
        while let Some(source) = cause.source() {
            cause = source;
        }
        let what = if e.is_connect() {
            "cannot connect"
        } else {
            "cannot read it"
        };
        unavailable(format!("{what}: {cause}"))
    }
}

/// Unavailable, for a reason on one line of at most 300 characters, as the
/// policy records it.
fn unavailable(reason: String) -> FetchOutcome {
    let reason: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    FetchOutcome::Unavailable {
        reason: reason.trim().to_owned(),
    }
}

/// One link fetched and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub action: ActionId,
    pub url: String,
    pub outcome: FetchOutcome,
    /// Recorded; `false` when the policy refused it (another node recorded
    /// it first).
    pub recorded: bool,
}

/// Fetches every evidence link never fetched (of `only` that action, or of
/// every action) and records what was found: the first retrieval of each.
pub async fn retrieve(
    engine: &Arc<Mutex<Engine>>,
    fetcher: &Fetcher,
    only: Option<ActionId>,
) -> anyhow::Result<Vec<Fetched>> {
    let due = links(engine, only, |state, action, url| {
        state.evidence_record(action, url).is_none()
    })
    .await?;
    let mut done = Vec::new();
    for (action, url) in due {
        let outcome = fetcher.fetch(&url).await;
        let command = Command::RecordEvidenceRetrieval {
            action,
            url: url.clone(),
            outcome: outcome.clone(),
        };
        let recorded = record(engine, command).await?;
        done.push(Fetched {
            action,
            url,
            outcome,
            recorded,
        });
    }
    Ok(done)
}

/// Fetches again every evidence link whose first retrieval found it (of
/// `only` that action, or of every action) and records what was found: a
/// check.
pub async fn check(
    engine: &Arc<Mutex<Engine>>,
    fetcher: &Fetcher,
    only: Option<ActionId>,
) -> anyhow::Result<Vec<Fetched>> {
    let due = links(engine, only, |state, action, url| {
        state
            .evidence_record(action, url)
            .is_some_and(|r| matches!(r.retrieved.outcome, FetchOutcome::Found { .. }))
    })
    .await?;
    let mut done = Vec::new();
    for (action, url) in due {
        let outcome = fetcher.fetch(&url).await;
        let command = Command::RecordEvidenceCheck {
            action,
            url: url.clone(),
            outcome: outcome.clone(),
        };
        let recorded = record(engine, command).await?;
        done.push(Fetched {
            action,
            url,
            outcome,
            recorded,
        });
    }
    Ok(done)
}

/// How often the worker looks for links never fetched even when nothing
/// woke it (events other nodes recorded, a pass that failed).
const RETRIEVE_AT_LEAST_EVERY: Duration = Duration::from_secs(300);

/// An engine observer that wakes the worker when an action with evidence
/// is applied.
pub fn observer(wake: Arc<Notify>) -> crate::engine::Observer {
    Box::new(move |_, event| {
        if let Event::ActionTaken { action } = event
            && !action.evidence.is_empty()
        {
            wake.notify_one();
        }
    })
}

/// The worker of `modpod serve`: retrieves what was never fetched at start,
/// whenever [`observer`] wakes it, and every five minutes, until `stopped`.
pub async fn run(
    engine: Arc<Mutex<Engine>>,
    fetcher: Fetcher,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        match retrieve(&engine, &fetcher, None).await {
            Ok(done) => {
                for f in done.iter().filter(|f| f.recorded) {
                    tracing::info!(action = f.action.0, outcome = ?f.outcome, "evidence fetched");
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot record what evidence links held; trying again later");
            }
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(RETRIEVE_AT_LEAST_EVERY) => {}
            _ = stopped.wait_for(|&s| s) => return,
        }
    }
}

/// Runs `f` with the engine on a blocking thread: the stores are
/// synchronous, and the engine may be busy.
async fn with_engine<T: Send + 'static>(
    engine: &Arc<Mutex<Engine>>,
    f: impl FnOnce(&mut Engine) -> T + Send + 'static,
) -> anyhow::Result<T> {
    let engine = engine.clone();
    let done = tokio::task::spawn_blocking(move || {
        f(&mut engine.lock().unwrap_or_else(PoisonError::into_inner))
    })
    .await?;
    Ok(done)
}

/// Each evidence link of each action (or of `only` that one) that `wanted`
/// picks, once.
async fn links(
    engine: &Arc<Mutex<Engine>>,
    only: Option<ActionId>,
    wanted: fn(&State, ActionId, &str) -> bool,
) -> anyhow::Result<Vec<(ActionId, String)>> {
    with_engine(engine, move |engine| {
        let state = engine.state();
        let mut out = BTreeSet::new();
        for action in state.actions.values() {
            if only.is_some_and(|id| id != action.id) {
                continue;
            }
            for e in &action.evidence {
                if wanted(state, action.id, &e.url) {
                    out.insert((action.id, e.url.clone()));
                }
            }
        }
        out.into_iter().collect()
    })
    .await
}

/// Records a command as `system`: `false` when the policy refused it.
async fn record(engine: &Arc<Mutex<Engine>>, command: Command) -> anyhow::Result<bool> {
    let recorded = with_engine(engine, move |engine| {
        let system = Actor::new(PersonId::system(), Capacity::System);
        engine.execute(&system, &command, Timestamp::now())
    })
    .await?;
    match recorded {
        Ok(_) => Ok(true),
        Err(EngineError::Refused(refusal)) => {
            tracing::debug!(%refusal, "evidence recorded elsewhere");
            Ok(false)
        }
        Err(other) => Err(other.into()),
    }
}
