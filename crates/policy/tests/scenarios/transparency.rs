//! The aggregate transparency report (NOTIFY-5, STATS-1) and its privacy (PRIV-1).

use crate::world::*;
use Capacity::{Administrator, AreaDirector, Moderator, Participant};
use modpod_policy::transparency;

/// March 2026: one report acknowledged after two hours and acted on, an
/// admonishment on the plenary list, a spam action, and an appeal that the AD
/// does not uphold.
fn march(w: &mut World) {
    w.at("2026-03-02T10:00:00Z");
    let rep = w.file_report("bob", "tls@", "carol", "sealioning");
    w.later_hours(2);
    w.ok(
        "alice",
        Administrator,
        Command::AcknowledgeReport { report: rep },
    );
    let a = w.take(
        "alice",
        Administrator,
        citing(
            suspend_until("carol", &["tls@"], "2026-03-25T12:00:00Z"),
            &[rep],
        ),
    );
    w.take("m1", Moderator, admonish("erin", &["ietf@"]));
    w.take("alice", Administrator, as_spam(suspend("bob", &["tls@"])));
    let ev = w.ok("carol", Participant, disagree(a));
    let appeal = filed_appeal(&ev).id;
    w.later_hours(24);
    w.ok("ad_sec", AreaDirector, decide_appeal(appeal, false, None));
}

#[test]
fn notify_5_the_report_counts_actions_reports_and_appeals_of_the_period() {
    let mut w = World::ietf();
    march(&mut w);
    let r = transparency::report(
        &w.state,
        ts("2026-03-01T00:00:00Z"),
        ts("2026-04-01T00:00:00Z"),
    );
    let kinds: Vec<(&str, &str, &str, u64)> = r
        .actions
        .iter()
        .map(|c| (c.month.as_str(), c.action, c.forum_kind.as_str(), c.count))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("2026-03", "private_admonishment", "mailing-list", 1),
            ("2026-03", "temporary_suspension", "mailing-list", 1),
        ]
    );
    assert_eq!(r.spam_actions, 1, "spam is counted apart (STATS-1)");
    assert_eq!(r.people_acted_on, 2);
    assert_eq!((r.reports.received, r.reports.acknowledged), (1, 1));
    assert_eq!(r.reports.median_hours_to_acknowledge, Some(2.0));
    assert_eq!(r.appeals.filed, 1);
    let ad = &r.appeals.decided["area_director_or_ietf_chair"];
    assert_eq!((ad.upheld, ad.not_upheld), (0, 1));

    // Another period sees none of it.
    let april = transparency::report(
        &w.state,
        ts("2026-04-01T00:00:00Z"),
        ts("2026-05-01T00:00:00Z"),
    );
    assert!(april.actions.is_empty());
    assert_eq!(
        (
            april.reports.received,
            april.appeals.filed,
            april.spam_actions
        ),
        (0, 0, 0)
    );
}

#[test]
fn priv_1_the_public_report_names_nobody() {
    let mut w = World::ietf();
    march(&mut w);
    let r = transparency::report(
        &w.state,
        ts("2026-01-01T00:00:00Z"),
        ts("2027-01-01T00:00:00Z"),
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("temporary_suspension"), "{json}");
    for (id, name) in PEOPLE {
        assert!(
            !json.contains(&format!("\"{id}\"")),
            "{id} appears in {json}"
        );
        assert!(!json.contains(name), "{name} appears in {json}");
    }
    // No forum, address, reason or evidence either: only kinds and counts.
    for needle in ["@", "sealioning", "http"] {
        assert!(!json.contains(needle), "{needle:?} appears in {json}");
    }
}
