//! Bad input is refused with the offending field named as a JSON Pointer (DESIGN §4, the
//! reference's "Bad input" section), never scored and never a panic.

mod common;

use caretrail_insight::{INSTRUMENTS, InsightError, score};
use common::*;
use serde_json::{Value, json};

fn assert_refused(instrument: &str, input: &Value, pointer: &str) {
    let fields = refused(instrument, input);
    assert!(
        fields.iter().any(|f| f == pointer),
        "{instrument}: expected {pointer}, got {fields:?} for {input}"
    );
}

#[test]
fn news2_refusals_name_the_field() {
    let n = news2_normal();
    let rows: &[(Value, &str)] = &[
        (with(&n, "spo2", json!(120)), "/spo2"),
        (with(&n, "spo2", json!(101)), "/spo2"),
        (with(&n, "pulse", json!(-1)), "/pulse"),
        (with(&n, "pulse", json!(301)), "/pulse"),
        (with(&n, "pulse", json!(80.5)), "/pulse"),
        (with(&n, "consciousness", json!("X")), "/consciousness"),
        (with(&n, "consciousness", json!("a")), "/consciousness"),
        (with(&n, "consciousness", json!("Alert")), "/consciousness"),
        (with(&n, "respiration_rate", json!(81)), "/respiration_rate"),
        (
            with(&n, "respiration_rate", json!("18")),
            "/respiration_rate",
        ),
        (with(&n, "systolic_bp", json!(301)), "/systolic_bp"),
        (with(&n, "spo2_scale", json!(3)), "/spo2_scale"),
        (with(&n, "spo2_scale", json!(0)), "/spo2_scale"),
        (
            with(&n, "supplemental_oxygen", json!("no")),
            "/supplemental_oxygen",
        ),
        (with(&n, "temperature", json!(45.1)), "/temperature"),
        (with(&n, "temperature", json!(24.9)), "/temperature"),
        (with(&n, "temperature", json!(1e300)), "/temperature"),
        (with(&n, "temperature", json!("37.1")), "/temperature"),
        (with(&n, "soft_signs", json!(["sneezing"])), "/soft_signs/0"),
        (
            with(&n, "soft_signs", json!(["new_pain", "new_pain"])),
            "/soft_signs/1",
        ),
        (with(&n, "weight_kg", json!(70)), "/weight_kg"),
    ];
    for (input, pointer) in rows {
        assert_refused("news2", input, pointer);
    }
}

#[test]
fn news2_refuses_every_missing_vital_sign_by_name() {
    for field in [
        "respiration_rate",
        "spo2",
        "spo2_scale",
        "supplemental_oxygen",
        "systolic_bp",
        "pulse",
        "consciousness",
        "temperature",
    ] {
        let input = with(
            &without(&news2_normal(), field),
            "soft_signs",
            json!(["new_fall"]),
        );
        assert_refused("news2", &input, &format!("/{field}"));
    }
}

#[test]
fn several_range_errors_are_all_named() {
    let input = with(
        &with(&news2_normal(), "spo2", json!(120)),
        "spo2_scale",
        json!(3),
    );
    let fields = refused("news2", &input);
    assert!(fields.contains(&"/spo2".to_owned()) && fields.contains(&"/spo2_scale".to_owned()));
}

#[test]
fn morse_refusals_name_the_field() {
    let m = morse(false, false, "none", false, "normal", "oriented");
    let rows: &[(Value, &str)] = &[
        (
            with(&m, "ambulatory_aid", json!("wheelchair")),
            "/ambulatory_aid",
        ),
        (with(&m, "gait", json!("slow")), "/gait"),
        (
            with(&m, "mental_status", json!("confused")),
            "/mental_status",
        ),
        (
            with(&m, "history_of_falling", json!("yes")),
            "/history_of_falling",
        ),
        (
            with(&m, "history_of_falling", json!(1)),
            "/history_of_falling",
        ),
        (without(&m, "gait"), "/gait"),
        (without(&m, "secondary_diagnosis"), "/secondary_diagnosis"),
        (with(&m, "score", json!(10)), "/score"),
    ];
    for (input, pointer) in rows {
        assert_refused("morse", input, pointer);
    }
}

#[test]
fn medication_refusals_name_the_field() {
    let one = |m: Value| json!({"date": "2026-03-01", "medications": [m]});
    let ok_med = json!({"id": "m1", "atc": "N05CD02", "start": "2026-01-01"});
    let rows: &[(Value, &str)] = &[
        (json!({"date": "2026-02-30", "medications": []}), "/date"),
        (json!({"date": "01/03/2026", "medications": []}), "/date"),
        (json!({"medications": []}), "/date"),
        (json!({"date": "2026-03-01"}), "/medications"),
        (
            json!({"date": "2026-03-01", "grace_days": -1, "medications": []}),
            "/grace_days",
        ),
        (
            one(with(&ok_med, "atc", json!("n05cd02"))),
            "/medications/0/atc",
        ),
        (
            one(with(&ok_med, "atc", json!("N05CD"))),
            "/medications/0/atc",
        ),
        (
            one(with(&ok_med, "start", json!("soon"))),
            "/medications/0/start",
        ),
        (one(without(&ok_med, "start")), "/medications/0/start"),
        (one(without(&ok_med, "id")), "/medications/0/id"),
        (one(with(&ok_med, "id", json!(""))), "/medications/0/id"),
        (one(with(&ok_med, "id", json!(7))), "/medications/0/id"),
        (
            one(with(&ok_med, "end", json!("2026-01-01"))),
            "/medications/0/end",
        ),
        (one(with(&ok_med, "prn", json!("no"))), "/medications/0/prn"),
        (
            one(with(&ok_med, "dose", json!("10 mg"))),
            "/medications/0/dose",
        ),
        (
            json!({"date": "2026-03-01", "medications": [ok_med.clone(), ok_med.clone()]}),
            "/medications/1/id",
        ),
    ];
    for (input, pointer) in rows {
        assert_refused("medication", input, pointer);
    }
}

#[test]
fn ors_and_srs_refusals_name_the_item() {
    let good = [5.0, 5.0, 5.0, 5.0];
    let rows: &[(&str, Value, &str)] = &[
        (
            "ors",
            json!({"age": 34, "sessions": [good, [5.0, 5.0, 10.1, 5.0]]}),
            "/sessions/1/2",
        ),
        (
            "ors",
            json!({"age": 34, "sessions": [good, [5.0, 5.0, 11, 5.0]]}),
            "/sessions/1/2",
        ),
        (
            "ors",
            json!({"age": 34, "sessions": [[-0.1, 5.0, 5.0, 5.0]]}),
            "/sessions/0/0",
        ),
        (
            "ors",
            json!({"age": 34, "sessions": [[5.0, "5", 5.0, 5.0]]}),
            "/sessions/0/1",
        ),
        (
            "ors",
            json!({"age": 34, "sessions": [[5.0, 5.0, 5.0]]}),
            "/sessions/0/3",
        ),
        (
            "ors",
            json!({"age": 34, "sessions": [[5.0, 5.0, 5.0, 5.0, 5.0]]}),
            "/sessions/0/4",
        ),
        ("ors", json!({"age": 34, "sessions": []}), "/sessions/0"),
        ("ors", json!({"age": 5, "sessions": [good]}), "/age"),
        ("ors", json!({"age": -1, "sessions": [good]}), "/age"),
        ("ors", json!({"sessions": [good]}), "/age"),
        ("ors", json!({"age": 34}), "/sessions"),
        ("srs", json!({"items": [9.0, 9.0, 9.0]}), "/items/3"),
        ("srs", json!({"items": [10.5, 9.0, 9.0, 9.0]}), "/items/0"),
        ("srs", json!({"items": [9.0, 9.0, 9.0, null]}), "/items/3"),
        ("srs", json!({}), "/items"),
    ];
    for (instrument, input, pointer) in rows {
        assert_refused(instrument, input, pointer);
    }
}

#[test]
fn soc13_refusals_name_the_item() {
    let items = |f: &dyn Fn(&mut Vec<Value>)| {
        let mut v: Vec<Value> = vec![json!(4); 13];
        f(&mut v);
        json!({ "items": v })
    };
    let rows: &[(Value, &str)] = &[
        (
            items(&|v| {
                v.pop();
            }),
            "/items/12",
        ),
        (items(&|v| v.push(json!(4))), "/items/13"),
        (items(&|v| v[3] = json!(8)), "/items/3"),
        (items(&|v| v[0] = json!(0)), "/items/0"),
        (items(&|v| v[2] = json!(4.5)), "/items/2"),
        (items(&|v| v[5] = json!(-3)), "/items/5"),
        (json!({"items": []}), "/items/0"),
    ];
    for (input, pointer) in rows {
        assert_refused("soc13", input, pointer);
    }
}

#[test]
fn care_act_refusals_name_the_outcome() {
    let c = care_act(true, &[], true);
    let mut missing = c.clone();
    missing["outcomes"]
        .as_object_mut()
        .unwrap()
        .remove("nutrition");
    let rows: &[(Value, &str)] = &[
        (missing, "/outcomes/nutrition"),
        (
            care_act(true, &[("nutrition", "sometimes")], true),
            "/outcomes/nutrition",
        ),
        (
            care_act(true, &[("recreational_activities", "achieves")], true),
            "/outcomes/recreational_activities",
        ),
        (
            without(&c, "needs_from_impairment_or_illness"),
            "/needs_from_impairment_or_illness",
        ),
        (
            with(&c, "significant_impact_on_wellbeing", json!("yes")),
            "/significant_impact_on_wellbeing",
        ),
        (with(&c, "outcomes", json!([])), "/outcomes"),
    ];
    for (input, pointer) in rows {
        assert_refused("care-act", input, pointer);
    }
}

#[test]
fn carer_refuses_significantly_longer_naming_the_outcome() {
    for outcome in [
        "caring_for_child",
        "caring_for_others",
        "habitable_home",
        "nutrition",
        "relationships",
        "work_training_education_volunteering",
        "community_facilities",
        "recreational_activities",
    ] {
        let input = carer(true, false, &[(outcome, "significantly_longer")], true);
        assert_refused("care-act-carer", &input, &format!("/outcomes/{outcome}"));
    }
    let adult_key = carer(true, false, &[("toilet_needs", "achieves")], true);
    assert_refused("care-act-carer", &adult_key, "/outcomes/toilet_needs");
    let c = carer(true, false, &[], true);
    assert_refused(
        "care-act-carer",
        &without(&c, "health_at_risk"),
        "/health_at_risk",
    );
}

#[test]
fn input_that_is_not_an_object_is_refused_at_the_root() {
    for instrument in INSTRUMENTS {
        for input in [json!(null), json!([]), json!("news2"), json!(3)] {
            assert_eq!(refused(instrument, &input), [""], "{instrument} {input}");
        }
        // And an empty object names a required field.
        let fields = refused(instrument, &json!({}));
        assert!(
            fields.iter().all(|f| f.starts_with('/')),
            "{instrument}: {fields:?}"
        );
    }
}

#[test]
fn unknown_instrument_is_its_own_error() {
    for name in ["", "NEWS2", "news", "care_act", "morse "] {
        let err = score(name, &news2_normal()).unwrap_err();
        assert!(
            matches!(err, InsightError::UnknownInstrument { .. }),
            "{name}"
        );
        assert_eq!(err.status(), 404);
        let problem = err.to_problem();
        assert_eq!(problem.status, 404);
        assert!(!problem.errors.is_empty());
    }
}

#[test]
fn refusals_are_problem_json_with_status_422_and_pointer_fields() {
    let err = score("news2", &with(&news2_normal(), "spo2", json!(120))).unwrap_err();
    assert_eq!(err.status(), 422);
    let problem = serde_json::to_value(err.to_problem()).unwrap();
    assert_eq!(problem["status"], 422);
    assert_eq!(problem["type"], "about:blank");
    assert_eq!(problem["errors"][0]["field"], "/spo2");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[test]
fn error_messages_do_not_quote_the_value() {
    // A value may be personal data: messages name the field and rule, never echo the input.
    let err = score(
        "medication",
        &json!({"date": "2026-03-01", "medications": [{"id": "Jane Doe", "atc": "JANEDOE", "start": "2026-01-01"}]}),
    )
    .unwrap_err();
    let text = serde_json::to_string(&err.to_problem()).unwrap();
    assert!(!text.contains("JANEDOE"), "{text}");
    let err = score(
        "news2",
        &with(&news2_normal(), "consciousness", json!("Mr Smith")),
    )
    .unwrap_err();
    let text = serde_json::to_string(&err.to_problem()).unwrap();
    assert!(!text.contains("Mr Smith"), "{text}");
}
