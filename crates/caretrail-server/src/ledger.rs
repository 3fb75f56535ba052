//! The ledger over HTTP: the same texts and JSON as the CLI (DESIGN §4). Public: leaves hold
//! no personal data, and anyone holding a checkpoint may check proofs. Not audited per request.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use caretrail_record::{ConsistencyJson, InclusionJson, LeafJson};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{Path, Query};
use crate::openapi::{Refused, TAG_LEDGER};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkpoint))
        .routes(routes!(key))
        .routes(routes!(leaf))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
}

fn text(body: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
}

/// The latest signed checkpoint, as a C2SP signed note (the text `caretrail ledger checkpoint`
/// prints).
#[utoipa::path(
    get,
    path = "/api/v1/ledger/checkpoint",
    tag = TAG_LEDGER,
    responses(
        (status = 200, description = "Signed note: origin, tree size, root hash, signature", body = String, content_type = "text/plain"),
        Refused,
    )
)]
async fn checkpoint(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(text(state.blocking(|r| Ok(r.checkpoint()?)).await?))
}

/// The log's public key, as a signed-note verifier key.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/key",
    tag = TAG_LEDGER,
    responses(
        (status = 200, description = "Verifier key `name+hash+base64`", body = String, content_type = "text/plain"),
        Refused,
    )
)]
async fn key(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(text(
        state
            .blocking(|r| Ok(format!("{}\n", r.verifier_key())))
            .await?,
    ))
}

/// One leaf: its bytes and hash. Leaves hold opaque ids, but an audit leaf still says which
/// account touched which (pseudonymous) person and with what outcome, so a leaf's bytes are
/// served only to the auditor, the privacy officer, and the citizen the leaf is about; the
/// checkpoint, the key and the proofs (hashes only) stay public.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/leaf/{index}",
    tag = TAG_LEDGER,
    security(("bearer" = [])),
    params(("index" = u64, Path, description = "Leaf index, from 0")),
    responses(
        (status = 200, description = "The leaf", body = crate::schemas::LeafJson),
        Refused,
    )
)]
async fn leaf(
    State(state): State<AppState>,
    Path(index): Path<u64>,
    caller: Caller,
) -> Result<Json<LeafJson>, ApiError> {
    Ok(Json(
        state
            .blocking(move |r| Ok(caller.gate(r).leaf(index)?))
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// The leaf to prove.
    pub index: u64,
    /// The tree size to prove against; the latest checkpoint's when absent.
    pub size: Option<u64>,
}

/// An RFC 9162 inclusion proof for a leaf in a tree of a given size.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/proof/inclusion",
    tag = TAG_LEDGER,
    params(InclusionQuery),
    responses(
        (status = 200, description = "The audit path", body = crate::schemas::InclusionJson),
        Refused,
    )
)]
async fn inclusion(
    State(state): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<InclusionJson>, ApiError> {
    Ok(Json(
        state
            .blocking(move |r| Ok(r.inclusion_proof(q.index, q.size)?))
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size.
    pub to: u64,
}

/// An RFC 9162 consistency proof between two tree sizes.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/proof/consistency",
    tag = TAG_LEDGER,
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "The consistency path", body = crate::schemas::ConsistencyJson),
        Refused,
    )
)]
async fn consistency(
    State(state): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyJson>, ApiError> {
    Ok(Json(
        state
            .blocking(move |r| Ok(r.consistency_proof(q.from, q.to)?))
            .await?,
    ))
}
