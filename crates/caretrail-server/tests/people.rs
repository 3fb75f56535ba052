//! Access that follows care, audit before data, and the citizen's view (issue "server", first
//! routes): every attempt on a person's record writes exactly one audit leaf.

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;

fn size(app: &TestApp) -> u64 {
    app.sync(|r| r.unaudited().store().tree_size().unwrap())
}

fn note(text: &str) -> String {
    serde_json::json!({"kind": "case-note", "data": {"text": text}}).to_string()
}

#[tokio::test]
async fn related_practitioner_reads_and_writes_unrelated_is_refused_each_attempt_audited_once() {
    let app = TestApp::new();
    let p = app.people[0];
    let sw = app.sign_in("sw").await;
    let cw = app.sign_in("cw").await;

    let before = size(&app);
    let w = app
        .call(
            Method::POST,
            &format!("/api/v1/people/{p}/entries"),
            Some(&sw),
            Some(&note("Visited; all well.")),
        )
        .await;
    assert_eq!(w.status, StatusCode::CREATED, "{}", w.text());
    let receipt = w.json();
    assert_eq!(size(&app), before + 2, "one audit leaf and one entry leaf");
    let cp = app
        .record
        .verifier()
        .verify(receipt["checkpoint"].as_str().unwrap())
        .unwrap();
    assert!(cp.checkpoint().size > receipt["leaf_index"].as_u64().unwrap());

    let before = size(&app);
    let t = app
        .call(
            Method::GET,
            &format!("/api/v1/people/{p}/timeline"),
            Some(&sw),
            None,
        )
        .await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.json().as_array().unwrap().len(), 1);
    assert_eq!(size(&app), before + 1);

    for (method, uri, body) in [
        (Method::GET, format!("/api/v1/people/{p}/timeline"), None),
        (
            Method::POST,
            format!("/api/v1/people/{p}/entries"),
            Some(note("Not my client.")),
        ),
    ] {
        let before = size(&app);
        let a = app.call(method, &uri, Some(&cw), body.as_deref()).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
        assert_eq!(a.content_type, "application/problem+json");
        assert_eq!(
            size(&app),
            before + 1,
            "the denial is audited, nothing else is written"
        );
    }
    assert!(app.sync(|r| r.verify(None)).unwrap().ok());
}

#[tokio::test]
async fn bad_input_and_unknown_people_are_audited_too() {
    let app = TestApp::new();
    let p = app.people[0];
    let sw = app.sign_in("sw").await;
    let cases = [
        (
            format!("/api/v1/people/{p}/entries"),
            r#"{"kind":"observation","data":{"pulse":"fast"}}"#.to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("/api/v1/people/{p}/entries"),
            "{oops".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        // Issue 11, hole 7: someone who may not reach a person is told so whether or not
        // the person exists.
        (
            format!("/api/v1/people/{}/entries", caretrail_core::PersonId::new()),
            note("x"),
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/v1/people/not-an-id/entries".to_owned(),
            note("x"),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (uri, body, want) in cases {
        let before = size(&app);
        let a = app.call(Method::POST, &uri, Some(&sw), Some(&body)).await;
        assert_eq!(a.status, want, "{uri} {body}: {}", a.text());
        assert_eq!(size(&app), before + 1, "{uri} {body}");
    }
    let a = app
        .call(
            Method::POST,
            &format!("/api/v1/people/{p}/entries"),
            Some(&sw),
            Some(r#"{"kind":"observation","data":{"pulse":"fast"}}"#),
        )
        .await;
    assert_eq!(a.json()["errors"][0]["field"], "/data/pulse");
}

#[tokio::test]
async fn citizen_sees_who_read_their_record_with_organisation_and_purpose() {
    let app = TestApp::new();
    let p = app.people[0];
    let sw = app.sign_in("sw").await;
    let cw = app.sign_in("cw").await;
    let citizen = app.sign_in("citizen").await;
    let r = app
        .call(
            Method::GET,
            &format!("/api/v1/people/{p}/timeline"),
            Some(&sw),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let refused = app
        .call(
            Method::GET,
            &format!("/api/v1/people/{p}/timeline"),
            Some(&cw),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let own = app
        .call(Method::GET, "/api/v1/me/record", Some(&citizen), None)
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    let other = app
        .call(
            Method::GET,
            &format!("/api/v1/people/{}/timeline", app.people[1]),
            Some(&citizen),
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);

    let log = app
        .call(Method::GET, "/api/v1/me/access-log", Some(&citizen), None)
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text());
    let log = log.json();
    let events = log.as_array().unwrap();
    let sw_read = events
        .iter()
        .find(|e| e["accessor"] == "sw (test)")
        .expect("the social worker's read is listed");
    assert_eq!(sw_read["organisation"], "Test Council");
    assert_eq!(sw_read["purpose"], "care");
    assert_eq!(sw_read["action"], "read-record");
    assert_eq!(sw_read["decision"], "allowed");
    assert_eq!(sw_read["break_glass"], false);
    for key in [
        "accessor",
        "role",
        "organisation",
        "time",
        "purpose",
        "action",
        "decision",
        "break_glass",
    ] {
        assert!(events.iter().all(|e| e.get(key).is_some()), "{key}");
    }
    let cw_try = events
        .iter()
        .find(|e| e["accessor"] == "cw (test)")
        .expect("the refused attempt is listed");
    assert_eq!(cw_try["decision"], "denied");
    assert_eq!(cw_try["organisation"], "Test Home Care");
    // A practitioner has no /me record.
    assert_eq!(
        app.call(Method::GET, "/api/v1/me/record", Some(&sw), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn purpose_header_is_checked_and_recorded() {
    let app = TestApp::new();
    let p = app.people[0];
    let sw = app.sign_in("sw").await;
    let mut req = axum::http::Request::builder()
        .method(Method::GET)
        .uri(format!("/api/v1/people/{p}/timeline"))
        .header("authorization", format!("Bearer {sw}"))
        .header("x-purpose-of-use", "safeguarding")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let log = app.sync(|r| r.unaudited().access_log(p)).unwrap();
    assert_eq!(
        log.last().unwrap().purpose,
        caretrail_core::Purpose::Safeguarding
    );
    req = axum::http::Request::builder()
        .method(Method::GET)
        .uri(format!("/api/v1/people/{p}/timeline"))
        .header("authorization", format!("Bearer {sw}"))
        .header("x-purpose-of-use", "curiosity")
        .body(axum::body::Body::empty())
        .unwrap();
    let before = size(&app);
    let res = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .unwrap();
    // Issue 11, hole 5: an unknown purpose is a value that is not allowed (422, not "invalid
    // JSON"), and the attempt is audited like any other.
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_ne!(problem["title"], "Input is not valid JSON");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("X-Purpose-Of-Use")
    );
    assert_eq!(size(&app), before + 1);
    let last = app.sync(|r| r.unaudited().access_log(p)).unwrap();
    let last = last.last().unwrap();
    assert!(!last.allowed);
    assert_eq!(last.reason, "invalid-input");
}

#[tokio::test]
async fn a_failed_audit_write_fails_the_read_and_returns_no_data() {
    use caretrail_store::faulty::Fault;
    use std::sync::Arc;
    let app = TestApp::new();
    let p = app.people[0];
    let sw_token = app.sign_in("sw").await;
    // Reopen the same data directory over a store that refuses audit writes.
    let dir = app.dir.path().to_owned();
    let record = common::off_runtime(|| {
        let faulty = common::engine::open_faulty(&dir, Fault::RefuseAudits);
        caretrail_record::Record::open(faulty.store, &caretrail_record::KeyFiles::in_data_dir(&dir))
            .unwrap()
    });
    let record = Arc::new(record);
    let router = caretrail_server::router(caretrail_server::AppState::new(
        record,
        caretrail_server::ServerConfig::default(),
    ));
    let req = axum::http::Request::builder()
        .method(Method::GET)
        .uri(format!("/api/v1/people/{p}/timeline"))
        .header("authorization", format!("Bearer {sw_token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(router, req).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(
        !String::from_utf8_lossy(&body).contains("\"kind\""),
        "no entries leaked"
    );
}

#[tokio::test]
async fn break_glass_opens_reads_marks_them_and_queues_them_for_review() {
    let app = TestApp::new();
    let p = app.people[0];
    let cw = app.sign_in("cw").await;
    let po = app.sign_in("po").await;
    let citizen = app.sign_in("citizen").await;
    let timeline = format!("/api/v1/people/{p}/timeline");
    let bg = format!("/api/v1/people/{p}/break-glass");

    assert_eq!(
        app.call(Method::GET, &timeline, Some(&cw), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let before = size(&app);
    let blank = app
        .call(Method::POST, &bg, Some(&cw), Some(r#"{"reason":"  "}"#))
        .await;
    assert_eq!(
        blank.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        blank.text()
    );
    assert_eq!(blank.json()["errors"][0]["field"], "/reason");
    let missing = app.call(Method::POST, &bg, Some(&cw), Some("{}")).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(size(&app), before + 2, "refused openings are audited");
    let refused = app
        .call(
            Method::POST,
            &bg,
            Some(&citizen),
            Some(r#"{"reason":"curious"}"#),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let opened = app.call(Method::POST, &bg, Some(&cw), Some(r#"{"reason":"Found on the floor at a visit; paramedics need her medicines list."}"#)).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text());
    let before = size(&app);
    let read = app.call(Method::GET, &timeline, Some(&cw), None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    assert_eq!(
        size(&app),
        before + 2,
        "one audit leaf for the read, and the fact leaf of its review item"
    );
    let log = app.sync(|r| r.unaudited().access_log(p)).unwrap();
    let last = log.last().unwrap();
    assert!(last.allowed && last.break_glass);

    // The care worker cannot see the queue; the privacy officer can, with the reason.
    assert_eq!(
        app.call(Method::GET, "/api/v1/review/break-glass", Some(&cw), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let q = app
        .call(Method::GET, "/api/v1/review/break-glass", Some(&po), None)
        .await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text());
    let items = q.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["accessor"], app.user("cw").id.to_string());
    assert_eq!(items[0]["status"], "open");
    assert!(items[0]["reason"].as_str().unwrap().contains("paramedics"));

    let id = items[0]["id"].as_str().unwrap();
    let close = format!("/api/v1/review/break-glass/{id}/close");
    let empty = app
        .call(Method::POST, &close, Some(&po), Some(r#"{"finding":""}"#))
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let closed = app
        .call(
            Method::POST,
            &close,
            Some(&po),
            Some(r#"{"finding":"Justified: emergency at a visit."}"#),
        )
        .await;
    assert_eq!(closed.status, StatusCode::NO_CONTENT, "{}", closed.text());
    let again = app
        .call(
            Method::POST,
            &close,
            Some(&po),
            Some(r#"{"finding":"again"}"#),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let open = app
        .call(Method::GET, "/api/v1/review/break-glass", Some(&po), None)
        .await;
    assert!(open.json().as_array().unwrap().is_empty());
    let all = app
        .call(
            Method::GET,
            "/api/v1/review/break-glass?include_closed=true",
            Some(&po),
            None,
        )
        .await;
    assert_eq!(all.json()[0]["finding"], "Justified: emergency at a visit.");

    // The citizen sees the break-glass read in their access log.
    let mine = app
        .call(Method::GET, "/api/v1/me/access-log", Some(&citizen), None)
        .await
        .json();
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|e| e["break_glass"] == true && e["decision"] == "allowed")
    );
    assert!(app.sync(|r| r.verify(None)).unwrap().ok());
}

#[tokio::test]
async fn caseload_lists_active_relationships_and_export_gives_the_citizen_everything() {
    let app = TestApp::new();
    let sw = app.sign_in("sw").await;
    let cw = app.sign_in("cw").await;
    let citizen = app.sign_in("citizen").await;
    let c = app
        .call(Method::GET, "/api/v1/caseload", Some(&sw), None)
        .await;
    assert_eq!(c.status, StatusCode::OK);
    let c = c.json();
    assert_eq!(c.as_array().unwrap().len(), 1);
    assert_eq!(c[0]["person"], app.people[0].to_string());
    assert_eq!(c[0]["relationship"], "allocated-worker");
    assert!(
        app.call(Method::GET, "/api/v1/caseload", Some(&cw), None)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/caseload", Some(&citizen), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    app.call(
        Method::POST,
        &format!("/api/v1/people/{}/entries", app.people[0]),
        Some(&sw),
        Some(&note("For the export.")),
    )
    .await;
    let before = size(&app);
    let e = app
        .call(Method::GET, "/api/v1/me/export", Some(&citizen), None)
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text());
    assert_eq!(size(&app), before + 1, "the export is audited");
    let e = e.json();
    assert_eq!(e["person"], app.people[0].to_string());
    assert_eq!(e["profile"]["given_name"], "Test0");
    assert_eq!(e["entries"][0]["data"]["text"], "For the export.");
    assert_eq!(e["relationships"].as_array().unwrap().len(), 1);
    assert!(e["access_log"].as_array().unwrap().len() >= 2);
    assert_eq!(
        app.call(Method::GET, "/api/v1/me/export", Some(&sw), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_manager_starts_and_ends_care_through_their_organisation() {
    let app = TestApp::new();
    let p = app.people[1];
    let mgr = app.sign_in("mgr").await;
    let cw = app.sign_in("cw").await;
    let sw = app.sign_in("sw").await;
    let cw_id = app.user("cw").id;
    let rels = format!("/api/v1/people/{p}/relationships");
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/api/v1/people/{p}/timeline"),
            Some(&cw),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // The care worker cannot refer themself; a manager of another organisation's worker cannot either.
    let body = serde_json::json!({"practitioner": cw_id, "kind": "care-team"}).to_string();
    assert_eq!(
        app.call(Method::POST, &rels, Some(&cw), Some(&body))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let sw_body =
        serde_json::json!({"practitioner": app.user("sw").id, "kind": "care-team"}).to_string();
    let wrong = app
        .call(Method::POST, &rels, Some(&mgr), Some(&sw_body))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json()["errors"][0]["field"], "/practitioner");

    let before = size(&app);
    let made = app.call(Method::POST, &rels, Some(&mgr), Some(&body)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    assert_eq!(
        size(&app),
        before + 4,
        "audited once, the start is an entry in the person's record, and the relationship and \
         the review item of self-claimed care are fact leaves"
    );
    let rid = made.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/api/v1/people/{p}/timeline"),
            Some(&cw),
            None
        )
        .await
        .status,
        StatusCode::OK
    );

    // The council's social worker cannot end the provider's relationship; the manager can, once.
    let end = format!("/api/v1/people/{p}/relationships/{rid}/end");
    assert_eq!(
        app.call(Method::POST, &end, Some(&sw), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::POST, &end, Some(&mgr), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(Method::POST, &end, Some(&mgr), None).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.call(
            Method::GET,
            &format!("/api/v1/people/{p}/timeline"),
            Some(&cw),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_privacy_officer_erases_only_when_no_hold_or_retention_applies() {
    let app = TestApp::new();
    let p = app.people[0];
    let po = app.sign_in("po").await;
    let sw = app.sign_in("sw").await;
    app.call(
        Method::POST,
        &format!("/api/v1/people/{p}/entries"),
        Some(&sw),
        Some(&note("Before erasure.")),
    )
    .await;
    let retention = format!("/api/v1/people/{p}/retention");
    let erasure = format!("/api/v1/people/{p}/erasure");
    let reason = r#"{"reason":"GDPR Art. 17 request"}"#;

    assert_eq!(
        app.call(Method::POST, &erasure, Some(&sw), Some(reason))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(
            Method::PUT,
            &retention,
            Some(&sw),
            Some(r#"{"retain_until":null,"legal_hold":true}"#)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    let held = app
        .call(
            Method::PUT,
            &retention,
            Some(&po),
            Some(r#"{"retain_until":null,"legal_hold":true}"#),
        )
        .await;
    assert_eq!(held.status, StatusCode::OK, "{}", held.text());
    let refused = app
        .call(Method::POST, &erasure, Some(&po), Some(reason))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("legal hold")
    );

    app.call(
        Method::PUT,
        &retention,
        Some(&po),
        Some(r#"{"retain_until":"2099-01-01","legal_hold":false}"#),
    )
    .await;
    let refused = app
        .call(Method::POST, &erasure, Some(&po), Some(reason))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap()
            .contains("2099-01-01")
    );

    app.call(
        Method::PUT,
        &retention,
        Some(&po),
        Some(r#"{"retain_until":"2020-01-01","legal_hold":false}"#),
    )
    .await;
    let blank = app
        .call(Method::POST, &erasure, Some(&po), Some(r#"{"reason":" "}"#))
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = app
        .call(Method::POST, &erasure, Some(&po), Some(reason))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(
        app.sync(|r| r.unaudited().timeline(p))
            .unwrap()
            .iter()
            .filter(|e| e.kind != caretrail_core::EntryKind::Erasure)
            .all(|e| e.erased)
    );
    let read = app
        .call(
            Method::GET,
            &format!("/api/v1/people/{p}/timeline"),
            Some(&sw),
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(
        read.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["data"].is_null() || e["kind"] == "erasure")
    );
    assert!(app.sync(|r| r.verify(None)).unwrap().ok());
}

#[tokio::test]
async fn the_person_heading_shows_profile_and_carers_to_the_related_only_audited() {
    let app = TestApp::new();
    let p = app.people[0];
    let sw = app.sign_in("sw").await;
    let cw = app.sign_in("cw").await;
    let before = size(&app);
    let r = app
        .call(Method::GET, &format!("/api/v1/people/{p}"), Some(&sw), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = r.json();
    assert_eq!(body["profile"]["given_name"], "Test0");
    assert_eq!(body["erased"], false);
    assert_eq!(
        body["relationships"][0]["practitioner"],
        serde_json::json!(app.user("sw").id)
    );
    assert_eq!(size(&app), before + 1, "the read is audited");
    let r = app
        .call(Method::GET, &format!("/api/v1/people/{p}"), Some(&cw), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.text().contains("Test0"));
    assert_eq!(size(&app), before + 2);
}

#[tokio::test]
async fn the_timeline_filters_by_kind_and_effective_time() {
    let app = TestApp::new();
    let p = app.people[0];
    let sw = app.sign_in("sw").await;
    let fall = serde_json::json!({"type": "fall", "injury": "none"});
    for (kind, data, at) in [
        (
            "case-note",
            serde_json::json!({"text": "January."}),
            "2026-01-10T09:00:00Z",
        ),
        ("incident", fall, "2026-02-10T09:00:00Z"),
        (
            "case-note",
            serde_json::json!({"text": "March."}),
            "2026-03-10T09:00:00Z",
        ),
    ] {
        let body = serde_json::json!({"kind": kind, "data": data, "effective_at": at});
        let w = app
            .call(
                Method::POST,
                &format!("/api/v1/people/{p}/entries"),
                Some(&sw),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(w.status, StatusCode::CREATED, "{}", w.text());
    }
    // The fall raised a flag (a prompt to reassess the Morse Fall Scale), effective with it.
    assert_eq!(
        months(&app, &sw, p, "").await,
        ["2026-01", "2026-02", "2026-02", "2026-03"]
    );
    assert_eq!(
        months(&app, &sw, p, "?kind=case-note").await,
        ["2026-01", "2026-03"]
    );
    assert_eq!(months(&app, &sw, p, "?kind=flag").await, ["2026-02"]);
    assert_eq!(
        months(
            &app,
            &sw,
            p,
            "?from=2026-02-01T00:00:00Z&to=2026-03-10T09:00:00Z"
        )
        .await,
        ["2026-02", "2026-02"],
        "from is inclusive, to exclusive"
    );
    assert_eq!(months(&app, &sw, p, "?kind=incident").await, ["2026-02"]);
    assert_eq!(
        months(&app, &sw, p, "?kind=incident&from=2026-03-01T00:00:00Z").await,
        Vec::<String>::new()
    );
}

/// The effective months (`YYYY-MM`) of the timeline entries a query returns.
async fn months(app: &TestApp, token: &str, p: caretrail_core::PersonId, q: &str) -> Vec<String> {
    let uri = format!("/api/v1/people/{p}/timeline{q}");
    let r = app.call(Method::GET, &uri, Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text());
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["effective_at"].as_str().unwrap()[..7].to_owned())
        .collect()
}

/// Eight managers' requests to end the same relationship at once: exactly one ends it (one
/// relationship entry, one fact leaf), every other is told it has already ended, and the log
/// still verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ending_one_relationship_eight_times_at_once_ends_it_once() {
    let app = TestApp::new();
    let p = app.people[1];
    let mgr = app.sign_in("mgr").await;
    let body =
        serde_json::json!({"practitioner": app.user("cw").id, "kind": "care-team"}).to_string();
    let rels = format!("/api/v1/people/{p}/relationships");
    let made = app.call(Method::POST, &rels, Some(&mgr), Some(&body)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let rid = made.json()["id"].as_str().unwrap().to_owned();
    let end = format!("/api/v1/people/{p}/relationships/{rid}/end");
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (router, end, mgr) = (app.router.clone(), end.clone(), mgr.clone());
        set.spawn(async move {
            let req = common::request(Method::POST, &end, Some(&mgr), None);
            tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap()
                .status()
        });
    }
    let answers = set.join_all().await;
    let ended = answers
        .iter()
        .filter(|s| **s == StatusCode::NO_CONTENT)
        .count();
    assert_eq!(ended, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|s| *s == StatusCode::NO_CONTENT || *s == StatusCode::CONFLICT),
        "{answers:?}"
    );
    let endings = app.sync(|r| {
        r.unaudited()
            .timeline(p)
            .unwrap()
            .iter()
            .filter(|e| e.kind == caretrail_core::EntryKind::Relationship)
            .filter(|e| e.data.as_ref().is_some_and(|d| d["event"] == "ended"))
            .count()
    });
    assert_eq!(endings, 1);
    assert!(app.sync(|r| r.verify(None)).unwrap().ok());
}
