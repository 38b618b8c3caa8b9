//! The moderator team's procedures (PROC-1): drafted and put to the community by
//! the team, approved by the IESG; until a version is approved the previous one
//! stays in force. And the Note Well (NOTEWELL-1): published and seen.

use super::{Cx, one_line, text};
use crate::event::{Event, NewProcedures};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use crate::settings::TeamNumbersChange;

/// Decides [`Command::DraftProcedures`](crate::Command::DraftProcedures).
pub(super) fn draft_procedures(
    cx: &mut Cx,
    version: &u32,
    title: &str,
    body: &str,
    numbers: &TeamNumbersChange,
    ladder: &Option<Ladder>,
) -> Result<(), Refusal> {
    may_draft(cx)?;
    next_version(cx.state.procedures.keys().next_back(), *version)?;
    one_line("title", title, 200)?;
    text("text", body, 200_000)?;
    // The numbers named change; the others stay as they are in force.
    let numbers = (*numbers != TeamNumbersChange::default())
        .then(|| cx.state.numbers().changed(numbers))
        .transpose()?;
    if let Some(ladder) = ladder {
        check_ladder(ladder)?;
    }
    cx.emit(Event::ProceduresDrafted {
        procedures: NewProcedures {
            version: *version,
            title: title.to_owned(),
            text: body.to_owned(),
            numbers,
            ladder: ladder.clone(),
        },
    });
    Ok(())
}

/// Decides [`Command::OpenProceduresReview`](crate::Command::OpenProceduresReview).
pub(super) fn open_procedures_review(cx: &mut Cx, version: &u32) -> Result<(), Refusal> {
    may_open_review(cx, *version)?;
    cx.emit(Event::ProceduresReviewOpened { version: *version });
    Ok(())
}

/// Decides [`Command::ApproveProcedures`](crate::Command::ApproveProcedures).
pub(super) fn approve_procedures(cx: &mut Cx, version: &u32) -> Result<(), Refusal> {
    may_approve(cx, *version)?;
    cx.emit(Event::ProceduresApproved {
        version: *version,
        at: cx.now,
    });
    Ok(())
}

/// Decides [`Command::PublishNoteWell`](crate::Command::PublishNoteWell).
pub(super) fn publish_note_well(
    cx: &mut Cx,
    version: &u32,
    body: &str,
    links: &[String],
) -> Result<(), Refusal> {
    may_publish_note_well(cx)?;
    next_version(cx.state.note_wells.keys().next_back(), *version)?;
    text("text", body, 100_000)?;
    cx.emit(Event::NoteWellPublished {
        note_well: NoteWell {
            version: *version,
            text: body.to_owned(),
            links: links.to_vec(),
            published_at: cx.now,
        },
    });
    Ok(())
}

/// Decides [`Command::RecordNoteWellSeen`](crate::Command::RecordNoteWellSeen).
pub(super) fn record_note_well_seen(cx: &mut Cx, version: &u32) -> Result<(), Refusal> {
    if !cx.state.note_wells.contains_key(version) {
        return Err(Refusal::unknown("Note Well version", version));
    }
    cx.emit(Event::NoteWellSeen {
        person: cx.me().clone(),
        version: *version,
    });
    Ok(())
}

fn procedures<'a>(cx: &Cx<'a>, version: u32) -> Result<&'a Procedures, Refusal> {
    cx.state
        .procedures
        .get(&version)
        .ok_or_else(|| Refusal::unknown("procedures version", version))
}

/// Versions of a document only go up.
fn next_version(latest: Option<&u32>, version: u32) -> Result<(), Refusal> {
    if latest.is_some_and(|v| *v >= version) {
        return Err(Refusal::invalid(
            "version",
            "must be higher than every earlier version",
        ));
    }
    Ok(())
}

/// PROC-1: whether the actor drafts the team's procedures (a moderator).
pub(super) fn may_draft(cx: &Cx) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Moderator],
        Requirement::Proc1,
        "drafting procedures",
    )
}

/// PROC-1: whether the actor may put this draft to the community now.
pub(super) fn may_open_review(cx: &Cx, version: u32) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Moderator],
        Requirement::Proc1,
        "opening community review",
    )?;
    let p = procedures(cx, version)?;
    if p.status != ProceduresStatus::Draft {
        return Err(Refusal::out_of_order(
            Requirement::Proc1,
            format!("version {version} is not a draft"),
        ));
    }
    Ok(())
}

/// PROC-1: whether the actor may approve this version now (the IESG, once
/// the community has reviewed it).
pub(super) fn may_approve(cx: &Cx, version: u32) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Iesg],
        Requirement::Proc1,
        "approving procedures",
    )?;
    let p = procedures(cx, version)?;
    if p.status != ProceduresStatus::InCommunityReview {
        return Err(Refusal::out_of_order(
            Requirement::Proc1,
            format!(
                "version {version} must go through community review before the IESG approves it"
            ),
        ));
    }
    Ok(())
}

/// NOTEWELL-1: whether the actor publishes the Note Well.
pub(super) fn may_publish_note_well(cx: &Cx) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::Operator, Capacity::Iesg],
        Requirement::Notewell1,
        "publishing the Note Well",
    )
}

/// LADDER-1: a ladder's levels are numbered from 0 without a gap, each
/// named, each taking a measure the policy has (ACT-1) that needs no other
/// terms, a suspension for a number of days.
fn check_ladder(ladder: &Ladder) -> Result<(), Refusal> {
    const MEASURES: [&str; 5] = Ladder::MEASURES;
    if ladder.0.is_empty() || ladder.0.len() > Ladder::MOST {
        return Err(Refusal::invalid("ladder", "must have 1 to 10 levels"));
    }
    for (i, l) in ladder.0.iter().enumerate() {
        if usize::from(l.level) != i {
            return Err(Refusal::invalid(
                "ladder.level",
                format!(
                    "levels are numbered from 0 in order: the level in place {i} is {}",
                    l.level
                ),
            ));
        }
        one_line("ladder.name", &l.name, 200)?;
        if !MEASURES.contains(&l.measure.as_str()) {
            return Err(Refusal::invalid(
                "ladder.measure",
                format!("{:?} is not one of: {}", l.measure, MEASURES.join(", ")),
            ));
        }
        match (l.measure.as_str(), l.days) {
            (_, Some(0)) => return Err(Refusal::invalid("ladder.days", "must be at least 1")),
            ("temporary_suspension", None) => {
                return Err(Refusal::invalid(
                    "ladder.days",
                    format!(
                        "level {}: a temporary suspension lasts a number of days",
                        l.level
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
