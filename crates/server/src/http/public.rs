//! What anybody may see, without logging in (PRIV-1: none of it carries
//! personal data beyond the public roster): the aggregate transparency report
//! as JSON and as a page with charts (NOTIFY-5, STATS-1), the moderator
//! roster and the hours of the week that no moderator covers (TEAM-4).

use super::views::ApiQuery;
use super::{ApiError, App};
use axum::Json;
use axum::extract::State as Extract;
use axum::response::Html;
use jiff::{SignedDuration, Timestamp};
use modpod_policy::State;
use modpod_policy::transparency::{self, Transparency};
use modpod_policy::views::{self, RosterEntry};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Runs `f` on the state, on a blocking thread.
async fn read<T: Send + 'static>(
    app: &App,
    f: impl FnOnce(&State) -> T + Send + 'static,
) -> Result<T, ApiError> {
    app.blocking(move |engine| Ok(f(engine.state()))).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// Start of the period (RFC 3339); default: a year before `to`.
    #[param(value_type = Option<String>)]
    from: Option<Timestamp>,
    /// End of the period, exclusive (RFC 3339); default: now.
    #[param(value_type = Option<String>)]
    to: Option<Timestamp>,
}

impl PeriodQuery {
    fn period(&self) -> Result<(Timestamp, Timestamp), ApiError> {
        let to = self.to.unwrap_or_else(Timestamp::now);
        let from = match self.from {
            Some(from) => from,
            None => to
                .checked_sub(SignedDuration::from_hours(365 * 24))
                .unwrap_or(Timestamp::MIN),
        };
        if from >= to {
            return Err(ApiError::bad_request("from must come before to"));
        }
        Ok((from, to))
    }
}

/// The aggregate transparency report: counts of actions by month, type and
/// kind of forum, reports, appeals and their outcomes, reinstatements, and
/// the median time to acknowledge a report. No personal data.
#[utoipa::path(get, path = "/v1/transparency", params(PeriodQuery), responses(
    (status = 200, description = "The report", body = Object),
    (status = 400, description = "A bad period", body = ApiError)))]
pub(super) async fn transparency_json(
    Extract(app): Extract<App>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<Transparency>, ApiError> {
    let (from, to) = q.period()?;
    read(&app, move |state| transparency::report(state, from, to))
        .await
        .map(Json)
}

/// The same report as a page with charts.
#[utoipa::path(get, path = "/transparency", params(PeriodQuery), responses(
    (status = 200, description = "The report as HTML", content_type = "text/html")))]
pub(super) async fn transparency_page(
    Extract(app): Extract<App>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Html<String>, ApiError> {
    let (from, to) = q.period()?;
    let report = read(&app, move |state| transparency::report(state, from, to)).await?;
    render_transparency(&report).map(Html)
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

fn render_transparency(report: &Transparency) -> Result<String, ApiError> {
    let mut by_month = BTreeMap::new();
    let mut by_type = BTreeMap::new();
    let mut by_kind = BTreeMap::new();
    for a in &report.actions {
        *by_month.entry(a.month.clone()).or_default() += a.count;
        *by_type.entry(a.action.replace('_', " ")).or_default() += a.count;
        *by_kind.entry(a.forum_kind.clone()).or_default() += a.count;
    }
    let total: u64 = by_type.values().sum();
    let charts: Vec<Chart> = [
        chart("Actions by month", by_month),
        chart("Actions by type", by_type),
        chart("Actions by kind of forum", by_kind),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut env = minijinja::Environment::new();
    env.add_template(
        "transparency.html",
        include_str!("../../templates/transparency.html"),
    )
    .map_err(ApiError::internal)?;
    let template = env
        .get_template("transparency.html")
        .map_err(ApiError::internal)?;
    let day = |t: Timestamp| t.strftime("%Y-%m-%d").to_string();
    template
        .render(minijinja::context! {
            from => day(report.from),
            to => day(report.to),
            from_ts => report.from.to_string(),
            to_ts => report.to.to_string(),
            spam_actions => report.spam_actions,
            people_acted_on => report.people_acted_on,
            total_actions => total,
            charts => charts,
            reports => &report.reports,
            appeals => &report.appeals,
            reinstatements => &report.reinstatements,
        })
        .map_err(ApiError::internal)
}

/// The public moderator roster (TEAM-4), so that a participant can pick a
/// moderator they are comfortable contacting.
#[utoipa::path(get, path = "/v1/moderators", responses(
    (status = 200, description = "The moderators, in order of appointment", body = Vec<Object>)))]
pub(super) async fn moderators(
    Extract(app): Extract<App>,
) -> Result<Json<Vec<RosterEntry>>, ApiError> {
    read(&app, views::roster).await.map(Json)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// Any moment of the week to show (RFC 3339); default: now.
    #[param(value_type = Option<String>)]
    at: Option<Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Coverage {
    /// Monday 00:00 UTC of the week shown.
    pub week_start: String,
    /// Moderators available in each hour of the week, UTC, from Monday 00:00.
    pub moderators_by_hour: Vec<u32>,
    /// The hours nobody covers, e.g. `monday 03:00 UTC`.
    pub uncovered: Vec<String>,
}

/// The hours of a week with no moderator available (TEAM-4), from each
/// moderator's windows in their own time zone.
#[utoipa::path(get, path = "/v1/coverage", params(CoverageQuery), responses(
    (status = 200, description = "Coverage of the week", body = Coverage)))]
pub(super) async fn coverage(
    Extract(app): Extract<App>,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> Result<Json<Coverage>, ApiError> {
    let week = views::week_start(q.at.unwrap_or_else(Timestamp::now));
    let hours = read(&app, move |state| views::coverage(state, week)).await?;
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let uncovered = hours
        .iter()
        .enumerate()
        .filter(|(_, n)| **n == 0)
        .map(|(h, _)| format!("{} {:02}:00 UTC", DAYS[h / 24 % 7], h % 24))
        .collect();
    Ok(Json(Coverage {
        week_start: week.to_string(),
        moderators_by_hour: hours,
        uncovered,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_page_renders_an_empty_period() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let report = transparency::report(
            &State::default(),
            t("2025-01-01T00:00:00Z"),
            t("2026-01-01T00:00:00Z"),
        );
        let page = render_transparency(&report).map_err(|e| e.message).unwrap();
        assert!(page.contains("No actions in this period"), "{page}");
        assert!(page.contains("from=2025-01-01T00%3A00%3A00Z"), "{page}");
    }
}
