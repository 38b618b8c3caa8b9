//! What anybody may see (PRIV-1: no personal data beyond the public roster):
//! the home page, the moderator roster with time zones and a chart of the
//! week's coverage (TEAM-4), and the stylesheet. A logged-in person's home
//! page also says what awaits them.

use super::{STYLESHEET, Visitor, WebError, done_message, me, show};
use crate::http::App;
use axum::extract::{Query, State as Extract};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use modpod_policy::State;
use modpod_policy::model::{Capacity, Day, ReportState, Window};
use modpod_policy::views;
use serde::Serialize;
use std::collections::BTreeMap;

/// `GET /assets/modpod.css`: its address carries a hash of its content, so
/// it may be kept for long.
pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// `GET /`.
pub(super) async fn home(
    Extract(app): Extract<App>,
    Visitor(visitor): Visitor,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let done = query.get("done").and_then(|d| done_message(d));
    show(&app, StatusCode::OK, "home.html", move |state, now| {
        let Some(viewer) = visitor else {
            return Ok(context! { done => done });
        };
        let person = &viewer.person;
        let in_force = state.restrictions_at(person, now).len();
        let open = state
            .reports
            .values()
            .filter(|r| !matches!(r.state, ReportState::Resolved { .. }))
            .filter(|r| {
                state.fora.get(&r.forum).is_some_and(|f| {
                    !super::queue::handling_capacities(state, person, f).is_empty()
                })
            })
            .count();
        let appeals = state
            .appeals
            .values()
            .filter(|a| views::may_see_appeal(state, person, a))
            .filter(|a| {
                super::allowed_as(
                    state,
                    person,
                    &[
                        Capacity::AreaDirector,
                        Capacity::IetfChair,
                        Capacity::Iesg,
                        Capacity::Iab,
                    ],
                    &modpod_policy::Command::DecideAppeal {
                        appeal: a.id,
                        upheld: false,
                        remedy: None,
                        rationale: super::NOT_YET_TYPED.into(),
                    },
                    now,
                )
                .is_some()
            })
            .count();
        Ok(context! {
            me => me(state, &viewer),
            in_force => in_force,
            open_reports => open,
            appeals => appeals,
            done => done,
        })
    })
    .await
}

/// One cell of the coverage chart: an hour of the week, UTC.
#[derive(Serialize)]
struct Cell {
    x: u32,
    y: u32,
    moderators: u32,
    /// 0 (nobody), 1 (one), 2 (two or more): the cell's shade.
    shade: u32,
    label: String,
}

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A moderator's usual hours, days with the same hours together, e.g.
/// "Monday–Friday 08:00–18:00".
fn usual_hours(windows: &[Window]) -> Vec<String> {
    let mut sorted = windows.to_vec();
    sorted.sort();
    let mut by_hours: Vec<((u8, u8), Vec<usize>)> = Vec::new();
    for w in sorted {
        let day = Day::ALL.iter().position(|d| *d == w.day).unwrap_or(0);
        match by_hours
            .iter_mut()
            .find(|(h, _)| *h == (w.from_hour, w.to_hour))
        {
            Some((_, days)) if days.last() == Some(&day) => {}
            Some((_, days)) => days.push(day),
            None => by_hours.push(((w.from_hour, w.to_hour), vec![day])),
        }
    }
    by_hours
        .into_iter()
        .map(|((from, to), days)| format!("{} {from:02}:00–{to:02}:00", day_runs(&days)))
        .collect()
}

/// Days in order, consecutive ones as a run: "Monday–Wednesday, Friday".
fn day_runs(days: &[usize]) -> String {
    let mut runs: Vec<String> = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let start = i;
        while i + 1 < days.len() && days[i + 1] == days[i] + 1 {
            i += 1;
        }
        runs.push(match i - start {
            0 => DAYS[days[start]].to_owned(),
            1 => format!("{}, {}", DAYS[days[start]], DAYS[days[i]]),
            _ => format!("{}–{}", DAYS[days[start]], DAYS[days[i]]),
        });
        i += 1;
    }
    runs.join(", ")
}

/// The chart's geometry: an hour is a cell of `CELL` by `CELL` pixels, after
/// a column of day names.
const CELL: u32 = 18;
const LABELS: u32 = 84;

fn coverage_cells(state: &State, now: jiff::Timestamp) -> (String, Vec<Cell>, Vec<String>) {
    let week = views::week_start(now);
    let hours = views::coverage(state, week);
    let mut cells = Vec::with_capacity(hours.len());
    let mut uncovered = Vec::new();
    for (hour, moderators) in hours.iter().copied().enumerate() {
        let (day, h) = (hour / 24 % 7, hour % 24);
        let label = format!("{} {h:02}:00 UTC", DAYS[day]);
        if moderators == 0 {
            uncovered.push(label.clone());
        }
        cells.push(Cell {
            x: LABELS + h as u32 * CELL,
            y: 20 + day as u32 * CELL,
            moderators,
            shade: moderators.min(2),
            label,
        });
    }
    (week.strftime("%Y-%m-%d").to_string(), cells, uncovered)
}

/// `GET /roster`: the moderators, their time zones and usual hours, and
/// which hours of this week nobody covers.
pub(super) async fn roster(
    Extract(app): Extract<App>,
    Visitor(visitor): Visitor,
) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "roster.html", move |state, now| {
        let roster: Vec<_> = views::roster(state)
            .into_iter()
            .map(|entry| {
                let windows = usual_hours(&entry.availability);
                context! { entry => entry, windows => windows }
            })
            .collect();
        let (week, cells, uncovered) = coverage_cells(state, now);
        let hours: Vec<_> = (0..24u32)
            .step_by(3)
            .map(|h| context! { x => LABELS + h * CELL, label => format!("{h:02}") })
            .collect();
        let days: Vec<_> = DAYS
            .iter()
            .enumerate()
            .map(|(i, d)| context! { y => 20 + i as u32 * CELL + 13, name => d })
            .collect();
        Ok(context! {
            me => visitor.as_ref().map(|v| me(state, v)),
            roster => roster,
            week => week,
            cells => cells,
            hours => hours,
            days => days,
            uncovered => uncovered,
            width => LABELS + 24 * CELL,
            height => 20 + 7 * CELL,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_hours_run_days_with_the_same_hours_together() {
        let w = |day, from_hour, to_hour| Window {
            day,
            from_hour,
            to_hour,
        };
        let windows = [
            w(Day::Friday, 8, 18),
            w(Day::Monday, 8, 18),
            w(Day::Tuesday, 8, 18),
            w(Day::Wednesday, 8, 18),
            w(Day::Saturday, 10, 12),
            w(Day::Sunday, 10, 12),
        ];
        assert_eq!(
            usual_hours(&windows),
            [
                "Monday–Wednesday, Friday 08:00–18:00",
                "Saturday, Sunday 10:00–12:00"
            ]
        );
        assert!(usual_hours(&[]).is_empty());
    }
}
