//! The Postfix policy response encoder, given arbitrary texts.
//!
//! Input: byte 0 chooses the action, the rest is its text (bytes that are not
//! UTF-8 replaced, as the decoder does).
//!
//! Checked: the response is one `action=` line of printable ASCII and an
//! empty line, its text at most [`MAX_TEXT`] bytes, and the decoder reads it
//! back as one attribute, `action`, holding the verb and the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modpod_enforce::postfix::{Action, Decoder, Limits, MAX_TEXT};

fuzz_target!(|data: &[u8]| {
    let [choice, text @ ..] = data else {
        return;
    };
    let text = String::from_utf8_lossy(text).into_owned();
    let (action, verb) = match choice % 5 {
        0 => (Action::Dunno, "DUNNO"),
        1 => (Action::Ok, "OK"),
        2 => (Action::Reject(text), "REJECT"),
        3 => (Action::DeferIfPermit(text), "DEFER_IF_PERMIT"),
        _ => (Action::Hold(text), "HOLD"),
    };
    let encoded = action.encode();

    let line = encoded
        .strip_prefix("action=")
        .and_then(|e| e.strip_suffix("\n\n"))
        .unwrap_or_else(|| panic!("not one action line and an empty line: {encoded:?}"));
    assert!(
        line.bytes().all(|b| (b' '..=b'~').contains(&b)),
        "a byte that is not printable ASCII: {line:?}"
    );
    let said = line
        .strip_prefix(verb)
        .unwrap_or_else(|| panic!("not {verb}: {line:?}"));
    if let Some(said) = said.strip_prefix(' ') {
        assert!(
            !said.is_empty() && said.len() <= MAX_TEXT,
            "a {}-byte text",
            said.len()
        );
        assert_eq!(said, said.trim(), "a text with spaces around it");
    } else {
        assert!(
            said.is_empty(),
            "no space between {verb} and its text: {line:?}"
        );
    }

    let mut requests = Vec::new();
    let decoded = Decoder::new(Limits::default()).feed(encoded.as_bytes(), &mut requests);
    assert_eq!(decoded, Ok(()));
    let attributes: Vec<_> = requests
        .iter()
        .map(|r| r.attributes().collect::<Vec<_>>())
        .collect();
    assert_eq!(attributes, [[("action", line)]]);
});
