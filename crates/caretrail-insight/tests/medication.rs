//! Medication review: the active-on-date rule, duplicate therapy (substance and class, PRN,
//! grace days, combination groups), STOPPFall FRIDs and the ACB total.

mod common;

use common::ok;
use serde_json::{Value, json};

const DATE: &str = "2026-03-01";

fn med(id: &str, atc: &str, start: &str, end: Option<&str>) -> Value {
    json!({"id": id, "atc": atc, "start": start, "end": end, "prn": false})
}

fn prn(id: &str, atc: &str, start: &str) -> Value {
    json!({"id": id, "atc": atc, "start": start, "end": null, "prn": true})
}

fn review(meds: &[Value]) -> Value {
    ok("medication", &json!({"date": DATE, "medications": meds}))
}

fn review_with_grace(meds: &[Value], grace: u32) -> Value {
    ok(
        "medication",
        &json!({"date": DATE, "grace_days": grace, "medications": meds}),
    )
}

#[test]
fn active_means_started_on_or_before_the_date_and_not_yet_ended() {
    // amitriptyline: a FRID with ACB 3, so activity shows in frid_count and acb_total alike.
    let rows: &[(&str, Option<&str>, bool)] = &[
        ("2026-03-01", None, true),
        ("2026-03-02", None, false),
        ("2026-01-01", Some("2026-03-01"), false),
        ("2026-01-01", Some("2026-03-02"), true),
        ("2026-01-01", None, true),
        ("2025-01-01", Some("2025-02-01"), false),
    ];
    for (start, end, active) in rows {
        let out = review(&[med("m1", "N06AA09", start, *end)]);
        assert_eq!(
            out["frid_count"],
            json!(usize::from(*active)),
            "{start} {end:?}"
        );
        assert_eq!(out["acb_total"], json!(if *active { 3 } else { 0 }));
        assert_eq!(
            out["active"],
            if *active { json!(["m1"]) } else { json!([]) }
        );
    }
}

#[test]
fn same_substance_overlapping_is_a_substance_duplicate() {
    let out = review(&[
        med("m2", "N05CD02", "2026-02-01", None),
        med("m1", "N05CD02", "2026-01-01", None),
    ]);
    assert_eq!(
        out["duplicates"],
        json!([{"a": "m1", "b": "m2", "level": "substance", "atc": "N05CD02",
                "overlap_from": "2026-02-01", "overlap_to": null, "overlap_days": null}])
    );
}

#[test]
fn same_class_different_substance_is_a_class_duplicate() {
    let out = review(&[
        med("m1", "N05CD02", "2026-01-01", None),
        med("m2", "N05CD07", "2026-01-15", Some("2026-06-01")),
    ]);
    let d = &out["duplicates"][0];
    assert_eq!(d["level"], "class");
    assert_eq!(d["atc"], "N05CD");
    assert_eq!(d["overlap_from"], "2026-01-15");
    assert_eq!(d["overlap_to"], "2026-06-01");
    assert_eq!(out["duplicates"].as_array().unwrap().len(), 1);
}

#[test]
fn overlap_to_is_the_earlier_end() {
    let out = review(&[
        med("a", "N06AB06", "2026-01-01", Some("2026-05-01")),
        med("b", "N06AB04", "2026-02-01", Some("2026-04-01")),
    ]);
    assert_eq!(out["duplicates"][0]["overlap_from"], "2026-02-01");
    assert_eq!(out["duplicates"][0]["overlap_to"], "2026-04-01");
    assert_eq!(out["duplicates"][0]["overlap_days"], 59);
}

#[test]
fn different_classes_are_not_duplicates() {
    let out = review(&[
        med("m1", "N05CD02", "2026-01-01", None),
        med("m2", "N05CF01", "2026-01-01", None),
        med("m3", "N05BA01", "2026-01-01", None),
    ]);
    assert_eq!(out["duplicates"], json!([]));
}

#[test]
fn prn_is_never_part_of_a_duplicate_but_still_counts_for_frids_and_acb() {
    let out = review(&[
        med("m1", "N05BA01", "2026-01-01", None),
        prn("m2", "N05BA01", "2026-01-01"),
        prn("m3", "N05BA12", "2026-01-01"),
    ]);
    assert_eq!(out["duplicates"], json!([]));
    assert_eq!(out["frid_count"], 3);
    assert_eq!(out["acb_total"], 3);
}

#[test]
fn inactive_medicines_are_not_duplicates() {
    let out = review(&[
        med("m1", "N05CD02", "2026-01-01", Some("2026-02-15")),
        med("m2", "N05CD02", "2026-02-01", None),
    ]);
    assert_eq!(out["duplicates"], json!([]));
}

#[test]
fn an_overlap_within_grace_days_is_a_planned_switch() {
    // Old medicine ends date + k; new one started on the date: the overlap is k days.
    let ends = |k: u32| {
        jiff::civil::date(2026, 3, 1)
            .checked_add(jiff::Span::new().days(i64::from(k)))
            .unwrap()
            .to_string()
    };
    let rows: &[(Option<u32>, u32, bool)] = &[
        (None, 7, false), // default grace 7: a 7-day overlap is a switch
        (None, 8, true),
        (Some(7), 7, false),
        (Some(7), 8, true),
        (Some(0), 1, true),
        (Some(3), 3, false),
        (Some(3), 4, true),
    ];
    for (grace, overlap, duplicate) in rows {
        let meds = [
            med("old", "N06AB06", "2025-06-01", Some(&ends(*overlap))),
            med("new", "N06AB04", DATE, None),
        ];
        let out = match grace {
            Some(g) => review_with_grace(&meds, *g),
            None => review(&meds),
        };
        let found = out["duplicates"].as_array().unwrap().len() == 1;
        assert_eq!(found, *duplicate, "grace {grace:?}, overlap {overlap}");
        let switches = out["planned_switches"].as_array().unwrap().len() == 1;
        assert_eq!(switches, !duplicate, "grace {grace:?}, overlap {overlap}");
        if *duplicate {
            assert_eq!(out["duplicates"][0]["overlap_days"], json!(overlap));
        }
    }
}

#[test]
fn combination_groups_do_not_form_class_duplicates() {
    for group in [
        "A10BD", "C07B", "C07C", "C07D", "C07E", "C07F", "C09BA", "C09BB", "C09BX", "C09DA",
        "C09DB", "C09DX", "C10BA", "C10BX", "N02AJ", "R03AK", "R03AL",
    ] {
        let class = format!("{group:A<5}");
        let (x, y) = (format!("{class}01"), format!("{class}02"));
        let out = review(&[
            med("m1", &x, "2026-01-01", None),
            med("m2", &y, "2026-01-01", None),
        ]);
        assert_eq!(out["duplicates"], json!([]), "{x} {y}");
        // The same substance twice is still a substance duplicate.
        let out = review(&[
            med("m1", &x, "2026-01-01", None),
            med("m2", &x, "2026-01-01", None),
        ]);
        assert_eq!(out["duplicates"][0]["level"], "substance", "{x}");
    }
}

#[test]
fn each_pair_is_reported_once_with_a_the_lower_id() {
    let out = review(&[
        med("c", "N06AB06", "2026-01-01", None),
        med("a", "N06AB04", "2026-01-01", None),
        med("b", "N06AB05", "2026-01-01", None),
    ]);
    let pairs: Vec<(String, String)> = out["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["a"].as_str().unwrap().into(),
                d["b"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("a".into(), "b".into()),
            ("a".into(), "c".into()),
            ("b".into(), "c".into())
        ]
    );
}

#[test]
fn stoppfall_classes_by_atc_prefix() {
    let rows: &[(&str, Option<&str>)] = &[
        ("N05AH04", Some("antipsychotics")),
        ("N05AN01", None), // lithium
        ("N05BA01", Some("benzodiazepines")),
        ("N05CD07", Some("benzodiazepines")),
        ("N03AE01", Some("benzodiazepines")), // clonazepam, not an antiepileptic here
        ("N05CF01", Some("Z-drugs")),
        ("N06AB06", Some("antidepressants")),
        ("N06AX11", Some("antidepressants")),
        ("N03AX16", Some("antiepileptics, including gabapentinoids")),
        ("N03AF01", Some("antiepileptics, including gabapentinoids")),
        ("N02AA01", Some("opioids")),
        ("N02BE01", None), // paracetamol
        ("C03CA01", Some("diuretics")),
        ("C07BB07", Some("diuretics")),
        ("C07CA03", Some("diuretics")),
        ("C09BA05", Some("diuretics")),
        ("C09DA01", Some("diuretics")),
        ("C09AA05", None), // ramipril
        ("C02CA04", Some("alpha-blockers used as antihypertensives")),
        ("G04CA02", Some("alpha-blockers for prostate")),
        ("C02AC01", Some("centrally acting antihypertensives")),
        ("R06AB04", Some("sedating antihistamines")),
        ("C01DA14", Some("vasodilators used in cardiac disease")),
        (
            "G04BD08",
            Some("drugs for overactive bladder (antimuscarinics)"),
        ),
        ("A10BA02", None),
    ];
    for (atc, class) in rows {
        let out = review(&[med("m1", atc, "2026-01-01", None)]);
        match class {
            Some(c) => {
                assert_eq!(
                    out["frids"],
                    json!([{"id": "m1", "atc": atc, "class": c}]),
                    "{atc}"
                );
                assert_eq!(out["frid_count"], 1, "{atc}");
            }
            None => assert_eq!(out["frid_count"], 0, "{atc}"),
        }
    }
}

#[test]
fn frid_count_counts_medicines_not_classes() {
    let out = review(&[
        prn("m1", "N05BA01", "2026-01-01"),
        med("m2", "N05BA12", "2026-01-01", None),
        med("m3", "N05CD07", "2026-01-01", None),
    ]);
    assert_eq!(out["frid_count"], 3);
}

#[test]
fn acb_total_sums_the_table_scores_of_active_medicines() {
    let out = review(&[
        med("m1", "N06AA09", "2026-01-01", None), // amitriptyline 3
        med("m2", "N03AF01", "2026-01-01", None), // carbamazepine 2
        med("m3", "C03CA01", "2026-01-01", None), // furosemide 1
        med("m4", "A10BA02", "2026-01-01", None), // metformin: not listed, 0
        med("m5", "N06AA02", "2025-01-01", Some("2025-06-01")), // imipramine, inactive
    ]);
    assert_eq!(out["acb_total"], 6);
    assert_eq!(
        out["acb"],
        json!([
            {"id": "m1", "atc": "N06AA09", "substance": "amitriptyline", "score": 3},
            {"id": "m2", "atc": "N03AF01", "substance": "carbamazepine", "score": 2},
            {"id": "m3", "atc": "C03CA01", "substance": "furosemide", "score": 1},
        ])
    );
}

#[test]
fn the_whole_acb_table_is_used() {
    let csv = caretrail_insight::medication::ACB_CSV;
    for (i, line) in csv.lines().skip(1).enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let out = review(&[med(&format!("m{i}"), cells[0], "2026-01-01", None)]);
        assert_eq!(
            out["acb_total"],
            json!(cells[2].parse::<u32>().unwrap()),
            "{line}"
        );
    }
}

#[test]
fn an_empty_list_reviews_to_nothing() {
    let out = review(&[]);
    assert_eq!(out["duplicates"], json!([]));
    assert_eq!(out["frids"], json!([]));
    assert_eq!(out["frid_count"], 0);
    assert_eq!(out["acb_total"], 0);
    assert_eq!(out["grace_days"], 7);
}
