//! `/metrics`, in the Prometheus text format: requests by route and status,
//! policy refusals by requirement, decisions by verdict, the state of the
//! log, the notification queue (deliveries by status, failed attempts), and
//! the forum software modpod drives (steps applied and refused, failures). Labels never carry personal data: routes are the templates
//! (`/v1/reports/{id}`), never the paths asked for.

use super::App;
use axum::extract::{MatchedPath, Request, State as Extract};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RefusalLabels {
    pub requirement: String,
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VerdictLabels {
    pub verdict: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

/// Everything `/metrics` shows.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub refusals: Family<RefusalLabels, Counter>,
    pub decisions: Family<VerdictLabels, Counter>,
    pub events: Gauge<u64, AtomicU64>,
    pub deliveries: Family<StatusLabels, Gauge<u64, AtomicU64>>,
    pub failed_attempts: Gauge<u64, AtomicU64>,
    pub forum_software: Family<SoftwareLabels, Gauge<u64, AtomicU64>>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SoftwareLabels {
    pub software: &'static str,
    pub measure: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub status: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("modpod");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 0.1 ms to about 3 s.
            Histogram::new(exponential_buckets(0.000_1, 2.0, 16))
        });
        let refusals = Family::<RefusalLabels, Counter>::default();
        let decisions = Family::<VerdictLabels, Counter>::default();
        let events = Gauge::<u64, AtomicU64>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        registry.register(
            "policy_refusals",
            "Commands refused by the policy, by the requirement that refused them",
            refusals.clone(),
        );
        registry.register(
            "decisions",
            "Answers of the decision API, by verdict",
            decisions.clone(),
        );
        registry.register("log_events", "Events in the log", events.clone());
        let deliveries = Family::<StatusLabels, Gauge<u64, AtomicU64>>::default();
        let failed_attempts = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "notification_deliveries",
            "Notification deliveries by status: pending is the queue's depth, \
             failed those that can never be sent",
            deliveries.clone(),
        );
        registry.register(
            "notification_failed_attempts",
            "Attempts to send a notification that failed, for now or for good",
            failed_attempts.clone(),
        );
        let forum_software = Family::<SoftwareLabels, Gauge<u64, AtomicU64>>::default();
        registry.register(
            "forum_software",
            "The forum software modpod drives, by software and measure: steps_applied and \
             steps_failed since start, failing_places (last attempt refused), failing_passes \
             (passes stopped in a row: down or failing)",
            forum_software.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            refusals,
            decisions,
            events,
            deliveries,
            failed_attempts,
            forum_software,
        }
    }
}

impl Metrics {
    pub fn refused(&self, requirement: modpod_policy::Requirement, code: &str) {
        self.refusals
            .get_or_create(&RefusalLabels {
                requirement: requirement.id().to_owned(),
                code: code.to_owned(),
            })
            .inc();
    }

    pub fn decided(&self, verdict: &str) {
        self.decisions
            .get_or_create(&VerdictLabels {
                verdict: verdict.to_owned(),
            })
            .inc();
    }
}

/// Counts and times every request, by its route's template.
pub(super) async fn track(Extract(app): Extract<App>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let metrics = &app.metrics;
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    metrics
        .latency
        .get_or_create(&RouteLabels { route })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The metrics, for Prometheus to scrape.
#[utoipa::path(get, path = "/metrics", responses(
    (status = 200, description = "Metrics in the Prometheus text format", content_type = "text/plain")))]
pub(super) async fn metrics(Extract(app): Extract<App>) -> Response {
    app.metrics.events.set(app.view().head.seq);
    // The ledger is shared by every node, so any node reports the same queue.
    let counts = app.read_store(|store| store.delivery_counts()).await;
    match counts {
        Ok(counts) => {
            let metrics = &app.metrics;
            for (status, count) in [
                ("pending", counts.pending),
                ("sent", counts.sent),
                ("failed", counts.failed),
            ] {
                metrics
                    .deliveries
                    .get_or_create(&StatusLabels { status })
                    .set(count);
            }
            metrics.failed_attempts.set(counts.failed_attempts);
        }
        Err(error) => return error.into_response(),
    }
    for software in &app.forum_software {
        let health = software.health();
        for (measure, value) in [
            ("steps_applied", health.steps_applied),
            ("steps_failed", health.steps_failed),
            ("failing_places", health.failing_places),
            ("failing_passes", u64::from(health.failing_passes)),
        ] {
            app.metrics
                .forum_software
                .get_or_create(&SoftwareLabels {
                    software: software.name(),
                    measure,
                })
                .set(value);
        }
    }
    let mut text = String::new();
    if let Err(error) = encode(&mut text, &app.metrics.registry) {
        return super::ApiError::internal(error).into_response();
    }
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
