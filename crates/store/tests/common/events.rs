//! Sample events for the tests, with text that exercises UTF-8 and JSON
//! that a JSON-normalising database would rewrite.

use modpod_store::NewEvent;

/// `n` distinct events whose fields mention `tag` and their index.
pub fn sample(n: usize, tag: &str) -> Vec<NewEvent> {
    (0..n)
        .map(|i| NewEvent {
            at_micros: 1_700_000_000_000_000 + i64::try_from(i).unwrap_or(0) * 1_000,
            actor: format!("{tag}-actor-{i}"),
            role: if i % 2 == 0 { "moderator" } else { "admin" }.into(),
            kind: format!("kind.{}", i % 3),
            payload: format!(r#"{{ "n":{i},  "tag":"{tag}", "text":"Grüße ✓ 🚀 \u00e9" }}"#),
        })
        .collect()
}
