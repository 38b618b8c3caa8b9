//! Setting up the installation: people, identities, roles, working groups, fora,
//! delegations (ROLE-2), opt-ins (FORUM-2), report categories (REPORT-2) and
//! settings. Everything is an event like any other, attributed to its operator.

use super::{Cx, one_line, text};
use crate::command::Command;
use crate::event::Event;
use crate::ids::PersonId;
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use std::collections::BTreeSet;

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

pub(super) fn decide(cx: &mut Cx, command: &Command) -> Result<(), Refusal> {
    use Capacity::{Administrator, Moderator, Operator};
    match command {
        Command::RegisterPerson {
            person,
            name,
            time_zone,
        } => {
            cx.only(&[Operator], Requirement::Role1, "registering people")?;
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
                name: name.clone(),
                time_zone: time_zone.clone(),
            });
        }
        Command::LinkIdentity { person, identity } => {
            cx.only(
                &[Operator, Moderator],
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
        }
        Command::GrantRole { person, role } => {
            cx.only(&[Operator], Requirement::Role1, "granting roles")?;
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
        }
        Command::RevokeRole { person, role } => {
            cx.only(&[Operator], Requirement::Role1, "revoking roles")?;
            if !cx.person(person)?.roles.contains(role) {
                return Err(Refusal::unknown("role", format!("{role} of {person}")));
            }
            cx.emit(Event::RoleRevoked {
                person: person.clone(),
                role: role.clone(),
            });
        }
        Command::CreateWorkingGroup {
            wg,
            name,
            area,
            responsible_ad,
        } => {
            cx.only(&[Operator], Requirement::Role1, "creating working groups")?;
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
                    name: name.clone(),
                    area: area.clone(),
                    responsible_ad: responsible_ad.clone(),
                },
            });
        }
        Command::CreateForum {
            forum,
            name,
            kind,
            organisation,
            public,
            plenary,
            wg,
            responsible_ad,
        } => {
            cx.only(&[Operator], Requirement::Role1, "creating fora")?;
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
                forum: Forum {
                    id: forum.clone(),
                    name: name.clone(),
                    kind: kind.clone(),
                    organisation: organisation.clone(),
                    public: *public,
                    plenary: *plenary,
                    wg: wg.clone(),
                    responsible_ad: responsible_ad.clone(),
                    delegates: BTreeSet::new(),
                },
            });
        }
        Command::DelegateAdministration { forum, to } | Command::RevokeDelegation { forum, to } => {
            cx.only(
                &[Administrator, Operator],
                Requirement::Role2,
                "delegating administration",
            )?;
            let f = cx.forum(forum)?;
            cx.person(to)?;
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
            let delegated = f.delegates.iter().any(|d| &d.to == to);
            if let Command::DelegateAdministration { .. } = command {
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
        }
        Command::OptIn {
            organisation,
            reference,
        } => {
            cx.only(&[Operator], Requirement::Forum2, "recording an opt-in")?;
            if *organisation == Organisation::Ietf || cx.state.opted_in.contains_key(organisation) {
                return Err(Refusal::Exists {
                    what: "opt-in",
                    id: organisation.to_string(),
                });
            }
            text("reference", reference, 500)?;
            cx.emit(Event::OptedIn {
                organisation: organisation.clone(),
                reference: reference.clone(),
            });
        }
        Command::AddCategory { category } => {
            cx.only(
                &[Operator, Moderator],
                Requirement::Report2,
                "adding report categories",
            )?;
            text("category.id", &category.id, 64)?;
            text("category.title", &category.title, 200)?;
            if cx.state.categories.iter().any(|c| c.id == category.id) {
                return Err(Refusal::Exists {
                    what: "category",
                    id: category.id.clone(),
                });
            }
            cx.emit(Event::CategoryAdded {
                category: category.clone(),
            });
        }
        Command::ChangeSettings { settings } => {
            cx.only(
                &[Operator],
                Requirement::Role1,
                "changing a deployment's settings",
            )?;
            cx.emit(Event::DeploymentSettingsChanged {
                settings: cx.state.settings.changed(settings)?,
            });
        }
        _ => {}
    }
    Ok(())
}

/// A role for a forum or working group must name one that exists.
fn check_role_target(cx: &Cx, role: &Role) -> Result<(), Refusal> {
    match role {
        Role::ForumAdministrator { forum } => cx.forum(forum).map(|_| ()),
        Role::WgChair { wg } if !cx.state.working_groups.contains_key(wg) => {
            Err(Refusal::unknown("working group", wg))
        }
        Role::AreaDirector { area } => text("area", area, 64),
        _ => Ok(()),
    }
}
