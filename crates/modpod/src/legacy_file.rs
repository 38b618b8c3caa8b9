//! A file of suspensions imposed under an earlier process (RFC 3683
//! posting-rights actions and the like, REINST-5), as `modpod migrate legacy
//! FILE` reads it: TOML (`[[action]]` tables) or CSV (a header row; addresses
//! and fora separated by spaces). [`parse`] reads one; the command then
//! decides what each row asks for (`crates/modpod/src/migrate.rs`).

use anyhow::Context;
use jiff::Timestamp;
use serde::Deserialize;

/// One suspension imposed under an earlier process, as a legacy file gives
/// it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Legacy {
    /// The person's id in modpod, made if it is not there.
    pub person: String,
    /// Their name, for a person not in modpod yet.
    #[serde(default)]
    pub name: Option<String>,
    /// Their email addresses.
    #[serde(default)]
    pub addresses: Vec<String>,
    pub fora: Vec<String>,
    pub imposed_at: Timestamp,
    pub process: String,
    pub reference: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyFile {
    #[serde(default)]
    action: Vec<Legacy>,
}

/// A CSV row: addresses and fora separated by spaces.
#[derive(Debug, Deserialize)]
struct LegacyRow {
    person: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    addresses: String,
    fora: String,
    imposed_at: String,
    process: String,
    reference: String,
}

/// The languages a legacy file may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Csv,
}

impl Format {
    /// The format a file's extension names: `.toml` or `.csv`.
    pub fn of_extension(extension: &str) -> Option<Format> {
        match extension {
            "toml" => Some(Format::Toml),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// Reads a legacy file's text, `name` naming it in what is reported: each
/// suspension with where it is in the file (`NAME action 2`, `NAME line 3`).
/// The entry point of the parser, which the command and the fuzz target
/// `legacy_file` (crates/enforce/fuzz) call.
pub fn parse(text: &str, format: Format, name: &str) -> anyhow::Result<Vec<(String, Legacy)>> {
    match format {
        Format::Toml => {
            let file: LegacyFile = toml::from_str(text)
                .with_context(|| format!("{name} is not a legacy actions file"))?;
            Ok(file
                .action
                .into_iter()
                .enumerate()
                .map(|(i, a)| (format!("{name} action {}", i + 1), a))
                .collect())
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let mut out = Vec::new();
            for (i, row) in reader.deserialize::<LegacyRow>().enumerate() {
                let at = format!("{name} line {}", i + 2);
                let row = row.with_context(|| at.clone())?;
                let imposed_at = row.imposed_at.parse().with_context(|| {
                    format!("{at}: imposed_at must be an RFC 3339 time, e.g. 2010-05-01T00:00:00Z")
                })?;
                let words = |s: &str| s.split_whitespace().map(str::to_owned).collect();
                out.push((
                    at,
                    Legacy {
                        person: row.person,
                        name: row.name.filter(|n| !n.is_empty()),
                        addresses: words(&row.addresses),
                        fora: words(&row.fora),
                        imposed_at,
                        process: row.process,
                        reference: row.reference,
                    },
                ));
            }
            Ok(out)
        }
    }
}
