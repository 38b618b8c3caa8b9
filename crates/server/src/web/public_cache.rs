//! The public pages as anonymous visitors read them (the transparency
//! report, the statistics, the roster, the procedures, the announcements,
//! the home page), rendered once per change of the log rather than once per
//! request: a flood of anonymous requests is answered from here, without
//! deciding anything again and without waiting for the engine.
//!
//! A page is rendered again when the log has changed since (the head of the
//! view it is rendered from, which the engine publishes after every change,
//! this node's and those it caught up with), and at most a minute after it
//! was rendered, for the pages that tell the time (the announcements in force now, the roster's week). While
//! one request renders a page again, the others are answered with the copy
//! they would have had a moment before.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a page that tells the time is served as rendered.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// The pages kept at most: a query (`/transparency?from=...`) is a page of
/// its own, and anyone may ask for any.
const MOST: usize = 256;

#[derive(Debug, Default)]
pub struct PublicPages {
    pages: Mutex<HashMap<String, Page>>,
}

#[derive(Debug)]
struct Page {
    /// The head of the log (its sequence number) the page was rendered at.
    changes: u64,
    rendered: Instant,
    /// Shared, not copied, by every answer.
    html: Bytes,
    /// A request is rendering it again.
    refreshing: bool,
}

/// What to do for one request.
pub(crate) enum Lookup {
    /// Serve this copy.
    Hit(Bytes),
    /// Render the page and [`PublicPages::keep`] it.
    Render { changes: u64 },
}

impl PublicPages {
    /// What to do for a request of the page `key` when the log's head is
    /// `changes` (the sequence number of the view it would be rendered from).
    pub(crate) fn lookup(&self, key: &str, changes: u64) -> Lookup {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        match pages.get_mut(key) {
            Some(page) if page.changes == changes && page.rendered.elapsed() < FRESH_FOR => {
                Lookup::Hit(page.html.clone())
            }
            Some(page) if page.refreshing => Lookup::Hit(page.html.clone()),
            Some(page) => {
                page.refreshing = true;
                Lookup::Render { changes }
            }
            None => Lookup::Render { changes },
        }
    }

    /// Keeps a page rendered when the log was at `changes`.
    pub(crate) fn keep(&self, key: String, changes: u64, html: Bytes) {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        if pages.len() >= MOST && !pages.contains_key(&key) {
            pages.clear();
        }
        pages.insert(
            key,
            Page {
                changes,
                rendered: Instant::now(),
                html,
                refreshing: false,
            },
        );
    }

    /// A render that failed: the next request tries again.
    pub(crate) fn failed(&self, key: &str) {
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(page) = pages.get_mut(key) {
            page.refreshing = false;
        }
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    fn hit(pages: &PublicPages, key: &str, at: u64) -> Option<String> {
        match pages.lookup(key, at) {
            Lookup::Hit(html) => Some(String::from_utf8_lossy(&html).into_owned()),
            Lookup::Render { .. } => None,
        }
    }

    #[test]
    fn a_page_is_kept_until_the_log_changes_and_one_request_renders_it_again() {
        let pages = PublicPages::default();
        let Lookup::Render { changes } = pages.lookup("/roster", 0) else {
            panic!("nothing is kept yet")
        };
        let at = 0;
        pages.keep("/roster".into(), changes, Bytes::from_static(b"one"));
        assert_eq!(hit(&pages, "/roster", at).as_deref(), Some("one"));
        assert_eq!(hit(&pages, "/statistics", at), None);
        let at = 1;
        // The first request after the change renders; the others meanwhile
        // get the copy from before it.
        assert!(matches!(
            pages.lookup("/roster", at),
            Lookup::Render { changes: 1 }
        ));
        assert_eq!(hit(&pages, "/roster", at).as_deref(), Some("one"));
        pages.keep("/roster".into(), 1, Bytes::from_static(b"two"));
        assert_eq!(hit(&pages, "/roster", at).as_deref(), Some("two"));
        // A failed render lets the next request try.
        assert!(matches!(pages.lookup("/roster", 2), Lookup::Render { .. }));
        pages.failed("/roster");
        assert!(matches!(pages.lookup("/roster", 2), Lookup::Render { .. }));
    }

    #[test]
    fn any_number_of_queries_keeps_at_most_a_bounded_number_of_pages() {
        let pages = PublicPages::default();
        for i in 0..(MOST * 3) {
            pages.keep(
                format!("/transparency?from={i}"),
                0,
                Bytes::from_static(b"x"),
            );
        }
        let kept = pages.pages.lock().map(|p| p.len()).unwrap_or(usize::MAX);
        assert!(kept <= MOST, "{kept}");
    }
}
