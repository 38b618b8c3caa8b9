//! Counting posts for rate limits: a keyed limiter using the generic cell rate
//! algorithm (GCRA), one small record per (person, forum) pair. A limit of
//! `posts` per `per_seconds` lets `posts` posts through at once, then one more
//! each `per_seconds / posts` seconds, which is what a moderator means by
//! "at most N posts in this many seconds" without storing every post.
//!
//! This is written here rather than taken from the `governor` crate for two
//! reasons: each action sets its own limit, so the quota differs per key while
//! a governor keyed limiter has one quota for all keys; and governor reads its
//! own clock, while this limiter, like the index, takes `now` as an argument,
//! so tests choose the time. Like the index it reads no clock.
//!
//! Memory is bounded by the index: only a person with a rate limit in force on
//! a forum is ever counted there, and a record whose posts have all been
//! forgotten is dropped by [`Limiter::prune`].

use jiff::Timestamp;
use modpod_policy::ids::PersonId;
use std::collections::HashMap;

/// The answer for one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Under the limit: the post was counted.
    Counted,
    /// Over the limit: the post was not counted; one more will be allowed
    /// after this many whole seconds.
    Over { retry_after_seconds: u64 },
}

/// Counts posts per (person, forum) pair.
#[derive(Debug, Default)]
pub struct Limiter {
    /// The theoretical arrival time of the next post, in microseconds since
    /// the Unix epoch, per (person, forum) pair.
    tat: HashMap<(PersonId, String), i64>,
    /// How many records there were after the last pruning, to prune again
    /// only when the map has doubled.
    pruned_len: usize,
}

impl Limiter {
    pub fn new() -> Limiter {
        Limiter::default()
    }

    /// Counts one post of `person` in `forum` at `now`, if it is allowed under
    /// a limit of `posts` per `per_seconds` seconds. A limit of zero posts
    /// allows none.
    pub fn count(
        &mut self,
        person: &PersonId,
        forum: &str,
        posts: u32,
        per_seconds: u32,
        now: Timestamp,
    ) -> Count {
        if posts == 0 {
            return Count::Over {
                retry_after_seconds: u64::from(per_seconds),
            };
        }
        if self.tat.len() > self.pruned_len.saturating_mul(2).max(1024) {
            self.prune(now);
        }
        let now = now.as_microsecond();
        let period = i64::from(per_seconds).saturating_mul(1_000_000);
        let interval = period / i64::from(posts);
        let key = (person.clone(), forum.to_owned());
        let tat = self.tat.get(&key).copied().unwrap_or(now).max(now);
        let next = tat.saturating_add(interval);
        if next.saturating_sub(now) <= period {
            self.tat.insert(key, next);
            Count::Counted
        } else {
            let wait = next.saturating_sub(now).saturating_sub(period);
            // Whole seconds, rounded up, so that retrying then succeeds.
            let seconds = wait.saturating_add(999_999) / 1_000_000;
            Count::Over {
                retry_after_seconds: u64::try_from(seconds).unwrap_or(0),
            }
        }
    }

    /// Drops the records that no longer hold anything back at `now`.
    pub fn prune(&mut self, now: Timestamp) {
        let now = now.as_microsecond();
        self.tat.retain(|_, tat| *tat > now);
        self.pruned_len = self.tat.len();
    }

    /// How many (person, forum) pairs are being counted.
    pub fn len(&self) -> usize {
        self.tat.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tat.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    #[test]
    fn two_per_minute_allows_two_then_one_each_half_minute() {
        let bob = PersonId::parse("bob").unwrap();
        let mut l = Limiter::new();
        assert_eq!(l.count(&bob, "tls@", 2, 60, at(0)), Count::Counted);
        assert_eq!(l.count(&bob, "tls@", 2, 60, at(0)), Count::Counted);
        assert_eq!(
            l.count(&bob, "tls@", 2, 60, at(1)),
            Count::Over {
                retry_after_seconds: 29
            }
        );
        assert_eq!(l.count(&bob, "quic@", 2, 60, at(1)), Count::Counted);
        assert_eq!(l.count(&bob, "tls@", 2, 60, at(30)), Count::Counted);
        l.prune(at(120));
        assert!(l.is_empty());
    }

    #[test]
    fn zero_posts_allows_none_and_extremes_do_not_overflow() {
        let bob = PersonId::parse("bob").unwrap();
        let mut l = Limiter::new();
        assert!(matches!(
            l.count(&bob, "tls@", 0, 60, at(0)),
            Count::Over { .. }
        ));
        assert_eq!(
            l.count(&bob, "tls@", u32::MAX, u32::MAX, at(0)),
            Count::Counted
        );
        assert_eq!(l.count(&bob, "x@", 1, u32::MAX, at(0)), Count::Counted);
        assert!(matches!(
            l.count(&bob, "x@", 1, u32::MAX, at(0)),
            Count::Over { .. }
        ));
    }
}
