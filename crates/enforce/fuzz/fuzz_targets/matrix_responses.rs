//! The Matrix adapter reading what a homeserver's client-server and Synapse
//! admin APIs answer: the client's requests go to a server that answers
//! with the fuzz input (`common/answers.rs`), through the client's own HTTP
//! and JSON code.
//!
//! Input: byte 0 chooses what is asked: bit 7 set, a call of the client
//! alone (who modpod is, a power level, a user's rate limit, a membership,
//! a mute); else what the worker asks of the adapter (`common/adapter.rs`).
//! Then the answers.
//!
//! Checked, besides "no panic": every call ends, after at most
//! `MAX_REQUESTS` requests.
#![no_main]

#[path = "common/adapter.rs"]
mod adapter;
#[path = "common/answers.rs"]
mod answers;

use libfuzzer_sys::fuzz_target;
use modpod_matrix::adapter::{BAN, HOMESERVER, MUTE, SUSPEND};
use modpod_matrix::{Client, Matrix};

fuzz_target!(|data: &[u8]| {
    let [choice, input @ ..] = data else {
        return;
    };
    answers::script(input);
    let client = Client::new(answers::base(), "token");
    let (room, user) = ("!tls:example.org", "@bob:example.org");
    if choice & 0x80 != 0 {
        match choice % 5 {
            0 => drop(client.whoami()),
            1 => drop(client.power_level(room, user)),
            2 => drop(client.rate_limit(user)),
            3 => drop(client.membership(room, user)),
            _ => drop(client.mute(room, user)),
        }
    } else {
        adapter::drive(
            &Matrix { client },
            [room, HOMESERVER],
            &[(BAN, user), (MUTE, "@carol:example.org"), (SUSPEND, user)],
            *choice,
        );
    }
    assert!(answers::requests() <= answers::MAX_REQUESTS);
});
