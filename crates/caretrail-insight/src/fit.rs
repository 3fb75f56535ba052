//! Feedback-Informed Treatment: the Outcome Rating Scale (ORS, with the child version CORS) and
//! the Session Rating Scale (SRS).
//!
//! Sources: Miller, Duncan et al., *The Outcome Rating Scale* (2003) and the ORS/SRS manuals
//! (PCOMS); clinical cut-offs 25 (adults), 28 (adolescents 13–17) and 32 (children 6–12, CORS);
//! reliable change index 5 points; SRS cut-off 36. The `on_track` rule is caretrail's own, as
//! fixed in `reference/instruments.md` §ors: the published expected-treatment-response curves
//! are proprietary.
//!
//! Each item is a mark on a 10 cm line, 0.0–10.0. A total is the sum of four items, rounded
//! half-up to one decimal; all comparisons are made on those rounded totals, in tenths, so that
//! binary floating point never moves a total across a cut-off.

use caretrail_core::problem::InputError;
use serde::{Deserialize, Serialize};

use crate::input::{self, Errors, from_tenths, micros, micros_to_tenths};

/// The ORS instrument's name in the contract.
pub const ORS_NAME: &str = "ors";
/// Version of the ORS rules; stamped on every result and flag.
pub const ORS_VERSION: &str = "1.0.0";
/// The SRS instrument's name in the contract.
pub const SRS_NAME: &str = "srs";
/// Version of the SRS rules; stamped on every result and flag.
pub const SRS_VERSION: &str = "1.0.0";

/// Items per ORS session and per SRS.
pub const ITEMS: usize = 4;
/// The reliable change index, in tenths (5 points).
const RELIABLE_CHANGE: i64 = 50;
/// The SRS cut-off, in tenths (36).
const SRS_CUTOFF: i64 = 360;
/// An SRS item below this, in millionths (9.0), is a low item.
const SRS_LOW_ITEM: i64 = 9_000_000;
/// The most sessions one series accepts.
pub const MAX_SESSIONS: usize = 1000;

/// SRS item names, in input order.
pub const SRS_ITEMS: [&str; ITEMS] = [
    "relationship",
    "goals_and_topics",
    "approach_or_method",
    "overall",
];

/// Checks that `items` are four marks of 0.0–10.0 under `pointer`.
fn check_items(errors: &mut Errors, pointer: &str, items: &[f64], what: &str) {
    errors.check_len(pointer, items.len(), ITEMS, what);
    for (j, x) in items.iter().enumerate() {
        errors.check(
            (0.0..=10.0).contains(x),
            format!("{pointer}/{j}"),
            "must be a mark from 0.0 to 10.0",
        );
    }
}

/// The total of four marks, rounded half-up to one decimal, in tenths. Marks are 0–10 once
/// validated; an unrepresentable mark counts as 0.
fn total_tenths(items: &[f64]) -> i64 {
    let sum = items
        .iter()
        .map(|x| micros(*x).unwrap_or(0))
        .fold(0i64, i64::saturating_add);
    micros_to_tenths(sum)
}

// ---------------------------------------------------------------------------------------------
// ORS

/// `{"age":34,"sessions":[[4.1,5.0,6.2,5.5],[5.0,6.1,6.0,6.4]]}`: sessions in order, the first
/// the intake; each session's items are individually, interpersonally, socially, overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrsInput {
    /// Age in years at intake: sets the clinical cut-off.
    pub age: u16,
    /// Four marks per session.
    pub sessions: Vec<Vec<f64>>,
}

impl OrsInput {
    /// Parses and validates the contract's input object.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, InputError> {
        let input: OrsInput = input::parse(value)?;
        input.validate()?;
        Ok(input)
    }

    /// Checks the age (6–130: under 6 the YCORS is not scored) and that every session has four
    /// marks of 0.0–10.0; names the first missing or bad item, e.g. `/sessions/1/2`.
    pub fn validate(&self) -> Result<(), InputError> {
        let mut errors = Errors::default();
        errors.check(
            (6..=130).contains(&self.age),
            "/age",
            "must be 6 to 130 years: ORS is for 13 and over, CORS for 6 to 12, and under 6 it is not scored",
        );
        errors.check(
            !self.sessions.is_empty(),
            "/sessions/0",
            "required item is missing: at least one session (the intake)",
        );
        errors.check(
            self.sessions.len() <= MAX_SESSIONS,
            "/sessions",
            format!("at most {MAX_SESSIONS} sessions"),
        );
        for (i, session) in self.sessions.iter().enumerate() {
            check_items(
                &mut errors,
                &format!("/sessions/{i}"),
                session,
                "an ORS session",
            );
        }
        errors.finish()
    }
}

/// The age group that sets the cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeGroup {
    /// 6–12: CORS, cut-off 32.
    Child,
    /// 13–17: cut-off 28.
    Adolescent,
    /// 18 and over: cut-off 25.
    Adult,
}

impl AgeGroup {
    /// The group of `age` in years (under 13 is a child; validation refuses under 6).
    pub fn of(age: u16) -> AgeGroup {
        match age {
            ..=12 => AgeGroup::Child,
            13..=17 => AgeGroup::Adolescent,
            18.. => AgeGroup::Adult,
        }
    }

    /// The clinical cut-off in tenths: a total below it is in the clinical range.
    fn cutoff_tenths(self) -> i64 {
        match self {
            AgeGroup::Child => 320,
            AgeGroup::Adolescent => 280,
            AgeGroup::Adult => 250,
        }
    }
}

/// The contract's output, with the explanation beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrsResult {
    /// Always [`ORS_NAME`].
    pub instrument: &'static str,
    /// Always [`ORS_VERSION`].
    pub version: &'static str,
    /// The age group that set the cut-off.
    pub age_group: AgeGroup,
    /// Session totals, one decimal.
    pub totals: Vec<f64>,
    /// The age group's cut-off.
    pub clinical_cutoff: f64,
    /// Per session: total below the cut-off.
    pub in_clinical_range: Vec<bool>,
    /// Latest total minus the intake total, one decimal.
    pub change: f64,
    /// |change| ≥ 5.
    pub reliable_change: bool,
    /// change ≤ −5.
    pub reliable_deterioration: bool,
    /// Intake below the cut-off, reliable positive change, latest at or above the cut-off.
    pub clinically_significant_change: bool,
    /// Null before the third session; then whether the latest total has improved on the
    /// intake by at least 5.
    pub on_track: Option<bool>,
    /// Why `on_track` has its value.
    pub on_track_rule: &'static str,
}

/// Scores a series of ORS sessions.
pub fn score_ors(input: &OrsInput) -> OrsResult {
    let group = AgeGroup::of(input.age);
    let cutoff = group.cutoff_tenths();
    let totals: Vec<i64> = input.sessions.iter().map(|s| total_tenths(s)).collect();
    let intake = totals.first().copied().unwrap_or(0);
    let latest = totals.last().copied().unwrap_or(0);
    let change = latest.saturating_sub(intake);
    let reliable_change = change.abs() >= RELIABLE_CHANGE;
    let clinically_significant_change =
        intake < cutoff && change >= RELIABLE_CHANGE && latest >= cutoff;
    // Our rule: from the third session on, false when the latest total has not improved on the
    // intake by at least 5, or has fallen by 5 or more (which the first clause already covers).
    let (on_track, on_track_rule) = if totals.len() < 3 {
        (None, "null before the third session")
    } else if change >= RELIABLE_CHANGE {
        (Some(true), "improved on the intake by at least 5")
    } else if change <= -RELIABLE_CHANGE {
        (Some(false), "fallen from the intake by 5 or more")
    } else {
        (Some(false), "not improved on the intake by at least 5")
    };
    OrsResult {
        instrument: ORS_NAME,
        version: ORS_VERSION,
        age_group: group,
        in_clinical_range: totals.iter().map(|t| *t < cutoff).collect(),
        totals: totals.iter().copied().map(from_tenths).collect(),
        clinical_cutoff: from_tenths(cutoff),
        change: from_tenths(change),
        reliable_change,
        reliable_deterioration: change <= -RELIABLE_CHANGE,
        clinically_significant_change,
        on_track,
        on_track_rule,
    }
}

// ---------------------------------------------------------------------------------------------
// SRS

/// `{"items":[9.1,9.5,8.7,9.0]}`: relationship, goals_and_topics, approach_or_method, overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrsInput {
    /// Four marks, in [`SRS_ITEMS`] order.
    pub items: Vec<f64>,
}

impl SrsInput {
    /// Parses and validates the contract's input object.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, InputError> {
        let input: SrsInput = input::parse(value)?;
        input.validate()?;
        Ok(input)
    }

    /// Checks there are four marks of 0.0–10.0.
    pub fn validate(&self) -> Result<(), InputError> {
        let mut errors = Errors::default();
        check_items(&mut errors, "/items", &self.items, "the SRS");
        errors.finish()
    }
}

/// The contract's output, with the explanation beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SrsResult {
    /// Always [`SRS_NAME`].
    pub instrument: &'static str,
    /// Always [`SRS_VERSION`].
    pub version: &'static str,
    /// Sum of the four items, one decimal.
    pub total: f64,
    /// The cut-off (36).
    pub cutoff: f64,
    /// Total below 36: a possible alliance problem to discuss.
    pub below_cutoff: bool,
    /// Names of the items below 9.0, in item order.
    pub low_items: Vec<&'static str>,
}

/// Scores one session's SRS.
pub fn score_srs(input: &SrsInput) -> SrsResult {
    let total = total_tenths(&input.items);
    let low_items = SRS_ITEMS
        .iter()
        .zip(&input.items)
        .filter(|(_, x)| micros(**x).is_some_and(|m| m < SRS_LOW_ITEM))
        .map(|(name, _)| *name)
        .collect();
    SrsResult {
        instrument: SRS_NAME,
        version: SRS_VERSION,
        total: from_tenths(total),
        cutoff: from_tenths(SRS_CUTOFF),
        below_cutoff: total < SRS_CUTOFF,
        low_items,
    }
}
