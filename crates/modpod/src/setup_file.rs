//! A setup file (`modpod setup FILE`): fora, people, identities and roles,
//! in TOML or YAML, read ([`parse`]) and turned into the policy commands it
//! stands for ([`commands`]). The command decides them in order and records
//! them in one transaction (`crates/modpod/src/setup.rs`).

use anyhow::Context;
use modpod_policy::ids::{ForumId, PersonId, WgId};
use modpod_policy::model::{Capacity, Category, Identity, IdentityKind, Organisation, Role};
use modpod_policy::settings::SettingsChange;
use modpod_policy::{Actor, Command};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupFile {
    #[serde(default)]
    pub people: Vec<PersonEntry>,
    #[serde(default)]
    pub working_groups: Vec<WgEntry>,
    #[serde(default)]
    pub fora: Vec<ForumEntry>,
    /// Roles are granted after fora and working groups exist.
    #[serde(default)]
    pub roles: Vec<RoleEntry>,
    #[serde(default)]
    pub delegations: Vec<DelegationEntry>,
    #[serde(default)]
    pub moderators: Option<ModeratorsEntry>,
    #[serde(default)]
    pub opt_ins: Vec<OptInEntry>,
    #[serde(default)]
    pub categories: Vec<Category>,
    #[serde(default)]
    pub settings: Option<SettingsChange>,
    #[serde(default)]
    pub note_well: Option<NoteWellEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonEntry {
    pub id: PersonId,
    pub name: String,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub github: Vec<String>,
    #[serde(default)]
    pub chat: Vec<String>,
    #[serde(default)]
    pub datatracker: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WgEntry {
    pub id: WgId,
    pub name: String,
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub responsible_ad: Option<PersonId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForumEntry {
    pub id: ForumId,
    pub name: String,
    pub kind: String,
    pub organisation: Organisation,
    pub public: bool,
    #[serde(default)]
    pub plenary: bool,
    #[serde(default)]
    pub wg: Option<WgId>,
    #[serde(default)]
    pub responsible_ad: Option<PersonId>,
}

/// `person` plus the role's own fields, e.g. `role = "wg_chair"`, `wg = "tls"`.
/// (serde cannot deny unknown fields next to a flattened one.)
#[derive(Debug, Deserialize)]
pub struct RoleEntry {
    pub person: PersonId,
    #[serde(flatten)]
    pub role: Role,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegationEntry {
    pub forum: ForumId,
    pub to: PersonId,
    /// The chair who delegates (ROLE-2).
    pub by: PersonId,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeratorsEntry {
    /// The IESG member recorded as appointing them (TEAM-1).
    pub appointed_by: PersonId,
    pub people: Vec<PersonId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptInEntry {
    pub organisation: Organisation,
    pub reference: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteWellEntry {
    pub version: u32,
    pub text: String,
    #[serde(default)]
    pub links: Vec<String>,
}

/// The languages a setup file may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
}

impl Format {
    /// The format a file's extension names: `.toml`, `.yaml` or `.yml`.
    pub fn of_extension(extension: &str) -> Option<Format> {
        match extension {
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }
}

/// Reads a setup file's text: the entry point of the parser, which the
/// command and the fuzz target `setup_file` (crates/enforce/fuzz) call.
pub fn parse(text: &str, format: Format) -> anyhow::Result<SetupFile> {
    match format {
        Format::Toml => toml::from_str(text).map_err(anyhow::Error::from),
        Format::Yaml => serde_norway::from_str(text).map_err(anyhow::Error::from),
    }
}

/// The policy commands a setup file stands for, in an order that works.
pub fn commands(file: &SetupFile, operator: &PersonId) -> anyhow::Result<Vec<(Actor, Command)>> {
    let op = Actor::new(operator.clone(), Capacity::Operator);
    let mut out = Vec::new();
    let mut push = |actor: &Actor, c: Command| out.push((actor.clone(), c));
    for p in &file.people {
        if let Some(tz) = &p.time_zone {
            jiff::tz::TimeZone::get(tz)
                .with_context(|| format!("person {}: unknown time zone {tz:?}", p.id))?;
        }
        push(
            &op,
            Command::RegisterPerson {
                person: p.id.clone(),
                name: p.name.clone(),
                time_zone: p.time_zone.clone(),
            },
        );
        let kinds = [
            (IdentityKind::Email, &p.emails),
            (IdentityKind::Github, &p.github),
            (IdentityKind::Chat, &p.chat),
            (IdentityKind::Datatracker, &p.datatracker),
        ];
        for (kind, values) in kinds {
            for v in values {
                let identity =
                    Identity::new(kind, v).map_err(|e| anyhow::anyhow!("person {}: {e}", p.id))?;
                push(
                    &op,
                    Command::LinkIdentity {
                        person: p.id.clone(),
                        identity,
                    },
                );
            }
        }
    }
    for wg in &file.working_groups {
        push(
            &op,
            Command::CreateWorkingGroup {
                wg: wg.id.clone(),
                name: wg.name.clone(),
                area: wg.area.clone(),
                responsible_ad: wg.responsible_ad.clone(),
            },
        );
    }
    for f in &file.fora {
        push(
            &op,
            Command::CreateForum {
                forum: f.id.clone(),
                name: f.name.clone(),
                kind: f.kind.clone(),
                organisation: f.organisation.clone(),
                public: f.public,
                plenary: f.plenary,
                wg: f.wg.clone(),
                responsible_ad: f.responsible_ad.clone(),
            },
        );
    }
    for r in &file.roles {
        push(
            &op,
            Command::GrantRole {
                person: r.person.clone(),
                role: r.role.clone(),
            },
        );
    }
    for d in &file.delegations {
        let chair = Actor::new(d.by.clone(), Capacity::Administrator);
        push(
            &chair,
            Command::DelegateAdministration {
                forum: d.forum.clone(),
                to: d.to.clone(),
            },
        );
    }
    if let Some(m) = &file.moderators {
        let iesg = Actor::new(m.appointed_by.clone(), Capacity::Iesg);
        for p in &m.people {
            push(&iesg, Command::AppointModerator { person: p.clone() });
        }
    }
    for o in &file.opt_ins {
        push(
            &op,
            Command::OptIn {
                organisation: o.organisation.clone(),
                reference: o.reference.clone(),
            },
        );
    }
    for c in &file.categories {
        push(
            &op,
            Command::AddCategory {
                category: c.clone(),
            },
        );
    }
    if let Some(s) = &file.settings {
        push(
            &op,
            Command::ChangeSettings {
                settings: s.clone(),
            },
        );
    }
    if let Some(n) = &file.note_well {
        push(
            &op,
            Command::PublishNoteWell {
                version: n.version,
                text: n.text.clone(),
                links: n.links.clone(),
            },
        );
    }
    Ok(out)
}
