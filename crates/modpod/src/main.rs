//! The `modpod` command. Flags are parsed here into validated arguments; each
//! subcommand lives in its own module and returns what to print, or an error
//! that is printed as one sentence with a non-zero exit.

mod audit;
mod backup;
mod config;
mod enforce;
mod evidence;
mod migrate;
mod progress;
mod run;
mod serve;
mod setup;
mod sync;
mod tokens;
mod transfer;
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// See Cargo.toml: the resident size of a long-running `serve` stays near
/// what it holds.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Community moderation for a standards body's public fora (RFC 9945, BCP 245).
#[derive(Parser)]
#[command(name = "modpod", version, about)]
struct Cli {
    /// Settings from a TOML file, named like the long flags (see config.rs);
    /// the command line and the environment win over it.
    #[arg(long, global = true, env = "MODPOD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

/// Where the event log lives: `sqlite:PATH` (or a bare path) or `postgres://...`.
#[derive(clap::Args, Clone)]
pub(crate) struct Db {
    #[arg(long, env = "MODPOD_DB", default_value = "sqlite:modpod.db")]
    pub(crate) db: String,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start the service. On first start, creates the first operator account.
    Serve {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        args: Box<serve::Args>,
    },
    /// Enforce actions on forum software.
    Enforce {
        #[command(subcommand)]
        command: EnforceCmd,
    },
    /// Evidence links of actions (EVIDENCE-1).
    Evidence {
        #[command(subcommand)]
        command: EvidenceCmd,
    },
    /// Check the whole hash chain of the log. Exits non-zero, naming the first
    /// bad event, if any event was altered, removed or reordered.
    Verify {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        audit: audit::AuditArgs,
    },
    /// Check the public transparency log from its public files alone: its
    /// checkpoints are signed and extend each other, and a receipt's event
    /// is on the record.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCmd,
    },
    /// Run a witness: cosign a transparency log's checkpoints, each only if it
    /// extends the last one seen (POST /add-checkpoint, C2SP tlog-witness).
    Witness {
        #[command(flatten)]
        args: audit::WitnessArgs,
    },
    /// Set up fora, people, identities and roles from a TOML or YAML file.
    /// All of it is recorded, or none of it.
    Setup {
        #[command(flatten)]
        db: Db,
        /// The operator to record as the actor (default: the first operator).
        #[arg(long = "as")]
        actor: Option<String>,
        file: PathBuf,
    },
    /// Import what exists (MIGRATE-1): a Mailman's bans and held members,
    /// suspensions imposed under an earlier process, the moderator team's
    /// past actions. All or nothing; what
    /// was imported before is skipped, so a run can be repeated.
    Migrate {
        #[command(subcommand)]
        command: MigrateCmd,
    },
    /// Decide one policy command and record its events, as the person named
    /// by --as acting in the capacity --capacity. A refusal names the
    /// requirement it rests on and records nothing.
    ///
    /// The commands, with their fields, are the variants of `Command` in
    /// crates/policy/src/command.rs (`cargo doc -p modpod-policy` shows them);
    /// the same JSON is what `POST /v1/commands` takes as "command".
    Run {
        #[command(flatten)]
        db: Db,
        /// The person acting, by their id in the log (e.g. tls-chair-1); the
        /// policy checks that they hold the capacity claimed.
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        /// The role the person acts in: participant, administrator,
        /// moderator, area_director, ietf_chair, iesg, iab, llc, llc_board,
        /// ombudsteam or operator.
        #[arg(long)]
        capacity: modpod_policy::model::Capacity,
        /// Record the command as made at this moment (RFC 3339, e.g.
        /// 2026-12-24T00:00:00Z) instead of now: for tests, imports and runs
        /// scheduled ahead of time. It cannot be before the log's last event
        /// (time in the log never runs backwards); such a time is refused.
        #[arg(long, value_name = "TIME")]
        at: Option<jiff::Timestamp>,
        /// The command as JSON, e.g. '{"command":"take_action",...}', or - to
        /// read it from standard input.
        #[arg(value_name = "COMMAND")]
        command: String,
    },
    /// Bring modpod in step with a registry of groups (FORUM-5).
    Sync {
        #[command(subcommand)]
        command: SyncCmd,
    },
    /// Write the log as JSON lines (to standard output, or a file).
    Export {
        #[command(flatten)]
        db: Db,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Read a log exported as JSON lines into an empty log, checking its chain.
    Import {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
    },
    /// Copy a SQLite log (with its ledgers, accounts and snapshots) while
    /// modpod runs, consistently, and verify the copy. For a PostgreSQL log,
    /// says how with pg_dump.
    Backup {
        #[command(flatten)]
        db: Db,
        /// The file to write; it must not exist.
        file: PathBuf,
    },
    /// Put a backup made by `modpod backup` back, where no log is, after
    /// verifying it.
    Restore {
        #[command(flatten)]
        db: Db,
        /// The backup.
        file: PathBuf,
    },
    /// Write a snapshot of the state, so the next start-up replays less.
    Snapshot {
        #[command(flatten)]
        db: Db,
    },
    /// Login accounts (kept beside the log, never in it).
    Account {
        #[command(subcommand)]
        command: tokens::AccountCmd,
    },
    /// API tokens for forum software and scripts.
    Token {
        #[command(subcommand)]
        command: tokens::TokenCmd,
    },
}

#[derive(Subcommand)]
enum EvidenceCmd {
    /// Fetch again every evidence link modpod fetched before (or those of one
    /// action) and record whether it is unchanged, changed or gone; links
    /// never fetched are fetched for the first time. Only hashes and sizes
    /// are kept, never content. Exits 2 when a link changed or is gone.
    Check {
        #[command(flatten)]
        db: Db,
        /// Only the links of this action, by its number.
        #[arg(long)]
        action: Option<u64>,
    },
}

#[derive(Subcommand)]
enum MigrateCmd {
    /// The bans and held members of every list a mailing-list forum names,
    /// as imported restrictions on that forum, enforced from then on as
    /// modpod's own (the ledger holds them as applied). Ban patterns that
    /// name no one address, and members whose posts are rejected or
    /// discarded, are reported and left in Mailman.
    Mailman {
        #[command(flatten)]
        db: Db,
        /// The operator to record as the actor (default: the first operator).
        #[arg(long = "as")]
        actor: Option<String>,
        #[command(flatten)]
        mailman: Box<modpod_mailman::Settings>,
        /// Print what would be imported; record nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Suspensions imposed under an earlier process (RFC 3683
    /// posting-rights actions and the like, REINST-5), from a TOML file
    /// (`[[action]]` tables) or a CSV file with the columns person, name,
    /// addresses, fora, imposed_at, process, reference (addresses and fora
    /// separated by spaces).
    Legacy {
        #[command(flatten)]
        db: Db,
        /// The operator to record as the actor (default: the first operator).
        #[arg(long = "as")]
        actor: Option<String>,
        file: PathBuf,
        /// Print what would be imported; record nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The moderator team's actions from before modpod, so that its yearly
    /// statistics (STATS-1) cover those years: history only, restricting
    /// and telling no one. From a TOML file (`[[action]]` tables) or a CSV
    /// file with the columns date, level, forum or forum_name, person or
    /// count, spam, rescinded, reference and, optionally, key. A level is
    /// one of the ladder in force, or empty for none; forum a forum modpod
    /// knows, forum_name one from before modpod that it does not; person
    /// someone modpod knows, count how many people, not named.
    TeamActions {
        #[command(flatten)]
        db: Db,
        /// The operator to record as the actor (default: the first operator).
        #[arg(long = "as")]
        actor: Option<String>,
        file: PathBuf,
        /// Print what would be imported; record nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum SyncCmd {
    /// Working groups, their lists, chairs, delegates and ADs from the IETF
    /// Datatracker's public API: what changed there is recorded (as system,
    /// on behalf of an operator); what was set by hand and disagrees is
    /// reported as a conflict and left as it is; rows that cannot be used are
    /// reported with their URIs and skipped.
    Datatracker {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        args: sync::Args,
    },
}

#[derive(Subcommand)]
enum EnforceCmd {
    /// Bring the forum software modpod drives (Mailman lists, ...) in line
    /// with the actions in force, once: ban suspended people, hold the posts
    /// of people under review and approval, and undo what modpod applied for
    /// actions that ended. Prints each change and any drift; exits 1 when
    /// forum software cannot be reached or refused a change, 2 when drift is
    /// left in place.
    Reconcile {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        software: Box<enforce::EnforceArgs>,
        /// Only the place of this forum (by its id), on each kind of software.
        #[arg(long)]
        forum: Option<String>,
        /// Print the plan only; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MODPOD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("modpod: {e:#}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Cmd::Serve { db, args } => serve::serve(&db.db, *args),
        Cmd::Enforce {
            command:
                EnforceCmd::Reconcile {
                    db,
                    software,
                    forum,
                    dry_run,
                },
        } => enforce::reconcile(&db.db, &software, forum.as_deref(), dry_run),
        Cmd::Evidence {
            command: EvidenceCmd::Check { db, action },
        } => evidence::check(&db.db, action),
        Cmd::Verify { db, audit } => verify::verify(&db.db, &audit),
        Cmd::Audit { command } => audit::audit(command),
        Cmd::Witness { args } => audit::witness(args),
        Cmd::Setup { db, actor, file } => setup::setup(&db.db, actor.as_deref(), &file),
        Cmd::Migrate {
            command:
                MigrateCmd::Mailman {
                    db,
                    actor,
                    mailman,
                    dry_run,
                },
        } => migrate::mailman(&db.db, actor.as_deref(), &mailman, dry_run),
        Cmd::Migrate {
            command:
                MigrateCmd::Legacy {
                    db,
                    actor,
                    file,
                    dry_run,
                },
        } => migrate::legacy(&db.db, actor.as_deref(), &file, dry_run),
        Cmd::Migrate {
            command:
                MigrateCmd::TeamActions {
                    db,
                    actor,
                    file,
                    dry_run,
                },
        } => migrate::team_actions::import(&db.db, actor.as_deref(), &file, dry_run),
        Cmd::Run {
            db,
            actor,
            capacity,
            at,
            command,
        } => run::run(&db.db, &actor, capacity, at, &command),
        Cmd::Export { db, output } => transfer::export(&db.db, output.as_deref()),
        Cmd::Import { db, file } => transfer::import(&db.db, &file),
        Cmd::Snapshot { db } => serve::snapshot(&db.db),
        Cmd::Backup { db, file } => backup::backup(&db.db, &file),
        Cmd::Restore { db, file } => backup::restore(&file, &db.db),
        Cmd::Sync {
            command: SyncCmd::Datatracker { db, args },
        } => sync::datatracker(&db.db, &args),
        Cmd::Account { command } => tokens::account(command),
        Cmd::Token { command } => tokens::token(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("modpod: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the command line, with the settings of `--config FILE` added.
fn parse() -> anyhow::Result<Cli> {
    use clap::{CommandFactory, FromArgMatches};
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let command = Cli::command();
    let matches = command.clone().get_matches_from(argv.clone());
    let Some(path) = matches.get_one::<PathBuf>("config").cloned() else {
        return Ok(Cli::from_arg_matches(&matches)?);
    };
    let argv = config::merge(&command, &matches, &path, argv)?;
    let matches = command.get_matches_from(argv);
    Ok(Cli::from_arg_matches(&matches)?)
}

/// Opens the log and rebuilds the state, showing progress on long replays.
fn open_engine(db: &str) -> anyhow::Result<modpod_server::Engine> {
    let mut engine = open_engine_without_snapshot(db)?;
    if engine.snapshot_due() {
        engine.snapshot()?;
    }
    Ok(engine)
}

/// [`open_engine`] without writing the snapshot a long replay calls for
/// (`modpod serve` writes it once it listens).
fn open_engine_without_snapshot(db: &str) -> anyhow::Result<modpod_server::Engine> {
    let store = modpod_store::open(db)?;
    let bar = progress::counter("replaying events");
    let engine = modpod_server::Engine::open_without_snapshot(store, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    Ok(engine)
}

#[cfg(test)]
mod tests {
    /// Every subcommand's flags are well formed together (clap checks
    /// names, groups and defaults only when a subcommand is parsed, and
    /// only in debug builds).
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
