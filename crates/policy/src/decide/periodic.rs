//! What the policy asks to happen periodically, recorded by modpod's
//! scheduler (capacity `system`): the IESG digest of actions (NOTIFY-2), the
//! aggregate report to the community (NOTIFY-5, which the moderators may also
//! publish themselves), and reminders to moderators who took a role that
//! excludes moderation (TEAM-2). Periods follow one another without gaps or
//! overlaps, so every action is in exactly one digest.

use super::Cx;
use crate::event::Event;
use crate::ids::PersonId;
use crate::model::{Capacity, Period, Recipient, Subject};
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use jiff::Timestamp;

/// Decides [`Command::IssueDigest`](crate::Command::IssueDigest).
pub(super) fn issue_digest(cx: &mut Cx, from: &Timestamp, to: &Timestamp) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::System],
        Requirement::Notify2,
        "issuing the IESG digest",
    )?;
    let period = next_period(cx, cx.state.digest_until, *from, *to, Requirement::Notify2)?;
    cx.emit(Event::DigestIssued { period });
    cx.owe(
        Recipient::Iesg,
        Subject::Period(period),
        Requirement::Notify2,
        "digest/iesg",
    );
    Ok(())
}

/// Decides [`Command::PublishCommunityReport`](crate::Command::PublishCommunityReport).
pub(super) fn publish_community_report(
    cx: &mut Cx,
    from: &Timestamp,
    to: &Timestamp,
) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::System, Capacity::Moderator],
        Requirement::Notify5,
        "publishing the community report",
    )?;
    let period = next_period(
        cx,
        cx.state.community_report_until,
        *from,
        *to,
        Requirement::Notify5,
    )?;
    cx.emit(Event::CommunityReportPublished { period });
    cx.owe(
        Recipient::CommunityChannel,
        Subject::Period(period),
        Requirement::Notify5,
        "community-report/community",
    );
    Ok(())
}

/// Decides [`Command::RemindToStepDown`](crate::Command::RemindToStepDown).
pub(super) fn remind_to_step_down(cx: &mut Cx, person: &PersonId) -> Result<(), Refusal> {
    cx.only(
        &[Capacity::System],
        Requirement::Team2,
        "reminding a moderator to step down",
    )?;
    if !cx.state.flagged_to_step_down.contains_key(person) {
        return Err(Refusal::out_of_order(
            Requirement::Team2,
            format!("{person} holds no role that excludes moderation"),
        ));
    }
    cx.emit(Event::StepDownReminded {
        person: person.clone(),
        at: cx.now,
    });
    let about = Subject::Moderator(person.clone());
    cx.owe(
        Recipient::Person {
            person: person.clone(),
        },
        about.clone(),
        Requirement::Team2,
        "step-down/person",
    );
    cx.owe(Recipient::Iesg, about, Requirement::Team2, "step-down/iesg");
    Ok(())
}

/// The period `[from, to)`, if it starts where the last one ended (or
/// anywhere, the first time) and has ended by now.
fn next_period(
    cx: &Cx,
    last_until: Option<Timestamp>,
    from: Timestamp,
    to: Timestamp,
    requirement: Requirement,
) -> Result<Period, Refusal> {
    if from >= to || to > cx.now {
        return Err(Refusal::invalid(
            "to",
            format!(
                "the period {from} to {to} must be non-empty and over by {}",
                cx.now
            ),
        ));
    }
    if let Some(until) = last_until
        && from != until
    {
        return Err(Refusal::out_of_order(
            requirement,
            format!("the last period ended at {until}; the next one starts there, not at {from}"),
        ));
    }
    Ok(Period { from, to })
}
