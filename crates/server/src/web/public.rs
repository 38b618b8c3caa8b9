//! What anybody may see (PRIV-1: no personal data beyond the public roster
//! and the announcements the policy requires): the home page, the moderator
//! roster with time zones and a chart of the week's coverage (TEAM-4), the
//! transparency report (NOTIFY-5), the approved procedures (PROC-1), the
//! announced suspensions (NOTIFY-3), and the stylesheet. A logged-in person's home
//! page also says what awaits them.

use super::{Done, STYLESHEET, Visitor, WebError, me, show, show_public};
use crate::http::App;
use crate::http::public::PeriodQuery;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State as Extract};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};
use modpod_policy::State;
use modpod_policy::ids::PersonId;
use modpod_policy::model::{Capacity, Day, ProceduresStatus, Window};
use modpod_policy::transparency::{self, Transparency};
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
    Done(done): Done,
) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "home.html", move |state, now| {
        let Some(viewer) = visitor else {
            return Ok(context! { done => done });
        };
        let person = &viewer.person;
        let in_force = state.restrictions_at(person, now).len();
        // What needs the viewer now: the open reports on the fora they
        // handle, and of them the overdue and the escalated.
        let handler = views::Handler::of(state, person);
        let open = state.open_counts(|f| handler.handles(f), now);
        let appeals = state
            .appeals
            .values()
            .filter(|a| views::may_see_appeal(state, person, a))
            .filter(|a| {
                super::permitted_as(
                    state,
                    person,
                    &[
                        Capacity::AreaDirector,
                        Capacity::IetfChair,
                        Capacity::Iesg,
                        Capacity::Iab,
                    ],
                    modpod_policy::Kind::DecideAppeal,
                    modpod_policy::Target::Appeal(a.id),
                    now,
                )
                .is_some()
            })
            .count();
        // What else needs the viewer now: proposals of the team waiting for
        // their agreement or approval, reinstatement requests waiting for
        // them.
        let proposals = views::proposals_for(state, person, now)
            .into_iter()
            .filter(|p| p.is_open(now))
            .filter(|p| {
                let target = modpod_policy::Target::Proposal(p.id);
                [
                    (Capacity::Moderator, modpod_policy::Kind::AgreeToProposal),
                    (Capacity::IetfChair, modpod_policy::Kind::ApproveProposal),
                ]
                .into_iter()
                .any(|(c, k)| super::permitted(state, person, c, k, target, now).is_ok())
            })
            .count();
        // Drafts of the team's texts waiting for this moderator's vetting
        // (TEMPLATE-1, TEAM-5).
        let texts = state
            .templates
            .iter()
            .flat_map(|(name, h)| h.pending().map(move |v| (name, v.version)))
            .filter(|(name, version)| {
                let target = modpod_policy::Target::TemplateVersion(name, *version);
                super::permitted(
                    state,
                    person,
                    Capacity::Moderator,
                    modpod_policy::Kind::ApproveTemplate,
                    target,
                    now,
                )
                .is_ok()
            })
            .count();
        let reinstatements = state
            .reinstatements
            .values()
            .filter(|r| {
                super::permitted_as(
                    state,
                    person,
                    &[Capacity::Administrator, Capacity::Moderator, Capacity::Iesg],
                    modpod_policy::Kind::DecideReinstatement,
                    modpod_policy::Target::Reinstatement(r.id),
                    now,
                )
                .is_some()
            })
            .count();
        Ok(context! {
            me => me(state, &viewer),
            in_force => in_force,
            open_reports => open.open,
            overdue => open.overdue,
            escalated => open.escalated,
            appeals => appeals,
            proposals => proposals,
            texts => texts,
            reinstatements => reinstatements,
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
    uri: Uri,
) -> Result<Response, WebError> {
    show_public(
        &app,
        visitor,
        uri.to_string(),
        "roster.html",
        move |state, now| {
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
                roster => roster,
                week => week,
                cells => cells,
                hours => hours,
                days => days,
                uncovered => uncovered,
                width => LABELS + 24 * CELL,
                height => 20 + 7 * CELL,
            })
        },
    )
    .await
}

/// `GET /transparency`: the aggregate report (NOTIFY-5, STATS-1) with its
/// charts, for a period (`from`, `to`, as `/v1/transparency` takes them).
/// Counts only: no names, no reasons, no reporters (PRIV-1).
pub(super) async fn transparency(
    Extract(app): Extract<App>,
    Visitor(visitor): Visitor,
    uri: Uri,
    query: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let Query(period) = query.map_err(|r| WebError::BadRequest(r.body_text()))?;
    let (from, to) = period.period().map_err(WebError::from)?;
    let tallies = app.tallies.clone();
    show_public(
        &app,
        visitor,
        uri.to_string(),
        "transparency.html",
        move |state, _| {
            let report = tallies.report(state, from, to);
            Ok(Value::from_serialize(transparency_context(&report)))
        },
    )
    .await
}

/// `GET /statistics`: the moderator team's yearly table (STATS-1), with a
/// chart of its actions per level and year; the same as `/v1/statistics`
/// and `/v1/statistics.csv`. Counts only, naming nobody.
pub(super) async fn statistics(
    Extract(app): Extract<App>,
    Visitor(visitor): Visitor,
    uri: Uri,
) -> Result<Response, WebError> {
    show_public(
        &app,
        visitor,
        uri.to_string(),
        "statistics.html",
        move |state, _| {
            let stats = transparency::team_statistics(state);
            let chart = stacked(&stats);
            Ok(context! {
                stats => stats,
                any => !stats.years.is_empty(),
                total_chart => chart,
            })
        },
    )
    .await
}

/// A year's actions as one bar, a segment per level (and one for none).
#[derive(Debug, Serialize)]
struct Stacked {
    width: u32,
    height: u32,
    rows: Vec<StackedRow>,
    legend: Vec<String>,
}

#[derive(Debug, Serialize)]
struct StackedRow {
    year: i16,
    y: u32,
    total: u64,
    end: u32,
    segments: Vec<Segment>,
}

#[derive(Debug, Serialize)]
struct Segment {
    x: u32,
    length: u32,
    class: String,
    label: String,
}

fn stacked(stats: &transparency::TeamStatistics) -> Option<Stacked> {
    const LABEL: u32 = 50;
    let totals: Vec<u64> = stats
        .years
        .iter()
        .map(|y| y.by_level.iter().sum::<u64>() + y.without_level)
        .collect();
    let max = totals.iter().copied().max().filter(|&m| m > 0)?;
    let name = |level: usize| {
        stats.levels.get(level).map_or_else(
            || format!("level {level}"),
            |l| format!("level {}: {}", l.level, l.name),
        )
    };
    let width_of = |n: u64| u32::try_from(u64::from(BAR_AREA) * n / max).unwrap_or(BAR_AREA);
    let rows = stats
        .years
        .iter()
        .zip(&totals)
        .enumerate()
        .map(|(i, (y, total))| {
            let mut x = LABEL;
            let mut segments = Vec::new();
            let counts = y
                .by_level
                .iter()
                .enumerate()
                .map(|(level, n)| (format!("level-{}", level.min(5)), name(level), *n))
                .chain([(
                    "no-level".to_owned(),
                    "no level".to_owned(),
                    y.without_level,
                )]);
            for (class, label, n) in counts.filter(|(_, _, n)| *n > 0) {
                let length = width_of(n).max(1);
                segments.push(Segment {
                    x,
                    length,
                    class,
                    label: format!("{label}: {n}"),
                });
                x += length;
            }
            StackedRow {
                year: y.year,
                y: i as u32 * 22,
                total: *total,
                end: x,
                segments,
            }
        })
        .collect::<Vec<_>>();
    let levels = stats.years.first().map_or(0, |y| y.by_level.len());
    Some(Stacked {
        width: LABEL + BAR_AREA + 60,
        height: rows.len() as u32 * 22,
        rows,
        legend: (0..levels)
            .map(name)
            .chain(["no level".to_owned()])
            .collect(),
    })
}

/// One horizontal bar chart, laid out for the template. Drawn as plain SVG
/// rectangles rather than with a charting library: a handful of bars with
/// labels is all the page needs, and it must render without scripts.
#[derive(Debug, Serialize)]
struct Chart {
    title: &'static str,
    width: u32,
    height: u32,
    label_width: u32,
    bars: Vec<Bar>,
}

#[derive(Debug, Serialize)]
struct Bar {
    label: String,
    value: u64,
    y: u32,
    length: u32,
}

const BAR_AREA: u32 = 360;

fn chart(title: &'static str, counts: BTreeMap<String, u64>) -> Option<Chart> {
    let max = counts.values().copied().max().filter(|&m| m > 0)?;
    let label_width = 10 + 7 * counts.keys().map(|k| k.len() as u32).max().unwrap_or(0);
    let bars: Vec<Bar> = counts
        .into_iter()
        .enumerate()
        .map(|(i, (label, value))| Bar {
            label,
            value,
            y: i as u32 * 22,
            length: u32::try_from(u64::from(BAR_AREA) * value / max)
                .unwrap_or(BAR_AREA)
                .max(1),
        })
        .collect();
    Some(Chart {
        title,
        width: label_width + BAR_AREA + 60,
        height: bars.len() as u32 * 22,
        label_width,
        bars,
    })
}

/// What the transparency page shows.
#[derive(Debug, Serialize)]
struct TransparencyPage {
    from: String,
    to: String,
    from_ts: String,
    to_ts: String,
    spam_actions: u64,
    people_acted_on: u64,
    total_actions: u64,
    charts: Vec<Chart>,
    reports: transparency::ReportCounts,
    appeals: transparency::AppealCounts,
    reinstatements: transparency::ReinstatementCounts,
}

fn transparency_context(report: &Transparency) -> TransparencyPage {
    let mut by_month = BTreeMap::new();
    let mut by_type = BTreeMap::new();
    let mut by_kind = BTreeMap::new();
    for a in &report.actions {
        *by_month.entry(a.month.clone()).or_default() += a.count;
        *by_type.entry(a.action.replace('_', " ")).or_default() += a.count;
        *by_kind.entry(a.forum_kind.clone()).or_default() += a.count;
    }
    let total_actions: u64 = by_type.values().sum();
    let charts: Vec<Chart> = [
        chart("Actions by month", by_month),
        chart("Actions by type", by_type),
        chart("Actions by kind of forum", by_kind),
    ]
    .into_iter()
    .flatten()
    .collect();
    let day = |t: jiff::Timestamp| t.strftime("%Y-%m-%d").to_string();
    TransparencyPage {
        from: day(report.from),
        to: day(report.to),
        from_ts: report.from.to_string(),
        to_ts: report.to.to_string(),
        spam_actions: report.spam_actions,
        people_acted_on: report.people_acted_on,
        total_actions,
        charts,
        reports: report.reports.clone(),
        appeals: report.appeals.clone(),
        reinstatements: report.reinstatements.clone(),
    }
}

/// `GET /procedures`: the moderator team's procedures (PROC-1), each
/// version as `views::may_see_procedures` lets the viewer read it: the
/// approved ones for anybody, with their approval date and the one in force.
pub(super) async fn procedures(
    Extract(app): Extract<App>,
    Visitor(visitor): Visitor,
    uri: Uri,
) -> Result<Response, WebError> {
    // Anybody reads the approved versions; a logged-in viewer may read more.
    let Some(viewer) = visitor else {
        return show_public(
            &app,
            None,
            uri.to_string(),
            "procedures.html",
            |state, _| Ok(context! { versions => procedure_versions(state, None) }),
        )
        .await;
    };
    show(&app, StatusCode::OK, "procedures.html", move |state, _| {
        Ok(context! {
            me => me(state, &viewer),
            versions => procedure_versions(state, Some(&viewer.person)),
        })
    })
    .await
}

/// The versions of the procedures `person` may read, newest first.
fn procedure_versions(state: &State, person: Option<&PersonId>) -> Vec<Value> {
    let in_force = state.procedures_in_force();
    state
        .procedures
        .values()
        .rev()
        .filter(|p| views::may_see_procedures(state, person, p))
        .map(|p| {
            context! {
                p => p,
                status => match p.status {
                    ProceduresStatus::Draft => "draft",
                    ProceduresStatus::InCommunityReview => "in community review",
                    ProceduresStatus::Approved => "approved by the IESG",
                },
                in_force => in_force == Some(p.version),
            }
        })
        .collect()
}

/// `GET /announcements`: the suspensions the policy announces, in force now
/// (NOTIFY-3), as `views::announcements` gives them: the person's name, the
/// measure, the fora and the dates, nothing more (PRIV-1).
pub(super) async fn announcements(
    Extract(app): Extract<App>,
    Visitor(visitor): Visitor,
    uri: Uri,
) -> Result<Response, WebError> {
    show_public(
        &app,
        visitor,
        uri.to_string(),
        "announcements.html",
        move |state, now| {
            let items: Vec<_> = views::announcements(state, now)
                .into_iter()
                .map(|a| {
                    let fora: Vec<String> = a
                        .fora
                        .iter()
                        .map(|f| {
                            state
                                .fora
                                .get(f)
                                .map_or_else(|| f.to_string(), |f| f.name.clone())
                        })
                        .collect();
                    let measure = if a.measure == "indefinite_suspension" {
                        "indefinite suspension"
                    } else {
                        "temporary suspension"
                    };
                    context! { a => a, fora => fora, measure => measure }
                })
                .collect();
            Ok(context! {
                announcements => items,
                over_days => modpod_policy::settings::ANNOUNCE_SUSPENSIONS_OVER_DAYS,
            })
        },
    )
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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

    /// The transparency report of 2025 on an empty log.
    fn empty_2025() -> Transparency {
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        transparency::report(
            &State::default(),
            t("2025-01-01T00:00:00Z"),
            t("2026-01-01T00:00:00Z"),
        )
    }

    #[test]
    fn the_transparency_page_renders_an_empty_period() {
        let report = empty_2025();
        let page = super::super::render(
            "transparency.html",
            Value::from_serialize(transparency_context(&report)),
        )
        .map_err(|e| format!("{e:?}"))
        .unwrap();
        assert!(page.contains("No actions in this period"), "{page}");
        assert!(page.contains("from=2025-01-01T00%3A00%3A00Z"), "{page}");
        assert!(page.contains("<main"), "in the shared layout: {page}");
    }

    #[test]
    fn a_public_page_framed_for_nobody_is_the_page_rendered_whole() {
        let report = empty_2025();
        let pages = [
            (
                "roster.html",
                context! { uncovered => ["monday 03:00 UTC"] },
            ),
            (
                "transparency.html",
                Value::from_serialize(transparency_context(&report)),
            ),
            ("statistics.html", context! {}),
            ("procedures.html", context! {}),
            ("announcements.html", context! {}),
        ];
        for (template, ctx) in pages {
            let page = super::super::PublicPage::render(template, ctx)
                .map_err(|e| format!("{template}: {e:?}"))
                .unwrap();
            assert!(page.main.contains("<h1>"), "{template}: {}", page.main);
            assert!(!page.title.is_empty(), "{template}");
            let framed = super::super::PublicPage::frame(&page.title, &page.main, None).unwrap();
            assert_eq!(framed, String::from_utf8_lossy(&page.whole), "{template}");
        }
    }
}
