//! A stand-in for the IETF Datatracker's public API, written from its
//! documented format (Tastypie): `/api/v1/group/group/`, `/api/v1/group/role/`
//! and `/api/v1/person/person/` answer pages of
//! `{"meta": {"limit", "next", "offset", "previous", "total_count"},
//! "objects": [...]}`, each record with its `resource_uri` and its relations
//! as URIs (nulls where the Datatracker has them). A page holds at most
//! [`MAX_LIMIT`] records whatever `limit` asks, and `meta.next` is a path
//! with the next `offset`, as Tastypie writes it. People are found by
//! `id__in`; the other filters are left to the client to apply again.
//!
//! The records served can be replaced while it runs ([`Datatracker::serve`]),
//! to show a sync what changed.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

/// The most records a page holds, as Tastypie's `max_limit`.
pub const MAX_LIMIT: usize = 250;

/// The records the stand-in serves.
#[derive(Clone, Default)]
pub struct Records {
    pub groups: Vec<Value>,
    pub roles: Vec<Value>,
    pub people: Vec<Value>,
}

impl Records {
    pub fn area(&mut self, id: u64, acronym: &str) {
        self.groups
            .push(group_row(id, acronym, "area", "active", None, json!("")));
    }

    /// A working group (or research group, `kind` "rg") in `state`, its list
    /// `acronym@ietf.org` (`@irtf.org` for a research group).
    pub fn group(&mut self, id: u64, acronym: &str, kind: &str, state: &str, parent: Option<u64>) {
        let domain = if kind == "rg" { "irtf.org" } else { "ietf.org" };
        let list = json!(format!("{acronym}@{domain}"));
        self.groups
            .push(group_row(id, acronym, kind, state, parent, list));
    }

    /// A role `name` of person `person` on group `group`, with the person
    /// record (once).
    pub fn role(&mut self, id: u64, name: &str, group: u64, person: u64) {
        self.roles.push(role_row(id, name, group, person));
        let uri = format!("/api/v1/person/person/{person}/");
        if !self.people.iter().any(|p| p["resource_uri"] == uri) {
            self.people.push(person_row(person));
        }
    }

    /// Leaves out the role row `id`.
    pub fn without_role(&mut self, id: u64) {
        let uri = format!("/api/v1/group/role/{id}/");
        self.roles.retain(|r| r["resource_uri"] != uri);
    }

    /// Sets group `id`'s state.
    pub fn set_state(&mut self, id: u64, state: &str) {
        let uri = format!("/api/v1/group/group/{id}/");
        for g in &mut self.groups {
            if g["resource_uri"] == uri {
                g["state"] = json!(format!("/api/v1/name/groupstatename/{state}/"));
            }
        }
    }
}

pub fn group_row(
    id: u64,
    acronym: &str,
    kind: &str,
    state: &str,
    parent: Option<u64>,
    list_email: Value,
) -> Value {
    json!({
        "acronym": acronym,
        "ad": null,
        "charter": if kind == "wg" { json!(format!("/api/v1/doc/document/charter-ietf-{acronym}/")) } else { Value::Null },
        "comments": "",
        "description": format!("The {acronym} group."),
        "id": id,
        "list_archive": format!("https://mailarchive.ietf.org/arch/browse/{acronym}/"),
        "list_email": list_email,
        "list_subscribe": format!("https://www.ietf.org/mailman/listinfo/{acronym}"),
        "meeting_seen_as_area": false,
        "name": format!("{} Working Group", acronym.to_uppercase()),
        "parent": parent.map(|p| format!("/api/v1/group/group/{p}/")),
        "resource_uri": format!("/api/v1/group/group/{id}/"),
        "state": format!("/api/v1/name/groupstatename/{state}/"),
        "time": "2024-03-18T12:00:00Z",
        "type": format!("/api/v1/name/grouptypename/{kind}/"),
        "unused_states": [],
        "unused_tags": [],
        "used_roles": "[]",
        "uses_milestone_dates": true
    })
}

pub fn role_row(id: u64, name: &str, group: u64, person: u64) -> Value {
    json!({
        "email": format!("/api/v1/person/email/person{person}@example.org/"),
        "group": format!("/api/v1/group/group/{group}/"),
        "id": id,
        "name": format!("/api/v1/name/rolename/{name}/"),
        "person": format!("/api/v1/person/person/{person}/"),
        "resource_uri": format!("/api/v1/group/role/{id}/"),
    })
}

pub fn person_row(id: u64) -> Value {
    json!({
        "ascii": format!("Person {id}"),
        "ascii_short": null,
        "biography": "",
        "id": id,
        "name": format!("Person {id}"),
        "name_from_draft": null,
        "photo": null,
        "photo_thumb": null,
        "plain": "",
        "pronouns_freetext": null,
        "resource_uri": format!("/api/v1/person/person/{id}/"),
        "time": "2012-02-26T00:03:54Z",
        "user": format!("/api/v1/users/user/{id}/"),
    })
}

/// The stand-in, running on a loopback port until dropped.
pub struct Datatracker {
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    records: Arc<RwLock<Records>>,
    _runtime: tokio::runtime::Runtime,
}

fn query(uri: &axum::http::Uri) -> BTreeMap<String, String> {
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// One page of `all`, as Tastypie pages `path`.
fn page(path: &str, uri: &axum::http::Uri, all: &[Value]) -> Value {
    let q = query(uri);
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(20)
        .clamp(1, MAX_LIMIT);
    let offset = q
        .get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let objects: Vec<Value> = all.iter().skip(offset).take(limit).cloned().collect();
    let rest: String = q
        .iter()
        .filter(|(k, _)| k.as_str() != "limit" && k.as_str() != "offset")
        .map(|(k, v)| format!("&{k}={v}"))
        .collect();
    let at = |offset: usize| format!("{path}?limit={limit}&offset={offset}{rest}");
    json!({
        "meta": {
            "limit": limit,
            "next": (offset + limit < all.len()).then(|| at(offset + limit)),
            "offset": offset,
            "previous": (offset > 0).then(|| at(offset.saturating_sub(limit))),
            "total_count": all.len(),
        },
        "objects": objects,
    })
}

impl Datatracker {
    pub fn start(records: Records) -> Datatracker {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let records = Arc::new(RwLock::new(records));
        let (groups, roles, people) = (records.clone(), records.clone(), records.clone());
        let app = axum::Router::new()
            .route(
                "/api/v1/group/group/",
                axum::routing::get(move |uri: axum::http::Uri| async move {
                    let r = groups.read().unwrap();
                    axum::Json(page("/api/v1/group/group/", &uri, &r.groups))
                }),
            )
            .route(
                "/api/v1/group/role/",
                axum::routing::get(move |uri: axum::http::Uri| async move {
                    let r = roles.read().unwrap();
                    axum::Json(page("/api/v1/group/role/", &uri, &r.roles))
                }),
            )
            .route(
                "/api/v1/person/person/",
                axum::routing::get(move |uri: axum::http::Uri| async move {
                    let ids: BTreeSet<String> = query(&uri)
                        .get("id__in")
                        .map(|ids| ids.split(',').map(str::to_owned).collect())
                        .unwrap_or_default();
                    let r = people.read().unwrap();
                    let wanted: Vec<Value> = r
                        .people
                        .iter()
                        .filter(|p| ids.is_empty() || ids.contains(&p["id"].to_string()))
                        .cloned()
                        .collect();
                    axum::Json(page("/api/v1/person/person/", &uri, &wanted))
                }),
            );
        runtime.spawn(async move { axum::serve(listener, app).await });
        Datatracker {
            url,
            records,
            _runtime: runtime,
        }
    }

    /// Serves `records` from now on.
    pub fn serve(&self, records: Records) {
        *self.records.write().unwrap() = records;
    }
}

/// A registry at the scale of the IETF's: 8 areas with two ADs each,
/// 2,300 working groups (1,900 concluded), 190 research groups, about
/// 10,000 roles (chairs, a delegate, the group's AD, secretaries) and the
/// bad rows the real registry has.
pub fn at_scale() -> Records {
    let mut r = Records::default();
    let mut role = 1_000_000;
    let mut next_role = || {
        role += 1;
        role
    };
    for area in 1..=8u64 {
        r.area(area, &format!("area{area}"));
        for ad in 0..2 {
            r.role(next_role(), "ad", area, 900_000 + area * 10 + ad);
        }
    }
    for n in 0..2_490u64 {
        let id = 1_000 + n;
        let (kind, acronym) = if n < 2_300 {
            ("wg", format!("wg{n}"))
        } else {
            ("rg", format!("rg{n}"))
        };
        let state = if n < 1_900 { "conclude" } else { "active" };
        let parent = (kind == "wg").then_some(1 + n % 8);
        r.group(id, &acronym, kind, state, parent);
        let person = |k: u64| 10_000 + (n * 3 + k) % 7_000;
        r.role(next_role(), "chair", id, person(0));
        r.role(next_role(), "chair", id, person(1));
        r.role(next_role(), "secr", id, person(2));
        if kind == "wg" {
            r.role(next_role(), "ad", id, 900_000 + (1 + n % 8) * 10);
        }
        if n % 5 == 0 {
            r.role(next_role(), "delegate", id, person(2));
        }
    }
    bad_rows(&mut r);
    r
}

/// The bad rows the real registry has: no list address, several addresses,
/// spaces, a -request address, a group type the registry does not keep, a
/// role on a group that does not exist, a role whose person does not.
pub fn bad_rows(r: &mut Records) {
    let bad = [
        (90_001, "nolist", json!(null)),
        (
            90_002,
            "several",
            json!("several@ietf.org, several-discuss@ietf.org"),
        ),
        (90_003, "spaced", json!("spaced@ietf.org ")),
        (90_004, "request", json!("request-request@ietf.org")),
    ];
    for (id, acronym, list) in bad {
        r.groups
            .push(group_row(id, acronym, "wg", "active", Some(1), list));
    }
    r.groups.push(group_row(
        90_005,
        "areagroup",
        "ag",
        "active",
        Some(1),
        json!("areagroup@ietf.org"),
    ));
    r.roles.push(role_row(90_010, "chair", 99_999, 10_001));
    r.roles.push(role_row(90_011, "chair", 90_001, 10_001));
    r.roles
        .push(role_row(90_012, "chair", 1_000 + 2_489, 888_888));
}
