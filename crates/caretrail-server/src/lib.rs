//! The caretrail HTTP API (axum on tokio).
//!
//! Request path: authentication (bearer session) → principal → access decision → audit leaf,
//! committed before any data leaves → the record service. The record service is synchronous
//! (it owns a group-commit writer thread), so handlers call it through `spawn_blocking`.
//!
//! Architecture invariants:
//! - **Fail closed.** Every attempt on a person's record produces exactly one audit leaf,
//!   allowed or denied; if that write fails, the request fails and no data is returned.
//! - **Errors are problem+json** (RFC 9457) built in one place ([`error`]); no database or
//!   crypto error text, and no personal data, reaches a response or a log line.
//! - **Handlers are thin.** Each parses, calls the gate (`caretrail_record::gate`: decide,
//!   audit, then a capability for exactly that action) and shapes the answer. Nothing here
//!   decides access or writes an audit leaf about a person.
//!
//! The gate is the only way to a person's data: server code cannot reach the store, decrypt an
//! entry or read a timeline around it. `tests/compile_fail.rs` shows that such code does not
//! build (with the compiler's own words in `tests/compile_fail/*.stderr`), and that the same
//! read through the gate does. The one escape hatch, `Record::unaudited`, does build;
//! `tests/gate_only.rs` holds the server's sources to never calling it.
#![forbid(unsafe_code)]

pub mod auth;
pub mod care;
pub mod citizen;
pub mod client;
pub mod config;
pub mod consent;
pub mod error;
pub mod flags;
pub mod ledger;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod people;
pub mod privacy;
pub mod review;
pub mod schemas;
pub mod score;
pub mod serve;
pub mod throttle;
pub mod tls;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use caretrail_record::Record;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use config::ServerConfig;
pub use error::ApiError;
pub use serve::serve;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub record: Arc<Record>,
    pub config: Arc<ServerConfig>,
    pub signin: Arc<throttle::Throttle>,
    /// Password checks run at once: one per core. Each argon2id check holds 19 MiB, so without
    /// this bound many parallel sign-ins (from as many addresses) would hold as many times that.
    pub password_checks: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(record: Arc<Record>, config: ServerConfig) -> Self {
        metrics::install();
        let signin = Arc::new(throttle::Throttle::new(
            config.signin_free_attempts,
            std::time::Duration::from_secs(u64::from(config.signin_max_delay_seconds)),
            throttle::DEFAULT_CAPACITY,
        ));
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        AppState {
            record,
            config: Arc::new(config),
            signin,
            password_checks: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }

    /// Runs `f` against the record service off the async runtime.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Record) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let record = self.record.clone();
        tokio::task::spawn_blocking(move || f(&record))
            .await
            .map_err(|_| ApiError::internal())?
    }
}

/// Every route, each documented (see [`openapi`]).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics::render))
        .routes(routes!(openapi::document))
        .merge(auth::routes())
        .merge(ledger::routes())
        .merge(people::routes())
        .merge(citizen::routes())
        .merge(care::routes())
        .merge(privacy::routes())
        .merge(review::routes())
        .merge(consent::routes())
        .merge(score::routes())
        .merge(flags::routes())
}

/// The whole HTTP surface, with what every answer passes through ([`middleware`]): a body limit
/// and a wait bound for each part of a body, problem+json for every error, the security
/// headers, and the metrics.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    let body_wait = std::time::Duration::from_secs(u64::from(state.config.idle_timeout_seconds));
    let tls = state.config.tls_cert.is_some();
    let (router, _) = api().split_for_parts();
    let router = router
        .layer(axum::middleware::from_fn(middleware::require_json))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(body_wait))
        .layer(axum::middleware::map_response(middleware::problem_json));
    middleware::security_headers(router, tls)
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
}

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = openapi::TAG_OPERATIONS,
    responses((status = 200, description = "The server is up", body = String, content_type = "text/plain"))
)]
async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the store answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = openapi::TAG_OPERATIONS,
    responses(
        (status = 200, description = "The store answers", body = String, content_type = "text/plain"),
        (status = 503, description = "The store does not answer"),
    )
)]
async fn readyz(State(state): State<AppState>) -> Result<&'static str, StatusCode> {
    state
        .blocking(|r| r.tree_size().map_err(|_| ApiError::internal()))
        .await
        .map(|_| "ready\n")
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)
}

/// Where the server listens, once it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listening {
    pub addr: std::net::SocketAddr,
    pub tls: bool,
}

impl std::fmt::Display for Listening {
    /// The base URL: `http://addr` or `https://addr`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.addr)
    }
}
