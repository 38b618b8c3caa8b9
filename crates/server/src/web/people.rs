//! A page per person for those who handle reports (ACT-7): who they are,
//! their accounts, their moderation history across all fora with the level
//! of each step, the level their history suggests next (LADDER-1), the
//! reports about them the viewer may read and the team's open proposals
//! about them, and the case threads about them that the viewer reads (MSG-1,
//! `views::threads`: every thread of a case about them, and their own thread
//! with those who handle a case they reported, each only as the policy lets
//! the viewer read it, so the person reported never meets the reporter's
//! thread, REPORT-5); and a search over people by name, id or account.

use super::{Viewer, WebError, me, show};
use crate::http::App;
use axum::extract::{Path, Query, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use modpod_policy::ids::PersonId;
use modpod_policy::model::*;
use modpod_policy::{Actor, State, views};
use serde::Deserialize;

/// People the search shows at most.
const FOUND: usize = 50;

/// Whether `viewer` handles reports somewhere: only they read people's
/// pages (ACT-7), besides the person themselves, who has `/me`.
fn handles(state: &State, viewer: &PersonId) -> bool {
    state.is_moderator(viewer) || state.administers_any(viewer)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Search {
    #[serde(default)]
    q: String,
}

/// `GET /people?q=`: people whose name, id or account holds the words.
pub(super) async fn search(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Query(search): Query<Search>,
) -> Result<Response, WebError> {
    let directory = app.people.clone();
    show(&app, StatusCode::OK, "people.html", move |state, _| {
        if !handles(state, &viewer.person) {
            return Err(WebError::Forbidden(
                "People's pages are for the administrators of a forum and for the moderators."
                    .into(),
            ));
        }
        let found: Vec<_> = directory
            .of(state)
            .find(search.q.trim(), FOUND + 1)
            .into_iter()
            .map(|p| {
                context! {
                    id => p.id,
                    name => p.name,
                    actions => state.actions_by_subject.get(&p.id).count(),
                }
            })
            .collect();
        Ok(context! {
            me => me(state, &viewer),
            q => search.q,
            more => found.len() > FOUND,
            found => found.into_iter().take(FOUND).collect::<Vec<_>>(),
        })
    })
    .await
}

/// `GET /people/{id}`.
pub(super) async fn page(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = PersonId::parse(&id).map_err(|_| WebError::NotFound)?;
    show(&app, StatusCode::OK, "person.html", move |state, now| {
        let me_ = &viewer.person;
        if !handles(state, me_) {
            return Err(WebError::NotFound);
        }
        let person = views::person(state, me_, &id).ok_or(WebError::NotFound)?;
        let capacity = if state.is_moderator(me_) {
            Capacity::Moderator
        } else {
            Capacity::Administrator
        };
        let history: Vec<_> = views::history(state, &Actor::new(me_.clone(), capacity), &id)
            .map_err(|_| WebError::NotFound)?
            .into_iter()
            .rev()
            .map(|a| {
                context! {
                    action => a,
                    measure => a.terms.measure.name(),
                    level => a.level.as_ref().and_then(|l| state.ladder().get(l.level).cloned()),
                    status => match a.status {
                        ActionStatus::InForce => "in force",
                        ActionStatus::Rescinded { .. } => "rescinded",
                        ActionStatus::Expired { .. } => "expired",
                    },
                }
            })
            .collect();
        let about: Vec<_> = state.reports_about(&id).collect();
        let reports: Vec<_> = about
            .iter()
            .rev()
            .filter_map(|r| views::report_for(state, me_, r.id))
            .map(|r| context! { id => r.id.0, forum => r.forum, state => r.state.name(), filed => r.filed_at })
            .collect();
        let proposals: Vec<_> = views::proposals_for(state, me_, now)
            .into_iter()
            .filter(|p| p.is_open(now))
            .filter(|p| views::proposal_about(state, &p.change) == Some(&id))
            .map(|p| context! { id => p.id.0, summary => p.change.summary(), waiting_for => p.waiting_for(now) })
            .collect();
        // The case threads about them the viewer reads, with a message in
        // them: of the cases about them, each thread; of those they filed,
        // their own thread with those who handle it.
        let name = |p: &PersonId| {
            state
                .people
                .get(p)
                .map_or_else(|| p.to_string(), |p| p.name.clone())
        };
        let mut theirs: Vec<&Report> = about.iter().copied().chain(state.reports_by(&id)).collect();
        theirs.sort_by_key(|r| std::cmp::Reverse(r.id));
        theirs.dedup_by_key(|r| r.id);
        let threads: Vec<_> = theirs
            .into_iter()
            .flat_map(|r| {
                views::threads(state, me_, r.id)
                    .into_iter()
                    .filter(|t| r.subject == id || t.thread == Thread::Reporter)
                    .filter_map(|t| {
                        let last = t.messages.last()?;
                        let title = match t.thread {
                            Thread::Person => "with the person reported",
                            Thread::Reporter => "with the reporter",
                            Thread::Team => "the team's notes",
                        };
                        Some(context! {
                            report => r.id.0,
                            forum => r.forum,
                            thread => t.thread,
                            title => title,
                            about => r.subject == id,
                            messages => t.messages.len(),
                            last_at => last.at,
                            last_by => name(&last.by),
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let suggested = views::suggested_level(state, &id);
        Ok(context! {
            threads => threads,
            me => me(state, &viewer),
            person => person,
            identities => person.identities.iter().map(ToString::to_string).collect::<Vec<_>>(),
            history => history,
            reports => reports,
            proposals => proposals,
            suggested => state.ladder().get(suggested).cloned(),
        })
    })
    .await
}
