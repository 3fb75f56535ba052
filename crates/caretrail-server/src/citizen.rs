//! A citizen's own record: `GET /api/v1/me/record`, `/me/access-log` (who looked at it) and
//! `/me/export` (everything held, GDPR Arts. 15 and 20). Any other account gets 403, and the
//! attempt is still audited (every attempt on a `/me/...` route writes one leaf).

use axum::Json;
use axum::extract::State;
use caretrail_core::{AuditAction, AuditEvent, Entry, PersonId, Purpose};
use caretrail_record::gate::TimelineFilter;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::openapi::{PurposeHeader, Refused, TAG_CITIZEN};
use crate::people::{EntriesJson, read_timeline};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_record))
        .routes(routes!(my_access_log))
        .routes(routes!(my_export))
}

/// The signed-in citizen's own record.
#[utoipa::path(
    get,
    path = "/api/v1/me/record",
    tag = TAG_CITIZEN,
    security(("bearer" = [])),
    params(PurposeHeader),
    responses((status = 200, description = "Entries", body = Vec<crate::schemas::Entry>), Refused)
)]
async fn my_record(State(state): State<AppState>, caller: Caller) -> Result<EntriesJson, ApiError> {
    state
        .blocking(move |record| {
            let person = caller
                .gate(record)
                .own_person(AuditAction::ReadRecord)
                .map_err(ApiError::from);
            read_timeline(record, &caller, person, Ok(TimelineFilter::default()))
        })
        .await
}

/// One line of the access log a citizen sees (DESIGN §4).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessEvent {
    pub accessor: String,
    #[schema(value_type = crate::schemas::Role)]
    pub role: caretrail_core::Role,
    pub organisation: String,
    pub time: Timestamp,
    #[schema(value_type = crate::schemas::Purpose)]
    pub purpose: Purpose,
    #[schema(value_type = crate::schemas::AuditAction)]
    pub action: AuditAction,
    pub decision: String,
    pub break_glass: bool,
    /// Why, as a code: the basis of an allowed access (`care-relationship`, `break-glass`,
    /// `consent-basis-best-interests` for a consent change made for the person, ...) or the
    /// reason of a refusal.
    pub reason: String,
}

/// Who accessed the signed-in citizen's record: every attempt, allowed or denied.
#[utoipa::path(
    get,
    path = "/api/v1/me/access-log",
    tag = TAG_CITIZEN,
    security(("bearer" = [])),
    params(PurposeHeader),
    responses((status = 200, description = "Access events, oldest first", body = Vec<AccessEvent>), Refused)
)]
async fn my_access_log(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AccessEvent>>, ApiError> {
    let log = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.own_person(AuditAction::ReadAccessLog)?;
            Ok(gate
                .read_access_log(person)?
                .access_log()?
                .into_iter()
                .map(|line| AccessEvent {
                    accessor: line.accessor,
                    role: line.event.role,
                    organisation: line.organisation,
                    time: line.event.at,
                    purpose: line.event.purpose,
                    action: line.event.action,
                    decision: if line.event.allowed {
                        "allowed".into()
                    } else {
                        "denied".into()
                    },
                    break_glass: line.event.break_glass,
                    reason: line.event.reason,
                })
                .collect())
        })
        .await?;
    Ok(Json(log))
}

/// Everything held about the signed-in citizen (GDPR Arts. 15 and 20), as JSON.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Export {
    #[schema(value_type = crate::schemas::PersonId)]
    pub person: PersonId,
    #[schema(value_type = Option<crate::schemas::PersonProfile>)]
    pub profile: Option<caretrail_core::PersonProfile>,
    #[schema(value_type = Vec<crate::schemas::Entry>)]
    pub entries: Vec<Entry>,
    #[schema(value_type = Vec<crate::schemas::CareRelationship>)]
    pub relationships: Vec<caretrail_core::CareRelationship>,
    #[schema(value_type = Vec<crate::schemas::AuditEvent>)]
    pub access_log: Vec<AuditEvent>,
    pub exported_at: Timestamp,
}

/// Everything held about the signed-in citizen (GDPR Arts. 15 and 20).
#[utoipa::path(
    get,
    path = "/api/v1/me/export",
    tag = TAG_CITIZEN,
    security(("bearer" = [])),
    params(PurposeHeader),
    responses((status = 200, description = "The export", body = Export), Refused)
)]
async fn my_export(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Export>, ApiError> {
    let export = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.own_person(AuditAction::Export)?;
            let parts = gate.export(person)?.export()?;
            Ok(Export {
                person,
                profile: parts.profile,
                entries: parts.entries,
                relationships: parts.relationships,
                access_log: parts.access_log,
                exported_at: Timestamp::now(),
            })
        })
        .await?;
    Ok(Json(export))
}
