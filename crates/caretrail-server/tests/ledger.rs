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
        app.sync(|r| r.unaudited().audit(e)).unwrap();
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
    let auditor = app.sign_in("auditor").await;
    let leaf = app
        .call(Method::GET, "/api/v1/ledger/leaf/3", Some(&auditor), None)
        .await;
    assert_eq!(
        leaf.json(),
        serde_json::to_value(app.sync(|r| r.unaudited().leaf(3)).unwrap()).unwrap()
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
        .call(
            Method::GET,
            "/api/v1/ledger/leaf/999999",
            Some(&auditor),
            None,
        )
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

/// Issue 11, hole 8: an audit leaf says which account touched which (pseudonymous) person and
/// how it went, so a leaf's bytes go only to the auditor, the privacy officer and the citizen
/// it is about; the checkpoint, the key and the proofs (hashes only) stay public.
#[tokio::test]
async fn leaf_contents_are_served_only_to_oversight_and_to_the_person_they_are_about() {
    let app = TestApp::new();
    // The leaves of the two events (after the directory's fact leaves).
    let mut leaves = Vec::new();
    for person in [app.people[0], app.people[1]] {
        let e = caretrail_core::AuditEvent {
            id: caretrail_core::EntryId::new(),
            at: jiff::Timestamp::now(),
            accessor: app.users[1].id,
            role: app.users[1].role,
            organisation: app.provider,
            person: Some(person),
            action: caretrail_core::AuditAction::ReadRecord,
            purpose: caretrail_core::Purpose::Care,
            allowed: false,
            break_glass: false,
            reason: "no-care-relationship".into(),
        };
        leaves.push(app.sync(|r| r.unaudited().audit(e)).unwrap().leaf_index);
    }
    let (about_citizen, about_other) = (leaves[0], leaves[1]);
    let leaf = |token: Option<String>, index: u64| {
        let app = &app;
        async move {
            app.call(
                Method::GET,
                &format!("/api/v1/ledger/leaf/{index}"),
                token.as_deref(),
                None,
            )
            .await
            .status
        }
    };
    assert_eq!(leaf(None, about_citizen).await, StatusCode::UNAUTHORIZED);
    for who in ["cw", "sw", "mgr", "nurse", "gp"] {
        let t = app.sign_in(who).await;
        assert_eq!(
            leaf(Some(t.clone()), about_citizen).await,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        // Nor a fact leaf of the directory.
        assert_eq!(leaf(Some(t), 0).await, StatusCode::FORBIDDEN, "{who}");
    }
    for who in ["auditor", "po"] {
        let t = app.sign_in(who).await;
        assert_eq!(
            leaf(Some(t.clone()), about_citizen).await,
            StatusCode::OK,
            "{who}"
        );
        assert_eq!(
            leaf(Some(t.clone()), about_other).await,
            StatusCode::OK,
            "{who}"
        );
        assert_eq!(leaf(Some(t), 0).await, StatusCode::OK, "{who}");
    }
    // The citizen (people[0]) reads the leaf about them, not the one about someone else.
    let citizen = app.sign_in("citizen").await;
    assert_eq!(
        leaf(Some(citizen.clone()), about_citizen).await,
        StatusCode::OK
    );
    assert_eq!(
        leaf(Some(citizen.clone()), about_other).await,
        StatusCode::FORBIDDEN
    );
    // Sign-in leaves name nobody: not the citizen's either.
    let size = app.sync(|r| r.tree_size()).unwrap();
    assert_eq!(leaf(Some(citizen), size - 1).await, StatusCode::FORBIDDEN);
    // Hashes stay public.
    for path in [
        "/api/v1/ledger/checkpoint".to_owned(),
        "/api/v1/ledger/key".to_owned(),
        format!("/api/v1/ledger/proof/inclusion?index=0&size={size}"),
        format!("/api/v1/ledger/proof/consistency?from=1&to={size}"),
    ] {
        assert_eq!(
            app.call(Method::GET, &path, None, None).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
}

#[tokio::test]
async fn leaf_indexes_beyond_the_tree_or_any_store_are_not_found() {
    let app = TestApp::new();
    let auditor = app.sign_in("auditor").await;
    for index in ["999999", "9223372036854775808", "18446744073709551615"] {
        let r = app
            .call(
                Method::GET,
                &format!("/api/v1/ledger/leaf/{index}"),
                Some(&auditor),
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
