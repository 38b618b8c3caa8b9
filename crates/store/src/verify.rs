//! Verification of a whole log: recomputes every hash, follows every link
//! and compares the end of the chain with the head record, stopping at the
//! first event that is wrong and saying why.

use crate::error::StoreError;
use crate::event::{GENESIS, Hash, Head, StoredEvent, hash_hex};
use crate::store::EventStore;

/// How often, in events, `verify` reports progress.
const PROGRESS_EVERY: u64 = 4096;

/// The outcome of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every event is intact and the head record matches the last one.
    ///
    /// `head.hash` is the anchor: it commits to the whole log, so comparing
    /// it with a copy published earlier proves that nothing up to `head.seq`
    /// was rewritten.
    Intact {
        /// The last event, which is also the event count.
        head: Head,
    },
    /// The log is damaged; this is the first damaged place.
    Broken(Broken),
}

/// The first place where a log is damaged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event {seq} is broken: {reason}")]
pub struct Broken {
    /// The sequence number of the first bad (or first missing) event.
    pub seq: u64,
    /// What is wrong there.
    pub reason: BrokenReason,
}

/// Why an event is considered broken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BrokenReason {
    /// The event's fields do not hash to its stored hash: it was altered.
    #[error(
        "its contents do not match its stored hash, so it was altered (stored {}, computed {})",
        hash_hex(.stored),
        hash_hex(.computed)
    )]
    HashMismatch {
        /// The hash stored with the event.
        stored: Hash,
        /// The hash of the event's stored fields.
        computed: Hash,
    },
    /// The event's `prev_hash` is not the previous event's hash.
    #[error(
        "it does not link to the event before it (its prev_hash is {}, but that event's hash is {})",
        hash_hex(.stored),
        hash_hex(.expected)
    )]
    PrevMismatch {
        /// The `prev_hash` stored with the event.
        stored: Hash,
        /// The hash of the previous event (or GENESIS for event 1).
        expected: Hash,
    },
    /// Sequence numbers skip: this event is missing.
    #[error("it is missing: the next stored event is {found}")]
    Gap {
        /// The sequence number that should come next.
        expected: u64,
        /// The sequence number found instead.
        found: u64,
    },
    /// The event cannot be read back at all.
    #[error("it cannot be read: {0}")]
    Unreadable(String),
    /// The head record, written with every append, does not match the last
    /// event: events were removed from or added at the end.
    #[error(
        "the head record says the log ends at event {} (hash {}), but the stored events end at event {} (hash {})",
        .recorded.seq,
        hash_hex(&.recorded.hash),
        .actual.seq,
        hash_hex(&.actual.hash)
    )]
    HeadMismatch {
        /// What the head record says.
        recorded: Head,
        /// Where the chain of stored events actually ends.
        actual: Head,
    },
}

/// Checks the whole log and reports the first broken event, if any.
///
/// `progress` receives the number of events checked so far, every few
/// thousand events and once at the end. The result is `Err` only when the
/// database cannot be read at all; damage is an `Ok(Verdict::Broken(..))`.
///
/// What this detects: any change to any field of any event, a missing or
/// extra event anywhere (including the last one, through the head record),
/// and reordered events. What it cannot detect on its own: someone who
/// rewrites every event from some point onwards, recomputes their hashes and
/// updates the head record. Only the head hash that `verify` reports,
/// compared with one published earlier, exposes that.
pub fn verify(
    store: &mut dyn EventStore,
    progress: &mut dyn FnMut(u64),
) -> Result<Verdict, StoreError> {
    let mut chain = Chain {
        last: Head::EMPTY,
        broken: None,
    };
    let scanned = store.scan_with_head(0, &mut |event| {
        chain.check(&event)?;
        if event.seq % PROGRESS_EVERY == 0 {
            progress(event.seq);
        }
        Ok(())
    });
    let recorded = match scanned {
        Ok(recorded) => recorded,
        Err(_) if chain.broken.is_some() => chain.last,
        Err(StoreError::CorruptEvent { seq, reason }) => {
            chain.unreadable(seq, reason);
            chain.last
        }
        Err(other) => return Err(other),
    };
    if let Some(broken) = chain.broken {
        return Ok(Verdict::Broken(broken));
    }
    progress(chain.last.seq);
    Ok(compare_head(recorded, chain.last))
}

/// The state of verification while walking the log.
struct Chain {
    /// The last event that checked out, or EMPTY before the first.
    last: Head,
    /// The first damage found; once set, the walk stops.
    broken: Option<Broken>,
}

impl Chain {
    /// Checks one event against the chain so far. On damage it records why
    /// and returns an error that stops the scan.
    fn check(&mut self, event: &StoredEvent) -> Result<(), StoreError> {
        let expected = self.last.seq.saturating_add(1);
        let prev = if self.last.seq == 0 {
            GENESIS
        } else {
            self.last.hash
        };
        let reason = if event.seq != expected {
            Some(BrokenReason::Gap {
                expected,
                found: event.seq,
            })
        } else if event.prev_hash != prev {
            Some(BrokenReason::PrevMismatch {
                stored: event.prev_hash,
                expected: prev,
            })
        } else {
            let computed = event.computed_hash();
            (computed != event.hash).then_some(BrokenReason::HashMismatch {
                stored: event.hash,
                computed,
            })
        };
        match reason {
            None => {
                self.last = event.as_head();
                Ok(())
            }
            Some(reason) => {
                self.broken = Some(Broken {
                    seq: expected,
                    reason,
                });
                // Any error stops the scan; `verify` then reports `broken`.
                Err(StoreError::CorruptEvent {
                    seq: expected,
                    reason: "verification stops at the first broken event".into(),
                })
            }
        }
    }

    /// Records an event that the backend could not decode. If events before
    /// it are missing, the gap is the first damage.
    fn unreadable(&mut self, seq: u64, reason: String) {
        let expected = self.last.seq.saturating_add(1);
        let reason = if seq == expected {
            BrokenReason::Unreadable(reason)
        } else {
            BrokenReason::Gap {
                expected,
                found: seq,
            }
        };
        self.broken = Some(Broken {
            seq: expected,
            reason,
        });
    }
}

/// Compares the head record with the end of the verified chain.
fn compare_head(recorded: Head, actual: Head) -> Verdict {
    if recorded == actual {
        return Verdict::Intact { head: actual };
    }
    // The first event that one side has and the other lacks, or the last
    // event if both end at the same place with different hashes.
    let seq = if recorded.seq == actual.seq {
        actual.seq
    } else {
        recorded.seq.min(actual.seq).saturating_add(1)
    };
    Verdict::Broken(Broken {
        seq,
        reason: BrokenReason::HeadMismatch { recorded, actual },
    })
}
