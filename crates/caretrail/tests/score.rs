//! `caretrail score <instrument>` from outside (DESIGN §4, `reference/instruments.md`): every
//! worked example of the reference through the binary, from the table `caretrail-insight` tests
//! too, and bad input refused with exit 2 and the field as a JSON Pointer on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn table() -> Value {
    serde_json::from_str(include_str!(
        "../../caretrail-insight/tests/worked_examples.json"
    ))
    .expect("the shared table is JSON")
}

/// Runs `caretrail score ARGS` in a data directory that does not exist (score needs none).
fn score(data: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(PathBuf::from(env!("CARGO_BIN_EXE_caretrail")))
        .arg("--data")
        .arg(data)
        .arg("score")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run caretrail");
    let mut input = child.stdin.take().unwrap();
    match input.write_all(stdin.as_bytes()) {
        // An unknown instrument is refused before the input is read.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.unwrap(),
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn problem(o: &Output) -> Value {
    let e = String::from_utf8_lossy(&o.stderr);
    let (a, b) = (
        e.find('{').expect("problem JSON on stderr"),
        e.rfind('}').unwrap(),
    );
    serde_json::from_str(&e[a..=b]).expect("problem JSON parses")
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_worked_example_scores_through_the_binary_as_the_reference_says() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("never-created");
    let table = table();
    let rows = table["examples"].as_array().unwrap();
    assert_eq!(rows.len(), 18);
    for row in rows {
        let name = row["name"].as_str().unwrap();
        let instrument = row["instrument"].as_str().unwrap();
        let o = score(&data, &[instrument], &row["input"].to_string());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = String::from_utf8(o.stdout).unwrap();
        assert_eq!(
            text.trim().lines().count(),
            1,
            "{name}: one JSON object on one line"
        );
        let out: Value = serde_json::from_str(&text).expect("stdout is JSON");
        assert_eq!(out["instrument"], instrument, "{name}");
        assert_eq!(
            out["version"],
            json!(caretrail_insight::version(instrument).unwrap()),
            "{name}"
        );
        for (pointer, want) in row["expect"].as_object().unwrap() {
            assert_eq!(out.pointer(pointer), Some(want), "{name}: {pointer}");
        }
    }
    assert!(!data.exists(), "score writes no data directory");
}

#[test]
fn bad_input_exits_2_with_the_field_as_a_json_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let table = table();
    let rows = table["refused"].as_array().unwrap();
    for want in [
        "/spo2",
        "/pulse",
        "/consciousness",
        "/items/12",
        "/sessions/0/2",
    ] {
        assert!(
            rows.iter().any(|r| r["field"] == want),
            "the table covers {want}"
        );
    }
    for row in rows {
        let name = row["name"].as_str().unwrap();
        let o = score(
            dir.path(),
            &[row["instrument"].as_str().unwrap()],
            &row["input"].to_string(),
        );
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(o.stdout.is_empty(), "{name}: nothing on stdout");
        let p = problem(&o);
        assert_eq!(p["status"], 422, "{name}");
        let f = fields(&p);
        assert!(
            f.contains(&row["field"].as_str().unwrap().to_owned()),
            "{name}: {f:?}"
        );
    }
}

#[test]
fn input_from_a_file_is_scored_and_an_unreadable_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("obs.json");
    std::fs::write(
        &path,
        json!({"respiration_rate": 26, "spo2": 90, "spo2_scale": 1, "supplemental_oxygen": true,
               "systolic_bp": 88, "pulse": 135, "consciousness": "V", "temperature": 39.5})
        .to_string(),
    )
    .unwrap();
    let o = score(
        dir.path(),
        &["news2", "--input", path.to_str().unwrap()],
        "",
    );
    assert_eq!(o.status.code(), Some(0));
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["score"], 19);
    assert_eq!(out["flag"]["severity"], "high");
    let missing = dir.path().join("missing.json");
    let o = score(
        dir.path(),
        &["news2", "--input", missing.to_str().unwrap()],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(fields(&problem(&o)), ["/input"]);
}

#[test]
fn unknown_instrument_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = score(dir.path(), &["news3"], "{}");
    assert_eq!(o.status.code(), Some(2));
    let p = problem(&o);
    assert_eq!(fields(&p), ["/instrument"]);
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("\"news3\""), "{message}");
    assert!(
        message.contains("news2"),
        "lists the instruments: {message}"
    );
}

#[test]
fn input_that_is_not_json_exits_2_as_a_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = score(dir.path(), &["srs"], "{\"items\": [9.5,");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(problem(&o)["status"], 400);
    let o = score(dir.path(), &["srs"], "[9.5, 9.0, 8.5, 9.5]");
    assert_eq!(o.status.code(), Some(2), "an array is not an input object");
    assert_eq!(problem(&o)["status"], 422);
}
