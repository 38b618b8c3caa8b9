//! The adapter (`modpod_github::GitHub`) through the contract, as `modpod
//! serve` runs it (`modpod_adapter::testing::World`: the real engine on a
//! throwaway log), against Prism serving GitHub's own OpenAPI description
//! through the recording proxy of `tests/common`: every request the adapter
//! sends is checked to be one GitHub's description accepts.
//!
//! Prism answers `GET /orgs/{org}/blocks/{username}` with its first
//! documented response, 204 ("blocked"); the tests that need "not blocked"
//! ask for the 404 (`Prefer: code=404`).
//!
//! Needs MODPOD_TEST_GITHUB_URL, as `tests/prism.rs`:
//!
//! ```sh
//! source scripts/lib/services.sh; source scripts/lib/prism.sh; source scripts/lib/github.sh
//! ensure_prism; ensure_github_openapi; start_github_mock
//! cargo test -p modpod-github; stop_prisms
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Recorder, call};
use modpod_adapter::testing::World;
use modpod_adapter::{Adapter, ReconcileError};
use modpod_github::{Client, GitHub};
use modpod_policy::ids::ActionId;
use modpod_policy::model::{IdentityKind, Measure};
use modpod_store::Enforced;
use std::sync::Arc;

const ACME: &str = "github:acme";
const BOB: &str = "/orgs/acme/blocks/bob-gh";

fn world(fora: &[(&str, &str)]) -> World {
    World::new(fora, &[("bob", &[(IdentityKind::Github, "Bob-GH")])])
}

fn adapter(client: Client) -> Arc<dyn Adapter> {
    Arc::new(GitHub::new(client))
}

fn bob_blocked_in_acme() -> Enforced {
    Enforced {
        place: "acme".into(),
        account: "bob-gh".into(),
        kind: "block".into(),
        previous: None,
    }
}

/// Bob suspended in `github:acme` and blocked there by modpod: the world,
/// the suspension and the mock's exchanges so far (GET 404, PUT 204).
fn bob_blocked(mock: &Recorder, github: &Arc<dyn Adapter>) -> (World, ActionId) {
    let mut w = world(&[(ACME, "github-organisation")]);
    mock.prefer("GET", 404);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[ACME]);
    let lines = w.reconcile(github).unwrap();
    assert_eq!(
        lines,
        [format!("acme: blocked bob-gh (action #{})", suspension.0)]
    );
    (w, suspension)
}

/// One `PUT` Prism accepts; the ledger keeps it; once GitHub says blocked,
/// a second pass only reads.
#[test]
fn a_suspension_is_one_organisation_block_github_accepts() {
    let mock = Recorder::start();
    let github = adapter(mock.client());
    let (mut w, _) = bob_blocked(&mock, &github);
    assert_eq!(mock.calls(), [call("GET", BOB, 404), call("PUT", BOB, 204)]);
    assert_eq!(mock.checked()[1].header("content-length"), Some("0"));
    assert_eq!(
        w.engine.store().enforced("github").unwrap(),
        [bob_blocked_in_acme()]
    );

    mock.prefer_first("GET");
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    assert_eq!(mock.calls()[2..], [call("GET", BOB, 204)]);
    assert_eq!(
        w.engine.store().enforced("github").unwrap(),
        [bob_blocked_in_acme()]
    );
}

/// The block modpod applied is lifted with one `DELETE` Prism accepts, and
/// forgotten; after that nothing is asked of GitHub.
#[test]
fn a_rescinded_suspension_is_one_unblock() {
    let mock = Recorder::start();
    let github = adapter(mock.client());
    let (mut w, suspension) = bob_blocked(&mock, &github);
    mock.prefer_first("GET");
    w.rescind(suspension);
    assert_eq!(
        w.reconcile(&github).unwrap(),
        ["acme: unblocked bob-gh: no action blocks them any more"]
    );
    assert_eq!(
        mock.calls()[2..],
        [call("GET", BOB, 204), call("DELETE", BOB, 204)]
    );
    assert_eq!(w.engine.store().enforced("github").unwrap(), []);
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    assert_eq!(mock.calls().len(), 4);
}

/// GitHub's 422 to the block, the user still not blocked: reported as
/// failed (without the username), nothing in the ledger, tried again at the
/// next pass.
#[test]
fn a_refused_block_is_reported_and_not_recorded() {
    let mock = Recorder::start();
    let github = adapter(mock.client());
    let mut w = world(&[(ACME, "github-organisation")]);
    mock.prefer("GET", 404);
    mock.prefer("PUT", 422);
    w.act("bob", Measure::IndefiniteSuspension, &[ACME]);
    let lines = w.reconcile(&github).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "acme: failed: GitHub refused to block a user in organisation acme (HTTP 422)"
        ),
        "{lines:?}"
    );
    assert!(!lines[0].contains("bob-gh"), "{lines:?}");
    // The client's check after a 422 (it also means "already blocked").
    assert_eq!(
        mock.calls(),
        [
            call("GET", BOB, 404),
            call("PUT", BOB, 422),
            call("GET", BOB, 404)
        ]
    );
    assert_eq!(w.engine.store().enforced("github").unwrap(), []);

    mock.prefer("PUT", 204);
    let lines = w.reconcile(&github).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("acme: blocked bob-gh"), "{lines:?}");
    assert_eq!(
        w.engine.store().enforced("github").unwrap(),
        [bob_blocked_in_acme()]
    );
}

/// A block an organisation owner set satisfies the suspension, and is not
/// lifted when the suspension is rescinded: modpod did not apply it.
#[test]
fn a_block_set_by_an_owner_is_never_lifted() {
    let mock = Recorder::start();
    let github = adapter(mock.client());
    let mut w = world(&[(ACME, "github-organisation")]);
    let suspension = w.act("bob", Measure::IndefiniteSuspension, &[ACME]);
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    assert_eq!(mock.calls(), [call("GET", BOB, 204)]);
    assert_eq!(w.engine.store().enforced("github").unwrap(), []);
    w.rescind(suspension);
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    assert_eq!(mock.calls(), [call("GET", BOB, 204)]);
}

/// A block modpod applied that an owner lifted by hand is drift, and
/// re-applied while the suspension lasts.
#[test]
fn a_block_lifted_by_hand_is_drift_and_reapplied() {
    let mock = Recorder::start();
    let github = adapter(mock.client());
    let (mut w, suspension) = bob_blocked(&mock, &github);
    let lines = w.reconcile(&github).unwrap();
    assert_eq!(
        lines,
        [
            format!(
                "drift: acme: the block of bob-gh (action #{}) was removed by hand; re-applied",
                suspension.0
            ),
            format!("acme: blocked bob-gh (action #{})", suspension.0),
        ]
    );
    assert_eq!(
        mock.calls()[2..],
        [call("GET", BOB, 404), call("PUT", BOB, 204)]
    );
}

/// What GitHub cannot do per person asks nothing of it: a suspension in a
/// repository (recorded, not enforced), review and approval and a rate limit
/// in an organisation.
#[test]
fn repositories_holds_and_rate_limits_ask_nothing_of_github() {
    let mock = Recorder::start();
    let github = adapter(mock.client());
    let repository = "github:quicwg/base-drafts";
    let mut w = world(&[
        (repository, "github-repository"),
        (ACME, "github-organisation"),
    ]);
    w.act("bob", Measure::IndefiniteSuspension, &[repository]);
    w.act("bob", Measure::ReviewAndApproval, &[ACME]);
    let rate = Measure::RateLimit {
        posts: 2,
        per_seconds: 3600,
    };
    w.act("bob", rate, &[ACME]);
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    assert!(mock.log.lock().unwrap().is_empty());
    // The same world with a suspension in the organisation does ask.
    w.act("bob", Measure::IndefiniteSuspension, &[ACME]);
    w.reconcile(&github).unwrap();
    assert_eq!(mock.calls(), [call("GET", BOB, 204)]);
}

/// GitHub unreachable stops the pass (to be tried again later); nothing is
/// recorded. Needs no mock.
#[test]
fn github_unreachable_stops_the_pass() {
    let github = adapter(Client::new("http://127.0.0.1:1", "t"));
    let mut w = world(&[(ACME, "github-organisation")]);
    w.act("bob", Measure::IndefiniteSuspension, &[ACME]);
    match w.reconcile(&github) {
        Err(ReconcileError::Software(e)) => {
            assert!(e.transient, "{e:?}");
            assert!(e.message.contains("http://127.0.0.1:1"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(w.engine.store().enforced("github").unwrap(), []);
}

const REPOSITORY: &str = "github:quicwg/base-drafts";
const LIMITS: &str = "/repos/quicwg/base-drafts/interaction-limits";

/// An action's cool-down on a repository is its interaction limit: one
/// `PUT` GitHub's description accepts, contributors only, for the shortest
/// expiry that outlasts it; in the ledger; removed with one `DELETE` when
/// the cool-down ends (the limit still as modpod set it), then forgotten.
#[test]
fn a_cool_down_is_the_repository_s_interaction_limit_until_it_ends() {
    let mock = Recorder::start();
    let github = adapter(mock.client());
    let mut w = world(&[(REPOSITORY, "github-repository")]);
    let action = w.act("bob", Measure::PublicAdmonishment, &[REPOSITORY]);
    // Before any cool-down, the admonishment asks nothing of GitHub.
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    assert!(mock.log.lock().unwrap().is_empty());

    let until = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48);
    let until = until.round(jiff::Unit::Second).unwrap();
    w.cool_down(action, Some(until));
    // No limit on the repository yet: `{}`, as GitHub's description allows.
    mock.answer_instead("GET", "{}");
    let everyone = format!("everyone until {until}");
    assert_eq!(
        w.reconcile(&github).unwrap(),
        [format!(
            "quicwg/base-drafts: limited interactions to contributors only, {everyone} (action #{})",
            action.0
        )]
    );
    assert_eq!(
        mock.calls(),
        [call("GET", LIMITS, 200), call("PUT", LIMITS, 200)]
    );
    let put: serde_json::Value = serde_json::from_str(&mock.checked()[1].body).unwrap();
    assert_eq!(
        put,
        serde_json::json!({"limit": "contributors_only", "expiry": "three_days"})
    );
    let limit = Enforced {
        place: "quicwg/base-drafts".into(),
        account: everyone.clone(),
        kind: "interaction_limit".into(),
        previous: None,
    };
    assert_eq!(w.engine.store().enforced("github").unwrap(), [limit]);

    // In place as modpod set it: a second pass only reads.
    let as_set = format!(
        r#"{{"limit":"contributors_only","origin":"repository","expires_at":"{}"}}"#,
        until + jiff::SignedDuration::from_hours(24)
    );
    mock.answer_instead("GET", &as_set);
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    assert_eq!(mock.calls()[2..], [call("GET", LIMITS, 200)]);

    // Ended: the limit modpod set goes, and the ledger forgets it.
    w.cool_down(action, None);
    assert_eq!(
        w.reconcile(&github).unwrap(),
        [
            "quicwg/base-drafts: removed the interaction limit: no action asks for a cool-down any more"
        ]
    );
    assert_eq!(
        mock.calls()[3..],
        [call("GET", LIMITS, 200), call("DELETE", LIMITS, 204)]
    );
    assert_eq!(w.engine.store().enforced("github").unwrap(), []);
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    assert_eq!(mock.calls().len(), 5);
}

/// A stricter limit already there (GitHub's example: collaborators only)
/// enforces the cool-down: nothing is set, and modpod, which did not set
/// it, never removes it. A limit set on the owner (GitHub's 409) is a
/// refusal that says so.
#[test]
fn a_stricter_limit_is_left_alone_and_an_owner_wide_one_is_a_refusal() {
    let mock = Recorder::start();
    let github = adapter(mock.client());
    let mut w = world(&[(REPOSITORY, "github-repository")]);
    let action = w.act("bob", Measure::PublicAdmonishment, &[REPOSITORY]);
    let until = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(5);
    w.cool_down(action, Some(until));
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    w.cool_down(action, None);
    assert_eq!(w.reconcile(&github).unwrap(), Vec::<String>::new());
    // Nothing of modpod's there, nothing wanted: not even read.
    assert_eq!(mock.calls(), [call("GET", LIMITS, 200)]);

    w.cool_down(action, Some(until));
    mock.answer_instead("GET", "{}");
    mock.prefer("PUT", 409);
    let lines = w.reconcile(&github).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("quicwg/base-drafts: failed:") && lines[0].contains("409"),
        "{lines:?}"
    );
    assert_eq!(w.engine.store().enforced("github").unwrap(), []);
}
