//! The JSON shapes of the API as OpenAPI schemas: mirrors of the serde types of
//! `caretrail-core` and `caretrail-record`, which know nothing of HTTP or OpenAPI.
//!
//! Each mirror has the name, doc comments and serde attributes of the type it mirrors, so the
//! document's component names and descriptions are those of the domain types. Handlers name them
//! in `#[utoipa::path]` (`body = crate::schemas::Receipt`) and in their own answer types
//! (`#[schema(value_type = crate::schemas::PersonId)]`). A mirror that drifts from its type's
//! serialisation fails `tests/schemas.rs`, which checks real values against the document.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// `caretrail_core::ids`: every id is a UUID on the wire.

macro_rules! id_schema {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);
    };
}

id_schema!(
    /// A person who receives care (a citizen). Opaque: it carries no personal data.
    PersonId
);
id_schema!(
    /// An organisation: council, home-care provider, GP practice, hospital.
    OrganisationId
);
id_schema!(
    /// A user account: a practitioner, an officer, or a citizen signing in.
    UserId
);
id_schema!(
    /// One entry in a person's record.
    EntryId
);
id_schema!(
    /// A care relationship between a practitioner and a person.
    RelationshipId
);

// ---------------------------------------------------------------------------------------------
// `caretrail_core::entry`

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    Assessment,
    CarePlan,
    Visit,
    Observation,
    Condition,
    Medication,
    Incident,
    CaseNote,
    Questionnaire,
    Consent,
    Claim,
    Flag,
    Acknowledgement,
    Erasure,
    /// A request that another organisation take on the person's care.
    Referral,
    /// Care through an organisation started or ended (written by starting or ending it).
    Relationship,
}

/// An entry as JSON shows it (timeline, record, export). `data` is `null` once erased.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: EntryId,
    pub kind: EntryKind,
    pub person: PersonId,
    pub organisation: OrganisationId,
    pub author: UserId,
    pub recorded_at: Timestamp,
    pub effective_at: Timestamp,
    pub codes: Vec<Code>,
    pub amends: Option<EntryId>,
    pub data: Option<serde_json::Value>,
    pub erased: bool,
    pub leaf_index: u64,
}

// ---------------------------------------------------------------------------------------------
// `caretrail_core::model`

/// What a user does. Access rules (another crate) read this together with care relationships.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    CareWorker,
    Nurse,
    SocialWorker,
    Gp,
    Manager,
    PrivacyOfficer,
    Auditor,
    Citizen,
    System,
    /// Whoever runs the command line on the server: every CLI action on any person, audited,
    /// never signed in over HTTP.
    Operator,
}

/// Who a person is. Personal data: stored only encrypted under the person's data key, and
/// destroyed with it on erasure.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonProfile {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub sex: String,
    pub address: String,
    pub postcode: String,
}

/// Why a practitioner is involved in a person's care.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RelationshipKind {
    /// The council's allocated social worker.
    AllocatedWorker,
    /// A home-care worker or nurse on the person's care team.
    CareTeam,
    /// The person's registered GP.
    RegisteredGp,
    /// A hospital clinician during an admission.
    HospitalTeam,
}

/// A practitioner's legitimate relationship with a person, through an organisation, for a period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CareRelationship {
    pub id: RelationshipId,
    pub practitioner: UserId,
    pub person: PersonId,
    pub organisation: OrganisationId,
    pub kind: RelationshipKind,
    pub from: Timestamp,
    pub to: Option<Timestamp>,
}

// ---------------------------------------------------------------------------------------------
// `caretrail_core::codes`

/// A code system, written on the wire as its canonical URI (as FHIR does).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub enum CodeSystem {
    #[serde(rename = "http://snomed.info/sct")]
    Snomed,
    #[serde(rename = "http://loinc.org")]
    Loinc,
    #[serde(rename = "http://www.whocc.no/atc")]
    Atc,
}

/// One coding of an entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Code {
    pub system: CodeSystem,
    pub code: String,
    pub display: String,
}

// ---------------------------------------------------------------------------------------------
// `caretrail_core::audit`

/// Why a record is being accessed (header `X-Purpose-Of-Use`).
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    #[default]
    Care,
    Safeguarding,
    Emergency,
    Audit,
}

/// What was attempted on a person's record (or the accessor's own, for a citizen).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    ReadRecord,
    WriteEntry,
    ReadConsent,
    ReplaceConsent,
    ManageRelationships,
    SetRetention,
    Erase,
    OpenBreakGlass,
    ReadAccessLog,
    Export,
    ReadFlags,
    ReviewBreakGlass,
    /// A sign-in attempt (a security event; concerns no person's record).
    SignIn,
}

/// One audited decision. `reason` is a short code (lower-case ASCII letters, digits and
/// hyphens, at most [`MAX_REASON_LEN`] bytes), never free text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: EntryId,
    pub at: Timestamp,
    pub accessor: UserId,
    pub role: Role,
    pub organisation: OrganisationId,
    pub person: Option<PersonId>,
    pub action: AuditAction,
    pub purpose: Purpose,
    pub allowed: bool,
    pub break_glass: bool,
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// `caretrail_core::problem`

/// One thing wrong with the input, located by an RFC 6901 JSON Pointer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

// ---------------------------------------------------------------------------------------------
// `caretrail_record::wire`

/// The answer to every write: `{"entry_id","leaf_index","checkpoint"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub entry_id: String,
    pub leaf_index: u64,
    /// The signed note of a checkpoint whose tree includes the leaf.
    pub checkpoint: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LeafJson {
    pub index: u64,
    pub leaf: String,
    pub leaf_hash: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InclusionJson {
    pub index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub root_hash: String,
    pub path: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyJson {
    pub first: u64,
    pub second: u64,
    pub first_root: String,
    pub second_root: String,
    pub path: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// `caretrail_record::flags`

/// Where a flag stands: open until it is acknowledged or superseded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagStatus {
    Open,
    Acknowledged,
    Superseded,
}

// ---------------------------------------------------------------------------------------------

/// Mirrors of `caretrail_core::data`: the `data` of each entry kind.
pub mod data {
    use std::collections::BTreeMap;

    use jiff::Timestamp;
    use jiff::civil::Date;
    use serde::Serialize;

    use super::{EntryId, OrganisationId, RelationshipId, RelationshipKind, UserId};

    /// ACVPU level of consciousness (C = new confusion).
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    pub enum Acvpu {
        A,
        C,
        V,
        P,
        U,
    }

    /// RESTORE2 soft signs of deterioration.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
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
    #[derive(Debug, Serialize, utoipa::ToSchema)]
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

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum AssessmentType {
        /// A Care Act 2014 s.9 needs assessment.
        Needs,
        /// A falls assessment.
        Falls,
        /// A review of an existing care plan.
        Review,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Gait {
        Normal,
        Weak,
        Impaired,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum AmbulatoryAid {
        None,
        CrutchesCaneWalker,
        Furniture,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum MentalStatus {
        Oriented,
        ForgetsLimitations,
    }

    /// The ten outcomes of SI 2015/313 reg 2(2)(a)–(j).
    #[derive(Debug, Serialize, utoipa::ToSchema)]
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
    #[derive(Debug, Serialize, utoipa::ToSchema)]
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
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Eligibility {
        pub needs_from_impairment_or_illness: bool,
        pub outcomes: BTreeMap<CareActOutcome, OutcomeStatus>,
        pub significant_impact_on_wellbeing: bool,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
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

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CarePlan {
        pub summary: String,
        pub goals: Vec<String>,
        pub visits_per_week: u8,
        pub minutes_per_visit: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub review_on: Option<Date>,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
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

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ConditionStatus {
        Active,
        Resolved,
    }

    /// `{"code":"52448006","status":"active","onset":"2023-05-01"}`: `code` is a SNOMED CT concept
    /// from the curated subset.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Condition {
        pub code: String,
        pub status: ConditionStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub onset: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub note: Option<String>,
    }

    /// `{"atc":"N05CD07","dose":"10 mg at night","start":"2026-01-01","end":null,"prn":false}`.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
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

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum IncidentType {
        Fall,
        MedicationError,
        MissedVisit,
        Safeguarding,
        Other,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum InjurySeverity {
        None,
        Minor,
        Moderate,
        Severe,
        Fatal,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
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

    /// `{"text":"..."}`: free text in plain English.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CaseNote {
        pub text: String,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum QuestionnaireInstrument {
        /// Outcome Rating Scale (FIT): four items, 0.0–10.0.
        Ors,
        /// Session Rating Scale (FIT): four items, 0.0–10.0.
        Srs,
        /// Antonovsky's SOC-13: thirteen items, integers 1–7, as answered.
        Soc13,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Questionnaire {
        pub instrument: QuestionnaireInstrument,
        pub items: Vec<f64>,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ConsentDirective {
        Permit,
        Deny,
    }

    /// Categories a person can withhold from an organisation.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "kebab-case")]
    pub enum ConsentCategory {
        MentalHealth,
        Safeguarding,
        SexualHealth,
    }

    /// A consent directive. `deny` with an organisation blocks that organisation; with a category
    /// too, only that category.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
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

    /// The data of a consent entry: `{"directives":[...]}`, the **whole** set of directives in force
    /// from this entry on. The person's latest consent entry (by leaf index) replaces every earlier
    /// one, so "replace my consent" is one entry and the ledger keeps each earlier set. Directives
    /// apply in the order given (see `caretrail-access`'s consent module); an empty list lifts every
    /// block.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ConsentSet {
        pub directives: Vec<Consent>,
        /// Why someone other than the person changed their consent: required then, absent when the
        /// person sets their own (the gate checks who wrote it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub basis: Option<ConsentBasis>,
    }

    /// The lawful basis on which someone other than the person records their consent directives.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ConsentBasis {
        pub kind: ConsentBasisKind,
        /// What was assessed or relied on (for example the capacity assessment, or the attorney).
        pub note: String,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
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

    /// A provider's claim for delivered care: `{"provider","visit","minutes","amount_pence"}`.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Claim {
        pub provider: OrganisationId,
        pub visit: EntryId,
        pub minutes: u16,
        pub amount_pence: u32,
    }

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Severity {
        Low,
        Medium,
        High,
    }

    /// Decision support's advice, authored by the system: instrument or model, version, the inputs it
    /// read and its explanation.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
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

    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum AckDecision {
        Accept,
        Override,
    }

    /// A practitioner's answer to a flag: accept, or override with a reason.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Acknowledgement {
        pub flag: EntryId,
        pub decision: AckDecision,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reason: Option<String>,
    }

    /// Written by erasure itself: the legal ground, e.g. "GDPR Art. 17 request".
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Erasure {
        pub reason: String,
    }

    /// A practitioner asks another organisation to take on the person's care:
    /// `{"to","reason"}`. Starting care through `to` uses the referral up; care started without
    /// an open one is self-claimed, and reviewed.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Referral {
        /// The organisation asked to take on care.
        pub to: OrganisationId,
        pub reason: String,
    }

    /// Whether care started or ended.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum RelationshipEvent {
        Started,
        Ended,
    }

    /// Care through an organisation started or ended, in the person's own record (so they see who
    /// took on their care): written by starting or ending a care relationship, never directly.
    #[derive(Debug, Serialize, utoipa::ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RelationshipChange {
        pub event: RelationshipEvent,
        pub relationship: RelationshipId,
        /// The organisation care runs through.
        pub organisation: OrganisationId,
        pub practitioner: UserId,
        pub relationship_kind: RelationshipKind,
        pub from: Timestamp,
        /// The referral this start answered; `None` for an end, or for care started without one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub referral: Option<EntryId>,
        /// Started without an open referral to the organisation: opened an item in the review queue.
        #[serde(default)]
        pub self_claimed: bool,
    }
}
