//! Logging in and out, through the same login logic, limits and sessions as
//! `POST /v1/login`.
//!
//! The login form is protected against cross-site posts without a session
//! yet: showing it sets a random cookie (`modpod_login`), and the form
//! carries the same value in its hidden `csrf` field; a post where the two
//! differ is refused.

use super::form::{Fields, Problems};
use super::{Posted, Visitor, WebError, render, same_secret, see};
use crate::http::App;
use crate::http::auth::{self, Login, LoginFailed};
use axum::Form;
use axum::extract::{Query, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use std::collections::BTreeMap;

/// The cookie that the login form's hidden field must match.
const LOGIN_COOKIE: &str = "modpod_login";

/// Where to go after logging in: a path on this site, nothing else.
pub(super) fn next_path(next: &str) -> &str {
    // Browsers drop tabs and line breaks from addresses: "/\t/x" is "//x".
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    if local { next } else { "/" }
}

/// `GET /login`.
pub(super) async fn form(
    Extract(app): Extract<App>,
    Visitor(visitor): Visitor,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let next = next_path(query.get("next").map_or("/", String::as_str));
    if visitor.is_some() {
        return Ok(see(next));
    }
    let token = auth::cookie(&headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map_or_else(|| crate::tokens::random(32), str::to_owned);
    let mut form = Fields::default().kept();
    if let Some(kept) = form.as_object_mut() {
        kept.insert("next".into(), next.into());
    }
    let oidc = super::oidc::offer(&app).await;
    page(
        StatusCode::OK,
        &token,
        form,
        Problems::default(),
        None,
        oidc,
    )
}

fn page(
    status: StatusCode,
    token: &str,
    form: serde_json::Value,
    problems: Problems,
    retry_after: Option<u64>,
    oidc: Option<minijinja::Value>,
) -> Result<Response, WebError> {
    let html = render(
        "login.html",
        context! { csrf => token, form => form, problems => problems, oidc => oidc },
    )?;
    let mut response = (status, Html(html)).into_response();
    let cookie = format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; Secure; SameSite=Strict");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    crate::http::auth::set_retry_after(&mut response, retry_after);
    Ok(response)
}

/// `POST /login`: account, password, the form's token, and where to go next.
pub(super) async fn login(
    Extract(app): Extract<App>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = Fields::new(pairs);
    let token = auth::cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if !same_secret(form.get("csrf"), token) {
        return Err(WebError::Forbidden(
            "This login form did not come from this modpod, or it is too old. \
             Open the login page again and log in from there."
                .into(),
        ));
    }
    let mut problems = Problems::default();
    let account = problems.required(&form, "account").to_owned();
    if form.get("password").is_empty() {
        problems.field("password", "This is required.");
    }
    if !problems.is_empty() {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            form.kept(),
            problems,
            None,
            super::oidc::offer(&app).await,
        );
    }
    let login = Login {
        account,
        password: form.get("password").to_owned(),
    };
    match auth::open_session(&app, auth::client_address(&extensions), login).await {
        Ok(opened) => {
            let mut response = see(next_path(form.get("next")));
            if let Ok(v) = HeaderValue::from_str(&opened.cookie) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "modpod_login=; Path=/login; HttpOnly; Secure; SameSite=Strict; Max-Age=0",
                ),
            );
            Ok(response)
        }
        Err(LoginFailed::Wrong) => {
            problems.field("password", "Wrong account or password.");
            let oidc = super::oidc::offer(&app).await;
            page(
                StatusCode::UNAUTHORIZED,
                token,
                form.kept(),
                problems,
                None,
                oidc,
            )
        }
        Err(LoginFailed::TooMany { retry_after }) => {
            problems.field(
                "password",
                format!("Too many attempts to log in. Wait {retry_after} seconds, then try again."),
            );
            page(
                StatusCode::TOO_MANY_REQUESTS,
                token,
                form.kept(),
                problems,
                Some(retry_after),
                super::oidc::offer(&app).await,
            )
        }
        Err(LoginFailed::Error(error)) => Err(error.into()),
    }
}

/// `POST /logout`: ends the session, then to the home page.
pub(super) async fn logout(
    Extract(app): Extract<App>,
    headers: HeaderMap,
    _: Posted,
) -> Result<Response, WebError> {
    auth::close_session(&app, &headers).await?;
    let mut response = see("/?done=logout");
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(auth::CLEARED_SESSION),
    );
    Ok(response)
}
