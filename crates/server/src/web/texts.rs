//! The notifications' texts (TEMPLATE-1): the moderator team reads every
//! text modpod sends, drafts new versions with a preview, and vets each
//! other's drafts; a draft is used once another moderator approved it
//! (TEAM-5). Every notification record names the version it was written
//! from. Only the moderators read these pages.

use super::form::{Fields, Problems};
use super::{Done, Posted, Viewer, WebError, me, permitted, see, show, submit};
use crate::http::App;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_notify::{Rendered, Templates};
use modpod_policy::ids::PersonId;
use modpod_policy::model::{Capacity, LEVEL_AUDIENCES, TemplateHistory, level_template};
use modpod_policy::{Command, Kind, State, Target};
use std::collections::BTreeSet;

fn name_of(state: &State, p: &PersonId) -> String {
    state
        .people
        .get(p)
        .map_or_else(|| p.to_string(), |x| x.name.clone())
}

/// Every name the team may write: each notification's, and each level's of
/// the ladder in force for the person and the list.
fn names(state: &State, templates: &Templates) -> Vec<String> {
    let mut all: BTreeSet<String> = templates.names().into_iter().collect();
    for level in &state.ladder().0 {
        for audience in LEVEL_AUDIENCES {
            all.insert(level_template(level.level, audience));
        }
    }
    all.extend(state.templates.keys().cloned());
    all.into_iter().collect()
}

/// The texts drafts are checked against, which the engine checks them
/// against too.
fn templates_of(app: &App) -> Result<std::sync::Arc<Templates>, WebError> {
    app.templates
        .clone()
        .ok_or_else(|| WebError::internal("the notification texts could not be loaded"))
}

/// `GET /texts`: every text, the version in use and the drafts waiting.
pub(super) async fn list(Extract(app): Extract<App>, viewer: Viewer) -> Result<Response, WebError> {
    let templates = templates_of(&app)?;
    show(&app, StatusCode::OK, "texts.html", move |state, _| {
        if !state.is_moderator(&viewer.person) {
            return Err(WebError::NotFound);
        }
        let rows: Vec<Value> = names(state, &templates)
            .into_iter()
            .map(|name| {
                let history = state.templates.get(&name);
                let current = history.and_then(|h| h.version(h.current));
                context! {
                    name => name,
                    version => history.map_or(0, |h| h.current),
                    drafted_by => current.map(|v| name_of(state, &v.drafted_by)),
                    approved_at => current.and_then(|v| v.approved.as_ref()).map(|a| a.1),
                    waiting => history.map_or(0, |h| h.pending().count()),
                }
            })
            .collect();
        Ok(context! { me => me(state, &viewer), texts => rows })
    })
    .await
}

/// What the page for one text shows besides the record: a form that came
/// back, its problems, a preview.
#[derive(Default)]
struct Shown {
    form: Option<Fields>,
    problems: Option<Problems>,
    preview: Option<Rendered>,
    done: Option<&'static str>,
}

fn text_page(
    state: &State,
    templates: &Templates,
    viewer: &Viewer,
    name: &str,
    now: Timestamp,
    shown: Shown,
) -> Result<Value, WebError> {
    let me_ = &viewer.person;
    if !state.is_moderator(me_) || !names(state, templates).iter().any(|n| n == name) {
        return Err(WebError::NotFound);
    }
    let empty = TemplateHistory::default();
    let history = state.templates.get(name).unwrap_or(&empty);
    let in_use = history
        .version(history.current)
        .map(|v| v.text.clone())
        .or_else(|| templates.source(name))
        .unwrap_or_default();
    let versions: Vec<Value> = history
        .versions
        .iter()
        .rev()
        .map(|v| {
            let target = Target::TemplateVersion(name, v.version);
            context! {
                version => v.version,
                text => v.text,
                drafted_by => name_of(state, &v.drafted_by),
                drafted_at => v.drafted_at,
                approved_by => v.approved.as_ref().map(|a| name_of(state, &a.0)),
                approved_at => v.approved.as_ref().map(|a| a.1),
                status => if v.version == history.current {
                    "in use"
                } else if v.approved.is_some() || v.version < history.current {
                    "not in use"
                } else {
                    "waiting for another moderator"
                },
                may_approve => permitted(state, me_, Capacity::Moderator, Kind::ApproveTemplate, target, now).is_ok(),
            }
        })
        .collect();
    let may_draft = permitted(
        state,
        me_,
        Capacity::Moderator,
        Kind::DraftTemplate,
        Target::Template(name),
        now,
    )
    .is_ok();
    let text = shown
        .form
        .as_ref()
        .map_or(in_use.clone(), |f| f.get("text").to_owned());
    Ok(context! {
        me => me(state, viewer),
        name => name,
        version => history.current,
        in_use => in_use,
        text => text,
        versions => versions,
        may_draft => may_draft,
        placeholders => modpod_notify::templates::placeholders(name),
        preview => shown.preview.map(|r| context! { subject => r.subject, body => r.body }),
        problems => shown.problems,
        done => shown.done,
    })
}

/// `GET /texts/{name}`: one text, its versions, and the form for a draft.
pub(super) async fn page(
    Extract(app): Extract<App>,
    Path(name): Path<String>,
    viewer: Viewer,
    Done(done): Done,
) -> Result<Response, WebError> {
    let templates = templates_of(&app)?;
    show(&app, StatusCode::OK, "text.html", move |state, now| {
        let shown = Shown {
            done,
            ..Shown::default()
        };
        text_page(state, &templates, &viewer, &name, now, shown)
    })
    .await
}

const FIELDS: [(&str, &str); 3] = [("text", "text"), ("name", "text"), ("version", "text")];

/// `POST /texts/{name}`: `do` is `preview` (nothing is recorded), `draft`
/// or `approve` (with the draft's `version`).
pub(super) async fn step(
    Extract(app): Extract<App>,
    Path(name): Path<String>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let mut problems = Problems::default();
    let (status, shown) = match form.get("do") {
        "preview" => {
            let text = problems.required(&form, "text").to_owned();
            let templates = templates_of(&app)?;
            let mut preview = None;
            if problems.is_empty() {
                match templates.check(&name, &text) {
                    Ok(rendered) => preview = Some(rendered),
                    Err((_, reason)) => problems.field("text", reason),
                }
            }
            let status = if problems.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (
                status,
                Shown {
                    form: Some(form),
                    problems: Some(problems),
                    preview,
                    done: None,
                },
            )
        }
        step @ ("draft" | "approve") => {
            let command = if step == "draft" {
                let text = problems.required(&form, "text").to_owned();
                Command::DraftTemplate {
                    name: name.clone(),
                    text,
                }
            } else {
                let version = form.trimmed("version").parse().unwrap_or_else(|_| {
                    problems.field("version", "must be the number of a draft");
                    0
                });
                Command::ApproveTemplate {
                    name: name.clone(),
                    version,
                }
            };
            let built = Some((Capacity::Moderator, command));
            let Some((status, problems)) =
                submit(&app, &viewer.person, built, problems, &FIELDS).await?
            else {
                let done = if step == "draft" {
                    "drafted"
                } else {
                    "approved"
                };
                return Ok(see(&format!("/texts/{name}?done={done}")));
            };
            (
                status,
                Shown {
                    form: Some(form),
                    problems: Some(problems),
                    ..Shown::default()
                },
            )
        }
        _ => {
            return Err(WebError::BadRequest(
                "do: must be preview, draft or approve".into(),
            ));
        }
    };
    let templates = templates_of(&app)?;
    show(&app, status, "text.html", move |state, now| {
        text_page(state, &templates, &viewer, &name, now, shown)
    })
    .await
}
