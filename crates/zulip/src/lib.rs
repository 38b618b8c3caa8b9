//! A small blocking client for the part of Zulip's REST API that modpod
//! drives: deactivating and reactivating users, removing a user from a
//! channel and subscribing them again, and stopping one user from posting
//! in one channel; and [`Zulip`], modpod's adapter for Zulip
//! (`modpod_adapter::Adapter`), which enforces suspensions in channels
//! through it (see [`adapter`]: the posting group from Zulip 10.0, removal
//! from a private channel before it).
//!
//! The requests are described, with Zulip's documentation as the source, in
//! `crates/zulip/openapi/zulip.yaml`; `tests/prism.rs` checks every call
//! against that description, served by Prism (Zulip itself cannot run here),
//! and `tests/adapter.rs` the adapter's reconciles through the same Prism.
//!
//! Authentication is HTTP basic auth with a Zulip API email and API key.
//! Parameters travel form-encoded, arrays and objects JSON-encoded inside the
//! form, as Zulip expects. Answers are `{"result": "success" | "error",
//! "msg": ..., "code": ...}`; every failure is a [`ZulipError`] naming the
//! operation, transient ([`ZulipError::is_transient`]: unreachable, time
//! limit, 5xx, 429 with its `Retry-After`) or not (a refusal, with Zulip's
//! `code` and `msg`). No body, however malformed, makes the client panic.
//!
//! # Restricting one user's posting in one channel
//!
//! Zulip has no per-user "muted in this channel" switch, and modpod does not
//! touch roles. From Zulip 10.0 (feature level 333) a channel's posting
//! permission is `can_send_message_group`, a group-setting value: a user
//! group, or the union of some users and groups. Group settings can only add
//! people up, never subtract one, so "everyone but this user" cannot be
//! written against `role:members`. modpod therefore gives the channel a
//! posting group of its own:
//!
//! - [`Client::prepare_posting_group`] (once per channel, when an
//!   administrator enables per-user restrictions for it) creates the user
//!   group `modpod: may post in #<channel>` with the users who should keep
//!   posting, and makes it the channel's `can_send_message_group` (a guarded
//!   update: `{"new": group, "old": previous value}`).
//! - [`Client::restrict_posting`] removes one user from that group,
//!   [`Client::allow_posting`] adds them back, and
//!   [`Client::posting_restricted`] reads the state; all three are
//!   idempotent (they read the members first) and refuse
//!   ([`ZulipError::NotPrepared`]) unless the channel's posting group is a
//!   non-system, active group whose name starts with
//!   [`POSTING_GROUP_PREFIX`], because removing someone from any other group
//!   (a role, or a group used for other permissions) would change more than
//!   their posting in this channel.
//!
//! What this costs, and what the operators must know:
//! - the group lists people: someone who joins the organization later may
//!   post only once added to it (administrators can add subgroups to it, such
//!   as `role:moderators`, in Zulip's UI; a user in such a subgroup is not
//!   stopped by removing them from the direct members);
//! - `GET /user_groups` is documented as "only available to members and
//!   administrators; bots and guests cannot use this endpoint" (Zulip's main
//!   branch opened all user-group endpoints to bots in April 2026, commit
//!   c6d1907, after Zulip 11): until the server runs a release with that
//!   change, modpod needs the API key of a (dedicated) administrator account,
//!   not a bot's, for these calls;
//! - before feature level 333 the only setting is `stream_post_policy`, a role
//!   (anyone, full members, moderators, administrators) for everyone: one
//!   user cannot be stopped from posting in one channel by it, and the calls
//!   above fail with [`ZulipError::Unsupported`]. There modpod removes the
//!   user from the channel ([`Client::unsubscribe`], undone by
//!   [`Client::subscribe`], read with [`Client::subscribers`]), which stops
//!   their posting only in a private channel ([`Channel::removal_stops_posting`]:
//!   anyone but a guest may post in a public channel unsubscribed, and
//!   subscribe to it again), and refuses public channels (see [`adapter`]);
//!   and [`Client::deactivate`] for a suspension from every channel.

pub mod adapter;
mod client;
mod error;
pub mod settings;
mod wire;

pub use adapter::Zulip;

pub use client::{
    CAN_SEND_MESSAGE_GROUP_LEVEL, CHANNEL_BY_ID_LEVEL, Channel, Client, GroupSetting,
    POSTING_GROUP_PREFIX, PostingChange, PostingPermission, UserGroup, posting_group_name,
    stream_post_policy_words,
};
pub use error::ZulipError;
pub use settings::Settings;
