//! Matrix rooms as modpod's adapter contract sees them (`modpod_adapter`): a
//! forum of kind `chat` whose id is `matrix:` followed by a room id
//! (`matrix:!abc:example.org`) lives in that room (a room modpod's account
//! is not in counts as missing: it can enforce nothing there); a person's accounts there
//! are their chat identities that are Matrix user ids (`@bob:example.org`);
//! a suspension is a room ban, and review and approval a mute (a power level
//! below what `m.room.message` needs, the level it replaced put back when
//! it ends); a ban already silences.
//!
//! Rate limits are not set on the homeserver: Synapse's only per-user rate
//! limit (the admin API's `override_ratelimit`) is a homeserver-wide rate of
//! whole messages per second, which cannot say "two posts an hour in this
//! room". They are enforced message by message by the modpod Synapse module
//! (`crates/matrix/synapse/modpod_synapse.py`, installed on the homeserver),
//! which asks the decision API (`POST /v1/decide`, forum `matrix:` and the
//! room id, sender the user id as a `chat` identity) before a local user's
//! message is accepted, as Postfix asks it for a list: so `wants` is `None`
//! for them and [`Adapter::at_send`] names the module, for the action page.
//! Without the module installed, nothing on the homeserver enforces a rate
//! limit (see the README's Matrix section).
//!
//! A mute counts as in effect while the user cannot send messages; it is
//! removed only while the user is still below the level that sends (one a
//! moderator raised since is theirs).

use crate::{Client, MatrixError};
use modpod_adapter::{Actual, Adapter, AdapterError, Present, Step, words};
use modpod_enforce::Restrains;
use modpod_policy::model::{Forum, IdentityKind, Person};
use modpod_store::Enforced;
use std::collections::BTreeSet;

/// The ledger's name for what this adapter applied.
pub const TARGET: &str = "matrix";
/// A room ban.
pub const BAN: &str = "ban";
/// A power level below what sending a message needs.
pub const MUTE: &str = "mute";
/// A suspension on the homeserver (Synapse's admin API): the person cannot
/// post in any room.
pub const SUSPEND: &str = "suspend";
/// The place standing for the whole homeserver.
pub const HOMESERVER: &str = "homeserver";
/// What enforces a rate limit in a room, for pages.
pub const MODULE: &str = "the modpod Synapse module (modpod_synapse)";
/// The forum kind of chat rooms, and the prefix of a Matrix room's forum id.
pub const CHAT: &str = "chat";
pub const PREFIX: &str = "matrix:";

/// A Synapse homeserver, through a moderator's (or admin's) access token.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub client: Client,
}

fn failed(error: MatrixError) -> AdapterError {
    AdapterError {
        transient: error.is_transient(),
        message: error.to_string(),
        retry_after: error.retry_after(),
    }
}

/// Whether an error says the room is not there for modpod: unknown to the
/// homeserver (403 `M_FORBIDDEN` "Unknown room", or 404), or one modpod's
/// account is not in (403 `M_FORBIDDEN` "not in room"), where it can
/// enforce nothing either.
fn unknown_room(error: &MatrixError) -> bool {
    let text = error.to_string().to_lowercase();
    error.status() == Some(404)
        || (error.errcode() == Some("M_FORBIDDEN")
            && (text.contains("unknown room") || text.contains("not in room")))
}

/// Whether `value` is a Matrix user id, `@localpart:server`.
fn is_user_id(value: &str) -> bool {
    value
        .strip_prefix('@')
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(local, server)| !local.is_empty() && !server.is_empty())
}

impl Adapter for Matrix {
    fn name(&self) -> &'static str {
        "Matrix"
    }

    fn target(&self) -> &'static str {
        TARGET
    }

    fn place_noun(&self) -> &'static str {
        "room"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[BAN, MUTE, SUSPEND]
    }

    /// Suspended from every room the deployment names, a person is
    /// suspended on the homeserver too (admin API; the token must be an
    /// admin's).
    fn everywhere(&self) -> Option<(&'static str, &'static str)> {
        Some((HOMESERVER, SUSPEND))
    }

    fn place(&self, forum: &Forum) -> Option<String> {
        // Room ids are `!` and an opaque part (with `:server` before room
        // version 12).
        let room = forum.id.as_str().strip_prefix(PREFIX)?;
        (forum.kind == CHAT && room.len() > 1 && room.starts_with('!')).then(|| room.to_owned())
    }

    fn accounts(&self, person: &Person) -> Vec<String> {
        person
            .identities
            .iter()
            .filter(|i| i.kind == IdentityKind::Chat && is_user_id(&i.value))
            .map(|i| i.value.clone())
            .collect()
    }

    fn wants(&self, _place: &str, restrains: &Restrains) -> Option<(&'static str, Option<String>)> {
        match restrains {
            Restrains::Suspension => Some((BAN, None)),
            Restrains::Hold => Some((MUTE, None)),
            Restrains::RateLimit { .. } | Restrains::CoolDown { .. } => None,
        }
    }

    /// A rate limit: the modpod Synapse module asks the decision API for
    /// each message.
    fn at_send(&self, restrains: &Restrains) -> Option<&'static str> {
        matches!(restrains, Restrains::RateLimit { .. }).then_some(MODULE)
    }

    fn implied_by(&self, kind: &str) -> Option<&'static str> {
        (kind == MUTE).then_some(BAN)
    }

    fn read(
        &self,
        room: &str,
        about: &BTreeSet<(String, String)>,
        _applied: &[Enforced],
    ) -> Result<Option<Actual>, AdapterError> {
        if room == HOMESERVER {
            let mut actual = Actual::default();
            for (kind, user) in about.iter().filter(|(kind, _)| kind == SUSPEND) {
                // A user of another homeserver, or none at all, cannot be
                // suspended here: there is nothing to do for them.
                let (enforces, as_applied) = match self.client.suspended(user) {
                    Ok(suspended) => (suspended, suspended),
                    Err(error) if matches!(error.status(), Some(400 | 404)) => (true, false),
                    Err(error) => return Err(failed(error)),
                };
                let present = Present {
                    enforces,
                    as_applied,
                    ..Present::default()
                };
                actual.items.insert((kind.clone(), user.clone()), present);
            }
            return Ok(Some(actual));
        }
        let banned = match self.client.banned(room) {
            Ok(banned) => banned,
            Err(error) if unknown_room(&error) => return Ok(None),
            Err(error) => return Err(failed(error)),
        };
        let mut actual = Actual::default();
        for user in banned {
            let present = Present {
                enforces: true,
                as_applied: true,
                ..Present::default()
            };
            actual.items.insert((BAN.to_owned(), user), present);
        }
        for (kind, user) in about {
            if kind != MUTE {
                continue;
            }
            let level = self.client.power_level(room, user).map_err(failed)?;
            let present = Present {
                enforces: !level.can_send_messages(),
                as_applied: !level.can_send_messages(),
                value: level.explicit.map(|l| l.to_string()),
                handle: None,
            };
            actual
                .items
                .insert((MUTE.to_owned(), user.clone()), present);
        }
        Ok(Some(actual))
    }

    fn apply(&self, room: &str, step: &Step) -> Result<(), AdapterError> {
        match step {
            Step::Apply {
                kind,
                account,
                source,
                ..
            } if kind == BAN => self
                .client
                .ban(room, account, &format!("modpod: {source}"))
                .map_err(failed),
            Step::Remove { kind, account, .. } if kind == BAN => {
                self.client.unban(room, account).map_err(failed)
            }
            Step::Apply { kind, account, .. } if kind == SUSPEND => {
                self.client.set_suspended(account, true).map_err(failed)
            }
            Step::Remove { kind, account, .. } if kind == SUSPEND => {
                self.client.set_suspended(account, false).map_err(failed)
            }
            Step::Apply { kind, account, .. } if kind == MUTE => {
                self.client.mute(room, account).map(|_| ()).map_err(failed)
            }
            Step::Remove {
                kind,
                account,
                restore,
                ..
            } if kind == MUTE => {
                let restore = restore.as_deref().and_then(|l| l.parse().ok());
                self.client.unmute(room, account, restore).map_err(failed)
            }
            other => Err(words::no_such_change("Matrix", other)),
        }
    }

    fn describe(&self, step: &Step, done: bool) -> String {
        let (now, past) = match step {
            Step::Apply { kind, .. } | Step::Remove { kind, .. } if kind == BAN => {
                return words::ban(step, done);
            }
            Step::Apply {
                kind,
                account,
                source,
                ..
            } if kind == SUSPEND => (
                format!("suspend {account} ({source}): suspended from every room"),
                format!("suspended {account} ({source}): suspended from every room"),
            ),
            Step::Remove { kind, account, .. } if kind == SUSPEND => (
                format!("lift the suspension of {account}: no longer suspended from every room"),
                format!("lifted the suspension of {account}: no longer suspended from every room"),
            ),
            Step::Apply {
                account, source, ..
            } => (
                format!("mute {account} ({source})"),
                format!("muted {account} ({source})"),
            ),
            Step::Remove { account, .. } => (
                format!("unmute {account}: no action holds their posts any more"),
                format!("unmuted {account}: no action holds their posts any more"),
            ),
            Step::Forget { kind, account } => return words::forgotten(kind, account),
            Step::Record { kind, account, .. } => return words::recorded(kind, account),
        };
        if done { past } else { now }
    }

    fn what(&self, kind: &str, account: &str) -> String {
        format!("the {kind} of {account}")
    }

    fn as_dyn(&self) -> &dyn Adapter {
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_chat_forum_named_matrix_and_a_room_id_lives_in_that_room() {
        use modpod_policy::ids::ForumId;
        use modpod_policy::model::Organisation;
        let forum = |id: &str, kind: &str| Forum {
            id: ForumId::parse(id).unwrap(),
            name: "a forum".into(),
            kind: kind.into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: None,
            responsible_ad: None,
            delegates: Default::default(),
        };
        let matrix = Matrix {
            client: Client::new("http://127.0.0.1:9", "t"),
        };
        let place = |id: &str, kind: &str| matrix.place(&forum(id, kind));
        assert_eq!(
            place("matrix:!abc:example.org", "chat"),
            Some("!abc:example.org".into())
        );
        assert_eq!(
            place("matrix:!TukDXQ-N2kg", "chat"),
            Some("!TukDXQ-N2kg".into())
        );
        assert_eq!(place("matrix:!abc:example.org", "wiki"), None);
        assert_eq!(place("matrix:#alias:example.org", "chat"), None);
        assert_eq!(place("matrix:!", "chat"), None);
        assert_eq!(place("zulip:tls", "chat"), None);
    }

    #[test]
    fn user_ids_are_at_localpart_colon_server() {
        assert!(is_user_id("@bob:example.org"));
        for not in ["bob", "@bob", "@:example.org", "@bob:", "bob:example.org"] {
            assert!(!is_user_id(not), "{not}");
        }
    }
}
