//! The queue of reports for administrators and moderators: every report on
//! a forum the viewer handles (`views::handles_reports_on`), as
//! `views::report_for` shows it, with its deadline (filed + the escalation
//! hours, REPORT-4), whether it escalated and who has it, oldest deadline
//! first, filtered by forum, category, state and assignment.
//!
//! Several reports are resolved as spam in one submit: each is resolved by
//! its own `Command::ResolveReport`, recorded through the same path as a
//! single resolution and decided by the policy on its own, so a refusal of
//! one is shown beside it and stops none of the others. The policy has no
//! outcome named "spam": unsolicited bulk messages are handled by the
//! forum's own spam control and need no reporting (ACT-5), so a report of
//! them is resolved as [`ReportOutcome::NoActionNeeded`], the outcome
//! closest to it, and its reporter is told so (FEEDBACK-1). The boxes to
//! choose reports, and the button, are offered only for reports the policy
//! lets the viewer resolve now (`permits`, `Kind::ResolveReport`).

use super::form::Fields;
use super::{Done, Posted, Viewer, WebError, me, permitted_as, render, see, show};
use crate::http::App;
use axum::extract::{Query, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::ids::{ForumId, PersonId, ReportId};
use modpod_policy::model::{Capacity, Forum, Report, ReportOutcome, ReportState};
use modpod_policy::{Actor, Command, Kind, State, Target, views};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

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

/// The forum of each report the viewer handles, each forum looked up, and
/// asked whether they handle it, once: a long list of reports is mostly a
/// few busy fora (the queue, as it walks the reports).
struct HandledFora<'s> {
    state: &'s State,
    handler: views::Handler<'s>,
    seen: HashMap<&'s ForumId, Option<&'s Forum>>,
}

impl<'s> HandledFora<'s> {
    fn of(state: &'s State, person: &'s PersonId) -> Self {
        HandledFora {
            state,
            handler: views::Handler::of(state, person),
            seen: HashMap::new(),
        }
    }

    /// Who handles which fora, asked forum by forum.
    fn handler(&self) -> &views::Handler<'s> {
        &self.handler
    }

    /// The report's forum, when the viewer handles reports on it.
    fn forum_of(&mut self, r: &'s Report) -> Option<&'s Forum> {
        let (state, handler) = (self.state, &self.handler);
        *self
            .seen
            .entry(&r.forum)
            .or_insert_with(|| state.fora.get(&r.forum).filter(|f| handler.handles(f)))
    }
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

/// The most fora the forum filter lists to choose from.
const FORA_LISTED: usize = 100;

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
    /// The capacity in which the policy lets the viewer resolve it now, if
    /// it does: the row then has a box to choose it for the spam resolution.
    resolve_as: Option<&'static str>,
    /// Why the policy refused to resolve it as spam just now.
    refused: Option<String>,
}

/// The assignee of a report as it shows to one who handles reports on its
/// forum: not to its subject (REPORT-5, `views::report`).
fn assignee<'r>(r: &'r Report, viewer: &PersonId) -> Option<&'r PersonId> {
    r.assignee.as_ref().filter(|_| &r.subject != viewer)
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
    page_context(state, viewer, filter, now, None, None)
}

/// What became of a spam resolution of several reports: those resolved,
/// and each refusal in the policy's words, by report.
#[derive(Debug, Default)]
pub(crate) struct Bulk {
    resolved: Vec<u64>,
    refused: BTreeMap<u64, String>,
    /// Nothing was chosen.
    none: bool,
}

/// [`context`], with the words for a change just made and what became of
/// a spam resolution.
fn page_context(
    state: &State,
    viewer: &Viewer,
    filter: &Filter,
    now: Timestamp,
    done: Option<&str>,
    bulk: Option<&Bulk>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let mut handled = HandledFora::of(state, person);
    if !handled.handler().anywhere() {
        return Err(WebError::Forbidden(
            "The queue is for the administrators of a forum and for the moderators.".into(),
        ));
    }
    let titles: BTreeMap<&str, &str> = state
        .categories
        .iter()
        .map(|c| (c.id.as_str(), c.title.as_str()))
        .collect();
    let q = filter.q.trim().to_lowercase();
    let only = filter.forum.trim();
    // The queue as it first shows (the open reports, the nearest deadline
    // first, of one forum or all) is read in that order from the index of
    // open reports, as far as its page; any other is found by walking the
    // reports.
    let (total, page, pages, listed) = if filter.category.is_empty()
        && q.is_empty()
        && !matches!(filter.show.as_str(), "all" | "resolved")
        && !matches!(filter.assigned.as_str(), "me" | "none")
        && !matches!(filter.sort.as_str(), "person" | "filed" | "forum")
    {
        let handler = handled.handler();
        let order = state.open_in_due_order(|f| {
            (only.is_empty() || f.id.as_str() == only) && handler.handles(f)
        });
        let total = order.total;
        let pages = total.div_ceil(PAGE).max(1);
        let page = filter.page.unwrap_or(1).clamp(1, pages);
        let listed: Vec<(&Report, Timestamp)> = order
            .skip((page - 1) * PAGE)
            .take(PAGE)
            .filter_map(|(id, due)| Some((state.report(&id)?, due.unwrap_or(Timestamp::MAX))))
            .collect();
        (total, page, pages, listed)
    } else {
        walked(state, &mut handled, filter, &q, &titles, person)
    };
    // Only the rows shown are read as the viewer sees them: the page stays
    // fast however long the queue.
    let mut rows: Vec<Row> = listed
        .into_iter()
        .filter_map(|(r, due)| {
            let view = views::report_for(state, person, r.id)?;
            let escalates = (due != Timestamp::MAX).then_some(due);
            Some(Row {
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
                resolve_as: None,
                refused: None,
            })
        })
        .collect();
    // Only the rows shown are asked about.
    for row in &mut rows {
        let id = ReportId(row.id);
        let capacities = state
            .reports
            .get(&id)
            .and_then(|r| state.fora.get(&r.forum))
            .map(|f| handling_capacities(state, person, f))
            .unwrap_or_default();
        row.resolve_as = permitted_as(
            state,
            person,
            &capacities,
            Kind::ResolveReport,
            Target::Report(id),
            now,
        )
        .map(Capacity::as_str);
        row.refused = bulk.and_then(|b| b.refused.get(&row.id).cloned());
    }
    let spam = rows.iter().any(|r| r.resolve_as.is_some());
    // A list to choose from while it stays short; beyond that (a moderator
    // sees every public forum) the forum is typed.
    let fora: Option<Vec<(&str, &str)>> = handled.handler().at_most(FORA_LISTED).map(|fora| {
        fora.into_iter()
            .map(|f| (f.id.as_str(), f.name.as_str()))
            .collect()
    });
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
        spam => spam,
        done => done,
        bulk => bulk.map(|b| context! {
            resolved => b.resolved,
            refused => b.refused.iter().map(|(id, why)| context! { id => id, why => why }).collect::<Vec<_>>(),
            none => b.none,
        }),
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
    Done(done): Done,
) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "queue.html", move |state, now| {
        page_context(state, &viewer, &filter, now, done, None)
    })
    .await
}

/// The queue's filter as the spam form carries it back, in hidden fields.
pub(super) fn filter_of(form: &Fields) -> Filter {
    Filter {
        forum: form.trimmed("forum").to_owned(),
        category: form.trimmed("category").to_owned(),
        show: form.trimmed("show").to_owned(),
        assigned: form.trimmed("assigned").to_owned(),
        q: form.get("q").to_owned(),
        sort: form.trimmed("sort").to_owned(),
        page: form.trimmed("page").parse().ok(),
    }
}

/// The queue's address with `filter`, and `done`.
fn address(filter: &Filter, done: &str) -> String {
    let e = super::form::url_encode;
    let mut path = format!(
        "/queue?done={done}&forum={}&category={}&show={}&assigned={}&q={}&sort={}",
        e(&filter.forum),
        e(&filter.category),
        e(&filter.show),
        e(&filter.assigned),
        e(&filter.q),
        e(&filter.sort),
    );
    if let Some(page) = filter.page {
        path.push_str(&format!("&page={page}"));
    }
    path
}

/// `POST /queue/spam`: resolves each report chosen (`report`, one per box)
/// as spam, each by its own command, in the capacity the policy lets the
/// viewer resolve it in (else in the first they handle its forum in, so
/// that the refusal is the policy's own). A report the viewer does not
/// handle is not looked at. Back to the queue when every one is resolved;
/// else the queue again, each refusal beside its report.
pub(super) async fn resolve_spam(
    Extract(app): Extract<App>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let filter = filter_of(&form);
    let mut chosen: Vec<u64> = form
        .all("report")
        .into_iter()
        .filter_map(|id| id.trim().trim_start_matches('#').parse().ok())
        .collect();
    chosen.sort_unstable();
    chosen.dedup();
    let mut bulk = Bulk {
        none: chosen.is_empty(),
        ..Bulk::default()
    };
    for id in chosen {
        let report = ReportId(id);
        let person = viewer.person.clone();
        let capacity = app
            .read(move |view| {
                let state = &view.state;
                let now = Timestamp::now();
                let capacities = views::report_for(state, &person, report)
                    .and_then(|view| state.fora.get(&view.forum))
                    .map(|f| handling_capacities(state, &person, f))
                    .unwrap_or_default();
                Ok(permitted_as(
                    state,
                    &person,
                    &capacities,
                    Kind::ResolveReport,
                    Target::Report(report),
                    now,
                )
                .or(capacities.first().copied()))
            })
            .await?;
        let Some(capacity) = capacity else {
            bulk.refused.insert(
                id,
                "There is no such report, or it is not one you handle.".to_owned(),
            );
            continue;
        };
        let command = Command::ResolveReport {
            report,
            outcome: ReportOutcome::NoActionNeeded,
        };
        let actor = Actor::new(viewer.person.clone(), capacity);
        match crate::http::commands::execute(&app, actor, command).await? {
            Ok(_) => bulk.resolved.push(id),
            Err(refusal) => {
                bulk.refused.insert(
                    id,
                    format!("Refused ({}): {refusal}", refusal.requirement()),
                );
            }
        }
    }
    if !bulk.none && bulk.refused.is_empty() {
        return Ok(see(&address(&filter, "spam")));
    }
    let status = if bulk.resolved.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    show(&app, status, "queue.html", move |state, now| {
        page_context(state, &viewer, &filter, now, None, Some(&bulk))
    })
    .await
}

/// The queue's reports as `filter` asks for them, found by walking the
/// reports (`q` in lower case; `titles`, the categories' titles by id):
/// how many in all, the page shown, how many pages, and the page's reports
/// with when each escalates (`Timestamp::MAX`: never).
fn walked<'s>(
    state: &'s State,
    handled: &mut HandledFora<'s>,
    filter: &Filter,
    q: &str,
    titles: &BTreeMap<&str, &str>,
    person: &PersonId,
) -> (usize, usize, usize, Vec<(&'s Report, Timestamp)>) {
    // The queue shows the open reports unless asked for the resolved ones.
    let candidates: Box<dyn Iterator<Item = &Report>> = match filter.show.as_str() {
        "all" | "resolved" => Box::new(state.reports.values().map(AsRef::as_ref)),
        _ => Box::new(state.open_reports()),
    };
    let only = filter.forum.trim();
    let numbers = state.numbers();
    let mut listed: Vec<(&Report, Timestamp)> = candidates
        .filter(|r| only.is_empty() || r.forum.as_str() == only)
        .filter_map(|r| handled.forum_of(r).map(|f| (r, f)))
        .filter(|(r, _)| filter.category.is_empty() || r.category == filter.category)
        .filter(|(r, _)| {
            let resolved = matches!(r.state, ReportState::Resolved { .. });
            match filter.show.as_str() {
                "all" => true,
                "resolved" => resolved,
                _ => !resolved,
            }
        })
        .filter(|(r, _)| match filter.assigned.as_str() {
            "me" => assignee(r, person) == Some(person),
            "none" => assignee(r, person).is_none(),
            _ => true,
        })
        .filter(|(r, _)| {
            q.is_empty()
                || views::report_for(state, person, r.id).is_some_and(|view| {
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
                    .any(|text| text.to_lowercase().contains(q))
                })
        })
        // REPORT-4: when it escalates if nothing more happens; a report
        // that never will (resolved, escalated, non-public) sorts last.
        .map(|(r, f)| {
            let due = State::escalates_at_with(r, f, numbers).unwrap_or(Timestamp::MAX);
            (r, due)
        })
        .collect();
    let total = listed.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = filter.page.unwrap_or(1).clamp(1, pages);
    // Only as many are put in order as it takes to know this page's rows.
    let shown = (page * PAGE).min(total);
    match filter.sort.as_str() {
        "person" => listed.sort_by_cached_key(|(r, due)| {
            let name = state
                .people
                .get(&r.subject)
                .map_or(r.subject.as_str(), |p| &p.name);
            (name.to_lowercase(), *due, r.id)
        }),
        sort => {
            let order =
                |(a, a_due): &(&Report, Timestamp), (b, b_due): &(&Report, Timestamp)| match sort {
                    "filed" => (Reverse(a.filed_at), a.id).cmp(&(Reverse(b.filed_at), b.id)),
                    "forum" => (&a.forum, a_due, a.id).cmp(&(&b.forum, b_due, b.id)),
                    _ => (a_due, a.id).cmp(&(b_due, b.id)),
                };
            if shown < total {
                listed.select_nth_unstable_by(shown, order);
            }
            listed[..shown].sort_by(order);
        }
    }
    let listed = listed
        .into_iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .collect();
    (total, page, pages, listed)
}
