//! The records a Datatracker answers with (groups, roles, people), as the
//! registry sync reads them: arbitrary JSON rows parsed into the registry
//! of groups, then planned against an empty modpod and against the state
//! that plan leads to.
//!
//! Checked, besides "no panic": every command the plan asks for is decided
//! (an allowance or a refusal, never a panic), as the sync records them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modpod_datatracker::{Provenance, Registry, plan};
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Event, State, decide};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(pages)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let rows = |name: &str| match pages.get(name) {
        Some(Value::Array(rows)) => rows.clone(),
        _ => Vec::new(),
    };
    let registry = Registry::parse(
        "https://datatracker.example",
        &rows("groups"),
        &rows("roles"),
        &rows("people"),
    );
    let Ok(op) = PersonId::parse("op") else {
        return;
    };
    let now = jiff::Timestamp::from_second(1_780_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut state = State::default();
    state.apply(&Event::Bootstrapped {
        operator: op,
        name: "Operator".into(),
        at: Some(now),
    });
    let system = Actor::new(PersonId::system(), Capacity::System);
    let planned = plan(&registry, &state, &Provenance::default());
    for command in &planned.commands {
        if let Ok(decision) = decide(&state, &system, command, now) {
            for event in &decision.events {
                state.apply(event);
            }
        }
    }
    // In step now: a second plan against what the first recorded.
    let _ = plan(&registry, &state, &Provenance::default());
});
