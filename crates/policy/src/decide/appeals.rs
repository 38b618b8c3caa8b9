//! Disagreements and appeals: first the responsible AD, or the IETF chair when
//! no single AD is responsible (APPEAL-1); then the IESG, then the IAB, never
//! skipping a step (APPEAL-2); an upheld appeal changes the action only through
//! a recorded amendment or rescission (APPEAL-3).

use super::actions::{amend, check_terms, rescind};
use super::{Cx, text};
use crate::command::AppealTarget;
use crate::event::{Event, NewAppeal, NewAppealStep};
use crate::ids::{AppealId, PersonId, ReportId};
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
    let (action, report) = may_disagree(cx, target)?;
    text("grounds", grounds, 20_000)?;
    let (action_id, report_id) = (action.map(|a| a.id), report.map(|r| r.id));
    let (level, assigned_to) = match (action, report) {
        (Some(a), _) => cx.state.first_appeal(a),
        (None, Some(r)) => cx.state.first_appeal_on(std::slice::from_ref(&r.forum)),
        (None, None) => cx.state.first_appeal_on(&[]),
    };
    let id = AppealId(cx.state.next.appeal);
    cx.emit(Event::AppealFiled {
        appeal: NewAppeal {
            id,
            action: action_id,
            report: report_id,
            appellant: cx.me().clone(),
            grounds: grounds.to_owned(),
            level,
            assigned_to: assigned_to.clone(),
            filed_at: cx.now,
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

/// APPEAL-1, APPEAL-2: whether the actor may disagree with this decision
/// now: an action (not one imposed under an earlier process, REINST-5) or a
/// report closed without action, and not a second time while their first
/// disagreement goes on. The decision disagreed with, found.
pub(super) fn may_disagree<'a>(
    cx: &Cx<'a>,
    target: &AppealTarget,
) -> Result<(Option<&'a Action>, Option<&'a Report>), Refusal> {
    let (action, report) = match target {
        AppealTarget::Action(id) => (Some(cx.action(*id)?), None),
        AppealTarget::Report(id) => (None, Some(closed_without_action(cx, *id)?)),
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
    if let Some(legacy) = action.and_then(|a| a.legacy.as_ref().map(|l| (a.id, l))) {
        return Err(Refusal::NotAppealable {
            requirement: Requirement::Reinst5,
            reason: format!(
                "{} was imposed under {}; it is reconsidered only under that process, not through this policy's appeals",
                legacy.0, legacy.1.process
            ),
        });
    }
    let (action_id, report_id) = (action.map(|a| a.id), report.map(|r| r.id));
    // APPEAL-2: one disagreement goes up the chain a step at a time; a
    // second one by the same person, while theirs is undecided or was
    // not upheld, would start the chain again.
    if let Some(earlier) = cx.state.appeals.values().find(|a| {
        a.action == action_id
            && a.report == report_id
            && &a.appellant == cx.me()
            && !a
                .current()
                .and_then(|step| step.decision.as_ref())
                .is_some_and(|d| d.upheld)
    }) {
        return Err(Refusal::OutOfOrder {
            requirement: Requirement::Appeal2,
            reason: format!(
                "you already disagreed with this decision ({}); it goes on through that appeal, one step at a time",
                earlier.id
            ),
        });
    }
    Ok((action, report))
}

/// Decides [`Command::DecideAppeal`](crate::Command::DecideAppeal).
pub(super) fn decide_appeal(
    cx: &mut Cx,
    appeal: &AppealId,
    upheld: &bool,
    remedy: &Option<Remedy>,
    rationale: &str,
) -> Result<(), Refusal> {
    let (a, step) = may_decide_appeal(cx, *appeal)?;
    text("rationale", rationale, 20_000)?;
    let Some(action_id) = a.action else {
        return decide_about_report(cx, a, *upheld, remedy, rationale);
    };
    let action = cx.action(action_id)?;
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
    owe_decision(cx, a);
    Ok(())
}

/// APPEAL-2: whether the actor may decide the step this appeal is at now:
/// undecided, before the body they act as, and not about their own action,
/// disagreement or case, nor after they decided an earlier step.
pub(super) fn may_decide_appeal<'a>(
    cx: &Cx<'a>,
    appeal: AppealId,
) -> Result<(&'a Appeal, &'a AppealStep), Refusal> {
    let a = cx
        .state
        .appeals
        .get(&appeal)
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
    match (a.action, a.report) {
        (Some(id), _) => {
            let action = cx.action(id)?;
            not_a_party(cx, a, Some(&action.subject), &action_takers(action))?;
        }
        (None, Some(id)) => not_a_party(cx, a, Some(&cx.report(id)?.subject), &[])?,
        (None, None) => not_a_party(cx, a, None, &[])?,
    }
    Ok((a, step))
}

/// Tells the appellant and the team how a step was decided (APPEAL-2).
fn owe_decision(cx: &mut Cx, a: &Appeal) {
    let about = Subject::Appeal(a.id);
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
}

/// Who took or changed an action: none of them decides an appeal of it.
fn action_takers(action: &Action) -> Vec<PersonId> {
    let mut out = vec![action.taken_by.clone()];
    out.extend(action.amendments.iter().map(|m| m.by.clone()));
    out
}

/// APPEAL-1: a moderation decision includes a report closed without action;
/// it is disagreed with by someone who may see the report.
fn closed_without_action<'a>(cx: &Cx<'a>, id: ReportId) -> Result<&'a Report, Refusal> {
    let r = cx.report(id)?;
    if crate::views::report_for(cx.state, cx.me(), id).is_none() {
        return Err(Refusal::unknown("report", format!("#{}", id.0)));
    }
    match &r.state {
        ReportState::Resolved {
            outcome: ReportOutcome::ActionTaken { action },
        } => Err(Refusal::out_of_order(
            Requirement::Appeal1,
            format!("{id} was resolved by {action}: disagree with the action"),
        )),
        ReportState::Resolved { .. } => Ok(r),
        _ => Err(Refusal::out_of_order(
            Requirement::Appeal1,
            format!("{id} is still open: a disagreement is with a decision once made"),
        )),
    }
}

/// A step of a disagreement with a report closed without action: upheld, the
/// report is opened again for its handlers (APPEAL-3: nothing changes
/// silently); no remedy names an action.
fn decide_about_report(
    cx: &mut Cx,
    a: &Appeal,
    upheld: bool,
    remedy: &Option<Remedy>,
    rationale: &str,
) -> Result<(), Refusal> {
    let report = a
        .report
        .ok_or_else(|| Refusal::unknown("report of", a.id))?;
    let r = cx.report(report)?;
    if remedy.is_some() {
        return Err(Refusal::invalid(
            "remedy",
            "a disagreement with a report closed without action is upheld by opening the report again, not by a remedy",
        ));
    }
    cx.emit(Event::AppealDecided {
        appeal: a.id,
        decision: AppealDecision {
            by: cx.me().clone(),
            at: cx.now,
            upheld,
            rationale: rationale.to_owned(),
        },
    });
    if upheld && matches!(r.state, ReportState::Resolved { .. }) {
        cx.emit(Event::ReportReopened { report, at: cx.now });
        let about = Subject::Report(report);
        cx.owe(
            Recipient::ForumAdministrators {
                forum: r.forum.clone(),
            },
            about.clone(),
            Requirement::Appeal3,
            "report-reopened/administrators",
        );
        if cx.state.fora.get(&r.forum).is_some_and(|f| f.public) {
            cx.owe(
                Recipient::ModeratorTeam,
                about,
                Requirement::Appeal3,
                "report-reopened/moderators",
            );
        }
    }
    owe_decision(cx, a);
    Ok(())
}

/// Decides [`Command::EscalateAppeal`](crate::Command::EscalateAppeal).
pub(super) fn escalate_appeal(cx: &mut Cx, appeal: &AppealId) -> Result<(), Refusal> {
    let next = may_escalate_appeal(cx, *appeal)?;
    cx.emit(Event::AppealEscalated {
        appeal: *appeal,
        step: NewAppealStep {
            level: next,
            assigned_to: None,
            filed_at: cx.now,
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

/// APPEAL-2: whether the actor may take their appeal to the next body now;
/// the body it would go to.
pub(super) fn may_escalate_appeal(cx: &Cx, appeal: AppealId) -> Result<AppealLevel, Refusal> {
    let a = cx
        .state
        .appeals
        .get(&appeal)
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
    Ok(next)
}

/// APPEAL-2: nobody decides a step about their own action or their own
/// disagreement, nor a second step of one chain.
fn not_a_party(
    cx: &Cx,
    appeal: &Appeal,
    subject: Option<&PersonId>,
    takers: &[PersonId],
) -> Result<(), Refusal> {
    let me = cx.me();
    let why = if &appeal.appellant == me {
        "it is their own disagreement"
    } else if subject == Some(me) {
        "the decision is about them"
    } else if takers.contains(me) {
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
