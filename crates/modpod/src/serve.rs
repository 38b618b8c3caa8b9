//! `modpod serve`: opens the log, rebuilds the state, makes the first operator on
//! first start, and serves HTTP until SIGINT or SIGTERM, then writes a snapshot.
//! With `--policy-listen` it also answers Postfix policy requests from a
//! decision index that follows the log; with `--mailman-url` it keeps Mailman
//! lists in line with the actions in force (see `enforce.rs`).

use anyhow::Context;
use jiff::Timestamp;
use modpod_enforce::{Index, PolicyConfig, serve_policy};
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command};
use modpod_server::accounts;
use modpod_server::http::{App, router};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The person id of the operator created on first start.
const FIRST_OPERATOR: &str = "admin";

pub fn serve(
    db: &str,
    listen: SocketAddr,
    policy_listen: Option<SocketAddr>,
    mailman: Option<modpod_mailman::Reconciler>,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // The store is opened before the async runtime exists: its PostgreSQL client
    // is synchronous and must never block a runtime thread.
    let mut engine = crate::open_engine(db)?;
    if engine.head().seq == 0 {
        first_start(&mut engine)?;
    }
    let events = engine.head().seq;
    // The Mailman worker keeps its ledger on a connection of its own.
    let mailman = match mailman {
        Some(reconciler) => Some((reconciler, modpod_store::open(db)?)),
        None => None,
    };
    let index = Arc::new(RwLock::new(Index::build(engine.state())));
    let engine = Arc::new(Mutex::new(engine));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|&s| s).await;
        };
        let policy = match policy_listen {
            Some(addr) => {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen for policy requests on {addr}"))?;
                println!("policy server listening on {}", listener.local_addr()?);
                Some(tokio::spawn(serve_policy(
                    listener,
                    index.clone(),
                    PolicyConfig::default(),
                    until_stopped(stopped.clone()),
                )))
            }
            None => None,
        };
        let lists = mailman.map(|(reconciler, ledger)| {
            let (engine, index) = (engine.clone(), index.clone());
            crate::enforce::spawn_worker(reconciler, ledger, engine, index, stopped.clone())
        });
        if policy_listen.is_some() || lists.is_some() {
            tokio::spawn(keep_current(engine.clone(), index.clone(), lists));
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        println!(
            "modpod listening on http://{addr} ({db}, {events} events, ready in {} ms)",
            started.elapsed().as_millis()
        );
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let served = axum::serve(
            listener,
            router(App {
                engine: engine.clone(),
            }),
        )
        .with_graceful_shutdown(until_stopped(stopped))
        .await
        .context("serving HTTP");
        if let Some(policy) = policy {
            let _ = policy.await;
        }
        served
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

/// Where the Mailman worker learns which lists new events affect.
type MailmanLists = tokio::sync::mpsc::UnboundedSender<std::collections::BTreeSet<String>>;

/// How often the policy index looks for events recorded by other processes.
const CATCH_UP_EVERY: Duration = Duration::from_millis(250);

/// Keeps the policy index current. Commands are recorded today by other
/// processes (`modpod run`, `modpod setup`), not by this one, so the index
/// follows the log: every quarter second the engine catches up in a blocking task
/// (its store is synchronous) and each new event is applied to the index. The
/// Mailman worker, if any, is sent the lists each event affects.
async fn keep_current(
    engine: Arc<Mutex<modpod_server::Engine>>,
    index: Arc<RwLock<Index>>,
    mailman: Option<MailmanLists>,
) {
    let mut ticks = tokio::time::interval(CATCH_UP_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let (engine, index, mailman) = (engine.clone(), index.clone(), mailman.clone());
        let caught_up = tokio::task::spawn_blocking(move || {
            let mut engine = engine.lock().unwrap_or_else(|p| p.into_inner());
            engine.catch_up_with(&mut |_| {}, &mut |state, event| {
                index
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .apply(state, event);
                if let Some(mailman) = &mailman {
                    let lists = modpod_mailman::affected_lists(state, event);
                    if !lists.is_empty() {
                        let _ = mailman.send(lists);
                    }
                }
            })
        })
        .await;
        match caught_up {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%error, "cannot catch up with the log"),
            Err(error) => tracing::warn!(%error, "catching up with the log failed"),
        }
    }
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
