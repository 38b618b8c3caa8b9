//! JSON read from people and scripts (`POST /v1/commands`, `modpod run`), with
//! errors that name the field at fault: `command.ends_at: ...`, and for a
//! time, the format expected.
//!
//! `serde_path_to_error` follows the path through structs, maps and lists,
//! but not into an internally tagged enum (serde buffers its fields first),
//! and every command is one (`{"command": "take_action", ...}`). So where its
//! path stops, the field is found in the JSON itself: the first value under
//! it that fails, read as a time, with the very error reported is the time
//! at fault.

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

/// What a time in a command looks like, for error messages.
pub const TIME_EXAMPLE: &str = "2026-12-24T00:00:00Z";

/// JSON that is not valid, or not the shape expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Where the error is, e.g. `command.ends_at`; empty for the whole text.
    pub path: String,
    /// serde's message, with the line and column when serde_json knew them.
    pub message: String,
    /// Whether the value at fault is a time.
    pub time: bool,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if self.time {
            write!(
                f,
                " (expected an RFC 3339 time such as {TIME_EXAMPLE}, with its offset)"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for JsonError {}

/// Reads `text` as a `T`; the error names the field at fault.
pub fn decode<T: DeserializeOwned>(text: &[u8]) -> Result<T, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let error = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => match de.end() {
            Ok(()) => return Ok(value),
            Err(e) => return Err(plain(&e)),
        },
        Err(error) => error,
    };
    let mut path: Vec<Step> = error.path().iter().filter_map(Step::of).collect();
    let inner = error.into_inner();
    let mut found = JsonError {
        path: String::new(),
        message: inner.to_string(),
        time: false,
    };
    if inner.is_data() {
        let bare = without_position(&inner);
        let root = serde_json::from_slice::<Value>(text).ok();
        let at = root.as_ref().and_then(|root| value_at(root, &path));
        if let Some(deeper) = at.and_then(|at| bad_time(at, &bare)) {
            path.extend(deeper);
            found.time = true;
        }
    }
    found.path = display(&path);
    Err(found)
}

/// A syntax error, or text after the value: the line and column say where.
fn plain(error: &serde_json::Error) -> JsonError {
    JsonError {
        path: String::new(),
        message: error.to_string(),
        time: false,
    }
}

/// One step of a path into a JSON value.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

impl Step {
    fn of(segment: &serde_path_to_error::Segment) -> Option<Step> {
        match segment {
            serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
            _ => None,
        }
    }
}

fn display(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) if out.is_empty() => out.push_str(key),
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn value_at<'v>(root: &'v Value, path: &[Step]) -> Option<&'v Value> {
    path.iter().try_fold(root, |value, step| match step {
        Step::Key(key) => value.get(key),
        Step::Index(i) => value.get(i),
    })
}

/// The path, under `value`, of the first value that fails as a time with
/// exactly `message`: the time the error is about. `None` when the error is
/// not about a time.
fn bad_time(value: &Value, message: &str) -> Option<Vec<Step>> {
    let fails_so = |v: &Value| {
        serde_json::from_value::<Timestamp>(v.clone()).is_err_and(|e| e.to_string() == message)
    };
    if fails_so(value) {
        return Some(Vec::new());
    }
    let children: Vec<(Step, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Step::Index(i), v))
            .collect(),
        _ => return None,
    };
    children.into_iter().find_map(|(step, child)| {
        let mut path = bad_time(child, message)?;
        path.insert(0, step);
        Some(path)
    })
}

/// serde_json's message without its " at line L column C".
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&suffix) {
        Some(bare) if error.line() > 0 => bare.to_owned(),
        _ => text,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
    #[allow(dead_code)]
    enum Tagged {
        Act {
            reason: String,
            ends_at: Option<Timestamp>,
        },
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        command: Tagged,
    }

    #[test]
    fn a_bad_time_inside_a_tagged_enum_is_named_with_its_format() {
        let text = br#"{"command": {"command": "act", "reason": "x", "ends_at": "2026-12-24"}}"#;
        let error = decode::<Outer>(text).unwrap_err();
        assert_eq!(error.path, "command.ends_at", "{error}");
        assert!(error.time, "{error}");
        assert!(error.to_string().contains("RFC 3339"), "{error}");
        let error =
            decode::<Outer>(br#"{"command": {"command": "act", "reason": 5}}"#).unwrap_err();
        assert_eq!(error.path, "command", "{error}");
        assert!(!error.time, "{error}");
        let error = decode::<Outer>(b"{\"command\": \n 1").unwrap_err();
        assert!(error.message.contains("line 2"), "{error}");
        assert!(decode::<Outer>(br#"{"command": {"command": "act", "reason": "x"}} x"#).is_err());
    }
}
