//! Power levels: what a room's `m.room.power_levels` says about one user
//! sending messages, and the edits that mute and unmute them.

use serde_json::{Map, Value};

/// The event type whose sending a mute takes away.
const MESSAGE: &str = "m.room.message";

/// What a room's power levels say about one user and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PowerLevel {
    /// The user's own entry in `users`, if they have one.
    pub explicit: Option<i64>,
    /// `users_default`: the level of users without an entry (0 if unset).
    pub users_default: i64,
    /// `events_default`: the level needed for events not in `events` (0 if
    /// unset).
    pub events_default: i64,
    /// The level needed to send an `m.room.message`: `events["m.room.message"]`
    /// if set, else `events_default`.
    pub send_message: i64,
}

impl PowerLevel {
    /// The user's level: their own entry, else `users_default`.
    pub fn level(&self) -> i64 {
        self.explicit.unwrap_or(self.users_default)
    }

    /// Whether the user's level lets them send messages.
    pub fn can_send_messages(&self) -> bool {
        self.level() >= self.send_message
    }

    /// What `content` (of an `m.room.power_levels` event) says about `user`.
    /// Missing or unreadable values count as the specification's defaults.
    pub fn of(content: &Value, user: &str) -> PowerLevel {
        let users_default = content.get("users_default").and_then(level).unwrap_or(0);
        let events_default = content.get("events_default").and_then(level).unwrap_or(0);
        let send_message = content
            .get("events")
            .and_then(|e| e.get(MESSAGE))
            .and_then(level)
            .unwrap_or(events_default);
        let explicit = content
            .get("users")
            .and_then(|u| u.get(user))
            .and_then(level);
        PowerLevel {
            explicit,
            users_default,
            events_default,
            send_message,
        }
    }
}

/// A power level as written in the event: an integer, or (in room versions
/// before 10) a string holding one.
fn level(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `content` with the `users` entry of `user` set to `level`, or removed
/// (`None`); every other field kept as it is.
pub(crate) fn with_user_level(
    content: &Value,
    user: &str,
    level: Option<i64>,
) -> Result<Value, &'static str> {
    let mut content = content.clone();
    let fields = content
        .as_object_mut()
        .ok_or("the power levels are not a JSON object")?;
    let users = fields
        .entry("users")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("the power levels' `users` is not a JSON object")?;
    match level {
        Some(level) => {
            users.insert(user.to_owned(), Value::from(level));
        }
        None => {
            users.remove(user);
        }
    }
    Ok(content)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_apply_when_nothing_is_said() {
        let p = PowerLevel::of(&json!({}), "@a:x");
        assert_eq!(
            p,
            PowerLevel {
                explicit: None,
                users_default: 0,
                events_default: 0,
                send_message: 0
            }
        );
        assert!(p.can_send_messages());
    }

    #[test]
    fn the_message_level_comes_from_events_before_events_default() {
        let content = json!({
            "users": {"@a:x": 10, "@b:x": "-1", "@c:x": "nonsense"},
            "users_default": 5,
            "events_default": 20,
            "events": {"m.room.message": 7},
        });
        let a = PowerLevel::of(&content, "@a:x");
        assert_eq!(
            (
                a.explicit,
                a.users_default,
                a.events_default,
                a.send_message
            ),
            (Some(10), 5, 20, 7)
        );
        assert!(a.can_send_messages());
        let b = PowerLevel::of(&content, "@b:x");
        assert_eq!(b.explicit, Some(-1));
        assert!(!b.can_send_messages());
        let c = PowerLevel::of(&content, "@c:x");
        assert_eq!(c.explicit, None);
        assert_eq!(c.level(), 5);
        assert!(!c.can_send_messages());
        let without = json!({"events_default": 20, "events": {"m.room.name": 50}});
        assert_eq!(PowerLevel::of(&without, "@a:x").send_message, 20);
    }

    #[test]
    fn editing_one_user_keeps_everything_else() {
        let content = json!({
            "users": {"@admin:x": 100, "@a:x": 3},
            "ban": 50,
            "unknown_field": {"kept": true},
        });
        let muted = with_user_level(&content, "@a:x", Some(-1)).unwrap();
        assert_eq!(muted["users"], json!({"@admin:x": 100, "@a:x": -1}));
        assert_eq!(muted["unknown_field"], json!({"kept": true}));
        assert_eq!(muted["ban"], json!(50));
        let removed = with_user_level(&muted, "@a:x", None).unwrap();
        assert_eq!(removed["users"], json!({"@admin:x": 100}));
        let created = with_user_level(&json!({}), "@a:x", Some(-1)).unwrap();
        assert_eq!(created, json!({"users": {"@a:x": -1}}));
        assert!(with_user_level(&json!([]), "@a:x", None).is_err());
        assert!(with_user_level(&json!({"users": 3}), "@a:x", None).is_err());
    }
}
