//! Medicines: doses for the ATC table of `caretrail_core::codes::ATC`, the STOPPFall
//! falls-risk-increasing-drug (FRID) prefixes, and which medicines each condition brings.

use crate::model::{self, NeedsLevel};
use crate::rng::{Prng, chance, int, pick};

/// STOPPFall classes as ATC prefixes (`reference/instruments.md`, "medication"). N05AN (lithium)
/// is excluded from the antipsychotics.
pub const FRID_PREFIXES: &[&str] = &[
    "N05A", "N05BA", "N05CD", "N03AE", "N05CF", "N06A", "N03", "N02A", "C03", "C07B", "C07C",
    "C09BA", "C09DA", "C02CA", "G04CA", "C02A", "R06A", "C01D", "G04BD",
];

/// Whether `atc` is a falls-risk-increasing drug under STOPPFall.
pub fn is_frid(atc: &str) -> bool {
    !atc.starts_with("N05AN") && FRID_PREFIXES.iter().any(|p| atc.starts_with(p))
}

/// (ATC, regular dose, as-needed dose). Every code is in `caretrail_core::codes::ATC`.
const DOSES: &[(&str, &str, &str)] = &[
    ("N06AA09", "10 mg at night", "10 mg at night when required"),
    ("N06AA10", "10 mg at night", "10 mg at night when required"),
    ("N06AB05", "20 mg once daily", "20 mg once daily"),
    (
        "N05AH03",
        "2.5 mg at night",
        "2.5 mg when required for agitation",
    ),
    (
        "N05AH04",
        "25 mg twice daily",
        "25 mg when required for agitation",
    ),
    ("G04BD04", "5 mg twice daily", "5 mg when required"),
    ("G04BD08", "5 mg once daily", "5 mg once daily"),
    (
        "R06AB04",
        "4 mg three times daily",
        "4 mg up to four times daily when required",
    ),
    ("R06AD02", "25 mg at night", "25 mg at night when required"),
    ("N03AF01", "200 mg twice daily", "200 mg twice daily"),
    (
        "R05DA04",
        "30 mg four times daily",
        "30 mg up to four times daily when required",
    ),
    (
        "N02AA01",
        "10 mg modified release twice daily",
        "2.5 mg oral solution every four hours when required",
    ),
    (
        "N02AA05",
        "5 mg modified release twice daily",
        "5 mg every four to six hours when required",
    ),
    (
        "N02AX02",
        "50 mg four times daily",
        "50 mg up to four times daily when required",
    ),
    (
        "C03CA01",
        "40 mg each morning",
        "40 mg extra when required for ankle swelling",
    ),
    ("C03AA01", "2.5 mg each morning", "2.5 mg each morning"),
    (
        "C01AA05",
        "62.5 micrograms once daily",
        "62.5 micrograms once daily",
    ),
    (
        "B01AA03",
        "as per INR, target 2.5",
        "as per INR, target 2.5",
    ),
    ("B01AF02", "5 mg twice daily", "5 mg twice daily"),
    (
        "N05BA01",
        "2 mg three times daily",
        "2 mg when required for anxiety",
    ),
    (
        "N05BA06",
        "0.5 mg twice daily",
        "0.5 mg when required for anxiety",
    ),
    ("N05CD07", "10 mg at night", "10 mg at night when required"),
    (
        "N05CF01",
        "7.5 mg at night",
        "3.75 mg at night when required",
    ),
    (
        "N05AD01",
        "0.5 mg twice daily",
        "0.5 mg when required for agitation",
    ),
    (
        "N05AX08",
        "0.5 mg twice daily",
        "0.25 mg when required for agitation",
    ),
    ("N06AX05", "50 mg at night", "50 mg at night when required"),
    ("N06AX11", "15 mg at night", "15 mg at night"),
    ("N06AB06", "50 mg once daily", "50 mg once daily"),
    ("N06AB04", "20 mg once daily", "20 mg once daily"),
    (
        "N03AX12",
        "300 mg three times daily",
        "300 mg when required",
    ),
    ("N03AX16", "75 mg twice daily", "75 mg twice daily"),
    ("N06DA02", "10 mg at night", "10 mg at night"),
    (
        "N04BA02",
        "125 mg three times daily",
        "62.5 mg when required for early morning stiffness",
    ),
    ("C08CA01", "5 mg once daily", "5 mg once daily"),
    ("C09AA05", "5 mg once daily", "5 mg once daily"),
    ("C07AB07", "2.5 mg once daily", "2.5 mg once daily"),
    ("C02CA04", "4 mg once daily", "4 mg once daily"),
    (
        "G04CA02",
        "400 micrograms once daily",
        "400 micrograms once daily",
    ),
    (
        "C01DA14",
        "30 mg modified release each morning",
        "30 mg each morning",
    ),
    ("C10AA05", "20 mg at night", "20 mg at night"),
    (
        "A10BA02",
        "500 mg twice daily with food",
        "500 mg twice daily with food",
    ),
    ("A02BC01", "20 mg once daily", "20 mg once daily"),
    ("A02BC03", "30 mg once daily", "30 mg once daily"),
    ("M05BA04", "70 mg once weekly", "70 mg once weekly"),
    ("A11CC05", "800 units once daily", "800 units once daily"),
    (
        "N02BE01",
        "1 g four times daily",
        "1 g up to four times daily when required",
    ),
    (
        "R03AK06",
        "50/250 micrograms one puff twice daily",
        "one puff twice daily",
    ),
];

/// The dose text of `atc`, regular or as needed.
pub fn dose(atc: &str, prn: bool) -> String {
    DOSES
        .iter()
        .find(|(c, _, _)| *c == atc)
        .map_or(
            "as directed",
            |(_, regular, as_needed)| {
                if prn { as_needed } else { regular }
            },
        )
        .to_owned()
}

/// A medicine a person takes at the start of the window.
#[derive(Debug, Clone)]
pub struct StartingMedicine {
    pub atc: &'static str,
    pub prn: bool,
}

/// What the person's conditions and traits bring, as documented in `model.rs`.
#[derive(Debug)]
pub struct MedicineContext<'a> {
    pub conditions: &'a [&'static str],
    pub age: f64,
    pub female: bool,
    pub frailty: f64,
    pub cognitive: bool,
    pub needs: NeedsLevel,
}

impl MedicineContext<'_> {
    fn has(&self, code: &str) -> bool {
        self.conditions.contains(&code)
    }
}

/// The medicines a person is on when the window opens.
pub fn starting_medicines(rng: &mut Prng, cx: &MedicineContext<'_>) -> Vec<StartingMedicine> {
    let mut out: Vec<StartingMedicine> = Vec::new();
    let mut add = |atc: &'static str, prn: bool| {
        if !out.iter().any(|m| m.atc == atc) {
            out.push(StartingMedicine { atc, prn });
        }
    };
    let f = cx.frailty;
    if cx.has(model::HYPERTENSION) {
        if chance(rng, 0.6) {
            add("C08CA01", false);
        }
        if chance(rng, 0.5) {
            add("C09AA05", false);
        }
        if chance(rng, 0.25) {
            add("C03AA01", false);
        }
        if chance(rng, 0.1) {
            add("C02CA04", false);
        }
    }
    if cx.has(model::HEART_FAILURE) {
        if chance(rng, 0.85) {
            add("C03CA01", false);
        }
        if chance(rng, 0.7) {
            add("C07AB07", false);
        }
        if chance(rng, 0.6) {
            add("C09AA05", false);
        }
        if chance(rng, 0.25) {
            add("C01DA14", false);
        }
        if chance(rng, 0.15) {
            add("C01AA05", false);
        }
    }
    if cx.has(model::DIABETES_T2) && chance(rng, 0.85) {
        add("A10BA02", false);
    }
    if cx.has(model::DEPRESSION) && chance(rng, 0.7) {
        let atc = *pick(
            rng,
            &["N06AB06", "N06AB06", "N06AB04", "N06AX11", "N06AA09"],
        );
        add(atc, false);
    }
    if cx.has(model::DEMENTIA) || cx.has(model::ALZHEIMERS) {
        if chance(rng, 0.6) {
            add("N06DA02", false);
        }
        if chance(rng, 0.15) {
            let atc = *pick(rng, &["N05AX08", "N05AH04"]);
            add(atc, false);
        }
        if chance(rng, 0.04) {
            add("N05AD01", true);
        }
    }
    if cx.has(model::PARKINSONS) {
        add("N04BA02", false);
    }
    if cx.has(model::STROKE) {
        if chance(rng, 0.5) {
            add("B01AF02", false);
        } else if chance(rng, 0.3) {
            add("B01AA03", false);
        }
        if chance(rng, 0.8) {
            add("C10AA05", false);
        }
    }
    if cx.has(model::COPD) && chance(rng, 0.9) {
        add("R03AK06", false);
    }
    if cx.has(model::OSTEOPOROSIS) {
        if chance(rng, 0.7) {
            add("M05BA04", false);
        }
        if chance(rng, 0.8) {
            add("A11CC05", false);
        }
    }
    if cx.has(model::INCONTINENCE) && chance(rng, 0.5) {
        let atc = *pick(rng, &["G04BD04", "G04BD08"]);
        add(atc, false);
    }
    if !cx.female && cx.age >= 65.0 && chance(rng, 0.2) {
        add("G04CA02", false);
    }
    if cx.age >= 65.0 && chance(rng, 0.4) {
        add("C10AA05", false);
    }
    if chance(rng, 0.25 + 0.2 * f) {
        add(
            if chance(rng, 0.75) {
                "A02BC01"
            } else {
                "A02BC03"
            },
            false,
        );
    }
    // Pain: paracetamol, and for some an opioid or a gabapentinoid.
    if chance(rng, 0.2 + 0.3 * f) {
        add("N02BE01", chance(rng, 0.5));
    }
    if chance(rng, 0.05 + 0.12 * f) {
        let atc = *pick(
            rng,
            &["N02AX02", "R05DA04", "R05DA04", "N02AA01", "N02AA05"],
        );
        add(atc, chance(rng, 0.35));
    }
    if chance(rng, 0.04 + 0.1 * f) {
        add(
            if chance(rng, 0.6) {
                "N03AX12"
            } else {
                "N03AX16"
            },
            false,
        );
    }
    // Poor sleep and anxiety: hypnotics and benzodiazepines.
    let sleep = 0.05 + 0.08 * f + if cx.has(model::DEPRESSION) { 0.1 } else { 0.0 };
    if chance(rng, sleep) {
        add(
            if chance(rng, 0.75) {
                "N05CF01"
            } else {
                "N05CD07"
            },
            chance(rng, 0.3),
        );
    }
    if chance(
        rng,
        0.03 + if cx.has(model::DEPRESSION) { 0.05 } else { 0.0 },
    ) {
        add(
            if chance(rng, 0.5) {
                "N05BA01"
            } else {
                "N05BA06"
            },
            chance(rng, 0.6),
        );
    }
    if chance(rng, 0.05) {
        add(
            if chance(rng, 0.7) {
                "R06AB04"
            } else {
                "R06AD02"
            },
            true,
        );
    }
    if chance(rng, 0.01) {
        add("N03AF01", false);
    }
    if cx.cognitive && cx.needs >= NeedsLevel::Moderate && chance(rng, 0.05) {
        add("N06AX05", false);
    }
    out
}

/// Days before the window that a starting medicine was started (between 2 months and 8 years).
pub fn days_on_before_window(rng: &mut Prng) -> i64 {
    int(rng, 60, 2900)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frid_prefixes_follow_stoppfall() {
        let rows = [
            ("N05CF01", true),
            ("N05CD07", true),
            ("N06AB06", true),
            ("N03AX12", true),
            ("N02AX02", true),
            ("C03CA01", true),
            ("C02CA04", true),
            ("G04CA02", true),
            ("G04BD04", true),
            ("R06AB04", true),
            ("C01DA14", true),
            ("N05AN01", false),
            ("R05DA04", false),
            ("C08CA01", false),
            ("N06DA02", false),
            ("N04BA02", false),
        ];
        for (atc, want) in rows {
            assert_eq!(is_frid(atc), want, "{atc}");
        }
    }

    #[test]
    fn every_dose_row_is_in_the_core_atc_table() {
        for (atc, _, _) in DOSES {
            assert!(
                caretrail_core::codes::ATC.iter().any(|(c, _)| c == atc),
                "{atc}"
            );
        }
    }
}
