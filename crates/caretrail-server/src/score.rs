//! `POST /api/v1/score/{instrument}`: one decision-support instrument of
//! `reference/instruments.md`, the same computation as `caretrail score <instrument>` (both call
//! `caretrail_insight::score`).
//!
//! Signed-in users only, of any role. It reads and writes no one's record, so it is not audited
//! per request (DESIGN §4: "`/score` ... not audited per request"); scoring a person's
//! observations *into their record* happens on the write path (`people::add_entry`), which is.

use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use caretrail_core::InputError;
use caretrail_core::data::Severity;
use caretrail_insight::InsightError;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Session;
use crate::error::Path;
use crate::openapi::{Refused, TAG_DECISION_SUPPORT};
use crate::{ApiError, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(score))
}

/// The instrument in the path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InstrumentPath {
    /// One of the instruments of `reference/instruments.md`. Any other name answers 404.
    #[param(inline, value_type = String, pattern = "^(news2|morse|medication|ors|srs|soc13|care-act|care-act-carer)$")]
    pub instrument: String,
}

/// The flag a result raises (`reference/instruments.md`, "Flags raised on writes"), or `null`.
/// On a write to a record the same flag becomes a flag entry authored by the system.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreFlag {
    pub instrument: String,
    pub version: String,
    /// `low` < `medium` < `high`.
    #[schema(value_type = crate::schemas::data::Severity)]
    pub severity: Severity,
    /// The row of the flag table (with person and instrument, the supersession key).
    pub reason: String,
    /// Which conditions of that row this result crossed.
    pub thresholds: Vec<String>,
    pub explanation: String,
}

/// An instrument's result: the fields of `reference/instruments.md` for that instrument (for
/// example `score`, `risk` and `components` for `news2`), its explanation, and these three.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreResult {
    /// The instrument, as in the path.
    pub instrument: String,
    /// The instrument's version, stamped on every result and flag.
    pub version: String,
    pub flag: Option<ScoreFlag>,
}

/// Scores one JSON object with an instrument and explains the result. Advice for a
/// practitioner, never a decision. Nothing is stored and nothing is audited.
#[utoipa::path(
    post,
    path = "/api/v1/score/{instrument}",
    tag = TAG_DECISION_SUPPORT,
    security(("bearer" = [])),
    params(InstrumentPath),
    request_body(
        content = Object,
        description = "The instrument's input object, field by field as in `reference/instruments.md`, e.g. for news2 `{\"respiration_rate\":18,\"spo2\":96,\"spo2_scale\":1,\"supplemental_oxygen\":false,\"systolic_bp\":120,\"pulse\":80,\"consciousness\":\"A\",\"temperature\":37.1}`. A value that is not allowed answers 422 naming the field as a JSON Pointer (e.g. `/spo2`)."
    ),
    responses(
        (status = 200, description = "The result, with its explanation and the flag it raises", body = ScoreResult),
        Refused,
    )
)]
async fn score(
    _session: Session,
    Path(instrument): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    if caretrail_insight::version(&instrument).is_none() {
        return Err(unknown());
    }
    let input: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        InputError::syntax(format!(
            "the body is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    match caretrail_insight::score(&instrument, &input) {
        Ok(out) => Ok(Json(out)),
        Err(InsightError::UnknownInstrument { .. }) => Err(unknown()),
        Err(InsightError::Input(e)) => Err(e.into()),
    }
}

fn unknown() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "Unknown instrument",
        format!(
            "no such instrument; the instruments are {}",
            caretrail_insight::INSTRUMENTS.join(", ")
        ),
    )
}
