//! A person's consent directives: read them, or replace the whole set.
//!
//! - `GET /api/v1/people/{id}/consent` — the directives in force and the entry that set them.
//! - `PUT /api/v1/people/{id}/consent` — `{"directives":[...]}` replaces every earlier directive.
//!   The new set is one consent entry in the ledger (the earlier sets stay there), and the answer
//!   is its write receipt.
//!
//! Who may do which is `caretrail-access`'s table: practitioners in a care relationship read,
//! a social worker and the person themselves replace. Both routes are audited like every route
//! on a person's record.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use caretrail_core::data::Consent;
use caretrail_core::{AuditAction, EntryData, EntryId, EntryKind, PersonId};
use caretrail_record::Receipt;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::openapi::{PersonPath, PurposeHeader, Refused, TAG_CONSENT};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_consent, replace_consent))
}

/// The consent directives in force for a person.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentAnswer {
    #[schema(value_type = crate::schemas::PersonId)]
    pub person: PersonId,
    /// Applied in order; a later directive about the same organisation and category wins.
    #[schema(value_type = Vec<crate::schemas::data::Consent>)]
    pub directives: Vec<Consent>,
    /// The consent entry that set them; `null` when none has been recorded.
    #[schema(value_type = Option<crate::schemas::EntryId>)]
    pub entry: Option<EntryId>,
    pub recorded_at: Option<Timestamp>,
}

/// The consent directives in force, and the entry that set them.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/consent",
    tag = TAG_CONSENT,
    security(("bearer" = [])),
    params(PersonPath, PurposeHeader),
    responses((status = 200, description = "Directives in force", body = ConsentAnswer), Refused)
)]
async fn read_consent(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ConsentAnswer>, ApiError> {
    let answer = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.person_id(&id, AuditAction::ReadConsent)?;
            let c = gate.read_consent(person)?.consent()?;
            Ok(ConsentAnswer {
                person,
                directives: c.directives,
                entry: c.entry,
                recorded_at: c.recorded_at,
            })
        })
        .await?;
    Ok(Json(answer))
}

/// Replaces the whole set of directives (the person, or their social worker). The new set is one
/// consent entry; the answer is its receipt.
#[utoipa::path(
    put,
    path = "/api/v1/people/{id}/consent",
    tag = TAG_CONSENT,
    security(("bearer" = [])),
    params(PersonPath, PurposeHeader),
    request_body = crate::schemas::data::ConsentSet,
    responses((status = 200, description = "Replaced", body = crate::schemas::Receipt), Refused)
)]
async fn replace_consent(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Receipt>, ApiError> {
    let receipt = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.person_id(&id, AuditAction::ReplaceConsent)?;
            let data = crate::error::parse_input::<serde_json::Value>(&body)
                .and_then(|v| EntryData::parse(EntryKind::Consent, &v));
            Ok(gate.replace_consent(person, &caller.session.user, data)?)
        })
        .await?;
    Ok(Json(receipt))
}
