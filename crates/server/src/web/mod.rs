//! The web pages: modpod as most people meet it. A participant reports
//! disruptive behaviour and follows their reports, or sees an action against
//! them and what they may do about it; administrators and moderators work the
//! queue of reports and act, and decide reinstatement requests; ADs, the
//! IESG and the IAB hear appeals, and the IESG reads its digest; the IETF LLC
//! takes and lifts emergency actions and its board reviews them; anybody
//! sees the moderator roster and the transparency report.
//!
//! Pages are rendered on the server from templates compiled into the binary
//! (`crates/server/templates/`), with one stylesheet and no script: every
//! change is an ordinary form post, so everything works without JavaScript.
//!
//! Two rules hold on every page:
//! - **Who may see what is decided by `modpod_policy::views`, never here.** A
//!   report is shown only as `views::report_for` gives it (so a reporter's
//!   identity reaches only the forum's administrators and moderators,
//!   REPORT-5), an action only when `views::may_see_action` says so, a history
//!   only through `views::history`, an LLC emergency action only through
//!   `views::llc_action_for`, the IESG digest only through `views::digest`.
//! - **Every change is a policy command**, recorded by
//!   `http::commands::execute`, the path `POST /v1/commands` takes.
//!   Which forms a page offers is asked of the policy too: "may this person
//!   do this kind of thing here, now?" (`modpod_policy::permits`, through
//!   `permitted`), answered by the rules `decide` applies, with no command
//!   made up, so a page never offers what the policy would refuse, nor
//!   hides what it allows.
//!
//! Every form carries the login session's CSRF token in a hidden `csrf`
//! field (`Posted`); a refusal is shown beside the form with its
//! requirement and the policy's words, bad input next to its field, and what
//! was typed is kept.
//!
//! ## Layout
//! - `session`: logging in and out; `oidc`: logging in through an OpenID
//!   Connect provider; `password`: changing one's password, and the
//!   operator's one-time links that set one.
//! - `participant`: the report form, "my reports", "my status".
//! - `queue`, `case`, `action`: the administrators' and moderators' queue,
//!   one report and acting on it, one action.
//! - `timeline`: what those pages show of the log and the delivery ledger (a
//!   case's events with their time and actor, notifications and deliveries).
//! - `appeals`: appeals awaiting an AD, the IETF chair, the IESG or the IAB.
//! - `reinstatements`: reinstatement requests awaiting those who decide them.
//! - `digest`: the IESG digest, the period under way and those issued.
//! - `llc`: the LLC's emergency actions, their lifting and board review.
//! - `public`: the home page, the roster with its coverage chart, the stylesheet.
//! - `public`: the home page, the roster with its coverage chart, the
//!   transparency report, the approved procedures, the announced
//!   suspensions, the stylesheet.
//! - `setup`: fora, delegations, the moderator team, procedures and the Note
//!   Well, for those the policy lets set them up.
//! - `form`: reading posted fields, and saying what was wrong with them.

mod accounts;
mod action;
mod alerts;
mod appeals;
mod case;
mod digest;
mod form;
pub use form::commands_from_form;
mod directory;
mod llc;
mod oidc;
mod participant;
mod password;
mod people;
mod proposals;
pub use directory::People;
mod public;
pub mod queue;
mod registry;
mod reinstatements;
mod session;
mod setup;
mod texts;
mod timeline;

use crate::http::auth::{self, Caller, Via};
use crate::http::{ApiError, App};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use form::Fields;
use jiff::Timestamp;
use minijinja::{Environment, Value, context};
use modpod_policy::ids::PersonId;
use modpod_policy::model::{Capacity, Role};
use modpod_policy::{Actor, Command, Kind, Refusal, State, Target, views};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// The routes of the pages, for the service's router.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(public::home))
        .route("/roster", get(public::roster))
        .route("/transparency", get(public::transparency))
        .route("/statistics", get(public::statistics))
        .route("/procedures", get(public::procedures))
        .route("/announcements", get(public::announcements))
        .route("/setup", get(setup::page))
        .route("/setup/{step}", post(setup::step))
        .route("/assets/modpod.css", get(public::stylesheet))
        .route("/login", get(session::form).post(session::login))
        .route("/login/oidc", get(oidc::start))
        .route("/login/oidc/callback", get(oidc::callback))
        .route("/logout", post(session::logout))
        .route(
            "/report",
            get(participant::report_form).post(participant::file_report),
        )
        .route("/me", get(participant::status))
        .route("/me/password", get(password::form).post(password::change))
        .route(
            "/reset/{token}",
            get(password::reset_form).post(password::reset),
        )
        .route("/me/reports", get(participant::my_reports))
        .route(
            "/me/reports/{id}/disagree",
            post(participant::disagree_with_report),
        )
        .route(
            "/me/actions/{id}/{step}",
            post(participant::about_my_action),
        )
        .route(
            "/me/appeals/{id}/escalate",
            post(participant::escalate_appeal),
        )
        .route("/queue", get(queue::page))
        .route("/queue/spam", post(queue::resolve_spam))
        .route("/cases/{id}", get(case::page))
        .route("/cases/{id}/{step}", post(case::step))
        .route("/actions/{id}", get(action::page))
        .route("/actions/{id}/{step}", post(action::step))
        .route("/appeals", get(appeals::list))
        .route("/appeals/{id}", get(appeals::page))
        .route("/appeals/{id}/decide", post(appeals::decide))
        .route("/alerts", get(alerts::list))
        .route("/texts", get(texts::list))
        .route("/texts/{*name}", get(texts::page).post(texts::step))
        .route("/accounts", get(accounts::page))
        .route("/accounts/reset", post(accounts::reset))
        .route("/people", get(people::search))
        .route("/people/{id}", get(people::page))
        .route("/proposals", get(proposals::list))
        .route("/proposals/{id}/{step}", post(proposals::step))
        .route("/reinstatements", get(reinstatements::list))
        .route("/reinstatements/{id}", get(reinstatements::page))
        .route("/reinstatements/{id}/decide", post(reinstatements::decide))
        .route("/digest", get(digest::current))
        .route("/registry", get(registry::page))
        .route("/digest/{n}", get(digest::issued))
        .route("/llc", get(llc::list).post(llc::take))
        .route("/llc/{id}", get(llc::page))
        .route("/llc/{id}/{step}", post(llc::step))
        .layer(axum::middleware::map_response(page_headers))
}

async fn page_headers(response: Response) -> Response {
    with_page_headers(response)
}

/// Headers for every page: no script may run, nothing is framed, and the
/// pages' forms post only here.
pub(crate) fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

// ---------------------------------------------------------------- templates

/// The stylesheet of every page.
const STYLESHEET: &str = include_str!("../../templates/modpod.css");

/// The templates, parsed once. HTML is escaped automatically (`.html` names).
static TEMPLATES: LazyLock<Result<Environment<'static>, minijinja::Error>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // A record without some optional part shows nothing there.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    macro_rules! templates {
            ($($name:literal),* $(,)?) => {
                $(env.add_template($name, include_str!(concat!("../../templates/", $name)))?;)*
            };
        }
    templates!(
        "layout.html",
        "framed.html",
        "macros.html",
        "error.html",
        "home.html",
        "login.html",
        "oidc.html",
        "report.html",
        "my_reports.html",
        "my_status.html",
        "queue.html",
        "case.html",
        "action.html",
        "notices.html",
        "appeals.html",
        "appeal.html",
        "reinstatements.html",
        "reinstatement.html",
        "proposals.html",
        "people.html",
        "alerts.html",
        "texts.html",
        "text.html",
        "person.html",
        "digest.html",
        "registry.html",
        "accounts.html",
        "llc_actions.html",
        "llc_action.html",
        "roster.html",
        "transparency.html",
        "statistics.html",
        "procedures.html",
        "announcements.html",
        "setup.html",
        "password_fields.html",
        "password.html",
        "reset.html",
    );
    let version = blake3::hash(STYLESHEET.as_bytes()).to_hex();
    env.add_global(
        "stylesheet",
        format!("/assets/modpod.css?v={}", &version[..12]),
    );
    env.set_formatter(html_formatter);
    env.add_function("field_error", field_error);
    env.add_function("field_invalid", field_invalid);
    env.add_filter("when", |t: String| when(&t));
    env.add_filter("day", |t: String| {
        t.parse::<Timestamp>()
            .map_or(t, |t| t.strftime("%Y-%m-%d").to_string())
    });
    Ok(env)
});

/// Escapes text for HTML as the default does, but for `/`, which needs no
/// escaping in HTML text or quoted attributes: addresses and time zones
/// stay readable in the page's source, and pages lighter.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    let text = match value.as_str() {
        Some(text) if !value.is_safe() && state.auto_escape() == minijinja::AutoEscape::Html => {
            text
        }
        _ => return minijinja::escape_formatter(out, state, value),
    };
    escape_into(out, text)?;
    Ok(())
}

/// Writes `text` escaped as [`html_formatter`] escapes it.
fn escape_into(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&text[from..at])?;
        out.write_str(entity)?;
        from = at + 1;
    }
    out.write_str(&text[from..])
}

/// `text` escaped as [`html_formatter`] escapes it.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a string does not fail.
    let _ = escape_into(&mut out, text);
    out
}

/// A moment as pages show it: to the minute, in UTC.
fn when(t: &str) -> String {
    t.parse::<Timestamp>().map_or_else(
        |_| t.to_owned(),
        |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// What went wrong with one field of a form that came back (`problems` as
/// `Problems` serialises it), if anything: the message the field names.
fn field_problem(problems: &minijinja::Value, name: &str) -> Option<String> {
    let message = problems
        .get_attr("fields")
        .and_then(|fields| fields.get_item(&minijinja::Value::from(name)))
        .ok()?;
    message.is_true().then(|| message.to_string())
}

/// `field_error(problems, name, id)`: what went wrong with one field,
/// shown after it and named by it (`id` ~ "-error"). A function rather than
/// a template's macro: every field of every form asks, most often of no
/// problems at all.
fn field_error(problems: minijinja::Value, name: &str, id: &str) -> minijinja::Value {
    let Some(message) = field_problem(&problems, name) else {
        return minijinja::Value::from("");
    };
    let (id, message) = (escaped(id), escaped(&message));
    minijinja::Value::from_safe_string(format!(
        "<p class=\"error\" id=\"{id}-error\"><strong>Error:</strong> {message}</p>"
    ))
}

/// `field_invalid(problems, name, id)`: the attributes that tie a field to
/// its error, if it has one.
fn field_invalid(problems: minijinja::Value, name: &str, id: &str) -> minijinja::Value {
    if field_problem(&problems, name).is_none() {
        return minijinja::Value::from("");
    }
    let id = escaped(id);
    minijinja::Value::from_safe_string(format!(
        " aria-invalid=\"true\" aria-describedby=\"{id}-error\""
    ))
}

/// Renders a template.
pub(crate) fn render(name: &str, ctx: Value) -> Result<String, WebError> {
    let env = TEMPLATES.as_ref().map_err(WebError::internal)?;
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(WebError::internal)
}

/// Renders `template` with what `build` reads from the state the engine
/// published last, on a blocking thread: the engine is never locked.
pub(crate) async fn show<F>(
    app: &App,
    status: StatusCode,
    template: &'static str,
    build: F,
) -> Result<Response, WebError>
where
    F: FnOnce(&State, Timestamp) -> Result<Value, WebError> + Send + 'static,
{
    let view = app.view();
    let html = app
        .reading(move || {
            let ctx = build(&view.state, Timestamp::now())?;
            render(template, ctx)
        })
        .await
        .map_err(WebError::internal)??;
    Ok((status, Html(html)).into_response())
}

/// A public page as rendered once for everybody: whole, as anonymous
/// visitors get it, and its title and main blocks, which a logged-in
/// viewer's page frames with their own navigation.
#[derive(Debug)]
pub struct PublicPage {
    whole: Bytes,
    title: String,
    main: String,
}

impl PublicPage {
    /// Renders `template` (which shows the same to everybody: it does not
    /// read `me`) with `ctx`.
    fn render(template: &str, ctx: Value) -> Result<PublicPage, WebError> {
        let env = TEMPLATES.as_ref().map_err(WebError::internal)?;
        let mut rendered = env
            .get_template(template)
            .and_then(|t| t.render_captured(ctx))
            .map_err(WebError::internal)?;
        let (title, main) = rendered
            .with_state_mut(|blocks| {
                Ok((blocks.render_block("title")?, blocks.render_block("main")?))
            })
            .map_err(|e: minijinja::Error| WebError::internal(e))?;
        let whole = rendered.into_output().into();
        Ok(PublicPage { whole, title, main })
    }

    fn frame(title: &str, main: &str, me: Option<Me>) -> Result<String, WebError> {
        render(
            "framed.html",
            context! { title => title, main => main, me => me },
        )
    }

    /// The page as `viewer` gets it.
    fn for_viewer(&self, state: &State, viewer: Option<&Viewer>) -> Result<Bytes, WebError> {
        match viewer {
            None => Ok(self.whole.clone()),
            Some(viewer) => {
                Ok(Self::frame(&self.title, &self.main, Some(me(state, viewer)))?.into())
            }
        }
    }
}

/// [`show`] for a public page, the same for everybody but for the
/// navigation: it is rendered once per change of the log ([`crate::kept`]), keyed by
/// `key` (the path and query), and framed for each logged-in viewer.
/// `build` gives what `template` shows, which must not depend on the viewer.
pub(crate) async fn show_public<F>(
    app: &App,
    visitor: Option<Viewer>,
    key: String,
    template: &'static str,
    build: F,
) -> Result<Response, WebError>
where
    F: FnOnce(&State, Timestamp) -> Result<Value, WebError> + Send + 'static,
{
    // The page is kept as of the head of the view it is rendered from.
    let view = app.view();
    let from = view.clone();
    let page = app
        .public_pages
        .get_or_make(
            &app.turns,
            key,
            view.head.seq,
            move || {
                PublicPage::render(template, build(&from.state, Timestamp::now())?).map(Arc::new)
            },
            WebError::internal,
        )
        .await?;
    let html = page.for_viewer(&view.state, visitor.as_ref())?;
    Ok((StatusCode::OK, Html(html)).into_response())
}

/// [`show`] for pages that read the log and the ledgers beside it as well as
/// the state (a case's timeline, its deliveries): on a connection of the
/// readers' own, never the engine's.
pub(crate) async fn show_with_log<F>(
    app: &App,
    status: StatusCode,
    template: &'static str,
    build: F,
) -> Result<Response, WebError>
where
    F: FnOnce(&mut Reading<'_>, Timestamp) -> Result<Value, WebError> + Send + 'static,
{
    let (view, readers) = (app.view(), app.readers.clone());
    let html = app
        .reading(move || {
            let mut built = None;
            readers
                .with(|store| {
                    let mut reading = Reading { view: &view, store };
                    built = Some(build(&mut reading, Timestamp::now()));
                    Ok(())
                })
                .map_err(WebError::internal)?;
            let ctx = built.ok_or_else(|| WebError::internal("the page was not built"))??;
            render(template, ctx)
        })
        .await
        .map_err(WebError::internal)??;
    Ok((status, Html(html)).into_response())
}

/// What a page reads: the view the engine published last, and a connection
/// of the readers' own to the log and the ledgers beside it.
pub(crate) struct Reading<'a> {
    view: &'a crate::View,
    store: &'a mut dyn modpod_store::EventStore,
}

impl<'a> Reading<'a> {
    /// The state as the engine last published it.
    pub(crate) fn state(&self) -> &'a State {
        &self.view.state
    }

    /// The log and the ledgers beside it.
    pub(crate) fn store(&mut self) -> &mut dyn modpod_store::EventStore {
        &mut *self.store
    }

    /// The events of one case, as stored and as read, in log order.
    pub(crate) fn case_events(
        &mut self,
        report: modpod_policy::ids::ReportId,
    ) -> Result<Vec<(modpod_store::StoredEvent, modpod_policy::Event)>, modpod_store::StoreError>
    {
        self.view.case_events(&mut *self.store, report)
    }
}

/// After a change: back to a page (303, so reloading it changes nothing).
pub(crate) fn see(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// Records the command a posted form built, as `person` acting in the
/// capacity it names, through the same path as the API, when the form was
/// sound (`built`, and no `problems`). `None` when it is recorded; otherwise
/// the status and the problems to show beside the form again: its bad input
/// as found, or the policy's refusal in its own words, placed beside the
/// form's `fields`.
pub(crate) async fn submit(
    app: &App,
    person: &modpod_policy::ids::PersonId,
    built: Option<(Capacity, Command)>,
    problems: form::Problems,
    fields: &'static [(&'static str, &'static str)],
) -> Result<Option<(StatusCode, form::Problems)>, WebError> {
    Ok(submit_recorded(app, person, built, problems, fields)
        .await?
        .err())
}

/// As [`submit`], with what was recorded when it was.
pub(crate) async fn submit_recorded(
    app: &App,
    person: &modpod_policy::ids::PersonId,
    built: Option<(Capacity, Command)>,
    problems: form::Problems,
    fields: &'static [(&'static str, &'static str)],
) -> Result<Result<crate::Recorded, (StatusCode, form::Problems)>, WebError> {
    let (Some((capacity, command)), true) = (built, problems.is_empty()) else {
        return Ok(Err((StatusCode::UNPROCESSABLE_ENTITY, problems)));
    };
    let actor = modpod_policy::Actor::new(person.clone(), capacity);
    Ok(crate::http::commands::execute(app, actor, command)
        .await?
        .map_err(|refusal| {
            (
                form::refusal_status(&refusal),
                form::Problems::refused(&refusal, fields),
            )
        }))
}

/// Whether what was recorded is a proposal of the moderator team, waiting
/// for its agreement (TEAM-5), rather than the change itself.
pub(crate) fn proposed(recorded: &crate::Recorded) -> bool {
    recorded.proposal().is_some()
}

// -------------------------------------------------------------- who is here

/// The person behind a browser's login session, and the session's CSRF
/// token that the pages' forms carry. Extracting it from a request that has
/// no live session sends the browser to the login page.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub person: PersonId,
    pub csrf: String,
}

/// Who is looking: a logged-in person, or nobody.
pub(crate) struct Visitor(pub Option<Viewer>);

async fn viewer(parts: &Parts, app: &App) -> Result<Option<Viewer>, WebError> {
    let Some(id) = auth::cookie(&parts.headers, auth::SESSION_COOKIE) else {
        return Ok(None);
    };
    match auth::session_caller(app, id.to_owned()).await {
        Ok(Caller {
            person: Some(person),
            via: Via::Session { csrf },
        }) => Ok(Some(Viewer { person, csrf })),
        Ok(_) => Ok(None),
        // An ended session is simply logged out.
        Err(e) if e.status() == StatusCode::UNAUTHORIZED => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The words for a change just made, named by the page's `?done=` (where
/// [`see`] sends the browser after it); `None` when the query names none of
/// modpod's. A query that cannot be read is refused as `Query` refuses it.
pub(crate) struct Done(pub Option<&'static str>);

impl FromRequestParts<App> for Done {
    type Rejection = QueryRejection;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, QueryRejection> {
        let Query(query) =
            Query::<BTreeMap<String, String>>::from_request_parts(parts, app).await?;
        Ok(Done(query.get("done").and_then(|code| done_message(code))))
    }
}

impl FromRequestParts<App> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, WebError> {
        viewer(parts, app).await.map(Visitor)
    }
}

impl FromRequestParts<App> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, WebError> {
        viewer(parts, app).await?.ok_or_else(|| WebError::LogIn {
            next: if parts.method == Method::GET {
                parts
                    .uri
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned()
            } else {
                "/".to_owned()
            },
        })
    }
}

/// A form posted by a logged-in person, its CSRF token checked: the hidden
/// `csrf` field (or the `X-CSRF-Token` header) must be the session's. A post
/// without it is refused before anything is read or decided.
pub(crate) struct Posted {
    pub viewer: Viewer,
    pub form: Fields,
}

impl FromRequest<App> for Posted {
    type Rejection = WebError;

    async fn from_request(request: Request, app: &App) -> Result<Self, WebError> {
        let (mut parts, body) = request.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, app).await?;
        let header = parts
            .headers
            .get(auth::CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let request = Request::from_parts(parts, body);
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, app)
            .await
            .map_err(|rejection| WebError::BadRequest(rejection.body_text()))?;
        let form = Fields::new(pairs);
        let presented = header.unwrap_or_else(|| form.get("csrf").to_owned());
        if !same_secret(&presented, &viewer.csrf) {
            return Err(WebError::Forbidden(
                "This form did not carry this session's security token, so nothing was done. \
                 Go back, reload the page and send it again."
                    .into(),
            ));
        }
        Ok(Posted { viewer, form })
    }
}

/// Compares two secrets in time that does not depend on where they differ
/// (`subtle`); an empty one is never the same as anything.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The viewer as the layout shows them, with the parts of modpod that
/// concern them (which links the navigation offers, not what they may see).
#[derive(Debug, Serialize)]
pub(crate) struct Me {
    pub person: String,
    pub name: String,
    pub csrf: String,
    /// Handles reports somewhere: a moderator or an administrator of a forum.
    pub handles: bool,
    /// Hears appeals: an AD, the IETF chair, the IESG or the IAB.
    pub hears_appeals: bool,
    /// Decides reinstatement requests: a moderator, an administrator of a
    /// forum, or the IESG (for legacy actions).
    pub decides_reinstatements: bool,
    /// Reads the team's alerts (CIRCUMVENT-1): a moderator.
    pub alerts: bool,
    /// Writes and vets the notifications' texts (TEMPLATE-1): a moderator.
    pub texts: bool,
    /// Reads the moderator team's proposals: a moderator, or the IETF
    /// chair, who approves some (TEAM-5, LADDER-1).
    pub proposals: bool,
    /// Reads the IESG digest.
    pub digest: bool,
    /// Works with LLC emergency actions: the LLC's staff and board, and
    /// whoever may see one.
    pub llc: bool,
    /// May set something up (`/setup`): the policy would accept one of its
    /// commands from them.
    pub sets_up: bool,
    /// Makes password reset links for accounts: an operator.
    pub accounts: bool,
}

pub(crate) fn me(state: &State, viewer: &Viewer) -> Me {
    let person = &viewer.person;
    let handles = state.is_moderator(person) || state.administers_any(person);
    let on_iesg = views::on_iesg(state, person);
    Me {
        person: person.to_string(),
        name: state
            .people
            .get(person)
            .map_or_else(|| person.to_string(), |p| p.name.clone()),
        csrf: viewer.csrf.clone(),
        handles,
        hears_appeals: on_iesg || state.holds(person, &Role::IabMember),
        decides_reinstatements: handles || on_iesg,
        proposals: state.is_moderator(person) || state.holds(person, &Role::IetfChair),
        alerts: state.is_moderator(person),
        texts: state.is_moderator(person),
        digest: views::may_see_digest(state, person),
        llc: state.holds_any(person, |r| {
            matches!(r, Role::LlcStaff | Role::LlcBoardMember)
        }) || state
            .llc_actions
            .values()
            .any(|a| views::may_see_llc_action(state, person, a)),
        sets_up: setup::sets_up(state, person, Timestamp::now()),
        accounts: views::may_reset_passwords(state, person),
    }
}

// ------------------------------------------------------- asking the policy

/// Whether the policy permits `person`, acting as `capacity`, a command of
/// this kind about `target` now (`modpod_policy::permits`): what a page asks
/// before it offers a form, with no command to make up.
pub(crate) fn permitted(
    state: &State,
    person: &PersonId,
    capacity: Capacity,
    kind: Kind,
    target: Target,
    now: Timestamp,
) -> Result<(), Refusal> {
    modpod_policy::permits(
        state,
        &Actor::new(person.clone(), capacity),
        kind,
        target,
        now,
    )
}

/// The first of `capacities` in which [`permitted`] says yes.
pub(crate) fn permitted_as(
    state: &State,
    person: &PersonId,
    capacities: &[Capacity],
    kind: Kind,
    target: Target,
    now: Timestamp,
) -> Option<Capacity> {
    capacities
        .iter()
        .copied()
        .find(|c| permitted(state, person, *c, kind, target, now).is_ok())
}

/// A path segment that must be a record's number; anything else is a page
/// that does not exist.
pub(crate) fn number(segment: &str) -> Result<u64, WebError> {
    segment.parse().map_err(|_| WebError::NotFound)
}

/// What a page says after a change was recorded (`?done=...`): fixed words,
/// never text taken from the address.
pub(crate) fn done_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "logout" => "You are logged out.",
        "password" => "Your password is changed. Every other session of yours has ended.",
        "filed" => "Your report was filed. The forum's administrators and the moderators have it.",
        "acknowledge" => "The report is acknowledged; the reporter is told.",
        "review" => "The review of this report has started.",
        "escalate" => "The report is escalated to the moderators.",
        "resolve" => "The report is resolved; the reporter is told how it ended.",
        "spam" => {
            "The reports chosen are resolved as spam (no action needed); each reporter is told."
        }
        "refer" => "The report is referred to the ombudsteam.",
        "act" => "The action is recorded; the people the policy names are told.",
        "act-resolve" => {
            "The action is recorded and the report resolved by it; the people the policy names are told."
        }
        "proposed" => {
            "Proposed to the moderator team: it takes effect once enough moderators agree (see Proposals)."
        }
        "agree" => "Your agreement is recorded.",
        "approve" => "Your approval is recorded.",
        "withdraw" => "The proposal is withdrawn.",
        "drafted" => {
            "Your draft is recorded. It is used once another moderator has read and approved it."
        }
        "approved" => "The draft is approved: notifications of this kind are written from it now.",
        "rescind" => "The action is rescinded.",
        "amend" => "The action is amended.",
        "consult" => {
            "The moderator team is consulted; the change can be made once a moderator answers."
        }
        "answer" => "Your answer for the moderator team is recorded; the administrator is told.",
        "assign" => "The report's assignment is recorded.",
        "message" => "Your message is recorded; those it is for are told by email.",
        "announce" => "Your request for an announcement is recorded.",
        "disagree" => "Your disagreement is filed.",
        "reinstatement" => "Your request for reinstatement is filed.",
        "escalate-appeal" => "Your appeal is taken to the next body.",
        "decided" => "Your decision is recorded; the appellant and the moderator team are told.",
        "reinstatement-decided" => "Your decision on the request is recorded; the person is told.",
        "llc-taken" => {
            "The emergency action is recorded; the IESG is told, and the moderator team and the community unless legal advice withheld it."
        }
        "llc-lifted" => "The emergency action is lifted; the person is told.",
        "board-review" => {
            "Your request for a review by the LLC board is recorded; the board is told."
        }
        "board-decided" => "The board's decision is recorded; the person is told.",
        "setup-working-group" => "The working group is created.",
        "setup-forum" => "The forum is created.",
        "setup-opt-in" => "The opt-in is recorded: the policy now applies to that body's fora.",
        "setup-settings" => "The settings are changed.",
        "setup-delegate" => "The delegation is recorded.",
        "setup-revoke" => "The delegation is revoked.",
        "setup-appoint" => "The moderator is appointed.",
        "setup-recall" => "The moderator is recalled.",
        "setup-draft" => "The draft of the procedures is recorded.",
        "setup-open-review" => "The procedures are open for community review.",
        "setup-approve" => "The procedures are approved; they are in force from now on.",
        "setup-note-well" => "The Note Well is published.",
        _ => return None,
    })
}

// ------------------------------------------------------------------ errors

/// Why a page could not be shown. Every variant is a page of its own, never
/// a bare error: a browser shows it to a person.
#[derive(Debug)]
pub enum WebError {
    /// Not logged in: to the login page, and back here afterwards.
    LogIn {
        next: String,
    },
    NotFound,
    Forbidden(String),
    BadRequest(String),
    /// Something modpod depends on cannot be reached just now.
    Unavailable(String),
    /// Logged where it happened.
    Internal,
}

impl WebError {
    pub(crate) fn internal(error: impl std::fmt::Display) -> WebError {
        tracing::error!(%error, "a page failed");
        WebError::Internal
    }
}

impl From<ApiError> for WebError {
    fn from(error: ApiError) -> WebError {
        match error.status() {
            StatusCode::NOT_FOUND => WebError::NotFound,
            StatusCode::FORBIDDEN => WebError::Forbidden(error.message),
            status if status.is_client_error() => WebError::BadRequest(error.message),
            _ => WebError::Internal,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            WebError::LogIn { next } => {
                return see(&format!("/login?next={}", form::url_encode(&next)));
            }
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such page, or it is not one you may see.".to_owned(),
            ),
            WebError::Forbidden(message) => (StatusCode::FORBIDDEN, "Not allowed", message),
            WebError::BadRequest(message) => (StatusCode::BAD_REQUEST, "Bad request", message),
            WebError::Unavailable(message) => {
                (StatusCode::SERVICE_UNAVAILABLE, "Unavailable", message)
            }
            WebError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "modpod could not complete this; it is logged. Nothing was recorded twice: \
                 reload the page to see where things stand."
                    .to_owned(),
            ),
        };
        match render(
            "error.html",
            context! { title => title, message => message, status => status.as_u16() },
        ) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message).into_response(),
        }
    }
}
