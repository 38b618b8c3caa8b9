//! `/accounts`: an operator makes a one-time link that sets the password of
//! a login account, named by the account or by its person's email address,
//! as `modpod account reset-link` does (`crate::passwords`). The link is
//! shown once, on the answer to the form: only its hash is kept. Who may
//! is `views::may_reset_passwords`'s to say.

use super::form::Problems;
use super::{Posted, Viewer, WebError, me, show};
use crate::http::App;
use crate::passwords::{self, MAX_RESET_HOURS, RESET_HOURS};
use axum::extract::State as Extract;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use jiff::Timestamp;
use minijinja::context;
use modpod_policy::views;
use serde::Serialize;

/// What the operator typed, shown again beside a problem.
#[derive(Debug, Clone, Default, Serialize)]
struct Typed {
    account: String,
    email: String,
    hours: String,
}

impl Typed {
    /// The form as it is first shown: the default number of hours.
    fn empty() -> Typed {
        Typed {
            hours: RESET_HOURS.to_string(),
            ..Typed::default()
        }
    }
}

/// A link just made, to show once.
#[derive(Debug, Serialize)]
struct Made {
    url: String,
    account: String,
    expires: String,
    replaced: usize,
}

fn forbidden() -> WebError {
    WebError::Forbidden(
        "password reset links are made by the operators, who keep the login accounts".to_owned(),
    )
}

/// The page: the form, with what went wrong or the link just made. Never
/// kept by a cache: it may hold a link.
async fn answer(
    app: &App,
    status: StatusCode,
    viewer: Viewer,
    problems: Problems,
    typed: Typed,
    made: Option<Made>,
) -> Result<Response, WebError> {
    let mut response = show(app, status, "accounts.html", move |state, _now| {
        if !views::may_reset_passwords(state, &viewer.person) {
            return Err(forbidden());
        }
        Ok(context! {
            me => me(state, &viewer),
            problems => problems,
            form => typed,
            made => made,
            default_hours => RESET_HOURS,
            max_hours => MAX_RESET_HOURS,
        })
    })
    .await?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /accounts`.
pub(super) async fn page(Extract(app): Extract<App>, viewer: Viewer) -> Result<Response, WebError> {
    let typed = Typed::empty();
    answer(
        &app,
        StatusCode::OK,
        viewer,
        Problems::default(),
        typed,
        None,
    )
    .await
}

/// `POST /accounts/reset`: the account or the email address of its person,
/// and how many hours the link works.
pub(super) async fn reset(
    Extract(app): Extract<App>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let typed = Typed {
        account: form.get("account").trim().to_owned(),
        email: form.get("email").trim().to_owned(),
        hours: form.get("hours").trim().to_owned(),
    };
    let mut problems = Problems::default();
    let hours = if typed.hours.is_empty() {
        Some(RESET_HOURS)
    } else {
        typed.hours.parse::<i64>().ok()
    };
    if hours.is_none() {
        problems.field(
            "hours",
            format!("a whole number of hours, from 1 to {MAX_RESET_HOURS}"),
        );
    }
    match (typed.account.is_empty(), typed.email.is_empty()) {
        (true, true) => problems.field(
            "account",
            "name the account, or give the email address of its person",
        ),
        (false, false) => {
            problems.field("email", "give the account or the email address, not both")
        }
        _ => {}
    }
    let (Some(hours), true) = (hours, problems.is_empty()) else {
        return answer(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            viewer,
            problems,
            typed,
            None,
        )
        .await;
    };
    let view = app.view();
    if !views::may_reset_passwords(&view.state, &viewer.person) {
        return Err(forbidden());
    }
    let asked = typed.clone();
    let made = app
        .read_store(move |store| {
            let account = if asked.account.is_empty() {
                passwords::account_of_email(&view.state, store, &asked.email)
            } else {
                Ok(asked.account)
            };
            Ok(account.and_then(|account| {
                passwords::create_reset(store, &account, hours, Timestamp::now())
            }))
        })
        .await?;
    match made {
        Ok(link) => {
            tracing::info!(
                operator = %viewer.person,
                account = %link.account,
                "an operator made a password reset link on the accounts page"
            );
            let made = Made {
                url: link.url(app.public_url.as_deref()),
                account: link.account.clone(),
                expires: link.expires.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                replaced: link.replaced,
            };
            answer(
                &app,
                StatusCode::OK,
                viewer,
                Problems::default(),
                Typed::empty(),
                Some(made),
            )
            .await
        }
        Err(error) => match error.field() {
            Some(field) => {
                problems.field(field, error.to_string());
                answer(
                    &app,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    viewer,
                    problems,
                    typed,
                    None,
                )
                .await
            }
            None => Err(WebError::internal(error)),
        },
    }
}
