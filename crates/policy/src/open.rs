//! The open reports of each forum by what their deadline runs from
//! (REPORT-4): an index over [`State::reports`] that `State::apply` keeps,
//! so that what needs a handler now (how many, how many overdue or
//! escalated) and the queue in the order reports fall due are read from it
//! in the time of the fora and the rows asked about, not of every open
//! report.

use crate::ids::ReportId;
use crate::model::{Forum, Report, ReportState};
use crate::settings::TeamNumbers;
use crate::state::{Set, State};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A forum's open reports (not resolved), each in one set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOnForum {
    /// Received and not escalated, by when they were filed.
    pub received: Set<(Timestamp, ReportId)>,
    /// Acknowledged or in review and not escalated, by when they were
    /// acknowledged.
    pub acknowledged: Set<(Timestamp, ReportId)>,
    /// Acknowledged or in review and not escalated, with no time of
    /// acknowledgement: they have no deadline.
    pub unscheduled: Set<ReportId>,
    /// Escalated.
    pub escalated: Set<ReportId>,
}

/// Where an open report is filed in [`OpenOnForum`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Received(Timestamp),
    Acknowledged(Timestamp),
    Unscheduled,
    Escalated,
}

impl Slot {
    /// Where `r` is filed: nowhere once resolved.
    pub(crate) fn of(r: &Report) -> Option<Slot> {
        Some(match r.state {
            ReportState::Resolved { .. } => return None,
            _ if r.escalated_at.is_some() => Slot::Escalated,
            ReportState::Received => Slot::Received(r.filed_at),
            ReportState::Acknowledged | ReportState::InReview => match r.acknowledged_at {
                Some(at) => Slot::Acknowledged(at),
                None => Slot::Unscheduled,
            },
        })
    }
}

impl OpenOnForum {
    pub(crate) fn file(&mut self, slot: Slot, id: ReportId) {
        match slot {
            Slot::Received(at) => {
                self.received.insert((at, id));
            }
            Slot::Acknowledged(at) => {
                self.acknowledged.insert((at, id));
            }
            Slot::Unscheduled => {
                self.unscheduled.insert(id);
            }
            Slot::Escalated => {
                self.escalated.insert(id);
            }
        }
    }

    pub(crate) fn unfile(&mut self, slot: Slot, id: ReportId) {
        match slot {
            Slot::Received(at) => {
                self.received.remove(&(at, id));
            }
            Slot::Acknowledged(at) => {
                self.acknowledged.remove(&(at, id));
            }
            Slot::Unscheduled => {
                self.unscheduled.remove(&id);
            }
            Slot::Escalated => {
                self.escalated.remove(&id);
            }
        }
    }

    /// How many open reports.
    pub fn len(&self) -> usize {
        self.received.len()
            + self.acknowledged.len()
            + self.unscheduled.len()
            + self.escalated.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The reports that have a deadline, each with it, set by set, each the
    /// nearest first (REPORT-4, as [`State::escalates_at_with`] says; a
    /// deadline past the end of time is none); on a forum that is not
    /// public, none.
    fn dated<'a>(
        &'a self,
        forum: &Forum,
        n: TeamNumbers,
    ) -> [impl Iterator<Item = (Timestamp, ReportId)> + use<'a>; 2] {
        let public = forum.public;
        let dated = move |set: &'a Set<(Timestamp, ReportId)>, due: Due| {
            set.iter()
                .map(move |(at, id)| (due(*at, n), *id))
                .take_while(move |(due, _)| public && *due < Timestamp::MAX)
        };
        [
            dated(&self.received, State::escalation_due),
            dated(&self.acknowledged, State::resolution_due),
        ]
    }

    /// The reports with no deadline: escalated, acknowledged without a
    /// time, on a forum that is not public, or due past the end of time.
    fn undated<'a>(
        &'a self,
        forum: &Forum,
        n: TeamNumbers,
    ) -> impl Iterator<Item = ReportId> + use<'a> {
        let public = forum.public;
        // The latest last: those due past the end of time are at the end.
        let never = move |set: &'a Set<(Timestamp, ReportId)>, due: Due| {
            set.iter()
                .rev()
                .take_while(move |(at, _)| !public || due(*at, n) == Timestamp::MAX)
                .map(|(_, id)| *id)
        };
        self.escalated
            .iter()
            .chain(&self.unscheduled)
            .copied()
            .chain(never(&self.received, State::escalation_due))
            .chain(never(&self.acknowledged, State::resolution_due))
    }
}

/// When a report escalates, from the time its deadline runs from.
type Due = fn(Timestamp, TeamNumbers) -> Timestamp;

/// What needs the handler of some fora now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenCounts {
    /// Open reports.
    pub open: usize,
    /// Of them, overdue (past their deadline and not escalated).
    pub overdue: usize,
    /// Of them, escalated.
    pub escalated: usize,
}

/// The open reports on some fora in the order they fall due.
pub struct DueOrder<'s> {
    /// How many in all.
    pub total: usize,
    /// Those with a deadline, every forum's sets merged.
    dated: Box<dyn Iterator<Item = (Timestamp, ReportId)> + 's>,
    /// Those with no deadline, by number, once the dated ones are done.
    undated: Option<std::vec::IntoIter<ReportId>>,
    undated_of: Vec<(&'s Forum, &'s OpenOnForum)>,
    numbers: TeamNumbers,
}

impl Iterator for DueOrder<'_> {
    /// The report and when it escalates (none: never).
    type Item = (ReportId, Option<Timestamp>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some((due, id)) = self.dated.next() {
            return Some((id, Some(due)));
        }
        let numbers = self.numbers;
        let undated = self.undated.get_or_insert_with(|| {
            let mut ids: Vec<ReportId> = self
                .undated_of
                .iter()
                .flat_map(|(forum, open)| open.undated(forum, numbers))
                .collect();
            ids.sort_unstable();
            ids.into_iter()
        });
        undated.next().map(|id| (id, None))
    }
}

impl State {
    /// How many reports are open on the fora `handles` accepts, how many of
    /// them are overdue at `now` and how many escalated (REPORT-4).
    pub fn open_counts<'s>(
        &'s self,
        mut handles: impl FnMut(&'s Forum) -> bool,
        now: Timestamp,
    ) -> OpenCounts {
        let n = self.numbers();
        let mut counts = OpenCounts::default();
        for (forum, open) in self.handled_open(&mut handles) {
            counts.open += open.len();
            counts.escalated += open.escalated.len();
            counts.overdue += open
                .dated(forum, n)
                .into_iter()
                .map(|set| set.take_while(|(due, _)| *due <= now).count())
                .sum::<usize>();
        }
        counts
    }

    /// The reports open on the fora `handles` accepts, the nearest deadline
    /// first (REPORT-4, as [`State::escalates_at_with`] gives it), then
    /// those that have none, each by number after those of the same
    /// deadline.
    pub fn open_in_due_order<'s>(
        &'s self,
        mut handles: impl FnMut(&'s Forum) -> bool,
    ) -> DueOrder<'s> {
        let numbers = self.numbers();
        let fora = self.handled_open(&mut handles);
        DueOrder {
            total: fora.iter().map(|(_, open)| open.len()).sum(),
            dated: Box::new(itertools::kmerge(
                fora.iter()
                    .flat_map(|(forum, open)| open.dated(forum, numbers)),
            )),
            undated: None,
            undated_of: fora,
            numbers,
        }
    }

    /// The fora `handles` accepts that have open reports, with them.
    fn handled_open<'s>(
        &'s self,
        handles: &mut impl FnMut(&'s Forum) -> bool,
    ) -> Vec<(&'s Forum, &'s OpenOnForum)> {
        self.open_by_forum
            .iter()
            .filter_map(|(id, open)| {
                let forum = self.fora.get(id)?;
                handles(forum).then_some((forum, open))
            })
            .collect()
    }
}
