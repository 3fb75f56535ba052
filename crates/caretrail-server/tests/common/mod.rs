//! `TestApp`: a server over a fresh data directory with typed actors, driven in-process through
//! the router (no sockets). The store is the test engine's (see [`engine`], shared with the
//! record tests): SQLite by default, PostgreSQL with `CARETRAIL_TEST_ENGINE=postgres`.
//!
//! The PostgreSQL client blocks on a runtime of its own, which tokio refuses on an async worker
//! thread, so tests call the record directly only through [`TestApp::sync`] (a plain thread),
//! as the server itself does through `spawn_blocking`.
#![allow(dead_code)]

#[path = "../../../caretrail-record/tests/common/engine.rs"]
pub mod engine;

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use caretrail_core::{
    CareRelationship, Organisation, OrganisationId, OrganisationKind, PersonId, PersonProfile,
    RelationshipId, RelationshipKind, Role, User, UserId,
};
use caretrail_record::{KeyFiles, NewPerson, Record};
use caretrail_server::{AppState, ServerConfig, router};
use http_body_util::BodyExt;
use jiff::Timestamp;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub record: Arc<Record>,
    pub router: Router,
    pub council: OrganisationId,
    pub provider: OrganisationId,
    pub practice: OrganisationId,
    pub users: Vec<User>,
    pub people: Vec<PersonId>,
    /// The PostgreSQL schema, dropped last (after the record's store is closed).
    pub db: engine::TestDb,
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The test password's hash, computed once (argon2id is deliberately slow).
fn hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        Argon2::default()
            .hash_password_with_salt(PASSWORD.as_bytes(), &[7; 16])
            .unwrap()
            .to_string()
    })
    .clone()
}

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with_config(ServerConfig::default())
    }

    pub fn with_config(config: ServerConfig) -> TestApp {
        off_runtime(|| TestApp::build(config))
    }

    fn build(config: ServerConfig) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let (store, db) = engine::create(dir.path());
        let record = Record::init(store, &KeyFiles::in_data_dir(dir.path())).unwrap();
        let council = Organisation {
            id: OrganisationId::new(),
            name: "Test Council".into(),
            kind: OrganisationKind::Council,
        };
        let provider = Organisation {
            id: OrganisationId::new(),
            name: "Test Home Care".into(),
            kind: OrganisationKind::HomeCareProvider,
        };
        let practice = Organisation {
            id: OrganisationId::new(),
            name: "Test Practice".into(),
            kind: OrganisationKind::GpPractice,
        };
        let people: Vec<PersonId> = (0..3).map(|_| PersonId::new()).collect();
        let mk = |name: &str, role: Role, org: OrganisationId, person: Option<PersonId>| User {
            id: UserId::new(),
            username: name.into(),
            display_name: format!("{name} (test)"),
            role,
            organisation: org,
            person,
        };
        let users = vec![
            mk("sw", Role::SocialWorker, council.id, None),
            mk("cw", Role::CareWorker, provider.id, None),
            mk("po", Role::PrivacyOfficer, council.id, None),
            mk("citizen", Role::Citizen, council.id, Some(people[0])),
            mk("mgr", Role::Manager, provider.id, None),
            mk("nurse", Role::Nurse, provider.id, None),
            mk("gp", Role::Gp, practice.id, None),
            mk("auditor", Role::Auditor, council.id, None),
        ];
        let rels = vec![CareRelationship {
            id: RelationshipId::new(),
            practitioner: users[0].id,
            person: people[0],
            organisation: council.id,
            kind: RelationshipKind::AllocatedWorker,
            from: "2025-01-01T00:00:00Z".parse().unwrap(),
            to: None,
        }];
        let persons = people
            .iter()
            .enumerate()
            .map(|(i, id)| NewPerson {
                id: *id,
                profile: PersonProfile {
                    given_name: format!("Test{i}"),
                    family_name: "Synthetic".into(),
                    date_of_birth: jiff::civil::date(1940, 1, 1),
                    sex: "female".into(),
                    address: "1 Test Row".into(),
                    postcode: "ZZ99 9ZZ".into(),
                },
                created_at: Timestamp::now(),
            })
            .collect();
        let pw = hash();
        record
            .unaudited()
            .register(
                vec![council.clone(), provider.clone(), practice.clone()],
                users
                    .iter()
                    .map(|u| (u.clone(), Some(pw.clone())))
                    .collect(),
                persons,
                rels,
            )
            .unwrap();
        let record = Arc::new(record);
        let router = router(AppState::new(record.clone(), config));
        TestApp {
            dir,
            record,
            router,
            council: council.id,
            provider: provider.id,
            practice: practice.id,
            users,
            people,
            db,
        }
    }

    /// Starts a care-team relationship (since 2025) between the account `practitioner` and
    /// `person`, through the account's organisation, as seeding would.
    pub fn relate(&self, practitioner: &str, person: PersonId) -> RelationshipId {
        let u = self.user(practitioner);
        let rel = CareRelationship {
            id: RelationshipId::new(),
            practitioner: u.id,
            person,
            organisation: u.organisation,
            kind: RelationshipKind::CareTeam,
            from: "2025-01-01T00:00:00Z".parse().unwrap(),
            to: None,
        };
        self.sync(|r| {
            r.unaudited()
                .register(vec![], vec![], vec![], vec![rel.clone()])
        })
        .unwrap();
        rel.id
    }

    /// Runs `f` against the record on a plain thread, off the async runtime.
    pub fn sync<T: Send>(&self, f: impl FnOnce(&Record) -> T + Send) -> T {
        off_runtime(|| f(&self.record))
    }

    pub fn user(&self, username: &str) -> &User {
        self.users.iter().find(|u| u.username == username).unwrap()
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        self.send(request(method, uri, token, body)).await
    }

    /// [`TestApp::call`] as if over a connection from `source`.
    pub async fn call_from(
        &self,
        source: std::net::IpAddr,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let mut req = request(method, uri, token, body);
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                source, 40000,
            )));
        self.send(req).await
    }

    /// Sends a request as built, and collects the answer.
    pub async fn send(&self, req: Request<Body>) -> Answer {
        answer(self.router.clone().oneshot(req).await.unwrap()).await
    }

    pub async fn sign_in(&self, username: &str) -> String {
        let a = self
            .call(
                Method::POST,
                "/api/v1/session",
                None,
                Some(&serde_json::json!({"username": username, "password": PASSWORD}).to_string()),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        a.json()["token"].as_str().unwrap().to_owned()
    }
}

/// A request as [`TestApp::call`] sends it: a bearer token and a JSON body, if given.
pub fn request(
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    req.body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap()
}

/// Collects a response into an [`Answer`].
pub async fn answer(res: axum::response::Response) -> Answer {
    let status = res.status();
    let headers = res.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer {
        status,
        content_type,
        headers,
        body,
    }
}

/// Runs `f` on a plain thread and waits for it: a store call made directly from an async test
/// would block an async worker thread, which the PostgreSQL client refuses.
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
