//! The engine: the one place where commands become recorded events.
//!
//! `execute` decides a command against the current state, appends the events to
//! the log in one durable transaction *only if the log has not moved since the
//! state was read* (optimistic concurrency), and then applies them. When another
//! node appended first, the engine catches up from the log and decides again, so
//! two modpod nodes on one PostgreSQL never record a decision made on stale state.
//!
//! At start-up the state is rebuilt from the newest snapshot plus the events
//! after it; a snapshot is written after a long replay and at shutdown. A
//! snapshot is MessagePack in sections (the state's notifications, its
//! reports, the rest of it, the case index), each compressed, and each
//! decompressed and decoded on a thread of its own; `modpod serve` writes the
//! one a long replay calls for after it listens, from the published view,
//! without the engine ([`SnapshotWriter`]).
//!
//! After every change it applies (a command recorded, events caught up with,
//! the log opened) the engine publishes a [`View`]: an immutable copy of the
//! state, the case index and the head, swapped in atomically ([`Views`]).
//! Requests read the view and never lock the engine, so a slow page or a
//! password check never holds up recording, and recording never holds up a
//! read. Copying the state costs the same whatever its size: its maps are
//! persistent (`modpod_policy::state::Map`).

use crate::cases::CaseIndex;
use arc_swap::ArcSwap;
use jiff::Timestamp;
use modpod_notify::Templates;
use modpod_policy::ids::{ActionId, ProposalId, ReportId};
use modpod_policy::model::Notifications;
use modpod_policy::{Actor, Command, Decision, Event, Refusal, State, Warning, decide};
use modpod_store::{EventStore, Head, NewEvent, Snapshot, StoreError, StoredEvent};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Snapshots carry this tag so that a snapshot written by a different version of
/// the state is ignored (and the log replayed) rather than misread.
/// Since v3 a snapshot holds the state and the case index
/// (`{"state": .., "cases": ..}`); v5 added closed fora and the last sync
/// with the registry of groups; v6, the moderator team's proposals and the
/// ladder (TEAM-5, LADDER-1), the messages of each case (MSG-1) and what was
/// found at evidence links (EVIDENCE-1); v7, the circumvention alerts
/// (CIRCUMVENT-1) and the team's numbers of the volume rule (REPORT-6); v8,
/// the team's texts (TEMPLATE-1) and its past actions (MIGRATE-1); v9, the
/// index of actions in force. v10 is MessagePack in sections, no longer JSON
/// (see [`encode_snapshot`]): the same state with its indexes of reports (by
/// subject, by reporter, open), of the actions announced and of the
/// notifications about each action, a quarter of the time to decode; v11,
/// the index of reports by forum; v12, the index of open reports by forum
/// and deadline; v13, the notifications in a compact form of their own
/// ([`Notifications::compact`]); v14, each section compressed (LZ4): a
/// quarter of the bytes to read, which PostgreSQL no longer decompresses.
pub const SNAPSHOT_FORMAT: &[u8] = b"modpod-state-msgpack-v14\n";

/// Replaying more events than this at start-up writes a fresh snapshot.
const SNAPSHOT_AFTER: u64 = 10_000;

/// [`SNAPSHOT_AFTER`], or what `MODPOD_SNAPSHOT_AFTER` sets (for tests, on
/// small logs).
fn snapshot_after() -> u64 {
    std::env::var("MODPOD_SNAPSHOT_AFTER")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SNAPSHOT_AFTER)
}

/// A catch-up of at least this many events parses them on other threads.
const PIPELINE_FROM: u64 = 5_000;

/// Events per batch handed to a parser thread.
const BATCH: usize = 512;

/// How many threads parse events in a long catch-up: one per core, at least
/// two (the reader and the applier wait on the log and on the parsers much
/// of the time), at most four; `MODPOD_REPLAY_PARSERS` sets it (0: no
/// pipeline, everything on the engine's thread), for measuring.
fn parsers() -> usize {
    std::env::var("MODPOD_REPLAY_PARSERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4)))
}

/// The error a catch-up's reader stops with when the rest of the pipeline
/// has stopped (an event that did not parse: that error is reported).
fn stopped() -> StoreError {
    StoreError::Corrupt("the replay stopped".into())
}

/// One event of a catch-up, parsed, with what the engine keeps of its
/// envelope.
struct Parsed {
    event: Event,
    seq: u64,
    hash: modpod_store::Hash,
    at: Option<Timestamp>,
}

impl Parsed {
    fn of(stored: &StoredEvent) -> Result<Parsed, StoreError> {
        Ok(Parsed {
            event: parse(stored)?,
            seq: stored.seq,
            hash: stored.hash,
            at: time_of(stored),
        })
    }
}

/// Applies the events of a catch-up to the engine's state, case index and
/// head, in log order, telling the observers of each.
struct Applier<'a> {
    state: &'a mut State,
    cases: &'a mut CaseIndex,
    head: &'a mut Head,
    head_at: &'a mut Option<Timestamp>,
    observers: &'a mut Vec<Observer>,
    count: u64,
}

impl Applier<'_> {
    fn apply(&mut self, parsed: Parsed, progress: &mut dyn FnMut(u64)) {
        let Parsed {
            event,
            seq,
            hash,
            at,
        } = parsed;
        self.state.apply(&event);
        self.cases.add(self.state, seq, &event);
        let state = &*self.state;
        self.observers
            .iter_mut()
            .for_each(|observe| observe(state, &event));
        *self.head = Head { seq, hash };
        *self.head_at = at.or(*self.head_at);
        self.count += 1;
        if self.count.is_multiple_of(10_000) {
            progress(self.count);
        }
    }
}

/// How many times `execute` re-decides after losing a race with another node.
const MAX_RETRIES: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The policy said no. Nothing was recorded.
    #[error("refused ({}): {}", .0.requirement(), .0)]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The state could not be written as a snapshot.
    #[error("cannot write a snapshot at event {seq}: {reason}")]
    Snapshot { seq: u64, reason: String },
    /// A command of a batch was refused; nothing of the batch was recorded.
    #[error("command {} of {total} ({name}) refused ({}): {refusal}", .index + 1, .refusal.requirement())]
    RefusedInBatch {
        index: usize,
        total: usize,
        name: &'static str,
        refusal: Refusal,
    },
    #[error("the log kept moving under this node; gave up after {MAX_RETRIES} attempts")]
    Contended,
    /// Recording the command's group stopped before it was answered (a
    /// fault of modpod's own, in the service's log); whether it was
    /// recorded, the log says.
    #[error("recording stopped before this command was answered; see the service's log")]
    Interrupted,
    /// The group the command arrived with could not be recorded, for this
    /// reason; nothing of it was decided again.
    #[error("{0}")]
    InGroup(Arc<EngineError>),
    /// The command's time is before the log's last event: time in the log
    /// never runs backwards, or an action could be dated before its actor
    /// held the role, or after a deadline had passed. Nothing was recorded.
    #[error(
        "the time {now} is before the log's last event (event {head_seq}, at {head_at}): \
         an event is never earlier than the event before it; give a time of {head_at} or later"
    )]
    BeforeHead {
        now: Timestamp,
        head_seq: u64,
        head_at: Timestamp,
    },
}

// Written out rather than derived: a derived `From` would also make the refusal
// the error's source, and every report would print it twice.
impl From<Refusal> for EngineError {
    fn from(refusal: Refusal) -> Self {
        EngineError::Refused(refusal)
    }
}

/// What an executed command recorded.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub events: Vec<StoredEvent>,
    pub warnings: Vec<Warning>,
}

impl Recorded {
    /// The action the command took, if it took one (the first, if several).
    pub fn action(&self) -> Option<ActionId> {
        self.read("action_taken").find_map(|e| match e {
            Event::ActionTaken { action } => Some(action.id),
            _ => None,
        })
    }

    /// The proposal of the moderator team the command made instead of
    /// acting (TEAM-5), if it made one.
    pub fn proposal(&self) -> Option<ProposalId> {
        self.read("proposal_made")
            .filter_map(|e| match e {
                Event::ProposalMade { proposal } => Some(proposal.id),
                _ => None,
            })
            .last()
    }

    /// The recorded events of one kind, read back. A kind's name is the
    /// log's and never changes, so the others need not be decoded.
    fn read<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = Event> + 'a {
        self.events
            .iter()
            .filter(move |e| e.kind == kind)
            .filter_map(|e| Event::from_payload(&e.payload).ok())
    }
}

/// What readers read: the state, the case index and the head as the engine
/// last published them, never changed once published.
#[derive(Debug)]
pub struct View {
    pub state: State,
    /// Which events belong to each case (see [`CaseIndex`]).
    pub cases: CaseIndex,
    /// The log's head when this view was published.
    pub head: Head,
    /// When the head event happened (`None` for an empty log).
    pub head_at: Option<Timestamp>,
    /// The log's backend: "sqlite" or "postgres".
    pub backend: &'static str,
}

impl View {
    /// The sequence numbers of the events of one case, in log order.
    pub fn case_seqs(&self, report: ReportId) -> &[u64] {
        self.cases.of(report)
    }

    /// The sequence number of the event that recorded notification `id`.
    pub fn notification_seq(&self, id: u64) -> Option<u64> {
        self.cases.notification(id)
    }

    /// The events of one case, as stored and as read, in log order, read
    /// from `store` (a connection of the reader's own) by sequence number.
    pub fn case_events(
        &self,
        store: &mut dyn EventStore,
        report: ReportId,
    ) -> Result<Vec<(StoredEvent, Event)>, StoreError> {
        store
            .events(self.cases.of(report))?
            .into_iter()
            .map(|stored| {
                let event = parse(&stored)?;
                Ok((stored, event))
            })
            .collect()
    }
}

/// Where the engine publishes its [`View`]s: cheap to clone, and read
/// without waiting for anything.
#[derive(Clone)]
pub struct Views(Arc<ArcSwap<View>>);

impl Views {
    /// The view published last.
    pub fn load(&self) -> Arc<View> {
        self.0.load_full()
    }
}

/// Told of every event the engine applies, with the state after it: events
/// this engine recorded and events it caught up with alike.
pub type Observer = Box<dyn FnMut(&State, &Event) + Send>;

pub struct Engine {
    store: Box<dyn EventStore>,
    state: State,
    /// Which events belong to each case, kept beside the state.
    cases: CaseIndex,
    head: Head,
    /// When the head event happened: no command is decided at a time before
    /// it. Kept as events are applied, so checking it costs nothing.
    head_at: Option<Timestamp>,
    /// The head when the latest snapshot was taken, by this engine or by a
    /// [`SnapshotWriter`] it made.
    snapshot_seq: Arc<AtomicU64>,
    observers: Vec<Observer>,
    /// The notifications' texts, which a draft of the team's is checked
    /// against before it is decided (TEMPLATE-1).
    templates: Option<Arc<Templates>>,
    /// How many transactions this engine appended.
    commits: u64,
    /// What readers read, published after every change.
    views: Views,
}

impl Engine {
    /// Opens a log and rebuilds the state from it, and writes a snapshot if
    /// that took a long replay. `progress` is told how many events have been
    /// replayed, for long start-ups.
    pub fn open(
        store: Box<dyn EventStore>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Engine, EngineError> {
        let mut engine = Engine::open_without_snapshot(store, progress)?;
        if engine.snapshot_due() {
            let written = std::time::Instant::now();
            engine.snapshot()?;
            tracing::info!(
                seq = engine.head.seq,
                ms = written.elapsed().as_millis(),
                "snapshot written"
            );
        }
        Ok(engine)
    }

    /// [`Engine::open`] without writing the snapshot a long replay calls
    /// for: [`Engine::snapshot_due`] says whether one is, and a
    /// [`SnapshotWriter`] writes it later, without holding the engine.
    pub fn open_without_snapshot(
        mut store: Box<dyn EventStore>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Engine, EngineError> {
        let (mut state, mut cases, mut head) =
            (State::default(), CaseIndex::default(), Head::EMPTY);
        let reading = std::time::Instant::now();
        if let Some(snap) = store.latest_snapshot()? {
            let read_ms = reading.elapsed().as_millis();
            let decoding = std::time::Instant::now();
            let decoded = read_snapshot(&snap.state);
            tracing::info!(
                seq = snap.seq,
                bytes = snap.state.len(),
                read_ms,
                decode_ms = decoding.elapsed().as_millis(),
                "snapshot read"
            );
            if let Some(restored) = decoded {
                state = restored.state;
                cases = restored.cases;
                head = Head {
                    seq: snap.seq,
                    hash: snap.hash,
                };
            } else {
                tracing::warn!(
                    seq = snap.seq,
                    "ignoring a snapshot in another format or unreadable; replaying the whole log"
                );
            }
        }
        let snapshot_seq = head.seq;
        let views = Views(Arc::new(ArcSwap::from_pointee(View {
            state: State::default(),
            cases: CaseIndex::default(),
            head: Head::EMPTY,
            head_at: None,
            backend: store.backend(),
        })));
        let mut engine = Engine {
            store,
            state,
            cases,
            head,
            head_at: None,
            snapshot_seq: Arc::new(AtomicU64::new(snapshot_seq)),
            observers: Vec::new(),
            templates: Templates::load(None).ok().map(Arc::new),
            commits: 0,
            views,
        };
        let replay = std::time::Instant::now();
        let replayed = engine.catch_up(progress)?;
        engine.read_head_time()?;
        engine.publish();
        tracing::info!(
            from_snapshot = snapshot_seq,
            replayed,
            ms = replay.elapsed().as_millis(),
            "state rebuilt"
        );
        Ok(engine)
    }

    /// Whether the state is far enough past the latest snapshot (a long
    /// replay) that a snapshot should be written now.
    pub fn snapshot_due(&self) -> bool {
        let behind = self.head.seq - self.snapshot_seq.load(Ordering::Acquire).min(self.head.seq);
        behind > 0 && behind >= snapshot_after()
    }

    /// What writes a snapshot of the state as last published without the
    /// engine (a view's state is a copy no one changes), for writing it on
    /// another thread while the engine goes on; `None` when the latest
    /// snapshot is of the head.
    pub fn snapshot_writer(&self) -> Option<SnapshotWriter> {
        let view = self.views.load();
        (view.head.seq != self.snapshot_seq.load(Ordering::Acquire)).then(|| SnapshotWriter {
            view,
            written: self.snapshot_seq.clone(),
        })
    }

    /// Uses a deployment's notification texts (built in, and replaced by its
    /// own directory's) to check the team's drafts against.
    pub fn use_templates(&mut self, templates: Arc<Templates>) {
        self.templates = Some(templates);
    }

    /// The notification texts drafts are checked against.
    pub fn templates(&self) -> Option<Arc<Templates>> {
        self.templates.clone()
    }

    /// Adds an observer (to keep an index current, say), told of every event
    /// applied from now on.
    pub fn observe(&mut self, observer: Observer) {
        self.observers.push(observer);
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// How many transactions this engine has appended to the log: with
    /// group commit, fewer than the commands it recorded.
    pub fn commits(&self) -> u64 {
        self.commits
    }

    /// Where this engine publishes what readers read.
    pub fn views(&self) -> Views {
        self.views.clone()
    }

    /// Publishes the state as it is now: readers that load a view from now
    /// on see it. O(1) in the state's size (its maps are persistent).
    fn publish(&self) {
        self.views.0.store(Arc::new(View {
            state: self.state.clone(),
            cases: self.cases.clone(),
            head: self.head,
            head_at: self.head_at,
            backend: self.store.backend(),
        }));
    }

    /// The events of one case (see [`CaseIndex`]), as stored and as read,
    /// in log order: read by sequence number, never by a scan.
    pub fn case_events(
        &mut self,
        report: ReportId,
    ) -> Result<Vec<(StoredEvent, Event)>, EngineError> {
        let seqs = self.cases.of(report).to_vec();
        self.store
            .events(&seqs)?
            .into_iter()
            .map(|stored| {
                let event = parse(&stored)?;
                Ok((stored, event))
            })
            .collect()
    }

    /// The sequence number of the event that recorded notification `id`, if
    /// this engine applied it (or read it from a snapshot that kept it).
    pub fn notification_seq(&self, id: u64) -> Option<u64> {
        self.cases.notification(id)
    }

    pub fn head(&self) -> Head {
        self.head
    }

    /// When the head event happened (`None` for an empty log): the earliest
    /// time a command may be decided at.
    pub fn head_at(&self) -> Option<Timestamp> {
        self.head_at
    }

    /// Reads the head event's time from the log when a snapshot left nothing
    /// to replay: one event, read by its sequence number.
    fn read_head_time(&mut self) -> Result<(), EngineError> {
        if self.head_at.is_some() || self.head.seq == 0 {
            return Ok(());
        }
        let head = self.store.events(&[self.head.seq])?;
        self.head_at = head.first().and_then(time_of);
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    pub fn store(&mut self) -> &mut dyn EventStore {
        self.store.as_mut()
    }

    /// Applies the events other nodes appended since this node last looked,
    /// telling the observers of each. Returns how many there were.
    ///
    /// A long catch-up (a start-up's replay) is a pipeline: one thread reads
    /// the log, [`parsers`] threads parse its events' JSON in batches, and
    /// this thread applies them in log order as they come. Parsing is most
    /// of a replay's work, so it is shared out; a few events are read,
    /// parsed and applied here, one at a time.
    pub fn catch_up(&mut self, progress: &mut dyn FnMut(u64)) -> Result<u64, EngineError> {
        let count = self.replay(progress)?;
        if count > 0 {
            self.publish();
        }
        Ok(count)
    }

    /// Applies the events after the head, in a pipeline when there are many
    /// (see [`parsers`]).
    fn replay(&mut self, progress: &mut dyn FnMut(u64)) -> Result<u64, EngineError> {
        let parsers = parsers();
        let behind = self.store.head()?.seq.saturating_sub(self.head.seq);
        if behind < PIPELINE_FROM || parsers == 0 {
            return self.catch_up_here(progress);
        }
        let after = self.head.seq;
        let (mut applier, store) = self.applier();
        std::thread::scope(|scope| {
            let mut to_parse = Vec::with_capacity(parsers);
            let mut parsed = Vec::with_capacity(parsers);
            for _ in 0..parsers {
                let (send_raw, raw) = std::sync::mpsc::sync_channel::<Vec<StoredEvent>>(4);
                let (send_parsed, receive) = std::sync::mpsc::sync_channel(4);
                scope.spawn(move || {
                    for batch in raw {
                        let batch: Result<Vec<Parsed>, StoreError> =
                            batch.into_iter().map(|e| Parsed::of(&e)).collect();
                        if send_parsed.send(batch).is_err() {
                            return;
                        }
                    }
                });
                to_parse.push(send_raw);
                parsed.push(receive);
            }
            // Batches go to the parsers in turn and are taken back in the
            // same turn, so they are applied in log order.
            let reader = scope.spawn(move || {
                let (mut batch, mut sent) = (Vec::with_capacity(BATCH), 0usize);
                let mut send = |batch: Vec<StoredEvent>| {
                    let to = &to_parse[sent % to_parse.len()];
                    sent += 1;
                    to.send(batch).map_err(|_| stopped())
                };
                store.scan(after, &mut |e| {
                    batch.push(e);
                    if batch.len() == BATCH {
                        send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))?;
                    }
                    Ok(())
                })?;
                if !batch.is_empty() {
                    send(batch)?;
                }
                Ok::<(), StoreError>(())
            });
            let applied = (|| {
                for turn in 0.. {
                    let Ok(batch) = parsed[turn % parsed.len()].recv() else {
                        return Ok(());
                    };
                    for event in batch? {
                        applier.apply(event, progress);
                    }
                }
                Ok::<(), StoreError>(())
            })();
            // Stops the reader and the parsers if applying stopped early.
            drop(parsed);
            let read = reader.join().unwrap_or_else(|_| Err(stopped()));
            // A parse error is the cause of the reader's being stopped.
            applied.and(read)
        })?;
        progress(applier.count);
        Ok(applier.count)
    }

    /// The engine split for a catch-up: what applies the events, and the
    /// log they are read from.
    fn applier(&mut self) -> (Applier<'_>, &mut Box<dyn EventStore>) {
        let applier = Applier {
            state: &mut self.state,
            cases: &mut self.cases,
            head: &mut self.head,
            head_at: &mut self.head_at,
            observers: &mut self.observers,
            count: 0,
        };
        (applier, &mut self.store)
    }

    /// [`Engine::catch_up`] on this thread alone.
    fn catch_up_here(&mut self, progress: &mut dyn FnMut(u64)) -> Result<u64, EngineError> {
        let (mut applier, store) = self.applier();
        store.scan(applier.head.seq, &mut |e| {
            applier.apply(Parsed::of(&e)?, progress);
            Ok(())
        })?;
        progress(applier.count);
        Ok(applier.count)
    }

    /// Decides a command and records its events. Nothing is recorded on a refusal.
    pub fn execute(
        &mut self,
        actor: &Actor,
        command: &Command,
        now: Timestamp,
    ) -> Result<Recorded, EngineError> {
        self.record(&[(actor, command)], now)
    }

    /// Decides several commands in order, each seeing the effects of the ones
    /// before, and records all their events in one transaction: all or nothing.
    pub fn execute_all(
        &mut self,
        commands: &[(Actor, Command)],
        now: Timestamp,
    ) -> Result<Recorded, EngineError> {
        let commands: Vec<(&Actor, &Command)> = commands.iter().map(|(a, c)| (a, c)).collect();
        self.record(&commands, now)
    }

    /// Decides commands that arrived together, in order, each seeing the
    /// effects of those before it, and records the events of every command
    /// accepted in one durable transaction (group commit). A refused command
    /// records nothing and does not stop the others: each command has its
    /// own outcome, in the order given. An error of the store records nothing
    /// of the group.
    pub fn execute_group(
        &mut self,
        group: &[(Actor, Command)],
        now: Timestamp,
    ) -> Result<Vec<Result<Recorded, Refusal>>, EngineError> {
        for _ in 0..MAX_RETRIES {
            self.not_before_head(now)?;
            let (events, decided) = self.decide_each(group, now);
            if decided.iter().any(Result::is_err) && self.store.head()?.seq != self.head.seq {
                // A refusal may come from a state another node has since
                // changed: refuse only what the current log refuses.
                self.catch_up(&mut |_| {})?;
                continue;
            }
            let stored = match self.commit(&events, now) {
                Ok(stored) => stored,
                Err(StoreError::Conflict { .. }) => {
                    self.catch_up(&mut |_| {})?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            return Ok(decided
                .into_iter()
                .map(|outcome| {
                    outcome.map(|(range, warnings)| Recorded {
                        events: stored[range].to_vec(),
                        warnings,
                    })
                })
                .collect());
        }
        Err(EngineError::Contended)
    }

    /// Decides each command of a group in turn on a scratch copy of the
    /// state: the events of all those accepted, and for each command the
    /// range of its own events and its warnings, or its refusal.
    #[allow(clippy::type_complexity)]
    fn decide_each<'c>(
        &self,
        group: &'c [(Actor, Command)],
        now: Timestamp,
    ) -> (
        Vec<(&'c Actor, Event)>,
        Vec<Result<(std::ops::Range<usize>, Vec<Warning>), Refusal>>,
    ) {
        let mut events = Vec::new();
        let mut staged: Option<State> = None;
        let decided = group
            .iter()
            .enumerate()
            .map(|(index, (actor, command))| {
                let state = staged.as_ref().unwrap_or(&self.state);
                let Decision {
                    events: e,
                    warnings,
                } = self.decide_one(state, actor, command, now)?;
                let start = events.len();
                // The last command's events need not be staged: nothing
                // after it is decided on them.
                if index + 1 < group.len() {
                    let state = staged.get_or_insert_with(|| self.state.clone());
                    e.iter().for_each(|event| state.apply(event));
                }
                events.extend(e.into_iter().map(|event| (actor, event)));
                Ok((start..events.len(), warnings))
            })
            .collect();
        (events, decided)
    }

    /// Appends decided events in one durable transaction on the head this
    /// state was decided on, then applies them: the state, the case index,
    /// the observers and the head. Nothing is applied when the append fails.
    fn commit(
        &mut self,
        events: &[(&Actor, Event)],
        now: Timestamp,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let batch: Vec<NewEvent> = events
            .iter()
            .map(|(actor, e)| envelope(actor, e, now))
            .collect();
        let stored = self.store.append(self.head.seq, &batch)?;
        self.commits += 1;
        for ((_, event), recorded) in events.iter().zip(&stored) {
            self.state.apply(event);
            self.cases.add(&self.state, recorded.seq, event);
            let state = &self.state;
            self.observers
                .iter_mut()
                .for_each(|observe| observe(state, event));
        }
        if let Some(last) = stored.last() {
            self.head = Head {
                seq: last.seq,
                hash: last.hash,
            };
            self.head_at = Some(now);
        }
        // Published before the callers are answered, so that what they
        // read next shows what they recorded.
        self.publish();
        Ok(stored)
    }

    /// Decides and records, retrying after catching up when the log moved.
    fn record(
        &mut self,
        commands: &[(&Actor, &Command)],
        now: Timestamp,
    ) -> Result<Recorded, EngineError> {
        for _ in 0..MAX_RETRIES {
            self.not_before_head(now)?;
            let (events, warnings) = match self.decide_all(commands, now) {
                Ok(decided) => decided,
                // A refusal may come from a state another node has since
                // changed: refuse only what the current log refuses.
                Err(refused) if self.store.head()?.seq != self.head.seq => {
                    tracing::debug!(%refused, "refused on a stale state; catching up");
                    self.catch_up(&mut |_| {})?;
                    continue;
                }
                Err(refused) => return Err(refused),
            };
            match self.commit(&events, now) {
                Ok(stored) => {
                    return Ok(Recorded {
                        events: stored,
                        warnings,
                    });
                }
                Err(StoreError::Conflict { .. }) => {
                    self.catch_up(&mut |_| {})?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Contended)
    }

    /// Refuses a time before the head event's. Checked against the head the
    /// decision is made on: an append on a stale head is refused by the
    /// store, and the check is made again after catching up.
    fn not_before_head(&self, now: Timestamp) -> Result<(), EngineError> {
        match self.head_at {
            Some(head_at) if now < head_at => Err(EngineError::BeforeHead {
                now,
                head_seq: self.head.seq,
                head_at,
            }),
            _ => Ok(()),
        }
    }

    /// Decides the commands. A single command is decided against the live
    /// state; several are decided on a scratch copy, because each must see
    /// the effects of the ones before it. Either way the live state changes
    /// only once the events are recorded.
    #[allow(clippy::type_complexity)]
    fn decide_all<'c>(
        &self,
        commands: &[(&'c Actor, &Command)],
        now: Timestamp,
    ) -> Result<(Vec<(&'c Actor, Event)>, Vec<Warning>), EngineError> {
        let (mut events, mut warnings) = (Vec::new(), Vec::new());
        if let [(actor, command)] = *commands {
            let Decision {
                events: e,
                warnings: w,
            } = self.decide_one(&self.state, actor, command, now)?;
            events.extend(e.into_iter().map(|e| (actor, e)));
            return Ok((events, w));
        }
        let mut staged = self.state.clone();
        for (index, &(actor, command)) in commands.iter().enumerate() {
            let Decision {
                events: e,
                warnings: w,
            } = self
                .decide_one(&staged, actor, command, now)
                .map_err(|refusal| EngineError::RefusedInBatch {
                    index,
                    total: commands.len(),
                    name: command.name(),
                    refusal,
                })?;
            for event in e {
                staged.apply(&event);
                events.push((actor, event));
            }
            warnings.extend(w.into_iter().filter(|w| w.requirement != "TEAM-3"));
        }
        // The team's size matters once the whole batch is in, not half-way.
        warnings.extend(
            staged
                .team_warnings()
                .into_iter()
                .filter(|w| w.requirement == "TEAM-3"),
        );
        Ok((events, warnings))
    }

    /// Decides one command. A draft of the team's text is first checked
    /// against the notification it is for (TEMPLATE-1): the policy knows
    /// who may write it, the renderer which placeholders it may use.
    fn decide_one(
        &self,
        state: &State,
        actor: &Actor,
        command: &Command,
        now: Timestamp,
    ) -> Result<Decision, Refusal> {
        if let Command::DraftTemplate { name, text } = command {
            let decision = decide(state, actor, command, now)?;
            let checked = match &self.templates {
                Some(templates) => templates.check(name, text).map(drop),
                None => Err((
                    "text",
                    "the notification texts could not be loaded".to_owned(),
                )),
            };
            return checked
                .map(|()| decision)
                .map_err(|(field, reason)| Refusal::Invalid { field, reason });
        }
        decide(state, actor, command, now)
    }

    /// Writes a snapshot of the current state, so the next start-up replays
    /// only what comes after it.
    pub fn snapshot(&mut self) -> Result<(), EngineError> {
        if self.head.seq == self.snapshot_seq.load(Ordering::Acquire) {
            return Ok(());
        }
        save_snapshot(
            self.store.as_mut(),
            &self.state,
            &self.cases,
            self.head,
            &self.snapshot_seq,
        )
    }
}

/// A snapshot of a published [`View`], written without the engine that
/// published it (see [`Engine::snapshot_writer`]).
pub struct SnapshotWriter {
    view: Arc<View>,
    written: Arc<AtomicU64>,
}

impl SnapshotWriter {
    /// The event the snapshot is of.
    pub fn seq(&self) -> u64 {
        self.view.head.seq
    }

    /// Writes the snapshot through `store` (a connection of the caller's).
    pub fn write(self, store: &mut dyn EventStore) -> Result<(), EngineError> {
        let view = &self.view;
        save_snapshot(store, &view.state, &view.cases, view.head, &self.written)
    }
}

/// Writes a snapshot of `state` and `cases` at `head`, and notes it in
/// `written` (never lowering it).
fn save_snapshot(
    store: &mut dyn EventStore,
    state: &State,
    cases: &CaseIndex,
    head: Head,
    written: &AtomicU64,
) -> Result<(), EngineError> {
    let bytes = encode_snapshot(state, cases).map_err(|reason| EngineError::Snapshot {
        seq: head.seq,
        reason,
    })?;
    store.save_snapshot(&Snapshot {
        seq: head.seq,
        hash: head.hash,
        state: bytes,
    })?;
    written.fetch_max(head.seq, Ordering::AcqRel);
    Ok(())
}

/// The log's envelope for one event: when, who, in which capacity, what.
pub fn envelope(actor: &Actor, event: &Event, now: Timestamp) -> NewEvent {
    NewEvent {
        at_micros: now.as_microsecond(),
        actor: actor.person.to_string(),
        role: actor.capacity.as_str().to_owned(),
        kind: event.kind().to_owned(),
        payload: event.to_payload(),
    }
}

/// A stored event's payload as the event it is.
fn parse(e: &StoredEvent) -> Result<Event, StoreError> {
    Event::from_payload(&e.payload).map_err(|err| StoreError::CorruptEvent {
        seq: e.seq,
        reason: format!("not a modpod event: {err}"),
    })
}

/// A stored event's time. One out of jiff's range (an imported log written
/// elsewhere) sets no bound rather than stopping the replay: any log replays.
fn time_of(e: &StoredEvent) -> Option<Timestamp> {
    Timestamp::from_microsecond(e.at_micros).ok()
}

/// What a snapshot holds.
pub struct SnapshotBody {
    pub state: State,
    pub cases: CaseIndex,
}

/// A snapshot's bytes: [`SNAPSHOT_FORMAT`], then four sections, each its
/// length (8 bytes, little-endian) and MessagePack (maps with named
/// members, self-describing as JSON is, so the state's tagged enums and
/// defaults read as they do from JSON) compressed as an LZ4 block: the
/// state without its notifications and reports, its notifications (in their
/// compact form: most of a long log's state, and the slowest to read as
/// tagged enums), its reports, the case index. Each section is decompressed
/// and decoded on a thread of its own ([`read_snapshot`]).
pub fn encode_snapshot(state: &State, cases: &CaseIndex) -> Result<Vec<u8>, String> {
    let mut rest = state.clone();
    let notifications = std::mem::take(&mut rest.notifications);
    let reports = std::mem::take(&mut rest.reports);
    let mut out = SNAPSHOT_FORMAT.to_vec();
    section(&mut out, &rest)?;
    section(&mut out, &notifications.compact())?;
    section(&mut out, &reports)?;
    section(&mut out, cases)?;
    Ok(out)
}

/// Appends one section: its length, then `part` as MessagePack compressed
/// as an LZ4 block, its uncompressed length first. Read back by [`unpacked`].
fn section<T: Serialize>(out: &mut Vec<u8>, part: &T) -> Result<(), String> {
    let packed = rmp_serde::to_vec_named(part).map_err(|e| e.to_string())?;
    if u32::try_from(packed.len()).is_err() {
        return Err(format!(
            "a section of {} bytes is past what a snapshot holds (4 GiB)",
            packed.len()
        ));
    }
    let compressed = lz4_flex::block::compress_prepend_size(&packed);
    let len = u64::try_from(compressed.len()).map_err(|e| e.to_string())?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&compressed);
    Ok(())
}

/// A section's MessagePack, decompressed; `None` if it does not decompress.
fn unpacked(part: &[u8]) -> Option<Vec<u8>> {
    lz4_flex::block::decompress_size_prepended(part).ok()
}

/// A snapshot's sections, or `None` if its lengths do not add up.
fn sections(mut body: &[u8]) -> Option<Vec<&[u8]>> {
    let mut parts = Vec::new();
    while !body.is_empty() {
        let (len, rest) = body.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        if len > rest.len() {
            return None;
        }
        let (part, rest) = rest.split_at(len);
        parts.push(part);
        body = rest;
    }
    Some(parts)
}

/// The four sections of a snapshot of this version (see [`encode_snapshot`]),
/// or `None` for another version or one whose lengths do not add up.
fn snapshot_sections(bytes: &[u8]) -> Option<[&[u8]; 4]> {
    sections(bytes.strip_prefix(SNAPSHOT_FORMAT)?)?
        .try_into()
        .ok()
}

/// One section, decompressed and decoded (straight from the bytes, never
/// copied through a reader's buffer); `None` if it is not a `T`.
fn decode<T: serde::de::DeserializeOwned>(part: &[u8]) -> Option<T> {
    rmp_serde::from_slice(&unpacked(part)?).ok()
}

/// The notifications section, in [`Notifications::compact`]'s form.
fn decode_notifications(part: &[u8]) -> Option<Notifications> {
    let packed = unpacked(part)?;
    Notifications::from_compact(&mut rmp_serde::Deserializer::from_read_ref(&packed)).ok()
}

/// What a snapshot of this version holds, its sections decoded on threads of
/// their own; `None` for a snapshot of another version or one that does not
/// decode (the log is then replayed from its start).
pub fn read_snapshot(bytes: &[u8]) -> Option<SnapshotBody> {
    let [rest, notifications, reports, cases] = snapshot_sections(bytes)?;
    std::thread::scope(|scope| {
        let notifications = scope.spawn(|| decode_notifications(notifications));
        let reports = scope.spawn(|| decode(reports));
        let cases = scope.spawn(|| decode(cases));
        let state: Option<State> = decode(rest);
        let (notifications, reports, cases) = (
            notifications.join().ok().flatten(),
            reports.join().ok().flatten(),
            cases.join().ok().flatten(),
        );
        let mut state = state?;
        state.notifications = notifications?;
        state.reports = reports?;
        Some(SnapshotBody {
            state,
            cases: cases?,
        })
    })
}

/// Each section of a snapshot of this version decoded alone, one after the
/// other on this thread: its name, its size and how long it took (the
/// `startup_phases` example); `None` for another version or one that does
/// not decode.
#[doc(hidden)]
pub fn time_snapshot_sections(
    bytes: &[u8],
) -> Option<Vec<(&'static str, usize, std::time::Duration)>> {
    let [rest, notifications, reports, cases] = snapshot_sections(bytes)?;
    fn timed<T>(
        name: &'static str,
        part: &[u8],
        decode: impl Fn(&[u8]) -> Option<T>,
    ) -> Option<(&'static str, usize, std::time::Duration)> {
        let start = std::time::Instant::now();
        let decoded = decode(part)?;
        let took = start.elapsed();
        drop(decoded);
        Some((name, part.len(), took))
    }
    Some(vec![
        timed(
            "the state without its notifications and reports",
            rest,
            decode::<State>,
        )?,
        timed("its notifications", notifications, decode_notifications)?,
        timed(
            "its reports",
            reports,
            decode::<
                modpod_policy::state::Map<ReportId, std::sync::Arc<modpod_policy::model::Report>>,
            >,
        )?,
        timed("the case index", cases, decode::<CaseIndex>)?,
    ])
}

/// Whether a snapshot decodes as this version's state, for timing the
/// decoding alone (the `startup_phases` example).
#[doc(hidden)]
pub fn decode_snapshot(snap: &Snapshot) -> bool {
    read_snapshot(&snap.state).is_some()
}
