//! Decision support for caretrail: the deterministic instruments of
//! `reference/instruments.md`, each a pure function from one JSON object to one JSON object, and
//! the flags their results raise.
//!
//! This crate owns the scoring rules, their explanations and the flag table. It does no I/O and
//! knows nothing of storage, HTTP or the CLI: the server (`POST /api/v1/score/<instrument>`) and
//! the CLI (`caretrail score <instrument>`) both call [`score`], and turn an [`InsightError`] into
//! RFC 9457 problem+json with [`InsightError::to_problem`].
//!
//! | instrument | module | source |
//! |---|---|---|
//! | `news2` | [`news2`] | RCP, *NEWS2* (2017); RESTORE2 (Wessex / West Hampshire, 2019) |
//! | `morse` | [`morse`] | Morse, Morse & Tylko (1989) |
//! | `medication` | [`medication`] | STOPP v3 A3; STOPPFall (Seppala et al. 2021); ACB (Boustani 2008/2012) |
//! | `ors`, `srs` | [`fit`] | Miller & Duncan, ORS and SRS manuals (FIT / PCOMS) |
//! | `soc13` | [`soc13`] | Antonovsky, SOC-13 (1987/1993) |
//! | `care-act`, `care-act-carer` | [`care_act`] | SI 2015/313 regs 2 and 3 (Care Act 2014 s.13) |
//!
//! Every result is advice for a practitioner, never a decision: each carries its components and
//! the rule that fired so that the practitioner can check it, and [`flags`] says when a result
//! asks for their attention.
#![forbid(unsafe_code)]

pub mod care_act;
pub mod fit;
pub mod flags;
pub mod medication;
pub mod morse;
pub mod news2;
pub mod soc13;

mod input;

use caretrail_core::problem::{FieldError, InputError, Problem};
use serde::Serialize;

pub use caretrail_core::data::Severity;
pub use flags::Flag;

/// The instruments, named exactly as the contract spells them (the `<instrument>` of
/// `caretrail score <instrument>` and `POST /api/v1/score/<instrument>`).
pub const INSTRUMENTS: &[&str] = &[
    news2::NAME,
    morse::NAME,
    medication::NAME,
    fit::ORS_NAME,
    fit::SRS_NAME,
    soc13::NAME,
    care_act::NAME,
    care_act::CARER_NAME,
];

/// Why an instrument could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsightError {
    /// No instrument of that name (HTTP 404; the CLI treats it as bad input).
    #[error("unknown instrument; the instruments are {}", INSTRUMENTS.join(", "))]
    UnknownInstrument {
        /// The name asked for, cut to 64 characters.
        name: String,
    },
    /// The input does not fit the instrument: each error names its field as a JSON Pointer.
    #[error(transparent)]
    Input(#[from] InputError),
}

impl InsightError {
    /// The HTTP status: 404 for an unknown instrument, 400 for JSON that does not parse, 422 for
    /// a value that is not allowed.
    pub fn status(&self) -> u16 {
        match self {
            InsightError::UnknownInstrument { .. } => 404,
            InsightError::Input(e) => e.status(),
        }
    }

    /// The RFC 9457 problem document for this error (DESIGN §4), with the offending fields as
    /// JSON Pointers in `errors`.
    pub fn to_problem(&self) -> Problem {
        match self {
            InsightError::UnknownInstrument { .. } => {
                let mut p = Problem::new(404, "Unknown instrument", self.to_string());
                p.errors = vec![FieldError::new("", self.to_string())];
                p
            }
            InsightError::Input(e) => e.to_problem(),
        }
    }
}

/// One instrument's typed result. [`Scored::to_json`] is the contract's output object;
/// [`Scored::flag`] is the flag it raises, if any.
#[derive(Debug, Clone, PartialEq)]
pub enum Scored {
    /// `news2` (boxed: its explanation makes it the largest result).
    News2(Box<news2::News2Result>),
    /// `morse`.
    Morse(morse::MorseResult),
    /// `medication`.
    Medication(medication::MedicationResult),
    /// `ors`.
    Ors(fit::OrsResult),
    /// `srs`.
    Srs(fit::SrsResult),
    /// `soc13`.
    Soc13(soc13::Soc13Result),
    /// `care-act`.
    CareAct(care_act::CareActResult),
    /// `care-act-carer`.
    CareActCarer(care_act::CarerResult),
}

impl Scored {
    /// The instrument's name, as in [`INSTRUMENTS`].
    pub fn instrument(&self) -> &'static str {
        match self {
            Scored::News2(r) => r.instrument,
            Scored::Morse(r) => r.instrument,
            Scored::Medication(r) => r.instrument,
            Scored::Ors(r) => r.instrument,
            Scored::Srs(r) => r.instrument,
            Scored::Soc13(r) => r.instrument,
            Scored::CareAct(r) => r.instrument,
            Scored::CareActCarer(r) => r.instrument,
        }
    }

    /// The flag this result raises, per the reference's "Flags raised on writes" table.
    pub fn flag(&self) -> Option<Flag> {
        match self {
            Scored::News2(r) => flags::news2(r),
            Scored::Morse(r) => flags::morse(r),
            Scored::Medication(r) => flags::medication(r),
            Scored::Ors(r) => flags::ors(r),
            Scored::Srs(r) => flags::srs(r),
            Scored::Soc13(r) => flags::soc13(r),
            Scored::CareAct(r) => flags::care_act(r),
            Scored::CareActCarer(r) => flags::care_act_carer(r),
        }
    }

    /// The contract's output object, plus `"flag"`: the flag this result raises, or null.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = match self {
            Scored::News2(r) => to_value(r),
            Scored::Morse(r) => to_value(r),
            Scored::Medication(r) => to_value(r),
            Scored::Ors(r) => to_value(r),
            Scored::Srs(r) => to_value(r),
            Scored::Soc13(r) => to_value(r),
            Scored::CareAct(r) => to_value(r),
            Scored::CareActCarer(r) => to_value(r),
        };
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("flag".into(), to_value(&self.flag()));
        }
        value
    }
}

/// Serialises a result. Every result type is a plain struct of strings, integers, booleans,
/// finite numbers, lists and string-keyed maps, which `serde_json` always serialises; should that
/// ever change, the caller sees `null` rather than a panic.
fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Scores `input` with `instrument` into its typed result.
pub fn evaluate(instrument: &str, input: &serde_json::Value) -> Result<Scored, InsightError> {
    Ok(match instrument {
        news2::NAME => Scored::News2(Box::new(news2::score(&news2::News2Input::from_json(
            input,
        )?))),
        morse::NAME => Scored::Morse(morse::score(&morse::MorseInput::from_json(input)?)),
        medication::NAME => Scored::Medication(medication::review(
            &medication::MedicationInput::from_json(input)?,
        )),
        fit::ORS_NAME => Scored::Ors(fit::score_ors(&fit::OrsInput::from_json(input)?)),
        fit::SRS_NAME => Scored::Srs(fit::score_srs(&fit::SrsInput::from_json(input)?)),
        soc13::NAME => Scored::Soc13(soc13::score(&soc13::Soc13Input::from_json(input)?)),
        care_act::NAME => {
            Scored::CareAct(care_act::assess(&care_act::CareActInput::from_json(input)?))
        }
        care_act::CARER_NAME => Scored::CareActCarer(care_act::assess_carer(
            &care_act::CarerInput::from_json(input)?,
        )),
        other => {
            return Err(InsightError::UnknownInstrument {
                name: other.chars().take(64).collect(),
            });
        }
    })
}

/// The one entry point for the CLI and the HTTP server: scores `input` with `instrument` and
/// returns the contract's output object (with `"instrument"`, `"version"` and `"flag"`).
///
/// ```
/// let input = serde_json::json!({"respiration_rate": 22, "spo2": 95, "spo2_scale": 1,
///     "supplemental_oxygen": false, "systolic_bp": 105, "pulse": 95, "consciousness": "A",
///     "temperature": 38.3});
/// let out = caretrail_insight::score("news2", &input).unwrap();
/// assert_eq!(out["score"], 6);
/// assert_eq!(out["risk"], "medium");
/// ```
pub fn score(
    instrument: &str,
    input: &serde_json::Value,
) -> Result<serde_json::Value, InsightError> {
    evaluate(instrument, input).map(|s| s.to_json())
}

/// The version string of `instrument`, or `None` when there is no such instrument.
pub fn version(instrument: &str) -> Option<&'static str> {
    match instrument {
        news2::NAME => Some(news2::VERSION),
        morse::NAME => Some(morse::VERSION),
        medication::NAME => Some(medication::VERSION),
        fit::ORS_NAME => Some(fit::ORS_VERSION),
        fit::SRS_NAME => Some(fit::SRS_VERSION),
        soc13::NAME => Some(soc13::VERSION),
        care_act::NAME => Some(care_act::VERSION),
        care_act::CARER_NAME => Some(care_act::CARER_VERSION),
        _ => None,
    }
}
