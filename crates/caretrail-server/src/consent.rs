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
use caretrail_access::Action;
use caretrail_core::data::Consent;
use caretrail_core::{AuditAction, EntryData, EntryId, EntryKind, PersonId};
use caretrail_record::{NewEntryRequest, Receipt};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::openapi::{PersonPath, PurposeHeader, Refused, TAG_CONSENT};
use crate::people::{audit_invalid, authorise, current_consent, parse_person, write_entry};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_consent, replace_consent))
}

/// The consent directives in force for a person.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsentAnswer {
    pub person: PersonId,
    /// Applied in order; a later directive about the same organisation and category wins.
    pub directives: Vec<Consent>,
    /// The consent entry that set them; `null` when none has been recorded.
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
    Caller { principal, .. }: Caller,
    Path(id): Path<String>,
) -> Result<Json<ConsentAnswer>, ApiError> {
    let person = parse_person(&id)?;
    let answer = state
        .blocking(move |record| {
            authorise(record, &principal, person, &Action::ReadConsent)?;
            let current = current_consent(record, person)?;
            Ok(match current {
                None => ConsentAnswer {
                    person,
                    directives: Vec::new(),
                    entry: None,
                    recorded_at: None,
                },
                Some((entry, directives)) => ConsentAnswer {
                    person,
                    directives,
                    entry: Some(entry.id),
                    recorded_at: Some(entry.recorded_at),
                },
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
    request_body = caretrail_core::data::ConsentSet,
    responses((status = 200, description = "Replaced", body = Receipt), Refused)
)]
async fn replace_consent(
    State(state): State<AppState>,
    Caller { session, principal }: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Receipt>, ApiError> {
    let person = parse_person(&id)?;
    let author = session.user.clone();
    let receipt = state
        .blocking(move |record| {
            let parsed = crate::error::parse_json::<serde_json::Value>(&body)
                .and_then(|v| EntryData::parse(EntryKind::Consent, &v).map_err(ApiError::from));
            let data = match parsed {
                Ok(data) => data,
                Err(err) => {
                    audit_invalid(record, &principal, person, AuditAction::ReplaceConsent)?;
                    return Err(err);
                }
            };
            let now = Timestamp::now();
            let new = NewEntryRequest {
                id: EntryId::new(),
                person,
                organisation: author.organisation,
                author,
                recorded_at: now,
                effective_at: now,
                amends: None,
                data,
            };
            write_entry(record, &principal, &Action::ReplaceConsent, new).map(|(r, _)| r)
        })
        .await?;
    Ok(Json(receipt))
}
