//! What modpod records by itself from the identities linked and the posts
//! the policy server sees: alerts to the moderator team (CIRCUMVENT-1),
//! which act on nothing, and the one automatic action the policy allows, a
//! rate limit from the volume rule of the team's procedures (REPORT-6),
//! decided from counts of posts, never from what a post says.

use super::{Cx, actions, registry};
use crate::command::SubjectRef;
use crate::event::{Event, NewAction, NewAlert};
use crate::ids::{ActionId, AlertId, ForumId, PersonId};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use crate::time::add_seconds;
use jiff::Timestamp;

/// CIRCUMVENT-1: an identity linked to a person with an action in force
/// that restricts their posting alerts the moderators, in the same
/// decision; nothing else happens. A spam action does not count: it needs no
/// reporting (ACT-5), and bulk senders' new addresses are spam control's.
/// Nor does the volume rule's rate limit: it says how much someone posted,
/// nothing the team found about them.
pub(super) fn on_link(cx: &mut Cx, person: &PersonId, identity: &Identity) {
    let actions: Vec<ActionId> = cx
        .state
        .restricting(person, cx.now)
        .iter()
        .map(|a| a.id)
        .collect();
    if !actions.is_empty() {
        raise(
            cx,
            AlertKind::IdentityLinked,
            person,
            identity,
            None,
            actions,
        );
    }
}

/// Decides [`Command::RecordCircumventionSighting`](crate::Command::RecordCircumventionSighting).
pub(super) fn record_circumvention_sighting(
    cx: &mut Cx,
    identity: &Identity,
    forum: &ForumId,
    seen_at: &Timestamp,
) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::System],
        Requirement::Circumvent1,
        "recording what the policy server saw",
    )?;
    if *seen_at > cx.now {
        return Err(Refusal::invalid("seen_at", "must not be in the future"));
    }
    watched(cx, forum)?;
    let person = cx
        .state
        .person_with(identity)
        .ok_or_else(|| Refusal::unknown("identity", identity))?
        .clone();
    if let Some(here) = cx
        .state
        .restrictions_at(&person, *seen_at)
        .into_iter()
        .find(|a| a.terms.measure.restricts() && a.terms.fora.contains(forum))
    {
        return Err(Refusal::out_of_order(
            Requirement::Circumvent1,
            format!(
                "{person} is restricted on {forum} by {}: a post there is enforced, not posted elsewhere",
                here.id
            ),
        ));
    }
    let elsewhere: Vec<ActionId> = cx
        .state
        .restricting(&person, *seen_at)
        .into_iter()
        .filter(|a| !a.terms.fora.contains(forum))
        .map(|a| a.id)
        .collect();
    if elsewhere.is_empty() {
        return Err(Refusal::out_of_order(
            Requirement::Circumvent1,
            format!("{person} has no action in force on other fora that restricts their posting"),
        ));
    }
    let hours = cx.state.numbers().circumvention_alert_hours;
    let since = add_seconds(cx.now, -i64::from(hours) * 3600);
    // Alerts are recorded in time order: the recent ones are the last.
    let last = cx
        .state
        .alerts
        .values()
        .rev()
        .take_while(|a| a.at > since)
        .find(|a| {
            a.kind == AlertKind::PostedElsewhere
                && a.person == person
                && a.forum.as_ref() == Some(forum)
        });
    if let Some(last) = last {
        return Err(Refusal::out_of_order(
            Requirement::Circumvent1,
            format!(
                "the moderators were alerted at {} that {person} posts on {forum} ({}); at most once in {hours} hours",
                last.at, last.id
            ),
        ));
    }
    raise(
        cx,
        AlertKind::PostedElsewhere,
        &person,
        identity,
        Some((forum.clone(), *seen_at)),
        elsewhere,
    );
    Ok(())
}

/// Decides [`Command::ApplyVolumeLimit`](crate::Command::ApplyVolumeLimit):
/// the rate limit the volume rule in force asks for, and no other, on a
/// forum the team's procedures cover, on someone not already restricted
/// there.
pub(super) fn apply_volume_limit(
    cx: &mut Cx,
    subject: &SubjectRef,
    forum: &ForumId,
    posts: &u32,
    minutes: &u32,
) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::System],
        Requirement::Report6,
        "applying the volume rule",
    )?;
    let numbers = cx.state.numbers();
    let Some(rule) = numbers.volume_rule() else {
        return Err(Refusal::not_permitted(
            Requirement::Report6,
            "the moderator team's procedures in force set no volume rule: nothing is rate-limited automatically",
        ));
    };
    if (rule.posts, rule.minutes) != (*posts, *minutes) {
        return Err(Refusal::not_permitted(
            Requirement::Report6,
            format!(
                "the volume rule in force is more than {} posts in {} minutes, not {posts} in {minutes}: only that rule is applied automatically",
                rule.posts, rule.minutes
            ),
        ));
    }
    watched(cx, forum)?;
    let subject = cx.subject(subject)?;
    if let Some(there) = cx
        .state
        .restrictions_at(&subject, cx.now)
        .into_iter()
        .find(|a| a.terms.measure.restricts() && a.terms.fora.contains(forum))
    {
        return Err(Refusal::out_of_order(
            Requirement::Report6,
            format!("{subject} is already restricted on {forum} by {}", there.id),
        ));
    }
    let version = cx.state.procedures_in_force();
    let terms = Terms {
        measure: Measure::RateLimit {
            posts: rule.posts,
            per_seconds: rule.minutes.saturating_mul(60),
        },
        fora: vec![forum.clone()],
        starts_at: cx.now,
        ends_at: Some(add_seconds(
            cx.now,
            i64::from(numbers.volume_limit_hours) * 3600,
        )),
    };
    let id = ActionId(cx.state.next.action);
    cx.emit(Event::ActionTaken {
        action: NewAction {
            id,
            subject: subject.clone(),
            terms: terms.clone(),
            taken_by: cx.me().clone(),
            taken_as: cx.capacity(),
            taken_at: cx.now,
            reason: format!(
                "more than {} posts in {} minutes on {forum}: the volume rule of the moderator team's procedures{} (REPORT-6), applied automatically from the number of posts, never from what they say",
                rule.posts,
                rule.minutes,
                version.map_or_else(String::new, |v| format!(", version {v}")),
            ),
            reports: Vec::new(),
            evidence: Vec::new(),
            spam: false,
            procedures_version: version,
            legacy: None,
            imported: None,
            level: None,
            texts: None,
            team: None,
        },
    });
    actions::owe_for_terms(cx, id, &subject, &terms, "action-taken", None);
    Ok(())
}

/// The forum is one the moderator team's procedures cover, where the policy
/// server watches posts: one the policy applies to (FORUM-2), public (the
/// team does not moderate the others, FORUM-3), and open (FORUM-5).
fn watched(cx: &Cx, id: &ForumId) -> Result<(), Refusal> {
    let forum = cx.forum(id)?;
    if !cx.state.policy_applies(forum) {
        return Err(Refusal::ExcludedForum {
            forum: id.to_string(),
            organisation: forum.organisation.to_string(),
        });
    }
    if !forum.public {
        return Err(Refusal::NonPublicForum {
            forum: id.to_string(),
        });
    }
    registry::not_closed(cx, std::slice::from_ref(id))
}

/// Records an alert and owes the moderator team its notification.
fn raise(
    cx: &mut Cx,
    kind: AlertKind,
    person: &PersonId,
    identity: &Identity,
    seen: Option<(ForumId, Timestamp)>,
    actions: Vec<ActionId>,
) {
    let id = AlertId(cx.state.next.alert);
    let (forum, seen_at) = seen.unzip();
    cx.emit(Event::CircumventionAlertRaised {
        alert: NewAlert {
            id,
            kind,
            person: person.clone(),
            identity: identity.clone(),
            forum,
            actions,
            at: cx.now,
            seen_at,
        },
    });
    cx.owe(
        Recipient::ModeratorTeam,
        Subject::Alert(id),
        Requirement::Circumvent1,
        "circumvention/moderators",
    );
}
