//! # modpod-mailman
//!
//! Makes actions real on GNU Mailman 3 lists (ACT-8): a suspended person's
//! email addresses are banned from the lists the suspension names (and the
//! subject's of an IETF LLC emergency action in force, LLC-1), and a
//! person under review and approval gets the moderation action `hold`
//! there (on a nonmember record when they are not subscribed), for exactly
//! as long as the action applies.
//!
//! It owns the Mailman REST client, the planner and the worker; it decides
//! no policy (what applies comes from `modpod-enforce`'s index) and never
//! writes to the log. What it applied is kept in the store's ledger
//! (`EventStore::enforced`), so that it undoes only its own changes and
//! notices when an administrator removed one by hand (drift).
//!
//! Architecture invariant: **the log is the queue and the ledger follows
//! Mailman.** What is wanted on a list is a pure function of the state and
//! the clock (`modpod_adapter::Wanted::at`); the ledger marks a change
//! before Mailman is asked and records it once Mailman confirmed it. So a pass may stop anywhere (crash, Mailman down)
//! and the next one finishes the job; a second pass changes nothing.
//!
//! ## Layout
//! - [`adapter`]: Mailman as the adapter contract (`modpod_adapter`) sees
//!   it; planning, reconciling, the ledger, drift and the worker are the
//!   contract's, shared with every kind of forum software.
//! - [`wanted`]: which list a forum is, and which lists an event touches.
//! - [`client`]: the Mailman REST client (blocking, with time limits).

pub mod adapter;
pub mod client;
pub mod settings;
pub mod wanted;

pub use adapter::{BAN, HOLD, Mailman, TARGET};
pub use client::{Client, MailmanError, Record};
pub use settings::Settings;
pub use wanted::{MAILING_LIST, affected_lists, list_id};
