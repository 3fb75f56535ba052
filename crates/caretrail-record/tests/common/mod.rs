//! A small hand-built world for record tests: two organisations, a worker, a system account and
//! a few synthetic people, on the test engine's store (see [`engine`]: SQLite by default,
//! PostgreSQL with `CARETRAIL_TEST_ENGINE=postgres`) and key files in a temporary data
//! directory.
#![allow(dead_code)]

pub mod engine;

use std::path::Path;

use caretrail_core::{
    EntryData, EntryId, EntryKind, Organisation, OrganisationId, OrganisationKind, PersonId,
    PersonProfile, Role, User, UserId,
};
use caretrail_record::{KeyFiles, NewEntryRequest, NewPerson, Receipt, Record};
use jiff::Timestamp;

pub struct World {
    pub dir: tempfile::TempDir,
    pub record: Record,
    pub org: OrganisationId,
    pub worker: User,
    pub system: User,
    pub people: Vec<PersonId>,
    /// The PostgreSQL schema, dropped last (after the record's store is closed).
    pub db: engine::TestDb,
}

/// This test binary re-run to execute only the test `name`, with `env_var` set to `data` (a
/// child process for crash and failure tests).
pub fn child_test(name: &str, env_var: &str, data: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("test binary path"));
    cmd.args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(env_var, data)
        .stdout(std::process::Stdio::piped());
    cmd
}

/// The record of the data directory `data`, opened again on the test engine.
pub fn open(data: &Path) -> Record {
    Record::open(engine::open(data), &KeyFiles::in_data_dir(data)).expect("open record")
}

/// A case note by `author` about `person`, written now, through the author's organisation.
pub fn note_request(person: PersonId, author: &User, text: &str) -> NewEntryRequest {
    let now = Timestamp::now();
    NewEntryRequest {
        id: EntryId::new(),
        person,
        organisation: author.organisation,
        author: author.clone(),
        recorded_at: now,
        effective_at: now,
        amends: None,
        data: EntryData::parse(EntryKind::CaseNote, &serde_json::json!({ "text": text }))
            .expect("valid note"),
    }
}

pub fn profile(i: usize) -> PersonProfile {
    PersonProfile {
        given_name: format!("Testperson{i}"),
        family_name: "Synthetic".into(),
        date_of_birth: jiff::civil::Date::new(1940, 1, 1 + (i % 28) as i8).unwrap(),
        sex: "female".into(),
        address: format!("{i} Example Row"),
        postcode: "ZZ99 9ZZ".into(),
    }
}

impl World {
    pub fn new(people: usize) -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, db) = engine::create(dir.path());
        let record = Record::init(store, &KeyFiles::in_data_dir(dir.path())).expect("init");
        let org = Organisation {
            id: OrganisationId::new(),
            name: "Example Home Care".into(),
            kind: OrganisationKind::HomeCareProvider,
        };
        let worker = User {
            id: UserId::new(),
            username: "cw.test".into(),
            display_name: "Care Worker".into(),
            role: Role::CareWorker,
            organisation: org.id,
            person: None,
        };
        let system = User {
            id: UserId::new(),
            username: "caretrail-system".into(),
            display_name: "system".into(),
            role: Role::System,
            organisation: org.id,
            person: None,
        };
        let persons: Vec<NewPerson> = (0..people)
            .map(|i| NewPerson {
                id: PersonId::new(),
                profile: profile(i),
                created_at: Timestamp::now(),
            })
            .collect();
        let ids = persons.iter().map(|p| p.id).collect();
        record
            .unaudited()
            .register(
                vec![org.clone()],
                vec![(worker.clone(), None), (system.clone(), None)],
                persons,
                vec![],
            )
            .expect("register");
        World {
            dir,
            record,
            org: org.id,
            worker,
            system,
            people: ids,
            db,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn request(
        &self,
        person: PersonId,
        kind: EntryKind,
        data: serde_json::Value,
    ) -> NewEntryRequest {
        let now = Timestamp::now();
        NewEntryRequest {
            id: EntryId::new(),
            person,
            organisation: self.org,
            author: self.worker.clone(),
            recorded_at: now,
            effective_at: now,
            amends: None,
            data: EntryData::parse(kind, &data).expect("valid test data"),
        }
    }

    pub fn note(&self, person: PersonId, text: &str) -> Receipt {
        self.record
            .unaudited()
            .add_entry(self.request(
                person,
                EntryKind::CaseNote,
                serde_json::json!({ "text": text }),
            ))
            .expect("add note")
    }

    /// An audit event of the worker reading `person`'s record.
    pub fn read_event(&self, person: PersonId, allowed: bool) -> caretrail_core::AuditEvent {
        caretrail_core::AuditEvent {
            id: EntryId::new(),
            at: Timestamp::now(),
            accessor: self.worker.id,
            role: self.worker.role,
            organisation: self.org,
            person: Some(person),
            action: caretrail_core::AuditAction::ReadRecord,
            purpose: caretrail_core::Purpose::Care,
            allowed,
            break_glass: false,
            reason: if allowed {
                "care-relationship".into()
            } else {
                "no-care-relationship".into()
            },
        }
    }

    /// Adds `n` leaves round-robin over the people, in batches of `batch`: mostly entries, and
    /// every seventh an audit event of its own.
    pub fn fill(&self, n: usize, batch: usize) {
        let mut reqs = Vec::new();
        for i in 0..n {
            let person = self.people[i % self.people.len()];
            if i % 7 == 6 {
                if !reqs.is_empty() {
                    self.record
                        .unaudited()
                        .add_entries(std::mem::take(&mut reqs))
                        .expect("add batch");
                }
                self.record
                    .unaudited()
                    .audit(self.read_event(person, i % 2 == 0))
                    .expect("audit");
                continue;
            }
            let req = if i % 3 == 0 {
                self.request(
                    person,
                    EntryKind::Observation,
                    serde_json::json!({"pulse": 60 + (i % 40), "spo2": 96}),
                )
            } else {
                self.request(
                    person,
                    EntryKind::CaseNote,
                    serde_json::json!({"text": format!("Visit {i}: all well, ate lunch.")}),
                )
            };
            reqs.push(req);
            if reqs.len() == batch {
                self.record
                    .unaudited()
                    .add_entries(std::mem::take(&mut reqs))
                    .expect("add batch");
            }
        }
        if !reqs.is_empty() {
            self.record
                .unaudited()
                .add_entries(reqs)
                .expect("add batch");
        }
    }
}
