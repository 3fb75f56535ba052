//! What every response gets on its way out, whichever route (or none) answered it.
//!
//! - **Security headers** (tower-http's `SetResponseHeaderLayer`, each only where the route has
//!   not set its own): `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
//!   `Content-Security-Policy: frame-ancestors 'none'` (the API is never framed; pages widen it
//!   when they arrive), `Cache-Control: no-store` on every answer (personal data and tokens
//!   must stay out of caches, and a route that may be cached has to say so itself; none does),
//!   and under TLS `Strict-Transport-Security` for a year.
//! - **Errors are problem+json, always.** An error answer that did not come from
//!   [`ApiError`](crate::ApiError) — the router's 404 for an unmatched route and 405 for a
//!   method a route does not take, the body limit's 413, an extractor's 415 — is rewritten as
//!   RFC 9457 problem+json with the same status, keeping its other headers (`Allow` on a 405).
//! - **Bodies are JSON.** A request that carries a body must say it is JSON
//!   (`application/json`, or any `+json` type); anything else is 415 ([`require_json`]), before
//!   any handler reads it.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::ApiError;

/// The headers every answer carries (see the module documentation); `tls` adds HSTS.
pub fn security_headers<S>(router: axum::Router<S>, tls: bool) -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let router = router
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        .layer(set(
            header::CONTENT_SECURITY_POLICY,
            "frame-ancestors 'none'",
        ))
        .layer(set(header::CACHE_CONTROL, "no-store"));
    if tls {
        router.layer(set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
    } else {
        router
    }
}

/// Rewrites an error answer that is not problem+json yet as problem+json.
/// The detail of a 404 for a path no route answers: only the router's fallback says it (a
/// handler's 404 names what it did not find).
pub const NO_ROUTE: &str = "no route answers this path";
/// The detail of a 405 from the router: the path has a route, but not for this method.
pub const NO_METHOD: &str = "this route does not take this method (see the Allow header)";

pub async fn problem_json(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(&res) {
        return res;
    }
    let (title, detail) = match status {
        StatusCode::NOT_FOUND => ("Not found", NO_ROUTE),
        StatusCode::METHOD_NOT_ALLOWED => ("Method not allowed", NO_METHOD),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Payload too large",
            "the request body is larger than this server accepts",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "Unsupported media type",
            "send the request body as application/json",
        ),
        StatusCode::REQUEST_TIMEOUT => {
            ("Request timeout", "the request body did not arrive in time")
        }
        s if s.is_client_error() => ("Bad request", "the request could not be understood"),
        _ => ("Internal error", "the request could not be completed"),
    };
    let (mut parts, _) = res.into_parts();
    let problem = ApiError::new(status, title, detail).into_response();
    let (problem_parts, body) = problem.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(ct) = problem_parts.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, ct.clone());
    }
    Response::from_parts(parts, Body::new(body))
}

fn is_problem(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/problem+json"))
}

/// Refuses a request body that is not declared as JSON with 415.
pub async fn require_json(req: Request, next: Next) -> Response {
    if has_body(req.headers()) && !declares_json(req.headers()) {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            "send the request body as application/json",
        )
        .into_response();
    }
    next.run(req).await
}

/// Does the request carry a body? (A length above zero, or a chunked one.)
fn has_body(headers: &HeaderMap) -> bool {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    length.is_some_and(|n| n > 0) || headers.contains_key(header::TRANSFER_ENCODING)
}

fn declares_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_are_recognised() {
        let table = [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/merge-patch+json", true),
            ("application/fhir+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("application/jsonx", false),
            ("text/json+json", false),
        ];
        for (ct, json) in table {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            assert_eq!(declares_json(&h), json, "{ct}");
        }
        assert!(!declares_json(&HeaderMap::new()));
    }
}
