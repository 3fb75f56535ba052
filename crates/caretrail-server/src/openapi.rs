//! The OpenAPI 3.1 document, served at `GET /api/v1/openapi.json`.
//!
//! It is generated from the code: every handler carries a `#[utoipa::path]` attribute, and every
//! route is registered through `utoipa_axum::routes!`, which takes its path and method from that
//! attribute. So a route cannot be served without being documented, nor documented at a path it
//! is not served on (`tests/openapi.rs` checks both directions).

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use caretrail_core::Purpose;
use serde::Deserialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};

pub const TAG_SESSION: &str = "session";
pub const TAG_RECORD: &str = "record";
pub const TAG_CONSENT: &str = "consent";
pub const TAG_PRIVACY: &str = "privacy";
pub const TAG_CITIZEN: &str = "citizen";
pub const TAG_LEDGER: &str = "ledger";
pub const TAG_OPERATIONS: &str = "operations";
pub const TAG_DECISION_SUPPORT: &str = "decision-support";

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "caretrail",
        description = "One shared, tamper-evident care record per person. Every attempt on a \
person's record is authorised by role, care relationship and consent, and audited in the ledger \
before any data is returned. Errors are RFC 9457 `application/problem+json`; input errors name \
the offending field as a JSON Pointer in `errors[].field`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    modifiers(&BearerAuth),
    components(schemas(
        crate::schemas::Problem,
        crate::schemas::FieldError,
        crate::schemas::data::Assessment,
        crate::schemas::data::CarePlan,
        crate::schemas::data::Visit,
        crate::schemas::data::Observation,
        crate::schemas::data::Condition,
        crate::schemas::data::Medication,
        crate::schemas::data::Incident,
        crate::schemas::data::CaseNote,
        crate::schemas::data::Questionnaire,
        crate::schemas::data::ConsentSet,
        crate::schemas::data::Claim,
        crate::schemas::data::Flag,
        crate::schemas::data::Acknowledgement,
        crate::schemas::data::Erasure,
        crate::schemas::data::Referral,
        crate::schemas::data::RelationshipChange,
    )),
    tags(
        (name = "session", description = "Sign in and out (bearer tokens)."),
        (name = "record", description = "A person's record: entries, timeline, care relationships, break-glass."),
        (name = "consent", description = "A person's consent directives."),
        (name = "privacy", description = "The privacy officer's retention, erasure and break-glass review."),
        (name = "citizen", description = "A citizen's own record, who looked at it, and everything held."),
        (name = "ledger", description = "The public, verifiable log: checkpoints and proofs."),
        (name = "decision-support", description = "Scores of the instruments of reference/instruments.md, the flags they raise on writes, and their acknowledgement."),
        (name = "operations", description = "Health, readiness, metrics and this document."),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every refusal: bad input (400 for JSON that does not parse, 422 naming the field as a JSON
/// Pointer), no valid session (401), access denied (403), no such resource (404), a conflict such
/// as a legal hold (409), a body over the size limit (413) or sign-in attempts held back by the throttle (429).
#[derive(Debug, utoipa::IntoResponses)]
#[response(status = "4XX", content_type = "application/problem+json")]
#[allow(dead_code)] // documentation only
pub struct Refused(crate::schemas::Problem);

/// The purpose of use every route on a person's record reads (DESIGN §4).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct PurposeHeader {
    /// Why the record is being accessed; `care` when absent. Recorded in the audit leaf.
    #[serde(rename = "X-Purpose-Of-Use", default)]
    #[param(inline, value_type = crate::schemas::Purpose)]
    pub purpose: Purpose,
}

/// A person's id in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PersonPath {
    /// The person's id (a UUID). An id that is not a person answers 404, audited.
    pub id: uuid::Uuid,
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = TAG_OPERATIONS,
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
pub async fn document() -> impl IntoResponse {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
        crate::api()
            .into_openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

/// The document as a value (for tests and tools).
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::api().into_openapi()
}
