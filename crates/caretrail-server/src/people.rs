//! Routes on a person's record. Each attempt — allowed or denied, well-formed or not — writes
//! exactly one audit leaf, and it is committed before any data is returned (fail closed).
//!
//! - `GET  /api/v1/people/{id}/timeline?from&to&kind` — the entries the caller may see.
//! - `POST /api/v1/people/{id}/entries` — `{"kind","data","effective_at"?,"amends"?}`; the
//!   audit leaf and the entry commit in one transaction; the answer is the write receipt.
//! - `GET  /api/v1/me/record` and `GET /api/v1/me/access-log` — a citizen's own record and who
//!   looked at it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use caretrail_access::{
    Action, BreakGlassGrant, Decision, Facts, Principal, Review, decide, decide_review,
};
use caretrail_core::data::Consent;
use caretrail_core::{
    AuditAction, AuditEvent, Entry, EntryData, EntryId, EntryKind, InputError, PersonId, Purpose,
};
use caretrail_record::{NewEntryRequest, Receipt, Record, RecordError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, Session};
use crate::openapi::{PersonPath, PurposeHeader, Refused, TAG_CITIZEN, TAG_PRIVACY, TAG_RECORD};
use crate::{ApiError, AppState};

pub const PURPOSE_HEADER: &str = "x-purpose-of-use";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(person))
        .routes(routes!(timeline))
        .routes(routes!(add_entry))
        .routes(routes!(break_glass))
        .routes(routes!(add_relationship))
        .routes(routes!(end_relationship))
        .routes(routes!(set_retention))
        .routes(routes!(erase))
        .routes(routes!(review_queue))
        .routes(routes!(close_review))
        .routes(routes!(caseload))
        .routes(routes!(my_record))
        .routes(routes!(my_access_log))
        .routes(routes!(my_export))
}

/// The purpose of use from `X-Purpose-Of-Use` (default `care`).
pub(crate) fn purpose(headers: &HeaderMap) -> Result<Purpose, ApiError> {
    match headers.get(PURPOSE_HEADER) {
        None => Ok(Purpose::Care),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| {
                ApiError::from(InputError {
                    syntax: true,
                    errors: vec![caretrail_core::FieldError::new(
                        "",
                        "X-Purpose-Of-Use must be care, safeguarding, emergency or audit",
                    )],
                })
            }),
    }
}

pub(crate) fn parse_person(id: &str) -> Result<PersonId, ApiError> {
    id.parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "Not found", "no person with that id"))
}

/// The person's consent directives in force: those of their latest consent entry (each consent
/// entry holds the whole set), with that entry. `None` when they have never recorded one.
pub(crate) fn current_consent(
    record: &Record,
    person: PersonId,
) -> Result<Option<(Entry, Vec<Consent>)>, RecordError> {
    let latest = record
        .store()
        .latest_entry_of_kind(person, EntryKind::Consent)?;
    let Some(row) = latest else {
        return Ok(None);
    };
    let entry = record.decrypt(&row)?;
    let directives = match entry
        .data
        .as_ref()
        .map(|d| EntryData::parse(EntryKind::Consent, d))
    {
        Some(Ok(EntryData::Consent(set))) => set.directives,
        // Erased, or (impossible for a validated write) unreadable: no directives.
        _ => Vec::new(),
    };
    Ok(Some((entry, directives)))
}

fn consents(record: &Record, person: PersonId) -> Result<Vec<Consent>, RecordError> {
    Ok(current_consent(record, person)?.map_or_else(Vec::new, |(_, d)| d))
}

pub(crate) fn event(
    principal: &Principal,
    person: Option<PersonId>,
    action: AuditAction,
) -> AuditEvent {
    AuditEvent {
        id: EntryId::new(),
        at: Timestamp::now(),
        accessor: principal.user,
        role: principal.role,
        organisation: principal.organisation,
        person,
        action,
        purpose: principal.purpose,
        allowed: false,
        break_glass: false,
        reason: String::new(),
    }
}

/// A decision on an attempt and its audit event (not yet written).
pub(crate) struct Judgement {
    pub(crate) decision: Option<Decision>,
    pub(crate) event: AuditEvent,
    /// The break-glass window the decision used, if it used one.
    pub(crate) window: Option<EntryId>,
}

/// Decides `action` on `person` for `principal`, from the person's relationships, consent
/// directives and the caller's latest break-glass window. An unknown person is a denial with
/// reason `no-such-person`.
pub(crate) fn judge(
    record: &Record,
    principal: &Principal,
    person: PersonId,
    action: &Action,
) -> Result<Judgement, ApiError> {
    let mut ev = event(principal, Some(person), action.audit_action());
    let Some(row) = record.store().person(person).map_err(RecordError::from)? else {
        ev.reason = "no-such-person".into();
        return Ok(Judgement {
            decision: None,
            event: ev,
            window: None,
        });
    };
    let relationships = record
        .store()
        .relationships_for_person(person)
        .map_err(RecordError::from)?;
    let consents = consents(record, person)?;
    let window = record.latest_break_glass(principal.user, person)?;
    let grant = window.as_ref().and_then(|(w, reason)| {
        BreakGlassGrant::restore(
            w.user,
            w.organisation,
            w.person,
            reason.as_deref().unwrap_or("(erased)"),
            w.opened_at,
        )
        .ok()
    });
    let facts = Facts {
        person,
        now: ev.at,
        relationships: &relationships,
        consents: &consents,
        break_glass: grant.as_ref(),
        erased: row.erased_at.is_some(),
    };
    let decision = decide(principal, action, &facts);
    ev.allowed = decision.is_allowed();
    ev.break_glass = decision.break_glass();
    ev.reason = decision.code().to_owned();
    let window = window.filter(|_| ev.break_glass).map(|(w, _)| w.id);
    Ok(Judgement {
        decision: Some(decision),
        event: ev,
        window,
    })
}

/// Audits a judgement; a read through break-glass also opens a review item.
pub(crate) fn audit(record: &Record, j: &Judgement) -> Result<(), ApiError> {
    record.audit(j.event.clone())?;
    if let Some(window) = j.window {
        record.queue_review(window, j.event.id)?;
    }
    Ok(())
}

/// Runs `f` after an audited decision on `action`; bad input is audited (denied) first.
pub(crate) fn decided<B: serde::de::DeserializeOwned, T>(
    record: &Record,
    principal: &Principal,
    person: PersonId,
    action: Action,
    body: &[u8],
    f: impl FnOnce(B) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let parsed: Result<B, ApiError> = crate::error::parse_json(body);
    let body = match parsed {
        Ok(b) => b,
        Err(e) => {
            audit_invalid(record, principal, person, action.audit_action())?;
            return Err(e);
        }
    };
    authorise(record, principal, person, &action)?;
    f(body)
}

/// Judges and audits `action`; the grant when it is allowed, the refusal otherwise.
pub(crate) fn authorise(
    record: &Record,
    principal: &Principal,
    person: PersonId,
    action: &Action,
) -> Result<caretrail_access::Grant, ApiError> {
    let j = judge(record, principal, person, action)?;
    audit(record, &j)?;
    match j.decision {
        Some(Decision::Allow(grant)) => Ok(grant),
        other => Err(refusal(other.as_ref())),
    }
}

/// Audits an attempt whose input was refused before any decision (denied, `invalid-input`).
pub(crate) fn audit_invalid(
    record: &Record,
    principal: &Principal,
    person: PersonId,
    action: AuditAction,
) -> Result<(), ApiError> {
    let mut ev = event(principal, Some(person), action);
    ev.reason = "invalid-input".into();
    record.audit(ev)?;
    Ok(())
}

/// Writes `new` after an allowed decision on `action`: its audit leaf, the entry and the flags
/// decision support raises on it (authored by the system account, see [`crate::flags`]) commit
/// in one transaction. A refusal, or a write the record itself refuses (erased person, bad
/// amendment), writes nothing but its own audit leaf. Returns the entry's receipt and the
/// flags' receipts.
pub(crate) fn write_entry(
    record: &Record,
    principal: &Principal,
    action: &Action,
    new: NewEntryRequest,
) -> Result<(Receipt, Vec<Receipt>), ApiError> {
    let j = judge(record, principal, new.person, action)?;
    if !matches!(j.decision, Some(Decision::Allow(_))) {
        audit(record, &j)?;
        return Err(refusal(j.decision.as_ref()));
    }
    let ev = j.event;
    let rejected = |e: RecordError, ev: AuditEvent| -> Result<(Receipt, Vec<Receipt>), ApiError> {
        record.audit(AuditEvent {
            allowed: false,
            reason: "rejected-by-record".into(),
            ..ev
        })?;
        Err(e.into())
    };
    let flags = match crate::flags::raised_by(record, &new) {
        Ok(flags) => flags,
        Err(e @ (RecordError::Input(_) | RecordError::Conflict(_) | RecordError::NotFound(_))) => {
            return rejected(e, ev);
        }
        Err(e) => {
            // Decision support could not read the record: the attempt is still audited, and
            // the write is refused rather than committed without the advice it should carry.
            record.audit(AuditEvent {
                allowed: false,
                reason: "decision-support-failed".into(),
                ..ev
            })?;
            return Err(e.into());
        }
    };
    let mut writes = vec![new];
    writes.extend(flags);
    match record.add_entries_audited(writes, ev.clone()) {
        Ok(mut receipts) => {
            let entry = receipts.remove(0);
            Ok((entry, receipts))
        }
        Err(e @ (RecordError::Input(_) | RecordError::Conflict(_) | RecordError::NotFound(_))) => {
            rejected(e, ev)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn refusal(decision: Option<&Decision>) -> ApiError {
    match decision.and_then(Decision::denial) {
        None => ApiError::new(StatusCode::NOT_FOUND, "Not found", "no person with that id"),
        Some(d) => match d.input_field() {
            Some(field) => ApiError::from(InputError::field(field, d.to_string())),
            None => ApiError::new(StatusCode::FORBIDDEN, "Forbidden", d.to_string()),
        },
    }
}

/// Who the record is about: the heading of a practitioner's view of it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonAnswer {
    pub id: PersonId,
    /// Name, date of birth, address; `null` once erased.
    pub profile: Option<caretrail_core::PersonProfile>,
    pub erased: bool,
    /// The care relationships active now: who is looking after the person, through which
    /// organisation.
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
    Caller { principal, .. }: Caller,
    Path(id): Path<String>,
) -> Result<Json<PersonAnswer>, ApiError> {
    let person = parse_person(&id)?;
    let answer = state
        .blocking(move |record| {
            authorise(record, &principal, person, &Action::ReadRecord)?;
            let now = Timestamp::now();
            let store = record.store();
            let row = store
                .person(person)
                .map_err(RecordError::from)?
                .ok_or_else(|| refusal(None))?;
            let relationships = store
                .relationships_for_person(person)
                .map_err(RecordError::from)?
                .into_iter()
                .filter(|r| r.is_active_at(now))
                .collect();
            Ok(PersonAnswer {
                id: person,
                profile: record.profile(person)?,
                erased: row.erased_at.is_some(),
                relationships,
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
    pub kind: Option<EntryKind>,
}

/// Reads the record after an allowed, audited decision: the timeline's JSON, entries in withheld
/// categories left out and the kind/time filters applied (on metadata, before decryption).
fn read_record(
    record: &Record,
    principal: &Principal,
    person: PersonId,
    q: &TimelineQuery,
) -> Result<EntriesJson, ApiError> {
    let grant = authorise(record, principal, person, &Action::ReadRecord)?;
    let json = record.timeline_json(
        person,
        |m| {
            q.kind.is_none_or(|k| m.kind == k)
                && q.from.is_none_or(|f| m.effective_at >= f)
                && q.to.is_none_or(|t| m.effective_at < t)
        },
        |codes| grant.may_see_codes(codes),
    )?;
    Ok(EntriesJson(json))
}

/// A JSON array of entries ([`Entry`]'s shape), already serialised by the record service.
#[derive(Debug)]
struct EntriesJson(Vec<u8>);

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

/// A person's entries in effective-time order: those the caller's role, care relationship and
/// the person's consent let them see. Audited before any data leaves.
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/timeline",
    tag = TAG_RECORD,
    security(("bearer" = [])),
    params(PersonPath, TimelineQuery, PurposeHeader),
    responses((status = 200, description = "Entries", body = Vec<Entry>), Refused)
)]
async fn timeline(
    State(state): State<AppState>,
    Caller { principal, .. }: Caller,
    Path(id): Path<String>,
    query: Result<Query<TimelineQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<EntriesJson, ApiError> {
    let person = parse_person(&id)?;
    let Query(q) = query.map_err(|_| {
        ApiError::from(InputError::field(
            "",
            "query parameters are from, to (RFC 3339) and kind",
        ))
    })?;
    state
        .blocking(move |r| read_record(r, &principal, person, &q))
        .await
}

/// The signed-in citizen's own record.
#[utoipa::path(
    get,
    path = "/api/v1/me/record",
    tag = TAG_CITIZEN,
    security(("bearer" = [])),
    params(PurposeHeader),
    responses((status = 200, description = "Entries", body = Vec<Entry>), Refused)
)]
async fn my_record(
    State(state): State<AppState>,
    Caller { session, principal }: Caller,
) -> Result<EntriesJson, ApiError> {
    let person = own_person(&state, &session, &principal, AuditAction::ReadRecord).await?;
    let q = TimelineQuery {
        from: None,
        to: None,
        kind: None,
    };
    state
        .blocking(move |r| read_record(r, &principal, person, &q))
        .await
}

/// The citizen's own person. Any other account gets 403, and the attempt is still audited
/// (every attempt on a `/me/...` route writes one leaf).
async fn own_person(
    state: &AppState,
    session: &Session,
    principal: &Principal,
    action: AuditAction,
) -> Result<PersonId, ApiError> {
    if let Some(p) = session
        .user
        .person
        .filter(|_| session.user.role == caretrail_core::Role::Citizen)
    {
        return Ok(p);
    }
    let mut ev = event(principal, None, action);
    ev.reason = "not-a-citizen".into();
    state.blocking(move |record| Ok(record.audit(ev)?)).await?;
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "Forbidden",
        "only a citizen account has a record of its own",
    ))
}

/// One line of the access log a citizen sees (DESIGN §4).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessEvent {
    pub accessor: String,
    pub role: caretrail_core::Role,
    pub organisation: String,
    pub time: Timestamp,
    pub purpose: Purpose,
    pub action: AuditAction,
    pub decision: String,
    pub break_glass: bool,
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
    Caller { session, principal }: Caller,
) -> Result<Json<Vec<AccessEvent>>, ApiError> {
    let person = own_person(&state, &session, &principal, AuditAction::ReadAccessLog).await?;
    let log = state
        .blocking(move |record| {
            authorise(record, &principal, person, &Action::ReadAccessLog)?;
            let orgs: std::collections::HashMap<_, _> = record
                .store()
                .organisations()
                .map_err(RecordError::from)?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect();
            let mut names: std::collections::HashMap<caretrail_core::UserId, String> =
                std::collections::HashMap::new();
            let mut out = Vec::new();
            for e in record.access_log(person)? {
                let accessor = match names.entry(e.accessor) {
                    std::collections::hash_map::Entry::Occupied(o) => o.get().clone(),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        let name = record
                            .store()
                            .user(e.accessor)
                            .map_err(RecordError::from)?
                            .map_or_else(|| "(unknown account)".to_owned(), |u| u.display_name);
                        v.insert(name).clone()
                    }
                };
                out.push(AccessEvent {
                    accessor,
                    role: e.role,
                    organisation: orgs.get(&e.organisation).cloned().unwrap_or_default(),
                    time: e.at,
                    purpose: e.purpose,
                    action: e.action,
                    decision: if e.allowed {
                        "allowed".into()
                    } else {
                        "denied".into()
                    },
                    break_glass: e.break_glass,
                });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(log))
}

/// `POST /api/v1/people/{id}/entries` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntryBody {
    pub kind: EntryKind,
    /// The entry's data: the schema named after its kind (`CaseNote` for `case-note`, ...).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    #[serde(default)]
    pub effective_at: Option<Timestamp>,
    #[serde(default)]
    pub amends: Option<EntryId>,
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
    Caller { session, principal }: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<WriteReceipt>), ApiError> {
    let person = parse_person(&id)?;
    let author = session.user.clone();
    let receipt = state
        .blocking(move |record| {
            // Bad input is still an attempt: it is audited (denied, `invalid-input`) first.
            let parsed = crate::error::parse_json::<NewEntryBody>(&body).and_then(|b| {
                let data = EntryData::parse(b.kind, &b.data).map_err(|mut e| {
                    for f in &mut e.errors {
                        f.field = format!("/data{}", f.field);
                    }
                    ApiError::from(e)
                })?;
                Ok((b, data))
            });
            let (body, data) = match parsed {
                Ok(ok) => ok,
                Err(err) => {
                    audit_invalid(record, &principal, person, AuditAction::WriteEntry)?;
                    return Err(err);
                }
            };
            let action = Action::write_data(&data);
            let now = Timestamp::now();
            let new = NewEntryRequest {
                id: EntryId::new(),
                person,
                organisation: author.organisation,
                author,
                recorded_at: now,
                effective_at: body.effective_at.unwrap_or(now),
                amends: body.amends,
                data,
            };
            write_entry(record, &principal, &action, new)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WriteReceipt::new(receipt.0, receipt.1)),
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
    pub flags: Vec<Receipt>,
}

impl WriteReceipt {
    fn new(entry: Receipt, flags: Vec<Receipt>) -> Self {
        WriteReceipt {
            entry_id: entry.entry_id,
            leaf_index: entry.leaf_index,
            checkpoint: entry.checkpoint,
            flags,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassBody {
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BreakGlassAnswer {
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
    Caller { principal, .. }: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<BreakGlassAnswer>), ApiError> {
    let person = parse_person(&id)?;
    let answer = state
        .blocking(move |record| {
            let mut ev = event(&principal, Some(person), AuditAction::OpenBreakGlass);
            let reason = match crate::error::parse_json::<BreakGlassBody>(&body) {
                Ok(b) => b.reason,
                Err(e) => {
                    ev.reason = "invalid-input".into();
                    record.audit(ev)?;
                    return Err(e);
                }
            };
            if record
                .store()
                .person(person)
                .map_err(RecordError::from)?
                .is_none()
            {
                ev.reason = "no-such-person".into();
                record.audit(ev)?;
                return Err(refusal(None));
            }
            match caretrail_access::open_break_glass(&principal, person, &reason, ev.at) {
                Err(denial) => {
                    ev.reason = denial.code().to_owned();
                    record.audit(ev)?;
                    Err(refusal(Some(&Decision::Deny(denial))))
                }
                Ok(grant) => {
                    ev.allowed = true;
                    ev.break_glass = true;
                    ev.reason = "break-glass-opened".into();
                    let id = EntryId::new();
                    record.audit(ev)?;
                    record.store_break_glass(
                        id,
                        principal.user,
                        person,
                        principal.organisation,
                        grant.reason(),
                        grant.opened_at(),
                    )?;
                    Ok(BreakGlassAnswer {
                        id,
                        opened_at: grant.opened_at(),
                        expires_at: grant.expires_at(),
                    })
                }
            }
        })
        .await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// One item of the privacy officer's break-glass review queue.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewItem {
    pub id: EntryId,
    pub window: EntryId,
    pub accessor: caretrail_core::UserId,
    pub organisation: caretrail_core::OrganisationId,
    pub person: PersonId,
    pub reason: Option<String>,
    pub opened_at: Timestamp,
    pub read_at: Timestamp,
    pub status: String,
    pub finding: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    #[serde(default)]
    pub include_closed: bool,
}

fn review_decision(record: &Record, principal: &Principal) -> Result<(), ApiError> {
    let decision = decide_review(principal, Review::BreakGlass);
    let mut ev = event(principal, None, AuditAction::ReviewBreakGlass);
    ev.allowed = decision.is_allowed();
    ev.reason = decision.code().to_owned();
    record.audit(ev)?;
    if decision.is_allowed() {
        Ok(())
    } else {
        Err(refusal(Some(&decision)))
    }
}

/// The privacy officer's break-glass review queue.
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
    Caller { principal, .. }: Caller,
    query: Result<Query<ReviewQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ReviewItem>>, ApiError> {
    let Query(q) = query.map_err(|_| {
        ApiError::from(InputError::field(
            "/include_closed",
            "must be true or false",
        ))
    })?;
    let items = state
        .blocking(move |record| {
            review_decision(record, &principal)?;
            Ok(record
                .review_queue(q.include_closed)?
                .into_iter()
                .map(|v| ReviewItem {
                    id: v.item.id,
                    window: v.window.id,
                    accessor: v.window.user,
                    organisation: v.window.organisation,
                    person: v.window.person,
                    reason: v.reason,
                    opened_at: v.window.opened_at,
                    read_at: v.item.created_at,
                    status: if v.item.closed_at.is_some() {
                        "closed".into()
                    } else {
                        "open".into()
                    },
                    finding: v.finding,
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

/// Closes a review item with the privacy officer's finding.
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
    Caller { principal, .. }: Caller,
    Path(item): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    state
        .blocking(move |record| {
            review_decision(record, &principal)?;
            let item: EntryId = item.parse().map_err(|_| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "Not found",
                    "no review item with that id",
                )
            })?;
            let b: CloseBody = crate::error::parse_json(&body)?;
            if b.finding.trim().is_empty() {
                return Err(InputError::field(
                    "/finding",
                    "a finding is required to close an item",
                )
                .into());
            }
            record.close_review(item, principal.user, b.finding.trim())?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything held about the signed-in citizen (GDPR Arts. 15 and 20), as JSON.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Export {
    pub person: PersonId,
    pub profile: Option<caretrail_core::PersonProfile>,
    pub entries: Vec<Entry>,
    pub relationships: Vec<caretrail_core::CareRelationship>,
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
    Caller { session, principal }: Caller,
) -> Result<Json<Export>, ApiError> {
    let person = own_person(&state, &session, &principal, AuditAction::Export).await?;
    let export = state
        .blocking(move |record| {
            authorise(record, &principal, person, &Action::ExportOwnRecord)?;
            Ok(Export {
                person,
                profile: record.profile(person)?,
                entries: record.timeline(person)?,
                relationships: record
                    .store()
                    .relationships_for_person(person)
                    .map_err(RecordError::from)?,
                access_log: record.access_log(person)?,
                exported_at: Timestamp::now(),
            })
        })
        .await?;
    Ok(Json(export))
}

/// One person on the signed-in practitioner's caseload (opaque ids only: reading a record is a
/// separate, audited request).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseloadItem {
    pub person: PersonId,
    pub relationship: caretrail_core::RelationshipKind,
    pub organisation: caretrail_core::OrganisationId,
    pub practitioner: caretrail_core::UserId,
    pub since: Timestamp,
}

/// The care relationships, active or not, through which `user` reaches people within their own
/// organisation: their own, or for a manager every relationship of anyone in the organisation.
pub(crate) fn reach(
    record: &Record,
    user: &caretrail_core::User,
) -> Result<Vec<caretrail_core::CareRelationship>, RecordError> {
    let store = record.store();
    let mut rels = Vec::new();
    if user.role == caretrail_core::Role::Manager {
        for u in store
            .users()?
            .into_iter()
            .filter(|u| u.organisation == user.organisation)
        {
            rels.extend(store.relationships_for_practitioner(u.id)?);
        }
    } else {
        rels = store.relationships_for_practitioner(user.id)?;
    }
    rels.retain(|r| r.organisation == user.organisation);
    Ok(rels)
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
    let user = session.user;
    let items = state
        .blocking(move |record| {
            let now = Timestamp::now();
            if user.role != caretrail_core::Role::Manager && !user.role.is_practitioner() {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "Forbidden",
                    "only practitioners have a caseload",
                ));
            }
            let rels = reach(record, &user)?;
            let mut items: Vec<CaseloadItem> = rels
                .into_iter()
                .filter(|r| r.is_active_at(now))
                .map(|r| CaseloadItem {
                    person: r.person,
                    relationship: r.kind,
                    organisation: r.organisation,
                    practitioner: r.practitioner,
                    since: r.from,
                })
                .collect();
            items.sort_by_key(|i| (i.person, i.since));
            Ok(items)
        })
        .await?;
    Ok(Json(items))
}

/// `POST /api/v1/people/{id}/relationships` body: a practitioner of the caller's organisation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRelationshipBody {
    pub practitioner: caretrail_core::UserId,
    pub kind: caretrail_core::RelationshipKind,
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
    responses((status = 201, description = "Started", body = caretrail_core::CareRelationship), Refused)
)]
async fn add_relationship(
    State(state): State<AppState>,
    Caller { principal, .. }: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<caretrail_core::CareRelationship>), ApiError> {
    let person = parse_person(&id)?;
    let rel = state
        .blocking(move |record| {
            let action = Action::ManageRelationships {
                organisation: principal.organisation,
            };
            decided(
                record,
                &principal,
                person,
                action,
                &body,
                |body: NewRelationshipBody| {
                    let practitioner = record
                        .store()
                        .user(body.practitioner)
                        .map_err(RecordError::from)?;
                    let Some(practitioner) = practitioner.filter(|u| {
                        u.organisation == principal.organisation && u.role.is_practitioner()
                    }) else {
                        return Err(InputError::field(
                            "/practitioner",
                            "must be a practitioner of your organisation",
                        )
                        .into());
                    };
                    let now = Timestamp::now();
                    let from = body.from.unwrap_or(now);
                    if from > now + jiff::SignedDuration::from_hours(24 * 366) {
                        return Err(
                            InputError::field("/from", "must be within a year from now").into()
                        );
                    }
                    let rel = caretrail_core::CareRelationship {
                        id: caretrail_core::RelationshipId::new(),
                        practitioner: practitioner.id,
                        person,
                        organisation: principal.organisation,
                        kind: body.kind,
                        from: Timestamp::from_microsecond(from.as_microsecond()).unwrap_or(from),
                        to: None,
                    };
                    record
                        .store()
                        .put_directory(&caretrail_store::DirectoryBatch {
                            relationships: vec![rel.clone()],
                            ..Default::default()
                        })
                        .map_err(RecordError::from)?;
                    Ok(rel)
                },
            )
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
    Caller { principal, .. }: Caller,
    Path((id, rid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let person = parse_person(&id)?;
    state
        .blocking(move |record| {
            let rel = rid
                .parse::<caretrail_core::RelationshipId>()
                .ok()
                .map(|rid| {
                    record
                        .store()
                        .relationships_for_person(person)
                        .map(|rs| rs.into_iter().find(|r| r.id == rid))
                })
                .transpose()
                .map_err(RecordError::from)?
                .flatten();
            let organisation = rel
                .as_ref()
                .map_or(principal.organisation, |r| r.organisation);
            authorise(
                record,
                &principal,
                person,
                &Action::ManageRelationships { organisation },
            )?;
            let rel = rel.ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "Not found",
                    "no such relationship for this person",
                )
            })?;
            if !record
                .store()
                .end_relationship(rel.id, Timestamp::now())
                .map_err(RecordError::from)?
            {
                return Err(
                    RecordError::Conflict("that relationship has already ended".into()).into(),
                );
            }
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
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
    Caller { principal, .. }: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<RetentionAnswer>, ApiError> {
    let person = parse_person(&id)?;
    let answer = state
        .blocking(move |record| {
            decided(
                record,
                &principal,
                person,
                Action::SetRetention,
                &body,
                |b: RetentionBody| {
                    let row = caretrail_store::RetentionRow {
                        person,
                        retain_until: b.retain_until,
                        legal_hold: b.legal_hold,
                        set_by: principal.user,
                        set_at: Timestamp::now(),
                    };
                    record
                        .store()
                        .set_retention(&row)
                        .map_err(RecordError::from)?;
                    Ok(RetentionAnswer {
                        person,
                        retain_until: row.retain_until,
                        legal_hold: row.legal_hold,
                        set_at: row.set_at,
                    })
                },
            )
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
    responses((status = 200, description = "Erased; the receipt of the erasure entry", body = Receipt), Refused)
)]
async fn erase(
    State(state): State<AppState>,
    Caller { session, principal }: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Receipt>, ApiError> {
    let person = parse_person(&id)?;
    let officer = session.user.clone();
    let receipt = state
        .blocking(move |record| {
            decided(
                record,
                &principal,
                person,
                Action::Erase,
                &body,
                |b: ErasureBody| Ok(record.erase(person, &b.reason, &officer)?),
            )
        })
        .await?;
    Ok(Json(receipt))
}
