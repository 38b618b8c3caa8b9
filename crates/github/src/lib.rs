//! # modpod-github
//!
//! The GitHub side of enforcement: modpod's GitHub adapter ([`GitHub`], see
//! [`adapter`]), which blocks suspended people in GitHub organisations, and
//! a blocking client for the few REST API calls it makes.
//!
//! - Organisation blocks: [`Client::blocked`], [`Client::block`],
//!   [`Client::unblock`] (idempotent from the caller's view).
//! - Repository interaction limits: [`Client::interaction_limit`],
//!   [`Client::set_interaction_limit`], [`Client::remove_interaction_limit`].
//! - [`Client::check`]: a clear error at start-up if GitHub is unreachable or
//!   refuses the token.
//!
//! Every failure is a [`GitHubError`]; [`GitHubError::is_transient`] tells a
//! failure worth retrying later (unreachable, timeout, 5xx, rate limits, with
//! GitHub's `retry-after` and `x-ratelimit-reset`) from a refusal (4xx, with
//! GitHub's `message`).
//!
//! The contract is GitHub's own OpenAPI description (npm `@octokit/openapi`):
//! `tests/prism.rs` sends every request to Prism serving it, which rejects
//! any request the description does not allow.

pub mod adapter;
pub mod client;
pub mod error;
pub mod settings;

pub use adapter::GitHub;
pub use client::{API_VERSION, Client, Expiry, InteractionGroup, Limit, RateLimit};
pub use error::GitHubError;
pub use settings::Settings;
