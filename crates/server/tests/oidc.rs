//! Logging in through OpenID Connect against a real provider process
//! (`oidc-provider-mock`, see `modpod_testkit::oidc`): modpod serves on a
//! loopback port, and a browser-like client (a cookie store, no script)
//! follows modpod's login link to the provider, submits the provider's own
//! authorization form, and comes back to modpod's callback. The provider
//! discovers, publishes its keys, signs ID tokens and checks the nonce; modpod
//! checks the state, the nonce, and the token's signature, issuer, audience
//! and expiry.
//!
//! The tests of a provider that is down or not configured need no provider.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use modpod_server::http::router;
use modpod_server::oidc::{Oidc, OidcConfig};
use modpod_testkit::oidc::OidcProvider;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode, Url};
use serde_json::{Value, json};
use std::net::SocketAddr;

/// modpod on a loopback port, over the small IETF of `common`.
struct Site {
    base: String,
    api: common::Api,
    db: modpod_testkit::TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Serves modpod, offering login through the provider at `issuer` if given.
async fn site(issuer: Option<&str>) -> Site {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let db = modpod_testkit::TestDb::sqlite();
    let api = common::Api::new(common::engine_on(db.open()));
    let mut app = api.app.clone();
    if let Some(issuer) = issuer {
        app = app.with_oidc(
            Oidc::new(OidcConfig {
                issuer: issuer.to_owned(),
                client_id: "modpod-test".into(),
                client_secret: "modpod-test-secret".into(),
                base_url: base.clone(),
                provider_name: "Test Provider".into(),
            })
            .unwrap(),
        );
    }
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router(app).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Site {
        base,
        api,
        db,
        server,
    }
}

/// A browser: keeps cookies, runs no script; redirects are followed by hand
/// so each step can be looked at.
fn new_browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn location(response: &Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("no Location in {response:?}"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// From modpod's login link through the provider's authorization form,
/// submitted with `fields` (`sub` to log in as that subject, `action=deny` to
/// refuse): the URL of modpod's callback that the provider sends the browser
/// to, not yet visited.
async fn through_provider(
    browser: &Client,
    site: &Site,
    provider: &OidcProvider,
    fields: &[(&str, &str)],
) -> Url {
    through_provider_from(browser, site, provider, "/login/oidc", fields).await
}

/// [`through_provider`], starting at `start` (e.g. with a `next`).
async fn through_provider_from(
    browser: &Client,
    site: &Site,
    provider: &OidcProvider,
    start: &str,
    fields: &[(&str, &str)],
) -> Url {
    let start = browser
        .get(format!("{}{start}", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let set_cookie: Vec<_> = start
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        set_cookie.iter().any(|c| c.starts_with("modpod_oidc=")
            && c.contains("HttpOnly")
            && c.contains("Max-Age=600")),
        "{set_cookie:?}"
    );
    let authorize = Url::parse(&location(&start)).unwrap();
    assert!(
        authorize.as_str().starts_with(&provider.issuer()),
        "{authorize}"
    );
    let params: std::collections::BTreeMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], "modpod-test");
    assert_eq!(
        params["redirect_uri"],
        format!("{}/login/oidc/callback", site.base)
    );
    assert_eq!(params["code_challenge_method"], "S256");
    let scopes: Vec<&str> = params["scope"].split(' ').collect();
    assert!(
        scopes.contains(&"openid") && scopes.contains(&"email"),
        "{scopes:?}"
    );
    for name in ["state", "nonce", "code_challenge"] {
        assert!(params[name].len() >= 20, "{name}: {params:?}");
    }
    // The provider's own form: it posts back to the address it was shown at.
    let form = browser.get(authorize.clone()).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let html = form.text().await.unwrap();
    assert!(
        html.contains(r#"<form method="post""#) && html.contains(r#"name="sub""#),
        "{html}"
    );
    let answer = browser.post(authorize).form(fields).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::FOUND, "{answer:?}");
    let callback = Url::parse(&location(&answer)).unwrap();
    assert!(
        callback
            .as_str()
            .starts_with(&format!("{}/login/oidc/callback?", site.base)),
        "{callback}"
    );
    callback
}

/// `GET /v1/me` with the browser's cookies.
async fn me(browser: &Client, site: &Site) -> (StatusCode, Value) {
    let response = browser
        .get(format!("{}/v1/me", site.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// Login sessions in the store, expired or not.
fn sessions(site: &Site) -> i64 {
    site.db.query_i64("SELECT count(*) FROM sessions")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verified_email_linked_to_a_person_logs_that_person_in() {
    let provider = OidcProvider::start();
    // The address is matched as every email identity is: case-insensitively.
    provider.set_user(
        "carol-at-provider",
        &json!({"email": "Carol@Example.ORG", "email_verified": true, "name": "C"}),
    );
    let site = site(Some(&provider.issuer())).await;
    let browser = new_browser();

    let login = browser
        .get(format!("{}/login", site.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login.contains(r#"<a href="/login/oidc?next=/">Log in with Test Provider</a>"#),
        "{login}"
    );
    assert!(!login.contains("<script"));

    let callback =
        through_provider(&browser, &site, &provider, &[("sub", "carol-at-provider")]).await;
    assert_eq!(me(&browser, &site).await.0, StatusCode::UNAUTHORIZED);
    let done = browser.get(callback.clone()).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let cookies: Vec<String> = done
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("modpod_session=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Strict")),
        "the same session cookie as a password login: {cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("modpod_oidc=;") && c.contains("Max-Age=0")),
        "the login in progress is cleared: {cookies:?}"
    );
    let page = done.text().await.unwrap();
    assert!(
        page.contains(r#"<meta http-equiv="refresh" content="0; url=/me">"#),
        "{page}"
    );

    let (status, body) = me(&browser, &site).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["person"], "carol");
    // The session works for the pages as a password login's does.
    let status_page = browser
        .get(format!("{}/me", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(status_page.status(), StatusCode::OK);
    assert!(status_page.text().await.unwrap().contains("Log out"));

    // The same answer again, in another browser or this one, logs nobody in:
    // the login it belonged to is over.
    let other = new_browser();
    let replayed = other.get(callback.clone()).send().await.unwrap();
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(me(&other, &site).await.0, StatusCode::UNAUTHORIZED);
    let before = sessions(&site);
    let again = browser.get(callback).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sessions(&site), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_state_is_refused_and_logs_nobody_in() {
    let provider = OidcProvider::start();
    provider.set_user(
        "bob",
        &json!({"email": "bob@example.org", "email_verified": true}),
    );
    let site = site(Some(&provider.issuer())).await;
    let browser = new_browser();
    let callback = through_provider(&browser, &site, &provider, &[("sub", "bob")]).await;
    let mut tampered = callback.clone();
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(&pairs);
    assert_ne!(tampered, callback);
    let refused = browser.get(tampered).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = refused.text().await.unwrap();
    assert!(page.contains("its state differs"), "{page}");
    assert_eq!(me(&browser, &site).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions(&site), 0);
    // The refusal ended the login: its genuine answer no longer counts.
    let late = browser.get(callback).send().await.unwrap();
    assert_eq!(late.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sessions(&site), 0);

    // Without the login's cookie, a genuine state counts for nothing either.
    let fresh = new_browser();
    let callback = through_provider(&fresh, &site, &provider, &[("sub", "bob")]).await;
    let stranger = new_browser();
    let refused = stranger.get(callback).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sessions(&site), 0);
}

/// What the provider's authorization form is submitted with.
type Fields = &'static [(&'static str, &'static str)];

#[tokio::test(flavor = "multi_thread")]
async fn an_unverified_unknown_or_missing_email_or_a_refusal_logs_nobody_in() {
    let provider = OidcProvider::start();
    provider.set_user(
        "unverified",
        &json!({"email": "bob@example.org", "email_verified": false}),
    );
    provider.set_user("no-claim", &json!({"email": "bob@example.org"}));
    provider.set_user(
        "stranger",
        &json!({"email": "stranger@example.net", "email_verified": true}),
    );
    provider.set_user("no-email", &json!({"name": "Nobody"}));
    let site = site(Some(&provider.issuer())).await;
    let cases: [(Fields, StatusCode, &str); 5] = [
        (
            &[("sub", "unverified")],
            StatusCode::FORBIDDEN,
            "has not verified the address bob@example.org",
        ),
        (
            &[("sub", "no-claim")],
            StatusCode::FORBIDDEN,
            "has not verified the address bob@example.org",
        ),
        (
            &[("sub", "stranger")],
            StatusCode::FORBIDDEN,
            "No modpod person has the address stranger@example.net",
        ),
        (
            &[("sub", "no-email")],
            StatusCode::FORBIDDEN,
            "did not tell modpod your email address",
        ),
        (
            &[("action", "deny")],
            StatusCode::BAD_REQUEST,
            "Test Provider did not log you in (access_denied)",
        ),
    ];
    let people = site.api.engine.lock().unwrap().state().people.len();
    for (fields, status, says) in cases {
        let browser = new_browser();
        let callback = through_provider(&browser, &site, &provider, fields).await;
        let answer = browser.get(callback).send().await.unwrap();
        assert_eq!(answer.status(), status, "{fields:?}");
        let page = answer.text().await.unwrap();
        assert!(page.contains(says), "{fields:?}: {page}");
        assert_eq!(me(&browser, &site).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(sessions(&site), 0, "{fields:?}");
    }
    assert_eq!(
        site.api.engine.lock().unwrap().state().people.len(),
        people,
        "nobody is created by logging in"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_that_is_down_leaves_password_logins_working() {
    // A loopback port with nothing on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let site = site(Some(&format!("http://127.0.0.1:{port}"))).await;
    let browser = new_browser();
    let login = browser
        .get(format!("{}/login", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let page = login.text().await.unwrap();
    assert!(
        page.contains("Logging in with Test Provider is unavailable just now"),
        "{page}"
    );
    assert!(!page.contains(r#"href="/login/oidc"#), "{page}");
    let start = browser
        .get(format!("{}/login/oidc", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(start.headers().get(reqwest::header::SET_COOKIE).is_none());
    let callback = browser
        .get(format!("{}/login/oidc/callback?code=x&state=y", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(callback.status(), StatusCode::BAD_REQUEST);
    assert_eq!(sessions(&site), 0);
    let (status, _) = site
        .api
        .post(
            "/v1/login",
            &common::As::Nobody,
            json!({"account": "bob", "password": "pw-bob"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_provider_configured_there_is_no_such_login() {
    let site = site(None).await;
    let browser = new_browser();
    for path in [
        "/login/oidc",
        "/login/oidc?next=/me",
        "/login/oidc/callback?code=x&state=y",
    ] {
        let answer = browser
            .get(format!("{}{path}", site.base))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(answer.headers().get(reqwest::header::SET_COOKIE).is_none());
    }
    let login = browser
        .get(format!("{}/login", site.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!login.contains("/login/oidc"), "{login}");
    assert!(!login.contains("Log in with"), "{login}");
    assert_eq!(sessions(&site), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_account_named_like_a_provider_session_cannot_be_taken_over() {
    let provider = OidcProvider::start();
    provider.set_user(
        "dave",
        &json!({"email": "dave@example.org", "email_verified": true}),
    );
    let site = site(Some(&provider.issuer())).await;
    // Made before such names were reserved (`accounts::create` refuses them
    // now), for another person: a session under that name would act as bob.
    let mut store = site.db.open();
    store
        .create_account(&modpod_store::Account {
            name: "oidc:dave".into(),
            person: "bob".into(),
            password_hash: "!".into(),
        })
        .unwrap();
    let browser = new_browser();
    let callback = through_provider(&browser, &site, &provider, &[("sub", "dave")]).await;
    let refused = browser.get(callback).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("an account named oidc:dave exists"),
    );
    assert_eq!(me(&browser, &site).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions(&site), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_signed_with_a_key_modpod_does_not_know_is_refused_then_keys_are_renewed() {
    let mut provider = OidcProvider::start();
    let bob = json!({"email": "bob@example.org", "email_verified": true});
    let site = site(Some(&provider.issuer())).await;
    // modpod discovers the provider and its keys when the login starts ...
    let browser = new_browser();
    let start = browser
        .get(format!("{}/login/oidc", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let authorize = Url::parse(&location(&start)).unwrap();
    // ... then the provider starts signing with a new key.
    provider.restart();
    provider.set_user("bob", &bob);
    let answer = browser
        .post(authorize)
        .form(&[("sub", "bob")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FOUND);
    let callback = Url::parse(&location(&answer)).unwrap();
    let refused = browser.get(callback).send().await.unwrap();
    let status = refused.status();
    let page = refused.text().await.unwrap();
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{page}\n{}",
        provider.log()
    );
    assert!(
        page.contains("ID token is not valid for this login"),
        "{page}"
    );
    assert_eq!(me(&browser, &site).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions(&site), 0);
    // The refusal made modpod forget the keys: the next login fetches the
    // new ones and succeeds.
    let callback = through_provider(&browser, &site, &provider, &[("sub", "bob")]).await;
    let done = browser.get(callback).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let (status, body) = me(&browser, &site).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["person"], "bob");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_logging_in_the_browser_goes_to_next_only_if_it_is_a_path_here() {
    let provider = OidcProvider::start();
    provider.set_user(
        "alice",
        &json!({"email": "alice@example.org", "email_verified": true}),
    );
    let site = site(Some(&provider.issuer())).await;
    for (start, goes_to) in [
        ("/login/oidc?next=/me/reports", "/me/reports"),
        ("/login/oidc?next=/", "/me"),
        ("/login/oidc?next=//evil.example/", "/me"),
        ("/login/oidc?next=https://evil.example/", "/me"),
        ("/login/oidc?next=/%09/evil.example/", "/me"),
    ] {
        let browser = new_browser();
        let callback =
            through_provider_from(&browser, &site, &provider, start, &[("sub", "alice")]).await;
        let done = browser.get(callback).send().await.unwrap();
        assert_eq!(done.status(), StatusCode::OK, "{start}");
        let page = done.text().await.unwrap();
        assert!(
            page.contains(&format!(
                r#"<meta http-equiv="refresh" content="0; url={goes_to}">"#
            )),
            "{start}: {page}"
        );
        assert_eq!(me(&browser, &site).await.1["person"], "alice");
        // Logged in already, the link goes straight there.
        let again = browser
            .get(format!("{}{start}", site.base))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&again), goes_to, "{start}");
    }
}
