//! `decide`: the policy itself. Given the state, who asks (and as what), the
//! command and the moment, it returns the events to record or a refusal naming
//! the requirement that refuses. It reads no clock, does no I/O and changes
//! nothing: the caller records the events and applies them.
//!
//! One file per part of the policy; this one holds the shared checks.

mod actions;
mod alerts;
mod appeals;
mod evidence;
mod history;
mod llc;
mod messages;
mod periodic;
mod permits;
mod procedures;
mod proposals;
mod registry;
mod reinstatement;
mod reports;
mod setup;
mod team;
mod templates;

pub use permits::{Kind, Target, delegable_fora, fora_open_to_action, permits};

use crate::command::{Actor, Command, SubjectRef};
use crate::event::Event;
use crate::ids::*;
use crate::model::*;
use crate::refusal::{Refusal, Warning};
use crate::requirement::Requirement;
use crate::state::State;
use jiff::Timestamp;

/// What a decision produced: events to record, in order, and warnings to show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    pub events: Vec<Event>,
    pub warnings: Vec<Warning>,
}

/// Decides a command. See the module documentation.
pub fn decide(
    state: &State,
    actor: &Actor,
    command: &Command,
    now: Timestamp,
) -> Result<Decision, Refusal> {
    let mut cx = Cx::new(state, actor, now);
    if !matches!(command, Command::Bootstrap { .. }) {
        if !state.bootstrapped {
            return Err(Refusal::out_of_order(
                Requirement::Audit1,
                "this log has not been set up: its first event must make the first operator",
            ));
        }
        cx.check_capacity_held()?;
    }
    // One function of one part of the policy decides each command; the
    // match is exhaustive, so a new command is decided somewhere or does
    // not compile.
    match command {
        Command::Bootstrap { operator, name } => setup::bootstrap(&mut cx, operator, name)?,
        Command::RegisterPerson {
            person,
            name,
            time_zone,
        } => setup::register_person(&mut cx, person, name, time_zone)?,
        Command::LinkIdentity { person, identity } => {
            setup::link_identity(&mut cx, person, identity)?
        }
        Command::GrantRole { person, role } => setup::grant_role(&mut cx, person, role)?,
        Command::RevokeRole { person, role } => setup::revoke_role(&mut cx, person, role)?,
        Command::CreateWorkingGroup {
            wg,
            name,
            area,
            responsible_ad,
        } => setup::create_working_group(&mut cx, wg, name, area, responsible_ad)?,
        Command::CreateForum {
            forum,
            name,
            kind,
            organisation,
            public,
            plenary,
            wg,
            responsible_ad,
        } => setup::create_forum(
            &mut cx,
            forum,
            name,
            kind,
            organisation,
            public,
            plenary,
            wg,
            responsible_ad,
        )?,
        Command::DelegateAdministration { forum, to } => {
            setup::delegate_administration(&mut cx, forum, to)?
        }
        Command::RevokeDelegation { forum, to } => setup::revoke_delegation(&mut cx, forum, to)?,
        Command::ChangeWorkingGroup {
            wg,
            name,
            area,
            responsible_ad,
        } => registry::change_working_group(&mut cx, wg, name, area, responsible_ad)?,
        Command::CloseForum { forum, reason } => registry::close_forum(&mut cx, forum, reason)?,
        Command::ReopenForum { forum, reason } => registry::reopen_forum(&mut cx, forum, reason)?,
        Command::RecordRegistrySync {
            source,
            on_behalf_of,
            changes,
        } => registry::record_registry_sync(&mut cx, source, on_behalf_of, changes)?,
        Command::OptIn {
            organisation,
            reference,
        } => setup::opt_in(&mut cx, organisation, reference)?,
        Command::AddCategory { category } => setup::add_category(&mut cx, category)?,
        Command::ChangeSettings { settings } => setup::change_settings(&mut cx, settings)?,
        Command::AppointModerator { person } => team::appoint_moderator(&mut cx, person)?,
        Command::RecallModerator { person, reason } => {
            team::recall_moderator(&mut cx, person, reason)?
        }
        Command::SetAvailability {
            person,
            time_zone,
            windows,
        } => team::set_availability(&mut cx, person, time_zone, windows)?,
        Command::IssueDigest { from, to } => periodic::issue_digest(&mut cx, from, to)?,
        Command::PublishCommunityReport { from, to } => {
            periodic::publish_community_report(&mut cx, from, to)?
        }
        Command::RemindToStepDown { person } => periodic::remind_to_step_down(&mut cx, person)?,
        Command::FileReport {
            forum,
            subject,
            category,
            description,
            links,
            note_well_seen,
        } => reports::file_report(
            &mut cx,
            forum,
            subject,
            category,
            description,
            links,
            note_well_seen,
        )?,
        Command::AcknowledgeReport { report } => reports::acknowledge_report(&mut cx, report)?,
        Command::StartReview { report } => reports::start_review(&mut cx, report)?,
        Command::AssignReport { report, to } => reports::assign_report(&mut cx, report, to)?,
        Command::EscalateReport { report } => reports::escalate_report(&mut cx, report)?,
        Command::ResolveReport { report, outcome } => {
            reports::resolve_report(&mut cx, report, outcome)?
        }
        Command::ReferToOmbudsteam { report, note } => {
            reports::refer_to_ombudsteam(&mut cx, report, note)?
        }
        Command::PostCaseMessage {
            report,
            thread,
            text,
        } => messages::post_case_message(&mut cx, report, thread, text)?,
        Command::TakeAction {
            subject,
            measure,
            fora,
            reason,
            reports,
            evidence,
            starts_at,
            ends_at,
            spam,
            level,
            texts,
        } => actions::take_action(
            &mut cx, subject, measure, fora, reason, reports, evidence, starts_at, ends_at, spam,
            level, texts,
        )?,
        Command::ConsultModerators { action, note } => {
            actions::consult_moderators(&mut cx, action, note)?
        }
        Command::AnswerConsultation {
            action,
            consultation,
            answer,
        } => actions::answer_consultation(&mut cx, action, consultation, answer)?,
        Command::AmendAction {
            action,
            terms,
            reason,
        } => actions::amend_action(&mut cx, action, terms, reason)?,
        Command::RescindAction { action, reason } => {
            actions::rescind_action(&mut cx, action, reason)?
        }
        Command::SetCoolDown {
            action,
            until,
            reason,
        } => actions::set_cool_down(&mut cx, action, until, reason)?,
        Command::AgreeToProposal { proposal } => proposals::agree_to_proposal(&mut cx, proposal)?,
        Command::ApproveProposal { proposal } => proposals::approve_proposal(&mut cx, proposal)?,
        Command::WithdrawProposal { proposal, reason } => {
            proposals::withdraw_proposal(&mut cx, proposal, reason)?
        }
        Command::DraftTemplate { name, text } => templates::draft_template(&mut cx, name, text)?,
        Command::ApproveTemplate { name, version } => {
            templates::approve_template(&mut cx, name, *version)?
        }
        Command::ExpireAction { action } => actions::expire_action(&mut cx, action)?,
        Command::RequestAnnouncement { action } => actions::request_announcement(&mut cx, action)?,
        Command::RecordEvidenceRetrieval {
            action,
            url,
            outcome,
        } => evidence::record_evidence_retrieval(&mut cx, action, url, outcome)?,
        Command::RecordEvidenceCheck {
            action,
            url,
            outcome,
        } => evidence::record_evidence_check(&mut cx, action, url, outcome)?,
        Command::RecordCircumventionSighting {
            identity,
            forum,
            seen_at,
        } => alerts::record_circumvention_sighting(&mut cx, identity, forum, seen_at)?,
        Command::ApplyVolumeLimit {
            subject,
            forum,
            posts,
            minutes,
        } => alerts::apply_volume_limit(&mut cx, subject, forum, posts, minutes)?,
        Command::ImportRestriction {
            subject,
            forum,
            measure,
            seen_at,
            from,
        } => actions::import_restriction(&mut cx, subject, forum, measure, seen_at, from)?,
        Command::RecordLegacyAction {
            subject,
            fora,
            imposed_at,
            process,
            reference,
        } => actions::record_legacy_action(&mut cx, subject, fora, imposed_at, process, reference)?,
        Command::RecordPastTeamAction {
            date,
            level,
            forum,
            forum_name,
            person,
            count,
            spam,
            rescinded,
            reference,
            key,
        } => history::record_past_team_action(
            &mut cx, date, level, forum, forum_name, person, count, *spam, *rescinded, reference,
            key,
        )?,
        Command::FileDisagreement {
            target,
            grounds,
            note_well_seen,
        } => appeals::file_disagreement(&mut cx, target, grounds, note_well_seen)?,
        Command::DecideAppeal {
            appeal,
            upheld,
            remedy,
            rationale,
        } => appeals::decide_appeal(&mut cx, appeal, upheld, remedy, rationale)?,
        Command::EscalateAppeal { appeal } => appeals::escalate_appeal(&mut cx, appeal)?,
        Command::RequestReinstatement { action, statement } => {
            reinstatement::request_reinstatement(&mut cx, action, statement)?
        }
        Command::DecideReinstatement {
            request,
            reinstate,
            conditions,
            rationale,
        } => {
            reinstatement::decide_reinstatement(&mut cx, request, reinstate, conditions, rationale)?
        }
        Command::TakeLlcAction {
            subject,
            fora,
            grounds,
            grounds_description,
            nature,
            reason,
            expected_duration,
            withhold_on_legal_advice,
            withhold_from,
        } => llc::take_llc_action(
            &mut cx,
            subject,
            fora,
            grounds,
            grounds_description,
            nature,
            reason,
            expected_duration,
            withhold_on_legal_advice,
            withhold_from,
        )?,
        Command::LiftLlcAction { action, reason } => llc::lift_llc_action(&mut cx, action, reason)?,
        Command::RequestBoardReview { action } => llc::request_board_review(&mut cx, action)?,
        Command::DecideBoardReview {
            action,
            lift,
            rationale,
        } => llc::decide_board_review(&mut cx, action, lift, rationale)?,
        Command::DraftProcedures {
            version,
            title,
            text,
            numbers,
            ladder,
        } => procedures::draft_procedures(&mut cx, version, title, text, numbers, ladder)?,
        Command::OpenProceduresReview { version } => {
            procedures::open_procedures_review(&mut cx, version)?
        }
        Command::ApproveProcedures { version } => procedures::approve_procedures(&mut cx, version)?,
        Command::PublishNoteWell {
            version,
            text,
            links,
        } => procedures::publish_note_well(&mut cx, version, text, links)?,
        Command::RecordNoteWellSeen { version } => {
            procedures::record_note_well_seen(&mut cx, version)?
        }
    }
    Ok(cx.finish())
}

/// The context of one decision: what it reads, and what it has decided so far.
pub(crate) struct Cx<'a> {
    pub state: &'a State,
    pub actor: &'a Actor,
    pub now: Timestamp,
    events: Vec<Event>,
    warnings: Vec<Warning>,
    next_notification: u64,
    /// Set while a proposal the team agreed to is enacted (TEAM-5): what is
    /// decided is the team's, and is not proposed again.
    enacting: Option<TeamDecision>,
}

impl<'a> Cx<'a> {
    pub(super) fn new(state: &'a State, actor: &'a Actor, now: Timestamp) -> Self {
        Cx {
            state,
            actor,
            now,
            events: Vec::new(),
            warnings: Vec::new(),
            next_notification: state.next.notification,
            enacting: None,
        }
    }

    fn finish(self) -> Decision {
        Decision {
            events: self.events,
            warnings: self.warnings,
        }
    }

    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    pub fn warn(&mut self, requirement: Requirement, message: impl Into<String>) {
        self.warnings.push(Warning {
            requirement: requirement.into(),
            message: message.into(),
        });
    }

    pub fn me(&self) -> &PersonId {
        &self.actor.person
    }

    pub fn capacity(&self) -> Capacity {
        self.actor.capacity
    }

    /// Records that a notification is owed. Several rules may owe the same
    /// recipient the same news: they share one notification naming every rule.
    pub fn owe(&mut self, to: Recipient, about: Subject, requirement: Requirement, template: &str) {
        let requirement = requirement.id();
        for e in &mut self.events {
            if let Event::NotificationOwed { notification: n } = e
                && n.to == to
                && n.about == about
            {
                if !n.requirement.split(' ').any(|r| r == requirement) {
                    n.requirement = format!("{} {requirement}", n.requirement).into();
                }
                return;
            }
        }
        let id = NotificationId(self.next_notification);
        self.next_notification += 1;
        self.emit(Event::NotificationOwed {
            notification: Notification {
                id,
                to,
                about,
                requirement: smol_str::SmolStr::new_static(requirement),
                template: template.into(),
                template_version: self.state.template_version(template),
            },
        });
    }

    /// The actor must actually hold the capacity they act in (ROLE-1).
    pub(super) fn check_capacity_held(&self) -> Result<(), Refusal> {
        let s = self.state;
        let me = self.me();
        let held = match self.capacity() {
            Capacity::System => *me == PersonId::system(),
            _ if *me == PersonId::system() => false,
            Capacity::Participant | Capacity::Administrator => s.people.contains_key(me),
            Capacity::Moderator => s.is_moderator(me),
            Capacity::AreaDirector => s.holds_any(me, |r| matches!(r, Role::AreaDirector { .. })),
            Capacity::IetfChair => s.holds(me, &Role::IetfChair),
            Capacity::Iesg => s.holds_any(me, Role::is_iesg),
            Capacity::Iab => s.holds(me, &Role::IabMember),
            Capacity::Llc => s.holds(me, &Role::LlcStaff),
            Capacity::LlcBoard => s.holds(me, &Role::LlcBoardMember),
            Capacity::Ombudsteam => s.holds(me, &Role::Ombudsperson),
            Capacity::Operator => s.holds(me, &Role::Operator),
        };
        if held && self.capacity() == Capacity::Moderator && s.past_step_down_grace(me, self.now) {
            let role = s.flagged_to_step_down.get(me).map_or_else(
                || "a role that excludes moderation".to_owned(),
                Role::to_string,
            );
            return Err(Refusal::not_permitted(
                Requirement::Team2,
                format!(
                    "{me} serves as {role} and is past the {} days to step down: they can no longer act as a moderator until recalled or that role ends",
                    s.numbers().step_down_grace_days
                ),
            ));
        }
        if held {
            Ok(())
        } else if !s.people.contains_key(me) && *me != PersonId::system() {
            Err(Refusal::unknown("person", me))
        } else {
            Err(Refusal::not_permitted(
                Requirement::Role1,
                format!("{me} does not hold the role of {}", self.capacity()),
            ))
        }
    }

    /// The command may only be given in one of these capacities.
    pub fn only(
        &self,
        allowed: &[Capacity],
        requirement: Requirement,
        what: &str,
    ) -> Result<(), Refusal> {
        if allowed.contains(&self.capacity()) {
            return Ok(());
        }
        let names: Vec<&str> = allowed.iter().map(|c| c.as_str()).collect();
        Err(Refusal::not_permitted(
            requirement,
            format!(
                "{what} is for: {}; not for a {}",
                names.join(", "),
                self.capacity()
            ),
        ))
    }

    pub fn person(&self, id: &PersonId) -> Result<&'a Person, Refusal> {
        self.state
            .people
            .get(id)
            .ok_or_else(|| Refusal::unknown("person", id))
    }

    pub fn forum(&self, id: &ForumId) -> Result<&'a Forum, Refusal> {
        self.state
            .fora
            .get(id)
            .ok_or_else(|| Refusal::unknown("forum", id))
    }

    pub fn report(&self, id: ReportId) -> Result<&'a Report, Refusal> {
        self.state
            .report(&id)
            .ok_or_else(|| Refusal::unknown("report", format!("#{}", id.0)))
    }

    pub fn action(&self, id: ActionId) -> Result<&'a Action, Refusal> {
        self.state
            .action(&id)
            .ok_or_else(|| Refusal::unknown("action", format!("#{}", id.0)))
    }

    /// Resolves who a report or action is about. An account nobody is linked to
    /// yet becomes a new person, named after the account, so that later links
    /// can join it to the rest of that person's accounts.
    pub fn subject(&mut self, subject: &SubjectRef) -> Result<PersonId, Refusal> {
        match subject {
            SubjectRef::Person { person } => Ok(self.person(person)?.id.clone()),
            SubjectRef::Identity { identity } => {
                if let Some(p) = self.state.person_with(identity) {
                    return Ok(p.clone());
                }
                let id = PersonId::parse(&identity.key())
                    .map_err(|e| Refusal::invalid("identity", e))?;
                if self.state.people.contains_key(&id) {
                    return Err(Refusal::Exists {
                        what: "person",
                        id: id.to_string(),
                    });
                }
                self.emit(Event::PersonRegistered {
                    person: id.clone(),
                    name: identity.value.clone(),
                    time_zone: None,
                });
                self.emit(Event::IdentityLinked {
                    person: id.clone(),
                    identity: identity.clone(),
                });
                Ok(id)
            }
        }
    }
}

/// A name (of a person, a group, a forum): a required piece of text on one
/// line. A control character (a line break above all) would let a name say
/// more than a name where it is printed, in an email's Subject say.
pub(crate) fn one_line(field: &'static str, value: &str, max: usize) -> Result<(), Refusal> {
    text(field, value, max)?;
    if value.chars().any(char::is_control) {
        return Err(Refusal::invalid(
            field,
            "must be one line, without control characters",
        ));
    }
    Ok(())
}

/// A required piece of text: present, not blank, and of a sane length.
pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<(), Refusal> {
    if value.trim().is_empty() {
        return Err(Refusal::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(Refusal::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}
