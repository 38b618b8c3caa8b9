//! Turns at reading: the pages and answers built from the state and the
//! readers' connections run on blocking threads, as many at once as there
//! are turns, and the others wait for one in the order they came. A burst
//! of requests is then answered first come, first served, rather than all
//! of them sharing the cores and each taking as long as the slowest.

use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinError;

/// A number of turns, shared by every clone.
#[derive(Debug, Clone)]
pub struct Turns(Arc<Semaphore>);

impl Turns {
    /// `n` turns (at least one).
    pub fn new(n: usize) -> Turns {
        Turns(Arc::new(Semaphore::new(n.max(1))))
    }

    /// One turn more than this machine has cores, so that a core does not
    /// wait while the next read starts.
    pub fn for_this_machine() -> Turns {
        Turns::new(std::thread::available_parallelism().map_or(2, usize::from) + 1)
    }

    /// Runs `f` on a blocking thread once it is its turn (tokio's semaphore
    /// is fair: turns are given in the order they were asked for).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, JoinError> {
        // The semaphore is never closed, so a turn always comes.
        let turn = self.0.clone().acquire_owned().await.ok();
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            f()
        })
        .await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_reads_run_at_once_than_there_are_turns() {
        let turns = Turns::new(2);
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let reads: Vec<_> = (0..6)
            .map(|i| {
                let (turns, running, most) = (turns.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    turns
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            running.fetch_sub(1, Ordering::SeqCst);
                            i
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for (i, read) in reads.into_iter().enumerate() {
            assert_eq!(read.await.unwrap(), i);
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            2,
            "two turns: two reads at once"
        );
    }
}
