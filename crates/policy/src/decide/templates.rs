//! The team's texts (TEMPLATE-1): a moderator drafts a version of a
//! notification's text; another moderator vets and approves it (TEAM-5),
//! and from then on every notification of that name is rendered from it.

use super::{Cx, text};
use crate::event::Event;
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;

/// The longest text of a template, in characters.
pub const MAX_TEMPLATE: usize = 20_000;

/// The longest template name.
const MAX_NAME: usize = 64;

/// Decides [`Command::DraftTemplate`](crate::Command::DraftTemplate).
pub(super) fn draft_template(cx: &mut Cx, name: &str, source: &str) -> Result<(), Refusal> {
    may_draft(cx, name)?;
    text("text", source, MAX_TEMPLATE)?;
    let history = cx.state.templates.get(name);
    let in_use = history.and_then(|h| h.version(h.current));
    if let Some(same) = in_use
        .into_iter()
        .chain(history.into_iter().flat_map(TemplateHistory::pending))
        .find(|v| v.text == source)
    {
        return Err(Refusal::invalid(
            "text",
            format!("is version {} of {name} already", same.version),
        ));
    }
    let version = history.map_or(0, |h| h.versions.len()).saturating_add(1);
    cx.emit(Event::TemplateDrafted {
        name: name.to_owned(),
        version: u32::try_from(version).unwrap_or(u32::MAX),
        text: source.to_owned(),
        by: cx.me().clone(),
        at: cx.now,
    });
    Ok(())
}

/// Decides [`Command::ApproveTemplate`](crate::Command::ApproveTemplate).
pub(super) fn approve_template(cx: &mut Cx, name: &str, version: u32) -> Result<(), Refusal> {
    may_approve(cx, name, version)?;
    cx.emit(Event::TemplateApproved {
        name: name.to_owned(),
        version,
        by: cx.me().clone(),
        at: cx.now,
    });
    Ok(())
}

/// TEMPLATE-1: the team writes the texts; a name is a notification's
/// template (`action-taken/person`) or a level's text for an audience
/// (`level-1/list`) on the ladder in force.
pub(super) fn may_draft(cx: &Cx, name: &str) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Moderator],
        Requirement::Template1,
        "writing the team's texts",
    )?;
    let part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let well_formed = name.len() <= MAX_NAME
        && name
            .split_once('/')
            .is_some_and(|(kind, audience)| part(kind) && part(audience));
    if !well_formed {
        return Err(Refusal::invalid(
            "name",
            "must be a template's name, such as action-taken/person or level-1/list",
        ));
    }
    if name.starts_with("level-") {
        let on_ladder = level_of_template(name)
            .is_some_and(|(level, _)| cx.state.ladder().get(level).is_some());
        if !on_ladder {
            return Err(Refusal::invalid(
                "name",
                format!(
                    "{name} is not a level of the ladder in force with an audience of {}",
                    LEVEL_AUDIENCES.join(" or ")
                ),
            ));
        }
    }
    Ok(())
}

/// TEMPLATE-1, TEAM-5: another moderator than the one who drafted it
/// approves a draft newer than the version in use.
pub(super) fn may_approve<'a>(
    cx: &Cx<'a>,
    name: &str,
    version: u32,
) -> Result<&'a TemplateVersion, Refusal> {
    cx.only(
        &[Capacity::Moderator],
        Requirement::Team5,
        "vetting the team's texts",
    )?;
    let history = cx.state.templates.get(name);
    let draft = history
        .and_then(|h| h.version(version))
        .ok_or_else(|| Refusal::unknown("template version", format!("{name} {version}")))?;
    if draft.approved.is_some() || history.is_some_and(|h| version <= h.current) {
        return Err(Refusal::out_of_order(
            Requirement::Template1,
            format!("version {version} of {name} is approved already, or a newer one is"),
        ));
    }
    if draft.drafted_by == *cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Team5,
            "a text is vetted by another moderator than the one who wrote it",
        ));
    }
    Ok(draft)
}
