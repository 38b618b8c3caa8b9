//! `modpod evidence check`: fetches again every evidence link modpod fetched
//! before (or those of one action) and records what it found, which the
//! action's page and `GET /v1/actions/{id}` compare with the first
//! retrieval: unchanged, changed or gone (EVIDENCE-1). Links never fetched
//! yet (`modpod serve` did not run, or ran with `--no-evidence-fetch`) are
//! fetched for the first time. One line per link; exits 2 when a link
//! changed or is gone.

use anyhow::Context;
use modpod_policy::ids::ActionId;
use modpod_policy::model::{CheckResult, FetchOutcome};
use modpod_server::evidence::{self, Fetched, Fetcher, Limits};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

pub fn check(db: &str, action: Option<u64>) -> anyhow::Result<ExitCode> {
    let engine = crate::open_engine(db)?;
    let only = action.map(ActionId);
    if let Some(id) = only
        && !engine.state().actions.contains_key(&id)
    {
        anyhow::bail!("--action {}: there is no {id}", id.0);
    }
    let engine = Arc::new(Mutex::new(engine));
    let fetcher = Fetcher::new(Limits::default()).context("setting up the evidence fetcher")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (checked, retrieved) = runtime.block_on(async {
        let checked = evidence::check(&engine, &fetcher, only).await?;
        let retrieved = evidence::retrieve(&engine, &fetcher, only).await?;
        anyhow::Ok((checked, retrieved))
    })?;
    let engine = engine.lock().unwrap_or_else(PoisonError::into_inner);
    let state = engine.state();
    let mut alarming = false;
    for f in &checked {
        let result = state
            .evidence_record(f.action, &f.url)
            .and_then(|r| r.check_result());
        let said = match result {
            Some(CheckResult::Unchanged) => "unchanged".to_owned(),
            Some(CheckResult::Changed { sha256, size }) => {
                alarming = true;
                format!("CHANGED: now {size} bytes, SHA-256 {sha256}")
            }
            Some(CheckResult::Gone { status }) => {
                alarming = true;
                format!("GONE (HTTP {status})")
            }
            Some(CheckResult::Unreachable { reason }) => format!("could not be read: {reason}"),
            None => "not recorded".to_owned(),
        };
        println!("{}", line(f, &said));
    }
    for f in &retrieved {
        let said = match &f.outcome {
            FetchOutcome::Found { sha256, size } => {
                format!("fetched for the first time: {size} bytes, SHA-256 {sha256}")
            }
            FetchOutcome::Gone { status } => format!("could not be fetched: gone (HTTP {status})"),
            FetchOutcome::Unavailable { reason } => format!("could not be fetched: {reason}"),
        };
        println!("{}", line(f, &said));
    }
    println!(
        "{} links checked, {} fetched for the first time; log at event {}",
        checked.len(),
        retrieved.len(),
        engine.head().seq
    );
    Ok(if alarming {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn line(f: &Fetched, said: &str) -> String {
    let recorded = if f.recorded {
        ""
    } else {
        " (recorded elsewhere first)"
    };
    format!("{} {}: {said}{recorded}", f.action, f.url)
}
