//! Emergency actions of the IETF LLC (LLC-1, LLC-2). They stand outside the
//! moderation process: only the LLC takes or lifts them, the IESG is always told,
//! the team and community unless legal advice says otherwise, and the subject's
//! recourse is a review by the LLC board, not the appeal chain.

use super::{Cx, text};
use crate::command::SubjectRef;
use crate::event::{Event, NewLlcAction};
use crate::ids::{ForumId, LlcActionId, PersonId};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;

/// Decides [`Command::TakeLlcAction`](crate::Command::TakeLlcAction).
#[allow(clippy::too_many_arguments)] // one parameter per field of the command
pub(super) fn take_llc_action(
    cx: &mut Cx,
    subject: &SubjectRef,
    fora: &[ForumId],
    grounds: &LlcGrounds,
    grounds_description: &Option<String>,
    nature: &str,
    reason: &str,
    expected_duration: &str,
    withhold_on_legal_advice: &Option<String>,
    withhold_from: &[LlcAudience],
) -> Result<(), Refusal> {
    may_take_llc_action(cx)?;
    for f in fora {
        cx.forum(f)?;
    }
    match (grounds, grounds_description) {
        (LlcGrounds::Other, None) => {
            return Err(Refusal::invalid(
                "grounds_description",
                "say what the grounds are when they are none of the examples",
            ));
        }
        (_, Some(d)) => text("grounds_description", d, 2_000)?,
        _ => {}
    }
    text("nature", nature, 2_000)?;
    text("reason", reason, 10_000)?;
    text("expected_duration", expected_duration, 200)?;
    match withhold_on_legal_advice {
        Some(advice) => text("withhold_on_legal_advice", advice, 2_000)?,
        None if !withhold_from.is_empty() => {
            return Err(Refusal::invalid(
                "withhold_on_legal_advice",
                "only legal advice limits who is told of an emergency action: record it",
            ));
        }
        None => {}
    }
    let mut withheld: Vec<LlcAudience> = withhold_from.to_vec();
    withheld.sort();
    withheld.dedup();
    let subject = cx.subject(subject)?;
    let id = LlcActionId(cx.state.next.llc_action);
    let action = NewLlcAction {
        id,
        subject,
        fora: fora.to_vec(),
        grounds: *grounds,
        grounds_description: grounds_description.clone(),
        nature: nature.to_owned(),
        reason: reason.to_owned(),
        expected_duration: expected_duration.to_owned(),
        taken_by: cx.me().clone(),
        taken_at: cx.now,
        withheld_on_legal_advice: withhold_on_legal_advice.clone(),
        withheld_from: withheld,
    };
    let told = |audience| !LlcAction::from(&action).withheld(audience);
    let (iesg, team, community) = (
        told(LlcAudience::Iesg),
        told(LlcAudience::Moderators),
        told(LlcAudience::Community),
    );
    cx.emit(Event::LlcActionTaken { action });
    let about = Subject::LlcAction(id);
    if iesg {
        cx.owe(
            Recipient::Iesg,
            about.clone(),
            Requirement::Llc1,
            "llc-action/iesg",
        );
    }
    if team {
        cx.owe(
            Recipient::ModeratorTeam,
            about.clone(),
            Requirement::Llc1,
            "llc-action/moderators",
        );
    }
    if community {
        cx.owe(
            Recipient::CommunityChannel,
            about,
            Requirement::Llc1,
            "llc-action/community",
        );
    }
    Ok(())
}

/// Decides [`Command::LiftLlcAction`](crate::Command::LiftLlcAction).
pub(super) fn lift_llc_action(
    cx: &mut Cx,
    action: &LlcActionId,
    reason: &str,
) -> Result<(), Refusal> {
    let a = may_lift(cx, *action)?;
    text("reason", reason, 10_000)?;
    cx.emit(Event::LlcActionLifted {
        action: a.id,
        at: cx.now,
        reason: reason.to_owned(),
    });
    cx.owe(
        Recipient::Person {
            person: a.subject.clone(),
        },
        Subject::LlcAction(a.id),
        Requirement::Llc1,
        "llc-action-lifted/person",
    );
    Ok(())
}

/// Decides [`Command::RequestBoardReview`](crate::Command::RequestBoardReview).
pub(super) fn request_board_review(cx: &mut Cx, action: &LlcActionId) -> Result<(), Refusal> {
    may_request_board_review(cx, *action)?;
    cx.emit(Event::BoardReviewRequested {
        action: *action,
        at: cx.now,
    });
    cx.owe(
        Recipient::LlcBoard,
        Subject::LlcAction(*action),
        Requirement::Llc2,
        "board-review-requested/board",
    );
    Ok(())
}

/// Decides [`Command::DecideBoardReview`](crate::Command::DecideBoardReview).
pub(super) fn decide_board_review(
    cx: &mut Cx,
    action: &LlcActionId,
    lift: &bool,
    rationale: &str,
) -> Result<(), Refusal> {
    let a = may_decide_board_review(cx, *action)?;
    text("rationale", rationale, 20_000)?;
    let subject: PersonId = a.subject.clone();
    cx.emit(Event::BoardReviewDecided {
        action: *action,
        decision: BoardDecision {
            by: cx.me().clone(),
            at: cx.now,
            lift: *lift,
            rationale: rationale.to_owned(),
        },
    });
    if *lift {
        cx.emit(Event::LlcActionLifted {
            action: *action,
            at: cx.now,
            reason: format!("lifted on board review: {rationale}"),
        });
    }
    cx.owe(
        Recipient::Person { person: subject },
        Subject::LlcAction(*action),
        Requirement::Llc2,
        "board-review-decided/person",
    );
    Ok(())
}

/// LLC-1: whether the actor takes emergency actions at all.
pub(super) fn may_take_llc_action(cx: &Cx) -> Result<(), Refusal> {
    cx.only(&[Capacity::Llc], Requirement::Llc1, "an emergency action")
}

/// LLC-2: whether the actor may lift this emergency action now: the LLC only.
pub(super) fn may_lift<'a>(cx: &Cx<'a>, action: LlcActionId) -> Result<&'a LlcAction, Refusal> {
    if cx.capacity() != Capacity::Llc {
        return Err(Refusal::not_permitted(
            Requirement::Llc2,
            "an IETF LLC emergency action can be lifted only by the LLC (or its board on review), not by the moderator team or the IESG",
        ));
    }
    open_action(cx, action)
}

/// LLC-2: whether the actor may ask the LLC board to review this action now.
pub(super) fn may_request_board_review<'a>(
    cx: &Cx<'a>,
    action: LlcActionId,
) -> Result<&'a LlcAction, Refusal> {
    let a = open_action(cx, action)?;
    if &a.subject != cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Llc2,
            "only the subject of the action may ask the LLC board to review it",
        ));
    }
    if a.board_review.is_some() {
        return Err(Refusal::out_of_order(
            Requirement::Llc2,
            format!("a board review of {action} was already requested"),
        ));
    }
    Ok(a)
}

/// LLC-2: whether the actor may decide the board's review of this action now.
pub(super) fn may_decide_board_review<'a>(
    cx: &Cx<'a>,
    action: LlcActionId,
) -> Result<&'a LlcAction, Refusal> {
    cx.only(
        &[Capacity::LlcBoard],
        Requirement::Llc2,
        "deciding a board review",
    )?;
    let a = open_action(cx, action)?;
    if a.board_review.as_ref().is_none_or(|r| r.decision.is_some()) {
        return Err(Refusal::out_of_order(
            Requirement::Llc2,
            format!("no board review of {action} is waiting"),
        ));
    }
    Ok(a)
}

fn open_action<'a>(cx: &Cx<'a>, id: LlcActionId) -> Result<&'a LlcAction, Refusal> {
    let a = cx
        .state
        .llc_actions
        .get(&id)
        .ok_or_else(|| Refusal::unknown("LLC action", format!("#{}", id.0)))?;
    if a.lifted_at.is_some() {
        return Err(Refusal::out_of_order(
            Requirement::Llc2,
            format!("{id} has been lifted"),
        ));
    }
    Ok(a)
}
