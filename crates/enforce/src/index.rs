//! The decision index: who may post where, now. It holds, for each person, the
//! actions in force that restrict posting (suspensions, review and approval,
//! rate limits) with their fora and times, the cool-downs actions ask of
//! their fora (which the forum software enforces; a post is never refused
//! for one here), and the identity keys that lead to
//! each person (`email:bob@example.org`). An IETF LLC emergency action in
//! force is held as an indefinite suspension on its fora (LLC-1, ACT-8), from
//! when it was taken until it is lifted, by the LLC or on board review; each
//! restriction names its [`Source`], the action or LLC action imposing it. It is built from a `State` and kept
//! current by [`Index::apply`] after each event is applied to the state; it
//! never decides policy and never reads a clock (`now` is an argument).
//!
//! Rules of [`Index::decide`]:
//! - a restriction applies when `starts_at <= now < ends_at`, so one that ends
//!   stops applying at once, without waiting for its `action_expired` event;
//! - a suspension beats a hold, which beats a rate limit;
//! - an unknown sender, an unknown forum, or a sender with no restriction on
//!   that forum is allowed: the index restricts only what an action names;
//! - sender addresses match as described in `index/address.rs`: exactly and
//!   case-insensitively, then once without a `+tag`, never fuzzily; other
//!   identities (a Matrix user id, a GitHub login) as the policy normalises
//!   them (`Identity::new`: a chat identity exactly, a GitHub login
//!   lower-cased), and nothing else;
//! - fora match as described in `index/forum.rs`: exactly (a Matrix room id
//!   is case-sensitive), but list addresses whatever their case.
//!
//! Counting posts is not done here: a rate-limited sender gets
//! [`Verdict::RateLimited`] with the limits, and the caller does the counting.
//!
//! It also holds what the policy server needs to notice what it must report
//! rather than refuse (`crate::watch`): the fora the moderator team's
//! procedures cover, and the team's numbers in force (PROC-1).

mod address;
pub mod forum;
mod restriction;

use jiff::Timestamp;
use modpod_policy::ids::{ActionId, ForumId, LlcActionId, PersonId};
use modpod_policy::model::{Identity, IdentityKind};
use modpod_policy::settings::TeamNumbers;
use modpod_policy::{Event, State};
use restriction::Restriction;
pub use restriction::{Restrains, llc_in_force};
use std::collections::HashMap;
use std::fmt;

/// What imposes a restriction: a moderation action, or an emergency action
/// of the IETF LLC, which is enforced like any suspension (LLC-1, ACT-8).
/// Ordered actions first, each kind by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Action(ActionId),
    Llc(LlcActionId),
}

impl fmt::Display for Source {
    /// `action #12`, `LLC action #3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Action(id) => id.fmt(f),
            Source::Llc(id) => id.fmt(f),
        }
    }
}

impl From<ActionId> for Source {
    fn from(id: ActionId) -> Self {
        Source::Action(id)
    }
}

impl From<LlcActionId> for Source {
    fn from(id: LlcActionId) -> Self {
        Source::Llc(id)
    }
}

/// What to do with a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Hold the post for review and approval.
    Hold,
    /// Refuse the post: the sender is suspended until `until` (`None`:
    /// indefinitely, or until an action with no end is lifted).
    Reject {
        until: Option<Timestamp>,
    },
    /// Allow the post if the sender has posted fewer than `posts` times in the
    /// last `per_seconds` seconds.
    RateLimited {
        posts: u32,
        per_seconds: u32,
    },
}

/// A restriction that applies in a forum: whom it restricts, the action (or
/// LLC action) that imposes it, and what it restrains. For adapters that
/// enforce restrictions on forum software ahead of time rather than post by
/// post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applying<'a> {
    pub person: &'a PersonId,
    pub source: Source,
    pub restrains: Restrains,
}

/// The in-memory index the enforcement hot path reads.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// `Identity::key()` → the person it belongs to.
    identities: HashMap<String, PersonId>,
    /// The restrictions in force on each person.
    restrictions: HashMap<PersonId, Vec<Restriction>>,
    /// Whom each indexed action or LLC action restricts, to find it again on
    /// a change.
    subjects: HashMap<Source, PersonId>,
    /// The fora the moderator team's procedures cover (public, under the
    /// policy, FORUM-2 and FORUM-3, and open), as asked ([`forum::asked`]),
    /// each with its id as recorded. Posts elsewhere are never watched.
    watched: HashMap<String, ForumId>,
    /// The team's numbers in force (PROC-1).
    numbers: TeamNumbers,
}

impl Index {
    /// Indexes every identity, every action in force and every LLC action in
    /// force in `state`.
    pub fn build(state: &State) -> Index {
        let mut index = Index {
            identities: state
                .identities
                .iter()
                .map(|(key, person)| (key.clone(), person.clone()))
                .collect(),
            ..Index::default()
        };
        for action in state.actions.values() {
            index.insert(action);
        }
        for action in state.llc_actions.values() {
            index.insert_llc(action);
        }
        index.rewatch(state);
        index
    }

    /// Brings the index up to date with one event, given the state after the
    /// event was applied. The event says what changed; the state says what it
    /// is now, so an amendment is indexed with its new terms, and a rescinded
    /// or expired action and a lifted LLC action are dropped.
    pub fn apply(&mut self, state_after: &State, event: &Event) {
        match event {
            Event::ActionTaken { action } => self.reindex(state_after, action.id.into()),
            Event::ActionAmended { action, .. }
            | Event::ActionRescinded { action, .. }
            | Event::ActionExpired { action, .. }
            | Event::CoolDownSet { action, .. } => self.reindex(state_after, (*action).into()),
            Event::LlcActionTaken { action } => self.reindex(state_after, action.id.into()),
            // A board review that lifts the action is followed by
            // `LlcActionLifted`; either one drops it.
            Event::LlcActionLifted { action, .. } | Event::BoardReviewDecided { action, .. } => {
                self.reindex(state_after, (*action).into());
            }
            Event::ForumCreated { .. }
            | Event::ForumClosed { .. }
            | Event::ForumReopened { .. }
            | Event::OptedIn { .. }
            | Event::ProceduresApproved { .. } => self.rewatch(state_after),
            Event::IdentityLinked { identity, .. } => {
                let key = identity.key();
                match state_after.identities.get(&key) {
                    Some(person) => {
                        self.identities.insert(key, person.clone());
                    }
                    None => {
                        self.identities.remove(&key);
                    }
                }
            }
            _ => {}
        }
    }

    /// May the person sending from `sender_email` post in `forum` at `now`?
    pub fn decide(&self, forum: &str, sender_email: &str, now: Timestamp) -> Verdict {
        match self.person_for_email(sender_email) {
            Some(person) => self.decide_person(forum, person, now),
            None => Verdict::Allow,
        }
    }

    /// May `person` post in `forum` at `now`?
    pub fn decide_person(&self, forum: &str, person: &PersonId, now: Timestamp) -> Verdict {
        let Some(restrictions) = self.restrictions.get(person) else {
            return Verdict::Allow;
        };
        let mut suspended = false;
        let mut until: Option<Timestamp> = None;
        let mut indefinite = false;
        let mut held = false;
        let mut limit: Option<(u32, u32)> = None;
        for r in restrictions.iter().filter(|r| r.applies(forum, now)) {
            match r.restrains {
                Restrains::Suspension => {
                    suspended = true;
                    match r.ends_at {
                        Some(end) => until = until.max(Some(end)),
                        None => indefinite = true,
                    }
                }
                Restrains::Hold => held = true,
                Restrains::RateLimit { posts, per_seconds } => {
                    limit = Some(stricter(limit, (posts, per_seconds)));
                }
                // The forum's, enforced by its software.
                Restrains::CoolDown { .. } => {}
            }
        }
        match (suspended, held, limit) {
            (true, _, _) => Verdict::Reject {
                until: if indefinite { None } else { until },
            },
            (false, true, _) => Verdict::Hold,
            (false, false, Some((posts, per_seconds))) => {
                Verdict::RateLimited { posts, per_seconds }
            }
            (false, false, None) => Verdict::Allow,
        }
    }

    /// The person a sender address belongs to, by the matching rule above.
    pub fn person_for_email(&self, sender_email: &str) -> Option<&PersonId> {
        address::with_keys(sender_email, |key| self.identities.get(key))
    }

    /// The person an identity of any kind belongs to, by the matching rules
    /// above: an email address as [`Index::person_for_email`] finds it,
    /// another kind once, normalised as the policy normalises it. A value
    /// the policy would not accept as an identity belongs to nobody.
    pub fn person_for(&self, kind: IdentityKind, sender: &str) -> Option<&PersonId> {
        match kind {
            IdentityKind::Email => self.person_for_email(sender),
            _ => {
                let identity = Identity::new(kind, sender).ok()?;
                self.identities.get(&identity.key())
            }
        }
    }

    /// Every restriction that applies in `forum` at `now`, by the rule of
    /// [`Index::decide`], in no particular order.
    pub fn applying_in<'a>(
        &'a self,
        forum: &'a str,
        now: Timestamp,
    ) -> impl Iterator<Item = Applying<'a>> {
        self.restrictions.iter().flat_map(move |(person, list)| {
            list.iter()
                .filter(move |r| r.applies(forum, now))
                .map(move |r| Applying {
                    person,
                    source: r.source,
                    restrains: r.restrains,
                })
        })
    }

    /// The first moment after `now` at which a restriction starts or ends,
    /// with the fora of the restrictions that change then: when enforcement
    /// done ahead of time must be brought up to date, though no event says so.
    pub fn next_change_after(&self, now: Timestamp) -> Option<(Timestamp, Vec<ForumId>)> {
        let changes = |r: &'_ Restriction| [Some(r.starts_at), r.ends_at].into_iter().flatten();
        let all = || self.restrictions.values().flatten();
        let next = all().flat_map(changes).filter(|&at| at > now).min()?;
        let mut fora: Vec<ForumId> = all()
            .filter(|r| changes(r).any(|at| at == next))
            .flat_map(|r| r.fora.iter().cloned())
            .collect();
        fora.sort();
        fora.dedup();
        Some((next, fora))
    }

    /// The identity, as it was linked, that a sender of `kind` is found by
    /// ([`Index::person_for`]): an email address with a `+tag` is found by
    /// the address without it.
    pub fn identity_of(&self, kind: IdentityKind, sender: &str) -> Option<Identity> {
        let key = match kind {
            IdentityKind::Email => address::with_keys(sender, |key| {
                self.identities.get_key_value(key).map(|(k, _)| k)
            })?,
            _ => {
                let identity = Identity::new(kind, sender).ok()?;
                return self
                    .identities
                    .contains_key(&identity.key())
                    .then_some(identity);
            }
        };
        let address = key.strip_prefix("email:")?;
        Identity::new(IdentityKind::Email, address).ok()
    }

    /// Whether `person` is restricted at `now` on a forum other than `forum`
    /// by a moderation action (not one against spam, nor the volume rule's,
    /// nor an LLC emergency action, which the moderators may not be told
    /// of): a post they make in `forum` is then one the moderators are
    /// alerted to (CIRCUMVENT-1), if nothing restricts them there.
    pub fn restricted_elsewhere(&self, person: &PersonId, forum: &str, now: Timestamp) -> bool {
        self.restrictions.get(person).is_some_and(|list| {
            list.iter().any(|r| {
                r.alerts
                    && r.starts_at <= now
                    && r.ends_at.is_none_or(|end| now < end)
                    && r.fora.iter().any(|f| !forum::same(f.as_str(), forum))
            })
        })
    }

    /// The forum asked about ([`forum::asked`]), as recorded, if posts
    /// there are watched: it is one the moderator team's procedures cover.
    pub fn watched(&self, forum: &str) -> Option<&ForumId> {
        self.watched.get(forum)
    }

    /// The moderator team's numbers in force (PROC-1).
    pub fn numbers(&self) -> &TeamNumbers {
        &self.numbers
    }

    /// How many identities are indexed.
    pub fn identity_count(&self) -> usize {
        self.identities.len()
    }

    /// How many actions and LLC actions in force restrict posting.
    pub fn restriction_count(&self) -> usize {
        self.subjects.len()
    }

    /// The fora watched and the numbers in force, anew from `state`.
    fn rewatch(&mut self, state: &State) {
        self.numbers = state.numbers();
        self.watched = state
            .fora
            .values()
            .filter(|f| f.public && state.policy_applies(f))
            .filter(|f| state.closed_since(&f.id).is_none())
            .map(|f| (forum::asked(f.id.as_str()).into_owned(), f.id.clone()))
            .collect();
    }

    fn reindex(&mut self, state: &State, source: Source) {
        if let Some(subject) = self.subjects.remove(&source)
            && let Some(list) = self.restrictions.get_mut(&subject)
        {
            list.retain(|r| r.source != source);
            if list.is_empty() {
                self.restrictions.remove(&subject);
            }
        }
        match source {
            Source::Action(id) => {
                if let Some(action) = state.actions.get(&id) {
                    self.insert(action);
                }
            }
            Source::Llc(id) => {
                if let Some(action) = state.llc_actions.get(&id) {
                    self.insert_llc(action);
                }
            }
        }
    }

    fn insert(&mut self, action: &modpod_policy::model::Action) {
        let restrictions = [Restriction::of(action), Restriction::cool_down_of(action)];
        for restriction in restrictions.into_iter().flatten() {
            self.add(&action.subject, restriction);
        }
    }

    fn insert_llc(&mut self, action: &modpod_policy::model::LlcAction) {
        if let Some(restriction) = Restriction::of_llc(action) {
            self.add(&action.subject, restriction);
        }
    }

    fn add(&mut self, subject: &PersonId, restriction: Restriction) {
        self.subjects.insert(restriction.source, subject.clone());
        // Most people have one restriction: room for one, not the four a
        // growing Vec reserves (500 → 260 bytes per restriction, 278 since
        // a restriction names its `Source`, measured by examples/memory.rs).
        self.restrictions
            .entry(subject.clone())
            .or_insert_with(|| Vec::with_capacity(1))
            .push(restriction);
    }
}

/// The stricter of two rate limits: the one allowing fewer posts per second.
fn stricter(current: Option<(u32, u32)>, new: (u32, u32)) -> (u32, u32) {
    match current {
        // posts_a / secs_a < posts_b / secs_b, compared without division.
        Some(c) if u64::from(c.0) * u64::from(new.1) <= u64::from(new.0) * u64::from(c.1) => c,
        _ => new,
    }
}
