//! The moderator team decides together (TEAM-5): an action, amendment or
//! rescission by a moderator is a proposal until the quorum of the team's
//! procedures has agreed, the proposer counting, and, where its level of the
//! ladder asks for it, the IETF chair has approved (LADDER-1). Text the team
//! writes is sent only once another moderator has agreed to it, vetting it.
//! The agreement that completes what a proposal waits for enacts it: the
//! change is decided again, as the proposer, at that moment, by the same
//! rules, and recorded as the team's, naming all who agreed.
//! Administrators' own actions need none of this.

use super::{Cx, actions, text};
use crate::command::{Actor, SubjectRef};
use crate::event::{Event, NewProposal};
use crate::ids::{PersonId, ProposalId};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use crate::time::add_days;

/// Records `change` as a proposal instead of deciding it, when the actor
/// speaks for the moderator team and the team has not agreed yet: returns
/// whether it did. `approval` is the approval the change's level asks for.
pub(super) fn proposed_instead(
    cx: &mut Cx,
    change: ProposedChange,
    approval: Option<Approver>,
) -> bool {
    if cx.capacity() != Capacity::Moderator || cx.enacting.is_some() {
        return false;
    }
    let numbers = cx.state.numbers();
    // Text to a person or a list is vetted by another moderator, whatever
    // the quorum.
    let vetted = change.texts().is_some_and(|t| !t.is_empty());
    let quorum = numbers.quorum.max(if vetted { 2 } else { 1 });
    if quorum <= 1 && approval.is_none() {
        return false;
    }
    let id = ProposalId(cx.state.next.proposal);
    // Spam is nobody's news (ACT-5): the team finds it among its proposals.
    let spam = matches!(change, ProposedChange::TakeAction { spam: true, .. })
        || match &change {
            ProposedChange::AmendAction { action, .. }
            | ProposedChange::RescindAction { action, .. } => {
                cx.state.actions.get(action).is_some_and(|a| a.spam)
            }
            ProposedChange::TakeAction { .. } => false,
        };
    cx.emit(Event::ProposalMade {
        proposal: NewProposal {
            id,
            change,
            proposed_by: cx.me().clone(),
            proposed_at: cx.now,
            expires_at: add_days(cx.now, i64::from(numbers.proposal_days)),
            quorum,
            approval,
        },
    });
    if !spam {
        cx.owe(
            Recipient::ModeratorTeam,
            Subject::Proposal(id),
            Requirement::Team5,
            "proposal-made/moderators",
        );
    }
    true
}

/// Decides [`Command::AgreeToProposal`](crate::Command::AgreeToProposal).
pub(super) fn agree_to_proposal(cx: &mut Cx, id: &ProposalId) -> Result<(), Refusal> {
    let p = may_agree(cx, *id)?;
    cx.emit(Event::ProposalAgreed {
        proposal: *id,
        by: cx.me().clone(),
        at: cx.now,
    });
    let mut agreed_by = p.agreed_by();
    agreed_by.push(cx.me().clone());
    let missing = p.agreements_missing().saturating_sub(1);
    let approved_by = p.approved.as_ref().map(|(by, _)| by.clone());
    match (missing, p.approval, &approved_by) {
        (0, None, _) | (0, Some(_), Some(_)) => enact(cx, p, agreed_by, approved_by),
        (0, Some(who), None) => {
            ask_approval(cx, *id, who);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Decides [`Command::ApproveProposal`](crate::Command::ApproveProposal).
pub(super) fn approve_proposal(cx: &mut Cx, id: &ProposalId) -> Result<(), Refusal> {
    let p = may_approve(cx, *id)?;
    cx.emit(Event::ProposalApproved {
        proposal: *id,
        by: cx.me().clone(),
        as_capacity: cx.capacity(),
        at: cx.now,
    });
    if p.agreements_missing() == 0 {
        let me = cx.me().clone();
        enact(cx, p, p.agreed_by(), Some(me))?;
    }
    Ok(())
}

/// Decides [`Command::WithdrawProposal`](crate::Command::WithdrawProposal).
pub(super) fn withdraw_proposal(cx: &mut Cx, id: &ProposalId, reason: &str) -> Result<(), Refusal> {
    let p = may_withdraw(cx, *id)?;
    text("reason", reason, 10_000)?;
    cx.emit(Event::ProposalWithdrawn {
        proposal: p.id,
        by: cx.me().clone(),
        at: cx.now,
        reason: reason.to_owned(),
    });
    Ok(())
}

/// TEAM-5: whether the actor may agree to this proposal: another sitting
/// moderator, not the person it is about, while it is open.
pub(super) fn may_agree<'a>(cx: &Cx<'a>, id: ProposalId) -> Result<&'a Proposal, Refusal> {
    cx.only(
        &[Capacity::Moderator],
        Requirement::Team5,
        "agreeing to a proposal of the moderator team",
    )?;
    let p = open(cx, id)?;
    if p.has_agreed(cx.me()) {
        return Err(Refusal::out_of_order(
            Requirement::Team5,
            format!("{} has already agreed to {id}", cx.me()),
        ));
    }
    if p.agreements_missing() == 0 {
        return Err(Refusal::out_of_order(
            Requirement::Team5,
            format!("{id} has the agreement it needs; it waits for an approval"),
        ));
    }
    actions::not_on_myself(cx, &subject_of(cx, p)?)?;
    Ok(p)
}

/// LADDER-1: whether the actor may give the approval this proposal's level
/// asks for.
pub(super) fn may_approve<'a>(cx: &Cx<'a>, id: ProposalId) -> Result<&'a Proposal, Refusal> {
    let p = open(cx, id)?;
    let Some(who) = p.approval else {
        return Err(Refusal::out_of_order(
            Requirement::Ladder1,
            format!("{id} needs no approval besides the team's"),
        ));
    };
    match who {
        Approver::IetfChair => cx.only(
            &[Capacity::IetfChair],
            Requirement::Ladder1,
            "approving this level of the ladder",
        )?,
    }
    if p.approved.is_some() {
        return Err(Refusal::out_of_order(
            Requirement::Ladder1,
            format!("{id} is already approved"),
        ));
    }
    actions::not_on_myself(cx, &subject_of(cx, p)?)?;
    Ok(p)
}

/// TEAM-5: whether the actor may withdraw this proposal: whoever made it,
/// while it is open.
pub(super) fn may_withdraw<'a>(cx: &Cx<'a>, id: ProposalId) -> Result<&'a Proposal, Refusal> {
    cx.only(
        &[Capacity::Moderator],
        Requirement::Team5,
        "withdrawing a proposal of the moderator team",
    )?;
    let p = open(cx, id)?;
    if p.proposed_by != *cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Team5,
            format!("only {}, who proposed {id}, may withdraw it", p.proposed_by),
        ));
    }
    Ok(p)
}

/// The proposal, if it is still open.
fn open<'a>(cx: &Cx<'a>, id: ProposalId) -> Result<&'a Proposal, Refusal> {
    let p = cx
        .state
        .proposals
        .get(&id)
        .ok_or_else(|| Refusal::unknown("proposal", format!("#{}", id.0)))?;
    if !p.is_open(cx.now) {
        let why = p.waiting_for(cx.now).unwrap_or_default();
        return Err(Refusal::out_of_order(
            Requirement::Team5,
            format!("{id} is no longer open: {why}"),
        ));
    }
    Ok(p)
}

/// Who the proposed change is about.
fn subject_of(cx: &Cx, p: &Proposal) -> Result<PersonId, Refusal> {
    Ok(match &p.change {
        ProposedChange::TakeAction { subject, .. } => subject.clone(),
        ProposedChange::AmendAction { action, .. }
        | ProposedChange::RescindAction { action, .. } => cx.action(*action)?.subject.clone(),
    })
}

/// Tells whoever must approve that the team has agreed.
fn ask_approval(cx: &mut Cx, id: ProposalId, who: Approver) {
    let to = match who {
        Approver::IetfChair => Recipient::IetfChair,
    };
    cx.owe(
        to,
        Subject::Proposal(id),
        Requirement::Ladder1,
        "proposal-approval/ietf-chair",
    );
}

/// Decides the proposed change again, as the proposer, now, with the
/// team's agreement: the events it records are the team's.
fn enact(
    cx: &mut Cx,
    p: &Proposal,
    agreed_by: Vec<PersonId>,
    approved_by: Option<PersonId>,
) -> Result<(), Refusal> {
    let proposer = Actor::new(p.proposed_by.clone(), Capacity::Moderator);
    let mut team = Cx::new(cx.state, &proposer, cx.now);
    team.next_notification = cx.next_notification;
    team.enacting = Some(TeamDecision {
        proposal: p.id,
        agreed_by,
        approved_by,
    });
    team.check_capacity_held()?;
    match &p.change {
        ProposedChange::TakeAction {
            subject,
            measure,
            fora,
            reason,
            reports,
            evidence,
            starts_at,
            ends_at,
            spam,
            level,
            texts,
        } => actions::take_action(
            &mut team,
            &SubjectRef::Person {
                person: subject.clone(),
            },
            measure,
            fora,
            reason,
            reports,
            evidence,
            starts_at,
            ends_at,
            spam,
            level,
            texts,
        )?,
        ProposedChange::AmendAction {
            action,
            terms,
            reason,
        } => actions::amend_action(&mut team, action, terms, reason)?,
        ProposedChange::RescindAction { action, reason } => {
            actions::rescind_action(&mut team, action, reason)?
        }
    }
    cx.next_notification = team.next_notification;
    cx.events.append(&mut team.events);
    cx.warnings.append(&mut team.warnings);
    Ok(())
}
