//! The disk's rate of durable commits with one small event each: the rate
//! the log would have if every command were its own transaction, to compare
//! group commit with (`scripts/bench-http` prints it in the same run).
//!
//!     cargo run --release -p modpod --example commit_rate -- sqlite:/tmp/rate.db 5
//!
//! The log named must be new or a throwaway: the events appended are not a
//! modpod log's.

use modpod_store::NewEvent;
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(url), seconds) = (args.next(), args.next()) else {
        anyhow::bail!("usage: commit_rate DATABASE-URL [SECONDS]");
    };
    let seconds: u64 = seconds.as_deref().unwrap_or("5").parse()?;
    let mut store = modpod_store::open(&url)?;
    let mut head = store.head()?.seq;
    let event = |n: u64| NewEvent {
        at_micros: 1_700_000_000_000_000 + i64::try_from(n).unwrap_or(0),
        actor: "bench".into(),
        role: "operator".into(),
        kind: "bench".into(),
        payload: format!(r#"{{"n":{n}}}"#),
    };
    let (start, until) = (Instant::now(), Duration::from_secs(seconds));
    let mut commits = 0u64;
    while start.elapsed() < until {
        head = store
            .append(head, &[event(head)])?
            .last()
            .map_or(head, |e| e.seq);
        commits += 1;
    }
    let rate = commits as f64 / start.elapsed().as_secs_f64();
    println!(
        "{} durable commits of one event each: {rate:.0}/s",
        store.backend()
    );
    Ok(())
}
