//! The `data` of each entry kind: its JSON shape, its validation and the codes it implies.
//!
//! Every shape refuses unknown fields. A value that does not fit is reported as an
//! [`InputError`] naming the field as a JSON Pointer relative to `data` (e.g. `/pulse`). Error
//! messages name rules and types, never the offending value, because a value may be personal data.
//!
//! The shapes are chosen so that every instrument of the decision-support contract can be
//! computed from the record: NEWS2 and RESTORE2 from observations, the Morse Fall Scale from an
//! assessment's falls findings (and incidents), medication review from medication entries,
//! ORS/SRS/SOC-13 from questionnaires and Care Act eligibility from an assessment.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::codes::{self, Code};
use crate::entry::EntryKind;
use crate::ids::{EntryId, OrganisationId};
use crate::problem::{FieldError, InputError, deserialize_strict, pointer_push};

/// The typed `data` of an entry.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryData {
    Assessment(Assessment),
    CarePlan(CarePlan),
    Visit(Visit),
    Observation(Observation),
    Condition(Condition),
    Medication(Medication),
    Incident(Incident),
    CaseNote(CaseNote),
    Questionnaire(Questionnaire),
    Consent(ConsentSet),
    Claim(Claim),
    Flag(Flag),
    Acknowledgement(Acknowledgement),
    Erasure(Erasure),
    Referral(Referral),
    Relationship(RelationshipChange),
}

macro_rules! dispatch {
    ($self:expr, $v:ident => $body:expr) => {
        match $self {
            EntryData::Assessment($v) => $body,
            EntryData::CarePlan($v) => $body,
            EntryData::Visit($v) => $body,
            EntryData::Observation($v) => $body,
            EntryData::Condition($v) => $body,
            EntryData::Medication($v) => $body,
            EntryData::Incident($v) => $body,
            EntryData::CaseNote($v) => $body,
            EntryData::Questionnaire($v) => $body,
            EntryData::Consent($v) => $body,
            EntryData::Claim($v) => $body,
            EntryData::Flag($v) => $body,
            EntryData::Acknowledgement($v) => $body,
            EntryData::Erasure($v) => $body,
            EntryData::Referral($v) => $body,
            EntryData::Relationship($v) => $body,
        }
    };
}

/// Rules beyond the JSON shape: ranges, required combinations.
trait Validate {
    fn validate(&self, errors: &mut Vec<FieldError>);
}

impl EntryData {
    /// Parses and validates `value` as the data of an entry of `kind`.
    pub fn parse(kind: EntryKind, value: &serde_json::Value) -> Result<Self, InputError> {
        if !value.is_object() {
            return Err(InputError::field("", "data must be a JSON object"));
        }
        let data = match kind {
            EntryKind::Assessment => EntryData::Assessment(deserialize_strict(value)?),
            EntryKind::CarePlan => EntryData::CarePlan(deserialize_strict(value)?),
            EntryKind::Visit => EntryData::Visit(deserialize_strict(value)?),
            EntryKind::Observation => EntryData::Observation(deserialize_strict(value)?),
            EntryKind::Condition => EntryData::Condition(deserialize_strict(value)?),
            EntryKind::Medication => EntryData::Medication(deserialize_strict(value)?),
            EntryKind::Incident => EntryData::Incident(deserialize_strict(value)?),
            EntryKind::CaseNote => EntryData::CaseNote(deserialize_strict(value)?),
            EntryKind::Questionnaire => EntryData::Questionnaire(deserialize_strict(value)?),
            EntryKind::Consent => EntryData::Consent(deserialize_strict(value)?),
            EntryKind::Claim => EntryData::Claim(deserialize_strict(value)?),
            EntryKind::Flag => EntryData::Flag(deserialize_strict(value)?),
            EntryKind::Acknowledgement => EntryData::Acknowledgement(deserialize_strict(value)?),
            EntryKind::Erasure => EntryData::Erasure(deserialize_strict(value)?),
            EntryKind::Referral => EntryData::Referral(deserialize_strict(value)?),
            EntryKind::Relationship => EntryData::Relationship(deserialize_strict(value)?),
        };
        data.validate()?;
        Ok(data)
    }

    /// Checks the rules beyond the shape. `parse` calls this; generators call it too.
    pub fn validate(&self) -> Result<(), InputError> {
        let mut errors = Vec::new();
        dispatch!(self, d => d.validate(&mut errors));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(InputError {
                syntax: false,
                errors,
            })
        }
    }

    pub fn kind(&self) -> EntryKind {
        match self {
            EntryData::Assessment(_) => EntryKind::Assessment,
            EntryData::CarePlan(_) => EntryKind::CarePlan,
            EntryData::Visit(_) => EntryKind::Visit,
            EntryData::Observation(_) => EntryKind::Observation,
            EntryData::Condition(_) => EntryKind::Condition,
            EntryData::Medication(_) => EntryKind::Medication,
            EntryData::Incident(_) => EntryKind::Incident,
            EntryData::CaseNote(_) => EntryKind::CaseNote,
            EntryData::Questionnaire(_) => EntryKind::Questionnaire,
            EntryData::Consent(_) => EntryKind::Consent,
            EntryData::Claim(_) => EntryKind::Claim,
            EntryData::Flag(_) => EntryKind::Flag,
            EntryData::Acknowledgement(_) => EntryKind::Acknowledgement,
            EntryData::Erasure(_) => EntryKind::Erasure,
            EntryData::Referral(_) => EntryKind::Referral,
            EntryData::Relationship(_) => EntryKind::Relationship,
        }
    }

    pub fn to_value(&self) -> serde_json::Value {
        // Invariant: every data type is a plain serde struct whose serialisation cannot fail.
        dispatch!(self, d => serde_json::to_value(d).expect("entry data serialises"))
    }

    /// The codes this data implies, from the curated tables.
    pub fn codes(&self) -> Vec<Code> {
        match self {
            EntryData::CarePlan(_) => codes::snomed(codes::CARE_PLAN).into_iter().collect(),
            EntryData::Visit(_) => codes::snomed(codes::HOME_VISIT).into_iter().collect(),
            EntryData::Observation(o) => o.codes(),
            EntryData::Condition(c) => codes::snomed(&c.code).into_iter().collect(),
            EntryData::Medication(m) => vec![codes::atc(&m.atc)],
            EntryData::Incident(i) => match i.incident_type {
                IncidentType::Fall => codes::snomed(codes::FALL_EVENT).into_iter().collect(),
                IncidentType::Safeguarding => codes::snomed(codes::SAFEGUARDING_CONCERN)
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

/// The fewest visible characters a reason may have (a break-glass or an override reason): short
/// on purpose, since an emergency must not wait on typing.
pub const MIN_REASON_VISIBLE_CHARS: usize = 3;

/// What is wrong with a free-text reason, if anything: fewer than
/// [`MIN_REASON_VISIBLE_CHARS`] visible characters, or a control character (line breaks and
/// tabs excepted, since a reason typed in a text area may have them). Visible means neither
/// white space, nor a control character, nor a default-ignorable code point (zero-width spaces
/// and joiners, bidirectional marks, variation selectors, the byte-order mark, tags and the
/// like), which render as nothing.
pub fn reason_fault(text: &str) -> Option<&'static str> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Some("must not contain control characters");
    }
    let visible = text
        .chars()
        .filter(|c| !c.is_whitespace() && !is_default_ignorable(*c))
        .count();
    (visible < MIN_REASON_VISIBLE_CHARS).then_some("must have at least 3 visible characters")
}

/// Unicode's Default_Ignorable_Code_Point set (DerivedCoreProperties.txt), as ranges.
fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

fn check(errors: &mut Vec<FieldError>, ok: bool, field: &str, message: &str) {
    if !ok {
        errors.push(FieldError::new(field, message));
    }
}

fn check_text(errors: &mut Vec<FieldError>, text: &str, field: &str, max: usize) {
    check(errors, !text.trim().is_empty(), field, "must not be empty");
    check(
        errors,
        text.chars().count() <= max,
        field,
        &format!("must be at most {max} characters"),
    );
}

fn check_opt_text(errors: &mut Vec<FieldError>, text: &Option<String>, field: &str, max: usize) {
    if let Some(t) = text {
        check_text(errors, t, field, max);
    }
}

fn in_range<T: PartialOrd + Copy>(v: Option<T>, lo: T, hi: T) -> bool {
    v.is_none_or(|v| lo <= v && v <= hi)
}

const SHORT_TEXT: usize = 500;
const LONG_TEXT: usize = 20_000;

// ---------------------------------------------------------------------------------------------
// Observation: vital signs (NEWS2 parameters), RESTORE2 soft signs and body weight.

/// ACVPU level of consciousness (C = new confusion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Acvpu {
    A,
    C,
    V,
    P,
    U,
}

/// RESTORE2 soft signs of deterioration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SoftSign {
    NewConfusion,
    Agitation,
    Drowsiness,
    ReducedEatingDrinking,
    NewPain,
    ReducedMobility,
    NewFall,
    BreathingChange,
    ReducedUrine,
    NewIncontinence,
    SkinChange,
    VomitingDiarrhoea,
    NewCough,
    NotThemselves,
}

/// `{"respiration_rate":18,"spo2":96,"spo2_scale":1,"supplemental_oxygen":false,
/// "systolic_bp":120,"pulse":80,"consciousness":"A","temperature":37.1,
/// "soft_signs":["new_confusion"],"weight_kg":61.5}`: any non-empty subset.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respiration_rate: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spo2: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spo2_scale: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplemental_oxygen: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systolic_bp: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consciousness: Option<Acvpu>,
    /// Degrees Celsius.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub soft_signs: Vec<SoftSign>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_kg: Option<f64>,
}

impl Observation {
    fn is_empty(&self) -> bool {
        self.respiration_rate.is_none()
            && self.spo2.is_none()
            && self.supplemental_oxygen.is_none()
            && self.systolic_bp.is_none()
            && self.pulse.is_none()
            && self.consciousness.is_none()
            && self.temperature.is_none()
            && self.soft_signs.is_empty()
            && self.weight_kg.is_none()
    }

    fn codes(&self) -> Vec<Code> {
        let mut out = Vec::new();
        let vitals = [
            (
                self.respiration_rate.is_some(),
                codes::LOINC_RESPIRATORY_RATE,
            ),
            (self.spo2.is_some(), codes::LOINC_SPO2),
            (self.pulse.is_some(), codes::LOINC_HEART_RATE),
            (self.systolic_bp.is_some(), codes::LOINC_SYSTOLIC_BP),
            (self.temperature.is_some(), codes::LOINC_BODY_TEMPERATURE),
            (self.weight_kg.is_some(), codes::LOINC_BODY_WEIGHT),
        ];
        if vitals.iter().filter(|(p, _)| *p).count() > 1 {
            out.push(codes::loinc(codes::LOINC_VITALS_PANEL));
        }
        out.extend(
            vitals
                .iter()
                .filter(|(p, _)| *p)
                .map(|(_, c)| codes::loinc(*c)),
        );
        out
    }
}

impl Validate for Observation {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check(
            e,
            !self.is_empty(),
            "",
            "at least one measurement or soft sign is required",
        );
        check(
            e,
            in_range(self.respiration_rate, 0, 80),
            "/respiration_rate",
            "must be 0 to 80 per minute",
        );
        check(
            e,
            in_range(self.spo2, 0, 100),
            "/spo2",
            "must be 0 to 100 percent",
        );
        check(
            e,
            in_range(self.spo2_scale, 1, 2),
            "/spo2_scale",
            "must be 1 or 2",
        );
        check(
            e,
            in_range(self.systolic_bp, 0, 300),
            "/systolic_bp",
            "must be 0 to 300 mmHg",
        );
        check(
            e,
            in_range(self.pulse, 0, 300),
            "/pulse",
            "must be 0 to 300 per minute",
        );
        check(
            e,
            in_range(self.temperature, 25.0, 45.0),
            "/temperature",
            "must be 25.0 to 45.0 degrees Celsius",
        );
        check(
            e,
            in_range(self.weight_kg, 1.0, 400.0),
            "/weight_kg",
            "must be 1 to 400 kg",
        );
        let mut seen = std::collections::BTreeSet::new();
        for (i, s) in self.soft_signs.iter().enumerate() {
            check(
                e,
                seen.insert(*s),
                &format!("/soft_signs/{i}"),
                "is listed twice",
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Assessment: needs, falls findings (Morse Fall Scale items) and Care Act eligibility.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentType {
    /// A Care Act 2014 s.9 needs assessment.
    Needs,
    /// A falls assessment.
    Falls,
    /// A review of an existing care plan.
    Review,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gait {
    Normal,
    Weak,
    Impaired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmbulatoryAid {
    None,
    CrutchesCaneWalker,
    Furniture,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MentalStatus {
    Oriented,
    ForgetsLimitations,
}

/// The ten outcomes of SI 2015/313 reg 2(2)(a)–(j).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CareActOutcome {
    Nutrition,
    PersonalHygiene,
    ToiletNeeds,
    BeingClothed,
    HomeSafely,
    HabitableHome,
    Relationships,
    WorkTrainingEducationVolunteering,
    CommunityFacilities,
    CaringForChild,
}

/// Whether the adult achieves an outcome, and if not, which limb of reg 2(3) applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    Achieves,
    NotApplicable,
    WithoutAssistance,
    SignificantPainDistressAnxiety,
    EndangersHealthSafety,
    SignificantlyLonger,
}

/// Findings for the eligibility determination of SI 2015/313 reg 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    pub needs_from_impairment_or_illness: bool,
    pub outcomes: BTreeMap<CareActOutcome, OutcomeStatus>,
    pub significant_impact_on_wellbeing: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    pub assessment_type: AssessmentType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_of_falling: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_diagnosis: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ambulatory_aid: Option<AmbulatoryAid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iv_or_heparin_lock: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gait: Option<Gait>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mental_status: Option<MentalStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<Eligibility>,
}

impl Validate for Assessment {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check_opt_text(e, &self.summary, "/summary", LONG_TEXT);
        if let Some(el) = &self.eligibility {
            const ALL: [CareActOutcome; 10] = [
                CareActOutcome::Nutrition,
                CareActOutcome::PersonalHygiene,
                CareActOutcome::ToiletNeeds,
                CareActOutcome::BeingClothed,
                CareActOutcome::HomeSafely,
                CareActOutcome::HabitableHome,
                CareActOutcome::Relationships,
                CareActOutcome::WorkTrainingEducationVolunteering,
                CareActOutcome::CommunityFacilities,
                CareActOutcome::CaringForChild,
            ];
            for o in ALL {
                if !el.outcomes.contains_key(&o) {
                    let name = serde_json::to_value(o).ok();
                    let name = name.as_ref().and_then(|v| v.as_str()).unwrap_or("");
                    e.push(FieldError::new(
                        pointer_push("/eligibility/outcomes", name),
                        "every outcome of reg 2(2) must be assessed",
                    ));
                }
            }
        }
        if self.assessment_type == AssessmentType::Falls {
            let complete = self.history_of_falling.is_some()
                && self.secondary_diagnosis.is_some()
                && self.ambulatory_aid.is_some()
                && self.iv_or_heparin_lock.is_some()
                && self.gait.is_some()
                && self.mental_status.is_some();
            check(
                e,
                complete,
                "",
                "a falls assessment records all six Morse Fall Scale items",
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Care plan, visit, condition, medication, incident, case note.

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarePlan {
    pub summary: String,
    pub goals: Vec<String>,
    pub visits_per_week: u8,
    pub minutes_per_visit: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_on: Option<Date>,
}

impl Validate for CarePlan {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check_text(e, &self.summary, "/summary", LONG_TEXT);
        for (i, g) in self.goals.iter().enumerate() {
            check_text(e, g, &format!("/goals/{i}"), SHORT_TEXT);
        }
        check(
            e,
            self.visits_per_week <= 28,
            "/visits_per_week",
            "must be 0 to 28",
        );
        check(
            e,
            (5..=720).contains(&self.minutes_per_visit),
            "/minutes_per_visit",
            "must be 5 to 720 minutes",
        );
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    pub planned_start: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departed_at: Option<Timestamp>,
    /// Minutes of care delivered (0 when missed).
    pub minutes: u16,
    #[serde(default)]
    pub tasks: Vec<String>,
    #[serde(default)]
    pub missed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Validate for Visit {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check(
            e,
            self.minutes <= 720,
            "/minutes",
            "must be 0 to 720 minutes",
        );
        if let (Some(a), Some(d)) = (self.arrived_at, self.departed_at) {
            check(e, a <= d, "/departed_at", "must not be before arrived_at");
        }
        if self.missed {
            check(
                e,
                self.minutes == 0,
                "/minutes",
                "a missed visit delivers 0 minutes",
            );
        }
        for (i, t) in self.tasks.iter().enumerate() {
            check_text(e, t, &format!("/tasks/{i}"), SHORT_TEXT);
        }
        check_opt_text(e, &self.note, "/note", LONG_TEXT);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionStatus {
    Active,
    Resolved,
}

/// `{"code":"52448006","status":"active","onset":"2023-05-01"}`: `code` is a SNOMED CT concept
/// from the curated subset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub code: String,
    pub status: ConditionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Validate for Condition {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check(
            e,
            codes::snomed(&self.code).is_some(),
            "/code",
            "not a SNOMED CT concept of the curated subset",
        );
        check_opt_text(e, &self.note, "/note", LONG_TEXT);
    }
}

/// `{"atc":"N05CD07","dose":"10 mg at night","start":"2026-01-01","end":null,"prn":false}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Medication {
    pub atc: String,
    pub dose: String,
    pub start: Date,
    #[serde(default)]
    pub end: Option<Date>,
    #[serde(default)]
    pub prn: bool,
}

impl Validate for Medication {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check(
            e,
            codes::is_atc_level5(&self.atc),
            "/atc",
            "must be a 7-character ATC code such as A10BA02",
        );
        check_text(e, &self.dose, "/dose", SHORT_TEXT);
        if let Some(end) = self.end {
            check(e, end > self.start, "/end", "must be after start");
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentType {
    Fall,
    MedicationError,
    MissedVisit,
    Safeguarding,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InjurySeverity {
    None,
    Minor,
    Moderate,
    Severe,
    Fatal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    #[serde(rename = "type")]
    pub incident_type: IncidentType,
    pub injury: InjurySeverity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Validate for Incident {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check_opt_text(e, &self.location, "/location", SHORT_TEXT);
        check_opt_text(e, &self.description, "/description", LONG_TEXT);
    }
}

/// `{"text":"..."}`: free text in plain English.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseNote {
    pub text: String,
}

impl Validate for CaseNote {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check_text(e, &self.text, "/text", LONG_TEXT);
    }
}

// ---------------------------------------------------------------------------------------------
// Questionnaire, consent, claim, flag, acknowledgement, erasure.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionnaireInstrument {
    /// Outcome Rating Scale (FIT): four items, 0.0–10.0.
    Ors,
    /// Session Rating Scale (FIT): four items, 0.0–10.0.
    Srs,
    /// Antonovsky's SOC-13: thirteen items, integers 1–7, as answered.
    Soc13,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    pub instrument: QuestionnaireInstrument,
    pub items: Vec<f64>,
}

impl Validate for Questionnaire {
    fn validate(&self, e: &mut Vec<FieldError>) {
        let (n, lo, hi, whole) = match self.instrument {
            QuestionnaireInstrument::Ors | QuestionnaireInstrument::Srs => (4, 0.0, 10.0, false),
            QuestionnaireInstrument::Soc13 => (13, 1.0, 7.0, true),
        };
        check(
            e,
            self.items.len() == n,
            "/items",
            &format!("must have exactly {n} items"),
        );
        for (i, x) in self.items.iter().enumerate() {
            let ok_range = (lo..=hi).contains(x);
            let ok_step = if whole {
                x.fract() == 0.0
            } else {
                ((x * 10.0).round() - x * 10.0).abs() < 1e-9
            };
            let rule = if whole {
                format!("must be a whole number from {lo} to {hi}")
            } else {
                format!("must be {lo:.1} to {hi:.1} with at most one decimal")
            };
            check(e, ok_range && ok_step, &format!("/items/{i}"), &rule);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentDirective {
    Permit,
    Deny,
}

/// Categories a person can withhold from an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentCategory {
    MentalHealth,
    Safeguarding,
    SexualHealth,
}

/// A consent directive. `deny` with an organisation blocks that organisation; with a category
/// too, only that category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub directive: ConsentDirective,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<OrganisationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<ConsentCategory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Consent {
    fn validate_at(&self, at: &str, e: &mut Vec<FieldError>) {
        if self.directive == ConsentDirective::Deny {
            check(
                e,
                self.organisation.is_some(),
                &format!("{at}/organisation"),
                "a deny directive names the organisation it blocks",
            );
        }
        check_opt_text(e, &self.note, &format!("{at}/note"), LONG_TEXT);
    }
}

/// The most directives one consent entry may hold.
pub const MAX_CONSENT_DIRECTIVES: usize = 64;

/// The data of a consent entry: `{"directives":[...]}`, the **whole** set of directives in force
/// from this entry on. The person's latest consent entry (by leaf index) replaces every earlier
/// one, so "replace my consent" is one entry and the ledger keeps each earlier set. Directives
/// apply in the order given (see `caretrail-access`'s consent module); an empty list lifts every
/// block.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentSet {
    pub directives: Vec<Consent>,
    /// Why someone other than the person changed their consent: required then, absent when the
    /// person sets their own (the gate checks who wrote it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<ConsentBasis>,
}

/// The lawful basis on which someone other than the person records their consent directives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentBasis {
    pub kind: ConsentBasisKind,
    /// What was assessed or relied on (for example the capacity assessment, or the attorney).
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentBasisKind {
    /// The person lacks capacity for this decision and it is made in their best interests
    /// (Mental Capacity Act 2005 ss. 1-4).
    BestInterests,
    /// A registered lasting power of attorney for health and welfare (MCA 2005 ss. 9-14).
    LastingPowerOfAttorney,
    /// A deputy appointed by the Court of Protection (MCA 2005 s. 16).
    CourtAppointedDeputy,
    /// A safeguarding enquiry needs the information shared (Care Act 2014 s. 42).
    Safeguarding,
    /// The person asked the practitioner to record it for them.
    PersonsInstruction,
}

impl ConsentBasisKind {
    /// The audit reason code of a consent change made on this basis.
    pub fn code(self) -> &'static str {
        match self {
            ConsentBasisKind::BestInterests => "consent-basis-best-interests",
            ConsentBasisKind::LastingPowerOfAttorney => "consent-basis-lasting-power-of-attorney",
            ConsentBasisKind::CourtAppointedDeputy => "consent-basis-court-appointed-deputy",
            ConsentBasisKind::Safeguarding => "consent-basis-safeguarding",
            ConsentBasisKind::PersonsInstruction => "consent-basis-persons-instruction",
        }
    }
}

impl Validate for ConsentSet {
    fn validate(&self, e: &mut Vec<FieldError>) {
        if let Some(b) = &self.basis {
            check_text(e, &b.note, "/basis/note", LONG_TEXT);
        }
        check(
            e,
            self.directives.len() <= MAX_CONSENT_DIRECTIVES,
            "/directives",
            &format!("must hold at most {MAX_CONSENT_DIRECTIVES} directives"),
        );
        for (i, d) in self.directives.iter().enumerate() {
            d.validate_at(&format!("/directives/{i}"), e);
        }
    }
}

/// A provider's claim for delivered care: `{"provider","visit","minutes","amount_pence"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub provider: OrganisationId,
    pub visit: EntryId,
    pub minutes: u16,
    pub amount_pence: u32,
}

impl Validate for Claim {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check(
            e,
            self.minutes <= 720,
            "/minutes",
            "must be 0 to 720 minutes",
        );
        check(
            e,
            self.amount_pence <= 1_000_000,
            "/amount_pence",
            "must be at most 1000000 pence",
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// Decision support's advice, authored by the system: instrument or model, version, the inputs it
/// read and its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub instrument: String,
    pub version: String,
    pub severity: Severity,
    pub summary: String,
    pub inputs: Vec<EntryId>,
    #[serde(default)]
    pub explanation: serde_json::Value,
    /// The consent categories of the entries it was computed from: a flag is withheld wherever
    /// any of them is. A flag stored without them (written before they were kept) counts as
    /// carrying every category of its inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<ConsentCategory>>,
}

impl Validate for Flag {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check_text(e, &self.instrument, "/instrument", 100);
        check_text(e, &self.version, "/version", 100);
        check_text(e, &self.summary, "/summary", SHORT_TEXT);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckDecision {
    Accept,
    Override,
}

/// A practitioner's answer to a flag: accept, or override with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    pub flag: EntryId,
    pub decision: AckDecision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Validate for Acknowledgement {
    fn validate(&self, e: &mut Vec<FieldError>) {
        if self.decision == AckDecision::Override {
            check(
                e,
                self.reason.as_deref().is_some_and(|r| !r.trim().is_empty()),
                "/reason",
                "an override needs a reason",
            );
        }
        if let Some(fault) = self.reason.as_deref().and_then(reason_fault) {
            e.push(FieldError::new("/reason", fault));
        }
        check_opt_text(e, &self.reason, "/reason", LONG_TEXT);
    }
}

/// Written by erasure itself: the legal ground, e.g. "GDPR Art. 17 request".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Erasure {
    pub reason: String,
}

impl Validate for Erasure {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check_text(e, &self.reason, "/reason", SHORT_TEXT);
    }
}

/// A practitioner asks another organisation to take on the person's care:
/// `{"to","reason"}`. Starting care through `to` uses the referral up; care started without
/// an open one is self-claimed, and reviewed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    /// The organisation asked to take on care.
    pub to: OrganisationId,
    pub reason: String,
}

impl Validate for Referral {
    fn validate(&self, e: &mut Vec<FieldError>) {
        check_text(e, &self.reason, "/reason", LONG_TEXT);
    }
}

/// Whether care started or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipEvent {
    Started,
    Ended,
}

/// Care through an organisation started or ended, in the person's own record (so they see who
/// took on their care): written by starting or ending a care relationship, never directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationshipChange {
    pub event: RelationshipEvent,
    pub relationship: crate::ids::RelationshipId,
    /// The organisation care runs through.
    pub organisation: OrganisationId,
    pub practitioner: crate::ids::UserId,
    pub relationship_kind: crate::model::RelationshipKind,
    pub from: jiff::Timestamp,
    /// The referral this start answered; `None` for an end, or for care started without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<EntryId>,
    /// Started without an open referral to the organisation: opened an item in the review queue.
    #[serde(default)]
    pub self_claimed: bool,
}

impl Validate for RelationshipChange {
    fn validate(&self, _: &mut Vec<FieldError>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(kind: EntryKind, v: serde_json::Value) -> String {
        let err = EntryData::parse(kind, &v).expect_err("should be refused");
        assert!(!err.syntax);
        err.errors[0].field.clone()
    }

    #[test]
    fn refusals_name_the_field_as_a_json_pointer() {
        let cases = [
            (EntryKind::Observation, json!({"pulse": "fast"}), "/pulse"),
            (EntryKind::Observation, json!({"spo2": 120}), "/spo2"),
            (EntryKind::Observation, json!({}), ""),
            (
                EntryKind::Observation,
                json!({"pulse": 80, "mood": "ok"}),
                "/mood",
            ),
            (
                EntryKind::Observation,
                json!({"soft_signs": ["new_fall", "sneezing"]}),
                "/soft_signs/1",
            ),
            (EntryKind::CaseNote, json!({}), "/text"),
            (EntryKind::CaseNote, json!({"text": "  "}), "/text"),
            (
                EntryKind::Medication,
                json!({"atc": "X", "dose": "1", "start": "2026-01-01"}),
                "/atc",
            ),
            (
                EntryKind::Medication,
                json!({"atc": "A10BA02", "dose": "1", "start": "2026-01-01", "end": "2025-01-01"}),
                "/end",
            ),
            (
                EntryKind::Condition,
                json!({"code": "123", "status": "active"}),
                "/code",
            ),
            (
                EntryKind::Questionnaire,
                json!({"instrument": "soc13", "items": [1,2,3,4,5,6,7,1,2,3,4,5,9]}),
                "/items/12",
            ),
            (
                EntryKind::Questionnaire,
                json!({"instrument": "ors", "items": [1.25, 2, 3, 4]}),
                "/items/0",
            ),
            (
                EntryKind::Acknowledgement,
                json!({"flag": EntryId::new(), "decision": "override"}),
                "/reason",
            ),
            (
                EntryKind::Consent,
                json!({"directives": [{"directive": "permit"}, {"directive": "deny"}]}),
                "/directives/1/organisation",
            ),
            (
                EntryKind::Visit,
                json!({"planned_start": "2026-01-01T09:00:00Z", "minutes": 30, "missed": true}),
                "/minutes",
            ),
        ];
        for (kind, v, want) in cases {
            assert_eq!(field_of(kind, v.clone()), want, "{kind} {v}");
        }
    }

    #[test]
    fn messages_do_not_quote_the_value() {
        let err =
            EntryData::parse(EntryKind::Observation, &json!({"pulse": "Mrs Example"})).unwrap_err();
        assert!(!err.to_string().contains("Example"), "{err}");
        let err = EntryData::parse(
            EntryKind::Incident,
            &json!({"type": "Mrs Example", "injury": "none"}),
        )
        .unwrap_err();
        assert!(!err.to_string().contains("Example"), "{err}");
    }

    #[test]
    fn non_objects_are_refused() {
        let err = EntryData::parse(EntryKind::CaseNote, &json!("text")).unwrap_err();
        assert_eq!(err.errors[0].field, "");
    }

    #[test]
    fn valid_data_round_trips_and_implies_codes() {
        let obs = json!({"respiration_rate": 22, "spo2": 95, "spo2_scale": 1, "supplemental_oxygen": false,
            "systolic_bp": 105, "pulse": 95, "consciousness": "A", "temperature": 38.3});
        let d = EntryData::parse(EntryKind::Observation, &obs).unwrap();
        assert_eq!(d.to_value(), obs);
        let codes: Vec<String> = d.codes().into_iter().map(|c| c.code).collect();
        assert!(codes.contains(&"85353-1".to_string()));
        assert!(codes.contains(&"8867-4".to_string()));

        let fall = EntryData::parse(
            EntryKind::Incident,
            &json!({"type": "fall", "injury": "minor"}),
        )
        .unwrap();
        assert_eq!(fall.codes()[0].code, "1912002");
        let med = EntryData::parse(
            EntryKind::Medication,
            &json!({"atc": "N05CD07", "dose": "10 mg at night", "start": "2026-01-01"}),
        )
        .unwrap();
        assert_eq!(med.codes()[0].display, "temazepam");
        assert_eq!(med.kind(), EntryKind::Medication);
    }

    #[test]
    fn falls_assessment_needs_all_morse_items() {
        let partial = json!({"assessment_type": "falls", "gait": "weak"});
        assert!(EntryData::parse(EntryKind::Assessment, &partial).is_err());
        let full = json!({"assessment_type": "falls", "history_of_falling": true, "secondary_diagnosis": true,
            "ambulatory_aid": "crutches_cane_walker", "iv_or_heparin_lock": false, "gait": "weak",
            "mental_status": "forgets_limitations"});
        assert!(EntryData::parse(EntryKind::Assessment, &full).is_ok());
    }

    #[test]
    fn eligibility_must_assess_every_outcome() {
        let v = json!({"assessment_type": "needs", "eligibility": {"needs_from_impairment_or_illness": true,
            "outcomes": {"nutrition": "achieves"}, "significant_impact_on_wellbeing": true}});
        let err = EntryData::parse(EntryKind::Assessment, &v).unwrap_err();
        assert_eq!(err.errors.len(), 9);
        assert_eq!(
            err.errors[0].field,
            "/eligibility/outcomes/personal_hygiene"
        );
    }
}
