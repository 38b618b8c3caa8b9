//! GitHub as modpod's adapter contract sees it (`modpod_adapter`): a forum of
//! kind `github-organisation` whose id is `github:` followed by the
//! organisation's name (`github:quicwg`) lives in that organisation; a
//! person's accounts there are their `github` identities (usernames); a
//! suspension is an organisation block, which keeps the user from opening
//! issues and pull requests, commenting, reacting and more anywhere in the
//! organisation's repositories.
//!
//! What GitHub cannot do, and is left to others:
//! - A forum of kind `github-repository` (`github:quicwg/base-drafts`) is not
//!   placed: GitHub cannot stop one person in one repository. Blocks are
//!   organisation-wide, and a repository's interaction limits apply to
//!   everyone outside a group (existing users, contributors, collaborators),
//!   not to one person. Its actions are recorded, not enforced (the action
//!   page says so); the decision API answers for them to a bot that asks.
//!   To enforce them, a deployment lists the organisation as a forum too.
//! - Review and approval and rate limits: GitHub has neither per person (no
//!   holding one user's comments for approval, no per-user rate), so
//!   [`Adapter::wants`] gives `None` for them.
//!
//! Reading asks, for each account modpod is concerned with, whether the
//! organisation blocks it. GitHub answers 404 both for "not blocked" and for
//! an organisation that does not exist or that the token cannot see, so a
//! missing organisation is never reported as missing: it shows when a block
//! is refused (reported as failed). The token needs the organisation's
//! "Blocking users" permission (fine-grained), or `admin:org` (classic).
//! A block modpod did not apply (set by an organisation owner) is left as it
//! is, and never lifted by modpod.

use crate::client::is_name;
use crate::{Client, GitHubError};
use modpod_adapter::{Actual, Adapter, AdapterError, Present, Step};
use modpod_enforce::Restrains;
use modpod_policy::model::{Forum, IdentityKind, Person};
use modpod_store::Enforced;
use std::collections::BTreeSet;

/// The ledger's name for what this adapter applied.
pub const TARGET: &str = "github";
/// An organisation block.
pub const BLOCK: &str = "block";
/// The forum kind of a GitHub organisation (placed).
pub const ORGANISATION: &str = "github-organisation";
/// The forum kind of a GitHub repository (not placed: see the module).
pub const REPOSITORY: &str = "github-repository";
/// The prefix of a GitHub forum's id.
pub const PREFIX: &str = "github:";

/// GitHub (or GitHub Enterprise Server), through a token allowed to block
/// users in the organisations modpod enforces in.
#[derive(Debug, Clone)]
pub struct GitHub {
    pub client: Client,
}

fn failed(error: GitHubError) -> AdapterError {
    AdapterError {
        transient: error.is_transient(),
        message: error.to_string(),
        retry_after: error.retry_after(),
    }
}

impl Adapter for GitHub {
    fn name(&self) -> &'static str {
        "GitHub"
    }

    fn target(&self) -> &'static str {
        TARGET
    }

    fn place_noun(&self) -> &'static str {
        "organisation"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[BLOCK]
    }

    /// The organisation of a `github-organisation` forum; `None` for any
    /// other kind, a repository's included (see the module).
    fn place(&self, forum: &Forum) -> Option<String> {
        let org = forum.id.as_str().strip_prefix(PREFIX)?;
        (forum.kind == ORGANISATION && is_name(org)).then(|| org.to_owned())
    }

    /// Their `github` identities, but for any the client would refuse to
    /// send (not a name GitHub accounts can have).
    fn accounts(&self, person: &Person) -> Vec<String> {
        person
            .identities
            .iter()
            .filter(|i| i.kind == IdentityKind::Github && is_name(&i.value))
            .map(|i| i.value.clone())
            .collect()
    }

    fn wants(&self, restrains: &Restrains) -> Option<(&'static str, Option<String>)> {
        match restrains {
            Restrains::Suspension => Some((BLOCK, None)),
            // GitHub has no per-person review nor rate: see the module.
            Restrains::Hold | Restrains::RateLimit { .. } => None,
        }
    }

    fn read(
        &self,
        org: &str,
        about: &BTreeSet<(String, String)>,
        _applied: &[Enforced],
    ) -> Result<Option<Actual>, AdapterError> {
        let mut actual = Actual::default();
        for (kind, user) in about {
            if kind != BLOCK {
                continue;
            }
            // 404 is "not blocked", also where the token sees no such
            // organisation: GitHub does not tell them apart.
            if self.client.blocked(org, user).map_err(failed)? {
                let present = Present {
                    enforces: true,
                    as_applied: true,
                    ..Present::default()
                };
                actual
                    .items
                    .insert((BLOCK.to_owned(), user.clone()), present);
            }
        }
        Ok(Some(actual))
    }

    fn apply(&self, org: &str, step: &Step) -> Result<(), AdapterError> {
        match step {
            Step::Apply { kind, account, .. } if kind == BLOCK => {
                self.client.block(org, account).map_err(failed)
            }
            Step::Remove { kind, account, .. } if kind == BLOCK => {
                self.client.unblock(org, account).map_err(failed)
            }
            other => Err(AdapterError {
                transient: false,
                message: format!(
                    "GitHub has no change {:?} for {}",
                    other.kind(),
                    other.account()
                ),
                retry_after: None,
            }),
        }
    }

    fn describe(&self, step: &Step, done: bool) -> String {
        let (now, past) = match step {
            Step::Record { kind, account, .. } => {
                return modpod_adapter::words::recorded(kind, account);
            }
            Step::Apply {
                account, source, ..
            } => (
                format!("block {account} ({source})"),
                format!("blocked {account} ({source})"),
            ),
            Step::Remove { account, .. } => (
                format!("unblock {account}: no action blocks them any more"),
                format!("unblocked {account}: no action blocks them any more"),
            ),
            Step::Forget { kind, account } => {
                let text = format!(
                    "the {kind} of {account} is no longer wanted and was already removed by hand"
                );
                (text.clone(), text)
            }
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
    use modpod_enforce::Source;
    use modpod_policy::ids::{ActionId, ForumId, PersonId};
    use modpod_policy::model::{Identity, Organisation};

    fn github() -> GitHub {
        GitHub {
            client: Client::new("http://127.0.0.1:9", "t"),
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
    fn an_organisation_is_placed_and_a_repository_is_not() {
        let g = github();
        assert_eq!(
            g.place(&forum("github:quicwg", ORGANISATION)),
            Some("quicwg".to_owned())
        );
        assert_eq!(
            g.place(&forum("github:octo-org.io_2", ORGANISATION)),
            Some("octo-org.io_2".to_owned())
        );
        // GitHub cannot stop one person in one repository.
        assert_eq!(
            g.place(&forum("github:quicwg/base-drafts", REPOSITORY)),
            None
        );
        assert_eq!(g.place(&forum("github:quicwg", REPOSITORY)), None);
        // Other kinds, even with a GitHub id (examples/ietf.toml's wiki).
        for (id, kind) in [
            ("github:ietf/wiki", "wiki"),
            ("github:ietf", "wiki"),
            ("quic@ietf.org", "mailing-list"),
            ("matrix:!abc:example.org", "chat"),
        ] {
            assert_eq!(g.place(&forum(id, kind)), None, "{id} ({kind})");
        }
        // An organisation forum whose id names no organisation.
        for id in [
            "quicwg",
            "github:",
            "github:quicwg/base-drafts",
            "github:a%2Fb",
        ] {
            assert_eq!(g.place(&forum(id, ORGANISATION)), None, "{id}");
        }
    }

    #[test]
    fn accounts_are_github_usernames_the_client_can_send() {
        let identities = [
            (IdentityKind::Github, "Bob-GH"),
            (IdentityKind::Github, "@carol"),
            (IdentityKind::Github, "not a name"),
            (IdentityKind::Github, "a/b"),
            (IdentityKind::Email, "bob@example.org"),
            (IdentityKind::Chat, "@bob:example.org"),
        ];
        let person = Person {
            id: PersonId::parse("bob").unwrap(),
            name: "Bob".into(),
            time_zone: None,
            roles: BTreeSet::new(),
            identities: identities
                .iter()
                .map(|(kind, value)| Identity::new(*kind, value).unwrap())
                .collect(),
            availability: vec![],
        };
        let mut accounts = github().accounts(&person);
        accounts.sort();
        assert_eq!(accounts, ["bob-gh", "carol"]);
    }

    #[test]
    fn only_a_suspension_is_wanted_as_a_block() {
        let g = github();
        assert_eq!(g.wants(&Restrains::Suspension), Some((BLOCK, None)));
        assert_eq!(g.wants(&Restrains::Hold), None);
        let rate = Restrains::RateLimit {
            posts: 2,
            per_seconds: 3600,
        };
        assert_eq!(g.wants(&rate), None);
    }

    #[test]
    fn steps_are_described_in_a_few_words() {
        let g = github();
        let block = Step::Apply {
            kind: BLOCK.into(),
            account: "bob-gh".into(),
            value: None,
            source: Source::Action(ActionId(12)),
            handle: None,
            previous: None,
        };
        assert_eq!(g.describe(&block, false), "block bob-gh (action #12)");
        assert_eq!(g.describe(&block, true), "blocked bob-gh (action #12)");
        let unblock = Step::Remove {
            kind: BLOCK.into(),
            account: "bob-gh".into(),
            handle: None,
            restore: None,
        };
        assert_eq!(
            g.describe(&unblock, true),
            "unblocked bob-gh: no action blocks them any more"
        );
        assert_eq!(g.what(BLOCK, "bob-gh"), "the block of bob-gh");
    }

    #[test]
    fn a_change_of_another_kind_is_refused_without_asking_github() {
        let step = Step::Apply {
            kind: "mute".into(),
            account: "bob-gh".into(),
            value: None,
            source: Source::Action(ActionId(1)),
            handle: None,
            previous: None,
        };
        // Port 9 would be unreachable (transient); this is a refusal.
        let error = github().apply("acme", &step).unwrap_err();
        assert!(!error.transient, "{error:?}");
    }
}
