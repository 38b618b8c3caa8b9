//! The Postfix policy server: answers `check_policy_service` requests from the
//! decision index. Postfix connects, sends requests one after another on the
//! same connection, and reads one `action=...` reply per request.
//!
//! For each request the sender (`sender`) and the forum (the `recipient`, a
//! list address such as `tls@ietf.org`, compared lower-cased) are looked up
//! with [`Index::decide`], and the verdict becomes an action: allowed posts get
//! `DUNNO` (Postfix goes on with its other restrictions), suspended senders
//! `REJECT` with the end of the suspension and how to appeal, held posts
//! `HOLD` (or `DUNNO` when Mailman holds them itself), and rate-limited posts
//! are counted and get `DEFER_IF_PERMIT` once over the limit. The null sender
//! (bounces) always gets `DUNNO`.
//!
//! Safety: requests are decoded within [`Limits`]; a connection idle for
//! [`PolicyConfig::idle_timeout`] is closed; at [`PolicyConfig::max_connections`]
//! a new connection takes the place of the one that has waited longest for its
//! client to say something, so that idle connections (Postfix keeps them open
//! between requests; an attacker may just hold them) never lock out a client
//! with a request to make, and is closed at once only when every connection
//! is being answered; a
//! protocol error closes the connection without a reply, as Postfix expects.
//! An internal failure (a poisoned lock) answers `DUNNO` (fail-open) or
//! `DEFER_IF_PERMIT` ([`PolicyConfig::fail_closed`]).
//!
//! What an allowed post shows that the moderators must hear of, or that the
//! volume rule acts on ([`crate::watch`]), is passed on as a command for
//! modpod to record as `system`, over a bounded queue that drops it when
//! full ([`Policy::reporting_to`]): the answer to the post is never changed
//! or delayed by it.
//!
//! This is the one place in the crate that reads the clock: a policy server
//! answers about now. [`answer`] takes `now` as an argument, so it can be
//! tested at any time, like [`Index::decide`].

use crate::index::{Index, Verdict};
use crate::limiter::{Count, Limiter};
use crate::postfix::{Action, Decoder, Limits, Request};
use crate::watch::{Poster, Watch};
use jiff::Timestamp;
use modpod_policy::ids::PersonId;
use modpod_policy::model::{Identity, IdentityKind};
use modpod_policy::{Command, SubjectRef};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The sentence every rejection ends with.
pub const APPEAL: &str = "To appeal, follow the instructions in the notice of this decision.";

/// How the policy server behaves.
#[derive(Debug, Clone)]
pub struct PolicyConfig {
    /// Bounds on one request.
    pub limits: Limits,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// At most this many connections at once; more are closed at once.
    pub max_connections: usize,
    /// The `protocol_state` at which a post is counted for rate limits
    /// (`RCPT` by default). Requests at other states are not counted, so one
    /// message is counted once however many restriction lists ask.
    pub count_state: String,
    /// Answer `DUNNO` instead of `HOLD` for posts under review and approval,
    /// because the list manager (Mailman) holds them itself.
    pub mailman_holds: bool,
    /// On an internal failure, answer `DEFER_IF_PERMIT` (true) or `DUNNO`.
    pub fail_closed: bool,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            limits: Limits::default(),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1000,
            count_state: "RCPT".to_owned(),
            mailman_holds: false,
            fail_closed: false,
        }
    }
}

/// What every connection shares: the index (read-locked for one decision,
/// written only when events are applied, so readers almost never wait), the
/// post counters, what it noticed and where it passes that on, and the
/// configuration.
pub struct Policy {
    index: Arc<RwLock<Index>>,
    limiter: Mutex<Limiter>,
    watch: Mutex<Watch>,
    noticed: Option<SyncSender<Command>>,
    config: PolicyConfig,
}

impl Policy {
    pub fn new(index: Arc<RwLock<Index>>, config: PolicyConfig) -> Policy {
        Policy {
            index,
            limiter: Mutex::new(Limiter::new()),
            watch: Mutex::new(Watch::new()),
            noticed: None,
            config,
        }
    }

    /// Passes what allowed posts show (CIRCUMVENT-1, REPORT-6) on to `to`,
    /// as commands to record as `system`; without it nothing is noticed.
    /// The queue is bounded by whoever made it: a command it has no room
    /// for is dropped.
    pub fn reporting_to(mut self, to: SyncSender<Command>) -> Policy {
        self.noticed = Some(to);
        self
    }

    /// The configuration it answers with.
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    /// What happens to a post by `sender` in `forum` at `now`, whatever
    /// protocol asked. A post of a rate-limited sender is counted when `count`
    /// is set (each post must be counted exactly once); an uncounted question
    /// about a rate-limited sender is answered [`Outcome::Allow`].
    pub fn decide_post(
        &self,
        forum: &str,
        sender: &str,
        now: Timestamp,
        count: bool,
    ) -> Result<Outcome, Unavailable> {
        self.decide_post_as(forum, IdentityKind::Email, sender, now, count)
    }

    /// [`Policy::decide_post`] for a sender who is an identity of `kind`
    /// (a Matrix user id is a `chat` identity), found as
    /// [`Index::person_for`] finds it.
    pub fn decide_post_as(
        &self,
        forum: &str,
        kind: IdentityKind,
        sender: &str,
        now: Timestamp,
        count: bool,
    ) -> Result<Outcome, Unavailable> {
        let index = self.index.read().map_err(|_| Unavailable)?;
        let Some(person) = index.person_for(kind, sender) else {
            if count {
                self.notice(&index, None, forum, kind, sender, now);
            }
            return Ok(Outcome::Allow);
        };
        Ok(match index.decide_person(forum, person, now) {
            Verdict::Allow => {
                if count {
                    self.notice(&index, Some(person), forum, kind, sender, now);
                }
                Outcome::Allow
            }
            Verdict::Reject { until } => Outcome::Reject { until },
            Verdict::Hold => Outcome::Hold,
            Verdict::RateLimited { .. } if !count => Outcome::Allow,
            Verdict::RateLimited { posts, per_seconds } => {
                let person = person.clone();
                drop(index);
                let mut limiter = self.limiter.lock().map_err(|_| Unavailable)?;
                match limiter.count(&person, forum, posts, per_seconds, now) {
                    Count::Counted => Outcome::Allow,
                    Count::Over {
                        retry_after_seconds,
                    } => Outcome::Defer {
                        posts,
                        per_seconds,
                        retry_after_seconds,
                    },
                }
            }
        })
    }

    /// Passes on what a post allowed in `forum` shows, if anything: its
    /// person is restricted on other fora (a sighting, once in the
    /// procedures' alert hours), or it breaks the volume rule. Only on fora
    /// the team's procedures cover, and never holding up the answer.
    fn notice(
        &self,
        index: &Index,
        person: Option<&PersonId>,
        forum: &str,
        kind: IdentityKind,
        sender: &str,
        now: Timestamp,
    ) {
        let Some(to) = &self.noticed else {
            return;
        };
        let Some(forum_id) = index.watched(forum) else {
            return;
        };
        let Ok(mut watch) = self.watch.lock() else {
            return;
        };
        let numbers = index.numbers();
        if let Some(person) = person
            && index.restricted_elsewhere(person, forum, now)
            && watch.sighting_due(person, forum, numbers.circumvention_alert_hours, now)
            && let Some(identity) = index.identity_of(kind, sender)
        {
            let sighting = Command::RecordCircumventionSighting {
                identity,
                forum: forum_id.clone(),
                seen_at: now,
            };
            if pass_on(to, sighting) {
                watch.sighting_passed_on(person, forum, now);
            }
        }
        let Some(rule) = numbers.volume_rule() else {
            return;
        };
        let poster = match person {
            Some(person) => Poster::Person(person.clone()),
            None => match Identity::new(kind, sender) {
                Ok(identity) => Poster::Unknown(identity),
                Err(_) => return,
            },
        };
        if watch.count_post(poster.clone(), forum, rule, now) {
            let subject = match poster {
                Poster::Person(person) => SubjectRef::Person { person },
                Poster::Unknown(identity) => SubjectRef::Identity { identity },
            };
            pass_on(
                to,
                Command::ApplyVolumeLimit {
                    subject,
                    forum: forum_id.clone(),
                    posts: rule.posts,
                    minutes: rule.minutes,
                },
            );
        }
    }

    /// The answer to one Postfix request at `now`.
    pub fn answer(&self, request: &Request, now: Timestamp) -> Action {
        let sender = request.sender().unwrap_or_default();
        let recipient = request.recipient().unwrap_or_default();
        if sender.is_empty() || recipient.is_empty() {
            return Action::Dunno;
        }
        let forum = recipient.to_ascii_lowercase();
        let count = request.protocol_state() == Some(self.config.count_state.as_str());
        let Ok(outcome) = self.decide_post(&forum, sender, now, count) else {
            return self.internal_failure();
        };
        match outcome {
            Outcome::Allow => Action::Dunno,
            Outcome::Hold if self.config.mailman_holds => Action::Dunno,
            outcome => {
                let text = outcome.explain(&forum);
                match outcome {
                    Outcome::Reject { .. } => Action::Reject(format!("5.7.1 {text}")),
                    Outcome::Defer { .. } => Action::DeferIfPermit(format!("4.7.1 {text}")),
                    _ => Action::Hold(text),
                }
            }
        }
    }

    fn internal_failure(&self) -> Action {
        if self.config.fail_closed {
            Action::DeferIfPermit("4.3.0 Policy service unavailable; try again later.".into())
        } else {
            Action::Dunno
        }
    }
}

/// Puts `command` on the queue to be recorded, if it has room; whether it
/// did.
fn pass_on(to: &SyncSender<Command>, command: Command) -> bool {
    match to.try_send(command) {
        Ok(()) => true,
        Err(TrySendError::Full(command)) => {
            tracing::debug!(
                command = command.name(),
                "the queue of what posts show is full; dropped"
            );
            false
        }
        Err(TrySendError::Disconnected(_)) => false,
    }
}

/// What happens to one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    /// Held for review and approval by a moderator.
    Hold,
    /// Refused: the sender is suspended until `until` (`None`: indefinitely).
    Reject {
        until: Option<Timestamp>,
    },
    /// Refused for now: over the rate limit; try again after
    /// `retry_after_seconds`.
    Defer {
        posts: u32,
        per_seconds: u32,
        retry_after_seconds: u64,
    },
}

impl Outcome {
    /// A sentence for the sender, as Postfix and the decision API give it.
    pub fn explain(&self, forum: &str) -> String {
        match self {
            Outcome::Allow => format!("Posts to {forum} from this sender are allowed."),
            Outcome::Hold => {
                format!("Posts to {forum} from this sender are held for review by a moderator.")
            }
            Outcome::Reject { until } => {
                let when = match until {
                    Some(end) => format!("until {end}"),
                    None => "indefinitely".to_owned(),
                };
                format!("You are suspended from posting to {forum} {when}. {APPEAL}")
            }
            Outcome::Defer {
                posts,
                per_seconds,
                retry_after_seconds,
            } => format!(
                "Rate limit of {posts} posts per {per_seconds} seconds to {forum} reached; \
                 try again in {retry_after_seconds} seconds."
            ),
        }
    }
}

/// The index or the counters could not be read (a writer panicked while
/// holding them). Each protocol answers this per its fail-open/closed setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the policy service cannot read its index")]
pub struct Unavailable;

/// Serves policy requests on `listener` until `shutdown` completes. Connections
/// already open when it does are left to finish on their own.
pub async fn serve_policy(
    listener: TcpListener,
    policy: Arc<Policy>,
    shutdown: impl Future<Output = ()>,
) {
    let connections = Arc::new(Connections::new(policy.config.max_connections));
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Usually out of file descriptors: wait rather than spin.
                tracing::warn!(%error, "policy server: cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(open) = connections.admit() else {
            tracing::warn!("policy server: every connection is being answered; closing a new one");
            drop(stream);
            continue;
        };
        let (policy, connections) = (policy.clone(), connections.clone());
        tokio::spawn(async move {
            if let Err(error) = connection(stream, &policy, &open).await {
                tracing::debug!(%error, "policy connection closed");
            }
            connections.remove(&open);
        });
    }
}

/// The open connections, at most `max`.
struct Connections {
    max: usize,
    /// When the server started: times are kept as microseconds since.
    start: Instant,
    open: Mutex<(u64, HashMap<u64, Arc<Open>>)>,
}

/// One open connection, as [`Connections`] sees it.
struct Open {
    id: u64,
    /// [`Connections::start`].
    start: Instant,
    /// Since when (microseconds after [`Connections::start`], plus one) it has
    /// waited for its client; 0 while it is being answered. Kept by the
    /// connection without a lock.
    waiting_since: AtomicU64,
    /// Its place was taken: it closes at once, whatever it is doing.
    replaced: AtomicBool,
    /// Told when its place is taken.
    close: Notify,
}

impl Connections {
    fn new(max: usize) -> Connections {
        Connections {
            max,
            start: now(),
            open: Mutex::new((0, HashMap::new())),
        }
    }

    /// A place for a new connection, made if need be by closing the one that
    /// has waited longest for its client; `None` when every one is being
    /// answered.
    fn admit(&self) -> Option<Arc<Open>> {
        let mut guard = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (next, open) = &mut *guard;
        if open.len() >= self.max {
            let (_, longest) = open
                .values()
                .filter_map(|o| {
                    let since = o.waiting_since.load(Ordering::Relaxed);
                    (since != 0).then_some((since, o.id))
                })
                .min()?;
            if let Some(taken) = open.remove(&longest) {
                tracing::info!(
                    "policy server: at the connection cap; closing the longest idle one"
                );
                taken.replaced.store(true, Ordering::Relaxed);
                taken.close.notify_one();
            }
        }
        *next += 1;
        let new = Arc::new(Open {
            id: *next,
            start: self.start,
            waiting_since: AtomicU64::new(0),
            replaced: AtomicBool::new(false),
            close: Notify::new(),
        });
        new.waiting();
        open.insert(new.id, new.clone());
        Some(new)
    }

    fn remove(&self, connection: &Open) {
        let mut guard = self.open.lock().unwrap_or_else(|p| p.into_inner());
        guard.1.remove(&connection.id);
    }
}

impl Open {
    /// From now on it waits for its client.
    fn waiting(&self) {
        let since = u64::try_from(now().duration_since(self.start).as_micros())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1);
        self.waiting_since.store(since, Ordering::Relaxed);
    }

    /// It is being answered.
    fn busy(&self) {
        self.waiting_since.store(0, Ordering::Relaxed);
    }
}

/// Why a connection was closed by the server.
#[derive(Debug, thiserror::Error)]
enum Closed {
    #[error("idle for too long")]
    Idle,
    #[error("idle the longest when the connection cap was reached")]
    Replaced,
    #[error(transparent)]
    Protocol(#[from] crate::postfix::ProtocolError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

async fn connection(stream: TcpStream, policy: &Policy, open: &Open) -> Result<(), Closed> {
    let idle = policy.config.idle_timeout;
    let (mut reader, mut writer) = stream.into_split();
    let mut decoder = Decoder::new(policy.config.limits);
    let mut buffer = vec![0u8; 8192];
    let mut requests = Vec::new();
    let mut replies = Vec::new();
    loop {
        let read = tokio::select! {
            read = tokio::time::timeout(idle, reader.read(&mut buffer)) => {
                read.map_err(|_| Closed::Idle)??
            }
            () = open.close.notified() => return Err(Closed::Replaced),
        };
        if read == 0 {
            return Ok(());
        }
        open.busy();
        if open.replaced.load(Ordering::Relaxed) {
            return Err(Closed::Replaced);
        }
        let decoded = decoder.feed(buffer.get(..read).unwrap_or_default(), &mut requests);
        if !requests.is_empty() {
            let now = clock();
            replies.clear();
            for request in requests.drain(..) {
                replies.extend_from_slice(policy.answer(&request, now).encode().as_bytes());
            }
            // A client that does not read its replies is closed like one
            // that says nothing: it cannot hold its place by being answered.
            tokio::time::timeout(idle, async {
                writer.write_all(&replies).await?;
                writer.flush().await
            })
            .await
            .map_err(|_| Closed::Idle)??;
        }
        decoded?;
        open.waiting();
    }
}

/// A monotonic now, for the connection cap (see [`clock`]).
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    Instant::now()
}

/// The current time. The crate's `clippy.toml` forbids clock reads so that the
/// index stays clock-free; the server is the one part that must know the time.
#[allow(clippy::disallowed_methods)]
fn clock() -> Timestamp {
    Timestamp::now()
}
