//! # modpod-server
//!
//! Everything that runs: the [`engine`] that joins the policy core to the event
//! log (decide → record → apply), the [`http`] service, and the [`web`] pages
//! it serves to people. This crate owns the side effects; the policy core owns
//! the decisions and never sees this crate.

pub mod accounts;
pub mod cases;
pub mod commit;
pub mod enforcement;
pub mod engine;
pub mod evidence;
pub mod http;
pub mod json;
pub mod kept;
pub mod noticed;
pub mod oidc;
pub mod passwords;
pub mod readers;
pub mod registry;
pub mod scheduler;
pub mod tokens;
pub mod turns;
pub mod web;

pub use engine::{Engine, EngineError, Recorded, View, Views};
