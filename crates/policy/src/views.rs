//! What each person may see (REPORT-5, ACT-7). The HTTP API and the pages show
//! records only through these functions, so that privacy is decided here, once.

use crate::command::Actor;
use crate::ids::{ActionId, ForumId, PersonId, ReportId};
use crate::model::*;
use crate::refusal::Refusal;
use crate::requirement::Requirement;
use crate::state::State;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A report as one viewer may see it. `reporter` is `None` for anyone but the
/// reporter and those who handle the report, and always `None` for its
/// subject (REPORT-5). The reporter's own words and links identify them as
/// surely as their name: the subject reads neither (`None`), only that the
/// report exists, its forum, category and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportView {
    pub id: ReportId,
    pub forum: ForumId,
    pub subject: PersonId,
    pub reporter: Option<PersonId>,
    pub category: String,
    pub description: Option<String>,
    pub links: Option<Vec<String>>,
    pub filed_at: Timestamp,
    pub state: ReportState,
    pub acknowledged_at: Option<Timestamp>,
    pub escalated_at: Option<Timestamp>,
    /// Who has taken the report on: shown only to those who handle it.
    pub assignee: Option<PersonId>,
}

/// Whether the viewer handles reports on this forum: its administrators, and
/// the moderators on public fora.
pub fn handles_reports_on(state: &State, viewer: &Actor, forum: &Forum) -> bool {
    match viewer.capacity {
        Capacity::Administrator => state.is_administrator(&viewer.person, forum),
        Capacity::Moderator => forum.public && state.is_moderator(&viewer.person),
        _ => false,
    }
}

/// The fora on which `person` handles reports in some capacity they hold
/// ([`handles_reports_on`] as an administrator or as a moderator), in the
/// order of their ids: as a moderator every public forum, as an
/// administrator their own.
pub fn fora_handled_by<'a>(state: &'a State, person: &'a PersonId) -> Vec<&'a Forum> {
    let handler = Handler::of(state, person);
    state.fora.values().filter(|f| handler.handles(f)).collect()
}

/// [`fora_handled_by`] asked forum by forum, for those who ask about many
/// reports without listing every forum: whether `person` handles reports on
/// a forum as an administrator or as a moderator, their roles looked up
/// once.
pub struct Handler<'s> {
    state: &'s State,
    person: &'s PersonId,
    record: Option<&'s Person>,
    moderator: bool,
}

impl<'s> Handler<'s> {
    pub fn of(state: &'s State, person: &'s PersonId) -> Self {
        Handler {
            state,
            person,
            record: state.people.get(person),
            moderator: state.is_moderator(person),
        }
    }

    /// Whether they handle reports on `forum`.
    pub fn handles(&self, forum: &Forum) -> bool {
        (self.moderator && forum.public)
            || crate::state::administers(self.record, self.person, forum)
    }

    /// Whether they handle reports on any forum.
    pub fn anywhere(&self) -> bool {
        self.state.fora.values().any(|f| self.handles(f))
    }

    /// The fora they handle, in the order of their ids, when there are at
    /// most `n`; else none (only as many are looked at as it takes to know).
    pub fn at_most(&self, n: usize) -> Option<Vec<&'s Forum>> {
        let fora: Vec<&Forum> = self
            .state
            .fora
            .values()
            .filter(|f| self.handles(f))
            .take(n.saturating_add(1))
            .collect();
        (fora.len() <= n).then_some(fora)
    }
}

/// Whom a case's thread is with, besides those who handle the report: its
/// subject for [`Thread::Person`], its reporter for [`Thread::Reporter`],
/// nobody for the team's notes.
pub fn thread_party(report: &Report, thread: Thread) -> Option<&PersonId> {
    match thread {
        Thread::Person => Some(&report.subject),
        Thread::Reporter => Some(&report.reporter),
        Thread::Team => None,
    }
}

/// Whether `person` reads this thread of the report (MSG-1): the thread
/// with them, whoever they are; every thread, for those who handle the
/// report in any capacity they hold, unless it is about them: its subject
/// never reads the reporter's thread nor the team's notes (REPORT-5).
/// Nobody else reads any.
pub fn may_read_thread(state: &State, person: &PersonId, report: &Report, thread: Thread) -> bool {
    if thread_party(report, thread) == Some(person) {
        return true;
    }
    &report.subject != person
        && state.fora.get(&report.forum).is_some_and(|forum| {
            [Capacity::Administrator, Capacity::Moderator]
                .into_iter()
                .any(|c| handles_reports_on(state, &Actor::new(person.clone(), c), forum))
        })
}

/// One of a case's threads as its reader sees it, its messages oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreadView {
    pub thread: Thread,
    pub messages: Vec<CaseMessage>,
}

/// The threads of report `id` that `person` reads ([`may_read_thread`]),
/// each with its messages, in the order of [`Thread::ALL`]; none for
/// anyone else, or for a report that does not exist.
pub fn threads(state: &State, person: &PersonId, id: ReportId) -> Vec<ThreadView> {
    let Some(report) = state.reports.get(&id) else {
        return Vec::new();
    };
    let messages = state.case_messages.get(&id).map_or(&[][..], Vec::as_slice);
    Thread::ALL
        .into_iter()
        .filter(|t| may_read_thread(state, person, report, *t))
        .map(|thread| ThreadView {
            thread,
            messages: messages
                .iter()
                .filter(|m| m.thread == thread)
                .cloned()
                .collect(),
        })
        .collect()
}

/// The message a notification to `to` may quote (MSG-1): one in a thread
/// that every person the notification reaches reads, so that a group the
/// subject is in never reads the reporter's thread (REPORT-5). `None` for a
/// public recipient.
pub fn case_message_for_recipient<'a>(
    state: &'a State,
    to: &Recipient,
    id: ReportId,
    thread: Thread,
    number: u32,
) -> Option<&'a CaseMessage> {
    if matches!(to, Recipient::Forum { .. } | Recipient::CommunityChannel) {
        return None;
    }
    let report = state.reports.get(&id)?;
    let message = state
        .case_messages
        .get(&id)?
        .iter()
        .find(|m| m.thread == thread && m.number == number)?;
    reached(state, to)
        .iter()
        .all(|p| may_read_thread(state, p, report, thread))
        .then_some(message)
}

/// How much of a report one reader may read (REPORT-5). Every channel asks
/// this one question: the pages and the API through [`report`], each
/// notification through [`report_for_recipient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// The reporter, or those who handle it: everything.
    Whole,
    /// The subject, or a group the subject is in: that it exists, its forum,
    /// category and state; no reporter, none of the reporter's words or
    /// links, no assignee.
    AsSubject,
}

fn read_as(r: &Report, reading: Reading, handler: bool, reporter: bool) -> ReportView {
    let whole = reading == Reading::Whole;
    ReportView {
        id: r.id,
        forum: r.forum.clone(),
        subject: r.subject.clone(),
        reporter: (whole && (reporter || handler)).then(|| r.reporter.clone()),
        category: r.category.clone(),
        description: whole.then(|| r.description.clone()),
        links: whole.then(|| r.links.clone()),
        filed_at: r.filed_at,
        state: r.state.clone(),
        acknowledged_at: r.acknowledged_at,
        escalated_at: r.escalated_at,
        assignee: r.assignee.clone().filter(|_| whole && handler),
    }
}

/// The report as the viewer may see it, or `None` if they may not see it at all.
pub fn report(state: &State, viewer: &Actor, id: ReportId) -> Option<ReportView> {
    let r = state.reports.get(&id)?;
    let forum = state.fora.get(&r.forum)?;
    let handler = handles_reports_on(state, viewer, forum);
    let reporter = viewer.person == r.reporter;
    let subject = viewer.person == r.subject;
    if !(handler || reporter || subject || hears_appeal_about(state, &viewer.person, id)) {
        return None;
    }
    // Never the whole report to its subject, even one who handles reports
    // on the forum, or who reported themselves.
    let reading = if subject {
        Reading::AsSubject
    } else {
        Reading::Whole
    };
    Some(read_as(r, reading, handler, reporter))
}

/// Whether `person` hears a disagreement or an appeal about report `id`
/// (the report itself, closed without action, or an action citing it): the
/// AD or IETF chair it went to, and the IESG and the IAB once it reached
/// them (APPEAL-1, APPEAL-2). They read the report it is about, what it
/// says and links to, not who filed it (REPORT-5 keeps the reporter to
/// those who handle it).
fn hears_appeal_about(state: &State, person: &PersonId, id: ReportId) -> bool {
    state.appeals.values().any(|appeal| {
        appeal_reports(state, appeal).any(|r| r == id) && hears(state, person, appeal)
    })
}

/// The reports an appeal is about: the report it disagrees with, or those
/// the action it disagrees with cites.
fn appeal_reports<'a>(state: &'a State, appeal: &'a Appeal) -> impl Iterator<Item = ReportId> + 'a {
    let cited = appeal
        .action
        .as_ref()
        .and_then(|a| state.actions.get(a))
        .into_iter()
        .flat_map(|a| a.reports.iter().copied());
    appeal.report.into_iter().chain(cited)
}

/// Whether `person` hears the appeal at any of its steps.
fn hears(state: &State, person: &PersonId, appeal: &Appeal) -> bool {
    appeal.steps.iter().any(|step| match step.level {
        AppealLevel::AreaDirector => step.assigned_to.as_ref() == Some(person),
        AppealLevel::IetfChair => {
            step.assigned_to.as_ref() == Some(person) || state.holds(person, &Role::IetfChair)
        }
        AppealLevel::Iesg => on_iesg(state, person),
        AppealLevel::Iab => state.holds(person, &Role::IabMember),
    })
}

/// The people a notification to `to` reaches by their roles: a person; the
/// sitting moderators; a forum's administrators (and the moderators, where
/// they administer it, ROLE-3); the holders of a body's role. A forum and the
/// community channel reach the public: nobody in particular.
pub fn reached(state: &State, to: &Recipient) -> BTreeSet<PersonId> {
    let holders = |role: fn(&Role) -> bool| -> BTreeSet<PersonId> {
        state
            .people
            .values()
            .filter(|p| p.roles.iter().any(role))
            .map(|p| p.id.clone())
            .collect()
    };
    match to {
        Recipient::Person { person } => BTreeSet::from([person.clone()]),
        Recipient::ModeratorTeam => state.moderators.keys().cloned().collect(),
        Recipient::ForumAdministrators { forum } => match state.fora.get(forum) {
            Some(f) => {
                let mut out = state.administrators(f);
                if state.moderators_administer(f) {
                    out.extend(state.moderators.keys().cloned());
                }
                out
            }
            None => BTreeSet::new(),
        },
        Recipient::Forum { .. } | Recipient::CommunityChannel => BTreeSet::new(),
        Recipient::Iesg => holders(Role::is_iesg),
        Recipient::Iab => holders(|r| *r == Role::IabMember),
        Recipient::IetfChair => holders(|r| *r == Role::IetfChair),
        Recipient::LlcBoard => holders(|r| *r == Role::LlcBoardMember),
        Recipient::Ombudsteam => holders(|r| *r == Role::Ombudsperson),
    }
}

/// The report as a notification to `to` may show it (REPORT-5, PRIV-1), or
/// `None` for a public recipient. A person reads it as [`report`] shows it
/// to them. Those who handle it (the forum's administrators, the moderator
/// team, the ombudsteam it is referred to) read the whole report, unless the
/// subject is one of them: then the group's message is the subject's, since
/// the subject reads it too.
pub fn report_for_recipient(state: &State, to: &Recipient, id: ReportId) -> Option<ReportView> {
    let r = state.reports.get(&id)?;
    let handles = match to {
        Recipient::Person { person } => return report_for(state, person, id),
        Recipient::Forum { .. } | Recipient::CommunityChannel => return None,
        Recipient::ForumAdministrators { .. } | Recipient::Ombudsteam => true,
        Recipient::ModeratorTeam => state.fora.get(&r.forum).is_some_and(|f| f.public),
        Recipient::Iesg | Recipient::Iab | Recipient::IetfChair | Recipient::LlcBoard => false,
    };
    let reading = if handles && !reached(state, to).contains(&r.subject) {
        Reading::Whole
    } else {
        Reading::AsSubject
    };
    Some(read_as(r, reading, handles, false))
}

/// An action as `person` may read it, once [`may_see_action`] says they may
/// see it at all. Its subject reads the terms, the reason as the acting
/// person wrote it for them, its changes and how to disagree; not the
/// evidence (the links a report gave are copied there, and would name the
/// reporter, REPORT-5) nor the administrators' consultations of the team.
pub fn action_as_seen_by(person: &PersonId, action: &Action) -> Action {
    let mut seen = action.clone();
    if !reads_evidence(person, action) {
        seen.evidence.clear();
        seen.consultations.clear();
    }
    seen
}

/// Whether one who may see the action reads its evidence: all but its
/// subject (see [`action_as_seen_by`]).
fn reads_evidence(person: &PersonId, action: &Action) -> bool {
    &action.subject != person
}

/// One evidence link of an action as a reader sees it (EVIDENCE-1): the
/// link, the SHA-256 given with it by whoever acted (what they saw), and
/// what modpod found there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceView {
    pub url: String,
    pub sha256_given: Option<String>,
    #[serde(flatten)]
    pub status: EvidenceStatus,
}

/// What modpod found at an evidence link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EvidenceStatus {
    /// modpod has not fetched it (yet).
    NotYetFetched,
    /// Fetched once: the hash and size of what it held then, whether that
    /// is what the person acting saw (when they gave a hash), and what the
    /// last check since found.
    Fetched {
        sha256: String,
        size: u64,
        retrieved_at: Timestamp,
        matches_given: Option<bool>,
        last_check: Option<EvidenceCheck>,
    },
    /// It could not be read when modpod fetched it, and why.
    Unavailable { reason: String, tried_at: Timestamp },
}

/// A check of an evidence link against what was first fetched there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceCheck {
    pub at: Timestamp,
    #[serde(flatten)]
    pub result: CheckResult,
}

/// Each evidence link of the action with what modpod found there, for those
/// who read its evidence: whoever may see the action ([`may_see_action`])
/// but its subject. Nobody else, and never the public (PRIV-1): empty.
pub fn evidence(state: &State, person: &PersonId, action: &Action) -> Vec<EvidenceView> {
    if !reads_evidence(person, action) || !may_see_action(state, person, action) {
        return Vec::new();
    }
    action
        .evidence
        .iter()
        .map(|e| EvidenceView {
            url: e.url.clone(),
            sha256_given: e.sha256.clone(),
            status: evidence_status(state.evidence_record(action.id, &e.url), e),
        })
        .collect()
}

fn evidence_status(record: Option<&EvidenceRecord>, given: &Evidence) -> EvidenceStatus {
    let Some(record) = record else {
        return EvidenceStatus::NotYetFetched;
    };
    let tried_at = record.retrieved.at;
    match &record.retrieved.outcome {
        FetchOutcome::Found { sha256, size } => EvidenceStatus::Fetched {
            sha256: sha256.clone(),
            size: *size,
            retrieved_at: tried_at,
            matches_given: given
                .sha256
                .as_ref()
                .map(|h| h.eq_ignore_ascii_case(sha256)),
            last_check: record.last_check.as_ref().zip(record.check_result()).map(
                |(check, result)| EvidenceCheck {
                    at: check.at,
                    result,
                },
            ),
        },
        FetchOutcome::Gone { status } => EvidenceStatus::Unavailable {
            reason: format!("gone (HTTP {status})"),
            tried_at,
        },
        FetchOutcome::Unavailable { reason } => EvidenceStatus::Unavailable {
            reason: reason.clone(),
            tried_at,
        },
    }
}

/// A person's moderation history across all fora (ACT-7): visible to the person
/// themselves and to those who may act (administrators and moderators), so that
/// further actions are informed and consistent.
pub fn history<'a>(
    state: &'a State,
    viewer: &Actor,
    person: &PersonId,
) -> Result<Vec<&'a Action>, Refusal> {
    let may_act = match viewer.capacity {
        Capacity::Moderator => state.is_moderator(&viewer.person),
        Capacity::Administrator => state
            .fora
            .values()
            .any(|f| state.is_administrator(&viewer.person, f)),
        _ => false,
    };
    if &viewer.person != person && !may_act {
        return Err(Refusal::not_permitted(
            Requirement::Act7,
            "a person's moderation history is visible to them and to administrators and moderators",
        ));
    }
    if !state.people.contains_key(person) {
        return Err(Refusal::unknown("person", person));
    }
    Ok(state.history(person))
}

/// Whether a person sits on the IESG: an Area Director, the IETF chair, or a
/// member.
pub fn on_iesg(state: &State, person: &PersonId) -> bool {
    state.holds_any(person, |r| {
        matches!(
            r,
            Role::AreaDirector { .. } | Role::IetfChair | Role::IesgMember
        )
    })
}

/// Who may see an action: its subject; those who may act on its fora (their
/// administrators, and the moderators), so that further actions are informed
/// (ACT-7); and those who hear appeals of it (APPEAL-1..3): the fora's
/// responsible ADs, the IESG and the IAB. Nobody else: actions are not public
/// records beyond what is announced (NOTIFY-3/4) and counted (PRIV-1).
pub fn may_see_action(state: &State, person: &PersonId, action: &Action) -> bool {
    ActionViewer::new(state, person).sees(action)
}

/// [`may_see_action`] for one viewer and many actions: what depends only on
/// the viewer is worked out once.
pub struct ActionViewer<'a> {
    person: &'a PersonId,
    /// Moderators, the IESG and the IAB see every action.
    sees_all: bool,
    /// The fora whose actions the viewer sees: those they administer or are
    /// the responsible AD of.
    fora: BTreeSet<&'a ForumId>,
}

/// Whether a person sees every action (ACT-7): a moderator, on the IESG or
/// the IAB.
pub fn sees_every_action(state: &State, person: &PersonId) -> bool {
    state.is_moderator(person) || on_iesg(state, person) || state.holds(person, &Role::IabMember)
}

impl<'a> ActionViewer<'a> {
    pub fn new(state: &'a State, person: &'a PersonId) -> ActionViewer<'a> {
        let sees_all = sees_every_action(state, person);
        let fora = if sees_all {
            BTreeSet::new()
        } else {
            state
                .fora
                .values()
                .filter(|f| {
                    state.is_administrator(person, f)
                        || state.responsible_ad(f).as_ref() == Some(person)
                })
                .map(|f| &f.id)
                .collect()
        };
        ActionViewer {
            person,
            sees_all,
            fora,
        }
    }

    pub fn sees(&self, action: &Action) -> bool {
        self.sees_all
            || &action.subject == self.person
            || action.terms.fora.iter().any(|f| self.fora.contains(f))
    }
}

/// An appeal: its appellant, and whoever may see the action appealed.
pub fn may_see_appeal(state: &State, person: &PersonId, appeal: &Appeal) -> bool {
    may_see_appeal_as(state, &ActionViewer::new(state, person), appeal)
}

/// [`may_see_appeal`] for one viewer and many appeals. A disagreement with a
/// report closed without action is seen by its appellant, by those who
/// handle the report (its subject never: the appellant is most often the
/// reporter, REPORT-5), and by those who hear it: the AD it went to, the
/// IESG and the IAB.
pub fn may_see_appeal_as(state: &State, viewer: &ActionViewer<'_>, appeal: &Appeal) -> bool {
    let person = viewer.person;
    if &appeal.appellant == person {
        return true;
    }
    match (appeal.action, appeal.report) {
        (Some(action), _) => state.actions.get(&action).is_some_and(|a| viewer.sees(a)),
        (None, Some(report)) => {
            let Some(r) = state.reports.get(&report) else {
                return false;
            };
            let hears = on_iesg(state, person)
                || state.holds(person, &Role::IabMember)
                || appeal
                    .steps
                    .iter()
                    .any(|s| s.assigned_to.as_ref() == Some(person));
            &r.subject != person
                && (hears
                    || report_for(state, person, report).is_some_and(|v| v.description.is_some()))
        }
        (None, None) => false,
    }
}

/// A reinstatement request: its requester, and whoever may see the action.
pub fn may_see_reinstatement(
    state: &State,
    person: &PersonId,
    request: &ReinstatementRequest,
) -> bool {
    may_see_reinstatement_as(state, &ActionViewer::new(state, person), request)
}

/// [`may_see_reinstatement`] for one viewer and many requests.
pub fn may_see_reinstatement_as(
    state: &State,
    viewer: &ActionViewer<'_>,
    request: &ReinstatementRequest,
) -> bool {
    &request.person == viewer.person
        || state
            .actions
            .get(&request.action)
            .is_some_and(|action| viewer.sees(action))
}

/// An LLC emergency action (LLC-1/2): its subject, the LLC's staff and board,
/// and the IESG and the moderators, each unless legal advice withheld it from
/// them.
pub fn may_see_llc_action(state: &State, person: &PersonId, llc: &LlcAction) -> bool {
    &llc.subject == person
        || state.holds_any(person, |r| {
            matches!(r, Role::LlcStaff | Role::LlcBoardMember)
        })
        || (!llc.withheld(LlcAudience::Iesg) && on_iesg(state, person))
        || (!llc.withheld(LlcAudience::Moderators) && state.is_moderator(person))
}

/// The report as someone holding several capacities may see it: the widest
/// view among them (a moderator who also chairs a group sees what either
/// sees), with the subject's privacy kept whichever capacity shows it.
pub fn report_for(state: &State, person: &PersonId, id: ReportId) -> Option<ReportView> {
    [
        Capacity::Moderator,
        Capacity::Administrator,
        Capacity::Participant,
    ]
    .into_iter()
    .find_map(|capacity| report(state, &Actor::new(person.clone(), capacity), id))
}

/// A moderator on the public roster (TEAM-4): enough for a participant to
/// pick one they are comfortable contacting, and no more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterEntry {
    pub person: PersonId,
    pub name: String,
    pub time_zone: Option<String>,
    pub availability: Vec<Window>,
    pub appointed_at: Timestamp,
}

/// The public moderator roster, in order of appointment.
pub fn roster(state: &State) -> Vec<RosterEntry> {
    let mut roster: Vec<RosterEntry> = state
        .moderators
        .iter()
        .filter_map(|(id, appointed_at)| {
            let person = state.people.get(id)?;
            Some(RosterEntry {
                person: id.clone(),
                name: person.name.clone(),
                time_zone: person.time_zone.clone(),
                availability: person.availability.clone(),
                appointed_at: *appointed_at,
            })
        })
        .collect();
    roster.sort_by(|a, b| (a.appointed_at, &a.person).cmp(&(b.appointed_at, &b.person)));
    roster
}

/// Monday 00:00 UTC of the week `now` falls in.
pub fn week_start(now: Timestamp) -> Timestamp {
    let day = jiff::tz::TimeZone::UTC.to_datetime(now).date();
    let back = i64::from(day.weekday().to_monday_zero_offset());
    let monday_noon = crate::time::add_days(now, -back);
    let monday = jiff::tz::TimeZone::UTC.to_datetime(monday_noon).date();
    jiff::tz::TimeZone::UTC
        .to_timestamp(monday.to_datetime(jiff::civil::Time::midnight()))
        .unwrap_or(now)
}

/// Coverage (TEAM-4): for each of the 168 hours (UTC) of the week starting at
/// `week_start`, how many moderators are available, each by their own windows
/// in their own time zone (so daylight saving time moves them as it should).
/// Hours with zero are the hours nobody covers.
pub fn coverage(state: &State, week_start: Timestamp) -> Vec<u32> {
    let mut counts = vec![0u32; 168];
    for id in state.moderators.keys() {
        let Some(person) = state.people.get(id) else {
            continue;
        };
        let Some(tz) = person
            .time_zone
            .as_deref()
            .and_then(|name| jiff::tz::TimeZone::get(name).ok())
        else {
            continue;
        };
        for (hour, count) in counts.iter_mut().enumerate() {
            let at = crate::time::add_seconds(week_start, hour as i64 * 3600);
            let local = tz.to_datetime(at);
            let (day, h) = (Day::from_jiff(local.weekday()), local.hour());
            let available = person.availability.iter().any(|w| {
                w.day == day
                    && i16::from(w.from_hour) <= i16::from(h)
                    && i16::from(h) < i16::from(w.to_hour)
            });
            if available {
                *count += 1;
            }
        }
    }
    counts
}

/// Whether [`report_for`] shows the report to `person` at all, without
/// building the view: the reporter, the subject, and those who handle reports
/// on its forum in any capacity they hold.
pub fn may_see_report(state: &State, person: &PersonId, report: &Report) -> bool {
    &report.reporter == person
        || &report.subject == person
        || state.fora.get(&report.forum).is_some_and(|forum| {
            (forum.public && state.is_moderator(person)) || state.is_administrator(person, forum)
        })
        || hears_appeal_about(state, person, report.id)
}

/// [`may_see_report`] for every report of a list, with what it asks of the
/// person (the fora they handle, the appeals they hear) worked out once.
pub struct ReportsSeen<'a> {
    person: &'a PersonId,
    /// The fora on which they handle reports in any capacity they hold, in
    /// order.
    handled: Vec<&'a ForumId>,
    /// The reports about which they hear an appeal.
    heard: BTreeSet<ReportId>,
}

impl<'a> ReportsSeen<'a> {
    pub fn by(state: &'a State, person: &'a PersonId) -> Self {
        let mut handled: Vec<&ForumId> = fora_handled_by(state, person)
            .into_iter()
            .map(|f| &f.id)
            .collect();
        handled.sort_unstable();
        handled.dedup();
        let heard = state
            .appeals
            .values()
            .filter(|appeal| hears(state, person, appeal))
            .flat_map(|appeal| appeal_reports(state, appeal))
            .collect();
        ReportsSeen {
            person,
            handled,
            heard,
        }
    }

    pub fn sees(&self, report: &Report) -> bool {
        &report.reporter == self.person
            || &report.subject == self.person
            || self.handles(&report.forum)
            || self.heard.contains(&report.id)
    }

    fn handles(&self, forum: &ForumId) -> bool {
        self.handled.binary_search(&forum).is_ok()
    }

    /// The reports they see on no forum they handle: those they filed, those
    /// about them and those they hear an appeal about, by number.
    fn beyond_their_fora(&self, state: &State) -> BTreeSet<ReportId> {
        let own = state.reports_by(self.person);
        let about = state.reports_about(self.person);
        let heard = self.heard.iter().filter_map(|id| state.report(id));
        own.chain(about)
            .chain(heard)
            .filter(|r| !self.handles(&r.forum))
            .map(|r| r.id)
            .collect()
    }

    /// The reports they see, in the order they were filed: from the indexes
    /// when they handle no forum (they see few), otherwise every report
    /// asked in turn.
    pub fn reports(&self, state: &'a State) -> Box<dyn Iterator<Item = &'a Report> + '_> {
        if self.handled.is_empty() {
            let ids = self.beyond_their_fora(state);
            Box::new(ids.into_iter().filter_map(|id| state.report(&id)))
        } else {
            Box::new(
                state
                    .reports
                    .values()
                    .map(Arc::as_ref)
                    .filter(|r| self.sees(r)),
            )
        }
    }

    /// How many reports they see, from the indexes: the reports on the fora
    /// they handle, and the others they see.
    pub fn count(&self, state: &State) -> usize {
        // Both in the order of the fora's ids: one pass over each.
        let mut handled = self.handled.iter().peekable();
        let mut on_their_fora = 0;
        for (forum, ids) in &state.reports_by_forum {
            while handled.next_if(|h| **h < forum).is_some() {}
            if handled.peek().is_some_and(|h| **h == forum) {
                on_their_fora += ids.len();
            }
        }
        on_their_fora + self.beyond_their_fora(state).len()
    }
}

/// Whether a person reads the IESG digest (NOTIFY-2): it is the IESG's, so
/// those who sit on it.
pub fn may_see_digest(state: &State, person: &PersonId) -> bool {
    on_iesg(state, person)
}

/// The IESG digest of one period as a page shows it (NOTIFY-2): the actions
/// taken in it, as the emailed digest lists them (spam actions too, marked as
/// such: ACT-5 spares them the reporting, not the record),
/// and what else the IESG follows: the appeals filed or decided in it, the
/// reinstatement requests made or decided in it, and the LLC's emergency
/// actions taken, reviewed or lifted in it (LLC-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digest<'a> {
    pub period: Period,
    /// Issued (emailed) already; otherwise the period under way.
    pub issued: bool,
    pub actions: Vec<&'a Action>,
    pub appeals: Vec<&'a Appeal>,
    pub reinstatements: Vec<&'a ReinstatementRequest>,
    pub llc_actions: Vec<&'a LlcAction>,
}

/// The periods of the digests issued so far, oldest first: the IESG is owed
/// news of a period for its digest (NOTIFY-2) and for nothing else.
pub fn issued_digests(state: &State) -> Vec<Period> {
    let periods: BTreeSet<Period> = state
        .notifications
        .values()
        .filter_map(|n| match (&n.to, &n.about) {
            (Recipient::Iesg, Subject::Period(period)) => Some(*period),
            _ => None,
        })
        .collect();
    periods.into_iter().collect()
}

/// The period under way at `now`: from the end of the last digest (or the
/// log's set-up, or one digest period back when that is not recorded) to
/// `now`, as the scheduler will issue it.
pub fn current_digest_period(state: &State, now: Timestamp) -> Period {
    let days = i64::from(state.numbers().iesg_digest_days.max(1));
    let from = state
        .digest_until
        .or(state.bootstrapped_at)
        .unwrap_or_else(|| crate::time::add_days(now, -days));
    Period {
        from: from.min(now),
        to: now,
    }
}

/// The digest of `period` as `person` may read it, or `None` when they may
/// not read the digest at all ([`may_see_digest`]). Each record in it is
/// also one the person may see.
pub fn digest<'a>(
    state: &'a State,
    person: &PersonId,
    period: Period,
    issued: bool,
) -> Option<Digest<'a>> {
    if !may_see_digest(state, person) {
        return None;
    }
    let within = |t: Timestamp| period.from <= t && t < period.to;
    let viewer = ActionViewer::new(state, person);
    let actions = state
        .actions
        .values()
        .map(Arc::as_ref)
        .filter(|a| within(a.taken_at) && viewer.sees(a))
        .collect();
    let appeals = state
        .appeals
        .values()
        .filter(|a| {
            a.steps
                .iter()
                .any(|s| within(s.filed_at) || s.decision.as_ref().is_some_and(|d| within(d.at)))
        })
        .filter(|a| may_see_appeal_as(state, &viewer, a))
        .collect();
    let reinstatements = state
        .reinstatements
        .values()
        .filter(|r| within(r.requested_at) || r.decision.as_ref().is_some_and(|d| within(d.at)))
        .filter(|r| may_see_reinstatement_as(state, &viewer, r))
        .collect();
    let llc_actions = state
        .llc_actions
        .values()
        .filter(|a| {
            within(a.taken_at)
                || a.lifted_at.is_some_and(within)
                || a.board_review.as_ref().is_some_and(|r| {
                    within(r.requested_at) || r.decision.as_ref().is_some_and(|d| within(d.at))
                })
        })
        .filter(|a| may_see_llc_action(state, person, a))
        .collect();
    Some(Digest {
        period,
        issued,
        actions,
        appeals,
        reinstatements,
        llc_actions,
    })
}

/// Whether a person reads what legal advice said about an LLC emergency
/// action (LLC-1): the LLC's staff and board and the IESG, not its subject.
pub fn may_see_llc_legal_advice(state: &State, person: &PersonId) -> bool {
    state.holds_any(person, |r| {
        matches!(r, Role::LlcStaff | Role::LlcBoardMember)
    }) || on_iesg(state, person)
}

/// An LLC emergency action as one viewer may see it: the record, the words
/// of the legal advice left out unless [`may_see_llc_legal_advice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LlcActionView {
    pub action: LlcAction,
    /// Legal advice limited who is told (LLC-1).
    pub withheld: bool,
    /// Who was told of it.
    pub told: Vec<LlcAudience>,
}

/// The LLC emergency action as `person` may see it ([`may_see_llc_action`]).
pub fn llc_action_for(
    state: &State,
    person: &PersonId,
    id: crate::ids::LlcActionId,
) -> Option<LlcActionView> {
    let action = state
        .llc_actions
        .get(&id)
        .filter(|a| may_see_llc_action(state, person, a))?;
    let mut action = action.clone();
    let withheld = action.withheld_on_legal_advice.is_some();
    let told = [
        LlcAudience::Iesg,
        LlcAudience::Moderators,
        LlcAudience::Community,
    ]
    .into_iter()
    .filter(|a| !action.withheld(*a))
    .collect();
    if !may_see_llc_legal_advice(state, person) {
        action.withheld_on_legal_advice = None;
        action.withheld_from.clear();
    }
    Some(LlcActionView {
        action,
        withheld,
        told,
    })
}

/// A person and the accounts linked to them, for those who may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonView {
    pub id: PersonId,
    pub name: String,
    pub time_zone: Option<String>,
    pub roles: Vec<Role>,
    pub identities: Vec<Identity>,
    pub moderator: bool,
}

/// Who may see a person and their linked identities: the person themself;
/// those who may see their history because they may act (ACT-7: the
/// moderators, and the administrators of any forum), so that an action
/// follows the person whichever account they use; and the operators, who
/// register people and link their accounts. Never the public.
pub fn may_see_person(state: &State, viewer: &PersonId, person: &PersonId) -> bool {
    viewer == person
        || state.is_moderator(viewer)
        || state.holds(viewer, &Role::Operator)
        || state
            .fora
            .values()
            .any(|f| state.is_administrator(viewer, f))
}

/// The person as `viewer` may see them, or `None` if they may not (or there
/// is no such person).
pub fn person(state: &State, viewer: &PersonId, id: &PersonId) -> Option<PersonView> {
    let found = state.people.get(id)?;
    may_see_person(state, viewer, id).then(|| PersonView {
        id: found.id.clone(),
        name: found.name.clone(),
        time_zone: found.time_zone.clone(),
        roles: found.roles.iter().cloned().collect(),
        identities: found.identities.iter().cloned().collect(),
        moderator: state.is_moderator(id),
    })
}

/// Who may read a version of the moderator team's procedures (PROC-1): an
/// approved version, anybody; one in community review, every logged-in
/// member of the community (`viewer` is `Some`), who are asked to review it;
/// a draft, only those who draft and approve it: the moderators and the IESG.
pub fn may_see_procedures(
    state: &State,
    viewer: Option<&PersonId>,
    procedures: &Procedures,
) -> bool {
    match procedures.status {
        ProceduresStatus::Approved => true,
        ProceduresStatus::InCommunityReview => viewer.is_some_and(|v| state.people.contains_key(v)),
        ProceduresStatus::Draft => {
            viewer.is_some_and(|v| state.is_moderator(v) || on_iesg(state, v))
        }
    }
}

/// A suspension as it is announced to the public (NOTIFY-3, PRIV-1): the
/// person's name, the measure, the fora and the dates; never a reason,
/// evidence, a reporter or who took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Announcement {
    pub action: ActionId,
    /// The name of the person suspended.
    pub name: String,
    /// `temporary_suspension` or `indefinite_suspension`.
    pub measure: &'static str,
    pub fora: Vec<ForumId>,
    pub starts_at: Timestamp,
    /// `None`: indefinite.
    pub ends_at: Option<Timestamp>,
}

/// The suspensions the policy announces, while they are in force at `now`:
/// exactly those for which an announcement to a forum was owed (NOTIFY-3: over
/// 14 days, or asked for by the person), newest first. A suspension rescinded
/// or over is no longer listed: nothing beyond what the policy requires is
/// public (PRIV-1).
pub fn announcements(state: &State, now: Timestamp) -> Vec<Announcement> {
    let mut out: Vec<Announcement> = state
        .announced
        .iter()
        .filter_map(|id| state.actions.get(id))
        .filter(|a| a.terms.measure.is_suspension())
        .filter(|a| a.in_force() && a.terms.ends_at.is_none_or(|end| now < end))
        .map(|a| Announcement {
            action: a.id,
            name: state
                .people
                .get(&a.subject)
                .map_or_else(|| a.subject.to_string(), |p| p.name.clone()),
            measure: a.terms.measure.kind(),
            fora: a.terms.fora.clone(),
            starts_at: a.terms.starts_at,
            ends_at: a.terms.ends_at,
        })
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse((a.starts_at, a.action)));
    out
}

/// Who may read how modpod stands with the registry of groups (FORUM-5): the
/// last sync's changes, its conflicts with what was set by hand and the rows
/// it skipped, and the closed fora. The operators, who keep the registry.
pub fn may_see_registry(state: &State, viewer: &PersonId) -> bool {
    state.holds(viewer, &Role::Operator)
}

/// Whether `viewer` may make a one-time link that sets an account's
/// password: an operator, who keeps the login accounts.
pub fn may_reset_passwords(state: &State, viewer: &PersonId) -> bool {
    state.holds(viewer, &Role::Operator)
}

/// The level of the team's ladder that a person's history suggests for the
/// next action (LADDER-1): one above the highest level of the actions taken
/// on them at a level, across all fora, as far as the ladder goes; the first
/// level when there are none. Rescinded actions and spam do not count.
pub fn suggested_level(state: &State, person: &PersonId) -> u8 {
    let highest = state
        .actions_by_subject
        .get(person)
        .filter_map(|id| state.action(id))
        .filter(|a| !a.spam && !matches!(a.status, ActionStatus::Rescinded { .. }))
        .filter_map(|a| a.level.as_ref().map(|l| l.level))
        .max();
    match highest {
        None => 0,
        Some(l) => l.saturating_add(1).min(state.ladder().top()),
    }
}

/// TEAM-5, LADDER-1: whether a person may read a proposal of the team: the
/// moderators, and whoever must approve it; never the person it is about,
/// who hears of the change once it is made (its reason may come from a
/// report, REPORT-5).
pub fn may_see_proposal(state: &State, person: &PersonId, p: &Proposal) -> bool {
    if proposal_about(state, &p.change) == Some(person) {
        return false;
    }
    state.is_moderator(person)
        || match p.approval {
            Some(Approver::IetfChair) => state.holds(person, &Role::IetfChair),
            None => false,
        }
}

/// Who a proposed change is about: the action's subject, or that of the
/// action it amends or rescinds.
pub fn proposal_about<'a>(state: &'a State, change: &'a ProposedChange) -> Option<&'a PersonId> {
    match change {
        ProposedChange::TakeAction { subject, .. } => Some(subject),
        ProposedChange::AmendAction { action, .. }
        | ProposedChange::RescindAction { action, .. } => {
            state.actions.get(action).map(|a| &a.subject)
        }
    }
}

/// The proposals a person may read, the open ones first, newest first.
pub fn proposals_for<'a>(state: &'a State, person: &PersonId, now: Timestamp) -> Vec<&'a Proposal> {
    let mut out: Vec<&Proposal> = state
        .proposals
        .values()
        .rev()
        .filter(|p| may_see_proposal(state, person, p))
        .collect();
    out.sort_by_key(|p| !p.is_open(now));
    out
}

/// CIRCUMVENT-1: whether a person may read an alert to the moderator team:
/// the sitting moderators, but never the person it is about. Nobody else,
/// the public included.
pub fn may_see_alert(state: &State, person: &PersonId, alert: &Alert) -> bool {
    state.is_moderator(person) && &alert.person != person
}

/// The alerts a person may read, the newest first.
pub fn alerts_for<'a>(state: &'a State, person: &PersonId) -> Vec<&'a Alert> {
    state
        .alerts
        .values()
        .rev()
        .filter(|a| may_see_alert(state, person, a))
        .collect()
}
