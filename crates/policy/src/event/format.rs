//! How an event is written to the log and read back: the one place that
//! knows the log's versions (LOG-1).
//!
//! A payload is the event as JSON with its version as the first member,
//! `{"v":3,"type":"action_taken",...}`. Version 1 is every payload written
//! before versions were recorded: the model's records serialised whole (an
//! action with its status, amendments and consultations; an appeal with its
//! steps; ...), which [`upgrade_from_1`] turns into version 2 by leaving out
//! what later events change, always at its first value in version 1.
//! Version 3 added the kinds of event of the registry of groups (FORUM-5);
//! version 4, those of the moderator team's work (TEAM-5, LADDER-1, ...).
//! Reading never rejects an older version; it upgrades it here. `docs/log-format.md`
//! describes each version and the fixtures that keep it readable.

use super::Event;
use serde_json::{Map, Value};

/// The version this code writes.
pub const VERSION: u32 = 4;

/// The version an unversioned payload is.
const UNVERSIONED: u32 = 1;

impl Event {
    /// The event as the log stores it.
    pub fn to_payload(&self) -> String {
        // Serialising these plain data types cannot fail; an empty object
        // would be caught by every later read, never silently accepted.
        let json = serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned());
        match json.strip_prefix('{') {
            Some(members) => format!("{{\"v\":{VERSION},{members}"),
            None => json,
        }
    }

    /// The event a stored payload holds, of whichever version, or why it
    /// is none. A payload of this version, as [`Event::to_payload`] writes
    /// it, is read directly; any other is read as JSON, its version taken
    /// from its `v` member (none: version 1) and upgraded one version at a
    /// time ([`upgrade`]) to this one.
    pub fn from_payload(payload: &str) -> Result<Event, String> {
        if let Some((v, members)) = payload
            .strip_prefix("{\"v\":")
            .and_then(|rest| rest.split_once(','))
            && v.parse() == Ok(VERSION)
        {
            if let Some(event) = read_directly(members) {
                return Ok(event);
            }
            let mut json = String::with_capacity(members.len() + 1);
            json.push('{');
            json.push_str(members);
            return serde_json::from_str(&json).map_err(|e| e.to_string());
        }
        let mut value: Value = serde_json::from_str(payload).map_err(|e| e.to_string())?;
        let Value::Object(event) = &mut value else {
            return Err("an event is a JSON object".to_owned());
        };
        let version = match event.remove("v") {
            None => UNVERSIONED,
            Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) if n > VERSION => {
                    return Err(format!(
                        "version {v} of the log is newer than this modpod reads (1 to {VERSION})"
                    ));
                }
                Some(n) if n > UNVERSIONED => n,
                _ => {
                    return Err(format!(
                        "version {v} is no version of the log (2 to {VERSION}, or none for 1)"
                    ));
                }
            },
        };
        for from in version..VERSION {
            upgrade(from, event);
        }
        serde_json::from_value(value).map_err(|e| {
            if version == VERSION {
                e.to_string()
            } else {
                format!("(an event of version {version}, upgraded) {e}")
            }
        })
    }
}

/// Reads the members of a payload of this version, `"type":"..",...}`, as
/// the event they are, without going through `Event`'s derived reading
/// when its kind is one a long log is mostly made of (the derived reading
/// of an internally tagged enum first copies every member of every event
/// into a tree of its own, most of a replay's parsing). `None` when the
/// kind is another or anything is not exactly as [`Event::to_payload`]
/// writes it: the event is then read the usual way, which says why it is
/// not an event. The records are `Event`'s variants member for member,
/// which building the variant from them checks (`tests/log_format.rs`
/// checks that both readings agree).
fn read_directly(members: &str) -> Option<Event> {
    let rest = members.strip_prefix("\"type\":\"")?;
    let (kind, rest) = rest.split_once('"')?;
    let mut json = String::with_capacity(rest.len());
    json.push('{');
    json.push_str(rest.strip_prefix(',')?);
    read_kind(kind, &json)
}

/// [`read_directly`]'s kinds, each read as a record of its own.
macro_rules! read_kinds {
    ($($kind:literal => $variant:ident { $($member:ident: $ty:ty),* $(,)? }),* $(,)?) => {
        fn read_kind(kind: &str, json: &str) -> Option<Event> {
            use crate::event::records::*;
            use crate::ids::*;
            use crate::model::*;
            use jiff::Timestamp;
            match kind {
                $($kind => {
                    #[derive(serde::Deserialize)]
                    #[serde(deny_unknown_fields)]
                    struct Record { $($member: $ty),* }
                    let Record { $($member),* } = serde_json::from_str(json).ok()?;
                    Some(Event::$variant { $($member),* })
                })*
                _ => None,
            }
        }

        /// The kinds [`Event::from_payload`] reads directly, for tests.
        #[doc(hidden)]
        pub const READ_DIRECTLY: &[&str] = &[$($kind),*];
    };
}

read_kinds!(
    "notification_owed" => NotificationOwed { notification: Notification },
    "report_filed" => ReportFiled { report: NewReport },
    "report_acknowledged" => ReportAcknowledged { report: ReportId, by: PersonId, at: Timestamp },
    "report_resolved" => ReportResolved { report: ReportId, outcome: ReportOutcome },
    "action_taken" => ActionTaken { action: NewAction },
    "action_expired" => ActionExpired { action: ActionId, at: Timestamp },
    "person_registered" => PersonRegistered { person: PersonId, name: String, time_zone: Option<String> },
    "identity_linked" => IdentityLinked { person: PersonId, identity: Identity },
);

/// The event a payload of this version holds, read only the usual way
/// (never [`read_directly`]), for tests that compare the two.
#[doc(hidden)]
pub fn read_as_derived(payload: &str) -> Result<Event, String> {
    let members = payload
        .strip_prefix("{\"v\":")
        .and_then(|rest| rest.split_once(','))
        .filter(|(v, _)| v.parse() == Ok(VERSION))
        .map(|(_, members)| members)
        .ok_or_else(|| format!("not a payload of version {VERSION}"))?;
    serde_json::from_str(&format!("{{{members}")).map_err(|e| e.to_string())
}

/// Upgrades an event of version `from` to version `from + 1`.
fn upgrade(from: u32, event: &mut Map<String, Value>) {
    // Version 3 added kinds of event (cool-downs; the registry of groups,
    // FORUM-5) and a member an older payload lacks (`imported`, MIGRATE-1),
    // read as absent: a payload of version 2 reads as it is. Version 4 added
    // kinds of event and members that an older payload lacks and reads as
    // absent (the moderator team's work): a payload of version 3 reads as it is.
    if from == UNVERSIONED {
        upgrade_from_1(event);
    }
}

/// Version 1 → 2: the records made by an event hold what happened then,
/// not what later events change.
fn upgrade_from_1(event: &mut Map<String, Value>) {
    let kind = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let (record, later): (&str, &[&str]) = match kind.as_str() {
        "action_taken" => ("action", &["status", "amendments", "consultations"]),
        "report_filed" => (
            "report",
            &["state", "acknowledged_at", "escalated_at", "assignee"],
        ),
        "reinstatement_requested" => ("request", &["decision"]),
        "llc_action_taken" => ("action", &["board_review", "lifted_at"]),
        "procedures_drafted" => ("procedures", &["status", "approved_at"]),
        "forum_created" => ("forum", &["delegates"]),
        "appeal_filed" => ("appeal", &["steps"]),
        "appeal_escalated" => ("step", &["decision"]),
        _ => return,
    };
    let Some(Value::Object(record)) = event.get_mut(record) else {
        return;
    };
    if kind == "appeal_filed" {
        // The first step, where the disagreement went, is part of filing it.
        let first = record
            .get("steps")
            .and_then(|s| s.get(0))
            .cloned()
            .unwrap_or(Value::Null);
        for field in ["level", "assigned_to", "filed_at"] {
            record.insert(
                field.to_owned(),
                first.get(field).cloned().unwrap_or(Value::Null),
            );
        }
    }
    for field in later {
        record.remove(*field);
    }
    // Version 1 left an LLC action's audiences out when none was withheld.
    if kind == "llc_action_taken" {
        record
            .entry("withheld_from")
            .or_insert_with(|| Value::Array(Vec::new()));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The kinds read directly are read directly (not only read the same
    /// way as the derived reading, which a reading that always fell back
    /// would be too): each event of those kinds in the fixture of this
    /// version.
    #[test]
    fn the_commonest_kinds_are_read_without_the_derived_reading() {
        let fixture = include_str!("../../tests/fixtures/log-v4.jsonl");
        let mut kinds = std::collections::BTreeSet::new();
        for payload in fixture.lines() {
            let event = Event::from_payload(payload).unwrap();
            if !READ_DIRECTLY.contains(&event.kind()) {
                continue;
            }
            let members = payload.split_once(',').map(|(_, m)| m).unwrap();
            kinds.insert(event.kind());
            assert_eq!(read_directly(members), Some(event), "{payload}");
        }
        assert_eq!(kinds.len(), READ_DIRECTLY.len(), "{kinds:?}");
    }
}
