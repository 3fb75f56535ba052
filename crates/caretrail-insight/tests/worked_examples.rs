//! Every row of the reference's "Worked examples" table (`reference/instruments.md`), with the
//! exact numbers it gives.

mod common;

use common::*;
use serde_json::json;

#[test]
fn news2_worked_examples() {
    // (input, expected components in chart order where the reference gives them, score, risk)
    let rows: &[(serde_json::Value, Option<[u8; 7]>, u8, &str)] = &[
        (news2(18, 96, 1, false, 120, 80, "A", 37.1), None, 0, "low"),
        (
            news2(22, 95, 1, false, 105, 95, "A", 38.3),
            Some([2, 1, 0, 1, 1, 0, 1]),
            6,
            "medium",
        ),
        (
            news2(16, 97, 1, false, 130, 70, "C", 36.8),
            None,
            3,
            "low-medium",
        ),
        (
            news2(26, 90, 1, true, 88, 135, "V", 39.5),
            Some([3, 3, 2, 3, 3, 3, 2]),
            19,
            "high",
        ),
        (news2(20, 93, 2, false, 115, 88, "A", 36.5), None, 0, "low"),
        (
            news2(20, 95, 2, true, 115, 88, "A", 36.5),
            Some([0, 2, 2, 0, 0, 0, 0]),
            4,
            "low",
        ),
        (news2(12, 94, 1, false, 111, 51, "A", 36.1), None, 1, "low"),
    ];
    let keys = [
        "respiration_rate",
        "spo2",
        "supplemental_oxygen",
        "systolic_bp",
        "pulse",
        "consciousness",
        "temperature",
    ];
    for (input, components, score, risk) in rows {
        let out = ok("news2", input);
        assert_eq!(out["score"], json!(score), "{input}");
        assert_eq!(out["risk"], json!(risk), "{input}");
        let c = out["components"].as_object().expect("components");
        assert_eq!(c.len(), 7);
        let sum: u64 = keys.iter().map(|k| c[*k].as_u64().expect("points")).sum();
        assert_eq!(sum, u64::from(*score), "components add up to the score");
        if let Some(expected) = components {
            let got: Vec<u8> = keys.iter().map(|k| c[*k].as_u64().unwrap() as u8).collect();
            assert_eq!(got, expected, "{input}");
        }
    }
}

#[test]
fn morse_worked_examples() {
    let rows: &[(serde_json::Value, [u8; 6], u8, &str)] = &[
        (
            morse(
                true,
                true,
                "crutches_cane_walker",
                false,
                "weak",
                "forgets_limitations",
            ),
            [25, 15, 15, 0, 10, 15],
            80,
            "high",
        ),
        (
            morse(false, false, "none", false, "normal", "oriented"),
            [0; 6],
            0,
            "low",
        ),
        (
            morse(true, false, "none", false, "normal", "oriented"),
            [25, 0, 0, 0, 0, 0],
            25,
            "moderate",
        ),
        (
            morse(
                false,
                true,
                "crutches_cane_walker",
                true,
                "normal",
                "oriented",
            ),
            [0, 15, 15, 20, 0, 0],
            50,
            "high",
        ),
    ];
    let keys = [
        "history_of_falling",
        "secondary_diagnosis",
        "ambulatory_aid",
        "iv_or_heparin_lock",
        "gait",
        "mental_status",
    ];
    for (input, components, score, risk) in rows {
        let out = ok("morse", input);
        assert_eq!(out["instrument"], "morse");
        assert_eq!(out["score"], json!(score), "{input}");
        assert_eq!(out["risk"], json!(risk), "{input}");
        let got: Vec<u8> = keys
            .iter()
            .map(|k| out["components"][*k].as_u64().unwrap() as u8)
            .collect();
        assert_eq!(got, components, "{input}");
    }
}

#[test]
fn ors_improvement_to_recovery_is_reliable_significant_and_on_track() {
    let out = ok(
        "ors",
        &ors(&[
            [4.5, 4.5, 4.5, 4.5],
            [5.0, 5.5, 5.0, 5.5],
            [6.5, 7.0, 6.5, 6.5],
        ]),
    );
    assert_eq!(out["totals"], json!([18.0, 21.0, 26.5]));
    assert_eq!(out["clinical_cutoff"], json!(25.0));
    assert_eq!(out["change"], json!(8.5));
    assert_eq!(out["reliable_change"], json!(true));
    assert_eq!(out["clinically_significant_change"], json!(true));
    assert_eq!(out["on_track"], json!(true));
}

#[test]
fn ors_small_gains_are_not_reliable_and_not_on_track() {
    let out = ok(
        "ors",
        &ors(&[
            [5.5, 5.5, 5.5, 5.5],
            [5.5, 6.0, 5.5, 6.0],
            [6.0, 6.0, 6.0, 6.0],
        ]),
    );
    assert_eq!(out["totals"], json!([22.0, 23.0, 24.0]));
    assert_eq!(out["change"], json!(2.0));
    assert_eq!(out["reliable_change"], json!(false));
    assert_eq!(out["on_track"], json!(false));
}

#[test]
fn ors_fall_of_five_point_three_is_a_reliable_deterioration() {
    let out = ok("ors", &ors(&[[5.5, 5.5, 5.5, 5.5], [4.1, 4.2, 4.2, 4.2]]));
    assert_eq!(out["totals"], json!([22.0, 16.7]));
    assert_eq!(out["change"], json!(-5.3));
    assert_eq!(out["reliable_change"], json!(true));
    assert_eq!(out["reliable_deterioration"], json!(true));
    assert_eq!(out["clinically_significant_change"], json!(false));
}

#[test]
fn srs_worked_example() {
    let out = ok("srs", &json!({"items": [9.5, 9.0, 8.5, 9.5]}));
    assert_eq!(out["instrument"], "srs");
    assert_eq!(out["total"], json!(36.5));
    assert_eq!(out["below_cutoff"], json!(false));
    assert_eq!(out["low_items"], json!(["approach_or_method"]));
}

#[test]
fn soc13_all_fours() {
    let out = ok("soc13", &json!({"items": vec![4; 13]}));
    assert_eq!(out["total"], json!(52));
    assert_eq!(out["comprehensibility"], json!(20));
    assert_eq!(out["manageability"], json!(16));
    assert_eq!(out["meaningfulness"], json!(16));
    assert_eq!(out["scored_items"], json!(vec![4; 13]));
}

#[test]
fn care_act_two_unmet_outcomes_with_impairment_and_impact_is_eligible() {
    let out = ok(
        "care-act",
        &care_act(
            true,
            &[
                ("toilet_needs", "significant_pain_distress_anxiety"),
                ("home_safely", "endangers_health_safety"),
            ],
            true,
        ),
    );
    assert_eq!(out["eligible"], json!(true));
    assert_eq!(
        out["conditions"],
        json!({"impairment": true, "two_or_more_outcomes": true, "wellbeing": true})
    );
    assert_eq!(out["unable"], json!(["toilet_needs", "home_safely"]));
}

#[test]
fn care_act_one_unmet_outcome_is_not_eligible() {
    let out = ok(
        "care-act",
        &care_act(true, &[("toilet_needs", "without_assistance")], true),
    );
    assert_eq!(out["eligible"], json!(false));
    assert_eq!(out["conditions"]["two_or_more_outcomes"], json!(false));
    assert_eq!(out["conditions"]["impairment"], json!(true));
    assert_eq!(out["conditions"]["wellbeing"], json!(true));
}

#[test]
fn the_contract_example_input_for_care_act_scores() {
    // The input shown in instruments.md §care-act, verbatim.
    let input = json!({"needs_from_impairment_or_illness": true,
     "outcomes": {"nutrition":"achieves", "personal_hygiene":"without_assistance",
                  "toilet_needs":"significant_pain_distress_anxiety", "being_clothed":"achieves",
                  "home_safely":"endangers_health_safety", "habitable_home":"achieves",
                  "relationships":"achieves", "work_training_education_volunteering":"achieves",
                  "community_facilities":"significantly_longer", "caring_for_child":"not_applicable"},
     "significant_impact_on_wellbeing": true});
    let out = ok("care-act", &input);
    assert_eq!(
        out["unable"],
        json!([
            "personal_hygiene",
            "toilet_needs",
            "home_safely",
            "community_facilities"
        ])
    );
    assert_eq!(out["eligible"], json!(true));
}

#[test]
fn every_output_carries_instrument_and_version() {
    let inputs = [
        ("news2", news2_normal()),
        (
            "morse",
            morse(false, false, "none", false, "normal", "oriented"),
        ),
        (
            "medication",
            json!({"date": "2026-03-01", "medications": []}),
        ),
        ("ors", ors(&[[5.0; 4]])),
        ("srs", json!({"items": vec![9.0; 4]})),
        ("soc13", json!({"items": vec![4; 13]})),
        ("care-act", care_act(true, &[], true)),
        ("care-act-carer", carer(true, false, &[], true)),
    ];
    assert_eq!(
        inputs.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        caretrail_insight::INSTRUMENTS
    );
    for (name, input) in &inputs {
        let out = ok(name, input);
        assert_eq!(out["instrument"], json!(name));
        assert_eq!(
            out["version"],
            json!(caretrail_insight::version(name).expect("version"))
        );
        assert!(out["version"].as_str().is_some_and(|v| !v.is_empty()));
    }
}
