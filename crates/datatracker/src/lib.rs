//! # modpod-datatracker
//!
//! The registry of groups (FORUM-5): working groups, their lists, chairs,
//! delegates and Area Directors come from the IETF Datatracker and stay in
//! step with it.
//!
//! It has the house's shape, one stage a module:
//! - [`fetch`] reads the Datatracker's public API (Tastypie JSON, paged
//!   through `meta.next`): the groups, their roles, and the people those roles
//!   name. The only I/O here.
//! - [`registry`] parses those records into a [`Registry`], reporting each
//!   bad row with its record's URI and skipping it.
//! - [`provenance`] says, from the log, who last set each fact the sync
//!   keeps: modpod's sync (actor `system`), or somebody by hand.
//! - [`plan`] is the pure mapping: from the registry, modpod's state and the
//!   provenance to the policy commands that bring modpod in step (only what
//!   changed, so a second sync with no change asks for nothing), and the
//!   conflicts: what was set by hand and disagrees with the Datatracker is
//!   reported, never overwritten.
//!
//! Recording the commands (as `system`, on behalf of an operator) is the
//! engine's, in `modpod-server`'s `registry` module; this crate never
//! touches the log.

pub mod fetch;
pub mod plan;
pub mod provenance;
pub mod registry;

pub use fetch::{Client, FetchError};
pub use plan::{Conflict, Plan, plan};
pub use provenance::Provenance;
pub use registry::{Registry, Skipped};
