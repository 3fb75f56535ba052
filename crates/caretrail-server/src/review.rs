//! The review queue: one model of findings, each open until a privacy officer (never the person
//! whose action it is about) closes it with a finding. Kinds: `break-glass` (a read through a
//! break-glass window) and `self-claimed-relationship` (care started without an open referral).
//!
//! - `GET  /api/v1/review?kind&include_closed` — the items, oldest first.
//! - `POST /api/v1/review/{item}/assign` — `{"assignee"?}`: to a privacy officer, the caller
//!   by default.
//! - `POST /api/v1/review/{item}/close` — `{"finding"}`.
//!
//! Every attempt is one audit leaf (action `review-break-glass`, the queue's action since it
//! held only break-glass reads).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use caretrail_core::{EntryId, InputError, OrganisationId, PersonId, UserId};
use caretrail_record::gate::ReviewFilter;
use caretrail_store::ReviewKind;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::openapi::{PurposeHeader, Refused, TAG_PRIVACY};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(assign))
        .routes(routes!(close))
}

/// What a review item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A read made through a break-glass window.
    BreakGlass,
    /// Care started without an open referral to the organisation.
    SelfClaimedRelationship,
}

impl From<FindingKind> for ReviewKind {
    fn from(k: FindingKind) -> Self {
        match k {
            FindingKind::BreakGlass => ReviewKind::BreakGlassRead,
            FindingKind::SelfClaimedRelationship => ReviewKind::SelfClaimedRelationship,
        }
    }
}

impl From<ReviewKind> for FindingKind {
    fn from(k: ReviewKind) -> Self {
        match k {
            ReviewKind::BreakGlassRead => FindingKind::BreakGlass,
            ReviewKind::SelfClaimedRelationship => FindingKind::SelfClaimedRelationship,
        }
    }
}

/// One item of the review queue.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    #[schema(value_type = crate::schemas::EntryId)]
    pub id: EntryId,
    pub kind: FindingKind,
    #[schema(value_type = crate::schemas::PersonId)]
    pub person: PersonId,
    /// The account whose action is reviewed.
    #[schema(value_type = crate::schemas::UserId)]
    pub accessor: UserId,
    #[schema(value_type = crate::schemas::OrganisationId)]
    pub organisation: OrganisationId,
    /// The break-glass window, for a break-glass read.
    #[schema(value_type = Option<crate::schemas::EntryId>)]
    pub window: Option<EntryId>,
    /// The entry reviewed: the relationship entry of self-claimed care.
    #[schema(value_type = Option<crate::schemas::EntryId>)]
    pub entry: Option<EntryId>,
    /// The break-glass reason, for a break-glass read.
    pub reason: Option<String>,
    /// When the item was opened (the read, or the start of care).
    pub opened_at: Timestamp,
    #[schema(value_type = Option<crate::schemas::UserId>)]
    pub assignee: Option<UserId>,
    /// `open` or `closed`.
    pub status: String,
    pub finding: Option<String>,
    /// A break-glass window opened within 24 hours of the same account's last on the person.
    pub repeated: bool,
    /// About the caller's own access: another reviewer must take it.
    pub own: bool,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewListQuery {
    /// One kind only; every kind when absent.
    #[param(inline)]
    pub kind: Option<FindingKind>,
    #[serde(default)]
    pub include_closed: bool,
}

/// The review queue: every kind of finding, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/review",
    tag = TAG_PRIVACY,
    security(("bearer" = [])),
    params(ReviewListQuery, PurposeHeader),
    responses((status = 200, description = "Review items", body = Vec<Finding>), Refused)
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ReviewListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Finding>>, ApiError> {
    let filter = query
        .map(|Query(q)| ReviewFilter {
            include_closed: q.include_closed,
            kind: q.kind.map(ReviewKind::from),
        })
        .map_err(|_| {
            InputError::field(
                "",
                "query parameters are kind (break-glass or self-claimed-relationship) and \
                 include_closed (true or false)",
            )
        });
    let items = state
        .blocking(move |record| {
            Ok(caller
                .gate(record)
                .review_queue(filter)?
                .into_iter()
                .map(|v| Finding {
                    id: v.id,
                    kind: v.kind.into(),
                    person: v.person,
                    accessor: v.accessor,
                    organisation: v.organisation,
                    window: v.window,
                    entry: v.entry,
                    reason: v.reason,
                    opened_at: v.read_at,
                    assignee: v.assignee,
                    status: if v.closed { "closed" } else { "open" }.into(),
                    finding: v.finding,
                    repeated: v.repeated,
                    own: v.own,
                })
                .collect())
        })
        .await?;
    Ok(Json(items))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// A privacy officer other than the person whose access is reviewed; the caller when absent.
    #[serde(default)]
    #[schema(value_type = Option<crate::schemas::UserId>)]
    pub assignee: Option<UserId>,
}

/// Assigns a review item to a privacy officer (the caller by default).
#[utoipa::path(
    post,
    path = "/api/v1/review/{item}/assign",
    tag = TAG_PRIVACY,
    security(("bearer" = [])),
    params(("item" = uuid::Uuid, Path, description = "The review item"), PurposeHeader),
    request_body = AssignBody,
    responses((status = 204, description = "Assigned"), Refused)
)]
async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(item): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    state
        .blocking(move |record| {
            let assignee = if body.is_empty() {
                Ok(None)
            } else {
                crate::error::parse_input::<AssignBody>(&body).map(|b| b.assignee)
            };
            Ok(caller.gate(record).assign_review(&item, assignee)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Closes a review item with the reviewer's finding (never an item about the reviewer's own
/// access: 409).
#[utoipa::path(
    post,
    path = "/api/v1/review/{item}/close",
    tag = TAG_PRIVACY,
    security(("bearer" = [])),
    params(("item" = uuid::Uuid, Path, description = "The review item"), PurposeHeader),
    request_body = crate::privacy::CloseBody,
    responses((status = 204, description = "Closed"), Refused)
)]
async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(item): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    state
        .blocking(move |record| {
            let finding = crate::privacy::finding_of(&body);
            Ok(caller.gate(record).close_review(&item, finding)?)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
