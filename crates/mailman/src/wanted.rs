//! What modpod wants on each mailing list at a moment: a pure function of the
//! state, the decision index and `now`, so that it can be recomputed at any
//! time (after a crash too) and always gives the same answer.
//!
//! A suspended person's every email identity is banned on each list the
//! suspension names, as is the subject of an IETF LLC emergency action in
//! force on each list it names (LLC-1: enforced like any suspension, ACT-8,
//! until the LLC lifts it or a board review does); a person under review and
//! approval gets the moderation action `hold` for each email identity. A
//! suspension (or an LLC action) beats a hold, as in
//! [`Index::decide`]: a banned address needs no hold (and Mailman refuses a
//! nonmember record for a banned address). Rate limits are left to the
//! Postfix policy server: Mailman has no per-member rate limit.

use jiff::Timestamp;
use modpod_enforce::{Index, Restrains, Source, llc_in_force};
use modpod_policy::ids::{ForumId, PersonId};
use modpod_policy::model::IdentityKind;
use modpod_policy::{Event, State};
use std::collections::{BTreeMap, BTreeSet};

/// The kind of forum that is a mailing list.
pub const MAILING_LIST: &str = "mailing-list";

/// The Mailman list id of a forum whose id is the list's posting address:
/// `wg@ietf.example` is `wg.ietf.example`.
pub fn list_id(forum: &ForumId) -> Option<String> {
    let (local, domain) = forum.as_str().rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    Some(format!("{local}.{domain}").to_lowercase())
}

/// What modpod wants on one list, each with the action or LLC action asking
/// for it (when several do, the first in [`Source`]'s order: the
/// lowest-numbered action, else the lowest-numbered LLC action).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListWanted {
    /// Addresses to ban.
    pub bans: BTreeMap<String, Source>,
    /// Addresses whose posts are held for approval.
    pub holds: BTreeMap<String, Source>,
}

/// What modpod wants on every mailing list at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// By list id; lists where nothing is wanted are left out.
    pub lists: BTreeMap<String, ListWanted>,
    /// The next moment a restriction on a mailing list starts or ends, and
    /// the lists it changes.
    pub next_change: Option<(Timestamp, BTreeSet<String>)>,
}

impl Wanted {
    /// Computes what is wanted at `now` from the state and its index.
    pub fn at(state: &State, index: &Index, now: Timestamp) -> Wanted {
        let mut lists = BTreeMap::new();
        for forum in state.fora.values().filter(|f| f.kind == MAILING_LIST) {
            let Some(list) = list_id(&forum.id) else {
                continue;
            };
            let mut wanted = ListWanted::default();
            for applying in index.applying_in(forum.id.as_str(), now) {
                let into = match applying.restrains {
                    Restrains::Suspension => &mut wanted.bans,
                    Restrains::Hold => &mut wanted.holds,
                    Restrains::RateLimit { .. } => continue,
                };
                for email in emails(state, applying.person) {
                    let source = into.entry(email).or_insert(applying.source);
                    *source = (*source).min(applying.source);
                }
            }
            wanted
                .holds
                .retain(|email, _| !wanted.bans.contains_key(email));
            if !wanted.bans.is_empty() || !wanted.holds.is_empty() {
                lists.insert(list, wanted);
            }
        }
        let next_change = index.next_change_after(now).and_then(|(at, fora)| {
            let lists = mailing_lists(state, &fora);
            (!lists.is_empty()).then_some((at, lists))
        });
        Wanted { lists, next_change }
    }
}

/// The lists whose wanted state an event may change, given the state after
/// it: the fora of an action taken, amended (before and after), rescinded or
/// expired; the fora of an LLC action taken, lifted, or whose board review
/// was decided; and the fora of the actions and LLC actions in force on a
/// person who gained an email identity.
pub fn affected_lists(state_after: &State, event: &Event) -> BTreeSet<String> {
    let fora: Vec<&ForumId> = match event {
        Event::ActionTaken { action } => action.terms.fora.iter().collect(),
        Event::ActionAmended {
            terms, amendment, ..
        } => terms.fora.iter().chain(&amendment.previous.fora).collect(),
        Event::ActionRescinded { action, .. } | Event::ActionExpired { action, .. } => state_after
            .actions
            .get(action)
            .map(|a| a.terms.fora.iter().collect())
            .unwrap_or_default(),
        Event::LlcActionTaken { action } => action.fora.iter().collect(),
        Event::LlcActionLifted { action, .. } | Event::BoardReviewDecided { action, .. } => {
            state_after
                .llc_actions
                .get(action)
                .map(|a| a.fora.iter().collect())
                .unwrap_or_default()
        }
        Event::IdentityLinked { person, identity } if identity.kind == IdentityKind::Email => {
            let actions = state_after
                .actions
                .values()
                .filter(|a| a.in_force() && &a.subject == person)
                .flat_map(|a| &a.terms.fora);
            let llc_actions = state_after
                .llc_actions
                .values()
                .filter(|a| llc_in_force(a) && &a.subject == person)
                .flat_map(|a| &a.fora);
            actions.chain(llc_actions).collect()
        }
        _ => return BTreeSet::new(),
    };
    mailing_lists(state_after, fora)
}

/// The list ids of those fora that are mailing lists.
fn mailing_lists<'a>(
    state: &State,
    fora: impl IntoIterator<Item = &'a ForumId>,
) -> BTreeSet<String> {
    fora.into_iter()
        .filter(|f| state.fora.get(*f).is_some_and(|f| f.kind == MAILING_LIST))
        .filter_map(list_id)
        .collect()
}

/// A person's email addresses (already lower-cased by `Identity::new`).
fn emails<'a>(state: &'a State, person: &PersonId) -> impl Iterator<Item = String> + 'a {
    state
        .people
        .get(person)
        .into_iter()
        .flat_map(|p| &p.identities)
        .filter(|i| i.kind == IdentityKind::Email)
        .map(|i| i.value.clone())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn list_ids_come_from_posting_addresses() {
        let id = |s: &str| list_id(&ForumId::parse(s).unwrap());
        assert_eq!(id("wg@ietf.example"), Some("wg.ietf.example".into()));
        assert_eq!(id("WG@IETF.Example"), Some("wg.ietf.example".into()));
        assert_eq!(id("tls-chat"), None);
        assert_eq!(id("@ietf.example"), None);
    }
}
