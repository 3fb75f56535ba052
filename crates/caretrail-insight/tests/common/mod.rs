//! Input builders shared by the integration tests. They build the contract's JSON, so every test
//! goes through `caretrail_insight::score` exactly as the CLI and the server do.
#![allow(dead_code)]

use serde_json::{Value, json};

/// The RESTORE2 soft signs, as the reference spells them.
pub const SOFT_SIGNS: [&str; 14] = [
    "new_confusion",
    "agitation",
    "drowsiness",
    "reduced_eating_drinking",
    "new_pain",
    "reduced_mobility",
    "new_fall",
    "breathing_change",
    "reduced_urine",
    "new_incontinence",
    "skin_change",
    "vomiting_diarrhoea",
    "new_cough",
    "not_themselves",
];

/// A NEWS2 input: (RR, SpO2, scale, on oxygen, SBP, pulse, ACVPU, temperature).
#[allow(clippy::too_many_arguments)]
pub fn news2(
    rr: i64,
    spo2: i64,
    scale: i64,
    oxygen: bool,
    sbp: i64,
    pulse: i64,
    acvpu: &str,
    temperature: f64,
) -> Value {
    json!({
        "respiration_rate": rr, "spo2": spo2, "spo2_scale": scale, "supplemental_oxygen": oxygen,
        "systolic_bp": sbp, "pulse": pulse, "consciousness": acvpu, "temperature": temperature,
    })
}

/// A NEWS2 input whose every parameter scores 0 on scale 1 (the first worked example).
pub fn news2_normal() -> Value {
    news2(18, 96, 1, false, 120, 80, "A", 37.1)
}

/// `base` with `field` replaced by `value`.
pub fn with(base: &Value, field: &str, value: Value) -> Value {
    let mut v = base.clone();
    v[field] = value;
    v
}

/// `base` without `field`.
pub fn without(base: &Value, field: &str) -> Value {
    let mut v = base.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove(field);
    }
    v
}

/// Scores, panicking with the problem on refusal.
pub fn ok(instrument: &str, input: &Value) -> Value {
    match caretrail_insight::score(instrument, input) {
        Ok(v) => v,
        Err(e) => panic!("{instrument} refused {input}: {e}"),
    }
}

/// Scores, expecting a refusal; returns the fields named.
pub fn refused(instrument: &str, input: &Value) -> Vec<String> {
    match caretrail_insight::score(instrument, input) {
        Ok(v) => panic!("{instrument} accepted {input}: {v}"),
        Err(e) => {
            let problem = e.to_problem();
            assert_eq!(problem.status, 422, "{e}");
            problem.errors.into_iter().map(|e| e.field).collect()
        }
    }
}

/// A Morse input from the six items.
pub fn morse(fall: bool, secondary: bool, aid: &str, iv: bool, gait: &str, mental: &str) -> Value {
    json!({
        "history_of_falling": fall, "secondary_diagnosis": secondary, "ambulatory_aid": aid,
        "iv_or_heparin_lock": iv, "gait": gait, "mental_status": mental,
    })
}

/// The ten adult outcomes, all `achieves`, except those given.
pub fn adult_outcomes(unable: &[(&str, &str)]) -> Value {
    let mut outcomes = json!({
        "nutrition": "achieves", "personal_hygiene": "achieves", "toilet_needs": "achieves",
        "being_clothed": "achieves", "home_safely": "achieves", "habitable_home": "achieves",
        "relationships": "achieves", "work_training_education_volunteering": "achieves",
        "community_facilities": "achieves", "caring_for_child": "not_applicable",
    });
    for (k, v) in unable {
        outcomes[*k] = json!(v);
    }
    outcomes
}

/// A `care-act` input.
pub fn care_act(impairment: bool, unable: &[(&str, &str)], wellbeing: bool) -> Value {
    json!({
        "needs_from_impairment_or_illness": impairment,
        "outcomes": adult_outcomes(unable),
        "significant_impact_on_wellbeing": wellbeing,
    })
}

/// The eight carer outcomes, all `achieves`, except those given.
pub fn carer_outcomes(unable: &[(&str, &str)]) -> Value {
    let mut outcomes = json!({
        "caring_for_child": "not_applicable", "caring_for_others": "achieves",
        "habitable_home": "achieves", "nutrition": "achieves", "relationships": "achieves",
        "work_training_education_volunteering": "achieves", "community_facilities": "achieves",
        "recreational_activities": "achieves",
    });
    for (k, v) in unable {
        outcomes[*k] = json!(v);
    }
    outcomes
}

/// A `care-act-carer` input.
pub fn carer(
    necessary_care: bool,
    health_at_risk: bool,
    unable: &[(&str, &str)],
    wellbeing: bool,
) -> Value {
    json!({
        "needs_from_providing_necessary_care": necessary_care,
        "health_at_risk": health_at_risk,
        "outcomes": carer_outcomes(unable),
        "significant_impact_on_wellbeing": wellbeing,
    })
}

/// An ORS input for an adult of 34.
pub fn ors(sessions: &[[f64; 4]]) -> Value {
    json!({"age": 34, "sessions": sessions})
}
