//! Decision support over HTTP: `POST /api/v1/score/{instrument}` against the reference's worked
//! examples and bad inputs, flags raised on writes in the same transaction as the entry, the
//! flags list and acknowledgement (DESIGN §1 point 5, §4; `reference/instruments.md`).

mod common;

use axum::http::{Method, StatusCode};
use caretrail_core::PersonId;
use common::TestApp;
use serde_json::{Value, json};

fn table() -> Value {
    serde_json::from_str(include_str!(
        "../../caretrail-insight/tests/worked_examples.json"
    ))
    .expect("the shared table is JSON")
}

fn tree_size(app: &TestApp) -> u64 {
    app.sync(|r| r.unaudited().store().tree_size().unwrap())
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Vital signs scoring exactly 7: RR 24 (2), SpO2 93 on scale 1 (2), air (0), SBP 100 (2),
/// pulse 95 (1), alert (0), 37.0 °C (0).
fn vitals_scoring_7() -> Value {
    json!({"respiration_rate": 24, "spo2": 93, "spo2_scale": 1, "supplemental_oxygen": false,
           "systolic_bp": 100, "pulse": 95, "consciousness": "A", "temperature": 37.0})
}

async fn write(app: &TestApp, token: &str, person: PersonId, body: Value) -> common::Answer {
    app.call(
        Method::POST,
        &format!("/api/v1/people/{person}/entries"),
        Some(token),
        Some(&body.to_string()),
    )
    .await
}

async fn open_flags(app: &TestApp, token: &str) -> Vec<Value> {
    let a = app
        .call(Method::GET, "/api/v1/flags?status=open", Some(token), None)
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    a.json().as_array().unwrap().clone()
}

// ---- POST /api/v1/score/{instrument} ----------------------------------------------------

#[tokio::test]
async fn score_answers_every_worked_example_as_the_reference_says_and_writes_nothing() {
    let app = TestApp::new();
    let token = app.sign_in("auditor").await; // any role may score
    let before = tree_size(&app);
    let table = table();
    for row in table["examples"].as_array().unwrap() {
        let name = row["name"].as_str().unwrap();
        let instrument = row["instrument"].as_str().unwrap();
        let a = app
            .call(
                Method::POST,
                &format!("/api/v1/score/{instrument}"),
                Some(&token),
                Some(&row["input"].to_string()),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{name}: {}", a.text());
        assert_eq!(a.content_type, "application/json", "{name}");
        let out = a.json();
        assert_eq!(out["instrument"], instrument, "{name}");
        assert_eq!(
            out["version"],
            json!(caretrail_insight::version(instrument).unwrap())
        );
        for (pointer, want) in row["expect"].as_object().unwrap() {
            assert_eq!(out.pointer(pointer), Some(want), "{name}: {pointer}");
        }
    }
    assert_eq!(
        tree_size(&app),
        before,
        "scoring is not audited per request"
    );
}

#[tokio::test]
async fn score_refuses_bad_input_with_422_naming_the_pointer() {
    let app = TestApp::new();
    let token = app.sign_in("cw").await;
    let before = tree_size(&app);
    let table = table();
    for row in table["refused"].as_array().unwrap() {
        let name = row["name"].as_str().unwrap();
        let a = app
            .call(
                Method::POST,
                &format!("/api/v1/score/{}", row["instrument"].as_str().unwrap()),
                Some(&token),
                Some(&row["input"].to_string()),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(a.content_type, "application/problem+json", "{name}");
        let f = fields(&a.json());
        assert!(
            f.contains(&row["field"].as_str().unwrap().to_owned()),
            "{name}: {f:?}"
        );
    }
    let a = app
        .call(
            Method::POST,
            "/api/v1/score/news2",
            Some(&token),
            Some("{\"spo2\":"),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.content_type, "application/problem+json");
    assert_eq!(tree_size(&app), before, "bad input writes nothing");
}

#[tokio::test]
async fn score_answers_404_for_an_unknown_instrument_and_401_without_a_session() {
    let app = TestApp::new();
    let token = app.sign_in("nurse").await;
    let a = app
        .call(
            Method::POST,
            "/api/v1/score/news3",
            Some(&token),
            Some("{}"),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.content_type, "application/problem+json");
    assert!(a.text().contains("news2"), "lists the instruments");
    let input = table()["examples"][1]["input"].to_string();
    let a = app
        .call(Method::POST, "/api/v1/score/news2", None, Some(&input))
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

// ---- Flags raised on writes -------------------------------------------------------------

/// Issue "Decision support I", acceptance: vitals scoring 7 raise a high-severity flag in the
/// same request; an override with a reason acknowledges it; both are ledger entries with
/// receipts whose inclusion proofs verify against their signed checkpoints.
#[tokio::test]
async fn vitals_scoring_7_raise_a_high_flag_in_the_same_request_and_an_override_acknowledges_it() {
    let app = TestApp::new();
    let person = app.people[0];
    app.relate("nurse", person);
    let token = app.sign_in("nurse").await;
    // The system account (the flags' author) joins the directory, a fact leaf of its own,
    // before the first flag.
    app.sync(|r| {
        r.system_account(caretrail_core::OrganisationId::new())
            .unwrap()
    });

    let before = tree_size(&app);
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "observation", "data": vitals_scoring_7()}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let receipt = a.json();
    let flags = receipt["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{receipt}");
    let flag_receipt = &flags[0];
    // Audit leaf, entry, flag: one transaction, one checkpoint.
    assert_eq!(tree_size(&app), before + 3);
    assert_eq!(
        flag_receipt["leaf_index"].as_u64().unwrap(),
        receipt["leaf_index"].as_u64().unwrap() + 1
    );
    assert_eq!(flag_receipt["checkpoint"], receipt["checkpoint"]);

    // The flag entry: authored by the system, with instrument, version, severity and inputs.
    let entry_id = receipt["entry_id"].as_str().unwrap();
    let flag_id = flag_receipt["entry_id"].as_str().unwrap().to_owned();
    let timeline = app.sync(|r| r.unaudited().timeline(person)).unwrap();
    let flag = timeline
        .iter()
        .find(|e| e.id.to_string() == flag_id)
        .expect("the flag is in the record");
    let system = app.sync(|r| r.system_account(app.council)).unwrap();
    assert_eq!(flag.author, system.id);
    assert_eq!(system.role, caretrail_core::Role::System);
    let data = flag.data.as_ref().unwrap();
    assert_eq!(data["instrument"], "news2");
    assert_eq!(
        data["version"],
        json!(caretrail_insight::version("news2").unwrap())
    );
    assert_eq!(data["severity"], "high");
    assert_eq!(data["inputs"], json!([entry_id]));
    assert_eq!(data["explanation"]["reason"], "risk_high");
    assert!(data["summary"].as_str().unwrap().contains("NEWS2 7"));
    // The exact input scored and the whole result, as the score route would answer it.
    assert_eq!(data["explanation"]["input"], vitals_scoring_7());
    assert_eq!(
        data["explanation"]["result"],
        caretrail_insight::score("news2", &vitals_scoring_7()).unwrap()
    );
    assert_eq!(data["explanation"]["result"]["score"], 7);

    // The open flags list shows it, with one audit leaf for the attempt.
    let before = tree_size(&app);
    let open = open_flags(&app, &token).await;
    assert_eq!(tree_size(&app), before + 1);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], json!(flag_id));
    assert_eq!(open[0]["severity"], "high");
    assert_eq!(open[0]["status"], "open");

    // An override needs a reason: refused naming /reason, audited, nothing else written.
    let ack_uri = format!("/api/v1/flags/{flag_id}/acknowledge");
    let before = tree_size(&app);
    let a = app
        .call(
            Method::POST,
            &ack_uri,
            Some(&token),
            Some(r#"{"decision":"override"}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&a.json()), ["/reason"]);
    assert_eq!(tree_size(&app), before + 1, "only the audit leaf");

    let a = app
        .call(
            Method::POST,
            &ack_uri,
            Some(&token),
            Some(r#"{"decision":"override","reason":"Known chronic lung disease; GP reviewed this morning."}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let ack = a.json();
    assert_eq!(
        tree_size(&app),
        before + 3,
        "audit leaf and acknowledgement"
    );

    // Both entries are in the ledger, each with a receipt whose inclusion proof verifies
    // (the leaf's bytes are the auditor's to read; the proof is public).
    let auditor = app.sign_in("auditor").await;
    for r in [flag_receipt, &ack] {
        let index = r["leaf_index"].as_u64().unwrap();
        let cp = app
            .record
            .verifier()
            .verify(r["checkpoint"].as_str().unwrap())
            .expect("the receipt's checkpoint is signed by the log");
        let cp = cp.checkpoint();
        assert!(index < cp.size);
        let leaf = app
            .call(
                Method::GET,
                &format!("/api/v1/ledger/leaf/{index}"),
                Some(&auditor),
                None,
            )
            .await
            .json();
        let proof = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/ledger/proof/inclusion?index={index}&size={}",
                    cp.size
                ),
                None,
                None,
            )
            .await
            .json();
        let path: Vec<[u8; 32]> = proof["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| unhex(h.as_str().unwrap()))
            .collect();
        caretrail_ledger::verify_inclusion(
            &unhex(leaf["leaf_hash"].as_str().unwrap()),
            index,
            cp.size,
            &path,
            &cp.root,
        )
        .expect("inclusion proof verifies against the receipt's checkpoint");
    }
    let timeline = app.sync(|r| r.unaudited().timeline(person)).unwrap();
    let ack_entry = timeline
        .iter()
        .find(|e| e.id.to_string() == ack["entry_id"].as_str().unwrap())
        .expect("the acknowledgement is in the record");
    assert_eq!(ack_entry.kind, caretrail_core::EntryKind::Acknowledgement);
    assert_eq!(ack_entry.data.as_ref().unwrap()["flag"], json!(flag_id));
    assert_eq!(ack_entry.data.as_ref().unwrap()["decision"], "override");
    assert!(
        timeline.iter().any(|e| e.id.to_string() == flag_id),
        "the flag is never deleted"
    );

    // Acknowledged: no longer open, listed as acknowledged with the override; not twice.
    assert!(open_flags(&app, &token).await.is_empty());
    let done = app
        .call(
            Method::GET,
            "/api/v1/flags?status=acknowledged",
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(done[0]["acknowledgement"]["decision"], "override");
    let a = app
        .call(
            Method::POST,
            &ack_uri,
            Some(&token),
            Some(r#"{"decision":"accept"}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
}

fn unhex(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

#[tokio::test]
async fn invalid_vitals_write_no_entry_and_no_flag() {
    let app = TestApp::new();
    let person = app.people[0];
    app.relate("nurse", person);
    let token = app.sign_in("nurse").await;
    let entries = app.sync(|r| r.unaudited().timeline(person).unwrap().len());
    let before = tree_size(&app);
    let mut data = vitals_scoring_7();
    data["spo2"] = json!(120);
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "observation", "data": data}),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&a.json()), ["/data/spo2"]);
    // The attempt's audit leaf (DESIGN §4) and nothing else.
    assert_eq!(tree_size(&app), before + 1);
    assert_eq!(
        app.sync(|r| r.unaudited().timeline(person).unwrap().len()),
        entries
    );
}

#[tokio::test]
async fn a_new_flag_for_the_same_instrument_and_reason_supersedes_the_open_one() {
    let app = TestApp::new();
    let person = app.people[0];
    app.relate("nurse", person);
    let token = app.sign_in("nurse").await;
    let first = write(
        &app,
        &token,
        person,
        json!({"kind": "observation", "data": vitals_scoring_7()}),
    )
    .await
    .json()["flags"][0]["entry_id"]
        .clone();
    let second = write(
        &app,
        &token,
        person,
        json!({"kind": "observation", "data": vitals_scoring_7()}),
    )
    .await
    .json()["flags"][0]["entry_id"]
        .clone();
    assert_ne!(first, second);
    let open = open_flags(&app, &token).await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["id"], second);
    assert_eq!(open[0]["supersedes"], first);
    let all = app
        .call(Method::GET, "/api/v1/flags?status=all", Some(&token), None)
        .await
        .json();
    let old = all
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == first)
        .expect("the superseded flag is kept");
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["superseded_by"], second);
    // A superseded flag is closed: acknowledge the newer one instead.
    let a = app
        .call(
            Method::POST,
            &format!("/api/v1/flags/{}/acknowledge", first.as_str().unwrap()),
            Some(&token),
            Some(r#"{"decision":"accept"}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    // A medium result is another reason: a flag of its own, superseding nothing.
    let mut medium = vitals_scoring_7();
    medium["respiration_rate"] = json!(18); // 7 - 2 = 5
    let third = write(
        &app,
        &token,
        person,
        json!({"kind": "observation", "data": medium}),
    )
    .await
    .json();
    assert_eq!(third["flags"].as_array().unwrap().len(), 1);
    assert_eq!(open_flags(&app, &token).await.len(), 2);
}

#[tokio::test]
async fn each_kind_of_write_raises_the_flag_its_instrument_calls_for() {
    let app = TestApp::new();
    let person = app.people[0];
    app.relate("nurse", person);
    let token = app.sign_in("nurse").await;
    let flags_of = |a: &common::Answer| -> Vec<Value> {
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        a.json()["flags"].as_array().unwrap().clone()
    };
    let flag_data = |id: &Value| -> Value {
        let id = id.as_str().unwrap().to_owned();
        app.sync(|r| r.unaudited().timeline(person))
            .unwrap()
            .into_iter()
            .find(|e| e.id.to_string() == id)
            .unwrap()
            .data
            .unwrap()
    };

    // Normal vitals, partial vitals, a case note: nothing.
    let normal = table()["examples"][0]["input"].clone();
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "observation", "data": normal}),
    )
    .await;
    assert!(flags_of(&a).is_empty());
    let partial = json!({"pulse": 140});
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "observation", "data": partial}),
    )
    .await;
    assert!(flags_of(&a).is_empty(), "an incomplete set is not scored");
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "case-note", "data": {"text": "Well."}}),
    )
    .await;
    assert!(flags_of(&a).is_empty());

    // Score 2 with a soft sign: low.
    let mut soft = normal.clone();
    soft["respiration_rate"] = json!(22);
    soft["soft_signs"] = json!(["new_confusion"]);
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "observation", "data": soft}),
    )
    .await;
    let f = flags_of(&a);
    assert_eq!(flag_data(&f[0]["entry_id"])["severity"], "low");

    // Two benzodiazepines overlapping: a class duplicate, from the person's own medicines.
    let at = "2026-03-01T10:00:00Z";
    let med = |atc: &str| {
        json!({"kind": "medication", "effective_at": at,
               "data": {"atc": atc, "dose": "1 at night", "start": "2026-01-01", "end": null}})
    };
    let first = write(&app, &token, person, med("N05CD02")).await;
    assert!(
        flags_of(&first).is_empty(),
        "one benzodiazepine is no duplicate"
    );
    let second = write(&app, &token, person, med("N05CD07")).await;
    let f = flags_of(&second);
    assert_eq!(f.len(), 1);
    let d = flag_data(&f[0]["entry_id"]);
    assert_eq!(d["instrument"], "medication");
    assert_eq!(d["severity"], "medium");
    let mut inputs: Vec<String> = serde_json::from_value(d["inputs"].clone()).unwrap();
    inputs.sort();
    let mut want = vec![
        first.json()["entry_id"].as_str().unwrap().to_owned(),
        second.json()["entry_id"].as_str().unwrap().to_owned(),
    ];
    want.sort();
    assert_eq!(inputs, want);

    // A fall without a falls assessment: a prompt to reassess (Morse).
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "incident", "data": {"type": "fall", "injury": "minor"}}),
    )
    .await;
    let f = flags_of(&a);
    let d = flag_data(&f[0]["entry_id"]);
    assert_eq!(
        (d["instrument"].clone(), d["severity"].clone()),
        (json!("morse"), json!("low"))
    );
    assert_eq!(d["explanation"]["reason"], "fall_reassessment");
    // A falls assessment in the high band: medium, per the table.
    let falls = json!({"assessment_type": "falls", "history_of_falling": false,
        "secondary_diagnosis": true, "ambulatory_aid": "crutches_cane_walker",
        "iv_or_heparin_lock": true, "gait": "normal", "mental_status": "oriented"});
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "assessment", "data": falls}),
    )
    .await;
    let d = flag_data(&flags_of(&a)[0]["entry_id"]);
    assert_eq!(
        (d["instrument"].clone(), d["severity"].clone()),
        (json!("morse"), json!("medium"))
    );
    // A fall after it: rescored with the fall (75), high, so the table's flag supersedes the
    // assessment's open one.
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "incident", "data": {"type": "fall", "injury": "none"}}),
    )
    .await;
    let d = flag_data(&flags_of(&a)[0]["entry_id"]);
    assert_eq!(d["explanation"]["reason"], "risk_high");
    assert_eq!(d["inputs"].as_array().unwrap().len(), 2);

    // ORS: the person's own series; not on track at the third session.
    let mut flags = Vec::new();
    for (i, items) in [[5.5; 4], [5.5, 6.0, 5.5, 6.0], [6.0; 4]]
        .iter()
        .enumerate()
    {
        let a = write(
            &app,
            &token,
            person,
            json!({"kind": "questionnaire", "effective_at": format!("2026-02-0{}T10:00:00Z", i + 1),
                   "data": {"instrument": "ors", "items": items}}),
        )
        .await;
        flags.push(flags_of(&a));
    }
    assert!(flags[0].is_empty() && flags[1].is_empty(), "{flags:?}");
    let d = flag_data(&flags[2][0]["entry_id"]);
    assert_eq!(
        (d["instrument"].clone(), d["severity"].clone()),
        (json!("ors"), json!("medium"))
    );
    assert_eq!(d["inputs"].as_array().unwrap().len(), 3);

    // SRS below 36: low. SOC-13: never.
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "questionnaire", "data": {"instrument": "srs", "items": [8.0, 8.5, 9.0, 9.0]}}),
    )
    .await;
    let d = flag_data(&flags_of(&a)[0]["entry_id"]);
    assert_eq!(
        (d["instrument"].clone(), d["severity"].clone()),
        (json!("srs"), json!("low"))
    );
    let a = write(
        &app,
        &token,
        person,
        json!({"kind": "questionnaire", "data": {"instrument": "soc13", "items": vec![1; 13]}}),
    )
    .await;
    assert!(flags_of(&a).is_empty());
}

#[tokio::test]
async fn the_flags_list_shows_only_people_the_caller_may_read_and_acknowledging_needs_a_relationship()
 {
    let app = TestApp::new();
    let (mine, theirs) = (app.people[0], app.people[1]);
    app.relate("nurse", mine);
    app.relate("gp", theirs);
    let nurse = app.sign_in("nurse").await;
    let gp = app.sign_in("gp").await;
    let obs = json!({"kind": "observation", "data": vitals_scoring_7()});
    write(&app, &nurse, mine, obs.clone()).await;
    let theirs_flag = write(&app, &gp, theirs, obs).await.json()["flags"][0]["entry_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let open = open_flags(&app, &nurse).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["person"], json!(mine));
    // Not the nurse's person: refused, audited once, nothing written.
    let before = tree_size(&app);
    let a = app
        .call(
            Method::POST,
            &format!("/api/v1/flags/{theirs_flag}/acknowledge"),
            Some(&nurse),
            Some(r#"{"decision":"accept"}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(tree_size(&app), before + 1);
    // No such flag: the same answer, audited once (issue 11, hole 7: a flag id is no oracle).
    let b = app
        .call(
            Method::POST,
            &format!("/api/v1/flags/{}/acknowledge", uuid::Uuid::new_v4()),
            Some(&nurse),
            Some(r#"{"decision":"accept"}"#),
        )
        .await;
    assert_eq!(b.status, StatusCode::FORBIDDEN);
    assert_eq!(a.json(), b.json());
    assert_eq!(tree_size(&app), before + 2);
    // A bad status filter: 422, audited once.
    let a = app
        .call(
            Method::GET,
            "/api/v1/flags?status=closed",
            Some(&nurse),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(tree_size(&app), before + 3);
    // The citizen sees their own flags; an auditor has no flags list.
    let citizen = app.sign_in("citizen").await;
    assert_eq!(open_flags(&app, &citizen).await.len(), 1);
    let auditor = app.sign_in("auditor").await;
    let a = app
        .call(Method::GET, "/api/v1/flags", Some(&auditor), None)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}
