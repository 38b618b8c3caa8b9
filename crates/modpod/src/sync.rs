//! `modpod sync datatracker`: brings working groups, their lists, chairs,
//! delegates and ADs in step with the IETF Datatracker (FORUM-5). Reads the
//! Datatracker (progress on a terminal), then records what changed in one
//! transaction, as `system` on behalf of an operator; `--dry-run` prints the
//! same changes and records nothing. Ends with a report: the changes, the
//! conflicts with what was set by hand (left as they are), the rows skipped
//! with their URIs, and changes the policy refused.

use anyhow::Context;
use jiff::Timestamp;
use modpod_datatracker::Client;
use modpod_policy::ids::PersonId;
use modpod_server::registry::{Report, Sync};
use std::fmt::Write as _;
use std::process::ExitCode;

/// The IETF's Datatracker.
pub const DEFAULT_URL: &str = "https://datatracker.ietf.org";

#[derive(clap::Args)]
pub struct Args {
    /// The Datatracker's base URL.
    #[arg(long, env = "MODPOD_DATATRACKER_URL", default_value = DEFAULT_URL)]
    pub url: String,
    /// Print what would change; record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The operator on whose behalf the changes are recorded (default: the
    /// first operator).
    #[arg(long = "as", value_name = "OPERATOR")]
    pub operator: Option<String>,
}

pub fn datatracker(db: &str, args: &Args) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.url)?;
    let mut engine = crate::open_engine(db)?;
    let operator = match &args.operator {
        Some(a) => PersonId::parse(a)?,
        None => crate::setup::first_operator(engine.state())
            .context("this log has no operator yet: start `modpod serve` once, or pass --as")?,
    };
    if !engine
        .state()
        .holds(&operator, &modpod_policy::model::Role::Operator)
    {
        anyhow::bail!("--as {operator}: not an operator of this log");
    }
    let registry = read(&client)?;
    let report = Sync::new().run(
        &mut engine,
        &registry,
        &operator,
        args.dry_run,
        Timestamp::now(),
    )?;
    print!("{}", render(&report));
    if !args.dry_run && report.recorded > 0 {
        println!("log now at event {}", engine.head().seq);
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the registry, with a bar per collection on a terminal.
pub fn read(client: &Client) -> anyhow::Result<modpod_datatracker::Registry> {
    let mut bar: Option<(String, indicatif::ProgressBar)> = None;
    let registry = client.registry(&mut |p| {
        if bar.as_ref().is_none_or(|(what, _)| what != p.what) {
            if let Some((_, old)) = bar.take() {
                old.finish_and_clear();
            }
            let new = match p.total {
                Some(total) => crate::progress::bar(&format!("reading {}", p.what), total),
                None => crate::progress::counter(&format!("reading {}", p.what)),
            };
            bar = Some((p.what.to_owned(), new));
        }
        if let Some((_, b)) = &bar {
            b.set_position(p.read);
        }
    });
    if let Some((_, b)) = bar {
        b.finish_and_clear();
    }
    registry.with_context(|| format!("reading the Datatracker at {}", client.base()))
}

/// The report, as printed.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let verb = if report.dry_run {
        "would change (dry run: nothing recorded)"
    } else {
        "changed"
    };
    let _ = writeln!(
        out,
        "sync with {}: {} {verb}, {} conflicts, {} rows skipped{}",
        report.source,
        report.changes.len(),
        report.conflicts.len(),
        report.skipped.len(),
        if report.refused.is_empty() {
            String::new()
        } else {
            format!(", {} changes refused", report.refused.len())
        }
    );
    if !report.changes.is_empty() {
        let _ = writeln!(out, "\nchanges:");
        for c in &report.changes {
            let _ = writeln!(out, "  + {c}");
        }
    }
    if !report.conflicts.is_empty() {
        let _ = writeln!(
            out,
            "\nconflicts (set by hand in modpod, left as they are):"
        );
        for c in &report.conflicts {
            let _ = writeln!(
                out,
                "  ! {}: modpod has {}; the Datatracker says {} ({})",
                c.about, c.modpod, c.datatracker, c.uri
            );
        }
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(out, "\nskipped rows:");
        for s in &report.skipped {
            let _ = writeln!(out, "  - {}: {}", s.uri, s.reason);
        }
    }
    if !report.refused.is_empty() {
        let _ = writeln!(out, "\nrefused by the policy (left out):");
        for r in &report.refused {
            let _ = writeln!(out, "  x {r}");
        }
    }
    if !report.dry_run {
        let _ = writeln!(out, "\nrecorded {} events", report.recorded);
    }
    out
}
