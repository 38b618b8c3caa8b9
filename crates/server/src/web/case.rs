//! One report, as a case: the report as `views::report_for` shows it to the
//! viewer, its timeline, and for those who handle it (the forum's
//! administrators and the moderators) the subject's history across all fora
//! and linked identities (ACT-7, through `views::history`), the steps the
//! policy allows now (acknowledge, review, escalate, resolve, refer to the
//! ombudsteam), and the action form, whose refusals come back inline with the
//! requirement's words (ACT-2, ACT-4, ...).

use super::form::{self, Fields, Problems};
use super::participant::category_title;
use super::queue::handling_capacities;
use super::{
    NOT_YET_TYPED, Posted, Viewer, WebError, allowed_as, done_message, me, number, record, see,
    show,
};
use crate::http::App;
use axum::extract::{Path, Query, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::ids::{ActionId, PersonId, ReportId};
use modpod_policy::model::*;
use modpod_policy::views::{self, ReportView};
use modpod_policy::{Actor, Command, State, SubjectRef};
use serde::Serialize;
use std::collections::BTreeMap;

/// One line of a case's timeline.
#[derive(Serialize)]
struct Entry {
    at: Option<Timestamp>,
    what: String,
}

/// Who a notification about the report goes to, named only as far as the
/// viewer's view of the report names people: a reporter hidden from the
/// viewer stays hidden here too.
fn recipient(view: &ReportView, to: &Recipient) -> String {
    match to {
        Recipient::Person { person } if view.reporter.as_ref() == Some(person) => {
            format!("the reporter, {person}")
        }
        Recipient::Person { person } if *person == view.subject => {
            format!("the subject, {person}")
        }
        Recipient::Person { .. } => "a person".into(),
        Recipient::ModeratorTeam => "the moderator team".into(),
        Recipient::ForumAdministrators { forum } => format!("the administrators of {forum}"),
        Recipient::Forum { forum } => format!("the forum {forum}"),
        Recipient::CommunityChannel => "the community channel".into(),
        Recipient::Iesg => "the IESG".into(),
        Recipient::Iab => "the IAB".into(),
        Recipient::IetfChair => "the IETF chair".into(),
        Recipient::LlcBoard => "the IETF LLC board".into(),
        Recipient::Ombudsteam => "the ombudsteam".into(),
    }
}

fn outcome(outcome: &ReportOutcome) -> String {
    match outcome {
        ReportOutcome::ActionTaken { action } => format!("action taken ({action})"),
        ReportOutcome::NoActionNeeded => "no action needed".into(),
        ReportOutcome::NotDisruptive => "not disruptive".into(),
        ReportOutcome::Duplicate { of } => format!("a duplicate of {of}"),
        ReportOutcome::ReferredElsewhere => "referred elsewhere".into(),
    }
}

/// The case's timeline, from what the state keeps: each step with its time
/// where the state has one.
fn timeline(state: &State, view: &ReportView) -> Vec<Entry> {
    let id = view.id;
    let mut entries = vec![Entry {
        at: Some(view.filed_at),
        what: match &view.reporter {
            Some(reporter) => format!("Filed by {reporter}"),
            None => "Filed".into(),
        },
    }];
    if let Some(at) = view.acknowledged_at {
        entries.push(Entry {
            at: Some(at),
            what: "Acknowledged; the reporter is told (REPORT-3)".into(),
        });
    }
    if let Some(at) = view.escalated_at {
        entries.push(Entry {
            at: Some(at),
            what: "Escalated to the moderators (REPORT-4)".into(),
        });
    }
    for action in state.actions.values().filter(|a| a.reports.contains(&id)) {
        entries.push(Entry {
            at: Some(action.taken_at),
            what: format!(
                "Action #{}: {} by {} as {}",
                action.id.0,
                action.terms.measure.name(),
                action.taken_by,
                action.taken_as
            ),
        });
        for amendment in &action.amendments {
            entries.push(Entry {
                at: Some(amendment.at),
                what: format!(
                    "Action #{} amended by {}: {}",
                    action.id.0, amendment.by, amendment.reason
                ),
            });
        }
        match &action.status {
            ActionStatus::Rescinded { at, by, .. } => entries.push(Entry {
                at: Some(*at),
                what: format!("Action #{} rescinded by {by}", action.id.0),
            }),
            ActionStatus::Expired { at } => entries.push(Entry {
                at: Some(*at),
                what: format!("Action #{} ended", action.id.0),
            }),
            ActionStatus::InForce => {}
        }
    }
    entries.sort_by_key(|e| e.at);
    if state.referrals.values().any(|r| *r == id) {
        entries.push(Entry {
            at: None,
            what: "Referred to the ombudsteam (OMBUDS-1)".into(),
        });
    }
    for n in state
        .notifications
        .values()
        .filter(|n| n.about == Subject::Report(id))
    {
        entries.push(Entry {
            at: None,
            what: format!(
                "Notification owed to {} ({})",
                recipient(view, &n.to),
                n.requirement
            ),
        });
    }
    if let ReportState::Resolved { outcome: o } = &view.state {
        entries.push(Entry {
            at: None,
            what: format!("Resolved: {}", outcome(o)),
        });
    }
    entries
}

/// A form of the case page that came back with problems.
pub(super) struct Failed {
    step: String,
    form: Fields,
    problems: Problems,
}

/// The steps a case page may offer, with the command the policy is asked
/// about for each (free text not typed yet stands in as [`NOT_YET_TYPED`]).
fn step_command(step: &str, report: ReportId) -> Option<Command> {
    Some(match step {
        "acknowledge" => Command::AcknowledgeReport { report },
        "review" => Command::StartReview { report },
        "escalate" => Command::EscalateReport { report },
        "resolve" => Command::ResolveReport {
            report,
            outcome: ReportOutcome::NoActionNeeded,
        },
        "refer" => Command::ReferToOmbudsteam {
            report,
            note: NOT_YET_TYPED.into(),
        },
        _ => return None,
    })
}

const STEPS: [&str; 5] = ["acknowledge", "review", "escalate", "resolve", "refer"];

fn case_page(
    state: &State,
    viewer: &Viewer,
    id: ReportId,
    now: Timestamp,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let view = views::report_for(state, person, id).ok_or(WebError::NotFound)?;
    let forum = state.fora.get(&view.forum).ok_or(WebError::NotFound)?;
    let category = state.categories.iter().find(|c| c.id == view.category);
    let name = |p: &PersonId| state.people.get(p).map(|p| p.name.clone());
    let links: Vec<_> = view
        .links
        .iter()
        .map(|l| context! { url => l, safe => l.starts_with("https://") || l.starts_with("http://") })
        .collect();
    let base = context! {
        me => me(state, viewer),
        report => &view,
        forum => forum,
        category => category,
        category_title => category_title(state, &view.category),
        subject_name => name(&view.subject),
        reporter_name => view.reporter.as_ref().and_then(name),
        links => links,
        timeline => timeline(state, &view),
        deadline => modpod_policy::time::add_seconds(
            view.filed_at,
            i64::from(state.settings.escalation_hours) * 3600,
        ),
        done => done,
    };
    let capacities = handling_capacities(state, person, forum);
    if capacities.is_empty() {
        return Ok(base);
    }
    let steps: BTreeMap<&str, Option<&str>> = STEPS
        .iter()
        .filter_map(|step| {
            let command = step_command(step, id)?;
            Some((
                *step,
                allowed_as(state, person, &capacities, &command, now).map(Capacity::as_str),
            ))
        })
        .collect();
    let history = capacities
        .iter()
        .find_map(|c| views::history(state, &Actor::new(person.clone(), *c), &view.subject).ok());
    let identities = history
        .as_ref()
        .and(state.people.get(&view.subject))
        .map(|p| {
            p.identities
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        });
    let history: Option<Vec<_>> = history.map(|actions| {
        actions
            .into_iter()
            .rev()
            .map(|a| context! { action => a, measure => a.terms.measure.name() })
            .collect()
    });
    let cited: Vec<u64> = state
        .actions
        .values()
        .filter(|a| a.reports.contains(&id))
        .map(|a| a.id.0)
        .collect();
    let fora: Vec<_> = state
        .fora
        .values()
        .filter(|f| state.policy_applies(f) && (f.public || state.is_administrator(person, f)))
        .map(|f| context! { id => f.id, name => f.name })
        .collect();
    let defaults = Fields::new(vec![
        ("fora".into(), view.forum.to_string()),
        ("as".into(), capacities[0].as_str().into()),
    ]);
    let (failed_step, form, problems) = match failed {
        Some(f) => (Some(f.step.as_str()), f.form.kept(), Some(&f.problems)),
        None => (None, defaults.kept(), None),
    };
    Ok(context! {
        handler => true,
        capacities => capacities.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        steps => steps,
        history => history,
        identities => identities,
        cited => cited,
        measures => form::measure_options(),
        fora_options => fora,
        failed => failed_step,
        form => form,
        problems => problems,
        ..base
    })
}

/// `GET /cases/{id}`.
pub(super) async fn page(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let id = ReportId(number(&id)?);
    let done = query.get("done").and_then(|d| done_message(d));
    show(&app, StatusCode::OK, "case.html", move |state, now| {
        case_page(state, &viewer, id, now, None, done)
    })
    .await
}

/// How the policy names the fields of the case page's forms.
const FIELDS: [(&str, &str); 11] = [
    ("measure", "measure"),
    ("measure.description", "description"),
    ("fora", "fora"),
    ("forum", "fora"),
    ("ends_at", "days"),
    ("reason", "reason"),
    ("note", "note"),
    ("action", "action"),
    ("outcome", "outcome"),
    ("report", "of"),
    ("reports", "reason"),
];

/// The resolution chosen in the resolve form.
fn resolution(form: &Fields, problems: &mut Problems) -> Option<ReportOutcome> {
    let number = |name: &'static str, problems: &mut Problems| {
        let n = form
            .trimmed(name)
            .trim_start_matches('#')
            .parse::<u64>()
            .ok();
        if n.is_none() {
            problems.field(name, "Give the record's number.");
        }
        n
    };
    Some(match form.trimmed("outcome") {
        "no_action_needed" => ReportOutcome::NoActionNeeded,
        "not_disruptive" => ReportOutcome::NotDisruptive,
        "referred_elsewhere" => ReportOutcome::ReferredElsewhere,
        "action_taken" => ReportOutcome::ActionTaken {
            action: ActionId(number("action", problems)?),
        },
        "duplicate" => ReportOutcome::Duplicate {
            of: ReportId(number("of", problems)?),
        },
        _ => {
            problems.field("outcome", "Choose how the report ended.");
            return None;
        }
    })
}

/// The command a case form asks for, or what is wrong with the form.
fn command(
    step: &str,
    report: ReportId,
    subject: Option<PersonId>,
    form: &Fields,
    now: Timestamp,
    problems: &mut Problems,
) -> Result<Option<Command>, WebError> {
    Ok(match step {
        "acknowledge" | "review" | "escalate" => step_command(step, report),
        "resolve" => {
            resolution(form, problems).map(|outcome| Command::ResolveReport { report, outcome })
        }
        "refer" => {
            problems.required(form, "note");
            Some(Command::ReferToOmbudsteam {
                report,
                note: form.get("note").to_owned(),
            })
        }
        "act" => {
            let subject = subject.ok_or(WebError::NotFound)?;
            let measure = form::measure(form, problems);
            let ends_at = form::ends_at(form, now, problems);
            let fora = form::fora(form, problems);
            problems.required(form, "reason");
            match (measure, ends_at) {
                (Some(measure), Ok(ends_at)) => Some(Command::TakeAction {
                    subject: SubjectRef::Person { person: subject },
                    measure,
                    fora,
                    reason: form.get("reason").to_owned(),
                    reports: vec![report],
                    evidence: Vec::new(),
                    starts_at: None,
                    ends_at,
                    spam: form.get("spam") == "on",
                }),
                _ => None,
            }
        }
        _ => return Err(WebError::NotFound),
    })
}

/// `POST /cases/{id}/{acknowledge|review|escalate|resolve|refer|act}`.
pub(super) async fn step(
    Extract(app): Extract<App>,
    Path((id, step)): Path<(String, String)>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let report = ReportId(number(&id)?);
    let subject = {
        let person = viewer.person.clone();
        app.blocking(move |engine| {
            Ok(views::report_for(engine.state(), &person, report).map(|v| v.subject))
        })
        .await?
    };
    let Some(subject) = subject else {
        return Err(WebError::NotFound);
    };
    let mut problems = Problems::default();
    let capacity = form::capacity(&form, &mut problems);
    let command = command(
        &step,
        report,
        Some(subject),
        &form,
        jiff::Timestamp::now(),
        &mut problems,
    )?;
    let (status, problems) = match (capacity, command, problems.is_empty()) {
        (Some(capacity), Some(command), true) => {
            match record(&app, &viewer.person, capacity, command, &FIELDS).await? {
                None => return Ok(see(&format!("/cases/{}?done={step}", report.0))),
                Some(failed) => failed,
            }
        }
        _ => (StatusCode::UNPROCESSABLE_ENTITY, problems),
    };
    let failed = Failed {
        step,
        form,
        problems,
    };
    show(&app, status, "case.html", move |state, now| {
        case_page(state, &viewer, report, now, Some(&failed), None)
    })
    .await
}
