//! The shared table `worked_examples.json` (every worked example of `reference/instruments.md`
//! and a set of bad inputs), run through the library. The CLI's and the server's tests run the
//! same file through `caretrail score` and `POST /api/v1/score/<instrument>`, so the three
//! surfaces are held to one table.

use serde_json::Value;

fn table() -> Value {
    let text = include_str!("worked_examples.json");
    serde_json::from_str(text).expect("worked_examples.json is JSON")
}

#[test]
fn every_worked_example_of_the_reference_scores_as_the_table_says() {
    let table = table();
    let rows = table["examples"].as_array().expect("examples");
    assert_eq!(rows.len(), 18, "the reference has 18 worked examples");
    for row in rows {
        let name = row["name"].as_str().unwrap();
        let instrument = row["instrument"].as_str().unwrap();
        let out = caretrail_insight::score(instrument, &row["input"])
            .unwrap_or_else(|e| panic!("{name}: refused: {e}"));
        assert_eq!(out["instrument"], instrument, "{name}");
        for (pointer, want) in row["expect"].as_object().unwrap() {
            assert_eq!(out.pointer(pointer), Some(want), "{name}: {pointer}");
        }
    }
}

#[test]
fn every_bad_input_of_the_table_is_refused_naming_its_field() {
    let table = table();
    for row in table["refused"].as_array().expect("refused") {
        let name = row["name"].as_str().unwrap();
        let instrument = row["instrument"].as_str().unwrap();
        let err = caretrail_insight::score(instrument, &row["input"]).expect_err(name);
        let problem = err.to_problem();
        assert_eq!(problem.status, 422, "{name}");
        let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&row["field"].as_str().unwrap()),
            "{name}: {fields:?}"
        );
    }
}
