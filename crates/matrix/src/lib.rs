//! Actions enforced in Matrix rooms on a Synapse homeserver: a small blocking
//! client for what modpod's Matrix adapter does, and nothing more.
//!
//! - in a room: ban and unban ([`Client::ban`], [`Client::unban`],
//!   [`Client::banned`]), mute and unmute by power level ([`Client::mute`],
//!   [`Client::unmute`], [`Client::power_level`]);
//! - on the homeserver (Synapse's admin API, so the token must be an
//!   admin's): suspension ([`Client::set_suspended`], [`Client::suspended`]) and
//!   message rate limit overrides ([`Client::set_rate_limit`],
//!   [`Client::rate_limit`], [`Client::clear_rate_limit`]);
//! - [`Client::whoami`] to check the token at start.
//!
//! Beside it, in `synapse/modpod_synapse.py`, the modpod Synapse module: a
//! Synapse module (Python, nothing beyond Synapse) that asks modpod's
//! decision API before Synapse accepts a local user's message, which is how
//! rate limits hold in a room (see `adapter`, and the README's Matrix
//! section).
//!
//! Rooms are room ids (`!abc:example.org`), users Matrix user ids
//! (`@bob:example.org`). Every call is blocking (ureq), has a time limit, and
//! fails with a [`MatrixError`] naming the operation, its room and user, which
//! tells a transient failure (unreachable, 5xx, 429 with how long to wait) from
//! a refusal (4xx, with the Matrix error code). Setting a state as it already
//! is succeeds.
//!
//! Behaviour of Synapse 1.163 this relies on, checked against a real one (see
//! `tests/real_synapse.rs`):
//! - banning a banned user again is a 200 (a new ban event if the reason
//!   differs); unbanning a user who is not banned is a 403 `M_BAD_STATE`, and
//!   unbanning one who never was in the room writes a `leave` membership for
//!   them: so the membership is read before either;
//! - a banned user's sends are 403 `M_FORBIDDEN` (not in room), their joins
//!   403 `M_BAD_STATE`;
//! - a user below the level of `m.room.message` gets 403 `M_FORBIDDEN` on
//!   sending; the power levels are written whole;
//! - a suspended user gets 403 `M_USER_SUSPENDED` on sending and joining;
//! - a rate limit override `(messages_per_second, burst_count)` replaces
//!   `rc_message` for that user; 0 messages per second lifts every rate limit
//!   from them; 429 answers carry both `Retry-After` (seconds, rounded up)
//!   and `retry_after_ms`.

pub mod adapter;
mod client;
mod error;
mod power;
pub mod settings;

pub use adapter::Matrix;

pub use client::Client;
pub use error::MatrixError;
pub use power::PowerLevel;
pub use settings::Settings;
