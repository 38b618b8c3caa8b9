//! The Mailman adapter reading what GNU Mailman 3's REST API answers: the
//! client's requests go to a server that answers with the fuzz input
//! (`common/answers.rs`), through the client's own HTTP and JSON code.
//!
//! Input: byte 0 chooses what is asked: bit 7 set, a call of the client
//! alone (the bans, the moderated members page by page, one member's
//! record, a nonmember added); else what the worker asks of the adapter
//! (`common/adapter.rs`). Then the answers.
//!
//! Checked, besides "no panic": every call ends, after at most
//! `MAX_REQUESTS` requests.
#![no_main]

#[path = "common/adapter.rs"]
mod adapter;
#[path = "common/answers.rs"]
mod answers;

use libfuzzer_sys::fuzz_target;
use modpod_mailman::{BAN, Client, HOLD, Mailman};

fuzz_target!(|data: &[u8]| {
    let [choice, input @ ..] = data else {
        return;
    };
    answers::script(input);
    let client = Client::new(answers::base(), "restadmin", "password");
    let (list, email) = ("tls.ietf.org", "bob@example.org");
    if choice & 0x80 != 0 {
        match choice % 4 {
            0 => drop(client.bans(list)),
            1 => drop(client.moderated(list)),
            2 => drop(client.record(list, email)),
            _ => drop(client.add_nonmember(list, email)),
        }
    } else {
        adapter::drive(
            &Mailman { client },
            [list, "quic.ietf.org"],
            &[
                (BAN, email),
                (HOLD, "carol@example.org"),
                (BAN, "dave+tag@example.org"),
            ],
            *choice,
        );
    }
    assert!(answers::requests() <= answers::MAX_REQUESTS);
});
