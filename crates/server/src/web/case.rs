//! One report, as a case. The page leads with its summary: who it is about,
//! where, what happened, the evidence of the actions citing it with what
//! modpod found at each link (EVIDENCE-1, `views::evidence`) and, for those
//! who handle it, the ladder level the person's history suggests
//! (LADDER-1, `views::suggested_level`). Then the work, for those who handle
//! the report (the forum's administrators and the moderators): who has it
//! and the form to assign it, the steps the policy allows now (acknowledge,
//! review, escalate, resolve, refer to the ombudsteam), and the action
//! form, which offers only the fora and the measures the policy allows this
//! person here (`permits`, and ACT-4's measures named, not offered), and
//! whose refusals come back inline with the requirement's words (ACT-2,
//! ACT-4, ...). Below the work, each in a section of its own: the
//! subject's history across all fora and linked identities (ACT-7, through
//! `views::history`), the case's threads (MSG-1) that the viewer reads
//! (`views::threads`: the person reported and the reporter each their own,
//! those who handle the report all three, each with the form to write in
//! it), the full timeline (`timeline`), and the notifications its events
//! owed and their delivery.

use super::form::{self, Failed, Fields, Problems};
use super::participant::category_title;
use super::queue::handling_capacities;
use super::timeline::{self, Names};
use super::{
    Done, Posted, Viewer, WebError, me, number, permitted, permitted_as, proposed, see,
    show_with_log, submit_recorded,
};
use crate::http::App;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::ids::{ActionId, ForumId, PersonId, ReportId};
use modpod_policy::model::*;
use modpod_policy::views;
use modpod_policy::{Actor, Command, Event, Kind, State, SubjectRef, Target};
use std::collections::{BTreeMap, BTreeSet};

/// The threads of a case that `person` reads (MSG-1, `views::threads`),
/// each with its messages and, where the policy lets them write in it, the
/// capacity its form posts in; the thread whose form came back (`failed`)
/// with what was typed and what was wrong.
pub(super) fn threads(
    state: &State,
    person: &PersonId,
    report: ReportId,
    now: Timestamp,
    failed: Option<&Failed>,
) -> Vec<Value> {
    let Some(r) = state.reports.get(&report) else {
        return Vec::new();
    };
    let mut capacities = state
        .fora
        .get(&r.forum)
        .map(|f| handling_capacities(state, person, f))
        .unwrap_or_default();
    capacities.push(Capacity::Participant);
    let name = |p: &PersonId| {
        state
            .people
            .get(p)
            .map_or_else(|| p.to_string(), |p| p.name.clone())
    };
    views::threads(state, person, report)
        .into_iter()
        .map(|t| {
            let party = views::thread_party(r, t.thread);
            let (title, hint, label) = match (t.thread, party == Some(person)) {
                (Thread::Person | Thread::Reporter, true) => (
                    "Your messages with those who handle the report",
                    "Those who handle the report read what you write here, and are emailed it.",
                    "Write to those who handle the report",
                ),
                (Thread::Person, false) => (
                    "With the person reported",
                    "The person reported reads this thread and is emailed each message; the reporter never sees it.",
                    "Write to the person reported",
                ),
                (Thread::Reporter, false) => (
                    "With the reporter",
                    "The reporter reads this thread and is emailed each message; the person reported never sees it.",
                    "Write to the reporter",
                ),
                (Thread::Team, _) => (
                    "The team's notes",
                    "Only those who handle the report read these notes; nobody is emailed.",
                    "Add a note",
                ),
            };
            let messages: Vec<Value> = t
                .messages
                .iter()
                .map(|m| context! { at => m.at, by => m.by, name => name(&m.by), text => m.text })
                .collect();
            let target = Target::Thread(report, t.thread);
            let post = permitted_as(state, person, &capacities, Kind::PostCaseMessage, target, now);
            let here = failed
                .filter(|f| f.step == "message" && f.form.trimmed("thread") == t.thread.as_str());
            context! {
                thread => t.thread,
                title => title,
                hint => hint,
                label => label,
                messages => messages,
                post => post.map(Capacity::as_str),
                text => here.map(|f| f.form.get("text")),
                problems => here.map(|f| &f.problems),
            }
        })
        .collect()
}

/// The assignment form: who may be given the report (its forum's
/// administrators and, on a public forum, the moderators; never its
/// subject), and the capacity in which the viewer may give it, if the policy
/// lets them.
fn assignment(
    state: &modpod_policy::State,
    person: &PersonId,
    capacities: &[Capacity],
    view: &views::ReportView,
    now: Timestamp,
) -> Option<Value> {
    let forum = state.fora.get(&view.forum)?;
    let mut candidates = state.administrators(forum);
    if forum.public {
        candidates.extend(state.moderators.keys().cloned());
    }
    candidates.remove(&view.subject);
    let capacity = permitted_as(
        state,
        person,
        capacities,
        Kind::AssignReport,
        Target::Report(view.id),
        now,
    )?;
    let candidates: Vec<_> = candidates
        .iter()
        .map(|p| {
            context! {
                id => p,
                name => state.people.get(p).map(|p| p.name.clone()),
            }
        })
        .collect();
    Some(context! { capacity => capacity.as_str(), candidates => candidates })
}

/// The steps a case page may offer, each the kind of command it records.
const STEPS: [(&str, Kind); 5] = [
    ("acknowledge", Kind::AcknowledgeReport),
    ("review", Kind::StartReview),
    ("escalate", Kind::EscalateReport),
    ("resolve", Kind::ResolveReport),
    ("refer", Kind::ReferToOmbudsteam),
];

/// The case page's context. It reads the case's events through the
/// engine's case index and, for those who handle the report, the delivery
/// ledger; everything it shows of them passes through `views`.
fn case_page(
    engine: &mut super::Reading<'_>,
    viewer: &Viewer,
    id: ReportId,
    now: Timestamp,
    sends_notifications: bool,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let view = views::report_for(engine.state(), person, id).ok_or(WebError::NotFound)?;
    let events = engine.case_events(id).map_err(WebError::internal)?;
    let handler = {
        let state = engine.state();
        let forum = state.fora.get(&view.forum).ok_or(WebError::NotFound)?;
        !handling_capacities(state, person, forum).is_empty()
    };
    let hidden = engine.state().reports.get(&id).map(|r| r.reporter.clone());
    let names = Names {
        subject: &view.subject,
        reporter: view.reporter.as_ref(),
        hidden: hidden.as_ref(),
    };
    // Notifications and their delivery are for those who handle the report.
    let notices = if handler {
        let owed: Vec<Notification> = events
            .iter()
            .filter(|(_, e)| timeline::sees(engine.state(), person, e))
            .filter_map(|(_, e)| match e {
                Event::NotificationOwed { notification } => Some(notification.clone()),
                _ => None,
            })
            .collect();
        Some(timeline::notices(engine.store(), &names, &owed)?)
    } else {
        None
    };
    let state = engine.state();
    let forum = state.fora.get(&view.forum).ok_or(WebError::NotFound)?;
    let category = state.categories.iter().find(|c| c.id == view.category);
    let name = |p: &PersonId| state.people.get(p).map(|p| p.name.clone());
    // The evidence of the actions that cite the report, each link with
    // what modpod found there (EVIDENCE-1), as `views::evidence` lets the
    // viewer read it.
    let citing: Vec<&Action> = state.actions_citing(id).collect();
    let evidence: Vec<_> = citing
        .iter()
        .map(|a| (a.id.0, views::evidence(state, person, a)))
        .filter(|(_, e)| !e.is_empty())
        .map(|(action, links)| context! { action => action, links => links })
        .collect();
    let links: Vec<_> = view
        .links
        .iter()
        .flatten()
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
        evidence => evidence,
        timeline => timeline::timeline(state, person, &names, handler, &events),
        notices => notices,
        sends_notifications => sends_notifications,
        deadline => state.reports.get(&view.id).and_then(|r| state.escalates_at(r)),
        threads => threads(state, person, id, now, failed),
        failed => failed.map(|f| f.step.as_str()),
        problems => failed.map(|f| &f.problems),
        done => done,
    };
    let capacities = handling_capacities(state, person, forum);
    if capacities.is_empty() {
        return Ok(base);
    }
    let target = Target::Report(id);
    let steps: BTreeMap<&str, Option<&str>> = STEPS
        .iter()
        .map(|(step, kind)| {
            let capacity = permitted_as(state, person, &capacities, *kind, target, now);
            (*step, capacity.map(Capacity::as_str))
        })
        .collect();
    // The action form, in the capacities the policy lets the viewer act in
    // on this report's subject and forum (ACT-2); else why not, in its words.
    let asked: Vec<_> = capacities
        .iter()
        .map(|c| {
            (
                *c,
                permitted(state, person, *c, Kind::TakeAction, target, now),
            )
        })
        .collect();
    let act: Vec<Capacity> = asked
        .iter()
        .filter(|(_, answer)| answer.is_ok())
        .map(|(c, _)| *c)
        .collect();
    let act_refused = asked
        .first()
        .filter(|_| act.is_empty())
        .and_then(|(_, answer)| answer.as_ref().err())
        .map(|r| format!("Refused ({}): {r}", r.requirement()));
    let assign = assignment(state, person, &capacities, &view, now);
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
    let cited: Vec<u64> = citing.iter().map(|a| a.id.0).collect();
    // Only the fora the policy lets the viewer act on here (ACT-2), in any
    // capacity in which they handle the report.
    let mut open: BTreeSet<ForumId> = BTreeSet::new();
    for c in &act {
        let actor = Actor::new(person.clone(), *c);
        open.extend(modpod_policy::fora_open_to_action(state, &actor, id, now));
    }
    let fora = form::fora_options(open.iter().filter_map(|f| state.fora.get(f)));
    // The team's ladder and the level the person's history suggests
    // (LADDER-1), for a moderator; the team's open proposals about them.
    let team = act.contains(&Capacity::Moderator);
    let suggested = views::suggested_level(state, &view.subject);
    let suggested_level = state.ladder().get(suggested).cloned();
    let ladder: Option<Vec<_>> = team.then(|| {
        state
            .ladder()
            .0
            .iter()
            .map(|l| context! { level => l, suggested => l.level == suggested })
            .collect()
    });
    let proposals: Vec<_> = views::proposals_for(state, person, now)
        .into_iter()
        .filter(|p| p.is_open(now))
        .filter(|p| views::proposal_about(state, &p.change) == Some(&view.subject))
        .map(|p| context! { id => p.id.0, summary => p.change.summary(), waiting_for => p.waiting_for(now) })
        .collect();
    // The report's links are the evidence to start from.
    let defaults = Fields::new(vec![
        ("fora".into(), view.forum.to_string()),
        ("as".into(), capacities[0].as_str().into()),
        (
            "evidence".into(),
            view.links
                .iter()
                .flatten()
                .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ]);
    let (failed_step, form, problems) = match failed {
        Some(f) => (Some(f.step.as_str()), f.form.kept(), Some(&f.problems)),
        None => (None, defaults.kept(), None),
    };
    Ok(context! {
        handler => true,
        assign => assign,
        capacities => capacities.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        act_capacities => act.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        act_refused => act_refused,
        steps => steps,
        history => history,
        identities => identities,
        cited => cited,
        // Only the measures the policy allows: those it puts out of its
        // scope (ACT-4) are named, not offered.
        measures => form::measure_options().into_iter().filter(|m| !m.out_of_scope).collect::<Vec<_>>(),
        outside => form::measure_options().into_iter().filter(|m| m.out_of_scope).map(|m| m.name).collect::<Vec<_>>(),
        suggested => suggested_level,
        fora_options => fora,
        ladder => ladder,
        proposals => proposals,
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
    Done(done): Done,
) -> Result<Response, WebError> {
    let id = ReportId(number(&id)?);
    let sends = app.sends_notifications;
    show_with_log(&app, StatusCode::OK, "case.html", move |engine, now| {
        case_page(engine, &viewer, id, now, sends, None, done)
    })
    .await
}

/// How the policy names the fields of the case page's forms.
const FIELDS: [(&str, &str); 22] = [
    ("level.level", "level"),
    ("level.skip_reason", "skip_reason"),
    ("texts.to_person", "note_to_person"),
    ("texts.to_list", "note_to_list"),
    ("to", "to"),
    ("starts_at", "starts_at"),
    ("evidence", "evidence"),
    ("evidence.url", "evidence"),
    ("evidence.sha256", "evidence"),
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
    ("text", "text"),
    ("thread", "thread"),
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
pub(super) fn command(
    step: &str,
    report: ReportId,
    subject: Option<PersonId>,
    form: &Fields,
    now: Timestamp,
    problems: &mut Problems,
) -> Result<Option<Command>, WebError> {
    Ok(match step {
        "acknowledge" => Some(Command::AcknowledgeReport { report }),
        "review" => Some(Command::StartReview { report }),
        "escalate" => Some(Command::EscalateReport { report }),
        "resolve" => {
            resolution(form, problems).map(|outcome| Command::ResolveReport { report, outcome })
        }
        "assign" => {
            let to = match form.trimmed("to") {
                "" => None,
                to => match PersonId::parse(to) {
                    Ok(to) => Some(to),
                    Err(_) => {
                        problems.field("to", "Choose who takes the report on.");
                        return Ok(None);
                    }
                },
            };
            Some(Command::AssignReport { report, to })
        }
        "refer" => {
            problems.required(form, "note");
            Some(Command::ReferToOmbudsteam {
                report,
                note: form.get("note").to_owned(),
            })
        }
        "message" => {
            problems.required(form, "text");
            let thread = match form.trimmed("thread") {
                "person" => Thread::Person,
                "reporter" => Thread::Reporter,
                "team" => Thread::Team,
                _ => {
                    problems.field("thread", "Choose a thread.");
                    return Ok(None);
                }
            };
            Some(Command::PostCaseMessage {
                report,
                thread,
                text: form.get("text").to_owned(),
            })
        }
        "act" => {
            let subject = subject.ok_or(WebError::NotFound)?;
            let measure = form::measure(form, problems);
            let starts_at = form::starts_at(form, now, problems);
            // Days are counted from the start.
            let from = starts_at.ok().flatten().unwrap_or(now);
            let ends_at = form::ends_at(form, from, problems);
            let fora = form::fora(form, problems);
            let evidence = form::evidence(form, problems);
            problems.required(form, "reason");
            // The team's ladder (LADDER-1), for a moderator; the notes to
            // the person and the list, for anyone.
            let level = match (form.get("as"), form.trimmed("level")) {
                ("moderator", level) if !level.is_empty() => match level.parse::<u8>() {
                    Ok(level) => Some(LevelStep {
                        level,
                        skip_reason: Some(form.trimmed("skip_reason"))
                            .filter(|r| !r.is_empty())
                            .map(str::to_owned),
                    }),
                    Err(_) => {
                        problems.field("level", "Choose a level of the ladder.");
                        None
                    }
                },
                _ => None,
            };
            let note = |name: &str| {
                Some(form.trimmed(name))
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
            };
            let texts = Texts {
                to_person: note("note_to_person"),
                to_list: note("note_to_list"),
            };
            match (measure, starts_at, ends_at) {
                (Some(measure), Ok(starts_at), Ok(ends_at)) => Some(Command::TakeAction {
                    level,
                    texts: (!texts.is_empty()).then_some(texts),
                    subject: SubjectRef::Person { person: subject },
                    measure,
                    fora,
                    reason: form.get("reason").to_owned(),
                    reports: vec![report],
                    evidence,
                    starts_at,
                    ends_at,
                    spam: form.get("spam") == "on",
                }),
                _ => None,
            }
        }
        _ => return Err(WebError::NotFound),
    })
}

/// Where the browser goes once a form of the case page is recorded: back to
/// the case, at the thread written in; or to the participant's page the
/// form was on (`back`), one of a fixed few, never an address from the form.
fn after(report: ReportId, step: &str, form: &Fields) -> String {
    let thread = form.trimmed("thread");
    match (step, form.trimmed("back")) {
        ("message", "me") => format!("/me?done={step}"),
        ("message", "me-reports") => format!("/me/reports?done={step}"),
        ("message", _) if ["person", "reporter", "team"].contains(&thread) => {
            format!("/cases/{}?done={step}#thread-{thread}", report.0)
        }
        _ => format!("/cases/{}?done={step}", report.0),
    }
}

/// `POST /cases/{id}/{acknowledge|review|escalate|assign|resolve|refer|act|message}`.
pub(super) async fn step(
    Extract(app): Extract<App>,
    Path((id, step)): Path<(String, String)>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let report = ReportId(number(&id)?);
    let subject = {
        let person = viewer.person.clone();
        app.read(move |view| Ok(views::report_for(&view.state, &person, report).map(|v| v.subject)))
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
    let built = capacity.zip(command);
    let problems = match submit_recorded(&app, &viewer.person, built, problems, &FIELDS).await? {
        Ok(recorded) if proposed(&recorded) => {
            return Ok(see(&format!("/cases/{}?done=proposed", report.0)));
        }
        Ok(recorded) if step == "act" && form.get("resolve") == "on" => {
            // One step: the action, then the report resolved by it, in the
            // same capacity; a resolution the policy refuses leaves the
            // action recorded and the report open, as the page then shows.
            let resolved = match (recorded.action(), capacity) {
                (Some(action), Some(capacity)) => {
                    let resolve = Command::ResolveReport {
                        report,
                        outcome: ReportOutcome::ActionTaken { action },
                    };
                    let actor = Actor::new(viewer.person.clone(), capacity);
                    crate::http::commands::execute(&app, actor, resolve)
                        .await?
                        .is_ok()
                }
                _ => false,
            };
            let done = if resolved { "act-resolve" } else { "act" };
            return Ok(see(&format!("/cases/{}?done={done}", report.0)));
        }
        Ok(_) => return Ok(see(&after(report, &step, &form))),
        Err(failed) => failed,
    };
    let (status, problems) = problems;
    let failed = Failed {
        step,
        form,
        problems,
    };
    let sends = app.sends_notifications;
    show_with_log(&app, status, "case.html", move |engine, now| {
        case_page(engine, &viewer, report, now, sends, Some(&failed), None)
    })
    .await
}
