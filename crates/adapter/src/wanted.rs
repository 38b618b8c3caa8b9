//! What modpod wants at each place of one kind of forum software at a
//! moment: a pure function of the state, the decision index and `now`, so it
//! can be recomputed at any time (after a crash too) and always gives the
//! same answer. Every restriction the index applies on a forum (an action's
//! suspension, hold or rate limit, or an IETF LLC emergency action, LLC-1)
//! becomes what the adapter sets for it, for each of the person's accounts
//! there.

use crate::Adapter;
use jiff::Timestamp;
use modpod_enforce::{Index, Restrains, Source, llc_in_force};
use modpod_policy::ids::{ForumId, PersonId};
use modpod_policy::{Event, State};
use std::collections::{BTreeMap, BTreeSet};

/// One thing wanted: the action or LLC action asking for it (when several
/// do, the first in [`Source`]'s order) and the value it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub source: Source,
    pub value: Option<String>,
}

/// What modpod wants at one place, by (kind, account).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceWanted {
    pub items: BTreeMap<(String, String), Want>,
}

impl PlaceWanted {
    /// The accounts wanted with `kind`, each with its source.
    pub fn of_kind(&self, kind: &str) -> BTreeMap<String, Source> {
        self.items
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|((_, account), want)| (account.clone(), want.source))
            .collect()
    }
}

/// What modpod wants at every place of one adapter at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// By place; places where nothing is wanted are left out.
    pub places: BTreeMap<String, PlaceWanted>,
    /// The next moment a restriction on one of these places starts or
    /// ends, and the places it changes.
    pub next_change: Option<(Timestamp, BTreeSet<String>)>,
}

impl Wanted {
    /// Computes what `adapter` should have at `now`.
    pub fn at(adapter: &dyn Adapter, state: &State, index: &Index, now: Timestamp) -> Wanted {
        let mut places = BTreeMap::new();
        // Each person's suspensions by place, for `Adapter::everywhere`.
        let mut all_places = BTreeSet::new();
        let mut suspended: BTreeMap<&PersonId, (BTreeSet<String>, Source)> = BTreeMap::new();
        for forum in state.fora.values() {
            let Some(place) = adapter.place(forum) else {
                continue;
            };
            all_places.insert(place.clone());
            let mut wanted = PlaceWanted::default();
            for applying in index.applying_in(forum.id.as_str(), now) {
                if applying.restrains == Restrains::Suspension {
                    let entry = suspended
                        .entry(applying.person)
                        .or_insert_with(|| (BTreeSet::new(), applying.source));
                    entry.0.insert(place.clone());
                    entry.1 = entry.1.min(applying.source);
                }
                let Some((kind, value)) = adapter.wants(&place, &applying.restrains) else {
                    continue;
                };
                let accounts: Vec<String> = match applying.restrains {
                    Restrains::CoolDown { until } => vec![everyone_until(until)],
                    _ => {
                        let Some(person) = state.people.get(applying.person) else {
                            continue;
                        };
                        let accounts = adapter.accounts(person);
                        let also = accounts.iter().flat_map(|a| adapter.also(kind, a));
                        accounts.iter().cloned().chain(also).collect()
                    }
                };
                for account in accounts {
                    let want = wanted
                        .items
                        .entry((kind.to_owned(), account))
                        .or_insert_with(|| Want {
                            source: applying.source,
                            value: value.clone(),
                        });
                    if applying.source < want.source {
                        *want = Want {
                            source: applying.source,
                            value: value.clone(),
                        };
                    }
                }
            }
            // What another kind wanted here already enforces is not wanted.
            let present: BTreeSet<(String, String)> = wanted.items.keys().cloned().collect();
            wanted.items.retain(|(kind, account), _| {
                adapter
                    .implied_by(kind)
                    .is_none_or(|by| !present.contains(&(by.to_owned(), account.clone())))
            });
            if !wanted.items.is_empty() {
                places
                    .entry(place)
                    .or_insert_with(PlaceWanted::default)
                    .items
                    .extend(wanted.items);
            }
        }
        // A suspension from every place of the software is enforced on the
        // whole of it too.
        if let Some((everywhere, kind)) = adapter.everywhere() {
            let mut wanted = PlaceWanted::default();
            for (person, (covered, source)) in &suspended {
                if all_places.is_empty() || *covered != all_places {
                    continue;
                }
                let Some(person) = state.people.get(*person) else {
                    continue;
                };
                for account in adapter.accounts(person) {
                    let want = Want {
                        source: *source,
                        value: None,
                    };
                    wanted.items.insert((kind.to_owned(), account), want);
                }
            }
            if !wanted.items.is_empty() {
                places.insert(everywhere.to_owned(), wanted);
            }
        }
        let next_change = index.next_change_after(now).and_then(|(at, fora)| {
            let changed = places_of(adapter, state, &fora);
            (!changed.is_empty()).then_some((at, changed))
        });
        Wanted {
            places,
            next_change,
        }
    }
}

/// The prefix of the account standing for everyone a forum-wide
/// restriction (a cool-down) restrains, `everyone until <RFC 3339 time>`.
pub const EVERYONE: &str = "everyone until ";

/// The account of a cool-down until `until`: everyone, and when it ends, so
/// that a cool-down changed is a new change and the software can be asked
/// for one that lasts long enough.
pub fn everyone_until(until: Timestamp) -> String {
    format!("{EVERYONE}{until}")
}

/// When the cool-down an account of [`everyone_until`] stands for ends;
/// `None` for any other account.
pub fn cool_down_until(account: &str) -> Option<Timestamp> {
    account.strip_prefix(EVERYONE)?.parse().ok()
}

/// The places of `adapter` that these fora are enforced at (and the place
/// standing for the whole software, when any is, see
/// [`Adapter::everywhere`]).
pub fn places_of<'a>(
    adapter: &dyn Adapter,
    state: &State,
    fora: impl IntoIterator<Item = &'a ForumId>,
) -> BTreeSet<String> {
    let mut places: BTreeSet<String> = fora
        .into_iter()
        .filter_map(|f| state.fora.get(f))
        .filter_map(|f| adapter.place(f))
        .collect();
    if let Some((everywhere, _)) = adapter.everywhere()
        && !places.is_empty()
    {
        places.insert(everywhere.to_owned());
    }
    places
}

/// The fora whose wanted state an event may change, given the state after
/// it: the fora of an action taken, amended (before and after), rescinded or
/// expired; the fora of an LLC action taken, lifted, or whose board review
/// was decided; and the fora of the actions and LLC actions in force on a
/// person who gained an identity.
pub fn affected_fora(state_after: &State, event: &Event) -> Vec<ForumId> {
    let fora: Vec<&ForumId> = match event {
        Event::ActionTaken { action } => action.terms.fora.iter().collect(),
        Event::ActionAmended {
            terms, amendment, ..
        } => terms.fora.iter().chain(&amendment.previous.fora).collect(),
        Event::ActionRescinded { action, .. }
        | Event::ActionExpired { action, .. }
        | Event::CoolDownSet { action, .. } => state_after
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
        Event::IdentityLinked { person, .. } => {
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
        _ => Vec::new(),
    };
    fora.into_iter().cloned().collect()
}
