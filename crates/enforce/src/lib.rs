//! # modpod-enforce
//!
//! The enforcement hot path: may this person post in this forum now? It reads
//! an in-memory index kept current from the event log and never waits on a
//! database. It owns the decision index and the edge protocols that ask it
//! (today the Postfix policy delegation protocol); it never decides policy
//! (that is `modpod-policy`'s job) and never writes to the log: what it
//! notices for the log is passed on as commands.
//!
//! ## Layout
//! - [`index`]: the decision index, built from a `State` and kept current by
//!   applying events; [`Index::decide`] answers with a [`Verdict`].
//! - [`postfix`]: the Postfix SMTP access policy delegation protocol: an
//!   incremental, bounded request decoder and a response encoder.
//! - [`limiter`]: counts posts of rate-limited senders, per person and forum.
//! - [`server`]: the Postfix policy server, answering requests from the index.
//! - [`watch`]: what allowed posts show that modpod records (CIRCUMVENT-1,
//!   REPORT-6), passed on as commands, never recorded here.

pub mod index;
pub mod limiter;
pub mod postfix;
pub mod server;
pub mod watch;

pub use index::{Applying, Index, Restrains, Source, Verdict, llc_in_force};
pub use server::{Outcome, Policy, PolicyConfig, Unavailable, serve_policy};
