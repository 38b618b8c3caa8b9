//! `modpod account` and `modpod token`: login accounts, their one-time
//! password reset links and API tokens, kept beside the log. Secrets are
//! printed once and only their hashes are kept.

use crate::Db;
use jiff::Timestamp;
use modpod_server::{accounts, passwords, tokens};
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
    /// Make a one-time link that sets an account's password; prints it once.
    /// The link works for --hours, once; a newer link for the account
    /// replaces it. Using it ends every session of the account's person and
    /// logs nobody in.
    #[command(group(clap::ArgGroup::new("whose").required(true).args(["account", "email"])))]
    ResetLink {
        #[command(flatten)]
        db: Db,
        /// The account, by its name.
        #[arg(long)]
        account: Option<String>,
        /// The account of the person with this email address (linked with
        /// link_identity); a person with several accounts needs --account.
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
        /// How long the link works, in hours (1 to 720).
        #[arg(long, default_value_t = passwords::RESET_HOURS)]
        hours: i64,
        /// modpod's address as browsers reach it, to print the whole link;
        /// without it, the link's path is printed.
        #[arg(long, env = "MODPOD_PUBLIC_URL")]
        public_url: Option<String>,
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
        AccountCmd::ResetLink {
            db,
            account,
            email,
            hours,
            public_url,
        } => {
            let account = match (account, email) {
                (Some(account), _) => account,
                (None, Some(email)) => {
                    let mut engine = crate::open_engine(&db.db)?;
                    let state = engine.state().clone();
                    passwords::account_of_email(&state, engine.store(), &email)?
                }
                (None, None) => {
                    anyhow::bail!("name the account: --account NAME or --email ADDRESS")
                }
            };
            let mut store = modpod_store::open(&db.db)?;
            let link = passwords::create_reset(store.as_mut(), &account, hours, Timestamp::now())?;
            println!("{}", link.url(public_url.as_deref()));
            eprintln!(
                "a link that sets the password of the account {account:?}, once, until {}; \
                 shown only now: modpod keeps only its hash",
                link.expires.strftime("%Y-%m-%d %H:%M:%S UTC")
            );
            if link.replaced > 0 {
                eprintln!(
                    "the account's {} older link(s) not used yet no longer work",
                    link.replaced
                );
            }
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
