//! The ledger over HTTP serves the same texts and JSON as the record service (and the CLI).

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;

#[tokio::test]
async fn ledger_routes_match_the_record_service() {
    let app = TestApp::new();
    for i in 0..5 {
        let mut e = caretrail_core::AuditEvent {
            id: caretrail_core::EntryId::new(),
            at: jiff::Timestamp::now(),
            accessor: app.users[0].id,
            role: app.users[0].role,
            organisation: app.council,
            person: Some(app.people[0]),
            action: caretrail_core::AuditAction::ReadRecord,
            purpose: caretrail_core::Purpose::Care,
            allowed: true,
            break_glass: false,
            reason: "care-relationship".into(),
        };
        e.allowed = i % 2 == 0;
        app.sync(|r| r.audit(e)).unwrap();
    }
    let cp = app
        .call(Method::GET, "/api/v1/ledger/checkpoint", None, None)
        .await;
    assert_eq!(cp.status, StatusCode::OK);
    assert_eq!(cp.text(), app.sync(|r| r.checkpoint()).unwrap());
    let key = app
        .call(Method::GET, "/api/v1/ledger/key", None, None)
        .await;
    assert_eq!(key.text().trim(), app.record.verifier_key());
    let leaf = app
        .call(Method::GET, "/api/v1/ledger/leaf/3", None, None)
        .await;
    assert_eq!(
        leaf.json(),
        serde_json::to_value(app.sync(|r| r.leaf(3)).unwrap()).unwrap()
    );
    let inc = app
        .call(
            Method::GET,
            "/api/v1/ledger/proof/inclusion?index=1&size=5",
            None,
            None,
        )
        .await;
    assert_eq!(
        inc.json(),
        serde_json::to_value(app.sync(|r| r.inclusion_proof(1, Some(5))).unwrap()).unwrap()
    );
    let con = app
        .call(
            Method::GET,
            "/api/v1/ledger/proof/consistency?from=2&to=5",
            None,
            None,
        )
        .await;
    assert_eq!(
        con.json(),
        serde_json::to_value(app.sync(|r| r.consistency_proof(2, 5)).unwrap()).unwrap()
    );

    let past = app
        .call(Method::GET, "/api/v1/ledger/leaf/99", None, None)
        .await;
    assert_eq!(past.status, StatusCode::NOT_FOUND);
    assert_eq!(past.content_type, "application/problem+json");
    let bad = app
        .call(
            Method::GET,
            "/api/v1/ledger/proof/consistency?from=0&to=5",
            None,
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn leaf_indexes_beyond_the_tree_or_any_store_are_not_found() {
    let app = TestApp::new();
    for index in ["999999", "9223372036854775808", "18446744073709551615"] {
        let r = app
            .call(
                Method::GET,
                &format!("/api/v1/ledger/leaf/{index}"),
                None,
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{index}: {}", r.text());
    }
    let r = app
        .call(Method::GET, "/api/v1/ledger/leaf/-1", None, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["status"], 404);
}
