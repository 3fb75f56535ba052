//! Routes on a person's record: who they are, their timeline, and writing to it. Each handler
//! parses, asks the gate (`caretrail_record::gate`, which decides, audits and hands back a
//! capability), and shapes the answer; nothing here decides access or writes an audit leaf.
//!
//! - `GET  /api/v1/people/{id}` — the person's profile and current carers.
//! - `GET  /api/v1/people/{id}/timeline?from&to&kind` — the entries the caller may see.
//! - `POST /api/v1/people/{id}/entries` — `{"kind","data","effective_at"?,"amends"?}`; the
//!   audit leaf, the entry and the flags it raises commit in one transaction.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use caretrail_core::{AuditAction, EntryData, EntryId, EntryKind, InputError, PersonId};
use caretrail_record::gate::{EntryInput, TimelineFilter};
use caretrail_record::{Receipt, Record};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::openapi::{PersonPath, PurposeHeader, Refused, TAG_RECORD};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(person))
        .routes(routes!(timeline))
        .routes(routes!(add_entry))
}

/// Who the record is about: the heading of a practitioner's view of it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonAnswer {
    #[schema(value_type = crate::schemas::PersonId)]
    pub id: PersonId,
    /// Name, date of birth, address; `null` once erased.
    #[schema(value_type = Option<crate::schemas::PersonProfile>)]
    pub profile: Option<caretrail_core::PersonProfile>,
    pub erased: bool,
    /// The care relationships active now: who is looking after the person, through which
    /// organisation.
    #[schema(value_type = Vec<crate::schemas::CareRelationship>)]
    pub relationships: Vec<caretrail_core::CareRelationship>,
}

/// The person's profile and current care relationships, if the caller may read the record.
/// Audited as a read of the record.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}",
    tag = TAG_RECORD,
    security(("bearer" = [])),
    params(PersonPath, PurposeHeader),
    responses((status = 200, description = "The person", body = PersonAnswer), Refused)
)]
async fn person(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PersonAnswer>, ApiError> {
    let answer = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.person_id(&id, AuditAction::ReadRecord)?;
            let view = gate.read_record(person)?.person_view()?;
            Ok(PersonAnswer {
                id: view.id,
                profile: view.profile,
                erased: view.erased,
                relationships: view.relationships,
            })
        })
        .await?;
    Ok(Json(answer))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    #[param(value_type = Option<crate::schemas::EntryKind>)]
    pub kind: Option<EntryKind>,
}

/// A JSON array of entries ([`Entry`]'s shape), already serialised by the record service.
#[derive(Debug)]
pub(crate) struct EntriesJson(pub(crate) Vec<u8>);

impl IntoResponse for EntriesJson {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// Reads the timeline's JSON through the gate: entries in withheld categories left out and the
/// filters applied (on metadata, before decryption).
pub(crate) fn read_timeline(
    record: &Record,
    caller: &Caller,
    person: Result<PersonId, ApiError>,
    filter: Result<TimelineFilter, InputError>,
) -> Result<EntriesJson, ApiError> {
    let gate = caller.gate(record);
    let person = person?;
    let filter = match filter {
        Ok(f) => f,
        Err(e) => {
            return Err(gate
                .invalid(Some(person), AuditAction::ReadRecord, e)
                .into());
        }
    };
    Ok(EntriesJson(
        gate.read_record(person)?.timeline_json(&filter)?,
    ))
}

/// A person's entries in effective-time order: those the caller's role, care relationship and
/// the person's consent let them see. Audited before any data leaves.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/timeline",
    tag = TAG_RECORD,
    security(("bearer" = [])),
    params(PersonPath, TimelineQuery, PurposeHeader),
    responses((status = 200, description = "Entries", body = Vec<crate::schemas::Entry>), Refused)
)]
async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    query: Result<Query<TimelineQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<EntriesJson, ApiError> {
    let filter = query
        .map(|Query(q)| TimelineFilter {
            kind: q.kind,
            from: q.from,
            to: q.to,
        })
        .map_err(|_| {
            InputError::field(
                "",
                "query parameters are from, to (RFC 3339 times) and kind (an entry kind)",
            )
        });
    state
        .blocking(move |record| {
            let person = caller
                .gate(record)
                .person_id(&id, AuditAction::ReadRecord)
                .map_err(ApiError::from);
            read_timeline(record, &caller, person, filter)
        })
        .await
}

/// `POST /api/v1/people/{id}/entries` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntryBody {
    #[schema(value_type = crate::schemas::EntryKind)]
    pub kind: EntryKind,
    /// The entry's data: the schema named after its kind (`CaseNote` for `case-note`, ...).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    #[serde(default)]
    pub effective_at: Option<Timestamp>,
    #[serde(default)]
    #[schema(value_type = Option<crate::schemas::EntryId>)]
    pub amends: Option<EntryId>,
}

/// Parses an entry body: its JSON, then its data for its kind (fields under `/data`).
fn entry_input(body: &[u8]) -> Result<EntryInput, InputError> {
    let b: NewEntryBody = crate::error::parse_input(body)?;
    let data = EntryData::parse(b.kind, &b.data).map_err(|mut e| {
        for f in &mut e.errors {
            f.field = format!("/data{}", f.field);
        }
        e
    })?;
    Ok(EntryInput {
        data,
        effective_at: b.effective_at,
        amends: b.amends,
    })
}

/// Writes an entry. The audit leaf and the entry commit together; the answer is the receipt.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/entries",
    tag = TAG_RECORD,
    security(("bearer" = [])),
    params(PersonPath, PurposeHeader),
    request_body = NewEntryBody,
    responses((status = 201, description = "Written: the entry's receipt, and the receipts of the flags decision support raised on it in the same transaction", body = WriteReceipt), Refused)
)]
async fn add_entry(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<WriteReceipt>), ApiError> {
    let receipt = state
        .blocking(move |record| {
            let gate = caller.gate(record);
            let person = gate.person_id(&id, AuditAction::WriteEntry)?;
            Ok(gate.write(person, &caller.session.user, entry_input(&body))?)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WriteReceipt {
            entry_id: receipt.entry.entry_id,
            leaf_index: receipt.entry.leaf_index,
            checkpoint: receipt.entry.checkpoint,
            flags: receipt.flags,
        }),
    ))
}

/// The answer to `POST /api/v1/people/{id}/entries`: the entry's receipt (DESIGN §4) and the
/// receipts of the flag entries decision support raised on it, committed in the same
/// transaction (empty when it raised none).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WriteReceipt {
    pub entry_id: String,
    pub leaf_index: u64,
    /// The signed note of a checkpoint whose tree includes the leaf.
    pub checkpoint: String,
    #[schema(value_type = Vec<crate::schemas::Receipt>)]
    pub flags: Vec<Receipt>,
}
