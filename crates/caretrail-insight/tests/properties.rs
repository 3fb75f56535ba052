//! Invariants, checked on generated inputs: worse vital signs never lower NEWS2, adding a
//! falls-risk-increasing drug never lowers the FRID count, reverse-scoring is an involution, and
//! no JSON at all makes `score` panic.

mod common;

use caretrail_insight::{INSTRUMENTS, evaluate, score, soc13};
use proptest::prelude::*;
use serde_json::{Value, json};

/// A valid NEWS2 input anywhere in the accepted ranges.
fn news2_input() -> impl Strategy<Value = Value> {
    (
        (0..=80i64, 0..=100i64, 1..=2i64, any::<bool>()),
        (0..=300i64, 0..=300i64, 0..5usize, 250..=450i64),
        proptest::collection::vec(0..14usize, 0..3),
    )
        .prop_map(|((rr, spo2, scale, o2), (sbp, pulse, c, t), soft)| {
            let signs = common::SOFT_SIGNS;
            let mut soft: Vec<&str> = soft.into_iter().map(|i| signs[i]).collect();
            soft.sort_unstable();
            soft.dedup();
            let acvpu = ["A", "C", "V", "P", "U"][c];
            json!({
                "respiration_rate": rr, "spo2": spo2, "spo2_scale": scale,
                "supplemental_oxygen": o2, "systolic_bp": sbp, "pulse": pulse,
                "consciousness": acvpu,
                "temperature": t as f64 / 10.0, "soft_signs": soft,
            })
        })
}

fn news2_score(input: &Value) -> u64 {
    score("news2", input).expect("valid")["score"]
        .as_u64()
        .expect("score")
}

/// The centre of a parameter's 0 band: moving away from it is "worse".
fn centre(input: &Value, field: &str) -> f64 {
    match field {
        "respiration_rate" => 16.0,
        // Scale 2 on oxygen scores both too low and too high; otherwise only too low.
        "spo2" if input["spo2_scale"] == 2 && input["supplemental_oxygen"] == true => 90.0,
        "spo2" => 100.0,
        "systolic_bp" => 165.0,
        "pulse" => 70.5,
        "temperature" => 37.05,
        _ => unreachable!("numeric NEWS2 parameter"),
    }
}

fn limits(field: &str) -> (f64, f64) {
    match field {
        "respiration_rate" => (0.0, 80.0),
        "spo2" => (0.0, 100.0),
        "systolic_bp" | "pulse" => (0.0, 300.0),
        "temperature" => (25.0, 45.0),
        _ => unreachable!("numeric NEWS2 parameter"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_worse_vital_sign_never_lowers_news2(
        input in news2_input(),
        which in 0..5usize,
        step in 0..60u32,
    ) {
        let field = ["respiration_rate", "spo2", "systolic_bp", "pulse", "temperature"][which];
        let (lo, hi) = limits(field);
        let value = input[field].as_f64().unwrap();
        let c = centre(&input, field);
        let delta = if field == "temperature" { f64::from(step) / 10.0 } else { f64::from(step) };
        let worse = if value >= c { (value + delta).min(hi) } else { (value - delta).max(lo) };
        let worse = if field == "temperature" { json!((worse * 10.0).round() / 10.0) } else { json!(worse as i64) };
        let worse_input = common::with(&input, field, worse);
        let before = score("news2", &input).unwrap();
        let after = score("news2", &worse_input).unwrap();
        prop_assert!(after["score"].as_u64() >= before["score"].as_u64(), "{} → {}", input, worse_input);
        let key = field;
        prop_assert!(after["components"][key].as_u64() >= before["components"][key].as_u64());
    }

    #[test]
    fn oxygen_or_reduced_consciousness_never_lowers_news2(input in news2_input(), c in 1..5usize) {
        let before = news2_score(&input);
        prop_assert!(news2_score(&common::with(&input, "supplemental_oxygen", json!(true))) >= before);
        if input["consciousness"] == "A" {
            let worse = common::with(&input, "consciousness", json!(["A", "C", "V", "P", "U"][c]));
            prop_assert!(news2_score(&worse) >= before);
        }
    }

    #[test]
    fn news2_is_the_sum_of_its_components_within_0_to_20(input in news2_input()) {
        let out = score("news2", &input).unwrap();
        let sum: u64 = out["components"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        prop_assert_eq!(out["score"].as_u64().unwrap(), sum);
        prop_assert!(sum <= 20);
    }

    #[test]
    fn soft_signs_never_change_the_score(input in news2_input()) {
        let plain = score("news2", &common::without(&input, "soft_signs")).unwrap();
        let with_signs = score("news2", &input).unwrap();
        prop_assert_eq!(&plain["score"], &with_signs["score"]);
        prop_assert_eq!(&plain["components"], &with_signs["components"]);
        prop_assert_eq!(&plain["risk"], &with_signs["risk"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Medication

const SOME_ATC: &[&str] = &[
    "N05AH04", "N05AN01", "N05BA01", "N05CD07", "N03AE01", "N05CF01", "N06AB06", "N03AX16",
    "N02AA05", "C03CA01", "C07BB07", "C09DA01", "C02CA04", "G04CA02", "C02AC01", "R06AB04",
    "C01DA14", "G04BD08", "A10BA02", "C09AA05", "N02BE01", "N06AA09", "B01AA03", "C10AA05",
];

const FRID_PREFIXES: &[&str] = &[
    "N05AH", "N05BA", "N05CD", "N03AE", "N05CF", "N06AB", "N03AX", "N02AA", "C03CA", "C07BB",
    "C07CA", "C09BA", "C09DA", "C02CA", "G04CA", "C02AC", "R06AB", "C01DA", "G04BD",
];

fn date(day: i64) -> String {
    jiff::civil::date(2026, 1, 1)
        .checked_add(jiff::Span::new().days(day))
        .unwrap()
        .to_string()
}

fn medication_list() -> impl Strategy<Value = Vec<Value>> {
    proptest::collection::vec(
        (
            0..SOME_ATC.len(),
            0..120i64,
            proptest::option::of(1..120i64),
            any::<bool>(),
        ),
        0..8,
    )
    .prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, (atc, start, len, prn))| {
                json!({"id": format!("m{i:02}"), "atc": SOME_ATC[atc], "start": date(start),
                       "end": len.map(|l| date(start + l)), "prn": prn})
            })
            .collect()
    })
}

fn review(meds: &[Value], day: i64) -> Value {
    score(
        "medication",
        &json!({"date": date(day), "medications": meds}),
    )
    .expect("valid")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn adding_a_frid_never_lowers_the_frid_count(
        meds in medication_list(),
        day in 0..150i64,
        prefix in 0..FRID_PREFIXES.len(),
        suffix in 1..100u32,
        start in 0..150i64,
        prn in any::<bool>(),
    ) {
        let before = review(&meds, day);
        let mut more = meds.clone();
        more.push(json!({"id": "new", "atc": format!("{}{suffix:02}", FRID_PREFIXES[prefix]),
                         "start": date(start), "prn": prn}));
        let after = review(&more, day);
        let (b, a) = (before["frid_count"].as_u64().unwrap(), after["frid_count"].as_u64().unwrap());
        prop_assert!(a >= b);
        // Active on the date: it counts, exactly once.
        prop_assert_eq!(a, b + u64::from(start <= day));
    }

    #[test]
    fn adding_any_medicine_never_lowers_frids_acb_or_duplicates(
        meds in medication_list(),
        day in 0..150i64,
        atc in 0..SOME_ATC.len(),
        start in 0..150i64,
    ) {
        let before = review(&meds, day);
        let mut more = meds.clone();
        more.push(json!({"id": "zz", "atc": SOME_ATC[atc], "start": date(start)}));
        let after = review(&more, day);
        for key in ["frid_count", "acb_total"] {
            prop_assert!(after[key].as_u64() >= before[key].as_u64(), "{}", key);
        }
        prop_assert!(after["duplicates"].as_array().unwrap().len() >= before["duplicates"].as_array().unwrap().len());
    }

    #[test]
    fn duplicates_are_ordered_pairs_of_active_regular_medicines(meds in medication_list(), day in 0..150i64) {
        let out = review(&meds, day);
        let active: Vec<&str> = out["active"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        for d in out["duplicates"].as_array().unwrap() {
            let (a, b) = (d["a"].as_str().unwrap(), d["b"].as_str().unwrap());
            prop_assert!(a < b);
            prop_assert!(active.contains(&a) && active.contains(&b));
            for id in [a, b] {
                let m = meds.iter().find(|m| m["id"] == id).unwrap();
                prop_assert_eq!(&m["prn"], &json!(false));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SOC-13

proptest! {
    #[test]
    fn reverse_scoring_is_an_involution(x in 1..=7u8) {
        prop_assert_eq!(soc13::reverse(soc13::reverse(x)), x);
        prop_assert!((1..=7).contains(&soc13::reverse(x)));
    }

    #[test]
    fn mirrored_answers_sum_to_104(items in proptest::collection::vec(1..=7u8, 13)) {
        // Answering x or 8 − x on every item gives totals that always add to 13 × 8.
        let mirrored: Vec<u8> = items.iter().map(|x| 8 - x).collect();
        let a = score("soc13", &json!({"items": items})).unwrap();
        let b = score("soc13", &json!({"items": mirrored})).unwrap();
        prop_assert_eq!(a["total"].as_u64().unwrap() + b["total"].as_u64().unwrap(), 104);
        let total = a["total"].as_u64().unwrap();
        prop_assert!((13..=91).contains(&total));
        let parts = ["comprehensibility", "manageability", "meaningfulness"]
            .iter().map(|k| a[*k].as_u64().unwrap()).sum::<u64>();
        prop_assert_eq!(parts, total);
    }
}

// ---------------------------------------------------------------------------------------------
// Morse, ORS

proptest! {
    #[test]
    fn morse_total_is_within_0_to_125(
        fall in any::<bool>(), sec in any::<bool>(), aid in 0..3usize, iv in any::<bool>(),
        gait in 0..3usize, mental in 0..2usize,
    ) {
        let input = common::morse(fall, sec, ["none", "crutches_cane_walker", "furniture"][aid], iv,
            ["normal", "weak", "impaired"][gait], ["oriented", "forgets_limitations"][mental]);
        let out = score("morse", &input).unwrap();
        let total = out["score"].as_u64().unwrap();
        prop_assert!(total <= 125);
        let sum: u64 = out["components"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        prop_assert_eq!(total, sum);
    }

    #[test]
    fn ors_change_is_latest_minus_intake_and_reliable_at_five(
        sessions in proptest::collection::vec(proptest::array::uniform4(0..=100u32), 1..6),
    ) {
        let sessions: Vec<Vec<f64>> = sessions.iter().map(|s| s.iter().map(|x| f64::from(*x) / 10.0).collect()).collect();
        let out = score("ors", &json!({"age": 40, "sessions": sessions})).unwrap();
        let totals: Vec<f64> = out["totals"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let tenths = |x: f64| (x * 10.0).round() as i64;
        let change = tenths(totals[totals.len() - 1]) - tenths(totals[0]);
        prop_assert_eq!(tenths(out["change"].as_f64().unwrap()), change);
        prop_assert_eq!(out["reliable_change"].as_bool().unwrap(), change.abs() >= 50);
        prop_assert_eq!(out["on_track"].is_null(), totals.len() < 3);
    }
}

// ---------------------------------------------------------------------------------------------
// No panics on any input

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-zA-Z0-9_ -]{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("A"),
            Just("C"),
            Just("none"),
            Just("weak"),
            Just("achieves"),
            Just("significantly_longer"),
            Just("2026-03-01"),
            Just("N05CD02"),
            Just("new_fall"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..14).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,10}",
                    Just("spo2".to_owned()),
                    Just("items".to_owned()),
                    Just("sessions".to_owned()),
                    Just("outcomes".to_owned()),
                    Just("medications".to_owned()),
                ],
                inner,
                0..8,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Valid inputs of every instrument, to mutate.
fn valid_inputs() -> Vec<(&'static str, Value)> {
    vec![
        ("news2", common::news2_normal()),
        (
            "morse",
            common::morse(true, true, "furniture", false, "weak", "oriented"),
        ),
        (
            "medication",
            json!({"date": "2026-03-01", "grace_days": 7, "medications": [
                {"id": "m1", "atc": "N05CD02", "start": "2026-01-01", "end": null, "prn": false},
                {"id": "m2", "atc": "N05CD07", "start": "2026-02-01", "end": "2026-04-01", "prn": false}]}),
        ),
        (
            "ors",
            json!({"age": 15, "sessions": [[4.1, 5.0, 6.2, 5.5], [5.0, 6.1, 6.0, 6.4]]}),
        ),
        ("srs", json!({"items": [9.1, 9.5, 8.7, 9.0]})),
        (
            "soc13",
            json!({"items": [1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6]}),
        ),
        (
            "care-act",
            common::care_act(true, &[("nutrition", "without_assistance")], true),
        ),
        ("care-act-carer", common::carer(true, true, &[], false)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn score_never_panics_on_arbitrary_json(input in any_json(), which in 0..INSTRUMENTS.len() + 1) {
        let name = INSTRUMENTS.get(which).copied().unwrap_or("unknown");
        // Either a result or a refusal; both are values.
        match evaluate(name, &input) {
            Ok(scored) => { let _ = scored.to_json(); }
            Err(e) => { let _ = e.to_problem(); }
        }
    }

    #[test]
    fn score_never_panics_when_one_field_of_a_valid_input_is_replaced(
        which in 0..8usize,
        field in 0..12usize,
        value in any_json(),
    ) {
        let (name, mut input) = valid_inputs().swap_remove(which);
        let keys: Vec<String> = input.as_object().unwrap().keys().cloned().collect();
        let key = keys.get(field % keys.len()).cloned().unwrap_or_default();
        input[key.as_str()] = value;
        if let Err(e) = score(name, &input) {
            let problem = e.to_problem();
            prop_assert!(!problem.errors.is_empty());
            prop_assert!(problem.errors.iter().all(|f| f.field.is_empty() || f.field.starts_with('/')));
        }
    }
}

#[test]
fn every_valid_input_to_mutate_is_itself_valid() {
    let inputs = valid_inputs();
    assert_eq!(inputs.len(), INSTRUMENTS.len());
    for (name, input) in inputs {
        score(name, &input).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
