//! The generative model of the synthetic population, written down as code.
//!
//! Falls models are trained and evaluated on this data, so every causal path is here, with its
//! coefficient as a named constant. The simulation (`sim.rs`) only *applies* what this module
//! says. Probabilities are logistic in a linear predictor unless stated otherwise; `z` is a
//! standard normal draw.
//!
//! # Per-person latent traits (drawn once, before the window opens)
//!
//! 1. **Age** on the end date, from [`AGE_BANDS`] (most people are 75–94: this is a care
//!    population). Sex is female with probability [`P_FEMALE`].
//! 2. **Frailty** `f` in (0, 1): `logistic(FRAILTY_INTERCEPT + FRAILTY_PER_YEAR·(age−75) +
//!    FRAILTY_SD·z)`. It drifts up by [`FRAILTY_DRIFT_PER_YEAR`] and jumps after a hip fracture.
//! 3. **Neurological conditions** first (Parkinson's disease, stroke), from [`CONDITION_MODELS`].
//! 4. **Gait** (the Morse item): a score
//!    `GAIT_FRAILTY·f + GAIT_PARKINSONS·pd + GAIT_STROKE·stroke + GAIT_SD·z` cut at
//!    [`GAIT_WEAK_FROM`] and [`GAIT_IMPAIRED_FROM`]. The **ambulatory aid** follows the gait
//!    ([`AID_BY_GAIT`]).
//! 5. **Cognitive impairment**:
//!    `logistic(COGNITION_INTERCEPT + COGNITION_PER_DECADE·(age−75)/10 + COGNITION_FRAILTY·f +
//!    COGNITION_NEURO·(pd or stroke))`; people without it at the start develop it at
//!    [`COGNITION_INCIDENCE_PER_YEAR`]. It is coded as dementia, Alzheimer's disease or impaired
//!    cognition.
//! 6. **Lives alone**: `logistic(LIVES_ALONE_INTERCEPT + LIVES_ALONE_PER_DECADE·(age−75)/10 +
//!    LIVES_ALONE_FEMALE·female + LIVES_ALONE_COGNITION·cognitive)`.
//! 7. **Other long-term conditions** from [`CONDITION_MODELS`] (age, frailty, sex, living alone).
//! 8. **Medicines** follow the conditions (`meds.rs`): hypertension and heart failure bring
//!    diuretics and alpha-blockers, depression antidepressants, dementia sometimes an antipsychotic,
//!    pain opioids and gabapentinoids, incontinence antimuscarinics, poor sleep Z-drugs, so
//!    falls-risk-increasing drugs (FRIDs, the STOPPFall prefixes of `instruments.md`) are more
//!    likely with those conditions and with frailty.
//! 9. **Care needs**: a score `NEEDS_FRAILTY·f + NEEDS_COGNITION·cognitive + NEEDS_GAIT_*·gait +
//!    NEEDS_LIVES_ALONE·alone + NEEDS_NEURO·(pd or stroke) + NEEDS_SD·z`, cut into
//!    [`NeedsLevel`]s at [`NEEDS_LOW_FROM`], [`NEEDS_MODERATE_FROM`], [`NEEDS_HIGH_FROM`]. The
//!    level sets the Care Act eligibility findings, whether there is a home-care package and its
//!    visits per week ([`VISITS_PER_WEEK`]).
//!
//! # Monthly fall hazard
//!
//! Each day at home a person falls with the daily equivalent ([`monthly_to_daily`]) of the monthly
//! probability `logistic(fall_log_odds(..))`, where the log-odds ([`fall_log_odds`]) is
//!
//! ```text
//! FALL_INTERCEPT
//!   + FALL_PER_DECADE_OF_AGE · (age − 75)/10
//!   + FALL_PREVIOUS_FALL     · [a fall in the last 12 months]
//!   + FALL_RECURRENT_FALLS   · [two or more falls in the last 12 months]
//!   + FALL_PER_FRID          · min(active FRIDs, FALL_FRID_CAP)
//!   + FALL_COGNITIVE_IMPAIRMENT · [cognitive impairment]
//!   + FALL_GAIT_WEAK or FALL_GAIT_IMPAIRED
//!   + FALL_FRAILTY           · frailty
//!   + FALL_ACUTE_ILLNESS     · [inside a deterioration episode]
//!   + FALL_RECENT_DISCHARGE  · [within 30 days of a hospital discharge]
//!   + FALL_LIVES_ALONE       · [lives alone]
//! ```
//!
//! Nobody falls at home while in hospital. FRIDs are counted on the day from the medicines as
//! recorded (start ≤ day < end), so deprescribing after a fall lowers the hazard. Injury severity
//! follows [`INJURY_WEIGHTS`], shifted towards harm by osteoporosis and frailty; a severe injury is
//! a hip fracture in [`P_HIP_FRACTURE_GIVEN_SEVERE`] of cases and always means a hospital
//! admission, after which gait worsens one level. A fatal fall ends the person's record.
//!
//! A year of history before the window is simulated with the same hazard, so "previous fall" is
//! defined from the first day. Not every fall reaches the record: see [`P_REPORT_FALL_NO_CARE`].
//!
//! # Everything else
//!
//! Deterioration episodes (infections, dehydration, delirium) start with a monthly probability of
//! `logistic(EPISODE_INTERCEPT + EPISODE_FRAILTY·f + EPISODE_COGNITION·cognitive +
//! EPISODE_CARDIORESPIRATORY·(heart failure or COPD))`; their severity sets how far the NEWS2
//! parameters move and whether the person is admitted ([`P_ADMIT_BY_SEVERITY`]). Visits are missed
//! with [`P_MISSED_VISIT`]; claims are honest except for the irregularities in
//! [`P_CLAIM_INFLATED`], [`P_CLAIM_FOR_MISSED_VISIT`] and [`P_CLAIM_DUPLICATE`], which the
//! population's ground truth lists.

use caretrail_core::data::{AmbulatoryAid, Gait};

/// The standard logistic function.
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

// ---------------------------------------------------------------------------------------------
// Demography

/// Age bands on the end date: (lowest age, highest age, weight). The median is about 80.
pub const AGE_BANDS: &[(i16, i16, f64)] = &[
    (18, 44, 0.04),
    (45, 64, 0.10),
    (65, 74, 0.20),
    (75, 84, 0.34),
    (85, 94, 0.27),
    (95, 100, 0.05),
];

/// Share of women (older care populations are mostly female).
pub const P_FEMALE: f64 = 0.6;

// ---------------------------------------------------------------------------------------------
// Frailty

/// Log-odds of frailty at age 75 for a typical person.
pub const FRAILTY_INTERCEPT: f64 = -0.9;
/// Change in frailty log-odds per year of age.
pub const FRAILTY_PER_YEAR: f64 = 0.06;
/// Spread of frailty between people of the same age (log-odds scale).
pub const FRAILTY_SD: f64 = 1.0;
/// Frailty added per year of the window (slow decline).
pub const FRAILTY_DRIFT_PER_YEAR: f64 = 0.03;
/// Frailty added by a hip fracture.
pub const FRAILTY_AFTER_HIP_FRACTURE: f64 = 0.12;

// ---------------------------------------------------------------------------------------------
// Conditions

/// Prevalence model of one long-term condition: log-odds = `intercept + per_decade·(age−75)/10 +
/// frailty·f + female·[female] + lives_alone·[alone]`.
#[derive(Debug, Clone, Copy)]
pub struct ConditionModel {
    /// SNOMED CT id from `caretrail_core::codes::SNOMED`.
    pub code: &'static str,
    pub intercept: f64,
    pub per_decade: f64,
    pub frailty: f64,
    pub female: f64,
    pub lives_alone: f64,
}

const fn cm(
    code: &'static str,
    intercept: f64,
    per_decade: f64,
    frailty: f64,
    female: f64,
    lives_alone: f64,
) -> ConditionModel {
    ConditionModel {
        code,
        intercept,
        per_decade,
        frailty,
        female,
        lives_alone,
    }
}

pub const PARKINSONS: &str = "49049000";
pub const STROKE: &str = "230690007";
pub const DIABETES_T2: &str = "44054006";
pub const HYPERTENSION: &str = "38341003";
pub const HEART_FAILURE: &str = "84114007";
pub const COPD: &str = "13645005";
pub const CKD: &str = "709044004";
pub const OSTEOPOROSIS: &str = "64859006";
pub const DEPRESSION: &str = "35489007";
pub const INCONTINENCE: &str = "165232002";
pub const VISUAL_IMPAIRMENT: &str = "397540003";
pub const HEARING_LOSS: &str = "15188001";
pub const DEMENTIA: &str = "52448006";
pub const ALZHEIMERS: &str = "26929004";
pub const IMPAIRED_COGNITION: &str = "386806002";
pub const DELIRIUM: &str = "2776000";
pub const FRAILTY_FINDING: &str = "248279007";
pub const LIVES_ALONE_FINDING: &str = "105529008";
pub const HOUSEBOUND: &str = "160689007";
pub const FEELING_LONELY: &str = "267076002";
pub const SOCIAL_ISOLATION: &str = "422650009";
pub const FALLS_FINDING: &str = "161898004";
pub const RECURRENT_FALLS: &str = "279992002";
pub const HIP_FRACTURE: &str = "5913000";
pub const HISTORY_OF_HIP_FRACTURE: &str = "391093004";
pub const PRESSURE_ULCER: &str = "399912005";
pub const UTI: &str = "68566005";
pub const DEHYDRATION: &str = "34095006";

/// Long-term conditions. Parkinson's disease and stroke are drawn first because they feed gait
/// and cognition; the rest after.
pub const CONDITION_MODELS: &[ConditionModel] = &[
    cm(PARKINSONS, -4.2, 0.4, 0.5, -0.4, 0.0),
    cm(STROKE, -2.9, 0.4, 1.0, -0.2, 0.0),
    cm(DIABETES_T2, -1.6, 0.0, 0.6, -0.3, 0.0),
    cm(HYPERTENSION, -0.3, 0.4, 0.4, 0.0, 0.0),
    cm(HEART_FAILURE, -3.0, 0.5, 1.5, -0.3, 0.0),
    cm(COPD, -2.6, 0.2, 1.0, -0.2, 0.0),
    cm(CKD, -2.2, 0.6, 1.0, 0.0, 0.0),
    cm(OSTEOPOROSIS, -2.6, 0.5, 0.8, 1.2, 0.0),
    cm(DEPRESSION, -2.0, -0.1, 0.9, 0.3, 0.6),
    cm(INCONTINENCE, -2.6, 0.4, 2.0, 0.4, 0.0),
    cm(VISUAL_IMPAIRMENT, -3.0, 0.6, 1.0, 0.0, 0.0),
    cm(HEARING_LOSS, -2.0, 0.7, 0.3, -0.3, 0.0),
];

/// Probability of the condition under `model`.
pub fn condition_probability(
    model: &ConditionModel,
    age: f64,
    frailty: f64,
    female: bool,
    lives_alone: bool,
) -> f64 {
    logistic(
        model.intercept
            + model.per_decade * (age - 75.0) / 10.0
            + model.frailty * frailty
            + if female { model.female } else { 0.0 }
            + if lives_alone { model.lives_alone } else { 0.0 },
    )
}

// ---------------------------------------------------------------------------------------------
// Gait and mobility

pub const GAIT_FRAILTY: f64 = 2.4;
pub const GAIT_PARKINSONS: f64 = 1.0;
pub const GAIT_STROKE: f64 = 0.7;
pub const GAIT_SD: f64 = 0.45;
/// Gait score from which gait is `weak`.
pub const GAIT_WEAK_FROM: f64 = 0.75;
/// Gait score from which gait is `impaired`.
pub const GAIT_IMPAIRED_FROM: f64 = 1.4;

/// Ambulatory aid given gait: weights of (none, crutches/cane/walker, furniture).
pub const AID_BY_GAIT: [(Gait, [f64; 3]); 3] = [
    (Gait::Normal, [0.9, 0.1, 0.0]),
    (Gait::Weak, [0.3, 0.6, 0.1]),
    (Gait::Impaired, [0.1, 0.55, 0.35]),
];

/// The gait class of a gait score.
pub fn gait_of_score(score: f64) -> Gait {
    if score >= GAIT_IMPAIRED_FROM {
        Gait::Impaired
    } else if score >= GAIT_WEAK_FROM {
        Gait::Weak
    } else {
        Gait::Normal
    }
}

/// One step worse (after a hip fracture).
pub fn worse_gait(g: Gait) -> Gait {
    match g {
        Gait::Normal => Gait::Weak,
        Gait::Weak | Gait::Impaired => Gait::Impaired,
    }
}

/// The aid that goes with a worse gait: never less support than before.
pub fn worse_aid(a: AmbulatoryAid) -> AmbulatoryAid {
    match a {
        AmbulatoryAid::None => AmbulatoryAid::CrutchesCaneWalker,
        AmbulatoryAid::CrutchesCaneWalker | AmbulatoryAid::Furniture => a,
    }
}

// ---------------------------------------------------------------------------------------------
// Cognition and household

pub const COGNITION_INTERCEPT: f64 = -3.3;
pub const COGNITION_PER_DECADE: f64 = 0.9;
pub const COGNITION_FRAILTY: f64 = 1.6;
/// Added for Parkinson's disease or stroke.
pub const COGNITION_NEURO: f64 = 0.8;
/// Yearly probability that someone without cognitive impairment develops it (aged 75+; half of
/// that below 75).
pub const COGNITION_INCIDENCE_PER_YEAR: f64 = 0.025;

pub const LIVES_ALONE_INTERCEPT: f64 = -0.7;
pub const LIVES_ALONE_PER_DECADE: f64 = 0.25;
pub const LIVES_ALONE_FEMALE: f64 = 0.5;
pub const LIVES_ALONE_COGNITION: f64 = -0.8;

// ---------------------------------------------------------------------------------------------
// Care needs

/// How much help a person needs, from the needs score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NeedsLevel {
    /// No social care: GP and hospital only.
    None,
    /// Assessed; eligible for a small package about half the time, otherwise signposted.
    Low,
    /// Eligible; a package of a few visits a week up to daily.
    Moderate,
    /// Eligible; daily or more.
    High,
}

pub const NEEDS_FRAILTY: f64 = 2.2;
pub const NEEDS_COGNITION: f64 = 0.9;
pub const NEEDS_GAIT_WEAK: f64 = 0.35;
pub const NEEDS_GAIT_IMPAIRED: f64 = 0.8;
pub const NEEDS_LIVES_ALONE: f64 = 0.25;
pub const NEEDS_NEURO: f64 = 0.3;
pub const NEEDS_SD: f64 = 0.35;
pub const NEEDS_LOW_FROM: f64 = 1.0;
pub const NEEDS_MODERATE_FROM: f64 = 1.5;
pub const NEEDS_HIGH_FROM: f64 = 2.4;
/// Share of people with moderate or high needs whose package runs from before the window; the
/// rest are referred during it.
pub const P_EXISTING_PACKAGE: f64 = 0.55;
/// Share of low-needs people found eligible for a small package.
pub const P_LOW_NEEDS_ELIGIBLE: f64 = 0.5;

/// Visits per week by needs level: (visits per week, weight).
pub const VISITS_PER_WEEK: [(NeedsLevel, &[(u8, f64)]); 3] = [
    (NeedsLevel::Low, &[(1, 0.3), (2, 0.7)]),
    (
        NeedsLevel::Moderate,
        &[(2, 0.35), (3, 0.4), (4, 0.2), (7, 0.05)],
    ),
    (NeedsLevel::High, &[(5, 0.5), (7, 0.4), (14, 0.1)]),
];

/// The needs level of a needs score.
pub fn needs_of_score(score: f64) -> NeedsLevel {
    if score >= NEEDS_HIGH_FROM {
        NeedsLevel::High
    } else if score >= NEEDS_MODERATE_FROM {
        NeedsLevel::Moderate
    } else if score >= NEEDS_LOW_FROM {
        NeedsLevel::Low
    } else {
        NeedsLevel::None
    }
}

// ---------------------------------------------------------------------------------------------
// Falls

/// Log-odds of a fall in one month at age 75 with none of the risk factors below.
pub const FALL_INTERCEPT: f64 = -5.0;
/// Per decade of age above (or below) 75.
pub const FALL_PER_DECADE_OF_AGE: f64 = 0.35;
/// Any fall in the previous 12 months (the strongest single predictor in the literature).
pub const FALL_PREVIOUS_FALL: f64 = 0.9;
/// Added on top when there were two or more falls in the previous 12 months.
pub const FALL_RECURRENT_FALLS: f64 = 0.4;
/// Per active falls-risk-increasing drug (STOPPFall prefixes), up to [`FALL_FRID_CAP`].
pub const FALL_PER_FRID: f64 = 0.3;
/// FRIDs beyond this many add nothing more.
pub const FALL_FRID_CAP: u32 = 4;
/// Cognitive impairment.
pub const FALL_COGNITIVE_IMPAIRMENT: f64 = 0.7;
/// Weak gait (Morse `weak`).
pub const FALL_GAIT_WEAK: f64 = 0.5;
/// Impaired gait (Morse `impaired`).
pub const FALL_GAIT_IMPAIRED: f64 = 1.0;
/// Per unit of frailty (0–1).
pub const FALL_FRAILTY: f64 = 0.8;
/// Inside a deterioration episode (infection, dehydration, delirium).
pub const FALL_ACUTE_ILLNESS: f64 = 1.0;
/// Within [`RECENT_DISCHARGE_DAYS`] of a hospital discharge.
pub const FALL_RECENT_DISCHARGE: f64 = 0.7;
/// Living alone.
pub const FALL_LIVES_ALONE: f64 = 0.2;
/// How long "recently discharged" lasts.
pub const RECENT_DISCHARGE_DAYS: i64 = 30;

/// Everything the fall hazard reads on a given day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FallRiskInputs {
    pub age: f64,
    pub falls_last_12_months: u32,
    pub frid_count: u32,
    pub cognitive_impairment: bool,
    pub gait: Gait,
    pub frailty: f64,
    pub acute_illness: bool,
    pub recently_discharged: bool,
    pub lives_alone: bool,
}

/// Log-odds of at least one fall in a month, as documented in the module docs.
pub fn fall_log_odds(x: &FallRiskInputs) -> f64 {
    let flag = |b: bool, w: f64| if b { w } else { 0.0 };
    FALL_INTERCEPT
        + FALL_PER_DECADE_OF_AGE * (x.age - 75.0) / 10.0
        + flag(x.falls_last_12_months >= 1, FALL_PREVIOUS_FALL)
        + flag(x.falls_last_12_months >= 2, FALL_RECURRENT_FALLS)
        + FALL_PER_FRID * f64::from(x.frid_count.min(FALL_FRID_CAP))
        + flag(x.cognitive_impairment, FALL_COGNITIVE_IMPAIRMENT)
        + match x.gait {
            Gait::Normal => 0.0,
            Gait::Weak => FALL_GAIT_WEAK,
            Gait::Impaired => FALL_GAIT_IMPAIRED,
        }
        + FALL_FRAILTY * x.frailty
        + flag(x.acute_illness, FALL_ACUTE_ILLNESS)
        + flag(x.recently_discharged, FALL_RECENT_DISCHARGE)
        + flag(x.lives_alone, FALL_LIVES_ALONE)
}

/// Monthly probability of a fall.
pub fn monthly_fall_probability(x: &FallRiskInputs) -> f64 {
    logistic(fall_log_odds(x))
}

/// The daily probability that gives monthly probability `p` over an average month.
pub fn monthly_to_daily(p: f64) -> f64 {
    const DAYS_PER_MONTH: f64 = 365.25 / 12.0;
    1.0 - (1.0 - p.clamp(0.0, 1.0)).powf(1.0 / DAYS_PER_MONTH)
}

/// Injury severity of a fall: weights of none, minor, moderate, severe, fatal.
pub const INJURY_WEIGHTS: [f64; 5] = [0.45, 0.35, 0.138, 0.06, 0.002];
/// Multiplier on the moderate, severe and fatal weights with osteoporosis.
pub const INJURY_OSTEOPOROSIS: f64 = 1.8;
/// Multiplier on the moderate, severe and fatal weights per unit of frailty.
pub const INJURY_FRAILTY: f64 = 1.0;
/// Share of severe injuries that are a fractured neck of femur.
pub const P_HIP_FRACTURE_GIVEN_SEVERE: f64 = 0.7;
/// Share of moderate injuries admitted for observation.
pub const P_ADMIT_MODERATE_INJURY: f64 = 0.2;
/// Probability that a fall without a moderate or worse injury reaches the record when nobody
/// visits (no home-care package): many falls are never reported.
pub const P_REPORT_FALL_NO_CARE: f64 = 0.75;
/// The same when carers visit.
pub const P_REPORT_FALL_WITH_CARE: f64 = 0.95;
/// Probability of a GP medication review after a recorded fall.
pub const P_MED_REVIEW_AFTER_FALL: f64 = 0.55;
/// Probability that such a review stops one FRID.
pub const P_DEPRESCRIBE_AT_REVIEW: f64 = 0.5;

// ---------------------------------------------------------------------------------------------
// Deterioration and hospital

pub const EPISODE_INTERCEPT: f64 = -4.1;
pub const EPISODE_FRAILTY: f64 = 2.2;
pub const EPISODE_COGNITION: f64 = 0.5;
pub const EPISODE_CARDIORESPIRATORY: f64 = 0.5;
/// Severity of an episode: weights of mild, moderate, severe.
pub const EPISODE_SEVERITY_WEIGHTS: [f64; 3] = [0.55, 0.3, 0.15];
/// Probability of admission by episode severity (mild, moderate, severe).
pub const P_ADMIT_BY_SEVERITY: [f64; 3] = [0.0, 0.25, 0.8];
/// Elective or other admissions per person-year, besides falls and episodes.
pub const OTHER_ADMISSIONS_PER_YEAR: f64 = 0.04;

// ---------------------------------------------------------------------------------------------
// Home care and claims

/// Probability that a planned visit is missed.
pub const P_MISSED_VISIT: f64 = 0.025;
/// Probability that a delivered visit is cut short (the carer leaves early).
pub const P_SHORT_VISIT: f64 = 0.05;
/// Pence per minute of home care (£25.20 an hour).
pub const PENCE_PER_MINUTE: u32 = 42;
/// Irregular claim: minutes claimed above those delivered (ground truth lists it).
pub const P_CLAIM_INFLATED: f64 = 0.015;
/// Irregular claim: a missed visit claimed as delivered (share of missed visits).
pub const P_CLAIM_FOR_MISSED_VISIT: f64 = 0.15;
/// Irregular claim: a second claim for the same visit.
pub const P_CLAIM_DUPLICATE: f64 = 0.004;

/// Latent traits of one person at the start of the window: the ground truth behind the record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatentTraits {
    pub frailty: f64,
    pub cognitive_impairment: bool,
    pub gait: Gait,
    pub ambulatory_aid: AmbulatoryAid,
    pub lives_alone: bool,
    pub needs: NeedsLevel,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> FallRiskInputs {
        FallRiskInputs {
            age: 75.0,
            falls_last_12_months: 0,
            frid_count: 0,
            cognitive_impairment: false,
            gait: Gait::Normal,
            frailty: 0.0,
            acute_illness: false,
            recently_discharged: false,
            lives_alone: false,
        }
    }

    #[test]
    fn every_documented_risk_factor_raises_the_fall_hazard() {
        let b = monthly_fall_probability(&base());
        let raised = [
            FallRiskInputs {
                age: 90.0,
                ..base()
            },
            FallRiskInputs {
                falls_last_12_months: 1,
                ..base()
            },
            FallRiskInputs {
                frid_count: 2,
                ..base()
            },
            FallRiskInputs {
                cognitive_impairment: true,
                ..base()
            },
            FallRiskInputs {
                gait: Gait::Weak,
                ..base()
            },
            FallRiskInputs {
                frailty: 0.5,
                ..base()
            },
            FallRiskInputs {
                acute_illness: true,
                ..base()
            },
            FallRiskInputs {
                recently_discharged: true,
                ..base()
            },
            FallRiskInputs {
                lives_alone: true,
                ..base()
            },
        ];
        for x in raised {
            assert!(monthly_fall_probability(&x) > b, "{x:?}");
        }
        let capped = FallRiskInputs {
            frid_count: 9,
            ..base()
        };
        let at_cap = FallRiskInputs {
            frid_count: FALL_FRID_CAP,
            ..base()
        };
        assert_eq!(fall_log_odds(&capped), fall_log_odds(&at_cap));
    }

    #[test]
    fn daily_probability_compounds_back_to_the_monthly_one() {
        let p = 0.08;
        let d = monthly_to_daily(p);
        let back = 1.0 - (1.0 - d).powf(365.25 / 12.0);
        assert!((back - p).abs() < 1e-12);
    }
}
