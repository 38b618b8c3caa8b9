//! Evidence (EVIDENCE-1): what modpod records, as `system`, when it fetches
//! an action's evidence links, once and then to check them; and who reads
//! what it found.

use crate::world::*;
use Capacity::{Administrator, Moderator, Participant, System};
use modpod_policy::views::{self, EvidenceCheck, EvidenceStatus};

const SEEN: &str = "https://mailarchive.ietf.org/arch/msg/tls/seen";
const OTHER: &str = "https://mailarchive.ietf.org/arch/msg/tls/other";
/// SHA-256 of "test".
const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
/// SHA-256 of "".
const OTHER_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// carol suspended on tls@ by alice, on two links: the first with the hash
/// of what alice saw there.
fn suspended_on_evidence(w: &mut World) -> ActionId {
    let mut cmd = suspend("carol", &["tls@"]);
    if let Command::TakeAction { evidence, .. } = &mut cmd {
        evidence.push(Evidence {
            url: SEEN.into(),
            sha256: Some(HASH.into()),
        });
        evidence.push(Evidence {
            url: OTHER.into(),
            sha256: None,
        });
    }
    w.take("alice", Administrator, cmd)
}

fn found(sha256: &str, size: u64) -> FetchOutcome {
    FetchOutcome::Found {
        sha256: sha256.into(),
        size,
    }
}

fn retrieval(action: ActionId, url: &str, outcome: FetchOutcome) -> Command {
    Command::RecordEvidenceRetrieval {
        action,
        url: url.into(),
        outcome,
    }
}

fn check(action: ActionId, url: &str, outcome: FetchOutcome) -> Command {
    Command::RecordEvidenceCheck {
        action,
        url: url.into(),
        outcome,
    }
}

/// What `person` reads of the action's link `url`.
fn status(w: &World, person: &str, action: ActionId, url: &str) -> EvidenceStatus {
    views::evidence(&w.state, &p(person), w.action(action))
        .into_iter()
        .find(|e| e.url == url)
        .unwrap_or_else(|| panic!("{person} reads no {url}"))
        .status
}

#[test]
fn evidence_1_each_link_is_fetched_once_its_hash_and_size_kept_never_its_content() {
    let mut w = World::ietf();
    let a = suspended_on_evidence(&mut w);
    assert_eq!(status(&w, "alice", a, SEEN), EvidenceStatus::NotYetFetched);

    w.later_hours(1);
    let events = w.ok("system", System, retrieval(a, SEEN, found(HASH, 4)));
    assert_eq!(kinds(&events), ["evidence_retrieved"]);
    // The event holds the link, the time, the hash and the size: nothing of
    // what the message said.
    let payload: serde_json::Value = serde_json::from_str(&events[0].to_payload()).unwrap();
    assert_eq!(
        payload["outcome"],
        serde_json::json!({"kind": "found", "sha256": HASH, "size": 4})
    );
    assert_eq!(
        status(&w, "alice", a, SEEN),
        EvidenceStatus::Fetched {
            sha256: HASH.into(),
            size: 4,
            retrieved_at: w.now,
            matches_given: Some(true),
            last_check: None,
        }
    );

    // Once: fetching it again is a check, not a second retrieval.
    w.later_hours(1);
    let r = w.refused("system", System, retrieval(a, SEEN, found(OTHER_HASH, 0)));
    assert_eq!(r.requirement(), "EVIDENCE-1");
    assert_says(&r, "fetched already");

    // A link that could not be read is recorded as such; the action stands.
    let unavailable = FetchOutcome::Unavailable {
        reason: "no answer within 10 s".into(),
    };
    w.ok("system", System, retrieval(a, OTHER, unavailable));
    assert_eq!(
        status(&w, "m1", a, OTHER),
        EvidenceStatus::Unavailable {
            reason: "no answer within 10 s".into(),
            tried_at: w.now,
        }
    );
    assert!(w.action(a).in_force());
    // With nothing found there, there is nothing to check it against.
    let r = w.refused("system", System, check(a, OTHER, found(HASH, 4)));
    assert_eq!(r.requirement(), "EVIDENCE-1");
    assert_says(&r, "never fetched");
}

#[test]
fn evidence_1_only_modpod_records_and_only_the_action_s_own_links_well_formed() {
    let mut w = World::ietf();
    let a = suspended_on_evidence(&mut w);
    // Not a person, whatever their role.
    for (person, capacity) in [("alice", Administrator), ("m1", Moderator)] {
        let r = w.refused(person, capacity, retrieval(a, SEEN, found(HASH, 4)));
        assert_eq!(r.requirement(), "EVIDENCE-1", "{person}");
        assert_says(&r, "system");
    }
    // Nobody else acts as the system.
    let r = w.refused("alice", System, retrieval(a, SEEN, found(HASH, 4)));
    assert_eq!(r.requirement(), "ROLE-1");
    // A link the action does not give, or an action that does not exist.
    let r = w.refused(
        "system",
        System,
        retrieval(a, "https://example.org/elsewhere", found(HASH, 4)),
    );
    assert_eq!(
        r,
        Refusal::Invalid {
            field: "url",
            reason: format!("https://example.org/elsewhere is not evidence of {a}"),
        }
    );
    let r = w.refused(
        "system",
        System,
        retrieval(ActionId(99), SEEN, found(HASH, 4)),
    );
    assert_eq!(r.code(), "unknown");
    // Well formed: a lower-case SHA-256, gone as 404 or 410, a reason.
    let malformed = [
        (found(&HASH.to_uppercase(), 4), "outcome.sha256"),
        (found(&HASH[..63], 4), "outcome.sha256"),
        (FetchOutcome::Gone { status: 500 }, "outcome.status"),
        (
            FetchOutcome::Unavailable { reason: " ".into() },
            "outcome.reason",
        ),
        (
            FetchOutcome::Unavailable {
                reason: "two\nlines".into(),
            },
            "outcome.reason",
        ),
    ];
    for (outcome, field) in malformed {
        for command in [
            retrieval(a, SEEN, outcome.clone()),
            check(a, SEEN, outcome.clone()),
        ] {
            let r = w.refused("system", System, command);
            assert!(
                matches!(r, Refusal::Invalid { field: f, .. } if f == field),
                "{outcome:?}: {r:?}"
            );
        }
    }
    // A check before any retrieval.
    let r = w.refused("system", System, check(a, SEEN, found(HASH, 4)));
    assert_eq!(r.requirement(), "EVIDENCE-1");
    assert!(w.state.evidence_fetched.is_empty());
}

#[test]
fn evidence_1_a_check_says_unchanged_changed_gone_or_unreachable() {
    let mut w = World::ietf();
    let a = suspended_on_evidence(&mut w);
    w.ok("system", System, retrieval(a, OTHER, found(HASH, 4)));
    let retrieved_at = w.now;
    let checks = [
        (found(HASH, 4), CheckResult::Unchanged),
        (
            found(OTHER_HASH, 0),
            CheckResult::Changed {
                sha256: OTHER_HASH.into(),
                size: 0,
            },
        ),
        (
            FetchOutcome::Gone { status: 410 },
            CheckResult::Gone { status: 410 },
        ),
        (
            FetchOutcome::Unavailable {
                reason: "HTTP 503 Service Unavailable".into(),
            },
            CheckResult::Unreachable {
                reason: "HTTP 503 Service Unavailable".into(),
            },
        ),
        // Back again, as it was first found.
        (found(HASH, 4), CheckResult::Unchanged),
    ];
    for (outcome, result) in checks {
        w.later_hours(24);
        let events = w.ok("system", System, check(a, OTHER, outcome));
        assert_eq!(kinds(&events), ["evidence_checked"]);
        // Always against what was first fetched, which stays as it was; no
        // hash was given with this link, so nothing to match.
        assert_eq!(
            status(&w, "m1", a, OTHER),
            EvidenceStatus::Fetched {
                sha256: HASH.into(),
                size: 4,
                retrieved_at,
                matches_given: None,
                last_check: Some(EvidenceCheck { at: w.now, result }),
            }
        );
    }
    // The other link is untouched.
    assert_eq!(status(&w, "m1", a, SEEN), EvidenceStatus::NotYetFetched);
}

#[test]
fn evidence_1_what_was_fetched_is_compared_with_what_the_person_acting_saw() {
    let mut w = World::ietf();
    let a = suspended_on_evidence(&mut w);
    // alice gave the hash of "test"; the archive served something else.
    w.ok("system", System, retrieval(a, SEEN, found(OTHER_HASH, 0)));
    let EvidenceStatus::Fetched { matches_given, .. } = status(&w, "alice", a, SEEN) else {
        panic!("fetched")
    };
    assert_eq!(matches_given, Some(false));
    let given = views::evidence(&w.state, &p("alice"), w.action(a));
    assert_eq!(given[0].sha256_given.as_deref(), Some(HASH));
}

#[test]
fn evidence_1_priv_1_what_was_found_is_read_by_those_who_read_the_action_s_evidence() {
    let mut w = World::ietf();
    let a = suspended_on_evidence(&mut w);
    w.ok("system", System, retrieval(a, SEEN, found(HASH, 4)));
    let action = w.action(a).clone();
    // Those who may see the action read its evidence, and what was found.
    for person in ["alice", "m1", "ad_sec", "iab_member"] {
        assert!(views::may_see_action(&w.state, &p(person), &action));
        let read = views::evidence(&w.state, &p(person), &action);
        assert_eq!(read.len(), 2, "{person}");
    }
    // Its subject reads neither the links nor what was found there, as
    // they do not read the evidence; nor does anyone who may not see the
    // action.
    for person in ["carol", "bob", "erin", "dave", "llc_staff"] {
        assert!(
            views::evidence(&w.state, &p(person), &action).is_empty(),
            "{person}"
        );
    }
    assert!(
        views::action_as_seen_by(&p("carol"), &action)
            .evidence
            .is_empty()
    );
    // A participant cannot record what a link held either.
    let r = w.refused("bob", Participant, retrieval(a, OTHER, found(HASH, 4)));
    assert_eq!(r.requirement(), "EVIDENCE-1");
}
