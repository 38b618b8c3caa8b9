//! A participant's pages: reporting disruptive behaviour (REPORT-1, with the
//! policy's categories, REPORT-2, and the Note Well, NOTEWELL-1), "my
//! reports" with their state and acknowledgement (REPORT-3, FEEDBACK-1), and
//! "my status": the actions against me, why, until when, under which
//! procedures, and what the policy allows me to do about each now: ask for
//! the announcement of a suspension (NOTIFY-3), disagree and appeal
//! (APPEAL-1, -2), ask for reinstatement or learn from when I may (REINST-1).
//! Each party reads and answers their own thread of a case (MSG-1): the
//! reporter under each report on "my reports", the person reported on "my
//! status", for each report about them with messages; the forms post to the
//! case page's `message` step.

use super::form::{Fields, Problems, refusal_status};
use super::{Done, Posted, Viewer, WebError, me, number, permitted, see, show};
use crate::http::App;
use crate::http::commands::execute;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::command::AppealTarget;
use modpod_policy::ids::{ActionId, AppealId, ForumId, PersonId, ReportId};
use modpod_policy::model::*;
use modpod_policy::{Actor, Command, Refusal, State, SubjectRef, views};
use modpod_policy::{Kind, Target};
use serde::Serialize;

/// The public fora this policy covers: those a report may be about.
#[derive(Serialize)]
struct ForumChoice<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'a str,
}

fn reportable_fora(state: &State) -> Vec<ForumChoice<'_>> {
    state
        .fora
        .values()
        .filter(|f| f.public && state.policy_applies(f))
        .map(|f| ForumChoice {
            id: f.id.as_str(),
            name: &f.name,
            kind: &f.kind,
        })
        .collect()
}

/// The Note Well in force (the latest version), and the ombudsteam's
/// contact among its links.
fn note_well(state: &State) -> Value {
    let latest = state.note_wells.values().max_by_key(|n| n.version);
    let ombudsteam = latest.and_then(|n| n.links.iter().find(|l| l.contains("ombuds")));
    context! { note_well => latest, ombudsteam => ombudsteam }
}

fn report_page(
    state: &State,
    viewer: &Viewer,
    form: serde_json::Value,
    problems: Problems,
) -> Result<Value, WebError> {
    Ok(context! {
        me => me(state, viewer),
        fora => reportable_fora(state),
        categories => &state.categories,
        form => form,
        problems => problems,
        ..note_well(state)
    })
}

/// `GET /report`.
pub(super) async fn report_form(
    Extract(app): Extract<App>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "report.html", move |state, _| {
        report_page(
            state,
            &viewer,
            Fields::default().kept(),
            Problems::default(),
        )
    })
    .await
}

/// How the policy names the fields of the report form.
const REPORT_FIELDS: [(&str, &str); 7] = [
    ("forum", "forum"),
    ("person", "subject"),
    ("identity", "subject"),
    ("category", "category"),
    ("description", "description"),
    ("links", "links"),
    ("note_well_seen", "note_well"),
];

/// Who a report is about, as typed: an email address (the default), another
/// kind of account, or a modpod person id.
pub(super) fn subject(form: &Fields, problems: &mut Problems) -> Option<SubjectRef> {
    let value = problems.required(form, "subject");
    if value.is_empty() {
        return None;
    }
    let kind = match form.trimmed("subject_kind") {
        "" | "email" => IdentityKind::Email,
        "github" => IdentityKind::Github,
        "chat" => IdentityKind::Chat,
        "datatracker" => IdentityKind::Datatracker,
        "person" => {
            return match PersonId::parse(value) {
                Ok(person) => Some(SubjectRef::Person { person }),
                Err(_) => {
                    problems.field(
                        "subject",
                        "A modpod id has no spaces and at most 128 characters.",
                    );
                    None
                }
            };
        }
        _ => {
            problems.field("subject_kind", "Choose what kind of name this is.");
            return None;
        }
    };
    match Identity::new(kind, value) {
        Ok(identity) => Some(SubjectRef::Identity { identity }),
        Err(reason) => {
            problems.field("subject", reason);
            None
        }
    }
}

/// `POST /report`.
pub(super) async fn file_report(
    Extract(app): Extract<App>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let mut problems = Problems::default();
    let forum = problems.required(&form, "forum");
    let forum = ForumId::parse(forum).ok();
    let subject = subject(&form, &mut problems);
    let category = problems.required(&form, "category").to_owned();
    if form.trimmed("description").is_empty() {
        problems.field("description", "Say what happened.");
    }
    let links: Vec<String> = form
        .get("links")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let note_well_seen = form.trimmed("note_well").parse::<u32>().ok();
    let (Some(forum), Some(subject), true) = (forum, subject, problems.is_empty()) else {
        if problems.is_empty() {
            problems.field("forum", "Choose a forum from the list.");
        }
        return again(
            &app,
            viewer,
            form,
            problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let command = Command::FileReport {
        forum,
        subject,
        category,
        description: form.get("description").to_owned(),
        links,
        note_well_seen,
    };
    let actor = Actor::new(viewer.person.clone(), Capacity::Participant);
    match execute(&app, actor, command).await? {
        Ok(_) => Ok(see("/me/reports?done=filed")),
        Err(refusal) => {
            let status = refusal_status(&refusal);
            let problems = Problems::refused(&refusal, &REPORT_FIELDS);
            again(&app, viewer, form, problems, status).await
        }
    }
}

async fn again(
    app: &App,
    viewer: Viewer,
    form: Fields,
    problems: Problems,
    status: StatusCode,
) -> Result<Response, WebError> {
    show(app, status, "report.html", move |state, _| {
        report_page(state, &viewer, form.kept(), problems)
    })
    .await
}

/// `GET /me/reports`: the reports I filed, as I may see them, each closed
/// without action with the form to disagree when the policy allows it
/// (APPEAL-1).
pub(super) async fn my_reports(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Done(done): Done,
) -> Result<Response, WebError> {
    show(
        &app,
        StatusCode::OK,
        "my_reports.html",
        move |state, now| Ok(my_reports_page(state, &viewer, now, None, done)),
    )
    .await
}

fn my_reports_page(
    state: &State,
    viewer: &Viewer,
    now: Timestamp,
    failed: Option<(u64, &Problems)>,
    done: Option<&str>,
) -> Value {
    let reports: Vec<_> = state
        .reports_by(&viewer.person)
        .rev()
        .filter_map(|r| views::report_for(state, &viewer.person, r.id))
        .map(|view| {
            let category = category_title(state, &view.category);
            let disagree = permitted(
                state,
                &viewer.person,
                Capacity::Participant,
                Kind::FileDisagreement,
                Target::Report(view.id),
                now,
            )
            .is_ok();
            let problems = failed.filter(|(id, _)| *id == view.id.0).map(|(_, p)| p);
            let threads = super::case::threads(state, &viewer.person, view.id, now, None);
            context! {
                report => view, category => category, disagree => disagree,
                problems => problems, threads => threads,
            }
        })
        .collect();
    context! { me => me(state, viewer), reports => reports, done => done }
}

/// `POST /me/reports/{id}/disagree`: disagree with my report's closing
/// without action (APPEAL-1).
pub(super) async fn disagree_with_report(
    Extract(app): Extract<App>,
    Path(id): Path<String>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let report = ReportId(number(&id)?);
    let mut problems = Problems::default();
    problems.required(&form, "grounds");
    let problems = if problems.is_empty() {
        let command = Command::FileDisagreement {
            target: AppealTarget::Report(report),
            grounds: form.get("grounds").to_owned(),
            note_well_seen: form.trimmed("note_well").parse::<u32>().ok(),
        };
        let actor = Actor::new(viewer.person.clone(), Capacity::Participant);
        match execute(&app, actor, command).await? {
            Ok(_) => return Ok(see("/me/reports?done=disagree")),
            Err(refusal) => Problems::refused(&refusal, &[("grounds", "grounds")]),
        }
    } else {
        problems
    };
    show(
        &app,
        StatusCode::UNPROCESSABLE_ENTITY,
        "my_reports.html",
        move |state, now| {
            Ok(my_reports_page(
                state,
                &viewer,
                now,
                Some((report.0, &problems)),
                None,
            ))
        },
    )
    .await
}

pub(super) fn category_title(state: &State, id: &str) -> String {
    state
        .categories
        .iter()
        .find(|c| c.id == id)
        .map_or_else(|| id.to_owned(), |c| c.title.clone())
}

/// What the policy allows me about one reinstatement of an action.
#[derive(Serialize)]
#[serde(tag = "may", rename_all = "snake_case")]
enum Reinstatement {
    Now,
    From { earliest: Timestamp },
    Not,
}

/// A form on "my status" that came back with problems.
struct Failed {
    action: u64,
    step: &'static str,
    form: Fields,
    problems: Problems,
}

fn status_page(
    state: &State,
    viewer: &Viewer,
    now: Timestamp,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let history = views::history(
        state,
        &Actor::new(person.clone(), Capacity::Participant),
        person,
    )
    .unwrap_or_default();
    let may = |kind, target| permitted(state, person, Capacity::Participant, kind, target, now);
    let mut in_force = Vec::new();
    let mut past = Vec::new();
    for action in history {
        let fora: Vec<String> = action
            .terms
            .fora
            .iter()
            .map(|id| {
                state
                    .fora
                    .get(id)
                    .map_or_else(|| id.to_string(), |f| f.name.clone())
            })
            .collect();
        if !action.in_force() {
            past.push(
                context! { action => action, measure => action.terms.measure.name(), fora => fora },
            );
            continue;
        }
        let id = action.id;
        let about = Target::Action(id);
        let announce = may(Kind::RequestAnnouncement, about).is_ok();
        let disagree = may(Kind::FileDisagreement, about).is_ok();
        let reinstatement = match may(Kind::RequestReinstatement, about) {
            Ok(()) => Reinstatement::Now,
            Err(Refusal::TooEarly { earliest }) => Reinstatement::From { earliest },
            Err(_) => Reinstatement::Not,
        };
        let appeals: Vec<_> = state
            .appeals
            .values()
            .filter(|a| a.action == Some(id) && &a.appellant == person)
            .map(|a| {
                let escalate = may(Kind::EscalateAppeal, Target::Appeal(a.id)).is_ok();
                let next = a
                    .current()
                    .and_then(|s| s.level.next())
                    .map(AppealLevel::name);
                let steps: Vec<_> = a
                    .steps
                    .iter()
                    .map(|s| context! { step => s, body => s.level.name() })
                    .collect();
                context! { appeal => a, steps => steps, escalate => escalate, next => next }
            })
            .collect();
        let requests: Vec<_> = state
            .reinstatements
            .values()
            .filter(|r| r.action == id && &r.person == person)
            .collect();
        let failed_here = failed.filter(|f| f.action == id.0);
        in_force.push(context! {
            action => action,
            measure => action.terms.measure.name(),
            suspension => action.terms.measure.is_suspension(),
            fora => fora,
            local_end => action.terms.ends_at.and_then(|end| local(state, person, end)),
            announced => state.announcement_requests.contains(&id),
            announce => announce,
            disagree => disagree,
            reinstatement => reinstatement,
            appeals => appeals,
            requests => requests,
            failed => failed_here.map(|f| context! {
                step => f.step, form => f.form.kept(), problems => &f.problems,
            }),
        });
    }
    let llc_actions: Vec<_> = state
        .llc_actions
        .values()
        .filter(|a| &a.subject == person)
        .filter_map(|a| views::llc_action_for(state, person, a.id))
        .collect();
    // The reports about me that those who handle them wrote to me about
    // (MSG-1), as I may see them (REPORT-5), newest first.
    let written_to: Vec<_> = state
        .reports_about(person)
        .rev()
        .filter(|r| {
            state
                .case_messages
                .get(&r.id)
                .is_some_and(|m| m.iter().any(|m| m.thread == Thread::Person))
        })
        .filter_map(|r| views::report_for(state, person, r.id))
        .map(|view| {
            let category = category_title(state, &view.category);
            let threads = super::case::threads(state, person, view.id, now, None);
            context! { report => view, category => category, threads => threads }
        })
        .collect();
    Ok(context! {
        me => me(state, viewer),
        in_force => in_force,
        past => past,
        llc_actions => llc_actions,
        written_to => written_to,
        done => done,
        ..note_well(state)
    })
}

/// A moment in the person's own time zone, when they have one.
fn local(state: &State, person: &PersonId, at: Timestamp) -> Option<String> {
    let zone = state.people.get(person)?.time_zone.as_deref()?;
    let tz = jiff::tz::TimeZone::get(zone).ok()?;
    Some(format!(
        "{} ({zone})",
        tz.to_datetime(at).strftime("%Y-%m-%d %H:%M")
    ))
}

/// `GET /me`: my status.
pub(super) async fn status(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Done(done): Done,
) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "my_status.html", move |state, now| {
        status_page(state, &viewer, now, None, done)
    })
    .await
}

/// `POST /me/actions/{id}/{announce|disagree|reinstatement}`.
pub(super) async fn about_my_action(
    Extract(app): Extract<App>,
    Path((id, step)): Path<(String, String)>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let action = ActionId(number(&id)?);
    let note_well_seen = form.trimmed("note_well").parse::<u32>().ok();
    let mut problems = Problems::default();
    let (step, command, fields): (&'static str, Command, &[(&str, &'static str)]) =
        match step.as_str() {
            "announce" => ("announce", Command::RequestAnnouncement { action }, &[]),
            "disagree" => {
                problems.required(&form, "grounds");
                let command = Command::FileDisagreement {
                    target: AppealTarget::Action(action),
                    grounds: form.get("grounds").to_owned(),
                    note_well_seen,
                };
                ("disagree", command, &[("grounds", "grounds")])
            }
            "reinstatement" => {
                problems.required(&form, "statement");
                let command = Command::RequestReinstatement {
                    action,
                    statement: form.get("statement").to_owned(),
                };
                ("reinstatement", command, &[("statement", "statement")])
            }
            _ => return Err(WebError::NotFound),
        };
    let problems = if problems.is_empty() {
        let actor = Actor::new(viewer.person.clone(), Capacity::Participant);
        match execute(&app, actor, command).await? {
            Ok(_) => return Ok(see(&format!("/me?done={step}"))),
            Err(refusal) => Problems::refused(&refusal, fields),
        }
    } else {
        problems
    };
    let failed = Failed {
        action: action.0,
        step,
        form,
        problems,
    };
    show(
        &app,
        StatusCode::UNPROCESSABLE_ENTITY,
        "my_status.html",
        move |state, now| status_page(state, &viewer, now, Some(&failed), None),
    )
    .await
}

/// `POST /me/appeals/{id}/escalate`: take my appeal to the next body.
pub(super) async fn escalate_appeal(
    Extract(app): Extract<App>,
    Path(id): Path<String>,
    Posted { viewer, .. }: Posted,
) -> Result<Response, WebError> {
    let appeal = AppealId(number(&id)?);
    let actor = Actor::new(viewer.person.clone(), Capacity::Participant);
    match execute(&app, actor, Command::EscalateAppeal { appeal }).await? {
        Ok(_) => Ok(see("/me?done=escalate-appeal")),
        Err(refusal) => {
            let status = refusal_status(&refusal);
            let problems = Problems::refused(&refusal, &[]);
            show(&app, status, "my_status.html", move |state, now| {
                let failed = Failed {
                    action: state
                        .appeals
                        .get(&appeal)
                        .and_then(|a| a.action)
                        .map_or(0, |a| a.0),
                    step: "escalate",
                    form: Fields::default(),
                    problems,
                };
                status_page(state, &viewer, now, Some(&failed), None)
            })
            .await
        }
    }
}
