//! The flags that results raise on writes (`reference/instruments.md`, "Flags raised on writes").
//!
//! | instrument | raises | severity |
//! |---|---|---|
//! | news2 | risk `high` | high |
//! | news2 | risk `medium`, or `low-medium` | medium |
//! | news2 | score 1–4 with soft signs | low |
//! | morse | risk `high` | medium |
//! | medication | any duplicate; `frid_count` ≥ 3; `acb_total` ≥ 3 | medium |
//! | ors | `on_track` false, or a reliable deterioration | medium |
//! | srs | `below_cutoff` | low |
//! | care-act, care-act-carer | never (eligibility is a decision the practitioner records) | — |
//! | soc13 | never (no cut-off) | — |
//!
//! A result raises at most one flag: the row that applies (for news2, the most severe). Its
//! `reason` names that row, so that a new flag for the same person, instrument and reason can
//! supersede the open one instead of piling up; `thresholds` lists which of the row's conditions
//! this result crossed.

use caretrail_core::data::{self, Severity};
use caretrail_core::ids::EntryId;
use serde::Serialize;

use crate::care_act::{CareActResult, CarerResult};
use crate::fit::{OrsResult, SrsResult};
use crate::medication::{DuplicateLevel, MedicationResult};
use crate::morse::{self, MorseResult};
use crate::news2::{self, News2Result};
use crate::soc13::Soc13Result;

/// A medication review flags this many or more falls-risk-increasing drugs.
pub const FRID_COUNT_THRESHOLD: usize = 3;
/// A medication review flags an anticholinergic burden of this or more.
pub const ACB_TOTAL_THRESHOLD: u32 = 3;

/// Advice raised by a result, for a practitioner to acknowledge (accept, or override with a
/// reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The instrument that raised it.
    pub instrument: &'static str,
    /// The instrument's version.
    pub version: &'static str,
    /// `low` < `medium` < `high`.
    pub severity: Severity,
    /// The row of the flag table that applies; the supersession key with person and instrument.
    pub reason: &'static str,
    /// The row's conditions this result crossed, in the reference's words.
    pub thresholds: Vec<&'static str>,
    /// What in this result crossed them, in words a practitioner can check.
    pub explanation: String,
}

/// The most characters of a flag entry's `summary` (the record's limit for short text).
const SUMMARY_MAX: usize = 500;

impl Flag {
    /// The flag as the `data` of a flag entry in the record, with the entries it read.
    pub fn to_entry_data(&self, inputs: Vec<EntryId>) -> data::Flag {
        data::Flag {
            instrument: self.instrument.to_owned(),
            version: self.version.to_owned(),
            severity: self.severity,
            summary: self.explanation.chars().take(SUMMARY_MAX).collect(),
            inputs,
            explanation: serde_json::json!({
                "reason": self.reason,
                "thresholds": self.thresholds,
                "explanation": self.explanation,
            }),
            categories: None,
        }
    }
}

/// news2: `high` at risk high; `medium` at risk medium or low-medium; `low` at score 1–4 with
/// soft signs.
pub fn news2(r: &News2Result) -> Option<Flag> {
    let flag = |severity, reason, threshold, explanation| {
        Some(Flag {
            instrument: r.instrument,
            version: r.version,
            severity,
            reason,
            thresholds: vec![threshold],
            explanation,
        })
    };
    match r.risk {
        news2::Risk::High => flag(
            Severity::High,
            "risk_high",
            "risk high",
            format!("NEWS2 {} (risk high, score ≥ 7). {}", r.score, r.response),
        ),
        news2::Risk::Medium => flag(
            Severity::Medium,
            "risk_medium",
            "risk medium",
            format!("NEWS2 {} (risk medium, score 5–6). {}", r.score, r.response),
        ),
        news2::Risk::LowMedium => flag(
            Severity::Medium,
            "risk_medium",
            "risk low-medium",
            format!(
                "NEWS2 {} (risk low-medium: 3 in {}). {}",
                r.score,
                r.single_parameter_3.join(", "),
                r.response
            ),
        ),
        news2::Risk::Low if (1..=4).contains(&r.score) && !r.soft_signs.is_empty() => flag(
            Severity::Low,
            "soft_signs",
            "score 1–4 with soft signs",
            format!(
                "NEWS2 {} with soft signs ({}): {}",
                r.score, r.sbard.background, r.sbard.recommendation
            ),
        ),
        news2::Risk::Low => None,
    }
}

/// morse: `medium` at risk high.
pub fn morse(r: &MorseResult) -> Option<Flag> {
    (r.risk == morse::Risk::High).then(|| Flag {
        instrument: r.instrument,
        version: r.version,
        severity: Severity::Medium,
        reason: "risk_high",
        thresholds: vec!["risk high"],
        explanation: format!(
            "Morse Fall Scale {} is in the high band ({}). A falls-risk score does not predict a fall on its own: consider a multifactorial falls assessment.",
            r.score, r.risk_rule
        ),
    })
}

/// medication: `medium` at any duplicate, `frid_count` ≥ 3 or `acb_total` ≥ 3.
pub fn medication(r: &MedicationResult) -> Option<Flag> {
    let mut thresholds = Vec::new();
    let mut parts = Vec::new();
    if !r.duplicates.is_empty() {
        thresholds.push("any duplicate");
        let pairs: Vec<String> = r
            .duplicates
            .iter()
            .map(|d| {
                let level = match d.level {
                    DuplicateLevel::Substance => "same substance",
                    DuplicateLevel::Class => "same class",
                };
                format!("{} and {} ({level} {})", d.a, d.b, d.atc)
            })
            .collect();
        parts.push(format!(
            "duplicate therapy (STOPP A3): {}",
            pairs.join("; ")
        ));
    }
    if r.frid_count >= FRID_COUNT_THRESHOLD {
        thresholds.push("frid_count ≥ 3");
        parts.push(format!(
            "{} falls-risk-increasing drugs (STOPPFall): {}",
            r.frid_count,
            r.frids
                .iter()
                .map(|f| format!("{} ({})", f.id, f.class))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if r.acb_total >= ACB_TOTAL_THRESHOLD {
        thresholds.push("acb_total ≥ 3");
        parts.push(format!(
            "anticholinergic burden {}: {}",
            r.acb_total,
            r.acb
                .iter()
                .map(|a| format!("{} {} {}", a.id, a.substance, a.score))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    (!thresholds.is_empty()).then(|| Flag {
        instrument: r.instrument,
        version: r.version,
        severity: Severity::Medium,
        reason: "medication_review",
        thresholds,
        explanation: format!("Medication review on {}: {}.", r.date, parts.join("; ")),
    })
}

/// ors: `medium` when `on_track` is false or the change is a reliable deterioration.
pub fn ors(r: &OrsResult) -> Option<Flag> {
    let mut thresholds = Vec::new();
    if r.on_track == Some(false) {
        thresholds.push("on_track false");
    }
    if r.reliable_deterioration {
        thresholds.push("a reliable deterioration");
    }
    (!thresholds.is_empty()).then(|| Flag {
        instrument: r.instrument,
        version: r.version,
        severity: Severity::Medium,
        reason: "progress",
        thresholds,
        explanation: format!(
            "ORS change from intake {:.1} over {} sessions{}{}: discuss progress with the person and consider adjusting the approach.",
            r.change,
            r.totals.len(),
            if r.on_track == Some(false) {
                format!("; not on track ({})", r.on_track_rule)
            } else {
                String::new()
            },
            if r.reliable_deterioration {
                "; a reliable deterioration (a fall of 5 or more)"
            } else {
                ""
            },
        ),
    })
}

/// srs: `low` when the total is below the cut-off.
pub fn srs(r: &SrsResult) -> Option<Flag> {
    r.below_cutoff.then(|| Flag {
        instrument: r.instrument,
        version: r.version,
        severity: Severity::Low,
        reason: "below_cutoff",
        thresholds: vec!["below_cutoff"],
        explanation: format!(
            "SRS total {:.1} is below {:.0}: a possible alliance problem to discuss{}.",
            r.total,
            r.cutoff,
            if r.low_items.is_empty() {
                String::new()
            } else {
                format!(" (items below 9.0: {})", r.low_items.join(", "))
            }
        ),
    })
}

/// soc13: never (SOC-13 has no cut-off).
pub fn soc13(_: &Soc13Result) -> Option<Flag> {
    None
}

/// care-act: never (eligibility is a decision the practitioner records).
pub fn care_act(_: &CareActResult) -> Option<Flag> {
    None
}

/// care-act-carer: never (eligibility is a decision the practitioner records).
pub fn care_act_carer(_: &CarerResult) -> Option<Flag> {
    None
}
