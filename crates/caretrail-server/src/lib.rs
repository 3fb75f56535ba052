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
pub mod config;
pub mod consent;
pub mod error;
pub mod flags;
pub mod ledger;
pub mod metrics;
pub mod openapi;
pub mod people;
pub mod privacy;
pub mod review;
pub mod schemas;
pub mod score;
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

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub record: Arc<Record>,
    pub config: Arc<ServerConfig>,
    pub signin: Arc<auth::SignInGuard>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(record: Arc<Record>, config: ServerConfig) -> Self {
        metrics::install();
        let signin = Arc::new(auth::SignInGuard::new(
            config.lockout_attempts,
            std::time::Duration::from_secs(u64::from(config.lockout_minutes) * 60),
        ));
        AppState {
            record,
            config: Arc::new(config),
            signin,
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

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    let (router, _) = api().split_for_parts();
    router
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
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

/// How long requests in flight get to finish once a shutdown signal arrives.
const GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves until SIGINT or SIGTERM, then stops accepting and lets requests in flight finish.
/// With `tls_cert` and `tls_key` configured it speaks only HTTPS.
pub async fn serve(state: AppState, on_listen: impl FnOnce(Listening)) -> std::io::Result<()> {
    let tls = match (&state.config.tls_cert, &state.config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(state.config.listen).await?;
    let addr = listener.local_addr()?;
    on_listen(Listening {
        addr,
        tls: tls.is_some(),
    });
    let app = router(state);
    match tls {
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
        Some(config) => {
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                stopper.graceful_shutdown(Some(GRACE));
            });
            axum_server::from_tcp_rustls(
                listener.into_std()?,
                axum_server::tls_rustls::RustlsConfig::from_config(config),
            )?
            .handle(handle)
            .serve(app.into_make_service())
            .await
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: no new connections; finishing requests in flight");
}
