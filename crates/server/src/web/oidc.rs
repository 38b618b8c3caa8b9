//! Logging in through an OpenID Connect provider (`crate::oidc`), when one is
//! configured: `GET /login/oidc` sends the browser to the provider, `GET
//! /login/oidc/callback` finishes, opens the same kind of session as a
//! password login, and moves on to `/me` (or the `next` the login started
//! with). Without a provider configured both are pages that do not exist.
//!
//! The last step is a page that moves on at once (`<meta http-equiv=refresh>`)
//! rather than a redirect: the callback is reached from the provider's site,
//! and a browser sends the session's `SameSite=Strict` cookie only on a
//! navigation that modpod's own page starts.
//!
//! Every failure is a page saying what happened, logs nobody in and clears
//! the login in progress.

use super::session::next_path;
use super::{Visitor, WebError, render, see};
use crate::http::App;
use crate::http::auth;
use crate::oidc::{self, LoginError, Match, Oidc};
use axum::extract::{Query, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::Timestamp;
use minijinja::context;
use std::collections::BTreeMap;

/// What the login page says about the provider, if one is configured.
pub(super) async fn offer(app: &App) -> Option<minijinja::Value> {
    let oidc = app.oidc.as_ref()?;
    Some(context! { name => oidc.name(), available => oidc.available().await })
}

/// `GET /login/oidc?next=...`: to the provider.
pub(super) async fn start(
    Extract(app): Extract<App>,
    Visitor(visitor): Visitor,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let Some(oidc) = app.oidc.clone() else {
        return Err(WebError::NotFound);
    };
    let next = next_path(query.get("next").map_or("/me", String::as_str));
    let next = if next == "/" { "/me" } else { next };
    if visitor.is_some() {
        return Ok(see(next));
    }
    let started = oidc
        .start(next, Timestamp::now())
        .await
        .map_err(|e| refused(&oidc, e))?;
    let mut response = see(&started.url);
    if let Ok(v) = HeaderValue::from_str(&started.cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// `GET /login/oidc/callback?code=...&state=...` (or `?error=...`): back from
/// the provider. The login in progress is cleared whatever happens.
pub(super) async fn callback(
    Extract(app): Extract<App>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(oidc) = app.oidc.clone() else {
        return WebError::NotFound.into_response();
    };
    let mut response = finish(&app, &oidc, &headers, &query)
        .await
        .unwrap_or_else(IntoResponse::into_response);
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(oidc::CLEARED_FLOW),
    );
    response
}

async fn finish(
    app: &App,
    oidc: &Oidc,
    headers: &HeaderMap,
    query: &BTreeMap<String, String>,
) -> Result<Response, WebError> {
    if let Some(error) = query.get("error") {
        // The provider's own code, if it is one; never its free text.
        let code = oidc::error_code(error).map_or_else(String::new, |c| format!(" ({c})"));
        return Err(WebError::BadRequest(format!(
            "{} did not log you in{code}, so nobody was logged in.",
            oidc.name()
        )));
    }
    let get = |name: &str| query.get(name).map_or("", String::as_str);
    let verified = oidc
        .finish(
            auth::cookie(headers, oidc::FLOW_COOKIE),
            get("state"),
            get("code"),
            Timestamp::now(),
        )
        .await
        .map_err(|e| refused(oidc, e))?;
    let matched = {
        let verified = verified.clone();
        app.read(move |view| Ok(Oidc::person_for(&view.state, &verified)))
            .await?
    };
    let name = oidc.name();
    let person = match matched {
        Match::Person(person) => person,
        Match::NoEmail => {
            return Err(WebError::Forbidden(format!(
                "{name} did not tell modpod your email address, so modpod cannot tell \
                 who you are. Log in with your modpod account instead."
            )));
        }
        Match::Unverified(email) => {
            return Err(WebError::Forbidden(format!(
                "{name} has not verified the address {email}, so modpod cannot rely on it \
                 to tell who you are. Verify it at {name}, or log in with your modpod account."
            )));
        }
        Match::Unknown(email) => {
            return Err(WebError::Forbidden(format!(
                "No modpod person has the address {email}. Logging in does not create \
                 people: ask the moderators or modpod's operator to link this address to \
                 you, then log in again."
            )));
        }
    };
    let opened = auth::open_person_session(app, &person).await?;
    let html = render(
        "oidc.html",
        context! {
            title => "Logged in",
            message => format!("You are logged in through {name}."),
            next => next_path(&verified.next),
        },
    )?;
    let mut response = (StatusCode::OK, Html(html)).into_response();
    if let Ok(v) = HeaderValue::from_str(&opened.cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

fn refused(oidc: &Oidc, error: LoginError) -> WebError {
    match error {
        LoginError::Refused(message) => WebError::BadRequest(message),
        LoginError::Unavailable(detail) => {
            tracing::warn!(%detail, "a login through OpenID Connect failed");
            WebError::Unavailable(format!(
                "Logging in with {} is unavailable just now: modpod cannot reach it. \
                 Log in with your modpod account and password, or try again in a minute.",
                oidc.name()
            ))
        }
    }
}
