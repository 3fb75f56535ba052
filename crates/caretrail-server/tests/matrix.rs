//! The authorisation matrix over HTTP (issue "server", acceptance): every audited route × every
//! role that can sign in × {related, unrelated, consent-blocked, break-glass}. For each case it
//! asserts the status code and that exactly one audit leaf was written for the attempt (plus the
//! entry's own leaf for an allowed write).
//!
//! The expectations below are written from the rules in the issue and DESIGN §4, as a table
//! independent of `caretrail-access`'s own table.

mod common;

use axum::http::{Method, StatusCode};
use caretrail_core::AuditAction;
use caretrail_core::{EntryData, EntryId, EntryKind, PersonId, RelationshipId};
use caretrail_record::NewEntryRequest;
use caretrail_store::fact::FactKind;
use common::TestApp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Related,
    Unrelated,
    ConsentBlocked,
    BreakGlass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Person,
    Timeline,
    WriteNote,
    OpenBreakGlass,
    StartRelationship,
    EndRelationship,
    MyRecord,
    MyAccessLog,
    MyExport,
    ReviewQueue,
    SetRetention,
    Erase,
    ReadConsent,
    ReplaceConsent,
    ListFlags,
    AcknowledgeFlag,
}

const ROLES: [&str; 8] = ["cw", "nurse", "sw", "gp", "mgr", "po", "auditor", "citizen"];
const SCENARIOS: [Scenario; 4] = [
    Scenario::Related,
    Scenario::Unrelated,
    Scenario::ConsentBlocked,
    Scenario::BreakGlass,
];
const ROUTES: [Route; 16] = [
    Route::Person,
    Route::Timeline,
    Route::WriteNote,
    Route::OpenBreakGlass,
    Route::StartRelationship,
    Route::EndRelationship,
    Route::MyRecord,
    Route::MyAccessLog,
    Route::MyExport,
    Route::ReviewQueue,
    Route::SetRetention,
    Route::Erase,
    Route::ReadConsent,
    Route::ReplaceConsent,
    Route::ListFlags,
    Route::AcknowledgeFlag,
];

/// Care roles that read and write through a care relationship (or a caseload, for a manager).
const CARERS: [&str; 5] = ["cw", "nurse", "sw", "gp", "mgr"];
/// Roles that write case notes (a manager writes care plans and claims, not notes).
const NOTE_WRITERS: [&str; 4] = ["cw", "nurse", "sw", "gp"];
/// Roles that may open break-glass: care roles and the privacy officer; never a citizen or
/// an auditor.
const BREAK_GLASS: [&str; 6] = ["cw", "nurse", "sw", "gp", "mgr", "po"];

fn expected(role: &str, scenario: Scenario, route: Route) -> StatusCode {
    use Scenario::*;
    let ok = StatusCode::OK;
    let no = StatusCode::FORBIDDEN;
    let citizen = role == "citizen";
    match route {
        Route::Person | Route::Timeline => match scenario {
            Related if CARERS.contains(&role) || citizen => ok,
            ConsentBlocked if citizen => ok, // consent binds organisations, not the person
            BreakGlass if BREAK_GLASS.contains(&role) => ok,
            _ => no,
        },
        Route::WriteNote => match scenario {
            Related if NOTE_WRITERS.contains(&role) => StatusCode::CREATED,
            _ => no, // break-glass never covers writes
        },
        Route::OpenBreakGlass if BREAK_GLASS.contains(&role) => StatusCode::CREATED,
        // Issue 11, hole 2: starting care respects the person's consent block.
        Route::StartRelationship if role == "mgr" => match scenario {
            ConsentBlocked => no,
            _ => StatusCode::CREATED,
        },
        Route::EndRelationship if role == "mgr" => match scenario {
            Related | ConsentBlocked => StatusCode::NO_CONTENT,
            _ => StatusCode::NOT_FOUND, // allowed to manage, but there is nothing to end
        },
        Route::ReadConsent => match scenario {
            Related if CARERS.contains(&role) || citizen => ok,
            ConsentBlocked if citizen => ok,
            // Break-glass reads cover consent; the privacy officer's break-glass reach is the
            // record itself, not the directives.
            BreakGlass if BREAK_GLASS.contains(&role) && role != "po" => ok,
            _ => no,
        },
        Route::ReplaceConsent => match scenario {
            // The person themselves, or their social worker while not blocked.
            Related if role == "sw" || citizen => ok,
            ConsentBlocked if citizen => ok,
            _ => no,
        },
        // The list spans people: open to every role that reads flags (each person on it is
        // decided on its own), whatever the scenario of this one person.
        Route::ListFlags if CARERS.contains(&role) || citizen => ok,
        // An acknowledgement is a write: care roles through their relationship (a manager
        // through the caseload), never a citizen, never through break-glass or against consent.
        Route::AcknowledgeFlag => match scenario {
            Related if CARERS.contains(&role) => StatusCode::CREATED,
            _ => no,
        },
        Route::MyRecord | Route::MyAccessLog | Route::MyExport if citizen => ok,
        Route::ReviewQueue | Route::SetRetention | Route::Erase if role == "po" => ok,
        _ => no,
    }
}

struct Case {
    app: TestApp,
    token: String,
    person: PersonId,
    relationship: Option<RelationshipId>,
    /// An open flag on the person, for the acknowledgement route.
    flag: Option<EntryId>,
}

/// An open flag on `person`, written by the system account as decision support does.
fn raise_flag(app: &TestApp, person: PersonId) -> EntryId {
    let system = app.sync(|r| r.system_account(app.council)).unwrap();
    let now = jiff::Timestamp::now();
    let data = serde_json::json!({"instrument": "news2", "version": "test", "severity": "high",
        "summary": "Matrix flag.", "inputs": [], "explanation": {"reason": "risk_high"}});
    let request = NewEntryRequest {
        id: EntryId::new(),
        person,
        organisation: system.organisation,
        author: system,
        recorded_at: now,
        effective_at: now,
        amends: None,
        data: EntryData::parse(EntryKind::Flag, &data).unwrap(),
    };
    let id = request.id;
    app.sync(|r| r.unaudited().add_entry(request)).unwrap();
    id
}

fn block(app: &TestApp, person: PersonId, organisation: caretrail_core::OrganisationId) {
    let now = jiff::Timestamp::now();
    let data =
        serde_json::json!({"directives": [{"directive": "deny", "organisation": organisation}]});
    let request = NewEntryRequest {
        id: EntryId::new(),
        person,
        organisation: app.council,
        author: app.user("sw").clone(),
        recorded_at: now,
        effective_at: now,
        amends: None,
        data: EntryData::parse(EntryKind::Consent, &data).unwrap(),
    };
    app.sync(|r| r.unaudited().add_entry(request)).unwrap();
}

async fn setup(role: &str, scenario: Scenario, route: Route) -> Case {
    let app = TestApp::new();
    let token = app.sign_in(role).await;
    let citizen = role == "citizen";
    // A citizen's related and consent cases are about their own record; every other case is
    // about someone with no relationship so far.
    let person = if citizen && matches!(scenario, Scenario::Related | Scenario::ConsentBlocked) {
        app.user("citizen").person.unwrap()
    } else {
        app.people[1]
    };
    let org = app.user(role).organisation;
    let mut relationship = None;
    if matches!(scenario, Scenario::Related | Scenario::ConsentBlocked) && !citizen {
        // A manager's reach is the organisation's caseload: a colleague's relationship.
        let practitioner = if role == "mgr" { "cw" } else { role };
        relationship = Some(app.relate(practitioner, person));
    }
    if scenario == Scenario::ConsentBlocked {
        block(&app, person, org);
    }
    if scenario == Scenario::BreakGlass {
        let _ = app
            .call(
                Method::POST,
                &format!("/api/v1/people/{person}/break-glass"),
                Some(&token),
                Some(r#"{"reason":"Emergency at a visit."}"#),
            )
            .await;
    }
    let flag = (route == Route::AcknowledgeFlag).then(|| raise_flag(&app, person));
    Case {
        app,
        token,
        person,
        relationship,
        flag,
    }
}

async fn attempt(case: &Case, role: &str, route: Route) -> StatusCode {
    let p = case.person;
    let app = &case.app;
    let t = Some(case.token.as_str());
    let (method, uri, body) = match route {
        Route::Person => (Method::GET, format!("/api/v1/people/{p}"), None),
        Route::Timeline => (Method::GET, format!("/api/v1/people/{p}/timeline"), None),
        Route::WriteNote => (
            Method::POST,
            format!("/api/v1/people/{p}/entries"),
            Some(r#"{"kind":"case-note","data":{"text":"Matrix note."}}"#.to_owned()),
        ),
        Route::OpenBreakGlass => (
            Method::POST,
            format!("/api/v1/people/{p}/break-glass"),
            Some(r#"{"reason":"Matrix emergency."}"#.to_owned()),
        ),
        Route::StartRelationship => {
            let practitioner = if role == "mgr" {
                app.user("cw").id
            } else {
                app.user(role).id
            };
            (
                Method::POST,
                format!("/api/v1/people/{p}/relationships"),
                Some(
                    serde_json::json!({"practitioner": practitioner, "kind": "care-team"})
                        .to_string(),
                ),
            )
        }
        Route::EndRelationship => {
            let rid = case.relationship.unwrap_or_default();
            (
                Method::POST,
                format!("/api/v1/people/{p}/relationships/{rid}/end"),
                None,
            )
        }
        Route::MyRecord => (Method::GET, "/api/v1/me/record".to_owned(), None),
        Route::MyAccessLog => (Method::GET, "/api/v1/me/access-log".to_owned(), None),
        Route::MyExport => (Method::GET, "/api/v1/me/export".to_owned(), None),
        Route::ReviewQueue => (Method::GET, "/api/v1/review/break-glass".to_owned(), None),
        Route::SetRetention => (
            Method::PUT,
            format!("/api/v1/people/{p}/retention"),
            Some(r#"{"retain_until":"2020-01-01","legal_hold":false}"#.to_owned()),
        ),
        Route::Erase => (
            Method::POST,
            format!("/api/v1/people/{p}/erasure"),
            Some(r#"{"reason":"GDPR Art. 17 request"}"#.to_owned()),
        ),
        Route::ReadConsent => (Method::GET, format!("/api/v1/people/{p}/consent"), None),
        Route::ReplaceConsent => (
            Method::PUT,
            format!("/api/v1/people/{p}/consent"),
            Some(
                r#"{"directives":[],"basis":{"kind":"persons-instruction","note":"Asked at a visit."}}"#
                    .to_owned(),
            ),
        ),
        Route::ListFlags => (Method::GET, "/api/v1/flags?status=open".to_owned(), None),
        Route::AcknowledgeFlag => (
            Method::POST,
            format!(
                "/api/v1/flags/{}/acknowledge",
                case.flag.unwrap_or_default()
            ),
            Some(r#"{"decision":"override","reason":"Matrix override."}"#.to_owned()),
        ),
    };
    app.call(method, &uri, t, body.as_deref()).await.status
}

#[tokio::test]
async fn every_route_role_and_scenario_answers_as_expected_with_exactly_one_audit_leaf() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for role in ROLES {
        for scenario in SCENARIOS {
            for route in ROUTES {
                let case = setup(role, scenario, route).await;
                let before = case
                    .app
                    .sync(|r| r.unaudited().store().tree_size().unwrap());
                let status = attempt(&case, role, route).await;
                let after = case
                    .app
                    .sync(|r| r.unaudited().store().tree_size().unwrap());
                let want = expected(role, scenario, route);
                // An allowed write or erasure appends its own entry after the audit leaf.
                let want_entries = match (route, status) {
                    (Route::WriteNote | Route::AcknowledgeFlag, StatusCode::CREATED)
                    | (Route::Erase | Route::ReplaceConsent, StatusCode::OK) => 1,
                    // Starting or ending care writes a relationship entry in the person's record.
                    (Route::StartRelationship, StatusCode::CREATED)
                    | (Route::EndRelationship, StatusCode::NO_CONTENT) => 1,
                    _ => 0,
                };
                let written = Written::read(&case.app, before, after);
                let facts_ok = expected_facts(route, status, &written.facts);
                if status != want
                    || written.audits != 1
                    || written.entries != want_entries
                    || !facts_ok
                {
                    failures.push(format!(
                        "{role} {scenario:?} {route:?}: status {status} (want {want}), {} audit leaves (want 1), {} entries (want {want_entries}), facts {:?}",
                        written.audits, written.entries, written.facts
                    ));
                }
                if let Err(why) = check_leaf(&case, role, scenario, route, status, before) {
                    failures.push(format!("{role} {scenario:?} {route:?}: {why}"));
                }
                cases += 1;
            }
        }
    }
    assert_eq!(cases, ROLES.len() * SCENARIOS.len() * ROUTES.len());
    assert!(
        failures.is_empty(),
        "{} of {cases} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The audit action each route's leaf records.
fn audit_action(route: Route) -> AuditAction {
    match route {
        Route::Person | Route::Timeline | Route::MyRecord => AuditAction::ReadRecord,
        Route::WriteNote | Route::AcknowledgeFlag => AuditAction::WriteEntry,
        Route::OpenBreakGlass => AuditAction::OpenBreakGlass,
        Route::StartRelationship | Route::EndRelationship => AuditAction::ManageRelationships,
        Route::MyAccessLog => AuditAction::ReadAccessLog,
        Route::MyExport => AuditAction::Export,
        Route::ReviewQueue => AuditAction::ReviewBreakGlass,
        Route::SetRetention => AuditAction::SetRetention,
        Route::Erase => AuditAction::Erase,
        Route::ReadConsent => AuditAction::ReadConsent,
        Route::ReplaceConsent => AuditAction::ReplaceConsent,
        Route::ListFlags => AuditAction::ReadFlags,
    }
}

/// What the attempt's one audit leaf says: who (account, role, organisation), about whom, which
/// action, under which purpose, allowed exactly when the answer was a success, with a reason
/// code that is a grant's basis when allowed and a refusal's when refused, and marked
/// break-glass only when a window let it through.
fn check_leaf(
    case: &Case,
    role: &str,
    scenario: Scenario,
    route: Route,
    status: StatusCode,
    before: u64,
) -> Result<(), String> {
    let rows = case
        .app
        .sync(|r| r.unaudited().store().audit_by_leaf_from(before, 8).unwrap());
    let [row] = &rows[..] else {
        return Err(format!("{} audit leaves", rows.len()));
    };
    let e = &row.event;
    let user = case.app.user(role);
    let spans_people = matches!(route, Route::ReviewQueue | Route::ListFlags);
    let own_route = matches!(
        route,
        Route::MyRecord | Route::MyAccessLog | Route::MyExport
    );
    let person = if spans_people || (own_route && role != "citizen") {
        None
    } else if own_route {
        user.person
    } else {
        Some(case.person)
    };
    let allowed = status.is_success();
    let basis = caretrail_access::Basis::ALL.map(|b| b.code());
    let denial = caretrail_access::Denial::ALL.map(|d| d.code());
    let refused_codes = [
        "not-a-citizen",
        "flag-withheld",
        "no-such-relationship",
        "invalid-input",
    ];
    let checks = [
        (e.accessor == user.id, "accessor"),
        (e.role == user.role, "role"),
        (e.organisation == user.organisation, "organisation"),
        (e.person == person, "person"),
        (e.action == audit_action(route), "action"),
        (e.purpose == caretrail_core::Purpose::Care, "purpose"),
        (e.allowed == allowed, "decision"),
        (
            if allowed {
                basis.contains(&e.reason.as_str())
                    || e.reason.starts_with("consent-basis-")
                    || (route == Route::OpenBreakGlass && e.reason == "break-glass-opened")
                    // Care started without an open referral: allowed, and queued for review.
                    || (route == Route::StartRelationship && e.reason == "self-claimed")
            } else {
                denial.contains(&e.reason.as_str()) || refused_codes.contains(&e.reason.as_str())
            },
            "reason",
        ),
        (
            !e.break_glass
                || (allowed
                    && (scenario == Scenario::BreakGlass || route == Route::OpenBreakGlass)),
            "break-glass mark",
        ),
        (
            route != Route::OpenBreakGlass || e.break_glass == allowed,
            "break-glass mark of the window",
        ),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        None => Ok(()),
        Some((_, what)) => Err(format!("the leaf's {what} is wrong: {e:?}")),
    }
}

/// The leaves an attempt appended, by kind.
struct Written {
    audits: usize,
    entries: usize,
    facts: Vec<FactKind>,
}

impl Written {
    fn read(app: &TestApp, before: u64, after: u64) -> Written {
        let leaves = app.sync(|r| {
            r.unaudited()
                .store()
                .leaves_from(before, (after - before) as usize)
                .unwrap()
        });
        let mut w = Written {
            audits: 0,
            entries: 0,
            facts: Vec::new(),
        };
        for (_, leaf) in leaves {
            match caretrail_store::leaf::kind(&leaf) {
                Some(caretrail_store::leaf::KIND_AUDIT) => w.audits += 1,
                Some(caretrail_store::leaf::KIND_ENTRY) => w.entries += 1,
                _ => w.facts.push(
                    caretrail_store::fact::decode(&leaf)
                        .expect("a leaf is an audit event, an entry or a fact")
                        .key
                        .kind,
                ),
            }
        }
        w
    }
}

/// The directory facts an attempt sets: what it changed, and nothing else.
fn expected_facts(route: Route, status: StatusCode, facts: &[FactKind]) -> bool {
    use FactKind as F;
    match (route, status) {
        (Route::OpenBreakGlass, StatusCode::CREATED) => facts == [F::BreakGlass],
        (Route::SetRetention, StatusCode::OK) => facts == [F::Retention],
        (Route::EndRelationship, StatusCode::NO_CONTENT) => facts == [F::Relationship],
        // Care started with no open referral is also queued for review.
        (Route::StartRelationship, StatusCode::CREATED) => {
            facts == [F::Relationship] || facts == [F::Relationship, F::Review]
        }
        // The erased person row, then their citizen accounts anonymised.
        (Route::Erase, StatusCode::OK) => {
            facts.first() == Some(&F::Person) && facts[1..].iter().all(|f| *f == F::User)
        }
        // A read through a break-glass window is queued for review.
        (Route::Person | Route::Timeline | Route::ReadConsent, StatusCode::OK) => {
            facts.is_empty() || facts == [F::Review]
        }
        _ => facts.is_empty(),
    }
}
