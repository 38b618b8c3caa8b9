//! `decide`: the policy itself. Given the state, who asks (and as what), the
//! command and the moment, it returns the events to record or a refusal naming
//! the requirement that refuses. It reads no clock, does no I/O and changes
//! nothing: the caller records the events and applies them.
//!
//! One file per part of the policy; this one holds the shared checks.

mod actions;
mod appeals;
mod llc;
mod periodic;
mod procedures;
mod reinstatement;
mod reports;
mod setup;
mod team;

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
    match command {
        Command::Bootstrap { operator, name } => setup::bootstrap(&mut cx, operator, name)?,
        Command::RegisterPerson { .. }
        | Command::LinkIdentity { .. }
        | Command::GrantRole { .. }
        | Command::RevokeRole { .. }
        | Command::CreateWorkingGroup { .. }
        | Command::CreateForum { .. }
        | Command::DelegateAdministration { .. }
        | Command::RevokeDelegation { .. }
        | Command::OptIn { .. }
        | Command::AddCategory { .. }
        | Command::ChangeSettings { .. } => setup::decide(&mut cx, command)?,
        Command::AppointModerator { .. }
        | Command::RecallModerator { .. }
        | Command::SetAvailability { .. } => team::decide(&mut cx, command)?,
        Command::IssueDigest { .. }
        | Command::PublishCommunityReport { .. }
        | Command::RemindToStepDown { .. } => periodic::decide(&mut cx, command)?,
        Command::FileReport { .. }
        | Command::AcknowledgeReport { .. }
        | Command::StartReview { .. }
        | Command::AssignReport { .. }
        | Command::EscalateReport { .. }
        | Command::ResolveReport { .. }
        | Command::ReferToOmbudsteam { .. } => reports::decide(&mut cx, command)?,
        Command::TakeAction { .. }
        | Command::ConsultModerators { .. }
        | Command::AnswerConsultation { .. }
        | Command::AmendAction { .. }
        | Command::RescindAction { .. }
        | Command::ExpireAction { .. }
        | Command::RequestAnnouncement { .. }
        | Command::RecordLegacyAction { .. } => actions::decide(&mut cx, command)?,
        Command::FileDisagreement { .. }
        | Command::DecideAppeal { .. }
        | Command::EscalateAppeal { .. } => appeals::decide(&mut cx, command)?,
        Command::RequestReinstatement { .. } | Command::DecideReinstatement { .. } => {
            reinstatement::decide(&mut cx, command)?
        }
        Command::TakeLlcAction { .. }
        | Command::LiftLlcAction { .. }
        | Command::RequestBoardReview { .. }
        | Command::DecideBoardReview { .. } => llc::decide(&mut cx, command)?,
        Command::DraftProcedures { .. }
        | Command::OpenProceduresReview { .. }
        | Command::ApproveProcedures { .. }
        | Command::PublishNoteWell { .. }
        | Command::RecordNoteWellSeen { .. } => procedures::decide(&mut cx, command)?,
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
}

impl<'a> Cx<'a> {
    fn new(state: &'a State, actor: &'a Actor, now: Timestamp) -> Self {
        Cx {
            state,
            actor,
            now,
            events: Vec::new(),
            warnings: Vec::new(),
            next_notification: state.next.notification,
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
                    n.requirement.push(' ');
                    n.requirement.push_str(requirement);
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
                requirement: requirement.to_owned(),
                template: template.to_owned(),
            },
        });
    }

    /// The actor must actually hold the capacity they act in (ROLE-1).
    fn check_capacity_held(&self) -> Result<(), Refusal> {
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
            .reports
            .get(&id)
            .ok_or_else(|| Refusal::unknown("report", format!("#{}", id.0)))
    }

    pub fn action(&self, id: ActionId) -> Result<&'a Action, Refusal> {
        self.state
            .actions
            .get(&id)
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
