//! What a notification's template may show: the record it is about, as the
//! recipient may see it. Privacy is decided here, not in the templates, so a
//! deployment's own templates cannot reveal more than this:
//!
//! - who reported someone reaches only those who handle the report and the
//!   reporter, never the subject (REPORT-5);
//! - a forum or the community channel (public recipients) gets the person's
//!   name, the fora, the measure and the dates, never a reason, evidence,
//!   a reporter or who took the action (PRIV-1).

use jiff::Timestamp;
use modpod_policy::ids::{ActionId, ForumId, PersonId};
use modpod_policy::model::*;
use modpod_policy::time::one_year_after;
use modpod_policy::{State, views};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Context {
    pub notification: NoticeCx,
    /// The notification tells of a change to an action (`action-amended/*`).
    pub amended: bool,
    pub recipient: RecipientCx,
    pub action: Option<ActionCx>,
    pub report: Option<ReportCx>,
    pub appeal: Option<AppealCx>,
    pub reinstatement: Option<ReinstatementCx>,
    pub llc_action: Option<LlcActionCx>,
    /// The period a digest or the community report covers.
    pub period: Option<PeriodCx>,
    /// The moderator a step-down reminder is about (TEAM-2).
    pub moderator: Option<ModeratorCx>,
    /// An administrator's consultation of the team about the action (ACT-3).
    pub consultation: Option<ConsultationCx>,
    /// A proposal of the moderator team (TEAM-5), for the team and whoever
    /// must approve it.
    pub proposal: Option<ProposalCx>,
    /// A message in a case's thread (MSG-1).
    pub message: Option<MessageCx>,
    /// An alert to the moderator team (CIRCUMVENT-1).
    pub alert: Option<AlertCx>,
    /// The page of modpod where the recipient reads what the notification
    /// is about, as a path (`/cases/3#thread-person`), where it has one.
    pub page: Option<String>,
    /// That page as a link, when modpod knows its public URL (set by the
    /// [`Composer`](crate::Composer)).
    pub link: Option<String>,
    /// NOTIFY-3's threshold, in days.
    pub announce_suspensions_over_days: u32,
}

/// A message in a case's thread (MSG-1). Who wrote it and what are given
/// only where every person the notification reaches reads its thread, so a
/// group the subject is in never reads the reporter's (REPORT-5).
#[derive(Debug, Serialize)]
pub struct MessageCx {
    pub number: u32,
    /// `person`, `reporter` or `team`.
    pub thread: &'static str,
    /// Written by the party of the thread (the person reported, the
    /// reporter) rather than by one of those who handle the report.
    pub from_party: bool,
    pub by: Option<String>,
    pub text: Option<String>,
}

/// An alert to the moderator team (CIRCUMVENT-1). None reaches the person
/// it is about: where they are among those a notification reaches (a
/// moderator), it carries nothing of the alert.
#[derive(Debug, Serialize)]
pub struct AlertCx {
    pub id: u64,
    /// `identity_linked` or `posted_elsewhere`.
    pub kind: &'static str,
    pub person: String,
    /// The identity linked, or the one that posted.
    pub identity: String,
    /// Where it posted.
    pub forum: Option<ForumCx>,
    /// When the post was seen.
    pub seen: Option<String>,
    /// The person's actions in force that restrict their posting.
    pub actions: Vec<ActionCx>,
}

/// A period, and what it holds as the recipient may see it: the IESG's
/// digest lists the actions taken in it (NOTIFY-2); the community gets only
/// the aggregate counts (NOTIFY-5, PRIV-1).
#[derive(Debug, Serialize)]
pub struct PeriodCx {
    pub from: String,
    pub to: String,
    /// For the IESG: the actions taken in the period, oldest first, those
    /// against spam marked (ACT-5 spares them the reporting, not the record).
    pub actions: Vec<ActionCx>,
    /// For the community: counts, no names.
    pub counts: Option<modpod_policy::transparency::Transparency>,
}

/// A consultation of the moderator team (ACT-3): for the team and the
/// administrator who asked, never for the person or the public.
#[derive(Debug, Serialize)]
pub struct ConsultationCx {
    pub administrator: String,
    pub note: String,
    pub moderator: Option<String>,
    pub answer: Option<String>,
}

/// A proposal of the moderator team (TEAM-5, LADDER-1): what it would do,
/// why, at which level, the texts it would send, and what it waits for.
#[derive(Debug, Serialize)]
pub struct ProposalCx {
    pub id: u64,
    pub summary: String,
    pub proposed_by: String,
    pub reason: Option<String>,
    pub level: Option<LevelCx>,
    pub skip_reason: Option<String>,
    pub to_person: Option<String>,
    pub to_list: Option<String>,
    pub waiting_for: Option<String>,
    pub expires: String,
}

/// A level of the moderator team's ladder (LADDER-1).
#[derive(Debug, Serialize)]
pub struct LevelCx {
    pub level: u8,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct ModeratorCx {
    pub name: String,
    /// The role that excludes moderation (TEAM-2), e.g. `iab_member`.
    pub role: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NoticeCx {
    pub id: u64,
    /// The requirements that make it owed, e.g. "NOTIFY-1 NOTIFY-7".
    pub requirement: String,
    pub template: String,
    /// The version of the template (TEMPLATE-1): 0 for modpod's own text.
    pub version: u32,
}

#[derive(Debug, Serialize)]
pub struct RecipientCx {
    /// person, moderators, administrators, forum, community, iesg, iab,
    /// ietf_chair, llc_board or ombudsteam.
    pub kind: &'static str,
    /// How to address them: a person's name, or the group in words.
    pub name: String,
    /// A forum or the community channel: what PRIV-1 allows, only.
    pub public: bool,
    /// The forum, for a forum or its administrators.
    pub forum: Option<ForumCx>,
}

#[derive(Debug, Serialize)]
pub struct ForumCx {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct ActionCx {
    pub id: u64,
    /// The name of the person it applies to.
    pub person: String,
    /// The measure in words, e.g. "temporary suspension".
    pub measure: &'static str,
    /// The measure as a key, e.g. `temporary_suspension`.
    pub kind: &'static str,
    /// What an "other" action does, or a rate limit's numbers, in words.
    pub details: Option<String>,
    pub fora: Vec<ForumCx>,
    pub starts: String,
    /// The end, or `None`: indefinite, or a measure without duration.
    pub ends: Option<String>,
    /// How long it lasts, in words ("21 days").
    pub length: Option<String>,
    pub restricts: bool,
    /// Taken against unsolicited bulk messages (ACT-5).
    pub spam: bool,
    pub suspension: bool,
    pub indefinite_suspension: bool,
    /// `in force`, `rescinded` or `expired`.
    pub status: &'static str,
    /// Who acted, as a body: "the moderator team", "the forum's administrators".
    pub taken_as: String,
    /// Not for public recipients.
    pub taken_by: Option<String>,
    pub reason: Option<String>,
    pub rescinded_reason: Option<String>,
    /// Not for public recipients: the reason of the last amendment.
    pub amendment_reason: Option<String>,
    /// Where a disagreement goes (APPEAL-1, APPEAL-2).
    pub appeal: AppealRouteCx,
    /// An earlier process it was imposed under (REINST-5), if any.
    pub legacy: Option<String>,
    /// When reinstatement may first be asked for (REINST-1), for an
    /// indefinite suspension.
    pub reinstatement_from: Option<String>,
    /// The level of the team's ladder it was taken at, and the next one,
    /// which the person is told of (LADDER-1).
    pub level: Option<LevelCx>,
    pub next_level: Option<LevelCx>,
    /// The note written to the person, vetted for the team (TEAM-5); not
    /// for public recipients.
    pub note: Option<String>,
    /// The note written to the list (LADDER-1).
    pub note_to_list: Option<String>,
    /// Not for public recipients: the moderators who agreed to it, the
    /// writer of its notes first (TEAM-5).
    pub agreed_by: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct AppealRouteCx {
    /// The first body, in words: "Deb Security, the responsible Area
    /// Director", or "the IETF chair".
    pub first: String,
    /// The bodies after it, in order: the IESG, then the IAB.
    pub then: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct ReportCx {
    pub id: u64,
    pub forum: ForumCx,
    /// The name of the person reported.
    pub person: String,
    /// Only for those who handle the report and for the reporter (REPORT-5).
    pub reporter: Option<String>,
    pub category: String,
    /// The reporter's words and links: never for the subject, nor for a
    /// group the subject is in (REPORT-5).
    pub description: Option<String>,
    pub links: Vec<String>,
    pub filed: String,
    pub state: &'static str,
    /// How it ended, as the reporter is told (FEEDBACK-1).
    pub outcome: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AppealCx {
    pub id: u64,
    pub action: Option<ActionCx>,
    /// The report closed without action disagreed with (APPEAL-1).
    pub report: Option<u64>,
    pub appellant: String,
    pub grounds: String,
    /// The body the step this notification is about is (or was) before, in
    /// words.
    pub before: String,
    pub decision: Option<DecisionCx>,
    /// The next body after that step, if the appellant takes it further.
    pub next: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct DecisionCx {
    pub upheld: bool,
    pub rationale: String,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Serialize)]
pub struct ReinstatementCx {
    pub id: u64,
    pub person: String,
    pub action: Option<ActionCx>,
    pub statement: String,
    pub reinstated: Option<bool>,
    pub conditions: Option<String>,
    pub rationale: Option<String>,
    /// When the next request may be made, after a refusal (REINST-1).
    pub next_request_from: String,
}

#[derive(Debug, Serialize)]
pub struct LlcActionCx {
    pub id: u64,
    pub person: String,
    pub fora: Vec<ForumCx>,
    pub grounds: String,
    pub nature: String,
    /// Not for public recipients.
    pub reason: Option<String>,
    pub expected_duration: String,
    pub taken: String,
    pub lifted: Option<String>,
    pub board_decision: Option<BoardDecisionCx>,
}

#[derive(Debug, Serialize)]
pub struct BoardDecisionCx {
    /// Whether the board lifts the action (or keeps it).
    pub lift: bool,
    pub rationale: String,
    pub at: String,
}

/// The context for a notification, as its recipient may see it.
pub fn build(state: &State, n: &Notification) -> Context {
    let public = matches!(n.to, Recipient::Forum { .. } | Recipient::CommunityChannel);
    let recipient = RecipientCx {
        kind: kind(&n.to),
        name: greeting(state, &n.to),
        public,
        forum: match &n.to {
            Recipient::Forum { forum: f } | Recipient::ForumAdministrators { forum: f } => {
                Some(forum(state, f))
            }
            _ => None,
        },
    };
    let mut cx = Context {
        notification: NoticeCx {
            id: n.id.0,
            requirement: n.requirement.to_string(),
            template: n.template.to_string(),
            version: n.template_version,
        },
        amended: n.template.starts_with("action-amended/"),
        recipient,
        action: None,
        report: None,
        appeal: None,
        reinstatement: None,
        llc_action: None,
        period: None,
        moderator: None,
        consultation: None,
        proposal: None,
        message: None,
        alert: None,
        page: None,
        link: None,
        announce_suspensions_over_days: modpod_policy::settings::ANNOUNCE_SUSPENSIONS_OVER_DAYS,
    };
    match &n.about {
        Subject::Action(id) => {
            let as_taken = n.template.starts_with("action-taken/")
                || modpod_policy::model::level_of_template(&n.template).is_some();
            cx.action = state
                .actions
                .get(id)
                .map(|a| action(state, a, public, as_taken));
            cx.consultation = consultation(state, n, *id);
        }
        Subject::Report(id) => {
            cx.report = state.reports.get(id).and_then(|r| report(state, r, &n.to));
        }
        Subject::CaseMessage {
            report: id,
            thread,
            number,
        } => {
            if let Some(r) = state.reports.get(id) {
                cx.report = report(state, r, &n.to);
                cx.message = message(state, r, &n.to, *thread, *number);
            }
            cx.page = Some(format!("/cases/{}#thread-{thread}", id.0));
        }
        Subject::Appeal(id) => {
            cx.appeal = state.appeals.get(id).map(|a| appeal(state, a, n, public));
        }
        Subject::Reinstatement(id) => {
            cx.reinstatement = state
                .reinstatements
                .get(id)
                .map(|r| reinstatement(state, r, public));
        }
        Subject::LlcAction(id) => {
            cx.llc_action = state.llc_actions.get(id).map(|a| llc(state, a, public));
        }
        Subject::Period(p) => {
            let iesg = matches!(n.to, Recipient::Iesg);
            cx.period = Some(PeriodCx {
                from: when(p.from),
                to: when(p.to),
                actions: if iesg {
                    state
                        .actions
                        .values()
                        .filter(|a| p.from <= a.taken_at && a.taken_at < p.to)
                        .map(|a| action(state, a, false, false))
                        .collect()
                } else {
                    Vec::new()
                },
                counts: (!iesg).then(|| modpod_policy::transparency::report(state, p.from, p.to)),
            });
        }
        Subject::Proposal(id) => {
            cx.proposal = state.proposals.get(id).map(|p| proposal(state, p));
        }
        Subject::Alert(id) => {
            let reached = views::reached(state, &n.to);
            cx.alert = state
                .alerts
                .get(id)
                .filter(|a| !reached.contains(&a.person))
                .map(|a| AlertCx {
                    id: a.id.0,
                    kind: a.kind.as_str(),
                    person: name(state, &a.person),
                    identity: a.identity.to_string(),
                    forum: a.forum.as_ref().map(|f| forum(state, f)),
                    seen: a.seen_at.map(when),
                    actions: a
                        .actions
                        .iter()
                        .filter_map(|id| state.actions.get(id))
                        .map(|x| action(state, x, false, false))
                        .collect(),
                });
        }
        Subject::Moderator(person) => {
            cx.moderator = Some(ModeratorCx {
                name: name(state, person),
                role: state
                    .flagged_to_step_down
                    .get(person)
                    .map(|r| r.to_string()),
            });
        }
    }
    if cx.page.is_none() {
        cx.page = page(state, n);
    }
    cx
}

/// The page of modpod where the recipient reads what a notification is
/// about, as they may see it: the case for those who handle a report, a
/// person's own status or reports for the people a case is about, the
/// record itself for those who decide it; none for the public recipients,
/// whose texts say all they may read.
fn page(state: &State, n: &Notification) -> Option<String> {
    let person = match &n.to {
        Recipient::Person { person } => Some(person),
        Recipient::Forum { .. } | Recipient::CommunityChannel => return None,
        _ => None,
    };
    let own = |subject: &modpod_policy::ids::PersonId| person == Some(subject);
    Some(match &n.about {
        Subject::Report(id) => match state.reports.get(id) {
            Some(r) if own(&r.reporter) => "/me/reports".to_owned(),
            Some(r) if own(&r.subject) => "/me".to_owned(),
            _ => format!("/cases/{}", id.0),
        },
        Subject::Action(id) => match state.actions.get(id) {
            Some(a) if own(&a.subject) => "/me".to_owned(),
            _ => format!("/actions/{}", id.0),
        },
        Subject::Appeal(id) => match state.appeals.get(id) {
            Some(a) if own(&a.appellant) => "/me".to_owned(),
            _ => format!("/appeals/{}", id.0),
        },
        Subject::Reinstatement(id) => match state.reinstatements.get(id) {
            Some(r) if own(&r.person) => "/me".to_owned(),
            _ => format!("/reinstatements/{}", id.0),
        },
        Subject::LlcAction(id) => match state.llc_actions.get(id) {
            Some(a) if own(&a.subject) => "/me".to_owned(),
            _ => format!("/llc/{}", id.0),
        },
        Subject::Proposal(id) => format!("/proposals#proposal-{}", id.0),
        Subject::Period(_) if matches!(n.to, Recipient::Iesg) => "/digest".to_owned(),
        Subject::Period(_) => "/transparency".to_owned(),
        Subject::Moderator(_) => "/roster".to_owned(),
        Subject::CaseMessage { report, .. } => format!("/cases/{}", report.0),
        // The person's page, unless the alert is about one of the team,
        // whose name its email withholds.
        Subject::Alert(id) => match state.alerts.get(id) {
            Some(a) if !state.is_moderator(&a.person) => format!("/people/{}", a.person),
            _ => return None,
        },
    })
}

fn kind(to: &Recipient) -> &'static str {
    match to {
        Recipient::Person { .. } => "person",
        Recipient::ModeratorTeam => "moderators",
        Recipient::ForumAdministrators { .. } => "administrators",
        Recipient::Forum { .. } => "forum",
        Recipient::CommunityChannel => "community",
        Recipient::Iesg => "iesg",
        Recipient::Iab => "iab",
        Recipient::IetfChair => "ietf_chair",
        Recipient::LlcBoard => "llc_board",
        Recipient::Ombudsteam => "ombudsteam",
    }
}

fn greeting(state: &State, to: &Recipient) -> String {
    match to {
        Recipient::Person { person } => name(state, person),
        Recipient::ModeratorTeam => "moderators".into(),
        Recipient::ForumAdministrators { forum } => {
            format!("administrators of {}", forum_name(state, forum))
        }
        Recipient::Forum { forum } => format!("participants of {}", forum_name(state, forum)),
        Recipient::CommunityChannel => "all".into(),
        Recipient::Iesg => "IESG".into(),
        Recipient::Iab => "IAB".into(),
        Recipient::IetfChair => "IETF chair".into(),
        Recipient::LlcBoard => "members of the IETF LLC board".into(),
        Recipient::Ombudsteam => "ombudsteam".into(),
    }
}

fn name(state: &State, person: &PersonId) -> String {
    state
        .people
        .get(person)
        .map_or_else(|| person.to_string(), |p| p.name.clone())
}

fn forum_name(state: &State, id: &ForumId) -> String {
    state
        .fora
        .get(id)
        .map_or_else(|| id.to_string(), |f| f.name.clone())
}

fn forum(state: &State, id: &ForumId) -> ForumCx {
    ForumCx {
        id: id.to_string(),
        name: forum_name(state, id),
    }
}

/// A moment as people read it, in UTC.
pub fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A length of time in words: "21 days", "3 days and 4 hours", "5 hours".
pub fn length(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let days = seconds / 86_400;
    let hours = (seconds % 86_400 + 3_599) / 3_600;
    match (days, hours) {
        (d, 0) => plural(d, "day"),
        (d, 24) => plural(d + 1, "day"),
        (0, h) => plural(h, "hour"),
        (d, h) => format!("{} and {}", plural(d, "day"), plural(h, "hour")),
    }
}

/// An action as its recipient may see it. `as_taken` gives the terms it was
/// taken with, before any amendment, for the notices of its taking.
fn action(state: &State, a: &Action, public: bool, as_taken: bool) -> ActionCx {
    let t = match a.amendments.first() {
        Some(first) if as_taken => &first.previous,
        _ => &a.terms,
    };
    let details = match &t.measure {
        Measure::Other { description } => Some(description.clone()),
        Measure::RateLimit { posts, per_seconds } => Some(format!(
            "at most {posts} post{} per {}",
            if *posts == 1 { "" } else { "s" },
            length(i64::from(*per_seconds))
        )),
        _ => None,
    };
    let (status, rescinded_reason) = match &a.status {
        ActionStatus::InForce => ("in force", None),
        ActionStatus::Rescinded { reason, .. } => ("rescinded", Some(reason.clone())),
        ActionStatus::Expired { .. } => ("expired", None),
    };
    let private = |s: Option<String>| s.filter(|_| !public);
    ActionCx {
        id: a.id.0,
        person: name(state, &a.subject),
        measure: t.measure.name(),
        kind: t.measure.kind(),
        details,
        fora: t.fora.iter().map(|f| forum(state, f)).collect(),
        starts: when(t.starts_at),
        ends: t.ends_at.map(when),
        length: t
            .ends_at
            .map(|end| length(end.as_second().saturating_sub(t.starts_at.as_second()))),
        restricts: t.measure.restricts(),
        spam: a.spam,
        suspension: t.measure.is_suspension(),
        indefinite_suspension: t.measure == Measure::IndefiniteSuspension,
        status,
        taken_as: match a.taken_as {
            Capacity::Administrator => "the forum's administrators".into(),
            Capacity::Moderator => "the moderator team".into(),
            Capacity::System => {
                "modpod, automatically, under the moderator team's procedures".into()
            }
            other => format!("the {}", other.as_str().replace('_', " ")),
        },
        taken_by: private(Some(name(state, &a.taken_by))),
        reason: private(Some(a.reason.clone())),
        rescinded_reason: private(rescinded_reason),
        amendment_reason: private(a.amendments.last().map(|m| m.reason.clone())),
        appeal: appeal_route(state, a),
        legacy: a.legacy.as_ref().map(|l| l.process.clone()),
        reinstatement_from: (t.measure == Measure::IndefiniteSuspension)
            .then(|| when(one_year_after(a.taken_at))),
        level: a.level.as_ref().and_then(|l| level(state, l.level)),
        next_level: a
            .level
            .as_ref()
            .and_then(|l| l.level.checked_add(1))
            .and_then(|n| level(state, n)),
        note: private(a.texts.as_ref().and_then(|t| t.to_person.clone())),
        note_to_list: a.texts.as_ref().and_then(|t| t.to_list.clone()),
        agreed_by: if public {
            Vec::new()
        } else {
            a.team
                .iter()
                .flat_map(|t| &t.agreed_by)
                .map(|p| name(state, p))
                .collect()
        },
    }
}

fn level(state: &State, n: u8) -> Option<LevelCx> {
    state.ladder().get(n).map(|l| LevelCx {
        level: l.level,
        name: l.name.clone(),
    })
}

/// A proposal as the team and its approver read it: the same for each.
fn proposal(state: &State, p: &Proposal) -> ProposalCx {
    let (reason, step, texts) = match &p.change {
        ProposedChange::TakeAction {
            reason,
            level,
            texts,
            ..
        } => (Some(reason.clone()), level.clone(), texts.clone()),
        ProposedChange::AmendAction { reason, .. }
        | ProposedChange::RescindAction { reason, .. } => (Some(reason.clone()), None, None),
    };
    let texts = texts.unwrap_or_default();
    ProposalCx {
        id: p.id.0,
        summary: p.change.summary(),
        proposed_by: name(state, &p.proposed_by),
        reason,
        level: step.as_ref().and_then(|l| level(state, l.level)),
        skip_reason: step.and_then(|l| l.skip_reason),
        to_person: texts.to_person,
        to_list: texts.to_list,
        waiting_for: p.waiting_for(p.proposed_at),
        expires: when(p.expires_at),
    }
}

/// The consultation a notification about an action is about: the latest
/// one asked, or the latest answered, for the team and the administrator.
fn consultation(state: &State, n: &Notification, id: ActionId) -> Option<ConsultationCx> {
    let answered = n.template.starts_with("consultation-answered");
    if !(answered || n.template.starts_with("consultation-requested")) {
        return None;
    }
    let c = state
        .actions
        .get(&id)?
        .consultations
        .iter()
        .rev()
        .find(|c| c.answer.is_some() == answered)?;
    Some(ConsultationCx {
        administrator: name(state, &c.administrator),
        note: c.note.clone(),
        moderator: c.moderator.as_ref().map(|m| name(state, m)),
        answer: c.answer.as_ref().map(|a| a.text.clone()),
    })
}

fn appeal_route(state: &State, a: &Action) -> AppealRouteCx {
    let first = match state.first_appeal(a) {
        (AppealLevel::AreaDirector, Some(ad)) => {
            format!("{}, the responsible Area Director", name(state, &ad))
        }
        (level, _) => level.name().to_owned(),
    };
    AppealRouteCx {
        first,
        then: vec![AppealLevel::Iesg.name(), AppealLevel::Iab.name()],
    }
}

fn report(state: &State, r: &Report, to: &Recipient) -> Option<ReportCx> {
    // REPORT-5: what the recipient reads of the report is the one decision
    // `views` makes for every channel.
    let view = views::report_for_recipient(state, to, r.id)?;
    let category = state
        .categories
        .iter()
        .find(|c| c.id == view.category)
        .map_or_else(|| view.category.clone(), |c| c.title.clone());
    let outcome = match &view.state {
        ReportState::Resolved { outcome } => Some(
            match outcome {
                ReportOutcome::ActionTaken { .. } => "action was taken",
                ReportOutcome::NoActionNeeded => "no action was needed",
                ReportOutcome::NotDisruptive => "the behaviour was found not to be disruptive",
                ReportOutcome::Duplicate { .. } => "it duplicated another report",
                ReportOutcome::ReferredElsewhere => "it was referred elsewhere",
            }
            .to_owned(),
        ),
        _ => None,
    };
    Some(ReportCx {
        id: view.id.0,
        forum: forum(state, &view.forum),
        person: name(state, &view.subject),
        reporter: view.reporter.as_ref().map(|p| name(state, p)),
        category,
        description: view.description,
        links: view.links.unwrap_or_default(),
        filed: when(view.filed_at),
        state: view.state.name(),
        outcome,
    })
}

fn message(
    state: &State,
    r: &Report,
    to: &Recipient,
    thread: Thread,
    number: u32,
) -> Option<MessageCx> {
    let m = state
        .case_messages
        .get(&r.id)?
        .iter()
        .find(|m| m.thread == thread && m.number == number)?;
    // MSG-1, REPORT-5: what the recipient may read of it is `views`' decision.
    let quoted = views::case_message_for_recipient(state, to, r.id, thread, number);
    Some(MessageCx {
        number,
        thread: m.thread.as_str(),
        from_party: views::thread_party(r, m.thread) == Some(&m.by),
        by: quoted.map(|m| name(state, &m.by)),
        text: quoted.map(|m| m.text.clone()),
    })
}

fn decision(state: &State, by: &PersonId, at: Timestamp, upheld: bool, why: &str) -> DecisionCx {
    DecisionCx {
        upheld,
        rationale: why.to_owned(),
        by: name(state, by),
        at: when(at),
    }
}

/// The step of an appeal a notification is about, so that a text composed
/// after the appeal moved on still speaks of the right one: a decision is
/// the last decided step's; a filing is the step before the recipient.
fn step_of<'a>(a: &'a Appeal, n: &Notification) -> Option<&'a AppealStep> {
    let mut steps = a.steps.iter().rev();
    if n.template.starts_with("appeal-decided") {
        return steps.find(|s| s.decision.is_some());
    }
    let mine = |s: &&AppealStep| match &n.to {
        Recipient::Person { person } => s.assigned_to.as_ref() == Some(person),
        Recipient::IetfChair => s.level == AppealLevel::IetfChair,
        Recipient::Iesg => s.level == AppealLevel::Iesg,
        Recipient::Iab => s.level == AppealLevel::Iab,
        _ => false,
    };
    steps.find(mine).or_else(|| a.current())
}

fn appeal(state: &State, a: &Appeal, n: &Notification, public: bool) -> AppealCx {
    let step = step_of(a, n);
    // A disagreement with a report closed without action is most often the
    // reporter's: a message that reaches the report's subject does not say
    // who disagrees, nor why (REPORT-5).
    let withheld = a
        .report
        .and_then(|r| state.reports.get(&r))
        .is_some_and(|r| {
            r.subject != a.appellant && views::reached(state, &n.to).contains(&r.subject)
        });
    AppealCx {
        id: a.id.0,
        action: a
            .action
            .and_then(|id| state.actions.get(&id))
            .map(|x| action(state, x, public, false)),
        report: a.report.map(|r| r.0),
        appellant: if withheld {
            "a participant".to_owned()
        } else {
            name(state, &a.appellant)
        },
        grounds: if withheld {
            "(shown to those who handle the report)".to_owned()
        } else {
            a.grounds.clone()
        },
        before: match step {
            Some(AppealStep {
                level: AppealLevel::AreaDirector,
                assigned_to: Some(ad),
                ..
            }) => format!("{}, the responsible Area Director", name(state, ad)),
            Some(s) => s.level.name().to_owned(),
            None => AppealLevel::IetfChair.name().to_owned(),
        },
        decision: step
            .and_then(|s| s.decision.as_ref())
            .map(|d| decision(state, &d.by, d.at, d.upheld, &d.rationale)),
        next: step.and_then(|s| s.level.next()).map(AppealLevel::name),
    }
}

fn reinstatement(state: &State, r: &ReinstatementRequest, public: bool) -> ReinstatementCx {
    let d = r.decision.as_ref();
    ReinstatementCx {
        id: r.id.0,
        person: name(state, &r.person),
        action: state
            .actions
            .get(&r.action)
            .map(|a| action(state, a, public, false)),
        statement: r.statement.clone(),
        reinstated: d.map(|d| d.reinstate),
        conditions: d.and_then(|d| d.conditions.clone()),
        rationale: d.map(|d| d.rationale.clone()),
        next_request_from: when(one_year_after(r.requested_at)),
    }
}

fn llc(state: &State, a: &LlcAction, public: bool) -> LlcActionCx {
    LlcActionCx {
        id: a.id.0,
        person: name(state, &a.subject),
        fora: a.fora.iter().map(|f| forum(state, f)).collect(),
        grounds: match (a.grounds, &a.grounds_description) {
            (LlcGrounds::CredibleThreatOfHarm, _) => "a credible threat of harm".into(),
            (LlcGrounds::SeriousLegalRisk, _) => "content bringing serious legal risk".into(),
            (LlcGrounds::CredibleThreatOfLegalAction, _) => {
                "a credible threat of legal action".into()
            }
            (LlcGrounds::Other, Some(d)) => d.clone(),
            (LlcGrounds::Other, None) => "other grounds".into(),
        },
        nature: a.nature.clone(),
        reason: (!public).then(|| a.reason.clone()),
        expected_duration: a.expected_duration.clone(),
        taken: when(a.taken_at),
        lifted: a.lifted_at.map(when),
        board_decision: a
            .board_review
            .as_ref()
            .and_then(|b| b.decision.as_ref())
            .map(|d| BoardDecisionCx {
                lift: d.lift,
                rationale: d.rationale.clone(),
                at: when(d.at),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::length;

    #[test]
    fn lengths_read_as_people_say_them() {
        assert_eq!(length(21 * 86_400), "21 days");
        assert_eq!(length(86_400), "1 day");
        assert_eq!(length(14 * 86_400 + 1), "14 days and 1 hour");
        assert_eq!(length(5 * 3_600), "5 hours");
        assert_eq!(length(2 * 86_400 + 86_399), "3 days");
    }
}
