//! The aggregate transparency report (NOTIFY-5, STATS-1): counts computed from
//! the state, never kept by hand, and carrying no personal data (PRIV-1): no
//! names, no accounts, no reporters, no evidence, no reasons.

use crate::ids::{ForumId, PersonId};
use crate::model::*;
use crate::state::State;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The report for actions, reports, appeals and reinstatements dated in
/// `[from, to)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transparency {
    pub from: Timestamp,
    pub to: Timestamp,
    /// Actions by month (UTC, `YYYY-MM`), type and forum kind. An action on
    /// fora of two kinds counts once under each kind.
    pub actions: Vec<ActionCount>,
    /// Actions against spam: handled, but outside the counts above (ACT-5).
    pub spam_actions: u64,
    /// How many different people were subject to a (non-spam) action.
    pub people_acted_on: u64,
    pub reports: ReportCounts,
    pub appeals: AppealCounts,
    pub reinstatements: ReinstatementCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ActionCount {
    pub month: String,
    pub action: &'static str,
    pub forum_kind: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportCounts {
    pub received: u64,
    pub acknowledged: u64,
    pub escalated: u64,
    /// The median time from filing to acknowledgement, in hours.
    pub median_hours_to_acknowledge: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AppealCounts {
    pub filed: u64,
    /// Decisions by level: the AD (or IETF chair), the IESG, the IAB.
    pub decided: BTreeMap<&'static str, Outcomes>,
    pub pending: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    pub upheld: u64,
    pub not_upheld: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReinstatementCounts {
    pub requested: u64,
    pub reinstated: u64,
    pub declined: u64,
    pub pending: u64,
}

/// Computes the report. `from` and `to` bound when things happened: an action
/// by when it was taken, a report by when it was filed, an appeal step by when
/// it was decided (or filed, while pending).
pub fn report(state: &State, from: Timestamp, to: Timestamp) -> Transparency {
    Tally::new(state, from, to).report(state)
}

/// The counts of one period's actions and reports, kept up to date as the
/// state changes: made once from a state ([`Tally::new`]), then moved to
/// any other state by the actions and reports that differ between the two
/// ([`Tally::advance`]: the state's maps are persistent, so what the two
/// share is not even visited). A report made again after each change of the
/// log so costs what changed, not everything in the period. Appeals and
/// reinstatements, few, are counted afresh by [`Tally::report`].
#[derive(Debug, Clone)]
pub struct Tally {
    from: Timestamp,
    to: Timestamp,
    /// Actions by (year, month), type and forum kind: never a zero.
    actions: BTreeMap<((i16, i8), &'static str, String), u64>,
    spam_actions: u64,
    /// Each person subject to a counted action, with how many: never a zero.
    people: foldhash::HashMap<PersonId, u32>,
    received: u64,
    acknowledged: u64,
    escalated: u64,
    /// The hours from filing to acknowledgement, in order (`f64::total_cmp`).
    hours: Vec<f64>,
}

/// Whether a record's counts are added or taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count {
    In,
    Out,
}

impl Tally {
    /// The period `[from, to)` as `state` has it.
    pub fn new(state: &State, from: Timestamp, to: Timestamp) -> Tally {
        let mut tally = Tally {
            from,
            to,
            actions: BTreeMap::new(),
            spam_actions: 0,
            people: foldhash::HashMap::with_capacity_and_hasher(
                state.actions.len(),
                foldhash::fast::RandomState::default(),
            ),
            received: 0,
            acknowledged: 0,
            escalated: 0,
            hours: Vec::new(),
        };
        // Each forum's kind looked up once, not once an action.
        let mut kind_of: foldhash::HashMap<&ForumId, Option<&str>> = foldhash::HashMap::default();
        let mut kinds = Vec::new();
        for a in state.actions.values() {
            tally.action(state, a, Count::In, &mut kind_of, &mut kinds);
        }
        for r in state.reports.values() {
            if let Some(hours) = tally.report_filed(r, Count::In) {
                tally.hours.push(hours);
            }
        }
        tally.hours.sort_unstable_by(f64::total_cmp);
        tally
    }

    /// The period this tally counts.
    pub fn period(&self) -> (Timestamp, Timestamp) {
        (self.from, self.to)
    }

    /// Moves the tally from `before` (the state it counts) to `after`. A
    /// forum that came, went or changed kind between them changes how
    /// actions are counted: the tally is then made afresh from `after`.
    pub fn advance(&mut self, before: &State, after: &State) {
        use imbl::ordmap::DiffItem;
        let fora_differ = before.fora.diff(&after.fora).any(|d| match d {
            DiffItem::Update { old, new } => old.1.kind != new.1.kind,
            DiffItem::Add(..) | DiffItem::Remove(..) => true,
        });
        if fora_differ {
            *self = Tally::new(after, self.from, self.to);
            return;
        }
        let (mut kind_of, mut kinds) = (foldhash::HashMap::default(), Vec::new());
        for d in before.actions.diff(&after.actions) {
            match d {
                DiffItem::Add(_, a) => self.action(after, a, Count::In, &mut kind_of, &mut kinds),
                DiffItem::Update { old, new } => {
                    self.action(before, old.1, Count::Out, &mut kind_of, &mut kinds);
                    self.action(after, new.1, Count::In, &mut kind_of, &mut kinds);
                }
                DiffItem::Remove(_, a) => {
                    self.action(before, a, Count::Out, &mut kind_of, &mut kinds)
                }
            }
        }
        for d in before.reports.diff(&after.reports) {
            match d {
                DiffItem::Add(_, r) => self.report_moved(r, Count::In),
                DiffItem::Update { old, new } => {
                    self.report_moved(old.1, Count::Out);
                    self.report_moved(new.1, Count::In);
                }
                DiffItem::Remove(_, r) => self.report_moved(r, Count::Out),
            }
        }
    }

    fn within(&self, t: Timestamp) -> bool {
        self.from <= t && t < self.to
    }

    /// Counts an action in or out, under each kind of forum it is on (each
    /// once), the kinds as `state` has them (`kind_of` remembers them;
    /// `kinds` is room for one action's).
    fn action<'s>(
        &mut self,
        state: &'s State,
        a: &'s Action,
        count: Count,
        kind_of: &mut foldhash::HashMap<&'s ForumId, Option<&'s str>>,
        kinds: &mut Vec<&'s str>,
    ) {
        if !self.within(a.taken_at) || a.legacy.is_some() {
            return;
        }
        if a.spam {
            self.spam_actions = step(self.spam_actions, count);
            return;
        }
        match count {
            Count::In => *self.people.entry(a.subject.clone()).or_default() += 1,
            Count::Out => {
                if let Some(n) = self.people.get_mut(&a.subject) {
                    *n -= 1;
                    if *n == 0 {
                        self.people.remove(&a.subject);
                    }
                }
            }
        }
        kinds.clear();
        kinds.extend(a.terms.fora.iter().filter_map(|f| {
            *kind_of
                .entry(f)
                .or_insert_with(|| state.fora.get(f).map(|f| f.kind.as_str()))
        }));
        kinds.sort_unstable();
        kinds.dedup();
        let taken = month(a.taken_at);
        let measure = a.terms.measure.kind();
        for kind in kinds.iter() {
            match count {
                Count::In => {
                    *self
                        .actions
                        .entry((taken, measure, (*kind).to_owned()))
                        .or_default() += 1
                }
                Count::Out => {
                    let key = (taken, measure, (*kind).to_owned());
                    if let Some(n) = self.actions.get_mut(&key) {
                        *n -= 1;
                        if *n == 0 {
                            self.actions.remove(&key);
                        }
                    }
                }
            }
        }
    }

    /// Counts a report in or out, by when it was filed, but for its hours
    /// to acknowledgement, which it answers when they count.
    fn report_filed(&mut self, r: &Report, count: Count) -> Option<f64> {
        if !self.within(r.filed_at) {
            return None;
        }
        self.received = step(self.received, count);
        if r.escalated_at.is_some() {
            self.escalated = step(self.escalated, count);
        }
        let at = r.acknowledged_at?;
        self.acknowledged = step(self.acknowledged, count);
        Some(at.duration_since(r.filed_at).as_secs_f64() / 3600.0)
    }

    /// Counts a report in or out, its hours to acknowledgement in their
    /// place.
    fn report_moved(&mut self, r: &Report, count: Count) {
        let Some(hours) = self.report_filed(r, count) else {
            return;
        };
        let at = self.hours.partition_point(|h| h.total_cmp(&hours).is_lt());
        match count {
            Count::In => self.hours.insert(at, hours),
            Count::Out => {
                if self
                    .hours
                    .get(at)
                    .is_some_and(|h| h.total_cmp(&hours).is_eq())
                {
                    self.hours.remove(at);
                }
            }
        }
    }

    /// The report of the state the tally was last moved to, `state`.
    pub fn report(&self, state: &State) -> Transparency {
        let within = |t: Timestamp| self.within(t);
        let mut appeals = AppealCounts::default();
        for a in state.appeals.values() {
            if a.steps.first().is_some_and(|s| within(s.filed_at)) {
                appeals.filed += 1;
            }
            for step in &a.steps {
                match &step.decision {
                    Some(d) if within(d.at) => {
                        let o = appeals.decided.entry(level(step.level)).or_default();
                        if d.upheld {
                            o.upheld += 1
                        } else {
                            o.not_upheld += 1
                        }
                    }
                    None if within(step.filed_at) => appeals.pending += 1,
                    _ => {}
                }
            }
        }

        let mut reinstatements = ReinstatementCounts::default();
        for r in state
            .reinstatements
            .values()
            .filter(|r| within(r.requested_at))
        {
            reinstatements.requested += 1;
            match &r.decision {
                Some(d) if d.reinstate => reinstatements.reinstated += 1,
                Some(_) => reinstatements.declined += 1,
                None => reinstatements.pending += 1,
            }
        }

        Transparency {
            from: self.from,
            to: self.to,
            actions: self
                .actions
                .iter()
                .map(|(((year, month), action, forum_kind), count)| ActionCount {
                    month: format!("{year:04}-{month:02}"),
                    action,
                    forum_kind: forum_kind.clone(),
                    count: *count,
                })
                .collect(),
            spam_actions: self.spam_actions,
            people_acted_on: self.people.len() as u64,
            reports: ReportCounts {
                received: self.received,
                acknowledged: self.acknowledged,
                escalated: self.escalated,
                median_hours_to_acknowledge: median(&self.hours),
            },
            appeals,
            reinstatements,
        }
    }
}

/// One more, or one less.
fn step(n: u64, count: Count) -> u64 {
    match count {
        Count::In => n + 1,
        Count::Out => n.saturating_sub(1),
    }
}

/// The year and month (UTC) of `t`.
fn month(t: Timestamp) -> (i16, i8) {
    let d = TimeZone::UTC.to_datetime(t);
    (d.year(), d.month())
}

fn level(l: AppealLevel) -> &'static str {
    match l {
        AppealLevel::AreaDirector | AppealLevel::IetfChair => "area_director_or_ietf_chair",
        AppealLevel::Iesg => "iesg",
        AppealLevel::Iab => "iab",
    }
}

/// The median of values in order.
fn median(sorted: &[f64]) -> Option<f64> {
    let mid = sorted.len() / 2;
    let middle = *sorted.get(mid)?;
    Some(if sorted.len() % 2 == 1 {
        middle
    } else {
        (sorted[mid - 1] + middle) / 2.0
    })
}

/// The moderator team's yearly statistics (STATS-1), as the team publishes
/// them, computed from the log and naming nobody: for each year (UTC) in
/// which the team took an action, in modpod or before it (its past actions,
/// imported: MIGRATE-1), its actions at each level of the ladder and at
/// none, and how many people it contacted; spam and rescinded actions
/// counted apart; and how many people it contacted over all the years, each
/// named person once. A past action may give a count of people instead of a
/// person: such counts cannot be deduplicated, and are added as they are,
/// to their year and to all the years (`anonymous_people` says how many).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamStatistics {
    /// The levels of the ladder in force, by number.
    pub levels: Vec<LevelName>,
    pub years: Vec<TeamYear>,
    /// People the team contacted in all the years: each named person once,
    /// plus the anonymous counts as they are.
    pub people_contacted: u64,
    /// Of `people_contacted`, those given as counts of people not named.
    pub anonymous_people: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelName {
    pub level: u8,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamYear {
    pub year: i16,
    /// Actions at each level, by level number: neither spam nor rescinded.
    pub by_level: Vec<u64>,
    /// Actions that named no level: neither spam nor rescinded.
    pub without_level: u64,
    /// Different people acted on that year (spam apart), rescinded actions
    /// included: they were told; anonymous counts added as they are.
    pub people_contacted: u64,
    /// Of `people_contacted`, those given as counts of people not named.
    pub anonymous_people: u64,
    /// Actions against spam (ACT-5).
    pub spam: u64,
    /// Actions rescinded since (not spam).
    pub rescinded: u64,
}

/// One action of the team, or a past action standing for several, as the
/// table counts it.
struct Counted<'a> {
    year: i16,
    /// How many actions, each on a different person.
    actions: u64,
    /// The person, when named.
    person: Option<&'a crate::ids::PersonId>,
    level: Option<u8>,
    spam: bool,
    rescinded: bool,
}

/// See [`TeamStatistics`]. The team's actions are those taken as a
/// moderator, and its past actions; levels above the ladder in force count
/// at their number.
pub fn team_statistics(state: &State) -> TeamStatistics {
    let ladder = state.ladder();
    let mut years: BTreeMap<i16, (TeamYear, BTreeSet<&crate::ids::PersonId>)> = BTreeMap::new();
    let mut everyone = BTreeSet::new();
    let live = state
        .actions
        .values()
        .filter(|a| a.taken_as == Capacity::Moderator)
        .map(|a| Counted {
            year: TimeZone::UTC.to_datetime(a.taken_at).year(),
            actions: 1,
            person: Some(&a.subject),
            level: a.level.as_ref().map(|l| l.level),
            spam: a.spam,
            rescinded: matches!(a.status, ActionStatus::Rescinded { .. }),
        });
    let past = state.past_team_actions.values().map(|a| Counted {
        year: a.date.year(),
        actions: a.contacted.actions(),
        person: match &a.contacted {
            Contacted::Person(p) => Some(p),
            Contacted::Count(_) => None,
        },
        level: a.level,
        spam: a.spam,
        rescinded: a.rescinded,
    });
    let mut anonymous = 0;
    for a in live.chain(past) {
        let year = a.year;
        let (row, people) = years.entry(year).or_insert_with(|| {
            (
                TeamYear {
                    year,
                    by_level: Vec::new(),
                    without_level: 0,
                    people_contacted: 0,
                    anonymous_people: 0,
                    spam: 0,
                    rescinded: 0,
                },
                BTreeSet::new(),
            )
        });
        if a.spam {
            row.spam += a.actions;
            continue;
        }
        match a.person {
            Some(p) => {
                people.insert(p);
                everyone.insert(p);
            }
            None => {
                row.anonymous_people += a.actions;
                anonymous += a.actions;
            }
        }
        if a.rescinded {
            row.rescinded += a.actions;
            continue;
        }
        match a.level {
            Some(l) => {
                let at = usize::from(l);
                if row.by_level.len() <= at {
                    row.by_level.resize(at + 1, 0);
                }
                row.by_level[at] += a.actions;
            }
            None => row.without_level += a.actions,
        }
    }
    let width = years
        .values()
        .map(|(r, _)| r.by_level.len())
        .chain([ladder.0.len()])
        .max()
        .unwrap_or(0);
    TeamStatistics {
        levels: ladder
            .0
            .iter()
            .map(|l| LevelName {
                level: l.level,
                name: l.name.clone(),
            })
            .collect(),
        years: years
            .into_values()
            .map(|(mut row, people)| {
                row.by_level.resize(width, 0);
                row.people_contacted = people.len() as u64 + row.anonymous_people;
                row
            })
            .collect(),
        people_contacted: everyone.len() as u64 + anonymous,
        anonymous_people: anonymous,
    }
}

impl TeamStatistics {
    /// The table as CSV: a header, a row a year, and a last row for all the
    /// years (only its people are counted once over all of them: each named
    /// person once, and the anonymous counts, which cannot be deduplicated,
    /// as they are; `anonymous_people` says how many of them those are).
    pub fn to_csv(&self) -> String {
        let width = self
            .years
            .first()
            .map_or(self.levels.len(), |y| y.by_level.len());
        let mut out = String::from("year");
        for level in 0..width {
            out.push_str(&format!(",level_{level}"));
        }
        out.push_str(",without_level,people_contacted,spam,rescinded,anonymous_people\n");
        let mut total = vec![0u64; width + 3];
        for y in &self.years {
            out.push_str(&y.year.to_string());
            for (i, n) in y.by_level.iter().enumerate() {
                out.push_str(&format!(",{n}"));
                total[i] += n;
            }
            out.push_str(&format!(
                ",{},{},{},{},{}\n",
                y.without_level, y.people_contacted, y.spam, y.rescinded, y.anonymous_people
            ));
            total[width] += y.without_level;
            total[width + 1] += y.spam;
            total[width + 2] += y.rescinded;
        }
        out.push_str("all");
        for n in &total[..width] {
            out.push_str(&format!(",{n}"));
        }
        out.push_str(&format!(
            ",{},{},{},{},{}\n",
            total[width],
            self.people_contacted,
            total[width + 1],
            total[width + 2],
            self.anonymous_people
        ));
        out
    }
}
