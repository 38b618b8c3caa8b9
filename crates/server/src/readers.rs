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
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// The most connections readers hold at once: more readers wait for one
/// to be given back, so a burst of reads (of password logins, say) never
/// exhausts the database's connections.
const MOST: usize = 16;

struct Pool {
    idle: Vec<Box<dyn EventStore>>,
    /// How many are open, idle or in use.
    open: usize,
}

/// A pool of connections to the log's store, opened as they are needed,
/// at most [`MOST`].
pub struct Readers {
    pool: Mutex<Pool>,
    /// Told when a connection is given back, or one fewer is open.
    given_back: Condvar,
    /// The connection new ones are opened from (see
    /// [`EventStore::another`]); used for nothing else.
    opener: Mutex<Option<Box<dyn EventStore>>>,
    /// Asked for a connection to open others from when there is none yet
    /// (it could not be opened when the pool was made).
    engine: Arc<Mutex<Engine>>,
}

/// A connection taken from the pool, given back when dropped (a reader
/// that panics gives it back too).
struct Taken<'a> {
    readers: &'a Readers,
    store: Option<Box<dyn EventStore>>,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            self.readers.lock().idle.push(store);
            self.readers.given_back.notify_one();
        }
    }
}

impl Drop for Readers {
    /// The PostgreSQL client closes a connection by blocking on it, which
    /// must not happen on an async thread (the last request's, at
    /// shutdown): the connections are closed on a thread of their own.
    fn drop(&mut self) {
        let idle = std::mem::take(
            &mut self
                .pool
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .idle,
        );
        let opener = self
            .opener
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if idle.is_empty() && opener.is_none() {
            return;
        }
        let closing = std::thread::spawn(move || drop((idle, opener)));
        if closing.join().is_err() {
            tracing::warn!("closing the readers' connections failed");
        }
    }
}

impl Readers {
    /// A pool beside `engine`. Its connections are opened as readers need
    /// them, on the readers' blocking threads: the PostgreSQL client must
    /// never connect on an async one.
    pub fn new(engine: Arc<Mutex<Engine>>) -> Readers {
        Readers {
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                open: 0,
            }),
            given_back: Condvar::new(),
            opener: Mutex::new(None),
            engine,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on a connection of the readers' own. Blocks while it reads,
    /// and while every connection is in use: call it from a blocking thread.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut dyn EventStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut taken = Taken {
            readers: self,
            store: Some(self.take()?),
        };
        match taken.store.as_mut() {
            Some(store) => f(store.as_mut()),
            None => Err(StoreError::Unsupported(
                "a reader's connection was given back before it was used".to_owned(),
            )),
        }
    }

    /// An idle connection, a new one while fewer than [`MOST`] are open, or
    /// the next one given back.
    fn take(&self) -> Result<Box<dyn EventStore>, StoreError> {
        let mut pool = self.lock();
        loop {
            if let Some(store) = pool.idle.pop() {
                return Ok(store);
            }
            if pool.open < MOST {
                pool.open += 1;
                drop(pool);
                return self.open().inspect_err(|_| {
                    self.lock().open -= 1;
                    self.given_back.notify_one();
                });
            }
            pool = self
                .given_back
                .wait(pool)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// A new connection, from the engine's the first time.
    fn open(&self) -> Result<Box<dyn EventStore>, StoreError> {
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
