//! Connections of the readers' own to the log's store: what requests read
//! beside the state (sessions, API tokens, accounts, a case's events by
//! sequence number, the delivery ledger) is read on one of these, never on
//! the engine's connection, so reading never waits for the engine to record,
//! and a password is never checked while the engine is locked.
//!
//! The state itself is read from the view the engine published last
//! ([`crate::engine::Views`]).

use crate::Engine;
use modpod_store::{EventStore, StoreError};
use std::sync::{Arc, Mutex, PoisonError};

/// How many idle connections are kept for the next readers; more are opened
/// while more read at once, and closed when they are done.
const KEPT: usize = 16;

/// A pool of connections to the log's store, opened as they are needed.
pub struct Readers {
    idle: Mutex<Vec<Box<dyn EventStore>>>,
    /// The connection new ones are opened from (see
    /// [`EventStore::another`]); used for nothing else.
    opener: Mutex<Option<Box<dyn EventStore>>>,
    /// Asked for a connection to open others from when there is none yet
    /// (it could not be opened when the pool was made).
    engine: Arc<Mutex<Engine>>,
}

impl Readers {
    /// A pool beside `engine`, with its first connections open.
    pub fn new(engine: Arc<Mutex<Engine>>) -> Readers {
        let (opener, first) = {
            let mut locked = engine.lock().unwrap_or_else(PoisonError::into_inner);
            let store = locked.store();
            (store.another(), store.another())
        };
        let opener = opener
            .inspect_err(|error| {
                tracing::warn!(%error, "cannot open a connection for readers yet; will try again");
            })
            .ok();
        Readers {
            idle: Mutex::new(first.ok().into_iter().collect()),
            opener: Mutex::new(opener),
            engine,
        }
    }

    /// Runs `f` on a connection of the readers' own. Blocks while it reads:
    /// call it from a blocking thread.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut dyn EventStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut store = self.take()?;
        let out = f(store.as_mut());
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < KEPT {
            idle.push(store);
        }
        out
    }

    /// An idle connection, or a new one.
    fn take(&self) -> Result<Box<dyn EventStore>, StoreError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(store) = idle {
            return Ok(store);
        }
        let mut opener = self.opener.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(opener) = opener.as_mut() {
            return opener.another();
        }
        let mut fresh = self
            .engine
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .store()
            .another()?;
        let one = fresh.another()?;
        *opener = Some(fresh);
        Ok(one)
    }
}
