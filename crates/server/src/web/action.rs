//! One action, for those `views::may_see_action` lets see it: its terms,
//! reason, who took it and under which procedures (ACT-6), its amendments,
//! consultations and appeals; for those who see it as officials (anyone but
//! its subject) the notifications it owed and their delivery (NOTIFY-6); and
//! for those the policy lets change it, the forms to consult the moderator
//! team, amend or rescind it (ACT-3).

use super::form::{self, Failed, Fields, Problems};
use super::timeline::{self, Names};
use super::{
    Done, Posted, Viewer, WebError, me, number, permitted, permitted_as, proposed, see,
    show_with_log, submit_recorded,
};
use crate::enforcement::ForumSoftware;
use crate::http::App;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use minijinja::{Value, context};
use modpod_policy::ids::{ActionId, ForumId, PersonId};
use modpod_policy::model::*;
use modpod_policy::{Command, State, views};
use modpod_policy::{Kind, Target};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The capacities in which an action may be changed (ACT-3, APPEAL-3).
const CHANGERS: [Capacity; 3] = [Capacity::Administrator, Capacity::Moderator, Capacity::Iesg];

/// The notifications about the action, its appeals and its reinstatement
/// requests, with their delivery; `None` for its subject, who is told what
/// concerns them by the notifications themselves.
fn action_notices(
    engine: &mut super::Reading<'_>,
    person: &PersonId,
    id: ActionId,
) -> Result<Option<Vec<timeline::Notice>>, WebError> {
    let state = engine.state();
    let Some(action) = state.actions.get(&id) else {
        return Ok(None);
    };
    if &action.subject == person || !views::may_see_action(state, person, action) {
        return Ok(None);
    }
    let owed: Vec<Notification> = state.notifications_about_action(id).cloned().collect();
    let subject = action.subject.clone();
    let names = Names {
        subject: &subject,
        reporter: None,
        hidden: None,
    };
    timeline::notices(engine.store(), &names, &owed).map(Some)
}

/// How the action stands on each of its fora (ACT-8): on forum software
/// modpod drives, whether what it asks for is applied (the adapter's ledger),
/// still pending, or drifted (removed by hand since, re-applied or left as it
/// is: the drift the adapter recorded), or enforced post by post by
/// software there that asks the decision API (a module of it); elsewhere,
/// that the decision index applies it. `None` for its subject.
fn enforcement(
    engine: &mut super::Reading<'_>,
    person: &PersonId,
    id: ActionId,
    software: &[Arc<dyn ForumSoftware>],
    now: Timestamp,
) -> Result<Option<Vec<Value>>, WebError> {
    // Each forum of the action, with the software that drives it and its
    // place there.
    let driven: Vec<(ForumId, Option<(usize, String)>)> = {
        let state = engine.state();
        let Some(action) = state.actions.get(&id) else {
            return Ok(None);
        };
        if &action.subject == person || !views::may_see_action(state, person, action) {
            return Ok(None);
        }
        action
            .terms
            .fora
            .iter()
            .map(|forum| {
                let place = state.fora.get(forum).and_then(|f| {
                    software.iter().enumerate().find_map(|(i, sw)| {
                        let place = sw.place(f).filter(|p| sw.enforces(p, action))?;
                        Some((i, place))
                    })
                });
                (forum.clone(), place)
            })
            .collect()
    };
    // The ledger and the drift of each place concerned.
    let mut ledger: BTreeMap<usize, BTreeSet<(String, String, String)>> = BTreeMap::new();
    let mut drift: BTreeMap<(usize, String), Vec<modpod_store::Drifted>> = BTreeMap::new();
    for (_, place) in &driven {
        let Some((i, place)) = place else { continue };
        let sw = &software[*i];
        if !ledger.contains_key(i) {
            let entries = engine
                .store()
                .enforced(sw.target())
                .map_err(WebError::internal)?;
            ledger.insert(
                *i,
                entries
                    .into_iter()
                    .map(|e| (e.place, e.kind, e.account))
                    .collect(),
            );
        }
        let records = engine
            .store()
            .drifts(sw.target(), place)
            .map_err(WebError::internal)?;
        drift.insert((*i, place.to_string()), records);
    }
    let state = engine.state();
    let Some(action) = state.actions.get(&id) else {
        return Ok(None);
    };
    let accounts: BTreeSet<&str> = state
        .people
        .get(&action.subject)
        .map(|p| p.identities.iter().map(|i| i.value.as_str()).collect())
        .unwrap_or_default();
    let nothing = BTreeSet::new();
    let rows = driven
        .iter()
        .map(|(forum, place)| {
            let kind = state.fora.get(forum).map(|f| f.kind.clone());
            let Some((i, place)) = place else {
                // Mailing lists are enforced by the decision index (the Postfix
                // policy server); other kinds with no adapter are only recorded.
                let by_index = kind.as_deref() == Some("mailing-list");
                return context! { forum => forum, kind => kind, by_index => by_index };
            };
            let sw = &software[*i];
            let ledger = ledger.get(i).unwrap_or(&nothing);
            let changes: Vec<Value> = sw
                .wanted(state, place, now)
                .into_iter()
                .filter(|(_, by)| *by == id)
                .map(|(change, _)| {
                    let in_ledger = ledger.contains(&(
                        place.clone(),
                        change.kind.clone(),
                        change.account.clone(),
                    ));
                    // Drift counts only for what the ledger holds as applied.
                    let records = drift.get(&(*i, place.clone()));
                    let drifted = in_ledger
                        .then(|| sw.drifted(records.map_or(&[], Vec::as_slice), &change))
                        .flatten();
                    let applied = in_ledger && drifted.as_ref().is_none_or(|d| d.reapplied);
                    let drifted = drifted.map(|d| {
                        context! { seen => d.seen.to_string(), reapplied => d.reapplied }
                    });
                    context! {
                        kind => change.kind,
                        account => change.account,
                        applied => applied,
                        drifted => drifted,
                    }
                })
                .collect();
            let attr = |c: &Value, name: &str| c.get_attr(name).is_ok_and(|a| a.is_true());
            let applied = changes.iter().filter(|c| attr(c, "applied")).count();
            let left_drifted = changes
                .iter()
                .any(|c| attr(c, "drifted") && !attr(c, "applied"));
            // What modpod applied for the person here and no longer wants.
            let to_lift = changes.is_empty()
                && ledger
                    .iter()
                    .any(|(p, _, account)| p == place && accounts.contains(account.as_str()));
            let settled = !to_lift && applied == changes.len();
            // What it sets nothing for, but software on its side enforces
            // post by post, asking the decision API (a rate limit in a
            // Matrix room, by modpod's Synapse module).
            let by = (changes.is_empty() && !to_lift)
                .then(|| sw.at_send(forum, id, now))
                .flatten();
            // Why it is not in place yet, when the worker knows.
            let trouble = (!settled).then(|| sw.trouble(place)).flatten();
            let refused = trouble.as_deref().is_some_and(|t| t.starts_with("refused"));
            let stands = if refused {
                "failed"
            } else if to_lift {
                "pending: to be lifted"
            } else if by.is_some() {
                "enforced at each post"
            } else if changes.is_empty() {
                "nothing to apply there now"
            } else if left_drifted {
                "drifted"
            } else if settled {
                "applied"
            } else {
                "pending"
            };
            context! {
                forum => forum,
                software => sw.name(),
                noun => sw.place_noun(place),
                place => place,
                stands => stands,
                by => by,
                trouble => trouble,
                changes => changes,
                drift_setting => sw.drift_setting(),
            }
        })
        .collect();
    Ok(Some(rows))
}

/// The work beyond the log that the page reports on: whether notifications
/// are sent, and the forum software modpod drives.
struct Effects {
    sends_notifications: bool,
    software: Vec<Arc<dyn ForumSoftware>>,
}

impl Effects {
    fn of(app: &App) -> Effects {
        Effects {
            sends_notifications: app.sends_notifications,
            software: app.forum_software.clone(),
        }
    }
}

fn action_page(
    engine: &mut super::Reading<'_>,
    viewer: &Viewer,
    id: ActionId,
    now: Timestamp,
    effects: &Effects,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let notices = action_notices(engine, person, id)?;
    let enforcement = enforcement(engine, person, id, &effects.software, now)?;
    let state: &State = engine.state();
    let action = state
        .actions
        .get(&id)
        .filter(|a| views::may_see_action(state, person, a))
        .map(|a| views::action_as_seen_by(person, a))
        .ok_or(WebError::NotFound)?;
    let action = &action;
    let reports: Vec<_> = action
        .reports
        .iter()
        .map(|r| context! { id => r.0, visible => views::report_for(state, person, *r).is_some() })
        .collect();
    let appeals: Vec<_> = state
        .appeals
        .values()
        .filter(|a| a.action == Some(id) && views::may_see_appeal(state, person, a))
        .map(|a| {
            let steps: Vec<_> = a
                .steps
                .iter()
                .map(|s| context! { step => s, body => s.level.name() })
                .collect();
            context! { appeal => a, steps => steps }
        })
        .collect();
    let target = Target::Action(id);
    let rescind = permitted_as(state, person, &CHANGERS, Kind::RescindAction, target, now);
    let amend = permitted_as(state, person, &CHANGERS, Kind::AmendAction, target, now);
    // An administrator who must consult the moderator team first is told
    // so in the policy's words, beside the consultation form (ACT-3).
    let consult = permitted(
        state,
        person,
        Capacity::Administrator,
        Kind::ConsultModerators,
        target,
        now,
    )
    .is_ok();
    // A moderator answers each consultation still waiting for the team.
    let answerable: Vec<usize> = (0..action.consultations.len())
        .filter(|n| {
            let consultation = Target::Consultation(id, *n);
            permitted(
                state,
                person,
                Capacity::Moderator,
                Kind::AnswerConsultation,
                consultation,
                now,
            )
            .is_ok()
        })
        .collect();
    let consult_first = (rescind.is_none() && consult)
        .then(|| {
            permitted(
                state,
                person,
                Capacity::Administrator,
                Kind::RescindAction,
                target,
                now,
            )
            .err()
        })
        .flatten()
        .filter(|r| r.requirement() == modpod_policy::Requirement::Act3)
        .map(|r| r.to_string());
    // The amendment form's choice of fora, only for those it is shown to.
    let fora = form::fora_options(state.fora.values().filter(|f| {
        amend.is_some()
            && state.policy_applies(f)
            && (f.public || state.is_administrator(person, f))
    }));
    let mut defaults = vec![("measure".to_owned(), action.terms.measure.kind().to_owned())];
    defaults.extend(
        action
            .terms
            .fora
            .iter()
            .map(|f| ("fora".to_owned(), f.to_string())),
    );
    if let Measure::RateLimit { posts, per_seconds } = &action.terms.measure {
        defaults.push(("posts".into(), posts.to_string()));
        defaults.push(("per_seconds".into(), per_seconds.to_string()));
    }
    if let Some(end) = action.terms.ends_at {
        defaults.push(("ends_at".into(), end.strftime("%Y-%m-%dT%H:%M").to_string()));
    }
    let (failed_step, form, problems) = match failed {
        Some(f) => (Some(f.step.as_str()), f.form.kept(), Some(&f.problems)),
        None => (None, Fields::new(defaults).kept(), None),
    };
    Ok(context! {
        me => me(state, viewer),
        action => action,
        measure => action.terms.measure.name(),
        subject_name => state.people.get(&action.subject).map(|p| &p.name),
        reports => reports,
        evidence => views::evidence(state, person, action),
        appeals => appeals,
        announced => state.announcement_requests.contains(&id),
        rescind => rescind.map(Capacity::as_str),
        amend => amend.map(Capacity::as_str),
        cooling_until => action.cooling_until(now).map(|t| t.to_string()),
        consult => consult,
        consult_first => consult_first,
        answerable => answerable,
        measures => form::measure_options(),
        fora_options => fora,
        failed => failed_step,
        form => form,
        problems => problems,
        done => done,
        notices => notices,
        sends_notifications => effects.sends_notifications,
        enforcement => enforcement,
    })
}

/// `GET /actions/{id}`.
pub(super) async fn page(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Path(id): Path<String>,
    Done(done): Done,
) -> Result<Response, WebError> {
    let id = ActionId(number(&id)?);
    let effects = Effects::of(&app);
    show_with_log(&app, StatusCode::OK, "action.html", move |engine, now| {
        action_page(engine, &viewer, id, now, &effects, None, done)
    })
    .await
}

const FIELDS: [(&str, &str); 9] = [
    ("until", "hours"),
    ("measure", "measure"),
    ("measure.description", "description"),
    ("fora", "fora"),
    ("ends_at", "days"),
    ("reason", "reason"),
    ("note", "note"),
    ("answer", "answer"),
    ("consultation", "answer"),
];

/// The longest cool-down the page asks for, in hours (GitHub's longest
/// interaction limit, six months).
const MAX_COOL_DOWN_HOURS: i64 = 24 * 183;

/// `POST /actions/{id}/{rescind|amend|consult|answer|cool-down}`.
pub(super) async fn step(
    Extract(app): Extract<App>,
    Path((id, step)): Path<(String, String)>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let action = ActionId(number(&id)?);
    let mut problems = Problems::default();
    let now = Timestamp::now();
    let (capacity, command) = match step.as_str() {
        "rescind" => {
            problems.required(&form, "reason");
            let command = Command::RescindAction {
                action,
                reason: form.get("reason").to_owned(),
            };
            (form::capacity(&form, &mut problems), Some(command))
        }
        "amend" => {
            problems.required(&form, "reason");
            let measure = form::measure(&form, &mut problems);
            let ends_at = form::ends_at(&form, now, &mut problems);
            let fora = form::fora(&form, &mut problems);
            let command = match (measure, ends_at) {
                (Some(measure), Ok(ends_at)) => Some(Command::AmendAction {
                    action,
                    terms: TermsChange {
                        measure,
                        fora,
                        ends_at,
                    },
                    reason: form.get("reason").to_owned(),
                }),
                _ => None,
            };
            (form::capacity(&form, &mut problems), command)
        }
        "cool-down" => {
            problems.required(&form, "reason");
            // No hours: the cool-down ends now.
            let hours = form.trimmed("hours");
            let until = if hours.is_empty() {
                Some(None)
            } else {
                match hours.parse::<i64>() {
                    Ok(h) if (1..=MAX_COOL_DOWN_HOURS).contains(&h) => {
                        Some(Some(now + SignedDuration::from_hours(h)))
                    }
                    _ => {
                        problems.field(
                            "hours",
                            format!(
                                "Give a whole number of hours, from 1 to {MAX_COOL_DOWN_HOURS}, or none to end the cool-down."
                            ),
                        );
                        None
                    }
                }
            };
            let command = until.map(|until| Command::SetCoolDown {
                action,
                until,
                reason: form.get("reason").to_owned(),
            });
            (form::capacity(&form, &mut problems), command)
        }
        "consult" => {
            problems.required(&form, "note");
            let command = Command::ConsultModerators {
                action,
                note: form.get("note").to_owned(),
            };
            (Some(Capacity::Administrator), Some(command))
        }
        "answer" => {
            problems.required(&form, "answer");
            let consultation = form.trimmed("consultation").parse::<usize>().ok();
            let command = consultation.map(|consultation| Command::AnswerConsultation {
                action,
                consultation,
                answer: form.get("answer").to_owned(),
            });
            (Some(Capacity::Moderator), command)
        }
        _ => return Err(WebError::NotFound),
    };
    let built = capacity.zip(command);
    let (status, problems) =
        match submit_recorded(&app, &viewer.person, built, problems, &FIELDS).await? {
            Ok(recorded) => {
                let done = if proposed(&recorded) {
                    "proposed"
                } else {
                    step.as_str()
                };
                return Ok(see(&format!("/actions/{}?done={done}", action.0)));
            }
            Err(failed) => failed,
        };
    let failed = Failed {
        step,
        form,
        problems,
    };
    let effects = Effects::of(&app);
    show_with_log(&app, status, "action.html", move |engine, now| {
        action_page(engine, &viewer, action, now, &effects, Some(&failed), None)
    })
    .await
}
