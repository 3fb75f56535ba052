//! Decision-support flags: raised on writes, listed for the people the caller may read, and
//! acknowledged by a practitioner (DESIGN §1 point 5; `reference/instruments.md`, "Flags raised
//! on writes").
//!
//! - Raising: [`raised_by`] runs on the write path (`people::write_entry`). The record
//!   (`caretrail_record::flags`) scores what the new entry lets `caretrail-insight` score; each
//!   flag is an entry authored by the system account, whose write `caretrail-access` authorises
//!   (the `system` row: flags, for anyone), committed in the same transaction as the entry.
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
use caretrail_access::{Action, Decision, Principal, Review, decide_review};
use caretrail_core::data::{AckDecision, Severity};
use caretrail_core::{
    AuditAction, EntryData, EntryId, EntryKind, InputError, PersonId, Purpose, Role,
};
use caretrail_record::{FlagState, FlagStatus, NewEntryRequest, Receipt, Record, RecordError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, Session};
use crate::error::{Path, Query};
use crate::openapi::{PurposeHeader, Refused, TAG_DECISION_SUPPORT};
use crate::people::{audit, audit_invalid, event, judge, refusal};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(acknowledge))
}

/// The flag entries `new` raises, authored by the system account, once `caretrail-access` has
/// allowed the system to write them.
pub(crate) fn raised_by(
    record: &Record,
    new: &NewEntryRequest,
) -> Result<Vec<NewEntryRequest>, RecordError> {
    let flags = record.flags_for(new)?;
    let Some(first) = flags.first() else {
        return Ok(flags);
    };
    let principal = Principal::from_user(&first.author, Purpose::Care);
    let allowed = judge(
        record,
        &principal,
        new.person,
        &Action::write(EntryKind::Flag, &[]),
    )
    .map(|j| matches!(j.decision, Some(Decision::Allow(_))))
    .unwrap_or(false);
    if !allowed {
        return Err(RecordError::Ledger(
            "the system account may not write flags".into(),
        ));
    }
    Ok(flags)
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
    pub id: EntryId,
    pub decision: AckDecision,
    pub reason: Option<String>,
    pub author: caretrail_core::UserId,
    pub recorded_at: Timestamp,
    pub leaf_index: u64,
}

/// One flag: what decision support advised, from which inputs, and where it stands.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlagItem {
    /// The flag entry.
    pub id: EntryId,
    pub person: PersonId,
    pub status: FlagStatus,
    pub instrument: String,
    pub version: String,
    pub severity: Severity,
    /// The row of the flag table (with person and instrument, the supersession key).
    pub reason: String,
    pub summary: String,
    /// `{"reason","thresholds","explanation"}` for the flags decision support raises.
    pub explanation: serde_json::Value,
    /// The entries the instrument read.
    pub inputs: Vec<EntryId>,
    /// The earlier flag this one supersedes.
    pub supersedes: Option<EntryId>,
    /// The later flag that supersedes this one.
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

/// The people whose flags `principal` might read: their own care relationships, a manager's
/// organisation caseload, a citizen's own record.
fn candidates(record: &Record, session: &Session) -> Result<Vec<PersonId>, ApiError> {
    let user = &session.user;
    let now = Timestamp::now();
    let mut people: Vec<PersonId> = match user.role {
        Role::Citizen => user.person.into_iter().collect(),
        _ => crate::people::reach(record, user)?
            .into_iter()
            .filter(|r| r.is_active_at(now))
            .map(|r| r.person)
            .collect(),
    };
    people.sort();
    people.dedup();
    Ok(people)
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
    Caller { session, principal }: Caller,
    query: Result<Query<FlagsQuery>, ApiError>,
) -> Result<Json<Vec<FlagItem>>, ApiError> {
    let items = state
        .blocking(move |record| {
            let decision = decide_review(&principal, Review::Flags);
            let mut ev = event(&principal, None, AuditAction::ReadFlags);
            let q = match query {
                Ok(Query(q)) => q,
                Err(_) => {
                    ev.reason = "invalid-input".into();
                    record.audit(ev)?;
                    return Err(InputError::field(
                        "/status",
                        "must be open, acknowledged, superseded or all",
                    )
                    .into());
                }
            };
            ev.allowed = decision.is_allowed();
            ev.reason = decision.code().to_owned();
            record.audit(ev)?;
            if !decision.is_allowed() {
                return Err(refusal(Some(&decision)));
            }
            let mut items = Vec::new();
            for person in candidates(record, &session)? {
                let j = judge(record, &principal, person, &Action::ReadFlags)?;
                // Break-glass reads are opened one person at a time, never through a list.
                let Some(Decision::Allow(grant)) = j.decision else {
                    continue;
                };
                if grant.break_glass() || grant.person_erased() {
                    continue;
                }
                items.extend(
                    record
                        .flags(person)?
                        .into_iter()
                        .filter(|f| match q.status {
                            StatusFilter::All => true,
                            StatusFilter::Open => f.status == FlagStatus::Open,
                            StatusFilter::Acknowledged => f.status == FlagStatus::Acknowledged,
                            StatusFilter::Superseded => f.status == FlagStatus::Superseded,
                        })
                        .filter_map(FlagItem::from_state),
                );
            }
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
    responses((status = 201, description = "Acknowledged: the acknowledgement's receipt", body = Receipt), Refused)
)]
async fn acknowledge(
    State(state): State<AppState>,
    Caller { session, principal }: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let author = session.user.clone();
    let receipt = state
        .blocking(move |record| {
            let flag_id: Option<EntryId> = id.parse().ok();
            let row = match flag_id {
                Some(f) => record.store().entry(f).map_err(RecordError::from)?,
                None => None,
            };
            let Some(row) = row.filter(|r| r.meta.kind == EntryKind::Flag) else {
                let mut ev = event(&principal, None, AuditAction::WriteEntry);
                ev.reason = "no-such-flag".into();
                record.audit(ev)?;
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "Not found",
                    "no flag with that id",
                ));
            };
            let (flag, person) = (row.meta.id, row.meta.person);
            // Bad input is still an attempt: it is audited (denied, `invalid-input`) first.
            let parsed = crate::error::parse_json::<AcknowledgeBody>(&body).and_then(|b| {
                let value = serde_json::json!({
                    "flag": flag, "decision": b.decision, "reason": b.reason,
                });
                EntryData::parse(EntryKind::Acknowledgement, &value).map_err(ApiError::from)
            });
            let data = match parsed {
                Ok(d) => d,
                Err(e) => {
                    audit_invalid(record, &principal, person, AuditAction::WriteEntry)?;
                    return Err(e);
                }
            };
            let action = Action::write_data(&data);
            let j = judge(record, &principal, person, &action)?;
            if !matches!(j.decision, Some(Decision::Allow(_))) {
                audit(record, &j)?;
                return Err(refusal(j.decision.as_ref()));
            }
            let state = record
                .flags(person)?
                .into_iter()
                .find(|f| f.entry.id == flag)
                .map(|f| f.status);
            if state != Some(FlagStatus::Open) {
                record.audit(caretrail_core::AuditEvent {
                    allowed: false,
                    reason: "flag-not-open".into(),
                    ..j.event
                })?;
                return Err(RecordError::Conflict(
                    "this flag has already been acknowledged or superseded".into(),
                )
                .into());
            }
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
            Ok(record.add_entry_audited(new, j.event)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}
