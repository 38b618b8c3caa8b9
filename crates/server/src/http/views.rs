//! The records each caller may see. Who may see what is decided by
//! `modpod_policy::views`, once, for the API and the pages alike: a record the
//! caller may not see answers 404, exactly like one that does not exist, so
//! that its existence is not given away.
//!
//! Every list is paginated (`offset`, `limit` up to 500, `total` in the
//! answer) and filtered by its query parameters; an unknown parameter is a 400.

use super::auth::Caller;
use super::{ApiError, App};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State as Extract};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use jiff::Timestamp;
use modpod_policy::ids::{ActionId, ForumId, PersonId, ReportId};
use modpod_policy::model::{
    Action, Alert, Appeal, Capacity, LlcAction, NoteWell, ProceduresStatus, ReinstatementRequest,
    Report,
};
use modpod_policy::views::{self, ReportView};
use modpod_policy::{Actor, State};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The most items one page may hold.
pub const MAX_LIMIT: usize = 500;
const DEFAULT_LIMIT: usize = 50;

/// Query parameters, with every way they can be wrong answered as a 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|rejection: QueryRejection| ApiError::bad_request(rejection.body_text()))
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    /// How many items match, on all pages.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub items: Vec<T>,
}

/// The page `[offset, offset + limit)` of `matching`, counting them all;
/// only the items on the page are turned into what is shown.
fn page<T, U>(
    matching: impl Iterator<Item = T>,
    offset: usize,
    limit: Option<usize>,
    mut show: impl FnMut(T) -> U,
) -> Result<Paged<U>, ApiError> {
    let limit = checked_limit(limit)?;
    let mut total = 0;
    let mut items = Vec::new();
    for item in matching {
        if total >= offset && items.len() < limit {
            items.push(show(item));
        }
        total += 1;
    }
    Ok(Paged {
        total,
        offset,
        limit,
        items,
    })
}

/// [`page`] of a list whose length is known (`total`): it reads no further
/// than the page.
fn page_of<T, U>(
    matching: impl Iterator<Item = T>,
    total: usize,
    offset: usize,
    limit: Option<usize>,
    show: impl FnMut(T) -> U,
) -> Result<Paged<U>, ApiError> {
    let limit = checked_limit(limit)?;
    Ok(Paged {
        total,
        offset,
        limit,
        items: matching.skip(offset).take(limit).map(show).collect(),
    })
}

fn checked_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_LIMIT}"
        )));
    }
    Ok(limit)
}

fn not_found(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such {what}, or not one you may see"),
    )
}

fn parse_person(s: &str) -> Result<PersonId, ApiError> {
    PersonId::parse(s).map_err(|e| ApiError::bad_request(format!("person: {e}")))
}

fn parse_forum(s: &str) -> Result<ForumId, ApiError> {
    ForumId::parse(s).map_err(|e| ApiError::bad_request(format!("forum: {e}")))
}

/// Runs `f` on the state the engine published last, on a blocking thread
/// (see [`AppParts::read`]).
async fn read<T: Send + 'static>(
    app: &App,
    f: impl FnOnce(&State) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    app.read(move |view| f(&view.state)).await
}

/// The caller as the policy knows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub person: String,
    pub name: String,
    pub time_zone: Option<String>,
    /// The roles held, e.g. `wg_chair:tls`, `area_director:sec`.
    pub roles: Vec<String>,
    pub moderator: bool,
    /// The actions in force on the caller now (their own status).
    #[schema(value_type = Vec<Object>)]
    pub restrictions: Vec<Action>,
}

/// Who am I, and what is in force on me?
#[utoipa::path(get, path = "/v1/me", responses(
    (status = 200, description = "The caller", body = Me),
    (status = 401, description = "Not logged in", body = ApiError)))]
pub(super) async fn me(Extract(app): Extract<App>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let person = caller.person()?.clone();
    let now = Timestamp::now();
    read(&app, move |state| {
        let found = state
            .people
            .get(&person)
            .ok_or_else(|| not_found("person"))?;
        Ok(Json(Me {
            person: person.to_string(),
            name: found.name.clone(),
            time_zone: found.time_zone.clone(),
            roles: found.roles.iter().map(|r| r.key()).collect(),
            moderator: state.is_moderator(&person),
            restrictions: state
                .restrictions_at(&person, now)
                .into_iter()
                .map(|a| views::action_as_seen_by(&person, a))
                .collect(),
        }))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ForaQuery {
    /// Only fora of this kind, e.g. `mailing-list`.
    kind: Option<String>,
    /// Only the fora of this working group.
    wg: Option<String>,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForumView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub organisation: String,
    pub public: bool,
    pub plenary: bool,
    pub wg: Option<String>,
    /// The people who administer it (ROLE-2, ROLE-3): its named
    /// administrators, the chairs of its working group when it is public,
    /// and their delegates.
    pub administrators: Vec<String>,
    /// To whom its administration was delegated, and by whom (ROLE-2).
    pub delegations: Vec<DelegationView>,
    /// Whether the moderators administer it (ROLE-3): a plenary forum, or
    /// one without administrators.
    pub moderators_administer: bool,
    /// The AD disagreements go to (FORUM-4), if any.
    pub responsible_ad: Option<String>,
    /// Whether this policy covers it (FORUM-2).
    pub covered: bool,
}

/// A delegation of a forum's administration (ROLE-2).
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationView {
    /// The delegate.
    pub to: String,
    /// The chair (or operator) who delegated.
    pub by: String,
}

/// The fora: public ones for everybody; a non-public forum only for its
/// administrators, the moderators and the operators.
#[utoipa::path(get, path = "/v1/fora", params(ForaQuery), responses(
    (status = 200, description = "A page of fora", body = Paged<ForumView>)))]
pub(super) async fn fora(
    Extract(app): Extract<App>,
    caller: Caller,
    uri: Uri,
    ApiQuery(q): ApiQuery<ForaQuery>,
) -> Result<Response, ApiError> {
    let viewer = caller.person().ok().cloned();
    let view = app.view();
    // Callers see the public fora, or all of them (the moderators and the
    // operators): those two lists are kept for everybody who sees them. An
    // administrator of a non-public forum sees it as well: a list of their own.
    let state = &view.state;
    let sees_all = viewer.as_ref().is_some_and(|p| {
        state.is_moderator(p) || state.holds(p, &modpod_policy::model::Role::Operator)
    });
    let own = match viewer.as_ref() {
        Some(p) if !sees_all && state.administered_by(p).any(|f| !f.public) => Some(p.clone()),
        _ => None,
    };
    let own_list = own.is_some();
    let list = move |state: &State| {
        let sees = |forum: &modpod_policy::model::Forum| {
            forum.public
                || sees_all
                || own
                    .as_ref()
                    .is_some_and(|p| state.is_administrator(p, forum))
        };
        let matching = state
            .fora
            .values()
            .filter(|f| sees(f))
            .filter(|f| q.kind.as_ref().is_none_or(|k| &f.kind == k))
            .filter(|f| {
                q.wg.as_deref()
                    .is_none_or(|w| f.wg.as_ref().is_some_and(|g| g.as_str() == w))
            });
        page(matching, q.offset, q.limit, |f| forum_view(state, f))
    };
    let alike = (!own_list).then(|| format!("{} {uri}", if sees_all { "all" } else { "public" }));
    super::public::json_kept_if(&app, view, alike, list).await
}

fn forum_view(state: &State, f: &modpod_policy::model::Forum) -> ForumView {
    ForumView {
        id: f.id.to_string(),
        name: f.name.clone(),
        kind: f.kind.clone(),
        organisation: f.organisation.to_string(),
        public: f.public,
        plenary: f.plenary,
        wg: f.wg.as_ref().map(|w| w.to_string()),
        administrators: state
            .administrators(f)
            .iter()
            .map(|p| p.to_string())
            .collect(),
        delegations: f
            .delegates
            .iter()
            .map(|d| DelegationView {
                to: d.to.to_string(),
                by: d.by.to_string(),
            })
            .collect(),
        moderators_administer: state.moderators_administer(f),
        responsible_ad: state.responsible_ad(f).map(|p| p.to_string()),
        covered: state.policy_applies(f),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportsQuery {
    forum: Option<String>,
    /// `received`, `acknowledged`, `in_review` or `resolved`.
    state: Option<String>,
    subject: Option<String>,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

/// The reports the caller may see: those they filed, those about them
/// (never saying who filed them, REPORT-5), and those they handle.
#[utoipa::path(get, path = "/v1/reports", params(ReportsQuery), responses(
    (status = 200, description = "A page of reports", body = Paged<Object>),
    (status = 401, description = "Not logged in", body = ApiError)))]
pub(super) async fn reports(
    Extract(app): Extract<App>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportsQuery>,
) -> Result<Json<Paged<ReportView>>, ApiError> {
    let person = caller.person()?.clone();
    let forum = q.forum.as_deref().map(parse_forum).transpose()?;
    let subject = q.subject.as_deref().map(parse_person).transpose()?;
    read(&app, move |state| {
        let seen = views::ReportsSeen::by(state, &person);
        let show = |r: &Report| views::report_for(state, &person, r.id);
        let paged = match (&subject, &forum) {
            // Unfiltered, the count comes from the indexes and the walk stops
            // at the page.
            (None, None) if q.state.is_none() => {
                let total = seen.count(state);
                page_of(seen.reports(state), total, q.offset, q.limit, show)?
            }
            _ => {
                let reports: Box<dyn Iterator<Item = &Report>> = match (&subject, &forum) {
                    (Some(s), _) => Box::new(state.reports_about(s)),
                    (None, Some(f)) => Box::new(state.reports_on(f)),
                    (None, None) => seen.reports(state),
                };
                let matching = reports
                    .filter(|r| forum.as_ref().is_none_or(|f| &r.forum == f))
                    .filter(|r| q.state.as_deref().is_none_or(|s| r.state.name() == s))
                    .filter(|r| seen.sees(r));
                page(matching, q.offset, q.limit, show)?
            }
        };
        Ok(Json(Paged {
            total: paged.total,
            offset: paged.offset,
            limit: paged.limit,
            items: paged.items.into_iter().flatten().collect(),
        }))
    })
    .await
}

/// One report as the caller may see it, with the threads of its case they
/// read (MSG-1): the person reported and the reporter each their own, those
/// who handle it all three.
#[derive(Debug, Serialize)]
pub struct Case {
    #[serde(flatten)]
    pub report: ReportView,
    pub threads: Vec<views::ThreadView>,
}

/// One report, as the caller may see it, with the threads they read.
#[utoipa::path(get, path = "/v1/reports/{id}", responses(
    (status = 200, description = "The report and the threads of its case the caller reads", body = Object),
    (status = 404, description = "No such report, or not one the caller may see", body = ApiError)))]
pub(super) async fn report(
    Extract(app): Extract<App>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<Case>, ApiError> {
    let person = caller.person()?.clone();
    let id = ReportId(id);
    read(&app, move |state| {
        let report = views::report_for(state, &person, id).ok_or_else(|| not_found("report"))?;
        let threads = views::threads(state, &person, id);
        Ok(Json(Case { report, threads }))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ActionsQuery {
    forum: Option<String>,
    subject: Option<String>,
    /// Only actions in force (`true`) or no longer in force (`false`).
    in_force: Option<bool>,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

/// The actions the caller may see (ACT-7): their own, those on fora they
/// administer, all of them for moderators, and those whose appeals they hear.
#[utoipa::path(get, path = "/v1/actions", params(ActionsQuery), responses(
    (status = 200, description = "A page of actions", body = Paged<Object>),
    (status = 401, description = "Not logged in", body = ApiError)))]
pub(super) async fn actions(
    Extract(app): Extract<App>,
    caller: Caller,
    uri: Uri,
    ApiQuery(q): ApiQuery<ActionsQuery>,
) -> Result<Response, ApiError> {
    let person = caller.person()?.clone();
    let forum = q.forum.as_deref().map(parse_forum).transpose()?;
    let subject = q.subject.as_deref().map(parse_person).transpose()?;
    let view = app.view();
    // Those who see every action and are the subject of none (the
    // moderators, the IESG, the IAB, most often) are all answered alike.
    let alike = (views::sees_every_action(&view.state, &person)
        && !view.state.actions_by_subject.contains_key(&person))
    .then(|| format!("every action {uri}"));
    super::public::json_kept_if(&app, view, alike, move |state| {
        // From the narrowest index there is: the person's actions, those in
        // force (on the forum), or all of them.
        let candidates: Vec<&modpod_policy::model::Action> = match (&subject, q.in_force) {
            (Some(person), _) => state.history(person),
            (None, Some(true)) => state.actions_in_force(forum.as_ref()),
            (None, _) => state.actions.values().map(AsRef::as_ref).collect(),
        };
        let matching = candidates
            .into_iter()
            .filter(|a| forum.as_ref().is_none_or(|f| a.terms.fora.contains(f)))
            .filter(|a| subject.as_ref().is_none_or(|s| &a.subject == s))
            .filter(|a| q.in_force.is_none_or(|want| a.in_force() == want));
        let viewer = views::ActionViewer::new(state, &person);
        let visible = matching.filter(|a| viewer.sees(a));
        page(visible, q.offset, q.limit, |a| {
            views::action_as_seen_by(&person, a)
        })
    })
    .await
}

/// One action, and what modpod found at each of its evidence links.
#[derive(Serialize)]
pub struct ActionAnswer {
    #[serde(flatten)]
    action: Action,
    /// Each evidence link with what modpod found there (EVIDENCE-1): empty
    /// for those who do not read the evidence.
    evidence_status: Vec<views::EvidenceView>,
}

/// One action.
#[utoipa::path(get, path = "/v1/actions/{id}", responses(
    (status = 200, description = "The action, with `evidence_status`: each evidence link with what modpod found there (`not_yet_fetched`, `fetched` with its SHA-256, size, time and last check, or `unavailable` and why)", body = Object),
    (status = 404, description = "No such action, or not one the caller may see", body = ApiError)))]
pub(super) async fn action(
    Extract(app): Extract<App>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<ActionAnswer>, ApiError> {
    let person = caller.person()?.clone();
    read(&app, move |state| {
        state
            .actions
            .get(&ActionId(id))
            .filter(|a| views::may_see_action(state, &person, a))
            .map(|a| {
                Json(ActionAnswer {
                    action: views::action_as_seen_by(&person, a),
                    evidence_status: views::evidence(state, &person, a),
                })
            })
            .ok_or_else(|| not_found("action"))
    })
    .await
}

/// A person's moderation history across all fora (ACT-7): for the person,
/// and for those who may act.
#[utoipa::path(get, path = "/v1/people/{id}/history", responses(
    (status = 200, description = "Every action on the person, oldest first", body = Vec<Object>),
    (status = 403, description = "Not the person, an administrator or a moderator", body = ApiError)))]
pub(super) async fn history(
    Extract(app): Extract<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Action>>, ApiError> {
    let viewer = caller.person()?.clone();
    let person = parse_person(&id)?;
    read(&app, move |state| {
        let mut refused = None;
        for capacity in [
            Capacity::Moderator,
            Capacity::Administrator,
            Capacity::Participant,
        ] {
            match views::history(state, &Actor::new(viewer.clone(), capacity), &person) {
                Ok(actions) => {
                    let seen = actions
                        .into_iter()
                        .map(|a| views::action_as_seen_by(&viewer, a));
                    return Ok(Json(seen.collect()));
                }
                Err(refusal) => refused = Some(refusal),
            }
        }
        Err(refused.map_or_else(|| not_found("person"), ApiError::from_refusal))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ByActionQuery {
    /// Only those about this action.
    action: Option<u64>,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

/// Appeals the caller may see: their own, and those of actions they may see.
#[utoipa::path(get, path = "/v1/appeals", params(ByActionQuery), responses(
    (status = 200, description = "A page of appeals", body = Paged<Object>)))]
pub(super) async fn appeals(
    Extract(app): Extract<App>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ByActionQuery>,
) -> Result<Json<Paged<Appeal>>, ApiError> {
    let person = caller.person()?.clone();
    read(&app, move |state| {
        let matching = state
            .appeals
            .values()
            .filter(|a| q.action.is_none_or(|id| a.action == Some(ActionId(id))));
        let viewer = views::ActionViewer::new(state, &person);
        let visible = matching.filter(|a| views::may_see_appeal_as(state, &viewer, a));
        page(visible, q.offset, q.limit, Appeal::clone).map(Json)
    })
    .await
}

/// Reinstatement requests the caller may see.
#[utoipa::path(get, path = "/v1/reinstatements", params(ByActionQuery), responses(
    (status = 200, description = "A page of reinstatement requests", body = Paged<Object>)))]
pub(super) async fn reinstatements(
    Extract(app): Extract<App>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ByActionQuery>,
) -> Result<Json<Paged<ReinstatementRequest>>, ApiError> {
    let person = caller.person()?.clone();
    read(&app, move |state| {
        let matching = state
            .reinstatements
            .values()
            .filter(|r| q.action.is_none_or(|id| r.action == ActionId(id)));
        let viewer = views::ActionViewer::new(state, &person);
        let visible = matching.filter(|r| views::may_see_reinstatement_as(state, &viewer, r));
        page(visible, q.offset, q.limit, ReinstatementRequest::clone).map(Json)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

/// LLC emergency actions the caller may see (LLC-1/2).
#[utoipa::path(get, path = "/v1/llc-actions", params(PageQuery), responses(
    (status = 200, description = "A page of LLC emergency actions", body = Paged<Object>)))]
pub(super) async fn llc_actions(
    Extract(app): Extract<App>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<LlcAction>>, ApiError> {
    let person = caller.person()?.clone();
    read(&app, move |state| {
        let matching = state
            .llc_actions
            .values()
            .filter(|a| views::may_see_llc_action(state, &person, a));
        page(matching, q.offset, q.limit, LlcAction::clone).map(Json)
    })
    .await
}

/// The alerts to the moderator team (CIRCUMVENT-1), the newest first: for
/// the moderators, never about the caller; for anyone else, none.
#[utoipa::path(get, path = "/v1/alerts", params(PageQuery), responses(
    (status = 200, description = "A page of alerts", body = Paged<Object>),
    (status = 401, description = "Not logged in", body = ApiError)))]
pub(super) async fn alerts(
    Extract(app): Extract<App>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<Alert>>, ApiError> {
    let person = caller.person()?.clone();
    read(&app, move |state| {
        let visible = views::alerts_for(state, &person).into_iter();
        page(visible, q.offset, q.limit, Alert::clone).map(Json)
    })
    .await
}

/// A person and their linked accounts (ACT-7): for the person, the
/// moderators, the administrators of any forum and the operators; 404 for
/// anyone else, as for a person who does not exist.
#[utoipa::path(get, path = "/v1/people/{id}", responses(
    (status = 200, description = "The person, their roles and linked identities", body = Object),
    (status = 401, description = "Not logged in", body = ApiError),
    (status = 404, description = "No such person, or not one the caller may see", body = ApiError)))]
pub(super) async fn person(
    Extract(app): Extract<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<views::PersonView>, ApiError> {
    let viewer = caller.person()?.clone();
    let person = parse_person(&id)?;
    read(&app, move |state| {
        views::person(state, &viewer, &person)
            .map(Json)
            .ok_or_else(|| not_found("person"))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProceduresQuery {
    /// `draft`, `in_community_review` or `approved`.
    status: Option<String>,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

/// One version of the moderator team's procedures (PROC-1).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProceduresView {
    pub version: u32,
    pub title: String,
    pub text: String,
    /// `draft`, `in_community_review` or `approved`.
    pub status: String,
    #[schema(value_type = Option<String>)]
    pub approved_at: Option<Timestamp>,
    /// Whether this is the version in force: the latest approved one.
    pub in_force: bool,
}

fn status_name(status: ProceduresStatus) -> &'static str {
    match status {
        ProceduresStatus::Draft => "draft",
        ProceduresStatus::InCommunityReview => "in_community_review",
        ProceduresStatus::Approved => "approved",
    }
}

/// The versions of the moderator team's procedures, newest first (PROC-1):
/// approved ones for anybody, those in community review for every
/// logged-in person, drafts for the moderators and the IESG.
#[utoipa::path(get, path = "/v1/procedures", params(ProceduresQuery), responses(
    (status = 200, description = "A page of procedures versions", body = Paged<ProceduresView>)))]
pub(super) async fn procedures(
    Extract(app): Extract<App>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ProceduresQuery>,
) -> Result<Json<Paged<ProceduresView>>, ApiError> {
    let viewer = caller.person().ok().cloned();
    if let Some(s) = q.status.as_deref()
        && !["draft", "in_community_review", "approved"].contains(&s)
    {
        return Err(ApiError::bad_request(
            "status must be draft, in_community_review or approved",
        ));
    }
    read(&app, move |state| {
        let in_force = state.procedures_in_force();
        let matching = state
            .procedures
            .values()
            .rev()
            .filter(|p| {
                q.status
                    .as_deref()
                    .is_none_or(|s| status_name(p.status) == s)
            })
            .filter(|p| views::may_see_procedures(state, viewer.as_ref(), p));
        page(matching, q.offset, q.limit, |p| ProceduresView {
            version: p.version,
            title: p.title.clone(),
            text: p.text.clone(),
            status: status_name(p.status).to_owned(),
            approved_at: p.approved_at,
            in_force: in_force == Some(p.version),
        })
        .map(Json)
    })
    .await
}

/// The published versions of the Note Well (NOTEWELL-1), newest first: for
/// anybody.
#[utoipa::path(get, path = "/v1/note-well", params(PageQuery), responses(
    (status = 200, description = "A page of Note Well versions", body = Paged<Object>)))]
pub(super) async fn note_well(
    Extract(app): Extract<App>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<NoteWell>>, ApiError> {
    read(&app, move |state| {
        page(
            state.note_wells.values().rev(),
            q.offset,
            q.limit,
            NoteWell::clone,
        )
        .map(Json)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementsQuery {
    /// Only the suspensions on this forum.
    forum: Option<String>,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

/// The suspensions announced to their fora and in force now (NOTIFY-3):
/// those over 14 days and those the person asked to be announced, with the
/// person's name, the measure, the fora and the dates only (PRIV-1). For
/// anybody.
#[utoipa::path(get, path = "/v1/announcements", params(AnnouncementsQuery), responses(
    (status = 200, description = "A page of announced suspensions, newest first", body = Paged<Object>)))]
pub(super) async fn announcements(
    Extract(app): Extract<App>,
    uri: Uri,
    ApiQuery(q): ApiQuery<AnnouncementsQuery>,
) -> Result<Response, ApiError> {
    let forum = q.forum.as_deref().map(parse_forum).transpose()?;
    super::public::kept_json(&app, &uri, move |state| {
        let matching = views::announcements(state, Timestamp::now())
            .into_iter()
            .filter(|a| forum.as_ref().is_none_or(|f| a.fora.contains(f)));
        page(matching, q.offset, q.limit, |a| a)
    })
    .await
}
