//! A restriction on posting: the part of an action (or of an IETF LLC
//! emergency action) in force that the index enforces, in a form that is
//! cheap to test at `now`.

use super::{Source, forum};
use jiff::Timestamp;
use modpod_policy::ids::ForumId;
use modpod_policy::model::{Action, Capacity, LlcAction, Measure};

/// What a restriction does to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restrains {
    /// Temporary or indefinite suspension: posts are refused.
    Suspension,
    /// Review and approval: posts wait for a moderator.
    Hold,
    /// At most `posts` posts per `per_seconds` seconds.
    RateLimit { posts: u32, per_seconds: u32 },
    /// Not the subject's posts: the whole forum cools down until `until`
    /// (an action's cool-down), taking posts only from its established
    /// participants where the forum software can say so. A post is never
    /// refused for it here.
    CoolDown { until: Timestamp },
}

impl Restrains {
    /// What a measure restrains, if anything enforceable: admonishments
    /// restrict nothing, and `Measure::Other` is described in words that no
    /// machine can enforce.
    pub fn of(measure: &Measure) -> Option<Restrains> {
        Some(match measure {
            Measure::TemporarySuspension | Measure::IndefiniteSuspension => Restrains::Suspension,
            Measure::ReviewAndApproval => Restrains::Hold,
            Measure::RateLimit { posts, per_seconds } => Restrains::RateLimit {
                posts: *posts,
                per_seconds: *per_seconds,
            },
            _ => return None,
        })
    }

    /// Everything an action asks the forum software for: what its measure
    /// restrains, and its cool-down if it has one (whether in force or not).
    pub fn all_of(action: &Action) -> Vec<Restrains> {
        let cool_down = action
            .cool_down
            .as_ref()
            .map(|c| Restrains::CoolDown { until: c.until });
        Restrains::of(&action.terms.measure)
            .into_iter()
            .chain(cool_down)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Restriction {
    pub(crate) source: Source,
    pub(crate) restrains: Restrains,
    pub(crate) fora: Box<[ForumId]>,
    pub(crate) starts_at: Timestamp,
    pub(crate) ends_at: Option<Timestamp>,
    /// Whether a post of its subject elsewhere alerts the moderators
    /// (CIRCUMVENT-1): for a moderation action, not one against spam nor
    /// the volume rule's; never for an LLC emergency action, which may be
    /// withheld from the moderators.
    pub(crate) alerts: bool,
}

impl Restriction {
    /// The restriction an action imposes, if it is in force and restricts
    /// posting ([`Restrains::of`]).
    pub(crate) fn of(action: &Action) -> Option<Restriction> {
        if !action.in_force() {
            return None;
        }
        let restrains = Restrains::of(&action.terms.measure)?;
        Some(Restriction {
            source: Source::Action(action.id),
            restrains,
            fora: action.terms.fora.clone().into_boxed_slice(),
            starts_at: action.terms.starts_at,
            ends_at: action.terms.ends_at,
            alerts: !action.spam && action.taken_as != Capacity::System,
        })
    }

    /// The cool-down an action asks for, while the action is in force (from
    /// when it was set, or the action's start if later, to its end).
    pub(crate) fn cool_down_of(action: &Action) -> Option<Restriction> {
        let cool_down = action.cool_down.as_ref().filter(|_| action.in_force())?;
        Some(Restriction {
            source: Source::Action(action.id),
            restrains: Restrains::CoolDown {
                until: cool_down.until,
            },
            fora: action.terms.fora.clone().into_boxed_slice(),
            starts_at: cool_down.set_at.max(action.terms.starts_at),
            ends_at: Some(
                action
                    .terms
                    .ends_at
                    .map_or(cool_down.until, |end| end.min(cool_down.until)),
            ),
            alerts: false,
        })
    }

    /// The restriction an LLC emergency action imposes while it is in force
    /// (see [`llc_in_force`]): its fora are enforced like an indefinite
    /// suspension (LLC-1, ACT-8), from the moment it was taken until it is
    /// lifted.
    pub(crate) fn of_llc(action: &LlcAction) -> Option<Restriction> {
        if !llc_in_force(action) || action.fora.is_empty() {
            return None;
        }
        Some(Restriction {
            source: Source::Llc(action.id),
            restrains: Restrains::Suspension,
            fora: action.fora.clone().into_boxed_slice(),
            starts_at: action.taken_at,
            ends_at: None,
            alerts: false,
        })
    }

    /// Whether it applies to a post in `asked` at `now`: `starts_at <= now <
    /// ends_at`, so a restriction stops applying at its end without waiting
    /// for the `action_expired` event; fora match as `index/forum.rs` says
    /// (exactly, but list addresses whatever their case).
    pub(crate) fn applies(&self, asked: &str, now: Timestamp) -> bool {
        self.starts_at <= now
            && self.ends_at.is_none_or(|end| now < end)
            && self.fora.iter().any(|f| forum::same(f.as_str(), asked))
    }
}

/// Whether an LLC emergency action is in force: taken and not lifted, by
/// the LLC or by a board review that decided to lift it (LLC-2).
pub fn llc_in_force(action: &LlcAction) -> bool {
    let lifted_on_review = action
        .board_review
        .as_ref()
        .and_then(|review| review.decision.as_ref())
        .is_some_and(|decision| decision.lift);
    action.lifted_at.is_none() && !lifted_on_review
}
