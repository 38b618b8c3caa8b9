//! The HTTP service. For now: liveness (`/healthz`) and the OpenAPI document
//! (`/openapi.json`), generated from the handlers themselves so it cannot drift.

use crate::engine::Engine;
use axum::extract::State as Extract;
use axum::{Json, Router, routing::get};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use utoipa::{OpenApi, ToSchema};

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    pub engine: Arc<Mutex<Engine>>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "modpod",
        description = "Community moderation for a standards body's public fora, as RFC 9945 (BCP 245) describes it."
    ),
    paths(healthz, openapi)
)]
pub struct ApiDoc;

/// The service is up, and this is the log it serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always "ok" when the service answers.
    pub status: &'static str,
    /// "sqlite" or "postgres".
    pub backend: &'static str,
    /// How many events the log holds.
    pub events: u64,
    /// The hash of the newest event, in hex: the anchor to compare with `modpod verify`.
    pub head: String,
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .with_state(app)
}

/// Liveness and the log's head.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The service is up", body = Health)))]
async fn healthz(Extract(app): Extract<App>) -> Json<Health> {
    let engine = app
        .engine
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let head = engine.head();
    Json(Health {
        status: "ok",
        backend: engine.backend(),
        events: head.seq,
        head: modpod_store::hash_hex(&head.hash),
    })
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "The OpenAPI 3 document of this service")))]
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
