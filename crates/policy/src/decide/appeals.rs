//! Disagreements and appeals: first the responsible AD, or the IETF chair when
//! no single AD is responsible (APPEAL-1); then the IESG, then the IAB, never
//! skipping a step (APPEAL-2); an upheld appeal changes the action only through
//! a recorded amendment or rescission (APPEAL-3).

use super::actions::{amend, check_terms, rescind};
use super::{Cx, text};
use crate::command::AppealTarget;
use crate::event::Event;
use crate::ids::AppealId;
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;

/// Decides [`Command::FileDisagreement`](crate::Command::FileDisagreement).
pub(super) fn file_disagreement(
    cx: &mut Cx,
    target: &AppealTarget,
    grounds: &str,
    note_well_seen: &Option<u32>,
) -> Result<(), Refusal> {
    let action = match target {
        AppealTarget::Action(id) => cx.action(*id)?,
        AppealTarget::ReinstatementDecision(_) => {
            return Err(Refusal::NotAppealable {
                requirement: Requirement::Reinst4,
                reason: "a decision not to reinstate cannot be appealed".into(),
            });
        }
        AppealTarget::LlcAction(_) => {
            return Err(Refusal::NotAppealable {
                requirement: Requirement::Llc2,
                reason: "an IETF LLC emergency action is outside the appeal chain; its subject may ask the LLC board for a review".into(),
            });
        }
    };
    // REINST-5: a legacy action is reconsidered only under its own process.
    if let Some(legacy) = &action.legacy {
        return Err(Refusal::NotAppealable {
            requirement: Requirement::Reinst5,
            reason: format!(
                "{} was imposed under {}; it is reconsidered only under that process, not through this policy's appeals",
                action.id, legacy.process
            ),
        });
    }
    text("grounds", grounds, 20_000)?;
    // APPEAL-2: one disagreement goes up the chain a step at a time; a
    // second one by the same person, while theirs is undecided or was
    // not upheld, would start the chain again.
    if let Some(earlier) = cx.state.appeals.values().find(|a| {
        a.action == action.id
            && &a.appellant == cx.me()
            && !a
                .current()
                .and_then(|step| step.decision.as_ref())
                .is_some_and(|d| d.upheld)
    }) {
        return Err(Refusal::OutOfOrder {
            requirement: Requirement::Appeal2,
            reason: format!(
                "you already disagreed with {} ({}); it goes on through that appeal, one step at a time",
                action.id, earlier.id
            ),
        });
    }
    let (level, assigned_to) = cx.state.first_appeal(action);
    let id = AppealId(cx.state.next.appeal);
    cx.emit(Event::AppealFiled {
        appeal: Appeal {
            id,
            action: action.id,
            appellant: cx.me().clone(),
            grounds: grounds.to_owned(),
            steps: vec![AppealStep {
                level,
                assigned_to: assigned_to.clone(),
                filed_at: cx.now,
                decision: None,
            }],
        },
    });
    let to = match assigned_to {
        Some(ad) => Recipient::Person { person: ad },
        None => Recipient::IetfChair,
    };
    cx.owe(
        to,
        Subject::Appeal(id),
        Requirement::Appeal1,
        "appeal-filed/decider",
    );
    // NOTEWELL-1: recorded when known, never a reason to refuse.
    if let Some(v) = note_well_seen.filter(|v| cx.state.note_wells.contains_key(v)) {
        cx.emit(Event::NoteWellSeen {
            person: cx.me().clone(),
            version: v,
        });
    }
    Ok(())
}

/// Decides [`Command::DecideAppeal`](crate::Command::DecideAppeal).
pub(super) fn decide_appeal(
    cx: &mut Cx,
    appeal: &AppealId,
    upheld: &bool,
    remedy: &Option<Remedy>,
    rationale: &str,
) -> Result<(), Refusal> {
    let a = cx
        .state
        .appeals
        .get(appeal)
        .ok_or_else(|| Refusal::unknown("appeal", format!("#{}", appeal.0)))?;
    let step = a
        .current()
        .ok_or_else(|| Refusal::unknown("appeal step in", appeal))?;
    if step.decision.is_some() {
        return Err(Refusal::out_of_order(
            Requirement::Appeal2,
            format!("{} has already decided {appeal}", step.level.name()),
        ));
    }
    check_decider(cx, step)?;
    text("rationale", rationale, 20_000)?;
    let action = cx.action(a.action)?;
    not_a_party(cx, a, action)?;
    match (upheld, remedy) {
        (false, Some(_)) => {
            return Err(Refusal::invalid(
                "remedy",
                "an appeal that is not upheld changes nothing",
            ));
        }
        (true, None) if action.in_force() => {
            return Err(Refusal::out_of_order(
                Requirement::Appeal3,
                "an upheld appeal must say how the action changes: rescind it or amend it",
            ));
        }
        (true, Some(_)) if !action.in_force() => {
            return Err(Refusal::out_of_order(
                Requirement::Appeal3,
                format!("{} is no longer in force", action.id),
            ));
        }
        (true, Some(Remedy::Amend { terms })) => {
            check_terms(
                cx,
                &terms.measure,
                &terms.fora,
                action.terms.starts_at,
                terms.ends_at,
            )?;
        }
        _ => {}
    }
    cx.emit(Event::AppealDecided {
        appeal: *appeal,
        decision: AppealDecision {
            by: cx.me().clone(),
            at: cx.now,
            upheld: *upheld,
            rationale: rationale.to_owned(),
        },
    });
    match remedy {
        Some(Remedy::Rescind) => rescind(
            cx,
            action,
            &format!("appeal upheld by {}: {rationale}", step.level.name()),
        ),
        Some(Remedy::Amend { terms }) => {
            amend(
                cx,
                action,
                terms,
                &format!("appeal upheld by {}: {rationale}", step.level.name()),
            );
        }
        None => {}
    }
    let about = Subject::Appeal(*appeal);
    cx.owe(
        Recipient::Person {
            person: a.appellant.clone(),
        },
        about.clone(),
        Requirement::Appeal2,
        "appeal-decided/appellant",
    );
    cx.owe(
        Recipient::ModeratorTeam,
        about,
        Requirement::Appeal2,
        "appeal-decided/moderators",
    );
    Ok(())
}

/// Decides [`Command::EscalateAppeal`](crate::Command::EscalateAppeal).
pub(super) fn escalate_appeal(cx: &mut Cx, appeal: &AppealId) -> Result<(), Refusal> {
    let a = cx
        .state
        .appeals
        .get(appeal)
        .ok_or_else(|| Refusal::unknown("appeal", format!("#{}", appeal.0)))?;
    if &a.appellant != cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Appeal2,
            format!("only {} may take {appeal} further", a.appellant),
        ));
    }
    let step = a
        .current()
        .ok_or_else(|| Refusal::unknown("appeal step in", appeal))?;
    let Some(decision) = &step.decision else {
        return Err(Refusal::out_of_order(
            Requirement::Appeal2,
            format!(
                "{} has not decided yet; the next step comes after that decision",
                step.level.name()
            ),
        ));
    };
    if decision.upheld {
        return Err(Refusal::out_of_order(
            Requirement::Appeal2,
            format!("{appeal} was upheld; there is nothing to appeal"),
        ));
    }
    let Some(next) = step.level.next() else {
        return Err(Refusal::out_of_order(
            Requirement::Appeal2,
            "the IAB's decision is the last step of the appeal chain",
        ));
    };
    cx.emit(Event::AppealEscalated {
        appeal: *appeal,
        step: AppealStep {
            level: next,
            assigned_to: None,
            filed_at: cx.now,
            decision: None,
        },
    });
    let to = if next == AppealLevel::Iab {
        Recipient::Iab
    } else {
        Recipient::Iesg
    };
    cx.owe(
        to,
        Subject::Appeal(*appeal),
        Requirement::Appeal2,
        "appeal-filed/decider",
    );
    Ok(())
}

/// APPEAL-2: nobody decides a step about their own action or their own
/// disagreement, nor a second step of one chain.
fn not_a_party(cx: &Cx, appeal: &Appeal, action: &Action) -> Result<(), Refusal> {
    let me = cx.me();
    let why = if &appeal.appellant == me {
        "it is their own disagreement"
    } else if &action.subject == me {
        "the action is about them"
    } else if &action.taken_by == me || action.amendments.iter().any(|m| &m.by == me) {
        "it is about their own action"
    } else if appeal
        .steps
        .iter()
        .filter_map(|s| s.decision.as_ref())
        .any(|d| &d.by == me)
    {
        "they decided an earlier step of this appeal"
    } else {
        return Ok(());
    };
    Err(Refusal::not_permitted(
        Requirement::Appeal2,
        format!(
            "{me} may not decide {}: {why}; another member of the body decides",
            appeal.id
        ),
    ))
}

/// Only the body the appeal is before may decide it.
fn check_decider(cx: &Cx, step: &AppealStep) -> Result<(), Refusal> {
    let ok = match step.level {
        AppealLevel::AreaDirector => {
            cx.capacity() == Capacity::AreaDirector && step.assigned_to.as_ref() == Some(cx.me())
        }
        AppealLevel::IetfChair => cx.capacity() == Capacity::IetfChair,
        AppealLevel::Iesg => cx.capacity() == Capacity::Iesg,
        AppealLevel::Iab => cx.capacity() == Capacity::Iab,
    };
    if ok {
        Ok(())
    } else {
        let who = match (&step.level, &step.assigned_to) {
            (AppealLevel::AreaDirector, Some(ad)) => format!("Area Director {ad}"),
            (level, _) => level.name().to_owned(),
        };
        Err(Refusal::not_permitted(
            Requirement::Appeal2,
            format!("this appeal is before {who}"),
        ))
    }
}
