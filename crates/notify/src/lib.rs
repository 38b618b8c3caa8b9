//! # modpod-notify
//!
//! Delivers the notifications the policy owes (NOTIFY-*) by email, and never
//! loses one. The policy decides who must be told what: each
//! `NotificationOwed` event in the log, appended in the same transaction as
//! the events that owe it, is the queue. This crate turns each into email
//! messages, sends them, and records in the store's delivery ledger what was
//! sent, to whom, when, and whether it was accepted (NOTIFY-6). It decides
//! nothing and never writes to the log.
//!
//! ## Layout
//! - [`address`]: who a recipient is by email, from the state and the
//!   addresses an installation configures for groups.
//! - [`context`]: what a notification's text may show its recipient
//!   (REPORT-5, PRIV-1).
//! - [`templates`]: one minijinja template per notification template name,
//!   built in and replaceable by a directory of a deployment's own.
//! - [`compose`]: an owed notification becomes deliveries, one per address.
//! - [`mailer`]: one message over SMTP (lettre), and how it went.
//! - [`worker`]: the loop that composes, sends, retries with backoff, and
//!   holds a lease so that one node of several sends.

pub mod address;
pub mod compose;
pub mod context;
pub mod mailer;
pub mod sample;
pub mod templates;
pub mod worker;

pub use address::{Directory, Group};
pub use compose::Composer;
pub use templates::{Rendered, Templates};
pub use worker::{Backoff, Config, LEASE, Mail, Receipts, StateSource, Waker, Worker};

/// What stops notifications from being set up. Each is found at start-up,
/// before anything is sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("cannot use the mail address {entry:?}: {reason}")]
    BadAddress { entry: String, reason: String },
    #[error("cannot use the SMTP server address: {0}")]
    BadSmtpUrl(String),
    #[error("cannot read the mail templates in {dir}: {reason}")]
    Templates { dir: String, reason: String },
    #[error("the mail template {name} is not valid: {reason}")]
    BadTemplate { name: String, reason: String },
}
