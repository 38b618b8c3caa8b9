//! Zulip channels as modpod's adapter contract sees them (`modpod_adapter`):
//! a forum of kind `chat` whose id is `zulip:` followed by a channel's name
//! (`zulip:tls`) lives in that channel; a person's accounts there are their
//! email addresses, which Zulip knows users by (the adapter looks each one
//! up to get the user's ID).
//!
//! A suspension is `no_post`: the user is kept from posting in the channel.
//! How depends on the server's feature level (`GET /server_settings`) and,
//! before Zulip 10.0, on the channel:
//!
//! | server | channel | suspended | lifted |
//! |---|---|---|---|
//! | Zulip 10.0 or later (feature level 333) | any | out of the channel's modpod posting group (`modpod: may post in #<channel>`, see the crate's documentation): Zulip refuses their messages there, and they still read it | back in the group |
//! | feature levels 132 to 332 (Zulip 6.0 up to 10.0) | private | removed from the channel: Zulip lets only a private channel's subscribers post in it | subscribed again |
//! | feature levels 132 to 332 | public, web-public | refused, with what to do: upgrade | (nothing was done) |
//! | before Zulip 6.0 (level 132) | | the start-up check refuses the server (a channel cannot be read by its ID) | |
//!
//! Before Zulip 10.0 who may post in a channel is only `stream_post_policy`,
//! a rule by role for everyone (anyone, full members, moderators,
//! administrators), and modpod never changes roles nor rules for everyone:
//! it is read to explain a refusal, never written. What is left is
//! removal, and Zulip 9's rule for sending to a channel
//! (`access_stream_for_send_message` in `zerver/lib/streams.py`) makes it
//! work only in a private channel: after `stream_post_policy`, anyone may
//! post in a web-public channel, anyone but a guest in a public one,
//! subscribed or not, and in a private one only its subscribers (and bots
//! whose owner is one). Zulip's help ("Private, public, and web-public
//! channels") adds that anyone but a guest may subscribe to a public
//! channel, so a removal would not even last.
//!
//! From Zulip 10.0 modpod does not remove anyone, in a private channel
//! either. The policy suspends posting; reading stays allowed (public
//! archives are public to everyone). The posting group stops posting in
//! public and private channels alike and leaves reading as it was, while
//! removal from a private channel would also take its messages away from
//! the person (only subscribers read a private channel), and from a public
//! channel it stops nothing. Before Zulip 10.0 removal is the one way modpod
//! has in a private channel, and it costs the person their reading of that
//! channel until the suspension ends: the price of the older server, and a
//! reason to upgrade.
//!
//! Each restriction is read, and lifted, the way it was made, until it is
//! lifted: the ledger keeps `subscribed` ([`SUBSCRIBED`], what the removal
//! replaced) beside a removal and nothing beside a posting-group
//! restriction, so a removal made before an upgrade is undone by
//! subscribing the user again, and modpod undoes only what its ledger says
//! it applied.
//!
//! Review and approval and rate limits are not enforced here: Zulip has no
//! moderation queue (a message cannot wait for a moderator's approval) and
//! no per-user rate of messages (its rate limits are per API client, against
//! abuse, not "two posts an hour"). They are left to the decision API
//! (`POST /v1/decide`), which a bot that relays or screens messages may ask.
//!
//! What the adapter reads and how it answers:
//! - a channel Zulip does not have (or a private one that modpod's account
//!   cannot see: Zulip gives a private channel's ID by name only to its
//!   subscribers) is reported as missing;
//! - from Zulip 10.0, a channel whose posting permission is not a modpod
//!   group is a refusal naming what the operator must do; before it, so is
//!   a public channel; nothing is ever taken as enforced there;
//! - a user is restricted while not a direct member of the group, or, for
//!   a removal, while not subscribed to the channel and the channel is
//!   private (someone subscribed again, or the channel made public, is
//!   drift); modpod lifts only what its ledger says it applied, so someone
//!   an administrator left out of the group, or out of the channel, stays
//!   out;
//! - an address no Zulip user has (a person's other addresses, typically)
//!   has nothing to enforce: it cannot post, so it counts as in effect,
//!   and is never changed nor recorded in the ledger. Such an address is
//!   not reported: a person with several addresses would otherwise be
//!   reported at every pass for the ones that are not their Zulip account,
//!   and a refused change would stop the other changes in the channel.
//!   If a change is nevertheless asked for an address Zulip no longer
//!   knows, it is refused with a message saying so.
//!
//! Removal before Zulip 10.0 needs modpod's account to be an administrator
//! (or in the channel's `can_remove_subscribers_group`) and subscribed to
//! the private channel: to find it by name, and, before feature level 349,
//! to add anyone to it again ("Unable to access channel" otherwise, which
//! the refusal explains). What removal does not stop: a bot of the person's
//! that is itself subscribed to the channel; and Zulip lists only active
//! users among subscribers, so a removal lifted together with a deactivation
//! (a suspension from every channel) may be refused once, until the account
//! is reactivated in the same pass or the next.

use crate::{
    CAN_SEND_MESSAGE_GROUP_LEVEL, CHANNEL_BY_ID_LEVEL, Channel, Client, PostingPermission,
    ZulipError, posting_group_name, stream_post_policy_words,
};
use modpod_adapter::{Actual, Adapter, AdapterError, Present, Step};
use modpod_enforce::Restrains;
use modpod_policy::model::{Forum, IdentityKind, Person};
use modpod_store::Enforced;
use std::collections::{BTreeMap, BTreeSet};

/// The ledger's name for what this adapter applied.
pub const TARGET: &str = "zulip";
/// A user kept from posting in a channel.
pub const NO_POST: &str = "no_post";
/// A deactivated account: the person cannot use the organisation at all.
pub const DEACTIVATE: &str = "deactivate";
/// What the ledger keeps beside a [`NO_POST`] modpod applied by removing the
/// user from a private channel (servers before feature level 333): they were
/// subscribed, and lifting it subscribes them again. One applied through the
/// posting group keeps nothing.
pub const SUBSCRIBED: &str = "subscribed";
/// The place standing for the whole organisation.
pub const ORGANISATION: &str = "organisation";
/// The forum kind of chat channels, and the prefix of a Zulip channel's
/// forum id.
pub const CHAT: &str = "chat";
pub const PREFIX: &str = "zulip:";

/// A Zulip organization, through the API key of an administrator (see the
/// crate's documentation for why not a bot's).
#[derive(Debug)]
pub struct Zulip {
    pub client: Client,
}

fn failed(error: ZulipError) -> AdapterError {
    AdapterError {
        transient: error.is_transient(),
        message: error.to_string(),
        retry_after: error.retry_after(),
    }
}

fn refused(message: String) -> AdapterError {
    AdapterError {
        transient: false,
        message,
        retry_after: None,
    }
}

/// A failure of the posting-group calls, with what the operator must do
/// when the channel or the server cannot restrict one user.
fn posting_failed(channel: &str, error: ZulipError) -> AdapterError {
    let todo = match &error {
        ZulipError::NotPrepared { .. } => format!(
            "; to enforce actions in #{channel}, prepare it once: modpod_zulip::Client::\
             prepare_posting_group, or by hand in Zulip, a user group named {:?} with \
             everyone who may post there, made the channel's permission to post",
            posting_group_name(channel)
        ),
        ZulipError::Unsupported { .. } => format!(
            "; stopping one user from posting in #{channel} needs Zulip 10.0 or later \
             (feature level {CAN_SEND_MESSAGE_GROUP_LEVEL}): upgrade the server"
        ),
        _ => String::new(),
    };
    AdapterError {
        transient: error.is_transient(),
        message: format!("{error}{todo}"),
        retry_after: error.retry_after(),
    }
}

/// How a new posting restriction is made in a channel on this server.
enum Way {
    /// Out of the channel's posting group (feature level 333 and later).
    Group,
    /// Out of the channel: a private channel before feature level 333.
    Removal(Channel),
    /// Neither works (a public channel before feature level 333): why, and
    /// what to do.
    Refused(Channel, AdapterError),
}

/// How one (no_post, account) is read: as the ledger says it was applied,
/// or, when it was not, as it would be applied now.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    Group,
    Removal,
    Refused,
}

impl Zulip {
    /// A start-up check: the server can read a channel by its ID (feature
    /// level 132, Zulip 6.0), and the credentials are accepted: from
    /// feature level 333 (Zulip 10.0), where modpod uses posting groups,
    /// they must be able to read the user groups (an administrator's);
    /// before it, where modpod removes users from private channels, they
    /// must name an account (`GET /users/me`). Returns the feature level.
    pub fn check(&self) -> Result<u32, AdapterError> {
        let level = self.client.feature_level().map_err(failed)?;
        if level < CHANNEL_BY_ID_LEVEL {
            return Err(refused(format!(
                "Zulip at {} is at feature level {level}: modpod needs Zulip 6.0 or later \
                 (feature level {CHANNEL_BY_ID_LEVEL}), where a channel can be read by its ID; \
                 upgrade the server",
                self.client.base_url()
            )));
        }
        let credentials = |error: ZulipError, whose: &str| {
            let mut e = failed(error);
            if !e.transient {
                e.message.push_str(&format!(
                    ": check modpod's Zulip email and API key, {whose}"
                ));
            }
            e
        };
        if level < CAN_SEND_MESSAGE_GROUP_LEVEL {
            self.client.own_user_id().map_err(|error| {
                credentials(
                    error,
                    "and that they are an administrator's (removing other users from \
                     channels needs one)",
                )
            })?;
            return Ok(level);
        }
        self.client.user_groups().map_err(|error| {
            credentials(
                error,
                "and that they are an administrator's (bots cannot read user groups, up to \
                 Zulip 11 at least)",
            )
        })?;
        Ok(level)
    }

    /// How a new posting restriction is made in `channel` (ID `stream_id`).
    fn way(&self, channel: &str, stream_id: u64) -> Result<Way, AdapterError> {
        let level = self.client.feature_level().map_err(failed)?;
        if level >= CAN_SEND_MESSAGE_GROUP_LEVEL {
            return Ok(Way::Group);
        }
        let found = self.client.channel(stream_id).map_err(failed)?;
        if found.removal_stops_posting() {
            Ok(Way::Removal(found))
        } else {
            let why = self.public_refusal(channel, level, &found);
            Ok(Way::Refused(found, why))
        }
    }

    /// Why nobody can be stopped posting in a public channel of a server
    /// before feature level 333, and what the operator must do.
    fn public_refusal(&self, channel: &str, level: u32, found: &Channel) -> AdapterError {
        let (kind, who) = if found.is_web_public {
            ("web-public", "anyone in the organisation, guests included,")
        } else {
            ("public", "anyone in the organisation but a guest")
        };
        let policy = match found.posting {
            PostingPermission::Policy(policy) => format!(
                " Who may post there is only stream_post_policy {policy} ({}), a rule by role \
                 for everyone, which modpod never changes.",
                stream_post_policy_words(policy)
            ),
            PostingPermission::Group(_) => String::new(),
        };
        refused(format!(
            "cannot stop anyone posting in #{channel}: it is a {kind} channel, and Zulip at {} \
             is at feature level {level}, before Zulip 10.0 (feature level \
             {CAN_SEND_MESSAGE_GROUP_LEVEL}). In such a channel, being subscribed is not what \
             lets one post: {who} may post there unsubscribed, and subscribe again at will, so \
             removing someone from it stops nothing.{policy} \
             To enforce actions in #{channel}, upgrade the server to Zulip 10.0 or later, where \
             modpod stops one user posting through the channel's posting group.",
            self.client.base_url()
        ))
    }

    /// Stops the user posting in a private channel by removing them from it.
    fn remove_from_channel(
        &self,
        channel: &str,
        stream_id: u64,
        user_id: u64,
        account: &str,
    ) -> Result<(), AdapterError> {
        let found = self.client.channel(stream_id).map_err(failed)?;
        if !found.removal_stops_posting() {
            let level = self.client.feature_level().map_err(failed)?;
            if level < CAN_SEND_MESSAGE_GROUP_LEVEL {
                return Err(self.public_refusal(channel, level, &found));
            }
            return Err(refused(format!(
                "cannot stop {account} posting in #{channel} by removing them from it, as \
                 modpod did while the server was before feature level \
                 {CAN_SEND_MESSAGE_GROUP_LEVEL}: #{channel} is public now, and removal from a \
                 public channel stops nothing"
            )));
        }
        self.client
            .unsubscribe(&found.name, user_id)
            .map(drop)
            .map_err(failed)
    }

    /// Puts back a user modpod removed from a channel.
    fn subscribe_again(
        &self,
        channel: &str,
        stream_id: u64,
        user_id: u64,
    ) -> Result<(), AdapterError> {
        // The name Zulip has now for this ID: Zulip creates a channel for a
        // name it does not know.
        let found = self.client.channel(stream_id).map_err(failed)?;
        self.client
            .subscribe(&found.name, user_id)
            .map(drop)
            .map_err(|error| {
                let unable = matches!(&error, ZulipError::Refused { msg, .. }
                    if msg.starts_with("Unable to access channel"));
                let mut e = failed(error);
                if unable {
                    e.message.push_str(&format!(
                        "; before Zulip 10.0 (feature level 349) only a subscriber may add \
                         someone to a private channel: subscribe modpod's account to #{channel}"
                    ));
                }
                e
            })
    }

    /// The channel's ID and the user's, for a change.
    fn ids(
        &self,
        channel: &str,
        email: &str,
        handle: Option<&str>,
    ) -> Result<(u64, u64), AdapterError> {
        let stream_id = self
            .client
            .stream_id(channel)
            .map_err(failed)?
            .ok_or_else(|| {
                refused(format!(
                    "Zulip has no channel #{channel} (or modpod's account cannot see it)"
                ))
            })?;
        let user_id = match handle.and_then(|h| h.parse().ok()) {
            Some(id) => id,
            None => self
                .client
                .user_id_by_email(email)
                .map_err(failed)?
                .ok_or_else(|| {
                    refused(format!(
                        "no Zulip user has the email {email}: there is nothing to enforce \
                         for it in #{channel}"
                    ))
                })?,
        };
        Ok((stream_id, user_id))
    }
}

impl Adapter for Zulip {
    fn name(&self) -> &'static str {
        "Zulip"
    }

    fn target(&self) -> &'static str {
        TARGET
    }

    fn place_noun(&self) -> &'static str {
        "channel"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[NO_POST, DEACTIVATE]
    }

    /// Suspended from every channel the deployment names, a person's
    /// account is deactivated (and reactivated when that ends).
    fn everywhere(&self) -> Option<(&'static str, &'static str)> {
        Some((ORGANISATION, DEACTIVATE))
    }

    fn place(&self, forum: &Forum) -> Option<String> {
        let channel = forum.id.as_str().strip_prefix(PREFIX)?;
        (forum.kind == CHAT && !channel.is_empty()).then(|| channel.to_owned())
    }

    fn accounts(&self, person: &Person) -> Vec<String> {
        person
            .identities
            .iter()
            .filter(|i| i.kind == IdentityKind::Email)
            .map(|i| i.value.clone())
            .collect()
    }

    fn wants(&self, _place: &str, restrains: &Restrains) -> Option<(&'static str, Option<String>)> {
        match restrains {
            Restrains::Suspension => Some((NO_POST, None)),
            // No moderation queue and no per-user rate in Zulip: the
            // decision API answers for these.
            // decision API answers for these. Zulip has no forum-wide
            // cool-down that spares established participants.
            Restrains::Hold | Restrains::RateLimit { .. } | Restrains::CoolDown { .. } => None,
        }
    }

    fn read(
        &self,
        channel: &str,
        about: &BTreeSet<(String, String)>,
        applied: &[Enforced],
    ) -> Result<Option<Actual>, AdapterError> {
        if channel == ORGANISATION {
            let mut actual = Actual::default();
            for (kind, email) in about.iter().filter(|(kind, _)| kind == DEACTIVATE) {
                let present = match self.client.user_id_by_email(email).map_err(failed)? {
                    // No such user: nothing to deactivate.
                    None => Present {
                        enforces: true,
                        ..Present::default()
                    },
                    Some(user_id) => {
                        let inactive = !self.client.user_active(user_id).map_err(failed)?;
                        Present {
                            enforces: inactive,
                            as_applied: inactive,
                            value: None,
                            handle: Some(user_id.to_string()),
                        }
                    }
                };
                actual.items.insert((kind.clone(), email.clone()), present);
            }
            return Ok(Some(actual));
        }
        let Some(stream_id) = self.client.stream_id(channel).map_err(failed)? else {
            return Ok(None);
        };
        let mut actual = Actual::default();
        let emails: Vec<&String> = about
            .iter()
            .filter(|(kind, _)| kind == NO_POST)
            .map(|(_, email)| email)
            .collect();
        if emails.is_empty() {
            return Ok(Some(actual));
        }
        // How each restriction modpod applied here was made: by removal
        // from the channel, or through the posting group. It is read, and
        // undone, that way until it is lifted, whatever the server is now.
        let by_removal: BTreeMap<&str, bool> = applied
            .iter()
            .filter(|e| e.kind == NO_POST)
            .map(|e| {
                (
                    e.account.as_str(),
                    e.previous.as_deref() == Some(SUBSCRIBED),
                )
            })
            .collect();
        let way = self.way(channel, stream_id)?;
        let reading = |email: &str| match (by_removal.get(email), &way) {
            (Some(true), _) | (None, Way::Removal(_)) => Reading::Removal,
            (Some(false), _) | (None, Way::Group) => Reading::Group,
            (None, Way::Refused(..)) => Reading::Refused,
        };
        let needs = |r: Reading| emails.iter().any(|e| reading(e) == r);
        let group = if needs(Reading::Group) {
            let group = self
                .client
                .posting_group(stream_id)
                .map_err(|e| posting_failed(channel, e))?;
            Some(group)
        } else {
            None
        };
        let subscription = if needs(Reading::Removal) {
            let found = match &way {
                Way::Removal(found) | Way::Refused(found, _) => found.clone(),
                Way::Group => self.client.channel(stream_id).map_err(failed)?,
            };
            let subscribers = self.client.subscribers(stream_id).map_err(failed)?;
            Some((found.removal_stops_posting(), subscribers))
        } else {
            None
        };
        let mut refused_here = false;
        for email in emails {
            let present = match self.client.user_id_by_email(email).map_err(failed)? {
                // Cannot post: nothing to enforce, nothing to undo.
                None => Present {
                    enforces: true,
                    ..Present::default()
                },
                Some(user_id) => {
                    let handle = Some(user_id.to_string());
                    match (reading(email), &group, &subscription) {
                        (Reading::Group, Some(group), _) => {
                            let restricted = !group.members.contains(&user_id);
                            Present {
                                enforces: restricted,
                                as_applied: restricted,
                                value: None,
                                handle,
                            }
                        }
                        (Reading::Removal, _, Some((stops, subscribers))) => {
                            let subscribed = subscribers.contains(&user_id);
                            Present {
                                // Out of a channel that has become public,
                                // they can post again.
                                enforces: !subscribed && *stops,
                                as_applied: !subscribed,
                                // What a removal replaces, kept in the ledger.
                                value: subscribed.then(|| SUBSCRIBED.to_owned()),
                                handle,
                            }
                        }
                        // Reading::Refused (group and subscribers are read
                        // whenever a reading needs them): neither way works.
                        _ => {
                            refused_here = true;
                            Present {
                                handle,
                                ..Present::default()
                            }
                        }
                    }
                }
            };
            actual
                .items
                .insert((NO_POST.to_owned(), email.clone()), present);
        }
        // Nothing modpod applied here to read or lift: the channel's refusal
        // is the answer (otherwise each change is refused by `apply`).
        if let Way::Refused(_, why) = &way
            && refused_here
            && by_removal.is_empty()
        {
            return Err(why.clone());
        }
        Ok(Some(actual))
    }

    fn apply(&self, channel: &str, step: &Step) -> Result<(), AdapterError> {
        match step {
            Step::Apply {
                kind,
                account,
                handle,
                ..
            }
            | Step::Remove {
                kind,
                account,
                handle,
                ..
            } if kind == DEACTIVATE => {
                let user_id = match handle.as_deref().and_then(|h| h.parse().ok()) {
                    Some(id) => id,
                    None => self
                        .client
                        .user_id_by_email(account)
                        .map_err(failed)?
                        .ok_or_else(|| refused(format!("no Zulip user has the email {account}")))?,
                };
                if matches!(step, Step::Apply { .. }) {
                    self.client.deactivate(user_id).map_err(failed)
                } else {
                    self.client.reactivate(user_id).map_err(failed)
                }
            }
            Step::Apply {
                kind,
                account,
                handle,
                previous,
                ..
            } if kind == NO_POST => {
                let (stream_id, user_id) = self.ids(channel, account, handle.as_deref())?;
                if previous.as_deref() == Some(SUBSCRIBED) {
                    return self.remove_from_channel(channel, stream_id, user_id, account);
                }
                let level = self.client.feature_level().map_err(failed)?;
                if level < CAN_SEND_MESSAGE_GROUP_LEVEL {
                    return Err(match self.way(channel, stream_id)? {
                        Way::Refused(_, why) => why,
                        // Read as public a moment ago.
                        _ => AdapterError {
                            transient: true,
                            message: format!(
                                "#{channel} became private while modpod was reading it: the \
                                 restriction on {account} is made at the next pass"
                            ),
                            retry_after: None,
                        },
                    });
                }
                self.client
                    .restrict_posting(stream_id, user_id)
                    .map(drop)
                    .map_err(|e| posting_failed(channel, e))
            }
            Step::Remove {
                kind,
                account,
                handle,
                restore,
            } if kind == NO_POST => {
                let (stream_id, user_id) = self.ids(channel, account, handle.as_deref())?;
                if restore.as_deref() == Some(SUBSCRIBED) {
                    return self.subscribe_again(channel, stream_id, user_id);
                }
                self.client
                    .allow_posting(stream_id, user_id)
                    .map(drop)
                    .map_err(|e| posting_failed(channel, e))
            }
            other => Err(refused(format!(
                "Zulip has no change {:?} for {}",
                other.kind(),
                other.account()
            ))),
        }
    }

    fn describe(&self, step: &Step, done: bool) -> String {
        let (now, past) = match step {
            Step::Record { kind, account, .. } => {
                return modpod_adapter::words::recorded(kind, account);
            }
            Step::Apply {
                kind,
                account,
                source,
                ..
            } if kind == DEACTIVATE => (
                format!("deactivate {account} ({source}): suspended from every channel"),
                format!("deactivated {account} ({source}): suspended from every channel"),
            ),
            Step::Remove { kind, account, .. } if kind == DEACTIVATE => (
                format!("reactivate {account}: no longer suspended from every channel"),
                format!("reactivated {account}: no longer suspended from every channel"),
            ),
            Step::Apply {
                account,
                source,
                previous,
                ..
            } if previous.as_deref() == Some(SUBSCRIBED) => (
                format!(
                    "remove {account} from the private channel, so they cannot post ({source})"
                ),
                format!(
                    "removed {account} from the private channel, so they cannot post ({source})"
                ),
            ),
            Step::Remove {
                account, restore, ..
            } if restore.as_deref() == Some(SUBSCRIBED) => (
                format!("subscribe {account} to the channel again: no action stops them any more"),
                format!("subscribed {account} to the channel again: no action stops them any more"),
            ),
            Step::Apply {
                account, source, ..
            } => (
                format!("stop {account} posting ({source})"),
                format!("stopped {account} posting ({source})"),
            ),
            Step::Remove { account, .. } => {
                let text = format!("let {account} post again: no action stops them any more");
                (text.clone(), text)
            }
            Step::Forget { kind, account } => {
                let text = format!(
                    "{} is no longer wanted and Zulip no longer has it (lifted by hand, or the \
                     user is gone)",
                    self.what(kind, account)
                );
                (text.clone(), text)
            }
        };
        if done { past } else { now }
    }

    fn what(&self, kind: &str, account: &str) -> String {
        if kind == DEACTIVATE {
            format!("the deactivation of {account}")
        } else {
            format!("the posting restriction on {account}")
        }
    }

    fn as_dyn(&self) -> &dyn Adapter {
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use modpod_enforce::Source;
    use modpod_policy::ids::{ActionId, ForumId};
    use modpod_policy::model::Organisation;

    fn zulip() -> Zulip {
        Zulip {
            client: Client::new("http://127.0.0.1:9", "modpod@example.org", "key"),
        }
    }

    fn forum(id: &str, kind: &str) -> Forum {
        Forum {
            id: ForumId::parse(id).unwrap(),
            name: "a forum".into(),
            kind: kind.into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: None,
            responsible_ad: None,
            delegates: BTreeSet::new(),
        }
    }

    #[test]
    fn a_chat_forum_named_zulip_colon_channel_lives_in_that_channel() {
        let z = zulip();
        assert_eq!(z.place(&forum("zulip:tls", "chat")), Some("tls".into()));
        assert_eq!(
            z.place(&forum("zulip:Café-north", "chat")),
            Some("Café-north".into())
        );
        for (id, kind) in [
            ("zulip:tls", "mailing-list"),
            ("zulip:tls", "github"),
            ("zulip:", "chat"),
            ("matrix:!abc:example.org", "chat"),
            ("tls", "chat"),
            ("Zulip:tls", "chat"),
            ("xzulip:tls", "chat"),
        ] {
            assert_eq!(z.place(&forum(id, kind)), None, "{id} ({kind})");
        }
    }

    #[test]
    fn only_a_suspension_is_enforced_in_zulip() {
        let z = zulip();
        assert_eq!(
            z.wants("tls", &Restrains::Suspension),
            Some((NO_POST, None))
        );
        assert_eq!(z.wants("tls", &Restrains::Hold), None);
        let rate = Restrains::RateLimit {
            posts: 2,
            per_seconds: 3600,
        };
        assert_eq!(z.wants("tls", &rate), None);
        assert_eq!(z.kinds(), [NO_POST, DEACTIVATE]);
        assert_eq!(z.everywhere(), Some((ORGANISATION, DEACTIVATE)));
        assert_eq!(z.implied_by(NO_POST), None);
    }

    #[test]
    fn accounts_are_the_email_addresses() {
        use modpod_policy::model::Identity;
        let person = Person {
            id: modpod_policy::ids::PersonId::parse("bob").unwrap(),
            name: "Bob".into(),
            time_zone: None,
            roles: BTreeSet::new(),
            identities: [
                Identity::new(IdentityKind::Email, "Bob@Example.org").unwrap(),
                Identity::new(IdentityKind::Email, "bob@other.example").unwrap(),
                Identity::new(IdentityKind::Chat, "@bob:example.org").unwrap(),
                Identity::new(IdentityKind::Github, "bob").unwrap(),
            ]
            .into_iter()
            .collect(),
            availability: Vec::new(),
        };
        assert_eq!(
            zulip().accounts(&person),
            ["bob@example.org", "bob@other.example"]
        );
    }

    #[test]
    fn steps_are_described_in_words() {
        let z = zulip();
        let apply = Step::Apply {
            kind: NO_POST.into(),
            account: "bob@example.org".into(),
            value: None,
            source: Source::Action(ActionId(12)),
            handle: Some("10".into()),
            previous: None,
        };
        assert_eq!(
            z.describe(&apply, false),
            "stop bob@example.org posting (action #12)"
        );
        assert_eq!(
            z.describe(&apply, true),
            "stopped bob@example.org posting (action #12)"
        );
        let remove = Step::Remove {
            kind: NO_POST.into(),
            account: "bob@example.org".into(),
            handle: None,
            restore: None,
        };
        assert_eq!(
            z.describe(&remove, true),
            "let bob@example.org post again: no action stops them any more"
        );
        let forget = Step::Forget {
            kind: NO_POST.into(),
            account: "bob@example.org".into(),
        };
        assert!(
            z.describe(&forget, true)
                .starts_with("the posting restriction on bob@example.org is no longer wanted"),
            "{}",
            z.describe(&forget, true)
        );
    }

    #[test]
    fn removals_from_a_channel_are_described_as_such() {
        let z = zulip();
        let apply = Step::Apply {
            kind: NO_POST.into(),
            account: "bob@example.org".into(),
            value: None,
            source: Source::Action(ActionId(12)),
            handle: Some("10".into()),
            previous: Some(SUBSCRIBED.into()),
        };
        assert_eq!(
            z.describe(&apply, false),
            "remove bob@example.org from the private channel, so they cannot post (action #12)"
        );
        assert_eq!(
            z.describe(&apply, true),
            "removed bob@example.org from the private channel, so they cannot post (action #12)"
        );
        let remove = Step::Remove {
            kind: NO_POST.into(),
            account: "bob@example.org".into(),
            handle: None,
            restore: Some(SUBSCRIBED.into()),
        };
        assert_eq!(
            z.describe(&remove, true),
            "subscribed bob@example.org to the channel again: no action stops them any more"
        );
        // What the ledger keeps beside it is what tells the two apart.
        assert_eq!(z.remembered(&apply), Some(SUBSCRIBED.into()));
    }

    #[test]
    fn a_change_of_another_kind_is_refused() {
        let step = Step::Apply {
            kind: "ban".into(),
            account: "bob@example.org".into(),
            value: None,
            source: Source::Action(ActionId(12)),
            handle: None,
            previous: None,
        };
        let error = zulip().apply("tls", &step).err();
        assert!(
            error
                .as_ref()
                .is_some_and(|e| !e.transient && e.message.contains("\"ban\"")),
            "{error:?}"
        );
    }

    #[test]
    fn an_unreachable_server_is_transient() {
        let error = zulip().read("tls", &BTreeSet::new(), &[]).err();
        assert!(error.as_ref().is_some_and(|e| e.transient), "{error:?}");
    }
}
