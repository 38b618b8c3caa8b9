//! GNU Mailman 3 as modpod's adapter contract sees it (`modpod_adapter`):
//! a forum of kind `mailing-list` lives on the list named by its posting
//! address; a person's accounts are their email addresses; a suspension is a
//! list ban and review and approval the moderation action `hold` (on a
//! nonmember record for someone not subscribed); a ban already holds every
//! post. Mailman has no per-member rate limit: rate limits stay with the
//! Postfix policy server.
//!
//! A hold counts as in effect when the address's moderation action is
//! `hold` or stricter (`discard`, `reject`); it is removed only while it is
//! still `hold` (one an administrator changed since is theirs), and removing
//! it puts back the moderation action it replaced.

use crate::client::Client;
use crate::wanted::{MAILING_LIST, affected_lists, list_id};
use modpod_adapter::{Actual, Adapter, AdapterError, Present, Step, words};
use modpod_enforce::Restrains;
use modpod_policy::model::{Forum, IdentityKind, Person};
use modpod_policy::{Event, State};
use std::collections::BTreeSet;

/// The name under which the ledger keeps what this adapter applied.
pub const TARGET: &str = "mailman";

/// A list ban: the address's posts are discarded.
pub const BAN: &str = "ban";
/// The moderation action `hold`: posts wait for a moderator.
pub const HOLD: &str = "hold";

/// GNU Mailman 3, through its REST API.
#[derive(Debug, Clone)]
pub struct Mailman {
    pub client: Client,
}

/// Moderation actions at least as strict as `hold`.
fn holds_posts(moderation: Option<&str>) -> bool {
    matches!(moderation, Some("hold" | "discard" | "reject"))
}

fn failed(error: crate::MailmanError) -> AdapterError {
    AdapterError {
        transient: error.is_transient(),
        message: error.to_string(),
        retry_after: None,
    }
}

impl Adapter for Mailman {
    fn name(&self) -> &'static str {
        "Mailman"
    }

    fn target(&self) -> &'static str {
        TARGET
    }

    fn place_noun(&self) -> &'static str {
        "list"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[BAN, HOLD]
    }

    fn place(&self, forum: &Forum) -> Option<String> {
        (forum.kind == MAILING_LIST)
            .then(|| list_id(&forum.id))
            .flatten()
    }

    fn accounts(&self, person: &Person) -> Vec<String> {
        person
            .identities
            .iter()
            .filter(|i| i.kind == IdentityKind::Email)
            .map(|i| i.value.clone())
            .collect()
    }

    /// A ban also covers the address's `+tag` variants: Mailman matches a
    /// ban starting with `^` as a regular expression, ignoring case.
    fn also(&self, kind: &str, email: &str) -> Vec<String> {
        match (kind, email.rsplit_once('@')) {
            (BAN, Some((local, domain))) if !email.starts_with('^') => vec![format!(
                "^{}\\+.*@{}$",
                regex::escape(local),
                regex::escape(domain)
            )],
            _ => Vec::new(),
        }
    }

    fn wants(&self, _place: &str, restrains: &Restrains) -> Option<(&'static str, Option<String>)> {
        match restrains {
            Restrains::Suspension => Some((BAN, None)),
            Restrains::Hold => Some((HOLD, None)),
            // Rates are counted by the Postfix policy server; Mailman has
            // no forum-wide cool-down.
            Restrains::RateLimit { .. } | Restrains::CoolDown { .. } => None,
        }
    }

    fn implied_by(&self, kind: &str) -> Option<&'static str> {
        (kind == HOLD).then_some(BAN)
    }

    fn read(
        &self,
        list: &str,
        about: &BTreeSet<(String, String)>,
        _applied: &[modpod_store::Enforced],
    ) -> Result<Option<Actual>, AdapterError> {
        let Some(bans) = self.client.bans(list).map_err(failed)? else {
            return Ok(None);
        };
        // Mailman bans an address that a `^` pattern matches (Python's
        // re.match, ignoring case) as if it were listed: such an address is
        // banned, though not by a ban of its own that modpod could lift.
        let patterns: Vec<regex::Regex> = bans
            .iter()
            .filter(|b| b.starts_with('^'))
            .filter_map(|b| {
                regex::RegexBuilder::new(b)
                    .case_insensitive(true)
                    .build()
                    .ok()
            })
            .collect();
        let mut actual = Actual::default();
        for (kind, email) in about {
            if kind == BAN
                && !bans.contains(email)
                && !email.starts_with('^')
                && patterns.iter().any(|p| p.is_match(email))
            {
                let by_pattern = Present {
                    enforces: true,
                    ..Present::default()
                };
                actual
                    .items
                    .insert((BAN.to_owned(), email.clone()), by_pattern);
            }
        }
        for email in bans {
            let banned = Present {
                enforces: true,
                as_applied: true,
                ..Present::default()
            };
            actual.items.insert((BAN.to_owned(), email), banned);
        }
        for (kind, email) in about {
            if kind != HOLD {
                continue;
            }
            if let Some(record) = self.client.record(list, email).map_err(failed)? {
                let moderation = record.moderation.as_deref();
                let present = Present {
                    enforces: holds_posts(moderation),
                    as_applied: moderation == Some("hold"),
                    value: record.moderation.clone(),
                    handle: Some(record.member_id.clone()),
                };
                actual
                    .items
                    .insert((HOLD.to_owned(), email.clone()), present);
            }
        }
        Ok(Some(actual))
    }

    fn apply(&self, list: &str, step: &Step) -> Result<(), AdapterError> {
        match step {
            Step::Apply { kind, account, .. } if kind == BAN => {
                self.client.ban(list, account).map_err(failed)
            }
            Step::Remove { kind, account, .. } if kind == BAN => {
                self.client.unban(list, account).map_err(failed)
            }
            Step::Apply {
                kind,
                account,
                handle,
                ..
            } if kind == HOLD => {
                let member_id = match handle {
                    Some(id) => id.clone(),
                    None => self.client.add_nonmember(list, account).map_err(failed)?,
                };
                self.client
                    .set_moderation(list, &member_id, Some("hold"))
                    .map_err(failed)
            }
            Step::Remove {
                kind,
                account,
                handle,
                restore,
            } if kind == HOLD => {
                let member_id = match handle {
                    Some(id) => id.clone(),
                    None => match self.client.record(list, account).map_err(failed)? {
                        Some(record) => record.member_id,
                        None => return Ok(()),
                    },
                };
                self.client
                    .set_moderation(list, &member_id, restore.as_deref())
                    .map_err(failed)
            }
            other => Err(words::no_such_change("Mailman", other)),
        }
    }

    fn describe(&self, step: &Step, done: bool) -> String {
        let (now, past) = match step {
            Step::Apply { kind, .. } | Step::Remove { kind, .. } if kind == BAN => {
                return words::ban(step, done);
            }
            Step::Apply {
                account, source, ..
            } => (
                format!("hold posts of {account} for approval ({source})"),
                format!("holding posts of {account} for approval ({source})"),
            ),
            Step::Remove { account, .. } => (
                format!("stop holding posts of {account}: no action holds them any more"),
                format!("no longer holding posts of {account}: no action holds them any more"),
            ),
            Step::Forget { kind, account } => return words::forgotten(kind, account),
            Step::Record { kind, account, .. } => return words::recorded(kind, account),
        };
        if done { past } else { now }
    }

    fn what(&self, kind: &str, account: &str) -> String {
        if kind == BAN {
            format!("the ban of {account}")
        } else {
            format!("the hold on posts of {account}")
        }
    }

    fn affected(&self, state_after: &State, event: &Event) -> BTreeSet<String> {
        affected_lists(state_after, event)
    }

    fn as_dyn(&self) -> &dyn Adapter {
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use crate::client::Record;
    use modpod_adapter::{Drift, OnDrift, PlaceWanted, Plan, Want};
    use modpod_enforce::Source;
    use modpod_policy::ids::ActionId;
    use modpod_store::Enforced;
    use std::collections::BTreeMap;

    /// What Mailman has on a list, in the planner's terms.
    #[derive(Default, Clone)]
    struct List {
        bans: BTreeSet<String>,
        records: BTreeMap<String, Record>,
    }

    fn mailman() -> Mailman {
        Mailman {
            client: Client::new("http://127.0.0.1:9", "u", "p"),
        }
    }

    /// What `Mailman::read` makes of a list.
    fn actual(list: &List) -> Actual {
        let mut actual = Actual::default();
        for email in &list.bans {
            let p = Present {
                enforces: true,
                as_applied: true,
                ..Present::default()
            };
            actual.items.insert((BAN.into(), email.clone()), p);
        }
        for (email, r) in &list.records {
            let m = r.moderation.as_deref();
            let p = Present {
                enforces: holds_posts(m),
                as_applied: m == Some("hold"),
                value: r.moderation.clone(),
                handle: Some(r.member_id.clone()),
            };
            actual.items.insert((HOLD.into(), email.clone()), p);
        }
        actual
    }

    fn plan(w: &PlaceWanted, a: &List, l: &[Enforced], on_drift: OnDrift) -> Plan {
        modpod_adapter::plan(&mailman(), w, &actual(a), l, on_drift)
    }

    fn ban(email: &str, action: u64) -> Step {
        Step::Apply {
            kind: BAN.into(),
            account: email.into(),
            value: None,
            source: Source::Action(ActionId(action)),
            handle: None,
            previous: None,
        }
    }

    fn forget(kind: &str, email: &str) -> Step {
        Step::Forget {
            kind: kind.into(),
            account: email.into(),
        }
    }

    const BOB: &str = "bob@example.org";
    const CAROL: &str = "carol@example.org";

    fn wanted(bans: &[(&str, u64)], holds: &[(&str, u64)]) -> PlaceWanted {
        let mut w = PlaceWanted::default();
        for (kind, pairs) in [(BAN, bans), (HOLD, holds)] {
            for &(e, a) in pairs {
                let want = Want {
                    source: Source::Action(ActionId(a)),
                    value: None,
                };
                w.items.insert((kind.to_owned(), e.to_owned()), want);
            }
        }
        w
    }

    fn banned(emails: &[&str]) -> List {
        List {
            bans: emails.iter().map(|e| (*e).to_owned()).collect(),
            records: BTreeMap::new(),
        }
    }

    fn with_record(mut actual: List, email: &str, id: &str, moderation: Option<&str>) -> List {
        actual.records.insert(
            email.to_owned(),
            Record {
                member_id: id.to_owned(),
                moderation: moderation.map(str::to_owned),
            },
        );
        actual
    }

    fn applied(kind: &str, email: &str, previous: Option<&str>) -> Enforced {
        Enforced {
            place: "wg.ietf.example".into(),
            account: email.into(),
            kind: kind.into(),
            previous: previous.map(str::to_owned),
        }
    }

    fn steps(p: &Plan) -> Vec<String> {
        p.steps
            .iter()
            .map(|s| mailman().describe(s, false))
            .collect()
    }

    fn reapply(w: &PlaceWanted, a: &List, l: &[Enforced]) -> Plan {
        plan(w, a, l, OnDrift::Reapply)
    }

    #[test]
    fn nothing_wanted_nothing_applied_changes_nothing() {
        let p = reapply(&PlaceWanted::default(), &banned(&[BOB]), &[]);
        assert_eq!(p, Plan::default());
    }

    #[test]
    fn a_wanted_ban_is_applied() {
        let p = reapply(&wanted(&[(BOB, 12)], &[]), &List::default(), &[]);
        assert_eq!(p.steps, [ban(BOB, 12)]);
        assert_eq!(steps(&p), ["ban bob@example.org (action #12)"]);
        assert!(p.drift.is_empty());
    }

    #[test]
    fn a_ban_in_place_is_left_alone_whoever_made_it() {
        let w = wanted(&[(BOB, 12)], &[]);
        assert_eq!(reapply(&w, &banned(&[BOB]), &[]), Plan::default());
        assert_eq!(
            reapply(&w, &banned(&[BOB]), &[applied("ban", BOB, None)]),
            Plan::default()
        );
    }

    #[test]
    fn a_ban_modpod_applied_is_lifted_when_no_longer_wanted() {
        let p = reapply(
            &PlaceWanted::default(),
            &banned(&[BOB]),
            &[applied("ban", BOB, None)],
        );
        assert_eq!(
            p.steps,
            [Step::Remove {
                kind: BAN.into(),
                account: BOB.into(),
                handle: None,
                restore: None
            }]
        );
    }

    #[test]
    fn an_administrators_ban_is_never_lifted() {
        let p = reapply(&PlaceWanted::default(), &banned(&[BOB, CAROL]), &[]);
        assert_eq!(p, Plan::default());
    }

    #[test]
    fn a_ban_already_gone_is_forgotten() {
        let p = reapply(
            &PlaceWanted::default(),
            &List::default(),
            &[applied("ban", BOB, None)],
        );
        assert_eq!(p.steps, [forget(BAN, BOB)]);
    }

    #[test]
    fn a_ban_removed_by_hand_is_drift_and_reapplied_by_default() {
        let p = reapply(
            &wanted(&[(BOB, 12)], &[]),
            &List::default(),
            &[applied("ban", BOB, None)],
        );
        assert_eq!(steps(&p), ["ban bob@example.org (action #12)"]);
        assert_eq!(
            p.drift,
            [Drift {
                account: BOB.into(),
                kind: BAN.into(),
                action: Source::Action(ActionId(12)),
                reapplied: true
            }]
        );
        assert_eq!(
            p.drift[0].line(&mailman()),
            "the ban of bob@example.org (action #12) was removed by hand; re-applied"
        );
    }

    #[test]
    fn drift_can_be_only_recorded_and_keeps_being_reported() {
        let w = wanted(&[(BOB, 12)], &[(CAROL, 13)]);
        let ledger = [applied("ban", BOB, None), applied("hold", CAROL, None)];
        let actual = with_record(List::default(), CAROL, "m1", None);
        for _ in 0..2 {
            let p = plan(&w, &actual, &ledger, OnDrift::Record);
            assert!(p.steps.is_empty(), "{p:?}");
            assert_eq!(p.drift.len(), 2);
            assert!(p.drift.iter().all(|d| !d.reapplied));
        }
    }

    #[test]
    fn a_wanted_hold_is_set_on_the_member_and_remembers_the_previous_action() {
        let actual = with_record(List::default(), CAROL, "m1", Some("accept"));
        let p = reapply(&wanted(&[], &[(CAROL, 13)]), &actual, &[]);
        assert_eq!(
            p.steps,
            [Step::Apply {
                kind: HOLD.into(),
                account: CAROL.into(),
                value: None,
                source: Source::Action(ActionId(13)),
                handle: Some("m1".into()),
                previous: Some("accept".into())
            }]
        );
    }

    #[test]
    fn a_hold_for_someone_not_on_the_list_makes_a_nonmember_record() {
        let p = reapply(&wanted(&[], &[(CAROL, 13)]), &List::default(), &[]);
        assert!(matches!(
            &p.steps[..],
            [Step::Apply {
                handle: None,
                previous: None,
                ..
            }]
        ));
    }

    #[test]
    fn a_hold_or_stricter_in_place_or_a_ban_satisfies_a_wanted_hold() {
        let w = wanted(&[], &[(CAROL, 13)]);
        for moderation in ["hold", "discard", "reject"] {
            let actual = with_record(List::default(), CAROL, "m1", Some(moderation));
            assert_eq!(reapply(&w, &actual, &[]), Plan::default(), "{moderation}");
        }
        assert_eq!(reapply(&w, &banned(&[CAROL]), &[]), Plan::default());
        for weaker in [Some("accept"), Some("defer"), None] {
            let actual = with_record(List::default(), CAROL, "m1", weaker);
            assert_eq!(reapply(&w, &actual, &[]).steps.len(), 1, "{weaker:?}");
        }
    }

    #[test]
    fn a_hold_modpod_set_is_released_to_what_it_replaced() {
        let actual = with_record(List::default(), CAROL, "m1", Some("hold"));
        let p = reapply(
            &PlaceWanted::default(),
            &actual,
            &[applied("hold", CAROL, Some("accept"))],
        );
        assert_eq!(
            p.steps,
            [Step::Remove {
                kind: HOLD.into(),
                account: CAROL.into(),
                handle: Some("m1".into()),
                restore: Some("accept".into())
            }]
        );
    }

    #[test]
    fn a_hold_changed_by_hand_since_is_not_released_but_forgotten() {
        let actual = with_record(List::default(), CAROL, "m1", Some("discard"));
        let ledger = [applied("hold", CAROL, None)];
        let p = reapply(&PlaceWanted::default(), &actual, &ledger);
        assert_eq!(p.steps, [forget(HOLD, CAROL)]);
        // While still wanted, a stricter action set by hand satisfies it.
        assert_eq!(
            reapply(&wanted(&[], &[(CAROL, 13)]), &actual, &ledger),
            Plan::default()
        );
    }

    #[test]
    fn a_hold_removed_by_hand_is_drift_and_keeps_its_first_previous_action() {
        let actual = with_record(List::default(), CAROL, "m1", Some("accept"));
        let p = reapply(
            &wanted(&[], &[(CAROL, 13)]),
            &actual,
            &[applied("hold", CAROL, None)],
        );
        assert_eq!(
            p.steps,
            [Step::Apply {
                kind: HOLD.into(),
                account: CAROL.into(),
                value: None,
                source: Source::Action(ActionId(13)),
                handle: Some("m1".into()),
                previous: None
            }]
        );
        assert_eq!(p.drift.len(), 1);
        assert_eq!(p.drift[0].kind, HOLD);
    }

    #[test]
    fn an_administrators_hold_is_never_released() {
        let actual = with_record(List::default(), CAROL, "m1", Some("hold"));
        assert_eq!(
            reapply(&PlaceWanted::default(), &actual, &[]),
            Plan::default()
        );
    }

    #[test]
    fn removals_come_before_additions() {
        // Bob's suspension ended and his hold begins; Carol's hold ended.
        let actual = with_record(banned(&[BOB]), CAROL, "m2", Some("hold"));
        let ledger = [applied("ban", BOB, None), applied("hold", CAROL, None)];
        let p = reapply(&wanted(&[], &[(BOB, 14)]), &actual, &ledger);
        assert_eq!(
            steps(&p),
            [
                "unban bob@example.org: no action bans them any more",
                "stop holding posts of carol@example.org: no action holds them any more",
                "hold posts of bob@example.org for approval (action #14)",
            ]
        );
    }

    #[test]
    fn unknown_ledger_kinds_are_ignored() {
        let p = reapply(
            &PlaceWanted::default(),
            &banned(&[BOB]),
            &[applied("mute", BOB, None)],
        );
        assert_eq!(p, Plan::default());
    }

    #[test]
    fn applying_the_plan_leaves_nothing_to_do() {
        // The plan, applied to Mailman and the ledger, gives a state whose
        // plan is empty: reconciling twice changes nothing the second time.
        let w = wanted(&[(BOB, 12)], &[(CAROL, 13)]);
        let mut actual = with_record(banned(&["admin-banned@example.org"]), CAROL, "m1", None);
        let mut ledger: Vec<Enforced> = vec![applied("ban", "old@example.org", None)];
        actual.bans.insert("old@example.org".into());
        let first = reapply(&w, &actual, &ledger);
        for step in &first.steps {
            match step {
                Step::Apply {
                    kind,
                    account: email,
                    ..
                } if kind == BAN => {
                    actual.bans.insert(email.clone());
                    ledger.push(applied("ban", email, None));
                }
                Step::Remove {
                    kind,
                    account: email,
                    ..
                } if kind == BAN => {
                    actual.bans.remove(email);
                    ledger.retain(|e| !(e.account == *email && e.kind == "ban"));
                }
                Step::Apply {
                    account: email,
                    previous,
                    ..
                } => {
                    actual = with_record(actual, email, "m1", Some("hold"));
                    ledger.push(applied("hold", email, previous.as_deref()));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(first.steps.len(), 3);
        assert_eq!(reapply(&w, &actual, &ledger), Plan::default());
    }

    /// A change asked for just before a crash leaves a mark in the ledger
    /// (`pending:ban`): found made, it is recorded as modpod's (and so undone
    /// when its action ends); not made, it is asked for again, never drift.
    #[test]
    fn a_mark_left_by_a_crash_is_recorded_undone_retried_or_forgotten() {
        let mark = |email: &str| applied("pending:ban", email, None);
        // Made, still wanted: recorded.
        let p = reapply(&wanted(&[(BOB, 12)], &[]), &banned(&[BOB]), &[mark(BOB)]);
        assert_eq!(
            p.steps,
            [Step::Record {
                kind: BAN.into(),
                account: BOB.into(),
                previous: None
            }]
        );
        assert!(p.drift.is_empty());
        // Made, no longer wanted: undone.
        let p = reapply(&PlaceWanted::default(), &banned(&[BOB]), &[mark(BOB)]);
        assert_eq!(
            steps(&p),
            ["unban bob@example.org: no action bans them any more"]
        );
        // Not made, still wanted: asked for again, and it is no drift.
        let p = reapply(&wanted(&[(BOB, 12)], &[]), &List::default(), &[mark(BOB)]);
        assert_eq!(p.steps, [ban(BOB, 12)]);
        assert!(p.drift.is_empty());
        // Not made, no longer wanted: the mark is forgotten.
        let p = reapply(&PlaceWanted::default(), &List::default(), &[mark(BOB)]);
        assert_eq!(p.steps, [forget("pending:ban", BOB)]);
        // Recorded after all (the crash came after the ledger write): only the
        // mark is left over.
        let p = reapply(
            &wanted(&[(BOB, 12)], &[]),
            &banned(&[BOB]),
            &[mark(BOB), applied("ban", BOB, None)],
        );
        assert_eq!(p.steps, [forget("pending:ban", BOB)]);
    }
}
