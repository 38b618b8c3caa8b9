//! `modpod setup FILE`: fora, people, identities and roles from a TOML or YAML
//! file. The file is turned into policy commands, decided in order, and recorded
//! in one transaction: all of it, or (on the first refusal) none of it.

use anyhow::{Context, bail};
use jiff::Timestamp;
use modpod::setup_file::{self, Format, SetupFile, commands};
use modpod_policy::ids::PersonId;
use modpod_policy::model::Role;
use std::path::Path;
use std::process::ExitCode;

/// Reads a setup file; the format follows the extension (.toml, .yaml, .yml).
pub fn read(path: &Path) -> anyhow::Result<SetupFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let Some(format) = Format::of_extension(ext) else {
        bail!("{}: use a .toml, .yaml or .yml file", path.display());
    };
    setup_file::parse(&text, format)
        .with_context(|| format!("{} is not a valid setup file", path.display()))
}

pub fn setup(db: &str, actor: Option<&str>, path: &Path) -> anyhow::Result<ExitCode> {
    let file = read(path)?;
    let mut engine = crate::open_engine(db)?;
    let operator = match actor {
        Some(a) => PersonId::parse(a)?,
        None => first_operator(engine.state())
            .context("this log has no operator yet: start `modpod serve` once, or pass --as")?,
    };
    let commands = commands(&file, &operator)?;
    let recorded = engine.execute_all(&commands, Timestamp::now())?;
    println!(
        "set up from {}: {} commands, {} events recorded (log now at event {})",
        path.display(),
        commands.len(),
        recorded.events.len(),
        engine.head().seq
    );
    for w in &recorded.warnings {
        println!("warning ({}): {}", w.requirement, w.message);
    }
    Ok(ExitCode::SUCCESS)
}

/// The first person who holds the operator role.
pub(crate) fn first_operator(state: &modpod_policy::State) -> Option<PersonId> {
    state
        .people
        .values()
        .find(|p| p.roles.contains(&Role::Operator))
        .map(|p| p.id.clone())
}
