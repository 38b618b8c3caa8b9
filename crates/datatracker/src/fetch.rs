//! Reading the Datatracker's public API: Tastypie pages of JSON,
//! `{"meta": {"limit", "offset", "total_count", "next", "previous"},
//! "objects": [...]}`, followed through `meta.next` (a path on the same
//! server) until it is `null`.
//!
//! Three collections are read: the groups of the types the registry keeps
//! (`/api/v1/group/group/?type__in=wg,rg,area`, every state, so concluded
//! groups are seen), their roles (`/api/v1/group/role/?name__in=chair,delegate,ad`)
//! and the people those roles name (`/api/v1/person/person/?id__in=...`, a
//! hundred at a time). Each request has a time limit; an error names the URL.

use crate::registry::{GroupKind, Registry, RoleName, people_named};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// How long one request may take, from connecting to the last byte.
const TIMEOUT: Duration = Duration::from_secs(60);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest page read.
const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;
/// No registry has this many pages: a server that keeps sending `next` is
/// broken.
const MAX_PAGES: usize = 10_000;
/// How many records a page is asked for.
const PAGE_SIZE: u32 = 500;
/// How many people are asked for at once, by id.
const PEOPLE_AT_ONCE: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: {reason}")]
    Http { url: String, reason: String },
    #[error("{url}: not a page of the Datatracker's API: {reason}")]
    NotAPage { url: String, reason: String },
    #[error(
        "{0:?} is not the base URL of a Datatracker (http:// or https://, e.g. https://datatracker.ietf.org)"
    )]
    BadUrl(String),
}

#[derive(Deserialize)]
struct Page {
    meta: Meta,
    objects: Vec<Value>,
}

#[derive(Deserialize)]
struct Meta {
    next: Option<String>,
    #[serde(default)]
    total_count: Option<u64>,
}

/// How far reading has got: rows of `what` read, of `total` when the server
/// said.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub what: &'a str,
    pub read: u64,
    pub total: Option<u64>,
}

/// A client of one Datatracker.
pub struct Client {
    agent: ureq::Agent,
    /// `scheme://host[:port]`, to which `meta.next` paths are relative.
    origin: String,
    /// The base URL, without a trailing slash.
    base: String,
}

impl Client {
    /// A client of the Datatracker at `base` (e.g. `https://datatracker.ietf.org`).
    pub fn new(base: &str) -> Result<Client, FetchError> {
        let base = base.trim().trim_end_matches('/').to_owned();
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or_else(|| FetchError::BadUrl(base.clone()))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || host.contains(char::is_whitespace) || host.contains(['?', '#']) {
            return Err(FetchError::BadUrl(base));
        }
        let origin = format!("{}{host}", &base[..base.len() - rest.len()]);
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("modpod/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client {
            agent,
            origin,
            base,
        })
    }

    /// The base URL, as a registry's source.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Reads the registry: groups, roles, then the people the roles name.
    pub fn registry(&self, progress: &mut dyn FnMut(Progress)) -> Result<Registry, FetchError> {
        let groups = self.all(
            "groups",
            &format!(
                "{}/api/v1/group/group/?type__in={}&limit={PAGE_SIZE}",
                self.base,
                GroupKind::SLUGS
            ),
            progress,
        )?;
        let roles = self.all(
            "roles",
            &format!(
                "{}/api/v1/group/role/?name__in={}&limit={PAGE_SIZE}",
                self.base,
                RoleName::SLUGS
            ),
            progress,
        )?;
        let wanted: Vec<u64> = people_named(&roles).into_iter().collect();
        let mut people = Vec::with_capacity(wanted.len());
        for chunk in wanted.chunks(PEOPLE_AT_ONCE) {
            let ids: Vec<String> = chunk.iter().map(u64::to_string).collect();
            let url = format!(
                "{}/api/v1/person/person/?id__in={}&limit={PEOPLE_AT_ONCE}",
                self.base,
                ids.join(",")
            );
            people.extend(self.all("people", &url, &mut |_| {})?);
            progress(Progress {
                what: "people",
                read: people.len() as u64,
                total: Some(wanted.len() as u64),
            });
        }
        Ok(Registry::parse(&self.base, &groups, &roles, &people))
    }

    /// Every object of the pages from `first` on.
    fn all(
        &self,
        what: &str,
        first: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<Value>, FetchError> {
        let mut objects = Vec::new();
        let mut seen = BTreeSet::new();
        let mut url = first.to_owned();
        loop {
            if !seen.insert(url.clone()) || seen.len() > MAX_PAGES {
                return Err(FetchError::NotAPage {
                    url,
                    reason: "meta.next leads back to a page already read".to_owned(),
                });
            }
            let page = self.page(&url)?;
            objects.extend(page.objects);
            progress(Progress {
                what,
                read: objects.len() as u64,
                total: page.meta.total_count,
            });
            match page.meta.next {
                None => return Ok(objects),
                Some(next) => url = self.resolve(&url, &next)?,
            }
        }
    }

    /// `meta.next` as a URL: a path on this server (as Tastypie writes it),
    /// or a URL on the same origin.
    fn resolve(&self, from: &str, next: &str) -> Result<String, FetchError> {
        if next.starts_with('/') && !next.starts_with("//") {
            return Ok(format!("{}{next}", self.origin));
        }
        if next.starts_with(&format!("{}/", self.origin)) {
            return Ok(next.to_owned());
        }
        Err(FetchError::NotAPage {
            url: from.to_owned(),
            reason: format!("meta.next {next:?} is not a page of this server"),
        })
    }

    fn page(&self, url: &str) -> Result<Page, FetchError> {
        let http = |reason: String| FetchError::Http {
            url: url.to_owned(),
            reason,
        };
        let mut response = self
            .agent
            .get(url)
            .header("Accept", "application/json")
            .call()
            .map_err(|e| http(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_PAGE_BYTES)
            .read_to_string()
            .map_err(|e| http(format!("reading the answer: {e}")))?;
        if status != 200 {
            let start: String = body.chars().take(200).collect();
            return Err(http(format!("HTTP status {status}: {start}")));
        }
        serde_json::from_str(&body).map_err(|e| FetchError::NotAPage {
            url: url.to_owned(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn forum_5_a_base_url_must_be_http_and_next_stays_on_the_server() {
        for bad in [
            "",
            "datatracker.ietf.org",
            "ftp://x",
            "https://",
            "https:// x",
        ] {
            assert!(
                matches!(Client::new(bad), Err(FetchError::BadUrl(_))),
                "{bad:?}"
            );
        }
        let c = Client::new("https://datatracker.example:8443/").unwrap();
        assert_eq!(c.base(), "https://datatracker.example:8443");
        assert_eq!(
            c.resolve("x", "/api/v1/group/group/?offset=500").unwrap(),
            "https://datatracker.example:8443/api/v1/group/group/?offset=500"
        );
        assert!(c.resolve("x", "https://elsewhere.example/api/").is_err());
        assert!(c.resolve("x", "//elsewhere.example/api/").is_err());
    }
}
