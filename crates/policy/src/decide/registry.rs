//! The registry of groups (FORUM-5): what an operator, or modpod's sync with
//! the IETF Datatracker acting as `system`, changes about working groups and
//! fora besides creating them: a group's name, area and responsible AD, a
//! forum closed when its group concludes (no new reports or actions there;
//! what is in force stays) or opened again, and the record that a sync took
//! place, on behalf of which operator.
//!
//! Which changes a sync asks for, and which it leaves alone because they were
//! set by hand, is the sync's (`crates/datatracker`): here every change is
//! decided like any other command.

use super::{Cx, one_line, text};
use crate::event::Event;
use crate::ids::{ForumId, PersonId, WgId};
use crate::model::{Capacity, Role};
use crate::refusal::Refusal;
use crate::requirement::Requirement;

/// Decides [`Command::ChangeWorkingGroup`](crate::Command::ChangeWorkingGroup).
pub(super) fn change_working_group(
    cx: &mut Cx,
    wg: &WgId,
    name: &str,
    area: &Option<String>,
    responsible_ad: &Option<PersonId>,
) -> Result<(), Refusal> {
    may_keep_the_registry(cx, "changing working groups")?;
    let Some(current) = cx.state.working_groups.get(wg) else {
        return Err(Refusal::unknown("working group", wg));
    };
    one_line("name", name, 200)?;
    if let Some(area) = area {
        one_line("area", area, 64)?;
    }
    if let Some(ad) = responsible_ad {
        cx.person(ad)?;
    }
    if current.name == name && &current.area == area && &current.responsible_ad == responsible_ad {
        return Err(Refusal::Exists {
            what: "working group",
            id: format!("{wg} as given (nothing changes)"),
        });
    }
    cx.emit(Event::WorkingGroupChanged {
        wg: wg.clone(),
        name: name.to_owned(),
        area: area.clone(),
        responsible_ad: responsible_ad.clone(),
    });
    Ok(())
}

/// Decides [`Command::CloseForum`](crate::Command::CloseForum).
pub(super) fn close_forum(cx: &mut Cx, forum: &ForumId, reason: &str) -> Result<(), Refusal> {
    may_keep_the_registry(cx, "closing fora")?;
    cx.forum(forum)?;
    text("reason", reason, 2_000)?;
    if let Some(since) = cx.state.closed_since(forum) {
        return Err(Refusal::out_of_order(
            Requirement::Forum5,
            format!("{forum} is already closed, since {since}"),
        ));
    }
    cx.emit(Event::ForumClosed {
        forum: forum.clone(),
        at: cx.now,
        reason: reason.to_owned(),
    });
    Ok(())
}

/// Decides [`Command::ReopenForum`](crate::Command::ReopenForum).
pub(super) fn reopen_forum(cx: &mut Cx, forum: &ForumId, reason: &str) -> Result<(), Refusal> {
    may_keep_the_registry(cx, "opening closed fora")?;
    cx.forum(forum)?;
    text("reason", reason, 2_000)?;
    if cx.state.closed_since(forum).is_none() {
        return Err(Refusal::out_of_order(
            Requirement::Forum5,
            format!("{forum} is not closed"),
        ));
    }
    cx.emit(Event::ForumReopened {
        forum: forum.clone(),
        at: cx.now,
        reason: reason.to_owned(),
    });
    Ok(())
}

/// Decides [`Command::RecordRegistrySync`](crate::Command::RecordRegistrySync).
pub(super) fn record_registry_sync(
    cx: &mut Cx,
    source: &str,
    on_behalf_of: &PersonId,
    changes: &u64,
) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::System],
        Requirement::Forum5,
        "recording a synchronisation with the registry of groups",
    )?;
    one_line("source", source, 2_000)?;
    if !cx.state.holds(on_behalf_of, &Role::Operator) {
        return Err(Refusal::not_permitted(
            Requirement::Forum5,
            format!(
                "the registry of groups is synchronised on behalf of an operator; {on_behalf_of} is not one"
            ),
        ));
    }
    cx.emit(Event::RegistrySynced {
        source: source.to_owned(),
        on_behalf_of: on_behalf_of.clone(),
        at: cx.now,
        changes: *changes,
    });
    Ok(())
}

/// FORUM-5: a closed forum takes no new reports or actions.
pub(super) fn not_closed(cx: &Cx, fora: &[ForumId]) -> Result<(), Refusal> {
    for forum in fora {
        if let Some(since) = cx.state.closed_since(forum) {
            return Err(Refusal::not_permitted(
                Requirement::Forum5,
                format!(
                    "{forum} is closed since {since}: it takes no new reports or actions; what is in force there stays"
                ),
            ));
        }
    }
    Ok(())
}

/// ROLE-1, FORUM-5: working groups and fora are kept by an operator, or by
/// modpod's sync with the registry of groups (capacity `system`).
pub(super) fn may_keep_the_registry(cx: &Cx, what: &str) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Operator, Capacity::System],
        Requirement::Role1,
        what,
    )
}
