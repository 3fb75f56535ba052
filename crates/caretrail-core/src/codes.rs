//! The curated code tables caretrail ships: a SNOMED CT subset, LOINC vital signs and ATC
//! medicines. Source: `reference/codes.md` and `reference/acb.csv` of the design documents.
//! Re-check every SNOMED CT id against the edition of a deployment before go-live.
//!
//! One table per system lives here and nowhere else; the synthetic population, validation and
//! (later) FHIR mapping all read it.

use serde::{Deserialize, Serialize};

/// A code system, written on the wire as its canonical URI (as FHIR does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CodeSystem {
    #[serde(rename = "http://snomed.info/sct")]
    Snomed,
    #[serde(rename = "http://loinc.org")]
    Loinc,
    #[serde(rename = "http://www.whocc.no/atc")]
    Atc,
}

/// One coding of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Code {
    pub system: CodeSystem,
    pub code: String,
    pub display: String,
}

impl Code {
    pub fn new(system: CodeSystem, code: &str, display: &str) -> Self {
        Code {
            system,
            code: code.to_owned(),
            display: display.to_owned(),
        }
    }
}

/// Category of a SNOMED CT concept, for the synthetic model and for consent categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConceptUse {
    Event,
    Condition,
    Finding,
    Procedure,
    Observable,
    Record,
}

/// (SCTID, display, use). Rows from `reference/codes.md` (verified or secondary sources).
pub const SNOMED: &[(&str, &str, ConceptUse)] = &[
    ("1912002", "Fall", ConceptUse::Event),
    ("161898004", "Falls", ConceptUse::Finding),
    ("279992002", "Recurrent falls", ConceptUse::Finding),
    (
        "5913000",
        "Fracture of neck of femur",
        ConceptUse::Condition,
    ),
    ("391093004", "History of hip fracture", ConceptUse::Finding),
    ("52448006", "Dementia", ConceptUse::Condition),
    ("26929004", "Alzheimer's disease", ConceptUse::Condition),
    ("2776000", "Delirium", ConceptUse::Condition),
    ("386806002", "Impaired cognition", ConceptUse::Finding),
    ("165232002", "Urinary incontinence", ConceptUse::Finding),
    ("248279007", "Frailty", ConceptUse::Finding),
    ("397540003", "Visual impairment", ConceptUse::Condition),
    ("15188001", "Hearing loss", ConceptUse::Condition),
    ("49049000", "Parkinson's disease", ConceptUse::Condition),
    ("230690007", "Stroke", ConceptUse::Condition),
    ("73211009", "Diabetes mellitus", ConceptUse::Condition),
    (
        "44054006",
        "Type 2 diabetes mellitus",
        ConceptUse::Condition,
    ),
    ("38341003", "Hypertension", ConceptUse::Condition),
    ("35489007", "Depressive disorder", ConceptUse::Condition),
    ("84114007", "Heart failure", ConceptUse::Condition),
    (
        "13645005",
        "Chronic obstructive lung disease",
        ConceptUse::Condition,
    ),
    ("709044004", "Chronic kidney disease", ConceptUse::Condition),
    ("64859006", "Osteoporosis", ConceptUse::Condition),
    ("399912005", "Pressure ulcer", ConceptUse::Condition),
    ("68566005", "Urinary tract infection", ConceptUse::Condition),
    ("34095006", "Dehydration", ConceptUse::Condition),
    ("267076002", "Feeling lonely", ConceptUse::Finding),
    ("422650009", "Social isolation", ConceptUse::Finding),
    ("105529008", "Lives alone", ConceptUse::Finding),
    ("160689007", "Housebound", ConceptUse::Finding),
    ("439708006", "Home visit", ConceptUse::Procedure),
    ("734163000", "Care plan", ConceptUse::Record),
    ("326321000000103", "Social care plan", ConceptUse::Record),
    (
        "766561000000109",
        "Adult safeguarding concern",
        ConceptUse::Finding,
    ),
    ("182836005", "Review of medication", ConceptUse::Procedure),
    ("27113001", "Body weight", ConceptUse::Observable),
    ("78564009", "Pulse rate", ConceptUse::Observable),
    ("86290005", "Respiratory rate", ConceptUse::Observable),
    (
        "271649006",
        "Systolic blood pressure",
        ConceptUse::Observable,
    ),
    (
        "431314004",
        "Peripheral oxygen saturation",
        ConceptUse::Observable,
    ),
    ("386725007", "Body temperature", ConceptUse::Observable),
    (
        "1104441000000107",
        "ACVPU scale score",
        ConceptUse::Observable,
    ),
    (
        "1104051000000101",
        "RCP NEWS2 total score",
        ConceptUse::Observable,
    ),
];

pub const FALL_EVENT: &str = "1912002";
pub const HOME_VISIT: &str = "439708006";
pub const CARE_PLAN: &str = "734163000";
pub const SOCIAL_CARE_PLAN: &str = "326321000000103";
pub const MEDICATION_REVIEW: &str = "182836005";
pub const SAFEGUARDING_CONCERN: &str = "766561000000109";

/// LOINC codes of the FHIR R4 vital-signs profile: (code, display).
pub const LOINC_VITALS_PANEL: (&str, &str) = ("85353-1", "Vital signs panel");
pub const LOINC_RESPIRATORY_RATE: (&str, &str) = ("9279-1", "Respiratory rate");
pub const LOINC_SPO2: (&str, &str) = ("59408-5", "Oxygen saturation by pulse oximetry");
pub const LOINC_HEART_RATE: (&str, &str) = ("8867-4", "Heart rate");
pub const LOINC_SYSTOLIC_BP: (&str, &str) = ("8480-6", "Systolic blood pressure");
pub const LOINC_BODY_TEMPERATURE: (&str, &str) = ("8310-5", "Body temperature");
pub const LOINC_BODY_WEIGHT: (&str, &str) = ("29463-7", "Body weight");

/// ATC substances the platform knows by name: (code, substance). The anticholinergic-burden
/// list of `reference/acb.csv` plus common medicines of older adults in UK primary care.
pub const ATC: &[(&str, &str)] = &[
    ("N06AA09", "amitriptyline"),
    ("N06AA10", "nortriptyline"),
    ("N06AB05", "paroxetine"),
    ("N05AH03", "olanzapine"),
    ("N05AH04", "quetiapine"),
    ("G04BD04", "oxybutynin"),
    ("G04BD08", "solifenacin"),
    ("R06AB04", "chlorphenamine"),
    ("R06AD02", "promethazine"),
    ("N03AF01", "carbamazepine"),
    ("R05DA04", "codeine"),
    ("N02AA01", "morphine"),
    ("N02AA05", "oxycodone"),
    ("N02AX02", "tramadol"),
    ("C03CA01", "furosemide"),
    ("C03AA01", "bendroflumethiazide"),
    ("C01AA05", "digoxin"),
    ("B01AA03", "warfarin"),
    ("B01AF02", "apixaban"),
    ("N05BA01", "diazepam"),
    ("N05BA06", "lorazepam"),
    ("N05CD07", "temazepam"),
    ("N05CF01", "zopiclone"),
    ("N05AD01", "haloperidol"),
    ("N05AX08", "risperidone"),
    ("N06AX05", "trazodone"),
    ("N06AX11", "mirtazapine"),
    ("N06AB06", "sertraline"),
    ("N06AB04", "citalopram"),
    ("N03AX12", "gabapentin"),
    ("N03AX16", "pregabalin"),
    ("N06DA02", "donepezil"),
    ("N04BA02", "levodopa and decarboxylase inhibitor"),
    ("C08CA01", "amlodipine"),
    ("C09AA05", "ramipril"),
    ("C07AB07", "bisoprolol"),
    ("C02CA04", "doxazosin"),
    ("G04CA02", "tamsulosin"),
    ("C01DA14", "isosorbide mononitrate"),
    ("C10AA05", "atorvastatin"),
    ("A10BA02", "metformin"),
    ("A02BC01", "omeprazole"),
    ("A02BC03", "lansoprazole"),
    ("M05BA04", "alendronic acid"),
    ("A11CC05", "colecalciferol"),
    ("N02BE01", "paracetamol"),
    ("R03AK06", "salmeterol and fluticasone"),
];

/// The SNOMED CT row for `code`, if it is in the curated subset.
pub fn snomed(code: &str) -> Option<Code> {
    SNOMED
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(c, d, _)| Code::new(CodeSystem::Snomed, c, d))
}

/// The ATC coding for `code`: the substance name when known, the code itself otherwise.
pub fn atc(code: &str) -> Code {
    let display = ATC
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, name)| name);
    Code::new(CodeSystem::Atc, code, display)
}

/// An ATC level-5 code: letter, two digits, two letters, two digits (e.g. `A10BA02`).
pub fn is_atc_level5(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7
        && b[0].is_ascii_uppercase()
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3..5].iter().all(u8::is_ascii_uppercase)
        && b[5..7].iter().all(u8::is_ascii_digit)
}

pub fn loinc((code, display): (&str, &str)) -> Code {
    Code::new(CodeSystem::Loinc, code, display)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_tables_have_no_duplicate_ids() {
        let mut seen = std::collections::HashSet::new();
        for (c, _, _) in SNOMED {
            assert!(seen.insert(*c), "duplicate SNOMED id {c}");
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
        let mut seen = std::collections::HashSet::new();
        for (c, _) in ATC {
            assert!(seen.insert(*c), "duplicate ATC code {c}");
            assert!(is_atc_level5(c), "{c} is not a level-5 ATC code");
        }
    }

    #[test]
    fn atc_shape_is_checked() {
        assert!(is_atc_level5("A10BA02"));
        for bad in ["A10BA0", "a10BA02", "A1XBA02", "A10B302", "A10BA02X", ""] {
            assert!(!is_atc_level5(bad), "{bad}");
        }
    }

    #[test]
    fn code_system_serialises_as_its_uri() {
        let c = snomed(FALL_EVENT).unwrap();
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["system"], "http://snomed.info/sct");
        assert_eq!(v["code"], "1912002");
        assert_eq!(v["display"], "Fall");
    }
}
