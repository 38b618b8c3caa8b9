//! The registry of groups (FORUM-5): what the sync with the IETF Datatracker
//! records, as `system` on behalf of an operator, and what a closed forum
//! still takes.

use crate::world::*;
use Capacity::{Administrator, Moderator, Operator, Participant, System};

fn close(forum: &str) -> Command {
    Command::CloseForum {
        forum: f(forum),
        reason: "the working group concluded".into(),
    }
}

fn reopen(forum: &str) -> Command {
    Command::ReopenForum {
        forum: f(forum),
        reason: "the working group was chartered again".into(),
    }
}

#[test]
fn forum_5_a_closed_forum_takes_no_new_reports_or_actions_and_what_is_in_force_stays() {
    let mut w = World::ietf();
    let before = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    w.later_hours(1);
    let closed = w.ok("op", Operator, close("tls@"));
    assert_eq!(kinds(&closed), ["forum_closed"]);
    assert_eq!(w.state.closed_since(&f("tls@")), Some(w.now));

    // No new report, no new action, on it or naming it among others.
    let r = w.refused("bob", Participant, report("tls@", "carol", "uncivil"));
    assert_eq!(r.requirement(), "FORUM-5");
    assert_says(&r, "tls@ is closed since");
    let r = w.refused("alice", Administrator, admonish("bob", &["tls@"]));
    assert_eq!(r.requirement(), "FORUM-5");
    let r = w.refused("m1", Moderator, suspend("bob", &["ietf@", "tls@"]));
    assert_eq!(r.requirement(), "FORUM-5");
    // Nor is an action in force elsewhere extended to it.
    let elsewhere = w.take("m1", Moderator, suspend("erin", &["ietf@"]));
    let r = w.refused(
        "m1",
        Moderator,
        amend_to(
            elsewhere,
            Measure::IndefiniteSuspension,
            &["ietf@", "tls@"],
            None,
        ),
    );
    assert_eq!(r.requirement(), "FORUM-5");

    // What is in force there stays, and can still be undone.
    assert!(w.action(before).in_force());
    let carol = p("carol");
    assert_eq!(w.state.restrictions_at(&carol, w.now).len(), 1);
    w.ok("alice", Administrator, rescind(before));

    // Other fora are untouched; opened again, it takes reports again.
    w.file_report("bob", "tls-chat", "carol", "uncivil");
    w.ok("op", Operator, reopen("tls@"));
    assert_eq!(w.state.closed_since(&f("tls@")), None);
    w.file_report("bob", "tls@", "carol", "uncivil");
}

#[test]
fn forum_5_closing_and_opening_follow_the_forum_s_state_and_only_operators_or_the_sync_do_it() {
    let mut w = World::ietf();
    let r = w.refused("op", Operator, reopen("tls@"));
    assert_eq!(r.requirement(), "FORUM-5");
    assert_says(&r, "is not closed");
    for (person, capacity) in [
        ("alice", Administrator),
        ("m1", Moderator),
        ("bob", Participant),
    ] {
        let r = w.refused(person, capacity, close("tls@"));
        assert_eq!(r.requirement(), "ROLE-1", "{person}");
    }
    w.ok("system", System, close("tls@"));
    let r = w.refused("op", Operator, close("tls@"));
    assert_says(&r, "already closed");
    let r = w.refused("op", Operator, close("nowhere@"));
    assert_says(&r, "there is no forum nowhere@");
    w.ok("system", System, reopen("tls@"));
}

#[test]
fn forum_4_a_working_group_s_responsible_ad_name_and_area_change_and_disagreements_follow() {
    let mut w = World::ietf();
    let carol = w.take("alice", Administrator, suspend("carol", &["tls@"]));
    let tls = w.state.fora[&f("tls@")].clone();
    assert_eq!(w.state.responsible_ad(&tls), Some(p("ad_sec")));
    let change = Command::ChangeWorkingGroup {
        wg: wg("tls"),
        name: "Transport Layer Security (TLS)".into(),
        area: Some("tsv".into()),
        responsible_ad: Some(p("ad_tsv")),
    };
    let r = w.refused("alice", Administrator, change.clone());
    assert_eq!(r.requirement(), "ROLE-1");
    let events = w.ok("system", System, change.clone());
    assert_eq!(kinds(&events), ["working_group_changed"]);
    let group = &w.state.working_groups[&wg("tls")];
    assert_eq!(group.name, "Transport Layer Security (TLS)");
    assert_eq!(group.area.as_deref(), Some("tsv"));
    assert_eq!(w.state.responsible_ad(&tls), Some(p("ad_tsv")));
    // A disagreement now goes to the new AD (APPEAL-1).
    let appeal = w.ok("carol", Participant, disagree(carol));
    assert_eq!(filed_appeal(&appeal).assigned_to, Some(p("ad_tsv")));
    // The same values again change nothing, and say so.
    let r = w.refused("op", Operator, change);
    assert_says(&r, "nothing changes");
    // A person who does not exist is no AD.
    let r = w.refused(
        "op",
        Operator,
        Command::ChangeWorkingGroup {
            wg: wg("tls"),
            name: "TLS".into(),
            area: None,
            responsible_ad: Some(p("nobody")),
        },
    );
    assert_says(&r, "there is no person nobody");
    let r = w.refused(
        "op",
        Operator,
        Command::ChangeWorkingGroup {
            wg: wg("nowg"),
            name: "No group".into(),
            area: None,
            responsible_ad: None,
        },
    );
    assert_says(&r, "there is no working group nowg");
}

#[test]
fn forum_5_the_sync_records_as_system_for_an_operator_and_nobody_else_records_a_sync() {
    let mut w = World::ietf();
    // What the sync records: people, identities, groups, fora, roles and
    // delegations, as `system`.
    w.ok(
        "system",
        System,
        Command::RegisterPerson {
            person: p("dt-1"),
            name: "Dee Tracker".into(),
            time_zone: None,
        },
    );
    w.ok(
        "system",
        System,
        Command::LinkIdentity {
            person: p("dt-1"),
            identity: email("dee@example.org"),
        },
    );
    w.ok(
        "system",
        System,
        Command::CreateWorkingGroup {
            wg: wg("new"),
            name: "A new group".into(),
            area: Some("sec".into()),
            responsible_ad: Some(p("ad_sec")),
        },
    );
    w.ok(
        "system",
        System,
        Command::CreateForum {
            forum: f("new@ietf.org"),
            name: "new".into(),
            kind: "mailing-list".into(),
            organisation: Organisation::Ietf,
            public: true,
            plenary: false,
            wg: Some(wg("new")),
            responsible_ad: None,
        },
    );
    w.ok(
        "system",
        System,
        Command::GrantRole {
            person: p("dt-1"),
            role: Role::WgChair { wg: wg("new") },
        },
    );
    w.ok(
        "system",
        System,
        Command::DelegateAdministration {
            forum: f("new@ietf.org"),
            to: p("erin"),
        },
    );
    let new = w.state.fora[&f("new@ietf.org")].clone();
    assert_eq!(w.state.administrators(&new), [p("dt-1"), p("erin")].into());
    w.ok(
        "system",
        System,
        Command::RevokeRole {
            person: p("dt-1"),
            role: Role::WgChair { wg: wg("new") },
        },
    );
    assert_eq!(w.state.administrators(&new), [p("erin")].into());

    let sync = |on_behalf_of: &str| Command::RecordRegistrySync {
        source: "https://datatracker.ietf.org".into(),
        on_behalf_of: p(on_behalf_of),
        changes: 7,
    };
    // Only modpod's sync records a sync, and only for an operator.
    let r = w.refused("op", Operator, sync("op"));
    assert_eq!(r.requirement(), "FORUM-5");
    let r = w.refused("system", System, sync("alice"));
    assert_eq!(r.requirement(), "FORUM-5");
    assert_says(&r, "alice is not one");
    let events = w.ok("system", System, sync("op"));
    assert_eq!(kinds(&events), ["registry_synced"]);
    let synced = w.state.registry_synced.clone().unwrap();
    assert_eq!(synced.on_behalf_of, p("op"));
    assert_eq!(synced.changes, 7);
    assert_eq!(synced.at, w.now);
    // Nobody else acts as the system.
    let r = w.refused("op", System, sync("op"));
    assert_eq!(r.requirement(), "ROLE-1");
}
