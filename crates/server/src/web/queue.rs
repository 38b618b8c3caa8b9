//! The queue of reports for administrators and moderators: every report on
//! a forum the viewer handles (`views::handles_reports_on`), as
//! `views::report_for` shows it, with its deadline (filed + the escalation
//! hours, REPORT-4), whether it escalated and who has it, oldest deadline
//! first, filtered by forum, category, state and assignment.

use super::{Viewer, WebError, me, render, show};
use crate::http::App;
use axum::extract::{Query, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::ids::PersonId;
use modpod_policy::model::{Capacity, Forum, ReportState};
use modpod_policy::{Actor, State, views};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The capacities in which `person` handles reports on `forum`.
pub(crate) fn handling_capacities(
    state: &State,
    person: &PersonId,
    forum: &Forum,
) -> Vec<Capacity> {
    [Capacity::Administrator, Capacity::Moderator]
        .into_iter()
        .filter(|c| views::handles_reports_on(state, &Actor::new(person.clone(), *c), forum))
        .collect()
}

/// Which reports the queue shows.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Filter {
    /// Only this forum.
    #[serde(default)]
    pub forum: String,
    /// Only this category.
    #[serde(default)]
    pub category: String,
    /// `open` (the default: not resolved), `resolved` or `all`.
    #[serde(default)]
    pub show: String,
    /// `me` (assigned to the viewer), `none` (unassigned), or anything else
    /// for all.
    #[serde(default)]
    pub assigned: String,
    /// Words to find in the person's name or id, the forum, the kind or
    /// the report's own words, whatever their case.
    #[serde(default)]
    pub q: String,
    /// `deadline` (the default: the nearest first), `filed` (the newest
    /// first), `forum` or `person`.
    #[serde(default)]
    pub sort: String,
    /// The page, from 1.
    #[serde(default)]
    pub page: Option<usize>,
}

/// Reports on a page of the queue.
pub const PAGE: usize = 50;

#[derive(Serialize)]
struct Row {
    id: u64,
    forum: String,
    subject: String,
    /// The person's name, as registered.
    name: String,
    category: String,
    state: &'static str,
    filed: String,
    deadline: String,
    /// Past the moment it escalates (REPORT-4), and not escalated yet.
    overdue: bool,
    escalated: Option<String>,
    assignee: Option<String>,
    #[serde(skip)]
    due: Timestamp,
    #[serde(skip)]
    filed_at: Timestamp,
}

fn short(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

/// What the queue page shows to `viewer`; refused to people who handle no
/// reports anywhere.
pub fn context(
    state: &State,
    viewer: &Viewer,
    filter: &Filter,
    now: Timestamp,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let handled: BTreeMap<&str, &Forum> = state
        .fora
        .values()
        .filter(|f| !handling_capacities(state, person, f).is_empty())
        .map(|f| (f.id.as_str(), f))
        .collect();
    if handled.is_empty() {
        return Err(WebError::Forbidden(
            "The queue is for the administrators of a forum and for the moderators.".into(),
        ));
    }
    let titles: BTreeMap<&str, &str> = state
        .categories
        .iter()
        .map(|c| (c.id.as_str(), c.title.as_str()))
        .collect();
    let mut rows: Vec<Row> = state
        .reports
        .values()
        .filter(|r| handled.contains_key(r.forum.as_str()))
        .filter(|r| filter.forum.is_empty() || r.forum.as_str() == filter.forum)
        .filter(|r| filter.category.is_empty() || r.category == filter.category)
        .filter(|r| {
            let resolved = matches!(r.state, ReportState::Resolved { .. });
            match filter.show.as_str() {
                "all" => true,
                "resolved" => resolved,
                _ => !resolved,
            }
        })
        .filter_map(|r| views::report_for(state, person, r.id))
        .filter(|view| match filter.assigned.as_str() {
            "me" => view.assignee.as_ref() == Some(person),
            "none" => view.assignee.is_none(),
            _ => true,
        })
        .filter(|view| {
            let q = filter.q.trim().to_lowercase();
            q.is_empty() || {
                let name = state.people.get(&view.subject).map(|p| p.name.as_str());
                [
                    Some(view.subject.as_str()),
                    name,
                    Some(view.forum.as_str()),
                    Some(view.category.as_str()),
                    titles.get(view.category.as_str()).copied(),
                    view.description.as_deref(),
                ]
                .into_iter()
                .flatten()
                .any(|text| text.to_lowercase().contains(&q))
            }
        })
        .map(|view| {
            // REPORT-4: when it escalates if nothing more happens; a report
            // that never will (resolved, escalated, non-public) sorts last.
            let escalates = state
                .reports
                .get(&view.id)
                .and_then(|r| state.escalates_at(r));
            let due = escalates.unwrap_or(Timestamp::MAX);
            Row {
                id: view.id.0,
                forum: view.forum.to_string(),
                subject: view.subject.to_string(),
                name: state
                    .people
                    .get(&view.subject)
                    .map_or_else(|| view.subject.to_string(), |p| p.name.clone()),
                category: titles
                    .get(view.category.as_str())
                    .map_or_else(|| view.category.clone(), |t| (*t).to_owned()),
                state: view.state.name(),
                filed: short(view.filed_at),
                deadline: escalates.map_or_else(|| "—".to_owned(), short),
                overdue: escalates.is_some_and(|at| at <= now),
                escalated: view.escalated_at.map(short),
                assignee: view.assignee.as_ref().map(ToString::to_string),
                due,
                filed_at: view.filed_at,
            }
        })
        .collect();
    match filter.sort.as_str() {
        "filed" => rows.sort_by_key(|r| (std::cmp::Reverse(r.filed_at), r.id)),
        "forum" => rows.sort_by(|a, b| (&a.forum, a.due, a.id).cmp(&(&b.forum, b.due, b.id))),
        "person" => rows.sort_by(|a, b| {
            (a.name.to_lowercase(), a.due, a.id).cmp(&(b.name.to_lowercase(), b.due, b.id))
        }),
        _ => rows.sort_by_key(|r| (r.due, r.id)),
    }
    let total = rows.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = filter.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<Row> = rows
        .into_iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .collect();
    let fora: Vec<(&str, &str)> = handled
        .values()
        .map(|f| (f.id.as_str(), f.name.as_str()))
        .collect();
    Ok(context! {
        me => me(state, viewer),
        rows => rows,
        fora => fora,
        categories => &state.categories,
        total => total,
        page => page,
        pages => pages,
        first => (page - 1) * PAGE + 1,
        filter => context! {
            forum => filter.forum,
            category => filter.category,
            show => filter.show,
            assigned => filter.assigned,
            q => filter.q,
            sort => filter.sort,
        },
        numbers => state.numbers(),
    })
}

/// Renders the queue page: what `GET /queue` answers, for the benchmark too.
pub fn render_page(
    state: &State,
    viewer: &Viewer,
    filter: &Filter,
    now: Timestamp,
) -> Result<String, WebError> {
    render("queue.html", context(state, viewer, filter, now)?)
}

/// `GET /queue?forum=&category=&show=&assigned=`.
pub(super) async fn page(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "queue.html", move |state, now| {
        context(state, &viewer, &filter, now)
    })
    .await
}
