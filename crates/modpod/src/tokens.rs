//! `modpod account` and `modpod token`: login accounts and API tokens, kept
//! beside the log. Secrets are printed once and only their hashes are kept.

use crate::Db;
use jiff::Timestamp;
use modpod_server::{accounts, tokens};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum AccountCmd {
    /// Create a login account for a person; prints its password once.
    Create {
        #[command(flatten)]
        db: Db,
        /// The person the account acts for (default: the account's name).
        #[arg(long)]
        person: Option<String>,
        name: String,
    },
}

#[derive(clap::Subcommand)]
pub enum TokenCmd {
    /// Make an API token acting for an account; prints it once.
    Create {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        account: String,
        /// `decide` (forum software: may only ask for decisions) or `act`
        /// (scripts: may also record commands as the account's person).
        #[arg(long, default_value = "decide")]
        scope: tokens::Scope,
    },
    /// Revoke a token by its id (the part after `mpt_`, before the next `_`),
    /// or by the whole token.
    Revoke {
        #[command(flatten)]
        db: Db,
        token: String,
    },
}

pub fn account(command: AccountCmd) -> anyhow::Result<ExitCode> {
    match command {
        AccountCmd::Create { db, person, name } => {
            let mut store = modpod_store::open(&db.db)?;
            let password = accounts::random_password();
            let person = person.unwrap_or_else(|| name.clone());
            accounts::create(store.as_mut(), &name, &person, &password)?;
            println!("created the account {name:?} for the person {person:?}");
            println!("  password: {password}");
            println!("  (shown only now: modpod keeps only its argon2 hash)");
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn token(command: TokenCmd) -> anyhow::Result<ExitCode> {
    match command {
        TokenCmd::Create { db, account, scope } => {
            let mut store = modpod_store::open(&db.db)?;
            let token = tokens::create(store.as_mut(), &account, scope, Timestamp::now())?;
            println!("{token}");
            eprintln!(
                "a {scope} token for the account {account:?}; shown only now: modpod keeps only its hash"
            );
            Ok(ExitCode::SUCCESS)
        }
        TokenCmd::Revoke { db, token } => {
            let mut store = modpod_store::open(&db.db)?;
            let id = tokens::id_of(&token).unwrap_or(&token);
            if store.revoke_token(id, Timestamp::now().as_microsecond())? {
                println!("revoked the token {id}");
                Ok(ExitCode::SUCCESS)
            } else {
                anyhow::bail!("there is no live token with the id {id:?}")
            }
        }
    }
}
