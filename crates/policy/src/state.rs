//! The state: a projection of the event log. `apply` folds one event in; it never
//! fails and never refuses (refusing is `decide`'s job), so any log replays.
//! The queries here answer the questions the policy asks of the state: who
//! administers a forum, who is its AD, which procedures are in force.

use crate::event::Event;
use crate::ids::*;
use crate::index::Index;
use crate::model::*;
use crate::requirement::Requirement;
use crate::settings::{Settings, TeamNumbers};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::ops::Bound;
use std::sync::Arc;

/// The state's maps: persistent, so that cloning a state costs the same
/// whatever its size (the engine publishes a copy to readers after every
/// change), iterated in key order and serialised as `BTreeMap`s are.
pub type Map<K, V> = imbl::OrdMap<K, V>;

/// The state's sets: persistent, as [`Map`]s are, serialised as `BTreeSet`s are.
pub type Set<T> = imbl::OrdSet<T>;

/// The value at `key` of a map of shared records, to change: the record is
/// copied first if a published state still shares it. Large records (reports,
/// actions) sit behind an [`Arc`] in their maps so that the map's copy of a
/// changed node copies pointers, not records, and a half-full node holds
/// pointers, not records' worth of empty space.
fn shared_mut<'a, K: Ord + Clone, V: Clone>(
    map: &'a mut Map<K, Arc<V>>,
    key: &K,
) -> Option<&'a mut V> {
    map.get_mut(key).map(Arc::make_mut)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub bootstrapped: bool,
    /// When the log was set up (absent in logs begun before it was recorded).
    #[serde(default)]
    pub bootstrapped_at: Option<Timestamp>,
    pub settings: Settings,
    pub categories: Vec<Category>,
    pub people: Map<PersonId, Person>,
    /// `Role::key()` → who holds it: an index over `people`, kept by `apply`.
    pub role_holders: Map<String, Set<PersonId>>,
    /// `Identity::key()` → the person it belongs to.
    pub identities: Map<String, PersonId>,
    pub working_groups: Map<WgId, WorkingGroup>,
    pub fora: Map<ForumId, Forum>,
    pub opted_in: Map<Organisation, String>,
    /// Sitting moderators and when they were appointed.
    pub moderators: Map<PersonId, Timestamp>,
    /// Moderators who took a role that excludes moderation (TEAM-2).
    pub flagged_to_step_down: Map<PersonId, Role>,
    /// When each of them was flagged (`None`: in a log that did not record it).
    #[serde(default)]
    pub flagged_at: Map<PersonId, Option<Timestamp>>,
    pub reports: Map<ReportId, Arc<Report>>,
    /// Person → the reports about them: an index over `reports`, kept by
    /// `apply` (a report's subject never changes), for the questions about
    /// a person's recent reports (ACT-2) and their history.
    #[serde(default)]
    pub reports_by_subject: Index<PersonId, ReportId>,
    /// Person → the reports they filed: an index over `reports`, kept by
    /// `apply`, for their own pages.
    #[serde(default)]
    pub reports_by_reporter: Index<PersonId, ReportId>,
    /// The reports not resolved: an index over `reports`, kept by `apply`,
    /// for the queue and what needs a handler now.
    #[serde(default)]
    pub open_reports: Set<ReportId>,
    /// Forum → the reports filed on it: an index over `reports`, kept by
    /// `apply` (a report's forum never changes), for the lists of the
    /// reports those who handle a forum see.
    #[serde(default)]
    pub reports_by_forum: Map<ForumId, Set<ReportId>>,
    /// Forum → its open reports by what their deadline runs from: an index
    /// over `reports`, kept by `apply`, for what needs a handler now and the
    /// queue in the order reports fall due ([`State::open_counts`],
    /// [`State::open_in_due_order`]).
    #[serde(default)]
    pub open_by_forum: Map<ForumId, crate::open::OpenOnForum>,
    pub referrals: Map<ReferralId, ReportId>,
    pub actions: Map<ActionId, Arc<Action>>,
    /// Person → the actions taken on them: an index over `actions`, kept by
    /// `apply` (an action's subject never changes).
    pub actions_by_subject: Index<PersonId, ActionId>,
    /// Forum → the actions in force there: an index over `actions`, kept by
    /// `apply`, for the lists of actions in force.
    #[serde(default)]
    pub actions_in_force: Index<ForumId, ActionId>,
    pub announcement_requests: Set<ActionId>,
    pub appeals: Map<AppealId, Appeal>,
    pub reinstatements: Map<ReinstatementId, ReinstatementRequest>,
    pub llc_actions: Map<LlcActionId, LlcAction>,
    pub procedures: Map<u32, Procedures>,
    pub note_wells: Map<u32, NoteWell>,
    pub note_well_seen: Map<PersonId, u32>,
    pub notifications: Notifications,
    /// The actions announced to the fora they cover (NOTIFY-3): an index
    /// over `notifications`, kept by `apply`, for the announcements.
    #[serde(default)]
    pub announced: Set<ActionId>,
    /// Action → the notifications about it, its appeals and its
    /// reinstatement requests: an index over `notifications`, kept by
    /// `apply`, for the action's page.
    #[serde(default)]
    pub notifications_by_action: Index<ActionId, NotificationId>,
    /// The end of the last period the IESG digest covered (NOTIFY-2).
    #[serde(default)]
    pub digest_until: Option<Timestamp>,
    /// The end of the last period the community report covered (NOTIFY-5).
    #[serde(default)]
    pub community_report_until: Option<Timestamp>,
    /// When each moderator flagged to step down was last reminded (TEAM-2).
    #[serde(default)]
    pub step_down_reminded: Map<PersonId, Timestamp>,
    /// Closed fora and when they closed (FORUM-5): they take no new reports
    /// or actions; what is in force there stays.
    #[serde(default)]
    pub closed_fora: Map<ForumId, Timestamp>,
    /// The last synchronisation with the registry of groups (FORUM-5).
    #[serde(default)]
    pub registry_synced: Option<RegistrySync>,
    /// The moderator team's proposals (TEAM-5).
    #[serde(default)]
    pub proposals: Map<ProposalId, Proposal>,
    /// Each report's messages, all threads together, in order (MSG-1).
    #[serde(default)]
    pub case_messages: Map<ReportId, Vec<CaseMessage>>,
    /// What modpod found at each action's evidence links, by action and
    /// link (EVIDENCE-1): hashes and sizes, never content.
    #[serde(default)]
    pub evidence_fetched: Map<ActionId, Map<String, EvidenceRecord>>,
    /// The alerts to the moderator team, oldest first (CIRCUMVENT-1).
    #[serde(default)]
    pub alerts: Map<AlertId, Alert>,
    /// The team's versions of notification texts, by template name
    /// (TEMPLATE-1).
    #[serde(default)]
    pub templates: Map<String, TemplateHistory>,
    /// The moderator team's actions from before modpod, by import key
    /// (MIGRATE-1): history for its yearly statistics (STATS-1) only.
    #[serde(default)]
    pub past_team_actions: Map<String, PastTeamAction>,
    pub next: Counters,
    /// What readers ask of the whole state and `apply` does not keep, worked
    /// out on the first asking.
    #[serde(skip)]
    memo: Memo,
}

/// Answers about the whole state worked out once, on the first asking, and
/// forgotten by the next [`State::apply`]: the engine publishes a state that
/// nobody changes, so each published state works them out at most once. A
/// copy keeps them (it is the same state until it is changed, by `apply`),
/// and two states are equal whatever they hold. A state's members are
/// public, but only `apply` may change them once it has been asked: a
/// change made around it would leave these answers stale.
#[derive(Debug, Clone, Default)]
struct Memo {
    /// The fora the moderators administer (ROLE-3).
    moderated: std::sync::OnceLock<BTreeSet<ForumId>>,
    /// Report → the actions that cite it, in order.
    citing: std::sync::OnceLock<std::collections::HashMap<ReportId, Vec<ActionId>>>,
}

impl PartialEq for Memo {
    fn eq(&self, _: &Memo) -> bool {
        true
    }
}

impl Eq for Memo {}

/// A synchronisation with the registry of groups that recorded changes
/// (FORUM-5): where from, for whom, when, and how many changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrySync {
    pub source: String,
    pub on_behalf_of: PersonId,
    pub at: Timestamp,
    pub changes: u64,
}

/// The next number to give each kind of record. Records are numbered from 1,
/// as people count them. Logs written before December 2026 numbered from 0:
/// their records keep the numbers they were given, and the next is one past
/// the highest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub report: u64,
    pub action: u64,
    pub appeal: u64,
    pub reinstatement: u64,
    pub llc_action: u64,
    pub notification: u64,
    pub referral: u64,
    #[serde(default = "first")]
    pub proposal: u64,
    #[serde(default = "first")]
    pub alert: u64,
}

fn first() -> u64 {
    1
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            report: first(),
            action: first(),
            appeal: first(),
            reinstatement: first(),
            llc_action: first(),
            notification: first(),
            referral: first(),
            proposal: first(),
            alert: first(),
        }
    }
}

impl Default for State {
    fn default() -> Self {
        State {
            bootstrapped: false,
            bootstrapped_at: None,
            settings: Settings::default(),
            categories: Category::defaults(),
            people: Map::new(),
            role_holders: Map::new(),
            identities: Map::new(),
            working_groups: Map::new(),
            fora: Map::new(),
            opted_in: Map::new(),
            moderators: Map::new(),
            flagged_to_step_down: Map::new(),
            flagged_at: Map::new(),
            reports: Map::new(),
            referrals: Map::new(),
            actions: Map::new(),
            reports_by_subject: Index::default(),
            reports_by_reporter: Index::default(),
            open_reports: Set::new(),
            reports_by_forum: Map::new(),
            open_by_forum: Map::new(),
            actions_by_subject: Index::default(),
            actions_in_force: Index::default(),
            announcement_requests: Set::new(),
            appeals: Map::new(),
            reinstatements: Map::new(),
            llc_actions: Map::new(),
            procedures: Map::new(),
            note_wells: Map::new(),
            note_well_seen: Map::new(),
            notifications: Notifications::default(),
            announced: Set::new(),
            notifications_by_action: Index::default(),
            digest_until: None,
            community_report_until: None,
            step_down_reminded: Map::new(),
            closed_fora: Map::new(),
            registry_synced: None,
            proposals: Map::new(),
            case_messages: Map::new(),
            evidence_fetched: Map::new(),
            alerts: Map::new(),
            templates: Map::new(),
            past_team_actions: Map::new(),
            next: Counters::default(),
            memo: Memo::default(),
        }
    }
}

fn bump(counter: &mut u64, used: u64) {
    *counter = (*counter).max(used.saturating_add(1));
}

impl State {
    /// Folds one event into the state.
    pub fn apply(&mut self, event: &Event) {
        self.memo = Memo::default();
        match event {
            Event::Bootstrapped { operator, name, at } => {
                self.bootstrapped = true;
                self.bootstrapped_at = *at;
                self.register(operator, name, None);
                self.grant(operator, Role::Operator);
            }
            Event::PersonRegistered {
                person,
                name,
                time_zone,
            } => {
                self.register(person, name, time_zone.clone());
            }
            Event::DigestIssued { period } => self.digest_until = Some(period.to),
            Event::CommunityReportPublished { period } => {
                self.community_report_until = Some(period.to)
            }
            Event::StepDownReminded { person, at } => {
                self.step_down_reminded.insert(person.clone(), *at);
            }
            Event::AvailabilitySet {
                person,
                time_zone,
                windows,
            } => {
                if let Some(p) = self.people.get_mut(person) {
                    p.time_zone = Some(time_zone.clone());
                    p.availability = windows.clone();
                }
            }
            Event::IdentityLinked { person, identity } => {
                if let Some(p) = self.people.get_mut(person) {
                    p.identities.insert(identity.clone());
                    self.identities.insert(identity.key(), person.clone());
                }
            }
            Event::RoleGranted { person, role } => self.grant(person, role.clone()),
            Event::RoleRevoked { person, role } => {
                if let Some(p) = self.people.get_mut(person) {
                    p.roles.remove(role);
                }
                if let Some(holders) = self.role_holders.get_mut(&role.key()) {
                    holders.remove(person);
                }
                if self.flagged_to_step_down.get(person) == Some(role) {
                    self.flagged_to_step_down.remove(person);
                    self.flagged_at.remove(person);
                }
            }
            Event::WorkingGroupCreated { wg } => {
                self.working_groups.insert(wg.id.clone(), wg.clone());
            }
            Event::ForumCreated { forum } => {
                self.fora.insert(forum.id.clone(), Forum::from(forum));
            }
            Event::WorkingGroupChanged {
                wg,
                name,
                area,
                responsible_ad,
            } => {
                if let Some(w) = self.working_groups.get_mut(wg) {
                    w.name = name.clone();
                    w.area = area.clone();
                    w.responsible_ad = responsible_ad.clone();
                }
            }
            Event::ForumClosed { forum, at, .. } => {
                self.closed_fora.insert(forum.clone(), *at);
            }
            Event::ForumReopened { forum, .. } => {
                self.closed_fora.remove(forum);
            }
            Event::RegistrySynced {
                source,
                on_behalf_of,
                at,
                changes,
            } => {
                self.registry_synced = Some(RegistrySync {
                    source: source.clone(),
                    on_behalf_of: on_behalf_of.clone(),
                    at: *at,
                    changes: *changes,
                });
            }
            Event::AdministrationDelegated { forum, to, by } => {
                if let Some(f) = self.fora.get_mut(forum) {
                    f.delegates.insert(Delegation {
                        to: to.clone(),
                        by: by.clone(),
                    });
                }
            }
            Event::DelegationRevoked { forum, to } => {
                if let Some(f) = self.fora.get_mut(forum) {
                    f.delegates.retain(|d| &d.to != to);
                }
            }
            Event::OptedIn {
                organisation,
                reference,
            } => {
                self.opted_in
                    .insert(organisation.clone(), reference.clone());
            }
            Event::CategoryAdded { category } => self.categories.push(category.clone()),
            // Numbers one moderator set before they belonged to the
            // procedures (PROC-1): on the record, without effect.
            Event::SettingsChanged { .. } => {}
            Event::DeploymentSettingsChanged { settings } => self.settings = settings.clone(),
            Event::ModeratorAppointed { person, at } => {
                self.moderators.insert(person.clone(), *at);
            }
            Event::ModeratorRecalled { person, .. } => {
                self.moderators.remove(person);
                self.flagged_to_step_down.remove(person);
                self.flagged_at.remove(person);
                self.step_down_reminded.remove(person);
            }
            Event::ModeratorFlaggedToStepDown { person, role, at } => {
                self.flagged_to_step_down
                    .insert(person.clone(), role.clone());
                self.flagged_at.insert(person.clone(), *at);
            }
            Event::ReportFiled { report } => {
                let before = self.open_slot(report.id);
                bump(&mut self.next.report, report.id.0);
                self.reports_by_subject
                    .insert(report.subject.clone(), report.id);
                self.reports_by_reporter
                    .insert(report.reporter.clone(), report.id);
                self.reports_by_forum
                    .entry(report.forum.clone())
                    .or_default()
                    .insert(report.id);
                self.reports
                    .insert(report.id, Arc::new(Report::from(report)));
                self.index_open(report.id, before);
            }
            Event::ReportAcknowledged { report, at, .. } => {
                self.change_report(*report, |r| {
                    r.state = ReportState::Acknowledged;
                    r.acknowledged_at = Some(*at);
                });
            }
            Event::ReportReviewStarted { report } => {
                self.change_report(*report, |r| {
                    r.state = ReportState::InReview;
                });
            }
            Event::ReportAssigned { report, to, .. } => {
                if let Some(r) = shared_mut(&mut self.reports, report) {
                    r.assignee = to.clone();
                }
            }
            Event::ReportEscalated { report, at } => {
                self.change_report(*report, |r| {
                    r.escalated_at = Some(*at);
                });
            }
            Event::ReportResolved { report, outcome } => {
                self.change_report(*report, |r| {
                    r.state = ReportState::Resolved {
                        outcome: outcome.clone(),
                    };
                });
            }
            Event::ReferredToOmbudsteam {
                referral, report, ..
            } => {
                bump(&mut self.next.referral, referral.0);
                self.referrals.insert(*referral, *report);
            }
            Event::CaseMessagePosted { report, message } => {
                self.case_messages
                    .entry(*report)
                    .or_default()
                    .push(CaseMessage::from(message));
            }
            Event::ActionTaken { action } => {
                bump(&mut self.next.action, action.id.0);
                self.actions_by_subject
                    .insert(action.subject.clone(), action.id);
                if let Some(team) = &action.team {
                    self.enacted(team.proposal, action.taken_at, action.id);
                }
                self.actions
                    .insert(action.id, Arc::new(Action::from(action)));
                self.index_in_force(action.id, &[]);
            }
            Event::ModeratorsConsulted {
                action,
                consultation,
            } => {
                if let Some(a) = shared_mut(&mut self.actions, action) {
                    a.consultations.push(consultation.clone());
                }
            }
            Event::ConsultationAnswered {
                action,
                consultation,
                moderator,
                answer,
            } => {
                if let Some(c) = shared_mut(&mut self.actions, action)
                    .and_then(|a| a.consultations.get_mut(*consultation))
                {
                    c.moderator = Some(moderator.clone());
                    c.answer = Some(answer.clone());
                }
            }
            Event::ActionAmended {
                action,
                terms,
                amendment,
            } => {
                if let Some(team) = &amendment.team {
                    self.enacted(team.proposal, amendment.at, *action);
                }
                if let Some(a) = shared_mut(&mut self.actions, action) {
                    let before = std::mem::replace(&mut a.terms, terms.clone());
                    a.amendments.push(amendment.clone());
                    self.index_in_force(*action, &before.fora);
                }
            }
            Event::ActionRescinded {
                action,
                at,
                by,
                reason,
                team,
            } => {
                if let Some(team) = team {
                    self.enacted(team.proposal, *at, *action);
                }
                if let Some(a) = shared_mut(&mut self.actions, action) {
                    a.status = ActionStatus::Rescinded {
                        at: *at,
                        by: by.clone(),
                        reason: reason.clone(),
                    };
                    let fora = a.terms.fora.clone();
                    self.index_in_force(*action, &fora);
                }
            }
            Event::ActionExpired { action, at } => {
                if let Some(a) = shared_mut(&mut self.actions, action) {
                    a.status = ActionStatus::Expired { at: *at };
                    let fora = a.terms.fora.clone();
                    self.index_in_force(*action, &fora);
                }
            }
            Event::CoolDownSet {
                action,
                until,
                at,
                by,
                ..
            } => {
                if let Some(a) = shared_mut(&mut self.actions, action) {
                    a.cool_down = until.map(|until| CoolDown {
                        until,
                        set_at: *at,
                        set_by: by.clone(),
                    });
                }
            }
            Event::AnnouncementRequested { action } => {
                self.announcement_requests.insert(*action);
            }
            Event::ProposalMade { proposal } => {
                bump(&mut self.next.proposal, proposal.id.0);
                self.proposals.insert(proposal.id, Proposal::from(proposal));
            }
            Event::ProposalAgreed { proposal, by, at } => {
                if let Some(p) = self.proposals.get_mut(proposal) {
                    p.agreed.push((by.clone(), *at));
                }
            }
            Event::ProposalApproved {
                proposal, by, at, ..
            } => {
                if let Some(p) = self.proposals.get_mut(proposal) {
                    p.approved = Some((by.clone(), *at));
                }
            }
            Event::TemplateDrafted {
                name,
                version,
                text,
                by,
                at,
            } => {
                self.templates
                    .entry(name.clone())
                    .or_default()
                    .versions
                    .push(TemplateVersion {
                        version: *version,
                        text: text.clone(),
                        drafted_by: by.clone(),
                        drafted_at: *at,
                        approved: None,
                    });
            }
            Event::TemplateApproved {
                name,
                version,
                by,
                at,
            } => {
                if let Some(history) = self.templates.get_mut(name) {
                    if let Some(v) = history.versions.iter_mut().find(|v| v.version == *version) {
                        v.approved = Some((by.clone(), *at));
                    }
                    history.current = history.current.max(*version);
                }
            }
            Event::ProposalWithdrawn {
                proposal,
                by,
                at,
                reason,
            } => {
                if let Some(p) = self.proposals.get_mut(proposal) {
                    p.status = ProposalStatus::Withdrawn {
                        at: *at,
                        by: by.clone(),
                        reason: reason.clone(),
                    };
                }
            }
            Event::EvidenceRetrieved {
                action,
                url,
                at,
                outcome,
            } => {
                self.evidence_fetched
                    .entry(*action)
                    .or_default()
                    .entry(url.clone())
                    .or_insert_with(|| EvidenceRecord {
                        retrieved: Fetch {
                            at: *at,
                            outcome: outcome.clone(),
                        },
                        last_check: None,
                    });
            }
            Event::EvidenceChecked {
                action,
                url,
                at,
                outcome,
            } => {
                if let Some(record) = self.evidence_record_mut(*action, url) {
                    record.last_check = Some(Fetch {
                        at: *at,
                        outcome: outcome.clone(),
                    });
                }
            }
            Event::AppealFiled { appeal } => {
                bump(&mut self.next.appeal, appeal.id.0);
                self.appeals.insert(appeal.id, Appeal::from(appeal));
            }
            Event::ReportReopened { report, .. } => {
                self.change_report(*report, |r| {
                    r.state = ReportState::InReview;
                });
            }
            Event::AppealDecided { appeal, decision } => {
                if let Some(step) = self
                    .appeals
                    .get_mut(appeal)
                    .and_then(|a| a.steps.last_mut())
                {
                    step.decision = Some(decision.clone());
                }
            }
            Event::AppealEscalated { appeal, step } => {
                if let Some(a) = self.appeals.get_mut(appeal) {
                    a.steps.push(AppealStep::from(step));
                }
            }
            Event::ReinstatementRequested { request } => {
                bump(&mut self.next.reinstatement, request.id.0);
                self.reinstatements
                    .insert(request.id, ReinstatementRequest::from(request));
            }
            Event::ReinstatementDecided { request, decision } => {
                if let Some(r) = self.reinstatements.get_mut(request) {
                    r.decision = Some(decision.clone());
                }
            }
            Event::LlcActionTaken { action } => {
                bump(&mut self.next.llc_action, action.id.0);
                self.llc_actions.insert(action.id, LlcAction::from(action));
            }
            Event::LlcActionLifted { action, at, .. } => {
                if let Some(a) = self.llc_actions.get_mut(action) {
                    a.lifted_at = Some(*at);
                }
            }
            Event::BoardReviewRequested { action, at } => {
                if let Some(a) = self.llc_actions.get_mut(action) {
                    a.board_review = Some(BoardReview {
                        requested_at: *at,
                        decision: None,
                    });
                }
            }
            Event::BoardReviewDecided { action, decision } => {
                if let Some(review) = self
                    .llc_actions
                    .get_mut(action)
                    .and_then(|a| a.board_review.as_mut())
                {
                    review.decision = Some(decision.clone());
                }
            }
            Event::ProceduresDrafted { procedures } => {
                self.procedures
                    .insert(procedures.version, Procedures::from(procedures));
            }
            Event::ProceduresReviewOpened { version } => {
                if let Some(p) = self.procedures.get_mut(version) {
                    p.status = ProceduresStatus::InCommunityReview;
                }
            }
            Event::ProceduresApproved { version, at } => {
                if let Some(p) = self.procedures.get_mut(version) {
                    p.status = ProceduresStatus::Approved;
                    p.approved_at = Some(*at);
                }
            }
            Event::NoteWellPublished { note_well } => {
                self.note_wells.insert(note_well.version, note_well.clone());
            }
            Event::NoteWellSeen { person, version } => {
                self.note_well_seen.insert(person.clone(), *version);
            }
            Event::NotificationOwed { notification } => {
                bump(&mut self.next.notification, notification.id.0);
                if let Some(action) = notification.announces() {
                    self.announced.insert(action);
                }
                let action = match &notification.about {
                    Subject::Action(id) => Some(*id),
                    Subject::Appeal(id) => self.appeals.get(id).and_then(|a| a.action),
                    Subject::Reinstatement(id) => self.reinstatements.get(id).map(|r| r.action),
                    _ => None,
                };
                if let Some(action) = action {
                    self.notifications_by_action.insert(action, notification.id);
                }
                self.notifications.insert(notification.clone());
            }
            Event::CircumventionAlertRaised { alert } => {
                bump(&mut self.next.alert, alert.id.0);
                self.alerts.insert(alert.id, alert.into());
            }
            Event::PastTeamActionRecorded { action } => {
                self.past_team_actions
                    .insert(action.key.clone(), action.into());
            }
        }
    }

    /// A proposal of the team took effect (TEAM-5).
    fn enacted(&mut self, proposal: ProposalId, at: Timestamp, action: ActionId) {
        if let Some(p) = self.proposals.get_mut(&proposal) {
            p.status = ProposalStatus::Enacted { at, action };
        }
    }

    fn register(&mut self, id: &PersonId, name: &str, time_zone: Option<String>) {
        self.people.entry(id.clone()).or_insert_with(|| Person {
            id: id.clone(),
            name: name.to_owned(),
            time_zone,
            roles: BTreeSet::new(),
            identities: BTreeSet::new(),
            availability: Vec::new(),
        });
    }

    fn grant(&mut self, person: &PersonId, role: Role) {
        if let Some(p) = self.people.get_mut(person) {
            self.role_holders
                .entry(role.key())
                .or_default()
                .insert(person.clone());
            p.roles.insert(role);
        }
    }

    fn evidence_record_mut(&mut self, action: ActionId, url: &str) -> Option<&mut EvidenceRecord> {
        self.evidence_fetched.get_mut(&action)?.get_mut(url)
    }

    /// The people holding a role, from the index `apply` keeps.
    pub fn holders(&self, role: &Role) -> impl Iterator<Item = &PersonId> {
        self.role_holders.get(&role.key()).into_iter().flatten()
    }

    // ---- Queries ----

    pub fn holds(&self, person: &PersonId, role: &Role) -> bool {
        self.people
            .get(person)
            .is_some_and(|p| p.roles.contains(role))
    }

    pub fn holds_any(&self, person: &PersonId, pred: impl Fn(&Role) -> bool) -> bool {
        self.people
            .get(person)
            .is_some_and(|p| p.roles.iter().any(pred))
    }

    /// The version of a template notifications are rendered from now
    /// (TEMPLATE-1): 0 until the team's first approved version.
    pub fn template_version(&self, name: &str) -> u32 {
        self.templates.get(name).map_or(0, |t| t.current)
    }

    pub fn is_moderator(&self, person: &PersonId) -> bool {
        self.moderators.contains_key(person)
    }

    /// The person an identity belongs to, if any.
    pub fn person_with(&self, identity: &Identity) -> Option<&PersonId> {
        self.identities.get(&identity.key())
    }

    /// Whether the policy applies to the forum at all (FORUM-2).
    pub fn policy_applies(&self, forum: &Forum) -> bool {
        forum.organisation == Organisation::Ietf || self.opted_in.contains_key(&forum.organisation)
    }

    /// The people who administer a forum (ROLE-2): named administrators, the
    /// chairs of its working group when it is public, and their delegates.
    /// Empty for plenary fora and fora without administrators: those are
    /// administered by the moderators (ROLE-3, see `moderators_administer`).
    pub fn administrators(&self, forum: &Forum) -> BTreeSet<PersonId> {
        let mut out: BTreeSet<PersonId> = self
            .holders(&Role::ForumAdministrator {
                forum: forum.id.clone(),
            })
            .cloned()
            .collect();
        if let Some(wg) = forum.wg.as_ref().filter(|_| forum.public) {
            out.extend(self.holders(&Role::WgChair { wg: wg.clone() }).cloned());
        }
        out.extend(forum.delegates.iter().map(|d| d.to.clone()));
        out
    }

    /// Whether `person` is among [`State::administrators`] of `forum`, found
    /// from the person's own roles without building that set.
    pub fn is_administrator(&self, person: &PersonId, forum: &Forum) -> bool {
        administers(self.people.get(person), person, forum)
    }

    /// Whether `person` administers any forum (ROLE-2), their roles looked
    /// up once.
    pub fn administers_any(&self, person: &PersonId) -> bool {
        self.administered_by(person).next().is_some()
    }

    /// The fora `person` administers (ROLE-2), their roles looked up once.
    pub fn administered_by<'a>(&'a self, person: &'a PersonId) -> impl Iterator<Item = &'a Forum> {
        let p = self.people.get(person);
        self.fora
            .values()
            .filter(move |f| administers(p, person, f))
    }

    /// When the forum closed, if it is closed (FORUM-5).
    pub fn closed_since(&self, forum: &ForumId) -> Option<Timestamp> {
        self.closed_fora.get(forum).copied()
    }

    /// Whether the moderators administer the forum: plenary fora and fora with no
    /// administrator (ROLE-3).
    pub fn moderators_administer(&self, forum: &Forum) -> bool {
        let held = |role: Role| self.holders(&role).next().is_some();
        administered_by_the_moderators(
            forum,
            |wg| held(Role::WgChair { wg: wg.clone() }),
            |id| held(Role::ForumAdministrator { forum: id.clone() }),
        )
    }

    /// [`State::moderators_administer`] for many fora: who holds the roles
    /// that make someone a forum's administrator is looked up once.
    pub fn moderators_administer_many(&self) -> ModeratorsAdminister<'_> {
        let held = |prefix: &str| -> HashSet<&str> {
            self.role_holders
                .range::<_, str>((Bound::Included(prefix), Bound::Unbounded))
                .take_while(|(key, _)| key.starts_with(prefix))
                .filter(|(_, holders)| !holders.is_empty())
                .filter_map(|(key, _)| key.strip_prefix(prefix))
                .collect()
        };
        ModeratorsAdminister {
            chaired: held("wg_chair:"),
            named: held("forum_administrator:"),
        }
    }

    /// The fora the moderators administer (ROLE-3), in order: what
    /// [`State::moderators_administer`] says yes to, worked out once a state.
    pub fn moderated_fora(&self) -> &BTreeSet<ForumId> {
        self.memo.moderated.get_or_init(|| {
            let administer = self.moderators_administer_many();
            self.fora
                .values()
                .filter(|f| administer.forum(f))
                .map(|f| f.id.clone())
                .collect()
        })
    }

    /// The actions that cite `report`, in order, found once a state.
    pub fn actions_citing(&self, report: ReportId) -> impl Iterator<Item = &Action> {
        let citing = self.memo.citing.get_or_init(|| {
            let mut citing = std::collections::HashMap::<_, Vec<_>>::new();
            for a in self.actions.values() {
                for r in &a.reports {
                    let ids = citing.entry(*r).or_default();
                    if ids.last() != Some(&a.id) {
                        ids.push(a.id);
                    }
                }
            }
            citing
        });
        citing
            .get(&report)
            .into_iter()
            .flatten()
            .filter_map(|id| self.action(id))
    }

    /// The AD responsible for a forum: its own, else its working group's
    /// (FORUM-4); one who no longer holds the AD role counts as none
    /// (APPEAL-1).
    pub fn responsible_ad(&self, forum: &Forum) -> Option<PersonId> {
        let sitting =
            |ad: &PersonId| self.holds_any(ad, |r| matches!(r, Role::AreaDirector { .. }));
        forum.responsible_ad.clone().filter(sitting).or_else(|| {
            forum
                .wg
                .as_ref()
                .and_then(|wg| self.working_groups.get(wg))
                .and_then(|wg| wg.responsible_ad.clone())
                .filter(sitting)
        })
    }

    /// Where a disagreement with an action goes first (APPEAL-1, FORUM-4): the
    /// AD responsible for all of the action's fora when there is exactly one;
    /// otherwise the IETF chair.
    pub fn first_appeal(&self, action: &Action) -> (AppealLevel, Option<PersonId>) {
        self.first_appeal_on(&action.terms.fora)
    }

    /// Where a disagreement about these fora goes first: their one
    /// responsible AD, else the IETF chair (APPEAL-1).
    pub fn first_appeal_on(&self, fora: &[ForumId]) -> (AppealLevel, Option<PersonId>) {
        let ads: BTreeSet<Option<PersonId>> = fora
            .iter()
            .map(|f| self.fora.get(f).and_then(|f| self.responsible_ad(f)))
            .collect();
        match ads.into_iter().collect::<Vec<_>>().as_slice() {
            [Some(ad)] => (AppealLevel::AreaDirector, Some(ad.clone())),
            _ => (AppealLevel::IetfChair, None),
        }
    }

    /// The approved procedures in force: the latest approved version (PROC-1).
    pub fn procedures_in_force(&self) -> Option<u32> {
        self.procedures
            .values()
            .filter(|p| p.status == ProceduresStatus::Approved)
            .map(|p| p.version)
            .max()
    }

    /// The moderator team's ladder in force (LADDER-1): that of the latest
    /// approved version of its procedures that sets one, else the team's
    /// published ladder.
    pub fn ladder(&self) -> Ladder {
        self.procedures
            .values()
            .rev()
            .filter(|p| p.status == ProceduresStatus::Approved)
            .find_map(|p| p.ladder.clone())
            .unwrap_or_default()
    }

    /// The moderator team's numbers in force (PROC-1): those of the latest
    /// approved version of its procedures that sets them, else the defaults.
    pub fn numbers(&self) -> TeamNumbers {
        self.procedures
            .values()
            .rev()
            .filter(|p| p.status == ProceduresStatus::Approved)
            .find_map(|p| p.numbers)
            .unwrap_or_default()
    }

    /// When a report escalates to the moderators if nothing more happens
    /// (REPORT-4): the escalation time after it was filed while it is not
    /// acknowledged; the resolution time after its acknowledgement while it
    /// is not resolved; never once resolved or escalated, nor on a non-public
    /// forum (FORUM-3).
    pub fn escalates_at(&self, r: &Report) -> Option<Timestamp> {
        let forum = self.fora.get(&r.forum)?;
        Self::escalates_at_with(r, forum, self.numbers())
    }

    /// [`State::escalates_at`] for a report on `forum` with the team's
    /// `numbers`, for those who ask about many reports: the forum and the
    /// numbers looked up once.
    pub fn escalates_at_with(r: &Report, forum: &Forum, n: TeamNumbers) -> Option<Timestamp> {
        if r.escalated_at.is_some() || !forum.public {
            return None;
        }
        match r.state {
            ReportState::Received => Some(State::escalation_due(r.filed_at, n)),
            ReportState::Acknowledged | ReportState::InReview => {
                r.acknowledged_at.map(|at| State::resolution_due(at, n))
            }
            ReportState::Resolved { .. } => None,
        }
    }

    /// When a report filed at `filed` escalates if nobody acknowledges it
    /// (REPORT-4).
    pub(crate) fn escalation_due(filed: Timestamp, n: TeamNumbers) -> Timestamp {
        crate::time::add_seconds(filed, i64::from(n.escalation_hours) * 3600)
    }

    /// When a report acknowledged at `acknowledged` escalates if it is not
    /// resolved (REPORT-4).
    pub(crate) fn resolution_due(acknowledged: Timestamp, n: TeamNumbers) -> Timestamp {
        crate::time::add_days(acknowledged, i64::from(n.resolution_days))
    }

    /// Whether a moderator flagged to step down (TEAM-2) is past the grace
    /// period at `now`, and so can no longer act as a moderator. A flag whose
    /// time an older log did not record is past it.
    pub fn past_step_down_grace(&self, person: &PersonId, now: Timestamp) -> bool {
        match self.flagged_at.get(person) {
            None => false,
            Some(None) => true,
            Some(Some(at)) => {
                let days = i64::from(self.numbers().step_down_grace_days);
                crate::time::add_days(*at, days) <= now
            }
        }
    }

    /// What modpod found at one evidence link of an action, if it fetched
    /// it (EVIDENCE-1).
    pub fn evidence_record(&self, action: ActionId, url: &str) -> Option<&EvidenceRecord> {
        self.evidence_fetched.get(&action)?.get(url)
    }

    /// Changes a report, and the indexes of the open reports with it.
    fn change_report(&mut self, id: ReportId, change: impl FnOnce(&mut Report)) {
        let before = self.open_slot(id);
        if let Some(r) = shared_mut(&mut self.reports, &id) {
            change(r);
        }
        self.index_open(id, before);
    }

    /// Where a report is filed among its forum's open reports.
    fn open_slot(&self, id: ReportId) -> Option<crate::open::Slot> {
        self.report(&id).and_then(crate::open::Slot::of)
    }

    /// Keeps [`State::open_reports`] and [`State::open_by_forum`] as the
    /// report now stands, after it stood at `before`.
    fn index_open(&mut self, id: ReportId, before: Option<crate::open::Slot>) {
        let Some(r) = self.reports.get(&id) else {
            return;
        };
        let after = crate::open::Slot::of(r);
        match after {
            Some(_) => self.open_reports.insert(id),
            None => self.open_reports.remove(&id),
        };
        if before == after {
            return;
        }
        let forum = r.forum.clone();
        let open = self.open_by_forum.entry(forum.clone()).or_default();
        if let Some(slot) = before {
            open.unfile(slot, id);
        }
        if let Some(slot) = after {
            open.file(slot, id);
        }
        if open.is_empty() {
            self.open_by_forum.remove(&forum);
        }
    }

    /// Report `id`, if there is one.
    pub fn report(&self, id: &ReportId) -> Option<&Report> {
        self.reports.get(id).map(Arc::as_ref)
    }

    /// Action `id`, if there is one.
    pub fn action(&self, id: &ActionId) -> Option<&Action> {
        self.actions.get(id).map(Arc::as_ref)
    }

    /// The reports not resolved, oldest first.
    pub fn open_reports(&self) -> impl Iterator<Item = &Report> {
        self.open_reports.iter().filter_map(|id| self.report(id))
    }

    /// Files an action under the fora it is in force on, after it was
    /// filed under `before`.
    fn index_in_force(&mut self, id: ActionId, before: &[ForumId]) {
        for forum in before {
            self.actions_in_force.remove(forum, &id);
        }
        if let Some(action) = self.actions.get(&id).filter(|a| a.in_force()) {
            for forum in &action.terms.fora {
                self.actions_in_force.insert(forum.clone(), id);
            }
        }
    }

    /// The actions in force, on `forum` or on any forum, in order of their
    /// numbers, from the index `apply` keeps.
    pub fn actions_in_force(&self, forum: Option<&ForumId>) -> Vec<&Action> {
        let ids: BTreeSet<&ActionId> = match forum {
            Some(forum) => self.actions_in_force.get(forum).collect(),
            None => self.actions_in_force.iter().map(|(_, id)| id).collect(),
        };
        ids.into_iter().filter_map(|id| self.action(id)).collect()
    }

    /// The notifications about an action, its appeals and its reinstatement
    /// requests, in the order they were owed.
    pub fn notifications_about_action(
        &self,
        action: ActionId,
    ) -> impl Iterator<Item = &Notification> {
        self.notifications_by_action
            .get(&action)
            .filter_map(|id| self.notifications.get(id))
    }

    /// Every report a person filed, in the order they were filed.
    pub fn reports_by(&self, person: &PersonId) -> impl DoubleEndedIterator<Item = &Report> {
        self.reports_indexed(self.reports_by_reporter.get(person))
    }

    /// Every report about a person, in the order they were filed.
    pub fn reports_about(&self, person: &PersonId) -> impl DoubleEndedIterator<Item = &Report> {
        self.reports_indexed(self.reports_by_subject.get(person))
    }

    /// Every report filed on a forum, in the order they were filed.
    pub fn reports_on(&self, forum: &ForumId) -> impl DoubleEndedIterator<Item = &Report> {
        self.reports_indexed(self.reports_by_forum.get(forum).into_iter().flatten())
    }

    fn reports_indexed<'a>(
        &'a self,
        ids: impl DoubleEndedIterator<Item = &'a ReportId>,
    ) -> impl DoubleEndedIterator<Item = &'a Report> {
        ids.filter_map(|id| self.report(id))
    }

    /// Every action ever taken against a person, across all fora (ACT-7).
    pub fn history(&self, person: &PersonId) -> Vec<&Action> {
        self.actions_by_subject
            .get(person)
            .filter_map(|id| self.action(id))
            .collect()
    }

    /// CIRCUMVENT-1: the person's actions that restrict their posting and
    /// have not ended at `now` (started or not), those against spam and the
    /// volume rule's (taken by `system`) aside: those whose circumvention the
    /// moderators are alerted to.
    pub fn restricting(&self, person: &PersonId, now: Timestamp) -> Vec<&Action> {
        let mut out = self.history(person);
        out.retain(|a| {
            a.in_force()
                && !a.spam
                && a.taken_as != Capacity::System
                && a.terms.measure.restricts()
                && a.terms.ends_at.is_none_or(|end| now < end)
        });
        out
    }

    /// Actions in force against a person that apply at `now`.
    pub fn restrictions_at(&self, person: &PersonId, now: Timestamp) -> Vec<&Action> {
        let mut in_force = self.history(person);
        in_force.retain(|a| a.applies_at(now));
        in_force
    }

    /// Warnings about the moderator team that people should see (TEAM-2, TEAM-3).
    pub fn team_warnings(&self) -> Vec<crate::Warning> {
        let mut out = Vec::new();
        let size = self.moderators.len();
        let min = self.settings.warn_team_below as usize;
        if size < min {
            out.push(crate::Warning {
                requirement: Requirement::Team3.into(),
                message: format!(
                    "the moderator team has {size} members; the policy asks for at least {min}"
                ),
            });
        }
        for (person, role) in &self.flagged_to_step_down {
            out.push(crate::Warning {
                requirement: Requirement::Team2.into(),
                message: format!("moderator {person} now serves as {role} and should step down"),
            });
        }
        out
    }
}

/// Whether `person` (whose record is `record`) administers `forum` (ROLE-2):
/// by a role naming it, as a chair of its working group when it is public,
/// or by delegation.
pub(crate) fn administers(record: Option<&Person>, person: &PersonId, forum: &Forum) -> bool {
    let by_role = record.is_some_and(|p| {
        p.roles.iter().any(|role| match role {
            Role::ForumAdministrator { forum: f } => f == &forum.id,
            Role::WgChair { wg } => forum.public && forum.wg.as_ref() == Some(wg),
            _ => false,
        })
    });
    by_role || forum.delegates.iter().any(|d| &d.to == person)
}

/// Whether the moderators administer each forum (ROLE-3), as
/// [`State::moderators_administer`] answers, for many fora at once.
pub struct ModeratorsAdminister<'a> {
    /// The working groups with a chair.
    chaired: HashSet<&'a str>,
    /// The fora with an administrator named by role.
    named: HashSet<&'a str>,
}

impl ModeratorsAdminister<'_> {
    pub fn forum(&self, forum: &Forum) -> bool {
        administered_by_the_moderators(
            forum,
            |wg| self.chaired.contains(wg.as_str()),
            |id| self.named.contains(id.as_str()),
        )
    }
}

/// ROLE-3: the moderators administer a plenary forum, and a forum with no
/// administrator: no delegate, no chair of its working group (for a public
/// forum), nobody named its administrator. `chaired` and `named` say
/// whether a working group has a chair and a forum a named administrator.
fn administered_by_the_moderators(
    forum: &Forum,
    chaired: impl Fn(&WgId) -> bool,
    named: impl Fn(&ForumId) -> bool,
) -> bool {
    let chairs = || forum.public && forum.wg.as_ref().is_some_and(&chaired);
    forum.plenary || (forum.delegates.is_empty() && !chairs() && !named(&forum.id))
}
