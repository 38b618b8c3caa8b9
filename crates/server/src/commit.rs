//! Group commit. Every command of the API and the pages comes here
//! (`http::commands::execute`). The commands that arrive while a group is
//! being recorded wait together; then they are decided in the order they
//! arrived, each seeing the effects of those before it, and the events of
//! all those accepted are appended in one durable transaction
//! ([`Engine::execute_group`]). Each caller is answered with its own
//! outcome once its command is durable, or refused: one refusal does not
//! stop the others. Under load a commit costs one flush for many commands
//! instead of one each; alone, a command waits for nobody.
//!
//! No thread waits for work: the first command of a group starts a
//! blocking task that records groups until none is waiting.

use crate::engine::{Engine, EngineError, Recorded};
use jiff::Timestamp;
use modpod_policy::{Actor, Command, Refusal};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

/// The most commands recorded in one transaction, unless told otherwise.
pub const MAX_GROUP: usize = 256;

/// A command's outcome: recorded (durably) or refused; the outer error is
/// a failure to record.
pub type Outcome = Result<Result<Recorded, Refusal>, EngineError>;

struct Job {
    actor: Actor,
    command: Command,
    reply: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct Waiting {
    jobs: Vec<Job>,
    /// A task is recording groups: a new job joins the next one.
    recording: bool,
    /// How many commands were given, ever.
    received: u64,
}

/// Where commands wait to be recorded together. Cheap to clone.
#[derive(Clone)]
pub struct Committer {
    engine: Arc<Mutex<Engine>>,
    waiting: Arc<Mutex<Waiting>>,
    max_group: usize,
}

impl Committer {
    pub fn new(engine: Arc<Mutex<Engine>>) -> Committer {
        Committer {
            engine,
            waiting: Arc::default(),
            max_group: MAX_GROUP,
        }
    }

    /// Records at most `max` commands in one transaction (at least 1: each
    /// in its own).
    #[must_use]
    pub fn with_max_group(mut self, max: usize) -> Committer {
        self.max_group = max.max(1);
        self
    }

    /// How many commands wait for the next group.
    pub fn waiting(&self) -> usize {
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .jobs
            .len()
    }

    /// How many commands were given to be recorded, ever.
    pub fn received(&self) -> u64 {
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .received
    }

    /// Decides and records `command` for `actor`, with the commands that
    /// arrive with it; answers once it is durable, or refused.
    pub async fn execute(&self, actor: Actor, command: Command) -> Outcome {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
            waiting.jobs.push(Job {
                actor,
                command,
                reply,
            });
            waiting.received += 1;
            !std::mem::replace(&mut waiting.recording, true)
        };
        if start {
            let committer = self.clone();
            tokio::task::spawn_blocking(move || committer.record_while_waiting());
        }
        // The sender is dropped unanswered only if recording panicked.
        answer.await.unwrap_or(Err(EngineError::Interrupted))
    }

    /// Records groups until no command waits.
    fn record_while_waiting(&self) {
        loop {
            let group: Vec<Job> = {
                let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
                if waiting.jobs.is_empty() {
                    waiting.recording = false;
                    return;
                }
                let take = waiting.jobs.len().min(self.max_group);
                waiting.jobs.drain(..take).collect()
            };
            // A panic fails its own group (its callers are told the command
            // was interrupted) and no other: the next group is recorded.
            let recorded =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.record(group)));
            if recorded.is_err() {
                tracing::error!("recording a group of commands panicked; its callers were told");
            }
        }
    }

    fn record(&self, group: Vec<Job>) {
        let mut engine = self.engine.lock().unwrap_or_else(PoisonError::into_inner);
        let commands: Vec<(Actor, Command)> = group
            .iter()
            .map(|job| (job.actor.clone(), job.command.clone()))
            .collect();
        match engine.execute_group(&commands, Timestamp::now()) {
            Ok(outcomes) => {
                for (job, outcome) in group.into_iter().zip(outcomes) {
                    // A caller that went away is not waiting for the answer.
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            // Every caller has the group's error. None is decided again: a
            // commit whose answer was lost may have reached the log, and a
            // command is never recorded twice.
            Err(error) => {
                tracing::warn!(%error, commands = group.len(), "a group of commands failed");
                let error = Arc::new(error);
                for job in group {
                    let _ = job.reply.send(Err(EngineError::InGroup(error.clone())));
                }
            }
        }
    }
}
