//! The moderator team: appointed and recalled by the IESG (TEAM-1), from people
//! eligible to serve (TEAM-2), warned about when too small (TEAM-3), and its
//! members' time zones and availability (TEAM-4).

use super::{Cx, text};
use crate::event::Event;
use crate::ids::PersonId;
use crate::model::{Capacity, Window};
use crate::refusal::Refusal;
use crate::requirement::Requirement;

/// Decides [`Command::AppointModerator`](crate::Command::AppointModerator).
pub(super) fn appoint_moderator(cx: &mut Cx, person: &PersonId) -> Result<(), Refusal> {
    may_appoint(cx, Some(person))?;
    cx.emit(Event::ModeratorAppointed {
        person: person.clone(),
        at: cx.now,
    });
    team_size_warning(cx, cx.state.moderators.len() + 1);
    Ok(())
}

/// Decides [`Command::RecallModerator`](crate::Command::RecallModerator).
pub(super) fn recall_moderator(
    cx: &mut Cx,
    person: &PersonId,
    reason: &str,
) -> Result<(), Refusal> {
    may_recall(cx, Some(person))?;
    text("reason", reason, 2000)?;
    cx.emit(Event::ModeratorRecalled {
        person: person.clone(),
        at: cx.now,
        reason: reason.to_owned(),
    });
    team_size_warning(cx, cx.state.moderators.len().saturating_sub(1));
    Ok(())
}

/// Decides [`Command::SetAvailability`](crate::Command::SetAvailability).
pub(super) fn set_availability(
    cx: &mut Cx,
    person: &PersonId,
    time_zone: &str,
    windows: &[Window],
) -> Result<(), Refusal> {
    let own = &cx.actor.person == person && cx.actor.capacity == Capacity::Moderator;
    if !own {
        cx.only(
            &[Capacity::Operator],
            Requirement::Team4,
            "recording another person's availability",
        )?;
    }
    if !cx.state.is_moderator(person) {
        return Err(Refusal::unknown("moderator", person));
    }
    text("time_zone", time_zone, 64)?;
    if jiff::tz::TimeZone::get(time_zone).is_err() {
        return Err(Refusal::invalid(
            "time_zone",
            format!("{time_zone:?} is not an IANA time zone name such as Europe/Paris"),
        ));
    }
    if windows.len() > 7 * 24 {
        return Err(Refusal::invalid("windows", "at most 168 windows"));
    }
    if let Some(w) = windows
        .iter()
        .find(|w| w.from_hour >= w.to_hour || w.to_hour > 24)
    {
        return Err(Refusal::invalid(
            "windows",
            format!(
                "{:?} {}:00 to {}:00 is not a window: hours run from 0 to 24, start before end",
                w.day, w.from_hour, w.to_hour
            ),
        ));
    }
    cx.emit(Event::AvailabilitySet {
        person: person.clone(),
        time_zone: time_zone.to_owned(),
        windows: windows.to_vec(),
    });
    Ok(())
}

/// TEAM-3: fewer moderators than the minimum is shown, not silently accepted.
fn team_size_warning(cx: &mut Cx, size: usize) {
    let min = cx.state.settings.warn_team_below as usize;
    if size < min {
        cx.warn(
            Requirement::Team3,
            format!(
                "the moderator team will have {size} members; the policy asks for at least {min}"
            ),
        );
    }
}

/// TEAM-1, TEAM-2: whether the actor may appoint moderators, and this
/// person (when named): the IESG appoints, and nobody ineligible.
pub(super) fn may_appoint(cx: &Cx, person: Option<&PersonId>) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Iesg],
        Requirement::Team1,
        "appointing moderators",
    )?;
    let Some(person) = person else {
        return Ok(());
    };
    let p = cx.person(person)?;
    if cx.state.is_moderator(person) {
        return Err(Refusal::Exists {
            what: "moderator",
            id: person.to_string(),
        });
    }
    if let Some(role) = p.roles.iter().find(|r| r.excludes_moderation()) {
        return Err(Refusal::Ineligible {
            person: person.to_string(),
            role: role.to_string(),
        });
    }
    Ok(())
}

/// TEAM-1: whether the actor may recall moderators, and this one (when
/// named): the IESG recalls, a sitting moderator.
pub(super) fn may_recall(cx: &Cx, person: Option<&PersonId>) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Iesg],
        Requirement::Team1,
        "recalling moderators",
    )?;
    match person {
        Some(person) if !cx.state.is_moderator(person) => {
            Err(Refusal::unknown("moderator", person))
        }
        Some(_) => Ok(()),
        None if cx.state.moderators.is_empty() => Err(Refusal::out_of_order(
            Requirement::Team1,
            "there is no moderator to recall",
        )),
        None => Ok(()),
    }
}
