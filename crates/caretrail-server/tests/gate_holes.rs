//! Regression tests for the access holes found by attacking the release binary (issue 11,
//! section 2). Each test names its hole; each failed on the code before the gate.

mod common;

use axum::http::{Method, StatusCode};
use caretrail_core::PersonId;
use common::TestApp;
use serde_json::{Value, json};

fn size(app: &TestApp) -> u64 {
    app.sync(|r| r.tree_size().unwrap())
}

async fn call(
    app: &TestApp,
    method: Method,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> common::Answer {
    let body = body.map(|b| b.to_string());
    app.call(method, uri, Some(token), body.as_deref()).await
}

/// The last audit event about `person`.
fn last_event(app: &TestApp, person: PersonId) -> caretrail_core::AuditEvent {
    app.sync(|r| r.unaudited().access_log(person))
        .unwrap()
        .pop()
        .unwrap()
}

/// The person's consent: the GP practice may not see mental-health entries.
async fn withhold_mental_health_from_the_practice(app: &TestApp, person: PersonId) {
    let citizen = app.sign_in("citizen").await;
    let set = json!({"directives": [
        {"directive": "deny", "organisation": app.practice, "category": "mental-health"},
    ]});
    let r = call(
        app,
        Method::PUT,
        &format!("/api/v1/people/{person}/consent"),
        &citizen,
        Some(set),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

/// Amitriptyline (ATC N06AA09): an antidepressant with an anticholinergic burden of 3, so a
/// medication review flags it on its own.
fn amitriptyline() -> Value {
    json!({"kind": "medication", "data": {"atc": "N06AA09", "dose": "10 mg at night", "start": "2026-01-01"}})
}

async fn timeline_ids(app: &TestApp, token: &str, person: PersonId) -> Vec<String> {
    let t = call(
        app,
        Method::GET,
        &format!("/api/v1/people/{person}/timeline"),
        token,
        None,
    )
    .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text());
    t.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A nurse (home-care provider) and a GP (practice) both care for `person`, who withholds
/// mental health from the practice; the nurse records amitriptyline, which raises a flag.
struct Withheld {
    nurse: String,
    gp: String,
    med: String,
    flag: String,
}

async fn withheld_antidepressant(app: &TestApp, p: PersonId) -> Withheld {
    app.relate("nurse", p);
    app.relate("gp", p);
    withhold_mental_health_from_the_practice(app, p).await;
    let nurse = app.sign_in("nurse").await;
    let gp = app.sign_in("gp").await;
    let w = call(
        app,
        Method::POST,
        &format!("/api/v1/people/{p}/entries"),
        &nurse,
        Some(amitriptyline()),
    )
    .await;
    assert_eq!(w.status, StatusCode::CREATED, "{}", w.text());
    let med = w.json()["entry_id"].as_str().unwrap().to_owned();
    let flag = w.json()["flags"][0]["entry_id"]
        .as_str()
        .expect("a medication-review flag")
        .to_owned();
    Withheld {
        nurse,
        gp,
        med,
        flag,
    }
}

#[tokio::test]
async fn hole_1_a_flag_is_withheld_wherever_an_entry_it_was_computed_from_is() {
    let app = TestApp::new();
    let p = app.people[0];
    let Withheld {
        nurse,
        gp,
        med,
        flag,
    } = withheld_antidepressant(&app, p).await;

    // The nurse's organisation sees both; the practice sees neither, anywhere.
    let theirs = timeline_ids(&app, &nurse, p).await;
    assert!(theirs.contains(&med) && theirs.contains(&flag));
    let mine = timeline_ids(&app, &gp, p).await;
    assert!(!mine.contains(&med), "the antidepressant is withheld");
    assert!(!mine.contains(&flag), "so is the flag naming it");
    let list = call(&app, Method::GET, "/api/v1/flags?status=all", &gp, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        !list.text().contains(&flag) && !list.text().contains("N06AA09"),
        "{}",
        list.text()
    );
    assert!(!list.text().contains("amitriptyline"));
    let nurse_list = call(&app, Method::GET, "/api/v1/flags?status=all", &nurse, None).await;
    assert!(nurse_list.text().contains(&flag));
    // Acknowledging it: refused exactly as for a flag that does not exist.
    let ack = json!({"decision": "accept"});
    let a = call(
        &app,
        Method::POST,
        &format!("/api/v1/flags/{flag}/acknowledge"),
        &gp,
        Some(ack.clone()),
    )
    .await;
    let b = call(
        &app,
        Method::POST,
        &format!("/api/v1/flags/{}/acknowledge", uuid::Uuid::new_v4()),
        &gp,
        Some(ack),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    assert_eq!(a.json(), b.json());

    // A flag stored before flags carried categories counts as carrying its inputs'.
    let legacy = app.sync(|r| {
        let system = r.system_account(app.council).unwrap();
        let data = caretrail_core::EntryData::parse(
            caretrail_core::EntryKind::Flag,
            &json!({"instrument": "medication", "version": "1", "severity": "medium",
                    "summary": "Anticholinergic burden 3", "inputs": [med]}),
        )
        .unwrap();
        let now = jiff::Timestamp::now();
        r.unaudited()
            .add_entry(caretrail_record::NewEntryRequest {
                id: caretrail_core::EntryId::new(),
                person: p,
                organisation: system.organisation,
                author: system,
                recorded_at: now,
                effective_at: now,
                amends: None,
                data,
            })
            .unwrap()
            .entry_id
    });
    assert!(timeline_ids(&app, &nurse, p).await.contains(&legacy));
    assert!(!timeline_ids(&app, &gp, p).await.contains(&legacy));
    let list = call(&app, Method::GET, "/api/v1/flags?status=all", &gp, None).await;
    assert!(!list.text().contains(&legacy));
}

#[tokio::test]
async fn hole_4_an_entry_in_a_withheld_category_cannot_be_amended_or_found() {
    let app = TestApp::new();
    let p = app.people[0];
    let Withheld { nurse, gp, med, .. } = withheld_antidepressant(&app, p).await;

    let amend = |target: String| {
        json!({"kind": "medication", "amends": target,
               "data": {"atc": "N02BE01", "dose": "1 g four times a day", "start": "2026-01-01"}})
    };
    let before = size(&app);
    let a = call(
        &app,
        Method::POST,
        &format!("/api/v1/people/{p}/entries"),
        &gp,
        Some(amend(med.clone())),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert_eq!(a.json()["errors"][0]["field"], "/amends");
    assert_eq!(
        size(&app),
        before + 1,
        "the attempt is audited, nothing is written"
    );
    let ev = last_event(&app, p);
    assert!(!ev.allowed);
    assert_eq!(ev.reason, "consent-category-blocked");
    // The same answer as for an id that names nothing.
    let b = call(
        &app,
        Method::POST,
        &format!("/api/v1/people/{p}/entries"),
        &gp,
        Some(amend(uuid::Uuid::new_v4().to_string())),
    )
    .await;
    assert_eq!(a.json(), b.json());
    // The nurse's organisation may amend it.
    let c = call(
        &app,
        Method::POST,
        &format!("/api/v1/people/{p}/entries"),
        &nurse,
        Some(amend(med)),
    )
    .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
}

#[tokio::test]
async fn hole_3_nobody_reviews_their_own_break_glass_and_a_repeat_is_marked() {
    let app = TestApp::new();
    let p = app.people[1];
    // A second privacy officer to review the first.
    let po2 = caretrail_core::User {
        id: caretrail_core::UserId::new(),
        username: "po2".into(),
        display_name: "po2 (test)".into(),
        role: caretrail_core::Role::PrivacyOfficer,
        organisation: app.council,
        person: None,
    };
    let hash = app.sync(|r| r.accounts().by_username("po").unwrap().unwrap().1);
    app.sync(|r| {
        r.unaudited()
            .register(vec![], vec![(po2, hash)], vec![], vec![])
    })
    .unwrap();
    let po = app.sign_in("po").await;
    let po2 = app.sign_in("po2").await;
    let bg = format!("/api/v1/people/{p}/break-glass");
    for _ in 0..2 {
        let o = call(
            &app,
            Method::POST,
            &bg,
            &po,
            Some(json!({"reason": "subject access dispute"})),
        )
        .await;
        assert_eq!(o.status, StatusCode::CREATED, "{}", o.text());
        let t = call(
            &app,
            Method::GET,
            &format!("/api/v1/people/{p}/timeline"),
            &po,
            None,
        )
        .await;
        assert_eq!(t.status, StatusCode::OK);
    }
    let q = call(&app, Method::GET, "/api/v1/review/break-glass", &po, None).await;
    let items = q.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["own"] == true));
    assert_eq!(
        items.iter().filter(|i| i["repeated"] == true).count(),
        1,
        "the second window within 24 h"
    );
    let id = items[0]["id"].as_str().unwrap();
    let close = format!("/api/v1/review/break-glass/{id}/close");
    let before = size(&app);
    let r = call(
        &app,
        Method::POST,
        &close,
        &po,
        Some(json!({"finding": "justified"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(size(&app), before + 1, "the refused close is audited");
    let r = call(
        &app,
        Method::POST,
        &close,
        &po2,
        Some(json!({"finding": "justified"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let q = call(&app, Method::GET, "/api/v1/review/break-glass", &po2, None).await;
    assert!(
        q.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["own"] == false)
    );
}

#[tokio::test]
async fn hole_5_every_attempt_writes_one_leaf_whatever_is_wrong_with_it() {
    let app = TestApp::new();
    let p = app.people[0];
    let sw = app.sign_in("sw").await;
    let po = app.sign_in("po").await;
    for (token, uri, want) in [
        (
            &sw,
            format!("/api/v1/people/{p}/timeline?from=yesterday"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &sw,
            format!("/api/v1/people/{p}/timeline?colour=red"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &sw,
            "/api/v1/people/not-a-person/timeline".to_owned(),
            StatusCode::NOT_FOUND,
        ),
        (
            &po,
            "/api/v1/review/break-glass?include_closed=maybe".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &sw,
            "/api/v1/flags?status=everything".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let before = size(&app);
        let r = call(&app, Method::GET, &uri, token, None).await;
        assert_eq!(r.status, want, "{uri}: {}", r.text());
        assert_eq!(size(&app), before + 1, "{uri}");
    }
    let ev = last_event(&app, p);
    assert_eq!(ev.reason, "invalid-input");

    // Break-glass on an erased person: 409, and the leaf says it was refused.
    let e = call(
        &app,
        Method::POST,
        &format!("/api/v1/people/{}/erasure", app.people[2]),
        &po,
        Some(json!({"reason": "GDPR Art. 17 request"})),
    )
    .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text());
    let before = size(&app);
    let bg = call(
        &app,
        Method::POST,
        &format!("/api/v1/people/{}/break-glass", app.people[2]),
        &sw,
        Some(json!({"reason": "collapsed at home"})),
    )
    .await;
    assert_eq!(bg.status, StatusCode::CONFLICT, "{}", bg.text());
    assert_eq!(size(&app), before + 1);
    let ev = last_event(&app, app.people[2]);
    assert!(!ev.allowed && !ev.break_glass);
    assert_eq!(ev.reason, "person-erased");
}

#[tokio::test]
async fn hole_6_a_reason_needs_three_visible_characters_and_no_control_characters() {
    let app = TestApp::new();
    let p = app.people[0];
    let sw = app.sign_in("sw").await;
    for reason in [
        "\u{0}",
        "\u{200b}",
        "\u{200b}\u{200b}\u{200b}",
        "ok",
        "fell\u{1b}[2J",
    ] {
        let before = size(&app);
        let r = call(
            &app,
            Method::POST,
            &format!("/api/v1/people/{p}/break-glass"),
            &sw,
            Some(json!({"reason": reason})),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{reason:?}: {}",
            r.text()
        );
        assert_eq!(r.json()["errors"][0]["field"], "/reason");
        assert_eq!(size(&app), before + 1, "audited");
    }
    // An override of a flag likewise.
    app.relate("nurse", p);
    let nurse = app.sign_in("nurse").await;
    let vitals = json!({"kind": "observation", "data": {"respiration_rate": 24, "spo2": 93, "spo2_scale": 1,
        "supplemental_oxygen": false, "systolic_bp": 100, "pulse": 95, "consciousness": "A", "temperature": 37.0}});
    let w = call(
        &app,
        Method::POST,
        &format!("/api/v1/people/{p}/entries"),
        &nurse,
        Some(vitals),
    )
    .await;
    let flag = w.json()["flags"][0]["entry_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for reason in ["\u{200b}", "\u{0}\u{0}\u{0}", "no"] {
        let r = call(
            &app,
            Method::POST,
            &format!("/api/v1/flags/{flag}/acknowledge"),
            &nurse,
            Some(json!({"decision": "override", "reason": reason})),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{reason:?}: {}",
            r.text()
        );
        assert!(r.text().contains("/reason"));
    }
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/flags/{flag}/acknowledge"),
        &nurse,
        Some(json!({"decision": "override", "reason": "known COPD, baseline"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn hole_7_a_person_id_tells_nothing_to_someone_who_cannot_reach_it() {
    let app = TestApp::new();
    let cw = app.sign_in("cw").await;
    let real = app.people[1];
    let unknown = PersonId::new();
    for path in ["", "/timeline", "/consent"] {
        let a = call(
            &app,
            Method::GET,
            &format!("/api/v1/people/{real}{path}"),
            &cw,
            None,
        )
        .await;
        let b = call(
            &app,
            Method::GET,
            &format!("/api/v1/people/{unknown}{path}"),
            &cw,
            None,
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!((a.status, a.json()), (b.status, b.json()), "{path}");
    }
    // A role that reaches anyone (the privacy officer's retention) is told the id is unknown.
    let po = app.sign_in("po").await;
    let r = call(
        &app,
        Method::PUT,
        &format!("/api/v1/people/{unknown}/retention"),
        &po,
        Some(json!({"retain_until": null, "legal_hold": false})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
}

#[tokio::test]
async fn hole_2_care_is_never_backdated_and_respects_a_consent_block() {
    let app = TestApp::new();
    let p = app.people[1];
    let mgr = app.sign_in("mgr").await;
    let nurse = app.user("nurse").id;
    let rels = format!("/api/v1/people/{p}/relationships");
    let before = size(&app);
    let r = call(
        &app,
        Method::POST,
        &rels,
        &mgr,
        Some(json!({"practitioner": nurse, "kind": "care-team", "from": "1990-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "/from");
    assert_eq!(size(&app), before + 1);
    let ev = last_event(&app, p);
    assert!(!ev.allowed);
    // No relationship was made: the nurse still cannot read the record.
    let nurse_token = app.sign_in("nurse").await;
    let t = call(
        &app,
        Method::GET,
        &format!("/api/v1/people/{p}/timeline"),
        &nurse_token,
        None,
    )
    .await;
    assert_eq!(t.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn hole_9_a_practitioner_changes_consent_only_on_a_recorded_basis_that_the_person_sees() {
    let app = TestApp::new();
    let p = app.people[0]; // the citizen's; sw (council) has a relationship
    let sw = app.sign_in("sw").await;
    let citizen = app.sign_in("citizen").await;
    let consent = format!("/api/v1/people/{p}/consent");
    // The person blocks the practice; the social worker tries to lift it silently.
    let block = json!({"directives": [{"directive": "deny", "organisation": app.practice}]});
    let r = call(&app, Method::PUT, &consent, &citizen, Some(block.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let before = size(&app);
    let r = call(
        &app,
        Method::PUT,
        &consent,
        &sw,
        Some(json!({"directives": []})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "/basis");
    assert_eq!(size(&app), before + 1, "audited, nothing written");
    let r = call(&app, Method::GET, &consent, &sw, None).await;
    assert_eq!(
        r.json()["directives"],
        block["directives"],
        "the block stands"
    );
    // With a basis it is recorded, and the person sees who did it and on what basis.
    let lift = json!({"directives": [], "basis": {"kind": "best-interests",
        "note": "Capacity assessment 2026-11-30: lacks capacity for this decision."}});
    let r = call(&app, Method::PUT, &consent, &sw, Some(lift)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let log = call(&app, Method::GET, "/api/v1/me/access-log", &citizen, None).await;
    let change = log
        .json()
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["action"] == "replace-consent" && e["decision"] == "allowed")
        .cloned()
        .unwrap();
    assert_eq!(change["accessor"], "sw (test)");
    assert_eq!(change["reason"], "consent-basis-best-interests");
    let record = call(&app, Method::GET, "/api/v1/me/record", &citizen, None).await;
    assert!(
        record.text().contains("Capacity assessment"),
        "the basis is on the record"
    );
    // A deny naming an organisation that does not exist is refused.
    let r = call(
        &app,
        Method::PUT,
        &consent,
        &citizen,
        Some(json!({"directives": [{"directive": "deny", "organisation": uuid::Uuid::new_v4()}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "/directives/0/organisation");
}

/// Two acknowledgements of one flag at the same moment: exactly one commits (the "still open"
/// check runs inside the write transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_acknowledgements_of_one_flag_commit_once() {
    let app = TestApp::new();
    let p = app.people[0];
    app.relate("nurse", p);
    let nurse = app.sign_in("nurse").await;
    let vitals = json!({"kind": "observation", "data": {"respiration_rate": 24, "spo2": 93, "spo2_scale": 1,
        "supplemental_oxygen": false, "systolic_bp": 100, "pulse": 95, "consciousness": "A", "temperature": 37.0}});
    for round in 0..5 {
        let w = call(
            &app,
            Method::POST,
            &format!("/api/v1/people/{p}/entries"),
            &nurse,
            Some(vitals.clone()),
        )
        .await;
        let flag = w.json()["flags"][0]["entry_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let uri = format!("/api/v1/flags/{flag}/acknowledge");
        let body = json!({"decision": "accept"}).to_string();
        let answers = futures_join(&app, &uri, &nurse, &body, 8).await;
        let created = answers
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        let conflicts = answers
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count();
        assert_eq!((created, conflicts), (1, 7), "round {round}: {answers:?}");
        let acks = app.sync(|r| {
            r.unaudited()
                .timeline(p)
                .unwrap()
                .into_iter()
                .filter(|e| e.data.as_ref().is_some_and(|d| d["flag"] == json!(flag)))
                .count()
        });
        assert_eq!(acks, 1, "round {round}");
    }
}

async fn futures_join(
    app: &TestApp,
    uri: &str,
    token: &str,
    body: &str,
    n: usize,
) -> Vec<StatusCode> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let router = app.router.clone();
        let req = axum::http::Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap();
        set.spawn(async move {
            tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap()
                .status()
        });
    }
    set.join_all().await
}

/// Issue 11, section 3: with the store refusing audit writes, every audited route answers an
/// error and gives away nothing, against a person who has entries, a profile and flags; and
/// nothing is written (no leaf, no window, no retention, no erasure, no relationship).
#[tokio::test]
async fn every_audited_route_fails_closed_when_the_audit_cannot_be_written() {
    use caretrail_store::faulty::Fault;
    let app = TestApp::new();
    let p = app.people[0];
    app.relate("nurse", p);
    let nurse = app.sign_in("nurse").await;
    let marker = "Fail-closed marker note";
    let w = call(
        &app,
        Method::POST,
        &format!("/api/v1/people/{p}/entries"),
        &nurse,
        Some(json!({"kind": "case-note", "data": {"text": marker}})),
    )
    .await;
    assert_eq!(w.status, StatusCode::CREATED);
    let vitals = json!({"kind": "observation", "data": {"respiration_rate": 24, "spo2": 93, "spo2_scale": 1,
        "supplemental_oxygen": false, "systolic_bp": 100, "pulse": 95, "consciousness": "A", "temperature": 37.0}});
    let w = call(
        &app,
        Method::POST,
        &format!("/api/v1/people/{p}/entries"),
        &nurse,
        Some(vitals),
    )
    .await;
    let flag = w.json()["flags"][0]["entry_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tokens: std::collections::HashMap<&str, String> = {
        let mut m = std::collections::HashMap::new();
        for who in ["sw", "nurse", "citizen", "po", "mgr"] {
            m.insert(who, app.sign_in(who).await);
        }
        m
    };
    // The same data directory, over a store that refuses every batch holding an audit leaf.
    let dir = app.dir.path().to_owned();
    let record = common::off_runtime(|| {
        let faulty = common::engine::open_faulty(&dir, Fault::RefuseAudits);
        caretrail_record::Record::open(faulty.store, &caretrail_record::KeyFiles::in_data_dir(&dir))
            .unwrap()
    });
    let record = std::sync::Arc::new(record);
    let router = caretrail_server::router(caretrail_server::AppState::new(
        record.clone(),
        caretrail_server::ServerConfig::default(),
    ));
    let before = size(&app);
    let cw = app.user("cw").id;
    let routes: Vec<(&str, Method, String, Option<Value>)> = vec![
        ("sw", Method::GET, format!("/api/v1/people/{p}"), None),
        (
            "sw",
            Method::GET,
            format!("/api/v1/people/{p}/timeline"),
            None,
        ),
        (
            "sw",
            Method::GET,
            format!("/api/v1/people/{p}/consent"),
            None,
        ),
        (
            "sw",
            Method::PUT,
            format!("/api/v1/people/{p}/consent"),
            Some(
                json!({"directives": [], "basis": {"kind": "persons-instruction", "note": "At a visit."}}),
            ),
        ),
        (
            "sw",
            Method::POST,
            format!("/api/v1/people/{p}/entries"),
            Some(json!({"kind": "case-note", "data": {"text": "Written while audit is down."}})),
        ),
        (
            "sw",
            Method::POST,
            format!("/api/v1/people/{p}/break-glass"),
            Some(json!({"reason": "collapsed"})),
        ),
        (
            "nurse",
            Method::GET,
            "/api/v1/flags?status=all".to_owned(),
            None,
        ),
        (
            "nurse",
            Method::POST,
            format!("/api/v1/flags/{flag}/acknowledge"),
            Some(json!({"decision": "accept"})),
        ),
        ("citizen", Method::GET, "/api/v1/me/record".to_owned(), None),
        (
            "citizen",
            Method::GET,
            "/api/v1/me/access-log".to_owned(),
            None,
        ),
        ("citizen", Method::GET, "/api/v1/me/export".to_owned(), None),
        (
            "po",
            Method::GET,
            "/api/v1/review/break-glass".to_owned(),
            None,
        ),
        (
            "po",
            Method::PUT,
            format!("/api/v1/people/{p}/retention"),
            Some(json!({"retain_until": "2040-01-01", "legal_hold": true})),
        ),
        (
            "po",
            Method::POST,
            format!("/api/v1/people/{p}/erasure"),
            Some(json!({"reason": "GDPR Art. 17 request"})),
        ),
        (
            "mgr",
            Method::POST,
            format!("/api/v1/people/{p}/relationships"),
            Some(json!({"practitioner": cw, "kind": "care-team"})),
        ),
    ];
    for (who, method, uri, body) in routes {
        let mut req = axum::http::Request::builder()
            .method(method.clone())
            .uri(&uri)
            .header("authorization", format!("Bearer {}", tokens[who]));
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(body.map_or_else(axum::body::Body::empty, |b| {
                axum::body::Body::from(b.to_string())
            }))
            .unwrap();
        let res = tower::ServiceExt::oneshot(router.clone(), req)
            .await
            .unwrap();
        let status = res.status();
        let body = http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes();
        let text = String::from_utf8_lossy(&body);
        assert!(
            status.is_server_error(),
            "{who} {method} {uri}: {status} {text}"
        );
        for secret in [marker, "Test0", "Synthetic", "news2", "\"kind\"", &flag] {
            assert!(
                !text.contains(secret),
                "{who} {method} {uri} leaked {secret:?}: {text}"
            );
        }
    }
    assert_eq!(size(&app), before, "nothing was written");
    let (erased, retention, windows, relationships) = app.sync(|r| {
        let store = r.unaudited().store();
        (
            store.person(p).unwrap().unwrap().erased_at.is_some(),
            store.retention(p).unwrap(),
            store.export_break_glass().unwrap().len(),
            store.relationships_for_person(p).unwrap().len(),
        )
    });
    assert!(!erased && retention.is_none());
    assert_eq!(
        (windows, relationships),
        (0, 2),
        "no window opened, no care started"
    );
}

/// Issue 11, hole 2: care started is an entry in the person's own record; started on an open
/// referral it is plain care, started without one it is self-claimed and opens an item in the
/// one review queue, which a privacy officer (never its subject) assigns and closes.
#[tokio::test]
async fn hole_2_care_started_without_a_referral_is_self_claimed_and_reviewed() {
    let app = TestApp::new();
    let p = app.people[0]; // the citizen's; sw (council) cares for them
    let sw = app.sign_in("sw").await;
    let mgr = app.sign_in("mgr").await;
    let po = app.sign_in("po").await;
    let citizen = app.sign_in("citizen").await;
    let rels = format!("/api/v1/people/{p}/relationships");
    let entries = format!("/api/v1/people/{p}/entries");

    // The social worker refers the person to the home-care provider; its manager starts care.
    let r = call(
        &app,
        Method::POST,
        &entries,
        &sw,
        Some(json!({"kind": "referral",
        "data": {"to": app.provider, "reason": "Needs help with personal care twice a day."}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let referral = r.json()["entry_id"].as_str().unwrap().to_owned();
    let nurse = app.user("nurse").id;
    let r = call(
        &app,
        Method::POST,
        &rels,
        &mgr,
        Some(json!({"practitioner": nurse, "kind": "care-team"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // The person sees who started caring for them, on which referral.
    let record = call(&app, Method::GET, "/api/v1/me/record", &citizen, None).await;
    let started: Vec<Value> = record
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "relationship")
        .cloned()
        .collect();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0]["organisation"], json!(app.provider));
    assert_eq!(started[0]["data"]["event"], "started");
    assert_eq!(started[0]["data"]["referral"], json!(referral));
    assert_eq!(started[0]["data"]["self_claimed"], false);
    let queue = call(&app, Method::GET, "/api/v1/review", &po, None).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text());
    assert_eq!(
        queue.json(),
        json!([]),
        "care on a referral is not reviewed"
    );

    // The referral is used up: care started again without one is self-claimed.
    let cw = app.user("cw").id;
    let r = call(
        &app,
        Method::POST,
        &rels,
        &mgr,
        Some(json!({"practitioner": cw, "kind": "care-team"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let ev = last_event(&app, p);
    assert!(ev.allowed);
    assert_eq!(ev.reason, "self-claimed");
    let queue = call(
        &app,
        Method::GET,
        "/api/v1/review?kind=self-claimed-relationship",
        &po,
        None,
    )
    .await;
    let items = queue.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!(item["accessor"], json!(app.user("mgr").id));
    assert_eq!(item["organisation"], json!(app.provider));
    assert_eq!(item["person"], json!(p));
    assert_eq!(item["status"], "open");
    assert!(item["window"].is_null());
    let claimed: Vec<Value> = call(&app, Method::GET, "/api/v1/me/record", &citizen, None)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "relationship" && e["data"]["self_claimed"] == true)
        .cloned()
        .collect();
    assert_eq!(claimed.len(), 1);
    assert_eq!(item["entry"], claimed[0]["id"]);
    // The break-glass queue keeps to break-glass reads.
    let bg = call(&app, Method::GET, "/api/v1/review/break-glass", &po, None).await;
    assert_eq!(bg.json(), json!([]));

    // A manager cannot review it; the privacy officer assigns it to themself and closes it.
    let id = item["id"].as_str().unwrap();
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/review/{id}/assign"),
        &mgr,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/review/{id}/assign"),
        &po,
        Some(json!({"assignee": app.user("mgr").id})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the subject never reviews: {}",
        r.text()
    );
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/review/{id}/assign"),
        &po,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let item = call(&app, Method::GET, "/api/v1/review", &po, None)
        .await
        .json()[0]
        .clone();
    assert_eq!(item["assignee"], json!(app.user("po").id));
    let r = call(
        &app,
        Method::POST,
        &format!("/api/v1/review/{id}/close"),
        &po,
        Some(json!({"finding": "Urgent discharge; the referral follows."})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let all = call(
        &app,
        Method::GET,
        "/api/v1/review?include_closed=true",
        &po,
        None,
    )
    .await;
    assert_eq!(all.json()[0]["status"], "closed");
    assert_eq!(
        all.json()[0]["finding"],
        "Urgent discharge; the referral follows."
    );

    // Ending care is on the record too.
    let rel_id = app
        .sync(|r| r.unaudited().store().relationships_for_person(p).unwrap())
        .into_iter()
        .find(|r| r.practitioner == cw)
        .unwrap()
        .id;
    let r = call(
        &app,
        Method::POST,
        &format!("{rels}/{rel_id}/end"),
        &mgr,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let ended = call(&app, Method::GET, "/api/v1/me/record", &citizen, None)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "relationship" && e["data"]["event"] == "ended")
        .count();
    assert_eq!(ended, 1);
}
