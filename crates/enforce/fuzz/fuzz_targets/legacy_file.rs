//! A file of legacy actions as `modpod migrate legacy` reads it
//! (`modpod::legacy_file::parse`), TOML or CSV, fed arbitrary text.
//!
//! Input: byte 0 chooses the format (even: TOML, odd: CSV), the rest is the
//! file (bytes that are not UTF-8 end the run, as reading the file fails).
//!
//! Checked, besides "no panic": each suspension read is named by where it
//! is in the file, and the CSV's lists are words without white space.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modpod::legacy_file::{Format, parse};

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
        Format::Csv
    };
    let Ok(entries) = parse(text, format, "legacy") else {
        return;
    };
    for (at, legacy) in &entries {
        assert!(at.starts_with("legacy "), "{at}");
        if format == Format::Csv {
            for word in legacy.fora.iter().chain(&legacy.addresses) {
                assert!(
                    !word.is_empty() && !word.contains(char::is_whitespace),
                    "{word:?}"
                );
            }
        }
    }
});
