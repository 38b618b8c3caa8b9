//! Passwords, as people and operators use them: a person changes theirs
//! (`/me/password`, `POST /v1/me/password`), and a one-time link an operator
//! made (`modpod account reset-link`) sets one (`/reset/{token}`). Neither
//! touches the log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use common::{As, Page, encode};
use jiff::{SignedDuration, Timestamp};
use modpod_server::http::router;
use modpod_server::passwords::{self, ResetLink};
use modpod_server::tokens::Scope;
use serde_json::json;
use tower::ServiceExt;

const NEW: &str = "a much longer new password";

/// A browser's login session.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn log_in(api: &common::Api, who: &str) -> Browser {
    let As::Session { cookie, csrf } = api.login(who).await else {
        unreachable!()
    };
    Browser { cookie, csrf }
}

async fn request(api: &common::Api, request: Request<Body>) -> Page {
    let response = router(api.app.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    Page {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn get(api: &common::Api, who: Option<&Browser>, path: &str) -> Page {
    let mut r = Request::get(path).header(header::ACCEPT, "text/html");
    if let Some(b) = who {
        r = r.header(header::COOKIE, &b.cookie);
    }
    request(api, r.body(Body::empty()).unwrap()).await
}

async fn post(
    api: &common::Api,
    who: Option<&Browser>,
    path: &str,
    fields: &[(&str, &str)],
) -> Page {
    let mut r = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html");
    if let Some(b) = who {
        r = r.header(header::COOKIE, &b.cookie);
    }
    request(api, r.body(Body::from(encode(fields))).unwrap()).await
}

/// Posts the change form as `who`, with the session's CSRF field.
async fn change(api: &common::Api, who: &Browser, current: &str, new: &str, again: &str) -> Page {
    post(
        api,
        Some(who),
        "/me/password",
        &[
            ("csrf", &who.csrf),
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", again),
        ],
    )
    .await
}

/// Whether `password` is `account`'s, asked of the store (not through the
/// login limits).
fn is_password(api: &common::Api, account: &str, password: &str) -> bool {
    let mut engine = api.engine.lock().unwrap();
    modpod_server::accounts::check(engine.store(), account, password)
        .unwrap()
        .is_some()
}

/// Whether a browser's session still works.
async fn logged_in(api: &common::Api, who: &Browser) -> bool {
    let page = get(api, Some(who), "/me").await;
    match page.status {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert!(
                page.headers[header::LOCATION]
                    .to_str()
                    .unwrap()
                    .starts_with("/login")
            );
            false
        }
        other => panic!("/me answered {other}"),
    }
}

fn reset_link(api: &common::Api, account: &str, hours: i64, now: Timestamp) -> ResetLink {
    let mut engine = api.engine.lock().unwrap();
    passwords::create_reset(engine.store(), account, hours, now).unwrap()
}

/// The text of an element's error, as the page shows it next to the field.
fn error_of(body: &str, field: &str) -> Option<String> {
    let start = body.find(&format!("id=\"{field}-error\""))?;
    let rest = &body[start..];
    let end = rest.find("</p>")?;
    Some(rest[..end].to_owned())
}

#[tokio::test]
async fn changing_my_password_ends_my_other_sessions_and_keeps_this_one() {
    let api = common::Api::new(common::engine());
    let events = api.events();
    let here = log_in(&api, "bob").await;
    let there = log_in(&api, "bob").await;
    let carol = log_in(&api, "carol").await;

    let me = get(&api, Some(&here), "/me").await;
    assert!(me.body.contains("href=\"/me/password\""), "linked from /me");
    let form = get(&api, Some(&here), "/me/password").await;
    assert_eq!(form.status, StatusCode::OK);
    for field in [
        "csrf",
        "current_password",
        "new_password",
        "confirm_password",
    ] {
        assert!(form.body.contains(&format!("name=\"{field}\"")), "{field}");
    }
    assert!(
        get(&api, None, "/me/password").await.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login"),
        "for those logged in"
    );

    // Seen working just before: ended all the same, at once.
    assert!(logged_in(&api, &there).await);
    let changed = change(&api, &here, "pw-bob", NEW, NEW).await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(
        changed.headers[header::LOCATION],
        "/me/password?done=password"
    );
    let done = get(&api, Some(&here), "/me/password?done=password").await;
    assert!(
        done.body.contains("Your password is changed"),
        "{}",
        done.body
    );

    assert!(logged_in(&api, &here).await, "this session stays");
    assert!(!logged_in(&api, &there).await, "the other one ended");
    assert!(logged_in(&api, &carol).await, "nobody else's");
    assert!(is_password(&api, "bob", NEW));
    assert!(!is_password(&api, "bob", "pw-bob"));
    assert_eq!(api.events(), events, "nothing in the log");
}

#[tokio::test]
async fn a_wrong_current_password_a_mismatch_or_a_weak_one_changes_nothing() {
    let cases = [
        (
            "guess",
            NEW,
            NEW,
            "current_password",
            "not your current password",
        ),
        (
            "pw-bob",
            NEW,
            "something else entirely",
            "confirm_password",
            "not the same",
        ),
        (
            "pw-bob",
            "short",
            "short",
            "new_password",
            "at least 12 characters",
        ),
        (
            "pw-bob",
            "BOB@example.org",
            "BOB@example.org",
            "new_password",
            "email address",
        ),
        (
            "pw-bob",
            "bob",
            "bob",
            "new_password",
            "at least 12 characters",
        ),
        ("", NEW, NEW, "current_password", "required"),
        ("pw-bob", "", "", "new_password", "required"),
    ];
    for (current, new, again, field, says) in cases {
        // Each on a service of its own: attempts count against the login limits.
        let api = common::Api::new(common::engine());
        let here = log_in(&api, "bob").await;
        let there = log_in(&api, "bob").await;
        let page = change(&api, &here, current, new, again).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let error = error_of(&page.body, field).unwrap_or_else(|| panic!("no error on {field}"));
        assert!(error.contains(says), "{field}: {error}");
        assert!(
            !page.body.contains(NEW),
            "passwords typed are never sent back"
        );
        assert!(page.body.contains("Nothing was recorded"), "{field}");
        assert!(is_password(&api, "bob", "pw-bob"), "unchanged");
        assert!(logged_in(&api, &there).await, "no session ended");
    }
}

#[tokio::test]
async fn a_change_without_its_csrf_field_or_over_the_login_limits_changes_nothing() {
    let api = common::Api::new(common::engine());
    let here = log_in(&api, "bob").await;
    let forged = post(
        &api,
        Some(&here),
        "/me/password",
        &[
            ("current_password", "pw-bob"),
            ("new_password", NEW),
            ("confirm_password", NEW),
        ],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no CSRF field");
    assert!(is_password(&api, "bob", "pw-bob"), "unchanged");

    // Five attempts a minute from one address, logins and changes together:
    // one login and four wrong passwords, then the right one waits.
    for _ in 0..4 {
        let page = change(&api, &here, "guess", NEW, NEW).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = change(&api, &here, "pw-bob", NEW, NEW).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    assert!(
        error_of(&limited.body, "current_password")
            .unwrap()
            .contains("Too many attempts")
    );
    assert!(is_password(&api, "bob", "pw-bob"), "unchanged");
    let (status, _) = api
        .post(
            "/v1/login",
            &As::Nobody,
            json!({"account": "bob", "password": "pw-bob"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the same limits as logins"
    );
}

#[tokio::test]
async fn the_api_changes_a_password_for_a_login_session_only() {
    let api = common::Api::new(common::engine());
    let As::Session { cookie, csrf } = api.login("bob").await else {
        unreachable!()
    };
    let here = As::Session { cookie, csrf };
    let there = log_in(&api, "bob").await;

    let (status, body) = api
        .post(
            "/v1/me/password",
            &here,
            json!({"current_password": "guess", "new_password": NEW}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "wrong_password");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("current_password: "),
        "{body}"
    );
    let (status, body) = api
        .post(
            "/v1/me/password",
            &here,
            json!({"current_password": "pw-bob", "new_password": "bob"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("weak_password"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("new_password: "),
        "{body}"
    );
    let (status, _) = api
        .post(
            "/v1/me/password",
            &here,
            json!({"current_password": "pw-bob"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a missing field");
    let (status, _) = api
        .post(
            "/v1/me/password",
            &As::Nobody,
            json!({"current_password": "pw-bob", "new_password": NEW}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let token = api.token("bob", Scope::Act);
    let (status, body) = api
        .post(
            "/v1/me/password",
            &token,
            json!({"current_password": "pw-bob", "new_password": NEW}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("session_required"))
    );
    assert!(is_password(&api, "bob", "pw-bob"), "unchanged");
    assert!(logged_in(&api, &there).await);

    let (status, _) = api
        .post(
            "/v1/me/password",
            &here,
            json!({"current_password": "pw-bob", "new_password": NEW}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(is_password(&api, "bob", NEW));
    assert!(!logged_in(&api, &there).await, "the other session ended");
    let (status, _) = api.get("/v1/me", &here).await;
    assert_eq!(status, StatusCode::OK, "this one stays");
}

#[tokio::test]
async fn a_reset_link_sets_the_password_once_and_ends_every_session() {
    let api = common::Api::new(common::engine());
    let events = api.events();
    let bob = log_in(&api, "bob").await;
    let link = reset_link(&api, "bob", 24, Timestamp::now());
    let path = link.path();
    assert_eq!(link.token.len(), 43, "32 bytes, base64url");

    let form = get(&api, None, &path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.headers[header::CACHE_CONTROL], "no-store");
    assert!(form.body.contains("name=\"new_password\""));
    assert!(form.body.contains("name=\"confirm_password\""));

    let weak = post(
        &api,
        None,
        &path,
        &[("new_password", "short"), ("confirm_password", "short")],
    )
    .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(&weak.body, "new_password")
            .unwrap()
            .contains("at least 12")
    );
    let mismatch = post(
        &api,
        None,
        &path,
        &[("new_password", NEW), ("confirm_password", "other")],
    )
    .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&mismatch.body, "confirm_password").is_some());
    assert!(is_password(&api, "bob", "pw-bob"), "unchanged");
    assert!(logged_in(&api, &bob).await);

    let set = post(
        &api,
        None,
        &path,
        &[("new_password", NEW), ("confirm_password", NEW)],
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert!(set.body.contains("Your password is set"));
    assert!(
        !set.headers.contains_key(header::SET_COOKIE),
        "nobody is logged in"
    );
    assert!(is_password(&api, "bob", NEW));
    assert!(!logged_in(&api, &bob).await, "every session ended");

    // Once only.
    let again = post(
        &api,
        None,
        &path,
        &[
            ("new_password", "yet another password"),
            ("confirm_password", "yet another password"),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(
        again
            .body
            .contains("This link is not valid any more; ask the operator for a new one.")
    );
    assert!(
        is_password(&api, "bob", NEW),
        "the second use changed nothing"
    );
    assert_eq!(get(&api, None, &path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(api.events(), events, "nothing in the log");
}

#[tokio::test]
async fn an_expired_replaced_or_unknown_link_is_the_same_page_and_changes_nothing() {
    let api = common::Api::new(common::engine());
    let bob = log_in(&api, "bob").await;
    let fields = [("new_password", NEW), ("confirm_password", NEW)];
    let invalid = "This link is not valid any more; ask the operator for a new one.";

    let made = Timestamp::now() - SignedDuration::from_hours(3);
    let expired = reset_link(&api, "bob", 2, made);
    let expired_page = get(&api, None, &expired.path()).await;
    assert_eq!(expired_page.status, StatusCode::NOT_FOUND);
    assert!(expired_page.body.contains(invalid));
    assert_eq!(
        post(&api, None, &expired.path(), &fields).await.status,
        StatusCode::NOT_FOUND
    );

    let older = reset_link(&api, "bob", 24, Timestamp::now());
    let newer = reset_link(&api, "bob", 24, Timestamp::now());
    assert_eq!(newer.replaced, 1, "the older unused link");
    let older_page = get(&api, None, &older.path()).await;
    assert_eq!(older_page.status, StatusCode::NOT_FOUND);
    assert_eq!(
        post(&api, None, &older.path(), &fields).await.status,
        StatusCode::NOT_FOUND
    );

    let unknown = format!("/reset/{}", "A".repeat(43));
    let unknown_page = get(&api, None, &unknown).await;
    assert_eq!(unknown_page.status, StatusCode::NOT_FOUND);
    assert_eq!(expired_page.body, unknown_page.body, "the same page");
    assert_eq!(older_page.body, unknown_page.body, "the same page");
    assert!(is_password(&api, "bob", "pw-bob"), "unchanged");
    assert!(logged_in(&api, &bob).await);

    // Bad input never fails the service.
    let long = format!("/reset/{}", "x".repeat(5000));
    for path in [
        "/reset/x",
        "/reset/%FF%FE",
        "/reset/..%2F..%2Fetc",
        "/reset/%00",
        long.as_str(),
    ] {
        for page in [
            get(&api, None, path).await,
            post(&api, None, path, &fields).await,
        ] {
            assert!(page.status.is_client_error(), "{path}: {}", page.status);
        }
    }
    let huge = "x".repeat(100_000);
    let page = post(
        &api,
        None,
        &newer.path(),
        &[("new_password", &huge), ("confirm_password", &huge)],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "too long");
    assert_eq!(
        get(&api, None, &newer.path()).await.status,
        StatusCode::OK,
        "the newest still works"
    );
}

/// An operator makes a reset link from `/accounts`, by the account or by
/// its person's email address; it is shown once, never kept by a cache, and
/// sets the password. Nobody else may make one; a problem names its field
/// and makes no link.
#[tokio::test]
async fn an_operator_makes_a_reset_link_from_the_accounts_page() {
    let api = common::Api::new(common::engine());
    let events = api.events();
    let op = log_in(&api, "op").await;
    let page = get(&api, Some(&op), "/accounts").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"<a href="/accounts">Accounts</a>"#));
    let make = |fields: Vec<(&'static str, String)>| {
        let mut all = vec![("csrf", op.csrf.clone())];
        all.extend(fields);
        all
    };

    // By the email address of bob, who has one account.
    let fields = make(vec![
        ("email", "Bob@Example.org".into()),
        ("hours", "2".into()),
    ]);
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = post(&api, Some(&op), "/accounts/reset", &borrowed).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(made.headers[header::CACHE_CONTROL], "no-store");
    assert!(made.body.contains("<strong>bob</strong>"), "{}", made.body);
    let start = made.body.find("<code id=\"reset-link\">").unwrap() + 22;
    let path = made.body[start..].split('<').next().unwrap().to_owned();
    assert!(path.starts_with("/reset/"), "{path}");
    let set = post(
        &api,
        None,
        &path,
        &[("new_password", NEW), ("confirm_password", NEW)],
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert!(is_password(&api, "bob", NEW));

    // Problems, each beside its field; no link is made.
    for (fields, field, says) in [
        (Vec::new(), "account", "name the account"),
        (
            vec![
                ("account", "bob".into()),
                ("email", "bob@example.org".into()),
            ],
            "email",
            "not both",
        ),
        (
            vec![("account", "nobody".into())],
            "account",
            "no account named",
        ),
        (
            vec![("email", "nobody@example.org".into())],
            "email",
            "nobody has",
        ),
        (
            vec![("account", "bob".into()), ("hours", "721".into())],
            "hours",
            "1 to 720",
        ),
        (
            vec![("account", "bob".into()), ("hours", "soon".into())],
            "hours",
            "whole number",
        ),
    ] {
        let fields = make(fields);
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = post(&api, Some(&op), "/accounts/reset", &borrowed).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        let error =
            error_of(&page.body, field).unwrap_or_else(|| panic!("{fields:?}: {}", page.body));
        assert!(error.contains(says), "{fields:?}: {error}");
        assert!(!page.body.contains("reset-link"), "{fields:?}");
    }

    // Without the session's CSRF field, nothing is made.
    let page = post(&api, Some(&op), "/accounts/reset", &[("account", "bob")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("reset-link"));

    // Nobody but an operator: a moderator sees neither the page nor a link.
    let m1 = log_in(&api, "m1").await;
    assert_eq!(
        get(&api, Some(&m1), "/accounts").await.status,
        StatusCode::FORBIDDEN
    );
    let page = post(
        &api,
        Some(&m1),
        "/accounts/reset",
        &[("csrf", &m1.csrf), ("account", "bob")],
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("reset-link"));
    assert!(!get(&api, Some(&m1), "/me").await.body.contains("/accounts"));
    assert_eq!(api.events(), events, "nothing in the log");
}
