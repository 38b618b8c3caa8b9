//! Reports: filed by any participant and sent to the forum's administrators and
//! the moderators (REPORT-1), tracked through their states (REPORT-3), escalated
//! when not acknowledged in time (REPORT-4), and referred to the ombudsteam when
//! they concern suspected harassment (OMBUDS-1).

use super::{Cx, text};
use crate::command::SubjectRef;
use crate::event::{Event, NewReport};
use crate::ids::{ForumId, PersonId, ReferralId, ReportId};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;

/// Decides [`Command::FileReport`](crate::Command::FileReport).
pub(super) fn file_report(
    cx: &mut Cx,
    forum: &ForumId,
    subject: &SubjectRef,
    category: &str,
    description: &str,
    links: &[String],
    note_well_seen: &Option<u32>,
) -> Result<(), Refusal> {
    use Capacity::{Administrator, Moderator, Participant};
    cx.only(
        &[Participant, Administrator, Moderator],
        Requirement::Report1,
        "filing a report",
    )?;
    let f = cx.forum(forum)?;
    if !cx.state.policy_applies(f) {
        return Err(Refusal::ExcludedForum {
            forum: forum.to_string(),
            organisation: f.organisation.to_string(),
        });
    }
    super::registry::not_closed(cx, std::slice::from_ref(forum))?;
    let cat = cx
        .state
        .categories
        .iter()
        .find(|c| c.id == category)
        .ok_or_else(|| {
            let known: Vec<&str> = cx.state.categories.iter().map(|c| c.id.as_str()).collect();
            Refusal::invalid(
                "category",
                format!(
                    "{category:?} is not a category; one of: {}",
                    known.join(", ")
                ),
            )
        })?;
    text("description", description, 20_000)?;
    if links.len() > 50 {
        return Err(Refusal::invalid("links", "at most 50 links"));
    }
    for l in links {
        text("links", l, 2_000)?;
    }
    let subject = cx.subject(subject)?;
    let id = crate::ids::ReportId(cx.state.next.report);
    cx.emit(Event::ReportFiled {
        report: NewReport {
            id,
            forum: forum.clone(),
            subject,
            reporter: cx.me().clone(),
            category: category.to_owned(),
            description: description.to_owned(),
            links: links.to_vec(),
            filed_at: cx.now,
        },
    });
    // NOTEWELL-1: recorded when known, never a reason to refuse.
    if let Some(v) = note_well_seen.filter(|v| cx.state.note_wells.contains_key(v)) {
        cx.emit(Event::NoteWellSeen {
            person: cx.me().clone(),
            version: v,
        });
    }
    let about = Subject::Report(id);
    cx.owe(
        Recipient::ForumAdministrators {
            forum: forum.clone(),
        },
        about.clone(),
        Requirement::Report1,
        "report-filed/administrators",
    );
    // FORUM-3: the moderator team does not moderate non-public fora.
    if f.public {
        cx.owe(
            Recipient::ModeratorTeam,
            about.clone(),
            Requirement::Report1,
            "report-filed/moderators",
        );
    }
    if cat.harassment {
        refer(
            cx,
            id,
            "suspected harassment, referred when the report was filed",
        );
    }
    Ok(())
}

/// Decides [`Command::AcknowledgeReport`](crate::Command::AcknowledgeReport).
pub(super) fn acknowledge_report(cx: &mut Cx, report: &ReportId) -> Result<(), Refusal> {
    let r = may_acknowledge(cx, *report)?;
    cx.emit(Event::ReportAcknowledged {
        report: *report,
        by: cx.me().clone(),
        at: cx.now,
    });
    cx.owe(
        Recipient::Person {
            person: r.reporter.clone(),
        },
        Subject::Report(*report),
        Requirement::Report3,
        "report-acknowledged/reporter",
    );
    Ok(())
}

/// Decides [`Command::StartReview`](crate::Command::StartReview).
pub(super) fn start_review(cx: &mut Cx, report: &ReportId) -> Result<(), Refusal> {
    may_start_review(cx, *report)?;
    cx.emit(Event::ReportReviewStarted { report: *report });
    Ok(())
}

/// Decides [`Command::AssignReport`](crate::Command::AssignReport).
pub(super) fn assign_report(
    cx: &mut Cx,
    report: &ReportId,
    to: &Option<PersonId>,
) -> Result<(), Refusal> {
    let r = may_assign(cx, *report)?;
    if *to == r.assignee {
        return Err(Refusal::out_of_order(
            Requirement::Report3,
            match to {
                Some(p) => format!("{report} is already assigned to {p}"),
                None => format!("{report} is not assigned to anyone"),
            },
        ));
    }
    if let Some(person) = to {
        cx.person(person)?;
        let f = cx.forum(&r.forum)?;
        if person == &r.subject {
            return Err(Refusal::not_permitted(
                Requirement::Report5,
                format!("{report} is about {person}, who may not handle it"),
            ));
        }
        let handles =
            cx.state.is_administrator(person, f) || (f.public && cx.state.is_moderator(person));
        if !handles {
            return Err(Refusal::not_permitted(
                Requirement::Report1,
                format!(
                    "{person} is neither an administrator of {} nor a moderator",
                    f.id
                ),
            ));
        }
    }
    cx.emit(Event::ReportAssigned {
        report: *report,
        to: to.clone(),
        by: cx.me().clone(),
        at: cx.now,
    });
    Ok(())
}

/// Decides [`Command::EscalateReport`](crate::Command::EscalateReport).
pub(super) fn escalate_report(cx: &mut Cx, report: &ReportId) -> Result<(), Refusal> {
    let r = may_escalate(cx, *report)?;
    cx.emit(Event::ReportEscalated {
        report: *report,
        at: cx.now,
    });
    let about = Subject::Report(*report);
    cx.owe(
        Recipient::ModeratorTeam,
        about.clone(),
        Requirement::Report4,
        "report-escalated/moderators",
    );
    // The moderators' first step is to contact and advise the administrators.
    cx.owe(
        Recipient::ForumAdministrators {
            forum: r.forum.clone(),
        },
        about,
        Requirement::Report4,
        "report-escalated/administrators",
    );
    Ok(())
}

/// REPORT-4: whether the actor may escalate the report now: the scheduler or
/// a moderator once it is due, its administrators at any time.
pub(super) fn may_escalate<'a>(cx: &Cx<'a>, report: ReportId) -> Result<&'a Report, Refusal> {
    use Capacity::{Administrator, Moderator, System};
    cx.only(
        &[System, Administrator, Moderator],
        Requirement::Report4,
        "escalating a report",
    )?;
    let r = cx.report(report)?;
    let f = cx.forum(&r.forum)?;
    if !f.public {
        // FORUM-3: the moderator team does not moderate non-public fora.
        return Err(Refusal::NonPublicForum {
            forum: f.id.to_string(),
        });
    }
    if r.escalated_at.is_some() {
        return Err(Refusal::out_of_order(
            Requirement::Report4,
            format!("{report} has already been escalated"),
        ));
    }
    let Some(deadline) = cx.state.escalates_at(r) else {
        return Err(Refusal::out_of_order(
            Requirement::Report4,
            format!("{report} is resolved"),
        ));
    };
    let admin_hands_over = cx.capacity() == Administrator && cx.state.is_administrator(cx.me(), f);
    if !admin_hands_over {
        if cx.capacity() == Administrator {
            return Err(Refusal::not_permitted(
                Requirement::Report4,
                format!("{} does not administer {}", cx.me(), f.id),
            ));
        }
        if cx.now < deadline {
            let unless = if r.state == ReportState::Received {
                "still unacknowledged"
            } else {
                "acknowledged but still unresolved"
            };
            return Err(Refusal::out_of_order(
                Requirement::Report4,
                format!("{report} escalates at {deadline} if it is {unless}"),
            ));
        }
    }
    Ok(r)
}

/// Decides [`Command::ResolveReport`](crate::Command::ResolveReport).
pub(super) fn resolve_report(
    cx: &mut Cx,
    report: &ReportId,
    outcome: &ReportOutcome,
) -> Result<(), Refusal> {
    let r = may_resolve(cx, *report)?;
    // The reporter is told in the text of the action's level, if it has one
    // (TEMPLATE-1).
    let mut template = "report-resolved/reporter".to_owned();
    match outcome {
        ReportOutcome::ActionTaken { action } => {
            let taken = cx.action(*action)?;
            if taken.subject != r.subject {
                return Err(Refusal::invalid(
                    "outcome",
                    format!("{action} is not about the person reported"),
                ));
            }
            if let Some(step) = &taken.level {
                template = level_template(step.level, "reporter");
            }
        }
        ReportOutcome::Duplicate { of } if of == report => {
            return Err(Refusal::invalid(
                "outcome",
                "a report cannot duplicate itself",
            ));
        }
        ReportOutcome::Duplicate { of } => {
            cx.report(*of)?;
        }
        _ => {}
    }
    cx.emit(Event::ReportResolved {
        report: *report,
        outcome: outcome.clone(),
    });
    cx.owe(
        Recipient::Person {
            person: r.reporter.clone(),
        },
        Subject::Report(*report),
        Requirement::Feedback1,
        &template,
    );
    Ok(())
}

/// Decides [`Command::ReferToOmbudsteam`](crate::Command::ReferToOmbudsteam).
pub(super) fn refer_to_ombudsteam(
    cx: &mut Cx,
    report: &ReportId,
    note: &str,
) -> Result<(), Refusal> {
    handled_report(cx, *report)?;
    text("note", note, 5_000)?;
    refer(cx, *report, note);
    Ok(())
}

/// OMBUDS-1: the referral is recorded and the ombudsteam told; administrators and
/// moderators may still act on the disruptive behaviour.
fn refer(cx: &mut Cx, report: crate::ids::ReportId, note: &str) {
    let referral = ReferralId(cx.state.next.referral);
    cx.emit(Event::ReferredToOmbudsteam {
        referral,
        report,
        note: note.to_owned(),
    });
    cx.owe(
        Recipient::Ombudsteam,
        Subject::Report(report),
        Requirement::Ombuds1,
        "report-referred/ombudsteam",
    );
}

/// REPORT-3: the report, if the actor may acknowledge it now.
pub(super) fn may_acknowledge<'a>(cx: &Cx<'a>, report: ReportId) -> Result<&'a Report, Refusal> {
    let r = handled_report(cx, report)?;
    if r.state != ReportState::Received {
        return Err(Refusal::out_of_order(
            Requirement::Report3,
            format!("{report} is already {}", r.state.name()),
        ));
    }
    Ok(r)
}

/// REPORT-3: whether the actor may start reviewing the report now.
pub(super) fn may_start_review<'a>(cx: &Cx<'a>, report: ReportId) -> Result<&'a Report, Refusal> {
    let r = handled_report(cx, report)?;
    if r.state != ReportState::Acknowledged {
        return Err(Refusal::out_of_order(
            Requirement::Report3,
            format!(
                "{report} is {}; a review starts once it is acknowledged",
                r.state.name()
            ),
        ));
    }
    Ok(r)
}

/// REPORT-3: whether the actor may assign the report, to anyone, now.
pub(super) fn may_assign<'a>(cx: &Cx<'a>, report: ReportId) -> Result<&'a Report, Refusal> {
    let r = handled_report(cx, report)?;
    if matches!(r.state, ReportState::Resolved { .. }) {
        return Err(Refusal::out_of_order(
            Requirement::Report3,
            format!("{report} is resolved: only an open report is assigned"),
        ));
    }
    Ok(r)
}

/// REPORT-3: whether the actor may resolve the report now.
pub(super) fn may_resolve<'a>(cx: &Cx<'a>, report: ReportId) -> Result<&'a Report, Refusal> {
    let r = handled_report(cx, report)?;
    if !matches!(r.state, ReportState::Acknowledged | ReportState::InReview) {
        return Err(Refusal::out_of_order(
            Requirement::Report3,
            format!(
                "{report} is {}; it is resolved after it is acknowledged",
                r.state.name()
            ),
        ));
    }
    Ok(r)
}

/// The report, if the actor may handle it: its forum's administrators, or the
/// moderators where they administer the forum or the report has escalated.
pub(super) fn handled_report<'a>(
    cx: &Cx<'a>,
    id: crate::ids::ReportId,
) -> Result<&'a Report, Refusal> {
    cx.only(
        &[Capacity::Administrator, Capacity::Moderator],
        Requirement::Report3,
        "handling a report",
    )?;
    let r = cx.report(id)?;
    let f = cx.forum(&r.forum)?;
    if &r.subject == cx.me() {
        // Handling a report shows who filed it; its subject never sees that.
        return Err(Refusal::not_permitted(
            Requirement::Report5,
            format!(
                "{id} is about {}: another administrator or a moderator handles it",
                r.subject
            ),
        ));
    }
    let ok = match cx.capacity() {
        Capacity::Administrator => cx.state.is_administrator(cx.me(), f),
        _ => {
            if !f.public {
                return Err(Refusal::NonPublicForum {
                    forum: f.id.to_string(),
                });
            }
            cx.state.moderators_administer(f) || r.escalated_at.is_some()
        }
    };
    if ok {
        Ok(r)
    } else if cx.capacity() == Capacity::Administrator {
        Err(Refusal::not_permitted(
            Requirement::Role2,
            format!("{} does not administer {}", cx.me(), f.id),
        ))
    } else {
        Err(Refusal::not_permitted(
            Requirement::Report4,
            format!(
                "{id} is for the administrators of {} until it escalates",
                f.id
            ),
        ))
    }
}
