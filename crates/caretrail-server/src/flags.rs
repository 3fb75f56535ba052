//! Decision-support flags: raised on writes, listed for the people the caller may read, and
//! acknowledged by a practitioner (DESIGN §1 point 5; `reference/instruments.md`, "Flags raised
//! on writes").
//!
//! - Raising: the gate's write path (`caretrail_record::gate`) asks the record
//!   (`caretrail_record::flags`) what the new entry lets `caretrail-insight` score; each flag is
//!   an entry authored by the system account, whose write `caretrail-access` authorises (the
//!   `system` row: flags, for anyone), committed in the same transaction as the entry. A flag
//!   carries the consent categories of what it was computed from, and is withheld wherever
//!   any of them is.
//! - `GET  /api/v1/flags?status=open` — the flags of the people the caller may read flags of
//!   (their care relationships, a manager's caseload, a citizen's own). One audit leaf per
//!   attempt ([`Review::Flags`]); each person is then decided with `Action::ReadFlags`, and people
//!   refused (consent, for instance) are left out.
//! - `POST /api/v1/flags/{id}/acknowledge` — `{"decision":"accept"|"override","reason"}`: an
//!   acknowledgement entry naming the flag, written like any entry (one audit leaf, committed
//!   with the entry). An override needs a reason (422 naming `/reason`). A flag is never
//!   deleted: it is open, acknowledged, or superseded by a newer flag of the same instrument and
//!   reason.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use caretrail_core::data::{AckDecision, Severity};
use caretrail_core::{EntryId, InputError, PersonId};
use caretrail_record::{FlagState, FlagStatus, Receipt};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{Path, Query};
use crate::openapi::{PurposeHeader, Refused, TAG_DECISION_SUPPORT};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(acknowledge))
}

/// Which flags to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    /// Neither acknowledged nor superseded (the default).
    #[default]
    Open,
    Acknowledged,
    Superseded,
    All,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FlagsQuery {
    /// `open` (default), `acknowledged`, `superseded` or `all`.
    #[serde(default)]
    #[param(inline)]
    pub status: StatusFilter,
}

/// A practitioner's answer to a flag, as listed with it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AcknowledgementView {
    /// The acknowledgement entry.
    #[schema(value_type = crate::schemas::EntryId)]
    pub id: EntryId,
    #[schema(value_type = crate::schemas::data::AckDecision)]
    pub decision: AckDecision,
    pub reason: Option<String>,
    #[schema(value_type = crate::schemas::UserId)]
    pub author: caretrail_core::UserId,
    pub recorded_at: Timestamp,
    pub leaf_index: u64,
}

/// One flag: what decision support advised, from which inputs, and where it stands.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlagItem {
    /// The flag entry.
    #[schema(value_type = crate::schemas::EntryId)]
    pub id: EntryId,
    #[schema(value_type = crate::schemas::PersonId)]
    pub person: PersonId,
    #[schema(value_type = crate::schemas::FlagStatus)]
    pub status: FlagStatus,
    pub instrument: String,
    pub version: String,
    #[schema(value_type = crate::schemas::data::Severity)]
    pub severity: Severity,
    /// The row of the flag table (with person and instrument, the supersession key).
    pub reason: String,
    pub summary: String,
    /// `{"reason","thresholds","explanation"}` for the flags decision support raises.
    pub explanation: serde_json::Value,
    /// The entries the instrument read.
    #[schema(value_type = Vec<crate::schemas::EntryId>)]
    pub inputs: Vec<EntryId>,
    /// The earlier flag this one supersedes.
    #[schema(value_type = Option<crate::schemas::EntryId>)]
    pub supersedes: Option<EntryId>,
    /// The later flag that supersedes this one.
    #[schema(value_type = Option<crate::schemas::EntryId>)]
    pub superseded_by: Option<EntryId>,
    pub acknowledgement: Option<AcknowledgementView>,
    pub raised_at: Timestamp,
    pub leaf_index: u64,
}

impl FlagItem {
    /// `None` for an erased flag (no data left to show).
    fn from_state(f: FlagState) -> Option<FlagItem> {
        let data = f.entry.data.as_ref()?;
        let flag: caretrail_core::data::Flag =
            caretrail_core::problem::deserialize_strict(data).ok()?;
        let reason = flag.explanation["reason"].as_str().unwrap_or("").to_owned();
        let acknowledgement = f.acknowledgement.as_ref().and_then(|a| {
            let ack: caretrail_core::data::Acknowledgement =
                caretrail_core::problem::deserialize_strict(a.data.as_ref()?).ok()?;
            Some(AcknowledgementView {
                id: a.id,
                decision: ack.decision,
                reason: ack.reason,
                author: a.author,
                recorded_at: a.recorded_at,
                leaf_index: a.leaf_index,
            })
        });
        Some(FlagItem {
            id: f.entry.id,
            person: f.entry.person,
            status: f.status,
            instrument: flag.instrument,
            version: flag.version,
            severity: flag.severity,
            reason,
            summary: flag.summary,
            explanation: flag.explanation,
            inputs: flag.inputs,
            supersedes: f.entry.amends,
            superseded_by: f.superseded_by,
            acknowledgement,
            raised_at: f.entry.effective_at,
            leaf_index: f.entry.leaf_index,
        })
    }
}

/// The flags of the people the caller may read flags of, most severe first, then newest.
/// One audit leaf per attempt; people whose record refuses the caller (for example by consent)
/// are left out.
#[utoipa::path(
    get,
    path = "/api/v1/flags",
    tag = TAG_DECISION_SUPPORT,
    security(("bearer" = [])),
    params(FlagsQuery, PurposeHeader),
    responses((status = 200, description = "Flags", body = Vec<FlagItem>), Refused)
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<FlagsQuery>, ApiError>,
) -> Result<Json<Vec<FlagItem>>, ApiError> {
    let status = query
        .map(|Query(q)| match q.status {
            StatusFilter::All => None,
            StatusFilter::Open => Some(FlagStatus::Open),
            StatusFilter::Acknowledged => Some(FlagStatus::Acknowledged),
            StatusFilter::Superseded => Some(FlagStatus::Superseded),
        })
        .map_err(|_| InputError::field("/status", "must be open, acknowledged, superseded or all"));
    let items = state
        .blocking(move |record| {
            let mut items: Vec<FlagItem> = caller
                .gate(record)
                .flags_list(status)?
                .into_iter()
                .filter_map(FlagItem::from_state)
                .collect();
            items.sort_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then(b.raised_at.cmp(&a.raised_at))
            });
            Ok(items)
        })
        .await?;
    Ok(Json(items))
}

/// `POST /api/v1/flags/{id}/acknowledge` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeBody {
    #[schema(value_type = crate::schemas::data::AckDecision)]
    pub decision: AckDecision,
    /// Required for an override: why the advice does not apply.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Acknowledges an open flag: accept it, or override it with a reason. The acknowledgement is a
/// ledger entry naming the flag; the answer is its receipt. A flag already acknowledged or
/// superseded answers 409.
#[utoipa::path(
    post,
    path = "/api/v1/flags/{id}/acknowledge",
    tag = TAG_DECISION_SUPPORT,
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The flag entry"), PurposeHeader),
    request_body = AcknowledgeBody,
    responses((status = 201, description = "Acknowledged: the acknowledgement's receipt", body = crate::schemas::Receipt), Refused)
)]
async fn acknowledge(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let receipt = state
        .blocking(move |record| {
            let input =
                crate::error::parse_input::<AcknowledgeBody>(&body).map(|b| (b.decision, b.reason));
            Ok(caller
                .gate(record)
                .acknowledge(&id, &caller.session.user, input)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}
