//! Care Act eligibility (SI 2015/313 regs 2 and 3): every combination of the three conditions,
//! each limb of "unable", and the statutory wording of the explanation.

mod common;

use common::*;
use serde_json::json;

const ADULT_LIMBS: [&str; 4] = [
    "without_assistance",
    "significant_pain_distress_anxiety",
    "endangers_health_safety",
    "significantly_longer",
];

#[test]
fn adult_eligible_only_when_all_three_conditions_hold() {
    let outcomes = ["nutrition", "personal_hygiene", "toilet_needs"];
    for impairment in [false, true] {
        for wellbeing in [false, true] {
            for n in 0..=3 {
                let unable: Vec<(&str, &str)> = outcomes[..n]
                    .iter()
                    .map(|o| (*o, "without_assistance"))
                    .collect();
                let out = ok("care-act", &care_act(impairment, &unable, wellbeing));
                let two = n >= 2;
                assert_eq!(
                    out["conditions"],
                    json!({"impairment": impairment, "two_or_more_outcomes": two, "wellbeing": wellbeing})
                );
                assert_eq!(
                    out["eligible"],
                    json!(impairment && two && wellbeing),
                    "{impairment} {n} {wellbeing}"
                );
                assert_eq!(out["unable"].as_array().unwrap().len(), n);
            }
        }
    }
}

#[test]
fn every_limb_of_reg_2_3_makes_an_outcome_unmet_and_achieves_or_not_applicable_does_not() {
    for limb in ADULT_LIMBS {
        let out = ok(
            "care-act",
            &care_act(true, &[("nutrition", limb), ("toilet_needs", limb)], true),
        );
        assert_eq!(
            out["unable"],
            json!(["nutrition", "toilet_needs"]),
            "{limb}"
        );
        assert_eq!(out["eligible"], json!(true), "{limb}");
    }
    let out = ok(
        "care-act",
        &care_act(
            true,
            &[
                ("nutrition", "achieves"),
                ("toilet_needs", "not_applicable"),
            ],
            true,
        ),
    );
    assert_eq!(out["unable"], json!([]));
}

#[test]
fn unable_lists_outcomes_in_regulation_order() {
    let out = ok(
        "care-act",
        &care_act(
            true,
            &[
                ("caring_for_child", "without_assistance"),
                ("nutrition", "significantly_longer"),
                ("home_safely", "endangers_health_safety"),
            ],
            true,
        ),
    );
    assert_eq!(
        out["unable"],
        json!(["nutrition", "home_safely", "caring_for_child"])
    );
}

#[test]
fn adult_explanation_quotes_each_unmet_outcome_and_limb_in_the_regulations_words() {
    let out = ok(
        "care-act",
        &care_act(
            true,
            &[
                ("toilet_needs", "significant_pain_distress_anxiety"),
                ("community_facilities", "significantly_longer"),
            ],
            true,
        ),
    );
    let text = out["explanation"].as_str().unwrap();
    for words in [
        "reg 2(1)",
        "\u{201c}managing toilet needs\u{201d} (reg 2(2)(c))",
        "is able to achieve it without assistance but doing so causes the adult significant pain, distress or anxiety (reg 2(3)(b))",
        "\u{201c}making use of necessary facilities or services in the local community including public transport, and recreational facilities or services\u{201d} (reg 2(2)(i))",
        "takes significantly longer than would normally be expected (reg 2(3)(d))",
        "the adult's needs arise from or are related to a physical or mental impairment or illness",
        "a significant impact on the adult's well-being",
    ] {
        assert!(text.contains(words), "{words:?} not in {text}");
    }
    assert!(!text.contains("maintaining personal hygiene"), "{text}");
    let not = ok(
        "care-act",
        &care_act(true, &[("toilet_needs", "without_assistance")], true),
    );
    let text = not["explanation"].as_str().unwrap();
    assert!(text.starts_with("Not eligible"), "{text}");
    assert!(text.contains("(b) not met"), "{text}");
}

#[test]
fn carer_eligible_only_when_all_three_conditions_hold() {
    for necessary in [false, true] {
        for health in [false, true] {
            for n in 0..=2 {
                for wellbeing in [false, true] {
                    let unable: Vec<(&str, &str)> = ["nutrition", "recreational_activities"][..n]
                        .iter()
                        .map(|o| (*o, "endangers_health_safety"))
                        .collect();
                    let out = ok(
                        "care-act-carer",
                        &carer(necessary, health, &unable, wellbeing),
                    );
                    let either = health || n >= 1;
                    assert_eq!(
                        out["conditions"],
                        json!({"necessary_care": necessary, "health_or_outcome": either, "wellbeing": wellbeing})
                    );
                    assert_eq!(
                        out["eligible"],
                        json!(necessary && either && wellbeing),
                        "{necessary} {health} {n} {wellbeing}"
                    );
                }
            }
        }
    }
}

#[test]
fn one_unmet_outcome_is_enough_for_a_carer() {
    for limb in [
        "without_assistance",
        "significant_pain_distress_anxiety",
        "endangers_health_safety",
    ] {
        let out = ok(
            "care-act-carer",
            &carer(true, false, &[("caring_for_others", limb)], true),
        );
        assert_eq!(out["unable"], json!(["caring_for_others"]), "{limb}");
        assert_eq!(out["eligible"], json!(true), "{limb}");
    }
}

#[test]
fn carer_explanation_quotes_reg_3() {
    let out = ok(
        "care-act-carer",
        &carer(
            true,
            true,
            &[("habitable_home", "without_assistance")],
            true,
        ),
    );
    let text = out["explanation"].as_str().unwrap();
    for words in [
        "reg 3(1)",
        "the needs arise as a consequence of providing necessary care for an adult",
        "the carer's physical or mental health is, or is at risk of, deteriorating: yes",
        "\u{201c}maintaining a habitable home environment in the carer's home (whether or not this is also the home of the adult needing care)\u{201d} (reg 3(2)(b)(iii))",
        "is unable to achieve it without assistance (reg 3(3)(a))",
        "significant impact on the carer's well-being",
    ] {
        assert!(text.contains(words), "{words:?} not in {text}");
    }
}

#[test]
fn eligibility_never_raises_a_flag() {
    let out = ok(
        "care-act",
        &care_act(
            true,
            &[
                ("nutrition", "without_assistance"),
                ("toilet_needs", "without_assistance"),
            ],
            true,
        ),
    );
    assert_eq!(out["eligible"], json!(true));
    assert_eq!(out["flag"], serde_json::Value::Null);
    let out = ok("care-act-carer", &carer(true, true, &[], true));
    assert_eq!(out["eligible"], json!(true));
    assert_eq!(out["flag"], serde_json::Value::Null);
}
