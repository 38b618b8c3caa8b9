//! A setup file as `modpod setup` reads it (`modpod::setup_file::parse`),
//! TOML or YAML, fed arbitrary text; what it reads is turned into the
//! commands it stands for and decided in order on a log with an operator,
//! as the command records them.
//!
//! Input: byte 0 chooses the format (even: TOML, odd: YAML), the rest is
//! the file (bytes that are not UTF-8 end the run, as reading the file
//! fails).
//!
//! Checked, besides "no panic": every command is decided (an allowance or a
//! refusal) and what is allowed applies.
#![no_main]

#[path = "common/decide.rs"]
mod decide;

use libfuzzer_sys::fuzz_target;
use modpod::setup_file::{Format, commands, parse};

fuzz_target!(|data: &[u8]| {
    let [choice, text @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let format = if choice % 2 == 0 {
        Format::Toml
    } else {
        Format::Yaml
    };
    let Ok(file) = parse(text, format) else {
        return;
    };
    let Ok(commands) = commands(&file, &decide::operator()) else {
        return;
    };
    let mut state = decide::set_up();
    decide::decide_in_order(&mut state, commands.iter().map(|(a, c)| (a, c)));
});
