//! Morse Fall Scale, SOC-13 and FIT (ORS/SRS): item points, both sides of every band edge and
//! cut-off, and reversal.

mod common;

use caretrail_insight::morse::{Banding, Risk};
use common::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Morse

#[test]
fn morse_item_points() {
    let base = morse(false, false, "none", false, "normal", "oriented");
    let rows: &[(&str, Value, u64)] = &[
        ("history_of_falling", json!(false), 0),
        ("history_of_falling", json!(true), 25),
        ("secondary_diagnosis", json!(false), 0),
        ("secondary_diagnosis", json!(true), 15),
        ("ambulatory_aid", json!("none"), 0),
        ("ambulatory_aid", json!("crutches_cane_walker"), 15),
        ("ambulatory_aid", json!("furniture"), 30),
        ("iv_or_heparin_lock", json!(false), 0),
        ("iv_or_heparin_lock", json!(true), 20),
        ("gait", json!("normal"), 0),
        ("gait", json!("weak"), 10),
        ("gait", json!("impaired"), 20),
        ("mental_status", json!("oriented"), 0),
        ("mental_status", json!("forgets_limitations"), 15),
    ];
    for (field, value, points) in rows {
        let out = ok("morse", &with(&base, field, value.clone()));
        assert_eq!(out["components"][*field], json!(points), "{field}={value}");
        assert_eq!(out["score"], json!(points), "{field}={value}");
    }
}

#[test]
fn morse_band_edges_with_the_default_cut_off_45_inclusive() {
    let rows = [
        (0, Risk::Low),
        (24, Risk::Low),
        (25, Risk::Moderate),
        (44, Risk::Moderate),
        (45, Risk::High),
        (125, Risk::High),
    ];
    for (total, risk) in rows {
        assert_eq!(Banding::default().risk(total), risk, "{total}");
        assert_eq!(Banding::Cutoff45.risk(total), risk, "{total}");
    }
}

#[test]
fn morse_alternative_banding_edges() {
    let rows = [
        (24, Risk::Low),
        (25, Risk::Moderate),
        (50, Risk::Moderate),
        (51, Risk::High),
    ];
    for (total, risk) in rows {
        assert_eq!(Banding::Cutoff51.risk(total), risk, "{total}");
    }
}

#[test]
fn morse_reachable_totals_either_side_of_each_edge() {
    // Totals are multiples of 5: 20/25 and 40/45 are the reachable neighbours of each edge.
    let rows: &[(Value, u64, &str)] = &[
        (
            morse(false, false, "none", true, "normal", "oriented"),
            20,
            "low",
        ),
        (
            morse(true, false, "none", false, "normal", "oriented"),
            25,
            "moderate",
        ),
        (
            morse(false, false, "none", true, "impaired", "oriented"),
            40,
            "moderate",
        ),
        (
            morse(true, false, "none", true, "normal", "oriented"),
            45,
            "high",
        ),
        (
            morse(
                true,
                true,
                "furniture",
                true,
                "impaired",
                "forgets_limitations",
            ),
            125,
            "high",
        ),
    ];
    for (input, score, risk) in rows {
        let out = ok("morse", input);
        assert_eq!(out["score"], json!(score), "{input}");
        assert_eq!(out["risk"], json!(risk), "{input}");
    }
}

// ---------------------------------------------------------------------------------------------
// SOC-13

#[test]
fn soc13_reverses_items_1_2_3_7_and_10_only() {
    let reversed = [1, 2, 3, 7, 10];
    for item in 1..=13usize {
        let mut items = vec![4u8; 13];
        items[item - 1] = 1;
        let out = ok("soc13", &json!({ "items": items }));
        let expected = if reversed.contains(&item) { 7 } else { 1 };
        assert_eq!(
            out["scored_items"][item - 1],
            json!(expected),
            "item {item}"
        );
        assert_eq!(out["total"], json!(48 + expected), "item {item}");
    }
}

#[test]
fn soc13_subscales_sum_their_items_after_reversal() {
    // Answer each item with its own number mod 7 + 1, so every item is distinguishable.
    let items: Vec<u8> = (1..=13u8).map(|i| (i % 7) + 1).collect();
    let out = ok("soc13", &json!({ "items": items }));
    let scored: Vec<u64> = out["scored_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    for (i, raw) in items.iter().enumerate() {
        let expected = if [1, 2, 3, 7, 10].contains(&(i + 1)) {
            8 - u64::from(*raw)
        } else {
            u64::from(*raw)
        };
        assert_eq!(scored[i], expected, "item {}", i + 1);
    }
    let sum = |idx: &[usize]| idx.iter().map(|n| scored[n - 1]).sum::<u64>();
    assert_eq!(out["comprehensibility"], json!(sum(&[2, 6, 8, 9, 11])));
    assert_eq!(out["manageability"], json!(sum(&[3, 5, 10, 13])));
    assert_eq!(out["meaningfulness"], json!(sum(&[1, 4, 7, 12])));
    assert_eq!(out["total"], json!(scored.iter().sum::<u64>()));
}

#[test]
fn soc13_extremes() {
    // All 1s: reversed items score 7. All 7s: reversed items score 1.
    let ones = ok("soc13", &json!({"items": vec![1; 13]}));
    assert_eq!(ones["total"], json!(5 * 7 + 8));
    let sevens = ok("soc13", &json!({"items": vec![7; 13]}));
    assert_eq!(sevens["total"], json!(5 + 8 * 7));
}

#[test]
fn soc13_has_no_cut_off_and_raises_no_flag() {
    for x in 1..=7 {
        let out = ok("soc13", &json!({"items": vec![x; 13]}));
        assert_eq!(out["flag"], Value::Null);
        assert!(out.get("risk").is_none() && out.get("below_cutoff").is_none());
    }
}

// ---------------------------------------------------------------------------------------------
// ORS

/// Four items adding up to `total` (one decimal), the last carrying the remainder.
fn session(total: f64) -> [f64; 4] {
    let tenths = (total * 10.0).round() as i64;
    let each = tenths / 4;
    let last = tenths - 3 * each;
    [
        each as f64 / 10.0,
        each as f64 / 10.0,
        each as f64 / 10.0,
        last as f64 / 10.0,
    ]
}

fn ors_at(age: u64, totals: &[f64]) -> Value {
    let sessions: Vec<[f64; 4]> = totals.iter().map(|t| session(*t)).collect();
    ok("ors", &json!({"age": age, "sessions": sessions}))
}

#[test]
fn ors_cut_off_by_age_group_on_both_sides() {
    let rows: &[(u64, f64, &str)] = &[
        (6, 32.0, "child"),
        (12, 32.0, "child"),
        (13, 28.0, "adolescent"),
        (17, 28.0, "adolescent"),
        (18, 25.0, "adult"),
        (90, 25.0, "adult"),
    ];
    for (age, cutoff, group) in rows {
        let below = cutoff - 0.1;
        let out = ors_at(*age, &[below, *cutoff]);
        assert_eq!(out["clinical_cutoff"], json!(cutoff), "age {age}");
        assert_eq!(out["age_group"], json!(group), "age {age}");
        assert_eq!(out["totals"], json!([below, cutoff]), "age {age}");
        // A total below the cut-off is in the clinical range; at the cut-off it is not.
        assert_eq!(out["in_clinical_range"], json!([true, false]), "age {age}");
    }
}

#[test]
fn ors_reliable_change_is_five_points_either_way() {
    let rows: &[(f64, f64, bool)] = &[
        (20.0, 24.9, false),
        (20.0, 25.0, true),
        (20.0, 15.1, false),
        (20.0, 15.0, true),
        (0.0, 40.0, true),
    ];
    for (intake, latest, reliable) in rows {
        let out = ors_at(34, &[*intake, *latest]);
        assert_eq!(
            out["reliable_change"],
            json!(reliable),
            "{intake} → {latest}"
        );
        assert_eq!(
            out["reliable_deterioration"],
            json!(*reliable && latest < intake),
            "{intake} → {latest}"
        );
    }
}

#[test]
fn ors_clinically_significant_change_needs_all_three() {
    let rows: &[(f64, f64, bool)] = &[
        (20.0, 25.0, true),  // below, reliable, reaches the cut-off exactly
        (20.0, 24.9, false), // not reliable and still below
        (19.0, 24.9, false), // reliable but still below the cut-off
        (20.1, 25.0, false), // reaches the cut-off but change 4.9
        (25.0, 30.0, false), // intake not below the cut-off
        (24.9, 29.9, true),
    ];
    for (intake, latest, significant) in rows {
        let out = ors_at(34, &[*intake, *latest]);
        assert_eq!(
            out["clinically_significant_change"],
            json!(significant),
            "{intake} → {latest}"
        );
    }
}

#[test]
fn ors_on_track_is_null_before_the_third_session_then_needs_five_points() {
    assert_eq!(ors_at(34, &[10.0])["on_track"], Value::Null);
    assert_eq!(ors_at(34, &[10.0])["change"], json!(0.0));
    assert_eq!(ors_at(34, &[10.0, 30.0])["on_track"], Value::Null);
    let rows: &[(f64, f64, bool)] = &[
        (10.0, 15.0, true),
        (10.0, 14.9, false),
        (10.0, 10.0, false),
        (10.0, 5.1, false),
        (10.0, 5.0, false),
    ];
    for (intake, latest, on_track) in rows {
        let out = ors_at(34, &[*intake, 12.0, *latest]);
        assert_eq!(out["on_track"], json!(on_track), "{intake} → {latest}");
        let out = ors_at(34, &[*intake, 12.0, 3.0, *latest]);
        assert_eq!(
            out["on_track"],
            json!(on_track),
            "4 sessions {intake} → {latest}"
        );
    }
}

#[test]
fn ors_totals_round_half_up_to_one_decimal() {
    // Items with more than one decimal are accepted; totals and change are rounded.
    let out = ok(
        "ors",
        &json!({"age": 30, "sessions": [[4.175, 4.175, 4.175, 4.175], [4.1, 4.2, 4.2, 4.2]]}),
    );
    assert_eq!(out["totals"], json!([16.7, 16.7]));
    let out = ok(
        "ors",
        &json!({"age": 30, "sessions": [[4.1, 4.2, 4.2, 4.15]]}),
    );
    assert_eq!(out["totals"], json!([16.7]));
}

// ---------------------------------------------------------------------------------------------
// SRS

#[test]
fn srs_cut_off_36_on_both_sides() {
    let rows: &[([f64; 4], f64, bool)] = &[
        ([9.0, 9.0, 9.0, 9.0], 36.0, false),
        ([9.0, 9.0, 9.0, 8.9], 35.9, true),
        ([10.0, 10.0, 10.0, 10.0], 40.0, false),
        ([0.0, 0.0, 0.0, 0.0], 0.0, true),
    ];
    for (items, total, below) in rows {
        let out = ok("srs", &json!({ "items": items }));
        assert_eq!(out["total"], json!(total), "{items:?}");
        assert_eq!(out["below_cutoff"], json!(below), "{items:?}");
    }
}

#[test]
fn srs_low_items_are_those_below_9() {
    let out = ok("srs", &json!({"items": [8.9, 9.0, 10.0, 0.0]}));
    assert_eq!(out["low_items"], json!(["relationship", "overall"]));
    let out = ok("srs", &json!({"items": [8.9, 8.9, 8.9, 8.9]}));
    assert_eq!(
        out["low_items"],
        json!([
            "relationship",
            "goals_and_topics",
            "approach_or_method",
            "overall"
        ])
    );
}
