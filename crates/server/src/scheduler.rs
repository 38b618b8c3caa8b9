//! The scheduler: records, as `system`, what the policy says falls due with
//! time (`modpod_policy::schedule::due`: escalations, ends of temporary
//! actions, the IESG digest, the community report, step-down reminders).
//!
//! Safe with several nodes on one PostgreSQL without any lock of its own:
//! every node may find the same command due, but the log's optimistic append
//! makes all but the first re-decide on the state that includes it, where the
//! policy refuses it (already escalated, already ended, a period that does not
//! start where the last one ended). So each falls due once and is recorded
//! once, whichever node gets there first.

use crate::engine::{Engine, EngineError};
use jiff::Timestamp;
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, schedule};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Due commands recorded in one transaction. The engine is released between
/// batches, so a backlog (everything that fell due while modpod was
/// stopped) holds up the commands of requests by one batch at most.
pub const BATCH: usize = 64;

/// What one pass recorded and what was already done elsewhere.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub recorded: usize,
    /// Due commands refused when recorded: another node recorded them first.
    pub done_elsewhere: usize,
}

/// Records every command due at `now`, [`BATCH`] at a time, each batch
/// decided in order and appended in one transaction
/// ([`Engine::execute_group`]). Errors other than refusals (the store is
/// down) stop the pass; the next pass finds the rest still due. Due
/// commands are found on the state this node has; one another node already
/// recorded is refused once the engine has caught up, as above.
pub fn tick(engine: &Mutex<Engine>, now: Timestamp) -> Result<Pass, EngineError> {
    let system = Actor::new(PersonId::system(), Capacity::System);
    // Found on the view the engine published last, without holding it.
    let view = lock(engine).views().load();
    let due = schedule::due(&view.state, now);
    let mut pass = Pass::default();
    for batch in due.chunks(BATCH) {
        let group: Vec<_> = batch.iter().map(|c| (system.clone(), c.clone())).collect();
        let outcomes = lock(engine).execute_group(&group, now)?;
        for (command, outcome) in batch.iter().zip(outcomes) {
            match outcome {
                Ok(_) => {
                    tracing::info!(command = command.name(), "recorded what fell due");
                    pass.recorded += 1;
                }
                Err(refusal) => {
                    tracing::debug!(command = command.name(), %refusal, "already done elsewhere");
                    pass.done_elsewhere += 1;
                }
            }
        }
    }
    Ok(pass)
}

fn lock(engine: &Mutex<Engine>) -> MutexGuard<'_, Engine> {
    engine.lock().unwrap_or_else(PoisonError::into_inner)
}
