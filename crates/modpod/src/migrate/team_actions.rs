//! `modpod migrate team-actions FILE`: the moderator team's past actions, so
//! that its yearly statistics (STATS-1) cover the years before modpod
//! (MIGRATE-1). History only: nobody is restricted or told.
//!
//! A TOML file of `[[action]]` tables, or a CSV file with a header, each
//! action with these fields:
//!
//! - `date`: the day, e.g. `2023-05-04`;
//! - `level`: its level of the ladder in force, or empty (or `none`) for an
//!   action that had none;
//! - `forum`: a forum modpod knows, by its id; or `forum_name`: a forum
//!   from before modpod that it does not know (a list closed since), by name;
//! - `person`: someone modpod knows, by their id; or `count`: how many
//!   people, not named (as many actions, one person each);
//! - `spam`, `rescinded`: `yes` or `no` (empty: no);
//! - `reference`: where the team's record of it is, a URL or a text;
//! - `key` (optional): what makes it the same action on a later run; by
//!   default, a digest of the other fields (and of how many identical rows
//!   come before it in the file).
//!
//! Every row is read and decided first: one that cannot be imported is
//! reported with its line (or action number) and field, and then nothing is
//! recorded. Rows imported before are recognised by their key and skipped.

use super::{Row, Run, operator, plan, record};
use anyhow::{Context, bail};
use jiff::Timestamp;
use jiff::civil::Date;
use modpod_policy::Command;
use modpod_policy::ids::{ForumId, PersonId};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

/// The fields a row may have.
const FIELDS: [&str; 10] = [
    "date",
    "level",
    "forum",
    "forum_name",
    "person",
    "count",
    "spam",
    "rescinded",
    "reference",
    "key",
];

/// A row as text, field by field, and where it is in the file.
struct Raw {
    at: String,
    fields: BTreeMap<String, String>,
}

/// `modpod migrate team-actions FILE`.
pub fn import(
    db: &str,
    actor: Option<&str>,
    path: &Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let raws = read(path)?;
    let total = raws.len();
    // Each problem with the position of its row in the file, to report
    // them in the file's order.
    let mut problems: Vec<(usize, String)> = Vec::new();
    let mut rows = Vec::new();
    let mut position: BTreeMap<String, usize> = BTreeMap::new();
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for (i, raw) in raws.into_iter().enumerate() {
        let past = match parse(&raw) {
            Ok(p) => p,
            Err(errors) => {
                problems.extend(errors.into_iter().map(|e| (i, format!("{}: {e}", raw.at))));
                continue;
            }
        };
        let key = match past.key.clone() {
            Some(k) => k,
            None => {
                let canonical = past.canonical();
                let n = seen.entry(canonical.clone()).or_default();
                *n += 1;
                let digest = blake3::hash(format!("{canonical}\n{n}").as_bytes()).to_hex();
                format!("row:{}", &digest[..32])
            }
        };
        if let Some(other) = keys.get(&key) {
            problems.push((i, format!("{}: key: {key} is {other}'s too", raw.at)));
            continue;
        }
        keys.insert(key.clone(), raw.at.clone());
        let what = format!("{}: {}", raw.at, past.describe());
        position.insert(what.clone(), i);
        rows.push(Row {
            what,
            commands: vec![past.command(key)],
            adopt: Vec::new(),
        });
    }
    let mut engine = crate::open_engine(db)?;
    let operator = operator(engine.state(), actor)?;
    let now = Timestamp::now();
    let (rows, again, refused) = plan(engine.state(), &operator, rows, now);
    for problem in refused {
        let at = position
            .iter()
            .find(|(what, _)| problem.starts_with(what.as_str()))
            .map_or(usize::MAX, |(_, i)| *i);
        problems.push((at, problem));
    }
    if !problems.is_empty() {
        problems.sort_by_key(|(at, _)| *at);
        for (_, p) in &problems {
            eprintln!("cannot import {p}");
        }
        let rows: std::collections::BTreeSet<usize> = problems.iter().map(|(at, _)| *at).collect();
        bail!(
            "{} of the {total} rows of {} cannot be imported (above); nothing was imported",
            rows.len(),
            path.display()
        );
    }
    let run = Run {
        db,
        rows,
        again,
        notes: &[],
        dry_run,
        target: "",
    };
    record(&mut engine, &operator, run)
}

/// Reads the file's rows as text; a file that is not TOML or CSV at all, or
/// whose header names a field there is not, is refused whole.
fn read(path: &Path) -> anyhow::Result<Vec<Raw>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = path.display();
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "toml" => {
            let table: toml::Table = toml::from_str(&text)
                .with_context(|| format!("{file} is not a team actions file (TOML)"))?;
            let mut out = Vec::new();
            for (name, value) in table {
                let toml::Value::Array(actions) = value.clone() else {
                    bail!("{file}: {name}: only [[action]] tables are read");
                };
                if name != "action" {
                    bail!("{file}: {name}: only [[action]] tables are read");
                }
                for (i, action) in actions.into_iter().enumerate() {
                    let at = format!("{file} action {}", i + 1);
                    let toml::Value::Table(t) = action else {
                        bail!("{at}: an [[action]] is a table");
                    };
                    let fields = t
                        .into_iter()
                        .map(|(k, v)| {
                            let text = match v {
                                toml::Value::String(s) => s,
                                other => other.to_string(),
                            };
                            (k, text)
                        })
                        .collect();
                    out.push(Raw { at, fields });
                }
            }
            Ok(out)
        }
        "csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let header: Vec<String> = reader
                .headers()
                .with_context(|| format!("{file}: no header"))?
                .iter()
                .map(str::to_owned)
                .collect();
            for name in &header {
                if !FIELDS.contains(&name.as_str()) {
                    bail!(
                        "{file} line 1: the column {name:?} is not one of {}",
                        FIELDS.join(", ")
                    );
                }
            }
            let mut out = Vec::new();
            for record in reader.records() {
                let record = record.with_context(|| format!("{file} is not CSV"))?;
                let line = record.position().map_or(0, |p| p.line());
                let fields = header
                    .iter()
                    .zip(record.iter())
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k.clone(), v.to_owned()))
                    .collect();
                out.push(Raw {
                    at: format!("{file} line {line}"),
                    fields,
                });
            }
            Ok(out)
        }
        _ => bail!("{file}: use a .toml or .csv file"),
    }
}

/// A row, read.
struct Past {
    date: Date,
    level: Option<u8>,
    forum: Option<ForumId>,
    forum_name: Option<String>,
    person: Option<PersonId>,
    count: Option<u32>,
    spam: bool,
    rescinded: bool,
    reference: String,
    key: Option<String>,
}

impl Past {
    /// What it says, whatever file it came from: the default key's text.
    fn canonical(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.date,
            self.level
                .map_or_else(|| "none".to_owned(), |l| l.to_string()),
            self.forum.as_ref().map_or("", |f| f.as_str()),
            self.forum_name.as_deref().unwrap_or(""),
            self.person.as_ref().map_or("", |p| p.as_str()),
            self.count.map_or_else(String::new, |c| c.to_string()),
            self.spam,
            self.rescinded,
            self.reference
        )
    }

    fn describe(&self) -> String {
        let level = self
            .level
            .map_or_else(|| "no level".to_owned(), |l| format!("level {l}"));
        let forum = self
            .forum
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| self.forum_name.clone())
            .unwrap_or_default();
        let whom = match (&self.person, self.count) {
            (Some(p), _) => p.to_string(),
            (None, Some(1)) => "1 person".to_owned(),
            (None, Some(n)) => format!("{n} people"),
            (None, None) => String::new(),
        };
        let mut also = String::new();
        if self.spam {
            also.push_str(", spam");
        }
        if self.rescinded {
            also.push_str(", rescinded");
        }
        format!("{} {level} on {forum}, {whom}{also}", self.date)
    }

    fn command(&self, key: String) -> Command {
        Command::RecordPastTeamAction {
            date: self.date,
            level: self.level,
            forum: self.forum.clone(),
            forum_name: self.forum_name.clone(),
            person: self.person.clone(),
            count: self.count,
            spam: self.spam,
            rescinded: self.rescinded,
            reference: self.reference.clone(),
            key,
        }
    }
}

/// Reads a row's fields, each problem naming its field.
fn parse(raw: &Raw) -> Result<Past, Vec<String>> {
    let mut errors = Vec::new();
    for name in raw.fields.keys() {
        if !FIELDS.contains(&name.as_str()) {
            errors.push(format!(
                "{name}: not a field (the fields: {})",
                FIELDS.join(", ")
            ));
        }
    }
    let get = |name: &str| {
        raw.fields
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    };
    let mut field = |name: &str, result: Result<(), String>| {
        if let Err(e) = result {
            errors.push(format!("{name}: {e}"));
        }
    };
    let mut date = None;
    field(
        "date",
        match get("date") {
            None => Err("missing: the day the action was taken, e.g. 2023-05-04".into()),
            Some(s) => s
                .parse::<Date>()
                .map(|d| date = Some(d))
                .map_err(|_| format!("{s:?} is not a date such as 2023-05-04")),
        },
    );
    let mut level = None;
    field(
        "level",
        match get("level") {
            None => Ok(()),
            Some(s) if s.eq_ignore_ascii_case("none") => Ok(()),
            Some(s) => s
                .parse::<u8>()
                .map(|l| level = Some(l))
                .map_err(|_| format!("{s:?} is not a level of the ladder (0, 1, 2, ...) nor none")),
        },
    );
    let mut forum = None;
    field(
        "forum",
        match get("forum") {
            None => Ok(()),
            Some(s) => ForumId::parse(s)
                .map(|f| forum = Some(f))
                .map_err(|e| e.to_string()),
        },
    );
    let mut person = None;
    field(
        "person",
        match get("person") {
            None => Ok(()),
            Some(s) => PersonId::parse(s)
                .map(|p| person = Some(p))
                .map_err(|e| e.to_string()),
        },
    );
    let mut count = None;
    field(
        "count",
        match get("count") {
            None => Ok(()),
            Some(s) => s
                .parse::<u32>()
                .map(|c| count = Some(c))
                .map_err(|_| format!("{s:?} is not a number of people")),
        },
    );
    let mut flags = [false; 2];
    for (i, name) in ["spam", "rescinded"].into_iter().enumerate() {
        field(
            name,
            match get(name).map(str::to_ascii_lowercase).as_deref() {
                None | Some("no" | "false" | "0") => Ok(()),
                Some("yes" | "true" | "1") => {
                    flags[i] = true;
                    Ok(())
                }
                Some(s) => Err(format!("{s:?}: say yes or no")),
            },
        );
    }
    let reference = get("reference").map(str::to_owned);
    if reference.is_none() {
        field(
            "reference",
            Err("missing: where the team's record of it is (a URL or a text)".into()),
        );
    }
    match (date, reference) {
        (Some(date), Some(reference)) if errors.is_empty() => Ok(Past {
            date,
            level,
            forum,
            forum_name: get("forum_name").map(str::to_owned),
            person,
            count,
            spam: flags[0],
            rescinded: flags[1],
            reference,
            key: get("key").map(str::to_owned),
        }),
        _ => Err(errors),
    }
}
