//! Reinstatement requests for those who decide them (REINST-2): the
//! administrators of the fora a suspension covers or the moderator team,
//! whichever decided it, and the IESG for a legacy action (REINST-5). A
//! request is "awaiting you" when the policy would accept your decision on
//! it now; its page shows the request, the action's record and earlier
//! requests, and the form: reinstate, with or without conditions, or not
//! (REINST-3), a decision that cannot be appealed (REINST-4).

use super::form::{self, Fields, Problems};
use super::{Done, Posted, Viewer, WebError, me, number, permitted_as, see, show, submit};
use crate::http::App;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::ids::{PersonId, ReinstatementId};
use modpod_policy::model::*;
use modpod_policy::{Command, State, views};
use modpod_policy::{Kind, Target};

/// The capacities in which reinstatement requests are decided.
const DECIDERS: [Capacity; 3] = [Capacity::Administrator, Capacity::Moderator, Capacity::Iesg];

/// The capacity in which the policy would take `person`'s decision on the
/// request now, if any.
fn awaiting(
    state: &State,
    person: &PersonId,
    request: ReinstatementId,
    now: Timestamp,
) -> Option<Capacity> {
    let target = Target::Reinstatement(request);
    permitted_as(
        state,
        person,
        &DECIDERS,
        Kind::DecideReinstatement,
        target,
        now,
    )
}

/// Who decides a request, in words.
fn decider(request: &ReinstatementRequest) -> String {
    match &request.decided_by {
        Decider::ForumAdministrators => "the administrators of the fora it covers".to_owned(),
        Decider::ModeratorTeam => "the moderator team".to_owned(),
        Decider::Legacy { process } => format!("the IESG, under {process}"),
    }
}

fn summary(state: &State, request: &ReinstatementRequest) -> Value {
    let action = state.actions.get(&request.action);
    context! {
        request => request,
        decider => decider(request),
        measure => action.map(|a| a.terms.measure.name()),
        fora => action.map(|a| &a.terms.fora),
    }
}

/// `GET /reinstatements`: requests awaiting the viewer, and the others they
/// may see.
pub(super) async fn list(Extract(app): Extract<App>, viewer: Viewer) -> Result<Response, WebError> {
    show(
        &app,
        StatusCode::OK,
        "reinstatements.html",
        move |state, now| {
            let person = &viewer.person;
            let seer = views::ActionViewer::new(state, person);
            let (mut mine, mut others) = (Vec::new(), Vec::new());
            for request in state
                .reinstatements
                .values()
                .rev()
                .filter(|r| views::may_see_reinstatement_as(state, &seer, r))
            {
                if awaiting(state, person, request.id, now).is_some() {
                    mine.push(summary(state, request));
                } else {
                    others.push(summary(state, request));
                }
            }
            Ok(context! { me => me(state, &viewer), awaiting => mine, others => others })
        },
    )
    .await
}

struct Failed {
    form: Fields,
    problems: Problems,
}

fn request_page(
    state: &State,
    viewer: &Viewer,
    id: ReinstatementId,
    now: Timestamp,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let request = state
        .reinstatements
        .get(&id)
        .filter(|r| views::may_see_reinstatement(state, person, r))
        .ok_or(WebError::NotFound)?;
    let action = state
        .actions
        .get(&request.action)
        .ok_or(WebError::NotFound)?;
    let earlier: Vec<_> = state
        .reinstatements
        .values()
        .filter(|r| r.action == request.action && r.id != id)
        .collect();
    let (form, problems) = match failed {
        Some(f) => (f.form.kept(), Some(&f.problems)),
        None => (Fields::default().kept(), None),
    };
    Ok(context! {
        me => me(state, viewer),
        request => request,
        decider => decider(request),
        earlier => earlier,
        action => action,
        action_visible => views::may_see_action(state, person, action),
        measure => action.terms.measure.name(),
        capacity => awaiting(state, person, id, now).map(Capacity::as_str),
        form => form,
        problems => problems,
        done => done,
    })
}

/// `GET /reinstatements/{id}`.
pub(super) async fn page(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Done(done): Done,
) -> Result<Response, WebError> {
    let id = ReinstatementId(number(&id)?);
    show(
        &app,
        StatusCode::OK,
        "reinstatement.html",
        move |state, now| request_page(state, &viewer, id, now, None, done),
    )
    .await
}

const FIELDS: [(&str, &str); 2] = [("rationale", "rationale"), ("conditions", "conditions")];

/// `POST /reinstatements/{id}/decide`.
pub(super) async fn decide(
    Extract(app): Extract<App>,
    Path(id): Path<String>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let request = ReinstatementId(number(&id)?);
    let mut problems = Problems::default();
    problems.required(&form, "rationale");
    let capacity = form::capacity(&form, &mut problems);
    let reinstate = match form.trimmed("reinstate") {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            problems.field("reinstate", "Say whether the person is reinstated.");
            None
        }
    };
    let conditions = Some(form.trimmed("conditions"))
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let built = capacity.zip(reinstate).map(|(capacity, reinstate)| {
        let command = Command::DecideReinstatement {
            request,
            reinstate,
            conditions,
            rationale: form.get("rationale").to_owned(),
        };
        (capacity, command)
    });
    let Some((status, problems)) = submit(&app, &viewer.person, built, problems, &FIELDS).await?
    else {
        return Ok(see(&format!(
            "/reinstatements/{}?done=reinstatement-decided",
            request.0
        )));
    };
    let failed = Failed { form, problems };
    show(&app, status, "reinstatement.html", move |state, now| {
        request_page(state, &viewer, request, now, Some(&failed), None)
    })
    .await
}
