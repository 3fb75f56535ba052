//! Prometheus metrics at `/metrics`: request counts and latencies by route template (never by
//! concrete path, which would put person ids in labels), method and status, plus the log's
//! size. Every label has a bounded set of values: unmatched routes share one route label and
//! unknown methods one method label.

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
    let method = method_label(req.method());
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
        ("method", method.to_owned()),
        ("route", route),
        ("status", code.to_string()),
    ];
    metrics::counter!("caretrail_http_requests_total", &labels).increment(1);
    metrics::histogram!("caretrail_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
    res
}

/// The method as a label: the methods HTTP defines, and `other` for any other string, so that
/// odd methods cannot grow the number of series without bound. Routes are bounded already: the
/// route label is a template of the API, or `unmatched`.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
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
