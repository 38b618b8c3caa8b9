//! The IESG digest (NOTIFY-2) as a page: the period under way and every
//! digest issued, each with the actions taken in its period (as the emailed
//! digest lists them), the appeals and reinstatement requests filed or
//! decided in it, and the LLC's emergency actions. Who reads it, and what is
//! in it, is `views::digest`'s to say; anyone else finds no such page.

use super::{Viewer, WebError, me, number, show};
use crate::http::App;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::model::Period;
use modpod_policy::{State, views};

/// One digest with the names the page shows beside its records.
fn digest_context(
    state: &State,
    viewer: &Viewer,
    period: Period,
    issued: bool,
) -> Result<Value, WebError> {
    let digest = views::digest(state, &viewer.person, period, issued).ok_or(WebError::NotFound)?;
    let actions: Vec<_> = digest
        .actions
        .iter()
        .map(|a| context! { action => a, measure => a.terms.measure.name() })
        .collect();
    let appeals: Vec<_> = digest
        .appeals
        .iter()
        .map(|a| {
            let current = a.current();
            context! {
                appeal => a,
                body => current.map(|s| s.level.name()),
                decision => current.and_then(|s| s.decision.as_ref()),
            }
        })
        .collect();
    Ok(context! {
        period => digest.period,
        issued => digest.issued,
        actions => actions,
        appeals => appeals,
        reinstatements => digest.reinstatements,
        llc_actions => digest.llc_actions,
    })
}

fn issued_list(state: &State) -> Vec<Value> {
    views::issued_digests(state)
        .into_iter()
        .enumerate()
        .rev()
        .map(|(n, p)| context! { number => n + 1, period => p })
        .collect()
}

/// `GET /digest`: the period under way, and the digests issued.
pub(super) async fn current(
    Extract(app): Extract<App>,
    viewer: Viewer,
) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "digest.html", move |state, now| {
        let period = views::current_digest_period(state, now);
        Ok(context! {
            me => me(state, &viewer),
            digest => digest_context(state, &viewer, period, false)?,
            issued => issued_list(state),
        })
    })
    .await
}

/// `GET /digest/{n}`: the n-th digest issued (the first is 1).
pub(super) async fn issued(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Path(n): Path<String>,
) -> Result<Response, WebError> {
    let n = number(&n)?;
    show(
        &app,
        StatusCode::OK,
        "digest.html",
        move |state, _: Timestamp| {
            let period = usize::try_from(n)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| views::issued_digests(state).get(i).copied());
            // Who may not read the digest learns nothing, not even how many there are.
            let Some(period) = period.filter(|_| views::may_see_digest(state, &viewer.person))
            else {
                return Err(WebError::NotFound);
            };
            Ok(context! {
                me => me(state, &viewer),
                digest => digest_context(state, &viewer, period, true)?,
                number => n,
                issued => issued_list(state),
            })
        },
    )
    .await
}
