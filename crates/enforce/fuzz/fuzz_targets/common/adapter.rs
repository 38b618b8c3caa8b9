//! What the worker asks of an adapter (`read` what a place has, `apply` or
//! undo a change), driven by one byte of the fuzz input against the server
//! of `answers.rs`; on an error, the wait before the worker tries again, as
//! it computes it.

use modpod_adapter::worker::{MAX_ASKED_WAIT, retry_wait};
use modpod_adapter::{Adapter, AdapterError, Step};
use modpod_enforce::Source;
use modpod_policy::ids::ActionId;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Byte `choice`: bit 0 the place (the first or the second of `places`),
/// bits 1-2 what is done: `read` the place about every pair of `about`,
/// apply the first pair's kind, undo it, or apply the second pair's, with
/// `handle` and `value` given when bit 3 is set.
pub fn drive(adapter: &dyn Adapter, places: [&str; 2], about: &[(&str, &str)], choice: u8) {
    let place = places[usize::from(choice & 1)];
    let with = choice & 0b1000 != 0;
    let some = |text: &str| with.then(|| text.to_owned());
    let pair = |i: usize| about[i.min(about.len() - 1)];
    match (choice >> 1) & 0b11 {
        0 => {
            let about: BTreeSet<(String, String)> = about
                .iter()
                .map(|(k, a)| ((*k).to_owned(), (*a).to_owned()))
                .collect();
            if let Err(error) = adapter.read(place, &about, &[]) {
                retry(&error);
            }
        }
        1 | 3 => {
            let (kind, account) = pair(usize::from(choice >> 1 & 0b10 != 0));
            let step = Step::Apply {
                kind: kind.to_owned(),
                account: account.to_owned(),
                value: some("2/3600"),
                source: Source::Action(ActionId(1)),
                handle: some("7"),
                previous: some("accept"),
            };
            if let Err(error) = adapter.apply(place, &step) {
                retry(&error);
            }
            let _ = adapter.describe(&step, true);
        }
        _ => {
            let (kind, account) = pair(0);
            let step = Step::Remove {
                kind: kind.to_owned(),
                account: account.to_owned(),
                handle: some("7"),
                restore: some("0"),
            };
            if let Err(error) = adapter.apply(place, &step) {
                retry(&error);
            }
        }
    }
}

/// The worker's wait after `error` (its first failure, with the worker's
/// defaults), and when that is: at most an hour, whatever the software asked.
fn retry(error: &AdapterError) {
    let s = Duration::from_secs;
    let wait = retry_wait(s(1), s(300), 1, error.retry_after);
    assert!(wait <= MAX_ASKED_WAIT, "a wait of {wait:?}");
    let _ = Instant::now() + wait;
}
