//! Deciding what a parser made, as the engine would: in order, on a log set
//! up with an operator, applying what is allowed.

use modpod_policy::ids::PersonId;
use modpod_policy::{Actor, Command, Event, State, decide};

/// The time of every decision.
pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_780_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// The operator of the log [`set_up`] makes.
pub fn operator() -> PersonId {
    PersonId::parse("op").unwrap_or_else(|_| PersonId::system())
}

/// A log with an operator.
pub fn set_up() -> State {
    let mut state = State::default();
    state.apply(&Event::Bootstrapped {
        operator: operator(),
        name: "Operator".into(),
        at: Some(now()),
    });
    state
}

/// Decides each command in order, as its actor, applying what is allowed
/// (an allowance or a refusal, never a panic).
pub fn decide_in_order<'a>(
    state: &mut State,
    commands: impl IntoIterator<Item = (&'a Actor, &'a Command)>,
) {
    for (actor, command) in commands {
        if let Ok(decision) = decide(state, actor, command, now()) {
            for event in &decision.events {
                state.apply(event);
            }
        }
    }
}
