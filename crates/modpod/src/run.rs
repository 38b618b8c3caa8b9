//! `modpod run`: decide one command given as JSON and record its events. A
//! refusal is printed with its requirement and exits non-zero; nothing is
//! written. So is a time (`--at`) before the log's last event: time in the
//! log never runs backwards.

use anyhow::Context;
use jiff::Timestamp;
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command};
use std::io::Read;
use std::process::ExitCode;

pub fn run(
    db: &str,
    actor: &str,
    capacity: Capacity,
    at: Option<Timestamp>,
    command: &str,
) -> anyhow::Result<ExitCode> {
    let text = if command == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the command from standard input")?;
        s
    } else {
        command.to_owned()
    };
    let command: Command = modpod_server::json::decode(text.as_bytes())
        .map_err(|e| anyhow::anyhow!("the command is not valid: {e}"))?;
    let actor = Actor::new(PersonId::parse(actor)?, capacity);
    let mut engine = crate::open_engine(db)?;
    let recorded = engine.execute(&actor, &command, at.unwrap_or_else(Timestamp::now))?;
    for e in &recorded.events {
        println!("recorded event {}: {}", e.seq, e.kind);
    }
    for w in &recorded.warnings {
        println!("warning ({}): {}", w.requirement, w.message);
    }
    Ok(ExitCode::SUCCESS)
}
