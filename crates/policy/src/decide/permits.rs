//! "May this person do this kind of thing here, now?": the question a page
//! asks before it offers a form, answered by the same rules `decide` applies
//! to the command once its fields are filled in, and by nothing else. The
//! rules of who may do what, where and when live in the `may_*` functions of
//! each part of the policy; `decide` asks them of every command, `permits`
//! of a kind of command and the record it would be about. Whether the fields
//! are well formed is not asked here: nothing has been typed yet.

use super::{
    Cx, actions, appeals, llc, messages, procedures, proposals, reinstatement, reports, setup,
    team, templates,
};
use crate::command::{Actor, AppealTarget};
use crate::ids::*;
use crate::model::{Forum, Organisation, Thread};
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use crate::state::State;
use jiff::Timestamp;

/// A kind of command a page may offer, without its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AcknowledgeReport,
    StartReview,
    AssignReport,
    EscalateReport,
    ResolveReport,
    ReferToOmbudsteam,
    /// A message in one of a case's threads (MSG-1).
    PostCaseMessage,
    /// An action on the person a report is about, on its forum, citing it.
    TakeAction,
    ConsultModerators,
    AnswerConsultation,
    AmendAction,
    RescindAction,
    /// Agreeing to a proposal of the moderator team (TEAM-5).
    AgreeToProposal,
    /// Approving a proposal whose level asks for it (LADDER-1).
    ApproveProposal,
    WithdrawProposal,
    /// Drafting a version of a notification's text (TEMPLATE-1).
    DraftTemplate,
    /// Vetting and approving a drafted version (TEMPLATE-1, TEAM-5).
    ApproveTemplate,
    RequestAnnouncement,
    FileDisagreement,
    DecideAppeal,
    EscalateAppeal,
    RequestReinstatement,
    DecideReinstatement,
    TakeLlcAction,
    LiftLlcAction,
    RequestBoardReview,
    DecideBoardReview,
    CreateWorkingGroup,
    CreateForum,
    OptIn,
    ChangeSettings,
    DelegateAdministration,
    RevokeDelegation,
    /// Appointing a moderator: anyone ([`Target::Nothing`]), or this person.
    AppointModerator,
    /// Recalling a moderator: any ([`Target::Nothing`]), or this one.
    RecallModerator,
    DraftProcedures,
    OpenProceduresReview,
    ApproveProcedures,
    PublishNoteWell,
}

/// The record a kind of command would be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Not about a record yet: one to be made (a forum, a working group, a
    /// draft), or an LLC emergency action before its subject is named.
    Nothing,
    Forum(&'a ForumId),
    /// A forum's delegation of its administration to a person.
    Delegation(&'a ForumId, &'a PersonId),
    Person(&'a PersonId),
    Organisation(&'a Organisation),
    /// A version of the moderator team's procedures.
    Procedures(u32),
    Report(ReportId),
    /// A report, and one forum an action citing it would cover.
    ReportOn(ReportId, &'a ForumId),
    /// One of a report's threads (MSG-1).
    Thread(ReportId, Thread),
    Action(ActionId),
    /// An administrator's consultation of the team about an action, by its
    /// number among the action's consultations.
    Consultation(ActionId, usize),
    Appeal(AppealId),
    Reinstatement(ReinstatementId),
    LlcAction(LlcActionId),
    Proposal(ProposalId),
    /// A notification's text, by its template name.
    Template(&'a str),
    /// A version of a notification's text.
    TemplateVersion(&'a str, u32),
}

/// Whether `actor` may give a command of this kind about `target` at `now`:
/// `Ok` when the policy would record it once its fields are well formed, else
/// the refusal it would give, in the policy's words.
pub fn permits(
    state: &State,
    actor: &Actor,
    kind: Kind,
    target: Target<'_>,
    now: Timestamp,
) -> Result<(), Refusal> {
    let cx = &ready(state, actor, now)?;
    match (kind, target) {
        (Kind::AcknowledgeReport, Target::Report(r)) => reports::may_acknowledge(cx, r).map(drop),
        (Kind::StartReview, Target::Report(r)) => reports::may_start_review(cx, r).map(drop),
        (Kind::AssignReport, Target::Report(r)) => reports::may_assign(cx, r).map(drop),
        (Kind::EscalateReport, Target::Report(r)) => reports::may_escalate(cx, r).map(drop),
        (Kind::ResolveReport, Target::Report(r)) => reports::may_resolve(cx, r).map(drop),
        (Kind::ReferToOmbudsteam, Target::Report(r)) => reports::handled_report(cx, r).map(drop),
        (Kind::PostCaseMessage, Target::Thread(r, t)) => messages::may_post(cx, r, t).map(drop),
        (Kind::TakeAction, Target::Report(r)) => {
            let report = cx.report(r)?;
            actions::may_take_action(
                cx,
                &report.subject,
                std::slice::from_ref(&report.forum),
                &[r],
            )
        }
        (Kind::TakeAction, Target::ReportOn(r, forum)) => {
            let report = cx.report(r)?;
            actions::may_take_action(cx, &report.subject, std::slice::from_ref(forum), &[r])
        }
        (Kind::ConsultModerators, Target::Action(a)) => actions::may_consult(cx, a).map(drop),
        (Kind::AnswerConsultation, Target::Consultation(a, n)) => {
            actions::may_answer(cx, a, n).map(drop)
        }
        (Kind::AmendAction | Kind::RescindAction, Target::Action(a)) => {
            actions::changeable(cx, a).map(drop)
        }
        (Kind::AgreeToProposal, Target::Proposal(p)) => proposals::may_agree(cx, p).map(drop),
        (Kind::ApproveProposal, Target::Proposal(p)) => proposals::may_approve(cx, p).map(drop),
        (Kind::WithdrawProposal, Target::Proposal(p)) => proposals::may_withdraw(cx, p).map(drop),
        (Kind::DraftTemplate, Target::Template(name)) => templates::may_draft(cx, name),
        (Kind::ApproveTemplate, Target::TemplateVersion(name, version)) => {
            templates::may_approve(cx, name, version).map(drop)
        }
        (Kind::RequestAnnouncement, Target::Action(a)) => {
            actions::may_request_announcement(cx, a).map(drop)
        }
        (Kind::FileDisagreement, Target::Action(a)) => {
            appeals::may_disagree(cx, &AppealTarget::Action(a)).map(drop)
        }
        (Kind::FileDisagreement, Target::Report(r)) => {
            appeals::may_disagree(cx, &AppealTarget::Report(r)).map(drop)
        }
        (Kind::DecideAppeal, Target::Appeal(a)) => appeals::may_decide_appeal(cx, a).map(drop),
        (Kind::EscalateAppeal, Target::Appeal(a)) => appeals::may_escalate_appeal(cx, a).map(drop),
        (Kind::RequestReinstatement, Target::Action(a)) => {
            reinstatement::may_request_reinstatement(cx, a).map(drop)
        }
        (Kind::DecideReinstatement, Target::Reinstatement(r)) => {
            reinstatement::may_decide_reinstatement(cx, r).map(drop)
        }
        (Kind::TakeLlcAction, Target::Nothing) => llc::may_take_llc_action(cx),
        (Kind::LiftLlcAction, Target::LlcAction(a)) => llc::may_lift(cx, a).map(drop),
        (Kind::RequestBoardReview, Target::LlcAction(a)) => {
            llc::may_request_board_review(cx, a).map(drop)
        }
        (Kind::DecideBoardReview, Target::LlcAction(a)) => {
            llc::may_decide_board_review(cx, a).map(drop)
        }
        (Kind::CreateWorkingGroup, Target::Nothing) => {
            setup::may_set_up(cx, "creating working groups")
        }
        (Kind::CreateForum, Target::Nothing) => setup::may_set_up(cx, "creating fora"),
        (Kind::ChangeSettings, Target::Nothing) => {
            setup::may_set_up(cx, "changing a deployment's settings")
        }
        (Kind::OptIn, Target::Organisation(o)) => setup::may_opt_in(cx, o),
        (Kind::DelegateAdministration, Target::Forum(f)) => setup::may_delegate(cx, f).map(drop),
        (Kind::RevokeDelegation, Target::Delegation(f, to)) => {
            let forum = setup::may_delegate(cx, f)?;
            if forum.delegates.iter().any(|d| &d.to == to) {
                Ok(())
            } else {
                Err(Refusal::unknown("delegation", format!("of {f} to {to}")))
            }
        }
        (Kind::AppointModerator, Target::Nothing) => team::may_appoint(cx, None),
        (Kind::AppointModerator, Target::Person(p)) => team::may_appoint(cx, Some(p)),
        (Kind::RecallModerator, Target::Nothing) => team::may_recall(cx, None),
        (Kind::RecallModerator, Target::Person(p)) => team::may_recall(cx, Some(p)),
        (Kind::DraftProcedures, Target::Nothing) => procedures::may_draft(cx),
        (Kind::OpenProceduresReview, Target::Procedures(v)) => procedures::may_open_review(cx, v),
        (Kind::ApproveProcedures, Target::Procedures(v)) => procedures::may_approve(cx, v),
        (Kind::PublishNoteWell, Target::Nothing) => procedures::may_publish_note_well(cx),
        (kind, target) => Err(Refusal::invalid(
            "target",
            format!("{kind:?} is not a command about {target:?}"),
        )),
    }
}

/// The fora on which `actor` may take an action citing `report` now: those
/// for which [`permits`] says yes to [`Kind::TakeAction`] about
/// [`Target::ReportOn`] that report and forum, with what the fora have in
/// common asked once (a case page offers them all).
pub fn fora_open_to_action(
    state: &State,
    actor: &Actor,
    report: ReportId,
    now: Timestamp,
) -> Vec<ForumId> {
    ready(state, actor, now)
        .and_then(|cx| actions::fora_open_to_action(&cx, report))
        .map(ids)
        .unwrap_or_default()
}

/// The fora whose administration `actor` may delegate now: those for which
/// [`permits`] says yes to [`Kind::DelegateAdministration`].
pub fn delegable_fora(state: &State, actor: &Actor, now: Timestamp) -> Vec<ForumId> {
    ready(state, actor, now)
        .map(|cx| ids(setup::delegable_fora(&cx)))
        .unwrap_or_default()
}

fn ids(fora: Vec<&Forum>) -> Vec<ForumId> {
    fora.into_iter().map(|f| f.id.clone()).collect()
}

/// The questions every command is asked first: the log is set up, and the
/// actor holds the capacity they act in.
fn ready<'s>(state: &'s State, actor: &'s Actor, now: Timestamp) -> Result<Cx<'s>, Refusal> {
    if !state.bootstrapped {
        return Err(Refusal::out_of_order(
            Requirement::Audit1,
            "this log has not been set up",
        ));
    }
    let cx = Cx::new(state, actor, now);
    cx.check_capacity_held()?;
    Ok(cx)
}
