//! The registry of groups as the operators see it (FORUM-5): the last sync
//! with the Datatracker this process ran (its changes, its conflicts with
//! what was set by hand, the rows it skipped and the changes the policy
//! refused), the last sync the log records, and the closed fora. Who may see
//! it is `views::may_see_registry`'s to say.

use super::{Viewer, WebError, me, show};
use crate::http::App;
use axum::extract::State as Extract;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use modpod_policy::views;
use std::sync::PoisonError;

/// `GET /registry`.
pub(super) async fn page(Extract(app): Extract<App>, viewer: Viewer) -> Result<Response, WebError> {
    let report = app
        .registry_report
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    show(&app, StatusCode::OK, "registry.html", move |state, _now| {
        if !views::may_see_registry(state, &viewer.person) {
            return Err(WebError::Forbidden(
                "the registry of groups is kept by the operators (FORUM-5)".to_owned(),
            ));
        }
        let closed: Vec<_> = state
            .closed_fora
            .iter()
            .map(|(forum, since)| context! { forum => forum, since => since })
            .collect();
        Ok(context! {
            me => me(state, &viewer),
            report => report,
            recorded => state.registry_synced,
            closed => closed,
        })
    })
    .await
}
