//! "Flags raised on writes": each row of the reference's table, on both sides of its threshold.

mod common;

use caretrail_insight::{Severity, evaluate};
use common::*;
use serde_json::{Value, json};

/// (severity, reason) of the flag `instrument` raises on `input`, if any.
fn flag(instrument: &str, input: &Value) -> Option<(Severity, &'static str)> {
    evaluate(instrument, input)
        .expect("valid input")
        .flag()
        .map(|f| (f.severity, f.reason))
}

fn news2_with(changes: &[(&str, Value)], soft: bool) -> Value {
    let mut v = news2_normal();
    for (k, x) in changes {
        v[*k] = x.clone();
    }
    if soft {
        v["soft_signs"] = json!(["not_themselves"]);
    }
    v
}

#[test]
fn news2_flags() {
    let rows: &[(Value, Option<(Severity, &str)>)] = &[
        // score 0: nothing, with or without soft signs
        (news2_with(&[], false), None),
        (news2_with(&[], true), None),
        // score 1–4: only with soft signs, low
        (news2_with(&[("pulse", json!(91))], false), None),
        (
            news2_with(&[("pulse", json!(91))], true),
            Some((Severity::Low, "soft_signs")),
        ),
        (
            news2_with(
                &[("pulse", json!(111)), ("respiration_rate", json!(21))],
                true,
            ),
            Some((Severity::Low, "soft_signs")),
        ),
        // low-medium: medium, with or without soft signs
        (
            news2_with(&[("consciousness", json!("C"))], false),
            Some((Severity::Medium, "risk_medium")),
        ),
        (
            news2_with(&[("consciousness", json!("C"))], true),
            Some((Severity::Medium, "risk_medium")),
        ),
        // medium (5): medium
        (
            news2_with(
                &[
                    ("pulse", json!(111)),
                    ("respiration_rate", json!(21)),
                    ("temperature", json!(38.1)),
                ],
                false,
            ),
            Some((Severity::Medium, "risk_medium")),
        ),
        // high (7): high
        (
            news2_with(
                &[
                    ("pulse", json!(111)),
                    ("respiration_rate", json!(21)),
                    ("temperature", json!(39.1)),
                    ("spo2", json!(95)),
                ],
                false,
            ),
            Some((Severity::High, "risk_high")),
        ),
    ];
    for (input, expected) in rows {
        assert_eq!(flag("news2", input), *expected, "{input}");
    }
}

#[test]
fn morse_flags_only_the_high_band_as_medium() {
    let moderate = morse(false, false, "none", true, "impaired", "oriented"); // 40
    let high = morse(true, false, "none", true, "normal", "oriented"); // 45
    assert_eq!(flag("morse", &moderate), None);
    assert_eq!(flag("morse", &high), Some((Severity::Medium, "risk_high")));
}

fn meds(list: &[(&str, &str)]) -> Value {
    let medications: Vec<Value> = list
        .iter()
        .map(|(id, atc)| json!({"id": id, "atc": atc, "start": "2026-01-01"}))
        .collect();
    json!({"date": "2026-03-01", "medications": medications})
}

#[test]
fn medication_flags_duplicates_three_frids_or_acb_three() {
    let rows: &[(Value, Option<Vec<&str>>)] = &[
        (meds(&[("m1", "A10BA02")]), None),
        // two FRIDs in different classes, ACB 0: nothing
        (meds(&[("m1", "N05CF01"), ("m2", "N02AA05")]), None),
        // three FRIDs in different classes
        (
            meds(&[("m1", "N05CF01"), ("m2", "N02AA05"), ("m3", "C03AA01")]),
            Some(vec!["frid_count ≥ 3"]),
        ),
        // ACB 2, then 3 (neither a FRID)
        (meds(&[("m1", "N04BB01")]), None),
        (
            meds(&[("m1", "N04BB01"), ("m2", "B01AA03")]),
            Some(vec!["acb_total ≥ 3"]),
        ),
        // one duplicate pair
        (
            meds(&[("m1", "A10BA02"), ("m2", "A10BA02")]),
            Some(vec!["any duplicate"]),
        ),
        // all three
        (
            meds(&[("m1", "N06AA09"), ("m2", "N06AA10"), ("m3", "N05CF01")]),
            Some(vec!["any duplicate", "frid_count ≥ 3", "acb_total ≥ 3"]),
        ),
    ];
    for (input, thresholds) in rows {
        let f = evaluate("medication", input).unwrap().flag();
        match thresholds {
            None => assert_eq!(f, None, "{input}"),
            Some(t) => {
                let f = f.unwrap_or_else(|| panic!("no flag for {input}"));
                assert_eq!(f.severity, Severity::Medium);
                assert_eq!(f.reason, "medication_review");
                assert_eq!(&f.thresholds, t, "{input}");
            }
        }
    }
}

#[test]
fn ors_flags_not_on_track_or_reliable_deterioration() {
    let s = |t: f64| [t / 4.0; 4];
    let rows: &[(Value, Option<Vec<&str>>)] = &[
        (ors(&[s(20.0)]), None),
        (ors(&[s(20.0), s(16.0)]), None),
        (
            ors(&[s(20.0), s(15.0)]),
            Some(vec!["a reliable deterioration"]),
        ),
        (ors(&[s(20.0), s(22.0), s(25.0)]), None),
        (
            ors(&[s(20.0), s(22.0), s(24.8)]),
            Some(vec!["on_track false"]),
        ),
        (
            ors(&[s(20.0), s(22.0), s(14.0)]),
            Some(vec!["on_track false", "a reliable deterioration"]),
        ),
    ];
    for (input, thresholds) in rows {
        let f = evaluate("ors", input).unwrap().flag();
        match thresholds {
            None => assert_eq!(f, None, "{input}"),
            Some(t) => {
                let f = f.unwrap_or_else(|| panic!("no flag for {input}"));
                assert_eq!(f.severity, Severity::Medium);
                assert_eq!(&f.thresholds, t, "{input}");
            }
        }
    }
}

#[test]
fn srs_flags_below_the_cut_off_as_low() {
    assert_eq!(flag("srs", &json!({"items": [9.0, 9.0, 9.0, 9.0]})), None);
    assert_eq!(
        flag("srs", &json!({"items": [9.0, 9.0, 9.0, 8.9]})),
        Some((Severity::Low, "below_cutoff"))
    );
}

#[test]
fn severities_are_ordered_low_medium_high() {
    assert!(Severity::Low < Severity::Medium && Severity::Medium < Severity::High);
}

#[test]
fn a_flag_becomes_valid_flag_entry_data() {
    let input = news2_with(&[("consciousness", json!("U")), ("spo2", json!(80))], true);
    let f = evaluate("news2", &input).unwrap().flag().expect("flag");
    let data = f.to_entry_data(Vec::new());
    assert_eq!(data.instrument, "news2");
    assert_eq!(data.severity, Severity::Medium);
    caretrail_core::EntryData::Flag(data)
        .validate()
        .expect("a flag entry the record accepts");
}

#[test]
fn score_output_carries_the_flag() {
    let out = ok("srs", &json!({"items": [8.0, 9.0, 9.0, 9.0]}));
    assert_eq!(out["flag"]["severity"], "low");
    assert_eq!(out["flag"]["instrument"], "srs");
    assert_eq!(out["flag"]["version"], out["version"]);
    assert!(
        out["flag"]["explanation"]
            .as_str()
            .unwrap()
            .contains("relationship")
    );
}
