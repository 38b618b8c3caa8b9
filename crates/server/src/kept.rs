//! What everybody is shown alike (the transparency report, the statistics,
//! the roster, the procedures, the announcements, as pages and as JSON),
//! made once per change of the log rather than once per request: a flood of
//! requests is answered from here, without deciding anything again and
//! without waiting for the engine.
//!
//! An answer is made again when the log has changed since (the head of the
//! view it is made from, which the engine publishes after every change,
//! this node's and those it caught up with), and at most a minute after it
//! was made, for those that tell the time (the announcements in force now,
//! the roster's week, a period that ends now). While one request makes an
//! answer again, the others get the copy they would have had a moment before.
//! The transparency report is made again from its counts as they were,
//! moved on by what changed ([`Tallies`]).

use jiff::Timestamp;
use modpod_policy::State;
use modpod_policy::transparency::{Tally, Transparency};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long an answer that tells the time is served as made.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// The answers kept at most: a query (`/transparency?from=...`) is an
/// answer of its own, and anyone may ask for any.
const MOST: usize = 256;

/// Answers of type `T` (cheap to clone: shared, not copied, by every request
/// served from them), by key (the path and query).
#[derive(Debug)]
pub struct Kept<T> {
    pages: Mutex<HashMap<String, Page<T>>>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept {
            pages: Mutex::new(HashMap::new()),
        }
    }
}

#[derive(Debug)]
struct Page<T> {
    /// The head of the log (its sequence number) the answer was made at.
    changes: u64,
    rendered: Instant,
    kept: T,
    /// A request is making it again.
    refreshing: bool,
}

/// What to do for one request.
enum Lookup<T> {
    /// Serve this copy.
    Hit(T),
    /// Make the answer and [`Kept::keep`] it.
    Render,
}

impl<T: Clone + Send + 'static> Kept<T> {
    /// The answer `key` as of the log's head `changes`: the copy kept, or the
    /// one `make` makes, on a blocking thread when it is its turn among the
    /// reads (`turns`), kept for the requests after it. `lost` is the error
    /// for a `make` that panicked.
    pub(crate) async fn get_or_make<E: Send + 'static>(
        &self,
        turns: &crate::turns::Turns,
        key: String,
        changes: u64,
        make: impl FnOnce() -> Result<T, E> + Send + 'static,
        lost: impl FnOnce(tokio::task::JoinError) -> E,
    ) -> Result<T, E> {
        if let Lookup::Hit(kept) = self.lookup(&key, changes) {
            return Ok(kept);
        }
        let made = turns.run(make).await.map_err(lost).and_then(|made| made);
        match &made {
            Ok(kept) => self.keep(key, changes, kept.clone()),
            Err(_) => self.failed(&key),
        }
        made
    }

    /// What to do for a request of the answer `key` when the log's head is
    /// `changes` (the sequence number of the view it would be made from).
    fn lookup(&self, key: &str, changes: u64) -> Lookup<T> {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        match pages.get_mut(key) {
            Some(page) if page.changes == changes && page.rendered.elapsed() < FRESH_FOR => {
                Lookup::Hit(page.kept.clone())
            }
            Some(page) if page.refreshing => Lookup::Hit(page.kept.clone()),
            Some(page) => {
                page.refreshing = true;
                Lookup::Render
            }
            None => Lookup::Render,
        }
    }

    /// Keeps an answer made when the log was at `changes`.
    fn keep(&self, key: String, changes: u64, kept: T) {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        if pages.len() >= MOST && !pages.contains_key(&key) {
            pages.clear();
        }
        pages.insert(
            key,
            Page {
                changes,
                rendered: Instant::now(),
                kept,
                refreshing: false,
            },
        );
    }

    /// An answer that could not be made: the next request tries again.
    fn failed(&self, key: &str) {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(page) = pages.get_mut(key) {
            page.refreshing = false;
        }
    }
}

/// The periods whose transparency counts are kept at most: anyone may ask
/// for any period, and each holds its own counts.
const MOST_TALLIES: usize = 8;

/// The transparency report's counts, by period, each with the state it
/// counts: made again after a change of the log, a period's report is its
/// counts moved on by what changed ([`Tally::advance`]), not a walk of
/// everything in the period.
#[derive(Debug, Default)]
pub struct Tallies {
    kept: Mutex<HashMap<(Timestamp, Timestamp), (Tally, State)>>,
}

impl Tallies {
    /// The report of `[from, to)` as `state` has it.
    pub fn report(&self, state: &State, from: Timestamp, to: Timestamp) -> Transparency {
        let kept = self.lock().remove(&(from, to));
        // Two requests at once for one period: the second counts afresh.
        let tally = match kept {
            Some((mut tally, counted)) => {
                tally.advance(&counted, state);
                tally
            }
            None => Tally::new(state, from, to),
        };
        let report = tally.report(state);
        let mut kept = self.lock();
        if kept.len() >= MOST_TALLIES && !kept.contains_key(&(from, to)) {
            kept.clear();
        }
        kept.insert((from, to), (tally, state.clone()));
        report
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Timestamp, Timestamp), (Tally, State)>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    fn hit(pages: &Kept<&'static str>, key: &str, at: u64) -> Option<String> {
        match pages.lookup(key, at) {
            Lookup::Hit(html) => Some(html.to_owned()),
            Lookup::Render => None,
        }
    }

    #[test]
    fn a_page_is_kept_until_the_log_changes_and_one_request_renders_it_again() {
        let pages = Kept::default();
        assert!(matches!(pages.lookup("/roster", 0), Lookup::Render));
        let at = 0;
        pages.keep("/roster".into(), at, "one");
        assert_eq!(hit(&pages, "/roster", at).as_deref(), Some("one"));
        assert_eq!(hit(&pages, "/statistics", at), None);
        let at = 1;
        // The first request after the change renders; the others meanwhile
        // get the copy from before it.
        assert!(matches!(pages.lookup("/roster", at), Lookup::Render));
        assert_eq!(hit(&pages, "/roster", at).as_deref(), Some("one"));
        pages.keep("/roster".into(), 1, "two");
        assert_eq!(hit(&pages, "/roster", at).as_deref(), Some("two"));
        // A failed render lets the next request try.
        assert!(matches!(pages.lookup("/roster", 2), Lookup::Render));
        pages.failed("/roster");
        assert!(matches!(pages.lookup("/roster", 2), Lookup::Render));
    }

    #[test]
    fn any_number_of_queries_keeps_at_most_a_bounded_number_of_pages() {
        let pages = Kept::default();
        for i in 0..(MOST * 3) {
            pages.keep(format!("/transparency?from={i}"), 0, "x");
        }
        let kept = pages.pages.lock().map(|p| p.len()).unwrap_or(usize::MAX);
        assert!(kept <= MOST, "{kept}");
    }

    #[test]
    fn any_number_of_periods_keeps_the_counts_of_a_bounded_number() {
        let tallies = Tallies::default();
        let state = State::default();
        let start = Timestamp::UNIX_EPOCH;
        for day in 0..(MOST_TALLIES as i64 * 3) {
            let from = start + jiff::SignedDuration::from_hours(24 * day);
            let to = from + jiff::SignedDuration::from_hours(24);
            let report = tallies.report(&state, from, to);
            assert_eq!((report.from, report.to), (from, to));
            assert_eq!(
                report,
                modpod_policy::transparency::report(&state, from, to)
            );
            assert!(tallies.lock().len() <= MOST_TALLIES);
        }
        assert!(!tallies.lock().is_empty());
    }
}
