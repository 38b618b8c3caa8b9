//! The moderator team: appointed and recalled by the IESG (TEAM-1), from people
//! eligible to serve (TEAM-2), and warned about when too small (TEAM-3).

use super::{Cx, text};
use crate::command::Command;
use crate::event::Event;
use crate::model::Capacity;
use crate::refusal::Refusal;

pub(super) fn decide(cx: &mut Cx, command: &Command) -> Result<(), Refusal> {
    match command {
        Command::AppointModerator { person } => {
            cx.only(&[Capacity::Iesg], "TEAM-1", "appointing moderators")?;
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
            cx.emit(Event::ModeratorAppointed {
                person: person.clone(),
                at: cx.now,
            });
            team_size_warning(cx, cx.state.moderators.len() + 1);
        }
        Command::RecallModerator { person, reason } => {
            cx.only(&[Capacity::Iesg], "TEAM-1", "recalling moderators")?;
            if !cx.state.is_moderator(person) {
                return Err(Refusal::unknown("moderator", person));
            }
            text("reason", reason, 2000)?;
            cx.emit(Event::ModeratorRecalled {
                person: person.clone(),
                at: cx.now,
                reason: reason.clone(),
            });
            team_size_warning(cx, cx.state.moderators.len().saturating_sub(1));
        }
        _ => {}
    }
    Ok(())
}

/// TEAM-3: fewer moderators than the minimum is shown, not silently accepted.
fn team_size_warning(cx: &mut Cx, size: usize) {
    let min = cx.state.settings.minimum_team_size as usize;
    if size < min {
        cx.warn(
            "TEAM-3",
            format!(
                "the moderator team will have {size} members; the policy asks for at least {min}"
            ),
        );
    }
}
