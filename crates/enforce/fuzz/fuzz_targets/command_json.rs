//! A command as the API and `modpod run` read it (JSON), decided on an empty
//! log and on one with an operator, fed arbitrary bytes.
//!
//! Checked, besides "no panic": `decide` answers (an allowance or a
//! refusal, never a panic), and what it allows applies to the state without
//! a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modpod_policy::ids::PersonId;
use modpod_policy::model::Capacity;
use modpod_policy::{Actor, Command, Event, State, decide};

fuzz_target!(|data: &[u8]| {
    let Ok(command) = serde_json::from_slice::<Command>(data) else {
        return;
    };
    let Ok(op) = PersonId::parse("op") else {
        return;
    };
    let now = jiff::Timestamp::from_second(1_780_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut set_up = State::default();
    set_up.apply(&Event::Bootstrapped {
        operator: op.clone(),
        name: "Operator".into(),
        at: Some(now),
    });
    for state in [State::default(), set_up] {
        for capacity in [Capacity::Operator, Capacity::Participant, Capacity::System] {
            let person = if capacity == Capacity::System {
                PersonId::system()
            } else {
                op.clone()
            };
            if let Ok(decision) = decide(&state, &Actor::new(person, capacity), &command, now) {
                let mut after = state.clone();
                for event in &decision.events {
                    after.apply(event);
                }
            }
        }
    }
});
