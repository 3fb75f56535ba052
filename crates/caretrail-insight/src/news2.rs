//! NEWS2 with RESTORE2 soft signs and SBARD escalation.
//!
//! Sources: Royal College of Physicians, *National Early Warning Score (NEWS) 2* (December 2017),
//! Chart 1 (scoring bands) and Charts 3/4 (thresholds, triggers and clinical response); RESTORE2
//! (Recognise Early Soft-signs, Take Observations, Respond, Escalate; West Hampshire CCG and the
//! Wessex Patient Safety Collaborative, 2019 onwards) for care-home escalation and the SBARD
//! handover (Situation, Background, Assessment, Recommendation, Decision). The bands, risk
//! thresholds and escalation rules are those of `reference/instruments.md` §news2.
//!
//! Soft signs never change the score or the components: they change only the escalation advice.
//! SpO2 scale 2 is only for a documented target of 88–92% (e.g. hypercapnic respiratory
//! failure), prescribed by a clinician; its high scores apply only on oxygen. NEWS2 is not for
//! under-16s or pregnancy.

use caretrail_core::data::{Acvpu, EntryData, Observation, SoftSign};
use caretrail_core::problem::InputError;
use serde::{Deserialize, Serialize};

use crate::input::{self, Errors, from_tenths, tenths};

/// The instrument's name in the contract.
pub const NAME: &str = "news2";
/// Version of these rules and texts; stamped on every result and flag.
pub const VERSION: &str = "1.0.0";

/// `{"respiration_rate":18,"spo2":96,"spo2_scale":1,"supplemental_oxygen":false,
/// "systolic_bp":120,"pulse":80,"consciousness":"A","temperature":37.1,
/// "soft_signs":["new_confusion"]}`. Every vital sign is required; `soft_signs` is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct News2Input {
    /// Breaths per minute.
    pub respiration_rate: u16,
    /// Oxygen saturation, percent.
    pub spo2: u16,
    /// 1, or 2 for a documented target of 88–92%.
    pub spo2_scale: u8,
    /// On supplemental oxygen (true) or air (false).
    pub supplemental_oxygen: bool,
    /// Systolic blood pressure, mmHg.
    pub systolic_bp: u16,
    /// Beats per minute.
    pub pulse: u16,
    /// ACVPU; C is new confusion.
    pub consciousness: Acvpu,
    /// °C; rounded half-up to one decimal before banding.
    pub temperature: f64,
    /// RESTORE2 soft signs (change from the person's own normal).
    #[serde(default)]
    pub soft_signs: Vec<SoftSign>,
}

impl News2Input {
    /// Parses and validates the contract's input object.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, InputError> {
        let input: News2Input = input::parse(value)?;
        input.validate()?;
        Ok(input)
    }

    /// Checks the plausible ranges. They are the record's own ranges for an observation
    /// (`caretrail_core::data::Observation`), so a score and a stored observation accept the
    /// same values; the temperature is checked after rounding to one decimal.
    pub fn validate(&self) -> Result<(), InputError> {
        let mut errors = Errors::default();
        let temperature = tenths(self.temperature);
        errors.check(
            temperature.is_some(),
            "/temperature",
            "must be a temperature in degrees Celsius",
        );
        let observation = Observation {
            respiration_rate: Some(self.respiration_rate),
            spo2: Some(self.spo2),
            spo2_scale: Some(self.spo2_scale),
            supplemental_oxygen: Some(self.supplemental_oxygen),
            systolic_bp: Some(self.systolic_bp),
            pulse: Some(self.pulse),
            consciousness: Some(self.consciousness),
            temperature: temperature.map(from_tenths),
            soft_signs: self.soft_signs.clone(),
            weight_kg: None,
        };
        if let Err(e) = EntryData::Observation(observation).validate() {
            errors.extend(e);
        }
        errors.finish()
    }
}

/// One value per NEWS2 parameter; the keys are exactly the contract's seven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Parameters<T> {
    /// Respiration rate.
    pub respiration_rate: T,
    /// SpO2, on the prescribed scale.
    pub spo2: T,
    /// Air or oxygen.
    pub supplemental_oxygen: T,
    /// Systolic blood pressure.
    pub systolic_bp: T,
    /// Pulse.
    pub pulse: T,
    /// Consciousness (ACVPU).
    pub consciousness: T,
    /// Temperature.
    pub temperature: T,
}

impl<T: Copy> Parameters<T> {
    /// (name, value) in chart order.
    pub fn entries(&self) -> [(&'static str, T); 7] {
        [
            ("respiration_rate", self.respiration_rate),
            ("spo2", self.spo2),
            ("supplemental_oxygen", self.supplemental_oxygen),
            ("systolic_bp", self.systolic_bp),
            ("pulse", self.pulse),
            ("consciousness", self.consciousness),
            ("temperature", self.temperature),
        ]
    }
}

/// The RCP clinical-risk band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    /// Score 0–4, no single parameter scoring 3.
    Low,
    /// Score 0–4 and a single parameter scoring 3.
    LowMedium,
    /// Score 5–6.
    Medium,
    /// Score 7 or more.
    High,
}

impl Risk {
    /// The contract's spelling (`low-medium`).
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::LowMedium => "low-medium",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

/// Which RESTORE2 escalation rule fired (care-home wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Escalation {
    /// Score ≥ 7: call 999.
    #[serde(rename = "call_999")]
    Call999,
    /// Score 5–6, or 3 in one parameter: urgent contact with GP / NHS 111 / community team.
    #[serde(rename = "urgent_contact")]
    UrgentContact,
    /// Score 1–4 with soft signs: inform GP and increase monitoring.
    #[serde(rename = "inform_gp")]
    InformGp,
    /// Score 1–4 without soft signs: the RCP response (inform the nurse or senior carer).
    #[serde(rename = "inform_senior_staff")]
    InformSeniorStaff,
    /// Score 0: routine monitoring.
    #[serde(rename = "routine_monitoring")]
    RoutineMonitoring,
}

/// The SBARD handover, part by part; `escalation` is these five joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sbard {
    /// What is happening now: the score and band.
    pub situation: String,
    /// Scale, air or oxygen, soft signs.
    pub background: String,
    /// Each parameter's value, band and points.
    pub assessment: String,
    /// The escalation advice.
    pub recommendation: String,
    /// What is left to the practitioner.
    pub decision: String,
}

/// The contract's output, with the explanation beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct News2Result {
    /// Always [`NAME`].
    pub instrument: &'static str,
    /// Always [`VERSION`].
    pub version: &'static str,
    /// Aggregate score, 0–20.
    pub score: u8,
    /// RCP clinical-risk band.
    pub risk: Risk,
    /// Points per parameter.
    pub components: Parameters<u8>,
    /// The chart band each parameter fell in (e.g. `"21–24"`).
    pub bands: Parameters<&'static str>,
    /// Parameters scoring 3 on their own.
    pub single_parameter_3: Vec<&'static str>,
    /// The rule that set `risk`.
    pub risk_rule: &'static str,
    /// RCP clinical response for the band.
    pub response: &'static str,
    /// The RESTORE2 rule that set the escalation advice.
    pub escalation_rule: Escalation,
    /// SBARD handover text: Situation, Background, Assessment, Recommendation, Decision.
    pub escalation: String,
    /// The same handover, part by part.
    pub sbard: Sbard,
    /// The soft signs reported (they change only the escalation advice).
    pub soft_signs: Vec<SoftSign>,
    /// The SpO2 scale used.
    pub spo2_scale: u8,
    /// The temperature banded, rounded half-up to one decimal.
    pub temperature: f64,
}

// RCP Chart 1. Each function is a total `match` over the integers, so the compiler proves that
// every value falls in exactly one band.

fn respiration_rate(rr: i64) -> (u8, &'static str) {
    match rr {
        ..=8 => (3, "≤ 8"),
        9..=11 => (1, "9–11"),
        12..=20 => (0, "12–20"),
        21..=24 => (2, "21–24"),
        25.. => (3, "≥ 25"),
    }
}

fn spo2_scale_1(spo2: i64) -> (u8, &'static str) {
    match spo2 {
        ..=91 => (3, "≤ 91"),
        92..=93 => (2, "92–93"),
        94..=95 => (1, "94–95"),
        96.. => (0, "≥ 96"),
    }
}

/// Scale 2's high scores apply only on oxygen; ≥ 93% on air scores 0.
fn spo2_scale_2(spo2: i64, oxygen: bool) -> (u8, &'static str) {
    match (spo2, oxygen) {
        (..=83, _) => (3, "≤ 83"),
        (84..=85, _) => (2, "84–85"),
        (86..=87, _) => (1, "86–87"),
        (88..=92, _) => (0, "88–92"),
        (93.., false) => (0, "≥ 93 on air"),
        (93..=94, true) => (1, "93–94 on oxygen"),
        (95..=96, true) => (2, "95–96 on oxygen"),
        (97.., true) => (3, "≥ 97 on oxygen"),
    }
}

fn air_or_oxygen(oxygen: bool) -> (u8, &'static str) {
    if oxygen { (2, "oxygen") } else { (0, "air") }
}

fn systolic_bp(sbp: i64) -> (u8, &'static str) {
    match sbp {
        ..=90 => (3, "≤ 90"),
        91..=100 => (2, "91–100"),
        101..=110 => (1, "101–110"),
        111..=219 => (0, "111–219"),
        220.. => (3, "≥ 220"),
    }
}

fn pulse(p: i64) -> (u8, &'static str) {
    match p {
        ..=40 => (3, "≤ 40"),
        41..=50 => (1, "41–50"),
        51..=90 => (0, "51–90"),
        91..=110 => (1, "91–110"),
        111..=130 => (2, "111–130"),
        131.. => (3, "≥ 131"),
    }
}

fn consciousness(c: Acvpu) -> (u8, &'static str) {
    match c {
        Acvpu::A => (0, "A"),
        Acvpu::C | Acvpu::V | Acvpu::P | Acvpu::U => (3, "C, V, P or U"),
    }
}

/// Temperature in tenths of a degree.
fn temperature(t: i64) -> (u8, &'static str) {
    match t {
        ..=350 => (3, "≤ 35.0"),
        351..=360 => (1, "35.1–36.0"),
        361..=380 => (0, "36.1–38.0"),
        381..=390 => (1, "38.1–39.0"),
        391.. => (2, "≥ 39.1"),
    }
}

/// RCP Chart 4: ≥ 7 high > 5–6 medium > any single 3 low-medium > low. A single 3 inside an
/// aggregate of 5–6 is medium, inside ≥ 7 high.
fn risk(score: u8, any_single_3: bool) -> (Risk, &'static str) {
    match score {
        7.. => (Risk::High, "score ≥ 7"),
        5..=6 => (Risk::Medium, "score 5–6"),
        _ if any_single_3 => (Risk::LowMedium, "score 0–4 and a single parameter scores 3"),
        _ => (Risk::Low, "score 0–4 with no single parameter scoring 3"),
    }
}

fn response(score: u8, risk: Risk) -> &'static str {
    match (risk, score) {
        (Risk::Low, 0) => "Routine monitoring (at least 12-hourly).",
        (Risk::Low, _) => {
            "Inform the registered nurse, who decides whether to increase monitoring (at least 4–6-hourly)."
        }
        (Risk::LowMedium, _) => {
            "Urgent review by a clinician who decides whether escalation is needed."
        }
        (Risk::Medium, _) => {
            "Key threshold for an urgent response: urgent clinical review, monitor at least hourly."
        }
        (Risk::High, _) => "Emergency response: in care settings, call 999.",
    }
}

/// RESTORE2 escalation for care homes, highest rule first.
fn escalation(score: u8, any_single_3: bool, soft_signs: bool) -> (Escalation, &'static str) {
    match score {
        7.. => (Escalation::Call999, "Call 999 (score ≥ 7)."),
        5..=6 => (
            Escalation::UrgentContact,
            "Urgent contact with the GP, NHS 111 or the community team (score 5–6).",
        ),
        _ if any_single_3 => (
            Escalation::UrgentContact,
            "Urgent contact with the GP, NHS 111 or the community team (3 in one parameter).",
        ),
        1..=4 if soft_signs => (
            Escalation::InformGp,
            "Inform the GP and increase monitoring (score 1–4 with soft signs).",
        ),
        1..=4 => (
            Escalation::InformSeniorStaff,
            "Inform the registered nurse or senior carer, who decides whether to increase monitoring (score 1–4).",
        ),
        _ if soft_signs => (
            Escalation::RoutineMonitoring,
            "Continue monitoring and repeat the observations if the soft signs persist or worsen (score 0).",
        ),
        _ => (
            Escalation::RoutineMonitoring,
            "Continue routine monitoring (score 0).",
        ),
    }
}

const DECISION: &str = "Agree the plan with the person contacted and record it, within any treatment escalation plan or DNACPR decision in place. This is advice: the decision stays with the practitioner.";

/// The snake_case name of a soft sign, with spaces (`new_confusion` → `new confusion`).
fn soft_sign_words(sign: SoftSign) -> String {
    serde_json::to_value(sign)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

/// Scores a set of observations. Total on any input; values that [`News2Input::validate`]
/// refuses still fall in a band (e.g. SpO2 120 bands as ≥ 96), so validate first.
pub fn score(input: &News2Input) -> News2Result {
    let oxygen = input.supplemental_oxygen;
    let temp_tenths = tenths(input.temperature);
    let spo2 = if input.spo2_scale == 2 {
        spo2_scale_2(i64::from(input.spo2), oxygen)
    } else {
        spo2_scale_1(i64::from(input.spo2))
    };
    let scored = Parameters {
        respiration_rate: respiration_rate(i64::from(input.respiration_rate)),
        spo2,
        supplemental_oxygen: air_or_oxygen(oxygen),
        systolic_bp: systolic_bp(i64::from(input.systolic_bp)),
        pulse: pulse(i64::from(input.pulse)),
        consciousness: consciousness(input.consciousness),
        // A temperature too large to represent bands as ≤ 35.0; validation refuses it first.
        temperature: temperature(temp_tenths.unwrap_or(i64::MIN)),
    };
    let components = Parameters {
        respiration_rate: scored.respiration_rate.0,
        spo2: scored.spo2.0,
        supplemental_oxygen: scored.supplemental_oxygen.0,
        systolic_bp: scored.systolic_bp.0,
        pulse: scored.pulse.0,
        consciousness: scored.consciousness.0,
        temperature: scored.temperature.0,
    };
    let bands = Parameters {
        respiration_rate: scored.respiration_rate.1,
        spo2: scored.spo2.1,
        supplemental_oxygen: scored.supplemental_oxygen.1,
        systolic_bp: scored.systolic_bp.1,
        pulse: scored.pulse.1,
        consciousness: scored.consciousness.1,
        temperature: scored.temperature.1,
    };
    let total: u8 = components.entries().iter().map(|(_, p)| *p).sum();
    let single_parameter_3: Vec<&'static str> = components
        .entries()
        .iter()
        .filter(|(_, p)| *p == 3)
        .map(|(name, _)| *name)
        .collect();
    let any_single_3 = !single_parameter_3.is_empty();
    let (risk, risk_rule) = risk(total, any_single_3);
    let has_soft_signs = !input.soft_signs.is_empty();
    let (escalation_rule, recommendation) = escalation(total, any_single_3, has_soft_signs);

    let temperature_shown = temp_tenths.map_or(input.temperature, from_tenths);
    let sbard = Sbard {
        situation: format!(
            "NEWS2 score {total}, {} clinical risk{}.",
            risk.as_str(),
            if any_single_3 {
                format!(
                    "; 3 in a single parameter: {}",
                    single_parameter_3.join(", ")
                )
            } else {
                String::new()
            }
        ),
        background: format!(
            "SpO2 scale {}, on {}. Soft signs: {}.",
            input.spo2_scale,
            if oxygen { "oxygen" } else { "air" },
            if has_soft_signs {
                input
                    .soft_signs
                    .iter()
                    .map(|s| soft_sign_words(*s))
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                "none reported".into()
            }
        ),
        assessment: format!(
            "Respiration rate {}/min ({}) scores {}; SpO2 {}% ({}) scores {}; {} scores {}; \
             systolic BP {} mmHg ({}) scores {}; pulse {}/min ({}) scores {}; consciousness {:?} \
             scores {}; temperature {:.1} °C ({}) scores {}.",
            input.respiration_rate,
            bands.respiration_rate,
            components.respiration_rate,
            input.spo2,
            bands.spo2,
            components.spo2,
            bands.supplemental_oxygen,
            components.supplemental_oxygen,
            input.systolic_bp,
            bands.systolic_bp,
            components.systolic_bp,
            input.pulse,
            bands.pulse,
            components.pulse,
            input.consciousness,
            components.consciousness,
            temperature_shown,
            bands.temperature,
            components.temperature,
        ),
        recommendation: recommendation.to_owned(),
        decision: DECISION.to_owned(),
    };
    let escalation = format!(
        "Situation: {}\nBackground: {}\nAssessment: {}\nRecommendation: {}\nDecision: {}",
        sbard.situation, sbard.background, sbard.assessment, sbard.recommendation, sbard.decision
    );
    News2Result {
        instrument: NAME,
        version: VERSION,
        score: total,
        risk,
        components,
        bands,
        single_parameter_3,
        risk_rule,
        response: response(total, risk),
        escalation_rule,
        escalation,
        sbard,
        soft_signs: input.soft_signs.clone(),
        spo2_scale: input.spo2_scale,
        temperature: temperature_shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_precedence_follows_chart_4() {
        assert_eq!(risk(7, false).0, Risk::High);
        assert_eq!(risk(7, true).0, Risk::High);
        assert_eq!(risk(5, true).0, Risk::Medium);
        assert_eq!(risk(3, true).0, Risk::LowMedium);
        assert_eq!(risk(4, false).0, Risk::Low);
        assert_eq!(risk(0, false).0, Risk::Low);
    }

    #[test]
    fn soft_signs_read_as_words() {
        assert_eq!(
            soft_sign_words(SoftSign::ReducedEatingDrinking),
            "reduced eating drinking"
        );
    }
}
