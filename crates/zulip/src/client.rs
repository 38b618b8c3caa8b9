//! The blocking client: [`Client`].

use crate::ZulipError;
use crate::wire::{self, Answer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::OnceLock;
use std::time::Duration;

/// How long one call may take, connecting and reading the answer included.
const TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The feature level (Zulip 10.0) from which a channel's posting permission
/// is the group-setting `can_send_message_group`; before it, only the
/// role-based `stream_post_policy` exists.
pub const CAN_SEND_MESSAGE_GROUP_LEVEL: u32 = 333;

/// The feature level (Zulip 6.0) from which a channel can be read by its ID
/// (`GET /streams/{stream_id}`), which modpod needs to learn whether a
/// channel is private and who may post in it.
pub const CHANNEL_BY_ID_LEVEL: u32 = 132;

/// How the names of modpod's posting groups start: `modpod: may post in #Denmark`.
pub const POSTING_GROUP_PREFIX: &str = "modpod: may post in #";

/// Zulip's longest user group name.
const GROUP_NAME_MAX: usize = 100;

/// A group-setting value: a user group's ID, or an anonymous group (the
/// union of some users and some groups).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GroupSetting {
    Group(u64),
    Anonymous {
        /// `direct_member_ids` in Zulip 9's documentation.
        #[serde(alias = "direct_member_ids")]
        direct_members: Vec<u64>,
        #[serde(alias = "direct_subgroup_ids")]
        direct_subgroups: Vec<u64>,
    },
}

/// Who may post in a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostingPermission {
    /// `can_send_message_group` (feature level 333 and later).
    Group(GroupSetting),
    /// `stream_post_policy` of older servers: 1 anyone, 2 administrators,
    /// 3 full members, 4 moderators.
    Policy(u8),
}

/// What `stream_post_policy` (servers before feature level 333) lets post,
/// in words: 1 anyone, 2 administrators, 3 full members (not new members),
/// 4 administrators and moderators.
pub fn stream_post_policy_words(policy: u8) -> &'static str {
    match policy {
        1 => "anyone may post",
        2 => "only administrators may post",
        3 => "only full members may post, not new members",
        4 => "only administrators and moderators may post",
        _ => "a value Zulip does not document",
    }
}

/// A channel ("stream" in the API), as far as modpod needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub stream_id: u64,
    pub name: String,
    /// A private ("invite-only") channel. Absent from an answer, a channel
    /// counts as public: modpod then refuses to rely on removal from it.
    pub invite_only: bool,
    /// A web-public channel (public, and readable without an account).
    pub is_web_public: bool,
    pub posting: PostingPermission,
}

impl Channel {
    /// Whether removing a user from the channel stops them posting there:
    /// only in a private channel. Zulip lets anyone but a guest post in a
    /// public channel without being subscribed, and anyone, guests
    /// included, in a web-public one (`access_stream_for_send_message` in
    /// `zerver/lib/streams.py`); and anyone but a guest may subscribe to a
    /// public channel again at will (Zulip's help, "Public channels").
    pub fn removal_stops_posting(&self) -> bool {
        self.invite_only && !self.is_web_public
    }
}

/// A user group, as listed by `GET /user_groups`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserGroup {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The direct members.
    #[serde(default)]
    pub members: Vec<u64>,
    #[serde(default)]
    pub direct_subgroup_ids: Vec<u64>,
    #[serde(default)]
    pub is_system_group: bool,
    #[serde(default)]
    pub deactivated: bool,
}

/// Whether a call changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostingChange {
    Changed,
    /// Already so: nothing was sent.
    Unchanged,
}

/// A blocking client for one Zulip organization, authenticated as one bot
/// (or user) with its Zulip API email and API key (HTTP basic auth).
///
/// Every call has a time limit ([`TIMEOUT`] in all, [`CONNECT_TIMEOUT`] to
/// connect), follows no redirect (a redirect is an error naming its target),
/// and fails with a [`ZulipError`] naming the operation.
pub struct Client {
    agent: ureq::Agent,
    /// The organization's URL, without a trailing slash.
    base: String,
    authorization: String,
    feature_level: OnceLock<u32>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

#[derive(Deserialize)]
struct ServerSettings {
    /// Absent before Zulip 3.0: 0.
    #[serde(default)]
    zulip_feature_level: u32,
}

#[derive(Deserialize)]
struct UserAnswer {
    user: UserFields,
}

#[derive(Deserialize)]
struct UserFields {
    is_active: bool,
}

#[derive(Deserialize)]
struct UserIdAnswer {
    user: UserIdFields,
}

#[derive(Deserialize)]
struct UserIdFields {
    user_id: u64,
}

#[derive(Deserialize)]
struct StreamIdAnswer {
    stream_id: u64,
}

#[derive(Deserialize)]
struct SubscriptionStatus {
    is_subscribed: bool,
}

#[derive(Deserialize)]
struct Unsubscribed {
    #[serde(default)]
    removed: Vec<String>,
}

#[derive(Deserialize)]
struct Subscribed {
    /// Keyed by user ID (Zulip API email before feature level 289): the
    /// names of the channels each user was subscribed to by the request.
    #[serde(default)]
    subscribed: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct SubscribersAnswer {
    subscribers: Vec<u64>,
}

#[derive(Deserialize)]
struct OwnUser {
    user_id: u64,
}

#[derive(Deserialize)]
struct ChannelAnswer {
    stream: ChannelFields,
}

#[derive(Deserialize)]
struct ChannelFields {
    stream_id: u64,
    name: String,
    #[serde(default)]
    invite_only: bool,
    #[serde(default)]
    is_web_public: bool,
    #[serde(default)]
    can_send_message_group: Option<GroupSetting>,
    #[serde(default)]
    stream_post_policy: Option<u8>,
}

#[derive(Deserialize)]
struct GroupsAnswer {
    user_groups: Vec<UserGroup>,
}

#[derive(Deserialize)]
struct CreatedGroup {
    group_id: u64,
}

impl Client {
    /// A client for the organization at `base_url` (such as
    /// `https://chat.example.org`; the paths `/api/v1/...` are appended),
    /// authenticated as `email` with `api_key`.
    pub fn new(base_url: &str, email: &str, api_key: &str) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("modpod-zulip/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: config.into(),
            base: base_url.trim_end_matches('/').to_owned(),
            authorization: wire::basic_auth(email, api_key),
            feature_level: OnceLock::new(),
        }
    }

    /// The organization's URL this client talks to.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The server's feature level (`GET /server_settings`), read once and
    /// then remembered for the life of this client (a server is not
    /// downgraded under a running modpod; after an upgrade, make a new client).
    pub fn feature_level(&self) -> Result<u32, ZulipError> {
        if let Some(level) = self.feature_level.get() {
            return Ok(*level);
        }
        let operation = "read the server's feature level";
        let (status, map) = self.call(operation, Method::Get, "/api/v1/server_settings", None)?;
        let settings: ServerSettings = wire::fields(operation, status, map)?;
        Ok(*self
            .feature_level
            .get_or_init(|| settings.zulip_feature_level))
    }

    /// The ID of the user whose credentials this client uses
    /// (`GET /users/me`): a check that they are accepted.
    pub fn own_user_id(&self) -> Result<u64, ZulipError> {
        let operation = "read modpod's own Zulip account";
        let (status, map) = self.call(operation, Method::Get, "/api/v1/users/me", None)?;
        let answer: OwnUser = wire::fields(operation, status, map)?;
        Ok(answer.user_id)
    }

    /// Whether the user's account is active (not deactivated).
    /// `GET /users/{user_id}`; an unknown user is a refusal.
    pub fn user_active(&self, user_id: u64) -> Result<bool, ZulipError> {
        let operation = format!("read user {user_id}");
        let (status, map) = self.call(
            &operation,
            Method::Get,
            &format!("/api/v1/users/{user_id}"),
            None,
        )?;
        let answer: UserAnswer = wire::fields(&operation, status, map)?;
        Ok(answer.user.is_active)
    }

    /// The ID of the user with this email address (`GET /users/{email}`,
    /// Zulip 4.0, feature level 39), or `None` if Zulip has no such user.
    ///
    /// Zulip compares the address case-insensitively with the users' real
    /// addresses that the requester may see (an administrator sees all but
    /// those whose owners chose to show theirs to nobody) and accepts a
    /// user's fake API email (`user10@...`) too; deactivated users and bots
    /// are found. "No such user" is recognised by Zulip's message (the error
    /// code is the generic `BAD_REQUEST`), which this client asks for in
    /// English (`Accept-Language: en`); any other refusal is an error.
    pub fn user_id_by_email(&self, email: &str) -> Result<Option<u64>, ZulipError> {
        let operation = format!("find the Zulip user with the email {email}");
        let path = format!("/api/v1/users/{}", wire::encode(email));
        match self.call(&operation, Method::Get, &path, None) {
            Ok((status, map)) => {
                let answer: UserIdAnswer = wire::fields(&operation, status, map)?;
                Ok(Some(answer.user.user_id))
            }
            Err(error) if refused_with(&error, &["No such user"]) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The ID of the channel with this name (`GET /get_stream_id`; Zulip
    /// compares names case-insensitively), or `None` if there is no such
    /// channel, or it is a private one the requester cannot see the
    /// content of (Zulip answers both alike). Recognised, like
    /// [`Client::user_id_by_email`], by Zulip's English message.
    pub fn stream_id(&self, name: &str) -> Result<Option<u64>, ZulipError> {
        let operation = format!("find the channel #{name}");
        let path = format!("/api/v1/get_stream_id?stream={}", wire::encode(name));
        match self.call(&operation, Method::Get, &path, None) {
            Ok((status, map)) => {
                let answer: StreamIdAnswer = wire::fields(&operation, status, map)?;
                Ok(Some(answer.stream_id))
            }
            // "Invalid stream name" before Zulip 9.0.
            Err(error)
                if refused_with(&error, &["Invalid channel name", "Invalid stream name"]) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// Deactivates the user (`DELETE /users/{user_id}`), without sending
    /// them a notification email. Needs an administrator.
    pub fn deactivate(&self, user_id: u64) -> Result<(), ZulipError> {
        let operation = format!("deactivate user {user_id}");
        self.call(
            &operation,
            Method::Delete,
            &format!("/api/v1/users/{user_id}"),
            None,
        )
        .map(drop)
    }

    /// Reactivates the user (`POST /users/{user_id}/reactivate`). Needs an
    /// administrator.
    pub fn reactivate(&self, user_id: u64) -> Result<(), ZulipError> {
        let operation = format!("reactivate user {user_id}");
        let path = format!("/api/v1/users/{user_id}/reactivate");
        self.call(&operation, Method::Post, &path, None).map(drop)
    }

    /// Whether the user is subscribed to the channel
    /// (`GET /users/{user_id}/subscriptions/{stream_id}`).
    pub fn subscribed(&self, user_id: u64, stream_id: u64) -> Result<bool, ZulipError> {
        let operation = format!("read whether user {user_id} is subscribed to channel {stream_id}");
        let path = format!("/api/v1/users/{user_id}/subscriptions/{stream_id}");
        let (status, map) = self.call(&operation, Method::Get, &path, None)?;
        let answer: SubscriptionStatus = wire::fields(&operation, status, map)?;
        Ok(answer.is_subscribed)
    }

    /// Removes the user from the channel named `stream_name`
    /// (`DELETE /users/me/subscriptions` with `principals`). Whether they were
    /// subscribed: `false` if there was nothing to remove. Needs an
    /// administrator (or the channel's `can_remove_subscribers_group`). In a
    /// public channel the user can subscribe again: this is removal, not a ban.
    pub fn unsubscribe(&self, stream_name: &str, user_id: u64) -> Result<bool, ZulipError> {
        let operation = format!("unsubscribe user {user_id} from #{stream_name}");
        let body = wire::form(&[
            ("subscriptions", json(&[stream_name])),
            ("principals", json(&[user_id])),
        ]);
        let (status, map) = self.call(
            &operation,
            Method::Delete,
            "/api/v1/users/me/subscriptions",
            Some(body),
        )?;
        let answer: Unsubscribed = wire::fields(&operation, status, map)?;
        Ok(!answer.removed.is_empty())
    }

    /// Subscribes the user to the channel named `stream_name`
    /// (`POST /users/me/subscriptions` with `principals`). Whether they were
    /// subscribed by it: `false` if they already were.
    ///
    /// Zulip creates a channel of that name if there is none (a public one,
    /// since this call asks for nothing else), so callers pass the name
    /// Zulip has just given for the channel's ID. Before feature level 349
    /// only a subscriber may add someone to a private channel, so modpod's
    /// account must be subscribed to it; Zulip refuses with "Unable to
    /// access channel" otherwise.
    pub fn subscribe(&self, stream_name: &str, user_id: u64) -> Result<bool, ZulipError> {
        let operation = format!("subscribe user {user_id} to #{stream_name}");
        let body = wire::form(&[
            (
                "subscriptions",
                json(&[serde_json::json!({ "name": stream_name })]),
            ),
            ("principals", json(&[user_id])),
        ]);
        let (status, map) = self.call(
            &operation,
            Method::Post,
            "/api/v1/users/me/subscriptions",
            Some(body),
        )?;
        let answer: Subscribed = wire::fields(&operation, status, map)?;
        Ok(answer.subscribed.values().any(|names| !names.is_empty()))
    }

    /// The IDs of the active users subscribed to the channel
    /// (`GET /streams/{stream_id}/members`; administrators may read it for
    /// private channels they are not subscribed to).
    pub fn subscribers(&self, stream_id: u64) -> Result<Vec<u64>, ZulipError> {
        let operation = format!("read the subscribers of channel {stream_id}");
        let path = format!("/api/v1/streams/{stream_id}/members");
        let (status, map) = self.call(&operation, Method::Get, &path, None)?;
        let answer: SubscribersAnswer = wire::fields(&operation, status, map)?;
        Ok(answer.subscribers)
    }

    /// The channel with this ID (`GET /streams/{stream_id}`, Zulip 6.0 and
    /// later), with who may post in it.
    pub fn channel(&self, stream_id: u64) -> Result<Channel, ZulipError> {
        let operation = format!("read channel {stream_id}");
        let (status, map) = self.call(
            &operation,
            Method::Get,
            &format!("/api/v1/streams/{stream_id}"),
            None,
        )?;
        let answer: ChannelAnswer = wire::fields(&operation, status, map)?;
        let fields = answer.stream;
        let posting = match (fields.can_send_message_group, fields.stream_post_policy) {
            (Some(setting), _) => PostingPermission::Group(setting),
            (None, Some(policy)) => PostingPermission::Policy(policy),
            (None, None) => {
                return Err(ZulipError::BadResponse {
                    operation,
                    status,
                    detail: "the channel has neither can_send_message_group nor stream_post_policy"
                        .to_owned(),
                });
            }
        };
        Ok(Channel {
            stream_id: fields.stream_id,
            name: fields.name,
            invite_only: fields.invite_only,
            is_web_public: fields.is_web_public,
            posting,
        })
    }

    /// Every user group of the organization, system groups included
    /// (`GET /user_groups`).
    pub fn user_groups(&self) -> Result<Vec<UserGroup>, ZulipError> {
        let operation = "read the user groups";
        let (status, map) = self.call(operation, Method::Get, "/api/v1/user_groups", None)?;
        let answer: GroupsAnswer = wire::fields(operation, status, map)?;
        Ok(answer.user_groups)
    }

    /// Creates a user group and returns its ID (`POST /user_groups/create`;
    /// the ID is answered from feature level 317 on).
    pub fn create_user_group(
        &self,
        name: &str,
        description: &str,
        members: &[u64],
    ) -> Result<u64, ZulipError> {
        let operation = format!("create the user group {name:?}");
        let body = wire::form(&[
            ("name", name.to_owned()),
            ("description", description.to_owned()),
            ("members", json(members)),
        ]);
        let (status, map) = self.call(
            &operation,
            Method::Post,
            "/api/v1/user_groups/create",
            Some(body),
        )?;
        let answer: CreatedGroup = wire::fields(&operation, status, map)?;
        Ok(answer.group_id)
    }

    /// Adds and removes direct members of a user group
    /// (`POST /user_groups/{user_group_id}/members`). Zulip refuses to add a
    /// member or remove a non-member; see [`Client::restrict_posting`] for the
    /// idempotent use.
    pub fn update_user_group_members(
        &self,
        group_id: u64,
        add: &[u64],
        delete: &[u64],
    ) -> Result<(), ZulipError> {
        let operation = format!("change the members of user group {group_id}");
        let mut fields = Vec::new();
        if !add.is_empty() {
            fields.push(("add", json(add)));
        }
        if !delete.is_empty() {
            fields.push(("delete", json(delete)));
        }
        let path = format!("/api/v1/user_groups/{group_id}/members");
        self.call(&operation, Method::Post, &path, Some(wire::form(&fields)))
            .map(drop)
    }

    /// Sets who may post in the channel (`PATCH /streams/{stream_id}` with
    /// `can_send_message_group`, feature level 333). With `old`, Zulip
    /// refuses the change if the setting is no longer `old`, so that a change
    /// made meanwhile by someone else is not overwritten.
    pub fn set_posting_group(
        &self,
        stream_id: u64,
        new: &GroupSetting,
        old: Option<&GroupSetting>,
    ) -> Result<(), ZulipError> {
        let operation = format!("set who may post in channel {stream_id}");
        let mut update = Map::new();
        update.insert("new".to_owned(), to_value(new));
        if let Some(old) = old {
            update.insert("old".to_owned(), to_value(old));
        }
        let body = wire::form(&[("can_send_message_group", Value::Object(update).to_string())]);
        let path = format!("/api/v1/streams/{stream_id}");
        self.call(&operation, Method::Patch, &path, Some(body))
            .map(drop)
    }

    /// Makes the channel's posting permission a modpod group, so that
    /// [`Client::restrict_posting`] can then act on one user: creates the group
    /// `modpod: may post in #<channel>` with `members` (the users who keep
    /// posting: typically the channel's subscribers or everyone the previous
    /// setting allowed) and sets it as the channel's `can_send_message_group`,
    /// guarded by the previous value. Returns the group's ID. Nothing is
    /// changed if the channel already uses a modpod group; a group of that
    /// name left by an interrupted earlier call is reused as it is.
    pub fn prepare_posting_group(
        &self,
        stream_id: u64,
        members: &[u64],
    ) -> Result<u64, ZulipError> {
        let operation = format!("prepare channel {stream_id} for per-user posting restrictions");
        let (channel, setting) = self.posting_setting(&operation, stream_id)?;
        let groups = self.user_groups()?;
        if let Ok(group) = modpod_group(stream_id, &setting, &groups) {
            return Ok(group.id);
        }
        let name = posting_group_name(&channel.name);
        let existing = groups
            .iter()
            .find(|g| g.name == name && !g.is_system_group && !g.deactivated);
        let id = match existing {
            Some(group) => group.id,
            None => {
                let description = format!(
                    "May post in channel {stream_id} (#{}). Managed by modpod, which removes \
                     users suspended from posting there; use this group for nothing else.",
                    channel.name
                );
                self.create_user_group(&name, &description, members)?
            }
        };
        self.set_posting_group(stream_id, &GroupSetting::Group(id), Some(&setting))?;
        Ok(id)
    }

    /// Stops one user from posting in one channel: removes them from the
    /// channel's modpod group (see the crate documentation). `Unchanged` if
    /// they were not in it. Fails with [`ZulipError::Unsupported`] below
    /// feature level 333 and [`ZulipError::NotPrepared`] if the channel's
    /// posting permission is not a modpod group.
    pub fn restrict_posting(
        &self,
        stream_id: u64,
        user_id: u64,
    ) -> Result<PostingChange, ZulipError> {
        let operation = format!("stop user {user_id} from posting in channel {stream_id}");
        let group = self.prepared_group(&operation, stream_id)?;
        if !group.members.contains(&user_id) {
            return Ok(PostingChange::Unchanged);
        }
        self.update_user_group_members(group.id, &[], &[user_id])?;
        Ok(PostingChange::Changed)
    }

    /// Lets the user post in the channel again: adds them back to the
    /// channel's modpod group. `Unchanged` if they were in it.
    pub fn allow_posting(&self, stream_id: u64, user_id: u64) -> Result<PostingChange, ZulipError> {
        let operation = format!("let user {user_id} post in channel {stream_id}");
        let group = self.prepared_group(&operation, stream_id)?;
        if group.members.contains(&user_id) {
            return Ok(PostingChange::Unchanged);
        }
        self.update_user_group_members(group.id, &[user_id], &[])?;
        Ok(PostingChange::Changed)
    }

    /// Whether the user is kept from posting in the channel by modpod: not a
    /// direct member of the channel's modpod group.
    pub fn posting_restricted(&self, stream_id: u64, user_id: u64) -> Result<bool, ZulipError> {
        let operation = format!("read whether user {user_id} may post in channel {stream_id}");
        let group = self.prepared_group(&operation, stream_id)?;
        Ok(!group.members.contains(&user_id))
    }

    /// The channel's modpod group, whose direct members may post there (what
    /// [`Client::posting_restricted`] reads, for several users at once: a
    /// user is restricted when not among its `members`). Fails like
    /// [`Client::restrict_posting`] when the channel has none.
    pub fn posting_group(&self, stream_id: u64) -> Result<UserGroup, ZulipError> {
        let operation = format!("read who may post in channel {stream_id}");
        self.prepared_group(&operation, stream_id)
    }

    /// The channel's modpod group, or why there is none.
    fn prepared_group(&self, operation: &str, stream_id: u64) -> Result<UserGroup, ZulipError> {
        let (_, setting) = self.posting_setting(operation, stream_id)?;
        let groups = self.user_groups()?;
        match modpod_group(stream_id, &setting, &groups) {
            Ok(group) => Ok(group.clone()),
            Err(detail) => Err(ZulipError::NotPrepared {
                operation: operation.to_owned(),
                detail,
            }),
        }
    }

    /// The channel and its `can_send_message_group`, or why the server has none.
    fn posting_setting(
        &self,
        operation: &str,
        stream_id: u64,
    ) -> Result<(Channel, GroupSetting), ZulipError> {
        let level = self.feature_level()?;
        if level < CAN_SEND_MESSAGE_GROUP_LEVEL {
            return Err(ZulipError::Unsupported {
                operation: operation.to_owned(),
                detail: format!(
                    "the server is at feature level {level}: before {CAN_SEND_MESSAGE_GROUP_LEVEL} \
                     (Zulip 10.0) who may post in a channel is only stream_post_policy, a role \
                     (anyone, full members, moderators, administrators), so one user cannot be \
                     stopped from posting in one channel without changing their role"
                ),
            });
        }
        let channel = self.channel(stream_id)?;
        match &channel.posting {
            PostingPermission::Group(setting) => {
                let setting = setting.clone();
                Ok((channel, setting))
            }
            PostingPermission::Policy(_) => Err(ZulipError::Unsupported {
                operation: operation.to_owned(),
                detail: format!(
                    "channel {stream_id} has no can_send_message_group, only stream_post_policy"
                ),
            }),
        }
    }

    fn call(
        &self,
        operation: &str,
        method: Method,
        path: &str,
        form: Option<String>,
    ) -> Result<(u16, Map<String, Value>), ZulipError> {
        let url = format!("{}{path}", self.base);
        let auth = ("Authorization", self.authorization.as_str());
        // Zulip translates `msg`; the few answers recognised by their words
        // (no such user, no such channel) are asked for in English.
        let english = ("Accept-Language", "en");
        const FORM: &str = "application/x-www-form-urlencoded";
        let result = match (method, form) {
            (Method::Get, _) => self
                .agent
                .get(&url)
                .header(auth.0, auth.1)
                .header(english.0, english.1)
                .call(),
            (Method::Delete, None) => self
                .agent
                .delete(&url)
                .header(auth.0, auth.1)
                .header(english.0, english.1)
                .call(),
            (Method::Delete, Some(body)) => self
                .agent
                .delete(&url)
                .header(auth.0, auth.1)
                .header(english.0, english.1)
                .force_send_body()
                .content_type(FORM)
                .send(body.as_bytes()),
            (Method::Post, None) => self
                .agent
                .post(&url)
                .header(auth.0, auth.1)
                .header(english.0, english.1)
                .send_empty(),
            (Method::Post, Some(body)) => self
                .agent
                .post(&url)
                .header(auth.0, auth.1)
                .header(english.0, english.1)
                .content_type(FORM)
                .send(body.as_bytes()),
            (Method::Patch, body) => self
                .agent
                .patch(&url)
                .header(auth.0, auth.1)
                .header(english.0, english.1)
                .content_type(FORM)
                .send(body.unwrap_or_default().as_bytes()),
        };
        let mut response = result.map_err(|e| transport(operation, e))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = response.status().as_u16();
        let retry_after = header("retry-after");
        let location = header("location");
        let body = match response
            .body_mut()
            .with_config()
            .limit(wire::BODY_LIMIT)
            .read_to_vec()
        {
            Ok(body) => body,
            Err(ureq::Error::BodyExceedsLimit(limit)) => {
                return Err(ZulipError::BadResponse {
                    operation: operation.to_owned(),
                    status,
                    detail: format!("the answer is larger than {limit} bytes"),
                });
            }
            Err(e) => return Err(transport(operation, e)),
        };
        let answer = Answer {
            status,
            retry_after,
            location,
            body,
        };
        wire::interpret(operation, &answer).map(|map| (status, map))
    }
}

/// The name of the modpod group of a channel, within Zulip's limit.
pub fn posting_group_name(channel_name: &str) -> String {
    format!("{POSTING_GROUP_PREFIX}{channel_name}")
        .chars()
        .take(GROUP_NAME_MAX)
        .collect()
}

/// The modpod group that is the posting permission `setting` of channel
/// `stream_id`, or why there is none, in words.
pub(crate) fn modpod_group<'a>(
    stream_id: u64,
    setting: &GroupSetting,
    groups: &'a [UserGroup],
) -> Result<&'a UserGroup, String> {
    let not_modpods = "modpod restricts one user's posting only through a group of its own (named \
                       \"modpod: may post in #...\"; see prepare_posting_group)";
    let id = match setting {
        GroupSetting::Group(id) => *id,
        GroupSetting::Anonymous {
            direct_members,
            direct_subgroups,
        } => {
            return Err(format!(
                "posting in channel {stream_id} is granted to {} users and {} groups directly, \
                 not to a group: {not_modpods}",
                direct_members.len(),
                direct_subgroups.len()
            ));
        }
    };
    let Some(group) = groups.iter().find(|g| g.id == id) else {
        return Err(format!(
            "posting in channel {stream_id} is granted to user group {id}, which is not in \
             the organization's list of groups"
        ));
    };
    if group.is_system_group {
        return Err(format!(
            "posting in channel {stream_id} is granted to the system group {:?} (a role): \
             {not_modpods}",
            group.name
        ));
    }
    if !group.name.starts_with(POSTING_GROUP_PREFIX) {
        return Err(format!(
            "posting in channel {stream_id} is granted to the user group {:?}, which is not \
             modpod's: removing someone from it could change more than this channel; {not_modpods}",
            group.name
        ));
    }
    if group.deactivated {
        return Err(format!(
            "the posting group of channel {stream_id}, {:?}, is deactivated",
            group.name
        ));
    }
    Ok(group)
}

/// Whether Zulip refused with HTTP 400 and a message starting with one of
/// `messages` (in English).
fn refused_with(error: &ZulipError, messages: &[&str]) -> bool {
    matches!(error, ZulipError::Refused { status: 400, msg, .. }
        if messages.iter().any(|m| msg.starts_with(m)))
}

/// A JSON text (of ids or names: serializing them cannot fail).
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn to_value(setting: &GroupSetting) -> Value {
    match setting {
        GroupSetting::Group(id) => Value::from(*id),
        GroupSetting::Anonymous {
            direct_members,
            direct_subgroups,
        } => serde_json::json!({
            "direct_members": direct_members,
            "direct_subgroups": direct_subgroups,
        }),
    }
}

/// A failure to get any answer.
fn transport(operation: &str, error: ureq::Error) -> ZulipError {
    let operation = operation.to_owned();
    let detail = error.to_string();
    match error {
        ureq::Error::Timeout(_) => ZulipError::Timeout { operation, detail },
        // The request cannot be made as configured: retrying will not help.
        ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::TlsRequired => ZulipError::Unsupported {
            operation,
            detail: format!("the request cannot be made: {detail}"),
        },
        _ => ZulipError::Unreachable { operation, detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: u64, name: &str, members: &[u64], system: bool) -> UserGroup {
        UserGroup {
            id,
            name: name.to_owned(),
            description: String::new(),
            members: members.to_vec(),
            direct_subgroup_ids: Vec::new(),
            is_system_group: system,
            deactivated: false,
        }
    }

    #[test]
    fn only_a_modpod_group_can_restrict_one_user() {
        let groups = [
            group(12, "role:members", &[10, 11], true),
            group(20, "staff", &[10], false),
            group(31, "modpod: may post in #Denmark", &[10, 12], false),
        ];
        let found = modpod_group(7, &GroupSetting::Group(31), &groups);
        assert_eq!(found.map(|g| g.id), Ok(31));
        for (setting, words) in [
            (GroupSetting::Group(12), "system group \"role:members\""),
            (GroupSetting::Group(20), "not modpod's"),
            (GroupSetting::Group(99), "not in the organization's list"),
            (
                GroupSetting::Anonymous {
                    direct_members: vec![10],
                    direct_subgroups: vec![],
                },
                "directly",
            ),
        ] {
            let why = modpod_group(7, &setting, &groups).err();
            assert!(
                why.as_deref().is_some_and(|w| w.contains(words)),
                "{setting:?}: {why:?}"
            );
        }
        let mut gone = groups.clone();
        gone[2].deactivated = true;
        assert!(modpod_group(7, &GroupSetting::Group(31), &gone).is_err());
    }

    #[test]
    fn group_settings_read_both_forms() {
        let parse = |text: &str| serde_json::from_str::<GroupSetting>(text).ok();
        assert_eq!(parse("31"), Some(GroupSetting::Group(31)));
        let anonymous = Some(GroupSetting::Anonymous {
            direct_members: vec![10],
            direct_subgroups: vec![11],
        });
        assert_eq!(
            parse(r#"{"direct_members":[10],"direct_subgroups":[11]}"#),
            anonymous
        );
        assert_eq!(
            parse(r#"{"direct_member_ids":[10],"direct_subgroup_ids":[11]}"#),
            anonymous
        );
        assert_eq!(parse(r#""role:members""#), None);
        assert_eq!(
            to_value(&GroupSetting::Anonymous {
                direct_members: vec![10],
                direct_subgroups: vec![]
            })
            .to_string(),
            r#"{"direct_members":[10],"direct_subgroups":[]}"#
        );
    }

    #[test]
    fn only_removal_from_a_private_channel_stops_posting() {
        let channel = |invite_only, is_web_public| Channel {
            stream_id: 7,
            name: "Denmark".into(),
            invite_only,
            is_web_public,
            posting: PostingPermission::Policy(1),
        };
        assert!(channel(true, false).removal_stops_posting());
        assert!(!channel(false, false).removal_stops_posting());
        assert!(!channel(false, true).removal_stops_posting());
        // Not a combination Zulip allows; public wins.
        assert!(!channel(true, true).removal_stops_posting());
    }

    #[test]
    fn a_channel_without_its_privacy_counts_as_public() {
        let fields: Result<ChannelAnswer, _> = serde_json::from_str(
            r#"{"stream":{"stream_id":7,"name":"Denmark","stream_post_policy":2}}"#,
        );
        let fields = fields.map(|a| a.stream);
        assert!(
            matches!(&fields, Ok(f) if !f.invite_only && !f.is_web_public && f.stream_post_policy == Some(2)),
            "{:?}",
            fields.as_ref().err()
        );
        assert_eq!(stream_post_policy_words(2), "only administrators may post");
        assert_eq!(
            stream_post_policy_words(9),
            "a value Zulip does not document"
        );
    }

    #[test]
    fn group_names_fit_zulip() {
        assert_eq!(
            posting_group_name("Denmark"),
            "modpod: may post in #Denmark"
        );
        let long = posting_group_name(&"é".repeat(300));
        assert_eq!(long.chars().count(), GROUP_NAME_MAX);
    }

    #[test]
    fn the_api_key_is_not_shown() {
        let client = Client::new("https://chat.example.org/", "bot@example.org", "s3cretKEY");
        assert_eq!(client.base_url(), "https://chat.example.org");
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[test]
    fn a_closed_port_is_unreachable_and_transient() {
        let client = Client::new("http://127.0.0.1:1", "bot@example.org", "key");
        let error = client.user_active(10).err();
        assert!(
            matches!(&error, Some(e @ ZulipError::Unreachable { .. }) if e.is_transient() && e.operation() == "read user 10"),
            "{error:?}"
        );
    }

    #[test]
    fn a_bad_url_is_not_transient() {
        let client = Client::new("not a url", "bot@example.org", "key");
        let error = client.deactivate(10).err();
        assert!(matches!(&error, Some(e) if !e.is_transient()), "{error:?}");
    }
}
