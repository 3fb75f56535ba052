//! Medication review at a date: duplicate therapy, falls-risk-increasing drugs and
//! anticholinergic burden.
//!
//! Sources:
//! - duplicate therapy: STOPP v3 criterion A3 ("any duplicate drug class prescription for daily
//!   regular use, as distinct from PRN use"); the exact rules (ATC level 5 and level 4, half-open
//!   periods, grace days, combination groups) are caretrail's design, fixed in
//!   `reference/instruments.md` §medication;
//! - falls-risk-increasing drugs: STOPPFall (Seppala et al., *Age and Ageing* 50(4), 2021),
//!   as ATC prefixes;
//! - anticholinergic burden: the ACB scale (Boustani et al. 2008, 2012 update), as the table
//!   `data/acb.csv` (a checked-in copy of `reference/acb.csv`).
//!
//! Only medicines active on the review date count: `start ≤ date` and (`end` is null or
//! `date < end`).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use caretrail_core::codes::is_atc_level5;
use caretrail_core::problem::InputError;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::input::{self, Errors};

/// The instrument's name in the contract.
pub const NAME: &str = "medication";
/// Version of these rules and tables; stamped on every result and flag.
pub const VERSION: &str = "1.0.0";

/// The default overlap, in days, treated as a planned switch rather than a duplicate.
pub const DEFAULT_GRACE_DAYS: u32 = 7;

/// The most medicines one review accepts (pairs grow with the square).
pub const MAX_MEDICATIONS: usize = 1000;

fn default_grace_days() -> u32 {
    DEFAULT_GRACE_DAYS
}

/// `{"date":"2026-03-01","grace_days":7,"medications":[...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedicationInput {
    /// The review date.
    pub date: Date,
    /// Overlaps of at most this many days are planned switches (default 7).
    #[serde(default = "default_grace_days")]
    pub grace_days: u32,
    /// The medicines, current and past.
    pub medications: Vec<MedicationItem>,
}

/// `{"id":"m1","atc":"N05CD02","start":"2026-01-01","end":null,"prn":false}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedicationItem {
    /// Unique within the input.
    pub id: String,
    /// 7-character ATC code (level 5).
    pub atc: String,
    /// First day taken.
    pub start: Date,
    /// First day no longer taken (exclusive); null or absent when ongoing.
    #[serde(default)]
    pub end: Option<Date>,
    /// Taken as needed: never part of a duplicate.
    #[serde(default)]
    pub prn: bool,
}

impl MedicationItem {
    /// Active on `date`: `start ≤ date` and (`end` is null or `date < end`).
    pub fn is_active_on(&self, date: Date) -> bool {
        self.start <= date && self.end.is_none_or(|end| date < end)
    }
}

impl MedicationInput {
    /// Parses and validates the contract's input object.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, InputError> {
        let input: MedicationInput = input::parse(value)?;
        input.validate()?;
        Ok(input)
    }

    /// Checks ids (present, unique), ATC codes (level 5) and periods (end after start).
    pub fn validate(&self) -> Result<(), InputError> {
        let mut errors = Errors::default();
        errors.check(
            self.medications.len() <= MAX_MEDICATIONS,
            "/medications",
            format!("at most {MAX_MEDICATIONS} medicines per review"),
        );
        let mut ids = BTreeSet::new();
        for (i, m) in self.medications.iter().enumerate() {
            let at = |field: &str| format!("/medications/{i}/{field}");
            errors.check(!m.id.trim().is_empty(), at("id"), "must not be empty");
            errors.check(
                ids.insert(m.id.as_str()),
                at("id"),
                "is used by an earlier medicine",
            );
            errors.check(
                is_atc_level5(&m.atc),
                at("atc"),
                "must be a 7-character ATC code such as N05CD02",
            );
            if let Some(end) = m.end {
                errors.check(end > m.start, at("end"), "must be after start");
            }
        }
        errors.finish()
    }
}

/// Whether two medicines share a substance or only a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateLevel {
    /// Same 7-character ATC code (level 5).
    Substance,
    /// Different substances in the same 5-character class (level 4).
    Class,
}

/// Two active regular medicines whose periods overlap: a duplicate, or (when the overlap is at
/// most `grace_days`) a planned switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    /// The lower id.
    pub a: String,
    /// The higher id.
    pub b: String,
    /// Substance or class.
    pub level: DuplicateLevel,
    /// The 7-character code (substance) or 5-character class.
    pub atc: String,
    /// The later start.
    pub overlap_from: Date,
    /// The earlier end (exclusive), or null when both are ongoing.
    pub overlap_to: Option<Date>,
    /// Days of overlap, or null when both are ongoing.
    pub overlap_days: Option<i64>,
}

/// An active falls-risk-increasing drug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frid {
    /// The medicine's id.
    pub id: String,
    /// Its ATC code.
    pub atc: String,
    /// The STOPPFall class, in the reference's words.
    pub class: &'static str,
}

/// An active medicine with an anticholinergic burden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcbItem {
    /// The medicine's id.
    pub id: String,
    /// Its ATC code.
    pub atc: String,
    /// The substance, as in the ACB table.
    pub substance: &'static str,
    /// 1, 2 or 3.
    pub score: u8,
}

/// The contract's output, with the explanation beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MedicationResult {
    /// Always [`NAME`].
    pub instrument: &'static str,
    /// Always [`VERSION`].
    pub version: &'static str,
    /// The review date.
    pub date: Date,
    /// The grace days applied.
    pub grace_days: u32,
    /// Ids of the medicines active on `date`, in input order.
    pub active: Vec<String>,
    /// Duplicate therapy, each pair once, ordered by (`a`, `b`).
    pub duplicates: Vec<Duplicate>,
    /// Overlapping pairs of at most `grace_days`: planned switches, not duplicates.
    pub planned_switches: Vec<Duplicate>,
    /// Active falls-risk-increasing drugs, in input order.
    pub frids: Vec<Frid>,
    /// Number of medicines (not classes) in `frids`.
    pub frid_count: usize,
    /// Sum of the ACB scores of active medicines.
    pub acb_total: u32,
    /// The active medicines that contribute to `acb_total`.
    pub acb: Vec<AcbItem>,
}

/// ATC classes (level 4) of combination products, which never form class duplicates.
pub const COMBINATION_GROUPS: &[&str] = &[
    "A10BD", "C07B", "C07C", "C07D", "C07E", "C07F", "C09BA", "C09BB", "C09BX", "C09DA", "C09DB",
    "C09DX", "C10BA", "C10BX", "N02AJ", "R03AK", "R03AL",
];

/// STOPPFall classes: (class, ATC prefixes, excluded prefixes).
pub const FRID_CLASSES: &[(&str, &[&str], &[&str])] = &[
    ("antipsychotics", &["N05A"], &["N05AN"]),
    ("benzodiazepines", &["N05BA", "N05CD", "N03AE"], &[]),
    ("Z-drugs", &["N05CF"], &[]),
    ("antidepressants", &["N06A"], &[]),
    (
        "antiepileptics, including gabapentinoids",
        &["N03"],
        &["N03AE"],
    ),
    ("opioids", &["N02A"], &[]),
    ("diuretics", &["C03", "C07B", "C07C", "C09BA", "C09DA"], &[]),
    ("alpha-blockers used as antihypertensives", &["C02CA"], &[]),
    ("alpha-blockers for prostate", &["G04CA"], &[]),
    ("centrally acting antihypertensives", &["C02A"], &[]),
    ("sedating antihistamines", &["R06A"], &[]),
    ("vasodilators used in cardiac disease", &["C01D"], &[]),
    (
        "drugs for overactive bladder (antimuscarinics)",
        &["G04BD"],
        &[],
    ),
];

/// The STOPPFall class of an ATC code, if it is a falls-risk-increasing drug.
pub fn frid_class(atc: &str) -> Option<&'static str> {
    FRID_CLASSES
        .iter()
        .find(|(_, include, exclude)| {
            include.iter().any(|p| atc.starts_with(p))
                && !exclude.iter().any(|p| atc.starts_with(p))
        })
        .map(|(class, _, _)| *class)
}

/// One row of the ACB table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcbEntry {
    /// ATC level-5 code.
    pub atc: &'static str,
    /// Substance name.
    pub substance: &'static str,
    /// 1, 2 or 3.
    pub score: u8,
}

/// The ACB table as shipped (`data/acb.csv`: `atc,substance,acb_score`).
pub const ACB_CSV: &str = include_str!("../data/acb.csv");

/// The ACB table, parsed once. Rows that do not parse are skipped; a test checks there are none.
pub static ACB_TABLE: LazyLock<Vec<AcbEntry>> = LazyLock::new(|| parse_acb(ACB_CSV));

fn parse_acb(csv: &'static str) -> Vec<AcbEntry> {
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let mut cells = line.split(',');
            let atc = cells.next()?.trim();
            let substance = cells.next()?.trim();
            let score: u8 = cells.next()?.trim().parse().ok()?;
            (cells.next().is_none() && is_atc_level5(atc) && (1..=3).contains(&score)).then_some(
                AcbEntry {
                    atc,
                    substance,
                    score,
                },
            )
        })
        .collect()
}

/// The ACB row of an ATC code; a medicine not listed scores 0.
pub fn acb_entry(atc: &str) -> Option<&'static AcbEntry> {
    ACB_TABLE.iter().find(|e| e.atc == atc)
}

/// The overlap of two half-open periods [start, end) (open end = ongoing), if any:
/// (later start, earlier end or None when both are ongoing).
fn overlap(a: &MedicationItem, b: &MedicationItem) -> Option<(Date, Option<Date>)> {
    let from = a.start.max(b.start);
    let to = match (a.end, b.end) {
        (None, None) => None,
        (Some(e), None) | (None, Some(e)) => Some(e),
        (Some(x), Some(y)) => Some(x.min(y)),
    };
    match to {
        Some(to) if to <= from => None,
        _ => Some((from, to)),
    }
}

/// Whole days from `from` to `to`.
fn days_between(from: Date, to: Date) -> i64 {
    from.duration_until(to).as_secs() / 86_400
}

/// Reviews the medicines active on the input's date.
pub fn review(input: &MedicationInput) -> MedicationResult {
    let date = input.date;
    let active: Vec<&MedicationItem> = input
        .medications
        .iter()
        .filter(|m| m.is_active_on(date))
        .collect();

    let mut duplicates = Vec::new();
    let mut planned_switches = Vec::new();
    let regular: Vec<&&MedicationItem> = active.iter().filter(|m| !m.prn).collect();
    for (i, x) in regular.iter().enumerate() {
        for y in regular.iter().skip(i + 1) {
            let (level, atc) = if x.atc == y.atc {
                (DuplicateLevel::Substance, x.atc.clone())
            } else {
                match (x.atc.get(..5), y.atc.get(..5)) {
                    (Some(cx), Some(cy))
                        if cx == cy && !COMBINATION_GROUPS.iter().any(|g| cx.starts_with(g)) =>
                    {
                        (DuplicateLevel::Class, cx.to_owned())
                    }
                    _ => continue,
                }
            };
            let Some((overlap_from, overlap_to)) = overlap(x, y) else {
                continue;
            };
            let overlap_days = overlap_to.map(|to| days_between(overlap_from, to));
            let (a, b) = if x.id <= y.id { (x, y) } else { (y, x) };
            let pair = Duplicate {
                a: a.id.clone(),
                b: b.id.clone(),
                level,
                atc,
                overlap_from,
                overlap_to,
                overlap_days,
            };
            // An overlap of at most `grace_days` is a planned switch; an open overlap never is.
            match overlap_days {
                Some(d) if d <= i64::from(input.grace_days) => planned_switches.push(pair),
                _ => duplicates.push(pair),
            }
        }
    }
    duplicates.sort_by(|p, q| (&p.a, &p.b).cmp(&(&q.a, &q.b)));
    planned_switches.sort_by(|p, q| (&p.a, &p.b).cmp(&(&q.a, &q.b)));

    let frids: Vec<Frid> = active
        .iter()
        .filter_map(|m| {
            frid_class(&m.atc).map(|class| Frid {
                id: m.id.clone(),
                atc: m.atc.clone(),
                class,
            })
        })
        .collect();
    let acb: Vec<AcbItem> = active
        .iter()
        .filter_map(|m| {
            acb_entry(&m.atc).map(|e| AcbItem {
                id: m.id.clone(),
                atc: m.atc.clone(),
                substance: e.substance,
                score: e.score,
            })
        })
        .collect();

    MedicationResult {
        instrument: NAME,
        version: VERSION,
        date,
        grace_days: input.grace_days,
        active: active.iter().map(|m| m.id.clone()).collect(),
        duplicates,
        planned_switches,
        frid_count: frids.len(),
        frids,
        acb_total: acb.iter().map(|e| u32::from(e.score)).sum(),
        acb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_of_the_shipped_acb_table_parses() {
        let rows = ACB_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count();
        assert_eq!(ACB_TABLE.len(), rows);
        assert!(rows > 0);
    }

    #[test]
    fn the_shipped_acb_table_is_the_reference_copy() {
        // The crate must build without ../shared, so it carries a copy; when the reference is
        // present (in the workspace checkout) the copy must not have drifted from it.
        let reference = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/reference/acb.csv"
        );
        if let Ok(text) = std::fs::read_to_string(reference) {
            assert_eq!(text, ACB_CSV, "data/acb.csv differs from reference/acb.csv");
        }
    }

    #[test]
    fn acb_codes_are_unique() {
        let mut seen = BTreeSet::new();
        for e in ACB_TABLE.iter() {
            assert!(seen.insert(e.atc), "{} twice", e.atc);
        }
    }

    #[test]
    fn no_atc_code_falls_in_two_frid_classes() {
        // Every prefix of every class, extended by each exclusion, must match one class only.
        for (class, include, _) in FRID_CLASSES {
            for prefix in *include {
                let code = format!("{prefix:X<7}");
                let matching: Vec<_> = FRID_CLASSES
                    .iter()
                    .filter(|(_, inc, exc)| {
                        inc.iter().any(|p| code.starts_with(p))
                            && !exc.iter().any(|p| code.starts_with(p))
                    })
                    .map(|(c, _, _)| *c)
                    .collect();
                assert_eq!(matching, [*class], "{code}");
            }
        }
    }

    #[test]
    fn a_malformed_acb_row_is_skipped_not_fatal() {
        let rows = parse_acb("atc,substance,acb_score\nN06AA09,amitriptyline,3\nbad\nX,y,9\n");
        assert_eq!(rows.len(), 1);
    }
}
