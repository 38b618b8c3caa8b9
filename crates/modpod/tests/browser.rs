//! The web pages in a real browser: headless Chromium, driven over
//! WebDriver (chromedriver, which `scripts/test` installs and starts and
//! names in `MODPOD_TEST_WEBDRIVER`), against a real `modpod serve` on a
//! SQLite log set up from `examples/ietf.toml`. Every step is done as a
//! person would: typing into fields, choosing, clicking, pressing keys; the
//! browser runs no script of modpod's, because there is none (the action
//! form shows only the fields its measure uses through the stylesheet).
//!
//! A screenshot of each step is kept under cargo's target directory, in
//! `browser-artefacts/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Serve, account, installed};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use modpod_testkit::TestDb;
use serde_json::json;
use std::path::PathBuf;

/// Where the screenshots go: `browser-artefacts/` in cargo's target directory.
fn artefacts() -> PathBuf {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_modpod"));
    let target = binary
        .parent()
        .and_then(|profile| profile.parent())
        .unwrap();
    let dir = target.join("browser-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The browser window's size.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 1400;

/// A headless Chromium with a fresh profile, through the chromedriver that
/// `MODPOD_TEST_WEBDRIVER` names.
async fn browser(profile: &std::path::Path) -> Client {
    let Ok(webdriver) = std::env::var("MODPOD_TEST_WEBDRIVER") else {
        panic!(
            "MODPOD_TEST_WEBDRIVER is not set: the browser tests need chromedriver. \
             Run scripts/test, which installs Chromium and chromedriver and starts it, \
             or start one yourself and set MODPOD_TEST_WEBDRIVER=http://127.0.0.1:PORT"
        );
    };
    let mut options = json!({
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            format!("--window-size={WIDTH},{HEIGHT}"),
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    let chromium = std::env::var("MODPOD_TEST_CHROMIUM").unwrap_or("/usr/bin/chromium".into());
    if std::path::Path::new(&chromium).exists() {
        options["binary"] = json!(chromium);
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&webdriver)
        .await
        .unwrap_or_else(|e| panic!("cannot start Chromium through {webdriver}: {e}"))
}

/// One person's visit, step by step.
struct Visit {
    client: Client,
    base: String,
    shots: PathBuf,
}

impl Visit {
    async fn go(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
        self.client
            .wait()
            .for_element(Locator::Css("main"))
            .await
            .unwrap();
    }

    async fn text(&self) -> String {
        self.client
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn field(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.field(css).await.send_keys(text).await.unwrap();
    }

    async fn choose(&self, css: &str, value: &str) {
        self.field(css).await.select_by_value(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.field(css).await.click().await.unwrap();
    }

    /// Clicks what leads to another page, and waits for that page.
    async fn follow(&self, css: &str) {
        let target = self.field(css).await;
        self.after_navigation(target.click()).await;
    }

    /// Does `act`, then waits until the page it leaves is gone and the
    /// next one has its main content.
    async fn after_navigation<
        F: std::future::Future<Output = Result<(), fantoccini::error::CmdError>>,
    >(
        &self,
        act: F,
    ) {
        let page = self.field("html").await;
        act.await.unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while page.tag_name().await.is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "the page did not change"
            );
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        self.client
            .wait()
            .for_element(Locator::Css("main"))
            .await
            .unwrap();
    }

    /// Saves what the browser shows as `name.png`, after checking the page
    /// as a screen reader would meet it: one main landmark, and a label for
    /// every control.
    async fn shot(&self, name: &str) {
        let unlabelled = self
            .client
            .execute(
                "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]\
                 .filter(e => e.labels.length === 0).map(e => e.name);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(unlabelled, json!([]), "{name}: controls without a label");
        let mains = self
            .client
            .execute("return document.querySelectorAll('main').length;", vec![])
            .await
            .unwrap();
        assert_eq!(mains, json!(1), "{name}");
        // The whole page, not only what fits the window.
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(1400);
        let tall = u32::try_from(height + 150).unwrap_or(8000).min(8000);
        self.client.set_window_size(WIDTH, tall).await.unwrap();
        let png = self.client.screenshot().await.unwrap();
        self.client.set_window_size(WIDTH, HEIGHT).await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    async fn log_in(&self, account: &str, password: &str) {
        self.go("/login").await;
        self.type_into("#account", account).await;
        self.type_into("#password", password).await;
        self.follow("main button[type=submit]").await;
        let text = self.text().await;
        assert!(text.contains("Hello,"), "{account} did not log in: {text}");
    }

    async fn log_out(&self) {
        self.follow("form.who button").await;
        assert!(self.text().await.contains("You are logged out."));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_an_acknowledgement_a_suspension_a_disagreement_and_the_ad_sees_it() {
    let db = TestDb::sqlite();
    installed(&db.url);
    // Two moderators say when they are usually there (TEAM-4).
    for (moderator, zone) in [("mod-1", "Australia/Sydney"), ("mod-2", "Europe/Madrid")] {
        let windows: Vec<_> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
            .iter()
            .map(|day| json!({"day": day, "from_hour": 8, "to_hour": 18}))
            .collect();
        let command = json!({"command": "set_availability", "person": moderator,
            "time_zone": zone, "windows": windows});
        common::ok(
            &db.url,
            &[
                "run",
                "--as",
                moderator,
                "--capacity",
                "moderator",
                &command.to_string(),
            ],
        );
    }
    let passwords: Vec<(&str, String)> = ["carol", "tls-chair-1", "bob", "ad-sec"]
        .into_iter()
        .map(|p| (p, account(&db.url, p)))
        .collect();
    let password = |who: &str| {
        passwords
            .iter()
            .find(|(p, _)| *p == who)
            .map(|(_, pw)| pw.clone())
            .unwrap()
    };
    let server = Serve::new(&db.url, &["--listen", "127.0.0.1:0"]).start();
    let base = server.url.clone();
    let profile = tempfile::tempdir().unwrap();
    let visit = Visit {
        client: browser(profile.path()).await,
        base,
        shots: artefacts(),
    };

    // A participant reports disruptive behaviour on the TLS list.
    visit.log_in("carol", &password("carol")).await;
    visit.go("/report").await;
    visit.choose("#forum", "tls@ietf.org").await;
    visit.type_into("#subject", "bob@example.org").await;
    visit.click("#category-uncivil").await;
    visit
        .type_into(
            "#description",
            "Called the document editor an idiot in two posts this morning.",
        )
        .await;
    visit
        .type_into("#links", "https://mailarchive.ietf.org/arch/msg/tls/abc")
        .await;
    visit.shot("01-participant-report-form").await;
    visit.follow("main form button[type=submit]").await;
    let text = visit.text().await;
    assert!(text.contains("Your report was filed"), "{text}");
    assert!(text.contains("received"), "{text}");
    assert!(text.contains("not yet"), "not acknowledged yet: {text}");
    visit.shot("02-participant-my-reports").await;
    visit.log_out().await;

    // The chair of the working group takes it from the queue.
    visit.log_in("tls-chair-1", &password("tls-chair-1")).await;
    visit.go("/queue").await;
    let text = visit.text().await;
    assert!(text.contains("Uncivil commentary"), "{text}");
    visit.shot("03-administrator-queue").await;
    visit.follow("a[href='/cases/1']").await;
    visit.follow("form[action$='/acknowledge'] button").await;
    let text = visit.text().await;
    assert!(text.contains("The report is acknowledged"), "{text}");
    assert!(text.contains("Reported by"), "{text}");
    visit.shot("04-administrator-case-acknowledged").await;

    // Removing the posts is outside the policy: not offered, but named
    // (ACT-4). A suspension with no end is refused beside its field, and
    // what was typed is still there.
    let text = visit.text().await;
    assert!(
        text.contains("Not offered, because the policy does not cover them (ACT-4)"),
        "{text}"
    );
    visit.choose("#act-measure", "temporary_suspension").await;
    visit
        .type_into("#act-reason", "Personal attacks after a warning.")
        .await;
    visit
        .follow("form[action$='/act'] button[type=submit]")
        .await;
    let text = visit.text().await;
    assert!(
        text.contains("a temporary suspension needs an end time"),
        "{text}"
    );
    let kept = visit
        .field("#act-reason")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Personal attacks after a warning."));
    visit.shot("05-administrator-act-4-refused").await;

    // A suspension for 21 days.
    visit.choose("#act-measure", "temporary_suspension").await;
    visit.type_into("#act-days", "21").await;
    visit
        .follow("form[action$='/act'] button[type=submit]")
        .await;
    let text = visit.text().await;
    assert!(text.contains("The action is recorded"), "{text}");
    assert!(
        text.contains("Action #1: temporary suspension by tls-chair-1 as administrator"),
        "{text}"
    );
    visit.shot("06-administrator-suspended").await;
    visit.log_out().await;

    // The person sees their status, and disagrees, from the keyboard.
    visit.log_in("bob", &password("bob")).await;
    visit.go("/me").await;
    let text = visit.text().await;
    assert!(text.contains("Temporary suspension"), "{text}");
    assert!(text.contains("Personal attacks after a warning."), "{text}");
    let until = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(21 * 24))
        .unwrap()
        .strftime("%Y-%m-%d")
        .to_string();
    assert!(text.contains(&until), "ends in 21 days ({until}): {text}");
    assert!(
        text.contains("none approved yet when it was taken"),
        "{text}"
    );
    assert!(
        text.contains("Ask for this suspension to be announced"),
        "{text}"
    );
    assert!(
        text.contains("Note Well (version 1)"),
        "beside the disagreement: {text}"
    );
    assert!(
        !text.contains("mailarchive.ietf.org/arch/msg/tls/abc"),
        "the report's links, copied to the action's evidence, stay with its handlers: {text}"
    );
    visit.shot("07-participant-my-status").await;
    // The report about bob, as bob reads it: that it exists, its kind and
    // state; never who filed it, nor a word or link of theirs (REPORT-5).
    visit.go("/cases/1").await;
    let case = visit.text().await;
    assert!(case.contains("The report is about you"), "{case}");
    assert!(case.contains("Uncivil commentary"), "{case}");
    for secret in [
        "Called the document editor an idiot",
        "mailarchive.ietf.org/arch/msg/tls/abc",
        "carol",
        "Reported by",
    ] {
        assert!(!case.contains(secret), "{secret:?} reaches bob: {case}");
    }
    visit.shot("07b-subject-report-page").await;
    visit.go("/me").await;
    visit
        .type_into(
            "#grounds-1",
            "I was quoting the editor's own words back, not calling anyone names.",
        )
        .await;
    visit
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys(&char::from(Key::Tab).to_string())
        .await
        .unwrap();
    let focused = visit.client.active_element().await.unwrap();
    assert_eq!(focused.text().await.unwrap(), "Send my disagreement");
    let enter = char::from(Key::Enter).to_string();
    visit.after_navigation(focused.send_keys(&enter)).await;
    let text = visit.text().await;
    assert!(text.contains("Your disagreement is filed"), "{text}");
    assert!(
        text.contains("Before the responsible Area Director (ad-sec)"),
        "{text}"
    );
    visit.shot("08-participant-disagreement-filed").await;
    visit.log_out().await;

    // The responsible AD sees it awaiting them, with the record.
    visit.log_in("ad-sec", &password("ad-sec")).await;
    visit.go("/appeals").await;
    let text = visit.text().await;
    assert!(text.contains("Awaiting your decision"), "{text}");
    assert!(
        text.contains("temporary suspension on tls@ietf.org"),
        "{text}"
    );
    visit.shot("09-ad-appeals").await;
    visit.follow("a[href='/appeals/1']").await;
    let text = visit.text().await;
    assert!(text.contains("I was quoting the editor"), "{text}");
    assert!(text.contains("Personal attacks after a warning."), "{text}");
    assert!(
        !text.contains("carol"),
        "the AD does not learn who reported: {text}"
    );
    visit.shot("10-ad-appeal-record").await;

    // The public roster, with its coverage chart.
    visit.log_out().await;
    visit.go("/roster").await;
    let text = visit.text().await;
    assert!(text.contains("Maya Moderator"), "{text}");
    assert!(text.contains("Monday–Friday 08:00–18:00"), "{text}");
    visit.shot("11-public-roster").await;
    visit.client.close().await.unwrap();
}

/// The moderator team's workbench in the browser (TEAM-5, LADDER-1,
/// STATS-1): a moderator's home and queue, the case page's ladder, a
/// proposal waiting for a second moderator, who reads the note as it would
/// be sent and agrees, the person's page, and the public statistics.
#[tokio::test(flavor = "multi_thread")]
async fn a_moderator_proposes_a_level_0_note_a_second_agrees_and_the_statistics_count_it() {
    let db = TestDb::sqlite();
    installed(&db.url);
    let report = json!({"command": "file_report", "forum": "ietf@ietf.org",
        "subject": {"person": "bob"}, "category": "uncivil",
        "description": "Remarks about an author rather than the draft."});
    common::ok(
        &db.url,
        &[
            "run",
            "--as",
            "carol",
            "--capacity",
            "participant",
            &report.to_string(),
        ],
    );
    let passwords: Vec<(&str, String)> = ["mod-1", "mod-2"]
        .into_iter()
        .map(|p| (p, account(&db.url, p)))
        .collect();
    let password = |who: &str| {
        passwords
            .iter()
            .find(|(p, _)| *p == who)
            .map(|(_, pw)| pw.clone())
            .unwrap()
    };
    let server = Serve::new(&db.url, &["--listen", "127.0.0.1:0"]).start();
    let profile = tempfile::tempdir().unwrap();
    let visit = Visit {
        client: browser(profile.path()).await,
        base: server.url.clone(),
        shots: artefacts(),
    };

    // mod-1's home and queue: the report, with bob's name.
    visit.log_in("mod-1", &password("mod-1")).await;
    visit.go("/").await;
    visit.shot("20-moderator-home").await;
    visit.go("/queue").await;
    let text = visit.text().await;
    assert!(text.contains("Bob Participant"), "{text}");
    visit.shot("21-moderator-queue").await;

    // The case page offers the ladder, level 0 suggested; mod-1 proposes
    // an off-list note with a note to bob.
    visit.follow("a[href='/cases/1']").await;
    let text = visit.text().await;
    assert!(text.contains("suggested by the person's history"), "{text}");
    visit.choose("#act-measure", "private_admonishment").await;
    visit.choose("#act-level", "0").await;
    visit
        .type_into(
            "#act-reason",
            "Remarks about an author rather than the draft.",
        )
        .await;
    visit
        .type_into(
            "#act-note-person",
            "Please discuss the draft, not its authors.",
        )
        .await;
    visit.shot("22-moderator-case-ladder").await;
    visit
        .follow("form[action$='/act'] button[type=submit]")
        .await;
    let text = visit.text().await;
    assert!(text.contains("Proposed to the moderator team"), "{text}");
    visit.log_out().await;

    // mod-2 is told on their home page, reads the note and agrees.
    visit.log_in("mod-2", &password("mod-2")).await;
    visit.go("/").await;
    let text = visit.text().await;
    assert!(text.contains("1 waiting for you"), "{text}");
    visit.follow("a[href='/proposals']").await;
    let text = visit.text().await;
    assert!(
        text.contains("Please discuss the draft, not its authors."),
        "{text}"
    );
    visit.shot("23-moderator-proposals").await;
    visit
        .follow("form[action='/proposals/1/agree'] button[type=submit]")
        .await;
    let text = visit.text().await;
    assert!(text.contains("enacted as action #1"), "{text}");

    // bob's page: the note at level 0, level 1 suggested next.
    visit.go("/people/bob").await;
    let text = visit.text().await;
    assert!(text.contains("0: Off-list note"), "{text}");
    assert!(text.contains("level 1: Voluntary break"), "{text}");
    visit.shot("24-moderator-person").await;

    // mod-2 rewrites level 1's note to the list (TEMPLATE-1): a placeholder
    // the notification lacks is refused at the preview; a good one is
    // previewed and saved as a draft for another moderator.
    visit.go("/texts").await;
    visit.follow("a[href='/texts/level-1/list']").await;
    let draft = "Subject: A note from the moderators\n\nDear {{ recipient.name }},\n\n{{ action.note_to_list }}\n";
    visit.field("#text").await.clear().await.unwrap();
    visit
        .type_into("#text", "Subject: x\n\n{{ action.mood }}\n")
        .await;
    visit.follow("button[value='preview']").await;
    let text = visit.text().await;
    assert!(text.contains("{{ action.mood }}"), "{text}");
    visit.field("#text").await.clear().await.unwrap();
    visit.type_into("#text", draft).await;
    visit.follow("button[value='preview']").await;
    let text = visit.text().await;
    assert!(
        text.contains("A participant may not post here for 14 days."),
        "{text}"
    );
    visit.shot("26-moderator-text-preview").await;
    visit.follow("button[value='draft']").await;
    let text = visit.text().await;
    assert!(
        text.contains("Version 1: waiting for another moderator"),
        "{text}"
    );
    visit.log_out().await;

    // mod-1 is told on their home page, reads it and approves it.
    visit.log_in("mod-1", &password("mod-1")).await;
    visit.go("/").await;
    let text = visit.text().await;
    assert!(text.contains("1 draft waiting for your vetting"), "{text}");
    visit.follow("a[href='/texts']").await;
    visit.follow("a[href='/texts/level-1/list']").await;
    visit.follow("button[value='approve']").await;
    let text = visit.text().await;
    assert!(text.contains("Version 1: in use"), "{text}");
    visit.shot("27-moderator-text-approved").await;

    // The public statistics count it, naming nobody.
    visit.log_out().await;
    visit.go("/statistics").await;
    let text = visit.text().await;
    assert!(!text.contains("Bob"), "{text}");
    visit.shot("25-public-statistics").await;
    visit.client.close().await.unwrap();
}

/// Whether the browser shows the field `css`.
async fn shown(visit: &Visit, css: &str) -> bool {
    visit.field(css).await.is_displayed().await.unwrap()
}

/// Files a report as carol about bob on the TLS list through the CLI.
fn report_by_carol(db: &str, category: &str, description: &str, links: &[&str]) {
    let report = json!({"command": "file_report", "forum": "tls@ietf.org",
        "subject": {"person": "bob"}, "category": category,
        "description": description, "links": links});
    common::ok(
        db,
        &[
            "run",
            "--as",
            "carol",
            "--capacity",
            "participant",
            &report.to_string(),
        ],
    );
}

/// The workbench as a chair meets it (issue 14): the home page's counts;
/// the queue, where two reports of spam are chosen and resolved together;
/// a case page that leads with its summary, whose action form shows only
/// the fields of the measure chosen; acting and resolving in one step, a
/// message to the person; and the person's page with the case's threads.
#[tokio::test(flavor = "multi_thread")]
async fn a_chair_resolves_spam_in_bulk_acts_from_a_case_led_by_its_summary_and_reads_the_person() {
    let db = TestDb::sqlite();
    installed(&db.url);
    for _ in 0..3 {
        report_by_carol(
            &db.url,
            "bulk",
            "The same advertisement for cheap certificates, forty times.",
            &[],
        );
    }
    report_by_carol(
        &db.url,
        "uncivil",
        "Called the document editor an idiot.",
        &["https://mailarchive.ietf.org/arch/msg/tls/xyz"],
    );
    // The first two reports of spam are acknowledged; the third is not,
    // so the policy does not let it be resolved yet.
    for report in [1, 2] {
        let acknowledge = json!({"command": "acknowledge_report", "report": report});
        common::ok(
            &db.url,
            &[
                "run",
                "--as",
                "tls-chair-1",
                "--capacity",
                "administrator",
                &acknowledge.to_string(),
            ],
        );
    }
    let password = account(&db.url, "tls-chair-1");
    let server = Serve::new(&db.url, &["--listen", "127.0.0.1:0", "--no-evidence-fetch"]).start();
    let profile = tempfile::tempdir().unwrap();
    let visit = Visit {
        client: browser(profile.path()).await,
        base: server.url.clone(),
        shots: artefacts(),
    };

    visit.log_in("tls-chair-1", &password).await;
    visit.go("/").await;
    visit.shot("30-administrator-home").await;

    // The queue: a box for each report the chair may resolve now, none for
    // the one not acknowledged; two chosen, resolved together as spam.
    visit.go("/queue?category=bulk").await;
    let text = visit.text().await;
    assert!(text.contains("3 reports."), "{text}");
    let boxes = visit
        .client
        .find_all(Locator::Css("#spam-form input[name=report]"))
        .await
        .unwrap();
    assert_eq!(boxes.len(), 2, "{text}");
    assert!(
        visit.client.find(Locator::Css("#spam-3")).await.is_err(),
        "report #3 is not acknowledged: no box"
    );
    visit.click("#spam-1").await;
    visit.click("#spam-2").await;
    visit.shot("31-administrator-queue-spam-chosen").await;
    visit.follow("#spam-form button[type=submit]").await;
    let text = visit.text().await;
    assert!(
        text.contains("The reports chosen are resolved as spam"),
        "{text}"
    );
    assert!(text.contains("1 report."), "only #2 is left open: {text}");
    visit.shot("32-administrator-queue-spam-resolved").await;

    // The case page: the summary first, the work within the first screen.
    visit.go("/cases/4").await;
    visit.follow("form[action$='/acknowledge'] button").await;
    let text = visit.text().await;
    assert!(
        text.contains("Called the document editor an idiot."),
        "{text}"
    );
    assert!(
        text.contains(
            "level 0: Off-list note (private admonishment), as the person's history suggests"
        ),
        "{text}"
    );
    let top = visit
        .client
        .execute(
            "return document.getElementById('steps').getBoundingClientRect().top;",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(top < f64::from(HEIGHT), "the work starts at {top}px");
    // Only the fields the measure chosen uses are shown.
    visit.choose("#act-measure", "private_admonishment").await;
    assert!(!shown(&visit, "#act-days").await && !shown(&visit, "#act-posts").await);
    assert!(
        !shown(&visit, "#act-spam").await,
        "an admonishment is never spam"
    );
    visit.choose("#act-measure", "rate_limit").await;
    assert!(shown(&visit, "#act-posts").await && shown(&visit, "#act-days").await);
    assert!(!shown(&visit, "#act-description").await);
    visit.choose("#act-measure", "temporary_suspension").await;
    assert!(shown(&visit, "#act-days").await && !shown(&visit, "#act-posts").await);
    visit.type_into("#act-days", "7").await;
    visit
        .type_into("#act-reason", "Personal attacks on the editor.")
        .await;
    visit.shot("33-administrator-case-summary-first").await;
    visit
        .follow("form[action$='/act'] button[type=submit]")
        .await;
    let text = visit.text().await;
    assert!(
        text.contains("The action is recorded and the report resolved by it"),
        "{text}"
    );
    // The evidence the action took from the report, with its check status.
    assert!(
        text.contains("mailarchive.ietf.org/arch/msg/tls/xyz: not fetched yet"),
        "{text}"
    );
    visit
        .type_into(
            "#thread-person-text",
            "You are suspended from the list for a week; please read the Note Well.",
        )
        .await;
    visit
        .follow("#thread-person-form button[type=submit]")
        .await;
    let text = visit.text().await;
    assert!(text.contains("Your message is recorded"), "{text}");
    visit.shot("34-administrator-case-acted").await;

    // bob's page: his history and the case's threads the chair reads.
    visit.go("/people/bob").await;
    let text = visit.text().await;
    assert!(text.contains("temporary suspension"), "{text}");
    assert!(text.contains("with the person reported"), "{text}");
    visit.follow("a[href='/cases/4#thread-person']").await;
    let text = visit.text().await;
    assert!(text.contains("please read the Note Well"), "{text}");
    visit.go("/people/bob").await;
    visit.shot("35-administrator-person").await;
    visit.client.close().await.unwrap();
}
