//! The queue page with 10,000 open reports: its weight, the time to render it
//! from the state (reading what the moderator may see through
//! `modpod_policy::views`, then the template), and the time of a whole
//! `GET /queue` through the router (session check, reading, rendering).
//!
//! ```sh
//! cargo bench -p modpod-server --bench web
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use modpod_enforce::{Index, Policy, PolicyConfig};
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command};
use modpod_server::http::{App, router};
use modpod_server::web::Viewer;
use modpod_server::web::queue::{Filter, render_page};
use modpod_server::{Engine, accounts};
use serde_json::json;
use std::hint::black_box;
use std::sync::{Arc, Mutex, RwLock};
use tower::ServiceExt;

const REPORTS: usize = 10_000;
const FORA: usize = 20;
const PEOPLE: usize = 200;

fn command(value: serde_json::Value) -> Command {
    serde_json::from_value(value).unwrap()
}

/// An IETF with 20 working group lists, 200 participants, five moderators,
/// and 10,000 reports still open, filed by participants about each other.
fn engine() -> Engine {
    let store = Box::new(modpod_store::SqliteStore::open_in_memory().unwrap());
    let mut engine = Engine::open(store, &mut |_| {}).unwrap();
    let op = Actor::new(PersonId::parse("op").unwrap(), Capacity::Operator);
    let mut setup = vec![command(
        json!({"command": "bootstrap", "operator": "op", "name": "Operator"}),
    )];
    for p in 0..PEOPLE {
        setup.push(command(json!({"command": "register_person",
            "person": format!("person-{p}"), "name": format!("Participant {p}")})));
    }
    for m in 0..5 {
        setup.push(command(json!({"command": "register_person",
            "person": format!("mod-{m}"), "name": format!("Moderator {m}")})));
    }
    setup.push(command(
        json!({"command": "register_person", "person": "ad", "name": "AD"}),
    ));
    setup.push(command(json!({"command": "grant_role", "person": "ad",
        "role": {"role": "area_director", "area": "art"}})));
    for f in 0..FORA {
        setup.push(command(json!({"command": "create_forum",
            "forum": format!("wg{f}@ietf.example"), "name": format!("Working group {f}"),
            "kind": "mailing-list", "organisation": "ietf", "public": true})));
    }
    let mut commands: Vec<(Actor, Command)> = setup.into_iter().map(|c| (op.clone(), c)).collect();
    let ad = Actor::new(PersonId::parse("ad").unwrap(), Capacity::Iesg);
    for m in 0..5 {
        commands.push((
            ad.clone(),
            command(json!({"command": "appoint_moderator", "person": format!("mod-{m}")})),
        ));
    }
    for r in 0..REPORTS {
        let reporter = Actor::new(
            PersonId::parse(&format!("person-{}", r % PEOPLE)).unwrap(),
            Capacity::Participant,
        );
        let category = ["off-topic", "uncivil", "sealioning", "other"][r % 4];
        commands.push((
            reporter,
            command(json!({"command": "file_report",
                "forum": format!("wg{}@ietf.example", r % FORA),
                "subject": {"person": format!("person-{}", (r * 7 + 1) % PEOPLE)},
                "category": category,
                "description": "Repeated off-topic posts about an unrelated draft.",
                "links": ["https://mailarchive.example/msg/1"]})),
        ));
    }
    engine.execute_all(&commands, Timestamp::now()).unwrap();
    accounts::create(engine.store(), "mod-0", "mod-0", "pw").unwrap();
    engine
}

fn bench(c: &mut Criterion) {
    let mut engine = engine();
    let now = Timestamp::now();
    let viewer = Viewer {
        person: PersonId::parse("mod-0").unwrap(),
        csrf: "x".repeat(32),
    };
    let filter = Filter::default();
    let page = render_page(engine.state(), &viewer, &filter, now).unwrap();
    // The first page of the queue: every report is counted and searched,
    // the first fifty shown.
    assert_eq!(
        page.matches(r#"<a href="/cases/"#).count(),
        REPORTS.min(modpod_server::web::queue::PAGE)
    );
    assert!(page.contains(&format!("{REPORTS} reports, 1 to 50 shown")));
    println!(
        "queue page with {REPORTS} open reports, the first fifty shown: {} bytes ({:.1} KB)",
        page.len(),
        page.len() as f64 / 1024.0
    );

    let mut group = c.benchmark_group("web");
    group.bench_function("queue page, 10000 open reports: render", |b| {
        b.iter(|| render_page(black_box(engine.state()), &viewer, &filter, now).unwrap())
    });

    // The whole request, as a browser sends it.
    let index = Arc::new(RwLock::new(Index::build(engine.state())));
    engine.observe(Box::new({
        let index = index.clone();
        move |state, event| index.write().unwrap().apply(state, event)
    }));
    let policy = Arc::new(Policy::new(index, PolicyConfig::default()));
    let app = App::new(Arc::new(Mutex::new(engine)), policy);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let cookie = runtime.block_on(async {
        let login = Request::post("/v1/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"account": "mod-0", "password": "pw"}"#))
            .unwrap();
        let response = router(app.clone()).oneshot(login).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        cookie.split(';').next().unwrap().to_owned()
    });
    let get = || {
        let (app, cookie) = (app.clone(), cookie.clone());
        async move {
            let request = Request::get("/queue")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap();
            let response = router(app).oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap()
                .len()
        }
    };
    let weight = runtime.block_on(get());
    println!("GET /queue answers {weight} bytes");
    group.bench_function("queue page, 10000 open reports: GET /queue", |b| {
        b.iter(|| runtime.block_on(get()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
