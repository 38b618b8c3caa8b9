//! A form posted to the pages (`modpod_server::web::commands_from_form`):
//! arbitrary bytes read as an urlencoded body, as the pages read one, and
//! given to every builder of a command from a form's fields (the helpers
//! of `web/form.rs`: measure, fora, evidence, starts and ends; the case,
//! appeal and setup pages' builders). Each command built is decided on a
//! log with an operator, in several capacities, and what is allowed
//! applies.
//!
//! Checked, besides "no panic": every command is decided (an allowance or a
//! refusal).
#![no_main]

#[path = "common/decide.rs"]
mod decide;

use libfuzzer_sys::fuzz_target;
use modpod_policy::Actor;
use modpod_policy::model::Capacity;

fuzz_target!(|data: &[u8]| {
    let Some(commands) = modpod_server::web::commands_from_form(data, decide::now()) else {
        return;
    };
    for capacity in [
        Capacity::Operator,
        Capacity::Moderator,
        Capacity::Participant,
    ] {
        let actor = Actor::new(decide::operator(), capacity);
        let mut state = decide::set_up();
        decide::decide_in_order(&mut state, commands.iter().map(|c| (&actor, c)));
    }
});
