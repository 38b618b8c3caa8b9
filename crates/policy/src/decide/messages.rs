//! A case's threads (MSG-1): those who handle a report write in each of its
//! threads; the person it is about only in theirs, and the reporter only in
//! theirs, so that neither reads the other's (REPORT-5). A message to a
//! party is owed to them by email; a party's message, to those who handle
//! the report; the team's notes to nobody.

use super::{Cx, text};
use crate::event::{Event, NewCaseMessage};
use crate::ids::ReportId;
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use crate::views;

/// The longest message, in characters.
const MAX_MESSAGE: usize = 20_000;

/// Decides [`Command::PostCaseMessage`](crate::Command::PostCaseMessage).
pub(super) fn post_case_message(
    cx: &mut Cx,
    report: &ReportId,
    thread: &Thread,
    message: &str,
) -> Result<(), Refusal> {
    let r = may_post(cx, *report, *thread)?;
    text("text", message, MAX_MESSAGE)?;
    let number = cx
        .state
        .case_messages
        .get(report)
        .and_then(|messages| messages.iter().rfind(|m| m.thread == *thread))
        .map_or(1, |last| last.number.saturating_add(1));
    cx.emit(Event::CaseMessagePosted {
        report: *report,
        message: NewCaseMessage {
            number,
            thread: *thread,
            by: cx.me().clone(),
            at: cx.now,
            text: message.to_owned(),
        },
    });
    let about = Subject::CaseMessage {
        report: *report,
        thread: *thread,
        number,
    };
    match views::thread_party(r, *thread) {
        // The team's notes are for those who read them on the case page.
        None => {}
        // A party writes to those who handle the report, as when it was
        // filed (REPORT-1; FORUM-3: not the team on a non-public forum).
        Some(party) if party == cx.me() => {
            cx.owe(
                Recipient::ForumAdministrators {
                    forum: r.forum.clone(),
                },
                about.clone(),
                Requirement::Msg1,
                "case-message/administrators",
            );
            if cx.forum(&r.forum)?.public {
                cx.owe(
                    Recipient::ModeratorTeam,
                    about,
                    Requirement::Msg1,
                    "case-message/moderators",
                );
            }
        }
        Some(party) => cx.owe(
            Recipient::Person {
                person: party.clone(),
            },
            about,
            Requirement::Msg1,
            &format!("case-message/{thread}"),
        ),
    }
    Ok(())
}

/// MSG-1: the report, if the actor may write in this thread of it: their
/// own (the subject's, the reporter's), in any capacity; any, for those who
/// handle the report in the capacity they act in, unless it is about them.
pub(super) fn may_post<'a>(
    cx: &Cx<'a>,
    report: ReportId,
    thread: Thread,
) -> Result<&'a Report, Refusal> {
    let r = cx.report(report)?;
    if views::thread_party(r, thread) == Some(cx.me()) {
        return Ok(r);
    }
    if &r.subject == cx.me() {
        return Err(Refusal::not_permitted(
            Requirement::Msg1,
            format!(
                "{report} is about {}, who writes only in the person thread, with those who handle it, not in the {thread} thread",
                r.subject
            ),
        ));
    }
    let forum = cx.forum(&r.forum)?;
    if views::handles_reports_on(cx.state, cx.actor, forum) {
        return Ok(r);
    }
    Err(Refusal::not_permitted(
        Requirement::Msg1,
        format!(
            "the {thread} thread of {report} is for those who handle it{}, not for {} as {}",
            match thread {
                Thread::Person => " and the person reported",
                Thread::Reporter => " and the reporter",
                Thread::Team => "",
            },
            cx.me(),
            cx.capacity()
        ),
    ))
}
