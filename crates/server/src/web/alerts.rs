//! The moderator team's alerts (CIRCUMVENT-1): a new identity linked to a
//! person with an action in force, or a post the policy server let through
//! from a person restricted elsewhere. They tell; nothing is acted on. Only
//! the moderators read them, never the person an alert is about.

use super::{Viewer, WebError, me, show};
use crate::http::App;
use axum::extract::State as Extract;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use modpod_policy::model::AlertKind;
use modpod_policy::views;

/// Alerts the page shows at most, the newest first.
const SHOWN: usize = 200;

/// `GET /alerts`.
pub(super) async fn list(Extract(app): Extract<App>, viewer: Viewer) -> Result<Response, WebError> {
    show(&app, StatusCode::OK, "alerts.html", move |state, _| {
        if !state.is_moderator(&viewer.person) {
            return Err(WebError::NotFound);
        }
        let name = |p: &modpod_policy::ids::PersonId| {
            state
                .people
                .get(p)
                .map_or_else(|| p.to_string(), |x| x.name.clone())
        };
        let alerts: Vec<_> = views::alerts_for(state, &viewer.person)
            .into_iter()
            .take(SHOWN)
            .map(|a| {
                context! {
                    id => a.id.0,
                    what => match a.kind {
                        AlertKind::IdentityLinked => "a new account linked",
                        AlertKind::PostedElsewhere => "posted where not restricted",
                    },
                    person => a.person,
                    name => name(&a.person),
                    identity => a.identity.to_string(),
                    forum => a.forum,
                    actions => a.actions.iter().map(|x| x.0).collect::<Vec<_>>(),
                    at => a.at,
                }
            })
            .collect();
        Ok(context! { me => me(state, &viewer), alerts => alerts })
    })
    .await
}
