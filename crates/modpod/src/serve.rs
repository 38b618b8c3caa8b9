//! `modpod serve`: opens the log, rebuilds the state, makes the first operator on
//! first start, and serves HTTP until SIGINT or SIGTERM, then writes a snapshot.

use anyhow::Context;
use jiff::Timestamp;
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command};
use modpod_server::accounts;
use modpod_server::http::{App, router};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The person id of the operator created on first start.
const FIRST_OPERATOR: &str = "admin";

pub fn serve(db: &str, listen: SocketAddr) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // The store is opened before the async runtime exists: its PostgreSQL client
    // is synchronous and must never block a runtime thread.
    let mut engine = crate::open_engine(db)?;
    if engine.head().seq == 0 {
        first_start(&mut engine)?;
    }
    let events = engine.head().seq;
    let engine = Arc::new(Mutex::new(engine));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        println!(
            "modpod listening on http://{addr} ({db}, {events} events, ready in {} ms)",
            started.elapsed().as_millis()
        );
        axum::serve(
            listener,
            router(App {
                engine: engine.clone(),
            }),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")
    })?;
    drop(runtime);
    let mut engine = engine.lock().unwrap_or_else(|p| p.into_inner());
    engine
        .snapshot()
        .context("writing a snapshot at shutdown")?;
    println!(
        "modpod stopped; snapshot written at event {}",
        engine.head().seq
    );
    Ok(ExitCode::SUCCESS)
}

/// Makes the first operator and their login account, and prints the password,
/// once: only its argon2 hash is kept.
fn first_start(engine: &mut modpod_server::Engine) -> anyhow::Result<()> {
    let operator = PersonId::parse(FIRST_OPERATOR)?;
    let actor = Actor::new(operator.clone(), Capacity::Operator);
    let command = Command::Bootstrap {
        operator,
        name: "modpod operator".into(),
    };
    engine.execute(&actor, &command, Timestamp::now())?;
    let password = accounts::random_password();
    accounts::create(engine.store(), FIRST_OPERATOR, FIRST_OPERATOR, &password)?;
    println!("first start: created the operator {FIRST_OPERATOR:?} and its account.");
    println!("  log in as {FIRST_OPERATOR:?} with the password {password}");
    println!("  (shown only now: modpod keeps only its argon2 hash)");
    println!("  set up fora, people and roles with:  modpod setup examples/ietf.toml");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `modpod snapshot`.
pub fn snapshot(db: &str) -> anyhow::Result<ExitCode> {
    let mut engine = crate::open_engine(db)?;
    engine.snapshot()?;
    println!("snapshot written at event {}", engine.head().seq);
    Ok(ExitCode::SUCCESS)
}
