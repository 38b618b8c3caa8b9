//! The GitHub adapter reading what GitHub's REST API answers: the client's
//! requests go to a server that answers with the fuzz input
//! (`common/answers.rs`), through the client's own HTTP and JSON code
//! (rate-limit headers included).
//!
//! Input: byte 0 chooses what is asked: bit 7 set, a call of the client
//! alone (the rate limit, a block, a repository's interaction limit); else
//! what the worker asks of the adapter (`common/adapter.rs`). Then the
//! answers.
//!
//! Checked, besides "no panic": every call ends, after at most
//! `MAX_REQUESTS` requests, and what an error says of waiting is computed
//! without a panic.
#![no_main]

#[path = "common/adapter.rs"]
mod adapter;
#[path = "common/answers.rs"]
mod answers;

use libfuzzer_sys::fuzz_target;
use modpod_github::adapter::{BLOCK, INTERACTION_LIMIT};
use modpod_github::{Client, GitHub};
use std::time::SystemTime;

fuzz_target!(|data: &[u8]| {
    let [choice, input @ ..] = data else {
        return;
    };
    answers::script(input);
    let client = Client::new(answers::base(), "token");
    let (org, user) = ("ietf", "bob");
    if choice & 0x80 != 0 {
        let error = match choice % 3 {
            0 => client.check().err(),
            1 => client.blocked(org, user).err(),
            _ => client.interaction_limit(org, "tls").err(),
        };
        if let Some(error) = error {
            let _ = (error.is_transient(), error.retry_after());
            let _ = error.rate_limit_wait(SystemTime::now());
        }
    } else {
        adapter::drive(
            &GitHub::new(client),
            [org, "ietf/tls"],
            &[(BLOCK, user), (INTERACTION_LIMIT, "everyone")],
            *choice,
        );
    }
    assert!(answers::requests() <= answers::MAX_REQUESTS);
});
