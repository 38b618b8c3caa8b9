//! Actions: what may be done (ACT-1), by whom and where (ACT-2), what never
//! (ACT-4), how they are changed (ACT-3), what each records (ACT-6), and who
//! must be told (NOTIFY-1, -3, -4, -7; none for spam, ACT-5).

use super::{Cx, text};
use crate::command::SubjectRef;
use crate::event::{Event, NewAction};
use crate::ids::{ActionId, ForumId, PersonId, ReportId};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use crate::settings::ANNOUNCE_SUSPENSIONS_OVER_DAYS;
use crate::time::add_days;
use jiff::Timestamp;
use std::collections::BTreeSet;

/// Decides [`Command::TakeAction`](crate::Command::TakeAction).
#[allow(clippy::too_many_arguments)] // one parameter per field of the command
pub(super) fn take_action(
    cx: &mut Cx,
    subject: &SubjectRef,
    measure: &Measure,
    fora: &[ForumId],
    reason: &str,
    reports: &[ReportId],
    evidence: &[Evidence],
    starts_at: &Option<Timestamp>,
    ends_at: &Option<Timestamp>,
    spam: &bool,
    level: &Option<LevelStep>,
    texts: &Option<Texts>,
) -> Result<(), Refusal> {
    may_take_actions(cx)?;
    let rung = check_level(cx, measure, level.as_ref())?;
    let rung = rung.as_ref();
    let start = starts_at.unwrap_or(cx.now);
    let end = match (rung, ends_at) {
        // A level's suspension lasts the level's days unless it says less.
        (
            Some(Level {
                days: Some(days), ..
            }),
            None,
        ) if *measure == Measure::TemporarySuspension => Some(add_days(start, i64::from(*days))),
        _ => *ends_at,
    };
    check_terms(cx, measure, fora, start, end)?;
    if let (
        Some(Level {
            days: Some(days),
            level,
            ..
        }),
        Some(end),
    ) = (rung, end)
        && *measure == Measure::TemporarySuspension
        && end > add_days(start, i64::from(*days))
    {
        return Err(Refusal::invalid(
            "ends_at",
            format!("level {level} lasts at most {days} days"),
        ));
    }
    text("reason", reason, 10_000)?;
    check_evidence(evidence)?;
    check_texts(rung, texts.as_ref())?;
    let subject = cx.subject(subject)?;
    may_take_action(cx, &subject, fora, reports)?;
    if *spam {
        check_spam(cx, measure, reports, evidence)?;
    }
    if let Some(step) = level {
        check_skip(cx, &subject, step)?;
    }
    let proposal = ProposedChange::TakeAction {
        subject: subject.clone(),
        measure: measure.clone(),
        fora: fora.to_vec(),
        reason: reason.to_owned(),
        reports: reports.to_vec(),
        evidence: evidence.to_vec(),
        starts_at: *starts_at,
        ends_at: *ends_at,
        spam: *spam,
        level: level.clone(),
        texts: texts.clone(),
    };
    if super::proposals::proposed_instead(cx, proposal, rung.and_then(|r| r.approval)) {
        return Ok(());
    }
    let action = NewAction {
        id: ActionId(cx.state.next.action),
        subject,
        terms: Terms {
            measure: measure.clone(),
            fora: fora.to_vec(),
            starts_at: start,
            ends_at: end,
        },
        taken_by: cx.me().clone(),
        taken_as: cx.capacity(),
        taken_at: cx.now,
        reason: reason.to_owned(),
        reports: reports.to_vec(),
        evidence: evidence.to_vec(),
        spam: *spam,
        procedures_version: cx.state.procedures_in_force(),
        legacy: None,
        imported: None,
        level: level.clone(),
        texts: texts.clone().filter(|t| !t.is_empty()),
        team: cx.enacting.clone(),
    };
    let (id, terms, spam) = (action.id, action.terms.clone(), action.spam);
    let subject = action.subject.clone();
    let to_list = action.texts.as_ref().is_some_and(|t| t.to_list.is_some());
    let level = action.level.as_ref().map(|l| l.level);
    cx.emit(Event::ActionTaken { action });
    if !spam {
        owe_for_terms(cx, id, &subject, &terms, "action-taken", level);
    }
    if to_list {
        // The note to the list goes to each of the action's fora.
        for f in &terms.fora {
            cx.owe(
                Recipient::Forum { forum: f.clone() },
                Subject::Action(id),
                Requirement::Ladder1,
                &level.map_or_else(
                    || "action-taken/forum".to_owned(),
                    |l| level_template(l, "list"),
                ),
            );
        }
    }
    Ok(())
}

/// LADDER-1: the level named, which must be on the ladder in force and take
/// this measure; only the moderator team acts by its ladder.
fn check_level(
    cx: &Cx,
    measure: &Measure,
    level: Option<&LevelStep>,
) -> Result<Option<Level>, Refusal> {
    let Some(step) = level else {
        return Ok(None);
    };
    if cx.capacity() != Capacity::Moderator {
        return Err(Refusal::not_permitted(
            Requirement::Ladder1,
            "level: the ladder is the moderator team's; an administrator's action names no level",
        ));
    }
    let ladder = cx.state.ladder();
    let Some(rung) = ladder.get(step.level).cloned() else {
        return Err(Refusal::invalid(
            "level.level",
            format!(
                "the ladder in force has levels 0 to {}; there is no level {}",
                ladder.top(),
                step.level
            ),
        ));
    };
    if rung.measure != measure.kind() {
        return Err(Refusal::invalid(
            "measure",
            format!(
                "level {} ({}) takes the measure {}, not {}",
                rung.level,
                rung.name,
                rung.measure.replace('_', " "),
                measure.name()
            ),
        ));
    }
    Ok(Some(rung))
}

/// LADDER-1: a level above the one the person's history suggests is an
/// egregious case, and says why.
fn check_skip(cx: &Cx, subject: &PersonId, step: &LevelStep) -> Result<(), Refusal> {
    let suggested = crate::views::suggested_level(cx.state, subject);
    let reason = step.skip_reason.as_deref().unwrap_or("");
    if step.level > suggested && reason.trim().is_empty() {
        return Err(Refusal::not_permitted(
            Requirement::Ladder1,
            format!(
                "level.skip_reason: {subject}'s history suggests level {suggested}; level {} skips a level, so say why (an egregious case)",
                step.level
            ),
        ));
    }
    if !reason.is_empty() {
        text("level.skip_reason", reason, 5_000)?;
    }
    Ok(())
}

/// The notes written for an action: each, when given, a real text; a level
/// that tells the list needs its note (LADDER-1).
fn check_texts(rung: Option<&Level>, texts: Option<&Texts>) -> Result<(), Refusal> {
    let texts = texts.cloned().unwrap_or_default();
    if let Some(t) = &texts.to_person {
        text("texts.to_person", t, 20_000)?;
    }
    if let Some(t) = &texts.to_list {
        text("texts.to_list", t, 20_000)?;
    }
    if let Some(rung) = rung
        && rung.note_to_list
        && texts.to_list.is_none()
    {
        return Err(Refusal::invalid(
            "texts.to_list",
            format!(
                "level {} ({}) sends a note to the list: write it",
                rung.level, rung.name
            ),
        ));
    }
    Ok(())
}

/// Decides [`Command::ConsultModerators`](crate::Command::ConsultModerators).
pub(super) fn consult_moderators(
    cx: &mut Cx,
    action: &ActionId,
    note: &str,
) -> Result<(), Refusal> {
    let a = may_consult(cx, *action)?;
    text("note", note, 5_000)?;
    cx.emit(Event::ModeratorsConsulted {
        action: *action,
        consultation: Consultation {
            at: cx.now,
            administrator: cx.me().clone(),
            moderator: None,
            note: note.to_owned(),
            answer: None,
            before_amendment: a.amendments.len(),
        },
    });
    cx.owe(
        Recipient::ModeratorTeam,
        Subject::Action(*action),
        Requirement::Act3,
        "consultation-requested/moderators",
    );
    Ok(())
}

/// Decides [`Command::AnswerConsultation`](crate::Command::AnswerConsultation).
pub(super) fn answer_consultation(
    cx: &mut Cx,
    action: &ActionId,
    consultation: &usize,
    answer: &str,
) -> Result<(), Refusal> {
    let c = may_answer(cx, *action, *consultation)?;
    text("answer", answer, 5_000)?;
    cx.emit(Event::ConsultationAnswered {
        action: *action,
        consultation: *consultation,
        moderator: cx.me().clone(),
        answer: ConsultationAnswer {
            at: cx.now,
            text: answer.to_owned(),
        },
    });
    cx.owe(
        Recipient::Person {
            person: c.administrator.clone(),
        },
        Subject::Action(*action),
        Requirement::Act3,
        "consultation-answered/administrator",
    );
    Ok(())
}

/// Decides [`Command::AmendAction`](crate::Command::AmendAction).
pub(super) fn amend_action(
    cx: &mut Cx,
    action: &ActionId,
    terms: &TermsChange,
    reason: &str,
) -> Result<(), Refusal> {
    use Capacity::Iesg;
    let a = changeable(cx, *action)?;
    text("reason", reason, 10_000)?;
    check_terms(
        cx,
        &terms.measure,
        &terms.fora,
        a.terms.starts_at,
        terms.ends_at,
    )?;
    let added: Vec<ForumId> = terms
        .fora
        .iter()
        .filter(|f| !a.terms.fora.contains(f))
        .cloned()
        .collect();
    super::registry::not_closed(cx, &added)?;
    if !added.is_empty() && cx.capacity() != Iesg {
        may_act(cx, &a.subject, &added, &a.reports)?;
    }
    let proposal = ProposedChange::AmendAction {
        action: *action,
        terms: terms.clone(),
        reason: reason.to_owned(),
    };
    if !super::proposals::proposed_instead(cx, proposal, None) {
        amend(cx, a, terms, reason);
    }
    Ok(())
}

/// Decides [`Command::RescindAction`](crate::Command::RescindAction).
pub(super) fn rescind_action(cx: &mut Cx, action: &ActionId, reason: &str) -> Result<(), Refusal> {
    let a = changeable(cx, *action)?;
    text("reason", reason, 10_000)?;
    let proposal = ProposedChange::RescindAction {
        action: *action,
        reason: reason.to_owned(),
    };
    if !super::proposals::proposed_instead(cx, proposal, None) {
        rescind(cx, a, reason);
    }
    Ok(())
}

/// Decides [`Command::SetCoolDown`](crate::Command::SetCoolDown): whoever
/// may amend the action (ACT-3) may have its fora cool down, for no longer
/// than the action lasts, or end the cool-down.
pub(super) fn set_cool_down(
    cx: &mut Cx,
    action: &ActionId,
    until: &Option<Timestamp>,
    reason: &str,
) -> Result<(), Refusal> {
    let a = changeable(cx, *action)?;
    text("reason", reason, 10_000)?;
    match until {
        Some(until) if *until <= cx.now => {
            return Err(Refusal::invalid("until", "must be in the future"));
        }
        Some(until) if a.terms.ends_at.is_some_and(|end| *until > end) => {
            return Err(Refusal::invalid(
                "until",
                format!(
                    "must not be after the action's end ({})",
                    a.terms.ends_at.unwrap_or(*until)
                ),
            ));
        }
        None if a.cooling_until(cx.now).is_none() => {
            return Err(Refusal::out_of_order(
                Requirement::Act1,
                format!("{action} asks for no cool-down now"),
            ));
        }
        _ => {}
    }
    cx.emit(Event::CoolDownSet {
        action: *action,
        until: *until,
        at: cx.now,
        by: cx.me().clone(),
        as_capacity: cx.capacity(),
        reason: reason.to_owned(),
    });
    Ok(())
}

/// Decides [`Command::ExpireAction`](crate::Command::ExpireAction).
pub(super) fn expire_action(cx: &mut Cx, action: &ActionId) -> Result<(), Refusal> {
    use Capacity::System;
    cx.only(
        &[System],
        Requirement::Act1,
        "recording the end of an action",
    )?;
    let a = cx.action(*action)?;
    match a.terms.ends_at {
        Some(end) if a.in_force() && end <= cx.now => {
            cx.emit(Event::ActionExpired {
                action: *action,
                at: end,
            });
            if !a.spam {
                cx.owe(
                    Recipient::Person {
                        person: a.subject.clone(),
                    },
                    Subject::Action(*action),
                    Requirement::Notify1,
                    "action-ended/person",
                );
            }
        }
        _ => {
            return Err(Refusal::out_of_order(
                Requirement::Act1,
                format!("{action} has not reached its end"),
            ));
        }
    }
    Ok(())
}

/// Decides [`Command::RequestAnnouncement`](crate::Command::RequestAnnouncement).
pub(super) fn request_announcement(cx: &mut Cx, action: &ActionId) -> Result<(), Refusal> {
    let a = may_request_announcement(cx, *action)?;
    cx.emit(Event::AnnouncementRequested { action: *action });
    for f in &a.terms.fora {
        cx.owe(
            Recipient::Forum { forum: f.clone() },
            Subject::Action(*action),
            Requirement::Notify3,
            "suspension/forum",
        );
    }
    Ok(())
}

/// NOTIFY-3: whether the actor may ask for this suspension to be announced.
pub(super) fn may_request_announcement<'a>(
    cx: &Cx<'a>,
    action: ActionId,
) -> Result<&'a Action, Refusal> {
    cx.only(
        &[Capacity::Participant],
        Requirement::Notify3,
        "asking for an announcement",
    )?;
    let a = cx.action(action)?;
    if &a.subject != cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Notify3,
            "only the suspended person may ask for their suspension to be announced",
        ));
    }
    if !a.terms.measure.is_suspension() || !a.in_force() {
        return Err(Refusal::out_of_order(
            Requirement::Notify3,
            format!("{action} is not a suspension in force"),
        ));
    }
    Ok(a)
}

/// ACT-3: whether the actor may consult the team about this action.
pub(super) fn may_consult<'a>(cx: &Cx<'a>, action: ActionId) -> Result<&'a Action, Refusal> {
    cx.only(
        &[Capacity::Administrator],
        Requirement::Act3,
        "consulting the moderator team",
    )?;
    let a = cx.action(action)?;
    not_on_myself(cx, &a.subject)?;
    let administers_one = a.terms.fora.iter().any(|f| {
        cx.state
            .fora
            .get(f)
            .is_some_and(|f| cx.state.is_administrator(cx.me(), f))
    });
    if !administers_one {
        return Err(Refusal::not_permitted(
            Requirement::Act3,
            format!("{} administers none of the fora of {action}", cx.me()),
        ));
    }
    Ok(a)
}

/// ACT-3: whether the actor may answer this consultation for the team.
pub(super) fn may_answer<'a>(
    cx: &Cx<'a>,
    action: ActionId,
    consultation: usize,
) -> Result<&'a Consultation, Refusal> {
    cx.only(
        &[Capacity::Moderator],
        Requirement::Act3,
        "answering for the moderator team",
    )?;
    let a = cx.action(action)?;
    let c = a
        .consultations
        .get(consultation)
        .ok_or_else(|| Refusal::unknown("consultation", format!("{consultation} of {action}")))?;
    if c.answer.is_some() || c.moderator.is_some() {
        return Err(Refusal::out_of_order(
            Requirement::Act3,
            format!("consultation {consultation} of {action} is already answered"),
        ));
    }
    if &c.administrator == cx.me() || &a.subject == cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Act3,
            "another moderator answers: not the one who asked, nor the person the action is on",
        ));
    }
    Ok(c)
}

/// Decides [`Command::RecordLegacyAction`](crate::Command::RecordLegacyAction).
pub(super) fn record_legacy_action(
    cx: &mut Cx,
    subject: &SubjectRef,
    fora: &[ForumId],
    imposed_at: &Timestamp,
    process: &str,
    reference: &str,
) -> Result<(), Refusal> {
    use Capacity::{Iesg, Operator};
    cx.only(
        &[Operator, Iesg],
        Requirement::Reinst5,
        "recording an action imposed under an earlier process",
    )?;
    if fora.is_empty() {
        return Err(Refusal::invalid("fora", "name at least one forum"));
    }
    for f in fora {
        cx.forum(f)?;
    }
    text("process", process, 200)?;
    text("reference", reference, 2_000)?;
    let effective = cx.state.settings.policy_effective_at;
    if *imposed_at >= effective {
        return Err(Refusal::not_permitted(
            Requirement::Reinst5,
            format!(
                "imposed_at: only a suspension imposed before this policy took effect ({effective}) is legacy; a later one is an action under this policy"
            ),
        ));
    }
    let subject = cx.subject(subject)?;
    let id = ActionId(cx.state.next.action);
    cx.emit(Event::ActionTaken {
        action: NewAction {
            id,
            subject,
            terms: Terms {
                measure: Measure::IndefiniteSuspension,
                fora: fora.to_vec(),
                starts_at: *imposed_at,
                ends_at: None,
            },
            taken_by: cx.me().clone(),
            taken_as: cx.capacity(),
            taken_at: *imposed_at,
            reason: format!("imposed under {process}: {reference}"),
            reports: Vec::new(),
            evidence: Vec::new(),
            spam: false,
            procedures_version: None,
            legacy: Some(Legacy {
                process: process.to_owned(),
                reference: reference.to_owned(),
            }),
            imported: None,
            level: None,
            texts: None,
            team: None,
        },
    });
    Ok(())
}

/// Decides [`Command::ImportRestriction`](crate::Command::ImportRestriction):
/// an operator records a restriction found on the forum software (MIGRATE-1),
/// as it stood since `seen_at`, once.
pub(super) fn import_restriction(
    cx: &mut Cx,
    subject: &SubjectRef,
    forum: &ForumId,
    measure: &Measure,
    seen_at: &Timestamp,
    from: &str,
) -> Result<(), Refusal> {
    use Capacity::{Operator, System};
    cx.only(
        &[Operator, System],
        Requirement::Migrate1,
        "importing what the forum software has",
    )?;
    if !matches!(
        measure,
        Measure::IndefiniteSuspension | Measure::ReviewAndApproval
    ) {
        return Err(Refusal::invalid(
            "measure",
            "an imported restriction is an indefinite suspension (a ban) or review and approval (held posts)",
        ));
    }
    if *seen_at > cx.now {
        return Err(Refusal::invalid("seen_at", "must not be in the future"));
    }
    text("from", from, 2_000)?;
    check_fora(cx, std::slice::from_ref(forum))?;
    let subject = cx.subject(subject)?;
    let twice = cx.state.history(&subject).into_iter().any(|a| {
        a.in_force()
            && a.terms.measure == *measure
            && a.terms.fora == [forum.clone()]
            && a.imported.as_ref().is_some_and(|i| i.from == from)
    });
    if twice {
        return Err(Refusal::out_of_order(
            Requirement::Migrate1,
            format!("{from} was imported already, for {subject} on {forum}"),
        ));
    }
    cx.emit(Event::ActionTaken {
        action: NewAction {
            id: ActionId(cx.state.next.action),
            subject,
            terms: Terms {
                measure: measure.clone(),
                fora: vec![forum.clone()],
                starts_at: *seen_at,
                ends_at: None,
            },
            taken_by: cx.me().clone(),
            taken_as: cx.capacity(),
            taken_at: cx.now,
            reason: format!("imported: {from}"),
            reports: Vec::new(),
            evidence: Vec::new(),
            spam: false,
            procedures_version: cx.state.procedures_in_force(),
            legacy: None,
            imported: Some(Imported {
                from: from.to_owned(),
            }),
            level: None,
            texts: None,
            team: None,
        },
    });
    Ok(())
}

/// ACT-2: whether the actor takes actions at all (as an administrator or a
/// moderator).
fn may_take_actions(cx: &Cx) -> Result<(), Refusal> {
    use Capacity::{Administrator, Moderator};
    cx.only(
        &[Administrator, Moderator],
        Requirement::Act2,
        "taking an action",
    )
}

/// Whether the actor may act on `subject` on these fora, citing these
/// reports (ACT-2, FORUM-2, FORUM-3): the question a case page asks before
/// it offers the action form, and the one `take_action` asks of every action.
pub(super) fn may_take_action(
    cx: &Cx,
    subject: &PersonId,
    fora: &[ForumId],
    reports: &[ReportId],
) -> Result<(), Refusal> {
    may_take_actions(cx)?;
    check_fora(cx, fora)?;
    super::registry::not_closed(cx, fora)?;
    not_on_myself(cx, subject)?;
    check_reports(cx, subject, reports)?;
    may_act(cx, subject, fora, reports)
}

/// The measure, fora and dates must describe an action the policy allows.
pub(super) fn check_terms(
    cx: &Cx,
    measure: &Measure,
    fora: &[ForumId],
    starts_at: Timestamp,
    ends_at: Option<Timestamp>,
) -> Result<(), Refusal> {
    if let Some(why) = measure.out_of_scope() {
        return Err(Refusal::OutOfScope {
            measure: measure.name(),
            why,
        });
    }
    match measure {
        Measure::TemporarySuspension if ends_at.is_none() => {
            return Err(Refusal::invalid(
                "ends_at",
                "a temporary suspension needs an end time",
            ));
        }
        Measure::IndefiniteSuspension if ends_at.is_some() => {
            return Err(Refusal::invalid(
                "ends_at",
                "an indefinite suspension has no end time",
            ));
        }
        Measure::RateLimit { posts, per_seconds } if *posts == 0 || *per_seconds == 0 => {
            return Err(Refusal::invalid(
                "measure",
                "a rate limit allows at least one post per at least one second",
            ));
        }
        Measure::Other { description } => text("measure.description", description, 2_000)?,
        _ => {}
    }
    if ends_at.is_some_and(|end| end <= starts_at) {
        return Err(Refusal::invalid("ends_at", "must be after the start"));
    }
    if fora.is_empty() {
        return Err(Refusal::invalid("fora", "name at least one forum"));
    }
    let distinct: BTreeSet<&ForumId> = fora.iter().collect();
    if distinct.len() != fora.len() {
        return Err(Refusal::invalid("fora", "a forum is named twice"));
    }
    check_fora(cx, fora)
}

/// The policy applies to these fora (FORUM-2), and the moderators act only
/// on public ones (FORUM-3).
fn check_fora(cx: &Cx, fora: &[ForumId]) -> Result<(), Refusal> {
    for id in fora {
        check_forum(cx, cx.forum(id)?)?;
    }
    Ok(())
}

fn check_forum(cx: &Cx, f: &Forum) -> Result<(), Refusal> {
    if !cx.state.policy_applies(f) {
        return Err(Refusal::ExcludedForum {
            forum: f.id.to_string(),
            organisation: f.organisation.to_string(),
        });
    }
    if !f.public && cx.capacity() == Capacity::Moderator {
        return Err(Refusal::NonPublicForum {
            forum: f.id.to_string(),
        });
    }
    Ok(())
}

fn check_evidence(evidence: &[Evidence]) -> Result<(), Refusal> {
    if evidence.len() > 100 {
        return Err(Refusal::invalid("evidence", "at most 100 items"));
    }
    for e in evidence {
        text("evidence.url", &e.url, 2_000)?;
        if let Some(h) = &e.sha256
            && (h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(Refusal::invalid(
                "evidence.sha256",
                "must be 64 hexadecimal digits",
            ));
        }
    }
    Ok(())
}

/// Nobody acts on their own case: not an action on themselves, nor a change
/// of one taken on them.
pub(super) fn not_on_myself(cx: &Cx, subject: &PersonId) -> Result<(), Refusal> {
    if subject == cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Act2,
            format!(
                "{subject} cannot act on their own case: another administrator or a moderator does"
            ),
        ));
    }
    Ok(())
}

/// ACT-5: marking an action as spam spares it the reporting, so the mark must
/// be earned: evidence of the bulk messages, no admonishment (which speaks to
/// a person, not a bulk sender), and no report cited that says anything but
/// unsolicited bulk messages.
fn check_spam(
    cx: &Cx,
    measure: &Measure,
    reports: &[ReportId],
    evidence: &[Evidence],
) -> Result<(), Refusal> {
    if matches!(
        measure,
        Measure::PrivateAdmonishment | Measure::PublicAdmonishment
    ) {
        return Err(Refusal::not_permitted(
            Requirement::Act5,
            "spam: an admonishment speaks to a person; it cannot be marked as spam",
        ));
    }
    if evidence.is_empty() {
        return Err(Refusal::not_permitted(
            Requirement::Act5,
            "spam: marking an action as spam needs evidence of the bulk messages (links to them)",
        ));
    }
    for r in reports {
        let report = cx.report(*r)?;
        if report.category != BULK_CATEGORY {
            return Err(Refusal::not_permitted(
                Requirement::Act5,
                format!(
                    "spam: {r} reports {:?}, not unsolicited bulk messages; such an action is reported as any other",
                    report.category
                ),
            ));
        }
    }
    Ok(())
}

fn check_reports(cx: &Cx, subject: &PersonId, reports: &[ReportId]) -> Result<(), Refusal> {
    for r in reports {
        if &cx.report(*r)?.subject != subject {
            return Err(Refusal::invalid(
                "reports",
                format!("{r} is about someone else"),
            ));
        }
    }
    Ok(())
}

/// ACT-2: administrators act on their own fora; moderators on plenary fora, on
/// fora without administrators, on reports that escalated, and when the same
/// person disrupts several fora at once.
fn may_act(
    cx: &Cx,
    subject: &PersonId,
    fora: &[ForumId],
    reports: &[ReportId],
) -> Result<(), Refusal> {
    let grounds = Grounds::of(cx, subject, reports);
    for id in fora {
        may_act_on(cx, cx.forum(id)?, &grounds)?;
    }
    Ok(())
}

/// What ACT-2 weighs for a moderator on each forum an action would cover,
/// found once for its subject and the reports it cites.
#[derive(Default)]
struct Grounds<'a> {
    /// The fora where reports show the person disrupting several at once.
    disrupted: BTreeSet<&'a ForumId>,
    /// The fora of the cited reports that escalated.
    escalated: BTreeSet<&'a ForumId>,
}

impl<'a> Grounds<'a> {
    fn of(cx: &Cx<'a>, subject: &PersonId, reports: &[ReportId]) -> Self {
        if cx.capacity() == Capacity::Administrator {
            return Grounds::default();
        }
        // "The same person disrupts several fora at the same time" must be on
        // the record: reports about them, open or cited, in more than one
        // forum, filed within the team's window, none found not disruptive.
        let mut disrupted = recent_report_fora(cx, subject, reports);
        if disrupted.len() < 2 {
            disrupted.clear();
        }
        let escalated = reports
            .iter()
            .filter_map(|r| cx.state.report(r))
            .filter(|r| r.escalated_at.is_some())
            .map(|r| &r.forum)
            .collect();
        Grounds {
            disrupted,
            escalated,
        }
    }
}

/// ACT-2 on one forum: an administrator acts on a forum they administer; a
/// moderator where the moderators administer, or on the grounds found.
fn may_act_on(cx: &Cx, forum: &Forum, grounds: &Grounds) -> Result<(), Refusal> {
    if acts_on(cx, forum, grounds, || cx.state.moderators_administer(forum)) {
        return Ok(());
    }
    let (me, id) = (cx.me(), &forum.id);
    if cx.capacity() == Capacity::Administrator {
        return Err(Refusal::not_permitted(
            Requirement::Act2,
            format!("{me} does not administer {id}"),
        ));
    }
    Err(Refusal::not_permitted(
        Requirement::Act2,
        format!(
            "{id} has administrators; moderators act there only on an escalated report, or when reports show the person disrupting it and other fora at the same time"
        ),
    ))
}

/// [`may_act_on`]'s answer, with `moderators_administer` saying whether the
/// moderators administer the forum (ROLE-3), asked only of a moderator.
fn acts_on(
    cx: &Cx,
    forum: &Forum,
    grounds: &Grounds,
    moderators_administer: impl FnOnce() -> bool,
) -> bool {
    if cx.capacity() == Capacity::Administrator {
        return cx.state.is_administrator(cx.me(), forum);
    }
    grounds.escalated.contains(&forum.id)
        || grounds.disrupted.contains(&forum.id)
        || moderators_administer()
}

/// The fora on which the actor may take an action citing `report`: each
/// forum for which [`may_take_action`] would say yes, what they have in
/// common asked once (ACT-2, FORUM-2, FORUM-3, FORUM-5).
pub(super) fn fora_open_to_action<'a>(
    cx: &Cx<'a>,
    report: ReportId,
) -> Result<Vec<&'a Forum>, Refusal> {
    may_take_actions(cx)?;
    let subject = &cx.report(report)?.subject;
    not_on_myself(cx, subject)?;
    check_reports(cx, subject, &[report])?;
    let grounds = Grounds::of(cx, subject, &[report]);
    let moderated = cx.state.moderated_fora();
    let open = |f: &&Forum| {
        check_forum(cx, f).is_ok()
            && super::registry::not_closed(cx, std::slice::from_ref(&f.id)).is_ok()
            && acts_on(cx, f, &grounds, || moderated.contains(&f.id))
    };
    if cx.capacity() == Capacity::Administrator {
        return Ok(cx.state.fora.values().filter(open).collect());
    }
    // A moderator acts only where the moderators administer or on the
    // grounds found: those fora are all there is to ask about.
    let candidates: BTreeSet<&ForumId> = moderated
        .iter()
        .chain(grounds.escalated.iter().copied())
        .chain(grounds.disrupted.iter().copied())
        .collect();
    Ok(candidates
        .into_iter()
        .filter_map(|id| cx.state.fora.get(id))
        .filter(open)
        .collect())
}

/// The fora of the reports about the person filed within the several-fora
/// window before now (ACT-2), those cited included, leaving out any resolved
/// as not disruptive.
fn recent_report_fora<'a>(
    cx: &Cx<'a>,
    subject: &PersonId,
    cited: &[ReportId],
) -> BTreeSet<&'a ForumId> {
    let window = i64::from(cx.state.numbers().several_fora_window_days);
    let since = add_days(cx.now, -window);
    let counts = |r: &&Report| {
        &r.subject == subject
            && since <= r.filed_at
            && r.state
                != ReportState::Resolved {
                    outcome: ReportOutcome::NotDisruptive,
                }
    };
    cx.state
        .reports_about(subject)
        .filter(counts)
        .chain(
            cited
                .iter()
                .filter_map(|r| cx.state.report(r))
                .filter(counts),
        )
        .map(|r| &r.forum)
        .collect()
}

/// The action, if the actor may amend or rescind it (ACT-3, REINST-5).
pub(super) fn changeable<'a>(cx: &Cx<'a>, id: ActionId) -> Result<&'a Action, Refusal> {
    cx.only(
        &[Capacity::Administrator, Capacity::Moderator, Capacity::Iesg],
        Requirement::Act3,
        "amending or rescinding an action",
    )?;
    let a = cx.action(id)?;
    not_on_myself(cx, &a.subject)?;
    if !a.in_force() {
        return Err(Refusal::out_of_order(
            Requirement::Act3,
            format!("{id} is no longer in force"),
        ));
    }
    if let Some(legacy) = &a.legacy {
        if cx.capacity() != Capacity::Iesg {
            return Err(Refusal::not_permitted(
                Requirement::Reinst5,
                format!(
                    "{id} was imposed under {}; only that process can change it",
                    legacy.process
                ),
            ));
        }
        return Ok(a);
    }
    let me = cx.me();
    match cx.capacity() {
        Capacity::Administrator => {
            for f in &a.terms.fora {
                if !cx.state.is_administrator(me, cx.forum(f)?) {
                    return Err(Refusal::not_permitted(
                        Requirement::Act3,
                        format!("{me} does not administer {f}"),
                    ));
                }
            }
            // An action the team took, or amended, is the team's.
            let teams = a.taken_as == Capacity::Moderator
                || a.amendments
                    .iter()
                    .any(|m| m.as_capacity == Capacity::Moderator);
            if teams {
                let next = a.amendments.len();
                let consulted = a.consultations.iter().any(|c| {
                    &c.administrator == me && c.before_amendment == next && c.answer.is_some()
                });
                if !consulted {
                    return Err(Refusal::not_permitted(
                        Requirement::Act3,
                        format!(
                            "{id} is the moderator team's: consult the team, and have a moderator answer, before changing it"
                        ),
                    ));
                }
            }
            Ok(a)
        }
        Capacity::Moderator => {
            if a.taken_as != Capacity::Moderator {
                may_act(cx, &a.subject, &a.terms.fora, &a.reports)?;
            }
            Ok(a)
        }
        _ => Err(Refusal::not_permitted(
            Requirement::Appeal3,
            "the IESG changes an action by deciding an appeal, not directly",
        )),
    }
}

/// Records an amendment and owes the notifications its new terms call for.
pub(super) fn amend(cx: &mut Cx, a: &Action, terms: &TermsChange, reason: &str) {
    let new = Terms {
        measure: terms.measure.clone(),
        fora: terms.fora.clone(),
        starts_at: a.terms.starts_at,
        ends_at: terms.ends_at,
    };
    cx.emit(Event::ActionAmended {
        action: a.id,
        terms: new.clone(),
        amendment: Amendment {
            at: cx.now,
            by: cx.me().clone(),
            as_capacity: cx.capacity(),
            previous: a.terms.clone(),
            reason: reason.to_owned(),
            team: cx.enacting.clone(),
        },
    });
    if !a.spam {
        owe_for_terms(cx, a.id, &a.subject, &new, "action-amended", None);
    }
}

/// Records a rescission and tells the person, the team and the administrators.
pub(super) fn rescind(cx: &mut Cx, a: &Action, reason: &str) {
    cx.emit(Event::ActionRescinded {
        action: a.id,
        at: cx.now,
        by: cx.me().clone(),
        reason: reason.to_owned(),
        team: cx.enacting.clone(),
    });
    if a.spam {
        return;
    }
    let about = Subject::Action(a.id);
    cx.owe(
        Recipient::Person {
            person: a.subject.clone(),
        },
        about.clone(),
        Requirement::Notify1,
        "action-rescinded/person",
    );
    cx.owe(
        Recipient::ModeratorTeam,
        about.clone(),
        Requirement::Notify1,
        "action-rescinded/moderators",
    );
    for f in &a.terms.fora {
        cx.owe(
            Recipient::ForumAdministrators { forum: f.clone() },
            about.clone(),
            Requirement::Notify1,
            "action-rescinded/administrators",
        );
    }
}

/// Who must be told of an action with these terms. An action at a level of
/// the ladder is told to the person and the list in that level's texts
/// (TEMPLATE-1).
pub(super) fn owe_for_terms(
    cx: &mut Cx,
    id: ActionId,
    subject: &PersonId,
    terms: &Terms,
    template: &str,
    level: Option<u8>,
) {
    let about = Subject::Action(id);
    let to_person = level.map_or_else(
        || format!("{template}/person"),
        |l| level_template(l, "person"),
    );
    let to_list = level.map_or_else(
        || format!("{template}/forum"),
        |l| level_template(l, "list"),
    );
    let person = Recipient::Person {
        person: subject.clone(),
    };
    if terms.measure.restricts() {
        // NOTIFY-1: the person, the team and (RFC 9945) the fora's administrators, at once.
        cx.owe(person, about.clone(), Requirement::Notify1, &to_person);
        cx.owe(
            Recipient::ModeratorTeam,
            about.clone(),
            Requirement::Notify1,
            &format!("{template}/moderators"),
        );
        for f in &terms.fora {
            cx.owe(
                Recipient::ForumAdministrators { forum: f.clone() },
                about.clone(),
                Requirement::Notify1,
                &format!("{template}/administrators"),
            );
        }
    } else {
        // An admonishment is delivered to the person it admonishes.
        cx.owe(person, about.clone(), Requirement::Act1, &to_person);
    }
    if terms.measure == Measure::PublicAdmonishment {
        for f in &terms.fora {
            cx.owe(
                Recipient::Forum { forum: f.clone() },
                about.clone(),
                Requirement::Act1,
                &to_list,
            );
        }
    }
    // NOTIFY-3: a suspension longer than 14 days is announced to each forum
    // where it (with the suspensions back to back with it there) is longer;
    // exactly 14 days is not longer.
    let announced: Vec<&ForumId> = terms
        .fora
        .iter()
        .filter(|f| announced_on(cx, id, subject, f, terms))
        .collect();
    for f in &announced {
        cx.owe(
            Recipient::Forum {
                forum: (*f).clone(),
            },
            about.clone(),
            Requirement::Notify3,
            "suspension/forum",
        );
    }
    // NOTIFY-4: such an announced suspension that applies to more than one
    // forum goes to the community channel too.
    if !announced.is_empty() && terms.fora.len() > 1 {
        cx.owe(
            Recipient::CommunityChannel,
            about.clone(),
            Requirement::Notify4,
            &format!("{template}/community"),
        );
    }
    // NOTIFY-7 (RFC 9945): moderators tell the administrators of every action they take.
    if cx.capacity() == Capacity::Moderator {
        for f in &terms.fora {
            cx.owe(
                Recipient::ForumAdministrators { forum: f.clone() },
                about.clone(),
                Requirement::Notify7,
                &format!("{template}/administrators"),
            );
        }
    }
}

/// NOTIFY-3: whether a suspension with these terms is announced on `forum`:
/// longer than 14 days, counting with it the suspensions of the same person
/// on that forum that run back to back with it (or overlap it), so that a
/// long suspension cut into short ones is announced all the same.
fn announced_on(cx: &Cx, id: ActionId, subject: &PersonId, forum: &ForumId, terms: &Terms) -> bool {
    if !terms.measure.is_suspension() {
        return false;
    }
    let Some(mut end) = terms.ends_at else {
        return true;
    };
    let mut start = terms.starts_at;
    let others: Vec<&Action> = cx
        .state
        .history(subject)
        .into_iter()
        .filter(|a| {
            a.id != id
                && a.terms.measure.is_suspension()
                && a.terms.fora.contains(forum)
                && !matches!(a.status, ActionStatus::Rescinded { .. })
        })
        .collect();
    loop {
        let mut grew = false;
        for a in &others {
            let touches = a.terms.starts_at <= end && a.terms.ends_at.is_none_or(|e| e >= start);
            if !touches {
                continue;
            }
            let Some(e) = a.terms.ends_at else {
                return true;
            };
            if a.terms.starts_at < start {
                start = a.terms.starts_at;
                grew = true;
            }
            if e > end {
                end = e;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    end > add_days(start, i64::from(ANNOUNCE_SUSPENSIONS_OVER_DAYS))
}
