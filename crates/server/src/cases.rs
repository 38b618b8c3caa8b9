//! The case index: for each report, the sequence numbers of the events about
//! it and about the actions that cite it (their consultations, amendments,
//! ends, appeals, reinstatement requests) and the notifications those owe.
//!
//! The engine keeps it as it applies events, and keeps it in its snapshots, so
//! a case's full timeline (with each event's time, actor and role from the
//! log's envelope) is read from the log by sequence number
//! (`EventStore::events`), never by scanning the log. It says only *which*
//! events belong to a case; who may see what of them is `modpod_policy::views`'
//! business, decided where they are shown.

use modpod_policy::ids::{ActionId, ReportId};
use modpod_policy::model::Subject;
use modpod_policy::state::Map;
use modpod_policy::{Event, State};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseIndex {
    reports: Map<ReportId, Vec<u64>>,
    /// The event that recorded each notification owed, by notification id:
    /// a notice's receipt opens that event (AUDIT-2). Snapshots written
    /// before it was kept have none, so those older notices carry none.
    #[serde(default)]
    notifications: Map<u64, u64>,
}

impl CaseIndex {
    /// Notes event `seq`, given the state with it applied.
    pub fn add(&mut self, state: &State, seq: u64, event: &Event) {
        if let Event::NotificationOwed { notification } = event {
            self.notifications.insert(notification.id.0, seq);
        }
        for report in concerns(state, event) {
            let seqs = self.reports.entry(report).or_default();
            if seqs.last().is_none_or(|last| *last < seq) {
                seqs.push(seq);
            }
        }
    }

    /// The sequence number of the event that recorded notification `id`.
    pub fn notification(&self, id: u64) -> Option<u64> {
        self.notifications.get(&id).copied()
    }

    /// The sequence numbers of the events of one case, in log order.
    pub fn of(&self, report: ReportId) -> &[u64] {
        self.reports.get(&report).map_or(&[], Vec::as_slice)
    }
}

/// The reports an action cites.
fn cited_by(state: &State, action: ActionId) -> Vec<ReportId> {
    state
        .actions
        .get(&action)
        .map(|a| a.reports.clone())
        .unwrap_or_default()
}

/// The reports whose case an event belongs to.
fn concerns(state: &State, event: &Event) -> Vec<ReportId> {
    // A disagreement belongs to the cases of the action's reports, or of
    // the report closed without action it is about.
    let of_appeal = |action: Option<ActionId>, report: Option<ReportId>| match (action, report) {
        (Some(action), _) => cited_by(state, action),
        (None, Some(report)) => vec![report],
        (None, None) => Vec::new(),
    };
    let appeal_of = |appeal| {
        state
            .appeals
            .get(appeal)
            .map(|a| of_appeal(a.action, a.report))
            .unwrap_or_default()
    };
    let request_of = |request| state.reinstatements.get(request).map(|r| r.action);
    match event {
        Event::ReportFiled { report } => vec![report.id],
        Event::ReportAcknowledged { report, .. }
        | Event::ReportReviewStarted { report }
        | Event::ReportAssigned { report, .. }
        | Event::ReportEscalated { report, .. }
        | Event::ReportResolved { report, .. }
        | Event::ReferredToOmbudsteam { report, .. }
        | Event::CaseMessagePosted { report, .. } => vec![*report],
        Event::ActionTaken { action } => action.reports.clone(),
        Event::ModeratorsConsulted { action, .. }
        | Event::ConsultationAnswered { action, .. }
        | Event::ActionAmended { action, .. }
        | Event::ActionRescinded { action, .. }
        | Event::ActionExpired { action, .. }
        | Event::CoolDownSet { action, .. }
        | Event::AnnouncementRequested { action } => cited_by(state, *action),
        Event::AppealFiled { appeal } => of_appeal(appeal.action, appeal.report),
        Event::AppealDecided { appeal, .. } | Event::AppealEscalated { appeal, .. } => {
            appeal_of(appeal)
        }
        Event::ReportReopened { report, .. } => vec![*report],
        Event::ReinstatementRequested { request } => cited_by(state, request.action),
        Event::ReinstatementDecided { request, .. } => {
            request_of(request).map_or_else(Vec::new, |a| cited_by(state, a))
        }
        Event::NotificationOwed { notification } => match &notification.about {
            Subject::Report(report) | Subject::CaseMessage { report, .. } => vec![*report],
            Subject::Action(action) => cited_by(state, *action),
            Subject::Appeal(appeal) => appeal_of(appeal),
            Subject::Reinstatement(request) => {
                request_of(request).map_or_else(Vec::new, |a| cited_by(state, a))
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
