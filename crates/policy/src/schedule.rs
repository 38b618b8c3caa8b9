//! What is due at `now`: the commands modpod's scheduler records as `system`
//! (REPORT-4 escalation, the end of temporary actions, NOTIFY-2 digests,
//! NOTIFY-5 community reports, TEAM-2 reminders). Pure: the same state and
//! time always give the same commands, and each command given is one that
//! `decide` accepts at that time, so a scheduler only has to record them.

use crate::command::Command;
use crate::state::State;
use crate::time::add_days;
use jiff::Timestamp;

/// How often a moderator flagged to step down is reminded, in days.
pub const STEP_DOWN_REMINDER_DAYS: i64 = 7;

/// The commands due at `now`, in a stable order.
pub fn due(state: &State, now: Timestamp) -> Vec<Command> {
    let mut due = Vec::new();
    let numbers = state.numbers();
    for r in state.reports.values() {
        if state.escalates_at(r).is_some_and(|at| at <= now) {
            due.push(Command::EscalateReport { report: r.id });
        }
    }
    for a in state.actions_in_force(None) {
        if a.terms.ends_at.is_some_and(|end| end <= now) {
            due.push(Command::ExpireAction { action: a.id });
        }
    }
    let since = |until: Option<Timestamp>| until.or(state.bootstrapped_at);
    if let Some((from, to)) = period_due(since(state.digest_until), numbers.iesg_digest_days, now) {
        due.push(Command::IssueDigest { from, to });
    }
    if let Some((from, to)) = period_due(
        since(state.community_report_until),
        numbers.community_report_days,
        now,
    ) {
        due.push(Command::PublishCommunityReport { from, to });
    }
    for person in state.flagged_to_step_down.keys() {
        let last = state.step_down_reminded.get(person);
        if last.is_none_or(|&at| add_days(at, STEP_DOWN_REMINDER_DAYS) <= now) {
            due.push(Command::RemindToStepDown {
                person: person.clone(),
            });
        }
    }
    due
}

/// The next period of `days` days after the last one (or after the log was
/// set up), if it is over. A log set up before that time was recorded gets
/// its first period ending now.
fn period_due(
    last_until: Option<Timestamp>,
    days: u32,
    now: Timestamp,
) -> Option<(Timestamp, Timestamp)> {
    let days = i64::from(days.max(1));
    match last_until {
        None => Some((add_days(now, -days), now)),
        Some(until) => {
            let next = add_days(until, days);
            (next <= now).then_some((until, next))
        }
    }
}
