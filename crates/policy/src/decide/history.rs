//! The moderator team's past actions (MIGRATE-1): an operator records the
//! team's actions from before modpod so that its yearly statistics (STATS-1)
//! cover those years. They are history and nothing else: they restrict no
//! one, are never enforced and never notified, and the person's history that
//! suggests a level (LADDER-1) does not read them.
//!
//! When a past action may be dated: the team replaces the IETF discussion
//! list moderation team (RFC 9245), and until its own procedures are approved
//! the previous ones stay in effect, so the team's record runs on across the
//! policy's effective date; that date (REINST-5's bound) is no bound here.
//! What bounds it is modpod's own record: from the day of the team's first
//! action in the log, its actions are there already, and one imported after
//! that day would be counted twice. So a past action is dated on or before
//! that day (UTC), and never after today.

use super::{Cx, one_line, text};
use crate::event::{Event, NewPastTeamAction};
use crate::ids::{ForumId, PersonId};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The most people one anonymous count may stand for.
const MOST_PEOPLE: u32 = 10_000;

/// Decides [`Command::RecordPastTeamAction`](crate::Command::RecordPastTeamAction).
#[allow(clippy::too_many_arguments)] // one parameter per field of the command
pub(super) fn record_past_team_action(
    cx: &mut Cx,
    date: &Date,
    level: &Option<u8>,
    forum: &Option<ForumId>,
    forum_name: &Option<String>,
    person: &Option<PersonId>,
    count: &Option<u32>,
    spam: bool,
    rescinded: bool,
    reference: &str,
    key: &str,
) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Operator],
        Requirement::Migrate1,
        "importing the moderator team's past actions",
    )?;
    one_line("key", key, 200)?;
    text("reference", reference, 2_000)?;
    let forum = past_forum(cx, forum, forum_name)?;
    let contacted = contacted(cx, person, count)?;
    let record = NewPastTeamAction {
        key: key.to_owned(),
        date: *date,
        level: *level,
        forum,
        contacted,
        spam,
        rescinded,
        reference: reference.to_owned(),
        recorded_by: cx.me().clone(),
        recorded_at: cx.now,
    };
    // Imported before: recognised first, whatever has changed since (the
    // ladder, the team's first action), so that a run can be repeated.
    if let Some(before) = cx.state.past_team_actions.get(key) {
        let same = before.date == record.date
            && before.level == record.level
            && before.forum == record.forum
            && before.contacted == record.contacted
            && before.spam == record.spam
            && before.rescinded == record.rescinded
            && before.reference == record.reference;
        if same {
            return Err(Refusal::out_of_order(
                Requirement::Migrate1,
                format!("the past action {key} was imported already"),
            ));
        }
        return Err(Refusal::invalid(
            "key",
            format!(
                "{key} was imported already, for another action (on {}, {}): each action needs a key of its own",
                before.date, before.forum
            ),
        ));
    }
    check_date(cx, date)?;
    if let Some(n) = level {
        let ladder = cx.state.ladder();
        if ladder.get(*n).is_none() {
            return Err(Refusal::invalid(
                "level",
                format!(
                    "the ladder in force has levels 0 to {}; there is no level {n} (an action that had no level names none)",
                    ladder.top()
                ),
            ));
        }
    }
    cx.emit(Event::PastTeamActionRecorded { action: record });
    Ok(())
}

/// Not after today, nor after the day of the team's first action in the log.
fn check_date(cx: &Cx, date: &Date) -> Result<(), Refusal> {
    let day = |t: jiff::Timestamp| TimeZone::UTC.to_datetime(t).date();
    let today = day(cx.now);
    if *date > today {
        return Err(Refusal::invalid(
            "date",
            format!("{date} is in the future (today is {today})"),
        ));
    }
    let first = cx
        .state
        .actions
        .values()
        .filter(|a| a.taken_as == Capacity::Moderator)
        .map(|a| a.taken_at)
        .min();
    if let Some(first) = first.map(day)
        && *date > first
    {
        return Err(Refusal::not_permitted(
            Requirement::Migrate1,
            format!(
                "date: the team's actions are in modpod's log from {first}, the day of its first one there; a past action from before modpod is dated on or before it, or it would be counted twice"
            ),
        ));
    }
    Ok(())
}

/// A forum modpod knows, public and under this policy (the team moderates
/// no other), or the name of one from before modpod that it does not know.
fn past_forum(
    cx: &Cx,
    forum: &Option<ForumId>,
    forum_name: &Option<String>,
) -> Result<PastForum, Refusal> {
    match (forum, forum_name) {
        (Some(id), None) => {
            let f = cx.forum(id)?;
            if !cx.state.policy_applies(f) {
                return Err(Refusal::ExcludedForum {
                    forum: id.to_string(),
                    organisation: f.organisation.to_string(),
                });
            }
            if !f.public {
                return Err(Refusal::NonPublicForum {
                    forum: id.to_string(),
                });
            }
            Ok(PastForum::Known(id.clone()))
        }
        (None, Some(name)) => {
            let name = name.trim();
            one_line("forum_name", name, 200)?;
            if let Ok(id) = ForumId::parse(name)
                && cx.state.fora.contains_key(&id)
            {
                return Err(Refusal::invalid(
                    "forum_name",
                    format!("{name} is a forum modpod knows: give it as forum"),
                ));
            }
            Ok(PastForum::Named(name.to_owned()))
        }
        (Some(_), Some(_)) => Err(Refusal::invalid(
            "forum_name",
            "give forum (a forum modpod knows) or forum_name (one from before modpod that it does not know), not both",
        )),
        (None, None) => Err(Refusal::invalid(
            "forum",
            "name the forum: forum for one modpod knows, or forum_name for one from before modpod that it does not know",
        )),
    }
}

/// A person modpod knows, or a count of people not named.
fn contacted(
    cx: &Cx,
    person: &Option<PersonId>,
    count: &Option<u32>,
) -> Result<Contacted, Refusal> {
    match (person, count) {
        (Some(p), None) => Ok(Contacted::Person(cx.person(p)?.id.clone())),
        (None, Some(0)) => Err(Refusal::invalid(
            "count",
            "must be at least 1: how many people the action contacted",
        )),
        (None, Some(n)) if *n > MOST_PEOPLE => Err(Refusal::invalid(
            "count",
            format!("must be at most {MOST_PEOPLE}"),
        )),
        (None, Some(n)) => Ok(Contacted::Count(*n)),
        (Some(_), Some(_)) => Err(Refusal::invalid(
            "count",
            "give person (someone modpod knows) or count (how many people, not named), not both",
        )),
        (None, None) => Err(Refusal::invalid(
            "person",
            "name the person, or give count: how many people, not named",
        )),
    }
}
