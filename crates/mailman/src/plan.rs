//! The planner: what to change on one list, given what modpod wants there,
//! what Mailman has, and what modpod applied earlier (its ledger). Pure: no
//! I/O, no clock.
//!
//! For each address and kind (ban, hold):
//!
//! | wanted | in Mailman | applied by modpod | plan |
//! |---|---|---|---|
//! | yes | yes | either | nothing (an administrator's own ban or hold is left as it is) |
//! | yes | no | no | apply it |
//! | yes | no | yes | **drift**: removed by hand; re-apply it, or only report it |
//! | no | yes | yes | remove it (the action ended or was rescinded) |
//! | no | no | yes | forget it (already gone) |
//! | no | either | no | nothing: never touch what modpod did not apply |
//!
//! A hold counts as in Mailman when the address's moderation action is
//! `hold` or stricter (`discard`, `reject`), or when the address is banned.
//! A hold is removed only while its action is still `hold`: one that an
//! administrator changed since is theirs. Removing a hold puts back the
//! moderation action it replaced.

use crate::client::Record;
use crate::wanted::ListWanted;
use modpod_enforce::Source;
use modpod_store::Enforced;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What modpod does to an address on a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A list ban: the address's posts are discarded.
    Ban,
    /// The moderation action `hold`: posts wait for a moderator.
    Hold,
}

impl Kind {
    /// The name kept in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ban => "ban",
            Kind::Hold => "hold",
        }
    }

    fn parse(text: &str) -> Option<Kind> {
        match text {
            "ban" => Some(Kind::Ban),
            "hold" => Some(Kind::Hold),
            _ => None,
        }
    }
}

/// What to do when something modpod applied is gone from Mailman while its
/// action still applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnDrift {
    /// Apply it again (and report it).
    #[default]
    Reapply,
    /// Only report it, at every reconcile, until the action ends.
    Record,
}

impl std::str::FromStr for OnDrift {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "reapply" => Ok(OnDrift::Reapply),
            "record" => Ok(OnDrift::Record),
            _ => Err(format!(
                "{s:?} is not a drift setting: use reapply or record"
            )),
        }
    }
}

/// What Mailman has on a list, for the addresses the plan is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actual {
    /// The addresses banned from the list.
    pub bans: BTreeSet<String>,
    /// The member (or else nonmember) record of addresses, where there is one.
    pub records: BTreeMap<String, Record>,
}

/// One change to make on a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Ban {
        email: String,
        action: Source,
    },
    Unban {
        email: String,
    },
    /// Set the moderation action to `hold`, on the existing record
    /// (`member_id`) or on a new nonmember record; remember `previous`.
    Hold {
        email: String,
        action: Source,
        member_id: Option<String>,
        previous: Option<String>,
    },
    /// Put the moderation action back to `restore`.
    Release {
        email: String,
        member_id: String,
        restore: Option<String>,
    },
    /// Only the ledger changes: what modpod applied is gone already.
    Forget {
        email: String,
        kind: Kind,
    },
}

impl Step {
    pub fn email(&self) -> &str {
        match self {
            Step::Ban { email, .. }
            | Step::Unban { email }
            | Step::Hold { email, .. }
            | Step::Release { email, .. }
            | Step::Forget { email, .. } => email,
        }
    }

    /// Says what the step does (`done`: in the past tense).
    pub fn describe(&self, done: bool) -> String {
        let (now, past) = match self {
            Step::Ban { email, action } => (
                format!("ban {email} ({action})"),
                format!("banned {email} ({action})"),
            ),
            Step::Unban { email } => (
                format!("unban {email}: no action bans them any more"),
                format!("unbanned {email}: no action bans them any more"),
            ),
            Step::Hold { email, action, .. } => (
                format!("hold posts of {email} for approval ({action})"),
                format!("holding posts of {email} for approval ({action})"),
            ),
            Step::Release { email, .. } => (
                format!("stop holding posts of {email}: no action holds them any more"),
                format!("no longer holding posts of {email}: no action holds them any more"),
            ),
            Step::Forget { email, kind } => {
                let text = format!(
                    "the {} of {email} is no longer wanted and was already removed by hand",
                    kind.as_str()
                );
                (text.clone(), text)
            }
        };
        if done { past } else { now }
    }
}

/// Something modpod applied that is gone from Mailman although its action
/// (or LLC action) still applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub email: String,
    pub kind: Kind,
    pub action: Source,
    /// Whether the plan applies it again.
    pub reapplied: bool,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            Kind::Ban => format!("the ban of {}", self.email),
            Kind::Hold => format!("the hold on posts of {}", self.email),
        };
        let then = if self.reapplied {
            "re-applied"
        } else {
            "left as it is (drift is only recorded)"
        };
        write!(f, "{what} ({}) was removed by hand; {then}", self.action)
    }
}

/// The changes for one list, in the order to make them: removals first, so
/// that an address unbanned can then get its hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub drift: Vec<Drift>,
}

/// Moderation actions at least as strict as `hold`.
fn holds_posts(moderation: Option<&str>) -> bool {
    matches!(moderation, Some("hold" | "discard" | "reject"))
}

/// Plans one list. `applied` is what the ledger says modpod applied on this
/// list; entries of unknown kinds are ignored.
pub fn plan(wanted: &ListWanted, actual: &Actual, applied: &[Enforced], on_drift: OnDrift) -> Plan {
    let applied: BTreeMap<(Kind, &str), Option<&str>> = applied
        .iter()
        .filter_map(|e| {
            Some((
                (Kind::parse(&e.kind)?, e.account.as_str()),
                e.previous.as_deref(),
            ))
        })
        .collect();
    let mut plan = Plan::default();
    let mut removals = Vec::new();
    let mut additions = Vec::new();

    for (&(kind, email), &previous) in &applied {
        let wanted_here = match kind {
            Kind::Ban => wanted.bans.contains_key(email),
            Kind::Hold => wanted.holds.contains_key(email),
        };
        if wanted_here {
            continue;
        }
        let email = email.to_owned();
        let record = actual.records.get(&email);
        removals.push(match kind {
            Kind::Ban if actual.bans.contains(&email) => Step::Unban { email },
            Kind::Hold => match record {
                Some(r) if r.moderation.as_deref() == Some("hold") => Step::Release {
                    email,
                    member_id: r.member_id.clone(),
                    restore: previous.map(str::to_owned),
                },
                _ => Step::Forget { email, kind },
            },
            Kind::Ban => Step::Forget { email, kind },
        });
    }

    for (email, &action) in &wanted.bans {
        if actual.bans.contains(email) {
            continue;
        }
        let step = Step::Ban {
            email: email.clone(),
            action,
        };
        drift_or_add(
            &mut plan,
            &mut additions,
            &applied,
            Kind::Ban,
            step,
            action,
            on_drift,
        );
    }

    // A ban satisfies a hold, unless this plan lifts it.
    let unbanned: BTreeSet<&str> = removals
        .iter()
        .filter_map(|s| match s {
            Step::Unban { email } => Some(email.as_str()),
            _ => None,
        })
        .collect();
    for (email, &action) in &wanted.holds {
        let record = actual.records.get(email);
        let banned = actual.bans.contains(email) && !unbanned.contains(email.as_str());
        if banned || holds_posts(record.and_then(|r| r.moderation.as_deref())) {
            continue;
        }
        // Re-applied after drift, the hold still remembers what it first replaced.
        let previous = match applied.get(&(Kind::Hold, email.as_str())) {
            Some(previous) => previous.map(str::to_owned),
            None => record.and_then(|r| r.moderation.clone()),
        };
        let step = Step::Hold {
            email: email.clone(),
            action,
            member_id: record.map(|r| r.member_id.clone()),
            previous,
        };
        drift_or_add(
            &mut plan,
            &mut additions,
            &applied,
            Kind::Hold,
            step,
            action,
            on_drift,
        );
    }

    plan.steps = removals;
    plan.steps.extend(additions);
    plan
}

/// Adds a wanted step that is missing from Mailman: new, or drift if modpod
/// had applied it.
fn drift_or_add(
    plan: &mut Plan,
    additions: &mut Vec<Step>,
    applied: &BTreeMap<(Kind, &str), Option<&str>>,
    kind: Kind,
    step: Step,
    action: Source,
    on_drift: OnDrift,
) {
    if applied.contains_key(&(kind, step.email())) {
        let reapplied = on_drift == OnDrift::Reapply;
        plan.drift.push(Drift {
            email: step.email().to_owned(),
            kind,
            action,
            reapplied,
        });
        if !reapplied {
            return;
        }
    }
    additions.push(step);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use modpod_policy::ids::ActionId;

    const BOB: &str = "bob@example.org";
    const CAROL: &str = "carol@example.org";

    fn wanted(bans: &[(&str, u64)], holds: &[(&str, u64)]) -> ListWanted {
        let map = |pairs: &[(&str, u64)]| {
            pairs
                .iter()
                .map(|&(e, a)| (e.to_owned(), Source::Action(ActionId(a))))
                .collect()
        };
        ListWanted {
            bans: map(bans),
            holds: map(holds),
        }
    }

    fn banned(emails: &[&str]) -> Actual {
        Actual {
            bans: emails.iter().map(|e| (*e).to_owned()).collect(),
            records: BTreeMap::new(),
        }
    }

    fn with_record(mut actual: Actual, email: &str, id: &str, moderation: Option<&str>) -> Actual {
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
        p.steps.iter().map(|s| s.describe(false)).collect()
    }

    fn reapply(w: &ListWanted, a: &Actual, l: &[Enforced]) -> Plan {
        plan(w, a, l, OnDrift::Reapply)
    }

    #[test]
    fn nothing_wanted_nothing_applied_changes_nothing() {
        let p = reapply(&ListWanted::default(), &banned(&[BOB]), &[]);
        assert_eq!(p, Plan::default());
    }

    #[test]
    fn a_wanted_ban_is_applied() {
        let p = reapply(&wanted(&[(BOB, 12)], &[]), &Actual::default(), &[]);
        assert_eq!(
            p.steps,
            [Step::Ban {
                email: BOB.into(),
                action: Source::Action(ActionId(12))
            }]
        );
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
            &ListWanted::default(),
            &banned(&[BOB]),
            &[applied("ban", BOB, None)],
        );
        assert_eq!(p.steps, [Step::Unban { email: BOB.into() }]);
    }

    #[test]
    fn an_administrators_ban_is_never_lifted() {
        let p = reapply(&ListWanted::default(), &banned(&[BOB, CAROL]), &[]);
        assert_eq!(p, Plan::default());
    }

    #[test]
    fn a_ban_already_gone_is_forgotten() {
        let p = reapply(
            &ListWanted::default(),
            &Actual::default(),
            &[applied("ban", BOB, None)],
        );
        assert_eq!(
            p.steps,
            [Step::Forget {
                email: BOB.into(),
                kind: Kind::Ban
            }]
        );
    }

    #[test]
    fn a_ban_removed_by_hand_is_drift_and_reapplied_by_default() {
        let p = reapply(
            &wanted(&[(BOB, 12)], &[]),
            &Actual::default(),
            &[applied("ban", BOB, None)],
        );
        assert_eq!(steps(&p), ["ban bob@example.org (action #12)"]);
        assert_eq!(
            p.drift,
            [Drift {
                email: BOB.into(),
                kind: Kind::Ban,
                action: Source::Action(ActionId(12)),
                reapplied: true
            }]
        );
        assert_eq!(
            p.drift[0].to_string(),
            "the ban of bob@example.org (action #12) was removed by hand; re-applied"
        );
    }

    #[test]
    fn drift_can_be_only_recorded_and_keeps_being_reported() {
        let w = wanted(&[(BOB, 12)], &[(CAROL, 13)]);
        let ledger = [applied("ban", BOB, None), applied("hold", CAROL, None)];
        let actual = with_record(Actual::default(), CAROL, "m1", None);
        for _ in 0..2 {
            let p = plan(&w, &actual, &ledger, OnDrift::Record);
            assert!(p.steps.is_empty(), "{p:?}");
            assert_eq!(p.drift.len(), 2);
            assert!(p.drift.iter().all(|d| !d.reapplied));
        }
    }

    #[test]
    fn a_wanted_hold_is_set_on_the_member_and_remembers_the_previous_action() {
        let actual = with_record(Actual::default(), CAROL, "m1", Some("accept"));
        let p = reapply(&wanted(&[], &[(CAROL, 13)]), &actual, &[]);
        assert_eq!(
            p.steps,
            [Step::Hold {
                email: CAROL.into(),
                action: Source::Action(ActionId(13)),
                member_id: Some("m1".into()),
                previous: Some("accept".into())
            }]
        );
    }

    #[test]
    fn a_hold_for_someone_not_on_the_list_makes_a_nonmember_record() {
        let p = reapply(&wanted(&[], &[(CAROL, 13)]), &Actual::default(), &[]);
        assert!(matches!(
            &p.steps[..],
            [Step::Hold {
                member_id: None,
                previous: None,
                ..
            }]
        ));
    }

    #[test]
    fn a_hold_or_stricter_in_place_or_a_ban_satisfies_a_wanted_hold() {
        let w = wanted(&[], &[(CAROL, 13)]);
        for moderation in ["hold", "discard", "reject"] {
            let actual = with_record(Actual::default(), CAROL, "m1", Some(moderation));
            assert_eq!(reapply(&w, &actual, &[]), Plan::default(), "{moderation}");
        }
        assert_eq!(reapply(&w, &banned(&[CAROL]), &[]), Plan::default());
        for weaker in [Some("accept"), Some("defer"), None] {
            let actual = with_record(Actual::default(), CAROL, "m1", weaker);
            assert_eq!(reapply(&w, &actual, &[]).steps.len(), 1, "{weaker:?}");
        }
    }

    #[test]
    fn a_hold_modpod_set_is_released_to_what_it_replaced() {
        let actual = with_record(Actual::default(), CAROL, "m1", Some("hold"));
        let p = reapply(
            &ListWanted::default(),
            &actual,
            &[applied("hold", CAROL, Some("accept"))],
        );
        assert_eq!(
            p.steps,
            [Step::Release {
                email: CAROL.into(),
                member_id: "m1".into(),
                restore: Some("accept".into())
            }]
        );
    }

    #[test]
    fn a_hold_changed_by_hand_since_is_not_released_but_forgotten() {
        let actual = with_record(Actual::default(), CAROL, "m1", Some("discard"));
        let ledger = [applied("hold", CAROL, None)];
        let p = reapply(&ListWanted::default(), &actual, &ledger);
        assert_eq!(
            p.steps,
            [Step::Forget {
                email: CAROL.into(),
                kind: Kind::Hold
            }]
        );
        // While still wanted, a stricter action set by hand satisfies it.
        assert_eq!(
            reapply(&wanted(&[], &[(CAROL, 13)]), &actual, &ledger),
            Plan::default()
        );
    }

    #[test]
    fn a_hold_removed_by_hand_is_drift_and_keeps_its_first_previous_action() {
        let actual = with_record(Actual::default(), CAROL, "m1", Some("accept"));
        let p = reapply(
            &wanted(&[], &[(CAROL, 13)]),
            &actual,
            &[applied("hold", CAROL, None)],
        );
        assert_eq!(
            p.steps,
            [Step::Hold {
                email: CAROL.into(),
                action: Source::Action(ActionId(13)),
                member_id: Some("m1".into()),
                previous: None
            }]
        );
        assert_eq!(p.drift.len(), 1);
        assert_eq!(p.drift[0].kind, Kind::Hold);
    }

    #[test]
    fn an_administrators_hold_is_never_released() {
        let actual = with_record(Actual::default(), CAROL, "m1", Some("hold"));
        assert_eq!(
            reapply(&ListWanted::default(), &actual, &[]),
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
            &ListWanted::default(),
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
                Step::Ban { email, .. } => {
                    actual.bans.insert(email.clone());
                    ledger.push(applied("ban", email, None));
                }
                Step::Unban { email } => {
                    actual.bans.remove(email);
                    ledger.retain(|e| !(e.account == *email && e.kind == "ban"));
                }
                Step::Hold {
                    email, previous, ..
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
}
