//! A stored payload read back as an event (`Event::from_payload`, which
//! `modpod import` and every start-up use), fed arbitrary bytes.
//!
//! Checked, besides "no panic": an event read is written back
//! (`to_payload`) as a payload that reads to the same event, and applying
//! it to a state does not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modpod_policy::{Event, State};

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(event) = Event::from_payload(payload) else {
        return;
    };
    let written = event.to_payload();
    assert_eq!(
        Event::from_payload(&written).as_ref(),
        Ok(&event),
        "an event written back reads otherwise: {written}"
    );
    State::default().apply(&event);
});
