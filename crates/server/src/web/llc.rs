//! Emergency actions of the IETF LLC (LLC-1, LLC-2), outside the moderation
//! process: the LLC takes and lifts them; their subject sees them and may ask
//! the LLC board for a review, which the board decides. Who sees an action is
//! `views::llc_action_for`'s to say (its subject, the LLC, the IESG, and the
//! moderators unless legal advice withheld it); each form is offered only
//! when the policy would accept it now.

use super::form::{self, Failed, Fields, Problems};
use super::{
    Done, Posted, Viewer, WebError, me, number, participant, permitted, see, show, submit,
};
use crate::http::App;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::ids::{LlcActionId, PersonId};
use modpod_policy::model::*;
use modpod_policy::{Command, State, views};
use modpod_policy::{Kind, Target};

/// The grounds of an emergency action, as the forms offer them (LLC-1).
const GROUNDS: [(&str, LlcGrounds, &str); 4] = [
    (
        "credible_threat_of_harm",
        LlcGrounds::CredibleThreatOfHarm,
        "a credible threat of harm",
    ),
    (
        "serious_legal_risk",
        LlcGrounds::SeriousLegalRisk,
        "content bringing serious legal risk",
    ),
    (
        "credible_threat_of_legal_action",
        LlcGrounds::CredibleThreatOfLegalAction,
        "a credible threat of legal action",
    ),
    // The three above are examples, not a closed list.
    ("other", LlcGrounds::Other, "other grounds, described below"),
];

/// Who legal advice may keep from being told (LLC-1), as the form names them.
const AUDIENCES: [(&str, LlcAudience); 3] = [
    ("iesg", LlcAudience::Iesg),
    ("moderators", LlcAudience::Moderators),
    ("community", LlcAudience::Community),
];

/// The grounds in words: the text's example, or what the LLC wrote.
fn grounds_of(action: &LlcAction) -> String {
    match (action.grounds, &action.grounds_description) {
        (LlcGrounds::Other, Some(d)) => d.clone(),
        (g, _) => grounds_name(g).to_owned(),
    }
}

/// Who was told of an emergency action, in words (LLC-1).
fn told(view: &views::LlcActionView) -> String {
    let told: Vec<&str> = [
        (LlcAudience::Iesg, "the IESG"),
        (LlcAudience::Moderators, "the moderator team"),
        (LlcAudience::Community, "the community"),
    ]
    .into_iter()
    .filter(|(audience, _)| view.told.contains(audience))
    .map(|(_, name)| name)
    .collect();
    if told.is_empty() {
        "nobody yet".to_owned()
    } else {
        told.join(", ")
    }
}

fn grounds_name(grounds: LlcGrounds) -> &'static str {
    GROUNDS
        .iter()
        .find(|(_, g, _)| *g == grounds)
        .map_or("", |(_, _, name)| name)
}

/// Whether the policy lets `person` take emergency actions now.
fn may_take(state: &State, person: &PersonId, now: Timestamp) -> bool {
    permitted(
        state,
        person,
        Capacity::Llc,
        Kind::TakeLlcAction,
        Target::Nothing,
        now,
    )
    .is_ok()
}

fn list_page(
    state: &State,
    viewer: &Viewer,
    now: Timestamp,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let actions: Vec<_> = state
        .llc_actions
        .keys()
        .rev()
        .filter_map(|id| views::llc_action_for(state, person, *id))
        .map(|view| context! { grounds => grounds_of(&view.action), view => view })
        .collect();
    let take = may_take(state, person, now);
    // The form's choice of fora, only for those it is shown to.
    let fora = form::fora_options(state.fora.values().filter(|_| take));
    let grounds: Vec<_> = GROUNDS
        .iter()
        .map(|(key, _, name)| context! { key => key, name => name })
        .collect();
    let (form, problems) = match failed {
        Some(f) => (f.form.kept(), Some(&f.problems)),
        None => (Fields::default().kept(), None),
    };
    Ok(context! {
        me => me(state, viewer),
        actions => actions,
        take => take,
        fora_options => fora,
        grounds => grounds,
        form => form,
        problems => problems,
        done => done,
    })
}

/// `GET /llc`: the emergency actions the viewer may see, and for the LLC
/// the form to take one.
pub(super) async fn list(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Done(done): Done,
) -> Result<Response, WebError> {
    show(
        &app,
        StatusCode::OK,
        "llc_actions.html",
        move |state, now| list_page(state, &viewer, now, None, done),
    )
    .await
}

/// How the policy names the fields of the forms here.
const FIELDS: [(&str, &str); 9] = [
    ("person", "subject"),
    ("identity", "subject"),
    ("forum", "fora"),
    ("nature", "nature"),
    ("reason", "reason"),
    ("expected_duration", "expected_duration"),
    ("withhold_on_legal_advice", "legal_advice"),
    ("grounds_description", "grounds_description"),
    ("rationale", "rationale"),
];

/// `POST /llc`: the LLC takes an emergency action (LLC-1).
pub(super) async fn take(
    Extract(app): Extract<App>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let mut problems = Problems::default();
    let subject = participant::subject(&form, &mut problems);
    let fora = form::some_fora(&form, &mut problems);
    let grounds = GROUNDS
        .iter()
        .find(|(key, _, _)| *key == form.trimmed("grounds"))
        .map(|(_, g, _)| *g);
    if grounds.is_none() {
        problems.field("grounds", "Choose the grounds.");
    }
    for name in ["nature", "reason", "expected_duration"] {
        problems.required(&form, name);
    }
    let advice = Some(form.trimmed("legal_advice"))
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let grounds_description = Some(form.trimmed("grounds_description"))
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    let withhold_from: Vec<LlcAudience> = form
        .all("withhold_from")
        .into_iter()
        .filter_map(|v| AUDIENCES.iter().find(|(key, _)| *key == v.trim()))
        .map(|(_, audience)| *audience)
        .collect();
    let built = subject.zip(grounds).map(|(subject, grounds)| {
        let command = Command::TakeLlcAction {
            subject,
            fora,
            grounds,
            grounds_description,
            nature: form.get("nature").to_owned(),
            reason: form.get("reason").to_owned(),
            expected_duration: form.get("expected_duration").to_owned(),
            withhold_on_legal_advice: advice,
            withhold_from,
        };
        (Capacity::Llc, command)
    });
    let Some((status, problems)) = submit(&app, &viewer.person, built, problems, &FIELDS).await?
    else {
        return Ok(see("/llc?done=llc-taken"));
    };
    let failed = Failed {
        step: "take".into(),
        form,
        problems,
    };
    show(&app, status, "llc_actions.html", move |state, now| {
        list_page(state, &viewer, now, Some(&failed), None)
    })
    .await
}

fn action_page(
    state: &State,
    viewer: &Viewer,
    id: LlcActionId,
    now: Timestamp,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let view = views::llc_action_for(state, person, id).ok_or(WebError::NotFound)?;
    let target = Target::LlcAction(id);
    let may = |capacity, kind| permitted(state, person, capacity, kind, target, now).is_ok();
    let lift = may(Capacity::Llc, Kind::LiftLlcAction);
    let review = may(Capacity::Participant, Kind::RequestBoardReview);
    let board = may(Capacity::LlcBoard, Kind::DecideBoardReview);
    let fora: Vec<String> = view
        .action
        .fora
        .iter()
        .map(|f| {
            state
                .fora
                .get(f)
                .map_or_else(|| f.to_string(), |f| f.name.clone())
        })
        .collect();
    let (failed_step, form, problems) = match failed {
        Some(f) => (Some(f.step.as_str()), f.form.kept(), Some(&f.problems)),
        None => (None, Fields::default().kept(), None),
    };
    Ok(context! {
        me => me(state, viewer),
        grounds => grounds_of(&view.action),
        told => told(&view),
        view => view,
        subject_name => state.people.get(&view.action.subject).map(|p| &p.name),
        fora => fora,
        mine => &view.action.subject == person,
        lift => lift,
        review => review,
        board => board,
        failed => failed_step,
        form => form,
        problems => problems,
        done => done,
    })
}

/// `GET /llc/{id}`.
pub(super) async fn page(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Done(done): Done,
) -> Result<Response, WebError> {
    let id = LlcActionId(number(&id)?);
    show(
        &app,
        StatusCode::OK,
        "llc_action.html",
        move |state, now| action_page(state, &viewer, id, now, None, done),
    )
    .await
}

/// `POST /llc/{id}/{lift|review|board}`: the LLC lifts it, its subject asks
/// for a board review, the board decides the review (LLC-2).
pub(super) async fn step(
    Extract(app): Extract<App>,
    Path((id, step)): Path<(String, String)>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let action = LlcActionId(number(&id)?);
    let mut problems = Problems::default();
    let (capacity, command, done) = match step.as_str() {
        "lift" => {
            problems.required(&form, "reason");
            let command = Command::LiftLlcAction {
                action,
                reason: form.get("reason").to_owned(),
            };
            (Capacity::Llc, Some(command), "llc-lifted")
        }
        "review" => (
            Capacity::Participant,
            Some(Command::RequestBoardReview { action }),
            "board-review",
        ),
        "board" => {
            problems.required(&form, "rationale");
            let lift = match form.trimmed("lift") {
                "yes" => Some(true),
                "no" => Some(false),
                _ => {
                    problems.field("lift", "Say whether the action is lifted.");
                    None
                }
            };
            let command = lift.map(|lift| Command::DecideBoardReview {
                action,
                lift,
                rationale: form.get("rationale").to_owned(),
            });
            (Capacity::LlcBoard, command, "board-decided")
        }
        _ => return Err(WebError::NotFound),
    };
    let built = command.map(|command| (capacity, command));
    let Some((status, problems)) = submit(&app, &viewer.person, built, problems, &FIELDS).await?
    else {
        return Ok(see(&format!("/llc/{}?done={done}", action.0)));
    };
    let failed = Failed {
        step,
        form,
        problems,
    };
    show(&app, status, "llc_action.html", move |state, now| {
        action_page(state, &viewer, action, now, Some(&failed), None)
    })
    .await
}
