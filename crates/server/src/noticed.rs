//! Records what the policy server noticed in the posts it let through
//! (`modpod_enforce::watch`): a restricted person posting where they are not
//! restricted (CIRCUMVENT-1), and the volume rule broken (REPORT-6). The
//! policy server passes each on as a command over a bounded queue, without
//! waiting; this records them as `system`, one by one, on a thread of its
//! own, so the answer to a post never waits on the log.
//!
//! The policy decides each like any other command: a sighting the
//! moderators were alerted to within the procedures' hours, or a volume
//! limit on someone already restricted there, is refused, which is how
//! several nodes noticing the same thing record it once.

use crate::engine::{Engine, EngineError};
use jiff::Timestamp;
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How many commands may wait to be recorded; more are dropped.
pub const QUEUE: usize = 256;

/// A queue for the policy server (`Policy::reporting_to`) and its receiving
/// end, for [`run`].
pub fn queue() -> (SyncSender<Command>, Receiver<Command>) {
    sync_channel(QUEUE)
}

/// Records one command the policy server passed on, as `system`, at `now`:
/// whether it was recorded. A refusal is no error: the policy said no.
pub fn record(engine: &mut Engine, command: &Command, now: Timestamp) -> Result<bool, EngineError> {
    let system = Actor::new(PersonId::system(), Capacity::System);
    match engine.execute(&system, command, now) {
        Ok(_) => {
            tracing::info!(command = command.name(), "recorded what a post showed");
            Ok(true)
        }
        Err(EngineError::Refused(refusal)) => {
            tracing::debug!(command = command.name(), %refusal, "not recorded");
            Ok(false)
        }
        Err(other) => Err(other),
    }
}

/// Records each command that arrives, until `stopping` is set or every
/// sender is gone. One that cannot be recorded (the store is down) is
/// dropped: the next post shows it again.
pub fn run(engine: &Mutex<Engine>, noticed: &Receiver<Command>, stopping: &AtomicBool) {
    while !stopping.load(Ordering::Relaxed) {
        let command = match noticed.recv_timeout(Duration::from_millis(250)) {
            Ok(command) => command,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut engine = engine.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = record(&mut engine, &command, Timestamp::now()) {
            tracing::warn!(%error, command = command.name(), "cannot record what a post showed");
        }
    }
}
