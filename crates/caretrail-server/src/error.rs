//! Every error answer is RFC 9457 `application/problem+json`, built here and nowhere else.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use caretrail_core::{InputError, Problem};
use caretrail_record::RecordError;
use caretrail_store::StoreError;
use caretrail_store::vault::VaultError;

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

/// The HTTP status that answers a record service error: 400 or 422 for bad input (422 too for a
/// refusal caused by a field of the body), 403 for any other refusal, 404, 409 for a conflict
/// with the record's state, 503 for a data directory the server cannot use, 500 otherwise.
pub fn status_of(e: &RecordError) -> StatusCode {
    match e {
        RecordError::Input(e) if e.syntax => StatusCode::BAD_REQUEST,
        RecordError::Input(_) => StatusCode::UNPROCESSABLE_ENTITY,
        RecordError::Refused(d) if d.input_field().is_some() => StatusCode::UNPROCESSABLE_ENTITY,
        RecordError::Refused(_) => StatusCode::FORBIDDEN,
        RecordError::NotFound(_) => StatusCode::NOT_FOUND,
        RecordError::Conflict(_)
        | RecordError::FlagNotOpen
        | RecordError::Store(StoreError::Conflict(_) | StoreError::Stale) => StatusCode::CONFLICT,
        RecordError::Store(
            StoreError::SchemaTooNew { .. }
            | StoreError::NotInitialised
            | StoreError::UnsignedHead { .. },
        )
        | RecordError::Vault(
            VaultError::MissingKeyFile { .. }
            | VaultError::CorruptKeyFile { .. }
            | VaultError::WrongKeyFile { .. },
        ) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        let status = status_of(&e);
        match &e {
            RecordError::Input(_)
            | RecordError::NotFound(_)
            | RecordError::Conflict(_)
            | RecordError::Refused(_)
            | RecordError::FlagNotOpen => {
                // The document's `status` is the status it is sent with.
                let mut problem = e.to_problem();
                problem.status = status.as_u16();
                ApiError { problem }
            }
            _ => {
                // The detail of a storage or key failure stays in the server's log, not the answer.
                tracing::error!(
                    status = status.as_u16(),
                    "request failed in the record service"
                );
                let mut err = ApiError::internal();
                if status == StatusCode::SERVICE_UNAVAILABLE {
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

#[cfg(test)]
mod tests {
    use caretrail_access::Denial;

    use super::*;

    fn every_kind_of_error() -> Vec<RecordError> {
        let mut errors = vec![
            RecordError::Input(InputError::syntax("the body is not JSON")),
            RecordError::Input(InputError::field("/pulse", "must be 0 to 300 per minute")),
            RecordError::not_found("no such person"),
            RecordError::Conflict("the person is under a legal hold".into()),
            RecordError::FlagNotOpen,
            RecordError::Ledger("root mismatch".into()),
            RecordError::Store(StoreError::Io("disk full".into())),
            RecordError::Store(StoreError::Conflict("duplicate id".into())),
            RecordError::Store(StoreError::Stale),
            RecordError::Store(StoreError::SchemaTooNew {
                found: 99,
                supported: 1,
            }),
            RecordError::Store(StoreError::NotInitialised),
            RecordError::Store(StoreError::UnsignedHead {
                stored: 9,
                signed: 7,
            }),
            RecordError::Store(StoreError::Backend("unsupported".into())),
            RecordError::Vault(VaultError::MissingKeyFile { path: "k".into() }),
            RecordError::Vault(VaultError::CorruptKeyFile {
                path: "k".into(),
                why: "short",
            }),
            RecordError::Vault(VaultError::WrongKeyFile { path: "k".into() }),
            RecordError::Vault(VaultError::Io {
                path: "k".into(),
                why: "read-only".into(),
            }),
            RecordError::Vault(VaultError::Authentication),
            RecordError::Vault(VaultError::Random),
        ];
        errors.extend(Denial::ALL.into_iter().map(RecordError::Refused));
        errors
    }

    #[test]
    fn record_errors_answer_their_status() {
        let status = |e: RecordError| status_of(&e).as_u16();
        assert_eq!(status(RecordError::Input(InputError::syntax("eof"))), 400);
        assert_eq!(
            status(RecordError::Input(InputError::field("/a", "no"))),
            422
        );
        assert_eq!(status(RecordError::Refused(Denial::MissingReason)), 422);
        assert_eq!(status(RecordError::Refused(Denial::ReasonTooLong)), 422);
        assert_eq!(
            status(RecordError::Refused(Denial::NoCareRelationship)),
            403
        );
        assert_eq!(status(RecordError::not_found("no such leaf")), 404);
        assert_eq!(status(RecordError::FlagNotOpen), 409);
        assert_eq!(status(RecordError::Store(StoreError::Stale)), 409);
        assert_eq!(status(RecordError::Store(StoreError::NotInitialised)), 503);
        assert_eq!(
            status(RecordError::Vault(VaultError::WrongKeyFile {
                path: "k".into()
            })),
            503
        );
        assert_eq!(
            status(RecordError::Store(StoreError::Io("eio".into()))),
            500
        );
        assert_eq!(status(RecordError::Vault(VaultError::Authentication)), 500);
        assert_eq!(status(RecordError::Ledger("bad root".into())), 500);
    }

    /// The CLI prints the record's problem document; its `status` must be the one the API
    /// answers with, so the two tell the same story.
    #[test]
    fn the_problem_document_carries_the_http_status() {
        for e in every_kind_of_error() {
            assert_eq!(e.to_problem().status, status_of(&e).as_u16(), "{e:?}");
        }
    }

    #[test]
    fn answers_are_sent_with_the_status_in_their_document() {
        for e in every_kind_of_error() {
            let described = matches!(
                e,
                RecordError::Input(_)
                    | RecordError::NotFound(_)
                    | RecordError::Conflict(_)
                    | RecordError::Refused(_)
                    | RecordError::FlagNotOpen
            );
            let want = status_of(&e);
            let api = ApiError::from(e);
            if described {
                assert_eq!(api.status(), want, "{:?}", api.problem);
            } else {
                // A storage or key failure is not described to the client: 503 for a data
                // directory the server cannot use, 500 for anything else.
                let sent = if want == StatusCode::SERVICE_UNAVAILABLE {
                    want
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                };
                assert_eq!(api.status(), sent, "{:?}", api.problem);
            }
            assert_eq!(api.problem.status, api.status().as_u16());
        }
    }
}
