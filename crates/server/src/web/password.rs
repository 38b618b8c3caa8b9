//! `/me/password`: a person changes their password (current, new, the new
//! again), within the login limits; every other session of theirs ends.
//! `/reset/{token}`: a one-time link an operator made
//! (`modpod account reset-link`) sets an account's password; see
//! `crate::passwords`.
//!
//! The change form carries the session's CSRF token like every form
//! (`Posted`). The reset form needs none: the token in its address is the
//! secret, and a page that cannot know it cannot post it.

use super::form::{Fields, Problems};
use super::{Done, Posted, Viewer, WebError, me, render, see, show_with_log};
use crate::http::App;
use crate::http::auth;
use crate::passwords::{self, CONFIRM, CURRENT, ChangeFailed, FieldProblems, NEW, ResetFailed};
use axum::Form;
use axum::extract::{Path, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::Timestamp;
use minijinja::context;

/// The session id the request carries, hashed as the store keeps it.
fn session_key(headers: &HeaderMap) -> Option<[u8; 32]> {
    auth::cookie(headers, auth::SESSION_COOKIE).map(|id| *blake3::hash(id.as_bytes()).as_bytes())
}

fn problems_of(fields: FieldProblems) -> Problems {
    let mut problems = Problems::default();
    for (name, message) in fields {
        problems.field(name, message);
    }
    problems
}

/// The change page, with what went wrong.
async fn page(
    app: &App,
    status: StatusCode,
    viewer: Viewer,
    key: Option<[u8; 32]>,
    problems: Problems,
    done: Option<&'static str>,
) -> Result<Response, WebError> {
    show_with_log(app, status, "password.html", move |engine, _| {
        let has_password = match key {
            Some(key) => match engine.store().session(&key).map_err(WebError::internal)? {
                Some(session) => engine
                    .store()
                    .account(&session.account)
                    .map_err(WebError::internal)?
                    .is_some(),
                None => false,
            },
            None => false,
        };
        Ok(context! {
            me => me(engine.state(), &viewer),
            has_password => has_password,
            problems => problems,
            min_chars => passwords::MIN_PASSWORD_CHARS,
            done => done,
        })
    })
    .await
}

/// `GET /me/password`.
pub(super) async fn form(
    Extract(app): Extract<App>,
    viewer: Viewer,
    headers: HeaderMap,
    Done(done): Done,
) -> Result<Response, WebError> {
    page(
        &app,
        StatusCode::OK,
        viewer,
        session_key(&headers),
        Problems::default(),
        done,
    )
    .await
}

/// `POST /me/password`: the current password, the new one and the new one
/// again.
pub(super) async fn change(
    Extract(app): Extract<App>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let session = auth::cookie(&headers, auth::SESSION_COOKIE).unwrap_or("");
    let typed = passwords::Typed {
        current: form.get(CURRENT).to_owned(),
        new: form.get(NEW).to_owned(),
        confirm: Some(form.get(CONFIRM).to_owned()),
    };
    let address = auth::client_address(&extensions);
    let key = session_key(&headers);
    let (status, problems, retry_after) =
        match passwords::change(&app, session, address, typed).await {
            Ok(()) => return Ok(see("/me/password?done=password")),
            Err(ChangeFailed::NoPassword) => {
                (StatusCode::UNPROCESSABLE_ENTITY, Problems::default(), None)
            }
            Err(ChangeFailed::TooMany { retry_after }) => {
                let mut problems = Problems::default();
                problems.field(
                    CURRENT,
                    format!(
                        "Too many attempts. Wait {retry_after} seconds, then try again; \
                         nothing was changed."
                    ),
                );
                (StatusCode::TOO_MANY_REQUESTS, problems, Some(retry_after))
            }
            Err(ChangeFailed::Problems(fields)) => {
                (StatusCode::UNPROCESSABLE_ENTITY, problems_of(fields), None)
            }
            Err(ChangeFailed::Error(error)) => return Err(error.into()),
        };
    let mut response = page(&app, status, viewer, key, problems, None).await?;
    crate::http::auth::set_retry_after(&mut response, retry_after);
    Ok(response)
}

/// The reset page: the form, the link that does not work, or the password set.
fn reset_page(
    status: StatusCode,
    valid: bool,
    set: bool,
    problems: Problems,
) -> Result<Response, WebError> {
    let html = render(
        "reset.html",
        context! {
            valid => valid,
            set => set,
            problems => problems,
            min_chars => passwords::MIN_PASSWORD_CHARS,
        },
    )?;
    let mut response = (status, Html(html)).into_response();
    // The address holds a secret: no cache keeps the page.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /reset/{token}`: the form, or "not valid any more" (the same page
/// for a token unknown, used or ended).
pub(super) async fn reset_form(
    Extract(app): Extract<App>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let now = Timestamp::now();
    let view = app.view();
    let valid = app
        .read_store(move |store| {
            Ok(passwords::valid_reset(&view.state, store, &token, now)?.is_some())
        })
        .await?;
    if valid {
        reset_page(StatusCode::OK, true, false, Problems::default())
    } else {
        reset_page(StatusCode::NOT_FOUND, false, false, Problems::default())
    }
}

/// `POST /reset/{token}`: the new password and the new password again.
pub(super) async fn reset(
    Extract(app): Extract<App>,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = Fields::new(pairs);
    let typed = passwords::Typed {
        current: String::new(),
        new: form.get(NEW).to_owned(),
        confirm: Some(form.get(CONFIRM).to_owned()),
    };
    match passwords::use_reset(&app, &token, typed).await {
        Ok(_) => reset_page(StatusCode::OK, false, true, Problems::default()),
        Err(ResetFailed::Invalid) => {
            reset_page(StatusCode::NOT_FOUND, false, false, Problems::default())
        }
        Err(ResetFailed::Problems(fields)) => reset_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            true,
            false,
            problems_of(fields),
        ),
        Err(ResetFailed::Error(error)) => Err(error.into()),
    }
}
