//! `--config FILE` (or `MODPOD_CONFIG`): settings from a TOML file, named like
//! the command's long flags with `_` for `-`:
//!
//! ```toml
//! db = "postgres://modpod@db.example/modpod"
//! listen = "127.0.0.1:8080"
//! policy_listen = "127.0.0.1:10040"
//! policy_fail_closed = true
//! mailman_url = "http://127.0.0.1:8001"
//! ```
//!
//! The command line wins over the environment (`MODPOD_*`), which wins over
//! the file, which wins over the defaults. A setting the command does not
//! have is an error that lists the ones it has, so a typo is never ignored.

use anyhow::{Context, bail};
use clap::parser::ValueSource;
use clap::{ArgMatches, Command};
use std::ffi::OsString;
use std::path::Path;

/// `argv` with the file's settings added as flags, where neither the command
/// line nor the environment already set them.
pub fn merge(
    command: &Command,
    matches: &ArgMatches,
    path: &Path,
    mut argv: Vec<OsString>,
) -> anyhow::Result<Vec<OsString>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    // The innermost subcommand named (`serve`, or `create` of `token create`).
    let (mut sub, mut sub_matches, mut name) = (command, matches, String::new());
    while let Some((inner, inner_matches)) = sub_matches.subcommand() {
        let Some(found) = sub.find_subcommand(inner) else {
            break;
        };
        name = if name.is_empty() {
            inner.to_owned()
        } else {
            format!("{name} {inner}")
        };
        (sub, sub_matches) = (found, inner_matches);
    }
    if name.is_empty() {
        return Ok(argv);
    }
    for (key, value) in table {
        let long = key.replace('_', "-");
        let Some(arg) = sub
            .get_arguments()
            .find(|a| a.get_long() == Some(long.as_str()) && long != "config")
        else {
            let known: Vec<String> = sub
                .get_arguments()
                .filter_map(|a| a.get_long())
                .filter(|l| *l != "config" && *l != "help")
                .map(|l| l.replace('-', "_"))
                .collect();
            bail!(
                "{}: `modpod {name}` has no setting {key:?}; it has: {}",
                path.display(),
                known.join(", ")
            );
        };
        let id = arg.get_id().as_str();
        if matches!(
            sub_matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let flag = OsString::from(format!("--{long}"));
        match value {
            toml::Value::Boolean(true) => argv.push(flag),
            toml::Value::Boolean(false) => {}
            toml::Value::String(s) => argv.extend([flag, s.into()]),
            toml::Value::Integer(i) => argv.extend([flag, i.to_string().into()]),
            other => bail!(
                "{}: {key} must be a string, a number or true/false, not {}",
                path.display(),
                other.type_str()
            ),
        }
    }
    Ok(argv)
}
