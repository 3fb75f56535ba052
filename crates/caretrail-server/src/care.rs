//! Care relationships: who is caring for whom, through which organisation.
//!
//! - `GET  /api/v1/caseload` — the caller's active care relationships (a manager: their
//!   organisation's). Opaque ids only: reading a record is a separate, audited request.
//! - `POST /api/v1/people/{id}/relationships` — a manager starts care through their
//!   organisation (refused under a consent block, and never backdated).
//! - `POST /api/v1/people/{id}/relationships/{rid}/end` — ends one.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use caretrail_core::{AuditAction, PersonId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, Session};
use crate::openapi::{PersonPath, PurposeHeader, Refused, TAG_RECORD};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(caseload))
        .routes(routes!(add_relationship))
        .routes(routes!(end_relationship))
}

/// One person on the signed-in practitioner's caseload (opaque ids only: reading a record is a
/// separate, audited request).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseloadItem {
    #[schema(value_type = crate::schemas::PersonId)]
    pub person: PersonId,
    #[schema(value_type = crate::schemas::RelationshipKind)]
    pub relationship: caretrail_core::RelationshipKind,
    #[schema(value_type = crate::schemas::OrganisationId)]
    pub organisation: caretrail_core::OrganisationId,
    #[schema(value_type = crate::schemas::UserId)]
    pub practitioner: caretrail_core::UserId,
    pub since: Timestamp,
}

/// The people the caller has an active care relationship with (a manager: their
/// organisation's caseload). Opaque ids only.
#[utoipa::path(
    get,
    path = "/api/v1/caseload",
    tag = TAG_RECORD,
    security(("bearer" = [])),
    responses((status = 200, description = "Caseload", body = Vec<CaseloadItem>), Refused)
)]
async fn caseload(
    State(state): State<AppState>,
    session: Session,
) -> Result<Json<Vec<CaseloadItem>>, ApiError> {
    let principal = caretrail_access::Principal::from_user(&session.user, Default::default());
    let items = state
        .blocking(move |record| {
            Ok(record
                .gate(principal)
                .caseload()?
                .into_iter()
                .map(|r| CaseloadItem {
                    person: r.person,
                    relationship: r.kind,
                    organisation: r.organisation,
                    practitioner: r.practitioner,
                    since: r.from,
                })
                .collect())
        })
        .await?;
    Ok(Json(items))
}

/// `POST /api/v1/people/{id}/relationships` body: a practitioner of the caller's organisation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRelationshipBody {
    #[schema(value_type = crate::schemas::UserId)]
    pub practitioner: caretrail_core::UserId,
    #[schema(value_type = crate::schemas::RelationshipKind)]
    pub kind: caretrail_core::RelationshipKind,
    /// When care starts: now when absent, never more than 5 minutes in the past.
    #[serde(default)]
    pub from: Option<Timestamp>,
}

/// Starts a care relationship through the caller's organisation (a manager's referral).
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/relationships",
    tag = TAG_RECORD,
    security(("bearer" = [])),
    params(PersonPath, PurposeHeader),
    request_body = NewRelationshipBody,
    responses((status = 201, description = "Started", body = crate::schemas::CareRelationship), Refused)
)]
async fn add_relationship(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<caretrail_core::CareRelationship>), ApiError> {
    let rel = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.person_id(&id, AuditAction::ManageRelationships)?;
            let input = crate::error::parse_input::<NewRelationshipBody>(&body)
                .map(|b| (b.practitioner, b.kind, b.from));
            Ok(gate.start_relationship(person, input)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(rel)))
}

/// Ends a care relationship (through the organisation it runs through).
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/relationships/{rid}/end",
    tag = TAG_RECORD,
    security(("bearer" = [])),
    params(
        PersonPath,
        ("rid" = uuid::Uuid, Path, description = "The relationship"),
        PurposeHeader,
    ),
    responses((status = 204, description = "Ended"), Refused)
)]
async fn end_relationship(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, rid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.person_id(&id, AuditAction::ManageRelationships)?;
            Ok(gate.end_relationship(person, &rid)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
