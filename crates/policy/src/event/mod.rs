//! Events: what happened, as recorded in the log. The state is nothing but these
//! events applied in order (`State::apply`). Events carry every value `apply`
//! needs, so replay never consults a clock or a setting that changed later.
//!
//! An event holds what happened, never state derived from it: what it makes
//! is one of the [`records`], not the model's type. How events are written
//! and read, version by version, is [`format`]'s.

pub mod format;
pub mod records;

pub use records::*;

use crate::ids::*;
use crate::model::*;
use crate::settings::{LegacySettings, Settings};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    Bootstrapped {
        operator: PersonId,
        name: String,
        /// When the log was set up: the periodic reports count from here.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<Timestamp>,
    },
    PersonRegistered {
        person: PersonId,
        name: String,
        time_zone: Option<String>,
    },
    IdentityLinked {
        person: PersonId,
        identity: Identity,
    },
    DigestIssued {
        period: Period,
    },
    CommunityReportPublished {
        period: Period,
    },
    StepDownReminded {
        person: PersonId,
        at: Timestamp,
    },
    AvailabilitySet {
        person: PersonId,
        time_zone: String,
        windows: Vec<Window>,
    },
    RoleGranted {
        person: PersonId,
        role: Role,
    },
    RoleRevoked {
        person: PersonId,
        role: Role,
    },
    WorkingGroupCreated {
        wg: WorkingGroup,
    },
    ForumCreated {
        forum: NewForum,
    },
    AdministrationDelegated {
        forum: ForumId,
        to: PersonId,
        by: PersonId,
    },
    DelegationRevoked {
        forum: ForumId,
        to: PersonId,
    },
    /// A working group's name, area and responsible AD after a change
    /// (FORUM-4, FORUM-5).
    WorkingGroupChanged {
        wg: WgId,
        name: String,
        area: Option<String>,
        responsible_ad: Option<PersonId>,
    },
    /// The forum takes no new reports or actions from `at` (FORUM-5).
    ForumClosed {
        forum: ForumId,
        at: Timestamp,
        reason: String,
    },
    ForumReopened {
        forum: ForumId,
        at: Timestamp,
        reason: String,
    },
    /// The registry of groups was synchronised: the events before this one in
    /// the same transaction came from `source`, recorded on behalf of the
    /// operator `on_behalf_of` (FORUM-5).
    RegistrySynced {
        source: String,
        on_behalf_of: PersonId,
        at: Timestamp,
        changes: u64,
    },
    OptedIn {
        organisation: Organisation,
        reference: String,
    },
    CategoryAdded {
        category: Category,
    },
    /// One moderator's numbers, as logs recorded them before the team's
    /// numbers became part of its procedures (PROC-1). Replayed, not obeyed.
    SettingsChanged {
        settings: LegacySettings,
    },
    /// An operator changed the deployment's settings; the event holds all of
    /// them, as they are after the change.
    DeploymentSettingsChanged {
        settings: Settings,
    },

    ModeratorAppointed {
        person: PersonId,
        at: Timestamp,
    },
    ModeratorRecalled {
        person: PersonId,
        at: Timestamp,
        reason: String,
    },
    /// A sitting moderator took a role that excludes moderation (TEAM-2).
    ModeratorFlaggedToStepDown {
        person: PersonId,
        role: Role,
        /// When: the grace period to step down counts from here. Older logs
        /// did not record it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<Timestamp>,
    },

    ReportFiled {
        report: NewReport,
    },
    ReportAcknowledged {
        report: ReportId,
        by: PersonId,
        at: Timestamp,
    },
    ReportReviewStarted {
        report: ReportId,
    },
    /// The report was given to someone who handles it, or taken back (`to`
    /// is then `None`).
    ReportAssigned {
        report: ReportId,
        to: Option<PersonId>,
        by: PersonId,
        at: Timestamp,
    },
    ReportEscalated {
        report: ReportId,
        at: Timestamp,
    },
    ReportResolved {
        report: ReportId,
        outcome: ReportOutcome,
    },
    ReferredToOmbudsteam {
        referral: ReferralId,
        report: ReportId,
        note: String,
    },
    /// A message in one of the report's threads (MSG-1).
    CaseMessagePosted {
        report: ReportId,
        message: NewCaseMessage,
    },

    ActionTaken {
        action: NewAction,
    },
    /// An administrator's consultation of the team (ACT-3): a request, or,
    /// in logs from before a consultation needed an answer, the
    /// administrator's record of one.
    ModeratorsConsulted {
        action: ActionId,
        consultation: Consultation,
    },
    /// A moderator answered consultation number `consultation` (ACT-3).
    ConsultationAnswered {
        action: ActionId,
        consultation: usize,
        moderator: PersonId,
        answer: ConsultationAnswer,
    },
    ActionAmended {
        action: ActionId,
        terms: Terms,
        amendment: Amendment,
    },
    ActionRescinded {
        action: ActionId,
        at: Timestamp,
        by: PersonId,
        reason: String,
        /// How the team agreed to it, for a rescission of the team (TEAM-5);
        /// absent before version 4.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<TeamDecision>,
    },
    ActionExpired {
        action: ActionId,
        at: Timestamp,
    },
    /// An action's fora cool down until `until`, or stop (`None`).
    CoolDownSet {
        action: ActionId,
        until: Option<Timestamp>,
        at: Timestamp,
        by: PersonId,
        as_capacity: Capacity,
        reason: String,
    },
    AnnouncementRequested {
        action: ActionId,
    },
    /// modpod fetched one of the action's evidence links for the first time
    /// (EVIDENCE-1): what it found then, never the content.
    EvidenceRetrieved {
        action: ActionId,
        url: String,
        at: Timestamp,
        outcome: FetchOutcome,
    },
    /// modpod fetched an evidence link again, to check it (EVIDENCE-1).
    EvidenceChecked {
        action: ActionId,
        url: String,
        at: Timestamp,
        outcome: FetchOutcome,
    },

    /// A moderator proposed an action, amendment or rescission of the team
    /// (TEAM-5): it takes effect once the quorum agrees.
    ProposalMade {
        proposal: NewProposal,
    },
    /// Another moderator agreed to a proposal, vetting its texts.
    ProposalAgreed {
        proposal: ProposalId,
        by: PersonId,
        at: Timestamp,
    },
    /// The approval a proposal's level asks for was given (LADDER-1).
    ProposalApproved {
        proposal: ProposalId,
        by: PersonId,
        as_capacity: Capacity,
        at: Timestamp,
    },
    ProposalWithdrawn {
        proposal: ProposalId,
        by: PersonId,
        at: Timestamp,
        reason: String,
    },
    /// A new version of a notification's text, drafted (TEMPLATE-1).
    TemplateDrafted {
        name: String,
        version: u32,
        text: String,
        by: PersonId,
        at: Timestamp,
    },
    /// A drafted version, vetted by another moderator: notifications of that
    /// name are rendered from it from now on (TEMPLATE-1, TEAM-5).
    TemplateApproved {
        name: String,
        version: u32,
        by: PersonId,
        at: Timestamp,
    },

    AppealFiled {
        appeal: NewAppeal,
    },
    /// An upheld disagreement with a report closed without action opens it
    /// again, for its handlers to review (APPEAL-1, APPEAL-3).
    ReportReopened {
        report: ReportId,
        at: Timestamp,
    },
    AppealDecided {
        appeal: AppealId,
        decision: AppealDecision,
    },
    AppealEscalated {
        appeal: AppealId,
        step: NewAppealStep,
    },

    ReinstatementRequested {
        request: NewReinstatementRequest,
    },
    ReinstatementDecided {
        request: ReinstatementId,
        decision: ReinstatementDecision,
    },

    LlcActionTaken {
        action: NewLlcAction,
    },
    LlcActionLifted {
        action: LlcActionId,
        at: Timestamp,
        reason: String,
    },
    BoardReviewRequested {
        action: LlcActionId,
        at: Timestamp,
    },
    BoardReviewDecided {
        action: LlcActionId,
        decision: BoardDecision,
    },

    ProceduresDrafted {
        procedures: NewProcedures,
    },
    ProceduresReviewOpened {
        version: u32,
    },
    ProceduresApproved {
        version: u32,
        at: Timestamp,
    },
    NoteWellPublished {
        note_well: NoteWell,
    },
    NoteWellSeen {
        person: PersonId,
        version: u32,
    },

    NotificationOwed {
        notification: Notification,
    },

    /// The moderator team is alerted about a restricted person's identity
    /// (CIRCUMVENT-1): nothing else happens.
    CircumventionAlertRaised {
        alert: NewAlert,
    },

    /// One of the moderator team's actions from before modpod, imported by
    /// an operator for the team's yearly statistics (MIGRATE-1, STATS-1):
    /// it restricts no one and is neither enforced nor notified.
    PastTeamActionRecorded {
        action: NewPastTeamAction,
    },
}

/// `Event::kind` and `Event::KINDS` from one list, which the match keeps
/// complete.
macro_rules! kinds {
    ($($v:ident => $n:literal),* $(,)?) => {
        impl Event {
            /// Every kind of event, as [`Event::kind`] names them.
            pub const KINDS: &'static [&'static str] = &[$($n),*];

            /// The event's type name as stored in the log's `kind` column.
            pub fn kind(&self) -> &'static str {
                match self { $(Event::$v { .. } => $n,)* }
            }
        }
    };
}

kinds!(
    Bootstrapped => "bootstrapped",
    PersonRegistered => "person_registered",
    IdentityLinked => "identity_linked",
    AvailabilitySet => "availability_set",
    DigestIssued => "digest_issued",
    CommunityReportPublished => "community_report_published",
    StepDownReminded => "step_down_reminded",
    RoleGranted => "role_granted",
    RoleRevoked => "role_revoked",
    WorkingGroupCreated => "working_group_created",
    ForumCreated => "forum_created",
    AdministrationDelegated => "administration_delegated",
    DelegationRevoked => "delegation_revoked",
    WorkingGroupChanged => "working_group_changed",
    ForumClosed => "forum_closed",
    ForumReopened => "forum_reopened",
    RegistrySynced => "registry_synced",
    OptedIn => "opted_in",
    CategoryAdded => "category_added",
    SettingsChanged => "settings_changed",
    DeploymentSettingsChanged => "deployment_settings_changed",
    ModeratorAppointed => "moderator_appointed",
    ModeratorRecalled => "moderator_recalled",
    ModeratorFlaggedToStepDown => "moderator_flagged_to_step_down",
    ReportFiled => "report_filed",
    ReportAcknowledged => "report_acknowledged",
    ReportReviewStarted => "report_review_started",
    ReportAssigned => "report_assigned",
    ReportEscalated => "report_escalated",
    ReportResolved => "report_resolved",
    ReferredToOmbudsteam => "referred_to_ombudsteam",
    CaseMessagePosted => "case_message_posted",
    ActionTaken => "action_taken",
    ModeratorsConsulted => "moderators_consulted",
    ConsultationAnswered => "consultation_answered",
    ActionAmended => "action_amended",
    ActionRescinded => "action_rescinded",
    ActionExpired => "action_expired",
    CoolDownSet => "cool_down_set",
    AnnouncementRequested => "announcement_requested",
    ProposalMade => "proposal_made",
    ProposalAgreed => "proposal_agreed",
    ProposalApproved => "proposal_approved",
    ProposalWithdrawn => "proposal_withdrawn",
    TemplateDrafted => "template_drafted",
    TemplateApproved => "template_approved",
    EvidenceRetrieved => "evidence_retrieved",
    EvidenceChecked => "evidence_checked",
    AppealFiled => "appeal_filed",
    ReportReopened => "report_reopened",
    AppealDecided => "appeal_decided",
    AppealEscalated => "appeal_escalated",
    ReinstatementRequested => "reinstatement_requested",
    ReinstatementDecided => "reinstatement_decided",
    LlcActionTaken => "llc_action_taken",
    LlcActionLifted => "llc_action_lifted",
    BoardReviewRequested => "board_review_requested",
    BoardReviewDecided => "board_review_decided",
    ProceduresDrafted => "procedures_drafted",
    ProceduresReviewOpened => "procedures_review_opened",
    ProceduresApproved => "procedures_approved",
    NoteWellPublished => "note_well_published",
    NoteWellSeen => "note_well_seen",
    NotificationOwed => "notification_owed",
    CircumventionAlertRaised => "circumvention_alert_raised",
    PastTeamActionRecorded => "past_team_action_recorded",
);
