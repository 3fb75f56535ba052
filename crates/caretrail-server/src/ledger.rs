//! The ledger over HTTP: the same texts and JSON as the CLI (DESIGN §4). Public: leaves hold
//! no personal data, and anyone holding a checkpoint may check proofs. Not audited per request.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use caretrail_record::{ConsistencyJson, InclusionJson, LeafJson};
use serde::Deserialize;

use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ledger/checkpoint", get(checkpoint))
        .route("/api/v1/ledger/key", get(key))
        .route("/api/v1/ledger/leaf/{index}", get(leaf))
        .route("/api/v1/ledger/proof/inclusion", get(inclusion))
        .route("/api/v1/ledger/proof/consistency", get(consistency))
}

fn text(body: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
}

async fn checkpoint(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(text(state.blocking(|r| Ok(r.checkpoint()?)).await?))
}

async fn key(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(text(
        state
            .blocking(|r| Ok(format!("{}\n", r.verifier_key())))
            .await?,
    ))
}

async fn leaf(
    State(state): State<AppState>,
    Path(index): Path<u64>,
) -> Result<Json<LeafJson>, ApiError> {
    Ok(Json(state.blocking(move |r| Ok(r.leaf(index)?)).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    pub index: u64,
    pub size: Option<u64>,
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

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
