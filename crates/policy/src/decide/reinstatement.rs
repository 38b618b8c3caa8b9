//! Reinstatement: an indefinitely suspended person may ask one year after the
//! decision and once a year after that (REINST-1), of the entity that decided or
//! its successor (REINST-2), which may reinstate with conditions (REINST-3); a
//! refusal cannot be appealed (REINST-4, see `appeals`); legacy actions follow
//! the process they were imposed under (REINST-5).

use super::actions::rescind;
use super::{Cx, text};
use crate::event::{Event, NewReinstatementRequest};
use crate::ids::{ActionId, ReinstatementId};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use crate::time::one_year_after;

/// Decides [`Command::RequestReinstatement`](crate::Command::RequestReinstatement).
pub(super) fn request_reinstatement(
    cx: &mut Cx,
    action: &ActionId,
    statement: &str,
) -> Result<(), Refusal> {
    let (a, decided_by) = may_request_reinstatement(cx, *action)?;
    text("statement", statement, 20_000)?;
    let id = ReinstatementId(cx.state.next.reinstatement);
    let about = Subject::Reinstatement(id);
    cx.emit(Event::ReinstatementRequested {
        request: NewReinstatementRequest {
            id,
            action: *action,
            person: cx.me().clone(),
            requested_at: cx.now,
            statement: statement.to_owned(),
            decided_by: decided_by.clone(),
        },
    });
    match decided_by {
        Decider::ForumAdministrators => {
            for f in &a.terms.fora {
                cx.owe(
                    Recipient::ForumAdministrators { forum: f.clone() },
                    about.clone(),
                    Requirement::Reinst2,
                    "reinstatement-requested/decider",
                );
            }
        }
        Decider::ModeratorTeam => cx.owe(
            Recipient::ModeratorTeam,
            about,
            Requirement::Reinst2,
            "reinstatement-requested/decider",
        ),
        Decider::Legacy { .. } => cx.owe(
            Recipient::Iesg,
            about,
            Requirement::Reinst5,
            "reinstatement-requested/decider",
        ),
    }
    Ok(())
}

/// Decides [`Command::DecideReinstatement`](crate::Command::DecideReinstatement).
pub(super) fn decide_reinstatement(
    cx: &mut Cx,
    request: &ReinstatementId,
    reinstate: &bool,
    conditions: &Option<String>,
    rationale: &str,
) -> Result<(), Refusal> {
    let (r, a) = may_decide_reinstatement(cx, *request)?;
    text("rationale", rationale, 20_000)?;
    if let Some(c) = conditions {
        if !reinstate {
            return Err(Refusal::invalid(
                "conditions",
                "conditions go with a reinstatement",
            ));
        }
        text("conditions", c, 10_000)?;
    }
    cx.emit(Event::ReinstatementDecided {
        request: *request,
        decision: ReinstatementDecision {
            by: cx.me().clone(),
            at: cx.now,
            reinstate: *reinstate,
            conditions: conditions.clone(),
            rationale: rationale.to_owned(),
        },
    });
    if *reinstate && a.in_force() {
        let reason = match conditions {
            Some(c) => format!("reinstated on conditions: {c}"),
            None => "reinstated".to_owned(),
        };
        rescind(cx, a, &reason);
    } else {
        cx.owe(
            Recipient::Person {
                person: r.person.clone(),
            },
            Subject::Reinstatement(*request),
            Requirement::Reinst3,
            "reinstatement-decided/person",
        );
    }
    Ok(())
}

/// REINST-1: whether the actor may ask for reinstatement from this action
/// now (only its subject, only for an indefinite suspension in force, a year
/// after the decision and once a year after that); who will decide it.
pub(super) fn may_request_reinstatement<'a>(
    cx: &Cx<'a>,
    action: ActionId,
) -> Result<(&'a Action, Decider), Refusal> {
    cx.only(
        &[Capacity::Participant],
        Requirement::Reinst1,
        "asking for reinstatement",
    )?;
    let a = cx.action(action)?;
    if &a.subject != cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Reinst1,
            "only the suspended person may ask for reinstatement",
        ));
    }
    if a.terms.measure != Measure::IndefiniteSuspension || !a.in_force() {
        return Err(Refusal::out_of_order(
            Requirement::Reinst1,
            format!("{action} is not an indefinite suspension in force"),
        ));
    }
    let earlier: Vec<&ReinstatementRequest> = cx
        .state
        .reinstatements
        .values()
        .filter(|r| r.action == action)
        .collect();
    if earlier.iter().any(|r| r.decision.is_none()) {
        return Err(Refusal::out_of_order(
            Requirement::Reinst1,
            format!("a request about {action} is still awaiting its decision"),
        ));
    }
    let decided_by = match &a.legacy {
        // REINST-5: reconsidered under the process in force when imposed.
        Some(legacy) => Decider::Legacy {
            process: legacy.process.clone(),
        },
        None => {
            let mut earliest = one_year_after(a.taken_at);
            if let Some(last) = earlier.iter().map(|r| r.requested_at).max() {
                earliest = earliest.max(one_year_after(last));
            }
            if cx.now < earliest {
                return Err(Refusal::TooEarly { earliest });
            }
            Decider::for_capacity(a.taken_as)
        }
    };
    Ok((a, decided_by))
}

/// REINST-2: whether the actor may decide this request now: undecided, and
/// the actor of the entity that made the decision, never its subject.
pub(super) fn may_decide_reinstatement<'a>(
    cx: &Cx<'a>,
    request: ReinstatementId,
) -> Result<(&'a ReinstatementRequest, &'a Action), Refusal> {
    let r = cx
        .state
        .reinstatements
        .get(&request)
        .ok_or_else(|| Refusal::unknown("reinstatement request", format!("#{}", request.0)))?;
    if r.decision.is_some() {
        return Err(Refusal::out_of_order(
            Requirement::Reinst3,
            format!("{request} has already been decided"),
        ));
    }
    let a = cx.action(r.action)?;
    if &r.person == cx.me() || &a.subject == cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Reinst2,
            format!(
                "{} cannot decide their own reinstatement: another member of the deciding body does",
                cx.me()
            ),
        ));
    }
    let may = match &r.decided_by {
        Decider::ForumAdministrators => {
            cx.capacity() == Capacity::Administrator
                && a.terms.fora.iter().any(|f| {
                    cx.state
                        .fora
                        .get(f)
                        .is_some_and(|f| cx.state.is_administrator(cx.me(), f))
                })
        }
        Decider::ModeratorTeam => cx.capacity() == Capacity::Moderator,
        Decider::Legacy { .. } => cx.capacity() == Capacity::Iesg,
    };
    if !may {
        let who = match &r.decided_by {
            Decider::ForumAdministrators => "the administrators of the fora it covers".to_owned(),
            Decider::ModeratorTeam => "the moderator team".to_owned(),
            Decider::Legacy { process } => format!("the IESG, under {process}"),
        };
        return Err(Refusal::not_permitted(
            Requirement::Reinst2,
            format!("{request} is decided by {who}"),
        ));
    }
    Ok((r, a))
}
