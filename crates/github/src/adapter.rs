//! GitHub as modpod's adapter contract sees it (`modpod_adapter`): a forum of
//! kind `github-organisation` whose id is `github:` followed by the
//! organisation's name (`github:quicwg`) lives in that organisation; a
//! person's accounts there are their `github` identities (usernames); a
//! suspension is an organisation block, which keeps the user from opening
//! issues and pull requests, commenting, reacting and more anywhere in the
//! organisation's repositories.
//!
//! A forum of kind `github-repository` (`github:quicwg/base-drafts`) lives in
//! that repository, for one thing only: the cool-down an action asks for
//! (`set_cool_down`) is the repository's interaction limit, which lets only a
//! group (the deployment's `--github-cool-down`, contributors by default) open
//! issues and pull requests, comment and react, until the cool-down ends. The
//! limit is set with the shortest of GitHub's expiries that outlasts the
//! cool-down (one day to six months; a longer cool-down lapses at GitHub after
//! six months and is set again as drift), and removed by modpod when the
//! cool-down ends or the action is lifted. A limit as strict or stricter that
//! is already there counts as in effect and is left alone; a looser one is
//! replaced, and not put back afterwards. A limit set on the owner applies to
//! all its repositories and cannot be changed per repository (GitHub answers
//! 409): then the step is refused, saying so.
//!
//! What GitHub cannot do, and is left to others:
//! - Stopping one person in one repository: blocks are organisation-wide,
//!   and interaction limits apply to everyone outside a group. A suspension
//!   from a repository alone is recorded, not enforced (the action page says
//!   so); the decision API answers for it to a bot that asks. To enforce it,
//!   a deployment lists the organisation as a forum too.
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
use crate::{Client, Expiry, GitHubError, InteractionGroup};
use jiff::{SignedDuration, Timestamp};
use modpod_adapter::{Actual, Adapter, AdapterError, Present, Step, cool_down_until};
use modpod_enforce::Restrains;
use modpod_policy::model::{Forum, IdentityKind, Person};
use modpod_store::Enforced;
use std::collections::BTreeSet;

/// The ledger's name for what this adapter applied.
pub const TARGET: &str = "github";
/// An organisation block.
pub const BLOCK: &str = "block";
/// A repository's interaction limit, for a cool-down.
pub const INTERACTION_LIMIT: &str = "interaction_limit";
/// The forum kind of a GitHub organisation.
pub const ORGANISATION: &str = "github-organisation";
/// The forum kind of a GitHub repository (placed for cool-downs only).
pub const REPOSITORY: &str = "github-repository";
/// The prefix of a GitHub forum's id.
pub const PREFIX: &str = "github:";

/// GitHub (or GitHub Enterprise Server), through a token allowed to block
/// users in the organisations modpod enforces in, and to set the interaction
/// limits of the repositories.
#[derive(Debug, Clone)]
pub struct GitHub {
    pub client: Client,
    /// Who may still interact with a repository during a cool-down.
    pub cool_down: InteractionGroup,
}

impl GitHub {
    /// Blocks in organisations; cool-downs let contributors only.
    pub fn new(client: Client) -> GitHub {
        GitHub {
            client,
            cool_down: InteractionGroup::ContributorsOnly,
        }
    }
}

/// A repository's place, `owner/repo`, split.
fn repository(place: &str) -> Option<(&str, &str)> {
    place.split_once('/')
}

/// How strict a group is: the fewer people it lets interact, the stricter.
fn strictness(group: InteractionGroup) -> u8 {
    match group {
        InteractionGroup::ExistingUsers => 1,
        InteractionGroup::ContributorsOnly => 2,
        InteractionGroup::CollaboratorsOnly => 3,
    }
}

/// The shortest of GitHub's expiries that lasts from `now` to `until`; six
/// months, the longest, when none does.
pub fn expiry_for(now: Timestamp, until: Timestamp) -> Expiry {
    let days = |d: i64| SignedDuration::from_hours(24 * d);
    let lasts = [
        (Expiry::OneDay, days(1)),
        (Expiry::ThreeDays, days(3)),
        (Expiry::OneWeek, days(7)),
        // GitHub's month is at least 28 days; six months at least 181.
        (Expiry::OneMonth, days(28)),
    ];
    let needed = until.duration_since(now);
    lasts
        .into_iter()
        .find(|(_, lasts)| needed <= *lasts)
        .map_or(Expiry::SixMonths, |(expiry, _)| expiry)
}

fn refused(message: String) -> AdapterError {
    AdapterError {
        transient: false,
        message,
        retry_after: None,
    }
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
        "organisation or repository"
    }

    fn noun_of(&self, place: &str) -> &'static str {
        if repository(place).is_some() {
            "repository"
        } else {
            "organisation"
        }
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[BLOCK, INTERACTION_LIMIT]
    }

    /// The organisation of a `github-organisation` forum, `owner/repo` of a
    /// `github-repository` one; `None` for any other kind.
    fn place(&self, forum: &Forum) -> Option<String> {
        let name = forum.id.as_str().strip_prefix(PREFIX)?;
        let placed = match forum.kind.as_str() {
            ORGANISATION => is_name(name),
            REPOSITORY => repository(name).is_some_and(|(o, r)| is_name(o) && is_name(r)),
            _ => false,
        };
        placed.then(|| name.to_owned())
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

    /// A block in an organisation, an interaction limit on a repository;
    /// GitHub has no per-person review nor rate (see the module).
    fn wants(&self, place: &str, restrains: &Restrains) -> Option<(&'static str, Option<String>)> {
        match (repository(place), restrains) {
            (None, Restrains::Suspension) => Some((BLOCK, None)),
            (Some(_), Restrains::CoolDown { .. }) => Some((INTERACTION_LIMIT, None)),
            _ => None,
        }
    }

    fn read(
        &self,
        place: &str,
        about: &BTreeSet<(String, String)>,
        _applied: &[Enforced],
    ) -> Result<Option<Actual>, AdapterError> {
        let mut actual = Actual::default();
        if let Some((owner, repo)) = repository(place) {
            if !about.iter().any(|(kind, _)| kind == INTERACTION_LIMIT) {
                return Ok(Some(actual));
            }
            let Some(limit) = self.client.interaction_limit(owner, repo).map_err(failed)? else {
                return Ok(Some(actual));
            };
            let present = Present {
                enforces: strictness(limit.group) >= strictness(self.cool_down),
                as_applied: limit.set_on_repository() && limit.group == self.cool_down,
                value: Some(limit.group.to_string()),
                handle: None,
            };
            for (kind, account) in about {
                if kind == INTERACTION_LIMIT {
                    actual
                        .items
                        .insert((kind.clone(), account.clone()), present.clone());
                }
            }
            return Ok(Some(actual));
        }
        let org = place;
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

    /// Nothing to put back: a looser limit replaced is not restored.
    fn remembered(&self, _step: &Step) -> Option<String> {
        None
    }

    fn apply(&self, place: &str, step: &Step) -> Result<(), AdapterError> {
        let org = place;
        match step {
            Step::Apply { kind, account, .. } if kind == BLOCK => {
                self.client.block(org, account).map_err(failed)
            }
            Step::Remove { kind, account, .. } if kind == BLOCK => {
                self.client.unblock(org, account).map_err(failed)
            }
            Step::Apply { kind, account, .. } if kind == INTERACTION_LIMIT => {
                let ((owner, repo), Some(until)) = (
                    repository(place)
                        .ok_or_else(|| refused(format!("{place} is no repository")))?,
                    cool_down_until(account),
                ) else {
                    return Err(refused(format!("{account:?} is no cool-down")));
                };
                let expiry = expiry_for(Timestamp::now(), until);
                self.client
                    .set_interaction_limit(owner, repo, self.cool_down, expiry)
                    .map(|_| ())
                    .map_err(failed)
            }
            Step::Remove { kind, .. } if kind == INTERACTION_LIMIT => {
                let (owner, repo) = repository(place)
                    .ok_or_else(|| refused(format!("{place} is no repository")))?;
                self.client
                    .remove_interaction_limit(owner, repo)
                    .map_err(failed)
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
                kind,
                account,
                source,
                ..
            } if kind == INTERACTION_LIMIT => {
                let group = self.cool_down.as_str().replace('_', " ");
                (
                    format!("limit interactions to {group}, {account} ({source})"),
                    format!("limited interactions to {group}, {account} ({source})"),
                )
            }
            Step::Remove { kind, .. } if kind == INTERACTION_LIMIT => (
                "remove the interaction limit: no action asks for a cool-down any more".to_owned(),
                "removed the interaction limit: no action asks for a cool-down any more".to_owned(),
            ),
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
        if kind == INTERACTION_LIMIT {
            format!("the interaction limit for {account}")
        } else {
            format!("the {kind} of {account}")
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
    use modpod_policy::ids::{ActionId, ForumId, PersonId};
    use modpod_policy::model::{Identity, Organisation};

    fn github() -> GitHub {
        GitHub::new(Client::new("http://127.0.0.1:9", "t"))
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
    fn an_organisation_and_a_repository_are_placed() {
        let g = github();
        assert_eq!(
            g.place(&forum("github:quicwg", ORGANISATION)),
            Some("quicwg".to_owned())
        );
        assert_eq!(
            g.place(&forum("github:octo-org.io_2", ORGANISATION)),
            Some("octo-org.io_2".to_owned())
        );
        assert_eq!(
            g.place(&forum("github:quicwg/base-drafts", REPOSITORY)),
            Some("quicwg/base-drafts".to_owned())
        );
        assert_eq!(g.place(&forum("github:quicwg", REPOSITORY)), None);
        assert_eq!(g.place(&forum("github:quicwg/a/b", REPOSITORY)), None);
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
    fn a_suspension_is_a_block_in_an_organisation_and_a_cool_down_a_repository_s_limit() {
        let g = github();
        let (org, repo) = ("quicwg", "quicwg/base-drafts");
        let rate = Restrains::RateLimit {
            posts: 2,
            per_seconds: 3600,
        };
        let cool = Restrains::CoolDown {
            until: "2026-12-10T00:00:00Z".parse().unwrap(),
        };
        assert_eq!(g.wants(org, &Restrains::Suspension), Some((BLOCK, None)));
        assert_eq!(g.wants(repo, &cool), Some((INTERACTION_LIMIT, None)));
        for (place, restrains) in [
            (org, Restrains::Hold),
            (org, rate),
            (org, cool),
            (repo, Restrains::Suspension),
            (repo, Restrains::Hold),
            (repo, rate),
        ] {
            assert_eq!(g.wants(place, &restrains), None, "{place} {restrains:?}");
        }
    }

    #[test]
    fn a_cool_down_s_limit_is_set_for_the_shortest_expiry_that_outlasts_it() {
        let now: Timestamp = "2026-12-06T12:00:00Z".parse().unwrap();
        let after = |hours: i64| now + SignedDuration::from_hours(hours);
        for (hours, expiry) in [
            (1, Expiry::OneDay),
            (24, Expiry::OneDay),
            (25, Expiry::ThreeDays),
            (72, Expiry::ThreeDays),
            (73, Expiry::OneWeek),
            (7 * 24, Expiry::OneWeek),
            (8 * 24, Expiry::OneMonth),
            (28 * 24, Expiry::OneMonth),
            (29 * 24, Expiry::SixMonths),
            (400 * 24, Expiry::SixMonths),
        ] {
            assert_eq!(expiry_for(now, after(hours)), expiry, "{hours} h");
        }
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
