//! The Zulip adapter reading what Zulip's REST API answers: the client's
//! requests go to a server that answers with the fuzz input
//! (`common/answers.rs`), through the client's own HTTP and JSON code.
//!
//! Input: byte 0 chooses what is asked: bit 7 set, a call of the client
//! alone (the feature level, a channel, the user groups, a channel's
//! subscribers and posting group, a channel's id, a user by email); else
//! what the worker asks of the adapter (`common/adapter.rs`). Then the
//! answers.
//!
//! Checked, besides "no panic": every call ends, after at most
//! `MAX_REQUESTS` requests.
#![no_main]

#[path = "common/adapter.rs"]
mod adapter;
#[path = "common/answers.rs"]
mod answers;

use libfuzzer_sys::fuzz_target;
use modpod_zulip::adapter::{DEACTIVATE, NO_POST, ORGANISATION, SUBSCRIBED};
use modpod_zulip::{Client, Zulip};

fuzz_target!(|data: &[u8]| {
    let [choice, input @ ..] = data else {
        return;
    };
    answers::script(input);
    let client = Client::new(answers::base(), "modpod@example.org", "key");
    let email = "bob@example.org";
    if choice & 0x80 != 0 {
        match choice % 7 {
            0 => drop(client.feature_level()),
            1 => drop(client.channel(7)),
            2 => drop(client.user_groups()),
            3 => drop(client.subscribers(7)),
            4 => drop(client.posting_group(7)),
            5 => drop(client.stream_id("tls")),
            _ => drop(client.user_id_by_email(email)),
        }
    } else {
        adapter::drive(
            &Zulip { client },
            ["tls", ORGANISATION],
            &[
                (NO_POST, email),
                (DEACTIVATE, email),
                (SUBSCRIBED, "carol@example.org"),
            ],
            *choice,
        );
    }
    assert!(answers::requests() <= answers::MAX_REQUESTS);
});
