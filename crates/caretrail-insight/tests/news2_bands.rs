//! NEWS2: both sides of every band edge of RCP Chart 1 (as in `reference/instruments.md`), the
//! risk thresholds of Chart 4, and the RESTORE2 escalation rules.

mod common;

use common::*;
use serde_json::{Value, json};

/// Scores `field = value` on an otherwise all-zero input (scale 1, air unless given).
fn component(base: &Value, field: &str, value: Value) -> u64 {
    let out = ok("news2", &with(base, field, value));
    out["components"][field].as_u64().expect("points")
}

fn assert_rows(base: &Value, field: &str, rows: &[(Value, u64)]) {
    for (value, points) in rows {
        assert_eq!(
            component(base, field, value.clone()),
            *points,
            "{field} = {value} on {base}"
        );
    }
}

#[test]
fn respiration_rate_edges() {
    let rows = [
        (json!(0), 3),
        (json!(8), 3),
        (json!(9), 1),
        (json!(11), 1),
        (json!(12), 0),
        (json!(20), 0),
        (json!(21), 2),
        (json!(24), 2),
        (json!(25), 3),
        (json!(80), 3),
    ];
    assert_rows(&news2_normal(), "respiration_rate", &rows);
}

#[test]
fn spo2_scale_1_edges_on_air_and_on_oxygen() {
    let rows = [
        (json!(0), 3),
        (json!(91), 3),
        (json!(92), 2),
        (json!(93), 2),
        (json!(94), 1),
        (json!(95), 1),
        (json!(96), 0),
        (json!(100), 0),
    ];
    // Scale 1 bands do not depend on oxygen; oxygen scores separately.
    for oxygen in [false, true] {
        let base = with(&news2_normal(), "supplemental_oxygen", json!(oxygen));
        assert_rows(&base, "spo2", &rows);
    }
}

#[test]
fn spo2_scale_2_edges_on_air() {
    let base = with(&news2_normal(), "spo2_scale", json!(2));
    let rows = [
        (json!(0), 3),
        (json!(83), 3),
        (json!(84), 2),
        (json!(85), 2),
        (json!(86), 1),
        (json!(87), 1),
        (json!(88), 0),
        (json!(92), 0),
        // ≥ 93 on air scores 0: the high scores apply only on oxygen.
        (json!(93), 0),
        (json!(94), 0),
        (json!(95), 0),
        (json!(96), 0),
        (json!(97), 0),
        (json!(100), 0),
    ];
    assert_rows(&base, "spo2", &rows);
}

#[test]
fn spo2_scale_2_edges_on_oxygen() {
    let base = with(
        &with(&news2_normal(), "spo2_scale", json!(2)),
        "supplemental_oxygen",
        json!(true),
    );
    let rows = [
        (json!(0), 3),
        (json!(83), 3),
        (json!(84), 2),
        (json!(85), 2),
        (json!(86), 1),
        (json!(87), 1),
        (json!(88), 0),
        (json!(92), 0),
        (json!(93), 1),
        (json!(94), 1),
        (json!(95), 2),
        (json!(96), 2),
        (json!(97), 3),
        (json!(100), 3),
    ];
    assert_rows(&base, "spo2", &rows);
}

#[test]
fn air_scores_0_and_oxygen_2() {
    assert_rows(
        &news2_normal(),
        "supplemental_oxygen",
        &[(json!(false), 0), (json!(true), 2)],
    );
}

#[test]
fn systolic_bp_edges() {
    let rows = [
        (json!(0), 3),
        (json!(90), 3),
        (json!(91), 2),
        (json!(100), 2),
        (json!(101), 1),
        (json!(110), 1),
        (json!(111), 0),
        (json!(219), 0),
        (json!(220), 3),
        (json!(300), 3),
    ];
    assert_rows(&news2_normal(), "systolic_bp", &rows);
}

#[test]
fn pulse_edges() {
    let rows = [
        (json!(0), 3),
        (json!(40), 3),
        (json!(41), 1),
        (json!(50), 1),
        (json!(51), 0),
        (json!(90), 0),
        (json!(91), 1),
        (json!(110), 1),
        (json!(111), 2),
        (json!(130), 2),
        (json!(131), 3),
        (json!(300), 3),
    ];
    assert_rows(&news2_normal(), "pulse", &rows);
}

#[test]
fn consciousness_alert_scores_0_and_any_of_cvpu_scores_3() {
    let rows = [
        (json!("A"), 0),
        (json!("C"), 3),
        (json!("V"), 3),
        (json!("P"), 3),
        (json!("U"), 3),
    ];
    assert_rows(&news2_normal(), "consciousness", &rows);
}

#[test]
fn temperature_edges() {
    let rows = [
        (json!(25.0), 3),
        (json!(35.0), 3),
        (json!(35.1), 1),
        (json!(36.0), 1),
        (json!(36.1), 0),
        (json!(38.0), 0),
        (json!(38.1), 1),
        (json!(39.0), 1),
        (json!(39.1), 2),
        (json!(45.0), 2),
        // A whole number is a temperature too.
        (json!(37), 0),
    ];
    assert_rows(&news2_normal(), "temperature", &rows);
}

#[test]
fn temperature_is_rounded_half_up_to_one_decimal_before_banding() {
    let rows = [
        (json!(35.04), 3),
        (json!(35.05), 1),
        (json!(36.04), 1),
        (json!(36.05), 0),
        (json!(38.04), 0),
        (json!(38.05), 1),
        (json!(39.04), 1),
        (json!(39.05), 2),
    ];
    assert_rows(&news2_normal(), "temperature", &rows);
    let out = ok("news2", &with(&news2_normal(), "temperature", json!(36.05)));
    assert_eq!(out["temperature"], json!(36.1));
}

/// An input with the given total built from parameters scoring 1 or 2, and optionally a single
/// parameter scoring 3 (consciousness C).
fn with_total(total: u8, single_3: bool) -> Value {
    let mut v = news2_normal();
    let mut left = total;
    if single_3 {
        v["consciousness"] = json!("C");
        left -= 3;
    }
    // Parameters that can score 2 without scoring 3, then 1s.
    for (field, two, one) in [
        ("respiration_rate", json!(21), json!(9)),
        ("systolic_bp", json!(95), json!(105)),
        ("pulse", json!(111), json!(91)),
        ("spo2", json!(92), json!(94)),
        ("temperature", json!(39.1), json!(38.1)),
    ] {
        if left >= 2 {
            v[field] = two;
            left -= 2;
        } else if left == 1 {
            v[field] = one;
            left -= 1;
        }
    }
    assert_eq!(left, 0);
    v
}

#[test]
fn risk_bands_on_both_sides_of_every_threshold() {
    let rows: &[(u8, bool, &str)] = &[
        (0, false, "low"),
        (1, false, "low"),
        (4, false, "low"),
        (5, false, "medium"),
        (6, false, "medium"),
        (7, false, "high"),
        (10, false, "high"),
        (13, true, "high"),
        (3, true, "low-medium"),
        (4, true, "low-medium"),
        // A single 3 inside 5–6 is medium, inside ≥ 7 high.
        (5, true, "medium"),
        (6, true, "medium"),
        (7, true, "high"),
    ];
    for (total, single_3, risk) in rows {
        let out = ok("news2", &with_total(*total, *single_3));
        assert_eq!(out["score"], json!(total), "{total} {single_3}");
        assert_eq!(out["risk"], json!(risk), "{total} {single_3}");
    }
}

#[test]
fn clinical_response_follows_the_rcp_band() {
    let rows: &[(u8, bool, &str)] = &[
        (0, false, "12-hourly"),
        (1, false, "registered nurse"),
        (4, false, "4–6-hourly"),
        (3, true, "Urgent review by a clinician"),
        (5, false, "urgent response"),
        (7, false, "call 999"),
    ];
    for (total, single_3, words) in rows {
        let out = ok("news2", &with_total(*total, *single_3));
        let response = out["response"].as_str().expect("response");
        assert!(response.contains(words), "{total}: {response}");
    }
}

#[test]
fn restore2_escalation_rules() {
    let soft = |v: Value| with(&v, "soft_signs", json!(["new_confusion"]));
    let rows: &[(Value, &str, &str)] = &[
        (with_total(7, false), "call_999", "Call 999"),
        (soft(with_total(7, false)), "call_999", "Call 999"),
        (
            with_total(5, false),
            "urgent_contact",
            "GP, NHS 111 or the community team",
        ),
        (
            with_total(6, false),
            "urgent_contact",
            "GP, NHS 111 or the community team",
        ),
        (with_total(3, true), "urgent_contact", "3 in one parameter"),
        (
            soft(with_total(1, false)),
            "inform_gp",
            "Inform the GP and increase monitoring",
        ),
        (
            soft(with_total(4, false)),
            "inform_gp",
            "Inform the GP and increase monitoring",
        ),
        (
            with_total(1, false),
            "inform_senior_staff",
            "decides whether to increase",
        ),
        (
            with_total(4, false),
            "inform_senior_staff",
            "decides whether to increase",
        ),
        (
            with_total(0, false),
            "routine_monitoring",
            "routine monitoring",
        ),
        (
            soft(with_total(0, false)),
            "routine_monitoring",
            "soft signs persist",
        ),
    ];
    for (input, rule, words) in rows {
        let out = ok("news2", input);
        assert_eq!(out["escalation_rule"], json!(rule), "{input}");
        let text = out["escalation"].as_str().expect("escalation");
        assert!(text.contains(words), "{rule}: {text}");
    }
}

#[test]
fn escalation_is_structured_as_sbard() {
    let out = ok(
        "news2",
        &with(&with_total(6, false), "soft_signs", json!(["new_pain"])),
    );
    let text = out["escalation"].as_str().expect("escalation");
    let mut at = 0;
    for part in [
        "Situation:",
        "Background:",
        "Assessment:",
        "Recommendation:",
        "Decision:",
    ] {
        let found = text[at..]
            .find(part)
            .unwrap_or_else(|| panic!("{part} in {text}"));
        at += found;
    }
    assert!(
        out["sbard"]["background"]
            .as_str()
            .unwrap()
            .contains("new pain")
    );
    assert!(
        out["sbard"]["situation"]
            .as_str()
            .unwrap()
            .contains("NEWS2 score 6")
    );
}

#[test]
fn soft_signs_change_only_the_escalation() {
    let all = common::SOFT_SIGNS;
    for total in [0, 2, 5, 7] {
        let plain = ok("news2", &with_total(total, false));
        for sign in all {
            let out = ok(
                "news2",
                &with(&with_total(total, false), "soft_signs", json!([sign])),
            );
            assert_eq!(out["score"], plain["score"]);
            assert_eq!(out["components"], plain["components"]);
            assert_eq!(out["risk"], plain["risk"]);
        }
        let out = ok(
            "news2",
            &with(&with_total(total, false), "soft_signs", json!(all)),
        );
        assert_eq!(out["score"], plain["score"]);
    }
}

#[test]
fn single_parameter_3_is_named() {
    let out = ok("news2", &with(&news2_normal(), "pulse", json!(131)));
    assert_eq!(out["single_parameter_3"], json!(["pulse"]));
    assert_eq!(out["risk"], "low-medium");
    assert_eq!(out["bands"]["pulse"], "≥ 131");
}
