//! Setting up the installation: people, identities, roles, working groups, fora,
//! delegations (ROLE-2), opt-ins (FORUM-2), report categories (REPORT-2) and
//! settings. Everything is an event like any other, attributed to its operator.

use super::{Cx, one_line, text};
use crate::event::{Event, NewForum};
use crate::ids::{ForumId, PersonId, WgId};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use crate::settings::SettingsChange;

pub(super) fn bootstrap(cx: &mut Cx, operator: &PersonId, name: &str) -> Result<(), Refusal> {
    if cx.state.bootstrapped {
        return Err(Refusal::out_of_order(
            Requirement::Audit1,
            "this log has already been set up",
        ));
    }
    if *operator == PersonId::system() || cx.me() != operator || cx.capacity() != Capacity::Operator
    {
        return Err(Refusal::not_permitted(
            Requirement::Role1,
            "the first event makes its own actor the first operator",
        ));
    }
    one_line("name", name, 200)?;
    cx.emit(Event::Bootstrapped {
        operator: operator.clone(),
        name: name.to_owned(),
        at: Some(cx.now),
    });
    Ok(())
}

/// Decides [`Command::RegisterPerson`](crate::Command::RegisterPerson).
pub(super) fn register_person(
    cx: &mut Cx,
    person: &PersonId,
    name: &str,
    time_zone: &Option<String>,
) -> Result<(), Refusal> {
    use Capacity::{Operator, System};
    // The sync with the registry of groups registers people as `system`.
    cx.only(
        &[Operator, System],
        Requirement::Role1,
        "registering people",
    )?;
    if cx.state.people.contains_key(person) || *person == PersonId::system() {
        return Err(Refusal::Exists {
            what: "person",
            id: person.to_string(),
        });
    }
    one_line("name", name, 200)?;
    if let Some(tz) = time_zone {
        text("time_zone", tz, 64)?;
    }
    cx.emit(Event::PersonRegistered {
        person: person.clone(),
        name: name.to_owned(),
        time_zone: time_zone.clone(),
    });
    Ok(())
}

/// Decides [`Command::LinkIdentity`](crate::Command::LinkIdentity).
pub(super) fn link_identity(
    cx: &mut Cx,
    person: &PersonId,
    identity: &Identity,
) -> Result<(), Refusal> {
    use Capacity::{Moderator, Operator, System};
    cx.only(
        &[Operator, Moderator, System],
        Requirement::Role1,
        "linking identities",
    )?;
    cx.person(person)?;
    if let Some(owner) = cx.state.person_with(identity) {
        return Err(Refusal::Exists {
            what: "identity",
            id: format!("{identity} (linked to {owner})"),
        });
    }
    cx.emit(Event::IdentityLinked {
        person: person.clone(),
        identity: identity.clone(),
    });
    super::alerts::on_link(cx, person, identity);
    Ok(())
}

/// Decides [`Command::GrantRole`](crate::Command::GrantRole).
pub(super) fn grant_role(cx: &mut Cx, person: &PersonId, role: &Role) -> Result<(), Refusal> {
    use Capacity::{Operator, System};
    cx.only(&[Operator, System], Requirement::Role1, "granting roles")?;
    let p = cx.person(person)?;
    check_role_target(cx, role)?;
    if p.roles.contains(role) {
        return Err(Refusal::Exists {
            what: "role",
            id: format!("{role} of {person}"),
        });
    }
    cx.emit(Event::RoleGranted {
        person: person.clone(),
        role: role.clone(),
    });
    if role.excludes_moderation() && cx.state.is_moderator(person) {
        // TEAM-2: a sitting moderator who takes such a role is flagged.
        cx.emit(Event::ModeratorFlaggedToStepDown {
            person: person.clone(),
            role: role.clone(),
            at: Some(cx.now),
        });
        cx.warn(
            Requirement::Team2,
            format!("moderator {person} now serves as {role} and should step down"),
        );
    }
    Ok(())
}

/// Decides [`Command::RevokeRole`](crate::Command::RevokeRole).
pub(super) fn revoke_role(cx: &mut Cx, person: &PersonId, role: &Role) -> Result<(), Refusal> {
    use Capacity::{Operator, System};
    cx.only(&[Operator, System], Requirement::Role1, "revoking roles")?;
    if !cx.person(person)?.roles.contains(role) {
        return Err(Refusal::unknown("role", format!("{role} of {person}")));
    }
    cx.emit(Event::RoleRevoked {
        person: person.clone(),
        role: role.clone(),
    });
    Ok(())
}

/// Decides [`Command::CreateWorkingGroup`](crate::Command::CreateWorkingGroup).
pub(super) fn create_working_group(
    cx: &mut Cx,
    wg: &WgId,
    name: &str,
    area: &Option<String>,
    responsible_ad: &Option<PersonId>,
) -> Result<(), Refusal> {
    super::registry::may_keep_the_registry(cx, "creating working groups")?;
    if cx.state.working_groups.contains_key(wg) {
        return Err(Refusal::Exists {
            what: "working group",
            id: wg.to_string(),
        });
    }
    one_line("name", name, 200)?;
    if let Some(ad) = responsible_ad {
        cx.person(ad)?;
    }
    cx.emit(Event::WorkingGroupCreated {
        wg: WorkingGroup {
            id: wg.clone(),
            name: name.to_owned(),
            area: area.clone(),
            responsible_ad: responsible_ad.clone(),
        },
    });
    Ok(())
}

/// Decides [`Command::CreateForum`](crate::Command::CreateForum).
#[allow(clippy::too_many_arguments)] // one parameter per field of the command
pub(super) fn create_forum(
    cx: &mut Cx,
    forum: &ForumId,
    name: &str,
    kind: &str,
    organisation: &Organisation,
    public: &bool,
    plenary: &bool,
    wg: &Option<WgId>,
    responsible_ad: &Option<PersonId>,
) -> Result<(), Refusal> {
    super::registry::may_keep_the_registry(cx, "creating fora")?;
    if cx.state.fora.contains_key(forum) {
        return Err(Refusal::Exists {
            what: "forum",
            id: forum.to_string(),
        });
    }
    one_line("name", name, 200)?;
    text("kind", kind, 64)?;
    if let Some(wg) = wg
        && !cx.state.working_groups.contains_key(wg)
    {
        return Err(Refusal::unknown("working group", wg));
    }
    if let Some(ad) = responsible_ad {
        cx.person(ad)?;
    }
    cx.emit(Event::ForumCreated {
        forum: NewForum {
            id: forum.clone(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            organisation: organisation.clone(),
            public: *public,
            plenary: *plenary,
            wg: wg.clone(),
            responsible_ad: responsible_ad.clone(),
        },
    });
    Ok(())
}

/// Decides [`Command::DelegateAdministration`](crate::Command::DelegateAdministration).
pub(super) fn delegate_administration(
    cx: &mut Cx,
    forum: &ForumId,
    to: &PersonId,
) -> Result<(), Refusal> {
    delegation(cx, forum, to, true)
}

/// Decides [`Command::RevokeDelegation`](crate::Command::RevokeDelegation).
pub(super) fn revoke_delegation(
    cx: &mut Cx,
    forum: &ForumId,
    to: &PersonId,
) -> Result<(), Refusal> {
    delegation(cx, forum, to, false)
}

/// Decides [`Command::OptIn`](crate::Command::OptIn).
pub(super) fn opt_in(
    cx: &mut Cx,
    organisation: &Organisation,
    reference: &str,
) -> Result<(), Refusal> {
    may_opt_in(cx, organisation)?;
    text("reference", reference, 500)?;
    cx.emit(Event::OptedIn {
        organisation: organisation.clone(),
        reference: reference.to_owned(),
    });
    Ok(())
}

/// Decides [`Command::AddCategory`](crate::Command::AddCategory).
pub(super) fn add_category(cx: &mut Cx, category: &Category) -> Result<(), Refusal> {
    use Capacity::{Moderator, Operator};
    cx.only(
        &[Operator, Moderator],
        Requirement::Report2,
        "adding report categories",
    )?;
    one_line("category.id", &category.id, 64)?;
    one_line("category.title", &category.title, 200)?;
    if cx.state.categories.iter().any(|c| c.id == category.id) {
        return Err(Refusal::Exists {
            what: "category",
            id: category.id.clone(),
        });
    }
    cx.emit(Event::CategoryAdded {
        category: category.clone(),
    });
    Ok(())
}

/// Decides [`Command::ChangeSettings`](crate::Command::ChangeSettings).
pub(super) fn change_settings(cx: &mut Cx, settings: &SettingsChange) -> Result<(), Refusal> {
    may_set_up(cx, "changing a deployment's settings")?;
    cx.emit(Event::DeploymentSettingsChanged {
        settings: cx.state.settings.changed(settings)?,
    });
    Ok(())
}

/// A role for a forum or working group must name one that exists.
fn check_role_target(cx: &Cx, role: &Role) -> Result<(), Refusal> {
    match role {
        Role::ForumAdministrator { forum } => cx.forum(forum).map(|_| ()),
        Role::WgChair { wg } if !cx.state.working_groups.contains_key(wg) => {
            Err(Refusal::unknown("working group", wg))
        }
        Role::AreaDirector { area } => one_line("area", area, 64),
        _ => Ok(()),
    }
}

/// ROLE-2: a chair delegates the administration of a forum of their group
/// (`grant`), or revokes that delegation; an operator may do either.
fn delegation(cx: &mut Cx, forum: &ForumId, to: &PersonId, grant: bool) -> Result<(), Refusal> {
    let f = may_delegate(cx, forum)?;
    cx.person(to)?;
    let delegated = f.delegates.iter().any(|d| &d.to == to);
    if grant {
        if delegated {
            return Err(Refusal::Exists {
                what: "delegation",
                id: format!("of {forum} to {to}"),
            });
        }
        cx.emit(Event::AdministrationDelegated {
            forum: forum.clone(),
            to: to.clone(),
            by: cx.me().clone(),
        });
    } else {
        if !delegated {
            return Err(Refusal::unknown(
                "delegation",
                format!("of {forum} to {to}"),
            ));
        }
        cx.emit(Event::DelegationRevoked {
            forum: forum.clone(),
            to: to.clone(),
        });
    }
    Ok(())
}

/// ROLE-1: whether the actor sets up the installation (an operator).
pub(super) fn may_set_up(cx: &Cx, what: &str) -> Result<(), Refusal> {
    cx.only(&[Capacity::Operator], Requirement::Role1, what)
}

/// FORUM-2: whether the actor may record this body's opt-in now.
pub(super) fn may_opt_in(cx: &Cx, organisation: &Organisation) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Operator],
        Requirement::Forum2,
        "recording an opt-in",
    )?;
    if *organisation == Organisation::Ietf || cx.state.opted_in.contains_key(organisation) {
        return Err(Refusal::Exists {
            what: "opt-in",
            id: organisation.to_string(),
        });
    }
    Ok(())
}

/// ROLE-2: whether the actor may delegate (or revoke a delegation of) the
/// administration of this forum: its working group's chairs, or an operator.
/// The fora whose administration the actor may delegate (ROLE-2): each
/// forum for which [`may_delegate`] says yes. An administrator is asked only
/// about the fora of the working groups they chair: no other may be theirs
/// to delegate.
pub(super) fn delegable_fora<'a>(cx: &Cx<'a>) -> Vec<&'a Forum> {
    let chaired: Vec<&WgId> = cx
        .state
        .people
        .get(cx.me())
        .into_iter()
        .flat_map(|p| &p.roles)
        .filter_map(|r| match r {
            Role::WgChair { wg } => Some(wg),
            _ => None,
        })
        .collect();
    let candidate = |f: &&Forum| {
        cx.capacity() != Capacity::Administrator
            || f.wg.as_ref().is_some_and(|wg| chaired.contains(&wg))
    };
    cx.state
        .fora
        .values()
        .filter(candidate)
        .filter(|f| may_delegate(cx, &f.id).is_ok())
        .collect()
}

pub(super) fn may_delegate<'a>(cx: &Cx<'a>, forum: &ForumId) -> Result<&'a Forum, Refusal> {
    use Capacity::{Administrator, Operator, System};
    cx.only(
        &[Administrator, Operator, System],
        Requirement::Role2,
        "delegating administration",
    )?;
    let f = cx.forum(forum)?;
    let is_chair =
        f.wg.as_ref()
            .is_some_and(|wg| cx.state.holds(cx.me(), &Role::WgChair { wg: wg.clone() }));
    if cx.capacity() == Administrator && !is_chair {
        return Err(Refusal::not_permitted(
            Requirement::Role2,
            format!(
                "only the chairs of the working group that owns {forum} may delegate its administration"
            ),
        ));
    }
    Ok(f)
}
