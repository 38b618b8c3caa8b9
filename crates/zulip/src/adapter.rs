//! Zulip channels as modpod's adapter contract sees them (`modpod_adapter`):
//! a forum of kind `chat` whose id is `zulip:` followed by a channel's name
//! (`zulip:tls`) lives in that channel; a person's accounts there are their
//! email addresses, which Zulip knows users by (the adapter looks each one
//! up to get the user's ID).
//!
//! A suspension is `no_post`: the user is removed from the channel's modpod
//! posting group (`modpod: may post in #<channel>`, see the crate's
//! documentation), so Zulip refuses their messages there; they can still
//! read it. Lifting it adds them back. Review and approval and rate limits
//! are not enforced here: Zulip has no moderation queue (a message cannot
//! wait for a moderator's approval) and no per-user rate of messages (its
//! rate limits are per API client, against abuse, not "two posts an
//! hour"). They are left to the decision API (`POST /v1/decide`), which a
//! bot that relays or screens messages may ask.
//!
//! What the adapter reads and how it answers:
//! - a channel Zulip does not have (or a private one that modpod's account
//!   cannot see) is reported as missing;
//! - a channel whose posting permission is not a modpod group, or a server
//!   before Zulip 10.0 (feature level 333), is a refusal naming what the
//!   operator must do; nothing is ever taken as enforced there;
//! - a user is restricted while not a direct member of the group; modpod
//!   lifts only what its ledger says it applied, so someone an
//!   administrator left out of the group stays out;
//! - an address no Zulip user has (a person's other addresses, typically)
//!   has nothing to enforce: it cannot post, so it counts as in effect,
//!   and is never changed nor recorded in the ledger. Such an address is
//!   not reported: a person with several addresses would otherwise be
//!   reported at every pass for the ones that are not their Zulip account,
//!   and a refused change would stop the other changes in the channel.
//!   If a change is nevertheless asked for an address Zulip no longer
//!   knows, it is refused with a message saying so.

use crate::{CAN_SEND_MESSAGE_GROUP_LEVEL, Client, ZulipError, posting_group_name};
use modpod_adapter::{Actual, Adapter, AdapterError, Present, Step};
use modpod_enforce::Restrains;
use modpod_policy::model::{Forum, IdentityKind, Person};
use modpod_store::Enforced;
use std::collections::BTreeSet;

/// The ledger's name for what this adapter applied.
pub const TARGET: &str = "zulip";
/// A user kept from posting in a channel.
pub const NO_POST: &str = "no_post";
/// A deactivated account: the person cannot use the organisation at all.
pub const DEACTIVATE: &str = "deactivate";
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

impl Zulip {
    /// A start-up check: the server can restrict one user in one channel
    /// (feature level 333, Zulip 10.0) and the credentials may read the
    /// user groups (an administrator's). Returns the feature level.
    pub fn check(&self) -> Result<u32, AdapterError> {
        let level = self.client.feature_level().map_err(failed)?;
        if level < CAN_SEND_MESSAGE_GROUP_LEVEL {
            return Err(refused(format!(
                "Zulip at {} is at feature level {level}: stopping one user from posting in \
                 one channel needs Zulip 10.0 or later (feature level \
                 {CAN_SEND_MESSAGE_GROUP_LEVEL}); upgrade the server",
                self.client.base_url()
            )));
        }
        self.client.user_groups().map_err(|error| {
            let mut e = failed(error);
            if !e.transient {
                e.message.push_str(
                    ": check modpod's Zulip email and API key, and that they are an \
                     administrator's (bots cannot read user groups, up to Zulip 11 at least)",
                );
            }
            e
        })?;
        Ok(level)
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
        _applied: &[Enforced],
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
        let group = self
            .client
            .posting_group(stream_id)
            .map_err(|e| posting_failed(channel, e))?;
        for email in emails {
            let present = match self.client.user_id_by_email(email).map_err(failed)? {
                // Cannot post: nothing to enforce, nothing to undo.
                None => Present {
                    enforces: true,
                    ..Present::default()
                },
                Some(user_id) => {
                    let restricted = !group.members.contains(&user_id);
                    Present {
                        enforces: restricted,
                        as_applied: restricted,
                        value: None,
                        handle: Some(user_id.to_string()),
                    }
                }
            };
            actual
                .items
                .insert((NO_POST.to_owned(), email.clone()), present);
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
                ..
            } if kind == NO_POST => {
                let (stream_id, user_id) = self.ids(channel, account, handle.as_deref())?;
                self.client
                    .restrict_posting(stream_id, user_id)
                    .map(drop)
                    .map_err(|e| posting_failed(channel, e))
            }
            Step::Remove {
                kind,
                account,
                handle,
                ..
            } if kind == NO_POST => {
                let (stream_id, user_id) = self.ids(channel, account, handle.as_deref())?;
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
