//! The OpenAPI document's schemas of the domain types are mirrors (`src/schemas.rs`): the core
//! and record crates know nothing of OpenAPI. A mirror can drift from the type it mirrors, so
//! this test serialises real values of every mirrored type and checks each against its schema in
//! the generated document: every property of the value is declared, every required property is
//! present, types, formats and enum values fit, `$ref`s and `oneOf`s are followed. Then every
//! property a mirror declares must have been seen in some value (so a mirror cannot keep a field
//! the type has lost), and every enum value a mirror lists must deserialise into the real type.
//!
//! The values are struct literals with every optional field filled: a field added to a core type
//! breaks this file's build, and once it is filled in here, the check fails until the mirror has
//! it too.

use std::collections::{BTreeMap, BTreeSet};

use caretrail_core::data::{
    AckDecision, Acknowledgement, AmbulatoryAid, Assessment, AssessmentType, CareActOutcome,
    CarePlan, CaseNote, Claim, Condition, ConditionStatus, Consent, ConsentBasis, ConsentBasisKind,
    ConsentCategory, ConsentDirective, ConsentSet, Eligibility, Erasure, Flag, Gait, Incident,
    IncidentType, InjurySeverity, Medication, MentalStatus, Observation, OutcomeStatus,
    Questionnaire, QuestionnaireInstrument, Referral, RelationshipChange, RelationshipEvent,
    Severity, SoftSign, Visit,
};
use caretrail_core::{
    AuditAction, AuditEvent, CareRelationship, Code, CodeSystem, Entry, EntryId, EntryKind,
    FieldError, InputError, OrganisationId, PersonId, PersonProfile, Problem, Purpose,
    RelationshipId, RelationshipKind, Role, UserId,
};
use caretrail_record::{ConsistencyJson, FlagStatus, InclusionJson, LeafJson, Receipt};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const REF: &str = "#/components/schemas/";

fn doc() -> Value {
    serde_json::to_value(caretrail_server::openapi::openapi()).unwrap()
}

/// Walks a value against a schema of the document, recording which properties of which
/// component, and which enum values, the values used.
#[derive(Clone)]
struct Checker<'a> {
    components: &'a serde_json::Map<String, Value>,
    properties_seen: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> Checker<'a> {
    fn new(doc: &'a Value) -> Self {
        Checker {
            components: doc["components"]["schemas"]
                .as_object()
                .expect("the document has component schemas"),
            properties_seen: BTreeMap::new(),
        }
    }

    fn component(&self, name: &str) -> &'a Value {
        self.components
            .get(name)
            .unwrap_or_else(|| panic!("no component schema {name}"))
    }

    /// Checks `value` against the component `name`.
    fn check_component(&mut self, name: &str, value: &Value) {
        let schema = self.component(name);
        if let Err(e) = self.check(value, schema, &format!("{name}:"), Some(name)) {
            panic!("{name} does not describe {value}:\n{e}");
        }
    }

    fn check(
        &mut self,
        value: &Value,
        schema: &Value,
        at: &str,
        component: Option<&str>,
    ) -> Result<(), String> {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r
                .strip_prefix(REF)
                .ok_or_else(|| format!("{at} unexpected $ref {r}"))?;
            let target = self.component(name);
            return self.check(value, target, at, Some(name));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
                let mut errors = Vec::new();
                let mut fitted = None;
                for alt in alternatives {
                    let mut trial = self.clone();
                    match trial.check(value, alt, at, component) {
                        Ok(()) => {
                            fitted = Some(trial);
                            break;
                        }
                        Err(e) => errors.push(e),
                    }
                }
                match fitted {
                    Some(trial) => *self = trial,
                    None => {
                        return Err(format!(
                            "{at} fits none of {key}:\n  {}",
                            errors.join("\n  ")
                        ));
                    }
                }
            }
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.check(value, part, at, component)?;
            }
        }
        if let Some(t) = schema.get("type") {
            let types: Vec<&str> = match t {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                other => return Err(format!("{at} odd type {other}")),
            };
            if !types.iter().any(|t| type_fits(value, t)) {
                return Err(format!("{at} {value} is not of type {types:?}"));
            }
        }
        if let Some(members) = schema.get("enum").and_then(Value::as_array)
            && !members.contains(value)
        {
            return Err(format!("{at} {value} is not one of {members:?}"));
        }
        if let Some(format) = schema.get("format").and_then(Value::as_str)
            && let Some(s) = value.as_str()
        {
            let ok = match format {
                "uuid" => uuid::Uuid::parse_str(s).is_ok(),
                "date-time" => s.parse::<Timestamp>().is_ok(),
                "date" => s.parse::<Date>().is_ok(),
                _ => true,
            };
            if !ok {
                return Err(format!("{at} {s:?} is not a {format}"));
            }
        }
        if let Some(n) = value.as_f64() {
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                return Err(format!("{at} {n} is below the minimum {min}"));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                return Err(format!("{at} {n} is above the maximum {max}"));
            }
        }
        if let Value::Object(object) = value {
            self.check_object(object, schema, at, component)?;
        }
        if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
            for (i, item) in items.iter().enumerate() {
                self.check(item, item_schema, &format!("{at}/{i}"), None)?;
            }
        }
        Ok(())
    }

    fn check_object(
        &mut self,
        object: &serde_json::Map<String, Value>,
        schema: &Value,
        at: &str,
        component: Option<&str>,
    ) -> Result<(), String> {
        let declared = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        // Only object schemas constrain an object's keys (`{}` accepts anything).
        let is_object_schema = declared.is_some()
            || additional.is_some()
            || schema.get("type").is_some_and(|t| t == "object");
        if !is_object_schema {
            return Ok(());
        }
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(required) {
                return Err(format!("{at} required property {required} is missing"));
            }
        }
        for (key, v) in object {
            let here = format!("{at}/{key}");
            if let Some(property) = declared.and_then(|d| d.get(key)) {
                if let Some(c) = component {
                    self.properties_seen
                        .entry(c.to_owned())
                        .or_default()
                        .insert(key.clone());
                }
                self.check(v, property, &here, None)?;
            } else if let Some(extra) = additional.filter(|a| a.is_object()) {
                if let Some(names) = schema.get("propertyNames") {
                    self.check(&Value::String(key.clone()), names, &here, None)?;
                }
                self.check(v, extra, &here, None)?;
            } else {
                return Err(format!("{here} is not declared in the schema"));
            }
        }
        Ok(())
    }
}

fn type_fits(value: &Value, t: &str) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn v<T: serde::Serialize>(x: T) -> Value {
    serde_json::to_value(x).unwrap()
}

fn entry(kind: EntryKind, data: Option<Value>) -> Entry {
    Entry {
        id: EntryId::new(),
        kind,
        person: PersonId::new(),
        organisation: OrganisationId::new(),
        author: UserId::new(),
        recorded_at: t("2026-03-01T10:00:00Z"),
        effective_at: t("2026-03-01T09:30:00Z"),
        codes: vec![Code::new(CodeSystem::Snomed, "1912002", "Fall")],
        amends: Some(EntryId::new()),
        data,
        erased: false,
        leaf_index: 41,
    }
}

/// Real values of every mirrored type, by the name of the component that describes them.
fn samples() -> Vec<(&'static str, Value)> {
    let observation = Observation {
        respiration_rate: Some(18),
        spo2: Some(96),
        spo2_scale: Some(1),
        supplemental_oxygen: Some(false),
        systolic_bp: Some(120),
        pulse: Some(80),
        consciousness: Some(caretrail_core::data::Acvpu::C),
        temperature: Some(37.1),
        soft_signs: vec![SoftSign::NewConfusion, SoftSign::NotThemselves],
        weight_kg: Some(61.5),
    };
    let all_outcomes = [
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
    let assessment = Assessment {
        assessment_type: AssessmentType::Falls,
        summary: Some("Falls and needs review".into()),
        history_of_falling: Some(true),
        secondary_diagnosis: Some(false),
        ambulatory_aid: Some(AmbulatoryAid::CrutchesCaneWalker),
        iv_or_heparin_lock: Some(false),
        gait: Some(Gait::Weak),
        mental_status: Some(MentalStatus::ForgetsLimitations),
        eligibility: Some(Eligibility {
            needs_from_impairment_or_illness: true,
            outcomes: all_outcomes
                .into_iter()
                .map(|o| (o, OutcomeStatus::SignificantPainDistressAnxiety))
                .collect(),
            significant_impact_on_wellbeing: true,
        }),
    };
    let care_plan = CarePlan {
        summary: "Morning and evening calls".into(),
        goals: vec!["Stay at home".into()],
        visits_per_week: 14,
        minutes_per_visit: 30,
        review_on: Some(d("2026-06-01")),
    };
    let visit = Visit {
        planned_start: t("2026-03-01T09:00:00Z"),
        arrived_at: Some(t("2026-03-01T09:05:00Z")),
        departed_at: Some(t("2026-03-01T09:35:00Z")),
        minutes: 30,
        tasks: vec!["breakfast".into()],
        missed: false,
        note: Some("All well".into()),
    };
    let condition = Condition {
        code: "52448006".into(),
        status: ConditionStatus::Active,
        onset: Some(d("2023-05-01")),
        note: Some("Diagnosed by the memory clinic".into()),
    };
    let medication = Medication {
        atc: "N05CD07".into(),
        dose: "10 mg at night".into(),
        start: d("2026-01-01"),
        end: Some(d("2026-02-01")),
        prn: true,
    };
    let incident = Incident {
        incident_type: IncidentType::Fall,
        injury: InjurySeverity::Minor,
        location: Some("kitchen".into()),
        description: Some("Slipped reaching for a cup".into()),
    };
    let questionnaire = Questionnaire {
        instrument: QuestionnaireInstrument::Ors,
        items: vec![5.5, 6.0, 7.0, 4.5],
    };
    let consent_set = ConsentSet {
        directives: vec![
            Consent {
                directive: ConsentDirective::Deny,
                organisation: Some(OrganisationId::new()),
                category: Some(ConsentCategory::MentalHealth),
                note: Some("Not the provider".into()),
            },
            Consent {
                directive: ConsentDirective::Permit,
                organisation: None,
                category: None,
                note: None,
            },
        ],
        basis: Some(ConsentBasis {
            kind: ConsentBasisKind::BestInterests,
            note: "Capacity assessment of 1 March".into(),
        }),
    };
    let claim = Claim {
        provider: OrganisationId::new(),
        visit: EntryId::new(),
        minutes: 30,
        amount_pence: 1250,
    };
    let flag = Flag {
        instrument: "news2".into(),
        version: "1".into(),
        severity: Severity::High,
        summary: "NEWS2 7: urgent response".into(),
        inputs: vec![EntryId::new()],
        explanation: json!({"reason": "news2_high", "thresholds": ["aggregate >= 7"]}),
        categories: Some(vec![ConsentCategory::SexualHealth]),
    };
    let acknowledgement = Acknowledgement {
        flag: EntryId::new(),
        decision: AckDecision::Override,
        reason: Some("Known chronic low SpO2".into()),
    };
    let erasure = Erasure {
        reason: "GDPR Art. 17 request".into(),
    };
    let referral = Referral {
        to: OrganisationId::new(),
        reason: "Needs home care after discharge".into(),
    };
    let relationship_change = RelationshipChange {
        event: RelationshipEvent::Started,
        relationship: RelationshipId::new(),
        organisation: OrganisationId::new(),
        practitioner: UserId::new(),
        relationship_kind: RelationshipKind::CareTeam,
        from: t("2026-03-01T08:00:00Z"),
        referral: Some(EntryId::new()),
        self_claimed: true,
    };
    let profile = PersonProfile {
        given_name: "Ada".into(),
        family_name: "Synthetic".into(),
        date_of_birth: d("1940-06-15"),
        sex: "female".into(),
        address: "1 Example Street".into(),
        postcode: "ZZ1 1ZZ".into(),
    };
    let relationship = CareRelationship {
        id: RelationshipId::new(),
        practitioner: UserId::new(),
        person: PersonId::new(),
        organisation: OrganisationId::new(),
        kind: RelationshipKind::AllocatedWorker,
        from: t("2026-01-01T00:00:00Z"),
        to: Some(t("2026-06-01T00:00:00Z")),
    };
    let audit_event = AuditEvent {
        id: EntryId::new(),
        at: t("2026-03-01T10:00:00Z"),
        accessor: UserId::new(),
        role: Role::Nurse,
        organisation: OrganisationId::new(),
        person: Some(PersonId::new()),
        action: AuditAction::ReadRecord,
        purpose: Purpose::Emergency,
        allowed: true,
        break_glass: true,
        reason: "break-glass".into(),
    };
    let problem = Problem {
        problem_type: "about:blank".into(),
        title: "Input does not fit".into(),
        status: 422,
        detail: Some("/pulse: must be 0 to 300 per minute".into()),
        errors: vec![FieldError::new("/pulse", "must be 0 to 300 per minute")],
    };

    let mut out: Vec<(&'static str, Value)> = vec![
        ("Observation", v(&observation)),
        ("Assessment", v(&assessment)),
        ("CarePlan", v(&care_plan)),
        ("Visit", v(&visit)),
        ("Condition", v(&condition)),
        ("Medication", v(&medication)),
        ("Incident", v(&incident)),
        (
            "CaseNote",
            v(CaseNote {
                text: "Calm".into(),
            }),
        ),
        ("Questionnaire", v(&questionnaire)),
        ("ConsentSet", v(&consent_set)),
        ("Claim", v(&claim)),
        ("Flag", v(&flag)),
        ("Acknowledgement", v(&acknowledgement)),
        ("Erasure", v(&erasure)),
        ("Referral", v(&referral)),
        ("RelationshipChange", v(&relationship_change)),
        ("PersonProfile", v(&profile)),
        ("CareRelationship", v(&relationship)),
        ("AuditEvent", v(&audit_event)),
        ("Problem", v(&problem)),
        (
            "Problem",
            v(InputError::syntax("the body is not JSON").to_problem()),
        ),
        ("FieldError", v(FieldError::new("", "unknown field"))),
        (
            "Entry",
            v(entry(EntryKind::Observation, Some(v(&observation)))),
        ),
        ("Entry", v(entry(EntryKind::Erasure, None))),
        (
            "Code",
            v(Code::new(CodeSystem::Loinc, "8867-4", "Heart rate")),
        ),
        (
            "Code",
            v(Code::new(CodeSystem::Atc, "A10BA02", "metformin")),
        ),
        (
            "Receipt",
            v(Receipt {
                entry_id: EntryId::new().to_string(),
                leaf_index: 7,
                checkpoint: "caretrail\n8\nabc=\n\n— caretrail sig\n".into(),
            }),
        ),
        (
            "LeafJson",
            v(LeafJson {
                index: 7,
                leaf: "AAEC".into(),
                leaf_hash: "00".repeat(32),
            }),
        ),
        (
            "InclusionJson",
            v(InclusionJson {
                index: 7,
                tree_size: 8,
                leaf_hash: "00".repeat(32),
                root_hash: "11".repeat(32),
                path: vec!["22".repeat(32)],
            }),
        ),
        (
            "ConsistencyJson",
            v(ConsistencyJson {
                first: 4,
                second: 8,
                first_root: "00".repeat(32),
                second_root: "11".repeat(32),
                path: vec!["22".repeat(32)],
            }),
        ),
        ("PersonId", v(PersonId::new())),
        ("OrganisationId", v(OrganisationId::new())),
        ("UserId", v(UserId::new())),
        ("EntryId", v(EntryId::new())),
        ("RelationshipId", v(RelationshipId::new())),
    ];
    // Every value of the enums that list their values.
    out.extend(EntryKind::ALL.map(|k| ("EntryKind", v(k))));
    out.extend(Role::ALL.map(|r| ("Role", v(r))));
    out.extend(Purpose::ALL.map(|p| ("Purpose", v(p))));
    out.extend(AuditAction::ALL.map(|a| ("AuditAction", v(a))));
    out.extend(
        [
            FlagStatus::Open,
            FlagStatus::Acknowledged,
            FlagStatus::Superseded,
        ]
        .map(|s| ("FlagStatus", v(s))),
    );
    out
}

/// Does `value` deserialise into the real type named `component`? For the enums, whose mirrors
/// list their values.
fn real_enum_accepts(component: &str, value: &Value) -> Option<bool> {
    fn fits<T: DeserializeOwned>(value: &Value) -> Option<bool> {
        Some(serde_json::from_value::<T>(value.clone()).is_ok())
    }
    use caretrail_core::data;
    match component {
        "Acvpu" => fits::<data::Acvpu>(value),
        "SoftSign" => fits::<SoftSign>(value),
        "AssessmentType" => fits::<AssessmentType>(value),
        "Gait" => fits::<Gait>(value),
        "AmbulatoryAid" => fits::<AmbulatoryAid>(value),
        "MentalStatus" => fits::<MentalStatus>(value),
        "CareActOutcome" => fits::<CareActOutcome>(value),
        "OutcomeStatus" => fits::<OutcomeStatus>(value),
        "ConditionStatus" => fits::<ConditionStatus>(value),
        "IncidentType" => fits::<IncidentType>(value),
        "InjurySeverity" => fits::<InjurySeverity>(value),
        "QuestionnaireInstrument" => fits::<QuestionnaireInstrument>(value),
        "ConsentDirective" => fits::<ConsentDirective>(value),
        "ConsentCategory" => fits::<ConsentCategory>(value),
        "ConsentBasisKind" => fits::<ConsentBasisKind>(value),
        "Severity" => fits::<Severity>(value),
        "AckDecision" => fits::<AckDecision>(value),
        "RelationshipEvent" => fits::<RelationshipEvent>(value),
        "RelationshipKind" => fits::<RelationshipKind>(value),
        "EntryKind" => fits::<EntryKind>(value),
        "Role" => fits::<Role>(value),
        "Purpose" => fits::<Purpose>(value),
        "AuditAction" => fits::<AuditAction>(value),
        "CodeSystem" => fits::<CodeSystem>(value),
        "FlagStatus" => fits::<FlagStatus>(value),
        _ => None,
    }
}

#[test]
fn real_values_fit_the_mirrored_schemas() {
    let doc = doc();
    let mut checker = Checker::new(&doc);
    for (component, value) in samples() {
        checker.check_component(component, &value);
    }
}

#[test]
fn every_property_a_mirror_declares_is_one_its_type_writes() {
    let doc = doc();
    let mut checker = Checker::new(&doc);
    let samples = samples();
    for (component, value) in &samples {
        checker.check_component(component, value);
    }
    let mut checked: BTreeSet<&str> = samples.iter().map(|(c, _)| *c).collect();
    // Reached only inside the values above.
    checked.extend([
        "Eligibility",
        "Consent",
        "ConsentBasis",
        "AssessmentType",
        "CodeSystem",
    ]);
    let mut unseen = Vec::new();
    for name in &checked {
        let schema = checker.component(name);
        for property in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|p| p.keys())
        {
            let seen = checker
                .properties_seen
                .get(*name)
                .is_some_and(|s| s.contains(property));
            if !seen {
                unseen.push(format!("{name}.{property}"));
            }
        }
    }
    assert!(
        unseen.is_empty(),
        "properties the mirrors declare but no value of the real type wrote: {unseen:?}"
    );
}

#[test]
fn every_enum_value_a_mirror_lists_is_a_value_of_its_type() {
    let doc = doc();
    let checker = Checker::new(&doc);
    let mut enums = 0;
    for (name, schema) in checker.components {
        let Some(members) = schema.get("enum").and_then(Value::as_array) else {
            continue;
        };
        let mut known = false;
        for member in members {
            match real_enum_accepts(name, member) {
                Some(true) => known = true,
                Some(false) => panic!("{name} lists {member}, which its type refuses"),
                // The server's own enums (`StatusFilter`, `FindingKind`) are not mirrors.
                None => {}
            }
        }
        enums += usize::from(known);
    }
    assert!(enums >= 20, "checked {enums} mirrored enums");
}
