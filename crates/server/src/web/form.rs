//! Reading posted forms, and saying what was wrong with them.
//!
//! A form is read into [`Fields`] (reading one never fails: a missing field
//! is empty), parsed here into the policy's types, and the command is decided
//! by the policy. What is wrong is gathered in [`Problems`]: what cannot even
//! be put into a command (an empty required field, a number that is not one)
//! is found here, and everything else is the policy's own refusal, shown next
//! to the field it names when the form has it, else above the form with its
//! requirement. Either way the page comes back with what was typed.

use jiff::{SignedDuration, Timestamp};
use modpod_policy::ids::{AppealId, ForumId, PersonId, ReportId};
use modpod_policy::model::{Capacity, Evidence, Forum, Measure};
use modpod_policy::{Command, Refusal};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The steps of the case and setup pages whose forms build commands.
const CASE_STEPS: [&str; 8] = [
    "acknowledge",
    "review",
    "escalate",
    "resolve",
    "assign",
    "refer",
    "message",
    "act",
];
const SETUP_STEPS: [&str; 12] = [
    "working-group",
    "forum",
    "opt-in",
    "settings",
    "delegate",
    "revoke",
    "appoint",
    "recall",
    "draft",
    "open-review",
    "approve",
    "note-well",
];

/// What the pages make of a posted form's body: the entry point of the
/// form parsing, which the fuzz target `form_body` (crates/enforce/fuzz)
/// calls. `body` is read as [`super::Posted`] reads it (axum's `Form` is
/// `serde_urlencoded` on the body), then given to each builder of a command
/// from fields alone: the capacity chosen, the case page's steps (about
/// report 1, whose subject is `subject`), the appeal's decision, the setup
/// page's steps, the report form's subject, and the queue's filter. The
/// commands built, each as far as the form alone says (the pages decide
/// them as the viewer); `None` when the body is not a form.
pub fn commands_from_form(body: &[u8], now: Timestamp) -> Option<Vec<Command>> {
    let form = Fields::parse(body)?;
    let mut problems = Problems::default();
    let _ = form.kept();
    let _ = capacity(&form, &mut problems);
    let _ = super::queue::filter_of(&form);
    let mut commands = Vec::new();
    let subject = PersonId::parse("subject").ok();
    for step in CASE_STEPS {
        let command = super::case::command(
            step,
            ReportId(1),
            subject.clone(),
            &form,
            now,
            &mut problems,
        );
        commands.extend(command.ok().flatten());
    }
    if let Some((upheld, remedy)) = super::appeals::decision(&form, now, &mut problems) {
        commands.push(Command::DecideAppeal {
            appeal: AppealId(1),
            upheld,
            remedy,
            rationale: form.get("rationale").to_owned(),
        });
    }
    for step in SETUP_STEPS {
        commands.extend(super::setup::command(step, &form, &mut problems));
    }
    let _ = super::participant::subject(&form, &mut problems);
    Some(commands)
}

/// Fields whose every value counts (checkboxes), kept as lists.
const LISTS: [&str; 1] = ["fora"];

/// The fields of a posted form, in the order sent.
#[derive(Debug, Default, Clone)]
pub(crate) struct Fields(Vec<(String, String)>);

/// One of a page's forms that came back: which one (`step`), what was typed
/// (kept, to be shown again), and what was wrong with it.
pub(crate) struct Failed {
    pub step: String,
    pub form: Fields,
    pub problems: Problems,
}

impl Fields {
    pub fn new(pairs: Vec<(String, String)>) -> Fields {
        Fields(pairs)
    }

    /// A form body (`application/x-www-form-urlencoded`), read as axum's
    /// `Form<Vec<(String, String)>>` reads it; `None` when it is not one.
    pub fn parse(body: &[u8]) -> Option<Fields> {
        serde_urlencoded::from_bytes(body).ok().map(Fields)
    }

    /// The first value of a field, or "" when it is absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first value, without surrounding white space.
    pub fn trimmed(&self, name: &str) -> &str {
        self.get(name).trim()
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// What was typed, to put back into the form (never the CSRF token).
    pub fn kept(&self) -> Value {
        let mut kept = Map::new();
        for name in LISTS {
            kept.insert(name.to_owned(), Value::Array(Vec::new()));
        }
        for (name, value) in &self.0 {
            if name == "csrf" || name == "password" {
                continue;
            }
            if LISTS.contains(&name.as_str()) {
                if let Value::Array(values) = kept
                    .entry(name.clone())
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    values.push(Value::String(value.clone()));
                }
            } else {
                kept.entry(name.clone())
                    .or_insert_with(|| Value::String(value.clone()));
            }
        }
        Value::Object(kept)
    }
}

/// A policy refusal as a page shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Refused {
    pub requirement: modpod_policy::Requirement,
    pub message: String,
    /// The kind of record named that does not exist (`person`, ...), for a
    /// page that puts it beside the field that named it.
    #[serde(skip)]
    pub unknown: Option<&'static str>,
}

/// What was wrong with a form.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Problems {
    /// Messages next to fields, by the field's name.
    pub fields: BTreeMap<&'static str, String>,
    /// The policy's refusal of the whole form.
    pub refusal: Option<Refused>,
}

impl Problems {
    pub fn field(&mut self, name: &'static str, message: impl Into<String>) {
        self.fields.entry(name).or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.refusal.is_none()
    }

    /// A required field: present and not blank.
    pub fn required<'f>(&mut self, form: &'f Fields, name: &'static str) -> &'f str {
        let value = form.trimmed(name);
        if value.is_empty() {
            self.field(name, "This is required.");
        }
        value
    }

    /// The policy's refusal: next to the field it is about when the form has
    /// one (`fields` maps the policy's names of fields, or of records that
    /// were not found, to the form's), else above the form.
    pub fn refused(refusal: &Refusal, fields: &[(&str, &'static str)]) -> Problems {
        let mut problems = Problems::default();
        let about = match refusal {
            Refusal::Invalid { field, reason } => Some((*field, reason.clone())),
            Refusal::Unknown { what, .. } => Some((*what, refusal.to_string())),
            _ => None,
        };
        let field = about.and_then(|(name, message)| {
            fields
                .iter()
                .find(|(policy, _)| *policy == name)
                .map(|(_, form)| (*form, message))
        });
        match field {
            Some((name, message)) => problems.field(name, message),
            None => {
                problems.refusal = Some(Refused {
                    requirement: refusal.requirement(),
                    message: refusal.to_string(),
                    unknown: match refusal {
                        Refusal::Unknown { what, .. } => Some(*what),
                        _ => None,
                    },
                });
            }
        }
        problems
    }
}

/// The HTTP status of a page that shows a refusal: as the API answers it.
pub(crate) fn refusal_status(refusal: &Refusal) -> axum::http::StatusCode {
    crate::http::ApiError::from_refusal(refusal.clone()).status()
}

/// A capacity chosen in a form (`as`); never modpod's own scheduler.
pub(crate) fn capacity(form: &Fields, problems: &mut Problems) -> Option<Capacity> {
    match form.trimmed("as").parse::<Capacity>() {
        Ok(Capacity::System) | Err(_) => {
            problems.field("as", "Choose the capacity you act in.");
            None
        }
        Ok(capacity) => Some(capacity),
    }
}

/// One choice of measure, as the forms list them: the policy's own names,
/// the out-of-scope ones included so that choosing one gets ACT-4's words.
#[derive(Debug, Serialize)]
pub(crate) struct MeasureOption {
    pub key: &'static str,
    pub name: &'static str,
    pub out_of_scope: bool,
}

fn every_measure() -> [Measure; 11] {
    [
        Measure::RateLimit {
            posts: 1,
            per_seconds: 1,
        },
        Measure::ReviewAndApproval,
        Measure::PrivateAdmonishment,
        Measure::PublicAdmonishment,
        Measure::TemporarySuspension,
        Measure::IndefiniteSuspension,
        Measure::Other {
            description: String::new(),
        },
        Measure::AccountRemoval,
        Measure::MeetingRestriction,
        Measure::ContentRemoval,
        Measure::PrivateCommunications,
    ]
}

pub(crate) fn measure_options() -> Vec<MeasureOption> {
    every_measure()
        .iter()
        .map(|m| MeasureOption {
            key: m.kind(),
            name: m.name(),
            out_of_scope: m.out_of_scope().is_some(),
        })
        .collect()
}

/// The measure chosen (`measure`, with `posts` and `per_seconds` for a
/// rate limit and `description` for another action).
pub(crate) fn measure(form: &Fields, problems: &mut Problems) -> Option<Measure> {
    let key = form.trimmed("measure");
    let Some(chosen) = every_measure().into_iter().find(|m| m.kind() == key) else {
        problems.field("measure", "Choose a measure.");
        return None;
    };
    Some(match chosen {
        Measure::RateLimit { .. } => {
            let posts = positive(form, "posts", problems);
            let per_seconds = positive(form, "per_seconds", problems);
            Measure::RateLimit {
                posts: posts?,
                per_seconds: per_seconds?,
            }
        }
        Measure::Other { .. } => Measure::Other {
            description: form.get("description").to_owned(),
        },
        other => other,
    })
}

/// A whole number of at least one.
fn positive(form: &Fields, name: &'static str, problems: &mut Problems) -> Option<u32> {
    match form.trimmed(name).parse::<u32>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            problems.field(name, "Give a whole number of at least 1.");
            None
        }
    }
}

/// The longest duration a form accepts, in days (about a hundred years).
const MAX_DAYS: i64 = 36_600;

/// When an action ends: `days` from now, or `ends_at` (a date and time,
/// UTC); neither means no end. `Err` when what was typed is not one.
pub(crate) fn ends_at(
    form: &Fields,
    now: Timestamp,
    problems: &mut Problems,
) -> Result<Option<Timestamp>, ()> {
    let (days, at) = (form.trimmed("days"), form.trimmed("ends_at"));
    if !days.is_empty() && !at.is_empty() {
        problems.field("days", "Give a number of days or an end, not both.");
        return Err(());
    }
    if !days.is_empty() {
        return match days.parse::<i64>() {
            Ok(d) if (1..=MAX_DAYS).contains(&d) => now
                .checked_add(SignedDuration::from_hours(d * 24))
                .map(Some)
                .map_err(|_| problems.field("days", "That is too far away.")),
            _ => {
                problems.field(
                    "days",
                    format!("Give a whole number of days, from 1 to {MAX_DAYS}."),
                );
                Err(())
            }
        };
    }
    if !at.is_empty() {
        return parse_utc(at).map(Some).ok_or_else(|| {
            problems.field(
                "ends_at",
                "Give a date and time in UTC, such as 2026-03-22T10:00.",
            )
        });
    }
    Ok(None)
}

/// When an action starts: `starts_at`, a date and time (UTC) later than
/// now; empty means now. `Err` when what was typed is not one.
pub(crate) fn starts_at(
    form: &Fields,
    now: Timestamp,
    problems: &mut Problems,
) -> Result<Option<Timestamp>, ()> {
    let at = form.trimmed("starts_at");
    if at.is_empty() {
        return Ok(None);
    }
    match parse_utc(at) {
        Some(t) if t > now => Ok(Some(t)),
        Some(_) => {
            problems.field(
                "starts_at",
                "Give a start later than now, or leave it empty to start now.",
            );
            Err(())
        }
        None => {
            problems.field(
                "starts_at",
                "Give a date and time in UTC, such as 2026-03-22T10:00.",
            );
            Err(())
        }
    }
}

/// The evidence of an action: links to the messages, one per line.
pub(crate) fn evidence(form: &Fields, problems: &mut Problems) -> Vec<Evidence> {
    let links: Vec<&str> = form
        .get("evidence")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if links
        .iter()
        .any(|l| !(l.starts_with("https://") || l.starts_with("http://")))
    {
        problems.field(
            "evidence",
            "Give one link per line, each starting with https:// or http://.",
        );
    }
    links
        .into_iter()
        .map(|url| Evidence {
            url: url.to_owned(),
            sha256: None,
        })
        .collect()
}

/// `2026-03-22T10:00` (a browser's date and time field, taken as UTC),
/// with or without seconds, or a full RFC 3339 timestamp.
fn parse_utc(text: &str) -> Option<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let civil = text.parse::<jiff::civil::DateTime>().ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
}

/// The fora ticked or typed (`fora`), or none.
pub(crate) fn some_fora(form: &Fields, problems: &mut Problems) -> Vec<ForumId> {
    let mut fora: Vec<ForumId> = Vec::new();
    // A box ticked is one id; a list typed is ids apart.
    let ids = form
        .all("fora")
        .into_iter()
        .flat_map(|value| value.split(|c: char| c.is_whitespace() || c == ','))
        .filter(|id| !id.is_empty());
    for id in ids {
        match ForumId::parse(id) {
            Ok(id) if !fora.contains(&id) => fora.push(id),
            Ok(_) => {}
            Err(_) => problems.field("fora", "One of the fora is not a forum's name."),
        }
    }
    fora
}

/// The fora ticked or typed (`fora`): at least one.
pub(crate) fn fora(form: &Fields, problems: &mut Problems) -> Vec<ForumId> {
    let fora = some_fora(form, problems);
    if fora.is_empty() {
        problems.field("fora", "Tick or name at least one forum.");
    }
    fora
}

/// The most fora a form lists to tick; beyond that they are typed.
pub(crate) const FORA_LISTED: usize = 100;

/// The fora a form offers to choose from (the `fora_field` macro): each to
/// tick while there are at most [`FORA_LISTED`]; beyond that (a moderator may
/// act on every public forum, the LLC on all of them) only how many there
/// are, their ids being typed.
pub(crate) fn fora_options<'s>(mut fora: impl Iterator<Item = &'s Forum>) -> minijinja::Value {
    let listed: Vec<&Forum> = fora.by_ref().take(FORA_LISTED).collect();
    let count = listed.len() + fora.count();
    let listed = (count <= FORA_LISTED).then(|| {
        listed
            .iter()
            .map(|f| minijinja::context! { id => f.id, name => f.name })
            .collect::<Vec<_>>()
    });
    minijinja::context! { listed => listed, count => count }
}

/// Percent-encodes a query parameter's value.
pub(crate) fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        Fields::new(
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn an_end_is_days_or_a_utc_time_but_not_both() {
        let now: Timestamp = "2026-03-01T10:00:00Z".parse().unwrap();
        let mut p = Problems::default();
        assert_eq!(
            ends_at(&form(&[("days", "21")]), now, &mut p),
            Ok(Some("2026-03-22T10:00:00Z".parse().unwrap()))
        );
        assert_eq!(
            ends_at(&form(&[("ends_at", "2026-04-01T08:30")]), now, &mut p),
            Ok(Some("2026-04-01T08:30:00Z".parse().unwrap()))
        );
        assert_eq!(ends_at(&form(&[]), now, &mut p), Ok(None));
        assert!(p.is_empty());
        for bad in [
            &[("days", "three")][..],
            &[("days", "0")],
            &[("days", "99999999999")],
            &[("ends_at", "next week")],
            &[("days", "2"), ("ends_at", "2026-04-01T08:30")],
        ] {
            let mut p = Problems::default();
            assert!(ends_at(&form(bad), now, &mut p).is_err(), "{bad:?}");
            assert!(!p.fields.is_empty(), "{bad:?}");
        }
    }

    #[test]
    fn kept_fields_leave_out_secrets_and_keep_every_tick() {
        let kept = form(&[
            ("csrf", "secret"),
            ("password", "hunter2"),
            ("reason", "<b>"),
            ("fora", "a"),
            ("fora", "b"),
        ])
        .kept();
        assert_eq!(
            kept,
            serde_json::json!({"reason": "<b>", "fora": ["a", "b"]})
        );
    }

    #[test]
    fn a_refusal_about_a_field_goes_next_to_it() {
        let invalid = Refusal::Invalid {
            field: "description",
            reason: "must be at most 20000 characters".into(),
        };
        let p = Problems::refused(&invalid, &[("description", "description")]);
        assert_eq!(
            p.fields.get("description").map(String::as_str),
            Some("must be at most 20000 characters")
        );
        assert!(p.refusal.is_none());
        let p = Problems::refused(&invalid, &[]);
        assert_eq!(
            p.refusal.map(|r| r.requirement),
            Some(modpod_policy::Requirement::Input)
        );
    }

    #[test]
    fn every_measure_is_offered_under_the_policy_s_name() {
        let options = measure_options();
        assert_eq!(options.len(), 11);
        assert!(
            options
                .iter()
                .any(|o| o.key == "content_removal" && o.out_of_scope)
        );
        let mut p = Problems::default();
        let m = measure(&form(&[("measure", "rate_limit"), ("posts", "x")]), &mut p);
        assert_eq!(m, None);
        assert!(p.fields.contains_key("posts") && p.fields.contains_key("per_seconds"));
    }
}
