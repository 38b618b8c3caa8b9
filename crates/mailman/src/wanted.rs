//! Which Mailman list a forum is, and which lists an event touches. What is
//! wanted on them is `modpod_adapter::Wanted::at` with the [`crate::Mailman`]
//! adapter: a suspended person's every email identity is banned on each list
//! the suspension names, as is the subject of an IETF LLC emergency action in
//! force on each list it names (LLC-1: enforced like any suspension, ACT-8,
//! until the LLC lifts it or a board review does); a person under review and
//! approval gets the moderation action `hold` for each email identity. A
//! suspension (or an LLC action) beats a hold, as in `Index::decide`: a
//! banned address needs no hold (and Mailman refuses a nonmember record for a
//! banned address). Rate limits are left to the Postfix policy server:
//! Mailman has no per-member rate limit.

use modpod_policy::ids::ForumId;
use modpod_policy::model::IdentityKind;
use modpod_policy::{Event, State};
use std::collections::BTreeSet;

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

/// The lists whose wanted state an event may change, given the state after
/// it: the fora of an action taken, amended (before and after), rescinded or
/// expired; the fora of an LLC action taken, lifted, or whose board review
/// was decided; and the fora of the actions and LLC actions in force on a
/// person who gained an email identity.
pub fn affected_lists(state_after: &State, event: &Event) -> BTreeSet<String> {
    // A new identity of another kind changes no list.
    if let Event::IdentityLinked { identity, .. } = event
        && identity.kind != IdentityKind::Email
    {
        return BTreeSet::new();
    }
    mailing_lists(
        state_after,
        &modpod_adapter::affected_fora(state_after, event),
    )
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
