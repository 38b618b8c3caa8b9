//! What the case and action pages show of the log and the delivery ledger: a
//! case's timeline (every event about the report and the actions that cite
//! it, with its time, who recorded it and in which capacity), and the
//! notifications owed with what became of each delivery (NOTIFY-6).
//!
//! The events come from the case index of the view the engine published
//! (`View::case_events`), read by sequence number on a connection of the
//! readers' own, never from a scan of the log. What of them a viewer sees is decided by
//! `modpod_policy::views`: an action's events only where `may_see_action`
//! allows, an appeal's where `may_see_appeal` does, and the reporter (as an
//! actor, a recipient or an address) only where `views::report_for` names
//! them (REPORT-5).

use super::WebError;
use jiff::Timestamp;
use modpod_policy::ids::{ActionId, PersonId};
use modpod_policy::model::*;
use modpod_policy::{Event, State, views};
use modpod_store::{Delivery, DeliveryAttempt, EventStore, StoredEvent};
use serde::Serialize;

/// One line of a timeline.
#[derive(Debug, Serialize)]
pub(super) struct Entry {
    pub at: Timestamp,
    pub what: String,
    /// Who recorded it, unless that would name a hidden reporter.
    pub by: Option<String>,
    /// In which capacity (`administrator`, `moderator`, ...).
    pub role: String,
}

/// Who may be named to this viewer: the people of a record as the viewer's
/// view of it names them.
pub(super) struct Names<'a> {
    pub subject: &'a PersonId,
    /// The reporter, when the viewer may know who reported (REPORT-5).
    pub reporter: Option<&'a PersonId>,
    /// The reporter whoever the viewer is: never shown unless `reporter` is.
    pub hidden: Option<&'a PersonId>,
}

impl Names<'_> {
    fn hides(&self, person: &str) -> bool {
        self.reporter.is_none() && self.hidden.is_some_and(|r| r.as_str() == person)
    }

    /// Who a notification goes to, in words, and whether its address may be
    /// shown.
    pub fn recipient(&self, to: &Recipient) -> (String, bool) {
        let text = match to {
            Recipient::Person { person } if self.reporter == Some(person) => {
                format!("the reporter, {person}")
            }
            Recipient::Person { person } if person == self.subject => {
                format!("the subject, {person}")
            }
            Recipient::Person { person } if !self.hides(person.as_str()) => person.to_string(),
            Recipient::Person { .. } => return ("a person".into(), false),
            Recipient::ModeratorTeam => "the moderator team".into(),
            Recipient::ForumAdministrators { forum } => format!("the administrators of {forum}"),
            Recipient::Forum { forum } => format!("the forum {forum}"),
            Recipient::CommunityChannel => "the community channel".into(),
            Recipient::Iesg => "the IESG".into(),
            Recipient::Iab => "the IAB".into(),
            Recipient::IetfChair => "the IETF chair".into(),
            Recipient::LlcBoard => "the IETF LLC board".into(),
            Recipient::Ombudsteam => "the ombudsteam".into(),
        };
        (text, true)
    }
}

fn outcome(outcome: &ReportOutcome) -> String {
    match outcome {
        ReportOutcome::ActionTaken { action } => format!("action taken ({action})"),
        ReportOutcome::NoActionNeeded => "no action needed".into(),
        ReportOutcome::NotDisruptive => "not disruptive".into(),
        ReportOutcome::Duplicate { of } => format!("a duplicate of {of}"),
        ReportOutcome::ReferredElsewhere => "referred elsewhere".into(),
    }
}

/// The action an event is about, if any: its events are shown only to those
/// who may see the action.
fn action_of(state: &State, event: &Event) -> Option<ActionId> {
    match event {
        Event::ActionTaken { action } => Some(action.id),
        Event::ModeratorsConsulted { action, .. }
        | Event::ConsultationAnswered { action, .. }
        | Event::ActionAmended { action, .. }
        | Event::ActionRescinded { action, .. }
        | Event::ActionExpired { action, .. }
        | Event::CoolDownSet { action, .. }
        | Event::AnnouncementRequested { action } => Some(*action),
        Event::AppealFiled { appeal } => appeal.action,
        Event::AppealDecided { appeal, .. } | Event::AppealEscalated { appeal, .. } => {
            state.appeals.get(appeal).and_then(|a| a.action)
        }
        Event::ReinstatementRequested { request } => Some(request.action),
        Event::ReinstatementDecided { request, .. } => {
            state.reinstatements.get(request).map(|r| r.action)
        }
        Event::NotificationOwed { notification } => match &notification.about {
            Subject::Action(action) => Some(*action),
            Subject::Appeal(appeal) => state.appeals.get(appeal).and_then(|a| a.action),
            Subject::Reinstatement(request) => state.reinstatements.get(request).map(|r| r.action),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `person` may see an event of a case they see.
pub(super) fn sees(state: &State, person: &PersonId, event: &Event) -> bool {
    // A case's message, and what it owes, only to those who read its thread
    // (MSG-1): never the reporter's to the person reported (REPORT-5).
    let thread = match event {
        Event::CaseMessagePosted { report, message } => Some((report, message.thread)),
        Event::NotificationOwed { notification } => match &notification.about {
            Subject::CaseMessage { report, thread, .. } => Some((report, *thread)),
            _ => None,
        },
        _ => None,
    };
    if let Some((report, thread)) = thread {
        return state
            .reports
            .get(report)
            .is_some_and(|r| views::may_read_thread(state, person, r, thread));
    }
    let appeal = match event {
        Event::AppealFiled { appeal } => state.appeals.get(&appeal.id),
        Event::AppealDecided { appeal, .. } | Event::AppealEscalated { appeal, .. } => {
            state.appeals.get(appeal)
        }
        _ => None,
    };
    if let Some(appeal) = appeal {
        return views::may_see_appeal(state, person, appeal);
    }
    action_of(state, event).is_none_or(|id| {
        state
            .actions
            .get(&id)
            .is_some_and(|a| views::may_see_action(state, person, a))
    })
}

/// What an event did, in words; `None` for events a timeline does not list
/// (notifications, which have a list of their own).
fn what(state: &State, event: &Event, handler: bool) -> Option<String> {
    let appeal_no = |id: &modpod_policy::ids::AppealId| format!("appeal #{}", id.0);
    Some(match event {
        Event::ReportFiled { .. } => "Report filed".into(),
        Event::ReportAcknowledged { .. } => "Acknowledged; the reporter is told (REPORT-3)".into(),
        Event::ReportReviewStarted { .. } => "Review started".into(),
        // Who has a case is for those who handle it.
        Event::ReportAssigned { .. } if !handler => return None,
        Event::ReportAssigned { to: Some(to), .. } => format!("Assigned to {to}"),
        Event::ReportAssigned { to: None, .. } => "Assignment taken back".into(),
        Event::ReportEscalated { .. } => "Escalated to the moderators (REPORT-4)".into(),
        Event::ReportResolved { outcome: o, .. } => format!("Resolved: {}", outcome(o)),
        Event::ReferredToOmbudsteam { .. } => "Referred to the ombudsteam (OMBUDS-1)".into(),
        Event::CaseMessagePosted { message, .. } => format!(
            "Message {} {} (MSG-1)",
            message.number,
            match message.thread {
                Thread::Person => "in the thread with the person reported",
                Thread::Reporter => "in the thread with the reporter",
                Thread::Team => "in the team's notes",
            }
        ),
        Event::ActionTaken { action } => {
            format!("Action #{}: {}", action.id.0, action.terms.measure.name())
        }
        Event::ModeratorsConsulted {
            action,
            consultation,
        } => format!(
            "Action #{}: {} consulted the moderator team (ACT-3)",
            action.0, consultation.administrator
        ),
        Event::ConsultationAnswered {
            action, moderator, ..
        } => format!(
            "Action #{}: {moderator} answered for the moderator team (ACT-3)",
            action.0
        ),
        Event::ActionAmended { action, terms, .. } => format!(
            "Action #{} amended to {} on {}",
            action.0,
            terms.measure.name(),
            terms
                .fora
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Event::ActionRescinded { action, .. } => format!("Action #{} rescinded", action.0),
        Event::ActionExpired { action, .. } => format!("Action #{} ended", action.0),
        Event::CoolDownSet { action, until, .. } => match until {
            Some(until) => format!("Action #{}: its fora cool down until {until}", action.0),
            None => format!("Action #{}: the cool-down of its fora ended", action.0),
        },
        Event::AnnouncementRequested { action } => {
            format!(
                "Action #{}: its announcement requested (NOTIFY-3)",
                action.0
            )
        }
        Event::AppealFiled { appeal } => format!(
            "{}: disagreement filed, {} before {}",
            match (appeal.action, appeal.report) {
                (Some(action), _) => format!("Action #{}", action.0),
                (None, Some(report)) => format!("Report #{} closed without action", report.0),
                (None, None) => "A decision".to_owned(),
            },
            appeal_no(&appeal.id),
            appeal.level.name()
        ),
        Event::ReportReopened { .. } => "Report opened again on an upheld appeal (APPEAL-3)".into(),
        Event::AppealDecided { appeal, decision } => format!(
            "{}: {}",
            appeal_no(appeal),
            if decision.upheld {
                "upheld"
            } else {
                "not upheld"
            }
        ),
        Event::AppealEscalated { appeal, step } => {
            format!("{}: taken to {}", appeal_no(appeal), step.level.name())
        }
        Event::ReinstatementRequested { request } => {
            format!("Action #{}: reinstatement requested", request.action.0)
        }
        Event::ReinstatementDecided { request, decision } => {
            let action = state
                .reinstatements
                .get(request)
                .map_or(String::new(), |r| format!("Action #{}: ", r.action.0));
            format!(
                "{action}reinstatement {}",
                if decision.reinstate {
                    "granted"
                } else {
                    "refused"
                }
            )
        }
        _ => return None,
    })
}

/// The timeline of a case: its events that `person` may see, in log order.
pub(super) fn timeline(
    state: &State,
    person: &PersonId,
    names: &Names<'_>,
    handler: bool,
    events: &[(StoredEvent, Event)],
) -> Vec<Entry> {
    events
        .iter()
        .filter(|(_, event)| sees(state, person, event))
        .filter_map(|(stored, event)| {
            let what = what(state, event, handler)?;
            Some(Entry {
                at: Timestamp::from_microsecond(stored.at_micros).ok()?,
                what,
                by: (!names.hides(&stored.actor)).then(|| stored.actor.clone()),
                role: stored.role.clone(),
            })
        })
        .collect()
}

/// One notification and what became of it.
#[derive(Debug, Serialize)]
pub(super) struct Notice {
    pub id: u64,
    pub to: String,
    pub requirement: String,
    pub template: String,
    pub deliveries: Vec<Sent>,
}

/// One delivery of a notification, to one address.
#[derive(Debug, Serialize)]
pub(super) struct Sent {
    /// `None` where the recipient may not be named to the viewer.
    pub address: Option<String>,
    pub status: &'static str,
    pub attempts: Vec<Attempt>,
    pub last_error: Option<String>,
    /// When a pending delivery is tried next.
    pub next: Option<Timestamp>,
}

#[derive(Debug, Serialize)]
pub(super) struct Attempt {
    pub at: Option<Timestamp>,
    pub outcome: &'static str,
}

/// The notifications, with their deliveries and attempts from the ledger.
pub(super) fn notices<'n>(
    store: &mut dyn EventStore,
    names: &Names<'_>,
    notifications: impl IntoIterator<Item = &'n Notification>,
) -> Result<Vec<Notice>, WebError> {
    let mut out = Vec::new();
    for n in notifications {
        let (to, named) = names.recipient(&n.to);
        let deliveries = store.deliveries(n.id.0).map_err(WebError::internal)?;
        let attempts = store
            .delivery_attempts(n.id.0)
            .map_err(WebError::internal)?;
        out.push(Notice {
            id: n.id.0,
            to,
            requirement: n.requirement.to_string(),
            template: n.template.to_string(),
            deliveries: deliveries
                .into_iter()
                .map(|d| sent(d, &attempts, named))
                .collect(),
        });
    }
    Ok(out)
}

fn sent(d: Delivery, attempts: &[DeliveryAttempt], named: bool) -> Sent {
    let status = d.status.as_str();
    Sent {
        attempts: attempts
            .iter()
            .filter(|a| a.address == d.address)
            .map(|a| Attempt {
                at: Timestamp::from_microsecond(a.at_micros).ok(),
                outcome: a.outcome.as_str(),
            })
            .collect(),
        next: (status == "pending")
            .then(|| Timestamp::from_microsecond(d.next_micros).ok())
            .flatten(),
        // A reason may quote the address; once sent, an old failure is history.
        last_error: d.last_error.filter(|_| named && status != "sent"),
        address: (named && !d.address.is_empty()).then_some(d.address),
        status,
    }
}
