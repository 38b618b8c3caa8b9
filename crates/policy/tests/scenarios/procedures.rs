//! The moderator team's procedures (PROC-1): draft, community review, IESG
//! approval; every action names the approved version in force.

use crate::world::*;
use Capacity::{Administrator, Iesg, Moderator};

fn draft(version: u32) -> Command {
    Command::DraftProcedures {
        ladder: None,
        version,
        title: format!("Moderator procedures v{version}"),
        text: "1. Contact the person off-list.".into(),
        numbers: TeamNumbersChange::default(),
    }
}

/// Drafts, reviews and approves `version`.
fn approve(w: &mut World, version: u32) {
    w.ok("m1", Moderator, draft(version));
    w.ok("m2", Moderator, Command::OpenProceduresReview { version });
    let ev = w.ok("ad_sec", Iesg, Command::ApproveProcedures { version });
    assert_eq!(ev, vec![Event::ProceduresApproved { version, at: w.now }]);
}

fn version_of_next_action(w: &mut World) -> Option<u32> {
    let a = w.take("m1", Moderator, admonish("carol", &["ietf@"]));
    w.action(a).procedures_version
}

#[test]
fn proc_1_an_action_records_the_approved_version_in_force() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    assert_eq!(version_of_next_action(&mut w), None);
    approve(&mut w, 1);
    assert_eq!(w.state.procedures_in_force(), Some(1));
    assert_eq!(version_of_next_action(&mut w), Some(1));
    // Administrators' actions name it too.
    let a = w.take("alice", Administrator, admonish("carol", &["tls@"]));
    assert_eq!(w.action(a).procedures_version, Some(1));
}

#[test]
fn proc_1_drafts_don_t_count_until_approved() {
    let mut w = World::ietf();
    w.at("2026-03-01T10:00:00Z");
    approve(&mut w, 1);
    w.ok("m1", Moderator, draft(2));
    assert_eq!(
        version_of_next_action(&mut w),
        Some(1),
        "a draft is not in force"
    );
    w.ok(
        "m1",
        Moderator,
        Command::OpenProceduresReview { version: 2 },
    );
    assert_eq!(
        version_of_next_action(&mut w),
        Some(1),
        "nor is a version in community review"
    );
    w.ok("ad_tsv", Iesg, Command::ApproveProcedures { version: 2 });
    assert_eq!(version_of_next_action(&mut w), Some(2));
    let p2 = w.state.procedures.get(&2).unwrap();
    assert_eq!(
        (p2.status, p2.approved_at),
        (ProceduresStatus::Approved, Some(w.now))
    );
}

#[test]
fn proc_1_iesg_approval_only_after_community_review() {
    let mut w = World::ietf();
    w.ok("m1", Moderator, draft(1));
    let r = w.refused("ad_sec", Iesg, Command::ApproveProcedures { version: 1 });
    assert_eq!(r.requirement(), "PROC-1");
    assert_says(
        &r,
        "version 1 must go through community review before the IESG approves it",
    );
    w.ok(
        "m1",
        Moderator,
        Command::OpenProceduresReview { version: 1 },
    );
    let r = w.refused(
        "m1",
        Moderator,
        Command::OpenProceduresReview { version: 1 },
    );
    assert_eq!(r.requirement(), "PROC-1");
    assert_says(&r, "version 1 is not a draft");
    w.ok("ad_sec", Iesg, Command::ApproveProcedures { version: 1 });
    let r = w.refused("ad_sec", Iesg, Command::ApproveProcedures { version: 1 });
    assert_eq!(r.requirement(), "PROC-1");
}

#[test]
fn proc_1_the_team_drafts_and_the_iesg_approves() {
    let mut w = World::ietf();
    let r = w.refused("alice", Administrator, draft(1));
    assert_eq!(r.requirement(), "PROC-1");
    assert_says(&r, "drafting procedures is for: moderator");
    w.ok("m1", Moderator, draft(1));
    let r = w.refused("ad_sec", Iesg, Command::OpenProceduresReview { version: 1 });
    assert_eq!(r.requirement(), "PROC-1");
    w.ok(
        "m1",
        Moderator,
        Command::OpenProceduresReview { version: 1 },
    );
    let r = w.refused("m1", Moderator, Command::ApproveProcedures { version: 1 });
    assert_eq!(r.requirement(), "PROC-1");
    assert_says(&r, "approving procedures is for: iesg");
}

#[test]
fn proc_1_versions_only_go_up() {
    let mut w = World::ietf();
    w.ok("m1", Moderator, draft(2));
    for v in [1, 2] {
        let r = w.refused("m1", Moderator, draft(v));
        assert_eq!(r.requirement(), "INPUT");
        assert_says(&r, "must be higher than every earlier version");
    }
}
