//! Every error answer is RFC 9457 `application/problem+json`, built here and nowhere else.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use caretrail_core::{InputError, Problem};
use caretrail_record::RecordError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub problem: Problem,
}

impl ApiError {
    pub fn new(status: StatusCode, title: &str, detail: impl Into<String>) -> Self {
        ApiError {
            problem: Problem::new(status.as_u16(), title, detail),
        }
    }

    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the request could not be completed",
        )
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "sign in and send the session token as a bearer token",
        )
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> Self {
        ApiError {
            problem: e.to_problem(),
        }
    }
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        match &e {
            RecordError::Input(_)
            | RecordError::NotFound(_)
            | RecordError::Conflict(_)
            | RecordError::Refused(_)
            | RecordError::FlagNotOpen => ApiError {
                problem: e.to_problem(),
            },
            _ => {
                // The detail of a storage or key failure stays in the server's log, not the answer.
                tracing::error!(status = e.status(), "request failed in the record service");
                let mut err = ApiError::internal();
                if e.status() == 503 {
                    err = ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Unavailable",
                        "the record store is not available",
                    );
                }
                err
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self.problem).expect("problem serialises");
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}

/// Parses a JSON body strictly: 400 for JSON that does not parse, 422 (with the field as a
/// JSON Pointer) for values that do not fit `T`.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    Ok(parse_input(body)?)
}

/// [`parse_json`]'s input error, for handing to the gate (which audits it).
pub fn parse_input<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, InputError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        InputError::syntax(format!(
            "the body is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    caretrail_core::problem::deserialize_strict(&value)
}

/// `axum::extract::Query`, refusing bad parameters as problem+json (422) without quoting them.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|_| {
                InputError::field(
                    "",
                    "the query parameters do not fit this route (see /api/v1/openapi.json)",
                )
                .into()
            })
    }
}

/// `axum::extract::Path`, answering a path segment that cannot be what it names with 404.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Path<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "Not found", "no such resource"))
    }
}
