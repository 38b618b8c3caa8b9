//! Setting modpod up, for those the policy lets do it: fora and working
//! groups, opt-ins of other bodies (FORUM-2) and settings (the operators);
//! delegations of a forum's administration (ROLE-2: the working group's
//! chairs, and the operators); the moderator team (TEAM-1, TEAM-2: the
//! IESG); the team's procedures (PROC-1: drafted and put to review by the
//! moderators, approved by the IESG), with the team's numbers and its
//! ladder (LADDER-1: each level's number, name, measure, days, whether the
//! IETF chair approves it and whether it sends a note to the list); the Note
//! Well (NOTEWELL-1: the operators and the IESG).
//!
//! Each section and each button is offered only when the policy permits the
//! viewer that kind of command about that record (`modpod_policy::permits`):
//! what is typed into it is the policy's to judge once it is sent. Every
//! form is recorded through `http::commands::execute`;
//! a refusal comes back beside its form with the requirement and the
//! policy's words, and what was typed is kept.

use super::form::{self, Failed, Fields, Problems};
use super::{Done, Posted, Viewer, WebError, me, permitted, permitted_as, see, submit};
use crate::http::App;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use minijinja::{Value, context};
use modpod_policy::ids::{ForumId, PersonId, WgId};
use modpod_policy::model::{Approver, Capacity, Ladder, Level, Organisation, ProceduresStatus};
use modpod_policy::settings::{SettingsChange, TeamNumbersChange};
use modpod_policy::{Actor, Command, State, views};
use modpod_policy::{Kind, Target};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Every organisation that may own a forum, as the forms name them.
const ORGANISATIONS: [(Organisation, &str); 6] = [
    (Organisation::Ietf, "ietf"),
    (Organisation::Irtf, "irtf"),
    (Organisation::Iab, "iab"),
    (Organisation::Rswg, "rswg"),
    (Organisation::Rsab, "rsab"),
    (Organisation::IndependentStream, "independent_stream"),
];

fn organisation(key: &str) -> Option<Organisation> {
    ORGANISATIONS
        .iter()
        .find(|(_, k)| *k == key)
        .map(|(o, _)| o.clone())
}

/// What the setup pages offer one person now.
#[derive(Debug, Default)]
struct Offers {
    working_group: Option<Capacity>,
    forum: Option<Capacity>,
    /// The organisations that may opt in, and as what.
    opt_in: Vec<(&'static str, String, Capacity)>,
    settings: Option<Capacity>,
    /// The fora whose administration the viewer may delegate, and as what.
    delegate: Vec<(ForumId, Capacity)>,
    /// The delegations the viewer may revoke: forum, delegate, and as what.
    revoke: Vec<(ForumId, PersonId, PersonId, Capacity)>,
    appoint: Option<Capacity>,
    recall: Option<Capacity>,
    draft: Option<Capacity>,
    open_review: Vec<(u32, Capacity)>,
    approve: Vec<(u32, Capacity)>,
    note_well: Option<Capacity>,
}

impl Offers {
    fn any(&self) -> bool {
        self.working_group.is_some()
            || self.forum.is_some()
            || !self.opt_in.is_empty()
            || self.settings.is_some()
            || !self.delegate.is_empty()
            || !self.revoke.is_empty()
            || self.appoint.is_some()
            || self.recall.is_some()
            || self.draft.is_some()
            || !self.open_review.is_empty()
            || !self.approve.is_empty()
            || self.note_well.is_some()
    }
}

fn offers(state: &State, person: &PersonId, now: Timestamp) -> Offers {
    let mut o = offers_but_fora(state, person, now);
    add_fora_offers(&mut o, state, person, now);
    o
}

/// Whether the policy permits `person` this command in the first of these
/// capacities that it does.
fn may(
    state: &State,
    person: &PersonId,
    now: Timestamp,
) -> impl Fn(&[Capacity], Kind, Target) -> Option<Capacity> {
    move |capacities, kind, target| permitted_as(state, person, capacities, kind, target, now)
}

/// The offers that are not about one forum or another: a few questions.
fn offers_but_fora(state: &State, person: &PersonId, now: Timestamp) -> Offers {
    use Capacity::{Iesg, Moderator, Operator};
    let may = may(state, person, now);
    let mut o = Offers {
        working_group: may(&[Operator], Kind::CreateWorkingGroup, Target::Nothing),
        forum: may(&[Operator], Kind::CreateForum, Target::Nothing),
        settings: may(&[Operator], Kind::ChangeSettings, Target::Nothing),
        appoint: may(&[Iesg], Kind::AppointModerator, Target::Nothing),
        recall: may(&[Iesg], Kind::RecallModerator, Target::Nothing),
        draft: may(&[Moderator], Kind::DraftProcedures, Target::Nothing),
        note_well: may(&[Operator, Iesg], Kind::PublishNoteWell, Target::Nothing),
        ..Offers::default()
    };
    for (org, key) in &ORGANISATIONS {
        if let Some(c) = may(&[Operator], Kind::OptIn, Target::Organisation(org)) {
            o.opt_in.push((key, org.to_string(), c));
        }
    }
    for p in state.procedures.values() {
        let target = Target::Procedures(p.version);
        if let Some(c) = may(&[Moderator], Kind::OpenProceduresReview, target) {
            o.open_review.push((p.version, c));
        }
        if let Some(c) = may(&[Iesg], Kind::ApproveProcedures, target) {
            o.approve.push((p.version, c));
        }
    }
    o
}

/// The delegations `person` may make or revoke: questions about every forum.
fn add_fora_offers(o: &mut Offers, state: &State, person: &PersonId, now: Timestamp) {
    use Capacity::{Administrator, Operator};
    let may = may(state, person, now);
    let delegators = [Administrator, Operator];
    // Each forum with the first capacity in which it may be delegated: the
    // policy names the fora, rather than being asked about each of them.
    let mut delegable = BTreeMap::new();
    for c in delegators {
        let actor = Actor::new(person.clone(), c);
        for forum in modpod_policy::delegable_fora(state, &actor, now) {
            delegable.entry(forum).or_insert(c);
        }
    }
    o.delegate = delegable.into_iter().collect();
    for forum in state.fora.values().filter(|f| !f.delegates.is_empty()) {
        for d in &forum.delegates {
            let target = Target::Delegation(&forum.id, &d.to);
            if let Some(c) = may(&delegators, Kind::RevokeDelegation, target) {
                o.revoke
                    .push((forum.id.clone(), d.to.clone(), d.by.clone(), c));
            }
        }
    }
}

/// Whether the setup pages offer `person` anything: the navigation's
/// "Setup" link, on every page. The questions about every forum are asked
/// only of those the others offer nothing.
pub(super) fn sets_up(state: &State, person: &PersonId, now: Timestamp) -> bool {
    let mut o = offers_but_fora(state, person, now);
    o.any() || {
        add_fora_offers(&mut o, state, person, now);
        o.any()
    }
}

/// The distinct capacities among offers, in order.
fn capacities<'a>(of: impl Iterator<Item = &'a Capacity>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for c in of {
        if !out.contains(&c.as_str()) {
            out.push(c.as_str());
        }
    }
    out
}

fn setup_page(
    state: &State,
    viewer: &Viewer,
    now: Timestamp,
    failed: Option<&Failed>,
    done: Option<&str>,
) -> Result<Value, WebError> {
    let person = &viewer.person;
    let o = offers(state, person, now);
    if !o.any() {
        return Err(WebError::Forbidden(
            "Setting modpod up is for the operators, the IESG, the moderators and the chairs \
             of working groups; there is nothing here you may set up."
                .into(),
        ));
    }
    let fora: Vec<_> = state
        .fora
        .values()
        .map(|f| {
            let delegations: Vec<_> = f
                .delegates
                .iter()
                .map(|d| {
                    let revoke = o
                        .revoke
                        .iter()
                        .find(|(forum, to, _, _)| forum == &f.id && to == &d.to)
                        .map(|(_, _, _, c)| c.as_str());
                    context! { to => d.to, by => d.by, revoke => revoke }
                })
                .collect();
            context! {
                id => f.id,
                name => f.name,
                kind => f.kind,
                organisation => f.organisation.to_string(),
                public => f.public,
                plenary => f.plenary,
                wg => f.wg,
                covered => state.policy_applies(f),
                administrators => state.administrators(f),
                moderators_administer => state.moderators_administer(f),
                delegations => delegations,
            }
        })
        .collect();
    // Eligibility (TEAM-2) of everybody who holds a role, as the policy
    // would answer appointing them; anyone else holds no role that could
    // exclude them.
    let candidates: Vec<_> = match o.appoint {
        Some(capacity) => state
            .people
            .values()
            .filter(|p| !p.roles.is_empty() && !state.is_moderator(&p.id))
            .map(|p| {
                let refusal = permitted(
                    state,
                    person,
                    capacity,
                    Kind::AppointModerator,
                    Target::Person(&p.id),
                    now,
                )
                .err()
                .map(|r| form::Refused {
                    requirement: r.requirement(),
                    message: r.to_string(),
                    unknown: None,
                });
                let roles: Vec<String> = p.roles.iter().map(ToString::to_string).collect();
                context! { id => p.id, name => p.name, roles => roles, refusal => refusal }
            })
            .collect(),
        None => Vec::new(),
    };
    let moderators: Vec<_> = views::roster(state)
        .into_iter()
        .map(|m| {
            let flagged = state
                .flagged_to_step_down
                .get(&m.person)
                .map(|r| r.to_string());
            context! { id => m.person, name => m.name, since => m.appointed_at, flagged => flagged }
        })
        .collect();
    let procedures: Vec<_> = state
        .procedures
        .values()
        .rev()
        .filter(|p| views::may_see_procedures(state, Some(person), p))
        .map(|p| {
            let review = o
                .open_review
                .iter()
                .find(|(v, _)| *v == p.version)
                .map(|(_, c)| c.as_str());
            let approve = o
                .approve
                .iter()
                .find(|(v, _)| *v == p.version)
                .map(|(_, c)| c.as_str());
            let status = match p.status {
                ProceduresStatus::Draft => "draft",
                ProceduresStatus::InCommunityReview => "in community review",
                ProceduresStatus::Approved => "approved",
            };
            context! { p => p, status => status, review => review, approve => approve }
        })
        .collect();
    let delegable: Vec<_> = o
        .delegate
        .iter()
        .filter_map(|(id, _)| state.fora.get(id))
        .map(|f| context! { id => f.id, name => f.name })
        .collect();
    let opt_in: Vec<_> = o
        .opt_in
        .iter()
        .map(|(key, name, _)| context! { key => key, name => name })
        .collect();
    let organisations: Vec<_> = ORGANISATIONS
        .iter()
        .map(|(org, key)| context! { key => key, name => org.to_string() })
        .collect();
    let opted_in: Vec<_> = state
        .opted_in
        .iter()
        .map(|(org, reference)| context! { name => org.to_string(), reference => reference })
        .collect();
    let warnings = state.team_warnings();
    let (failed_step, form, problems) = match failed {
        Some(f) => (Some(f.step.as_str()), f.form.kept(), Some(&f.problems)),
        None => (None, Fields::default().kept(), None),
    };
    let next_procedures = state.procedures.keys().next_back().map_or(1, |v| v + 1);
    let next_note_well = state.note_wells.keys().next_back().map_or(1, |v| v + 1);
    Ok(context! {
        me => me(state, viewer),
        working_group => o.working_group.map(Capacity::as_str),
        forum => o.forum.map(Capacity::as_str),
        opt_in => opt_in,
        opt_in_as => o.opt_in.first().map(|(_, _, c)| c.as_str()),
        settings_as => o.settings.map(Capacity::as_str),
        settings => state.settings,
        team_numbers => team_numbers(state),
        ladder_rows => ladder_rows(state, failed.filter(|f| f.step == "draft").map(|f| &f.form)),
        ladder_measures => Ladder::MEASURES,
        delegable => delegable,
        delegate_as => capacities(o.delegate.iter().map(|(_, c)| c)),
        appoint => o.appoint.map(Capacity::as_str),
        recall => o.recall.map(Capacity::as_str),
        draft => o.draft.map(Capacity::as_str),
        note_well_as => o.note_well.map(Capacity::as_str),
        fora => fora,
        working_groups => state.working_groups.values().collect::<Vec<_>>(),
        organisations => organisations,
        opted_in => opted_in,
        candidates => candidates,
        moderators => moderators,
        warnings => warnings,
        procedures => procedures,
        note_wells => state.note_wells.values().rev().collect::<Vec<_>>(),
        next_procedures => next_procedures,
        next_note_well => next_note_well,
        failed => failed_step,
        form => form,
        problems => problems,
        done => done,
    })
}

/// `GET /setup`.
pub(super) async fn page(
    Extract(app): Extract<App>,
    viewer: Viewer,
    Done(done): Done,
) -> Result<Response, WebError> {
    super::show(&app, StatusCode::OK, "setup.html", move |state, now| {
        setup_page(state, &viewer, now, None, done)
    })
    .await
}

/// A name typed into a field, parsed as an identifier.
fn id<T>(
    form: &Fields,
    problems: &mut Problems,
    name: &'static str,
    parse: fn(&str) -> Result<T, modpod_policy::ids::BadId>,
) -> Option<T> {
    let value = problems.required(form, name);
    if value.is_empty() {
        return None;
    }
    parse(value)
        .map_err(|e| problems.field(name, e.to_string()))
        .ok()
}

/// An optional name: empty is `None`.
fn optional_id<T>(
    form: &Fields,
    problems: &mut Problems,
    name: &'static str,
    parse: fn(&str) -> Result<T, modpod_policy::ids::BadId>,
) -> Option<T> {
    let value = form.trimmed(name);
    if value.is_empty() {
        return None;
    }
    parse(value)
        .map_err(|e| problems.field(name, e.to_string()))
        .ok()
}

/// A version number: a whole number of at least 1.
fn version(form: &Fields, problems: &mut Problems) -> Option<u32> {
    match form.trimmed("version").parse::<u32>() {
        Ok(v) if v > 0 => Some(v),
        _ => {
            problems.field("version", "Give a whole number of at least 1.");
            None
        }
    }
}

/// A setting: a whole number.
fn number(form: &Fields, problems: &mut Problems, name: &'static str) -> Option<u32> {
    form.trimmed(name)
        .parse::<u32>()
        .map_err(|_| problems.field(name, "Give a whole number."))
        .ok()
}

/// The team's numbers in force, each with its field name and words, for the
/// draft form (PROC-1).
fn team_numbers(state: &State) -> Vec<Value> {
    let n = state.numbers();
    [
        (
            "escalation_hours",
            "Hours before an unacknowledged report escalates to the moderators (REPORT-4)",
            n.escalation_hours,
        ),
        (
            "resolution_days",
            "Days after an acknowledgement before an unresolved report escalates (REPORT-4)",
            n.resolution_days,
        ),
        (
            "several_fora_window_days",
            "Days within which reports on several fora are \"at the same time\" (ACT-2)",
            n.several_fora_window_days,
        ),
        (
            "iesg_digest_days",
            "Days between the IESG's digests (NOTIFY-2)",
            n.iesg_digest_days,
        ),
        (
            "community_report_days",
            "Days between community reports (NOTIFY-5)",
            n.community_report_days,
        ),
        (
            "step_down_grace_days",
            "Days a moderator who took an excluded role may go on acting (TEAM-2)",
            n.step_down_grace_days,
        ),
        (
            "quorum",
            "Moderators who must agree before the team's action takes effect, the proposer counting (TEAM-5)",
            n.quorum,
        ),
        (
            "proposal_days",
            "Days a proposal of the team stays open for agreement (TEAM-5)",
            n.proposal_days,
        ),
        (
            "circumvention_alert_hours",
            "Hours between two alerts about one person on one forum (CIRCUMVENT-1)",
            n.circumvention_alert_hours,
        ),
        (
            "volume_posts",
            "Posts in the window over which the policy server limits a sender's rate; 0: never (REPORT-6)",
            n.volume_posts,
        ),
        (
            "volume_minutes",
            "The volume rule's window, in minutes (REPORT-6)",
            n.volume_minutes,
        ),
        (
            "volume_limit_hours",
            "Hours the volume rule's rate limit lasts (REPORT-6)",
            n.volume_limit_hours,
        ),
    ]
    .into_iter()
    .map(|(name, label, value)| context! { name, label, value })
    .collect()
}

/// The names of the fields of each level of the ladder on the draft form
/// (LADDER-1), `ladder_<row>_<what>`, for as many levels as a ladder has.
struct LevelFields {
    level: String,
    name: String,
    measure: String,
    days: String,
    approval: String,
    note_to_list: String,
}

static LEVEL_FIELDS: LazyLock<Vec<LevelFields>> = LazyLock::new(|| {
    (0..Ladder::MOST)
        .map(|row| {
            let f = |what: &str| format!("ladder_{row}_{what}");
            LevelFields {
                level: f("level"),
                name: f("name"),
                measure: f("measure"),
                days: f("days"),
                approval: f("approval"),
                note_to_list: f("note_to_list"),
            }
        })
        .collect()
});

/// The rows of the ladder on the draft form: the ladder in force, then two
/// empty rows for new levels (at most as many as a ladder has), or what was
/// typed when the form came back.
fn ladder_rows(state: &State, typed: Option<&Fields>) -> Vec<Value> {
    let ladder = state.ladder();
    let rows = (ladder.0.len() + 2).min(Ladder::MOST);
    LEVEL_FIELDS
        .iter()
        .take(rows)
        .enumerate()
        .map(|(row, names)| {
            let value = |name: &str, in_force: Option<String>| match typed {
                Some(form) => form.get(name).to_owned(),
                None => in_force.unwrap_or_default(),
            };
            let level = ladder.0.get(row);
            context! {
                row => row,
                level_name => names.level,
                level => value(&names.level, Some(level.map_or(row, |l| usize::from(l.level)).to_string())),
                name_name => names.name,
                name => value(&names.name, level.map(|l| l.name.clone())),
                measure_name => names.measure,
                measure => value(&names.measure, level.map(|l| l.measure.clone())),
                days_name => names.days,
                days => value(&names.days, level.and_then(|l| l.days).map(|d| d.to_string())),
                approval_name => names.approval,
                approval => value(&names.approval, level.and_then(|l| l.approval).map(|_| "ietf_chair".to_owned())) == "ietf_chair",
                note_name => names.note_to_list,
                note_to_list => value(&names.note_to_list, level.filter(|l| l.note_to_list).map(|_| "yes".to_owned())) == "yes",
            }
        })
        .collect()
}

/// The ladder the draft form gives: each row with anything typed in it is a
/// level (a row whose name and measure are empty is none); no level at all
/// keeps the ladder in force. What cannot be read is named by its field;
/// the policy judges the rest (levels from 0 without a gap, a measure it
/// has, days for a suspension).
fn ladder(form: &Fields, problems: &mut Problems) -> Option<Option<Ladder>> {
    let mut levels = Vec::new();
    let mut sound = true;
    for names in LEVEL_FIELDS.iter() {
        if form.trimmed(&names.name).is_empty() && form.trimmed(&names.measure).is_empty() {
            continue;
        }
        let level = form.trimmed(&names.level).parse::<u8>().ok();
        if level.is_none() {
            problems.field(&names.level, "Give the level's number: 0, 1, 2, ...");
        }
        let name = problems.required(form, &names.name).to_owned();
        let measure = form.trimmed(&names.measure);
        if !Ladder::MEASURES.contains(&measure) {
            problems.field(&names.measure, "Choose the measure taken at this level.");
        }
        let days = match form.trimmed(&names.days) {
            "" => Some(None),
            days => days
                .parse::<u32>()
                .map(Some)
                .map_err(|_| problems.field(&names.days, "Give a whole number of days, or none."))
                .ok(),
        };
        match (level, days) {
            (Some(level), Some(days))
                if !name.is_empty() && Ladder::MEASURES.contains(&measure) =>
            {
                levels.push(Level {
                    level,
                    name,
                    measure: measure.to_owned(),
                    days,
                    approval: (form.get(&names.approval) == "ietf_chair")
                        .then_some(Approver::IetfChair),
                    note_to_list: form.get(&names.note_to_list) == "yes",
                });
            }
            _ => sound = false,
        }
    }
    sound.then(|| (!levels.is_empty()).then_some(Ladder(levels)))
}

/// Where the policy's names of fields, and of records not found, go on the
/// setup forms.
const FIELDS: [(&str, &str); 36] = [
    ("ladder", "ladder"),
    ("ladder.level", "ladder"),
    ("ladder.name", "ladder"),
    ("ladder.measure", "ladder"),
    ("ladder.days", "ladder"),
    ("name", "name"),
    ("kind", "kind"),
    ("area", "area"),
    ("working group", "wg"),
    ("reference", "reference"),
    ("version", "version"),
    ("title", "title"),
    ("text", "text"),
    ("reason", "reason"),
    ("policy_effective_at", "policy_effective_at"),
    ("warn_team_below", "warn_team_below"),
    ("numbers.escalation_hours", "escalation_hours"),
    ("numbers.resolution_days", "resolution_days"),
    (
        "numbers.several_fora_window_days",
        "several_fora_window_days",
    ),
    ("numbers.iesg_digest_days", "iesg_digest_days"),
    ("numbers.community_report_days", "community_report_days"),
    ("numbers.step_down_grace_days", "step_down_grace_days"),
    ("numbers.quorum", "quorum"),
    ("numbers.proposal_days", "proposal_days"),
    (
        "numbers.circumvention_alert_hours",
        "circumvention_alert_hours",
    ),
    ("numbers.volume_posts", "volume_posts"),
    ("numbers.volume_minutes", "volume_minutes"),
    ("numbers.volume_limit_hours", "volume_limit_hours"),
    ("forum", "forum"),
    ("moderator", "person"),
    ("procedures version", "version"),
    ("Note Well version", "version"),
    ("delegation", "to"),
    ("time_zone", "time_zone"),
    ("links", "links"),
    ("organisation", "organisation"),
];

/// Where "there is no person ..." goes: the field that names a person.
fn person_field(step: &str) -> &'static str {
    match step {
        "delegate" | "revoke" => "to",
        "working-group" | "forum" => "responsible_ad",
        _ => "person",
    }
}

/// The command a setup form asks for, and the capacity it is asked in.
pub(super) fn command(step: &str, form: &Fields, problems: &mut Problems) -> Option<Command> {
    Some(match step {
        "working-group" => {
            let wg = id(form, problems, "wg", WgId::parse);
            problems.required(form, "name");
            let responsible_ad = optional_id(form, problems, "responsible_ad", PersonId::parse);
            let area = Some(form.trimmed("area").to_owned()).filter(|a| !a.is_empty());
            Command::CreateWorkingGroup {
                wg: wg?,
                name: form.get("name").to_owned(),
                area,
                responsible_ad,
            }
        }
        "forum" => {
            let forum = id(form, problems, "forum", ForumId::parse);
            problems.required(form, "name");
            problems.required(form, "kind");
            let org = organisation(form.trimmed("organisation"));
            if org.is_none() {
                problems.field("organisation", "Choose the organisation that owns it.");
            }
            let wg = optional_id(form, problems, "wg", WgId::parse);
            let responsible_ad = optional_id(form, problems, "responsible_ad", PersonId::parse);
            Command::CreateForum {
                forum: forum?,
                name: form.get("name").to_owned(),
                kind: form.trimmed("kind").to_owned(),
                organisation: org?,
                public: form.get("public") == "yes",
                plenary: form.get("plenary") == "yes",
                wg,
                responsible_ad,
            }
        }
        "opt-in" => {
            let org = organisation(form.trimmed("organisation"));
            if org.is_none() {
                problems.field("organisation", "Choose the body that opts in.");
            }
            problems.required(form, "reference");
            Command::OptIn {
                organisation: org?,
                reference: form.get("reference").to_owned(),
            }
        }
        "settings" => {
            let effective = form
                .trimmed("policy_effective_at")
                .parse::<Timestamp>()
                .map_err(|_| {
                    problems.field(
                        "policy_effective_at",
                        "Give an RFC 3339 time, e.g. 2026-02-01T00:00:00Z.",
                    )
                })
                .ok();
            let warn_team_below = number(form, problems, "warn_team_below");
            Command::ChangeSettings {
                settings: SettingsChange {
                    policy_effective_at: Some(effective?),
                    warn_team_below: Some(warn_team_below?),
                    ..SettingsChange::default()
                },
            }
        }
        "delegate" | "revoke" => {
            let forum = id(form, problems, "forum", ForumId::parse);
            let to = id(form, problems, "to", PersonId::parse);
            let (forum, to) = (forum?, to?);
            if step == "delegate" {
                Command::DelegateAdministration { forum, to }
            } else {
                Command::RevokeDelegation { forum, to }
            }
        }
        "appoint" => Command::AppointModerator {
            person: id(form, problems, "person", PersonId::parse)?,
        },
        "recall" => {
            let person = id(form, problems, "person", PersonId::parse);
            problems.required(form, "reason");
            Command::RecallModerator {
                person: person?,
                reason: form.get("reason").to_owned(),
            }
        }
        "draft" => {
            let version = version(form, problems);
            problems.required(form, "title");
            problems.required(form, "text");
            let mut numbers = TeamNumbersChange::default();
            for (name, slot) in [
                ("escalation_hours", &mut numbers.escalation_hours),
                ("resolution_days", &mut numbers.resolution_days),
                (
                    "several_fora_window_days",
                    &mut numbers.several_fora_window_days,
                ),
                ("iesg_digest_days", &mut numbers.iesg_digest_days),
                ("community_report_days", &mut numbers.community_report_days),
                ("step_down_grace_days", &mut numbers.step_down_grace_days),
                ("quorum", &mut numbers.quorum),
                ("proposal_days", &mut numbers.proposal_days),
                (
                    "circumvention_alert_hours",
                    &mut numbers.circumvention_alert_hours,
                ),
                ("volume_posts", &mut numbers.volume_posts),
                ("volume_minutes", &mut numbers.volume_minutes),
                ("volume_limit_hours", &mut numbers.volume_limit_hours),
            ] {
                if !form.trimmed(name).is_empty() {
                    *slot = number(form, problems, name);
                }
            }
            let ladder = ladder(form, problems);
            Command::DraftProcedures {
                ladder: ladder?,
                version: version?,
                title: form.get("title").to_owned(),
                text: form.get("text").to_owned(),
                numbers,
            }
        }
        "open-review" => Command::OpenProceduresReview {
            version: version(form, problems)?,
        },
        "approve" => Command::ApproveProcedures {
            version: version(form, problems)?,
        },
        "note-well" => {
            let version = version(form, problems);
            problems.required(form, "text");
            let links = form
                .get("links")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            Command::PublishNoteWell {
                version: version?,
                text: form.get("text").to_owned(),
                links,
            }
        }
        _ => return None,
    })
}

/// The steps, with the word `done_message` shows after each.
const STEPS: [(&str, &str); 12] = [
    ("working-group", "setup-working-group"),
    ("forum", "setup-forum"),
    ("opt-in", "setup-opt-in"),
    ("settings", "setup-settings"),
    ("delegate", "setup-delegate"),
    ("revoke", "setup-revoke"),
    ("appoint", "setup-appoint"),
    ("recall", "setup-recall"),
    ("draft", "setup-draft"),
    ("open-review", "setup-open-review"),
    ("approve", "setup-approve"),
    ("note-well", "setup-note-well"),
];

/// `POST /setup/{step}`.
pub(super) async fn step(
    Extract(app): Extract<App>,
    Path(step): Path<String>,
    Posted { viewer, form }: Posted,
) -> Result<Response, WebError> {
    let Some((step, done)) = STEPS.iter().copied().find(|(s, _)| *s == step) else {
        return Err(WebError::NotFound);
    };
    let mut problems = Problems::default();
    let capacity = form::capacity(&form, &mut problems);
    let command = command(step, &form, &mut problems);
    let built = capacity.zip(command);
    let Some((status, mut problems)) =
        submit(&app, &viewer.person, built, problems, &FIELDS).await?
    else {
        return Ok(see(&format!("/setup?done={done}#{step}")));
    };
    // "There is no person ..." goes next to the field that named them.
    if let Some(refusal) = problems.refusal.as_ref()
        && refusal.unknown == Some("person")
    {
        let message = refusal.message.clone();
        problems.refusal = None;
        problems.field(person_field(step), message);
    }
    let failed = Failed {
        step: step.to_owned(),
        form,
        problems,
    };
    super::show(&app, status, "setup.html", move |state, now| {
        setup_page(state, &viewer, now, Some(&failed), None)
    })
    .await
}
