//! Consent over HTTP: the person replaces their whole set of directives, the set in force is the
//! latest one, and it changes what practitioners of a blocked organisation can read at once.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;

fn size(app: &TestApp) -> u64 {
    app.sync(|r| r.unaudited().store().tree_size().unwrap())
}

#[tokio::test]
async fn the_citizen_blocks_an_organisation_and_lifts_the_block_by_replacing_the_set() {
    let app = TestApp::new();
    let p = app.people[0]; // the citizen's own record; sw (council) has a relationship
    let citizen = app.sign_in("citizen").await;
    let sw = app.sign_in("sw").await;
    let consent = format!("/api/v1/people/{p}/consent");
    let timeline = format!("/api/v1/people/{p}/timeline");

    // Nothing recorded yet: an empty set and no entry.
    let r = app.call(Method::GET, &consent, Some(&sw), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["directives"], serde_json::json!([]));
    assert!(r.json()["entry"].is_null());

    // Block the council entirely, and mental health from the GP practice.
    let set = serde_json::json!({"directives": [
        {"directive": "deny", "organisation": app.council},
        {"directive": "deny", "organisation": app.practice, "category": "mental-health"},
    ]});
    let before = size(&app);
    let w = app
        .call(
            Method::PUT,
            &consent,
            Some(&citizen),
            Some(&set.to_string()),
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text());
    assert_eq!(size(&app), before + 2, "audit leaf and the consent entry");
    let receipt = w.json();
    assert!(receipt["checkpoint"].as_str().is_some());

    let r = app.call(Method::GET, &consent, Some(&citizen), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["directives"], set["directives"]);
    assert_eq!(r.json()["entry"], receipt["entry_id"]);

    // The council's social worker is now refused, and the refusal is audited.
    let before = size(&app);
    let t = app.call(Method::GET, &timeline, Some(&sw), None).await;
    assert_eq!(t.status, StatusCode::FORBIDDEN, "{}", t.text());
    assert_eq!(size(&app), before + 1);
    // A blocked organisation cannot rewrite the person's consent either.
    let w = app
        .call(
            Method::PUT,
            &consent,
            Some(&sw),
            Some(r#"{"directives":[]}"#),
        )
        .await;
    assert_eq!(w.status, StatusCode::FORBIDDEN);

    // Replacing with an empty set lifts every block (the earlier set stays in the ledger).
    let w = app
        .call(
            Method::PUT,
            &consent,
            Some(&citizen),
            Some(r#"{"directives":[]}"#),
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text());
    let t = app.call(Method::GET, &timeline, Some(&sw), None).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text());
    let kinds: Vec<_> = t
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(kinds, ["consent", "consent"], "both sets are on the record");
}

#[tokio::test]
async fn bad_directives_are_refused_naming_the_field_audited_and_nothing_is_written() {
    let app = TestApp::new();
    let p = app.people[0];
    let citizen = app.sign_in("citizen").await;
    let consent = format!("/api/v1/people/{p}/consent");
    let cases = [
        (
            r#"{"directives":[{"directive":"permit"},{"directive":"deny"}]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "/directives/1/organisation",
        ),
        (
            r#"{"directives":[{"directive":"maybe"}]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "/directives/0/directive",
        ),
        (
            r#"{"directives":[],"extra":1}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (r#"{"directives":"#, StatusCode::BAD_REQUEST, ""),
    ];
    for (body, status, field) in cases {
        let before = size(&app);
        let r = app
            .call(Method::PUT, &consent, Some(&citizen), Some(body))
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
        if !field.is_empty() {
            assert_eq!(r.json()["errors"][0]["field"], field, "{body}");
        }
        assert_eq!(size(&app), before + 1, "only the audit leaf: {body}");
    }
    let r = app.call(Method::GET, &consent, Some(&citizen), None).await;
    assert_eq!(r.json()["directives"], serde_json::json!([]));
}
