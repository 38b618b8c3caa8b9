//! The moderator team's proposals (TEAM-5, LADDER-1): what the team would
//! do, the notes it would send, who agreed and what each waits for. A
//! moderator agrees (vetting the notes as they read them here) or withdraws
//! their own; the IETF chair approves what a level asks them to. Each form
//! is offered only when the policy would accept it (`permits`).

use super::form::{Fields, Problems};
use super::{Done, Posted, Viewer, WebError, me, number, permitted, see, show, submit};
use crate::http::App;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::ids::{PersonId, ProposalId};
use modpod_policy::model::*;
use modpod_policy::{Command, Kind, State, Target, views};

/// The forms offered on a proposal: the step, the capacity it is taken in
/// and the kind of command the policy is asked about.
const STEPS: [(&str, Capacity, Kind); 3] = [
    ("agree", Capacity::Moderator, Kind::AgreeToProposal),
    ("approve", Capacity::IetfChair, Kind::ApproveProposal),
    ("withdraw", Capacity::Moderator, Kind::WithdrawProposal),
];

fn name(state: &State, p: &PersonId) -> String {
    state
        .people
        .get(p)
        .map_or_else(|| p.to_string(), |x| x.name.clone())
}

/// A proposal as its reader sees it, with the forms they are offered.
fn summary(state: &State, viewer: &PersonId, p: &Proposal, now: Timestamp) -> Value {
    let steps: Vec<&str> = STEPS
        .iter()
        .filter(|(_, capacity, kind)| {
            permitted(state, viewer, *capacity, *kind, Target::Proposal(p.id), now).is_ok()
        })
        .map(|(step, ..)| *step)
        .collect();
    let (reason, level, skip, texts, report) = match &p.change {
        ProposedChange::TakeAction {
            reason,
            level,
            texts,
            reports,
            ..
        } => (
            reason.as_str(),
            level
                .as_ref()
                .and_then(|l| state.ladder().get(l.level).cloned()),
            level.as_ref().and_then(|l| l.skip_reason.clone()),
            texts.clone(),
            reports.first().map(|r| r.0),
        ),
        ProposedChange::AmendAction { reason, .. }
        | ProposedChange::RescindAction { reason, .. } => (reason.as_str(), None, None, None, None),
    };
    context! {
        id => p.id.0,
        summary => p.change.summary(),
        reason => reason,
        level => level,
        skip_reason => skip,
        texts => texts,
        report => report,
        proposed_by => name(state, &p.proposed_by),
        proposed_at => p.proposed_at,
        agreed => p.agreed.iter().map(|(who, at)| context! { name => name(state, who), at => at }).collect::<Vec<_>>(),
        approved => p.approved.as_ref().map(|(who, at)| context! { name => name(state, who), at => at }),
        approval => p.approval.map(Approver::name),
        open => p.is_open(now),
        waiting_for => p.waiting_for(now),
        expires_at => p.expires_at,
        steps => steps,
    }
}

struct Failed {
    proposal: ProposalId,
    form: Fields,
    problems: Problems,
}

fn list_page(
    state: &State,
    viewer: &Viewer,
    now: Timestamp,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    if !(state.is_moderator(person) || state.holds(person, &Role::IetfChair)) {
        return Err(WebError::NotFound);
    }
    let (open, closed): (Vec<&Proposal>, Vec<&Proposal>) = views::proposals_for(state, person, now)
        .into_iter()
        .partition(|p| p.is_open(now));
    Ok(context! {
        me => me(state, viewer),
        open => open.iter().map(|p| summary(state, person, p, now)).collect::<Vec<_>>(),
        closed => closed.iter().take(50).map(|p| summary(state, person, p, now)).collect::<Vec<_>>(),
        failed => failed.map(|f| f.proposal.0),
        form => failed.map(|f| f.form.kept()),
        problems => failed.map(|f| &f.problems),
        done => done,
    })
}

/// `GET /proposals`: the open proposals first, then the last closed ones.
pub(super) async fn list(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Done(done): Done,
) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "proposals.html", move |state, now| {
        list_page(state, &viewer, now, None, done)
    })
    .await
}

const FIELDS: [(&str, &str); 1] = [("reason", "reason")];

/// `POST /proposals/{id}/{agree|approve|withdraw}`.
pub(super) async fn step(
    Extract(app): Extract<App>,
    Path((id, step)): Path<(String, String)>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let proposal = ProposalId(number(&id)?);
    let mut problems = Problems::default();
    let built = match step.as_str() {
        "agree" => (Capacity::Moderator, Command::AgreeToProposal { proposal }),
        "approve" => (Capacity::IetfChair, Command::ApproveProposal { proposal }),
        "withdraw" => {
            problems.required(&form, "reason");
            (
                Capacity::Moderator,
                Command::WithdrawProposal {
                    proposal,
                    reason: form.get("reason").to_owned(),
                },
            )
        }
        _ => return Err(WebError::NotFound),
    };
    let Some((status, problems)) =
        submit(&app, &viewer.person, Some(built), problems, &FIELDS).await?
    else {
        return Ok(see(&format!(
            "/proposals?done={step}#proposal-{}",
            proposal.0
        )));
    };
    let failed = Failed {
        proposal,
        form,
        problems,
    };
    show(&app, status, "proposals.html", move |state, now| {
        list_page(state, &viewer, now, Some(&failed), None)
    })
    .await
}
