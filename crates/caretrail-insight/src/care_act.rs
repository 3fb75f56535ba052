//! Care Act 2014 eligibility: adults needing care and support, and carers.
//!
//! Source: The Care and Support (Eligibility Criteria) Regulations 2015 (SI 2015/313, made under
//! s.13(7) and (8) of the Care Act 2014), regulation 2 (adults) and regulation 3 (carers),
//! <https://www.legislation.gov.uk/uksi/2015/313/made>. The wording quoted in explanations is the
//! regulations' own.
//!
//! Eligibility is a local-authority determination. These functions apply the three conditions to
//! the practitioner's findings and say which hold, in the statute's words; they raise no flag,
//! and the practitioner records the decision.

use caretrail_core::data::{CareActOutcome, OutcomeStatus};
use caretrail_core::problem::{InputError, pointer_push};
use serde::{Deserialize, Serialize};

use crate::input::{self, Errors};

/// The adult instrument's name in the contract.
pub const NAME: &str = "care-act";
/// Version of the adult rules and wording; stamped on every result.
pub const VERSION: &str = "1.0.0";
/// The carer instrument's name in the contract.
pub const CARER_NAME: &str = "care-act-carer";
/// Version of the carer rules and wording; stamped on every result.
pub const CARER_VERSION: &str = "1.0.0";

/// The specified outcomes of reg 2(2)(a)–(j), in order, with the regulation's words.
pub const ADULT_OUTCOMES: [(CareActOutcome, &str, &str); 10] = [
    (
        CareActOutcome::Nutrition,
        "reg 2(2)(a)",
        "managing and maintaining nutrition",
    ),
    (
        CareActOutcome::PersonalHygiene,
        "reg 2(2)(b)",
        "maintaining personal hygiene",
    ),
    (
        CareActOutcome::ToiletNeeds,
        "reg 2(2)(c)",
        "managing toilet needs",
    ),
    (
        CareActOutcome::BeingClothed,
        "reg 2(2)(d)",
        "being appropriately clothed",
    ),
    (
        CareActOutcome::HomeSafely,
        "reg 2(2)(e)",
        "being able to make use of the adult's home safely",
    ),
    (
        CareActOutcome::HabitableHome,
        "reg 2(2)(f)",
        "maintaining a habitable home environment",
    ),
    (
        CareActOutcome::Relationships,
        "reg 2(2)(g)",
        "developing and maintaining family or other personal relationships",
    ),
    (
        CareActOutcome::WorkTrainingEducationVolunteering,
        "reg 2(2)(h)",
        "accessing and engaging in work, training, education or volunteering",
    ),
    (
        CareActOutcome::CommunityFacilities,
        "reg 2(2)(i)",
        "making use of necessary facilities or services in the local community including public transport, and recreational facilities or services",
    ),
    (
        CareActOutcome::CaringForChild,
        "reg 2(2)(j)",
        "carrying out any caring responsibilities the adult has for a child",
    ),
];

/// The outcomes of reg 3(2)(b)(i)–(viii) for carers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CarerOutcome {
    /// (i) caring responsibilities for a child.
    CaringForChild,
    /// (ii) care to other persons.
    CaringForOthers,
    /// (iii) a habitable home environment.
    HabitableHome,
    /// (iv) nutrition.
    Nutrition,
    /// (v) relationships.
    Relationships,
    /// (vi) work, training, education or volunteering.
    WorkTrainingEducationVolunteering,
    /// (vii) facilities or services in the local community.
    CommunityFacilities,
    /// (viii) recreational activities.
    RecreationalActivities,
}

/// The outcomes of reg 3(2)(b), in order, with the regulation's words.
pub const CARER_OUTCOMES: [(CarerOutcome, &str, &str); 8] = [
    (
        CarerOutcome::CaringForChild,
        "reg 3(2)(b)(i)",
        "carrying out any caring responsibilities the carer has for a child",
    ),
    (
        CarerOutcome::CaringForOthers,
        "reg 3(2)(b)(ii)",
        "providing care to other persons for whom the carer provides care",
    ),
    (
        CarerOutcome::HabitableHome,
        "reg 3(2)(b)(iii)",
        "maintaining a habitable home environment in the carer's home (whether or not this is also the home of the adult needing care)",
    ),
    (
        CarerOutcome::Nutrition,
        "reg 3(2)(b)(iv)",
        "managing and maintaining nutrition",
    ),
    (
        CarerOutcome::Relationships,
        "reg 3(2)(b)(v)",
        "developing and maintaining family or other personal relationships",
    ),
    (
        CarerOutcome::WorkTrainingEducationVolunteering,
        "reg 3(2)(b)(vi)",
        "engaging in work, training, education or volunteering",
    ),
    (
        CarerOutcome::CommunityFacilities,
        "reg 3(2)(b)(vii)",
        "making use of necessary facilities or services in the local community, including recreational facilities or services",
    ),
    (
        CarerOutcome::RecreationalActivities,
        "reg 3(2)(b)(viii)",
        "engaging in recreational activities",
    ),
];

/// The limb of "unable to achieve" (reg 2(3) for adults, reg 3(3) for carers) that `status`
/// names, as (paragraph letter, the regulation's words with `who` as the subject); `None` when
/// the outcome is achieved or not applicable.
fn unable_limb(status: OutcomeStatus, who: &str) -> Option<(&'static str, String)> {
    match status {
        OutcomeStatus::Achieves | OutcomeStatus::NotApplicable => None,
        OutcomeStatus::WithoutAssistance => {
            Some(("a", "is unable to achieve it without assistance".into()))
        }
        OutcomeStatus::SignificantPainDistressAnxiety => Some((
            "b",
            format!(
                "is able to achieve it without assistance but doing so causes {who} significant pain, distress or anxiety"
            ),
        )),
        OutcomeStatus::EndangersHealthSafety => Some((
            "c",
            format!(
                "is able to achieve it without assistance but doing so endangers or is likely to endanger the health or safety of {who}, or of others"
            ),
        )),
        OutcomeStatus::SignificantlyLonger => Some((
            "d",
            "is able to achieve it without assistance but takes significantly longer than would normally be expected".into(),
        )),
    }
}

/// The JSON key of an outcome (its serde name).
fn key<T: Serialize>(outcome: T) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An outcome the person is unable to achieve, with the statute's words for it and for the way
/// in which they are unable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnableOutcome {
    /// The outcome's key, e.g. `toilet_needs`.
    pub outcome: String,
    /// Where the outcome is specified, e.g. `reg 2(2)(c)`.
    pub regulation: &'static str,
    /// The outcome in the regulation's words.
    pub wording: &'static str,
    /// Where the limb of "unable" is, e.g. `reg 2(3)(b)`.
    pub limb: String,
    /// The limb in the regulation's words.
    pub limb_wording: String,
}

impl UnableOutcome {
    fn sentence(&self) -> String {
        format!(
            "\u{201c}{}\u{201d} ({}): {} ({})",
            self.wording, self.regulation, self.limb_wording, self.limb
        )
    }
}

/// The outcomes unable to be achieved, in the regulation's order: `table` gives each outcome's
/// place and words, `statuses` the findings.
fn unable_outcomes<T: Copy + PartialEq + Serialize>(
    table: &[(T, &'static str, &'static str)],
    statuses: &[(T, OutcomeStatus)],
    limb_paragraph: &str,
    who: &str,
) -> Vec<UnableOutcome> {
    table
        .iter()
        .filter_map(|(outcome, regulation, wording)| {
            let (_, status) = statuses.iter().find(|(o, _)| o == outcome)?;
            let (letter, limb_wording) = unable_limb(*status, who)?;
            Some(UnableOutcome {
                outcome: key(*outcome),
                regulation,
                wording,
                limb: format!("{limb_paragraph}({letter})"),
                limb_wording,
            })
        })
        .collect()
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "not met" }
}

fn listed(unable: &[UnableOutcome]) -> String {
    if unable.is_empty() {
        "none".into()
    } else {
        unable
            .iter()
            .map(UnableOutcome::sentence)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

// ---------------------------------------------------------------------------------------------
// Adults: reg 2.

/// The ten outcomes of reg 2(2), each `achieves`, `not_applicable` or a limb of reg 2(3). Every
/// key is required, so a missing or misspelt one is named (`/outcomes/toilet_needs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdultOutcomes {
    /// (a) managing and maintaining nutrition.
    pub nutrition: OutcomeStatus,
    /// (b) maintaining personal hygiene.
    pub personal_hygiene: OutcomeStatus,
    /// (c) managing toilet needs.
    pub toilet_needs: OutcomeStatus,
    /// (d) being appropriately clothed.
    pub being_clothed: OutcomeStatus,
    /// (e) being able to make use of the adult's home safely.
    pub home_safely: OutcomeStatus,
    /// (f) maintaining a habitable home environment.
    pub habitable_home: OutcomeStatus,
    /// (g) developing and maintaining family or other personal relationships.
    pub relationships: OutcomeStatus,
    /// (h) accessing and engaging in work, training, education or volunteering.
    pub work_training_education_volunteering: OutcomeStatus,
    /// (i) making use of necessary facilities or services in the local community.
    pub community_facilities: OutcomeStatus,
    /// (j) carrying out any caring responsibilities the adult has for a child.
    pub caring_for_child: OutcomeStatus,
}

impl AdultOutcomes {
    /// (outcome, status) in the regulation's order.
    pub fn entries(&self) -> [(CareActOutcome, OutcomeStatus); 10] {
        [
            (CareActOutcome::Nutrition, self.nutrition),
            (CareActOutcome::PersonalHygiene, self.personal_hygiene),
            (CareActOutcome::ToiletNeeds, self.toilet_needs),
            (CareActOutcome::BeingClothed, self.being_clothed),
            (CareActOutcome::HomeSafely, self.home_safely),
            (CareActOutcome::HabitableHome, self.habitable_home),
            (CareActOutcome::Relationships, self.relationships),
            (
                CareActOutcome::WorkTrainingEducationVolunteering,
                self.work_training_education_volunteering,
            ),
            (
                CareActOutcome::CommunityFacilities,
                self.community_facilities,
            ),
            (CareActOutcome::CaringForChild, self.caring_for_child),
        ]
    }
}

/// `{"needs_from_impairment_or_illness":true,"outcomes":{...ten keys...},
/// "significant_impact_on_wellbeing":true}`: the same JSON as the record's eligibility findings
/// (`caretrail_core::data::Eligibility`), so an assessment's `eligibility` scores as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareActInput {
    /// Reg 2(1)(a): the needs arise from or are related to a physical or mental impairment or
    /// illness.
    pub needs_from_impairment_or_illness: bool,
    /// Reg 2(2): each outcome's status.
    pub outcomes: AdultOutcomes,
    /// Reg 2(1)(c): a significant impact on the adult's well-being.
    pub significant_impact_on_wellbeing: bool,
}

impl CareActInput {
    /// Parses the contract's input object for `care-act`; all ten outcomes are required.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, InputError> {
        input::parse(value)
    }
}

/// The three conditions of reg 2(1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AdultConditions {
    /// (a) the needs arise from or are related to a physical or mental impairment or illness.
    pub impairment: bool,
    /// (b) unable to achieve two or more of the specified outcomes.
    pub two_or_more_outcomes: bool,
    /// (c) a significant impact on well-being.
    pub wellbeing: bool,
}

/// The contract's output for `care-act`, with the statute's words beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CareActResult {
    /// Always [`NAME`].
    pub instrument: &'static str,
    /// Always [`VERSION`].
    pub version: &'static str,
    /// All three conditions hold.
    pub eligible: bool,
    /// Each condition.
    pub conditions: AdultConditions,
    /// Keys of the outcomes the adult is unable to achieve, in regulation order.
    pub unable: Vec<String>,
    /// The same outcomes with the regulation's words.
    pub unable_outcomes: Vec<UnableOutcome>,
    /// Which conditions hold, quoting each unmet outcome in the regulation's words.
    pub explanation: String,
}

/// Applies reg 2(1) to an adult's findings.
pub fn assess(input: &CareActInput) -> CareActResult {
    let unable = unable_outcomes(
        &ADULT_OUTCOMES,
        &input.outcomes.entries(),
        "reg 2(3)",
        "the adult",
    );
    let conditions = AdultConditions {
        impairment: input.needs_from_impairment_or_illness,
        two_or_more_outcomes: unable.len() >= 2,
        wellbeing: input.significant_impact_on_wellbeing,
    };
    let eligible = conditions.impairment && conditions.two_or_more_outcomes && conditions.wellbeing;
    let explanation = format!(
        "{} under SI 2015/313 reg 2(1), which needs all three conditions. \
         (a) {}: the adult's needs arise from or are related to a physical or mental impairment or illness. \
         (b) {}: as a result of the adult's needs the adult is unable to achieve two or more of the outcomes specified in paragraph (2); unable to achieve {}: {}. \
         (c) {}: as a consequence there is, or is likely to be, a significant impact on the adult's well-being. \
         This supports the local authority's determination; the practitioner records the decision.",
        if eligible { "Eligible" } else { "Not eligible" },
        met(conditions.impairment),
        met(conditions.two_or_more_outcomes),
        unable.len(),
        listed(&unable),
        met(conditions.wellbeing),
    );
    CareActResult {
        instrument: NAME,
        version: VERSION,
        eligible,
        conditions,
        unable: unable.iter().map(|u| u.outcome.clone()).collect(),
        unable_outcomes: unable,
        explanation,
    }
}

// ---------------------------------------------------------------------------------------------
// Carers: reg 3.

/// The eight outcomes of reg 3(2)(b), each `achieves`, `not_applicable` or a limb of reg 3(3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarerOutcomes {
    /// (i) caring responsibilities the carer has for a child.
    pub caring_for_child: OutcomeStatus,
    /// (ii) providing care to other persons for whom the carer provides care.
    pub caring_for_others: OutcomeStatus,
    /// (iii) a habitable home environment in the carer's home.
    pub habitable_home: OutcomeStatus,
    /// (iv) managing and maintaining nutrition.
    pub nutrition: OutcomeStatus,
    /// (v) developing and maintaining family or other personal relationships.
    pub relationships: OutcomeStatus,
    /// (vi) engaging in work, training, education or volunteering.
    pub work_training_education_volunteering: OutcomeStatus,
    /// (vii) making use of necessary facilities or services in the local community.
    pub community_facilities: OutcomeStatus,
    /// (viii) engaging in recreational activities.
    pub recreational_activities: OutcomeStatus,
}

impl CarerOutcomes {
    /// (outcome, status) in the regulation's order.
    pub fn entries(&self) -> [(CarerOutcome, OutcomeStatus); 8] {
        [
            (CarerOutcome::CaringForChild, self.caring_for_child),
            (CarerOutcome::CaringForOthers, self.caring_for_others),
            (CarerOutcome::HabitableHome, self.habitable_home),
            (CarerOutcome::Nutrition, self.nutrition),
            (CarerOutcome::Relationships, self.relationships),
            (
                CarerOutcome::WorkTrainingEducationVolunteering,
                self.work_training_education_volunteering,
            ),
            (CarerOutcome::CommunityFacilities, self.community_facilities),
            (
                CarerOutcome::RecreationalActivities,
                self.recreational_activities,
            ),
        ]
    }
}

/// `{"needs_from_providing_necessary_care":true,"health_at_risk":false,
/// "outcomes":{...eight keys...},"significant_impact_on_wellbeing":true}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarerInput {
    /// Reg 3(1)(a): the needs arise as a consequence of providing necessary care for an adult.
    pub needs_from_providing_necessary_care: bool,
    /// Reg 3(2)(a): the carer's physical or mental health is, or is at risk of, deteriorating.
    pub health_at_risk: bool,
    /// Reg 3(2)(b): each outcome's status; `significantly_longer` is not a limb for carers.
    pub outcomes: CarerOutcomes,
    /// Reg 3(1)(c): a significant impact on the carer's well-being.
    pub significant_impact_on_wellbeing: bool,
}

impl CarerInput {
    /// Parses and validates the contract's input object for `care-act-carer`.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, InputError> {
        let input: CarerInput = input::parse(value)?;
        input.validate()?;
        Ok(input)
    }

    /// No outcome may be `significantly_longer`: reg 3(3) has only three limbs.
    pub fn validate(&self) -> Result<(), InputError> {
        let mut errors = Errors::default();
        for (outcome, status) in self.outcomes.entries() {
            errors.check(
                status != OutcomeStatus::SignificantlyLonger,
                pointer_push("/outcomes", &key(outcome)),
                "value not allowed: reg 3(3) has no \"significantly longer\" limb for carers; \
                 expected without_assistance, significant_pain_distress_anxiety, \
                 endangers_health_safety, achieves or not_applicable",
            );
        }
        errors.finish()
    }
}

/// The three conditions of reg 3(1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CarerConditions {
    /// (a) the needs arise as a consequence of providing necessary care for an adult.
    pub necessary_care: bool,
    /// (b) health at risk of deteriorating, or unable to achieve any one outcome.
    pub health_or_outcome: bool,
    /// (c) a significant impact on well-being.
    pub wellbeing: bool,
}

/// The contract's output for `care-act-carer`, with the statute's words beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CarerResult {
    /// Always [`CARER_NAME`].
    pub instrument: &'static str,
    /// Always [`CARER_VERSION`].
    pub version: &'static str,
    /// All three conditions hold.
    pub eligible: bool,
    /// Each condition.
    pub conditions: CarerConditions,
    /// Keys of the outcomes the carer is unable to achieve, in regulation order.
    pub unable: Vec<String>,
    /// The same outcomes with the regulation's words.
    pub unable_outcomes: Vec<UnableOutcome>,
    /// Which conditions hold, quoting each unmet outcome in the regulation's words.
    pub explanation: String,
}

/// Applies reg 3(1) to a carer's findings.
pub fn assess_carer(input: &CarerInput) -> CarerResult {
    let unable = unable_outcomes(
        &CARER_OUTCOMES,
        &input.outcomes.entries(),
        "reg 3(3)",
        "the carer",
    );
    let conditions = CarerConditions {
        necessary_care: input.needs_from_providing_necessary_care,
        health_or_outcome: input.health_at_risk || !unable.is_empty(),
        wellbeing: input.significant_impact_on_wellbeing,
    };
    let eligible =
        conditions.necessary_care && conditions.health_or_outcome && conditions.wellbeing;
    let explanation = format!(
        "{} under SI 2015/313 reg 3(1), which needs all three conditions. \
         (a) {}: the needs arise as a consequence of providing necessary care for an adult. \
         (b) {}: the effect of the carer's needs is that any of the circumstances specified in paragraph (2) apply to the carer; \
         reg 3(2)(a), the carer's physical or mental health is, or is at risk of, deteriorating: {}; \
         reg 3(2)(b), the carer is unable to achieve any of the specified outcomes: unable to achieve {}: {}. \
         (c) {}: as a consequence of that fact there is, or is likely to be, a significant impact on the carer's well-being. \
         This supports the local authority's determination; the practitioner records the decision.",
        if eligible { "Eligible" } else { "Not eligible" },
        met(conditions.necessary_care),
        met(conditions.health_or_outcome),
        if input.health_at_risk { "yes" } else { "no" },
        unable.len(),
        listed(&unable),
        met(conditions.wellbeing),
    );
    CarerResult {
        instrument: CARER_NAME,
        version: CARER_VERSION,
        eligible,
        conditions,
        unable: unable.iter().map(|u| u.outcome.clone()).collect(),
        unable_outcomes: unable,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_tables_are_in_regulation_order_with_distinct_keys() {
        let adult: Vec<String> = ADULT_OUTCOMES.iter().map(|(o, _, _)| key(*o)).collect();
        assert_eq!(
            adult,
            [
                "nutrition",
                "personal_hygiene",
                "toilet_needs",
                "being_clothed",
                "home_safely",
                "habitable_home",
                "relationships",
                "work_training_education_volunteering",
                "community_facilities",
                "caring_for_child"
            ]
        );
        let carer: Vec<String> = CARER_OUTCOMES.iter().map(|(o, _, _)| key(*o)).collect();
        assert_eq!(
            carer,
            [
                "caring_for_child",
                "caring_for_others",
                "habitable_home",
                "nutrition",
                "relationships",
                "work_training_education_volunteering",
                "community_facilities",
                "recreational_activities"
            ]
        );
    }
}
