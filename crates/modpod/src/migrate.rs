//! `modpod migrate`: a deployment starts from what exists (MIGRATE-1).
//!
//! - `modpod migrate mailman`: the bans and held members of every list a
//!   mailing-list forum names become imported restrictions on that forum
//!   (`import_restriction`: an indefinite suspension for a ban, review and
//!   approval for a member or nonmember whose posts Mailman holds), dated
//!   when first seen, attributed to the operator and to Mailman. modpod then
//!   owns them: its ledger holds each ban and hold as applied, so the
//!   Mailman adapter finds them in place (no gap in enforcement) and lifts
//!   them when the action ends, and the Postfix policy server enforces them
//!   at once.
//! - `modpod migrate legacy FILE`: suspensions imposed under an earlier
//!   process (RFC 3683 posting-rights actions and the like, REINST-5), from
//!   a TOML or CSV file.
//! - `modpod migrate team-actions FILE`: the moderator team's actions from
//!   before modpod, for its yearly statistics (STATS-1) only, from a TOML or
//!   CSV file ([`team_actions`]).
//!
//! Each run is all or nothing: every row is decided first, on a copy of the
//! state; if any cannot be imported, each is reported with why and nothing
//! is recorded. What was imported before is recognised and skipped, so a
//! run can be repeated.

use anyhow::{Context, bail};
use jiff::Timestamp;
use modpod::legacy_file::{self, Legacy};
use modpod_adapter::Adapter;
use modpod_policy::ids::{ForumId, PersonId};
use modpod_policy::model::{Capacity, Identity, IdentityKind, Measure};
use modpod_policy::{Actor, Command, State, SubjectRef};
use modpod_policy::{Refusal, Requirement};
use modpod_store::Enforced;
use std::path::Path;
use std::process::ExitCode;

pub mod team_actions;

/// One thing to import, as the policy decides it, and what the ledger then
/// holds as applied by modpod.
struct Row {
    /// Where it came from, for the report.
    what: String,
    commands: Vec<Command>,
    adopt: Vec<Enforced>,
}

/// Decides every row's commands in order on a copy of `state`: the rows
/// already imported (refused as such) are left out, and any other refusal
/// is a problem.
fn plan(
    state: &State,
    operator: &Actor,
    rows: Vec<Row>,
    now: Timestamp,
) -> (Vec<Row>, usize, Vec<String>) {
    let mut state = state.clone();
    let (mut new, mut again, mut problems) = (Vec::new(), 0, Vec::new());
    let bar = crate::progress::bar("checking", rows.len() as u64);
    'rows: for row in rows {
        bar.inc(1);
        let mut scratch = state.clone();
        for command in &row.commands {
            match modpod_policy::decide(&scratch, operator, command, now) {
                Ok(decision) => {
                    for event in &decision.events {
                        scratch.apply(event);
                    }
                }
                // `import_restriction`'s refusal of what was imported before.
                Err(Refusal::OutOfOrder {
                    requirement: Requirement::Migrate1,
                    ..
                }) => {
                    again += 1;
                    continue 'rows;
                }
                Err(refusal) => {
                    problems.push(format!("{}: {refusal}", row.what));
                    continue 'rows;
                }
            }
        }
        state = scratch;
        new.push(row);
    }
    bar.finish_and_clear();
    (new, again, problems)
}

/// What a run is to record, and how.
struct Run<'a> {
    db: &'a str,
    /// The rows to record, decided already.
    rows: Vec<Row>,
    /// How many were imported before.
    again: usize,
    /// What is not importable and left as it is.
    notes: &'a [String],
    dry_run: bool,
    /// The ledger the rows' adopted changes go to.
    target: &'a str,
}

/// Records the rows in one transaction, then adopts what they found in
/// place; prints the report.
fn record(
    engine: &mut modpod_server::Engine,
    operator: &Actor,
    run: Run,
) -> anyhow::Result<ExitCode> {
    let Run {
        db,
        rows,
        again,
        notes,
        dry_run,
        target,
    } = run;
    for note in notes {
        println!("not imported: {note}");
    }
    if dry_run {
        for row in &rows {
            println!("would import {}", row.what);
        }
        println!(
            "{} to import, {again} imported before, {} not importable; nothing recorded (--dry-run)",
            rows.len(),
            notes.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let commands: Vec<(Actor, Command)> = rows
        .iter()
        .flat_map(|r| r.commands.iter().map(|c| (operator.clone(), c.clone())))
        .collect();
    if !commands.is_empty() {
        engine
            .execute_all(&commands, Timestamp::now())
            .with_context(|| format!("nothing was imported into {db}"))?;
    }
    for row in &rows {
        for entry in &row.adopt {
            engine.store().set_enforced(target, entry)?;
        }
        println!("imported {}", row.what);
    }
    println!(
        "{} imported, {again} imported before, {} not importable",
        rows.len(),
        notes.len()
    );
    if rows.is_empty() && again > 0 {
        println!("nothing new: everything here was imported before");
    }
    Ok(ExitCode::SUCCESS)
}

/// Who runs the import: `--as`, or the log's first operator.
fn operator(state: &State, actor: Option<&str>) -> anyhow::Result<Actor> {
    let person = match actor {
        Some(a) => PersonId::parse(a)?,
        None => crate::setup::first_operator(state)
            .context("this log has no operator yet: start `modpod serve` once, or pass --as")?,
    };
    Ok(Actor::new(person, Capacity::Operator))
}

fn email(address: &str) -> anyhow::Result<SubjectRef> {
    Ok(SubjectRef::Identity {
        identity: Identity::new(IdentityKind::Email, address).map_err(anyhow::Error::msg)?,
    })
}

/// `modpod migrate mailman`.
pub fn mailman(
    db: &str,
    actor: Option<&str>,
    settings: &modpod_mailman::Settings,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let url = settings
        .mailman_url
        .as_deref()
        .context("--mailman-url (or MODPOD_MAILMAN_URL): the Mailman to import from")?;
    let password = settings
        .mailman_password
        .as_deref()
        .context("--mailman-password (or MODPOD_MAILMAN_PASSWORD): Mailman's REST API password")?;
    let client = modpod_mailman::Client::new(url, &settings.mailman_user, password);
    client.check().with_context(|| {
        format!(
            "Mailman at {} cannot be used; nothing was imported",
            client.base()
        )
    })?;
    let adapter = modpod_mailman::Mailman {
        client: client.clone(),
    };
    let mut engine = crate::open_engine(db)?;
    let operator = operator(engine.state(), actor)?;
    let now = Timestamp::now();
    let (mut rows, mut notes) = (Vec::new(), Vec::new());
    let mut fora: Vec<_> = engine.state().fora.values().collect();
    fora.sort_by(|a, b| a.id.cmp(&b.id));
    for forum in fora {
        let Some(list) = adapter.place(forum) else {
            continue;
        };
        let at = format!("Mailman at {}, list {list}", client.base());
        let Some(bans) = client.ban_entries(&list)? else {
            println!("not in this Mailman: {list} (forum {})", forum.id);
            continue;
        };
        let mut exact: Vec<String> = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        for ban in bans {
            if ban.starts_with('^') {
                patterns.push(ban);
            } else {
                exact.push(ban.to_lowercase());
            }
        }
        for address in &exact {
            // The ban and the pattern modpod sets beside it for the address's
            // `+tag` variants, if Mailman has it too.
            let mut adopt = vec![entry(&list, modpod_mailman::adapter::BAN, address)];
            for pattern in adapter.also(modpod_mailman::adapter::BAN, address) {
                if let Some(i) = patterns.iter().position(|p| *p == pattern) {
                    patterns.remove(i);
                    adopt.push(entry(&list, modpod_mailman::adapter::BAN, &pattern));
                }
            }
            rows.push(Row {
                what: format!("the ban of {address} on {list} (forum {})", forum.id),
                commands: vec![Command::ImportRestriction {
                    subject: email(address)?,
                    forum: forum.id.clone(),
                    measure: Measure::IndefiniteSuspension,
                    seen_at: now,
                    from: format!("{at}: a ban"),
                }],
                adopt,
            });
        }
        for pattern in patterns {
            notes.push(format!(
                "the ban pattern {pattern} on {list}: it names no one address; Mailman still applies it"
            ));
        }
        for (address, action) in client.moderated(&list)? {
            if action != "hold" {
                if matches!(action.as_str(), "reject" | "discard") {
                    notes.push(format!(
                        "{address} on {list}: Mailman {action}s their posts; left as it is (a suspension is a ban)"
                    ));
                }
                continue;
            }
            if exact.contains(&address) {
                continue;
            }
            rows.push(Row {
                what: format!("the held posts of {address} on {list} (forum {})", forum.id),
                commands: vec![Command::ImportRestriction {
                    subject: email(&address)?,
                    forum: forum.id.clone(),
                    measure: Measure::ReviewAndApproval,
                    seen_at: now,
                    from: format!("{at}: posts held"),
                }],
                adopt: vec![entry(&list, modpod_mailman::adapter::HOLD, &address)],
            });
        }
    }
    let (rows, again, problems) = plan(engine.state(), &operator, rows, now);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("cannot import {p}");
        }
        bail!(
            "{} of what Mailman has cannot be imported (above); nothing was imported",
            problems.len()
        );
    }
    let run = Run {
        db,
        rows,
        again,
        notes: &notes,
        dry_run,
        target: modpod_mailman::adapter::TARGET,
    };
    record(&mut engine, &operator, run)
}

fn entry(list: &str, kind: &str, account: &str) -> Enforced {
    Enforced {
        place: list.to_owned(),
        kind: kind.to_owned(),
        account: account.to_owned(),
        previous: None,
    }
}

fn read_legacy(path: &Path) -> anyhow::Result<Vec<(String, Legacy)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let Some(format) = legacy_file::Format::of_extension(ext) else {
        bail!("{}: use a .toml or .csv file", path.display());
    };
    legacy_file::parse(&text, format, &path.display().to_string())
}

/// `modpod migrate legacy FILE`.
pub fn legacy(
    db: &str,
    actor: Option<&str>,
    path: &Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let entries = read_legacy(path)?;
    let mut engine = crate::open_engine(db)?;
    let operator = operator(engine.state(), actor)?;
    let state = engine.state();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut before = 0;
    for (at, a) in entries {
        let person = match PersonId::parse(&a.person) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{at}: person: {e}"));
                continue;
            }
        };
        let fora: Result<Vec<ForumId>, _> = a.fora.iter().map(|f| ForumId::parse(f)).collect();
        let fora = match fora {
            Ok(f) => f,
            Err(e) => {
                problems.push(format!("{at}: fora: {e}"));
                continue;
            }
        };
        // Recorded before: the same person, fora and reference.
        let recorded = state.actions.values().any(|x| {
            x.subject == person
                && x.terms.fora == fora
                && x.legacy
                    .as_ref()
                    .is_some_and(|l| l.reference == a.reference)
        });
        if recorded {
            before += 1;
            continue;
        }
        let mut commands = Vec::new();
        if !state.people.contains_key(&person) {
            commands.push(Command::RegisterPerson {
                person: person.clone(),
                name: a.name.clone().unwrap_or_else(|| a.person.clone()),
                time_zone: None,
            });
        }
        for address in &a.addresses {
            let identity = match Identity::new(IdentityKind::Email, address) {
                Ok(i) => i,
                Err(e) => {
                    problems.push(format!("{at}: addresses: {e}"));
                    continue;
                }
            };
            if state.identities.get(&identity.key()) != Some(&person) {
                commands.push(Command::LinkIdentity {
                    person: person.clone(),
                    identity,
                });
            }
        }
        commands.push(Command::RecordLegacyAction {
            subject: SubjectRef::Person {
                person: person.clone(),
            },
            fora,
            imposed_at: a.imposed_at,
            process: a.process.clone(),
            reference: a.reference.clone(),
        });
        rows.push(Row {
            what: format!("{at}: {} ({}, {})", person, a.process, a.reference),
            commands,
            adopt: Vec::new(),
        });
    }
    let now = Timestamp::now();
    let (rows, again, refused) = plan(state, &operator, rows, now);
    problems.extend(refused);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("cannot import {p}");
        }
        bail!(
            "{} of {} cannot be imported (above); nothing was imported",
            problems.len(),
            path.display()
        );
    }
    let run = Run {
        db,
        rows,
        again: again + before,
        notes: &[],
        dry_run,
        target: "",
    };
    record(&mut engine, &operator, run)
}
