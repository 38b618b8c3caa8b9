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

/// What one pass recorded and what was already done elsewhere.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub recorded: usize,
    /// Due commands refused when recorded: another node recorded them first.
    pub done_elsewhere: usize,
}

/// Records every command due at `now`. Errors other than refusals (the store
/// is down) stop the pass; the next pass finds the rest still due.
/// Due commands are found on the state this node has; one another node
/// already recorded is refused once the engine has caught up, as above.
pub fn tick(engine: &mut Engine, now: Timestamp) -> Result<Pass, EngineError> {
    let system = Actor::new(PersonId::system(), Capacity::System);
    let mut pass = Pass::default();
    for command in schedule::due(engine.state(), now) {
        match engine.execute(&system, &command, now) {
            Ok(_) => {
                tracing::info!(command = command.name(), "recorded what fell due");
                pass.recorded += 1;
            }
            Err(EngineError::Refused(refusal)) => {
                tracing::debug!(command = command.name(), %refusal, "already done elsewhere");
                pass.done_elsewhere += 1;
            }
            Err(other) => return Err(other),
        }
    }
    Ok(pass)
}
