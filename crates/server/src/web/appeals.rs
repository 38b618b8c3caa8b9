//! Appeals for those who hear them: the responsible AD or the IETF chair,
//! then the IESG, then the IAB (APPEAL-1, -2). An appeal is "awaiting you"
//! when the policy would accept your decision on it now; the page shows the
//! record (the action appealed, its reason and history of changes, the
//! grounds, every step so far) and the decision form, where an upheld
//! appeal must name its remedy (APPEAL-3).

use super::form::{self, Fields, Problems};
use super::{Done, Posted, Viewer, WebError, me, number, permitted_as, see, show, submit};
use crate::http::App;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::ids::{AppealId, PersonId};
use modpod_policy::model::*;
use modpod_policy::{Command, State, views};
use modpod_policy::{Kind, Target};

/// The capacities in which appeals are decided.
const DECIDERS: [Capacity; 4] = [
    Capacity::AreaDirector,
    Capacity::IetfChair,
    Capacity::Iesg,
    Capacity::Iab,
];

/// The capacity in which the policy would take `person`'s decision on the
/// appeal now, if any.
fn awaiting(
    state: &State,
    person: &PersonId,
    appeal: AppealId,
    now: Timestamp,
) -> Option<Capacity> {
    let target = Target::Appeal(appeal);
    permitted_as(state, person, &DECIDERS, Kind::DecideAppeal, target, now)
}

fn summary(state: &State, appeal: &Appeal) -> Value {
    let action = appeal.action.and_then(|id| state.actions.get(&id));
    context! {
        appeal => appeal,
        body => appeal.current().map(|s| s.level.name()),
        measure => action.map(|a| a.terms.measure.name()),
        fora => action.map(|a| &a.terms.fora),
        filed => appeal.steps.first().map(|s| s.filed_at),
    }
}

/// `GET /appeals`: appeals awaiting the viewer, and the others they may see.
pub(super) async fn list(Extract(app): Extract<App>, viewer: Viewer) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "appeals.html", move |state, now| {
        let person = &viewer.person;
        let (mut mine, mut others) = (Vec::new(), Vec::new());
        for appeal in state
            .appeals
            .values()
            .rev()
            .filter(|a| views::may_see_appeal(state, person, a))
        {
            if awaiting(state, person, appeal.id, now).is_some() {
                mine.push(summary(state, appeal));
            } else {
                others.push(summary(state, appeal));
            }
        }
        Ok(context! { me => me(state, &viewer), awaiting => mine, others => others })
    })
    .await
}

struct Failed {
    form: Fields,
    problems: Problems,
}

fn appeal_page(
    state: &State,
    viewer: &Viewer,
    id: AppealId,
    now: Timestamp,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let appeal = state
        .appeals
        .get(&id)
        .filter(|a| views::may_see_appeal(state, person, a))
        .ok_or(WebError::NotFound)?;
    let steps: Vec<_> = appeal
        .steps
        .iter()
        .map(|s| context! { step => s, body => s.level.name() })
        .collect();
    let Some(action) = appeal.action.and_then(|id| state.actions.get(&id)) else {
        // A disagreement with a report closed without action (APPEAL-1):
        // what the viewer may see of the report, and the decision.
        let report = appeal
            .report
            .and_then(|r| state.reports.get(&r))
            .ok_or(WebError::NotFound)?;
        let visible = views::report_for(state, person, report.id).is_some();
        let (form, problems) = match failed {
            Some(f) => (f.form.kept(), Some(&f.problems)),
            None => (Fields::default().kept(), None),
        };
        return Ok(context! {
            me => me(state, viewer),
            appeal => appeal,
            steps => steps,
            report => context! { id => report.id.0, forum => report.forum, category => report.category, state => report.state },
            report_visible => visible,
            capacity => awaiting(state, person, id, now).map(Capacity::as_str),
            form => form,
            problems => problems,
            done => done,
        });
    };
    let capacity = awaiting(state, person, id, now);
    let fora = form::fora_options(state.fora.values().filter(|f| state.policy_applies(f)));
    let mut defaults = vec![("measure".to_owned(), action.terms.measure.kind().to_owned())];
    defaults.extend(
        action
            .terms
            .fora
            .iter()
            .map(|f| ("fora".to_owned(), f.to_string())),
    );
    let (form, problems) = match failed {
        Some(f) => (f.form.kept(), Some(&f.problems)),
        None => (Fields::new(defaults).kept(), None),
    };
    Ok(context! {
        me => me(state, viewer),
        appeal => appeal,
        steps => steps,
        action => action,
        measure => action.terms.measure.name(),
        visible_reports => action.reports.iter().filter(|r| views::report_for(state, person, **r).is_some()).map(|r| r.0).collect::<Vec<_>>(),
        capacity => capacity.map(Capacity::as_str),
        measures => form::measure_options(),
        fora_options => fora,
        form => form,
        problems => problems,
        done => done,
    })
}

/// `GET /appeals/{id}`.
pub(super) async fn page(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Done(done): Done,
) -> Result<Response, WebError> {
    let id = AppealId(number(&id)?);
    show(&app, StatusCode::OK, "appeal.html", move |state, now| {
        appeal_page(state, &viewer, id, now, None, done)
    })
    .await
}

const FIELDS: [(&str, &str); 6] = [
    ("rationale", "rationale"),
    ("remedy", "remedy"),
    ("measure", "measure"),
    ("measure.description", "description"),
    ("fora", "fora"),
    ("ends_at", "days"),
];

/// The decision as the form gives it: upheld or not, and the remedy.
pub(super) fn decision(
    form: &Fields,
    now: Timestamp,
    problems: &mut Problems,
) -> Option<(bool, Option<Remedy>)> {
    let upheld = match form.trimmed("upheld") {
        "yes" => true,
        "no" => false,
        _ => {
            problems.field("upheld", "Say whether the appeal is upheld.");
            return None;
        }
    };
    let remedy = match form.trimmed("remedy") {
        "" | "none" => None,
        "rescind" => Some(Remedy::Rescind),
        "amend" => {
            let measure = form::measure(form, problems);
            let ends_at = form::ends_at(form, now, problems).ok()?;
            let fora = form::fora(form, problems);
            Some(Remedy::Amend {
                terms: TermsChange {
                    measure: measure?,
                    fora,
                    ends_at,
                },
            })
        }
        _ => {
            problems.field("remedy", "Choose a remedy.");
            return None;
        }
    };
    Some((upheld, remedy))
}

/// `POST /appeals/{id}/decide`.
pub(super) async fn decide(
    Extract(app): Extract<App>,
    Path(id): Path<String>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let appeal = AppealId(number(&id)?);
    let mut problems = Problems::default();
    problems.required(&form, "rationale");
    let capacity = form::capacity(&form, &mut problems);
    let decided = decision(&form, Timestamp::now(), &mut problems);
    let built = capacity.zip(decided).map(|(capacity, (upheld, remedy))| {
        let command = Command::DecideAppeal {
            appeal,
            upheld,
            remedy,
            rationale: form.get("rationale").to_owned(),
        };
        (capacity, command)
    });
    let Some((status, problems)) = submit(&app, &viewer.person, built, problems, &FIELDS).await?
    else {
        return Ok(see(&format!("/appeals/{}?done=decided", appeal.0)));
    };
    let failed = Failed { form, problems };
    show(&app, status, "appeal.html", move |state, now| {
        appeal_page(state, &viewer, appeal, now, Some(&failed), None)
    })
    .await
}
