//! Break-glass, its review, retention and erasure.
//!
//! - `POST /api/v1/people/{id}/break-glass` — a one-hour emergency window (reason required).
//! - `GET  /api/v1/review/break-glass`, `POST …/{item}/close` — the privacy officer's queue;
//!   nobody closes an item about their own access, and a repeated window is marked.
//! - `PUT  /api/v1/people/{id}/retention`, `POST /api/v1/people/{id}/erasure`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use caretrail_core::{AuditAction, EntryId, InputError, PersonId};
use caretrail_record::Receipt;
use caretrail_record::gate::ReviewFilter;
use caretrail_store::ReviewKind;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::openapi::{PersonPath, PurposeHeader, Refused, TAG_PRIVACY, TAG_RECORD};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(break_glass))
        .routes(routes!(review_queue))
        .routes(routes!(close_review))
        .routes(routes!(set_retention))
        .routes(routes!(erase))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassBody {
    /// At least 3 visible characters, no control characters.
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BreakGlassAnswer {
    #[schema(value_type = crate::schemas::EntryId)]
    pub id: EntryId,
    pub opened_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Opens a one-hour break-glass window on the person for the caller (reason required). Reads
/// inside it are marked and queued for the privacy officer's review.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/break-glass",
    tag = TAG_RECORD,
    security(("bearer" = [])),
    params(PersonPath, PurposeHeader),
    request_body = BreakGlassBody,
    responses((status = 201, description = "Window opened", body = BreakGlassAnswer), Refused)
)]
async fn break_glass(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<BreakGlassAnswer>), ApiError> {
    let answer = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.person_id(&id, AuditAction::OpenBreakGlass)?;
            let reason = crate::error::parse_input::<BreakGlassBody>(&body).map(|b| b.reason);
            let w = gate.open_break_glass(person, reason)?;
            Ok(BreakGlassAnswer {
                id: w.id,
                opened_at: w.opened_at,
                expires_at: w.expires_at,
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// One item of the privacy officer's break-glass review queue.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewItem {
    #[schema(value_type = crate::schemas::EntryId)]
    pub id: EntryId,
    #[schema(value_type = crate::schemas::EntryId)]
    pub window: EntryId,
    #[schema(value_type = crate::schemas::UserId)]
    pub accessor: caretrail_core::UserId,
    #[schema(value_type = crate::schemas::OrganisationId)]
    pub organisation: caretrail_core::OrganisationId,
    #[schema(value_type = crate::schemas::PersonId)]
    pub person: PersonId,
    pub reason: Option<String>,
    pub opened_at: Timestamp,
    pub read_at: Timestamp,
    pub status: String,
    pub finding: Option<String>,
    /// The accessor had opened another window on the same person within 24 hours.
    pub repeated: bool,
    /// The item is about the reviewer's own access: another reviewer must close it.
    pub own: bool,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    #[serde(default)]
    pub include_closed: bool,
}

/// The privacy officer's break-glass review queue: the break-glass reads of the review queue
/// (`GET /api/v1/review` lists every kind).
#[utoipa::path(
    get,
    path = "/api/v1/review/break-glass",
    tag = TAG_PRIVACY,
    security(("bearer" = [])),
    params(ReviewQuery, PurposeHeader),
    responses((status = 200, description = "Review items", body = Vec<ReviewItem>), Refused)
)]
async fn review_queue(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ReviewQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ReviewItem>>, ApiError> {
    let filter = query
        .map(|Query(q)| ReviewFilter {
            include_closed: q.include_closed,
            kind: Some(ReviewKind::BreakGlassRead),
        })
        .map_err(|_| InputError::field("/include_closed", "must be true or false"));
    let items = state
        .blocking(move |record| {
            Ok(caller
                .gate(record)
                .review_queue(filter)?
                .into_iter()
                .filter_map(|v| {
                    Some(ReviewItem {
                        id: v.id,
                        window: v.window?,
                        accessor: v.accessor,
                        organisation: v.organisation,
                        person: v.person,
                        reason: v.reason,
                        opened_at: v.opened_at?,
                        read_at: v.read_at,
                        status: if v.closed { "closed" } else { "open" }.into(),
                        finding: v.finding,
                        repeated: v.repeated,
                        own: v.own,
                    })
                })
                .collect())
        })
        .await?;
    Ok(Json(items))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    pub finding: String,
}

/// Closes a review item with the privacy officer's finding (never an item about their own
/// access: 409).
#[utoipa::path(
    post,
    path = "/api/v1/review/break-glass/{item}/close",
    tag = TAG_PRIVACY,
    security(("bearer" = [])),
    params(("item" = uuid::Uuid, Path, description = "The review item"), PurposeHeader),
    request_body = CloseBody,
    responses((status = 204, description = "Closed"), Refused)
)]
async fn close_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(item): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    state
        .blocking(move |record| Ok(caller.gate(record).close_review(&item, finding_of(&body))?))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A closing body's finding, trimmed; required.
pub(crate) fn finding_of(body: &[u8]) -> Result<String, InputError> {
    crate::error::parse_input::<CloseBody>(body).and_then(|b| {
        let f = b.finding.trim().to_owned();
        if f.is_empty() {
            Err(InputError::field(
                "/finding",
                "a finding is required to close an item",
            ))
        } else {
            Ok(f)
        }
    })
}

/// `PUT /api/v1/people/{id}/retention` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionBody {
    pub retain_until: Option<jiff::civil::Date>,
    pub legal_hold: bool,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RetentionAnswer {
    #[schema(value_type = crate::schemas::PersonId)]
    pub person: PersonId,
    pub retain_until: Option<jiff::civil::Date>,
    pub legal_hold: bool,
    pub set_at: Timestamp,
}

/// Sets the person's retention period and legal hold (privacy officer).
#[utoipa::path(
    put,
    path = "/api/v1/people/{id}/retention",
    tag = TAG_PRIVACY,
    security(("bearer" = [])),
    params(PersonPath, PurposeHeader),
    request_body = RetentionBody,
    responses((status = 200, description = "Set", body = RetentionAnswer), Refused)
)]
async fn set_retention(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<RetentionAnswer>, ApiError> {
    let answer = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.person_id(&id, AuditAction::SetRetention)?;
            let input = crate::error::parse_input::<RetentionBody>(&body)
                .map(|b| (b.retain_until, b.legal_hold));
            let row = gate.set_retention(person, input)?;
            Ok(RetentionAnswer {
                person,
                retain_until: row.retain_until,
                legal_hold: row.legal_hold,
                set_at: row.set_at,
            })
        })
        .await?;
    Ok(Json(answer))
}

/// `POST /api/v1/people/{id}/erasure` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureBody {
    pub reason: String,
}

/// Crypto-shreds the person (privacy officer); 409 while a retention period or legal hold
/// applies, saying which.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/erasure",
    tag = TAG_PRIVACY,
    security(("bearer" = [])),
    params(PersonPath, PurposeHeader),
    request_body = ErasureBody,
    responses((status = 200, description = "Erased; the receipt of the erasure entry", body = crate::schemas::Receipt), Refused)
)]
async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Receipt>, ApiError> {
    let receipt = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.person_id(&id, AuditAction::Erase)?;
            let reason = crate::error::parse_input::<ErasureBody>(&body).map(|b| b.reason);
            Ok(gate.erase(person, &caller.session.user, reason)?)
        })
        .await?;
    Ok(Json(receipt))
}
