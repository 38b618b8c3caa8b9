//! Keeping modpod in step with the registry of groups (FORUM-5): what
//! `modpod sync datatracker` and the periodic sync of `modpod serve` run once
//! the Datatracker has been read (`modpod_datatracker::Client`, outside any
//! lock on the engine).
//!
//! Who set what is read from the log (`Provenance`, from the events' actors;
//! only the events since the last sync are read again); the pure mapping
//! `modpod_datatracker::plan` says what to change; the changes are recorded
//! in one transaction as `system`, followed by a `registry_synced` event
//! naming the source and the operator on whose behalf they were made. A
//! command the policy refuses is left out and reported, and the rest
//! recorded: one bad row never stops the sync. Nothing is recorded when
//! nothing changed, nor in a dry run.

use crate::engine::{Engine, EngineError};
use jiff::Timestamp;
use modpod_datatracker::provenance::Provenance;
use modpod_datatracker::{Conflict, Registry, Skipped, plan};
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command, Event};
use modpod_store::StoreError;
use serde::Serialize;

/// At most this many commands are left out of one sync before it gives up.
const MAX_REFUSED: usize = 1_000;

/// What a sync did, or (in a dry run) would do.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The Datatracker it read.
    pub source: String,
    pub at: Timestamp,
    pub dry_run: bool,
    /// One line per change recorded (or, in a dry run, to record).
    pub changes: Vec<String>,
    /// What was set by hand and disagrees with the Datatracker: left as it is.
    pub conflicts: Vec<Conflict>,
    /// The Datatracker's rows that could not be used.
    pub skipped: Vec<Skipped>,
    /// Changes the policy refused, with its reason: left out.
    pub refused: Vec<String>,
    /// How many events were recorded.
    pub recorded: usize,
}

/// A sync's memory between runs: who set what, as of the last event read.
#[derive(Debug, Default)]
pub struct Sync {
    provenance: Provenance,
}

impl Sync {
    pub fn new() -> Sync {
        Sync::default()
    }

    /// Brings the log in step with `registry`, on behalf of `operator`, at
    /// `now`; with `dry_run`, only says what it would record.
    pub fn run(
        &mut self,
        engine: &mut Engine,
        registry: &Registry,
        operator: &PersonId,
        dry_run: bool,
        now: Timestamp,
    ) -> Result<Report, EngineError> {
        engine.catch_up(&mut |_| {})?;
        self.read_log(engine)?;
        let planned = plan(registry, engine.state(), &self.provenance);
        let mut report = Report {
            source: registry.source.clone(),
            at: now,
            dry_run,
            changes: planned.changes,
            conflicts: planned.conflicts,
            skipped: planned.skipped,
            refused: Vec::new(),
            recorded: 0,
        };
        let system = Actor::new(PersonId::system(), Capacity::System);
        let mut commands: Vec<(Actor, Command)> = planned
            .commands
            .into_iter()
            .map(|c| (system.clone(), c))
            .collect();
        if dry_run {
            return Ok(report);
        }
        while !commands.is_empty() {
            let mut batch = commands.clone();
            batch.push((
                system.clone(),
                Command::RecordRegistrySync {
                    source: registry.source.clone(),
                    on_behalf_of: operator.clone(),
                    changes: commands.len() as u64,
                },
            ));
            match engine.execute_all(&batch, now) {
                Ok(recorded) => {
                    report.recorded = recorded.events.len();
                    break;
                }
                Err(EngineError::RefusedInBatch { index, refusal, .. })
                    if index < commands.len() && report.refused.len() < MAX_REFUSED =>
                {
                    commands.remove(index);
                    let change = report.changes.remove(index);
                    report.refused.push(format!(
                        "{change}: refused ({}): {refusal}",
                        refusal.requirement()
                    ));
                }
                Err(other) => return Err(other),
            }
        }
        Ok(report)
    }

    /// Reads who set what from the events appended since the last run.
    fn read_log(&mut self, engine: &mut Engine) -> Result<(), EngineError> {
        let provenance = &mut self.provenance;
        engine.store().scan(provenance.seen, &mut |e| {
            if Provenance::KINDS.contains(&e.kind.as_str()) {
                let event =
                    Event::from_payload(&e.payload).map_err(|reason| StoreError::CorruptEvent {
                        seq: e.seq,
                        reason: format!("not a modpod event: {reason}"),
                    })?;
                provenance.observe(e.seq, &e.actor, &event);
            } else {
                provenance.seen = e.seq;
            }
            Ok(())
        })?;
        Ok(())
    }
}
