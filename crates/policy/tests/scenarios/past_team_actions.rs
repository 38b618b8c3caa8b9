//! The moderator team's past actions, imported so that its yearly table
//! covers the years before modpod (MIGRATE-1, STATS-1): counted in their
//! years by level, a named person once over all the years with their
//! actions in modpod, anonymous counts added as they are; history only,
//! restricting and telling no one.

use crate::world::*;
use Capacity::{Moderator, Operator};
use jiff::civil::Date;
use modpod_policy::transparency::team_statistics;

fn day(s: &str) -> Date {
    s.parse().unwrap_or_else(|e| panic!("bad date {s:?}: {e}"))
}

/// A past action at `level` on the plenary list contacting `count` people,
/// not named.
fn past(key: &str, date: &str, level: Option<u8>, count: u32) -> Command {
    Command::RecordPastTeamAction {
        date: day(date),
        level,
        forum: Some(f("ietf@")),
        forum_name: None,
        person: None,
        count: Some(count),
        spam: false,
        rescinded: false,
        reference: "https://github.com/ietf/Moderators/blob/main/stats.md".into(),
        key: key.into(),
    }
}

/// The same, naming the person instead.
fn past_on(key: &str, date: &str, level: Option<u8>, person: &str) -> Command {
    let mut c = past(key, date, level, 1);
    if let Command::RecordPastTeamAction {
        person: p_, count, ..
    } = &mut c
    {
        *p_ = Some(p(person));
        *count = None;
    }
    c
}

fn with(mut c: Command, change: impl FnOnce(&mut Command)) -> Command {
    change(&mut c);
    c
}

fn spam(c: Command) -> Command {
    with(c, |c| {
        if let Command::RecordPastTeamAction { spam, .. } = c {
            *spam = true;
        }
    })
}

fn rescinded(c: Command) -> Command {
    with(c, |c| {
        if let Command::RecordPastTeamAction { rescinded, .. } = c {
            *rescinded = true;
        }
    })
}

fn level_0_note(subject: &str) -> Command {
    let mut c = admonish(subject, &["ietf@"]);
    if let Command::TakeAction { level, .. } = &mut c {
        *level = Some(LevelStep {
            level: 0,
            skip_reason: None,
        });
    }
    c
}

#[test]
fn migrate_1_stats_1_past_team_actions_count_in_their_years_by_level_with_the_live_ones() {
    let mut w = World::ietf();
    w.at("2026-03-02T10:00:00Z");
    // The team's records from before modpod: 2021, level 0 for five people
    // not named, one of them rescinded since; 2022, a level-1 step for
    // carol, a level-2 restriction for two people, an action with no level,
    // and spam on a list that closed before modpod.
    let before = w.log.len();
    let events = w.ok("op", Operator, past("2021-a", "2021-04-01", Some(0), 4));
    assert_eq!(kinds(&events), ["past_team_action_recorded"]);
    w.ok(
        "op",
        Operator,
        rescinded(past("2021-b", "2021-11-30", Some(0), 1)),
    );
    w.ok(
        "op",
        Operator,
        past_on("2022-a", "2022-02-01", Some(1), "carol"),
    );
    w.ok("op", Operator, past("2022-b", "2022-06-01", Some(2), 2));
    w.ok("op", Operator, past("2022-c", "2022-07-01", None, 1));
    let old_list = with(spam(past("2022-d", "2022-12-31", None, 3)), |c| {
        if let Command::RecordPastTeamAction {
            forum, forum_name, ..
        } = c
        {
            *forum = None;
            *forum_name = Some("old-discuss@ietf.org".into());
        }
    });
    w.ok("op", Operator, old_list);
    // History only: nobody is restricted, nothing is owed to anyone.
    assert!(
        w.log[before..]
            .iter()
            .all(|e| e.kind() == "past_team_action_recorded"),
        "{:?}",
        kinds(&w.log[before..])
    );
    assert!(w.state.actions.is_empty());
    assert!(!w.state.actions_by_subject.contains_key(&p("carol")));

    // The team's first year in modpod.
    w.ok("m1", Moderator, level_0_note("erin"));

    let stats = team_statistics(&w.state);
    let year = |y: i16| stats.years.iter().find(|r| r.year == y).unwrap();
    assert_eq!(
        stats.years.iter().map(|y| y.year).collect::<Vec<_>>(),
        [2021, 2022, 2026]
    );
    assert_eq!(year(2021).by_level, [4, 0, 0]);
    assert_eq!(year(2021).rescinded, 1);
    assert_eq!(year(2021).people_contacted, 5, "the rescinded one was told");
    assert_eq!(year(2021).anonymous_people, 5);
    assert_eq!(year(2022).by_level, [0, 1, 2]);
    assert_eq!(year(2022).without_level, 1);
    assert_eq!(year(2022).spam, 3);
    assert_eq!(year(2022).people_contacted, 4, "carol, two and one");
    assert_eq!(year(2022).anonymous_people, 3);
    assert_eq!(year(2026).by_level, [1, 0, 0]);
    assert_eq!(year(2026).people_contacted, 1);
    assert_eq!(stats.people_contacted, 10, "erin, carol and 8 in counts");
    assert_eq!(stats.anonymous_people, 8);
    assert_eq!(
        stats.to_csv(),
        "year,level_0,level_1,level_2,without_level,people_contacted,spam,rescinded,anonymous_people\n\
         2021,4,0,0,0,5,0,1,5\n\
         2022,0,1,2,1,4,3,0,3\n\
         2026,1,0,0,0,1,0,0,0\n\
         all,5,1,2,1,10,3,1,8\n"
    );
}

#[test]
fn migrate_1_stats_1_a_named_person_counts_once_over_an_import_and_a_live_action() {
    let mut w = World::ietf();
    w.at("2026-03-02T10:00:00Z");
    w.ok(
        "op",
        Operator,
        past_on("2023-carol", "2023-05-04", Some(0), "carol"),
    );
    w.ok(
        "op",
        Operator,
        past_on("2023-carol-2", "2023-09-01", Some(1), "carol"),
    );
    w.ok("m1", Moderator, level_0_note("carol"));
    let stats = team_statistics(&w.state);
    assert_eq!(stats.years.len(), 2);
    assert_eq!(stats.years[0].by_level, [1, 1, 0]);
    assert_eq!(stats.years[0].people_contacted, 1, "carol once in 2023");
    assert_eq!(stats.years[1].people_contacted, 1);
    assert_eq!(stats.people_contacted, 1, "carol once over all the years");
    assert_eq!(stats.anonymous_people, 0);
    // The person's history, which suggests the next level, is modpod's own.
    assert_eq!(
        modpod_policy::views::suggested_level(&w.state, &p("carol")),
        1,
        "one level-0 note in modpod: the past ones are history for the table only"
    );
}

#[test]
fn migrate_1_a_past_team_action_is_an_operator_s_import_of_what_the_ladder_and_the_log_allow() {
    let mut w = World::ietf();
    w.at("2026-03-02T10:00:00Z");
    let good = past("k", "2024-05-01", Some(1), 2);

    // Only an operator imports.
    for (who, capacity) in [("m1", Moderator), ("alice", Capacity::Administrator)] {
        let r = w.refused(who, capacity, good.clone());
        assert_eq!(r.requirement().id(), "MIGRATE-1");
        assert_says(&r, "importing the moderator team's past actions");
    }
    // A level on the ladder in force, or none.
    let r = w.refused("op", Operator, past("k", "2024-05-01", Some(3), 2));
    assert!(
        matches!(r, Refusal::Invalid { field: "level", .. }),
        "{r:?}"
    );
    assert_says(&r, "levels 0 to 2");
    // A forum modpod knows, public and under this policy; or a name.
    let r = w.refused(
        "op",
        Operator,
        with(good.clone(), |c| {
            if let Command::RecordPastTeamAction { forum, .. } = c {
                *forum = Some(f("nowhere@"));
            }
        }),
    );
    assert!(matches!(r, Refusal::Unknown { what: "forum", .. }), "{r:?}");
    for (forum, code) in [
        ("tls-chairs@", "non_public_forum"),
        ("cfrg@", "excluded_forum"),
    ] {
        let r = w.refused(
            "op",
            Operator,
            with(good.clone(), |c| {
                if let Command::RecordPastTeamAction { forum: fo, .. } = c {
                    *fo = Some(f(forum));
                }
            }),
        );
        assert_eq!(r.code(), code, "{forum}: {r}");
    }
    let r = w.refused(
        "op",
        Operator,
        with(good.clone(), |c| {
            if let Command::RecordPastTeamAction { forum_name, .. } = c {
                *forum_name = Some("old@ietf.org".into());
            }
        }),
    );
    assert!(
        matches!(
            r,
            Refusal::Invalid {
                field: "forum_name",
                ..
            }
        ),
        "both forum and forum_name: {r:?}"
    );
    let r = w.refused(
        "op",
        Operator,
        with(good.clone(), |c| {
            if let Command::RecordPastTeamAction {
                forum, forum_name, ..
            } = c
            {
                *forum = None;
                *forum_name = Some("ietf@".into());
            }
        }),
    );
    assert_says(&r, "is a forum modpod knows");
    // A person modpod knows, or a count of at least one; not both.
    let r = w.refused("op", Operator, past_on("k", "2024-05-01", None, "nobody"));
    assert!(
        matches!(r, Refusal::Unknown { what: "person", .. }),
        "{r:?}"
    );
    let r = w.refused("op", Operator, past("k", "2024-05-01", None, 0));
    assert!(
        matches!(r, Refusal::Invalid { field: "count", .. }),
        "{r:?}"
    );
    assert_says(&r, "at least 1");
    let both = with(past_on("k", "2024-05-01", None, "carol"), |c| {
        if let Command::RecordPastTeamAction { count, .. } = c {
            *count = Some(2);
        }
    });
    let r = w.refused("op", Operator, both);
    assert!(
        matches!(r, Refusal::Invalid { field: "count", .. }),
        "{r:?}"
    );
    assert_says(&r, "not both");
    // In the past: not after today.
    let r = w.refused("op", Operator, past("k", "2026-03-03", None, 1));
    assert!(matches!(r, Refusal::Invalid { field: "date", .. }), "{r:?}");
    assert_says(&r, "in the future");
    w.ok("op", Operator, past("today", "2026-03-02", None, 1));

    // The same key again is recognised as imported, even when the ladder has
    // changed since; another action under a used key is refused.
    w.ok("op", Operator, good.clone());
    let r = w.refused("op", Operator, good.clone());
    assert!(
        matches!(
            r,
            Refusal::OutOfOrder {
                requirement: modpod_policy::Requirement::Migrate1,
                ..
            }
        ),
        "{r:?}"
    );
    assert_says(&r, "imported already");
    let r = w.refused("op", Operator, past("k", "2024-05-02", Some(1), 2));
    assert!(matches!(r, Refusal::Invalid { field: "key", .. }), "{r:?}");

    // Once the team acts in modpod, what came after that day is in the log
    // already: an import dated later would count it twice.
    w.at("2026-03-10T10:00:00Z");
    w.ok("m1", Moderator, level_0_note("erin"));
    w.at("2026-04-01T10:00:00Z");
    let r = w.refused("op", Operator, past("late", "2026-03-11", Some(0), 1));
    assert_eq!(r.requirement().id(), "MIGRATE-1");
    assert_says(
        &r,
        "date: the team's actions are in modpod's log from 2026-03-10",
    );
    w.ok("op", Operator, past("same-day", "2026-03-10", Some(0), 1));
    // And the repeat of an earlier import is still only that.
    let r = w.refused("op", Operator, good);
    assert_says(&r, "imported already");
}
