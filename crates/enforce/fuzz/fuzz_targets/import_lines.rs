//! An exported log as `modpod import` reads it, line by line
//! (`modpod::log_lines::read_line`, which checks each line against the
//! chain so far), fed arbitrary bytes; the events read are applied to a
//! state in order, as the first start after an import replays them.
//!
//! Checked, besides "no panic": each line read is the next event of the
//! chain (its hash links to the one before), and its payload reads as an
//! event that applies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modpod::log_lines::read_line;
use modpod_policy::{Event, State};
use modpod_store::GENESIS;
use std::io::BufRead;

fuzz_target!(|data: &[u8]| {
    let (mut prev, mut seq) = (GENESIS, 1u64);
    let mut state = State::default();
    for line in data.lines() {
        let Ok(line) = line else {
            return;
        };
        if line.trim().is_empty() {
            continue;
        }
        let Ok((event, hash)) = read_line(&line, seq, &prev) else {
            return;
        };
        assert_eq!(
            hash,
            modpod_store::event_hash(seq, &event, &prev),
            "a line read with another hash than its own"
        );
        let Ok(read) = Event::from_payload(&event.payload) else {
            panic!("a line read whose payload is not an event");
        };
        state.apply(&read);
        (prev, seq) = (hash, seq + 1);
    }
});
