//! What anybody may see, without logging in (PRIV-1: none of it carries
//! personal data beyond the public roster): the aggregate transparency report
//! as JSON (NOTIFY-5, STATS-1; its page is `crate::web`'s `/transparency`),
//! the moderator roster and the hours of the week that no moderator covers
//! (TEAM-4).

use super::views::ApiQuery;
use super::{ApiError, App};
use crate::engine::View;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use modpod_policy::State;
use modpod_policy::transparency;
use modpod_policy::views;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// Runs `f` on the state the engine published last, on a blocking thread.
async fn read<T: Send + 'static>(
    app: &App,
    f: impl FnOnce(&State) -> T + Send + 'static,
) -> Result<T, ApiError> {
    app.read(move |view| Ok(f(&view.state))).await
}

/// Answers, with `make`'s body of type `content_type`, every request of
/// `key` alike: the body is made once per change of the log
/// ([`crate::kept`]), on a blocking thread, from `view` (the view published
/// last, read once by the handler).
pub(super) async fn kept<F>(
    app: &App,
    view: Arc<View>,
    key: String,
    content_type: &'static str,
    make: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(&State) -> Result<Vec<u8>, ApiError> + Send + 'static,
{
    let changes = view.head.seq;
    let body = app
        .public_answers
        .get_or_make(
            &app.turns,
            key,
            changes,
            move || make(&view.state).map(Bytes::from),
            ApiError::internal,
        )
        .await?;
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

pub(super) const JSON: &str = "application/json";

/// Answers with `make`'s JSON of `view`'s state: kept under `alike` for
/// everybody answered alike ([`kept`]), made for this caller alone when
/// `alike` is `None`.
pub(super) async fn json_kept_if<T: Serialize>(
    app: &App,
    view: Arc<View>,
    alike: Option<String>,
    make: impl FnOnce(&State) -> Result<T, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    match alike {
        Some(key) => {
            kept(app, view, key, JSON, move |state| {
                serde_json::to_vec(&make(state)?).map_err(ApiError::internal)
            })
            .await
        }
        None => {
            let body = tokio::task::spawn_blocking(move || {
                serde_json::to_vec(&make(&view.state)?).map_err(ApiError::internal)
            })
            .await
            .map_err(ApiError::internal)??;
            Ok(([(header::CONTENT_TYPE, JSON)], body).into_response())
        }
    }
}

/// [`kept`] for JSON, keyed by the path and query.
pub(super) async fn kept_json<T: Serialize>(
    app: &App,
    uri: &Uri,
    make: impl FnOnce(&State) -> Result<T, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    json_kept_if(app, app.view(), Some(uri.to_string()), make).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(crate) struct PeriodQuery {
    /// Start of the period (RFC 3339); default: a year before `to`.
    #[param(value_type = Option<String>)]
    from: Option<Timestamp>,
    /// End of the period, exclusive (RFC 3339); default: now, to the next
    /// whole minute.
    #[param(value_type = Option<String>)]
    to: Option<Timestamp>,
}

impl PeriodQuery {
    pub(crate) fn period(&self) -> Result<(Timestamp, Timestamp), ApiError> {
        // A period that ends now ends at the next whole minute: the same
        // period for a minute, whose counts are kept from one change of the
        // log to the next (`crate::kept::Tallies`).
        let to = self.to.unwrap_or_else(|| {
            let now = Timestamp::now();
            now.round(
                jiff::TimestampRound::new()
                    .smallest(jiff::Unit::Minute)
                    .mode(jiff::RoundMode::Ceil),
            )
            .unwrap_or(now)
        });
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
/// the median time to acknowledge a report. No personal data. A period
/// that ends now is answered as of the last minute at most.
#[utoipa::path(get, path = "/v1/transparency", params(PeriodQuery), responses(
    (status = 200, description = "The report", body = Object),
    (status = 400, description = "A bad period", body = ApiError)))]
pub(super) async fn transparency_json(
    Extract(app): Extract<App>,
    uri: Uri,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Response, ApiError> {
    let (from, to) = q.period()?;
    let tallies = app.tallies.clone();
    kept_json(&app, &uri, move |state| Ok(tallies.report(state, from, to))).await
}

/// The moderator team's yearly statistics (STATS-1): actions per level of
/// its ladder, people contacted, spam and rescinded actions apart; from the
/// log, naming nobody.
#[utoipa::path(get, path = "/v1/statistics", responses(
    (status = 200, description = "The team's table, a row a year", body = Object)))]
pub(super) async fn statistics(Extract(app): Extract<App>, uri: Uri) -> Result<Response, ApiError> {
    kept_json(&app, &uri, |state| Ok(transparency::team_statistics(state))).await
}

/// The same table as CSV, a row a year and one for all the years.
#[utoipa::path(get, path = "/v1/statistics.csv", responses(
    (status = 200, description = "The team's table as CSV", content_type = "text/csv")))]
pub(super) async fn statistics_csv(
    Extract(app): Extract<App>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let csv = kept(
        &app,
        app.view(),
        uri.to_string(),
        "text/csv; charset=utf-8",
        |state| Ok(transparency::team_statistics(state).to_csv().into_bytes()),
    )
    .await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"moderator-team-statistics.csv\"",
        )],
        csv,
    )
        .into_response())
}

/// The public moderator roster (TEAM-4), so that a participant can pick a
/// moderator they are comfortable contacting.
#[utoipa::path(get, path = "/v1/moderators", responses(
    (status = 200, description = "The moderators, in order of appointment", body = Vec<Object>)))]
pub(super) async fn moderators(Extract(app): Extract<App>, uri: Uri) -> Result<Response, ApiError> {
    kept_json(&app, &uri, |state| Ok(views::roster(state))).await
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
