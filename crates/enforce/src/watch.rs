//! What the policy server notices in the posts it lets through, for modpod to
//! record as `system` (the server never writes to the log itself): a person
//! restricted on other fora posting where they are not (CIRCUMVENT-1), and
//! more posts by one person on one forum than the moderator team's volume
//! rule allows (REPORT-6). Only who posted, where and when is looked at,
//! never what a post says.
//!
//! Both are kept small in memory: a sighting of a person on a forum is
//! passed on at most once in the procedures' alert hours (the policy
//! refuses more anyway, so the log is not asked at every post), and the
//! volume rule keeps, per person (or unknown sender) and forum, the times of
//! at most as many posts as the rule counts, within its window.
//!
//! The volume rule counts exactly "more than N posts in T minutes": the
//! times of the last N posts, and a post that comes less than T after the
//! oldest of them breaks the rule. This is written here rather than taken
//! from the `governor` crate, whose cell rate algorithm counts something
//! else (N at once, then one each T/N: up to about 2N posts within T go
//! unremarked), so the rule the IESG approved would not be the one applied;
//! and, like the index and the limiter, it takes `now` as an argument.

use jiff::Timestamp;
use modpod_policy::ids::PersonId;
use modpod_policy::model::Identity;
use modpod_policy::settings::VolumeRule;
use std::collections::{HashMap, VecDeque};

/// Who posted, for the volume rule: a person the index knows, or else the
/// sender's identity, as the policy normalises it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Poster {
    Person(PersonId),
    Unknown(Identity),
}

/// The memory of what the policy server noticed.
#[derive(Debug, Default)]
pub struct Watch {
    /// When a sighting of the person on the forum was last passed on.
    sightings: HashMap<(PersonId, String), Timestamp>,
    /// The times of the recent posts of each poster on each forum, oldest
    /// first, at most the rule's number.
    posts: HashMap<(Poster, String), VecDeque<Timestamp>>,
    /// How many records there were after the last pruning, to prune again
    /// only when a map has doubled.
    pruned_len: usize,
}

impl Watch {
    pub fn new() -> Watch {
        Watch::default()
    }

    /// Whether a sighting of `person` on `forum` at `now` is to be passed
    /// on: none was within `every_hours`. Call [`Watch::sighting_passed_on`]
    /// once it is.
    pub fn sighting_due(
        &self,
        person: &PersonId,
        forum: &str,
        every_hours: u32,
        now: Timestamp,
    ) -> bool {
        let last = self.sightings.get(&(person.clone(), forum.to_owned()));
        last.is_none_or(|&at| hours_since(at, now) >= i64::from(every_hours))
    }

    pub fn sighting_passed_on(&mut self, person: &PersonId, forum: &str, now: Timestamp) {
        self.sightings
            .insert((person.clone(), forum.to_owned()), now);
    }

    /// Counts one post of `poster` on `forum` at `now`; true when it breaks
    /// `rule`: it is more than the rule's number within its minutes. The
    /// count then starts again, so breaking it again takes as many posts.
    pub fn count_post(
        &mut self,
        poster: Poster,
        forum: &str,
        rule: VolumeRule,
        now: Timestamp,
    ) -> bool {
        if self.posts.len().max(self.sightings.len()) > self.pruned_len.saturating_mul(2).max(1024)
        {
            self.prune(rule, now);
        }
        let window = i64::from(rule.minutes) * 60;
        let limit = usize::try_from(rule.posts).unwrap_or(usize::MAX);
        let times = self.posts.entry((poster, forum.to_owned())).or_default();
        while times
            .front()
            .is_some_and(|&t| seconds_since(t, now) >= window)
        {
            times.pop_front();
        }
        if times.len() >= limit {
            times.clear();
            return true;
        }
        times.push_back(now);
        false
    }

    /// Forgets what counts no longer at `now`: posts out of the rule's
    /// window, and sightings passed on more than a week ago (should the
    /// procedures' alert period be longer, the policy refuses what comes
    /// again within it).
    pub fn prune(&mut self, rule: VolumeRule, now: Timestamp) {
        let window = i64::from(rule.minutes) * 60;
        self.posts.retain(|_, times| {
            times
                .back()
                .is_some_and(|&t| seconds_since(t, now) < window)
        });
        self.sightings
            .retain(|_, &mut at| hours_since(at, now) < KEEP_SIGHTINGS_HOURS);
        self.pruned_len = self.posts.len().max(self.sightings.len());
    }

    /// How many (poster, forum) pairs are being counted.
    pub fn counted(&self) -> usize {
        self.posts.len()
    }
}

/// How long a sighting passed on is remembered at most, in hours.
const KEEP_SIGHTINGS_HOURS: i64 = 7 * 24;

fn seconds_since(then: Timestamp, now: Timestamp) -> i64 {
    now.as_second().saturating_sub(then.as_second())
}

fn hours_since(then: Timestamp, now: Timestamp) -> i64 {
    seconds_since(then, now) / 3600
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + seconds).unwrap()
    }

    fn bob() -> Poster {
        Poster::Person(PersonId::parse("bob").unwrap())
    }

    const RULE: VolumeRule = VolumeRule {
        posts: 3,
        minutes: 60,
    };

    #[test]
    fn more_than_three_posts_in_an_hour_break_the_rule_three_do_not() {
        let mut w = Watch::new();
        for s in [0, 60, 120] {
            assert!(!w.count_post(bob(), "tls@", RULE, at(s)));
        }
        // On another forum, or from someone else, it is another count.
        assert!(!w.count_post(bob(), "quic@", RULE, at(130)));
        let stranger = Poster::Unknown(
            Identity::new(modpod_policy::model::IdentityKind::Email, "x@example.net").unwrap(),
        );
        assert!(!w.count_post(stranger, "tls@", RULE, at(130)));
        // The fourth within the hour breaks it; the count starts again.
        assert!(w.count_post(bob(), "tls@", RULE, at(3599)));
        for s in [3600, 3601, 3602] {
            assert!(!w.count_post(bob(), "tls@", RULE, at(s)));
        }
        assert!(w.count_post(bob(), "tls@", RULE, at(3603)));
    }

    #[test]
    fn posts_spread_over_more_than_the_window_never_break_it() {
        let mut w = Watch::new();
        // One post every 20 minutes: three in any hour, never four.
        for n in 0..100 {
            assert!(!w.count_post(bob(), "tls@", RULE, at(n * 1200)));
        }
        w.prune(RULE, at(100 * 1200 + 3600));
        assert_eq!(w.counted(), 0);
    }

    #[test]
    fn a_sighting_is_passed_on_once_in_the_period() {
        let mut w = Watch::new();
        let bob = PersonId::parse("bob").unwrap();
        assert!(w.sighting_due(&bob, "quic@", 24, at(0)));
        w.sighting_passed_on(&bob, "quic@", at(0));
        assert!(!w.sighting_due(&bob, "quic@", 24, at(23 * 3600)));
        assert!(w.sighting_due(&bob, "ietf@", 24, at(60)));
        assert!(w.sighting_due(&bob, "quic@", 24, at(24 * 3600)));
    }
}
