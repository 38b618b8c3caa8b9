//! Commands: what someone asks modpod to do. Each is decided by `crate::decide`
//! for an actor, acting in a capacity, at a moment.

use crate::ids::*;
use crate::model::*;
use crate::settings::{SettingsChange, TeamNumbersChange};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Who is asking, and as what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub person: PersonId,
    pub capacity: Capacity,
}

impl Actor {
    pub fn new(person: PersonId, capacity: Capacity) -> Self {
        Actor { person, capacity }
    }
}

/// Who a report or action is about: a known person, or an account that may not
/// be linked to anyone yet (a new person record is then made for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SubjectRef {
    Person { person: PersonId },
    Identity { identity: Identity },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    // --- Setup (operator) ---
    /// The first command of every log: makes the first operator.
    Bootstrap {
        operator: PersonId,
        name: String,
    },
    RegisterPerson {
        person: PersonId,
        name: String,
        #[serde(default)]
        time_zone: Option<String>,
    },
    LinkIdentity {
        person: PersonId,
        identity: Identity,
    },
    /// The periodic digest of actions to the IESG (NOTIFY-2), for `[from, to)`;
    /// recorded by modpod's scheduler.
    IssueDigest {
        from: Timestamp,
        to: Timestamp,
    },
    /// The periodic aggregate report to the community (NOTIFY-5), for
    /// `[from, to)`.
    PublishCommunityReport {
        from: Timestamp,
        to: Timestamp,
    },
    /// Reminds a moderator who took a role that excludes moderation to step
    /// down, and the IESG to recall them (TEAM-2).
    RemindToStepDown {
        person: PersonId,
    },
    /// A moderator records their time zone and when they are usually
    /// available (TEAM-4).
    SetAvailability {
        person: PersonId,
        /// An IANA time zone name, e.g. `Europe/Paris`.
        time_zone: String,
        windows: Vec<Window>,
    },
    GrantRole {
        person: PersonId,
        role: Role,
    },
    RevokeRole {
        person: PersonId,
        role: Role,
    },
    CreateWorkingGroup {
        wg: WgId,
        name: String,
        #[serde(default)]
        area: Option<String>,
        #[serde(default)]
        responsible_ad: Option<PersonId>,
    },
    CreateForum {
        forum: ForumId,
        name: String,
        kind: String,
        organisation: Organisation,
        public: bool,
        #[serde(default)]
        plenary: bool,
        #[serde(default)]
        wg: Option<WgId>,
        #[serde(default)]
        responsible_ad: Option<PersonId>,
    },
    /// A chair delegates administration of a forum (ROLE-2).
    DelegateAdministration {
        forum: ForumId,
        to: PersonId,
    },
    RevokeDelegation {
        forum: ForumId,
        to: PersonId,
    },
    /// A working group's name, area and responsible AD, as they are from now
    /// on (FORUM-4, FORUM-5): all three are given, as after the change.
    ChangeWorkingGroup {
        wg: WgId,
        name: String,
        #[serde(default)]
        area: Option<String>,
        #[serde(default)]
        responsible_ad: Option<PersonId>,
    },
    /// Closes a forum (its working group concluded, FORUM-5): it takes no new
    /// reports or actions; what is in force there stays.
    CloseForum {
        forum: ForumId,
        reason: String,
    },
    /// Opens a closed forum again.
    ReopenForum {
        forum: ForumId,
        reason: String,
    },
    /// Records that the registry of groups was synchronised (FORUM-5): the
    /// changes just recorded came from `source`, on behalf of the operator
    /// named; recorded by modpod's sync (capacity `system`).
    RecordRegistrySync {
        source: String,
        on_behalf_of: PersonId,
        changes: u64,
    },
    /// A body other than the IETF opts its fora in to this policy (FORUM-2).
    OptIn {
        organisation: Organisation,
        reference: String,
    },
    AddCategory {
        category: Category,
    },
    /// An operator changes the settings named; the others stay as they are.
    ChangeSettings {
        settings: SettingsChange,
    },

    // --- The moderator team (TEAM-*) ---
    AppointModerator {
        person: PersonId,
    },
    RecallModerator {
        person: PersonId,
        reason: String,
    },

    // --- Reports (REPORT-*) ---
    FileReport {
        forum: ForumId,
        subject: SubjectRef,
        category: String,
        description: String,
        #[serde(default)]
        links: Vec<String>,
        /// The Note Well version the reporter was shown (NOTEWELL-1).
        #[serde(default)]
        note_well_seen: Option<u32>,
    },
    AcknowledgeReport {
        report: ReportId,
    },
    StartReview {
        report: ReportId,
    },
    /// Gives an open report to one of those who handle it (its forum's
    /// administrators, the moderators), or takes it back with `to: null`.
    AssignReport {
        report: ReportId,
        #[serde(default)]
        to: Option<PersonId>,
    },
    /// Escalates an unacknowledged report to the moderators (REPORT-4).
    EscalateReport {
        report: ReportId,
    },
    ResolveReport {
        report: ReportId,
        outcome: ReportOutcome,
    },
    ReferToOmbudsteam {
        report: ReportId,
        note: String,
    },
    /// Posts a message in one of the report's threads (MSG-1): those who
    /// handle it write in any; its subject only in `person`, its reporter
    /// only in `reporter`.
    PostCaseMessage {
        report: ReportId,
        thread: Thread,
        text: String,
    },

    // --- Actions (ACT-*) ---
    TakeAction {
        subject: SubjectRef,
        measure: Measure,
        fora: Vec<ForumId>,
        reason: String,
        #[serde(default)]
        reports: Vec<ReportId>,
        #[serde(default)]
        evidence: Vec<Evidence>,
        /// Defaults to now.
        #[serde(default)]
        starts_at: Option<Timestamp>,
        #[serde(default)]
        ends_at: Option<Timestamp>,
        #[serde(default)]
        spam: bool,
        /// The level of the team's ladder (LADDER-1), for an action of the
        /// moderator team.
        #[serde(default)]
        level: Option<LevelStep>,
        /// Notes written for it: to the person, and to the list. The team's
        /// are sent once another moderator has vetted them (TEAM-5).
        #[serde(default)]
        texts: Option<Texts>,
    },
    /// An administrator asks the moderator team about changing an action
    /// (ACT-3); a moderator answers with `answer_consultation`.
    ConsultModerators {
        action: ActionId,
        note: String,
    },
    /// A moderator answers an administrator's consultation, numbered from 0
    /// among the action's consultations (ACT-3).
    AnswerConsultation {
        action: ActionId,
        consultation: usize,
        answer: String,
    },
    AmendAction {
        action: ActionId,
        terms: TermsChange,
        reason: String,
    },
    RescindAction {
        action: ActionId,
        reason: String,
    },
    /// Asks, as part of an action, that its fora cool down until `until`
    /// (see [`CoolDown`]); `until: null` ends the cool-down now. Decided
    /// like an amendment (ACT-3).
    SetCoolDown {
        action: ActionId,
        #[serde(default)]
        until: Option<Timestamp>,
        reason: String,
    },
    /// Another moderator agrees to a proposal of the team, vetting its
    /// texts (TEAM-5); the agreement that completes the quorum enacts it.
    AgreeToProposal {
        proposal: ProposalId,
    },
    /// The IETF chair approves a proposal whose level asks for it (LADDER-1).
    ApproveProposal {
        proposal: ProposalId,
    },
    /// Whoever proposed it withdraws an open proposal.
    WithdrawProposal {
        proposal: ProposalId,
        reason: String,
    },
    /// A moderator drafts a new version of a notification's text
    /// (TEMPLATE-1); it is used once another moderator approves it.
    DraftTemplate {
        name: String,
        text: String,
    },
    /// Another moderator vets and approves a drafted version (TEMPLATE-1,
    /// TEAM-5): from then on notifications of that name are rendered from it.
    ApproveTemplate {
        name: String,
        version: u32,
    },
    /// Records that a temporary action reached its end.
    ExpireAction {
        action: ActionId,
    },
    /// Records what modpod found the first time it fetched one of an
    /// action's evidence links (EVIDENCE-1): its hash and size, never its
    /// content, or why it could not be read. Recorded by modpod itself
    /// (capacity `system`), once per link.
    RecordEvidenceRetrieval {
        action: ActionId,
        url: String,
        outcome: FetchOutcome,
    },
    /// Records what modpod found when it fetched an evidence link again to
    /// check it (EVIDENCE-1), after a retrieval that found it (`system`).
    RecordEvidenceCheck {
        action: ActionId,
        url: String,
        outcome: FetchOutcome,
    },
    /// Records that the policy server allowed a post by `identity` on
    /// `forum` at `seen_at`, while its person is restricted on other fora
    /// (CIRCUMVENT-1): the moderators are alerted, at most once per person
    /// and forum in the procedures' hours; nothing else happens. Recorded by
    /// modpod itself (capacity `system`).
    RecordCircumventionSighting {
        identity: Identity,
        forum: ForumId,
        seen_at: Timestamp,
    },
    /// The policy server counted more posts by `subject` on `forum` than the
    /// volume rule of the procedures in force allows (REPORT-6): more than
    /// `posts` in `minutes`, the rule's own numbers. Rate-limits them there
    /// for the procedures' hours, as an action of `system`, notified as any
    /// other. Recorded by modpod itself, from counts, never from content.
    ApplyVolumeLimit {
        subject: SubjectRef,
        forum: ForumId,
        posts: u32,
        minutes: u32,
    },
    /// The suspended person asks that their suspension be announced (NOTIFY-3).
    RequestAnnouncement {
        action: ActionId,
    },
    /// Records a restriction found on the forum software (a Mailman list
    /// ban, a member whose posts Mailman holds) as it stood since `seen_at`
    /// (MIGRATE-1): an operator's import, never notified.
    ImportRestriction {
        subject: SubjectRef,
        forum: ForumId,
        measure: Measure,
        seen_at: Timestamp,
        from: String,
    },
    /// Records a restriction imposed under an earlier process (REINST-5).
    RecordLegacyAction {
        subject: SubjectRef,
        fora: Vec<ForumId>,
        imposed_at: Timestamp,
        process: String,
        reference: String,
    },
    /// Records one of the moderator team's actions from before modpod, for
    /// its yearly statistics (MIGRATE-1, STATS-1): an operator's import. It
    /// restricts no one, and is neither enforced nor notified. `forum` is a
    /// forum modpod knows, or `forum_name` one from before it that it does
    /// not; `person` a person modpod knows, or `count` that many people, not
    /// named. A `key` is recorded once: the same again is refused as
    /// imported already.
    RecordPastTeamAction {
        date: jiff::civil::Date,
        #[serde(default)]
        level: Option<u8>,
        #[serde(default)]
        forum: Option<ForumId>,
        #[serde(default)]
        forum_name: Option<String>,
        #[serde(default)]
        person: Option<PersonId>,
        #[serde(default)]
        count: Option<u32>,
        #[serde(default)]
        spam: bool,
        #[serde(default)]
        rescinded: bool,
        reference: String,
        key: String,
    },

    // --- Disagreements and appeals (APPEAL-*) ---
    FileDisagreement {
        target: AppealTarget,
        grounds: String,
        /// The Note Well version the person was shown (NOTEWELL-1).
        #[serde(default)]
        note_well_seen: Option<u32>,
    },
    DecideAppeal {
        appeal: AppealId,
        upheld: bool,
        #[serde(default)]
        remedy: Option<Remedy>,
        rationale: String,
    },
    EscalateAppeal {
        appeal: AppealId,
    },

    // --- Reinstatement (REINST-*) ---
    RequestReinstatement {
        action: ActionId,
        statement: String,
    },
    DecideReinstatement {
        request: ReinstatementId,
        reinstate: bool,
        #[serde(default)]
        conditions: Option<String>,
        rationale: String,
    },

    // --- The IETF LLC (LLC-*) ---
    TakeLlcAction {
        subject: SubjectRef,
        #[serde(default)]
        fora: Vec<ForumId>,
        grounds: LlcGrounds,
        /// What the grounds are, when they are none of the text's examples.
        #[serde(default)]
        grounds_description: Option<String>,
        nature: String,
        reason: String,
        expected_duration: String,
        /// The legal advice that limits who is told (LLC-1).
        #[serde(default)]
        withhold_on_legal_advice: Option<String>,
        /// Who that advice says is not told; by default the moderators and
        /// the community. The IESG is told unless it is named here.
        #[serde(default)]
        withhold_from: Vec<LlcAudience>,
    },
    LiftLlcAction {
        action: LlcActionId,
        reason: String,
    },
    RequestBoardReview {
        action: LlcActionId,
    },
    DecideBoardReview {
        action: LlcActionId,
        lift: bool,
        rationale: String,
    },

    // --- Procedures and Note Well (PROC-1, NOTEWELL-1) ---
    DraftProcedures {
        version: u32,
        title: String,
        text: String,
        /// The team's numbers this version changes (PROC-1); the others stay
        /// as they are in the version in force.
        #[serde(default)]
        numbers: TeamNumbersChange,
        /// The team's ladder under this version (LADDER-1); none keeps the
        /// one in force.
        #[serde(default)]
        ladder: Option<Ladder>,
    },
    OpenProceduresReview {
        version: u32,
    },
    ApproveProcedures {
        version: u32,
    },
    PublishNoteWell {
        version: u32,
        text: String,
        links: Vec<String>,
    },
    RecordNoteWellSeen {
        version: u32,
    },
}

/// What a disagreement is about: a moderation action, or a report closed
/// without action (APPEAL-1); the other targets exist so that asking gets the
/// policy's answer (REINST-4, LLC-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AppealTarget {
    Action(ActionId),
    Report(ReportId),
    ReinstatementDecision(ReinstatementId),
    LlcAction(LlcActionId),
}

impl Command {
    /// The command's name, as used in logs and metrics.
    pub fn name(&self) -> &'static str {
        macro_rules! names {
            ($($v:ident => $n:literal),* $(,)?) => {
                match self { $(Command::$v { .. } => $n,)* }
            };
        }
        names!(
            Bootstrap => "bootstrap",
            RegisterPerson => "register_person",
            LinkIdentity => "link_identity",
            SetAvailability => "set_availability",
            IssueDigest => "issue_digest",
            PublishCommunityReport => "publish_community_report",
            RemindToStepDown => "remind_to_step_down",
            GrantRole => "grant_role",
            RevokeRole => "revoke_role",
            CreateWorkingGroup => "create_working_group",
            CreateForum => "create_forum",
            DelegateAdministration => "delegate_administration",
            RevokeDelegation => "revoke_delegation",
            ChangeWorkingGroup => "change_working_group",
            CloseForum => "close_forum",
            ReopenForum => "reopen_forum",
            RecordRegistrySync => "record_registry_sync",
            OptIn => "opt_in",
            AddCategory => "add_category",
            ChangeSettings => "change_settings",
            AppointModerator => "appoint_moderator",
            RecallModerator => "recall_moderator",
            FileReport => "file_report",
            AcknowledgeReport => "acknowledge_report",
            StartReview => "start_review",
            AssignReport => "assign_report",
            EscalateReport => "escalate_report",
            ResolveReport => "resolve_report",
            ReferToOmbudsteam => "refer_to_ombudsteam",
            PostCaseMessage => "post_case_message",
            TakeAction => "take_action",
            ConsultModerators => "consult_moderators",
            AnswerConsultation => "answer_consultation",
            AmendAction => "amend_action",
            RescindAction => "rescind_action",
            SetCoolDown => "set_cool_down",
            AgreeToProposal => "agree_to_proposal",
            ApproveProposal => "approve_proposal",
            WithdrawProposal => "withdraw_proposal",
            DraftTemplate => "draft_template",
            ApproveTemplate => "approve_template",
            ImportRestriction => "import_restriction",
            ExpireAction => "expire_action",
            RecordEvidenceRetrieval => "record_evidence_retrieval",
            RecordEvidenceCheck => "record_evidence_check",
            RecordCircumventionSighting => "record_circumvention_sighting",
            ApplyVolumeLimit => "apply_volume_limit",
            RequestAnnouncement => "request_announcement",
            RecordLegacyAction => "record_legacy_action",
            RecordPastTeamAction => "record_past_team_action",
            FileDisagreement => "file_disagreement",
            DecideAppeal => "decide_appeal",
            EscalateAppeal => "escalate_appeal",
            RequestReinstatement => "request_reinstatement",
            DecideReinstatement => "decide_reinstatement",
            TakeLlcAction => "take_llc_action",
            LiftLlcAction => "lift_llc_action",
            RequestBoardReview => "request_board_review",
            DecideBoardReview => "decide_board_review",
            DraftProcedures => "draft_procedures",
            OpenProceduresReview => "open_procedures_review",
            ApproveProcedures => "approve_procedures",
            PublishNoteWell => "publish_note_well",
            RecordNoteWellSeen => "record_note_well_seen",
        )
    }
}
