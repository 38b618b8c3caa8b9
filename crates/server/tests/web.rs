//! The web pages as a browser without scripts uses them: pages fetched with
//! a session cookie, forms posted as `application/x-www-form-urlencoded`
//! with their hidden CSRF field. Who sees what, what a bad form shows, and
//! that a forged form changes nothing. (The same flows in a real Chromium
//! are in `crates/modpod/tests/browser.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use common::{As, IETF, PEOPLE, Page, TLS, encode};
use jiff::Timestamp;
use modpod_policy::ids::{ActionId, LlcActionId, PersonId, ReinstatementId};
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command, views};
use modpod_server::http::router;
use serde_json::json;
use std::collections::BTreeMap;
use tower::ServiceExt;

struct Web {
    api: common::Api,
    sessions: BTreeMap<&'static str, (String, String)>,
}

impl Web {
    async fn new() -> Web {
        Web::on(common::engine())
    }

    /// The pages over `engine`, nobody logged in yet.
    fn on(engine: modpod_server::Engine) -> Web {
        Web {
            api: common::Api::new(engine),
            sessions: BTreeMap::new(),
        }
    }

    async fn log_in(&mut self, who: &'static str) {
        let As::Session { cookie, csrf } = self.api.login(who).await else {
            unreachable!()
        };
        self.sessions.insert(who, (cookie, csrf));
    }

    fn cookie(&self, who: Option<&str>) -> Option<&str> {
        who.map(|w| self.sessions[w].0.as_str())
    }

    fn csrf(&self, who: &str) -> String {
        self.sessions[who].1.clone()
    }

    async fn request(&self, request: Request<Body>) -> Page {
        let response = router(self.api.app.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    /// `GET path` as `who` (`None`: nobody logged in).
    async fn get(&self, who: Option<&str>, path: &str) -> Page {
        let mut request = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(cookie) = self.cookie(who) {
            request = request.header(header::COOKIE, cookie);
        }
        self.request(request.body(Body::empty()).unwrap()).await
    }

    /// Posts a form as `who`, with the session's CSRF field.
    async fn post(&self, who: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf(who);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(Some(who), path, &all).await
    }

    /// Posts exactly these fields.
    async fn post_raw(&self, who: Option<&str>, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        if let Some(cookie) = self.cookie(who) {
            request = request.header(header::COOKIE, cookie);
        }
        self.request(request.body(Body::from(encode(fields))).unwrap())
            .await
    }

    fn events(&self) -> u64 {
        self.api.events()
    }
}

/// Carol reports bob's post on the tls list.
const REPORT: [(&str, &str); 6] = [
    ("forum", TLS),
    ("subject_kind", "email"),
    ("subject", "bob@example.org"),
    ("category", "uncivil"),
    ("description", "He called the editor an idiot, twice."),
    (
        "links",
        "https://mailarchive.example/tls/1\nhttps://mailarchive.example/tls/2",
    ),
];

/// A world with a report by carol about bob on tls (#0), a report by erin
/// about the moderator m1 on the plenary list (#1), alice's suspension of
/// bob that cites the first, and bob's disagreement with it.
async fn world() -> Web {
    let mut web = Web::new().await;
    for who in ["carol", "erin", "alice", "bob"] {
        web.log_in(who).await;
    }
    let page = web.post("carol", "/report", &REPORT).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/me/reports?done=filed");
    let page = web
        .post(
            "erin",
            "/report",
            &[
                ("forum", IETF),
                ("subject_kind", "person"),
                ("subject", "m1"),
                ("category", "sealioning"),
                ("description", "Asks for evidence of everything, forever."),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = web
        .post(
            "alice",
            "/cases/1/act",
            &[
                ("as", "administrator"),
                ("measure", "temporary_suspension"),
                ("fora", TLS),
                ("days", "21"),
                ("reason", "Personal attacks after a warning: REASON-MARK"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = web
        .post(
            "bob",
            "/me/actions/1/disagree",
            &[("grounds", "I was quoting someone else: GROUNDS-MARK")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    web
}

/// Text as the pages escape it.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Whether `text` names `word` as a word of its own (`erin`, not "covering").
fn mentions(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Every page a person may open, with the records of `world`.
const PAGES: [&str; 28] = [
    "/",
    "/alerts",
    "/digest",
    "/people?q=bob",
    "/people/bob",
    "/proposals",
    "/statistics",
    "/reinstatements",
    "/llc",
    "/report",
    "/me",
    "/me/reports",
    "/queue",
    "/queue?show=all",
    "/cases/1",
    "/cases/2",
    "/actions/1",
    "/appeals",
    "/appeals/1",
    "/roster",
    "/transparency",
    "/procedures",
    "/announcements",
    "/setup",
    "/login",
    // No OpenID Connect provider is configured here: pages that do not exist.
    "/login/oidc",
    "/login/oidc/callback?code=x&state=y",
    "/nothing-here",
];

#[tokio::test]
async fn a_reporter_is_shown_only_to_the_forum_s_administrators_and_the_moderators() {
    let mut web = world().await;
    for who in PEOPLE {
        if !web.sessions.contains_key(who) {
            web.log_in(who).await;
        }
    }
    let viewers: Vec<Option<&str>> = std::iter::once(None).chain(PEOPLE.map(Some)).collect();
    for viewer in viewers {
        let mut seen = String::new();
        for path in PAGES {
            let page = web.get(viewer, path).await;
            assert!(
                !page.status.is_server_error(),
                "{path} for {viewer:?}: {}",
                page.status
            );
            seen.push_str(&page.body);
        }
        // Report #1: carol about bob on tls, which alice administers.
        let sees_carol = matches!(
            viewer,
            Some("carol" | "alice" | "m1" | "m2" | "m3" | "m4" | "m5")
        );
        assert_eq!(
            mentions(&seen, "carol"),
            sees_carol,
            "{viewer:?} {} carol",
            if sees_carol {
                "must see"
            } else {
                "must not see"
            }
        );
        // Report #2: erin about the moderator m1 on the plenary list: the
        // other moderators see who filed it, m1 never does (REPORT-5).
        let sees_erin = matches!(viewer, Some("erin" | "m2" | "m3" | "m4" | "m5"));
        assert_eq!(
            mentions(&seen, "erin"),
            sees_erin,
            "{viewer:?} {} erin",
            if sees_erin {
                "must see"
            } else {
                "must not see"
            }
        );
    }
    let case = web.get(Some("alice"), "/cases/1").await;
    assert!(case.body.contains("Reported by"), "{}", case.body);
    let case = web.get(Some("m1"), "/cases/2").await;
    assert_eq!(case.status, StatusCode::OK);
    assert!(!case.body.contains("Reported by"), "{}", case.body);
    let case = web.get(Some("bob"), "/cases/1").await;
    assert_eq!(case.status, StatusCode::OK, "the subject sees the report");
    assert!(!case.body.contains("Reported by"), "{}", case.body);
    assert!(!case.body.contains("Take an action"), "{}", case.body);
    for outsider in ["dave", "erin", "iab", "llc"] {
        let page = web.get(Some(outsider), "/cases/1").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{outsider}");
    }
}

#[tokio::test]
async fn public_pages_carry_no_personal_data_and_no_script() {
    let web = world().await;
    let private = [
        "bob",
        "carol",
        "erin",
        "alice",
        "example.org",
        "idiot",
        "REASON-MARK",
        "GROUNDS-MARK",
        "mailarchive",
    ];
    for path in PAGES {
        let page = web.get(None, path).await;
        if [
            "/report",
            "/me",
            "/me/reports",
            "/queue",
            "/queue?show=all",
            "/setup",
        ]
        .contains(&path)
            || path.starts_with("/cases")
            || path.starts_with("/actions")
            || path.starts_with("/appeals")
        {
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            assert!(page.location().starts_with("/login?next="), "{path}");
        }
        for word in private {
            // The suspension of bob over 14 days is announced (NOTIFY-3):
            // his name, and nothing else about it, is public.
            if path == "/announcements" && word == "bob" {
                continue;
            }
            assert!(
                !mentions(&page.body, word),
                "{path} shows {word:?} to anybody:\n{}",
                page.body
            );
        }
        assert!(!page.body.contains("<script"), "{path} has a script");
    }
    // The roster is public on purpose (TEAM-4): the moderators are on it.
    let roster = web.get(None, "/roster").await;
    assert!(roster.body.contains("m1"), "{}", roster.body);
    // The announcement names bob, the measure, the forum and the dates; not
    // who acted, nor why.
    let announced = web.get(None, "/announcements").await;
    assert_eq!(announced.status, StatusCode::OK);
    let row = announced
        .body
        .split("<tbody>")
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .unwrap_or_else(|| panic!("no announcement:\n{}", announced.body));
    assert!(
        mentions(row, "bob") && row.contains("temporary suspension") && row.contains(TLS),
        "{row}"
    );
    assert_eq!(row.matches("<tr>").count(), 1, "{row}");
    // The transparency page is in the shared layout, and a bad period is a
    // clear 400.
    let report = web.get(None, "/transparency").await;
    assert!(report.body.contains(r#"href="/roster""#) && report.body.contains("<main"));
    for bad in [
        "/transparency?from=yesterday",
        "/transparency?to=2020-01-01T00:00:00Z&from=2030-01-01T00:00:00Z",
        "/transparency?who=bob",
    ] {
        let page = web.get(None, bad).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn every_page_works_without_script_and_is_labelled() {
    let mut web = world().await;
    for who in ["m1", "ad_sec"] {
        web.log_in(who).await;
    }
    for who in ["carol", "alice", "bob", "m1", "ad_sec"] {
        for path in PAGES {
            let page = web.get(Some(who), path).await;
            let body = &page.body;
            let html = page
                .headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|t| t.to_str().unwrap().starts_with("text/html"));
            if !html {
                continue;
            }
            assert!(!body.contains("<script"), "{path} for {who}");
            assert_accessible(&page, &format!("{path} for {who}"));
        }
    }
}

/// A page in the layout, with no script, and every visible control labelled.
fn assert_accessible(page: &Page, what: &str) {
    let body = &page.body;
    assert!(!body.contains("<script"), "{what}");
    assert!(body.contains(r#"<html lang="en">"#), "{what}");
    assert_eq!(body.matches("<main").count(), 1, "{what}");
    assert!(
        page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"),
        "{what}"
    );
    for (at, _) in body
        .match_indices("<input")
        .chain(body.match_indices("<select"))
        .chain(body.match_indices("<textarea"))
    {
        let tag = &body[at..at + body[at..].find('>').unwrap()];
        if tag.contains(r#"type="hidden""#) {
            continue;
        }
        let id = tag
            .split(r#"id=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{what}: a control without an id: {tag}"));
        assert!(
            body.contains(&format!(r#"<label for="{id}""#)),
            "{what}: no label for {id}"
        );
    }
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let web = world().await;
    let before = web.events();
    let without: Vec<(&str, &str)> = REPORT.to_vec();
    let page = web.post_raw(Some("carol"), "/report", &without).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("security token"), "{}", page.body);
    let mut forged = vec![("csrf", "0123456789abcdef0123456789abcdef")];
    forged.extend_from_slice(&REPORT);
    let page = web.post_raw(Some("carol"), "/report", &forged).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Another person's token is no better.
    let alices = web.csrf("alice");
    let mut borrowed = vec![("csrf", alices.as_str())];
    borrowed.extend_from_slice(&REPORT);
    let page = web.post_raw(Some("carol"), "/report", &borrowed).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = web
        .post_raw(
            Some("alice"),
            "/cases/1/acknowledge",
            &[("as", "administrator")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = web.post_raw(Some("bob"), "/logout", &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(web.events(), before, "a refused form records nothing");
    assert_eq!(
        web.get(Some("bob"), "/me").await.status,
        StatusCode::OK,
        "bob is still logged in"
    );
    // The login form needs the token its page set in a cookie.
    let page = web
        .post_raw(
            None,
            "/login",
            &[("account", "dave"), ("password", "pw-dave")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.headers.get(header::SET_COOKIE).is_none());

    // With the token, the same form is recorded.
    let page = web
        .post("alice", "/cases/1/acknowledge", &[("as", "administrator")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(web.events() > before);
}

#[tokio::test]
async fn logging_in_and_out_through_the_pages() {
    let web = Web::new().await;
    let form = web.get(None, "/login?next=/me/reports").await;
    assert_eq!(form.status, StatusCode::OK);
    let cookie = form.headers[header::SET_COOKIE].to_str().unwrap();
    let token = cookie
        .strip_prefix("modpod_login=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        form.body
            .contains(&format!(r#"name="csrf" value="{token}""#))
    );
    let login = |password: &'static str| {
        let token = token.clone();
        let web = &web;
        async move {
            let request = Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("modpod_login={token}"))
                .body(Body::from(encode(&[
                    ("csrf", &token),
                    ("account", "dave"),
                    ("password", password),
                    ("next", "/me/reports"),
                ])))
                .unwrap();
            web.request(request).await
        }
    };
    let wrong = login("guess").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong account or password"));
    assert!(
        wrong.body.contains(r#"value="dave""#),
        "the account is kept"
    );
    assert!(!wrong.body.contains("guess"), "the password is not");
    let right = login("pw-dave").await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(right.location(), "/me/reports");
    let session = right
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("modpod_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = web
        .request(
            Request::get("/me")
                .header(header::COOKIE, &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page
        .body
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let out = web
        .request(
            Request::post("/logout")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &session)
                .body(Body::from(encode(&[("csrf", &csrf)])))
                .unwrap(),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = web
        .request(
            Request::get("/me")
                .header(header::COOKIE, &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the session ended");
    assert_eq!(after.location(), "/login?next=/me");
}

#[tokio::test]
async fn bad_input_is_shown_next_to_its_field_and_what_was_typed_is_kept() {
    let web = world().await;
    let before = web.events();

    // Empty: the description.
    let page = web
        .post(
            "carol",
            "/report",
            &[
                ("forum", TLS),
                ("subject", "bob@example.org"),
                ("category", "uncivil"),
                ("description", "   "),
                ("links", "https://mailarchive.example/tls/9"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &page.body;
    assert!(
        body.contains(r#"id="description-error"><strong>Error:</strong> Say what happened."#),
        "{body}"
    );
    assert!(body.contains(r#"aria-invalid="true" aria-describedby="description-error""#));
    assert!(
        body.contains(r#"value="bob@example.org""#),
        "the person is kept"
    );
    assert!(
        body.contains(">https://mailarchive.example/tls/9</textarea>"),
        "the links are kept"
    );
    assert!(
        body.contains(r#"value="uncivil" checked"#),
        "the category is kept"
    );

    // Too long: the policy's own limit, next to the field, the text kept.
    let long = "x".repeat(20_001);
    let page = web
        .post(
            "carol",
            "/report",
            &[
                ("forum", TLS),
                ("subject", "bob@example.org"),
                ("category", "uncivil"),
                ("description", &long),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(
            r#"id="description-error"><strong>Error:</strong> must be at most 20000 characters"#
        ),
        "{}",
        &page.body[..2000]
    );
    assert!(page.body.contains(&format!(">{long}</textarea>")));

    // Not an address, and a script typed into a field comes back as text.
    let page = web
        .post(
            "carol",
            "/report",
            &[
                ("forum", TLS),
                ("subject", "<script>alert(1)</script>"),
                ("category", "uncivil"),
                ("description", "see above"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="subject-error""#), "{}", page.body);
    assert!(!page.body.contains("<script>alert"));
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    // The wrong type: days that are not a number.
    let page = web
        .post(
            "alice",
            "/cases/1/act",
            &[
                ("as", "administrator"),
                ("measure", "temporary_suspension"),
                ("fora", TLS),
                ("days", "three weeks"),
                ("reason", "Kept reason"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains(r#"id="act-days-error"><strong>Error:</strong> Give a whole number of days"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="three weeks""#));
    assert!(page.body.contains(">Kept reason</textarea>"));
    assert!(
        page.body.contains(&format!(r#"value="{TLS}" checked"#)),
        "the ticked forum stays ticked"
    );
    assert_eq!(web.events(), before, "nothing bad was recorded");
}

#[tokio::test]
async fn an_out_of_scope_measure_is_refused_inline_with_act_4_s_words() {
    let web = world().await;
    let before = web.events();
    let page = web
        .post(
            "alice",
            "/cases/1/act",
            &[
                ("as", "administrator"),
                ("measure", "content_removal"),
                ("fora", TLS),
                ("reason", "Remove the insulting posts"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(
            "<strong>Refused (ACT-4):</strong> content removal or redaction is out of scope: \
             the policy does not cover removing or redacting content"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Remove the insulting posts</textarea>"));
    // The form offers no measure the policy puts out of scope (ACT-4).
    assert!(!page.body.contains(r#"value="content_removal""#));
    assert_eq!(web.events(), before);

    // Acting where one does not administer: ACT-2, in the policy's words.
    let mut web = web;
    web.log_in("dave").await;
    let page = web.get(Some("dave"), "/cases/1").await;
    assert_eq!(
        page.status,
        StatusCode::NOT_FOUND,
        "dave does not handle tls"
    );
}

#[tokio::test]
async fn the_report_form_shows_the_policy_s_categories_and_the_note_well() {
    let mut web = Web::new().await;
    let op = web.api.login("op").await;
    web.api
        .run(
            &op,
            "operator",
            json!({"command": "publish_note_well", "version": 3,
                   "text": "NOTE-WELL-TEXT: be kind.",
                   "links": ["https://www.ietf.org/contact/ombudsteam/"]}),
        )
        .await;
    web.log_in("carol").await;
    let page = web.get(Some("carol"), "/report").await;
    assert_eq!(page.status, StatusCode::OK);
    let state = web.api.engine.lock().unwrap().state().clone();
    for c in &state.categories {
        assert!(page.body.contains(&html(&c.title)), "{}", c.title);
        assert!(
            page.body.contains(&html(&c.explanation)),
            "{}",
            c.explanation
        );
    }
    assert!(page.body.contains("Also sent to the ombudsteam."));
    assert!(page.body.contains("NOTE-WELL-TEXT: be kind."));
    assert!(
        page.body
            .contains(r#"<a href="https://www.ietf.org/contact/ombudsteam/">"#)
    );
    assert!(
        !page.body.contains(common::TLS_CHAIRS),
        "a private list is not offered"
    );
    let mut filed = REPORT.to_vec();
    filed.push(("note_well", "3"));
    filed[3] = ("category", "harassment");
    let page = web.post("carol", "/report", &filed).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let state = web.api.engine.lock().unwrap().state().clone();
    let carol = modpod_policy::ids::PersonId::parse("carol").unwrap();
    assert_eq!(state.note_well_seen.get(&carol), Some(&3));
    assert_eq!(
        state.referrals.len(),
        1,
        "harassment goes to the ombudsteam"
    );
    let mine = web.get(Some("carol"), page.location()).await;
    assert!(mine.body.contains("Your report was filed"), "{}", mine.body);
    assert!(mine.body.contains("received"), "{}", mine.body);
}

#[tokio::test]
async fn the_queue_shows_deadlines_and_filters_by_forum_and_category() {
    let mut web = world().await;
    web.log_in("m1").await;
    let queue = web.get(Some("alice"), "/queue").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(r#"href="/cases/1""#));
    assert!(
        !queue.body.contains(r#"href="/cases/2""#),
        "not alice's forum"
    );
    let queue = web.get(Some("m1"), "/queue").await;
    assert!(queue.body.contains(r#"href="/cases/1""#));
    assert!(queue.body.contains(r#"href="/cases/2""#));
    let state = web.api.engine.lock().unwrap().state().clone();
    let filed = state.reports.values().next().unwrap().filed_at;
    let deadline = modpod_policy::time::add_seconds(filed, 48 * 3600);
    assert!(
        queue
            .body
            .contains(&deadline.strftime("%Y-%m-%d %H:%M").to_string()),
        "the deadline is filed + 48 hours"
    );
    let only = web.get(Some("m1"), &format!("/queue?forum={IETF}")).await;
    assert!(!only.body.contains(r#"href="/cases/1""#));
    assert!(only.body.contains(r#"href="/cases/2""#));
    let only = web.get(Some("m1"), "/queue?category=uncivil").await;
    assert!(only.body.contains(r#"href="/cases/1""#));
    assert!(!only.body.contains(r#"href="/cases/2""#));
    let page = web.get(Some("carol"), "/queue").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

/// A hundred more public mailing lists (`list0@example.org` to `list99@`),
/// created by the operator: more than a page lists to choose from.
fn hundred_more_fora(web: &Web) {
    let mut engine = web.api.engine.lock().unwrap();
    let op = Actor::new(PersonId::parse("op").unwrap(), Capacity::Operator);
    let fora: Vec<_> = (0..100)
        .map(|n| {
            let forum = format!("list{n}@example.org");
            let create = json!({"command": "create_forum", "forum": forum,
                "name": forum, "kind": "mailing-list", "organisation": "ietf",
                "public": true, "plenary": false});
            (op.clone(), common::command(create))
        })
        .collect();
    engine.execute_all(&fora, Timestamp::now()).unwrap();
}

/// A moderator sees every public forum: beyond a hundred, the queue's forum
/// filter is typed rather than chosen from a list, and filters the same.
#[tokio::test]
async fn the_queue_s_forum_is_typed_when_there_are_too_many_to_list() {
    let mut web = world().await;
    web.log_in("m1").await;
    let listed = web.get(Some("m1"), "/queue").await;
    assert!(
        listed.body.contains(r#"<select id="q-forum""#),
        "{}",
        listed.body
    );
    hundred_more_fora(&web);
    let typed = web.get(Some("m1"), "/queue").await;
    assert!(!typed.body.contains(r#"<select id="q-forum""#));
    assert!(
        typed
            .body
            .contains(r#"<input id="q-forum" name="forum" type="search" value="""#)
    );
    assert!(typed.body.contains(r#"href="/cases/1""#));
    assert!(typed.body.contains(r#"href="/cases/2""#));
    let forum = IETF.replace('@', "%40");
    let only = web
        .get(Some("m1"), &format!("/queue?forum=+{forum}+"))
        .await;
    assert!(
        only.body
            .contains(&format!(r#"type="search" value=" {IETF} ""#))
    );
    assert!(!only.body.contains(r#"href="/cases/1""#));
    assert!(only.body.contains(r#"href="/cases/2""#));
}

#[tokio::test]
async fn the_status_page_offers_what_the_policy_allows_now_through_the_appeal_chain() {
    let mut web = world().await;
    web.log_in("ad_sec").await;
    let status = web.get(Some("bob"), "/me").await;
    let body = &status.body;
    assert!(body.contains("Temporary suspension"), "{body}");
    assert!(body.contains("REASON-MARK"));
    assert!(body.contains("none approved yet"), "the procedures version");
    assert!(body.contains("Ask for this suspension to be announced"));
    assert!(body.contains("Before the responsible Area Director (ad_sec)"));
    assert!(body.contains("awaiting a decision"));
    assert!(!body.contains("Appeal to"), "not before the AD decided");
    assert!(
        !body.contains("reinstatement"),
        "only for indefinite suspensions"
    );

    // The AD sees it awaiting them, and decides.
    let appeals = web.get(Some("ad_sec"), "/appeals").await;
    assert!(
        appeals.body.contains("Awaiting your decision"),
        "{}",
        appeals.body
    );
    assert!(appeals.body.contains(r#"href="/appeals/1""#));
    let appeal = web.get(Some("ad_sec"), "/appeals/1").await;
    assert!(appeal.body.contains("GROUNDS-MARK"));
    assert!(appeal.body.contains("REASON-MARK"), "with the record");
    let page = web
        .post(
            "ad_sec",
            "/appeals/1/decide",
            &[
                ("as", "area_director"),
                ("upheld", "yes"),
                ("remedy", "none"),
                ("rationale", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="rationale-error""#));
    let page = web
        .post(
            "ad_sec",
            "/appeals/1/decide",
            &[
                ("as", "area_director"),
                ("upheld", "yes"),
                ("remedy", "none"),
                ("rationale", "Fair point"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Refused (APPEAL-3)"), "{}", page.body);
    let page = web
        .post(
            "ad_sec",
            "/appeals/1/decide",
            &[
                ("as", "area_director"),
                ("upheld", "no"),
                ("rationale", "The post was his own"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // Now bob may take it to the IESG, and only there.
    let status = web.get(Some("bob"), "/me").await;
    assert!(
        status.body.contains("Appeal to the IESG"),
        "{}",
        status.body
    );
    let page = web.post("bob", "/me/appeals/1/escalate", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let status = web.get(Some("bob"), "/me").await;
    assert!(status.body.contains("Before the IESG"), "{}", status.body);
    assert!(!status.body.contains("Appeal to"), "{}", status.body);
    let again = web.post("bob", "/me/appeals/1/escalate", &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("Refused (APPEAL-2)"), "{}", again.body);
    // ad_sec sits on the IESG, but decided the step before (APPEAL-2).
    let appeals = web.get(Some("ad_sec"), "/appeals").await;
    assert!(
        !appeals.body.contains("Awaiting your decision"),
        "{}",
        appeals.body
    );
}

#[tokio::test]
async fn an_indefinitely_suspended_person_is_told_from_when_they_may_ask_for_reinstatement() {
    let web = world().await;
    let page = web
        .post(
            "alice",
            "/cases/1/act",
            &[
                ("as", "administrator"),
                ("measure", "indefinite_suspension"),
                ("fora", TLS),
                ("reason", "Again"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let state = web.api.engine.lock().unwrap().state().clone();
    let action = state.actions.values().next_back().unwrap();
    let earliest = modpod_policy::time::one_year_after(action.taken_at);
    let status = web.get(Some("bob"), "/me").await;
    assert!(
        status.body.contains(&format!(
            "You may ask for reinstatement from {}",
            earliest.strftime("%Y-%m-%d %H:%M UTC")
        )),
        "{earliest}: {}",
        status.body
    );
    let early = web
        .post(
            "bob",
            &format!("/me/actions/{}/reinstatement", action.id.0),
            &[("statement", "Sorry")],
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("Refused (REINST-1)"), "{}", early.body);
}

#[tokio::test]
async fn the_roster_shows_time_zones_and_the_hours_nobody_covers() {
    let web = world().await;
    let m1 = web.api.login("m1").await;
    web.api
        .run(
            &m1,
            "moderator",
            json!({"command": "set_availability", "person": "m1", "time_zone": "Asia/Tokyo",
                   "windows": [{"day": "monday", "from_hour": 9, "to_hour": 17}]}),
        )
        .await;
    let page = web.get(None, "/roster").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Asia/Tokyo"));
    assert!(page.body.contains("Monday 09:00–17:00"));
    assert_eq!(page.body.matches("<rect class=\"c").count(), 168);
    assert_eq!(page.body.matches("<rect class=\"c1\"").count(), 8);
    assert!(
        page.body.contains("160 hours with no moderator available"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Monday 00:00 UTC: 1 moderator"),
        "Tokyo's 09:00 is 00:00 UTC"
    );
    assert!(page.body.contains(r#"href="/transparency""#));
}

#[tokio::test]
async fn pages_answer_any_input_without_failing() {
    let web = world().await;
    let junk = [
        "",
        "0",
        "-1",
        "18446744073709551616",
        "é\u{0}\u{202e}",
        "<x>",
        &"9".repeat(300),
    ];
    let forms = [
        "/report",
        "/cases/1/act",
        "/cases/1/resolve",
        "/cases/1/refer",
        "/cases/1/acknowledge",
        "/cases/1/nope",
        "/cases/x/act",
        "/actions/1/amend",
        "/actions/1/rescind",
        "/actions/1/consult",
        "/me/actions/1/disagree",
        "/me/actions/1/reinstatement",
        "/me/actions/1/announce",
        "/me/actions/100/announce",
        "/me/appeals/1/escalate",
        "/appeals/1/decide",
        "/appeals/8/decide",
        "/reinstatements/1/decide",
        "/reinstatements/x/decide",
        "/llc",
        "/llc/1/lift",
        "/llc/1/review",
        "/llc/1/board",
        "/llc/1/nope",
        "/setup/working-group",
        "/setup/forum",
        "/setup/opt-in",
        "/setup/settings",
        "/setup/delegate",
        "/setup/revoke",
        "/setup/appoint",
        "/setup/recall",
        "/setup/draft",
        "/setup/open-review",
        "/setup/approve",
        "/setup/note-well",
        "/setup/nothing",
    ];
    let names = [
        "as",
        "forum",
        "subject",
        "subject_kind",
        "category",
        "description",
        "links",
        "measure",
        "posts",
        "per_seconds",
        "fora",
        "days",
        "ends_at",
        "reason",
        "outcome",
        "action",
        "of",
        "note",
        "grounds",
        "statement",
        "upheld",
        "remedy",
        "rationale",
        "moderator",
        "note_well",
        "reinstate",
        "conditions",
        "lift",
        "nature",
        "expected_duration",
        "legal_advice",
        "wg",
        "name",
        "area",
        "responsible_ad",
        "kind",
        "organisation",
        "public",
        "plenary",
        "reference",
        "to",
        "person",
        "version",
        "title",
        "text",
        "escalation_hours",
        "minimum_team_size",
    ];
    for path in forms {
        for value in junk {
            let fields: Vec<(&str, &str)> = names.iter().map(|n| (*n, value)).collect();
            for who in ["alice", "bob"] {
                let page = web.post(who, path, &fields).await;
                assert!(
                    !page.status.is_server_error(),
                    "{path} with {value:?} as {who}: {}",
                    page.status
                );
            }
        }
    }
    for path in [
        "/cases/abc",
        "/cases/100000",
        "/actions/-1",
        "/appeals/x",
        "/me/actions/1/x",
        "/reinstatements/1",
        "/reinstatements/x",
        "/llc/1",
        "/llc/-1",
        "/digest/0",
        "/digest/1",
        "/digest",
    ] {
        let page = web.get(Some("alice"), path).await;
        assert!(page.status.is_client_error(), "{path}: {}", page.status);
    }
}

#[tokio::test]
async fn notify_2_the_iesg_reads_the_digest_of_the_period_and_of_those_issued_and_nobody_else_does()
{
    let mut web = world().await;
    for who in ["ad_sec", "m1", "iab", "llc"] {
        web.log_in(who).await;
    }
    let page = web.get(Some("ad_sec"), "/digest").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_accessible(&page, "/digest");
    assert!(page.body.contains(r#"<a href="/digest">Digest</a>"#));
    assert!(page.body.contains("The period under way"));
    assert!(page.body.contains(r#"href="/actions/1""#), "{}", page.body);
    assert!(page.body.contains("REASON-MARK"));
    assert!(
        page.body.contains(r#"href="/appeals/1""#),
        "the disagreement"
    );
    assert!(page.body.contains("No digest has been issued yet."));
    // Nobody else reads it, however much else they see; nor is it linked for them.
    for who in ["alice", "bob", "carol", "m1", "iab", "llc"] {
        let page = web.get(Some(who), "/digest").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{who}");
        assert!(!page.body.contains("REASON-MARK"), "{who}");
        let me = web.get(Some(who), "/me").await;
        assert!(!me.body.contains(r#"href="/digest""#), "{who}");
    }
    let page = web.get(None, "/digest").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=/digest");

    // The scheduler issues the digest: it is kept, and the next period starts empty.
    let (from, to) = {
        let engine = web.api.engine.lock().unwrap();
        let period = views::current_digest_period(engine.state(), Timestamp::now());
        (period.from, period.to)
    };
    let system = Actor::new(PersonId::system(), Capacity::System);
    web.api
        .engine
        .lock()
        .unwrap()
        .execute_all(&[(system, Command::IssueDigest { from, to })], to)
        .unwrap();
    let page = web.get(Some("ad_sec"), "/digest").await;
    assert!(page.body.contains("No actions were taken in this period."));
    assert!(!page.body.contains("REASON-MARK"));
    assert!(page.body.contains(r#"href="/digest/1""#), "{}", page.body);
    let issued = web.get(Some("ad_sec"), "/digest/1").await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    assert!(issued.body.contains("IESG digest #1"));
    assert!(issued.body.contains("REASON-MARK"));
    assert!(issued.body.contains(&format!(
        "Issued for the period from {}",
        from.strftime("%Y-%m-%d %H:%M UTC")
    )));
    for (who, path) in [
        ("ad_sec", "/digest/2"),
        ("ad_sec", "/digest/0"),
        ("m1", "/digest/1"),
    ] {
        let page = web.get(Some(who), path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path} for {who}");
    }
}

#[tokio::test]
async fn reinst_2_a_request_awaits_the_entity_that_decided_and_is_decided_on_its_page() {
    // alice suspended bob from tls indefinitely over a year ago; he asks now.
    // The small IETF is set up before that: no event is earlier than the one
    // before it.
    let long_ago = Timestamp::now() - jiff::SignedDuration::from_hours(400 * 24);
    let store = modpod_store::SqliteStore::open_in_memory().unwrap();
    let mut engine = common::engine_set_up_at(
        Box::new(store),
        long_ago - jiff::SignedDuration::from_hours(1),
    );
    let alice = Actor::new(PersonId::parse("alice").unwrap(), Capacity::Administrator);
    let suspend = common::command(json!({"command": "take_action",
        "subject": {"person": "bob"}, "measure": {"type": "indefinite_suspension"},
        "fora": [TLS], "reason": "SUSPENSION-MARK"}));
    engine.execute(&alice, &suspend, long_ago).unwrap();
    let action = engine.state().next.action - 1;
    let mut web = Web::on(engine);
    for who in ["carol", "erin", "alice", "bob", "m1", "dave"] {
        web.log_in(who).await;
    }
    let page = web
        .post(
            "bob",
            &format!("/me/actions/{action}/reinstatement"),
            &[("statement", "STATEMENT-MARK")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // It awaits the administrators of tls (alice), who decided; m1 sees it
    // but does not decide it; dave and carol do not see it at all.
    let list = web.get(Some("alice"), "/reinstatements").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_accessible(&list, "/reinstatements");
    assert!(
        list.body
            .contains(r#"<a href="/reinstatements">Reinstatements</a>"#)
    );
    let awaiting = list.body.split("Other requests").next().unwrap();
    assert!(awaiting.contains("Awaiting your decision"), "{}", list.body);
    assert!(awaiting.contains(r#"href="/reinstatements/1""#));
    let list = web.get(Some("m1"), "/reinstatements").await;
    assert!(
        list.body
            .contains("No request for reinstatement awaits your decision.")
    );
    assert!(list.body.contains(r#"href="/reinstatements/1""#));
    let list = web.get(Some("dave"), "/reinstatements").await;
    assert!(!list.body.contains(r#"href="/reinstatements/1""#));
    for who in ["dave", "carol"] {
        let page = web.get(Some(who), "/reinstatements/1").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{who}");
    }
    let me = web.get(Some("carol"), "/me").await;
    assert!(!me.body.contains(r#"href="/reinstatements""#));

    let page = web.get(Some("alice"), "/reinstatements/1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_accessible(&page, "/reinstatements/1 for alice");
    for mark in [
        "STATEMENT-MARK",
        "SUSPENSION-MARK",
        "the administrators of the fora it covers",
    ] {
        assert!(page.body.contains(mark), "{mark}: {}", page.body);
    }
    assert!(page.body.contains(r#"action="/reinstatements/1/decide""#));
    assert!(page.body.contains("REINST-4"));
    let page = web.get(Some("m1"), "/reinstatements/1").await;
    assert!(!page.body.contains(r#"action="/reinstatements/1/decide""#));

    // Refusals: not the moderators' to decide; conditions only with a
    // reinstatement; a rationale needed. Nothing is recorded; what was typed stays.
    let before = web.events();
    let page = web
        .post(
            "m1",
            "/reinstatements/1/decide",
            &[
                ("as", "moderator"),
                ("reinstate", "yes"),
                ("rationale", "x"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(
        page.body.contains("<strong>Refused (REINST-2):</strong>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Go to the form"), "m1 has no form");
    let page = web
        .post(
            "alice",
            "/reinstatements/1/decide",
            &[
                ("as", "administrator"),
                ("reinstate", "no"),
                ("conditions", "CONDITION-MARK"),
                ("rationale", "RATIONALE-MARK"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"id="conditions-error""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("conditions go with a reinstatement"));
    assert!(page.body.contains("RATIONALE-MARK") && page.body.contains("CONDITION-MARK"));
    let page = web
        .post(
            "alice",
            "/reinstatements/1/decide",
            &[
                ("as", "administrator"),
                ("reinstate", "yes"),
                ("conditions", "CONDITION-MARK"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(r#"id="rationale-error""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("CONDITION-MARK"));
    assert_eq!(web.events(), before);

    // Reinstated on conditions: recorded, and the suspension rescinded.
    let page = web
        .post(
            "alice",
            "/reinstatements/1/decide",
            &[
                ("as", "administrator"),
                ("reinstate", "yes"),
                ("conditions", "CONDITION-MARK"),
                ("rationale", "A year without incident."),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        page.location(),
        "/reinstatements/1?done=reinstatement-decided"
    );
    let state = web.api.engine.lock().unwrap().state().clone();
    let request = &state.reinstatements[&ReinstatementId(1)];
    let decision = request.decision.as_ref().unwrap();
    assert!(decision.reinstate);
    assert_eq!(decision.conditions.as_deref(), Some("CONDITION-MARK"));
    assert!(!state.actions[&ActionId(action)].in_force());
    let page = web.get(Some("alice"), page.location()).await;
    assert!(
        page.body
            .contains("reinstated, on the conditions: CONDITION-MARK")
    );
    assert!(!page.body.contains(r#"action="/reinstatements/1/decide""#));
    let list = web.get(Some("alice"), "/reinstatements").await;
    assert!(
        list.body
            .contains("No request for reinstatement awaits your decision.")
    );

    // A legacy suspension (REINST-5) is reconsidered by the IESG, at any time.
    web.log_in("ad_sec").await;
    let op = web.api.login("op").await;
    web.api
        .run(
            &op,
            "operator",
            json!({"command": "record_legacy_action", "subject": {"person": "erin"},
                "fora": [IETF], "imposed_at": "2020-01-01T00:00:00Z",
                "process": "RFC 3683", "reference": "LEGACY-MARK"}),
        )
        .await;
    let legacy = web.api.engine.lock().unwrap().state().next.action - 1;
    let page = web
        .post(
            "erin",
            &format!("/me/actions/{legacy}/reinstatement"),
            &[("statement", "It was long ago.")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let list = web.get(Some("ad_sec"), "/reinstatements").await;
    assert!(
        list.body
            .contains(r#"<a href="/reinstatements">Reinstatements</a>"#)
    );
    let awaiting = list.body.split("Other requests").next().unwrap();
    assert!(
        awaiting.contains(r#"href="/reinstatements/2""#),
        "{}",
        list.body
    );
    assert!(awaiting.contains("the IESG, under RFC 3683"));
    let page = web.get(Some("ad_sec"), "/reinstatements/2").await;
    assert!(page.body.contains("LEGACY-MARK"));
    assert!(
        page.body
            .contains(r#"<input type="hidden" name="as" value="iesg">"#)
    );
    let list = web.get(Some("alice"), "/reinstatements").await;
    assert!(
        !list.body.contains(r#"href="/reinstatements/2""#),
        "not alice's to see"
    );
}

#[tokio::test]
async fn llc_2_the_llc_takes_and_lifts_an_emergency_action_its_subject_asks_the_board_to_review_it()
{
    let mut web = world().await;
    for who in ["llc", "m1", "ad_sec", "erin"] {
        web.log_in(who).await;
    }
    let op = web.api.login("op").await;
    web.api
        .run(
            &op,
            "operator",
            json!({"command": "grant_role", "person": "erin", "role": {"role": "llc_board_member"}}),
        )
        .await;
    let page = web.get(Some("llc"), "/llc").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_accessible(&page, "/llc for llc");
    assert!(page.body.contains(r#"<a href="/llc">LLC actions</a>"#));
    assert!(page.body.contains(r#"action="/llc""#));
    for who in ["m1", "ad_sec", "carol"] {
        let page = web.get(Some(who), "/llc").await;
        assert!(!page.body.contains(r#"action="/llc""#), "{who}");
    }
    let me = web.get(Some("carol"), "/me").await;
    assert!(!me.body.contains(r#"href="/llc""#));

    let take = [
        ("subject_kind", "email"),
        ("subject", "carol@example.org"),
        ("grounds", "credible_threat_of_harm"),
        ("fora", IETF),
        ("nature", "Posting suspended on the plenary list"),
        ("reason", "REASON-MARK"),
        ("expected_duration", "until the police have reviewed it"),
        ("legal_advice", "ADVICE-MARK"),
    ];
    // Only the LLC takes one; what is missing is said next to its field.
    let before = web.events();
    let page = web.post("ad_sec", "/llc", &take).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("<strong>Refused ("), "{}", page.body);
    assert!(!page.body.contains("REASON-MARK"), "no form to keep it in");
    let mut missing = take.to_vec();
    missing.retain(|(name, _)| *name != "nature");
    let page = web.post("llc", "/llc", &missing).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(r#"id="take-nature-error""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("REASON-MARK") && page.body.contains("ADVICE-MARK"));
    assert_eq!(web.events(), before);
    let page = web.post("llc", "/llc", &take).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/llc?done=llc-taken");

    // Withheld on legal advice: its subject, the LLC, the board and the IESG
    // see it, the advice itself not its subject; the moderators not at all.
    for who in ["llc", "erin", "ad_sec"] {
        let page = web.get(Some(who), "/llc/1").await;
        assert_eq!(page.status, StatusCode::OK, "{who}");
        assert!(page.body.contains("REASON-MARK"), "{who}");
        assert!(page.body.contains("ADVICE-MARK"), "{who}");
    }
    let page = web.get(Some("carol"), "/llc/1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_accessible(&page, "/llc/1 for carol");
    assert!(page.body.contains("REASON-MARK"));
    assert!(!page.body.contains("ADVICE-MARK"));
    assert!(
        page.body
            .contains("the IESG; legal advice limited who was told"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"action="/llc/1/review""#));
    assert!(!page.body.contains(r#"action="/llc/1/lift""#));
    let me = web.get(Some("carol"), "/me").await;
    assert!(me.body.contains(r#"href="/llc/1""#), "{}", me.body);
    assert!(me.body.contains(r#"<a href="/llc">LLC actions</a>"#));
    for who in ["m1", "bob", "alice"] {
        let page = web.get(Some(who), "/llc/1").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{who}");
        let list = web.get(Some(who), "/llc").await;
        assert!(!list.body.contains("REASON-MARK"), "{who}");
    }
    // The IESG may not lift it (LLC-2), nor is it offered the form.
    let page = web.get(Some("ad_sec"), "/llc/1").await;
    assert!(!page.body.contains(r#"action="/llc/1/lift""#));
    let page = web
        .post("ad_sec", "/llc/1/lift", &[("reason", "We disagree")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("Refused ("), "{}", page.body);

    // carol asks the board for a review, once.
    let page = web.post("carol", "/llc/1/review", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/llc/1?done=board-review");
    let page = web.get(Some("carol"), "/llc/1").await;
    assert!(!page.body.contains(r#"action="/llc/1/review""#));
    assert!(page.body.contains("awaiting the board"));
    let page = web.post("carol", "/llc/1/review", &[]).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Go to the form"),
        "no such form any more"
    );
    assert!(page.body.contains("Refused (LLC-2)"), "{}", page.body);

    // The board keeps it, with its rationale.
    let page = web.get(Some("erin"), "/llc/1").await;
    assert_accessible(&page, "/llc/1 for erin");
    assert!(page.body.contains(r#"action="/llc/1/board""#));
    let page = web
        .post("erin", "/llc/1/board", &[("rationale", "BOARD-MARK")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(r#"id="board-lift-error""#),
        "{}",
        page.body
    );
    assert!(page.body.contains("BOARD-MARK"));
    let page = web
        .post(
            "erin",
            "/llc/1/board",
            &[("lift", "no"), ("rationale", "BOARD-MARK")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = web.get(Some("carol"), "/llc/1").await;
    assert!(page.body.contains("kept by erin"), "{}", page.body);
    assert!(page.body.contains("BOARD-MARK"));

    // The LLC lifts it.
    let page = web.get(Some("llc"), "/llc/1").await;
    assert!(page.body.contains(r#"action="/llc/1/lift""#));
    let page = web.post("llc", "/llc/1/lift", &[("reason", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="lift-reason-error""#));
    let page = web
        .post("llc", "/llc/1/lift", &[("reason", "The threat is over.")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/llc/1?done=llc-lifted");
    let state = web.api.engine.lock().unwrap().state().clone();
    assert!(state.llc_actions[&LlcActionId(1)].lifted_at.is_some());
    let page = web.get(Some("llc"), "/llc/1?done=llc-lifted").await;
    assert!(!page.body.contains(r#"action="/llc/1/lift""#));
    assert!(page.body.contains("The emergency action is lifted"));
}

/// The `<form ...>` of a page whose action is `action`, to its end.
fn form_of<'a>(body: &'a str, action: &str) -> Option<&'a str> {
    let at = body.find(&format!(r#"action="{action}""#))?;
    let end = body[at..].find("</form>")?;
    Some(&body[at..at + end])
}

#[tokio::test]
async fn setup_is_offered_to_those_the_policy_lets_set_up_and_only_what_it_lets_them() {
    let mut web = world().await;
    for who in ["op", "ad_sec", "m1", "dave"] {
        web.log_in(who).await;
    }
    // A participant is neither offered the link nor the page.
    let home = web.get(Some("bob"), "/").await;
    assert!(!home.body.contains(r#"href="/setup""#), "{}", home.body);
    let page = web.get(Some("bob"), "/setup").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    for who in ["op", "ad_sec", "m1", "alice", "dave"] {
        let home = web.get(Some(who), "/").await;
        assert!(home.body.contains(r#"href="/setup""#), "{who}");
    }
    // A chair may delegate their own group's fora, and nothing else here.
    let alice = web.get(Some("alice"), "/setup").await;
    assert_eq!(alice.status, StatusCode::OK, "{}", alice.body);
    let delegate = form_of(&alice.body, "/setup/delegate").unwrap();
    assert!(
        delegate.contains(TLS) && !delegate.contains(common::QUIC),
        "{delegate}"
    );
    for other in [
        "/setup/forum",
        "/setup/working-group",
        "/setup/appoint",
        "/setup/draft",
        "/setup/note-well",
        "/setup/settings",
    ] {
        assert!(
            form_of(&alice.body, other).is_none(),
            "{other} offered to alice"
        );
    }
    // The operator sets up fora, but appoints nobody.
    let op = web.get(Some("op"), "/setup").await;
    for offered in [
        "/setup/forum",
        "/setup/working-group",
        "/setup/opt-in",
        "/setup/note-well",
        "/setup/delegate",
    ] {
        assert!(
            form_of(&op.body, offered).is_some(),
            "{offered} not offered to op"
        );
    }
    assert!(form_of(&op.body, "/setup/appoint").is_none());

    // A refusal comes back beside the form, with its requirement, and
    // nothing is recorded: dave may not delegate the tls list (ROLE-2).
    let before = web.events();
    let page = web
        .post(
            "dave",
            "/setup/delegate",
            &[("as", "administrator"), ("forum", TLS), ("to", "erin")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("Refused (ROLE-2)"), "{}", page.body);
    assert!(
        page.body.contains(r#"value="erin""#),
        "what was typed is kept"
    );
    assert_eq!(web.events(), before);
    // alice may; her delegate then administers the list, and she may revoke it.
    let page = web
        .post(
            "alice",
            "/setup/delegate",
            &[("as", "administrator"), ("forum", TLS), ("to", "erin")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(page.location().starts_with("/setup?done=setup-delegate"));
    let alice = web.get(Some("alice"), "/setup?done=setup-delegate").await;
    assert!(alice.body.contains("The delegation is recorded."));
    let revoke = form_of(&alice.body, "/setup/revoke").unwrap();
    assert!(revoke.contains(r#"name="to" value="erin""#), "{revoke}");
    assert!(
        web.get(Some("erin"), "/")
            .await
            .body
            .contains(r#"href="/queue""#)
    );
    let page = web
        .post(
            "alice",
            "/setup/revoke",
            &[("as", "administrator"), ("forum", TLS), ("to", "erin")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let erin_home = web.get(Some("erin"), "/").await;
    assert!(!erin_home.body.contains(r#"href="/queue""#));

    // An unknown person is named next to the field.
    let page = web
        .post(
            "alice",
            "/setup/delegate",
            &[("as", "administrator"), ("forum", TLS), ("to", "zed")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(r#"id="delegate-to-error""#),
        "{}",
        page.body
    );

    // The operator creates a working group and a forum; bad input first.
    let before = web.events();
    let page = web
        .post(
            "op",
            "/setup/forum",
            &[
                ("as", "operator"),
                ("forum", "dns@ietf.org"),
                ("name", "DNS"),
                ("kind", ""),
                ("organisation", "ietf"),
                ("public", "yes"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(r#"id="forum-kind-error""#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="dns@ietf.org""#));
    assert_eq!(web.events(), before);
    let page = web
        .post(
            "op",
            "/setup/working-group",
            &[
                ("as", "operator"),
                ("wg", "dnsop"),
                ("name", "DNS Operations"),
                ("area", "ops"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = web
        .post(
            "op",
            "/setup/forum",
            &[
                ("as", "operator"),
                ("forum", "dnsop@ietf.org"),
                ("name", "DNSOP list"),
                ("kind", "mailing-list"),
                ("organisation", "ietf"),
                ("wg", "dnsop"),
                ("public", "yes"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (_, fora) = web.api.get("/v1/fora?wg=dnsop", &As::Nobody).await;
    assert_eq!(fora["items"][0]["name"], "DNSOP list", "{fora}");
    assert_eq!(fora["items"][0]["public"], true);
    // The same forum twice is refused, and said so.
    let page = web
        .post(
            "op",
            "/setup/forum",
            &[
                ("as", "operator"),
                ("forum", "dnsop@ietf.org"),
                ("name", "again"),
                ("kind", "chat"),
                ("organisation", "ietf"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        page.body.contains("forum dnsop@ietf.org already exists"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_iesg_sees_who_is_eligible_and_an_ineligible_appointment_is_refused_with_team_2() {
    let mut web = world().await;
    web.log_in("ad_sec").await;
    let page = web.get(Some("ad_sec"), "/setup").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = html(&page.body);
    assert!(
        page.body.contains(
            "Ineligible (TEAM-2): iab cannot be appointed a moderator while serving as IAB member"
        ),
        "{body}"
    );
    assert!(page.body.contains(
        "Ineligible (TEAM-2): llc cannot be appointed a moderator while serving as IETF LLC staff"
    ));
    let alice_row = page.body.split("<tr><td>alice").nth(1).unwrap();
    assert!(
        alice_row
            .split("</tr>")
            .next()
            .unwrap()
            .contains("eligible")
            && !alice_row
                .split("</tr>")
                .next()
                .unwrap()
                .contains("Ineligible")
    );
    let before = web.events();
    let page = web
        .post(
            "ad_sec",
            "/setup/appoint",
            &[("as", "iesg"), ("person", "iab")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    let form = form_of(&page.body, "/setup/appoint").unwrap();
    assert!(form.contains("Refused (TEAM-2):"), "{form}");
    assert!(form.contains(r#"value="iab""#), "{form}");
    assert_eq!(web.events(), before);
    // Only the IESG appoints (TEAM-1): the form is not even offered to a
    // moderator, and posting it anyway is refused.
    let page = web
        .post(
            "alice",
            "/setup/appoint",
            &[("as", "iesg"), ("person", "carol")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(web.events(), before);
    let page = web
        .post(
            "ad_sec",
            "/setup/appoint",
            &[("as", "iesg"), ("person", "carol")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (_, roster) = web.api.get("/v1/moderators", &As::Nobody).await;
    assert!(roster.to_string().contains("carol"), "{roster}");
    // A recall needs a reason.
    let page = web
        .post(
            "ad_sec",
            "/setup/recall",
            &[("as", "iesg"), ("person", "carol"), ("reason", " ")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="recall-reason-error""#));
    let page = web
        .post(
            "ad_sec",
            "/setup/recall",
            &[
                ("as", "iesg"),
                ("person", "carol"),
                ("reason", "asked to leave"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn procedures_go_from_draft_through_review_to_approval_and_then_are_public() {
    let mut web = world().await;
    for who in ["m1", "ad_sec", "op"] {
        web.log_in(who).await;
    }
    let page = web
        .post(
            "m1",
            "/setup/draft",
            &[
                ("as", "moderator"),
                ("version", "1"),
                ("title", "How we moderate"),
                ("text", "Talk to the person first: DRAFT-TEXT"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // A draft is not public, nor an approval offered before review (PROC-1).
    assert!(
        !web.get(None, "/procedures")
            .await
            .body
            .contains("DRAFT-TEXT")
    );
    let iesg = web.get(Some("ad_sec"), "/setup").await;
    assert!(form_of(&iesg.body, "/setup/approve").is_none());
    let page = web
        .post(
            "ad_sec",
            "/setup/approve",
            &[("as", "iesg"), ("version", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Refused (PROC-1)"), "{}", page.body);
    let team = web.get(Some("m1"), "/setup").await;
    assert!(form_of(&team.body, "/setup/open-review").is_some());
    let page = web
        .post(
            "m1",
            "/setup/open-review",
            &[("as", "moderator"), ("version", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // In review: the community reads it, the public not yet.
    assert!(
        web.get(Some("bob"), "/procedures")
            .await
            .body
            .contains("DRAFT-TEXT")
    );
    assert!(
        !web.get(None, "/procedures")
            .await
            .body
            .contains("DRAFT-TEXT")
    );
    let page = web
        .post(
            "ad_sec",
            "/setup/approve",
            &[("as", "iesg"), ("version", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let public = web.get(None, "/procedures").await;
    assert!(
        public.body.contains("DRAFT-TEXT") && public.body.contains("version 1"),
        "{}",
        public.body
    );
    assert!(
        public.body.contains("approved by the IESG, in force"),
        "{}",
        public.body
    );
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    assert!(public.body.contains(&today), "the approval date");
    // A version must go up.
    let page = web
        .post(
            "m1",
            "/setup/draft",
            &[
                ("as", "moderator"),
                ("version", "1"),
                ("title", "Again"),
                ("text", "x"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(r#"id="draft-version-error""#),
        "{}",
        page.body
    );
    // The Note Well: published by the operator, shown where people report.
    let page = web
        .post(
            "op",
            "/setup/note-well",
            &[
                ("as", "operator"),
                ("version", "1"),
                ("text", "NOTE-WELL-TEXT"),
                ("links", "https://www.ietf.org/about/note-well/\n"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        web.get(Some("bob"), "/report")
            .await
            .body
            .contains("NOTE-WELL-TEXT")
    );
    // Without the session's token nothing is recorded.
    let before = web.events();
    let page = web
        .post_raw(
            Some("op"),
            "/setup/note-well",
            &[("as", "operator"), ("version", "2"), ("text", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(web.events(), before);
}

#[tokio::test]
async fn a_case_is_assigned_from_its_page_and_the_queue_filters_by_assignee() {
    let mut web = world().await;
    web.log_in("m1").await;
    let case = web.get(Some("alice"), "/cases/1").await;
    assert!(
        case.body.contains(r#"action="/cases/1/assign""#),
        "{}",
        case.body
    );
    assert!(
        case.body
            .contains("<dt>Assigned to</dt><dd>nobody yet</dd>")
    );
    assert!(case.body.contains(r#"<label for="assign-to">"#));
    // Before the report escalates, the moderators may not hand it out (REPORT-4).
    let case = web.get(Some("m1"), "/cases/1").await;
    assert!(!case.body.contains(r#"action="/cases/1/assign""#));

    // Bad input: next to its field, nothing recorded.
    let before = web.events();
    let page = web
        .post(
            "alice",
            "/cases/1/assign",
            &[("as", "administrator"), ("to", "Not A Person!")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(
            r#"id="assign-to-error"><strong>Error:</strong> Choose who takes the report on."#
        ),
        "{}",
        page.body
    );
    // Someone who does not handle the forum: the policy's refusal, beside the form.
    let page = web
        .post(
            "alice",
            "/cases/1/assign",
            &[("as", "administrator"), ("to", "dave")],
        )
        .await;
    assert!(page.status.is_client_error(), "{}", page.status);
    assert!(page.body.contains("Refused (REPORT-1)"), "{}", page.body);
    assert!(page.body.contains("dave is neither an administrator of"));
    // The reporter may not assign it.
    let page = web
        .post(
            "carol",
            "/cases/1/assign",
            &[("as", "participant"), ("to", "carol")],
        )
        .await;
    assert!(page.status.is_client_error(), "{}", page.status);
    assert_eq!(web.events(), before, "nothing recorded");

    let page = web
        .post(
            "alice",
            "/cases/1/assign",
            &[("as", "administrator"), ("to", "m1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/cases/1?done=assign");
    let case = web.get(Some("alice"), "/cases/1?done=assign").await;
    assert!(
        case.body
            .contains("The report&#39;s assignment is recorded.")
    );
    assert!(case.body.contains("<dt>Assigned to</dt><dd>m1</dd>"));
    assert!(
        case.body
            .contains("Assigned to m1 by alice as administrator")
    );
    // Neither the reporter nor the subject is told who has it.
    for who in ["carol", "bob"] {
        let case = web.get(Some(who), "/cases/1").await;
        assert_eq!(case.status, StatusCode::OK);
        assert!(!case.body.contains("Assigned to"), "{who}: {}", case.body);
    }

    // The queue: who has each report, and "assigned to me" / "to nobody".
    let queue = web.get(Some("m1"), "/queue").await;
    assert!(queue.body.contains(r#"<th scope="col">Assigned to</th>"#));
    let mine = web.get(Some("m1"), "/queue?assigned=me").await;
    assert!(mine.body.contains(r#"href="/cases/1""#), "{}", mine.body);
    assert!(!mine.body.contains(r#"href="/cases/2""#));
    let nobody = web.get(Some("m1"), "/queue?assigned=none").await;
    assert!(!nobody.body.contains(r#"href="/cases/1""#));
    assert!(nobody.body.contains(r#"href="/cases/2""#));
    let alice_s = web.get(Some("alice"), "/queue?assigned=me").await;
    assert!(!alice_s.body.contains(r#"href="/cases/1""#));

    // Taken back.
    let page = web
        .post(
            "alice",
            "/cases/1/assign",
            &[("as", "administrator"), ("to", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let case = web.get(Some("alice"), "/cases/1").await;
    assert!(
        case.body
            .contains("<dt>Assigned to</dt><dd>nobody yet</dd>")
    );
    assert!(
        case.body
            .contains("Assignment taken back by alice as administrator")
    );
}

#[tokio::test]
async fn the_case_timeline_shows_every_step_with_its_time_and_actor_but_never_a_hidden_reporter() {
    let mut web = world().await;
    for who in ["m1", "m2"] {
        web.log_in(who).await;
    }
    let page = web
        .post("alice", "/cases/1/acknowledge", &[("as", "administrator")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = web
        .post("m2", "/cases/2/acknowledge", &[("as", "moderator")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let timeline = |body: &str| -> Vec<String> {
        let start = body.find(r#"<ol class="timeline">"#).unwrap();
        let end = start + body[start..].find("</ol>").unwrap();
        body[start..end]
            .split("<li>")
            .skip(1)
            .map(|li| {
                let at = li.find("</time> ").unwrap();
                assert!(li.starts_with("<time datetime=\""), "{li}");
                li[at + "</time> ".len()..]
                    .trim_end_matches("</li>")
                    .trim()
                    .to_owned()
            })
            .collect()
    };
    // The chair sees everything, in order, with who did it and as what.
    let alice = timeline(&web.get(Some("alice"), "/cases/1").await.body);
    assert_eq!(
        alice,
        [
            "Report filed by carol as participant",
            "Action #1: temporary suspension by alice as administrator",
            "Action #1: disagreement filed, appeal #1 before the responsible Area Director by bob as participant",
            "Acknowledged; the reporter is told (REPORT-3) by alice as administrator",
        ]
    );
    // The reporter sees their report's steps but not the action (it is not theirs to see).
    let carol = timeline(&web.get(Some("carol"), "/cases/1").await.body);
    assert_eq!(
        carol,
        [
            "Report filed by carol as participant",
            "Acknowledged; the reporter is told (REPORT-3) by alice as administrator",
        ]
    );
    // The subject sees the steps, never who filed the report (REPORT-5).
    let bob = timeline(&web.get(Some("bob"), "/cases/1").await.body);
    assert_eq!(bob[0], "Report filed");
    assert_eq!(bob.len(), 4, "{bob:?}");
    // A moderator who is the subject of a report: the same, even handling reports.
    let m1 = web.get(Some("m1"), "/cases/2").await.body;
    assert_eq!(timeline(&m1)[0], "Report filed");
    assert!(!mentions(&m1, "erin"), "{m1}");
    let m2 = timeline(&web.get(Some("m2"), "/cases/2").await.body);
    assert_eq!(
        m2,
        [
            "Report filed by erin as participant",
            "Acknowledged; the reporter is told (REPORT-3) by m2 as moderator",
        ]
    );
}

#[tokio::test]
async fn a_case_shows_the_notifications_its_events_owed_and_their_delivery() {
    use modpod_policy::ids::ReportId;
    use modpod_policy::model::{Recipient, Subject};
    use modpod_store::{AttemptOutcome, Delivery, DeliveryAttempt, DeliveryStatus};
    let mut web = world().await;
    for who in ["m1", "m2"] {
        web.log_in(who).await;
    }
    let page = web
        .post("m2", "/cases/2/acknowledge", &[("as", "moderator")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // Without a mail server, nothing is sent, and the page says so.
    let case = web.get(Some("alice"), "/cases/1").await.body;
    assert!(case.contains("<h2>Notifications</h2>"), "{case}");
    assert!(case.contains("This modpod does not send notifications"));
    assert!(case.contains("report-filed/administrators (REPORT-1)"));
    assert!(case.contains("not composed yet"));
    // Neither the reporter nor the subject sees the notifications.
    for who in ["carol", "bob"] {
        let case = web.get(Some(who), "/cases/1").await.body;
        assert!(!case.contains("<h2>Notifications</h2>"), "{who}");
    }

    // What the notification worker would record: the acknowledgement owed to
    // erin, the reporter of #2, sent after one failed attempt; the report to
    // the moderator team pending after one.
    let owed = |about: u64, template: &str| {
        let engine = web.api.engine.lock().unwrap();
        let state = engine.state();
        state
            .notifications
            .values()
            .find(|n| n.about == Subject::Report(ReportId(about)) && n.template == template)
            .map(|n| (n.id.0, n.to.clone()))
            .unwrap()
    };
    let (to_erin, recipient) = owed(2, "report-acknowledged/reporter");
    assert_eq!(
        recipient,
        Recipient::Person {
            person: modpod_policy::ids::PersonId::parse("erin").unwrap()
        }
    );
    let (to_team, _) = owed(2, "report-filed/moderators");
    let now = jiff::Timestamp::now().as_microsecond();
    let delivery = |notification: u64, address: &str| Delivery {
        notification,
        address: address.into(),
        recipient: "someone".into(),
        message_id: format!("<{notification}@modpod.test>"),
        subject: "Subject".into(),
        body: "Body".into(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        last_error: None,
        created_micros: now,
        updated_micros: now,
        next_micros: now,
    };
    let attempt = |notification: u64, address: &str, outcome, detail: &str| DeliveryAttempt {
        notification,
        address: address.into(),
        at_micros: now,
        outcome,
        detail: detail.into(),
        node: "test".into(),
    };
    {
        let mut engine = web.api.engine.lock().unwrap();
        let store = engine.store();
        store
            .add_deliveries(&[
                delivery(to_erin, "erin@example.org"),
                delivery(to_team, "m3@example.org"),
            ])
            .unwrap();
        for (n, address, outcome, detail) in [
            (
                to_erin,
                "erin@example.org",
                AttemptOutcome::Temporary,
                "421 busy",
            ),
            (to_erin, "erin@example.org", AttemptOutcome::Sent, "250 ok"),
            (
                to_team,
                "m3@example.org",
                AttemptOutcome::Temporary,
                "421 busy",
            ),
        ] {
            assert!(
                store
                    .record_attempt(&attempt(n, address, outcome, detail), now + 1_000_000)
                    .unwrap()
            );
        }
    }
    web.api.app.parts_mut().sends_notifications = true;
    let m2 = web.get(Some("m2"), "/cases/2").await.body;
    assert!(!m2.contains("This modpod does not send notifications"));
    assert!(m2.contains("<td>the reporter, erin<td>"), "{m2}");
    assert!(
        m2.contains("erin@example.org: <strong>sent</strong>, 2 attempts"),
        "{m2}"
    );
    assert!(
        m2.contains("m3@example.org: <strong>pending</strong>, 1 attempt ("),
        "{m2}"
    );
    assert!(m2.contains(", next try "), "{m2}");
    // The reason of the last failure, while it matters: not once sent.
    assert!(m2.contains(": 421 busy</li>"), "{m2}");
    assert!(m2.contains(" sent)</li>"), "{m2}");
    // m1, the subject of #2, handles reports on the plenary list but never
    // learns who filed it: not by name, not by address (REPORT-5).
    let m1 = web.get(Some("m1"), "/cases/2").await.body;
    assert!(m1.contains("<h2>Notifications</h2>"));
    assert!(m1.contains("<td>a person<td>"), "{m1}");
    assert!(
        m1.contains("(address not shown): <strong>sent</strong>"),
        "{m1}"
    );
    assert!(!mentions(&m1, "erin"), "{m1}");
}

#[tokio::test]
async fn the_action_form_takes_evidence_and_a_later_start_and_shows_bad_input_beside_its_field() {
    let web = world().await;
    let case = web.get(Some("alice"), "/cases/1").await.body;
    assert!(
        case.contains(
            ">https://mailarchive.example/tls/1\nhttps://mailarchive.example/tls/2</textarea>"
        ),
        "the report's links are the evidence to start from: {case}"
    );
    assert!(case.contains(r#"<label for="act-starts">Starts (UTC)</label>"#));
    assert!(case.contains(r#"<label for="act-evidence">"#));
    let before = web.events();
    let act = |starts: &'static str, evidence: &'static str| {
        vec![
            ("as", "administrator"),
            ("measure", "review_and_approval"),
            ("fora", TLS),
            ("days", "7"),
            ("reason", "Held for review: KEPT-REASON"),
            ("starts_at", starts),
            ("evidence", evidence),
        ]
    };
    let page = web
        .post("alice", "/cases/1/act", &act("2000-01-01T00:00", ""))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(
            r#"id="act-starts-error"><strong>Error:</strong> Give a start later than now"#
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="2000-01-01T00:00""#), "kept");
    assert!(
        page.body
            .contains("Held for review: KEPT-REASON</textarea>")
    );
    let page = web
        .post("alice", "/cases/1/act", &act("next week", ""))
        .await;
    assert!(
        page.body.contains(r#"id="act-starts-error""#),
        "{}",
        page.body
    );
    let page = web
        .post(
            "alice",
            "/cases/1/act",
            &act("", "https://mailarchive.example/tls/1\nmessage 3"),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains(r#"id="act-evidence-error"><strong>Error:</strong> Give one link per line"#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("https://mailarchive.example/tls/1\nmessage 3</textarea>")
    );
    assert_eq!(web.events(), before, "nothing recorded");

    let start = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(48))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let mut fields = act(
        "",
        " https://mailarchive.example/tls/1 \n\nhttps://mailarchive.example/tls/3",
    );
    fields[5] = ("starts_at", &start);
    let page = web.post("alice", "/cases/1/act", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let action =
        web.api.engine.lock().unwrap().state().actions[&modpod_policy::ids::ActionId(2)].clone();
    let starts = action.terms.starts_at;
    assert_eq!(starts.strftime("%Y-%m-%dT%H:%M").to_string(), start);
    assert_eq!(
        action.terms.ends_at,
        Some(
            starts
                .checked_add(jiff::SignedDuration::from_hours(7 * 24))
                .unwrap()
        ),
        "days count from the start"
    );
    let urls: Vec<&str> = action.evidence.iter().map(|e| e.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://mailarchive.example/tls/1",
            "https://mailarchive.example/tls/3"
        ]
    );
    let page = web.get(Some("alice"), "/actions/2").await.body;
    assert!(page.contains("https://mailarchive.example/tls/3"), "{page}");
}

#[tokio::test]
async fn an_action_page_shows_its_notifications_to_officials_not_to_its_subject() {
    let web = world().await;
    let page = web.get(Some("alice"), "/actions/1").await.body;
    assert!(page.contains("<h2>Notifications</h2>"), "{page}");
    assert!(page.contains("action-taken/person (NOTIFY-1)"), "{page}");
    assert!(page.contains("<td>the subject, bob<td>"), "{page}");
    assert!(page.contains("This modpod does not send notifications"));
    let page = web.get(Some("bob"), "/actions/1").await.body;
    assert!(!page.contains("<h2>Notifications</h2>"), "{page}");
}

/// Forum software as `modpod serve` gives it with Mailman: the tls list is
/// enforced there, and a suspension in force asks for its subject's address
/// to be banned.
struct FakeMailman;

impl modpod_server::enforcement::ForumSoftware for FakeMailman {
    fn name(&self) -> &'static str {
        "GNU Mailman"
    }
    fn target(&self) -> &'static str {
        "mailman"
    }
    fn place(&self, forum: &modpod_policy::model::Forum) -> Option<String> {
        (forum.id.as_str() == TLS).then(|| "tls.ietf.org".to_owned())
    }
    fn wanted(
        &self,
        state: &modpod_policy::State,
        place: &str,
        now: jiff::Timestamp,
    ) -> BTreeMap<modpod_server::enforcement::Change, modpod_policy::ids::ActionId> {
        state
            .actions
            .values()
            .filter(|a| place == "tls.ietf.org" && a.in_force() && a.terms.starts_at <= now)
            .map(|a| {
                let change = modpod_server::enforcement::Change {
                    kind: "ban".into(),
                    account: format!("{}@example.org", a.subject),
                };
                (change, a.id)
            })
            .collect()
    }
    fn drifted(
        &self,
        records: &[modpod_store::Drifted],
        change: &modpod_server::enforcement::Change,
    ) -> Option<modpod_server::enforcement::Drifted> {
        let newest = records
            .iter()
            .rfind(|d| d.account == change.account && d.kind == change.kind)?;
        Some(modpod_server::enforcement::Drifted {
            seen: jiff::Timestamp::from_microsecond(newest.seen_micros).unwrap(),
            reapplied: newest.reapplied,
        })
    }
    fn drift_setting(&self) -> &'static str {
        "--mailman-drift record"
    }
}

#[tokio::test]
async fn an_action_page_shows_how_it_stands_on_each_forum_s_software() {
    let mut web = world().await;
    // Without forum software driven by modpod: the index applies it.
    let page = web.get(Some("alice"), "/actions/1").await.body;
    assert!(
        page.contains("<h2>Enforcement on each forum</h2>"),
        "{page}"
    );
    assert!(
        page.contains(&format!("{TLS}: not on forum software modpod drives")),
        "{page}"
    );

    web.api.app.parts_mut().forum_software = vec![std::sync::Arc::new(FakeMailman)];
    let page = web.get(Some("alice"), "/actions/1").await.body;
    assert!(
        page.contains(&format!(
            "{TLS}: GNU Mailman list tls.ietf.org, <strong>pending</strong> (ban bob@example.org: pending)"
        )),
        "{page}"
    );
    let entry = modpod_store::Enforced {
        place: "tls.ietf.org".into(),
        account: "bob@example.org".into(),
        kind: "ban".into(),
        previous: None,
    };
    web.api
        .engine
        .lock()
        .unwrap()
        .store()
        .set_enforced("mailman", &entry)
        .unwrap();
    let page = web.get(Some("alice"), "/actions/1").await.body;
    assert!(
        page.contains("tls.ietf.org, <strong>applied</strong> (ban bob@example.org: applied)"),
        "{page}"
    );
    assert!(page.contains("shows here as drift"), "{page}");

    // Removed by hand and re-applied: applied, with the drift shown.
    let drift = |at: &str, reapplied: bool| modpod_store::Drifted {
        place: "tls.ietf.org".into(),
        account: "bob@example.org".into(),
        kind: "ban".into(),
        seen_micros: at.parse::<jiff::Timestamp>().unwrap().as_microsecond(),
        reapplied,
    };
    let record = |web: &Web, entry: modpod_store::Drifted| {
        web.api
            .engine
            .lock()
            .unwrap()
            .store()
            .record_drift("mailman", &entry)
            .unwrap();
    };
    record(&web, drift("2026-03-01T10:15:00Z", true));
    let page = web.get(Some("alice"), "/actions/1").await.body;
    assert!(
        page.contains(
            "tls.ietf.org, <strong>applied</strong> (ban bob@example.org: drifted: removed by hand on 2026-03-01 10:15 UTC, re-applied)"
        ),
        "{page}"
    );
    // Removed by hand again and left as it is: the list does not enforce it.
    record(&web, drift("2026-03-02T08:05:00Z", false));
    let page = web.get(Some("alice"), "/actions/1").await.body;
    assert!(
        page.contains(
            "tls.ietf.org, <strong>drifted</strong> (ban bob@example.org: drifted: removed by hand on 2026-03-02 08:05 UTC, left as it is (--mailman-drift record))"
        ),
        "{page}"
    );
    // Its subject is not shown the forum software's workings.
    let page = web.get(Some("bob"), "/actions/1").await.body;
    assert!(!page.contains("Enforcement on each forum"), "{page}");
    assert!(!page.contains("drifted"), "{page}");

    // Rescinded: what modpod applied is still to be lifted.
    {
        let mut engine = web.api.engine.lock().unwrap();
        let alice = modpod_policy::Actor::new(
            modpod_policy::ids::PersonId::parse("alice").unwrap(),
            modpod_policy::model::Capacity::Administrator,
        );
        let m1 = modpod_policy::Actor::new(
            modpod_policy::ids::PersonId::parse("m1").unwrap(),
            modpod_policy::model::Capacity::Moderator,
        );
        let action = modpod_policy::ids::ActionId(1);
        let consult = modpod_policy::Command::ConsultModerators {
            action,
            note: "May I lift it?".into(),
        };
        let answer = modpod_policy::Command::AnswerConsultation {
            action,
            consultation: 0,
            answer: "Agreed".into(),
        };
        let rescind = modpod_policy::Command::RescindAction {
            action,
            reason: "Resolved with the person".into(),
        };
        for (who, command) in [(&alice, consult), (&m1, answer), (&alice, rescind)] {
            engine
                .execute(who, &command, jiff::Timestamp::now())
                .unwrap();
        }
    }
    let page = web.get(Some("alice"), "/actions/1").await.body;
    assert!(
        page.contains("tls.ietf.org, <strong>pending: to be lifted</strong>"),
        "{page}"
    );
}

#[tokio::test]
async fn act_3_an_administrator_asks_the_team_a_moderator_answers_and_then_the_change_is_offered() {
    let web = world().await;
    {
        // bob is reported on quic@ too, and the team lengthens alice's
        // suspension of him: the action is now the team's (ACT-3).
        let mut engine = web.api.engine.lock().unwrap();
        let actor = |who: &str, capacity| {
            modpod_policy::Actor::new(modpod_policy::ids::PersonId::parse(who).unwrap(), capacity)
        };
        let report = common::command(json!({"command": "file_report", "forum": common::QUIC,
            "subject": {"person": "bob"}, "category": "uncivil", "description": "again"}));
        engine
            .execute(
                &actor("erin", Capacity::Participant),
                &report,
                jiff::Timestamp::now(),
            )
            .unwrap();
        let amend = common::command(json!({"command": "amend_action", "action": 1,
            "terms": {"measure": {"type": "temporary_suspension"}, "fora": [TLS],
            "ends_at": "2099-01-01T00:00:00Z"}, "reason": "the team lengthens it"}));
        engine
            .execute(
                &actor("m1", Capacity::Moderator),
                &amend,
                jiff::Timestamp::now(),
            )
            .unwrap();
        // A second moderator agrees (TEAM-5).
        let agree = common::command(json!({"command": "agree_to_proposal", "proposal": 1}));
        engine
            .execute(
                &actor("m2", Capacity::Moderator),
                &agree,
                jiff::Timestamp::now(),
            )
            .unwrap();
    }
    let mut web = web;
    web.log_in("m2").await;
    let page = web.get(Some("alice"), "/actions/1").await;
    assert!(
        form_of(&page.body, "/actions/1/consult").is_some(),
        "{}",
        page.body
    );
    assert!(
        form_of(&page.body, "/actions/1/amend").is_none(),
        "{}",
        page.body
    );
    let posted = web
        .post(
            "alice",
            "/actions/1/consult",
            &[("note", "May I shorten it again?")],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    // Asked, not answered: still no change offered.
    let page = web.get(Some("alice"), "/actions/1").await;
    assert!(page.body.contains("awaiting a moderator"), "{}", page.body);
    assert!(form_of(&page.body, "/actions/1/amend").is_none());
    assert!(
        form_of(&page.body, "/actions/1/answer").is_none(),
        "alice answers herself"
    );
    let page = web.get(Some("m2"), "/actions/1").await;
    assert!(
        form_of(&page.body, "/actions/1/answer").is_some(),
        "{}",
        page.body
    );
    let posted = web
        .post(
            "m2",
            "/actions/1/answer",
            &[("consultation", "0"), ("answer", "Yes, back to 21 days")],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let page = web.get(Some("alice"), "/actions/1").await;
    assert!(page.body.contains("Yes, back to 21 days"), "{}", page.body);
    assert!(
        form_of(&page.body, "/actions/1/amend").is_some(),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn appeal_1_a_reporter_disagrees_from_my_reports_with_a_report_closed_without_action() {
    let mut web = world().await;
    web.log_in("ad_sec").await;
    // Report #1, carol's about bob, resolved by alice's action: no form.
    let page = web.get(Some("carol"), "/me/reports").await;
    assert!(
        form_of(&page.body, "/me/reports/1/disagree").is_none(),
        "{}",
        page.body
    );
    // erin's report about m1 on the plenary list, closed as not disruptive.
    for (who, command) in [
        ("m2", json!({"command": "acknowledge_report", "report": 2})),
        (
            "m2",
            json!({"command": "resolve_report", "report": 2,
            "outcome": {"outcome": "not_disruptive"}}),
        ),
    ] {
        let mut engine = web.api.engine.lock().unwrap();
        let actor = Actor::new(PersonId::parse(who).unwrap(), Capacity::Moderator);
        engine
            .execute(&actor, &common::command(command), Timestamp::now())
            .unwrap();
    }
    let page = web.get(Some("erin"), "/me/reports").await;
    assert!(
        form_of(&page.body, "/me/reports/2/disagree").is_some(),
        "{}",
        page.body
    );
    let empty = web
        .post("erin", "/me/reports/2/disagree", &[("grounds", "")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let posted = web
        .post(
            "erin",
            "/me/reports/2/disagree",
            &[("grounds", "GROUNDS-ERIN: it goes on")],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    // The plenary list has no AD: it goes to the IETF chair; m1, the subject,
    // never sees the disagreement.
    let state = web.api.engine.lock().unwrap().state().clone();
    let appeal = state.appeals.values().next_back().unwrap().clone();
    assert_eq!(appeal.report, Some(modpod_policy::ids::ReportId(2)));
    web.log_in("m1").await;
    for path in [
        "/appeals",
        &format!("/appeals/{}", appeal.id.0),
        "/me",
        "/cases/2",
    ] {
        let page = web.get(Some("m1"), path).await;
        assert!(!page.body.contains("GROUNDS-ERIN"), "{path}: {}", page.body);
    }
}

#[tokio::test]
async fn act_1_an_administrator_cools_the_action_s_fora_down_from_its_page() {
    let mut web = world().await;
    for who in ["bob", "dave"] {
        web.log_in(who).await;
    }
    let page = web.get(Some("alice"), "/actions/1").await;
    assert!(
        form_of(&page.body, "/actions/1/cool-down").is_some(),
        "{}",
        page.body
    );
    assert!(!page.body.contains("cool down until"), "{}", page.body);
    // Not the subject, nor another forum's administrator.
    for who in ["bob", "dave"] {
        let page = web.get(Some(who), "/actions/1").await;
        assert!(
            form_of(&page.body, "/actions/1/cool-down").is_none(),
            "{who}"
        );
    }
    // A bad number of hours names the field and changes nothing.
    let bad = web
        .post(
            "alice",
            "/actions/1/cool-down",
            &[
                ("as", "administrator"),
                ("hours", "soon"),
                ("reason", "the thread is heated"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("Give a whole number of hours"),
        "{}",
        bad.body
    );
    let posted = web
        .post(
            "alice",
            "/actions/1/cool-down",
            &[
                ("as", "administrator"),
                ("hours", "36"),
                ("reason", "the thread is heated"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let page = web.get(Some("alice"), "/actions/1").await;
    assert!(
        page.body.contains("its fora cool down until"),
        "{}",
        page.body
    );
    // No hours: it ends now.
    let posted = web
        .post(
            "alice",
            "/actions/1/cool-down",
            &[
                ("as", "administrator"),
                ("hours", ""),
                ("reason", "calmer now"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let page = web.get(Some("alice"), "/actions/1").await;
    assert!(
        !page.body.contains("its fora cool down until"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn appeal_1_the_ad_hearing_a_disagreement_reads_the_report_it_is_about_not_who_filed_it() {
    let mut web = world().await;
    web.log_in("ad_sec").await;
    // bob disagreed with action #1, which cites report #1: ad_sec hears it.
    let case = web.get(Some("ad_sec"), "/cases/1").await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.body);
    assert!(
        case.body
            .contains(&html("He called the editor an idiot, twice.")),
        "{}",
        case.body
    );
    assert!(!mentions(&case.body, "carol"), "{}", case.body);
    // The action page links the report for them.
    let action = web.get(Some("ad_sec"), "/actions/1").await;
    assert!(action.body.contains("href=\"/cases/1\""), "{}", action.body);
    // Report #2, which no disagreement is about, stays closed to them.
    let other = web.get(Some("ad_sec"), "/cases/2").await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn team_5_ladder_1_a_moderator_proposes_from_the_case_page_and_another_agrees_and_vets() {
    let mut web = world().await;
    for who in ["m1", "m2", "m3"] {
        web.log_in(who).await;
    }
    // Report #2 is about m1 on the plenary list: m2 proposes a level-0 note.
    let case = web.get(Some("m2"), "/cases/2").await;
    assert!(
        case.body
            .contains("0: Off-list note (private admonishment), suggested by the person's history"),
        "{}",
        case.body
    );
    let actions = |web: &Web| web.api.engine.lock().unwrap().state().actions.len();
    let before = actions(&web);
    let page = web
        .post(
            "m2",
            "/cases/2/act",
            &[
                ("as", "moderator"),
                ("measure", "private_admonishment"),
                ("fora", IETF),
                ("reason", "Remarks about a person, not the draft"),
                ("level", "0"),
                ("note_to_person", "Please keep to the technical points."),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/cases/2?done=proposed");
    assert_eq!(actions(&web), before, "nothing takes effect yet");
    let case = web.get(Some("m2"), page.location()).await;
    assert!(case.body.contains("Proposed to the moderator team"));
    assert!(
        case.body
            .contains("Proposal #1</a>: private admonishment for m1")
    );

    // m3 reads the note as it would be sent, and may agree; m2 may withdraw
    // it and not agree again; m1, whom it is about, does not see it.
    let list = web.get(Some("m3"), "/proposals").await;
    assert!(list.body.contains("Please keep to the technical points."));
    assert!(form_of(&list.body, "/proposals/1/agree").is_some());
    assert!(form_of(&list.body, "/proposals/1/withdraw").is_none());
    let own = web.get(Some("m2"), "/proposals").await;
    assert!(form_of(&own.body, "/proposals/1/agree").is_none());
    assert!(form_of(&own.body, "/proposals/1/withdraw").is_some());
    let subject = web.get(Some("m1"), "/proposals").await;
    assert!(!subject.body.contains("Proposal #1"), "{}", subject.body);
    let refused = web.post("m1", "/proposals/1/agree", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let agreed = web.post("m3", "/proposals/1/agree", &[]).await;
    assert_eq!(agreed.status, StatusCode::SEE_OTHER, "{}", agreed.body);
    let engine = web.api.engine.lock().unwrap();
    let action = engine.state().actions.values().next_back().unwrap();
    assert_eq!(action.subject, PersonId::parse("m1").unwrap());
    assert_eq!(action.level.as_ref().map(|l| l.level), Some(0));
    let team = action.team.as_ref().unwrap();
    assert_eq!(
        team.agreed_by,
        [
            PersonId::parse("m2").unwrap(),
            PersonId::parse("m3").unwrap()
        ]
    );
    assert_eq!(
        action.texts.as_ref().unwrap().to_person.as_deref(),
        Some("Please keep to the technical points.")
    );
}

/// With more fora open to action than a form lists to tick (a moderator may
/// act on every public forum), the case page asks for their ids, one a
/// line, starting from the report's own; those typed are the action's fora.
#[tokio::test]
async fn a_case_s_fora_are_typed_when_there_are_too_many_to_tick() {
    let mut web = world().await;
    for who in ["m2", "m3"] {
        web.log_in(who).await;
    }
    let ticked = web.get(Some("m2"), "/cases/2").await;
    assert!(
        ticked.body.contains(r#"id="act-forum-1""#),
        "{}",
        ticked.body
    );
    assert!(!ticked.body.contains(r#"<textarea id="act-fora""#));
    hundred_more_fora(&web);
    let typed = web.get(Some("m2"), "/cases/2").await;
    assert!(
        !typed.body.contains(r#"id="act-forum-1""#),
        "{}",
        typed.body
    );
    assert!(
        typed.body.contains(&format!(
            r#"<textarea id="act-fora" name="fora" rows="3">{IETF}</textarea>"#
        )),
        "{}",
        typed.body
    );
    let fora = format!("{IETF}\r\n list0@example.org, list1@example.org\r\n");
    let page = web
        .post(
            "m2",
            "/cases/2/act",
            &[
                ("as", "moderator"),
                ("measure", "private_admonishment"),
                ("fora", &fora),
                ("reason", "Remarks about a person, not the draft"),
                ("level", "0"),
                ("note_to_person", "Please keep to the technical points."),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let agreed = web.post("m3", "/proposals/1/agree", &[]).await;
    assert_eq!(agreed.status, StatusCode::SEE_OTHER, "{}", agreed.body);
    {
        let engine = web.api.engine.lock().unwrap();
        let action = engine.state().actions.values().next_back().unwrap();
        let mut fora: Vec<&str> = action.terms.fora.iter().map(|f| f.as_str()).collect();
        fora.sort_unstable();
        assert_eq!(fora, [IETF, "list0@example.org", "list1@example.org"]);
    }
    // A forum that does not exist is refused, and what was typed is kept.
    let refused = web
        .post(
            "m2",
            "/cases/2/act",
            &[
                ("as", "moderator"),
                ("measure", "private_admonishment"),
                ("fora", "nosuch@example.org"),
                ("reason", "Remarks about a person, not the draft"),
                ("level", "0"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(">nosuch@example.org</textarea>"),
        "{}",
        refused.body
    );
    // Nothing typed is named as the problem, beside the field.
    let empty = web
        .post(
            "m2",
            "/cases/2/act",
            &[
                ("as", "moderator"),
                ("measure", "private_admonishment"),
                ("fora", " \r\n "),
                ("reason", "Remarks about a person, not the draft"),
                ("level", "0"),
            ],
        )
        .await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.body
    );
    assert!(
        empty.body.contains("Tick or name at least one forum."),
        "{}",
        empty.body
    );
}

/// MSG-1, REPORT-5: the case's threads on its page and on the parties' own
/// pages. Each reader sees only the threads they read: bob, reported, his
/// own; carol, who reported him, hers; alice and the moderators all three.
/// A message is posted from any of those pages, and back there it goes.
#[tokio::test]
async fn msg_1_each_reader_sees_only_their_own_thread_and_writes_in_it_from_the_page() {
    let mut web = world().await;
    web.log_in("m2").await;
    let posts = [
        (
            "alice",
            "administrator",
            "person",
            "PERSON-MARK: please stop",
            "",
        ),
        (
            "alice",
            "administrator",
            "reporter",
            "REPORTER-MARK: thank you",
            "",
        ),
        ("m2", "moderator", "team", "TEAM-MARK: a note", ""),
        ("bob", "participant", "person", "BOB-MARK: I will", "me"),
        (
            "carol",
            "participant",
            "reporter",
            "CAROL-MARK: good",
            "me-reports",
        ),
    ];
    for (who, capacity, thread, text, back) in posts {
        if who == "bob" {
            // bob reads the message on his status page, with the form.
            let page = web.get(Some("bob"), "/me").await;
            assert!(page.body.contains("PERSON-MARK"), "{}", page.body);
            assert!(page.body.contains(r#"action="/cases/1/message""#));
        }
        if who == "carol" {
            let page = web.get(Some("carol"), "/me/reports").await;
            assert!(page.body.contains("REPORTER-MARK"), "{}", page.body);
            assert!(page.body.contains(r#"action="/cases/1/message""#));
        }
        let fields = [
            ("as", capacity),
            ("thread", thread),
            ("text", text),
            ("back", back),
        ];
        let page = web.post(who, "/cases/1/message", &fields).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{who}: {}", page.body);
        let location = match back {
            "me" => "/me?done=message".to_owned(),
            "me-reports" => "/me/reports?done=message".to_owned(),
            _ => format!("/cases/1?done=message#thread-{thread}"),
        };
        assert_eq!(page.location(), location);
    }
    let marks = [
        "PERSON-MARK",
        "BOB-MARK",
        "REPORTER-MARK",
        "CAROL-MARK",
        "TEAM-MARK",
    ];
    for (who, reads) in [
        ("bob", &marks[..2]),
        ("carol", &marks[2..4]),
        ("alice", &marks[..]),
        ("m2", &marks[..]),
    ] {
        let mut seen = web.get(Some(who), "/cases/1").await.body;
        seen.push_str(&web.get(Some(who), "/me").await.body);
        seen.push_str(&web.get(Some(who), "/me/reports").await.body);
        for mark in marks {
            assert_eq!(
                seen.contains(mark),
                reads.contains(&mark),
                "{who} and {mark}"
            );
        }
    }
    // The person reported never learns who reported, nor that the reporter
    // wrote: not in the threads, not in the timeline.
    let case = web.get(Some("bob"), "/cases/1").await.body;
    assert!(!mentions(&case, "carol"), "{case}");
    assert!(!case.contains("thread with the reporter"), "{case}");
    assert!(case.contains("thread with the person reported"), "{case}");
    // A message without text comes back with the problem; one in another's
    // thread with the policy's refusal; neither records anything.
    let before = web.events();
    let page = web
        .post(
            "alice",
            "/cases/1/message",
            &[("as", "administrator"), ("thread", "team"), ("text", " ")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("This is required."), "{}", page.body);
    let page = web
        .post(
            "bob",
            "/cases/1/message",
            &[
                ("as", "participant"),
                ("thread", "reporter"),
                ("text", "who?"),
            ],
        )
        .await;
    assert!(page.status.is_client_error(), "{}", page.status);
    assert!(page.body.contains("Refused (MSG-1)"), "{}", page.body);
    assert!(!page.body.contains("REPORTER-MARK"), "{}", page.body);
    assert_eq!(web.events(), before);
}

#[tokio::test]
async fn the_queue_finds_sorts_and_pages_and_home_says_what_waits_for_the_viewer() {
    let mut web = world().await;
    for who in ["m1", "m2"] {
        web.log_in(who).await;
    }
    // Sixty more reports by erin about carol on the tls list.
    {
        let mut engine = web.api.engine.lock().unwrap();
        let erin = Actor::new(PersonId::parse("erin").unwrap(), Capacity::Participant);
        for n in 0..60 {
            let report = common::command(json!({"command": "file_report", "forum": TLS,
                "subject": {"person": "carol"}, "category": "off-topic",
                "description": format!("off-topic post number {n}")}));
            engine
                .execute(&erin, &report, jiff::Timestamp::now())
                .unwrap();
        }
    }
    // Home counts them, on the fora alice handles only (#2 is not).
    let home = web.get(Some("alice"), "/").await;
    assert!(
        home.body
            .contains("<span>61 open reports on your fora</span>"),
        "{}",
        home.body
    );
    let queue = web.get(Some("alice"), "/queue").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(
        queue.body.contains("61 reports, 1 to 50 shown"),
        "{}",
        queue.body
    );
    assert!(queue.body.contains("Page 1 of 2"));
    let next = web.get(Some("alice"), "/queue?page=2").await;
    assert!(
        next.body.contains("61 reports, 51 to 61 shown"),
        "{}",
        next.body
    );
    // Names, not ids alone; a search finds the report's own words and the
    // person, whatever the case.
    let found = web.get(Some("alice"), "/queue?q=NUMBER%2042").await;
    assert!(found.body.contains("1 report."), "{}", found.body);
    let bob = web.get(Some("alice"), "/queue?q=bob").await;
    assert!(bob.body.contains("1 report."), "{}", bob.body);
    assert!(
        bob.body.contains(r#"<a href="/cases/1">#1</a>"#),
        "{}",
        bob.body
    );
    // The newest first when sorted by filing.
    let newest = web.get(Some("alice"), "/queue?sort=filed").await;
    let first = newest.body.find("/cases/62\"").unwrap();
    let oldest = newest.body.find("/cases/13\"").unwrap();
    assert!(first < oldest, "{}", newest.body);
    // Each page is the right part of the whole order, in order: the 50
    // newest on the first, the eleven oldest on the second; by deadline,
    // the oldest first.
    let cases = |body: &str| -> Vec<u64> {
        let mut ids: Vec<u64> = body
            .split("href=\"/cases/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next()?.parse().ok())
            .collect();
        ids.dedup();
        ids
    };
    // (#2 is on a forum alice does not handle.)
    let mut all: Vec<u64> = std::iter::once(1).chain(3..=62).collect();
    let due = web.get(Some("alice"), "/queue?sort=deadline").await;
    assert_eq!(cases(&due.body), all[..50]);
    let later = web.get(Some("alice"), "/queue?sort=deadline&page=2").await;
    assert_eq!(cases(&later.body), all[50..]);
    all.reverse();
    assert_eq!(cases(&newest.body), all[..50]);
    let older = web.get(Some("alice"), "/queue?sort=filed&page=2").await;
    assert_eq!(cases(&older.body), all[50..]);

    // m1 proposes an action; m2's home says a proposal waits for them.
    web.api
        .propose(
            &web.api.token("m1", modpod_server::tokens::Scope::Act),
            "moderator",
            json!({"command": "take_action", "subject": {"person": "carol"},
                "measure": {"type": "private_admonishment"}, "fora": [IETF],
                "reason": "off-topic posts"}),
        )
        .await;
    let home = web.get(Some("m2"), "/").await;
    assert!(
        home.body.contains("<strong>1 waiting for you</strong>"),
        "{}",
        home.body
    );
    let home = web.get(Some("m1"), "/").await;
    assert!(home.body.contains("none waiting for you"), "{}", home.body);
}

#[tokio::test]
async fn an_administrator_acts_and_resolves_the_report_in_one_step() {
    let web = world().await;
    {
        let mut engine = web.api.engine.lock().unwrap();
        let carol = Actor::new(PersonId::parse("carol").unwrap(), Capacity::Participant);
        let report = common::command(json!({"command": "file_report", "forum": TLS,
            "subject": {"person": "erin"}, "category": "off-topic",
            "description": "a thread about lunch"}));
        engine
            .execute(&carol, &report, jiff::Timestamp::now())
            .unwrap();
        let alice = Actor::new(PersonId::parse("alice").unwrap(), Capacity::Administrator);
        let acknowledge = common::command(json!({"command": "acknowledge_report", "report": 3}));
        engine
            .execute(&alice, &acknowledge, jiff::Timestamp::now())
            .unwrap();
    }
    let case = web.get(Some("alice"), "/cases/3").await;
    assert!(
        case.body
            .contains(r#"<input type="checkbox" id="act-resolve" name="resolve" checked>"#),
        "{}",
        case.body
    );
    let page = web
        .post(
            "alice",
            "/cases/3/act",
            &[
                ("as", "administrator"),
                ("measure", "private_admonishment"),
                ("fora", TLS),
                ("reason", "Please keep the list on topic"),
                ("resolve", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/cases/3?done=act-resolve");
    let engine = web.api.engine.lock().unwrap();
    let state = engine.state();
    let action = state.actions.values().next_back().unwrap();
    assert_eq!(action.reports, [modpod_policy::ids::ReportId(3)]);
    assert_eq!(
        state.reports[&modpod_policy::ids::ReportId(3)].state,
        modpod_policy::model::ReportState::Resolved {
            outcome: modpod_policy::model::ReportOutcome::ActionTaken { action: action.id }
        }
    );
}

#[tokio::test]
async fn act_7_a_person_s_page_shows_their_history_across_fora_to_those_who_handle_reports() {
    let mut web = world().await;
    web.log_in("m1").await;
    let found = web.get(Some("alice"), "/people?q=BOB@EXAMPLE").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains(r#"<a href="/people/bob">"#),
        "{}",
        found.body
    );
    let page = web.get(Some("m1"), "/people/bob").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("History across all fora"));
    assert!(
        page.body.contains(r#"<a href="/actions/1">#1</a>"#),
        "{}",
        page.body
    );
    assert!(page.body.contains("temporary suspension"), "{}", page.body);
    assert!(page.body.contains(r#"<a href="/cases/1">Report #1</a>"#));
    assert!(
        page.body.contains("level 0: Off-list note"),
        "{}",
        page.body
    );
    // Not for the person's peers, nor for the person (who has /me).
    for who in ["carol", "bob"] {
        let page = web.get(Some(who), "/people/bob").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{who}");
        let search = web.get(Some(who), "/people?q=bob").await;
        assert_eq!(search.status, StatusCode::FORBIDDEN, "{who}");
    }
}

#[tokio::test]
async fn circumvent_1_the_moderators_read_the_team_s_alerts_and_nobody_else_does() {
    let mut web = world().await;
    web.log_in("m1").await;
    // bob, suspended by alice, gets a new account linked: an alert.
    {
        let mut engine = web.api.engine.lock().unwrap();
        let op = Actor::new(PersonId::parse("op").unwrap(), Capacity::Operator);
        let link = common::command(json!({"command": "link_identity", "person": "bob",
            "identity": {"kind": "email", "value": "bob.again@example.net"}}));
        engine.execute(&op, &link, jiff::Timestamp::now()).unwrap();
    }
    let page = web.get(Some("m1"), "/alerts").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("bob.again@example.net"), "{}", page.body);
    assert!(page.body.contains("a new account linked"));
    assert!(page.body.contains(r#"<a href="/people/bob">"#));
    assert!(page.body.contains(r#"<a href="/actions/1">#1</a>"#));
    for who in ["alice", "carol", "bob"] {
        let page = web.get(Some(who), "/alerts").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{who}");
    }
}

#[tokio::test]
async fn proc_1_the_team_s_quorum_and_volume_rule_change_from_the_setup_page_once_approved() {
    let mut web = world().await;
    for who in ["m1", "m2", "ad_sec"] {
        web.log_in(who).await;
    }
    let setup = web.get(Some("m1"), "/setup").await;
    assert!(
        setup
            .body
            .contains("Moderators who must agree before the team"),
        "{}",
        setup.body
    );
    let page = web
        .post(
            "m1",
            "/setup/draft",
            &[
                ("as", "moderator"),
                ("version", "1"),
                ("title", "Three to agree"),
                (
                    "text",
                    "The team acts when three agree; floods are limited.",
                ),
                ("quorum", "3"),
                ("volume_posts", "30"),
                ("volume_minutes", "60"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    review_and_approve(&web, "1").await;
    let numbers = web.api.engine.lock().unwrap().state().numbers();
    assert_eq!(
        (numbers.quorum, numbers.volume_posts, numbers.volume_minutes),
        (3, 30, 60)
    );
    // A quorum of none is refused, naming the field.
    let page = web
        .post(
            "m1",
            "/setup/draft",
            &[
                ("as", "moderator"),
                ("version", "2"),
                ("title", "Nobody agrees"),
                ("text", "Anyone acts alone."),
                ("quorum", "0"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(r#"id="draft-quorum-error""#),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn template_1_the_team_drafts_a_text_with_a_preview_and_another_moderator_approves_it() {
    let mut web = world().await;
    for who in ["m1", "m2", "alice"] {
        web.log_in(who).await;
    }
    let list = web.get(Some("m1"), "/texts").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    for name in [
        "level-0/person",
        "level-1/list",
        "level-2/person",
        "action-taken/person",
    ] {
        assert!(
            list.body.contains(&format!(r#"href="/texts/{name}""#)),
            "{name}"
        );
    }
    assert!(list.body.contains("modpod&#x27;s own") || list.body.contains("modpod's own"));
    assert!(
        !list.body.contains(r#"href="/texts/_footer""#),
        "partials are not texts"
    );
    for who in ["alice", "carol"] {
        assert_eq!(
            web.get(Some(who), "/texts").await.status,
            StatusCode::NOT_FOUND,
            "{who}"
        );
        assert_eq!(
            web.get(Some(who), "/texts/level-1/person").await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        web.get(Some("m1"), "/texts/no/such").await.status,
        StatusCode::NOT_FOUND
    );

    let page = web.get(Some("m1"), "/texts/level-1/person").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("modpod&#x27;s own text") || page.body.contains("modpod's own text")
    );
    assert!(
        page.body.contains("The break is"),
        "the text in use is shown to edit"
    );
    assert!(
        page.body.contains("<code>action.reason</code>"),
        "the placeholders are listed"
    );

    let events = web.api.events();
    // A preview renders with a made-up record and records nothing.
    let text =
        "Subject: A break, {{ recipient.name }}\n\n{{ action.note }}\nWhy: {{ action.reason }}\n";
    let page = web
        .post(
            "m1",
            "/texts/level-1/person",
            &[("do", "preview"), ("text", text)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("A break, Alex Example"), "{}", page.body);
    assert!(page.body.contains("Why: repeated personal attacks"));
    assert_eq!(web.api.events(), events);
    // An unknown placeholder is refused at the preview and at the draft,
    // naming it; nothing is recorded.
    let bad = "Subject: x\n\n{{ action.colour }}\n";
    for step in ["preview", "draft"] {
        let page = web
            .post(
                "m1",
                "/texts/level-1/person",
                &[("do", step), ("text", bad)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{step}");
        assert!(
            page.body.contains("{{ action.colour }}"),
            "{step}: {}",
            page.body
        );
        assert!(page.body.contains(r#"aria-invalid="true""#), "{step}");
    }
    assert_eq!(web.api.events(), events);
    // So through the API: the check is the engine's, not the page's.
    let m1 = web.api.token("m1", modpod_server::tokens::Scope::Act);
    let (status, body) = web
        .api
        .post(
            "/v1/commands",
            &m1,
            json!({"as": "moderator", "command": {"command": "draft_template",
                "name": "level-1/person", "text": bad}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("{{ action.colour }}"),
        "{body}"
    );
    assert_eq!(web.api.events(), events);

    let page = web
        .post(
            "m1",
            "/texts/level-1/person",
            &[("do", "draft"), ("text", text)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/texts/level-1/person?done=drafted");
    let mine = web.get(Some("m1"), "/texts/level-1/person").await;
    assert!(
        mine.body
            .contains("Version 1: waiting for another moderator"),
        "{}",
        mine.body
    );
    assert!(
        !mine.body.contains(r#"value="approve""#),
        "its writer does not vet it"
    );
    let theirs = web.get(Some("m2"), "/texts/level-1/person").await;
    assert!(theirs.body.contains(r#"value="approve""#));
    // The home page says what waits for whom.
    let home = web.get(Some("m2"), "/").await;
    assert!(
        home.body
            .contains("<strong>1 draft waiting for your vetting</strong>"),
        "{}",
        home.body
    );
    let home = web.get(Some("m1"), "/").await;
    assert!(
        home.body.contains("no draft waiting for you"),
        "{}",
        home.body
    );
    let page = web
        .post(
            "m2",
            "/texts/level-1/person",
            &[("do", "approve"), ("version", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        web.api
            .engine
            .lock()
            .unwrap()
            .state()
            .template_version("level-1/person"),
        1
    );
    let page = web.get(Some("m1"), "/texts").await;
    assert!(page.body.contains("version 1, by"), "{}", page.body);
    // Approving it again is refused, in the policy's words.
    let page = web
        .post(
            "m2",
            "/texts/level-1/person",
            &[("do", "approve"), ("version", "1")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("TEMPLATE-1"), "{}", page.body);
}

/// Files a report as `who` (a participant) through the engine, and
/// acknowledges it as alice when `acknowledged`; its number.
fn filed(web: &Web, who: &str, forum: &str, about: &str, acknowledged: bool) -> u64 {
    let mut engine = web.api.engine.lock().unwrap();
    let reporter = Actor::new(PersonId::parse(who).unwrap(), Capacity::Participant);
    let report = common::command(json!({"command": "file_report", "forum": forum,
        "subject": {"person": about}, "category": "bulk",
        "description": "The same advertisement, forty times."}));
    engine
        .execute(&reporter, &report, Timestamp::now())
        .unwrap();
    let id = engine.state().reports.keys().next_back().unwrap().0;
    if acknowledged {
        let alice = Actor::new(PersonId::parse("alice").unwrap(), Capacity::Administrator);
        let acknowledge = common::command(json!({"command": "acknowledge_report", "report": id}));
        engine
            .execute(&alice, &acknowledge, Timestamp::now())
            .unwrap();
    }
    id
}

#[tokio::test]
async fn report_3_several_reports_are_resolved_as_spam_together_and_a_refusal_stops_none_of_the_others()
 {
    let web = world().await;
    let two = filed(&web, "carol", TLS, "erin", true);
    let three = filed(&web, "carol", TLS, "erin", true);
    // Not acknowledged yet: the policy will not let it be resolved.
    let four = filed(&web, "carol", TLS, "erin", false);
    let queue = web.get(Some("alice"), "/queue").await;
    assert_eq!(queue.status, StatusCode::OK);
    let form = form_of(&queue.body, "/queue/spam").expect("the spam form");
    for id in [two, three] {
        assert!(
            form.contains(&format!(r#"name="report" value="{id}""#)),
            "#{id} may be resolved: {form}"
        );
    }
    for id in [0, four] {
        assert!(
            !form.contains(&format!(r#"name="report" value="{id}""#)),
            "#{id} is not acknowledged: no box for it"
        );
    }
    // Nobody who handles no report here is offered the form.
    let mut web = web;
    web.log_in("m1").await;
    let m1 = web.get(Some("m1"), "/queue").await;
    assert!(form_of(&m1.body, "/queue/spam").is_none(), "{}", m1.body);

    // The three together, the one not acknowledged among them: it is
    // refused beside its row, in the policy's words; the other two are
    // resolved, each by its own command.
    let before = web.events();
    let two_s = two.to_string();
    let three_s = three.to_string();
    let four_s = four.to_string();
    let page = web
        .post(
            "alice",
            "/queue/spam",
            &[
                ("report", &two_s),
                ("report", &four_s),
                ("report", &three_s),
                ("q", "erin"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&format!(
            r#"id="spam-{four}-error">Refused (REPORT-3): report #{four} is received; it is resolved after it is acknowledged"#
        )),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!(
            r#"Resolved as spam (no action needed; each reporter is told): <a href="/cases/{two}">#{two}</a>, <a href="/cases/{three}">#{three}</a>."#
        )),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"name="q" type="search" value="erin""#),
        "the filter is kept"
    );
    {
        let engine = web.api.engine.lock().unwrap();
        let state = engine.state();
        use modpod_policy::ids::ReportId;
        use modpod_policy::model::{ReportOutcome, ReportState};
        for id in [two, three] {
            assert_eq!(
                state.reports[&ReportId(id)].state,
                ReportState::Resolved {
                    outcome: ReportOutcome::NoActionNeeded
                },
                "#{id}"
            );
        }
        assert_eq!(state.reports[&ReportId(four)].state, ReportState::Received);
    }
    // Each resolution is its own record: the resolution and what its
    // reporter is owed, twice; nothing for the refused one.
    assert_eq!(web.events(), before + 4);

    // Once acknowledged, it goes too; all resolved: back to the queue.
    {
        let mut engine = web.api.engine.lock().unwrap();
        let alice = Actor::new(PersonId::parse("alice").unwrap(), Capacity::Administrator);
        let acknowledge = common::command(json!({"command": "acknowledge_report", "report": four}));
        engine
            .execute(&alice, &acknowledge, Timestamp::now())
            .unwrap();
    }
    let page = web
        .post("alice", "/queue/spam", &[("report", &four_s)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(page.location().starts_with("/queue?done=spam"));
    let queue = web.get(Some("alice"), page.location()).await;
    assert!(
        queue
            .body
            .contains("The reports chosen are resolved as spam"),
        "{}",
        queue.body
    );
    // A moderator is refused in the policy's words (REPORT-4: the report
    // is the administrators' until it escalates); a report the poster does
    // not handle at all is not even looked at; nothing chosen is said so.
    let five = filed(&web, "carol", TLS, "erin", true).to_string();
    let before = web.events();
    let page = web.post("m1", "/queue/spam", &[("report", &five)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(&format!(
            "Refused (REPORT-4): report #{five} is for the administrators of {TLS} until it escalates"
        )),
        "{}",
        page.body
    );
    web.log_in("dave").await;
    let page = web.post("dave", "/queue/spam", &[("report", &five)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("There is no such report, or it is not one you handle."),
        "{}",
        page.body
    );
    let page = web.post("alice", "/queue/spam", &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("Choose the reports to resolve as spam first.")
    );
    assert_eq!(web.events(), before);
}

#[tokio::test]
async fn act_2_act_4_the_action_form_offers_only_the_fora_and_measures_the_policy_allows() {
    let mut web = world().await;
    web.log_in("m1").await;
    // alice administers tls and its chairs' list: those, and no other.
    let case = web.get(Some("alice"), "/cases/1").await;
    let form = form_of(&case.body, "/cases/1/act").expect("the action form");
    for forum in [TLS, common::TLS_CHAIRS] {
        assert!(
            form.contains(&format!(r#"value="{forum}""#)),
            "{forum}: {form}"
        );
    }
    for forum in [common::QUIC, IETF] {
        assert!(
            !form.contains(&format!(r#"value="{forum}""#)),
            "{forum}: {form}"
        );
    }
    // Only the measures the policy has; those it puts out of scope are
    // named, not offered (ACT-4).
    assert!(form.contains(r#"value="temporary_suspension""#));
    for outside in [
        "content_removal",
        "account_removal",
        "meeting_restriction",
        "private_communications",
    ] {
        assert!(
            !form.contains(&format!(r#"value="{outside}""#)),
            "{outside}"
        );
    }
    assert!(
        form.contains(
            "Not offered, because the policy does not cover them (ACT-4): account removal"
        ),
        "{form}"
    );
    // The fields each measure uses are marked, for the stylesheet to show
    // only those.
    for class in [
        "for-rate-limit",
        "for-other",
        "for-end",
        "for-start",
        "for-spam",
    ] {
        assert!(form.contains(class), "{class}");
    }
    // The summary leads: who, where, what and the suggested level, before
    // the work; the timeline after it.
    let body = &case.body;
    let summary = body.find(r#"id="summary""#).unwrap();
    let act = body.find(r#"action="/cases/1/act""#).unwrap();
    let timeline = body.find(r#"id="timeline""#).unwrap();
    assert!(summary < act && act < timeline, "{body}");
    assert!(body.contains("as the person's history suggests"), "{body}");

    // Once alice escalates it, a moderator may act on tls and on the
    // plenary list; never on quic (it has its administrators) nor on a
    // non-public list (FORUM-3).
    let page = web
        .post("alice", "/cases/1/escalate", &[("as", "administrator")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let case = web.get(Some("m1"), "/cases/1").await;
    let form = form_of(&case.body, "/cases/1/act").expect("the action form");
    for forum in [TLS, IETF] {
        assert!(
            form.contains(&format!(r#"value="{forum}""#)),
            "{forum}: {form}"
        );
    }
    for forum in [common::QUIC, common::TLS_CHAIRS] {
        assert!(
            !form.contains(&format!(r#"value="{forum}""#)),
            "{forum}: {form}"
        );
    }
}

#[tokio::test]
async fn msg_1_report_5_a_person_s_page_lists_only_the_case_threads_the_viewer_reads() {
    let mut web = world().await;
    for who in ["dave", "m1"] {
        web.log_in(who).await;
    }
    // carol reports alice on quic, which dave chairs; dave writes in each
    // of the case's threads.
    let page = web
        .post(
            "carol",
            "/report",
            &[
                ("forum", common::QUIC),
                ("subject_kind", "person"),
                ("subject", "alice"),
                ("category", "uncivil"),
                ("description", "Mocked a newcomer's question."),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let case = web.api.engine.lock().unwrap().state().reports.len();
    for thread in ["person", "reporter", "team"] {
        let page = web
            .post(
                "dave",
                &format!("/cases/{case}/message"),
                &[
                    ("as", "administrator"),
                    ("thread", thread),
                    ("text", &format!("{thread} message")),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{thread}: {}",
            page.body
        );
    }
    let link = |thread: &str| format!(r#"href="/cases/{case}#thread-{thread}""#);
    // dave handles it: on alice's page, all three; on carol's, hers alone.
    let alice = web.get(Some("dave"), "/people/alice").await;
    assert_eq!(alice.status, StatusCode::OK, "{}", alice.body);
    for thread in ["person", "reporter", "team"] {
        assert!(
            alice.body.contains(&link(thread)),
            "{thread}: {}",
            alice.body
        );
    }
    let carol = web.get(Some("dave"), "/people/carol").await;
    assert!(carol.body.contains(&link("reporter")), "{}", carol.body);
    assert!(carol.body.contains("(reported by them)"));
    for thread in ["person", "team"] {
        assert!(!carol.body.contains(&link(thread)), "{thread}");
    }
    // alice handles reports on tls, so she opens people's pages; but the
    // case is about her: she never meets the reporter's thread nor the
    // team's notes (REPORT-5), on carol's page or anywhere.
    let carol = web.get(Some("alice"), "/people/carol").await;
    assert_eq!(carol.status, StatusCode::OK, "{}", carol.body);
    assert!(
        !carol.body.contains(&format!("/cases/{case}")),
        "{}",
        carol.body
    );
    assert!(!carol.body.contains("reporter message"));
    // The moderators read the threads of a report on a public forum.
    let alice = web.get(Some("m1"), "/people/alice").await;
    assert!(alice.body.contains(&link("reporter")), "{}", alice.body);
    // alice writes to carol about her report on tls: dave, who handles
    // nothing there, does not meet that thread on carol's page.
    let page = web
        .post(
            "alice",
            "/cases/1/message",
            &[
                ("as", "administrator"),
                ("thread", "reporter"),
                ("text", "Thank you: we are on it."),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mine = web.get(Some("alice"), "/people/carol").await;
    assert!(
        mine.body.contains(r#"href="/cases/1#thread-reporter""#),
        "{}",
        mine.body
    );
    let carol = web.get(Some("dave"), "/people/carol").await;
    assert!(!carol.body.contains("/cases/1#"), "{}", carol.body);
    let bob = web.get(Some("dave"), "/people/bob").await;
    assert!(
        bob.body.contains("No case thread about them that you read"),
        "{}",
        bob.body
    );
}

#[tokio::test]
async fn ladder_1_the_draft_form_sets_the_ladder_and_refuses_bad_levels_naming_the_field() {
    let mut web = world().await;
    for who in ["m1", "m2", "ad_sec"] {
        web.log_in(who).await;
    }
    // The ladder in force is filled in.
    let setup = web.get(Some("m1"), "/setup").await;
    let form = form_of(&setup.body, "/setup/draft").expect("the draft form");
    assert!(
        form.contains(r#"name="ladder_2_name" value="Posting restriction""#),
        "{form}"
    );
    assert!(form.contains(
        r#"id="draft-ladder_2_approval" name="ladder_2_approval" value="ietf_chair" checked"#
    ));
    let draft = |version: &'static str, rows: Vec<(&'static str, &'static str)>| {
        let mut fields = vec![
            ("as", "moderator"),
            ("version", version),
            ("title", "A longer ladder"),
            ("text", "A fourth level for the worst cases."),
        ];
        fields.extend(rows);
        fields
    };
    let ladder = vec![
        ("ladder_0_level", "0"),
        ("ladder_0_name", "Off-list note"),
        ("ladder_0_measure", "private_admonishment"),
        ("ladder_1_level", "1"),
        ("ladder_1_name", "A break"),
        ("ladder_1_measure", "public_admonishment"),
        ("ladder_1_days", "7"),
        ("ladder_1_note_to_list", "yes"),
        ("ladder_2_level", "2"),
        ("ladder_2_name", "Posting restriction"),
        ("ladder_2_measure", "temporary_suspension"),
        ("ladder_2_days", "30"),
        ("ladder_2_approval", "ietf_chair"),
        ("ladder_2_note_to_list", "yes"),
        ("ladder_3_level", "3"),
        ("ladder_3_name", "Indefinite"),
        ("ladder_3_measure", "indefinite_suspension"),
        ("ladder_3_approval", "ietf_chair"),
        // An empty row is no level.
        ("ladder_4_level", "4"),
        ("ladder_4_name", ""),
    ];
    // Bad input is refused next to its field, and what was typed is kept.
    let before = web.events();
    let mut bad = ladder.clone();
    bad[6] = ("ladder_1_days", "a week");
    let page = web.post("m1", "/setup/draft", &draft("1", bad)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(
            r#"id="draft-ladder_1_days-error"><strong>Error:</strong> Give a whole number of days"#
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"name="ladder_1_days" value="a week""#));
    assert!(
        page.body
            .contains(r#"name="ladder_3_name" value="Indefinite""#)
    );
    let mut bad = ladder.clone();
    bad[1] = ("ladder_0_name", " ");
    let page = web.post("m1", "/setup/draft", &draft("1", bad)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(r#"id="draft-ladder_0_name-error""#),
        "{}",
        page.body
    );
    // What the policy refuses (a gap in the levels, a suspension without
    // days) is shown on the ladder, in its words.
    let mut bad = ladder.clone();
    bad[14] = ("ladder_3_level", "5");
    let page = web.post("m1", "/setup/draft", &draft("1", bad)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(
            r#"id="draft-ladder-error"><strong>Error:</strong> levels are numbered from 0 in order"#
        ),
        "{}",
        page.body
    );
    let mut bad = ladder.clone();
    bad[11] = ("ladder_2_days", "");
    let page = web.post("m1", "/setup/draft", &draft("1", bad)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("level 2: a temporary suspension lasts a number of days"),
        "{}",
        page.body
    );
    assert_eq!(web.events(), before, "nothing bad was recorded");

    // The good ladder, drafted, reviewed and approved, is the one in force,
    // and the form shows it back.
    let page = web.post("m1", "/setup/draft", &draft("1", ladder)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    review_and_approve(&web, "1").await;
    {
        use modpod_policy::model::{Approver, Level};
        let engine = web.api.engine.lock().unwrap();
        let ladder = engine.state().ladder();
        let level = |level, name: &str, measure: &str, days, approval, note_to_list| Level {
            level,
            name: name.into(),
            measure: measure.into(),
            days,
            approval,
            note_to_list,
        };
        assert_eq!(
            ladder.0,
            vec![
                level(
                    0,
                    "Off-list note",
                    "private_admonishment",
                    None,
                    None,
                    false
                ),
                level(1, "A break", "public_admonishment", Some(7), None, true),
                level(
                    2,
                    "Posting restriction",
                    "temporary_suspension",
                    Some(30),
                    Some(Approver::IetfChair),
                    true
                ),
                level(
                    3,
                    "Indefinite",
                    "indefinite_suspension",
                    None,
                    Some(Approver::IetfChair),
                    false
                ),
            ]
        );
    }
    let setup = web.get(Some("m1"), "/setup").await;
    let form = form_of(&setup.body, "/setup/draft").expect("the draft form");
    assert!(
        form.contains(r#"name="ladder_3_name" value="Indefinite""#),
        "{form}"
    );
    assert!(form.contains(r#"name="ladder_1_days" value="7""#), "{form}");
    assert!(
        form.contains(r#"name="ladder_4_name" value="""#),
        "a row for a new level"
    );
    // A draft without the ladder's fields keeps the ladder in force.
    let page = web
        .post(
            "m1",
            "/setup/draft",
            &[
                ("as", "moderator"),
                ("version", "2"),
                ("title", "Numbers only"),
                ("text", "Only the quorum changes."),
                ("quorum", "3"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let engine = web.api.engine.lock().unwrap();
    assert_eq!(engine.state().procedures[&2].ladder, None);
}

/// A draft of the procedures goes to review (m2, a moderator) and is
/// approved (ad_sec, for the IESG) from the setup page.
async fn review_and_approve(web: &Web, version: &str) {
    for (who, step, capacity) in [
        ("m2", "open-review", "moderator"),
        ("ad_sec", "approve", "iesg"),
    ] {
        let page = web
            .post(
                who,
                &format!("/setup/{step}"),
                &[("as", capacity), ("version", version)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{step}: {}", page.body);
    }
}

/// The rows of the announcements page.
fn announced_rows(body: &str) -> String {
    body.split("<tbody>")
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .unwrap_or_default()
        .to_owned()
}

/// m1 suspends erin on the plenary list until 2099: an announced suspension.
async fn suspend_erin_long(web: &Web) {
    let m1 = web.api.token("m1", modpod_server::tokens::Scope::Act);
    web.api
        .run(
            &m1,
            "moderator",
            json!({"command": "take_action", "subject": {"person": "erin"},
                "measure": {"type": "temporary_suspension"}, "fora": [IETF],
                "reason": "threats", "ends_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
}

/// What a page shows between its navigation and its footer.
fn main_of(body: &str) -> &str {
    body.split("<main id=\"main\" tabindex=\"-1\">")
        .nth(1)
        .and_then(|rest| rest.split("</main>").next())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_logged_in_reader_gets_the_public_page_kept_for_everybody_in_their_own_navigation() {
    let web = world().await;
    for path in ["/transparency", "/roster", "/statistics", "/announcements"] {
        let anonymous = web.get(None, path).await;
        let alice = web.get(Some("alice"), path).await;
        assert_eq!(alice.status, StatusCode::OK);
        assert!(!main_of(&anonymous.body).is_empty(), "{path}");
        assert_eq!(main_of(&alice.body), main_of(&anonymous.body), "{path}");
        assert!(anonymous.body.contains("href=\"/login\""), "{path}");
        assert!(!alice.body.contains("href=\"/login\""), "{path}");
        assert!(alice.body.contains("Log out"), "{path}: {}", alice.body);
        assert!(alice.body.contains("href=\"/queue\""), "{path}");
    }
    // A change of the log is shown to the logged-in reader at once.
    let before = web.get(Some("alice"), "/announcements").await;
    assert!(!mentions(&announced_rows(&before.body), "erin"));
    suspend_erin_long(&web).await;
    let after = web.get(Some("alice"), "/announcements").await;
    assert!(
        mentions(&announced_rows(&after.body), "erin"),
        "{}",
        after.body
    );
}

#[tokio::test]
async fn public_pages_are_rendered_once_per_change_and_anonymous_readers_never_wait_for_the_engine()
{
    let web = world().await;
    let first = web.get(None, "/announcements").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        mentions(&announced_rows(&first.body), "bob"),
        "{}",
        first.body
    );
    assert!(!mentions(&announced_rows(&first.body), "erin"));

    // While something holds the engine (a long write, say), an anonymous
    // reader is answered from the page rendered since the last change; a
    // logged-in reader, whose page is their own, from the state the engine
    // published last (see tests/reads.rs).
    let engine = web.api.engine.clone();
    let (held, release) = (
        std::sync::Arc::new(std::sync::Barrier::new(2)),
        std::sync::mpsc::channel::<()>(),
    );
    let holder = {
        let held = held.clone();
        let done = release.1;
        std::thread::spawn(move || {
            let _guard = engine.lock().unwrap();
            held.wait();
            let _ = done.recv_timeout(std::time::Duration::from_secs(10));
        })
    };
    held.wait();
    let quick = std::time::Duration::from_millis(1500);
    for path in ["/announcements", "/announcements"] {
        let page = tokio::time::timeout(quick, web.get(None, path))
            .await
            .unwrap_or_else(|_| panic!("{path} waited for the engine"));
        assert_eq!(page.body, first.body);
    }
    let own = tokio::time::timeout(quick, web.get(Some("alice"), "/announcements"))
        .await
        .unwrap_or_else(|_| panic!("a logged-in page waited for the engine"));
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(announced_rows(&own.body), announced_rows(&first.body));
    release.0.send(()).unwrap();
    holder.join().unwrap();

    // A change of the log is shown at the next request.
    suspend_erin_long(&web).await;
    let after = web.get(None, "/announcements").await;
    assert!(
        mentions(&announced_rows(&after.body), "erin"),
        "{}",
        after.body
    );
    assert!(mentions(&announced_rows(&after.body), "bob"));
}
