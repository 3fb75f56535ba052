//! Prometheus metrics at `/metrics`: request counts and latencies by route template (never by
//! concrete path, which would put person ids in labels) and status, plus the log's size.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once.
pub fn install() {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (e.g. by an embedding program); then this
        // handle simply renders nothing of ours.
        let _ = metrics::set_global_recorder(recorder);
        handle
    });
}

/// Counts, times and logs every request.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let code = res.status().as_u16();
    // One structured line per request: the route template, never the concrete path (which
    // holds ids), and no query string, header or body.
    tracing::info!(
        method = %method,
        route = %route,
        status = code,
        micros = elapsed.as_micros() as u64,
        "request"
    );
    let labels = [
        ("method", method),
        ("route", route),
        ("status", code.to_string()),
    ];
    metrics::counter!("caretrail_http_requests_total", &labels).increment(1);
    metrics::histogram!("caretrail_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    res
}

/// `GET /metrics` in the Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = crate::openapi::TAG_OPERATIONS,
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"))
)]
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    if let Ok(size) = state
        .blocking(|r| r.tree_size().map_err(|_| crate::ApiError::internal()))
        .await
    {
        metrics::gauge!("caretrail_ledger_leaves").set(size as f64);
    }
    let body = HANDLE
        .get()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
