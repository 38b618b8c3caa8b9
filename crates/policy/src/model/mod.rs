//! The domain model: the things the policy speaks of, as plain data. Nothing here
//! decides anything; `crate::decide` does, and `crate::state` holds these records.

mod action;
mod alert;
mod appeal;
mod evidence;
mod forum;
mod history;
mod llc;
mod message;
mod notify;
mod person;
mod procedures;
mod reinstatement;
mod report;
mod role;
mod team;
mod template;

pub use action::*;
pub use alert::*;
pub use appeal::*;
pub use evidence::*;
pub use forum::*;
pub use history::*;
pub use llc::*;
pub use message::*;
pub use notify::*;
pub use person::*;
pub use procedures::*;
pub use reinstatement::*;
pub use report::*;
pub use role::*;
pub use team::*;
pub use template::*;
