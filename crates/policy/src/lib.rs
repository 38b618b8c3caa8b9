//! # modpod-policy
//!
//! The moderation policy of the IETF's community moderation BCP (RFC 9945),
//! as pure code. Everything that *decides* lives here; nothing here reads a
//! clock, touches a socket or a database, or logs.
//!
//! ## Layout
//! - [`model`]: the things the policy speaks of (people, fora, reports, actions, ...).
//! - [`command`]: what people ask for; [`event`]: what gets recorded.
//! - [`decide()`]: `(state, actor, command, now) -> events | refusal`, one file
//!   per part of the policy under `decide/`.
//! - [`state`]: the projection of the event log, and the questions the policy
//!   asks of it; [`open`]: its index of the open reports by deadline;
//!   [`views`]: what each person may see of it.
//! - [`refusal`]: typed refusals, each naming the [`Requirement`] it enforces
//!   (e.g. `Requirement::Act4`, "ACT-4"); [`requirement`] lists them all.
//! - [`time`]: calendar arithmetic ("one year after").
//! - [`transparency`]: the aggregate public report, with no personal data.
//!
//! `grep -rn ACT-4` finds the rule, its refusal and its tests.

pub mod command;
pub mod decide;
pub mod event;
pub mod ids;
pub mod index;
pub mod model;
pub mod open;
pub mod refusal;
pub mod requirement;
pub mod schedule;
pub mod settings;
pub mod state;
pub mod time;
pub mod transparency;
pub mod views;

pub use command::{Actor, AppealTarget, Command, SubjectRef};
pub use decide::{Decision, Kind, Target, decide, delegable_fora, fora_open_to_action, permits};
pub use event::Event;
pub use refusal::{Refusal, Warning};
pub use requirement::Requirement;
pub use settings::Settings;
pub use state::State;
